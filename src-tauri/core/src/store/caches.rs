//! Caches with a fetch time: each contact's latest conversation, Intercom admins and Aircall
//! users with their availability. The card decides what is fresh enough; these only remember.

use crate::store::CachedSql;
use rusqlite::{params, OptionalExtension};

use super::{Store, StoreError};
use crate::aircall::{Availability, User, UserAvailability};
use crate::intercom::{Admin, Conversation, ConversationState, Tag};

pub(super) const CREATE: &str = "
CREATE TABLE latest_conversations (
    contact_id         TEXT PRIMARY KEY,
    conversation_id    TEXT,          -- NULL: the contact has no open or closed conversation
    state              TEXT,
    admin_assignee_id  TEXT,
    updated_at         INTEGER,
    fetched_at         INTEGER NOT NULL
);
CREATE TABLE admins (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    email       TEXT,
    away        INTEGER NOT NULL,
    fetched_at  INTEGER NOT NULL
);
CREATE TABLE aircall_users (
    id               INTEGER PRIMARY KEY,
    name             TEXT NOT NULL,
    email            TEXT,
    availability     TEXT,
    fetched_at       INTEGER NOT NULL,
    availability_at  INTEGER NOT NULL
);
CREATE INDEX aircall_users_by_email ON aircall_users (lower(email));
";

/// The tags on each cached conversation, for the card. Rows cached before hold none, so they
/// are made stale and read again.
/// Version 8: the users who answer on each Aircall line, which message webhooks may not carry.
pub(super) const ADD_LINE_USERS: &str = "
CREATE TABLE line_users (
    number_id   INTEGER PRIMARY KEY,
    users       TEXT NOT NULL,          -- JSON array of {id, name, email}
    fetched_at  INTEGER NOT NULL
);
";

pub(super) const ADD_TAGS: &str = "
ALTER TABLE latest_conversations ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
UPDATE latest_conversations SET fetched_at = 0;
";

/// A contact's latest conversation as cached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedConversation {
    /// The conversation's id.
    pub id: String,
    /// Its state.
    pub state: ConversationState,
    /// Its owner, if assigned.
    pub admin_assignee_id: Option<String>,
    /// Intercom's last change, UNIX seconds.
    pub updated_at: i64,
    /// The tags on it.
    pub tags: Vec<Tag>,
}

/// An Aircall user as cached, with their last known availability.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedAircallUser {
    /// Aircall's id.
    pub id: u64,
    /// Display name.
    pub name: String,
    /// Email.
    pub email: Option<String>,
    /// Last known availability.
    pub availability: Option<Availability>,
    /// When the availability was read, UNIX seconds.
    pub availability_at: i64,
}

impl Store {
    /// Remembers a contact's latest open-or-closed conversation (`None`: there is none).
    pub fn put_latest_conversation(
        &self,
        contact_id: &str,
        conversation: Option<&Conversation>,
        now: i64,
    ) -> Result<(), StoreError> {
        self.conn().exec(
            "INSERT INTO latest_conversations (contact_id, conversation_id, state, admin_assignee_id, updated_at, fetched_at, tags)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT(contact_id) DO UPDATE SET conversation_id = excluded.conversation_id,
                 state = excluded.state, admin_assignee_id = excluded.admin_assignee_id,
                 updated_at = excluded.updated_at, fetched_at = excluded.fetched_at,
                 tags = excluded.tags",
            params![
                contact_id,
                conversation.map(|c| c.id.as_str()),
                conversation.map(|c| c.state.as_str()),
                conversation.and_then(|c| c.admin_assignee_id.as_deref()),
                conversation.map(|c| c.updated_at),
                now,
                serde_json::to_string(conversation.map_or(&[][..], |c| &c.tags[..]))
                    .unwrap_or_else(|_| "[]".into()),
            ],
        )?;
        Ok(())
    }

    /// The cached latest conversation of a contact and when it was fetched; `None` if never.
    pub fn latest_conversation(
        &self,
        contact_id: &str,
    ) -> Result<Option<(Option<CachedConversation>, i64)>, StoreError> {
        Ok(self
            .read()
            .row(
                "SELECT conversation_id, state, admin_assignee_id, updated_at, fetched_at, tags
                 FROM latest_conversations WHERE contact_id = ?1",
                [contact_id],
                |r| {
                    let id: Option<String> = r.get(0)?;
                    let state: Option<String> = r.get(1)?;
                    let cached = match (id, state.as_deref().and_then(ConversationState::parse)) {
                        (Some(id), Some(state)) => Some(CachedConversation {
                            id,
                            state,
                            admin_assignee_id: r.get(2)?,
                            updated_at: r.get::<_, Option<i64>>(3)?.unwrap_or(0),
                            tags: serde_json::from_str(&r.get::<_, String>(5)?).unwrap_or_default(),
                        }),
                        _ => None,
                    };
                    Ok((cached, r.get(4)?))
                },
            )
            .optional()?)
    }

    /// Replaces the cached admins.
    pub fn replace_admins(&self, admins: &[Admin], now: i64) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.exec("DELETE FROM admins", [])?;
        for a in admins {
            tx.exec(
                "INSERT INTO admins (id, name, email, away, fetched_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![a.id, a.name, a.email, a.away, now],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The cached admins and the oldest fetch time among them (`None` when empty).
    pub fn admins(&self) -> Result<(Vec<Admin>, Option<i64>), StoreError> {
        let conn = self.read();
        let mut stmt = conn
            .prepare_cached("SELECT id, name, email, away, fetched_at FROM admins ORDER BY name")?;
        let mut oldest: Option<i64> = None;
        let admins = stmt
            .query_map([], |r| {
                Ok((
                    Admin {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        email: r.get(2)?,
                        away: r.get(3)?,
                    },
                    r.get::<_, i64>(4)?,
                ))
            })?
            .map(|row| {
                row.map(|(admin, at)| {
                    oldest = Some(oldest.map_or(at, |o: i64| o.min(at)));
                    admin
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok((admins, oldest))
    }

    /// Replaces the cached Aircall users and their availabilities.
    pub fn replace_aircall_users(
        &self,
        users: &[User],
        availabilities: &[UserAvailability],
        now: i64,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.exec("DELETE FROM aircall_users", [])?;
        for u in users {
            let availability = availabilities
                .iter()
                .find(|a| a.id == u.id)
                .and_then(|a| a.availability);
            tx.exec(
                "INSERT INTO aircall_users (id, name, email, availability, fetched_at, availability_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                params![u.id as i64, u.name, u.email, availability.map(Availability::as_str), now],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Updates the availabilities of known users.
    pub fn update_availabilities(
        &self,
        availabilities: &[UserAvailability],
        now: i64,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for a in availabilities {
            tx.exec(
                "UPDATE aircall_users SET availability = ?2, availability_at = ?3 WHERE id = ?1",
                params![a.id as i64, a.availability.map(Availability::as_str), now],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The Aircall user with this email (case-insensitive), if cached.
    pub fn aircall_user_by_email(
        &self,
        email: &str,
    ) -> Result<Option<CachedAircallUser>, StoreError> {
        Ok(self
            .read()
            .row(
                "SELECT id, name, email, availability, availability_at FROM aircall_users
                 WHERE lower(email) = lower(?1) ORDER BY id LIMIT 1",
                [email.trim()],
                |r| {
                    let availability: Option<String> = r.get(3)?;
                    Ok(CachedAircallUser {
                        id: r.get::<_, i64>(0)? as u64,
                        name: r.get(1)?,
                        email: r.get(2)?,
                        availability: availability.as_deref().and_then(Availability::parse),
                        availability_at: r.get(4)?,
                    })
                },
            )
            .optional()?)
    }

    /// The email of a cached Aircall user.
    pub fn aircall_user_email(&self, id: u64) -> Result<Option<String>, StoreError> {
        Ok(self
            .read()
            .row(
                "SELECT email FROM aircall_users WHERE id = ?1",
                [id as i64],
                |r| r.get(0),
            )
            .optional()?
            .flatten())
    }

    /// When the Aircall users were last listed, and the oldest availability among them.
    pub fn aircall_users_freshness(&self) -> Result<Option<(i64, i64)>, StoreError> {
        Ok(self.read().row(
            "SELECT MIN(fetched_at), MIN(availability_at) FROM aircall_users",
            [],
            |r| {
                Ok(
                    match (r.get::<_, Option<i64>>(0)?, r.get::<_, Option<i64>>(1)?) {
                        (Some(f), Some(a)) => Some((f, a)),
                        _ => None,
                    },
                )
            },
        )?)
    }
}

impl Store {
    /// The users who answer on an Aircall line, and when they were read, if known.
    pub fn line_users(
        &self,
        number_id: u64,
    ) -> Result<Option<(Vec<crate::aircall::UserRef>, i64)>, StoreError> {
        use rusqlite::OptionalExtension;
        let row: Option<(String, i64)> = self
            .read()
            .row(
                "SELECT users, fetched_at FROM line_users WHERE number_id = ?1",
                [number_id as i64],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        row.map(|(users, at)| {
            serde_json::from_str(&users)
                .map(|u| (u, at))
                .map_err(|e| StoreError::Corrupt(format!("line {number_id}'s users: {e}")))
        })
        .transpose()
    }

    /// Records the users who answer on an Aircall line.
    pub fn put_line_users(
        &self,
        number_id: u64,
        users: &[crate::aircall::UserRef],
        now: i64,
    ) -> Result<(), StoreError> {
        let users = serde_json::to_string(users).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.conn().exec(
            "INSERT INTO line_users (number_id, users, fetched_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(number_id) DO UPDATE SET users = excluded.users, fetched_at = excluded.fetched_at",
            rusqlite::params![number_id as i64, users, now],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aircall_users_are_found_by_email_whatever_the_case() {
        let store = Store::open_in_memory().unwrap();
        let users = [User {
            id: 7,
            name: "Bob".into(),
            email: Some("Bob.Martin@Acme.io".into()),
            availability_status: None,
        }];
        let avail = [UserAvailability {
            id: 7,
            availability: Some(Availability::InCall),
        }];
        store.replace_aircall_users(&users, &avail, 10).unwrap();
        let found = store
            .aircall_user_by_email("bob.martin@acme.IO")
            .unwrap()
            .unwrap();
        assert_eq!(found.availability, Some(Availability::InCall));
        store
            .update_availabilities(
                &[UserAvailability {
                    id: 7,
                    availability: Some(Availability::Available),
                }],
                20,
            )
            .unwrap();
        let found = store
            .aircall_user_by_email("BOB.MARTIN@ACME.IO")
            .unwrap()
            .unwrap();
        assert_eq!(
            (found.availability, found.availability_at),
            (Some(Availability::Available), 20)
        );
        assert!(store
            .aircall_user_by_email("nobody@acme.io")
            .unwrap()
            .is_none());
    }

    #[test]
    fn a_contact_without_conversation_is_remembered_as_such() {
        let store = Store::open_in_memory().unwrap();
        assert_eq!(store.latest_conversation("c1").unwrap(), None);
        store.put_latest_conversation("c1", None, 5).unwrap();
        assert_eq!(store.latest_conversation("c1").unwrap(), Some((None, 5)));
    }
}
