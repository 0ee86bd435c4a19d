//! The hub: the engine behind an HTTP server. It receives Aircall's webhooks, logs calls and
//! messages into Intercom through the inbox, the rules and the outbox, and serves the agents'
//! API and event stream.
//!
//! [`Hub::start`] takes a bound listener and returns a handle that owns every task: the HTTP
//! server, the inbox processor, the two outbox lanes (cards, logging) and the pruning of what
//! is past retention. [`Hub::shutdown`] stops them all; dropping the handle does too.
//! [`Hub::start_with`] sets the limits ([`HubLimits`]) the server holds its clients to.

mod access;
mod api;
pub mod events;
mod failure;
mod health;
mod idempotency;
mod integration;
mod retention;
mod server;
mod sse;
pub mod webhooks;

pub use server::{HubLimits, RETENTION_DAYS};

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

use crate::aircall::AircallClient;
use crate::card::{CardBuilder, Clock};
use crate::inbox::Processor;
use crate::intercom::IntercomClient;
use crate::outbox::{Executor, ExecutorParts};
use crate::phone::Region;
use crate::rules::Settings;
use crate::secret::Secret;
use crate::store::{Lane, Store};

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
    pub cards: CardBuilder,
    pub webhook_token: Option<Secret>,
    pub default_region: Region,
    pub clock: Clock,
    pub inbox_wake: Arc<Notify>,
    pub outbox_wake: Arc<Notify>,
    pub events: watch::Receiver<i64>,
    pub shutdown: watch::Receiver<bool>,
    pub sync: Option<watch::Receiver<crate::sync::SyncProgress>>,
    pub sync_outcomes: Option<watch::Receiver<Option<crate::sync::RunOutcome>>>,
    pub sync_schedule: Option<SyncSchedule>,
    pub settings: Settings,
    pub limits: HubLimits,
    pub streams: sse::OpenStreams,
    /// This hub's instance id (`X-Ringside-Instance`).
    pub instance: String,
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
        let last_event = config.store.last_event_id().unwrap_or(0);
        let (events_tx, events_rx) = watch::channel(last_event);
        let inbox_wake = Arc::new(Notify::new());
        let outbox_wake = Arc::new(Notify::new());
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
        let executor = Executor::new(
            ExecutorParts {
                store: config.store.clone(),
                intercom: config.intercom.clone(),
                aircall: config.aircall.clone(),
                settings: config.settings.clone(),
                default_region: config.default_region,
            },
            cards.clone(),
            config.clock.clone(),
            events_tx.clone(),
        );
        let processor = Processor::new(
            config.store.clone(),
            config.settings.clone(),
            config.clock.clone(),
        );

        let mut tasks = Vec::new();
        tasks.push(tokio::spawn(process_inbox(
            processor,
            config.aircall.clone(),
            config.clock.clone(),
            config.store.clone(),
            inbox_wake.clone(),
            outbox_wake.clone(),
            events_tx,
            shutdown_rx.clone(),
        )));
        for lane in [Lane::Interactive, Lane::Logging] {
            let (ex, wake, stop) = (executor.clone(), outbox_wake.clone(), shutdown_rx.clone());
            tasks.push(tokio::spawn(async move { ex.run(lane, wake, stop).await }));
        }

        // Contact sync shares the hub's clients, and so their pacers: its bulk requests always
        // yield to a ringing call's.
        let sync = match (&config.sync, &config.aircall) {
            (Some(schedule), Some(aircall)) => {
                let engine = crate::sync::SyncEngine::new(
                    config.intercom.clone(),
                    aircall.clone(),
                    config.store.clone(),
                    schedule.options.clone(),
                )
                .with_clock(config.clock.clone());
                Some(crate::sync::SyncRunner::new(Arc::new(engine), schedule.interval).spawn())
            }
            (Some(_), None) => {
                tracing::warn!("contact sync needs Aircall credentials; it is off");
                None
            }
            (None, _) => None,
        };

        let state = AppState {
            store: config.store.clone(),
            intercom: config.intercom.clone(),
            cards,
            webhook_token: config.webhook_token.clone(),
            default_region: config.default_region,
            clock: config.clock.clone(),
            inbox_wake: inbox_wake.clone(),
            outbox_wake,
            events: events_rx,
            shutdown: shutdown_rx.clone(),
            sync: sync.as_ref().map(|h| h.progress()),
            sync_outcomes: sync.as_ref().map(|h| h.outcomes()),
            sync_schedule: sync.as_ref().and(config.sync.clone()),
            settings: config.settings.clone(),
            limits: limits.clone(),
            streams: sse::OpenStreams::default(),
            instance,
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
        tasks.push(tokio::spawn(retention::prune(
            config.store.clone(),
            config.clock.clone(),
            limits.clone(),
            shutdown_rx.clone(),
        )));
        tasks.push(tokio::spawn(server::serve(
            listener,
            app,
            tls,
            limits,
            shutdown_rx,
        )));
        // Webhooks accepted before a restart are processed now.
        inbox_wake.notify_one();
        Ok(Hub {
            addr,
            shutdown: shutdown_tx,
            tasks,
            store: config.store,
            sync,
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
        .merge(health::routes())
        .merge(api::routes())
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

/// Reads the live availability of users whose status changed, caches it for the cards and
/// tells the agents.
async fn refresh_availability(
    aircall: &AircallClient,
    store: &Store,
    clock: &Clock,
    users: &[u64],
) {
    let mut seen = std::collections::BTreeSet::new();
    for &user_id in users.iter().filter(|u| seen.insert(**u)) {
        let availability = match aircall
            .at(crate::pacing::Priority::Logging)
            .availability(user_id)
            .await
        {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(user_id, error = %e, "cannot read an Aircall user's availability");
                continue;
            }
        };
        let update = crate::aircall::UserAvailability {
            id: user_id,
            availability,
        };
        let now = clock();
        if let Err(e) = store.update_availabilities(std::slice::from_ref(&update), now) {
            tracing::warn!(error = %e, "cannot cache an availability");
        }
        let event = events::HubEvent::Availability {
            user_id,
            email: store.aircall_user_email(user_id).ok().flatten(),
            availability: availability.map(|a| a.as_str().to_owned()),
        }
        .to_new(Vec::new());
        if let Err(e) = store.log_event(now, &event.audience, &event.kind, &event.payload) {
            tracing::warn!(error = %e, "cannot record an availability change");
        }
    }
}

/// Processes the inbox whenever a webhook arrives (and once at start).
#[allow(clippy::too_many_arguments)] // Each is a handle the task owns; a struct would only wrap them.
async fn process_inbox(
    processor: Processor,
    aircall: Option<AircallClient>,
    clock: Clock,
    store: Store,
    wake: Arc<Notify>,
    outbox_wake: Arc<Notify>,
    events: watch::Sender<i64>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let notified = wake.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let p = processor.clone();
        match tokio::task::spawn_blocking(move || p.process_pending()).await {
            Ok(Ok(done)) if done.webhooks > 0 => {
                if done.effects > 0 {
                    outbox_wake.notify_waiters();
                }
                // Availability is read off the processing path: Aircall's budget is small and a
                // burst of user events must not delay calls.
                if let (Some(aircall), false) = (&aircall, done.users.is_empty()) {
                    let (a, st, c, ev, users) = (
                        aircall.clone(),
                        store.clone(),
                        clock.clone(),
                        events.clone(),
                        done.users.clone(),
                    );
                    tokio::spawn(async move {
                        refresh_availability(&a, &st, &c, &users).await;
                        if let Ok(id) = st.last_event_id() {
                            ev.send_replace(id);
                        }
                    });
                }
                if let Ok(id) = store.last_event_id() {
                    events.send_replace(id);
                }
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "cannot process the inbox"),
            Err(e) => tracing::error!(error = %e, "the inbox processor panicked"),
        }
        tokio::select! {
            _ = &mut notified => {}
            _ = tokio::time::sleep(Duration::from_secs(30)) => {}
            _ = shutdown.wait_for(|s| *s) => return,
        }
    }
}
