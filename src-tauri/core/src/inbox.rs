//! Processing the inbox: each stored webhook, in arrival order, updates its call or message,
//! runs the rules, and queues the resulting effects and agent events, all in one transaction.
//!
//! A crash before the transaction commits leaves the webhook pending, to be processed again;
//! after it, the webhook is done. Either way nothing is lost or doubled, and the rules' memory
//! makes a redelivered webhook a no-op.

use serde_json::Value;

use crate::aircall::{Call, Message};
use crate::card::Clock;
use crate::hub::events::HubEvent;
use crate::rules::{self, CallMemory, Effect, MessageMemory, Planned, Settings};
use crate::store::{InboxItem, Lane, NewEffect, NewEvent, Store, StoreError, Subject};
use crate::webhook::{CallEvent, Event, MessageEvent};

/// What one webhook changes: its subject, the effects to queue and the events to log.
type Outcome = (Option<Subject>, Vec<Planned>, Vec<NewEvent>);

/// Turns inbox rows into subjects, effects and events.
#[derive(Clone)]
pub struct Processor {
    store: Store,
    settings: Settings,
    clock: Clock,
}

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
    /// Effects queued.
    pub effects: usize,
    /// Agent events written.
    pub events: usize,
    /// Aircall users whose availability may have changed (from user events), to refresh.
    pub users: Vec<u64>,
}

impl Processor {
    /// A processor over this store.
    pub fn new(store: Store, settings: Settings, clock: Clock) -> Self {
        Processor {
            store,
            settings,
            clock,
        }
    }

    /// Processes every pending webhook.
    pub fn process_pending(&self) -> Result<Processed, StoreError> {
        let mut total = Processed::default();
        loop {
            let batch = self.store.inbox_pending(100)?;
            if batch.is_empty() {
                return Ok(total);
            }
            for item in batch {
                let (effects, events, user) = self.process(&item)?;
                total.webhooks += 1;
                total.effects += effects;
                total.events += events;
                total.users.extend(user);
            }
        }
    }

    fn process(&self, item: &InboxItem) -> Result<(usize, usize, Option<u64>), StoreError> {
        let now = (self.clock)();
        let event = match Event::from_stored(&item.event) {
            Ok(e) => e,
            Err(e) => {
                tracing::warn!(inbox = item.id, error = %e, "webhook with unexpected data set aside");
                self.store
                    .inbox_finish(item.id, "failed", Some(&e.to_string()), now)?;
                return Ok((0, 0, None));
            }
        };
        let (subject, planned, events) = match event {
            Event::Call {
                kind,
                call,
                timestamp,
            } => self.on_call(kind, *call, timestamp, now)?,
            Event::Message {
                kind,
                message,
                timestamp,
            } => self.on_message(kind, *message, timestamp, now)?,
            // The payload does not carry the live availability: the hub reads it from Aircall.
            Event::User(user) => {
                self.store.apply_processed(item.id, None, &[], &[], now)?;
                return Ok((0, 0, Some(user.user_id)));
            }
            Event::Ignored { name } => {
                self.store.inbox_finish(
                    item.id,
                    "ignored",
                    Some(&format!("`{name}` is not an event Ringside acts on")),
                    now,
                )?;
                return Ok((0, 0, None));
            }
        };
        let effects: Vec<NewEffect> = planned
            .into_iter()
            .map(|p| NewEffect {
                lane: if p.effect == Effect::PushInsightCard {
                    Lane::Interactive
                } else {
                    Lane::Logging
                },
                effect: serde_json::to_value(&p.effect).unwrap_or(Value::Null),
                needs_conversation: p.effect.needs_conversation(),
                key: p.key,
            })
            .collect();
        self.store
            .apply_processed(item.id, subject.as_ref(), &effects, &events, now)?;
        Ok((effects.len(), events.len(), None))
    }

    fn on_call(
        &self,
        kind: CallEvent,
        call: Call,
        timestamp: i64,
        now: i64,
    ) -> Result<Outcome, StoreError> {
        let id = call.id.to_string();
        let previous = self.store.subject("call", &id)?;
        let rank = call_rank(&call);
        let (best, advanced) = match &previous {
            Some(p) if (p.rank, p.event_time) > (rank, timestamp) => {
                match serde_json::from_value::<Call>(p.snapshot.clone()) {
                    Ok(kept) => (kept, false),
                    Err(_) => (call.clone(), true),
                }
            }
            _ => (call.clone(), true),
        };
        let memory: CallMemory = previous
            .as_ref()
            .and_then(|p| serde_json::from_value(p.memory.clone()).ok())
            .unwrap_or_default();
        let (planned, memory) = rules::plan_call(kind, &best, timestamp, &memory, &self.settings);

        let done = rules::is_done(&best, kind);
        let status = if rules::call_not_logged(&best, &self.settings).is_some() && done {
            "off"
        } else if done {
            "queued"
        } else {
            "live"
        };
        let reason = if status == "off" {
            rules::call_not_logged(&best, &self.settings).map(str::to_owned)
        } else {
            None
        };
        let was_done = previous.as_ref().is_some_and(|p| p.rank >= 2);
        let audience = audience_of_call(&best);
        let mut events = Vec::new();
        if advanced {
            let e = match kind {
                CallEvent::Created | CallEvent::RingingOnAgent if !done && previous.is_none() => {
                    Some(HubEvent::CallRinging {
                        call_id: best.id,
                        direction: format!("{:?}", best.direction).to_lowercase(),
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
        if status == "off" && previous.as_ref().map(|p| p.status.as_str()) != Some("off") {
            let skipped = HubEvent::Skipped {
                subject: "call".into(),
                id: id.clone(),
                reason: reason.clone().unwrap_or_default(),
                candidates: Vec::new(),
            };
            events.push(skipped.to_new(audience));
        }
        let subject = Subject {
            kind: "call".into(),
            snapshot: serde_json::to_value(&best).unwrap_or(Value::Null),
            rank: rank.max(previous.as_ref().map_or(0, |p| p.rank)),
            event_time: if advanced {
                timestamp
            } else {
                previous.as_ref().map_or(timestamp, |p| p.event_time)
            },
            memory: serde_json::to_value(&memory).unwrap_or(Value::Null),
            status: status.into(),
            reason,
            contact_id: previous.as_ref().and_then(|p| p.contact_id.clone()),
            conversation_id: previous.as_ref().and_then(|p| p.conversation_id.clone()),
            chosen_contact_id: previous.as_ref().and_then(|p| p.chosen_contact_id.clone()),
            created_at: previous.as_ref().map_or(now, |p| p.created_at),
            updated_at: now,
            id,
        };
        Ok((Some(subject), planned, events))
    }

    fn on_message(
        &self,
        kind: MessageEvent,
        message: Message,
        timestamp: i64,
        now: i64,
    ) -> Result<Outcome, StoreError> {
        let previous = self.store.subject("message", &message.id)?;
        let memory: MessageMemory = previous
            .as_ref()
            .and_then(|p| serde_json::from_value(p.memory.clone()).ok())
            .unwrap_or_default();
        let (planned, memory) = rules::plan_message(kind, &message, &memory, &self.settings);
        let off = !self.settings.log_messages;
        let mut events = Vec::new();
        if off && previous.is_none() {
            let e = HubEvent::Skipped {
                subject: "message".into(),
                id: message.id.clone(),
                reason: "logging messages is turned off".into(),
                candidates: Vec::new(),
            };
            events.push(e.to_new(Vec::new()));
        }
        let subject = Subject {
            kind: "message".into(),
            id: message.id.clone(),
            snapshot: serde_json::to_value(&message).unwrap_or(Value::Null),
            rank: 2,
            event_time: timestamp,
            memory: serde_json::to_value(&memory).unwrap_or(Value::Null),
            status: if off { "off" } else { "queued" }.into(),
            reason: off.then(|| "logging messages is turned off".to_owned()),
            contact_id: previous.as_ref().and_then(|p| p.contact_id.clone()),
            conversation_id: previous.as_ref().and_then(|p| p.conversation_id.clone()),
            chosen_contact_id: previous.as_ref().and_then(|p| p.chosen_contact_id.clone()),
            created_at: previous.as_ref().map_or(now, |p| p.created_at),
            updated_at: now,
        };
        Ok((Some(subject), planned, events))
    }
}

/// How far along a call is: ringing, answered, over.
fn call_rank(call: &Call) -> i64 {
    match call.status.as_str() {
        "done" => 2,
        _ if call.ended_at.is_some() => 2,
        "answered" => 1,
        _ if call.answered_at.is_some() => 1,
        _ => 0,
    }
}

/// The agents a call concerns: whoever has or had it, and the line's teammates.
pub fn audience_of_call(call: &Call) -> Vec<String> {
    let mut out: Vec<String> = [&call.user, &call.transferred_to, &call.assigned_to]
        .into_iter()
        .flatten()
        .chain(call.number.iter().flat_map(|n| n.users.iter()))
        .filter_map(|u| u.email.as_ref().map(|e| e.trim().to_lowercase()))
        .filter(|e| !e.is_empty())
        .collect();
    out.sort();
    out.dedup();
    out
}
