//! Contact sync against the sandbox: a first sync of thousands of contacts in mixed formats, a
//! second that writes nothing, edits, phone changes and deletions reaching Aircall, contacts
//! Ringside did not create left alone, unparseable phones listed, runs stopped half-way and
//! resumed without duplicates, 429s obeyed and the budget kept, dry runs, the card answering
//! from the synced index, the roles setting, the lease and the scheduler.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ringside_core::aircall::{AircallContact, ContactDetail};
use ringside_core::card::CardBuilder;
use ringside_core::intercom::contact_url;
use ringside_core::pacing::Budget;
use ringside_core::phone::CallerId;
use ringside_core::store::{RunKind, RunPhase, Store};
use ringside_core::sync::plan::Roles;
use ringside_core::sync::{RunOutcome, SyncEngine, SyncError, SyncMode, SyncPhase, SyncRunner};
use ringside_sandbox::aircall::Contact as AircallRecord;
use ringside_sandbox::generate::GeneratedContact;
use ringside_sandbox::{Api, RequestRecord, Seed};
use ringside_tests::demo::*;
use ringside_tests::hubs::until;
use ringside_tests::synced::{aircall_of, assert_in_aircall, by_intercom_id, numbered};
use ringside_tests::{e164, quick_http, sync_options, TestApp};

fn store_in(dir: &tempfile::TempDir) -> Store {
    Store::open(dir.path()).expect("a database")
}

fn methods_and_paths(requests: &[RequestRecord]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = requests
        .iter()
        .map(|r| (r.method.clone(), r.path.clone()))
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn a_first_sync_of_thousands_fills_aircall_and_the_index_and_a_second_writes_nothing() {
    let (app, generated) = TestApp::generated(2_000, 11).await;
    // An admin's own Aircall contact with the very number and link of a synced contact.
    let (twin, twin_g) = numbered(&generated)[0];
    let own = app
        .aircall()
        .create_contact(&AircallContact {
            id: None,
            first_name: Some("Our".into()),
            last_name: Some("Own".into()),
            company_name: None,
            information: Some(format!("Intercom: {}", contact_url(WORKSPACE, twin))),
            phone_numbers: vec![ContactDetail {
                id: None,
                label: "Work".into(),
                value: twin_g.e164.clone().unwrap_or_default(),
            }],
            emails: Vec::new(),
            created_at: None,
        })
        .await
        .unwrap();
    let own_id = own.id.unwrap();
    let own_before = app.sandbox.aircall().contacts();

    let dir = tempfile::tempdir().unwrap();
    let store = store_in(&dir);
    let engine = app.sync_engine(store.clone(), sync_options(), 10_000_000);
    let report = engine.run(SyncMode::Auto).await.unwrap();

    let numbered = numbered(&generated);
    let unparseable: Vec<&(String, GeneratedContact)> = generated
        .iter()
        .filter(|(_, g)| g.contact.phone.is_some() && g.e164.is_none())
        .collect();
    assert!(numbered.len() > 1_700 && !unparseable.is_empty());
    assert_eq!(report.kind, RunKind::Full);
    let c = report.counts;
    assert_eq!(
        (
            c.seen,
            c.indexed,
            c.unparseable,
            c.created,
            c.updated,
            c.deleted
        ),
        (
            2_000,
            numbered.len() as u64,
            unparseable.len() as u64,
            numbered.len() as u64,
            0,
            0
        )
    );
    assert_in_aircall(&app, &generated, &[own_id]);
    for (id, g) in &numbered {
        let indexed = store
            .contacts_by_phone(&e164(g.e164.as_deref().unwrap_or_default()))
            .unwrap();
        let ids: Vec<&str> = indexed.iter().map(|c| c.contact.id.as_str()).collect();
        assert_eq!(ids, [id.as_str()]);
    }
    // The admin's own contact was neither changed nor even addressed.
    let own_after = app.sandbox.aircall().contacts();
    assert_eq!(
        own_after.iter().find(|c| c.id == own_id),
        own_before.iter().find(|c| c.id == own_id)
    );
    let own_path = format!("/v1/contacts/{own_id}");
    let addressed: Vec<RequestRecord> = app
        .sandbox
        .aircall()
        .requests()
        .into_iter()
        .filter(|r| r.path == own_path || r.path.starts_with(&format!("{own_path}/")))
        .collect();
    assert_eq!(addressed, []);

    let listed = store.unparseable_contacts().unwrap();
    let mut expected: Vec<(&str, &str)> = unparseable
        .iter()
        .map(|(id, g)| (id.as_str(), g.contact.phone.as_deref().unwrap_or_default()))
        .collect();
    expected.sort();
    let got: Vec<(&str, &str)> = listed
        .iter()
        .map(|u| (u.intercom_id.as_str(), u.phone.as_str()))
        .collect();
    assert_eq!(got, expected);
    assert!(
        listed.iter().all(|u| u.reason.contains("not")),
        "{listed:?}"
    );

    // Nothing changed in Intercom: neither kind of run writes to Aircall.
    for mode in [SyncMode::Incremental, SyncMode::Full] {
        let before = app.aircall_count();
        let again = engine.run(mode).await.unwrap();
        assert_eq!(app.aircall_writes(before), [], "{mode:?}");
        let c = again.counts;
        assert_eq!(
            (c.unchanged, c.created, c.updated, c.deleted),
            (numbered.len() as u64, 0, 0, 0),
            "{mode:?}"
        );
    }
}

#[tokio::test]
async fn edits_phone_changes_and_deletions_reach_aircall() {
    let (app, generated) = TestApp::generated(60, 5).await;
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(&dir);
    let engine = app.sync_engine(store.clone(), sync_options(), 10_000_000);
    engine.run(SyncMode::Auto).await.unwrap();

    // Six contacts with a number and a name, three with an email and one without.
    let named: Vec<&(String, GeneratedContact)> = numbered(&generated)
        .into_iter()
        .filter(|(_, g)| g.name_parts.is_some())
        .collect();
    let with_email: Vec<&String> = named
        .iter()
        .filter(|(_, g)| g.contact.email.is_some())
        .map(|(id, _)| id)
        .collect();
    let without_email = named
        .iter()
        .find(|(_, g)| g.contact.email.is_none())
        .map(|(id, _)| id)
        .expect("a contact without email");
    let others: Vec<&String> = named
        .iter()
        .map(|(id, _)| id)
        .filter(|id| !with_email[..3].contains(id) && *id != without_email)
        .collect();
    let (renamed, moved, new_email, added_email, dropped_email, no_phone, deleted) = (
        others[0],
        others[1],
        with_email[0],
        without_email,
        with_email[1],
        others[2],
        others[3],
    );
    let aircall_id = |id: &str| aircall_of(&app, id).id;
    let before: HashMap<&str, AircallRecord> = [
        renamed,
        moved,
        new_email,
        added_email,
        dropped_email,
        no_phone,
        deleted,
    ]
    .into_iter()
    .map(|id| (id.as_str(), aircall_of(&app, id)))
    .collect();
    let old_number = before[moved.as_str()].phone_numbers[0].value.clone();

    let edit = |id: &str, change: fn(&mut ringside_sandbox::intercom::Contact)| {
        app.sandbox.update_intercom_contact(id, change).unwrap()
    };
    edit(renamed, |c| c.name = Some("Ada King Lovelace".into()));
    edit(moved, |c| c.phone = Some("07 62 04 35 75".into()));
    edit(new_email, |c| c.email = Some("new@example.org".into()));
    edit(added_email, |c| c.email = Some("added@example.org".into()));
    edit(dropped_email, |c| c.email = None);
    edit(no_phone, |c| c.phone = None);
    app.sandbox.remove_intercom_contact(deleted).unwrap();

    let from = app.aircall_count();
    let report = engine.run(SyncMode::Auto).await.unwrap();
    assert_eq!(report.kind, RunKind::Incremental);
    assert_eq!(
        (
            report.counts.updated,
            report.counts.deleted,
            report.counts.created
        ),
        (5, 1, 0)
    );
    let detail = |id: &str, list: &str| {
        let c = &before[id];
        let detail = if list == "phone" {
            c.phone_numbers[0].id
        } else {
            c.emails[0].id
        };
        format!("/v1/contacts/{}/{list}_details/{detail}", c.id)
    };
    let mut expected = vec![
        (
            "POST".to_owned(),
            format!("/v1/contacts/{}", aircall_id(renamed)),
        ),
        ("PUT".to_owned(), detail(moved, "phone")),
        ("PUT".to_owned(), detail(new_email, "email")),
        (
            "POST".to_owned(),
            format!("/v1/contacts/{}/email_details", aircall_id(added_email)),
        ),
        ("DELETE".to_owned(), detail(dropped_email, "email")),
        (
            "DELETE".to_owned(),
            format!("/v1/contacts/{}", before[no_phone.as_str()].id),
        ),
    ];
    expected.sort();
    assert_eq!(methods_and_paths(&app.aircall_writes(from)), expected);

    let now = |id: &str| aircall_of(&app, id);
    let r = now(renamed);
    assert_eq!(
        (r.first_name.as_deref(), r.last_name.as_deref()),
        (Some("Ada King"), Some("Lovelace"))
    );
    assert_eq!(now(moved).phone_numbers[0].value, "+33762043575");
    assert_eq!(now(new_email).emails[0].value, "new@example.org");
    assert_eq!(now(added_email).emails[0].value, "added@example.org");
    assert!(now(dropped_email).emails.is_empty());
    assert!(!by_intercom_id(&app).contains_key(no_phone.as_str()));
    // The index follows: the moved contact left its old number for the new one.
    let ids = |number: &str| -> Vec<String> {
        store
            .contacts_by_phone(&e164(number))
            .unwrap()
            .into_iter()
            .map(|c| c.contact.id)
            .collect()
    };
    assert!(ids(&old_number).is_empty());
    assert_eq!(ids("+33762043575"), [moved.as_str()]);

    // An incremental run cannot see a deletion; the next full run deletes it.
    assert!(by_intercom_id(&app).contains_key(deleted.as_str()));
    let deleted_number = before[deleted.as_str()].phone_numbers[0].value.clone();
    assert_eq!(ids(&deleted_number), [deleted.as_str()]);
    let from = app.aircall_count();
    let report = engine.run(SyncMode::Full).await.unwrap();
    assert_eq!(report.counts.deleted, 1);
    assert_eq!(
        methods_and_paths(&app.aircall_writes(from)),
        [(
            "DELETE".to_owned(),
            format!("/v1/contacts/{}", before[deleted.as_str()].id)
        )]
    );
    assert!(ids(&deleted_number).is_empty());
}

#[tokio::test]
async fn aircall_contacts_not_created_by_ringside_are_never_touched() {
    let app = TestApp::demo().await;
    app.unlimited();
    // 4401 is Jane Roe with her number and her Intercom link; 4402 has the shared number.
    let theirs = |app: &TestApp| -> Vec<AircallRecord> {
        app.sandbox
            .aircall()
            .contacts()
            .into_iter()
            .filter(|c| c.id == 4401 || c.id == 4402)
            .collect()
    };
    let before = theirs(&app);
    assert_eq!(before.len(), 2);
    let dir = tempfile::tempdir().unwrap();
    let engine = app.sync_engine(store_in(&dir), sync_options(), 10_000_000);
    // Jane's create (the first) is lost on the way: looking for it finds only 4401, which
    // existed long before and so is not taken for Ringside's.
    app.sandbox.faults().drop_next(Api::Aircall, 1);
    let report = engine.run(SyncMode::Auto).await.unwrap();
    assert_eq!(
        app.sandbox.aircall().requests()[..3]
            .iter()
            .map(|r| (r.method.as_str(), r.path.as_str(), r.status))
            .collect::<Vec<_>>(),
        [
            ("POST", "/v1/contacts", 0),
            ("GET", "/v1/contacts/search", 200),
            ("POST", "/v1/contacts", 201)
        ]
    );
    // Every demo contact with a number: Jane and the Lefèvres included, not Oliver and Lukas,
    // whose national UK and German numbers do not read in this French workspace.
    assert_eq!((report.counts.created, report.counts.unparseable), (9, 2));
    assert_eq!(
        by_intercom_id(&app)[JANE].len(),
        2,
        "4401 and Ringside's own"
    );

    app.sandbox
        .update_intercom_contact(JANE, |c| c.name = Some("Jane Doe".into()))
        .unwrap();
    app.sandbox
        .update_intercom_contact(PAUL, |c| c.phone = None)
        .unwrap();
    app.sandbox.remove_intercom_contact(CLAIRE).unwrap();
    let report = engine.run(SyncMode::Full).await.unwrap();
    assert_eq!((report.counts.updated, report.counts.deleted), (1, 2));

    assert_eq!(theirs(&app), before);
    for r in app.sandbox.aircall().requests() {
        for id in ["4401", "4402"] {
            assert!(
                !r.path.split('/').any(|part| part == id),
                "{} {} touched {id}",
                r.method,
                r.path
            );
        }
    }
}

#[tokio::test]
async fn unparseable_phones_are_listed_until_they_are_fixed() {
    let app = TestApp::with(Seed::empty()).await;
    app.unlimited();
    let add = |phone: &str| {
        app.sandbox
            .add_intercom_contact(ringside_sandbox::intercom::NewContact {
                role: Some(ringside_sandbox::intercom::Role::Lead),
                name: Some(format!("Typed {phone}")),
                phone: Some(phone.into()),
                ..Default::default()
            })
    };
    let bad = add("call me");
    let short = add("12");
    let good = add("06 45 67 89 01");
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(&dir);
    let engine = app.sync_engine(store.clone(), sync_options(), 10_000_000);
    let report = engine.run(SyncMode::Auto).await.unwrap();
    assert_eq!((report.counts.unparseable, report.counts.created), (2, 1));
    let listed = store.unparseable_contacts().unwrap();
    let mut expected = vec![(bad.clone(), "call me"), (short.clone(), "12")];
    expected.sort();
    let got: Vec<(String, &str)> = listed
        .iter()
        .map(|u| (u.intercom_id.clone(), u.phone.as_str()))
        .collect();
    assert_eq!(got, expected);
    let reasons: Vec<&str> = listed.iter().map(|u| u.reason.as_str()).collect();
    assert!(
        reasons.iter().any(|r| r.contains("no digits")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("too short")),
        "{reasons:?}"
    );
    aircall_of(&app, &good);

    app.sandbox
        .update_intercom_contact(&bad, |c| c.phone = Some("+44 20 7946 0000".into()))
        .unwrap();
    engine.run(SyncMode::Auto).await.unwrap();
    let listed: Vec<String> = store
        .unparseable_contacts()
        .unwrap()
        .into_iter()
        .map(|u| u.intercom_id)
        .collect();
    assert_eq!(listed, [short]);
    assert_eq!(
        aircall_of(&app, &bad).phone_numbers[0].value,
        "+442079460000"
    );
}

#[tokio::test]
async fn a_sync_stopped_half_way_resumes_without_duplicates() {
    let (app, generated) = TestApp::generated(300, 3).await;
    let dir = tempfile::tempdir().unwrap();
    let mut options = sync_options();
    options.per_page = 50;
    let start = |app: &TestApp| {
        let engine = Arc::new(app.sync_engine(store_in(&dir), options.clone(), 10_000_000));
        let progress = engine.progress();
        let task = tokio::spawn(async move { engine.run(SyncMode::Auto).await });
        (task, progress)
    };

    // Stopped while reading Intercom.
    app.sandbox
        .faults()
        .set_latency(Api::Intercom, Duration::from_millis(40));
    let (task, mut progress) = start(&app);
    progress
        .wait_for(|p| p.phase == SyncPhase::Scanning && p.seen >= 100)
        .await
        .unwrap();
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    assert_eq!(app.aircall_writes(0), []);
    app.sandbox
        .faults()
        .set_latency(Api::Intercom, Duration::ZERO);

    // Stopped while writing to Aircall, in the middle of a request if it so happens.
    app.sandbox
        .faults()
        .set_latency(Api::Aircall, Duration::from_millis(1));
    let (task, mut progress) = start(&app);
    progress
        .wait_for(|p| p.phase == SyncPhase::Pushing && p.created >= 60)
        .await
        .unwrap();
    task.abort();
    let _ = task.await;
    let written = app.sandbox.aircall().contacts().len();
    assert!(
        written >= 60 && written < numbered(&generated).len(),
        "{written}"
    );

    // Started again on the same database: it resumes, and every contact is there once.
    let (task, _) = start(&app);
    let report = task.await.unwrap().unwrap();
    assert!(report.resumed);
    assert_eq!(report.kind, RunKind::Full);
    assert_eq!(report.counts.seen, 300, "the scan was not read twice");
    assert_in_aircall(&app, &generated, &[]);
    let pages = app
        .sandbox
        .intercom()
        .requests()
        .iter()
        .filter(|r| r.path == "/contacts")
        .count();
    assert!(pages <= 7, "{pages} pages read for 6");
}

#[tokio::test]
async fn a_scan_whose_saved_cursor_expired_starts_over() {
    let (app, generated) = TestApp::generated(300, 16).await;
    let dir = tempfile::tempdir().unwrap();
    let mut options = sync_options();
    options.per_page = 50;
    app.sandbox
        .faults()
        .set_latency(Api::Intercom, Duration::from_millis(40));
    let engine = Arc::new(app.sync_engine(store_in(&dir), options.clone(), 10_000_000));
    let mut progress = engine.progress();
    let task = tokio::spawn(async move { engine.run(SyncMode::Auto).await });
    progress.wait_for(|p| p.seen >= 100).await.unwrap();
    task.abort();
    let _ = task.await;
    app.sandbox
        .faults()
        .set_latency(Api::Intercom, Duration::ZERO);

    app.sandbox.faults().fail_next(Api::Intercom, 1, 400);
    let engine = app.sync_engine(store_in(&dir), options, 10_000_000);
    let report = engine.run(SyncMode::Auto).await.unwrap();
    assert!(report.resumed);
    assert_eq!(report.counts.seen, 300, "counted once");
    let log = app.sandbox.intercom().requests();
    let refused: Vec<&str> = log
        .iter()
        .filter(|r| r.status == 400)
        .map(|r| r.path.as_str())
        .collect();
    assert_eq!(refused, ["/contacts"]);
    assert_in_aircall(&app, &generated, &[]);
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_is_found_not_repeated() {
    let (app, generated) = TestApp::generated(8, 9).await;
    app.sandbox.faults().lose_answer_next(Api::Aircall, 1);
    let dir = tempfile::tempdir().unwrap();
    let engine = app.sync_engine(store_in(&dir), sync_options(), 10_000_000);
    let report = engine.run(SyncMode::Auto).await.unwrap();
    assert_eq!(report.counts.created, numbered(&generated).len() as u64);
    assert_in_aircall(&app, &generated, &[]);
    let log = app.sandbox.aircall().requests();
    let creates = log
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/v1/contacts")
        .count();
    assert_eq!(creates, numbered(&generated).len(), "a create was repeated");
    assert_eq!(
        log.iter()
            .filter(|r| r.path == "/v1/contacts/search")
            .count(),
        1
    );
}

#[tokio::test]
async fn a_429_holds_every_request_until_the_reset() {
    let (app, generated) = TestApp::generated(10, 4).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = app.sync_engine(store_in(&dir), sync_options(), 10_000_000);
    app.sandbox
        .faults()
        .rate_limit_next(Api::Aircall, 1, Duration::from_secs(1));
    let started = Instant::now();
    engine.run(SyncMode::Auto).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_in_aircall(&app, &generated, &[]);
    let statuses: Vec<u16> = app.aircall_writes(0).iter().map(|r| r.status).collect();
    assert_eq!(statuses[0], 429);
    assert!(statuses[1..].iter().all(|s| *s == 201), "{statuses:?}");
    assert_eq!(statuses.len(), numbered(&generated).len() + 1);
}

#[tokio::test]
async fn the_aircall_budget_is_kept_without_a_single_429() {
    let (app, generated) = TestApp::generated(24, 6).await;
    // A company budget of ten requests a second, and Ringside's pacer set to the same.
    app.sandbox
        .faults()
        .set_aircall_limit(10, Duration::from_secs(1));
    let token = app.sandbox.credentials().aircall_api_token;
    let aircall = app.aircall_with(&token, 600, quick_http());
    aircall.pacer().set_budget(Budget {
        requests: 10,
        period: Duration::from_secs(1),
        burst: 1,
    });
    let dir = tempfile::tempdir().unwrap();
    let engine = SyncEngine::new(app.intercom(), aircall, store_in(&dir), sync_options());
    let started = Instant::now();
    engine.run(SyncMode::Auto).await.unwrap();
    let elapsed = started.elapsed().as_secs_f64();
    let writes = app.aircall_writes(0);
    assert_eq!(writes.len(), numbered(&generated).len());
    assert!(writes.iter().all(|r| r.status == 201), "{writes:?}");
    // One at once, then nine a second.
    let expected = (writes.len() - 1) as f64 / 9.0;
    assert!(
        elapsed >= expected * 0.95 && elapsed < expected + 1.5,
        "{} writes in {elapsed:.2}s",
        writes.len()
    );
    assert_in_aircall(&app, &generated, &[]);
}

#[tokio::test]
async fn a_dry_run_says_what_it_would_do_and_writes_nothing() {
    let (app, generated) = TestApp::generated(30, 8).await;
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(&dir);
    let engine = app.sync_engine(store.clone(), sync_options(), 10_000_000);
    let numbered = numbered(&generated);

    let plan = engine.dry_run(SyncMode::Auto).await.unwrap();
    assert_eq!(plan.kind, Some(RunKind::Full));
    assert_eq!(plan.create.len(), numbered.len());
    assert!(plan.update.is_empty() && plan.delete.is_empty());
    let first = plan
        .create
        .iter()
        .find(|p| p.intercom_id == numbered[0].0)
        .and_then(|p| p.target.as_ref())
        .expect("the first contact is planned");
    assert_eq!(Some(first.phone.as_str()), numbered[0].1.e164.as_deref());
    assert_eq!(app.aircall_writes(0), []);
    assert_eq!(store.contact_count().unwrap(), 0, "the index was written");
    assert_eq!(store.sync_todo_count().unwrap(), 0);
    assert_eq!(store.sync_last_done(None).unwrap(), None);

    engine.run(SyncMode::Auto).await.unwrap();
    let (renamed, dropped) = (&numbered[0].0, &numbered[1].0);
    app.sandbox
        .update_intercom_contact(renamed, |c| c.name = Some("New Name".into()))
        .unwrap();
    app.sandbox.remove_intercom_contact(dropped).unwrap();
    let from = app.aircall_count();
    let plan = engine.dry_run(SyncMode::Full).await.unwrap();
    assert!(plan.create.is_empty());
    let updated: Vec<&str> = plan.update.iter().map(|p| p.intercom_id.as_str()).collect();
    assert_eq!(updated, [renamed.as_str()]);
    assert_eq!(
        plan.update[0]
            .target
            .as_ref()
            .map(|t| t.first_name.as_str()),
        Some("New")
    );
    assert_eq!(
        plan.update[0]
            .current
            .as_ref()
            .map(|t| t.first_name.clone()),
        aircall_of(&app, renamed).first_name
    );
    let deleted: Vec<&str> = plan.delete.iter().map(|p| p.intercom_id.as_str()).collect();
    assert_eq!(deleted, [dropped.as_str()]);
    assert_eq!(plan.unchanged as usize, numbered.len() - 2);
    assert_eq!(app.aircall_writes(from), []);
    assert_eq!(
        store.sync_todo_count().unwrap(),
        0,
        "the mapping was written"
    );
}

#[tokio::test]
async fn the_card_answers_synced_numbers_from_the_index_and_searches_unknown_ones() {
    let app = TestApp::demo().await;
    app.unlimited();
    let store = Store::open_in_memory().unwrap();
    let engine = app.sync_engine(store.clone(), sync_options(), 10_000_000);
    engine.run(SyncMode::Auto).await.unwrap();
    let builder = CardBuilder::new(app.intercom(), Some(app.aircall()), store);
    let searches = || app.intercom_requests("/contacts/search").len();

    let before = searches();
    let card = builder
        .build(&CallerId::Number(e164(JANE_PHONE)), None)
        .await
        .unwrap();
    assert_eq!(card.contact.id.as_deref(), Some(JANE));
    let shared = builder
        .build(&CallerId::Number(e164(SHARED_PHONE)), None)
        .await
        .unwrap();
    assert_eq!(shared.contact.candidates.len(), 2);
    assert_eq!(searches(), before, "a synced number was searched");

    // A contact created since the sync is not in the index: its number is searched live.
    let id = app
        .sandbox
        .add_intercom_contact(ringside_sandbox::intercom::NewContact {
            role: Some(ringside_sandbox::intercom::Role::Lead),
            name: Some("Newcomer".into()),
            phone: Some("+33 6 70 70 70 70".into()),
            ..Default::default()
        });
    let card = builder
        .build(&CallerId::Number(e164("+33670707070")), None)
        .await
        .unwrap();
    assert_eq!(card.contact.id.as_deref(), Some(id.as_str()));
    assert_eq!(searches(), before + 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_index_is_trusted_once_intercom_is_listed_while_aircalls_writes_go_on() {
    let app = TestApp::demo().await;
    app.unlimited();
    let store = Store::open_in_memory().unwrap();
    // Aircall takes writes at its slowest: the run's Aircall side lasts long after the listing.
    let engine = app.sync_engine(store.clone(), sync_options(), 2);
    let run = tokio::spawn(async move { engine.run(SyncMode::Auto).await });
    until("Intercom listed", Duration::from_secs(10), || {
        store
            .sync_open_run()
            .unwrap()
            .is_some_and(|r| r.phase == RunPhase::Push)
    })
    .await;
    assert!(
        store.sync_todo_count().unwrap() > 0,
        "Aircall's writes still wait"
    );

    let builder = CardBuilder::new(app.intercom(), Some(app.aircall()), store.clone());
    let searches = || app.intercom_requests("/contacts/search").len();
    let before = searches();
    let card = builder
        .build(&CallerId::Number(e164(JANE_PHONE)), None)
        .await
        .unwrap();
    assert_eq!(card.contact.id.as_deref(), Some(JANE));
    assert_eq!(searches(), before, "an indexed number was searched live");
    run.abort();
}

#[tokio::test]
async fn the_roles_setting_chooses_who_goes_to_aircall() {
    let (app, generated) = TestApp::generated(40, 12).await;
    let role_of = |id: &str| {
        app.sandbox
            .intercom()
            .contact(id)
            .map(|c| c.role)
            .expect("a contact")
    };
    let leads: Vec<&String> = numbered(&generated)
        .into_iter()
        .map(|(id, _)| id)
        .filter(|id| role_of(id) == ringside_sandbox::intercom::Role::Lead)
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let mut options = sync_options();
    options.roles = Roles::Leads;
    let engine = app.sync_engine(store_in(&dir), options.clone(), 10_000_000);
    engine.run(SyncMode::Auto).await.unwrap();
    let mut synced: Vec<String> = by_intercom_id(&app).into_keys().collect();
    synced.sort();
    let mut expected: Vec<String> = leads.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(synced, expected);

    // Users only now: the change of setting forces a full run that swaps them.
    options.roles = Roles::Users;
    let engine = app.sync_engine(store_in(&dir), options, 10_000_000);
    let report = engine.run(SyncMode::Auto).await.unwrap();
    assert_eq!(report.kind, RunKind::Full);
    assert_eq!(report.counts.deleted as usize, leads.len());
    let synced = by_intercom_id(&app);
    assert!(leads.iter().all(|id| !synced.contains_key(id.as_str())));
    assert_eq!(synced.len(), numbered(&generated).len() - leads.len());
}

#[tokio::test]
async fn a_second_sync_on_the_same_database_waits_its_turn() {
    let (app, _) = TestApp::generated(30, 2).await;
    app.sandbox
        .faults()
        .set_latency(Api::Aircall, Duration::from_millis(15));
    let dir = tempfile::tempdir().unwrap();
    let first = Arc::new(app.sync_engine(store_in(&dir), sync_options(), 10_000_000));
    let mut progress = first.progress();
    let running = tokio::spawn({
        let first = first.clone();
        async move { first.run(SyncMode::Auto).await }
    });
    progress
        .wait_for(|p| p.phase == SyncPhase::Pushing)
        .await
        .unwrap();
    let second = app.sync_engine(store_in(&dir), sync_options(), 10_000_000);
    let busy = second.run(SyncMode::Auto).await;
    assert!(matches!(busy, Err(SyncError::Busy { .. })), "{busy:?}");
    assert!(busy
        .unwrap_err()
        .to_string()
        .contains("another contact sync"));
    running.await.unwrap().unwrap();
    let after = second.run(SyncMode::Auto).await.unwrap();
    assert_eq!(after.counts.created, 0);
}

#[tokio::test]
async fn the_runner_syncs_at_once_then_when_asked_and_stops_when_dropped() {
    let (app, _) = TestApp::generated(20, 13).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = Arc::new(app.sync_engine(store_in(&dir), sync_options(), 10_000_000));
    let handle = SyncRunner::new(engine, Duration::from_secs(3_600)).spawn();
    let mut outcomes = handle.outcomes();
    let first = outcomes.wait_for(Option::is_some).await.unwrap().clone();
    let Some(RunOutcome::Finished(first)) = first else {
        panic!("{first:?}");
    };
    assert_eq!(first.kind, RunKind::Full);

    let id = app
        .sandbox
        .add_intercom_contact(ringside_sandbox::intercom::NewContact {
            role: Some(ringside_sandbox::intercom::Role::Lead),
            phone: Some("+33 6 70 70 70 71".into()),
            ..Default::default()
        });
    handle.run_now(false);
    let second = outcomes
        .wait_for(|o| matches!(o, Some(RunOutcome::Finished(r)) if r.run_id != first.run_id))
        .await
        .unwrap()
        .clone();
    let Some(RunOutcome::Finished(second)) = second else {
        panic!("{second:?}");
    };
    assert_eq!(
        (second.kind, second.counts.created),
        (RunKind::Incremental, 1)
    );
    assert_eq!(
        aircall_of(&app, &id).first_name.as_deref(),
        Some("+33670707071")
    );
    assert_eq!(handle.progress().borrow().phase, SyncPhase::Done);
    handle.shutdown().await;
}

#[tokio::test]
async fn a_contact_aircall_refuses_is_recorded_and_retried_only_once_changed() {
    let (app, generated) = TestApp::generated(6, 14).await;
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(&dir);
    let engine = app.sync_engine(store.clone(), sync_options(), 10_000_000);
    app.sandbox.faults().fail_next(Api::Aircall, 1, 422);
    let report = engine.run(SyncMode::Auto).await.unwrap();
    let numbered = numbered(&generated);
    assert_eq!(
        (report.counts.failed, report.counts.created),
        (1, numbered.len() as u64 - 1)
    );
    let failures = store.sync_failures().unwrap();
    assert_eq!(failures.len(), 1);
    assert!(failures[0].1.contains("422"), "{failures:?}");
    let refused = failures[0].0.clone();

    let from = app.aircall_count();
    engine.run(SyncMode::Auto).await.unwrap();
    assert_eq!(
        app.aircall_writes(from),
        [],
        "the refusal was retried as it is"
    );
    app.sandbox
        .update_intercom_contact(&refused, |c| c.name = Some("Fixed Name".into()))
        .unwrap();
    let report = engine.run(SyncMode::Auto).await.unwrap();
    assert_eq!(report.counts.created, 1);
    assert!(store.sync_failures().unwrap().is_empty());
    assert_in_aircall(
        &app,
        &generated_with(&generated, &refused, "Fixed", "Name"),
        &[],
    );
}

/// The generated contacts, with one renamed.
fn generated_with(
    generated: &[(String, GeneratedContact)],
    id: &str,
    first: &str,
    last: &str,
) -> Vec<(String, GeneratedContact)> {
    generated
        .iter()
        .cloned()
        .map(|(i, mut g)| {
            if i == id {
                g.name_parts = Some((first.to_owned(), Some(last.to_owned())));
            }
            (i, g)
        })
        .collect()
}

#[tokio::test]
async fn a_dead_network_stops_the_run_which_then_resumes() {
    let (app, generated) = TestApp::generated(12, 15).await;
    let dir = tempfile::tempdir().unwrap();
    let mut options = sync_options();
    options.patience = Duration::from_millis(300);
    let engine = app.sync_engine(store_in(&dir), options.clone(), 10_000_000);
    app.sandbox.faults().drop_next(Api::Aircall, 10_000);
    let started = Instant::now();
    let stopped = engine.run(SyncMode::Auto).await;
    assert!(
        matches!(stopped, Err(SyncError::Api(ref e)) if e.is_transient()),
        "{stopped:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(engine.progress().borrow().phase, SyncPhase::Stopped);
    assert!(app.sandbox.aircall().contacts().is_empty());

    app.sandbox.faults().clear();
    let report = engine.run(SyncMode::Auto).await.unwrap();
    assert!(report.resumed);
    assert_in_aircall(&app, &generated, &[]);
}
