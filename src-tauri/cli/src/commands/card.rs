//! `ringside-cli card [--region CC] [--call-id N] NUMBER`: the insight card as JSON.

use ringside_core::phone::{CallerId, Region};

use crate::{engine, Outcome, UsageError};

/// Arguments of `card`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Region for a national number (default: RINGSIDE_DEFAULT_REGION, else US).
    #[arg(long)]
    region: Option<String>,
    /// The Aircall call the card is for.
    #[arg(long)]
    call_id: Option<u64>,
    /// The caller's number in any format, or `anonymous`.
    number: String,
}

/// Runs the command.
pub async fn run(args: Args) -> Result<Outcome, UsageError> {
    let config = engine::config()?;
    let region = match &args.region {
        Some(code) => Region::parse(code)?,
        None => config.default_region,
    };
    let caller = CallerId::parse(&args.number, region)?;
    let builder = engine::card_builder(&config)?;
    match builder.build(&caller, args.call_id).await {
        Ok(card) => {
            println!("{}", serde_json::to_string_pretty(&card)?);
            Ok(Outcome::Success)
        }
        Err(e) => {
            eprintln!("error: no card for {}: {e}", args.number);
            Ok(Outcome::Failed)
        }
    }
}
