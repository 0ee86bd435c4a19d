//! Tauri's build step: reads `tauri.conf.json` and the capabilities, and declares the app's own
//! commands so that each window may call only those its capability lists. In release, it also
//! links the app in the order of `start-order.txt` (see [`link_order`]).

use std::path::Path;
use std::process::Command;

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

/// The release link order: with lld, the functions listed in `start-order.txt` (those a start
/// and a ring run, made by `cargo xtask start-order`) are linked side by side at the front of
/// the code, so a start faults in a few dense pages instead of pages spread over 27 MB, each
/// with its 64 KiB of neighbours. Names the binary no longer has are left out by lld. Without
/// lld (`apt-get install lld`; `cargo xtask` installs it) the app links as before, and the
/// build says so.
fn link_order() {
    println!("cargo:rerun-if-changed=start-order.txt");
    if std::env::var("PROFILE").as_deref() != Ok("release") {
        return;
    }
    let Some(dir) = std::env::var_os("CARGO_MANIFEST_DIR") else {
        return;
    };
    let order = Path::new(&dir).join("start-order.txt");
    if !order.is_file() {
        return;
    }
    let lld = Command::new("ld.lld")
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success());
    if !lld {
        println!(
            "cargo:warning=ld.lld is missing: the app is linked without its start order (apt-get install lld)"
        );
        return;
    }
    println!("cargo:rustc-link-arg-bin=ringside=-fuse-ld=lld");
    println!(
        "cargo:rustc-link-arg-bin=ringside=-Wl,--symbol-ordering-file={}",
        order.display()
    );
    println!("cargo:rustc-link-arg-bin=ringside=-Wl,--no-warn-symbol-ordering");
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    link_order();
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )?;
    Ok(())
}
