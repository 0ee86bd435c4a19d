//! The call's wrap-up on the agents' API: `POST /api/v1/calls/:id/outcome` chooses the call's
//! outcome from the hub's list (queued for Intercom's "Call outcome" attribute and an Aircall
//! tag; a second choice replaces the first) and `POST /api/v1/calls/:id/done` ends the
//! wrap-up. Both answer a call the agent may not see as one the hub never saw.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::api::{authenticate, Failure};
use super::idempotency::{answer_once, client_key};
use super::openapi::ErrorBody;
use super::AppState;
use crate::engine::WrapUpError;

/// The routes of this file.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(choose_outcome))
        .routes(routes!(done))
}

impl From<WrapUpError> for Failure {
    fn from(e: WrapUpError) -> Self {
        let words = e.to_string();
        match e {
            WrapUpError::UnknownOutcome { .. } => {
                Failure::new(StatusCode::UNPROCESSABLE_ENTITY, "unknown_outcome", words)
            }
            WrapUpError::NoOutcomes => {
                Failure::new(StatusCode::UNPROCESSABLE_ENTITY, "no_outcomes", words)
            }
            WrapUpError::OutcomeRequired => {
                Failure::new(StatusCode::UNPROCESSABLE_ENTITY, "outcome_required", words)
            }
            WrapUpError::Engine(e) => e.into(),
        }
    }
}

/// The outcome the agent chose.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct OutcomeBody {
    /// One of the hub's `call_outcomes`, in any letter case.
    #[schema(example = "Resolved")]
    outcome: String,
}

/// An outcome, queued.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct OutcomeQueued {
    /// False when the same request was queued before (a retry with the same key).
    queued: bool,
    /// The idempotency key it runs under: the request's `Idempotency-Key`, or one the hub made.
    key: String,
    /// The outcome as the hub's list spells it.
    #[schema(example = "Resolved")]
    outcome: String,
    /// Whether it goes to the call's Intercom conversation: false for a call the settings do
    /// not log, which gets its Aircall tag only.
    to_intercom: bool,
}

/// The wrap-up, ended.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct WrapUpDone {
    /// Always true.
    done: bool,
}

/// Chooses the call's outcome. It goes, queued like a note, to the call's Intercom
/// conversation (the list attribute "Call outcome", created with its options when missing) and
/// to the Aircall call as a tag; a call the settings do not log gets the tag only. Choosing
/// again replaces it.
#[utoipa::path(
    post,
    path = "/api/v1/calls/{id}/outcome",
    tag = "calls",
    params(
        ("id" = u64, Path, description = "Aircall's id of the call"),
        ("Idempotency-Key" = Option<String>, Header, description = "1 to 200 printable ASCII characters: a retry with the same key and request gets the first answer again"),
    ),
    request_body = OutcomeBody,
    security(("agent_token" = [])),
    responses(
        (status = 202, description = "Queued: it is written to the call's conversation (once the call is logged) and to the Aircall call", body = OutcomeQueued),
        (status = 400, description = "`bad_idempotency_key`; `bad_request`: a body that is not JSON, or an id that is not a number", body = ErrorBody),
        (status = 401, description = "`unauthorized`: no agent token, or one unknown or revoked", body = ErrorBody),
        (status = 404, description = "`not_found`: the hub has not seen this call, or the agent may not see it", body = ErrorBody),
        (status = 409, description = "`idempotency_key_in_use`: the first request with this key is still being answered", body = ErrorBody),
        (status = 422, description = "`unknown_outcome`: not one of the hub's outcomes (the message lists them); `no_outcomes`: the hub's list is empty; `idempotency_key_reused`: this key was used for another request; `unprocessable`: a body without `outcome`", body = ErrorBody),
        (status = 503, description = "`storage`: the hub's database could not answer; try again (with a `request_id`)", body = ErrorBody),
    )
)]
async fn choose_outcome(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
    Json(body): Json<OutcomeBody>,
) -> Result<Response, Failure> {
    let agent = authenticate(&state, &headers).await?;
    let client_key = client_key(&headers)?;
    state.engine.visible_call(&agent, id).await?;
    let call = id.to_string();
    let request = [call.as_str(), "outcome", body.outcome.as_str()];
    answer_once(&state, &agent, client_key.as_deref(), &request, || async {
        let unique = match &client_key {
            Some(k) => k.clone(),
            None => crate::store::new_token()?.expose()[3..27].to_owned(),
        };
        let chosen = state
            .engine
            .choose_outcome(&agent, id, &body.outcome, &unique)
            .await?;
        Ok((
            StatusCode::ACCEPTED,
            json!(OutcomeQueued {
                queued: chosen.queued,
                key: chosen.key,
                outcome: chosen.outcome,
                to_intercom: chosen.to_intercom,
            }),
        ))
    })
    .await
}

/// Ends the call's wrap-up: the agent pressed "Done". Refused while the hub requires an
/// outcome (`call_outcome_required`) and none was chosen. Presence then sets the teammate back
/// to the state they had before the call.
#[utoipa::path(
    post,
    path = "/api/v1/calls/{id}/done",
    tag = "calls",
    params(("id" = u64, Path, description = "Aircall's id of the call")),
    security(("agent_token" = [])),
    responses(
        (status = 200, description = "The wrap-up is over", body = WrapUpDone),
        (status = 400, description = "`bad_request`: an id that is not a number", body = ErrorBody),
        (status = 401, description = "`unauthorized`: no agent token, or one unknown or revoked", body = ErrorBody),
        (status = 404, description = "`not_found`: the hub has not seen this call, or the agent may not see it", body = ErrorBody),
        (status = 422, description = "`outcome_required`: the hub requires an outcome and none was chosen", body = ErrorBody),
        (status = 503, description = "`storage`: the hub's database could not answer; try again (with a `request_id`)", body = ErrorBody),
    )
)]
async fn done(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
) -> Result<Json<WrapUpDone>, Failure> {
    let agent = authenticate(&state, &headers).await?;
    state.engine.wrap_up_done(&agent, id).await?;
    Ok(Json(WrapUpDone { done: true }))
}
