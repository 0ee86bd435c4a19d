//! The hub's pruning task: every `prune_every`, deletes what is finished and older than the
//! retention period (see `store/retention.rs` for what is kept whatever its age).

use std::time::Duration;

use tokio::sync::watch;

use super::HubLimits;
use crate::card::Clock;
use crate::store::Store;

/// Prunes at start and then every `limits.prune_every`, until `shutdown` turns true.
pub(super) async fn prune(
    store: Store,
    clock: Clock,
    limits: HubLimits,
    passes: watch::Sender<u64>,
    mut shutdown: watch::Receiver<bool>,
) {
    let retention = i64::try_from(limits.retention.as_secs()).unwrap_or(i64::MAX);
    loop {
        let cutoff = clock().saturating_sub(retention);
        let st = store.clone();
        match tokio::task::spawn_blocking(move || st.prune_before(cutoff)).await {
            Ok(Ok(pruned)) if pruned.total() > 0 => {
                tracing::info!(?pruned, "deleted what is past retention");
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "cannot delete what is past retention"),
            Err(e) => tracing::error!(error = %e, "the pruning task panicked"),
        }
        passes.send_modify(|n| *n += 1);
        tokio::select! {
            _ = tokio::time::sleep(limits.prune_every.max(Duration::from_millis(10))) => {}
            _ = shutdown.wait_for(|s| *s) => return,
        }
    }
}
