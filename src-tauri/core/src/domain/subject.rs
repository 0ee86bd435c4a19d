//! A subject is what the hub logs: one call or one message, with the most complete snapshot seen,
//! the rules' memory of what was already planned for it, and where it stands.
//!
//! The store reads and writes these as rows; everything else sees only the typed values below.

use serde::{Deserialize, Serialize};

use super::memory::{CallMemory, MessageMemory};
use crate::aircall::{Call, Message};
use crate::phone::{CallerId, PhoneError, Region};

/// A call or a message.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    /// An Aircall call.
    Call,
    /// An SMS or WhatsApp message.
    Message,
}

impl SubjectKind {
    /// The name stored and shown (`call`, `message`).
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Call => "call",
            SubjectKind::Message => "message",
        }
    }

    /// Reads a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "call" => Some(SubjectKind::Call),
            "message" => Some(SubjectKind::Message),
            _ => None,
        }
    }
}

impl std::fmt::Display for SubjectKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which subject: its kind and Aircall's id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubjectKey {
    /// Call or message.
    pub kind: SubjectKind,
    /// Aircall's id.
    pub id: String,
}

impl SubjectKey {
    /// The key of a call.
    pub fn call(id: u64) -> Self {
        SubjectKey {
            kind: SubjectKind::Call,
            id: id.to_string(),
        }
    }

    /// The key of a message.
    pub fn message(id: &str) -> Self {
        SubjectKey {
            kind: SubjectKind::Message,
            id: id.to_owned(),
        }
    }
}

impl std::fmt::Display for SubjectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.kind, self.id)
    }
}

/// Where a subject stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// A call still going on.
    Live,
    /// Waiting for its conversation to be started.
    Queued,
    /// In Intercom.
    Logged,
    /// Not logged automatically; waits for an agent (a shared number, no contact).
    Skipped,
    /// Intercom refused it for good; waits for an agent.
    Failed,
    /// Not logged, by the integration's settings.
    Off,
}

impl Status {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Live => "live",
            Status::Queued => "queued",
            Status::Logged => "logged",
            Status::Skipped => "skipped",
            Status::Failed => "failed",
            Status::Off => "off",
        }
    }

    /// Reads a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "live" => Status::Live,
            "queued" => Status::Queued,
            "logged" => Status::Logged,
            "skipped" => Status::Skipped,
            "failed" => Status::Failed,
            "off" => Status::Off,
            _ => return None,
        })
    }

    /// Settled by the executor or an agent: a later webhook does not change it.
    pub fn is_settled(self) -> bool {
        matches!(self, Status::Logged | Status::Skipped | Status::Failed)
    }

    /// Waiting for an agent: new effects wait with it.
    pub fn waits_for_agent(self) -> bool {
        matches!(self, Status::Skipped | Status::Failed)
    }
}

/// The snapshot and the rules' memory, by kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Tracked {
    /// A call.
    Call {
        /// The most complete snapshot seen.
        call: Box<Call>,
        /// What the rules already planned.
        memory: CallMemory,
    },
    /// A message.
    Message {
        /// The latest snapshot.
        message: Box<Message>,
        /// What the rules already planned.
        memory: MessageMemory,
    },
}

/// What became of the card pushed to Aircall's phone app for a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CardPush {
    /// Aircall shows it.
    Pushed,
    /// The call stopped ringing before its turn under Aircall's budget came.
    Dropped,
    /// Aircall refused it.
    Failed,
}

impl CardPush {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            CardPush::Pushed => "pushed",
            CardPush::Dropped => "dropped",
            CardPush::Failed => "failed",
        }
    }

    /// Reads a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "pushed" => CardPush::Pushed,
            "dropped" => CardPush::Dropped,
            "failed" => CardPush::Failed,
            _ => return None,
        })
    }
}

/// How far along a call is. A later snapshot never takes a call back: the processor keeps the
/// furthest it has seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Progress {
    /// Nobody answered yet.
    Ringing,
    /// Someone picked up.
    Answered,
    /// The call is over (a message is over at once).
    Over,
}

impl Progress {
    /// How far along this snapshot of a call is.
    pub fn of(call: &Call) -> Progress {
        match call.status.as_str() {
            "done" => Progress::Over,
            _ if call.ended_at.is_some() => Progress::Over,
            "answered" => Progress::Answered,
            _ if call.answered_at.is_some() => Progress::Answered,
            _ => Progress::Ringing,
        }
    }

    /// The number the store keeps (0, 1, 2).
    pub fn as_i64(self) -> i64 {
        match self {
            Progress::Ringing => 0,
            Progress::Answered => 1,
            Progress::Over => 2,
        }
    }

    /// Reads the store's number; `None` for one no version of Ringside wrote.
    pub fn from_i64(n: i64) -> Option<Progress> {
        match n {
            0 => Some(Progress::Ringing),
            1 => Some(Progress::Answered),
            2 => Some(Progress::Over),
            _ => None,
        }
    }
}

/// A call or a message as the hub tracks it.
#[derive(Debug, Clone, PartialEq)]
pub struct Subject {
    /// Aircall's id.
    pub id: String,
    /// The snapshot and memory.
    pub tracked: Tracked,
    /// How far along the snapshot is: ringing, answered or over (a message is over at once).
    pub progress: Progress,
    /// The time of the event that brought the snapshot.
    pub event_time: i64,
    /// Where it stands.
    pub status: Status,
    /// Why skipped, failed or off, in words.
    pub reason: Option<String>,
    /// The Intercom contact it is logged to.
    pub contact_id: Option<String>,
    /// The Intercom conversation it is logged in.
    pub conversation_id: Option<String>,
    /// The contact an agent picked for a shared number.
    pub chosen_contact_id: Option<String>,
    /// The contacts an agent may pick from (a shared number's).
    pub candidates: Vec<String>,
    /// What became of the card pushed to Aircall.
    pub card_push: Option<CardPush>,
    /// First seen, UNIX seconds.
    pub created_at: i64,
    /// Last change, UNIX seconds.
    pub updated_at: i64,
}

impl Subject {
    /// Call or message.
    pub fn kind(&self) -> SubjectKind {
        match self.tracked {
            Tracked::Call { .. } => SubjectKind::Call,
            Tracked::Message { .. } => SubjectKind::Message,
        }
    }

    /// Its key.
    pub fn key(&self) -> SubjectKey {
        SubjectKey {
            kind: self.kind(),
            id: self.id.clone(),
        }
    }

    /// The call, when it is one.
    pub fn call(&self) -> Option<&Call> {
        match &self.tracked {
            Tracked::Call { call, .. } => Some(call),
            Tracked::Message { .. } => None,
        }
    }

    /// The message, when it is one.
    pub fn message(&self) -> Option<&Message> {
        match &self.tracked {
            Tracked::Message { message, .. } => Some(message),
            Tracked::Call { .. } => None,
        }
    }

    /// Whether the call still rings (nobody answered, not over).
    pub fn is_ringing(&self) -> bool {
        self.kind() == SubjectKind::Call && self.progress == Progress::Ringing
    }

    /// Whether the call is live: ringing or answered, not over.
    pub fn is_live(&self) -> bool {
        self.kind() == SubjectKind::Call && self.progress < Progress::Over
    }

    /// The caller of a call or the customer of a message. A national number is read in the
    /// region of the Aircall line that carried it, else in `default_region`.
    pub fn caller(&self, default_region: Region) -> Result<CallerId, PhoneError> {
        let (raw, country) = match &self.tracked {
            Tracked::Call { call, .. } => return caller_of_call(call, default_region),
            Tracked::Message { message, .. } => (
                message
                    .external_number
                    .clone()
                    .or_else(|| message.raw_digits.clone())
                    .unwrap_or_default(),
                message.number.as_ref().and_then(|n| n.country.clone()),
            ),
        };
        let region = country
            .and_then(|c| Region::parse(&c).ok())
            .unwrap_or(default_region);
        CallerId::parse(&raw, region)
    }

    /// The agents it concerns (lower-case emails; empty: every agent).
    pub fn audience(&self) -> Vec<String> {
        match &self.tracked {
            Tracked::Call { call, .. } => audience_of_call(call),
            Tracked::Message { message, .. } => audience_of_message(message),
        }
    }
}

/// The caller of a call (the other party, whichever way it goes). A national number is read in
/// the region of the Aircall line that carried it, else in `default_region`.
pub fn caller_of_call(call: &Call, default_region: Region) -> Result<CallerId, PhoneError> {
    let region = call
        .number
        .as_ref()
        .and_then(|n| n.country.as_deref())
        .and_then(|c| Region::parse(c).ok())
        .unwrap_or(default_region);
    CallerId::parse(&call.raw_digits, region)
}

/// The audience of a call or message whose people the hub cannot tell (its webhook lists no
/// one and the line's teammates are unknown): admins only. It matches no agent's email, and an
/// admin's stream carries every event.
pub const ADMINS_ONLY: &str = "(admins only)";

/// The agents a call concerns: whoever has or had it, and the line's teammates (the hub fills
/// them in from what it knows of the line when the webhook does not list them); admins only
/// when that is nobody.
pub fn audience_of_call(call: &Call) -> Vec<String> {
    let people = [&call.user, &call.transferred_to, &call.assigned_to]
        .into_iter()
        .flatten()
        .chain(call.number.iter().flat_map(|n| n.users.iter()));
    emails(people.filter_map(|u| u.email.as_deref()))
}

/// The agents a message concerns: its sender and the line's teammates; admins only when that
/// is nobody.
pub fn audience_of_message(message: &Message) -> Vec<String> {
    let people = message
        .user
        .iter()
        .chain(message.number.iter().flat_map(|n| n.users.iter()));
    emails(people.filter_map(|u| u.email.as_deref()))
}

fn emails<'a>(raw: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = raw
        .map(|e| e.trim().to_lowercase())
        .filter(|e| !e.is_empty())
        .collect();
    out.sort();
    out.dedup();
    if out.is_empty() {
        out.push(ADMINS_ONLY.to_owned());
    }
    out
}
