//! Contacts: list, search, create, read, update, delete.
//!
//! `phone` is matched exactly as stored; `formatted_phone` is the stored phone in E.164 (read in
//! the seed's default region), absent when it does not parse.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

use super::paging::{Paging, Sort};
use super::search::{Field, Kind, Query};
use super::state::NewContact;
use super::{body_object, opt_id, opt_str, Answer, IcError, IntercomApp};
use crate::clock;
use crate::intercom::{Contact, Role};

const DEFAULT_PER_PAGE: usize = 50;

/// The searchable contact fields and their types.
fn schema(field: &str) -> Option<Kind> {
    match field {
        "id" | "role" | "name" | "phone" | "formatted_phone" | "external_id" => Some(Kind::Text),
        "email" | "email_domain" => Some(Kind::TextNoCase),
        "created_at" | "updated_at" => Some(Kind::Day),
        f if f.starts_with("custom_attributes.") => Some(Kind::Text),
        _ => None,
    }
}

/// The value of a searchable field on a contact.
fn field(c: &Contact, name: &str) -> Field {
    let text = |v: &Option<String>| Field::Text(v.clone());
    match name {
        "id" => Field::Text(Some(c.id.clone())),
        "role" => Field::Text(Some(c.role.as_str().to_owned())),
        "name" => text(&c.name),
        "email" => text(&c.email),
        "email_domain" => Field::Text(
            c.email
                .as_deref()
                .and_then(|e| e.rsplit_once('@'))
                .map(|(_, d)| d.to_owned()),
        ),
        "phone" => text(&c.phone),
        "formatted_phone" => text(&c.formatted_phone),
        "external_id" => text(&c.external_id),
        "created_at" => Field::Int(Some(c.created_at)),
        "updated_at" => Field::Int(Some(c.updated_at)),
        other => Field::Text(
            other
                .strip_prefix("custom_attributes.")
                .and_then(|key| c.custom_attributes.get(key))
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned)),
        ),
    }
}

fn user_not_found() -> IcError {
    IcError::not_found("not_found", "User Not Found")
}

fn conflict(id: &str) -> IcError {
    IcError::new(
        StatusCode::CONFLICT,
        "conflict",
        format!("A contact matching those details already exists with id={id}"),
    )
}

fn list_answer(contacts: Vec<Contact>, paging: Paging, workspace_id: &str) -> Value {
    let (page, total, pages) = paging.page(contacts);
    let data: Vec<Value> = page.iter().map(|c| c.to_json(workspace_id)).collect();
    json!({"type": "list", "data": data, "total_count": total, "pages": pages})
}

/// `POST /contacts/search`.
pub(crate) async fn search(State(app): State<Arc<IntercomApp>>, body: Bytes) -> Answer {
    let body = body_object(&body)?;
    let query = body.get("query").ok_or_else(|| {
        IcError::bad_request("parameter_not_found", "query is a required parameter")
    })?;
    let query = Query::parse(query, schema)?;
    let sort = Sort::parse(&body, schema, "created_at")?;
    let paging = Paging::from_body(&body, DEFAULT_PER_PAGE)?;
    let state = app.lock();
    let mut hits: Vec<Contact> = state
        .contacts
        .iter()
        .filter(|c| query.matches(&|name| field(c, name)))
        .cloned()
        .collect();
    hits.sort_by(|a, b| {
        sort.compare(&field(a, &sort.field), &field(b, &sort.field))
            .then_with(|| a.id.cmp(&b.id))
    });
    Ok(Json(list_answer(hits, paging, &state.workspace.id_code)))
}

/// `GET /contacts?per_page=&starting_after=`, newest first.
pub(crate) async fn list(State(app): State<Arc<IntercomApp>>, RawQuery(raw): RawQuery) -> Answer {
    let params = crate::traffic::query_params(raw.as_deref());
    let value = |key: &str| params.get(key).map(|v| Value::String(v.clone()));
    let paging = Paging::parse(
        value("per_page").as_ref(),
        value("starting_after").as_ref(),
        DEFAULT_PER_PAGE,
    )?;
    let state = app.lock();
    let mut contacts = state.contacts.clone();
    contacts.sort_by(|a, b| {
        b.created_at
            .cmp(&a.created_at)
            .then_with(|| a.id.cmp(&b.id))
    });
    Ok(Json(list_answer(
        contacts,
        paging,
        &state.workspace.id_code,
    )))
}

/// `GET /contacts/{id}`.
pub(crate) async fn get_one(State(app): State<Arc<IntercomApp>>, Path(id): Path<String>) -> Answer {
    let state = app.lock();
    let contact = state.contact(&id).ok_or_else(user_not_found)?;
    Ok(Json(contact.to_json(&state.workspace.id_code)))
}

fn parse_role(body: &serde_json::Map<String, Value>) -> Result<Option<Role>, IcError> {
    match opt_str(body, "role")?.as_deref() {
        None => Ok(None),
        Some("user") => Ok(Some(Role::User)),
        Some("lead") => Ok(Some(Role::Lead)),
        Some(other) => Err(IcError::bad_request(
            "parameter_invalid",
            format!("role must be user or lead, not `{other}`"),
        )),
    }
}

/// `POST /contacts`.
pub(crate) async fn create(State(app): State<Arc<IntercomApp>>, body: Bytes) -> Answer {
    let body = body_object(&body)?;
    let new = NewContact {
        role: parse_role(&body)?,
        name: opt_str(&body, "name")?,
        email: opt_str(&body, "email")?,
        phone: opt_str(&body, "phone")?,
        external_id: opt_id(&body, "external_id")?,
    };
    if new.role.is_none() && new.email.is_none() && new.external_id.is_none() {
        return Err(IcError::bad_request(
            "parameter_invalid",
            "A contact needs at least one of email, external_id or role",
        ));
    }
    let role = new.role.unwrap_or(Role::User);
    if role == Role::User && new.email.is_none() && new.external_id.is_none() {
        return Err(IcError::bad_request(
            "parameter_invalid",
            "A user needs an email or an external_id",
        ));
    }
    let custom = match body.get("custom_attributes") {
        None | Some(Value::Null) => None,
        Some(Value::Object(map)) => Some(map.clone()),
        Some(_) => {
            return Err(IcError::bad_request(
                "parameter_invalid",
                "custom_attributes must be an object",
            ))
        }
    };
    let mut state = app.lock();
    if let Some(id) =
        state.duplicate_of(None, role, new.email.as_deref(), new.external_id.as_deref())
    {
        return Err(conflict(&id));
    }
    let mut contact = state.insert_contact(new, clock::now());
    if let Some(custom) = custom {
        contact.custom_attributes = custom.clone();
        if let Some(stored) = state.contacts.iter_mut().find(|c| c.id == contact.id) {
            stored.custom_attributes = custom;
        }
    }
    Ok(Json(contact.to_json(&state.workspace.id_code)))
}

/// `PUT /contacts/{id}`: changes the fields given, keeps the others.
pub(crate) async fn update(
    State(app): State<Arc<IntercomApp>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    let body = body_object(&body)?;
    let role = parse_role(&body)?;
    let text = |key: &str| -> Result<Option<Option<String>>, IcError> {
        if body.contains_key(key) {
            let value = if key == "external_id" {
                opt_id(&body, key)?
            } else {
                opt_str(&body, key)?
            };
            Ok(Some(value))
        } else {
            Ok(None)
        }
    };
    let (name, email, phone, external_id) = (
        text("name")?,
        text("email")?,
        text("phone")?,
        text("external_id")?,
    );
    let custom = match body.get("custom_attributes") {
        None | Some(Value::Null) => None,
        Some(Value::Object(map)) => Some(map.clone()),
        Some(_) => {
            return Err(IcError::bad_request(
                "parameter_invalid",
                "custom_attributes must be an object",
            ))
        }
    };
    let mut state = app.lock();
    let before = state.contact(&id).cloned().ok_or_else(user_not_found)?;
    let mut after = before.clone();
    if let Some(role) = role {
        after.role = role;
    }
    if let Some(v) = name {
        after.name = v;
    }
    if let Some(v) = email {
        after.email = v;
    }
    if let Some(v) = phone {
        after.formatted_phone = state.formatted_phone(v.as_deref());
        after.phone = v;
    }
    if let Some(v) = external_id {
        after.external_id = v;
    }
    if let Some(custom) = custom {
        after.custom_attributes.extend(custom);
    }
    if let Some(dup) = state.duplicate_of(
        Some(&id),
        after.role,
        after.email.as_deref(),
        after.external_id.as_deref(),
    ) {
        return Err(conflict(&dup));
    }
    if after != before {
        after.updated_at = clock::now().max(before.updated_at);
    }
    if let Some(stored) = state.contacts.iter_mut().find(|c| c.id == id) {
        *stored = after.clone();
    }
    if after != before {
        state.notify_contact("updated", &after);
    }
    Ok(Json(after.to_json(&state.workspace.id_code)))
}

/// `DELETE /contacts/{id}`.
pub(crate) async fn remove(State(app): State<Arc<IntercomApp>>, Path(id): Path<String>) -> Answer {
    let mut state = app.lock();
    let contact = state.contact(&id).cloned().ok_or_else(user_not_found)?;
    state.contacts.retain(|c| c.id != id);
    state.notify_id("contact.deleted", &id, json!({}));
    Ok(Json(json!({
        "type": "contact",
        "id": contact.id,
        "external_id": contact.external_id,
        "deleted": true,
    })))
}
