//! The seed's behaviour end to end, one test per row of its assignment table and per paragraph:
//! the scenario player sends Aircall's webhooks to a hub started in process, and each test reads
//! what an Intercom user would see in the sandbox afterwards (the contact's conversations, their
//! first message, notes, assignee and tags).

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use ringside_core::hub::Hub;
use ringside_core::pipeline::subject::SubjectKey;
use ringside_core::rules::{MessageFallback, Settings};
use ringside_sandbox::intercom::{Conversation, Role};
use ringside_sandbox::scenario::{demo, Change, Played, Player, Scenario, Step};
use ringside_sandbox::Seed;
use ringside_tests::demo::{ALICE, BOB, CLAIRE, INTEGRATION_ADMIN, JANE, JANE_OPEN, PAUL};
use ringside_tests::hubs::{player, settle, start_hub, until};
use ringside_tests::TestApp;
use serde_json::json;

/// Sophie Martin, an Intercom user with one open conversation.
const SOPHIE: &str = "6762f0dd1bb69f9f2193bb88";
/// John Carter, an Intercom user.
const JOHN: &str = "6762f0dd1bb69f9f2193bb84";
/// Mia Wilson, an Intercom user.
const MIA: &str = "6762f0dd1bb69f9f2193bb87";
/// Lukas Weber, an Intercom lead.
const LUKAS: &str = "6762f0dd1bb69f9f2193bb86";
/// Hugo Petit, an Intercom user.
const HUGO: &str = "6762f0dd1bb69f9f2193bb8d";

/// A sandbox, a hub on it, and what was played.
struct Run {
    app: TestApp,
    hub: Hub,
    played: Played,
}

impl Run {
    /// Plays `scenario` against a fresh demo sandbox and hub, and waits until the hub is idle.
    async fn of(scenario: Scenario, settings: Settings) -> Run {
        let last = scenario.steps.len();
        Run::pausing(scenario, settings, last).await
    }

    /// [`Run::of`], waiting until the hub is idle after the first `pause_after` steps too.
    async fn pausing(scenario: Scenario, settings: Settings, pause_after: usize) -> Run {
        let app = TestApp::demo().await;
        let hub = start_hub(&app, settings).await;
        let player = player(hub.local_addr());
        let mut playback = player.playback(&app.sandbox, &scenario);
        for _ in 0..pause_after {
            assert_eq!(playback.step().await.unwrap(), Some(200));
        }
        settle(hub.store(), Duration::from_secs(10)).await;
        while let Some(status) = playback.step().await.unwrap() {
            assert_eq!(status, 200);
        }
        settle(hub.store(), Duration::from_secs(10)).await;
        let played = playback.finish();
        Run { app, hub, played }
    }

    /// The conversations Ringside started for this contact (the seeded ones left out).
    fn logged(&self, contact: &str) -> Vec<Conversation> {
        self.app
            .sandbox
            .intercom()
            .conversations_of(contact)
            .into_iter()
            .filter(|c| c.source.body.starts_with('['))
            .collect()
    }

    /// The one conversation Ringside started for this contact.
    fn only(&self, contact: &str) -> Conversation {
        let logged = self.logged(contact);
        assert_eq!(logged.len(), 1, "one conversation expected: {logged:#?}");
        logged.into_iter().next().unwrap()
    }

    /// The Aircall id of a call of the scenario.
    fn call(&self, subject: &str) -> u64 {
        self.played.staged.call(subject).expect("a call subject")
    }

    /// How the hub sees a call: its status and reason.
    fn call_status(&self, subject: &str) -> (String, Option<String>) {
        let s = self
            .hub
            .store()
            .subject(&SubjectKey::call(self.call(subject)))
            .unwrap()
            .expect("the hub saw the call");
        (s.status.as_str().to_owned(), s.reason)
    }

    /// The hub's player, to redeliver envelopes.
    fn player(&self) -> Player {
        player(self.hub.local_addr())
    }

    async fn settle(&self) {
        settle(self.hub.store(), Duration::from_secs(10)).await;
    }
}

fn notes(conversation: &Conversation) -> Vec<String> {
    conversation
        .parts
        .iter()
        .filter(|p| p.part_type == "note")
        .map(|p| p.body.clone().unwrap_or_default())
        .collect()
}

fn assert_contains_all(text: &str, wanted: &[&str]) {
    for w in wanted {
        assert!(text.contains(w), "`{w}` is missing from {text}");
    }
}

mod annotations;
mod calls;
mod contacts;
mod insights;
mod messages;

#[tokio::test(flavor = "multi_thread")]
async fn each_kind_of_logging_can_be_turned_off() {
    let every_kind = || {
        Scenario::together(
            "one of each kind",
            vec![
                Scenario::inbound_answered(demo::JANE, demo::SUPPORT_FR, demo::BOB),
                Scenario::missed(demo::JOHN, demo::SALES_US),
                Scenario::outbound("+61 2 8103 2081", demo::SUPPORT_GB, demo::BOB),
                Scenario::sms_inbound(demo::SOPHIE, demo::SALES_US, "Hi"),
            ],
            10,
        )
    };
    let off = |f: fn(&mut Settings)| {
        let mut s = Settings::default();
        f(&mut s);
        s
    };
    let cases: [(Settings, &str); 4] = [
        (off(|s| s.log_answered_calls = false), JANE),
        (off(|s| s.log_missed_calls = false), JOHN),
        (off(|s| s.log_outbound_calls = false), MIA),
        (off(|s| s.log_messages = false), SOPHIE),
    ];
    for (settings, silent) in cases {
        let run = Run::of(every_kind(), settings.clone()).await;
        for contact in [JANE, JOHN, MIA, SOPHIE] {
            let expected = usize::from(contact != silent);
            assert_eq!(
                run.logged(contact).len(),
                expected,
                "{contact} with {settings:?}"
            );
        }
    }
}
