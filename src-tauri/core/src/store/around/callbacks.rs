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
//! (`line_users`, matched by email in any letter case), and admins. The lists, the Overview's
//! figures and an agent's day are read in `callbacks/lists.rs`.

use rusqlite::{params, OptionalExtension};

use super::super::outbox::queue_in;
use super::super::{CachedSql, NewEffect, Origin, Store, StoreError};
use crate::domain::callback::{
    voicemail_url, Callback, CallbackContact, CallbackKind, CallbackLine, CallbackState,
    CloseReason, ContactRole, Teammate,
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
CREATE INDEX callbacks_by_phone ON callbacks (phone, line_id);
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

/// The items that are not closed, `(id, last_missed_at)`, with this number on this line.
fn waiting_in(
    conn: &rusqlite::Connection,
    phone: &str,
    line: Option<u64>,
) -> Result<Vec<(i64, i64)>, StoreError> {
    let rows = conn
        .prepare_cached(
            "SELECT id, last_missed_at FROM callbacks
             WHERE phone = ?1 AND line_id IS ?2 AND state <> 'closed' ORDER BY id",
        )?
        .query_map(params![phone, line.map(|l| l as i64)], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// The items a call returns: with its number, opened before it started, and waiting or closed
/// by a call that started after it.
fn returnable_in(conn: &rusqlite::Connection, call: &ReturnCall) -> Result<Vec<i64>, StoreError> {
    let rows = conn
        .prepare_cached(
            "SELECT id FROM callbacks WHERE phone = ?1 AND opened_at < ?2
                 AND (state <> 'closed'
                      OR (close_reason IN ('called_back', 'answered') AND closed_at > ?2))
             ORDER BY id",
        )?
        .query_map(params![call.phone, call.started_at], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Closes an item with the call that returned it (see [`returnable_in`]), with its note and
/// `callback.closed`.
fn close_in(
    tx: &rusqlite::Connection,
    id: i64,
    call: &ReturnCall,
    deadline: &Deadline<'_>,
    note: &dyn Fn(&Callback) -> String,
    now: i64,
) -> Result<Fed, StoreError> {
    let changed = tx.exec(
        "UPDATE callbacks SET state = 'closed', closed_at = ?2, closed_by = ?3,
             closed_name = ?4, close_reason = ?5, closing_call_id = ?6,
             returned_after = CAST(MAX(0, ?2 - opened_at) AS INTEGER), updated_at = ?7
         WHERE id = ?1 AND opened_at < ?2
             AND (state <> 'closed'
                  OR (close_reason IN ('called_back', 'answered') AND closed_at > ?2))",
        params![
            id,
            call.started_at,
            call.by.as_ref().map(|b| b.email.as_str()),
            call.by.as_ref().map(|b| b.name.as_str()),
            call.reason.as_str(),
            call.call_id as i64,
            now
        ],
    )?;
    if changed == 0 {
        return Ok(Fed::default());
    }
    let Some(row) = item_in(tx, id, deadline, now)? else {
        return Ok(Fed::default());
    };
    let effects = note_in(tx, &row.item, note(&row.item), now)?;
    tell_in(tx, &row, closed, now)?;
    Ok(Fed { events: 1, effects })
}

/// A teammate's name by email (any letter case): their Intercom admin's, else their Aircall
/// user's; the email itself when neither is known.
fn teammate_in(conn: &rusqlite::Connection, email: &str) -> Result<Teammate, StoreError> {
    let email = email.trim().to_lowercase();
    let name: Option<String> = conn
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

/// The earliest call already processed that returns a new item: over, with the number,
/// started after the missed call, outbound or answered.
fn earlier_return_in(
    conn: &rusqlite::Connection,
    phone: &str,
    missed_at: i64,
) -> Result<Option<ReturnCall>, StoreError> {
    let found: Option<(String, i64, Option<String>, String)> = conn
        .row(
            "SELECT id, started_at, agent_email, direction FROM subjects
             WHERE phone = ?1 AND started_at > ?2 AND kind = 'call' AND rank = 2
                 AND (direction = 'outbound' OR answered = 1)
             ORDER BY started_at, id LIMIT 1",
            params![phone, missed_at],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((id, started_at, email, direction)) = found else {
        return Ok(None);
    };
    let Ok(call_id) = id.parse::<u64>() else {
        return Ok(None);
    };
    Ok(Some(ReturnCall {
        call_id,
        phone: phone.to_owned(),
        started_at,
        reason: if direction == "outbound" {
            CloseReason::CalledBack
        } else {
            CloseReason::Answered
        },
        by: email.map(|e| teammate_in(conn, &e)).transpose()?,
    }))
}

impl Store {
    /// Records a missed inbound call, once: it opens an item, or joins the open one with the
    /// same number on the same line; a voicemail that came later is added to its item. Every
    /// change sends `callback.opened` with the item as it is now. A withheld number is counted
    /// among the line's missed calls but opens nothing.
    ///
    /// Webhooks come in any order: when a call that returns the new item (an outbound call to
    /// the number, or an answered call from it, started later) was processed first, the item
    /// closes at once, as if that call had come after it.
    pub fn callback_missed(
        &self,
        missed: &MissedCall,
        deadline: &Deadline<'_>,
        note: &dyn Fn(&Callback) -> String,
        now: i64,
    ) -> Result<Fed, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let fed = missed_in(&tx, missed, deadline, note, now)?;
        tx.commit()?;
        Ok(fed)
    }

    /// Closes the items with this number (any line) that opened before the call, once: each
    /// gets `callback.closed`, and the note `note` writes goes on its missed call's conversation
    /// (none when that call is not logged). The earliest such call returns an item whatever
    /// order the webhooks come in: an item closed by a later call is closed again by an earlier
    /// one, its note rewritten while it waits to be sent.
    pub fn callback_returned(
        &self,
        call: &ReturnCall,
        deadline: &Deadline<'_>,
        note: &dyn Fn(&Callback) -> String,
        now: i64,
    ) -> Result<Fed, StoreError> {
        // Most calls return nothing: one read on the number's index, no transaction.
        if returnable_in(&self.read(), call)?.is_empty() {
            return Ok(Fed::default());
        }
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut fed = Fed::default();
        for id in returnable_in(&tx, call)? {
            let closed = close_in(&tx, id, call, deadline, note, now)?;
            fed.events += closed.events;
            fed.effects += closed.effects;
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

/// How long the note that says who returned an item waits before it is written.
pub const RETURNED_NOTE_WAITS_SECS: i64 = 5;

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
    let queued = queue_in(conn, &subject, std::slice::from_ref(&effect), now)?;
    if queued.iter().any(|q| *q) {
        // Webhooks of one number's calls come in any order: the note waits a little, so that
        // an earlier call that returned the item, delivered late, is the one it names.
        conn.exec(
            "UPDATE outbox SET next_attempt_at = ?2 WHERE key = ?1",
            params![effect.key, now.saturating_add(RETURNED_NOTE_WAITS_SECS)],
        )?;
    }
    // Closed again by an earlier call: the note says so, unless it was sent already.
    let body =
        serde_json::to_string(&effect.effect).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    conn.exec(
        "UPDATE outbox SET effect = ?2 WHERE key = ?1 AND state IN ('pending', 'blocked')",
        params![effect.key, body],
    )?;
    Ok(queued.into_iter().filter(|q| *q).count())
}

/// Records a missed call inside the transaction (see [`Store::callback_missed`]).
fn missed_in(
    tx: &rusqlite::Connection,
    missed: &MissedCall,
    deadline: &Deadline<'_>,
    note: &dyn Fn(&Callback) -> String,
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
            let open = waiting_in(tx, phone, missed.line.as_ref().map(|l| l.id))?;
            let item = match open.first() {
                Some(&(item, _)) => {
                    // The item is the earliest missed call's, whatever order the webhooks came
                    // in: its conversation gets the note when the item is returned. (SQLite
                    // reads every right-hand side from the row before the update.)
                    tx.exec(
                        "UPDATE callbacks SET missed_count = missed_count + 1,
                             call_id = CASE WHEN ?2 < opened_at OR (?2 = opened_at AND ?4 < call_id)
                                 THEN ?4 ELSE call_id END,
                             last_missed_at = MAX(last_missed_at, ?2),
                             opened_at = MIN(opened_at, ?2), updated_at = ?3
                         WHERE id = ?1",
                        params![item, missed.started_at, now, call_id],
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
            // A call that returns it may have been processed first.
            if let Some(returned) = earlier_return_in(tx, phone, missed.started_at)? {
                let closed = close_in(tx, item, &returned, deadline, note, now)?;
                if closed.events > 0 {
                    return Ok(closed);
                }
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

mod lists;
#[cfg(test)]
mod tests;

pub use lists::{CallbackFigures, DayFigures};
