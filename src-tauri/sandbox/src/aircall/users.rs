//! Users (v2), their granular availability (v1) and numbers.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::Json;
use serde_json::{json, Value};

use super::paging::Paging;
use super::{path_id, render, AcError, AircallApp, Answer};
use crate::traffic::query_params;

/// `GET /v2/users`.
pub(crate) async fn list(State(app): State<Arc<AircallApp>>, RawQuery(raw): RawQuery) -> Answer {
    let params = query_params(raw.as_deref());
    let paging = Paging::parse(&params)?;
    let state = app.lock();
    let mut users = state.users.clone();
    users.sort_by_key(|u| (u.created_at, u.id));
    let (page, meta) = paging.page(users, &state.base_url, "/v2/users", &params);
    let users: Vec<Value> = page
        .iter()
        .map(|u| render::user(u, &state.base_url))
        .collect();
    Ok(Json(json!({"users": users, "meta": meta})))
}

/// `GET /v2/users/{id_or_email}`; emails are compared without regard to letter case.
pub(crate) async fn get_one(State(app): State<Arc<AircallApp>>, Path(key): Path<String>) -> Answer {
    let state = app.lock();
    let user = match key.parse::<u64>() {
        Ok(id) => state.user(id),
        Err(_) => state
            .users
            .iter()
            .find(|u| u.email.eq_ignore_ascii_case(&key)),
    }
    .ok_or_else(|| AcError::not_found("User"))?;
    Ok(Json(json!({"user": render::user(user, &state.base_url)})))
}

/// `GET /v2/users/{id}/numbers`.
pub(crate) async fn numbers_of(
    State(app): State<Arc<AircallApp>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Answer {
    let id = path_id(&id, "User")?;
    let params = query_params(raw.as_deref());
    let paging = Paging::parse(&params)?;
    let state = app.lock();
    state.user(id).ok_or_else(|| AcError::not_found("User"))?;
    let numbers: Vec<_> = state
        .numbers
        .iter()
        .filter(|n| n.users.contains(&id))
        .cloned()
        .collect();
    let path = format!("/v2/users/{id}/numbers");
    let (page, meta) = paging.page(numbers, &state.base_url, &path, &params);
    let numbers: Vec<Value> = page.iter().map(|n| render::number(n, &state)).collect();
    Ok(Json(json!({"numbers": numbers, "meta": meta})))
}

/// `GET /v1/users/availabilities`.
pub(crate) async fn availabilities(
    State(app): State<Arc<AircallApp>>,
    RawQuery(raw): RawQuery,
) -> Answer {
    let params = query_params(raw.as_deref());
    let paging = Paging::parse(&params)?;
    let state = app.lock();
    let mut users = state.users.clone();
    users.sort_by_key(|u| (u.created_at, u.id));
    let (page, meta) = paging.page(users, &state.base_url, "/v1/users/availabilities", &params);
    let users: Vec<Value> = page
        .iter()
        .map(|u| json!({"id": u.id, "availability": u.availability}))
        .collect();
    Ok(Json(json!({"users": users, "meta": meta})))
}

/// `GET /v1/users/{id}/availability`.
pub(crate) async fn availability(
    State(app): State<Arc<AircallApp>>,
    Path(id): Path<String>,
) -> Answer {
    let id = path_id(&id, "User")?;
    let state = app.lock();
    let user = state.user(id).ok_or_else(|| AcError::not_found("User"))?;
    Ok(Json(json!({"availability": user.availability})))
}

/// `GET /v1/numbers`.
pub(crate) async fn numbers(State(app): State<Arc<AircallApp>>, RawQuery(raw): RawQuery) -> Answer {
    let params = query_params(raw.as_deref());
    let paging = Paging::parse(&params)?;
    let state = app.lock();
    let mut numbers = state.numbers.clone();
    numbers.sort_by_key(|n| (n.created_at, n.id));
    let (page, meta) = paging.page(numbers, &state.base_url, "/v1/numbers", &params);
    let numbers: Vec<Value> = page.iter().map(|n| render::number(n, &state)).collect();
    Ok(Json(json!({"numbers": numbers, "meta": meta})))
}

/// `GET /v1/numbers/{id}`.
pub(crate) async fn number(State(app): State<Arc<AircallApp>>, Path(id): Path<String>) -> Answer {
    let id = path_id(&id, "Number")?;
    let state = app.lock();
    let number = state
        .number(id)
        .ok_or_else(|| AcError::not_found("Number"))?;
    Ok(Json(json!({"number": render::number(number, &state)})))
}

/// `PUT /v1/users/{id}`: changes a user; only `availability_status` (`available`, `custom`,
/// `unavailable`) is kept. The granular availability follows it (`available` or `offline`),
/// except during a call or its wrap-up.
pub(crate) async fn update(
    State(app): State<Arc<AircallApp>>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Answer {
    let id = path_id(&id, "User")?;
    let body = super::body_object(&body)?;
    let status = match body.get("availability_status") {
        None => None,
        Some(Value::String(s)) if ["available", "custom", "unavailable"].contains(&s.as_str()) => {
            Some(s.clone())
        }
        Some(_) => {
            return Err(AcError::bad_request(
                "availability_status must be one of available, custom, unavailable",
            ))
        }
    };
    let mut state = app.lock();
    let base_url = state.base_url.clone();
    let user = state
        .users
        .iter_mut()
        .find(|u| u.id == id)
        .ok_or_else(|| AcError::not_found("User"))?;
    if let Some(status) = status {
        let busy = matches!(user.availability.as_str(), "in_call" | "after_call_work");
        user.substatus = if status == "unavailable" {
            "always_closed".to_owned()
        } else {
            "always_opened".to_owned()
        };
        if !busy {
            user.availability = if status == "unavailable" {
                "offline".to_owned()
            } else {
                "available".to_owned()
            };
        }
        user.availability_status = status;
    }
    Ok(Json(json!({"user": render::user(user, &base_url)})))
}
