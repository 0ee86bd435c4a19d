//! Processing the inbox: each stored webhook, in arrival order, updates its call or message,
//! runs the rules, and queues the resulting effects and agent events, all in one transaction.
//!
//! A crash before the transaction commits leaves the webhook pending, to be processed again;
//! after it, the webhook is done. Either way nothing is lost or doubled, and the rules' memory
//! makes a redelivered webhook a no-op. A webhook whose processing panics is set aside as
//! failed, with the panic's message, and the others go on.
//!
//! Before that transaction, the call-back list hears of a finished call (`callback_feed.rs`: a
//! missed call opens or joins an item, a later answered or outbound call closes it) and of a
//! voicemail's transcript, each in a transaction of its own keyed by the calls' ids: a webhook
//! processed again changes nothing there.

use crate::aircall::{Call, Message};
use crate::card::Clock;
use crate::rules::{self, Planned};
use crate::store::{InboxItem, Lane, NewEffect, NewEvent, Origin, SetAside, Store, StoreError};
use crate::webhook::{CallEvent, Event, MessageEvent};

use super::events::HubEvent;
use super::live::LiveSettings;
use crate::domain::subject::{Progress, Status, Subject, SubjectKey, SubjectKind, Tracked};

/// What one webhook changes: its subject, the effects to queue and the events to log.
type Outcome = (Subject, Vec<Planned>, Vec<NewEvent>);

/// Turns inbox rows into subjects, effects and events.
#[derive(Clone)]
pub struct Processor {
    store: Store,
    /// Read once per webhook: a change applies from the next one.
    settings: LiveSettings,
    clock: Clock,
    /// Told as soon as a webhook queued a card, before the rest of the pass is processed.
    cards_queued: Option<std::sync::Arc<tokio::sync::Notify>>,
    /// Told when a webhook changed an agent's presence (the presence task acts on it).
    presence: Option<std::sync::Arc<tokio::sync::Notify>>,
    /// The team's working hours, which count the call-backs' deadlines.
    hours: crate::hours::BusinessHours,
}

/// How long a line's teammates, as read from Aircall, are trusted (number webhooks and the
/// periodic read keep them fresher).
pub(super) const LINE_USERS_TRUSTED_FOR: i64 = 3600;

impl std::fmt::Debug for Processor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Processor")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// What one pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Processed {
    /// Webhooks handled.
    pub webhooks: usize,
    /// Logging effects queued.
    pub effects: usize,
    /// Cards to build (ringing calls).
    pub cards: usize,
    /// Agent events written.
    pub events: usize,
    /// Aircall users whose availability may have changed (from user events), to refresh.
    pub users: Vec<u64>,
    /// Webhooks set aside because processing them failed (a panic), with the reason.
    pub failed: usize,
}

/// What one webhook did.
#[derive(Debug, Default)]
struct One {
    effects: usize,
    cards: usize,
    events: usize,
    user: Option<u64>,
}

impl Processor {
    /// A processor over this store, with fixed settings or live ones ([`LiveSettings`]).
    pub fn new(store: Store, settings: impl Into<LiveSettings>, clock: Clock) -> Self {
        Processor {
            store,
            settings: settings.into(),
            clock,
            cards_queued: None,
            presence: None,
            hours: crate::hours::BusinessHours::default(),
        }
    }

    /// Counts the call-backs' deadlines in these working hours (the default: weekdays nine to
    /// six, UTC).
    pub fn with_business_hours(mut self, hours: crate::hours::BusinessHours) -> Self {
        self.hours = hours;
        self
    }

    /// Tells `notify` when a webhook changed an agent's presence.
    pub fn with_presence_signal(mut self, notify: std::sync::Arc<tokio::sync::Notify>) -> Self {
        self.presence = Some(notify);
        self
    }

    /// Presence heard something new: its task is told.
    fn presence_changed(&self, changed: bool) {
        if let (true, Some(presence)) = (changed, &self.presence) {
            presence.notify_one();
        }
    }

    /// Tells `notify` as soon as a webhook queued a card: a ringing call's card does not wait
    /// for the other webhooks of the same pass.
    pub fn with_card_signal(mut self, notify: std::sync::Arc<tokio::sync::Notify>) -> Self {
        self.cards_queued = Some(notify);
        self
    }

    /// Processes every pending webhook.
    pub fn process_pending(&self) -> Result<Processed, StoreError> {
        self.process_each(|item| self.process(item))
    }

    /// Runs `one` on every pending webhook, in arrival order. A webhook whose processing
    /// panics is marked failed with the panic's message and the others go on; an error of the
    /// database stops the pass (the webhook stays pending, to be processed again).
    fn process_each(
        &self,
        mut one: impl FnMut(&InboxItem) -> Result<One, StoreError>,
    ) -> Result<Processed, StoreError> {
        let mut total = Processed::default();
        loop {
            let batch = self.store.inbox_pending(100)?;
            if batch.is_empty() {
                return Ok(total);
            }
            for item in batch {
                total.webhooks += 1;
                let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| one(&item)));
                match run {
                    Ok(result) => {
                        let one = result?;
                        total.effects += one.effects;
                        total.cards += one.cards;
                        if let (Some(cards), true) = (&self.cards_queued, one.cards > 0) {
                            cards.notify_one();
                        }
                        total.events += one.events;
                        total.users.extend(one.user);
                    }
                    Err(panic) => {
                        let why = panic_message(panic.as_ref());
                        tracing::error!(inbox = item.id, event = %item.event.event, reason = %why, "processing a webhook panicked; it is set aside");
                        self.store.inbox_finish(
                            item.id,
                            SetAside::Failed,
                            Some(&format!("processing failed: {why}")),
                            (self.clock)(),
                        )?;
                        total.failed += 1;
                    }
                }
            }
        }
    }

    fn process(&self, item: &InboxItem) -> Result<One, StoreError> {
        let now = (self.clock)();
        let event = match Event::from_stored(&item.event) {
            Ok(e) => e,
            Err(e) => {
                tracing::warn!(inbox = item.id, error = %e, "webhook with unexpected data set aside");
                self.store
                    .inbox_finish(item.id, SetAside::Failed, Some(&e.to_string()), now)?;
                return Ok(One::default());
            }
        };
        // What the call-back list did with a call (its own transaction, keyed: see
        // `callback_feed.rs`).
        let mut fed = crate::store::around::callbacks::Fed::default();
        let (subject, planned, events) = match event {
            Event::Call {
                kind,
                call,
                timestamp,
            } => {
                let wrap_up = self.settings.snapshot().wrap_up_seconds;
                let changed = super::presence_feed::on_call(
                    &self.store,
                    kind,
                    &call,
                    timestamp,
                    now,
                    wrap_up,
                )?;
                self.presence_changed(changed);
                let outcome = self.on_call(kind, *call, timestamp, now)?;
                if let Some(call) = outcome.0.call() {
                    let settings = self.settings.snapshot();
                    fed = super::callback_feed::on_call(
                        &self.store,
                        call,
                        outcome.0.progress,
                        &settings,
                        &self.hours,
                        now,
                    )?;
                }
                outcome
            }
            Event::Message {
                kind,
                message,
                timestamp,
            } => self.on_message(kind, *message, timestamp, now)?,
            // The payload does not carry the live availability: the hub reads it from Aircall.
            Event::User(user) => {
                let wrap_up = self.settings.snapshot().wrap_up_seconds;
                let changed = super::presence_feed::on_user(
                    &self.store,
                    &user,
                    item.event.timestamp,
                    now,
                    wrap_up,
                )?;
                self.presence_changed(changed);
                self.store.apply_processed(item.id, None, &[], &[], now)?;
                return Ok(One {
                    user: Some(user.user_id),
                    ..One::default()
                });
            }
            Event::Insight(insight) => return self.on_insight(item, &insight, now),
            // A line's users, for assigning messages whose webhooks do not list them.
            Event::Line(line) => {
                self.store.put_line_users(line.id, &line.users, now)?;
                self.store.apply_processed(item.id, None, &[], &[], now)?;
                return Ok(One::default());
            }
            Event::Ignored { name } => {
                let settings = self.settings.snapshot();
                let transcript = super::callback_feed::on_transcript(
                    &self.store,
                    &item.event,
                    &settings,
                    &self.hours,
                    now,
                )?;
                if let Some(fed) = transcript {
                    self.store.apply_processed(item.id, None, &[], &[], now)?;
                    return Ok(One {
                        events: fed.events,
                        ..One::default()
                    });
                }
                self.store.inbox_finish(
                    item.id,
                    SetAside::Ignored,
                    Some(&format!("`{name}` is not an event Ringside acts on")),
                    now,
                )?;
                return Ok(One::default());
            }
        };
        let effects: Vec<NewEffect> = planned
            .into_iter()
            .map(|p| NewEffect {
                key: p.key,
                effect: p.effect,
                origin: Origin::Rules,
            })
            .collect();
        let cards = effects
            .iter()
            .filter(|e| Lane::of(&e.effect) == Lane::Interactive)
            .count();
        self.store
            .apply_processed(item.id, Some(&subject), &effects, &events, now)?;
        Ok(One {
            effects: effects.len() - cards + fed.effects,
            cards,
            events: events.len() + fed.events,
            user: None,
        })
    }

    /// Gives a line the webhook names without its teammates (Aircall's call webhooks never
    /// list them) the teammates the hub knows for it, read within the last hour: they are the
    /// call's or message's audience.
    fn fill_line_users(
        &self,
        number: Option<&mut crate::aircall::Number>,
        now: i64,
    ) -> Result<(), StoreError> {
        let Some(number) = number.filter(|n| n.users.is_empty()) else {
            return Ok(());
        };
        if let Some((users, at)) = self.store.line_users(number.id)? {
            if now - at < LINE_USERS_TRUSTED_FOR {
                number.users = users;
            }
        }
        Ok(())
    }

    /// The lines of pending webhooks whose teammates the hub does not know (or knew more than
    /// an hour ago): to be read from Aircall before those webhooks are processed.
    pub fn unknown_lines(&self, now: i64) -> Result<Vec<u64>, StoreError> {
        let mut lines = std::collections::BTreeSet::new();
        for item in self.store.inbox_pending(256)? {
            let number = match Event::from_stored(&item.event) {
                Ok(Event::Call { call, .. }) => call.number.clone(),
                Ok(Event::Message { message, .. }) => message.number.clone(),
                _ => None,
            };
            let Some(number) = number.filter(|n| n.users.is_empty()) else {
                continue;
            };
            let known = self
                .store
                .line_users(number.id)?
                .is_some_and(|(_, at)| now - at < LINE_USERS_TRUSTED_FOR);
            if !known {
                lines.insert(number.id);
            }
        }
        Ok(lines.into_iter().collect())
    }

    fn on_call(
        &self,
        kind: CallEvent,
        call: Call,
        timestamp: i64,
        now: i64,
    ) -> Result<Outcome, StoreError> {
        let previous = self.store.subject(&SubjectKey::call(call.id))?;
        let progress = Progress::of(&call);
        let (kept, memory) = match previous.as_ref().map(|p| (&p.tracked, p)) {
            Some((Tracked::Call { call: kept, memory }, p)) => {
                let newer = (p.progress, p.event_time) <= (progress, timestamp);
                ((!newer).then(|| kept.as_ref().clone()), memory.clone())
            }
            _ => (None, Default::default()),
        };
        let advanced = kept.is_none();
        let mut best = kept.unwrap_or_else(|| call.clone());
        self.fill_line_users(best.number.as_mut(), now)?;
        let mut memory = memory;
        if kind == CallEvent::UnsuccessfulTransfer {
            memory.transfer_failed(&call);
        }
        let settings = self.settings.snapshot();
        let (planned, memory) = rules::plan_call(kind, &best, timestamp, &memory, &settings);

        let done = rules::is_done(&best, kind);
        let not_logged = rules::call_not_logged(&best, &settings).filter(|_| done);
        let status = match (&not_logged, done) {
            (Some(_), _) => Status::Off,
            (None, true) => Status::Queued,
            (None, false) => Status::Live,
        };
        let was_done = previous
            .as_ref()
            .is_some_and(|p| p.progress == Progress::Over);
        let audience = crate::domain::subject::audience_of_call(&best);
        let mut events = Vec::new();
        if advanced {
            let e = match kind {
                CallEvent::Created | CallEvent::RingingOnAgent if !done && previous.is_none() => {
                    Some(HubEvent::CallRinging {
                        call_id: best.id,
                        direction: best.direction,
                        phone: Some(best.raw_digits.clone()).filter(|d| !d.is_empty()),
                        line: best.number.as_ref().map(|n| n.name.clone()),
                    })
                }
                CallEvent::Answered if !done => Some(HubEvent::CallAnswered {
                    call_id: best.id,
                    by: best.user.as_ref().map(|u| u.name.clone()),
                }),
                CallEvent::Transferred => Some(HubEvent::CallTransferred {
                    call_id: best.id,
                    to: best.transferred_to.as_ref().map(|u| u.name.clone()),
                }),
                _ if done && !was_done => Some(HubEvent::CallEnded { call_id: best.id }),
                _ => None,
            };
            events.extend(e.map(|e| e.to_new(audience.clone())));
        }
        if let Some(reason) = not_logged
            .as_ref()
            .filter(|_| previous.as_ref().map(|p| p.status) != Some(Status::Off))
        {
            let skipped =
                HubEvent::skipped(SubjectKind::Call, best.id.to_string(), reason, Vec::new());
            events.push(skipped.to_new(audience));
        }
        let subject = Update {
            id: best.id.to_string(),
            progress: progress.max(previous.as_ref().map_or(Progress::Ringing, |p| p.progress)),
            event_time: if advanced {
                timestamp
            } else {
                previous.as_ref().map_or(timestamp, |p| p.event_time)
            },
            tracked: Tracked::Call {
                call: Box::new(best),
                memory,
            },
            status,
            reason: not_logged.as_ref().map(|r| r.words()),
        }
        .over(previous, now);
        Ok((subject, planned, events))
    }

    /// An insight of Aircall's AI goes on the call's conversation, once. A call the hub never
    /// saw, or does not log, gets nothing (the webhook is set aside with the reason).
    fn on_insight(
        &self,
        item: &InboxItem,
        insight: &crate::insight::Insight,
        now: i64,
    ) -> Result<One, StoreError> {
        let subject = self.store.subject(&SubjectKey::call(insight.call_id))?;
        let why_not = match &subject {
            None => Some(format!(
                "call {} is unknown to this hub, so it has no conversation",
                insight.call_id
            )),
            Some(s) if s.status == Status::Off => Some(format!(
                "call {} is not logged ({})",
                insight.call_id,
                s.reason.as_deref().unwrap_or("by the settings")
            )),
            _ => None,
        };
        let (Some(mut subject), None) = (subject, why_not.clone()) else {
            let why = why_not.unwrap_or_default();
            self.store
                .inbox_finish(item.id, SetAside::Ignored, Some(&why), now)?;
            return Ok(One::default());
        };
        let Tracked::Call { memory, .. } = &mut subject.tracked else {
            self.store
                .inbox_finish(item.id, SetAside::Ignored, Some("not a call"), now)?;
            return Ok(One::default());
        };
        let (planned, next) = rules::plan_insight(insight, memory, &self.settings.snapshot());
        *memory = next;
        let effects: Vec<NewEffect> = planned
            .into_iter()
            .map(|p| NewEffect {
                key: p.key,
                effect: p.effect,
                origin: Origin::Rules,
            })
            .collect();
        self.store
            .apply_processed(item.id, Some(&subject), &effects, &[], now)?;
        Ok(One {
            effects: effects.len(),
            ..One::default()
        })
    }

    fn on_message(
        &self,
        kind: MessageEvent,
        message: Message,
        timestamp: i64,
        now: i64,
    ) -> Result<Outcome, StoreError> {
        let previous = self.store.subject(&SubjectKey::message(&message.id))?;
        let memory = match previous.as_ref().map(|p| &p.tracked) {
            Some(Tracked::Message { memory, .. }) => memory.clone(),
            _ => Default::default(),
        };
        let mut message = message;
        self.fill_line_users(message.number.as_mut(), now)?;
        let settings = self.settings.snapshot();
        let (planned, memory) = rules::plan_message(kind, &message, &memory, &settings);
        let off = !settings.log_messages;
        let reason = crate::domain::reason::Reason::MessagesOff;
        let mut events = Vec::new();
        if previous.is_none() && message.direction == crate::aircall::Direction::Inbound {
            let received = HubEvent::MessageReceived {
                message_id: message.id.clone(),
                channel: message.channel_label().to_owned(),
                phone: message
                    .external_number
                    .clone()
                    .or_else(|| message.raw_digits.clone()),
                line: message.number.as_ref().map(|n| n.name.clone()),
                text: message.body.clone(),
            };
            events.push(received.to_new(crate::domain::subject::audience_of_message(&message)));
        }
        if off && previous.is_none() {
            let e = HubEvent::skipped(
                SubjectKind::Message,
                message.id.clone(),
                &reason,
                Vec::new(),
            );
            events.push(e.to_new(crate::domain::subject::audience_of_message(&message)));
        }
        let subject = Update {
            id: message.id.clone(),
            progress: Progress::Over,
            event_time: timestamp,
            tracked: Tracked::Message {
                message: Box::new(message),
                memory,
            },
            status: if off { Status::Off } else { Status::Queued },
            reason: off.then(|| reason.words()),
        }
        .over(previous, now);
        Ok((subject, planned, events))
    }
}

/// The subject a new snapshot makes: what the processor decided, and what it keeps of the
/// subject it updates (where it was logged, the agent's choice and the candidates, the card push,
/// when it was first seen).
struct Update {
    id: String,
    tracked: Tracked,
    progress: Progress,
    event_time: i64,
    status: Status,
    reason: Option<String>,
}

impl Update {
    fn over(self, previous: Option<Subject>, now: i64) -> Subject {
        let (contact_id, conversation_id, chosen_contact_id, candidates, card_push, created_at) =
            match previous {
                Some(p) => (
                    p.contact_id,
                    p.conversation_id,
                    p.chosen_contact_id,
                    p.candidates,
                    p.card_push,
                    p.created_at,
                ),
                None => (None, None, None, Vec::new(), None, now),
            };
        Subject {
            id: self.id,
            tracked: self.tracked,
            progress: self.progress,
            event_time: self.event_time,
            status: self.status,
            reason: self.reason,
            contact_id,
            conversation_id,
            chosen_contact_id,
            candidates,
            card_push,
            created_at,
            updated_at: now,
        }
    }
}

/// The message a panic carried, in words.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhook::StoredEvent;

    fn push(store: &Store, id: u64) -> i64 {
        let call = serde_json::json!({
            "id": id, "direction": "inbound", "status": "initial", "raw_digits": "+33612345678",
            "started_at": 1_700_000_000
        });
        store
            .inbox_push(
                &StoredEvent {
                    resource: "call".into(),
                    event: "call.created".into(),
                    timestamp: 1_700_000_000,
                    data: call,
                },
                1,
            )
            .unwrap()
    }

    #[test]
    fn a_webhook_whose_processing_panics_is_set_aside_and_the_others_go_on() {
        let store = Store::open_in_memory().unwrap();
        let processor = Processor::new(
            store.clone(),
            crate::rules::Settings::default(),
            std::sync::Arc::new(|| 1_700_000_001),
        );
        let bad = push(&store, 2);
        for id in [1, 3] {
            push(&store, id);
        }
        let done = processor
            .process_each(|item| {
                if item.id == bad {
                    panic!("arithmetic overflow in a vendor number");
                }
                processor.process(item)
            })
            .unwrap();
        assert_eq!((done.webhooks, done.failed), (3, 1));
        assert_eq!(
            store.inbox_depth().unwrap(),
            0,
            "nothing is retried forever"
        );
        for (id, tracked) in [(1, true), (2, false), (3, true)] {
            assert_eq!(
                store.subject(&SubjectKey::call(id)).unwrap().is_some(),
                tracked,
                "call {id}"
            );
        }
        let conn = store.conn();
        let (state, error): (String, String) = conn
            .query_row("SELECT state, error FROM inbox WHERE id = ?1", [bad], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!(state, "failed");
        assert!(error.contains("arithmetic overflow"), "{error}");
    }
}
