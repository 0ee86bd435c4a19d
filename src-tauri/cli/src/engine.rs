//! Building the engine's parts from the configuration, with errors worded for the admin.

use std::path::PathBuf;
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
pub fn store(config: &Config) -> Result<Store, UsageError> {
    Store::open(&config.data_dir).map_err(|e| UsageError(e.to_string()))
}

/// A card builder over the configured services and database.
pub fn card_builder(config: &Config) -> Result<CardBuilder, UsageError> {
    Ok(CardBuilder::new(
        intercom(config)?,
        aircall(config)?,
        store(config)?,
    ))
}
