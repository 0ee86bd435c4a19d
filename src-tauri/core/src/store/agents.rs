//! Agent tokens: one bearer token per agent for the hub's API. Only a SHA-256 hash of each
//! token is stored; the token itself is shown once, when it is created.

use rusqlite::{params, OptionalExtension};
use sha2::{Digest, Sha256};

use super::{Store, StoreError};
use crate::secret::Secret;

pub(super) const CREATE: &str = "
CREATE TABLE agents (
    email       TEXT PRIMARY KEY,       -- lower case
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);
";

/// An agent allowed on the hub's API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    /// The agent's email (lower case), matched with Intercom admins and Aircall users.
    pub email: String,
    /// When the token was created, UNIX seconds.
    pub created_at: i64,
}

fn hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new random token: `rs_` and 64 hex digits (256 bits from the OS).
pub fn new_token() -> Result<Secret, StoreError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| StoreError::Corrupt(format!("no randomness available: {e}")))?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(Secret::new(format!("rs_{hex}")))
}

impl Store {
    /// Creates (or replaces) the agent's token and returns it. It cannot be read back later.
    pub fn add_agent(&self, email: &str, now: i64) -> Result<Secret, StoreError> {
        let token = new_token()?;
        self.conn().execute(
            "INSERT INTO agents (email, token_hash, created_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(email) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at",
            params![email.trim().to_lowercase(), hash(token.expose()), now],
        )?;
        Ok(token)
    }

    /// Every agent, by email.
    pub fn agents(&self) -> Result<Vec<Agent>, StoreError> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached("SELECT email, created_at FROM agents ORDER BY email")?;
        let rows = stmt.query_map([], |r| {
            Ok(Agent {
                email: r.get(0)?,
                created_at: r.get(1)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Revokes the agent's token; false when there was none.
    pub fn revoke_agent(&self, email: &str) -> Result<bool, StoreError> {
        Ok(self.conn().execute(
            "DELETE FROM agents WHERE email = ?1",
            [email.trim().to_lowercase()],
        )? > 0)
    }

    /// The agent a bearer token belongs to.
    pub fn agent_for_token(&self, token: &str) -> Result<Option<Agent>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT email, created_at FROM agents WHERE token_hash = ?1",
                [hash(token)],
                |r| {
                    Ok(Agent {
                        email: r.get(0)?,
                        created_at: r.get(1)?,
                    })
                },
            )
            .optional()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_works_until_revoked_and_is_never_stored() {
        let store = Store::open_in_memory().unwrap();
        let token = store.add_agent("Bob@Acme.io", 1).unwrap();
        assert!(token.expose().starts_with("rs_") && token.expose().len() == 67);
        assert_eq!(
            store
                .agent_for_token(token.expose())
                .unwrap()
                .unwrap()
                .email,
            "bob@acme.io"
        );
        let stored: String = store
            .conn()
            .query_row("SELECT token_hash FROM agents", [], |r| r.get(0))
            .unwrap();
        assert_ne!(stored, token.expose());
        assert!(store.agent_for_token("rs_wrong").unwrap().is_none());
        // A new token replaces the old one.
        let second = store.add_agent("bob@acme.io", 2).unwrap();
        assert!(store.agent_for_token(token.expose()).unwrap().is_none());
        assert!(store.revoke_agent("BOB@acme.io").unwrap());
        assert!(store.agent_for_token(second.expose()).unwrap().is_none());
    }
}
