//! One module per subcommand.

pub mod agents;
pub mod backup;
pub mod card;
pub mod config;
pub mod demo;
pub mod doctor;
pub mod normalize;
pub mod sandbox;
pub mod serve;
pub mod setup_webhook;
pub mod sync_contacts;

/// Text from outside (an argument, a contact's name) with control characters escaped, so it
/// cannot move the cursor or recolour the terminal.
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}
