//! The hub's metrics, in Prometheus' text format (OpenMetrics), through the Prometheus
//! project's own client (`prometheus-client`).
//!
//! One [`Metrics`] belongs to one engine, and every part of it that has something to count
//! holds a clone: the vendors' transport, the webhook receivers, the pipeline, the card path
//! and retention. Nothing is process-wide, so two hubs in one process (the tests run many)
//! never count into each other. What can be read from the database or from a channel when
//! Prometheus asks (queue depths, open streams, contact sync) is set just before encoding
//! ([`Metrics::set_depths`], [`Metrics::set_streams`], [`Metrics::set_sync`]), not kept up to
//! date as it changes.
//!
//! Labels take values from a fixed vocabulary: a vendor's endpoint is its route template
//! (`/contacts/{id}`), never an id, so the series stay few whatever the traffic.
//!
//! This module stands low in the engine's layers: it imports nothing of the engine above it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::{Registry, Unit};

use crate::error::Api;

/// The media type of [`Metrics::encode`]'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Where a webhook came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// Aircall's call and message events.
    Aircall,
    /// Intercom's contact notifications.
    Intercom,
}

impl Source {
    fn name(self) -> &'static str {
        match self {
            Source::Aircall => "aircall",
            Source::Intercom => "intercom",
        }
    }
}

/// Why a webhook was refused: the error code its sender got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Refusal {
    /// `bad_webhook`: not JSON, or not the sender's envelope.
    BadWebhook,
    /// `unauthorized`: a wrong or missing token or signature.
    Unauthorized,
    /// `not_configured`: this hub does not take them (Intercom's without its secret).
    NotConfigured,
    /// `timeout`: the body did not arrive in time.
    Timeout,
    /// `too_large`: a body over the limit.
    TooLarge,
    /// `storage`: it could not be stored; the sender sends it again.
    Storage,
    /// Any other answer.
    Other,
}

impl Refusal {
    const ALL: [Refusal; 7] = [
        Refusal::BadWebhook,
        Refusal::Unauthorized,
        Refusal::NotConfigured,
        Refusal::Timeout,
        Refusal::TooLarge,
        Refusal::Storage,
        Refusal::Other,
    ];

    fn name(self) -> &'static str {
        match self {
            Refusal::BadWebhook => "bad_webhook",
            Refusal::Unauthorized => "unauthorized",
            Refusal::NotConfigured => "not_configured",
            Refusal::Timeout => "timeout",
            Refusal::TooLarge => "too_large",
            Refusal::Storage => "storage",
            Refusal::Other => "other",
        }
    }
}

/// The tables retention prunes, as [`Metrics::pruned`] names them.
pub const PRUNED_TABLES: [&str; 4] = ["inbox", "events", "outbox", "subjects"];

/// How one attempt at an effect ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EffectOutcome {
    /// Done.
    Done,
    /// To be tried again later.
    Retried,
    /// It cannot succeed.
    Failed,
    /// Its call or message waits for an agent (an unknown or shared number).
    Blocked,
}

impl EffectOutcome {
    const ALL: [EffectOutcome; 4] = [
        EffectOutcome::Done,
        EffectOutcome::Retried,
        EffectOutcome::Failed,
        EffectOutcome::Blocked,
    ];

    fn name(self) -> &'static str {
        match self {
            EffectOutcome::Done => "done",
            EffectOutcome::Retried => "retried",
            EffectOutcome::Failed => "failed",
            EffectOutcome::Blocked => "blocked",
        }
    }
}

/// Contact sync as the metrics show it: the current (or last) run's counts and how the last
/// run ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncGauges {
    /// Intercom contacts read by the run.
    pub seen: u64,
    /// Contacts Intercom said the run would read, when it said.
    pub total: Option<u64>,
    /// Aircall contacts created, changed or deleted by the run.
    pub written: u64,
    /// Contacts Aircall refused in the run.
    pub failed: u64,
    /// Whether a run is going on now.
    pub running: bool,
    /// How the last run ended: `Some(true)` finished, `Some(false)` stopped early, `None`
    /// before the first.
    pub last_run_finished: Option<bool>,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SourceLabels {
    source: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RefusedLabels {
    source: &'static str,
    reason: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LaneLabels {
    lane: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EffectLabels {
    kind: &'static str,
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EndpointLabels {
    vendor: &'static str,
    method: String,
    endpoint: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    vendor: &'static str,
    method: String,
    endpoint: String,
    status: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PresenceLabels {
    change: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PresenceFailureLabels {
    reason: &'static str,
}

/// What presence changed, as [`Metrics::presence_change`] names it.
pub const PRESENCE_CHANGES: [&str; 6] = [
    "away_on_call",
    "away_wrap_up",
    "back",
    "left_alone",
    "aircall_unavailable",
    "aircall_available",
];

/// Why presence could not change a teammate, as [`Metrics::presence_failure`] names it.
pub const PRESENCE_FAILURES: [&str; 5] = [
    "teammate_not_found",
    "reason_mandatory",
    "intercom",
    "aircall",
    "no_aircall_user",
];

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TableLabels {
    table: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    version: &'static str,
}

/// Rings whose card is awaited, at most; older ones are forgotten first.
const RINGS_KEPT: usize = 1024;

/// A ring whose card has not come within this long is forgotten (its card was given up).
const RING_FORGOTTEN_AFTER: Duration = Duration::from_secs(120);

/// The engine's counters, gauges and histograms. Cheap to clone: clones count into the same
/// metrics.
#[derive(Clone)]
pub struct Metrics(Arc<Inner>);

struct Inner {
    registry: Registry,
    webhooks_accepted: Family<SourceLabels, Counter>,
    webhooks_refused: Family<RefusedLabels, Counter>,
    inbox_depth: Gauge,
    outbox_depth: Family<LaneLabels, Gauge>,
    effects: Family<EffectLabels, Counter>,
    vendor_requests: Family<RequestLabels, Counter>,
    vendor_rate_limited: Family<EndpointLabels, Counter>,
    vendor_duration: Family<EndpointLabels, Histogram>,
    ring_to_card: Histogram,
    streams_open: Gauge,
    sync_seen: Gauge,
    sync_total: Gauge,
    sync_written: Gauge,
    sync_failed: Gauge,
    sync_running: Gauge,
    sync_last_run_finished: Gauge,
    pruned: Family<TableLabels, Counter>,
    presence_changes: Family<PresenceLabels, Counter>,
    presence_failures: Family<PresenceFailureLabels, Counter>,
    rings: Mutex<HashMap<u64, Instant>>,
    /// What the console's Overview reads back: each vendor's recent requests, 429s and last
    /// error (Aircall first).
    vendors: Mutex<[VendorLog; 2]>,
}

/// How long a vendor's requests are remembered for [`Metrics::vendor_state`]'s budget.
const REQUESTS_KEPT_FOR: Duration = Duration::from_secs(60);
/// How long a vendor's 429s are remembered.
const RATE_LIMITS_KEPT_FOR: Duration = Duration::from_secs(3600);
/// Instants remembered per vendor and kind, at most (the oldest go first).
const INSTANTS_KEPT: usize = 20_000;

/// A vendor's recent requests as the console reads them back.
#[derive(Debug, Default)]
struct VendorLog {
    requests: std::collections::VecDeque<Instant>,
    rate_limited: std::collections::VecDeque<Instant>,
    last_error: Option<VendorError>,
}

impl VendorLog {
    fn forget(&mut self, now: Instant) {
        let old = |kept: Duration| move |at: &Instant| now.saturating_duration_since(*at) > kept;
        while self.requests.front().is_some_and(old(REQUESTS_KEPT_FOR)) {
            self.requests.pop_front();
        }
        while self
            .rate_limited
            .front()
            .is_some_and(old(RATE_LIMITS_KEPT_FOR))
        {
            self.rate_limited.pop_front();
        }
    }
}

/// A vendor's last failed request: what the console's Overview says of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorError {
    /// When, UNIX seconds (the system's clock).
    pub at: i64,
    /// The HTTP status; `None`: no answer came (a network error or a timeout).
    pub status: Option<u16>,
    /// The request's method.
    pub method: String,
    /// The request's route template (`/v1/calls/{id}`).
    pub endpoint: String,
}

/// A vendor's recent requests, read back for the console's Overview.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VendorState {
    /// Requests in the last minute.
    pub requests_last_minute: u64,
    /// Answers 429 (too many requests) in the last hour.
    pub rate_limited_last_hour: u64,
    /// The last request that failed (an answer of 400 or more but 404, or none at all).
    pub last_error: Option<VendorError>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A fresh set of metrics, every counter at zero, its start time now.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("ringside");
        let webhooks_accepted = Family::<SourceLabels, Counter>::default();
        let webhooks_refused = Family::<RefusedLabels, Counter>::default();
        // Every series of a known vocabulary shows from the start, at zero: "no webhook for
        // 30 minutes" needs a series that stays flat, not one that is missing, and a counter's
        // first increase is only seen by `increase()` when the series was there before it.
        for source in [Source::Aircall, Source::Intercom] {
            webhooks_accepted
                .get_or_create(&SourceLabels {
                    source: source.name(),
                })
                .inc_by(0);
            for refusal in Refusal::ALL {
                webhooks_refused
                    .get_or_create(&RefusedLabels {
                        source: source.name(),
                        reason: refusal.name(),
                    })
                    .inc_by(0);
            }
        }
        registry.register(
            "webhooks_accepted",
            "Webhooks stored and answered 200, by source",
            webhooks_accepted.clone(),
        );
        registry.register(
            "webhooks_refused",
            "Webhooks refused, by source and reason (the error code the sender got)",
            webhooks_refused.clone(),
        );
        let inbox_depth = Gauge::default();
        registry.register(
            "inbox_depth",
            "Webhooks stored and not processed yet",
            inbox_depth.clone(),
        );
        let outbox_depth = Family::<LaneLabels, Gauge>::default();
        registry.register(
            "outbox_depth",
            "Effects queued or running, by lane (interactive: cards; logging: the rest)",
            outbox_depth.clone(),
        );
        let effects = Family::<EffectLabels, Counter>::default();
        registry.register(
            "effects",
            "Attempts at effects, by kind and outcome (done, retried, failed, blocked)",
            effects.clone(),
        );
        let vendor_requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "vendor_requests",
            "Requests to Aircall and Intercom, by vendor, method, endpoint and HTTP status (network when no answer came)",
            vendor_requests.clone(),
        );
        let vendor_rate_limited = Family::<EndpointLabels, Counter>::default();
        registry.register(
            "vendor_rate_limited",
            "Requests a vendor refused with 429, by vendor, method and endpoint",
            vendor_rate_limited.clone(),
        );
        let vendor_duration =
            Family::<EndpointLabels, Histogram>::new_with_constructor(vendor_buckets);
        registry.register_with_unit(
            "vendor_request_duration",
            "Time from sending a request to a vendor to its whole answer, by vendor, method and endpoint",
            Unit::Seconds,
            vendor_duration.clone(),
        );
        let ring_to_card = Histogram::new(CARD_BUCKETS);
        registry.register_with_unit(
            "ring_to_card",
            "Time from a ringing call's webhook reaching the hub to its card.ready event",
            Unit::Seconds,
            ring_to_card.clone(),
        );
        let streams_open = Gauge::default();
        registry.register(
            "streams_open",
            "Agents' event streams open now",
            streams_open.clone(),
        );
        let gauge = |registry: &mut Registry, name: &str, help: &str| {
            let g = Gauge::default();
            registry.register(name, help, g.clone());
            g
        };
        let sync_seen = gauge(
            &mut registry,
            "sync_contacts_seen",
            "Intercom contacts read by the current or last contact sync run",
        );
        let sync_total = gauge(
            &mut registry,
            "sync_contacts_expected",
            "Intercom contacts the current or last run is to read (0 until Intercom says)",
        );
        let sync_written = gauge(
            &mut registry,
            "sync_contacts_written",
            "Aircall contacts created, changed or deleted by the current or last run",
        );
        let sync_failed = gauge(
            &mut registry,
            "sync_contacts_failed",
            "Contacts Aircall refused in the current or last run",
        );
        let sync_running = gauge(
            &mut registry,
            "sync_running",
            "1 while a contact sync run is going on",
        );
        let sync_last_run_finished = gauge(
            &mut registry,
            "sync_last_run_finished",
            "1 when the last contact sync run finished, 0 when it stopped early, -1 before the first",
        );
        sync_last_run_finished.set(-1);
        let pruned = Family::<TableLabels, Counter>::default();
        for table in PRUNED_TABLES {
            pruned.get_or_create(&TableLabels { table }).inc_by(0);
        }
        registry.register(
            "pruned_rows",
            "Rows deleted past retention, by table",
            pruned.clone(),
        );
        let presence_changes = Family::<PresenceLabels, Counter>::default();
        for change in PRESENCE_CHANGES {
            presence_changes
                .get_or_create(&PresenceLabels { change })
                .inc_by(0);
        }
        registry.register(
            "presence_changes",
            "Teammates' away modes presence changed in Intercom (and Aircall users made unavailable or available), by change",
            presence_changes.clone(),
        );
        let presence_failures = Family::<PresenceFailureLabels, Counter>::default();
        for reason in PRESENCE_FAILURES {
            presence_failures
                .get_or_create(&PresenceFailureLabels { reason })
                .inc_by(0);
        }
        registry.register(
            "presence_failures",
            "Presence changes that could not be made, by reason",
            presence_failures.clone(),
        );
        registry.register(
            "build",
            "The hub's version",
            Info::new(BuildLabels {
                version: env!("CARGO_PKG_VERSION"),
            }),
        );
        let started = Gauge::<i64, std::sync::atomic::AtomicI64>::default();
        started.set(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)),
        );
        registry.register_with_unit(
            "start_time",
            "When the hub started, UNIX seconds (uptime: time() minus this)",
            Unit::Seconds,
            started,
        );
        Metrics(Arc::new(Inner {
            registry,
            webhooks_accepted,
            webhooks_refused,
            inbox_depth,
            outbox_depth,
            effects,
            vendor_requests,
            vendor_rate_limited,
            vendor_duration,
            ring_to_card,
            streams_open,
            sync_seen,
            sync_total,
            sync_written,
            sync_failed,
            sync_running,
            sync_last_run_finished,
            pruned,
            presence_changes,
            presence_failures,
            rings: Mutex::new(HashMap::new()),
            vendors: Mutex::new(Default::default()),
        }))
    }

    /// A webhook was stored and answered 200.
    pub fn webhook_accepted(&self, source: Source) {
        self.0
            .webhooks_accepted
            .get_or_create(&SourceLabels {
                source: source.name(),
            })
            .inc();
    }

    /// A webhook was refused, for this reason.
    pub fn webhook_refused(&self, source: Source, reason: Refusal) {
        self.0
            .webhooks_refused
            .get_or_create(&RefusedLabels {
                source: source.name(),
                reason: reason.name(),
            })
            .inc();
    }

    /// Shows every outcome of effects of these kinds at zero until the first happens (the
    /// engine names every kind it has).
    pub fn expect_effects(&self, kinds: &[&'static str]) {
        for kind in kinds {
            for outcome in EffectOutcome::ALL {
                self.0
                    .effects
                    .get_or_create(&EffectLabels {
                        kind,
                        outcome: outcome.name(),
                    })
                    .inc_by(0);
            }
        }
    }

    /// One attempt at an effect of this kind (`add_note`, …) ended this way.
    pub fn effect(&self, kind: &'static str, outcome: EffectOutcome) {
        self.0
            .effects
            .get_or_create(&EffectLabels {
                kind,
                outcome: outcome.name(),
            })
            .inc();
    }

    /// One request to a vendor: its method, its path (ids in it are counted under the path's
    /// template), its HTTP status (`None` when no answer came) and how long it took.
    pub fn vendor_request(
        &self,
        api: Api,
        method: &str,
        path: &str,
        status: Option<u16>,
        took: Duration,
    ) {
        let vendor = match api {
            Api::Aircall => "aircall",
            Api::Intercom => "intercom",
        };
        let endpoint = EndpointLabels {
            vendor,
            method: method.to_owned(),
            endpoint: endpoint_template(path),
        };
        let status_label = match status {
            Some(code) => code.to_string(),
            None => "network".to_owned(),
        };
        self.0
            .vendor_requests
            .get_or_create(&RequestLabels {
                vendor,
                method: endpoint.method.clone(),
                endpoint: endpoint.endpoint.clone(),
                status: status_label,
            })
            .inc();
        if status == Some(429) {
            self.0.vendor_rate_limited.get_or_create(&endpoint).inc();
        }
        {
            let mut vendors = self.0.vendors.lock().unwrap_or_else(|e| e.into_inner());
            let log = &mut vendors[vendor_slot(api)];
            let now = Instant::now();
            log.forget(now);
            if log.requests.len() >= INSTANTS_KEPT {
                log.requests.pop_front();
            }
            log.requests.push_back(now);
            if status == Some(429) {
                if log.rate_limited.len() >= INSTANTS_KEPT {
                    log.rate_limited.pop_front();
                }
                log.rate_limited.push_back(now);
            }
            if status.is_none_or(|code| code >= 400 && code != 404) {
                log.last_error = Some(VendorError {
                    at: SystemTime::now()
                        .duration_since(UNIX_EPOCH)
                        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)),
                    status,
                    method: endpoint.method.clone(),
                    endpoint: endpoint.endpoint.clone(),
                });
            }
        }
        self.0
            .vendor_duration
            .get_or_create(&endpoint)
            .observe(took.as_secs_f64());
    }

    /// A vendor's recent requests, 429s and last error, for the console's Overview.
    pub fn vendor_state(&self, api: Api) -> VendorState {
        let mut vendors = self.0.vendors.lock().unwrap_or_else(|e| e.into_inner());
        let log = &mut vendors[vendor_slot(api)];
        log.forget(Instant::now());
        VendorState {
            requests_last_minute: log.requests.len() as u64,
            rate_limited_last_hour: log.rate_limited.len() as u64,
            last_error: log.last_error.clone(),
        }
    }

    /// A call rang: its webhook reached the hub now. Its card's [`Metrics::card_ready`]
    /// measures from here.
    pub fn ring(&self, call_id: u64) {
        let mut rings = self.0.rings.lock().unwrap_or_else(|e| e.into_inner());
        if rings.len() >= RINGS_KEPT {
            rings.retain(|_, at| at.elapsed() < RING_FORGOTTEN_AFTER);
        }
        if rings.len() < RINGS_KEPT {
            rings.entry(call_id).or_insert_with(Instant::now);
        }
    }

    /// A call's card was announced: the time since its ring goes into the histogram (once per
    /// ring; a card with no ring seen by this hub counts nothing).
    pub fn card_ready(&self, call_id: u64) {
        let rang = {
            let mut rings = self.0.rings.lock().unwrap_or_else(|e| e.into_inner());
            rings.remove(&call_id)
        };
        if let Some(at) = rang.filter(|at| at.elapsed() < RING_FORGOTTEN_AFTER) {
            self.0.ring_to_card.observe(at.elapsed().as_secs_f64());
        }
    }

    /// Retention deleted `rows` rows of `table`.
    pub fn pruned(&self, table: &'static str, rows: u64) {
        self.0
            .pruned
            .get_or_create(&TableLabels { table })
            .inc_by(rows);
    }

    /// Presence made a change (one of [`PRESENCE_CHANGES`]).
    pub fn presence_change(&self, change: &'static str) {
        self.0
            .presence_changes
            .get_or_create(&PresenceLabels { change })
            .inc();
    }

    /// Presence could not make a change (one of [`PRESENCE_FAILURES`]).
    pub fn presence_failure(&self, reason: &'static str) {
        self.0
            .presence_failures
            .get_or_create(&PresenceFailureLabels { reason })
            .inc();
    }

    /// The queues' depths, as read from the database now: webhooks not processed, and
    /// effects queued or running by lane.
    pub fn set_depths(&self, inbox: u64, outbox: &[(&'static str, u64)]) {
        self.0.inbox_depth.set(as_i64(inbox));
        for (lane, depth) in outbox {
            self.0
                .outbox_depth
                .get_or_create(&LaneLabels { lane })
                .set(as_i64(*depth));
        }
    }

    /// The agents' event streams open now.
    pub fn set_streams(&self, open: usize) {
        self.0.streams_open.set(as_i64(open as u64));
    }

    /// Contact sync's progress now.
    pub fn set_sync(&self, sync: SyncGauges) {
        let inner = &self.0;
        inner.sync_seen.set(as_i64(sync.seen));
        inner.sync_total.set(as_i64(sync.total.unwrap_or(0)));
        inner.sync_written.set(as_i64(sync.written));
        inner.sync_failed.set(as_i64(sync.failed));
        inner.sync_running.set(i64::from(sync.running));
        inner
            .sync_last_run_finished
            .set(match sync.last_run_finished {
                Some(true) => 1,
                Some(false) => 0,
                None => -1,
            });
    }

    /// Every metric, in the OpenMetrics text format ([`CONTENT_TYPE`]), ending with `# EOF`.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut text, &self.0.registry) {
            tracing::error!(error = %e, "cannot encode the metrics");
        }
        text
    }
}

/// Buckets of a vendor request's time, in seconds: 10 ms to 20 s.
fn vendor_buckets() -> Histogram {
    Histogram::new([0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0])
}

/// Buckets of ring → card, in seconds: the target is well under a second.
const CARD_BUCKETS: [f64; 11] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0];

/// A vendor's place in [`Inner::vendors`].
fn vendor_slot(api: Api) -> usize {
    match api {
        Api::Aircall => 0,
        Api::Intercom => 1,
    }
}

fn as_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The longest word of a route kept as it is in an endpoint template.
const LONGEST_ROUTE_WORD: usize = 20;

/// A request path as its route template: each segment that is not one of the clients' own
/// words (lower-case letters and `_`, or an API version such as `v1`) becomes `{id}`.
/// `/v1/calls/780836754/comments` → `/v1/calls/{id}/comments`; a contact's hex id, an email
/// or a number never becomes a label. The query string is not part of a path here.
pub fn endpoint_template(path: &str) -> String {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let word = |s: &str| {
        let version = s.len() <= 3
            && s.starts_with('v')
            && s.len() > 1
            && s[1..].bytes().all(|b| b.is_ascii_digit());
        let route_word = !s.is_empty()
            && s.len() <= LONGEST_ROUTE_WORD
            && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
        version || route_word
    };
    let segments: Vec<&str> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| if word(s) { s } else { "{id}" })
        .collect();
    format!("/{}", segments.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_becomes_its_route_template_without_ids() {
        for (path, template) in [
            ("/v1/calls/780836754/comments", "/v1/calls/{id}/comments"),
            ("/contacts/6762f0dd1bb69f9f2193bb83", "/contacts/{id}"),
            ("/contacts/search", "/contacts/search"),
            ("/v2/users/bob%40acme.io", "/v2/users/{id}"),
            (
                "/v1/contacts/12/phone_details/34",
                "/v1/contacts/{id}/phone_details/{id}",
            ),
            (
                "/conversations/215475827415413/parts",
                "/conversations/{id}/parts",
            ),
            ("/contacts/abcdefabcdefabcdefabcdef", "/contacts/{id}"),
            ("/me", "/me"),
            ("/tags?x=1", "/tags"),
        ] {
            assert_eq!(endpoint_template(path), template, "{path}");
        }
    }

    #[test]
    fn counters_show_in_the_text_with_prometheus_names() {
        let metrics = Metrics::new();
        metrics.webhook_refused(Source::Aircall, Refusal::Unauthorized);
        metrics.vendor_request(
            Api::Intercom,
            "POST",
            "/contacts/search",
            Some(429),
            Duration::from_millis(30),
        );
        metrics.effect("add_note", EffectOutcome::Retried);
        let text = metrics.encode();
        for line in [
            "ringside_webhooks_accepted_total{source=\"aircall\"} 0",
            "ringside_webhooks_refused_total{source=\"aircall\",reason=\"unauthorized\"} 1",
            "ringside_vendor_rate_limited_total{vendor=\"intercom\",method=\"POST\",endpoint=\"/contacts/search\"} 1",
            "ringside_effects_total{kind=\"add_note\",outcome=\"retried\"} 1",
            "ringside_build_info{version=\"",
        ] {
            assert!(text.contains(line), "{line} is not in:\n{text}");
        }
        assert!(text.ends_with("# EOF\n"));
    }

    #[test]
    fn a_card_counts_once_and_only_after_its_ring() {
        let metrics = Metrics::new();
        metrics.card_ready(1);
        metrics.ring(2);
        metrics.card_ready(2);
        metrics.card_ready(2);
        let text = metrics.encode();
        assert!(
            text.contains("ringside_ring_to_card_seconds_count 1"),
            "{text}"
        );
    }

    #[test]
    fn the_console_reads_back_each_vendors_requests_429s_and_last_error() {
        let metrics = Metrics::new();
        assert_eq!(metrics.vendor_state(Api::Aircall), VendorState::default());
        let took = Duration::from_millis(5);
        metrics.vendor_request(Api::Aircall, "GET", "/v1/users/123", Some(200), took);
        metrics.vendor_request(Api::Aircall, "GET", "/v1/contacts/9", Some(404), took);
        metrics.vendor_request(
            Api::Aircall,
            "POST",
            "/v1/calls/5/comments",
            Some(429),
            took,
        );
        metrics.vendor_request(Api::Intercom, "POST", "/conversations", None, took);
        let aircall = metrics.vendor_state(Api::Aircall);
        assert_eq!(aircall.requests_last_minute, 3);
        assert_eq!(aircall.rate_limited_last_hour, 1);
        let error = aircall.last_error.unwrap();
        assert_eq!(
            (error.status, error.method.as_str(), error.endpoint.as_str()),
            (Some(429), "POST", "/v1/calls/{id}/comments"),
            "a 404 is an answer, not an error"
        );
        let intercom = metrics.vendor_state(Api::Intercom);
        assert_eq!(intercom.rate_limited_last_hour, 0);
        assert_eq!(intercom.last_error.unwrap().status, None);
    }
}
