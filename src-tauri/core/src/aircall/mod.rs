//! The Aircall client: ping, users and availabilities, numbers, calls (with their comments, tags
//! and insight cards), contacts and webhooks.
//!
//! Aircall limits a whole company to a small budget (plan for 60 requests a minute, shared with
//! every other integration), so every clone of a client shares one [`Pacer`] and asks for it at
//! the priority set with [`AircallClient::at`].

mod availability;
mod types;

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue, ACCEPT};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::json;
use url::Url;

pub use types::{
    AircallContact, Availability, Call, CallTag, CardBlock, Comment, ContactDetail, DetailKind,
    Direction, Message, Number, Page, PageRequest, User, UserAvailability, UserRef, Webhook,
};

use crate::error::{Api, ApiError};
use crate::pacing::{Budget, Pacer, Priority};
use crate::phone::E164;
use crate::secret::Secret;
use crate::transport::{
    path_segment, Auth, Call as HttpCall, HttpSettings, LimitHeaders, Transport,
};

/// Aircall's largest page.
pub const MAX_PER_PAGE: u32 = 50;

/// Aircall serves at most this many records of one list, however it is paged.
pub const LIST_CAP: u64 = 10_000;

/// How to reach one Aircall company.
#[derive(Debug, Clone)]
pub struct AircallConfig {
    /// The API key's id.
    pub api_id: String,
    /// The API key's token.
    pub api_token: Secret,
    /// `https://api.aircall.io`, or the sandbox.
    pub base_url: Url,
    /// Requests per minute this client allows itself (the company's budget).
    pub budget_per_minute: u32,
    /// Timeouts and retries.
    pub http: HttpSettings,
}

impl AircallConfig {
    /// The production host with the default budget.
    pub fn new(api_id: impl Into<String>, api_token: Secret) -> Self {
        AircallConfig {
            api_id: api_id.into(),
            api_token,
            // A literal URL that parses: this cannot fail.
            #[allow(clippy::expect_used)]
            base_url: Url::parse("https://api.aircall.io").expect("static URL"),
            budget_per_minute: 60,
            http: HttpSettings::default(),
        }
    }
}

/// A client for one Aircall company.
#[derive(Debug, Clone)]
pub struct AircallClient {
    transport: Transport,
    priority: Priority,
}

#[derive(Debug, Deserialize)]
struct Meta {
    #[serde(default)]
    total: Option<u64>,
    #[serde(default)]
    next_page_link: Option<String>,
}

impl AircallClient {
    /// Builds the client; no request is made.
    pub fn new(config: AircallConfig) -> Result<Self, ApiError> {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let transport = Transport::new(
            Api::Aircall,
            config.base_url,
            Auth::Basic {
                id: config.api_id,
                token: config.api_token,
            },
            headers,
            LimitHeaders {
                limit: "X-AircallApi-Limit",
                remaining: "X-AircallApi-Remaining",
                reset: "X-AircallApi-Reset",
                default_wait: Duration::from_secs(60),
            },
            Pacer::new(Budget::aircall(config.budget_per_minute)),
            config.http,
        )?;
        Ok(AircallClient {
            transport,
            priority: Priority::Logging,
        })
    }

    /// The same client, counting its requests into `metrics` (the engine's).
    pub fn with_metrics(mut self, metrics: &crate::metrics::Metrics) -> Self {
        self.transport.metrics = Some(metrics.clone());
        self
    }

    /// The same client, sending at another priority.
    pub fn at(&self, priority: Priority) -> Self {
        AircallClient {
            transport: self.transport.clone(),
            priority,
        }
    }

    /// The shared scheduler (for budgets and measurements).
    pub fn pacer(&self) -> &Pacer {
        &self.transport.pacer
    }

    /// The API host this client talks to.
    pub fn base_url(&self) -> &Url {
        self.transport.base()
    }

    /// `GET /v1/ping`: checks the API key.
    pub async fn ping(&self) -> Result<(), ApiError> {
        #[derive(Deserialize)]
        struct Pong {
            ping: String,
        }
        let pong: Pong = self
            .transport
            .json(self.priority, HttpCall::get("/v1/ping"))
            .await?;
        if pong.ping == "pong" {
            Ok(())
        } else {
            Err(ApiError::Decode {
                api: Api::Aircall,
                reason: "ping did not answer pong".into(),
                body: pong.ping,
            })
        }
    }

    async fn page<T: DeserializeOwned>(
        &self,
        path: &str,
        key: &str,
        at: PageRequest,
        extra: &[(&'static str, String)],
    ) -> Result<Page<T>, ApiError> {
        let mut call = HttpCall::get(path)
            .query("page", at.page.max(1))
            .query("per_page", at.per_page.clamp(1, MAX_PER_PAGE));
        for (k, v) in extra {
            call = call.query(k, v);
        }
        let mut body: serde_json::Value = self.transport.json(self.priority, call).await?;
        let decode = |reason: String, body: &serde_json::Value| ApiError::Decode {
            api: Api::Aircall,
            reason,
            body: body.to_string().chars().take(2048).collect(),
        };
        let items = match body.get_mut(key).map(serde_json::Value::take) {
            Some(list) => {
                serde_json::from_value(list).map_err(|e| decode(format!("`{key}`: {e}"), &body))?
            }
            None => return Err(decode(format!("no `{key}` list"), &body)),
        };
        let meta: Meta = body
            .get("meta")
            .cloned()
            .map(serde_json::from_value)
            .transpose()
            .map_err(|e| decode(format!("`meta`: {e}"), &body))?
            .unwrap_or(Meta {
                total: None,
                next_page_link: None,
            });
        let fetched = u64::from(at.page) * u64::from(at.per_page);
        Ok(Page {
            items,
            total: meta.total.unwrap_or(0),
            has_next: meta.next_page_link.is_some() && fetched < LIST_CAP,
        })
    }

    async fn all<T: DeserializeOwned>(
        &self,
        path: &str,
        key: &str,
        extra: &[(&'static str, String)],
    ) -> Result<Vec<T>, ApiError> {
        let mut out = Vec::new();
        let mut at = PageRequest::default();
        loop {
            let page: Page<T> = self.page(path, key, at, extra).await?;
            out.extend(page.items);
            if !page.has_next {
                return Ok(out);
            }
            at.page += 1;
        }
    }

    /// `GET /v2/users`, every page.
    pub async fn users(&self) -> Result<Vec<User>, ApiError> {
        self.all("/v2/users", "users", &[]).await
    }

    /// `GET /v2/users/:id_or_email`.
    pub async fn user(&self, id_or_email: &str) -> Result<User, ApiError> {
        #[derive(Deserialize)]
        struct One {
            user: User,
        }
        let path = format!("/v2/users/{}", path_segment(Api::Aircall, id_or_email)?);
        Ok(self
            .transport
            .json::<One>(self.priority, HttpCall::get(&path))
            .await?
            .user)
    }

    /// `GET /v1/users/availabilities`, every page.
    pub async fn availabilities(&self) -> Result<Vec<UserAvailability>, ApiError> {
        self.all("/v1/users/availabilities", "users", &[]).await
    }

    /// `GET /v1/users/:id/availability`.
    pub async fn availability(&self, user_id: u64) -> Result<Option<Availability>, ApiError> {
        #[derive(Deserialize)]
        struct One {
            availability: String,
        }
        let path = format!("/v1/users/{user_id}/availability");
        let one: One = self
            .transport
            .json(self.priority, HttpCall::get(&path))
            .await?;
        Ok(Availability::parse(&one.availability))
    }

    /// `GET /v1/numbers`, every page.
    pub async fn numbers(&self) -> Result<Vec<Number>, ApiError> {
        self.all("/v1/numbers", "numbers", &[]).await
    }

    /// `GET /v1/numbers/:id`.
    pub async fn number(&self, id: u64) -> Result<Number, ApiError> {
        #[derive(Deserialize)]
        struct One {
            number: Number,
        }
        Ok(self
            .transport
            .json::<One>(self.priority, HttpCall::get(format!("/v1/numbers/{id}")))
            .await?
            .number)
    }

    /// `GET /v1/calls/:id`.
    pub async fn call(&self, id: u64) -> Result<Call, ApiError> {
        #[derive(Deserialize)]
        struct One {
            call: Call,
        }
        Ok(self
            .transport
            .json::<One>(self.priority, HttpCall::get(format!("/v1/calls/{id}")))
            .await?
            .call)
    }

    /// `GET /v1/calls`: one page, optionally between two UNIX times.
    pub async fn calls(
        &self,
        at: PageRequest,
        from: Option<i64>,
        to: Option<i64>,
    ) -> Result<Page<Call>, ApiError> {
        let mut extra = Vec::new();
        if let Some(from) = from {
            extra.push(("from", from.to_string()));
        }
        if let Some(to) = to {
            extra.push(("to", to.to_string()));
        }
        self.page("/v1/calls", "calls", at, &extra).await
    }

    /// `GET /v1/calls/search` by the other party's number (E.164), one page.
    pub async fn search_calls(
        &self,
        phone_number: &str,
        at: PageRequest,
    ) -> Result<Page<Call>, ApiError> {
        self.page(
            "/v1/calls/search",
            "calls",
            at,
            &[("phone_number", phone_number.to_owned())],
        )
        .await
    }

    /// `POST /v1/calls/:id/comments`.
    pub async fn comment_call(&self, call_id: u64, content: &str) -> Result<(), ApiError> {
        let call = HttpCall::write(
            Method::POST,
            format!("/v1/calls/{call_id}/comments"),
            Some(json!({ "content": content })),
        );
        self.transport.unit(self.priority, call).await
    }

    /// `POST /v1/calls/:id/tags` with tag ids.
    pub async fn tag_call(&self, call_id: u64, tag_ids: &[u64]) -> Result<(), ApiError> {
        let call = HttpCall::write(
            Method::POST,
            format!("/v1/calls/{call_id}/tags"),
            Some(json!({ "tags": tag_ids })),
        );
        self.transport.unit(self.priority, call).await
    }

    /// `GET /v1/tags`, every page.
    pub async fn tags(&self) -> Result<Vec<CallTag>, ApiError> {
        self.all("/v1/tags", "tags", &[]).await
    }

    /// `POST /v1/tags`: a new tag (an admin-level key). Not idempotent: look the name up with
    /// [`AircallClient::tags`] before creating it again.
    pub async fn create_tag(&self, name: &str) -> Result<CallTag, ApiError> {
        #[derive(Deserialize)]
        struct One {
            tag: CallTag,
        }
        let call = HttpCall::write(Method::POST, "/v1/tags", Some(json!({ "name": name })));
        Ok(self.transport.json::<One>(self.priority, call).await?.tag)
    }

    /// `POST /v1/calls/:id/insight_cards`: shows a card in the agent's phone app while the call
    /// is live. Replaying it only shows the same card again, so it retries like a read.
    pub async fn push_insight_card(
        &self,
        call_id: u64,
        blocks: &[CardBlock],
    ) -> Result<(), ApiError> {
        let path = format!("/v1/calls/{call_id}/insight_cards");
        let call =
            HttpCall::write(Method::POST, &path, Some(json!({ "contents": blocks }))).idempotent();
        self.transport.unit(self.priority, call).await
    }

    /// `POST /v1/users/:id/dial`: puts the number in the agent's phone app, for them to call.
    /// Aircall documents no answer body; any success will do. A write: never retried blindly.
    pub async fn dial(&self, user_id: u64, to: &E164) -> Result<(), ApiError> {
        let path = format!("/v1/users/{user_id}/dial");
        let call = HttpCall::write(Method::POST, &path, Some(json!({ "to": to.as_str() })));
        self.transport.unit(self.priority, call).await
    }

    /// `GET /v1/contacts/search` by phone (E.164) and/or email, first page.
    pub async fn search_contacts(
        &self,
        phone_number: Option<&str>,
        email: Option<&str>,
    ) -> Result<Vec<AircallContact>, ApiError> {
        let mut extra = Vec::new();
        if let Some(p) = phone_number {
            extra.push(("phone_number", p.to_owned()));
        }
        if let Some(e) = email {
            extra.push(("email", e.to_owned()));
        }
        Ok(self
            .page(
                "/v1/contacts/search",
                "contacts",
                PageRequest::default(),
                &extra,
            )
            .await?
            .items)
    }

    /// `GET /v1/contacts`: one page, by last update.
    pub async fn contacts(&self, at: PageRequest) -> Result<Page<AircallContact>, ApiError> {
        self.page(
            "/v1/contacts",
            "contacts",
            at,
            &[("order_by", "updated_at".to_owned())],
        )
        .await
    }

    /// `POST /v1/contacts`.
    pub async fn create_contact(
        &self,
        contact: &AircallContact,
    ) -> Result<AircallContact, ApiError> {
        #[derive(Deserialize)]
        struct One {
            contact: AircallContact,
        }
        let body = serde_json::to_value(contact).map_err(|e| encode_error(&e))?;
        let call = HttpCall::write(Method::POST, "/v1/contacts", Some(body));
        Ok(self
            .transport
            .json::<One>(self.priority, call)
            .await?
            .contact)
    }

    /// `POST /v1/contacts/:id` (Aircall updates with POST, not PUT).
    pub async fn update_contact(
        &self,
        id: u64,
        contact: &AircallContact,
    ) -> Result<AircallContact, ApiError> {
        #[derive(Deserialize)]
        struct One {
            contact: AircallContact,
        }
        let mut body = serde_json::to_value(contact).map_err(|e| encode_error(&e))?;
        if let Some(map) = body.as_object_mut() {
            map.remove("id");
        }
        let call =
            HttpCall::write(Method::POST, format!("/v1/contacts/{id}"), Some(body)).idempotent();
        Ok(self
            .transport
            .json::<One>(self.priority, call)
            .await?
            .contact)
    }

    /// `GET /v1/contacts/:id`.
    pub async fn contact(&self, id: u64) -> Result<AircallContact, ApiError> {
        #[derive(Deserialize)]
        struct One {
            contact: AircallContact,
        }
        let call = HttpCall::get(format!("/v1/contacts/{id}"));
        Ok(self
            .transport
            .json::<One>(self.priority, call)
            .await?
            .contact)
    }

    /// `POST /v1/contacts/:id` with the names and the information only: the contact's numbers
    /// and emails are left alone (they are edited one by one, see [`AircallClient::add_detail`]).
    /// `None` clears a field.
    pub async fn update_contact_info(
        &self,
        id: u64,
        first_name: Option<&str>,
        last_name: Option<&str>,
        information: Option<&str>,
    ) -> Result<(), ApiError> {
        let body = json!({
            "first_name": first_name,
            "last_name": last_name,
            "information": information,
        });
        let call =
            HttpCall::write(Method::POST, format!("/v1/contacts/{id}"), Some(body)).idempotent();
        self.transport.unit(self.priority, call).await
    }

    /// `POST /v1/contacts/:id/phone_details` (or `email_details`): adds one number or email.
    /// Returns the new detail's id when the answer shows it.
    pub async fn add_detail(
        &self,
        kind: DetailKind,
        contact_id: u64,
        label: &str,
        value: &str,
    ) -> Result<Option<u64>, ApiError> {
        let path = format!("/v1/contacts/{contact_id}/{}", kind.route());
        let body = json!({ "label": label, "value": value });
        let call = HttpCall::write(Method::POST, path, Some(body));
        let text = self.transport.text(self.priority, call).await?;
        Ok(detail_id_in(&text, kind, value))
    }

    /// `PUT /v1/contacts/:id/phone_details/:detail_id` (or `email_details`): changes one number
    /// or email.
    pub async fn update_detail(
        &self,
        kind: DetailKind,
        contact_id: u64,
        detail_id: u64,
        label: &str,
        value: &str,
    ) -> Result<(), ApiError> {
        let path = format!("/v1/contacts/{contact_id}/{}/{detail_id}", kind.route());
        let body = json!({ "label": label, "value": value });
        let call = HttpCall::write(Method::PUT, path, Some(body)).idempotent();
        self.transport.unit(self.priority, call).await
    }

    /// `DELETE /v1/contacts/:id/phone_details/:detail_id` (or `email_details`).
    pub async fn delete_detail(
        &self,
        kind: DetailKind,
        contact_id: u64,
        detail_id: u64,
    ) -> Result<(), ApiError> {
        let path = format!("/v1/contacts/{contact_id}/{}/{detail_id}", kind.route());
        let call = HttpCall::write(Method::DELETE, path, None).idempotent();
        self.transport.unit(self.priority, call).await
    }

    /// `DELETE /v1/contacts/:id`.
    pub async fn delete_contact(&self, id: u64) -> Result<(), ApiError> {
        let call = HttpCall::write(Method::DELETE, format!("/v1/contacts/{id}"), None).idempotent();
        self.transport.unit(self.priority, call).await
    }

    /// `GET /v1/webhooks`, every page.
    pub async fn webhooks(&self) -> Result<Vec<Webhook>, ApiError> {
        self.all("/v1/webhooks", "webhooks", &[]).await
    }

    /// `POST /v1/webhooks`: subscribes `url` to `events`; the answer carries the token.
    pub async fn create_webhook(
        &self,
        custom_name: &str,
        url: &str,
        events: &[&str],
    ) -> Result<Webhook, ApiError> {
        #[derive(Deserialize)]
        struct One {
            webhook: Webhook,
        }
        let body = json!({ "custom_name": custom_name, "url": url, "events": events });
        let call = HttpCall::write(Method::POST, "/v1/webhooks", Some(body));
        Ok(self
            .transport
            .json::<One>(self.priority, call)
            .await?
            .webhook)
    }
}

/// The id of the detail holding `value` in an answer to an added detail: the answer is the
/// whole contact (`{"contact": …}`) or the detail itself (`{"id": …, "value": …}`). The newest
/// matching detail wins; `None` when the answer shows neither.
fn detail_id_in(text: &str, kind: DetailKind, value: &str) -> Option<u64> {
    let body: serde_json::Value = serde_json::from_str(text).ok()?;
    if let Some(contact) = body.get("contact") {
        let contact: AircallContact = serde_json::from_value(contact.clone()).ok()?;
        return kind
            .of(&contact)
            .iter()
            .filter(|d| kind.same(&d.value, value))
            .filter_map(|d| d.id)
            .max();
    }
    let detail: ContactDetail = serde_json::from_value(body).ok()?;
    detail.id.filter(|_| kind.same(&detail.value, value))
}

fn encode_error(e: &serde_json::Error) -> ApiError {
    ApiError::Decode {
        api: Api::Aircall,
        reason: format!("could not encode the request: {e}"),
        body: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_details_id_is_read_from_either_answer_shape() {
        let contact = r#"{"contact": {"id": 7, "phone_numbers": [
            {"id": 11, "label": "Work", "value": "+33 7 62 04 35 75"},
            {"id": 12, "label": "Work", "value": "+33762043575"},
            {"id": 13, "label": "Work", "value": "+14422497851"}]}}"#;
        assert_eq!(
            detail_id_in(contact, DetailKind::Phone, "+33762043575"),
            Some(12),
            "the newest detail with the number"
        );
        let bare = r#"{"id": 21, "label": "Work", "value": "Jane@Acme.io"}"#;
        assert_eq!(
            detail_id_in(bare, DetailKind::Email, "jane@acme.io"),
            Some(21)
        );
        assert_eq!(detail_id_in(bare, DetailKind::Email, "other@acme.io"), None);
        assert_eq!(detail_id_in("", DetailKind::Phone, "+33762043575"), None);
        assert_eq!(detail_id_in("{}", DetailKind::Phone, "+33762043575"), None);
    }
}
