//! The `ringside-cli` binary as an admin uses it: real processes, real exit codes, and the
//! sandbox on loopback standing in for Aircall and Intercom.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

use ringside_sandbox::{Sandbox, Seed};
use serde_json::Value;

fn cli() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ringside-cli"));
    // Start from a clean slate: no configuration leaks in from the developer's shell.
    for (key, _) in std::env::vars() {
        if key.starts_with("RINGSIDE_") {
            cmd.env_remove(key);
        }
    }
    cmd
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The environment that points the binary at a sandbox, with a fresh data directory.
fn sandbox_env(cmd: &mut Command, sandbox: &Sandbox, data: &std::path::Path) {
    let c = sandbox.credentials();
    cmd.env("RINGSIDE_INTERCOM_BASE_URL", sandbox.intercom_url())
        .env("RINGSIDE_INTERCOM_TOKEN", c.intercom_token)
        .env("RINGSIDE_AIRCALL_BASE_URL", sandbox.aircall_url())
        .env("RINGSIDE_AIRCALL_API_ID", c.aircall_api_id)
        .env("RINGSIDE_AIRCALL_API_TOKEN", c.aircall_api_token)
        .env("RINGSIDE_DEFAULT_REGION", "FR")
        .env("RINGSIDE_DATA_DIR", data);
}

async fn run(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output().expect("the binary runs"))
        .await
        .unwrap()
}

#[test]
fn normalize_prints_one_line_per_input_and_exits_by_outcome() {
    let out = cli()
        .args([
            "normalize",
            "--region",
            "FR",
            "07.62.04.35.75",
            "anonymous",
            "+44 20 8765 3456",
        ])
        .output()
        .unwrap();
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout,
        "07.62.04.35.75\t+33762043575\nanonymous\tanonymous\n+44 20 8765 3456\t+442087653456\n"
    );

    let out = cli()
        .args(["normalize", "--region", "US", "(442) 249-7851", "call me"])
        .output()
        .unwrap();
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(1), "one input did not parse");
    assert!(
        stdout
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("call me\terror: "),
        "{stdout}"
    );

    let out = cli()
        .args(["normalize", "--region", "XX", "0762043575"])
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("unknown region code `XX`"), "{stderr}");
}

#[test]
fn serve_refuses_to_start_with_a_setting_out_of_its_range() {
    // A huge tag window overflowed when turned into seconds; now the hub does not start, and
    // says which setting, its range and the value.
    let data = tempfile::tempdir().unwrap();
    for (key, value, range) in [
        (
            "RINGSIDE_TAG_WINDOW_MINUTES",
            "99999999999999999",
            "from 0 to 10080",
        ),
        ("RINGSIDE_SYNC_INTERVAL_MINUTES", "0", "from 1 to 1440"),
    ] {
        let out = cli()
            .env("RINGSIDE_DATA_DIR", data.path())
            .env(key, value)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .output()
            .unwrap();
        let (_, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(2), "{key}={value}: {stderr}");
        assert!(
            stderr.contains(key) && stderr.contains(range) && stderr.contains(value),
            "{stderr}"
        );
    }
}

#[test]
fn normalize_json_has_one_object_per_input() {
    let out = cli()
        .args([
            "normalize",
            "--json",
            "--region",
            "DE",
            "004917667402970",
            "+anonymous",
            "12",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json[0],
        serde_json::json!({"input": "004917667402970", "e164": "+4917667402970", "error": null})
    );
    assert_eq!(
        json[1],
        serde_json::json!({"input": "+anonymous", "e164": null, "error": null, "anonymous": true})
    );
    assert_eq!(json[2]["e164"], Value::Null);
    assert!(json[2]["error"].as_str().unwrap().contains("too short"));
}

#[test]
fn normalize_reads_the_default_region_from_the_environment() {
    let out = cli()
        .env("RINGSIDE_DEFAULT_REGION", "GB")
        .args(["normalize", "020 8765 3456"])
        .output()
        .unwrap();
    assert_eq!(text(&out).0, "020 8765 3456\t+442087653456\n");
}

#[tokio::test(flavor = "multi_thread")]
async fn card_prints_the_design_shape_for_a_known_caller() {
    let sandbox = Sandbox::start(Seed::demo()).await.unwrap();
    let data = tempfile::tempdir().unwrap();
    let mut cmd = cli();
    sandbox_env(&mut cmd, &sandbox, data.path());
    cmd.args(["card", "--call-id", "780836754", "07 62 04 35 75"]);
    let out = run(cmd).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let card: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(card["call_id"], 780836754);
    assert_eq!(card["phone"], "+33762043575");
    assert_eq!(card["contact"]["status"], "existing");
    assert_eq!(card["contact"]["name"], "Jane Roe");
    assert_eq!(card["contact"]["type"], "lead");
    assert_eq!(card["conversation"]["state"], "open");
    assert_eq!(card["conversation"]["owner"]["name"], "Bob Martin");
    assert_eq!(card["conversation"]["owner"]["availability"], "in_call");
    // The look-up was remembered in the data directory.
    assert!(data.path().join("ringside.db").exists());
}

#[test]
fn card_without_configuration_says_what_to_set() {
    let data = tempfile::tempdir().unwrap();
    let out = cli()
        .env("RINGSIDE_DATA_DIR", data.path())
        .args(["card", "+33762043575"])
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("RINGSIDE_INTERCOM_TOKEN"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_reports_each_credential_in_words() {
    let sandbox = Sandbox::start(Seed::demo()).await.unwrap();
    let data = tempfile::tempdir().unwrap();

    let mut cmd = cli();
    sandbox_env(&mut cmd, &sandbox, data.path());
    cmd.arg("doctor");
    let out = run(cmd).await;
    let (stdout, _) = text(&out);
    assert!(
        stdout.contains("✓ Intercom: connected to workspace"),
        "{stdout}"
    );
    assert!(
        stdout.contains("✓ Aircall: API key works (4 numbers, 4 users)"),
        "{stdout}"
    );

    // A wrong Intercom token and an Aircall host that does not answer.
    let mut cmd = cli();
    sandbox_env(&mut cmd, &sandbox, data.path());
    cmd.env("RINGSIDE_INTERCOM_TOKEN", "wrong-token-5f2e")
        .env("RINGSIDE_AIRCALL_BASE_URL", "http://127.0.0.1:9")
        .arg("doctor");
    let out = run(cmd).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout.contains("✗ Intercom: the credentials were refused. Check RINGSIDE_INTERCOM_TOKEN"),
        "{stdout}"
    );
    assert!(
        stdout.contains("✗ Aircall: cannot reach http://127.0.0.1:9/"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("wrong-token-5f2e") && !stderr.contains("wrong-token-5f2e"),
        "the token leaked"
    );
}

#[test]
fn demo_shows_every_kind_of_card() {
    let out = cli().args(["demo", "--json"]).output().unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let cards: Vec<Value> = serde_json::from_str(&stdout).unwrap();
    let statuses: Vec<&str> = cards
        .iter()
        .map(|c| c["contact"]["status"].as_str().unwrap())
        .collect();
    for status in ["existing", "new", "ambiguous", "anonymous"] {
        assert!(
            statuses.contains(&status),
            "{status} missing from {statuses:?}"
        );
    }
    let hostile = cards.iter().find(|c| c["phone"] == "+33698765432").unwrap();
    assert_eq!(hostile["contact"]["name"], "<img src=x onerror=alert(1)>");
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_contacts_plans_syncs_then_has_nothing_left_to_write() {
    let mut seed = Seed::demo();
    seed.rate_limits.aircall_per_minute = 100_000;
    let sandbox = Sandbox::start(seed).await.unwrap();
    let data = tempfile::tempdir().unwrap();
    let sync = |args: &[&str]| {
        let mut cmd = cli();
        sandbox_env(&mut cmd, &sandbox, data.path());
        cmd.env("RINGSIDE_AIRCALL_BUDGET_PER_MINUTE", "100000")
            .arg("sync-contacts")
            .args(args);
        cmd
    };

    let out = run(sync(&["--dry-run"])).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stdout.contains("Would create 9 Aircall contacts:"),
        "{stdout}"
    );
    assert!(
        stdout.contains("+ Jane Roe <jane.roe@example.com> +33762043575"),
        "{stdout}"
    );
    assert!(stdout.contains(r#""020 8765 3456""#), "{stdout}");
    assert_eq!(sandbox.aircall().contacts().len(), 2, "the dry run wrote");

    let out = run(sync(&[])).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("Contact sync done (full run"), "{stdout}");
    assert!(
        stdout.contains("Aircall: 9 created, 0 updated, 0 deleted, 0 unchanged, 0 refused"),
        "{stdout}"
    );
    assert!(
        stdout.contains("6762f0dd1bb69f9f2193bb85\t\"020 8765 3456\""),
        "{stdout}"
    );
    assert_eq!(sandbox.aircall().contacts().len(), 11);

    let out = run(sync(&["--json", "--full"])).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let json: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["report"]["kind"], "full");
    assert_eq!(json["report"]["counts"]["unchanged"], 9);
    assert_eq!(json["report"]["counts"]["created"], 0);
    assert_eq!(json["unparseable"].as_array().map(Vec::len), Some(2));

    let mut doctor = cli();
    sandbox_env(&mut doctor, &sandbox, data.path());
    doctor.arg("doctor");
    let out = run(doctor).await;
    let (stdout, _) = text(&out);
    assert!(
        stdout.contains("✓ Contact sync: last run finished") && stdout.contains("2 phones"),
        "{stdout}"
    );

    let out = run(sync(&["--roles", "admins"])).await;
    assert_eq!(out.status.code(), Some(2));
    let mut off = sync(&[]);
    off.env("RINGSIDE_SYNC_ENABLED", "false");
    let out = run(off).await;
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("RINGSIDE_SYNC_ENABLED"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn setup_webhook_registers_with_aircall_and_serve_accepts_its_token() {
    let sandbox = Sandbox::start(Seed::demo()).await.unwrap();
    let data = tempfile::tempdir().unwrap();

    let mut cmd = cli();
    sandbox_env(&mut cmd, &sandbox, data.path());
    cmd.args([
        "setup-webhook",
        "--url",
        "http://example.com/webhooks/aircall",
    ]);
    let out = run(cmd).await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "plain HTTP is refused before asking Aircall"
    );

    let mut cmd = cli();
    sandbox_env(&mut cmd, &sandbox, data.path());
    cmd.args([
        "setup-webhook",
        "--url",
        "https://hub.example.com/webhooks/aircall",
    ]);
    let out = run(cmd).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let events = ringside_core::webhook::SUBSCRIBED_EVENTS.len();
    assert!(
        stdout.contains(&format!("registered for {events} events")),
        "{stdout}"
    );
    let hooks = sandbox.aircall().webhooks();
    assert_eq!(hooks.len(), 1);
    let token = hooks[0].token.clone();
    assert!(!stdout.contains(&token), "the token is never printed");

    // The hub, as a real process, accepts events carrying that token and refuses others.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cmd = cli();
    sandbox_env(&mut cmd, &sandbox, data.path());
    cmd.env("RINGSIDE_LISTEN", format!("127.0.0.1:{port}"))
        .arg("serve")
        .stdout(std::process::Stdio::null());
    let mut hub = cmd.spawn().unwrap();
    let url = format!("http://127.0.0.1:{port}/webhooks/aircall");
    let client = reqwest::Client::new();
    let mut status = None;
    for _ in 0..100 {
        let body = serde_json::json!({"event": "number.opened", "token": token, "data": {"id": 1}});
        if let Ok(r) = client.post(&url).json(&body).send().await {
            status = Some(r.status().as_u16());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let wrong = serde_json::json!({"event": "number.opened", "token": "guess", "data": {"id": 1}});
    let refused = client
        .post(&url)
        .json(&wrong)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16();
    hub.kill().unwrap();
    hub.wait().unwrap();
    assert_eq!(status, Some(200));
    assert_eq!(refused, 401);
}

#[test]
fn agents_are_added_listed_and_revoked() {
    let data = tempfile::tempdir().unwrap();
    let agents = |args: &[&str]| {
        cli()
            .env("RINGSIDE_DATA_DIR", data.path())
            .arg("agents")
            .args(args)
            .output()
            .unwrap()
    };
    let out = agents(&["add", "Bob@Acme.io"]);
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout.starts_with("Token for bob@acme.io: rs_"), "{stdout}");
    let (listed, _) = text(&agents(&["list"]));
    assert!(listed.starts_with("bob@acme.io\t"), "{listed}");
    assert!(!listed.contains("rs_"), "tokens are never shown again");
    assert_eq!(agents(&["revoke", "bob@acme.io"]).status.code(), Some(0));
    assert_eq!(agents(&["revoke", "bob@acme.io"]).status.code(), Some(1));
    assert_eq!(agents(&["add", "not-an-email"]).status.code(), Some(2));
}

#[test]
fn serve_refuses_a_retention_outside_its_bounds() {
    let data = tempfile::tempdir().unwrap();
    for days in ["0", "3651", "forever"] {
        let out = cli()
            .env("RINGSIDE_DATA_DIR", data.path())
            .env("RINGSIDE_RETENTION_DAYS", days)
            .arg("serve")
            .output()
            .unwrap();
        let (_, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(2), "{days}: {stderr}");
        // The error names the variable that set it, and the range.
        assert!(
            stderr.contains("RINGSIDE_RETENTION_DAYS") && stderr.contains("from 1 to 3650"),
            "{days}: {stderr}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_says_whether_intercom_notifications_arrive() {
    let sandbox = Sandbox::start(Seed::demo()).await.unwrap();
    let data = tempfile::tempdir().unwrap();
    let doctor = |secret: bool| {
        let mut cmd = cli();
        sandbox_env(&mut cmd, &sandbox, data.path());
        if secret {
            cmd.env("RINGSIDE_INTERCOM_CLIENT_SECRET", "client-secret-7d1c");
        }
        cmd.arg("doctor");
        cmd
    };
    let (stdout, _) = text(&run(doctor(false)).await);
    assert!(
        stdout.contains("· Intercom notifications: off. Set RINGSIDE_INTERCOM_CLIENT_SECRET"),
        "{stdout}"
    );
    let out = run(doctor(true)).await;
    let (stdout, stderr) = text(&out);
    assert!(
        stdout.contains("· Intercom notifications: none received yet")
            && stdout.contains("contact.lead.created"),
        "{stdout}"
    );
    assert!(!stdout.contains("client-secret-7d1c") && !stderr.contains("client-secret-7d1c"));

    // The hub stored one (as `POST /webhooks/intercom` does).
    let store = ringside_core::store::Store::open(data.path()).unwrap();
    let body = br#"{"id":"notif_1","topic":"contact.deleted","data":{"item":{"type":"contact","id":"c1"}}}"#;
    let notification = ringside_core::intercom::notification::Notification::parse(body).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    store
        .store_notification(&notification, std::str::from_utf8(body).unwrap(), now - 90)
        .unwrap();
    drop(store);
    let (stdout, _) = text(&run(doctor(true)).await);
    assert!(
        stdout.contains("✓ Intercom notifications: 1 in the last 24 h, the last 9"),
        "{stdout}"
    );
    assert!(stdout.contains("0 failed, 1 waiting"), "{stdout}");
}

/// A free loopback port.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_walks_the_admin_through_each_step_until_the_hub_is_ready() {
    let sandbox = Sandbox::start(Seed::demo()).await.unwrap();
    let data = tempfile::tempdir().unwrap();
    let port = free_port();
    let with = |public: bool, extra: &[&str]| {
        let mut cmd = cli();
        sandbox_env(&mut cmd, &sandbox, data.path());
        cmd.env("RINGSIDE_LISTEN", format!("127.0.0.1:{port}"));
        if public {
            cmd.env("RINGSIDE_PUBLIC_URL", "https://hub.example.com");
        }
        cmd.args(extra);
        cmd
    };

    // Fresh: the credentials work, and each missing step says what to do.
    let out = run(with(false, &["doctor"])).await;
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    for line in [
        "✓ Configuration: no file",
        "✓ Aircall: API key works",
        "✗ Public address: public_url is not set",
        &format!("✗ Hub: nothing answers at http://127.0.0.1:{port}/healthz"),
        "systemctl enable --now ringside-hub",
        "✗ Aircall webhook: needs Aircall's API key and public_url first",
        "✓ Sign in with Intercom: off (set public_url, intercom_client_id, intercom_client_secret in hub.toml",
        "`ringside-cli agents invite EMAIL`",
        "· Agents: none yet",
    ] {
        assert!(stdout.contains(line), "{line}\n{stdout}");
    }

    // setup-webhook takes its address from public_url.
    let out = run(with(true, &["setup-webhook"])).await;
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let hooks = sandbox.aircall().webhooks();
    assert_eq!(hooks.len(), 1);
    assert_eq!(hooks[0].url, "https://hub.example.com/webhooks/aircall");

    // The hub runs, and sign-in is configured: every step passes.
    let mut serve = with(true, &["serve"]);
    serve.stdout(std::process::Stdio::null());
    let mut hub = serve.spawn().unwrap();
    let health = format!("http://127.0.0.1:{port}/healthz");
    for _ in 0..200 {
        if reqwest::get(&health).await.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let mut doctor = with(true, &["doctor"]);
    doctor
        .env("RINGSIDE_INTERCOM_CLIENT_ID", "ringside-app")
        .env("RINGSIDE_INTERCOM_CLIENT_SECRET", "client-secret-40aa");
    let out = run(doctor).await;
    hub.kill().unwrap();
    hub.wait().unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    for line in [
        "✓ Public address: https://hub.example.com/",
        "✓ HTTPS: the hub listens on 127.0.0.1",
        &format!("✓ Hub: answers at http://127.0.0.1:{port}/healthz"),
        "sends its events to https://hub.example.com/webhooks/aircall",
        "✓ Sign in with Intercom: on; the Intercom app's redirect URL must be https://hub.example.com/signin/callback",
    ] {
        assert!(stdout.contains(line), "{line}\n{stdout}");
    }
    assert!(!stdout.contains("client-secret-40aa") && !stderr.contains("client-secret-40aa"));
}

#[test]
fn files_a_root_admin_creates_in_the_hubs_directory_belong_to_the_hubs_user() {
    use std::os::unix::fs::MetadataExt;
    let data = tempfile::tempdir().unwrap();
    let root = std::fs::metadata("/proc/self").unwrap().uid() == 0;
    // The package's layout: the data directory belongs to the hub's user (here `nobody`).
    let hub_user = 65_534;
    if root {
        std::os::unix::fs::chown(data.path(), Some(hub_user), Some(hub_user)).unwrap();
    }
    // An empty configuration file, so an installed /etc/ringside/hub.toml is not read.
    let settings = tempfile::NamedTempFile::with_suffix(".json").unwrap();
    std::fs::write(settings.path(), "{}").unwrap();
    let out = cli()
        .env("RINGSIDE_DATA_DIR", data.path())
        .env("RINGSIDE_CONFIG", settings.path())
        .args(["agents", "add", "alice@acme.io"])
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let owners: Vec<(String, u32)> = std::fs::read_dir(data.path())
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                e.metadata().unwrap().uid(),
            )
        })
        .collect();
    assert!(
        owners.iter().any(|(name, _)| name == "ringside.db"),
        "{owners:?}"
    );
    let expected = if root {
        hub_user
    } else {
        std::fs::metadata(data.path()).unwrap().uid()
    };
    for (name, uid) in &owners {
        assert_eq!(*uid, expected, "{name} belongs to uid {uid}");
    }
}
