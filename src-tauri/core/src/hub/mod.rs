//! The hub: the engine behind an HTTP server. It receives Aircall's webhooks, logs calls and
//! messages into Intercom through the inbox, the rules and the outbox, and serves the agents'
//! API and event stream.
//!
//! This module is the HTTP surface only: it validates requests and drives the pipeline
//! ([`crate::pipeline`]) through its handle. [`Hub::start`] takes a bound listener and returns a
//! handle that owns every task: the HTTP server, the pipeline's and the pruning of what is past
//! retention. [`Hub::shutdown`] stops them all; dropping the handle does too.
//! [`Hub::start_with`] sets the limits ([`HubLimits`]) the server holds its clients to.

mod access;
mod api;
mod dial;
mod failure;
mod health;
pub mod history;
mod idempotency;
mod integration;
mod intercom;
mod retention;
mod server;
mod sse;
pub mod webhooks;

pub use server::{HubLimits, RETENTION_DAYS};
pub use sse::OpenStreams;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::aircall::AircallClient;
use crate::card::{CardBuilder, Clock};
use crate::intercom::IntercomClient;
use crate::phone::Region;
use crate::pipeline::{Pipeline, PipelineConfig, PipelineHandle};
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
}

/// Contact sync inside the hub: how, and how often.
#[derive(Debug, Clone)]
pub struct SyncSchedule {
    /// How each run goes.
    pub options: crate::sync::SyncOptions,
    /// Time between scheduled runs.
    pub interval: Duration,
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

/// What the HTTP handlers share.
#[derive(Clone)]
pub(crate) struct AppState {
    pub store: Store,
    pub intercom: IntercomClient,
    /// Aircall, for dialing (cards read it through the card builder).
    pub aircall: Option<AircallClient>,
    pub cards: CardBuilder,
    pub webhook_token: Option<Secret>,
    pub default_region: Region,
    pub clock: Clock,
    pub pipeline: PipelineHandle,
    pub shutdown: watch::Receiver<bool>,
    pub sync: Option<watch::Receiver<crate::sync::SyncProgress>>,
    pub sync_outcomes: Option<watch::Receiver<Option<crate::sync::RunOutcome>>>,
    pub sync_schedule: Option<SyncSchedule>,
    pub settings: Settings,
    pub limits: HubLimits,
    pub streams: sse::OpenStreams,
    /// Card look-ups by number, per agent.
    pub lookups: Arc<access::Lookups>,
    /// This hub's instance id (`X-Ringside-Instance`).
    pub instance: String,
    /// Intercom's contact notifications, when the client secret is set.
    pub intercom_webhooks: Option<intercom::IntercomWebhooks>,
}

impl AppState {
    pub fn now(&self) -> i64 {
        (self.clock)()
    }
}

/// A running hub.
#[derive(Debug)]
pub struct Hub {
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    store: Store,
    sync: Option<crate::sync::SyncHandle>,
    streams: sse::OpenStreams,
    /// Retention passes done since the start.
    prunes: watch::Receiver<u64>,
}

impl Hub {
    /// Starts the hub on a bound listener, with the default limits.
    pub async fn start(config: HubConfig, listener: TcpListener) -> std::io::Result<Hub> {
        Self::start_with(config, HubLimits::default(), listener).await
    }

    /// Starts the hub on a bound listener, holding its clients to `limits`.
    pub async fn start_with(
        config: HubConfig,
        limits: HubLimits,
        listener: TcpListener,
    ) -> std::io::Result<Hub> {
        let addr = listener.local_addr()?;
        let instance = config
            .store
            .instance_id()
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let streams = sse::OpenStreams::default();
        let cards = CardBuilder::new(
            config.intercom.clone(),
            config.aircall.clone(),
            config.store.clone(),
        )
        .with_new_contact_role(config.settings.new_contact_role)
        .with_clock(config.clock.clone());
        if let Err(e) = cards.workspace_id().await {
            tracing::warn!(error = %e, "cannot read the Intercom workspace yet; links will follow once Intercom answers");
        }
        if config.aircall.is_none() {
            tracing::warn!(
                "without Aircall credentials the hub cannot read who answers on each line: a call whose webhooks name nobody (a ringing call) reaches admins only"
            );
        }
        let pipeline = Pipeline::start(
            PipelineConfig {
                store: config.store.clone(),
                intercom: config.intercom.clone(),
                aircall: config.aircall.clone(),
                settings: config.settings.clone(),
                default_region: config.default_region,
                clock: config.clock.clone(),
                cards: cards.clone(),
            },
            shutdown_rx.clone(),
        );
        let handle = pipeline.handle();
        let mut tasks = pipeline.into_tasks();

        // Contact sync shares the hub's clients, and so their pacers: its bulk requests always
        // yield to a ringing call's.
        let engine = match (&config.sync, &config.aircall) {
            (Some(schedule), Some(aircall)) => Some(Arc::new(
                crate::sync::SyncEngine::new(
                    config.intercom.clone(),
                    aircall.clone(),
                    config.store.clone(),
                    schedule.options.clone(),
                )
                .with_clock(config.clock.clone()),
            )),
            (Some(_), None) => {
                tracing::warn!("contact sync needs Aircall credentials; it is off");
                None
            }
            (None, _) => None,
        };
        // Intercom's notifications go through the same engine, so that Aircall follows too.
        let intercom_webhooks = config.intercom_client_secret.clone().map(|secret| {
            let worker = crate::sync::Notifications::new(
                config.intercom.clone(),
                config.store.clone(),
                config.default_region,
                config.clock.clone(),
            );
            let worker = match &engine {
                Some(engine) => worker.with_engine(engine.clone()),
                None => worker,
            };
            tasks.push(tokio::spawn(worker.clone().run(shutdown_rx.clone())));
            intercom::IntercomWebhooks { secret, worker }
        });
        let sync = match (engine, &config.sync) {
            (Some(engine), Some(schedule)) => {
                Some(crate::sync::SyncRunner::new(engine, schedule.interval).spawn())
            }
            _ => None,
        };

        let state = AppState {
            store: config.store.clone(),
            intercom: config.intercom.clone(),
            aircall: config.aircall.clone(),
            cards,
            webhook_token: config.webhook_token.clone(),
            default_region: config.default_region,
            clock: config.clock.clone(),
            pipeline: handle,
            shutdown: shutdown_rx.clone(),
            sync: sync.as_ref().map(|h| h.progress()),
            sync_outcomes: sync.as_ref().map(|h| h.outcomes()),
            sync_schedule: sync.as_ref().and(config.sync.clone()),
            settings: config.settings.clone(),
            limits: limits.clone(),
            streams: streams.clone(),
            lookups: Arc::new(access::Lookups::new(limits.card_lookups_per_minute)),
            instance,
            intercom_webhooks,
        };
        let app = router(state);
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
        let (pruned, prunes) = watch::channel(0);
        tasks.push(tokio::spawn(retention::prune(
            config.store.clone(),
            config.clock.clone(),
            limits.clone(),
            pruned,
            shutdown_rx.clone(),
        )));
        tasks.push(tokio::spawn(server::serve(
            listener,
            app,
            tls,
            limits,
            shutdown_rx,
        )));
        Ok(Hub {
            addr,
            shutdown: shutdown_tx,
            tasks,
            store: config.store,
            sync,
            streams,
            prunes,
        })
    }

    /// The address the hub listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The hub's database.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The agents' open event streams (an app that follows the hub holds one).
    pub fn streams(&self) -> sse::OpenStreams {
        self.streams.clone()
    }

    /// How many retention passes the hub has done since it started, as it changes.
    pub fn retention_passes(&self) -> watch::Receiver<u64> {
        self.prunes.clone()
    }

    /// The contact sync's progress, when the hub runs it.
    pub fn sync_progress(&self) -> Option<watch::Receiver<crate::sync::SyncProgress>> {
        self.sync.as_ref().map(|h| h.progress())
    }

    /// Stops every task and waits for them (at most a few seconds for open streams).
    pub async fn shutdown(mut self) {
        self.shutdown.send_replace(true);
        if let Some(sync) = self.sync.take() {
            sync.shutdown().await;
        }
        for task in self.tasks.drain(..) {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        self.shutdown.send_replace(true);
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Every route, with the limits and the one error shape. The request timeout covers every
/// answer but the event stream's, which stays open.
fn router(state: AppState) -> Router {
    use axum::http::{HeaderName, HeaderValue, StatusCode};
    use tower_http::set_header::SetResponseHeaderLayer;
    use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};

    let instance = HeaderValue::from_str(&state.instance)
        .unwrap_or_else(|_| HeaderValue::from_static("unknown"));
    let limits = state.limits.clone();
    Router::new()
        .merge(webhooks::routes())
        .merge(intercom::routes())
        .merge(health::routes())
        .merge(api::routes())
        .merge(dial::routes())
        .merge(integration::routes())
        .fallback(|| async {
            failure::Failure::new(StatusCode::NOT_FOUND, "not_found", "there is no such route")
        })
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout,
        ))
        .merge(sse::routes())
        .layer(RequestBodyTimeoutLayer::new(limits.body_timeout))
        .layer(axum::middleware::map_response(failure::shape_errors))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static(INSTANCE_HEADER),
            instance,
        ))
        .with_state(state)
}

/// The header naming the hub instance on every answer.
pub const INSTANCE_HEADER: &str = "x-ringside-instance";
