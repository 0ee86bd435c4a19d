//! Aircall webhooks: the envelope (`resource`, `event`, `timestamp`, `token`, `data`) and the
//! typed events the hub acts on.
//!
//! Aircall signs nothing: the body's `token` is compared, in constant time, with the token
//! returned when the webhook was registered. The token is removed before an event is stored.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::aircall::{Call, Message};

/// The events `setup-webhook` subscribes to.
pub const SUBSCRIBED_EVENTS: &[&str] = &[
    "call.created",
    "call.ringing_on_agent",
    "call.answered",
    "call.transferred",
    "call.unsuccessful_transfer",
    "call.hungup",
    "call.ended",
    "call.voicemail_left",
    "call.assigned",
    "call.tagged",
    "call.untagged",
    "call.commented",
    "call.comm_assets_generated",
    "message.sent",
    "message.received",
    "message.status_updated",
    // Aircall's AI (Conversation Intelligence): sent only to accounts with the add-on.
    "summary.created",
    "action_item.created",
    "topics.created",
    "sentiment.created",
    // A line's users (for messages whose webhooks do not list them).
    "number.created",
    "number.opened",
    "number.closed",
    "user.connected",
    "user.disconnected",
    "user.opened",
    "user.closed",
    "user.wut_start",
    "user.wut_end",
    "user.connected.v2",
    "user.disconnected.v2",
    "user.opened.v2",
    "user.closed.v2",
    "user.wut_start.v2",
    "user.wut_end.v2",
];

/// Largest body accepted, in bytes. Real events are a few KiB.
pub const MAX_BODY: usize = 256 * 1024;

/// Why a webhook body was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// Not JSON, or not Aircall's envelope.
    #[error("malformed webhook: {0}")]
    Malformed(String),
    /// A known event whose `data` is not the object it should be.
    #[error("`{event}` carries an unexpected `data`: {reason}")]
    BadData {
        /// The event's name (`call.ended`, …).
        event: String,
        /// What is wrong with `data`, in the JSON decoder's words.
        reason: String,
    },
}

/// Aircall's envelope, with the token still inside (check it, then drop it).
#[derive(Debug, Clone, Deserialize)]
pub struct Envelope {
    /// `call`, `message`, `user`, …
    #[serde(default)]
    pub resource: String,
    /// `call.ended`, `message.received`, …
    pub event: String,
    /// UNIX seconds at which Aircall emitted the event.
    #[serde(default)]
    pub timestamp: i64,
    /// The webhook's token.
    #[serde(default)]
    pub token: String,
    /// The object.
    #[serde(default)]
    pub data: Value,
}

impl Envelope {
    /// Reads a body.
    pub fn parse(body: &[u8]) -> Result<Self, WebhookError> {
        let env: Envelope =
            serde_json::from_slice(body).map_err(|e| WebhookError::Malformed(e.to_string()))?;
        if env.event.trim().is_empty() {
            return Err(WebhookError::Malformed("the `event` name is empty".into()));
        }
        if !env.data.is_object() {
            return Err(WebhookError::Malformed("`data` is not an object".into()));
        }
        Ok(env)
    }

    /// Whether the token is the expected one, compared in constant time.
    pub fn token_matches(&self, expected: &str) -> bool {
        constant_time_eq(self.token.as_bytes(), expected.as_bytes())
    }

    /// The envelope as stored: everything but the token.
    pub fn stored(&self) -> StoredEvent {
        StoredEvent {
            resource: self.resource.clone(),
            event: self.event.clone(),
            timestamp: self.timestamp,
            data: self.data.clone(),
        }
    }
}

/// An accepted event as the inbox keeps it (no token).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredEvent {
    /// `call`, `message`, `user`, …
    pub resource: String,
    /// The event name.
    pub event: String,
    /// UNIX seconds.
    pub timestamp: i64,
    /// The object.
    pub data: Value,
}

/// The call events the hub knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallEvent {
    /// The call started.
    Created,
    /// An agent's phone rings.
    RingingOnAgent,
    /// Picked up.
    Answered,
    /// Transferred to another teammate or team.
    Transferred,
    /// A transfer failed.
    UnsuccessfulTransfer,
    /// Hung up (data not final yet).
    Hungup,
    /// Final data (duration, recording) is available.
    Ended,
    /// The caller left a voicemail.
    VoicemailLeft,
    /// Reassigned to a teammate in Aircall.
    Assigned,
    /// A tag was added.
    Tagged,
    /// A tag was removed.
    Untagged,
    /// A comment was added.
    Commented,
    /// Recording or voicemail files are ready.
    CommAssetsGenerated,
}

impl CallEvent {
    /// Reads an event name such as `call.ended`.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name.strip_prefix("call.")? {
            "created" => CallEvent::Created,
            "ringing_on_agent" => CallEvent::RingingOnAgent,
            "answered" => CallEvent::Answered,
            "transferred" => CallEvent::Transferred,
            "unsuccessful_transfer" => CallEvent::UnsuccessfulTransfer,
            "hungup" => CallEvent::Hungup,
            "ended" => CallEvent::Ended,
            "voicemail_left" => CallEvent::VoicemailLeft,
            "assigned" => CallEvent::Assigned,
            "tagged" => CallEvent::Tagged,
            "untagged" => CallEvent::Untagged,
            "commented" => CallEvent::Commented,
            "comm_assets_generated" => CallEvent::CommAssetsGenerated,
            _ => return None,
        })
    }
}

/// The message events the hub knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageEvent {
    /// A teammate sent an SMS or WhatsApp message.
    Sent,
    /// A customer sent one.
    Received,
    /// Its delivery status changed.
    StatusUpdated,
}

impl MessageEvent {
    /// Reads an event name such as `message.received`.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name.strip_prefix("message.")? {
            "sent" => MessageEvent::Sent,
            "received" => MessageEvent::Received,
            "status_updated" => MessageEvent::StatusUpdated,
            _ => return None,
        })
    }
}

/// A user event that changes what the card shows (availability).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserEvent {
    /// The event name (v1 or `.v2`).
    pub name: String,
    /// The Aircall user.
    pub user_id: u64,
    /// The user's email, when the payload has it.
    pub email: Option<String>,
}

/// A typed event.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Something happened to a call.
    Call {
        /// What happened to it (`call.created`, `call.answered`, …).
        kind: CallEvent,
        /// The call as the webhook describes it.
        call: Box<Call>,
        /// UNIX seconds at which Aircall emitted the event.
        timestamp: i64,
    },
    /// Something happened to an SMS or WhatsApp message.
    Message {
        /// What happened to it (`message.received`, `message.sent`, …).
        kind: MessageEvent,
        /// The message as the webhook describes it.
        message: Box<Message>,
        /// UNIX seconds at which Aircall emitted the event.
        timestamp: i64,
    },
    /// A user connected, disconnected, opened, closed…
    User(UserEvent),
    /// A line was created or changed (`number.*`): it comes with the users who answer on it.
    Line(Box<crate::aircall::Number>),
    /// Aircall's AI produced an insight about a call.
    Insight(crate::insight::Insight),
    /// Stored and acknowledged, but not acted on.
    Ignored {
        /// The event's name, for the logs.
        name: String,
    },
}

impl Event {
    /// Types a stored event.
    pub fn from_stored(stored: &StoredEvent) -> Result<Self, WebhookError> {
        let bad = |reason: String| WebhookError::BadData {
            event: stored.event.clone(),
            reason,
        };
        if let Some(kind) = CallEvent::parse(&stored.event) {
            let call: Call =
                serde_json::from_value(stored.data.clone()).map_err(|e| bad(e.to_string()))?;
            return Ok(Event::Call {
                kind,
                call: Box::new(call),
                timestamp: stored.timestamp,
            });
        }
        if let Some(kind) = MessageEvent::parse(&stored.event) {
            // One source nests the message under `data.message`; accept both.
            let data = stored
                .data
                .get("message")
                .filter(|m| m.is_object())
                .unwrap_or(&stored.data);
            let message: Message =
                serde_json::from_value(data.clone()).map_err(|e| bad(e.to_string()))?;
            return Ok(Event::Message {
                kind,
                message: Box::new(message),
                timestamp: stored.timestamp,
            });
        }
        if stored.event.starts_with("user.") {
            let user_id = stored
                .data
                .get("id")
                .and_then(Value::as_u64)
                .ok_or_else(|| bad("no user `id`".into()))?;
            let email = stored
                .data
                .get("email")
                .and_then(Value::as_str)
                .map(str::to_owned);
            return Ok(Event::User(UserEvent {
                name: stored.event.clone(),
                user_id,
                email,
            }));
        }
        if let Some(kind) = crate::insight::InsightKind::parse(&stored.event) {
            let insight = crate::insight::Insight::from_data(kind, &stored.data).map_err(bad)?;
            return Ok(Event::Insight(insight));
        }
        if stored.event.starts_with("number.") && stored.event != "number.deleted" {
            let number: crate::aircall::Number =
                serde_json::from_value(stored.data.clone()).map_err(|e| bad(e.to_string()))?;
            return Ok(Event::Line(Box::new(number)));
        }
        Ok(Event::Ignored {
            name: stored.event.clone(),
        })
    }
}

/// Compares two byte strings in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut diff = 0u8;
    for (x, y) in a.iter().zip(b) {
        diff |= x ^ y;
    }
    std::hint::black_box(diff) == 0
}

/// A sender's text as a log may show it: control characters and quotes escaped, at most `max`
/// characters (then `…`).
pub fn printable(text: &str, max: usize) -> String {
    let mut out: String = text
        .chars()
        .take(max)
        .flat_map(char::escape_debug)
        .collect();
    if text.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_event_is_typed_and_its_token_checked() {
        let body = br#"{"resource":"call","event":"call.ended","timestamp":1700000000,"token":"abc",
            "data":{"id":42,"direction":"inbound","status":"done","raw_digits":"+33 7 62 04 35 75"}}"#;
        let env = Envelope::parse(body).unwrap();
        assert!(env.token_matches("abc"));
        assert!(!env.token_matches("abd"));
        assert!(!env.token_matches(""));
        let stored = env.stored();
        assert!(
            !serde_json::to_string(&stored).unwrap().contains("abc"),
            "the token is not stored"
        );
        match Event::from_stored(&stored).unwrap() {
            Event::Call { kind, call, .. } => {
                assert_eq!(kind, CallEvent::Ended);
                assert_eq!(call.id, 42);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn malformed_bodies_and_shapes_are_told_apart() {
        assert!(matches!(
            Envelope::parse(b"not json"),
            Err(WebhookError::Malformed(_))
        ));
        assert!(matches!(
            Envelope::parse(br#"{"event":"call.ended","data":[]}"#),
            Err(WebhookError::Malformed(_))
        ));
        let env = Envelope::parse(br#"{"event":"call.ended","data":{"id":"x"}}"#).unwrap();
        assert!(matches!(
            Event::from_stored(&env.stored()),
            Err(WebhookError::BadData { .. })
        ));
        let env = Envelope::parse(br#"{"event":"contact.created","data":{"id":1}}"#).unwrap();
        assert_eq!(
            Event::from_stored(&env.stored()).unwrap(),
            Event::Ignored {
                name: "contact.created".into()
            }
        );
        // A line's events come with the users who answer on it.
        let env = Envelope::parse(
            br#"{"event":"number.opened","data":{"id":1,"users":[{"id":7,"email":"bob@acme.io"}]}}"#,
        )
        .unwrap();
        match Event::from_stored(&env.stored()).unwrap() {
            Event::Line(line) => {
                assert_eq!((line.id, line.users.len()), (1, 1));
                assert_eq!(line.users[0].email.as_deref(), Some("bob@acme.io"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_message_may_be_nested_under_data_message() {
        let env = Envelope::parse(
            br#"{"event":"message.received","data":{"message":{"id":"m1","direction":"inbound","body":"hi","external_number":"+33612345678"}}}"#,
        )
        .unwrap();
        match Event::from_stored(&env.stored()).unwrap() {
            Event::Message { message, .. } => assert_eq!(message.id, "m1"),
            other => panic!("{other:?}"),
        }
    }
}
