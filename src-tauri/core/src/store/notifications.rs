//! Intercom's contact notifications, stored before the hub answers Intercom and applied in the
//! order they arrived. A redelivery (same notification id) is recognised and not stored twice.

use crate::store::CachedSql;
use rusqlite::{params, OptionalExtension};

use super::{Store, StoreError};
use crate::intercom::notification::Notification;

pub(super) const CREATE: &str = "
CREATE TABLE intercom_notifications (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT NOT NULL UNIQUE,    -- Intercom's notification id
    topic        TEXT NOT NULL,
    contacts     TEXT NOT NULL,           -- the contact ids it concerns, space separated
    body         TEXT NOT NULL,           -- the notification as received
    received_at  INTEGER NOT NULL,
    state        TEXT NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'applied', 'ignored', 'failed')),
    outcome      TEXT,                    -- what applying it did, in words
    attempts     INTEGER NOT NULL DEFAULT 0,
    done_at      INTEGER
);
CREATE INDEX intercom_notifications_pending ON intercom_notifications (seq)
    WHERE state = 'pending';
";

/// What storing a notification found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// A new notification, at this position.
    New(i64),
    /// Intercom delivered this one before; it is not stored again.
    Redelivered,
}

/// A stored notification waiting to be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingNotification {
    /// Its position in arrival order.
    pub seq: i64,
    /// The body as received.
    pub body: String,
    /// Earlier attempts that failed for a reason that may pass.
    pub attempts: u32,
}

/// How a notification ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotificationEnd {
    /// The index and Aircall follow it.
    Applied,
    /// A topic Ringside does not act on.
    Ignored,
    /// It could not be applied (kept with the reason; the scheduled sync is the safety net).
    Failed,
}

impl NotificationEnd {
    fn as_str(self) -> &'static str {
        match self {
            NotificationEnd::Applied => "applied",
            NotificationEnd::Ignored => "ignored",
            NotificationEnd::Failed => "failed",
        }
    }
}

/// What the hub has received from Intercom lately, for `doctor` and `/healthz`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct NotificationStats {
    /// Received since the given time.
    pub received: u64,
    /// Still waiting to be applied.
    pub pending: u64,
    /// Of those received since the given time, failed.
    pub failed: u64,
    /// When the last one arrived, UNIX seconds.
    pub last_received_at: Option<i64>,
}

impl Store {
    /// Stores a notification durably (synced to disk) before Intercom gets its 200.
    pub fn store_notification(
        &self,
        notification: &Notification,
        body: &str,
        now: i64,
    ) -> Result<Stored, StoreError> {
        self.durably(|tx| {
            let inserted = tx.exec(
                "INSERT INTO intercom_notifications (id, topic, contacts, body, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(id) DO NOTHING",
                params![
                    notification.id,
                    notification.topic,
                    notification.contact_ids().join(" "),
                    body,
                    now
                ],
            )?;
            Ok(if inserted == 1 {
                Stored::New(tx.last_insert_rowid())
            } else {
                Stored::Redelivered
            })
        })
    }

    /// The notifications still to apply, oldest first.
    pub fn pending_notifications(
        &self,
        limit: usize,
    ) -> Result<Vec<PendingNotification>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT seq, body, attempts FROM intercom_notifications WHERE state = 'pending'
             ORDER BY seq LIMIT {limit}"
        ))?;
        let rows = stmt.query_map([], |r| {
            Ok(PendingNotification {
                seq: r.get(0)?,
                body: r.get(1)?,
                attempts: r.get::<_, i64>(2)?.clamp(0, i64::from(u32::MAX)) as u32,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records that applying a notification failed for a reason that may pass (it stays
    /// pending).
    pub fn retry_notification(&self, seq: i64, reason: &str) -> Result<(), StoreError> {
        self.conn().exec(
            "UPDATE intercom_notifications SET attempts = attempts + 1, outcome = ?2
             WHERE seq = ?1",
            params![seq, reason],
        )?;
        Ok(())
    }

    /// Records how a notification ended.
    pub fn finish_notification(
        &self,
        seq: i64,
        end: NotificationEnd,
        outcome: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        self.conn().exec(
            "UPDATE intercom_notifications SET state = ?2, outcome = ?3, done_at = ?4
             WHERE seq = ?1",
            params![seq, end.as_str(), outcome, now],
        )?;
        Ok(())
    }

    /// How a notification ended (`None` while pending or unknown), with its outcome in words.
    pub fn notification_outcome(
        &self,
        id: &str,
    ) -> Result<Option<(String, Option<String>)>, StoreError> {
        Ok(self
            .read()
            .row(
                "SELECT state, outcome FROM intercom_notifications WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    /// What arrived since `since` (UNIX seconds), what waits, and when the last one came.
    pub fn notification_stats(&self, since: i64) -> Result<NotificationStats, StoreError> {
        let conn = self.read();
        let (received, failed, last): (i64, i64, Option<i64>) = conn.row(
            "SELECT COUNT(*), COALESCE(SUM(state = 'failed'), 0),
                    (SELECT MAX(received_at) FROM intercom_notifications)
             FROM intercom_notifications WHERE received_at >= ?1",
            [since],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let pending: i64 = conn.row(
            "SELECT COUNT(*) FROM intercom_notifications WHERE state = 'pending'",
            [],
            |r| r.get(0),
        )?;
        Ok(NotificationStats {
            received: received.max(0) as u64,
            pending: pending.max(0) as u64,
            failed: failed.max(0) as u64,
            last_received_at: last,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notification(id: &str) -> Notification {
        Notification::parse(
            format!(r#"{{"id":"{id}","topic":"contact.deleted","data":{{"item":{{"type":"contact","id":"c1"}}}}}}"#)
                .as_bytes(),
        )
        .unwrap()
    }

    #[test]
    fn a_redelivered_notification_is_stored_once_and_applied_in_arrival_order() {
        let store = Store::open_in_memory().unwrap();
        let first = store
            .store_notification(&notification("n1"), "{}", 10)
            .unwrap();
        let second = store
            .store_notification(&notification("n2"), "{}", 11)
            .unwrap();
        assert!(matches!((first, second), (Stored::New(a), Stored::New(b)) if a < b));
        assert_eq!(
            store
                .store_notification(&notification("n1"), "{}", 12)
                .unwrap(),
            Stored::Redelivered
        );
        let pending = store.pending_notifications(10).unwrap();
        assert_eq!(pending.len(), 2);
        store
            .finish_notification(pending[0].seq, NotificationEnd::Applied, "removed", 13)
            .unwrap();
        assert_eq!(
            store.pending_notifications(10).unwrap()[0].seq,
            pending[1].seq
        );
        assert_eq!(
            store.notification_outcome("n1").unwrap(),
            Some(("applied".to_owned(), Some("removed".to_owned())))
        );
        let stats = store.notification_stats(0).unwrap();
        assert_eq!(
            (stats.received, stats.pending, stats.last_received_at),
            (2, 1, Some(11))
        );
    }
}
