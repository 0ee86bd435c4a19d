//! Calls: the assignment table's rows for inbound, missed, voicemail, outbound, transferred and
//! reassigned calls, and what each conversation says.

use super::*;

#[tokio::test(flavor = "multi_thread")]
async fn an_answered_inbound_call_goes_to_the_teammate_whose_email_matches() {
    let app = TestApp::demo().await;
    let hub = start_hub(&app, Settings::default()).await;
    let scenario = Scenario::inbound_answered(demo::JANE, demo::SUPPORT_FR, demo::BOB);
    let player = player(hub.local_addr());
    let mut playback = player.playback(&app.sandbox, &scenario);
    // Ringing: the card reaches Aircall's phone app while the call is live.
    playback.step().await.unwrap();
    playback.step().await.unwrap();
    let id = playback.call("call").unwrap();
    until("the insight card", Duration::from_secs(5), || {
        app.sandbox
            .aircall()
            .insight_cards()
            .iter()
            .any(|c| c.call_id == id)
    })
    .await;
    while playback.step().await.unwrap().is_some() {}
    let run = Run {
        played: playback.finish(),
        app,
        hub,
    };
    run.settle().await;

    let conversation = run.only(JANE);
    assert_eq!(
        conversation.source.body,
        "[Inbound answered call] on Support FR"
    );
    // Started on behalf of the contact, not sent to her.
    assert_eq!(conversation.source.author.id, JANE);
    assert_eq!(conversation.source.delivered_as, "customer_initiated");
    // Aircall's Bob@Acme.io is Intercom's bob@acme.io.
    assert_eq!(conversation.admin_assignee_id.as_deref(), Some(BOB));
    let notes = notes(&conversation);
    assert_eq!(notes.len(), 1, "{notes:#?}");
    assert_contains_all(
        &notes[0],
        &[
            "Caller: +33 7 62 04 35 75",
            "Aircall number: Support FR (+33 1 76 11 11 11)",
            "Waiting time: 7 s",
            "Teammate: Bob Martin",
            "Duration: 3 min 5 s (3 min 12 s in all)",
            &format!(
                "Recording: <a href=\"https://sandbox.aircall.invalid/calls/{id}/recording.mp3\">"
            ),
        ],
    );
    // Jane's open conversation is left alone.
    let open = run.app.sandbox.intercom().conversation(JANE_OPEN).unwrap();
    assert_eq!(open.parts.len(), 2);
    assert_eq!(run.call_status("call").0, "logged");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answered_call_whose_teammate_has_no_intercom_admin_goes_to_the_integration_admin() {
    let scenario = Scenario::inbound_answered("+49 176 67402970", demo::VERTRIEB_DE, demo::EVE);
    let run = Run::of(scenario, Settings::default()).await;
    let conversation = run.only(LUKAS);
    assert_eq!(
        conversation.source.body,
        "[Inbound answered call] on Vertrieb DE"
    );
    assert_eq!(
        conversation.admin_assignee_id.as_deref(),
        Some(INTEGRATION_ADMIN)
    );
    assert_contains_all(&notes(&conversation)[0], &["Teammate: Eve Night"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missed_inbound_call_is_left_unassigned() {
    let run = Run::of(
        Scenario::missed(demo::JOHN, demo::SALES_US),
        Settings::default(),
    )
    .await;
    let conversation = run.only(JOHN);
    assert_eq!(
        conversation.source.body,
        "[Inbound missed call] on Sales US"
    );
    assert_eq!(conversation.admin_assignee_id, None);
    let notes = notes(&conversation);
    assert_eq!(notes.len(), 1);
    assert_contains_all(
        &notes[0],
        &[
            "Missed: agents did not answer",
            "Duration: 27 s (not answered)",
        ],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_voicemail_is_logged_unassigned_with_its_link() {
    let run = Run::of(
        Scenario::voicemail(demo::SOPHIE, demo::SUPPORT_FR),
        Settings::default(),
    )
    .await;
    let conversation = run.only(SOPHIE);
    assert_eq!(
        conversation.source.body,
        "[Inbound missed call with voicemail] on Support FR"
    );
    assert_eq!(conversation.admin_assignee_id, None);
    let id = run.call("call");
    // Aircall's lasting page, which the webhook carries beside the short-lived media link.
    assert_contains_all(
        &notes(&conversation)[0],
        &[&format!(
            "Voicemail: <a href=\"https://assets.sandbox.aircall.invalid/calls/{id}/voicemail\">"
        )],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_outbound_call_goes_to_the_caller_else_to_the_integration_admin() {
    let scenario = Scenario::together(
        "two outbound calls",
        vec![
            Scenario::outbound("+61 2 8103 2081", demo::SUPPORT_GB, demo::BOB),
            Scenario::outbound("+33 6 11 22 33 44", demo::SUPPORT_FR, demo::EVE),
        ],
        10,
    );
    let run = Run::of(scenario, Settings::default()).await;
    let by_bob = run.only(MIA);
    assert_eq!(by_bob.source.body, "[Outbound call] on Support GB");
    assert_eq!(by_bob.admin_assignee_id.as_deref(), Some(BOB));
    assert_contains_all(
        &notes(&by_bob)[0],
        &[
            "Called: +61 2 8103 2081",
            "From Aircall number: Support GB (+44 20 3318 1111)",
            "Teammate: Bob Martin",
        ],
    );
    let by_eve = run.only(HUGO);
    assert_eq!(by_eve.admin_assignee_id.as_deref(), Some(INTEGRATION_ADMIN));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answered_transfer_to_a_matched_teammate_moves_the_conversation() {
    let scenario = Scenario::transfer(demo::JOHN, demo::SALES_US, demo::ALICE, demo::BOB, true);
    let run = Run::of(scenario, Settings::default()).await;
    let conversation = run.only(JOHN);
    assert_eq!(conversation.admin_assignee_id.as_deref(), Some(BOB));
    assert_contains_all(
        &notes(&conversation)[0],
        &[
            "Teammate: Alice Durand",
            "Transferred to Bob Martin by Alice Durand",
        ],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_transfer_not_answered_or_to_an_unmatched_teammate_stays_with_the_first_teammate() {
    let scenario = Scenario::together(
        "two transfers that do not move the call",
        vec![
            Scenario::transfer(demo::JOHN, demo::SALES_US, demo::ALICE, demo::BOB, false),
            Scenario::transfer(demo::SOPHIE, demo::SALES_US, demo::ALICE, demo::EVE, true),
        ],
        10,
    );
    let run = Run::of(scenario, Settings::default()).await;
    let not_answered = run.only(JOHN);
    assert_eq!(not_answered.admin_assignee_id.as_deref(), Some(ALICE));
    let unmatched = run.only(SOPHIE);
    assert_eq!(unmatched.admin_assignee_id.as_deref(), Some(ALICE));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_call_reassigned_in_aircall_moves_the_conversation_with_a_note_saying_so() {
    let scenario = Scenario::reassigned(demo::JANE, demo::SUPPORT_FR, demo::BOB, demo::ALICE);
    let run = Run::of(scenario.clone(), Settings::default()).await;
    // Aircall delivers at least once: the reassignment arrives twice.
    let assigned = run.played.staged.envelopes.last().unwrap().clone();
    assert_eq!(assigned.event, "call.assigned");
    assert_eq!(run.player().deliver(&assigned).await.unwrap(), 200);
    run.settle().await;
    let conversation = run.only(JANE);
    assert_eq!(conversation.admin_assignee_id.as_deref(), Some(ALICE));
    let reassigned: Vec<String> = notes(&conversation)
        .into_iter()
        .filter(|n| n.contains("reassigned"))
        .collect();
    assert_eq!(
        reassigned,
        ["<p>Call reassigned in Aircall from Bob Martin to Alice Durand</p>"]
    );
}
