//! The mapping from each Intercom contact to Ringside's Aircall contact: what is wanted, what
//! was written, a create whose answer was lost, a refusal; and the push's accessors on it.

use crate::store::CachedSql;
use rusqlite::{params, OptionalExtension, Row, Transaction};

use crate::domain::plan::Target;
use crate::store::{Store, StoreError};

/// Rows that need Aircall work: a target not yet written (and not refused), or a lost answer.
const TODO: &str = "(desired_hash IS NOT written_hash OR pending_since IS NOT NULL)
    AND (pending_since IS NOT NULL OR failed_for IS NOT COALESCE(desired_hash, ''))";

/// The sync state of one Intercom contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncRow {
    /// The Intercom contact.
    pub intercom_id: String,
    /// What Ringside wants in Aircall; `None`: nothing.
    pub desired: Option<Target>,
    /// The Aircall contact Ringside created.
    pub aircall_id: Option<u64>,
    /// What it holds (while a create is pending: what was sent).
    pub written: Option<Target>,
    /// Whether `written` is known to be in Aircall.
    pub written_known: bool,
    /// The id of the number Ringside wrote, when known.
    pub phone_detail_id: Option<u64>,
    /// The id of the email Ringside wrote, when known.
    pub email_detail_id: Option<u64>,
    /// A create sent at this time whose answer was not recorded.
    pub pending_since: Option<i64>,
    /// Why Aircall refused a target.
    pub failure: Option<String>,
    /// Whether the refused target is the current one (it is then not tried again).
    pub refused: bool,
    /// Whether the contact is gone from Intercom.
    pub gone: bool,
}

/// A run counter that moves one at a time during the push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counter {
    /// An Aircall contact created.
    Created,
    /// An Aircall contact changed.
    Updated,
    /// An Aircall contact deleted.
    Deleted,
    /// A contact Aircall refused.
    Failed,
}

impl Counter {
    fn column(self) -> &'static str {
        match self {
            Counter::Created => "created",
            Counter::Updated => "updated",
            Counter::Deleted => "deleted",
            Counter::Failed => "failed",
        }
    }
}

pub(super) fn to_json(target: &Target) -> String {
    // A target is plain strings: encoding cannot fail.
    serde_json::to_string(target).unwrap_or_default()
}

fn from_json(text: Option<String>) -> Option<Target> {
    text.and_then(|t| serde_json::from_str(&t).ok())
}

fn id_of(value: Option<i64>) -> Option<u64> {
    value.and_then(|v| u64::try_from(v).ok())
}

fn row_from(r: &Row<'_>) -> rusqlite::Result<SyncRow> {
    let written_hash: Option<String> = r.get(4)?;
    Ok(SyncRow {
        intercom_id: r.get(0)?,
        desired: from_json(r.get(1)?),
        aircall_id: id_of(r.get(2)?),
        written: from_json(r.get(3)?),
        written_known: written_hash.is_some(),
        phone_detail_id: id_of(r.get(5)?),
        email_detail_id: id_of(r.get(6)?),
        pending_since: r.get(7)?,
        failure: r.get(8)?,
        gone: r.get(9)?,
        refused: r.get(10)?,
    })
}

const ROW_COLUMNS: &str = "intercom_id, desired, aircall_id, written, written_hash,
    phone_detail_id, email_detail_id, pending_since, failure, gone,
    failed_for IS COALESCE(desired_hash, '')";

impl Store {
    /// Up to `limit` contacts that need Aircall work, in id order after `after`.
    pub fn sync_todo(&self, after: Option<&str>, limit: usize) -> Result<Vec<String>, StoreError> {
        let conn = self.read();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT intercom_id FROM sync_contacts WHERE {TODO} AND intercom_id > ?1
             ORDER BY intercom_id LIMIT {limit}"
        ))?;
        let ids = stmt
            .query_map(params![after.unwrap_or("")], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    /// How many contacts need Aircall work.
    pub fn sync_todo_count(&self) -> Result<u64, StoreError> {
        Ok(self.read().row(
            &format!("SELECT COUNT(*) FROM sync_contacts WHERE {TODO}"),
            [],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }

    /// The sync state of one contact.
    pub fn sync_row(&self, intercom_id: &str) -> Result<Option<SyncRow>, StoreError> {
        Ok(self
            .read()
            .row(
                &format!("SELECT {ROW_COLUMNS} FROM sync_contacts WHERE intercom_id = ?1"),
                [intercom_id],
                row_from,
            )
            .optional()?)
    }

    /// Every contact's sync state (for a dry run's comparison).
    pub fn sync_rows(&self) -> Result<Vec<SyncRow>, StoreError> {
        let conn = self.read();
        let mut stmt = conn.prepare(&format!(
            "SELECT {ROW_COLUMNS} FROM sync_contacts ORDER BY intercom_id"
        ))?;
        let rows = stmt.query_map([], row_from)?.collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// A create of `sent` is about to go out: if its answer is lost, the contact is looked for
    /// before it is created again.
    pub fn sync_mark_pending(
        &self,
        intercom_id: &str,
        sent: &Target,
        now: i64,
    ) -> Result<(), StoreError> {
        self.conn().exec(
            "UPDATE sync_contacts SET pending_since = ?2, written = ?3, written_hash = NULL,
                 aircall_id = NULL, phone_detail_id = NULL, email_detail_id = NULL
             WHERE intercom_id = ?1",
            params![intercom_id, now, to_json(sent)],
        )?;
        Ok(())
    }

    /// Aircall holds `written` under `aircall_id` (after a create, a recovered create or one
    /// step of an update); counts `counter` for the run when given.
    #[allow(clippy::too_many_arguments)]
    pub fn sync_record_written(
        &self,
        run: i64,
        intercom_id: &str,
        aircall_id: u64,
        written: &Target,
        phone_detail_id: Option<u64>,
        email_detail_id: Option<u64>,
        counter: Option<Counter>,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.exec(
            "UPDATE sync_contacts SET aircall_id = ?2, written = ?3, written_hash = ?4,
                 phone_detail_id = ?5, email_detail_id = ?6, pending_since = NULL,
                 failed_for = NULL, failure = NULL
             WHERE intercom_id = ?1",
            params![
                intercom_id,
                aircall_id as i64,
                to_json(written),
                written.hash(),
                phone_detail_id.map(|v| v as i64),
                email_detail_id.map(|v| v as i64)
            ],
        )?;
        if let Some(counter) = counter {
            bump(&tx, run, counter)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Aircall no longer has the contact (deleted by Ringside, or by someone): Ringside forgets
    /// it, and forgets the row entirely when nothing is wanted either.
    pub fn sync_record_gone_from_aircall(
        &self,
        run: i64,
        intercom_id: &str,
        counter: Option<Counter>,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.exec(
            "UPDATE sync_contacts SET aircall_id = NULL, written = NULL, written_hash = NULL,
                 phone_detail_id = NULL, email_detail_id = NULL, pending_since = NULL,
                 failed_for = NULL, failure = NULL
             WHERE intercom_id = ?1",
            [intercom_id],
        )?;
        if let Some(counter) = counter {
            bump(&tx, run, counter)?;
        }
        prune(&tx)?;
        tx.commit()?;
        Ok(())
    }

    /// Aircall refused the contact's current target: it is not tried again until the target
    /// changes.
    pub fn sync_record_failure(
        &self,
        run: i64,
        intercom_id: &str,
        reason: &str,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.exec(
            "UPDATE sync_contacts SET failed_for = COALESCE(desired_hash, ''), failure = ?2,
                 pending_since = NULL
             WHERE intercom_id = ?1",
            params![intercom_id, reason],
        )?;
        bump(&tx, run, Counter::Failed)?;
        tx.commit()?;
        Ok(())
    }

    /// The contacts Aircall refused, with why.
    pub fn sync_failures(&self) -> Result<Vec<(String, String)>, StoreError> {
        let conn = self.read();
        let mut stmt = conn.prepare(
            "SELECT intercom_id, failure FROM sync_contacts WHERE failure IS NOT NULL
             ORDER BY intercom_id",
        )?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }
}

fn bump(tx: &Transaction<'_>, run: i64, counter: Counter) -> Result<(), StoreError> {
    let column = counter.column();
    tx.exec(
        &format!("UPDATE sync_runs SET {column} = {column} + 1 WHERE id = ?1"),
        [run],
    )?;
    Ok(())
}

/// Drops rows that hold nothing: no target, nothing written, nothing pending.
pub(super) fn prune(tx: &Transaction<'_>) -> Result<(), StoreError> {
    tx.exec(
        "DELETE FROM sync_contacts WHERE desired IS NULL AND aircall_id IS NULL
             AND written IS NULL AND pending_since IS NULL",
        [],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::scan::tests::scanned;
    use super::super::RunKind;
    use super::*;
    use crate::domain::plan::Roles;

    #[test]
    fn a_refused_target_waits_for_a_change_and_a_lost_create_stays_due() {
        let store = Store::open_in_memory().unwrap();
        let run = store
            .sync_begin_run(RunKind::Full, Roles::Both, None, 1)
            .unwrap();
        let page = [scanned("a", Some("+33762043575"), "Jane Roe")];
        store.sync_record_page(&run, &page, None, 1).unwrap();
        store.sync_record_failure(run.id, "a", "400: bad").unwrap();
        assert_eq!(store.sync_todo_count().unwrap(), 0);
        assert_eq!(
            store.sync_failures().unwrap(),
            [("a".into(), "400: bad".into())]
        );
        // The name changes: a new target, tried again.
        let renamed = [scanned("a", Some("+33762043575"), "Jane Doe")];
        store.sync_record_page(&run, &renamed, None, 2).unwrap();
        assert_eq!(store.sync_todo_count().unwrap(), 1);

        let target = renamed[0].target.clone().unwrap();
        store.sync_mark_pending("a", &target, 3).unwrap();
        let row = store.sync_row("a").unwrap().unwrap();
        assert_eq!((row.pending_since, row.written_known), (Some(3), false));
        assert_eq!(row.written, Some(target));
        assert_eq!(store.sync_todo(None, 10).unwrap(), ["a"]);
    }
}
