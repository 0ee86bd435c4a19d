//! Settings an admin changed in the console: one row a key, its value as `hub.toml` would spell
//! it, who set it and when. The engine reads them at start and lays them over the
//! configuration's values; deleting a row gives the key back to the configuration.

use std::path::Path;

use rusqlite::params;

use crate::store::{CachedSql, Store, StoreError};

/// The overrides' table.
pub(in crate::store) const CREATE: &str = "
CREATE TABLE console_settings (
    key     TEXT PRIMARY KEY,   -- the setting's hub.toml key
    value   TEXT NOT NULL,      -- as hub.toml would spell it: true, lead, 120
    set_by  TEXT NOT NULL,      -- the admin's email
    set_at  INTEGER NOT NULL    -- UNIX seconds
) WITHOUT ROWID;
";

/// A setting changed in the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// The setting's `hub.toml` key.
    pub key: String,
    /// Its value, as `hub.toml` would spell it.
    pub value: String,
    /// Who set it: the admin's email.
    pub set_by: String,
    /// When, UNIX seconds.
    pub set_at: i64,
}

fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<Override> {
    Ok(Override {
        key: r.get(0)?,
        value: r.get(1)?,
        set_by: r.get(2)?,
        set_at: r.get(3)?,
    })
}

impl Store {
    /// The settings changed in the console, read from the database in `dir` without opening
    /// it for writing or migrating it (for `ringside-cli config check`, which may run beside
    /// the serving hub): none when there is no database yet, or one from before the console.
    pub fn peek_overrides(dir: &Path) -> Result<Vec<Override>, StoreError> {
        let file = dir.join(crate::store::DB_FILE);
        if !file.exists() {
            return Ok(Vec::new());
        }
        let conn = rusqlite::Connection::open_with_flags(
            &file,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(2))?;
        let tables: i64 = conn.row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'console_settings'",
            [],
            |r| r.get(0),
        )?;
        if tables == 0 {
            return Ok(Vec::new());
        }
        let mut stmt = conn.prepare_cached(
            "SELECT key, value, set_by, set_at FROM console_settings ORDER BY key",
        )?;
        let rows = stmt.query_map([], read)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every setting changed in the console, by key.
    pub fn overrides(&self) -> Result<Vec<Override>, StoreError> {
        let conn = self.read();
        let mut stmt = conn.prepare_cached(
            "SELECT key, value, set_by, set_at FROM console_settings ORDER BY key",
        )?;
        let rows = stmt.query_map([], read)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Sets (or replaces) a setting's override, and records the action in the audit with it,
    /// in one transaction.
    pub fn put_override(&self, change: &Override, detail: &str) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.exec(
            "INSERT INTO console_settings (key, value, set_by, set_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, set_by = excluded.set_by,
                 set_at = excluded.set_at",
            params![change.key, change.value, change.set_by, change.set_at],
        )?;
        tx.exec(
            "INSERT INTO console_actions (at, who, action, target, detail)
             VALUES (?1, ?2, 'setting', ?3, ?4)",
            params![change.set_at, change.set_by, change.key, detail],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Deletes a setting's override (the configuration's value applies again) and records the
    /// action in the audit, in one transaction; answers whether there was one.
    pub fn delete_override(
        &self,
        key: &str,
        by: &str,
        at: i64,
        detail: &str,
    ) -> Result<bool, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let deleted = tx.exec("DELETE FROM console_settings WHERE key = ?1", params![key])?;
        if deleted > 0 {
            tx.exec(
                "INSERT INTO console_actions (at, who, action, target, detail)
                 VALUES (?1, ?2, 'setting', ?3, ?4)",
                params![at, by, key, detail],
            )?;
        }
        tx.commit()?;
        Ok(deleted > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_override_is_set_replaced_and_deleted_each_time_with_its_audit() {
        let store = Store::open_in_memory().unwrap();
        let change = |value: &str, at| Override {
            key: "log_missed_calls".into(),
            value: value.into(),
            set_by: "boss@acme.io".into(),
            set_at: at,
        };
        store.put_override(&change("false", 10), "false").unwrap();
        store.put_override(&change("true", 20), "true").unwrap();
        assert_eq!(store.overrides().unwrap(), vec![change("true", 20)]);
        assert!(store
            .delete_override("log_missed_calls", "boss@acme.io", 30, "reset")
            .unwrap());
        assert!(!store
            .delete_override("log_missed_calls", "boss@acme.io", 40, "reset")
            .unwrap());
        assert!(store.overrides().unwrap().is_empty());
        let audit = store.actions_on("log_missed_calls").unwrap();
        let details: Vec<_> = audit.iter().map(|a| a.detail.as_str()).collect();
        assert_eq!(details, ["false", "true", "reset"]);
        assert!(audit.iter().all(|a| a.action == "setting"));
    }

    #[test]
    fn config_check_peeks_at_the_overrides_without_creating_a_database() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Store::peek_overrides(dir.path()).unwrap().is_empty());
        assert!(!dir.path().join(crate::store::DB_FILE).exists());
        let store = Store::open(dir.path()).unwrap();
        let change = Override {
            key: "log_messages".into(),
            value: "false".into(),
            set_by: "boss@acme.io".into(),
            set_at: 5,
        };
        store
            .put_override(&change, "set to false (was true)")
            .unwrap();
        assert_eq!(Store::peek_overrides(dir.path()).unwrap(), vec![change]);
    }
}
