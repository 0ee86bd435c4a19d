//! The cards the journal keeps for offline viewing, with each call's state, and the tags and
//! notes shown on them: the call conversation's tags as the hub last sent them, then the agent's
//! own actions the hub had not seen at that moment.

use rusqlite::params;
use serde::Serialize;

use super::Journal;
use crate::error::Result;

/// A card kept for offline viewing, with the call's state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredCard {
    /// The Aircall call.
    pub call_id: u64,
    /// The card as the hub sent it.
    pub card: serde_json::Value,
    /// `ringing`, `answered`, `transferred` or `ended`.
    pub state: String,
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
}

/// A tag or note the agent sent, and whether it reached the hub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Chip {
    /// The tag's name or the note's text.
    pub value: String,
    /// For the agent's own: `sent`, `queued` (the hub is away) or `failed`; for a tag the hub
    /// reported: `applied` (in Intercom), `adding` or `removing` (queued in the hub).
    pub state: String,
    /// Why it failed.
    pub reason: Option<String>,
}

impl Journal {
    /// Keeps (or replaces) a call's card.
    pub fn save_card(&self, call_id: u64, card: &serde_json::Value, now: i64) -> Result<()> {
        self.conn().execute(
            "INSERT INTO cards (call_id, card, started_at, updated_at) VALUES (?1, ?2, ?3, ?3)
             ON CONFLICT(call_id) DO UPDATE SET card = excluded.card, updated_at = excluded.updated_at",
            params![call_id as i64, card.to_string(), now],
        )?;
        Ok(())
    }

    /// Keeps a card the hub just sent, which reflects the call's actions up to `actions_seen`.
    pub fn save_fetched_card(
        &self,
        call_id: u64,
        card: &serde_json::Value,
        now: i64,
        actions_seen: i64,
    ) -> Result<()> {
        self.conn().execute(
            "INSERT INTO cards (call_id, card, started_at, updated_at, actions_seen)
             VALUES (?1, ?2, ?3, ?3, ?4)
             ON CONFLICT(call_id) DO UPDATE SET card = excluded.card,
                 updated_at = excluded.updated_at, actions_seen = excluded.actions_seen",
            params![call_id as i64, card.to_string(), now, actions_seen],
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

    /// Records the call's state (`ringing`, `answered`, `transferred`, `ended`); a call seen
    /// first through its state gets an empty card until the hub sends it.
    pub fn set_call_state(&self, call_id: u64, state: &str, now: i64) -> Result<()> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO cards (call_id, card, state, started_at, updated_at)
             VALUES (?1, 'null', ?2, ?3, ?3)
             ON CONFLICT(call_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
            params![call_id as i64, state, now],
        )?;
        let column = match state {
            "answered" => "answered_at",
            "ended" => "ended_at",
            _ => return Ok(()),
        };
        conn.execute(
            &format!("UPDATE cards SET {column} = COALESCE({column}, ?2) WHERE call_id = ?1"),
            params![call_id as i64, now],
        )?;
        Ok(())
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
        let from_hub = card.card["call_conversation"]["tags"]
            .as_array()
            .map(|tags| {
                tags.iter()
                    .filter_map(|t| {
                        Some(Chip {
                            value: t["name"].as_str()?.to_owned(),
                            state: t["state"].as_str().unwrap_or("applied").to_owned(),
                            reason: None,
                        })
                    })
                    .collect::<Vec<_>>()
            });
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
             WHERE call_id = ?1 AND kind IN ('add_tag', 'remove_tag', 'note') ORDER BY id",
        )?;
        let rows = stmt.query_map([call_id as i64], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, bool>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })?;
        for row in rows {
            let (kind, value, sent, failed, id) = row?;
            // A tag change the hub accepted before it sent the card is in the card's tags.
            let reflected = sent && failed.is_none() && id <= seen;
            if reflected && kind != "note" {
                continue;
            }
            let chip = Chip {
                state: match (&failed, sent) {
                    (Some(_), _) => "failed",
                    (None, true) => "sent",
                    (None, false) => "queued",
                }
                .to_owned(),
                reason: failed,
                value,
            };
            match kind.as_str() {
                "add_tag" => {
                    card.tags
                        .retain(|t| !t.value.eq_ignore_ascii_case(&chip.value));
                    card.tags.push(chip);
                }
                "remove_tag" if chip.state != "failed" => card
                    .tags
                    .retain(|t| !t.value.eq_ignore_ascii_case(&chip.value)),
                "note" => card.notes.push(chip),
                _ => {}
            }
        }
        Ok(Some(card))
    }

    /// The most recent cards, newest first.
    pub fn recent_cards(&self, limit: u32) -> Result<Vec<StoredCard>> {
        self.cards_where(
            "ORDER BY started_at DESC, call_id DESC LIMIT ?1",
            params![limit],
        )
    }

    fn cards_where(&self, tail: &str, args: impl rusqlite::Params) -> Result<Vec<StoredCard>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT call_id, card, state, started_at, answered_at, ended_at FROM cards {tail}"
        ))?;
        let rows = stmt.query_map(args, |r| {
            Ok(StoredCard {
                call_id: r.get::<_, i64>(0)? as u64,
                card: serde_json::from_str(&r.get::<_, String>(1)?)
                    .unwrap_or(serde_json::Value::Null),
                state: r.get(2)?,
                started_at: r.get(3)?,
                answered_at: r.get(4)?,
                ended_at: r.get(5)?,
                tags: Vec::new(),
                notes: Vec::new(),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::Request;
    use serde_json::json;

    fn chips(journal: &Journal) -> Vec<(String, String)> {
        let card = journal.card(7).unwrap().unwrap();
        card.tags.into_iter().map(|c| (c.value, c.state)).collect()
    }

    #[test]
    fn the_hubs_tags_come_first_then_the_actions_it_had_not_seen() {
        let journal = Journal::open_in_memory().unwrap();
        // The card from the ring knows no call conversation: the agent's actions are the tags.
        journal
            .save_card(7, &json!({"contact": {"name": "Jane"}}), 1)
            .unwrap();
        let added = journal
            .enqueue(7, &Request::AddTag("Refund".into()), 1)
            .unwrap();
        journal.mark_sent(added.id, 2).unwrap();
        assert_eq!(chips(&journal), [("Refund".into(), "sent".into())]);

        // The hub's card after it accepted the tag: its word counts for it.
        let seen = journal.last_sent_action(7).unwrap();
        assert_eq!(seen, added.id);
        let from_hub = json!({"call_conversation": {"id": "9", "tags": [
            {"name": "VIP", "id": "101", "state": "applied"},
            {"name": "Refund", "id": null, "state": "adding"},
        ]}});
        journal.save_fetched_card(7, &from_hub, 3, seen).unwrap();
        assert_eq!(
            chips(&journal),
            [
                ("VIP".into(), "applied".into()),
                ("Refund".into(), "adding".into())
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
                ("Refund".into(), "adding".into()),
                ("Callback".into(), "sent".into()),
                ("Nope".into(), "failed".into())
            ]
        );
        // A card event from the ring keeps nothing of the fetch's position: all actions count.
        journal.save_card(7, &json!({"contact": {}}), 7).unwrap();
        assert_eq!(chips(&journal).len(), 3);
    }
}
