//! The commands the UI invokes (through `ui/js/api.js` only). Each is a short adapter:
//! arguments → the [`Desk`](crate::desk::Desk) → a UI type, errors as `{code, message}`.
//! Which window may call which is set by `capabilities/`.

mod call;
mod callbacks;
mod integration;
mod language;
mod setup;
mod signin;
mod window;
mod wrapup;

pub use call::*;
pub use callbacks::*;
pub use integration::*;
pub use language::*;
pub use setup::*;
pub use signin::*;
pub use window::*;
pub use wrapup::*;

/// Every command's name, as `build.rs` declares them to the capabilities.
pub const ALL: &[&str] = &[
    "status",
    "card",
    "recent_cards",
    "history",
    "tags",
    "add_tag",
    "remove_tag",
    "add_note",
    "choose_contact",
    "settings",
    "save_settings",
    "save_secret",
    "check_setup",
    "start_demo",
    "register_webhook",
    "hub_settings",
    "sync_status",
    "open_link",
    "show_card",
    "close_window",
    "card_shown",
    "limits",
    "catalog",
    "dial",
    "last_message",
    "sign_in",
    "cancel_sign_in",
    "join",
    "take_invitation",
    "callbacks",
    "claim_callback",
    "dismiss_callback",
    "my_day",
    "wrap_up",
    "set_outcome",
    "wrap_up_done",
    "presence",
    "set_presence",
];
