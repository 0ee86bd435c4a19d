//! The hub's logs: to standard error, filtered by `RINGSIDE_LOG` (default: warnings).

/// Starts logging.
pub fn init() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("RINGSIDE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
