//! What the processor tells the call-back list: a missed call or voicemail opens an item (or
//! joins the open one of its number and line), a later answered or outbound call with the
//! number closes it, with a note on the missed call's conversation saying who returned it and
//! after how long; a transcript of Aircall's AI is kept for the voicemail it is about.
//!
//! Each step is its own transaction, keyed in the store, and runs before the webhook is marked
//! processed: a webhook processed again after a crash, or delivered again by Aircall, changes
//! nothing the first run changed.

use serde_json::Value;

use crate::aircall::{Call, Direction};
use crate::domain::callback::{Callback, CallbackLine, CloseReason, Teammate};
use crate::domain::note::escape;
use crate::domain::subject::Progress;
use crate::hours::BusinessHours;
use crate::rules::notes::duration;
use crate::rules::Settings;
use crate::store::around::callbacks::{phone_key, Deadline, Fed, MissedCall, ReturnCall};
use crate::store::{Store, StoreError};
use crate::webhook::StoredEvent;

/// Tells the list about a call the processor has just updated (`call` is its most complete
/// snapshot): nothing while it is live; once it is over, a missed inbound call is recorded,
/// and an answered inbound or an outbound call returns the number's waiting items.
pub(super) fn on_call(
    store: &Store,
    call: &Call,
    progress: Progress,
    settings: &Settings,
    hours: &BusinessHours,
    now: i64,
) -> Result<Fed, StoreError> {
    if progress != Progress::Over {
        return Ok(Fed::default());
    }
    let deadline = Deadline {
        hours,
        minutes: settings.callback_deadline_minutes,
    };
    let phone = phone_key(&call.raw_digits, call.number.as_ref());
    let started_at = call.started_at.or(call.ended_at).unwrap_or(now);
    match (call.direction, call.answered_at.is_some()) {
        (Direction::Inbound, false) => {
            let missed = MissedCall {
                call_id: call.id,
                phone,
                line: call.number.as_ref().map(|n| CallbackLine {
                    id: n.id,
                    name: n.name.clone(),
                }),
                started_at,
                voicemail: call.voicemail.clone().filter(|v| !v.trim().is_empty()),
                asset: call.asset.clone().filter(|a| !a.trim().is_empty()),
            };
            store.callback_missed(&missed, &deadline, &returned_note, now)
        }
        (direction, _) => {
            let Some(phone) = phone else {
                return Ok(Fed::default());
            };
            let returned = ReturnCall {
                call_id: call.id,
                phone,
                started_at,
                reason: match direction {
                    Direction::Outbound => CloseReason::CalledBack,
                    Direction::Inbound => CloseReason::Answered,
                },
                by: call.user.as_ref().and_then(|u| {
                    let email = u.email.as_deref()?.trim().to_lowercase();
                    (!email.is_empty()).then(|| Teammate {
                        name: Some(u.name.trim())
                            .filter(|n| !n.is_empty())
                            .map_or_else(|| email.clone(), str::to_owned),
                        email,
                    })
                }),
            };
            store.callback_returned(&returned, &deadline, &returned_note, now)
        }
    }
}

/// Keeps the transcript of a `transcription.created` webhook when it is about a voicemail or a
/// missed call the list knows. `None`: the webhook is not one the list keeps (the processor
/// sets it aside as before).
pub(super) fn on_transcript(
    store: &Store,
    stored: &StoredEvent,
    settings: &Settings,
    hours: &BusinessHours,
    now: i64,
) -> Result<Option<Fed>, StoreError> {
    if stored.event != "transcription.created" {
        return Ok(None);
    }
    let Some(found) = transcript(&stored.data) else {
        return Ok(None);
    };
    if !found.voicemail && !store.callback_call_known(found.call_id)? {
        return Ok(None);
    }
    let deadline = Deadline {
        hours,
        minutes: settings.callback_deadline_minutes,
    };
    store
        .callback_transcript(found.call_id, &found.text, &deadline, now)
        .map(Some)
}

/// A transcript as the webhook brings it.
#[derive(Debug, PartialEq, Eq)]
struct Transcript {
    call_id: u64,
    /// Whether Aircall says it is a voicemail's (`type: voicemail`).
    voicemail: bool,
    text: String,
}

/// Reads a transcription's `data`: the object itself or under `transcription`; `call_id` a
/// number or a string; `content` a string, or `{utterances: [{text}]}`, or a list of
/// utterances. The shapes are not all documented (api-facts-2 §1), so each is read.
fn transcript(data: &Value) -> Option<Transcript> {
    let object = data
        .get("transcription")
        .filter(|v| v.is_object())
        .unwrap_or(data);
    let call_id = match object.get("call_id")? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }?;
    let voicemail = object
        .get("type")
        .and_then(Value::as_str)
        .is_some_and(|t| t.eq_ignore_ascii_case("voicemail"));
    let content = object.get("content")?;
    let utterances = content
        .get("utterances")
        .and_then(Value::as_array)
        .or_else(|| content.as_array());
    let text = match (content.as_str(), utterances) {
        (Some(text), _) => text.trim().to_owned(),
        (None, Some(list)) => list
            .iter()
            .filter_map(|u| u.get("text").and_then(Value::as_str).or_else(|| u.as_str()))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join(" "),
        _ => return None,
    };
    // A transcript is shown as text: bounded so that a hostile body cannot fill the list.
    let text: String = text.chars().take(TRANSCRIPT_MAX_CHARS).collect();
    (!text.is_empty()).then_some(Transcript {
        call_id,
        voicemail,
        text,
    })
}

/// The longest transcript kept, in characters.
const TRANSCRIPT_MAX_CHARS: usize = 20_000;

/// The note on the missed call's conversation: who returned it and after how long (from the
/// first missed call). It says nothing that depends on the order webhooks came in (how many
/// missed calls the item gathered), so that Intercom reads the same whatever that order.
fn returned_note(item: &Callback) -> String {
    let who = item.closed_by.as_ref().map(|t| escape(&t.name));
    let after = duration(item.returned_after_seconds.unwrap_or(-1));
    match (item.close_reason, who) {
        (Some(CloseReason::Answered), Some(who)) => format!(
            "<p><b>Call returned:</b> the caller called again after {after} and {who} answered.</p>"
        ),
        (Some(CloseReason::Answered), None) => format!(
            "<p><b>Call returned:</b> the caller called again after {after} and was answered.</p>"
        ),
        (_, Some(who)) => format!("<p><b>Call returned:</b> {who} called back after {after}.</p>"),
        (_, None) => format!("<p><b>Call returned:</b> called back after {after}.</p>"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::callback::{CallbackKind, CallbackState};
    use serde_json::json;

    #[test]
    fn every_shape_of_a_transcript_is_read() {
        let documented = json!({"transcription": {"id": 2, "call_id": 812, "type": "voicemail",
            "content": {"language": "en", "utterances": [
                {"participant_type": "external", "text": "Hello, it is Jane."},
                {"participant_type": "external", "text": " Please call me back. "}]}}});
        assert_eq!(
            transcript(&documented),
            Some(Transcript {
                call_id: 812,
                voicemail: true,
                text: "Hello, it is Jane. Please call me back.".into()
            })
        );
        let plain = json!({"call_id": "813", "type": "call", "content": "Call me back."});
        let read = transcript(&plain).unwrap();
        assert_eq!((read.call_id, read.voicemail), (813, false));
        assert_eq!(read.text, "Call me back.");
        let list = json!({"call_id": 814, "content": [{"text": "One"}, "two"]});
        assert_eq!(transcript(&list).unwrap().text, "One two");
        assert_eq!(transcript(&json!({"call_id": 1, "content": []})), None);
        assert_eq!(transcript(&json!({"content": "no call"})), None);
    }

    #[test]
    fn the_note_says_who_returned_the_call_and_after_how_long() {
        let mut item = Callback {
            id: 1,
            call_id: 7,
            kind: CallbackKind::Missed,
            phone: "+33612345678".into(),
            line: None,
            contact: None,
            missed_count: 1,
            opened_at: 0,
            last_missed_at: 0,
            due_at: 0,
            late: false,
            state: CallbackState::Closed,
            claimed_by: None,
            claimed_at: None,
            closed_at: Some(725),
            closed_by: Some(Teammate {
                email: "alice@acme.io".into(),
                name: "Alice <Durand>".into(),
            }),
            close_reason: Some(CloseReason::CalledBack),
            dismiss_reason: None,
            returned_after_seconds: Some(725),
            voicemail_url: None,
            transcript: None,
        };
        assert_eq!(
            returned_note(&item),
            "<p><b>Call returned:</b> Alice &lt;Durand&gt; called back after 12 min 5 s.</p>"
        );
        item.close_reason = Some(CloseReason::Answered);
        item.missed_count = 2;
        item.closed_by = None;
        assert_eq!(
            returned_note(&item),
            "<p><b>Call returned:</b> the caller called again after 12 min 5 s and was answered.</p>"
        );
    }
}
