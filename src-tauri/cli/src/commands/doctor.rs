//! `ringside-cli doctor`: walks the admin's set-up step by step (the configuration, the
//! vendors' credentials, the hub's address and HTTPS, the hub running, Aircall's webhook, the
//! agents' sign-in, the database) and says what works and, for what does not, what to do next,
//! in words an admin can act on. It only reads: nothing it does changes the hub.

use std::net::SocketAddr;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::Duration;

use ringside_core::config::{env, Config};
use ringside_core::doctor::{self, Check};
use ringside_core::hub::webhooks::TOKEN_HASH_KEY;
use ringside_core::store::Store;

use crate::{engine, Outcome, UsageError};

/// Arguments of `doctor` (none yet).
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the command.
pub async fn run(_args: Args) -> Result<Outcome, UsageError> {
    let config = match engine::config() {
        Ok(c) => c,
        Err(e) => {
            println!("✗ Configuration: {}", e.0);
            return Ok(Outcome::Failed);
        }
    };
    let mut healthy = true;
    let mut show = |check: Check| {
        healthy &= check.ok;
        println!("{check}");
    };

    println!("1. Configuration");
    show(config_file(config.file.as_deref()));
    println!(
        "· Default region for national numbers: {}",
        config.default_region
    );

    println!("2. Intercom and Aircall");
    match &config.intercom {
        None => show(Check::fail(
            "Intercom",
            format!(
                "not configured. Set intercom_token in hub.toml (or {}) to an access token from the Developer Hub (your app > Configure > Authentication).",
                env::INTERCOM_TOKEN
            ),
        )),
        Some(_) => {
            let client = engine::intercom(&config)?;
            for check in doctor::intercom(&client, env::INTERCOM_TOKEN, None).await {
                show(check);
            }
        }
    }
    let aircall = engine::aircall(&config)?;
    match &aircall {
        None => show(Check::fail(
            "Aircall",
            format!(
                "not configured. Set aircall_api_id and aircall_api_token in hub.toml (or {} and {}) to an API key from the Aircall dashboard (Integrations > API keys).",
                env::AIRCALL_API_ID,
                env::AIRCALL_API_TOKEN
            ),
        )),
        Some(client) => show(doctor::aircall(client, env::AIRCALL_API_TOKEN).await),
    }

    println!("3. The hub's address");
    let public = config.signin.public_url.as_ref();
    show(public_address(public));
    show(https(&config));
    let instance = hub_answers(&config).await;
    let running = instance.is_ok();
    show(match instance {
        Ok((url, _)) => Check::pass("Hub", format!("answers at {url}")),
        Err(words) => Check::fail("Hub", words),
    });

    println!("4. Aircall's webhook");
    let store = engine::store(&config);
    let token_kept = config.hub.webhook_token.is_some()
        || store
            .as_ref()
            .ok()
            .and_then(|s| s.meta(TOKEN_HASH_KEY).ok().flatten())
            .is_some();
    show(aircall_webhook(aircall.as_ref(), public, token_kept).await);

    println!("5. Agents");
    show(sign_in(&config));
    let admins = &config.signin.admins;
    println!(
        "· Admins (hub.toml `admins`): {}",
        if admins.is_empty() {
            "none listed".to_owned()
        } else {
            admins.join(", ")
        }
    );

    println!("6. Database");
    match &store {
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
            println!("{}", agents_status(store));
            println!("{}", sync_status(store, config.sync.enabled));
            println!(
                "{}",
                notification_status(store, config.intercom_client_secret.is_some())
            );
        }
        Err(e) => show(Check::fail("Local database", e.0.clone())),
    }
    if !running {
        println!("The hub is not running: once it starts, run `ringside-cli doctor` again.");
    }
    Ok(if healthy {
        Outcome::Success
    } else {
        Outcome::Failed
    })
}

/// The configuration file: which one, who owns it and who may read it (the hub refuses one that
/// others can read before this runs).
fn config_file(file: Option<&Path>) -> Check {
    let Some(path) = file else {
        return Check::pass(
            "Configuration",
            format!(
                "no file: settings come from the environment and their defaults (the package reads {})",
                ringside_core::config::SYSTEM_FILE
            ),
        );
    };
    match std::fs::metadata(path) {
        Ok(meta) => Check::pass(
            "Configuration",
            format!(
                "{} (owner {}:{}, mode {:04o})",
                path.display(),
                user_name(meta.uid()),
                group_name(meta.gid()),
                meta.mode() & 0o7777
            ),
        ),
        Err(e) => Check::fail("Configuration", format!("{}: {e}", path.display())),
    }
}

/// The name of a user id, from `/etc/passwd` (its number when it has none).
fn user_name(uid: u32) -> String {
    name_in("/etc/passwd", uid)
}

/// The name of a group id, from `/etc/group` (its number when it has none).
fn group_name(gid: u32) -> String {
    name_in("/etc/group", gid)
}

/// The first field of the line of `file` whose third field is `id`.
fn name_in(file: &str, id: u32) -> String {
    std::fs::read_to_string(file)
        .ok()
        .and_then(|text| {
            text.lines().find_map(|line| {
                let mut fields = line.split(':');
                let name = fields.next()?;
                (fields.nth(1)?.parse::<u32>().ok()? == id).then(|| name.to_owned())
            })
        })
        .unwrap_or_else(|| id.to_string())
}

/// `public_url`: the address Aircall, Intercom and the agents use.
fn public_address(public: Option<&url::Url>) -> Check {
    match public {
        Some(url) => Check::pass(
            "Public address",
            format!("{url} (agents type this address in the app's first run)"),
        ),
        None => Check::fail(
            "Public address",
            format!(
                "public_url is not set: set it in hub.toml (or {}) to the HTTPS address agents, Aircall and Intercom reach the hub at, e.g. https://ringside.example.com",
                env::PUBLIC_URL
            ),
        ),
    }
}

/// HTTPS: the hub's own certificate, or a TLS proxy in front of a loopback listener.
fn https(config: &Config) -> Check {
    let listen = config.hub.listen;
    match &config.hub.tls {
        Some(tls) => {
            for (what, path) in [("certificate", &tls.cert), ("private key", &tls.key)] {
                match std::fs::read_to_string(path) {
                    Ok(text) if text.contains("-----BEGIN") => {}
                    Ok(_) => {
                        return Check::fail(
                            "HTTPS",
                            format!("the {what} {} is not a PEM file", path.display()),
                        )
                    }
                    Err(e) => {
                        return Check::fail(
                            "HTTPS",
                            format!("cannot read the {what} {}: {e}", path.display()),
                        )
                    }
                }
            }
            Check::pass(
                "HTTPS",
                format!(
                    "the hub serves its own certificate ({}) on {listen}",
                    tls.cert.display()
                ),
            )
        }
        None if listen.ip().is_loopback() => Check::pass(
            "HTTPS",
            format!(
                "the hub listens on {listen} in plain HTTP, for a TLS proxy on this machine (e.g. Caddy: `reverse_proxy {listen}`) to serve the public address"
            ),
        ),
        None => Check::fail(
            "HTTPS",
            format!(
                "the hub serves plain HTTP on {listen}, beyond this machine: set tls_cert and tls_key in hub.toml, or listen on 127.0.0.1 behind a TLS proxy"
            ),
        ),
    }
}

/// Whether a hub answers `GET /healthz` at the configured address; its instance id when it
/// does.
async fn hub_answers(config: &Config) -> Result<(String, String), String> {
    let listen = config.hub.listen;
    let local = SocketAddr::new(
        if listen.ip().is_unspecified() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            listen.ip()
        },
        listen.port(),
    );
    let scheme = if config.hub.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let url = format!("{scheme}://{local}/healthz");
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        // The hub's certificate names its public host, not this loopback address.
        .danger_accept_invalid_certs(config.hub.tls.is_some())
        .build()
        .map_err(|e| e.to_string())?;
    let answer = client.get(&url).send().await.map_err(|e| {
        format!(
            "nothing answers at {url} ({}): start it with `systemctl enable --now ringside-hub` and read `journalctl -u ringside-hub` if it stops",
            without_url(&e)
        )
    })?;
    let body: serde_json::Value = answer.json().await.map_err(|e| {
        format!(
            "{url} answered, but not as a Ringside hub ({})",
            without_url(&e)
        )
    })?;
    let instance = body["instance"].as_str().unwrap_or_default().to_owned();
    Ok((url, instance))
}

/// A reqwest error's reason without the URL it repeats.
fn without_url(e: &reqwest::Error) -> String {
    let mut reason = e.to_string();
    if let Some(url) = e.url() {
        reason = reason.replace(&format!(" ({url})"), "");
    }
    reason
}

/// Aircall's webhook: registered for the public address, and its token known to the hub.
async fn aircall_webhook(
    aircall: Option<&ringside_core::aircall::AircallClient>,
    public: Option<&url::Url>,
    token_kept: bool,
) -> Check {
    let (Some(aircall), Some(public)) = (aircall, public) else {
        return Check::fail(
            "Aircall webhook",
            "needs Aircall's API key and public_url first (steps 2 and 3)",
        );
    };
    let url = webhook_url(public);
    let found = match aircall.webhooks().await {
        Ok(hooks) => hooks.into_iter().find(|w| w.url == url),
        Err(e) => {
            return Check::fail(
                "Aircall webhook",
                format!("cannot list Aircall's webhooks: {e}"),
            )
        }
    };
    match (found, token_kept) {
        (Some(hook), true) if hook.active => Check::pass(
            "Aircall webhook",
            format!("{} sends its events to {url}", hook.webhook_id),
        ),
        (Some(hook), true) => Check::fail(
            "Aircall webhook",
            format!(
                "{} for {url} is turned off in Aircall (Aircall turns off a webhook that keeps failing): make sure the hub answers at that address, then turn it on in Aircall's dashboard or run `ringside-cli setup-webhook` again",
                hook.webhook_id
            ),
        ),
        (Some(_), false) => Check::fail(
            "Aircall webhook",
            format!(
                "registered for {url}, but the hub does not know its token: run `ringside-cli setup-webhook` again (Aircall shows a token only when it creates a webhook)"
            ),
        ),
        (None, _) => Check::fail(
            "Aircall webhook",
            format!("none sends events to {url}: run `ringside-cli setup-webhook`"),
        ),
    }
}

/// The address Aircall's webhook is registered for: `/webhooks/aircall` under the public one.
pub fn webhook_url(public: &url::Url) -> String {
    format!("{}/webhooks/aircall", public.as_str().trim_end_matches('/'))
}

/// How agents join: Sign in with Intercom when its three settings are there, invitations
/// always.
fn sign_in(config: &Config) -> Check {
    let signin = &config.signin;
    let missing: Vec<&str> = [
        ("public_url", signin.public_url.is_some()),
        ("intercom_client_id", signin.intercom_client_id.is_some()),
        (
            "intercom_client_secret",
            config.intercom_client_secret.is_some(),
        ),
    ]
    .into_iter()
    .filter(|(_, set)| !set)
    .map(|(key, _)| key)
    .collect();
    match (&signin.public_url, missing.is_empty()) {
        (Some(public), true) => Check::pass(
            "Sign in with Intercom",
            format!(
                "on; the Intercom app's redirect URL must be {}/signin/callback (Developer Hub > your app > Authentication > Use OAuth){}",
                public.as_str().trim_end_matches('/'),
                if signin.allow.is_empty() {
                    "; every teammate of the workspace may sign in".to_owned()
                } else {
                    format!("; only {} may sign in", signin.allow.join(", "))
                }
            ),
        ),
        _ => Check::pass(
            "Sign in with Intercom",
            format!(
                "off (set {} in hub.toml to turn it on); agents join with an invitation: `ringside-cli agents invite EMAIL`",
                missing.join(", ")
            ),
        ),
    }
}

/// One line on the agents: how many, and how they joined.
fn agents_status(store: &Store) -> String {
    match store.agents() {
        Ok(agents) if agents.is_empty() => "· Agents: none yet. Tell agents the hub's address (Sign in with Intercom), or invite them: `ringside-cli agents invite EMAIL`".to_owned(),
        Ok(agents) => format!(
            "✓ Agents: {} ({} admins); `ringside-cli agents list` shows how each joined",
            agents.len(),
            agents.iter().filter(|a| a.admin).count()
        ),
        Err(e) => format!("✗ Agents: {e}"),
    }
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
