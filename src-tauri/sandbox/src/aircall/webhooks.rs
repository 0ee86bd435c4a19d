//! Webhook registrations: list, create, read, update, delete. At most 100 per company, HTTPS
//! URLs only. The sandbox records registrations; it does not deliver events.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Map, Value};

use super::paging::Paging;
use super::{body_object, opt_str, render, AcError, AircallApp, Answer};
use crate::aircall::Webhook;
use crate::traffic::query_params;
use crate::{clock, ids};

/// The most webhooks one company may register.
const MAX_WEBHOOKS: usize = 100;

/// What a webhook created without an event list subscribes to.
const ALL_EVENTS: [&str; 33] = [
    "call.created",
    "call.ringing_on_agent",
    "call.agent_declined",
    "call.answered",
    "call.transferred",
    "call.external_transferred",
    "call.unsuccessful_transfer",
    "call.hungup",
    "call.ended",
    "call.hold",
    "call.unhold",
    "call.ivr_option_selected",
    "call.comm_assets_generated",
    "call.voicemail_left",
    "call.assigned",
    "call.archived",
    "call.tagged",
    "call.untagged",
    "call.commented",
    "user.created",
    "user.deleted",
    "user.connected",
    "user.disconnected",
    "user.opened",
    "user.closed",
    "number.created",
    "number.opened",
    "number.closed",
    "number.deleted",
    "contact.created",
    "contact.updated",
    "contact.deleted",
    "message.received",
];

fn https_url(body: &Map<String, Value>) -> Result<Option<String>, AcError> {
    let url = opt_str(body, "url")?;
    if let Some(u) = &url {
        let parsed = url::Url::parse(u)
            .map_err(|_| AcError::bad_request(format!("url `{u}` is not a valid URL")))?;
        if parsed.scheme() != "https" {
            return Err(AcError::bad_request("url must use HTTPS"));
        }
    }
    Ok(url)
}

fn events(body: &Map<String, Value>) -> Result<Option<Vec<String>>, AcError> {
    match body.get("events") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|e| e.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .map(Some)
            .ok_or_else(|| AcError::bad_request("events must be an array of event names")),
        Some(_) => Err(AcError::bad_request(
            "events must be an array of event names",
        )),
    }
}

fn all_events() -> Vec<String> {
    ALL_EVENTS.iter().map(|e| (*e).to_owned()).collect()
}

/// `GET /v1/webhooks`.
pub(crate) async fn list(State(app): State<Arc<AircallApp>>, RawQuery(raw): RawQuery) -> Answer {
    let params = query_params(raw.as_deref());
    let paging = Paging::parse(&params)?;
    let state = app.lock();
    let (page, meta) = paging.page(
        state.webhooks.clone(),
        &state.base_url,
        "/v1/webhooks",
        &params,
    );
    let webhooks: Vec<Value> = page
        .iter()
        .map(|w| render::webhook(w, &state.base_url))
        .collect();
    Ok(Json(json!({"webhooks": webhooks, "meta": meta})))
}

/// `POST /v1/webhooks` with `{custom_name?, url, events?}`: 201.
pub(crate) async fn create(
    State(app): State<Arc<AircallApp>>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), AcError> {
    let body = body_object(&body)?;
    let url = https_url(&body)?.ok_or_else(|| AcError::bad_request("url is required"))?;
    let events = events(&body)?
        .filter(|e| !e.is_empty())
        .unwrap_or_else(all_events);
    let custom_name = opt_str(&body, "custom_name")?.unwrap_or_else(|| "Webhook".to_owned());
    let mut state = app.lock();
    if state.webhooks.len() >= MAX_WEBHOOKS {
        return Err(AcError::bad_request(format!(
            "A company can have at most {MAX_WEBHOOKS} webhooks"
        )));
    }
    let webhook = Webhook {
        webhook_id: ids::uuid(),
        custom_name,
        url,
        events,
        token: ids::hex(32),
        active: true,
        created_at: clock::now(),
    };
    state.webhooks.push(webhook.clone());
    Ok((
        StatusCode::CREATED,
        Json(json!({"webhook": render::webhook(&webhook, &state.base_url)})),
    ))
}

/// `GET /v1/webhooks/{id}`.
pub(crate) async fn get_one(State(app): State<Arc<AircallApp>>, Path(id): Path<String>) -> Answer {
    let state = app.lock();
    let webhook = state
        .webhooks
        .iter()
        .find(|w| w.webhook_id == id)
        .ok_or_else(|| AcError::not_found("Webhook"))?;
    Ok(Json(
        json!({"webhook": render::webhook(webhook, &state.base_url)}),
    ))
}

/// `PUT /v1/webhooks/{id}?events_action=add|remove`: changes name, URL and events, and
/// re-activates the webhook. Without `events` (and without an action) it subscribes to all.
pub(crate) async fn update(
    State(app): State<Arc<AircallApp>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Answer {
    let params = query_params(raw.as_deref());
    let body = body_object(&body)?;
    let url = https_url(&body)?;
    let given = events(&body)?;
    let custom_name = opt_str(&body, "custom_name")?;
    let action = params.get("events_action").map(String::as_str);
    if !matches!(action, None | Some("add") | Some("remove")) {
        return Err(AcError::bad_request("events_action must be add or remove"));
    }
    let mut state = app.lock();
    let webhook = state
        .webhooks
        .iter_mut()
        .find(|w| w.webhook_id == id)
        .ok_or_else(|| AcError::not_found("Webhook"))?;
    if let Some(url) = url {
        webhook.url = url;
    }
    if let Some(name) = custom_name {
        webhook.custom_name = name;
    }
    match (action, given) {
        (Some("add"), Some(events)) => {
            for e in events {
                if !webhook.events.contains(&e) {
                    webhook.events.push(e);
                }
            }
        }
        (Some("remove"), Some(events)) => webhook.events.retain(|e| !events.contains(e)),
        (_, Some(events)) if !events.is_empty() => webhook.events = events,
        _ => webhook.events = all_events(),
    }
    webhook.active = true;
    let webhook = webhook.clone();
    Ok(Json(
        json!({"webhook": render::webhook(&webhook, &state.base_url)}),
    ))
}

/// `DELETE /v1/webhooks/{id}`: 204.
pub(crate) async fn remove(
    State(app): State<Arc<AircallApp>>,
    Path(id): Path<String>,
) -> Result<StatusCode, AcError> {
    let mut state = app.lock();
    let before = state.webhooks.len();
    state.webhooks.retain(|w| w.webhook_id != id);
    if state.webhooks.len() == before {
        return Err(AcError::not_found("Webhook"));
    }
    Ok(StatusCode::NO_CONTENT)
}
