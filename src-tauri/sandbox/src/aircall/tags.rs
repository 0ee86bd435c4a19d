//! Call tags defined in the company: list, read, create.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

use super::paging::Paging;
use super::{body_object, opt_str, path_id, render, AcError, AircallApp, Answer};
use crate::aircall::Tag;
use crate::traffic::query_params;

/// `GET /v1/tags`.
pub(crate) async fn list(State(app): State<Arc<AircallApp>>, RawQuery(raw): RawQuery) -> Answer {
    let params = query_params(raw.as_deref());
    let paging = Paging::parse(&params)?;
    let state = app.lock();
    let (page, meta) = paging.page(state.tags.clone(), &state.base_url, "/v1/tags", &params);
    let tags: Vec<Value> = page
        .iter()
        .map(|t| render::tag(t, &state.base_url))
        .collect();
    Ok(Json(json!({"tags": tags, "meta": meta})))
}

/// `GET /v1/tags/{id}`.
pub(crate) async fn get_one(State(app): State<Arc<AircallApp>>, Path(id): Path<String>) -> Answer {
    let id = path_id(&id, "Tag")?;
    let state = app.lock();
    let tag = state
        .tags
        .iter()
        .find(|t| t.id == id)
        .ok_or_else(|| AcError::not_found("Tag"))?;
    Ok(Json(json!({"tag": render::tag(tag, &state.base_url)})))
}

/// `POST /v1/tags` with `{name, color?, description?}`; names are unique (any letter case).
pub(crate) async fn create(
    State(app): State<Arc<AircallApp>>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), AcError> {
    let body = body_object(&body)?;
    let name = opt_str(&body, "name")?
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .ok_or_else(|| AcError::bad_request("name is required"))?;
    let color = opt_str(&body, "color")?;
    let description = opt_str(&body, "description")?;
    let mut state = app.lock();
    if state
        .tags
        .iter()
        .any(|t| t.name.to_lowercase() == name.to_lowercase())
    {
        return Err(AcError::bad_request(format!(
            "A tag named `{name}` already exists"
        )));
    }
    let tag = Tag {
        id: state.next_id(),
        name,
        color,
        description,
    };
    state.tags.push(tag.clone());
    Ok((
        StatusCode::CREATED,
        Json(json!({"tag": render::tag(&tag, &state.base_url)})),
    ))
}
