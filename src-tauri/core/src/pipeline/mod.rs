//! The pipeline that logs calls and messages: webhooks in, Intercom and Aircall out.
//!
//! ```text
//! webhook ─▶ ingest (group commit) ─▶ inbox ─▶ processor (rules) ─▶ outbox ─┬▶ cards ─▶ agents' streams
//!                                                                          │      └▶ pushes ─▶ Aircall's phone app
//!                                                                          └▶ executor ─▶ Intercom
//! ```
//!
//! Every step is durable before the next one starts: an accepted webhook is on disk before its
//! 200, a processed one has its subject, effects and events committed with it, and an effect is
//! claimed before its request is sent. The executor runs many calls' effects side by side and
//! each call's in order; cards are built on their own path and never wait behind logging or
//! Aircall's budget. [`Pipeline::start`] spawns every task; each stops when `shutdown` turns
//! true. The hub's HTTP surface (`crate::hub`) drives the pipeline through [`PipelineHandle`]
//! and knows nothing of its tasks; the pipeline knows nothing of HTTP.

pub mod actions;
mod callback_feed;
pub mod cards;
pub mod events;
pub mod executor;
pub mod ingest;
pub mod live;
mod presence_feed;
pub mod processor;
pub use crate::domain::subject;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

use crate::aircall::AircallClient;
use crate::card::{CardBuilder, Clock};
use crate::intercom::IntercomClient;
use crate::phone::Region;
use crate::store::Store;

use cards::{Cards, Pushes};
use events::{Announcer, HubEvent};
use executor::{Executor, ExecutorParts};
use ingest::{Ingest, IngestError};
pub use live::LiveSettings;
use processor::Processor;

/// What the pipeline runs with.
#[derive(Clone)]
pub struct PipelineConfig {
    /// The database.
    pub store: Store,
    /// Intercom.
    pub intercom: IntercomClient,
    /// Aircall (availability and the cards pushed to its phone app), when configured.
    pub aircall: Option<AircallClient>,
    /// Integration settings, shared with the engine, which swaps them when an admin changes
    /// one: each task reads them where it uses them.
    pub settings: LiveSettings,
    /// Region for national numbers when the Aircall line's country is unknown.
    pub default_region: Region,
    /// The clock.
    pub clock: Clock,
    /// How cards are built (shared with the agents' API).
    pub cards: CardBuilder,
    /// Where effects and cards are counted (the engine's).
    pub metrics: crate::metrics::Metrics,
    /// Told when a webhook changed an agent's presence (the engine's presence task waits on it).
    pub presence: Arc<Notify>,
    /// The team's working hours (the call-backs' deadlines count in them).
    pub business_hours: crate::hours::BusinessHours,
}

impl std::fmt::Debug for PipelineConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PipelineConfig")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// The running pipeline's tasks.
#[derive(Debug)]
pub struct Pipeline {
    handle: PipelineHandle,
    tasks: Vec<JoinHandle<()>>,
}

/// What the HTTP surface uses to drive the pipeline. Cheap to clone.
#[derive(Debug, Clone)]
pub struct PipelineHandle {
    ingest: Ingest,
    cards: Cards,
    announcer: Announcer,
    logging: Arc<Notify>,
}

impl PipelineHandle {
    /// Stores an accepted webhook; returns its inbox row once it is on disk. A ringing call's
    /// card starts its look-ups at once, while the webhook is stored and processed.
    pub async fn accept(&self, event: crate::webhook::StoredEvent) -> Result<i64, IngestError> {
        self.cards.look_ahead(&event);
        self.ingest.accept(event).await
    }

    /// The id of the newest agent event, as it changes.
    pub fn events(&self) -> watch::Receiver<i64> {
        self.announcer.subscribe()
    }

    /// What writes events to the agents' log and tells the open streams (for the engine's
    /// other tasks: presence's `wrap_up.ended`).
    pub fn announcer(&self) -> Announcer {
        self.announcer.clone()
    }

    /// Tells the executor that effects were queued.
    pub fn effects_queued(&self) {
        self.logging.notify_one();
    }
}

impl Pipeline {
    /// Starts every task of the pipeline. Effects left in flight by a previous run go back to
    /// the queue first (to be looked up before they are sent again), and webhooks accepted
    /// before a restart are processed at once.
    pub fn start(config: PipelineConfig, shutdown: watch::Receiver<bool>) -> Pipeline {
        if let Err(e) = config.store.outbox_release_in_flight() {
            tracing::error!(error = %e, "cannot put back the effects left in flight");
        }
        let announcer = Announcer::new(config.store.clone(), config.clock.clone());
        let stored = Arc::new(Notify::new());
        let logging = Arc::new(Notify::new());
        let carding = Arc::new(Notify::new());
        let (ingest, writer) = Ingest::start(
            config.store.clone(),
            config.clock.clone(),
            stored.clone(),
            shutdown.clone(),
        );
        let mut tasks = vec![writer];

        // The push queue runs whenever Aircall is there: whether a card is pushed is read at
        // each card, so the setting can be turned on while the hub runs.
        let pushes = match &config.aircall {
            Some(aircall) => {
                let pushes = Pushes::new();
                tasks.push(tokio::spawn(pushes.clone().run(
                    aircall.clone(),
                    config.store.clone(),
                    shutdown.clone(),
                )));
                Some(pushes)
            }
            None => None,
        };
        // What every card shares is read now, not by the first rings.
        let (builder, mut stopping) = (config.cards.clone(), shutdown.clone());
        tasks.push(tokio::spawn(async move {
            tokio::select! {
                () = builder.warm() => {}
                _ = stopping.changed() => {}
            }
        }));
        let cards = Cards {
            store: config.store.clone(),
            builder: config.cards.clone().never_waiting_for_availability(),
            default_region: config.default_region,
            clock: config.clock.clone(),
            announcer: announcer.clone(),
            pushes,
            settings: config.settings.clone(),
            ahead: cards::Ahead::default(),
            metrics: config.metrics.clone(),
        };
        let looking_ahead = cards.clone();
        tasks.push(tokio::spawn(cards.run(carding.clone(), shutdown.clone())));

        let executor = Executor::new(
            ExecutorParts {
                store: config.store.clone(),
                intercom: config.intercom.clone(),
                aircall: config.aircall.clone(),
                contacts: config.cards.contacts().clone(),
                directory: config.cards.directory().clone(),
                settings: config.settings.clone(),
                default_region: config.default_region,
                concurrency: config.intercom.max_in_flight(),
                metrics: config.metrics.clone(),
            },
            config.clock.clone(),
            announcer.clone(),
        );
        tasks.push(tokio::spawn(
            executor.run(logging.clone(), shutdown.clone()),
        ));

        let processor = Processor::new(
            config.store.clone(),
            config.settings.clone(),
            config.clock.clone(),
        )
        .with_card_signal(carding.clone())
        .with_presence_signal(config.presence.clone())
        .with_business_hours(config.business_hours.clone());
        let wakes = Wakes {
            stored,
            logging: logging.clone(),
            carding,
        };
        if let Some(aircall) = &config.aircall {
            tasks.push(tokio::spawn(read_every_line(
                aircall.clone(),
                config.store.clone(),
                config.clock.clone(),
                shutdown.clone(),
            )));
        }
        tasks.push(tokio::spawn(process_inbox(
            processor,
            config.aircall.clone(),
            config.store.clone(),
            announcer.clone(),
            wakes,
            shutdown,
        )));
        Pipeline {
            handle: PipelineHandle {
                ingest,
                cards: looking_ahead,
                announcer,
                logging,
            },
            tasks,
        }
    }

    /// The handle the HTTP surface drives the pipeline with.
    pub fn handle(&self) -> PipelineHandle {
        self.handle.clone()
    }

    /// The tasks, for their owner to stop and await.
    pub fn into_tasks(self) -> Vec<JoinHandle<()>> {
        self.tasks
    }
}

/// How long a lane's runner may sleep: until its next effect is due, between 1 and 60 seconds
/// (a new effect wakes it earlier).
fn until_due(store: &Store, lane: crate::store::Lane, now: i64) -> Duration {
    match store.outbox_next_due_at(lane) {
        Ok(Some(at)) => Duration::from_secs(at.saturating_sub(now).clamp(1, 60) as u64),
        Ok(None) => Duration::from_secs(60),
        Err(e) => {
            tracing::error!(error = %e, "cannot read the outbox");
            Duration::from_secs(5)
        }
    }
}

/// Who the processor wakes.
struct Wakes {
    /// Told by the ingest writer after each commit.
    stored: Arc<Notify>,
    /// The executor.
    logging: Arc<Notify>,
    /// The card path.
    carding: Arc<Notify>,
}

/// Processes the inbox whenever webhooks are stored (and once at start).
async fn process_inbox(
    processor: Processor,
    aircall: Option<AircallClient>,
    store: Store,
    announcer: Announcer,
    wakes: Wakes,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut lines = LineReader::new(aircall.clone(), store.clone());
    loop {
        let notified = wakes.stored.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        // Who a call or message concerns is its line's teammates: a line the hub does not know
        // yet (a new one, or before the read at start came back) is read first.
        // (Without Aircall there is nothing to read: the pending webhooks are not looked at.)
        if lines.can_read() {
            let p = processor.clone();
            let now = announcer.now();
            match tokio::task::spawn_blocking(move || p.unknown_lines(now)).await {
                Ok(Ok(unknown)) => lines.read(&unknown, now).await,
                Ok(Err(e)) => tracing::warn!(error = %e, "cannot tell which lines are unknown"),
                Err(e) => tracing::error!(error = %e, "the inbox processor stopped"),
            }
        }
        let p = processor.clone();
        match tokio::task::spawn_blocking(move || p.process_pending()).await {
            Ok(Ok(done)) if done.webhooks > 0 => {
                if done.cards > 0 {
                    wakes.carding.notify_one();
                }
                if done.effects > 0 {
                    wakes.logging.notify_one();
                }
                announcer.written().await;
                // Availability is read off the processing path: Aircall's budget is small and a
                // burst of user events must not delay calls.
                if let (Some(aircall), false) = (&aircall, done.users.is_empty()) {
                    let (a, st, an, users) = (
                        aircall.clone(),
                        store.clone(),
                        announcer.clone(),
                        done.users,
                    );
                    tokio::spawn(async move { refresh_availability(&a, &st, &an, &users).await });
                }
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "cannot process the inbox"),
            Err(e) => tracing::error!(error = %e, "the inbox processor stopped"),
        }
        tokio::select! {
            _ = &mut notified => {}
            _ = tokio::time::sleep(Duration::from_secs(30)) => {}
            _ = shutdown.wait_for(|s| *s) => return,
        }
    }
}

/// Reads lines' teammates from Aircall for the processor. A line that could not be read is not
/// asked again for a minute: its calls then concern admins only, rather than wait.
struct LineReader {
    aircall: Option<AircallClient>,
    store: Store,
    /// Lines that could not be read, and when.
    failed: std::collections::HashMap<u64, i64>,
}

/// How long one line's read may hold its webhooks back.
const LINE_READ_TIMEOUT: Duration = Duration::from_secs(3);

impl LineReader {
    fn new(aircall: Option<AircallClient>, store: Store) -> Self {
        LineReader {
            aircall: aircall.map(|a| a.at(crate::pacing::Priority::Interactive)),
            store,
            failed: Default::default(),
        }
    }

    /// Whether there is an Aircall to read lines from.
    fn can_read(&self) -> bool {
        self.aircall.is_some()
    }

    /// Reads these lines side by side, all within [`LINE_READ_TIMEOUT`].
    async fn read(&mut self, lines: &[u64], now: i64) {
        let Some(aircall) = &self.aircall else { return };
        self.failed.retain(|_, at| now - *at < 60);
        let wanted: Vec<u64> = lines
            .iter()
            .copied()
            .filter(|id| !self.failed.contains_key(id))
            .collect();
        let reads = futures_util::future::join_all(wanted.iter().map(|&id| async move {
            (
                id,
                tokio::time::timeout(LINE_READ_TIMEOUT, aircall.number(id)).await,
            )
        }))
        .await;
        for (id, read) in reads {
            match read {
                Ok(Ok(line)) => {
                    let kept = self
                        .store
                        .run(move |s| s.put_line_users(id, &line.users, now))
                        .await;
                    if let Err(e) = kept {
                        tracing::warn!(error = %e, "cannot remember a line's teammates");
                    }
                }
                Ok(Err(e)) => {
                    tracing::warn!(line = id, error = %e, "cannot read a line's teammates; its calls concern admins only meanwhile");
                    self.failed.insert(id, now);
                }
                Err(_) => {
                    tracing::warn!(line = id, "Aircall did not tell a line's teammates in time; its calls concern admins only meanwhile");
                    self.failed.insert(id, now);
                }
            }
        }
    }
}

/// Reads every line's teammates at start and then every half hour (number webhooks keep them
/// fresh in between), so that a ring never waits for them.
async fn read_every_line(
    aircall: AircallClient,
    store: Store,
    clock: Clock,
    mut shutdown: watch::Receiver<bool>,
) {
    // The first read goes before contact sync's writes: the first rings need it.
    let mut priority = crate::pacing::Priority::Interactive;
    loop {
        match aircall.at(priority).numbers().await {
            Ok(lines) => {
                let now = clock();
                let kept = store
                    .run(move |s| {
                        for line in &lines {
                            if let Err(e) = s.put_line_users(line.id, &line.users, now) {
                                tracing::warn!(error = %e, "cannot remember a line's teammates");
                            }
                        }
                        Ok(())
                    })
                    .await;
                if let Err(e) = kept {
                    tracing::warn!(error = %e, "cannot remember the lines' teammates");
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot read Aircall's lines and their teammates"),
        }
        priority = crate::pacing::Priority::Bulk;
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(30 * 60)) => {}
            _ = shutdown.wait_for(|s| *s) => return,
        }
    }
}

/// Reads the live availability of users whose status changed, caches it for the cards and
/// tells the agents.
async fn refresh_availability(
    aircall: &AircallClient,
    store: &Store,
    announcer: &Announcer,
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
        let now = announcer.now();
        let email = store
            .run(move |s| {
                if let Err(e) = s.update_availabilities(std::slice::from_ref(&update), now) {
                    tracing::warn!(error = %e, "cannot cache an availability");
                }
                Ok(s.aircall_user_email(user_id).ok().flatten())
            })
            .await
            .ok()
            .flatten();
        let event = HubEvent::Availability {
            user_id,
            email,
            availability,
        };
        if let Err(e) = announcer.announce(&event, Vec::new()).await {
            tracing::warn!(error = %e, "cannot record an availability change");
        }
    }
}
