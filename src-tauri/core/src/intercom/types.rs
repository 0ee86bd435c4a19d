//! Intercom's objects as the engine uses them. The wire shapes are read into these in `wire.rs`;
//! nothing else in the engine sees Intercom's JSON.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The two kinds of Intercom contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A signed-up user.
    User,
    /// A lead (visitor who gave contact details, or a caller Ringside created).
    Lead,
}

impl Role {
    /// `user` or `lead`, as Intercom writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Lead => "lead",
        }
    }

    /// Reads Intercom's word for a role.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "user" => Some(Role::User),
            "lead" => Some(Role::Lead),
            _ => None,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An Intercom User or Lead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// Intercom's id (24 hex characters).
    pub id: String,
    /// User or lead.
    pub role: Role,
    /// The name, if one was saved.
    pub name: Option<String>,
    /// The email, if any.
    pub email: Option<String>,
    /// The phone exactly as stored in Intercom (any format).
    pub phone: Option<String>,
    /// The workspace (app `id_code`) the contact belongs to.
    pub workspace_id: Option<String>,
    /// Last change, UNIX seconds.
    pub updated_at: i64,
}

/// A conversation's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ConversationState {
    /// Waiting on the team.
    Open,
    /// Done.
    Closed,
    /// Set aside until later.
    Snoozed,
}

impl ConversationState {
    /// Intercom's word for the state.
    pub fn as_str(self) -> &'static str {
        match self {
            ConversationState::Open => "open",
            ConversationState::Closed => "closed",
            ConversationState::Snoozed => "snoozed",
        }
    }

    /// Reads Intercom's word for a state.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "open" => Some(ConversationState::Open),
            "closed" => Some(ConversationState::Closed),
            "snoozed" => Some(ConversationState::Snoozed),
            _ => None,
        }
    }
}

/// A tag as Intercom lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Tag {
    /// Intercom's id.
    pub id: String,
    /// The name (Intercom compares names case-insensitively).
    pub name: String,
}

/// One entry of a conversation's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationPart {
    /// The part's id.
    pub id: String,
    /// `comment`, `note`, `assignment`, `open`, `close`, …
    pub part_type: String,
    /// The text (Intercom's HTML for notes), if any.
    pub body: Option<String>,
    /// The admin or contact who wrote it.
    pub author_id: Option<String>,
    /// When, UNIX seconds.
    pub created_at: i64,
}

/// An Intercom conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    /// Intercom's id (a numeric string).
    pub id: String,
    /// Open, closed or snoozed.
    pub state: ConversationState,
    /// The admin it is assigned to; `None` when unassigned.
    pub admin_assignee_id: Option<String>,
    /// The contacts taking part.
    pub contact_ids: Vec<String>,
    /// Tags on the whole conversation.
    pub tags: Vec<Tag>,
    /// Creation, UNIX seconds.
    pub created_at: i64,
    /// Last change, UNIX seconds.
    pub updated_at: i64,
    /// The parts, when the conversation was fetched on its own (searches omit them).
    pub parts: Vec<ConversationPart>,
    /// The first message's text.
    pub source_body: Option<String>,
}

/// A teammate in Intercom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Admin {
    /// Intercom's id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Email (matched case-insensitively with Aircall users).
    pub email: Option<String>,
    /// Whether away mode is on.
    pub away: bool,
}

/// The admin that owns the token, and its workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    /// The integration admin.
    pub admin: Admin,
    /// The workspace id (`app.id_code`), used in inbox links.
    pub workspace_id: String,
    /// The workspace's name.
    pub workspace_name: Option<String>,
    /// The workspace's hosting region, when Intercom says.
    pub region: Option<String>,
}

/// A page of contacts and the cursor to the next one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactPage {
    /// The contacts of this page.
    pub contacts: Vec<Contact>,
    /// How many match in all, when Intercom says.
    pub total: Option<u64>,
    /// Pass as `starting_after` to get the next page; `None` on the last page.
    pub next: Option<String>,
}

/// What a new contact is created with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewContact {
    /// User or lead.
    pub role: Role,
    /// The name.
    pub name: Option<String>,
    /// The email.
    pub email: Option<String>,
    /// The phone (E.164 when Ringside creates it).
    pub phone: Option<String>,
}

/// A contact create that may have found the contact already there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upserted {
    /// A new contact.
    Created(Contact),
    /// Intercom already had one with these details (409); its id.
    Existing(String),
}

impl Upserted {
    /// The contact's id either way.
    pub fn id(&self) -> &str {
        match self {
            Upserted::Created(c) => &c.id,
            Upserted::Existing(id) => id,
        }
    }
}

/// What `POST /conversations` answers: the first message, and the conversation it started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartedConversation {
    /// The message's id.
    pub message_id: String,
    /// The new conversation's id.
    pub conversation_id: String,
}
