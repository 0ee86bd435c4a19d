//! Conversations: create on behalf of a contact, read, list, search, reply (comment or note)
//! and manage (assign, close, open, snooze).
//!
//! Every new part bumps the conversation's `updated_at`. Single-conversation answers carry
//! `conversation_parts`; lists and searches do not.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::Json;
use serde_json::{json, Map, Value};

use super::paging::{Paging, Sort};
use super::search::{Field, Kind, Query};
use super::state::IntercomState;
use super::{body_object, opt_id, opt_str, render, req_id, Answer, IcError, IntercomApp};
use crate::clock;
use crate::intercom::{Actor, Conversation, ConversationState, Source};

const DEFAULT_PER_PAGE: usize = 20;

/// The searchable conversation fields and their types.
fn schema(field: &str) -> Option<Kind> {
    Some(match field {
        "id"
        | "state"
        | "priority"
        | "source.type"
        | "source.id"
        | "source.delivered_as"
        | "source.subject"
        | "source.author.id"
        | "source.author.type"
        | "source.author.name" => Kind::Text,
        "source.author.email" => Kind::TextNoCase,
        "source.body" => Kind::Words,
        "contact_ids" | "tag_ids" | "teammate_ids" => Kind::Ids,
        "created_at" | "updated_at" | "admin_assignee_id" | "team_assignee_id"
        | "snoozed_until" | "waiting_since" => Kind::Int,
        "open" | "read" => Kind::Bool,
        _ => return None,
    })
}

fn field(c: &Conversation, name: &str, state: &IntercomState) -> Field {
    let id_number = |id: &Option<String>| {
        Field::Int(Some(
            id.as_deref().and_then(|i| i.parse().ok()).unwrap_or(0),
        ))
    };
    let text = |s: &str| Field::Text(Some(s.to_owned()));
    let author = || render::author(&c.source.author, state);
    match name {
        "id" => text(&c.id),
        "state" => text(c.state.as_str()),
        "priority" => text("none"),
        "source.type" => text(&c.source.kind),
        "source.id" => text(&c.source.id),
        "source.delivered_as" => text(&c.source.delivered_as),
        "source.subject" => text(&c.source.subject),
        "source.body" => text(&c.source.body),
        "source.author.id" => text(&c.source.author.id),
        "source.author.type" => text(&c.source.author.kind),
        "source.author.name" => Field::Text(author()["name"].as_str().map(str::to_owned)),
        "source.author.email" => Field::Text(author()["email"].as_str().map(str::to_owned)),
        "contact_ids" => Field::Ids(c.contact_ids.clone()),
        "tag_ids" => Field::Ids(c.tags.iter().map(|t| t.id.clone()).collect()),
        "teammate_ids" => Field::Ids(
            c.parts
                .iter()
                .filter(|p| p.author.kind == "admin")
                .map(|p| p.author.id.clone())
                .collect(),
        ),
        "created_at" => Field::Int(Some(c.created_at)),
        "updated_at" => Field::Int(Some(c.updated_at)),
        "admin_assignee_id" => id_number(&c.admin_assignee_id),
        "team_assignee_id" => id_number(&c.team_assignee_id),
        "snoozed_until" => Field::Int(c.snoozed_until),
        "waiting_since" => Field::Int(None),
        "open" => Field::Bool(c.is_open()),
        "read" => Field::Bool(false),
        _ => Field::Text(None),
    }
}

fn conversation_not_found() -> IcError {
    IcError::not_found("not_found", "Resource Not Found")
}

fn list_answer(items: Vec<Conversation>, paging: Paging, state: &IntercomState) -> Value {
    let (page, total, pages) = paging.page(items);
    let conversations: Vec<Value> = page
        .iter()
        .map(|c| render::conversation(c, state, false))
        .collect();
    json!({
        "type": "conversation.list",
        "conversations": conversations,
        "total_count": total,
        "pages": pages,
    })
}

/// `POST /conversations/search`.
pub(crate) async fn search(State(app): State<Arc<IntercomApp>>, body: Bytes) -> Answer {
    let body = body_object(&body)?;
    let query = body.get("query").ok_or_else(|| {
        IcError::bad_request("parameter_not_found", "query is a required parameter")
    })?;
    let query = Query::parse(query, schema)?;
    let sort = Sort::parse(&body, schema, "created_at")?;
    let paging = Paging::from_body(&body, DEFAULT_PER_PAGE)?;
    let state = app.lock();
    let mut hits: Vec<Conversation> = state
        .conversations
        .iter()
        .filter(|c| query.matches(&|name| field(c, name, &state)))
        .cloned()
        .collect();
    hits.sort_by(|a, b| {
        sort.compare(
            &field(a, &sort.field, &state),
            &field(b, &sort.field, &state),
        )
        .then_with(|| a.id.cmp(&b.id))
    });
    Ok(Json(list_answer(hits, paging, &state)))
}

/// `GET /conversations?per_page=&starting_after=`, most recently updated first.
pub(crate) async fn list(State(app): State<Arc<IntercomApp>>, RawQuery(raw): RawQuery) -> Answer {
    let params = crate::traffic::query_params(raw.as_deref());
    let value = |key: &str| params.get(key).map(|v| Value::String(v.clone()));
    let paging = Paging::parse(
        value("per_page").as_ref(),
        value("starting_after").as_ref(),
        DEFAULT_PER_PAGE,
    )?;
    let state = app.lock();
    let mut items = state.conversations.clone();
    items.sort_by(|a, b| {
        b.updated_at
            .cmp(&a.updated_at)
            .then_with(|| a.id.cmp(&b.id))
    });
    Ok(Json(list_answer(items, paging, &state)))
}

/// `GET /conversations/{id}` with its parts.
pub(crate) async fn get_one(State(app): State<Arc<IntercomApp>>, Path(id): Path<String>) -> Answer {
    let state = app.lock();
    let conv = state
        .conversations
        .iter()
        .find(|c| c.id == id)
        .ok_or_else(conversation_not_found)?;
    Ok(Json(render::conversation(conv, &state, true)))
}

fn opt_time(body: &Map<String, Value>, key: &str) -> Result<Option<i64>, IcError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_i64().map(Some).ok_or_else(|| {
            IcError::bad_request("parameter_invalid", format!("{key} must be UNIX seconds"))
        }),
    }
}

/// `POST /conversations`: a contact-initiated in-app conversation; answers the message.
pub(crate) async fn create(State(app): State<Arc<IntercomApp>>, body: Bytes) -> Answer {
    let body = body_object(&body)?;
    let from = body.get("from").and_then(Value::as_object).ok_or_else(|| {
        IcError::bad_request("parameter_not_found", "from is a required parameter")
    })?;
    match opt_str(from, "type")?.as_deref() {
        Some("user" | "lead" | "contact") => {}
        _ => {
            return Err(IcError::bad_request(
                "parameter_invalid",
                "from.type must be user, lead or contact",
            ))
        }
    }
    let contact_id = req_id(from, "id")?;
    let text = opt_str(&body, "body")?
        .filter(|b| !b.trim().is_empty())
        .ok_or_else(|| {
            IcError::bad_request("parameter_not_found", "body is a required parameter")
        })?;
    let subject = opt_str(&body, "subject")?.unwrap_or_default();
    let created_at = opt_time(&body, "created_at")?.unwrap_or_else(clock::now);
    let mut state = app.lock();
    if state.contact(&contact_id).is_none() {
        return Err(IcError::not_found("not_found", "User Not Found"));
    }
    let id = state.next_conversation_id();
    let message_id = state.next_message_id();
    let author = state.contact_actor(&contact_id);
    state.conversations.push(Conversation {
        id: id.clone(),
        created_at,
        updated_at: created_at,
        state: ConversationState::Open,
        snoozed_until: None,
        admin_assignee_id: None,
        team_assignee_id: None,
        contact_ids: vec![contact_id],
        title: None,
        source: Source {
            kind: "conversation".to_owned(),
            id: message_id.clone(),
            delivered_as: "customer_initiated".to_owned(),
            subject,
            body: text.clone(),
            author,
        },
        tags: Vec::new(),
        parts: Vec::new(),
    });
    Ok(Json(json!({
        "type": "user_message",
        "id": message_id,
        "created_at": created_at,
        "body": text,
        "message_type": "inapp",
        "conversation_id": id,
    })))
}

/// The contact a user reply or a `last` reply names: `intercom_user_id`, `email` or `user_id`.
fn replying_contact(state: &IntercomState, body: &Map<String, Value>) -> Result<String, IcError> {
    if let Some(id) = opt_id(body, "intercom_user_id")? {
        return state
            .contact(&id)
            .map(|c| c.id.clone())
            .ok_or_else(|| IcError::not_found("not_found", "User Not Found"));
    }
    let found = if let Some(email) = opt_str(body, "email")? {
        state.contacts.iter().find(|c| {
            c.email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(&email))
        })
    } else if let Some(external) = opt_id(body, "user_id")? {
        state
            .contacts
            .iter()
            .find(|c| c.external_id.as_deref() == Some(external.as_str()))
    } else {
        return Err(IcError::bad_request(
            "parameter_not_found",
            "intercom_user_id, email or user_id is required",
        ));
    };
    found
        .map(|c| c.id.clone())
        .ok_or_else(|| IcError::not_found("not_found", "User Not Found"))
}

/// Resolves the path id: a conversation id, or `last` for the contact's most recently updated
/// conversation.
fn target(state: &IntercomState, id: &str, body: &Map<String, Value>) -> Result<String, IcError> {
    if id == "last" {
        let contact = replying_contact(state, body)?;
        return state
            .conversations
            .iter()
            .filter(|c| c.contact_ids.contains(&contact))
            .max_by_key(|c| (c.updated_at, c.created_at))
            .map(|c| c.id.clone())
            .ok_or_else(conversation_not_found);
    }
    state
        .conversations
        .iter()
        .find(|c| c.id == id)
        .map(|c| c.id.clone())
        .ok_or_else(conversation_not_found)
}

fn acting_admin(state: &IntercomState, body: &Map<String, Value>) -> Result<String, IcError> {
    let admin_id = req_id(body, "admin_id")?;
    if state.admin(&admin_id).is_none() {
        return Err(IcError::not_found("admin_not_found", "Admin not found"));
    }
    Ok(admin_id)
}

/// `POST /conversations/{id}/reply`: an admin comment or note, or a contact's comment.
pub(crate) async fn reply(
    State(app): State<Arc<IntercomApp>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    let body = body_object(&body)?;
    let kind = opt_str(&body, "type")?.ok_or_else(|| {
        IcError::bad_request("parameter_not_found", "type is a required parameter")
    })?;
    let message_type = opt_str(&body, "message_type")?.ok_or_else(|| {
        IcError::bad_request(
            "parameter_not_found",
            "message_type is a required parameter",
        )
    })?;
    let text = opt_str(&body, "body")?;
    let at = opt_time(&body, "created_at")?.unwrap_or_else(clock::now);
    let mut state = app.lock();
    let conversation_id = target(&state, &id, &body)?;
    let author = match kind.as_str() {
        "admin" => {
            if !["comment", "note", "quick_reply"].contains(&message_type.as_str()) {
                return Err(IcError::bad_request(
                    "parameter_invalid",
                    "message_type must be comment, note or quick_reply",
                ));
            }
            Actor::admin(&acting_admin(&state, &body)?)
        }
        "user" => {
            if !["comment", "quick_reply"].contains(&message_type.as_str()) {
                return Err(IcError::bad_request(
                    "parameter_invalid",
                    "message_type must be comment or quick_reply",
                ));
            }
            state.contact_actor(&replying_contact(&state, &body)?)
        }
        _ => {
            return Err(IcError::bad_request(
                "parameter_invalid",
                "type must be admin or user",
            ))
        }
    };
    if message_type != "quick_reply" && text.as_deref().is_none_or(|t| t.trim().is_empty()) {
        return Err(IcError::bad_request(
            "parameter_not_found",
            "body is a required parameter",
        ));
    }
    let reopens = kind == "user";
    state.add_part(&conversation_id, &message_type, text, author, None, at);
    let conv = state
        .conversation_mut(&conversation_id)
        .ok_or_else(conversation_not_found)?;
    if reopens && conv.state != ConversationState::Open {
        conv.state = ConversationState::Open;
        conv.snoozed_until = None;
    }
    let conv = conv.clone();
    Ok(Json(render::conversation(&conv, &state, true)))
}

/// `POST /conversations/{id}/parts`: assignment, close, open or snoozed.
pub(crate) async fn manage(
    State(app): State<Arc<IntercomApp>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    let body = body_object(&body)?;
    let message_type = opt_str(&body, "message_type")?.ok_or_else(|| {
        IcError::bad_request(
            "parameter_not_found",
            "message_type is a required parameter",
        )
    })?;
    let text = opt_str(&body, "body")?;
    let now = clock::now();
    let mut state = app.lock();
    let conversation_id = target(&state, &id, &body)?;
    let admin = Actor::admin(&acting_admin(&state, &body)?);
    match message_type.as_str() {
        "assignment" => {
            let team = match opt_str(&body, "type")?.as_deref() {
                None | Some("admin") => false,
                Some("team") => true,
                Some(_) => {
                    return Err(IcError::bad_request(
                        "parameter_invalid",
                        "type must be admin or team",
                    ))
                }
            };
            let assignee = req_id(&body, "assignee_id")?;
            let assignee = (assignee != "0").then_some(assignee);
            if let Some(a) = assignee.as_deref().filter(|_| !team) {
                if state.admin(a).is_none() {
                    return Err(IcError::not_found(
                        "assignee_not_found",
                        "Assignee not found",
                    ));
                }
            }
            let assigned_to = assignee.as_ref().map(|a| Actor {
                kind: if team { "team" } else { "admin" }.to_owned(),
                id: a.clone(),
            });
            state.add_part(
                &conversation_id,
                "assignment",
                text,
                admin,
                assigned_to,
                now,
            );
            if let Some(conv) = state.conversation_mut(&conversation_id) {
                if team {
                    conv.team_assignee_id = assignee;
                } else {
                    conv.admin_assignee_id = assignee;
                }
            }
        }
        "close" | "open" => {
            state.add_part(&conversation_id, &message_type, text, admin, None, now);
            if let Some(conv) = state.conversation_mut(&conversation_id) {
                conv.state = if message_type == "close" {
                    ConversationState::Closed
                } else {
                    ConversationState::Open
                };
                conv.snoozed_until = None;
            }
        }
        "snoozed" => {
            let until = opt_time(&body, "snoozed_until")?.ok_or_else(|| {
                IcError::bad_request(
                    "parameter_not_found",
                    "snoozed_until is a required parameter",
                )
            })?;
            state.add_part(&conversation_id, "snoozed", text, admin, None, now);
            if let Some(conv) = state.conversation_mut(&conversation_id) {
                conv.state = ConversationState::Snoozed;
                conv.snoozed_until = Some(until);
            }
        }
        other => {
            return Err(IcError::bad_request(
                "parameter_invalid",
                format!("message_type must be assignment, close, open or snoozed, not `{other}`"),
            ))
        }
    }
    let conv = state
        .conversations
        .iter()
        .find(|c| c.id == conversation_id)
        .cloned()
        .ok_or_else(conversation_not_found)?;
    Ok(Json(render::conversation(&conv, &state, true)))
}
