//! `ringside-cli backup FILE` and `ringside-cli restore FILE`.

use crate::{Outcome, UsageError};

/// Arguments of `backup`.
#[derive(Debug, clap::Args)]
pub struct BackupArgs {}

/// Arguments of `restore`.
#[derive(Debug, clap::Args)]
pub struct RestoreArgs {}

/// Runs `backup`.
pub async fn backup(_args: BackupArgs) -> Result<Outcome, UsageError> {
    Err(UsageError("`backup` is not built yet".into()))
}

/// Runs `restore`.
pub async fn restore(_args: RestoreArgs) -> Result<Outcome, UsageError> {
    Err(UsageError("`restore` is not built yet".into()))
}
