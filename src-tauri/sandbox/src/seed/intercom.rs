//! The Intercom part of a seed: workspace, admins, contacts, tags and conversations.

use serde::{Deserialize, Serialize};

use super::{default_created, default_timezone, SeedTime};

/// The Intercom workspace.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IntercomSeed {
    /// The app (workspace) as `GET /me` shows it.
    pub workspace: WorkspaceSeed,
    /// The admin who owns the access token (the "integration admin").
    pub token_admin_id: String,
    /// Teammates, the token's admin included. Ids are numeric strings.
    pub admins: Vec<AdminSeed>,
    /// Users and leads.
    #[serde(default)]
    pub contacts: Vec<IntercomContactSeed>,
    /// Tags that exist in the workspace.
    #[serde(default)]
    pub tags: Vec<IntercomTagSeed>,
    /// Conversations, each with one contact.
    #[serde(default)]
    pub conversations: Vec<ConversationSeed>,
}

/// The Intercom app (`app` in `GET /me`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkspaceSeed {
    /// The workspace id (`id_code`), e.g. `ecahpwf5`.
    pub id_code: String,
    /// The app's name.
    pub name: String,
    /// Hosting region: `US`, `EU` or `AU`.
    #[serde(default = "default_workspace_region")]
    pub region: String,
    /// IANA time zone name.
    #[serde(default = "default_timezone")]
    pub timezone: String,
}

fn default_workspace_region() -> String {
    "US".to_owned()
}

/// An Intercom teammate.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AdminSeed {
    /// Numeric string id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Email address.
    pub email: String,
    /// Job title.
    #[serde(default)]
    pub job_title: Option<String>,
    /// Whether away mode is on.
    #[serde(default)]
    pub away: bool,
}

/// An Intercom user or lead.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IntercomContactSeed {
    /// 24 hexadecimal characters; generated when absent.
    #[serde(default)]
    pub id: Option<String>,
    /// `user` or `lead`.
    pub role: crate::intercom::Role,
    /// Full name.
    #[serde(default)]
    pub name: Option<String>,
    /// Email address.
    #[serde(default)]
    pub email: Option<String>,
    /// Phone exactly as stored (any format).
    #[serde(default)]
    pub phone: Option<String>,
    /// The customer's own id.
    #[serde(default)]
    pub external_id: Option<String>,
    /// Creation time.
    #[serde(default = "default_created")]
    pub created_at: SeedTime,
    /// Last update; the creation time when absent.
    #[serde(default)]
    pub updated_at: Option<SeedTime>,
}

/// An Intercom tag.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IntercomTagSeed {
    /// Numeric string id.
    pub id: String,
    /// Name (unique, compared case-insensitively).
    pub name: String,
}

/// An Intercom conversation started by a contact.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConversationSeed {
    /// Numeric string id.
    pub id: String,
    /// The contact who started it.
    pub contact: String,
    /// `open`, `closed` or `snoozed`.
    pub state: crate::intercom::ConversationState,
    /// The admin it is assigned to, if any.
    #[serde(default)]
    pub assignee: Option<String>,
    /// Title shown in the inbox.
    #[serde(default)]
    pub title: Option<String>,
    /// The contact's first message.
    pub body: String,
    /// Creation time.
    pub created_at: SeedTime,
    /// Last update; the latest part's time when absent.
    #[serde(default)]
    pub updated_at: Option<SeedTime>,
    /// End of the snooze, for snoozed conversations.
    #[serde(default)]
    pub snoozed_until: Option<SeedTime>,
    /// Names of tags applied (created when missing).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Parts after the first message.
    #[serde(default)]
    pub parts: Vec<PartSeed>,
}

/// A conversation part in a seed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PartSeed {
    /// `comment`, `note`, `assignment`, `close`, `open`, `snoozed`.
    pub part_type: String,
    /// The admin who wrote it; the conversation's contact when absent.
    #[serde(default)]
    pub admin: Option<String>,
    /// Text (HTML for notes).
    #[serde(default)]
    pub body: Option<String>,
    /// When it was written.
    pub created_at: SeedTime,
}
