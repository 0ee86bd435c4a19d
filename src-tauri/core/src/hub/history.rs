//! One line of the agents' history (`GET /api/v1/calls`), as the hub sends it and the desktop
//! reads it: one type on both sides, so what the main window shows cannot drift from what the
//! hub knows.

use serde::{Deserialize, Serialize};

use crate::domain::subject::{Status, Subject, SubjectKind, Tracked};
use crate::pipeline::events::ActionKind;
use crate::store::{EffectState, OutboxRow};

/// How the customer and the agent spoke: a call, an SMS or a WhatsApp message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// A phone call.
    #[default]
    Call,
    /// An SMS (or MMS).
    Sms,
    /// A WhatsApp message.
    Whatsapp,
}

/// A note or a tag change Intercom refused for good.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refused {
    /// What was refused.
    pub action: ActionKind,
    /// The note's text or the tag's name.
    pub value: String,
    /// Why, in Intercom's words.
    pub reason: String,
}

impl Refused {
    /// The refused notes and tag changes among a call's or message's effects, oldest first.
    pub fn among(effects: &[OutboxRow]) -> Vec<Refused> {
        effects
            .iter()
            .filter(|e| e.state == EffectState::Failed)
            .filter_map(|e| {
                let (action, value) = ActionKind::of(&e.effect)?;
                Some(Refused {
                    action,
                    value,
                    reason: e.last_error.clone().unwrap_or_default(),
                })
            })
            .collect()
    }
}

/// One call or message of the history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryItem {
    /// Call or message.
    pub kind: SubjectKind,
    /// Aircall's id.
    pub id: String,
    /// Call, SMS or WhatsApp.
    #[serde(default)]
    pub channel: Channel,
    /// `inbound` or `outbound`.
    pub direction: Option<String>,
    /// The customer's number as Aircall gave it; `None` for an anonymous caller.
    pub phone: Option<String>,
    /// The Aircall line's name.
    pub line: Option<String>,
    /// The Intercom contact's name, when the hub knows who it is.
    #[serde(default)]
    pub contact_name: Option<String>,
    /// Where the call or message stands in Intercom.
    pub status: Status,
    /// Why it is not logged, in the hub's words, when it is not.
    pub reason: Option<String>,
    /// How many Intercom contacts share the number (a shared number waits for the agent to
    /// choose one of them); 0 otherwise.
    #[serde(default)]
    pub candidates: usize,
    /// An inbound call nobody answered.
    #[serde(default)]
    pub missed: bool,
    /// How long the call was spoken, in seconds (answer to end), once it is over.
    #[serde(default)]
    pub duration_secs: Option<i64>,
    /// A message's text.
    #[serde(default)]
    pub text: Option<String>,
    /// The notes and tag changes Intercom refused for good, with its reason.
    #[serde(default)]
    pub refused: Vec<Refused>,
    /// What became of the card pushed to Aircall's phone app: `pushed`, `dropped` (the call
    /// ended before Aircall's budget let it through) or `failed`.
    pub card_push: Option<String>,
    /// The Intercom contact it is logged to.
    pub contact_id: Option<String>,
    /// The Intercom conversation it is logged in.
    pub conversation_id: Option<String>,
    /// That conversation in Intercom's inbox.
    pub conversation_url: Option<String>,
    /// When the hub first saw it, UNIX seconds.
    pub created_at: i64,
    /// Its last change, UNIX seconds.
    pub updated_at: i64,
}

impl HistoryItem {
    /// The line of a subject, with the contact's name and conversation link when known.
    pub fn of(
        s: Subject,
        contact_name: Option<String>,
        conversation_url: Option<String>,
        refused: Vec<Refused>,
    ) -> Self {
        let (channel, direction, phone, line, missed, duration_secs, text) = match &s.tracked {
            Tracked::Call { call, .. } => {
                let over = call.ended_at.is_some() || call.status == "done";
                let inbound = call.direction == crate::aircall::Direction::Inbound;
                // The time spoken: from the answer to the end (Aircall's `duration` counts
                // the ringing too, which would give a missed call a length).
                // Vendor timestamps are read as they come: the difference is checked, and a
                // span no call has (negative, over a week) is unknown rather than shown.
                let duration = call
                    .answered_at
                    .zip(call.ended_at)
                    .and_then(|(a, e)| e.checked_sub(a))
                    .filter(|d| (0..=crate::rules::notes::LONGEST_SPAN_SECS).contains(d));
                (
                    Channel::Call,
                    call.direction,
                    Some(call.raw_digits.clone()).filter(|d| !d.trim().is_empty()),
                    call.number.as_ref().map(|n| n.name.clone()),
                    over && inbound && call.answered_at.is_none(),
                    duration.filter(|_| over),
                    None,
                )
            }
            Tracked::Message { message: m, .. } => (
                if m.channel_label() == "WhatsApp" {
                    Channel::Whatsapp
                } else {
                    Channel::Sms
                },
                m.direction,
                m.external_number.clone().or_else(|| m.raw_digits.clone()),
                m.number.as_ref().map(|n| n.name.clone()),
                false,
                None,
                m.body.clone(),
            ),
        };
        HistoryItem {
            kind: s.kind(),
            channel,
            direction: Some(format!("{direction:?}").to_lowercase()),
            phone,
            line,
            contact_name,
            status: s.status,
            candidates: if s.status == Status::Skipped {
                s.candidates.len()
            } else {
                0
            },
            missed,
            duration_secs,
            text,
            refused,
            card_push: s.card_push.map(|p| p.as_str().to_owned()),
            conversation_url,
            id: s.id,
            reason: s.reason,
            contact_id: s.contact_id,
            conversation_id: s.conversation_id,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}
