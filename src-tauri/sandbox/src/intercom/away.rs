//! The workspace's away reasons (`GET /away_status_reasons`) and the rules of setting a
//! teammate away: a reason must exist and not be deleted (400 `parameter_invalid`), and a
//! workspace that requires a reason refuses away mode without one (400
//! `away_status_reason_mandatory`). Every change of a teammate's away mode, through the API or
//! the sandbox's own mutator, sends `admin.away_mode_updated`, as Intercom does whoever made it.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use serde_json::{json, Value};

use super::model::Admin;
use super::state::IntercomState;
use super::{Answer, IcError, IntercomApp};

/// One away reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AwayReason {
    /// Intercom's id.
    pub id: i64,
    /// What teammates see.
    pub label: String,
    /// The emoji beside it.
    pub emoji: String,
    /// Its place in the menu.
    pub order: i64,
    /// Deleted reasons stay listed; none may be set.
    pub deleted: bool,
}

/// The workspace's reasons and whether one is required.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwayReasons {
    /// The reasons, deleted ones included.
    pub reasons: Vec<AwayReason>,
    /// Away mode needs a reason (`away_status_reason_mandatory`).
    pub mandatory: bool,
    next_id: i64,
}

impl AwayReasons {
    /// The demo workspace's reasons: on a call, wrap-up, a break, lunch, a meeting; not
    /// mandatory.
    pub(crate) fn seeded() -> Self {
        let mut reasons = AwayReasons {
            reasons: Vec::new(),
            mandatory: false,
            next_id: 4_100,
        };
        reasons.replace(&[
            ("On a call", false),
            ("Wrap-up", false),
            ("On a break", false),
            ("Lunch", false),
            ("In a meeting", false),
        ]);
        reasons
    }

    /// Replaces the reasons with these labels (and whether each is deleted); new ids.
    pub(crate) fn replace(&mut self, labels: &[(&str, bool)]) {
        const EMOJIS: [&str; 6] = ["📞", "📝", "☕", "🍔", "👥", "🌴"];
        self.reasons = labels
            .iter()
            .enumerate()
            .map(|(i, (label, deleted))| {
                self.next_id += 1;
                AwayReason {
                    id: self.next_id,
                    label: (*label).to_owned(),
                    emoji: EMOJIS[i % EMOJIS.len()].to_owned(),
                    order: i as i64 + 1,
                    deleted: *deleted,
                }
            })
            .collect();
    }

    fn to_json(&self) -> Value {
        let data: Vec<Value> = self
            .reasons
            .iter()
            .map(|r| {
                json!({
                    "type": "away_status_reason",
                    "id": r.id.to_string(),
                    "label": r.label,
                    "emoji": r.emoji,
                    "order": r.order,
                    "deleted": r.deleted,
                    "created_at": 1_700_000_000,
                    "updated_at": 1_700_000_000,
                })
            })
            .collect();
        json!({"type": "list", "data": data})
    }
}

/// `GET /away_status_reasons`: every reason, deleted ones included.
pub(crate) async fn list(State(app): State<Arc<IntercomApp>>) -> Answer {
    Ok(Json(app.lock().away.to_json()))
}

/// Sets a teammate's away mode under the workspace's rules, and notifies the change.
pub(crate) fn set_away(
    state: &mut IntercomState,
    admin_id: &str,
    enabled: bool,
    reassign: bool,
    reason_id: Option<i64>,
) -> Result<Admin, IcError> {
    if enabled {
        match reason_id {
            Some(id) => {
                let reason = state.away.reasons.iter().find(|r| r.id == id);
                match reason {
                    Some(r) if r.deleted => {
                        return Err(IcError::bad_request(
                            "parameter_invalid",
                            "Away status reason is deleted",
                        ))
                    }
                    Some(_) => {}
                    None => {
                        return Err(IcError::bad_request(
                            "parameter_invalid",
                            "Away status reason not found",
                        ))
                    }
                }
            }
            None if state.away.mandatory => {
                return Err(IcError::bad_request(
                    "away_status_reason_mandatory",
                    "An away status reason is required",
                ))
            }
            None => {}
        }
    }
    let admin = state
        .admins
        .iter_mut()
        .find(|a| a.id == admin_id)
        .ok_or_else(|| IcError::not_found("admin_not_found", "Admin for admin_id not found"))?;
    let before = admin.clone();
    admin.away_mode_enabled = enabled;
    admin.away_mode_reassign = reassign;
    admin.away_status_reason_id = if enabled { reason_id } else { None };
    let after = admin.clone();
    if after != before {
        state.notify_admin_away(&after);
    }
    Ok(after)
}
