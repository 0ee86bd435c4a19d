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

/// How each agent got their token, and when the hub last saw it.
pub(super) const ADD_JOINED_AND_LAST_SEEN: &str = "
ALTER TABLE agents ADD COLUMN joined TEXT NOT NULL DEFAULT 'token';
ALTER TABLE agents ADD COLUMN last_seen_at INTEGER;
";

/// How often an agent's `last_seen_at` is written at most: a request within a minute of the
/// last one recorded changes nothing.
pub const LAST_SEEN_EVERY: i64 = 60;

/// How an agent got their token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joined {
    /// An admin created it (`ringside-cli agents add`) and handed it over.
    Token,
    /// The agent signed in with Intercom.
    OAuth,
    /// The agent opened an invitation link (`ringside-cli agents invite`).
    Invitation,
}

impl Joined {
    /// The word stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Joined::Token => "token",
            Joined::OAuth => "oauth",
            Joined::Invitation => "invitation",
        }
    }

    fn parse(word: &str) -> Option<Self> {
        match word {
            "token" => Some(Joined::Token),
            "oauth" => Some(Joined::OAuth),
            "invitation" => Some(Joined::Invitation),
            _ => None,
        }
    }
}

/// An agent allowed on the hub's API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    /// The agent's email (lower case), matched with Intercom admins and Aircall users.
    pub email: String,
    /// When the token was created, UNIX seconds.
    pub created_at: i64,
    /// Whether this agent may see and act on every call (`agents add --admin`).
    pub admin: bool,
    /// How the agent got their current token.
    pub joined: Joined,
    /// When the hub last answered a request with this token (written at most once a
    /// [minute](LAST_SEEN_EVERY)), UNIX seconds; `None` before the first.
    pub last_seen_at: Option<i64>,
}

/// The columns [`read_agent`] reads, in its order.
const AGENT_COLUMNS: &str = "email, created_at, admin, joined, last_seen_at";

pub(super) fn read_agent(r: &rusqlite::Row<'_>) -> rusqlite::Result<Agent> {
    Ok(Agent {
        email: r.get(0)?,
        created_at: r.get(1)?,
        admin: r.get(2)?,
        joined: read_joined(r, 3)?,
        last_seen_at: r.get(4)?,
    })
}

/// The way of joining in column `i`.
pub(in crate::store) fn read_joined(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Joined> {
    let joined: String = r.get(i)?;
    Joined::parse(&joined).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            format!("`{joined}` is not a way of joining").into(),
        )
    })
}

pub(super) fn hash(token: &str) -> String {
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
            "INSERT INTO agents (email, token_hash, created_at, admin, joined)
             VALUES (?1, ?2, ?3, ?4, 'token')
             ON CONFLICT(email) DO UPDATE SET token_hash = excluded.token_hash,
                 created_at = excluded.created_at, admin = excluded.admin,
                 joined = excluded.joined",
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
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {AGENT_COLUMNS} FROM agents ORDER BY email"
        ))?;
        let rows = stmt.query_map([], read_agent)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Revokes the agent's token and any invitation not yet used; false when there was
    /// neither.
    pub fn revoke_agent(&self, email: &str) -> Result<bool, StoreError> {
        let email = email.trim().to_lowercase();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let tokens = tx.exec("DELETE FROM agents WHERE email = ?1", [&email])?;
        let invitations = tx.exec(
            "UPDATE invitations SET revoked = 1 WHERE email = ?1 AND used_at IS NULL AND revoked = 0",
            [&email],
        )?;
        tx.commit()?;
        Ok(tokens + invitations > 0)
    }

    /// The agent a bearer token belongs to.
    pub fn agent_for_token(&self, token: &str) -> Result<Option<Agent>, StoreError> {
        Ok(self
            .read()
            .row(
                &format!("SELECT {AGENT_COLUMNS} FROM agents WHERE token_hash = ?1"),
                [hash(token)],
                read_agent,
            )
            .optional()?)
    }

    /// Records that the hub saw this agent at `now`, unless it did less than a
    /// [minute](LAST_SEEN_EVERY) ago. Answers whether it wrote.
    pub fn touch_agent(&self, email: &str, now: i64) -> Result<bool, StoreError> {
        Ok(self.conn().exec(
            "UPDATE agents SET last_seen_at = ?2
             WHERE email = ?1 AND (last_seen_at IS NULL OR last_seen_at <= ?2 - ?3)",
            params![email, now, LAST_SEEN_EVERY],
        )? > 0)
    }

    /// Gives an agent a fresh token, keeping their row: an existing agent keeps their admin
    /// flag (or gains it when `admin`), and the way they joined is recorded. The old token stops
    /// working.
    pub(super) fn issue_token(
        tx: &rusqlite::Transaction<'_>,
        email: &str,
        joined: Joined,
        admin: bool,
        now: i64,
    ) -> Result<Secret, StoreError> {
        let token = new_token()?;
        tx.exec(
            "INSERT INTO agents (email, token_hash, created_at, admin, joined)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(email) DO UPDATE SET token_hash = excluded.token_hash,
                 created_at = excluded.created_at, admin = agents.admin OR excluded.admin,
                 joined = excluded.joined",
            params![
                email.trim().to_lowercase(),
                hash(token.expose()),
                now,
                admin,
                joined.as_str()
            ],
        )?;
        Ok(token)
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
