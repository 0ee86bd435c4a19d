//! SMS and WhatsApp: the assignment table's message rows and the delivery status note.

use super::*;

#[tokio::test(flavor = "multi_thread")]
async fn an_inbound_sms_goes_to_the_only_teammate_of_its_number() {
    let scenario = Scenario::sms_inbound(demo::SOPHIE, demo::SALES_US, "Call me <after> 5 pm?");
    let run = Run::of(scenario, Settings::default()).await;
    let conversation = run.only(SOPHIE);
    assert_eq!(conversation.source.body, "[Inbound SMS on Sales US]");
    assert_eq!(conversation.admin_assignee_id.as_deref(), Some(ALICE));
    let notes = notes(&conversation);
    assert_eq!(notes.len(), 1);
    assert_contains_all(
        &notes[0],
        &[
            "Aircall number: Sales US (+1 415-993-4230)",
            "From: +33 6 12 34 56 78",
            "To: +1 415-993-4230",
            "Message: Call me &lt;after&gt; 5 pm?",
        ],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_inbound_sms_on_a_number_of_several_teammates_follows_the_setting() {
    let scenario = Scenario::sms_inbound(demo::SOPHIE, demo::SUPPORT_FR, "Hello?");
    let unassigned = Run::of(scenario.clone(), Settings::default()).await;
    assert_eq!(unassigned.only(SOPHIE).admin_assignee_id, None);
    let settings = Settings {
        message_fallback: MessageFallback::IntegrationAdmin,
        ..Settings::default()
    };
    let to_admin = Run::of(scenario, settings).await;
    assert_eq!(
        to_admin.only(SOPHIE).admin_assignee_id.as_deref(),
        Some(INTEGRATION_ADMIN)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_outbound_whatsapp_goes_to_its_sender_and_its_delivery_is_noted_once() {
    let scenario = Scenario::together(
        "WhatsApp messages",
        vec![
            Scenario::whatsapp_outbound(
                demo::JANE,
                demo::SUPPORT_FR,
                demo::BOB,
                "Your refund is on its way.",
                true,
            ),
            Scenario::whatsapp_outbound(demo::JOHN, demo::VERTRIEB_DE, demo::EVE, "Hallo!", false),
        ],
        10,
    );
    let run = Run::of(scenario, Settings::default()).await;
    // The status update arrives twice.
    for envelope in &run.played.staged.envelopes {
        if envelope.event == "message.status_updated" {
            assert_eq!(run.player().deliver(envelope).await.unwrap(), 200);
        }
    }
    run.settle().await;

    let delivered = run.only(JANE);
    assert_eq!(delivered.source.body, "[Outbound WhatsApp on Support FR]");
    assert_eq!(delivered.admin_assignee_id.as_deref(), Some(BOB));
    let notes_of_jane = notes(&delivered);
    assert_eq!(notes_of_jane.len(), 2, "{notes_of_jane:#?}");
    assert_contains_all(
        &notes_of_jane[0],
        &[
            "From: Bob Martin (+33 1 76 11 11 11)",
            "To: +33 7 62 04 35 75",
            "Message: Your refund is on its way.",
        ],
    );
    assert_eq!(notes_of_jane[1], "<p>Delivery status: Delivered</p>");

    let failed = run.only(JOHN);
    assert_eq!(
        failed.admin_assignee_id.as_deref(),
        Some(INTEGRATION_ADMIN),
        "Eve has no Intercom admin"
    );
    assert_eq!(
        notes(&failed).last().map(String::as_str),
        Some("<p>Delivery status: Delivery Failed</p>")
    );
}

/// Aircall's call webhooks carry the line without its users, and whether message webhooks do is
/// not documented: either way an inbound SMS goes to the line's only teammate, whom the hub
/// knows from reading its lines.
#[tokio::test(flavor = "multi_thread")]
async fn an_inbound_sms_finds_its_lines_only_teammate_whether_or_not_the_webhook_lists_them() {
    let sales_us = format!("/v1/numbers/{}", demo::SALES_US);
    for with_users in [false, true] {
        let app = TestApp::demo().await;
        app.sandbox
            .aircall()
            .set_message_numbers_with_users(with_users);
        let hub = start_hub(&app, Settings::default()).await;
        let player = player(hub.local_addr());
        for text in ["Hi", "Still there?"] {
            let scenario = Scenario::sms_inbound(demo::SOPHIE, demo::SALES_US, text);
            player.play(&app.sandbox, &scenario).await.unwrap();
            settle(hub.store(), Duration::from_secs(10)).await;
        }
        let run = Run {
            app,
            hub,
            played: Played::default(),
        };
        let logged = run.logged(SOPHIE);
        assert_eq!(logged.len(), 2, "with users listed: {with_users}");
        for conversation in &logged {
            assert_eq!(
                conversation.admin_assignee_id.as_deref(),
                Some(ALICE),
                "with users listed: {with_users}"
            );
        }
        // The hub reads every line with its teammates as it starts: the line is read on its
        // own at most once (when the first message overtakes that read), never per message.
        let reads = run.app.aircall_requests(&sales_us).len();
        assert!(reads <= 1, "the line is read {reads} times");
        run.hub.shutdown().await;
    }
}
