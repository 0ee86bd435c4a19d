//! A contact's phone numbers and emails, one at a time, as the real API edits them.
//!
//! `POST /v1/contacts/{id}/phone_details` adds a number; `PUT` (or `POST`, Aircall's usual
//! update verb) `/v1/contacts/{id}/phone_details/{detail_id}` changes one; `DELETE` removes it.
//! The same routes exist under `email_details`. Adding and changing answer the whole contact;
//! removing answers 204. A contact keeps at most 20 of each, and at least one phone number.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use super::contacts::MAX_DETAILS;
use super::model::{Contact, ContactDetail};
use super::{body_object, opt_str, path_id, render, AcError, AircallApp, Answer};
use crate::clock;

/// Which list of a contact a route edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Phone,
    Email,
}

impl Kind {
    fn list(self, contact: &mut Contact) -> &mut Vec<ContactDetail> {
        match self {
            Kind::Phone => &mut contact.phone_numbers,
            Kind::Email => &mut contact.emails,
        }
    }

    fn what(self) -> &'static str {
        match self {
            Kind::Phone => "Phone number",
            Kind::Email => "Email",
        }
    }
}

/// The `value` of a body: required when adding, optional when changing.
fn value(body: &Map<String, Value>, required: bool) -> Result<Option<String>, AcError> {
    let value = opt_str(body, "value")?
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty());
    if required && value.is_none() {
        return Err(AcError::bad_request("value is required"));
    }
    Ok(value)
}

fn add(app: &AircallApp, contact_id: &str, body: &Bytes, kind: Kind) -> Result<Response, AcError> {
    let contact_id = path_id(contact_id, "Contact")?;
    let body = body_object(body)?;
    let value = value(&body, true)?.unwrap_or_default();
    let label = opt_str(&body, "label")?.unwrap_or_else(|| "Work".to_owned());
    let now = clock::now();
    let mut state = app.lock();
    let detail = state.detail(&label, &value);
    let base = state.base_url.clone();
    let contact = state
        .contacts
        .iter_mut()
        .find(|c| c.id == contact_id)
        .ok_or_else(|| AcError::not_found("Contact"))?;
    let list = kind.list(contact);
    if list.len() >= MAX_DETAILS {
        return Err(AcError::bad_request(format!(
            "A contact can have at most {MAX_DETAILS} of them"
        )));
    }
    list.push(detail);
    contact.updated_at = now;
    let value = json!({"contact": render::contact(contact, &base)});
    Ok((StatusCode::CREATED, Json(value)).into_response())
}

fn change(
    app: &AircallApp,
    (contact_id, detail_id): (String, String),
    body: &Bytes,
    kind: Kind,
) -> Answer {
    let contact_id = path_id(&contact_id, "Contact")?;
    let detail_id = path_id(&detail_id, kind.what())?;
    let body = body_object(body)?;
    let value = value(&body, false)?;
    let label = opt_str(&body, "label")?;
    let now = clock::now();
    let mut state = app.lock();
    let base = state.base_url.clone();
    let contact = state
        .contacts
        .iter_mut()
        .find(|c| c.id == contact_id)
        .ok_or_else(|| AcError::not_found("Contact"))?;
    let detail = kind
        .list(contact)
        .iter_mut()
        .find(|d| d.id == detail_id)
        .ok_or_else(|| AcError::not_found(kind.what()))?;
    if let Some(value) = value {
        detail.value = value;
    }
    if let Some(label) = label {
        detail.label = label;
    }
    contact.updated_at = now;
    Ok(Json(json!({"contact": render::contact(contact, &base)})))
}

fn remove(
    app: &AircallApp,
    (contact_id, detail_id): (String, String),
    kind: Kind,
) -> Result<StatusCode, AcError> {
    let contact_id = path_id(&contact_id, "Contact")?;
    let detail_id = path_id(&detail_id, kind.what())?;
    let now = clock::now();
    let mut state = app.lock();
    let contact = state
        .contacts
        .iter_mut()
        .find(|c| c.id == contact_id)
        .ok_or_else(|| AcError::not_found("Contact"))?;
    let list = kind.list(contact);
    let Some(at) = list.iter().position(|d| d.id == detail_id) else {
        return Err(AcError::not_found(kind.what()));
    };
    if kind == Kind::Phone && list.len() == 1 {
        return Err(AcError::bad_request(
            "A contact needs at least one phone number; delete the contact instead",
        ));
    }
    list.remove(at);
    contact.updated_at = now;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/contacts/{id}/phone_details`.
pub(crate) async fn add_phone(
    State(app): State<Arc<AircallApp>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AcError> {
    add(&app, &id, &body, Kind::Phone)
}

/// `PUT` or `POST /v1/contacts/{id}/phone_details/{detail_id}`.
pub(crate) async fn change_phone(
    State(app): State<Arc<AircallApp>>,
    Path(ids): Path<(String, String)>,
    body: Bytes,
) -> Answer {
    change(&app, ids, &body, Kind::Phone)
}

/// `DELETE /v1/contacts/{id}/phone_details/{detail_id}`.
pub(crate) async fn remove_phone(
    State(app): State<Arc<AircallApp>>,
    Path(ids): Path<(String, String)>,
) -> Result<StatusCode, AcError> {
    remove(&app, ids, Kind::Phone)
}

/// `POST /v1/contacts/{id}/email_details`.
pub(crate) async fn add_email(
    State(app): State<Arc<AircallApp>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AcError> {
    add(&app, &id, &body, Kind::Email)
}

/// `PUT` or `POST /v1/contacts/{id}/email_details/{detail_id}`.
pub(crate) async fn change_email(
    State(app): State<Arc<AircallApp>>,
    Path(ids): Path<(String, String)>,
    body: Bytes,
) -> Answer {
    change(&app, ids, &body, Kind::Email)
}

/// `DELETE /v1/contacts/{id}/email_details/{detail_id}`.
pub(crate) async fn remove_email(
    State(app): State<Arc<AircallApp>>,
    Path(ids): Path<(String, String)>,
) -> Result<StatusCode, AcError> {
    remove(&app, ids, Kind::Email)
}
