//! Calls: list, search, read, and the three things an integration does to a call: comment,
//! tag, and push an insight card while it is live.
//!
//! The write actions answer `201 Created` with an empty body.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use axum::Json;
use serde_json::{json, Map, Value};

use super::paging::Paging;
use super::state::{digits, AircallState};
use super::{body_object, created_empty, path_id, render, AcError, AircallApp, Answer};
use crate::aircall::{Call, CallTag, Comment, InsightCard};
use crate::clock;
use crate::traffic::query_params;

fn unix_param(params: &HashMap<String, String>, key: &str) -> Result<Option<i64>, AcError> {
    params
        .get(key)
        .map(|raw| {
            raw.trim()
                .parse::<i64>()
                .map_err(|_| AcError::bad_request(format!("{key} must be a UNIX timestamp")))
        })
        .transpose()
}

/// Calls in creation order, filtered by `from`/`to` (UNIX seconds, inclusive).
fn in_range(state: &AircallState, params: &HashMap<String, String>) -> Result<Vec<Call>, AcError> {
    let from = unix_param(params, "from")?;
    let to = unix_param(params, "to")?;
    let mut calls: Vec<Call> = state
        .calls
        .iter()
        .filter(|c| from.is_none_or(|f| c.started_at >= f) && to.is_none_or(|t| c.started_at <= t))
        .cloned()
        .collect();
    calls.sort_by_key(|c| (c.started_at, c.id));
    Ok(calls)
}

fn answer(
    calls: Vec<Call>,
    paging: Paging,
    state: &AircallState,
    path: &str,
    params: &HashMap<String, String>,
) -> Json<Value> {
    let (page, meta) = paging.page(calls, &state.base_url, path, params);
    let calls: Vec<Value> = page.iter().map(|c| render::call(c, state)).collect();
    Json(json!({"calls": calls, "meta": meta}))
}

/// `GET /v1/calls?from=&to=&order=&page=&per_page=`.
pub(crate) async fn list(State(app): State<Arc<AircallApp>>, RawQuery(raw): RawQuery) -> Answer {
    let params = query_params(raw.as_deref());
    let paging = Paging::parse(&params)?;
    let state = app.lock();
    let calls = in_range(&state, &params)?;
    Ok(answer(calls, paging, &state, "/v1/calls", &params))
}

/// `GET /v1/calls/search?direction=&user_id=&phone_number=&tags=`; `tags` is a comma-separated
/// list of tag ids or names, any of which matches.
pub(crate) async fn search(State(app): State<Arc<AircallApp>>, RawQuery(raw): RawQuery) -> Answer {
    let params = query_params(raw.as_deref());
    let paging = Paging::parse(&params)?;
    let direction = params.get("direction").cloned();
    if let Some(d) = direction.as_deref() {
        if d != "inbound" && d != "outbound" {
            return Err(AcError::bad_request(
                "direction must be inbound or outbound",
            ));
        }
    }
    let user_id = params
        .get("user_id")
        .map(|u| {
            u.parse::<u64>()
                .map_err(|_| AcError::bad_request("user_id must be a number"))
        })
        .transpose()?;
    let phone = params.get("phone_number").map(|p| digits(p));
    let tags: Vec<String> = params
        .get("tags")
        .map(|t| t.split(',').map(|x| x.trim().to_lowercase()).collect())
        .unwrap_or_default();
    let state = app.lock();
    let calls: Vec<Call> = in_range(&state, &params)?
        .into_iter()
        .filter(|c| direction.as_deref().is_none_or(|d| c.direction == d))
        .filter(|c| user_id.is_none_or(|u| c.user_id == Some(u)))
        .filter(|c| phone.as_deref().is_none_or(|p| digits(&c.raw_digits) == p))
        .filter(|c| {
            tags.is_empty()
                || c.tags.iter().any(|t| {
                    tags.contains(&t.id.to_string()) || tags.contains(&t.name.to_lowercase())
                })
        })
        .collect();
    Ok(answer(calls, paging, &state, "/v1/calls/search", &params))
}

/// `GET /v1/calls/{id}`.
pub(crate) async fn get_one(State(app): State<Arc<AircallApp>>, Path(id): Path<String>) -> Answer {
    let id = path_id(&id, "Call")?;
    let state = app.lock();
    let call = state
        .calls
        .iter()
        .find(|c| c.id == id)
        .ok_or_else(|| AcError::not_found("Call"))?;
    Ok(Json(json!({"call": render::call(call, &state)})))
}

fn call_mut(state: &mut AircallState, id: u64) -> Result<&mut Call, AcError> {
    state
        .calls
        .iter_mut()
        .find(|c| c.id == id)
        .ok_or_else(|| AcError::not_found("Call"))
}

/// `POST /v1/calls/{id}/comments` with `{"content"}`.
pub(crate) async fn comment(
    State(app): State<Arc<AircallApp>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AcError> {
    let id = path_id(&id, "Call")?;
    let body = body_object(&body)?;
    let content = match body.get("content") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        _ => {
            return Err(AcError::bad_request(
                "content is required and must be a non-empty string",
            ))
        }
    };
    let mut state = app.lock();
    let comment_id = state.next_id();
    call_mut(&mut state, id)?.comments.push(Comment {
        id: comment_id,
        content,
        posted_at: clock::now(),
        posted_by: None,
    });
    Ok(created_empty())
}

/// `POST /v1/calls/{id}/tags` with `{"tags": [tag ids]}`; tags already on the call stay once.
pub(crate) async fn tag(
    State(app): State<Arc<AircallApp>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AcError> {
    let id = path_id(&id, "Call")?;
    let body = body_object(&body)?;
    let wanted = body
        .get("tags")
        .and_then(Value::as_array)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| AcError::bad_request("tags is required: a non-empty array of tag ids"))?;
    let ids = wanted
        .iter()
        .map(|v| match v {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        })
        .collect::<Option<Vec<u64>>>()
        .ok_or_else(|| AcError::bad_request("tags must be tag ids (numbers), not names"))?;
    let mut state = app.lock();
    let mut found = Vec::new();
    for tag_id in ids {
        let tag = state
            .tags
            .iter()
            .find(|t| t.id == tag_id)
            .cloned()
            .ok_or_else(|| AcError::not_found("Tag"))?;
        found.push(tag);
    }
    let now = clock::now();
    let call = call_mut(&mut state, id)?;
    for tag in found {
        if !call.tags.iter().any(|t| t.id == tag.id) {
            call.tags.push(CallTag {
                id: tag.id,
                name: tag.name,
                tagged_at: now,
            });
        }
    }
    Ok(created_empty())
}

fn text_member(block: &Map<String, Value>, key: &str, required: bool) -> Result<(), AcError> {
    match block.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(()),
        None | Some(Value::Null) if !required => Ok(()),
        _ => Err(AcError::bad_request(format!(
            "Each {} block needs a non-empty string `{key}`",
            block
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("insight card")
        ))),
    }
}

fn check_block(block: &Value) -> Result<(), AcError> {
    let block = block
        .as_object()
        .ok_or_else(|| AcError::bad_request("Each element of contents must be an object"))?;
    match block.get("type").and_then(Value::as_str) {
        Some("title") => {
            text_member(block, "text", true)?;
            text_member(block, "link", false)
        }
        Some("shortText") => {
            text_member(block, "label", true)?;
            text_member(block, "text", true)?;
            text_member(block, "link", false)
        }
        Some(other) => Err(AcError::bad_request(format!(
            "Unknown block type `{other}`: use title or shortText"
        ))),
        None => Err(AcError::bad_request("Each block needs a `type`")),
    }
}

/// `POST /v1/calls/{id}/insight_cards` with `{"contents": [blocks]}`; only while the call is
/// live (not `done`).
pub(crate) async fn insight_card(
    State(app): State<Arc<AircallApp>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AcError> {
    let id = path_id(&id, "Call")?;
    let body = body_object(&body)?;
    let contents = body
        .get("contents")
        .and_then(Value::as_array)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| AcError::bad_request("contents is required: a non-empty array of blocks"))?;
    for block in contents {
        check_block(block)?;
    }
    let mut state = app.lock();
    let call = call_mut(&mut state, id)?;
    if call.status == "done" {
        return Err(AcError::bad_request(
            "Insight cards can only be sent to an ongoing call; this call has ended",
        ));
    }
    state.insight_cards.push(InsightCard {
        call_id: id,
        contents: Value::Array(contents.clone()),
        posted_at: clock::now(),
    });
    Ok(created_empty())
}
