//! Read-only snapshots of the fake Aircall for tests.

use std::sync::{Arc, Mutex};

use super::model::{Call, Contact, Dial, InsightCard, Message, Number, Tag, User, Webhook};
use super::state::AircallState;
use crate::traffic::{RequestLog, RequestRecord};

/// Read access to the fake Aircall. Every getter returns an owned copy taken at call time.
#[derive(Debug, Clone)]
pub struct AircallView {
    pub(crate) state: Arc<Mutex<AircallState>>,
    pub(crate) log: RequestLog,
}

impl AircallView {
    /// The numbers put in agents' phones to call (`POST /v1/users/:id/dial`), oldest first.
    pub fn dials(&self) -> Vec<Dial> {
        super::lock(&self.state).dials.clone()
    }

    /// Whether message webhooks carry the line's users (off by default, like call webhooks;
    /// Aircall does not document it).
    pub fn set_message_numbers_with_users(&self, with: bool) {
        super::lock(&self.state).message_numbers_with_users = with;
    }

    /// Agents, seeded order.
    pub fn users(&self) -> Vec<User> {
        super::lock(&self.state).users.clone()
    }

    /// Phone numbers.
    pub fn numbers(&self) -> Vec<Number> {
        super::lock(&self.state).numbers.clone()
    }

    /// Shared contacts in creation order.
    pub fn contacts(&self) -> Vec<Contact> {
        super::lock(&self.state).contacts.clone()
    }

    /// Calls with their comments and tags, in creation order.
    pub fn calls(&self) -> Vec<Call> {
        super::lock(&self.state).calls.clone()
    }

    /// One call by id.
    pub fn call(&self, id: u64) -> Option<Call> {
        super::lock(&self.state)
            .calls
            .iter()
            .find(|c| c.id == id)
            .cloned()
    }

    /// SMS and WhatsApp messages, in creation order.
    pub fn messages(&self) -> Vec<Message> {
        super::lock(&self.state).messages.clone()
    }

    /// Insight cards pushed, oldest first.
    pub fn insight_cards(&self) -> Vec<InsightCard> {
        super::lock(&self.state).insight_cards.clone()
    }

    /// Webhook registrations.
    pub fn webhooks(&self) -> Vec<Webhook> {
        super::lock(&self.state).webhooks.clone()
    }

    /// Call tags defined in the company.
    pub fn tags(&self) -> Vec<Tag> {
        super::lock(&self.state).tags.clone()
    }

    /// Every request answered (or dropped), oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.log.snapshot()
    }
}
