//! `ringside-cli config check` and the hub's refusal to start on a configuration with a
//! mistake, run as an admin runs them: the real binary, a real hub.toml with its file mode, an
//! empty environment but for what each test sets. The shipped `packaging/hub.toml` is checked
//! against the registry of settings, key by key.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use ringside_core::config::SETTINGS;

/// The shipped configuration file.
fn shipped() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../packaging/hub.toml");
    std::fs::read_to_string(path).expect("packaging/hub.toml")
}

/// Writes `text` to `dir/name` with `mode`, as an admin's install would.
fn write(dir: &Path, name: &str, text: &str, mode: u32) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    #[cfg(not(unix))]
    let _ = mode;
    path
}

/// `ringside-cli` with an empty environment plus `env`.
fn cli(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(ringside_tests::hubs::cli_binary());
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("ringside-cli runs")
}

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The report's line for `key`.
fn line_of<'a>(stdout: &'a str, key: &str) -> &'a str {
    stdout
        .lines()
        .find(|l| l.split_whitespace().next() == Some(key))
        .unwrap_or_else(|| panic!("no line for {key} in\n{stdout}"))
}

#[test]
fn the_shipped_hub_toml_documents_every_setting_and_passes_the_check() {
    let shipped = shipped();
    let lines: Vec<&str> = shipped.lines().collect();
    for setting in SETTINGS {
        let at = lines
            .iter()
            .position(|l| {
                let l = l.trim_start_matches('#').trim_start();
                l.starts_with(&format!("{} =", setting.key))
            })
            .unwrap_or_else(|| panic!("packaging/hub.toml lacks `{}`", setting.key));
        // Its environment variable is named in the comment just above it.
        assert!(
            lines[at.saturating_sub(3)..at]
                .iter()
                .any(|l| l.starts_with('#') && l.contains(setting.env)),
            "`{}` is not documented with {} above it",
            setting.key,
            setting.env
        );
        // A secret is only ever an empty, commented placeholder.
        if setting.is_secret() {
            assert_eq!(lines[at], format!("# {} = \"\"", setting.key));
        }
    }

    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "hub.toml", &shipped, 0o640);
    let out = cli(
        &["config", "check", "--config", file.to_str().unwrap()],
        &[],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    for setting in SETTINGS {
        line_of(&stdout, setting.key);
    }
    let data_dir_line = lines
        .iter()
        .position(|l| l.starts_with("data_dir ="))
        .unwrap()
        + 1;
    let data_dir = line_of(&stdout, "data_dir");
    assert!(
        data_dir.contains("/var/lib/ringside")
            && data_dir.contains(&format!("hub.toml, line {data_dir_line})")),
        "{data_dir}"
    );
    assert!(line_of(&stdout, "retention_days").contains("30"));
    assert!(line_of(&stdout, "retention_days").contains("(default)"));

    // Every default written in a comment is a value the hub accepts: uncommented, the file
    // still passes, and the values now come from it.
    let uncommented: String = shipped
        .lines()
        .map(|l| match l.strip_prefix("# ") {
            Some(rest)
                if SETTINGS
                    .iter()
                    .any(|s| rest.starts_with(&format!("{} =", s.key))) =>
            {
                format!("{rest}\n")
            }
            _ => format!("{l}\n"),
        })
        .collect();
    let file = write(dir.path(), "uncommented.toml", &uncommented, 0o640);
    let out = cli(
        &["config", "check", "--config", file.to_str().unwrap()],
        &[],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    let retention = line_of(&stdout, "retention_days");
    assert!(
        retention.contains("30") && retention.contains("uncommented.toml, line"),
        "{retention}"
    );
}

#[test]
fn config_check_shows_each_source_and_masks_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "hub.toml",
        "intercom_token = \"icm-TOPSECRET-1\"\nretention_days = 45\nlisten = \"127.0.0.1:9000\"\nadmins = [\"Boss@Example.com\"]\n",
        0o640,
    );
    let out = cli(
        &["config", "check"],
        &[
            ("RINGSIDE_CONFIG", file.to_str().unwrap()),
            ("RINGSIDE_LISTEN", "127.0.0.1:9001"),
            ("RINGSIDE_WEBHOOK_TOKEN", "wh-TOPSECRET-2"),
            ("RINGSIDE_DATA_DIR", dir.path().to_str().unwrap()),
        ],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(!stdout.contains("TOPSECRET") && !stderr.contains("TOPSECRET"));
    assert!(line_of(&stdout, "intercom_token").contains("set (hidden)"));
    assert!(line_of(&stdout, "intercom_token").contains("hub.toml, line 1"));
    assert!(line_of(&stdout, "webhook_token").contains("set (hidden)"));
    assert!(line_of(&stdout, "webhook_token").contains("environment RINGSIDE_WEBHOOK_TOKEN"));
    assert!(line_of(&stdout, "retention_days").contains("45"));
    // The environment overrides the file.
    let listen = line_of(&stdout, "listen");
    assert!(
        listen.contains("127.0.0.1:9001") && listen.contains("environment RINGSIDE_LISTEN"),
        "{listen}"
    );
    assert!(line_of(&stdout, "admins").contains("[boss@example.com]"));
    assert!(line_of(&stdout, "card_lookups_per_minute").contains("(default)"));
}

#[test]
fn config_check_and_serve_refuse_mistakes_naming_the_key_and_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, u32, &[&str])] = &[
        (
            "listen = \"127.0.0.1:8790\"\n\nretension_days = 30\n",
            0o640,
            &[
                "line 3",
                "unknown setting `retension_days`",
                "did you mean `retention_days`?",
            ],
        ),
        (
            "# the hub\nretention_days = 0\n",
            0o640,
            &["`retention_days` on line 2", "from 1 to 3650", "got `0`"],
        ),
        (
            "sync_enabled = \"maybe\"\n",
            0o640,
            &["`sync_enabled` on line 1", "true or false"],
        ),
        (
            "log = \"ringside_core=loud\"\n",
            0o640,
            &["`log`", "line 1", "is not a log filter"],
        ),
        (
            "retention_days = 30\n",
            0o644,
            &[
                "every user of this machine can read it",
                "chmod 640",
                "chown root:ringside",
            ],
        ),
    ];
    for (contents, mode, words) in cases {
        let file = write(dir.path(), "hub.toml", contents, *mode);
        let file = file.to_str().unwrap();
        let data = dir.path().to_str().unwrap();
        for args in [
            vec!["config", "check", "--config", file],
            vec!["--config", file, "serve", "--listen", "127.0.0.1:0"],
        ] {
            let out = cli(&args, &[("RINGSIDE_DATA_DIR", data)]);
            let (stdout, stderr) = text(&out);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {stdout}\n{stderr}");
            for word in *words {
                assert!(stderr.contains(word), "{args:?}: `{word}` not in {stderr}");
            }
            assert!(!stdout.contains("listening"), "{stdout}");
        }
    }
    // A value refused in the environment names the variable.
    let out = cli(
        &["config", "check"],
        &[
            ("RINGSIDE_DATA_DIR", dir.path().to_str().unwrap()),
            ("RINGSIDE_LOG_FORMAT", "xml"),
        ],
    );
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("RINGSIDE_LOG_FORMAT") && stderr.contains("text or json"),
        "{stderr}"
    );
}

#[test]
fn the_legacy_json_file_still_works_and_still_refuses_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    // No hub.toml named: ringside.json in the data directory is read, as before.
    write(
        dir.path(),
        "ringside.json",
        "{\n  \"default_region\": \"GB\"\n}\n",
        0o644,
    );
    // An installed package's /etc/ringside/hub.toml (the package test's, while it runs) would
    // be read first; then the legacy file is named, and read the same way.
    let legacy = dir.path().join("ringside.json");
    let mut env = vec![("RINGSIDE_DATA_DIR", data)];
    if Path::new("/etc/ringside/hub.toml").exists() {
        env.push(("RINGSIDE_CONFIG", legacy.to_str().unwrap()));
    }
    let out = cli(&["config", "check"], &env);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    let region = line_of(&stdout, "default_region");
    assert!(
        region.contains("GB") && region.contains("ringside.json, line 2"),
        "{region}"
    );

    let named = write(
        dir.path(),
        "settings.json",
        "{\"intercom_token\": \"icm-TOPSECRET\"}",
        0o644,
    );
    let out = cli(
        &["config", "check"],
        &[
            ("RINGSIDE_DATA_DIR", data),
            ("RINGSIDE_CONFIG", named.to_str().unwrap()),
        ],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("`intercom_token`") && stderr.contains("never read from a JSON file"),
        "{stderr}"
    );
    assert!(!stderr.contains("TOPSECRET"));
}

#[test]
fn log_format_json_makes_the_hubs_log_lines_json() {
    let dir = tempfile::tempdir().unwrap();
    let port = ringside_tests::hubs::free_port();
    let file = write(
        dir.path(),
        "hub.toml",
        &format!(
            "log = \"warn\"\nlog_format = \"json\"\nlisten = \"0.0.0.0:{port}\"\n\
             intercom_token = \"not-used\"\nintercom_base_url = \"http://127.0.0.1:9\"\n\
             sync_enabled = false\ndata_dir = \"{}\"\n",
            dir.path().join("data").display()
        ),
        0o640,
    );
    let mut child = Command::new(ringside_tests::hubs::cli_binary())
        .args(["--config", file.to_str().unwrap(), "serve"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    // The hub logs its plain-HTTP warning through tracing as well as on standard error.
    let reader = std::thread::spawn(move || {
        use std::io::Read;
        let mut text = String::new();
        let mut buf = [0u8; 1024];
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline && !text.lines().any(|l| l.starts_with('{')) {
            match stderr.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => text.push_str(&String::from_utf8_lossy(&buf[..n])),
            }
        }
        text
    });
    let text = reader.join().unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let line = text
        .lines()
        .find(|l| l.starts_with('{'))
        .unwrap_or_else(|| panic!("no JSON log line in {text}"));
    let value: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(value["level"], "WARN", "{line}");
    assert!(
        value["message"]
            .as_str()
            .is_some_and(|m| m.contains("serving plain HTTP")),
        "{line}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_listen_in_hub_toml_serves_metrics_on_its_own_address() {
    let dir = tempfile::tempdir().unwrap();
    let port = ringside_tests::hubs::free_port();
    let metrics_port = ringside_tests::hubs::free_port();
    let file = write(
        dir.path(),
        "hub.toml",
        &format!(
            "listen = \"127.0.0.1:{port}\"\nmetrics_listen = \"127.0.0.1:{metrics_port}\"\n\
             intercom_token = \"not-used\"\nintercom_base_url = \"http://127.0.0.1:9\"\n\
             sync_enabled = false\ndata_dir = \"{}\"\n",
            dir.path().join("data").display()
        ),
        0o640,
    );
    let mut child = Command::new(ringside_tests::hubs::cli_binary())
        .args(["--config", file.to_str().unwrap(), "serve"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .stderr(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{metrics_port}/metrics");
    let deadline = Instant::now() + Duration::from_secs(20);
    let body = loop {
        match reqwest::get(&url).await {
            Ok(response) if response.status() == 200 => break response.text().await.unwrap(),
            _ if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            other => {
                let _ = child.kill();
                panic!("no metrics at {url}: {other:?}");
            }
        }
    };
    // The main address still keeps /metrics to admins.
    let main = reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
        .await
        .unwrap()
        .status();
    let _ = child.kill();
    let _ = child.wait();
    assert!(body.contains("ringside_"), "{body}");
    assert_eq!(main, 401);
}
