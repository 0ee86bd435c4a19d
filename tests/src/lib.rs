//! The harness of the cross-crate tests: a started sandbox with engine clients pointed at it
//! ([`TestApp`]), clients for any base URL, contact sync engines with quick retries, a
//! controllable clock for the card, and a canned HTTP server for failures the sandbox cannot
//! produce ([`canned`]).
//!
//! Every client built here has short timeouts and back-offs, so that failure paths finish in
//! milliseconds rather than the production defaults' seconds.

// The tests' harness is test code: it may panic, and `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod browser;
pub mod canned;
pub mod synced;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ringside_core::aircall::{AircallClient, AircallConfig};
use ringside_core::card::{system_clock, CardBuilder, Clock};
use ringside_core::intercom::{IntercomClient, IntercomConfig, Region};
use ringside_core::phone::E164;
use ringside_core::store::Store;
use ringside_core::sync::{SyncEngine, SyncOptions};
use ringside_core::{HttpSettings, Secret};
use ringside_sandbox::generate::GeneratedContact;
use ringside_sandbox::{Api, RequestRecord, Sandbox, Seed};
use url::Url;

/// Ids and numbers of the demo fixture (see `ringside_sandbox`'s crate documentation).
pub mod demo {
    /// The Intercom workspace.
    pub const WORKSPACE: &str = "ecahpwf5";
    /// The admin that owns the Intercom token.
    pub const INTEGRATION_ADMIN: &str = "991267700";
    /// Bob Martin, `in_call` in Aircall.
    pub const BOB: &str = "991267701";
    /// Alice Durand, `available` in Aircall.
    pub const ALICE: &str = "991267702";
    /// Jane Roe, a lead stored as `07 62 04 35 75`.
    pub const JANE: &str = "6762f0dd1bb69f9f2193bb83";
    /// Jane's open conversation, owned by Bob.
    pub const JANE_OPEN: &str = "215475827415413";
    /// Jane's number.
    pub const JANE_PHONE: &str = "+33762043575";
    /// A number nobody has.
    pub const UNKNOWN_PHONE: &str = "+33650505050";
    /// The number Paul and Claire Lefèvre share.
    pub const SHARED_PHONE: &str = "+33184880000";
    /// Paul Lefèvre.
    pub const PAUL: &str = "6762f0dd1bb69f9f2193bb89";
    /// Claire Lefèvre.
    pub const CLAIRE: &str = "6762f0dd1bb69f9f2193bb8a";
    /// The inbound call from Jane, still ringing.
    pub const RINGING_CALL: u64 = 780836754;
    /// John's call, answered by Alice and ended.
    pub const DONE_CALL: u64 = 780836700;
    /// Aircall user Bob Martin.
    pub const AIRCALL_BOB: u64 = 1101;
}

/// The workspace's top folder (the one with the root `Cargo.toml`).
pub fn workspace_root() -> std::path::PathBuf {
    let tests = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    tests.parent().unwrap_or(tests).to_owned()
}

/// Every file below `dir` whose name ends with `.{extension}`, into `out`; `target` folders and
/// hidden ones are left out.
pub fn files_with_extension(
    dir: &std::path::Path,
    extension: &str,
    out: &mut Vec<std::path::PathBuf>,
) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == "target" || name.to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            files_with_extension(&path, extension, out);
        } else if path.extension().is_some_and(|e| e == extension) {
            out.push(path);
        }
    }
}

/// Timeouts and retries small enough for tests: three attempts for a read, 5 ms back-off.
pub fn quick_http() -> HttpSettings {
    HttpSettings {
        connect_timeout: Duration::from_secs(1),
        request_timeout: Duration::from_secs(2),
        read_attempts: 3,
        backoff: Duration::from_millis(5),
        max_reset_wait: Duration::from_secs(5),
    }
}

/// An Intercom client for `base_url` with `token` and these settings.
pub fn intercom_client(base_url: &str, token: &str, http: HttpSettings) -> IntercomClient {
    let mut config = IntercomConfig::new(Secret::new(token), Region::Us);
    config.base_url = Url::parse(base_url).expect("a base URL");
    config.http = http;
    IntercomClient::new(config).expect("an Intercom client")
}

/// An Aircall client for `base_url` with this API key, budget and settings.
pub fn aircall_client(
    base_url: &str,
    api_id: &str,
    api_token: &str,
    budget_per_minute: u32,
    http: HttpSettings,
) -> AircallClient {
    let mut config = AircallConfig::new(api_id, Secret::new(api_token));
    config.base_url = Url::parse(base_url).expect("a base URL");
    config.budget_per_minute = budget_per_minute;
    config.http = http;
    AircallClient::new(config).expect("an Aircall client")
}

/// Contact sync options for tests: national numbers read in France (the demo workspace's
/// region), retries 20 ms apart for at most two seconds.
pub fn sync_options() -> SyncOptions {
    let mut options = SyncOptions::new(ringside_core::phone::Region::parse("FR").expect("FR"));
    options.retry_backoff = Duration::from_millis(20);
    options.patience = Duration::from_secs(2);
    options
}

/// A number the test knows to be E.164.
pub fn e164(number: &str) -> E164 {
    E164::from_e164(number).expect("an E.164 number")
}

/// A started demo sandbox.
#[derive(Debug)]
pub struct TestApp {
    /// The running fakes.
    pub sandbox: Sandbox,
}

impl TestApp {
    /// Starts the sandbox on [`Seed::demo`].
    pub async fn demo() -> TestApp {
        TestApp {
            sandbox: Sandbox::start(Seed::demo())
                .await
                .expect("the sandbox starts"),
        }
    }

    /// Starts the sandbox on any seed.
    pub async fn with(seed: Seed) -> TestApp {
        TestApp {
            sandbox: Sandbox::start(seed).await.expect("the sandbox starts"),
        }
    }

    /// An empty workspace filled with `count` generated contacts (see
    /// `ringside_sandbox::generate`), with both fakes' limits raised out of the way. Returns
    /// each contact's Intercom id with what was generated.
    pub async fn generated(count: usize, seed: u64) -> (TestApp, Vec<(String, GeneratedContact)>) {
        let app = TestApp::with(Seed::empty()).await;
        app.unlimited();
        let generated = ringside_sandbox::generate::contacts(count, seed);
        let ids = app
            .sandbox
            .add_intercom_contacts(generated.iter().map(|g| g.contact.clone()));
        (app, ids.into_iter().zip(generated).collect())
    }

    /// Raises both fakes' rate limits far above anything a test sends.
    pub fn unlimited(&self) {
        self.sandbox.faults().set_aircall_budget(10_000_000);
        self.sandbox
            .faults()
            .set_intercom_budget(10_000_000, Duration::from_secs(10));
    }

    /// A contact sync engine on the sandbox over `store`, allowed `budget` Aircall requests a
    /// minute.
    pub fn sync_engine(&self, store: Store, options: SyncOptions, budget: u32) -> SyncEngine {
        let token = self.sandbox.credentials().aircall_api_token;
        SyncEngine::new(
            self.intercom(),
            self.aircall_with(&token, budget, quick_http()),
            store,
            options,
        )
    }

    /// The requests that changed something in the fake Aircall (anything but a GET), oldest
    /// first, from the `from`-th request of the log on.
    pub fn aircall_writes(&self, from: usize) -> Vec<RequestRecord> {
        self.sandbox
            .aircall()
            .requests()
            .into_iter()
            .skip(from)
            .filter(|r| r.method != "GET")
            .collect()
    }

    /// How many requests the fake Aircall has received.
    pub fn aircall_count(&self) -> usize {
        self.sandbox.count_requests(Api::Aircall)
    }

    /// An Intercom client on the sandbox with the right token.
    pub fn intercom(&self) -> IntercomClient {
        self.intercom_with(&self.sandbox.credentials().intercom_token, quick_http())
    }

    /// An Intercom client on the sandbox with any token and settings.
    pub fn intercom_with(&self, token: &str, http: HttpSettings) -> IntercomClient {
        intercom_client(&self.sandbox.intercom_url(), token, http)
    }

    /// An Aircall client on the sandbox with the right key and a budget far above what a test
    /// spends (the sandbox still enforces its own 60 a minute).
    pub fn aircall(&self) -> AircallClient {
        let token = self.sandbox.credentials().aircall_api_token;
        self.aircall_with(&token, 6_000, quick_http())
    }

    /// An Aircall client on the sandbox with any token, budget and settings.
    pub fn aircall_with(&self, token: &str, budget: u32, http: HttpSettings) -> AircallClient {
        let id = self.sandbox.credentials().aircall_api_id;
        aircall_client(&self.sandbox.aircall_url(), &id, token, budget, http)
    }

    /// A card builder over both sandbox APIs and a fresh in-memory store.
    pub fn card_builder(&self) -> CardBuilder {
        let store = Store::open_in_memory().expect("an in-memory store");
        CardBuilder::new(self.intercom(), Some(self.aircall()), store)
    }

    /// The Intercom requests the sandbox received on `path`.
    pub fn intercom_requests(&self, path: &str) -> Vec<RequestRecord> {
        only(self.sandbox.intercom().requests(), path)
    }

    /// The Aircall requests the sandbox received on `path`.
    pub fn aircall_requests(&self, path: &str) -> Vec<RequestRecord> {
        only(self.sandbox.aircall().requests(), path)
    }
}

fn only(requests: Vec<RequestRecord>, path: &str) -> Vec<RequestRecord> {
    requests.into_iter().filter(|r| r.path == path).collect()
}

/// The statuses of these requests, in order.
pub fn statuses(requests: &[RequestRecord]) -> Vec<u16> {
    requests.iter().map(|r| r.status).collect()
}

/// A clock that follows the system clock plus an offset the test moves forward.
#[derive(Debug, Clone, Default)]
pub struct TestClock {
    offset: Arc<AtomicI64>,
}

impl TestClock {
    /// The clock to give [`CardBuilder::with_clock`].
    pub fn clock(&self) -> Clock {
        let offset = self.offset.clone();
        let system = system_clock();
        Arc::new(move || system() + offset.load(Ordering::SeqCst))
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        self.offset.fetch_add(by.as_secs() as i64, Ordering::SeqCst);
    }
}

pub mod hubs;
pub mod normal;
pub mod stream;
