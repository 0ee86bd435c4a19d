//! `ringside-cli`: the headless Ringside binary.
//!
//! Each subcommand lives in its own module under `commands/`; this file only parses the command
//! line, reads the configuration file's log settings and starts logging, and maps outcomes to
//! exit codes (0 success, 1 the work failed, 2 the
//! command was wrong or Ringside is not configured).

mod commands;
mod engine;
mod logging;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Ringside: Aircall ↔ Intercom, headless.
#[derive(Debug, Parser)]
#[command(name = "ringside-cli", version, about, long_about = None)]
struct Cli {
    /// The configuration file, hub.toml (default: /etc/ringside/hub.toml when it exists, else
    /// the legacy ringside.json in the data directory).
    #[arg(
        long = "config",
        global = true,
        env = "RINGSIDE_CONFIG",
        value_name = "FILE"
    )]
    config_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the E.164 form of phone numbers.
    Normalize(commands::normalize::Args),
    /// Print the insight card for a phone number, as JSON.
    Card(commands::card::Args),
    /// Check the Aircall and Intercom credentials and the local database.
    Doctor(commands::doctor::Args),
    /// Run the fake Aircall and Intercom servers until interrupted.
    Sandbox(commands::sandbox::Args),
    /// Start the sandbox and show the cards of its demo callers.
    Demo(commands::demo::Args),
    /// Run the hub: receive Aircall's webhooks, log into Intercom, serve the agents.
    Serve(commands::serve::Args),
    /// Manage the agents' tokens for the hub's API.
    Agents(commands::agents::Args),
    /// Register the hub's webhook with Aircall.
    SetupWebhook(commands::setup_webhook::Args),
    /// Sync Intercom users and leads with a phone into the local index and Aircall contacts.
    SyncContacts(commands::sync_contacts::Args),
    /// Check the hub's configuration: every setting with its source, secrets masked.
    Config(commands::config::Args),
    /// Copy the hub's database to FILE while the hub serves (SQLite's online backup).
    Backup(commands::backup::BackupArgs),
    /// Replace the hub's database with a backup (the hub must be stopped).
    Restore(commands::backup::RestoreArgs),
}

/// How a command ended.
#[derive(Debug)]
pub enum Outcome {
    /// Everything worked.
    Success,
    /// The work itself failed (a number did not parse, an API refused).
    Failed,
}

/// A command that could not run: wrong arguments or configuration. Exit status 2.
#[derive(Debug)]
pub struct UsageError(pub String);

impl<E: std::fmt::Display> From<E> for UsageError {
    fn from(e: E) -> Self {
        UsageError(e.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    engine::set_config_file(cli.config_file.clone());
    logging::init(&ringside_core::config::Config::log_settings(
        &engine::request(Vec::new()),
        |key| std::env::var(key).ok(),
    ));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Normalize(args) => commands::normalize::run(args),
            Command::Card(args) => commands::card::run(args).await,
            Command::Doctor(args) => commands::doctor::run(args).await,
            Command::Sandbox(args) => commands::sandbox::run(args).await,
            Command::Demo(args) => commands::demo::run(args).await,
            Command::Serve(args) => commands::serve::run(args).await,
            Command::Agents(args) => commands::agents::run(args).await,
            Command::SetupWebhook(args) => commands::setup_webhook::run(args).await,
            Command::SyncContacts(args) => commands::sync_contacts::run(args).await,
            Command::Config(args) => commands::config::run(args),
            Command::Backup(args) => commands::backup::backup(args).await,
            Command::Restore(args) => commands::backup::restore(args).await,
        }
    });
    match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::Failed) => ExitCode::from(1),
        Err(UsageError(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}
