//! Desktop notifications (notify-rust, the freedesktop notification service): an incoming call
//! with the caller's name, type and conversation owner. Clicking it focuses the card.

use ringside_core::aircall::Availability;
use ringside_core::card::{Card, ContactStatus};
use ringside_core::intercom::Role;

use crate::i18n::{text_in, Arg, Lang};

/// The notification's title and body for a card, in `lang`.
pub fn incoming_call(lang: Lang, card: &Card) -> (String, String) {
    let contact = &card.contact;
    let name = || Arg::from(contact.name.as_str());
    let kind = || {
        Arg::from(match contact.kind {
            Some(Role::User) => "user",
            _ => "lead",
        })
    };
    let who = match contact.status {
        ContactStatus::New => text_in(
            lang,
            "notify-who-new",
            &[("name", name()), ("kind", kind())],
        ),
        ContactStatus::Anonymous => text_in(lang, "notify-who-anonymous", &[]),
        ContactStatus::Ambiguous => text_in(
            lang,
            "notify-who-shared",
            &[("name", name()), ("count", contact.candidates.len().into())],
        ),
        ContactStatus::Existing => text_in(
            lang,
            "notify-who-known",
            &[("name", name()), ("kind", kind())],
        ),
    };
    let owner = card.conversation.as_ref().and_then(|c| c.owner.as_ref());
    let body = match owner {
        Some(owner) => match owner.availability {
            Some(a) => text_in(
                lang,
                "notify-owner-availability",
                &[
                    ("owner", owner.name.as_str().into()),
                    ("availability", availability(lang, a).into()),
                ],
            ),
            None => text_in(
                lang,
                "notify-owner",
                &[("owner", owner.name.as_str().into())],
            ),
        },
        None if card.conversation.is_none() => text_in(lang, "notify-no-conversation", &[]),
        None => text_in(lang, "notify-unassigned", &[]),
    };
    (
        text_in(lang, "notify-incoming", &[("who", who.into())]),
        body,
    )
}

/// An Aircall availability in words, in `lang`.
pub fn availability(lang: Lang, a: Availability) -> String {
    let key = match a {
        Availability::Available => "available",
        Availability::InCall => "in-call",
        Availability::AfterCallWork => "after-call-work",
        Availability::DoNotDisturb => "do-not-disturb",
        Availability::Offline => "offline",
    };
    text_in(lang, "availability", &[("availability", key.into())])
}

/// Shows the notification in the app's language; `on_click` runs if the agent clicks it.
/// Returns at once.
pub fn show(card: &Card, on_click: impl FnOnce() + Send + 'static) {
    let lang = crate::i18n::current();
    let (summary, body) = incoming_call(lang, card);
    let action = text_in(lang, "notify-show-card", &[]);
    std::thread::spawn(move || {
        let shown = notify_rust::Notification::new()
            .appname("Ringside")
            .summary(&summary)
            .body(&body)
            .icon("call-start")
            .action("default", &action)
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
            incoming_call(
                Lang::Fr,
                &card(ContactStatus::Existing, "Jane Roe", Some(owned.clone()))
            ),
            (
                "Appel entrant : Jane Roe (Prospect)".to_owned(),
                "Responsable de la conversation : Bob Martin (en appel)".to_owned()
            )
        );
        assert_eq!(
            incoming_call(
                Lang::En,
                &card(ContactStatus::Existing, "Jane Roe", Some(owned))
            ),
            (
                "Incoming call: Jane Roe (Lead)".to_owned(),
                "Conversation owner: Bob Martin (in a call)".to_owned()
            )
        );
        assert_eq!(
            incoming_call(Lang::En, &card(ContactStatus::New, "+33650505050", None)),
            (
                "Incoming call: +33650505050 — Aircall new lead".to_owned(),
                "No previous conversation".to_owned()
            )
        );
    }
}
