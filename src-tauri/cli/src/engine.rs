//! Building the engine's parts from the configuration, with errors worded for the admin.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ringside_core::aircall::AircallClient;
use ringside_core::card::CardBuilder;
use ringside_core::config::{env, Config, ConfigError, Request};
use ringside_core::intercom::IntercomClient;
use ringside_core::store::Store;

use crate::UsageError;

/// The global `--config FILE`, set once by `main` before any command runs.
static CONFIG_FILE: OnceLock<Option<PathBuf>> = OnceLock::new();

/// Records the global `--config FILE` (or `RINGSIDE_CONFIG`, which clap reads into it).
pub fn set_config_file(file: Option<PathBuf>) {
    let _ = CONFIG_FILE.set(file);
}

/// The request for the configuration: the file named on the command line, and `flags`
/// (`(hub.toml key, value)`), which override the file and the environment.
pub fn request(flags: Vec<(&'static str, String)>) -> Request {
    Request {
        file: CONFIG_FILE.get().cloned().flatten(),
        flags,
    }
}

/// The configuration from the file and the environment.
pub fn config() -> Result<Config, UsageError> {
    config_with(Vec::new())
}

/// The configuration from the file, the environment and a command's flags.
pub fn config_with(flags: Vec<(&'static str, String)>) -> Result<Config, UsageError> {
    Config::load(&request(flags), |key| std::env::var(key).ok()).map_err(|e| match e {
        // Already says "configuration file …".
        ConfigError::File { .. } => UsageError(e.to_string()),
        ConfigError::Invalid { .. } => UsageError(format!("configuration: {e}")),
    })
}

/// The Intercom client; Intercom is required.
pub fn intercom(config: &Config) -> Result<IntercomClient, UsageError> {
    let Some(c) = &config.intercom else {
        return Err(UsageError(format!(
            "Intercom is not configured: set intercom_token in hub.toml or {} (and \
             intercom_region / {} if your workspace is in the EU or Australia)",
            env::INTERCOM_TOKEN,
            env::INTERCOM_REGION
        )));
    };
    Ok(IntercomClient::new(c.clone())?)
}

/// The Aircall client, when configured.
pub fn aircall(config: &Config) -> Result<Option<AircallClient>, UsageError> {
    match &config.aircall {
        Some(c) => Ok(Some(AircallClient::new(c.clone())?)),
        None => Ok(None),
    }
}

/// The local database in the configured data directory.
///
/// An admin often runs the CLI as root on a directory the hub's own user owns
/// (`/var/lib/ringside`, the package's `ringside`): files the command creates there are then
/// handed to that user, so the hub can still open them.
pub fn store(config: &Config) -> Result<Store, UsageError> {
    let store = Store::open(&config.data_dir).map_err(|e| UsageError(e.to_string()))?;
    adopt(&config.data_dir)?;
    Ok(store)
}

/// When this process runs as root and `dir` belongs to another user, gives that user (and the
/// directory's group) the files in `dir` that root owns. Elsewhere it does nothing.
pub fn adopt(dir: &Path) -> Result<(), UsageError> {
    use std::os::unix::fs::MetadataExt;
    // `/proc/self` belongs to the process's effective user.
    let root = std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
    let Ok(owner) = std::fs::metadata(dir) else {
        return Ok(());
    };
    if !root || owner.uid() == 0 {
        return Ok(());
    }
    let entries = std::fs::read_dir(dir)
        .map_err(|e| UsageError(format!("cannot list {}: {e}", dir.display())))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.metadata().is_ok_and(|m| m.uid() == 0) {
            std::os::unix::fs::chown(&path, Some(owner.uid()), Some(owner.gid())).map_err(|e| {
                UsageError(format!(
                    "cannot give {} to the hub's user (uid {}): {e}",
                    path.display(),
                    owner.uid()
                ))
            })?;
        }
    }
    Ok(())
}

/// A card builder over the configured services and database.
pub fn card_builder(config: &Config) -> Result<CardBuilder, UsageError> {
    Ok(CardBuilder::new(
        intercom(config)?,
        aircall(config)?,
        store(config)?,
    ))
}
