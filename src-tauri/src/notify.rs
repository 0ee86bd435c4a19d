//! Desktop notifications (notify-rust, the freedesktop notification service): an incoming call
//! with the caller's name, type and conversation owner. Clicking it focuses the card.

use ringside_core::aircall::Availability;
use ringside_core::card::{Card, ContactStatus};
use ringside_core::intercom::Role;

/// The notification's title and body for a card.
pub fn incoming_call(card: &Card) -> (String, String) {
    let contact = &card.contact;
    let name = contact.name.as_str();
    let kind = match contact.kind {
        Some(Role::User) => "User",
        _ => "Lead",
    };
    let who = match contact.status {
        ContactStatus::New => format!("{name} — Aircall new {}", kind.to_lowercase()),
        ContactStatus::Anonymous => "Anonymous caller".to_owned(),
        ContactStatus::Ambiguous => format!(
            "{name} — {} contacts share this number",
            contact.candidates.len()
        ),
        ContactStatus::Existing => format!("{name} ({kind})"),
    };
    let owner = card.conversation.as_ref().and_then(|c| c.owner.as_ref());
    let body = match owner {
        Some(owner) => match owner.availability {
            Some(a) => format!("Conversation owner: {} ({})", owner.name, availability(a)),
            None => format!("Conversation owner: {}", owner.name),
        },
        None if card.conversation.is_none() => "No previous conversation".to_owned(),
        None => "The conversation is unassigned".to_owned(),
    };
    (format!("Incoming call: {who}"), body)
}

/// An Aircall availability in words.
pub fn availability(a: Availability) -> &'static str {
    match a {
        Availability::Available => "available",
        Availability::InCall => "in a call",
        Availability::AfterCallWork => "after-call work",
        Availability::DoNotDisturb => "do not disturb",
        Availability::Offline => "offline",
    }
}

/// Shows the notification; `on_click` runs if the agent clicks it. Returns at once.
pub fn show(card: &Card, on_click: impl FnOnce() + Send + 'static) {
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
    use ringside_core::card::{CardContact, CardConversation, Owner};
    use ringside_core::intercom::ConversationState;

    fn card(status: ContactStatus, name: &str, conversation: Option<CardConversation>) -> Card {
        Card {
            call_id: Some(1),
            phone: Some("+33650505050".into()),
            contact: CardContact {
                status,
                id: None,
                name: name.into(),
                kind: Some(Role::Lead),
                url: None,
                candidates: Vec::new(),
            },
            conversation,
            call_conversation: None,
        }
    }

    #[test]
    fn the_notification_names_the_caller_type_and_owner() {
        let owned = CardConversation {
            id: "1".into(),
            state: ConversationState::Open,
            url: "https://app.intercom.com/c/1".into(),
            owner: Some(Owner {
                name: "Bob Martin".into(),
                email: None,
                availability: Some(Availability::InCall),
            }),
            tags: Vec::new(),
        };
        assert_eq!(
            incoming_call(&card(ContactStatus::Existing, "Jane Roe", Some(owned))),
            (
                "Incoming call: Jane Roe (Lead)".to_owned(),
                "Conversation owner: Bob Martin (in a call)".to_owned()
            )
        );
        assert_eq!(
            incoming_call(&card(ContactStatus::New, "+33650505050", None)),
            (
                "Incoming call: +33650505050 — Aircall new lead".to_owned(),
                "No previous conversation".to_owned()
            )
        );
    }
}
