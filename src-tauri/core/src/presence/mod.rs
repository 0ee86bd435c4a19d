//! Presence follows the phone: an agent on an Aircall call, then in its wrap-up, is set away in
//! Intercom (so Intercom stops assigning them chats) and brought back to the state they had
//! before; the other way, optionally, an agent away in Intercom by their own choice becomes
//! unavailable in Aircall, and available again when they come back.
//!
//! The processor records Aircall's signals on each agent's presence row (`store::around::
//! presence`), and the agent's "Done" and opt-out do too; this task wakes on them, on the
//! nearest deadline (a wrap-up's timer) and on a change of settings. For each changed row it
//! asks `domain::presence` what the hub wants, reads the teammate back before changing them
//! (an away mode the hub did not set means the agent chose it: the hub leaves them alone until
//! their next call), records what it is about to set, sets it, and records what Intercom
//! answered. Nothing is held in memory that a crash would lose: after a restart the rows still
//! due are acted on, and deadlines passed meanwhile end their phases.

mod reasons;

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::{watch, Notify};

use crate::aircall::AircallClient;
use crate::clock::Clock;
use crate::directory::Directory;
use crate::domain::presence::{Away, Judgement, PresenceRow, ReasonFor, Want};
use crate::error::ApiError;
use crate::intercom::{AwayMode, AwayRefusal, IntercomClient};
use crate::metrics::Metrics;
use crate::pipeline::events::Announcer;
use crate::pipeline::LiveSettings;
use crate::rules::Settings;
use crate::store::{Store, StoreError};

use reasons::Reasons;

/// Rows acted on at once (each makes two or three requests).
const AT_ONCE: usize = 8;

/// The longest the task sleeps without a signal (a missed wake costs at most this).
const LONGEST_SLEEP: Duration = Duration::from_secs(30);

/// What the presence task runs with.
#[derive(Clone)]
pub struct PresenceConfig {
    /// The database.
    pub store: Store,
    /// Intercom (teammates' away mode and the workspace's reasons).
    pub intercom: IntercomClient,
    /// Aircall, for the reverse direction.
    pub aircall: Option<AircallClient>,
    /// Teammates by email.
    pub directory: Directory,
    /// The settings obeyed now.
    pub settings: LiveSettings,
    /// The clock.
    pub clock: Clock,
    /// Where changes and failures are counted.
    pub metrics: Metrics,
    /// Writes `wrap_up.ended` and tells the streams.
    pub announcer: Announcer,
    /// Told of every change to act on.
    pub wake: Arc<Notify>,
}

impl std::fmt::Debug for PresenceConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PresenceConfig")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// The presence task. Cheap to clone.
#[derive(Clone)]
pub struct Presence {
    config: PresenceConfig,
    reasons: Reasons,
}

impl std::fmt::Debug for Presence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Presence").finish_non_exhaustive()
    }
}

/// How acting on a row went.
enum Acted {
    /// Done (or nothing more can be done until the row changes).
    Done,
    /// A failure that may pass: try again later.
    Retry,
}

impl Presence {
    /// The task over this configuration (not started: see [`Presence::run`]).
    pub fn new(config: PresenceConfig) -> Self {
        let reasons = Reasons::new(config.intercom.clone());
        Presence { config, reasons }
    }

    fn now(&self) -> i64 {
        (self.config.clock)()
    }

    /// Acts on every change until `shutdown` turns true.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut settings = self.config.settings.subscribe();
        loop {
            if *shutdown.borrow() {
                return;
            }
            let notified = self.config.wake.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let pause = match self.pass().await {
                Ok(pause) => pause,
                Err(e) => {
                    tracing::error!(error = %e, "presence cannot read its rows");
                    Duration::from_secs(5)
                }
            };
            tokio::select! {
                () = notified => {}
                () = tokio::time::sleep(pause) => {}
                changed = settings.changed() => {
                    if changed.is_ok() {
                        let now = self.now();
                        if let Err(e) = self.config.store.run(move |s| s.presence_touch_held(now)).await {
                            tracing::warn!(error = %e, "presence cannot follow a change of settings");
                        }
                    }
                }
                _ = shutdown.changed() => {}
            }
        }
    }

    /// Ends the phases whose deadline passed, acts on every due row, and says how long to
    /// sleep until something is due again.
    async fn pass(&self) -> Result<Duration, StoreError> {
        let now = self.now();
        let ended = self
            .config
            .store
            .run(move |s| s.presence_expire(now))
            .await?;
        if ended > 0 {
            self.config.announcer.written().await;
        }
        loop {
            let now = self.now();
            let due = self.config.store.run(move |s| s.presence_due(now)).await?;
            if due.is_empty() {
                break;
            }
            let count = due.len();
            futures_util::stream::iter(due)
                .map(|row| self.act(row))
                .buffer_unordered(AT_ONCE)
                .collect::<Vec<_>>()
                .await;
            if count < 100 {
                break;
            }
        }
        let next = self.config.store.run(|s| s.presence_next_due()).await?;
        let now = self.now();
        Ok(match next {
            Some(at) => Duration::from_secs(at.saturating_sub(now).max(0) as u64)
                .clamp(Duration::from_millis(200), LONGEST_SLEEP),
            None => LONGEST_SLEEP,
        })
    }

    /// Acts on one row and records what it did.
    async fn act(&self, row: PresenceRow) {
        let settings = self.config.settings.snapshot();
        let mut next = row.clone();
        let mut outcome = self.reverse(&mut next, &settings).await;
        if let Acted::Retry = self.change(&mut next, &settings).await {
            outcome = Acted::Retry;
        }
        let now = self.now();
        let acted_on = match outcome {
            Acted::Done => {
                next.retry_at = None;
                next.attempts = 0;
                row.version
            }
            Acted::Retry => {
                next.attempts = row.attempts + 1;
                let wait = 2i64.saturating_pow(u32::try_from(row.attempts.min(8)).unwrap_or(8));
                next.retry_at = Some(now + wait.min(300));
                row.done_version
            }
        };
        let store = self.config.store.clone();
        if let Err(e) = store
            .run(move |s| s.presence_record(&next, acted_on, now))
            .await
        {
            tracing::error!(error = %e, "presence cannot record what it did");
        }
    }

    /// Makes the teammate's Intercom away mode what the hub wants of it.
    async fn change(&self, next: &mut PresenceRow, settings: &Settings) -> Acted {
        let want = next.want(settings.presence);
        if want == Want::Leave {
            return Acted::Done;
        }
        let admin_id = match self.config.directory.admin_by_email(&next.email).await {
            Ok(Some(id)) => id,
            Ok(None) => {
                self.missing(next);
                return Acted::Done;
            }
            Err(e) => return self.failed(&e, "intercom"),
        };
        let seen = match self.config.intercom.away_mode(&admin_id).await {
            Ok(mode) => away(mode),
            Err(ApiError::NotFound { .. }) => {
                self.missing(next);
                return Acted::Done;
            }
            Err(e) => return self.failed(&e, "intercom"),
        };
        match next.judge(&seen) {
            Judgement::AlreadyAway | Judgement::AgentChanged => {
                tracing::info!(
                    email = %next.email,
                    "the teammate set their away mode themselves: presence leaves it until their next call"
                );
                next.hands_off = true;
                next.agent_away = Some(seen.enabled);
                self.config.metrics.presence_change("left_alone");
                return Acted::Done;
            }
            Judgement::Capture(prior) => next.prior = Some(prior),
            Judgement::Proceed => {}
        }
        let target = match want {
            Want::Away(role) => Away {
                enabled: true,
                reassign: false,
                reason_id: self.reason(role, settings).await,
            },
            _ => next.prior.unwrap_or_default(),
        };
        let set = if seen.same(&target) {
            Ok(seen)
        } else {
            self.set(next, &admin_id, target, want).await
        };
        match set {
            Ok(applied) => {
                self.record(next, applied, want);
                Acted::Done
            }
            Err(acted) => acted,
        }
    }

    /// Sends the away mode (recorded as pending first), with the fallbacks a workspace's
    /// reasons need: a mandatory reason, a reason deleted since it was read.
    async fn set(
        &self,
        next: &mut PresenceRow,
        admin_id: &str,
        target: Away,
        want: Want,
    ) -> Result<Away, Acted> {
        let mut target = target;
        for attempt in 0..3 {
            let (email, pending, now) = (next.email.clone(), target, self.now());
            if let Err(e) = self
                .config
                .store
                .run(move |s| s.presence_pending(&email, pending, now))
                .await
            {
                tracing::error!(error = %e, "presence cannot record the change it is about to make");
                return Err(Acted::Retry);
            }
            next.pending = Some(target);
            let sent = self
                .config
                .intercom
                .set_away_mode(admin_id, away_mode(target))
                .await;
            let error = match sent {
                Ok(answer) => {
                    // Intercom answers the admin as it now is; an answer without the reason
                    // keeps the one sent.
                    let mut applied = away(answer);
                    if applied.enabled && applied.reason_id.is_none() {
                        applied.reason_id = target.reason_id;
                    }
                    return Ok(applied);
                }
                Err(e) => e,
            };
            match (AwayRefusal::of(&error), want) {
                (Some(AwayRefusal::NoTeammate), _) => {
                    self.missing(next);
                    return Err(Acted::Done);
                }
                (Some(AwayRefusal::ReasonMandatory), Want::Away(role)) if attempt < 2 => match self
                    .reasons
                    .fallback(role, settings_labels(&self.config.settings))
                    .await
                {
                    Some(id) if Some(id) != target.reason_id => {
                        tracing::warn!(
                                "the workspace requires an away reason and has none named as presence's settings say: another reason is used"
                            );
                        target.reason_id = Some(id);
                    }
                    _ => {
                        tracing::warn!(
                            email = %next.email,
                            "the workspace requires an away reason and has none: presence cannot set teammates away"
                        );
                        self.config.metrics.presence_failure("reason_mandatory");
                        next.pending = None;
                        return Err(Acted::Done);
                    }
                },
                (Some(AwayRefusal::ReasonInvalid), Want::Away(role)) if attempt < 2 => {
                    // The reason was deleted since it was read: read them again.
                    self.reasons.forget().await;
                    let labels = settings_labels(&self.config.settings);
                    let label = match role {
                        ReasonFor::OnCall => labels.0,
                        ReasonFor::WrapUp => labels.1,
                    };
                    let fresh = self.reasons.named(&label).await;
                    target.reason_id = if fresh == target.reason_id {
                        None
                    } else {
                        fresh
                    };
                }
                _ => {
                    let acted = self.failed(&error, "intercom");
                    if let Acted::Done = acted {
                        next.pending = None;
                    }
                    return Err(acted);
                }
            }
        }
        next.pending = None;
        Err(Acted::Done)
    }

    /// Records what Intercom now has as the hub's doing.
    fn record(&self, next: &mut PresenceRow, applied: Away, want: Want) {
        next.pending = None;
        next.missing = false;
        match want {
            Want::Back => {
                next.applied_before = next.applied.or(next.applied_before);
                next.applied = None;
                next.prior = None;
                self.config.metrics.presence_change("back");
            }
            Want::Away(role) => {
                if next.applied.is_some_and(|a| !a.same(&applied)) {
                    next.applied_before = next.applied;
                }
                next.applied = Some(applied);
                self.config.metrics.presence_change(match role {
                    ReasonFor::OnCall => "away_on_call",
                    ReasonFor::WrapUp => "away_wrap_up",
                });
            }
            Want::Leave => {}
        }
    }

    /// The reason id for a phase, from the workspace's reasons (none when it has no such
    /// reason: away without one).
    async fn reason(&self, role: ReasonFor, settings: &Settings) -> Option<i64> {
        let label = match role {
            ReasonFor::OnCall => &settings.presence_on_call_reason,
            ReasonFor::WrapUp => &settings.presence_wrap_up_reason,
        };
        self.reasons.named(label).await
    }

    /// Intercom has no teammate with this email: said once per run of calls.
    fn missing(&self, next: &mut PresenceRow) {
        if !next.missing {
            tracing::warn!(
                email = %next.email,
                "no Intercom teammate has this Aircall user's email: presence cannot set them away"
            );
            self.config.metrics.presence_failure("teammate_not_found");
        }
        next.missing = true;
    }

    /// A failed request: one that may pass is retried later, another is given up.
    fn failed(&self, error: &ApiError, vendor: &'static str) -> Acted {
        self.config.metrics.presence_failure(vendor);
        if error.is_transient() || matches!(error, ApiError::RateLimited { .. }) {
            tracing::warn!(error = %error, "presence will try again");
            Acted::Retry
        } else {
            tracing::warn!(error = %error, "presence gives up this change");
            Acted::Done
        }
    }

    /// The reverse direction: the agent's own away mode makes their Aircall user unavailable,
    /// and their return available again.
    async fn reverse(&self, next: &mut PresenceRow, settings: &Settings) -> Acted {
        let Some(available) = next.aircall_wants(settings.presence_to_aircall) else {
            return Acted::Done;
        };
        let Some(aircall) = &self.config.aircall else {
            return Acted::Done;
        };
        let user = match self.config.directory.aircall_user(&next.email).await {
            Ok(Some(user)) => user,
            Ok(None) => {
                tracing::warn!(email = %next.email, "no Aircall user has this teammate's email: their away mode stays in Intercom");
                self.config.metrics.presence_failure("no_aircall_user");
                return Acted::Done;
            }
            Err(e) => {
                tracing::warn!(error = %e, "presence cannot read the Aircall users");
                return Acted::Retry;
            }
        };
        match aircall.set_available(user.id, available).await {
            Ok(()) => {
                next.aircall_unavailable = !available;
                self.config.metrics.presence_change(if available {
                    "aircall_available"
                } else {
                    "aircall_unavailable"
                });
                Acted::Done
            }
            Err(e) => self.failed(&e, "aircall"),
        }
    }
}

/// The two reasons' labels the settings name now (on a call, wrap-up).
fn settings_labels(settings: &LiveSettings) -> (String, String) {
    let s = settings.snapshot();
    (
        s.presence_on_call_reason.clone(),
        s.presence_wrap_up_reason.clone(),
    )
}

fn away(mode: AwayMode) -> Away {
    Away {
        enabled: mode.enabled,
        reassign: mode.reassign,
        reason_id: mode.reason_id,
    }
}

fn away_mode(away: Away) -> AwayMode {
    AwayMode {
        enabled: away.enabled,
        reassign: away.reassign,
        reason_id: away.reason_id,
    }
}
