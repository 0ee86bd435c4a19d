//! The fake Aircall through raw HTTP: auth, pagination, the company budget, users, calls,
//! insight cards, contacts and webhooks.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn refuses_missing_or_wrong_credentials() {
    let app = TestApp::demo().await;
    let url = format!("{}/v1/ping", app.sandbox.aircall_url());
    for request in [
        app.http.get(&url),
        app.http
            .get(&url)
            .basic_auth("sandbox-aircall-id", Some("wrong")),
        app.http.get(&url).bearer_auth("sandbox-aircall-token"),
    ] {
        let (status, body) = send(request).await;
        assert_eq!(status, 401);
        assert_eq!(
            body,
            json!({"error": "Unauthorized", "troubleshoot": "Check your API key"})
        );
    }
    let (status, body) = send(app.aircall(Method::GET, "/v1/ping")).await;
    assert_eq!((status, body), (200, json!({"ping": "pong"})));
}

#[tokio::test]
async fn lists_page_with_absolute_links() {
    let app = TestApp::demo().await;
    let base = app.sandbox.aircall_url();
    let (status, first) = send(app.aircall(Method::GET, "/v1/calls?per_page=3")).await;
    assert_eq!(status, 200);
    let meta = &first["meta"];
    assert_eq!(meta["count"], 3);
    assert_eq!(meta["total"], 4);
    assert_eq!(meta["current_page"], 1);
    assert_eq!(meta["per_page"], 3);
    assert_eq!(meta["previous_page_link"], Value::Null);
    assert_eq!(
        meta["next_page_link"],
        format!("{base}/v1/calls?page=2&per_page=3")
    );
    let (_, second) = send(app.aircall(Method::GET, "/v1/calls?per_page=3&page=2")).await;
    assert_eq!(second["meta"]["count"], 1);
    assert_eq!(second["meta"]["next_page_link"], Value::Null);
    assert_eq!(
        second["meta"]["previous_page_link"],
        format!("{base}/v1/calls?page=1&per_page=3")
    );
    let (_, desc) = send(app.aircall(Method::GET, "/v1/calls?order=desc&per_page=1")).await;
    assert_eq!(desc["calls"][0]["id"], RINGING_CALL);
    let (_, capped) = send(app.aircall(Method::GET, "/v2/users?per_page=500")).await;
    assert_eq!(capped["meta"]["per_page"], 50);
    let (status, _) = send(app.aircall(Method::GET, "/v1/calls?page=201&per_page=50")).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn the_company_budget_ends_in_429_with_a_reset() {
    let app = TestApp::demo().await;
    app.sandbox.faults().set_aircall_budget(3);
    for _ in 0..3 {
        let response = app
            .aircall(Method::GET, "/v1/ping")
            .send()
            .await
            .expect("response");
        assert_eq!(response.status(), 200);
        assert!(response.headers().get("x-aircallapi-limit").is_none());
        assert!(response.headers().get("x-aircallapi-reset").is_none());
    }
    let response = app
        .aircall(Method::GET, "/v1/ping")
        .send()
        .await
        .expect("response");
    assert_eq!(response.status(), 429);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
    };
    assert_eq!(header("x-aircallapi-limit"), Some(3));
    assert_eq!(header("x-aircallapi-remaining"), Some(0));
    let reset = header("x-aircallapi-reset").expect("reset header");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    assert!(
        reset > now + 50 && reset <= now + 61,
        "reset {reset}, now {now}"
    );
    let body: Value = response.json().await.expect("json");
    assert!(body["error"].is_string() && body["troubleshoot"].is_string());
}

#[tokio::test]
async fn users_and_availability() {
    let app = TestApp::demo().await;
    let (status, user) = send(app.aircall(Method::GET, "/v2/users/bob@acme.io")).await;
    assert_eq!(status, 200);
    assert_eq!(user["user"]["id"], 1101);
    assert_eq!(user["user"]["email"], "Bob@Acme.io");
    assert!(user["user"].get("numbers").is_none());
    let (_, all) = send(app.aircall(Method::GET, "/v1/users/availabilities")).await;
    let bob = all["users"]
        .as_array()
        .and_then(|u| u.iter().find(|x| x["id"] == 1101))
        .cloned();
    assert_eq!(bob, Some(json!({"id": 1101, "availability": "in_call"})));
    app.sandbox
        .set_availability(1101, "after_call_work")
        .expect("known user");
    let (_, one) = send(app.aircall(Method::GET, "/v1/users/1101/availability")).await;
    assert_eq!(one, json!({"availability": "after_call_work"}));
    assert!(app.sandbox.set_availability(1101, "busy").is_err());
    let (status, _) = send(app.aircall(Method::GET, "/v1/users")).await;
    assert_eq!(status, 404);
    let (_, number) = send(app.aircall(Method::GET, "/v1/numbers/2201")).await;
    assert_eq!(number["number"]["name"], "Support FR");
    assert_eq!(number["number"]["country"], "FR");
}

#[tokio::test]
async fn calls_take_comments_tags_and_live_insight_cards() {
    let app = TestApp::demo().await;
    let (status, call) = send(app.aircall(Method::GET, &format!("/v1/calls/{RINGING_CALL}"))).await;
    assert_eq!(status, 200);
    assert_eq!(call["call"]["status"], "initial");
    assert_eq!(call["call"]["number"]["name"], "Support FR");
    assert_eq!(call["call"]["contact"]["id"], 4401);

    let card = json!({"contents": [
        {"type": "title", "text": "Intercom: Jane Roe", "link": "https://app.intercom.com/a/apps/ecahpwf5/users/x"},
        {"type": "shortText", "label": "Owner", "text": "Bob Martin (in call)"}
    ]});
    let (status, body) = send(
        app.aircall(
            Method::POST,
            &format!("/v1/calls/{RINGING_CALL}/insight_cards"),
        )
        .json(&card),
    )
    .await;
    assert_eq!((status, body), (201, Value::Null));
    let cards = app.sandbox.aircall().insight_cards();
    assert_eq!(cards.len(), 1);
    assert_eq!(cards[0].call_id, RINGING_CALL);
    assert_eq!(cards[0].contents, card["contents"]);
    let (status, _) = send(
        app.aircall(
            Method::POST,
            &format!("/v1/calls/{DONE_CALL}/insight_cards"),
        )
        .json(&card),
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = send(
        app.aircall(
            Method::POST,
            &format!("/v1/calls/{RINGING_CALL}/insight_cards"),
        )
        .json(&json!({"contents": [{"type": "shortText", "text": "no label"}]})),
    )
    .await;
    assert_eq!(status, 400);

    let (status, _) = send(
        app.aircall(Method::POST, &format!("/v1/calls/{DONE_CALL}/comments"))
            .json(&json!({"content": "Logged to Intercom"})),
    )
    .await;
    assert_eq!(status, 201);
    for _ in 0..2 {
        let (status, _) = send(
            app.aircall(Method::POST, &format!("/v1/calls/{DONE_CALL}/tags"))
                .json(&json!({"tags": [3302]})),
        )
        .await;
        assert_eq!(status, 201);
    }
    let (status, _) = send(
        app.aircall(Method::POST, &format!("/v1/calls/{DONE_CALL}/tags"))
            .json(&json!({"tags": ["Callback"]})),
    )
    .await;
    assert_eq!(status, 400);
    let call = app.sandbox.aircall().call(DONE_CALL).expect("seeded");
    assert_eq!(call.comments.len(), 2);
    assert_eq!(call.comments[1].content, "Logged to Intercom");
    let names: Vec<&str> = call.tags.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, vec!["Interested", "Callback"]);

    let (_, found) = send(
        app.aircall(Method::GET, "/v1/calls/search")
            .query(&[("phone_number", "+14422497851"), ("direction", "inbound")]),
    )
    .await;
    assert_eq!(found["meta"]["total"], 1);
    assert_eq!(found["calls"][0]["id"], DONE_CALL);

    let id = app
        .sandbox
        .add_call(ringside_sandbox::aircall::NewCall {
            raw_digits: "+33 6 50 50 50 50".into(),
            number_id: Some(2203),
            ..Default::default()
        })
        .expect("known number");
    app.sandbox
        .update_call(id, |c| c.status = "done".into())
        .expect("known call");
    let (_, added) = send(app.aircall(Method::GET, &format!("/v1/calls/{id}"))).await;
    assert_eq!(added["call"]["status"], "done");
    assert_eq!(added["call"]["number"]["name"], "Support GB");
}

#[tokio::test]
async fn contacts_are_created_updated_by_post_and_deleted() {
    let app = TestApp::demo().await;
    let (status, created) = send(app.aircall(Method::POST, "/v1/contacts").json(&json!({
        "first_name": "Mia", "last_name": "Wilson", "company_name": "Acme",
        "information": "Intercom: https://app.intercom.com/a/apps/ecahpwf5/users/6762f0dd1bb69f9f2193bb87",
        "phone_numbers": [{"label": "Work", "value": "+61281032081"}],
        "emails": [{"label": "Work", "value": "mia@example.com.au"}]
    })))
    .await;
    assert_eq!(status, 201);
    let id = created["contact"]["id"].as_u64().expect("id");
    assert_eq!(
        created["contact"]["phone_numbers"][0]["value"],
        "+61281032081"
    );
    let (status, updated) = send(
        app.aircall(Method::POST, &format!("/v1/contacts/{id}"))
            .json(&json!({"company_name": "Wilson Pty"})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(updated["contact"]["company_name"], "Wilson Pty");
    assert_eq!(updated["contact"]["first_name"], "Mia");
    let (status, _) = send(
        app.aircall(Method::PUT, &format!("/v1/contacts/{id}"))
            .json(&json!({})),
    )
    .await;
    assert_eq!(status, 405);
    let (_, found) = send(
        app.aircall(Method::GET, "/v1/contacts/search")
            .query(&[("phone_number", "+61 2 8103 2081")]),
    )
    .await;
    assert_eq!(found["contacts"][0]["id"], id);
    let too_many: Vec<Value> = (0..21)
        .map(|i| json!({"label": "Work", "value": format!("+3361234{i:04}")}))
        .collect();
    let (status, _) = send(
        app.aircall(Method::POST, "/v1/contacts")
            .json(&json!({"first_name": "X", "phone_numbers": too_many})),
    )
    .await;
    assert_eq!(status, 400);
    let response = app
        .aircall(Method::DELETE, &format!("/v1/contacts/{id}"))
        .send()
        .await
        .expect("response");
    assert_eq!(response.status(), 204);
    let (status, _) = send(app.aircall(Method::GET, &format!("/v1/contacts/{id}"))).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn webhooks_need_https() {
    let app = TestApp::demo().await;
    let (status, _) = send(app.aircall(Method::POST, "/v1/webhooks").json(&json!({
        "custom_name": "Ringside", "url": "http://hub.example.com/aircall", "events": ["call.created"]
    })))
    .await;
    assert_eq!(status, 400);
    let (status, created) = send(app.aircall(Method::POST, "/v1/webhooks").json(&json!({
        "custom_name": "Ringside", "url": "https://hub.example.com/aircall",
        "events": ["call.created", "call.ended"]
    })))
    .await;
    assert_eq!(status, 201);
    let webhook = &created["webhook"];
    assert_eq!(webhook["active"], true);
    assert_eq!(webhook["events"], json!(["call.created", "call.ended"]));
    let token = webhook["token"].as_str().unwrap_or_default();
    assert!(token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(app.sandbox.aircall().webhooks().len(), 1);
    let (_, list) = send(app.aircall(Method::GET, "/v1/webhooks")).await;
    assert_eq!(list["webhooks"][0]["webhook_id"], webhook["webhook_id"]);
}

#[tokio::test]
async fn a_contacts_numbers_and_emails_are_edited_one_at_a_time() {
    let app = TestApp::demo().await;
    let (_, created) = send(app.aircall(Method::POST, "/v1/contacts").json(&json!({
        "first_name": "Mia", "phone_numbers": [{"label": "Work", "value": "+61281032081"}],
    })))
    .await;
    let id = created["contact"]["id"].as_u64().expect("id");
    let phone_id = created["contact"]["phone_numbers"][0]["id"]
        .as_u64()
        .expect("a detail id");
    let contact = |id: u64| {
        app.sandbox
            .aircall()
            .contacts()
            .into_iter()
            .find(|c| c.id == id)
            .expect("the contact")
    };

    // The whole-contact update keeps numbers; the detail routes change them.
    let (status, _) = send(
        app.aircall(Method::POST, &format!("/v1/contacts/{id}"))
            .json(&json!({"phone_numbers": [{"label": "Work", "value": "+33100000000"}]})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(contact(id).phone_numbers[0].value, "+61281032081");
    let (status, changed) = send(
        app.aircall(
            Method::PUT,
            &format!("/v1/contacts/{id}/phone_details/{phone_id}"),
        )
        .json(&json!({"value": "+61299998888"})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        changed["contact"]["phone_numbers"],
        json!([{"id": phone_id, "label": "Work", "value": "+61299998888"}])
    );
    let (status, _) = send(
        app.aircall(
            Method::POST,
            &format!("/v1/contacts/{id}/phone_details/{phone_id}"),
        )
        .json(&json!({"label": "Mobile"})),
    )
    .await;
    assert_eq!(status, 200, "Aircall's POST-to-update works here too");
    assert_eq!(contact(id).phone_numbers[0].label, "Mobile");

    let (status, added) = send(
        app.aircall(Method::POST, &format!("/v1/contacts/{id}/email_details"))
            .json(&json!({"label": "Work", "value": "mia@example.com"})),
    )
    .await;
    assert_eq!(status, 201);
    let email_id = added["contact"]["emails"][0]["id"].as_u64().expect("id");
    let (_, found) = send(
        app.aircall(Method::GET, "/v1/contacts/search")
            .query(&[("email", "MIA@example.com")]),
    )
    .await;
    assert_eq!(found["contacts"][0]["id"], id);
    let response = app
        .aircall(
            Method::DELETE,
            &format!("/v1/contacts/{id}/email_details/{email_id}"),
        )
        .send()
        .await
        .expect("response");
    assert_eq!(response.status(), 204);
    assert!(contact(id).emails.is_empty());

    // The last number cannot go, an unknown detail is a 404, an add needs a value.
    let last = app
        .aircall(
            Method::DELETE,
            &format!("/v1/contacts/{id}/phone_details/{phone_id}"),
        )
        .send()
        .await
        .expect("response");
    assert_eq!(last.status(), 400);
    let (status, _) = send(
        app.aircall(Method::PUT, &format!("/v1/contacts/{id}/phone_details/1"))
            .json(&json!({"value": "+61200000000"})),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = send(
        app.aircall(Method::POST, &format!("/v1/contacts/{id}/phone_details"))
            .json(&json!({"label": "Work"})),
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = send(
        app.aircall(Method::POST, "/v1/contacts/999999/email_details")
            .json(&json!({"value": "x@example.com"})),
    )
    .await;
    assert_eq!(status, 404);
}
