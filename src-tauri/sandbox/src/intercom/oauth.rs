//! The fake Intercom's OAuth ("Sign in with Intercom"): the authorize page
//! `GET /oauth?client_id=&state=&redirect_uri=` (on the app host in reality,
//! `https://app.intercom.com`; here the same server as the API), the exchange
//! `POST /auth/eagle/token`, and `GET /me` with the token it issues.
//!
//! The page approves by itself (no one clicks in a test): it sends the browser back to
//! `redirect_uri` with `code` and `state`. [`IntercomOAuth`] switches it to approve as a chosen
//! teammate, as a teammate of another workspace, or to refuse (`error=access_denied`). The
//! exchange takes `code`, `client_id` and `client_secret` as a form body, JSON or query
//! parameters (which one Intercom wants is unconfirmed); [`IntercomOAuth::accept_only`] makes it
//! refuse all but one shape. A code works once; a wrong client id or secret is refused.
//!
//! A token this fake issues by OAuth reads `GET /me` (the teammate who approved, with their
//! `team_ids`) and nothing else: any other request with it is refused with 403.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use super::{lock, IcError, IntercomApp, IntercomState};
use crate::ids;

/// The fake app's OAuth client id.
pub const CLIENT_ID: &str = "sandbox-oauth-client";

/// The fake app's OAuth client secret.
pub const CLIENT_SECRET: &str = "sandbox-oauth-secret";

/// Whom the authorize page approves as, or whether it refuses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Approval {
    /// The first teammate who does not own the API token (Bob Martin in the demo seed).
    #[default]
    FirstTeammate,
    /// The seeded teammate with this id.
    Admin(String),
    /// A teammate of another workspace.
    Outsider {
        /// Their email.
        email: String,
        /// Their workspace's id (`app.id_code`).
        workspace_id: String,
    },
    /// The teammate refuses: `error=access_denied`.
    Refuse,
}

/// How the exchange's parameters travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExchangeShape {
    /// `application/x-www-form-urlencoded` body.
    Form,
    /// JSON body.
    Json,
    /// Query parameters.
    Query,
}

/// Who approved: what `/me` answers with their token.
#[derive(Debug, Clone)]
struct Approved {
    admin: Value,
    email: String,
    workspace_id: String,
}

#[derive(Debug, Clone)]
struct Grant {
    who: Approved,
    used: bool,
}

/// The OAuth side of the fake's state.
#[derive(Debug, Default)]
pub(crate) struct OAuthState {
    approval: Approval,
    accept_only: Option<ExchangeShape>,
    teams: HashMap<String, Vec<String>>,
    codes: HashMap<String, Grant>,
    tokens: HashMap<String, Approved>,
    exchanges: Vec<ExchangeShape>,
}

/// A test's handle on the fake's OAuth.
#[derive(Debug, Clone)]
pub struct IntercomOAuth {
    pub(crate) state: Arc<Mutex<IntercomState>>,
}

impl IntercomOAuth {
    fn with<T>(&self, f: impl FnOnce(&mut OAuthState) -> T) -> T {
        f(&mut lock(&self.state).oauth)
    }

    /// Sets whom the authorize page approves as (or that it refuses).
    pub fn set_approval(&self, approval: Approval) {
        self.with(|o| o.approval = approval);
    }

    /// Makes the exchange accept only this shape (`None`: any of the three).
    pub fn accept_only(&self, shape: Option<ExchangeShape>) {
        self.with(|o| o.accept_only = shape);
    }

    /// Puts a teammate in these teams (their `team_ids`).
    pub fn set_teams(&self, admin_id: &str, team_ids: &[&str]) {
        let teams = team_ids.iter().map(|t| t.to_string()).collect();
        self.with(|o| o.teams.insert(admin_id.to_owned(), teams));
    }

    /// Every access token issued so far.
    pub fn issued_tokens(&self) -> Vec<String> {
        self.with(|o| o.tokens.keys().cloned().collect())
    }

    /// The shape of each accepted exchange, in order.
    pub fn exchanges(&self) -> Vec<ExchangeShape> {
        self.with(|o| o.exchanges.clone())
    }

    /// The email of the teammate the authorize page approves as now (`None` when it refuses).
    pub fn approver_email(&self) -> Option<String> {
        let state = lock(&self.state);
        approved(&state, &state.oauth.approval).map(|who| who.email)
    }
}

/// Whether a path is one of OAuth's, which need no API token.
pub(crate) fn is_public(path: &str) -> bool {
    matches!(path, "/oauth" | "/auth/eagle/token")
}

fn params(query: Option<&str>) -> HashMap<String, String> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

fn page(status: StatusCode, words: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        words.to_owned(),
    )
        .into_response()
}

fn approved(state: &IntercomState, approval: &Approval) -> Option<Approved> {
    let teammate = |admin: &super::Admin| Approved {
        admin: admin.to_json(),
        email: admin.email.clone(),
        workspace_id: state.workspace.id_code.clone(),
    };
    match approval {
        Approval::FirstTeammate => state
            .admins
            .iter()
            .find(|a| a.id != state.token_admin_id)
            .map(teammate),
        Approval::Admin(id) => state.admin(id).map(teammate),
        Approval::Outsider {
            email,
            workspace_id,
        } => Some(Approved {
            admin: json!({
                "type": "admin",
                "id": "881000001",
                "name": "Someone Else",
                "email": email,
                "away_mode_enabled": false,
                "away_mode_reassign": false,
                "has_inbox_seat": true,
                "team_ids": [],
            }),
            email: email.clone(),
            workspace_id: workspace_id.clone(),
        }),
        Approval::Refuse => None,
    }
}

/// `GET /oauth`: approves (or refuses) at once and sends the browser back.
pub(crate) async fn authorize(
    State(app): State<Arc<IntercomApp>>,
    RawQuery(query): RawQuery,
) -> Response {
    let q = params(query.as_deref());
    if q.get("client_id").map(String::as_str) != Some(CLIENT_ID) {
        return page(StatusCode::BAD_REQUEST, "Unknown app (client_id).");
    }
    let Some(redirect) = q.get("redirect_uri").and_then(|r| url::Url::parse(r).ok()) else {
        return page(
            StatusCode::BAD_REQUEST,
            "No redirect_uri, and this fake app has none registered.",
        );
    };
    let state = q.get("state").cloned().unwrap_or_default();
    let mut back = redirect;
    let mut ic = app.lock();
    let approval = ic.oauth.approval.clone();
    match approved(&ic, &approval) {
        None if approval == Approval::Refuse => {
            back.query_pairs_mut()
                .append_pair("error", "access_denied")
                .append_pair("state", &state);
        }
        None => {
            return page(
                StatusCode::BAD_REQUEST,
                "The chosen teammate does not exist.",
            )
        }
        Some(who) => {
            let code = ids::hex(32);
            ic.oauth
                .codes
                .insert(code.clone(), Grant { who, used: false });
            back.query_pairs_mut()
                .append_pair("code", &code)
                .append_pair("state", &state);
        }
    }
    (StatusCode::FOUND, [(header::LOCATION, back.to_string())]).into_response()
}

/// The exchange's parameters, from the one place they came in.
fn exchange_params(
    headers: &HeaderMap,
    query: Option<&str>,
    body: &Bytes,
) -> Vec<(ExchangeShape, HashMap<String, String>)> {
    let mut found = Vec::new();
    let q = params(query);
    if !q.is_empty() {
        found.push((ExchangeShape::Query, q));
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if content_type.starts_with("application/x-www-form-urlencoded") {
        found.push((
            ExchangeShape::Form,
            url::form_urlencoded::parse(body).into_owned().collect(),
        ));
    } else if content_type.starts_with("application/json") {
        if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) {
            let map: Map<String, Value> = map;
            let fields = map
                .into_iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_owned())))
                .collect();
            found.push((ExchangeShape::Json, fields));
        }
    }
    found
}

/// `POST /auth/eagle/token`: a code for an access token, once.
pub(crate) async fn token(
    State(app): State<Arc<IntercomApp>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut ic = app.lock();
    let accept_only = ic.oauth.accept_only;
    let found = exchange_params(&headers, query.as_deref(), &body)
        .into_iter()
        .find(|(shape, fields)| {
            accept_only.is_none_or(|only| only == *shape) && fields.contains_key("code")
        });
    let Some((shape, fields)) = found else {
        return IcError::bad_request("parameter_not_found", "code is a required parameter")
            .into_response();
    };
    let field = |k: &str| fields.get(k).map(String::as_str).unwrap_or_default();
    if field("client_id") != CLIENT_ID || field("client_secret") != CLIENT_SECRET {
        return IcError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "The client id or secret is wrong",
        )
        .into_response();
    }
    let Some(grant) = ic.oauth.codes.get_mut(field("code")) else {
        return IcError::bad_request("invalid_grant", "Unknown code").into_response();
    };
    if grant.used {
        return IcError::bad_request("invalid_grant", "This code was used already").into_response();
    }
    grant.used = true;
    let who = grant.who.clone();
    let token = format!("oauth-{}", ids::hex(40));
    ic.oauth.tokens.insert(token.clone(), who);
    ic.oauth.exchanges.push(shape);
    Json(json!({"token_type": "Bearer", "access_token": token})).into_response()
}

/// The answer to a request carrying a token issued by OAuth, or `None` when the bearer is not
/// one: `GET /me` answers the teammate; anything else is refused.
pub(crate) fn answer_as_teammate(
    state: &Mutex<IntercomState>,
    method: &axum::http::Method,
    path: &str,
    bearer: Option<&str>,
) -> Option<Response> {
    let ic = lock(state);
    let who = ic.oauth.tokens.get(bearer?)?;
    if method != axum::http::Method::GET || path != "/me" {
        return Some(
            IcError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "This token may only read /me",
            )
            .into_response(),
        );
    }
    let mut value = who.admin.clone();
    let teams = ic
        .oauth
        .teams
        .get(value["id"].as_str().unwrap_or_default())
        .cloned()
        .unwrap_or_default();
    value["team_ids"] = json!(teams);
    value["email"] = json!(who.email);
    value["email_verified"] = json!(true);
    value["app"] = json!({
        "type": "app",
        "id_code": who.workspace_id,
        "name": if who.workspace_id == ic.workspace.id_code { ic.workspace.name.clone() } else { "Another company".to_owned() },
        "region": ic.workspace.region,
    });
    Some(Json(value).into_response())
}
