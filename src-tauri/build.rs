//! Tauri's build step: reads `tauri.conf.json` and the capabilities, and declares the app's own
//! commands so that each window may call only those its capability lists.

/// Every command of `src/commands/`; `commands::tests` checks that this list is complete.
const COMMANDS: &[&str] = &[
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

fn main() -> Result<(), Box<dyn std::error::Error>> {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )?;
    Ok(())
}
