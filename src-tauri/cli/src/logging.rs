//! The hub's logs: to standard error, filtered by the `log` setting (`RINGSIDE_LOG`, default
//! warnings), as text or as one JSON object a line (`log_format`, `RINGSIDE_LOG_FORMAT`).

use ringside_core::config::{Config, LogFormat, LogSettings, Source};
use tracing_subscriber::EnvFilter;

use crate::UsageError;

/// Starts logging. A filter that does not parse falls back to warnings, with a word on
/// standard error; `config check` and `serve` refuse it (see [`check_filter`]).
pub fn init(settings: &LogSettings) {
    let filter = EnvFilter::try_new(&settings.filter).unwrap_or_else(|e| {
        eprintln!(
            "warning: the log filter `{}` does not parse ({e}); logging warnings",
            settings.filter
        );
        EnvFilter::new("warn")
    });
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match settings.format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().flatten_event(true).init(),
    }
}

/// Refuses a log filter that does not parse, naming where it was set.
pub fn check_filter(config: &Config) -> Result<(), UsageError> {
    let filter = &config.hub.log_filter;
    EnvFilter::try_new(filter).map(drop).map_err(|e| {
        let source = config
            .report()
            .iter()
            .find(|entry| entry.key == "log")
            .map(|entry| entry.source.clone())
            .unwrap_or(Source::Default);
        UsageError(format!(
            "configuration: `log` ({source}): `{filter}` is not a log filter ({e}); \
             e.g. `info` or `warn,ringside_core=debug`"
        ))
    })
}
