//! The console's Reports page: how the team did over a range of days in its time zone (the
//! last 30 by default), per day, per agent and per line: calls answered and missed, the answer
//! rate, the average handle time, how long missed callers waited to be called back (median),
//! and the calls' outcomes. A bar chart drawn as inline SVG (answered and missed per day, the
//! same figures as the table beside it), and the figures per day, agent and line as CSV.
//!
//! Everything comes from the subjects' searchable columns (the store's `call_report`); the
//! days' bounds are computed here, in the team's time zone, so a day is the team's day.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::Deserialize;

use super::page::{render, secure_headers, Arg, Chrome, Nav};
use super::session::Admin;
use crate::hub::AppState;
use crate::store::console::reports::{CallBack, CallReport, Counts, MAX_REPORT_DAYS};

/// The CSV export's address.
const CSV_PATH: &str = "/admin/reports.csv";

/// Days a report covers when the admin did not choose.
const DEFAULT_DAYS: i64 = 30;

/// This page's routes as (method, path), for the tests that knock on every route.
pub(super) const ROUTES: &[(&str, &str)] = &[("GET", "/admin/reports"), ("GET", CSV_PATH)];

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(Nav::Reports.href(), get(show))
        .route(CSV_PATH, get(csv))
}

/// The range asked for, as the form sends it (`YYYY-MM-DD`, both days included).
#[derive(Debug, Default, Deserialize)]
struct RangeQuery {
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
}

/// The days a report covers, in the team's time zone.
#[derive(Debug, Clone)]
struct Period {
    from: Date,
    to: Date,
    zone: TimeZone,
}

/// Why the range asked for was refused: the catalog key of the words.
type Refusal = &'static str;

impl Period {
    /// The range asked for, or the last [`DEFAULT_DAYS`] days up to today.
    fn of(query: &RangeQuery, now: i64, zone: TimeZone) -> Result<Period, Refusal> {
        let given = |field: &Option<String>| -> Result<Option<Date>, Refusal> {
            match field.as_deref().map(str::trim) {
                None | Some("") => Ok(None),
                Some(text) => text
                    .parse::<Date>()
                    .map(Some)
                    .map_err(|_| "reports-error-date"),
            }
        };
        let today = Timestamp::from_second(now)
            .map_err(|_| "reports-error-date")?
            .to_zoned(zone.clone())
            .date();
        let to = given(&query.to)?.unwrap_or(today);
        let from = match given(&query.from)? {
            Some(from) => from,
            None => to
                .checked_sub(jiff::Span::new().days(DEFAULT_DAYS - 1))
                .map_err(|_| "reports-error-date")?,
        };
        if from > to {
            return Err("reports-error-order");
        }
        let period = Period { from, to, zone };
        if period.dates().len() > MAX_REPORT_DAYS {
            return Err("reports-error-long");
        }
        Ok(period)
    }

    /// Every day of the period, in order (at most one more than [`MAX_REPORT_DAYS`]).
    fn dates(&self) -> Vec<Date> {
        let mut dates = Vec::new();
        let mut day = self.from;
        while day <= self.to && dates.len() <= MAX_REPORT_DAYS {
            dates.push(day);
            match day.tomorrow() {
                Ok(next) => day = next,
                Err(_) => break,
            }
        }
        dates
    }

    /// Each day's bounds, `[start, end)` in UNIX seconds: from midnight to the next midnight in
    /// the team's time zone (23 or 25 hours on the days the clocks change).
    fn bounds(&self) -> Vec<(i64, i64)> {
        let start_of = |date: Date| -> i64 {
            date.to_zoned(self.zone.clone())
                .and_then(|z| z.start_of_day())
                .map(|z| z.timestamp().as_second())
                .unwrap_or_else(|_| {
                    date.to_zoned(TimeZone::UTC)
                        .map_or(0, |z| z.timestamp().as_second())
                })
        };
        self.dates()
            .into_iter()
            .map(|date| {
                let end = date.tomorrow().map_or(i64::MAX, start_of);
                (start_of(date), end)
            })
            .collect()
    }
}

/// The team's time zone (`timezone` in hub.toml); UTC when the name is unknown here.
fn team_zone(state: &AppState) -> TimeZone {
    let name = state.console.settings.business_hours.zone();
    TimeZone::get(name).unwrap_or_else(|e| {
        tracing::warn!(zone = name, error = %e, "the team's time zone is unknown; reports use UTC");
        TimeZone::UTC
    })
}

/// What a group of calls (a day, an agent, a line, the whole period) comes to.
#[derive(Debug, Clone, Default, PartialEq)]
struct Figures {
    answered: i64,
    missed: i64,
    outbound: i64,
    handled: i64,
    handle_seconds: i64,
    /// Seconds each missed caller waited to be called back.
    waits: Vec<i64>,
    /// Missed callers nobody called back yet.
    waiting: i64,
    /// Calls by outcome (an index into the report's outcomes).
    outcomes: BTreeMap<usize, i64>,
}

impl Figures {
    fn add(&mut self, counts: &Counts) {
        self.answered += counts.answered;
        self.missed += counts.missed;
        self.outbound += counts.outbound;
        self.handled += counts.handled;
        self.handle_seconds += counts.handle_seconds;
    }

    fn of(counts: &Counts) -> Figures {
        let mut figures = Figures::default();
        figures.add(counts);
        figures
    }

    fn add_call_back(&mut self, call_back: &CallBack) {
        match call_back.back_at {
            Some(back) => self.waits.push((back - call_back.missed_at).max(0)),
            None => self.waiting += 1,
        }
    }

    /// Answered calls over inbound calls, 0 to 1; `None` when nobody called.
    fn answer_rate(&self) -> Option<f64> {
        let inbound = self.answered + self.missed;
        (inbound > 0).then(|| self.answered as f64 / inbound as f64)
    }

    /// Seconds, rounded; `None` when no answered call has a handle time.
    fn average_handle(&self) -> Option<i64> {
        (self.handled > 0)
            .then(|| (self.handle_seconds as f64 / self.handled as f64).round() as i64)
    }

    /// The median wait to be called back, in seconds (the lower middle of an even count).
    fn median_wait(&self) -> Option<i64> {
        let mut waits = self.waits.clone();
        waits.sort_unstable();
        waits.get(waits.len().saturating_sub(1) / 2).copied()
    }
}

/// A period's figures, grouped every way the page and the CSV show them; agents and lines
/// by their index in the report.
#[derive(Debug, Default)]
struct Folded {
    total: Figures,
    days: Vec<Figures>,
    /// By agent, and one more for the missed callers nobody called back when no call of the
    /// period went unanswered.
    agents: Vec<Figures>,
    lines: Vec<Figures>,
    /// By day, agent and line (the CSV's rows), when asked for.
    cells: HashMap<(usize, usize, usize), Figures>,
}

/// Groups the report's counts. A missed call's wait counts on its day and line, and for the
/// agent who called back (nobody, while no one has).
fn fold(report: &CallReport, with_cells: bool) -> Folded {
    let nobody = report
        .agents
        .iter()
        .position(Option::is_none)
        .unwrap_or(report.agents.len());
    let mut folded = Folded {
        days: report.days.iter().map(Figures::of).collect(),
        agents: report.by_agent.iter().map(Figures::of).collect(),
        lines: report.by_line.iter().map(Figures::of).collect(),
        ..Folded::default()
    };
    folded
        .agents
        .resize(report.agents.len() + 1, Figures::default());
    folded.lines.resize(report.lines.len(), Figures::default());
    for counts in &report.days {
        folded.total.add(counts);
    }
    for (outcome, calls) in report.by_outcome.iter().enumerate() {
        folded.total.outcomes.insert(outcome, *calls);
    }
    if with_cells {
        for tally in &report.tallies {
            let cell = folded
                .cells
                .entry((tally.day, tally.agent, tally.line))
                .or_default();
            cell.add(&tally.counts);
            if let Some(outcome) = tally.outcome {
                let c = &tally.counts;
                *cell.outcomes.entry(outcome).or_default() += c.answered + c.missed + c.outbound;
            }
        }
    }
    for call_back in &report.call_backs {
        folded.total.add_call_back(call_back);
        if let Some(day) = folded.days.get_mut(call_back.day) {
            day.add_call_back(call_back);
        }
        let by = call_back.back_at.and(call_back.by).unwrap_or(nobody);
        if let Some(agent) = folded.agents.get_mut(by) {
            agent.add_call_back(call_back);
        }
        if let Some(line) = folded.lines.get_mut(call_back.line) {
            line.add_call_back(call_back);
        }
        if with_cells {
            folded
                .cells
                .entry((call_back.day, by, call_back.line))
                .or_default()
                .add_call_back(call_back);
        }
    }
    folded
}

/// A duration in words: `45 s`, `3 min 05 s`, `2 h 10 min`, `3 d 4 h`.
fn duration_words(chrome: &Chrome, seconds: i64) -> String {
    let two = |n: i64| Arg::Text(format!("{n:02}"));
    match seconds {
        s if s < 60 => chrome.tf("reports-seconds", &[("s", Arg::from(s))]),
        s if s < 3_600 => chrome.tf(
            "reports-minutes",
            &[("m", Arg::from(s / 60)), ("s", two(s % 60))],
        ),
        s if s < 86_400 => chrome.tf(
            "reports-hours",
            &[("h", Arg::from(s / 3_600)), ("m", two(s % 3_600 / 60))],
        ),
        s => chrome.tf(
            "reports-days",
            &[
                ("d", Arg::from(s / 86_400)),
                ("h", Arg::from(s % 86_400 / 3_600)),
            ],
        ),
    }
}

/// A row of one of the page's tables, its figures in words.
#[derive(Debug)]
struct Row {
    label: String,
    answered: i64,
    missed: i64,
    outbound: i64,
    rate: String,
    handle: String,
    called_back: usize,
    wait: String,
    waiting: i64,
}

impl Row {
    fn of(chrome: &Chrome, label: String, figures: &Figures) -> Row {
        let none = || chrome.t("reports-none");
        Row {
            label,
            answered: figures.answered,
            missed: figures.missed,
            outbound: figures.outbound,
            rate: figures.answer_rate().map_or_else(none, |rate| {
                chrome.tf(
                    "reports-percent",
                    &[("n", Arg::Text(format!("{:.0}", rate * 100.0)))],
                )
            }),
            handle: figures
                .average_handle()
                .map_or_else(none, |s| duration_words(chrome, s)),
            called_back: figures.waits.len(),
            wait: figures
                .median_wait()
                .map_or_else(none, |s| duration_words(chrome, s)),
            waiting: figures.waiting,
        }
    }
}

/// The chart's geometry, in the SVG's own units.
const PLOT_LEFT: i64 = 44;
const PLOT_TOP: i64 = 12;
const PLOT_HEIGHT: i64 = 180;
const PLOT_WIDTH: i64 = 720;
const CHART_HEIGHT: i64 = PLOT_TOP + PLOT_HEIGHT + 44;

/// One day's bar: answered at the bottom, missed stacked on top.
#[derive(Debug)]
struct Bar {
    x: i64,
    width: i64,
    answered_y: i64,
    answered_height: i64,
    missed_y: i64,
    missed_height: i64,
    title: String,
}

/// A label on one of the axes, where it goes.
#[derive(Debug)]
struct Tick {
    at: i64,
    text: String,
}

/// Answered and missed calls per day, as bars.
#[derive(Debug)]
struct Chart {
    width: i64,
    height: i64,
    plot_left: i64,
    plot_right: i64,
    baseline: i64,
    bars: Vec<Bar>,
    y_ticks: Vec<Tick>,
    x_ticks: Vec<Tick>,
    legend_y: i64,
}

/// The smallest of 1, 2, 5, 10, 20, 50… at least `n`.
fn round_up(n: i64) -> i64 {
    let mut scale = 1;
    loop {
        for step in [1, 2, 5] {
            if step * scale >= n {
                return step * scale;
            }
        }
        scale *= 10;
    }
}

impl Chart {
    fn of(chrome: &Chrome, days: &[(Date, Figures)]) -> Chart {
        let count = days.len().max(1) as i64;
        let pitch = (PLOT_WIDTH / count).clamp(2, 48);
        let bar_width = (pitch * 3 / 4).max(1);
        let top = round_up(
            days.iter()
                .map(|(_, f)| f.answered + f.missed)
                .max()
                .unwrap_or(0)
                .max(1),
        );
        let scale = |n: i64| n * PLOT_HEIGHT / top;
        let baseline = PLOT_TOP + PLOT_HEIGHT;
        let bars = days
            .iter()
            .enumerate()
            .map(|(i, (date, figures))| {
                let answered_height = scale(figures.answered);
                let missed_height = scale(figures.answered + figures.missed) - answered_height;
                Bar {
                    x: PLOT_LEFT + i as i64 * pitch + (pitch - bar_width) / 2,
                    width: bar_width,
                    answered_y: baseline - answered_height,
                    answered_height,
                    missed_y: baseline - answered_height - missed_height,
                    missed_height,
                    title: chrome.tf(
                        "reports-chart-bar",
                        &[
                            ("day", Arg::Text(date.to_string())),
                            ("answered", Arg::from(figures.answered)),
                            ("missed", Arg::from(figures.missed)),
                        ],
                    ),
                }
            })
            .collect();
        let mut y_ticks = vec![Tick {
            at: baseline,
            text: "0".to_owned(),
        }];
        if top % 2 == 0 {
            y_ticks.push(Tick {
                at: baseline - scale(top / 2),
                text: (top / 2).to_string(),
            });
        }
        y_ticks.push(Tick {
            at: PLOT_TOP,
            text: top.to_string(),
        });
        let every = (days.len() as i64 + 7) / 8;
        let x_ticks = days
            .iter()
            .enumerate()
            .filter(|(i, _)| *i as i64 % every.max(1) == 0)
            .map(|(i, (date, _))| Tick {
                at: PLOT_LEFT + i as i64 * pitch + pitch / 2,
                text: date.strftime("%m-%d").to_string(),
            })
            .collect();
        let plot_right = PLOT_LEFT + count * pitch;
        Chart {
            width: plot_right + 8,
            height: CHART_HEIGHT,
            plot_left: PLOT_LEFT,
            plot_right,
            baseline,
            bars,
            y_ticks,
            x_ticks,
            legend_y: baseline + 36,
        }
    }
}

/// An outcome and how many calls had it.
#[derive(Debug)]
struct Outcome {
    name: String,
    calls: i64,
}

/// What the page shows of a period.
#[derive(Debug)]
struct Shown {
    total: Row,
    chart: Chart,
    days: Vec<Row>,
    agents: Vec<Row>,
    lines: Vec<Row>,
    outcomes: Vec<Outcome>,
    csv_href: String,
}

#[derive(Template)]
#[template(path = "console/reports.html")]
struct Page {
    chrome: Chrome,
    from: String,
    to: String,
    /// The time zone the days are in, in words.
    zone: String,
    error: Option<String>,
    shown: Option<Shown>,
}

/// The name at `index` of a report's agents or lines (`None` past their end).
fn name(names: &[Option<String>], index: usize) -> Option<&str> {
    names.get(index).and_then(|n| n.as_deref())
}

fn shown(chrome: &Chrome, period: &Period, report: &CallReport, folded: Folded) -> Shown {
    let agent = |i: usize| name(&report.agents, i);
    let mut agents: Vec<_> = folded
        .agents
        .iter()
        .enumerate()
        .filter(|(_, f)| **f != Figures::default())
        .collect();
    // Busiest first; the calls nobody answered last.
    agents.sort_by(|(a, fa), (b, fb)| {
        let key =
            |i: usize, f: &Figures| (agent(i).is_none(), -(f.answered + f.outbound), agent(i));
        key(*a, fa).cmp(&key(*b, fb))
    });
    let mut outcomes: Vec<_> = folded
        .total
        .outcomes
        .iter()
        .map(|(at, calls)| Outcome {
            name: report.outcomes.get(*at).cloned().unwrap_or_default(),
            calls: *calls,
        })
        .collect();
    outcomes.sort_by(|a, b| b.calls.cmp(&a.calls).then_with(|| a.name.cmp(&b.name)));
    let mut lines: Vec<_> = folded.lines.iter().enumerate().collect();
    lines.sort_by_key(|(i, _)| (name(&report.lines, *i).is_none(), name(&report.lines, *i)));
    let days: Vec<(Date, Figures)> = period.dates().into_iter().zip(folded.days).collect();
    Shown {
        total: Row::of(chrome, chrome.t("reports-total"), &folded.total),
        chart: Chart::of(chrome, &days),
        days: days
            .iter()
            .map(|(date, figures)| Row::of(chrome, date.to_string(), figures))
            .collect(),
        agents: agents
            .into_iter()
            .map(|(i, figures)| {
                let label = agent(i).map_or_else(|| chrome.t("reports-nobody"), str::to_owned);
                Row::of(chrome, label, figures)
            })
            .collect(),
        lines: lines
            .into_iter()
            .map(|(i, figures)| {
                let label = name(&report.lines, i)
                    .map_or_else(|| chrome.t("reports-no-line"), str::to_owned);
                Row::of(chrome, label, figures)
            })
            .collect(),
        outcomes,
        csv_href: format!("{CSV_PATH}?from={}&to={}", period.from, period.to),
    }
}

async fn show(
    State(state): State<AppState>,
    admin: Admin,
    Query(query): Query<RangeQuery>,
) -> Response {
    let chrome = admin.chrome(Nav::Reports);
    let zone = team_zone(&state);
    let zone_name = chrome.tf(
        "reports-zone",
        &[("zone", Arg::from(zone.iana_name().unwrap_or("UTC")))],
    );
    let period = match Period::of(&query, state.now(), zone) {
        Ok(period) => period,
        Err(refusal) => {
            let page = Page {
                error: Some(chrome.t(refusal)),
                from: query.from.unwrap_or_default(),
                to: query.to.unwrap_or_default(),
                zone: zone_name,
                shown: None,
                chrome,
            };
            return render(StatusCode::BAD_REQUEST, &page);
        }
    };
    let bounds = period.bounds();
    let now = state.now();
    let report = match state
        .store()
        .run(move |s| s.call_report(&bounds, now, false))
        .await
    {
        Ok(report) => report,
        Err(e) => {
            tracing::error!(error = %e, "the reports could not be read");
            let page = Page {
                error: Some(chrome.t("reports-unavailable")),
                from: period.from.to_string(),
                to: period.to.to_string(),
                zone: zone_name,
                shown: None,
                chrome,
            };
            return render(StatusCode::SERVICE_UNAVAILABLE, &page);
        }
    };
    let folded = fold(&report, false);
    let page = Page {
        shown: Some(shown(&chrome, &period, &report, folded)),
        from: period.from.to_string(),
        to: period.to.to_string(),
        zone: zone_name,
        error: None,
        chrome,
    };
    render(StatusCode::OK, &page)
}

/// The CSV's columns.
const CSV_HEADER: [&str; 12] = [
    "date",
    "agent",
    "line",
    "answered",
    "missed",
    "outbound",
    "answer_rate",
    "average_handle_seconds",
    "called_back",
    "median_call_back_seconds",
    "not_called_back",
    "outcomes",
];

/// A CSV cell: quoted when it holds a comma, a quote or a line break, and prefixed with an
/// apostrophe when it starts like a spreadsheet formula (`=`, `+`, `-`, `@`, a tab or a
/// carriage return), so that opening the file runs nothing.
fn csv_cell(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// The figures per day, agent and line as CSV (RFC 4180, CRLF line ends), by day, agent and
/// line.
fn csv_text(dates: &[Date], report: &CallReport, folded: &Folded) -> String {
    let mut out = CSV_HEADER.join(",");
    out.push_str("\r\n");
    let agent = |i: usize| name(&report.agents, i);
    let line = |i: usize| name(&report.lines, i);
    let mut cells: Vec<_> = folded.cells.iter().collect();
    cells.sort_by_key(|((day, a, l), _)| (*day, agent(*a), line(*l)));
    for ((day, a, l), figures) in cells {
        let outcomes = figures
            .outcomes
            .iter()
            .map(|(at, n)| {
                let outcome = report.outcomes.get(*at).map_or("", String::as_str);
                format!("{outcome}: {n}")
            })
            .collect::<Vec<_>>()
            .join("; ");
        let cells = [
            dates.get(*day).map(ToString::to_string).unwrap_or_default(),
            csv_cell(agent(*a).unwrap_or("")),
            csv_cell(line(*l).unwrap_or("")),
            figures.answered.to_string(),
            figures.missed.to_string(),
            figures.outbound.to_string(),
            figures
                .answer_rate()
                .map_or_else(String::new, |r| format!("{r:.3}")),
            figures
                .average_handle()
                .map_or_else(String::new, |s| s.to_string()),
            figures.waits.len().to_string(),
            figures
                .median_wait()
                .map_or_else(String::new, |s| s.to_string()),
            figures.waiting.to_string(),
            csv_cell(&outcomes),
        ];
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

async fn csv(
    State(state): State<AppState>,
    admin: Admin,
    Query(query): Query<RangeQuery>,
) -> Response {
    let chrome = admin.chrome(Nav::Reports);
    let period = match Period::of(&query, state.now(), team_zone(&state)) {
        Ok(period) => period,
        Err(refusal) => return super::session::plain(StatusCode::BAD_REQUEST, &chrome.t(refusal)),
    };
    let bounds = period.bounds();
    let now = state.now();
    let report = match state
        .store()
        .run(move |s| s.call_report(&bounds, now, true))
        .await
    {
        Ok(report) => report,
        Err(e) => {
            tracing::error!(error = %e, "the reports could not be read");
            return super::session::plain(
                StatusCode::SERVICE_UNAVAILABLE,
                &chrome.t("reports-unavailable"),
            );
        }
    };
    let body = csv_text(&period.dates(), &report, &fold(&report, true));
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    secure_headers(headers);
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    let disposition = format!(
        "attachment; filename=\"ringside-calls-{}-to-{}.csv\"",
        period.from, period.to
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn period(
        from: Option<&str>,
        to: Option<&str>,
        now: i64,
        zone: &str,
    ) -> Result<Period, Refusal> {
        let query = RangeQuery {
            from: from.map(str::to_owned),
            to: to.map(str::to_owned),
        };
        Period::of(&query, now, TimeZone::get(zone).unwrap())
    }

    #[test]
    fn the_default_range_is_the_last_thirty_days_in_the_teams_zone() {
        // 2026-03-01 23:30 UTC is already March 2nd in Paris.
        let now = "2026-03-01T23:30:00Z"
            .parse::<Timestamp>()
            .unwrap()
            .as_second();
        let paris = period(None, None, now, "Europe/Paris").unwrap();
        assert_eq!(
            (paris.from.to_string(), paris.to.to_string()),
            ("2026-02-01".into(), "2026-03-02".into())
        );
        let utc = period(Some(""), Some(""), now, "UTC").unwrap();
        assert_eq!(utc.to.to_string(), "2026-03-01");
        assert_eq!(utc.dates().len(), 30);
    }

    #[test]
    fn a_day_ends_at_the_teams_next_midnight_even_when_the_clocks_change() {
        let spring = period(Some("2026-03-29"), Some("2026-03-30"), 0, "Europe/Paris").unwrap();
        let bounds = spring.bounds();
        assert_eq!(bounds[0].1 - bounds[0].0, 23 * 3_600);
        assert_eq!(bounds[0].1, bounds[1].0);
        assert_eq!(bounds[1].1 - bounds[1].0, 24 * 3_600);
        let midnight = "2026-03-29T00:00:00+01:00[Europe/Paris]"
            .parse::<jiff::Zoned>()
            .unwrap();
        assert_eq!(bounds[0].0, midnight.timestamp().as_second());
    }

    #[test]
    fn a_bad_range_is_refused_in_words() {
        assert_eq!(
            period(Some("yesterday"), None, 0, "UTC").err(),
            Some("reports-error-date")
        );
        assert_eq!(
            period(Some("2026-02-02"), Some("2026-02-01"), 0, "UTC").err(),
            Some("reports-error-order")
        );
        assert_eq!(
            period(Some("2024-01-01"), Some("2026-01-01"), 0, "UTC").err(),
            Some("reports-error-long")
        );
        assert!(period(Some("2025-01-01"), Some("2025-12-31"), 0, "UTC").is_ok());
    }

    #[test]
    fn a_cell_that_looks_like_a_formula_is_neutralised() {
        assert_eq!(
            csv_cell("=HYPERLINK(\"http://x\")"),
            "\"'=HYPERLINK(\"\"http://x\"\")\""
        );
        assert_eq!(csv_cell("+33 1 23"), "'+33 1 23");
        assert_eq!(csv_cell("-1"), "'-1");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("Support, FR"), "\"Support, FR\"");
        assert_eq!(csv_cell("bob@acme.io"), "bob@acme.io");
    }

    #[test]
    fn the_median_wait_and_the_answer_rate() {
        let mut figures = Figures {
            answered: 3,
            missed: 1,
            ..Figures::default()
        };
        assert_eq!(figures.answer_rate(), Some(0.75));
        assert_eq!(figures.median_wait(), None);
        figures.waits = vec![600, 60, 3_600];
        assert_eq!(figures.median_wait(), Some(600));
        figures.waits.push(30);
        assert_eq!(figures.median_wait(), Some(60));
        assert_eq!(Figures::default().answer_rate(), None);
    }

    #[test]
    fn the_axis_ends_on_a_round_number() {
        assert_eq!(
            [1, 2, 3, 7, 11, 49, 51, 101].map(round_up),
            [1, 2, 5, 10, 20, 50, 100, 200]
        );
    }
}
