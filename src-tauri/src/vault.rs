//! Secrets in the OS keyring, and only there: the agent token, the Aircall API token and the
//! Intercom token. When no Secret Service answers, the agent gets a clear error — there is no
//! file fallback.

use ringside_core::Secret;

use crate::error::{Error, Result};

/// The keyring service name every entry is filed under.
pub const SERVICE: &str = "ringside";

/// Which secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretName {
    /// The agent's token for a remote hub.
    AgentToken,
    /// Aircall's API token (standalone mode).
    AircallApiToken,
    /// Intercom's access token (standalone mode).
    IntercomToken,
}

impl SecretName {
    fn account(self) -> &'static str {
        match self {
            SecretName::AgentToken => "agent-token",
            SecretName::AircallApiToken => "aircall-api-token",
            SecretName::IntercomToken => "intercom-token",
        }
    }
}

/// Where secrets are kept. The app uses [`Keyring`]; tests use an in-memory one.
pub trait Vault: Send + Sync {
    /// The secret, if it was saved.
    fn get(&self, name: SecretName) -> Result<Option<Secret>>;
    /// Saves (or replaces) the secret; an empty one deletes it.
    fn set(&self, name: SecretName, value: &Secret) -> Result<()>;
}

/// The OS keyring (Secret Service on Linux).
#[derive(Debug, Default)]
pub struct Keyring;

fn entry(name: SecretName) -> Result<keyring::Entry> {
    keyring::Entry::new(SERVICE, name.account()).map_err(unavailable)
}

fn unavailable(e: keyring::Error) -> Error {
    Error::KeyringUnavailable(e.to_string())
}

impl Vault for Keyring {
    fn get(&self, name: SecretName) -> Result<Option<Secret>> {
        match entry(name)?.get_password() {
            Ok(value) => Ok(Some(Secret::new(value))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }

    fn set(&self, name: SecretName, value: &Secret) -> Result<()> {
        let entry = entry(name)?;
        if value.is_empty() {
            return match entry.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                Err(e) => Err(unavailable(e)),
            };
        }
        entry.set_password(value.expose()).map_err(unavailable)
    }
}

/// Secrets held in memory for the lifetime of the process: demo mode (whose credentials are the
/// sandbox's) and tests.
#[derive(Debug, Default)]
pub struct MemoryVault(std::sync::Mutex<std::collections::HashMap<&'static str, Secret>>);

impl Vault for MemoryVault {
    fn get(&self, name: SecretName) -> Result<Option<Secret>> {
        Ok(self
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(name.account())
            .cloned())
    }

    fn set(&self, name: SecretName, value: &Secret) -> Result<()> {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if value.is_empty() {
            map.remove(name.account());
        } else {
            map.insert(name.account(), value.clone());
        }
        Ok(())
    }
}
