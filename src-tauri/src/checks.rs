//! The setup's checks, in words: whether the saved settings and keyring secrets let the app
//! work in the chosen mode. Connected mode asks the hub (is it up, is the agent token
//! accepted); standalone mode asks Intercom and Aircall themselves, with the same checks as
//! `ringside-cli doctor` ([`ringside_core::doctor`]).

use ringside_core::doctor::{self, Check};

use crate::error::Error;
use crate::remote::{HubClient, HubError};
use crate::settings::{ModeKind, Settings};
use crate::vault::{SecretName, Vault};

/// Every check of the mode the settings choose, in order; a missing setting is a failed check
/// that says what to fill in.
pub async fn run(settings: &Settings, vault: &dyn Vault) -> Vec<Check> {
    let mut checks = match settings.mode {
        ModeKind::Connected => hub(settings, vault).await,
        ModeKind::Standalone => standalone(settings, vault).await,
    };
    checks.push(
        match ringside_core::phone::Region::parse(&settings.default_region) {
            Ok(region) => Check::pass(
                "Default region",
                format!("national numbers are read as {region} numbers"),
            ),
            Err(e) => Check::fail("Default region", e.to_string()),
        },
    );
    checks
}

async fn hub(settings: &Settings, vault: &dyn Vault) -> Vec<Check> {
    const SUBJECT: &str = "Hub";
    let url = settings.hub_url.trim();
    if url.is_empty() {
        return vec![Check::fail(
            SUBJECT,
            "no address yet: enter the hub URL your admin gave you.",
        )];
    }
    if let Err(e) = crate::remote::hub_url(url) {
        return vec![Check::fail(SUBJECT, e.to_string())];
    }
    let token = match vault.get(SecretName::AgentToken) {
        Ok(Some(token)) => token,
        Ok(None) => {
            return vec![Check::fail(
            "Agent token",
            "none saved: paste the token your admin created for you (`ringside-cli agents add`).",
        )]
        }
        Err(e) => return vec![Check::fail("Keyring", e.to_string())],
    };
    let client = match HubClient::new(url, token) {
        Ok(client) => client,
        Err(e) => return vec![Check::fail(SUBJECT, e.to_string())],
    };
    let mut checks = Vec::new();
    match client.get("/healthz").await {
        Ok(health) => checks.push(Check::pass(
            SUBJECT,
            format!(
                "{url} is up ({} events being logged)",
                health["outbox_depth"].as_u64().unwrap_or(0)
            ),
        )),
        Err(e) => {
            checks.push(Check::fail(
                SUBJECT,
                format!("cannot reach {url} ({e}). Check the address, and that the hub runs."),
            ));
            return checks;
        }
    }
    checks.push(match client.get("/api/v1/calls?limit=1").await {
        Ok(_) => Check::pass("Agent token", "the hub accepts it"),
        Err(HubError::Unauthorized { .. }) => Check::fail(
            "Agent token",
            "the hub refused it: it may be mistyped or revoked; ask your admin for a new one.",
        ),
        Err(e) => Check::fail("Agent token", Error::from(e).to_string()),
    });
    checks
}

async fn standalone(settings: &Settings, vault: &dyn Vault) -> Vec<Check> {
    let mut checks = Vec::new();
    let email = settings.agent_email.trim();
    if email.is_empty() {
        checks.push(Check::fail(
            "Your email",
            "not set: enter the email of your Intercom and Aircall accounts.",
        ));
    }
    match crate::modes::standalone_clients(settings, vault) {
        Ok((intercom, aircall)) => {
            checks.extend(
                doctor::intercom(
                    &intercom,
                    "the Intercom token in Settings",
                    Some(email).filter(|e| !e.is_empty()),
                )
                .await,
            );
            checks
                .push(doctor::aircall(&aircall, "the Aircall API id and token in Settings").await);
        }
        Err(e) => checks.push(Check::fail("Credentials", e.to_string())),
    }
    checks
}
