//! The one directory of the team: Intercom's admins (who owns a conversation, whom to assign,
//! whom a note is written as) and Aircall's users (whose phone rings, whether they are free),
//! read through the store's caches with one freshness. The card builder, the executor and the
//! engine's dialing all ask it, so they cannot disagree on who a teammate is.

use std::sync::Arc;
use std::time::Duration;

use crate::clock::Clock;
use crate::error::ApiError;
use crate::intercom::{Admin, IntercomClient, Me};
use crate::pacing::Priority;
use crate::store::{CachedAircallUser, IntercomIdentity, Store, StoreError};

/// Who an Intercom token is (its workspace and its admin): remembered in the store under the
/// token's identity `key`, else read with `me` (the caller's read of `/me`, with its own
/// retries) and remembered.
pub async fn intercom_identity<E, F, Fut>(
    store: &Store,
    key: &str,
    me: F,
) -> Result<IntercomIdentity, E>
where
    E: From<StoreError>,
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<Me, E>>,
{
    let owned = key.to_owned();
    if let Some(known) = store.run(move |s| s.intercom_identity(&owned)).await? {
        return Ok(known);
    }
    let identity = IntercomIdentity::from(&me().await?);
    let (owned, kept) = (key.to_owned(), identity.clone());
    store
        .run(move |s| s.set_intercom_identity(&owned, &kept))
        .await?;
    Ok(identity)
}

/// How long after a list of admins was read an email it lacks is looked up again: a teammate
/// just added is found within a minute, and a note by an unknown email does not read the list
/// at every effect.
const MISSING_EMAIL_RECHECK: Duration = Duration::from_secs(60);

/// Intercom's admins and Aircall's users. Cheap to clone; clones share one read at a time.
#[derive(Clone)]
pub struct Directory {
    intercom: IntercomClient,
    store: Store,
    clock: Clock,
    /// How long a list of admins is trusted.
    fresh_for: Duration,
    /// Held while the admins are read, so that a burst of cards makes one request.
    reading: Arc<tokio::sync::Mutex<()>>,
}

impl std::fmt::Debug for Directory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Directory")
            .field("fresh_for", &self.fresh_for)
            .finish_non_exhaustive()
    }
}

impl Directory {
    /// A directory over this client and store; a list of admins is trusted for `fresh_for`.
    pub fn new(intercom: IntercomClient, store: Store, clock: Clock, fresh_for: Duration) -> Self {
        Directory {
            intercom,
            store,
            clock,
            fresh_for,
            reading: Arc::default(),
        }
    }

    /// The same directory, its Intercom reads at `priority`.
    pub fn at(&self, priority: Priority) -> Self {
        Directory {
            intercom: self.intercom.at(priority),
            ..self.clone()
        }
    }

    fn now(&self) -> i64 {
        (self.clock)()
    }

    fn fresh(&self, read_at: i64) -> bool {
        self.now().saturating_sub(read_at) < self.fresh_for.as_secs() as i64
    }

    async fn cached(&self) -> (Vec<Admin>, Option<i64>) {
        self.store.run(|s| s.admins()).await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "cannot read cached admins");
            (Vec::new(), None)
        })
    }

    /// The admins, for a card. While a list is cached this never waits for Intercom: a stale
    /// list is refreshed in the background (one read at a time) and used meanwhile. Only with
    /// nothing cached (a hub's first card, unless the cards were warmed) does it wait, for the
    /// one read every caller then shares. A failed read falls back to the cache.
    pub async fn admins(&self) -> Vec<Admin> {
        match self.cached().await {
            (admins, Some(at)) if self.fresh(at) => admins,
            (admins, Some(_)) => {
                if let Ok(turn) = self.reading.clone().try_lock_owned() {
                    let directory = self.clone();
                    tokio::spawn(async move {
                        directory.read_admins().await;
                        drop(turn);
                    });
                }
                admins
            }
            (_, None) => {
                let _one_read_at_a_time = self.reading.lock().await;
                match self.cached().await {
                    // Another caller read them while this one waited for its turn.
                    (admins, Some(_)) => admins,
                    (_, None) => self.read_admins().await,
                }
            }
        }
    }

    /// Reads the admins from Intercom and caches them; on failure, the cached ones.
    async fn read_admins(&self) -> Vec<Admin> {
        match self.intercom.admins().await {
            Ok(admins) => {
                self.keep(&admins).await;
                admins
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot list Intercom admins; owner names may be missing");
                self.cached().await.0
            }
        }
    }

    async fn keep(&self, admins: &[Admin]) {
        let (kept, now) = (admins.to_vec(), self.now());
        if let Err(e) = self.store.run(move |s| s.replace_admins(&kept, now)).await {
            tracing::warn!(error = %e, "cannot cache Intercom's admins");
        }
    }

    /// The id of the Intercom admin with this email (any letter case), for an assignment or
    /// a note's author. From the cached list while it is fresh; an email it lacks is looked
    /// up again once the list is a minute old (a teammate just added).
    pub async fn admin_by_email(&self, email: &str) -> Result<Option<String>, ApiError> {
        let find = |admins: &[Admin]| {
            admins
                .iter()
                .find(|a| {
                    a.email
                        .as_deref()
                        .is_some_and(|e| e.trim().eq_ignore_ascii_case(email.trim()))
                })
                .map(|a| a.id.clone())
        };
        if let (cached, Some(at)) = self.cached().await {
            if self.fresh(at) {
                if let Some(id) = find(&cached) {
                    return Ok(Some(id));
                }
                if self.now().saturating_sub(at) < MISSING_EMAIL_RECHECK.as_secs() as i64 {
                    return Ok(None);
                }
            }
        }
        let admins = self.intercom.admins().await?;
        self.keep(&admins).await;
        Ok(find(&admins))
    }

    /// The Aircall user with this email (any letter case), as last read from Aircall (the
    /// card builder keeps the list and the availabilities fresh).
    pub async fn aircall_user(&self, email: &str) -> Result<Option<CachedAircallUser>, StoreError> {
        let email = email.trim().to_owned();
        if email.is_empty() {
            return Ok(None);
        }
        self.store
            .run(move |s| s.aircall_user_by_email(&email))
            .await
    }
}
