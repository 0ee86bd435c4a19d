//! Running a hub against the sandbox: in process ([`start_hub`]) or as the real
//! `ringside-cli serve` binary ([`HubProcess`]), sending it webhooks, and waiting until it has
//! caught up ([`settle`]) or has nothing due ([`drained`]).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use ringside_core::card::system_clock;
use ringside_core::hub::{Hub, HubConfig};
use ringside_core::phone::Region;
use ringside_core::rules::Settings;
use ringside_core::store::Store;
use ringside_core::Secret;
use ringside_sandbox::scenario::{Envelope, Player};
use ringside_sandbox::Api;
use serde_json::Value;

use crate::TestApp;

/// The webhook token every test hub accepts.
pub const WEBHOOK_TOKEN: &str = "webhook-token-for-tests";

/// Lifts both fakes' request budgets far above what a test spends, so that only injected
/// faults refuse requests.
pub fn lift_budgets(app: &TestApp) {
    app.sandbox.faults().set_aircall_budget(100_000);
    app.sandbox
        .faults()
        .set_intercom_budget(100_000, Duration::from_secs(10));
}

/// Starts a hub in process on `127.0.0.1:0`, on an in-memory store, against the sandbox.
pub async fn start_hub(app: &TestApp, settings: Settings) -> Hub {
    start_hub_on(app, settings, Store::open_in_memory().expect("a store")).await
}

/// Starts a hub in process on this store.
pub async fn start_hub_on(app: &TestApp, settings: Settings, store: Store) -> Hub {
    let config = hub_config(app, settings, store);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    Hub::start(config, listener).await.expect("the hub starts")
}

/// The configuration of a hub on the sandbox, on this store, with the tests' webhook token and
/// the sandbox's budgets lifted.
pub fn hub_config(app: &TestApp, settings: Settings, store: Store) -> HubConfig {
    lift_budgets(app);
    HubConfig {
        store,
        intercom: app.intercom(),
        aircall: Some(app.aircall()),
        webhook_token: Some(Secret::new(WEBHOOK_TOKEN)),
        settings,
        default_region: Region::parse("FR").expect("FR"),
        clock: system_clock(),
        tls: None,
        sync: None,
        intercom_client_secret: None,
        signin: None,
        console: Default::default(),
    }
}

/// A player posting to the hub at `addr` with the tests' webhook token.
pub fn player(addr: SocketAddr) -> Player {
    Player::new(format!("http://{addr}/webhooks/aircall"), WEBHOOK_TOKEN)
}

/// Delivers every envelope once, in order, and checks that the hub took each one.
pub async fn deliver_all(player: &Player, envelopes: &[Envelope]) {
    for envelope in envelopes {
        let status = player.deliver(envelope).await.expect("the hub answers");
        assert_eq!(status, 200, "the hub refused {}", envelope.event);
    }
}

/// Waits until `check` holds, polling every 20 ms, or panics after `timeout`.
pub async fn until(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until the hub has processed every webhook and run every due effect.
pub async fn settle(store: &Store, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    loop {
        let inbox = store.inbox_depth().unwrap_or(1);
        let outbox = store.outbox_depth().unwrap_or(1);
        if inbox == 0 && outbox == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the hub did not catch up: {inbox} webhooks and {outbox} effects left, last error {:?}",
            store.outbox_last_error().ok().flatten()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The Intercom an uneventful run of `scenario` leaves: its envelopes delivered once, in order,
/// to a hub in process, and every effect done. The crash, shutdown and backup tests hold what
/// their hubs leave to it.
pub async fn clean_run(
    scenario: &ringside_sandbox::scenario::Scenario,
    start: i64,
) -> crate::normal::IntercomState {
    let app = TestApp::demo().await;
    let hub = start_hub(&app, Settings::default()).await;
    let staged = ringside_sandbox::scenario::stage_at(&app.sandbox, scenario, start)
        .expect("the scenario stages on the demo company");
    deliver_all(&player(hub.local_addr()), &staged.envelopes).await;
    settle(hub.store(), Duration::from_secs(20)).await;
    let state = crate::normal::IntercomState::of(&app.sandbox);
    hub.shutdown().await;
    state
}

/// Waits until the hub has processed every webhook and no effect is due: effects that wait for
/// a later attempt (a note waiting for its call's conversation) may remain. After it, nothing
/// more happens until something new arrives or a waiting effect's time comes.
pub async fn drained(store: &Store, timeout: Duration) {
    use ringside_core::store::Lane;
    let deadline = Instant::now() + timeout;
    loop {
        let now = system_clock()();
        let inbox = store.inbox_depth().unwrap_or(1);
        let due = [Lane::Interactive, Lane::Logging]
            .into_iter()
            .filter(|lane| {
                !matches!(store.outbox_next_due_at(*lane), Ok(None))
                    && !matches!(store.outbox_next_due_at(*lane), Ok(Some(at)) if at > now)
            })
            .count()
            + store.outbox_in_flight().unwrap_or(1) as usize;
        if inbox == 0 && due == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the hub did not drain: {inbox} webhooks left, {due} lanes with effects due or running"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The path of the `ringside-cli` binary next to this test binary, built once per process
/// with the same profile (`cargo build -p ringside-cli`).
pub fn cli_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let exe = std::env::current_exe().expect("the test binary's path");
        // target/<profile>/deps/<test> → target/<profile>
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("the test binary lives in target/<profile>/deps");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| env!("CARGO").to_owned());
        let mut build = Command::new(cargo);
        build
            .args(["build", "--quiet", "-p", "ringside-cli"])
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        // The variables cargo set for this test (CARGO_PKG_NAME, CARGO_MANIFEST_DIR…) would
        // look like a changed environment to some build scripts and rebuild half the tree.
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy();
            if key.starts_with("CARGO_") && key != "CARGO_HOME" {
                build.env_remove(key.as_ref());
            }
        }
        if profile_dir.file_name().is_some_and(|n| n == "release") {
            build.arg("--release");
        }
        if let Some(target) = profile_dir.parent() {
            build.env("CARGO_TARGET_DIR", target);
        }
        let status = build.status().expect("cargo runs");
        assert!(status.success(), "cargo build -p ringside-cli failed");
        let binary = profile_dir.join(format!("ringside-cli{}", std::env::consts::EXE_SUFFIX));
        assert!(binary.exists(), "{} was not built", binary.display());
        binary
    })
}

/// A free loopback port (bound, then released for the hub to take).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// `ringside-cli serve` in a child process, configured by the environment only, on a data
/// directory that outlives it. Dropping it kills it.
#[derive(Debug)]
pub struct HubProcess {
    child: Child,
    addr: SocketAddr,
}

impl HubProcess {
    /// Starts the binary on `port` with `data_dir`, against the sandbox, and waits until
    /// `/healthz` answers.
    pub async fn start(app: &TestApp, data_dir: &Path, port: u16) -> HubProcess {
        let credentials = app.sandbox.credentials();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let child = Command::new(cli_binary())
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("RINGSIDE_INTERCOM_TOKEN", &credentials.intercom_token)
            .env("RINGSIDE_INTERCOM_BASE_URL", app.sandbox.intercom_url())
            .env("RINGSIDE_AIRCALL_API_ID", &credentials.aircall_api_id)
            .env("RINGSIDE_AIRCALL_API_TOKEN", &credentials.aircall_api_token)
            .env("RINGSIDE_AIRCALL_BASE_URL", app.sandbox.aircall_url())
            .env("RINGSIDE_AIRCALL_BUDGET_PER_MINUTE", "100000")
            .env("RINGSIDE_DATA_DIR", data_dir)
            .env("RINGSIDE_WEBHOOK_TOKEN", WEBHOOK_TOKEN)
            .env("RINGSIDE_LISTEN", addr.to_string())
            .env("RINGSIDE_DEFAULT_REGION", "FR")
            // These tests are about logging; contact sync has its own.
            .env("RINGSIDE_SYNC_ENABLED", "false")
            .env("RINGSIDE_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("ringside-cli starts");
        let hub = HubProcess { child, addr };
        let client = reqwest::Client::new();
        let url = format!("http://{addr}/healthz");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(r) = client.get(&url).send().await {
                if r.status().is_success() {
                    break;
                }
            }
            assert!(
                Instant::now() < deadline,
                "the hub did not come up on {addr}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        hub
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// SIGTERM, as a service manager stops it; waits up to `within` for the process to exit.
    /// Returns how it exited (`None`: it had not, and was killed) and how long it took.
    pub async fn terminate(
        mut self,
        within: Duration,
    ) -> (Option<std::process::ExitStatus>, Duration) {
        let started = Instant::now();
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "SIGTERM could not be sent");
        while started.elapsed() < within {
            if let Some(status) = self.child.try_wait().expect("the hub's status") {
                return (Some(status), started.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        (None, started.elapsed())
    }

    /// SIGKILL: the process dies at once, whatever it was doing.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for HubProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `GET /healthz` of a hub: `(inbox_depth, outbox_depth)`.
pub async fn health(addr: SocketAddr) -> Option<(u64, u64)> {
    let body: Value = reqwest::get(format!("http://{addr}/healthz"))
        .await
        .ok()?
        .json()
        .await
        .ok()?;
    Some((
        body["inbox_depth"].as_u64()?,
        body["outbox_depth"].as_u64()?,
    ))
}

/// Requests the sandbox received, by API, as `(intercom, aircall)`.
pub fn request_counts(app: &TestApp) -> (usize, usize) {
    (
        app.sandbox.count_requests(Api::Intercom),
        app.sandbox.count_requests(Api::Aircall),
    )
}
