//! Teammates' away mode and the workspace's away reasons (`PUT /admins/{id}/away`,
//! `GET /away_status_reasons`). (Being built: see issue 21.)
