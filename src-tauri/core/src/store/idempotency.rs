//! Agents' `Idempotency-Key`s: the answer given to each key, per agent, with a fingerprint of
//! the request it answered. A retried request gets the same answer; the same key sent with
//! another request is refused rather than taken for a retry.

use crate::store::CachedSql;
use rusqlite::{params, OptionalExtension};

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

impl Store {
    /// The answer given earlier to this agent's key, if any.
    pub fn idempotent_answer(
        &self,
        agent: &str,
        key: &str,
    ) -> Result<Option<RecordedAnswer>, StoreError> {
        Ok(self
            .read()
            .row(
                "SELECT fingerprint, status, response FROM idempotency WHERE agent = ?1 AND key = ?2",
                params![agent, key],
                |r| {
                    Ok(RecordedAnswer {
                        fingerprint: r.get(0)?,
                        status: r.get(1)?,
                        response: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    /// Records the answer to an agent's key; the first answer recorded wins.
    pub fn record_idempotent_answer(
        &self,
        agent: &str,
        key: &str,
        answer: &RecordedAnswer,
        now: i64,
    ) -> Result<(), StoreError> {
        self.conn().exec(
            "INSERT INTO idempotency (agent, key, fingerprint, status, response, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
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
