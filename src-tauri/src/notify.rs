//! Desktop notifications (notify-rust, the freedesktop notification service): an incoming call
//! with the caller's name, type and conversation owner. Clicking it focuses the card.

use serde_json::Value;

/// The notification's title and body for a card.
pub fn incoming_call(card: &Value) -> (String, String) {
    let contact = &card["contact"];
    let name = contact["name"].as_str().unwrap_or("Unknown caller");
    let kind = match contact["type"].as_str() {
        Some("user") => "User",
        _ => "Lead",
    };
    let who = match contact["status"].as_str() {
        Some("new") => format!("{name} — Aircall new {}", kind.to_lowercase()),
        Some("anonymous") => "Anonymous caller".to_owned(),
        Some("ambiguous") => format!(
            "{name} — {} contacts share this number",
            contact["candidates"].as_array().map_or(0, Vec::len)
        ),
        _ => format!("{name} ({kind})"),
    };
    let owner = &card["conversation"]["owner"];
    let body = match owner["name"].as_str() {
        Some(owner_name) => match owner["availability"].as_str() {
            Some(a) => format!("Conversation owner: {owner_name} ({})", availability(a)),
            None => format!("Conversation owner: {owner_name}"),
        },
        None if card["conversation"].is_null() => "No previous conversation".to_owned(),
        None => "The conversation is unassigned".to_owned(),
    };
    (format!("Incoming call: {who}"), body)
}

/// An Aircall availability in words.
pub fn availability(a: &str) -> &'static str {
    match a {
        "available" => "available",
        "in_call" => "in a call",
        "after_call_work" => "after-call work",
        "do_not_disturb" => "do not disturb",
        "offline" => "offline",
        _ => "unknown",
    }
}

/// Shows the notification; `on_click` runs if the agent clicks it. Returns at once.
pub fn show(card: &Value, on_click: impl FnOnce() + Send + 'static) {
    let (summary, body) = incoming_call(card);
    std::thread::spawn(move || {
        let shown = notify_rust::Notification::new()
            .appname("Ringside")
            .summary(&summary)
            .body(&body)
            .icon("call-start")
            .action("default", "Show the card")
            .show();
        match shown {
            #[cfg(all(unix, not(target_os = "macos")))]
            Ok(handle) => handle.wait_for_action(|action| {
                if action == "default" {
                    on_click();
                }
            }),
            #[cfg(not(all(unix, not(target_os = "macos"))))]
            Ok(_) => drop(on_click),
            Err(e) => tracing::warn!(error = %e, "cannot show a notification"),
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_notification_names_the_caller_type_and_owner() {
        let card = json!({
            "contact": {"status": "existing", "name": "Jane Roe", "type": "lead", "candidates": []},
            "conversation": {"owner": {"name": "Bob Martin", "availability": "in_call"}}
        });
        assert_eq!(
            incoming_call(&card),
            (
                "Incoming call: Jane Roe (Lead)".to_owned(),
                "Conversation owner: Bob Martin (in a call)".to_owned()
            )
        );
        let new = json!({"contact": {"status": "new", "name": "+33650505050", "type": "lead"}, "conversation": null});
        assert_eq!(
            incoming_call(&new),
            (
                "Incoming call: +33650505050 — Aircall new lead".to_owned(),
                "No previous conversation".to_owned()
            )
        );
    }
}
