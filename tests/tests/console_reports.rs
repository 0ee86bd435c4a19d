//! The console's Reports page against real traffic: calls answered, missed and called back,
//! played through the sandbox as Aircall's webhooks to a hub, then read as an admin would, on
//! the page (figures, the SVG chart) and in the CSV export (the same figures, and names that a
//! spreadsheet would run as formulas made harmless).

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use reqwest::header::{CONTENT_DISPOSITION, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use reqwest::StatusCode;
use ringside_core::config::ConsoleSettings;
use ringside_core::hours::BusinessHours;
use ringside_core::hub::{ConsoleConfig, Hub};
use ringside_core::rules::Settings;
use ringside_core::store::Store;
use ringside_sandbox::scenario::{demo, stage_at, Scenario};
use ringside_sandbox::Seed;
use ringside_tests::hubs::{deliver_all, hub_config, player, settle};
use ringside_tests::TestApp;

/// The line whose name is a spreadsheet formula.
const HOSTILE_LINE: &str = "=HYPERLINK(\"http://evil.example\",\"GB\")";
/// The agent whose email starts like a formula (a `+` is allowed there).
const HOSTILE_AGENT: &str = "+eve@acme.io";
/// Seconds between the starts of the scenario's calls.
const GAP: i64 = 600;

/// The demo company, with Support GB renamed to a formula and Eve, who answers on it, given an
/// email that starts with `+`.
fn hostile_seed() -> Seed {
    let mut seed = Seed::demo();
    for number in &mut seed.aircall.numbers {
        if number.id == demo::SUPPORT_GB {
            number.name = HOSTILE_LINE.to_owned();
            number.users.push(demo::EVE);
        }
    }
    for user in &mut seed.aircall.users {
        if user.id == demo::EVE {
            user.email = HOSTILE_AGENT.to_owned();
        }
    }
    seed
}

/// The civil date (`YYYY-MM-DD`) of a UNIX day number (days since 1970-01-01).
fn civil(days: i64) -> String {
    // Howard Hinnant's days_from_civil, inverted.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// A hub whose team works in Paris, with an admin token, after this traffic two days ago
/// (from 12:00 UTC, 13:00 or 14:00 in Paris: one day in both):
/// - 0 s: Jane calls Support FR, nobody answers;
/// - 600 s: Sophie calls Support FR, Bob answers (3 min 05 s);
/// - 1200 s: Eve calls Jane back on the hostile line (she picks up; 2 min 04 s);
/// - 1800 s: an unknown number calls Support FR, nobody answers, nobody calls back;
/// - 2400 s: John calls Sales US, Alice answers (3 min 05 s).
struct Played {
    hub: Hub,
    admin: String,
    day: String,
    _app: TestApp,
}

async fn played() -> Played {
    let app = TestApp::with(hostile_seed()).await;
    let mut config = hub_config(&app, Settings::default(), Store::open_in_memory().unwrap());
    config.console = ConsoleConfig {
        report: Vec::new(),
        settings: ConsoleSettings {
            business_hours: BusinessHours::parse("mon-fri 09:00-18:00", "Europe/Paris").unwrap(),
            ..ConsoleSettings::default()
        },
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hub = Hub::start(config, listener).await.unwrap();
    let admin = hub
        .store()
        .add_agent_with("boss@acme.io", true, 0)
        .unwrap()
        .expose()
        .to_owned();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let day = now / 86_400 - 2;
    let scenario = Scenario::together(
        "a missed caller called back",
        vec![
            Scenario::missed(demo::JANE, demo::SUPPORT_FR),
            Scenario::inbound_answered(demo::SOPHIE, demo::SUPPORT_FR, demo::BOB),
            Scenario::outbound(demo::JANE, demo::SUPPORT_GB, demo::EVE),
            Scenario::missed(demo::UNKNOWN, demo::SUPPORT_FR),
            Scenario::inbound_answered(demo::JOHN, demo::SALES_US, demo::ALICE),
        ],
        GAP,
    );
    let staged = stage_at(&app.sandbox, &scenario, day * 86_400 + 12 * 3_600).unwrap();
    deliver_all(&player(hub.local_addr()), &staged.envelopes).await;
    settle(hub.store(), Duration::from_secs(20)).await;
    Played {
        hub,
        admin,
        day: civil(day),
        _app: app,
    }
}

impl Played {
    async fn get(&self, path: &str) -> reqwest::Response {
        reqwest::Client::new()
            .get(format!("http://{}{path}", self.hub.local_addr()))
            .bearer_auth(&self.admin)
            .header("accept-language", "en")
            .send()
            .await
            .unwrap()
    }
}

/// The summary's figure named `term`.
fn figure<'a>(page: &'a str, term: &str) -> &'a str {
    let start = format!("<dt>{term}</dt><dd>");
    let at = page
        .find(&start)
        .unwrap_or_else(|| panic!("no figure {term} in the page"))
        + start.len();
    &page[at..at + page[at..].find("</dd>").unwrap()]
}

/// Reads RFC 4180 CSV: rows of cells, quotes undone.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    rows
}

#[tokio::test(flavor = "multi_thread")]
async fn the_report_counts_answered_and_missed_calls_and_the_time_to_call_back() {
    let played = played().await;
    let response = played.get("/admin/reports").await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    assert_eq!(figure(&page, "Answered"), "2");
    assert_eq!(figure(&page, "Missed"), "2");
    assert_eq!(figure(&page, "Answer rate"), "50%");
    assert_eq!(figure(&page, "Outbound calls"), "1");
    // Jane waited from her missed call to Eve's call, 20 minutes later.
    assert_eq!(figure(&page, "Time to call back (median)"), "20 min 00 s");
    assert_eq!(figure(&page, "Missed callers called back"), "1");
    assert_eq!(figure(&page, "Missed callers not called back yet"), "1");
    // Two calls of 3 min 05 s and one of 2 min 04 s.
    assert_eq!(figure(&page, "Average handle time"), "2 min 45 s");
    // The day's row in the table beside the chart.
    assert!(
        page.contains(&format!(
            "<th scope=\"row\">{}</th>\n        <td>2</td>\n        <td>2</td>",
            played.day
        )),
        "no row for {} with 2 answered and 2 missed",
        played.day
    );
    assert!(
        page.contains("No outcomes recorded yet"),
        "outcomes: {page}"
    );
    // The hostile line's name is text.
    assert!(
        page.contains("=HYPERLINK(&quot;http://evil.example&quot;,&quot;GB&quot;)")
            || page.contains("=HYPERLINK(&#34;http://evil.example&#34;,&#34;GB&#34;)")
    );

    // In French, the same figures in French words.
    let french = reqwest::Client::new()
        .get(format!("http://{}/admin/reports", played.hub.local_addr()))
        .bearer_auth(&played.admin)
        .header("accept-language", "fr-FR")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(figure(&french, "Délai de rappel (médiane)"), "20 min 00 s");
    assert_eq!(figure(&french, "Taux de réponse"), "50\u{202f}%");
    assert!(french.contains("Aucune issue enregistrée"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_chart_is_inline_svg_with_no_style_attribute_and_no_script() {
    let played = played().await;
    let response = played.get("/admin/reports").await;
    let csp = response.headers()[CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("script-src 'none'"), "{csp}");
    let page = response.text().await.unwrap();
    let svg = &page[page.find("<svg").expect("an SVG chart")..page.find("</svg>").unwrap()];
    assert!(
        svg.contains("<title id=\"reports-chart-title\">Answered and missed calls per day</title>")
    );
    assert!(
        svg.contains(&format!(
            "<title>{}: 2 answered, 2 missed</title>",
            played.day
        )),
        "no bar for {}",
        played.day
    );
    assert_eq!(
        svg.matches("class=\"reports-answered\"").count(),
        30,
        "a bar a day for 30 days"
    );
    let lower = page.to_lowercase();
    assert!(!lower.contains("style="), "a style attribute");
    assert!(!lower.contains("<script"), "a script");
    assert!(
        !lower.contains("onerror=") && !lower.contains("onload="),
        "an event attribute"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_csv_has_the_same_figures_and_neutralises_formulas() {
    let played = played().await;
    let response = played.get("/admin/reports.csv").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let disposition = response.headers()[CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.starts_with("attachment; filename="),
        "{disposition}"
    );
    let text = response.text().await.unwrap();
    let rows = parse_csv(&text);
    let header = &rows[0];
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let body = &rows[1..];
    let total = |name: &str| -> i64 {
        body.iter()
            .map(|r| r[column(name)].parse::<i64>().unwrap())
            .sum()
    };
    assert_eq!(
        (total("answered"), total("missed"), total("outbound")),
        (2, 2, 1)
    );
    assert_eq!((total("called_back"), total("not_called_back")), (1, 1));
    assert!(
        body.iter().all(|r| r[column("date")] == played.day),
        "{text}"
    );
    // Eve called Jane back: the wait counts for her, on the line Jane had called; her call
    // went out on the hostile line. Both her email and that line are prefixed with an
    // apostrophe.
    let wait = body
        .iter()
        .find(|r| r[column("called_back")] == "1")
        .unwrap_or_else(|| panic!("no call-back row in {text}"));
    assert_eq!(wait[column("median_call_back_seconds")], "1200");
    assert_eq!(wait[column("agent")], format!("'{HOSTILE_AGENT}"));
    assert_eq!(wait[column("line")], "Support FR");
    let outbound = body
        .iter()
        .find(|r| r[column("outbound")] == "1")
        .unwrap_or_else(|| panic!("no outbound row in {text}"));
    assert_eq!(outbound[column("agent")], format!("'{HOSTILE_AGENT}"));
    assert_eq!(outbound[column("line")], format!("'{HOSTILE_LINE}"));
    assert!(
        text.contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"GB\"\")\""),
        "{text}"
    );
    for row in &rows {
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "a cell a spreadsheet would run: {cell}"
            );
        }
    }
    // Bob's row: one answered call, its handle time.
    let bob = body
        .iter()
        .find(|r| r[column("agent")] == "bob@acme.io")
        .unwrap();
    assert_eq!(
        (
            bob[column("answered")].as_str(),
            bob[column("average_handle_seconds")].as_str()
        ),
        ("1", "185")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_range_without_the_calls_shows_none_and_a_bad_range_is_refused_in_words() {
    let played = played().await;
    let page = played
        .get("/admin/reports?from=2020-01-01&to=2020-01-31")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(figure(&page, "Answered"), "0");
    assert_eq!(figure(&page, "Answer rate"), "—");
    let refused = played
        .get("/admin/reports?from=2026-02-02&to=2026-01-01")
        .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(refused
        .text()
        .await
        .unwrap()
        .contains("The first day comes after the last one"));
    let csv = played.get("/admin/reports.csv?from=someday").await;
    assert_eq!(csv.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_agent_token_gets_no_report() {
    let app = TestApp::demo().await;
    let hub = ringside_tests::hubs::start_hub(&app, Settings::default()).await;
    let agent = hub.store().add_agent("bob@acme.io", 0).unwrap();
    for path in ["/admin/reports", "/admin/reports.csv"] {
        let response = reqwest::Client::new()
            .get(format!("http://{}{path}", hub.local_addr()))
            .bearer_auth(agent.expose())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
    }
}
