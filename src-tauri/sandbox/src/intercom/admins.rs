//! `GET /me`, `GET /admins`, `GET /admins/{id}` and `PUT /admins/{id}/away` (its rules in
//! `away.rs`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};

use super::model::Admin;
use super::{body_object, Answer, IcError, IntercomApp};

fn admin_not_found() -> IcError {
    IcError::not_found("admin_not_found", "Admin not found")
}

/// The token's admin with the app (workspace) it belongs to.
pub(crate) async fn me(State(app): State<Arc<IntercomApp>>) -> Answer {
    let state = app.lock();
    let admin = state
        .admin(&state.token_admin_id)
        .ok_or_else(admin_not_found)?;
    let mut value = admin.to_json();
    value["email_verified"] = json!(true);
    value["app"] = json!({
        "type": "app",
        "id_code": state.workspace.id_code,
        "name": state.workspace.name,
        "created_at": state.app_created_at,
        "secure": false,
        "identity_verification": false,
        "timezone": state.workspace.timezone,
        "region": state.workspace.region,
    });
    Ok(Json(value))
}

/// Every teammate.
pub(crate) async fn list(State(app): State<Arc<IntercomApp>>) -> Answer {
    let state = app.lock();
    let admins: Vec<Value> = state.admins.iter().map(Admin::to_json).collect();
    Ok(Json(json!({"type": "admin.list", "admins": admins})))
}

/// One teammate.
pub(crate) async fn get_one(State(app): State<Arc<IntercomApp>>, Path(id): Path<String>) -> Answer {
    let state = app.lock();
    let admin = state.admin(&id).ok_or_else(admin_not_found)?;
    Ok(Json(admin.to_json()))
}

/// Turns away mode on or off; both booleans are required.
pub(crate) async fn set_away(
    State(app): State<Arc<IntercomApp>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    let body = body_object(&body)?;
    let flag = |key: &str| match body.get(key) {
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(IcError::bad_request(
            "parameter_invalid",
            format!("{key} must be a boolean"),
        )),
        None => Err(IcError::bad_request(
            "parameter_not_found",
            format!("{key} is a required parameter"),
        )),
    };
    let enabled = flag("away_mode_enabled")?;
    let reassign = flag("away_mode_reassign")?;
    let reason_id = match body.get("away_status_reason_id") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        Some(_) => None,
    };
    if body
        .get("away_status_reason_id")
        .is_some_and(|v| !v.is_null())
        && reason_id.is_none()
    {
        return Err(IcError::bad_request(
            "parameter_invalid",
            "away_status_reason_id must be an integer",
        ));
    }
    let mut state = app.lock();
    let admin = super::away::set_away(&mut state, &id, enabled, reassign, reason_id)?;
    Ok(Json(admin.to_json()))
}
