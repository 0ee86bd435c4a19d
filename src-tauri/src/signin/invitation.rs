//! Invitation links, `ringside://join?hub=<hub's address>&code=<code>`: read once at the edge
//! (a deep link the desktop hands the app, or a link the agent pastes) into the hub and the
//! code, or refused with the reason. The hub must be an address the app would send a token to
//! (`https://`, or plain `http://` on this machine) without a user name or password in it, so
//! that a link cannot dress one host up as another.

use serde::Serialize;
use url::Url;

use super::SignInError;

/// The scheme the app registers with the desktop.
pub const SCHEME: &str = "ringside";
/// The longest link read.
const MAX_LINK: usize = 2048;
/// The longest code read.
const MAX_CODE: usize = 256;

/// An invitation: where to join, and the single-use code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Invitation {
    /// The hub's address.
    pub hub: Url,
    /// The code the hub exchanges once for the agent's token.
    #[serde(skip)]
    pub code: String,
}

impl Invitation {
    /// Reads a link, refusing what is not an invitation, with the reason.
    pub fn parse(link: &str) -> Result<Invitation, SignInError> {
        let link = link.trim();
        let refuse = |key: &'static str| Err(SignInError::Link(key));
        if link.len() > MAX_LINK {
            return refuse("signin-link-too-long");
        }
        let Ok(url) = Url::parse(link) else {
            return refuse("signin-link-not-invitation");
        };
        if url.scheme() != SCHEME
            || url.host_str() != Some("join")
            || !matches!(url.path(), "" | "/")
            || !url.username().is_empty()
            || url.password().is_some()
            || url.port().is_some()
        {
            return refuse("signin-link-not-invitation");
        }
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let one = |name: &str| {
            let mut values = pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v);
            match (values.next(), values.next()) {
                (Some(v), None) => Some(v.trim().to_owned()),
                _ => None,
            }
        };
        let Some(hub) = one("hub").and_then(|h| Url::parse(&h).ok()) else {
            return refuse("signin-link-hub");
        };
        if !matches!(hub.scheme(), "http" | "https")
            || hub.host().is_none()
            || !hub.username().is_empty()
            || hub.password().is_some()
            || hub.query().is_some()
            || hub.fragment().is_some()
            || ringside_core::private_address(&hub).is_err()
        {
            return refuse("signin-link-hub");
        }
        let Some(code) = one("code") else {
            return refuse("signin-link-code");
        };
        if code.is_empty()
            || code.len() > MAX_CODE
            || !code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~'))
        {
            return refuse("signin-link-code");
        }
        Ok(Invitation { hub, code })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(link: &str) -> &'static str {
        match Invitation::parse(link) {
            Err(SignInError::Link(key)) => key,
            other => panic!("{link:?} gave {other:?}"),
        }
    }

    #[test]
    fn an_invitation_gives_its_hub_and_code() {
        let i = Invitation::parse(
            "  ringside://join?hub=https%3A%2F%2Fhub.acme.io%2Fringside&code=inv_7Hq-2x.Z~  \n",
        )
        .unwrap();
        assert_eq!(i.hub.as_str(), "https://hub.acme.io/ringside");
        assert_eq!(i.code, "inv_7Hq-2x.Z~");
        // Unencoded, and on this machine in plain http.
        let i = Invitation::parse("ringside://join/?code=abc&hub=http://127.0.0.1:8787").unwrap();
        assert_eq!(i.hub.as_str(), "http://127.0.0.1:8787/");
        assert_eq!(i.code, "abc");
        // The code is not shown to the window with the hub.
        assert_eq!(
            serde_json::to_value(&i).unwrap(),
            serde_json::json!({"hub": "http://127.0.0.1:8787/"})
        );
    }

    #[test]
    fn hostile_links_are_refused_with_the_reason() {
        let cases: &[(&str, &str)] = &[
            ("", "signin-link-not-invitation"),
            ("hub.acme.io", "signin-link-not-invitation"),
            (
                "https://hub.acme.io/join?code=a",
                "signin-link-not-invitation",
            ),
            (
                "javascript:alert(1)//ringside://join?hub=https://a.b&code=c",
                "signin-link-not-invitation",
            ),
            (
                "ringside://settings?hub=https://a.b&code=c",
                "signin-link-not-invitation",
            ),
            (
                "ringside://join/../settings?hub=https://a.b&code=c",
                "signin-link-not-invitation",
            ),
            (
                "ringside://someone@join?hub=https://a.b&code=c",
                "signin-link-not-invitation",
            ),
            (
                "ringside://join:99?hub=https://a.b&code=c",
                "signin-link-not-invitation",
            ),
            ("ringside://join?code=c", "signin-link-hub"),
            ("ringside://join?hub=&code=c", "signin-link-hub"),
            (
                "ringside://join?hub=file:///etc/passwd&code=c",
                "signin-link-hub",
            ),
            (
                "ringside://join?hub=javascript:alert(1)&code=c",
                "signin-link-hub",
            ),
            // A token sent in clear over the network.
            (
                "ringside://join?hub=http://hub.acme.io&code=c",
                "signin-link-hub",
            ),
            // One host dressed up as another.
            (
                "ringside://join?hub=https://hub.acme.io%40evil.example&code=c",
                "signin-link-hub",
            ),
            (
                "ringside://join?hub=https://a.b&hub=https://evil.example&code=c",
                "signin-link-hub",
            ),
            (
                "ringside://join?hub=https://a.b%3Fx%3D1&code=c",
                "signin-link-hub",
            ),
            ("ringside://join?hub=https://a.b", "signin-link-code"),
            ("ringside://join?hub=https://a.b&code=", "signin-link-code"),
            (
                "ringside://join?hub=https://a.b&code=a&code=b",
                "signin-link-code",
            ),
            (
                "ringside://join?hub=https://a.b&code=%3Cscript%3E",
                "signin-link-code",
            ),
            (
                "ringside://join?hub=https://a.b&code=a%0Ab",
                "signin-link-code",
            ),
            (
                "ringside://join?hub=https://a.b&code=a%00b",
                "signin-link-code",
            ),
            (
                "ringside://join?hub=https://a.b&code=caf%C3%A9",
                "signin-link-code",
            ),
        ];
        for (link, expected) in cases {
            assert_eq!(reason(link), *expected, "{link}");
        }
        let long_code = format!("ringside://join?hub=https://a.b&code={}", "a".repeat(300));
        assert_eq!(reason(&long_code), "signin-link-code");
        let huge = format!(
            "ringside://join?hub=https://a.b&code=c&pad={}",
            "x".repeat(3000)
        );
        assert_eq!(reason(&huge), "signin-link-too-long");
    }
}
