//! Serving a router on a loopback listener, one task per connection.
//!
//! `axum::serve` cannot close a single connection on demand, and the `drop_next` fault needs
//! exactly that, so the accept loop is written here on top of hyper. Each connection task puts a
//! [`Connection`] handle in every request's extensions; a handler that calls
//! [`Connection::close`] makes the task drop the connection without writing a response.
//!
//! The accept loop owns its connection tasks (a `JoinSet`), and the [`Server`] owns the accept
//! loop: dropping the `Server` stops everything.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, Response};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::{JoinHandle, JoinSet};
use tower::ServiceExt;

/// The connection a request arrived on; lets a handler hang up without answering.
#[derive(Debug, Clone)]
pub(crate) struct Connection {
    hang_up: Arc<Notify>,
}

impl Connection {
    /// Closes the connection; the request being handled gets no response.
    pub(crate) fn close(&self) {
        self.hang_up.notify_one();
    }
}

/// A running server. Dropping it stops the accept loop and every open connection.
#[derive(Debug)]
pub(crate) struct Server {
    addr: SocketAddr,
    task: Option<JoinHandle<()>>,
}

impl Server {
    /// Binds `addr` (port 0 picks a free port).
    pub(crate) async fn bind(addr: SocketAddr) -> io::Result<(TcpListener, SocketAddr)> {
        let listener = TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        Ok((listener, local))
    }

    /// Serves `router` on an already bound listener.
    pub(crate) fn spawn(listener: TcpListener, addr: SocketAddr, router: Router) -> Server {
        let task = tokio::spawn(accept_loop(listener, router));
        Server {
            addr,
            task: Some(task),
        }
    }

    /// The address the server listens on.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops the server and waits until its tasks are gone.
    pub(crate) async fn stop(mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

async fn accept_loop(listener: TcpListener, router: Router) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, router.clone()));
                }
                Err(error) => {
                    tracing::warn!(%error, "sandbox: accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn serve_connection(stream: TcpStream, router: Router) {
    let _ = stream.set_nodelay(true);
    let connection = Connection {
        hang_up: Arc::new(Notify::new()),
    };
    let hang_up = connection.hang_up.clone();
    let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(connection.clone());
        let router = router.clone();
        async move {
            let response: Result<Response<Body>, Infallible> = router.oneshot(request).await;
            response
        }
    });
    let serving =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        result = serving => {
            if let Err(error) = result {
                tracing::debug!(%error, "sandbox: connection ended with an error");
            }
        }
        () = hang_up.notified() => {
            // Dropping the connection future closes the socket without a response.
        }
    }
}
