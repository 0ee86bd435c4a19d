//! `ringside-cli setup-webhook [--url https://…]`: registers the hub's webhook with Aircall for
//! the events Ringside acts on, and keeps a hash of the token Aircall returns (never the token).

use ringside_core::hub::webhooks::{token_hash, TOKEN_HASH_KEY};
use ringside_core::webhook::SUBSCRIBED_EVENTS;

use crate::{engine, Outcome, UsageError};

/// Arguments of `setup-webhook`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The public HTTPS address of the hub's `/webhooks/aircall` (default: under `public_url`).
    #[arg(long)]
    url: Option<String>,
    /// The name shown in Aircall's dashboard.
    #[arg(long, default_value = "Ringside")]
    name: String,
}

/// Runs the command.
pub async fn run(args: Args) -> Result<Outcome, UsageError> {
    let config = engine::config()?;
    let url = match (args.url, &config.signin.public_url) {
        (Some(url), _) => url,
        (None, Some(public)) => super::doctor::webhook_url(public),
        (None, None) => {
            return Err(UsageError(
                "where should Aircall send its events? Set public_url in hub.toml, or pass --url https://…/webhooks/aircall".into(),
            ))
        }
    };
    if !url.starts_with("https://") {
        return Err(UsageError(
            "Aircall only calls HTTPS addresses: use https://…/webhooks/aircall".into(),
        ));
    }
    let Some(aircall) = engine::aircall(&config)? else {
        return Err(UsageError(
            "Aircall is not configured: set aircall_api_id and aircall_api_token in hub.toml (or RINGSIDE_AIRCALL_API_ID and RINGSIDE_AIRCALL_API_TOKEN)"
                .into(),
        ));
    };
    let store = engine::store(&config)?;
    let existing = aircall.webhooks().await?;
    if let Some(w) = existing.iter().find(|w| w.url == url) {
        println!("note: Aircall already has webhook {} for this URL; a new one is created because Aircall shows a token only once. Delete the old one in Aircall's dashboard.", w.webhook_id);
    }
    let webhook = aircall
        .create_webhook(&args.name, &url, SUBSCRIBED_EVENTS)
        .await?;
    let Some(token) = webhook.token.as_ref().filter(|t| !t.is_empty()) else {
        eprintln!(
            "error: Aircall created webhook {} but returned no token",
            webhook.webhook_id
        );
        return Ok(Outcome::Failed);
    };
    store.set_meta(TOKEN_HASH_KEY, &token_hash(token.expose()))?;
    println!(
        "Webhook {} registered for {} events to {}.",
        webhook.webhook_id,
        SUBSCRIBED_EVENTS.len(),
        webhook.url
    );
    println!(
        "Its token is kept as a hash in {}; the hub checks every event against it.",
        store
            .path()
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    );
    Ok(Outcome::Success)
}
