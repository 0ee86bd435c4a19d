//! The local SQLite database: the contact index by phone number, the caches the insight card
//! reads (conversations, admins, Aircall users), the hub's inbox, outbox and agents, and contact
//! sync's runs and mapping.
//!
//! Rows become typed values (a subject, an effect, a state) in the module of their table; nothing
//! outside `store` reads a column.
//!
//! One file, opened in WAL mode with foreign keys on. One connection writes, behind a lock; a
//! small pool of read-only connections ([`Store::read`]) answers the look-ups a card, an event
//! stream or an agent's request makes, so that they never queue behind a write or each other
//! (in WAL mode a reader sees the last commit without waiting for the writer). The schema lives next to each table's
//! accessors (`contacts.rs`, `caches.rs`, `inbox.rs`, `subjects.rs`, `outbox.rs`, `agents.rs`,
//! `sync.rs`, `idempotency.rs`, `signin.rs`; `retention.rs` prunes them, `instance.rs` names the hub,
//! `backup.rs` copies the database while it is used and restores one) and is applied by
//! forward-only migrations numbered by `PRAGMA user_version`, one transaction
//! each. A database written by a newer Ringside is refused rather than guessed at. Nothing
//! secret is ever written here.

mod agents;
pub mod around;
mod backup;
mod caches;
mod checkpoint;
pub mod console;
mod contacts;
mod idempotency;
mod inbox;
mod instance;
mod notifications;
mod outbox;
mod retention;
mod signin;
mod subjects;
mod sync;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::Connection;

pub use agents::{new_token, Agent, Joined, LAST_SEEN_EVERY};
pub use backup::{restore, BackupError, BackupReport, RestoreReport, ServingLock, LOCK_FILE};
pub use caches::{CachedAircallUser, CachedConversation};
pub use contacts::IndexedContact;
pub use idempotency::{RecordedAnswer, Reservation};
pub use inbox::{InboxItem, LoggedEvent, SetAside};
pub use notifications::{NotificationEnd, NotificationStats, PendingNotification, Stored};
pub use outbox::{EffectState, Lane, NewEffect, NewEvent, Origin, OutboxRow};
pub use retention::Rows;
pub use signin::{random_code, HubCode, Invitation, Purpose, SignInRequest, Taken};
pub use subjects::Logged;
pub use sync::{
    Counter, LeaseHeld, RunCounts, RunKind, RunPhase, Scanned, SyncRow, SyncRun, Unparseable,
};

/// Every migration, in order, each a list of SQL batches run in one transaction. Migration `n`
/// (1-based) moves `user_version` from `n - 1` to `n`.
const MIGRATIONS: &[&[&str]] = &[
    &[contacts::CREATE],
    &[caches::CREATE],
    &[inbox::CREATE],
    &[subjects::CREATE, outbox::CREATE],
    &[agents::CREATE],
    &[sync::CREATE],
    &[caches::ADD_TAGS],
    // Concurrency across calls: agents' actions first, a shared number's candidates, what
    // became of each card pushed to Aircall.
    &[
        subjects::ADD_CANDIDATES_AND_PUSHES,
        outbox::ADD_PRIORITY,
        caches::ADD_LINE_USERS,
    ],
    // Facing the internet: admin agents and the agents' idempotency keys.
    &[agents::ADD_ADMIN, idempotency::CREATE],
    // The contact index finds a phone exactly as stored, as a live search does.
    &[contacts::INDEX_PHONE],
    // Intercom's contact notifications.
    &[notifications::CREATE],
    // Event ids never go back, even once retention has emptied the log.
    &[inbox::EVENT_IDS_NEVER_GO_BACK],
    // A conversation found after a crash belongs to one call only.
    &[subjects::ADD_CONVERSATION_CLAIMS],
    // Agents sign in (with Intercom, or by invitation), and the hub sees when each was last
    // active.
    &[signin::CREATE, agents::ADD_JOINED_AND_LAST_SEEN],
    // The admin console: sessions, the actions taken, the columns and indexes its searches
    // and reports read, the settings changed there.
    &[
        console::sessions::CREATE,
        console::audit::CREATE,
        console::calls::CREATE,
        console::overview::CREATE,
        console::team::CREATE,
        console::overrides::CREATE,
        console::reports::CREATE,
    ],
    // The day around the call: presence in Intercom, the calls' outcomes, the calls to return.
    &[
        around::presence::CREATE,
        around::outcomes::CREATE,
        around::callbacks::CREATE,
    ],
];

/// Statements run through the connection's prepared-statement cache. rusqlite's `execute` and
/// `query_row` parse their SQL on every call, and the hub runs the same few dozen statements
/// for every webhook: parsing them cost more CPU than running them (a seventh of the hub's
/// time under a burst of rings, measured with `perf`).
pub(crate) trait CachedSql {
    /// `execute`, with the statement kept prepared.
    fn exec<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;
    /// `query_row`, with the statement kept prepared.
    fn row<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: rusqlite::Params,
        F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>;
}

impl CachedSql for Connection {
    fn exec<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    fn row<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: rusqlite::Params,
        F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    {
        self.prepare_cached(sql)?.query_row(params, f)
    }
}

/// How many prepared statements the connection keeps: more than the store has, so that none
/// is parsed twice. (No statement takes its `LIMIT` as a parameter: SQLite compiles such a
/// statement again at every run, which made claiming an effect cost ten times its query.)
const STATEMENT_CACHE: usize = 256;

/// The database file's name inside the data directory.
pub const DB_FILE: &str = "ringside.db";

/// What can go wrong with the local database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error("local database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The data directory or file could not be prepared.
    #[error("cannot prepare the data directory {path}: {source}")]
    Io {
        /// The directory or file that could not be prepared.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A row holds something this program cannot read back.
    #[error("stored data could not be read: {0}")]
    Corrupt(String),
    /// The read-only connections could not be opened.
    #[error("cannot open the database {path} for reading: {reason}")]
    Readers {
        /// The database file.
        path: PathBuf,
        /// Why, in the connection pool's words.
        reason: String,
    },
    /// The file was written by a newer Ringside.
    #[error("the database {path} has schema version {found}, newer than this Ringside understands ({supported}); upgrade Ringside or point RINGSIDE_DATA_DIR elsewhere")]
    TooNew {
        /// The database file (`:memory:` for an in-memory database).
        path: PathBuf,
        /// The schema version the file has.
        found: i64,
        /// The newest schema version this build understands.
        supported: i64,
    },
    /// The blocking task that ran the work was lost (it panicked, or the runtime is stopping).
    #[error("a database task did not finish: {0}")]
    Task(String),
}

/// How many connections read beside the writer. Reads are short; a handful covers every
/// worker thread and the blocking tasks on a small machine.
const READERS: u32 = 4;

/// The pool of read-only connections.
type Readers = r2d2::Pool<r2d2_sqlite::SqliteConnectionManager>;

/// A handle on the database. Cheap to clone; all clones share one writing connection and one
/// pool of reading ones.
#[derive(Debug, Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
    /// `None` in memory, where a second connection would see another database.
    readers: Option<Readers>,
    path: Option<PathBuf>,
}

/// A connection to read with: one of the pool's, or the writer's when there is no pool.
pub(crate) enum ReadConn<'a> {
    Pooled(r2d2::PooledConnection<r2d2_sqlite::SqliteConnectionManager>),
    Writer(MutexGuard<'a, Connection>),
}

impl std::ops::Deref for ReadConn<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        match self {
            ReadConn::Pooled(c) => c,
            ReadConn::Writer(c) => c,
        }
    }
}

/// The readers of every store share one thread for the pool's upkeep (r2d2 would start three
/// per pool).
fn pool_upkeep() -> Arc<scheduled_thread_pool::ScheduledThreadPool> {
    static UPKEEP: std::sync::OnceLock<Arc<scheduled_thread_pool::ScheduledThreadPool>> =
        std::sync::OnceLock::new();
    UPKEEP
        .get_or_init(|| {
            Arc::new(
                scheduled_thread_pool::ScheduledThreadPool::builder()
                    .num_threads(1)
                    .thread_name_pattern("ringside-readers")
                    .build(),
            )
        })
        .clone()
}

/// Opens the read-only connections to the database at `path` (migrated already).
fn open_readers(path: &Path) -> Result<Readers, StoreError> {
    let manager = r2d2_sqlite::SqliteConnectionManager::file(path).with_init(|c| {
        c.busy_timeout(std::time::Duration::from_secs(5))?;
        c.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        // A reader never writes, whatever a bug would ask of it.
        c.pragma_update(None, "query_only", "ON")
    });
    r2d2::Pool::builder()
        .max_size(READERS)
        .test_on_check_out(false)
        .max_lifetime(None)
        .idle_timeout(None)
        .connection_timeout(std::time::Duration::from_secs(5))
        .thread_pool(pool_upkeep())
        .build(manager)
        .map_err(|e| StoreError::Readers {
            path: path.to_owned(),
            reason: e.to_string(),
        })
}

impl Store {
    /// Opens (creating if needed) the database in `dir`, and migrates it.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        prepare_dir(dir)?;
        let path = dir.join(DB_FILE);
        create_private_file(&path)?;
        let conn = Connection::open(&path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "wal_autocheckpoint", checkpoint::FALLBACK_PAGES)?;
        let mut store = Self::init(conn, Some(path.clone()))?;
        store.readers = Some(open_readers(&path)?);
        checkpoint::start(path, Arc::downgrade(&store.conn));
        Ok(store)
    }

    /// A private database in memory, for tests and one-shot commands.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory()?, None)
    }

    fn init(conn: Connection, path: Option<PathBuf>) -> Result<Self, StoreError> {
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        let mut store = Store {
            conn: Arc::new(Mutex::new(conn)),
            readers: None,
            path,
        };
        store.migrate()?;
        Ok(store)
    }

    /// Where the database lives (`None` in memory).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The schema version this binary writes.
    pub fn schema_version() -> i64 {
        MIGRATIONS.len() as i64
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let supported = Self::schema_version();
        if found > supported {
            return Err(StoreError::TooNew {
                path: self
                    .path
                    .clone()
                    .unwrap_or_else(|| PathBuf::from(":memory:")),
                found,
                supported,
            });
        }
        for (index, batches) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            let tx = conn.transaction()?;
            for sql in *batches {
                tx.execute_batch(sql)?;
            }
            tx.pragma_update(None, "user_version", index as i64 + 1)?;
            tx.commit()?;
        }
        Ok(())
    }

    /// Runs `work` in a transaction that is synced to disk before this returns, for what must
    /// survive a power cut (an accepted webhook, an effect claimed before its request is sent).
    /// The transaction commits into the write-ahead log under the connection's lock, then the
    /// log is synced with that lock released, so that other work on the database (a card being
    /// built, an event announced) does not wait for the disk. Other writes are synced with the
    /// next such transaction (WAL with `synchronous=NORMAL`): a killed process loses none of
    /// them, and a power cut only ones the outbox and the inbox recover from (an effect claimed
    /// is looked up before it is sent again).
    pub(crate) fn durably<T>(
        &self,
        work: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let value = {
            let mut conn = self.conn();
            let tx = conn.transaction()?;
            let value = work(&tx)?;
            tx.commit()?;
            value
        };
        self.sync_log()?;
        Ok(value)
    }

    /// Syncs the write-ahead log to disk: every commit so far is then durable. SQLite itself
    /// syncs the database file after each checkpoint, which moves committed pages out of the
    /// log, so the log is the one file to sync. An in-memory database has nothing to sync.
    fn sync_log(&self) -> Result<(), StoreError> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let mut log = path.clone().into_os_string();
        log.push("-wal");
        let log = PathBuf::from(log);
        let io = |source| StoreError::Io {
            path: log.clone(),
            source,
        };
        match std::fs::File::open(&log) {
            Ok(file) => file.sync_data().map_err(io),
            // No log: the database is not in WAL mode, and SQLite synced the commit itself.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io(e)),
        }
    }

    /// Runs `work` on Tokio's blocking threads, with a clone of this handle: the one way async
    /// code reaches SQLite, so that a slow write or a busy reader never stalls the runtime's
    /// threads (the card builder, the executor, the streams and the HTTP server share them).
    pub async fn run<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        F: FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        let store = self.clone();
        tokio::task::spawn_blocking(move || work(&store))
            .await
            .map_err(|e| StoreError::Task(e.to_string()))?
    }

    /// A connection for look-ups only; it sees every commit made before this call. When no
    /// reader is free within its timeout (or in memory), the writer's connection serves.
    pub(crate) fn read(&self) -> ReadConn<'_> {
        if let Some(readers) = &self.readers {
            match readers.get() {
                Ok(c) => return ReadConn::Pooled(c),
                Err(e) => {
                    tracing::warn!(error = %e, "no database reader is free; reading on the writer")
                }
            }
        }
        ReadConn::Writer(self.conn.lock().unwrap_or_else(|e| e.into_inner()))
    }

    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        // SQLite rolls back an unfinished transaction itself; the connection stays usable.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A small key/value setting kept with the data (e.g. the Intercom workspace id).
    pub fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        use rusqlite::OptionalExtension;
        Ok(self
            .read()
            .row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    /// Sets a key/value setting.
    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn().exec(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }

    /// The workspace and admin the Intercom token with this [identity key] acts as, when they
    /// were recorded for that token. Another token's (or an older Ringside's untied) record
    /// answers `None`, so links are never built with a workspace the token does not belong to.
    ///
    /// [identity key]: crate::intercom::IntercomClient::identity_key
    pub fn intercom_identity(
        &self,
        token_key: &str,
    ) -> Result<Option<IntercomIdentity>, StoreError> {
        let Some(json) = self.meta(IDENTITY_KEY)? else {
            return Ok(None);
        };
        // A record this version cannot read is a cache miss: `GET /me` answers again.
        Ok(serde_json::from_str::<IdentityRecord>(&json)
            .ok()
            .filter(|r| r.token_key == token_key)
            .map(|r| r.identity))
    }

    /// Records what the token with this identity key acts as, replacing any other token's.
    pub fn set_intercom_identity(
        &self,
        token_key: &str,
        identity: &IntercomIdentity,
    ) -> Result<(), StoreError> {
        let record = IdentityRecord {
            token_key: token_key.to_owned(),
            identity: identity.clone(),
        };
        let json = serde_json::to_string(&record)
            .map_err(|e| StoreError::Corrupt(format!("{IDENTITY_KEY}: {e}")))?;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.exec(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [IDENTITY_KEY, &json],
        )?;
        // The cache of older versions, tied to no token.
        tx.exec(
            "DELETE FROM meta WHERE key IN ('intercom_workspace_id', 'intercom_admin_id')",
            [],
        )?;
        tx.commit()?;
        Ok(())
    }
}

/// Where the Intercom identity is kept in `meta`.
const IDENTITY_KEY: &str = "intercom_identity";

/// The Intercom workspace and admin a token acts as (from `GET /me`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IntercomIdentity {
    /// The workspace's id (`app.id_code`), used in links.
    pub workspace_id: String,
    /// The admin who owns the token: the integration admin.
    pub admin_id: String,
}

impl From<&crate::intercom::Me> for IntercomIdentity {
    fn from(me: &crate::intercom::Me) -> Self {
        IntercomIdentity {
            workspace_id: me.workspace_id.clone(),
            admin_id: me.admin.id.clone(),
        }
    }
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct IdentityRecord {
    token_key: String,
    #[serde(flatten)]
    identity: IntercomIdentity,
}

/// The data directory: `RINGSIDE_DATA_DIR`, else the platform's data directory + `ringside`.
pub fn data_dir() -> PathBuf {
    match std::env::var_os("RINGSIDE_DATA_DIR").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => dirs::data_dir()
            .unwrap_or_else(std::env::temp_dir)
            .join("ringside"),
    }
}

/// Creates a data directory readable by its owner only (0700); an existing one is left as it is.
/// The desktop app's database goes through the same two functions.
pub fn prepare_dir(dir: &Path) -> Result<(), StoreError> {
    let io = |source| StoreError::Io {
        path: dir.to_owned(),
        source,
    };
    if !dir.exists() {
        std::fs::create_dir_all(dir).map_err(io)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io)?;
        }
    }
    Ok(())
}

/// Creates the database file readable by its owner only, before SQLite opens it.
pub fn create_private_file(path: &Path) -> Result<(), StoreError> {
    let io = |source| StoreError::Io {
        path: path.to_owned(),
        source,
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map_err(io)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reader_sees_every_commit_at_once_and_cannot_write() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        // Every reader of the pool, held at once, sees each value as soon as it is committed.
        for n in 0..3 {
            store.set_meta("answer", &n.to_string()).unwrap();
            let readers: Vec<ReadConn<'_>> = (0..READERS).map(|_| store.read()).collect();
            for reader in &readers {
                assert!(matches!(reader, ReadConn::Pooled(_)));
                let seen: String = reader
                    .row("SELECT value FROM meta WHERE key = 'answer'", [], |r| {
                        r.get(0)
                    })
                    .unwrap();
                assert_eq!(seen, n.to_string());
            }
        }
        let refused = store
            .read()
            .exec("INSERT INTO meta (key, value) VALUES ('x', 'y')", []);
        assert!(refused.is_err(), "a reader wrote");
        assert_eq!(store.meta("x").unwrap(), None);
    }

    #[test]
    fn a_fresh_database_reaches_the_current_version() {
        let store = Store::open_in_memory().unwrap();
        let v: i64 = store
            .conn()
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, Store::schema_version());
    }

    #[test]
    fn a_database_from_a_newer_ringside_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        drop(Store::open(dir.path()).unwrap());
        let conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        let err = Store::open(dir.path()).unwrap_err();
        assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{err}");
        assert!(err.to_string().contains("upgrade Ringside"));
    }

    #[test]
    fn reopening_keeps_data_and_does_not_migrate_twice() {
        let dir = tempfile::tempdir().unwrap();
        Store::open(dir.path())
            .unwrap()
            .set_meta("workspace_id", "abc")
            .unwrap();
        let again = Store::open(dir.path()).unwrap();
        assert_eq!(again.meta("workspace_id").unwrap().as_deref(), Some("abc"));
    }

    #[test]
    fn the_intercom_identity_belongs_to_the_token_it_was_read_with() {
        let store = Store::open_in_memory().unwrap();
        // What an older Ringside cached, tied to no token, is not trusted.
        store.set_meta("intercom_workspace_id", "old-ws").unwrap();
        assert_eq!(store.intercom_identity("token-a").unwrap(), None);
        let a = IntercomIdentity {
            workspace_id: "ws-a".into(),
            admin_id: "1".into(),
        };
        store.set_intercom_identity("token-a", &a).unwrap();
        assert_eq!(store.intercom_identity("token-a").unwrap(), Some(a));
        assert_eq!(store.meta("intercom_workspace_id").unwrap(), None);
        // Another token (moved to another workspace) misses, then replaces it.
        assert_eq!(store.intercom_identity("token-b").unwrap(), None);
        let b = IntercomIdentity {
            workspace_id: "ws-b".into(),
            admin_id: "2".into(),
        };
        store.set_intercom_identity("token-b", &b).unwrap();
        assert_eq!(store.intercom_identity("token-a").unwrap(), None);
        assert_eq!(store.intercom_identity("token-b").unwrap(), Some(b));
    }

    #[cfg(unix)]
    #[test]
    fn the_database_file_is_private_to_its_owner() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("nested")).unwrap();
        let mode = std::fs::metadata(store.path().unwrap())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "mode {mode:o}");
        let journal: String = store
            .conn()
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(journal, "wal");
    }
}
