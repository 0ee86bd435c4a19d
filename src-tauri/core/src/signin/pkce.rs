//! RFC 7636's proof key (PKCE) with the S256 method: the app keeps a random verifier and sends
//! its challenge, `base64url(SHA-256(verifier))` without padding; only the holder of the
//! verifier can redeem a code bound to the challenge.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// A challenge is 32 bytes of SHA-256 in base64url without padding: 43 characters.
const CHALLENGE_LEN: usize = 43;

/// Whether `text` can be an S256 challenge (43 base64url characters).
pub fn is_challenge(text: &str) -> bool {
    text.len() == CHALLENGE_LEN && URL_SAFE_NO_PAD.decode(text).is_ok_and(|b| b.len() == 32)
}

/// Whether `text` can be a verifier: 43 to 128 of RFC 7636's unreserved characters.
pub fn is_verifier(text: &str) -> bool {
    (43..=128).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// The S256 challenge of a verifier.
pub fn challenge_of(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Whether `verifier` is a verifier whose S256 challenge is `challenge`.
pub fn verifies(verifier: &str, challenge: &str) -> bool {
    is_verifier(verifier) && challenge_of(verifier) == challenge
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7636, appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn the_rfc_example_verifies() {
        assert_eq!(challenge_of(VERIFIER), CHALLENGE);
        assert!(is_challenge(CHALLENGE));
        assert!(verifies(VERIFIER, CHALLENGE));
    }

    #[test]
    fn another_verifier_or_a_malformed_one_does_not() {
        let other = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK";
        assert!(!verifies(other, CHALLENGE));
        // The challenge itself, sent as the verifier ("plain"), is refused.
        assert!(!verifies(CHALLENGE, CHALLENGE));
        assert!(!verifies("short", &challenge_of("short")));
        let spaced = format!("{VERIFIER} ");
        assert!(!verifies(&spaced, &challenge_of(&spaced)));
        assert!(!is_challenge("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c"));
        assert!(!is_challenge("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM"));
    }
}
