//! What the call-back list's store reads for people: the items an agent sees, a call's item,
//! the Overview's figures, an agent's day and a teammate's name.

use rusqlite::{params, OptionalExtension};

use super::{complete, item_in, read_row, Actor, Deadline, Row, COLUMNS, JOINS};
use crate::domain::callback::{Callback, CallbackFilter, Teammate};
use crate::store::{CachedSql, Store, StoreError};

impl Store {
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
        super::teammate_in(&self.read(), email)
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
