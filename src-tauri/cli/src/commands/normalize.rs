//! `ringside-cli normalize [--region CC] [--json] NUMBER...`
//!
//! One line per input, `INPUT<TAB>RESULT` where the result is the E.164 number, `anonymous`, or
//! `error: …`; with `--json`, one JSON array. Exit status 0 when every input parsed or was
//! anonymous, 1 otherwise, 2 for an unknown region.

use ringside_core::phone::{CallerId, Region};
use serde::Serialize;

use super::printable;
use crate::{Outcome, UsageError};

/// Arguments of `normalize`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Region for national numbers (ISO code such as FR, US, GB).
    #[arg(long, env = "RINGSIDE_DEFAULT_REGION", default_value = "US")]
    region: String,
    /// Print a JSON array instead of lines.
    #[arg(long)]
    json: bool,
    /// The numbers, as written anywhere (quote those with spaces).
    #[arg(required = true, num_args = 1..)]
    numbers: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Line {
    input: String,
    e164: Option<String>,
    error: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    anonymous: bool,
}

/// Runs the command.
pub fn run(args: Args) -> Result<Outcome, UsageError> {
    let region = Region::parse(&args.region)?;
    let lines: Vec<Line> = args
        .numbers
        .iter()
        .map(|raw| normalize(raw, region))
        .collect();
    let all_ok = lines.iter().all(|l| l.error.is_none());
    if args.json {
        println!("{}", serde_json::to_string_pretty(&lines)?);
    } else {
        for line in &lines {
            let result = match (&line.e164, &line.error) {
                (Some(e164), _) => e164.clone(),
                (None, Some(error)) => format!("error: {error}"),
                (None, None) => "anonymous".to_owned(),
            };
            println!("{}\t{result}", printable(&line.input));
        }
    }
    Ok(if all_ok {
        Outcome::Success
    } else {
        Outcome::Failed
    })
}

fn normalize(raw: &str, region: Region) -> Line {
    match CallerId::parse(raw, region) {
        Ok(CallerId::Number(n)) => Line {
            input: raw.to_owned(),
            e164: Some(n.to_string()),
            error: None,
            anonymous: false,
        },
        Ok(CallerId::Anonymous) => Line {
            input: raw.to_owned(),
            e164: None,
            error: None,
            anonymous: true,
        },
        Err(e) => Line {
            input: raw.to_owned(),
            e164: None,
            error: Some(e.to_string()),
            anonymous: false,
        },
    }
}
