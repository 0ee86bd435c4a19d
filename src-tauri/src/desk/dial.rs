//! Calling back: the agent's "Call back" (card, history) and the dial box go through the hub's
//! `POST /api/v1/dial`, which puts the number in the agent's own Aircall phone. The same code
//! serves a remote hub, the standalone one in this process (it has the agent's Aircall
//! credentials) and the demo's; the answer comes back in words (`words.rs`).

use serde::Serialize;

use super::words::{self, fill};
use super::Desk;
use crate::error::Error;
use crate::remote::HubError;

/// What became of a dial, for the agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dialed {
    /// Aircall put the number in the agent's phone.
    pub placed: bool,
    /// What happened, in words.
    pub words: String,
}

impl Desk {
    /// Puts `to` in the agent's Aircall phone; `call_id` is the call it calls back, if any.
    pub async fn dial(&self, to: &str, call_id: Option<u64>) -> Dialed {
        let to = to.trim();
        if to.is_empty() {
            return refused(fill(words::DIAL_NOT_A_NUMBER, &[("number", to)]));
        }
        let client = match self.client() {
            Ok(client) => client,
            Err(Error::Offline(reason)) => {
                return refused(fill(words::DIAL_OFFLINE, &[("reason", &reason)]))
            }
            Err(e) => return refused(fill(words::DIAL_FAILED, &[("reason", &e.to_string())])),
        };
        match client.dial(to, call_id).await {
            Ok(answer) => {
                let number = answer["dialed"].as_str().unwrap_or(to);
                Dialed {
                    placed: true,
                    words: fill(words::DIAL_PLACED, &[("number", number)]),
                }
            }
            Err(e) => refused(refusal_words(to, e)),
        }
    }
}

fn refused(words: String) -> Dialed {
    Dialed {
        placed: false,
        words,
    }
}

/// The hub's refusal in words: its reason's code in the app's language, else (an older hub, or
/// a code this app does not know) its error code, else its message.
fn refusal_words(to: &str, e: HubError) -> String {
    match e {
        HubError::Refused {
            code,
            message,
            reason,
            ..
        } => {
            if let Some(words) = reason
                .as_ref()
                .and_then(|r| words::reason(Some(&r.code), &r.values))
            {
                return words;
            }
            match code.as_str() {
                "bad_number" => fill(words::DIAL_NOT_A_NUMBER, &[("number", to)]),
                "no_aircall_user" => fill(words::DIAL_NO_USER, &[]),
                "dial_refused" => fill(words::DIAL_REFUSED, &[("reason", &message)]),
                "no_aircall" => fill(words::DIAL_NO_AIRCALL, &[]),
                _ => fill(words::DIAL_FAILED, &[("reason", &message)]),
            }
        }
        HubError::Unreachable(reason) => fill(words::DIAL_OFFLINE, &[("reason", &reason)]),
        e => fill(words::DIAL_FAILED, &[("reason", &e.to_string())]),
    }
}
