//! Conversation attributes (`GET`/`POST /conversations/attributes`, a list's options through
//! `POST /conversations/attributes/{id}/options`) and a conversation's custom attributes
//! (`PUT /conversations/{id}`), which carry a call's outcome ("Call outcome", a list) into
//! Intercom. `GET /data_attributes?model=conversation` is refused since 2.16, so these are the
//! only routes used.

use reqwest::Method;
use serde_json::json;

use super::wire::{WireAttribute, WireAttributeList};
use super::IntercomClient;
use crate::error::{Api, ApiError};
use crate::transport::{path_segment, Call};

/// A conversation attribute of the workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationAttribute {
    /// Intercom's id (a number in 2.16, kept as text).
    pub id: String,
    /// Its name, as teammates see it ("Call outcome").
    pub name: String,
    /// `string`, `list`, `integer`, …
    pub data_type: String,
    /// Archived attributes take no value.
    pub archived: bool,
    /// A list's options; empty for other types.
    pub options: Vec<AttributeOption>,
}

/// One option of a list attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeOption {
    /// Intercom's id (a UUID), when it gave one.
    pub id: Option<String>,
    /// The option's label: the value a conversation takes.
    pub label: String,
    /// Archived options cannot be chosen.
    pub archived: bool,
}

impl ConversationAttribute {
    /// Whether it is a list, which accepts only one of its options.
    pub fn is_list(&self) -> bool {
        self.data_type.eq_ignore_ascii_case("list")
    }

    /// The option (not archived) whose label is `label` in any letter case.
    pub fn option(&self, label: &str) -> Option<&AttributeOption> {
        self.options
            .iter()
            .filter(|o| !o.archived)
            .find(|o| same_label(&o.label, label))
    }

    /// Whether its name is `name` in any letter case.
    pub fn is_named(&self, name: &str) -> bool {
        same_label(&self.name, name)
    }
}

/// Two labels that read the same: trimmed, in any letter case.
pub fn same_label(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

impl From<WireAttribute> for ConversationAttribute {
    fn from(w: WireAttribute) -> Self {
        ConversationAttribute {
            id: w.id,
            name: w.name,
            data_type: w.data_type,
            archived: w.archived,
            options: w
                .options
                .into_iter()
                .map(|o| AttributeOption {
                    id: o.id,
                    label: o.label,
                    archived: o.archived,
                })
                .collect(),
        }
    }
}

impl IntercomClient {
    /// `GET /conversations/attributes`: the workspace's conversation attributes (archived ones
    /// left out by Intercom).
    pub async fn conversation_attributes(&self) -> Result<Vec<ConversationAttribute>, ApiError> {
        let wire: WireAttributeList = self
            .transport
            .json(self.priority, Call::get("/conversations/attributes"))
            .await?;
        Ok(wire.data.into_iter().map(Into::into).collect())
    }

    /// `POST /conversations/attributes`: a new list attribute with these options. Not
    /// idempotent: look it up with [`IntercomClient::conversation_attributes`] before trying
    /// again.
    pub async fn create_list_attribute(
        &self,
        name: &str,
        description: &str,
        options: &[String],
    ) -> Result<ConversationAttribute, ApiError> {
        let options: Vec<_> = options.iter().map(|o| json!({ "label": o })).collect();
        let body = json!({
            "name": name,
            "description": description,
            "data_type": "list",
            "options": options,
        });
        let wire: WireAttribute = self
            .transport
            .json(
                self.priority,
                Call::write(Method::POST, "/conversations/attributes", Some(body)),
            )
            .await?;
        Ok(wire.into())
    }

    /// `POST /conversations/attributes/{id}/options`: adds an option to a list attribute;
    /// answers the attribute with all its options.
    pub async fn add_attribute_option(
        &self,
        attribute_id: &str,
        label: &str,
    ) -> Result<ConversationAttribute, ApiError> {
        let path = format!(
            "/conversations/attributes/{}/options",
            path_segment(Api::Intercom, attribute_id)?
        );
        let body = json!({ "label": label });
        let wire: WireAttribute = self
            .transport
            .json(self.priority, Call::write(Method::POST, &path, Some(body)))
            .await?;
        Ok(wire.into())
    }

    /// `PUT /conversations/{id}` `{"custom_attributes": {name: value}}`: sets one custom
    /// attribute of a conversation (a list's value must be one of its options). Setting the
    /// same value again changes nothing, so it retries like a read.
    pub async fn set_conversation_attribute(
        &self,
        conversation_id: &str,
        name: &str,
        value: &str,
    ) -> Result<(), ApiError> {
        let path = format!(
            "/conversations/{}",
            path_segment(Api::Intercom, conversation_id)?
        );
        let mut attributes = serde_json::Map::new();
        attributes.insert(name.to_owned(), json!(value));
        let body = json!({ "custom_attributes": attributes });
        self.transport
            .unit(
                self.priority,
                Call::write(Method::PUT, &path, Some(body)).idempotent(),
            )
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_attribute_reads_from_intercoms_list_with_numeric_ids() {
        let raw = r#"{"type":"list","data":[
            {"type":"conversation_attribute","id":2,"name":"Call outcome","data_type":"list",
             "archived":false,"options":[{"id":"a1","label":"Resolved","archived":false},
             {"id":"b2","label":"Sale","archived":true}]},
            {"type":"conversation_attribute","id":"3","name":"test","data_type":"string"}]}"#;
        let list: WireAttributeList = serde_json::from_str(raw).unwrap();
        let attrs: Vec<ConversationAttribute> = list.data.into_iter().map(Into::into).collect();
        assert_eq!(attrs[0].id, "2");
        assert!(attrs[0].is_list() && attrs[0].is_named("call OUTCOME"));
        assert_eq!(attrs[0].option("resolved").unwrap().label, "Resolved");
        assert!(
            attrs[0].option("Sale").is_none(),
            "an archived option is no choice"
        );
        assert!(!attrs[1].is_list());
    }
}
