//! What admins did in the console: every action, with who, when, on what, and what came of it.
//! Rows are never changed; retention does not prune them.

use rusqlite::params;

use crate::store::{CachedSql, Store, StoreError};

pub(in crate::store) const CREATE: &str = "
CREATE TABLE console_actions (
    id      INTEGER PRIMARY KEY,
    at      INTEGER NOT NULL,
    who     TEXT NOT NULL,
    action  TEXT NOT NULL,   -- a word: retry, give_up, choose_contact, log_skipped, invite, ...
    target  TEXT NOT NULL,   -- what it was done to: `call:123`, `effect:45`, an email, a key
    detail  TEXT NOT NULL DEFAULT ''   -- what came of it, in words
);
CREATE INDEX console_actions_by_target ON console_actions (target, id);
";

/// One action an admin took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    /// Its number, in the order they were taken.
    pub id: i64,
    /// When, UNIX seconds.
    pub at: i64,
    /// Who: the admin's email.
    pub who: String,
    /// What, as a word (`retry`, `give_up`, `choose_contact`, `log_skipped`, `invite`,
    /// `revoke`, `setting`, `sync_now`, ...).
    pub action: String,
    /// What it was done to (`call:123`, `message:ab`, `effect:45`, an email, a setting's key).
    pub target: String,
    /// What came of it, in words.
    pub detail: String,
}

fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<Action> {
    Ok(Action {
        id: r.get(0)?,
        at: r.get(1)?,
        who: r.get(2)?,
        action: r.get(3)?,
        target: r.get(4)?,
        detail: r.get(5)?,
    })
}

impl Store {
    /// Records an action an admin took; answers its number.
    pub fn record_action(
        &self,
        at: i64,
        who: &str,
        action: &str,
        target: &str,
        detail: &str,
    ) -> Result<i64, StoreError> {
        let conn = self.conn();
        conn.exec(
            "INSERT INTO console_actions (at, who, action, target, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![at, who, action, target, detail],
        )?;
        Ok(conn.last_insert_rowid())
    }

    /// The actions taken on `target`, oldest first (at most 200).
    pub fn actions_on(&self, target: &str) -> Result<Vec<Action>, StoreError> {
        let conn = self.read();
        let mut stmt = conn.prepare_cached(
            "SELECT id, at, who, action, target, detail FROM console_actions
             WHERE target = ?1 ORDER BY id LIMIT 200",
        )?;
        let rows = stmt.query_map(params![target], read)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The latest actions, newest first (at most `limit`, capped at 500).
    pub fn recent_actions(&self, limit: usize) -> Result<Vec<Action>, StoreError> {
        let conn = self.read();
        let limit = limit.clamp(1, 500);
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT id, at, who, action, target, detail FROM console_actions
             ORDER BY id DESC LIMIT {limit}"
        ))?;
        let rows = stmt.query_map([], read)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
