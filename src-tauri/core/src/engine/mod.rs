//! The engine: one object that owns the store, the vendors' clients, the pipeline that logs calls
//! and messages, the card builder, contact sync, Intercom's contact notifications and retention,
//! and answers what the outside asks of them (a call's card, a number's card, an agent's
//! history, a tag, a note, the contact of a shared number, a call placed from the desktop).
//!
//! The hub ([`crate::hub`]) turns HTTP into these calls and their answers back into HTTP; the
//! CLI's `serve` and the desktop's in-app hub start the same engine through it. Who may see and
//! do what ([`may_see`]) is decided here, not in the handlers.

mod access;
mod admin;
mod callbacks;
mod error;
mod history;
mod overrides;
mod presence;
mod retention;
mod team;
mod wrapup;

pub use access::may_see;
pub use admin::{AdminOutcome, SkippedBy};
pub use callbacks::CallbackError;
pub use error::EngineError;
pub use overrides::SettingError;
pub use team::{DryRunError, InviteError, Invited};
pub use wrapup::{OutcomeChosen, WrapUpError};

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::aircall::AircallClient;
use crate::card::{Card, CardBuilder, Clock};
use crate::domain::history::HistoryItem;
use crate::domain::reason::Reason;
use crate::domain::subject::Subject;
use crate::error::ApiError;
use crate::intercom::notification::Notification;
use crate::intercom::{IntercomClient, Tag};
use crate::metrics::Metrics;
use crate::pacing::Priority;
use crate::phone::{CallerId, Region, E164};
use crate::pipeline::actions::{self, Action, Queued};
use crate::pipeline::ingest::IngestError;
use crate::pipeline::{LiveSettings, Pipeline, PipelineConfig, PipelineHandle};
use crate::rules::Settings;
use crate::store::{Agent, Store, StoreError, Stored};
use crate::sync::{Notifications, RunOutcome, SyncHandle, SyncProgress};
use crate::webhook::StoredEvent;

/// Contact sync inside the engine: how, and how often.
#[derive(Debug, Clone)]
pub struct SyncSchedule {
    /// How each run goes.
    pub options: crate::sync::SyncOptions,
    /// Time between scheduled runs.
    pub interval: Duration,
}

/// How long finished work is kept, and how often the rest is deleted.
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    /// What is finished and older than this is deleted.
    pub keep: Duration,
    /// Time between pruning passes.
    pub every: Duration,
}

/// Everything an engine runs with.
#[derive(Clone)]
pub struct EngineConfig {
    /// The database.
    pub store: Store,
    /// Intercom.
    pub intercom: IntercomClient,
    /// Aircall (the lines' teammates, availability, insight cards, dialing, contact sync).
    pub aircall: Option<AircallClient>,
    /// Integration settings, as the configuration sets them: the settings an admin changed in
    /// the console (stored with the data) are laid over them at start.
    pub settings: Settings,
    /// Region for national numbers when the Aircall line's country is unknown.
    pub default_region: Region,
    /// The clock (UNIX seconds).
    pub clock: Clock,
    /// Run contact sync on this schedule (needs Aircall). `None`: no sync in this engine.
    pub sync: Option<SyncSchedule>,
    /// Process Intercom's contact notifications (the hub receives them when Intercom's client
    /// secret is set).
    pub notifications: bool,
    /// What is kept, and for how long.
    pub retention: Retention,
    /// The team's working hours (`business_hours`, `timezone`): the call-backs' deadlines
    /// count in them, and "My day" is a day of their time zone.
    pub business_hours: crate::hours::BusinessHours,
}

impl std::fmt::Debug for EngineConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineConfig")
            .field("settings", &self.settings)
            .field("default_region", &self.default_region)
            .field("sync", &self.sync)
            .field("notifications", &self.notifications)
            .field("retention", &self.retention)
            .finish_non_exhaustive()
    }
}

/// What became of an Intercom notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepted {
    /// Stored under this sequence number, to be applied.
    New(i64),
    /// Received before: nothing to do.
    Redelivered,
    /// Older than what the engine remembers: ignored.
    TooOld,
}

/// A call placed from the desktop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialed {
    /// The number, in E.164.
    pub number: E164,
    /// The Aircall user whose phone rings.
    pub aircall_user_id: u64,
}

/// A running engine. Shared (`Arc`) by whatever serves it; [`Engine::shutdown`] stops its tasks.
pub struct Engine {
    store: Store,
    intercom: IntercomClient,
    aircall: Option<AircallClient>,
    cards: CardBuilder,
    pipeline: PipelineHandle,
    /// The settings obeyed now: the configuration's with the console's changes over them.
    settings: LiveSettings,
    /// The configuration's settings, before the console's changes.
    configured: Settings,
    /// Held while a setting changes, so that two admins' changes apply one after the other.
    changing: tokio::sync::Mutex<()>,
    default_region: Region,
    clock: Clock,
    retention: Retention,
    /// The team's working hours (call-backs' deadlines, "My day").
    business_hours: crate::hours::BusinessHours,
    instance: String,
    sync_schedule: Option<SyncSchedule>,
    sync_progress: Option<watch::Receiver<SyncProgress>>,
    sync_outcomes: Option<watch::Receiver<Option<RunOutcome>>>,
    notifications: Option<Notifications>,
    prunes: watch::Receiver<u64>,
    metrics: Metrics,
    stop: watch::Sender<bool>,
    sync: tokio::sync::Mutex<Option<SyncHandle>>,
    /// The sync engine the schedule runs, for the console's dry runs.
    syncing: Option<Arc<crate::sync::SyncEngine>>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    /// Tells `restore` that a hub serves this database; released when the engine is dropped.
    serving: Mutex<Option<crate::store::ServingLock>>,
    /// Wakes the presence task (an agent's "Done" or opt-out).
    presence: Arc<tokio::sync::Notify>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("instance", &self.instance)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// Starts the engine's tasks: the pipeline (with the lines' reader and the card pushes),
    /// contact sync on its schedule, Intercom's notifications and retention. Intercom's
    /// workspace is read once at start; when Intercom does not answer, links follow later.
    pub async fn start(mut config: EngineConfig) -> Result<Arc<Engine>, StoreError> {
        // One set of metrics per engine: every client, task and handler counts into it.
        let metrics = Metrics::new();
        metrics.expect_effects(&crate::domain::effect::Effect::KINDS);
        config.intercom = config.intercom.with_metrics(&metrics);
        config.aircall = config.aircall.map(|a| a.with_metrics(&metrics));
        let (instance, serving, changed) = config
            .store
            .run(|s| Ok((s.instance_id()?, s.serving_lock(), s.overrides()?)))
            .await?;
        let live = LiveSettings::new(overrides::laid_over(&config.settings, &changed));
        let (stop, stopped) = watch::channel(false);
        let serving = serving.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "another hub serves this database: both will work the same outbox");
            None
        });
        let cards = CardBuilder::new(
            config.intercom.clone(),
            config.aircall.clone(),
            config.store.clone(),
        )
        .with_new_contact_role(live.snapshot().new_contact_role)
        .with_clock(config.clock.clone());
        if let Err(e) = cards.workspace_id().await {
            tracing::warn!(error = %e, "cannot read the Intercom workspace yet; links will follow once Intercom answers");
        }
        if config.aircall.is_none() {
            tracing::warn!(
                "without Aircall credentials the hub cannot read who answers on each line: a call whose webhooks name nobody (a ringing call) reaches admins only"
            );
        }
        let presence = Arc::new(tokio::sync::Notify::new());
        let pipeline = Pipeline::start(
            PipelineConfig {
                store: config.store.clone(),
                intercom: config.intercom.clone(),
                aircall: config.aircall.clone(),
                settings: live.clone(),
                default_region: config.default_region,
                clock: config.clock.clone(),
                cards: cards.clone(),
                metrics: metrics.clone(),
                presence: presence.clone(),
                business_hours: config.business_hours.clone(),
            },
            stopped.clone(),
        );
        let handle = pipeline.handle();
        let mut tasks = pipeline.into_tasks();
        // Presence follows the phone: its task runs always (a wrap-up's timer ends the card's
        // wrap-up whether or not the setting is on) and asks Intercom nothing while it is off.
        tasks.push(tokio::spawn(
            crate::presence::Presence::new(crate::presence::PresenceConfig {
                store: config.store.clone(),
                intercom: config.intercom.clone(),
                aircall: config.aircall.clone(),
                directory: cards.directory().clone(),
                settings: live.clone(),
                clock: config.clock.clone(),
                metrics: metrics.clone(),
                announcer: handle.announcer(),
                wake: presence.clone(),
            })
            .run(stopped.clone()),
        ));

        // Contact sync shares the engine's clients, and so their pacers: its bulk requests
        // always yield to a ringing call's.
        let syncing = match (&config.sync, &config.aircall) {
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
        // Intercom's notifications go through the same sync engine, so that Aircall follows.
        let notifications = config.notifications.then(|| {
            let worker = Notifications::new(
                config.intercom.clone(),
                config.store.clone(),
                config.default_region,
                config.clock.clone(),
            );
            let worker = match &syncing {
                Some(engine) => worker.with_engine(engine.clone()),
                None => worker,
            }
            .with_presence(presence.clone());
            tasks.push(tokio::spawn(worker.clone().run(stopped.clone())));
            worker
        });
        let dry_runs = syncing.clone();
        let sync = match (syncing, &config.sync) {
            (Some(engine), Some(schedule)) => {
                Some(crate::sync::SyncRunner::new(engine, schedule.interval).spawn())
            }
            _ => None,
        };
        let (pruned, prunes) = watch::channel(0);
        tasks.push(tokio::spawn(retention::prune(
            config.store.clone(),
            config.clock.clone(),
            config.retention,
            pruned,
            metrics.clone(),
            stopped,
        )));
        Ok(Arc::new(Engine {
            store: config.store,
            intercom: config.intercom,
            aircall: config.aircall,
            cards,
            pipeline: handle,
            settings: live,
            configured: config.settings,
            changing: tokio::sync::Mutex::new(()),
            default_region: config.default_region,
            clock: config.clock,
            retention: config.retention,
            business_hours: config.business_hours,
            instance,
            sync_schedule: sync.as_ref().and(config.sync),
            sync_progress: sync.as_ref().map(|h| h.progress()),
            sync_outcomes: sync.as_ref().map(|h| h.outcomes()),
            notifications,
            prunes,
            metrics,
            stop,
            sync: tokio::sync::Mutex::new(sync),
            syncing: dry_runs,
            tasks: Mutex::new(tasks),
            serving: Mutex::new(serving),
            presence,
        }))
    }

    /// The database.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The engine's metrics (what `GET /metrics` shows).
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The integration settings obeyed now (a snapshot: the console may change them; see
    /// [`Engine::update_settings`]).
    pub fn settings(&self) -> Settings {
        self.settings.snapshot().as_ref().clone()
    }

    /// The integration settings as the configuration set them, before the console's changes.
    pub fn configured_settings(&self) -> &Settings {
        &self.configured
    }

    /// Replaces the integration settings obeyed: the next webhook processed, effect run and
    /// card built follow them, without a restart. (The console's changes go through
    /// [`Engine::change_settings`], which also stores them.)
    pub fn update_settings(&self, settings: Settings) {
        self.settings.replace(settings);
    }

    /// The card builder with the settings obeyed now.
    fn card_builder(&self) -> CardBuilder {
        self.cards
            .clone()
            .with_new_contact_role(self.settings.snapshot().new_contact_role)
    }

    /// The region of national numbers when a line's country is unknown.
    pub fn default_region(&self) -> Region {
        self.default_region
    }

    /// Now, in UNIX seconds, by the engine's clock.
    pub fn now(&self) -> i64 {
        (self.clock)()
    }

    /// This database's instance id: it changes when the database is replaced.
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// Takes an Aircall webhook in: stored, then processed. The id is the inbox row's.
    pub async fn accept(&self, event: StoredEvent) -> Result<i64, IngestError> {
        self.pipeline.accept(event).await
    }

    /// The newest event id of the agents' log, as it changes.
    pub fn events(&self) -> watch::Receiver<i64> {
        self.pipeline.events()
    }

    /// Contact sync's progress, when the engine runs it.
    pub fn sync_progress(&self) -> Option<watch::Receiver<SyncProgress>> {
        self.sync_progress.clone()
    }

    /// How contact sync's runs ended, when the engine runs it.
    pub fn sync_outcomes(&self) -> Option<watch::Receiver<Option<RunOutcome>>> {
        self.sync_outcomes.clone()
    }

    /// Contact sync's schedule, when the engine runs it.
    pub fn sync_schedule(&self) -> Option<&SyncSchedule> {
        self.sync_schedule.as_ref()
    }

    /// The worker that applies Intercom's contact notifications, when they are on.
    pub fn notifications(&self) -> Option<&Notifications> {
        self.notifications.as_ref()
    }

    /// How many retention passes were done since the start, as it changes.
    pub fn retention_passes(&self) -> watch::Receiver<u64> {
        self.prunes.clone()
    }

    /// The agent behind a token, if it is known and not revoked. The agent is recorded as
    /// seen now, at most once a minute (`store::LAST_SEEN_EVERY`).
    pub async fn agent_for_token(&self, token: &str) -> Result<Option<Agent>, StoreError> {
        self.agent_for_request(token, None).await
    }

    /// The call with this id, when the engine tracks it and the agent may see it; otherwise
    /// [`EngineError::UnknownCall`], whether or not it exists.
    pub async fn visible_call(&self, agent: &Agent, id: u64) -> Result<Subject, EngineError> {
        let agent = agent.clone();
        self.run(move |s| access::visible_call(s, &agent, id)).await
    }

    /// Runs engine work that reads or writes the store on the blocking pool (see
    /// [`Store::run`]); `EngineError`s pass through.
    async fn run<T, F>(&self, work: F) -> Result<T, EngineError>
    where
        F: FnOnce(&Store) -> Result<T, EngineError> + Send + 'static,
        T: Send + 'static,
    {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || work(&store))
            .await
            .map_err(|e| EngineError::Store(StoreError::Task(e.to_string())))?
    }

    /// The card of a call the agent may see, with the call's own conversation and its tags.
    /// The contacts a shared number offers are remembered: the agent may pick one of them,
    /// and no other.
    pub async fn card_for_call(&self, agent: &Agent, id: u64) -> Result<Card, EngineError> {
        // Only a call the engine knows: asking Aircall for any id would spend its budget.
        let subject = self.visible_call(agent, id).await?;
        let caller = subject
            .caller(self.default_region)
            .map_err(|e| EngineError::BadNumber(e.to_string()))?;
        let mut card = self.card_builder().build(&caller, Some(id)).await?;
        let offered = card.candidate_ids();
        let key = subject.key();
        self.store
            .run(move |s| s.subject_offer_candidates(&key, &offered))
            .await?;
        card.call_conversation = Some(self.cards.call_conversation(&subject).await?);
        Ok(card)
    }

    /// The card of a number: any for an admin, only the callers of their own calls for an
    /// agent. `region` (two letters) reads national numbers; else the default region.
    pub async fn card_for_number(
        &self,
        agent: &Agent,
        phone: &str,
        region: Option<&str>,
    ) -> Result<Card, EngineError> {
        let region = match region {
            Some(r) => Region::parse(r).map_err(|e| EngineError::BadRegion(e.to_string()))?,
            None => self.default_region,
        };
        let caller =
            CallerId::parse(phone, region).map_err(|e| EngineError::BadNumber(e.to_string()))?;
        let (who, region, number) = (agent.clone(), self.default_region, caller.clone());
        let allowed = self
            .run(move |s| access::may_look_up(s, region, &who, &number))
            .await?;
        if !allowed {
            return Err(EngineError::Forbidden(
                "an agent may look up the numbers of their own calls only",
            ));
        }
        Ok(self.card_builder().build(&caller, None).await?)
    }

    /// Intercom's tags, for the agents' picker.
    pub async fn tags(&self) -> Result<Vec<Tag>, EngineError> {
        Ok(self.intercom.at(Priority::Interactive).tags().await?)
    }

    /// Queues an agent's tag, untag or note on a call they may see, under `key` (the same key
    /// queues it once), ahead of other calls' logging.
    pub async fn queue_action(
        &self,
        agent: &Agent,
        call_id: u64,
        key: &str,
        action: &Action,
    ) -> Result<Queued, EngineError> {
        let (agent, key, action, now) = (agent.clone(), key.to_owned(), action.clone(), self.now());
        let queued = self
            .run(move |s| {
                access::visible_call(s, &agent, call_id)?;
                Ok(actions::queue(
                    s,
                    call_id,
                    &agent.email,
                    &key,
                    &action,
                    now,
                )?)
            })
            .await?;
        self.pipeline.effects_queued();
        Ok(queued)
    }

    /// The agent picks the contact of a call the engine could not log on its own: one of the
    /// candidates offered for that call, which must still exist in Intercom. The call is then
    /// logged to it. Returns the contact's id.
    pub async fn choose_contact(
        &self,
        subject: &Subject,
        contact_id: &str,
    ) -> Result<String, EngineError> {
        if subject.conversation_id.is_some() {
            return Err(EngineError::AlreadyLogged);
        }
        if !subject.candidates.iter().any(|c| c == contact_id) {
            return Err(EngineError::NotACandidate);
        }
        let contact = self
            .intercom
            .at(Priority::Interactive)
            .contact(contact_id)
            .await
            .map_err(|e| match e {
                ApiError::NotFound { .. } => EngineError::UnknownContact,
                other => other.into(),
            })?;
        let (key, chosen, now) = (subject.key(), contact.id.clone(), self.now());
        self.store
            .run(move |s| s.subject_choose_contact(&key, &chosen, now))
            .await?;
        self.pipeline.effects_queued();
        Ok(contact.id)
    }

    /// The agent's calls and messages, newest first, at most `limit`: every one for an admin.
    pub async fn history(
        &self,
        agent: &Agent,
        limit: usize,
    ) -> Result<Vec<HistoryItem>, EngineError> {
        let (agent, identity, region) = (
            agent.clone(),
            self.intercom.identity_key().to_owned(),
            self.default_region,
        );
        self.run(move |s| history::history(s, &agent, limit, &identity, region))
            .await
    }

    /// Rings the agent's Aircall phone with `to` (read in the region of `call_id`'s line when
    /// the agent may see that call, else the default region).
    pub async fn dial(
        &self,
        agent: &Agent,
        to: &str,
        call_id: Option<u64>,
    ) -> Result<Dialed, EngineError> {
        let Some(aircall) = self.aircall.as_ref() else {
            return Err(EngineError::NoAircall);
        };
        let seen = match call_id {
            Some(id) => match self.visible_call(agent, id).await {
                Ok(subject) => Some(subject),
                Err(EngineError::UnknownCall(_)) => None,
                Err(e) => return Err(e),
            },
            None => None,
        };
        let region = seen
            .as_ref()
            .and_then(|s| s.call()?.number.as_ref()?.country.as_deref())
            .and_then(|c| Region::parse(c).ok())
            .unwrap_or(self.default_region);
        let number = match CallerId::parse(to, region) {
            Ok(CallerId::Number(n)) => n,
            Ok(CallerId::Anonymous) => return Err(EngineError::Undialable(Reason::DialAnonymous)),
            Err(e) => {
                return Err(EngineError::Undialable(Reason::DialBadNumber {
                    number: to.trim().to_owned(),
                    detail: e.to_string(),
                }))
            }
        };
        let aircall = aircall.at(Priority::Interactive);
        let Some(user_id) = self.aircall_user(&aircall, &agent.email).await? else {
            return Err(EngineError::Undialable(Reason::NoAircallUser {
                email: agent.email.clone(),
            }));
        };
        match aircall.dial(user_id, &number).await {
            Ok(()) => Ok(Dialed {
                number,
                aircall_user_id: user_id,
            }),
            Err(ApiError::Rejected { body, .. }) => {
                Err(EngineError::Undialable(Reason::DialRefused {
                    number: number.to_string(),
                    reason: aircall_reason(&body),
                }))
            }
            Err(ApiError::NotFound { .. }) => Err(EngineError::Undialable(Reason::AircallUserGone)),
            Err(e) => Err(e.into()),
        }
    }

    /// The Aircall user with this email (any letter case): from the cache, else from Aircall.
    async fn aircall_user(
        &self,
        aircall: &AircallClient,
        email: &str,
    ) -> Result<Option<u64>, EngineError> {
        let known = email.to_owned();
        if let Some(user) = self
            .store
            .run(move |s| s.aircall_user_by_email(&known))
            .await?
        {
            return Ok(Some(user.id));
        }
        let users = aircall.users().await?;
        Ok(users
            .into_iter()
            .find(|u| {
                u.email
                    .as_deref()
                    .is_some_and(|e| e.trim().eq_ignore_ascii_case(email.trim()))
            })
            .map(|u| u.id))
    }

    /// Takes an Intercom notification in (its signature already checked): stored, then applied
    /// by the notifications' worker. One older than what the engine remembers (the retention
    /// period) could be a replay of one it has forgotten, and is ignored.
    pub async fn accept_notification(
        &self,
        notification: &Notification,
        text: &str,
    ) -> Result<Accepted, StoreError> {
        let remembered_since = self
            .now()
            .saturating_sub(i64::try_from(self.retention.keep.as_secs()).unwrap_or(i64::MAX));
        if notification.created_at > 0 && notification.created_at < remembered_since {
            tracing::warn!(
                id = %crate::webhook::printable(&notification.id, 80),
                topic = %crate::webhook::printable(&notification.topic, 80),
                created_at = notification.created_at,
                "an Intercom notification older than what the hub remembers is ignored (a replay?)"
            );
            return Ok(Accepted::TooOld);
        }
        let (kept, text, now) = (notification.clone(), text.to_owned(), self.now());
        let stored = self
            .store
            .run(move |s| s.store_notification(&kept, &text, now))
            .await?;
        match stored {
            Stored::New(seq) => {
                if let Some(worker) = &self.notifications {
                    worker.poke();
                }
                Ok(Accepted::New(seq))
            }
            Stored::Redelivered => Ok(Accepted::Redelivered),
        }
    }

    /// A signal that turns true when the engine stops.
    pub fn stopping(&self) -> watch::Receiver<bool> {
        self.stop.subscribe()
    }

    /// Stops every task and waits for them together, at most [`STOP_WITHIN`]: effects in
    /// flight finish, or stay in flight to be looked up and finished at the next start. Then
    /// the write-ahead log is moved into the database, and the serving lock released.
    pub async fn shutdown(&self) {
        self.stop.send_replace(true);
        let deadline = tokio::time::Instant::now() + STOP_WITHIN;
        if let Some(sync) = self.sync.lock().await.take() {
            if tokio::time::timeout_at(deadline, sync.shutdown())
                .await
                .is_err()
            {
                tracing::warn!("contact sync did not stop in time; its run resumes at next start");
            }
        }
        let tasks: Vec<_> = match self.tasks.lock() {
            Ok(mut tasks) => tasks.drain(..).collect(),
            Err(poisoned) => poisoned.into_inner().drain(..).collect(),
        };
        for task in tasks {
            let abort = task.abort_handle();
            if tokio::time::timeout_at(deadline, task).await.is_err() {
                abort.abort();
            }
        }
        if let Err(e) = self.store.run(|s| s.checkpoint_truncate()).await {
            tracing::warn!(error = %e, "cannot checkpoint the database as the hub stops");
        }
        match self.serving.lock() {
            Ok(mut lock) => lock.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
    }
}

/// How long [`Engine::shutdown`] waits for the engine's tasks (effects in flight among them)
/// before it abandons them: with the server's own five seconds, well under the 30 seconds a
/// service manager waits (`TimeoutStopSec`).
pub const STOP_WITHIN: Duration = Duration::from_secs(15);

impl Engine {
    /// Stops every task at once, without waiting (what dropping the hub does).
    pub fn abort(&self) {
        self.stop.send_replace(true);
        let tasks = match self.tasks.lock() {
            Ok(tasks) => tasks,
            Err(poisoned) => poisoned.into_inner(),
        };
        for task in tasks.iter() {
            task.abort();
        }
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.abort();
    }
}

/// Aircall's reason in words: its `troubleshoot`, else its `error`, else the body.
fn aircall_reason(body: &str) -> String {
    let parsed: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    ["troubleshoot", "error", "message"]
        .iter()
        .find_map(|k| parsed[*k].as_str().filter(|s| !s.trim().is_empty()))
        .map(|s| s.trim().trim_end_matches('.').to_owned())
        .unwrap_or_else(|| "it gave no reason".to_owned())
}
