//! The app's own SQLite: the last cards and the history for offline viewing, the settings, the
//! stream position, and the queue of the agent's tags and notes.
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

pub use cards::{Chip, StoredCard};

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
}

impl Request {
    fn parts(&self) -> (&'static str, &str) {
        match self {
            Request::AddTag(v) => ("add_tag", v),
            Request::RemoveTag(v) => ("remove_tag", v),
            Request::Note(v) => ("note", v),
            Request::Contact(v) => ("contact", v),
        }
    }

    fn from_parts(kind: &str, value: String) -> Option<Request> {
        Some(match kind {
            "add_tag" => Request::AddTag(value),
            "remove_tag" => Request::RemoveTag(value),
            "note" => Request::Note(value),
            "contact" => Request::Contact(value),
            _ => return None,
        })
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
    /// Opens (or creates) `ringside-desktop.db` in `dir`.
    pub fn open(dir: &Path) -> Result<Journal> {
        std::fs::create_dir_all(dir).map_err(|e| {
            crate::error::Error::Invalid(format!("cannot create {}: {e}", dir.display()))
        })?;
        let conn = Connection::open(dir.join("ringside-desktop.db"))?;
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
            if let Some(request) = Request::from_parts(&kind, value) {
                out.push(Action {
                    id,
                    call_id: call_id as u64,
                    request,
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
