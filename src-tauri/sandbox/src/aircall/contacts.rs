//! Shared contacts: list, search by phone or email, read, create, update (a `POST`, not a
//! `PUT`), delete.
//!
//! Updating changes names, company and information only; phone numbers and emails are kept
//! (the real API edits them one at a time, see `details.rs`).

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use super::paging::Paging;
use super::state::{digits, AircallState};
use super::{body_object, opt_str, path_id, render, AcError, AircallApp, Answer};
use crate::aircall::{Contact, ContactDetail};
use crate::clock;
use crate::traffic::query_params;

/// The most phone numbers, and the most emails, one contact may have.
pub(crate) const MAX_DETAILS: usize = 20;

fn sorted(state: &AircallState, params: &HashMap<String, String>) -> Result<Vec<Contact>, AcError> {
    let by_updated = match params.get("order_by").map(String::as_str) {
        None | Some("created_at") => false,
        Some("updated_at") => true,
        Some(other) => {
            return Err(AcError::bad_request(format!(
                "order_by must be created_at or updated_at, not `{other}`"
            )))
        }
    };
    let bound = |key: &str| {
        params
            .get(key)
            .map(|v| {
                v.trim()
                    .parse::<i64>()
                    .map_err(|_| AcError::bad_request(format!("{key} must be a UNIX timestamp")))
            })
            .transpose()
    };
    let (from, to) = (bound("from")?, bound("to")?);
    let mut contacts: Vec<Contact> = state
        .contacts
        .iter()
        .filter(|c| from.is_none_or(|f| c.created_at >= f) && to.is_none_or(|t| c.created_at <= t))
        .cloned()
        .collect();
    contacts.sort_by_key(|c| {
        (
            if by_updated {
                c.updated_at
            } else {
                c.created_at
            },
            c.id,
        )
    });
    Ok(contacts)
}

fn answer(
    contacts: Vec<Contact>,
    paging: Paging,
    state: &AircallState,
    path: &str,
    params: &HashMap<String, String>,
) -> Json<Value> {
    let (page, meta) = paging.page(contacts, &state.base_url, path, params);
    let contacts: Vec<Value> = page
        .iter()
        .map(|c| render::contact(c, &state.base_url))
        .collect();
    Json(json!({"contacts": contacts, "meta": meta}))
}

/// `GET /v1/contacts?order_by=&order=&from=&to=`.
pub(crate) async fn list(State(app): State<Arc<AircallApp>>, RawQuery(raw): RawQuery) -> Answer {
    let params = query_params(raw.as_deref());
    let paging = Paging::parse(&params)?;
    let state = app.lock();
    let contacts = sorted(&state, &params)?;
    Ok(answer(contacts, paging, &state, "/v1/contacts", &params))
}

/// `GET /v1/contacts/search?phone_number=&email=`: phone numbers compare by digits, emails
/// without regard to letter case.
pub(crate) async fn search(State(app): State<Arc<AircallApp>>, RawQuery(raw): RawQuery) -> Answer {
    let params = query_params(raw.as_deref());
    let paging = Paging::parse(&params)?;
    let phone = params.get("phone_number").map(|p| digits(p));
    let email = params.get("email").map(|e| e.trim().to_lowercase());
    if phone.is_none() && email.is_none() {
        return Err(AcError::bad_request("Give phone_number or email"));
    }
    let state = app.lock();
    let contacts: Vec<Contact> = sorted(&state, &params)?
        .into_iter()
        .filter(|c| {
            phone
                .as_deref()
                .is_none_or(|p| c.phone_numbers.iter().any(|x| digits(&x.value) == p))
        })
        .filter(|c| {
            email
                .as_deref()
                .is_none_or(|e| c.emails.iter().any(|x| x.value.to_lowercase() == e))
        })
        .collect();
    Ok(answer(
        contacts,
        paging,
        &state,
        "/v1/contacts/search",
        &params,
    ))
}

/// `GET /v1/contacts/{id}`.
pub(crate) async fn get_one(State(app): State<Arc<AircallApp>>, Path(id): Path<String>) -> Answer {
    let id = path_id(&id, "Contact")?;
    let state = app.lock();
    let contact = state
        .contact(id)
        .ok_or_else(|| AcError::not_found("Contact"))?;
    Ok(Json(
        json!({"contact": render::contact(contact, &state.base_url)}),
    ))
}

/// `[{label, value}]` from a body member; `None` when absent.
fn detail_list(
    body: &Map<String, Value>,
    key: &str,
) -> Result<Option<Vec<(String, String)>>, AcError> {
    let Some(raw) = body.get(key).filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let items = raw.as_array().ok_or_else(|| {
        AcError::bad_request(format!("{key} must be an array of {{label, value}}"))
    })?;
    if items.len() > MAX_DETAILS {
        return Err(AcError::bad_request(format!(
            "A contact can have at most {MAX_DETAILS} {key}, got {}",
            items.len()
        )));
    }
    items
        .iter()
        .map(|item| {
            let value = item
                .get("value")
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .ok_or_else(|| AcError::bad_request(format!("Each of {key} needs a value")))?;
            let label = item.get("label").and_then(Value::as_str).unwrap_or("Work");
            Ok((label.to_owned(), value.to_owned()))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// `POST /v1/contacts`: needs at least one phone number.
pub(crate) async fn create(
    State(app): State<Arc<AircallApp>>,
    body: Bytes,
) -> Result<Response, AcError> {
    let body = body_object(&body)?;
    let phones = detail_list(&body, "phone_numbers")?.unwrap_or_default();
    if phones.is_empty() {
        return Err(AcError::bad_request(
            "phone_numbers needs at least one number",
        ));
    }
    let emails = detail_list(&body, "emails")?.unwrap_or_default();
    let now = clock::now();
    let mut state = app.lock();
    let phone_numbers: Vec<ContactDetail> =
        phones.iter().map(|(l, v)| state.detail(l, v)).collect();
    let emails: Vec<ContactDetail> = emails.iter().map(|(l, v)| state.detail(l, v)).collect();
    let contact = Contact {
        id: state.next_id(),
        first_name: opt_str(&body, "first_name")?,
        last_name: opt_str(&body, "last_name")?,
        company_name: opt_str(&body, "company_name")?,
        information: opt_str(&body, "information")?,
        description: opt_str(&body, "description")?,
        is_shared: true,
        phone_numbers,
        emails,
        created_at: now,
        updated_at: now,
    };
    state.contacts.push(contact.clone());
    let value = json!({"contact": render::contact(&contact, &state.base_url)});
    Ok((StatusCode::CREATED, Json(value)).into_response())
}

/// `POST /v1/contacts/{id}`: changes first_name, last_name, company_name, information and
/// description when given.
pub(crate) async fn update(
    State(app): State<Arc<AircallApp>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    let id = path_id(&id, "Contact")?;
    let body = body_object(&body)?;
    let mut fields = Vec::new();
    for key in [
        "first_name",
        "last_name",
        "company_name",
        "information",
        "description",
    ] {
        if body.contains_key(key) {
            fields.push((key, opt_str(&body, key)?));
        }
    }
    let now = clock::now();
    let mut state = app.lock();
    let contact = state
        .contacts
        .iter_mut()
        .find(|c| c.id == id)
        .ok_or_else(|| AcError::not_found("Contact"))?;
    for (key, value) in fields {
        let slot = match key {
            "first_name" => &mut contact.first_name,
            "last_name" => &mut contact.last_name,
            "company_name" => &mut contact.company_name,
            "information" => &mut contact.information,
            _ => &mut contact.description,
        };
        *slot = value;
    }
    contact.updated_at = now;
    let contact = contact.clone();
    Ok(Json(
        json!({"contact": render::contact(&contact, &state.base_url)}),
    ))
}

/// `DELETE /v1/contacts/{id}`: 204.
pub(crate) async fn remove(
    State(app): State<Arc<AircallApp>>,
    Path(id): Path<String>,
) -> Result<StatusCode, AcError> {
    let id = path_id(&id, "Contact")?;
    let mut state = app.lock();
    let before = state.contacts.len();
    state.contacts.retain(|c| c.id != id);
    if state.contacts.len() == before {
        return Err(AcError::not_found("Contact"));
    }
    for call in &mut state.calls {
        if call.contact_id == Some(id) {
            call.contact_id = None;
        }
    }
    Ok(StatusCode::NO_CONTENT)
}
