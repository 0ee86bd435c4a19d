//! Contacts in step within seconds: Intercom's contact notifications applied as they arrive.
//!
//! The hub stores each notification before answering Intercom (`hub/intercom.rs`);
//! [`Notifications`] applies them one at a time in arrival order. A notification only says
//! *which* contact changed: the contact is read again from Intercom, so a late or repeated
//! notification can never bring back an older state, a creation that arrives after its
//! deletion finds nothing, and a deletion of a contact Intercom still has takes nothing away. The contact then goes through contact sync's own code: the index
//! (so its card is instant) and, when the hub runs contact sync, the Aircall contact Ringside
//! made for it, at bulk priority through the shared Aircall budget. The index is written as the
//! notification is applied; the Aircall writes follow on a task of their own, so that a lead
//! waiting for Aircall's budget never holds back the next notification's index entry. What is
//! due for Aircall is recorded in the sync's own table first, so a write lost to a restart is
//! made by the next scheduled run. Those runs stay the safety net; since a notification leaves
//! the same records a run would, a run afterwards finds nothing to change.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch, Notify};

use super::engine::{SyncEngine, SyncError};
use crate::card::Clock;
use crate::domain::plan::Reading;
use crate::error::ApiError;
use crate::intercom::notification::{Change, Notification};
use crate::intercom::IntercomClient;
use crate::pacing::Priority;
use crate::phone::Region;
use crate::store::{NotificationEnd, Scanned, Store, StoreError, SyncRow};

/// Notifications read from the store at a time.
const BATCH: usize = 50;
/// Attempts before a notification that keeps failing for a reason that may pass is set aside.
const MAX_ATTEMPTS: u32 = 8;

/// The queue of contacts whose Aircall contact is due for a write.
#[derive(Clone)]
struct Pushes {
    queue: mpsc::UnboundedSender<String>,
    /// Taken by the task that writes them, when [`Notifications::run`] starts.
    receiver: Arc<std::sync::Mutex<Option<mpsc::UnboundedReceiver<String>>>>,
}

/// Applies Intercom's contact notifications to the index and, with contact sync, to Aircall.
#[derive(Clone)]
pub struct Notifications {
    intercom: IntercomClient,
    store: Store,
    region: Region,
    clock: Clock,
    /// Contact sync, when the hub runs it: Aircall follows the index.
    engine: Option<Arc<SyncEngine>>,
    wake: Arc<Notify>,
    /// The Aircall writes due, in the order they became due (with contact sync).
    pushes: Option<Pushes>,
    /// The first wait after a failure that may pass; it doubles per attempt up to a minute.
    backoff: Duration,
    /// Told when a teammate's away mode changed (presence acts on it).
    presence: Option<Arc<Notify>>,
}

impl std::fmt::Debug for Notifications {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifications")
            .field("syncs_aircall", &self.engine.is_some())
            .finish_non_exhaustive()
    }
}

impl Notifications {
    /// Notifications applied to the index only (no contact sync in this hub).
    pub fn new(intercom: IntercomClient, store: Store, region: Region, clock: Clock) -> Self {
        Notifications {
            intercom: intercom.at(Priority::Bulk),
            store,
            region,
            clock,
            engine: None,
            wake: Arc::new(Notify::new()),
            pushes: None,
            backoff: Duration::from_secs(2),
            presence: None,
        }
    }

    /// Teammates' away-mode notifications are recorded for presence, which `wake` tells.
    pub fn with_presence(mut self, wake: Arc<Notify>) -> Self {
        self.presence = Some(wake);
        self
    }

    /// Notifications applied through contact sync's engine (index and Aircall).
    pub fn with_engine(mut self, engine: Arc<SyncEngine>) -> Self {
        self.region = engine.options().default_region;
        self.engine = Some(engine);
        let (queue, receiver) = mpsc::unbounded_channel();
        self.pushes = Some(Pushes {
            queue,
            receiver: Arc::new(std::sync::Mutex::new(Some(receiver))),
        });
        self
    }

    /// Wakes the worker: a notification was stored.
    pub fn poke(&self) {
        self.wake.notify_one();
    }

    /// Applies stored notifications until `shutdown` turns true; wakes on [`Self::poke`], and
    /// once a minute in case a poke was missed.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let receiver = self.pushes.as_ref().and_then(|p| {
            p.receiver
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take()
        });
        let writer = match (&self.engine, receiver) {
            (Some(engine), Some(receiver)) => Some(tokio::spawn(write_to_aircall(
                engine.clone(),
                self.store.clone(),
                receiver,
            ))),
            _ => None,
        };
        let _stop_writer = StopOnDrop(writer);
        loop {
            if *shutdown.borrow() {
                return;
            }
            let pause = match self.drain().await {
                Ok(None) => Duration::from_secs(60),
                Ok(Some(wait)) => wait,
                Err(e) => {
                    tracing::error!(error = %e, "cannot read Intercom's notifications");
                    Duration::from_secs(5)
                }
            };
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(pause) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    /// Applies every pending notification in order. Stops early, and says how long to wait,
    /// when one fails for a reason that may pass (order matters: a later one waits for it).
    async fn drain(&self) -> Result<Option<Duration>, SyncError> {
        loop {
            let batch = self.store.run(|s| s.pending_notifications(BATCH)).await?;
            if batch.is_empty() {
                return Ok(None);
            }
            for pending in batch {
                let notification = match Notification::parse(pending.body.as_bytes()) {
                    Ok(n) => n,
                    Err(e) => {
                        self.finish(pending.seq, NotificationEnd::Failed, e.to_string())
                            .await?;
                        continue;
                    }
                };
                match self.apply(&notification.change).await {
                    Ok(None) => {
                        self.finish(
                            pending.seq,
                            NotificationEnd::Ignored,
                            "Ringside does not act on this topic".to_owned(),
                        )
                        .await?
                    }
                    Ok(Some(outcome)) => {
                        tracing::info!(topic = %notification.topic, %outcome, "Intercom notification applied");
                        self.finish(pending.seq, NotificationEnd::Applied, outcome)
                            .await?
                    }
                    Err(SyncError::Api(e))
                        if e.is_transient() && pending.attempts + 1 < MAX_ATTEMPTS =>
                    {
                        tracing::warn!(error = %e, attempts = pending.attempts + 1, "an Intercom notification waits");
                        let (seq, reason) = (pending.seq, e.to_string());
                        self.store
                            .run(move |s| s.retry_notification(seq, &reason))
                            .await?;
                        let wait = self.backoff * 2u32.saturating_pow(pending.attempts);
                        return Ok(Some(wait.min(Duration::from_secs(60))));
                    }
                    Err(SyncError::Store(e)) => return Err(SyncError::Store(e)),
                    Err(e) => {
                        tracing::warn!(error = %e, topic = %notification.topic, "an Intercom notification could not be applied; the next scheduled sync covers it");
                        self.finish(pending.seq, NotificationEnd::Failed, e.to_string())
                            .await?
                    }
                }
            }
        }
    }

    /// Records how a notification ended, now.
    async fn finish(
        &self,
        seq: i64,
        end: NotificationEnd,
        outcome: String,
    ) -> Result<(), StoreError> {
        let now = self.now();
        self.store
            .run(move |s| s.finish_notification(seq, end, &outcome, now))
            .await
    }

    /// Applies one change; says what it did, or `None` for a topic Ringside ignores.
    pub async fn apply(&self, change: &Change) -> Result<Option<String>, SyncError> {
        Ok(Some(match change {
            Change::Ignored => return Ok(None),
            Change::AwayMode {
                admin_id,
                email,
                away,
            } => return self.away_mode(admin_id, email.as_deref(), *away).await,
            Change::Refresh { contact_id } => self.refresh(contact_id).await?,
            Change::Remove { contact_id } => self.confirm_removal(contact_id).await?,
            Change::Merge { survivor, merged } => {
                let gone = self.remove(merged).await?;
                let kept = self.refresh(survivor).await?;
                format!("merged away: {gone}; remaining: {kept}")
            }
        }))
    }

    /// Records a teammate's away mode for presence (by email: the payload's, else the cached
    /// admin's). `None` when presence is not in this hub or the teammate has no email.
    async fn away_mode(
        &self,
        admin_id: &str,
        email: Option<&str>,
        away: crate::intercom::AwayMode,
    ) -> Result<Option<String>, SyncError> {
        let Some(wake) = &self.presence else {
            return Ok(None);
        };
        let (id, email, now) = (admin_id.to_owned(), email.map(str::to_owned), self.now());
        let away_of = |away: crate::intercom::AwayMode| crate::domain::presence::Away {
            enabled: away.enabled,
            reassign: away.reassign,
            reason_id: away.reason_id,
        };
        let mut seen = away_of(away);
        let known = self
            .store
            .run(move |s| {
                let email = match email {
                    Some(e) => Some(e),
                    None => s
                        .admins()?
                        .0
                        .into_iter()
                        .find(|a| a.id == id)
                        .and_then(|a| a.email),
                };
                Ok(match email {
                    Some(e) => {
                        let row = s.presence_row(&e)?;
                        Some((e, row))
                    }
                    None => None,
                })
            })
            .await?;
        let Some((email, row)) = known else {
            return Ok(None);
        };
        // Intercom's notifications can come late, after the hub's next change: during a run of
        // calls, one that is not the hub's latest doing is checked against the away mode
        // Intercom has now. A stale one (the hub's own "back" between two calls, say) no
        // longer is, and must not read as the agent taking over.
        if row.is_some_and(|r| (r.applied.is_some() || r.pending.is_some()) && !r.is_hubs(&seen)) {
            match self.intercom.away_mode(admin_id).await {
                Ok(present) => seen = away_of(present),
                Err(e) => tracing::warn!(
                    error = %e,
                    "cannot read the teammate's away mode back; the notification is taken as it is"
                ),
            }
        }
        let changed = self
            .store
            .run(move |s| Ok(Some(s.presence_observed(&email, seen, now)?)))
            .await?;
        Ok(match changed {
            Some(true) => {
                wake.notify_one();
                Some("the teammate's own away mode, for presence".to_owned())
            }
            Some(false) => Some("the hub's own away mode change".to_owned()),
            None => None,
        })
    }

    /// Reads the contact from Intercom and records its current state.
    async fn refresh(&self, contact_id: &str) -> Result<String, SyncError> {
        let read = || self.intercom.contact(contact_id);
        let contact = match &self.engine {
            Some(engine) => engine.patiently(read).await,
            None => read().await.map_err(SyncError::from),
        };
        let contact = match contact {
            Ok(contact) => contact,
            // Deleted since (a deletion may arrive before its creation): nothing to keep.
            Err(SyncError::Api(ApiError::NotFound { .. })) => {
                let removed = self.remove(contact_id).await?;
                return Ok(format!("no longer in Intercom; {removed}"));
            }
            Err(e) => return Err(e),
        };
        let reading = Reading::of(&contact, self.region);
        let indexed = match &reading {
            Reading::Number(number) => format!("indexed at {}", number.as_str()),
            Reading::Unparseable { .. } => "indexed; its phone is not a number".to_owned(),
            Reading::NoPhone => "no phone".to_owned(),
        };
        let Some(engine) = &self.engine else {
            let scanned = Scanned {
                contact,
                reading,
                target: None,
            };
            self.record_live(scanned).await?;
            return Ok(indexed);
        };
        let workspace = engine.workspace_id().await?;
        let scanned = engine.scanned(contact, &workspace);
        self.record_live(scanned).await?;
        Ok(format!("{indexed}; {}", self.push(contact_id)))
    }

    /// A deletion or archiving is confirmed with Intercom before anything is taken away: a
    /// contact Intercom still has (a notification replayed, or overtaken by an unarchiving)
    /// is read again and kept.
    async fn confirm_removal(&self, contact_id: &str) -> Result<String, SyncError> {
        let read = || self.intercom.contact(contact_id);
        let found = match &self.engine {
            Some(engine) => engine.patiently(read).await,
            None => read().await.map_err(SyncError::from),
        };
        match found {
            Err(SyncError::Api(ApiError::NotFound { .. })) => self.remove(contact_id).await,
            Err(e) => Err(e),
            Ok(_) => {
                tracing::warn!(
                    contact = contact_id,
                    "Intercom still has a contact a notification says is gone; it is kept"
                );
                let kept = self.refresh(contact_id).await?;
                Ok(format!("still in Intercom, kept: {kept}"))
            }
        }
    }

    /// Records a contact as read now, in the index (and, with contact sync, as due for Aircall).
    async fn record_live(&self, scanned: Scanned) -> Result<(), StoreError> {
        let now = self.now();
        self.store
            .run(move |s| s.sync_record_live(&scanned, now))
            .await
    }

    /// Takes the contact out of the index and out of Aircall.
    async fn remove(&self, contact_id: &str) -> Result<String, SyncError> {
        let id = contact_id.to_owned();
        self.store.run(move |s| s.sync_forget_live(&id)).await?;
        match &self.engine {
            Some(_) => Ok(format!("left the index; {}", self.push(contact_id))),
            None => Ok("left the index".to_owned()),
        }
    }

    /// Queues the contact's Aircall write, and says so.
    fn push(&self, contact_id: &str) -> String {
        match &self.pushes {
            Some(pushes) if pushes.queue.send(contact_id.to_owned()).is_ok() => {
                "Aircall follows".to_owned()
            }
            // No writer (the hub is stopping): the next scheduled run writes it.
            _ => "Aircall follows at the next contact sync".to_owned(),
        }
    }

    fn now(&self) -> i64 {
        (self.clock)()
    }
}

/// Aborts the writer task when the notifications' task ends.
struct StopOnDrop(Option<tokio::task::JoinHandle<()>>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        if let Some(task) = &self.0 {
            task.abort();
        }
    }
}

/// Writes each queued contact to Aircall, in the order queued (a contact queued again while
/// waiting is written once). A write that fails past the engine's patience stays due in the
/// sync's table for the next scheduled run.
async fn write_to_aircall(
    engine: Arc<SyncEngine>,
    store: Store,
    mut queue: mpsc::UnboundedReceiver<String>,
) {
    let mut due: std::collections::VecDeque<String> = std::collections::VecDeque::new();
    loop {
        if due.is_empty() {
            match queue.recv().await {
                Some(id) => due.push_back(id),
                None => return,
            }
        }
        while let Ok(id) = queue.try_recv() {
            if !due.contains(&id) {
                due.push_back(id);
            }
        }
        let Some(id) = due.pop_front() else {
            continue;
        };
        let before = row(&store, &id).await;
        match engine.push_live(&id).await {
            Ok(()) => {
                let after = row(&store, &id).await;
                tracing::info!(contact = %id, aircall = %describe(before.as_ref(), after.as_ref()), "Intercom notification written to Aircall");
            }
            Err(e) => {
                tracing::warn!(contact = %id, error = %e, "cannot write a notified contact to Aircall; the next contact sync does")
            }
        }
    }
}

/// The contact's sync row, if it can be read.
async fn row(store: &Store, id: &str) -> Option<SyncRow> {
    let id = id.to_owned();
    store.run(move |s| s.sync_row(&id)).await.ok().flatten()
}

/// What the push did to a contact's Aircall contact, from its sync row before and after.
fn describe(before: Option<&SyncRow>, after: Option<&SyncRow>) -> String {
    let had = before.and_then(|r| r.aircall_id);
    let has = after.and_then(|r| r.aircall_id);
    if let Some(failure) = after.and_then(|r| r.failure.as_deref()) {
        return format!("Aircall refused it: {failure}");
    }
    match (had, has) {
        (None, Some(id)) => format!("Aircall contact {id} created"),
        (Some(id), None) => format!("Aircall contact {id} deleted"),
        (Some(_), Some(id)) if before.map(|r| &r.written) != after.map(|r| &r.written) => {
            format!("Aircall contact {id} updated")
        }
        (Some(id), Some(_)) => format!("Aircall contact {id} unchanged"),
        (None, None) => "nothing in Aircall".to_owned(),
    }
}

impl SyncEngine {
    /// Writes one contact to Aircall now, outside any run (its counters are not a run's), one
    /// contact at a time with the runs' own pushes.
    pub(super) async fn push_live(&self, contact_id: &str) -> Result<(), SyncError> {
        self.patiently_push(0, contact_id).await
    }
}
