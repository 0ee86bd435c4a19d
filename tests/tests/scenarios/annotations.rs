//! Aircall comments and tags after the call: one note per comment, tags within the window.

use super::*;

#[tokio::test(flavor = "multi_thread")]
async fn each_aircall_comment_becomes_exactly_one_note_even_when_redelivered() {
    let scenario = Scenario::tags_and_comments(demo::JANE, demo::SUPPORT_FR, demo::BOB);
    let run = Run::of(scenario, Settings::default()).await;
    // Aircall delivers at least once: every `call.commented` (the second one carries both
    // comments) arrives again.
    for envelope in &run.played.staged.envelopes {
        if envelope.event == "call.commented" {
            assert_eq!(run.player().deliver(envelope).await.unwrap(), 200);
        }
    }
    run.settle().await;
    let comments: Vec<String> = notes(&run.only(JANE))
        .into_iter()
        .filter(|n| n.contains("Note in Aircall"))
        .collect();
    assert_eq!(
        comments,
        [
            "<p><b>Note in Aircall by Bob Martin:</b> Wants a refund for order 1042.</p>",
            "<p><b>Note in Aircall by Bob Martin:</b> Called back: refund sent.</p>",
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tags_sync_within_two_hours_of_the_end_and_later_ones_are_ignored() {
    let scenario = Scenario::tags_and_comments(demo::JANE, demo::SUPPORT_FR, demo::BOB);
    let run = Run::of(scenario, Settings::default()).await;
    let conversation = run.only(JANE);
    let tags: Vec<&str> = conversation.tags.iter().map(|t| t.name.as_str()).collect();
    // Interested stays, Callback was put on and taken off, VIP came three hours late.
    assert_eq!(tags, ["Interested"]);
    let workspace: Vec<String> = run
        .app
        .sandbox
        .intercom()
        .tags()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert!(
        workspace.contains(&"Interested".to_owned()),
        "created in Intercom: {workspace:?}"
    );
    let detached = run
        .app
        .sandbox
        .intercom()
        .requests()
        .into_iter()
        .filter(|r| {
            r.method == "DELETE"
                && r.path
                    .starts_with(&format!("/conversations/{}/tags/", conversation.id))
        })
        .count();
    assert_eq!(detached, 1, "Callback was removed once");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wider_tag_window_lets_a_later_tag_through() {
    let settings = Settings {
        tag_window_secs: 4 * 3600,
        ..Settings::default()
    };
    let scenario = Scenario::tags_and_comments(demo::JANE, demo::SUPPORT_FR, demo::BOB);
    let run = Run::of(scenario, settings).await;
    let conversation = run.only(JANE);
    let tags: Vec<&str> = conversation.tags.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(tags, ["Interested", "VIP"]);
}
