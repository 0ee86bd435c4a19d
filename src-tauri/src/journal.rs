//! The app's own SQLite: the last cards and the history for offline viewing, the settings, the
//! stream position, and the queue of the agent's tags, notes, outcomes and wrap-ups done.
//!
//! An action is committed here (with its `Idempotency-Key`) before it is sent, and marked sent
//! only after the hub accepted it. A killed app therefore loses nothing the agent typed, and a
//! resend after a crash carries the same key, so the hub applies it once.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::error::Result;

mod cards;

pub use cards::{CallState, Chip, ChipState, Outcome, StoredCard, UnknownCallState};

const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE cards (
    call_id     INTEGER PRIMARY KEY,
    card        TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'ringing',
    started_at  INTEGER NOT NULL,
    answered_at INTEGER,
    ended_at    INTEGER,
    updated_at  INTEGER NOT NULL
);
CREATE TABLE history (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    body       TEXT NOT NULL,
    fetched_at INTEGER NOT NULL
);
CREATE TABLE actions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    call_id         INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    value           TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER,
    failed          TEXT
);
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"#,
    r#"
-- The last action of the call the hub had accepted when it sent the card: the card's tags
-- include it and those before it.
ALTER TABLE cards ADD COLUMN actions_seen INTEGER NOT NULL DEFAULT 0;
"#,
    r#"
-- What became of a call in the hub, when it is not (yet) logged: the agent's notes and tags
-- on it are shown as waiting or as not applied, with the hub's reason.
CREATE TABLE call_outcomes (
    call_id INTEGER PRIMARY KEY,
    final   INTEGER NOT NULL,
    reason  TEXT NOT NULL
);
"#,
];

/// What the agent asked for on a call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Request {
    /// Put this tag on the call's conversation.
    AddTag(String),
    /// Take this tag off.
    RemoveTag(String),
    /// Add this note.
    Note(String),
    /// Log the call (a shared number) to this contact.
    Contact(String),
    /// The call's outcome, one of the hub's `call_outcomes` as the list spells it (choosing
    /// again replaces it).
    Outcome(String),
    /// The agent is done with the call's wrap-up.
    Done,
}

impl Request {
    fn parts(&self) -> (RequestKind, &str) {
        match self {
            Request::AddTag(v) => (RequestKind::AddTag, v),
            Request::RemoveTag(v) => (RequestKind::RemoveTag, v),
            Request::Note(v) => (RequestKind::Note, v),
            Request::Contact(v) => (RequestKind::Contact, v),
            Request::Outcome(v) => (RequestKind::Outcome, v),
            Request::Done => (RequestKind::Done, ""),
        }
    }

    fn from_parts(kind: RequestKind, value: String) -> Request {
        match kind {
            RequestKind::AddTag => Request::AddTag(value),
            RequestKind::RemoveTag => Request::RemoveTag(value),
            RequestKind::Note => Request::Note(value),
            RequestKind::Contact => Request::Contact(value),
            RequestKind::Outcome => Request::Outcome(value),
            RequestKind::Done => Request::Done,
        }
    }
}

/// What kind of [`Request`] an action is: the `kind` column of the actions table, whose words
/// (`add_tag`, `remove_tag`, `note`, `contact`, `outcome`, `done`) live here only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// [`Request::AddTag`].
    AddTag,
    /// [`Request::RemoveTag`].
    RemoveTag,
    /// [`Request::Note`].
    Note,
    /// [`Request::Contact`].
    Contact,
    /// [`Request::Outcome`].
    Outcome,
    /// [`Request::Done`].
    Done,
}

impl RequestKind {
    /// The kinds a card shows (as tags or notes); a contact pick is not shown.
    const ON_CARD: [RequestKind; 3] = [
        RequestKind::AddTag,
        RequestKind::RemoveTag,
        RequestKind::Note,
    ];

    /// Its word in the actions table.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::AddTag => "add_tag",
            RequestKind::RemoveTag => "remove_tag",
            RequestKind::Note => "note",
            RequestKind::Contact => "contact",
            RequestKind::Outcome => "outcome",
            RequestKind::Done => "done",
        }
    }

    /// The kind a word of the actions table names; `None` for one this version does not know
    /// (such a row is left alone).
    pub fn parse(word: &str) -> Option<RequestKind> {
        [
            RequestKind::AddTag,
            RequestKind::RemoveTag,
            RequestKind::Note,
            RequestKind::Contact,
            RequestKind::Outcome,
            RequestKind::Done,
        ]
        .into_iter()
        .find(|k| k.as_str() == word)
    }
}

impl From<ringside_core::pipeline::events::ActionKind> for RequestKind {
    fn from(action: ringside_core::pipeline::events::ActionKind) -> RequestKind {
        use ringside_core::pipeline::events::ActionKind;
        match action {
            ActionKind::Note => RequestKind::Note,
            ActionKind::AddTag => RequestKind::AddTag,
            ActionKind::RemoveTag => RequestKind::RemoveTag,
        }
    }
}

impl rusqlite::ToSql for RequestKind {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(self.as_str().into())
    }
}

/// A queued action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Action {
    /// Its row.
    pub id: i64,
    /// The Aircall call.
    pub call_id: u64,
    /// What to do.
    pub request: Request,
    /// Sent with it, so the hub applies it once however often it is sent.
    pub idempotency_key: String,
}

/// The journal: one SQLite file (or memory), shared by clones.
#[derive(Debug, Clone)]
pub struct Journal {
    conn: Arc<Mutex<Connection>>,
}

impl Journal {
    /// Opens (or creates) `ringside-desktop.db` in `dir`. Like the hub's store, the directory
    /// is its owner's only (0700) and so is the database (0600): it holds callers' names and
    /// numbers and what the agent typed.
    pub fn open(dir: &Path) -> Result<Journal> {
        let path = dir.join("ringside-desktop.db");
        let io = |e: ringside_core::store::StoreError| crate::error::Error::Invalid(e.to_string());
        ringside_core::store::prepare_dir(dir).map_err(io)?;
        ringside_core::store::create_private_file(&path).map_err(io)?;
        owner_only(dir, 0o700)?;
        owner_only(&path, 0o600)?;
        let conn = Connection::open(&path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        Journal::migrate(conn)
    }

    /// A database in memory (tests).
    pub fn open_in_memory() -> Result<Journal> {
        Journal::migrate(Connection::open_in_memory()?)
    }

    fn migrate(mut conn: Connection) -> Result<Journal> {
        let version: usize = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version > MIGRATIONS.len() {
            return Err(crate::error::Error::Invalid(format!(
                "the desktop database was written by a newer Ringside (schema {version}, this one knows {})",
                MIGRATIONS.len()
            )));
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", i + 1)?;
            tx.commit()?;
        }
        Ok(Journal {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A value of the `meta` table.
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    /// Sets a value of the `meta` table.
    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.conn().execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// Forgets a value of the `meta` table.
    pub fn remove_meta(&self, key: &str) -> Result<()> {
        self.conn()
            .execute("DELETE FROM meta WHERE key = ?1", [key])?;
        Ok(())
    }

    /// Queues an action; it is durable when this returns.
    pub fn enqueue(&self, call_id: u64, request: &Request, now: i64) -> Result<Action> {
        let key = new_key();
        let (kind, value) = request.parts();
        let conn = self.conn();
        conn.execute(
            "INSERT INTO actions (call_id, kind, value, idempotency_key, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![call_id as i64, kind, value, key, now],
        )?;
        Ok(Action {
            id: conn.last_insert_rowid(),
            call_id,
            request: request.clone(),
            idempotency_key: key,
        })
    }

    /// Actions not yet accepted by the hub, oldest first.
    pub fn pending(&self) -> Result<Vec<Action>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id, call_id, kind, value, idempotency_key FROM actions
             WHERE sent_at IS NULL AND failed IS NULL ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, call_id, kind, value, idempotency_key) = row?;
            if let Some(kind) = RequestKind::parse(&kind) {
                out.push(Action {
                    id,
                    call_id: call_id as u64,
                    request: Request::from_parts(kind, value),
                    idempotency_key,
                });
            }
        }
        Ok(out)
    }

    /// The hub accepted it.
    pub fn mark_sent(&self, id: i64, now: i64) -> Result<()> {
        self.conn().execute(
            "UPDATE actions SET sent_at = ?2 WHERE id = ?1",
            params![id, now],
        )?;
        Ok(())
    }

    /// The hub refused it for good (e.g. an unknown call); kept with the reason.
    pub fn mark_failed(&self, id: i64, reason: &str) -> Result<()> {
        self.conn().execute(
            "UPDATE actions SET failed = ?2 WHERE id = ?1",
            params![id, reason],
        )?;
        Ok(())
    }

    /// Intercom refused a note or tag change the hub had accepted: the newest such action of
    /// the call is kept as failed, with the words. Whether one was found.
    pub fn mark_refused(
        &self,
        call_id: u64,
        action: ringside_core::pipeline::events::ActionKind,
        value: &str,
        words: &str,
    ) -> Result<bool> {
        let kind = RequestKind::from(action);
        let changed = self.conn().execute(
            "UPDATE actions SET failed = ?4 WHERE id = (
                 SELECT id FROM actions WHERE call_id = ?1 AND kind = ?2 AND TRIM(value) = TRIM(?3)
                     AND sent_at IS NOT NULL AND failed IS NULL
                 ORDER BY id DESC LIMIT 1)",
            params![call_id as i64, kind, value, words],
        )?;
        Ok(changed > 0)
    }

    /// How many actions the journal holds, whatever became of them.
    pub fn actions_total(&self) -> Result<u64> {
        Ok(self
            .conn()
            .query_row("SELECT COUNT(*) FROM actions", [], |r| r.get::<_, i64>(0))?
            as u64)
    }

    /// How many actions wait for the hub.
    pub fn queued(&self) -> Result<u64> {
        Ok(self.conn().query_row(
            "SELECT COUNT(*) FROM actions WHERE sent_at IS NULL AND failed IS NULL",
            [],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }

    /// Keeps the last history the hub sent.
    pub fn save_history(&self, body: &serde_json::Value, now: i64) -> Result<()> {
        self.conn().execute(
            "INSERT INTO history (id, body, fetched_at) VALUES (1, ?1, ?2)
             ON CONFLICT(id) DO UPDATE SET body = excluded.body, fetched_at = excluded.fetched_at",
            params![body.to_string(), now],
        )?;
        Ok(())
    }

    /// The last history the hub sent, and when.
    pub fn history(&self) -> Result<Option<(serde_json::Value, i64)>> {
        let row: Option<(String, i64)> = self
            .conn()
            .query_row(
                "SELECT body, fetched_at FROM history WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(row.map(|(body, at)| (serde_json::from_str(&body).unwrap_or_default(), at)))
    }
}

/// Takes group and others' rights off a directory or file an older version made.
fn owner_only(path: &Path, mode: u32) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let wrong = std::fs::metadata(path)
            .map(|m| m.permissions().mode() & 0o077 != 0)
            .unwrap_or(false);
        if wrong {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(|e| {
                crate::error::Error::Invalid(format!("cannot protect {}: {e}", path.display()))
            })?;
        }
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

/// A fresh idempotency key: 128 random bits in hex.
fn new_key() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // Without randomness the key still has to be unique on this machine.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        bytes = nanos.to_le_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn the_database_and_its_directory_are_the_owners_only() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("desktop");
        let journal = Journal::open(&dir).unwrap();
        journal
            .enqueue(1, &Request::Note("a note".into()), 1)
            .unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("ringside-desktop.db")), 0o600);
        drop(journal);

        // One an older version left open to others is closed when the app opens it.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let db = dir.join("ringside-desktop.db");
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
        let journal = Journal::open(&dir).unwrap();
        assert_eq!((mode(&dir), mode(&db)), (0o700, 0o600));
        assert_eq!(journal.queued().unwrap(), 1);
    }
}
