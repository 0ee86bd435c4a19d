//! The card's wrap-up after a call, and the agent's presence around calls. The hub's outcomes
//! (`call_outcomes`, and whether one is required) come from `GET /api/v1/settings` and are kept
//! in the journal, so the wrap-up works with the hub away; the outcome chosen and "Done" are
//! queued like notes (with an idempotency key, sent in order once the hub is back). Presence is
//! the hub's: whether it sets the agent away in Intercom during calls, and the agent's opt-out
//! (`GET`/`PUT /api/v1/me/presence`).

use ringside_core::domain::presence::EndedBy;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{Delivery, Desk};
use crate::error::{Error, Result};
use crate::i18n::text;
use crate::journal::{ChipState, Request};

/// Where the journal keeps the hub's last wrap-up settings.
const WRAP_UP: &str = "wrap_up";

/// What the wrap-up asks of the agent, from the hub's settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrapUp {
    /// The outcomes, in the admin's order and spelling; empty: none is asked.
    pub outcomes: Vec<String>,
    /// Whether "Done" waits for an outcome.
    pub required: bool,
    /// How long the hub waits before it ends a wrap-up Aircall does not end, in seconds.
    pub wrap_up_seconds: u64,
    /// Whether the hub sets agents away in Intercom during their calls.
    pub presence: bool,
}

/// The wrap-up fields of the hub's `GET /api/v1/settings` answer (in its `settings`, or beside
/// it); a field a hub does not send reads as its default.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct HubWrapUp {
    call_outcomes: Option<Vec<String>>,
    call_outcome_required: Option<bool>,
    wrap_up_seconds: Option<u64>,
    presence: Option<bool>,
}

impl WrapUp {
    /// Reads the hub's `GET /api/v1/settings` answer.
    fn from_hub(body: &Value) -> WrapUp {
        let read = |v: &Value| serde_json::from_value::<HubWrapUp>(v.clone()).unwrap_or_default();
        let (inner, top) = (read(&body["settings"]), read(body));
        let outcomes: Vec<String> = inner
            .call_outcomes
            .or(top.call_outcomes)
            .unwrap_or_default()
            .into_iter()
            .map(|o| o.trim().to_owned())
            .filter(|o| !o.is_empty())
            .collect();
        WrapUp {
            outcomes,
            required: inner
                .call_outcome_required
                .or(top.call_outcome_required)
                .unwrap_or(false),
            wrap_up_seconds: inner.wrap_up_seconds.or(top.wrap_up_seconds).unwrap_or(60),
            presence: inner.presence.or(top.presence).unwrap_or(false),
        }
    }

    /// The outcome of the list the agent means, in any letter case, as the list spells it.
    pub fn spelled(&self, outcome: &str) -> Option<&str> {
        let wanted = outcome.trim().to_lowercase();
        self.outcomes
            .iter()
            .find(|o| o.to_lowercase() == wanted)
            .map(String::as_str)
    }
}

/// The agent's presence as the hub keeps it (`GET /api/v1/me/presence`), in the hub's own type:
/// whether the hub's presence is on, the agent's choice, their state, and whether Intercom shows
/// them away.
pub type Presence = ringside_core::domain::presence::PresenceView;

impl Desk {
    /// The hub's wrap-up settings, kept for when the hub is away; with neither, no outcome is
    /// asked.
    pub async fn wrap_up(&self) -> Result<WrapUp> {
        match self.client() {
            Ok(client) => match client.get("/api/v1/settings").await {
                Ok(body) => {
                    let wrap_up = WrapUp::from_hub(&body);
                    let kept = serde_json::to_string(&wrap_up)
                        .map_err(|e| Error::Invalid(e.to_string()))?;
                    self.journal.set_meta(WRAP_UP, &kept)?;
                    return Ok(wrap_up);
                }
                Err(e) => tracing::info!(error = %e, "the hub's wrap-up settings: the kept ones"),
            },
            Err(e) => tracing::debug!(error = %e, "the hub's wrap-up settings: the kept ones"),
        }
        self.kept_wrap_up()
    }

    /// The wrap-up settings last read from the hub (none asked when never read).
    fn kept_wrap_up(&self) -> Result<WrapUp> {
        Ok(self
            .journal
            .meta(WRAP_UP)?
            .and_then(|kept| serde_json::from_str(&kept).ok())
            .unwrap_or_default())
    }

    /// The call's outcome: one of the hub's list, in any letter case; queued like a note, and
    /// choosing again replaces it.
    pub async fn set_outcome(&self, call_id: u64, outcome: &str) -> Result<Delivery> {
        let mut wrap_up = self.kept_wrap_up()?;
        if wrap_up.spelled(outcome).is_none() {
            // The list may have changed in the console since it was read.
            wrap_up = self.wrap_up().await?;
        }
        if wrap_up.outcomes.is_empty() {
            return Err(Error::Invalid(text("wrapup-error-no-outcomes", &[])));
        }
        let Some(spelled) = wrap_up.spelled(outcome) else {
            return Err(Error::Invalid(text(
                "wrapup-error-unknown-outcome",
                &[
                    ("outcome", outcome.trim().into()),
                    ("outcomes", wrap_up.outcomes.join(", ").into()),
                ],
            )));
        };
        let request = Request::Outcome(spelled.to_owned());
        self.act(call_id, request).await
    }

    /// The agent is done with the call's wrap-up: refused while a required outcome is missing,
    /// else queued like a note (the card window then closes).
    pub async fn wrap_up_done(&self, call_id: u64) -> Result<Delivery> {
        let wrap_up = self.kept_wrap_up()?;
        if wrap_up.required && !wrap_up.outcomes.is_empty() {
            let chosen = self
                .journal
                .card(call_id)?
                .and_then(|c| c.outcome)
                .is_some_and(|o| o.state != ChipState::Failed);
            if !chosen {
                return Err(Error::Invalid(text("wrapup-error-outcome-required", &[])));
            }
        }
        self.act(call_id, Request::Done).await
    }

    /// The agent's presence as the hub keeps it.
    pub async fn presence(&self) -> Result<Presence> {
        let body = self.client()?.get("/api/v1/me/presence").await?;
        read_presence(body)
    }

    /// Whether the hub sets this agent away in Intercom during calls; the presence after.
    pub async fn set_presence(&self, follow_calls: bool) -> Result<Presence> {
        let body = self
            .client()?
            .put(
                "/api/v1/me/presence",
                &json!({ "follow_calls": follow_calls }),
            )
            .await?;
        read_presence(body)
    }
}

/// The hub ended a call's wrap-up (`wrap_up.ended`), for the card window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WrapUpEnded {
    /// The call.
    pub call_id: u64,
    /// Who ended it: `aircall` (its wrap-up time ended), `timer` (the hub's `wrap_up_seconds`
    /// ran out) or `agent` ("Done").
    pub by: EndedBy,
    /// Whether the card leaves its wrap-up: not when the agent ended it (the card did), nor
    /// while a required outcome is missing.
    pub close: bool,
}

impl Desk {
    /// The hub's `wrap_up.ended`: the card window hears it, and leaves the call's wrap-up
    /// unless a required outcome is still missing.
    pub(super) fn wrap_up_ended(&self, call_id: u64, by: EndedBy) -> Result<()> {
        let wrap_up = self.kept_wrap_up()?;
        let missing = wrap_up.required
            && !wrap_up.outcomes.is_empty()
            && !self
                .journal
                .card(call_id)?
                .and_then(|c| c.outcome)
                .is_some_and(|o| o.state != ChipState::Failed);
        let close = by != EndedBy::Agent && !missing;
        (self.ui)(super::UiEvent::WrapUpEnded(WrapUpEnded {
            call_id,
            by,
            close,
        }));
        Ok(())
    }
}

fn read_presence(body: Value) -> Result<Presence> {
    serde_json::from_value(body).map_err(|e| {
        tracing::warn!(error = %e, "the hub's presence does not decode");
        Error::Invalid(format!("the hub's presence cannot be read: {e}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_end_of_a_wrap_up_closes_the_card_unless_a_required_outcome_is_missing() {
        use std::sync::{Arc, Mutex};
        let heard: Arc<Mutex<Vec<WrapUpEnded>>> = Arc::default();
        let record = heard.clone();
        let desk = Desk::new(
            crate::journal::Journal::open_in_memory().unwrap(),
            Arc::new(crate::vault::MemoryVault::default()),
            std::env::temp_dir(),
            None,
            Arc::new(move |event| {
                if let super::super::UiEvent::WrapUpEnded(e) = event {
                    record.lock().unwrap().push(e);
                }
            }),
        );
        let closes = |by| {
            desk.wrap_up_ended(7, by).unwrap();
            heard.lock().unwrap().pop().unwrap().close
        };
        // No outcome asked: Aircall's or the timer's end closes the card; the agent's own
        // "Done" already did.
        assert!(closes(EndedBy::Aircall));
        assert!(closes(EndedBy::Timer));
        assert!(!closes(EndedBy::Agent));
        // A required outcome not chosen yet keeps the wrap-up open, until one is.
        let required = WrapUp {
            outcomes: vec!["Resolved".into()],
            required: true,
            ..WrapUp::default()
        };
        desk.journal
            .set_meta(WRAP_UP, &serde_json::to_string(&required).unwrap())
            .unwrap();
        desk.journal
            .set_call_state(7, crate::journal::CallState::Ended, 1)
            .unwrap();
        assert!(!closes(EndedBy::Aircall));
        desk.journal
            .enqueue(7, &Request::Outcome("Resolved".into()), 1)
            .unwrap();
        assert!(closes(EndedBy::Timer));
        let event = serde_json::to_value(WrapUpEnded {
            call_id: 7,
            by: EndedBy::Timer,
            close: true,
        })
        .unwrap();
        assert_eq!(event, json!({"call_id": 7, "by": "timer", "close": true}));
    }

    #[test]
    fn the_wrap_up_is_read_from_the_hubs_settings_wherever_it_puts_them() {
        let inner = json!({"settings": {"call_outcomes": ["Resolved", " Sale ", ""],
            "call_outcome_required": true, "wrap_up_seconds": 30, "presence": true}});
        let wrap_up = WrapUp::from_hub(&inner);
        assert_eq!(wrap_up.outcomes, ["Resolved", "Sale"]);
        assert!(wrap_up.required && wrap_up.presence);
        assert_eq!(wrap_up.wrap_up_seconds, 30);
        let beside = json!({"settings": {}, "call_outcomes": ["Resolved"]});
        assert_eq!(WrapUp::from_hub(&beside).outcomes, ["Resolved"]);
        // An older hub says nothing of it: no outcome is asked.
        let older = WrapUp::from_hub(&json!({"settings": {"log_missed_calls": true}}));
        assert_eq!(
            (older.outcomes.len(), older.required, older.wrap_up_seconds),
            (0, false, 60)
        );
        assert_eq!(wrap_up.spelled("sALE"), Some("Sale"));
        assert_eq!(wrap_up.spelled("Wrong number"), None);
    }
}
