//! The contacts an agent may pick for a call: the candidates the hub offered when it could not
//! log the call on its own (a number several Intercom contacts share). `POST …/contact`
//! accepts only these, so an agent cannot point a call at any contact of the workspace.

use rusqlite::params;

use super::{Store, StoreError};

pub(super) const CREATE: &str = "
CREATE TABLE candidates (
    subject_kind  TEXT NOT NULL,
    subject_id    TEXT NOT NULL,
    contact_id    TEXT NOT NULL,
    recorded_at   INTEGER NOT NULL,
    PRIMARY KEY (subject_kind, subject_id, contact_id)
);
";

impl Store {
    /// Records the contacts offered for a subject (adding to those offered before).
    pub fn record_candidates(
        &self,
        kind: &str,
        id: &str,
        contact_ids: &[&str],
        now: i64,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for contact in contact_ids {
            tx.execute(
                "INSERT INTO candidates (subject_kind, subject_id, contact_id, recorded_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT DO UPDATE SET recorded_at = excluded.recorded_at",
                params![kind, id, contact, now],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Whether this contact was offered for the subject.
    pub fn is_candidate(&self, kind: &str, id: &str, contact_id: &str) -> Result<bool, StoreError> {
        Ok(self.conn().query_row(
            "SELECT EXISTS (SELECT 1 FROM candidates
                 WHERE subject_kind = ?1 AND subject_id = ?2 AND contact_id = ?3)",
            params![kind, id, contact_id],
            |r| r.get(0),
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_offered_contacts_are_candidates_of_that_call() {
        let store = Store::open_in_memory().unwrap();
        store
            .record_candidates("call", "7", &["paul", "claire"], 1)
            .unwrap();
        store.record_candidates("call", "7", &["paul"], 2).unwrap();
        assert!(store.is_candidate("call", "7", "paul").unwrap());
        assert!(store.is_candidate("call", "7", "claire").unwrap());
        assert!(!store.is_candidate("call", "7", "jane").unwrap());
        assert!(!store.is_candidate("call", "8", "paul").unwrap());
    }
}
