//! The desktop benchmark: `cargo xtask bench-desktop` builds `ringside` and the
//! `empty_window` baseline in release and runs this inside the desktop test environment.
//!
//! The app runs as agents run it: in connected mode, the hub elsewhere. This driver starts the
//! sandbox and a hub on it in its own process (the demo's hub settings: presence, outcomes),
//! gives each run of the app a fresh data directory (`RINGSIDE_DATA_DIR`) whose settings point
//! at that hub, with the demo agent's token in the keyring, and plays the rings as Aircall's
//! webhooks to the hub. `--demo` measures the demo instead (the hub and the sandbox inside the
//! app), as the benchmark did before.
//!
//! `bench_desktop --app PATH --baseline PATH [--starts N] [--rings N]` prints medians of:
//!
//! - **cold start**: from just before the process is spawned to its `tray` timing mark, and to
//!   its `window` mark (the main window is built; the baseline's only window), over `--starts`
//!   runs (5) of each app;
//! - **resident memory** of the whole process tree (the app and every descendant:
//!   WebKitWebProcess, WebKitNetworkProcess…), idle 5 s after start and with the card open 3 s
//!   after the first card was drawn: the sum of `VmRSS` (`/proc/PID/status`) and the sum of
//!   `Pss` (`/proc/PID/smaps_rollup`, where a shared page is divided among the processes that
//!   map it, so the sum does not count it twice);
//! - **ring → card visible**: from the `ring` mark (the hub accepted the call's `call.created`
//!   webhook), and from the `ready` mark (the ring reached the app: the target counts
//!   from there), to the `card` mark (the card window drew that call), over `--rings` calls (20)
//!   3 s apart in one run, after a first ring that opens the card window; that first ring (in
//!   each cold run) is reported apart. The median time from the ring to each mark in between
//!   (`ready`, `open`, `fetch`, `fetched`) says where a ring's time goes: the hub, the app or
//!   the page.
//!
//! `RINGSIDE_BENCH_SMAPS=DIR` keeps each measured process's `/proc/PID/smaps` of each sample in
//! `DIR` (`<sample>-<name>-<pid>.smaps`), to see which mappings the memory is in.
//!
//! `bench_desktop --app PATH --trace-pages OUT [--demo]` measures nothing: it starts the app
//! once, as above, and writes to `OUT` the pages of the app's own machine code that are
//! present idle (`idle 0x…`, addresses as the ELF file gives them) and after the first ring's
//! card (`ring 0x…`), from `/proc/PID/pagemap`. Then it sends the app signal 40, on which the
//! tracing library makes it leave (its coverage counters written), and waits for it.
//! `cargo xtask start-order` runs it with `RINGSIDE_BENCH_APP_PRELOAD` naming that library,
//! which the app gets as `LD_PRELOAD`, and makes the release link order from what it writes.
//!
//! "Cold" means a new process, not an empty page cache: one untimed run of each app comes
//! first. Both apps run with `RINGSIDE_TIMINGS=1` (see `ringside_lib::timings`); the rings are
//! a script of rings only, the first one 10 s after start (the driver marks `ring` when the hub
//! accepted a call's `call.created`, as the demo does in demo mode).

// Benchmark code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ringside_core::Secret;
use ringside_lib::timings::PREFIX;
use ringside_lib::vault::Vault;
use ringside_lib::windows::COMPOSITING_VARIABLE as COMPOSITING_OFF;
use ringside_sandbox::scenario::{demo, Change, Pace, Scenario, Step};
use ringside_sandbox::Sandbox;

/// Seconds of quiet before the first ring, and between rings (scenario seconds, played as is).
const FIRST_RING_AT: i64 = 10;
const RING_GAP: i64 = 3;
const SETTLE_IDLE: Duration = Duration::from_secs(5);
const SETTLE_CARD: Duration = Duration::from_secs(3);
const WITHIN: Duration = Duration::from_secs(60);
/// The targets of the issue "The desktop app, ready to hand to a team of agents": PSS against
/// the empty window's, idle and with the card open, and every ring's card within 50 ms.
const IDLE_TARGET: f64 = 1.15;
const CARD_TARGET: f64 = 1.35;
const RING_TARGET_MS: f64 = 50.0;

fn now_micros() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or_default()
}

/// One timing mark read from the app's stderr.
#[derive(Debug, Clone)]
struct Mark {
    name: String,
    micros: i64,
    call: Option<u64>,
}

fn parse_mark(line: &str) -> Option<Mark> {
    let mut words = line.strip_prefix(PREFIX)?.split_whitespace();
    Some(Mark {
        name: words.next()?.to_owned(),
        micros: words.next()?.parse().ok()?,
        call: words.next().and_then(|c| c.parse().ok()),
    })
}

/// An app started for a measurement, in its own process group, stopped when dropped.
struct Running {
    child: Child,
    spawned: i64,
    marks: mpsc::Receiver<Mark>,
    /// Where the driver adds its own marks (`ring`, in connected mode).
    tx: mpsc::Sender<Mark>,
    /// The run's data directory (connected mode), removed with it.
    data: Option<tempfile::TempDir>,
    /// The run's hub (connected mode), stopped with it.
    hub: Option<RemoteHub>,
}

impl Running {
    fn start(binary: &Path, args: &[String]) -> Running {
        Running::start_with(binary, args, &[])
    }

    /// [`Running::start`] with these extra environment variables.
    fn start_with(binary: &Path, args: &[String], env: &[(&str, &str)]) -> Running {
        let spawned = now_micros();
        let mut command = Command::new(binary);
        if let Some(preload) = std::env::var_os("RINGSIDE_BENCH_APP_PRELOAD") {
            command.env("LD_PRELOAD", preload);
        }
        let mut child = command
            .args(args)
            .envs(env.iter().copied())
            .env("RINGSIDE_TIMINGS", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let stderr = child.stderr.take().expect("stderr is piped");
        let (tx, marks) = mpsc::channel();
        let ours = tx.clone();
        // Reads until the app is gone (a full pipe would block the app).
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(mark) = parse_mark(&line) {
                    let _ = tx.send(mark);
                }
            }
        });
        Running {
            child,
            spawned,
            marks,
            tx: ours,
            data: None,
            hub: None,
        }
    }

    /// The next mark with this name (and call), skipping others.
    fn next(&self, name: &str, call: Option<u64>) -> Mark {
        let deadline = Instant::now() + WITHIN;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.marks.recv_timeout(left) {
                Ok(m) if m.name == name && (call.is_none() || m.call == call) => return m,
                Ok(_) => {}
                Err(_) => panic!("no `{name}` mark within {WITHIN:?}"),
            }
        }
    }

    fn memory(&self) -> Memory {
        Memory::of_tree(self.child.id())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let tree = descendants(self.child.id());
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        for pid in &tree {
            let _ = Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.wait();
        // WebKit's helpers leave once their parent is gone; give them a moment.
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// A process and every descendant of it, from `/proc/*/stat`.
fn descendants(root: u32) -> Vec<u32> {
    let mut children: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ppid …`: comm may hold spaces and parentheses.
        let after = stat.rfind(')').map(|i| &stat[i + 1..]).unwrap_or("");
        if let Some(ppid) = after.split_whitespace().nth(1).and_then(|p| p.parse().ok()) {
            children.entry(ppid).or_default().push(pid);
        }
    }
    let mut out = vec![root];
    let mut next = 0;
    while next < out.len() {
        out.extend(children.get(&out[next]).cloned().unwrap_or_default());
        next += 1;
    }
    out
}

/// Resident memory of a process tree, in KiB, and each process's name and PSS.
#[derive(Debug, Clone, Default)]
struct Memory {
    processes: usize,
    rss: u64,
    pss: u64,
    each: Vec<(String, u64)>,
}

fn kib_field(path: PathBuf, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().find(|l| l.starts_with(field))?;
    line[field.len()..].split_whitespace().next()?.parse().ok()
}

impl Memory {
    fn of_tree(root: u32) -> Memory {
        let mut memory = Memory::default();
        for pid in descendants(root) {
            let dir = PathBuf::from(format!("/proc/{pid}"));
            if let Some(rss) = kib_field(dir.join("status"), "VmRSS:") {
                let pss = kib_field(dir.join("smaps_rollup"), "Pss:").unwrap_or(0);
                let name = std::fs::read_to_string(dir.join("comm")).unwrap_or_default();
                memory.processes += 1;
                memory.rss += rss;
                memory.pss += pss;
                memory.each.push((name.trim().to_owned(), pss));
                if let Some(keep) = std::env::var_os("RINGSIDE_BENCH_SMAPS") {
                    let sample = SystemTime::now()
                        .duration_since(UNIX_EPOCH)
                        .unwrap_or_default()
                        .as_millis();
                    let to =
                        PathBuf::from(keep).join(format!("{sample}-{}-{pid}.smaps", name.trim()));
                    if let Err(e) = std::fs::copy(dir.join("smaps"), &to) {
                        eprintln!("cannot keep {}: {e}", to.display());
                    }
                }
            }
        }
        memory
    }
}

/// `count` inbound calls that ring and stay ringing, `RING_GAP` s apart, from the demo's known
/// callers in turn (a lead, a user, the shared number, the hostile name…).
fn rings(count: usize) -> Scenario {
    let callers = [
        demo::JANE,
        demo::JOHN,
        demo::SOPHIE,
        demo::SHARED,
        demo::HOSTILE,
    ];
    let steps = (0..count)
        .map(|i| Step {
            subject: format!("ring-{i}"),
            at: FIRST_RING_AT + i as i64 * RING_GAP,
            event: "call.created".into(),
            change: Change::StartCall {
                direction: "inbound".into(),
                raw_digits: callers[i % callers.len()].into(),
                line: demo::SUPPORT_FR,
                user: None,
            },
        })
        .collect();
    Scenario::new("desktop benchmark", steps)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

fn percentile(values: &mut [f64], p: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    if values.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * values.len() as f64).ceil() as usize;
    values[rank.clamp(1, values.len()) - 1]
}

/// Medians of several runs of one app.
#[derive(Debug, Default)]
struct Figures {
    tray_ms: Vec<f64>,
    start_ms: Vec<f64>,
    idle: Vec<Memory>,
    card: Vec<Memory>,
    first_ring_ms: Vec<f64>,
    /// The first ring's time from reaching the app (`ready`) to its card drawn, one per run.
    first_ring_in_app_ms: Vec<f64>,
    /// The first ring's time to each mark of [`STEPS`], one per run.
    first_ring_steps: BTreeMap<String, Vec<f64>>,
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn median_of(memories: &[Memory], pick: impl Fn(&Memory) -> f64) -> f64 {
    median(&mut memories.iter().map(pick).collect::<Vec<_>>())
}

/// One cold run of the empty window; `env` as [`Running::start_with`].
fn baseline_run(binary: &Path, env: &[(&str, &str)], figures: &mut Figures) {
    let run = Running::start_with(binary, &[], env);
    let ready = run.next("window", None);
    figures
        .start_ms
        .push((ready.micros - run.spawned) as f64 / 1000.0);
    std::thread::sleep(SETTLE_IDLE);
    figures.idle.push(run.memory());
}

fn app_args(script: &Path) -> Vec<String> {
    vec![
        "--demo".into(),
        "--demo-step-ms".into(),
        (FIRST_RING_AT * 1000).to_string(),
        "--demo-script".into(),
        script.display().to_string(),
    ]
}

/// The hub the app connects to in connected mode: the sandbox and a hub on it, in this process,
/// on a runtime of its own.
struct RemoteHub {
    runtime: tokio::runtime::Runtime,
    sandbox: Sandbox,
    hub: ringside_core::hub::Hub,
    _dir: tempfile::TempDir,
}

const WEBHOOK_TOKEN: &str = "bench-webhook-token";

impl RemoteHub {
    fn start() -> RemoteHub {
        let runtime = tokio::runtime::Runtime::new().expect("a runtime");
        let dir = tempfile::tempdir().expect("a directory for the hub");
        let (sandbox, hub) = runtime.block_on(async {
            let sandbox = Sandbox::start(ringside_sandbox::Seed::demo())
                .await
                .expect("the sandbox");
            sandbox.faults().set_aircall_budget(100_000);
            let creds = sandbox.credentials();
            let mut intercom = ringside_core::intercom::IntercomConfig::new(
                Secret::new(creds.intercom_token),
                Default::default(),
            );
            intercom.base_url = sandbox.intercom_url().parse().unwrap();
            let mut aircall = ringside_core::aircall::AircallConfig::new(
                creds.aircall_api_id,
                Secret::new(creds.aircall_api_token),
            );
            aircall.base_url = sandbox.aircall_url().parse().unwrap();
            aircall.budget_per_minute = 100_000;
            let store = ringside_core::store::Store::open(dir.path()).expect("the hub's store");
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let hub = ringside_core::hub::Hub::start(
                ringside_core::hub::HubConfig {
                    store,
                    intercom: ringside_core::intercom::IntercomClient::new(intercom).unwrap(),
                    aircall: Some(ringside_core::aircall::AircallClient::new(aircall).unwrap()),
                    webhook_token: Some(Secret::new(WEBHOOK_TOKEN)),
                    settings: ringside_lib::modes::demo_hub_settings(),
                    default_region: ringside_core::phone::Region::parse("FR").unwrap(),
                    clock: ringside_core::card::system_clock(),
                    tls: None,
                    sync: None,
                    intercom_client_secret: None,
                    signin: None,
                    console: Default::default(),
                },
                listener,
            )
            .await
            .expect("the hub");
            (sandbox, hub)
        });
        RemoteHub {
            runtime,
            sandbox,
            hub,
            _dir: dir,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.hub.local_addr())
    }

    /// A new agent token for the demo's agent, kept in the keyring where the app reads it.
    fn token_in_keyring(&self) {
        let token = self
            .hub
            .store()
            .add_agent(ringside_lib::modes::DEMO_AGENT, 0)
            .expect("an agent token");
        ringside_lib::vault::Keyring
            .set(ringside_lib::vault::SecretName::AgentToken, &token)
            .expect("the keyring of the test environment");
    }

    /// Plays `scenario` to the hub in real time, marking `ring` on `run` as each call's
    /// `call.created` is accepted, once the app follows the hub's stream.
    fn play(&self, scenario: &Scenario, tx: mpsc::Sender<Mark>) {
        let streams = self.hub.streams();
        let deadline = Instant::now() + WITHIN;
        while streams.count(ringside_lib::modes::DEMO_AGENT) == 0 {
            assert!(Instant::now() < deadline, "the app never followed the hub");
            std::thread::sleep(Duration::from_millis(50));
        }
        let player = ringside_sandbox::scenario::Player::new(
            format!("{}/webhooks/aircall", self.url()),
            WEBHOOK_TOKEN,
        )
        .with_pace(Pace::Scaled {
            factor: 1.0,
            max_pause: Duration::from_secs(FIRST_RING_AT as u64),
        });
        // The first ring comes at its own time, after the idle measurement.
        let first = scenario.steps.first().map_or(0, |s| s.at.max(0) as u64);
        std::thread::sleep(Duration::from_secs(first));
        self.runtime.block_on(async {
            let mut playback = player.playback(&self.sandbox, scenario);
            while let Some(next) = playback.peek().cloned() {
                let status = playback.step().await.expect("the hub takes the webhook");
                if status.is_none() {
                    break;
                }
                if next.event == "call.created" {
                    let _ = tx.send(Mark {
                        name: "ring".into(),
                        micros: now_micros(),
                        call: playback.call(&next.subject),
                    });
                }
            }
        });
    }
}

/// The app under test: demo mode (`--demo`), or connected to a hub of the driver's, a new one
/// for each run (a run's calls ring on, and the next run's app would show them at its start).
enum Target {
    Demo,
    Connected,
}

impl Target {
    /// Starts the app; in connected mode, on a fresh data directory whose settings point at the
    /// hub, and plays `scenario` to the hub from another thread.
    fn start(&self, binary: &Path, script: &Path) -> Running {
        match self {
            Target::Demo => Running::start(binary, &app_args(script)),
            Target::Connected => {
                let hub = RemoteHub::start();
                let data = tempfile::tempdir().expect("a data directory");
                let journal = ringside_lib::journal::Journal::open(&data.path().join("desktop"))
                    .expect("the app's journal");
                ringside_lib::settings::Settings {
                    mode: ringside_lib::settings::ModeKind::Connected,
                    hub_url: hub.url(),
                    ..Default::default()
                }
                .save(&journal)
                .expect("the app's settings");
                drop(journal);
                hub.token_in_keyring();
                let dir = data.path().display().to_string();
                let mut run = Running::start_with(binary, &[], &[("RINGSIDE_DATA_DIR", &dir)]);
                run.data = Some(data);
                run.hub = Some(hub);
                run
            }
        }
    }

    /// Plays the rings (connected mode; the demo plays its own script), in the background.
    fn play<'s>(scope: &'s std::thread::Scope<'s, '_>, run: &'s Running, scenario: &'s Scenario) {
        if let Some(hub) = &run.hub {
            let tx = run.tx.clone();
            scope.spawn(move || hub.play(scenario, tx));
        }
    }
}

fn app_cold_run(
    target: &Target,
    binary: &Path,
    script: &Path,
    scenario: &Scenario,
    figures: &mut Figures,
) {
    let run = target.start(binary, script);
    std::thread::scope(|scope| {
        Target::play(scope, &run, scenario);
        app_cold_measure(&run, figures);
    });
}

fn app_cold_measure(run: &Running, figures: &mut Figures) {
    let tray = run.next("tray", None);
    let window = run.next("window", None);
    figures
        .tray_ms
        .push((tray.micros - run.spawned) as f64 / 1000.0);
    figures
        .start_ms
        .push((window.micros - run.spawned) as f64 / 1000.0);
    std::thread::sleep(SETTLE_IDLE);
    figures.idle.push(run.memory());
    let ring = run.next("ring", None);
    // The first ring's own marks, the first of each name, up to its card.
    let mut marks: BTreeMap<String, i64> = BTreeMap::new();
    let deadline = Instant::now() + WITHIN;
    while !marks.contains_key("card") {
        let left = deadline.saturating_duration_since(Instant::now());
        let mark = run
            .marks
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("the first ring's card was not drawn within {WITHIN:?}"));
        if mark.call == ring.call {
            marks.entry(mark.name).or_insert(mark.micros);
        }
    }
    figures
        .first_ring_ms
        .push((marks["card"] - ring.micros) as f64 / 1000.0);
    if let Some(ready) = marks.get("ready") {
        figures
            .first_ring_in_app_ms
            .push((marks["card"] - ready) as f64 / 1000.0);
    }
    for step in STEPS {
        if let Some(at) = marks.get(step) {
            figures
                .first_ring_steps
                .entry(step.to_owned())
                .or_default()
                .push((at - ring.micros) as f64 / 1000.0);
        }
    }
    std::thread::sleep(SETTLE_CARD);
    figures.card.push(run.memory());
}

/// The marks after a ring, which split its latency: the hub's part ends at `ready` (the event
/// reached the app), the app shows the card window (`open`), a window asks for the card and
/// gets it (`fetch`, `fetched`), and the card window draws it (`card`).
const STEPS: [&str; 5] = ["ready", "open", "fetch", "fetched", "card"];

/// One run of a script of `count` rings: each ring's latency to its card, in ms, but the
/// first's (it also opens the card window), and the median time from the ring to each mark of
/// [`STEPS`] over those rings (a call without that mark is left out).
fn ring_run(
    target: &Target,
    binary: &Path,
    script: &Path,
    scenario: &Scenario,
    count: usize,
) -> (Vec<f64>, Vec<f64>, Vec<(String, f64)>) {
    let run = target.start(binary, script);
    std::thread::scope(|scope| {
        Target::play(scope, &run, scenario);
        ring_measure(&run, count)
    })
}

fn ring_measure(run: &Running, count: usize) -> (Vec<f64>, Vec<f64>, Vec<(String, f64)>) {
    run.next("tray", None);
    // Each call's marks, the first of each name, in the order the calls rang.
    let mut calls: Vec<(u64, BTreeMap<String, i64>)> = Vec::new();
    let mut drawn = 0;
    let deadline = Instant::now() + WITHIN + Duration::from_secs(RING_GAP as u64 * count as u64);
    while drawn < count {
        let left = deadline.saturating_duration_since(Instant::now());
        let mark = run
            .marks
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("only {drawn} of {count} cards were drawn"));
        let Some(call) = mark.call else { continue };
        if mark.name == "ring" {
            calls.push((call, BTreeMap::new()));
        }
        let Some((_, marks)) = calls.iter_mut().find(|(c, _)| *c == call) else {
            continue;
        };
        if mark.name == "card" && !marks.contains_key("card") {
            drawn += 1;
        }
        marks.entry(mark.name).or_insert(mark.micros);
    }
    let later = &calls[1..];
    let latencies = later
        .iter()
        .filter_map(|(_, m)| Some((m.get("card")? - m.get("ring")?) as f64 / 1000.0))
        .collect();
    let in_app = later
        .iter()
        .filter_map(|(_, m)| Some((m.get("card")? - m.get("ready")?) as f64 / 1000.0))
        .collect();
    let steps = STEPS
        .iter()
        .map(|step| {
            let mut each: Vec<f64> = later
                .iter()
                .filter_map(|(_, m)| Some((m.get(*step)? - m.get("ring")?) as f64 / 1000.0))
                .collect();
            (step.to_string(), median(&mut each))
        })
        .collect();
    (latencies, in_app, steps)
}

/// The pages of `binary`'s machine code present in process `pid`, as addresses of the ELF
/// file (the mapping's address less the load address, the start of the file's first mapping).
fn present_code_pages(pid: u32, binary: &Path) -> Vec<u64> {
    const PAGE: u64 = 4096;
    let binary = binary.canonicalize().expect("the app's path");
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).expect("the app's maps");
    let mut base = None;
    let mut code = Vec::new();
    for line in maps.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() < 6 || Path::new(fields[5]) != binary {
            continue;
        }
        let (start, end) = fields[0].split_once('-').expect("a range");
        let start = u64::from_str_radix(start, 16).expect("an address");
        let end = u64::from_str_radix(end, 16).expect("an address");
        if u64::from_str_radix(fields[2], 16) == Ok(0) {
            base.get_or_insert(start);
        }
        if fields[1].contains('x') {
            code.push((start, end));
        }
    }
    let base = base.expect("the binary's first mapping");
    let mut present = Vec::new();
    let file = std::fs::File::open(format!("/proc/{pid}/pagemap")).expect("the app's pagemap");
    for (start, end) in code {
        let mut entries = vec![0u8; ((end - start) / PAGE * 8) as usize];
        std::os::unix::fs::FileExt::read_exact_at(&file, &mut entries, start / PAGE * 8)
            .expect("the pagemap's entries");
        for (i, entry) in entries.chunks_exact(8).enumerate() {
            let bits = u64::from_le_bytes(entry.try_into().expect("eight bytes"));
            if bits >> 63 == 1 {
                present.push(start + i as u64 * PAGE - base);
            }
        }
    }
    present
}

/// `--trace-pages OUT`: one start of the app, the present pages of its code idle and after the
/// first ring's card, written to `OUT`.
fn trace_pages(target: &Target, binary: &Path, script: &Path, scenario: &Scenario, out: &Path) {
    let run = target.start(binary, script);
    let pid = run.child.id();
    let mut lines = String::new();
    std::thread::scope(|scope| {
        Target::play(scope, &run, scenario);
        run.next("window", None);
        std::thread::sleep(SETTLE_IDLE);
        let idle = present_code_pages(pid, binary);
        let ring = run.next("ring", None);
        run.next("card", ring.call);
        std::thread::sleep(SETTLE_CARD);
        let card = present_code_pages(pid, binary);
        eprintln!(
            "pages of the app's code present: {} idle, {} after the first card",
            idle.len(),
            card.len()
        );
        for page in &idle {
            lines.push_str(&format!("idle {page:#x}\n"));
        }
        for page in card.iter().filter(|p| !idle.contains(p)) {
            lines.push_str(&format!("ring {page:#x}\n"));
        }
    });
    std::fs::write(out, lines).expect("the trace");
    // Signal 40 (SIGRTMIN+6): the tracing library makes the app leave, having written its
    // counters when it is a build instrumented for coverage.
    let mut run = run;
    if let Ok(Some(status)) = run.child.try_wait() {
        eprintln!("the app left before it was asked to: {status}");
        return;
    }
    let _ = Command::new("kill")
        .args(["-40", &pid.to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = run.child.try_wait() {
            eprintln!("the app left when asked: {status}");
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!("the app did not leave on signal 40 within 20 s");
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: bench_desktop --app PATH (--baseline PATH [--starts N] [--rings N] | --trace-pages OUT) [--demo]";
    let app = PathBuf::from(arg(&args, "--app").expect(usage));
    let trace = arg(&args, "--trace-pages").map(PathBuf::from);
    let baseline = arg(&args, "--baseline").map(PathBuf::from);
    let starts: usize = arg(&args, "--starts").map_or(5, |n| n.parse().expect(usage));
    let count: usize = arg(&args, "--rings").map_or(20, |n| n.parse().expect(usage));
    if std::env::var_os("DISPLAY").is_none() {
        eprintln!("no display: run it through `cargo xtask bench-desktop`");
        std::process::exit(2);
    }

    let demo_mode = args.iter().any(|a| a == "--demo");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let one = dir.path().join("one-ring.json");
    let many = dir.path().join("rings.json");
    let (one_ring, all_rings) = (rings(1), rings(count + 1));
    std::fs::write(&one, serde_json::to_string(&one_ring).unwrap()).unwrap();
    std::fs::write(&many, serde_json::to_string(&all_rings).unwrap()).unwrap();
    let target = if demo_mode {
        Target::Demo
    } else {
        Target::Connected
    };
    let mode = if demo_mode {
        "demo mode: the hub and the sandbox inside the app"
    } else {
        "connected mode: the hub and the sandbox in the driver's process"
    };

    if let Some(out) = trace {
        trace_pages(&target, &app, &one, &one_ring, &out);
        return;
    }
    let baseline = baseline.expect(usage);

    // One untimed run of each first: the session's accessibility bus starts with the first GTK
    // app, and the binaries and libraries come into the page cache.
    eprintln!("warm-up");
    baseline_run(&baseline, &[], &mut Figures::default());
    app_cold_run(&target, &app, &one, &one_ring, &mut Figures::default());
    let mut base = Figures::default();
    // The empty window drawn as the app draws its own, without WebKit's GPU compositing (the
    // app's choice, see `ringside_lib::windows::draw_without_compositing`): the fairer baseline.
    let mut base_flat = Figures::default();
    let mut ours = Figures::default();
    for run in 1..=starts {
        eprintln!("cold start {run}/{starts}");
        baseline_run(&baseline, &[], &mut base);
        baseline_run(&baseline, &[(COMPOSITING_OFF, "1")], &mut base_flat);
        app_cold_run(&target, &app, &one, &one_ring, &mut ours);
    }
    eprintln!("{count} rings, {RING_GAP} s apart");
    let (mut latencies, mut in_app, steps) = ring_run(&target, &app, &many, &all_rings, count + 1);

    let ratio = |a: f64, b: f64| format!("{:.2}×", a / b);
    let row = |what: &str, ours: f64, base: Option<f64>, unit: &str| match base {
        Some(b) => println!(
            "{what:<44} {:>10} {:>14} {:>8}",
            format!("{ours:.1} {unit}"),
            format!("{b:.1} {unit}"),
            ratio(ours, b)
        ),
        None => println!(
            "{what:<44} {:>10} {:>14} {:>8}",
            format!("{ours:.1} {unit}"),
            "—",
            "—"
        ),
    };
    println!();
    println!(
        "Desktop benchmark (release; medians of {starts} cold starts and {count} rings; {mode})"
    );
    println!(
        "{:<44} {:>10} {:>14} {:>8}",
        "", "ringside", "empty window", "ratio"
    );
    row(
        "cold start: spawn → tray ready",
        median(&mut ours.tray_ms),
        None,
        "ms",
    );
    row(
        "cold start: spawn → (main) window built",
        median(&mut ours.start_ms),
        Some(median(&mut base.start_ms)),
        "ms",
    );
    let rss = |m: &Memory| mib(m.rss);
    let pss = |m: &Memory| mib(m.pss);
    let procs = |m: &Memory| m.processes as f64;
    row(
        "memory idle, RSS summed over processes",
        median_of(&ours.idle, rss),
        Some(median_of(&base.idle, rss)),
        "MiB",
    );
    row(
        "memory idle, PSS summed over processes",
        median_of(&ours.idle, pss),
        Some(median_of(&base.idle, pss)),
        "MiB",
    );
    row(
        "memory with the card open, RSS",
        median_of(&ours.card, rss),
        Some(median_of(&base.idle, rss)),
        "MiB",
    );
    row(
        "memory with the card open, PSS",
        median_of(&ours.card, pss),
        Some(median_of(&base.idle, pss)),
        "MiB",
    );
    row(
        "processes, idle",
        median_of(&ours.idle, procs),
        Some(median_of(&base.idle, procs)),
        "",
    );
    row(
        "processes, card open",
        median_of(&ours.card, procs),
        Some(median_of(&base.idle, procs)),
        "",
    );
    row("ring → card visible", median(&mut latencies), None, "ms");
    row(
        "ring → card visible, p90",
        percentile(&mut latencies, 90.0),
        None,
        "ms",
    );
    for (step, ms) in &steps {
        row(&format!("  ring → `{step}` mark"), *ms, None, "ms");
    }
    row(
        "first ring of a run",
        median(&mut ours.first_ring_ms),
        None,
        "ms",
    );
    for step in STEPS {
        if let Some(each) = ours.first_ring_steps.get_mut(step) {
            row(
                &format!("  first ring → `{step}` mark"),
                median(each),
                None,
                "ms",
            );
        }
    }
    println!();
    println!(
        "The memory ratios compare with the empty window idle. RSS counts shared pages once per process; PSS divides them."
    );
    let base_pss = median_of(&base.idle, pss);
    let later = median(&mut latencies);
    let first = median(&mut ours.first_ring_ms);
    let verdict = |met: bool| if met { "met" } else { "NOT met" };
    let idle_ratio = median_of(&ours.idle, pss) / base_pss;
    let card_ratio = median_of(&ours.card, pss) / base_pss;
    println!("Targets:");
    println!(
        "  idle PSS ≤ {IDLE_TARGET:.2}× the empty window: {idle_ratio:.2}×, {}",
        verdict(idle_ratio <= IDLE_TARGET)
    );
    println!(
        "  card open PSS ≤ {CARD_TARGET:.2}× the empty window: {card_ratio:.2}×, {}",
        verdict(card_ratio <= CARD_TARGET)
    );
    let flat_pss = median_of(&base_flat.idle, pss);
    let (flat_idle, flat_card) = (
        median_of(&ours.idle, pss) / flat_pss,
        median_of(&ours.card, pss) / flat_pss,
    );
    println!(
        "  the same against the empty window without compositing, as the app draws ({flat_pss:.1} MiB PSS): idle {flat_idle:.2}× ({}), card open {flat_card:.2}× ({})",
        verdict(flat_idle <= IDLE_TARGET),
        verdict(flat_card <= CARD_TARGET)
    );
    let first_in_app = median(&mut ours.first_ring_in_app_ms);
    let later_in_app = median(&mut in_app);
    println!(
        "  card visible ≤ {RING_TARGET_MS:.0} ms after the ring reaches the app (`ready`): first ring {first_in_app:.1} ms, later rings {later_in_app:.1} ms (median), {}",
        verdict(first_in_app <= RING_TARGET_MS && later_in_app <= RING_TARGET_MS)
    );
    println!(
        "  the same from the hub accepting the call's webhook (the hub's part included): first ring {first:.1} ms, later rings {later:.1} ms (median), {}",
        verdict(first <= RING_TARGET_MS && later <= RING_TARGET_MS)
    );
    let each = |what: &str, memory: Option<&Memory>| {
        let list: Vec<String> = memory
            .map(|m| {
                m.each
                    .iter()
                    .map(|(n, pss)| format!("{n} {:.0}", mib(*pss)))
                    .collect()
            })
            .unwrap_or_default();
        println!(
            "PSS by process (MiB), {what} (last run): {}",
            list.join(", ")
        );
    };
    each("empty window", base.idle.last());
    each("empty window without compositing", base_flat.idle.last());
    each("ringside idle", ours.idle.last());
    each("ringside, card open", ours.card.last());
}
