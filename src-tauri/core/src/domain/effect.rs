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
    StartConversation {
        /// The first message, in plain text, as if the contact had written it.
        body: String,
    },
    /// An internal note, by the teammate with this email when there is one, else by the
    /// integration admin.
    AddNote {
        /// The note as Intercom stores it (HTML).
        body: String,
        /// The email of the teammate to post the note as; `None` for the integration admin.
        author_email: Option<String>,
    },
    /// Assign the conversation.
    Assign {
        /// Whom the conversation goes to.
        target: AssignTarget,
    },
    /// Put a tag on the conversation (created in Intercom if missing), as the teammate with
    /// this email when there is one.
    Tag {
        /// The tag's name in Intercom.
        name: String,
        /// The email of the teammate to tag as; `None` for the integration admin.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        author_email: Option<String>,
    },
    /// Take a tag off the conversation.
    Untag {
        /// The tag's name in Intercom.
        name: String,
        /// The email of the teammate to untag as; `None` for the integration admin.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        author_email: Option<String>,
    },
    /// The outcome an agent chose at the call's wrap-up, written to one place: the call's
    /// Intercom conversation (the list attribute "Call outcome", created with its options when
    /// missing) or the Aircall call (a tag). A later choice replaces it: run after it, this
    /// one writes nothing.
    CallOutcome {
        /// The outcome as the hub's list spells it.
        outcome: String,
        /// Where it goes.
        target: OutcomeTarget,
    },
}

/// Where a call's outcome is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeTarget {
    /// The call's Intercom conversation, as its "Call outcome" attribute.
    Conversation,
    /// The Aircall call, as a tag (a call the settings do not log gets it too).
    AircallCall,
}

/// The name of the conversation attribute a call's outcome is written to.
pub const OUTCOME_ATTRIBUTE: &str = "Call outcome";

impl Effect {
    /// Every kind of effect, as [`Effect::kind`] names them.
    pub const KINDS: [&'static str; 7] = [
        "push_insight_card",
        "start_conversation",
        "add_note",
        "assign",
        "tag",
        "untag",
        "call_outcome",
    ];

    /// The effect's kind, as its `type` is written: `add_note`, `assign`, ….
    pub fn kind(&self) -> &'static str {
        match self {
            Effect::PushInsightCard => "push_insight_card",
            Effect::StartConversation { .. } => "start_conversation",
            Effect::AddNote { .. } => "add_note",
            Effect::Assign { .. } => "assign",
            Effect::Tag { .. } => "tag",
            Effect::Untag { .. } => "untag",
            Effect::CallOutcome { .. } => "call_outcome",
        }
    }

    /// Whether the effect needs the conversation to exist first.
    pub fn needs_conversation(&self) -> bool {
        !matches!(
            self,
            Effect::PushInsightCard
                | Effect::StartConversation { .. }
                | Effect::CallOutcome {
                    target: OutcomeTarget::AircallCall,
                    ..
                }
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
        /// The teammate's email in Aircall, lower case: the admin with this email in Intercom
        /// gets the conversation.
        email: String,
        /// The teammate's name in Aircall, kept with the queued effect for people reading it;
        /// the assignment goes by the email.
        name: String,
        /// What to do when no Intercom admin has this email.
        fallback: Fallback,
    },
    /// The admin who owns the Intercom token.
    IntegrationAdmin,
    /// The one teammate who answers on this Aircall line, read from Aircall when the webhook
    /// did not list the line's users; several or none: the fallback.
    LineTeammate {
        /// The Aircall number (line) the message came in on.
        number_id: u64,
        /// What to do when the line has several teammates or none, or its one teammate has no
        /// Intercom admin.
        fallback: Fallback,
    },
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_is_the_type_its_effect_is_stored_with() {
        let every = [
            Effect::PushInsightCard,
            Effect::StartConversation { body: "hi".into() },
            Effect::AddNote {
                body: "<p>hi</p>".into(),
                author_email: None,
            },
            Effect::Assign {
                target: AssignTarget::IntegrationAdmin,
            },
            Effect::Tag {
                name: "VIP".into(),
                author_email: None,
            },
            Effect::Untag {
                name: "VIP".into(),
                author_email: None,
            },
            Effect::CallOutcome {
                outcome: "Resolved".into(),
                target: OutcomeTarget::Conversation,
            },
        ];
        let kinds: Vec<&str> = every.iter().map(Effect::kind).collect();
        assert_eq!(kinds, Effect::KINDS);
        for effect in &every {
            let stored = serde_json::to_value(effect).unwrap();
            assert_eq!(stored["type"], effect.kind());
        }
    }

    #[test]
    fn an_outcome_waits_for_the_conversation_only_when_it_goes_there() {
        let to = |target| Effect::CallOutcome {
            outcome: "Sale".into(),
            target,
        };
        assert!(to(OutcomeTarget::Conversation).needs_conversation());
        assert!(!to(OutcomeTarget::AircallCall).needs_conversation());
        let stored = serde_json::to_value(to(OutcomeTarget::AircallCall)).unwrap();
        assert_eq!(stored["target"], "aircall_call");
    }
}
