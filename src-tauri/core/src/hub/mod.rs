//! The hub: the engine ([`crate::engine`]) behind an HTTP server. It receives Aircall's webhooks
//! and Intercom's notifications, and serves the agents' API and event stream.
//!
//! This module is the HTTP surface only: it authenticates and validates requests, turns them
//! into the engine's calls and their answers (and [`crate::engine::EngineError`]s) back into
//! HTTP. [`Hub::start`] takes a bound listener, starts the engine and returns a handle that owns
//! both: [`Hub::shutdown`] stops the server and the engine; dropping the handle does too.
//! [`Hub::start_with`] sets the limits ([`HubLimits`]) the server holds its clients to.

mod api;
mod callbacks;
mod console;
mod dial;
mod failure;
mod health;
mod idempotency;
mod integration;
mod intercom;
mod lookups;
mod metrics;
mod openapi;
mod presence;
mod server;
mod signin;
mod sse;
pub mod webhooks;
mod wrapup;

/// The history's wire types, where they used to live.
pub use crate::domain::history;
pub use crate::engine::SyncSchedule;
pub use console::route_list as console_routes;
pub use server::{HubLimits, RETENTION_DAYS};
pub use sse::OpenStreams;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use utoipa_axum::router::OpenApiRouter;

use crate::aircall::AircallClient;
use crate::card::Clock;
use crate::engine::{Engine, EngineConfig, Retention};
use crate::intercom::IntercomClient;
use crate::phone::Region;
use crate::rules::Settings;
use crate::secret::Secret;
use crate::store::Store;

/// Everything a hub runs with.
#[derive(Clone)]
pub struct HubConfig {
    /// The database.
    pub store: Store,
    /// Intercom.
    pub intercom: IntercomClient,
    /// Aircall (needed for cards' availability and insight cards).
    pub aircall: Option<AircallClient>,
    /// The token Aircall puts in webhook bodies. `None`: the hash stored by `setup-webhook`.
    pub webhook_token: Option<Secret>,
    /// Integration settings.
    pub settings: Settings,
    /// Region for national numbers when the Aircall line's country is unknown.
    pub default_region: Region,
    /// The clock (UNIX seconds).
    pub clock: Clock,
    /// Serve HTTPS with this certificate and key (PEM files) instead of plain HTTP.
    pub tls: Option<TlsFiles>,
    /// Run contact sync on this schedule (needs Aircall). `None`: no sync in this hub.
    pub sync: Option<SyncSchedule>,
    /// The Intercom app's client secret, which signs its webhook notifications. `None`:
    /// `POST /webhooks/intercom` is off.
    pub intercom_client_secret: Option<Secret>,
    /// Agents sign in with Intercom (`/signin`). `None`: those routes answer 404 in words;
    /// invitations (`POST /api/v1/join`) work either way.
    pub signin: Option<crate::signin::SignInConfig>,
    /// What the admin console shows beyond the engine, and its own settings.
    pub console: ConsoleConfig,
}

/// What the admin console (`/admin`) shows and obeys beyond the engine.
#[derive(Debug, Clone, Default)]
pub struct ConsoleConfig {
    /// The configuration as the hub loaded it, each value with its source, secrets masked
    /// (the Settings page). Empty for a hub started without a configuration file or
    /// environment (the desktop's in-app hub, tests).
    pub report: Vec<crate::config::ReportEntry>,
    /// The console's sessions, the quiet-hub warning and the team's hours.
    pub settings: crate::config::ConsoleSettings,
}

/// A certificate chain and its private key, as PEM files.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// The certificate chain.
    pub cert: std::path::PathBuf,
    /// The private key.
    pub key: std::path::PathBuf,
}

impl std::fmt::Debug for HubConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubConfig")
            .field("settings", &self.settings)
            .field("default_region", &self.default_region)
            .finish_non_exhaustive()
    }
}

/// What the HTTP handlers share: the engine, and what only HTTP needs.
#[derive(Clone)]
pub(crate) struct AppState {
    pub engine: Arc<Engine>,
    /// The token Aircall puts in webhook bodies. `None`: the hash stored by `setup-webhook`.
    pub webhook_token: Option<Secret>,
    /// The secret that signs Intercom's notifications, when they are on.
    pub intercom_secret: Option<Secret>,
    /// Turns true when the hub stops.
    pub shutdown: watch::Receiver<bool>,
    pub limits: HubLimits,
    pub streams: sse::OpenStreams,
    /// Card look-ups by number, per agent.
    pub lookups: Arc<lookups::Lookups>,
    /// Sign-in with Intercom, when configured.
    pub signin: Option<Arc<crate::signin::SignIn>>,
    /// The sign-in routes' rate limits.
    pub signin_limits: Arc<signin::SignInLimits>,
    /// The admin console's configuration.
    pub console: Arc<ConsoleConfig>,
    /// When the hub started (UNIX seconds), for the Overview's uptime.
    pub started_at: i64,
}

impl AppState {
    pub fn now(&self) -> i64 {
        self.engine.now()
    }

    pub fn store(&self) -> &Store {
        self.engine.store()
    }
}

/// A running hub.
#[derive(Debug)]
pub struct Hub {
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    server: Option<JoinHandle<()>>,
    engine: Arc<Engine>,
    streams: sse::OpenStreams,
}

impl Hub {
    /// Starts the hub on a bound listener, with the default limits.
    pub async fn start(config: HubConfig, listener: TcpListener) -> std::io::Result<Hub> {
        Self::start_with(config, HubLimits::default(), listener).await
    }

    /// Starts the engine and the hub's server on a bound listener, holding its clients to
    /// `limits`.
    pub async fn start_with(
        config: HubConfig,
        limits: HubLimits,
        listener: TcpListener,
    ) -> std::io::Result<Hub> {
        let addr = listener.local_addr()?;
        let tls = match &config.tls {
            None => None,
            Some(files) => Some(
                axum_server::tls_rustls::RustlsConfig::from_pem_file(&files.cert, &files.key)
                    .await
                    .map_err(|e| {
                        std::io::Error::new(
                            e.kind(),
                            format!(
                                "TLS certificate {} or key {}: {e}",
                                files.cert.display(),
                                files.key.display()
                            ),
                        )
                    })?,
            ),
        };
        let sign_in = match config.signin {
            None => None,
            Some(settings) => Some(Arc::new(
                crate::signin::SignIn::new(
                    settings,
                    config.store.clone(),
                    config.intercom.clone(),
                    config.clock.clone(),
                )
                .map_err(|e| std::io::Error::other(e.to_string()))?,
            )),
        };
        let engine = Engine::start(EngineConfig {
            store: config.store,
            intercom: config.intercom,
            aircall: config.aircall,
            settings: config.settings,
            default_region: config.default_region,
            clock: config.clock,
            sync: config.sync,
            notifications: config.intercom_client_secret.is_some(),
            retention: Retention {
                keep: limits.retention,
                every: limits.prune_every,
            },
            business_hours: config.console.settings.business_hours.clone(),
        })
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))?;
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let streams = sse::OpenStreams::default();
        let state = AppState {
            engine: engine.clone(),
            webhook_token: config.webhook_token,
            intercom_secret: config.intercom_client_secret,
            shutdown: shutdown_rx.clone(),
            limits: limits.clone(),
            streams: streams.clone(),
            lookups: Arc::new(lookups::Lookups::new(limits.card_lookups_per_minute)),
            signin: sign_in,
            signin_limits: Arc::default(),
            console: Arc::new(config.console),
            started_at: engine.now(),
        };
        let app = router(state);
        let server = tokio::spawn(server::serve(listener, app, tls, limits, shutdown_rx));
        Ok(Hub {
            addr,
            shutdown: shutdown_tx,
            server: Some(server),
            engine,
            streams,
        })
    }

    /// The address the hub listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The engine the hub serves.
    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    /// The hub's database.
    pub fn store(&self) -> &Store {
        self.engine.store()
    }

    /// Serves `GET /metrics` without a token on a listener of its own (`--metrics-listen`:
    /// an address only Prometheus reaches), until the hub stops; returns its address.
    pub fn serve_metrics(&self, listener: TcpListener) -> std::io::Result<SocketAddr> {
        let addr = listener.local_addr()?;
        let app = metrics::open_router(self.engine.clone(), self.streams.clone());
        let mut stop = self.shutdown.subscribe();
        tokio::spawn(async move {
            let stopped = async move {
                // Ends when the hub stops, or when it is dropped.
                let _ = stop.wait_for(|s| *s).await;
            };
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(stopped)
                .await
            {
                tracing::error!(error = %e, "the metrics listener stopped");
            }
        });
        Ok(addr)
    }

    /// The agents' open event streams (an app that follows the hub holds one).
    pub fn streams(&self) -> sse::OpenStreams {
        self.streams.clone()
    }

    /// How many retention passes the hub has done since it started, as it changes.
    pub fn retention_passes(&self) -> watch::Receiver<u64> {
        self.engine.retention_passes()
    }

    /// The contact sync's progress, when the hub runs it.
    pub fn sync_progress(&self) -> Option<watch::Receiver<crate::sync::SyncProgress>> {
        self.engine.sync_progress()
    }

    /// Stops the server (open streams close; at most five seconds for the requests in flight)
    /// and the engine (at most [`crate::engine::STOP_WITHIN`]), then returns: within 20
    /// seconds, under a service manager's 30.
    pub async fn shutdown(mut self) {
        // The server first: it stops taking requests and lets those in flight finish (a
        // webhook's answer waits for its commit), then the engine stops.
        self.shutdown.send_replace(true);
        if let Some(server) = self.server.take() {
            let abort = server.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), server)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
        self.engine.shutdown().await;
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        self.shutdown.send_replace(true);
        if let Some(server) = &self.server {
            server.abort();
        }
        self.engine.abort();
    }
}

/// The hub's OpenAPI document: every route it serves, built from the same registration as its
/// router (`docs/openapi.json` is this document).
pub fn openapi() -> utoipa::openapi::OpenApi {
    openapi::document()
}

/// Every route, each registered once with its documentation (utoipa-axum's `routes!` on the
/// handler's `#[utoipa::path]`): those answered within the request timeout, and the event
/// stream, which stays open. [`router`] serves them; [`openapi()`] documents them.
fn routes() -> (OpenApiRouter<AppState>, OpenApiRouter<AppState>) {
    let answered = OpenApiRouter::new()
        .merge(webhooks::routes())
        .merge(intercom::routes())
        .merge(health::routes())
        .merge(metrics::routes())
        .merge(api::routes())
        .merge(dial::routes())
        .merge(integration::routes())
        .merge(signin::routes())
        .merge(presence::routes())
        .merge(wrapup::routes())
        .merge(callbacks::routes());
    (answered, sse::routes())
}

/// Every route, with the limits and the one error shape. The request timeout covers every
/// answer but the event stream's, which stays open.
fn router(state: AppState) -> Router {
    use axum::http::{HeaderName, HeaderValue, StatusCode};
    use tower_http::set_header::SetResponseHeaderLayer;
    use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};

    let instance = HeaderValue::from_str(state.engine.instance())
        .unwrap_or_else(|_| HeaderValue::from_static("unknown"));
    let limits = state.limits.clone();
    let (answered, streamed) = routes();
    Router::from(answered)
        .merge(console::router(state.clone()))
        .fallback(|| async {
            failure::Failure::new(StatusCode::NOT_FOUND, "not_found", "there is no such route")
        })
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout,
        ))
        .merge(Router::from(streamed))
        .layer(RequestBodyTimeoutLayer::new(limits.body_timeout))
        .layer(axum::middleware::map_response(failure::shape_errors))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::count_webhooks,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static(INSTANCE_HEADER),
            instance,
        ))
        .with_state(state)
}

/// The header naming the hub instance on every answer.
pub const INSTANCE_HEADER: &str = "x-ringside-instance";
