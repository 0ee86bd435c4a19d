//! The insight card as the hub sends it and the desktop shows it: who is calling, their last
//! conversation, who owns it and whether that owner is free, and the call's own conversation.

use serde::{Deserialize, Serialize};

use crate::aircall::Availability;
use crate::intercom::{ConversationState, Role, Tag};

/// The card, exactly as the README's architecture section shapes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Card {
    /// The Aircall call, when the card is for one.
    pub call_id: Option<u64>,
    /// The caller's number in E.164; `None` for an anonymous caller.
    pub phone: Option<String>,
    /// Who it is.
    pub contact: CardContact,
    /// Their most recently updated open or closed conversation.
    pub conversation: Option<CardConversation>,
    /// The call's own conversation and its tags, when the hub knows the call (the agents' API
    /// adds it; a card built as a call rings has none yet).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_conversation: Option<CallConversation>,
}

impl Card {
    /// The ids of the contacts a shared number offers (empty unless the number is shared): an
    /// agent may pick one of these, and no other.
    pub fn candidate_ids(&self) -> Vec<String> {
        self.contact
            .candidates
            .iter()
            .map(|c| c.id.clone())
            .collect()
    }
}

/// How the number matched Intercom contacts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ContactStatus {
    /// Exactly one contact has the number.
    Existing,
    /// Nobody has it; a contact will be created when the call is logged (if allowed).
    New,
    /// The caller withheld their number.
    Anonymous,
    /// Several contacts share the number; the agent may pick one.
    Ambiguous,
}

/// The contact part of the card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CardContact {
    /// Existing, new, anonymous or ambiguous.
    pub status: ContactStatus,
    /// Intercom's id (`None` when new or ambiguous, or no anonymous contact exists yet).
    pub id: Option<String>,
    /// The name; for a new contact, the phone number.
    pub name: String,
    /// User or lead (for a new contact, the role it would be created with).
    #[serde(rename = "type")]
    pub kind: Option<Role>,
    /// "See contact page".
    pub url: Option<String>,
    /// For an ambiguous number, every contact that has it.
    pub candidates: Vec<Candidate>,
}

/// One of several contacts sharing a number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Candidate {
    /// Intercom's id.
    pub id: String,
    /// The name, or the email, or the id.
    pub name: String,
    /// User or lead.
    #[serde(rename = "type")]
    pub kind: Role,
    /// The contact page.
    pub url: String,
}

/// The conversation part of the card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CardConversation {
    /// Intercom's id.
    pub id: String,
    /// `open` or `closed`.
    pub state: ConversationState,
    /// "See last conversation".
    pub url: String,
    /// Who owns it; `None` when unassigned.
    pub owner: Option<Owner>,
    /// The tags on it.
    pub tags: Vec<Tag>,
}

/// The owner of the conversation and whether they are free.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Owner {
    /// The admin's name.
    pub name: String,
    /// The admin's email.
    pub email: Option<String>,
    /// From the Aircall user with the same email; `None` when nobody matches.
    pub availability: Option<Availability>,
}

/// The call's conversation and its tags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CallConversation {
    /// Intercom's id, once the call is logged.
    pub id: Option<String>,
    /// The conversation in Intercom's inbox, once the call is logged.
    pub url: Option<String>,
    /// Its tags, and those on their way to it or off it.
    pub tags: Vec<CallTag>,
    /// Why Intercom's tags could not be read just now (`tags` then holds the pending changes
    /// only).
    pub tags_error: Option<String>,
}

/// A tag of the call's conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CallTag {
    /// The tag's name.
    pub name: String,
    /// Intercom's id, for a tag on the conversation now.
    pub id: Option<String>,
    /// Whether it is on the conversation, or on its way there or off it.
    pub state: TagState,
}

/// Where a tag of the call's conversation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TagState {
    /// On the conversation in Intercom.
    Applied,
    /// Queued to be put on it (it may wait for the call to be logged).
    Adding,
    /// On it, and queued to be taken off.
    Removing,
}
