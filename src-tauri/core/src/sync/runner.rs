//! [`SyncRunner`]: contact sync on a schedule, for the hub.
//!
//! [`SyncRunner::spawn`] starts one background task that runs [`SyncMode::Auto`] at once (so a
//! sync stopped by a restart resumes straight away), then every interval, and whenever
//! [`SyncHandle::run_now`] asks. A failed run is logged, reported on the outcome channel and
//! resumed at the next tick. The task belongs to its [`SyncHandle`]: dropping the handle stops
//! it, mid-run if need be (the checkpoints make that safe).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

use super::engine::{SyncEngine, SyncMode, SyncReport};
use super::progress::SyncProgress;

/// How a finished run went, as the runner reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunOutcome {
    /// The run finished.
    Finished(SyncReport),
    /// The run stopped; it resumes at the next tick. The error, in words.
    Stopped(String),
}

/// Contact sync every `interval`.
#[derive(Debug)]
pub struct SyncRunner {
    engine: Arc<SyncEngine>,
    interval: Duration,
}

/// The running schedule. Dropping it stops the task.
#[derive(Debug)]
pub struct SyncHandle {
    progress: watch::Receiver<SyncProgress>,
    outcomes: watch::Receiver<Option<RunOutcome>>,
    wake: Arc<Notify>,
    full: Arc<std::sync::atomic::AtomicBool>,
    task: Option<JoinHandle<()>>,
}

impl SyncRunner {
    /// A schedule for `engine`, one run every `interval` (at least a minute apart in practice:
    /// shorter intervals are allowed for tests).
    pub fn new(engine: Arc<SyncEngine>, interval: Duration) -> Self {
        SyncRunner { engine, interval }
    }

    /// Starts the schedule.
    pub fn spawn(self) -> SyncHandle {
        let progress = self.engine.progress();
        let (report, outcomes) = watch::channel(None);
        let wake = Arc::new(Notify::new());
        let full = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (engine, interval, poke, want_full) =
            (self.engine, self.interval, wake.clone(), full.clone());
        let task = tokio::spawn(async move {
            loop {
                let mode = if want_full.swap(false, std::sync::atomic::Ordering::SeqCst) {
                    SyncMode::Full
                } else {
                    SyncMode::Auto
                };
                let outcome = match engine.run(mode).await {
                    Ok(done) => RunOutcome::Finished(done),
                    Err(e) => RunOutcome::Stopped(e.to_string()),
                };
                report.send_replace(Some(outcome));
                tokio::select! {
                    _ = tokio::time::sleep(interval) => {}
                    _ = poke.notified() => {}
                }
            }
        });
        SyncHandle {
            progress,
            outcomes,
            wake,
            full,
            task: Some(task),
        }
    }
}

impl SyncHandle {
    /// The progress of the current or last run.
    pub fn progress(&self) -> watch::Receiver<SyncProgress> {
        self.progress.clone()
    }

    /// The outcome of each run as it ends (`None` before the first).
    pub fn outcomes(&self) -> watch::Receiver<Option<RunOutcome>> {
        self.outcomes.clone()
    }

    /// Starts a run now rather than at the next tick (after the current one, if one is
    /// running); `full` asks for a full run.
    pub fn run_now(&self, full: bool) {
        if full {
            self.full.store(true, std::sync::atomic::Ordering::SeqCst);
        }
        self.wake.notify_one();
    }

    /// Stops the schedule and waits for the task to end. A run in progress stops where it is
    /// and resumes from its checkpoint next time.
    pub async fn shutdown(mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            // A cancelled task ends with a "cancelled" error: that is the point.
            let _ = task.await;
        }
    }
}

impl Drop for SyncHandle {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}
