//! The workspace's away reasons, read with `GET /away_status_reasons` and kept a few minutes:
//! a phase's reason is found by its label (any letter case, never a deleted one). A workspace
//! that requires a reason but has none named as the settings say falls back to the on-call
//! reason, then to its first reason.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use crate::domain::presence::{reason_named, ReasonFor};
use crate::intercom::IntercomClient;

/// How long a list of reasons is trusted.
const FRESH_FOR: Duration = Duration::from_secs(300);

/// After a failed read, how long the hub goes without reasons before reading again.
const AFTER_A_FAILURE: Duration = Duration::from_secs(30);

/// The reasons as `(id, label, deleted)`, and when they were read.
type Kept = Option<(Instant, Vec<(i64, String, bool)>)>;

/// The workspace's away reasons, cached. Cheap to clone: clones share the cache.
#[derive(Clone)]
pub(super) struct Reasons {
    intercom: IntercomClient,
    kept: Arc<Mutex<Kept>>,
}

impl Reasons {
    pub(super) fn new(intercom: IntercomClient) -> Self {
        Reasons {
            intercom,
            kept: Arc::default(),
        }
    }

    /// The reasons, read again when the list is older than a few minutes. A failed read
    /// counts as no reasons for a short while (away without a reason still works).
    async fn all(&self) -> Vec<(i64, String, bool)> {
        let mut kept = self.kept.lock().await;
        if let Some((at, reasons)) = kept.as_ref() {
            if at.elapsed() < FRESH_FOR {
                return reasons.clone();
            }
        }
        let reasons: Vec<(i64, String, bool)> = match self.intercom.away_reasons().await {
            Ok(list) => list
                .into_iter()
                .map(|r| (r.id, r.label, r.deleted))
                .collect(),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read Intercom's away reasons; teammates are set away without one");
                let stale = Instant::now()
                    .checked_sub(FRESH_FOR.saturating_sub(AFTER_A_FAILURE))
                    .unwrap_or_else(Instant::now);
                *kept = Some((stale, Vec::new()));
                return Vec::new();
            }
        };
        *kept = Some((Instant::now(), reasons.clone()));
        reasons
    }

    /// The id of the reason with this label, when the workspace has one.
    pub(super) async fn named(&self, label: &str) -> Option<i64> {
        reason_named(&self.all().await, label)
    }

    /// A reason to use when the workspace requires one: the on-call reason for a wrap-up,
    /// else the first one not deleted.
    pub(super) async fn fallback(&self, role: ReasonFor, labels: (String, String)) -> Option<i64> {
        let all = self.all().await;
        let own = match role {
            ReasonFor::OnCall => reason_named(&all, &labels.0),
            ReasonFor::WrapUp => reason_named(&all, &labels.1),
        };
        own.or_else(|| reason_named(&all, &labels.0))
            .or_else(|| all.iter().find(|(_, _, deleted)| !deleted).map(|r| r.0))
    }

    /// Forgets the list (a reason was deleted since it was read).
    pub(super) async fn forget(&self) {
        *self.kept.lock().await = None;
    }
}
