//! The engine's pruning task: every [`Retention::every`], deletes what is finished and older than the
//! retention period (see `store/retention.rs` for what is kept whatever its age).

use std::time::Duration;

use tokio::sync::watch;

use super::Retention;
use crate::clock::Clock;
use crate::metrics::{Metrics, PRUNED_TABLES};
use crate::store::Store;

/// Prunes at start and then every `retention.every`, until `shutdown` turns true.
pub(super) async fn prune(
    store: Store,
    clock: Clock,
    retention: Retention,
    passes: watch::Sender<u64>,
    metrics: Metrics,
    mut shutdown: watch::Receiver<bool>,
) {
    let keep = i64::try_from(retention.keep.as_secs()).unwrap_or(i64::MAX);
    loop {
        let cutoff = clock().saturating_sub(keep);
        let st = store.clone();
        match tokio::task::spawn_blocking(move || st.prune_before(cutoff)).await {
            Ok(Ok(pruned)) if pruned.total() > 0 => {
                tracing::info!(?pruned, "deleted what is past retention");
                let rows = [pruned.inbox, pruned.events, pruned.outbox, pruned.subjects];
                for (table, rows) in PRUNED_TABLES.into_iter().zip(rows) {
                    metrics.pruned(table, rows as u64);
                }
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "cannot delete what is past retention"),
            Err(e) => tracing::error!(error = %e, "the pruning task panicked"),
        }
        passes.send_modify(|n| *n += 1);
        tokio::select! {
            _ = tokio::time::sleep(retention.every.max(Duration::from_millis(10))) => {}
            _ = shutdown.wait_for(|s| *s) => return,
        }
    }
}
