//! The fake Aircall's data and the rules its handlers share.

use super::model::{
    Call, CallTag, Comment, Contact, ContactDetail, InsightCard, Message, NewCall, NewMessage,
    Number, Tag, User, Webhook,
};
use crate::ids;
use crate::seed::{Seed, SeedError};

/// Everything the fake Aircall knows.
#[derive(Debug)]
pub(crate) struct AircallState {
    /// `http://127.0.0.1:PORT`, for `direct_link` and pagination links.
    pub base_url: String,
    pub users: Vec<User>,
    pub numbers: Vec<Number>,
    pub contacts: Vec<Contact>,
    pub calls: Vec<Call>,
    pub tags: Vec<Tag>,
    pub webhooks: Vec<Webhook>,
    pub insight_cards: Vec<InsightCard>,
    pub messages: Vec<Message>,
    /// Numbers put in agents' phones to call.
    pub dials: Vec<super::model::Dial>,
    /// Whether message webhooks carry the line's users. Unconfirmed: call webhooks carry the
    /// line without them, `number.*` events with them; message webhooks are not documented
    /// either way. Without them by default, like call webhooks.
    pub message_numbers_with_users: bool,
    next_id: u64,
    next_call: u64,
    next_message: u64,
}

/// The digits of a phone number, for comparisons that ignore formatting.
pub(crate) fn digits(raw: &str) -> String {
    raw.chars().filter(char::is_ascii_digit).collect()
}

impl AircallState {
    /// Builds the state from a checked seed, resolving relative times against `now`.
    pub(crate) fn from_seed(seed: &Seed, now: i64, base_url: String) -> Result<Self, SeedError> {
        let ac = &seed.aircall;
        let highest = ac
            .users
            .iter()
            .map(|u| u.id)
            .chain(ac.numbers.iter().map(|n| n.id))
            .chain(ac.contacts.iter().map(|c| c.id))
            .chain(ac.tags.iter().map(|t| t.id))
            .max()
            .unwrap_or(0);
        let mut state = AircallState {
            base_url,
            users: Vec::new(),
            numbers: Vec::new(),
            contacts: Vec::new(),
            calls: Vec::new(),
            tags: Vec::new(),
            webhooks: Vec::new(),
            insight_cards: Vec::new(),
            messages: Vec::new(),
            dials: Vec::new(),
            message_numbers_with_users: false,
            next_id: (highest + 1).max(100_001),
            next_call: 780_836_800,
            next_message: 612_000_001,
        };
        for u in &ac.users {
            let mut user = User {
                id: u.id,
                name: u.name.clone(),
                email: u.email.clone(),
                availability: String::new(),
                availability_status: String::new(),
                substatus: String::new(),
                created_at: u.created_at.resolve(now)?,
                time_zone: u.time_zone.clone(),
                language: u.language.clone(),
                wrap_up_time: 0,
            };
            user.set_availability(&u.availability);
            state.users.push(user);
        }
        for n in &ac.numbers {
            state.numbers.push(Number {
                id: n.id,
                name: n.name.clone(),
                digits: n.digits.clone(),
                country: n.country.clone(),
                time_zone: n.time_zone.clone(),
                availability_status: "open".to_owned(),
                created_at: now - 400 * 86_400,
                users: n.users.clone(),
            });
        }
        for t in &ac.tags {
            state.tags.push(Tag {
                id: t.id,
                name: t.name.clone(),
                color: t.color.clone(),
                description: t.description.clone(),
            });
        }
        for c in &ac.contacts {
            let created_at = c.created_at.resolve(now)?;
            let phone_numbers = c
                .phone_numbers
                .iter()
                .map(|d| state.detail(&d.label, &d.value))
                .collect();
            let emails = c
                .emails
                .iter()
                .map(|d| state.detail(&d.label, &d.value))
                .collect();
            state.contacts.push(Contact {
                id: c.id,
                first_name: c.first_name.clone(),
                last_name: c.last_name.clone(),
                company_name: c.company_name.clone(),
                information: c.information.clone(),
                description: None,
                is_shared: true,
                phone_numbers,
                emails,
                created_at,
                updated_at: created_at,
            });
        }
        for c in &ac.calls {
            let started_at = c.started_at.resolve(now)?;
            let mut call = state.new_call(
                c.id,
                NewCall {
                    direction: c.direction.clone(),
                    status: c.status.clone(),
                    raw_digits: c.raw_digits.clone(),
                    number_id: Some(c.number),
                    user_id: c.user,
                    started_at: Some(started_at),
                    answered_at: c.answered_at.as_ref().map(|t| t.resolve(now)).transpose()?,
                    ended_at: c.ended_at.as_ref().map(|t| t.resolve(now)).transpose()?,
                    missed_call_reason: c.missed_call_reason.clone(),
                },
                now,
            );
            let end = call.ended_at.unwrap_or(started_at);
            for tag_id in &c.tags {
                if let Some(tag) = state.tags.iter().find(|t| t.id == *tag_id) {
                    call.tags.push(CallTag {
                        id: tag.id,
                        name: tag.name.clone(),
                        tagged_at: end,
                    });
                }
            }
            for content in &c.comments {
                call.comments.push(Comment {
                    id: state.next_id(),
                    content: content.clone(),
                    posted_at: end,
                    posted_by: None,
                });
            }
            state.next_call = state.next_call.max(c.id + 1);
            state.calls.push(call);
        }
        Ok(state)
    }

    /// A fresh id for contacts, details, comments and tags.
    pub(crate) fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id - 1
    }

    /// A fresh call id.
    pub(crate) fn next_call_id(&mut self) -> u64 {
        self.next_call += 1;
        self.next_call - 1
    }

    /// Builds (does not store) a message from its fields, with a fresh id.
    pub(crate) fn new_message(&mut self, new: NewMessage, now: i64) -> Message {
        self.next_message += 1;
        let number_id = new
            .number_id
            .or_else(|| self.numbers.first().map(|n| n.id))
            .unwrap_or(0);
        let created_at = new.created_at.unwrap_or(now);
        let status = new.status.unwrap_or_else(|| {
            if new.direction == "outbound" {
                "sent"
            } else {
                "received"
            }
            .to_owned()
        });
        Message {
            id: (self.next_message - 1).to_string(),
            direction: new.direction,
            external_number: new.external_number,
            body: new.body,
            status,
            channel: new.channel,
            number_id,
            user_id: new.user_id,
            created_at,
            updated_at: created_at,
        }
    }

    pub(crate) fn detail(&mut self, label: &str, value: &str) -> ContactDetail {
        ContactDetail {
            id: self.next_id(),
            label: label.to_owned(),
            value: value.to_owned(),
        }
    }

    /// The contact with a phone number of the same digits, if any.
    pub(crate) fn contact_for_number(&self, raw: &str) -> Option<u64> {
        let wanted = digits(raw);
        if wanted.is_empty() {
            return None;
        }
        self.contacts
            .iter()
            .find(|c| c.phone_numbers.iter().any(|p| digits(&p.value) == wanted))
            .map(|c| c.id)
    }

    /// Builds (does not store) a call from its fields.
    pub(crate) fn new_call(&self, id: u64, new: NewCall, now: i64) -> Call {
        let number_id = new
            .number_id
            .or_else(|| self.numbers.first().map(|n| n.id))
            .unwrap_or(0);
        Call {
            id,
            sid: format!("CA{}", ids::hex(32)),
            contact_id: self.contact_for_number(&new.raw_digits),
            direction: new.direction,
            status: new.status,
            missed_call_reason: new.missed_call_reason,
            started_at: new.started_at.unwrap_or(now),
            answered_at: new.answered_at,
            ended_at: new.ended_at,
            raw_digits: new.raw_digits,
            user_id: new.user_id,
            number_id,
            assigned_to: new.user_id,
            transferred_by: None,
            transferred_to: None,
            archived: false,
            recording: None,
            voicemail: None,
            comments: Vec::new(),
            tags: Vec::new(),
        }
    }

    pub(crate) fn user(&self, id: u64) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    pub(crate) fn number(&self, id: u64) -> Option<&Number> {
        self.numbers.iter().find(|n| n.id == id)
    }

    pub(crate) fn contact(&self, id: u64) -> Option<&Contact> {
        self.contacts.iter().find(|c| c.id == id)
    }
}
