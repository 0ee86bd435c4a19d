//! `ringside-cli agents add [--admin] EMAIL | invite [--days N] [--admin] EMAIL | list |
//! revoke EMAIL`: the agents allowed on the hub's API. An agent sees the calls that concern
//! them; an admin sees every call. An invitation is a single-use link the agent opens in the
//! desktop app (no token to copy). A revoked agent's open event stream ends within seconds, and
//! their invitations not yet used stop working.

use ringside_core::card::system_clock;
use ringside_core::config::Config;
use ringside_core::signin;

use crate::{engine, Outcome, UsageError};

/// Arguments of `agents`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Create (or replace) an agent's token and print it, once.
    Add {
        /// The agent's email (as in Intercom and Aircall).
        email: String,
        /// Let this token see and act on every call, and read `/healthz` in full.
        #[arg(long)]
        admin: bool,
    },
    /// Print a single-use link that lets the agent join from the desktop app.
    Invite {
        /// The agent's email (as in Intercom and Aircall).
        email: String,
        /// Days the link works.
        #[arg(long, default_value_t = signin::INVITATION_DAYS)]
        days: u32,
        /// The agent joins as an admin (every call).
        #[arg(long)]
        admin: bool,
    },
    /// List the agents (how each joined, when last seen) and the invitations not yet used.
    List,
    /// Revoke an agent's token and their invitations not yet used.
    Revoke {
        /// The agent's email.
        email: String,
    },
}

/// Runs the command.
pub async fn run(args: Args) -> Result<Outcome, UsageError> {
    let config = engine::config()?;
    let store = engine::store(&config)?;
    match args.action {
        Action::Add { email, admin } => {
            if !email.contains('@') {
                return Err(UsageError(format!("`{email}` is not an email address")));
            }
            let token = store.add_agent_with(&email, admin, (system_clock())())?;
            println!(
                "{} for {}: {}",
                if admin { "Admin token" } else { "Token" },
                email.trim().to_lowercase(),
                token.expose()
            );
            println!("It is shown only now: give it to the agent (desktop app > Settings > Hub).");
        }
        Action::Invite { email, days, admin } => {
            let code = signin::invite(&store, &email, admin, days, (system_clock())())
                .map_err(|e| UsageError(e.to_string()))?;
            let email = email.trim().to_lowercase();
            println!(
                "Invitation for {email}{}, single use, for {days} day{}:",
                if admin { " (admin)" } else { "" },
                if days == 1 { "" } else { "s" }
            );
            println!("{}", signin::join_link(&hub_url(&config), &code));
            if let Some(public) = &config.signin.public_url {
                println!(
                    "Or paste it in the app's first screen; on the web: {}",
                    signin::join_web_link(public.as_str(), &code)
                );
            }
            println!(
                "It is shown only now. Send it to the agent; `agents revoke {email}` cancels it."
            );
        }
        Action::List => {
            let now = (system_clock())();
            let agents = store.agents()?;
            let invitations = store.open_invitations(now)?;
            if agents.is_empty() && invitations.is_empty() {
                println!("No agents yet: add one with `ringside-cli agents add EMAIL` or `agents invite EMAIL`.");
            }
            for a in agents {
                let role = if a.admin { "admin" } else { "agent" };
                let seen = match a.last_seen_at {
                    Some(at) => format!("last seen {}", ago(now, at)),
                    None => "never seen".to_owned(),
                };
                println!(
                    "{}\t{role}\tjoined by {}\ttoken made {}\t{seen}",
                    a.email,
                    a.joined.as_str(),
                    ago(now, a.created_at)
                );
            }
            for i in invitations {
                let role = if i.admin { "admin" } else { "agent" };
                println!(
                    "{}\t{role}\tinvited {}\texpires in {}",
                    i.email,
                    ago(now, i.created_at),
                    span(i.expires_at - now)
                );
            }
        }
        Action::Revoke { email } => {
            if store.revoke_agent(&email)? {
                println!(
                    "Revoked the token and the open invitations of {}.",
                    email.trim().to_lowercase()
                );
            } else {
                println!("{email} had no token and no open invitation.");
                return Ok(Outcome::Failed);
            }
        }
    }
    Ok(Outcome::Success)
}

/// The hub's address for agents: its public URL, else the address it listens on.
fn hub_url(config: &Config) -> String {
    match &config.signin.public_url {
        Some(url) => url.as_str().trim_end_matches('/').to_owned(),
        None => {
            let scheme = if config.hub.tls.is_some() {
                "https"
            } else {
                "http"
            };
            format!("{scheme}://{}", config.hub.listen)
        }
    }
}

/// How long ago `at` was, in words.
fn ago(now: i64, at: i64) -> String {
    format!("{} ago", span(now - at))
}

/// A duration in seconds, in the largest whole unit.
fn span(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min", s / 60),
        3600..=86_399 => format!("{} h", s / 3600),
        _ => format!("{} days", s / 86_400),
    }
}
