//! The agents' history: their calls and messages, newest first, each with its contact's name,
//! its conversation link and what Intercom refused.

use super::access::may_see;
use super::EngineError;
use crate::domain::event::ActionKind;
use crate::domain::history::{Channel, HistoryItem, Refused};
use crate::domain::reason::code_and_values;
use crate::domain::resolution::Resolution;
use crate::domain::subject::{Status, Subject, SubjectKind, Tracked};
use crate::intercom;
use crate::phone::{CallerId, Region};
use crate::store::{Agent, EffectState, OutboxRow, Store};

/// The agent's calls and messages, newest first, at most `limit`: every one for an admin.
/// `identity` is the Intercom token's, whose workspace the links point into.
pub(super) fn history(
    store: &Store,
    agent: &Agent,
    limit: usize,
    identity: &str,
    default_region: Region,
) -> Result<Vec<HistoryItem>, EngineError> {
    let workspace = store.intercom_identity(identity)?.map(|i| i.workspace_id);
    store
        // Another agent's calls are skipped: read further back so that `limit` rows remain.
        .recent_subjects(if agent.admin { limit } else { limit * 10 })?
        .into_iter()
        .filter(|s| may_see(agent, s))
        .take(limit)
        .map(|s| {
            let url = s
                .conversation_id
                .as_ref()
                .zip(workspace.as_ref())
                .map(|(c, w)| intercom::conversation_url(w, c));
            let name = contact_name(store, &s, default_region)?;
            // A call that is not logged holds its notes back (its reason says why); one that
            // is may still have had a note or tag refused by Intercom.
            let refused = if s.status == Status::Logged {
                refused_among(&store.outbox_of(&s.key())?)
            } else {
                Vec::new()
            };
            let outcome = match s.kind() {
                SubjectKind::Call => store.call_outcome(&s.id)?.and_then(|o| o.outcome),
                SubjectKind::Message => None,
            };
            Ok(HistoryItem {
                outcome,
                ..history_item(s, name, url, refused)
            })
        })
        .collect()
}

/// The agent's calls still ringing or going on that the hub first saw at or after `since`,
/// newest first, at most `limit`: the app asks for them when it connects, so that a call that
/// rang before it started gets its card.
fn live_calls(
    store: &Store,
    agent: &Agent,
    since: i64,
    limit: usize,
    identity: &str,
    default_region: Region,
) -> Result<Vec<HistoryItem>, EngineError> {
    let workspace = store.intercom_identity(identity)?.map(|i| i.workspace_id);
    store
        // Calls still going on are among the newest: 500 reach back well past the few
        // minutes the app asks about, even on a busy hub.
        .recent_subjects(500)?
        .into_iter()
        .take_while(|s| s.created_at >= since)
        .filter(|s| s.status == Status::Live && matches!(s.tracked, Tracked::Call { .. }))
        .filter(|s| may_see(agent, s))
        .take(limit)
        .map(|s| {
            let url = s
                .conversation_id
                .as_ref()
                .zip(workspace.as_ref())
                .map(|(c, w)| intercom::conversation_url(w, c));
            let name = contact_name(store, &s, default_region)?;
            Ok(history_item(s, name, url, Vec::new()))
        })
        .collect()
}

impl super::Engine {
    /// The agent's calls still ringing or going on, first seen at or after `since` (UNIX
    /// seconds), newest first, at most `limit` (`GET /api/v1/calls?live=true&since=`).
    pub async fn live_calls(
        &self,
        agent: &Agent,
        since: i64,
        limit: usize,
    ) -> Result<Vec<HistoryItem>, EngineError> {
        let (agent, identity, region) = (
            agent.clone(),
            self.intercom.identity_key().to_owned(),
            self.default_region,
        );
        self.run(move |s| live_calls(s, &agent, since, limit, &identity, region))
            .await
    }
}

/// The name of the Intercom contact a call or message is about: the one it is logged to, else
/// the one contact the index holds for its number (none for a shared or unknown number).
fn contact_name(
    store: &Store,
    s: &Subject,
    default_region: Region,
) -> Result<Option<String>, EngineError> {
    if let Some(id) = &s.contact_id {
        return Ok(store.contact_name(id)?);
    }
    let Ok(CallerId::Number(number)) = s.caller(default_region) else {
        return Ok(None);
    };
    let found = store.contacts_by_phone(&number)?;
    let resolution = Resolution::of(found.into_iter().map(|f| f.contact).collect());
    Ok(resolution.one().and_then(|c| c.name.clone()))
}

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
    let answered_at = match &s.tracked {
        Tracked::Call { call, .. } => call.answered_at,
        Tracked::Message { .. } => None,
    };
    let (reason_code, reason_values) = code_and_values(s.status, s.reason.as_deref());
    HistoryItem {
        answered_at,
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
        reason_code,
        reason_values,
        outcome: None,
        reason: s.reason,
        contact_id: s.contact_id,
        conversation_id: s.conversation_id,
        created_at: s.created_at,
        updated_at: s.updated_at,
    }
}
