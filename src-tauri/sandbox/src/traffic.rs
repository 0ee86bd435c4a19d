//! What every request goes through before its handler, and the log of requests served.
//!
//! Both fake APIs share the first steps: wait for the injected latency, then take at most one
//! injected fault. A dropped connection is handled here (the connection is closed and the
//! request never answered); a failure status or a rate-limit refusal is handed back to the API,
//! which renders it in its own error shape.

use std::sync::{Arc, Mutex};

use axum::extract::Request;
use serde::Serialize;

use crate::faults::{Api, Fault, Faults};
use crate::server::Connection;

/// One request as the sandbox saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestRecord {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path without the query string, e.g. `/contacts/search`.
    pub path: String,
    /// The status answered, or 0 when the connection was closed without a response (a dropped
    /// request, or a lost answer to a handled one).
    pub status: u16,
}

/// The requests one API has served, in arrival order of their completion.
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestLog(Arc<Mutex<Vec<RequestRecord>>>);

impl RequestLog {
    /// Appends one request.
    pub(crate) fn record(&self, method: &str, path: &str, status: u16) {
        let mut log = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        log.push(RequestRecord {
            method: method.to_owned(),
            path: path.to_owned(),
            status,
        });
    }

    /// A copy of the log.
    pub(crate) fn snapshot(&self) -> Vec<RequestRecord> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// How many requests were logged.
    pub(crate) fn len(&self) -> usize {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }
}

/// Waits for `api`'s latency and takes its next injected fault.
///
/// A [`Fault::Drop`] never returns: the connection is closed and this future stays pending
/// until the connection task drops it.
pub(crate) fn before_handler<'a>(
    api: Api,
    faults: &'a Faults,
    log: &'a RequestLog,
    request: &Request,
) -> impl std::future::Future<Output = Option<Fault>> + Send + 'a {
    // The request body is not `Sync`, so nothing borrowed from the request may live across an
    // await point.
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let connection = request.extensions().get::<Connection>().cloned();
    wait_and_take(api, faults, log, method, path, connection)
}

async fn wait_and_take(
    api: Api,
    faults: &Faults,
    log: &RequestLog,
    method: String,
    path: String,
    connection: Option<Connection>,
) -> Option<Fault> {
    let latency = faults.latency(api);
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let fault = faults.take(api);
    if fault == Some(Fault::Drop) {
        log.record(&method, &path, 0);
        if let Some(connection) = connection {
            connection.close();
        }
        std::future::pending::<()>().await;
    }
    fault
}

/// After a successful handler: when a lost answer is due, closes the connection without the
/// response and never returns (the connection task drops this future).
pub(crate) async fn maybe_lose_answer(
    api: Api,
    faults: &Faults,
    log: &RequestLog,
    method: &str,
    path: &str,
    connection: Option<Connection>,
) {
    if !faults.take_lost_answer(api) {
        return;
    }
    log.record(method, path, 0);
    if let Some(connection) = connection {
        connection.close();
    }
    std::future::pending::<()>().await;
}

/// The query string's parameters (the last value wins when a key repeats).
pub(crate) fn query_params(raw: Option<&str>) -> std::collections::HashMap<String, String> {
    url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}
