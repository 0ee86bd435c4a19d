//! RFC 7636's proof key (PKCE, method `S256`) and the app's state value: random secrets made
//! here, of which only the challenge (a hash) and the state travel in the sign-in address.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ringside_core::Secret;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The verifier and its challenge for one sign-in.
#[derive(Debug, Clone)]
pub struct Pkce {
    /// The verifier, sent only to the hub's token endpoint.
    pub verifier: Secret,
    /// `base64url(SHA-256(verifier))`, sent in the sign-in address.
    pub challenge: String,
}

impl Pkce {
    /// A fresh verifier (32 random bytes, 43 characters) and its challenge.
    pub fn generate() -> Result<Pkce> {
        Ok(Pkce::from_verifier(&random_token()?))
    }

    /// The challenge of a given verifier.
    pub fn from_verifier(verifier: &str) -> Pkce {
        Pkce {
            verifier: Secret::new(verifier),
            challenge: challenge(verifier),
        }
    }
}

/// `base64url(SHA-256(verifier))` without padding (RFC 7636 §4.2).
pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// 32 random bytes, base64url: a verifier or the app's state value.
pub fn random_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::Invalid(format!("no randomness from the system: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rfc_7636_appendix_b_example_gives_its_challenge() {
        let pkce = Pkce::from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(
            pkce.challenge,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn a_fresh_verifier_is_43_url_safe_characters_and_never_the_same() {
        let a = Pkce::generate().unwrap();
        let b = Pkce::generate().unwrap();
        assert_eq!(a.verifier.expose().len(), 43);
        assert!(a
            .verifier
            .expose()
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_ne!(a.verifier.expose(), b.verifier.expose());
        assert_eq!(a.challenge, challenge(a.verifier.expose()));
        assert_ne!(a.challenge, a.verifier.expose());
    }
}
