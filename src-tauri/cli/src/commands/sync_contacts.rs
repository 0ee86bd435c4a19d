//! `ringside-cli sync-contacts [--full] [--dry-run] [--roles users|leads|both] [--json]`: every
//! Intercom User and Lead with a phone, into the local index and Aircall.
//!
//! Without `--full`, a stopped run is resumed, else a full run happens when due and an
//! incremental one otherwise. A progress bar with counts and an estimated time left is drawn on
//! standard error when it is a terminal; the summary, the unparseable phones and the contacts
//! Aircall refused go to standard output. Ctrl-C (or SIGTERM) stops the run; the next one resumes it.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ringside_core::config::env;
use ringside_core::store::{RunKind, Store};
use ringside_core::sync::plan::{Roles, Target};
use ringside_core::sync::{
    DryRun, Planned, SyncEngine, SyncMode, SyncOptions, SyncPhase, SyncProgress, SyncReport,
};
use tokio::sync::watch;

use super::printable;
use crate::{engine, Outcome, UsageError};

/// Lines of each list printed before "… and N more".
const SHOWN: usize = 20;

/// Arguments of `sync-contacts`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Read every Intercom contact (and find deleted ones), not only the recently updated.
    #[arg(long)]
    full: bool,
    /// Say what would be created, updated and deleted in Aircall; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Which contacts go to Aircall: users, leads or both (default: RINGSIDE_SYNC_ROLES, else
    /// both).
    #[arg(long)]
    roles: Option<String>,
    /// Print the outcome as JSON.
    #[arg(long)]
    json: bool,
    /// Do not draw the progress bar.
    #[arg(long)]
    no_progress: bool,
}

/// Runs the command.
pub async fn run(args: Args) -> Result<Outcome, UsageError> {
    let config = engine::config()?;
    if !config.sync.enabled && !args.dry_run {
        return Err(UsageError(format!(
            "contact sync is turned off ({}=false); set it to true, or use --dry-run to see what it would do",
            env::SYNC_ENABLED
        )));
    }
    let mut options = SyncOptions::from_config(&config);
    if let Some(text) = &args.roles {
        options.roles = Roles::parse(text).ok_or_else(|| {
            UsageError(format!(
                "--roles: expected users, leads or both, not `{text}`"
            ))
        })?;
    }
    let Some(aircall) = engine::aircall(&config)? else {
        return Err(UsageError(format!(
            "Aircall is not configured: set {} and {}",
            env::AIRCALL_API_ID,
            env::AIRCALL_API_TOKEN
        )));
    };
    let store = engine::store(&config)?;
    let sync = SyncEngine::new(engine::intercom(&config)?, aircall, store.clone(), options);
    let mode = if args.full {
        SyncMode::Full
    } else {
        SyncMode::Auto
    };
    let bar = draw(sync.progress(), args.no_progress || args.json);

    if args.dry_run {
        let planned = tokio::select! {
            planned = sync.dry_run(mode) => planned,
            _ = super::sandbox::shutdown_signal() => return Ok(interrupted(bar).await),
        };
        bar.abort();
        let _ = bar.await;
        return match planned {
            Ok(plan) => {
                if args.json {
                    println!("{}", serde_json::to_string_pretty(&plan)?);
                } else {
                    print_plan(&plan);
                }
                Ok(Outcome::Success)
            }
            Err(e) => {
                eprintln!("error: the dry run stopped: {e}");
                Ok(Outcome::Failed)
            }
        };
    }

    let outcome = tokio::select! {
        outcome = sync.run(mode) => outcome,
        _ = super::sandbox::shutdown_signal() => return Ok(interrupted(bar).await),
    };
    let _ = bar.await;
    match outcome {
        Ok(report) => {
            report_done(&report, &store, args.json)?;
            Ok(Outcome::Success)
        }
        Err(e) => {
            eprintln!("error: contact sync stopped: {e}");
            eprintln!("What was done is kept; run the command again to resume where it stopped.");
            Ok(Outcome::Failed)
        }
    }
}

async fn interrupted(bar: tokio::task::JoinHandle<()>) -> Outcome {
    bar.abort();
    let _ = bar.await;
    eprintln!("Stopped. What was done is kept; run the command again to resume where it stopped.");
    Outcome::Failed
}

/// Draws the progress on standard error (when it is a terminal) until the run ends.
fn draw(mut progress: watch::Receiver<SyncProgress>, hidden: bool) -> tokio::task::JoinHandle<()> {
    let bar = if hidden {
        ProgressBar::hidden()
    } else {
        ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
    };
    let style = ProgressStyle::with_template(
        "{spinner} {prefix:<8} [{bar:20}] {human_pos}/{human_len} {wide_msg}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(200));
    tokio::spawn(async move {
        while progress.changed().await.is_ok() {
            let p = progress.borrow_and_update().clone();
            match p.phase {
                SyncPhase::Scanning => {
                    bar.set_prefix("Intercom");
                    bar.set_length(p.total.unwrap_or(p.seen).max(p.seen));
                    bar.set_position(p.seen);
                    bar.set_message(format!(
                        "{}{} with a number, {} unparseable{}",
                        eta(&p),
                        p.indexed,
                        p.unparseable,
                        waiting(&p)
                    ));
                }
                SyncPhase::Pushing => {
                    let done = p.written() + p.failed;
                    bar.set_prefix("Aircall");
                    bar.set_length(done + p.remaining_estimate);
                    bar.set_position(done);
                    bar.set_message(format!(
                        "{}{} created, {} updated, {} deleted, {} unchanged{}",
                        eta(&p),
                        p.created,
                        p.updated,
                        p.deleted,
                        p.unchanged,
                        waiting(&p)
                    ));
                }
                SyncPhase::Done | SyncPhase::Stopped => {
                    bar.finish_and_clear();
                    return;
                }
                SyncPhase::Idle => {}
            }
        }
        bar.finish_and_clear();
    })
}

/// `~2h 47m left · `, first so that a narrow terminal still shows it.
fn eta(p: &SyncProgress) -> String {
    p.eta
        .map(|d| format!("~{} left · ", human(d)))
        .unwrap_or_default()
}

fn waiting(p: &SyncProgress) -> String {
    p.waiting
        .as_deref()
        .map(|w| format!(" · waiting: {}", printable(w)))
        .unwrap_or_default()
}

/// `2h 47m`, `3m 05s`, `12s`.
fn human(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m {:02}s", s / 60, s % 60),
        _ => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
    }
}

fn kind_word(kind: RunKind) -> &'static str {
    match kind {
        RunKind::Full => "full",
        RunKind::Incremental => "incremental",
    }
}

fn report_done(report: &SyncReport, store: &Store, json: bool) -> Result<(), UsageError> {
    let unparseable = store.unparseable_contacts()?;
    let failures = store.sync_failures()?;
    if json {
        let failures: Vec<serde_json::Value> = failures
            .iter()
            .map(|(id, why)| serde_json::json!({"intercom_id": id, "error": why}))
            .collect();
        let out = serde_json::json!({
            "report": report,
            "unparseable": unparseable,
            "refused": failures,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    let c = &report.counts;
    println!(
        "Contact sync done ({} run{}, {}):",
        kind_word(report.kind),
        if report.resumed { ", resumed" } else { "" },
        human(Duration::from_secs(
            report.finished_at.saturating_sub(report.started_at).max(0) as u64
        ))
    );
    println!(
        "  Intercom: {} contacts read, {} with a number, {} with a phone that is not a number",
        c.seen, c.indexed, c.unparseable
    );
    println!(
        "  Aircall: {} created, {} updated, {} deleted, {} unchanged, {} refused",
        c.created, c.updated, c.deleted, c.unchanged, c.failed
    );
    if !unparseable.is_empty() {
        println!(
            "Phones that are not numbers, in all ({}; fix them in Intercom):",
            unparseable.len()
        );
        for u in unparseable.iter().take(SHOWN) {
            println!(
                "  {}\t{:?}\t{}",
                printable(&u.intercom_id),
                printable(&u.phone),
                printable(&u.reason)
            );
        }
        more(unparseable.len());
    }
    if !failures.is_empty() {
        println!(
            "Refused by Aircall ({}; retried once they change):",
            failures.len()
        );
        for (id, why) in failures.iter().take(SHOWN) {
            println!("  {}\t{}", printable(id), printable(why));
        }
        more(failures.len());
    }
    Ok(())
}

fn more(len: usize) {
    if len > SHOWN {
        println!("  … and {} more (--json lists them all)", len - SHOWN);
    }
}

fn print_plan(plan: &DryRun) {
    println!(
        "Dry run ({} run): nothing was written. {} Intercom contacts read, {} with a number.",
        plan.kind.map(kind_word).unwrap_or("no"),
        plan.seen,
        plan.indexed
    );
    let sections: [(&str, &Vec<Planned>, char); 3] = [
        ("create", &plan.create, '+'),
        ("update", &plan.update, '~'),
        ("delete", &plan.delete, '-'),
    ];
    for (verb, list, mark) in sections {
        println!(
            "Would {verb} {} Aircall contacts{}",
            list.len(),
            if list.is_empty() { "." } else { ":" }
        );
        for p in list.iter().take(SHOWN) {
            let shown = p.target.as_ref().or(p.current.as_ref());
            println!(
                "  {mark} {}{}  (Intercom {})",
                shown.map(describe).unwrap_or_default(),
                p.aircall_id
                    .map(|id| format!("  [Aircall {id}]"))
                    .unwrap_or_default(),
                printable(&p.intercom_id)
            );
            if let (Some(before), "update") = (&p.current, verb) {
                println!("      was {}", describe(before));
            }
        }
        more(list.len());
    }
    println!("Unchanged: {}.", plan.unchanged);
    if !plan.unparseable.is_empty() {
        println!("Phones that are not numbers ({}):", plan.unparseable.len());
        for u in plan.unparseable.iter().take(SHOWN) {
            println!(
                "  {}\t{:?}\t{}",
                printable(&u.intercom_id),
                printable(&u.phone),
                printable(&u.reason)
            );
        }
        more(plan.unparseable.len());
    }
}

/// `Jane Roe <jane@acme.io> +33762043575`.
fn describe(t: &Target) -> String {
    let name = match &t.last_name {
        Some(last) => format!("{} {last}", t.first_name),
        None => t.first_name.clone(),
    };
    let email = t
        .email
        .as_deref()
        .map(|e| format!(" <{e}>"))
        .unwrap_or_default();
    printable(&format!("{name}{email} {}", t.phone))
}
