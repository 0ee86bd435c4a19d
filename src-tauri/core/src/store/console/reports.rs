//! The console's reports: calls answered and missed, handle time, how long missed callers
//! waited to be called back, and the calls' outcomes, counted from the subjects' searchable
//! columns (`calls.rs` adds and fills them). The days' bounds come from the caller, who knows
//! the team's time zone.
//!
//! A period is one read of a covering index in time order, counted as it goes (no sorting in
//! SQLite, no string copied per call): 100,000 calls in the store, 30 days of them, are read in
//! a few milliseconds. A missed caller is called back by the next call that reaches the number
//! (an outbound call to it, an answered call from it); when none came within the period and the
//! period has ended, one index look-up per number finds it later.

use std::collections::HashMap;

use rusqlite::params;
use rusqlite::types::ValueRef;

use crate::store::{Store, StoreError};

/// The reports' indexes: one covering every column a period's reading needs, in time order;
/// one over the calls that reach a caller again (the call-backs found after the period).
pub(in crate::store) const CREATE: &str = "
CREATE INDEX subjects_report ON subjects
    (started_at, agent_email, line, outcome, direction, answered, duration, phone, kind)
    WHERE kind = 'call';
CREATE INDEX subjects_reached ON subjects (phone, started_at, agent_email, direction, answered, kind)
    WHERE kind = 'call' AND (direction = 'outbound' OR answered = 1);
";

/// The most days one report covers.
pub const MAX_REPORT_DAYS: usize = 366;

/// Calls counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
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

/// The calls of one day that share an agent, a line and an outcome, counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// The day, an index into the days asked for.
    pub day: usize,
    /// The agent who answered or placed them, an index into [`CallReport::agents`].
    pub agent: usize,
    /// The line, an index into [`CallReport::lines`].
    pub line: usize,
    /// The outcome chosen at wrap-up, an index into [`CallReport::outcomes`].
    pub outcome: Option<usize>,
    /// The calls.
    pub counts: Counts,
}

/// A missed inbound call from a number, and when its caller was reached again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallBack {
    /// The day it came in, an index into the days asked for.
    pub day: usize,
    /// When the missed call started, UNIX seconds.
    pub missed_at: i64,
    /// The line it came in on, an index into [`CallReport::lines`].
    pub line: usize,
    /// When the number was next reached: an outbound call to it or an answered call from it,
    /// by anyone; `None` while nobody has.
    pub back_at: Option<i64>,
    /// The agent on that call, an index into [`CallReport::agents`].
    pub by: Option<usize>,
}

/// A period's calls, counted by day, agent, line and outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallReport {
    /// The agents met (lower-case emails); `None`: calls nobody answered.
    pub agents: Vec<Option<String>>,
    /// The lines met; `None`: calls on no known line.
    pub lines: Vec<Option<String>>,
    /// The outcomes met.
    pub outcomes: Vec<String>,
    /// The calls of each day asked for.
    pub days: Vec<Counts>,
    /// The calls of each agent (as [`CallReport::agents`]).
    pub by_agent: Vec<Counts>,
    /// The calls on each line (as [`CallReport::lines`]).
    pub by_line: Vec<Counts>,
    /// The calls with each outcome (as [`CallReport::outcomes`]).
    pub by_outcome: Vec<i64>,
    /// The calls by day, agent, line and outcome, when asked for (the CSV's rows).
    pub tallies: Vec<Tally>,
    /// The missed calls from a number, oldest first.
    pub call_backs: Vec<CallBack>,
}

impl Counts {
    /// Adds `other`'s calls.
    pub fn add(&mut self, other: &Counts) {
        self.answered += other.answered;
        self.missed += other.missed;
        self.outbound += other.outbound;
        self.handled += other.handled;
        self.handle_seconds += other.handle_seconds;
    }
}

/// Names met while reading, each given an index once.
#[derive(Debug, Default)]
struct Names {
    index: HashMap<String, usize>,
    none: Option<usize>,
    names: Vec<Option<String>>,
}

impl Names {
    fn of(&mut self, name: Option<&str>) -> usize {
        match name {
            Some(name) => {
                if let Some(&at) = self.index.get(name) {
                    return at;
                }
                self.names.push(Some(name.to_owned()));
                self.index.insert(name.to_owned(), self.names.len() - 1);
                self.names.len() - 1
            }
            None => *self.none.get_or_insert_with(|| {
                self.names.push(None);
                self.names.len() - 1
            }),
        }
    }
}

fn text(value: ValueRef<'_>) -> Option<&str> {
    match value {
        ValueRef::Text(bytes) => std::str::from_utf8(bytes).ok(),
        _ => None,
    }
}

/// A period's calls in time order, with every column the report counts.
const PERIOD: &str =
    "SELECT started_at, agent_email, line, outcome, direction, answered, duration, phone
     FROM subjects INDEXED BY subjects_report
     WHERE kind = 'call' AND started_at >= ?1 AND started_at < ?2
     ORDER BY started_at";

/// The next call that reached a number from an instant on.
const REACHED: &str = "SELECT started_at, agent_email FROM subjects INDEXED BY subjects_reached
     WHERE kind = 'call' AND (direction = 'outbound' OR answered = 1)
       AND phone = ?1 AND started_at >= ?2
     ORDER BY started_at LIMIT 1";

impl Store {
    /// The calls of the days `days` (each `[start, end)` in UNIX seconds, in order and
    /// touching; at most [`MAX_REPORT_DAYS`], more are refused), counted by day, agent, line
    /// and outcome, and with `tallies` by all four at once. Call-backs after the period are
    /// looked for only when it ended before `now`.
    pub fn call_report(
        &self,
        days: &[(i64, i64)],
        now: i64,
        tallies: bool,
    ) -> Result<CallReport, StoreError> {
        if days.len() > MAX_REPORT_DAYS {
            return Err(StoreError::Corrupt(format!(
                "a report covers at most {MAX_REPORT_DAYS} days, not {}",
                days.len()
            )));
        }
        let (Some(first), Some(last)) = (days.first(), days.last()) else {
            return Ok(CallReport::default());
        };
        let (start, end) = (first.0, last.1);
        let conn = self.read();
        let mut agents = Names::default();
        let mut lines = Names::default();
        let mut outcomes: HashMap<String, usize> = HashMap::new();
        let mut outcome_names = Vec::new();
        let with_tallies = tallies;
        let mut tallies: Vec<Tally> = Vec::new();
        let mut by_day = vec![Counts::default(); days.len()];
        let mut by_agent: Vec<Counts> = Vec::new();
        let mut by_line: Vec<Counts> = Vec::new();
        let mut by_outcome: Vec<i64> = Vec::new();
        let mut tally_at: HashMap<(usize, usize, usize, Option<usize>), usize> = HashMap::new();
        let mut call_backs: Vec<CallBack> = Vec::new();
        // Missed calls not yet called back, by number.
        let mut waiting: HashMap<String, Vec<usize>> = HashMap::new();
        let mut day = 0;
        let mut period = conn.prepare_cached(PERIOD)?;
        let mut rows = period.query(params![start, end])?;
        while let Some(r) = rows.next()? {
            let started_at: i64 = r.get(0)?;
            while day + 1 < days.len() && started_at >= days[day].1 {
                day += 1;
            }
            let agent = agents.of(text(r.get_ref(1)?));
            let line = lines.of(text(r.get_ref(2)?));
            let outcome = text(r.get_ref(3)?).map(|name| match outcomes.get(name) {
                Some(&at) => at,
                None => {
                    outcome_names.push(name.to_owned());
                    outcomes.insert(name.to_owned(), outcome_names.len() - 1);
                    outcome_names.len() - 1
                }
            });
            let direction = text(r.get_ref(4)?);
            let inbound = direction == Some("inbound");
            let outbound = direction == Some("outbound");
            let answered: Option<i64> = r.get(5)?;
            let duration: Option<i64> = r.get(6)?;
            let phone = text(r.get_ref(7)?);
            let missed = inbound && answered == Some(0);
            let mut counts = Counts {
                answered: i64::from(inbound && answered == Some(1)),
                missed: i64::from(missed),
                outbound: i64::from(outbound),
                ..Counts::default()
            };
            if let (Some(1), Some(seconds)) = (answered, duration) {
                counts.handled = 1;
                counts.handle_seconds = seconds;
            }
            by_day[day].add(&counts);
            if by_agent.len() <= agent {
                by_agent.resize(agent + 1, Counts::default());
            }
            by_agent[agent].add(&counts);
            if by_line.len() <= line {
                by_line.resize(line + 1, Counts::default());
            }
            by_line[line].add(&counts);
            if let Some(outcome) = outcome {
                if by_outcome.len() <= outcome {
                    by_outcome.resize(outcome + 1, 0);
                }
                by_outcome[outcome] += 1;
            }
            if with_tallies {
                let at = *tally_at
                    .entry((day, agent, line, outcome))
                    .or_insert_with(|| {
                        tallies.push(Tally {
                            day,
                            agent,
                            line,
                            outcome,
                            counts: Counts::default(),
                        });
                        tallies.len() - 1
                    });
                tallies[at].counts.add(&counts);
            }
            let Some(phone) = phone.filter(|p| p.bytes().any(|b| b.is_ascii_digit())) else {
                continue;
            };
            if missed {
                call_backs.push(CallBack {
                    day,
                    missed_at: started_at,
                    line,
                    back_at: None,
                    by: None,
                });
                waiting
                    .entry(phone.to_owned())
                    .or_default()
                    .push(call_backs.len() - 1);
            } else if outbound || answered == Some(1) {
                if let Some(missed) = waiting.get_mut(phone) {
                    missed.retain(|&at| {
                        let call_back = &mut call_backs[at];
                        if call_back.missed_at < started_at {
                            call_back.back_at = Some(started_at);
                            call_back.by = Some(agent);
                            false
                        } else {
                            true
                        }
                    });
                    if missed.is_empty() {
                        waiting.remove(phone);
                    }
                }
            }
        }
        drop(rows);
        if end <= now && !waiting.is_empty() {
            let mut reached = conn.prepare_cached(REACHED)?;
            for (phone, missed) in waiting {
                let mut found = reached.query(params![phone, end])?;
                if let Some(r) = found.next()? {
                    let back_at: i64 = r.get(0)?;
                    let by = agents.of(text(r.get_ref(1)?));
                    for at in missed {
                        call_backs[at].back_at = Some(back_at);
                        call_backs[at].by = Some(by);
                    }
                }
            }
        }
        by_agent.resize(agents.names.len(), Counts::default());
        by_line.resize(lines.names.len(), Counts::default());
        by_outcome.resize(outcome_names.len(), 0);
        Ok(CallReport {
            agents: agents.names,
            lines: lines.names,
            outcomes: outcome_names,
            days: by_day,
            by_agent,
            by_line,
            by_outcome,
            tallies,
            call_backs,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes a call's searchable columns the way the subjects' save does.
    fn call(store: &Store, id: &str, at: i64, phone: &str, way: &str, agent: Option<&str>) {
        let answered = agent.is_some();
        store
            .conn()
            .execute(
                "INSERT INTO subjects (kind, id, snapshot, rank, event_time, memory, created_at,
                     updated_at, started_at, phone, direction, answered, agent_email, line,
                     duration)
                 VALUES ('call', ?1, '{}', 0, ?2, '{}', ?2, ?2, ?2, ?3, ?4, ?5, ?6, 'Support',
                     ?7)",
                params![id, at, phone, way, answered, agent, answered.then_some(60)],
            )
            .unwrap();
    }

    fn tally<'a>(report: &'a CallReport, agent: Option<&str>) -> &'a Tally {
        report
            .tallies
            .iter()
            .find(|t| report.agents[t.agent].as_deref() == agent)
            .unwrap()
    }

    #[test]
    fn a_day_counts_answered_missed_and_outbound_calls_by_agent() {
        let store = Store::open_in_memory().unwrap();
        let bob = Some("bob@acme.io");
        let eve = Some("eve@acme.io");
        call(&store, "1", 100, "+33612345678", "inbound", bob);
        call(&store, "2", 200, "+33612345678", "inbound", bob);
        call(&store, "3", 300, "+33699999999", "inbound", None);
        call(&store, "4", 400, "+33611111111", "outbound", eve);
        call(&store, "5", 90_000, "+33611111111", "inbound", eve);
        let report = store.call_report(&[(0, 86_400)], 100_000, true).unwrap();
        assert_eq!(report.tallies.len(), 3);
        let b = tally(&report, bob).counts;
        assert_eq!(
            (b.answered, b.missed, b.handled, b.handle_seconds),
            (2, 0, 2, 120)
        );
        let nobody = tally(&report, None).counts;
        assert_eq!((nobody.answered, nobody.missed), (0, 1));
        let e = tally(&report, eve).counts;
        assert_eq!((e.outbound, e.answered, e.handled), (1, 0, 1));
        assert_eq!(report.lines, [Some("Support".to_owned())]);
        let at = report
            .agents
            .iter()
            .position(|a| a.as_deref() == bob)
            .unwrap();
        assert_eq!(report.by_agent[at], b);
        assert_eq!(report.by_line[0].answered + report.by_line[0].missed, 3);
        assert_eq!(report.days[0].outbound, 1);
        let two_days = store
            .call_report(&[(0, 86_400), (86_400, 172_800)], 200_000, true)
            .unwrap();
        let days: Vec<_> = two_days.tallies.iter().map(|t| t.day).collect();
        assert_eq!(days, [0, 0, 0, 1]);
        assert_eq!(two_days.days[1].answered, 1);
        let without = store
            .call_report(&[(0, 86_400), (86_400, 172_800)], 200_000, false)
            .unwrap();
        assert!(without.tallies.is_empty());
        assert_eq!(without.days, two_days.days);
    }

    #[test]
    fn a_missed_caller_is_called_back_by_the_next_outbound_call_or_answered_call() {
        let store = Store::open_in_memory().unwrap();
        call(&store, "1", 1_000, "+33612345678", "inbound", None);
        call(&store, "2", 1_500, "+33612345678", "inbound", None);
        call(
            &store,
            "3",
            1_900,
            "+33600000000",
            "outbound",
            Some("bob@acme.io"),
        );
        call(
            &store,
            "4",
            2_200,
            "+33612345678",
            "outbound",
            Some("eve@acme.io"),
        );
        call(&store, "5", 3_000, "+33698765432", "inbound", None);
        call(&store, "6", 3_100, "anonymous", "inbound", None);
        // The next day, someone answers the third caller when they call again.
        call(
            &store,
            "7",
            90_000,
            "+33698765432",
            "inbound",
            Some("ann@acme.io"),
        );
        let backs = |report: &CallReport| -> Vec<(i64, Option<i64>, Option<String>)> {
            report
                .call_backs
                .iter()
                .map(|c| {
                    (
                        c.missed_at,
                        c.back_at,
                        c.by.and_then(|a| report.agents[a].clone()),
                    )
                })
                .collect()
        };
        let eve = Some("eve@acme.io".to_owned());
        let later = store.call_report(&[(0, 86_400)], 100_000, false).unwrap();
        assert_eq!(
            backs(&later),
            [
                (1_000, Some(2_200), eve.clone()),
                (1_500, Some(2_200), eve.clone()),
                (3_000, Some(90_000), Some("ann@acme.io".to_owned())),
            ]
        );
        // While the day is not over, nothing after it is looked for.
        let today = store.call_report(&[(0, 86_400)], 3_200, false).unwrap();
        assert_eq!(backs(&today)[2], (3_000, None, None));
    }

    #[test]
    fn the_report_reads_its_indexes_in_order_and_sorts_nothing() {
        let store = Store::open_in_memory().unwrap();
        let conn = store.read();
        let plan = |sql: &str| -> String {
            let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let rows = stmt
                .query_map(params![0, 86_400], |r| r.get::<_, String>(3))
                .unwrap();
            rows.collect::<Result<Vec<_>, _>>().unwrap().join("; ")
        };
        let period = plan(PERIOD);
        assert!(
            period.contains("COVERING INDEX subjects_report"),
            "{period}"
        );
        let reached = plan(REACHED);
        assert!(
            reached.contains("COVERING INDEX subjects_reached"),
            "{reached}"
        );
        let both = format!("{period}; {reached}");
        assert!(
            !both.contains("SCAN") && !both.contains("TEMP B-TREE"),
            "{both}"
        );
    }
}
