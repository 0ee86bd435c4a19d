//! `GET /me`, `GET /admins`, `GET /admins/{id}` and `PUT /admins/{id}/away`.

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
    let mut state = app.lock();
    let admin = state
        .admins
        .iter_mut()
        .find(|a| a.id == id)
        .ok_or_else(|| IcError::not_found("admin_not_found", "Admin for admin_id not found"))?;
    admin.away_mode_enabled = enabled;
    admin.away_mode_reassign = reassign;
    Ok(Json(admin.to_json()))
}
