//! The calls to return: the team's "To call back" items (`callbacks`), every missed call the
//! list has seen and the item it opened or joined (`callback_calls`), and the transcripts
//! Aircall's AI sent for them (`callback_transcripts`). Rows become [`Callback`] values here and
//! nowhere else.
//!
//! Every change is keyed, so that processing a webhook again (after a crash, or Aircall's
//! redelivery) changes nothing: a missed call is recorded once by its id, an item closes once
//! (only an open or claimed one closes), and the note that says who returned it is queued under
//! a key of its own. Each change writes its events in the same transaction.
//!
//! Who sees an item: the agents of its line, as the hub knows the line's Aircall users
//! (`line_users`, matched by email in any letter case), and admins.

use rusqlite::{params, OptionalExtension};

use super::super::outbox::queue_in;
use super::super::{CachedSql, NewEffect, Origin, Store, StoreError};
use crate::domain::callback::{
    voicemail_url, Callback, CallbackContact, CallbackFilter, CallbackKind, CallbackLine,
    CallbackState, CloseReason, ContactRole, Teammate,
};
use crate::domain::effect::Effect;
use crate::domain::event::HubEvent;
use crate::domain::subject::{SubjectKey, ADMINS_ONLY};
use crate::hours::BusinessHours;

/// The schema, applied by migration 16.
pub const CREATE: &str = "
CREATE TABLE callbacks (
    id                 INTEGER PRIMARY KEY,
    call_id            INTEGER NOT NULL UNIQUE,  -- the missed call that opened it
    phone              TEXT NOT NULL,            -- E.164 when it reads as one, else as sent
    line_id            INTEGER,                  -- the Aircall number; NULL when none was given
    line_name          TEXT,
    missed_count       INTEGER NOT NULL DEFAULT 1,
    opened_at          INTEGER NOT NULL,         -- when the first missed call started
    last_missed_at     INTEGER NOT NULL,
    state              TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'claimed', 'closed')),
    claimed_by         TEXT,                     -- lower-case email
    claimed_name       TEXT,
    claimed_at         INTEGER,
    closed_at          INTEGER,
    closed_by          TEXT,
    closed_name        TEXT,
    close_reason       TEXT CHECK (close_reason IN ('called_back', 'answered', 'dismissed')),
    dismiss_reason     TEXT,
    closing_call_id    INTEGER,                  -- the call that returned it
    returned_after     INTEGER,
    voicemail_call_id  INTEGER,                  -- the last of its calls with a voicemail
    updated_at         INTEGER NOT NULL
);
CREATE INDEX callbacks_waiting ON callbacks (phone, line_id) WHERE state <> 'closed';
CREATE INDEX callbacks_by_state ON callbacks (state, opened_at);
CREATE INDEX callbacks_by_closing ON callbacks (closed_by, closed_at) WHERE state = 'closed';
CREATE TABLE callback_calls (
    call_id      INTEGER PRIMARY KEY,
    callback_id  INTEGER,                        -- NULL: a withheld number, nothing to return
    line_id      INTEGER,
    missed_at    INTEGER NOT NULL,
    voicemail    TEXT,                           -- the direct link (short-lived)
    asset        TEXT                            -- the lasting page
);
CREATE INDEX callback_calls_by_line ON callback_calls (line_id, missed_at);
CREATE INDEX callback_calls_by_item ON callback_calls (callback_id);
CREATE TABLE callback_transcripts (
    call_id      INTEGER PRIMARY KEY,
    transcript   TEXT NOT NULL,
    received_at  INTEGER NOT NULL
);
";

/// The number a call-back item is kept under: the other party's number as the console
/// searches it (E.164 when it reads as one, else as sent without spaces); `None` for a withheld
/// number.
pub fn phone_key(raw: &str, line: Option<&crate::aircall::Number>) -> Option<String> {
    super::super::subjects::phone_of(raw, line)
}

/// When items are late: `minutes` of the team's business hours after they opened.
#[derive(Debug, Clone, Copy)]
pub struct Deadline<'a> {
    /// The team's working hours.
    pub hours: &'a BusinessHours,
    /// `callback_deadline_minutes`, as the settings say now.
    pub minutes: u64,
}

impl Deadline<'_> {
    /// When an item opened at `opened_at` is due.
    pub fn due(&self, opened_at: i64) -> i64 {
        let seconds = i64::try_from(self.minutes.saturating_mul(60)).unwrap_or(i64::MAX);
        self.hours
            .after_business_seconds(opened_at, seconds)
            .unwrap_or_else(|| opened_at.saturating_add(seconds))
    }
}

/// A missed inbound call, as the call-back list records it.
#[derive(Debug, Clone)]
pub struct MissedCall {
    /// Aircall's id.
    pub call_id: u64,
    /// The caller's number (E.164 when it reads as one); `None` for a withheld number.
    pub phone: Option<String>,
    /// The line it came in on.
    pub line: Option<CallbackLine>,
    /// When it started, UNIX seconds.
    pub started_at: i64,
    /// The voicemail's direct link.
    pub voicemail: Option<String>,
    /// The call's lasting media page.
    pub asset: Option<String>,
}

/// A later call that returns the number's items: an answered inbound call or an outbound call.
#[derive(Debug, Clone)]
pub struct ReturnCall {
    /// Aircall's id.
    pub call_id: u64,
    /// The number (E.164 when it reads as one).
    pub phone: String,
    /// When it started, UNIX seconds: only items whose last missed call is older close.
    pub started_at: i64,
    /// `called_back` (outbound) or `answered` (inbound).
    pub reason: CloseReason,
    /// The agent on the call.
    pub by: Option<Teammate>,
}

/// What one change did: the events it wrote and the effects it queued.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fed {
    /// Events written.
    pub events: usize,
    /// Effects queued.
    pub effects: usize,
}

/// Why an agent's claim or dismiss was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// There is no such item, or the agent may not see it.
    NotFound,
    /// A teammate claimed it first.
    ClaimedBy(Teammate),
    /// It is closed already.
    Closed,
}

/// An agent acting on the list.
#[derive(Debug, Clone)]
pub struct Actor<'a> {
    /// Their email, lower case, and name.
    pub who: &'a Teammate,
    /// An admin sees every item.
    pub admin: bool,
}

/// The columns [`read_row`] reads, in its order (`c`: callbacks, `v`: the voicemail's call,
/// `t`: its transcript).
const COLUMNS: &str = "c.id, c.call_id, c.phone, c.line_id, c.line_name, c.missed_count,
    c.opened_at, c.last_missed_at, c.state, c.claimed_by, c.claimed_name, c.claimed_at,
    c.closed_at, c.closed_by, c.closed_name, c.close_reason, c.dismiss_reason, c.returned_after,
    v.voicemail, v.asset, t.transcript, c.voicemail_call_id";

/// The joins [`COLUMNS`] reads through.
const JOINS: &str = "callbacks c
    LEFT JOIN callback_calls v ON v.call_id = c.voicemail_call_id
    LEFT JOIN callback_transcripts t ON t.call_id = COALESCE(c.voicemail_call_id, c.call_id)";

/// A row as read, before its contact and deadline are added.
struct Row {
    item: Callback,
    line_id: Option<u64>,
}

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Row, String>> {
    let id: i64 = r.get(0)?;
    let line_id: Option<i64> = r.get(3)?;
    let line_name: Option<String> = r.get(4)?;
    let state: String = r.get(8)?;
    let teammate = |email: Option<String>, name: Option<String>| {
        email.map(|email| Teammate {
            name: name
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| email.clone()),
            email,
        })
    };
    let close_reason: Option<String> = r.get(15)?;
    let (voicemail, asset): (Option<String>, Option<String>) = (r.get(18)?, r.get(19)?);
    let voicemail_call: Option<i64> = r.get(21)?;
    let Some(state) = CallbackState::parse(&state) else {
        return Ok(Err(format!("call-back {id} has the state `{state}`")));
    };
    let close_reason = match close_reason.as_deref().map(CloseReason::parse) {
        None => None,
        Some(Some(reason)) => Some(reason),
        Some(None) => return Ok(Err(format!("call-back {id} has an unknown close reason"))),
    };
    Ok(Ok(Row {
        item: Callback {
            id,
            call_id: r.get::<_, i64>(1)? as u64,
            kind: if voicemail_call.is_some() {
                CallbackKind::Voicemail
            } else {
                CallbackKind::Missed
            },
            phone: r.get(2)?,
            line: line_id.map(|lid| CallbackLine {
                id: lid as u64,
                name: line_name.unwrap_or_default(),
            }),
            contact: None,
            missed_count: u32::try_from(r.get::<_, i64>(5)?).unwrap_or(u32::MAX),
            opened_at: r.get(6)?,
            last_missed_at: r.get(7)?,
            due_at: 0,
            late: false,
            state,
            claimed_by: teammate(r.get(9)?, r.get(10)?),
            claimed_at: r.get(11)?,
            closed_at: r.get(12)?,
            closed_by: teammate(r.get(13)?, r.get(14)?),
            close_reason,
            dismiss_reason: r.get(16)?,
            returned_after_seconds: r.get(17)?,
            voicemail_url: voicemail_url(asset.as_deref(), voicemail.as_deref()),
            transcript: r.get(20)?,
        },
        line_id: line_id.map(|l| l as u64),
    }))
}

/// The item with this id, complete (contact, deadline), read on `conn`.
fn item_in(
    conn: &rusqlite::Connection,
    id: i64,
    deadline: &Deadline<'_>,
    now: i64,
) -> Result<Option<Row>, StoreError> {
    let row = conn
        .row(
            &format!("SELECT {COLUMNS} FROM {JOINS} WHERE c.id = ?1"),
            [id],
            read_row,
        )
        .optional()?;
    match row {
        None => Ok(None),
        Some(Err(why)) => Err(StoreError::Corrupt(why)),
        Some(Ok(mut row)) => {
            complete(conn, &mut row.item, deadline, now)?;
            Ok(Some(row))
        }
    }
}

/// Adds what an item's row does not hold: its contact, when it is due and whether it is late.
fn complete(
    conn: &rusqlite::Connection,
    item: &mut Callback,
    deadline: &Deadline<'_>,
    now: i64,
) -> Result<(), StoreError> {
    item.due_at = deadline.due(item.opened_at);
    item.late = item.state != CallbackState::Closed && now > item.due_at;
    item.contact = contact_in(conn, item.call_id, &item.phone)?;
    Ok(())
}

/// The contact of an item: the one its missed call was logged to, else the one contact the
/// index holds for the number (none for a shared or unknown number).
fn contact_in(
    conn: &rusqlite::Connection,
    call_id: u64,
    phone: &str,
) -> Result<Option<CallbackContact>, StoreError> {
    let read = |r: &rusqlite::Row<'_>| {
        let role: String = r.get(2)?;
        Ok(CallbackContact {
            id: r.get(0)?,
            name: r.get(1)?,
            role: if role == "user" {
                ContactRole::User
            } else {
                ContactRole::Lead
            },
        })
    };
    let logged = conn
        .row(
            "SELECT c.id, c.name, c.role FROM subjects s
             JOIN contacts c ON c.id = COALESCE(s.contact_id, s.chosen_contact_id)
             WHERE s.kind = 'call' AND s.id = ?1",
            [call_id.to_string()],
            read,
        )
        .optional()?;
    if logged.is_some() {
        return Ok(logged);
    }
    let mut stmt =
        conn.prepare_cached("SELECT id, name, role FROM contacts WHERE e164 = ?1 LIMIT 2")?;
    let found: Vec<CallbackContact> = stmt.query_map([phone], read)?.collect::<Result<_, _>>()?;
    Ok(match found.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    })
}

/// The agents of a line, lower case, as the hub knows its Aircall users: the audience of its
/// items' events (admins only when nobody is known).
fn line_audience_in(
    conn: &rusqlite::Connection,
    line_id: Option<u64>,
) -> Result<Vec<String>, StoreError> {
    let users: Option<String> = match line_id {
        Some(id) => conn
            .row(
                "SELECT users FROM line_users WHERE number_id = ?1",
                [id as i64],
                |r| r.get(0),
            )
            .optional()?,
        None => None,
    };
    let users: Vec<crate::aircall::UserRef> = users
        .map(|u| serde_json::from_str(&u))
        .transpose()
        .map_err(|e| StoreError::Corrupt(format!("a line's users: {e}")))?
        .unwrap_or_default();
    let mut emails: Vec<String> = users
        .iter()
        .filter_map(|u| u.email.as_deref())
        .map(|e| e.trim().to_lowercase())
        .filter(|e| !e.is_empty())
        .collect();
    emails.sort();
    emails.dedup();
    if emails.is_empty() {
        emails.push(ADMINS_ONLY.to_owned());
    }
    Ok(emails)
}

/// The lines whose Aircall users include this email (any letter case).
fn lines_of_in(conn: &rusqlite::Connection, email: &str) -> Result<Vec<u64>, StoreError> {
    let email = email.trim().to_lowercase();
    let mut stmt = conn.prepare_cached("SELECT number_id, users FROM line_users")?;
    let rows: Vec<(i64, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut lines = Vec::new();
    for (id, users) in rows {
        let users: Vec<crate::aircall::UserRef> = serde_json::from_str(&users)
            .map_err(|e| StoreError::Corrupt(format!("line {id}'s users: {e}")))?;
        if users.iter().any(|u| {
            u.email
                .as_deref()
                .is_some_and(|e| e.trim().to_lowercase() == email)
        }) {
            lines.push(id as u64);
        }
    }
    Ok(lines)
}

/// Writes an event about an item for its line's agents, inside the transaction.
fn tell_in(
    conn: &rusqlite::Connection,
    row: &Row,
    kind: fn(Box<Callback>) -> HubEvent,
    now: i64,
) -> Result<(), StoreError> {
    let audience = line_audience_in(conn, row.line_id)?;
    let event = kind(Box::new(row.item.clone())).to_new(audience);
    Store::log_event_in(conn, now, &event.audience, &event.kind, &event.payload)?;
    Ok(())
}

fn opened(callback: Box<Callback>) -> HubEvent {
    HubEvent::CallbackOpened { callback }
}

fn claimed(callback: Box<Callback>) -> HubEvent {
    HubEvent::CallbackClaimed { callback }
}

fn closed(callback: Box<Callback>) -> HubEvent {
    HubEvent::CallbackClosed { callback }
}

/// The ids of items that are not closed, `(id, last_missed_at)`, with this number (on this
/// line, or on any line).
fn waiting_in(
    conn: &rusqlite::Connection,
    phone: &str,
    line: Option<Option<u64>>,
) -> Result<Vec<(i64, i64)>, StoreError> {
    let read = |r: &rusqlite::Row<'_>| Ok((r.get(0)?, r.get(1)?));
    let rows = match line {
        Some(line) => conn
            .prepare_cached(
                "SELECT id, last_missed_at FROM callbacks
                 WHERE phone = ?1 AND line_id IS ?2 AND state <> 'closed' ORDER BY id",
            )?
            .query_map(params![phone, line.map(|l| l as i64)], read)?
            .collect::<Result<_, _>>()?,
        None => conn
            .prepare_cached(
                "SELECT id, last_missed_at FROM callbacks
                 WHERE phone = ?1 AND state <> 'closed' ORDER BY id",
            )?
            .query_map([phone], read)?
            .collect::<Result<_, _>>()?,
    };
    Ok(rows)
}

impl Store {
    /// Records a missed inbound call, once: it opens an item, or joins the open one with the
    /// same number on the same line; a voicemail that came later is added to its item. Every
    /// change sends `callback.opened` with the item as it is now. A withheld number is counted
    /// among the line's missed calls but opens nothing.
    pub fn callback_missed(
        &self,
        missed: &MissedCall,
        deadline: &Deadline<'_>,
        now: i64,
    ) -> Result<Fed, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let fed = missed_in(&tx, missed, deadline, now)?;
        tx.commit()?;
        Ok(fed)
    }

    /// Closes the items with this number that are still waiting (any line) and older than the
    /// call, once: each gets `callback.closed`, and the note `note` writes goes on its missed
    /// call's conversation (none when that call is not logged).
    pub fn callback_returned(
        &self,
        call: &ReturnCall,
        deadline: &Deadline<'_>,
        note: &dyn Fn(&Callback) -> String,
        now: i64,
    ) -> Result<Fed, StoreError> {
        // Most calls return nothing: one read on the waiting items' index, no transaction.
        if waiting_in(&self.read(), &call.phone, None)?.is_empty() {
            return Ok(Fed::default());
        }
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut fed = Fed::default();
        for (id, last_missed_at) in waiting_in(&tx, &call.phone, None)? {
            if call.started_at <= last_missed_at {
                continue;
            }
            let changed = tx.exec(
                "UPDATE callbacks SET state = 'closed', closed_at = ?2, closed_by = ?3,
                     closed_name = ?4, close_reason = ?5, closing_call_id = ?6,
                     returned_after = MAX(0, ?2 - opened_at), updated_at = ?7
                 WHERE id = ?1 AND state <> 'closed'",
                params![
                    id,
                    call.started_at.min(now),
                    call.by.as_ref().map(|b| b.email.as_str()),
                    call.by.as_ref().map(|b| b.name.as_str()),
                    call.reason.as_str(),
                    call.call_id as i64,
                    now
                ],
            )?;
            if changed == 0 {
                continue;
            }
            let Some(row) = item_in(&tx, id, deadline, now)? else {
                continue;
            };
            fed.effects += note_in(&tx, &row.item, note(&row.item), now)?;
            tell_in(&tx, &row, closed, now)?;
            fed.events += 1;
        }
        tx.commit()?;
        Ok(fed)
    }

    /// Stores the transcript of a call's voicemail (or of a missed call), as Aircall's AI
    /// sent it. When the call belongs to an item still waiting, it sends `callback.opened`
    /// again with the transcript; the same transcript again changes nothing.
    pub fn callback_transcript(
        &self,
        call_id: u64,
        transcript: &str,
        deadline: &Deadline<'_>,
        now: i64,
    ) -> Result<Fed, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let known: Option<String> = tx
            .row(
                "SELECT transcript FROM callback_transcripts WHERE call_id = ?1",
                [call_id as i64],
                |r| r.get(0),
            )
            .optional()?;
        if known.as_deref() == Some(transcript) {
            return Ok(Fed::default());
        }
        tx.exec(
            "INSERT INTO callback_transcripts (call_id, transcript, received_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(call_id) DO UPDATE SET transcript = excluded.transcript",
            params![call_id as i64, transcript, now],
        )?;
        let item: Option<i64> = tx
            .row(
                "SELECT callback_id FROM callback_calls WHERE call_id = ?1",
                [call_id as i64],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        let mut fed = Fed::default();
        if let Some(row) = item
            .map(|id| item_in(&tx, id, deadline, now))
            .transpose()?
            .flatten()
        {
            if row.item.state != CallbackState::Closed && row.item.transcript.is_some() {
                tell_in(&tx, &row, opened, now)?;
                fed.events += 1;
            }
        }
        tx.commit()?;
        Ok(fed)
    }

    /// Whether the hub knows this call as a missed one of the list.
    pub fn callback_call_known(&self, call_id: u64) -> Result<bool, StoreError> {
        Ok(self
            .read()
            .row(
                "SELECT 1 FROM callback_calls WHERE call_id = ?1",
                [call_id as i64],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// The items an agent sees (every one for an admin), newest first, at most 200, with the
    /// number of waiting ones that are late.
    pub fn callbacks_for(
        &self,
        actor: &Actor<'_>,
        filter: CallbackFilter,
        deadline: &Deadline<'_>,
        now: i64,
    ) -> Result<(Vec<Callback>, u64), StoreError> {
        let conn = self.read();
        let lines = if actor.admin {
            None
        } else {
            Some(lines_of_in(&conn, &actor.who.email)?)
        };
        let state_sql = match filter {
            CallbackFilter::Open => "c.state <> 'closed'",
            CallbackFilter::Closed => "c.state = 'closed' AND c.closed_at >= ?1",
            CallbackFilter::All => "(c.state <> 'closed' OR c.closed_at >= ?1)",
        };
        if lines.as_ref().is_some_and(Vec::is_empty) {
            return Ok((Vec::new(), 0));
        }
        // An agent's lines travel as one JSON array: one statement whatever the lines.
        let lines_json = lines
            .as_ref()
            .map(|l| serde_json::to_string(l).unwrap_or_else(|_| "[]".to_owned()));
        let since = now - 24 * 3600;
        let sql = format!(
            "SELECT {COLUMNS} FROM {JOINS} WHERE {state_sql} AND ?1 = ?1
                 AND (?2 IS NULL OR c.line_id IN (SELECT value FROM json_each(?2)))
             ORDER BY c.last_missed_at DESC, c.id DESC LIMIT 200"
        );
        let rows: Vec<Result<Row, String>> = conn
            .prepare_cached(&sql)?
            .query_map(params![since, lines_json], read_row)?
            .collect::<Result<_, _>>()?;
        let mut items = Vec::with_capacity(rows.len());
        for row in rows {
            let mut row = row.map_err(StoreError::Corrupt)?;
            complete(&conn, &mut row.item, deadline, now)?;
            items.push(row.item);
        }
        let late = late_count_in(&conn, lines.as_deref(), deadline, now)?;
        Ok((items, late))
    }

    /// One item, when the agent may see it.
    pub fn callback_for(
        &self,
        actor: &Actor<'_>,
        id: i64,
        deadline: &Deadline<'_>,
        now: i64,
    ) -> Result<Option<Callback>, StoreError> {
        let conn = self.read();
        let Some(row) = item_in(&conn, id, deadline, now)? else {
            return Ok(None);
        };
        Ok(may_see_in(&conn, actor, &row)?.then_some(row.item))
    }

    /// An agent says they are calling the number back. Claiming again is a no-op; a
    /// teammate's claim or a closed item is refused. Sends `callback.claimed`.
    pub fn callback_claim(
        &self,
        actor: &Actor<'_>,
        id: i64,
        deadline: &Deadline<'_>,
        now: i64,
    ) -> Result<Result<Callback, Refusal>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let Some(row) = item_in(&tx, id, deadline, now)? else {
            return Ok(Err(Refusal::NotFound));
        };
        if !may_see_in(&tx, actor, &row)? {
            return Ok(Err(Refusal::NotFound));
        }
        match (&row.item.state, &row.item.claimed_by) {
            (CallbackState::Closed, _) => return Ok(Err(Refusal::Closed)),
            (CallbackState::Claimed, Some(by)) if by.email == actor.who.email => {
                return Ok(Ok(row.item))
            }
            (CallbackState::Claimed, Some(by)) => return Ok(Err(Refusal::ClaimedBy(by.clone()))),
            _ => {}
        }
        tx.exec(
            "UPDATE callbacks SET state = 'claimed', claimed_by = ?2, claimed_name = ?3,
                 claimed_at = ?4, updated_at = ?4
             WHERE id = ?1 AND state = 'open'",
            params![id, actor.who.email, actor.who.name, now],
        )?;
        let Some(row) = item_in(&tx, id, deadline, now)? else {
            return Ok(Err(Refusal::NotFound));
        };
        tell_in(&tx, &row, claimed, now)?;
        tx.commit()?;
        Ok(Ok(row.item))
    }

    /// An agent dismisses an item with a reason. Dismissing it again with the same reason is
    /// a no-op; an item closed otherwise is refused. Sends `callback.closed`.
    pub fn callback_dismiss(
        &self,
        actor: &Actor<'_>,
        id: i64,
        reason: &str,
        deadline: &Deadline<'_>,
        now: i64,
    ) -> Result<Result<Callback, Refusal>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let Some(row) = item_in(&tx, id, deadline, now)? else {
            return Ok(Err(Refusal::NotFound));
        };
        if !may_see_in(&tx, actor, &row)? {
            return Ok(Err(Refusal::NotFound));
        }
        if row.item.state == CallbackState::Closed {
            let again = row.item.close_reason == Some(CloseReason::Dismissed)
                && row.item.closed_by.as_ref().map(|b| b.email.as_str())
                    == Some(actor.who.email.as_str())
                && row.item.dismiss_reason.as_deref() == Some(reason);
            return Ok(if again {
                Ok(row.item)
            } else {
                Err(Refusal::Closed)
            });
        }
        tx.exec(
            "UPDATE callbacks SET state = 'closed', closed_at = ?2, closed_by = ?3,
                 closed_name = ?4, close_reason = 'dismissed', dismiss_reason = ?5, updated_at = ?2
             WHERE id = ?1 AND state <> 'closed'",
            params![id, now, actor.who.email, actor.who.name, reason],
        )?;
        let Some(row) = item_in(&tx, id, deadline, now)? else {
            return Ok(Err(Refusal::NotFound));
        };
        tell_in(&tx, &row, closed, now)?;
        tx.commit()?;
        Ok(Ok(row.item))
    }

    /// The call-back item of a call (opened by it or joined by it), whoever may see it: what
    /// the admin console's call page says.
    pub fn callback_of_call(
        &self,
        call_id: u64,
        deadline: &Deadline<'_>,
        now: i64,
    ) -> Result<Option<Callback>, StoreError> {
        let conn = self.read();
        let id: Option<i64> = conn
            .row(
                "SELECT callback_id FROM callback_calls WHERE call_id = ?1
                 UNION ALL SELECT id FROM callbacks WHERE closing_call_id = ?1 LIMIT 1",
                [call_id as i64],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        match id {
            None => Ok(None),
            Some(id) => Ok(item_in(&conn, id, deadline, now)?.map(|r| r.item)),
        }
    }

    /// The whole team's list at a glance, for the admin console: items waiting, how many of
    /// them are late, when the oldest late one opened, and how many were returned (called back
    /// or answered) since `since`.
    pub fn callback_figures(
        &self,
        deadline: &Deadline<'_>,
        since: i64,
        now: i64,
    ) -> Result<CallbackFigures, StoreError> {
        let conn = self.read();
        let waiting: i64 = conn.row(
            "SELECT COUNT(*) FROM callbacks WHERE state <> 'closed'",
            [],
            |r| r.get(0),
        )?;
        let late = late_count_in(&conn, None, deadline, now)?;
        let oldest: Option<i64> = conn.row(
            "SELECT MIN(opened_at) FROM callbacks WHERE state IN ('open', 'claimed')",
            [],
            |r| r.get(0),
        )?;
        let returned: i64 = conn.row(
            "SELECT COUNT(*) FROM callbacks WHERE state = 'closed'
                 AND close_reason IN ('called_back', 'answered') AND closed_at >= ?1",
            [since],
            |r| r.get(0),
        )?;
        Ok(CallbackFigures {
            waiting: waiting as u64,
            late,
            oldest_late: oldest.filter(|at| now > deadline.due(*at)),
            returned: returned as u64,
        })
    }

    /// An agent's day from `start` on: their answered and outbound calls and talk time (from
    /// the subjects' searchable columns), the missed calls on their lines and the call-backs
    /// they closed by calling back.
    pub fn day_of(&self, email: &str, admin: bool, start: i64) -> Result<DayFigures, StoreError> {
        let conn = self.read();
        let email = email.trim().to_lowercase();
        let (answered, outbound, talk, talked): (i64, i64, i64, i64) = conn.row(
            "SELECT
                 COALESCE(SUM(direction = 'inbound' AND answered = 1), 0),
                 COALESCE(SUM(direction = 'outbound'), 0),
                 COALESCE(SUM(CASE WHEN (direction = 'outbound' OR answered = 1)
                     AND duration IS NOT NULL THEN duration END), 0),
                 COALESCE(SUM((direction = 'outbound' OR answered = 1) AND duration IS NOT NULL), 0)
             FROM subjects WHERE agent_email = ?1 AND started_at >= ?2 AND kind = 'call'",
            params![email, start],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
        let missed: i64 = if admin {
            conn.row(
                "SELECT COUNT(*) FROM callback_calls WHERE missed_at >= ?1",
                [start],
                |r| r.get(0),
            )?
        } else {
            let lines = lines_of_in(&conn, &email)?;
            let mut n = 0;
            for line in lines {
                n += conn.row(
                    "SELECT COUNT(*) FROM callback_calls WHERE line_id = ?1 AND missed_at >= ?2",
                    params![line as i64, start],
                    |r| r.get::<_, i64>(0),
                )?;
            }
            n
        };
        let returned: i64 = conn.row(
            "SELECT COUNT(*) FROM callbacks WHERE state = 'closed' AND closed_by = ?1
                 AND closed_at >= ?2 AND close_reason = 'called_back'",
            params![email, start],
            |r| r.get(0),
        )?;
        Ok(DayFigures {
            answered: answered as u64,
            missed: missed as u64,
            returned: returned as u64,
            outbound: outbound as u64,
            talk_seconds: talk,
            talked_calls: talked as u64,
        })
    }

    /// A teammate's name by email (any letter case): their Intercom admin's, else their
    /// Aircall user's; the email itself when neither is known.
    pub fn teammate(&self, email: &str) -> Result<Teammate, StoreError> {
        let email = email.trim().to_lowercase();
        let name: Option<String> = self
            .read()
            .row(
                "SELECT name FROM (
                     SELECT name, 0 AS rank FROM admins WHERE lower(email) = ?1
                     UNION ALL
                     SELECT name, 1 AS rank FROM aircall_users WHERE lower(email) = ?1)
                 WHERE trim(name) <> '' ORDER BY rank LIMIT 1",
                [&email],
                |r| r.get(0),
            )
            .optional()?;
        Ok(Teammate {
            name: name.unwrap_or_else(|| email.clone()),
            email,
        })
    }

    /// How many waiting items the agent sees are late.
    pub fn callbacks_late(
        &self,
        actor: &Actor<'_>,
        deadline: &Deadline<'_>,
        now: i64,
    ) -> Result<u64, StoreError> {
        let conn = self.read();
        if actor.admin {
            return late_count_in(&conn, None, deadline, now);
        }
        let lines = lines_of_in(&conn, &actor.who.email)?;
        late_count_in(&conn, Some(&lines), deadline, now)
    }
}

/// The Overview's figures of the call-back list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallbackFigures {
    /// Items open or claimed.
    pub waiting: u64,
    /// Of those, past their deadline.
    pub late: u64,
    /// When the oldest late one opened, UNIX seconds.
    pub oldest_late: Option<i64>,
    /// Items returned (called back or answered) since the time asked.
    pub returned: u64,
}

/// An agent's day, as the store counts it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayFigures {
    /// Inbound calls the agent answered.
    pub answered: u64,
    /// Missed inbound calls on the agent's lines (every line for an admin).
    pub missed: u64,
    /// Call-backs the agent closed by calling back.
    pub returned: u64,
    /// Outbound calls the agent made.
    pub outbound: u64,
    /// The talk time of their answered and outbound calls, in seconds.
    pub talk_seconds: i64,
    /// How many of those calls have a talk time.
    pub talked_calls: u64,
}

/// Whether the agent may see the item: an admin, or one of its line's agents.
fn may_see_in(
    conn: &rusqlite::Connection,
    actor: &Actor<'_>,
    row: &Row,
) -> Result<bool, StoreError> {
    if actor.admin {
        return Ok(true);
    }
    Ok(line_audience_in(conn, row.line_id)?.contains(&actor.who.email))
}

/// How many waiting items (on these lines; `None`: all) are late now. Lateness follows the
/// opening time (an item opened earlier is due no later), so the waiting items are read oldest
/// first and only until the first that is not late.
fn late_count_in(
    conn: &rusqlite::Connection,
    lines: Option<&[u64]>,
    deadline: &Deadline<'_>,
    now: i64,
) -> Result<u64, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT opened_at, line_id FROM callbacks WHERE state IN ('open', 'claimed')
         ORDER BY opened_at",
    )?;
    let mut rows = stmt.query([])?;
    let mut late = 0;
    while let Some(r) = rows.next()? {
        let opened_at: i64 = r.get(0)?;
        if now <= deadline.due(opened_at) {
            break;
        }
        let line: Option<i64> = r.get(1)?;
        let counted = match lines {
            None => true,
            Some(lines) => line.is_some_and(|l| lines.contains(&(l as u64))),
        };
        late += u64::from(counted);
    }
    Ok(late)
}

/// Queues the note that says who returned an item on its missed call's conversation, once;
/// nothing when that call is not logged (its settings skip it, or the hub forgot it).
fn note_in(
    conn: &rusqlite::Connection,
    item: &Callback,
    body: String,
    now: i64,
) -> Result<usize, StoreError> {
    let subject = SubjectKey::call(item.call_id);
    let status: Option<String> = conn
        .row(
            "SELECT status FROM subjects WHERE kind = 'call' AND id = ?1",
            [&subject.id],
            |r| r.get(0),
        )
        .optional()?;
    if status.as_deref().is_none_or(|s| s == "off") {
        return Ok(0);
    }
    let effect = NewEffect {
        key: format!("call:{}:callback:{}:returned", item.call_id, item.id),
        effect: Effect::AddNote {
            body,
            author_email: None,
        },
        origin: Origin::Rules,
    };
    let queued = queue_in(conn, &subject, &[effect], now)?;
    Ok(queued.into_iter().filter(|q| *q).count())
}

/// Records a missed call inside the transaction (see [`Store::callback_missed`]).
fn missed_in(
    tx: &rusqlite::Connection,
    missed: &MissedCall,
    deadline: &Deadline<'_>,
    now: i64,
) -> Result<Fed, StoreError> {
    let call_id = missed.call_id as i64;
    let line_id = missed.line.as_ref().map(|l| l.id as i64);
    let has_voicemail = missed.voicemail.is_some() || missed.asset.is_some();
    let known: Option<(Option<i64>, Option<String>, Option<String>)> = tx
        .row(
            "SELECT callback_id, voicemail, asset FROM callback_calls WHERE call_id = ?1",
            [call_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let item = match known {
        // Seen before: only a voicemail that came since changes something.
        Some((item, voicemail, asset)) => {
            let newer = (missed.voicemail.is_some() && missed.voicemail != voicemail)
                || (missed.asset.is_some() && missed.asset != asset);
            let Some(item) = item.filter(|_| newer) else {
                return Ok(Fed::default());
            };
            tx.exec(
                "UPDATE callback_calls SET voicemail = COALESCE(?2, voicemail),
                     asset = COALESCE(?3, asset) WHERE call_id = ?1",
                params![call_id, missed.voicemail, missed.asset],
            )?;
            tx.exec(
                "UPDATE callbacks SET voicemail_call_id = ?2, updated_at = ?3
                 WHERE id = ?1 AND (voicemail_call_id IS NULL OR voicemail_call_id <= ?2)",
                params![item, call_id, now],
            )?;
            item
        }
        None => {
            let Some(phone) = &missed.phone else {
                tx.exec(
                    "INSERT INTO callback_calls (call_id, callback_id, line_id, missed_at, voicemail, asset)
                     VALUES (?1, NULL, ?2, ?3, ?4, ?5)",
                    params![call_id, line_id, missed.started_at, missed.voicemail, missed.asset],
                )?;
                return Ok(Fed::default());
            };
            let open = waiting_in(tx, phone, Some(missed.line.as_ref().map(|l| l.id)))?;
            let item = match open.first() {
                Some(&(item, _)) => {
                    tx.exec(
                        "UPDATE callbacks SET missed_count = missed_count + 1,
                             last_missed_at = MAX(last_missed_at, ?2),
                             opened_at = MIN(opened_at, ?2), updated_at = ?3
                         WHERE id = ?1",
                        params![item, missed.started_at, now],
                    )?;
                    item
                }
                None => {
                    tx.exec(
                        "INSERT INTO callbacks (call_id, phone, line_id, line_name, opened_at,
                             last_missed_at, updated_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)",
                        params![
                            call_id,
                            phone,
                            line_id,
                            missed.line.as_ref().map(|l| l.name.as_str()),
                            missed.started_at,
                            now
                        ],
                    )?;
                    tx.last_insert_rowid()
                }
            };
            tx.exec(
                "INSERT INTO callback_calls (call_id, callback_id, line_id, missed_at, voicemail, asset)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![call_id, item, line_id, missed.started_at, missed.voicemail, missed.asset],
            )?;
            if has_voicemail {
                tx.exec(
                    "UPDATE callbacks SET voicemail_call_id = ?2
                     WHERE id = ?1 AND (voicemail_call_id IS NULL OR voicemail_call_id <= ?2)",
                    params![item, call_id],
                )?;
            }
            item
        }
    };
    let Some(row) = item_in(tx, item, deadline, now)? else {
        return Ok(Fed::default());
    };
    if row.item.state == CallbackState::Closed {
        return Ok(Fed::default());
    }
    tell_in(tx, &row, opened, now)?;
    Ok(Fed {
        events: 1,
        effects: 0,
    })
}

/// Deletes, inside retention's transaction, the items closed before `cutoff`, their calls,
/// the missed calls of withheld numbers and the transcripts nothing waiting holds.
pub(in crate::store) fn prune_in(
    tx: &rusqlite::Connection,
    cutoff: i64,
) -> Result<usize, StoreError> {
    let items = tx.exec(
        "DELETE FROM callbacks WHERE state = 'closed' AND closed_at < ?1",
        [cutoff],
    )?;
    tx.exec(
        "DELETE FROM callback_calls WHERE missed_at < ?1 AND (callback_id IS NULL
             OR NOT EXISTS (SELECT 1 FROM callbacks c WHERE c.id = callback_calls.callback_id))",
        [cutoff],
    )?;
    tx.exec(
        "DELETE FROM callback_transcripts WHERE received_at < ?1
             AND NOT EXISTS (SELECT 1 FROM callback_calls k WHERE k.call_id = callback_transcripts.call_id)",
        [cutoff],
    )?;
    Ok(items)
}

#[cfg(test)]
mod tests;
