//! One line of the agents' history (`GET /api/v1/calls`), as the hub sends it and the desktop
//! reads it: one type on both sides, so what the main window shows cannot drift from what the
//! hub knows. The engine fills it (`engine/history.rs`).

use serde::{Deserialize, Serialize};

use super::event::ActionKind;
use super::subject::{CardPush, Status, SubjectKind};
use crate::aircall::Direction;

/// How the customer and the agent spoke: a call, an SMS or a WhatsApp message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Refused {
    /// What was refused.
    pub action: ActionKind,
    /// The note's text or the tag's name.
    pub value: String,
    /// Why, in Intercom's words.
    pub reason: String,
}

/// One call or message of the history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HistoryItem {
    /// Call or message.
    pub kind: SubjectKind,
    /// Aircall's id.
    pub id: String,
    /// Call, SMS or WhatsApp.
    #[serde(default)]
    pub channel: Channel,
    /// `inbound` or `outbound`.
    pub direction: Option<Direction>,
    /// The customer's number as Aircall gave it; `None` for an anonymous caller.
    pub phone: Option<String>,
    /// The Aircall line's name.
    pub line: Option<String>,
    /// The Intercom contact's name, when the hub knows who it is.
    #[serde(default)]
    pub contact_name: Option<String>,
    /// Where the call or message stands in Intercom.
    pub status: Status,
    /// Why it is not logged, in the hub's words (English), when it is not.
    pub reason: Option<String>,
    /// The reason's stable code (`missed_calls_off`, `shared_number`, …; see
    /// [`super::reason::Reason`]), when the hub knows it: the app says it in its language.
    #[serde(default)]
    pub reason_code: Option<String>,
    /// The values the reason's words use (`{"count": 3}`); empty when it has none.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub reason_values: serde_json::Map<String, serde_json::Value>,
    /// The outcome an agent chose at the call's wrap-up, as the hub's list spells it.
    #[serde(default)]
    pub outcome: Option<String>,
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
    /// When the call was answered, UNIX seconds, as Aircall gave it; `None` for a call not
    /// answered (yet) and for a message.
    #[serde(default)]
    pub answered_at: Option<i64>,
    /// A message's text.
    #[serde(default)]
    pub text: Option<String>,
    /// The notes and tag changes Intercom refused for good, with its reason.
    #[serde(default)]
    pub refused: Vec<Refused>,
    /// What became of the card pushed to Aircall's phone app: `pushed`, `dropped` (the call
    /// ended before Aircall's budget let it through) or `failed`.
    pub card_push: Option<CardPush>,
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
