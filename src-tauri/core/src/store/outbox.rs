//! The outbox: effects to run against Intercom and Aircall, keyed for idempotency. Rows become
//! [`OutboxRow`] values (a typed [`Effect`], an [`EffectState`]) here and nowhere else.
//!
//! An effect row goes `pending` → `in_flight` (claimed, written before its request is sent) →
//! `done`, or back to `pending` with a later attempt time, or `failed`. A row found `in_flight`
//! after a crash may or may not have reached the vendor: it is put back to `pending` at start
//! with its attempt counted, and the executor checks before sending it again. Effects that need
//! a conversation wait as `blocked` while their subject waits for an agent.
//!
//! Claiming keeps each subject's order under concurrency: a row is claimed only when its subject
//! has nothing in flight and nothing earlier unfinished at its stage or before, and a claim takes
//! at most one row per subject.

use crate::store::CachedSql;
use rusqlite::{params, OptionalExtension};

use super::{subjects, Store, StoreError};
use crate::domain::effect::Effect;
pub use crate::domain::event::NewEvent;
use crate::domain::subject::{Subject, SubjectKey, SubjectKind};

pub(super) const CREATE: &str = "
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    key              TEXT NOT NULL UNIQUE,
    subject_kind     TEXT NOT NULL,
    subject_id       TEXT NOT NULL,
    lane             TEXT NOT NULL CHECK (lane IN ('interactive', 'logging')),
    stage            INTEGER NOT NULL,  -- 0: can run before the conversation exists; 1: needs it
    effect           TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'in_flight', 'done', 'failed', 'blocked')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL DEFAULT 0,
    started_at       INTEGER,
    last_error       TEXT,
    created_at       INTEGER NOT NULL,
    done_at          INTEGER
);
CREATE INDEX outbox_due ON outbox (lane, state, next_attempt_at, id);
CREATE INDEX outbox_subject ON outbox (subject_kind, subject_id, id);
";

/// Version 8: an agent's actions go before logging.
pub(super) const ADD_PRIORITY: &str = "
ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 1;
CREATE INDEX outbox_claim ON outbox (lane, state, priority, next_attempt_at, id);
";

/// Which queue an effect runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lane {
    /// A ringing call's card: built on its own path, never behind logging.
    Interactive,
    /// Everything that logs.
    Logging,
}

impl Lane {
    /// The lane's name, as stored: `interactive` or `logging`.
    pub fn as_str(self) -> &'static str {
        match self {
            Lane::Interactive => "interactive",
            Lane::Logging => "logging",
        }
    }

    /// The lane an effect runs in.
    pub fn of(effect: &Effect) -> Lane {
        match effect {
            Effect::PushInsightCard => Lane::Interactive,
            _ => Lane::Logging,
        }
    }
}

/// Who asked for an effect: an agent's action goes before the logging of other calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Origin {
    /// An agent, from the desktop.
    Agent = 0,
    /// The rules, from a webhook.
    Rules = 1,
}

/// Where an effect stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EffectState {
    /// Waiting for its turn.
    Pending,
    /// Claimed by the executor: its request may have been sent.
    InFlight,
    /// Done.
    Done,
    /// It cannot succeed; the reason is kept.
    Failed,
    /// Its subject waits for an agent.
    Blocked,
}

impl EffectState {
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "pending" => EffectState::Pending,
            "in_flight" => EffectState::InFlight,
            "done" => EffectState::Done,
            "failed" => EffectState::Failed,
            "blocked" => EffectState::Blocked,
            _ => return None,
        })
    }
}

/// An outbox row.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRow {
    /// Row id: effects of one subject run in this order.
    pub id: i64,
    /// The idempotency key.
    pub key: String,
    /// Whose effect it is.
    pub subject: SubjectKey,
    /// What to do.
    pub effect: Effect,
    /// Where it stands.
    pub state: EffectState,
    /// Attempts started so far (this one included, once claimed).
    pub attempts: i64,
    /// When the current attempt started (set while in flight).
    pub started_at: Option<i64>,
    /// When the effect was queued, UNIX seconds.
    pub created_at: i64,
    /// Why the last attempt did not succeed.
    pub last_error: Option<String>,
}

/// A new effect to queue.
#[derive(Debug, Clone)]
pub struct NewEffect {
    /// The idempotency key; a second effect with the same key is dropped.
    pub key: String,
    /// What to do.
    pub effect: Effect,
    /// Who asked.
    pub origin: Origin,
}

const ROW_COLUMNS: &str = "id, key, subject_kind, subject_id, effect, state, attempts, \
     started_at, created_at, last_error";

/// A row as SQLite holds it.
struct RawRow {
    id: i64,
    key: String,
    subject_kind: String,
    subject_id: String,
    effect: String,
    state: String,
    attempts: i64,
    started_at: Option<i64>,
    created_at: i64,
    last_error: Option<String>,
}

fn read_raw(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawRow> {
    Ok(RawRow {
        id: r.get(0)?,
        key: r.get(1)?,
        subject_kind: r.get(2)?,
        subject_id: r.get(3)?,
        effect: r.get(4)?,
        state: r.get(5)?,
        attempts: r.get(6)?,
        started_at: r.get(7)?,
        created_at: r.get(8)?,
        last_error: r.get(9)?,
    })
}

impl RawRow {
    fn into_row(self) -> Result<OutboxRow, String> {
        let kind = SubjectKind::parse(&self.subject_kind)
            .ok_or_else(|| format!("unknown subject kind `{}`", self.subject_kind))?;
        let effect: Effect =
            serde_json::from_str(&self.effect).map_err(|e| format!("unreadable effect: {e}"))?;
        let state = EffectState::parse(&self.state)
            .ok_or_else(|| format!("unknown state `{}`", self.state))?;
        Ok(OutboxRow {
            id: self.id,
            key: self.key,
            subject: SubjectKey {
                kind,
                id: self.subject_id,
            },
            effect,
            state,
            attempts: self.attempts,
            started_at: self.started_at,
            created_at: self.created_at,
            last_error: self.last_error,
        })
    }
}

/// Queues effects of a subject inside an open transaction: each is dropped when its key is
/// already queued, and waits as `blocked` while the subject waits for an agent. Returns, for
/// each, whether it was queued now.
pub(super) fn queue_in(
    tx: &rusqlite::Connection,
    subject: &SubjectKey,
    effects: &[NewEffect],
    now: i64,
) -> Result<Vec<bool>, StoreError> {
    let waits = subjects::status_in(tx, subject)?.is_some_and(|s| s.waits_for_agent());
    let mut stmt = tx.prepare_cached(
        "INSERT OR IGNORE INTO outbox (key, subject_kind, subject_id, lane, stage, effect, state, priority, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    let mut queued = Vec::with_capacity(effects.len());
    for e in effects {
        let effect =
            serde_json::to_string(&e.effect).map_err(|err| StoreError::Corrupt(err.to_string()))?;
        let lane = Lane::of(&e.effect);
        let state = if waits && lane == Lane::Logging {
            "blocked"
        } else {
            "pending"
        };
        let inserted = stmt.execute(params![
            e.key,
            subject.kind.as_str(),
            subject.id,
            lane.as_str(),
            i64::from(e.effect.needs_conversation()),
            effect,
            state,
            e.origin as i64,
            now
        ])?;
        queued.push(inserted > 0);
    }
    Ok(queued)
}

/// Claims due rows of a lane inside an open transaction (see [`Store::outbox_claim`]).
fn claim_in(
    tx: &rusqlite::Transaction<'_>,
    lane: Lane,
    now: i64,
    limit: usize,
) -> Result<Vec<OutboxRow>, StoreError> {
    // Several rows of one subject may be due; ask for more than the limit so that the claim can
    // still fill up with other subjects' rows.
    let raw: Vec<RawRow> = tx
        .prepare_cached(&format!(
            "SELECT {ROW_COLUMNS} FROM outbox o
             WHERE o.lane = ?1 AND o.state = 'pending' AND o.next_attempt_at <= ?2
               AND NOT EXISTS (SELECT 1 FROM outbox p
                   WHERE p.subject_kind = o.subject_kind AND p.subject_id = o.subject_id
                     AND p.id != o.id
                     AND (p.state = 'in_flight'
                          OR (p.id < o.id AND p.stage <= o.stage
                              AND p.state IN ('pending', 'blocked'))))
             ORDER BY o.priority, o.id LIMIT {}",
            limit * 4
        ))?
        .query_map(params![lane.as_str(), now], read_raw)?
        .collect::<Result<_, _>>()?;
    let mut seen = std::collections::HashSet::new();
    let mut claimed = Vec::new();
    for r in raw {
        if claimed.len() == limit {
            break;
        }
        if !seen.insert((r.subject_kind.clone(), r.subject_id.clone())) {
            continue;
        }
        let id = r.id;
        match r.into_row() {
            Ok(mut row) => {
                tx.exec(
                    "UPDATE outbox SET state = 'in_flight', attempts = attempts + 1, started_at = ?2 WHERE id = ?1",
                    params![id, now],
                )?;
                row.state = EffectState::InFlight;
                row.attempts += 1;
                row.started_at = Some(now);
                claimed.push(row);
            }
            Err(why) => {
                tx.exec(
                    "UPDATE outbox SET state = 'failed', last_error = ?2, done_at = ?3 WHERE id = ?1",
                    params![id, why, now],
                )?;
            }
        }
    }
    Ok(claimed)
}

/// Marks an effect in flight done, inside the caller's transaction (or alone).
fn done_in(conn: &rusqlite::Connection, id: i64, now: i64) -> Result<(), StoreError> {
    conn.exec(
        "UPDATE outbox SET state = 'done', done_at = ?2, last_error = NULL WHERE id = ?1 AND state = 'in_flight'",
        params![id, now],
    )?;
    Ok(())
}

/// Marks an effect failed with the reason, inside the caller's transaction (or alone).
fn failed_in(
    conn: &rusqlite::Connection,
    id: i64,
    error: &str,
    now: i64,
) -> Result<(), StoreError> {
    conn.exec(
        "UPDATE outbox SET state = 'failed', last_error = ?2, done_at = ?3 WHERE id = ?1",
        params![id, error, now],
    )?;
    Ok(())
}

impl Store {
    /// Applies the outcome of processing one inbox row, atomically: the subject's new state, the
    /// effects (dropped when their key exists), the events, and the inbox row marked processed.
    /// Returns the ids of the events written.
    pub fn apply_processed(
        &self,
        inbox_id: i64,
        subject: Option<&Subject>,
        effects: &[NewEffect],
        events: &[NewEvent],
        now: i64,
    ) -> Result<Vec<i64>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        if let Some(s) = subject {
            subjects::upsert_in(&tx, s, now)?;
            queue_in(&tx, &s.key(), effects, now)?;
        }
        let mut ids = Vec::with_capacity(events.len());
        for e in events {
            ids.push(Self::log_event_in(
                &tx,
                now,
                &e.audience,
                &e.kind,
                &e.payload,
            )?);
        }
        tx.exec(
            "UPDATE inbox SET state = 'processed', processed_at = ?2 WHERE id = ?1",
            params![inbox_id, now],
        )?;
        tx.commit()?;
        Ok(ids)
    }

    /// Queues effects for a subject the hub tracks (an agent's tag or note). Returns, for each,
    /// whether it was queued now (false: its key was already queued).
    pub fn queue_effects(
        &self,
        subject: &SubjectKey,
        effects: &[NewEffect],
        now: i64,
    ) -> Result<Vec<bool>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let queued = queue_in(&tx, subject, effects, now)?;
        tx.commit()?;
        Ok(queued)
    }

    /// Claims up to `limit` due effects of a lane, oldest first with an agent's before the rules':
    /// at most one per subject, none of a subject that has one in flight or something earlier
    /// unfinished (an effect that needs the conversation never holds back one that creates it).
    /// Each claimed row is marked in flight with its attempt counted, in one transaction. A row
    /// that cannot be read back is failed with the reason instead.
    pub fn outbox_claim(
        &self,
        lane: Lane,
        now: i64,
        limit: usize,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        match lane {
            // A logging effect's claim must outlive a power cut: it says the request may have
            // been sent, so that it is looked up before it is sent again.
            Lane::Logging => self.durably(|tx| claim_in(tx, lane, now, limit)),
            // A card is only built and announced again.
            Lane::Interactive => {
                let mut conn = self.conn();
                let tx = conn.transaction()?;
                let claimed = claim_in(&tx, lane, now, limit)?;
                tx.commit()?;
                Ok(claimed)
            }
        }
    }

    /// Puts every effect left in flight by a previous run back in the queue, its attempt still
    /// counted (so it is looked up before it is sent again). Called once, before claiming.
    pub fn outbox_release_in_flight(&self) -> Result<usize, StoreError> {
        Ok(self.conn().exec(
            "UPDATE outbox SET state = 'pending' WHERE state = 'in_flight'",
            [],
        )?)
    }

    /// When the next effect of a lane becomes due (None: nothing waits).
    pub fn outbox_next_due_at(&self, lane: Lane) -> Result<Option<i64>, StoreError> {
        Ok(self.read().row(
            "SELECT MIN(next_attempt_at) FROM outbox WHERE lane = ?1 AND state = 'pending'",
            [lane.as_str()],
            |r| r.get(0),
        )?)
    }

    /// The effect is done.
    pub fn outbox_done(&self, id: i64, now: i64) -> Result<(), StoreError> {
        done_in(&self.conn(), id, now)
    }

    /// The effect that started its subject's conversation is done, in one transaction with
    /// the subject marked logged there and the event that says so: a crash leaves all three or
    /// none (then the effect, still in flight, finds its conversation in Intercom and records
    /// it). Returns the event's id.
    pub fn outbox_logged(
        &self,
        id: i64,
        logged: &subjects::Logged<'_>,
        event: &NewEvent,
        now: i64,
    ) -> Result<i64, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        done_in(&tx, id, now)?;
        subjects::logged_in(&tx, logged, now)?;
        let event_id = Self::log_event_in(&tx, now, &event.audience, &event.kind, &event.payload)?;
        tx.commit()?;
        Ok(event_id)
    }

    /// Try again at `at`, recording why. An effect put back before its request was sent (its
    /// conversation does not exist yet) gives its attempt back.
    pub fn outbox_retry(
        &self,
        id: i64,
        at: i64,
        error: &str,
        attempted: bool,
    ) -> Result<(), StoreError> {
        self.conn().exec(
            "UPDATE outbox SET state = 'pending', next_attempt_at = ?2, last_error = ?3,
                 attempts = attempts - CASE WHEN ?4 THEN 0 ELSE 1 END
             WHERE id = ?1 AND state = 'in_flight'",
            params![id, at, error, attempted],
        )?;
        Ok(())
    }

    /// The effect cannot succeed; recorded with the reason.
    pub fn outbox_fail(&self, id: i64, error: &str, now: i64) -> Result<(), StoreError> {
        failed_in(&self.conn(), id, error, now)
    }

    /// Intercom refused the effect for good: it fails with the reason, in one transaction with
    /// the event that tells the agents. Returns the event's id.
    pub fn outbox_refused(
        &self,
        id: i64,
        error: &str,
        event: &NewEvent,
        now: i64,
    ) -> Result<i64, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        failed_in(&tx, id, error, now)?;
        let event_id = Self::log_event_in(&tx, now, &event.audience, &event.kind, &event.payload)?;
        tx.commit()?;
        Ok(event_id)
    }

    /// Effects queued or running (not done, failed or blocked).
    pub fn outbox_depth(&self) -> Result<u64, StoreError> {
        Ok(self.read().row(
            "SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'in_flight')",
            [],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }

    /// Effects queued or running, by lane (every lane, at zero when empty).
    pub fn outbox_depth_by_lane(&self) -> Result<Vec<(Lane, u64)>, StoreError> {
        let conn = self.read();
        [Lane::Interactive, Lane::Logging]
            .into_iter()
            .map(|lane| {
                let depth = conn.row(
                    "SELECT COUNT(*) FROM outbox WHERE lane = ?1 AND state IN ('pending', 'in_flight')",
                    [lane.as_str()],
                    |r| r.get::<_, i64>(0),
                )?;
                Ok((lane, depth as u64))
            })
            .collect()
    }

    /// Effects whose request is being sent now.
    pub fn outbox_in_flight(&self) -> Result<u64, StoreError> {
        Ok(self.read().row(
            "SELECT COUNT(*) FROM outbox WHERE state = 'in_flight'",
            [],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }

    /// The most recent error of an effect that is still waiting or failed.
    pub fn outbox_last_error(&self) -> Result<Option<String>, StoreError> {
        Ok(self
            .read()
            .row(
                "SELECT last_error FROM outbox WHERE last_error IS NOT NULL AND state != 'done' ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Every effect of a subject, in order. A row that cannot be read back is left out.
    pub fn outbox_of(&self, subject: &SubjectKey) -> Result<Vec<OutboxRow>, StoreError> {
        let conn = self.read();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {ROW_COLUMNS} FROM outbox WHERE subject_kind = ?1 AND subject_id = ?2 ORDER BY id"
        ))?;
        let rows: Vec<RawRow> = stmt
            .query_map([subject.kind.as_str(), &subject.id], read_raw)?
            .collect::<Result<_, _>>()?;
        Ok(rows.into_iter().filter_map(|r| r.into_row().ok()).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aircall::Call;
    use crate::domain::subject::{Progress, Status, Tracked};
    use crate::store::Logged;
    use crate::webhook::StoredEvent;

    fn call_subject(id: &str) -> Subject {
        let call: Call = serde_json::from_value(serde_json::json!({
            "id": id.parse::<u64>().unwrap(), "direction": "inbound", "status": "done",
            "raw_digits": "+33612345678"
        }))
        .unwrap();
        Subject {
            id: id.into(),
            tracked: Tracked::Call {
                call: Box::new(call),
                memory: Default::default(),
            },
            progress: Progress::Over,
            event_time: 1,
            status: Status::Queued,
            reason: None,
            contact_id: None,
            conversation_id: None,
            chosen_contact_id: None,
            candidates: Vec::new(),
            card_push: None,
            created_at: 1,
            updated_at: 1,
        }
    }

    fn inbox_row(store: &Store) -> i64 {
        store
            .inbox_push(
                &StoredEvent {
                    resource: "call".into(),
                    event: "call.ended".into(),
                    timestamp: 1,
                    data: serde_json::Value::Null,
                },
                1,
            )
            .unwrap()
    }

    fn effect(key: &str, effect: Effect) -> NewEffect {
        NewEffect {
            key: key.into(),
            effect,
            origin: Origin::Rules,
        }
    }

    fn start(id: &str) -> NewEffect {
        effect(
            &format!("call:{id}:conversation"),
            Effect::StartConversation { body: "x".into() },
        )
    }

    fn note(id: &str, n: u32) -> NewEffect {
        effect(
            &format!("call:{id}:note:{n}"),
            Effect::AddNote {
                body: format!("note {n}"),
                author_email: None,
            },
        )
    }

    fn seed(store: &Store, id: &str, effects: &[NewEffect]) -> Subject {
        let s = call_subject(id);
        store
            .apply_processed(inbox_row(store), Some(&s), effects, &[], 1)
            .unwrap();
        s
    }

    #[test]
    fn a_choice_made_while_an_attempt_ran_is_not_lost_to_the_skip() {
        let store = Store::open_in_memory().unwrap();
        let s = seed(&store, "7", &[start("7")]);
        let key = s.key();
        // The attempt saw no choice; an agent chooses before it records the skip.
        store.subject_choose_contact(&key, "c1", 2).unwrap();
        let shared = "2 contacts share this number";
        let said = NewEvent {
            audience: Vec::new(),
            kind: "logging.skipped".into(),
            payload: "{}".into(),
        };
        let before = store.last_event_id().unwrap();
        assert_eq!(
            store
                .subject_blocked(&key, Status::Skipped, shared, &[], None, &said, 3)
                .unwrap(),
            None
        );
        assert_eq!(store.subject(&key).unwrap().unwrap().status, Status::Queued);
        assert_eq!(store.last_event_id().unwrap(), before, "nothing said");
        // Without a new choice the skip stands, with its candidates, the effects wait, and the
        // event that says so is in the log.
        let candidates = vec!["c1".to_owned(), "c2".to_owned()];
        let event = store
            .subject_blocked(
                &key,
                Status::Skipped,
                shared,
                &candidates,
                Some("c1"),
                &said,
                4,
            )
            .unwrap()
            .expect("blocked");
        assert_eq!(store.subject(&key).unwrap().unwrap().candidates, candidates);
        assert_eq!(
            store.outbox_of(&key).unwrap()[0].state,
            EffectState::Blocked
        );
        assert_eq!(store.events_after(before, 10).unwrap()[0].id, event);
    }

    #[test]
    fn a_logged_subject_its_effect_and_its_event_are_recorded_together_or_not_at_all() {
        let store = Store::open_in_memory().unwrap();
        let s = seed(&store, "7", &[start("7")]);
        let key = s.key();
        let row = store.outbox_claim(Lane::Logging, 2, 1).unwrap().remove(0);
        let logged = Logged {
            subject: &key,
            contact_id: "c1",
            conversation_id: "conv-1",
        };
        let said = NewEvent {
            audience: Vec::new(),
            kind: "call.logged".into(),
            payload: "{}".into(),
        };
        // The log refuses the event (a full disk, say): nothing of the outcome is kept.
        store
            .conn()
            .execute_batch(
                "CREATE TEMP TRIGGER refuse BEFORE INSERT ON events
                 BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
            )
            .unwrap();
        assert!(store.outbox_logged(row.id, &logged, &said, 3).is_err());
        assert_eq!(store.subject(&key).unwrap().unwrap().status, Status::Queued);
        assert_eq!(
            store.outbox_of(&key).unwrap()[0].state,
            EffectState::InFlight
        );
        store
            .conn()
            .execute_batch("DROP TRIGGER temp.refuse")
            .unwrap();
        // Then all of it.
        let event = store.outbox_logged(row.id, &logged, &said, 4).unwrap();
        let subject = store.subject(&key).unwrap().unwrap();
        assert_eq!(subject.status, Status::Logged);
        assert_eq!(subject.conversation_id.as_deref(), Some("conv-1"));
        assert_eq!(store.outbox_of(&key).unwrap()[0].state, EffectState::Done);
        assert_eq!(store.last_event_id().unwrap(), event);
    }

    #[test]
    fn a_second_webhook_never_queues_an_effect_twice() {
        let store = Store::open_in_memory().unwrap();
        let s = seed(&store, "7", &[start("7")]);
        store
            .apply_processed(inbox_row(&store), Some(&s), &[start("7")], &[], 2)
            .unwrap();
        assert_eq!(store.outbox_of(&s.key()).unwrap().len(), 1);
        assert_eq!(store.inbox_depth().unwrap(), 0);
    }

    #[test]
    fn a_claim_takes_one_effect_per_call_in_order_and_others_calls_side_by_side() {
        let store = Store::open_in_memory().unwrap();
        let a = seed(&store, "1", &[start("1"), note("1", 1), note("1", 2)]);
        let b = seed(&store, "2", &[start("2"), note("2", 1)]);
        let claimed = store.outbox_claim(Lane::Logging, 5, 10).unwrap();
        let keys: Vec<&str> = claimed.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, ["call:1:conversation", "call:2:conversation"]);
        // Nothing more of either call while its conversation is in flight.
        assert!(store.outbox_claim(Lane::Logging, 5, 10).unwrap().is_empty());
        store.outbox_done(claimed[0].id, 6).unwrap();
        let next = store.outbox_claim(Lane::Logging, 6, 10).unwrap();
        assert_eq!(next.len(), 1);
        assert_eq!(next[0].key, "call:1:note:1");
        assert_eq!(next[0].attempts, 1);
        assert_eq!(next[0].subject, a.key());
        assert_eq!(
            store.outbox_of(&b.key()).unwrap()[0].state,
            EffectState::InFlight
        );
    }

    #[test]
    fn an_agents_action_goes_before_the_backlog() {
        let store = Store::open_in_memory().unwrap();
        for id in 1..=5 {
            seed(&store, &id.to_string(), &[start(&id.to_string())]);
        }
        let s = seed(&store, "9", &[]);
        let mut tag = effect(
            "call:9:agent:tag:k",
            Effect::Tag {
                name: "vip".into(),
                author_email: None,
            },
        );
        tag.origin = Origin::Agent;
        assert_eq!(
            store.queue_effects(&s.key(), &[tag.clone()], 2).unwrap(),
            [true]
        );
        assert_eq!(store.queue_effects(&s.key(), &[tag], 2).unwrap(), [false]);
        let first = store.outbox_claim(Lane::Logging, 3, 1).unwrap();
        assert_eq!(first[0].key, "call:9:agent:tag:k");
    }

    #[test]
    fn effects_left_in_flight_by_a_crash_come_back_with_their_attempt_counted() {
        let store = Store::open_in_memory().unwrap();
        seed(&store, "1", &[start("1")]);
        let claimed = store.outbox_claim(Lane::Logging, 2, 4).unwrap();
        assert_eq!(claimed.len(), 1);
        // The process dies here. At the next start:
        assert_eq!(store.outbox_release_in_flight().unwrap(), 1);
        let again = store.outbox_claim(Lane::Logging, 3, 4).unwrap();
        assert_eq!(again[0].attempts, 2);
        // An attempt put back before its request was sent gives it back.
        store
            .outbox_retry(again[0].id, 3, "waiting", false)
            .unwrap();
        let third = store.outbox_claim(Lane::Logging, 3, 4).unwrap();
        assert_eq!(third[0].attempts, 2);
    }
}
