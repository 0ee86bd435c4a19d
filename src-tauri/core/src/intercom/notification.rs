//! Intercom's webhook notifications about contacts: the signature check and the typed
//! notification the hub stores and the sync engine applies.
//!
//! Intercom signs each delivery with `X-Hub-Signature: sha1=<hex>`, the HMAC-SHA1 of the raw
//! body keyed with the app's client secret. A notification is a `notification_event` whose
//! `data.item` is the contact (or, for a deletion, at least its `type` and `id`; the exact fields
//! of a deletion are not documented, so only `id` is required). A merge names the contact that
//! was merged away in `data.item.merged_from.id`.

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha1::Sha1;

/// The header Intercom signs its deliveries in.
pub const SIGNATURE_HEADER: &str = "x-hub-signature";

/// The topic of a teammate's away mode changing, which presence acts on (ticked in Intercom's
/// Developer Hub beside [`CONTACT_TOPICS`]).
pub const AWAY_TOPIC: &str = "admin.away_mode_updated";

/// The topics the hub asks for (ticked in Intercom's Developer Hub) and acts on.
pub const CONTACT_TOPICS: &[&str] = &[
    "contact.user.created",
    "contact.lead.created",
    "contact.user.updated",
    "contact.lead.updated",
    "contact.deleted",
    "contact.merged",
    "contact.archived",
    "contact.unarchived",
];

/// The `X-Hub-Signature` value for `body` under `secret`: `sha1=` and 40 hex digits.
pub fn sign(secret: &str, body: &[u8]) -> String {
    // HMAC takes a key of any length: this cannot fail.
    #[allow(clippy::expect_used)]
    let mut mac =
        Hmac::<Sha1>::new_from_slice(secret.as_bytes()).expect("HMAC accepts a key of any length");
    mac.update(body);
    format!("sha1={}", hex::encode(mac.finalize().into_bytes()))
}

/// Whether `header` is the signature of `body` under `secret`, compared in constant time. The
/// algorithm prefix is read without regard to case; anything but SHA-1 is refused.
pub fn signature_matches(secret: &str, body: &[u8], header: &str) -> bool {
    let Some((algorithm, digest)) = header.trim().split_once('=') else {
        return false;
    };
    if !algorithm.eq_ignore_ascii_case("sha1") {
        return false;
    }
    let Ok(digest) = hex::decode(digest.trim()) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&digest).is_ok()
}

/// What a notification asks of the local index and of Aircall.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The contact was created, changed or brought back: read it from Intercom and keep its
    /// current state (the payload may be older than another notification already applied).
    Refresh {
        /// The contact.
        contact_id: String,
    },
    /// The contact was deleted or archived: it leaves the index and Aircall.
    Remove {
        /// The contact.
        contact_id: String,
    },
    /// `merged` was merged into `survivor`: the first leaves, the second is read again.
    Merge {
        /// The contact that remains.
        survivor: String,
        /// The contact merged away.
        merged: String,
    },
    /// A teammate's away mode changed, whoever changed it (`admin.away_mode_updated`):
    /// presence tells the agent's own changes from its own.
    AwayMode {
        /// The teammate's Intercom id.
        admin_id: String,
        /// Their email, when the payload has it.
        email: Option<String>,
        /// Their away mode as the notification shows it.
        away: super::AwayMode,
    },
    /// A topic Ringside does not act on (Intercom's `ping`, tag changes…): stored and ignored.
    Ignored,
}

/// One notification, read from its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// Intercom's id for the notification (`notif_…`): a redelivery carries the same one.
    pub id: String,
    /// The topic, e.g. `contact.lead.created`.
    pub topic: String,
    /// What it changes.
    pub change: Change,
    /// When Intercom created it, UNIX seconds (0 when absent).
    pub created_at: i64,
}

/// Why a body is not a notification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotificationError {
    /// Not JSON, or not an object.
    #[error("the body is not a JSON object")]
    NotJson,
    /// A field the notification cannot do without is missing or empty.
    #[error("the notification has no `{0}`")]
    Missing(&'static str),
}

impl Notification {
    /// Reads a notification's body.
    pub fn parse(body: &[u8]) -> Result<Self, NotificationError> {
        let value: Value = serde_json::from_slice(body).map_err(|_| NotificationError::NotJson)?;
        if !value.is_object() {
            return Err(NotificationError::NotJson);
        }
        let text = |v: &Value| match v {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        };
        let id = text(&value["id"]).ok_or(NotificationError::Missing("id"))?;
        let topic = text(&value["topic"]).ok_or(NotificationError::Missing("topic"))?;
        let created_at = value["created_at"].as_i64().unwrap_or(0);
        let item = &value["data"]["item"];
        let contact_id = || text(&item["id"]).ok_or(NotificationError::Missing("data.item.id"));
        let change = match topic.as_str() {
            "contact.user.created"
            | "contact.lead.created"
            | "contact.user.updated"
            | "contact.lead.updated"
            | "contact.unarchived"
            | "contact.unarchive"
            | "contact.lead.signed_up"
            | "contact.email.updated"
            | "contact.lead.added_email" => Change::Refresh {
                contact_id: contact_id()?,
            },
            "contact.deleted" | "contact.archived" => Change::Remove {
                contact_id: contact_id()?,
            },
            "contact.merged" => Change::Merge {
                survivor: contact_id()?,
                merged: text(&item["merged_from"]["id"])
                    .ok_or(NotificationError::Missing("data.item.merged_from.id"))?,
            },
            "admin.away_mode_updated" => Change::AwayMode {
                admin_id: text(&item["id"]).ok_or(NotificationError::Missing("data.item.id"))?,
                email: text(&item["email"]),
                away: super::AwayMode::of_admin(item),
            },
            _ => Change::Ignored,
        };
        Ok(Notification {
            id,
            topic,
            change,
            created_at,
        })
    }

    /// The contacts it concerns (for the record).
    pub fn contact_ids(&self) -> Vec<&str> {
        match &self.change {
            Change::Refresh { contact_id } | Change::Remove { contact_id } => vec![contact_id],
            Change::Merge { survivor, merged } => vec![survivor, merged],
            Change::AwayMode { .. } | Change::Ignored => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_intercoms_hmac_sha1_of_the_raw_body() {
        // Computed independently: printf '%s' '{"a":1}' | openssl dgst -sha1 -hmac secret
        let body = br#"{"a":1}"#;
        let expected = "sha1=f8446672f033e4b2beafc5ca3a71eafcd2cafb6e";
        let signed = sign("secret", body);
        assert_eq!(signed, expected);
        assert!(signature_matches("secret", body, &signed));
        assert!(signature_matches(
            "secret",
            body,
            &signed.to_uppercase().replacen("SHA1", "sha1", 1)
        ));
        assert!(!signature_matches("other", body, &signed));
        assert!(!signature_matches("secret", br#"{"a":2}"#, &signed));
        assert!(!signature_matches("secret", body, "sha256=00"));
        assert!(!signature_matches("secret", body, "sha1=zz"));
        assert!(!signature_matches("secret", body, ""));
    }

    #[test]
    fn each_topic_becomes_its_change() {
        let n = |topic: &str, item: &str| {
            Notification::parse(
                format!(r#"{{"type":"notification_event","id":"notif_1","topic":"{topic}","created_at":5,"data":{{"type":"notification_event_data","item":{item}}}}}"#)
                    .as_bytes(),
            )
        };
        assert_eq!(
            n(
                "contact.lead.created",
                r#"{"type":"contact","id":"c1","role":"lead"}"#
            )
            .unwrap()
            .change,
            Change::Refresh {
                contact_id: "c1".into()
            }
        );
        assert_eq!(
            n("contact.deleted", r#"{"type":"contact","id":"c2"}"#)
                .unwrap()
                .change,
            Change::Remove {
                contact_id: "c2".into()
            }
        );
        assert_eq!(
            n(
                "contact.merged",
                r#"{"type":"contact","id":"u1","merged_from":{"type":"contact","id":"l1"}}"#
            )
            .unwrap()
            .change,
            Change::Merge {
                survivor: "u1".into(),
                merged: "l1".into()
            }
        );
        assert_eq!(n("ping", "{}").unwrap().change, Change::Ignored);
        assert_eq!(
            n(
                "admin.away_mode_updated",
                r#"{"type":"admin","id":"991","email":"Bob@acme.io","away_mode_enabled":true,"away_mode_reassign":false,"away_status_reason_id":7}"#
            )
            .unwrap()
            .change,
            Change::AwayMode {
                admin_id: "991".into(),
                email: Some("Bob@acme.io".into()),
                away: super::super::AwayMode {
                    enabled: true,
                    reassign: false,
                    reason_id: Some(7)
                }
            }
        );
        assert_eq!(
            n("contact.deleted", r#"{"type":"contact"}"#),
            Err(NotificationError::Missing("data.item.id"))
        );
        assert_eq!(
            n("contact.merged", r#"{"type":"contact","id":"u1"}"#),
            Err(NotificationError::Missing("data.item.merged_from.id"))
        );
        assert_eq!(Notification::parse(b"[1]"), Err(NotificationError::NotJson));
        assert_eq!(
            Notification::parse(br#"{"topic":"contact.deleted"}"#),
            Err(NotificationError::Missing("id"))
        );
    }
}
