//! The effects the rules plan and the agents queue: one thing to do in Intercom or Aircall, and
//! whom a conversation goes to.

use serde::{Deserialize, Serialize};

/// One thing to do in Intercom or Aircall.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Effect {
    /// Build the insight card for the agents and, when the setting allows, show it in
    /// Aircall's phone app (live calls only).
    PushInsightCard,
    /// Find (or create) the contact and start the conversation with this first message.
    StartConversation { body: String },
    /// An internal note, by the teammate with this email when there is one, else by the
    /// integration admin.
    AddNote {
        body: String,
        author_email: Option<String>,
    },
    /// Assign the conversation.
    Assign { target: AssignTarget },
    /// Put a tag on the conversation (created in Intercom if missing), as the teammate with
    /// this email when there is one.
    Tag {
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        author_email: Option<String>,
    },
    /// Take a tag off the conversation.
    Untag {
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        author_email: Option<String>,
    },
}

impl Effect {
    /// Whether the effect needs the conversation to exist first.
    pub fn needs_conversation(&self) -> bool {
        !matches!(
            self,
            Effect::PushInsightCard | Effect::StartConversation { .. }
        )
    }
}

/// Whom to assign a conversation to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum AssignTarget {
    /// The Intercom admin whose email is this one (case-insensitive); if nobody matches, the
    /// fallback.
    Teammate {
        email: String,
        name: String,
        fallback: Fallback,
    },
    /// The admin who owns the Intercom token.
    IntegrationAdmin,
    /// The one teammate who answers on this Aircall line, read from Aircall when the webhook
    /// did not list the line's users; several or none: the fallback.
    LineTeammate { number_id: u64, fallback: Fallback },
}

/// What to do when a teammate has no Intercom admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fallback {
    /// Assign to the integration admin.
    IntegrationAdmin,
    /// Leave the assignment as it is.
    Keep,
    /// Leave the conversation unassigned (Intercom's own rules apply).
    Unassigned,
}

/// An effect with its idempotency key, unique for the subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// Stable for this effect of this subject: the outbox refuses a second row with it.
    pub key: String,
    /// What to do.
    pub effect: Effect,
}
