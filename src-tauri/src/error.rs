//! The one error type the shell returns to the UI. It crosses IPC as `{code, message}`; the
//! codes are the few the UI acts on (`keyring_unavailable` and `not_configured` send the agent
//! to Settings, `invalid` marks the field, `hub`, `storage` and `sign_in` are shown as they are).

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use crate::i18n::text;

/// What went wrong, in words an agent can act on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No Secret Service answers (or it is locked). Secrets are never kept anywhere else.
    #[error("{}", text("error-keyring", &[("detail", .0.into())]))]
    KeyringUnavailable(String),
    /// A setting or secret the current mode needs is missing: its catalog key
    /// (`setting-hub-url`…), which names it in the agent's language.
    #[error("{}", text("error-not-configured", &[("what", text(.0, &[]).into())]))]
    NotConfigured(&'static str),
    /// The agent's input cannot be used.
    #[error("{0}")]
    Invalid(String),
    /// The hub refused the request (its own code and message).
    #[error("{}", text("error-hub", &[("detail", message.into())]))]
    Hub {
        /// The hub's error code.
        code: String,
        /// The hub's message.
        message: String,
    },
    /// The hub cannot be reached and the request cannot be queued (reads).
    #[error("{}", text("error-offline", &[("detail", .0.into())]))]
    Offline(String),
    /// The local database.
    #[error("{}", text("error-storage", &[("detail", .0.to_string().into())]))]
    Storage(#[from] rusqlite::Error),
    /// The window system.
    #[error("{}", text("error-window", &[("detail", .0.to_string().into())]))]
    Window(#[from] tauri::Error),
    /// A sign-in or an invitation did not give a token: why, in words (from
    /// `signin::SignInError`, which converts into it).
    #[error("{0}")]
    SignIn(String),
}

impl Error {
    /// The code the UI switches on.
    pub fn code(&self) -> &'static str {
        match self {
            Error::KeyringUnavailable(_) => "keyring_unavailable",
            Error::NotConfigured(_) => "not_configured",
            Error::Invalid(_) => "invalid",
            Error::Hub { .. } => "hub",
            Error::Offline(_) => "offline",
            Error::Storage(_) => "storage",
            Error::Window(_) => "window",
            Error::SignIn(_) => "sign_in",
        }
    }
}

impl Serialize for Error {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Error", 2)?;
        s.serialize_field("code", self.code())?;
        s.serialize_field("message", &self.to_string())?;
        s.end()
    }
}

/// The shell's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_crosses_as_code_and_message() {
        let e = Error::NotConfigured("setting-hub-url");
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"code": "not_configured", "message": "the hub URL is not set; open Settings"})
        );
    }
}
