//! Intercom's JSON, as sent and received, and its conversion into the engine's types.
//!
//! Intercom is loose about a few fields (ids as strings or numbers, "unassigned" as `0` or
//! `null`); those are settled here, once.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::types::{
    Admin, Contact, ContactPage, Conversation, ConversationPart, ConversationState, Me, Role,
    StartedConversation, Tag,
};

/// A search query: one filter, or AND/OR of filters (Intercom allows two levels, 15 per group).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Query {
    /// `{field, operator, value}`.
    Filter {
        /// The contact or conversation field compared (`phone`, `email`, `updated_at`, …).
        field: String,
        /// Intercom's comparison (`=`, `IN`, `>`, …).
        operator: String,
        /// What the field is compared with: a string, a number or, for `IN`, a list.
        value: Value,
    },
    /// `{operator: "AND"|"OR", value: [...]}`.
    Group {
        /// `AND` or `OR`.
        operator: String,
        /// The queries it joins.
        value: Vec<Query>,
    },
}

impl Query {
    /// `field = value`.
    pub fn eq(field: &str, value: impl Into<Value>) -> Self {
        Query::filter(field, "=", value.into())
    }

    /// `field IN [values]`.
    pub fn any_of(field: &str, values: &[String]) -> Self {
        Query::filter(field, "IN", Value::from(values.to_vec()))
    }

    /// Any filter.
    pub fn filter(field: &str, operator: &str, value: Value) -> Self {
        Query::Filter {
            field: field.to_owned(),
            operator: operator.to_owned(),
            value,
        }
    }

    /// All of these.
    pub fn and(parts: Vec<Query>) -> Self {
        Query::Group {
            operator: "AND".to_owned(),
            value: parts,
        }
    }

    /// Any of these.
    pub fn or(parts: Vec<Query>) -> Self {
        Query::Group {
            operator: "OR".to_owned(),
            value: parts,
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireContact {
    id: String,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    workspace_id: Option<String>,
    #[serde(default)]
    updated_at: Option<i64>,
}

impl From<WireContact> for Contact {
    fn from(w: WireContact) -> Self {
        Contact {
            id: w.id,
            role: w
                .role
                .as_deref()
                .and_then(Role::parse)
                .unwrap_or(Role::Lead),
            name: w.name.filter(|s| !s.trim().is_empty()),
            email: w.email.filter(|s| !s.trim().is_empty()),
            phone: w.phone.filter(|s| !s.trim().is_empty()),
            workspace_id: w.workspace_id,
            updated_at: w.updated_at.unwrap_or(0),
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireContactList {
    #[serde(default)]
    data: Vec<WireContact>,
    #[serde(default)]
    total_count: Option<u64>,
    #[serde(default)]
    pages: Option<WirePages>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct WirePages {
    #[serde(default)]
    next: Option<WireNext>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum WireNext {
    Cursor {
        #[serde(default)]
        starting_after: Option<String>,
    },
    // Older list endpoints give the next page as a URL; it carries no cursor for us.
    Url(#[allow(dead_code)] String),
}

impl WirePages {
    fn cursor(self) -> Option<String> {
        match self.next? {
            WireNext::Cursor { starting_after } => starting_after.filter(|s| !s.is_empty()),
            WireNext::Url(_) => None,
        }
    }
}

impl From<WireContactList> for ContactPage {
    fn from(w: WireContactList) -> Self {
        ContactPage {
            contacts: w.data.into_iter().map(Contact::from).collect(),
            total: w.total_count,
            next: w.pages.and_then(WirePages::cursor),
        }
    }
}

/// An id Intercom may send as a string or a number; `0`, `""` and `null` mean none.
fn loose_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(s)) if !s.is_empty() && s != "0" => Some(s),
        Some(Value::Number(n)) if n.as_u64() != Some(0) => Some(n.to_string()),
        _ => None,
    })
}

/// An id that must be there, string or number.
fn some_id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!(
            "expected an id, got {other}"
        ))),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireTag {
    #[serde(deserialize_with = "some_id")]
    id: String,
    name: String,
}

impl From<WireTag> for Tag {
    fn from(w: WireTag) -> Self {
        Tag {
            id: w.id,
            name: w.name,
        }
    }
}

/// A conversation attribute (`conversation_attribute`): its id is a number in 2.16, read as
/// text like every other id; `options` only for a list.
#[derive(Debug, Deserialize)]
pub(crate) struct WireAttribute {
    #[serde(deserialize_with = "some_id")]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub data_type: String,
    #[serde(default)]
    pub archived: bool,
    #[serde(default)]
    pub options: Vec<WireAttributeOption>,
}

/// One option of a list attribute (its id is a UUID).
#[derive(Debug, Deserialize)]
pub(crate) struct WireAttributeOption {
    #[serde(default, deserialize_with = "maybe_id")]
    pub id: Option<String>,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub archived: bool,
}

/// `GET /conversations/attributes`: `{"type": "list", "data": [...]}`.
#[derive(Debug, Deserialize)]
pub(crate) struct WireAttributeList {
    #[serde(default)]
    pub data: Vec<WireAttribute>,
}

/// An id that may be missing, null, a string or a number.
fn maybe_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(s)) => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireTagList {
    #[serde(default)]
    data: Vec<WireTag>,
}

impl WireTagList {
    pub fn into_tags(self) -> Vec<Tag> {
        self.data.into_iter().map(Tag::from).collect()
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireConversation {
    #[serde(deserialize_with = "some_id")]
    id: String,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    open: Option<bool>,
    #[serde(default, deserialize_with = "loose_id")]
    admin_assignee_id: Option<String>,
    #[serde(default)]
    created_at: Option<i64>,
    #[serde(default)]
    updated_at: Option<i64>,
    #[serde(default)]
    contacts: Option<WireContactRefs>,
    #[serde(default)]
    tags: Option<WireTagRefs>,
    #[serde(default)]
    conversation_parts: Option<WireParts>,
    #[serde(default)]
    source: Option<WireSource>,
}

#[derive(Debug, Deserialize)]
struct WireSource {
    #[serde(default)]
    body: Option<String>,
}

#[derive(Debug, Deserialize)]
struct WireContactRefs {
    #[serde(default)]
    contacts: Vec<WireRef>,
}

#[derive(Debug, Deserialize)]
struct WireRef {
    #[serde(deserialize_with = "some_id")]
    id: String,
}

#[derive(Debug, Deserialize)]
struct WireTagRefs {
    #[serde(default)]
    tags: Vec<WireTag>,
}

#[derive(Debug, Deserialize)]
struct WireParts {
    #[serde(default)]
    conversation_parts: Vec<WirePart>,
}

#[derive(Debug, Deserialize)]
struct WirePart {
    #[serde(deserialize_with = "some_id")]
    id: String,
    #[serde(default)]
    part_type: Option<String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    created_at: Option<i64>,
    #[serde(default)]
    author: Option<WireAuthor>,
}

#[derive(Debug, Deserialize)]
struct WireAuthor {
    #[serde(default, deserialize_with = "loose_id")]
    id: Option<String>,
}

impl From<WireConversation> for Conversation {
    fn from(w: WireConversation) -> Self {
        let state = w
            .state
            .as_deref()
            .and_then(ConversationState::parse)
            .unwrap_or(match w.open {
                Some(false) => ConversationState::Closed,
                _ => ConversationState::Open,
            });
        Conversation {
            id: w.id,
            state,
            admin_assignee_id: w.admin_assignee_id,
            contact_ids: w
                .contacts
                .map(|c| c.contacts.into_iter().map(|r| r.id).collect())
                .unwrap_or_default(),
            tags: w
                .tags
                .map(|t| t.tags.into_iter().map(Tag::from).collect())
                .unwrap_or_default(),
            created_at: w.created_at.unwrap_or(0),
            updated_at: w.updated_at.unwrap_or(0),
            source_body: w.source.and_then(|s| s.body),
            parts: w
                .conversation_parts
                .map(|p| {
                    p.conversation_parts
                        .into_iter()
                        .map(|p| ConversationPart {
                            id: p.id,
                            part_type: p.part_type.unwrap_or_default(),
                            body: p.body,
                            author_id: p.author.and_then(|a| a.id),
                            created_at: p.created_at.unwrap_or(0),
                        })
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireConversationList {
    #[serde(default)]
    conversations: Vec<WireConversation>,
}

impl WireConversationList {
    pub fn into_conversations(self) -> Vec<Conversation> {
        self.conversations
            .into_iter()
            .map(Conversation::from)
            .collect()
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireAdmin {
    #[serde(deserialize_with = "some_id")]
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    away_mode_enabled: Option<bool>,
    #[serde(default)]
    app: Option<WireApp>,
}

#[derive(Debug, Deserialize)]
struct WireApp {
    id_code: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    region: Option<String>,
}

impl From<WireAdmin> for Admin {
    fn from(w: WireAdmin) -> Self {
        Admin {
            name: w
                .name
                .unwrap_or_else(|| w.email.clone().unwrap_or_else(|| format!("Admin {}", w.id))),
            id: w.id,
            email: w.email.filter(|e| !e.is_empty()),
            away: w.away_mode_enabled.unwrap_or(false),
        }
    }
}

impl WireAdmin {
    pub fn into_me(mut self) -> Result<Me, String> {
        let app = self
            .app
            .take()
            .ok_or("`/me` did not include the workspace (`app`)")?;
        Ok(Me {
            admin: Admin::from(self),
            workspace_id: app.id_code,
            workspace_name: app.name,
            region: app.region,
        })
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireAdminList {
    #[serde(default)]
    admins: Vec<WireAdmin>,
}

impl WireAdminList {
    pub fn into_admins(self) -> Vec<Admin> {
        self.admins.into_iter().map(Admin::from).collect()
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireMessage {
    #[serde(deserialize_with = "some_id")]
    id: String,
    #[serde(deserialize_with = "some_id")]
    conversation_id: String,
}

impl From<WireMessage> for StartedConversation {
    fn from(w: WireMessage) -> Self {
        StartedConversation {
            message_id: w.id,
            conversation_id: w.conversation_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unassigned_reads_the_same_as_zero_null_or_missing() {
        for raw in [
            r#"{"id":"1","admin_assignee_id":0}"#,
            r#"{"id":"1","admin_assignee_id":null}"#,
            r#"{"id":1}"#,
        ] {
            let c: WireConversation = serde_json::from_str(raw).unwrap();
            assert_eq!(Conversation::from(c).admin_assignee_id, None, "{raw}");
        }
        let c: WireConversation =
            serde_json::from_str(r#"{"id":"9","admin_assignee_id":991267715}"#).unwrap();
        assert_eq!(
            Conversation::from(c).admin_assignee_id.as_deref(),
            Some("991267715")
        );
    }

    #[test]
    fn a_query_serialises_to_intercoms_grammar() {
        let q = Query::or(vec![
            Query::eq("formatted_phone", "+33762043575"),
            Query::any_of("phone", &["0762043575".into()]),
        ]);
        let json = serde_json::to_value(&q).unwrap();
        assert_eq!(json["operator"], "OR");
        assert_eq!(json["value"][1]["operator"], "IN");
        assert_eq!(json["value"][1]["value"][0], "0762043575");
    }
}
