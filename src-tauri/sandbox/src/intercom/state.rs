//! The fake Intercom's data and the rules every handler shares (ids, phone normalisation,
//! duplicate detection, new parts).

use ringside_core::phone::{Region, E164};
use serde_json::{json, Map, Value};

use super::model::{
    Actor, Admin, AppliedTag, Contact, Conversation, ConversationState, Part, Role, Source, Tag,
};
use crate::ids;
use crate::seed::{Seed, SeedError, WorkspaceSeed};

/// Everything the fake Intercom knows.
#[derive(Debug)]
pub(crate) struct IntercomState {
    pub workspace: WorkspaceSeed,
    pub app_created_at: i64,
    pub region: Region,
    pub token_admin_id: String,
    pub admins: Vec<Admin>,
    pub contacts: Vec<Contact>,
    pub conversations: Vec<Conversation>,
    pub tags: Vec<Tag>,
    /// Conversation attributes and each conversation's values.
    pub attributes: super::workspace::Attributes,
    /// Archived contacts: out of every listing, search and read until unarchived.
    pub archived: Vec<Contact>,
    /// Where contact notifications go (nowhere until a test or the demo asks).
    pub notifier: super::notify::Notifier,
    /// The workspace's away reasons, and whether setting a teammate away needs one.
    pub away: super::workspace::AwayReasons,
    /// "Sign in with Intercom": the authorize page's switch, its codes and tokens.
    pub oauth: super::oauth::OAuthState,
    next_conversation: u64,
    next_part: u64,
    next_message: u64,
    next_tag: u64,
}

/// The fields of a contact being created.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewContact {
    /// User or lead (`None` means user, as in the API).
    pub role: Option<Role>,
    /// Full name.
    pub name: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// Phone, stored exactly as given.
    pub phone: Option<String>,
    /// The customer's own id.
    pub external_id: Option<String>,
}

impl IntercomState {
    /// Builds the state from a checked seed, resolving relative times against `now`.
    pub(crate) fn from_seed(seed: &Seed, now: i64) -> Result<Self, SeedError> {
        let ic = &seed.intercom;
        let region = seed.region()?;
        let admins = ic
            .admins
            .iter()
            .map(|a| Admin {
                id: a.id.clone(),
                name: a.name.clone(),
                email: a.email.clone(),
                job_title: a.job_title.clone(),
                away_mode_enabled: a.away,
                away_mode_reassign: false,
                away_status_reason_id: None,
                has_inbox_seat: true,
            })
            .collect();
        let mut state = IntercomState {
            workspace: ic.workspace.clone(),
            app_created_at: now - 3 * 365 * 86_400,
            region,
            token_admin_id: ic.token_admin_id.clone(),
            admins,
            contacts: Vec::new(),
            conversations: Vec::new(),
            tags: Vec::new(),
            attributes: Default::default(),
            archived: Vec::new(),
            notifier: super::notify::Notifier::default(),
            away: super::workspace::AwayReasons::seeded(),
            oauth: super::oauth::OAuthState::default(),
            next_conversation: 215_475_827_415_400,
            next_part: 9_000_000_001,
            next_message: 403_918_400,
            next_tag: 8_000_001,
        };
        for c in &ic.contacts {
            let created_at = c.created_at.resolve(now)?;
            let updated_at = match &c.updated_at {
                Some(t) => t.resolve(now)?,
                None => created_at,
            };
            let id = c.id.clone().unwrap_or_else(|| ids::object_id(created_at));
            let formatted_phone = state.formatted_phone(c.phone.as_deref());
            state.contacts.push(Contact {
                id,
                role: c.role,
                name: c.name.clone(),
                email: c.email.clone(),
                phone: c.phone.clone(),
                formatted_phone,
                external_id: c.external_id.clone(),
                created_at,
                updated_at,
                custom_attributes: Map::new(),
            });
        }
        for t in &ic.tags {
            state.tags.push(Tag {
                id: t.id.clone(),
                name: t.name.clone(),
            });
            if let Ok(n) = t.id.parse::<u64>() {
                state.next_tag = state.next_tag.max(n + 1);
            }
        }
        for conv in &ic.conversations {
            if let Ok(n) = conv.id.parse::<u64>() {
                state.next_conversation = state.next_conversation.max(n + 1);
            }
        }
        for conv in &ic.conversations {
            let created_at = conv.created_at.resolve(now)?;
            let author = state.contact_actor(&conv.contact);
            let mut parts = Vec::new();
            for p in &conv.parts {
                parts.push(Part {
                    id: state.next_part_id(),
                    part_type: p.part_type.clone(),
                    body: p.body.clone(),
                    created_at: p.created_at.resolve(now)?,
                    author: p
                        .admin
                        .as_deref()
                        .map_or_else(|| author.clone(), Actor::admin),
                    assigned_to: None,
                });
            }
            let last_part = parts.iter().map(|p| p.created_at).max();
            let updated_at = match &conv.updated_at {
                Some(t) => t.resolve(now)?,
                None => last_part.unwrap_or(created_at).max(created_at),
            };
            let mut tags = Vec::new();
            for name in &conv.tags {
                let tag = state.tag_named(name);
                tags.push(AppliedTag {
                    id: tag.id,
                    name: tag.name,
                    applied_at: updated_at,
                    applied_by: state.token_admin_id.clone(),
                });
            }
            let snoozed_until = match &conv.snoozed_until {
                Some(t) => Some(t.resolve(now)?),
                None => None,
            };
            let source = Source {
                kind: "conversation".to_owned(),
                id: state.next_message_id(),
                delivered_as: "customer_initiated".to_owned(),
                subject: String::new(),
                body: conv.body.clone(),
                author,
            };
            state.conversations.push(Conversation {
                id: conv.id.clone(),
                created_at,
                updated_at,
                state: conv.state,
                snoozed_until: snoozed_until.filter(|_| conv.state == ConversationState::Snoozed),
                admin_assignee_id: conv.assignee.clone(),
                team_assignee_id: None,
                contact_ids: vec![conv.contact.clone()],
                title: conv.title.clone(),
                source,
                tags,
                parts,
            });
        }
        Ok(state)
    }

    /// The stored phone in E.164, read in the workspace's default region.
    pub(crate) fn formatted_phone(&self, phone: Option<&str>) -> Option<String> {
        let phone = phone?;
        E164::parse(phone, self.region)
            .ok()
            .map(|e| e.as_str().to_owned())
    }

    pub(crate) fn admin(&self, id: &str) -> Option<&Admin> {
        self.admins.iter().find(|a| a.id == id)
    }

    pub(crate) fn contact(&self, id: &str) -> Option<&Contact> {
        self.contacts.iter().find(|c| c.id == id)
    }

    pub(crate) fn conversation_mut(&mut self, id: &str) -> Option<&mut Conversation> {
        self.conversations.iter_mut().find(|c| c.id == id)
    }

    /// The actor for a contact: `{type: user|lead, id}`.
    pub(crate) fn contact_actor(&self, contact_id: &str) -> Actor {
        let role = self.contact(contact_id).map_or(Role::Lead, |c| c.role);
        Actor {
            kind: role.as_str().to_owned(),
            id: contact_id.to_owned(),
        }
    }

    pub(crate) fn next_conversation_id(&mut self) -> String {
        self.next_conversation += 1;
        (self.next_conversation - 1).to_string()
    }

    pub(crate) fn next_part_id(&mut self) -> String {
        self.next_part += 1;
        (self.next_part - 1).to_string()
    }

    pub(crate) fn next_message_id(&mut self) -> String {
        self.next_message += 1;
        (self.next_message - 1).to_string()
    }

    /// The tag with this name (compared case-insensitively), created when missing.
    pub(crate) fn tag_named(&mut self, name: &str) -> Tag {
        if let Some(tag) = self
            .tags
            .iter()
            .find(|t| t.name.to_lowercase() == name.to_lowercase())
        {
            return tag.clone();
        }
        let tag = Tag {
            id: self.next_tag.to_string(),
            name: name.to_owned(),
        };
        self.next_tag += 1;
        self.tags.push(tag.clone());
        tag
    }

    /// The id of a contact that a new or changed contact would duplicate: same email within the
    /// same role, or same external id.
    pub(crate) fn duplicate_of(
        &self,
        except: Option<&str>,
        role: Role,
        email: Option<&str>,
        external_id: Option<&str>,
    ) -> Option<String> {
        self.contacts
            .iter()
            .filter(|c| Some(c.id.as_str()) != except)
            .find(|c| {
                let same_email = match (email, c.email.as_deref()) {
                    (Some(a), Some(b)) => c.role == role && a.eq_ignore_ascii_case(b),
                    _ => false,
                };
                let same_external = match (external_id, c.external_id.as_deref()) {
                    (Some(a), Some(b)) => a == b,
                    _ => false,
                };
                same_email || same_external
            })
            .map(|c| c.id.clone())
    }

    /// Stores a new contact and returns it. No duplicate check: callers do that.
    pub(crate) fn insert_contact(&mut self, new: NewContact, now: i64) -> Contact {
        let formatted_phone = self.formatted_phone(new.phone.as_deref());
        let contact = Contact {
            id: ids::object_id(now),
            role: new.role.unwrap_or(Role::User),
            name: new.name,
            email: new.email,
            phone: new.phone,
            formatted_phone,
            external_id: new.external_id,
            created_at: now,
            updated_at: now,
            custom_attributes: Map::new(),
        };
        self.contacts.push(contact.clone());
        self.notify_contact("created", &contact);
        contact
    }

    /// Sends the notification of a contact `created` or `updated`.
    pub(crate) fn notify_contact(&self, what: &str, contact: &Contact) {
        if self.notifier.is_on() {
            let topic = format!("contact.{}.{what}", contact.role.as_str());
            let item = contact.to_json(&self.workspace.id_code);
            self.notifier
                .send(&topic, item, &self.workspace.id_code, crate::clock::now());
        }
    }

    /// Sends `admin.away_mode_updated` about a teammate, as Intercom does whoever changed it.
    pub(crate) fn notify_admin_away(&self, admin: &Admin) {
        if self.notifier.is_on() {
            self.notifier.send(
                "admin.away_mode_updated",
                admin.to_json(),
                &self.workspace.id_code,
                crate::clock::now(),
            );
        }
    }

    /// Sends a notification about a contact by id alone (a deletion's minimal payload, or an
    /// archive), with `extra` fields.
    pub(crate) fn notify_id(&self, topic: &str, id: &str, extra: Value) {
        if self.notifier.is_on() {
            let mut item = json!({"type": "contact", "id": id});
            if let (Some(item), Value::Object(extra)) = (item.as_object_mut(), extra) {
                item.extend(extra);
            }
            self.notifier
                .send(topic, item, &self.workspace.id_code, crate::clock::now());
        }
    }

    /// Appends a part to a conversation and bumps its `updated_at`.
    pub(crate) fn add_part(
        &mut self,
        conversation_id: &str,
        part_type: &str,
        body: Option<String>,
        author: Actor,
        assigned_to: Option<Actor>,
        now: i64,
    ) {
        let id = self.next_part_id();
        if let Some(conv) = self.conversation_mut(conversation_id) {
            conv.parts.push(Part {
                id,
                part_type: part_type.to_owned(),
                body,
                created_at: now,
                author,
                assigned_to,
            });
            conv.updated_at = conv.updated_at.max(now);
        }
    }
}
