//! The three ways the app reaches a hub, all ending in the same [`HubClient`]:
//!
//! - **connected**: the company's hub, at the address in the settings, with the agent token
//!   from the keyring;
//! - **standalone**: `ringside_core::hub::Hub` started in-process on `127.0.0.1` with this
//!   agent's Aircall and Intercom credentials (from the keyring), the integration settings and
//!   contact sync schedule of Settings, and a token it creates for the local agent; it receives
//!   Aircall's webhooks on the port set in Settings once a public https address forwarding
//!   there is registered ([`register_webhook`]);
//! - **demo**: standalone on the built-in sandbox, in a temporary data directory, with the demo
//!   activity ([`crate::demo::Activity`]) played into it by the sandbox's scenario player.

use std::path::PathBuf;

use ringside_core::aircall::{AircallClient, AircallConfig};
use ringside_core::card::system_clock;
use ringside_core::hub::{Hub, HubConfig, SyncSchedule};
use ringside_core::intercom::{IntercomClient, IntercomConfig};
use ringside_core::rules::Settings as HubSettings;
use ringside_core::store::Store;
use ringside_core::sync::SyncOptions;
use ringside_core::Secret;
use ringside_sandbox::{Sandbox, Seed};

use crate::demo::{DemoSetup, Stage, WebhookTarget};
use crate::error::{Error, Result};
use crate::remote::HubClient;
use crate::settings::{ModeKind, Settings};
use crate::vault::{SecretName, Vault};

/// The agent the demo runs as: Alice Durand of the demo company.
pub const DEMO_AGENT: &str = "alice.durand@acme.io";

/// How long the demo's activity waits for the app to follow its hub before it plays anyway.
const DEMO_WAIT_FOR_APP: std::time::Duration = std::time::Duration::from_secs(30);

/// A hub to talk to, and whatever must live as long as the link (an in-process hub, the
/// sandbox, the demo's data directory and activity).
#[derive(Debug)]
pub struct Link {
    /// The agents' API client.
    pub client: HubClient,
    /// In-process parts, stopped when the link is dropped.
    pub local: Option<LocalHub>,
}

/// A hub running in this process.
#[derive(Debug)]
pub struct LocalHub {
    hub: Option<Hub>,
    /// Aircall's webhook target, for the demo player and tests.
    pub webhooks: WebhookTarget,
    /// The demo's sandbox and webhook target, where Aircall's part is played.
    pub stage: Option<Stage>,
    player: Option<tokio::task::JoinHandle<()>>,
    _dir: Option<tempfile::TempDir>,
}

impl LocalHub {
    /// Whether the demo's activity has played all it had to (a script, once); the tour and a
    /// quiet demo never finish.
    pub fn activity_finished(&self) -> bool {
        self.player.as_ref().is_some_and(|p| p.is_finished())
    }

    /// Stops the player, then the hub.
    pub async fn shutdown(mut self) {
        if let Some(p) = self.player.take() {
            p.abort();
        }
        if let Some(hub) = self.hub.take() {
            hub.shutdown().await;
        }
    }
}

impl Drop for LocalHub {
    fn drop(&mut self) {
        if let Some(p) = &self.player {
            p.abort();
        }
    }
}

/// Connected or standalone, from the settings and the keyring.
pub async fn open(settings: &Settings, vault: &dyn Vault, data_dir: PathBuf) -> Result<Link> {
    match settings.mode {
        ModeKind::Connected => {
            if settings.hub_url.trim().is_empty() {
                return Err(Error::NotConfigured("setting-hub-url"));
            }
            let token = vault
                .get(SecretName::AgentToken)?
                .ok_or(Error::NotConfigured("setting-agent-token"))?;
            Ok(Link {
                client: HubClient::new(&settings.hub_url, token)?,
                local: None,
            })
        }
        ModeKind::Standalone => standalone(settings, vault, data_dir).await,
    }
}

async fn standalone(settings: &Settings, vault: &dyn Vault, data_dir: PathBuf) -> Result<Link> {
    if settings.agent_email.trim().is_empty() {
        return Err(Error::NotConfigured("setting-agent-email"));
    }
    let (intercom, aircall) = standalone_clients(settings, vault)?;
    let store = Store::open(&hub_dir(&data_dir)).map_err(|e| Error::Invalid(e.to_string()))?;
    let region = ringside_core::phone::Region::parse(&settings.default_region)
        .map_err(|e| Error::Invalid(e.to_string()))?;
    let behaviour = HubBehaviour {
        settings: settings.integration.hub_settings()?,
        sync: settings.integration.sync_schedule(region)?,
        listen: std::net::SocketAddr::from(([127, 0, 0, 1], settings.webhook_port)),
        intercom_client_secret: None,
    };
    // Webhooks are checked against the token registered from Settings (kept as a hash in the
    // hub's database); until then the hub receives none.
    start(
        store,
        intercom,
        Some(aircall),
        &settings.default_region,
        &settings.agent_email,
        None,
        behaviour,
    )
    .await
}

/// Where standalone mode's hub keeps its database.
pub fn hub_dir(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join("hub")
}

/// The meta key of the webhook address registered with Aircall from Settings.
pub const WEBHOOK_URL_KEY: &str = "desktop_webhook_url";

/// Standalone mode: registers `<webhook_url>/webhooks/aircall` with Aircall for the events
/// Ringside acts on, and keeps a hash of the token Aircall returns in the hub's database (the
/// in-app hub checks every delivery against it). Returns the registered address.
pub async fn register_webhook(
    settings: &Settings,
    vault: &dyn Vault,
    data_dir: &std::path::Path,
) -> Result<String> {
    if settings.mode != crate::settings::ModeKind::Standalone {
        return Err(Error::Invalid(
            "only standalone mode receives Aircall's webhooks itself; a company hub's admin registers them with `ringside-cli setup-webhook`".into(),
        ));
    }
    if settings.webhook_port == 0 {
        // A tunnel forwards to one port; a port chosen afresh at each start would lose it.
        return Err(Error::NotConfigured("setting-webhook-port"));
    }
    let Some(base) = crate::settings::web_address(&settings.webhook_url) else {
        return Err(Error::NotConfigured("setting-webhook-url"));
    };
    let target = format!("{}/webhooks/aircall", base.as_str().trim_end_matches('/'));
    let (_, aircall) = standalone_clients(settings, vault)?;
    let name = format!("Ringside desktop ({})", settings.agent_email.trim());
    let webhook = aircall
        .create_webhook(&name, &target, ringside_core::webhook::SUBSCRIBED_EVENTS)
        .await
        .map_err(|e| {
            Error::Invalid(format!(
                "Aircall did not register the webhook: {}",
                ringside_core::doctor::explain(&e, "the Aircall API id and token", "Aircall")
            ))
        })?;
    let token = webhook
        .token
        .filter(|t| !t.expose().is_empty())
        .ok_or_else(|| Error::Invalid("Aircall registered the webhook but sent no token".into()))?;
    let store = Store::open(&hub_dir(data_dir)).map_err(|e| Error::Invalid(e.to_string()))?;
    let save = |key: &str, value: &str| {
        store
            .set_meta(key, value)
            .map_err(|e| Error::Invalid(e.to_string()))
    };
    save(
        ringside_core::hub::webhooks::TOKEN_HASH_KEY,
        &ringside_core::hub::webhooks::token_hash(token.expose()),
    )?;
    save(WEBHOOK_URL_KEY, &target)?;
    Ok(target)
}

/// The webhook address registered from Settings, if any.
pub fn registered_webhook(data_dir: &std::path::Path) -> Option<String> {
    let dir = hub_dir(data_dir);
    if !dir.exists() {
        return None;
    }
    Store::open(&dir).ok()?.meta(WEBHOOK_URL_KEY).ok().flatten()
}

/// The Intercom and Aircall clients of standalone mode, from the settings and the keyring.
pub fn standalone_clients(
    settings: &Settings,
    vault: &dyn Vault,
) -> Result<(IntercomClient, AircallClient)> {
    if settings.aircall_api_id.trim().is_empty() {
        return Err(Error::NotConfigured("setting-aircall-api-id"));
    }
    let intercom_token = vault
        .get(SecretName::IntercomToken)?
        .ok_or(Error::NotConfigured("setting-intercom-token"))?;
    let aircall_token = vault
        .get(SecretName::AircallApiToken)?
        .ok_or(Error::NotConfigured("setting-aircall-api-token"))?;
    let region = ringside_core::intercom::Region::parse(&settings.intercom_region)
        .ok_or_else(|| Error::Invalid("Intercom region".into()))?;
    let mut intercom_config = IntercomConfig::new(intercom_token, region);
    if let Some(url) = crate::settings::vendor_address(&settings.intercom_base_url) {
        intercom_config.base_url = url;
    }
    let mut aircall_config = AircallConfig::new(settings.aircall_api_id.trim(), aircall_token);
    if let Some(url) = crate::settings::vendor_address(&settings.aircall_base_url) {
        aircall_config.base_url = url;
    }
    let intercom =
        IntercomClient::new(intercom_config).map_err(|e| Error::Invalid(e.to_string()))?;
    let aircall = AircallClient::new(aircall_config).map_err(|e| Error::Invalid(e.to_string()))?;
    Ok((intercom, aircall))
}

/// What the hub in the app logs, whether and how often it syncs contacts, and where it listens.
struct HubBehaviour {
    settings: HubSettings,
    sync: Option<SyncSchedule>,
    listen: std::net::SocketAddr,
    /// The Intercom app's client secret, which turns `POST /webhooks/intercom` on.
    intercom_client_secret: Option<Secret>,
}

/// How often the demo's hub syncs the sandbox's contacts.
const DEMO_SYNC_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

fn region_fr() -> Result<ringside_core::phone::Region> {
    ringside_core::phone::Region::parse("FR").map_err(|e| Error::Invalid(e.to_string()))
}

/// The demo hub's settings: the defaults, with the agent's Intercom presence following the phone
/// and an outcome asked after each call (optional).
pub fn demo_hub_settings() -> HubSettings {
    HubSettings {
        presence: true,
        call_outcomes: crate::demo::DEMO_OUTCOMES
            .iter()
            .map(|o| (*o).to_owned())
            .collect(),
        ..HubSettings::default()
    }
}

/// Demo mode: the sandbox, a hub on it in a temporary directory, and the activity played.
pub async fn demo(setup: DemoSetup) -> Result<Link> {
    let DemoSetup {
        activity,
        step,
        sandbox_addrs,
    } = setup;
    let io = |e: std::io::Error| Error::Invalid(format!("cannot start the demo: {e}"));
    let dir = tempfile::Builder::new()
        .prefix("ringside-demo-")
        .tempdir()
        .map_err(io)?;
    let sandbox = match sandbox_addrs {
        Some((aircall, intercom)) => Sandbox::start_on(Seed::demo(), aircall, intercom).await,
        None => Sandbox::start(Seed::demo()).await,
    };
    let sandbox = std::sync::Arc::new(sandbox.map_err(io)?);
    let creds = sandbox.credentials();
    let mut intercom_config =
        IntercomConfig::new(Secret::new(creds.intercom_token), Default::default());
    intercom_config.base_url =
        url::Url::parse(&sandbox.intercom_url()).map_err(|e| Error::Invalid(e.to_string()))?;
    let mut aircall_config =
        AircallConfig::new(creds.aircall_api_id, Secret::new(creds.aircall_api_token));
    aircall_config.base_url =
        url::Url::parse(&sandbox.aircall_url()).map_err(|e| Error::Invalid(e.to_string()))?;
    // The sandbox enforces Aircall's per-company budget; the demo is one company with a busy
    // agent, so give it room.
    sandbox.faults().set_aircall_budget(10_000);
    aircall_config.budget_per_minute = 10_000;
    let intercom =
        IntercomClient::new(intercom_config).map_err(|e| Error::Invalid(e.to_string()))?;
    let aircall = AircallClient::new(aircall_config).map_err(|e| Error::Invalid(e.to_string()))?;
    let store = Store::open(dir.path()).map_err(|e| Error::Invalid(e.to_string()))?;
    let intercom_secret = random_token();
    let mut link = start(
        store,
        intercom,
        Some(aircall),
        "FR",
        DEMO_AGENT,
        Some(random_token()),
        // Contact sync runs as a hub's does, on the sandbox (its contacts become the fake
        // Aircall's), every minute so that the main window's sync line shows it working.
        HubBehaviour {
            settings: demo_hub_settings(),
            sync: Some(SyncSchedule {
                options: SyncOptions::new(region_fr()?),
                interval: DEMO_SYNC_EVERY,
            }),
            listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
            intercom_client_secret: Some(intercom_secret.clone()),
        },
    )
    .await?;
    if let Some(local) = link.local.as_mut() {
        // The fake Intercom tells the hub of every contact change, as a registered app would:
        // a caller the hub creates is in its index and, through contact sync, in Aircall.
        let notifications = local
            .webhooks
            .url
            .replace("/webhooks/aircall", "/webhooks/intercom");
        sandbox.deliver_intercom_notifications(&notifications, intercom_secret.expose());
        let stage = Stage::new(sandbox, local.webhooks.clone()).with_agent(link.client.clone());
        let streams = local.hub.as_ref().map(|h| h.streams());
        local.player = Some(tokio::spawn({
            let stage = stage.clone();
            async move {
                // The first call rings once the app follows the hub: a hub streams what happens
                // from the moment an app connects, so a ring before then would never pop up.
                if let Some(streams) = streams {
                    crate::demo::until_following(&streams, DEMO_AGENT, DEMO_WAIT_FOR_APP).await;
                }
                activity.play(stage, step).await
            }
        }));
        local.stage = Some(stage);
        local._dir = Some(dir);
    }
    Ok(link)
}

/// Starts a hub on loopback and a token for the local agent.
async fn start(
    store: Store,
    intercom: IntercomClient,
    aircall: Option<AircallClient>,
    default_region: &str,
    agent_email: &str,
    webhook_token: Option<Secret>,
    behaviour: HubBehaviour,
) -> Result<Link> {
    let region = ringside_core::phone::Region::parse(default_region)
        .map_err(|e| Error::Invalid(e.to_string()))?;
    // The hub in the app serves this one agent: they see every call, as an admin does.
    let agent_token = store
        .add_agent_with(agent_email, true, system_clock()())
        .map_err(|e| Error::Invalid(e.to_string()))?;
    let config = HubConfig {
        store,
        intercom,
        aircall,
        webhook_token: webhook_token.clone(),
        settings: behaviour.settings,
        default_region: region,
        clock: system_clock(),
        tls: None,
        sync: behaviour.sync,
        intercom_client_secret: behaviour.intercom_client_secret,
        signin: None,
        console: Default::default(),
    };
    let listener = tokio::net::TcpListener::bind(behaviour.listen)
        .await
        .map_err(|e| Error::Invalid(format!("cannot listen on {}: {e}", behaviour.listen)))?;
    let hub = Hub::start(config, listener)
        .await
        .map_err(|e| Error::Invalid(format!("cannot start the local hub: {e}")))?;
    let base = format!("http://{}", hub.local_addr());
    Ok(Link {
        client: HubClient::new(&base, agent_token)?,
        local: Some(LocalHub {
            webhooks: WebhookTarget {
                url: format!("{base}/webhooks/aircall"),
                token: webhook_token.unwrap_or_else(|| Secret::new("")),
            },
            hub: Some(hub),
            stage: None,
            player: None,
            _dir: None,
        }),
    })
}

fn random_token() -> Secret {
    let mut bytes = [0u8; 24];
    let _ = getrandom::fill(&mut bytes);
    Secret::new(bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
}
