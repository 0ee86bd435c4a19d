//! The console's Calls and messages page: the search (`GET /admin/calls`: by number however it
//! is typed, contact, agent, line, dates, kind and logging state, 50 a page, newest first), one
//! call or message opened (`GET /admin/calls/{kind}/{id}`: its effects, the webhooks that made
//! it, what admins did to it), and the actions on it (retry a failed effect, give it up, choose
//! the contact of a shared number, log what a setting skipped), each answered with a redirect
//! back to it and a message in words.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::page::{render, see_other, Arg, Chrome, Nav};
use super::session::{Admin, Checked};
use crate::domain::effect::Effect;
use crate::domain::history::Channel;
use crate::domain::subject::{Progress, Status, SubjectKey, SubjectKind, Tracked};
use crate::engine::{AdminOutcome, Engine, EngineError};
use crate::hub::AppState;
use crate::phone::E164;
use crate::store::console::calls::{
    CallFilter, CallRow, Cursor, EffectRow, EffectStatus, LoggingState, WebhookRow,
};

/// This page's routes as (method, path), for the tests that knock on every route.
pub(super) const ROUTES: &[(&str, &str)] = &[
    ("GET", "/admin/calls"),
    ("GET", "/admin/calls/{kind}/{id}"),
    ("POST", "/admin/calls/{kind}/{id}/retry"),
    ("POST", "/admin/calls/{kind}/{id}/give-up"),
    ("POST", "/admin/calls/{kind}/{id}/contact"),
    ("POST", "/admin/calls/{kind}/{id}/log"),
];

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(Nav::Calls.href(), get(search))
        .route("/admin/calls/{kind}/{id}", get(open))
        .route("/admin/calls/{kind}/{id}/retry", post(retry))
        .route("/admin/calls/{kind}/{id}/give-up", post(give_up))
        .route("/admin/calls/{kind}/{id}/contact", post(choose_contact))
        .route("/admin/calls/{kind}/{id}/log", post(log_anyway))
}

/// The search form's fields, as the query string carries them.
#[derive(Debug, Default, Deserialize)]
struct SearchForm {
    #[serde(default)]
    number: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    agent: String,
    #[serde(default)]
    line: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    before: String,
}

/// One row of the list, in words.
struct RowView {
    href: String,
    when: String,
    words: String,
    contact: String,
    conversation_url: Option<String>,
    agents: String,
    state_class: &'static str,
    state: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "console/calls.html")]
struct Page {
    chrome: Chrome,
    form: SearchForm,
    kinds: Vec<(&'static str, String)>,
    states: Vec<(&'static str, String)>,
    rows: Vec<RowView>,
    next: Option<String>,
    problem: Option<String>,
}

/// A choice offered for a shared number.
struct CandidateView {
    id: String,
    name: String,
}

/// One effect, in words.
struct EffectView {
    id: i64,
    what: String,
    state_class: &'static str,
    state: String,
    attempts: i64,
    last_error: String,
    when: String,
    can_retry: bool,
}

/// One webhook, in words.
struct WebhookView {
    event: String,
    when: String,
    state: String,
}

/// One admin's action, in words.
struct ActionView {
    when: String,
    who: String,
    action: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "console/call.html")]
struct CallPage {
    chrome: Chrome,
    base: String,
    flash: Option<(&'static str, String)>,
    row: RowView,
    title: String,
    notes: Vec<String>,
    candidates: Vec<CandidateView>,
    can_log: bool,
    effects: Vec<EffectView>,
    webhooks: Vec<WebhookView>,
    actions: Vec<ActionView>,
}

/// Whether a call has an item on the call-back list (it opened or joined one, or returned
/// one), and where that item stands, in words.
async fn callback_note(
    state: &AppState,
    chrome: &Chrome,
    subject: &crate::domain::subject::Subject,
    tz: &jiff::tz::TimeZone,
) -> Option<String> {
    use crate::domain::callback::{CallbackState, CloseReason};
    let call_id: u64 = subject.call().map(|c| c.id)?;
    let item = match state.engine.callback_of_call(call_id).await {
        Ok(item) => item?,
        Err(e) => {
            tracing::warn!(error = %e, "the console cannot read a call's call-back item");
            return None;
        }
    };
    let due = Arg::from(when(item.due_at, tz));
    let by = |t: &Option<crate::domain::callback::Teammate>| {
        Arg::from(t.as_ref().map(|t| t.name.clone()).unwrap_or_default())
    };
    Some(match (item.state, item.close_reason) {
        (CallbackState::Claimed, _) => chrome.tf(
            "calls-note-callback-claimed",
            &[("who", by(&item.claimed_by))],
        ),
        (CallbackState::Closed, Some(CloseReason::Dismissed)) => chrome.tf(
            "calls-note-callback-dismissed",
            &[
                ("who", by(&item.closed_by)),
                ("reason", Arg::from(item.dismiss_reason.unwrap_or_default())),
            ],
        ),
        (CallbackState::Closed, _) => chrome.tf(
            "calls-note-callback-returned",
            &[("who", by(&item.closed_by))],
        ),
        (CallbackState::Open, _) if item.late => {
            chrome.tf("calls-note-callback-late", &[("due", due)])
        }
        (CallbackState::Open, _) => chrome.tf("calls-note-callback-open", &[("due", due)]),
    })
}

/// The time zone the console shows times in: the team's (`timezone`).
fn zone(state: &AppState) -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get(state.console.settings.business_hours.zone())
        .unwrap_or(jiff::tz::TimeZone::UTC)
}

/// An instant as the team's clock shows it.
fn when(at: i64, tz: &jiff::tz::TimeZone) -> String {
    jiff::Timestamp::from_second(at)
        .map(|t| {
            t.to_zoned(tz.clone())
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

/// The first second of a day typed `YYYY-MM-DD` in the team's zone (`next`: of the day after).
fn day_start(text: &str, tz: &jiff::tz::TimeZone, next: bool) -> Option<i64> {
    let date: jiff::civil::Date = text.trim().parse().ok()?;
    let date = if next { date.tomorrow().ok()? } else { date };
    Some(date.to_zoned(tz.clone()).ok()?.timestamp().as_second())
}

/// A number as people read it (`+33 6 12 34 56 78`), else as stored.
fn readable(phone: &str) -> String {
    phonenumber::parse(None, phone)
        .map(|n| {
            n.format()
                .mode(phonenumber::Mode::International)
                .to_string()
        })
        .unwrap_or_else(|_| phone.to_owned())
}

/// A vendor's refusal without the raw body it may carry (`Intercom rejected the request
/// (422): {"errors":…}` reads `Intercom rejected the request (422)`); the hub's log keeps it
/// whole.
fn in_short(error: &str) -> String {
    match error.find(": {").or_else(|| error.find(": [")) {
        Some(at) => error[..at].to_owned(),
        None => error.to_owned(),
    }
}

/// A span as `3 min 12 s`.
fn duration_words(chrome: &Chrome, secs: i64) -> String {
    if secs >= 60 {
        chrome.tf(
            "calls-duration-min",
            &[("min", Arg::from(secs / 60)), ("sec", Arg::from(secs % 60))],
        )
    } else {
        chrome.tf("calls-duration-sec", &[("sec", Arg::from(secs))])
    }
}

/// The names of the agents a call or message involved, each once.
fn agents_of(tracked: &Tracked) -> Vec<String> {
    let people: Vec<&crate::aircall::UserRef> = match tracked {
        Tracked::Call { call, .. } => [
            &call.user,
            &call.transferred_by,
            &call.transferred_to,
            &call.assigned_to,
        ]
        .into_iter()
        .flatten()
        .collect(),
        Tracked::Message { message, .. } => message.user.iter().collect(),
    };
    let mut names: Vec<String> = Vec::new();
    for person in people {
        let name = if person.name.trim().is_empty() {
            person.email.clone().unwrap_or_default()
        } else {
            person.name.clone()
        };
        if !name.is_empty() && !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// The call or message in words: "Inbound call from +33 6 …, answered by Bob, 3 min 12 s".
fn in_words(chrome: &Chrome, row: &CallRow) -> String {
    let phone = row
        .phone
        .as_deref()
        .map(readable)
        .unwrap_or_else(|| chrome.t("calls-anonymous"));
    let someone = || chrome.t("calls-someone");
    match &row.subject.tracked {
        Tracked::Call { call, .. } => {
            let agent = call
                .user
                .as_ref()
                .map(|u| u.name.clone())
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(someone);
            let length = match row.duration {
                Some(d) => duration_words(chrome, d),
                None => chrome.t("calls-in-progress"),
            };
            let over = row.subject.progress == Progress::Over;
            let args = |key: &str| {
                chrome.tf(
                    key,
                    &[
                        ("phone", Arg::from(phone.clone())),
                        ("agent", Arg::from(agent.clone())),
                        ("duration", Arg::from(length.clone())),
                    ],
                )
            };
            match (call.direction, call.answered_at.is_some(), over) {
                (crate::aircall::Direction::Inbound, true, _) => args("calls-row-in-answered"),
                (crate::aircall::Direction::Inbound, false, true) => args("calls-row-in-missed"),
                (crate::aircall::Direction::Inbound, false, false) => args("calls-row-in-ringing"),
                (crate::aircall::Direction::Outbound, true, _) => args("calls-row-out"),
                (crate::aircall::Direction::Outbound, false, _) => args("calls-row-out-unanswered"),
            }
        }
        Tracked::Message { message, .. } => {
            let channel = match row.channel {
                Channel::Whatsapp => "WhatsApp",
                _ => "SMS",
            };
            let agent = message
                .user
                .as_ref()
                .map(|u| u.name.clone())
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(someone);
            let key = match message.direction {
                crate::aircall::Direction::Inbound => "calls-row-message-in",
                crate::aircall::Direction::Outbound => "calls-row-message-out",
            };
            chrome.tf(
                key,
                &[
                    ("channel", Arg::from(channel)),
                    ("phone", Arg::from(phone)),
                    ("agent", Arg::from(agent)),
                ],
            )
        }
    }
}

/// A row's state, its class and why.
fn state_of(chrome: &Chrome, row: &CallRow) -> (&'static str, String, String) {
    let s = &row.subject;
    let reason = s
        .reason
        .as_deref()
        .or(row.failed_error.as_deref())
        .map(in_short)
        .unwrap_or_default();
    if row.given_up_by.is_some() {
        return ("state-bad", chrome.t("calls-state-given-up"), reason);
    }
    match s.status {
        Status::Logged if row.failed_effects > 0 => (
            "state-warn",
            chrome.tf(
                "calls-state-logged-refused",
                &[("n", Arg::from(row.failed_effects))],
            ),
            reason,
        ),
        Status::Logged => ("state-ok", chrome.t("calls-state-logged"), String::new()),
        Status::Live => ("state-warn", chrome.t("calls-state-live"), String::new()),
        Status::Queued if row.failed_effects > 0 => {
            ("state-bad", chrome.t("calls-state-failed"), reason)
        }
        Status::Queued => ("state-warn", chrome.t("calls-state-waiting"), String::new()),
        Status::Skipped | Status::Off => ("state-warn", chrome.t("calls-state-not-logged"), reason),
        Status::Failed => ("state-bad", chrome.t("calls-state-failed"), reason),
    }
}

/// The row in words, with its link.
fn row_view(
    chrome: &Chrome,
    row: &CallRow,
    workspace: Option<&str>,
    tz: &jiff::tz::TimeZone,
) -> RowView {
    let (state_class, state, reason) = state_of(chrome, row);
    RowView {
        href: format!(
            "/admin/calls/{}/{}",
            row.subject.kind().as_str(),
            row.subject.id
        ),
        when: when(row.started_at, tz),
        words: in_words(chrome, row),
        contact: row.contact_name.clone().unwrap_or_default(),
        conversation_url: row
            .subject
            .conversation_id
            .as_deref()
            .and_then(|c| Engine::conversation_link(workspace, c)),
        agents: agents_of(&row.subject.tracked).join(", "),
        state_class,
        state,
        reason,
    }
}

/// The search's filter from the form; `Err` with the words of what cannot be read.
fn filter_of(form: &SearchForm, state: &AppState, chrome: &Chrome) -> Result<CallFilter, String> {
    let tz = zone(state);
    let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let mut filter = CallFilter::default();
    if let Some(typed) = text(&form.number) {
        let bare: String = typed
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '.' | '(' | ')'))
            .collect();
        // Stored as E.164 when it reads as a number, else as sent without spaces.
        match E164::parse(&typed, state.engine.default_region()) {
            Ok(number) => filter.phones.push(number.as_str().to_owned()),
            Err(_) => filter.phones.push(bare),
        }
    }
    filter.contact = text(&form.contact);
    filter.agent = text(&form.agent).map(|a| a.to_lowercase());
    filter.line = text(&form.line);
    if let Some(from) = text(&form.from) {
        filter.from = Some(day_start(&from, &tz, false).ok_or_else(|| chrome.t("calls-bad-date"))?);
    }
    if let Some(to) = text(&form.to) {
        filter.to = Some(day_start(&to, &tz, true).ok_or_else(|| chrome.t("calls-bad-date"))?);
    }
    filter.channel = match form.kind.as_str() {
        "call" => Some(Channel::Call),
        "sms" => Some(Channel::Sms),
        "whatsapp" => Some(Channel::Whatsapp),
        _ => None,
    };
    filter.state = LoggingState::parse(&form.state);
    filter.before = Cursor::parse(&form.before);
    Ok(filter)
}

/// The query string of the same search below `cursor`.
fn next_link(form: &SearchForm, cursor: Cursor) -> String {
    let pairs = [
        ("number", form.number.as_str()),
        ("contact", &form.contact),
        ("agent", &form.agent),
        ("line", &form.line),
        ("from", &form.from),
        ("to", &form.to),
        ("kind", &form.kind),
        ("state", &form.state),
    ];
    let mut query: Vec<(&str, String)> = pairs
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| (*k, (*v).to_owned()))
        .collect();
    query.push(("before", cursor.to_param()));
    format!(
        "/admin/calls?{}",
        serde_urlencoded::to_string(&query).unwrap_or_default()
    )
}

async fn search(
    State(state): State<AppState>,
    admin: Admin,
    Query(form): Query<SearchForm>,
) -> Response {
    let chrome = admin.chrome(Nav::Calls);
    let tz = zone(&state);
    let kinds = vec![
        ("", chrome.t("calls-kind-any")),
        ("call", chrome.t("calls-kind-call")),
        ("sms", chrome.t("calls-kind-sms")),
        ("whatsapp", chrome.t("calls-kind-whatsapp")),
    ];
    let states = vec![
        ("", chrome.t("calls-state-any")),
        ("logged", chrome.t("calls-state-logged")),
        ("waiting", chrome.t("calls-state-waiting")),
        ("not_logged", chrome.t("calls-state-not-logged")),
        ("failed", chrome.t("calls-state-failed")),
    ];
    let mut page = Page {
        chrome,
        form,
        kinds,
        states,
        rows: Vec::new(),
        next: None,
        problem: None,
    };
    let filter = match filter_of(&page.form, &state, &page.chrome) {
        Ok(f) => f,
        Err(words) => {
            page.problem = Some(words);
            return render(StatusCode::BAD_REQUEST, &page);
        }
    };
    let workspace = state.engine.intercom_workspace().await;
    let found = state.store().run(move |s| s.search_calls(&filter)).await;
    match found {
        Ok(found) => {
            page.rows = found
                .rows
                .iter()
                .map(|r| row_view(&page.chrome, r, workspace.as_deref(), &tz))
                .collect();
            page.next = found.next.map(|c| next_link(&page.form, c));
            render(StatusCode::OK, &page)
        }
        Err(e) => {
            tracing::error!(error = %e, "the console's search failed");
            page.problem = Some(page.chrome.t("calls-store-failed"));
            render(StatusCode::SERVICE_UNAVAILABLE, &page)
        }
    }
}

/// The subject a path names, if its kind is one.
fn key_of(kind: &str, id: &str) -> Option<SubjectKey> {
    Some(SubjectKey {
        kind: SubjectKind::parse(kind)?,
        id: id.to_owned(),
    })
}

#[derive(Debug, Default, Deserialize)]
struct Flash {
    #[serde(default)]
    done: String,
}

/// The message a redirect's `done` code stands for.
fn flash_of(chrome: &Chrome, code: &str) -> Option<(&'static str, String)> {
    let (class, key) = match code {
        "retried" => ("state-ok", "calls-flash-retried"),
        "given-up" => ("state-ok", "calls-flash-given-up"),
        "chosen" => ("state-ok", "calls-flash-chosen"),
        "logged" => ("state-ok", "calls-flash-logged"),
        "unchanged" => ("state-warn", "calls-flash-unchanged"),
        "unknown" => ("state-bad", "calls-flash-unknown"),
        "not-a-candidate" => ("state-bad", "calls-flash-not-a-candidate"),
        "unknown-contact" => ("state-bad", "calls-flash-unknown-contact"),
        "already-logged" => ("state-warn", "calls-flash-already-logged"),
        "bad-number" => ("state-bad", "calls-flash-bad-number"),
        "failed" => ("state-bad", "calls-flash-failed"),
        _ => return None,
    };
    Some((class, chrome.t(key)))
}

/// What an effect does, in words.
fn effect_words(chrome: &Chrome, effect: Option<&Effect>) -> String {
    let Some(effect) = effect else {
        return chrome.t("calls-effect-unreadable");
    };
    let key = format!("calls-effect-{}", effect.kind().replace('_', "-"));
    match effect {
        Effect::Tag { name, .. } | Effect::Untag { name, .. } => {
            chrome.tf(&key, &[("name", Arg::from(name.as_str()))])
        }
        _ => chrome.t(&key),
    }
}

/// An effect's state in words. The conversation Intercom refused waits as blocked with its
/// subject failed: it shows as failed, the others as waiting for it.
fn effect_view(
    chrome: &Chrome,
    e: &EffectRow,
    failed_start: Option<i64>,
    tz: &jiff::tz::TimeZone,
) -> EffectView {
    let refused_start = failed_start == Some(e.id);
    let (state_class, key) = match e.status {
        _ if e.given_up_by.is_some() => ("state-bad", "calls-effect-given-up"),
        EffectStatus::Done => ("state-ok", "calls-effect-done"),
        EffectStatus::Pending => ("state-warn", "calls-effect-pending"),
        EffectStatus::InFlight => ("state-warn", "calls-effect-in-flight"),
        EffectStatus::Failed => ("state-bad", "calls-effect-failed"),
        EffectStatus::Blocked if refused_start => ("state-bad", "calls-effect-failed"),
        EffectStatus::Blocked => ("state-warn", "calls-effect-blocked"),
    };
    EffectView {
        id: e.id,
        what: effect_words(chrome, e.effect.as_ref()),
        state_class,
        state: chrome.t(key),
        attempts: e.attempts,
        last_error: e.last_error.as_deref().map(in_short).unwrap_or_default(),
        when: when(e.done_at.unwrap_or(e.created_at), tz),
        can_retry: e.given_up_by.is_none() && (e.status == EffectStatus::Failed || refused_start),
    }
}

/// The action's word, in words.
fn action_words(chrome: &Chrome, action: &str) -> String {
    match action {
        "retry" => chrome.t("calls-action-retry"),
        "give_up" => chrome.t("calls-action-give-up"),
        "choose_contact" => chrome.t("calls-action-choose-contact"),
        "log_skipped" => chrome.t("calls-action-log-skipped"),
        other => other.to_owned(),
    }
}

/// Everything the page of one subject shows.
struct Opened {
    row: CallRow,
    effects: Vec<EffectRow>,
    webhooks: Vec<WebhookRow>,
    actions: Vec<crate::store::console::audit::Action>,
    candidates: Vec<(String, Option<String>)>,
}

async fn open(
    State(state): State<AppState>,
    admin: Admin,
    Path((kind, id)): Path<(String, String)>,
    Query(flash): Query<Flash>,
) -> Response {
    let chrome = admin.chrome(Nav::Calls);
    let Some(key) = key_of(&kind, &id) else {
        return not_found(&chrome);
    };
    let tz = zone(&state);
    let workspace = state.engine.intercom_workspace().await;
    let opened = state
        .store()
        .run(move |s| {
            let Some(row) = s.call_row(&key)? else {
                return Ok(None);
            };
            let candidates = row
                .subject
                .candidates
                .iter()
                .map(|c| Ok((c.clone(), s.contact_name(c)?)))
                .collect::<Result<Vec<_>, crate::store::StoreError>>()?;
            Ok(Some(Opened {
                effects: s.call_effects(&key)?,
                webhooks: s.call_webhooks(&key)?,
                actions: s.actions_on(&key.to_string())?,
                candidates,
                row,
            }))
        })
        .await;
    let opened = match opened {
        Ok(Some(o)) => o,
        Ok(None) => return not_found(&chrome),
        Err(e) => {
            tracing::error!(error = %e, "the console cannot open a call");
            return super::session::plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "the hub's database could not answer; try again",
            );
        }
    };
    let subject = &opened.row.subject;
    let failed_start = (subject.status == Status::Failed && opened.row.given_up_by.is_none())
        .then(|| {
            opened
                .effects
                .iter()
                .find(|e| e.status == EffectStatus::Blocked)
                .map(|e| e.id)
        })
        .flatten();
    let mut notes = Vec::new();
    if let Some(who) = &opened.row.logged_by {
        notes.push(chrome.tf("calls-note-logged-by", &[("who", Arg::from(who.as_str()))]));
    }
    if let Some(who) = &opened.row.given_up_by {
        notes.push(chrome.tf(
            "calls-note-given-up-by",
            &[("who", Arg::from(who.as_str()))],
        ));
    }
    if let Some(words) = callback_note(&state, &chrome, subject, &tz).await {
        notes.push(words);
    }
    let candidates = if subject.status == Status::Skipped && subject.conversation_id.is_none() {
        opened
            .candidates
            .iter()
            .map(|(id, name)| CandidateView {
                id: id.clone(),
                name: name.clone().unwrap_or_else(|| id.clone()),
            })
            .collect()
    } else {
        Vec::new()
    };
    let page = CallPage {
        base: format!("/admin/calls/{}/{}", subject.kind().as_str(), subject.id),
        flash: flash_of(&chrome, &flash.done),
        title: in_words(&chrome, &opened.row),
        row: row_view(&chrome, &opened.row, workspace.as_deref(), &tz),
        notes,
        candidates,
        can_log: state.engine.skipped_by_setting(subject).is_some(),
        effects: opened
            .effects
            .iter()
            .map(|e| effect_view(&chrome, e, failed_start, &tz))
            .collect(),
        webhooks: opened
            .webhooks
            .iter()
            .map(|w| WebhookView {
                event: w.event.clone(),
                when: when(w.timestamp.unwrap_or(w.received_at), &tz),
                state: match &w.error {
                    Some(error) => format!("{} ({error})", w.state),
                    None => w.state.clone(),
                },
            })
            .collect(),
        actions: opened
            .actions
            .iter()
            .map(|a| ActionView {
                when: when(a.at, &tz),
                who: a.who.clone(),
                action: action_words(&chrome, &a.action),
                detail: a.detail.clone(),
            })
            .collect(),
        chrome,
    };
    render(StatusCode::OK, &page)
}

fn not_found(chrome: &Chrome) -> Response {
    super::session::plain(StatusCode::NOT_FOUND, &chrome.t("calls-flash-unknown"))
}

/// A form naming one effect.
#[derive(Debug, Deserialize)]
struct EffectForm {
    effect: i64,
}

/// A form naming one contact.
#[derive(Debug, Deserialize)]
struct ContactForm {
    contact: String,
}

/// A form with nothing but its token.
#[derive(Debug, Deserialize)]
struct EmptyForm {}

/// Back to the subject, with what came of the action.
fn back(kind: &str, id: &str, result: Result<AdminOutcome, EngineError>, done: &str) -> Response {
    let code = match result {
        Ok(AdminOutcome::Done) => done,
        Ok(AdminOutcome::Unchanged) => "unchanged",
        Err(EngineError::UnknownSubject(_) | EngineError::UnknownCall(_)) => "unknown",
        Err(EngineError::NotACandidate) => "not-a-candidate",
        Err(EngineError::UnknownContact) => "unknown-contact",
        Err(EngineError::AlreadyLogged) => "already-logged",
        Err(EngineError::BadNumber(_)) => "bad-number",
        Err(e) => {
            tracing::warn!(error = %e, "an admin's action failed");
            "failed"
        }
    };
    let query = serde_urlencoded::to_string([("done", code)]).unwrap_or_default();
    see_other(&format!(
        "/admin/calls/{}/{}?{query}",
        path_segment(kind),
        path_segment(id)
    ))
}

/// A path segment as it may go back into a link: anything but letters, digits, `-` and `_` is
/// dropped (Aircall's ids are digits).
fn path_segment(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect()
}

async fn retry(
    State(state): State<AppState>,
    Path((kind, id)): Path<(String, String)>,
    checked: Checked<EffectForm>,
) -> Response {
    let result = match key_of(&kind, &id) {
        Some(key) => {
            state
                .engine
                .admin_retry(&checked.admin.email, &key, checked.form.effect)
                .await
        }
        None => Err(EngineError::UnknownSubject(format!("{kind} {id}"))),
    };
    back(&kind, &id, result, "retried")
}

async fn give_up(
    State(state): State<AppState>,
    Path((kind, id)): Path<(String, String)>,
    checked: Checked<EffectForm>,
) -> Response {
    let result = match key_of(&kind, &id) {
        Some(key) => {
            state
                .engine
                .admin_give_up(&checked.admin.email, &key, checked.form.effect)
                .await
        }
        None => Err(EngineError::UnknownSubject(format!("{kind} {id}"))),
    };
    back(&kind, &id, result, "given-up")
}

async fn choose_contact(
    State(state): State<AppState>,
    Path((kind, id)): Path<(String, String)>,
    checked: Checked<ContactForm>,
) -> Response {
    let result = match key_of(&kind, &id) {
        Some(key) => {
            state
                .engine
                .admin_choose_contact(&checked.admin.email, &key, checked.form.contact.trim())
                .await
        }
        None => Err(EngineError::UnknownSubject(format!("{kind} {id}"))),
    };
    back(&kind, &id, result, "chosen")
}

async fn log_anyway(
    State(state): State<AppState>,
    Path((kind, id)): Path<(String, String)>,
    checked: Checked<EmptyForm>,
) -> Response {
    let result = match key_of(&kind, &id) {
        Some(key) => {
            state
                .engine
                .admin_log_anyway(&checked.admin.email, &key)
                .await
        }
        None => Err(EngineError::UnknownSubject(format!("{kind} {id}"))),
    };
    back(&kind, &id, result, "logged")
}

#[cfg(test)]
mod tests {
    use super::super::i18n::{message_ids, Lang};
    use super::*;

    /// Every `calls-…` message this page names, in its code and its templates.
    fn keys_used() -> Vec<String> {
        let sources = [
            include_str!("calls.rs"),
            include_str!("../../../templates/console/calls.html"),
            include_str!("../../../templates/console/call.html"),
        ];
        let mut keys: Vec<String> = Vec::new();
        for source in sources {
            for (at, _) in source.match_indices("\"calls-") {
                // An element's id, not a message.
                if source[..at].ends_with("id=") {
                    continue;
                }
                let rest = &source[at + 1..];
                let end = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                    .unwrap_or(rest.len());
                let key = &rest[..end];
                // `calls-effect-` alone is the prefix of the effects' words, filled below.
                if !key.ends_with('-') {
                    keys.push(key.to_owned());
                }
            }
        }
        for kind in Effect::KINDS {
            keys.push(format!("calls-effect-{}", kind.replace('_', "-")));
        }
        keys.sort();
        keys.dedup();
        keys
    }

    #[test]
    fn every_message_the_page_shows_is_in_both_catalogs() {
        let keys = keys_used();
        assert!(keys.len() > 40, "{keys:?}");
        for lang in Lang::ALL {
            let known = message_ids(lang);
            let missing: Vec<&String> = keys.iter().filter(|k| !known.contains(k)).collect();
            assert!(missing.is_empty(), "{lang:?} lacks {missing:?}");
        }
    }

    #[test]
    fn dates_are_whole_days_of_the_teams_clock() {
        let utc = jiff::tz::TimeZone::UTC;
        assert_eq!(day_start("2026-12-07", &utc, false), Some(1_796_601_600));
        assert_eq!(day_start(" 2026-12-07 ", &utc, true), Some(1_796_688_000));
        // Paris is an hour ahead in winter: its 7 December starts at 23:00 UTC the day before.
        let paris = jiff::tz::TimeZone::get("Europe/Paris").unwrap();
        assert_eq!(day_start("2026-12-07", &paris, false), Some(1_796_598_000));
        assert_eq!(day_start("07/12/2026", &utc, false), None);
        assert_eq!(when(1_796_601_600, &paris), "2026-12-07 01:00");
    }

    #[test]
    fn a_refusal_reads_without_its_raw_body() {
        assert_eq!(
            in_short(r#"Intercom rejected the request (422): {"errors":[]}"#),
            "Intercom rejected the request (422)"
        );
        assert_eq!(
            in_short("waiting for the conversation"),
            "waiting for the conversation"
        );
    }

    #[test]
    fn a_next_link_keeps_the_search_and_reads_back() {
        let form = SearchForm {
            number: "06 12 34 56 78".into(),
            state: "failed".into(),
            ..SearchForm::default()
        };
        let link = next_link(
            &form,
            Cursor {
                started_at: 1_700_000_000,
                rowid: 42,
            },
        );
        assert_eq!(
            link,
            "/admin/calls?number=06+12+34+56+78&state=failed&before=1700000000.42"
        );
        assert_eq!(
            Cursor::parse("1700000000.42"),
            Some(Cursor {
                started_at: 1_700_000_000,
                rowid: 42
            })
        );
        assert_eq!(Cursor::parse("x.1"), None);
    }
}
