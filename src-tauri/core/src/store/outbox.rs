//! Subjects (each call or message being logged, with its latest snapshot, the rules' memory and
//! where it was logged) and the outbox of effects, keyed for idempotency.
//!
//! An effect row goes `pending` → `in_flight` (written before its request is sent) → `done`,
//! or back to `pending` with a later attempt time, or `failed`. A row found `in_flight` after a
//! crash may or may not have reached the vendor: the executor checks before sending it again.
//! Effects that need a conversation wait as `blocked` while their subject is skipped.

use rusqlite::{params, OptionalExtension};
use serde_json::Value;

use super::{Store, StoreError};

pub(super) const CREATE: &str = "
CREATE TABLE subjects (
    kind               TEXT NOT NULL CHECK (kind IN ('call', 'message')),
    id                 TEXT NOT NULL,
    snapshot           TEXT NOT NULL,   -- the most complete call or message seen
    rank               INTEGER NOT NULL,
    event_time         INTEGER NOT NULL,
    memory             TEXT NOT NULL,   -- what the rules already planned
    status             TEXT NOT NULL DEFAULT 'live'
                       CHECK (status IN ('live', 'queued', 'logged', 'skipped', 'failed', 'off')),
    reason             TEXT,
    contact_id         TEXT,
    conversation_id    TEXT,
    chosen_contact_id  TEXT,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX subjects_recent ON subjects (created_at DESC);
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

/// A call or a message as the hub tracks it.
#[derive(Debug, Clone, PartialEq)]
pub struct Subject {
    /// `call` or `message`.
    pub kind: String,
    /// Aircall's id.
    pub id: String,
    /// The latest, most complete object seen.
    pub snapshot: Value,
    /// How far along the snapshot is (a later status ranks higher).
    pub rank: i64,
    /// The time of the event that brought the snapshot.
    pub event_time: i64,
    /// The rules' memory (JSON).
    pub memory: Value,
    /// `live`, `queued`, `logged`, `skipped`, `failed` or `off`.
    pub status: String,
    /// Why skipped or failed, in words.
    pub reason: Option<String>,
    /// The Intercom contact it is logged to.
    pub contact_id: Option<String>,
    /// The Intercom conversation it is logged in.
    pub conversation_id: Option<String>,
    /// The contact an agent picked for a shared number.
    pub chosen_contact_id: Option<String>,
    /// First seen, UNIX seconds.
    pub created_at: i64,
    /// Last change, UNIX seconds.
    pub updated_at: i64,
}

/// An outbox row.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRow {
    /// Row id: effects of one subject run in this order.
    pub id: i64,
    /// The idempotency key.
    pub key: String,
    /// `call` or `message`.
    pub subject_kind: String,
    /// The subject's id.
    pub subject_id: String,
    /// The effect (JSON of [`crate::rules::Effect`]).
    pub effect: Value,
    /// `pending`, `in_flight`, `done`, `failed` or `blocked`.
    pub state: String,
    /// Attempts started so far.
    pub attempts: i64,
    /// When the current attempt started (set while in flight).
    pub started_at: Option<i64>,
    /// When the effect was queued, UNIX seconds.
    pub created_at: i64,
}

/// Which queue an effect runs in: a live card must not wait behind logging.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Cards pushed while a call rings.
    Interactive,
    /// Everything that logs.
    Logging,
}

impl Lane {
    fn as_str(self) -> &'static str {
        match self {
            Lane::Interactive => "interactive",
            Lane::Logging => "logging",
        }
    }
}

/// A new effect to queue.
#[derive(Debug, Clone)]
pub struct NewEffect {
    /// The idempotency key; a second effect with the same key is dropped.
    pub key: String,
    /// The queue.
    pub lane: Lane,
    /// The effect as JSON.
    pub effect: Value,
    /// Whether it needs the conversation (it then never runs before the effects that do not).
    pub needs_conversation: bool,
}

/// A hub event to append to the log with the same transaction.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// Lower-case emails concerned (empty: everyone).
    pub audience: Vec<String>,
    /// The event kind.
    pub kind: String,
    /// Its JSON payload.
    pub payload: String,
}

fn read_subject(r: &rusqlite::Row<'_>) -> rusqlite::Result<Subject> {
    let snapshot: String = r.get(2)?;
    let memory: String = r.get(5)?;
    Ok(Subject {
        kind: r.get(0)?,
        id: r.get(1)?,
        snapshot: serde_json::from_str(&snapshot).unwrap_or(Value::Null),
        rank: r.get(3)?,
        event_time: r.get(4)?,
        memory: serde_json::from_str(&memory).unwrap_or(Value::Null),
        status: r.get(6)?,
        reason: r.get(7)?,
        contact_id: r.get(8)?,
        conversation_id: r.get(9)?,
        chosen_contact_id: r.get(10)?,
        created_at: r.get(11)?,
        updated_at: r.get(12)?,
    })
}

const SUBJECT_COLUMNS: &str =
    "kind, id, snapshot, rank, event_time, memory, status, reason, contact_id, \
     conversation_id, chosen_contact_id, created_at, updated_at";

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxRow> {
    let effect: String = r.get(4)?;
    Ok(OutboxRow {
        id: r.get(0)?,
        key: r.get(1)?,
        subject_kind: r.get(2)?,
        subject_id: r.get(3)?,
        effect: serde_json::from_str(&effect).unwrap_or(Value::Null),
        state: r.get(5)?,
        attempts: r.get(6)?,
        started_at: r.get(7)?,
        created_at: r.get(8)?,
    })
}

const ROW_COLUMNS: &str =
    "id, key, subject_kind, subject_id, effect, state, attempts, started_at, created_at";

impl Store {
    /// A subject, if seen.
    pub fn subject(&self, kind: &str, id: &str) -> Result<Option<Subject>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {SUBJECT_COLUMNS} FROM subjects WHERE kind = ?1 AND id = ?2"),
                [kind, id],
                read_subject,
            )
            .optional()?)
    }

    /// The most recent subjects, newest first.
    pub fn recent_subjects(&self, limit: usize) -> Result<Vec<Subject>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {SUBJECT_COLUMNS} FROM subjects ORDER BY created_at DESC, id DESC LIMIT ?1"
        ))?;
        let rows = stmt.query_map([limit as i64], read_subject)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

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
            tx.execute(
                "INSERT INTO subjects (kind, id, snapshot, rank, event_time, memory, status, reason, contact_id,
                     conversation_id, chosen_contact_id, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
                 ON CONFLICT(kind, id) DO UPDATE SET snapshot = excluded.snapshot, rank = excluded.rank,
                     event_time = excluded.event_time, memory = excluded.memory,
                     status = CASE WHEN subjects.status IN ('logged', 'skipped', 'failed')
                                   THEN subjects.status ELSE excluded.status END,
                     reason = CASE WHEN subjects.status IN ('logged', 'skipped', 'failed')
                                   THEN subjects.reason ELSE excluded.reason END,
                     updated_at = excluded.updated_at",
                params![
                    s.kind,
                    s.id,
                    s.snapshot.to_string(),
                    s.rank,
                    s.event_time,
                    s.memory.to_string(),
                    s.status,
                    s.reason,
                    s.contact_id,
                    s.conversation_id,
                    s.chosen_contact_id,
                    s.created_at,
                    now
                ],
            )?;
            // A subject waiting for an agent (skipped, failed) keeps its new effects waiting too.
            for e in effects {
                tx.execute(
                    "INSERT OR IGNORE INTO outbox (key, subject_kind, subject_id, lane, stage, effect, state, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6,
                             CASE WHEN (SELECT status FROM subjects WHERE kind = ?2 AND id = ?3) IN ('skipped', 'failed')
                                  THEN 'blocked' ELSE 'pending' END,
                             ?7)",
                    params![e.key, s.kind, s.id, e.lane.as_str(), i64::from(e.needs_conversation), e.effect.to_string(), now],
                )?;
            }
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
        tx.execute(
            "UPDATE inbox SET state = 'processed', processed_at = ?2 WHERE id = ?1",
            params![inbox_id, now],
        )?;
        tx.commit()?;
        Ok(ids)
    }

    /// The next effect of a lane that is due and whose subject has nothing earlier unfinished
    /// (an effect that needs the conversation never holds back one that creates it).
    pub fn outbox_next(&self, lane: Lane, now: i64) -> Result<Option<OutboxRow>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                &format!(
                    "SELECT {ROW_COLUMNS} FROM outbox o
                     WHERE o.lane = ?1 AND o.state IN ('pending', 'in_flight') AND o.next_attempt_at <= ?2
                       AND NOT EXISTS (SELECT 1 FROM outbox p
                           WHERE p.subject_kind = o.subject_kind AND p.subject_id = o.subject_id AND p.id < o.id
                             AND p.stage <= o.stage AND p.state IN ('pending', 'in_flight', 'blocked'))
                     ORDER BY o.stage, o.id LIMIT 1"
                ),
                params![lane.as_str(), now],
                read_row,
            )
            .optional()?)
    }

    /// When the next effect of a lane becomes due (None: nothing waits).
    pub fn outbox_next_due_at(&self, lane: Lane) -> Result<Option<i64>, StoreError> {
        Ok(self.conn().query_row(
            "SELECT MIN(next_attempt_at) FROM outbox WHERE lane = ?1 AND state IN ('pending', 'in_flight')",
            [lane.as_str()],
            |r| r.get(0),
        )?)
    }

    /// Marks an attempt as started; written before the request is sent.
    pub fn outbox_start(&self, id: i64, now: i64) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE outbox SET state = 'in_flight', attempts = attempts + 1, started_at = ?2 WHERE id = ?1",
            params![id, now],
        )?;
        Ok(())
    }

    /// The effect is done.
    pub fn outbox_done(&self, id: i64, now: i64) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE outbox SET state = 'done', done_at = ?2, last_error = NULL WHERE id = ?1",
            params![id, now],
        )?;
        Ok(())
    }

    /// Try again at `at`, recording why. Attempts are counted by [`Store::outbox_start`], so an
    /// effect put back before it started (its conversation does not exist yet) costs none.
    pub fn outbox_retry(&self, id: i64, at: i64, error: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE outbox SET state = 'pending', next_attempt_at = ?2, last_error = ?3 WHERE id = ?1",
            params![id, at, error],
        )?;
        Ok(())
    }

    /// The effect cannot succeed; recorded with the reason.
    pub fn outbox_fail(&self, id: i64, error: &str, now: i64) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE outbox SET state = 'failed', last_error = ?2, done_at = ?3 WHERE id = ?1",
            params![id, error, now],
        )?;
        Ok(())
    }

    /// Effects queued or running (not done, failed or blocked).
    pub fn outbox_depth(&self) -> Result<u64, StoreError> {
        Ok(self.conn().query_row(
            "SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'in_flight')",
            [],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }

    /// The most recent error of an effect that is still waiting or failed.
    pub fn outbox_last_error(&self) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT last_error FROM outbox WHERE last_error IS NOT NULL AND state != 'done' ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Records where a subject was logged.
    pub fn subject_logged(
        &self,
        kind: &str,
        id: &str,
        contact_id: &str,
        conversation_id: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE subjects SET status = 'logged', reason = NULL, contact_id = ?3, conversation_id = ?4, updated_at = ?5
             WHERE kind = ?1 AND id = ?2",
            params![kind, id, contact_id, conversation_id, now],
        )?;
        Ok(())
    }

    /// Whether a call or message is already logged in this conversation.
    pub fn conversation_logged(&self, conversation_id: &str) -> Result<bool, StoreError> {
        Ok(self.conn().query_row(
            "SELECT EXISTS (SELECT 1 FROM subjects WHERE conversation_id = ?1)",
            [conversation_id],
            |r| r.get(0),
        )?)
    }

    /// Skips (or fails) a subject: its conversation effect and every later effect wait as
    /// `blocked` until an agent resolves it.
    pub fn subject_blocked(
        &self,
        kind: &str,
        id: &str,
        status: &str,
        reason: &str,
        tried: Option<&str>,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        // `tried` is the contact choice the attempt saw: if an agent chose (again) meanwhile,
        // nothing is blocked and the caller runs the attempt again with the new choice.
        let changed = tx.execute(
            "UPDATE subjects SET status = ?3, reason = ?4, updated_at = ?5
             WHERE kind = ?1 AND id = ?2 AND chosen_contact_id IS ?6",
            params![kind, id, status, reason, now, tried],
        )?;
        if changed > 0 {
            tx.execute(
                "UPDATE outbox SET state = 'blocked', last_error = ?3
                 WHERE subject_kind = ?1 AND subject_id = ?2 AND state IN ('pending', 'in_flight')",
                params![kind, id, reason],
            )?;
        }
        tx.commit()?;
        Ok(changed > 0)
    }

    /// An agent chose the contact for a skipped subject: its blocked effects run again.
    pub fn subject_choose_contact(
        &self,
        kind: &str,
        id: &str,
        contact_id: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let changed = tx.execute(
            "UPDATE subjects SET chosen_contact_id = ?3, status = 'queued', reason = NULL, updated_at = ?4
             WHERE kind = ?1 AND id = ?2 AND conversation_id IS NULL",
            params![kind, id, contact_id, now],
        )?;
        tx.execute(
            "UPDATE outbox SET state = 'pending', next_attempt_at = 0, last_error = NULL
             WHERE subject_kind = ?1 AND subject_id = ?2 AND state = 'blocked'",
            params![kind, id],
        )?;
        tx.commit()?;
        Ok(changed > 0)
    }

    /// Queues an effect for an existing subject outside webhook processing (an agent's tag or
    /// note). Returns false when the key was already queued.
    pub fn outbox_push(
        &self,
        kind: &str,
        id: &str,
        effect: &NewEffect,
        now: i64,
    ) -> Result<bool, StoreError> {
        let blocked: bool = self
            .conn()
            .query_row(
                "SELECT status IN ('skipped', 'failed') FROM subjects WHERE kind = ?1 AND id = ?2",
                [kind, id],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(false);
        let inserted = self.conn().execute(
            "INSERT OR IGNORE INTO outbox (key, subject_kind, subject_id, lane, stage, effect, state, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                effect.key,
                kind,
                id,
                effect.lane.as_str(),
                i64::from(effect.needs_conversation),
                effect.effect.to_string(),
                if blocked { "blocked" } else { "pending" },
                now
            ],
        )?;
        Ok(inserted > 0)
    }

    /// Every effect of a subject, in order (for tests and diagnostics).
    pub fn outbox_of(&self, kind: &str, id: &str) -> Result<Vec<OutboxRow>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {ROW_COLUMNS} FROM outbox WHERE subject_kind = ?1 AND subject_id = ?2 ORDER BY id"
        ))?;
        let rows = stmt.query_map([kind, id], read_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhook::StoredEvent;

    fn subject(store: &Store) -> Subject {
        let inbox = store
            .inbox_push(
                &StoredEvent {
                    resource: "call".into(),
                    event: "call.ended".into(),
                    timestamp: 1,
                    data: Value::Null,
                },
                1,
            )
            .unwrap();
        let s = Subject {
            kind: "call".into(),
            id: "7".into(),
            snapshot: Value::Null,
            rank: 2,
            event_time: 1,
            memory: Value::Null,
            status: "queued".into(),
            reason: None,
            contact_id: None,
            conversation_id: None,
            chosen_contact_id: None,
            created_at: 1,
            updated_at: 1,
        };
        let effect = NewEffect {
            key: "call:7:conversation".into(),
            lane: Lane::Logging,
            effect: serde_json::json!({"type": "start_conversation", "body": "x"}),
            needs_conversation: false,
        };
        store
            .apply_processed(inbox, Some(&s), &[effect], &[], 1)
            .unwrap();
        s
    }

    #[test]
    fn a_choice_made_while_an_attempt_ran_is_not_lost_to_the_skip() {
        let store = Store::open_in_memory().unwrap();
        subject(&store);
        // The attempt saw no choice; an agent chooses before it records the skip.
        store.subject_choose_contact("call", "7", "c1", 2).unwrap();
        assert!(!store
            .subject_blocked(
                "call",
                "7",
                "skipped",
                "2 contacts share this number",
                None,
                3
            )
            .unwrap());
        assert_eq!(
            store.subject("call", "7").unwrap().unwrap().status,
            "queued"
        );
        // Without a new choice the skip stands and the effects wait.
        assert!(store
            .subject_blocked(
                "call",
                "7",
                "skipped",
                "2 contacts share this number",
                Some("c1"),
                4
            )
            .unwrap());
        assert_eq!(store.outbox_of("call", "7").unwrap()[0].state, "blocked");
    }

    #[test]
    fn a_second_webhook_never_queues_an_effect_twice() {
        let store = Store::open_in_memory().unwrap();
        let s = subject(&store);
        let inbox = store
            .inbox_push(
                &StoredEvent {
                    resource: "call".into(),
                    event: "call.ended".into(),
                    timestamp: 1,
                    data: Value::Null,
                },
                2,
            )
            .unwrap();
        let again = NewEffect {
            key: "call:7:conversation".into(),
            lane: Lane::Logging,
            effect: serde_json::json!({"type": "start_conversation", "body": "x"}),
            needs_conversation: false,
        };
        store
            .apply_processed(inbox, Some(&s), &[again], &[], 2)
            .unwrap();
        assert_eq!(store.outbox_of("call", "7").unwrap().len(), 1);
        assert_eq!(store.inbox_depth().unwrap(), 0);
    }
}
