//! The console's Settings page: every setting of the registry, grouped as `hub.toml` groups
//! them, with its effective value and where it came from (the file and its line, the
//! environment, a flag, the default, or the console with who and when); secrets masked. The
//! integration settings are a form: a change is stored by the hub, obeyed at once and shown as
//! overriding the configuration's value, until an admin resets it.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::page::{render, see_other, Arg, Chrome, Nav};
use super::session::{plain, Admin, Checked};
use crate::config::{self, Group, Kind, ReportEntry, Source, SETTINGS};
use crate::engine::SettingError;
use crate::hours::BusinessHours;
use crate::hub::AppState;
use crate::store::console::overrides::Override;

/// This page's routes as (method, path), for the tests that knock on every route.
pub(super) const ROUTES: &[(&str, &str)] = &[
    ("GET", "/admin/settings"),
    ("POST", "/admin/settings"),
    ("POST", "/admin/settings/{key}/reset"),
];

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(Nav::Settings.href(), get(show).post(save))
        .route("/admin/settings/{key}/reset", post(reset))
}

#[derive(Template)]
#[template(path = "console/settings.html")]
struct Page {
    chrome: Chrome,
    /// What the last form did, in words, or why it was refused.
    notice: Option<Notice>,
    /// Whether the hub was started without a configuration (its values are the program's).
    no_report: bool,
    groups: Vec<Section>,
}

/// A line above the settings after a form.
struct Notice {
    refused: bool,
    words: String,
}

/// One group of settings, as `hub.toml` has it.
struct Section {
    slug: &'static str,
    title: String,
    rows: Vec<Row>,
}

/// One setting on the page.
struct Row {
    key: &'static str,
    /// Its effective value as text (masked for a secret).
    value: String,
    /// Where it came from, in words.
    source: String,
    /// "overriding the file's false", when the console changed it.
    overriding: Option<String>,
    /// Whether the console changed it (a Reset button).
    overridden: bool,
    /// How the console changes it, if it may.
    control: Control,
    /// What it does, for the ones the console changes.
    doc: String,
}

/// The form control of a setting the console may change.
#[derive(Default)]
struct Control {
    /// `none`, `check`, `choice`, `number` or `text`.
    kind: &'static str,
    checked: bool,
    /// For a choice: each value, its words, whether it is the effective one.
    choices: Vec<(&'static str, String, bool)>,
    min: u64,
    max: u64,
}

#[derive(Debug, Deserialize, Default)]
struct Shown {
    #[serde(default)]
    saved: Option<usize>,
    #[serde(default)]
    reset: Option<String>,
}

async fn show(State(state): State<AppState>, admin: Admin, Query(shown): Query<Shown>) -> Response {
    let chrome = admin.chrome(Nav::Settings);
    let notice = match (shown.saved, shown.reset) {
        (Some(n), _) => Some(Notice {
            refused: false,
            words: chrome.tf("settings-saved", &[("n", Arg::from(n))]),
        }),
        (None, Some(key)) => Some(Notice {
            refused: false,
            words: chrome.tf("settings-was-reset", &[("key", Arg::from(key))]),
        }),
        _ => None,
    };
    page(&state, chrome, notice, StatusCode::OK).await
}

/// Saves the form: every pair but the CSRF token is a setting's key and value. A checkbox sends
/// a hidden `false` then, when ticked, `true`: the last value of a key wins. Keys left out are
/// left alone, so a script may post only what it changes.
async fn save(State(state): State<AppState>, checked: Checked<Vec<(String, String)>>) -> Response {
    let mut changes: BTreeMap<String, String> = BTreeMap::new();
    for (key, value) in checked.form {
        if key != "csrf" {
            changes.insert(key, value);
        }
    }
    let changes: Vec<(String, String)> = changes.into_iter().collect();
    let chrome = checked.admin.chrome(Nav::Settings);
    match state
        .engine
        .change_settings(&checked.admin.email, &changes)
        .await
    {
        Ok(changed) => see_other(&format!("/admin/settings?saved={}", changed.len())),
        Err(SettingError::Refused { key, reason }) => {
            let given = changes
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.trim().to_owned())
                .unwrap_or_default();
            let words = refusal(&chrome, &key, &given, &reason);
            let notice = Notice {
                refused: true,
                words,
            };
            page(
                &state,
                chrome,
                Some(notice),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(SettingError::Store(e)) => unavailable(&e),
    }
}

/// Why a value was refused, in the page's language: what the setting takes, from the
/// registry; the engine's own words for anything else.
fn refusal(chrome: &Chrome, key: &str, given: &str, reason: &str) -> String {
    let (key_arg, given_arg) = (Arg::from(key), Arg::from(given));
    match config::by_key(key) {
        None => chrome.tf("settings-refused-unknown", &[("key", key_arg)]),
        Some(setting) if !setting.console_may_change() => {
            chrome.tf("settings-refused-not-here", &[("key", key_arg)])
        }
        Some(setting) => match &setting.kind {
            Kind::Whole { range, .. } => chrome.tf(
                "settings-refused-whole",
                &[
                    ("key", key_arg),
                    ("value", given_arg),
                    ("min", Arg::from(range.start().to_string())),
                    ("max", Arg::from(range.end().to_string())),
                ],
            ),
            Kind::Bool => chrome.tf(
                "settings-refused-bool",
                &[("key", key_arg), ("value", given_arg)],
            ),
            Kind::Choice(words) => chrome.tf(
                "settings-refused-choice",
                &[
                    ("key", key_arg),
                    ("value", given_arg),
                    ("choices", Arg::from(words.join(", "))),
                ],
            ),
            _ => chrome.tf(
                "settings-refused",
                &[("key", key_arg), ("reason", Arg::from(reason))],
            ),
        },
    }
}

#[derive(Debug, Deserialize)]
struct Nothing {}

/// Takes back the console's change of one setting: the configuration's value applies again.
async fn reset(
    State(state): State<AppState>,
    Path(key): Path<String>,
    checked: Checked<Nothing>,
) -> Response {
    match state.engine.reset_setting(&checked.admin.email, &key).await {
        Ok(_) => see_other(&format!("/admin/settings?reset={key}")),
        Err(SettingError::Refused { .. }) => {
            plain(StatusCode::NOT_FOUND, "the console changes no such setting")
        }
        Err(SettingError::Store(e)) => unavailable(&e),
    }
}

fn unavailable(e: &dyn std::fmt::Display) -> Response {
    tracing::error!(error = %e, "the settings page cannot reach the database");
    plain(
        StatusCode::SERVICE_UNAVAILABLE,
        "the hub's database could not answer; try again",
    )
}

async fn page(
    state: &AppState,
    chrome: Chrome,
    notice: Option<Notice>,
    status: StatusCode,
) -> Response {
    let overrides = match state.engine.overrides().await {
        Ok(o) => o,
        Err(e) => return unavailable(&e),
    };
    let report = &state.console.report;
    let groups = sections(
        &chrome,
        &state.console.settings.business_hours,
        report,
        &overrides,
        &state.engine.settings(),
        state.engine.configured_settings(),
    );
    render(
        status,
        &Page {
            chrome,
            notice,
            no_report: report.is_empty(),
            groups,
        },
    )
}

/// Every setting of the registry, in `hub.toml`'s groups and order.
fn sections(
    chrome: &Chrome,
    team: &BusinessHours,
    report: &[ReportEntry],
    overrides: &[Override],
    obeyed: &crate::rules::Settings,
    configured: &crate::rules::Settings,
) -> Vec<Section> {
    let mut groups: Vec<Section> = Vec::new();
    for setting in SETTINGS {
        let entry = report.iter().find(|e| e.key == setting.key);
        let changed = overrides.iter().find(|o| o.key == setting.key);
        // What the configuration says, before the console.
        let (file_value, file_source) = match (entry, configured.value_of(setting.key)) {
            (Some(entry), _) => (entry.value.clone(), entry.source.clone()),
            (None, Some(value)) => (value, Source::Default),
            (None, None) => (
                setting
                    .default
                    .map(str::to_owned)
                    .unwrap_or_else(|| chrome.t("settings-not-set")),
                Source::Default,
            ),
        };
        // The report masks a secret that is set and says "(not set)" of one that is not; a
        // secret the report does not know is never shown either.
        let file_value = match (setting.is_secret(), entry) {
            (_, Some(entry)) if entry.value == config::NOT_SET => chrome.t("settings-not-set"),
            (true, Some(entry)) if entry.value != config::MASKED => chrome.t("settings-not-set"),
            (true, None) => chrome.t("settings-not-set"),
            _ => file_value,
        };
        let value = match setting.console_may_change() {
            true => obeyed
                .value_of(setting.key)
                .unwrap_or_else(|| file_value.clone()),
            false => file_value.clone(),
        };
        let (source, overriding) = match changed {
            Some(o) => (
                source_words(
                    chrome,
                    team,
                    &Source::Console {
                        by: o.set_by.clone(),
                        at: o.set_at,
                    },
                ),
                Some(overriding_words(chrome, &file_source, &file_value)),
            ),
            None => (source_words(chrome, team, &file_source), None),
        };
        let control = match setting.console_may_change() {
            true => control(chrome, &setting.kind, &value),
            false => Control {
                kind: "none",
                ..Control::default()
            },
        };
        let doc = match setting.console_may_change() {
            true => chrome.t(&format!("settings-doc-{}", setting.key)),
            false => String::new(),
        };
        let row = Row {
            key: setting.key,
            value: match setting.kind {
                Kind::Secret => file_value,
                _ => value,
            },
            source,
            overriding,
            overridden: changed.is_some(),
            control,
            doc,
        };
        match groups.last_mut() {
            Some(section) if section.slug == setting.group.slug() => section.rows.push(row),
            _ => groups.push(Section {
                slug: setting.group.slug(),
                title: chrome.t(&group_key(setting.group)),
                rows: vec![row],
            }),
        }
    }
    groups
}

fn group_key(group: Group) -> String {
    format!("settings-group-{}", group.slug())
}

/// How a setting the console may change is edited.
fn control(chrome: &Chrome, kind: &Kind, value: &str) -> Control {
    match kind {
        Kind::Bool => Control {
            kind: "check",
            checked: value == "true",
            ..Control::default()
        },
        Kind::Choice(words) => Control {
            kind: "choice",
            choices: words
                .iter()
                .map(|w| (*w, chrome.t(&format!("settings-choice-{w}")), *w == value))
                .collect(),
            ..Control::default()
        },
        Kind::Whole { range, .. } => Control {
            kind: "number",
            min: *range.start(),
            max: *range.end(),
            ..Control::default()
        },
        _ => Control {
            kind: "text",
            ..Control::default()
        },
    }
}

/// Where a value came from, in the page's language.
fn source_words(chrome: &Chrome, team: &BusinessHours, source: &Source) -> String {
    match source {
        Source::File {
            path,
            line: Some(line),
        } => chrome.tf(
            "settings-source-file-line",
            &[
                ("path", Arg::from(path.display().to_string())),
                ("line", Arg::from(*line)),
            ],
        ),
        Source::File { path, line: None } => chrome.tf(
            "settings-source-file",
            &[("path", Arg::from(path.display().to_string()))],
        ),
        Source::Environment(var) => {
            chrome.tf("settings-source-environment", &[("var", Arg::from(*var))])
        }
        Source::Flag(flag) => chrome.tf(
            "settings-source-flag",
            &[("flag", Arg::from(flag.as_str()))],
        ),
        Source::Console { by, at } => chrome.tf(
            "settings-source-console",
            &[
                ("who", Arg::from(by.as_str())),
                ("when", Arg::from(when(team, *at))),
            ],
        ),
        _ => chrome.t("settings-source-default"),
    }
}

/// "overriding the file's false": what the console's change stands over.
fn overriding_words(chrome: &Chrome, source: &Source, value: &str) -> String {
    let key = match source {
        Source::File { .. } => "settings-overriding-file",
        Source::Environment(_) => "settings-overriding-environment",
        Source::Flag(_) => "settings-overriding-flag",
        _ => "settings-overriding-default",
    };
    chrome.tf(key, &[("value", Arg::from(value))])
}

/// A moment as the page shows it, in the team's time zone: `2026-12-07 14:05 Europe/Paris`.
fn when(team: &BusinessHours, at: i64) -> String {
    jiff::Timestamp::from_second(at)
        .map(|t| {
            let local = t.to_zoned(team.time_zone().clone());
            format!("{} {}", local.strftime("%Y-%m-%d %H:%M"), team.zone())
        })
        .unwrap_or_default()
}
