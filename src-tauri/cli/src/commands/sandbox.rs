//! `ringside-cli sandbox [--port-aircall P] [--port-intercom P] [--seed FILE] [--contacts N]
//! [--aircall-budget N]`: the fake Aircall and Intercom, standalone, until Ctrl-C or SIGTERM.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use ringside_core::config::env;
use ringside_sandbox::{Sandbox, Seed};

use crate::{Outcome, UsageError};

/// Arguments of `sandbox`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Port of the fake Aircall (0: any free port).
    #[arg(long, default_value_t = 8791)]
    port_aircall: u16,
    /// Port of the fake Intercom (0: any free port).
    #[arg(long, default_value_t = 8792)]
    port_intercom: u16,
    /// A JSON seed file instead of the built-in demo data.
    #[arg(long)]
    seed: Option<PathBuf>,
    /// Also fill the fake Intercom with this many generated contacts (phones in mixed formats),
    /// to try contact sync.
    #[arg(long, default_value_t = 0)]
    contacts: usize,
    /// The fake Aircall's company budget, requests a minute (default: the seed's, 60 for the
    /// demo).
    #[arg(long)]
    aircall_budget: Option<u32>,
}

/// Runs the command.
pub async fn run(args: Args) -> Result<Outcome, UsageError> {
    let seed = match &args.seed {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| UsageError(format!("{}: {e}", path.display())))?;
            Seed::from_json(&text).map_err(|e| UsageError(format!("{}: {e}", path.display())))?
        }
        None => Seed::demo(),
    };
    let mut seed = seed;
    if let Some(budget) = args.aircall_budget {
        seed.rate_limits.aircall_per_minute = budget;
    }
    let region = seed.default_region.clone();
    let at = |port| SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let sandbox = Sandbox::start_on(seed, at(args.port_aircall), at(args.port_intercom))
        .await
        .map_err(|e| UsageError(format!("cannot listen: {e}")))?;
    if args.contacts > 0 {
        let generated = ringside_sandbox::generate::contacts(args.contacts, 1);
        sandbox.add_intercom_contacts(generated.into_iter().map(|g| g.contact));
    }
    println!(
        "Sandbox running: fake Aircall on {}, fake Intercom on {}",
        sandbox.aircall_url(),
        sandbox.intercom_url()
    );
    println!("To point Ringside at it (these are the sandbox's own demo credentials):");
    for line in exports(&sandbox, &region) {
        println!("  {line}");
    }
    println!("Press Ctrl-C to stop.");
    shutdown_signal().await;
    sandbox.shutdown().await;
    Ok(Outcome::Success)
}

/// Shell lines that configure Ringside for this sandbox.
pub fn exports(sandbox: &Sandbox, region: &str) -> Vec<String> {
    let c = sandbox.credentials();
    // The teammate the fake's OAuth approves as is the hub's admin, so the console's "Sign in
    // with Intercom" lets them in.
    let admin = sandbox
        .intercom_oauth()
        .approver_email()
        .unwrap_or_default();
    [
        (env::INTERCOM_BASE_URL, sandbox.intercom_url()),
        (env::INTERCOM_TOKEN, c.intercom_token),
        (env::AIRCALL_BASE_URL, sandbox.aircall_url()),
        (env::AIRCALL_API_ID, c.aircall_api_id),
        (env::AIRCALL_API_TOKEN, c.aircall_api_token),
        (env::DEFAULT_REGION, region.to_owned()),
        // Sign in with Intercom through the fake's OAuth app, for a hub on its default address.
        (env::PUBLIC_URL, "http://127.0.0.1:8790".to_owned()),
        (env::INTERCOM_APP_URL, sandbox.intercom_url()),
        (
            env::INTERCOM_CLIENT_ID,
            ringside_sandbox::intercom::CLIENT_ID.to_owned(),
        ),
        (
            env::INTERCOM_CLIENT_SECRET,
            ringside_sandbox::intercom::CLIENT_SECRET.to_owned(),
        ),
        (env::ADMINS, admin),
    ]
    .into_iter()
    .map(|(k, v)| format!("export {k}={v}"))
    .collect()
}

pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
