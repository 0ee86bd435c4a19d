//! Agents' `Idempotency-Key`s: the answer given to each key, per agent, with a fingerprint of
//! the request it answered. A retried request gets the same answer; the same key sent with
//! another request is refused rather than taken for a retry.

use crate::store::CachedSql;
use rusqlite::params;

use super::{Store, StoreError};

pub(super) const CREATE: &str = "
CREATE TABLE idempotency (
    agent        TEXT NOT NULL,      -- the agent's email: keys never collide across agents
    key          TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,      -- SHA-256 of the method, path and body
    status       INTEGER NOT NULL,
    response     TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (agent, key)
);
";

/// The answer recorded for a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedAnswer {
    /// The fingerprint of the request it answered.
    pub fingerprint: String,
    /// The HTTP status.
    pub status: u16,
    /// The JSON body.
    pub response: String,
}

/// What a key's reservation found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reservation {
    /// The key is this request's now: run it, then record its answer.
    Reserved,
    /// The key was answered already.
    Answered(RecordedAnswer),
    /// Another request with this key is being answered now; its fingerprint.
    InProgress(String),
}

/// A reservation older than this was left by a request that never finished (the hub stopped
/// under it): another request may take the key over.
const ABANDONED_AFTER_SECS: i64 = 60;

impl Store {
    /// Reserves an agent's key for the request with this fingerprint, in one transaction: the
    /// first of two concurrent requests gets it, the second learns what became of it.
    pub fn reserve_idempotency_key(
        &self,
        agent: &str,
        key: &str,
        fingerprint: &str,
        now: i64,
    ) -> Result<Reservation, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let inserted = tx.exec(
            "INSERT INTO idempotency (agent, key, fingerprint, status, response, created_at)
             VALUES (?1, ?2, ?3, 0, '', ?4) ON CONFLICT DO NOTHING",
            params![agent, key, fingerprint, now],
        )?;
        let found = if inserted == 1 {
            Reservation::Reserved
        } else {
            let (prior, status, response, at): (String, u16, String, i64) = tx.row(
                "SELECT fingerprint, status, response, created_at FROM idempotency
                 WHERE agent = ?1 AND key = ?2",
                params![agent, key],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )?;
            match status {
                0 if at < now - ABANDONED_AFTER_SECS => {
                    tx.exec(
                        "UPDATE idempotency SET fingerprint = ?3, created_at = ?4
                         WHERE agent = ?1 AND key = ?2",
                        params![agent, key, fingerprint, now],
                    )?;
                    Reservation::Reserved
                }
                0 => Reservation::InProgress(prior),
                _ => Reservation::Answered(RecordedAnswer {
                    fingerprint: prior,
                    status,
                    response,
                }),
            }
        };
        tx.commit()?;
        Ok(found)
    }

    /// Gives a reserved key back (its request failed before it was answered): a retry runs.
    pub fn release_idempotency_key(&self, agent: &str, key: &str) -> Result<(), StoreError> {
        self.conn().exec(
            "DELETE FROM idempotency WHERE agent = ?1 AND key = ?2 AND status = 0",
            params![agent, key],
        )?;
        Ok(())
    }

    /// Records the answer to an agent's reserved key.
    pub fn record_idempotent_answer(
        &self,
        agent: &str,
        key: &str,
        answer: &RecordedAnswer,
        now: i64,
    ) -> Result<(), StoreError> {
        self.conn().exec(
            "INSERT INTO idempotency (agent, key, fingerprint, status, response, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (agent, key) DO UPDATE SET status = excluded.status,
                 response = excluded.response
             WHERE idempotency.status = 0 AND idempotency.fingerprint = excluded.fingerprint",
            params![
                agent,
                key,
                answer.fingerprint,
                answer.status,
                answer.response,
                now
            ],
        )?;
        Ok(())
    }
}
