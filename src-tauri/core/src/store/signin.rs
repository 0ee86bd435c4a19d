//! What agents' sign-in remembers: the sign-ins under way (the app's loopback port, its state
//! and its PKCE challenge, under the hub's own state), the one-time codes the hub hands the app,
//! and the invitations an admin sends. Every state, code and invitation is kept as a SHA-256
//! hash only: the database never holds one that works. The rules (how long each lives, what a
//! verifier must match) belong to [`crate::signin`]; this module keeps and takes the rows.

use rusqlite::{params, OptionalExtension};

use super::agents::{hash, Joined};
use super::{CachedSql, Store, StoreError};
use crate::secret::Secret;

pub(super) const CREATE: &str = "
CREATE TABLE signin_requests (
    state_hash      TEXT PRIMARY KEY,   -- the hub's state sent to Intercom
    port            INTEGER NOT NULL,   -- the app's loopback port
    app_state       TEXT NOT NULL,      -- the app's own state, handed back as it came
    code_challenge  TEXT NOT NULL,      -- base64url(SHA-256(verifier))
    created_at      INTEGER NOT NULL
);
CREATE TABLE signin_codes (
    code_hash       TEXT PRIMARY KEY,
    email           TEXT NOT NULL,
    code_challenge  TEXT NOT NULL,
    expires_at      INTEGER NOT NULL,
    used_at         INTEGER
);
CREATE TABLE invitations (
    code_hash   TEXT PRIMARY KEY,
    email       TEXT NOT NULL,
    admin       INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    revoked     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX invitations_by_email ON invitations (email);
";

/// Whom a sign-in with Intercom is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Purpose {
    /// The desktop app, waiting on its loopback port.
    #[default]
    App,
    /// The admin console, in the browser that started it.
    Console,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::App => "app",
            Purpose::Console => "console",
        }
    }

    fn parse(word: &str) -> Option<Self> {
        match word {
            "app" => Some(Purpose::App),
            "console" => Some(Purpose::Console),
            _ => None,
        }
    }
}

/// A sign-in under way: what the app sent to `GET /signin` (or, for the console, only when it
/// started; the port, state and challenge are the app's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInRequest {
    /// The app's loopback port (0 for the console).
    pub port: u16,
    /// The app's state, handed back to it unchanged (empty for the console).
    pub app_state: String,
    /// The app's PKCE challenge (S256; empty for the console).
    pub code_challenge: String,
    /// When the app asked, UNIX seconds.
    pub created_at: i64,
    /// Whom the sign-in is for.
    pub purpose: Purpose,
}

/// What became of a one-time code or an invitation presented to the hub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Taken<T> {
    /// It is valid, and is now used.
    Fresh(T),
    /// The hub never issued it (or forgot it).
    Unknown,
    /// It was used already, at this time.
    Used(i64),
    /// It expired at this time.
    Expired(i64),
    /// An admin revoked it.
    Revoked,
}

/// A one-time hub code's content: whom it signs in, and the challenge its verifier must meet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubCode {
    /// The teammate's email (lower case).
    pub email: String,
    /// The app's PKCE challenge.
    pub code_challenge: String,
}

/// An invitation, as `agents list` shows it (never its code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    /// Whom it invites (lower case).
    pub email: String,
    /// Whether the agent joins as an admin.
    pub admin: bool,
    /// When it was made, UNIX seconds.
    pub created_at: i64,
    /// When it stops working, UNIX seconds.
    pub expires_at: i64,
    /// When it was used, if it was.
    pub used_at: Option<i64>,
    /// Whether an admin revoked it.
    pub revoked: bool,
}

/// A random code of 32 bytes from the OS, base64url without padding (43 characters).
pub fn random_code() -> Result<Secret, StoreError> {
    use base64::Engine as _;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| StoreError::Corrupt(format!("no randomness available: {e}")))?;
    Ok(Secret::new(
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes),
    ))
}

impl Store {
    /// Remembers a sign-in under the hub's state `hub_state`, and forgets every sign-in and
    /// hub code older than `forget_before` (UNIX seconds).
    pub fn add_signin_request(
        &self,
        hub_state: &str,
        request: &SignInRequest,
        forget_before: i64,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.exec(
            "DELETE FROM signin_requests WHERE created_at < ?1",
            [forget_before],
        )?;
        tx.exec(
            "DELETE FROM signin_codes WHERE expires_at < ?1",
            [forget_before],
        )?;
        tx.exec(
            "INSERT INTO signin_requests
                 (state_hash, port, app_state, code_challenge, created_at, purpose)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                hash(hub_state),
                request.port,
                request.app_state,
                request.code_challenge,
                request.created_at,
                request.purpose.as_str()
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Takes (and forgets) the sign-in remembered under the hub's state `hub_state`: a state
    /// works once.
    pub fn take_signin_request(
        &self,
        hub_state: &str,
    ) -> Result<Option<SignInRequest>, StoreError> {
        Ok(self
            .conn()
            .row(
                "DELETE FROM signin_requests WHERE state_hash = ?1
                 RETURNING port, app_state, code_challenge, created_at, purpose",
                [hash(hub_state)],
                |r| {
                    let purpose: String = r.get(4)?;
                    Ok(SignInRequest {
                        port: r.get(0)?,
                        app_state: r.get(1)?,
                        code_challenge: r.get(2)?,
                        created_at: r.get(3)?,
                        purpose: Purpose::parse(&purpose).ok_or_else(|| {
                            rusqlite::Error::FromSqlConversionFailure(
                                4,
                                rusqlite::types::Type::Text,
                                format!("`{purpose}` is not a sign-in's purpose").into(),
                            )
                        })?,
                    })
                },
            )
            .optional()?)
    }

    /// Remembers a one-time hub code for `email`, bound to the app's challenge.
    pub fn add_hub_code(
        &self,
        code: &Secret,
        email: &str,
        code_challenge: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        self.conn().exec(
            "INSERT INTO signin_codes (code_hash, email, code_challenge, expires_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![
                hash(code.expose()),
                email.trim().to_lowercase(),
                code_challenge,
                expires_at
            ],
        )?;
        Ok(())
    }

    /// Takes a hub code at `now`: whatever the answer, it never works again.
    pub fn take_hub_code(&self, code: &str, now: i64) -> Result<Taken<HubCode>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let row = tx
            .row(
                "SELECT email, code_challenge, expires_at, used_at FROM signin_codes
                 WHERE code_hash = ?1",
                [hash(code)],
                |r| {
                    Ok((
                        HubCode {
                            email: r.get(0)?,
                            code_challenge: r.get(1)?,
                        },
                        r.get::<_, i64>(2)?,
                        r.get::<_, Option<i64>>(3)?,
                    ))
                },
            )
            .optional()?;
        let taken = match row {
            None => Taken::Unknown,
            Some((_, _, Some(used))) => Taken::Used(used),
            Some((content, expires, None)) => {
                tx.exec(
                    "UPDATE signin_codes SET used_at = ?2 WHERE code_hash = ?1",
                    params![hash(code), now],
                )?;
                if expires < now {
                    Taken::Expired(expires)
                } else {
                    Taken::Fresh(content)
                }
            }
        };
        tx.commit()?;
        Ok(taken)
    }

    /// Gives the agent `email` a fresh token (see [`Joined`]), keeping their row and their
    /// admin flag.
    pub fn issue_agent_token(
        &self,
        email: &str,
        joined: Joined,
        now: i64,
    ) -> Result<Secret, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let token = Store::issue_token(&tx, email, joined, false, now)?;
        tx.commit()?;
        Ok(token)
    }

    /// Makes an invitation for `email` that works once until `expires_at`, and returns its
    /// code (shown once).
    pub fn add_invitation(
        &self,
        email: &str,
        admin: bool,
        now: i64,
        expires_at: i64,
    ) -> Result<Secret, StoreError> {
        let code = random_code()?;
        self.conn().exec(
            "INSERT INTO invitations (code_hash, email, admin, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                hash(code.expose()),
                email.trim().to_lowercase(),
                admin,
                now,
                expires_at
            ],
        )?;
        Ok(code)
    }

    /// Exchanges an invitation's code for the invited agent's token at `now`, in one
    /// transaction: a code works once.
    pub fn redeem_invitation(
        &self,
        code: &str,
        now: i64,
    ) -> Result<Taken<(String, Secret)>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let row = tx
            .row(
                "SELECT email, admin, expires_at, used_at, revoked FROM invitations
                 WHERE code_hash = ?1",
                [hash(code)],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, bool>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, Option<i64>>(3)?,
                        r.get::<_, bool>(4)?,
                    ))
                },
            )
            .optional()?;
        let taken = match row {
            None => Taken::Unknown,
            Some((_, _, _, _, true)) => Taken::Revoked,
            Some((_, _, _, Some(used), _)) => Taken::Used(used),
            Some((_, _, expires, None, _)) if expires < now => Taken::Expired(expires),
            Some((email, admin, _, None, false)) => {
                tx.exec(
                    "UPDATE invitations SET used_at = ?2 WHERE code_hash = ?1",
                    params![hash(code), now],
                )?;
                let token = Store::issue_token(&tx, &email, Joined::Invitation, admin, now)?;
                Taken::Fresh((email, token))
            }
        };
        tx.commit()?;
        Ok(taken)
    }

    /// Every invitation not used, revoked or expired at `now`, by email.
    pub fn open_invitations(&self, now: i64) -> Result<Vec<Invitation>, StoreError> {
        let conn = self.read();
        let mut stmt = conn.prepare_cached(
            "SELECT email, admin, created_at, expires_at, used_at, revoked FROM invitations
             WHERE used_at IS NULL AND revoked = 0 AND expires_at >= ?1
             ORDER BY email, created_at",
        )?;
        let rows = stmt.query_map([now], |r| {
            Ok(Invitation {
                email: r.get(0)?,
                admin: r.get(1)?,
                created_at: r.get(2)?,
                expires_at: r.get(3)?,
                used_at: r.get(4)?,
                revoked: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(now: i64) -> SignInRequest {
        SignInRequest {
            port: 49152,
            app_state: "app-state".into(),
            code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into(),
            created_at: now,
            purpose: if now % 2 == 0 {
                Purpose::App
            } else {
                Purpose::Console
            },
        }
    }

    #[test]
    fn a_signin_state_works_once_and_old_ones_are_forgotten() {
        let store = Store::open_in_memory().unwrap();
        store.add_signin_request("old", &request(10), 0).unwrap();
        store.add_signin_request("new", &request(701), 100).unwrap();
        assert_eq!(store.take_signin_request("old").unwrap(), None);
        assert_eq!(
            store.take_signin_request("new").unwrap(),
            Some(request(701)),
            "a console's sign-in (odd times) comes back as one"
        );
        assert_eq!(store.take_signin_request("new").unwrap(), None);
        let kept: i64 = store
            .conn()
            .row(
                "SELECT COUNT(*) FROM signin_requests WHERE state_hash = 'new'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(kept, 0, "states are stored as hashes");
    }

    #[test]
    fn a_hub_code_works_once_and_not_after_it_expires() {
        let store = Store::open_in_memory().unwrap();
        let code = random_code().unwrap();
        assert_eq!(code.expose().len(), 43);
        store
            .add_hub_code(&code, "Bob@Acme.io", "challenge", 120)
            .unwrap();
        let fresh = store.take_hub_code(code.expose(), 100).unwrap();
        assert_eq!(
            fresh,
            Taken::Fresh(HubCode {
                email: "bob@acme.io".into(),
                code_challenge: "challenge".into()
            })
        );
        assert_eq!(
            store.take_hub_code(code.expose(), 101).unwrap(),
            Taken::Used(100)
        );
        let late = random_code().unwrap();
        store.add_hub_code(&late, "bob@acme.io", "c", 120).unwrap();
        assert_eq!(
            store.take_hub_code(late.expose(), 121).unwrap(),
            Taken::Expired(120)
        );
        assert_eq!(store.take_hub_code("nope", 1).unwrap(), Taken::Unknown);
    }

    #[test]
    fn an_invitation_gives_a_token_once_and_revoking_the_agent_closes_it() {
        let store = Store::open_in_memory().unwrap();
        let code = store.add_invitation("New@Acme.io", true, 1, 100).unwrap();
        let Taken::Fresh((email, token)) = store.redeem_invitation(code.expose(), 50).unwrap()
        else {
            panic!("the invitation works")
        };
        assert_eq!(email, "new@acme.io");
        let agent = store.agent_for_token(token.expose()).unwrap().unwrap();
        assert!(agent.admin);
        assert_eq!(agent.joined, Joined::Invitation);
        assert_eq!(
            store.redeem_invitation(code.expose(), 51).unwrap(),
            Taken::Used(50)
        );
        let expired = store.add_invitation("late@acme.io", false, 1, 100).unwrap();
        assert_eq!(
            store.redeem_invitation(expired.expose(), 101).unwrap(),
            Taken::Expired(100)
        );
        let pending = store.add_invitation("gone@acme.io", false, 1, 100).unwrap();
        assert_eq!(store.open_invitations(2).unwrap().len(), 2);
        assert!(store.revoke_agent("gone@acme.io").unwrap());
        assert_eq!(
            store.redeem_invitation(pending.expose(), 2).unwrap(),
            Taken::Revoked
        );
    }
}
