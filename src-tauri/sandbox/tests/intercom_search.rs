//! The fake Intercom's search through raw HTTP: exact `phone` against E.164
//! `formatted_phone`, operators, groups and their limits, sorting and cursor pagination.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn phone_is_an_exact_string_and_formatted_phone_is_e164() {
    let app = TestApp::demo().await;
    let filter = |field: &str, op: &str, value: Value| json!({"query": {"field": field, "operator": op, "value": value}});
    let (_, e164) = app
        .search_contacts(filter("phone", "=", json!("+33762043575")))
        .await;
    assert_eq!(e164["total_count"], 0);
    let (_, stored) = app
        .search_contacts(filter("phone", "=", json!("07 62 04 35 75")))
        .await;
    assert_eq!(ids(&stored), vec![JANE]);
    let (_, formatted) = app
        .search_contacts(filter("formatted_phone", "=", json!("+33762043575")))
        .await;
    assert_eq!(ids(&formatted), vec![JANE]);
    assert_eq!(formatted["data"][0]["formatted_phone"], "+33762043575");
    assert_eq!(formatted["data"][0]["phone"], "07 62 04 35 75");
    let (_, variants) = app
        .search_contacts(filter(
            "phone",
            "IN",
            json!(["+33762043575", "0762043575", "07 62 04 35 75"]),
        ))
        .await;
    assert_eq!(ids(&variants), vec![JANE]);
    let (_, contains) = app
        .search_contacts(filter("phone", "~", json!("88 00 00")))
        .await;
    let mut shared = ids(&contains);
    shared.sort();
    assert_eq!(shared, vec![PAUL, CLAIRE]);
}

#[tokio::test]
async fn groups_combine_and_are_bounded() {
    let app = TestApp::demo().await;
    let query = json!({"query": {"operator": "AND", "value": [
        {"field": "role", "operator": "=", "value": "lead"},
        {"operator": "OR", "value": [
            {"field": "formatted_phone", "operator": "=", "value": "+33184880000"},
            {"field": "email", "operator": "=", "value": "JANE.ROE@example.com"}
        ]}
    ]}});
    let (status, body) = app.search_contacts(query).await;
    assert_eq!(status, 200);
    assert_eq!(body["total_count"], 3);

    let leaf = json!({"field": "phone", "operator": "=", "value": "x"});
    let (status, body) = app
        .search_contacts(json!({"query": {"operator": "OR", "value": vec![leaf.clone(); 16]}}))
        .await;
    assert_eq!(status, 400);
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("at most 15"), "{message}");
    let (status, _) = app
        .search_contacts(json!({"query": {"operator": "OR", "value": vec![leaf.clone(); 15]}}))
        .await;
    assert_eq!(status, 200);
    let deep = json!({"query": {"operator": "AND", "value": [
        {"operator": "OR", "value": [{"operator": "AND", "value": [leaf]}]}
    ]}});
    assert_eq!(app.search_contacts(deep).await.0, 400);
    let (status, body) = app
        .search_contacts(
            json!({"query": {"field": "phone", "operator": "=", "value": "x"},
                                "sort": {"field": "created_at", "order": "desc"}}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["code"], "invalid_sort_order");
    let (status, _) = send(
        app.intercom(Method::POST, "/contacts/search")
            .header("content-type", "application/json")
            .body("{not json"),
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn search_pages_with_a_cursor() {
    let app = TestApp::demo().await;
    let query = json!({"field": "created_at", "operator": ">", "value": 0});
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut pagination = json!({"per_page": 5});
        if let Some(c) = &cursor {
            pagination["starting_after"] = json!(c);
        }
        let (status, body) = app
            .search_contacts(json!({"query": query, "pagination": pagination,
                                    "sort": {"field": "created_at", "order": "ascending"}}))
            .await;
        assert_eq!(status, 200);
        pages += 1;
        assert_eq!(body["pages"]["page"], pages);
        assert_eq!(body["pages"]["total_pages"], 3);
        assert_eq!(body["total_count"], 12);
        seen.extend(ids(&body));
        match body["pages"]["next"]["starting_after"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 12);
    assert_eq!(
        seen.first().map(String::as_str),
        Some("6762f0dd1bb69f9f2193bb84")
    );
    let (status, list) = send(app.intercom(Method::GET, "/contacts?per_page=10")).await;
    assert_eq!(status, 200);
    assert_eq!(list["data"].as_array().map(Vec::len), Some(10));
    let next = list["pages"]["next"]["starting_after"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let (_, rest) = send(
        app.intercom(Method::GET, "/contacts")
            .query(&[("per_page", "10"), ("starting_after", &next)]),
    )
    .await;
    assert_eq!(rest["data"].as_array().map(Vec::len), Some(2));
    assert!(rest["pages"].get("next").is_none());
}

#[tokio::test]
async fn conversation_search_finds_the_latest_open_or_closed() {
    let app = TestApp::demo().await;
    let (status, body) = send(
        app.intercom(Method::POST, "/conversations/search")
            .json(&json!({
                "query": {"operator": "AND", "value": [
                    {"field": "contact_ids", "operator": "=", "value": "6762f0dd1bb69f9f2193bb84"},
                    {"field": "state", "operator": "IN", "value": ["open", "closed"]}
                ]},
                "sort": {"field": "updated_at", "order": "descending"},
                "pagination": {"per_page": 1}
            })),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["type"], "conversation.list");
    assert_eq!(body["total_count"], 1);
    assert_eq!(body["conversations"][0]["id"], "215475827415402");
    assert!(body["conversations"][0].get("conversation_parts").is_none());
    let (_, unassigned) = send(
        app.intercom(Method::POST, "/conversations/search")
            .json(&json!({
                "query": {"field": "admin_assignee_id", "operator": "=", "value": 0}
            })),
    )
    .await;
    assert_eq!(unassigned["total_count"], 1);
}
