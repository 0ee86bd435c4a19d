//! Setting an Aircall user available or unavailable (`PUT /v1/users/:id` with
//! `availability_status`): the reverse direction of presence, for an agent who set themselves
//! away in Intercom.

use reqwest::Method;
use serde_json::json;

use super::AircallClient;
use crate::error::ApiError;
use crate::transport::Call;

impl AircallClient {
    /// `PUT /v1/users/:id` `{"availability_status": "available" | "unavailable"}`. Setting a
    /// state is safe to repeat, so it retries like a read.
    pub async fn set_available(&self, user_id: u64, available: bool) -> Result<(), ApiError> {
        let status = if available {
            "available"
        } else {
            "unavailable"
        };
        let call = Call::write(
            Method::PUT,
            format!("/v1/users/{user_id}"),
            Some(json!({ "availability_status": status })),
        )
        .idempotent();
        self.transport.unit(self.priority, call).await
    }
}
