//! The console's reports: calls answered and missed, handle time, how long missed callers
//! waited to be called back, and the calls' outcomes, read day by day from the subjects'
//! searchable columns (`calls.rs` adds and fills them). The days' bounds come from the caller,
//! who knows the team's time zone; each day is two indexed range reads.

use rusqlite::params;

use crate::store::{Store, StoreError};

/// The reports' indexes: one covering every column a day's tallies read, one over missed
/// calls, one over the calls that reach a caller again (the call-backs), each partial.
pub(in crate::store) const CREATE: &str = "
CREATE INDEX subjects_report ON subjects (started_at, agent_email, line, outcome, direction, answered, duration)
    WHERE kind = 'call';
CREATE INDEX subjects_missed ON subjects (started_at, phone, line, direction, answered, kind)
    WHERE kind = 'call' AND direction = 'inbound' AND answered = 0;
CREATE INDEX subjects_reached ON subjects (phone, started_at, agent_email, direction, answered)
    WHERE kind = 'call' AND (direction = 'outbound' OR answered = 1);
";

/// The most days one report covers.
pub const MAX_REPORT_DAYS: usize = 366;

/// The calls of one day that share an agent, a line and an outcome, counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// The agent who answered or placed them (lower case); `None` for calls nobody answered.
    pub agent: Option<String>,
    /// The Aircall line's name.
    pub line: Option<String>,
    /// The outcome chosen at wrap-up, when one was.
    pub outcome: Option<String>,
    /// Inbound calls answered.
    pub answered: i64,
    /// Inbound calls nobody answered.
    pub missed: i64,
    /// Outbound calls placed.
    pub outbound: i64,
    /// Answered calls (either way) whose handle time is known.
    pub handled: i64,
    /// Their handle time, summed, in seconds.
    pub handle_seconds: i64,
}

/// A missed inbound call, and when its caller was reached again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallBack {
    /// When the missed call started, UNIX seconds.
    pub missed_at: i64,
    /// The line it came in on.
    pub line: Option<String>,
    /// When the number was next reached: an outbound call to it or an answered call from it,
    /// by anyone; `None` while nobody has.
    pub back_at: Option<i64>,
    /// The agent on that call.
    pub by: Option<String>,
}

/// What a day's calls come to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DayReport {
    /// The day's calls by agent, line and outcome.
    pub tallies: Vec<Tally>,
    /// The day's missed calls from a number that can be called back.
    pub call_backs: Vec<CallBack>,
}

/// A day's calls counted by agent, line and outcome, from the covering index.
const TALLIES: &str = "SELECT agent_email, line, outcome,
                    COUNT(*) FILTER (WHERE direction = 'inbound' AND answered = 1),
                    COUNT(*) FILTER (WHERE direction = 'inbound' AND answered = 0),
                    COUNT(*) FILTER (WHERE direction = 'outbound'),
                    COUNT(duration) FILTER (WHERE answered = 1),
                    TOTAL(duration) FILTER (WHERE answered = 1)
             FROM subjects INDEXED BY subjects_report
             WHERE kind = 'call' AND started_at >= ?1 AND started_at < ?2
             GROUP BY agent_email, line, outcome";

/// A day's missed calls from a number, each with the next call that reached the number.
const CALL_BACKS: &str = "SELECT m.started_at, m.line,
                    (SELECT c.started_at FROM subjects c INDEXED BY subjects_reached
                     WHERE c.kind = 'call' AND (c.direction = 'outbound' OR c.answered = 1)
                       AND c.phone = m.phone AND c.started_at > m.started_at
                     ORDER BY c.started_at LIMIT 1),
                    (SELECT c.agent_email FROM subjects c INDEXED BY subjects_reached
                     WHERE c.kind = 'call' AND (c.direction = 'outbound' OR c.answered = 1)
                       AND c.phone = m.phone AND c.started_at > m.started_at
                     ORDER BY c.started_at LIMIT 1)
             FROM subjects m INDEXED BY subjects_missed
             WHERE m.kind = 'call' AND m.direction = 'inbound' AND m.answered = 0
               AND m.started_at >= ?1 AND m.started_at < ?2
               AND m.phone GLOB '*[0-9]*'
             ORDER BY m.started_at";

impl Store {
    /// The calls of each day, `days` being `[start, end)` in UNIX seconds (at most
    /// [`MAX_REPORT_DAYS`]; more are refused).
    pub fn call_report(&self, days: &[(i64, i64)]) -> Result<Vec<DayReport>, StoreError> {
        if days.len() > MAX_REPORT_DAYS {
            return Err(StoreError::Corrupt(format!(
                "a report covers at most {MAX_REPORT_DAYS} days, not {}",
                days.len()
            )));
        }
        let conn = self.read();
        let mut tallies = conn.prepare_cached(TALLIES)?;
        let mut call_backs = conn.prepare_cached(CALL_BACKS)?;
        let mut report = Vec::with_capacity(days.len());
        for &(start, end) in days {
            let day_tallies = tallies
                .query_map(params![start, end], |r| {
                    Ok(Tally {
                        agent: r.get(0)?,
                        line: r.get(1)?,
                        outcome: r.get(2)?,
                        answered: r.get(3)?,
                        missed: r.get(4)?,
                        outbound: r.get(5)?,
                        handled: r.get(6)?,
                        handle_seconds: r.get::<_, f64>(7)? as i64,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            let day_call_backs = call_backs
                .query_map(params![start, end], |r| {
                    Ok(CallBack {
                        missed_at: r.get(0)?,
                        line: r.get(1)?,
                        back_at: r.get(2)?,
                        by: r.get(3)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            report.push(DayReport {
                tallies: day_tallies,
                call_backs: day_call_backs,
            });
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes a call's searchable columns the way the subjects' save does.
    #[allow(clippy::too_many_arguments)]
    fn call(
        store: &Store,
        id: &str,
        started_at: i64,
        phone: &str,
        direction: &str,
        answered: bool,
        agent: Option<&str>,
        duration: Option<i64>,
    ) {
        store
            .conn()
            .execute(
                "INSERT INTO subjects (kind, id, snapshot, rank, event_time, memory, created_at,
                     updated_at, started_at, phone, direction, answered, agent_email, line,
                     duration)
                 VALUES ('call', ?1, '{}', 0, ?2, '{}', ?2, ?2, ?2, ?3, ?4, ?5, ?6, 'Support',
                     ?7)",
                params![id, started_at, phone, direction, answered, agent, duration],
            )
            .unwrap();
    }

    #[test]
    fn a_day_counts_answered_missed_and_outbound_calls_by_agent() {
        let store = Store::open_in_memory().unwrap();
        call(
            &store,
            "1",
            100,
            "+33612345678",
            "inbound",
            true,
            Some("bob@acme.io"),
            Some(60),
        );
        call(
            &store,
            "2",
            200,
            "+33612345678",
            "inbound",
            true,
            Some("bob@acme.io"),
            Some(120),
        );
        call(
            &store,
            "3",
            300,
            "+33699999999",
            "inbound",
            false,
            None,
            None,
        );
        call(
            &store,
            "4",
            400,
            "+33611111111",
            "outbound",
            true,
            Some("eve@acme.io"),
            Some(30),
        );
        call(
            &store,
            "5",
            90_000,
            "+33611111111",
            "inbound",
            true,
            Some("eve@acme.io"),
            Some(9),
        );
        let report = store.call_report(&[(0, 86_400)]).unwrap();
        let mut tallies = report[0].tallies.clone();
        tallies.sort_by(|a, b| a.agent.cmp(&b.agent));
        let bob = &tallies[1];
        assert_eq!(
            (bob.answered, bob.missed, bob.handled, bob.handle_seconds),
            (2, 0, 2, 180)
        );
        let nobody = &tallies[0];
        assert_eq!((nobody.answered, nobody.missed), (0, 1));
        let eve = &tallies[2];
        assert_eq!((eve.outbound, eve.handled, eve.handle_seconds), (1, 1, 30));
    }

    #[test]
    fn a_missed_caller_is_called_back_by_the_next_outbound_call_or_answered_call() {
        let store = Store::open_in_memory().unwrap();
        call(
            &store,
            "1",
            1_000,
            "+33612345678",
            "inbound",
            false,
            None,
            None,
        );
        call(
            &store,
            "2",
            1_500,
            "+33612345678",
            "inbound",
            false,
            None,
            None,
        );
        call(
            &store,
            "3",
            1_900,
            "+33600000000",
            "outbound",
            true,
            Some("bob@acme.io"),
            None,
        );
        call(
            &store,
            "4",
            2_200,
            "+33612345678",
            "outbound",
            false,
            Some("eve@acme.io"),
            None,
        );
        call(
            &store,
            "5",
            3_000,
            "+33698765432",
            "inbound",
            false,
            None,
            None,
        );
        call(
            &store,
            "6",
            3_100,
            "anonymous",
            "inbound",
            false,
            None,
            None,
        );
        let report = store.call_report(&[(0, 86_400)]).unwrap();
        let backs: Vec<_> = report[0]
            .call_backs
            .iter()
            .map(|c| (c.missed_at, c.back_at, c.by.as_deref()))
            .collect();
        assert_eq!(
            backs,
            [
                (1_000, Some(2_200), Some("eve@acme.io")),
                (1_500, Some(2_200), Some("eve@acme.io")),
                (3_000, None, None),
            ]
        );
    }

    #[test]
    fn the_report_reads_its_indexes_and_scans_no_table() {
        let store = Store::open_in_memory().unwrap();
        let conn = store.read();
        let plan = |sql: &str| -> String {
            let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let rows = stmt
                .query_map(params![0, 86_400], |r| r.get::<_, String>(3))
                .unwrap();
            rows.collect::<Result<Vec<_>, _>>().unwrap().join("; ")
        };
        let tallies = plan(TALLIES);
        assert!(
            tallies.contains("COVERING INDEX subjects_report"),
            "{tallies}"
        );
        let call_backs = plan(CALL_BACKS);
        assert!(
            call_backs.contains("COVERING INDEX subjects_missed"),
            "{call_backs}"
        );
        assert!(
            call_backs.contains("COVERING INDEX subjects_reached"),
            "{call_backs}"
        );
        assert!(
            !format!("{tallies}{call_backs}").contains("SCAN"),
            "{tallies}; {call_backs}"
        );
    }
}
