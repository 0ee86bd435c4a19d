//! The console's search over calls and messages: the columns it filters and sorts on, copied
//! from each subject's snapshot when the subject is saved (`store/subjects.rs`, and from the
//! stored snapshots once, by the migration), with their indexes; the reports read the same
//! columns. Also what the console opens of one subject (its effects, the webhooks that made
//! it) and the outbox changes an admin asks for (retry, give up).
//!
//! Every search runs on one index, newest first, and pages by keyset: the next page starts
//! below the last row's `(started_at, rowid)`.

use rusqlite::{params, OptionalExtension};

use crate::domain::effect::Effect;
use crate::domain::history::Channel;
use crate::domain::subject::{Subject, SubjectKey, SubjectKind};
use crate::store::{outbox, subjects, CachedSql, NewEffect, Store, StoreError};

/// The logging state a row is searched by, as SQL over `status`: `waiting`, `logged`,
/// `not_logged` or `failed`. Written once, so that the index and the queries match.
macro_rules! state_sql {
    () => {
        "(CASE WHEN status IN ('live', 'queued') THEN 'waiting' \
         WHEN status IN ('skipped', 'off') THEN 'not_logged' ELSE status END)"
    };
}

/// The call or message an inbox row is about, as SQL over its stored body.
macro_rules! inbox_subject_sql {
    () => {
        "CAST(coalesce(json_extract(body, '$.data.message.id'), \
         json_extract(body, '$.data.call_id'), json_extract(body, '$.data.id')) AS TEXT)"
    };
}

/// The searchable columns of the rows stored before, from their snapshots' JSON.
macro_rules! backfill_sql {
    () => {
        "
UPDATE subjects SET
    started_at = COALESCE(
        CASE WHEN kind = 'call' THEN json_extract(snapshot, '$.started_at') END, created_at),
    phone = NULLIF(replace(replace(replace(replace(replace(trim(
        CASE WHEN kind = 'call' THEN json_extract(snapshot, '$.raw_digits')
             ELSE COALESCE(json_extract(snapshot, '$.external_number'),
                           json_extract(snapshot, '$.raw_digits')) END),
        ' ', ''), '-', ''), '.', ''), '(', ''), ')', ''), ''),
    direction = json_extract(snapshot, '$.direction'),
    answered = CASE WHEN kind = 'call'
        THEN json_extract(snapshot, '$.answered_at') IS NOT NULL END,
    agent_email = NULLIF(lower(trim(json_extract(snapshot, '$.user.email'))), ''),
    line = COALESCE(NULLIF(json_extract(snapshot, '$.number.name'), ''),
                    NULLIF(json_extract(snapshot, '$.number.digits'), '')),
    duration = CASE WHEN kind = 'call'
        AND json_extract(snapshot, '$.ended_at') - json_extract(snapshot, '$.answered_at')
            BETWEEN 0 AND 604800
        THEN json_extract(snapshot, '$.ended_at') - json_extract(snapshot, '$.answered_at') END,
    channel = CASE WHEN kind = 'call' THEN 'call'
        WHEN lower(json_extract(snapshot, '$.channel')) = 'whatsapp' THEN 'whatsapp'
        ELSE 'sms' END,
    contact_name = (SELECT name FROM contacts
        WHERE contacts.id = COALESCE(subjects.contact_id, subjects.chosen_contact_id));
"
    };
}

/// The subjects' searchable columns and their indexes, then the rows already stored filled
/// from their snapshots (numbers without spaces or dashes: E.164 when Aircall sent it so).
pub(in crate::store) const CREATE: &str = concat!(
    "
ALTER TABLE subjects ADD COLUMN started_at INTEGER;     -- when the call started or the message was first seen, UNIX seconds
ALTER TABLE subjects ADD COLUMN phone TEXT;             -- the other party's number: E.164 when it parses, else as Aircall sent it
ALTER TABLE subjects ADD COLUMN direction TEXT;         -- 'inbound' or 'outbound'
ALTER TABLE subjects ADD COLUMN answered INTEGER;       -- calls: 1 answered, 0 missed; messages: NULL
ALTER TABLE subjects ADD COLUMN agent_email TEXT;       -- the answering (or calling, or sending) agent, lower case
ALTER TABLE subjects ADD COLUMN line TEXT;              -- the Aircall number's name (or digits)
ALTER TABLE subjects ADD COLUMN duration INTEGER;       -- calls: seconds from answer to hang-up (handle time)
ALTER TABLE subjects ADD COLUMN contact_name TEXT;      -- the Intercom contact logged to (or the number's one contact), as last known
ALTER TABLE subjects ADD COLUMN outcome TEXT;           -- the call's outcome chosen at wrap-up
ALTER TABLE subjects ADD COLUMN channel TEXT;           -- 'call', 'sms' or 'whatsapp'
ALTER TABLE subjects ADD COLUMN logged_by TEXT;         -- the admin who had it logged although a setting skipped it
ALTER TABLE subjects ADD COLUMN given_up_by TEXT;       -- the admin who gave up logging it
ALTER TABLE outbox ADD COLUMN given_up_by TEXT;         -- the admin who gave the failed effect up
CREATE INDEX subjects_by_start ON subjects (started_at);
CREATE INDEX subjects_by_phone ON subjects (phone, started_at);
CREATE INDEX subjects_by_agent ON subjects (agent_email, started_at);
CREATE INDEX subjects_by_status ON subjects (status, started_at);
CREATE INDEX subjects_by_line ON subjects (line, started_at);
CREATE INDEX subjects_by_channel ON subjects (channel, started_at);
CREATE INDEX subjects_by_contact ON subjects (lower(contact_name), started_at);
CREATE INDEX subjects_by_state ON subjects (",
    state_sql!(),
    ", started_at);
CREATE INDEX inbox_by_subject ON inbox (",
    inbox_subject_sql!(),
    ") WHERE state <> 'pending';
",
    backfill_sql!()
);

/// Rows a page shows.
pub const PAGE: usize = 50;

/// Where a subject stands, as the console searches it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoggingState {
    /// Live, or waiting for its conversation.
    Waiting,
    /// In Intercom.
    Logged,
    /// Not logged: a setting, or waiting for an agent (a shared number, no contact).
    NotLogged,
    /// Intercom refused it.
    Failed,
}

impl LoggingState {
    /// The word in the search form and the SQL.
    pub fn as_str(self) -> &'static str {
        match self {
            LoggingState::Waiting => "waiting",
            LoggingState::Logged => "logged",
            LoggingState::NotLogged => "not_logged",
            LoggingState::Failed => "failed",
        }
    }

    /// Reads the word.
    pub fn parse(word: &str) -> Option<Self> {
        Some(match word {
            "waiting" => LoggingState::Waiting,
            "logged" => LoggingState::Logged,
            "not_logged" => LoggingState::NotLogged,
            "failed" => LoggingState::Failed,
            _ => return None,
        })
    }
}

/// The channel's stored word.
fn channel_word(channel: Channel) -> &'static str {
    match channel {
        Channel::Call => "call",
        Channel::Sms => "sms",
        Channel::Whatsapp => "whatsapp",
    }
}

/// Where the next page starts: below this row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// The last row's `started_at`.
    pub started_at: i64,
    /// The last row's rowid.
    pub rowid: i64,
}

impl Cursor {
    /// As the "next" link carries it: `<started_at>.<rowid>`.
    pub fn to_param(self) -> String {
        format!("{}.{}", self.started_at, self.rowid)
    }

    /// Reads the link's form.
    pub fn parse(text: &str) -> Option<Self> {
        let (at, rowid) = text.split_once('.')?;
        Some(Cursor {
            started_at: at.trim().parse().ok()?,
            rowid: rowid.trim().parse().ok()?,
        })
    }
}

/// What to search for; every field is optional and they add up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallFilter {
    /// The number in the ways it may be stored (E.164, and as typed without spaces).
    pub phones: Vec<String>,
    /// The start of the contact's name, any case (ASCII letters folded, as SQLite does).
    pub contact: Option<String>,
    /// The agent's email, lower case.
    pub agent: Option<String>,
    /// The line's name.
    pub line: Option<String>,
    /// From this instant on (UNIX seconds).
    pub from: Option<i64>,
    /// Before this instant (UNIX seconds).
    pub to: Option<i64>,
    /// Calls, SMS or WhatsApp.
    pub channel: Option<Channel>,
    /// Where it stands.
    pub state: Option<LoggingState>,
    /// The page below this row.
    pub before: Option<Cursor>,
}

/// One call or message as the console lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct CallRow {
    /// Its rowid (the keyset's tie-breaker).
    pub rowid: i64,
    /// The subject.
    pub subject: Subject,
    /// When it started, UNIX seconds.
    pub started_at: i64,
    /// The other party's number (E.164 when it parses).
    pub phone: Option<String>,
    /// Calls: whether it was answered.
    pub answered: Option<bool>,
    /// Calls: seconds from answer to end.
    pub duration: Option<i64>,
    /// The line's name.
    pub line: Option<String>,
    /// The contact's name, as last known.
    pub contact_name: Option<String>,
    /// Call, SMS or WhatsApp.
    pub channel: Channel,
    /// The admin who had it logged although a setting skipped it.
    pub logged_by: Option<String>,
    /// The admin who gave up logging it.
    pub given_up_by: Option<String>,
    /// Its effects Intercom refused (failed and not given up).
    pub failed_effects: i64,
    /// Why the latest of them was refused.
    pub failed_error: Option<String>,
}

/// A page of the search.
#[derive(Debug, Clone, PartialEq)]
pub struct CallPage {
    /// The rows, newest first.
    pub rows: Vec<CallRow>,
    /// Where the next page starts, when there is one.
    pub next: Option<Cursor>,
}

/// Where an effect stands, as the console shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EffectStatus {
    /// Waiting for its turn (or its next attempt).
    Pending,
    /// Being sent now.
    InFlight,
    /// Done.
    Done,
    /// Refused for good.
    Failed,
    /// Waiting for an agent (or for the refused conversation).
    Blocked,
}

/// One effect of a subject, as the console shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct EffectRow {
    /// The outbox row's id.
    pub id: i64,
    /// What it does; `None` when the stored effect cannot be read.
    pub effect: Option<Effect>,
    /// Where it stands.
    pub status: EffectStatus,
    /// Attempts started.
    pub attempts: i64,
    /// Why the last attempt did not succeed.
    pub last_error: Option<String>,
    /// When it was queued.
    pub created_at: i64,
    /// When it was done or failed.
    pub done_at: Option<i64>,
    /// When it is tried next (pending only; 0: at once).
    pub next_attempt_at: i64,
    /// The admin who gave it up.
    pub given_up_by: Option<String>,
}

/// A webhook that made a subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookRow {
    /// The inbox row's id.
    pub id: i64,
    /// The event's name (`call.ended`, ...).
    pub event: String,
    /// When the hub received it.
    pub received_at: i64,
    /// Aircall's time for it.
    pub timestamp: Option<i64>,
    /// `processed`, `pending`, `ignored` or `failed`.
    pub state: String,
    /// Why it was set aside.
    pub error: Option<String>,
}

/// What an admin's retry or give-up did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EffectChange {
    /// Done now.
    Changed,
    /// Nothing to do: the effect is not failed (done, waiting, or given up already).
    Unchanged,
    /// The subject has no such effect.
    Unknown,
}

const ROW_COLUMNS: &str = "rowid, started_at, phone, answered, duration, line, contact_name, \
     channel, logged_by, given_up_by, \
     (SELECT COUNT(*) FROM outbox o WHERE o.subject_kind = subjects.kind \
         AND o.subject_id = subjects.id AND +o.state = 'failed' AND o.given_up_by IS NULL), \
     (SELECT last_error FROM outbox o WHERE o.subject_kind = subjects.kind \
         AND o.subject_id = subjects.id AND +o.state = 'failed' AND o.given_up_by IS NULL \
         ORDER BY o.id DESC LIMIT 1)";

/// The searchable part of a row, before it is joined to its subject.
struct Extra {
    rowid: i64,
    started_at: Option<i64>,
    phone: Option<String>,
    answered: Option<bool>,
    duration: Option<i64>,
    line: Option<String>,
    contact_name: Option<String>,
    channel: Option<String>,
    logged_by: Option<String>,
    given_up_by: Option<String>,
    failed_effects: i64,
    failed_error: Option<String>,
}

/// Reads the columns of [`ROW_COLUMNS`] from `at` on.
fn read_extra(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Extra> {
    Ok(Extra {
        rowid: r.get(at)?,
        started_at: r.get(at + 1)?,
        phone: r.get(at + 2)?,
        answered: r.get(at + 3)?,
        duration: r.get(at + 4)?,
        line: r.get(at + 5)?,
        contact_name: r.get(at + 6)?,
        channel: r.get(at + 7)?,
        logged_by: r.get(at + 8)?,
        given_up_by: r.get(at + 9)?,
        failed_effects: r.get(at + 10)?,
        failed_error: r.get(at + 11)?,
    })
}

impl Extra {
    fn with(self, subject: Subject) -> CallRow {
        let channel = match self.channel.as_deref() {
            Some("whatsapp") => Channel::Whatsapp,
            Some("sms") => Channel::Sms,
            Some(_) => Channel::Call,
            None if subject.kind() == SubjectKind::Call => Channel::Call,
            None => Channel::Sms,
        };
        CallRow {
            rowid: self.rowid,
            started_at: self.started_at.unwrap_or(subject.created_at),
            subject,
            phone: self.phone,
            answered: self.answered,
            duration: self.duration,
            line: self.line,
            contact_name: self.contact_name,
            channel,
            logged_by: self.logged_by,
            given_up_by: self.given_up_by,
            failed_effects: self.failed_effects,
            failed_error: self.failed_error,
        }
    }
}

/// The search's statement and its values.
fn search_sql(filter: &CallFilter) -> (String, Vec<rusqlite::types::Value>) {
    use rusqlite::types::Value as V;
    let mut w = Where::default();
    if !filter.phones.is_empty() {
        let phones: Vec<V> = filter.phones.iter().take(4).cloned().map(V::Text).collect();
        let marks = vec!["?"; phones.len()].join(", ");
        w.add(&format!("phone IN ({marks})"), phones);
    }
    if let Some(agent) = &filter.agent {
        w.add("agent_email = ?", vec![V::Text(agent.clone())]);
    }
    if let Some(line) = &filter.line {
        w.add("line = ?", vec![V::Text(line.clone())]);
    }
    if let Some(channel) = filter.channel {
        w.add("channel = ?", vec![V::Text(channel_word(channel).into())]);
    }
    if let Some(state) = filter.state {
        w.add(
            concat!(state_sql!(), " = ?"),
            vec![V::Text(state.as_str().into())],
        );
    }
    if let Some(prefix) = &filter.contact {
        let low = prefix.to_ascii_lowercase();
        w.add(
            "lower(contact_name) >= ? AND lower(contact_name) < ?",
            vec![V::Text(low.clone()), V::Text(format!("{low}\u{10ffff}"))],
        );
    }
    if let Some(from) = filter.from {
        w.add("started_at >= ?", vec![V::Integer(from)]);
    }
    if let Some(to) = filter.to {
        w.add("started_at < ?", vec![V::Integer(to)]);
    }
    if let Some(cursor) = filter.before {
        w.add(
            "(started_at, rowid) < (?, ?)",
            vec![V::Integer(cursor.started_at), V::Integer(cursor.rowid)],
        );
    }
    let (filter_sql, values) = w.finish();
    let sql = format!(
        "SELECT {}, {ROW_COLUMNS} FROM subjects {filter_sql}
         ORDER BY started_at DESC, rowid DESC LIMIT {}",
        subjects::COLUMNS,
        PAGE + 1
    );
    (sql, values)
}

/// A search's `WHERE`, its values numbered in the order they are added.
#[derive(Default)]
struct Where {
    clauses: Vec<String>,
    values: Vec<rusqlite::types::Value>,
}

impl Where {
    /// Adds a condition whose `?` take `values`, in order.
    fn add(&mut self, clause: &str, values: Vec<rusqlite::types::Value>) {
        let mut numbered = String::with_capacity(clause.len() + 8);
        for c in clause.chars() {
            if c == '?' {
                self.values.push(rusqlite::types::Value::Null);
                numbered.push_str(&format!("?{}", self.values.len()));
            } else {
                numbered.push(c);
            }
        }
        let first = self.values.len() - values.len().min(self.values.len());
        for (slot, value) in self.values[first..].iter_mut().zip(values) {
            *slot = value;
        }
        self.clauses.push(numbered);
    }

    /// The `WHERE` clause (empty when nothing is asked) and its values.
    fn finish(self) -> (String, Vec<rusqlite::types::Value>) {
        if self.clauses.is_empty() {
            return (String::new(), self.values);
        }
        (format!("WHERE {}", self.clauses.join(" AND ")), self.values)
    }
}

/// Where an effect stands, from its stored word.
fn effect_status(word: &str) -> EffectStatus {
    match word {
        "pending" => EffectStatus::Pending,
        "in_flight" => EffectStatus::InFlight,
        "done" => EffectStatus::Done,
        "failed" => EffectStatus::Failed,
        _ => EffectStatus::Blocked,
    }
}

impl Store {
    /// A page of calls and messages matching `filter`, newest first, [`PAGE`] at most.
    pub fn search_calls(&self, filter: &CallFilter) -> Result<CallPage, StoreError> {
        let (sql, sql_values) = search_sql(filter);
        let conn = self.read();
        let mut stmt = conn.prepare_cached(&sql)?;
        let columns = subjects::COLUMN_COUNT;
        let raw = stmt
            .query_map(rusqlite::params_from_iter(sql_values), |r| {
                Ok((subjects::read_row(r)?, read_extra(r, columns)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let more = raw.len() > PAGE;
        let mut rows = Vec::with_capacity(PAGE);
        for (row, extra) in raw.into_iter().take(PAGE) {
            match subjects::into_subject(row) {
                Ok(subject) => rows.push(extra.with(subject)),
                Err(e) => tracing::warn!(error = %e, "a subject cannot be read back"),
            }
        }
        let next = if more {
            rows.last().map(|r| Cursor {
                started_at: r.started_at,
                rowid: r.rowid,
            })
        } else {
            None
        };
        Ok(CallPage { rows, next })
    }

    /// One call or message with its searchable columns.
    pub fn call_row(&self, key: &SubjectKey) -> Result<Option<CallRow>, StoreError> {
        let conn = self.read();
        let found = conn
            .row(
                &format!(
                    "SELECT {}, {ROW_COLUMNS} FROM subjects WHERE kind = ?1 AND id = ?2",
                    subjects::COLUMNS
                ),
                [key.kind.as_str(), &key.id],
                |r| {
                    Ok((
                        subjects::read_row(r)?,
                        read_extra(r, subjects::COLUMN_COUNT)?,
                    ))
                },
            )
            .optional()?;
        found
            .map(|(row, extra)| subjects::into_subject(row).map(|s| extra.with(s)))
            .transpose()
    }

    /// Every effect of a subject, in order.
    pub fn call_effects(&self, key: &SubjectKey) -> Result<Vec<EffectRow>, StoreError> {
        let conn = self.read();
        let mut stmt = conn.prepare_cached(
            "SELECT id, effect, state, attempts, last_error, created_at, done_at,
                    next_attempt_at, given_up_by
             FROM outbox WHERE subject_kind = ?1 AND subject_id = ?2 ORDER BY id LIMIT 500",
        )?;
        let rows = stmt.query_map([key.kind.as_str(), &key.id], |r| {
            let effect: String = r.get(1)?;
            let state: String = r.get(2)?;
            Ok(EffectRow {
                id: r.get(0)?,
                effect: serde_json::from_str(&effect).ok(),
                status: effect_status(&state),
                attempts: r.get(3)?,
                last_error: r.get(4)?,
                created_at: r.get(5)?,
                done_at: r.get(6)?,
                next_attempt_at: r.get(7)?,
                given_up_by: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The webhooks about a subject still in the inbox, oldest first (at most 200), once the
    /// processor has read them: the index that finds them is kept off the webhooks' accept path.
    pub fn call_webhooks(&self, key: &SubjectKey) -> Result<Vec<WebhookRow>, StoreError> {
        let conn = self.read();
        let which = match key.kind {
            SubjectKind::Call => {
                "event NOT LIKE 'message.%' AND event NOT LIKE 'user.%' AND event NOT LIKE 'number.%'"
            }
            SubjectKind::Message => "event LIKE 'message.%'",
        };
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT id, event, received_at, json_extract(body, '$.timestamp'), state, error
             FROM inbox WHERE {} = ?1 AND state <> 'pending' AND {which} ORDER BY id LIMIT 200",
            inbox_subject_sql!()
        ))?;
        let rows = stmt.query_map([&key.id], |r| {
            Ok(WebhookRow {
                id: r.get(0)?,
                event: r.get(1)?,
                received_at: r.get(2)?,
                timestamp: r.get(3)?,
                state: r.get(4)?,
                error: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Puts a failed effect of `key` back in the queue, to run at once. When it is the
    /// conversation Intercom refused (the subject failed, its effects waiting), the subject
    /// waits for its conversation again and its other effects with it. An effect given up, done
    /// or already waiting is left as it is.
    pub fn retry_effect(
        &self,
        key: &SubjectKey,
        effect_id: i64,
        now: i64,
    ) -> Result<EffectChange, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let Some((state, given_up)) = effect_of(&tx, key, effect_id)? else {
            return Ok(EffectChange::Unknown);
        };
        if given_up {
            return Ok(EffectChange::Unchanged);
        }
        let changed = match state.as_str() {
            "failed" => tx.exec(
                "UPDATE outbox SET state = 'pending', next_attempt_at = 0, done_at = NULL
                 WHERE id = ?1 AND state = 'failed'",
                params![effect_id],
            )?,
            // The refused conversation: the subject failed, and its effects wait with it.
            "blocked" => {
                let subject = tx.exec(
                    "UPDATE subjects SET status = 'queued', reason = NULL, updated_at = ?3
                     WHERE kind = ?1 AND id = ?2 AND status = 'failed' AND given_up_by IS NULL",
                    params![key.kind.as_str(), key.id, now],
                )?;
                if subject > 0 {
                    tx.exec(
                        "UPDATE outbox SET state = 'pending', next_attempt_at = 0
                         WHERE subject_kind = ?1 AND subject_id = ?2 AND state = 'blocked'",
                        params![key.kind.as_str(), key.id],
                    )?;
                }
                subject
            }
            _ => 0,
        };
        tx.commit()?;
        Ok(if changed > 0 {
            EffectChange::Changed
        } else {
            EffectChange::Unchanged
        })
    }

    /// Gives up a failed effect of `key`: it stays failed, marked with who gave it up, and is
    /// never run again. When it is the conversation (refused, or its contact refused), the
    /// subject is given up with it, failed, and its waiting effects fail as given up.
    pub fn give_up_effect(
        &self,
        key: &SubjectKey,
        effect_id: i64,
        who: &str,
        now: i64,
    ) -> Result<EffectChange, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let Some((state, given_up)) = effect_of(&tx, key, effect_id)? else {
            return Ok(EffectChange::Unknown);
        };
        if given_up {
            return Ok(EffectChange::Unchanged);
        }
        let changed = match state.as_str() {
            "failed" => {
                let effect = tx.exec(
                    "UPDATE outbox SET given_up_by = ?2 WHERE id = ?1 AND state = 'failed'",
                    params![effect_id, who],
                )?;
                // Without its conversation nothing else of the subject can be logged: it is
                // given up whole.
                let starts: bool = tx.row(
                    "SELECT json_extract(effect, '$.type') = 'start_conversation'
                     FROM outbox WHERE id = ?1",
                    params![effect_id],
                    |r| r.get(0),
                )?;
                if effect > 0 && starts {
                    tx.exec(
                        "UPDATE subjects SET status = 'failed', given_up_by = ?3, updated_at = ?4,
                             reason = COALESCE(reason, (SELECT last_error FROM outbox WHERE id = ?5))
                         WHERE kind = ?1 AND id = ?2 AND conversation_id IS NULL
                           AND given_up_by IS NULL",
                        params![key.kind.as_str(), key.id, who, now, effect_id],
                    )?;
                    give_up_waiting(&tx, key, who, now)?;
                }
                effect
            }
            "blocked" => {
                let subject = tx.exec(
                    "UPDATE subjects SET given_up_by = ?3, updated_at = ?4
                     WHERE kind = ?1 AND id = ?2 AND status = 'failed' AND given_up_by IS NULL",
                    params![key.kind.as_str(), key.id, who, now],
                )?;
                if subject > 0 {
                    give_up_waiting(&tx, key, who, now)?;
                }
                subject
            }
            _ => 0,
        };
        tx.commit()?;
        Ok(if changed > 0 {
            EffectChange::Changed
        } else {
            EffectChange::Unchanged
        })
    }
}

impl Store {
    /// An admin has a call or message logged although a setting skipped it: the rules' new
    /// memory `s` carries, the status back to queued with who asked, and `effects` queued, in
    /// one transaction. False, and nothing changes, when it is no longer skipped by a setting
    /// (logged meanwhile, or asked before).
    pub fn log_anyway(
        &self,
        s: &Subject,
        effects: &[NewEffect],
        who: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let (_, memory) = subjects::tracked_json(&s.tracked)?;
        let key = s.key();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let changed = tx.exec(
            "UPDATE subjects SET memory = ?3, status = 'queued', reason = NULL, logged_by = ?4,
                 updated_at = ?5
             WHERE kind = ?1 AND id = ?2 AND status = 'off' AND logged_by IS NULL",
            params![key.kind.as_str(), key.id, memory, who, now],
        )?;
        if changed > 0 {
            outbox::queue_in(&tx, &key, effects, now)?;
        }
        tx.commit()?;
        Ok(changed > 0)
    }
}

/// Fails, as given up, the logging effects of `key` that wait (for the conversation, or for
/// an agent).
fn give_up_waiting(
    tx: &rusqlite::Connection,
    key: &SubjectKey,
    who: &str,
    now: i64,
) -> Result<(), StoreError> {
    tx.exec(
        "UPDATE outbox SET state = 'failed', given_up_by = ?3, done_at = ?4,
             last_error = COALESCE(last_error, 'given up')
         WHERE subject_kind = ?1 AND subject_id = ?2 AND state IN ('pending', 'blocked')
           AND lane = 'logging'",
        params![key.kind.as_str(), key.id, who, now],
    )?;
    Ok(())
}

/// The state of one effect of `key`, and whether it was given up.
fn effect_of(
    tx: &rusqlite::Connection,
    key: &SubjectKey,
    effect_id: i64,
) -> Result<Option<(String, bool)>, StoreError> {
    Ok(tx
        .row(
            "SELECT state, given_up_by IS NOT NULL FROM outbox
             WHERE id = ?1 AND subject_kind = ?2 AND subject_id = ?3",
            params![effect_id, key.kind.as_str(), key.id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aircall::{Call, Message};
    use crate::domain::subject::{Progress, Status, Tracked};
    use crate::store::{NewEvent, Origin};
    use crate::webhook::StoredEvent;

    fn call(id: u64, started_at: i64, extra: serde_json::Value) -> Subject {
        let mut json = serde_json::json!({
            "id": id, "direction": "inbound", "status": "done", "raw_digits": "06 12 34 56 78",
            "started_at": started_at,
            "number": {"id": 2201, "name": "Support FR", "digits": "+33 1 76 11 11 11", "country": "FR"}
        });
        if let (Some(base), Some(more)) = (json.as_object_mut(), extra.as_object()) {
            base.extend(more.clone());
        }
        let call: Call = serde_json::from_value(json).unwrap();
        Subject {
            id: id.to_string(),
            tracked: Tracked::Call {
                call: Box::new(call),
                memory: Default::default(),
            },
            progress: Progress::Over,
            event_time: started_at,
            status: Status::Queued,
            reason: None,
            contact_id: None,
            conversation_id: None,
            chosen_contact_id: None,
            candidates: Vec::new(),
            card_push: None,
            created_at: started_at,
            updated_at: started_at,
        }
    }

    fn save(store: &Store, s: &Subject, effects: &[NewEffect]) {
        let inbox = store
            .inbox_push(
                &StoredEvent {
                    resource: "call".into(),
                    event: "call.ended".into(),
                    timestamp: s.event_time,
                    data: serde_json::json!({"id": s.id.parse::<u64>().unwrap_or(0)}),
                },
                s.event_time,
            )
            .unwrap();
        store
            .apply_processed(inbox, Some(s), effects, &[], s.event_time)
            .unwrap();
    }

    fn start(id: u64) -> NewEffect {
        NewEffect {
            key: format!("call:{id}:conversation"),
            effect: Effect::StartConversation { body: "x".into() },
            origin: Origin::Rules,
        }
    }

    #[test]
    fn saving_a_subject_fills_what_the_console_searches() {
        let store = Store::open_in_memory().unwrap();
        let answered = call(
            7,
            1_000,
            serde_json::json!({"answered_at": 1_010, "ended_at": 1_202,
                "user": {"id": 1, "name": "Bob", "email": " Bob@Acme.io "}}),
        );
        save(&store, &answered, &[]);
        let row = store.call_row(&answered.key()).unwrap().unwrap();
        assert_eq!(row.phone.as_deref(), Some("+33612345678"));
        assert_eq!(row.started_at, 1_000);
        assert_eq!(row.answered, Some(true));
        assert_eq!(row.duration, Some(192));
        assert_eq!(row.line.as_deref(), Some("Support FR"));
        assert_eq!(row.channel, Channel::Call);
        let by_agent = store
            .search_calls(&CallFilter {
                agent: Some("bob@acme.io".into()),
                ..CallFilter::default()
            })
            .unwrap();
        assert_eq!(by_agent.rows.len(), 1);

        let message: Message = serde_json::from_value(serde_json::json!({
            "id": "m1", "direction": "inbound", "external_number": "+44 20 7946 0000",
            "channel": "whatsapp"
        }))
        .unwrap();
        let mut m = answered.clone();
        m.id = "m1".into();
        m.tracked = Tracked::Message {
            message: Box::new(message),
            memory: Default::default(),
        };
        save(&store, &m, &[]);
        let row = store.call_row(&m.key()).unwrap().unwrap();
        assert_eq!(row.channel, Channel::Whatsapp);
        assert_eq!(row.phone.as_deref(), Some("+442079460000"));
        assert_eq!(row.answered, None);
    }

    #[test]
    fn the_migration_fills_the_rows_stored_before() {
        let store = Store::open_in_memory().unwrap();
        let s = call(
            9,
            2_000,
            serde_json::json!({"raw_digits": "+33 6 12-34-56-78", "answered_at": 2_005,
                "ended_at": 2_065, "user": {"id": 1, "name": "Bob", "email": "BOB@acme.io"}}),
        );
        save(&store, &s, &[]);
        let conn = store.conn();
        conn.execute_batch(
            "UPDATE subjects SET started_at = NULL, phone = NULL, direction = NULL,
                 answered = NULL, agent_email = NULL, line = NULL, duration = NULL,
                 channel = NULL, contact_name = NULL",
        )
        .unwrap();
        conn.execute_batch(backfill_sql!()).unwrap();
        drop(conn);
        let row = store.call_row(&s.key()).unwrap().unwrap();
        assert_eq!(row.phone.as_deref(), Some("+33612345678"));
        assert_eq!(row.started_at, 2_000);
        assert_eq!(row.duration, Some(60));
        assert_eq!(row.answered, Some(true));
        assert_eq!(row.line.as_deref(), Some("Support FR"));
        let agent: Option<String> = store
            .read()
            .row("SELECT agent_email FROM subjects WHERE id = '9'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(agent.as_deref(), Some("bob@acme.io"));
    }

    #[test]
    fn every_search_runs_on_an_index() {
        let store = Store::open_in_memory().unwrap();
        let everything = CallFilter {
            before: Some(Cursor {
                started_at: 5,
                rowid: 3,
            }),
            ..CallFilter::default()
        };
        let filters = [
            CallFilter::default(),
            everything.clone(),
            CallFilter {
                phones: vec!["+33612345678".into()],
                ..everything.clone()
            },
            CallFilter {
                agent: Some("bob@acme.io".into()),
                ..everything.clone()
            },
            CallFilter {
                line: Some("Support FR".into()),
                ..everything.clone()
            },
            CallFilter {
                channel: Some(Channel::Whatsapp),
                ..everything.clone()
            },
            CallFilter {
                state: Some(LoggingState::Failed),
                ..everything.clone()
            },
            CallFilter {
                state: Some(LoggingState::Waiting),
                ..everything.clone()
            },
            CallFilter {
                contact: Some("Jan".into()),
                ..everything.clone()
            },
            CallFilter {
                from: Some(1),
                to: Some(9),
                ..everything.clone()
            },
        ];
        let conn = store.read();
        for filter in filters {
            let (sql, values) = search_sql(&filter);
            let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let plan: Vec<String> = stmt
                .query_map(rusqlite::params_from_iter(values), |r| r.get(3))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            for step in &plan {
                if step.contains("subjects") || step.contains(" o ") {
                    assert!(step.contains("INDEX"), "{filter:?}: {plan:?}");
                }
            }
            // Sorted by the index itself, except by the start of a name.
            if filter.contact.is_none() {
                assert!(
                    !plan.iter().any(|s| s.contains("TEMP B-TREE")),
                    "{filter:?}: {plan:?}"
                );
            }
        }
        let key = SubjectKey::call(1);
        let mut stmt = conn
            .prepare(&format!(
                "EXPLAIN QUERY PLAN SELECT id FROM inbox WHERE {} = ?1 AND state <> 'pending'",
                inbox_subject_sql!()
            ))
            .unwrap();
        let plan: Vec<String> = stmt
            .query_map([&key.id], |r| r.get(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(plan.iter().all(|s| s.contains("INDEX")), "{plan:?}");
    }

    #[test]
    fn pages_follow_each_other_newest_first_without_gaps_or_repeats() {
        let store = Store::open_in_memory().unwrap();
        // Three at each second: the rowid breaks the ties.
        for id in 1..=120u64 {
            save(
                &store,
                &call(id, 1_000 + (id as i64) / 3, serde_json::json!({})),
                &[],
            );
        }
        let mut seen = Vec::new();
        let mut filter = CallFilter::default();
        loop {
            let page = store.search_calls(&filter).unwrap();
            assert!(page.rows.len() <= PAGE);
            seen.extend(page.rows.iter().map(|r| (r.started_at, r.rowid)));
            match page.next {
                Some(next) => filter.before = Some(next),
                None => break,
            }
        }
        assert_eq!(seen.len(), 120);
        let mut sorted = seen.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        sorted.dedup();
        assert_eq!(sorted, seen);
    }

    #[test]
    fn a_refused_conversation_is_retried_or_given_up_once() {
        let store = Store::open_in_memory().unwrap();
        let s = call(3, 1_000, serde_json::json!({}));
        save(&store, &s, &[start(3)]);
        let key = s.key();
        let said = NewEvent {
            audience: Vec::new(),
            kind: "logging.skipped".into(),
            payload: "{}".into(),
        };
        store
            .subject_blocked(
                &key,
                Status::Failed,
                "Intercom rejected it (422)",
                &[],
                None,
                &said,
                2,
            )
            .unwrap();
        let effect = store.call_effects(&key).unwrap()[0].id;
        let failed = store
            .search_calls(&CallFilter {
                state: Some(LoggingState::Failed),
                ..CallFilter::default()
            })
            .unwrap();
        assert_eq!(failed.rows.len(), 1);

        assert_eq!(
            store.retry_effect(&key, effect, 3).unwrap(),
            EffectChange::Changed
        );
        assert_eq!(store.subject(&key).unwrap().unwrap().status, Status::Queued);
        assert_eq!(
            store.call_effects(&key).unwrap()[0].status,
            EffectStatus::Pending
        );
        assert_eq!(
            store.retry_effect(&key, effect, 4).unwrap(),
            EffectChange::Unchanged
        );
        assert_eq!(
            store.retry_effect(&key, 999, 4).unwrap(),
            EffectChange::Unknown
        );

        // Refused again, then given up: it stays failed, and no retry brings it back.
        store
            .subject_blocked(
                &key,
                Status::Failed,
                "Intercom rejected it (422)",
                &[],
                None,
                &said,
                5,
            )
            .unwrap();
        assert_eq!(
            store
                .give_up_effect(&key, effect, "boss@acme.io", 6)
                .unwrap(),
            EffectChange::Changed
        );
        assert_eq!(
            store
                .give_up_effect(&key, effect, "boss@acme.io", 7)
                .unwrap(),
            EffectChange::Unchanged
        );
        assert_eq!(
            store.retry_effect(&key, effect, 8).unwrap(),
            EffectChange::Unchanged
        );
        let row = store.call_row(&key).unwrap().unwrap();
        assert_eq!(row.subject.status, Status::Failed);
        assert_eq!(row.given_up_by.as_deref(), Some("boss@acme.io"));
        let effects = store.call_effects(&key).unwrap();
        assert_eq!(effects[0].status, EffectStatus::Failed);
        assert_eq!(effects[0].given_up_by.as_deref(), Some("boss@acme.io"));
    }
}
