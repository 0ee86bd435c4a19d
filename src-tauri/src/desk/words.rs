//! Every sentence the desk writes for the agent about the history and calling back: each
//! constant names its message in the catalogs (`src-tauri/locales/*/desktop.ftl`, `words-…`),
//! whole sentences with `{ $placeholders }` filled by [`fill`], never built from fragments.
//! The hub's reasons (why a call is not logged, why a dial failed) come as a code with its
//! values and are said from the catalogs' `reason-<code>` messages ([`reason`]); a code this
//! app does not know (a newer hub's) is said in the hub's own words.

use crate::i18n::{text, Arg};

/// A line's channel and direction ("Missed call", "Inbound SMS").
pub const INBOUND_CALL: &str = "words-inbound-call";
pub const OUTBOUND_CALL: &str = "words-outbound-call";
pub const MISSED_CALL: &str = "words-missed-call";
pub const INBOUND_SMS: &str = "words-inbound-sms";
pub const OUTBOUND_SMS: &str = "words-outbound-sms";
pub const INBOUND_WHATSAPP: &str = "words-inbound-whatsapp";
pub const OUTBOUND_WHATSAPP: &str = "words-outbound-whatsapp";
/// Who, when the caller hid their number.
pub const ANONYMOUS_CALLER: &str = "words-anonymous-caller";

/// Where a call or message stands in Intercom.
pub const LOGGED: &str = "words-logged";
pub const IN_PROGRESS: &str = "words-in-progress";
pub const WAITING_FOR_INTERCOM: &str = "words-waiting-for-intercom";
pub const NOT_LOGGED_SHARED: &str = "words-not-logged-shared";
pub const NOT_LOGGED_MISSED_OFF: &str = "words-not-logged-missed-off";
pub const NOT_LOGGED_ANSWERED_OFF: &str = "words-not-logged-answered-off";
pub const NOT_LOGGED_OUTBOUND_OFF: &str = "words-not-logged-outbound-off";
pub const NOT_LOGGED_MESSAGES_OFF: &str = "words-not-logged-messages-off";
pub const NOT_LOGGED_BECAUSE: &str = "words-not-logged-because";
pub const NOT_LOGGED_REFUSED: &str = "words-not-logged-refused";

/// A note or a tag change Intercom refused on a call that is logged.
pub const REFUSED_NOTE: &str = "words-refused-note";
pub const REFUSED_ADD_TAG: &str = "words-refused-add-tag";
pub const REFUSED_REMOVE_TAG: &str = "words-refused-remove-tag";

/// The title of an inbound message's card.
pub const NEW_SMS: &str = "words-new-sms";
pub const NEW_WHATSAPP: &str = "words-new-whatsapp";

/// What became of a "Call back" or a number typed in the dial box.
pub const DIAL_PLACED: &str = "words-dial-placed";
pub const DIAL_NOT_A_NUMBER: &str = "words-dial-not-a-number";
pub const DIAL_NO_USER: &str = "words-dial-no-user";
pub const DIAL_REFUSED: &str = "words-dial-refused";
pub const DIAL_NO_AIRCALL: &str = "words-dial-no-aircall";
pub const DIAL_OFFLINE: &str = "words-dial-offline";
pub const DIAL_FAILED: &str = "words-dial-failed";

/// The hub's reason codes this app says in its language: each has a `reason-<code>` message
/// (underscores as hyphens) in both catalogs, with the values the hub sends as placeholders.
pub const REASONS: [&str; 15] = [
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

/// The catalog's message for a reason code.
pub fn reason_key(code: &str) -> String {
    format!("reason-{}", code.replace('_', "-"))
}

/// The hub's reason in the app's language: its code's message filled with its values, or
/// `None` for a code this app does not know (say the hub's words then).
pub fn reason(
    code: Option<&str>,
    values: &serde_json::Map<String, serde_json::Value>,
) -> Option<String> {
    let code = code.filter(|c| REASONS.contains(c))?;
    let args: Vec<(&str, Arg<'_>)> = values
        .iter()
        .map(|(name, value)| {
            let arg = match value {
                serde_json::Value::Number(n) => match n.as_u64() {
                    Some(n) => Arg::from(n),
                    None => Arg::from(n.to_string()),
                },
                serde_json::Value::String(s) => Arg::from(s.as_str()),
                other => Arg::from(other.to_string()),
            };
            (name.as_str(), arg)
        })
        .collect();
    Some(text(&reason_key(code), &args))
}

/// The message `key` in the app's language, its placeholders (`{ $name }`) given by name.
pub fn fill(key: &str, values: &[(&str, &str)]) -> String {
    let args: Vec<(&str, Arg<'_>)> = values
        .iter()
        .map(|(name, value)| {
            // A count is a number, so that the catalog can choose its plural; everything else
            // (a phone number above all) stays text as it is.
            let arg = match value.parse::<u64>() {
                Ok(n) if *name == "count" => Arg::from(n),
                _ => Arg::from(*value),
            };
            (*name, arg)
        })
        .collect();
    text(key, &args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_by_name() {
        assert_eq!(
            crate::i18n::text_in(
                crate::i18n::Lang::En,
                NOT_LOGGED_SHARED,
                &[("count", 3u64.into())]
            ),
            "Not logged: 3 contacts share this number — choose one"
        );
        assert_eq!(
            crate::i18n::text_in(
                crate::i18n::Lang::Fr,
                NOT_LOGGED_SHARED,
                &[("count", 3u64.into())]
            ),
            "Non journalisé : 3 contacts partagent ce numéro — choisissez-en un"
        );
    }

    #[test]
    fn every_reason_the_hub_codes_is_said_in_both_languages_with_its_values() {
        assert_eq!(REASONS, ringside_core::domain::reason::CODES);
        for lang in crate::i18n::Lang::ALL {
            for code in REASONS {
                let key = reason_key(code);
                let said = crate::i18n::text_in(lang, &key, &[]);
                assert_ne!(said, key, "{lang:?} has no message for {code}");
            }
        }
        let values = serde_json::json!({"count": 3});
        let said = crate::i18n::text_in(
            crate::i18n::Lang::Fr,
            &reason_key("shared_number"),
            &[("count", 3u64.into())],
        );
        assert!(said.contains('3'), "{said}");
        assert!(reason(Some("a_newer_hubs_code"), values.as_object().unwrap()).is_none());
        assert!(reason(None, values.as_object().unwrap()).is_none());
    }
}
