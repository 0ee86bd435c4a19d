//! Fake Aircall and Intercom: two real, stateful HTTP servers on loopback.
//!
//! [`Sandbox::start`] binds a fake Aircall Public API and a fake Intercom REST API (2.16) on
//! `127.0.0.1`, seeded from a [`Seed`]. They enforce what the real APIs enforce (credentials,
//! pagination, search semantics with an exact string match on Intercom's `phone`, rate limits
//! with the documented headers and 429s) and can inject latency, failures, 429s and dropped
//! connections through [`Faults`]. Tests read the state back through [`IntercomView`] and
//! [`AircallView`], whose getters return owned copies (the record types of [`intercom`] and
//! [`aircall`]), and can change it with a few mutators on [`Sandbox`]. [`generate::contacts`]
//! makes thousands of Intercom contacts with phones in mixed formats, for contact sync.
//!
//! Nothing here reaches the internet. The fake Aircall does not deliver webhooks by itself: the
//! [`scenario`] player changes its state and posts the webhooks Aircall would send.
//!
//! # The demo fixture ([`Seed::demo`])
//!
//! Company "Acme", Intercom workspace `ecahpwf5`, default region `FR`. Credentials:
//! `sandbox-aircall-id` / `sandbox-aircall-token` (Aircall Basic auth) and
//! `sandbox-intercom-token` (Intercom Bearer). Relative times are counted from the start.
//!
//! Intercom admins (the token belongs to `991267700`), with the Aircall user of the same email
//! (stored in another letter case) and that user's availability:
//!
//! | admin | name | email | Aircall user | availability |
//! |---|---|---|---|---|
//! | 991267700 | Acme Integration | integration@acme.io | — | — |
//! | 991267701 | Bob Martin | bob@acme.io | 1101 `Bob@Acme.io` | `in_call` |
//! | 991267702 | Alice Durand | alice.durand@acme.io | 1102 `ALICE.DURAND@acme.io` | `available` |
//! | 991267703 | Chloé Bernard (away mode) | chloe@acme.io | 1103 `Chloe@acme.io` | `offline` |
//! | 991267704 | David Smith | david@acme.io | — | — |
//!
//! Aircall user 1104 Eve Night (`eve.night@acme.io`, `after_call_work`) matches no admin.
//! Aircall numbers: 2201 "Support FR" `+33 1 76 11 11 11`, 2202 "Sales US" `+1 415-993-4230`,
//! 2203 "Support GB" `+44 20 3318 1111`, 2204 "Vertrieb DE" `+49 30 56837111`.
//!
//! The numbers that matter (E.164 → who):
//!
//! | caller | Intercom contact(s) | the case |
//! |---|---|---|
//! | `+33762043575` | Jane Roe, lead `6762f0dd1bb69f9f2193bb83`, stored `07 62 04 35 75` | existing lead; most recent open-or-closed conversation `215475827415413` (open, "Billing issue", tags VIP and Billing) owned by Bob Martin, who is `in_call`; an older closed one `215475827415401` |
//! | `+33650505050` | — | unknown number (also the missed call 780836701) |
//! | `+33184880000` | Paul Lefèvre `…bb89` and Claire Lefèvre `…bb8a`, both leads stored `+33 1 84 88 00 00` | shared number: ambiguous |
//! | `+33698765432` | lead `…bb8b` named `<img src=x onerror=alert(1)>` | hostile name; closed conversation `215475827415407` titled `<script>alert(1)</script>` |
//! | `+14422497851` | John Carter, user `…bb84` (external_id 70), stored `+1 (442) 249-7851` | closed `215475827415402` (owner Alice, updated 1 day ago) is the most recent open-or-closed one; a snoozed `215475827415403` is more recent |
//! | `+33612345678` | Sophie Martin, user `…bb88`, stored `+33612345678` | open `215475827415406` owned by David Smith, who has no Aircall user (availability null) |
//! | `+61281032081` | Mia Wilson, user `…bb87`, stored `+61 2 8103 2081` | open `215475827415405`, unassigned |
//! | `+442087653456` | Oliver Brown, user `…bb85`, stored `020 8765 3456` | no `formatted_phone` (a UK national number in an FR workspace): only a `phone` variant finds him; snoozed conversation owned by Chloé (away) |
//! | `+4917667402970` | Lukas Weber, lead `…bb86`, stored `0176 67402970` | no `formatted_phone`, no conversation |
//! | `+33611223344` | Hugo Petit, user `…bb8d`, stored `0033 6 11 22 33 44` | no conversation |
//! | `+33645678901` | Léa Moreau, lead `…bb8e`, stored `06.45.67.89.01` | no email, no conversation |
//!
//! Nora Quinn (user `…bb8c`, `nora@example.com`) has no phone. Intercom tags: 101 VIP,
//! 102 Billing, 103 Churn risk.
//!
//! Aircall calls: 780836754 inbound `initial` (ringing, 20 s old) from `+33 7 62 04 35 75`
//! (Jane) on Support FR; 780836700 inbound `done`, answered by Alice, from `+1 442-249-7851`
//! (John), tagged Interested, one comment; 780836701 inbound missed (`agents_did_not_answer`)
//! from the unknown `+33 6 50 50 50 50`; 780836702 outbound `done` by Bob to the shared number.
//! Aircall tags: 3301 Interested, 3302 Callback, 3303 VIP. Aircall contacts: 4401 Jane Roe
//! (linked to Intercom in `information`), 4402 Front Desk (the shared number).

pub mod aircall;
mod clock;
mod faults;
pub mod generate;
mod ids;
pub mod intercom;
mod limits;
mod sandbox;
pub mod scenario;
mod seed;
mod server;
mod traffic;

use serde::{Deserialize, Serialize};

pub use aircall::AircallView;
pub use faults::{Api, Faults};
pub use intercom::{IntercomView, SentNotification};
pub use sandbox::{Sandbox, SandboxError};
pub use seed::{
    AdminSeed, AircallContactSeed, AircallSeed, AircallTagSeed, AircallUserSeed, CallSeed,
    ConversationSeed, DetailSeed, IntercomContactSeed, IntercomSeed, IntercomTagSeed, NumberSeed,
    PartSeed, RateLimits, Seed, SeedError, SeedTime, WorkspaceSeed,
};
pub use traffic::RequestRecord;

/// The credentials the sandbox accepts: Aircall Basic auth and the Intercom access token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    /// Aircall API id (Basic auth user name).
    pub aircall_api_id: String,
    /// Aircall API token (Basic auth password).
    pub aircall_api_token: String,
    /// Intercom access token (Bearer).
    pub intercom_token: String,
}
