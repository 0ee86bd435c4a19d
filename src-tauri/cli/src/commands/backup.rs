//! `ringside-cli backup FILE` and `ringside-cli restore FILE`.
//!
//! A backup is taken while the hub serves, through SQLite's online backup; a restore needs the
//! hub stopped, checks the backup first and keeps the database it replaces. Both work on the
//! configured data directory.

use std::path::PathBuf;

use ringside_core::store::{self, BackupError};

use crate::{engine, Outcome, UsageError};

/// Arguments of `backup`.
#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// Where to write the backup (readable by its owner only).
    file: PathBuf,
    /// Replace FILE if it exists.
    #[arg(long)]
    force: bool,
}

/// Arguments of `restore`.
#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// The backup to restore (a file `ringside-cli backup` wrote).
    file: PathBuf,
}

/// Runs `backup`.
pub async fn backup(args: BackupArgs) -> Result<Outcome, UsageError> {
    let config = engine::config()?;
    let store = engine::store(&config)?;
    let (file, force) = (args.file, args.force);
    let report = store
        .run(move |s| Ok(s.backup_to(&file, force)))
        .await?
        .map_err(worded)?;
    println!(
        "Backed up {} to {}: {}, schema version {}, in {:.2} s.",
        config.data_dir.join(store::DB_FILE).display(),
        report.path.display(),
        size(report.bytes),
        report.schema_version,
        report.took.as_secs_f64()
    );
    Ok(Outcome::Success)
}

/// Runs `restore`.
pub async fn restore(args: RestoreArgs) -> Result<Outcome, UsageError> {
    let config = engine::config()?;
    let dir = config.data_dir.clone();
    let file = args.file;
    let into = dir.clone();
    let report = tokio::task::spawn_blocking(move || store::restore(&into, &file))
        .await?
        .map_err(worded)?;
    engine::adopt(&dir)?;
    println!(
        "Restored {} (schema version {}).",
        report.path.display(),
        report.schema_version
    );
    if let Some(aside) = &report.kept_aside {
        println!("The database it replaced is kept as {}.", aside.display());
    }
    println!(
        "New hub instance id {}: the desktop apps see another hub and read its events from the start.",
        report.instance
    );
    println!("Start the hub: webhooks delivered again (Aircall's retries) are logged once each.");
    Ok(Outcome::Success)
}

/// A refusal is the admin's to act on (exit status 2), as every error of these two commands.
fn worded(e: BackupError) -> UsageError {
    UsageError(e.to_string())
}

/// A size in bytes, in the unit that reads best.
fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GiB", b as f64 / f64::from(1u32 << 30)),
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / f64::from(1u32 << 20)),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{b} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_in_their_unit() {
        assert_eq!(size(512), "512 bytes");
        assert_eq!(size(2048), "2.0 KiB");
        assert_eq!(size(3 << 20), "3.0 MiB");
        assert_eq!(size(5 << 30), "5.0 GiB");
    }
}
