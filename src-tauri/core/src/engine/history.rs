//! The agents' history: their calls and messages, newest first, each with its contact's name,
//! its conversation link and what Intercom refused.

use crate::domain::event::ActionKind;
use crate::domain::history::{Channel, HistoryItem, Refused};
use crate::domain::subject::{Status, Subject, Tracked};
use crate::store::{EffectState, OutboxRow};

/// The refused notes and tag changes among a call's or message's effects, oldest first.
pub fn refused_among(effects: &[OutboxRow]) -> Vec<Refused> {
    effects
        .iter()
        .filter(|e| e.state == EffectState::Failed)
        .filter_map(|e| {
            let (action, value) = ActionKind::of(&e.effect)?;
            Some(Refused {
                action,
                value,
                reason: e.last_error.clone().unwrap_or_default(),
            })
        })
        .collect()
}

/// The line of a subject, with the contact's name and conversation link when known.
pub fn history_item(
    s: Subject,
    contact_name: Option<String>,
    conversation_url: Option<String>,
    refused: Vec<Refused>,
) -> HistoryItem {
    let (channel, direction, phone, line, missed, duration_secs, text) = match &s.tracked {
        Tracked::Call { call, .. } => {
            let over = call.ended_at.is_some() || call.status == "done";
            let inbound = call.direction == crate::aircall::Direction::Inbound;
            // The time spoken: from the answer to the end (Aircall's `duration` counts
            // the ringing too, which would give a missed call a length).
            // Vendor timestamps are read as they come: the difference is checked, and a
            // span no call has (negative, over a week) is unknown rather than shown.
            let duration = call
                .answered_at
                .zip(call.ended_at)
                .and_then(|(a, e)| e.checked_sub(a))
                .filter(|d| (0..=crate::rules::notes::LONGEST_SPAN_SECS).contains(d));
            (
                Channel::Call,
                call.direction,
                Some(call.raw_digits.clone()).filter(|d| !d.trim().is_empty()),
                call.number.as_ref().map(|n| n.name.clone()),
                over && inbound && call.answered_at.is_none(),
                duration.filter(|_| over),
                None,
            )
        }
        Tracked::Message { message: m, .. } => (
            if m.channel_label() == "WhatsApp" {
                Channel::Whatsapp
            } else {
                Channel::Sms
            },
            m.direction,
            m.external_number.clone().or_else(|| m.raw_digits.clone()),
            m.number.as_ref().map(|n| n.name.clone()),
            false,
            None,
            m.body.clone(),
        ),
    };
    HistoryItem {
        kind: s.kind(),
        channel,
        direction: Some(direction),
        phone,
        line,
        contact_name,
        status: s.status,
        candidates: if s.status == Status::Skipped {
            s.candidates.len()
        } else {
            0
        },
        missed,
        duration_secs,
        text,
        refused,
        card_push: s.card_push,
        conversation_url,
        id: s.id,
        reason: s.reason,
        contact_id: s.contact_id,
        conversation_id: s.conversation_id,
        created_at: s.created_at,
        updated_at: s.updated_at,
    }
}
