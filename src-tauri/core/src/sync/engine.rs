//! [`SyncEngine`]: one run of contact sync, from the Intercom scan to the last Aircall write.
//!
//! A run first reads Intercom page by page (every contact for a full run, the recently updated
//! ones for an incremental run) into the local index and the targets, then writes to Aircall
//! what differs, contact by contact. Both halves checkpoint in SQLite, so a run stopped at any
//! point (a crash, a dropped future, a dead network) resumes where it stopped. Every request
//! goes at [`Priority::Bulk`] through the clients' shared pacers, so ringing calls overtake it
//! and Aircall's company budget is never exceeded. A lease in the database keeps a second
//! process from syncing the same data at the same time.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{watch, Mutex};

use super::lease::{Held, Lease};
use super::progress::{Estimate, SyncPhase, SyncProgress};
use crate::aircall::AircallClient;
use crate::card::{system_clock, Clock};
use crate::domain::plan::{Reading, Roles, Target};
use crate::error::ApiError;
use crate::intercom::{ContactPage, IntercomClient, Query, MAX_PER_PAGE};
use crate::pacing::Priority;
use crate::phone::Region;
use crate::store::{RunKind, RunPhase, Scanned, Store, StoreError, SyncRun};

/// How a sync runs.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Which contacts go to Aircall (the index always holds every role).
    pub roles: Roles,
    /// Region in which national numbers are read.
    pub default_region: Region,
    /// Intercom contacts per page (at most 150).
    pub per_page: u32,
    /// How far before the last run an incremental run looks. Intercom compares dates by whole
    /// days in the workspace's time zone and indexes new contacts for search with a delay, so
    /// this must cover a day and a time-zone offset at least.
    pub overlap: Duration,
    /// With [`SyncMode::Auto`], a full run (which finds deleted contacts) once the last one is
    /// this old.
    pub full_every: Duration,
    /// How long failing requests (5xx, timeouts, no network, rate limits) are retried before
    /// the run stops.
    pub patience: Duration,
    /// The first wait between those retries; it doubles up to a minute.
    pub retry_backoff: Duration,
    /// How long the database lease lasts without renewal.
    pub lease_ttl: Duration,
}

impl SyncOptions {
    /// The options the configuration asks for (region, roles, how often a full run).
    pub fn from_config(config: &crate::config::Config) -> Self {
        let mut options = SyncOptions::new(config.default_region);
        options.roles = config.sync.roles;
        options.full_every = config.sync.full_every;
        options
    }

    /// The defaults for a workspace whose national numbers read in `default_region`.
    pub fn new(default_region: Region) -> Self {
        SyncOptions {
            roles: Roles::Both,
            default_region,
            per_page: MAX_PER_PAGE,
            overlap: Duration::from_secs(2 * 86_400),
            full_every: Duration::from_secs(86_400),
            patience: Duration::from_secs(5 * 60),
            retry_backoff: Duration::from_secs(1),
            lease_ttl: Duration::from_secs(120),
        }
    }
}

/// Which kind of run to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SyncMode {
    /// Resume a stopped run; else a full run when none finished yet, the roles changed or the
    /// last full run is older than [`SyncOptions::full_every`]; else an incremental run.
    Auto,
    /// A full run (a stopped full run is resumed).
    Full,
    /// An incremental run, unless no full run ever finished.
    Incremental,
}

/// Why a run did not finish.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// A vendor failed past the patience (or refused the credentials). The run resumes from
    /// its checkpoint next time.
    #[error("{0}")]
    Api(#[from] ApiError),
    /// The local database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Another sync holds the database.
    #[error("another contact sync ({holder}) is running on this database; it holds it for {seconds} more seconds unless it stops")]
    Busy {
        /// Who holds it.
        holder: String,
        /// How long its lease still lasts.
        seconds: i64,
    },
}

/// What a finished run did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SyncReport {
    /// The run's number.
    pub run_id: i64,
    /// Full or incremental.
    pub kind: RunKind,
    /// Whether it resumed a stopped run.
    pub resumed: bool,
    /// Its counters (a resumed run's include what it did before it stopped).
    pub counts: crate::store::RunCounts,
    /// UNIX seconds.
    pub started_at: i64,
    /// UNIX seconds.
    pub finished_at: i64,
}

impl From<Held> for SyncError {
    fn from(held: Held) -> Self {
        SyncError::Busy {
            holder: held.holder,
            seconds: held.seconds,
        }
    }
}

/// Runs contact sync. Share it in an `Arc`; runs on one engine never overlap.
pub struct SyncEngine {
    pub(super) intercom: IntercomClient,
    pub(super) aircall: AircallClient,
    pub(super) store: Store,
    pub(super) options: SyncOptions,
    pub(super) clock: Clock,
    progress: watch::Sender<SyncProgress>,
    pub(super) running: Mutex<()>,
    /// Held while one contact is written to Aircall (by a run or a notification).
    pub(super) pushing: Mutex<()>,
    pub(super) holder: String,
}

impl std::fmt::Debug for SyncEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncEngine")
            .field("options", &self.options)
            .field("holder", &self.holder)
            .finish_non_exhaustive()
    }
}

impl SyncEngine {
    /// An engine over these clients and this store. Both clients are used at bulk priority.
    pub fn new(
        intercom: IntercomClient,
        aircall: AircallClient,
        store: Store,
        options: SyncOptions,
    ) -> Self {
        static INSTANCES: AtomicU64 = AtomicU64::new(0);
        let holder = format!(
            "process {} sync {}",
            std::process::id(),
            INSTANCES.fetch_add(1, Ordering::Relaxed)
        );
        SyncEngine {
            intercom: intercom.at(Priority::Bulk),
            aircall: aircall.at(Priority::Bulk),
            store,
            options,
            clock: system_clock(),
            progress: watch::channel(SyncProgress::default()).0,
            running: Mutex::new(()),
            pushing: Mutex::new(()),
            holder,
        }
    }

    /// Replaces the clock (UNIX seconds) that dates runs and leases.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The options.
    pub fn options(&self) -> &SyncOptions {
        &self.options
    }

    /// The progress of the current or last run; every change is published.
    pub fn progress(&self) -> watch::Receiver<SyncProgress> {
        self.progress.subscribe()
    }

    pub(super) fn now(&self) -> i64 {
        (self.clock)()
    }

    pub(super) fn publish(&self, progress: SyncProgress) {
        self.progress.send_replace(progress);
    }

    /// Runs (or resumes) a sync to its end.
    pub async fn run(&self, mode: SyncMode) -> Result<SyncReport, SyncError> {
        let _one_at_a_time = self.running.lock().await;
        let lease = Lease::take(
            &self.store,
            &self.holder,
            &self.clock,
            self.options.lease_ttl,
        )
        .await??;
        let (options, now) = (self.options.clone(), self.now());
        let (run, resumed) = self
            .store
            .run(move |s| choose_run(s, &options, mode, now))
            .await?;
        tracing::info!(run = run.id, kind = ?run.kind, resumed, "contact sync starts");
        let result = self.finish(run.clone(), &lease).await;
        match &result {
            Ok(report) => {
                tracing::info!(run = report.run_id, counts = ?report.counts, "contact sync done")
            }
            Err(e) => {
                let (id, why) = (run.id, e.to_string());
                let recorded = self
                    .store
                    .run(move |s| s.sync_interrupt_run(id, &why))
                    .await;
                if let Err(store) = recorded {
                    tracing::warn!(error = %store, "cannot record why the sync stopped");
                }
                let stopped = self.progress.borrow().clone();
                self.publish(SyncProgress {
                    phase: SyncPhase::Stopped,
                    waiting: None,
                    ..stopped
                });
                tracing::warn!(run = run.id, error = %e, "contact sync stopped; it resumes next time");
            }
        }
        result.map(|mut report| {
            report.resumed = resumed;
            report
        })
    }

    async fn finish(&self, mut run: SyncRun, lease: &Lease) -> Result<SyncReport, SyncError> {
        let workspace = self.workspace_id().await?;
        if run.phase == RunPhase::Scan {
            self.scan(&mut run, &workspace, lease).await?;
        }
        self.push(&run, lease).await?;
        let finished_at = self.now();
        let run = self
            .store
            .run(move |s| {
                s.sync_finish_run(run.id, finished_at)?;
                Ok(s.sync_run(run.id)?.unwrap_or(run))
            })
            .await?;
        self.publish(
            SyncProgress {
                phase: SyncPhase::Done,
                kind: Some(run.kind),
                total: run.total,
                ..SyncProgress::default()
            }
            .with_counts(&run.counts),
        );
        Ok(SyncReport {
            run_id: run.id,
            kind: run.kind,
            resumed: false,
            counts: run.counts,
            started_at: run.started_at,
            finished_at,
        })
    }

    /// The Intercom workspace id (for profile links), remembered in the store for this token.
    pub(super) async fn workspace_id(&self) -> Result<String, SyncError> {
        let me = || self.patiently(|| self.intercom.me());
        let identity =
            crate::directory::intercom_identity(&self.store, self.intercom.identity_key(), me)
                .await?;
        Ok(identity.workspace_id)
    }

    /// One page of the scan: every contact, or those updated after `since`.
    pub(super) async fn page(
        &self,
        kind: RunKind,
        since: Option<i64>,
        cursor: Option<&str>,
    ) -> Result<ContactPage, SyncError> {
        let per_page = self.options.per_page;
        match (kind, since) {
            (RunKind::Incremental, Some(since)) => {
                let query = Query::filter("updated_at", ">", since.into());
                self.patiently(|| self.intercom.search_contacts(&query, per_page, cursor))
                    .await
            }
            _ => {
                self.patiently(|| self.intercom.list_contacts(per_page, cursor))
                    .await
            }
        }
    }

    /// What a scanned contact means: its phone read, and the Aircall contact wanted for it.
    pub(super) fn scanned(&self, contact: crate::intercom::Contact, workspace: &str) -> Scanned {
        let reading = Reading::of(&contact, self.options.default_region);
        let target = match &reading {
            Reading::Number(number) if self.options.roles.includes(contact.role) => {
                Some(Target::of(&contact, number, workspace))
            }
            _ => None,
        };
        Scanned {
            contact,
            reading,
            target,
        }
    }

    async fn scan(
        &self,
        run: &mut SyncRun,
        workspace: &str,
        lease: &Lease,
    ) -> Result<(), SyncError> {
        let started = tokio::time::Instant::now();
        let mut pages = 0u32;
        let mut restarted = false;
        loop {
            lease.check()?;
            let page = match self.page(run.kind, run.since, run.cursor.as_deref()).await {
                Ok(page) => page,
                // A saved cursor may have expired while the run was stopped: read again from
                // the first page (recording a page twice changes nothing).
                Err(SyncError::Api(ApiError::Rejected { .. }))
                    if run.cursor.is_some() && !restarted =>
                {
                    tracing::warn!(
                        run = run.id,
                        "Intercom refused the saved cursor; the scan starts over"
                    );
                    let id = run.id;
                    self.store.run(move |s| s.sync_restart_scan(id)).await?;
                    run.cursor = None;
                    restarted = true;
                    continue;
                }
                Err(e) => return Err(e),
            };
            pages += 1;
            let new_total = page.total.filter(|_| run.total.is_none());
            if new_total.is_some() {
                run.total = new_total;
            }
            let scanned: Vec<Scanned> = page
                .contacts
                .into_iter()
                .map(|c| self.scanned(c, workspace))
                .collect();
            // The page, its counters and what the progress shows, in one trip to the store.
            let (recorded, next, now) = (run.clone(), page.next.clone(), self.now());
            let counts = self
                .store
                .run(move |s| {
                    if let Some(total) = new_total {
                        s.sync_set_total(recorded.id, total)?;
                    }
                    s.sync_record_page(&recorded, &scanned, next.as_deref(), now)?;
                    progress_of(s, recorded.id, None)
                })
                .await?;
            run.cursor = page.next;
            let per_page = started.elapsed() / pages;
            self.publish_counts(counts, SyncPhase::Scanning, Some(per_page));
            if run.cursor.is_none() {
                break;
            }
        }
        Ok(())
    }

    /// Publishes a run's counters from the store, with what is left.
    /// `todo` is the number of contacts still due for Aircall when the caller knows it (the
    /// push counts down); otherwise the store counts them.
    pub(super) async fn publish_run(
        &self,
        run_id: i64,
        phase: SyncPhase,
        per_page: Option<Duration>,
        todo: Option<u64>,
    ) -> Result<(), SyncError> {
        let counts = self
            .store
            .run(move |s| progress_of(s, run_id, todo))
            .await?;
        self.publish_counts(counts, phase, per_page);
        Ok(())
    }

    /// Publishes a run's counters as [`progress_of`] read them, with what is left (nothing
    /// when the run is unknown).
    pub(super) fn publish_counts(
        &self,
        counts: Option<(SyncRun, u64)>,
        phase: SyncPhase,
        per_page: Option<Duration>,
    ) {
        let Some((run, todo)) = counts else {
            return;
        };
        let scanning = phase == SyncPhase::Scanning;
        let estimate = self.estimate(per_page);
        let remaining = estimate.remaining(todo, run.counts.seen, run.total, scanning);
        self.publish(
            SyncProgress {
                phase,
                kind: Some(run.kind),
                total: run.total,
                remaining_estimate: remaining,
                eta: estimate.eta(remaining, run.counts.seen, run.total, scanning),
                ..SyncProgress::default()
            }
            .with_counts(&run.counts),
        );
    }

    pub(super) fn estimate(&self, per_page: Option<Duration>) -> Estimate {
        let budget = self.aircall.pacer().budget();
        let steady = budget.requests.saturating_sub(budget.burst).max(1);
        Estimate {
            per_write: budget.period / steady,
            per_page,
            page_size: u64::from(self.options.per_page),
        }
    }

    /// Calls `op` until it succeeds, fails for good, or keeps failing for longer than the
    /// patience. Only failures that may pass are retried: 5xx, timeouts, network, 429.
    pub(super) async fn patiently<T, F, Fut>(&self, mut op: F) -> Result<T, SyncError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, ApiError>>,
    {
        let deadline = tokio::time::Instant::now() + self.options.patience;
        let mut wait = self.options.retry_backoff;
        loop {
            match op().await {
                Ok(value) => {
                    self.clear_waiting();
                    return Ok(value);
                }
                Err(e) if e.is_transient() && tokio::time::Instant::now() + wait < deadline => {
                    tracing::warn!(error = %e, wait_ms = wait.as_millis() as u64, "contact sync waits");
                    let mut progress = self.progress.borrow().clone();
                    progress.waiting = Some(format!("{e}; retrying in {}s", wait.as_secs().max(1)));
                    self.publish(progress);
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(60));
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    fn clear_waiting(&self) {
        if self.progress.borrow().waiting.is_some() {
            let mut progress = self.progress.borrow().clone();
            progress.waiting = None;
            self.publish(progress);
        }
    }
}

/// The run to do: a stopped one to resume, or a new one of the right kind.
fn choose_run(
    store: &Store,
    options: &SyncOptions,
    mode: SyncMode,
    now: i64,
) -> Result<(SyncRun, bool), StoreError> {
    let roles = options.roles;
    if let Some(open) = store.sync_open_run()? {
        let fits = open.roles == roles && (mode != SyncMode::Full || open.kind == RunKind::Full);
        if fits {
            return Ok((open, true));
        }
        store.sync_abandon_run(open.id, now)?;
    }
    let (kind, since) = next_kind(store, options, mode, now)?;
    Ok((store.sync_begin_run(kind, roles, since, now)?, false))
}

/// The kind of a new run at `now` and, for an incremental one, its `updated_at` bound.
pub(super) fn next_kind(
    store: &Store,
    options: &SyncOptions,
    mode: SyncMode,
    now: i64,
) -> Result<(RunKind, Option<i64>), StoreError> {
    let last = store.sync_last_done(None)?;
    let last_full = store.sync_last_done(Some(RunKind::Full))?;
    let (Some(last), Some(last_full)) = (last, last_full) else {
        return Ok((RunKind::Full, None));
    };
    let full_due = now - last_full.started_at >= options.full_every.as_secs() as i64;
    let full = match mode {
        SyncMode::Full => true,
        _ if last.roles != options.roles => true,
        SyncMode::Auto => full_due,
        SyncMode::Incremental => false,
    };
    if full {
        return Ok((RunKind::Full, None));
    }
    Ok((
        RunKind::Incremental,
        Some(last.started_at - options.overlap.as_secs() as i64),
    ))
}

/// A run's counters and how many contacts are still due for Aircall (`todo` when the caller
/// knows it, else counted), or `None` when the run is unknown.
pub(super) fn progress_of(
    store: &Store,
    run_id: i64,
    todo: Option<u64>,
) -> Result<Option<(SyncRun, u64)>, StoreError> {
    let Some(run) = store.sync_run(run_id)? else {
        return Ok(None);
    };
    let todo = match todo {
        Some(todo) => todo,
        None => store.sync_todo_count()?,
    };
    Ok(Some((run, todo)))
}
