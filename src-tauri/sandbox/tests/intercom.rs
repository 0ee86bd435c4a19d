//! The fake Intercom through raw HTTP: auth, versions, contacts, conversations, tags and the
//! rate limiter. Search is in `intercom_search.rs`.

mod common;

use std::time::Duration;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn refuses_missing_or_wrong_tokens() {
    let app = TestApp::demo().await;
    let url = format!("{}/me", app.sandbox.intercom_url());
    for request in [app.http.get(&url), app.http.get(&url).bearer_auth("nope")] {
        let response = request.send().await.expect("response");
        assert_eq!(response.status(), 401);
        assert!(response.headers().get("x-ratelimit-limit").is_none());
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["type"], "error.list");
        assert!(body["request_id"].as_str().is_some_and(|r| r.len() == 36));
        assert_eq!(body["errors"][0]["code"], "unauthorized");
        assert_eq!(body["errors"][0]["message"], "Access Token Invalid");
    }
}

#[tokio::test]
async fn checks_the_version_header_and_identifies_the_admin() {
    let app = TestApp::demo().await;
    let (status, me) = send(app.intercom(Method::GET, "/me")).await;
    assert_eq!(status, 200);
    assert_eq!(me["id"], "991267700");
    assert_eq!(me["app"]["type"], "app");
    assert_eq!(me["app"]["id_code"], app.sandbox.workspace_id());
    let (status, body) = send(
        app.intercom(Method::GET, "/me")
            .header("Intercom-Version", "3.0"),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["code"], "intercom_version_invalid");
    let (status, admins) = send(app.intercom(Method::GET, "/admins")).await;
    assert_eq!(status, 200);
    assert_eq!(admins["type"], "admin.list");
    assert_eq!(admins["admins"].as_array().map(Vec::len), Some(5));
}

#[tokio::test]
async fn duplicate_contacts_conflict() {
    let app = TestApp::demo().await;
    let (status, body) = send(
        app.intercom(Method::POST, "/contacts")
            .json(&json!({"role": "lead", "email": "Jane.Roe@example.com"})),
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(body["errors"][0]["code"], "conflict");
    assert_eq!(
        body["errors"][0]["message"],
        format!("A contact matching those details already exists with id={JANE}")
    );
    let (status, body) = send(
        app.intercom(Method::POST, "/contacts")
            .json(&json!({"role": "user", "external_id": "70"})),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    let (status, created) = send(app.intercom(Method::POST, "/contacts").json(&json!({
        "role": "lead", "phone": "+33650505050", "name": "+33650505050 Aircall new contact"
    })))
    .await;
    assert_eq!(status, 200);
    assert_eq!(created["role"], "lead");
    assert_eq!(created["workspace_id"], "ecahpwf5");
    assert_eq!(created["id"].as_str().map(str::len), Some(24));
    let (status, _) = send(
        app.intercom(Method::POST, "/contacts")
            .json(&json!({"phone": "+33650505050"})),
    )
    .await;
    assert_eq!(status, 400);
    let (_, found) = app
        .search_contacts(json!({"query": {"field": "formatted_phone", "operator": "=", "value": "+33650505050"}}))
        .await;
    assert_eq!(found["total_count"], 1);
}

#[tokio::test]
async fn creating_a_conversation_answers_a_message() {
    let app = TestApp::demo().await;
    let (status, message) = send(app.intercom(Method::POST, "/conversations").json(&json!({
        "from": {"type": "lead", "id": JANE}, "body": "[Inbound answered call] on Support FR"
    })))
    .await;
    assert_eq!(status, 200);
    assert_eq!(message["type"], "user_message");
    assert_eq!(message["message_type"], "inapp");
    let id = message["conversation_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let (status, conv) = send(app.intercom(Method::GET, &format!("/conversations/{id}"))).await;
    assert_eq!(status, 200);
    assert_eq!(conv["state"], "open");
    assert_eq!(conv["admin_assignee_id"], Value::Null);
    assert_eq!(conv["source"]["author"]["id"], JANE);
    assert_eq!(conv["source"]["author"]["type"], "lead");
    assert_eq!(conv["contacts"]["contacts"][0]["id"], JANE);
    assert_eq!(conv["conversation_parts"]["total_count"], 0);
    let (status, body) = send(app.intercom(Method::POST, "/conversations").json(&json!({
        "from": {"type": "user", "id": "000000000000000000000000"}, "body": "hi"
    })))
    .await;
    assert_eq!(status, 404);
    assert_eq!(body["errors"][0]["message"], "User Not Found");
}

#[tokio::test]
async fn notes_and_assignments_become_parts() {
    let app = TestApp::demo().await;
    let before = app
        .sandbox
        .intercom()
        .conversation(JANE_OPEN)
        .expect("seeded");
    let (status, conv) = send(
        app.intercom(Method::POST, &format!("/conversations/{JANE_OPEN}/reply"))
            .json(
                &json!({"type": "admin", "admin_id": BOB, "message_type": "note",
                          "body": "<p>Call answered by Bob</p>"}),
            ),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(conv["type"], "conversation");
    let (status, conv) = send(
        app.intercom(Method::POST, &format!("/conversations/{JANE_OPEN}/parts"))
            .json(
                &json!({"message_type": "assignment", "type": "admin", "admin_id": BOB,
                          "assignee_id": ALICE}),
            ),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(conv["admin_assignee_id"], 991267702u64);
    let (status, _) = send(
        app.intercom(Method::POST, &format!("/conversations/{JANE_OPEN}/reply"))
            .json(
                &json!({"type": "admin", "admin_id": "12345", "message_type": "note", "body": "x"}),
            ),
    )
    .await;
    assert_eq!(status, 404);

    let after = app
        .sandbox
        .intercom()
        .conversation(JANE_OPEN)
        .expect("still there");
    let added = &after.parts[before.parts.len()..];
    assert_eq!(added.len(), 2);
    assert_eq!(added[0].part_type, "note");
    assert_eq!(
        added[0].body.as_deref(),
        Some("<p>Call answered by Bob</p>")
    );
    assert_eq!(added[0].author.id, BOB);
    assert_eq!(added[1].part_type, "assignment");
    assert_eq!(
        added[1].assigned_to.as_ref().map(|a| a.id.as_str()),
        Some(ALICE)
    );
    assert_eq!(after.admin_assignee_id.as_deref(), Some(ALICE));
    assert!(after.updated_at > before.updated_at);

    let (_, conv) = send(
        app.intercom(Method::POST, &format!("/conversations/{JANE_OPEN}/parts"))
            .json(&json!({"message_type": "assignment", "admin_id": BOB, "assignee_id": "0"})),
    )
    .await;
    assert_eq!(conv["admin_assignee_id"], Value::Null);
    let (_, conv) = send(
        app.intercom(Method::POST, &format!("/conversations/{JANE_OPEN}/parts"))
            .json(&json!({"message_type": "close", "type": "admin", "admin_id": BOB})),
    )
    .await;
    assert_eq!(conv["state"], "closed");
    assert_eq!(conv["open"], false);
}

#[tokio::test]
async fn tags_are_found_by_name_in_any_case_and_attach_once() {
    let app = TestApp::demo().await;
    let (status, tag) = send(
        app.intercom(Method::POST, "/tags")
            .json(&json!({"name": "vip"})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(tag, json!({"type": "tag", "id": "101", "name": "VIP"}));
    let (_, fresh) = send(
        app.intercom(Method::POST, "/tags")
            .json(&json!({"name": "Aircall call"})),
    )
    .await;
    let fresh_id = fresh["id"].as_str().unwrap_or_default().to_owned();
    let (_, again) = send(
        app.intercom(Method::POST, "/tags")
            .json(&json!({"name": "AIRCALL CALL"})),
    )
    .await;
    assert_eq!(again["id"], fresh_id.as_str());
    let path = "/conversations/215475827415405/tags";
    for _ in 0..2 {
        let (status, applied) = send(
            app.intercom(Method::POST, path)
                .json(&json!({"id": fresh_id, "admin_id": "991267700"})),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(applied["applied_by"]["id"], "991267700");
    }
    let conv = app
        .sandbox
        .intercom()
        .conversation("215475827415405")
        .expect("seeded");
    assert_eq!(conv.tags.len(), 1);
    let (status, _) = send(
        app.intercom(Method::POST, path)
            .json(&json!({"id": fresh_id})),
    )
    .await;
    assert_eq!(status, 400);
    let (status, body) = send(
        app.intercom(Method::POST, path)
            .json(&json!({"id": "999999", "admin_id": "991267700"})),
    )
    .await;
    assert_eq!(
        (status, body["errors"][0]["code"].clone()),
        (404, json!("tag_not_found"))
    );
    let (status, _) = send(
        app.intercom(Method::DELETE, &format!("{path}/{fresh_id}"))
            .json(&json!({"admin_id": "991267700"})),
    )
    .await;
    assert_eq!(status, 200);
    assert!(app
        .sandbox
        .intercom()
        .conversation("215475827415405")
        .expect("seeded")
        .tags
        .is_empty());
    let (_, list) = send(app.intercom(Method::GET, "/tags")).await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(4));
}

#[tokio::test]
async fn rate_limit_headers_and_429() {
    let app = TestApp::demo().await;
    app.sandbox
        .faults()
        .set_intercom_budget(3, Duration::from_millis(1000));
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let response = app
            .intercom(Method::GET, "/admins")
            .send()
            .await
            .expect("response");
        assert_eq!(response.status(), 200);
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok())
        };
        assert_eq!(header("x-ratelimit-limit"), Some(3));
        assert!(header("x-ratelimit-reset").is_some());
        remaining.push(header("x-ratelimit-remaining"));
    }
    assert_eq!(remaining, vec![Some(2), Some(1), Some(0)]);
    let response = app
        .intercom(Method::GET, "/admins")
        .send()
        .await
        .expect("response");
    assert_eq!(response.status(), 429);
    let reset: u64 = response.headers()["x-ratelimit-reset"]
        .to_str()
        .ok()
        .and_then(|v| v.parse().ok())
        .expect("reset header");
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["errors"][0]["code"], "rate_limit_exceeded");
    assert_eq!(
        body["errors"][0]["message"],
        "Exceeded rate limit of 3 in 1_seconds"
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    assert!(reset >= now && reset <= now + 2, "reset {reset}, now {now}");
    tokio::time::sleep(Duration::from_millis(1050)).await;
    let (status, _) = send(app.intercom(Method::GET, "/admins")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn away_mode_and_view_mutators() {
    let app = TestApp::demo().await;
    let (status, admin) = send(
        app.intercom(Method::PUT, &format!("/admins/{BOB}/away"))
            .json(&json!({"away_mode_enabled": true, "away_mode_reassign": false})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(admin["away_mode_enabled"], true);
    let (status, _) = send(
        app.intercom(Method::PUT, &format!("/admins/{BOB}/away"))
            .json(&json!({"away_mode_enabled": true})),
    )
    .await;
    assert_eq!(status, 400);
    app.sandbox.set_admin_away(BOB, false).expect("known admin");
    let (_, admin) = send(app.intercom(Method::GET, &format!("/admins/{BOB}"))).await;
    assert_eq!(admin["away_mode_enabled"], false);
    assert!(app.sandbox.set_admin_away("1", true).is_err());

    let id = app
        .sandbox
        .add_intercom_contact(ringside_sandbox::intercom::NewContact {
            role: Some(ringside_sandbox::intercom::Role::Lead),
            phone: Some("+44 20 7946 0000".into()),
            ..Default::default()
        });
    let contact = app.sandbox.intercom().contact(&id).expect("added");
    assert_eq!(contact.formatted_phone.as_deref(), Some("+442079460000"));
    let log = app.sandbox.intercom().requests();
    assert!(log.iter().any(|r| r.method == "PUT" && r.status == 400));
}

#[tokio::test]
async fn thousands_of_generated_contacts_are_added_edited_and_removed_at_once() {
    let app = TestApp::with(ringside_sandbox::Seed::empty()).await;
    let generated = ringside_sandbox::generate::contacts(3_000, 1);
    let started = std::time::Instant::now();
    let ids = app
        .sandbox
        .add_intercom_contacts(generated.iter().map(|g| g.contact.clone()));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(ids.len(), 3_000);
    let stored = app.sandbox.intercom().contacts();
    assert_eq!(stored.len(), 3_000);
    for (g, c) in generated.iter().zip(&stored) {
        assert_eq!(c.phone, g.contact.phone);
        assert_eq!(c.formatted_phone, g.e164, "{:?}", c.phone);
    }

    // An edit moves `updated_at` (unless the test dates it) and `formatted_phone` follows.
    let id = &ids[0];
    app.sandbox
        .update_intercom_contact(id, |c| {
            c.phone = Some("07 62 04 35 75".into());
            c.updated_at = 1_000;
        })
        .expect("known contact");
    let edited = app.sandbox.intercom().contact(id).expect("still there");
    assert_eq!(
        (edited.formatted_phone.as_deref(), edited.updated_at),
        (Some("+33762043575"), 1_000)
    );
    app.sandbox
        .update_intercom_contact(id, |c| c.name = Some("Renamed".into()))
        .expect("known contact");
    assert!(
        app.sandbox
            .intercom()
            .contact(id)
            .expect("there")
            .updated_at
            > 1_000
    );
    app.sandbox
        .remove_intercom_contact(id)
        .expect("known contact");
    assert!(app.sandbox.intercom().contact(id).is_none());
    assert!(app.sandbox.remove_intercom_contact(id).is_err());
    assert!(app.sandbox.update_intercom_contact(id, |_| {}).is_err());
}
