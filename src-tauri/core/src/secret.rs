//! [`Secret`]: a credential that cannot be printed by accident.
//!
//! Tokens enter the engine at its edge (environment, keyring, a webhook registration) and travel
//! as this type. `Debug` and `Display` show a placeholder; the only way to the text is
//! [`Secret::expose`], called where a request header is built.

use std::fmt;

/// An API token, password or webhook token.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The credential itself, for building a request. Never log the result.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the credential is empty (not configured).
    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_value() {
        let s = Secret::new("tok_live_123");
        assert!(!format!("{s:?}").contains("tok_live"));
        assert!(!format!("{s}").contains("tok_live"));
        assert_eq!(s.expose(), "tok_live_123");
    }
}
