//! Backup and restore with the real `ringside-cli`: a backup taken while a burst of webhooks
//! arrives, restored into a new data directory and served, leaves Intercom as an uneventful run
//! does once Aircall resends what came after the backup; and the restores an admin must not be
//! allowed, refused in words.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use ringside_core::card::system_clock;
use ringside_core::store::{Store, DB_FILE};
use ringside_sandbox::scenario::{stage_at, Scenario};
use ringside_sandbox::Api;
use ringside_tests::hubs::{
    clean_run, cli_binary, free_port, health, lift_budgets, player, HubProcess,
};
use ringside_tests::normal::IntercomState;
use ringside_tests::TestApp;

/// `ringside-cli` with only a data directory configured.
fn cli(data_dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(cli_binary())
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RINGSIDE_DATA_DIR", data_dir)
        .output()
        .expect("ringside-cli runs")
}

fn text(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The hub instance a hub names in its answers.
async fn instance(addr: std::net::SocketAddr) -> String {
    let answer = reqwest::get(format!("http://{addr}/healthz"))
        .await
        .unwrap();
    answer.headers()[ringside_core::hub::INSTANCE_HEADER]
        .to_str()
        .unwrap()
        .to_owned()
}

/// Waits until `/healthz` shows nothing left to do.
async fn drained(addr: std::net::SocketAddr) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if health(addr).await == Some((0, 0)) {
            return;
        }
        assert!(Instant::now() < deadline, "the hub did not drain");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backup_taken_during_a_burst_restores_into_a_hub_that_loses_and_doubles_nothing() {
    let scenario = Scenario::mixed(30, 19);
    let start = system_clock()();
    let clean = clean_run(&scenario, start).await;

    let app = TestApp::demo().await;
    lift_budgets(&app);
    // Intercom answers slowly: effects are in flight when the backup is taken.
    app.sandbox
        .faults()
        .set_latency(Api::Intercom, Duration::from_millis(30));
    let staged = stage_at(&app.sandbox, &scenario, start).unwrap();
    let envelopes = staged.envelopes.clone();
    let (first_dir, second_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let old = HubProcess::start(&app, first_dir.path(), free_port()).await;
    let old_instance = instance(old.addr()).await;
    let aircall = player(old.addr());

    // Aircall sends the webhooks one after the other, a few milliseconds apart.
    let sender = {
        let (aircall, envelopes) = (aircall.clone(), envelopes.clone());
        tokio::spawn(async move {
            for envelope in &envelopes {
                let _ = aircall.deliver(envelope).await;
                tokio::time::sleep(Duration::from_millis(8)).await;
            }
        })
    };
    let accepted = || aircall.deliveries().iter().filter(|d| d.accepted()).count();
    let deadline = Instant::now() + Duration::from_secs(20);
    while accepted() < envelopes.len() / 3 {
        assert!(Instant::now() < deadline, "the burst did not start");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    // The backup, while webhooks keep coming. Right after it the machine is lost: from the
    // backup's start its work reaches Intercom no more, and it is killed once the backup is
    // written.
    app.sandbox
        .faults()
        .fail_next(Api::Intercom, usize::MAX, 503);
    let began = Instant::now();
    let vault = tempfile::tempdir().unwrap();
    let file = vault.path().join("ringside-backup.db");
    let backup = {
        let (dir, file) = (first_dir.path().to_owned(), file.clone());
        tokio::task::spawn_blocking(move || cli(&dir, &["backup", file.to_str().unwrap()]))
            .await
            .unwrap()
    };
    assert!(backup.status.success(), "{}", text(&backup));
    assert!(
        text(&backup).contains(&format!("schema version {}", Store::schema_version())),
        "{}",
        text(&backup)
    );
    println!("{}", String::from_utf8_lossy(&backup.stdout).trim());
    old.kill();
    sender.await.unwrap();
    app.sandbox.faults().clear();
    lift_budgets(&app);
    let during = aircall
        .deliveries()
        .iter()
        .filter(|d| d.accepted() && d.answered_at >= began)
        .count();
    assert!(during > 0, "no webhook arrived while the backup was taken");

    // Restored into a new data directory.
    let restored_dir = second_dir.path().join("data");
    let restore = cli(&restored_dir, &["restore", file.to_str().unwrap()]);
    assert!(restore.status.success(), "{}", text(&restore));
    assert!(text(&restore).contains("New hub instance id"));

    // Every webhook answered 200 before the backup began is in it.
    {
        let conn = rusqlite::Connection::open(restored_dir.join(DB_FILE)).unwrap();
        let before: Vec<_> = aircall
            .deliveries()
            .into_iter()
            .filter(|d| d.accepted() && d.answered_at < began)
            .collect();
        assert!(before.len() >= envelopes.len() / 3);
        for d in &before {
            let found: i64 = conn
                .query_row(
                    "SELECT COUNT(*) FROM inbox WHERE event = ?1
                       AND json_extract(body, '$.timestamp') = ?2
                       AND CAST(json_extract(body, '$.data.id') AS TEXT) = ?3",
                    rusqlite::params![
                        d.envelope.event,
                        d.envelope.timestamp,
                        d.envelope.subject_id()
                    ],
                    |r| r.get(0),
                )
                .unwrap();
            assert!(
                found >= 1,
                "{} of {} is missing",
                d.envelope.event,
                d.envelope.subject_id()
            );
        }
    }

    // Served, it is another hub to the desktop apps; Aircall resends what came since the
    // backup began (and what the lost hub never answered).
    let restored = HubProcess::start(&app, &restored_dir, free_port()).await;
    assert_ne!(instance(restored.addr()).await, old_instance);
    let resend = aircall.since(began);
    assert!(!resend.is_empty());
    let statuses = player(restored.addr())
        .redeliver(&aircall, resend, 100, Duration::from_millis(20))
        .await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    println!(
        "{} webhooks, {during} taken while the backup ran, {} resent to the restored hub",
        envelopes.len(),
        statuses.len()
    );
    drained(restored.addr()).await;
    // The senders' order across calls is kept, but a call's effects that were in flight at the
    // backup are finished after the restart: compare each conversation's notes as a set.
    let after = IntercomState::of(&app.sandbox).unordered();
    assert!(
        clean.clone().unordered() == after,
        "Intercom differs from the uneventful run:\n{}",
        after.difference(&clean.unordered())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restore_is_refused_while_the_hub_serves_and_for_a_newer_damaged_or_foreign_file() {
    let app = TestApp::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let hub = HubProcess::start(&app, &data, free_port()).await;
    let file = dir.path().join("backup.db");
    let file_arg = file.to_str().unwrap();

    let taken = cli(&data, &["backup", file_arg]);
    assert!(taken.status.success(), "{}", text(&taken));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o077,
            0,
            "the backup is readable by others: {mode:o}"
        );
    }
    let again = cli(&data, &["backup", file_arg]);
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again).contains("--force"), "{}", text(&again));
    let forced = cli(&data, &["backup", "--force", file_arg]);
    assert!(forced.status.success(), "{}", text(&forced));

    let serving = cli(&data, &["restore", file_arg]);
    assert_eq!(serving.status.code(), Some(2));
    assert!(
        text(&serving).contains("a hub is serving"),
        "{}",
        text(&serving)
    );
    hub.kill();
    let names = || {
        let mut names: Vec<String> = std::fs::read_dir(&data)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let before = names();

    // A backup from a newer Ringside.
    let newer = dir.path().join("newer.db");
    std::fs::copy(&file, &newer).unwrap();
    rusqlite::Connection::open(&newer)
        .unwrap()
        .pragma_update(None, "user_version", Store::schema_version() + 1)
        .unwrap();
    let refused = cli(&data, &["restore", newer.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        text(&refused).contains("newer than this Ringside"),
        "{}",
        text(&refused)
    );

    // A damaged one.
    let damaged = dir.path().join("damaged.db");
    let mut bytes = std::fs::read(&file).unwrap();
    let len = bytes.len();
    for b in &mut bytes[len / 2..len / 2 + 8192] {
        *b = 0x5a;
    }
    std::fs::write(&damaged, bytes).unwrap();
    let refused = cli(&data, &["restore", damaged.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        text(&refused).contains("integrity check"),
        "{}",
        text(&refused)
    );

    // Something else altogether.
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "call Jane back on Monday\n".repeat(100)).unwrap();
    let refused = cli(&data, &["restore", notes.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        text(&refused).contains("not a Ringside database"),
        "{}",
        text(&refused)
    );

    // Nothing was replaced or left behind; the real backup restores.
    assert_eq!(before, names());
    let restored = cli(&data, &["restore", file_arg]);
    assert!(restored.status.success(), "{}", text(&restored));
    assert!(
        std::fs::read_dir(&data).unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .contains(".before-restore-")),
        "the replaced database is kept"
    );
}
