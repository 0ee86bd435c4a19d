//! The setup's checks, in words: whether the saved settings and keyring secrets let the app
//! work in the chosen mode. Connected mode asks the hub (is it up, is the agent token
//! accepted); standalone mode asks Intercom and Aircall themselves, with the same checks as
//! `ringside-cli doctor` ([`ringside_core::doctor`]).

use ringside_core::doctor::{self, Check};

use crate::error::Error;
use crate::i18n::text;
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
                &text("check-region", &[]),
                text("check-region-ok", &[("region", region.to_string().into())]),
            ),
            Err(e) => Check::fail(&text("check-region", &[]), e.to_string()),
        },
    );
    checks
}

async fn hub(settings: &Settings, vault: &dyn Vault) -> Vec<Check> {
    let subject = text("check-hub", &[]);
    let token_subject = text("check-agent-token", &[]);
    let url = settings.hub_url.trim();
    if url.is_empty() {
        return vec![Check::fail(&subject, text("check-hub-none", &[]))];
    }
    if let Err(e) = crate::remote::hub_url(url) {
        return vec![Check::fail(&subject, e.to_string())];
    }
    let token = match vault.get(SecretName::AgentToken) {
        Ok(Some(token)) => token,
        Ok(None) => return vec![Check::fail(&token_subject, text("check-token-none", &[]))],
        Err(e) => return vec![Check::fail(&text("check-keyring", &[]), e.to_string())],
    };
    let client = match HubClient::new(url, token) {
        Ok(client) => client,
        Err(e) => return vec![Check::fail(&subject, e.to_string())],
    };
    let mut checks = Vec::new();
    match client.get("/healthz").await {
        Ok(health) => checks.push(Check::pass(
            &subject,
            text(
                "check-hub-up",
                &[
                    ("url", url.into()),
                    ("count", health["outbox_depth"].as_u64().unwrap_or(0).into()),
                ],
            ),
        )),
        Err(e) => {
            checks.push(Check::fail(
                &subject,
                text(
                    "check-hub-down",
                    &[("url", url.into()), ("error", e.to_string().into())],
                ),
            ));
            return checks;
        }
    }
    checks.push(match client.get("/api/v1/calls?limit=1").await {
        Ok(_) => Check::pass(&token_subject, text("check-token-ok", &[])),
        Err(HubError::Unauthorized { .. }) => {
            Check::fail(&token_subject, text("check-token-refused", &[]))
        }
        Err(e) => Check::fail(&token_subject, Error::from(e).to_string()),
    });
    checks
}

async fn standalone(settings: &Settings, vault: &dyn Vault) -> Vec<Check> {
    let mut checks = Vec::new();
    let email = settings.agent_email.trim();
    if email.is_empty() {
        checks.push(Check::fail(
            &text("check-email", &[]),
            text("check-email-none", &[]),
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
        Err(e) => checks.push(Check::fail(&text("check-credentials", &[]), e.to_string())),
    }
    checks
}
