//! Every sentence the desk writes for the agent about the history and calling back: each
//! constant names its message in the catalogs (`src-tauri/locales/*/desktop.ftl`, `words-…`),
//! whole sentences with `{ $placeholders }` filled by [`fill`], never built from fragments.

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
pub const DIAL_ANONYMOUS: &str = "words-dial-anonymous";
pub const DIAL_NO_USER: &str = "words-dial-no-user";
pub const DIAL_REFUSED: &str = "words-dial-refused";
pub const DIAL_NO_AIRCALL: &str = "words-dial-no-aircall";
pub const DIAL_OFFLINE: &str = "words-dial-offline";
pub const DIAL_FAILED: &str = "words-dial-failed";

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
}
