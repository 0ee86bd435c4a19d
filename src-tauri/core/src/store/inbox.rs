//! The inbox (every accepted webhook, written before Aircall gets its 200) and the event log
//! the agents' stream replays from.

use crate::store::CachedSql;
use rusqlite::{params, OptionalExtension};

use super::{Store, StoreError};
use crate::webhook::StoredEvent;

pub(super) const CREATE: &str = "
CREATE TABLE inbox (
    id            INTEGER PRIMARY KEY,
    received_at   INTEGER NOT NULL,
    event         TEXT NOT NULL,
    body          TEXT NOT NULL,        -- the envelope without its token
    state         TEXT NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'processed', 'ignored', 'failed')),
    error         TEXT,
    processed_at  INTEGER
);
CREATE INDEX inbox_pending ON inbox (state, id);
CREATE TABLE events (
    id        INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    audience  TEXT NOT NULL,            -- JSON array of lower-case emails; [] = every agent
    kind      TEXT NOT NULL,
    payload   TEXT NOT NULL
);
";

/// Event ids never go back: without `AUTOINCREMENT`, SQLite gives the next row `MAX(id) + 1`,
/// so once retention had pruned every event the log started again at 1, below every app's
/// position, and the apps never saw another call. With it, SQLite keeps the highest id ever
/// given (in `sqlite_sequence`) and counts on from there, whatever is deleted.
pub(super) const EVENT_IDS_NEVER_GO_BACK: &str = "
CREATE TABLE events_kept (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        INTEGER NOT NULL,
    audience  TEXT NOT NULL,            -- JSON array of lower-case emails; [] = every agent
    kind      TEXT NOT NULL,
    payload   TEXT NOT NULL
);
INSERT INTO events_kept (id, at, audience, kind, payload)
    SELECT id, at, audience, kind, payload FROM events;
DROP TABLE events;
ALTER TABLE events_kept RENAME TO events;
";

/// An inbox row.
#[derive(Debug, Clone, PartialEq)]
pub struct InboxItem {
    /// Row id, in arrival order.
    pub id: i64,
    /// The event.
    pub event: StoredEvent,
}

/// A row of the event log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedEvent {
    /// Increasing id, used as the SSE `id` (`Last-Event-ID`).
    pub id: i64,
    /// UNIX seconds.
    pub at: i64,
    /// Lower-case emails of the agents concerned; empty for everyone.
    pub audience: Vec<String>,
    /// `call.ringing`, `card.ready`, …
    pub kind: String,
    /// The JSON payload.
    pub payload: String,
}

impl LoggedEvent {
    /// Whether the agent with this email should see the event.
    pub fn concerns(&self, email: &str) -> bool {
        self.audience.is_empty() || self.audience.iter().any(|a| a.eq_ignore_ascii_case(email))
    }
}

/// Why a webhook made no effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetAside {
    /// Nothing Ringside acts on (an unknown event, not a call).
    Ignored,
    /// It could not be processed (bad data, a panic); the reason says why.
    Failed,
}

impl SetAside {
    /// The inbox's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            SetAside::Ignored => "ignored",
            SetAside::Failed => "failed",
        }
    }
}

impl Store {
    /// Stores an accepted webhook; returns its row id.
    pub fn inbox_push(&self, event: &StoredEvent, now: i64) -> Result<i64, StoreError> {
        let ids = self.inbox_push_many(std::slice::from_ref(event), now)?;
        Ok(ids[0])
    }

    /// Stores accepted webhooks together, in one transaction synced to disk before it returns;
    /// returns their row ids, in order.
    pub fn inbox_push_many(
        &self,
        events: &[StoredEvent],
        now: i64,
    ) -> Result<Vec<i64>, StoreError> {
        let bodies = events
            .iter()
            .map(|e| serde_json::to_string(e).map_err(|err| StoreError::Corrupt(err.to_string())))
            .collect::<Result<Vec<_>, _>>()?;
        self.durably(|tx| {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO inbox (received_at, event, body) VALUES (?1, ?2, ?3)",
            )?;
            let mut ids = Vec::with_capacity(events.len());
            for (event, body) in events.iter().zip(&bodies) {
                stmt.execute(params![now, event.event, body])?;
                ids.push(tx.last_insert_rowid());
            }
            Ok(ids)
        })
    }

    /// The oldest pending webhooks.
    pub fn inbox_pending(&self, limit: usize) -> Result<Vec<InboxItem>, StoreError> {
        let conn = self.conn();
        let rows: Vec<(i64, String)> = conn
            .prepare_cached(&format!(
                "SELECT id, body FROM inbox WHERE state = 'pending' ORDER BY id LIMIT {limit}"
            ))?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::with_capacity(rows.len());
        for (id, body) in rows {
            match serde_json::from_str(&body) {
                Ok(event) => out.push(InboxItem { id, event }),
                // Only a hand-edited row can get here: set it aside with the reason.
                Err(e) => {
                    conn.exec(
                        "UPDATE inbox SET state = 'failed', error = ?2 WHERE id = ?1",
                        params![id, e.to_string()],
                    )?;
                }
            }
        }
        Ok(out)
    }

    /// Marks a webhook handled without effects (unknown event, bad data) with the reason.
    pub fn inbox_finish(
        &self,
        id: i64,
        state: SetAside,
        error: Option<&str>,
        now: i64,
    ) -> Result<(), StoreError> {
        self.conn().exec(
            "UPDATE inbox SET state = ?2, error = ?3, processed_at = ?4 WHERE id = ?1",
            params![id, state.as_str(), error, now],
        )?;
        Ok(())
    }

    /// Webhooks accepted but not processed yet.
    pub fn inbox_depth(&self) -> Result<u64, StoreError> {
        Ok(self.read().row(
            "SELECT COUNT(*) FROM inbox WHERE state = 'pending'",
            [],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }

    /// Appends to the event log inside an open transaction; returns the event id.
    pub(crate) fn log_event_in(
        conn: &rusqlite::Connection,
        at: i64,
        audience: &[String],
        kind: &str,
        payload: &str,
    ) -> Result<i64, StoreError> {
        let audience = serde_json::to_string(audience).unwrap_or_else(|_| "[]".into());
        conn.exec(
            "INSERT INTO events (at, audience, kind, payload) VALUES (?1, ?2, ?3, ?4)",
            params![at, audience, kind, payload],
        )?;
        Ok(conn.last_insert_rowid())
    }

    /// Appends to the event log; returns the event id.
    pub fn log_event(
        &self,
        at: i64,
        audience: &[String],
        kind: &str,
        payload: &str,
    ) -> Result<i64, StoreError> {
        Self::log_event_in(&self.conn(), at, audience, kind, payload)
    }

    /// Events after `after_id`, oldest first, at most `limit`.
    pub fn events_after(
        &self,
        after_id: i64,
        limit: usize,
    ) -> Result<Vec<LoggedEvent>, StoreError> {
        let conn = self.read();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT id, at, audience, kind, payload FROM events WHERE id > ?1 ORDER BY id LIMIT {limit}"
        ))?;
        let rows = stmt.query_map(params![after_id], |r| {
            let audience: String = r.get(2)?;
            Ok(LoggedEvent {
                id: r.get(0)?,
                at: r.get(1)?,
                audience: serde_json::from_str(&audience).unwrap_or_default(),
                kind: r.get(3)?,
                payload: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The highest event id this hub ever gave (0 when none), even if retention has pruned
    /// that event since: the next event's id is above it.
    pub fn last_event_id(&self) -> Result<i64, StoreError> {
        Ok(self
            .read()
            .row(
                "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0),
                            COALESCE((SELECT MAX(id) FROM events), 0))",
                [],
                |r| r.get::<_, i64>(0),
            )
            .optional()?
            .unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_ids_go_on_from_the_highest_ever_given_after_the_log_is_emptied_and_reopened() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        for at in 1..=3 {
            store.log_event(at, &[], "call.ended", "{}").unwrap();
        }
        assert_eq!(store.last_event_id().unwrap(), 3);
        store.prune_before(10).unwrap();
        assert!(store.events_after(0, 10).unwrap().is_empty());
        assert_eq!(
            store.last_event_id().unwrap(),
            3,
            "the pruned ids still count"
        );
        drop(store);

        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.last_event_id().unwrap(), 3);
        let next = store.log_event(20, &[], "call.ringing", "{}").unwrap();
        assert_eq!(next, 4);
        assert_eq!(store.last_event_id().unwrap(), 4);
    }

    #[test]
    fn a_log_written_before_ids_were_kept_is_carried_over_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(crate::store::DB_FILE);
        {
            // The schema as it was before the migration, with two events in its log.
            let conn = rusqlite::Connection::open(&path).unwrap();
            let mut batches: Vec<&str> = Vec::new();
            for migration in &super::super::MIGRATIONS[..super::super::MIGRATIONS.len() - 1] {
                batches.extend(migration.iter().copied());
            }
            for sql in batches {
                conn.execute_batch(sql).unwrap();
            }
            let version = super::super::MIGRATIONS.len() as i64 - 1;
            conn.pragma_update(None, "user_version", version).unwrap();
            conn.execute_batch(
                "INSERT INTO events (id, at, audience, kind, payload)
                     VALUES (7, 1, '[]', 'call.ended', '{}'), (9, 2, '[\"a@b.c\"]', 'call.ringing', '{}');",
            )
            .unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        let kept = store.events_after(0, 10).unwrap();
        assert_eq!(kept.iter().map(|e| e.id).collect::<Vec<_>>(), [7, 9]);
        assert_eq!(kept[1].audience, ["a@b.c"]);
        store.prune_before(10).unwrap();
        assert_eq!(store.log_event(20, &[], "call.ringing", "{}").unwrap(), 10);
    }
}
