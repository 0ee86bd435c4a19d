//! Backing the database up while the hub serves, restoring it while the hub is stopped, and the
//! lock that tells the two apart.
//!
//! A backup goes through SQLite's online backup API, from a read-only connection of its own, in
//! one step: the copy is one read transaction, so it is the database as of one commit, and in
//! WAL mode it neither waits for the hub's writer nor makes it wait. (Stepped a few pages at a
//! time, a backup starts over whenever another connection writes, and under a burst of webhooks
//! it would never finish.) The copy is written beside its destination, synced, then renamed into
//! place, so that a destination is either the whole backup or untouched.
//!
//! A restore checks the backup before it touches anything: a SQLite file, with Ringside's
//! tables, from this schema or an older one, that passes `PRAGMA integrity_check`. The database
//! it replaces is kept aside (`ringside.db.before-restore-<time>`, with its write-ahead log if it
//! had one), and the restored one gets a new hub instance id: its event ids go back to those of
//! the backup, and a desktop app must see another hub rather than wait for ids it already had.
//!
//! A serving hub holds an exclusive lock on `hub.lock` in the data directory (with its process
//! id written in it, for the message). The operating system drops the lock when the process
//! ends, however it ends, so a killed hub never leaves a stale one.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};

use super::{create_private_file, Store, StoreError, DB_FILE};

/// The lock file a serving hub holds, in the data directory.
pub const LOCK_FILE: &str = "hub.lock";

/// How long a backup retries when SQLite answers busy (a checkpoint resetting the log).
const BUSY_FOR: Duration = Duration::from_secs(10);

/// What can stop a backup or a restore, in words an admin acts on.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The destination exists and overwriting it was not asked for.
    #[error("{0} exists already: choose another file, or pass --force to replace it")]
    Exists(PathBuf),
    /// The destination is the live database itself.
    #[error("{0} is the hub's database itself: back it up to another file")]
    SameFile(PathBuf),
    /// A hub serves the data directory.
    #[error("a hub is serving {dir} ({holder}): stop it first (`systemctl stop ringside-hub`, or Ctrl-C), then restore")]
    HubServing {
        /// The data directory.
        dir: PathBuf,
        /// Who holds the lock, as far as the lock file says.
        holder: String,
    },
    /// The file is not a Ringside database.
    #[error("{path} is not a Ringside database: {why}")]
    NotRingside {
        /// The file.
        path: PathBuf,
        /// What it is instead.
        why: String,
    },
    /// The backup was written by a newer Ringside.
    #[error("{path} has schema version {found}, newer than this Ringside understands ({supported}): restore it with the Ringside that made it, or upgrade this one first")]
    TooNew {
        /// The backup.
        path: PathBuf,
        /// Its schema version.
        found: i64,
        /// The newest this build understands.
        supported: i64,
    },
    /// The backup fails SQLite's integrity check.
    #[error("{path} fails SQLite's integrity check ({problems}): it is damaged; restore an older backup")]
    Damaged {
        /// The backup.
        path: PathBuf,
        /// The first problems SQLite found.
        problems: String,
    },
    /// A file could not be read, written or moved.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for BackupError {
    fn from(e: rusqlite::Error) -> Self {
        BackupError::Store(StoreError::Sqlite(e))
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_owned(),
        source,
    }
}

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    /// The backup file.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Its schema version.
    pub schema_version: i64,
    /// How long it took.
    pub took: Duration,
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreReport {
    /// The database now in place.
    pub path: PathBuf,
    /// The backup's schema version (the database is migrated from it to this build's).
    pub schema_version: i64,
    /// Where the database it replaced was kept, if there was one.
    pub kept_aside: Option<PathBuf>,
    /// The restored database's new hub instance id.
    pub instance: String,
}

impl Store {
    /// Copies the database to `dest` with SQLite's online backup, while other connections (a
    /// serving hub) read and write it. An existing `dest` is refused unless `overwrite`. The
    /// file is readable by its owner only.
    pub fn backup_to(&self, dest: &Path, overwrite: bool) -> Result<BackupReport, BackupError> {
        let started = Instant::now();
        if let Some(live) = self.path() {
            let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
                (Ok(a), Ok(b)) => a == b,
                _ => false,
            };
            if same(live, dest) {
                return Err(BackupError::SameFile(dest.to_owned()));
            }
        }
        if dest.exists() && !overwrite {
            return Err(BackupError::Exists(dest.to_owned()));
        }
        let partial = sibling(dest, ".partial");
        remove_if_there(&partial)?;
        create_private_file(&partial)?;
        let copied = (|| {
            let mut target = Connection::open(&partial)?;
            match self.path() {
                Some(live) => {
                    let source = Connection::open_with_flags(
                        live,
                        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                    )?;
                    source.busy_timeout(Duration::from_secs(5))?;
                    copy_in_one_step(&source, &mut target)?;
                }
                None => copy_in_one_step(&self.conn(), &mut target)?,
            }
            // One self-contained file: no write-ahead log beside it.
            target.pragma_update(None, "journal_mode", "DELETE")?;
            let version: i64 = target.pragma_query_value(None, "user_version", |r| r.get(0))?;
            Ok::<_, BackupError>(version)
        })();
        let schema_version = match copied {
            Ok(v) => v,
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                return Err(e);
            }
        };
        File::open(&partial)
            .and_then(|f| f.sync_all())
            .map_err(io(&partial))?;
        std::fs::rename(&partial, dest).map_err(io(dest))?;
        sync_dir_of(dest)?;
        let bytes = std::fs::metadata(dest).map_err(io(dest))?.len();
        Ok(BackupReport {
            path: dest.to_owned(),
            bytes,
            schema_version,
            took: started.elapsed(),
        })
    }

    /// Moves the whole write-ahead log into the database and empties it (`PRAGMA
    /// wal_checkpoint(TRUNCATE)`): what a hub does last as it stops, so that the database is one
    /// file again. Waits (up to the connection's busy timeout) for readers to finish.
    pub fn checkpoint_truncate(&self) -> Result<(), StoreError> {
        if self.path().is_none() {
            return Ok(());
        }
        let busy: i64 = self
            .conn()
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
        if busy != 0 {
            tracing::warn!("the last checkpoint could not finish: another connection reads; the log is moved at the next start");
        }
        Ok(())
    }

    /// Takes the serving hub's lock on this database's directory, held until the returned
    /// value is dropped. `Ok(None)` in memory. Another process (or another hub in this one)
    /// holding it is [`BackupError::HubServing`].
    pub fn serving_lock(&self) -> Result<Option<ServingLock>, BackupError> {
        match self.path().and_then(Path::parent) {
            Some(dir) => ServingLock::take(dir).map(Some),
            None => Ok(None),
        }
    }
}

/// Copies `source` into `target` in one step of the backup API: one read transaction, which
/// other connections' writes cannot restart. SQLite's busy answers (a checkpoint resetting the
/// log) are waited out.
fn copy_in_one_step(source: &Connection, target: &mut Connection) -> Result<(), BackupError> {
    use rusqlite::backup::{Backup, StepResult};
    let deadline = Instant::now() + BUSY_FOR;
    let backup = Backup::new(source, target)?;
    loop {
        match backup.step(-1)? {
            StepResult::Done => return Ok(()),
            StepResult::More => continue,
            StepResult::Busy | StepResult::Locked if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20))
            }
            StepResult::Busy | StepResult::Locked => {
                return Err(BackupError::Store(StoreError::Corrupt(
                    "the database stayed busy for ten seconds; try again".into(),
                )))
            }
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// The lock a serving hub holds on its data directory (see the module's documentation).
#[derive(Debug)]
pub struct ServingLock {
    // Held for its lock; closing it releases the lock.
    _file: File,
}

impl ServingLock {
    /// Takes the lock on `dir`, or says who holds it.
    pub fn take(dir: &Path) -> Result<ServingLock, BackupError> {
        let path = dir.join(LOCK_FILE);
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&path).map_err(io(&path))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = match holder.trim().parse::<u32>() {
                    Ok(pid) => format!("process {pid}"),
                    Err(_) => "a process that did not say its id".to_owned(),
                };
                return Err(BackupError::HubServing {
                    dir: dir.to_owned(),
                    holder,
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(&path)(e)),
        }
        let said = file
            .set_len(0)
            .and_then(|()| writeln!(file, "{}", std::process::id()));
        if let Err(e) = said {
            tracing::warn!(error = %e, "cannot write the process id into {}", path.display());
        }
        Ok(ServingLock { _file: file })
    }
}

/// Replaces the database in `dir` with the backup at `backup`, which is checked first. Refused
/// while a hub serves `dir`. The backup file itself is only read.
pub fn restore(dir: &Path, backup: &Path) -> Result<RestoreReport, BackupError> {
    super::prepare_dir(dir)?;
    // Held to the end: no hub starts on a half-restored directory.
    let _lock = ServingLock::take(dir)?;
    let live = dir.join(DB_FILE);
    let incoming = sibling(&live, ".restoring");
    remove_if_there(&incoming)?;
    create_private_file(&incoming)?;
    let checked = (|| {
        let mut from = File::open(backup).map_err(io(backup))?;
        let mut to = std::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(&incoming)
            .map_err(io(&incoming))?;
        std::io::copy(&mut from, &mut to).map_err(io(&incoming))?;
        to.sync_all().map_err(io(&incoming))?;
        drop(to);
        check_backup(&incoming, backup)
    })();
    let (schema_version, stamp) = match checked {
        Ok(v) => v,
        Err(e) => {
            let _ = std::fs::remove_file(&incoming);
            return Err(e);
        }
    };
    let kept_aside = set_aside(&live, &stamp)?;
    std::fs::rename(&incoming, &live).map_err(io(&live))?;
    sync_dir_of(&live)?;
    // Opening it migrates it to this build's schema and gives it its new instance id.
    let store = Store::open(dir)?;
    let instance = store.instance_id()?;
    Ok(RestoreReport {
        path: live,
        schema_version,
        kept_aside,
        instance,
    })
}

/// Checks the copy of a backup at `copy` (named `original` in messages) and readies it to be
/// served: its instance id is removed, so that the next open makes a new one. Returns its schema
/// version and the current UTC time as `YYYYmmddTHHMMSSZ`.
fn check_backup(copy: &Path, original: &Path) -> Result<(i64, String), BackupError> {
    let not_ringside = |why: &str| BackupError::NotRingside {
        path: original.to_owned(),
        why: why.to_owned(),
    };
    let conn = Connection::open(copy)?;
    let integrity: Result<Vec<String>, rusqlite::Error> = conn
        .prepare("PRAGMA integrity_check(5)")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect());
    let problems = match integrity {
        Ok(rows) => rows,
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::NotADatabase =>
        {
            return Err(not_ringside("it is not a SQLite database"))
        }
        Err(rusqlite::Error::SqliteFailure(e, detail))
            if e.code == rusqlite::ErrorCode::DatabaseCorrupt =>
        {
            vec![detail.unwrap_or_else(|| e.to_string())]
        }
        Err(e) => return Err(e.into()),
    };
    if problems != ["ok"] {
        return Err(BackupError::Damaged {
            path: original.to_owned(),
            problems: problems.join("; "),
        });
    }
    let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let tables: i64 = conn.query_row(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('meta', 'inbox', 'outbox')",
        [],
        |r| r.get(0),
    )?;
    if found < 1 || tables < 3 {
        return Err(not_ringside(
            "it is a SQLite database without Ringside's tables",
        ));
    }
    let supported = Store::schema_version();
    if found > supported {
        return Err(BackupError::TooNew {
            path: original.to_owned(),
            found,
            supported,
        });
    }
    conn.execute(
        "DELETE FROM meta WHERE key = ?1",
        [super::instance::INSTANCE_KEY],
    )?;
    let stamp: String =
        conn.query_row("SELECT strftime('%Y%m%dT%H%M%SZ', 'now')", [], |r| r.get(0))?;
    Ok((found, stamp))
}

/// Moves the database at `live` aside as `<live>.before-restore-<stamp>`, with its write-ahead
/// log folded in when SQLite can, else renamed along with it; its shared-memory file goes.
fn set_aside(live: &Path, stamp: &str) -> Result<Option<PathBuf>, BackupError> {
    if !live.exists() {
        return Ok(None);
    }
    match Connection::open(live).and_then(|c| {
        c.busy_timeout(Duration::from_secs(2))?;
        c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
            r.get::<_, i64>(0)
        })
    }) {
        Ok(0) => {}
        Ok(_) | Err(_) => tracing::warn!(
            "the replaced database's log could not be folded in; it is kept beside it"
        ),
    }
    let aside = sibling(live, &format!(".before-restore-{stamp}"));
    std::fs::rename(live, &aside).map_err(io(&aside))?;
    let log = sibling(live, "-wal");
    if std::fs::metadata(&log).is_ok_and(|m| m.len() > 0) {
        let kept = sibling(&aside, "-wal");
        std::fs::rename(&log, &kept).map_err(io(&kept))?;
    }
    remove_if_there(&log)?;
    remove_if_there(&sibling(live, "-shm"))?;
    Ok(Some(aside))
}

/// `path` with `suffix` appended to its file name.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn remove_if_there(path: &Path) -> Result<(), BackupError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(path)(e)),
        _ => Ok(()),
    }
}

/// Syncs the directory holding `path`, so that a rename into it survives a power cut.
fn sync_dir_of(path: &Path) -> Result<(), BackupError> {
    #[cfg(unix)]
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io(dir))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::CachedSql;

    fn store_with_rows(dir: &Path, n: usize) -> Store {
        let store = Store::open(dir).unwrap();
        for i in 0..n {
            store.set_meta(&format!("k{i}"), "v").unwrap();
        }
        store
    }

    #[test]
    fn a_backup_taken_while_another_connection_writes_finishes_and_restores() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_rows(&dir.path().join("live"), 200);
        let before = store.instance_id().unwrap();
        // A writer that never pauses: a stepped backup would start over at each commit.
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let writer = {
            let (store, stop) = (store.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut i = 0;
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    store.set_meta(&format!("w{i}"), "v").unwrap();
                    i += 1;
                }
                i
            })
        };
        let file = dir.path().join("backup.db");
        let report = store.backup_to(&file, false).unwrap();
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        assert!(writer.join().unwrap() > 0);
        assert_eq!(report.schema_version, Store::schema_version());
        assert!(report.bytes > 0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "mode {mode:o}");
        }
        // An existing file is refused unless asked.
        assert!(matches!(
            store.backup_to(&file, false),
            Err(BackupError::Exists(_))
        ));
        store.backup_to(&file, true).unwrap();

        let target = dir.path().join("restored");
        let report = restore(&target, &file).unwrap();
        assert_eq!(report.kept_aside, None);
        assert_ne!(
            report.instance, before,
            "a restored database is another hub"
        );
        let restored = Store::open(&target).unwrap();
        assert_eq!(restored.meta("k199").unwrap().as_deref(), Some("v"));
        assert_eq!(restored.instance_id().unwrap(), report.instance);
    }

    #[test]
    fn a_restore_keeps_the_replaced_database_aside_and_refuses_while_a_hub_serves() {
        let dir = tempfile::tempdir().unwrap();
        let source = store_with_rows(&dir.path().join("a"), 3);
        let file = dir.path().join("a.db");
        source.backup_to(&file, false).unwrap();
        let target = dir.path().join("b");
        let live = store_with_rows(&target, 0);
        live.set_meta("only_in_b", "yes").unwrap();
        let lock = live.serving_lock().unwrap();
        let refused = restore(&target, &file).unwrap_err();
        assert!(
            matches!(refused, BackupError::HubServing { .. }),
            "{refused}"
        );
        assert!(refused
            .to_string()
            .contains(&std::process::id().to_string()));
        drop(lock);
        drop(live);
        let report = restore(&target, &file).unwrap();
        let aside = report.kept_aside.unwrap();
        let old = Connection::open(&aside).unwrap();
        let kept: String = old
            .row("SELECT value FROM meta WHERE key = 'only_in_b'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(kept, "yes");
        assert!(!sibling(&target.join(DB_FILE), "-shm").exists());
        assert_eq!(
            Store::open(&target).unwrap().meta("only_in_b").unwrap(),
            None
        );
    }

    #[test]
    fn a_newer_damaged_or_foreign_backup_is_refused_and_nothing_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let source = store_with_rows(&dir.path().join("a"), 300);
        let target = dir.path().join("b");
        store_with_rows(&target, 0).set_meta("mine", "1").unwrap();

        let newer = dir.path().join("newer.db");
        source.backup_to(&newer, false).unwrap();
        Connection::open(&newer)
            .unwrap()
            .pragma_update(None, "user_version", Store::schema_version() + 1)
            .unwrap();
        let e = restore(&target, &newer).unwrap_err();
        assert!(matches!(e, BackupError::TooNew { .. }), "{e}");

        let damaged = dir.path().join("damaged.db");
        source.backup_to(&damaged, false).unwrap();
        let mut bytes = std::fs::read(&damaged).unwrap();
        // Past the header and the first pages: the tables' pages turn to noise.
        let len = bytes.len();
        for b in &mut bytes[len / 2..len / 2 + 8192] {
            *b = 0x5a;
        }
        std::fs::write(&damaged, bytes).unwrap();
        let e = restore(&target, &damaged).unwrap_err();
        assert!(matches!(e, BackupError::Damaged { .. }), "{e}");

        let text = dir.path().join("notes.txt");
        std::fs::write(&text, "not a database at all, just words".repeat(200)).unwrap();
        let e = restore(&target, &text).unwrap_err();
        assert!(matches!(e, BackupError::NotRingside { .. }), "{e}");

        let other = dir.path().join("other.db");
        Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE t (x); PRAGMA user_version = 3;")
            .unwrap();
        let e = restore(&target, &other).unwrap_err();
        assert!(matches!(e, BackupError::NotRingside { .. }), "{e}");

        assert_eq!(
            Store::open(&target)
                .unwrap()
                .meta("mine")
                .unwrap()
                .as_deref(),
            Some("1")
        );
        let leftovers: Vec<_> = std::fs::read_dir(&target)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("restoring") || n.contains("before-restore"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
}
