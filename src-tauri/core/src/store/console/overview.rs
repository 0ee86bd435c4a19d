//! The Overview's figures, read from the database: when the last Aircall webhook and the last
//! Intercom notification came, how deep the inbox and the outbox are, how many effects failed
//! lately and how large the database is. Every query is a count over an index or a single
//! row at one end of a primary key.

use rusqlite::OptionalExtension;

use crate::store::{CachedSql, Lane, Store, StoreError};

/// This part's tables and indexes, in the console's migration: effects that failed, by when
/// (the Overview counts the last day's).
pub(in crate::store) const CREATE: &str = "
CREATE INDEX console_outbox_failed ON outbox (state, done_at);
";

/// What the Overview shows from the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverviewFigures {
    /// When the last Aircall webhook was received (UNIX seconds), if one is still stored.
    pub last_aircall_webhook: Option<i64>,
    /// When the last Intercom notification was received, if one is still stored.
    pub last_intercom_notification: Option<i64>,
    /// Webhooks received and not processed yet.
    pub inbox_depth: u64,
    /// Effects queued or running, by lane.
    pub outbox_depth: Vec<(Lane, u64)>,
    /// Effects that failed since the time asked.
    pub failed_since: u64,
    /// The database's size, in bytes (its pages; the write-ahead log aside).
    pub database_bytes: u64,
}

impl Store {
    /// The Overview's figures, counting failed effects since `since` (UNIX seconds).
    pub fn overview_figures(&self, since: i64) -> Result<OverviewFigures, StoreError> {
        let inbox_depth = self.inbox_depth()?;
        let outbox_depth = self.outbox_depth_by_lane()?;
        let conn = self.read();
        let last_aircall_webhook = conn
            .row(
                "SELECT received_at FROM inbox ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get::<_, i64>(0),
            )
            .optional()?;
        let last_intercom_notification = conn
            .row(
                "SELECT received_at FROM intercom_notifications ORDER BY seq DESC LIMIT 1",
                [],
                |r| r.get::<_, i64>(0),
            )
            .optional()?;
        // An effect that failed on its own is a failed row; a conversation Intercom refused
        // leaves the call failed and its effects waiting (blocked) for a retry, so those calls
        // count too (once, when none of their effects is a failed row).
        let failed_since = conn.row(
            "SELECT (SELECT COUNT(*) FROM outbox WHERE state = 'failed' AND done_at >= ?1)
                  + (SELECT COUNT(*) FROM subjects s
                     WHERE s.status = 'failed' AND s.updated_at >= ?1
                       AND NOT EXISTS (SELECT 1 FROM outbox o
                                       WHERE o.subject_kind = s.kind AND o.subject_id = s.id
                                         AND o.state = 'failed'))",
            [since],
            |r| r.get::<_, i64>(0),
        )?;
        let database_bytes = conn.row(
            "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
            [],
            |r| r.get::<_, i64>(0),
        )?;
        Ok(OverviewFigures {
            last_aircall_webhook,
            last_intercom_notification,
            inbox_depth,
            outbox_depth,
            failed_since: failed_since.max(0) as u64,
            database_bytes: database_bytes.max(0) as u64,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_hub_has_received_nothing_and_failed_nothing() {
        let store = Store::open_in_memory().unwrap();
        let figures = store.overview_figures(0).unwrap();
        assert_eq!(figures.last_aircall_webhook, None);
        assert_eq!(figures.last_intercom_notification, None);
        assert_eq!(figures.inbox_depth, 0);
        assert_eq!(figures.failed_since, 0);
        assert!(figures.database_bytes > 0);
        assert!(figures.outbox_depth.iter().all(|(_, n)| *n == 0));
    }

    #[test]
    fn a_call_whose_conversation_intercom_refused_counts_as_failed() {
        let store = Store::open_in_memory().unwrap();
        store
            .conn()
            .execute_batch(
                "INSERT INTO subjects (kind, id, snapshot, rank, event_time, memory, status,
                                       created_at, updated_at)
                 VALUES ('call', '1', '{}', 0, 100, '{}', 'failed', 100, 5000),
                        ('call', '2', '{}', 0, 100, '{}', 'failed', 100, 10),
                        ('call', '3', '{}', 0, 100, '{}', 'logged', 100, 5000);",
            )
            .unwrap();
        // The old failure is before the period; the logged call is no failure.
        assert_eq!(store.overview_figures(1000).unwrap().failed_since, 1);
    }

    #[test]
    fn failed_effects_are_counted_with_their_index() {
        let store = Store::open_in_memory().unwrap();
        let plan: String = store
            .read()
            .row(
                "EXPLAIN QUERY PLAN SELECT COUNT(*) FROM outbox WHERE state = 'failed' AND done_at >= 1",
                [],
                |r| r.get(3),
            )
            .unwrap();
        assert!(plan.contains("console_outbox_failed"), "{plan}");
    }
}
