//! The hub's OpenAPI 3 document ([`document`], served to no one: `docs/openapi.json` is this
//! document, and `tests/tests/openapi.rs` keeps the two equal).
//!
//! The document and the router come from one registration: every route is registered with
//! utoipa-axum's `routes!` on the handler's `#[utoipa::path(...)]` (see `hub::routes`), which
//! gives both the axum method router and the path's documentation. A route cannot be served
//! without being documented, nor documented with another method or path than it is served on.
//!
//! The wire types (cards, history, events) derive `ToSchema` where they are defined; this
//! module holds what the document needs beyond them: the answers the handlers build as JSON in
//! place (the error shape, the queued and dialed answers, health, the webhooks' answers), the
//! vendors' webhook bodies, and the security schemes.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;

/// What the routes do not say themselves: the API's title and words, its tags and its
/// security schemes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Ringside hub",
        description = "The HTTP API of the Ringside hub (`ringside-cli serve`): the agents' API under \
`/api/v1`, which the desktop app uses, the health check, and Aircall's and Intercom's webhook \
receivers. `docs/hub-api.md` tells the same in words.\n\n\
Every error has one shape, `{\"error\": {\"code\", \"message\", \"request_id\"?}}` \
(`ErrorBody`): the hub's own errors and a malformed request's alike (a non-numeric id, bad \
JSON, a wrong content type, a missing query, an unknown route: 404 `not_found`, a wrong method: \
405 `method_not_allowed`). Besides the answers each route lists, any route may answer 408 \
`timeout` (no answer within the request timeout, the event stream excepted), 413 `too_large` \
(a body over its limit) and 503 when the hub's limits on connections are reached. Every answer \
carries `X-Ringside-Instance`, the hub's instance id.",
        license(name = "MIT", identifier = "MIT"),
    ),
    modifiers(&SecuritySchemes),
    tags(
        (name = "cards", description = "Insight cards: who is calling, their last conversation and its owner."),
        (name = "calls", description = "The agent's history, and what an agent does on a call: tags, notes, the contact pick."),
        (name = "dial", description = "Calling a number back from the agent's own Aircall phone."),
        (name = "events", description = "The agent's Server-Sent Events stream."),
        (name = "integration", description = "The integration's settings and contact sync."),
        (name = "signin", description = "Agents sign in: with Intercom (OAuth, finished by the hub, handed to the app with PKCE), or with an invitation."),
        (name = "health", description = "Whether the hub is up, and how far behind it is."),
        (name = "metrics", description = "The hub's metrics, for Prometheus."),
        (name = "webhooks", description = "Aircall's and Intercom's deliveries; not for the agents."),
    )
)]
struct Base;

/// Adds the two security schemes the routes name: `agent_token` and `intercom_signature`.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "agent_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An agent's token (`Authorization: Bearer <token>`), made with \
                         `ringside-cli agents add EMAIL` (`--admin` for an admin). An agent reads \
                         and acts only on the calls that concern them; an admin on every call.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "intercom_signature",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Hub-Signature",
                "Intercom's signature of the notification: `sha1=` and the HMAC-SHA1 of the raw \
                 body keyed with the Intercom app's client secret (`RINGSIDE_INTERCOM_CLIENT_SECRET`).",
            ))),
        );
    }
}

/// The hub's OpenAPI document: every route the hub serves, with its parameters, bodies,
/// answers and security, and the schemas of the types on the wire.
pub fn document() -> utoipa::openapi::OpenApi {
    let (answered, streamed) = super::routes();
    OpenApiRouter::with_openapi(Base::openapi())
        .merge(answered)
        .merge(streamed)
        .into_openapi()
}

// The answers below are built as JSON in their handlers; these types only describe them.

/// Every error the hub answers, whatever the route: `{"error": {"code", "message",
/// "request_id"?}}`.
#[derive(ToSchema)]
#[allow(
    dead_code,
    reason = "describes an answer built as JSON in `failure.rs`"
)]
pub(super) struct ErrorBody {
    /// What went wrong.
    error: ErrorDetail,
}

/// One error.
#[derive(ToSchema)]
#[allow(
    dead_code,
    reason = "describes an answer built as JSON in `failure.rs`"
)]
pub(super) struct ErrorDetail {
    /// What the desktop app acts on: `unauthorized`, `not_found`, `bad_tag`, … (each route
    /// lists those it may answer).
    #[schema(example = "not_found")]
    code: String,
    /// What happened, in words for a person.
    #[schema(example = "there is no such route")]
    message: String,
    /// Only when the cause is the hub's database or a vendor: the id the hub's log keeps the
    /// detail under (SQL, paths, a vendor's body: never in the answer).
    #[schema(nullable = false)]
    request_id: Option<String>,
}

/// A tag, an untag or a note, queued.
#[derive(ToSchema)]
#[allow(dead_code, reason = "describes an answer built as JSON in `api.rs`")]
pub(super) struct Queued {
    /// False when the same key was queued before (a retried request).
    queued: bool,
    /// The idempotency key the action runs under: the request's `Idempotency-Key`, or one the
    /// hub made.
    key: String,
}

/// A contact pick, taken: the call is logged to this contact.
#[derive(ToSchema)]
#[allow(dead_code, reason = "describes an answer built as JSON in `api.rs`")]
pub(super) struct ContactChosen {
    /// Always true.
    queued: bool,
    /// The Intercom contact the call is logged to.
    contact_id: String,
}

/// A number put in the agent's Aircall phone.
#[derive(ToSchema)]
#[allow(dead_code, reason = "describes an answer built as JSON in `dial.rs`")]
pub(super) struct Dialed {
    /// The number dialed, in E.164.
    #[schema(example = "+33612345678")]
    dialed: String,
    /// The Aircall user whose phone rings.
    aircall_user_id: u64,
}

/// The hub's health.
#[derive(ToSchema)]
#[allow(dead_code, reason = "describes an answer built as JSON in `health.rs`")]
pub(super) struct Health {
    /// `up`, or `degraded` (with a 503 and an `error`) when the hub's database cannot be read.
    #[schema(example = "up")]
    status: String,
    /// The hub's instance id (also in the `X-Ringside-Instance` header).
    instance: String,
    /// Webhooks waiting to be processed; null when degraded.
    inbox_depth: Option<u64>,
    /// Effects waiting to run; null when degraded.
    outbox_depth: Option<u64>,
    /// Contact sync's progress (phase, counts, time left) when the hub runs it, else null;
    /// why it waits only for an admin token. Absent when degraded.
    #[schema(value_type = Option<Object>)]
    sync: Option<()>,
    /// With an admin token only: the last failed effect's reason.
    #[schema(nullable = false)]
    last_error: Option<String>,
    /// When degraded: what is wrong.
    #[schema(nullable = false)]
    error: Option<String>,
}

/// An event from Aircall, as Aircall sends it.
#[derive(ToSchema)]
#[allow(dead_code, reason = "describes a body read by `webhook.rs`")]
pub(super) struct AircallWebhook {
    /// `call`, `message`, `user`, …
    #[schema(nullable = false)]
    resource: Option<String>,
    /// `call.created`, `call.ended`, `message.received`, … (not empty).
    event: String,
    /// When Aircall emitted the event, UNIX seconds.
    #[schema(nullable = false)]
    timestamp: Option<i64>,
    /// The webhook's token, as Aircall puts it in every event: it authenticates the event,
    /// compared in constant time with the token (or its SHA-256 stored by `setup-webhook`).
    token: String,
    /// The call, message or user.
    #[schema(value_type = Object)]
    data: (),
}

/// An Aircall event, on disk.
#[derive(ToSchema)]
#[allow(
    dead_code,
    reason = "describes an answer built as JSON in `webhooks.rs`"
)]
pub(super) struct WebhookAccepted {
    /// The event's place in the hub's inbox.
    accepted: i64,
}

/// A contact notification from Intercom, as Intercom sends it.
#[derive(ToSchema)]
#[allow(
    dead_code,
    reason = "describes a body read by `intercom/notification.rs`"
)]
pub(super) struct IntercomNotification {
    /// Intercom's id for the notification (`notif_…`): a redelivery carries the same one.
    id: String,
    /// The topic, e.g. `contact.lead.created`; topics other than contacts' are taken and
    /// ignored.
    topic: String,
    /// When Intercom created it, UNIX seconds.
    #[schema(nullable = false)]
    created_at: Option<i64>,
    /// `{"item": {...}}`: the contact (`id`, and `merged_from.id` for a merge).
    #[schema(value_type = Object)]
    data: (),
}

/// An Intercom notification, taken: exactly one of the fields.
#[derive(ToSchema)]
#[allow(
    dead_code,
    reason = "describes an answer built as JSON in `intercom.rs`"
)]
pub(super) struct NotificationTaken {
    /// A new notification, stored: its place in the hub's log.
    #[schema(nullable = false)]
    accepted: Option<i64>,
    /// A notification delivered again: its id (it is not stored twice).
    #[schema(nullable = false)]
    redelivered: Option<String>,
    /// A notification older than those the hub remembers: why it is ignored.
    #[schema(nullable = false)]
    ignored: Option<String>,
}
