//! `ringside-cli config check`: the effective settings, each with its source.

use crate::{Outcome, UsageError};

/// Arguments of `config`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the command.
pub fn run(_args: Args) -> Result<Outcome, UsageError> {
    Err(UsageError("`config` is not built yet".into()))
}
