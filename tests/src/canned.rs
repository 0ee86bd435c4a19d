//! A canned HTTP/1.1 server on loopback: each request gets the next scripted [`Reply`], so a
//! test can put a client in front of exactly the failure it wants (a 401, a 429 with a reset
//! header, a body that is not JSON, a server that never answers or hangs up).
//!
//! Every response closes its connection, so one request is one connection and the server can
//! count precisely what the client sent. The server owns its tasks: dropping it stops them all.

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// What the server does with one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// Writes this raw HTTP response, then closes the connection.
    Raw(String),
    /// Reads the request and never answers (the client's timeout has to fire).
    Hang,
    /// Reads the request and closes the connection without a response.
    Close,
}

impl Reply {
    /// A response with a JSON body.
    pub fn json(status: u16, body: &str) -> Reply {
        Reply::with_headers(status, &[], body)
    }

    /// A response with a JSON body and extra headers.
    pub fn with_headers(status: u16, headers: &[(&str, String)], body: &str) -> Reply {
        let mut head = format!(
            "HTTP/1.1 {status} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
            reason(status),
            body.len()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        Reply::Raw(format!("{head}\r\n{body}"))
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        409 => "Conflict",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// One request as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// `GET`, `POST`, …
    pub method: String,
    /// The request target, query included.
    pub target: String,
    /// The header lines, as sent.
    pub headers: String,
    /// The body.
    pub body: String,
    /// When the request had fully arrived.
    pub at: SystemTime,
}

/// A running canned server. Dropping it closes the listener and every connection.
#[derive(Debug)]
pub struct CannedServer {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    task: JoinHandle<()>,
}

impl CannedServer {
    /// Starts a server on `127.0.0.1` answering requests with `script` in order; once the
    /// script is used up, its last reply answers every further request.
    pub async fn start(script: Vec<Reply>) -> CannedServer {
        assert!(!script.is_empty(), "a script needs at least one reply");
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let url = format!("http://{}", listener.local_addr().expect("an address"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let task = tokio::spawn(serve(listener, script, seen.clone()));
        CannedServer { url, seen, task }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().expect("the request log").clone()
    }
}

impl Drop for CannedServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(listener: TcpListener, script: Vec<Reply>, seen: Arc<Mutex<Vec<Seen>>>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                connections.spawn(answer(stream, script.clone(), seen.clone()));
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn answer(mut stream: TcpStream, script: Vec<Reply>, seen: Arc<Mutex<Vec<Seen>>>) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    let reply = {
        let mut seen = seen.lock().expect("the request log");
        seen.push(request);
        script[(seen.len() - 1).min(script.len() - 1)].clone()
    };
    match reply {
        Reply::Raw(text) => {
            let _ = stream.write_all(text.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
        Reply::Hang => std::future::pending::<()>().await,
        Reply::Close => drop(stream),
    }
}

/// Reads one request: the head up to the blank line, then `Content-Length` bytes of body.
async fn read_request(stream: &mut TcpStream) -> Option<Seen> {
    let mut data = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let length = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = data[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    let (request_line, headers) = head.split_once("\r\n").unwrap_or((head.as_str(), ""));
    let mut words = request_line.split_whitespace();
    Some(Seen {
        method: words.next().unwrap_or_default().to_owned(),
        target: words.next().unwrap_or_default().to_owned(),
        headers: headers.to_owned(),
        body: String::from_utf8_lossy(&body).into_owned(),
        at: SystemTime::now(),
    })
}
