//! The seed's logging rules as pure functions: from what is known of a call or a message, and
//! what was already planned for it, to the effects still missing.
//!
//! The rules compare a desired state (a conversation, a summary note, one note per comment, the
//! right assignee, the call's tags) with their memory of what they already asked for, and emit
//! only the difference. So a redelivered or reordered webhook adds nothing that was planned, and
//! an event that brings news (a comment, a tag, a new assignee) adds exactly that. No IO here.

pub mod notes;
mod settings;

use std::collections::BTreeSet;

pub use notes::{call_first_message, message_first_message};
pub(crate) use settings::bounded;
pub use settings::{MessageFallback, Settings, TAG_WINDOW_MINUTES};

pub use crate::domain::effect::{AssignTarget, Effect, Fallback, Planned};
pub use crate::domain::memory::{CallMemory, MessageMemory};

use crate::aircall::{Call, Direction, Message, UserRef};
use crate::domain::reason::Reason;
use crate::webhook::{CallEvent, MessageEvent};

/// Aircall sends `call.ended` about 30 s after the hang-up, once duration, recording and the
/// rest are final; an event emitted that long after the end carries final data as well.
pub const FINAL_DATA_DELAY_SECS: i64 = 30;

/// Why a call is not logged at all.
pub fn call_not_logged(call: &Call, settings: &Settings) -> Option<Reason> {
    match (call.direction, call.answered_at.is_some()) {
        (Direction::Outbound, _) if !settings.log_outbound_calls => Some(Reason::OutboundCallsOff),
        (Direction::Inbound, true) if !settings.log_answered_calls => {
            Some(Reason::AnsweredCallsOff)
        }
        (Direction::Inbound, false) if !settings.log_missed_calls => Some(Reason::MissedCallsOff),
        _ => None,
    }
}

/// Whether the call is over.
pub fn is_done(call: &Call, kind: CallEvent) -> bool {
    call.status == "done"
        || call.ended_at.is_some()
        || matches!(kind, CallEvent::Hungup | CallEvent::Ended)
}

/// Whether the snapshot of a finished call can be logged: it came with `call.ended` or after
/// it, or the summary was already written. Webhooks arrive in any order, so logging from the
/// first finished snapshot (`call.hungup`) would make what Intercom shows depend on the order.
fn final_data(call: &Call, kind: CallEvent, event_time: i64, m: &CallMemory) -> bool {
    m.summary
        || kind == CallEvent::Ended
        || (kind != CallEvent::Hungup
            && call
                .ended_at
                .is_some_and(|end| event_time >= end.saturating_add(FINAL_DATA_DELAY_SECS)))
}

/// The effects a call event still needs. `call` is the most complete snapshot known.
pub fn plan_call(
    kind: CallEvent,
    call: &Call,
    event_time: i64,
    memory: &CallMemory,
    settings: &Settings,
) -> (Vec<Planned>, CallMemory) {
    let mut m = memory.clone();
    let mut out = Vec::new();
    let id = call.id;
    let done = is_done(call, kind);

    // The card is built for the agents whatever the setting; the setting decides whether it
    // is also pushed to Aircall's phone app.
    if !done && !m.card_pushed {
        out.push(Planned {
            key: format!("call:{id}:card"),
            effect: Effect::PushInsightCard,
        });
        m.card_pushed = true;
    }
    if !done || !final_data(call, kind, event_time, &m) || call_not_logged(call, settings).is_some()
    {
        return (out, m);
    }

    if !m.conversation {
        out.push(Planned {
            key: format!("call:{id}:conversation"),
            effect: Effect::StartConversation {
                body: call_first_message(call),
            },
        });
        m.conversation = true;
    }
    if !m.summary {
        out.push(note(
            format!("call:{id}:summary"),
            notes::call_summary(call),
        ));
        m.summary = true;
        m.media = notes::media_link(call).is_some();
    }
    if m.summary && !m.media {
        if let Some(link) = notes::media_link(call) {
            out.push(note(
                format!("call:{id}:media"),
                notes::media_note(call, &link),
            ));
            m.media = true;
        }
    }
    for comment in &call.comments {
        if m.comments.insert(comment.id) {
            out.push(note(
                format!("call:{id}:comment:{}", comment.id),
                notes::comment_note(comment),
            ));
        }
    }
    plan_assignment(call, &mut m, &mut out);
    plan_tags(call, event_time, settings, &mut m, &mut out);
    (out, m)
}

fn note(key: String, body: String) -> Planned {
    Planned {
        key,
        effect: Effect::AddNote {
            body,
            author_email: None,
        },
    }
}

fn teammate(user: &UserRef, fallback: Fallback) -> Option<AssignTarget> {
    let email = user.email.as_deref()?.trim();
    if email.is_empty() {
        return None;
    }
    Some(AssignTarget::Teammate {
        email: email.to_lowercase(),
        name: user.name.clone(),
        fallback,
    })
}

fn target_key(target: &AssignTarget) -> String {
    match target {
        AssignTarget::Teammate { email, .. } => email.clone(),
        AssignTarget::IntegrationAdmin => "integration".to_owned(),
        AssignTarget::LineTeammate { number_id, .. } => format!("line:{number_id}"),
    }
}

fn assign(call_id: u64, target: AssignTarget, m: &mut CallMemory, out: &mut Vec<Planned>) {
    let key = target_key(&target);
    if m.assignee.as_deref() == Some(key.as_str()) {
        return;
    }
    m.seq += 1;
    out.push(Planned {
        key: format!("call:{call_id}:assign:{}", m.seq),
        effect: Effect::Assign { target },
    });
    m.assignee = Some(key);
}

fn plan_assignment(call: &Call, m: &mut CallMemory, out: &mut Vec<Planned>) {
    let answered = call.answered_at.is_some();
    // The teammate who answered or placed the call; a missed inbound call stays unassigned.
    if m.assignee.is_none() && (call.direction == Direction::Outbound || answered) {
        let original = call
            .user
            .as_ref()
            .and_then(|u| teammate(u, Fallback::IntegrationAdmin));
        assign(
            call.id,
            original.unwrap_or(AssignTarget::IntegrationAdmin),
            m,
            out,
        );
    }
    // A transfer that was answered moves the conversation to the new teammate, if matched.
    if let Some(to) = &call.transferred_to {
        let failed = m.failed_transfers.contains(&to.id);
        if answered && !failed && m.transferred_to != Some(to.id) {
            m.transferred_to = Some(to.id);
            if let Some(target) = teammate(to, Fallback::Keep) {
                assign(call.id, target, m, out);
            }
        }
    }
    // A transfer acted on before its failure was known: back to the teammate who answered.
    if let Some(moved) = m.transferred_to {
        if m.failed_transfers.contains(&moved) {
            m.transferred_to = None;
            let original = call
                .user
                .as_ref()
                .and_then(|u| teammate(u, Fallback::IntegrationAdmin));
            assign(
                call.id,
                original.unwrap_or(AssignTarget::IntegrationAdmin),
                m,
                out,
            );
        }
    }
    // A reassignment in Aircall: to someone else than the teammate who last had the call.
    if let Some(to) = &call.assigned_to {
        let previous = m
            .assigned_to
            .clone()
            .or_else(|| call.user.as_ref().map(|u| (u.id, u.name.clone())));
        if previous.as_ref().map(|(id, _)| *id) != Some(to.id) {
            let from = previous.map(|(_, name)| name);
            m.seq += 1;
            out.push(note(
                format!("call:{}:reassigned:{}", call.id, m.seq),
                notes::reassigned_note(from.as_deref(), &to.name),
            ));
            if let Some(target) = teammate(to, Fallback::Keep) {
                assign(call.id, target, m, out);
            }
        }
        m.assigned_to = Some((to.id, to.name.clone()));
    }
}

fn plan_tags(
    call: &Call,
    event_time: i64,
    settings: &Settings,
    m: &mut CallMemory,
    out: &mut Vec<Planned>,
) {
    // Checked: `ended_at` is Aircall's, and may be anything; a window past the end of time is
    // still open.
    let window_end = call
        .ended_at
        .map(|ended| ended.saturating_add(settings.tag_window_secs));
    if window_end.is_some_and(|end| event_time > end) {
        return;
    }
    // A tag put on later than the window is not synced, whatever event brings it.
    let in_window = |t: &&crate::aircall::CallTag| match (window_end, t.tagged_at) {
        (Some(end), Some(at)) => at <= end,
        _ => true,
    };
    let desired: BTreeSet<String> = call
        .tags
        .iter()
        .filter(in_window)
        .map(|t| t.name.trim().to_owned())
        .filter(|n| !n.is_empty())
        .collect();
    let desired_lower: BTreeSet<String> = desired.iter().map(|n| n.to_lowercase()).collect();
    for name in &desired {
        if m.tags.insert(name.to_lowercase()) {
            m.seq += 1;
            out.push(Planned {
                key: format!("call:{}:tag:{}", call.id, m.seq),
                effect: Effect::Tag {
                    name: name.clone(),
                    author_email: None,
                },
            });
        }
    }
    let removed: Vec<String> = m
        .tags
        .iter()
        .filter(|t| !desired_lower.contains(*t))
        .cloned()
        .collect();
    for name in removed {
        m.tags.remove(&name);
        m.seq += 1;
        out.push(Planned {
            key: format!("call:{}:untag:{}", call.id, m.seq),
            effect: Effect::Untag {
                name,
                author_email: None,
            },
        });
    }
}

/// The effects an insight of Aircall's AI about a call still needs: a note (the summary, the
/// action items, the topics, the caller's sentiment) when `log_ai_insights` allows, and the
/// topics as tags when `ai_topics_as_tags` does; each once, however often it is delivered.
pub fn plan_insight(
    insight: &crate::insight::Insight,
    memory: &CallMemory,
    settings: &Settings,
) -> (Vec<Planned>, CallMemory) {
    let mut m = memory.clone();
    let mut out = Vec::new();
    let call = insight.call_id;
    let kind = insight.kind.as_str();
    let which = insight
        .id
        .clone()
        .unwrap_or_else(|| content_key(&insight.items));
    let key = format!("call:{call}:ai:{kind}:{which}");
    if settings.log_ai_insights && m.insights.insert(key.clone()) {
        out.push(note(key, notes::insight_note(insight)));
    }
    if settings.ai_topics_as_tags && insight.kind == crate::insight::InsightKind::Topics {
        for topic in &insight.items {
            let name: String = topic.chars().take(100).collect();
            let key = format!("call:{call}:ai:topic:{}", name.to_lowercase());
            if m.insights.insert(key.clone()) {
                out.push(Planned {
                    key,
                    effect: Effect::Tag {
                        name,
                        author_email: None,
                    },
                });
            }
        }
    }
    (out, m)
}

/// A short, stable key for a content without an id (FNV-1a of its texts).
fn content_key(items: &[String]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in items.join("\u{1f}").bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// The effects a message event still needs. Which event it was does not matter (they come
/// in any order): only what the message says and what was already planned.
pub fn plan_message(
    _event: MessageEvent,
    message: &Message,
    memory: &MessageMemory,
    settings: &Settings,
) -> (Vec<Planned>, MessageMemory) {
    let mut m = memory.clone();
    let mut out = Vec::new();
    if !settings.log_messages {
        return (out, m);
    }
    let id = &message.id;
    if !m.conversation {
        out.push(Planned {
            key: format!("message:{id}:conversation"),
            effect: Effect::StartConversation {
                body: message_first_message(message),
            },
        });
        out.push(note(
            format!("message:{id}:details"),
            notes::message_note(message),
        ));
        let target = match message.direction {
            Direction::Outbound => Some(
                message
                    .user
                    .as_ref()
                    .and_then(|u| teammate(u, Fallback::IntegrationAdmin))
                    .unwrap_or(AssignTarget::IntegrationAdmin),
            ),
            Direction::Inbound => {
                let fallback = match settings.message_fallback {
                    MessageFallback::Unassigned => Fallback::Unassigned,
                    MessageFallback::IntegrationAdmin => Fallback::IntegrationAdmin,
                };
                match message.number.as_ref().map(|n| (n.id, n.users.as_slice())) {
                    Some((_, [only])) => teammate(only, fallback),
                    // The webhook did not list the line's users: the executor reads them.
                    Some((number_id, [])) => Some(AssignTarget::LineTeammate {
                        number_id,
                        fallback,
                    }),
                    _ => None,
                }
                .or(match fallback {
                    Fallback::IntegrationAdmin => Some(AssignTarget::IntegrationAdmin),
                    _ => None,
                })
            }
        };
        if let Some(target) = target {
            out.push(Planned {
                key: format!("message:{id}:assign"),
                effect: Effect::Assign { target },
            });
        }
        m.conversation = true;
    }
    // The delivery status gets its own note, whichever event brings it first: webhooks arrive
    // in any order, and the details note must not depend on which came first.
    if let Some(status) = notes::delivery_status(message) {
        if m.statuses.insert(status.to_owned()) {
            out.push(note(
                format!(
                    "message:{id}:status:{}",
                    status.to_lowercase().replace(' ', "_")
                ),
                notes::status_note(status),
            ));
        }
    }
    (out, m)
}

#[cfg(test)]
mod tests;
