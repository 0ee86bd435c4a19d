//! What the main window shows of the integration: the hub's settings (read-only in connected
//! mode) and how its contact sync is doing, in words. Both come from the hub's agents' API, so
//! standalone mode, which runs the same hub in the app, reads them the same way.

use ringside_core::store::{RunCounts, RunKind};
use ringside_core::sync::{SyncPhase, SyncProgress};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Desk;
use crate::error::{Error, Result};
use crate::i18n::text;

/// Contact sync as the main window shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SyncStatus {
    /// Whether the hub syncs contacts at all.
    pub enabled: bool,
    /// `idle`, `scanning`, `pushing`, `done` or `stopped`.
    pub phase: String,
    /// A run is going on.
    pub running: bool,
    /// How far the current step is, when it can be told.
    pub percent: Option<u8>,
    /// Seconds left, when they can be told.
    pub eta_secs: Option<u64>,
    /// What the current (or last) run is doing, in words.
    pub headline: String,
    /// The last run that finished.
    pub last_run: Option<LastRun>,
    /// Why the last run stopped before its end (it resumes at the next one).
    pub last_error: Option<String>,
}

/// A finished run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastRun {
    /// `full` or `incremental`.
    pub kind: String,
    /// UNIX seconds.
    pub finished_at: Option<i64>,
    /// Intercom contacts indexed by their number.
    pub indexed: u64,
    /// Aircall contacts created, changed or deleted.
    pub written: u64,
    /// Contacts Aircall refused.
    pub failed: u64,
}

/// The hub's `GET /api/v1/sync` answer, in the engine's own types.
#[derive(Debug, Clone, Deserialize)]
struct HubSync {
    enabled: bool,
    progress: Option<SyncProgress>,
    last_run: Option<HubRun>,
    /// The last run stopped before its end (an older hub says so only with `last_error`).
    #[serde(default)]
    stopped: bool,
    /// Why: the hub tells admins only.
    last_error: Option<String>,
}

/// A finished run in that answer.
#[derive(Debug, Clone, Deserialize)]
struct HubRun {
    kind: RunKind,
    finished_at: Option<i64>,
    counts: RunCounts,
}

impl Desk {
    /// The hub's integration settings: `{settings, sync}`.
    pub async fn hub_settings(&self) -> Result<Value> {
        Ok(self.client()?.get("/api/v1/settings").await?)
    }

    /// How the hub's contact sync is doing.
    pub async fn sync_status(&self) -> Result<SyncStatus> {
        let body = self.client()?.get("/api/v1/sync").await?;
        let sync: HubSync = serde_json::from_value(body).map_err(|e| {
            tracing::warn!(error = %e, "the hub's sync status does not decode");
            Error::Invalid(format!("the hub's sync status cannot be read: {e}"))
        })?;
        Ok(SyncStatus::from_hub(&sync))
    }
}

impl SyncStatus {
    /// Reads the hub's `GET /api/v1/sync` answer.
    fn from_hub(body: &HubSync) -> SyncStatus {
        let enabled = body.enabled;
        let progress = body.progress.clone().unwrap_or_default();
        let phase = progress.phase;
        let running = matches!(phase, SyncPhase::Scanning | SyncPhase::Pushing);
        let written = progress.written();
        let percent = match phase {
            SyncPhase::Scanning => progress
                .total
                .filter(|t| *t > 0)
                .map(|total| share(progress.seen, total)),
            SyncPhase::Pushing => {
                let todo = written + progress.remaining_estimate;
                (todo > 0).then(|| share(written, todo))
            }
            _ => None,
        };
        let eta_secs = running.then(|| progress.eta.map(|d| d.as_secs())).flatten();
        let last_run = body.last_run.as_ref().map(|run| LastRun {
            kind: match run.kind {
                RunKind::Full => "full",
                RunKind::Incremental => "incremental",
            }
            .to_owned(),
            finished_at: run.finished_at,
            indexed: run.counts.indexed,
            written: run.counts.created + run.counts.updated + run.counts.deleted,
            failed: run.counts.failed,
        });
        let share_words = || {
            percent
                .map(|p| text("sync-percent", &[("percent", u32::from(p).into())]))
                .unwrap_or_default()
        };
        let mut headline = match (enabled, phase) {
            (false, _) => text("sync-off", &[]),
            (true, SyncPhase::Scanning) => text(
                "sync-scanning",
                &[
                    ("count", progress.seen.into()),
                    ("percent", share_words().into()),
                ],
            ),
            (true, SyncPhase::Pushing) => text(
                "sync-pushing",
                &[("count", written.into()), ("percent", share_words().into())],
            ),
            (true, SyncPhase::Stopped) => text("sync-stopped", &[]),
            (true, SyncPhase::Done) => text("sync-done", &[]),
            (true, SyncPhase::Idle) => text("sync-idle", &[]),
        };
        if let Some(secs) = eta_secs {
            headline.push_str(&text("sync-eta", &[("left", words_for(secs).into())]));
        }
        if let Some(why) = progress.waiting.as_deref().filter(|_| running) {
            headline.push_str(&text("sync-waiting", &[("why", why.into())]));
        }
        SyncStatus {
            enabled,
            phase: serde_json::to_value(phase)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            running,
            percent,
            eta_secs,
            headline,
            last_run,
            last_error: body
                .last_error
                .clone()
                .or_else(|| body.stopped.then(|| text("sync-stopped-ask-admin", &[]))),
        }
    }
}

/// `part` of `whole` in whole percent, at most 100.
fn share(part: u64, whole: u64) -> u8 {
    (part.saturating_mul(100) / whole.max(1)).min(100) as u8
}

/// A duration for people: `40 s`, `12 min`, `2 h 5 min`.
fn words_for(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs} s"),
        60..3600 => format!("{} min", secs.div_ceil(60)),
        _ => format!("{} h {} min", secs / 3600, (secs % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The hub's answer, as it serialises it.
    fn hub(enabled: bool, progress: Option<SyncProgress>, last_error: Option<&str>) -> HubSync {
        HubSync {
            enabled,
            progress,
            last_run: None,
            stopped: last_error.is_some(),
            last_error: last_error.map(str::to_owned),
        }
    }

    #[test]
    fn a_run_in_progress_reads_as_a_share_and_the_time_left() {
        let progress = SyncProgress {
            phase: SyncPhase::Pushing,
            seen: 900,
            created: 30,
            updated: 10,
            remaining_estimate: 60,
            eta: Some(std::time::Duration::from_secs(4000)),
            waiting: Some("Aircall answered 429".into()),
            ..SyncProgress::default()
        };
        // The answer as the hub writes it (the engine's types, serialised), read back.
        let body = json!({
            "enabled": true,
            "progress": progress,
            "last_run": {"kind": "full", "started_at": 10, "finished_at": 20,
                         "counts": {"seen": 900, "indexed": 800, "unparseable": 0, "created": 5,
                                    "updated": 2, "deleted": 1, "unchanged": 0, "failed": 3}},
            "last_error": null,
        });
        let status = SyncStatus::from_hub(&serde_json::from_value(body).unwrap());
        assert!(status.running);
        assert_eq!(status.percent, Some(40));
        assert_eq!(
            status.headline,
            "Writing to Aircall: 40 written (40%), about 1 h 6 min left — waiting: Aircall answered 429"
        );
        assert_eq!(
            status.last_run,
            Some(LastRun {
                kind: "full".into(),
                finished_at: Some(20),
                indexed: 800,
                written: 8,
                failed: 3,
            })
        );
        let scanning = SyncProgress {
            phase: SyncPhase::Scanning,
            seen: 150,
            total: Some(600),
            ..SyncProgress::default()
        };
        assert_eq!(
            SyncStatus::from_hub(&hub(true, Some(scanning), None)).percent,
            Some(25)
        );
        let off = SyncStatus::from_hub(&hub(false, None, None));
        assert_eq!(
            (off.headline.as_str(), off.running),
            ("Contact sync is off", false)
        );
        let stopped = SyncProgress {
            phase: SyncPhase::Stopped,
            ..SyncProgress::default()
        };
        let stopped = SyncStatus::from_hub(&hub(true, Some(stopped), Some("Intercom: timed out")));
        assert_eq!(stopped.last_error.as_deref(), Some("Intercom: timed out"));
        assert_eq!(stopped.eta_secs, None);
        assert_eq!(stopped.phase, "stopped");
    }

    #[test]
    fn an_answer_that_does_not_decode_is_an_error_not_a_default() {
        let wrong = json!({"enabled": "yes", "progress": {"phase": "warping"}});
        assert!(serde_json::from_value::<HubSync>(wrong).is_err());
    }
}
