//! The call's own part of the card: the conversation the call is logged in and the tags on it,
//! as Intercom has them, with the agents' tag changes the outbox has not made yet.
//!
//! The card's `conversation` is the caller's last conversation before the call; this one is the
//! conversation the hub started for the call, which the agents' tag and note routes write to.
//! It is read live (Intercom's tags change outside Ringside too); when Intercom does not answer,
//! the card still comes, with the pending changes and the reason.

use super::{CallConversation, CallTag, CardBuilder, CardError, TagState};
use crate::domain::subject::Subject;
use crate::intercom::{self, Tag};
use crate::pacing::Priority;
use crate::rules::Effect;
use crate::store::EffectState;

impl CardBuilder {
    /// The call's conversation and its tags, for a call the hub tracks.
    pub async fn call_conversation(
        &self,
        subject: &Subject,
    ) -> Result<CallConversation, CardError> {
        let key = subject.key();
        let pending: Vec<Effect> = self
            .store
            .run(move |s| s.outbox_of(&key))
            .await?
            .into_iter()
            .filter(|row| {
                matches!(
                    row.state,
                    EffectState::Pending | EffectState::InFlight | EffectState::Blocked
                )
            })
            .map(|row| row.effect)
            .collect();
        let Some(id) = subject.conversation_id.clone() else {
            return Ok(CallConversation {
                id: None,
                url: None,
                tags: merge_tags(Vec::new(), &pending),
                tags_error: None,
            });
        };
        let url = match self.workspace_id().await {
            Ok(workspace) => Some(intercom::conversation_url(&workspace, &id)),
            Err(e) => {
                tracing::warn!(error = %e, "no Intercom workspace for the call's link");
                None
            }
        };
        let (applied, tags_error) = match self
            .intercom
            .at(Priority::Interactive)
            .conversation(&id)
            .await
        {
            Ok(conversation) => (conversation.tags, None),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the call's conversation tags");
                (Vec::new(), Some(e.to_string()))
            }
        };
        Ok(CallConversation {
            tags: merge_tags(applied, &pending),
            id: Some(id),
            url,
            tags_error,
        })
    }
}

/// The tags on the conversation, then the queued tag changes in order (names compare without
/// regard to case, as in Intercom).
fn merge_tags(applied: Vec<Tag>, pending: &[Effect]) -> Vec<CallTag> {
    let mut tags: Vec<CallTag> = applied
        .into_iter()
        .map(|t| CallTag {
            name: t.name,
            id: Some(t.id),
            state: TagState::Applied,
        })
        .collect();
    for effect in pending {
        match effect {
            Effect::Tag { name, .. } => match tags.iter_mut().find(|t| same(&t.name, name)) {
                // Taken off, then put back: it stays.
                Some(t) if t.id.is_some() => t.state = TagState::Applied,
                Some(_) => {}
                None => tags.push(CallTag {
                    name: name.clone(),
                    id: None,
                    state: TagState::Adding,
                }),
            },
            Effect::Untag { name, .. } => {
                if let Some(i) = tags.iter().position(|t| same(&t.name, name)) {
                    if tags[i].id.is_some() {
                        tags[i].state = TagState::Removing;
                    } else {
                        tags.remove(i);
                    }
                }
            }
            _ => {}
        }
    }
    tags
}

fn same(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(name: &str) -> Effect {
        Effect::Tag {
            name: name.into(),
            author_email: None,
        }
    }

    fn untag(name: &str) -> Effect {
        Effect::Untag {
            name: name.into(),
            author_email: None,
        }
    }

    fn states(tags: &[CallTag]) -> Vec<(&str, TagState)> {
        tags.iter().map(|t| (t.name.as_str(), t.state)).collect()
    }

    #[test]
    fn queued_changes_show_on_top_of_the_conversations_tags() {
        let applied = vec![
            Tag {
                id: "1".into(),
                name: "VIP".into(),
            },
            Tag {
                id: "2".into(),
                name: "Billing".into(),
            },
        ];
        let pending = [
            tag("Refund"),
            untag("billing"),
            tag("vip"),
            tag("Callback"),
            untag("Callback"),
            untag("Never there"),
        ];
        let merged = merge_tags(applied, &pending);
        assert_eq!(
            states(&merged),
            [
                ("VIP", TagState::Applied),
                ("Billing", TagState::Removing),
                ("Refund", TagState::Adding),
            ]
        );
        assert_eq!(merged[0].id.as_deref(), Some("1"));
        assert_eq!(merged[2].id, None);
        // Taken off, then put back before the outbox ran: it stays on.
        let again = merge_tags(
            vec![Tag {
                id: "2".into(),
                name: "Billing".into(),
            }],
            &[untag("Billing"), tag("Billing")],
        );
        assert_eq!(states(&again), [("Billing", TagState::Applied)]);
    }
}
