//! The hub's Debian package, `ringside-hub`, made by cargo-deb from the debug build of
//! `ringside-cli` (as `cargo xtask bundle --debug --hub-only` makes it; the release build would
//! take minutes more): its contents and maintainer scripts, its systemd unit
//! (`systemd-analyze verify`, and `systemd-analyze security` rating it 2.0 or lower, the figure
//! printed), and a real install with dpkg, as root: the installed binary, started as the unit's
//! user with the packaged configuration pointed at the sandbox, logs a call into the sandbox's
//! Intercom; a newer version installed over it keeps the data; `dpkg -r` keeps
//! `/var/lib/ringside`, `dpkg -P` deletes it. The package is purged at the end, pass or fail.
//!
//! Systemd is not PID 1 on the test machines, so the test runs the unit's `ExecStart=` itself,
//! with as much of the unit as can be had without it ([`SandboxedHub`]):
//! - reproduced: `User=` and `Group=` (setpriv `--reuid --regid --init-groups`),
//!   `NoNewPrivileges=`, the empty `CapabilityBoundingSet=` and `AmbientCapabilities=` (setpriv
//!   `--no-new-privs --bounding-set=-all --inh-caps=-all --ambient-caps=-all`), `UMask=`,
//!   `Environment=` in an otherwise clean environment; in a mount namespace of its own
//!   (`PrivateMounts=`): `ProtectSystem=strict` (every mount read-only) with the
//!   `StateDirectory=` writable, `ProtectHome=` (`/home`, `/root`, `/run/user` empty and
//!   closed), `PrivateTmp=` (fresh `/tmp` and `/var/tmp`), `PrivateDevices=` (a `/dev` with the
//!   pseudo-devices only), `ProtectProc=invisible` and `ProcSubset=pid` (a `/proc` mounted with
//!   `hidepid=invisible,subset=pid`), `ProtectKernelTunables=` and `ProtectControlGroups=`
//!   (`/sys` read-only, `/proc/sys` hidden); `PrivateIPC=` and `ProtectHostname=` (IPC and UTS
//!   namespaces of its own).
//! - checked, not enforced: the seccomp filters. The first run is under `strace -f`, and every
//!   system call the hub made must be one the unit's `SystemCallFilter=` lines allow (as this
//!   machine's `systemd-analyze syscall-filter` expands their groups), every socket of a family
//!   in `RestrictAddressFamilies=`, no mapping writable and executable or made executable
//!   (`MemoryDenyWriteExecute=`), no change of personality (`LockPersonality=`).
//! - not reproduced: `PrivateUsers=`, `ProtectClock=`, `ProtectKernelModules=`,
//!   `ProtectKernelLogs=`, `RestrictNamespaces=`, `RestrictRealtime=`, `RestrictSUIDSGID=`,
//!   `SystemCallArchitectures=`, `KeyringMode=`, `RemoveIPC=`, and the manager's own work
//!   (`Restart=`, `TimeoutStopSec=`: the test sends SIGTERM itself and waits that long at most).
//!
//! The install test needs root and fails, rather than skips, without it: CI runs as root.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sandboxed;
mod unit;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use ringside_sandbox::scenario::{demo, stage_at, Scenario};
use ringside_tests::hubs::{cli_binary, free_port, player, until, WEBHOOK_TOKEN};
use ringside_tests::TestApp;

use sandboxed::SandboxedHub;
use unit::{exposure, refused_by_the_unit, Unit};

/// The package's name.
const PACKAGE: &str = "ringside-hub";
/// Where the package puts the unit (`/lib/systemd/system` is the same directory on Debian 12).
const UNIT: &str = "/usr/lib/systemd/system/ringside-hub.service";
/// The configuration the package installs.
const CONFIG: &str = "/etc/ringside/hub.toml";
/// The hub's data directory.
const DATA: &str = "/var/lib/ringside";
/// The highest exposure `systemd-analyze security` may give the unit ("OK" or better).
const MAX_EXPOSURE: f64 = 2.0;

/// The workspace's version, as cargo-deb numbers the package by default.
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Runs a command, returning its output; panics when it cannot be started.
pub(crate) fn run(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"))
}

/// Runs a command that must succeed, returning its standard output.
pub(crate) fn must(program: &str, args: &[&str]) -> String {
    let output = run(program, args);
    assert!(
        output.status.success(),
        "`{program} {}` failed ({}):\n{}{}",
        args.join(" "),
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn must_be_root() {
    let uid = must("id", &["-u"]);
    assert_eq!(
        uid.trim(),
        "0",
        "the package test installs ringside-hub with dpkg and runs it as the ringside user: \
         run it as root (CI does)"
    );
}

/// Packages the debug build of `ringside-cli` with cargo-deb as `version`, into `out`.
fn build_package(out: &Path, version: &str) -> PathBuf {
    let binary = cli_binary();
    let profile_dir = binary.parent().unwrap();
    let (profile, profile_name) = match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("release") => ("release", "release"),
        _ => ("dev", "debug"),
    };
    // cargo-deb strips the binary into a working file of the target directory it is given: two
    // packages made at once from one target directory (this file's two tests, side by side)
    // would write the same file. Each gets a target directory of its own, holding the binary.
    let target = out.join(format!("target-{version}"));
    std::fs::create_dir_all(target.join(profile_name)).unwrap();
    let staged = target.join(profile_name).join("ringside-cli");
    if std::fs::hard_link(binary, &staged).is_err() {
        std::fs::copy(binary, &staged).unwrap();
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| env!("CARGO").to_owned());
    let answers = Command::new(&cargo)
        .args(["deb", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        answers,
        "cargo-deb is not installed: `cargo install cargo-deb --version '^3' --locked` \
         (`cargo xtask test` installs it)"
    );
    let mut command = Command::new(&cargo);
    command
        .args([
            "deb",
            "--package",
            "ringside-cli",
            "--no-build",
            "--profile",
            profile,
            "--fast",
            "--deb-version",
            version,
            "--output",
        ])
        .arg(out)
        .current_dir(ringside_tests::workspace_root())
        .env("CARGO_TARGET_DIR", &target)
        .stdin(Stdio::null());
    // As in `cli_binary`: cargo's variables for this test are not cargo-deb's business.
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if key.starts_with("CARGO_") && key != "CARGO_HOME" && key != "CARGO_TARGET_DIR" {
            command.env_remove(key.as_ref());
        }
    }
    let output = command.output().expect("cargo deb runs");
    assert!(
        output.status.success(),
        "cargo deb failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let deb = out.join(format!("{PACKAGE}_{version}_amd64.deb"));
    assert!(deb.exists(), "cargo deb made no {}", deb.display());
    deb
}

#[test]
fn the_package_holds_the_hub_its_unit_its_configuration_and_scripts_that_set_them_up() {
    let dir = tempfile::tempdir().unwrap();
    let version = format!("{VERSION}-1");
    let deb = build_package(dir.path(), &version);
    let deb = deb.to_str().unwrap();

    let info = must("dpkg-deb", &["--info", deb]);
    let field =
        |name: &str| -> String { must("dpkg-deb", &["--field", deb, name]).trim().to_owned() };
    assert_eq!(field("Package"), PACKAGE, "{info}");
    assert_eq!(field("Version"), version);
    assert_eq!(field("Architecture"), "amd64");
    let depends = field("Depends");
    for needed in ["adduser", "libc6"] {
        assert!(depends.contains(needed), "Depends: {depends}");
    }
    // No desktop library: the hub runs on a server.
    for desktop in ["webkit", "gtk", "appindicator"] {
        assert!(!depends.contains(desktop), "Depends: {depends}");
    }

    // `dpkg-deb -c`: mode, owner, size, date, time, path (and `-> target` for a link).
    let listing = must("dpkg-deb", &["--contents", deb]);
    let entry = |path: &str| -> (String, String, Option<String>) {
        listing
            .lines()
            .find_map(|line| {
                let words: Vec<&str> = line.split_whitespace().collect();
                (words.get(5) == Some(&path)).then(|| {
                    (
                        words[0].to_owned(),
                        words[1].to_owned(),
                        words.get(7).map(|s| s.to_string()),
                    )
                })
            })
            .unwrap_or_else(|| panic!("the package has no {path}:\n{listing}"))
    };
    let expected = [
        ("./usr/bin/ringside-cli", "-rwxr-xr-x"),
        (
            "./usr/lib/systemd/system/ringside-hub.service",
            "-rw-r--r--",
        ),
        // The shipped file holds no secret, but the one an admin fills in will: never
        // world-readable, not even between unpacking and postinst.
        ("./etc/ringside/hub.toml", "-rw-r-----"),
        ("./usr/share/doc/ringside-hub/admin-guide.md", "-rw-r--r--"),
        ("./usr/share/doc/ringside-hub/copyright", "-rw-r--r--"),
        // The dashboard and the alert rules, for Grafana and Prometheus to import.
        (
            "./usr/share/ringside-hub/grafana/ringside-hub.json",
            "-rw-r--r--",
        ),
        (
            "./usr/share/ringside-hub/prometheus/ringside-alerts.yml",
            "-rw-r--r--",
        ),
    ];
    for (path, mode) in expected {
        let (found, owner, _) = entry(path);
        assert_eq!(found, mode, "{path}");
        // uid/gid 0: root, whatever the names on the machine that installs it.
        assert_eq!(owner, "0/0", "{path}");
    }
    let (mode, _, target) = entry("./usr/bin/ringside-hub");
    assert!(mode.starts_with('l'), "ringside-hub is a link: {mode}");
    assert_eq!(target.as_deref(), Some("ringside-cli"));

    let control = dir.path().join("control");
    must("dpkg-deb", &["--control", deb, control.to_str().unwrap()]);
    let conffiles = std::fs::read_to_string(control.join("conffiles")).unwrap();
    assert_eq!(
        conffiles.trim(),
        CONFIG,
        "the admin's edits survive upgrades"
    );
    for script in ["postinst", "prerm", "postrm"] {
        let path = control.join(script);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o755, "{script}");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("#!/bin/sh\n"), "{script}");
        assert!(
            !text.contains("#DEBHELPER#"),
            "{script} kept cargo-deb's marker"
        );
        must("sh", &["-n", path.to_str().unwrap()]);
    }
    let postinst = std::fs::read_to_string(control.join("postinst")).unwrap();
    // Enabling works without a running systemd (links under /etc); starting and restarting
    // only where systemd runs.
    assert!(postinst.contains("deb-systemd-helper enable ringside-hub.service"));
    let start = postinst
        .find("deb-systemd-invoke $_dh_action ringside-hub.service")
        .expect("postinst starts the unit");
    let guard = postinst[..start]
        .rfind("[ -d /run/systemd/system ]")
        .expect("the start is guarded by a running systemd");
    assert!(
        postinst[..guard].contains("adduser --system"),
        "the user comes first"
    );
    let prerm = std::fs::read_to_string(control.join("prerm")).unwrap();
    assert!(prerm.contains("deb-systemd-invoke stop ringside-hub.service"));

    // The unit as shipped is the one in packaging/, and rates "OK" or better.
    let root = dir.path().join("root");
    must("dpkg-deb", &["--extract", deb, root.to_str().unwrap()]);
    let shipped = root.join(UNIT.trim_start_matches('/'));
    let source = ringside_tests::workspace_root().join("packaging/ringside-hub.service");
    assert_eq!(
        std::fs::read_to_string(&shipped).unwrap(),
        std::fs::read_to_string(&source).unwrap()
    );
    let (figure, line) = exposure(&shipped);
    println!("systemd-analyze security --offline=true: {line}");
    assert!(
        figure <= MAX_EXPOSURE,
        "the unit's exposure is {figure}, above {MAX_EXPOSURE}: {line}"
    );
    let unit = Unit::read(&shipped);
    assert_eq!(
        unit.one("ExecStart"),
        "/usr/bin/ringside-cli serve --config /etc/ringside/hub.toml"
    );
    assert_eq!(unit.one("User"), "ringside");
    assert_eq!(unit.one("StateDirectory"), "ringside");
    assert_eq!(unit.one("Restart"), "on-failure");
}

/// Purges the package when dropped: the machine is left as the test found it, pass or fail.
struct Purge;

impl Drop for Purge {
    fn drop(&mut self) {
        purge();
    }
}

fn purge() {
    let _ = run("dpkg", &["--purge", PACKAGE]);
}

/// What `dpkg-query` says of the package: `install ok installed`, `deinstall ok config-files`…
fn package_status() -> String {
    let output = run("dpkg-query", &["-W", "-f=${Status} ${Version}", PACKAGE]);
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

fn install(deb: &Path) {
    must(
        "dpkg",
        &[
            "--force-confdef",
            "--force-confold",
            "--install",
            deb.to_str().unwrap(),
        ],
    );
}

/// Owner, group and permission bits of a path.
fn ownership(path: &str) -> (String, String, u32) {
    let meta = std::fs::metadata(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let name = |database: &str, id: u32| -> String {
        let line = must("getent", &[database, &id.to_string()]);
        line.split(':').next().unwrap().to_owned()
    };
    (
        name("passwd", meta.uid()),
        name("group", meta.gid()),
        meta.mode() & 0o7777,
    )
}

/// Points the installed hub.toml at the sandbox, as an admin would edit it, keeping its
/// comments.
fn configure_for(app: &TestApp, port: u16) {
    let credentials = app.sandbox.credentials();
    let text = std::fs::read_to_string(CONFIG).unwrap();
    let mut document: toml_edit::DocumentMut = text.parse().expect("the shipped hub.toml parses");
    let settings: [(&str, toml_edit::Value); 11] = [
        ("listen", format!("127.0.0.1:{port}").into()),
        ("intercom_token", credentials.intercom_token.as_str().into()),
        ("intercom_base_url", app.sandbox.intercom_url().into()),
        ("aircall_api_id", credentials.aircall_api_id.as_str().into()),
        (
            "aircall_api_token",
            credentials.aircall_api_token.as_str().into(),
        ),
        ("aircall_base_url", app.sandbox.aircall_url().into()),
        ("aircall_budget_per_minute", 100_000_i64.into()),
        ("webhook_token", WEBHOOK_TOKEN.into()),
        ("default_region", "FR".into()),
        ("sync_enabled", false.into()),
        ("data_dir", DATA.into()),
    ];
    for (key, value) in settings {
        document[key] = toml_edit::value(value);
    }
    std::fs::write(CONFIG, document.to_string()).unwrap();
}

/// Runs `ringside-cli` as the unit's user with its environment (not in its namespaces):
/// an admin's `sudo -u ringside ringside-cli …`.
fn cli_as_the_hub(unit: &Unit, args: &[&str]) -> String {
    let user = unit.one("User");
    let mut command = Command::new("setpriv");
    command
        .args([
            &format!("--reuid={user}"),
            &format!("--regid={}", unit.one("Group")),
            "--init-groups",
            "--",
            "env",
            "-i",
        ])
        .args(unit.0.get("Environment").into_iter().flatten())
        .arg("/usr/bin/ringside-cli")
        .args(args)
        .stdin(Stdio::null());
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "ringside-cli {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Delivers Jane's answered call to the hub and waits until Intercom has its conversation.
async fn log_a_call(app: &TestApp, hub: &SandboxedHub, scenario: &Scenario) -> u64 {
    let staged = stage_at(
        &app.sandbox,
        scenario,
        ringside_core::card::system_clock()(),
    )
    .unwrap();
    let player = player(hub.addr);
    for envelope in &staged.envelopes {
        let status = player.deliver(envelope).await.expect("the hub answers");
        assert_eq!(status, 200, "the installed hub refused {}", envelope.event);
    }
    let call = staged.call("call").unwrap();
    until(
        "the installed hub to log the call in the sandbox's Intercom",
        Duration::from_secs(20),
        || {
            app.sandbox
                .intercom()
                .conversations_of(ringside_tests::demo::JANE)
                .iter()
                .any(|c| c.source.body.contains("[Inbound answered call]"))
        },
    )
    .await;
    call
}

/// The calls an admin's token sees in the hub's history.
async fn history(hub: &SandboxedHub, token: &str) -> serde_json::Value {
    let response = reqwest::Client::new()
        .get(format!("http://{}/api/v1/calls?limit=50", hub.addr))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "the admin's token is refused");
    response.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn installed_the_hub_runs_as_its_user_logs_a_call_keeps_its_data_on_upgrade_and_remove_and_purge_deletes_it(
) {
    must_be_root();
    // A package left by an earlier, interrupted run would be upgraded rather than installed.
    purge();
    let _purge = Purge;
    let dir = tempfile::tempdir().unwrap();
    let older = build_package(dir.path(), &format!("{VERSION}-1"));
    let newer_version = format!("{VERSION}+upgrade-1");
    let newer = build_package(dir.path(), &newer_version);

    install(&older);
    assert_eq!(
        package_status(),
        format!("install ok installed {VERSION}-1")
    );
    // What postinst set up: the user, the configuration's owner and mode, the data directory,
    // the unit enabled.
    let account = must("getent", &["passwd", "ringside"]);
    let fields: Vec<&str> = account.trim().split(':').collect();
    let uid: u32 = fields[2].parse().unwrap();
    assert!(uid < 1000, "ringside is a system user: {account}");
    assert_eq!(fields[5], DATA, "{account}");
    assert_eq!(fields[6], "/usr/sbin/nologin", "{account}");
    assert_eq!(ownership(CONFIG), ("root".into(), "ringside".into(), 0o640));
    assert_eq!(
        ownership(DATA),
        ("ringside".into(), "ringside".into(), 0o750)
    );
    let wants = Path::new("/etc/systemd/system/multi-user.target.wants/ringside-hub.service");
    assert!(wants.is_symlink(), "the unit is enabled");
    assert_eq!(
        std::fs::canonicalize(wants).unwrap(),
        std::fs::canonicalize(UNIT).unwrap()
    );
    // With the binary installed, the unit verifies.
    let verify = run("systemd-analyze", &["verify", UNIT]);
    assert!(
        verify.status.success() && verify.stderr.is_empty(),
        "systemd-analyze verify: {}",
        String::from_utf8_lossy(&verify.stderr)
    );

    let unit = Unit::read(Path::new(UNIT));
    let app = TestApp::demo().await;
    ringside_tests::hubs::lift_budgets(&app);
    let port = free_port();
    configure_for(&app, port);
    // The first run under strace, to hold what the hub does against the unit's seccomp
    // filters, which only systemd applies.
    let trace = Path::new(DATA).join("package-test.strace");
    let hub = SandboxedHub::start_traced(&unit, port, &trace).await;
    let printed = cli_as_the_hub(&unit, &["agents", "add", "--admin", "it@acme.io"]);
    let token = printed
        .split_whitespace()
        .find(|w| w.starts_with("rs_"))
        .expect("the admin's token is printed")
        .to_owned();
    let scenario = Scenario::inbound_answered(demo::JANE, demo::SUPPORT_FR, demo::BOB);
    let call = log_a_call(&app, &hub, &scenario).await;
    hub.stop(&unit);
    let traced = std::fs::read_to_string(&trace).unwrap();
    std::fs::remove_file(&trace).unwrap();
    let refused = refused_by_the_unit(&unit, &traced);
    assert!(
        refused.is_empty(),
        "under its unit, systemd would have refused the hub: {refused:#?}"
    );
    // UMask=0077: what the hub wrote is its user's alone.
    for entry in std::fs::read_dir(DATA).unwrap().flatten() {
        let path = entry.path();
        let (owner, _, mode) = ownership(path.to_str().unwrap());
        assert_eq!(owner, "ringside", "{}", path.display());
        assert_eq!(mode & 0o077, 0, "{} is mode {mode:o}", path.display());
    }

    // A newer version over the older one: the edited configuration and the data stay.
    let edited = std::fs::read_to_string(CONFIG).unwrap();
    install(&newer);
    assert_eq!(
        package_status(),
        format!("install ok installed {newer_version}")
    );
    assert_eq!(std::fs::read_to_string(CONFIG).unwrap(), edited);
    assert_eq!(ownership(CONFIG), ("root".into(), "ringside".into(), 0o640));
    let hub = SandboxedHub::start(&unit, port).await;
    let calls = history(&hub, &token).await;
    let logged = calls.as_array().unwrap().iter().find(|item| {
        item["id"] == serde_json::json!(call.to_string()) && item["status"] == "logged"
    });
    assert!(
        logged.is_some(),
        "the call logged before the upgrade is in the history, logged: {calls}"
    );
    hub.stop(&unit);

    // remove keeps the data and the configuration; purge deletes both.
    must("dpkg", &["--remove", PACKAGE]);
    assert!(package_status().starts_with("deinstall ok config-files"));
    assert!(!Path::new("/usr/bin/ringside-cli").exists());
    assert!(Path::new(CONFIG).exists());
    let kept: Vec<_> = std::fs::read_dir(DATA).unwrap().flatten().collect();
    assert!(!kept.is_empty(), "remove kept {DATA} and the database");
    must("dpkg", &["--purge", PACKAGE]);
    assert!(!Path::new(DATA).exists(), "purge deletes {DATA}");
    assert!(
        !Path::new("/etc/ringside").exists(),
        "purge deletes /etc/ringside"
    );
    assert!(!wants.is_symlink(), "purge removes the unit's link");
}
