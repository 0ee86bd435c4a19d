//! What the main window shows of the integration: the hub's settings (read-only in connected
//! mode) and how its contact sync is doing, in words. Both come from the hub's agents' API, so
//! standalone mode, which runs the same hub in the app, reads them the same way.

use serde::Serialize;
use serde_json::Value;

use super::Desk;
use crate::error::Result;

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

impl Desk {
    /// The hub's integration settings: `{settings, sync}`.
    pub async fn hub_settings(&self) -> Result<Value> {
        Ok(self.client()?.get("/api/v1/settings").await?)
    }

    /// How the hub's contact sync is doing.
    pub async fn sync_status(&self) -> Result<SyncStatus> {
        let body = self.client()?.get("/api/v1/sync").await?;
        Ok(SyncStatus::from_hub(&body))
    }
}

fn count(v: &Value, key: &str) -> u64 {
    v[key].as_u64().unwrap_or(0)
}

impl SyncStatus {
    /// Reads the hub's `GET /api/v1/sync` answer.
    fn from_hub(body: &Value) -> SyncStatus {
        let enabled = body["enabled"].as_bool().unwrap_or(false);
        let progress = &body["progress"];
        let phase = progress["phase"].as_str().unwrap_or("idle").to_owned();
        let running = matches!(phase.as_str(), "scanning" | "pushing");
        let written =
            count(progress, "created") + count(progress, "updated") + count(progress, "deleted");
        let percent = match phase.as_str() {
            "scanning" => progress["total"]
                .as_u64()
                .filter(|t| *t > 0)
                .map(|total| share(count(progress, "seen"), total)),
            "pushing" => {
                let todo = written + count(progress, "remaining_estimate");
                (todo > 0).then(|| share(written, todo))
            }
            _ => None,
        };
        let eta_secs = running.then(|| progress["eta"]["secs"].as_u64()).flatten();
        let last_run = body["last_run"].as_object().map(|run| {
            let counts = &run["counts"];
            LastRun {
                kind: run["kind"].as_str().unwrap_or("").to_owned(),
                finished_at: run["finished_at"].as_i64(),
                indexed: count(counts, "indexed"),
                written: count(counts, "created")
                    + count(counts, "updated")
                    + count(counts, "deleted"),
                failed: count(counts, "failed"),
            }
        });
        let mut headline = match (enabled, phase.as_str()) {
            (false, _) => "Contact sync is off".to_owned(),
            (true, "scanning") => format!(
                "Reading Intercom: {} contacts read{}",
                count(progress, "seen"),
                percent.map(|p| format!(" ({p}%)")).unwrap_or_default()
            ),
            (true, "pushing") => format!(
                "Writing to Aircall: {written} written{}",
                percent.map(|p| format!(" ({p}%)")).unwrap_or_default()
            ),
            (true, "stopped") => "Stopped early; it resumes at the next run".to_owned(),
            (true, "done") => "Up to date".to_owned(),
            (true, _) => "Waiting for the first run".to_owned(),
        };
        if let Some(secs) = eta_secs {
            headline.push_str(&format!(", about {} left", words_for(secs)));
        }
        if let Some(why) = progress["waiting"].as_str().filter(|_| running) {
            headline.push_str(&format!(" — waiting: {why}"));
        }
        SyncStatus {
            enabled,
            phase,
            running,
            percent,
            eta_secs,
            headline,
            last_run,
            last_error: body["last_error"].as_str().map(str::to_owned),
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

    #[test]
    fn a_run_in_progress_reads_as_a_share_and_the_time_left() {
        let body = json!({
            "enabled": true,
            "progress": {"phase": "pushing", "seen": 900, "created": 30, "updated": 10,
                         "deleted": 0, "remaining_estimate": 60, "eta": {"secs": 4000, "nanos": 0},
                         "waiting": "Aircall answered 429"},
            "last_run": {"kind": "full", "started_at": 10, "finished_at": 20,
                         "counts": {"indexed": 800, "created": 5, "updated": 2, "deleted": 1, "failed": 3}},
            "last_error": null,
        });
        let status = SyncStatus::from_hub(&body);
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
        let scanning =
            json!({"enabled": true, "progress": {"phase": "scanning", "seen": 150, "total": 600}});
        assert_eq!(SyncStatus::from_hub(&scanning).percent, Some(25));
        let off = SyncStatus::from_hub(&json!({"enabled": false, "progress": null}));
        assert_eq!(
            (off.headline.as_str(), off.running),
            ("Contact sync is off", false)
        );
        let stopped = json!({"enabled": true, "progress": {"phase": "stopped"}, "last_error": "Intercom: timed out"});
        let stopped = SyncStatus::from_hub(&stopped);
        assert_eq!(stopped.last_error.as_deref(), Some("Intercom: timed out"));
        assert_eq!(stopped.eta_secs, None);
    }
}
