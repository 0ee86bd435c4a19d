//! The scenario player: scripted Aircall activity (calls, SMS, WhatsApp) played on the fake
//! Aircall and delivered as real webhooks.
//!
//! A [`Scenario`] is plain data: a list of [`Step`]s, each an Aircall event name, the time at
//! which Aircall emits it (seconds after the scenario starts) and the [`Change`] it brings to
//! a call or a message. Playing a step changes the fake Aircall's state first, then renders the
//! webhook's `data` with the same renderer as `GET /v1/calls/:id`, so what a webhook says and
//! what the API answers agree.
//!
//! [`stage`] plays every step on the sandbox and returns the envelopes without sending them,
//! so a test can replay, shuffle or duplicate them; a [`Player`] sends envelopes to a hub
//! (`POST <url>` with Aircall's body `{"resource","event","timestamp","token","data"}`), and
//! [`Player::play`] does both, step by step, at the pace asked for.
//!
//! Timestamps follow Aircall's documented timing: `call.hungup` at the hang-up, `call.ended`
//! about 30 s later once the data is final, tags and comments after the end (some of them more
//! than two hours later, outside the default tag window).
//!
//! Around a call, a scenario may also play Aircall's user webhooks (`user.wut_start` and
//! `user.wut_end`, the agent's wrap-up time: the webhook carries the user, see [`WrapUp`]) and
//! the AI's insights (the webhook carries the Conversation Intelligence object).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::aircall::{self, render, CallTag, Comment, NewCall, NewMessage};
use crate::{clock, Sandbox, SandboxError};

mod library;
mod mixed;
mod player;
mod redelivery;
#[cfg(test)]
mod tests;
mod tour;
mod user;
mod whole_call;

pub use library::demo;
pub use mixed::Lcg;
pub use player::{Pace, Playback, Played, Player};
pub use redelivery::Delivery;
pub use whole_call::WrapUp;

/// Seconds between `call.hungup` and `call.ended` (Aircall: "about 30 s later").
pub const ENDED_AFTER_HANGUP: i64 = 30;

/// What a step does to its call or message before the event is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    /// A new call starts (the first step of every call): inbound calls ring with no agent yet,
    /// outbound calls are placed by `user`.
    StartCall {
        /// `inbound` or `outbound`.
        direction: String,
        /// The customer's number as Aircall shows it, or `anonymous`.
        raw_digits: String,
        /// The Aircall number.
        line: u64,
        /// The agent who places an outbound call.
        user: Option<u64>,
    },
    /// An agent (inbound) or the customer (outbound) picks up.
    Answer {
        /// The agent on the call.
        user: u64,
    },
    /// The agent on the call transfers it to another agent.
    Transfer {
        /// The agent it is transferred to.
        to: u64,
    },
    /// The caller leaves a voicemail (its link is on the call from then on).
    LeaveVoicemail,
    /// The call is hung up; a missed inbound call says why.
    Hangup {
        /// `agents_did_not_answer`, `no_available_agent`, …
        missed_call_reason: Option<String>,
    },
    /// The data is final: an answered call gets its recording.
    End,
    /// The call is (re)assigned to an agent in Aircall.
    Assign {
        /// The agent.
        to: u64,
    },
    /// A comment (Aircall's "note") is added.
    Comment {
        /// The text.
        content: String,
        /// Its author.
        by: Option<u64>,
    },
    /// A tag of the company is put on the call.
    Tag {
        /// The Aircall tag.
        tag: u64,
    },
    /// A tag is taken off the call.
    Untag {
        /// The Aircall tag.
        tag: u64,
    },
    /// A new SMS or WhatsApp message (the first step of every message).
    StartMessage {
        /// `inbound` or `outbound`.
        direction: String,
        /// The customer's number.
        external_number: String,
        /// The Aircall number.
        line: u64,
        /// The agent who sends an outbound message.
        user: Option<u64>,
        /// The text.
        body: String,
        /// `None` for SMS, `Some("whatsapp")`.
        channel: Option<String>,
    },
    /// The message's status changes (`delivered`, `failed`, …).
    MessageStatus {
        /// The new status.
        status: String,
    },
    /// Aircall's AI produced an insight about the call (the step's event says which:
    /// `summary.created`, `action_item.created`, `topics.created`, `sentiment.created`). The
    /// webhook carries the insight, not the call.
    Insight {
        /// The summary's text, the action items or topics (a list), or the caller's sentiment
        /// (`POSITIVE`, `NEUTRAL`, `NEGATIVE`).
        content: Value,
        /// Nest the object under a wrapper key (`{"summary": {...}}`), the other shape the
        /// sources disagree on.
        #[serde(default)]
        wrapped: bool,
    },
    /// Aircall's wrap-up time starts for `user` (`user.wut_start`, or `user.wut_start.v2`):
    /// their granular availability becomes `after_call_work`. The webhook carries the user
    /// (v1: with the numbers they answer on; `.v2`: without), not the call.
    WrapUpStart {
        /// The Aircall user.
        user: u64,
    },
    /// Aircall's wrap-up time ends for `user` (`user.wut_end`, or `user.wut_end.v2`): their
    /// granular availability is `available` again. The webhook carries the user.
    WrapUpEnd {
        /// The Aircall user.
        user: u64,
    },
    /// Nothing changes; the event carries the current state (`call.ringing_on_agent`, …).
    Nothing,
}

/// One webhook of a scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// The call or message it concerns, named within the scenario (`call`, `sms-3`, …).
    pub subject: String,
    /// Seconds after the scenario's start at which Aircall emits it.
    pub at: i64,
    /// The event name, e.g. `call.answered`.
    pub event: String,
    /// What changes first.
    pub change: Change,
}

/// A named list of steps, in the order Aircall emits them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scenario {
    /// What it shows, in a few words.
    pub name: String,
    /// The steps, sorted by time.
    pub steps: Vec<Step>,
}

/// A webhook as Aircall sends it, without its token (the sender adds it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// `call`, `message`, `user` or `conversation_intelligence`.
    pub resource: String,
    /// The event name.
    pub event: String,
    /// UNIX seconds at which Aircall emitted it.
    pub timestamp: i64,
    /// The call or message as `GET /v1/calls/:id` renders it (a user event: the user; an
    /// insight: the Conversation Intelligence object).
    pub data: Value,
}

impl Envelope {
    /// The body Aircall posts: the envelope with the webhook's token.
    pub fn body(&self, token: &str) -> Value {
        json!({
            "resource": self.resource,
            "event": self.event,
            "timestamp": self.timestamp,
            "token": token,
            "data": self.data,
        })
    }

    /// The id of the call, message or user (`data.id`), as text.
    pub fn subject_id(&self) -> String {
        match &self.data["id"] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }
}

/// Why a scenario could not be played.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The fake Aircall refused a change (unknown user, number, tag…).
    #[error("the sandbox refused step {step} ({event}): {source}")]
    Sandbox {
        step: usize,
        event: String,
        source: SandboxError,
    },
    /// A step names a subject that was not started by an earlier step.
    #[error("step {step} ({event}) concerns `{subject}`, which no earlier step started")]
    NotStarted {
        step: usize,
        event: String,
        subject: String,
    },
    /// The webhook could not be posted.
    #[error("the webhook could not be delivered: {0}")]
    Delivery(String),
}

/// The envelopes of a staged scenario and the ids its subjects got in the fake Aircall.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Staged {
    /// Every webhook, in the order Aircall emits them.
    pub envelopes: Vec<Envelope>,
    /// Call ids by subject name.
    pub calls: BTreeMap<String, u64>,
    /// Message ids by subject name.
    pub messages: BTreeMap<String, String>,
}

impl Staged {
    /// The Aircall id of a call subject.
    pub fn call(&self, subject: &str) -> Option<u64> {
        self.calls.get(subject).copied()
    }

    /// The Aircall id of a message subject.
    pub fn message(&self, subject: &str) -> Option<&str> {
        self.messages.get(subject).map(String::as_str)
    }
}

/// Plays every step on the sandbox, the scenario starting now, and returns the envelopes
/// without sending them.
pub fn stage(sandbox: &Sandbox, scenario: &Scenario) -> Result<Staged, ScenarioError> {
    stage_at(sandbox, scenario, clock::now())
}

/// [`stage`], the scenario starting at `start` (UNIX seconds).
pub fn stage_at(
    sandbox: &Sandbox,
    scenario: &Scenario,
    start: i64,
) -> Result<Staged, ScenarioError> {
    let mut run = Run::new(sandbox, start);
    let mut envelopes = Vec::with_capacity(scenario.steps.len());
    for (index, step) in scenario.steps.iter().enumerate() {
        envelopes.push(run.apply(index, step)?);
    }
    Ok(Staged {
        envelopes,
        calls: run.calls,
        messages: run.messages,
    })
}

/// Applies steps one at a time, remembering the ids of the subjects started.
#[derive(Debug)]
struct Run<'a> {
    sandbox: &'a Sandbox,
    start: i64,
    calls: BTreeMap<String, u64>,
    messages: BTreeMap<String, String>,
}

impl<'a> Run<'a> {
    fn new(sandbox: &'a Sandbox, start: i64) -> Self {
        Run {
            sandbox,
            start,
            calls: BTreeMap::new(),
            messages: BTreeMap::new(),
        }
    }

    fn apply(&mut self, index: usize, step: &Step) -> Result<Envelope, ScenarioError> {
        let at = self.start + step.at;
        let refused = |source| ScenarioError::Sandbox {
            step: index,
            event: step.event.clone(),
            source,
        };
        let not_started = || ScenarioError::NotStarted {
            step: index,
            event: step.event.clone(),
            subject: step.subject.clone(),
        };
        match &step.change {
            Change::StartCall {
                direction,
                raw_digits,
                line,
                user,
            } => {
                let id = self
                    .sandbox
                    .add_call(NewCall {
                        direction: direction.clone(),
                        status: "initial".to_owned(),
                        raw_digits: raw_digits.clone(),
                        number_id: Some(*line),
                        user_id: *user,
                        started_at: Some(at),
                        ..NewCall::default()
                    })
                    .map_err(refused)?;
                self.calls.insert(step.subject.clone(), id);
            }
            Change::StartMessage {
                direction,
                external_number,
                line,
                user,
                body,
                channel,
            } => {
                let id = self
                    .sandbox
                    .add_message(NewMessage {
                        direction: direction.clone(),
                        external_number: external_number.clone(),
                        body: body.clone(),
                        status: None,
                        channel: channel.clone(),
                        number_id: Some(*line),
                        user_id: *user,
                        created_at: Some(at),
                    })
                    .map_err(refused)?;
                self.messages.insert(step.subject.clone(), id);
            }
            Change::MessageStatus { status } => {
                let id = self.messages.get(&step.subject).ok_or_else(not_started)?;
                self.sandbox
                    .update_message(id, |m| {
                        m.status = status.clone();
                        m.updated_at = at;
                    })
                    .map_err(refused)?;
            }
            Change::Nothing if self.messages.contains_key(&step.subject) => {}
            Change::Insight { content, wrapped } => {
                let id = *self.calls.get(&step.subject).ok_or_else(not_started)?;
                return Ok(self.insight(step, id, content, *wrapped, at));
            }
            Change::WrapUpStart { user } | Change::WrapUpEnd { user } => {
                let starts = matches!(step.change, Change::WrapUpStart { .. });
                return user::wrap_up(self.sandbox, &step.event, *user, starts, at)
                    .map_err(refused);
            }
            change => {
                let id = *self.calls.get(&step.subject).ok_or_else(not_started)?;
                change_call(self.sandbox, id, change, at).map_err(refused)?;
            }
        }
        self.render(step, at).ok_or_else(not_started)
    }

    /// The webhook of an AI insight about call `id`: the Conversation Intelligence object.
    fn insight(&self, step: &Step, id: u64, content: &Value, wrapped: bool, at: i64) -> Envelope {
        let mut state = aircall::lock(self.sandbox.aircall_state());
        let insight_id = state.next_id();
        let call = state.calls.iter().find(|c| c.id == id);
        let mut data = serde_json::json!({
            "id": insight_id,
            "call_id": id,
            "call_uuid": call.map(|c| c.sid.clone()),
            "number_id": call.map(|c| c.number_id),
            // Aircall's AI says which it describes: a call, or the voicemail left on a missed
            // one.
            "type": match call {
                Some(c) if c.voicemail.is_some() && c.answered_at.is_none() => "voicemail",
                _ => "call",
            },
            "call_created_at": call.map(|c| c.started_at),
            "created_at": at,
            "ai_generated": true,
        });
        if step.event.starts_with("sentiment") {
            data["participants"] = serde_json::json!([{
                "participant_type": "external",
                "phone_number": call.map(|c| c.raw_digits.clone()),
                "value": content,
            }]);
        } else {
            data["content"] = content.clone();
        }
        if wrapped {
            let key = match step.event.split('.').next().unwrap_or_default() {
                "topics" => "topic",
                other => other,
            };
            data = serde_json::json!({ key: data });
        }
        Envelope {
            resource: "conversation_intelligence".to_owned(),
            event: step.event.clone(),
            timestamp: at,
            data,
        }
    }

    fn render(&self, step: &Step, at: i64) -> Option<Envelope> {
        let state = aircall::lock(self.sandbox.aircall_state());
        let (resource, data) = if let Some(id) = self.calls.get(&step.subject) {
            let call = state.calls.iter().find(|c| c.id == *id)?;
            ("call", render::call(call, &state))
        } else {
            let id = self.messages.get(&step.subject)?;
            let message = state.messages.iter().find(|m| &m.id == id)?;
            ("message", render::message(message, &state))
        };
        Some(Envelope {
            resource: resource.to_owned(),
            event: step.event.clone(),
            timestamp: at,
            data,
        })
    }
}

/// Where the fake Aircall keeps a call's media: a host that never resolves, so that a link
/// in a note reaches nobody.
fn media_url(call_id: u64, kind: &str) -> String {
    format!("https://sandbox.aircall.invalid/calls/{call_id}/{kind}.mp3")
}

fn change_call(sandbox: &Sandbox, id: u64, change: &Change, at: i64) -> Result<(), SandboxError> {
    let mut state = aircall::lock(sandbox.aircall_state());
    let known_user = |user: u64| {
        state
            .user(user)
            .map(|_| ())
            .ok_or(SandboxError::UnknownUser(user))
    };
    match change {
        Change::Answer { user } | Change::Transfer { to: user } | Change::Assign { to: user } => {
            known_user(*user)?
        }
        Change::Comment { by: Some(user), .. } => known_user(*user)?,
        _ => {}
    }
    let tag = match change {
        Change::Tag { tag } | Change::Untag { tag } => Some(
            state
                .tags
                .iter()
                .find(|t| t.id == *tag)
                .cloned()
                .ok_or(SandboxError::UnknownTag(*tag))?,
        ),
        _ => None,
    };
    let comment_id = matches!(change, Change::Comment { .. }).then(|| state.next_id());
    let call = state
        .calls
        .iter_mut()
        .find(|c| c.id == id)
        .ok_or(SandboxError::UnknownCall(id))?;
    match change {
        Change::Answer { user } => {
            call.status = "answered".to_owned();
            call.answered_at = Some(at);
            call.user_id = Some(*user);
        }
        Change::Transfer { to } => {
            call.transferred_by = call.user_id;
            call.transferred_to = Some(*to);
        }
        Change::LeaveVoicemail => call.voicemail = Some(media_url(call.id, "voicemail")),
        Change::Hangup { missed_call_reason } => {
            call.status = "done".to_owned();
            call.ended_at = Some(at);
            call.missed_call_reason = missed_call_reason.clone();
        }
        Change::End => {
            if call.answered_at.is_some() {
                call.recording = Some(media_url(call.id, "recording"));
            }
        }
        Change::Assign { to } => call.assigned_to = Some(*to),
        Change::Comment { content, by } => call.comments.push(Comment {
            id: comment_id.unwrap_or_default(),
            content: content.clone(),
            posted_at: at,
            posted_by: *by,
        }),
        Change::Tag { .. } => {
            if let Some(tag) = tag {
                if !call.tags.iter().any(|t| t.id == tag.id) {
                    call.tags.push(CallTag {
                        id: tag.id,
                        name: tag.name,
                        tagged_at: at,
                    });
                }
            }
        }
        Change::Untag { tag } => call.tags.retain(|t| t.id != *tag),
        Change::Nothing
        | Change::Insight { .. }
        | Change::WrapUpStart { .. }
        | Change::WrapUpEnd { .. } => {}
        Change::StartCall { .. } | Change::StartMessage { .. } | Change::MessageStatus { .. } => {}
    }
    Ok(())
}
