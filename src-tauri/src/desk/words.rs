//! Every sentence the desk writes for the agent about the history and calling back, in one
//! place for translation: whole sentences, with `{placeholders}` filled by [`fill`], never
//! built from fragments.

/// A line's channel and direction ("Missed call", "Inbound SMS").
pub const INBOUND_CALL: &str = "Inbound call";
pub const OUTBOUND_CALL: &str = "Outbound call";
pub const MISSED_CALL: &str = "Missed call";
pub const INBOUND_SMS: &str = "Inbound SMS";
pub const OUTBOUND_SMS: &str = "Outbound SMS";
pub const INBOUND_WHATSAPP: &str = "Inbound WhatsApp";
pub const OUTBOUND_WHATSAPP: &str = "Outbound WhatsApp";
/// Who, when the caller hid their number.
pub const ANONYMOUS_CALLER: &str = "Anonymous caller";

/// Where a call or message stands in Intercom.
pub const LOGGED: &str = "Logged";
pub const IN_PROGRESS: &str = "In progress";
pub const WAITING_FOR_INTERCOM: &str = "Waiting for Intercom";
pub const NOT_LOGGED_SHARED: &str = "Not logged: {count} contacts share this number — choose one";
pub const NOT_LOGGED_MISSED_OFF: &str = "Not logged: logging of missed calls is off";
pub const NOT_LOGGED_ANSWERED_OFF: &str = "Not logged: logging of answered calls is off";
pub const NOT_LOGGED_OUTBOUND_OFF: &str = "Not logged: logging of outbound calls is off";
pub const NOT_LOGGED_MESSAGES_OFF: &str = "Not logged: logging of SMS and WhatsApp messages is off";
pub const NOT_LOGGED_BECAUSE: &str = "Not logged: {reason}";
pub const NOT_LOGGED_REFUSED: &str = "Not logged: Intercom refused it ({reason})";

/// The title of an inbound message's card.
pub const NEW_SMS: &str = "New SMS";
pub const NEW_WHATSAPP: &str = "New WhatsApp message";

/// What became of a "Call back" or a number typed in the dial box.
pub const DIAL_PLACED: &str = "{number} is in your Aircall phone: press call there.";
pub const DIAL_NOT_A_NUMBER: &str = "Not a number: “{number}” cannot be called.";
pub const DIAL_ANONYMOUS: &str = "The caller hid their number, so it cannot be called back.";
pub const DIAL_NO_USER: &str =
    "No Aircall user has your email: ask your admin to add you to Aircall with it.";
pub const DIAL_REFUSED: &str =
    "Aircall did not place the call: you are offline or unavailable in Aircall ({reason}).";
pub const DIAL_NO_AIRCALL: &str = "The hub has no Aircall account, so it cannot place calls.";
pub const DIAL_OFFLINE: &str = "The hub cannot be reached, so the call was not placed ({reason}).";
pub const DIAL_FAILED: &str = "The call was not placed: {reason}";

/// A sentence with its placeholders replaced (`{name}` by the value named `name`).
pub fn fill(sentence: &str, values: &[(&str, &str)]) -> String {
    values.iter().fold(sentence.to_owned(), |s, (name, value)| {
        s.replace(&format!("{{{name}}}"), value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_by_name() {
        assert_eq!(
            fill(NOT_LOGGED_SHARED, &[("count", "3")]),
            "Not logged: 3 contacts share this number — choose one"
        );
    }
}
