//! Why the hub did not log a call or message, or could not dial a number: one [`Reason`] per
//! cause, with a stable code (`missed_calls_off`), the values its words use (`{"count": 3}`)
//! and the words themselves in English. The hub sends all three (`reason_code`,
//! `reason_values`, `reason`): scripts read the words, the desktop app says the code in the
//! agent's language from its own catalogs and falls back to the words for a code it does not
//! know (a newer hub's).
//!
//! A subject keeps its reason as words (the console searches and shows them); [`Reason::read`]
//! reads those words back into the reason that wrote them, so that a reason stored by this hub
//! or an older one travels with its code. A test holds every reason's words and reading
//! together.

use serde_json::{json, Map, Value};

use super::subject::Status;

/// Why something the agent expects did not happen, with the values its words use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// Logging answered inbound calls is turned off.
    AnsweredCallsOff,
    /// Logging missed inbound calls is turned off.
    MissedCallsOff,
    /// Logging outbound calls is turned off.
    OutboundCallsOff,
    /// Logging SMS and WhatsApp messages is turned off.
    MessagesOff,
    /// Several Intercom contacts have the number: an agent picks one.
    SharedNumber {
        /// How many.
        count: usize,
    },
    /// No Intercom contact has the number, and creating contacts is turned off.
    NoContact,
    /// The caller hid their number, and creating contacts (the shared anonymous one) is off.
    AnonymousNoContact,
    /// The number could not be read as a phone number.
    UnreadableNumber {
        /// Why, in the numbering plan's words.
        detail: String,
    },
    /// Intercom refused the conversation (or an admin gave its logging up), in its words.
    IntercomRefused {
        /// Intercom's words.
        reason: String,
    },
    /// A call back to a caller who hid their number.
    DialAnonymous,
    /// A number to dial that cannot be read.
    DialBadNumber {
        /// The number as typed.
        number: String,
        /// Why, in the numbering plan's words.
        detail: String,
    },
    /// No Aircall user has the agent's email.
    NoAircallUser {
        /// The agent's email.
        email: String,
    },
    /// The agent's Aircall user no longer exists.
    AircallUserGone,
    /// Aircall refused to put the number in the agent's phone.
    DialRefused {
        /// The number, in E.164.
        number: String,
        /// Aircall's words.
        reason: String,
    },
    /// The hub has no Aircall credentials.
    NoAircall,
}

/// Every reason's code, for the catalogs' test and the documentation.
pub const CODES: [&str; 15] = [
    "answered_calls_off",
    "missed_calls_off",
    "outbound_calls_off",
    "messages_off",
    "shared_number",
    "no_contact",
    "anonymous_no_contact",
    "unreadable_number",
    "intercom_refused",
    "dial_anonymous",
    "dial_bad_number",
    "no_aircall_user",
    "aircall_user_gone",
    "dial_refused",
    "no_aircall",
];

const ANSWERED_OFF: &str = "logging answered calls is turned off";
const MISSED_OFF: &str = "logging missed calls is turned off";
const OUTBOUND_OFF: &str = "logging outbound calls is turned off";
const MESSAGES_OFF: &str = "logging messages is turned off";
const SHARED: &str = " contacts share this number";
const NO_CONTACT: &str = "no Intercom contact has this number and creating contacts is turned off";
const ANONYMOUS: &str = "the caller is anonymous and creating contacts is turned off";
const UNREADABLE: &str = "the number could not be read (";

impl Reason {
    /// The stable code: snake_case, never changed once shipped.
    pub fn code(&self) -> &'static str {
        match self {
            Reason::AnsweredCallsOff => "answered_calls_off",
            Reason::MissedCallsOff => "missed_calls_off",
            Reason::OutboundCallsOff => "outbound_calls_off",
            Reason::MessagesOff => "messages_off",
            Reason::SharedNumber { .. } => "shared_number",
            Reason::NoContact => "no_contact",
            Reason::AnonymousNoContact => "anonymous_no_contact",
            Reason::UnreadableNumber { .. } => "unreadable_number",
            Reason::IntercomRefused { .. } => "intercom_refused",
            Reason::DialAnonymous => "dial_anonymous",
            Reason::DialBadNumber { .. } => "dial_bad_number",
            Reason::NoAircallUser { .. } => "no_aircall_user",
            Reason::AircallUserGone => "aircall_user_gone",
            Reason::DialRefused { .. } => "dial_refused",
            Reason::NoAircall => "no_aircall",
        }
    }

    /// The values the words use, by name (a count is a number, the rest text).
    pub fn values(&self) -> Map<String, Value> {
        let pairs: Vec<(&str, Value)> = match self {
            Reason::SharedNumber { count } => vec![("count", json!(count))],
            Reason::UnreadableNumber { detail } => vec![("detail", json!(detail))],
            Reason::IntercomRefused { reason } => vec![("reason", json!(reason))],
            Reason::DialBadNumber { number, detail } => {
                vec![("number", json!(number)), ("detail", json!(detail))]
            }
            Reason::NoAircallUser { email } => vec![("email", json!(email))],
            Reason::DialRefused { number, reason } => {
                vec![("number", json!(number)), ("reason", json!(reason))]
            }
            _ => Vec::new(),
        };
        pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
    }

    /// The reason in English, as the hub has always said it.
    pub fn words(&self) -> String {
        match self {
            Reason::AnsweredCallsOff => ANSWERED_OFF.to_owned(),
            Reason::MissedCallsOff => MISSED_OFF.to_owned(),
            Reason::OutboundCallsOff => OUTBOUND_OFF.to_owned(),
            Reason::MessagesOff => MESSAGES_OFF.to_owned(),
            Reason::SharedNumber { count } => format!("{count}{SHARED}"),
            Reason::NoContact => NO_CONTACT.to_owned(),
            Reason::AnonymousNoContact => ANONYMOUS.to_owned(),
            Reason::UnreadableNumber { detail } => format!("{UNREADABLE}{detail})"),
            Reason::IntercomRefused { reason } => reason.clone(),
            Reason::DialAnonymous => {
                "the caller hid their number, so it cannot be called back".to_owned()
            }
            Reason::DialBadNumber { number, detail } => {
                format!("“{number}” is not a phone number Ringside can call: {detail}")
            }
            Reason::NoAircallUser { email } => format!(
                "no Aircall user has the email {email}: ask your admin to add you to Aircall with it"
            ),
            Reason::AircallUserGone => {
                "your Aircall user no longer exists: ask your admin".to_owned()
            }
            Reason::DialRefused { number, reason } => {
                format!("Aircall did not put {number} in your phone: {reason}")
            }
            Reason::NoAircall => "this hub has no Aircall credentials, so it cannot dial".to_owned(),
        }
    }

    /// The reason a subject with this status keeps as `words`: a failed one's words are
    /// Intercom's; a skipped or unlogged one's are read back into the reason that wrote them.
    /// `None` for words no reason of this hub writes.
    pub fn read(status: Status, words: &str) -> Option<Reason> {
        if status == Status::Failed {
            return Some(Reason::IntercomRefused {
                reason: words.to_owned(),
            });
        }
        let words = words.trim();
        let fixed = [
            Reason::AnsweredCallsOff,
            Reason::MissedCallsOff,
            Reason::OutboundCallsOff,
            Reason::MessagesOff,
            Reason::NoContact,
            Reason::AnonymousNoContact,
        ];
        if let Some(reason) = fixed.into_iter().find(|r| r.words() == words) {
            return Some(reason);
        }
        if let Some(count) = words
            .strip_suffix(SHARED)
            .and_then(|n| n.parse::<usize>().ok())
        {
            return Some(Reason::SharedNumber { count });
        }
        words
            .strip_prefix(UNREADABLE)
            .and_then(|rest| rest.strip_suffix(')'))
            .map(|detail| Reason::UnreadableNumber {
                detail: detail.to_owned(),
            })
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.words())
    }
}

/// The code and values of the reason a subject keeps, for the wire: `(None, {})` when there is
/// no reason or its words are not one of this hub's.
pub fn code_and_values(
    status: Status,
    words: Option<&str>,
) -> (Option<String>, Map<String, Value>) {
    match words.and_then(|w| Reason::read(status, w)) {
        Some(r) => (Some(r.code().to_owned()), r.values()),
        None => (None, Map::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every() -> Vec<Reason> {
        vec![
            Reason::AnsweredCallsOff,
            Reason::MissedCallsOff,
            Reason::OutboundCallsOff,
            Reason::MessagesOff,
            Reason::SharedNumber { count: 3 },
            Reason::NoContact,
            Reason::AnonymousNoContact,
            Reason::UnreadableNumber {
                detail: "too short (2 digits)".into(),
            },
            Reason::IntercomRefused {
                reason: "Intercom refused it: Contact is archived".into(),
            },
            Reason::DialAnonymous,
            Reason::DialBadNumber {
                number: "12".into(),
                detail: "too short".into(),
            },
            Reason::NoAircallUser {
                email: "bob@acme.io".into(),
            },
            Reason::AircallUserGone,
            Reason::DialRefused {
                number: "+33612345678".into(),
                reason: "User is offline".into(),
            },
            Reason::NoAircall,
        ]
    }

    #[test]
    fn every_reason_has_its_own_code_and_the_list_names_them_all() {
        let codes: Vec<&str> = every().iter().map(Reason::code).collect();
        assert_eq!(codes, CODES);
    }

    #[test]
    fn a_subjects_reason_reads_back_from_its_words() {
        for reason in every().into_iter().take(8) {
            let status = match reason {
                Reason::AnsweredCallsOff
                | Reason::MissedCallsOff
                | Reason::OutboundCallsOff
                | Reason::MessagesOff => Status::Off,
                _ => Status::Skipped,
            };
            assert_eq!(Reason::read(status, &reason.words()), Some(reason.clone()));
        }
        let refused = "Intercom refused it: Contact is archived";
        assert_eq!(
            Reason::read(Status::Failed, refused).unwrap().values()["reason"],
            refused
        );
        assert_eq!(Reason::read(Status::Skipped, "something else"), None);
    }

    #[test]
    fn values_carry_what_the_words_say() {
        let shared = Reason::SharedNumber { count: 3 };
        assert_eq!(shared.words(), "3 contacts share this number");
        assert_eq!(Value::Object(shared.values()), json!({"count": 3}));
        let (code, values) = code_and_values(Status::Off, Some(MISSED_OFF));
        assert_eq!(code.as_deref(), Some("missed_calls_off"));
        assert!(values.is_empty());
        assert_eq!(code_and_values(Status::Logged, None), (None, Map::new()));
    }
}
