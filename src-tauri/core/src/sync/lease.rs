//! The database lease of a run: while a run holds it, no other process syncs the same
//! database. It lapses after its time to live ([`super::SyncOptions::lease_ttl`]) unless renewed, which a
//! background task does while the run lasts, so a crashed process blocks others for one TTL at
//! most.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::clock::Clock;
use crate::store::{LeaseHeld, Store, StoreError};

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
    lost: Arc<AtomicBool>,
    renewal: tokio::task::JoinHandle<()>,
    /// Dropped after `renewal` is aborted: gives the lease back.
    _give_back: GiveBack,
}

impl Lease {
    /// Takes the lease for `holder` for `ttl` (3 s at least), or says who holds it.
    ///
    /// Cancel-safe: when the future is dropped while the store takes the lease, the lease is
    /// given back (or not taken at all).
    pub(super) async fn take(
        store: &Store,
        holder: &str,
        clock: &Clock,
        ttl: Duration,
    ) -> Result<Result<Lease, Held>, StoreError> {
        let ttl = ttl.as_secs().max(3) as i64;
        let now = clock();
        let mut give_back = GiveBack {
            store: store.clone(),
            holder: holder.to_owned(),
            released: Arc::new(Mutex::new(false)),
            armed: true,
        };
        let taken = store
            .run({
                let (holder, released) = (holder.to_owned(), give_back.released.clone());
                move |s| acquire(s, &released, &holder, now, ttl)
            })
            .await;
        let held = match taken {
            Ok(held) => held,
            Err(e) => {
                // Nothing was taken.
                give_back.armed = false;
                return Err(e);
            }
        };
        if let Some(held) = held {
            give_back.armed = false;
            return Ok(Err(Held {
                holder: held.holder,
                seconds: held.expires_at - now,
            }));
        }
        let lost = Arc::new(AtomicBool::new(false));
        let (store, holder, clock, flag, released) = (
            store.clone(),
            holder.to_owned(),
            clock.clone(),
            lost.clone(),
            give_back.released.clone(),
        );
        let renewal = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs((ttl / 3).max(1) as u64));
            tick.tick().await;
            loop {
                tick.tick().await;
                let (holder, now, released) = (holder.clone(), clock(), released.clone());
                let renewed = store
                    .run(move |s| acquire(s, &released, &holder, now, ttl))
                    .await;
                match renewed {
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
            lost,
            renewal,
            _give_back: give_back,
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
    }
}

/// Takes or renews the lease, unless it was given back: a take or a renewal runs on a blocking
/// thread, which neither dropping its future nor aborting its task reaches, so it looks at
/// `released` under its lock (the one [`GiveBack`] takes) before it writes.
fn acquire(
    store: &Store,
    released: &Mutex<bool>,
    holder: &str,
    now: i64,
    ttl: i64,
) -> Result<Option<LeaseHeld>, StoreError> {
    let released = released.lock().unwrap_or_else(|e| e.into_inner());
    if *released {
        return Ok(None);
    }
    store.sync_acquire_lease(holder, now, ttl)
}

/// Gives the lease back when dropped, if `armed`.
struct GiveBack {
    store: Store,
    holder: String,
    /// Set when the lease is given back; no take or renewal writes after that.
    released: Arc<Mutex<bool>>,
    armed: bool,
}

impl Drop for GiveBack {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        *self.released.lock().unwrap_or_else(|e| e.into_inner()) = true;
        // The one store call of contact sync made on the caller's thread, which may be one of
        // the runtime's: `drop` cannot await `Store::run`, and giving the lease back later, on a
        // task of its own, would leave it held after the run ends (for good if the runtime is
        // shutting down). It is a single-row delete.
        if let Err(e) = self.store.sync_release_lease(&self.holder) {
            tracing::warn!(error = %e, "cannot release the sync lease");
        }
    }
}
