//! Presence's table: one row per agent (by lower-case email) with their call as presence
//! follows it, what the hub set of their Intercom away mode and what it is setting, the state
//! to put back, the agent's own choices (opted out, away by choice, taken over), and a version
//! the presence task acts on. Signals, deadlines and notifications change a row in one
//! transaction, with the `wrap_up.ended` event they cause.

use rusqlite::{params, OptionalExtension, Row};

use crate::domain::event::HubEvent;
use crate::domain::presence::{Away, EndedBy, Phase, PresenceRow, Signal, Step, Track};
use crate::store::{CachedSql, Store, StoreError};

/// The schema, applied by migration 16.
pub const CREATE: &str = "
CREATE TABLE presence (
    email               TEXT PRIMARY KEY,     -- lower case
    phase               TEXT NOT NULL DEFAULT 'idle',
    call_id             INTEGER,
    since               INTEGER NOT NULL DEFAULT 0,
    aircall_wrap_up     INTEGER NOT NULL DEFAULT 0,
    deadline            INTEGER,
    hands_off           INTEGER NOT NULL DEFAULT 0,
    opted_out           INTEGER NOT NULL DEFAULT 0,
    prior               TEXT,                 -- an away mode, as JSON
    applied             TEXT,
    applied_before      TEXT,
    pending             TEXT,
    missing             INTEGER NOT NULL DEFAULT 0,
    agent_away          INTEGER,
    aircall_unavailable INTEGER NOT NULL DEFAULT 0,
    version             INTEGER NOT NULL DEFAULT 0,
    done_version        INTEGER NOT NULL DEFAULT 0,
    retry_at            INTEGER,
    attempts            INTEGER NOT NULL DEFAULT 0,
    updated_at          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX presence_call ON presence (call_id);
CREATE INDEX presence_deadline ON presence (deadline) WHERE deadline IS NOT NULL;
CREATE INDEX presence_due ON presence (retry_at) WHERE version != done_version;
";

const COLUMNS: &str = "email, phase, call_id, since, aircall_wrap_up, deadline, hands_off, \
    opted_out, prior, applied, applied_before, pending, missing, agent_away, \
    aircall_unavailable, version, done_version, retry_at, attempts";

fn away(text: Option<String>) -> Option<Away> {
    text.and_then(|t| serde_json::from_str(&t).ok())
}

fn away_text(away: Option<Away>) -> Option<String> {
    away.and_then(|a| serde_json::to_string(&a).ok())
}

fn read_row(r: &Row<'_>) -> rusqlite::Result<PresenceRow> {
    Ok(PresenceRow {
        email: r.get(0)?,
        track: Track {
            phase: Phase::parse(&r.get::<_, String>(1)?),
            call_id: r.get::<_, Option<i64>>(2)?.map(|id| id as u64),
            since: r.get(3)?,
            aircall_wrap_up: r.get(4)?,
            deadline: r.get(5)?,
        },
        hands_off: r.get(6)?,
        opted_out: r.get(7)?,
        prior: away(r.get(8)?),
        applied: away(r.get(9)?),
        applied_before: away(r.get(10)?),
        pending: away(r.get(11)?),
        missing: r.get(12)?,
        agent_away: r.get(13)?,
        aircall_unavailable: r.get(14)?,
        version: r.get(15)?,
        done_version: r.get(16)?,
        retry_at: r.get(17)?,
        attempts: r.get(18)?,
    })
}

fn row_in(conn: &rusqlite::Connection, email: &str) -> Result<Option<PresenceRow>, StoreError> {
    Ok(conn
        .row(
            &format!("SELECT {COLUMNS} FROM presence WHERE email = ?1"),
            [email],
            read_row,
        )
        .optional()?)
}

/// Writes a whole row (the task's own columns merge `hands_off` rather than clear it).
fn write_in(conn: &rusqlite::Connection, row: &PresenceRow, now: i64) -> Result<(), StoreError> {
    let t = &row.track;
    conn.exec(
        "INSERT INTO presence (email, phase, call_id, since, aircall_wrap_up, deadline, hands_off,
             opted_out, prior, applied, applied_before, pending, missing, agent_away,
             aircall_unavailable, version, done_version, retry_at, attempts, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
             ?19, ?20)
         ON CONFLICT(email) DO UPDATE SET phase = excluded.phase, call_id = excluded.call_id,
             since = excluded.since, aircall_wrap_up = excluded.aircall_wrap_up,
             deadline = excluded.deadline, hands_off = excluded.hands_off,
             opted_out = excluded.opted_out, prior = excluded.prior, applied = excluded.applied,
             applied_before = excluded.applied_before, pending = excluded.pending,
             missing = excluded.missing, agent_away = excluded.agent_away,
             aircall_unavailable = excluded.aircall_unavailable, version = excluded.version,
             done_version = excluded.done_version, retry_at = excluded.retry_at,
             attempts = excluded.attempts, updated_at = excluded.updated_at",
        params![
            row.email,
            t.phase.as_str(),
            t.call_id.map(|id| id as i64),
            t.since,
            t.aircall_wrap_up,
            t.deadline,
            row.hands_off,
            row.opted_out,
            away_text(row.prior),
            away_text(row.applied),
            away_text(row.applied_before),
            away_text(row.pending),
            row.missing,
            row.agent_away,
            row.aircall_unavailable,
            row.version,
            row.done_version,
            row.retry_at,
            row.attempts,
            now,
        ],
    )?;
    Ok(())
}

/// How late, in seconds, a wrap-up's timer may end and still tell the agent's app.
const STALE_WRAP_UP_END: i64 = 15 * 60;

/// A row after a step, with the `wrap_up.ended` event it causes logged in the same transaction.
fn step_in(
    conn: &rusqlite::Connection,
    row: &PresenceRow,
    step: &Step,
    now: i64,
) -> Result<(), StoreError> {
    write_in(conn, &row.after(step), now)?;
    // A wrap-up whose time ran out long ago (the hub was down, or its clock jumped) ends without
    // telling the app: its card is long closed, and the event would be news of nothing.
    let stale = step.ended.is_some_and(|(_, by)| by == EndedBy::Timer)
        && row
            .track
            .deadline
            .is_some_and(|at| now.saturating_sub(at) > STALE_WRAP_UP_END);
    if let Some((call_id, by)) = step.ended.filter(|_| !stale) {
        let event = HubEvent::WrapUpEnded { call_id, by };
        let new = event.to_new(vec![row.email.clone()]);
        Store::log_event_in(conn, now, &new.audience, &new.kind, &new.payload)?;
    }
    Ok(())
}

/// The key of an agent's row.
pub fn key(email: &str) -> String {
    email.trim().to_lowercase()
}

impl Store {
    /// An agent's presence row, when the hub has one.
    pub fn presence_row(&self, email: &str) -> Result<Option<PresenceRow>, StoreError> {
        let email = key(email);
        Ok(self
            .read()
            .row(
                &format!("SELECT {COLUMNS} FROM presence WHERE email = ?1"),
                [&email],
                read_row,
            )
            .optional()?)
    }

    /// Applies a signal about one agent's call (any letter case), with the wrap-up lasting
    /// `wrap_up_seconds` when Aircall has none. Returns whether it changed anything (a
    /// redelivery or a late signal changes nothing).
    pub fn presence_signal(
        &self,
        email: &str,
        signal: Signal,
        now: i64,
        wrap_up_seconds: u64,
    ) -> Result<bool, StoreError> {
        let email = key(email);
        if email.is_empty() {
            return Ok(false);
        }
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut changed = false;
        let row = row_in(&tx, &email)?.unwrap_or_else(|| PresenceRow {
            email: email.clone(),
            ..PresenceRow::default()
        });
        if let Some(step) = row.track.step(signal, now, wrap_up_seconds) {
            step_in(&tx, &row, &step, now)?;
            changed = true;
        }
        // A call answered by one agent is over for any other on it (a transfer).
        if let Signal::Answered { call_id, at } = signal {
            for other in on_call_in(&tx, call_id)? {
                if other.email == email {
                    continue;
                }
                let ended = Signal::Ended { call_id, at };
                if let Some(step) = other.track.step(ended, now, wrap_up_seconds) {
                    step_in(&tx, &other, &step, now)?;
                    changed = true;
                }
            }
        }
        tx.commit()?;
        Ok(changed)
    }

    /// A call hung up or ended: every agent on it goes to its wrap-up. Returns whether it
    /// changed anything.
    pub fn presence_call_ended(
        &self,
        call_id: u64,
        at: i64,
        now: i64,
        wrap_up_seconds: u64,
    ) -> Result<bool, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut changed = false;
        for row in on_call_in(&tx, call_id)? {
            if let Some(step) = row
                .track
                .step(Signal::Ended { call_id, at }, now, wrap_up_seconds)
            {
                step_in(&tx, &row, &step, now)?;
                changed = true;
            }
        }
        tx.commit()?;
        Ok(changed)
    }

    /// Ends every phase whose deadline has passed at `now`, each with its `wrap_up.ended`
    /// event. Returns how many ended.
    pub fn presence_expire(&self, now: i64) -> Result<usize, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let due: Vec<PresenceRow> = {
            let mut stmt = tx.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM presence WHERE deadline IS NOT NULL AND deadline <= ?1
                   AND phase != 'idle' LIMIT 500"
            ))?;
            let rows = stmt.query_map([now], read_row)?;
            rows.collect::<Result<_, _>>()?
        };
        let mut ended = 0;
        for row in &due {
            if let Some(step) = row.track.expire(now) {
                step_in(&tx, row, &step, now)?;
                ended += 1;
            }
        }
        tx.commit()?;
        Ok(ended)
    }

    /// Rows the presence task has not acted on since they changed, and may act on at `now`.
    pub fn presence_due(&self, now: i64) -> Result<Vec<PresenceRow>, StoreError> {
        let conn = self.read();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM presence WHERE version != done_version
               AND (retry_at IS NULL OR retry_at <= ?1) ORDER BY updated_at LIMIT 100"
        ))?;
        let rows = stmt.query_map([now], read_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The next time something is due without a signal: a phase's deadline or a retry.
    pub fn presence_next_due(&self) -> Result<Option<i64>, StoreError> {
        Ok(self.read().row(
            "SELECT MIN(at) FROM (
                 SELECT MIN(deadline) AS at FROM presence
                   WHERE deadline IS NOT NULL AND phase != 'idle'
                 UNION ALL
                 SELECT MIN(retry_at) FROM presence WHERE version != done_version)",
            [],
            |r| r.get(0),
        )?)
    }

    /// Records what the presence task did with a row it read at `acted_on` (its version): the
    /// away modes, what it learnt of the agent, when to try again. A change made meanwhile
    /// (a signal, a notification) keeps the row due; `hands_off` is never cleared here.
    pub fn presence_record(
        &self,
        row: &PresenceRow,
        acted_on: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        self.conn().exec(
            "UPDATE presence SET hands_off = hands_off OR ?2, prior = ?3, applied = ?4,
                 applied_before = ?5, pending = ?6, missing = ?7,
                 agent_away = COALESCE(?8, agent_away), aircall_unavailable = ?9,
                 done_version = ?10, retry_at = ?11, attempts = ?12, updated_at = ?13
             WHERE email = ?1",
            params![
                row.email,
                row.hands_off,
                away_text(row.prior),
                away_text(row.applied),
                away_text(row.applied_before),
                away_text(row.pending),
                row.missing,
                row.agent_away,
                row.aircall_unavailable,
                acted_on,
                row.retry_at,
                row.attempts,
                now,
            ],
        )?;
        Ok(())
    }

    /// Records the away mode the task is about to set (before its request leaves): a crash
    /// then leaves it known as the hub's.
    pub fn presence_pending(&self, email: &str, away: Away, now: i64) -> Result<(), StoreError> {
        self.conn().exec(
            "UPDATE presence SET pending = ?2, updated_at = ?3 WHERE email = ?1",
            params![key(email), away_text(Some(away)), now],
        )?;
        Ok(())
    }

    /// A teammate's away mode as Intercom notified it: the agent's own change takes presence
    /// off their run of calls and is kept for the reverse direction; the hub's own change is
    /// nothing. Returns whether the row changed.
    pub fn presence_observed(&self, email: &str, seen: Away, now: i64) -> Result<bool, StoreError> {
        let email = key(email);
        if email.is_empty() {
            return Ok(false);
        }
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let row = row_in(&tx, &email)?.unwrap_or_else(|| PresenceRow {
            email: email.clone(),
            ..PresenceRow::default()
        });
        let Some(observed) = row.observe(&seen) else {
            return Ok(false);
        };
        if !observed.hands_off && row.agent_away == Some(observed.agent_away) {
            return Ok(false);
        }
        let mut next = row.clone();
        next.hands_off |= observed.hands_off;
        next.agent_away = Some(observed.agent_away);
        next.version += 1;
        next.retry_at = None;
        write_in(&tx, &next, now)?;
        tx.commit()?;
        Ok(true)
    }

    /// An agent's choice: presence follows their calls, or not.
    pub fn presence_follow_calls(
        &self,
        email: &str,
        follow: bool,
        now: i64,
    ) -> Result<PresenceRow, StoreError> {
        let email = key(email);
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut row = row_in(&tx, &email)?.unwrap_or_else(|| PresenceRow {
            email: email.clone(),
            ..PresenceRow::default()
        });
        if row.opted_out == follow {
            row.opted_out = !follow;
            row.version += 1;
            row.retry_at = None;
            write_in(&tx, &row, now)?;
        }
        tx.commit()?;
        Ok(row)
    }

    /// Makes every row the hub holds something for due again (the settings changed).
    pub fn presence_touch_held(&self, now: i64) -> Result<usize, StoreError> {
        Ok(self.conn().exec(
            "UPDATE presence SET version = version + 1, retry_at = NULL, updated_at = ?1
             WHERE applied IS NOT NULL OR pending IS NOT NULL OR aircall_unavailable
                OR agent_away IS NOT NULL",
            [now],
        )?)
    }
}

/// The rows on this call, on it still.
fn on_call_in(conn: &rusqlite::Connection, call_id: u64) -> Result<Vec<PresenceRow>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM presence WHERE call_id = ?1 AND phase = 'on_call' LIMIT 50"
    ))?;
    let rows = stmt.query_map([call_id as i64], read_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_goes_through_its_phases_once_and_ends_with_an_event() {
        let store = Store::open_in_memory().unwrap();
        let answered = Signal::Answered { call_id: 7, at: 10 };
        assert!(store
            .presence_signal("Bob@Acme.io", answered, 100, 2)
            .unwrap());
        assert!(
            !store
                .presence_signal("bob@acme.io", answered, 101, 2)
                .unwrap(),
            "redelivered"
        );
        let row = store.presence_row("BOB@acme.io").unwrap().unwrap();
        assert_eq!((row.track.phase, row.version), (Phase::OnCall, 1));
        assert_eq!(store.presence_due(100).unwrap().len(), 1);
        assert!(store.presence_call_ended(7, 20, 102, 2).unwrap());
        assert!(!store.presence_call_ended(7, 21, 103, 2).unwrap());
        assert_eq!(store.presence_next_due().unwrap(), Some(104));
        let before = store.last_event_id().unwrap();
        assert_eq!(store.presence_expire(103).unwrap(), 0);
        assert_eq!(store.presence_expire(104).unwrap(), 1);
        let events = store.events_after(before, 10).unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].kind, "wrap_up.ended");
        assert!(
            events[0].payload.contains(r#""by":"timer""#),
            "{}",
            events[0].payload
        );
        let row = store.presence_row("bob@acme.io").unwrap().unwrap();
        assert_eq!((row.track.phase, row.version), (Phase::Idle, 3));
    }

    #[test]
    fn the_tasks_record_keeps_a_later_change_due_and_never_clears_hands_off() {
        let store = Store::open_in_memory().unwrap();
        let answered = Signal::Answered { call_id: 7, at: 10 };
        store.presence_signal("a@b.c", answered, 100, 2).unwrap();
        let mut row = store.presence_row("a@b.c").unwrap().unwrap();
        let seen = Away {
            enabled: true,
            reassign: false,
            reason_id: Some(1),
        };
        store.presence_pending("a@b.c", seen, 100).unwrap();
        // The notification of the hub's own change, before its answer is recorded.
        assert!(!store.presence_observed("a@b.c", seen, 100).unwrap());
        // The call ends while the task works.
        store.presence_call_ended(7, 20, 101, 2).unwrap();
        row.applied = Some(seen);
        row.pending = None;
        store.presence_record(&row, row.version, 101).unwrap();
        let after = store.presence_row("a@b.c").unwrap().unwrap();
        assert_eq!(after.applied, Some(seen));
        assert_eq!(
            store.presence_due(101).unwrap().len(),
            1,
            "the end is still due"
        );
        // The agent sets themselves available: hands off.
        let free = Away::default();
        assert!(store.presence_observed("a@b.c", free, 102).unwrap());
        let mut stale = after.clone();
        stale.hands_off = false;
        store.presence_record(&stale, stale.version, 103).unwrap();
        assert!(store.presence_row("a@b.c").unwrap().unwrap().hands_off);
    }
}
