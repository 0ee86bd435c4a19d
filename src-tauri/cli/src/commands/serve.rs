//! `ringside-cli serve`: the hub. Listens on the `listen` setting (default `127.0.0.1:8790`)
//! for Aircall's webhooks and the agents, until Ctrl-C or SIGTERM. Every setting comes from the
//! configuration (hub.toml, then the environment); the flags below override both for one run.
//! A configuration with a mistake stops it before it starts. Plain HTTP on an address other
//! than loopback gets a loud warning: agents' tokens and callers' data would cross the network
//! in clear.

use std::net::SocketAddr;
use std::path::PathBuf;

use ringside_core::card::system_clock;
use ringside_core::hub::{Hub, HubConfig, HubLimits, SyncSchedule, TlsFiles};
use ringside_core::sync::SyncOptions;

use crate::{engine, logging, Outcome, UsageError};

/// Arguments of `serve`: each overrides its hub.toml key and environment variable.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on (hub.toml `listen`, RINGSIDE_LISTEN; default 127.0.0.1:8790).
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Serve HTTPS with this certificate chain (PEM); needs a key too (`tls_cert`).
    #[arg(long)]
    tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM) (`tls_key`).
    #[arg(long)]
    tls_key: Option<PathBuf>,
    /// Days finished webhooks, events and effects are kept, 1 to 3650 (`retention_days`,
    /// default 30).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=3650))]
    retention_days: Option<u32>,
    /// Cards an agent may look up by number a minute (admins: any number; agents: their own
    /// calls' callers only), 1 to 10000 (`card_lookups_per_minute`, default 30).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    card_lookups_per_minute: Option<u32>,
    /// Serve GET /metrics without a token on this address of its own, e.g. 127.0.0.1:9790
    /// (`metrics_listen`); without it, /metrics answers admin tokens on the main address.
    #[arg(long)]
    metrics_listen: Option<SocketAddr>,
}

impl Args {
    /// The flags given, as the configuration's `(key, value)` overrides.
    fn overrides(&self) -> Vec<(&'static str, String)> {
        let path = |p: &PathBuf| p.display().to_string();
        [
            ("listen", self.listen.map(|a| a.to_string())),
            ("tls_cert", self.tls_cert.as_ref().map(path)),
            ("tls_key", self.tls_key.as_ref().map(path)),
            ("retention_days", self.retention_days.map(|d| d.to_string())),
            (
                "card_lookups_per_minute",
                self.card_lookups_per_minute.map(|n| n.to_string()),
            ),
            ("metrics_listen", self.metrics_listen.map(|a| a.to_string())),
        ]
        .into_iter()
        .filter_map(|(key, value)| value.map(|v| (key, v)))
        .collect()
    }
}

/// The warning printed when the hub would serve plain HTTP beyond this machine.
fn plain_http_warning(listen: SocketAddr, tls: bool) -> Option<String> {
    (!tls && !listen.ip().is_loopback()).then(|| {
        format!(
            "WARNING: serving plain HTTP on {listen}, which is not loopback: agents' tokens, \
             callers' numbers and notes cross the network unencrypted. Serve HTTPS \
             (tls_cert and tls_key in hub.toml) or put a TLS proxy in front and listen \
             on 127.0.0.1."
        )
    })
}

/// Runs the command.
pub async fn run(args: Args) -> Result<Outcome, UsageError> {
    let config = engine::config_with(args.overrides())?;
    logging::check_filter(&config)?;
    let store = engine::store(&config)?;
    let webhook_token = config.hub.webhook_token.clone();
    if webhook_token.is_none()
        && store
            .meta(ringside_core::hub::webhooks::TOKEN_HASH_KEY)?
            .is_none()
    {
        eprintln!("warning: no webhook token: run `ringside-cli setup-webhook --url https://…` or set webhook_token in hub.toml; until then every webhook is refused");
    }
    let aircall = engine::aircall(&config)?;
    if aircall.is_none() {
        eprintln!("warning: Aircall is not configured: cards show no availability and no insight card is pushed");
    }
    let hub_config = HubConfig {
        store,
        intercom: engine::intercom(&config)?,
        aircall,
        webhook_token,
        settings: config.settings.clone(),
        default_region: config.default_region,
        clock: system_clock(),
        tls: config.hub.tls.clone().map(|tls| TlsFiles {
            cert: tls.cert,
            key: tls.key,
        }),
        sync: config.sync.enabled.then(|| SyncSchedule {
            options: SyncOptions::from_config(&config),
            interval: config.sync.interval,
        }),
        intercom_client_secret: config.intercom_client_secret.clone(),
        signin: ringside_core::signin::SignInConfig::from_config(&config).map_err(UsageError)?,
        console: ringside_core::hub::ConsoleConfig {
            report: config.report().to_vec(),
            settings: config.console.clone(),
        },
    };
    let scheme = if hub_config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    if let Some(warning) = plain_http_warning(config.hub.listen, hub_config.tls.is_some()) {
        eprintln!("{warning}");
        tracing::warn!("{warning}");
    }
    let limits = HubLimits {
        card_lookups_per_minute: config.hub.card_lookups_per_minute,
        ..HubLimits::with_retention_days(config.hub.retention_days).map_err(UsageError)?
    };
    let listen = config.hub.listen;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| UsageError(format!("cannot listen on {listen}: {e}")))?;
    let metrics_listener = match config.hub.metrics_listen {
        Some(addr) => Some(
            tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| UsageError(format!("cannot listen on {addr} for metrics: {e}")))?,
        ),
        None => None,
    };
    let hub = Hub::start_with(hub_config, limits, listener)
        .await
        .map_err(|e| UsageError(e.to_string()))?;
    println!("Ringside hub listening on {scheme}://{}", hub.local_addr());
    println!("  webhooks: POST /webhooks/aircall, POST /webhooks/intercom · agents: /api/v1 · health: GET /healthz");
    if let Some(metrics_listener) = metrics_listener {
        let addr = hub
            .serve_metrics(metrics_listener)
            .map_err(|e| UsageError(format!("cannot serve metrics: {e}")))?;
        println!("  metrics: GET http://{addr}/metrics");
    }
    super::sandbox::shutdown_signal().await;
    hub.shutdown().await;
    Ok(Outcome::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_warned_about_off_loopback_only() {
        let public: SocketAddr = "0.0.0.0:8790".parse().unwrap();
        let lan: SocketAddr = "192.168.1.10:8790".parse().unwrap();
        let local: SocketAddr = "127.0.0.1:8790".parse().unwrap();
        let local6: SocketAddr = "[::1]:8790".parse().unwrap();
        assert!(plain_http_warning(public, false).is_some_and(|w| w.contains("WARNING")));
        assert!(plain_http_warning(lan, false).is_some());
        assert!(plain_http_warning(public, true).is_none());
        assert!(plain_http_warning(local, false).is_none());
        assert!(plain_http_warning(local6, false).is_none());
    }
}
