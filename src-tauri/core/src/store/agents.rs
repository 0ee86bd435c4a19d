//! Agent tokens: one bearer token per agent for the hub's API. Only a SHA-256 hash of each
//! token is stored; the token itself is shown once, when it is created. An admin agent may see
//! and act on every call; the others only on the calls that concern them.

use crate::store::CachedSql;
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

/// Admin agents: their token sees every call, not only their own.
pub(super) const ADD_ADMIN: &str = "
ALTER TABLE agents ADD COLUMN admin INTEGER NOT NULL DEFAULT 0;
";

/// An agent allowed on the hub's API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    /// The agent's email (lower case), matched with Intercom admins and Aircall users.
    pub email: String,
    /// When the token was created, UNIX seconds.
    pub created_at: i64,
    /// Whether this agent may see and act on every call (`agents add --admin`).
    pub admin: bool,
}

fn read_agent(r: &rusqlite::Row<'_>) -> rusqlite::Result<Agent> {
    Ok(Agent {
        email: r.get(0)?,
        created_at: r.get(1)?,
        admin: r.get(2)?,
    })
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
    /// Creates (or replaces) the token of an agent who sees the calls that concern them, and
    /// returns it. It cannot be read back later.
    pub fn add_agent(&self, email: &str, now: i64) -> Result<Secret, StoreError> {
        self.add_agent_with(email, false, now)
    }

    /// Creates (or replaces) an agent's token, an admin's (every call) when `admin` is true.
    pub fn add_agent_with(&self, email: &str, admin: bool, now: i64) -> Result<Secret, StoreError> {
        let token = new_token()?;
        self.conn().exec(
            "INSERT INTO agents (email, token_hash, created_at, admin) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(email) DO UPDATE SET token_hash = excluded.token_hash,
                 created_at = excluded.created_at, admin = excluded.admin",
            params![
                email.trim().to_lowercase(),
                hash(token.expose()),
                now,
                admin
            ],
        )?;
        Ok(token)
    }

    /// Every agent, by email.
    pub fn agents(&self) -> Result<Vec<Agent>, StoreError> {
        let conn = self.read();
        let mut stmt =
            conn.prepare_cached("SELECT email, created_at, admin FROM agents ORDER BY email")?;
        let rows = stmt.query_map([], read_agent)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Revokes the agent's token; false when there was none.
    pub fn revoke_agent(&self, email: &str) -> Result<bool, StoreError> {
        Ok(self.conn().exec(
            "DELETE FROM agents WHERE email = ?1",
            [email.trim().to_lowercase()],
        )? > 0)
    }

    /// The agent a bearer token belongs to.
    pub fn agent_for_token(&self, token: &str) -> Result<Option<Agent>, StoreError> {
        Ok(self
            .read()
            .row(
                "SELECT email, created_at, admin FROM agents WHERE token_hash = ?1",
                [hash(token)],
                read_agent,
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
            .row("SELECT token_hash FROM agents", [], |r| r.get(0))
            .unwrap();
        assert_ne!(stored, token.expose());
        assert!(store.agent_for_token("rs_wrong").unwrap().is_none());
        assert!(
            !store
                .agent_for_token(token.expose())
                .unwrap()
                .unwrap()
                .admin
        );
        // A new token replaces the old one.
        let second = store.add_agent("bob@acme.io", 2).unwrap();
        assert!(store.agent_for_token(token.expose()).unwrap().is_none());
        assert!(store.revoke_agent("BOB@acme.io").unwrap());
        assert!(store.agent_for_token(second.expose()).unwrap().is_none());
    }

    #[test]
    fn an_admin_token_says_so_and_replacing_it_can_drop_the_flag() {
        let store = Store::open_in_memory().unwrap();
        let admin = store.add_agent_with("boss@acme.io", true, 1).unwrap();
        assert!(
            store
                .agent_for_token(admin.expose())
                .unwrap()
                .unwrap()
                .admin
        );
        let plain = store.add_agent("boss@acme.io", 2).unwrap();
        assert!(
            !store
                .agent_for_token(plain.expose())
                .unwrap()
                .unwrap()
                .admin
        );
    }
}
