//! The subjects table: each call or message the hub logs, with its latest snapshot, the rules'
//! memory and where it was logged. Rows become [`Subject`] values here and nowhere else.

use crate::store::CachedSql;
use rusqlite::{params, OptionalExtension};

use super::{NewEvent, Store, StoreError};
use crate::aircall::Direction;
use crate::domain::subject::{
    CardPush, Progress, Status, Subject, SubjectKey, SubjectKind, Tracked,
};
use crate::phone::{Region, E164};

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
";

/// Version 8: the contacts an agent may pick from, and what became of the card pushed to
/// Aircall.
/// Conversations found in Intercom after a crash, each claimed by one call or message.
pub(super) const ADD_CONVERSATION_CLAIMS: &str = "
CREATE TABLE conversation_claims (
    conversation_id TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    id              TEXT NOT NULL
) WITHOUT ROWID;
";

pub(super) const ADD_CANDIDATES_AND_PUSHES: &str = "
ALTER TABLE subjects ADD COLUMN candidates TEXT NOT NULL DEFAULT '[]';
ALTER TABLE subjects ADD COLUMN card_push TEXT;
CREATE INDEX subjects_conversation ON subjects (conversation_id);
";

/// The columns a [`Subject`] is read from, in [`read_row`]'s order.
pub(super) const COLUMNS: &str =
    "kind, id, snapshot, rank, event_time, memory, status, reason, contact_id, \
     conversation_id, chosen_contact_id, candidates, card_push, created_at, updated_at";

/// How many columns [`COLUMNS`] names: a query may select more after them.
pub(super) const COLUMN_COUNT: usize = 15;

/// A row as SQLite holds it, before it is read into a [`Subject`].
pub(super) struct Row {
    kind: String,
    id: String,
    snapshot: String,
    rank: i64,
    event_time: i64,
    memory: String,
    status: String,
    reason: Option<String>,
    contact_id: Option<String>,
    conversation_id: Option<String>,
    chosen_contact_id: Option<String>,
    candidates: String,
    card_push: Option<String>,
    created_at: i64,
    updated_at: i64,
}

/// Reads the columns of [`COLUMNS`].
pub(super) fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok(Row {
        kind: r.get(0)?,
        id: r.get(1)?,
        snapshot: r.get(2)?,
        rank: r.get(3)?,
        event_time: r.get(4)?,
        memory: r.get(5)?,
        status: r.get(6)?,
        reason: r.get(7)?,
        contact_id: r.get(8)?,
        conversation_id: r.get(9)?,
        chosen_contact_id: r.get(10)?,
        candidates: r.get(11)?,
        card_push: r.get(12)?,
        created_at: r.get(13)?,
        updated_at: r.get(14)?,
    })
}

/// A row read into a [`Subject`], or why it cannot be.
pub(super) fn into_subject(row: Row) -> Result<Subject, StoreError> {
    row.into_subject()
}

impl Row {
    fn into_subject(self) -> Result<Subject, StoreError> {
        let corrupt = |what: &str, e: &dyn std::fmt::Display| {
            StoreError::Corrupt(format!("{} {}: {what}: {e}", self.kind, self.id))
        };
        let kind = SubjectKind::parse(&self.kind).ok_or_else(|| corrupt("kind", &self.kind))?;
        let progress = Progress::from_i64(self.rank).ok_or_else(|| corrupt("rank", &self.rank))?;
        let tracked = match kind {
            SubjectKind::Call => Tracked::Call {
                call: serde_json::from_str(&self.snapshot).map_err(|e| corrupt("snapshot", &e))?,
                memory: serde_json::from_str(&self.memory).map_err(|e| corrupt("memory", &e))?,
            },
            SubjectKind::Message => Tracked::Message {
                message: serde_json::from_str(&self.snapshot)
                    .map_err(|e| corrupt("snapshot", &e))?,
                memory: serde_json::from_str(&self.memory).map_err(|e| corrupt("memory", &e))?,
            },
        };
        Ok(Subject {
            status: Status::parse(&self.status).ok_or_else(|| corrupt("status", &self.status))?,
            candidates: serde_json::from_str(&self.candidates)
                .map_err(|e| corrupt("candidates", &e))?,
            card_push: self.card_push.as_deref().and_then(CardPush::parse),
            id: self.id,
            tracked,
            progress,
            event_time: self.event_time,
            reason: self.reason,
            contact_id: self.contact_id,
            conversation_id: self.conversation_id,
            chosen_contact_id: self.chosen_contact_id,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// The snapshot and memory of a subject as stored JSON.
pub(super) fn tracked_json(tracked: &Tracked) -> Result<(String, String), StoreError> {
    let json =
        |v: Result<String, serde_json::Error>| v.map_err(|e| StoreError::Corrupt(e.to_string()));
    Ok(match tracked {
        Tracked::Call { call, memory } => (
            json(serde_json::to_string(call))?,
            json(serde_json::to_string(memory))?,
        ),
        Tracked::Message { message, memory } => (
            json(serde_json::to_string(message))?,
            json(serde_json::to_string(memory))?,
        ),
    })
}

/// What the console searches a subject by, read from its snapshot when it is saved (the
/// migration fills the rows stored before from their JSON the same way).
struct Searchable {
    /// When the call started (a message: when first seen).
    started_at: i64,
    /// The other party's number: E.164 when it reads as one, else as sent, spaces removed.
    phone: Option<String>,
    direction: &'static str,
    /// Calls only.
    answered: Option<bool>,
    /// The answering, calling or sending agent, lower case.
    agent_email: Option<String>,
    /// The line's name, else its digits.
    line: Option<String>,
    /// Calls: from the answer to the end, in seconds.
    duration: Option<i64>,
    /// `call`, `sms` or `whatsapp`.
    channel: &'static str,
}

impl Searchable {
    fn of(s: &Subject) -> Searchable {
        let line_of = |n: Option<&crate::aircall::Number>| {
            n.and_then(|n| {
                [n.name.trim(), n.digits.trim()]
                    .into_iter()
                    .find(|t| !t.is_empty())
                    .map(str::to_owned)
            })
        };
        let email = |u: Option<&crate::aircall::UserRef>| {
            u.and_then(|u| u.email.as_deref())
                .map(|e| e.trim().to_lowercase())
                .filter(|e| !e.is_empty())
        };
        let direction = |d: Direction| match d {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        };
        match &s.tracked {
            Tracked::Call { call, .. } => Searchable {
                started_at: call.started_at.unwrap_or(s.created_at),
                phone: phone_of(&call.raw_digits, call.number.as_ref()),
                direction: direction(call.direction),
                answered: Some(call.answered_at.is_some()),
                agent_email: email(call.user.as_ref()),
                line: line_of(call.number.as_ref()),
                duration: call
                    .answered_at
                    .zip(call.ended_at)
                    .and_then(|(a, e)| e.checked_sub(a))
                    .filter(|d| (0..=crate::rules::notes::LONGEST_SPAN_SECS).contains(d)),
                channel: "call",
            },
            Tracked::Message { message, .. } => Searchable {
                started_at: s.created_at,
                phone: message
                    .external_number
                    .as_deref()
                    .or(message.raw_digits.as_deref())
                    .and_then(|raw| phone_of(raw, message.number.as_ref())),
                direction: direction(message.direction),
                answered: None,
                agent_email: email(message.user.as_ref()),
                line: line_of(message.number.as_ref()),
                duration: None,
                channel: if message.channel_label() == "WhatsApp" {
                    "whatsapp"
                } else {
                    "sms"
                },
            },
        }
    }
}

/// The other party's number as the console searches it: E.164 when it is written
/// internationally or the line's country reads it, else as sent without spaces or dashes;
/// `None` for a withheld number.
pub(in crate::store) fn phone_of(
    raw: &str,
    line: Option<&crate::aircall::Number>,
) -> Option<String> {
    if crate::phone::is_anonymous(raw) {
        return None;
    }
    let region = line
        .and_then(|n| n.country.as_deref())
        .and_then(|c| Region::parse(c).ok())
        .or_else(|| {
            raw.trim_start()
                .starts_with('+')
                .then(|| Region::parse("US").ok())
                .flatten()
        });
    if let Some(number) = region.and_then(|r| E164::parse(raw, r).ok()) {
        return Some(number.as_str().to_owned());
    }
    let bare: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '.' | '(' | ')'))
        .collect();
    (!bare.is_empty()).then_some(bare)
}

/// Writes a subject's new snapshot inside an open transaction, with the columns the console
/// searches. A status the executor or an agent settled (logged, skipped, failed) stays; where
/// it was logged is never overwritten; a call an admin had logged although a setting skipped
/// it stays queued.
pub(super) fn upsert_in(
    tx: &rusqlite::Connection,
    s: &Subject,
    now: i64,
) -> Result<(), StoreError> {
    let (snapshot, memory) = tracked_json(&s.tracked)?;
    let found = Searchable::of(s);
    tx.exec(
        "INSERT INTO subjects (kind, id, snapshot, rank, event_time, memory, status, reason,
             contact_id, conversation_id, chosen_contact_id, created_at, updated_at,
             started_at, phone, direction, answered, agent_email, line, duration, channel,
             contact_name)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL, NULL, NULL, ?9, ?10,
             ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
             (SELECT CASE WHEN COUNT(*) = 1 THEN MAX(name) END FROM contacts WHERE e164 = ?12))
         ON CONFLICT(kind, id) DO UPDATE SET snapshot = excluded.snapshot, rank = excluded.rank,
             event_time = excluded.event_time, memory = excluded.memory,
             status = CASE WHEN subjects.status IN ('logged', 'skipped', 'failed')
                           THEN subjects.status
                           WHEN subjects.logged_by IS NOT NULL AND excluded.status = 'off'
                           THEN subjects.status
                           ELSE excluded.status END,
             reason = CASE WHEN subjects.status IN ('logged', 'skipped', 'failed')
                           THEN subjects.reason
                           WHEN subjects.logged_by IS NOT NULL AND excluded.status = 'off'
                           THEN subjects.reason
                           ELSE excluded.reason END,
             updated_at = excluded.updated_at,
             started_at = excluded.started_at, phone = excluded.phone,
             direction = excluded.direction, answered = excluded.answered,
             agent_email = excluded.agent_email, line = excluded.line,
             duration = excluded.duration, channel = excluded.channel,
             contact_name = COALESCE(
                 (SELECT name FROM contacts
                  WHERE id = COALESCE(subjects.contact_id, subjects.chosen_contact_id)),
                 excluded.contact_name, subjects.contact_name)",
        params![
            s.kind().as_str(),
            s.id,
            snapshot,
            s.progress.as_i64(),
            s.event_time,
            memory,
            s.status.as_str(),
            s.reason,
            s.created_at,
            now,
            found.started_at,
            found.phone,
            found.direction,
            found.answered,
            found.agent_email,
            found.line,
            found.duration,
            found.channel,
        ],
    )?;
    Ok(())
}

/// Where a subject was logged.
#[derive(Debug, Clone, Copy)]
pub struct Logged<'a> {
    /// The call or message.
    pub subject: &'a SubjectKey,
    /// The Intercom contact it was logged to.
    pub contact_id: &'a str,
    /// The conversation that holds it.
    pub conversation_id: &'a str,
}

/// Records where a subject was logged, inside an open transaction.
pub(super) fn logged_in(
    tx: &rusqlite::Transaction<'_>,
    logged: &Logged<'_>,
    now: i64,
) -> Result<(), StoreError> {
    let key = logged.subject;
    tx.exec(
        "UPDATE subjects SET status = 'logged', reason = NULL, contact_id = ?3, conversation_id = ?4, updated_at = ?5,
             contact_name = COALESCE((SELECT name FROM contacts WHERE id = ?3), contact_name)
         WHERE kind = ?1 AND id = ?2",
        params![key.kind.as_str(), key.id, logged.contact_id, logged.conversation_id, now],
    )?;
    Ok(())
}

/// The status of a subject inside an open transaction.
pub(super) fn status_in(
    tx: &rusqlite::Connection,
    key: &SubjectKey,
) -> Result<Option<Status>, StoreError> {
    let status: Option<String> = tx
        .row(
            "SELECT status FROM subjects WHERE kind = ?1 AND id = ?2",
            [key.kind.as_str(), &key.id],
            |r| r.get(0),
        )
        .optional()?;
    Ok(status.as_deref().and_then(Status::parse))
}

impl Store {
    /// A subject, if seen.
    pub fn subject(&self, key: &SubjectKey) -> Result<Option<Subject>, StoreError> {
        let row = self
            .read()
            .row(
                &format!("SELECT {COLUMNS} FROM subjects WHERE kind = ?1 AND id = ?2"),
                [key.kind.as_str(), &key.id],
                read_row,
            )
            .optional()?;
        row.map(Row::into_subject).transpose()
    }

    /// The most recent subjects, newest first. One that cannot be read back is left out (and
    /// logged), so the rest of the history still shows.
    pub fn recent_subjects(&self, limit: usize) -> Result<Vec<Subject>, StoreError> {
        let conn = self.read();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM subjects ORDER BY created_at DESC, id DESC LIMIT {limit}"
        ))?;
        let rows: Vec<Row> = stmt.query_map([], read_row)?.collect::<Result<_, _>>()?;
        Ok(rows
            .into_iter()
            .filter_map(|r| match r.into_subject() {
                Ok(s) => Some(s),
                Err(e) => {
                    tracing::warn!(error = %e, "a subject cannot be read back");
                    None
                }
            })
            .collect())
    }

    /// Whether a call or message is already logged in this conversation.
    pub fn conversation_logged(&self, conversation_id: &str) -> Result<bool, StoreError> {
        Ok(self.read().row(
            "SELECT EXISTS (SELECT 1 FROM subjects WHERE conversation_id = ?1)",
            [conversation_id],
            |r| r.get(0),
        )?)
    }

    /// Claims for `key` a conversation found in Intercom after a crash (one a previous attempt
    /// may have started). Two calls of one contact may start with the same words and retry side
    /// by side: the first claim wins, and the other call looks further or starts its own. True
    /// when `key` holds it (claimed now, or before by the same subject).
    pub fn claim_conversation(
        &self,
        conversation_id: &str,
        key: &SubjectKey,
    ) -> Result<bool, StoreError> {
        let conn = self.conn();
        conn.execute(
            "INSERT OR IGNORE INTO conversation_claims (conversation_id, kind, id) \
             VALUES (?1, ?2, ?3)",
            params![conversation_id, key.kind.as_str(), key.id],
        )?;
        let holder: (String, String) = conn.row(
            "SELECT kind, id FROM conversation_claims WHERE conversation_id = ?1",
            [conversation_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(holder.0 == key.kind.as_str() && holder.1 == key.id)
    }

    /// Skips (or fails) a subject: its effects wait as `blocked` until an agent resolves it,
    /// and `event` (which says so) is logged, in one transaction. `candidates` are the contacts
    /// the agent may pick from. `tried` is the contact choice the attempt saw: if an agent
    /// chose (again) meanwhile, nothing changes and `None` comes back, so the caller runs the
    /// attempt again with the new choice. Returns the event's id.
    #[allow(clippy::too_many_arguments)]
    pub fn subject_blocked(
        &self,
        key: &SubjectKey,
        status: Status,
        reason: &str,
        candidates: &[String],
        tried: Option<&str>,
        event: &NewEvent,
        now: i64,
    ) -> Result<Option<i64>, StoreError> {
        let candidates =
            serde_json::to_string(candidates).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let changed = tx.exec(
            "UPDATE subjects SET status = ?3, reason = ?4, candidates = ?5, updated_at = ?6
             WHERE kind = ?1 AND id = ?2 AND chosen_contact_id IS ?7",
            params![
                key.kind.as_str(),
                key.id,
                status.as_str(),
                reason,
                candidates,
                now,
                tried
            ],
        )?;
        if changed == 0 {
            return Ok(None);
        }
        tx.exec(
            "UPDATE outbox SET state = 'blocked', last_error = ?3
             WHERE subject_kind = ?1 AND subject_id = ?2 AND state IN ('pending', 'in_flight')
               AND lane = 'logging'",
            params![key.kind.as_str(), key.id, reason],
        )?;
        let event_id = Self::log_event_in(&tx, now, &event.audience, &event.kind, &event.payload)?;
        tx.commit()?;
        Ok(Some(event_id))
    }

    /// Adds contacts an agent may pick for a subject (a shared number's, shown on the card
    /// while the call rings) to those already offered.
    pub fn subject_offer_candidates(
        &self,
        key: &SubjectKey,
        contact_ids: &[String],
    ) -> Result<(), StoreError> {
        if contact_ids.is_empty() {
            return Ok(());
        }
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let known: Option<String> = tx
            .row(
                "SELECT candidates FROM subjects WHERE kind = ?1 AND id = ?2",
                params![key.kind.as_str(), key.id],
                |r| r.get(0),
            )
            .optional()?;
        let Some(known) = known else {
            return Ok(());
        };
        let mut all: Vec<String> = serde_json::from_str(&known)
            .map_err(|e| StoreError::Corrupt(format!("candidates: {e}")))?;
        for id in contact_ids {
            if !all.contains(id) {
                all.push(id.clone());
            }
        }
        let all = serde_json::to_string(&all).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        tx.exec(
            "UPDATE subjects SET candidates = ?3 WHERE kind = ?1 AND id = ?2",
            params![key.kind.as_str(), key.id, all],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// An agent chose the contact for a subject not logged yet: its blocked effects run again.
    /// False when it is already logged.
    pub fn subject_choose_contact(
        &self,
        key: &SubjectKey,
        contact_id: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let changed = tx.exec(
            "UPDATE subjects SET chosen_contact_id = ?3, status = 'queued', reason = NULL, updated_at = ?4,
                 contact_name = COALESCE((SELECT name FROM contacts WHERE id = ?3), contact_name)
             WHERE kind = ?1 AND id = ?2 AND conversation_id IS NULL",
            params![key.kind.as_str(), key.id, contact_id, now],
        )?;
        tx.exec(
            "UPDATE outbox SET state = 'pending', next_attempt_at = 0, last_error = NULL
             WHERE subject_kind = ?1 AND subject_id = ?2 AND state = 'blocked'",
            params![key.kind.as_str(), key.id],
        )?;
        tx.commit()?;
        Ok(changed > 0)
    }

    /// Records what became of the card pushed to Aircall for a call.
    pub fn set_card_push(&self, key: &SubjectKey, push: CardPush) -> Result<(), StoreError> {
        self.conn().exec(
            "UPDATE subjects SET card_push = ?3 WHERE kind = ?1 AND id = ?2",
            params![key.kind.as_str(), key.id, push.as_str()],
        )?;
        Ok(())
    }
}
