//! (Being built: see issue 21.)

use utoipa_axum::router::OpenApiRouter;

use super::AppState;

/// The routes of this file.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}
