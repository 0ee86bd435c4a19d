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
            // Alice calls the missed number back.
            format!("call {}", demo::UNKNOWN),
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
        "user.wut_start",
        "user.wut_end",
    ] {
        assert!(events.contains(event), "{event}");
    }
    // Aircall's wrap-up follows each call Alice is on at its end (but the anonymous caller's,
    // left to the hub's own wrap-up time), before or after `call.ended`; the transferred call
    // ends with Bob, and the wrap-up is his.
    let mut wrapped = Vec::new();
    let mut calls: Vec<(&String, &u64)> = staged.calls.iter().collect();
    calls.sort_by_key(|(_, id)| **id);
    for (subject, id) in calls {
        let of_call: Vec<&Envelope> = staged
            .envelopes
            .iter()
            .filter(|e| e.subject_id() == id.to_string())
            .collect();
        let ended = of_call.iter().find(|e| e.event == "call.ended").unwrap();
        let steps: Vec<&Step> = tour
            .steps
            .iter()
            .filter(|s| &s.subject == subject)
            .collect();
        let wrap_up: Vec<(&str, i64)> = steps
            .iter()
            .filter(|s| s.event.starts_with("user.wut_"))
            .map(|s| (s.event.as_str(), s.at))
            .collect();
        if wrap_up.is_empty() {
            continue;
        }
        assert_eq!(wrap_up.len(), 2, "{subject}");
        assert_eq!(ended.data["user"]["id"], demo::ALICE, "{subject}");
        let ended_at = steps.iter().find(|s| s.event == "call.ended").unwrap().at;
        wrapped.push((
            ended.data["raw_digits"].as_str().unwrap().to_owned(),
            wrap_up[0].1 < ended_at,
        ));
    }
    assert_eq!(
        wrapped,
        [
            (demo::JANE.to_owned(), true),
            (demo::HOSTILE.to_owned(), false),
            (demo::NEW_CALLER.to_owned(), true),
            (demo::UNKNOWN.to_owned(), true),
            (demo::SHARED.to_owned(), true),
            (demo::SOPHIE.to_owned(), true),
            (demo::JANE.to_owned(), false),
        ]
    );
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
    // Alice calls the missed caller back, on the same round's number.
    assert_eq!(second[5], second[2]);
    for (index, (a, b)) in first.iter().zip(&second).enumerate() {
        // The missed caller, the unknown caller and the call back (3rd, 4th and 6th) change;
        // the others stay.
        assert_eq!(
            a == b,
            ![2, 3, 5].contains(&index),
            "caller {index}: {a} / {b}"
        );
    }
}

/// The events of a staged scenario, as `<subject id> <event>`, with each subject's id replaced
/// by its name in the scenario (users by `user`).
fn timeline(staged: &Staged) -> Vec<String> {
    staged
        .envelopes
        .iter()
        .map(|e| {
            let id = e.subject_id();
            let subject = staged
                .calls
                .iter()
                .find(|(_, call)| call.to_string() == id)
                .map_or("user", |(name, _)| name.as_str());
            format!("{subject} {}", e.event)
        })
        .collect()
}

#[tokio::test]
async fn aircalls_wrap_up_comes_before_or_after_the_calls_end_or_not_at_all() {
    let sandbox = sandbox().await;
    let played = |wrap_up| {
        let scenario =
            Scenario::answered_with_wrap_up(demo::JANE, demo::SUPPORT_FR, demo::ALICE, wrap_up, 45);
        stage(&sandbox, &scenario).unwrap()
    };
    let before = played(WrapUp::BeforeEnded);
    assert_eq!(
        timeline(&before)[3..],
        [
            "call call.hungup",
            "user user.wut_start",
            "call call.ended",
            "user user.wut_end"
        ]
    );
    let hungup = &before.envelopes[3];
    assert_eq!(before.envelopes[4].timestamp, hungup.timestamp + 1);
    assert_eq!(before.envelopes[6].timestamp, hungup.timestamp + 1 + 45);
    let after = played(WrapUp::AfterEnded);
    assert_eq!(
        timeline(&after)[3..],
        [
            "call call.hungup",
            "call call.ended",
            "user user.wut_start",
            "user user.wut_end"
        ]
    );
    let none = played(WrapUp::None);
    assert_eq!(
        timeline(&none),
        [
            "call call.created",
            "call call.ringing_on_agent",
            "call call.answered",
            "call call.hungup",
            "call call.ended"
        ]
    );
    // The user webhook is the Aircall user of the call, with the numbers they answer on, and
    // the v1 names; the call's own webhooks are those of an answered call.
    let start = &before.envelopes[4];
    assert_eq!(start.resource, "user");
    assert_eq!(start.data["id"], demo::ALICE);
    assert_eq!(start.data["email"], before.envelopes[6].data["email"]);
    assert_eq!(start.data["email"], hungup.data["user"]["email"]);
    assert_eq!(start.data["available"], true);
    assert_eq!(start.data["availability_status"], "available");
    let numbers: Vec<u64> = start.data["numbers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, [demo::SUPPORT_FR, demo::SALES_US]);
    assert!(start.data["numbers"][0].get("users").is_none());
    assert_eq!(
        none.envelopes.len(),
        stage(
            &sandbox,
            &Scenario::inbound_answered(demo::JANE, demo::SUPPORT_FR, demo::ALICE)
        )
        .unwrap()
        .envelopes
        .len()
    );
}

#[tokio::test]
async fn the_wrap_up_shows_in_the_users_live_availability_and_v2_events_have_no_numbers() {
    let sandbox = sandbox().await;
    let availability = || {
        sandbox
            .aircall()
            .users()
            .into_iter()
            .find(|u| u.id == demo::ALICE)
            .unwrap()
            .availability
    };
    let scenario = Scenario::answered_with_wrap_up(
        demo::JOHN,
        demo::SALES_US,
        demo::ALICE,
        WrapUp::BeforeEnded,
        30,
    )
    .with_v2_user_events();
    let steps = scenario.steps.len();
    let start = scenario
        .steps
        .iter()
        .position(|s| s.event == "user.wut_start.v2")
        .unwrap();
    // Up to the wrap-up's start, then the rest.
    let head = Scenario::new("head", scenario.steps[..=start].to_vec());
    let staged = stage(&sandbox, &head).unwrap();
    assert_eq!(availability(), "after_call_work");
    let start = staged.envelopes.last().unwrap();
    assert_eq!(start.event, "user.wut_start.v2");
    assert!(start.data.get("numbers").is_none());
    assert_eq!(start.data["availability_status"], "available");
    let whole = stage(&sandbox, &scenario).unwrap();
    assert_eq!(whole.envelopes.len(), steps);
    assert_eq!(availability(), "available");
    assert_eq!(whole.envelopes.last().unwrap().event, "user.wut_end.v2");
    // Eve is `after_call_work` in the seed: a wrap-up's end makes her available. Chloé is
    // `offline`: a wrap-up's end leaves what something else set alone.
    let availability_of = |id| {
        sandbox
            .aircall()
            .users()
            .into_iter()
            .find(|u| u.id == id)
            .unwrap()
            .availability
    };
    for (user, after) in [(demo::EVE, "available"), (demo::CHLOE, "offline")] {
        let end = Scenario::new(
            "a wrap-up ends",
            vec![Step {
                subject: "user".into(),
                at: 0,
                event: "user.wut_end".into(),
                change: Change::WrapUpEnd { user },
            }],
        );
        stage(&sandbox, &end).unwrap();
        assert_eq!(availability_of(user), after);
    }
    let nobody = Scenario::new(
        "nobody's wrap-up",
        vec![Step {
            subject: "x".into(),
            at: 0,
            event: "user.wut_start".into(),
            change: Change::WrapUpStart { user: 9 },
        }],
    );
    assert!(matches!(
        stage(&sandbox, &nobody),
        Err(ScenarioError::Sandbox {
            source: SandboxError::UnknownUser(9),
            ..
        })
    ));
}

#[tokio::test]
async fn a_voicemail_comes_with_its_lasting_page_its_assets_and_maybe_a_transcript() {
    let sandbox = sandbox().await;
    let text = "Hi, it's Jane, please call me back about my invoice.";
    let staged = stage(
        &sandbox,
        &Scenario::voicemail_with_assets(demo::JANE, demo::SUPPORT_FR, Some(text)),
    )
    .unwrap();
    assert_eq!(
        timeline(&staged),
        [
            "call call.created",
            "call call.ringing_on_agent",
            "call call.voicemail_left",
            "call call.hungup",
            "call call.ended",
            "call call.comm_assets_generated",
            // The transcript's id is not the call's.
            "user transcription.created",
        ]
    );
    let call = staged.call("call").unwrap();
    let left = &staged.envelopes[2].data;
    assert!(left["voicemail"]
        .as_str()
        .unwrap()
        .ends_with("voicemail.mp3"));
    assert_eq!(
        left["asset"],
        format!("https://assets.sandbox.aircall.invalid/calls/{call}/voicemail")
    );
    assert_eq!(left["answered_at"], Value::Null);
    let assets = &staged.envelopes[5];
    assert_eq!(assets.timestamp - staged.envelopes[4].timestamp, 10);
    assert_eq!(assets.data["asset"], left["asset"]);
    let transcript = &staged.envelopes[6];
    assert_eq!(transcript.resource, "conversation_intelligence");
    assert_eq!(transcript.data["call_id"], call);
    assert_eq!(transcript.data["type"], "voicemail");
    assert_eq!(transcript.data["content"]["utterances"][0]["text"], text);
    assert_eq!(
        transcript.data["content"]["utterances"][0]["participant_type"],
        "external"
    );
    let silent = stage(
        &sandbox,
        &Scenario::voicemail_with_assets(demo::JANE, demo::SUPPORT_FR, None),
    )
    .unwrap();
    assert_eq!(
        timeline(&silent).last().unwrap(),
        "call call.comm_assets_generated"
    );
    // A missed call without a voicemail has neither link; an answered call's insight is a
    // call's.
    let plain = stage(&sandbox, &Scenario::missed(demo::JANE, demo::SUPPORT_FR)).unwrap();
    assert_eq!(plain.envelopes[3].data["asset"], Value::Null);
    let insights = stage(
        &sandbox,
        &Scenario::ai_insights(demo::JANE, demo::SUPPORT_FR, demo::BOB, false),
    )
    .unwrap();
    assert_eq!(insights.envelopes.last().unwrap().data["type"], "call");
}

#[tokio::test]
async fn back_to_back_calls_keep_the_first_wrap_up_out_of_the_second_call_or_deliver_it_late() {
    let sandbox = sandbox().await;
    let played = |wrap_up| {
        let scenario = Scenario::back_to_back(
            demo::JANE,
            demo::JOHN,
            demo::SUPPORT_FR,
            demo::ALICE,
            wrap_up,
            20,
        );
        stage(&sandbox, &scenario).unwrap()
    };
    let before = played(WrapUp::BeforeEnded);
    assert_eq!(
        timeline(&before),
        [
            "first call.created",
            "first call.ringing_on_agent",
            "first call.answered",
            "first call.hungup",
            "user user.wut_start",
            "second call.created",
            "second call.ringing_on_agent",
            "user user.wut_end",
            "second call.answered",
            "first call.ended",
            "second call.hungup",
            "user user.wut_start",
            // 20 s of wrap-up: over before the second call's `call.ended`.
            "user user.wut_end",
            "second call.ended",
        ]
    );
    let at = |staged: &Staged, index: usize| staged.envelopes[index].timestamp;
    // The second call starts 1 s after the first one's hang-up and is answered 4 s later, by
    // the same agent; the first call's wrap-up ended the second before.
    assert_eq!(at(&before, 5) - at(&before, 3), 1);
    assert_eq!(at(&before, 8) - at(&before, 3), 5);
    assert_eq!(at(&before, 8) - at(&before, 7), 1);
    assert_eq!(before.envelopes[8].data["user"]["id"], demo::ALICE);
    assert_eq!(before.envelopes[2].data["user"]["id"], demo::ALICE);
    let late = played(WrapUp::AfterEnded);
    assert_eq!(
        timeline(&late),
        [
            "first call.created",
            "first call.ringing_on_agent",
            "first call.answered",
            "first call.hungup",
            "second call.created",
            "second call.ringing_on_agent",
            "second call.answered",
            "first call.ended",
            "user user.wut_start",
            "user user.wut_end",
            "second call.hungup",
            "second call.ended",
            "user user.wut_start",
            "user user.wut_end",
        ]
    );
    assert_eq!(at(&late, 13) - at(&late, 12), 20);
    let none = played(WrapUp::None);
    assert!(timeline(&none).iter().all(|e| !e.starts_with("user ")));
    assert_eq!(none.envelopes.len(), 10);
}

#[tokio::test]
async fn a_missed_call_is_returned_by_an_outbound_call_to_the_same_number() {
    let sandbox = sandbox().await;
    let scenario =
        Scenario::missed_then_called_back(demo::UNKNOWN, demo::SUPPORT_FR, demo::ALICE, 120);
    let staged = stage(&sandbox, &scenario).unwrap();
    assert_eq!(
        timeline(&staged),
        [
            "missed call.created",
            "missed call.ringing_on_agent",
            "missed call.hungup",
            "missed call.ended",
            "call_back call.created",
            "call_back call.answered",
            "call_back call.hungup",
            "call_back call.ended",
        ]
    );
    let (missed, back) = (&staged.envelopes[3], &staged.envelopes[7]);
    assert_eq!(missed.data["missed_call_reason"], "agents_did_not_answer");
    assert_eq!(back.timestamp - missed.timestamp, 120 + 9 + 124 + 30);
    assert_eq!(back.data["direction"], "outbound");
    assert_eq!(back.data["raw_digits"], missed.data["raw_digits"]);
    assert_eq!(back.data["number"]["id"], missed.data["number"]["id"]);
    assert_eq!(back.data["user"]["id"], demo::ALICE);
    assert!(back.data["answered_at"].is_number());
}

#[test]
fn a_tour_round_lasts_under_two_and_a_half_minutes_at_the_demos_pace() {
    let pause = std::time::Duration::from_secs(2);
    let round = Scenario::desktop_tour_round(3).paced_length(1.0, pause);
    // 11 subjects and 74 steps, most pauses cut to 2 s: 139 s.
    assert!(round.as_secs() > 100 && round.as_secs() < 150, "{round:?}");
    // Uncut, a call lasts as long as in life; ten times faster, a tenth of it.
    let call = Scenario::inbound_answered(demo::JANE, demo::SUPPORT_FR, demo::ALICE);
    let long = std::time::Duration::from_secs(3600);
    assert_eq!(call.paced_length(1.0, long).as_secs(), 2 + 5 + 185 + 30);
    assert_eq!(call.paced_length(0.1, long).as_millis(), 22_200);
}
