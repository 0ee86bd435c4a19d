//! How far a sync is, as a plain value: [`SyncProgress`], published on a `tokio::sync::watch`
//! channel after every Intercom page and every Aircall write. Whoever shows it (a progress bar,
//! the hub's status) reads the channel; the engine draws nothing.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::store::{RunCounts, RunKind};

/// What a sync is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SyncPhase {
    /// Nothing is running.
    #[default]
    Idle,
    /// Reading Intercom into the local index.
    Scanning,
    /// Writing to Aircall.
    Pushing,
    /// The run finished.
    Done,
    /// The run stopped early; it resumes from its checkpoint next time.
    Stopped,
}

/// A snapshot of a run.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SyncProgress {
    /// What the run is doing.
    pub phase: SyncPhase,
    /// Full or incremental, once known.
    pub kind: Option<RunKind>,
    /// Whether this is a dry run (nothing is written).
    pub dry_run: bool,
    /// How many contacts Intercom said the scan would list.
    pub total: Option<u64>,
    /// Intercom contacts read.
    pub seen: u64,
    /// Of those, indexed by their E.164 number.
    pub indexed: u64,
    /// Of those, with a phone that is not a number.
    pub unparseable: u64,
    /// Aircall contacts created (in a dry run: that would be).
    pub created: u64,
    /// Aircall contacts changed (in a dry run: that would be).
    pub updated: u64,
    /// Aircall contacts deleted (in a dry run: that would be).
    pub deleted: u64,
    /// Contacts whose Aircall contact is already right.
    pub unchanged: u64,
    /// Contacts Aircall refused.
    pub failed: u64,
    /// Aircall contacts still to write (an estimate while the scan runs).
    pub remaining_estimate: u64,
    /// How long the rest should take, when it can be told.
    pub eta: Option<Duration>,
    /// Why the run is waiting, when it is (a vendor failing, a rate limit).
    pub waiting: Option<String>,
}

impl SyncProgress {
    /// The counters of a run, in a snapshot.
    pub(crate) fn with_counts(mut self, counts: &RunCounts) -> Self {
        self.seen = counts.seen;
        self.indexed = counts.indexed;
        self.unparseable = counts.unparseable;
        self.created = counts.created;
        self.updated = counts.updated;
        self.deleted = counts.deleted;
        self.unchanged = counts.unchanged;
        self.failed = counts.failed;
        self
    }

    /// Aircall contacts written so far.
    pub fn written(&self) -> u64 {
        self.created + self.updated + self.deleted
    }
}

/// Estimates what is left: Aircall writes go at the pacer's steady rate, Intercom pages at the
/// pace measured so far.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Estimate {
    /// Time per Aircall request at the budget.
    pub per_write: Duration,
    /// Time per Intercom page, measured.
    pub per_page: Option<Duration>,
    /// Contacts per Intercom page.
    pub page_size: u64,
}

impl Estimate {
    /// Writes still due: those known, plus, while scanning, the same share of the contacts not
    /// read yet.
    pub fn remaining(&self, todo: u64, seen: u64, total: Option<u64>, scanning: bool) -> u64 {
        match total {
            Some(total) if scanning && seen > 0 && total > seen => {
                let share = todo as f64 / seen as f64;
                todo + (share * (total - seen) as f64).round() as u64
            }
            _ => todo,
        }
    }

    /// The time left for `remaining` writes and, while scanning, the unread pages.
    pub fn eta(
        &self,
        remaining: u64,
        seen: u64,
        total: Option<u64>,
        scanning: bool,
    ) -> Option<Duration> {
        let writes = self.per_write.checked_mul(u32::try_from(remaining).ok()?)?;
        if !scanning {
            return Some(writes);
        }
        let pages_left = total?.saturating_sub(seen).div_ceil(self.page_size.max(1));
        let reading = self
            .per_page?
            .checked_mul(u32::try_from(pages_left).ok()?)?;
        Some(writes + reading)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_eta_follows_the_budget_and_extrapolates_while_scanning() {
        let estimate = Estimate {
            per_write: Duration::from_secs(1),
            per_page: Some(Duration::from_millis(100)),
            page_size: 150,
        };
        // 10,000 contacts to create at 60 a minute: 10,000 seconds, about 2.8 hours.
        assert_eq!(
            estimate.eta(10_000, 0, None, false),
            Some(Duration::from_secs(10_000))
        );
        // A third read, 100 writes found so far: 300 expected in all.
        assert_eq!(estimate.remaining(100, 1_000, Some(3_000), true), 300);
        assert_eq!(
            estimate.eta(300, 1_000, Some(3_000), true),
            Some(Duration::from_secs(300) + Duration::from_millis(1_400))
        );
        // Without a total, nothing is extrapolated and the reading time is unknown.
        assert_eq!(estimate.remaining(100, 1_000, None, true), 100);
        assert_eq!(estimate.eta(100, 1_000, None, true), None);
    }
}
