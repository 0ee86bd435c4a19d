//! The insight card: who is calling, their last conversation, who owns it and whether that owner
//! is free. Built from the local index and caches first, then live look-ups, as fast as the
//! vendors allow.
//!
//! Look-ups run at [`Priority::Interactive`]: a ringing call overtakes logging and sync. What is
//! independent runs at once (the conversation, the admins and the Aircall users). A failure of a
//! secondary look-up (admins, Aircall availability) degrades the card rather than failing it.

use std::time::Duration;

use crate::aircall::{AircallClient, Availability, CardBlock};
pub use crate::contacts::CardError;
use crate::contacts::{Contacts, IndexFreshness};
use crate::directory::{self, Directory};
use crate::domain::resolution::{display_name, Resolution};
use crate::intercom::{self, Admin, Contact, ConversationState, IntercomClient, Role};
use crate::pacing::Priority;
use crate::phone::{CallerId, E164};
use crate::store::{CachedConversation, Store, StoreError};

mod call;

pub use crate::domain::card::{
    CallConversation, CallTag, Candidate, Card, CardContact, CardConversation, ContactStatus,
    Owner, TagState,
};

pub use crate::clock::{system_clock, Clock};
pub use crate::contacts::{ANONYMOUS_EMAIL, ANONYMOUS_NAME};

/// How long cached answers are trusted.
#[derive(Debug, Clone, Copy)]
pub struct Freshness {
    /// Which contacts have a number, from a live search.
    pub contacts: Duration,
    /// Which contacts have a number, from the index contact sync keeps, counted from the start
    /// of the last finished sync run. Numbers the index does not hold are still searched live.
    pub synced: Duration,
    /// A contact's latest conversation and its owner.
    pub conversation: Duration,
    /// The list of admins.
    pub admins: Duration,
    /// The list of Aircall users.
    pub aircall_users: Duration,
    /// Aircall availabilities (they change call by call).
    pub availability: Duration,
}

impl Freshness {
    fn index(&self) -> IndexFreshness {
        IndexFreshness {
            searched: self.contacts,
            synced: self.synced,
        }
    }
}

impl Default for Freshness {
    fn default() -> Self {
        Freshness {
            contacts: Duration::from_secs(15 * 60),
            synced: Duration::from_secs(60 * 60),
            conversation: Duration::from_secs(60),
            admins: Duration::from_secs(10 * 60),
            aircall_users: Duration::from_secs(10 * 60),
            availability: Duration::from_secs(15),
        }
    }
}

/// Builds cards. Cheap to clone.
#[derive(Clone)]
pub struct CardBuilder {
    intercom: IntercomClient,
    contacts: Contacts,
    aircall: Option<AircallClient>,
    store: Store,
    freshness: Freshness,
    new_contact_role: Role,
    clock: Clock,
    /// Held while Aircall users are refreshed, so that a burst of cards makes one refresh.
    refreshing: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// Intercom's admins and Aircall's users.
    directory: Directory,
    /// Whether a card with nothing cached of Aircall's users waits for them (a one-off card)
    /// or goes without its owner's availability, to be completed once they are read (the
    /// hub's cards: see [`CardBuilder::never_waiting_for_availability`]).
    waits_for_availability: bool,
}

impl std::fmt::Debug for CardBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardBuilder")
            .field("freshness", &self.freshness)
            .finish_non_exhaustive()
    }
}

impl CardBuilder {
    /// A builder over these clients and this store. Without Aircall, owners have no availability.
    pub fn new(intercom: IntercomClient, aircall: Option<AircallClient>, store: Store) -> Self {
        let intercom = intercom.at(Priority::Interactive);
        let freshness = Freshness::default();
        let clock = system_clock();
        CardBuilder {
            contacts: Contacts::new(
                intercom.clone(),
                store.clone(),
                freshness.index(),
                clock.clone(),
            ),
            directory: Directory::new(
                intercom.clone(),
                store.clone(),
                clock.clone(),
                freshness.admins,
            ),
            intercom,
            aircall: aircall.map(|a| a.at(Priority::Interactive)),
            store,
            freshness,
            new_contact_role: Role::Lead,
            clock,
            refreshing: Default::default(),
            waits_for_availability: true,
        }
    }

    /// Cards never wait for Aircall's users and availabilities: with nothing cached, a card goes
    /// without its owner's availability while they are read in the background, and
    /// [`CardBuilder::with_availability`] completes it once [`CardBuilder::availability_read`]
    /// says they are in. Aircall's budget is small and shared with contact sync's writes: the
    /// first card after a start would otherwise wait seconds for them.
    pub fn never_waiting_for_availability(mut self) -> Self {
        self.waits_for_availability = false;
        self
    }

    fn rebuild_contacts(mut self) -> Self {
        self.contacts = Contacts::new(
            self.intercom.clone(),
            self.store.clone(),
            self.freshness.index(),
            self.clock.clone(),
        );
        self.directory = Directory::new(
            self.intercom.clone(),
            self.store.clone(),
            self.clock.clone(),
            self.freshness.admins,
        );
        self
    }

    /// How this builder resolves numbers to contacts (the executor resolves the same way).
    pub fn contacts(&self) -> &Contacts {
        &self.contacts
    }

    /// Who the teammates are (the executor asks the same directory).
    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    /// Sets how long cached answers are trusted.
    pub fn with_freshness(mut self, freshness: Freshness) -> Self {
        self.freshness = freshness;
        self.rebuild_contacts()
    }

    /// Sets the role a new caller would be created with (shown on a `new` card).
    pub fn with_new_contact_role(mut self, role: Role) -> Self {
        self.new_contact_role = role;
        self
    }

    /// Replaces the clock.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self.rebuild_contacts()
    }

    fn now(&self) -> i64 {
        (self.clock)()
    }

    fn fresh(&self, fetched_at: i64, ttl: Duration) -> bool {
        self.now().saturating_sub(fetched_at) < ttl.as_secs() as i64
    }

    /// The Intercom workspace id (for links): cached in the store for this token, else asked
    /// of `/me`.
    pub async fn workspace_id(&self) -> Result<String, CardError> {
        let me = || async { Ok::<_, CardError>(self.intercom.me().await?) };
        let identity =
            directory::intercom_identity(&self.store, self.intercom.identity_key(), me).await?;
        Ok(identity.workspace_id)
    }

    /// The card for a caller, optionally for a given call.
    pub async fn build(&self, caller: &CallerId, call_id: Option<u64>) -> Result<Card, CardError> {
        let workspace = self.workspace_id().await?;
        match caller {
            CallerId::Anonymous => self.anonymous(&workspace, call_id).await,
            CallerId::Number(number) => {
                let phone = Some(number.to_string());
                match self.resolve(number).await? {
                    Resolution::New => Ok(Card {
                        call_id,
                        phone,
                        contact: CardContact {
                            status: ContactStatus::New,
                            id: None,
                            name: number.to_string(),
                            kind: Some(self.new_contact_role),
                            url: None,
                            candidates: Vec::new(),
                        },
                        conversation: None,
                        call_conversation: None,
                    }),
                    Resolution::One(one) => {
                        let conversation = self.conversation_of(&workspace, &one.id).await?;
                        Ok(Card {
                            call_id,
                            phone,
                            contact: existing(&workspace, &one),
                            conversation,
                            call_conversation: None,
                        })
                    }
                    many @ Resolution::Many(_) => Ok(Card {
                        call_id,
                        phone,
                        contact: CardContact {
                            status: ContactStatus::Ambiguous,
                            id: None,
                            name: number.to_string(),
                            kind: None,
                            url: None,
                            candidates: many.candidates(&workspace),
                        },
                        conversation: None,
                        call_conversation: None,
                    }),
                }
            }
        }
    }

    /// Who a number is: nobody, one contact or several (see [`Resolution::of`]).
    pub async fn resolve(&self, number: &E164) -> Result<Resolution, CardError> {
        Ok(Resolution::of(self.contacts.with_number(number).await?))
    }

    /// The contacts with this number (see [`Contacts::with_number`]).
    pub async fn contacts_for(&self, number: &E164) -> Result<Vec<Contact>, CardError> {
        self.contacts.with_number(number).await
    }

    async fn anonymous(&self, workspace: &str, call_id: Option<u64>) -> Result<Card, CardError> {
        let found = self.contacts.anonymous().await?;
        let contact = found.as_ref();
        let conversation = match contact {
            Some(c) => self.conversation_of(workspace, &c.id).await?,
            None => None,
        };
        Ok(Card {
            call_id,
            phone: None,
            contact: CardContact {
                status: ContactStatus::Anonymous,
                id: contact.map(|c| c.id.clone()),
                name: contact
                    .and_then(|c| c.name.clone())
                    .unwrap_or_else(|| ANONYMOUS_NAME.to_owned()),
                kind: Some(contact.map_or(self.new_contact_role, |c| c.role)),
                url: contact.map(|c| intercom::contact_url(workspace, &c.id)),
                candidates: Vec::new(),
            },
            conversation,
            call_conversation: None,
        })
    }

    async fn conversation_of(
        &self,
        workspace: &str,
        contact_id: &str,
    ) -> Result<Option<CardConversation>, CardError> {
        let (latest, admins, ()) = tokio::join!(
            self.latest_conversation(contact_id),
            self.admins(),
            self.refresh_aircall_users()
        );
        let Some(latest) = latest? else {
            return Ok(None);
        };
        let owner = match &latest.admin_assignee_id {
            None => None,
            Some(admin_id) => {
                let admin = admins.iter().find(|a| &a.id == admin_id);
                match admin {
                    Some(a) => Some(Owner {
                        name: a.name.clone(),
                        email: a.email.clone(),
                        availability: self.availability_of(a.email.as_deref()).await?,
                    }),
                    None => Some(Owner {
                        name: format!("Admin {admin_id}"),
                        email: None,
                        availability: None,
                    }),
                }
            }
        };
        Ok(Some(CardConversation {
            url: intercom::conversation_url(workspace, &latest.id),
            id: latest.id,
            state: latest.state,
            owner,
            tags: latest.tags,
        }))
    }

    async fn latest_conversation(
        &self,
        contact_id: &str,
    ) -> Result<Option<CachedConversation>, CardError> {
        let id = contact_id.to_owned();
        let cached = self.store.run(move |s| s.latest_conversation(&id)).await?;
        if let Some((conversation, at)) = &cached {
            if self.fresh(*at, self.freshness.conversation) {
                return Ok(conversation.clone());
            }
        }
        let states = [ConversationState::Open, ConversationState::Closed];
        let found = match self.intercom.conversations_of(contact_id, &states, 5).await {
            Ok(found) => found,
            // A stale answer beats no card, as for the contacts.
            Err(e) => match cached {
                Some((stale, _)) => {
                    tracing::warn!(error = %e, "Intercom conversation search failed; using the cached one");
                    return Ok(stale);
                }
                None => return Err(e.into()),
            },
        };
        let latest = found.into_iter().find(|c| states.contains(&c.state));
        let (id, kept, now) = (contact_id.to_owned(), latest.clone(), self.now());
        self.store
            .run(move |s| s.put_latest_conversation(&id, kept.as_ref(), now))
            .await?;
        Ok(latest.map(|c| CachedConversation {
            id: c.id,
            state: c.state,
            admin_assignee_id: c.admin_assignee_id,
            updated_at: c.updated_at,
            tags: c.tags,
        }))
    }

    /// The admins (see [`Directory::admins`]: a card never waits for a stale list).
    async fn admins(&self) -> Vec<Admin> {
        self.directory.admins().await
    }

    /// Reads ahead what every card shares (Intercom's workspace and admins, Aircall's users and
    /// their availability), so that the first rings after a start wait only for their own
    /// look-ups. Failures only log: the cards then read what they need themselves.
    pub async fn warm(&self) {
        let (workspace, _, ()) = tokio::join!(
            self.workspace_id(),
            self.admins(),
            self.refresh_aircall_users()
        );
        if let Err(e) = workspace {
            tracing::warn!(error = %e, "cannot read the Intercom workspace ahead of the first card");
        }
    }

    /// Refreshes Aircall users and availabilities when stale. A card never waits for Aircall's
    /// budget when something is cached: the refresh then runs in the background, one at a time,
    /// and the card shows the last known availability. With nothing cached, a one-off card
    /// waits for the one refresh every card shares; the hub's cards do not (see
    /// [`CardBuilder::never_waiting_for_availability`]). Failures only log.
    async fn refresh_aircall_users(&self) {
        if self.aircall.is_none() {
            return;
        }
        let known = match self.store.run(|s| s.aircall_users_freshness()).await {
            Ok(f) => f,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read cached Aircall users");
                return;
            }
        };
        match known {
            Some((users_at, avail_at))
                if self.fresh(users_at, self.freshness.aircall_users)
                    && self.fresh(avail_at, self.freshness.availability) => {}
            None if self.waits_for_availability => {
                let _turn = self.refreshing.lock().await;
                // Another card may have refreshed while this one waited for its turn.
                if matches!(
                    self.store.run(|s| s.aircall_users_freshness()).await,
                    Ok(None)
                ) {
                    self.refresh_now().await;
                }
            }
            _ => {
                // The turn is taken before the task starts: a card that asks right after
                // (`availability_read`) finds this refresh running.
                if let Ok(turn) = self.refreshing.clone().try_lock_owned() {
                    let builder = self.clone();
                    tokio::spawn(async move {
                        builder.refresh_now().await;
                        drop(turn);
                    });
                }
            }
        }
    }

    /// Waits until no refresh of Aircall's users runs (at once when none does).
    pub async fn availability_read(&self) {
        drop(self.refreshing.lock().await);
    }

    /// Whether this card shows an owner whose availability Aircall may still tell (an owner
    /// with an email, without an availability, and Aircall configured).
    pub fn lacks_availability(&self, card: &Card) -> bool {
        self.aircall.is_some()
            && card
                .conversation
                .as_ref()
                .and_then(|c| c.owner.as_ref())
                .is_some_and(|o| o.availability.is_none() && o.email.is_some())
    }

    /// Fills the card's owner availability from what is cached; whether it changed.
    pub async fn with_availability(&self, card: &mut Card) -> Result<bool, StoreError> {
        let Some(owner) = card.conversation.as_mut().and_then(|c| c.owner.as_mut()) else {
            return Ok(false);
        };
        let availability = self.availability_of(owner.email.as_deref()).await?;
        let changed = availability != owner.availability;
        owner.availability = availability;
        Ok(changed)
    }

    async fn refresh_now(&self) {
        let Some(aircall) = &self.aircall else { return };
        let now = self.now();
        let users_fresh = matches!(
            self.store.run(|s| s.aircall_users_freshness()).await,
            Ok(Some((at, _))) if self.fresh(at, self.freshness.aircall_users)
        );
        let result = if users_fresh {
            match aircall.availabilities().await {
                Ok(a) => self
                    .store
                    .run(move |s| s.update_availabilities(&a, now))
                    .await
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            }
        } else {
            match tokio::try_join!(aircall.users(), aircall.availabilities()) {
                Ok((users, avail)) => self
                    .store
                    .run(move |s| s.replace_aircall_users(&users, &avail, now))
                    .await
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            }
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, "cannot refresh Aircall availability");
        }
    }

    async fn availability_of(
        &self,
        email: Option<&str>,
    ) -> Result<Option<Availability>, StoreError> {
        let Some(email) = email.filter(|e| !e.trim().is_empty()) else {
            return Ok(None);
        };
        if self.aircall.is_none() {
            return Ok(None);
        }
        Ok(self
            .directory
            .aircall_user(email)
            .await?
            .and_then(|u| u.availability))
    }
}

fn existing(workspace: &str, c: &Contact) -> CardContact {
    CardContact {
        status: ContactStatus::Existing,
        id: Some(c.id.clone()),
        name: display_name(c),
        kind: Some(c.role),
        url: Some(intercom::contact_url(workspace, &c.id)),
        candidates: Vec::new(),
    }
}

/// A contact's name for people: the name, else the email, else the phone, else the id.
impl Card {
    /// The card in Aircall's insight-card block format, for the agent's phone app. Values are
    /// kept short: the phone app cuts long ones.
    pub fn to_insight_blocks(&self) -> Vec<CardBlock> {
        let mut blocks = Vec::new();
        let kind = |k: Option<Role>| match k {
            Some(Role::User) => "User",
            Some(Role::Lead) | None => "Lead",
        };
        match self.contact.status {
            ContactStatus::Existing | ContactStatus::Anonymous => {
                blocks.push(CardBlock::Title {
                    text: short(&format!("Intercom: {}", self.contact.name)),
                    link: self.contact.url.clone(),
                });
                blocks.push(CardBlock::ShortText {
                    label: "Type".into(),
                    text: kind(self.contact.kind).into(),
                    link: None,
                });
            }
            ContactStatus::New => {
                blocks.push(CardBlock::Title {
                    text: short(&format!("Intercom: {}", self.contact.name)),
                    link: None,
                });
                blocks.push(CardBlock::ShortText {
                    label: "Type".into(),
                    text: format!("Aircall new {}", kind(self.contact.kind).to_lowercase()),
                    link: None,
                });
            }
            ContactStatus::Ambiguous => {
                blocks.push(CardBlock::Title {
                    text: format!(
                        "Intercom: {} contacts share this number",
                        self.contact.candidates.len()
                    ),
                    link: None,
                });
                for c in self.contact.candidates.iter().take(5) {
                    blocks.push(CardBlock::ShortText {
                        label: kind(Some(c.kind)).into(),
                        text: short(&c.name),
                        link: Some(c.url.clone()),
                    });
                }
            }
        }
        if let Some(conv) = &self.conversation {
            let state = match conv.state {
                ConversationState::Open => "Open",
                ConversationState::Closed => "Closed",
                ConversationState::Snoozed => "Snoozed",
            };
            blocks.push(CardBlock::ShortText {
                label: "Last conversation".into(),
                text: state.into(),
                link: Some(conv.url.clone()),
            });
            if let Some(owner) = &conv.owner {
                let text = match owner.availability {
                    Some(a) => format!("{} ({})", owner.name, a.label()),
                    None => owner.name.clone(),
                };
                blocks.push(CardBlock::ShortText {
                    label: "Owner".into(),
                    text: short(&text),
                    link: None,
                });
            }
        }
        blocks
    }
}

/// At most 40 characters, cut on a character boundary.
fn short(text: &str) -> String {
    let mut out: String = text.chars().take(40).collect();
    if out.len() < text.len() {
        out.pop();
        out.push('…');
    }
    out
}
