//! The JSON the fake Aircall answers, built from its records.

use serde_json::{json, Value};

use super::model::{Call, Contact, ContactDetail, Message, Number, Tag, User, Webhook};
use super::state::AircallState;
use crate::clock::iso8601;

/// A user as `/v2/users` shows it (no `numbers`).
pub(crate) fn user(u: &User, base: &str) -> Value {
    json!({
        "id": u.id,
        "direct_link": format!("{base}/v2/users/{}", u.id),
        "name": u.name,
        "email": u.email,
        "available": u.available(),
        "availability_status": u.availability_status,
        "substatus": u.substatus,
        "created_at": iso8601(u.created_at),
        "time_zone": u.time_zone,
        "language": u.language,
        "wrap_up_time": u.wrap_up_time,
    })
}

/// A number without its users.
fn number_core(n: &Number, base: &str) -> Value {
    json!({
        "id": n.id,
        "direct_link": format!("{base}/v1/numbers/{}", n.id),
        "name": n.name,
        "digits": n.digits,
        "created_at": iso8601(n.created_at),
        "country": n.country,
        "time_zone": n.time_zone,
        "open": n.availability_status != "closed",
        "availability_status": n.availability_status,
        "is_ivr": false,
        "live_recording_activated": false,
        "priority": null,
        "messages": {},
    })
}

/// A number with the users who answer on it.
pub(crate) fn number(n: &Number, state: &AircallState) -> Value {
    let mut value = number_core(n, &state.base_url);
    value["users"] = n
        .users
        .iter()
        .filter_map(|id| state.user(*id))
        .map(|u| user(u, &state.base_url))
        .collect::<Vec<_>>()
        .into();
    value
}

fn details(list: &[ContactDetail]) -> Value {
    list.iter()
        .map(|d| json!({"id": d.id, "label": d.label, "value": d.value}))
        .collect::<Vec<_>>()
        .into()
}

/// A contact.
pub(crate) fn contact(c: &Contact, base: &str) -> Value {
    json!({
        "id": c.id,
        "direct_link": format!("{base}/v1/contacts/{}", c.id),
        "first_name": c.first_name,
        "last_name": c.last_name,
        "company_name": c.company_name,
        "description": c.description,
        "information": c.information,
        "is_shared": c.is_shared,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
        "phone_numbers": details(&c.phone_numbers),
        "emails": details(&c.emails),
    })
}

/// A call tag definition.
pub(crate) fn tag(t: &Tag, base: &str) -> Value {
    json!({
        "id": t.id,
        "direct_link": format!("{base}/v1/tags/{}", t.id),
        "name": t.name,
        "color": t.color,
        "description": t.description,
    })
}

/// A webhook registration.
pub(crate) fn webhook(w: &Webhook, base: &str) -> Value {
    json!({
        "webhook_id": w.webhook_id,
        "direct_link": format!("{base}/v1/webhooks/{}", w.webhook_id),
        "created_at": iso8601(w.created_at),
        "custom_name": w.custom_name,
        "url": w.url,
        "active": w.active,
        "events": w.events,
        "token": w.token,
    })
}

/// A call with its user, number, contact, comments and tags.
pub(crate) fn call(c: &Call, state: &AircallState) -> Value {
    let base = &state.base_url;
    let user_of = |id: Option<u64>| {
        id.and_then(|id| state.user(id))
            .map_or(Value::Null, |u| user(u, base))
    };
    json!({
        "id": c.id,
        "sid": c.sid,
        "direct_link": format!("{base}/v1/calls/{}", c.id),
        "direction": c.direction,
        "status": c.status,
        "missed_call_reason": c.missed_call_reason,
        "started_at": c.started_at,
        "answered_at": c.answered_at,
        "ended_at": c.ended_at,
        "duration": c.duration(),
        "raw_digits": c.raw_digits,
        "voicemail": c.voicemail,
        "recording": c.recording,
        // Aircall's lasting page for a voicemail, beside the short-lived media link; on a host
        // that never resolves, like the media.
        "asset": c.voicemail.as_ref().map(|_| format!("https://assets.sandbox.aircall.invalid/calls/{}/voicemail", c.id)),
        "archived": c.archived,
        "cost": null,
        "hangup_cause": null,
        "user": user_of(c.user_id),
        "assigned_to": user_of(c.assigned_to),
        "transferred_by": user_of(c.transferred_by),
        "transferred_to": user_of(c.transferred_to),
        "number": state.number(c.number_id).map_or(Value::Null, |n| number_core(n, base)),
        "contact": c
            .contact_id
            .and_then(|id| state.contact(id))
            .map_or(Value::Null, |x| contact(x, base)),
        "teams": [],
        "comments": c
            .comments
            .iter()
            .map(|m| json!({"id": m.id, "content": m.content, "posted_at": m.posted_at, "posted_by": user_of(m.posted_by)}))
            .collect::<Vec<_>>(),
        "tags": c
            .tags
            .iter()
            .map(|t| json!({"id": t.id, "name": t.name, "tagged_at": t.tagged_at, "tagged_by": null}))
            .collect::<Vec<_>>(),
    })
}

/// A message as Aircall's webhooks carry it: the number (with the users who answer on it when
/// the sandbox is set to send them), and the sending agent for an outbound message.
pub(crate) fn message(m: &Message, state: &AircallState) -> Value {
    let base = &state.base_url;
    let contact = state
        .contact_for_number(&m.external_number)
        .and_then(|id| state.contact(id))
        .map_or(Value::Null, |x| contact(x, base));
    json!({
        "id": m.id,
        "direct_link": format!("{base}/v1/messages/{}", m.id),
        "direction": m.direction,
        "external_number": m.external_number,
        "raw_digits": m.external_number,
        "body": m.body,
        "status": m.status,
        "channel": m.channel,
        "media_details": [],
        "created_at": m.created_at,
        "updated_at": m.updated_at,
        "sent_at": m.created_at,
        "number": state.number(m.number_id).map_or(Value::Null, |n| {
            if state.message_numbers_with_users {
                number(n, state)
            } else {
                number_core(n, base)
            }
        }),
        "contact": contact,
        "user": m.user_id.and_then(|id| state.user(id)).map_or(Value::Null, |u| user(u, base)),
    })
}
