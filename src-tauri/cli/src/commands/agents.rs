//! `ringside-cli agents add [--admin] EMAIL | list | revoke EMAIL`: the agents allowed on the
//! hub's API. An agent sees the calls that concern them; an admin sees every call. A revoked
//! agent's open event stream ends within seconds.

use ringside_core::card::system_clock;

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
    /// List the agents.
    List,
    /// Revoke an agent's token.
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
        Action::List => {
            let agents = store.agents()?;
            if agents.is_empty() {
                println!("No agents yet: add one with `ringside-cli agents add EMAIL`.");
            }
            for a in agents {
                let role = if a.admin { "admin" } else { "agent" };
                println!("{}\t{role}\tsince {}", a.email, a.created_at);
            }
        }
        Action::Revoke { email } => {
            if store.revoke_agent(&email)? {
                println!("Revoked the token of {}.", email.trim().to_lowercase());
            } else {
                println!("{email} had no token.");
                return Ok(Outcome::Failed);
            }
        }
    }
    Ok(Outcome::Success)
}
