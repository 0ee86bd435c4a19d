//! `ringside-cli demo [--json] [--keep-running]`: the built-in sandbox, a throw-away data
//! directory, and the insight card of each kind of demo caller, built by the real engine over
//! real HTTP. The ringing demo call also gets its card pushed to (fake) Aircall's phone app.

use ringside_core::aircall::{AircallClient, AircallConfig};
use ringside_core::card::{Card, CardBuilder, ContactStatus};
use ringside_core::intercom::{IntercomClient, IntercomConfig, Region as IntercomRegion};
use ringside_core::phone::{CallerId, Region};
use ringside_core::store::Store;
use ringside_core::Secret;
use ringside_sandbox::{Sandbox, Seed};

use super::printable;
use crate::{Outcome, UsageError};

/// Arguments of `demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print the cards as JSON instead of text.
    #[arg(long)]
    json: bool,
    /// Keep the sandbox running afterwards (until Ctrl-C), to try `ringside-cli card` on it.
    #[arg(long)]
    keep_running: bool,
}

/// The ringing call of the demo fixture.
const RINGING_CALL: u64 = 780_836_754;

/// The other demo callers, as Aircall would present them.
const CALLERS: &[(&str, &str)] = &[
    ("Unknown caller", "+33 6 50 50 50 50"),
    ("Two contacts share this number", "+33 1 84 88 00 00"),
    ("Anonymous caller", "anonymous"),
    (
        "A user whose last conversation is closed",
        "+1 442-249-7851",
    ),
    (
        "A contact stored as a UK national number",
        "+44 20 8765 3456",
    ),
    ("A contact with a hostile name", "+33 6 98 76 54 32"),
];

/// Runs the command.
pub async fn run(args: Args) -> Result<Outcome, UsageError> {
    let seed = Seed::demo();
    let region = Region::parse(&seed.default_region)?;
    let sandbox = Sandbox::start(seed)
        .await
        .map_err(|e| UsageError(format!("cannot start the sandbox: {e}")))?;
    let data = tempfile::tempdir()
        .map_err(|e| UsageError(format!("cannot create a temporary data directory: {e}")))?;
    let (intercom, aircall) = clients(&sandbox)?;
    let builder = CardBuilder::new(intercom, Some(aircall.clone()), Store::open(data.path())?);

    if !args.json {
        println!(
            "Ringside demo: fake Aircall on {}, fake Intercom on {}",
            sandbox.aircall_url(),
            sandbox.intercom_url()
        );
        println!(
            "Data directory (deleted on exit): {}\n",
            data.path().display()
        );
    }
    let mut cards = Vec::new();
    let mut failed = false;

    // The ringing call: read it from Aircall, read its caller in the line's country, push the card.
    let call = aircall.call(RINGING_CALL).await?;
    let caller = ringside_core::pipeline::subject::caller_of_call(&call, region)?;
    let line = call
        .number
        .as_ref()
        .map(|n| n.name.clone())
        .unwrap_or_default();
    match builder.build(&caller, Some(call.id)).await {
        Ok(card) => {
            aircall
                .push_insight_card(call.id, &card.to_insight_blocks())
                .await?;
            cards.push((format!("Call ringing on {line}"), card));
        }
        Err(e) => {
            failed = true;
            eprintln!("error: card for the ringing call: {e}");
        }
    }
    for (label, raw) in CALLERS {
        let caller = CallerId::parse(raw, region)?;
        match builder.build(&caller, None).await {
            Ok(card) => cards.push(((*label).to_owned(), card)),
            Err(e) => {
                failed = true;
                eprintln!("error: card for {raw}: {e}");
            }
        }
    }

    if args.json {
        let list: Vec<&Card> = cards.iter().map(|(_, c)| c).collect();
        println!("{}", serde_json::to_string_pretty(&list)?);
    } else {
        for (label, card) in &cards {
            print_card(label, card);
        }
        let pushed = sandbox.aircall().insight_cards().len();
        println!("Insight cards pushed to Aircall's phone app: {pushed}");
    }

    if args.keep_running {
        println!("\nThe sandbox keeps running; in another terminal:");
        for line in super::sandbox::exports(&sandbox, region.code()) {
            println!("  {line}");
        }
        println!("  ringside-cli card '07 62 04 35 75'\nPress Ctrl-C to stop.");
        super::sandbox::shutdown_signal().await;
    }
    sandbox.shutdown().await;
    Ok(if failed {
        Outcome::Failed
    } else {
        Outcome::Success
    })
}

fn clients(sandbox: &Sandbox) -> Result<(IntercomClient, AircallClient), UsageError> {
    let c = sandbox.credentials();
    let mut intercom = IntercomConfig::new(Secret::new(c.intercom_token), IntercomRegion::Us);
    intercom.base_url = sandbox.intercom_url().parse()?;
    let mut aircall = AircallConfig::new(c.aircall_api_id, Secret::new(c.aircall_api_token));
    aircall.base_url = sandbox.aircall_url().parse()?;
    Ok((IntercomClient::new(intercom)?, AircallClient::new(aircall)?))
}

fn print_card(label: &str, card: &Card) {
    let contact = &card.contact;
    let kind = match contact.kind.map(|k| k.as_str()) {
        Some("user") => "User",
        _ => "Lead",
    };
    println!(
        "── {label}: {}",
        card.phone.as_deref().unwrap_or("number withheld")
    );
    match contact.status {
        ContactStatus::Existing => println!("   {} · {kind}", printable(&contact.name)),
        ContactStatus::New => println!(
            "   {} · Aircall new {}",
            printable(&contact.name),
            kind.to_lowercase()
        ),
        ContactStatus::Anonymous => println!("   {} · {kind}", printable(&contact.name)),
        ContactStatus::Ambiguous => {
            println!("   {} contacts share this number; the call is not logged until the agent picks one:", contact.candidates.len());
            for c in &contact.candidates {
                println!("     - {} ({}) {}", printable(&c.name), c.kind, c.url);
            }
        }
    }
    if let Some(url) = &contact.url {
        println!("   See contact page: {url}");
    }
    match &card.conversation {
        None => println!("   No open or closed conversation"),
        Some(conv) => {
            let owner = match &conv.owner {
                None => "unassigned".to_owned(),
                Some(o) => match o.availability {
                    Some(a) => format!("owned by {} ({})", printable(&o.name), a.label()),
                    None => format!("owned by {} (no Aircall user)", printable(&o.name)),
                },
            };
            println!("   Last conversation: {} · {owner}", conv.state.as_str());
            if !conv.tags.is_empty() {
                let tags: Vec<String> = conv.tags.iter().map(|t| printable(&t.name)).collect();
                println!("   Tags: {}", tags.join(", "));
            }
            println!("   See last conversation: {}", conv.url);
        }
    }
    println!();
}
