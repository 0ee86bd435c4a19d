//! The OS keyring through the Secret Service: secrets round-trip there, and with no service to
//! answer the app says so clearly instead of falling back to a file.

use ringside_core::Secret;
use ringside_lib::vault::{Keyring, SecretName, Vault};

#[test]
fn secrets_round_trip_in_the_keyring() {
    // `cargo xtask test` runs every test with a session bus and an unlocked GNOME Keyring.
    if std::env::var_os("RINGSIDE_DESKTOP_TEST_ENV").is_none() {
        eprintln!("no test environment (run `cargo xtask test`): the keyring is not exercised");
        return;
    }
    let keyring = Keyring;
    keyring
        .set(SecretName::IntercomToken, &Secret::new("tok-123"))
        .unwrap();
    assert_eq!(
        keyring.get(SecretName::IntercomToken).unwrap(),
        Some(Secret::new("tok-123"))
    );
    keyring
        .set(SecretName::IntercomToken, &Secret::new(""))
        .unwrap();
    assert_eq!(keyring.get(SecretName::IntercomToken).unwrap(), None);
}

const CHILD: &str = "RINGSIDE_KEYRING_TEST_CHILD";

#[test]
fn a_missing_keyring_is_a_clear_error_and_nothing_is_written_instead() {
    // The bus address is read once per process: the check runs in a child process whose
    // session bus does not exist.
    if std::env::var_os(CHILD).is_none() {
        let home = tempfile::tempdir().unwrap();
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "a_missing_keyring_is_a_clear_error_and_nothing_is_written_instead",
                "--nocapture",
            ])
            .env(CHILD, "1")
            .env(
                "DBUS_SESSION_BUS_ADDRESS",
                format!("unix:path={}/no-bus", home.path().display()),
            )
            .env("HOME", home.path())
            .env("XDG_DATA_HOME", home.path().join("data"))
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .status()
            .unwrap();
        assert!(status.success(), "the child test failed");
        let written = walk(home.path());
        assert!(written.is_empty(), "nothing may be written: {written:?}");
        return;
    }
    let error = Keyring
        .set(SecretName::AgentToken, &Secret::new("agent-token"))
        .unwrap_err();
    assert_eq!(error.code(), "keyring_unavailable");
    assert!(error.to_string().contains("GNOME Keyring"), "{error}");
    assert_eq!(
        Keyring.get(SecretName::AgentToken).unwrap_err().code(),
        "keyring_unavailable"
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
