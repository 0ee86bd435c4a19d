//! Tags: list, create-or-get by name (case-insensitive), rename, and tagging conversations.
//!
//! Intercom tags whole conversations only; there is no endpoint to tag a single part.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};

use super::{body_object, opt_id, opt_str, render, req_id, Answer, IcError, IntercomApp};
use crate::clock;
use crate::intercom::AppliedTag;

fn tag_not_found() -> IcError {
    IcError::not_found("tag_not_found", "Tag not found")
}

fn conversation_not_found() -> IcError {
    IcError::not_found("not_found", "Conversation not found")
}

/// `GET /tags`.
pub(crate) async fn list(State(app): State<Arc<IntercomApp>>) -> Answer {
    let state = app.lock();
    let data: Vec<Value> = state.tags.iter().map(render::tag).collect();
    Ok(Json(json!({"type": "list", "data": data})))
}

/// `GET /tags/{id}`.
pub(crate) async fn get_one(State(app): State<Arc<IntercomApp>>, Path(id): Path<String>) -> Answer {
    let state = app.lock();
    let tag = state
        .tags
        .iter()
        .find(|t| t.id == id)
        .ok_or_else(tag_not_found)?;
    Ok(Json(render::tag(tag)))
}

/// `POST /tags`: `{name}` creates the tag or returns the one with that name (names are case
/// insensitive); `{id, name}` renames a tag.
pub(crate) async fn create_or_update(State(app): State<Arc<IntercomApp>>, body: Bytes) -> Answer {
    let body = body_object(&body)?;
    let name = opt_str(&body, "name")?
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .ok_or_else(|| {
            IcError::bad_request("parameter_not_found", "Name is a required parameter.")
        })?;
    let mut state = app.lock();
    if let Some(id) = opt_id(&body, "id")? {
        let clash = state
            .tags
            .iter()
            .any(|t| t.id != id && t.name.to_lowercase() == name.to_lowercase());
        if clash {
            return Err(IcError::bad_request(
                "parameter_invalid",
                "invalid tag parameters",
            ));
        }
        let tag = state
            .tags
            .iter_mut()
            .find(|t| t.id == id)
            .ok_or_else(tag_not_found)?;
        tag.name = name.clone();
        for conv in &mut state.conversations {
            for applied in conv.tags.iter_mut().filter(|t| t.id == id) {
                applied.name = name.clone();
            }
        }
        let tag = state
            .tags
            .iter()
            .find(|t| t.id == id)
            .ok_or_else(tag_not_found)?;
        return Ok(Json(render::tag(tag)));
    }
    let tag = state.tag_named(&name);
    Ok(Json(render::tag(&tag)))
}

/// `POST /conversations/{id}/tags` with `{id, admin_id}`; tagging twice is harmless.
pub(crate) async fn attach(
    State(app): State<Arc<IntercomApp>>,
    Path(conversation_id): Path<String>,
    body: Bytes,
) -> Answer {
    let body = body_object(&body)?;
    let tag_id = req_id(&body, "id")?;
    let admin_id = req_id(&body, "admin_id")?;
    let mut state = app.lock();
    if state.admin(&admin_id).is_none() {
        return Err(IcError::not_found("admin_not_found", "Admin not found"));
    }
    let tag = state
        .tags
        .iter()
        .find(|t| t.id == tag_id)
        .cloned()
        .ok_or_else(tag_not_found)?;
    let conv = state
        .conversation_mut(&conversation_id)
        .ok_or_else(conversation_not_found)?;
    if !conv.tags.iter().any(|t| t.id == tag.id) {
        conv.tags.push(AppliedTag {
            id: tag.id.clone(),
            name: tag.name.clone(),
            applied_at: clock::now(),
            applied_by: admin_id,
        });
    }
    let applied = conv
        .tags
        .iter()
        .find(|t| t.id == tag.id)
        .ok_or_else(tag_not_found)?;
    Ok(Json(render::applied_tag(applied)))
}

/// `DELETE /conversations/{id}/tags/{tag_id}` with `{admin_id}`; answers the tag.
pub(crate) async fn detach(
    State(app): State<Arc<IntercomApp>>,
    Path((conversation_id, tag_id)): Path<(String, String)>,
    body: Bytes,
) -> Answer {
    let body = body_object(&body)?;
    let admin_id = req_id(&body, "admin_id")?;
    let mut state = app.lock();
    if state.admin(&admin_id).is_none() {
        return Err(IcError::not_found("admin_not_found", "Admin not found"));
    }
    let tag = state
        .tags
        .iter()
        .find(|t| t.id == tag_id)
        .cloned()
        .ok_or_else(tag_not_found)?;
    let conv = state
        .conversation_mut(&conversation_id)
        .ok_or_else(conversation_not_found)?;
    let removed = conv
        .tags
        .iter()
        .position(|t| t.id == tag.id)
        .map(|i| conv.tags.remove(i));
    let answer = match removed {
        Some(applied) => render::applied_tag(&applied),
        None => render::tag(&tag),
    };
    Ok(Json(answer))
}
