//! Checkpoints off the hot path. SQLite moves the write-ahead log into the database file
//! (a checkpoint) by default inside whichever commit makes the log pass 1,000 pages, holding
//! the store's one connection meanwhile: under a burst of rings that commit, and every card
//! waiting for the connection behind it, stalled about 20 ms once every few dozen calls. A
//! thread of its own therefore checkpoints every second, on a second connection, in `PASSIVE`
//! mode (which never waits for, nor blocks, the writer); the store's connection only does when
//! the log passes ten times that size.

use std::path::PathBuf;
use std::sync::{Mutex, Weak};
use std::time::Duration;

use rusqlite::Connection;

/// How often the thread checkpoints. A checkpoint that finds the log already in the database
/// costs next to nothing.
const EVERY: Duration = Duration::from_secs(1);

/// Log pages past which the store's own connection checkpoints anyway: only when the thread
/// cannot keep up (or could not start).
pub(super) const FALLBACK_PAGES: i64 = 10_000;

/// Starts the checkpointing thread for the database at `path`; it stops once `store`, the
/// store's connection, is gone.
pub(super) fn start(path: PathBuf, store: Weak<Mutex<Connection>>) {
    let spawned = std::thread::Builder::new()
        .name("ringside-checkpoint".into())
        .spawn(move || {
            let conn = match Connection::open(&path) {
                Ok(conn) => conn,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot open the database to checkpoint it; the hub's own connection does");
                    return;
                }
            };
            loop {
                std::thread::sleep(EVERY);
                // The store is gone: this connection, the last, checkpoints as it closes.
                if store.strong_count() == 0 {
                    return;
                }
                if let Err(e) = checkpoint(&conn) {
                    tracing::warn!(error = %e, "checkpoint failed; retried in a second");
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "cannot start the checkpointing thread");
    }
}

/// Moves what the log holds into the database, without waiting for any other connection.
/// Returns the log's pages and how many of them are now in the database.
pub(super) fn checkpoint(conn: &Connection) -> rusqlite::Result<(i64, i64)> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
        Ok((r.get(1)?, r.get(2)?))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{CachedSql, Store, DB_FILE};

    #[test]
    fn the_log_reaches_the_database_without_the_store_checkpointing() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let db = dir.path().join(DB_FILE);
        let before = std::fs::metadata(&db).unwrap().len();
        // About 2 MB: 500 pages, under the store's own threshold.
        let value = "x".repeat(4000);
        for i in 0..500 {
            store
                .conn()
                .exec(
                    "INSERT INTO meta (key, value) VALUES (?1, ?2)",
                    rusqlite::params![format!("k{i}"), value],
                )
                .unwrap();
        }
        assert!(std::fs::metadata(&db).unwrap().len() < before + 1_000_000);
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while std::fs::metadata(&db).unwrap().len() < before + 2_000_000 {
            assert!(
                std::time::Instant::now() < deadline,
                "nothing moved the log into the database"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        drop(store);
    }
}
