//! Whom a call is logged to: a new lead for an unknown number (or nobody, by setting), the one
//! shared anonymous contact, and the contact an agent picks for a shared number.

use super::*;

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_caller_becomes_one_new_lead_named_after_the_number() {
    let scenario = Scenario::together(
        "two calls from an unknown number",
        vec![
            Scenario::unknown_caller(demo::UNKNOWN, demo::SUPPORT_FR, demo::BOB),
            Scenario::missed(demo::UNKNOWN, demo::SUPPORT_FR),
        ],
        600,
    );
    let run = Run::of(scenario, Settings::default()).await;
    let created: Vec<_> = run
        .app
        .sandbox
        .intercom()
        .contacts()
        .into_iter()
        .filter(|c| c.phone.as_deref() == Some("+33650505050"))
        .collect();
    assert_eq!(created.len(), 1, "{created:#?}");
    let contact = &created[0];
    assert_eq!(
        contact.name.as_deref(),
        Some("+33650505050 Aircall new contact")
    );
    assert_eq!(contact.role, Role::Lead);
    let mut bodies: Vec<String> = run
        .logged(&contact.id)
        .into_iter()
        .map(|c| c.source.body)
        .collect();
    bodies.sort();
    assert_eq!(
        bodies,
        [
            "[Inbound answered call] on Support FR",
            "[Inbound missed call] on Support FR"
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn with_contact_creation_off_an_unknown_caller_is_skipped_with_a_reason() {
    let settings = Settings {
        create_contacts: false,
        ..Settings::default()
    };
    let before = Seed::demo().intercom.contacts.len();
    let run = Run::of(
        Scenario::unknown_caller(demo::UNKNOWN, demo::SUPPORT_FR, demo::BOB),
        settings,
    )
    .await;
    let (status, reason) = run.call_status("call");
    assert_eq!(status, "skipped");
    assert_eq!(
        reason.as_deref(),
        Some("no Intercom contact has this number and creating contacts is turned off")
    );
    let intercom = run.app.sandbox.intercom();
    assert_eq!(intercom.contacts().len(), before, "no contact is created");
    assert!(
        intercom
            .conversations()
            .iter()
            .all(|c| !c.source.body.starts_with('[')),
        "nothing is logged"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn anonymous_callers_share_one_anonymous_contact_created_once() {
    let scenario = Scenario::together(
        "two anonymous calls",
        vec![
            Scenario::anonymous(demo::SUPPORT_FR, demo::BOB),
            Scenario::anonymous(demo::SALES_US, demo::ALICE),
        ],
        600,
    );
    let run = Run::of(scenario, Settings::default()).await;
    let anonymous: Vec<_> = run
        .app
        .sandbox
        .intercom()
        .contacts()
        .into_iter()
        .filter(|c| c.email.as_deref() == Some("anonymous@aircall.io"))
        .collect();
    assert_eq!(anonymous.len(), 1, "{anonymous:#?}");
    assert_eq!(
        anonymous[0].name.as_deref(),
        Some("Aircall Anonymous Contact")
    );
    let logged = run.logged(&anonymous[0].id);
    assert_eq!(logged.len(), 2);
    assert!(notes(&logged[0])[0].contains("Caller: anonymous"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_shared_number_is_not_logged_until_an_agent_picks_the_contact() {
    // Bob comments the call a minute after it ended, before anyone picked the contact.
    let mut scenario = Scenario::shared_number(demo::SHARED, demo::SUPPORT_FR, demo::BOB);
    let end = scenario.steps.last().unwrap().at;
    scenario.steps.push(Step {
        subject: "call".into(),
        at: end + 60,
        event: "call.commented".into(),
        change: Change::Comment {
            content: "Which of the two was it?".into(),
            by: Some(demo::BOB),
        },
    });
    // The comment comes once the call is skipped; the hub still settles: nothing keeps it busy
    // while the call waits for an agent.
    let before_comment = scenario.steps.len() - 1;
    let run = Run::pausing(scenario, Settings::default(), before_comment).await;
    let (status, reason) = run.call_status("call");
    assert_eq!(status, "skipped");
    assert_eq!(reason.as_deref(), Some("2 contacts share this number"));
    assert!(run.logged(PAUL).is_empty() && run.logged(CLAIRE).is_empty());

    let token = run.hub.store().add_agent("bob@acme.io", 0).unwrap();
    let response = reqwest::Client::new()
        .post(format!(
            "http://{}/api/v1/calls/{}/contact",
            run.hub.local_addr(),
            run.call("call")
        ))
        .bearer_auth(token.expose())
        .json(&json!({ "contact_id": CLAIRE }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    run.settle().await;
    let conversation = run.only(CLAIRE);
    assert_eq!(
        conversation.source.body,
        "[Inbound answered call] on Support FR"
    );
    assert_eq!(conversation.admin_assignee_id.as_deref(), Some(BOB));
    let notes = notes(&conversation);
    assert_eq!(notes.len(), 2, "{notes:#?}");
    assert!(notes[1].contains("Which of the two was it?"));
    assert!(run.logged(PAUL).is_empty());
    assert_eq!(run.call_status("call").0, "logged");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_contact_picked_while_the_shared_number_rings_gets_the_call_when_it_ends() {
    let app = TestApp::demo().await;
    let hub = start_hub(&app, Settings::default()).await;
    let player = player(hub.local_addr());
    let scenario = Scenario::shared_number(demo::SHARED, demo::SUPPORT_FR, demo::BOB);
    let mut playback = player.playback(&app.sandbox, &scenario);
    assert_eq!(playback.step().await.unwrap(), Some(200), "call.created");
    settle(hub.store(), Duration::from_secs(10)).await;

    // The agent picks Claire on the card while the call still rings.
    let token = hub.store().add_agent("bob@acme.io", 0).unwrap();
    let response = reqwest::Client::new()
        .post(format!(
            "http://{}/api/v1/calls/{}/contact",
            hub.local_addr(),
            playback.call("call").unwrap()
        ))
        .bearer_auth(token.expose())
        .json(&json!({ "contact_id": CLAIRE }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    while let Some(status) = playback.step().await.unwrap() {
        assert_eq!(status, 200);
    }
    settle(hub.store(), Duration::from_secs(10)).await;
    let logged = |contact: &str| {
        app.sandbox
            .intercom()
            .conversations_of(contact)
            .into_iter()
            .filter(|c| c.source.body.starts_with('['))
            .collect::<Vec<_>>()
    };
    let claire = logged(CLAIRE);
    assert_eq!(claire.len(), 1, "{claire:#?}");
    assert_eq!(
        claire[0].source.body,
        "[Inbound answered call] on Support FR"
    );
    assert!(logged(PAUL).is_empty());
}
