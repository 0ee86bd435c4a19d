//! The OS keyring through the Secret Service: secrets round-trip there, and with no service to
//! answer the app says so clearly instead of falling back to a file.

#[path = "support/environment.rs"]
mod environment;

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::PathBuf;

use ringside_core::Secret;
use ringside_lib::vault::{Keyring, SecretName, Vault};

#[test]
fn secrets_round_trip_in_the_keyring() {
    // `cargo xtask test` runs every test with a session bus and an unlocked GNOME Keyring.
    use environment::Need;
    if !environment::require(
        "secrets_round_trip_in_the_keyring",
        &[Need::TestEnvironment, Need::SessionBus, Need::Keyring],
    ) {
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

/// An environment made of these variables and programs.
struct Fake {
    vars: HashMap<&'static str, &'static str>,
    programs: Vec<&'static str>,
}

impl environment::Lookup for Fake {
    fn var(&self, name: &str) -> Option<OsString> {
        self.vars.get(name).map(OsString::from)
    }
    fn program(&self, name: &str) -> Option<PathBuf> {
        self.programs
            .contains(&name)
            .then(|| PathBuf::from("/usr/bin").join(name))
    }
}

#[test]
fn a_missing_environment_fails_under_ci_and_names_what_is_missing() {
    use environment::{strict, verdict, Need};
    let full = Fake {
        vars: HashMap::from([
            ("RINGSIDE_DESKTOP_TEST_ENV", "1"),
            ("DISPLAY", ":99"),
            ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/tmp/bus"),
            ("GNOME_KEYRING_CONTROL", "/tmp/keyring"),
        ]),
        programs: vec!["tauri-driver", "WebKitWebDriver"],
    };
    assert_eq!(verdict("t", environment::WEBDRIVER, &full), Ok(()));
    assert!(strict(&full), "inside `cargo xtask test` a gap fails");

    // GNOME Keyring was never installed: the test fails, saying so.
    let mut no_keyring = Fake {
        vars: full.vars.clone(),
        programs: full.programs.clone(),
    };
    no_keyring.vars.remove("GNOME_KEYRING_CONTROL");
    let why = verdict("t", environment::WEBDRIVER, &no_keyring).unwrap_err();
    assert!(why.contains("gnome-keyring"), "{why}");
    let no_driver = Fake {
        vars: full.vars.clone(),
        programs: vec!["tauri-driver"],
    };
    let why = verdict("t", environment::WEBDRIVER, &no_driver).unwrap_err();
    assert!(why.contains("webkit2gtk-driver"), "{why}");

    // A plain `cargo test` skips; CI=true fails; CI=false is not CI.
    let bare = |ci: Option<&'static str>| Fake {
        vars: ci.map(|v| ("CI", v)).into_iter().collect(),
        programs: Vec::new(),
    };
    assert!(!strict(&bare(None)));
    assert!(strict(&bare(Some("true"))));
    assert!(!strict(&bare(Some("false"))));
    let why = verdict("t", &[Need::TestEnvironment], &bare(Some("true"))).unwrap_err();
    assert!(why.contains("RINGSIDE_DESKTOP_TEST_ENV"), "{why}");
}
