//! What the hub tells agents on their stream, as it travels on the wire and as the event log
//! keeps it.

use serde::{Deserialize, Serialize};

use super::card::{Candidate, Card};
use super::effect::Effect;
use super::note::note_text;
use super::subject::SubjectKind;
use crate::aircall::{Availability, Direction};

/// An event for the agents' stream. The SSE `event:` name is the `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type")]
pub enum HubEvent {
    /// A call is ringing (or was just placed).
    #[serde(rename = "call.ringing")]
    CallRinging {
        /// Aircall's id of the call.
        call_id: u64,
        /// `inbound` (the customer called) or `outbound` (a teammate called).
        direction: Direction,
        /// The customer's number as Aircall gave it, not normalised; `None` when Aircall gave
        /// none.
        phone: Option<String>,
        /// The name of the Aircall line the call is on.
        line: Option<String>,
    },
    /// Someone picked up.
    #[serde(rename = "call.answered")]
    CallAnswered {
        /// Aircall's id of the call.
        call_id: u64,
        /// The name of the teammate who answered, when Aircall names one.
        by: Option<String>,
    },
    /// The call was transferred.
    #[serde(rename = "call.transferred")]
    CallTransferred {
        /// Aircall's id of the call.
        call_id: u64,
        /// The name of the teammate it was transferred to, when Aircall names one.
        to: Option<String>,
    },
    /// The call is over.
    #[serde(rename = "call.ended")]
    CallEnded {
        /// Aircall's id of the call.
        call_id: u64,
    },
    /// The insight card is ready.
    #[serde(rename = "card.ready")]
    CardReady {
        /// Aircall's id of the call.
        call_id: u64,
        /// The card the agents' app shows for the call.
        card: Box<Card>,
    },
    /// The call or message is in Intercom.
    #[serde(rename = "call.logged")]
    Logged {
        /// `call` or `message`.
        subject: SubjectKind,
        /// Aircall's id of the call or message.
        id: String,
        /// The Intercom conversation it was logged to.
        conversation_id: String,
        /// The conversation in Intercom's inbox; empty when the workspace is not known yet.
        url: String,
    },
    /// It could not be logged automatically, and why.
    #[serde(rename = "logging.skipped")]
    Skipped {
        /// `call` or `message`.
        subject: SubjectKind,
        /// Aircall's id of the call or message.
        id: String,
        /// Why, in words for the agents (English).
        reason: String,
        /// The reason's stable code (see [`super::reason::Reason`]); `None` from an older hub.
        #[serde(default)]
        reason_code: Option<String>,
        /// The values the reason's words use (`{"count": 3}`).
        #[serde(default)]
        #[schema(value_type = Object)]
        reason_values: serde_json::Map<String, serde_json::Value>,
        /// The contacts that share the number, for an agent to pick one; empty otherwise.
        candidates: Vec<Candidate>,
    },
    /// A customer's SMS or WhatsApp message arrived.
    #[serde(rename = "message.received")]
    MessageReceived {
        /// Aircall's id of the message.
        message_id: String,
        /// `SMS` or `WhatsApp`.
        channel: String,
        /// The customer's number as Aircall gave it, not normalised.
        phone: Option<String>,
        /// The name of the Aircall line the message came in on.
        line: Option<String>,
        /// The message's text, when it has some.
        text: Option<String>,
    },
    /// A teammate's Aircall availability changed.
    #[serde(rename = "availability.changed")]
    Availability {
        /// Aircall's id of the teammate.
        user_id: u64,
        /// The teammate's email, when the hub has read it from Aircall.
        email: Option<String>,
        /// Aircall's word for the new state (`available`, `offline`, `do_not_disturb`,
        /// `in_call`, `after_call_work`); `None` for a word this engine does not know.
        #[serde(default, deserialize_with = "lenient_availability")]
        availability: Option<Availability>,
    },
    /// Intercom refused a note or a tag change for good: the agents hear it, in words, on the
    /// card and in the history.
    #[serde(rename = "action.refused")]
    ActionRefused {
        /// `call` or `message`.
        subject: SubjectKind,
        /// Aircall's id of the call or message.
        id: String,
        /// What was refused.
        action: ActionKind,
        /// The note's text or the tag's name.
        value: String,
        /// Why, in Intercom's words.
        reason: String,
    },
    /// A call to return opened, or changed while open (another missed call merged into it,
    /// its voicemail or transcript came).
    #[serde(rename = "callback.opened")]
    CallbackOpened {
        /// The item as it is now.
        callback: Box<super::callback::Callback>,
    },
    /// An agent is calling the number back.
    #[serde(rename = "callback.claimed")]
    CallbackClaimed {
        /// The item as it is now.
        callback: Box<super::callback::Callback>,
    },
    /// The call was returned, the caller was answered, or an agent dismissed the item.
    #[serde(rename = "callback.closed")]
    CallbackClosed {
        /// The item as it is now.
        callback: Box<super::callback::Callback>,
    },
    /// A call's wrap-up is over for the agent whose wrap-up it was: Aircall's wrap-up time
    /// ended, the hub's `wrap_up_seconds` ran out, or the agent pressed "Done".
    #[serde(rename = "wrap_up.ended")]
    WrapUpEnded {
        /// Aircall's id of the call.
        call_id: u64,
        /// `aircall`, `timer` or `agent`.
        by: super::presence::EndedBy,
    },
    /// Sent first, on one stream only, to an app that resumed from an event id this hub never
    /// gave (its log was restored from a backup, or went back before ids were kept): the app's
    /// position means nothing here, and the stream replays the log from its beginning. Never
    /// written to the log; its SSE id is 0, so that a reconnection starts from the beginning too.
    #[serde(rename = "stream.reset")]
    StreamReset {
        /// The position the app asked for.
        asked: i64,
        /// The highest id this hub ever gave.
        newest: i64,
    },
}

impl HubEvent {
    /// `logging.skipped` for a call or message, with its reason's words, code and values.
    pub fn skipped(
        subject: SubjectKind,
        id: String,
        reason: &super::reason::Reason,
        candidates: Vec<Candidate>,
    ) -> HubEvent {
        HubEvent::Skipped {
            subject,
            id,
            reason: reason.words(),
            reason_code: Some(reason.code().to_owned()),
            reason_values: reason.values(),
            candidates,
        }
    }

    /// The event's name (`call.ringing`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            HubEvent::CallRinging { .. } => "call.ringing",
            HubEvent::CallAnswered { .. } => "call.answered",
            HubEvent::CallTransferred { .. } => "call.transferred",
            HubEvent::CallEnded { .. } => "call.ended",
            HubEvent::CardReady { .. } => "card.ready",
            HubEvent::Logged { .. } => "call.logged",
            HubEvent::Skipped { .. } => "logging.skipped",
            HubEvent::MessageReceived { .. } => "message.received",
            HubEvent::Availability { .. } => "availability.changed",
            HubEvent::ActionRefused { .. } => "action.refused",
            HubEvent::CallbackOpened { .. } => "callback.opened",
            HubEvent::CallbackClaimed { .. } => "callback.claimed",
            HubEvent::CallbackClosed { .. } => "callback.closed",
            HubEvent::StreamReset { .. } => "stream.reset",
            HubEvent::WrapUpEnded { .. } => "wrap_up.ended",
        }
    }

    /// The event as a log row for these agents (empty: everyone).
    pub fn to_new(&self, audience: Vec<String>) -> NewEvent {
        NewEvent {
            audience,
            kind: self.kind().to_owned(),
            payload: serde_json::to_string(self).unwrap_or_else(|_| "{}".to_owned()),
        }
    }
}

/// What an agent (or the rules) asked of a call's conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// Add a note.
    Note,
    /// Put a tag on.
    AddTag,
    /// Take a tag off.
    RemoveTag,
}

impl ActionKind {
    /// The action of an effect, with its note's text (as the agent typed it) or its tag's
    /// name; `None` for effects that are not a note or a tag change.
    pub fn of(effect: &Effect) -> Option<(ActionKind, String)> {
        match effect {
            Effect::AddNote { body, .. } => Some((ActionKind::Note, note_text(body))),
            Effect::Tag { name, .. } => Some((ActionKind::AddTag, name.clone())),
            Effect::Untag { name, .. } => Some((ActionKind::RemoveTag, name.clone())),
            _ => None,
        }
    }
}

/// A hub event to append to the log with the same transaction.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// Lower-case emails concerned (empty: everyone).
    pub audience: Vec<String>,
    /// The event kind.
    pub kind: String,
    /// Its JSON payload.
    pub payload: String,
}

/// Reads an availability a newer Aircall (or hub) may send that this app does not know as
/// none, rather than failing the whole event.
fn lenient_availability<'de, D>(d: D) -> Result<Option<Availability>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let raw: Option<serde_json::Value> = Option::deserialize(d)?;
    Ok(raw.and_then(|v| serde_json::from_value(v).ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_fields_travel_as_the_words_the_desktop_reads() {
        let ringing = HubEvent::CallRinging {
            call_id: 7,
            direction: Direction::Outbound,
            phone: None,
            line: None,
        };
        let json = serde_json::to_value(&ringing).unwrap();
        assert_eq!(json["direction"], "outbound");
        let logged = HubEvent::Logged {
            subject: SubjectKind::Message,
            id: "9".into(),
            conversation_id: "1".into(),
            url: "u".into(),
        };
        assert_eq!(serde_json::to_value(&logged).unwrap()["subject"], "message");
        let changed = HubEvent::Availability {
            user_id: 1,
            email: None,
            availability: Some(Availability::InCall),
        };
        let json = serde_json::to_value(&changed).unwrap();
        assert_eq!(json["availability"], "in_call");
        assert_eq!(serde_json::from_value::<HubEvent>(json).unwrap(), changed);
    }

    #[test]
    fn an_availability_this_app_does_not_know_reads_as_none_and_the_event_still_comes() {
        let newer = serde_json::json!({
            "type": "availability.changed",
            "user_id": 1,
            "email": "bob@acme.io",
            "availability": "in_a_meeting",
        });
        let event: HubEvent = serde_json::from_value(newer).unwrap();
        assert!(matches!(
            event,
            HubEvent::Availability {
                availability: None,
                ..
            }
        ));
    }
}
