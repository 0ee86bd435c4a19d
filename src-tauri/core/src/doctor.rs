//! Credential checks in words an admin or agent can act on, shared by `ringside-cli doctor` and
//! the desktop app's setup: each check calls the real API once or twice and says what works,
//! or what to change and where.

use serde::Serialize;

use crate::aircall::AircallClient;
use crate::error::ApiError;
use crate::intercom::IntercomClient;

/// One thing checked, and what was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// What was checked: `Intercom`, `Aircall`, `Hub`, …
    pub subject: String,
    /// Whether it works.
    pub ok: bool,
    /// What was found, or what to do, in a sentence.
    pub words: String,
}

impl Check {
    /// A check that passed.
    pub fn pass(subject: &str, words: impl Into<String>) -> Check {
        Check {
            subject: subject.to_owned(),
            ok: true,
            words: words.into(),
        }
    }

    /// A check that failed.
    pub fn fail(subject: &str, words: impl Into<String>) -> Check {
        Check {
            subject: subject.to_owned(),
            ok: false,
            words: words.into(),
        }
    }
}

impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mark = if self.ok { '✓' } else { '✗' };
        write!(f, "{mark} {}: {}", self.subject, self.words)
    }
}

/// The Intercom token: which workspace and admin it belongs to; with `agent_email`, whether
/// an admin of that workspace has it (notes and tags are then written as that admin).
/// `token_hint` names where the token is set (an environment variable, a settings field).
pub async fn intercom(
    client: &IntercomClient,
    token_hint: &str,
    agent_email: Option<&str>,
) -> Vec<Check> {
    let host = client.base_url().to_string();
    let me = match client.me().await {
        Ok(me) => me,
        Err(e) => return vec![Check::fail("Intercom", explain(&e, token_hint, &host))],
    };
    let mut checks = vec![Check::pass(
        "Intercom",
        format!(
            "connected to workspace {} ({}) as {}{} via {host}",
            me.workspace_name.as_deref().unwrap_or("?"),
            me.workspace_id,
            me.admin.name,
            me.admin
                .email
                .as_deref()
                .map(|e| format!(" <{e}>"))
                .unwrap_or_default(),
        ),
    )];
    if let Some(email) = agent_email.map(str::trim).filter(|e| !e.is_empty()) {
        checks.push(match client.admins().await {
            Ok(admins) => match admins.iter().find(|a| {
                a.email
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(email))
            }) {
                Some(admin) => Check::pass(
                    "Your Intercom teammate",
                    format!("notes and tags you add are written as {}", admin.name),
                ),
                None => Check::fail(
                    "Your Intercom teammate",
                    format!(
                        "no teammate of this workspace has the email {email}; notes and tags you add will be written as {}",
                        me.admin.name
                    ),
                ),
            },
            Err(e) => Check::fail(
                "Your Intercom teammate",
                format!("cannot list the teammates: {}", explain(&e, token_hint, &host)),
            ),
        });
    }
    checks
}

/// The Aircall API key: whether it works, and how many numbers and users it sees.
pub async fn aircall(client: &AircallClient, token_hint: &str) -> Check {
    let host = client.base_url().to_string();
    if let Err(e) = client.ping().await {
        return Check::fail("Aircall", explain(&e, token_hint, &host));
    }
    match (client.numbers().await, client.users().await) {
        (Ok(numbers), Ok(users)) => Check::pass(
            "Aircall",
            format!(
                "API key works ({} numbers, {} users) via {host}",
                numbers.len(),
                users.len()
            ),
        ),
        (Err(e), _) | (_, Err(e)) => Check::fail(
            "Aircall",
            format!("the API key works but listing failed: {e}"),
        ),
    }
}

/// An API error as advice: what probably went wrong and what to check.
pub fn explain(e: &ApiError, token_hint: &str, host: &str) -> String {
    match e {
        ApiError::Unauthorized { .. } => format!(
            "the credentials were refused. Check {token_hint}: it may be mistyped, revoked or for another account."
        ),
        ApiError::Forbidden { .. } => {
            "the credentials work but lack permission for this (plan or scopes).".to_owned()
        }
        ApiError::Timeout { .. } => {
            format!("{host} did not answer in time. Check the network or proxy.")
        }
        ApiError::Network { reason, .. } => format!(
            "cannot reach {host} ({reason}). Check the network, proxy or base URL."
        ),
        ApiError::RateLimited { .. } => {
            "the rate limit is reached right now; try again in a minute.".to_owned()
        }
        ApiError::NotFound { .. } => format!("{host} has no such endpoint. Is the base URL right?"),
        other => other.to_string(),
    }
}
