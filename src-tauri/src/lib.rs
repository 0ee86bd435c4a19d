//! The Ringside desktop shell: windows, tray, notifications, keyring and commands, wired to the
//! engine. [`run_app`] builds the app on any runtime so that tests drive it on
//! `tauri::test::mock_builder()`; [`main`] runs it on the real one.
//!
//! The shell is wiring: the [`desk::Desk`] holds the state and talks to a hub (remote, in
//! process, or the demo's) through the agents' API; the engine never sees a window.

pub mod autostart;
pub mod checks;
pub mod commands;
pub mod demo;
pub mod desk;
pub mod error;
pub mod i18n;
pub mod instance;
pub mod journal;
pub mod modes;
pub mod notify;
pub mod queue;
pub mod remote;
pub mod settings;
pub mod signin;
pub mod stream;
pub mod timings;
pub mod tray;
pub mod vault;
pub mod windows;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, OnceLock};

use tauri::{App, AppHandle, Builder, Emitter, Manager, RunEvent, Runtime, WindowEvent};

use crate::desk::{Desk, UiEvent};
use crate::journal::Journal;
use crate::tray::TrayItem;
use crate::windows::WindowLabel;

/// The app's common wiring: the desk as state, the opener plugin, the commands, and `setup`
/// (the real app adds the tray, its windows and the connection there).
pub fn run_app<R: Runtime, F>(builder: Builder<R>, desk: Arc<Desk>, setup: F) -> Builder<R>
where
    F: FnOnce(&mut App<R>) -> Result<(), Box<dyn std::error::Error>> + Send + 'static,
{
    builder
        .plugin(tauri_plugin_opener::init())
        .manage(desk)
        .invoke_handler(tauri::generate_handler![
            commands::status,
            commands::card,
            commands::recent_cards,
            commands::history,
            commands::tags,
            commands::add_tag,
            commands::remove_tag,
            commands::add_note,
            commands::choose_contact,
            commands::settings,
            commands::save_settings,
            commands::save_secret,
            commands::check_setup,
            commands::start_demo,
            commands::register_webhook,
            commands::hub_settings,
            commands::sync_status,
            commands::open_link,
            commands::show_card,
            commands::close_window,
            commands::card_shown,
            commands::limits,
            commands::catalog,
            commands::dial,
            commands::last_message,
            commands::sign_in,
            commands::cancel_sign_in,
            commands::join,
            commands::take_invitation,
            commands::callbacks,
            commands::claim_callback,
            commands::dismiss_callback,
            commands::my_day,
            commands::wrap_up,
            commands::set_outcome,
            commands::wrap_up_done,
            commands::presence,
            commands::set_presence,
        ])
        .on_window_event(|window, event| {
            // Closing a window hides it; the app lives on in the tray until Quit.
            if let WindowEvent::CloseRequested { api, .. } = event {
                api.prevent_close();
                let _ = window.hide();
            }
        })
        .setup(setup)
}

/// What the desk tells the UI, turned into window events, notifications and the tray.
pub fn on_ui_event<R: Runtime>(app: &AppHandle<R>, event: UiEvent) {
    if let Err(e) = app.emit(event.name(), &event) {
        tracing::warn!(error = %e, "cannot emit {}", event.name());
    }
    let desk = app.state::<Arc<Desk>>();
    if let UiEvent::Call { card, notify, open } = &event {
        let call_id = card.call_id;
        if let (true, Some(shown)) = (*notify, &card.card) {
            let handle = app.clone();
            notify::show(shown, move || {
                let _ = commands_show_card(&handle, call_id);
            });
        }
        if *open {
            let _ = commands_show_card(app, call_id);
            timings::mark("open", Some(call_id));
        }
    }
    if let UiEvent::Message(_) = &event {
        let _ = windows::show(app, WindowLabel::Card, Some("message"));
    }
    if let UiEvent::Invitation(_) = &event {
        let _ = windows::show(app, WindowLabel::Main, None);
    }
    if matches!(
        event,
        UiEvent::Status(_) | UiEvent::Call { .. } | UiEvent::Callbacks(_)
    ) {
        if let (Ok(status), Ok(recent)) = (desk.status(), desk.recent_cards(5)) {
            tray::refresh(app, &status, &recent);
        }
    }
}

/// Makes the language `choice` means the app's, at once: the tray is rebuilt and the windows
/// are told (`i18n://changed`) to format their words again.
pub fn apply_language<R: Runtime>(app: &AppHandle<R>, choice: i18n::LanguageChoice) {
    let lang = choice.resolve(&i18n::SystemLocale::current());
    if lang == i18n::current() {
        return;
    }
    i18n::set(lang);
    if let Err(e) = app.emit("i18n://changed", lang) {
        tracing::warn!(error = %e, "cannot emit i18n://changed");
    }
    let desk = app.state::<Arc<Desk>>();
    if let (Ok(status), Ok(recent)) = (desk.status(), desk.recent_cards(5)) {
        tray::refresh(app, &status, &recent);
    }
}

fn commands_show_card<R: Runtime>(app: &AppHandle<R>, call_id: u64) -> tauri::Result<()> {
    windows::show(app, WindowLabel::Card, Some(&call_id.to_string()))?;
    app.emit_to(WindowLabel::Card.as_str(), "card://focus", call_id)
}

fn on_tray_item<R: Runtime>(app: &AppHandle<R>, item: TrayItem) {
    let desk = app.state::<Arc<Desk>>().inner().clone();
    let result = match item {
        TrayItem::Status => Ok(()),
        TrayItem::Recent(call_id) => commands_show_card(app, call_id),
        TrayItem::Pause => {
            let paused = desk.status().map(|s| s.paused).unwrap_or(false);
            desk.pause(!paused);
            Ok(())
        }
        TrayItem::Callbacks => windows::show(app, WindowLabel::Main, Some("callbacks"))
            .and_then(|_| app.emit_to("main", "main://tab", "callbacks")),
        TrayItem::History => windows::show(app, WindowLabel::Main, Some("history"))
            .and_then(|_| app.emit_to("main", "main://tab", "history")),
        TrayItem::Settings => windows::show(app, WindowLabel::Main, Some("settings"))
            .and_then(|_| app.emit_to("main", "main://tab", "settings")),
        TrayItem::Quit => {
            app.exit(0);
            Ok(())
        }
    };
    if let Err(e) = result {
        tracing::warn!(error = %e, ?item, "tray");
    }
}

/// The app's configuration and assets, built into the binary.
fn context() -> tauri::Context<tauri::Wry> {
    tauri::generate_context!()
}

/// Another app holds the data directory: the single-instance plugin tells it to show its main
/// window and ends this process. Should that app not answer on the session bus yet (it is
/// still starting), this one says so and stops.
fn hand_over(data_dir: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    tauri::Builder::default()
        .plugin(instance::plugin(data_dir))
        .build(context())?;
    Err(format!(
        "Ringside already runs on {} (it is still starting); try again in a moment",
        data_dir.display()
    )
    .into())
}

/// How the binary was asked to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    /// `--demo`: the built-in sandbox, a temporary data directory.
    pub demo: bool,
    /// `--demo-step-ms N`: the longest pause between two of the demo's steps (default 2000).
    pub demo_step: std::time::Duration,
    /// `--demo-script FILE`: a scenario (JSON) the demo plays once instead of its tour.
    pub demo_script: Option<PathBuf>,
    /// `--sandbox-addrs AIRCALL,INTERCOM`: where the demo's sandbox listens.
    pub sandbox_addrs: Option<(std::net::SocketAddr, std::net::SocketAddr)>,
    /// `ringside://…`: the link the desktop opened the app with (an invitation).
    pub link: Option<String>,
}

impl Args {
    /// Reads the command line.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
        const USAGE: &str =
            "usage: ringside [--demo [--demo-step-ms N] [--demo-script FILE] [--sandbox-addrs AIRCALL,INTERCOM]]
       ringside ringside://join?hub=…&code=…
  --demo             run on the built-in sandbox, with demo calls, in a temporary data directory
  --demo-step-ms N   the longest pause between two of the demo's steps, in ms (default 2000)
  --demo-script FILE play this scenario (JSON, ringside_sandbox::scenario::Scenario) once
                     instead of the demo's tour, then stay idle
  --sandbox-addrs    where the sandbox's fake Aircall and Intercom listen (default: free ports)
  ringside://join?…  an invitation link: the app offers to join its hub";
        let mut out = Args {
            demo: false,
            demo_step: demo::DEFAULT_STEP,
            demo_script: None,
            sandbox_addrs: None,
            link: None,
        };
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
            match arg.as_str() {
                "--demo" => out.demo = true,
                "--demo-step-ms" => {
                    let ms: u64 = value("--demo-step-ms")?
                        .parse()
                        .map_err(|_| "--demo-step-ms takes milliseconds".to_owned())?;
                    out.demo_step = std::time::Duration::from_millis(ms.max(100));
                }
                "--demo-script" => out.demo_script = Some(value("--demo-script")?.into()),
                "--sandbox-addrs" => {
                    let v = value("--sandbox-addrs")?;
                    let parsed = v
                        .split_once(',')
                        .and_then(|(a, i)| Some((a.trim().parse().ok()?, i.trim().parse().ok()?)));
                    out.sandbox_addrs = Some(parsed.ok_or(format!(
                        "--sandbox-addrs takes two addresses, e.g. 127.0.0.1:4001,127.0.0.1:4002; not `{v}`"
                    ))?);
                }
                "-h" | "--help" => return Err(USAGE.into()),
                link if link.starts_with(&format!("{}:", signin::invitation::SCHEME))
                    && out.link.is_none() =>
                {
                    out.link = Some(link.to_owned())
                }
                other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
            }
        }
        if out.demo_script.is_some() && !out.demo {
            return Err("--demo-script goes with --demo".into());
        }
        if out.link.is_some() && out.demo {
            return Err("the demo does not join a hub: a link goes without --demo".into());
        }
        Ok(out)
    }

    /// What the demo plays: the script's scenario, else the tour.
    pub fn demo_activity(&self) -> Result<demo::Activity, String> {
        let Some(path) = &self.demo_script else {
            return Ok(demo::Activity::Tour);
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the demo script {}: {e}", path.display()))?;
        let scenario = serde_json::from_str(&text)
            .map_err(|e| format!("the demo script {} is not a scenario: {e}", path.display()))?;
        Ok(demo::Activity::Script(scenario))
    }
}

/// The binary: `ringside [--demo]`.
pub fn main() -> ExitCode {
    // `RINGSIDE_LOG` is a list of levels by target (`info`, `warn,ringside_lib=debug`). A
    // `Targets` filter reads it without regular expressions; `EnvFilter` compiled some at every
    // start to parse its directives, for span and field filters nobody sets on a desktop.
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter = std::env::var("RINGSIDE_LOG")
        .ok()
        .and_then(|levels| levels.parse::<tracing_subscriber::filter::Targets>().ok())
        .unwrap_or_else(|| {
            tracing_subscriber::filter::Targets::new()
                .with_default(tracing_subscriber::filter::LevelFilter::WARN)
        });
    tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .with(filter)
        .init();
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    if cfg!(target_os = "linux")
        && std::env::var_os("DISPLAY").is_none()
        && std::env::var_os("WAYLAND_DISPLAY").is_none()
    {
        eprintln!("ringside: no display (neither DISPLAY nor WAYLAND_DISPLAY is set). To run without a screen: xvfb-run -a dbus-run-session -- ringside{}", if args.demo { " --demo" } else { "" });
        return ExitCode::from(2);
    }
    windows::draw_without_compositing();
    windows::interpret_javascript();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ringside: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    // Demo mode writes only to a temporary directory, removed on exit.
    let demo_dir = if args.demo {
        Some(
            tempfile::Builder::new()
                .prefix("ringside-desktop-demo-")
                .tempdir()?,
        )
    } else {
        None
    };
    let data_dir: PathBuf = match &demo_dir {
        Some(d) => d.path().to_owned(),
        None => std::env::var_os("RINGSIDE_DATA_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(ringside_core::store::data_dir)
            .join("desktop"),
    };
    // One app per data directory (demo mode's is its own). The directory's lock comes first:
    // a later start finds it taken and only hands over to the running app (which shows its
    // main window), without opening or migrating the journal that app uses.
    let _lock = match &demo_dir {
        Some(_) => None,
        None => match instance::lock_data_dir(&data_dir)? {
            Some(lock) => Some(lock),
            None => return hand_over(&data_dir),
        },
    };
    let journal = Journal::open(&data_dir)?;
    // The single-instance plugin hands a later start's `ringside://` link to the deep-link
    // plugin of this app, which tells `on_open_url` (see `setup` below).
    let builder = match &demo_dir {
        Some(_) => tauri::Builder::default(),
        None => tauri::Builder::default()
            .plugin(instance::plugin(&data_dir))
            .plugin(tauri_plugin_deep_link::init()),
    };
    let vault: Arc<dyn vault::Vault> = if args.demo {
        Arc::new(vault::MemoryVault::default())
    } else {
        Arc::new(vault::Keyring)
    };
    let demo = if args.demo {
        Some(demo::DemoSetup {
            activity: args.demo_activity()?,
            step: args.demo_step,
            sandbox_addrs: args.sandbox_addrs,
        })
    } else {
        None
    };
    let handle: Arc<OnceLock<AppHandle>> = Arc::new(OnceLock::new());
    let sink_handle = handle.clone();
    let desk = Desk::new(
        journal,
        vault,
        data_dir,
        demo,
        Arc::new(move |event| {
            if let Some(app) = sink_handle.get() {
                on_ui_event(app, event);
            }
        }),
    );
    // The tray and the first notification speak the saved language from the start.
    i18n::set(
        desk.settings()?
            .language
            .resolve(&i18n::SystemLocale::current()),
    );
    let webview_data = demo_dir.as_ref().map(|d| d.path().join("webview"));
    let link = args.link.clone();
    let app = run_app(builder, desk.clone(), move |app| {
        let _ = handle.set(app.handle().clone());
        if let Some(autostart) = autostart::Autostart::from_env() {
            app.manage(autostart);
        }
        if let Some(dir) = webview_data {
            // The demo's webviews keep their data in its temporary directory too.
            app.manage(windows::WebviewData(dir));
        }
        let status = desk.status()?;
        tray::create(app.handle(), &status, on_tray_item)?;
        timings::mark("tray", None);
        windows::show(app.handle(), WindowLabel::Main, None)?;
        timings::mark("window", None);
        windows::prepare_card(app.handle())?;
        if app
            .try_state::<tauri_plugin_deep_link::DeepLink<tauri::Wry>>()
            .is_some()
        {
            use tauri_plugin_deep_link::DeepLinkExt;
            let desk = desk.clone();
            app.deep_link().on_open_url(move |event| {
                for url in event.urls() {
                    desk.offer_invitation(url.as_str());
                }
            });
        }
        if let Some(link) = &link {
            desk.offer_invitation(link);
        }
        let desk = desk.clone();
        tauri::async_runtime::spawn(async move {
            if let Err(e) = desk.connect().await {
                tracing::warn!(error = %e, "not connected");
            }
        });
        Ok(())
    })
    .build(context())?;
    app.run(|app, event| match event {
        // Windows closing does not end the app: it lives in the tray until Quit.
        RunEvent::ExitRequested {
            api, code: None, ..
        } => api.prevent_exit(),
        RunEvent::Exit => {
            let desk = app.state::<Arc<Desk>>().inner().clone();
            tauri::async_runtime::block_on(desk.disconnect());
        }
        _ => {}
    });
    drop(demo_dir);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Args, String> {
        Args::parse(args.iter().map(|a| a.to_string()))
    }

    #[test]
    fn the_command_line_is_read_and_mistakes_are_named() {
        let plain = parse(&[]).unwrap();
        assert!(!plain.demo);
        let demo = parse(&[
            "--demo",
            "--demo-step-ms",
            "1500",
            "--sandbox-addrs",
            "127.0.0.1:4001,127.0.0.1:4002",
        ])
        .unwrap();
        assert!(demo.demo);
        assert_eq!(demo.demo_step, std::time::Duration::from_millis(1500));
        assert_eq!(
            demo.sandbox_addrs,
            Some((
                "127.0.0.1:4001".parse().unwrap(),
                "127.0.0.1:4002".parse().unwrap()
            ))
        );
        assert!(parse(&["--demo-step-ms"])
            .unwrap_err()
            .contains("needs a value"));
        assert!(parse(&["--sandbox-addrs", "x"])
            .unwrap_err()
            .contains("`x`"));
        assert!(parse(&["--nope"])
            .unwrap_err()
            .contains("unknown argument `--nope`"));
        assert!(parse(&["--demo-script", "x.json"])
            .unwrap_err()
            .contains("goes with --demo"));
        // The desktop opens the app with an invitation link as its one argument.
        let link = "ringside://join?hub=https://hub.acme.io&code=abc";
        assert_eq!(parse(&[link]).unwrap().link.as_deref(), Some(link));
        assert!(parse(&["--demo", link])
            .unwrap_err()
            .contains("without --demo"));
        assert!(parse(&[link, link])
            .unwrap_err()
            .contains("unknown argument"));
    }

    #[test]
    fn the_demo_plays_its_tour_or_the_script_it_is_given() {
        assert_eq!(
            parse(&["--demo"]).unwrap().demo_activity().unwrap(),
            demo::Activity::Tour
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("script.json");
        let missed = ringside_sandbox::scenario::Scenario::missed("+33 6 50 50 50 50", 2201);
        std::fs::write(&path, serde_json::to_string(&missed).unwrap()).unwrap();
        let args = parse(&["--demo", "--demo-script", path.to_str().unwrap()]).unwrap();
        assert_eq!(
            args.demo_activity().unwrap(),
            demo::Activity::Script(missed)
        );
        std::fs::write(&path, "{\"name\": \"no steps\"}").unwrap();
        assert!(args
            .demo_activity()
            .unwrap_err()
            .contains("is not a scenario"));
        let gone = parse(&["--demo", "--demo-script", "/nonexistent/script.json"]).unwrap();
        assert!(gone.demo_activity().unwrap_err().contains("cannot read"));
    }
}
