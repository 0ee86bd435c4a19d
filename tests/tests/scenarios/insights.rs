//! Aircall's AI insights in the call's Intercom conversation: the summary, the action items, the
//! topics and the caller's sentiment become notes, once each, whichever shape and order they
//! come in; topics become tags when the setting allows; a call not logged gets nothing.

use super::*;

fn ai_notes(conversation: &Conversation) -> Vec<String> {
    notes(conversation)
        .into_iter()
        .filter(|n| n.contains("Aircall AI"))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn each_insight_becomes_one_note_on_the_calls_conversation_in_either_shape() {
    for wrapped in [false, true] {
        let scenario = Scenario::ai_insights(demo::JANE, demo::SUPPORT_FR, demo::BOB, wrapped);
        let run = Run::of(scenario, Settings::default()).await;
        // Aircall redelivers every insight.
        let player = run.player();
        for envelope in &run.played.staged.envelopes {
            if envelope.resource == "conversation_intelligence" {
                assert_eq!(player.deliver(envelope).await.unwrap(), 200);
            }
        }
        run.settle().await;
        let conversation = run.only(JANE);
        let notes = ai_notes(&conversation);
        assert_eq!(notes.len(), 4, "wrapped: {wrapped}: {notes:#?}");
        assert_contains_all(
            &notes.join("\n"),
            &[
                "Aircall AI summary:</b> The customer asked for a refund for order 1042",
                "Aircall AI topics:</b> Refund, Order 1042",
                "<li>Call the customer back on Monday</li>",
                "Aircall AI, the caller's sentiment:</b> Negative",
            ],
        );
        // Topics are not tags unless the setting says so.
        assert!(conversation.tags.is_empty(), "{:?}", conversation.tags);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn topics_become_tags_when_the_setting_allows_and_notes_can_be_turned_off() {
    let settings = Settings {
        ai_topics_as_tags: true,
        log_ai_insights: false,
        ..Settings::default()
    };
    let scenario = Scenario::ai_insights(demo::JANE, demo::SUPPORT_FR, demo::BOB, false);
    let run = Run::of(scenario, settings).await;
    let conversation = run.only(JANE);
    assert!(ai_notes(&conversation).is_empty());
    let mut tags: Vec<String> = conversation.tags.iter().map(|t| t.name.clone()).collect();
    tags.sort();
    assert_eq!(tags, ["Order 1042", "Refund"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_summary_arriving_before_its_call_ended_still_lands_once_it_is_logged() {
    let scenario = Scenario::ai_insights(demo::JANE, demo::SUPPORT_FR, demo::BOB, false);
    let app = TestApp::demo().await;
    let hub = start_hub(&app, Settings::default()).await;
    let player = player(hub.local_addr());
    let staged = ringside_sandbox::scenario::stage(&app.sandbox, &scenario).unwrap();
    // The summary overtakes `call.ended` (deliveries are unordered).
    let mut envelopes = staged.envelopes.clone();
    let ended = envelopes
        .iter()
        .position(|e| e.event == "call.ended")
        .unwrap();
    let summary = envelopes
        .iter()
        .position(|e| e.event == "summary.created")
        .unwrap();
    let early = envelopes.remove(summary);
    envelopes.insert(ended, early);
    for envelope in &envelopes {
        assert_eq!(player.deliver(envelope).await.unwrap(), 200);
    }
    settle(hub.store(), Duration::from_secs(10)).await;
    let run = Run {
        app,
        hub,
        played: Played::default(),
    };
    let notes = ai_notes(&run.only(JANE));
    assert_eq!(notes.len(), 4, "{notes:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_call_that_is_not_logged_and_a_call_never_seen_get_no_insight() {
    let settings = Settings {
        log_answered_calls: false,
        ..Settings::default()
    };
    let scenario = Scenario::ai_insights(demo::JANE, demo::SUPPORT_FR, demo::BOB, false);
    let run = Run::of(scenario, settings).await;
    assert!(run.logged(JANE).is_empty());
    let store = run.hub.store();
    // No note of the insights was queued for the call that is not logged.
    let call = ringside_core::pipeline::subject::SubjectKey::call(run.call("call"));
    let notes = |store: &ringside_core::store::Store| {
        store
            .outbox_of(&call)
            .unwrap()
            .into_iter()
            .filter(|e| matches!(e.effect, ringside_core::rules::Effect::AddNote { .. }))
            .count()
    };
    assert_eq!(notes(store), 0);
    let effects_before = store.rows().unwrap().outbox;
    // A summary for a call the hub never saw is set aside too.
    let stray = json!({
        "resource": "conversation_intelligence", "event": "summary.created",
        "timestamp": 1_700_000_000, "token": ringside_tests::hubs::WEBHOOK_TOKEN,
        "data": {"id": 9, "call_id": 4242, "content": "Someone else's call."}
    });
    let status = reqwest::Client::new()
        .post(format!("http://{}/webhooks/aircall", run.hub.local_addr()))
        .json(&stray)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
    run.settle().await;
    assert_eq!(store.inbox_depth().unwrap(), 0);
    assert_eq!(
        store.rows().unwrap().outbox,
        effects_before,
        "nothing was queued"
    );
}
