//! `ringside-cli doctor`: checks each credential and the database, and says what works and what
//! does not in words an admin can act on.

use ringside_core::config::{env, Config};
use ringside_core::doctor;
use ringside_core::store::Store;

use crate::{engine, Outcome, UsageError};

/// Arguments of `doctor` (none yet).
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the command.
pub async fn run(_args: Args) -> Result<Outcome, UsageError> {
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            println!("✗ Configuration: {e}");
            return Ok(Outcome::Failed);
        }
    };
    let mut healthy = true;
    println!(
        "Default region for national numbers: {}",
        config.default_region
    );

    match Store::open(&config.data_dir) {
        Ok(store) => {
            println!(
                "✓ Local database: {} (schema {}, {} indexed contacts)",
                store
                    .path()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
                Store::schema_version(),
                store.contact_count().unwrap_or(0)
            );
            println!("{}", sync_status(&store, config.sync.enabled));
            println!(
                "{}",
                notification_status(&store, config.intercom_client_secret.is_some())
            );
        }
        Err(e) => {
            healthy = false;
            println!("✗ Local database: {e}");
        }
    }

    match &config.intercom {
        None => {
            healthy = false;
            println!("✗ Intercom: not configured. Set {} to an access token from the Developer Hub (your app > Configure > Authentication).", env::INTERCOM_TOKEN);
        }
        Some(_) => {
            let client = engine::intercom(&config)?;
            for check in doctor::intercom(&client, env::INTERCOM_TOKEN, None).await {
                healthy &= check.ok;
                println!("{check}");
            }
        }
    }

    match engine::aircall(&config)? {
        None => {
            healthy = false;
            println!(
                "✗ Aircall: not configured. Set {} and {} to an API key from the Aircall dashboard (Integrations > API keys).",
                env::AIRCALL_API_ID,
                env::AIRCALL_API_TOKEN
            );
        }
        Some(client) => {
            let check = doctor::aircall(&client, env::AIRCALL_API_TOKEN).await;
            healthy &= check.ok;
            println!("{check}");
        }
    }
    Ok(if healthy {
        Outcome::Success
    } else {
        Outcome::Failed
    })
}

/// One line on contact sync: off, never run, stopped early, or when it last finished.
fn sync_status(store: &Store, enabled: bool) -> String {
    if !enabled {
        return format!("· Contact sync: turned off ({}=false)", env::SYNC_ENABLED);
    }
    let unparseable = store.unparseable_contacts().map(|u| u.len()).unwrap_or(0);
    let stopped = store.sync_open_run().ok().flatten();
    match (store.sync_last_done(None).ok().flatten(), stopped) {
        (_, Some(run)) => format!(
            "· Contact sync: a run stopped before its end{}; `ringside-cli sync-contacts` resumes it",
            run.error
                .map(|e| format!(" ({})", super::printable(&e)))
                .unwrap_or_default()
        ),
        (None, None) => "· Contact sync: never run; `ringside-cli sync-contacts` starts it".to_owned(),
        (Some(run), None) => {
            format!(
                "✓ Contact sync: last run finished {} ago; {} phones in Intercom are not numbers",
                ago(run.finished_at.unwrap_or(run.started_at)),
                unparseable
            )
        }
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// How long ago `at` (UNIX seconds) was, in a unit that reads well.
fn ago(at: i64) -> String {
    let ago = (now() - at).max(0);
    match ago {
        0..=119 => format!("{ago} s"),
        120..=7_199 => format!("{} min", ago / 60),
        7_200..=172_799 => format!("{} h", ago / 3600),
        _ => format!("{} days", ago / 86_400),
    }
}

/// One line on Intercom's contact notifications: off, never received, quiet, or how many
/// arrived in the last day.
fn notification_status(store: &Store, secret_set: bool) -> String {
    if !secret_set {
        return format!(
            "· Intercom notifications: off. Set {} to the app's client secret and subscribe https://<hub>/webhooks/intercom to the contact topics in the Developer Hub to keep contacts in step within seconds",
            env::INTERCOM_CLIENT_SECRET
        );
    }
    let stats = match store.notification_stats(now() - 86_400) {
        Ok(stats) => stats,
        Err(e) => return format!("✗ Intercom notifications: {e}"),
    };
    match stats.last_received_at {
        None => "· Intercom notifications: none received yet. In the Developer Hub (your app > Configure > Webhooks), point the webhook at https://<hub>/webhooks/intercom and tick: contact.user.created, contact.lead.created, contact.user.updated, contact.lead.updated, contact.deleted, contact.merged, contact.archived, contact.unarchived".to_owned(),
        Some(last) if stats.received == 0 => format!(
            "· Intercom notifications: none in the last 24 h (the last {} ago). If contacts changed meanwhile, check the subscription in the Developer Hub: Intercom pauses one that keeps failing",
            ago(last)
        ),
        Some(last) => format!(
            "✓ Intercom notifications: {} in the last 24 h, the last {} ago; {} failed, {} waiting",
            stats.received,
            ago(last),
            stats.failed,
            stats.pending
        ),
    }
}
