//! What the hub tells agents: call states, cards, logging outcomes and availability changes.
//! Every event is written to the event log first (so a reconnecting agent can replay it with
//! `Last-Event-ID`), then announced to the live streams.

use tokio::sync::watch;

use crate::card::Clock;
use crate::store::{Store, StoreError};

pub use crate::domain::event::{ActionKind, HubEvent};

/// Writes events to the log and tells the open streams. Cheap to clone.
#[derive(Clone)]
pub struct Announcer {
    store: Store,
    clock: Clock,
    latest: watch::Sender<i64>,
}

impl std::fmt::Debug for Announcer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Announcer")
            .field("latest", &*self.latest.borrow())
            .finish_non_exhaustive()
    }
}

impl Announcer {
    /// An announcer over this store's event log.
    pub fn new(store: Store, clock: Clock) -> Self {
        let last = store.last_event_id().unwrap_or(0);
        Announcer {
            store,
            clock,
            latest: watch::channel(last).0,
        }
    }

    /// The clock's time.
    pub fn now(&self) -> i64 {
        (self.clock)()
    }

    /// Appends the event for these agents (empty: everyone) and tells the streams; returns its
    /// id.
    pub async fn announce(
        &self,
        event: &HubEvent,
        audience: Vec<String>,
    ) -> Result<i64, StoreError> {
        let new = event.to_new(audience);
        let now = (self.clock)();
        let id = self
            .store
            .run(move |s| s.log_event(now, &new.audience, &new.kind, &new.payload))
            .await?;
        self.announced(id);
        Ok(id)
    }

    /// Tells the streams about an event written with other changes, once they are committed.
    pub fn announced(&self, id: i64) {
        self.latest.send_if_modified(|latest| {
            let newer = id > *latest;
            *latest = (*latest).max(id);
            newer
        });
    }

    /// Tells the streams about events written elsewhere (with a webhook's processing).
    pub async fn written(&self) {
        if let Ok(id) = self.store.run(|s| s.last_event_id()).await {
            self.announced(id);
        }
    }

    /// The id of the newest event, as it changes.
    pub fn subscribe(&self) -> watch::Receiver<i64> {
        self.latest.subscribe()
    }
}
