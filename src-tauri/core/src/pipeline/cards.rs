//! The card path: a ringing call's card is built and announced on the agents' streams as soon as
//! its webhook is processed, side by side with every other call's card and never behind logging;
//! its own look-ups are its only wait.
//!
//! The look-ups start even earlier ([`Cards::look_ahead`]): as soon as a ringing call's webhook
//! is accepted, before it is on disk and processed, the caller's card is built; the call's card,
//! once the call is processed, takes that one (waiting for it if need be) instead of looking
//! everything up again. Its wait is then one round trip from the webhook's arrival, not from
//! the end of its processing. A look-up that fails only costs time: the card then asks itself.
//!
//! Showing the card in Aircall's phone app is separate ([`Pushes`]): Aircall's budget is small
//! (a request a second at 60 a minute), so pushes wait their turn there, the newest call first.
//! Aircall shows a card on any ongoing call: a call answered while its card waited still gets
//! it, and a push whose call ended before its turn is dropped (the call's history says so).
//! Pushes are not kept across a restart: they are only worth anything while the call is live.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;

use crate::aircall::{AircallClient, CardBlock};
use crate::card::{Card, CardBuilder, Clock};
use crate::error::ApiError;
use crate::metrics::{EffectOutcome, Metrics};
use crate::pacing::Priority;
use crate::phone::{CallerId, Region};
use crate::store::{Lane, OutboxRow, Store, StoreError};
use crate::webhook::{Event, StoredEvent};

use super::events::{Announcer, HubEvent};
use super::live::LiveSettings;
use crate::domain::subject::{caller_of_call, CardPush, Subject, SubjectKey};

/// Cards built at once at most; more wait in the outbox for a slot (a burst of a few hundred
/// rings does not start a few hundred sets of look-ups).
pub const CARDS_AT_ONCE: usize = 64;

/// How long a card that cannot be built is retried: it is only worth having while the call
/// rings.
const CARD_RETRY_FOR: i64 = 60;

/// Callers looked up ahead of their card at most at once; a burst beyond it builds the rest of
/// its cards the usual way, once processed.
const AHEAD_AT_MOST: usize = 256;

/// How long a card built ahead stands in for the card of its call: its call has usually been
/// processed within milliseconds; one that was not (a backlog) is looked up again.
const AHEAD_KEPT_FOR: Duration = Duration::from_secs(10);

/// Cards built ahead, by caller: a ringing call's card takes its caller's (waiting for it while
/// it is being built) instead of looking everything up a second time. Cheap to clone.
#[derive(Clone, Default)]
pub(super) struct Ahead {
    slots: Arc<Mutex<HashMap<String, Slot>>>,
}

/// A card being built ahead, or built: `None` until then, and for good when the look-up failed.
struct Slot {
    card: watch::Receiver<Option<Card>>,
    started: tokio::time::Instant,
}

impl Ahead {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Slot>> {
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn key(caller: &CallerId) -> String {
        match caller {
            CallerId::Number(n) => n.to_string(),
            CallerId::Anonymous => "anonymous".to_owned(),
        }
    }

    /// Makes room for a card of `caller`; `None` when one is being built or kept already, or
    /// too many are. Cards nobody took (their call was not a ring after all) go after a while.
    fn start(&self, caller: &CallerId) -> Option<watch::Sender<Option<Card>>> {
        let mut slots = self.lock();
        slots.retain(|_, slot| slot.started.elapsed() < AHEAD_KEPT_FOR);
        let key = Self::key(caller);
        if slots.contains_key(&key) || slots.len() >= AHEAD_AT_MOST {
            return None;
        }
        let (built, card) = watch::channel(None);
        slots.insert(
            key,
            Slot {
                card,
                started: tokio::time::Instant::now(),
            },
        );
        Some(built)
    }

    /// The card built ahead for `caller`, waiting for it while it is being built; `None` when
    /// there is none, it failed, or it is too old. Each card built ahead is taken once.
    async fn take(&self, caller: &CallerId) -> Option<Card> {
        let slot = self.lock().remove(&Self::key(caller))?;
        let mut card = slot.card;
        // Ends when the card is there, or when its task ended without one.
        let _ = card.wait_for(Option::is_some).await;
        let built = card.borrow().clone();
        built.filter(|_| slot.started.elapsed() < AHEAD_KEPT_FOR)
    }
}

/// Builds and announces cards. Cheap to clone.
#[derive(Clone)]
pub struct Cards {
    pub(super) store: Store,
    pub(super) builder: CardBuilder,
    pub(super) default_region: Region,
    pub(super) clock: Clock,
    pub(super) announcer: Announcer,
    /// Where cards go to be pushed to Aircall; `None` without Aircall.
    pub(super) pushes: Option<Pushes>,
    /// The integration settings: a new caller's role, and whether cards are pushed.
    pub(super) settings: LiveSettings,
    /// Look-ups started when a ringing call's webhook was accepted.
    pub(super) ahead: Ahead,
    /// Where ring → card and the cards' outcomes are counted.
    pub(super) metrics: Metrics,
}

impl std::fmt::Debug for Cards {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cards").finish_non_exhaustive()
    }
}

impl Cards {
    /// The card builder with the settings as they are now (the role a new caller's contact
    /// would get).
    fn builder(&self) -> CardBuilder {
        self.builder
            .clone()
            .with_new_contact_role(self.settings.snapshot().new_contact_role)
    }

    fn now(&self) -> i64 {
        (self.clock)()
    }

    /// Starts building a ringing call's card as soon as its `call.created` webhook is
    /// accepted, in the background: the card, built once the call is processed, takes it. Does
    /// nothing for other events (a call's later events find its card built), for a call that
    /// has ended, or while the same caller's card is being built ahead. A failed look-up only
    /// costs time: the card asks again itself.
    pub fn look_ahead(&self, stored: &StoredEvent) {
        if stored.event != "call.created" {
            return;
        }
        let Ok(Event::Call { kind, call, .. }) = Event::from_stored(stored) else {
            return;
        };
        if crate::rules::is_done(&call, kind) {
            return;
        }
        self.metrics.ring(call.id);
        let Ok(caller) = caller_of_call(&call, self.default_region) else {
            return;
        };
        let Some(built) = self.ahead.start(&caller) else {
            return;
        };
        let builder = self.builder();
        tokio::spawn(async move {
            match builder.build(&caller, None).await {
                Ok(card) => {
                    let _ = built.send(Some(card));
                }
                // Dropping `built` tells the waiting card to look up itself.
                Err(e) => {
                    tracing::debug!(error = %e, "a card's early look-up failed; the card will ask again")
                }
            }
        });
    }

    /// Runs until `shutdown`: claims due cards, as many as builds may run at once
    /// ([`CARDS_AT_ONCE`]), and builds each in its own task.
    pub async fn run(self, wake: Arc<Notify>, mut shutdown: watch::Receiver<bool>) {
        let mut building = JoinSet::new();
        let slots = Arc::new(tokio::sync::Semaphore::new(CARDS_AT_ONCE));
        loop {
            if *shutdown.borrow() {
                building.shutdown().await;
                return;
            }
            while building.try_join_next().is_some() {}
            let notified = wake.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let free = slots.available_permits();
            let now = self.now();
            let claimed = self
                .store
                .run(move |s| {
                    if free == 0 {
                        return Ok((Vec::new(), None));
                    }
                    let claimed = s.outbox_claim(Lane::Interactive, now, free)?;
                    // When nothing is due, how long until something is.
                    let pause = claimed
                        .is_empty()
                        .then(|| super::until_due(s, Lane::Interactive, now));
                    Ok((claimed, pause))
                })
                .await;
            let pause = match claimed {
                Ok((claimed, _)) if !claimed.is_empty() => {
                    for row in claimed {
                        let Ok(slot) = slots.clone().try_acquire_owned() else {
                            // Claimed beyond the slots (cannot happen: this loop alone takes
                            // them): back to the queue, its attempt given back.
                            let now = self.now();
                            let back = self
                                .store
                                .run(move |s| s.outbox_retry(row.id, now, "no slot", false))
                                .await;
                            if let Err(e) = back {
                                tracing::error!(error = %e, "cannot put a card back");
                            }
                            continue;
                        };
                        let (cards, wake) = (self.clone(), wake.clone());
                        building.spawn(async move {
                            let retry = cards.card(&row).await;
                            if let Err(e) = retry {
                                tracing::error!(error = %e, "cannot record a card's outcome");
                            }
                            drop(slot);
                            wake.notify_one();
                        });
                    }
                    continue;
                }
                // Every slot is taken: a build that ends wakes the loop.
                Ok((_, pause)) => pause.unwrap_or(Duration::from_secs(60)),
                Err(e) => {
                    tracing::error!(error = %e, "cannot claim cards");
                    Duration::from_secs(5)
                }
            };
            tokio::select! {
                _ = &mut notified => {}
                _ = tokio::time::sleep(pause) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    /// Builds one call's card, announces it to the agents the call concerns, and hands it to
    /// the pushes.
    async fn card(&self, row: &OutboxRow) -> Result<(), StoreError> {
        let (id, now, region) = (row.id, self.now(), self.default_region);
        let key = row.subject.clone();
        // The call and its caller, or the card given up here.
        let found = self
            .store
            .run(move |s| {
                let Some(subject) = s.subject(&key)? else {
                    s.outbox_fail(id, "its call is unknown", now)?;
                    return Ok(None);
                };
                let Some(call_id) = subject.call().map(|c| c.id) else {
                    s.outbox_fail(id, "not a call", now)?;
                    return Ok(None);
                };
                match subject.caller(region) {
                    Ok(caller) => Ok(Some((subject, call_id, caller))),
                    Err(e) => {
                        let why = format!("the caller's number could not be read: {e}");
                        s.outbox_fail(id, &why, now)?;
                        Ok(None)
                    }
                }
            })
            .await?;
        let Some((subject, call_id, caller)) = found else {
            return Ok(());
        };
        let built = match self.ahead.take(&caller).await {
            Some(card) => Ok(Card {
                call_id: Some(call_id),
                ..card
            }),
            None => self.builder().build(&caller, Some(call_id)).await,
        };
        let now = self.now();
        let card = match built {
            Ok(card) => card,
            Err(e) => {
                let error = e.to_string();
                let retry = now - row.created_at < CARD_RETRY_FOR;
                self.metrics.effect(
                    row.effect.kind(),
                    match retry {
                        true => EffectOutcome::Retried,
                        false => EffectOutcome::Failed,
                    },
                );
                return self
                    .store
                    .run(move |s| match retry {
                        true => s.outbox_retry(id, now + 1, &error, true),
                        false => s.outbox_fail(id, &error, now),
                    })
                    .await;
            }
        };
        // A shared number: the agents may pick one of these on the card. The offer, the
        // event and the card's end are written in one hop.
        let offered = card.candidate_ids();
        let event = HubEvent::CardReady {
            call_id,
            card: Box::new(card.clone()),
        };
        let new = event.to_new(subject.audience());
        let key = subject.key();
        let logged = self
            .store
            .run(move |s| {
                s.subject_offer_candidates(&key, &offered)?;
                let logged = s.log_event(now, &new.audience, &new.kind, &new.payload)?;
                s.outbox_done(id, now)?;
                Ok(logged)
            })
            .await?;
        self.announcer.announced(logged);
        self.metrics.card_ready(call_id);
        self.metrics.effect(row.effect.kind(), EffectOutcome::Done);
        if let (Some(pushes), true) = (&self.pushes, self.settings.snapshot().push_insight_cards) {
            pushes.offer(subject.key(), call_id, card.to_insight_blocks(), row.id);
        }
        if self.builder.lacks_availability(&card) {
            let cards = self.clone();
            tokio::spawn(async move { cards.complete_availability(subject, card).await });
        }
        Ok(())
    }

    /// A card sent without its owner's availability (Aircall's users were not read yet) is
    /// sent again with it once they are, and its push, if still waiting, carries it too.
    async fn complete_availability(&self, subject: Subject, mut card: Card) {
        let read = self.builder.availability_read();
        if tokio::time::timeout(AVAILABILITY_WAIT, read).await.is_err() {
            return;
        }
        match self.builder.with_availability(&mut card).await {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read an owner's availability");
                return;
            }
        }
        let Some(call_id) = card.call_id else { return };
        if let Some(pushes) = &self.pushes {
            pushes.update_waiting(&subject.key(), card.to_insight_blocks());
        }
        let event = HubEvent::CardReady {
            call_id,
            card: Box::new(card),
        };
        if let Err(e) = self.announcer.announce(&event, subject.audience()).await {
            tracing::warn!(error = %e, "cannot send a card with its owner's availability");
        }
    }
}

/// How long a card sent without its owner's availability waits for Aircall's users before it
/// is left as it is.
const AVAILABILITY_WAIT: Duration = Duration::from_secs(30);

/// One card waiting to be pushed.
#[derive(Debug)]
struct Push {
    subject: SubjectKey,
    call_id: u64,
    blocks: Vec<CardBlock>,
    /// A newer call rings later: its card's row in the outbox came later.
    order: i64,
}

#[derive(Debug, Default)]
struct Queue {
    waiting: Vec<Push>,
}

/// Cards waiting for their turn under Aircall's budget. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Pushes {
    queue: Arc<Mutex<Queue>>,
    wake: Arc<Notify>,
}

impl Pushes {
    /// An empty queue.
    pub fn new() -> Self {
        Pushes {
            queue: Default::default(),
            wake: Arc::new(Notify::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues a call's card; a newer card of the same call replaces an older one. `order`
    /// says which call rang later (the card's outbox row).
    pub fn offer(&self, subject: SubjectKey, call_id: u64, blocks: Vec<CardBlock>, order: i64) {
        let mut queue = self.lock();
        queue.waiting.retain(|p| p.subject != subject);
        queue.waiting.push(Push {
            subject,
            call_id,
            blocks,
            order,
        });
        drop(queue);
        self.wake.notify_one();
    }

    /// Gives a card still waiting for its turn newer blocks; does nothing once it went.
    pub fn update_waiting(&self, subject: &SubjectKey, blocks: Vec<CardBlock>) {
        let mut queue = self.lock();
        if let Some(push) = queue.waiting.iter_mut().find(|p| &p.subject == subject) {
            push.blocks = blocks;
        }
    }

    fn newest(&self) -> Option<Push> {
        let mut queue = self.lock();
        let newest = (0..queue.waiting.len()).max_by_key(|&i| queue.waiting[i].order)?;
        Some(queue.waiting.swap_remove(newest))
    }

    fn is_empty(&self) -> bool {
        self.lock().waiting.is_empty()
    }

    /// Pushes cards one at a time until `shutdown`. Each time Aircall's budget allows a
    /// request, the newest call's card goes. Aircall shows a card on any ongoing call, so a
    /// call answered while its card waited still gets it; a card whose call is over when its
    /// turn comes is dropped and recorded as such.
    pub async fn run(
        self,
        aircall: AircallClient,
        store: Store,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let aircall = aircall.at(Priority::Interactive);
        loop {
            let notified = self.wake.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            while !self.is_empty() {
                // The turn comes first; which card takes it is chosen then.
                tokio::select! {
                    _ = aircall.pacer().ready(Priority::Interactive) => {}
                    _ = shutdown.changed() => return,
                }
                let Some(push) = self.newest() else { break };
                let key = push.subject.clone();
                let live = match store.run(move |s| s.subject(&key)).await {
                    Ok(s) => s.is_some_and(|s| s.is_live()),
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot read a call before pushing its card");
                        false
                    }
                };
                let outcome = if !live {
                    CardPush::Dropped
                } else {
                    tokio::select! {
                        result = aircall.push_insight_card(push.call_id, &push.blocks) => match result {
                            Ok(()) => CardPush::Pushed,
                            // The call ended before the card got there: nothing left to show.
                            Err(ApiError::Rejected { .. } | ApiError::NotFound { .. }) => CardPush::Dropped,
                            Err(e) if e.is_transient() || matches!(e, ApiError::RateLimited { .. }) => {
                                tracing::warn!(call_id = push.call_id, error = %e, "the card will be pushed again while the call is live");
                                self.offer(push.subject, push.call_id, push.blocks, push.order);
                                tokio::select! {
                                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                                    _ = shutdown.changed() => return,
                                }
                                continue;
                            }
                            Err(e) => {
                                tracing::warn!(call_id = push.call_id, error = %e, "Aircall refused the card");
                                CardPush::Failed
                            }
                        },
                        _ = shutdown.changed() => return,
                    }
                };
                let key = push.subject.clone();
                if let Err(e) = store.run(move |s| s.set_card_push(&key, outcome)).await {
                    tracing::warn!(error = %e, "cannot record a card push");
                }
            }
            tokio::select! {
                _ = &mut notified => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}

impl Default for Pushes {
    fn default() -> Self {
        Pushes::new()
    }
}
