//! The console's sessions: one row per signed-in browser, found by a SHA-256 hash of the
//! session's id (the cookie's value), never the id itself. A session is made by signing in with
//! Intercom or by exchanging an admin token on the sign-in form; for the latter the token's hash
//! is kept too, so that the session ends when that token stops being an admin's. Expiry slides:
//! each use pushes it back. Expired rows are deleted whenever a session is opened.
//!
//! The migration also marks each sign-in request with whom it is for (the desktop app or the
//! console), so that Intercom's one callback can finish either.

use rusqlite::{params, OptionalExtension};

use crate::store::agents::hash;
use crate::store::{CachedSql, Store, StoreError};

pub(in crate::store) const CREATE: &str = "
CREATE TABLE console_sessions (
    id_hash       TEXT PRIMARY KEY,   -- SHA-256 of the cookie's value
    email         TEXT NOT NULL,      -- lower case
    csrf          TEXT NOT NULL,      -- the token every form of the session carries
    how           TEXT NOT NULL CHECK (how IN ('signin', 'token')),
    token_hash    TEXT,               -- how = 'token': the admin token's hash
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL
);
CREATE INDEX console_sessions_by_expiry ON console_sessions (expires_at);
ALTER TABLE signin_requests ADD COLUMN purpose TEXT NOT NULL DEFAULT 'app';
";

/// How often a session's use is written at most: a request within a minute of the last one
/// recorded changes nothing.
pub const TOUCH_EVERY: i64 = 60;

/// How a console session was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// Signed in with Intercom, as a teammate on the hub's admin list.
    SignIn,
    /// An admin token exchanged on the sign-in form.
    Token,
}

impl How {
    /// The word stored.
    pub fn as_str(self) -> &'static str {
        match self {
            How::SignIn => "signin",
            How::Token => "token",
        }
    }

    fn parse(word: &str) -> Option<How> {
        match word {
            "signin" => Some(How::SignIn),
            "token" => Some(How::Token),
            _ => None,
        }
    }
}

/// A session to open.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The admin's email.
    pub email: String,
    /// The session's CSRF token.
    pub csrf: String,
    /// How it was made.
    pub how: How,
    /// For [`How::Token`], the admin token.
    pub token: Option<String>,
}

/// A session, as a request finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleSession {
    /// The admin's email (lower case).
    pub email: String,
    /// The session's CSRF token.
    pub csrf: String,
    /// How it was made.
    pub how: How,
    /// For [`How::Token`]: whether the token still belongs to an agent who is an admin
    /// (always false for [`How::SignIn`], which the sign-in's admin list decides).
    pub token_is_admins: bool,
    /// When it was made, UNIX seconds.
    pub created_at: i64,
    /// When it was last used (written at most once a [minute](TOUCH_EVERY)).
    pub last_used_at: i64,
    /// When it ends unless used again.
    pub expires_at: i64,
}

impl Store {
    /// Opens a session under `id` (kept as a hash) until `expires_at`, and deletes every
    /// session expired at `now`.
    pub fn open_console_session(
        &self,
        id: &str,
        session: &NewSession,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.exec("DELETE FROM console_sessions WHERE expires_at <= ?1", [now])?;
        tx.exec(
            "INSERT INTO console_sessions
                 (id_hash, email, csrf, how, token_hash, created_at, last_used_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)",
            params![
                hash(id),
                session.email.trim().to_lowercase(),
                session.csrf,
                session.how.as_str(),
                session.token.as_deref().map(hash),
                now,
                expires_at
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The session under `id`, unless it is unknown or expired at `now`.
    pub fn console_session(
        &self,
        id: &str,
        now: i64,
    ) -> Result<Option<ConsoleSession>, StoreError> {
        let row = self
            .read()
            .row(
                "SELECT s.email, s.csrf, s.how, s.created_at, s.last_used_at, s.expires_at,
                        COALESCE(a.admin, 0)
                 FROM console_sessions s
                 LEFT JOIN agents a ON s.token_hash IS NOT NULL AND a.token_hash = s.token_hash
                 WHERE s.id_hash = ?1 AND s.expires_at > ?2",
                params![hash(id), now],
                |r| {
                    let how: String = r.get(2)?;
                    Ok(ConsoleSession {
                        email: r.get(0)?,
                        csrf: r.get(1)?,
                        how: How::parse(&how).ok_or_else(|| {
                            rusqlite::Error::FromSqlConversionFailure(
                                2,
                                rusqlite::types::Type::Text,
                                format!("`{how}` is not a way of opening a session").into(),
                            )
                        })?,
                        created_at: r.get(3)?,
                        last_used_at: r.get(4)?,
                        expires_at: r.get(5)?,
                        token_is_admins: r.get(6)?,
                    })
                },
            )
            .optional()?;
        Ok(row)
    }

    /// Records a use of the session at `now` and moves its end to `expires_at`, unless it was
    /// used less than a [minute](TOUCH_EVERY) ago. Answers whether it wrote.
    pub fn touch_console_session(
        &self,
        id: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<bool, StoreError> {
        Ok(self.conn().exec(
            "UPDATE console_sessions SET last_used_at = ?2, expires_at = ?3
             WHERE id_hash = ?1 AND expires_at > ?2 AND last_used_at <= ?2 - ?4",
            params![hash(id), now, expires_at, TOUCH_EVERY],
        )? > 0)
    }

    /// Ends the session under `id`; false when there was none.
    pub fn end_console_session(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self.conn().exec(
            "DELETE FROM console_sessions WHERE id_hash = ?1",
            [hash(id)],
        )? > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(how: How, token: Option<&str>) -> NewSession {
        NewSession {
            email: "Alice@Acme.io".into(),
            csrf: "csrf-1".into(),
            how,
            token: token.map(str::to_owned),
        }
    }

    #[test]
    fn a_session_is_found_by_its_id_until_it_expires_and_slides_when_used() {
        let store = Store::open_in_memory().unwrap();
        store
            .open_console_session("sid", &new(How::SignIn, None), 100, 200)
            .unwrap();
        let found = store.console_session("sid", 150).unwrap().unwrap();
        assert_eq!(found.email, "alice@acme.io");
        assert_eq!(found.csrf, "csrf-1");
        assert_eq!(found.how, How::SignIn);
        assert!(!found.token_is_admins);
        assert_eq!(store.console_session("other", 150).unwrap(), None);

        // Used within the minute: nothing written; later: the end moves.
        assert!(!store.touch_console_session("sid", 130, 230).unwrap());
        assert!(store.touch_console_session("sid", 170, 270).unwrap());
        assert_eq!(
            store
                .console_session("sid", 250)
                .unwrap()
                .unwrap()
                .expires_at,
            270
        );
        assert_eq!(store.console_session("sid", 270).unwrap(), None);

        // Only the hash is stored; expired rows go when the next session opens.
        let ids: i64 = store
            .conn()
            .row(
                "SELECT COUNT(*) FROM console_sessions WHERE id_hash = 'sid'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(ids, 0);
        store
            .open_console_session("next", &new(How::SignIn, None), 300, 400)
            .unwrap();
        let rows: i64 = store
            .conn()
            .row("SELECT COUNT(*) FROM console_sessions", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 1);
        assert!(store.end_console_session("next").unwrap());
        assert_eq!(store.console_session("next", 301).unwrap(), None);
        assert!(!store.end_console_session("next").unwrap());
    }

    #[test]
    fn a_session_from_a_token_knows_whether_the_token_is_still_an_admins() {
        let store = Store::open_in_memory().unwrap();
        let token = store.add_agent_with("boss@acme.io", true, 1).unwrap();
        store
            .open_console_session("sid", &new(How::Token, Some(token.expose())), 10, 1000)
            .unwrap();
        assert!(
            store
                .console_session("sid", 11)
                .unwrap()
                .unwrap()
                .token_is_admins
        );
        // A new token for the agent: the one exchanged no longer works.
        store.add_agent_with("boss@acme.io", true, 2).unwrap();
        assert!(
            !store
                .console_session("sid", 12)
                .unwrap()
                .unwrap()
                .token_is_admins
        );
        store
            .open_console_session("sid2", &new(How::Token, Some(token.expose())), 10, 1000)
            .unwrap();
        assert!(store.revoke_agent("boss@acme.io").unwrap());
        assert!(
            !store
                .console_session("sid2", 12)
                .unwrap()
                .unwrap()
                .token_is_admins
        );
    }
}
