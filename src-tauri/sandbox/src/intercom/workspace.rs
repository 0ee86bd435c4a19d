//! The workspace's settings that teammates and conversations refer to: its conversation
//! attributes (with each conversation's values) and its away reasons. These are records only;
//! the routes that read and change them are in [`super::attributes`] and [`super::away`], and
//! [`super::state::IntercomState`] holds them.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::{clock, ids};

/// A conversation attribute of the workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationAttribute {
    /// Intercom's id (a number).
    pub id: u64,
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: String,
    /// `string`, `list`, …
    pub data_type: String,
    /// Archived attributes are left out of the list and take no value.
    pub archived: bool,
    /// A list's options.
    pub options: Vec<AttributeOption>,
    /// UNIX seconds.
    pub created_at: i64,
    /// UNIX seconds.
    pub updated_at: i64,
}

/// One option of a list attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeOption {
    /// A UUID.
    pub id: String,
    /// The value a conversation takes.
    pub label: String,
    /// Archived options cannot be chosen.
    pub archived: bool,
}

/// The workspace's conversation attributes and each conversation's values.
#[derive(Debug, Clone, Default)]
pub(crate) struct Attributes {
    pub list: Vec<ConversationAttribute>,
    /// Conversation id → attribute name → value.
    pub values: BTreeMap<String, Map<String, Value>>,
    next_id: u64,
}

impl Attributes {
    /// A conversation's custom attributes, as `GET /conversations/{id}` shows them.
    pub(crate) fn of(&self, conversation_id: &str) -> Map<String, Value> {
        self.values
            .get(conversation_id)
            .cloned()
            .unwrap_or_default()
    }

    /// Archives an attribute (what an admin does in Intercom's settings); a test's set-up.
    pub(crate) fn archive(&mut self, name: &str) {
        for a in self.list.iter_mut().filter(|a| a.name == name) {
            a.archived = true;
        }
    }

    pub(crate) fn named(&self, name: &str) -> Option<&ConversationAttribute> {
        self.list.iter().find(|a| !a.archived && a.name == name)
    }

    pub(crate) fn add(
        &mut self,
        name: String,
        description: String,
        data_type: String,
        labels: &[String],
    ) -> ConversationAttribute {
        self.next_id += 1;
        let now = clock::now();
        let attribute = ConversationAttribute {
            id: self.next_id,
            name,
            description,
            data_type,
            archived: false,
            options: labels.iter().map(|l| new_option(l)).collect(),
            created_at: now,
            updated_at: now,
        };
        self.list.push(attribute.clone());
        attribute
    }
}

pub(crate) fn new_option(label: &str) -> AttributeOption {
    AttributeOption {
        id: ids::uuid(),
        label: label.to_owned(),
        archived: false,
    }
}

/// One away reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AwayReason {
    /// Intercom's id.
    pub id: i64,
    /// What teammates see.
    pub label: String,
    /// The emoji beside it.
    pub emoji: String,
    /// Its place in the menu.
    pub order: i64,
    /// Deleted reasons stay listed; none may be set.
    pub deleted: bool,
}

/// The workspace's reasons and whether one is required.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwayReasons {
    /// The reasons, deleted ones included.
    pub reasons: Vec<AwayReason>,
    /// Away mode needs a reason (`away_status_reason_mandatory`).
    pub mandatory: bool,
    next_id: i64,
}

impl AwayReasons {
    /// The demo workspace's reasons: on a call, wrap-up, a break, lunch, a meeting; not
    /// mandatory.
    pub(crate) fn seeded() -> Self {
        let mut reasons = AwayReasons {
            reasons: Vec::new(),
            mandatory: false,
            next_id: 4_100,
        };
        reasons.replace(&[
            ("On a call", false),
            ("Wrap-up", false),
            ("On a break", false),
            ("Lunch", false),
            ("In a meeting", false),
        ]);
        reasons
    }

    /// Replaces the reasons with these labels (and whether each is deleted); new ids.
    pub(crate) fn replace(&mut self, labels: &[(&str, bool)]) {
        const EMOJIS: [&str; 6] = ["📞", "📝", "☕", "🍔", "👥", "🌴"];
        self.reasons = labels
            .iter()
            .enumerate()
            .map(|(i, (label, deleted))| {
                self.next_id += 1;
                AwayReason {
                    id: self.next_id,
                    label: (*label).to_owned(),
                    emoji: EMOJIS[i % EMOJIS.len()].to_owned(),
                    order: i as i64 + 1,
                    deleted: *deleted,
                }
            })
            .collect();
    }

    pub(crate) fn to_json(&self) -> Value {
        let data: Vec<Value> = self
            .reasons
            .iter()
            .map(|r| {
                json!({
                    "type": "away_status_reason",
                    "id": r.id.to_string(),
                    "label": r.label,
                    "emoji": r.emoji,
                    "order": r.order,
                    "deleted": r.deleted,
                    "created_at": 1_700_000_000,
                    "updated_at": 1_700_000_000,
                })
            })
            .collect();
        json!({"type": "list", "data": data})
    }
}
