//! The Intercom client: contacts, conversations, notes, assignment, tags and admins, pinned to
//! API version 2.16.
//!
//! Built once per workspace and cloned freely; every clone shares one [`Pacer`]. Choose how
//! urgent a batch of calls is with [`IntercomClient::at`].

mod attributes;
mod away;
pub mod notification;
mod types;
mod wire;

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue, ACCEPT};
use reqwest::Method;
use serde_json::json;
use url::Url;

pub use attributes::{same_label, AttributeOption, ConversationAttribute};
pub use away::{AwayMode, AwayReason, AwayRefusal};
pub use types::{
    Admin, Contact, ContactPage, Conversation, ConversationPart, ConversationState, Me, NewContact,
    Role, StartedConversation, Tag, Upserted,
};
pub use wire::Query;

use crate::error::{Api, ApiError};
use crate::pacing::{Budget, Pacer, Priority};
use crate::phone::E164;
use crate::secret::Secret;
use crate::transport::{
    link_segment, path_segment, Auth, Call, HttpSettings, LimitHeaders, Transport,
};

/// The API version every request pins.
pub const API_VERSION: &str = "2.16";

/// Largest page Intercom serves.
pub const MAX_PER_PAGE: u32 = 150;

/// Where a workspace is hosted; it chooses the API host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Region {
    /// `api.intercom.io`
    #[default]
    Us,
    /// `api.eu.intercom.io`
    Eu,
    /// `api.au.intercom.io`
    Au,
}

impl Region {
    /// Reads `us`, `eu` or `au` (any case).
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "us" | "" => Some(Region::Us),
            "eu" => Some(Region::Eu),
            "au" => Some(Region::Au),
            _ => None,
        }
    }

    /// The region's API host.
    pub fn base_url(self) -> Url {
        let host = match self {
            Region::Us => "https://api.intercom.io",
            Region::Eu => "https://api.eu.intercom.io",
            Region::Au => "https://api.au.intercom.io",
        };
        // One of three literal URLs that parse: this cannot fail.
        #[allow(clippy::expect_used)]
        Url::parse(host).expect("static URL")
    }
}

/// How to reach one Intercom workspace.
#[derive(Debug, Clone)]
pub struct IntercomConfig {
    /// The access token.
    pub token: Secret,
    /// The API host (from the region, or injected for tests and the sandbox).
    pub base_url: Url,
    /// Requests per 10-second window this client allows itself.
    pub budget_per_window: u32,
    /// Timeouts and retries.
    pub http: HttpSettings,
    /// Logging requests in flight at once, at most (`RINGSIDE_INTERCOM_CONCURRENCY`).
    pub max_in_flight: usize,
}

/// Logging requests in flight to Intercom at once, by default.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 16;

impl IntercomConfig {
    /// A configuration for a token in a region, with default limits.
    pub fn new(token: Secret, region: Region) -> Self {
        IntercomConfig {
            token,
            base_url: region.base_url(),
            // 10,000 a minute per app, spread over 10-second windows; keep a margin.
            budget_per_window: 1_500,
            http: HttpSettings::default(),
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
        }
    }
}

/// A client for one Intercom workspace.
#[derive(Debug, Clone)]
pub struct IntercomClient {
    transport: Transport,
    priority: Priority,
    identity_key: std::sync::Arc<str>,
    max_in_flight: usize,
}

impl IntercomClient {
    /// Builds the client; no request is made.
    pub fn new(config: IntercomConfig) -> Result<Self, ApiError> {
        let identity_key = identity_key(&config.base_url, &config.token).into();
        let mut headers = HeaderMap::new();
        headers.insert("Intercom-Version", HeaderValue::from_static(API_VERSION));
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let transport = Transport::new(
            Api::Intercom,
            config.base_url,
            Auth::Bearer(config.token),
            headers,
            LimitHeaders {
                // Per 10-second window, the pacer's period for Intercom.
                limit: "X-RateLimit-Limit",
                remaining: "X-RateLimit-Remaining",
                reset: "X-RateLimit-Reset",
                default_wait: Duration::from_secs(10),
            },
            Pacer::new(Budget::intercom(config.budget_per_window)),
            config.http,
        )?;
        Ok(IntercomClient {
            transport,
            priority: Priority::Logging,
            identity_key,
            max_in_flight: config.max_in_flight.max(1),
        })
    }

    /// The same client, counting its requests into `metrics` (the engine's).
    pub fn with_metrics(mut self, metrics: &crate::metrics::Metrics) -> Self {
        self.transport.metrics = Some(metrics.clone());
        self
    }

    /// The same client, sending at another priority.
    pub fn at(&self, priority: Priority) -> Self {
        IntercomClient {
            transport: self.transport.clone(),
            priority,
            identity_key: self.identity_key.clone(),
            max_in_flight: self.max_in_flight,
        }
    }

    /// How many logging requests may be in flight at once.
    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight
    }

    /// What the workspace and admin this client acts as are cached under: a short SHA-256
    /// fingerprint of the host and the token, so that another token (or host) never reads
    /// another workspace's cached ids. It reveals nothing of the token.
    pub fn identity_key(&self) -> &str {
        &self.identity_key
    }

    /// The shared scheduler (for budgets and measurements).
    pub fn pacer(&self) -> &Pacer {
        &self.transport.pacer
    }

    /// The API host this client talks to.
    pub fn base_url(&self) -> &Url {
        self.transport.base()
    }

    /// `GET /me`: the token's admin and its workspace. The cheapest credential check.
    pub async fn me(&self) -> Result<Me, ApiError> {
        let wire: wire::WireAdmin = self.transport.json(self.priority, Call::get("/me")).await?;
        wire.into_me().map_err(|reason| ApiError::Decode {
            api: Api::Intercom,
            reason,
            body: String::new(),
        })
    }

    /// `GET /admins`: every teammate.
    pub async fn admins(&self) -> Result<Vec<Admin>, ApiError> {
        let wire: wire::WireAdminList = self
            .transport
            .json(self.priority, Call::get("/admins"))
            .await?;
        Ok(wire.into_admins())
    }

    /// `POST /contacts/search` with any query, one page.
    pub async fn search_contacts(
        &self,
        query: &Query,
        per_page: u32,
        starting_after: Option<&str>,
    ) -> Result<ContactPage, ApiError> {
        let mut pagination = json!({ "per_page": per_page.clamp(1, MAX_PER_PAGE) });
        if let Some(cursor) = starting_after {
            pagination["starting_after"] = json!(cursor);
        }
        let body = json!({ "query": query, "pagination": pagination });
        let wire: wire::WireContactList = self
            .transport
            .json(self.priority, Call::search("/contacts/search", body))
            .await?;
        Ok(wire.into())
    }

    /// Every contact whose phone is this number: its E.164 form (`formatted_phone`) or any of
    /// the ways it may have been typed (`phone`, an exact string match).
    pub async fn contacts_with_phone(&self, number: &E164) -> Result<Vec<Contact>, ApiError> {
        let query = Query::or(vec![
            Query::eq("formatted_phone", number.as_str()),
            Query::any_of("phone", &number.variants()),
        ]);
        let mut found = Vec::new();
        let mut cursor = None;
        // A number shared by more than a page of contacts is not a person's number; stop there.
        for _ in 0..3 {
            let page = self.search_contacts(&query, 50, cursor.as_deref()).await?;
            found.extend(page.contacts);
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        Ok(found)
    }

    /// `GET /contacts`: one page of every contact, for a full scroll.
    pub async fn list_contacts(
        &self,
        per_page: u32,
        starting_after: Option<&str>,
    ) -> Result<ContactPage, ApiError> {
        let mut call = Call::get("/contacts").query("per_page", per_page.clamp(1, MAX_PER_PAGE));
        if let Some(cursor) = starting_after {
            call = call.query("starting_after", cursor);
        }
        let wire: wire::WireContactList = self.transport.json(self.priority, call).await?;
        Ok(wire.into())
    }

    /// `GET /contacts/{id}`.
    pub async fn contact(&self, id: &str) -> Result<Contact, ApiError> {
        let path = format!("/contacts/{}", path_segment(Api::Intercom, id)?);
        let wire: wire::WireContact = self.transport.json(self.priority, Call::get(&path)).await?;
        Ok(wire.into())
    }

    /// `POST /contacts`. A duplicate (409) is not an error: the existing contact's id comes back.
    pub async fn create_contact(&self, new: &NewContact) -> Result<Upserted, ApiError> {
        let mut body = json!({ "role": new.role.as_str() });
        for (key, value) in [
            ("name", &new.name),
            ("email", &new.email),
            ("phone", &new.phone),
        ] {
            if let Some(v) = value {
                body[key] = json!(v);
            }
        }
        let call = Call::write(Method::POST, "/contacts", Some(body));
        match self
            .transport
            .json::<wire::WireContact>(self.priority, call)
            .await
        {
            Ok(wire) => Ok(Upserted::Created(wire.into())),
            Err(ApiError::Conflict {
                existing_id: Some(id),
                ..
            }) => Ok(Upserted::Existing(id)),
            Err(e) => Err(e),
        }
    }

    /// The contact's conversations in these states, most recently updated first.
    pub async fn conversations_of(
        &self,
        contact_id: &str,
        states: &[ConversationState],
        limit: u32,
    ) -> Result<Vec<Conversation>, ApiError> {
        let states: Vec<String> = states.iter().map(|s| s.as_str().to_owned()).collect();
        let body = json!({
            "query": Query::and(vec![Query::eq("contact_ids", contact_id), Query::any_of("state", &states)]),
            "sort": { "field": "updated_at", "order": "descending" },
            "pagination": { "per_page": limit.clamp(1, MAX_PER_PAGE) },
        });
        let wire: wire::WireConversationList = self
            .transport
            .json(self.priority, Call::search("/conversations/search", body))
            .await?;
        let mut conversations = wire.into_conversations();
        // Sorting is documented only in a guide, not the schema: never rely on it.
        conversations.sort_by_key(|c| std::cmp::Reverse(c.updated_at));
        Ok(conversations)
    }

    /// `GET /conversations/{id}`, with its parts.
    pub async fn conversation(&self, id: &str) -> Result<Conversation, ApiError> {
        let path = format!("/conversations/{}", path_segment(Api::Intercom, id)?);
        let wire: wire::WireConversation =
            self.transport.json(self.priority, Call::get(&path)).await?;
        Ok(wire.into())
    }

    /// `POST /conversations`: a conversation started by the contact (an inbound log entry, never
    /// a message sent to the customer). The body is plain text.
    pub async fn start_conversation(
        &self,
        contact: &Contact,
        body: &str,
    ) -> Result<StartedConversation, ApiError> {
        let body =
            json!({ "from": { "type": contact.role.as_str(), "id": contact.id }, "body": body });
        let wire: wire::WireMessage = self
            .transport
            .json(
                self.priority,
                Call::write(Method::POST, "/conversations", Some(body)),
            )
            .await?;
        Ok(wire.into())
    }

    /// An internal note by `admin_id` (visible to teammates only).
    pub async fn add_note(
        &self,
        conversation_id: &str,
        admin_id: &str,
        body: &str,
    ) -> Result<Conversation, ApiError> {
        let path = format!(
            "/conversations/{}/reply",
            path_segment(Api::Intercom, conversation_id)?
        );
        let body =
            json!({ "type": "admin", "admin_id": admin_id, "message_type": "note", "body": body });
        let wire: wire::WireConversation = self
            .transport
            .json(self.priority, Call::write(Method::POST, &path, Some(body)))
            .await?;
        Ok(wire.into())
    }

    /// Assigns the conversation to `assignee` (`None` unassigns), acted by `actor_admin_id`, with
    /// an optional note on the assignment.
    pub async fn assign(
        &self,
        conversation_id: &str,
        actor_admin_id: &str,
        assignee: Option<&str>,
        note: Option<&str>,
    ) -> Result<Conversation, ApiError> {
        let path = format!(
            "/conversations/{}/parts",
            path_segment(Api::Intercom, conversation_id)?
        );
        let mut body = json!({
            "message_type": "assignment",
            "type": "admin",
            "admin_id": actor_admin_id,
            "assignee_id": assignee.unwrap_or("0"),
        });
        if let Some(note) = note {
            body["body"] = json!(note);
        }
        let wire: wire::WireConversation = self
            .transport
            .json(self.priority, Call::write(Method::POST, &path, Some(body)))
            .await?;
        Ok(wire.into())
    }

    /// `GET /tags`: every tag of the workspace.
    pub async fn tags(&self) -> Result<Vec<Tag>, ApiError> {
        let wire: wire::WireTagList = self
            .transport
            .json(self.priority, Call::get("/tags"))
            .await?;
        Ok(wire.into_tags())
    }

    /// `POST /tags`: the tag with this name, created if missing (names are case-insensitive, so
    /// this is safe to repeat).
    pub async fn tag_named(&self, name: &str) -> Result<Tag, ApiError> {
        // Create-or-get is idempotent, so it may be retried like a read.
        let call = Call::write(Method::POST, "/tags", Some(json!({ "name": name }))).idempotent();
        let wire: wire::WireTag = self.transport.json(self.priority, call).await?;
        Ok(wire.into())
    }

    /// Puts a tag on a whole conversation (Intercom cannot tag a single part).
    pub async fn attach_tag(
        &self,
        conversation_id: &str,
        tag_id: &str,
        admin_id: &str,
    ) -> Result<(), ApiError> {
        let path = format!(
            "/conversations/{}/tags",
            path_segment(Api::Intercom, conversation_id)?
        );
        let body = json!({ "id": tag_id, "admin_id": admin_id });
        self.transport
            .unit(self.priority, Call::write(Method::POST, &path, Some(body)))
            .await
    }

    /// Removes a tag from a conversation.
    pub async fn detach_tag(
        &self,
        conversation_id: &str,
        tag_id: &str,
        admin_id: &str,
    ) -> Result<(), ApiError> {
        let path = format!(
            "/conversations/{}/tags/{}",
            path_segment(Api::Intercom, conversation_id)?,
            path_segment(Api::Intercom, tag_id)?
        );
        let body = json!({ "admin_id": admin_id });
        self.transport
            .unit(
                self.priority,
                Call::write(Method::DELETE, &path, Some(body)),
            )
            .await
    }
}

/// The first 16 hex digits of SHA-256(host, token): enough to tell tokens apart, far too
/// little to help guess one.
fn identity_key(base_url: &Url, token: &Secret) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    hash.update(b"ringside intercom identity\0");
    hash.update(base_url.as_str().as_bytes());
    hash.update(b"\0");
    hash.update(token.expose().as_bytes());
    hash.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The inbox link to a contact (a convention; Intercom documents no deep links).
pub fn contact_url(workspace_id: &str, contact_id: &str) -> String {
    format!(
        "https://app.intercom.com/a/apps/{}/users/{}",
        link_segment(workspace_id),
        link_segment(contact_id)
    )
}

/// The inbox link to a conversation (a convention; Intercom documents no deep links).
pub fn conversation_url(workspace_id: &str, conversation_id: &str) -> String {
    format!(
        "https://app.intercom.com/a/inbox/{}/inbox/conversation/{}",
        link_segment(workspace_id),
        link_segment(conversation_id)
    )
}
