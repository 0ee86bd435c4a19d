//! The fake Intercom's state as a person reads it, without the ids Intercom generates, so that
//! two runs of one scenario can be compared: every contact with its conversations, each with
//! its first message, its internal notes, its assignee and its tags.

use std::fmt::Write as _;

use ringside_sandbox::intercom::Conversation;
use ringside_sandbox::Sandbox;

/// A conversation without its ids.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ConversationView {
    /// The first message.
    pub first_message: String,
    /// The bodies of its internal notes, oldest first.
    pub notes: Vec<String>,
    /// The admin it is assigned to (admins are seeded, so their ids are stable).
    pub assignee: Option<String>,
    /// Its tags' names, sorted.
    pub tags: Vec<String>,
}

/// A contact without its id, and its conversations, sorted.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ContactView {
    /// `user` or `lead`.
    pub role: String,
    /// Name.
    pub name: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Phone as stored.
    pub phone: Option<String>,
    /// Its conversations.
    pub conversations: Vec<ConversationView>,
}

/// The whole workspace: contacts (duplicates stay visible as two entries) and tag names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntercomState {
    /// Every contact, sorted.
    pub contacts: Vec<ContactView>,
    /// Every tag name of the workspace, sorted.
    pub tags: Vec<String>,
}

fn view(c: &Conversation) -> ConversationView {
    let mut tags: Vec<String> = c.tags.iter().map(|t| t.name.clone()).collect();
    tags.sort();
    ConversationView {
        first_message: c.source.body.clone(),
        notes: c
            .parts
            .iter()
            .filter(|p| p.part_type == "note")
            .map(|p| p.body.clone().unwrap_or_default())
            .collect(),
        assignee: c.admin_assignee_id.clone(),
        tags,
    }
}

impl IntercomState {
    /// Reads the sandbox's Intercom.
    pub fn of(sandbox: &Sandbox) -> IntercomState {
        let intercom = sandbox.intercom();
        let conversations = intercom.conversations();
        let mut contacts: Vec<ContactView> = intercom
            .contacts()
            .into_iter()
            .map(|c| {
                let mut mine: Vec<ConversationView> = conversations
                    .iter()
                    .filter(|conv| conv.contact_ids.contains(&c.id))
                    .map(view)
                    .collect();
                mine.sort();
                ContactView {
                    role: c.role.as_str().to_owned(),
                    name: c.name,
                    email: c.email,
                    phone: c.phone,
                    conversations: mine,
                }
            })
            .collect();
        contacts.sort();
        let mut tags: Vec<String> = intercom.tags().into_iter().map(|t| t.name).collect();
        tags.sort();
        IntercomState { contacts, tags }
    }

    /// The same state with each conversation's notes as a multiset (sorted), for runs whose
    /// events arrived in another order.
    pub fn unordered(mut self) -> IntercomState {
        for contact in &mut self.contacts {
            for conversation in &mut contact.conversations {
                conversation.notes.sort();
            }
            contact.conversations.sort();
        }
        self
    }

    /// Conversations in all, and notes in all.
    pub fn counts(&self) -> (usize, usize) {
        let conversations = self.contacts.iter().flat_map(|c| &c.conversations);
        let notes = conversations.clone().map(|c| c.notes.len()).sum();
        (conversations.count(), notes)
    }

    /// What differs from `other`, contact by contact, in words (empty when equal).
    pub fn difference(&self, other: &IntercomState) -> String {
        let mut out = String::new();
        if self.tags != other.tags {
            let _ = writeln!(out, "tags: {:?} vs {:?}", self.tags, other.tags);
        }
        let label =
            |c: &ContactView| format!("{} {:?} {:?} {:?}", c.role, c.name, c.email, c.phone);
        let mut labels: Vec<String> = self
            .contacts
            .iter()
            .chain(&other.contacts)
            .map(label)
            .collect();
        labels.sort();
        labels.dedup();
        for l in labels {
            let mine: Vec<&ContactView> = self.contacts.iter().filter(|c| label(c) == l).collect();
            let theirs: Vec<&ContactView> =
                other.contacts.iter().filter(|c| label(c) == l).collect();
            if mine.len() != theirs.len() {
                let _ = writeln!(
                    out,
                    "contact {l}: {} here, {} in the other run",
                    mine.len(),
                    theirs.len()
                );
                continue;
            }
            let here: Vec<&ConversationView> = mine.iter().flat_map(|c| &c.conversations).collect();
            let there: Vec<&ConversationView> =
                theirs.iter().flat_map(|c| &c.conversations).collect();
            for c in here.iter().filter(|c| !there.contains(c)) {
                let _ = writeln!(out, "contact {l}, only here: {c:#?}");
            }
            for c in there.iter().filter(|c| !here.contains(c)) {
                let _ = writeln!(out, "contact {l}, only in the other run: {c:#?}");
            }
        }
        out
    }
}
