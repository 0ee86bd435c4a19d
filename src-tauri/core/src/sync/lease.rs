//! The database lease of a run: while a run holds it, no other process syncs the same
//! database. It lapses after its time to live ([`super::SyncOptions::lease_ttl`]) unless renewed, which a
//! background task does while the run lasts, so a crashed process blocks others for one TTL at
//! most.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::clock::Clock;
use crate::store::{Store, StoreError};

/// Another process holds the database.
#[derive(Debug)]
pub(super) struct Held {
    /// Who holds it.
    pub(super) holder: String,
    /// How long its lease still lasts, in seconds.
    pub(super) seconds: i64,
}

/// The database lease for the length of a run, renewed in the background and given back when
/// dropped. If another process took it (this one slept past its end), the run stops.
pub(super) struct Lease {
    store: Store,
    holder: String,
    lost: Arc<AtomicBool>,
    renewal: tokio::task::JoinHandle<()>,
}

impl Lease {
    /// Takes the lease for `holder` for `ttl` (3 s at least), or says who holds it.
    pub(super) fn take(
        store: &Store,
        holder: &str,
        clock: &Clock,
        ttl: Duration,
    ) -> Result<Result<Lease, Held>, StoreError> {
        let ttl = ttl.as_secs().max(3) as i64;
        let now = clock();
        if let Some(held) = store.sync_acquire_lease(holder, now, ttl)? {
            return Ok(Err(Held {
                holder: held.holder,
                seconds: held.expires_at - now,
            }));
        }
        let (store_for_drop, holder_for_drop) = (store.clone(), holder.to_owned());
        let lost = Arc::new(AtomicBool::new(false));
        let (store, holder, clock, flag) = (
            store.clone(),
            holder.to_owned(),
            clock.clone(),
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
        Ok(Ok(Lease {
            store: store_for_drop,
            holder: holder_for_drop,
            lost,
            renewal,
        }))
    }

    /// Fails when another process took the database.
    pub(super) fn check(&self) -> Result<(), Held> {
        if self.lost.load(Ordering::SeqCst) {
            return Err(Held {
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
