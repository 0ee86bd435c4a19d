//! The fake Intercom's records. These are also what [`crate::IntercomView`] returns.
//!
//! They hold what the API needs to remember, in plain fields; the JSON the API answers is built
//! from them in [`super::render`] (a contact's by [`Contact::to_json`], which notifications send
//! too).

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// A contact's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A user (signed up; needs an email or external id).
    User,
    /// A lead (anonymous visitor or prospect).
    Lead,
}

impl Role {
    /// `user` or `lead`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Lead => "lead",
        }
    }
}

/// A conversation's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConversationState {
    /// Open.
    Open,
    /// Closed.
    Closed,
    /// Snoozed (still counts as open).
    Snoozed,
}

impl ConversationState {
    /// `open`, `closed` or `snoozed`.
    pub fn as_str(self) -> &'static str {
        match self {
            ConversationState::Open => "open",
            ConversationState::Closed => "closed",
            ConversationState::Snoozed => "snoozed",
        }
    }
}

/// An Intercom teammate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Admin {
    /// Numeric string id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Email address, as stored (letter case kept).
    pub email: String,
    /// Job title.
    pub job_title: Option<String>,
    /// Away mode.
    pub away_mode_enabled: bool,
    /// Whether new replies go to the default inbox while away.
    pub away_mode_reassign: bool,
    /// The away reason, while away with one.
    pub away_status_reason_id: Option<i64>,
    /// Whether the admin has an inbox seat.
    pub has_inbox_seat: bool,
}

/// An Intercom user or lead.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contact {
    /// 24 hexadecimal characters.
    pub id: String,
    /// User or lead.
    pub role: Role,
    /// Full name.
    pub name: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// Phone exactly as stored.
    pub phone: Option<String>,
    /// The stored phone in E.164, when it parses in the seed's default region.
    pub formatted_phone: Option<String>,
    /// The customer's own id.
    pub external_id: Option<String>,
    /// UNIX seconds.
    pub created_at: i64,
    /// UNIX seconds; bumped on every change.
    pub updated_at: i64,
    /// Custom attributes as given.
    pub custom_attributes: Map<String, Value>,
}

impl Admin {
    /// An admin object.
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "type": "admin",
            "id": self.id,
            "name": self.name,
            "email": self.email,
            "job_title": self.job_title,
            "away_mode_enabled": self.away_mode_enabled,
            "away_mode_reassign": self.away_mode_reassign,
            "away_status_reason_id": self.away_status_reason_id,
            "has_inbox_seat": self.has_inbox_seat,
            "team_ids": [],
            "avatar": null,
            "team_priority_level": {},
        })
    }
}

impl Contact {
    /// The contact as the API answers it (the one shape Intercom's notifications carry too).
    pub(crate) fn to_json(&self, workspace_id: &str) -> Value {
        let c = self;
        let email_domain = c
            .email
            .as_deref()
            .and_then(|e| e.rsplit_once('@'))
            .map(|(_, domain)| domain.to_lowercase());
        let list = |kind: &str| {
            json!({
                "type": "list",
                "data": [],
                "url": format!("/contacts/{}/{kind}", c.id),
                "total_count": 0,
                "has_more": false,
            })
        };
        json!({
            "type": "contact",
            "id": c.id,
            "workspace_id": workspace_id,
            "external_id": c.external_id,
            "role": c.role.as_str(),
            "email": c.email,
            "email_domain": email_domain,
            "phone": c.phone,
            "formatted_phone": c.formatted_phone,
            "name": c.name,
            "owner_id": null,
            "has_hard_bounced": false,
            "marked_email_as_spam": false,
            "unsubscribed_from_emails": false,
            "created_at": c.created_at,
            "updated_at": c.updated_at,
            "signed_up_at": null,
            "last_seen_at": null,
            "last_replied_at": null,
            "last_contacted_at": null,
            "avatar": null,
            "custom_attributes": c.custom_attributes,
            "tags": list("tags"),
            "notes": list("notes"),
            "companies": list("companies"),
            "location": {"type": "location", "country": null, "region": null, "city": null},
            "social_profiles": {"type": "list", "data": []},
        })
    }
}

/// Who did something: `{type, id}` (`admin`, `user`, `lead`, `team`, `bot`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    /// `admin`, `user`, `lead`, `team` or `bot`.
    pub kind: String,
    /// The admin, contact or team id.
    pub id: String,
}

impl Actor {
    /// An admin.
    pub fn admin(id: &str) -> Self {
        Actor {
            kind: "admin".to_owned(),
            id: id.to_owned(),
        }
    }
}

/// A tag in the workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tag {
    /// Numeric string id.
    pub id: String,
    /// Name; unique when compared case-insensitively.
    pub name: String,
}

/// A tag applied to a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppliedTag {
    /// The tag's id.
    pub id: String,
    /// The tag's name.
    pub name: String,
    /// UNIX seconds.
    pub applied_at: i64,
    /// The admin who applied it.
    pub applied_by: String,
}

/// The first message of a conversation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Source {
    /// Channel: `conversation` for in-app.
    pub kind: String,
    /// The message id.
    pub id: String,
    /// `customer_initiated`, `admin_initiated`, …
    pub delivered_as: String,
    /// Subject (empty for in-app).
    pub subject: String,
    /// The body exactly as posted.
    pub body: String,
    /// Who wrote it.
    pub author: Actor,
}

/// A part of a conversation after its source message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Part {
    /// Numeric string id.
    pub id: String,
    /// `comment`, `note`, `assignment`, `open`, `close`, `snoozed`, …
    pub part_type: String,
    /// Text or HTML, as posted.
    pub body: Option<String>,
    /// UNIX seconds.
    pub created_at: i64,
    /// Who wrote it.
    pub author: Actor,
    /// For assignments: the admin or team assigned, `None` when unassigned.
    pub assigned_to: Option<Actor>,
}

/// An Intercom conversation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conversation {
    /// Numeric string id.
    pub id: String,
    /// UNIX seconds.
    pub created_at: i64,
    /// UNIX seconds; bumped by every new part.
    pub updated_at: i64,
    /// Open, closed or snoozed.
    pub state: ConversationState,
    /// End of the snooze.
    pub snoozed_until: Option<i64>,
    /// Assigned admin id (`None` = unassigned).
    pub admin_assignee_id: Option<String>,
    /// Assigned team id.
    pub team_assignee_id: Option<String>,
    /// Contacts in the conversation, the author first.
    pub contact_ids: Vec<String>,
    /// Title.
    pub title: Option<String>,
    /// The first message.
    pub source: Source,
    /// Tags applied to the whole conversation.
    pub tags: Vec<AppliedTag>,
    /// Parts after the source, oldest first.
    pub parts: Vec<Part>,
}

impl Conversation {
    /// Open or snoozed (Intercom's `open` flag).
    pub fn is_open(&self) -> bool {
        self.state != ConversationState::Closed
    }
}
