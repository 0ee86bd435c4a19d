//! The database lease of a run: while a run holds it, no other process syncs the same
//! database. It lapses after [`super::SyncOptions::lease_ttl`] unless renewed, which a
//! background task does while the run lasts, so a crashed process blocks others for one TTL at
//! most.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::engine::{SyncEngine, SyncError};
use crate::store::Store;

/// The database lease for the length of a run, renewed in the background and given back when
/// dropped. If another process took it (this one slept past its end), the run stops.
pub(super) struct Lease {
    store: Store,
    holder: String,
    lost: Arc<AtomicBool>,
    renewal: tokio::task::JoinHandle<()>,
}

impl Lease {
    pub(super) fn take(engine: &SyncEngine) -> Result<Lease, SyncError> {
        let ttl = engine.options.lease_ttl.as_secs().max(3) as i64;
        let now = engine.now();
        if let Some(held) = engine.store.sync_acquire_lease(&engine.holder, now, ttl)? {
            return Err(SyncError::Busy {
                holder: held.holder,
                seconds: held.expires_at - now,
            });
        }
        let lost = Arc::new(AtomicBool::new(false));
        let (store, holder, clock, flag) = (
            engine.store.clone(),
            engine.holder.clone(),
            engine.clock.clone(),
            lost.clone(),
        );
        let renewal = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs((ttl / 3).max(1) as u64));
            tick.tick().await;
            loop {
                tick.tick().await;
                match store.sync_acquire_lease(&holder, clock(), ttl) {
                    Ok(None) => {}
                    Ok(Some(other)) => {
                        tracing::warn!(holder = %other.holder, "another sync took the database");
                        flag.store(true, Ordering::SeqCst);
                        return;
                    }
                    Err(e) => tracing::warn!(error = %e, "cannot renew the sync lease"),
                }
            }
        });
        Ok(Lease {
            store: engine.store.clone(),
            holder: engine.holder.clone(),
            lost,
            renewal,
        })
    }

    /// Fails when another process took the database.
    pub(super) fn check(&self) -> Result<(), SyncError> {
        if self.lost.load(Ordering::SeqCst) {
            return Err(SyncError::Busy {
                holder: "another process".to_owned(),
                seconds: 0,
            });
        }
        Ok(())
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.renewal.abort();
        if let Err(e) = self.store.sync_release_lease(&self.holder) {
            tracing::warn!(error = %e, "cannot release the sync lease");
        }
    }
}
