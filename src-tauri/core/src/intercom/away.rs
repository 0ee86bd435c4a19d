//! Teammates' away mode and the workspace's away reasons: `GET /admins/{id}` read for its away
//! fields, `PUT /admins/{id}/away`, `GET /away_status_reasons`. An away reason's id may come
//! as a number or a string, and may be absent or null: each reads as a number or none.

use reqwest::Method;
use serde::{Deserialize, Deserializer};
use serde_json::{json, Value};

use super::IntercomClient;
use crate::error::{Api, ApiError};
use crate::transport::{path_segment, Call};

/// A teammate's away mode as Intercom has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AwayMode {
    /// Away mode on.
    pub enabled: bool,
    /// New conversations go back to the inbox while away.
    pub reassign: bool,
    /// The away reason, when there is one.
    pub reason_id: Option<i64>,
}

/// One of the workspace's away reasons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwayReason {
    /// Intercom's id.
    pub id: i64,
    /// What teammates see ("On a break").
    pub label: String,
    /// Deleted reasons are still listed; none may be set.
    pub deleted: bool,
    /// Their order in Intercom's menu.
    pub order: i64,
}

/// Why Intercom refused an away mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AwayRefusal {
    /// The workspace requires a reason (`away_status_reason_mandatory`).
    ReasonMandatory,
    /// The reason is deleted or unknown (`parameter_invalid`).
    ReasonInvalid,
    /// No such teammate (`admin_not_found`).
    NoTeammate,
}

impl AwayRefusal {
    /// Reads a refusal of `PUT /admins/{id}/away` from its error; `None` for other errors.
    pub fn of(error: &ApiError) -> Option<AwayRefusal> {
        match error {
            ApiError::NotFound { .. } => Some(AwayRefusal::NoTeammate),
            ApiError::Rejected { body, .. } => {
                let codes = error_codes(body);
                if codes.iter().any(|c| c == "away_status_reason_mandatory") {
                    Some(AwayRefusal::ReasonMandatory)
                } else if codes.iter().any(|c| c == "admin_not_found") {
                    Some(AwayRefusal::NoTeammate)
                } else if codes.iter().any(|c| c == "parameter_invalid") {
                    Some(AwayRefusal::ReasonInvalid)
                } else {
                    None
                }
            }
            _ => None,
        }
    }
}

/// The `code`s of an Intercom `error.list`.
fn error_codes(body: &str) -> Vec<String> {
    let parsed: Value = serde_json::from_str(body).unwrap_or_default();
    parsed["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["code"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// A reason id as a number, from a number, a numeric string, or nothing.
fn lenient_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

#[derive(Debug, Deserialize)]
struct WireAway {
    #[serde(default)]
    away_mode_enabled: Option<bool>,
    #[serde(default)]
    away_mode_reassign: Option<bool>,
    #[serde(default, deserialize_with = "lenient_id")]
    away_status_reason_id: Option<i64>,
}

impl From<WireAway> for AwayMode {
    fn from(w: WireAway) -> Self {
        AwayMode {
            enabled: w.away_mode_enabled.unwrap_or(false),
            reassign: w.away_mode_reassign.unwrap_or(false),
            reason_id: w.away_status_reason_id,
        }
    }
}

impl AwayMode {
    /// The away fields of an admin object (a notification's `data.item`, an API answer).
    pub fn of_admin(admin: &Value) -> AwayMode {
        serde_json::from_value::<WireAway>(admin.clone())
            .map(AwayMode::from)
            .unwrap_or_default()
    }
}

#[derive(Debug, Deserialize)]
struct WireReason {
    #[serde(deserialize_with = "lenient_id")]
    id: Option<i64>,
    #[serde(default)]
    label: String,
    #[serde(default)]
    deleted: bool,
    #[serde(default)]
    order: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum WireReasons {
    List { data: Vec<WireReason> },
    Bare(Vec<WireReason>),
}

impl IntercomClient {
    /// `GET /admins/{id}`: the teammate's away mode now.
    pub async fn away_mode(&self, admin_id: &str) -> Result<AwayMode, ApiError> {
        let path = format!("/admins/{}", path_segment(Api::Intercom, admin_id)?);
        let wire: WireAway = self.transport.json(self.priority, Call::get(path)).await?;
        Ok(wire.into())
    }

    /// `PUT /admins/{id}/away`: sets the teammate's away mode; answers it as Intercom now has
    /// it. Setting a state is safe to repeat, so it retries like a read.
    pub async fn set_away_mode(
        &self,
        admin_id: &str,
        away: AwayMode,
    ) -> Result<AwayMode, ApiError> {
        let path = format!("/admins/{}/away", path_segment(Api::Intercom, admin_id)?);
        let mut body = json!({
            "away_mode_enabled": away.enabled,
            "away_mode_reassign": away.reassign,
        });
        if let (true, Some(id)) = (away.enabled, away.reason_id) {
            body["away_status_reason_id"] = json!(id);
        }
        let call = Call::write(Method::PUT, path, Some(body)).idempotent();
        let wire: WireAway = self.transport.json(self.priority, call).await?;
        Ok(wire.into())
    }

    /// `GET /away_status_reasons`: the workspace's away reasons, deleted ones included, in
    /// Intercom's order. A workspace without the feature (404) has none.
    pub async fn away_reasons(&self) -> Result<Vec<AwayReason>, ApiError> {
        let wire: WireReasons = match self
            .transport
            .json(self.priority, Call::get("/away_status_reasons"))
            .await
        {
            Ok(w) => w,
            Err(ApiError::NotFound { .. }) => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let list = match wire {
            WireReasons::List { data } | WireReasons::Bare(data) => data,
        };
        let mut reasons: Vec<AwayReason> = list
            .into_iter()
            .filter_map(|r| {
                Some(AwayReason {
                    id: r.id?,
                    label: r.label,
                    deleted: r.deleted,
                    order: r.order.unwrap_or(i64::MAX),
                })
            })
            .collect();
        reasons.sort_by_key(|r| r.order);
        Ok(reasons)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_away_reason_id_reads_from_a_number_a_string_or_nothing() {
        for (admin, expected) in [
            (
                json!({"away_mode_enabled": true, "away_status_reason_id": 12}),
                Some(12),
            ),
            (
                json!({"away_mode_enabled": true, "away_status_reason_id": "12"}),
                Some(12),
            ),
            (
                json!({"away_mode_enabled": true, "away_status_reason_id": null}),
                None,
            ),
            (json!({"away_mode_enabled": true}), None),
        ] {
            assert_eq!(AwayMode::of_admin(&admin).reason_id, expected, "{admin}");
        }
        assert_eq!(AwayMode::of_admin(&json!({})), AwayMode::default());
    }

    #[test]
    fn intercoms_refusals_are_told_apart() {
        let rejected = |code: &str| ApiError::Rejected {
            api: Api::Intercom,
            status: 400,
            body: json!({"type": "error.list", "errors": [{"code": code, "message": "x"}]})
                .to_string(),
        };
        assert_eq!(
            AwayRefusal::of(&rejected("away_status_reason_mandatory")),
            Some(AwayRefusal::ReasonMandatory)
        );
        assert_eq!(
            AwayRefusal::of(&rejected("parameter_invalid")),
            Some(AwayRefusal::ReasonInvalid)
        );
        assert_eq!(AwayRefusal::of(&rejected("other")), None);
        let missing = ApiError::NotFound {
            api: Api::Intercom,
            body: String::new(),
        };
        assert_eq!(AwayRefusal::of(&missing), Some(AwayRefusal::NoTeammate));
    }
}
