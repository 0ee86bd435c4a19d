//! One app per agent. Starting `ringside` while it runs on the same data directory brings the
//! running app's main window to the front and exits: a second app would show every notification
//! twice and share the keyring entry and the journal. The running app holds a name on the
//! session bus (`tauri-plugin-single-instance`) made from its data directory, so apps on
//! different data directories (another user, a test) run side by side; demo mode, on a
//! throw-away directory of its own, does not take part.
//!
//! Before anything is read or migrated in the data directory, the app takes its lock
//! ([`lock_data_dir`], an exclusive `flock` on `ringside.lock` there, released when the process
//! ends, however it ends): a second app finds it taken and only hands over to the first, without
//! opening the journal the first one is using.

use std::path::Path;

use sha2::{Digest, Sha256};
use tauri::plugin::TauriPlugin;
use tauri::Runtime;

use crate::windows::{self, WindowLabel};

/// The data directory's lock, held for as long as the app runs.
#[derive(Debug)]
pub struct DataDirLock {
    _file: std::fs::File,
}

/// The lock file's name in the data directory.
pub const LOCK_FILE: &str = "ringside.lock";

/// Takes the data directory's lock (creating the directory, private to its owner, when
/// missing): `None` when another app holds it.
pub fn lock_data_dir(data_dir: &Path) -> std::io::Result<Option<DataDirLock>> {
    ringside_core::store::prepare_dir(data_dir).map_err(std::io::Error::other)?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(data_dir.join(LOCK_FILE))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(DataDirLock { _file: file })),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}

/// The bus name's stem: the app's identifier.
const IDENTIFIER: &str = "io.ringside.desktop";

/// The name the app holds on the session bus for `data_dir` (the plugin appends
/// `.SingleInstance`): the identifier and the first 16 hex digits of a SHA-256 of the
/// directory's canonical path.
pub fn bus_id(data_dir: &Path) -> String {
    let canonical = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_owned());
    let digest = Sha256::digest(canonical.as_os_str().as_encoded_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    // A bus name's element may not start with a digit.
    format!("{IDENTIFIER}.d{hex}")
}

/// The plugin: the first app on `data_dir` keeps running; a later one shows the first one's
/// main window and exits with status 0 before it builds a tray or a window.
pub fn plugin<R: Runtime>(data_dir: &Path) -> TauriPlugin<R> {
    tauri_plugin_single_instance::Builder::new()
        .dbus_id(bus_id(data_dir))
        .callback(|app, _args, _cwd| {
            if let Err(e) = windows::show(app, WindowLabel::Main, None) {
                tracing::warn!(error = %e, "cannot show the main window");
            }
        })
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_directory_is_locked_by_one_app_at_a_time() {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join("desktop");
        let first = lock_data_dir(&dir).unwrap();
        assert!(first.is_some(), "the first app takes the lock");
        assert!(
            lock_data_dir(&dir).unwrap().is_none(),
            "a second app finds it taken"
        );
        // Nothing else was made there: the journal is the running app's to open.
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [LOCK_FILE]);
        drop(first);
        assert!(
            lock_data_dir(&dir).unwrap().is_some(),
            "free once the first app ends"
        );
    }

    #[test]
    fn one_data_directory_is_one_bus_name_and_two_are_two() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let id = bus_id(a.path());
        assert_eq!(
            id,
            bus_id(&a.path().join(".")),
            "the same directory, written two ways"
        );
        assert_ne!(id, bus_id(b.path()));
        // A valid bus name: dot-separated elements of [A-Za-z0-9_-], none starting with a digit.
        assert!(id.starts_with("io.ringside.desktop.d"));
        for element in id.split('.') {
            assert!(!element.is_empty() && !element.starts_with(|c: char| c.is_ascii_digit()));
            assert!(element
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'));
        }
    }
}
