//! Conversation attributes as Intercom 2.16 keeps them: `GET`/`POST /conversations/attributes`,
//! `POST /conversations/attributes/{id}/options`, and a conversation's `custom_attributes`
//! written with `PUT /conversations/{id}` and shown on every read of it. A list attribute takes
//! only one of its options (400 `parameter_invalid` otherwise), and a name no attribute has is
//! refused, as Intercom does.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Map, Value};

use super::workspace::{new_option, ConversationAttribute};
use super::{body_object, opt_str, render, Answer, IcError, IntercomApp};
use crate::clock;

/// The data types Intercom accepts for a conversation attribute.
const DATA_TYPES: [&str; 8] = [
    "string",
    "integer",
    "list",
    "decimal",
    "boolean",
    "datetime",
    "relationship",
    "files",
];

fn parameter_invalid(status: StatusCode, message: impl Into<String>) -> IcError {
    IcError::new(status, "parameter_invalid", message)
}

/// An attribute as Intercom renders it.
pub(crate) fn render_attribute(a: &ConversationAttribute) -> Value {
    let mut value = json!({
        "type": "conversation_attribute",
        "id": a.id,
        "name": a.name,
        "description": a.description,
        "data_type": a.data_type,
        "required": false,
        "visible_to_team_ids": [],
        "archived": a.archived,
        "created_at": a.created_at,
        "updated_at": a.updated_at,
        "admin_id": "0",
    });
    if a.data_type == "list" {
        value["options"] = a
            .options
            .iter()
            .map(|o| json!({"id": o.id, "label": o.label, "archived": o.archived}))
            .collect();
    }
    value
}

/// `GET /conversations/attributes[?include_archived=true]`.
pub(crate) async fn list(State(app): State<Arc<IntercomApp>>, RawQuery(query): RawQuery) -> Answer {
    let archived_too = query
        .unwrap_or_default()
        .split('&')
        .any(|p| p == "include_archived=true");
    let state = app.lock();
    let data: Vec<Value> = state
        .attributes
        .list
        .iter()
        .filter(|a| archived_too || !a.archived)
        .map(render_attribute)
        .collect();
    Ok(Json(json!({"type": "list", "data": data})))
}

/// `POST /conversations/attributes` `{name, data_type, description?, options?}`.
pub(crate) async fn create(State(app): State<Arc<IntercomApp>>, body: Bytes) -> Answer {
    let body = body_object(&body)?;
    let name = opt_str(&body, "name")?
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .ok_or_else(|| parameter_invalid(StatusCode::UNPROCESSABLE_ENTITY, "name is required"))?;
    let data_type = opt_str(&body, "data_type")?.unwrap_or_default();
    if !DATA_TYPES.contains(&data_type.as_str()) {
        return Err(parameter_invalid(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "data_type '{data_type}' is not valid. Allowed types: {}",
                DATA_TYPES.join(", ")
            ),
        ));
    }
    let description = opt_str(&body, "description")?.unwrap_or_default();
    let mut labels = Vec::new();
    for option in body
        .get("options")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let label = option
            .get("label")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .ok_or_else(|| {
                parameter_invalid(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "each option needs a label",
                )
            })?;
        if !labels.iter().any(|l: &String| l == label) {
            labels.push(label.to_owned());
        }
    }
    let mut state = app.lock();
    if state.attributes.named(&name).is_some() {
        return Err(parameter_invalid(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("An attribute named '{name}' already exists"),
        ));
    }
    let attribute = state.attributes.add(name, description, data_type, &labels);
    Ok(Json(render_attribute(&attribute)))
}

/// `POST /conversations/attributes/{id}/options` `{label}`: the attribute with all its options.
pub(crate) async fn add_option(
    State(app): State<Arc<IntercomApp>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    let body = body_object(&body)?;
    if body.keys().any(|k| k != "label") {
        return Err(parameter_invalid(
            StatusCode::UNPROCESSABLE_ENTITY,
            "only 'label' is accepted",
        ));
    }
    let label = match body.get("label") {
        Some(Value::String(l)) if !l.trim().is_empty() => l.trim().to_owned(),
        Some(Value::String(_)) | None | Some(Value::Null) => {
            return Err(parameter_invalid(
                StatusCode::UNPROCESSABLE_ENTITY,
                "label is required",
            ))
        }
        Some(_) => {
            return Err(parameter_invalid(
                StatusCode::UNPROCESSABLE_ENTITY,
                "label must be a string",
            ))
        }
    };
    let mut state = app.lock();
    let attribute = state
        .attributes
        .list
        .iter_mut()
        .find(|a| a.id.to_string() == id)
        .ok_or_else(|| {
            IcError::not_found(
                "conversation_attribute_not_found",
                "Conversation attribute not found",
            )
        })?;
    if attribute.data_type != "list" {
        return Err(parameter_invalid(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Options can only be managed on list attributes",
        ));
    }
    if !attribute.options.iter().any(|o| o.label == label) {
        attribute.options.push(new_option(&label));
        attribute.updated_at = clock::now();
    }
    Ok(Json(render_attribute(attribute)))
}

/// `PUT /conversations/{id}` `{custom_attributes?, title?, read?}`: the conversation.
pub(crate) async fn update_conversation(
    State(app): State<Arc<IntercomApp>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    let body = body_object(&body)?;
    let title = opt_str(&body, "title")?;
    let custom = match body.get("custom_attributes") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(map)) => map.clone(),
        Some(_) => {
            return Err(parameter_invalid(
                StatusCode::BAD_REQUEST,
                "custom_attributes must be an object",
            ))
        }
    };
    let mut state = app.lock();
    if !state.conversations.iter().any(|c| c.id == id) {
        return Err(IcError::not_found("not_found", "Resource Not Found"));
    }
    for (name, value) in &custom {
        let attribute = state.attributes.named(name).ok_or_else(|| {
            parameter_invalid(
                StatusCode::BAD_REQUEST,
                format!("Custom attribute '{name}' does not exist"),
            )
        })?;
        let fits = match (attribute.data_type.as_str(), value) {
            (_, Value::Null) => true,
            ("list", Value::String(v)) => attribute
                .options
                .iter()
                .any(|o| !o.archived && o.label == *v),
            ("list", _) => false,
            ("string", v) => v.is_string(),
            ("integer", v) => v.is_i64() || v.is_u64(),
            ("decimal", v) => v.is_number(),
            ("boolean", v) => v.is_boolean(),
            _ => true,
        };
        if !fits {
            return Err(parameter_invalid(
                StatusCode::BAD_REQUEST,
                format!("{value} is not a valid value for '{name}'"),
            ));
        }
    }
    let now = clock::now();
    let values = state.attributes.values.entry(id.clone()).or_default();
    for (name, value) in custom {
        if value.is_null() {
            values.remove(&name);
        } else {
            values.insert(name, value);
        }
    }
    if let Some(conversation) = state.conversations.iter_mut().find(|c| c.id == id) {
        if title.is_some() {
            conversation.title = title;
        }
        conversation.updated_at = now;
    }
    let state = &*state;
    let conversation = state
        .conversations
        .iter()
        .find(|c| c.id == id)
        .ok_or_else(|| IcError::not_found("not_found", "Resource Not Found"))?;
    Ok(Json(render::conversation(conversation, state, true)))
}
