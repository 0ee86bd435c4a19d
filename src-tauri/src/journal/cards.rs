//! The cards the journal keeps for offline viewing, with each call's state, and the tags and
//! notes shown on them: the call conversation's tags as the hub last sent them, then the agent's
//! own actions the hub had not seen at that moment.

use std::str::FromStr;

use ringside_core::card::{Card, TagState};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSqlOutput, ValueRef};
use rusqlite::{params, OptionalExtension, ToSql};
use serde::{Deserialize, Serialize};

use super::{Journal, RequestKind};
use crate::error::Result;

/// Where a call stands. Its word (`ringing`, `answered`, `transferred`, `ended`) is what the
/// UI reads in a card's `state`, what the `cards` table keeps and what the tray's `call-state`
/// message selects on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CallState {
    /// Ringing, not answered yet.
    Ringing,
    /// Answered: the agent is in the call.
    Answered,
    /// Handed over to another agent or number.
    Transferred,
    /// Over.
    Ended,
}

impl CallState {
    const ALL: [CallState; 4] = [
        CallState::Ringing,
        CallState::Answered,
        CallState::Transferred,
        CallState::Ended,
    ];

    /// Its word.
    pub fn as_str(self) -> &'static str {
        match self {
            CallState::Ringing => "ringing",
            CallState::Answered => "answered",
            CallState::Transferred => "transferred",
            CallState::Ended => "ended",
        }
    }
}

/// A word that names no [`CallState`] (a row this version did not write).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown call state {0:?} (expected ringing, answered, transferred or ended)")]
pub struct UnknownCallState(pub String);

impl FromStr for CallState {
    type Err = UnknownCallState;

    fn from_str(word: &str) -> std::result::Result<CallState, UnknownCallState> {
        CallState::ALL
            .into_iter()
            .find(|s| s.as_str() == word)
            .ok_or_else(|| UnknownCallState(word.to_owned()))
    }
}

impl std::fmt::Display for CallState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ToSql for CallState {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(self.as_str().into())
    }
}

/// Read back from its word; an unknown word is a conversion error naming it.
impl FromSql for CallState {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<CallState> {
        value
            .as_str()?
            .parse()
            .map_err(|e: UnknownCallState| FromSqlError::Other(Box::new(e)))
    }
}

/// A card kept for offline viewing, with the call's state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredCard {
    /// The Aircall call.
    pub call_id: u64,
    /// The card as the hub sent it; `None` until it comes (or when the kept one cannot be read:
    /// its row keeps the text, and the reason is logged).
    pub card: Option<Card>,
    /// Where the call stands.
    pub state: CallState,
    /// UNIX seconds.
    pub started_at: i64,
    /// UNIX seconds.
    pub answered_at: Option<i64>,
    /// UNIX seconds.
    pub ended_at: Option<i64>,
    /// The tags of the call's conversation as the hub last sent them, with the agent's
    /// changes the hub had not seen then (one card only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Chip>,
    /// The notes the agent wrote on the call from this app (one card only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Chip>,
    /// The outcome the agent last chose for the call from this app, and whether it reached the
    /// hub (one card only).
    pub outcome: Option<Chip>,
    /// Whether the agent pressed "Done" on the call's wrap-up (sent or queued; one card only).
    pub done: bool,
}

/// A tag or note the agent sent, and whether it reached the hub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Chip {
    /// The tag's name or the note's text.
    pub value: String,
    /// Where it stands.
    pub state: ChipState,
    /// Why it failed.
    pub reason: Option<String>,
}

/// Where a tag or note on a card stands; the UI reads its word (`sent`, `queued`…) as the
/// chip's `state` and class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChipState {
    /// The agent's own, accepted by the hub (and the call is logged).
    Sent,
    /// The agent's own, kept until the hub is reachable (or accepts the token).
    Queued,
    /// The agent's own, accepted, but the call is not logged yet.
    Waiting,
    /// The agent's own, refused, or the call is not logged for good.
    Failed,
    /// A tag the hub reported: in Intercom.
    Applied,
    /// A tag the hub reported: queued in the hub to be put on.
    Adding,
    /// A tag the hub reported: queued in the hub to be taken off.
    Removing,
}

impl From<TagState> for ChipState {
    fn from(state: TagState) -> ChipState {
        match state {
            TagState::Applied => ChipState::Applied,
            TagState::Adding => ChipState::Adding,
            TagState::Removing => ChipState::Removing,
        }
    }
}

/// What the hub made of a call, as far as the agent's notes and tags on it are concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Logged in Intercom: the notes and tags go to its conversation.
    Logged,
    /// Not logged yet, waiting for someone (a contact to pick, a failure to clear): they wait.
    Waiting(String),
    /// Not logged, for good (the hub's rules leave it out): they never reach Intercom.
    NotLogged(String),
}

impl Journal {
    /// Records what the hub made of a call.
    pub fn set_outcome(&self, call_id: u64, outcome: &Outcome) -> Result<()> {
        let conn = self.conn();
        match outcome {
            Outcome::Logged => {
                conn.execute(
                    "DELETE FROM call_outcomes WHERE call_id = ?1",
                    [call_id as i64],
                )?;
            }
            Outcome::Waiting(reason) | Outcome::NotLogged(reason) => {
                conn.execute(
                    "INSERT INTO call_outcomes (call_id, final, reason) VALUES (?1, ?2, ?3)
                     ON CONFLICT(call_id) DO UPDATE SET final = excluded.final, reason = excluded.reason",
                    params![
                        call_id as i64,
                        matches!(outcome, Outcome::NotLogged(_)),
                        reason
                    ],
                )?;
            }
        }
        Ok(())
    }

    /// What the hub made of a call, as last heard.
    pub fn outcome(&self, call_id: u64) -> Result<Outcome> {
        let row: Option<(bool, String)> = self
            .conn()
            .query_row(
                "SELECT final, reason FROM call_outcomes WHERE call_id = ?1",
                [call_id as i64],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(match row {
            None => Outcome::Logged,
            Some((true, reason)) => Outcome::NotLogged(reason),
            Some((false, reason)) => Outcome::Waiting(reason),
        })
    }

    /// The agent's notes and tags the hub accepted on a call, which its outcome keeps from
    /// Intercom (waiting or not applied): how many.
    pub fn held_back(&self, call_id: u64) -> Result<u64> {
        if self.outcome(call_id)? == Outcome::Logged {
            return Ok(0);
        }
        let [add, remove, note] = RequestKind::ON_CARD;
        Ok(self.conn().query_row(
            "SELECT COUNT(*) FROM actions WHERE call_id = ?1 AND sent_at IS NOT NULL
                 AND failed IS NULL AND kind IN (?2, ?3, ?4)",
            params![call_id as i64, add, remove, note],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }

    /// Keeps (or replaces) a call's card.
    pub fn save_card(&self, call_id: u64, card: &Card, now: i64) -> Result<()> {
        let card = serde_json::to_string(card)
            .map_err(|e| crate::error::Error::Invalid(format!("a card: {e}")))?;
        self.conn().execute(
            "INSERT INTO cards (call_id, card, started_at, updated_at) VALUES (?1, ?2, ?3, ?3)
             ON CONFLICT(call_id) DO UPDATE SET card = excluded.card, updated_at = excluded.updated_at",
            params![call_id as i64, card, now],
        )?;
        Ok(())
    }

    /// Keeps a card the hub just sent, which reflects the call's actions up to `actions_seen`.
    pub fn save_fetched_card(
        &self,
        call_id: u64,
        card: &Card,
        now: i64,
        actions_seen: i64,
    ) -> Result<()> {
        let card = serde_json::to_string(card)
            .map_err(|e| crate::error::Error::Invalid(format!("a card: {e}")))?;
        self.conn().execute(
            "INSERT INTO cards (call_id, card, started_at, updated_at, actions_seen)
             VALUES (?1, ?2, ?3, ?3, ?4)
             ON CONFLICT(call_id) DO UPDATE SET card = excluded.card,
                 updated_at = excluded.updated_at, actions_seen = excluded.actions_seen",
            params![call_id as i64, card, now, actions_seen],
        )?;
        Ok(())
    }

    /// The last of the call's actions the hub accepted (0: none).
    pub fn last_sent_action(&self, call_id: u64) -> Result<i64> {
        Ok(self.conn().query_row(
            "SELECT COALESCE(MAX(id), 0) FROM actions WHERE call_id = ?1 AND sent_at IS NOT NULL",
            [call_id as i64],
            |r| r.get(0),
        )?)
    }

    /// Records the call's state; a call seen first through its state gets an empty card until
    /// the hub sends it.
    pub fn set_call_state(&self, call_id: u64, state: CallState, now: i64) -> Result<()> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO cards (call_id, card, state, started_at, updated_at)
             VALUES (?1, 'null', ?2, ?3, ?3)
             ON CONFLICT(call_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
            params![call_id as i64, state, now],
        )?;
        let column = match state {
            CallState::Answered => "answered_at",
            CallState::Ended => "ended_at",
            CallState::Ringing | CallState::Transferred => return Ok(()),
        };
        conn.execute(
            &format!("UPDATE cards SET {column} = COALESCE({column}, ?2) WHERE call_id = ?1"),
            params![call_id as i64, now],
        )?;
        Ok(())
    }

    /// Records a call the app learns of without its events (it rang before the app was
    /// connected), unless the journal knows it already: whether it was new. Atomic, so that the
    /// stream's events for the same call are never overwritten.
    pub fn add_call_if_new(
        &self,
        call_id: u64,
        started_at: i64,
        answered_at: Option<i64>,
    ) -> Result<bool> {
        let state = if answered_at.is_some() {
            CallState::Answered
        } else {
            CallState::Ringing
        };
        let added = self.conn().execute(
            "INSERT INTO cards (call_id, card, state, started_at, answered_at, updated_at)
             VALUES (?1, 'null', ?2, ?3, ?4, ?3)
             ON CONFLICT(call_id) DO NOTHING",
            params![call_id as i64, state, started_at, answered_at],
        )?;
        Ok(added > 0)
    }

    /// One call's card, with its tags and the agent's notes. The tags are those of the call's
    /// conversation the hub sent with the card, then the agent's tag changes it had not seen;
    /// a card without them (kept from the ring) gets all of the agent's.
    pub fn card(&self, call_id: u64) -> Result<Option<StoredCard>> {
        let Some(mut card) = self
            .cards_where("WHERE call_id = ?1", params![call_id as i64])?
            .pop()
        else {
            return Ok(None);
        };
        let from_hub = card
            .card
            .as_ref()
            .and_then(|c| c.call_conversation.as_ref())
            .map(|conversation| {
                conversation
                    .tags
                    .iter()
                    .map(|t| Chip {
                        value: t.name.clone(),
                        state: t.state.into(),
                        reason: None,
                    })
                    .collect::<Vec<_>>()
            });
        let outcome = self.outcome(call_id)?;
        let conn = self.conn();
        let seen: i64 = match from_hub {
            Some(tags) => {
                card.tags = tags;
                conn.query_row(
                    "SELECT actions_seen FROM cards WHERE call_id = ?1",
                    [call_id as i64],
                    |r| r.get(0),
                )?
            }
            None => 0,
        };
        let mut stmt = conn.prepare(
            "SELECT kind, value, sent_at IS NOT NULL, failed, id FROM actions
             WHERE call_id = ?1 AND kind IN (?2, ?3, ?4, ?5, ?6) ORDER BY id",
        )?;
        let [add, remove, note] = RequestKind::ON_CARD;
        let (outcome_kind, done_kind) = (RequestKind::Outcome, RequestKind::Done);
        let rows = stmt.query_map(
            params![call_id as i64, add, remove, note, outcome_kind, done_kind],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, bool>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            },
        )?;
        for row in rows {
            let (kind, value, sent, failed, id) = row?;
            let Some(kind) = RequestKind::parse(&kind) else {
                continue;
            };
            if kind == RequestKind::Outcome {
                // The newest choice is the call's outcome.
                card.outcome = Some(Chip {
                    value,
                    state: match (&failed, sent) {
                        (Some(_), _) => ChipState::Failed,
                        (None, true) => ChipState::Sent,
                        (None, false) => ChipState::Queued,
                    },
                    reason: failed,
                });
                continue;
            }
            if kind == RequestKind::Done {
                card.done |= failed.is_none();
                continue;
            }
            // A tag change the hub accepted before it sent the card is in the card's tags.
            let reflected = sent && failed.is_none() && id <= seen;
            if reflected && kind != RequestKind::Note {
                continue;
            }
            // Accepted by the hub, but the call is not logged: the agent hears it, not "sent".
            let (state, reason) = match (failed, sent, &outcome) {
                (Some(why), _, _) => (ChipState::Failed, Some(why)),
                (None, true, Outcome::NotLogged(why)) => (
                    ChipState::Failed,
                    Some(format!("not in Intercom: the call is not logged ({why})")),
                ),
                (None, true, Outcome::Waiting(why)) => (
                    ChipState::Waiting,
                    Some(format!("waiting: the call is not logged yet ({why})")),
                ),
                (None, true, Outcome::Logged) => (ChipState::Sent, None),
                (None, false, _) => (ChipState::Queued, None),
            };
            let chip = Chip {
                state,
                reason,
                value,
            };
            match kind {
                RequestKind::AddTag => {
                    card.tags
                        .retain(|t| !t.value.eq_ignore_ascii_case(&chip.value));
                    card.tags.push(chip);
                }
                RequestKind::RemoveTag if chip.state != ChipState::Failed => card
                    .tags
                    .retain(|t| !t.value.eq_ignore_ascii_case(&chip.value)),
                RequestKind::Note => card.notes.push(chip),
                RequestKind::RemoveTag
                | RequestKind::Contact
                | RequestKind::Outcome
                | RequestKind::Done => {}
            }
        }
        Ok(Some(card))
    }

    /// The most recent cards, newest first.
    pub fn recent_cards(&self, limit: u32) -> Result<Vec<StoredCard>> {
        // The limit is written into the statement: SQLite compiles a statement whose LIMIT is
        // a parameter again at every run.
        self.cards_where(
            &format!("ORDER BY started_at DESC, call_id DESC LIMIT {limit}"),
            params![],
        )
    }

    fn cards_where(&self, tail: &str, args: impl rusqlite::Params) -> Result<Vec<StoredCard>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT call_id, card, state, started_at, answered_at, ended_at FROM cards {tail}"
        ))?;
        let rows = stmt.query_map(args, |r| {
            let call_id = r.get::<_, i64>(0)? as u64;
            let text = r.get::<_, String>(1)?;
            Ok(StoredCard {
                call_id,
                card: decode(call_id, &text),
                state: r.get(2)?,
                started_at: r.get(3)?,
                answered_at: r.get(4)?,
                ended_at: r.get(5)?,
                tags: Vec::new(),
                notes: Vec::new(),
                outcome: None,
                done: false,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// A kept card's text as a [`Card`]; one that does not decode (written by another version) is
/// logged with the reason and shown as no card, its text left in the row.
fn decode(call_id: u64, text: &str) -> Option<Card> {
    match serde_json::from_str::<Option<Card>>(text) {
        Ok(card) => card,
        Err(e) => {
            tracing::warn!(call_id, error = %e, "a kept card cannot be read");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::Request;
    use ringside_core::card::{CallConversation, CallTag, CardContact, ContactStatus};

    /// Jane's card, with the call's conversation when the hub sent it.
    pub(crate) fn jane(call_conversation: Option<CallConversation>) -> Card {
        Card {
            call_id: Some(7),
            phone: Some("+33762043575".into()),
            contact: CardContact {
                status: ContactStatus::Existing,
                id: Some("6762f0dd1bb69f9f2193bb83".into()),
                name: "Jane".into(),
                kind: None,
                url: None,
                candidates: Vec::new(),
            },
            conversation: None,
            call_conversation,
        }
    }

    fn tag(name: &str, id: Option<&str>, state: TagState) -> CallTag {
        CallTag {
            name: name.into(),
            id: id.map(str::to_owned),
            state,
        }
    }

    fn chips(journal: &Journal) -> Vec<(String, ChipState)> {
        let card = journal.card(7).unwrap().unwrap();
        card.tags.into_iter().map(|c| (c.value, c.state)).collect()
    }

    #[test]
    fn the_hubs_tags_come_first_then_the_actions_it_had_not_seen() {
        let journal = Journal::open_in_memory().unwrap();
        // The card from the ring knows no call conversation: the agent's actions are the tags.
        journal.save_card(7, &jane(None), 1).unwrap();
        let added = journal
            .enqueue(7, &Request::AddTag("Refund".into()), 1)
            .unwrap();
        journal.mark_sent(added.id, 2).unwrap();
        assert_eq!(chips(&journal), [("Refund".into(), ChipState::Sent)]);

        // The hub's card after it accepted the tag: its word counts for it.
        let seen = journal.last_sent_action(7).unwrap();
        assert_eq!(seen, added.id);
        let from_hub = jane(Some(CallConversation {
            id: Some("9".into()),
            url: None,
            tags: vec![
                tag("VIP", Some("101"), TagState::Applied),
                tag("Refund", None, TagState::Adding),
            ],
            tags_error: None,
        }));
        journal.save_fetched_card(7, &from_hub, 3, seen).unwrap();
        assert_eq!(
            chips(&journal),
            [
                ("VIP".into(), ChipState::Applied),
                ("Refund".into(), ChipState::Adding)
            ]
        );

        // Actions after it: sent, still queued, refused.
        let later = journal
            .enqueue(7, &Request::AddTag("Callback".into()), 4)
            .unwrap();
        journal.mark_sent(later.id, 4).unwrap();
        journal
            .enqueue(7, &Request::RemoveTag("vip".into()), 5)
            .unwrap();
        let refused = journal
            .enqueue(7, &Request::AddTag("Nope".into()), 6)
            .unwrap();
        journal.mark_failed(refused.id, "not logged").unwrap();
        assert_eq!(
            chips(&journal),
            [
                ("Refund".into(), ChipState::Adding),
                ("Callback".into(), ChipState::Sent),
                ("Nope".into(), ChipState::Failed)
            ]
        );
        // A card event from the ring keeps nothing of the fetch's position: all actions count.
        journal.save_card(7, &jane(None), 7).unwrap();
        assert_eq!(chips(&journal).len(), 3);
    }

    #[test]
    fn a_kept_card_that_does_not_decode_is_no_card_and_its_text_stays() {
        let journal = Journal::open_in_memory().unwrap();
        journal.save_card(7, &jane(None), 1).unwrap();
        journal
            .conn()
            .execute(
                "UPDATE cards SET card = '{\"contact\": 3}' WHERE call_id = 7",
                [],
            )
            .unwrap();
        assert_eq!(journal.card(7).unwrap().unwrap().card, None);
        let kept: String = journal
            .conn()
            .query_row("SELECT card FROM cards WHERE call_id = 7", [], |r| r.get(0))
            .unwrap();
        assert_eq!(kept, "{\"contact\": 3}");
    }

    #[test]
    fn a_note_the_hub_accepted_on_a_call_it_does_not_log_is_not_left_as_sent() {
        let journal = Journal::open_in_memory().unwrap();
        journal.save_card(7, &jane(None), 1).unwrap();
        let note = journal
            .enqueue(7, &Request::Note("Call back Friday".into()), 1)
            .unwrap();
        journal.mark_sent(note.id, 2).unwrap();
        let notes = |j: &Journal| {
            let card = j.card(7).unwrap().unwrap();
            card.notes
                .into_iter()
                .map(|c| (c.state, c.reason))
                .collect::<Vec<_>>()
        };
        assert_eq!(notes(&journal), [(ChipState::Sent, None)]);

        // A shared number waits for the agent's pick: the note waits with it.
        journal
            .set_outcome(
                7,
                &Outcome::Waiting("several contacts share this number".into()),
            )
            .unwrap();
        assert_eq!(notes(&journal)[0].0, ChipState::Waiting);
        assert_eq!(journal.held_back(7).unwrap(), 1);

        // The hub's rules leave the call out: the note never reaches Intercom, and says why.
        journal
            .set_outcome(
                7,
                &Outcome::NotLogged("logging missed calls is turned off".into()),
            )
            .unwrap();
        assert_eq!(
            notes(&journal),
            [(
                ChipState::Failed,
                Some(
                    "not in Intercom: the call is not logged (logging missed calls is turned off)"
                        .to_owned()
                )
            )]
        );

        // Logged after all: sent it is.
        journal.set_outcome(7, &Outcome::Logged).unwrap();
        assert_eq!(notes(&journal), [(ChipState::Sent, None)]);
        assert_eq!(journal.held_back(7).unwrap(), 0);
    }

    #[test]
    fn the_ui_reads_the_same_words_as_before() {
        let journal = Journal::open_in_memory().unwrap();
        journal.save_card(7, &jane(None), 1).unwrap();
        journal
            .enqueue(7, &Request::AddTag("Refund".into()), 1)
            .unwrap();
        let card = serde_json::to_value(journal.card(7).unwrap().unwrap()).unwrap();
        assert_eq!(card["state"], "ringing");
        assert_eq!(
            card["tags"],
            serde_json::json!([{"value": "Refund", "state": "queued", "reason": null}])
        );

        for (state, word) in [
            (CallState::Ringing, "ringing"),
            (CallState::Answered, "answered"),
            (CallState::Transferred, "transferred"),
            (CallState::Ended, "ended"),
        ] {
            assert_eq!(serde_json::to_value(state).unwrap(), word);
            assert_eq!(state.as_str(), word);
            assert_eq!(word.parse::<CallState>().unwrap(), state);
        }
        for (state, word) in [
            (ChipState::Sent, "sent"),
            (ChipState::Queued, "queued"),
            (ChipState::Waiting, "waiting"),
            (ChipState::Failed, "failed"),
            (ChipState::Applied, "applied"),
            (ChipState::Adding, "adding"),
            (ChipState::Removing, "removing"),
        ] {
            assert_eq!(serde_json::to_value(state).unwrap(), word);
        }
    }

    #[test]
    fn the_call_state_is_kept_as_its_word_and_an_unknown_word_is_an_error() {
        let journal = Journal::open_in_memory().unwrap();
        let word = |j: &Journal| -> String {
            j.conn()
                .query_row("SELECT state FROM cards WHERE call_id = 7", [], |r| {
                    r.get(0)
                })
                .unwrap()
        };
        journal.set_call_state(7, CallState::Ringing, 1).unwrap();
        assert_eq!(word(&journal), "ringing");
        journal.set_call_state(7, CallState::Answered, 2).unwrap();
        journal
            .set_call_state(7, CallState::Transferred, 3)
            .unwrap();
        assert_eq!(word(&journal), "transferred");
        journal.set_call_state(7, CallState::Ended, 4).unwrap();
        assert_eq!(word(&journal), "ended");
        let card = journal.card(7).unwrap().unwrap();
        assert_eq!(
            (card.state, card.answered_at, card.ended_at),
            (CallState::Ended, Some(2), Some(4))
        );

        // A word this version does not know: an error that names it, not a panic.
        journal
            .conn()
            .execute("UPDATE cards SET state = 'on_hold' WHERE call_id = 7", [])
            .unwrap();
        let error = journal.card(7).unwrap_err().to_string();
        assert!(error.contains("on_hold"), "{error}");
        assert_eq!(
            "on_hold".parse::<CallState>(),
            Err(UnknownCallState("on_hold".into()))
        );
    }

    #[test]
    fn the_card_shows_the_last_outcome_chosen_and_whether_the_wrap_up_is_done() {
        let journal = Journal::open_in_memory().unwrap();
        journal.save_card(7, &jane(None), 1).unwrap();
        let card = journal.card(7).unwrap().unwrap();
        assert_eq!((card.outcome, card.done), (None, false));

        let first = journal
            .enqueue(7, &Request::Outcome("Sale".into()), 2)
            .unwrap();
        journal.mark_sent(first.id, 3).unwrap();
        journal
            .enqueue(7, &Request::Outcome("Resolved".into()), 4)
            .unwrap();
        let card = journal.card(7).unwrap().unwrap();
        let outcome = card.outcome.unwrap();
        assert_eq!(
            (outcome.value.as_str(), outcome.state),
            ("Resolved", ChipState::Queued),
            "the last choice, still queued"
        );
        assert!(card.notes.is_empty() && card.tags.is_empty());

        // Done refused by the hub (a required outcome missing) is not done.
        let done = journal.enqueue(7, &Request::Done, 5).unwrap();
        journal
            .mark_failed(done.id, "choose an outcome first")
            .unwrap();
        assert!(!journal.card(7).unwrap().unwrap().done);
        journal.enqueue(7, &Request::Done, 6).unwrap();
        assert!(journal.card(7).unwrap().unwrap().done);
        let seen = serde_json::to_value(journal.card(7).unwrap().unwrap()).unwrap();
        assert_eq!(seen["outcome"]["value"], "Resolved");
        assert_eq!(seen["outcome"]["state"], "queued");
        assert_eq!(seen["done"], true);
    }

    #[test]
    fn a_call_learnt_without_its_events_never_overwrites_what_the_stream_said() {
        let journal = Journal::open_in_memory().unwrap();
        assert!(journal.add_call_if_new(7, 100, Some(110)).unwrap());
        let card = journal.card(7).unwrap().unwrap();
        assert_eq!(
            (card.state, card.started_at, card.answered_at),
            (CallState::Answered, 100, Some(110))
        );
        journal.set_call_state(8, CallState::Ended, 200).unwrap();
        assert!(!journal.add_call_if_new(8, 150, None).unwrap());
        assert_eq!(journal.card(8).unwrap().unwrap().state, CallState::Ended);
    }

    #[test]
    fn the_actions_table_keeps_the_same_kind_words() {
        let journal = Journal::open_in_memory().unwrap();
        for request in [
            Request::AddTag("VIP".into()),
            Request::RemoveTag("VIP".into()),
            Request::Note("Call back".into()),
            Request::Contact("6762f0dd1bb69f9f2193bb83".into()),
            Request::Outcome("Resolved".into()),
            Request::Done,
        ] {
            journal.enqueue(7, &request, 1).unwrap();
        }
        let kinds: Vec<String> = journal
            .conn()
            .prepare("SELECT kind FROM actions ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            kinds,
            [
                "add_tag",
                "remove_tag",
                "note",
                "contact",
                "outcome",
                "done"
            ]
        );
        for kind in &kinds {
            assert_eq!(RequestKind::parse(kind).unwrap().as_str(), kind);
        }
        assert_eq!(RequestKind::parse("snooze"), None);
        // Read back as the same requests.
        assert_eq!(journal.pending().unwrap().len(), 6);
        assert_eq!(journal.pending().unwrap()[5].request, Request::Done);
    }
}
