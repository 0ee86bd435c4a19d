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
            print!("{}", console_changes(&config));
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

/// The settings an admin changed in the console, which the hub obeys over the values above,
/// read from the database without opening it for writing; a database that cannot be read
/// is said so, and is no mistake of the configuration.
fn console_changes(config: &Config) -> String {
    match ringside_core::store::Store::peek_overrides(&config.data_dir) {
        Ok(changes) if changes.is_empty() => String::new(),
        Ok(changes) => {
            let mut out = String::from(
                "\nChanged in the admin console (the hub obeys these over the values above; \
                 its Settings page resets them):\n",
            );
            for change in changes {
                let source = ringside_core::config::Source::Console {
                    by: change.set_by,
                    at: change.set_at,
                };
                out.push_str(&format!(
                    "  {}  {}  ({})\n",
                    printable(&change.key),
                    printable(&change.value),
                    printable(&source.to_string()),
                ));
            }
            out
        }
        Err(e) => format!(
            "\nThe settings changed in the admin console could not be read from {}: {e}\n",
            config.data_dir.display()
        ),
    }
}
