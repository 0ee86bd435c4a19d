//! The logging history the main window shows (`GET /api/v1/calls`, kept for offline viewing),
//! and what the desk learns from it: whether each call is logged, waits for someone, or is left
//! out for good, so that the agent's notes and tags on a call that is not logged are not shown
//! as "sent".

use serde_json::Value;

use super::{now, Desk};
use crate::error::{Error, Result};
use crate::journal::Outcome;

impl Desk {
    /// Recent calls and messages with their logging status: from the hub (and kept), else the
    /// kept copy with `offline: true`.
    pub async fn history(&self) -> Result<Value> {
        let fetched = match self.client() {
            Ok(client) => client
                .get("/api/v1/calls?limit=50")
                .await
                .map_err(Error::from),
            Err(e) => Err(e),
        };
        match fetched {
            Ok(body) => {
                self.journal.save_history(&body, now())?;
                self.learn_outcomes(&body)?;
                let items = self.with_held_back(body)?;
                Ok(serde_json::json!({"items": items, "offline": false, "fetched_at": now()}))
            }
            Err(Error::Offline(why)) => match self.journal.history()? {
                Some((body, at)) => Ok(
                    serde_json::json!({"items": self.with_held_back(body)?, "offline": true, "fetched_at": at, "reason": why}),
                ),
                None => Err(Error::Offline(why)),
            },
            Err(e) => Err(e),
        }
    }

    /// Records, from the hub's history, what became of each call: logged, waiting for someone
    /// (`skipped`, `failed`), or left out for good (`off`).
    fn learn_outcomes(&self, history: &Value) -> Result<()> {
        for line in history_lines(history) {
            let Some(call_id) = line.call_id() else {
                continue;
            };
            let reason = || line.reason.clone().unwrap_or_else(|| line.status.clone());
            let outcome = match line.status.as_str() {
                "logged" => Outcome::Logged,
                "off" => Outcome::NotLogged(reason()),
                "skipped" | "failed" => Outcome::Waiting(reason()),
                _ => continue,
            };
            self.journal.set_outcome(call_id, &outcome)?;
        }
        Ok(())
    }

    /// The history's calls, each with how many of the agent's notes and tags its outcome keeps
    /// from Intercom (`held_back`).
    fn with_held_back(&self, mut history: Value) -> Result<Value> {
        for item in history.as_array_mut().into_iter().flatten() {
            let call = serde_json::from_value::<HistoryLine>(item.clone())
                .ok()
                .and_then(|line| line.call_id());
            if let Some(call_id) = call {
                item["held_back"] = self.journal.held_back(call_id)?.into();
            }
        }
        Ok(history)
    }
}

/// The part of a line of the hub's history (`GET /api/v1/calls`) the desk acts on.
#[derive(Debug, Clone, serde::Deserialize)]
struct HistoryLine {
    /// `call` or `message`.
    kind: String,
    /// The Aircall id.
    id: String,
    /// `live`, `queued`, `logged`, `skipped`, `failed` or `off`.
    status: String,
    /// Why it is not logged, when it is not.
    reason: Option<String>,
}

impl HistoryLine {
    /// The call's id, for a line about a call.
    fn call_id(&self) -> Option<u64> {
        (self.kind == "call")
            .then(|| self.id.parse().ok())
            .flatten()
    }
}

/// The lines of the hub's history; one that does not decode is logged with the reason.
fn history_lines(history: &Value) -> Vec<HistoryLine> {
    history
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|item| match serde_json::from_value(item.clone()) {
            Ok(line) => Some(line),
            Err(e) => {
                tracing::warn!(error = %e, "a line of the hub's history does not decode");
                None
            }
        })
        .collect()
}
