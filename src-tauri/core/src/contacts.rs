//! Who a number belongs to in Intercom: the one place that resolves a caller to nobody, one
//! contact or several, and creates the contact a new or anonymous caller is logged to. The card
//! and the executor both ask here, so they always agree.
//!
//! A number is answered from the local index while it is fresh (a recent live search, or a
//! recent contact sync that indexed it), else by a live search whose answer is remembered.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::clock::Clock;
use crate::error::ApiError;
use crate::intercom::{self, Contact, IntercomClient, NewContact, Role, Upserted};
use crate::pacing::Priority;
use crate::phone::E164;
use crate::store::{Store, StoreError};

/// Why no card could be built: a look-up failed and nothing cached could stand in.
#[derive(Debug, thiserror::Error)]
pub enum CardError {
    /// Intercom (or Aircall) failed and nothing cached could stand in.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The local database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The email of the one shared contact that stands for every anonymous caller.
pub const ANONYMOUS_EMAIL: &str = "anonymous@aircall.io";
/// That contact's name.
pub const ANONYMOUS_NAME: &str = "Aircall Anonymous Contact";

/// How long the index's answers are trusted.
#[derive(Debug, Clone, Copy)]
pub struct IndexFreshness {
    /// Which contacts have a number, from a live search.
    pub searched: Duration,
    /// Which contacts have a number, from the index contact sync keeps, counted from the start
    /// of the last finished sync run. Numbers the index does not hold are still searched live.
    pub synced: Duration,
}

/// Resolves numbers to contacts. Cheap to clone.
#[derive(Clone)]
pub struct Contacts {
    intercom: IntercomClient,
    store: Store,
    freshness: IndexFreshness,
    clock: Clock,
    turns: Turns,
}

/// One turn per number at finding or creating the contact to log to, so that two calls from a
/// new number, logged side by side, make one contact.
#[derive(Clone, Default)]
struct Turns {
    held: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

/// A number's turn; the next task waiting for it goes when this is dropped.
struct Turn {
    turns: Turns,
    key: String,
    _guard: tokio::sync::OwnedMutexGuard<()>,
}

impl Turns {
    async fn take(&self, key: &str) -> Turn {
        let lock = {
            let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
            held.entry(key.to_owned()).or_default().clone()
        };
        Turn {
            turns: self.clone(),
            key: key.to_owned(),
            _guard: lock.lock_owned().await,
        }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        let mut held = self.turns.held.lock().unwrap_or_else(|e| e.into_inner());
        // Nobody else holds or waits for it (the map's copy and this turn's guard's owner).
        if held
            .get(&self.key)
            .is_some_and(|l| Arc::strong_count(l) <= 2)
        {
            held.remove(&self.key);
        }
    }
}

impl std::fmt::Debug for Contacts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Contacts")
            .field("freshness", &self.freshness)
            .finish_non_exhaustive()
    }
}

impl Contacts {
    /// Resolution over this client (at its priority) and store.
    pub fn new(
        intercom: IntercomClient,
        store: Store,
        freshness: IndexFreshness,
        clock: Clock,
    ) -> Self {
        Contacts {
            intercom,
            store,
            freshness,
            clock,
            turns: Turns::default(),
        }
    }

    /// The same, with requests at another priority.
    pub fn at(&self, priority: Priority) -> Self {
        Contacts {
            intercom: self.intercom.at(priority),
            ..self.clone()
        }
    }

    fn now(&self) -> i64 {
        (self.clock)()
    }

    fn fresh(&self, at: i64, ttl: Duration) -> bool {
        self.now().saturating_sub(at) < ttl.as_secs() as i64
    }

    /// The contacts with this number: from the index while fresh, else a live search (whose
    /// answer is remembered). When the live search fails, a stale index answer stands in.
    pub async fn with_number(&self, number: &E164) -> Result<Vec<Contact>, CardError> {
        // What the index knows of the number, in one hop to the database.
        let key = number.clone();
        let (searched, synced_at, indexed) = self
            .store
            .run(move |s| {
                let indexed = s
                    .contacts_by_phone(&key)?
                    .into_iter()
                    .map(|c| c.contact)
                    .collect::<Vec<_>>();
                Ok((s.lookup_time(&key)?, s.index_synced_at()?, indexed))
            })
            .await?;
        if searched.is_some_and(|at| self.fresh(at, self.freshness.searched)) {
            return Ok(indexed);
        }
        // Sync lists contacts the moment they exist, before Intercom's search finds them, so a
        // number it indexed needs no search; a number it does not know may be newer than it.
        if !indexed.is_empty() && synced_at.is_some_and(|at| self.fresh(at, self.freshness.synced))
        {
            return Ok(indexed);
        }
        match self.live(number).await {
            Ok(found) => Ok(found),
            Err(e) => {
                // Nobody in the index: that is an answer only if the number was looked up
                // before, or a sync indexed every contact (and nobody had it then); otherwise
                // nothing is known.
                if indexed.is_empty() && searched.is_none() && synced_at.is_none() {
                    return Err(e.into());
                }
                tracing::warn!(error = %e, "Intercom search failed; using the local index");
                Ok(indexed)
            }
        }
    }

    /// The contacts with this number, searched live in Intercom now; the answer is remembered.
    pub async fn live(&self, number: &E164) -> Result<Vec<Contact>, ApiError> {
        let searched_at = self.now();
        let found = self.intercom.contacts_with_phone(number).await?;
        let (key, kept, now) = (number.clone(), found.clone(), self.now());
        let remembered = self
            .store
            .run(move |s| s.record_lookup(&key, &kept, searched_at, now))
            .await;
        if let Err(e) = remembered {
            tracing::warn!(error = %e, "cannot remember a contact search");
        }
        Ok(found)
    }

    /// The shared contact of anonymous callers, when it exists.
    pub async fn anonymous(&self) -> Result<Option<Contact>, ApiError> {
        let query = intercom::Query::eq("email", ANONYMOUS_EMAIL);
        let found = self.intercom.search_contacts(&query, 5, None).await?;
        Ok(found.contacts.into_iter().next())
    }

    /// The contacts to log a call or message from this number to: the index's answer (or, with
    /// `trust_index` false, as after a crash, a live search), and when that finds nobody, a
    /// live search, then (with `create`) the contact created for the number. One number is
    /// resolved by one task at a time, so concurrent calls from a new number make one contact.
    pub async fn for_logging(
        &self,
        number: &E164,
        create: Option<Role>,
        trust_index: bool,
    ) -> Result<Vec<Contact>, CardError> {
        let _turn = self.turns.take(number.as_str()).await;
        let found = if trust_index {
            self.with_number(number).await?
        } else {
            self.live(number).await?
        };
        let Some(role) = create.filter(|_| found.is_empty()) else {
            return Ok(found);
        };
        // The index may not know a contact created since it looked (or a card's search that
        // started before another call created it may have written "nobody" over it).
        let live = if trust_index {
            self.live(number).await?
        } else {
            found
        };
        if !live.is_empty() {
            return Ok(live);
        }
        Ok(vec![self.create_for(number, role).await?])
    }

    /// The shared contact of anonymous callers, created (with `create`) when it does not exist
    /// yet; one task at a time.
    pub async fn anonymous_for_logging(
        &self,
        create: Option<Role>,
    ) -> Result<Option<Contact>, ApiError> {
        let _turn = self.turns.take(ANONYMOUS_EMAIL).await;
        if let Some(c) = self.anonymous().await? {
            return Ok(Some(c));
        }
        match create {
            Some(role) => Ok(Some(self.create_anonymous(role).await?)),
            None => Ok(None),
        }
    }

    /// Creates the contact a new caller is logged to: `<E.164> Aircall new contact`, with the
    /// number, in this role (Intercom answers with the existing one when it already exists).
    pub async fn create_for(&self, number: &E164, role: Role) -> Result<Contact, ApiError> {
        let sent_at = self.now();
        let contact = self
            .upsert(&NewContact {
                role,
                name: Some(format!("{number} Aircall new contact")),
                email: None,
                phone: Some(number.to_string()),
            })
            .await?;
        let (key, kept, now) = (number.clone(), contact.clone(), self.now());
        let remembered = self
            .store
            .run(move |s| s.record_lookup(&key, std::slice::from_ref(&kept), sent_at, now))
            .await;
        if let Err(e) = remembered {
            tracing::warn!(error = %e, "cannot remember a created contact");
        }
        Ok(contact)
    }

    /// Creates the one shared contact of anonymous callers.
    pub async fn create_anonymous(&self, role: Role) -> Result<Contact, ApiError> {
        self.upsert(&NewContact {
            role,
            name: Some(ANONYMOUS_NAME.to_owned()),
            email: Some(ANONYMOUS_EMAIL.to_owned()),
            phone: None,
        })
        .await
    }

    async fn upsert(&self, new: &NewContact) -> Result<Contact, ApiError> {
        match self.intercom.create_contact(new).await? {
            Upserted::Created(c) => Ok(c),
            Upserted::Existing(id) => self.intercom.contact(&id).await,
        }
    }
}
