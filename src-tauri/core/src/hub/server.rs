//! The hub's HTTP server and what it refuses to let a client hold: the limits ([`HubLimits`]),
//! the same on plain HTTP and HTTPS. Both run on `axum-server` over hyper: hyper closes a
//! connection whose request headers do not arrive in time, `axum-server` closes one whose first
//! request does not, a connection over the cap is closed as soon as it is accepted, and
//! tower-http's layers bound how long a request body and a (non-streaming) answer may take.

use std::future::{ready, Ready};
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum_server::accept::{Accept, DefaultAcceptor};
use axum_server::tls_rustls::RustlsConfig;
use axum_server::Handle;
use futures_util::future::Either;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// How much the hub lets its clients take, and how long it keeps what it stores.
#[derive(Debug, Clone)]
pub struct HubLimits {
    /// A connection's request headers must arrive within this (and its first request too).
    pub header_read_timeout: Duration,
    /// A request body must arrive within this.
    pub body_timeout: Duration,
    /// Any answer but the event stream must be ready within this.
    pub request_timeout: Duration,
    /// Open connections at most; more are closed as soon as they are accepted.
    pub max_connections: usize,
    /// Open event streams per agent at most; one more is refused with a 429.
    pub streams_per_agent: usize,
    /// How often an open event stream checks that its token still works.
    pub token_recheck: Duration,
    /// Finished data older than this is deleted.
    pub retention: Duration,
    /// How often the hub deletes what is past retention.
    pub prune_every: Duration,
    /// Cards an agent may look up by number (`GET /api/v1/cards?phone=`) a minute.
    pub card_lookups_per_minute: u32,
}

/// The retention period's bounds, in days.
pub const RETENTION_DAYS: std::ops::RangeInclusive<u32> = 1..=3650;

impl Default for HubLimits {
    fn default() -> Self {
        HubLimits {
            header_read_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(60),
            max_connections: 4096,
            streams_per_agent: 4,
            token_recheck: Duration::from_secs(2),
            retention: Duration::from_secs(30 * 86_400),
            prune_every: Duration::from_secs(3600),
            card_lookups_per_minute: 30,
        }
    }
}

impl HubLimits {
    /// The defaults, keeping finished data `days` days (bounded by [`RETENTION_DAYS`]).
    pub fn with_retention_days(days: u32) -> Result<Self, String> {
        if !RETENTION_DAYS.contains(&days) {
            return Err(format!(
                "a retention of {days} days is outside {} to {}",
                RETENTION_DAYS.start(),
                RETENTION_DAYS.end()
            ));
        }
        Ok(HubLimits {
            retention: Duration::from_secs(u64::from(days) * 86_400),
            ..HubLimits::default()
        })
    }
}

/// An acceptor that closes a connection at once when the server already holds its cap.
#[derive(Debug, Clone)]
struct Capped<A> {
    inner: A,
    handle: Handle<SocketAddr>,
    max: usize,
}

impl<A, I, S> Accept<I, S> for Capped<A>
where
    A: Accept<I, S>,
{
    type Stream = A::Stream;
    type Service = A::Service;
    type Future = Either<Ready<io::Result<(A::Stream, A::Service)>>, A::Future>;

    fn accept(&self, stream: I, service: S) -> Self::Future {
        // The count includes the connection being accepted.
        if self.handle.connection_count() > self.max {
            tracing::warn!(
                max = self.max,
                "connection refused: the hub holds its maximum"
            );
            return Either::Left(ready(Err(io::Error::other("too many connections"))));
        }
        Either::Right(self.inner.accept(stream, service))
    }
}

/// Serves `app` on `listener` (HTTPS with `tls`) with the limits, until `stop` turns true.
pub(super) async fn serve(
    listener: TcpListener,
    app: Router,
    tls: Option<RustlsConfig>,
    limits: HubLimits,
    mut stop: watch::Receiver<bool>,
) {
    let handle = Handle::new();
    let on_stop = handle.clone();
    tokio::spawn(async move {
        let _ = stop.wait_for(|s| *s).await;
        on_stop.graceful_shutdown(Some(Duration::from_secs(5)));
    });
    let listener = match listener.into_std() {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(error = %e, "the hub's listener cannot be served");
            return;
        }
    };
    // HTTP/1 only: every client of the hub (Aircall, Intercom, the app, a browser) speaks it,
    // and HTTP/2 would bring connections that none of HTTP/1's header and idle limits govern.
    let mut server = match axum_server::from_tcp(listener) {
        Ok(server) => server.http1_only(),
        Err(e) => {
            tracing::error!(error = %e, "the hub's listener cannot be served");
            return;
        }
    };
    server
        .http_builder()
        .http1()
        .header_read_timeout(limits.header_read_timeout);
    let server = server
        .first_request_timeout(limits.header_read_timeout)
        .handle(handle.clone());
    let (handle, max) = (handle.clone(), limits.max_connections);
    let service = app.into_make_service();
    let result = match tls {
        None => {
            server
                .acceptor(Capped {
                    inner: DefaultAcceptor::new(),
                    handle,
                    max,
                })
                .serve(service)
                .await
        }
        Some(tls) => {
            // Offer HTTP/1.1 alone in the TLS handshake: a client asking for h2 gets HTTP/1.1.
            let mut config = (*tls.get_inner()).clone();
            config.alpn_protocols = vec![b"http/1.1".to_vec()];
            tls.reload_from_config(std::sync::Arc::new(config));
            let acceptor = axum_server::tls_rustls::RustlsAcceptor::new(tls)
                .handshake_timeout(limits.header_read_timeout);
            let capped = Capped {
                inner: acceptor,
                handle,
                max,
            };
            server.acceptor(capped).serve(service).await
        }
    };
    if let Err(e) = result {
        tracing::error!(error = %e, "the hub's HTTP server stopped");
    }
}
