//! The player's promises: webhooks say what the API says, Aircall's timing is kept, scripted
//! changes land in the fake Aircall, and `mixed` is the same for the same seed.

use std::collections::BTreeSet;

use serde_json::Value;

use super::*;
use crate::Seed;

async fn sandbox() -> Sandbox {
    Sandbox::start(Seed::demo()).await.unwrap()
}

#[tokio::test]
async fn webhook_data_is_what_get_call_answers() {
    let sandbox = sandbox().await;
    let scenario = Scenario::tags_and_comments(demo::JANE, demo::SUPPORT_FR, demo::BOB);
    let staged = stage(&sandbox, &scenario).unwrap();
    let id = staged.call("call").unwrap();
    let c = sandbox.credentials();
    let api: Value = reqwest::Client::new()
        .get(format!("{}/v1/calls/{id}", sandbox.aircall_url()))
        .basic_auth(c.aircall_api_id, Some(c.aircall_api_token))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let last = staged.envelopes.last().unwrap();
    assert_eq!(last.data, api["call"]);
    assert_eq!(last.data["user"]["email"], "Bob@Acme.io");
    assert_eq!(last.data["comments"][1]["posted_by"]["name"], "Bob Martin");
    let tags: Vec<&str> = last.data["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(tags, ["Interested", "VIP"]);
}

#[tokio::test]
async fn the_timing_is_aircalls() {
    let sandbox = sandbox().await;
    let staged = stage(&sandbox, &Scenario::demo_tour()).unwrap();
    let at = |id: &str, event: &str| {
        staged
            .envelopes
            .iter()
            .find(|e| e.subject_id() == id && e.event == event)
            .map(|e| e.timestamp)
    };
    for id in staged.calls.values().map(u64::to_string) {
        let hungup = at(&id, "call.hungup").unwrap();
        let ended = at(&id, "call.ended").unwrap();
        assert_eq!(ended - hungup, ENDED_AFTER_HANGUP);
        let call = sandbox.aircall().call(id.parse().unwrap()).unwrap();
        assert_eq!(call.ended_at, Some(hungup));
        for e in staged.envelopes.iter().filter(|e| e.subject_id() == id) {
            if ["call.tagged", "call.untagged", "call.commented"].contains(&e.event.as_str()) {
                assert!(e.timestamp > ended, "{} before the end", e.event);
            }
        }
    }
    let times: Vec<i64> = staged.envelopes.iter().map(|e| e.timestamp).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "sent in time order");
    let late = staged
        .envelopes
        .iter()
        .filter(|e| e.event == "call.tagged")
        .map(|e| e.timestamp - e.data["ended_at"].as_i64().unwrap())
        .max()
        .unwrap();
    assert!(late > 2 * 3600, "one tag comes after the two-hour window");
}

#[tokio::test]
async fn messages_carry_their_sender_and_their_number_users_when_asked() {
    let sandbox = sandbox().await;
    let scenario =
        Scenario::whatsapp_outbound(demo::JANE, demo::SUPPORT_FR, demo::BOB, "Hi", false);
    // Like call webhooks, message webhooks carry the line without its users by default.
    let plain = stage(&sandbox, &scenario).unwrap();
    assert!(plain.envelopes[0].data["number"].get("users").is_none());
    assert_eq!(plain.envelopes[0].data["number"]["id"], demo::SUPPORT_FR);
    sandbox.aircall().set_message_numbers_with_users(true);
    let staged = stage(&sandbox, &scenario).unwrap();
    let events: Vec<&str> = staged.envelopes.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(events, ["message.sent", "message.status_updated"]);
    let first = &staged.envelopes[0].data;
    assert_eq!(first["status"], "sent");
    assert_eq!(first["channel"], "whatsapp");
    assert_eq!(first["user"]["name"], "Bob Martin");
    assert_eq!(first["number"]["users"].as_array().unwrap().len(), 3);
    assert_eq!(staged.envelopes[1].data["status"], "failed");
    assert_eq!(sandbox.aircall().messages()[1].status, "failed");
}

#[tokio::test]
async fn ai_insights_come_as_conversation_intelligence_objects_in_either_shape() {
    let sandbox = sandbox().await;
    for wrapped in [false, true] {
        let scenario = Scenario::ai_insights(demo::JANE, demo::SUPPORT_FR, demo::BOB, wrapped);
        let staged = stage(&sandbox, &scenario).unwrap();
        let call = staged.call("call").unwrap();
        let insights: Vec<_> = staged
            .envelopes
            .iter()
            .filter(|e| e.resource == "conversation_intelligence")
            .collect();
        let events: Vec<&str> = insights.iter().map(|e| e.event.as_str()).collect();
        assert_eq!(
            events,
            [
                "summary.created",
                "topics.created",
                "action_item.created",
                "sentiment.created"
            ]
        );
        let summary = if wrapped {
            &insights[0].data["summary"]
        } else {
            &insights[0].data
        };
        assert_eq!(summary["call_id"], call);
        assert!(summary["content"].as_str().unwrap().contains("refund"));
        let sentiment = if wrapped {
            &insights[3].data["sentiment"]
        } else {
            &insights[3].data
        };
        assert_eq!(sentiment["participants"][0]["value"], "NEGATIVE");
        // They come after the call ended.
        let ended = staged
            .envelopes
            .iter()
            .position(|e| e.event == "call.ended")
            .unwrap();
        assert!(staged.envelopes[..ended]
            .iter()
            .all(|e| e.resource == "call"));
    }
}

#[test]
fn mixed_is_the_same_for_the_same_seed_and_has_every_kind() {
    assert_eq!(Scenario::mixed(40, 9), Scenario::mixed(40, 9));
    assert_ne!(Scenario::mixed(40, 9), Scenario::mixed(40, 10));
    let events: BTreeSet<String> = Scenario::mixed(60, 9)
        .steps
        .into_iter()
        .map(|s| s.event)
        .collect();
    for wanted in [
        "call.answered",
        "call.voicemail_left",
        "call.transferred",
        "call.assigned",
        "call.commented",
        "call.tagged",
        "message.received",
        "message.status_updated",
    ] {
        assert!(events.contains(wanted), "{wanted} is missing: {events:?}");
    }
}

#[tokio::test]
async fn a_step_for_a_subject_never_started_is_refused() {
    let sandbox = sandbox().await;
    let scenario = Scenario::new(
        "orphan",
        vec![Step {
            subject: "nobody".into(),
            at: 0,
            event: "call.answered".into(),
            change: Change::Answer { user: demo::BOB },
        }],
    );
    assert!(matches!(
        stage(&sandbox, &scenario),
        Err(ScenarioError::NotStarted { .. })
    ));
    let unknown_tag = Scenario::new(
        "unknown tag",
        Scenario::missed(demo::JANE, demo::SUPPORT_FR)
            .steps
            .into_iter()
            .chain([Step {
                subject: "call".into(),
                at: 100,
                event: "call.tagged".into(),
                change: Change::Tag { tag: 9 },
            }])
            .collect(),
    );
    assert!(matches!(
        stage(&sandbox, &unknown_tag),
        Err(ScenarioError::Sandbox {
            source: SandboxError::UnknownTag(9),
            ..
        })
    ));
}

#[tokio::test]
async fn the_desktop_tour_plays_each_kind_of_caller_in_turn() {
    let sandbox = sandbox().await;
    let tour = Scenario::desktop_tour();
    let staged = stage(&sandbox, &tour).unwrap();
    let started: Vec<String> = staged
        .envelopes
        .iter()
        .filter(|e| ["call.created", "message.received"].contains(&e.event.as_str()))
        .map(|e| {
            let from = if e.resource == "call" {
                &e.data["raw_digits"]
            } else {
                &e.data["external_number"]
            };
            format!("{} {}", e.resource, from.as_str().unwrap_or_default())
        })
        .collect();
    assert_eq!(
        started,
        [
            format!("call {}", demo::JANE),
            format!("call {}", demo::HOSTILE),
            format!("call {}", demo::UNKNOWN),
            format!("call {}", demo::NEW_CALLER),
            "call anonymous".to_owned(),
            format!("call {}", demo::SHARED),
            format!("message {}", demo::SOPHIE),
            format!("call {}", demo::JOHN),
            format!("call {}", demo::SOPHIE),
            format!("call {}", demo::JANE),
        ]
    );
    // One after the other: every subject's steps end before the next subject's begin.
    let subjects: Vec<&str> = tour.steps.iter().map(|s| s.subject.as_str()).collect();
    let mut seen = BTreeSet::new();
    for pair in subjects.windows(2) {
        seen.insert(pair[0]);
        assert!(
            pair[0] == pair[1] || !seen.contains(pair[1]),
            "{} comes back after {}",
            pair[1],
            pair[0]
        );
    }
    let events: BTreeSet<&str> = tour.steps.iter().map(|s| s.event.as_str()).collect();
    for event in [
        "call.transferred",
        "call.tagged",
        "call.commented",
        "summary.created",
        "action_item.created",
    ] {
        assert!(events.contains(event), "{event}");
    }
}

#[test]
fn each_round_of_the_desktop_tour_calls_from_new_unknown_numbers() {
    let callers = |round: u64| -> Vec<String> {
        Scenario::desktop_tour_round(round)
            .steps
            .into_iter()
            .filter_map(|s| match s.change {
                Change::StartCall { raw_digits, .. } => Some(raw_digits),
                _ => None,
            })
            .collect()
    };
    assert_eq!(Scenario::desktop_tour_round(0), Scenario::desktop_tour());
    let (first, second, later) = (callers(0), callers(1), callers(10_203));
    assert_eq!(second[2], "+33 6 51 00 00 01");
    assert_eq!(later[3], "+33 6 52 01 02 03");
    for (index, (a, b)) in first.iter().zip(&second).enumerate() {
        // The missed caller and the unknown caller (3rd and 4th) change; the others stay.
        assert_eq!(
            a == b,
            ![2, 3].contains(&index),
            "caller {index}: {a} / {b}"
        );
    }
}
