//! The history the main window shows (`GET /api/v1/calls`, kept for offline viewing), read with
//! the hub's own [`HistoryItem`], and what the desk learns from it: whether each call is logged,
//! waits for someone, or is left out for good, so that the agent's notes and tags on a call
//! that is not logged are not shown as "sent". Each line comes with what the agent reads: who,
//! what, the logging state in words (see `words.rs`) and the actions it allows.

use ringside_core::aircall::Direction;
use ringside_core::domain::event::ActionKind;
use ringside_core::domain::history::{Channel, HistoryItem, Refused};
use ringside_core::domain::subject::{Status, SubjectKind};
use serde::Serialize;
use serde_json::Value;

use super::words::{self, fill};
use super::{now, Desk};
use crate::error::{Error, Result};
use crate::journal::Outcome;

/// The history as the main window shows it.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryView {
    /// Newest first.
    pub items: Vec<HistoryRow>,
    /// The hub could not be reached: this is the kept copy.
    pub offline: bool,
    /// When the hub sent it, UNIX seconds.
    pub fetched_at: i64,
    /// Why the hub could not be reached, when it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One line of the history, with what the agent reads and may do.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryRow {
    /// The hub's line.
    #[serde(flatten)]
    pub item: HistoryItem,
    /// The contact's name, else the number, else "Anonymous caller".
    pub who: String,
    /// Channel and direction in words ("Missed call", "Inbound SMS").
    pub what: String,
    /// The logging state in words ("Logged", "Waiting for Intercom", "Not logged: …").
    pub logging: String,
    /// Logged, or on its way (not a line the "not logged" filter keeps).
    pub not_logged: bool,
    /// The agent's notes and tags the hub accepted that this outcome keeps from Intercom.
    pub held_back: usize,
    /// Each note or tag change Intercom refused, in words.
    pub refused_words: Vec<String>,
    /// The agent may choose the contact (a shared number's call).
    pub can_choose_contact: bool,
    /// The number can be called back.
    pub can_call_back: bool,
}

impl HistoryRow {
    fn of(item: HistoryItem, held_back: usize) -> Self {
        // Aircall gives a hidden number as a word ("anonymous"), not as digits.
        let number = item
            .phone
            .clone()
            .filter(|p| p.chars().any(|c| c.is_ascii_digit()));
        let who = item
            .contact_name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .or_else(|| number.clone())
            .unwrap_or_else(|| fill(words::ANONYMOUS_CALLER, &[]));
        let outbound = item.direction == Some(Direction::Outbound);
        let what = match (item.channel, outbound) {
            (Channel::Call, _) if item.missed => words::MISSED_CALL,
            (Channel::Call, false) => words::INBOUND_CALL,
            (Channel::Call, true) => words::OUTBOUND_CALL,
            (Channel::Sms, false) => words::INBOUND_SMS,
            (Channel::Sms, true) => words::OUTBOUND_SMS,
            (Channel::Whatsapp, false) => words::INBOUND_WHATSAPP,
            (Channel::Whatsapp, true) => words::OUTBOUND_WHATSAPP,
        };
        let what = fill(what, &[]);
        let logging = logging_words(&item);
        let refused_words = item.refused.iter().map(refused_words).collect();
        let is_call = item.kind == SubjectKind::Call;
        HistoryRow {
            who,
            what,
            logging,
            not_logged: matches!(item.status, Status::Skipped | Status::Failed | Status::Off),
            held_back,
            refused_words,
            can_choose_contact: is_call && item.status == Status::Skipped && item.candidates > 1,
            can_call_back: number.is_some(),
            item,
        }
    }
}

/// A note or tag change Intercom refused, in words.
pub(super) fn refused_words(refused: &Refused) -> String {
    let words = match refused.action {
        ActionKind::Note => words::REFUSED_NOTE,
        ActionKind::AddTag => words::REFUSED_ADD_TAG,
        ActionKind::RemoveTag => words::REFUSED_REMOVE_TAG,
    };
    fill(
        words,
        &[("value", &refused.value), ("reason", &refused.reason)],
    )
}

/// Why a line is not logged, in the app's language from the hub's reason code, else (a code
/// this app does not know) in the hub's words.
fn reason_words(item: &HistoryItem) -> Option<String> {
    words::reason(item.reason_code.as_deref(), &item.reason_values).or_else(|| item.reason.clone())
}

/// Where a line stands in Intercom, in words: the hub's reason code said in the app's language.
/// Without a code this app knows (an older or a newer hub), a setting that leaves it out is
/// named from the line's own kind, direction and answer, and another reason is the hub's words.
fn logging_words(item: &HistoryItem) -> String {
    let reason = item.reason.clone().unwrap_or_default();
    let coded = words::reason(item.reason_code.as_deref(), &item.reason_values);
    match item.status {
        Status::Logged => fill(words::LOGGED, &[]),
        Status::Live => fill(words::IN_PROGRESS, &[]),
        Status::Queued => fill(words::WAITING_FOR_INTERCOM, &[]),
        Status::Skipped | Status::Failed | Status::Off if coded.is_some() => fill(
            words::NOT_LOGGED_BECAUSE,
            &[("reason", &coded.unwrap_or_default())],
        ),
        Status::Skipped if item.candidates > 1 => fill(
            words::NOT_LOGGED_SHARED,
            &[("count", &item.candidates.to_string())],
        ),
        Status::Skipped => fill(words::NOT_LOGGED_BECAUSE, &[("reason", &reason)]),
        Status::Failed => fill(words::NOT_LOGGED_REFUSED, &[("reason", &reason)]),
        Status::Off => match (item.kind, item.direction, item.missed) {
            (SubjectKind::Message, _, _) => fill(words::NOT_LOGGED_MESSAGES_OFF, &[]),
            (_, Some(Direction::Outbound), _) => fill(words::NOT_LOGGED_OUTBOUND_OFF, &[]),
            (_, _, true) => fill(words::NOT_LOGGED_MISSED_OFF, &[]),
            _ => fill(words::NOT_LOGGED_ANSWERED_OFF, &[]),
        },
    }
}

impl Desk {
    /// Recent calls and messages with their logging state: from the hub (and kept), else the
    /// kept copy with `offline: true`.
    pub async fn history(&self) -> Result<HistoryView> {
        let fetched = match self.client() {
            Ok(client) => client
                .get("/api/v1/calls?limit=50")
                .await
                .map_err(Error::from),
            Err(e) => Err(e),
        };
        match fetched {
            Ok(body) => {
                self.journal.save_history(&body, now())?;
                let items = history_lines(&body);
                self.learn_outcomes(&items)?;
                Ok(HistoryView {
                    items: self.rows(items)?,
                    offline: false,
                    fetched_at: now(),
                    reason: None,
                })
            }
            Err(Error::Offline(why)) => match self.journal.history()? {
                Some((body, at)) => Ok(HistoryView {
                    items: self.rows(history_lines(&body))?,
                    offline: true,
                    fetched_at: at,
                    reason: Some(why),
                }),
                None => Err(Error::Offline(why)),
            },
            Err(e) => Err(e),
        }
    }

    /// Records, from the hub's history, what became of each call: logged, waiting for someone
    /// (`skipped`, `failed`), or left out for good (`off`).
    fn learn_outcomes(&self, history: &[HistoryItem]) -> Result<()> {
        for line in history {
            let Some(call_id) = call_id(line) else {
                continue;
            };
            let reason = || reason_words(line).unwrap_or_else(|| line.status.as_str().to_owned());
            let outcome = match line.status {
                Status::Logged => Outcome::Logged,
                Status::Off => Outcome::NotLogged(reason()),
                Status::Skipped | Status::Failed => Outcome::Waiting(reason()),
                Status::Live | Status::Queued => continue,
            };
            self.journal.set_outcome(call_id, &outcome)?;
        }
        Ok(())
    }

    /// The history's lines, each with how many of the agent's notes and tags its outcome keeps
    /// from Intercom.
    fn rows(&self, history: Vec<HistoryItem>) -> Result<Vec<HistoryRow>> {
        history
            .into_iter()
            .map(|item| {
                let held_back = match call_id(&item) {
                    Some(id) => self.journal.held_back(id)?,
                    None => 0,
                };
                Ok(HistoryRow::of(item, held_back as usize))
            })
            .collect()
    }
}

/// The call's id, for a line about a call.
fn call_id(line: &HistoryItem) -> Option<u64> {
    (line.kind == SubjectKind::Call)
        .then(|| line.id.parse().ok())
        .flatten()
}

/// The lines of the hub's history; one that does not decode is logged with the reason.
fn history_lines(history: &Value) -> Vec<HistoryItem> {
    history
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|item| match serde_json::from_value(item.clone()) {
            Ok(line) => Some(line),
            Err(e) => {
                tracing::warn!(error = %e, "a line of the hub's history does not decode");
                None
            }
        })
        .collect()
}
