//! Building the engine's parts from the configuration, with errors worded for the admin.

use ringside_core::aircall::AircallClient;
use ringside_core::card::CardBuilder;
use ringside_core::config::{env, Config};
use ringside_core::intercom::IntercomClient;
use ringside_core::store::Store;

use crate::UsageError;

/// The configuration from the environment (and the file it names).
pub fn config() -> Result<Config, UsageError> {
    Config::from_env().map_err(|e| UsageError(format!("configuration: {e}")))
}

/// The Intercom client; Intercom is required.
pub fn intercom(config: &Config) -> Result<IntercomClient, UsageError> {
    let Some(c) = &config.intercom else {
        return Err(UsageError(format!(
            "Intercom is not configured: set {} (and {} if your workspace is in the EU or Australia)",
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
