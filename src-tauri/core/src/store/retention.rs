//! Retention: what the hub forgets, and when. Processed webhooks, the event log, finished
//! effects, the calls and messages they were about (with the candidates offered for them) and
//! the agents' idempotency keys are deleted once older than the retention period. Nothing still
//! waiting is ever deleted: pending webhooks, effects that are pending, in flight or blocked, and
//! every call or message with such an effect (or still live) stay whatever their age.

use crate::store::CachedSql;
use rusqlite::params;

use super::{Store, StoreError};

/// Rows by table: those one pruning deleted, or those the database holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rows {
    /// Processed, ignored or failed webhooks.
    pub inbox: usize,
    /// Events of the agents' stream.
    pub events: usize,
    /// Finished (done or failed) effects.
    pub outbox: usize,
    /// Calls and messages with nothing left to do.
    pub subjects: usize,
}

impl Rows {
    /// Rows deleted in all.
    pub fn total(&self) -> usize {
        self.inbox + self.events + self.outbox + self.subjects
    }
}

impl Store {
    /// How many rows the tables retention prunes hold, whatever their state.
    pub fn rows(&self) -> Result<Rows, StoreError> {
        let conn = self.read();
        let count = |table: &str| -> Result<usize, StoreError> {
            let n: i64 = conn.row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))?;
            Ok(n as usize)
        };
        Ok(Rows {
            inbox: count("inbox")?,
            events: count("events")?,
            outbox: count("outbox")?,
            subjects: count("subjects")?,
        })
    }

    /// Deletes what is finished and older than `cutoff` (UNIX seconds), in one transaction.
    pub fn prune_before(&self, cutoff: i64) -> Result<Rows, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let inbox = tx.exec(
            "DELETE FROM inbox WHERE state != 'pending' AND COALESCE(processed_at, received_at) < ?1",
            [cutoff],
        )?;
        let events = tx.exec("DELETE FROM events WHERE at < ?1", [cutoff])?;
        tx.exec(
            "DELETE FROM intercom_notifications WHERE state != 'pending'
                 AND COALESCE(done_at, received_at) < ?1",
            [cutoff],
        )?;
        let outbox = tx.exec(
            "DELETE FROM outbox WHERE state IN ('done', 'failed')
                 AND COALESCE(done_at, started_at, created_at) < ?1",
            [cutoff],
        )?;
        let subjects = tx.exec(
            "DELETE FROM subjects WHERE updated_at < ?1 AND status != 'live'
                 AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.subject_kind = subjects.kind
                                 AND o.subject_id = subjects.id)",
            [cutoff],
        )?;
        tx.exec(
            "DELETE FROM idempotency WHERE created_at < ?1",
            params![cutoff],
        )?;
        // Call-back items closed before the cutoff, with their calls and transcripts.
        super::around::callbacks::prune_in(&tx, cutoff)?;
        // A claim on a conversation goes with its call or message.
        tx.exec(
            "DELETE FROM conversation_claims WHERE NOT EXISTS (SELECT 1 FROM subjects s
                 WHERE s.kind = conversation_claims.kind AND s.id = conversation_claims.id)",
            [],
        )?;
        tx.commit()?;
        Ok(Rows {
            inbox,
            events,
            outbox,
            subjects,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: i64 = 1_000;
    const CUTOFF: i64 = 2_000;
    const NEW: i64 = 3_000;

    fn subject(store: &Store, id: &str, status: &str, at: i64) {
        store
            .conn()
            .exec(
                "INSERT INTO subjects (kind, id, snapshot, rank, event_time, memory, status,
                     created_at, updated_at) VALUES ('call', ?1, '{}', 2, ?2, '{}', ?3, ?2, ?2)",
                params![id, at, status],
            )
            .unwrap();
    }

    fn effect(store: &Store, subject: &str, state: &str, at: i64) {
        let done = matches!(state, "done" | "failed").then_some(at);
        store
            .conn()
            .exec(
                "INSERT INTO outbox (key, subject_kind, subject_id, lane, stage, effect, state,
                     created_at, done_at) VALUES (?1, 'call', ?2, 'logging', 1, '{}', ?3, ?4, ?5)",
                params![format!("{subject}:{state}:{at}"), subject, state, at, done],
            )
            .unwrap();
    }

    fn inbox(store: &Store, state: &str, at: i64) {
        store
            .conn()
            .exec(
                "INSERT INTO inbox (received_at, event, body, state, processed_at)
                 VALUES (?1, 'call.ended', '{}', ?2, ?3)",
                params![at, state, (state != "pending").then_some(at)],
            )
            .unwrap();
    }

    #[test]
    fn what_is_finished_and_old_goes_and_nothing_pending_ever_does() {
        let store = Store::open_in_memory().unwrap();
        inbox(&store, "processed", OLD);
        inbox(&store, "ignored", OLD);
        inbox(&store, "pending", OLD);
        inbox(&store, "processed", NEW);
        Store::log_event_in(&store.conn(), OLD, &[], "call.ended", "{}").unwrap();
        Store::log_event_in(&store.conn(), NEW, &[], "call.ended", "{}").unwrap();
        // Logged long ago, every effect done or failed: forgotten.
        subject(&store, "1", "logged", OLD);
        effect(&store, "1", "done", OLD);
        effect(&store, "1", "failed", OLD);
        // Waiting for an agent's pick, or still sending: kept with their effects.
        subject(&store, "2", "skipped", OLD);
        effect(&store, "2", "blocked", OLD);
        subject(&store, "3", "queued", OLD);
        effect(&store, "3", "pending", OLD);
        effect(&store, "3", "in_flight", OLD);
        effect(&store, "3", "done", OLD);
        // Still ringing, or recent: kept.
        subject(&store, "4", "live", OLD);
        subject(&store, "5", "logged", NEW);
        effect(&store, "5", "done", NEW);

        let pruned = store.prune_before(CUTOFF).unwrap();
        assert_eq!(
            pruned,
            Rows {
                inbox: 2,
                events: 1,
                outbox: 3,
                subjects: 1
            }
        );
        assert_eq!(
            store.rows().unwrap(),
            Rows {
                inbox: 2,
                events: 1,
                outbox: 4,
                subjects: 4
            }
        );
        assert_eq!(store.inbox_depth().unwrap(), 1, "the pending webhook stays");
        let exists = |id: &str| -> bool {
            store
                .conn()
                .row(
                    "SELECT EXISTS (SELECT 1 FROM subjects WHERE id = ?1)",
                    [id],
                    |r| r.get(0),
                )
                .unwrap()
        };
        assert!(!exists("1"));
        for kept in ["2", "3", "4", "5"] {
            assert!(exists(kept), "call {kept}");
        }
        // Pruning again finds nothing more.
        assert_eq!(store.prune_before(CUTOFF).unwrap().total(), 0);
    }
}
