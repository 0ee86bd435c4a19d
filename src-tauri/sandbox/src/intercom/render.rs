//! The JSON the fake Intercom answers, built from its records (2.16 shapes).

use serde_json::{json, Value};

use super::model::{Actor, AppliedTag, Conversation, Part, Tag};
use super::state::IntercomState;

/// A tag object.
pub(crate) fn tag(t: &Tag) -> Value {
    json!({"type": "tag", "id": t.id, "name": t.name})
}

/// A tag as applied to a conversation.
pub(crate) fn applied_tag(t: &AppliedTag) -> Value {
    json!({
        "type": "tag",
        "id": t.id,
        "name": t.name,
        "applied_at": t.applied_at,
        "applied_by": {"type": "admin", "id": t.applied_by},
    })
}

/// `{type, id, name, email}` for an admin or a contact.
pub(crate) fn author(actor: &Actor, state: &IntercomState) -> Value {
    let (name, email) = match actor.kind.as_str() {
        "admin" => state
            .admin(&actor.id)
            .map(|a| (Some(a.name.clone()), Some(a.email.clone())))
            .unwrap_or_default(),
        "user" | "lead" | "contact" => state
            .contact(&actor.id)
            .map(|c| (c.name.clone(), c.email.clone()))
            .unwrap_or_default(),
        _ => (None, None),
    };
    json!({"type": actor.kind, "id": actor.id, "name": name, "email": email})
}

fn part(p: &Part, state: &IntercomState) -> Value {
    json!({
        "type": "conversation_part",
        "id": p.id,
        "part_type": p.part_type,
        "body": p.body,
        "created_at": p.created_at,
        "updated_at": p.created_at,
        "notified_at": p.created_at,
        "assigned_to": p.assigned_to.as_ref().map(|a| json!({"type": a.kind, "id": a.id})),
        "author": author(&p.author, state),
        "attachments": [],
        "external_id": null,
        "redacted": false,
        "tags": [],
    })
}

fn numeric(id: &Option<String>) -> Value {
    match id {
        Some(id) => id
            .parse::<u64>()
            .map_or_else(|_| Value::String(id.clone()), Value::from),
        None => Value::Null,
    }
}

/// A conversation object; `with_parts` adds `conversation_parts` (only single-conversation
/// answers carry them).
pub(crate) fn conversation(c: &Conversation, state: &IntercomState, with_parts: bool) -> Value {
    let contacts: Vec<Value> = c
        .contact_ids
        .iter()
        .map(|id| {
            let external_id = state.contact(id).and_then(|x| x.external_id.clone());
            json!({"type": "contact", "id": id, "external_id": external_id})
        })
        .collect();
    let mut value = json!({
        "type": "conversation",
        "id": c.id,
        "title": c.title,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
        "waiting_since": null,
        "snoozed_until": c.snoozed_until,
        "open": c.is_open(),
        "state": c.state.as_str(),
        "read": false,
        "priority": "none",
        "admin_assignee_id": numeric(&c.admin_assignee_id),
        "team_assignee_id": numeric(&c.team_assignee_id),
        "source": {
            "type": c.source.kind,
            "id": c.source.id,
            "delivered_as": c.source.delivered_as,
            "subject": c.source.subject,
            "body": c.source.body,
            "author": author(&c.source.author, state),
            "attachments": [],
            "url": null,
            "redacted": false,
        },
        "contacts": {"type": "contact.list", "contacts": contacts},
        "teammates": {"type": "admin.list", "teammates": []},
        "tags": {"type": "tag.list", "tags": c.tags.iter().map(applied_tag).collect::<Vec<_>>()},
        "custom_attributes": state.attributes.of(&c.id),
        "linked_objects": {"type": "list", "data": [], "total_count": 0, "has_more": false},
        "ai_agent_participated": false,
    });
    if with_parts {
        let parts: Vec<Value> = c.parts.iter().take(500).map(|p| part(p, state)).collect();
        value["conversation_parts"] = json!({
            "type": "conversation_part.list",
            "conversation_parts": parts,
            "total_count": c.parts.len(),
        });
    }
    value
}
