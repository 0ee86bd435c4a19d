//! The workspace's away reasons (`GET /away_status_reasons`) and the rules of setting a
//! teammate away: a reason must exist and not be deleted (400 `parameter_invalid`), and a
//! workspace that requires a reason refuses away mode without one (400
//! `away_status_reason_mandatory`). Every change of a teammate's away mode, through the API or
//! the sandbox's own mutator, sends `admin.away_mode_updated`, as Intercom does whoever made it.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;

use super::model::Admin;
use super::state::IntercomState;
use super::{Answer, IcError, IntercomApp};

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
