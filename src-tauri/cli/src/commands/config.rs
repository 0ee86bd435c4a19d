//! `ringside-cli config check`: the effective settings, each with its source, secrets masked;
//! a configuration with a mistake is refused (exit 2) in words naming the key and the line.

use ringside_core::config::{by_key, Config, Group, SETTINGS};

use super::printable;
use crate::{engine, logging, Outcome, UsageError};

/// Arguments of `config`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Print every setting's effective value and where it came from (file and line,
    /// environment variable, or default), secrets masked; refuse mistakes.
    Check,
}

/// Runs the command.
pub fn run(args: Args) -> Result<Outcome, UsageError> {
    match args.action {
        Action::Check => {
            let config = engine::config()?;
            logging::check_filter(&config)?;
            print!("{}", render(&config));
            Ok(Outcome::Success)
        }
    }
}

/// The report as text: the file read, then each group's settings in aligned columns.
fn render(config: &Config) -> String {
    let mut out = match &config.file {
        Some(path) => format!("Configuration file: {}\n", path.display()),
        None => "Configuration file: none (environment variables and defaults only)\n".into(),
    };
    let width = SETTINGS.iter().map(|s| s.key.len()).max().unwrap_or(0);
    let values: Vec<String> = config
        .report()
        .iter()
        .map(|e| printable(&e.value))
        .collect();
    let value_width = values
        .iter()
        .map(|v| v.chars().count())
        .max()
        .unwrap_or(0)
        .min(48);
    let mut group: Option<Group> = None;
    for (entry, value) in config.report().iter().zip(&values) {
        let this = by_key(entry.key).map(|s| s.group);
        if this != group {
            if let Some(g) = this {
                out.push_str(&format!("\n[{}]\n", g.title()));
            }
            group = this;
        }
        out.push_str(&format!(
            "  {:width$}  {:value_width$}  ({})\n",
            entry.key,
            value,
            printable(&entry.source.to_string()),
        ));
    }
    out.push_str("\nThe configuration is valid.\n");
    out
}
