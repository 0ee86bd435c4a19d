//! Read-only snapshots of the fake Intercom for tests.

use std::sync::{Arc, Mutex};

use super::model::{Admin, Contact, Conversation, Tag};
use super::state::IntercomState;
use crate::traffic::{RequestLog, RequestRecord};

/// Read access to the fake Intercom. Every getter returns an owned copy taken at call time, so
/// a test can hold it while the servers keep running.
#[derive(Debug, Clone)]
pub struct IntercomView {
    pub(crate) state: Arc<Mutex<IntercomState>>,
    pub(crate) log: RequestLog,
}

impl IntercomView {
    /// Contacts in creation order (seeded ones first).
    pub fn contacts(&self) -> Vec<Contact> {
        super::lock(&self.state).contacts.clone()
    }

    /// One contact by id.
    pub fn contact(&self, id: &str) -> Option<Contact> {
        super::lock(&self.state).contact(id).cloned()
    }

    /// Conversations in creation order, each with its parts and tags.
    pub fn conversations(&self) -> Vec<Conversation> {
        super::lock(&self.state).conversations.clone()
    }

    /// One conversation by id.
    pub fn conversation(&self, id: &str) -> Option<Conversation> {
        super::lock(&self.state)
            .conversations
            .iter()
            .find(|c| c.id == id)
            .cloned()
    }

    /// Conversations whose contacts include `contact_id`.
    pub fn conversations_of(&self, contact_id: &str) -> Vec<Conversation> {
        super::lock(&self.state)
            .conversations
            .iter()
            .filter(|c| c.contact_ids.iter().any(|id| id == contact_id))
            .cloned()
            .collect()
    }

    /// The workspace's conversation attributes, archived ones too.
    pub fn conversation_attributes(&self) -> Vec<super::ConversationAttribute> {
        super::lock(&self.state).attributes.list.clone()
    }

    /// A conversation's custom attributes (`custom_attributes`), by name.
    pub fn custom_attributes(
        &self,
        conversation_id: &str,
    ) -> serde_json::Map<String, serde_json::Value> {
        super::lock(&self.state).attributes.of(conversation_id)
    }

    /// Archives the conversation attribute with this name, as an admin does in Intercom's
    /// settings.
    pub fn archive_conversation_attribute(&self, name: &str) {
        super::lock(&self.state).attributes.archive(name);
    }

    /// Tags in the workspace.
    pub fn tags(&self) -> Vec<Tag> {
        super::lock(&self.state).tags.clone()
    }

    /// Teammates.
    pub fn admins(&self) -> Vec<Admin> {
        super::lock(&self.state).admins.clone()
    }

    /// The workspace's away reasons, deleted ones included, and whether one is required.
    pub fn away_reasons(&self) -> (Vec<super::AwayReason>, bool) {
        let state = super::lock(&self.state);
        (state.away.reasons.clone(), state.away.mandatory)
    }

    /// One teammate by email (any letter case): their away mode and reason are on it.
    pub fn admin_by_email(&self, email: &str) -> Option<Admin> {
        super::lock(&self.state)
            .admins
            .iter()
            .find(|a| a.email.eq_ignore_ascii_case(email.trim()))
            .cloned()
    }

    /// The admin who owns the access token.
    pub fn token_admin_id(&self) -> String {
        super::lock(&self.state).token_admin_id.clone()
    }

    /// Every request answered (or dropped), oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.log.snapshot()
    }
}
