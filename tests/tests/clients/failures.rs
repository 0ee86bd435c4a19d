//! The clients in front of canned servers that fail on purpose: every status, timeout, broken
//! body and hang-up maps to the right [`ApiError`], reads retry within bounds, writes never
//! repeat a request the server may have acted on, a 429 is waited out until its reset, and no
//! error ever shows a credential.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ringside_core::intercom::{NewContact, Role, Upserted};
use ringside_core::{ApiError, HttpSettings};
use ringside_tests::canned::{CannedServer, Reply};
use ringside_tests::{aircall_client, intercom_client, quick_http};

const INTERCOM_TOKEN: &str = "tok-intercom-7f3a9c1e5b";
const AIRCALL_ID: &str = "canned-api-id";
const AIRCALL_TOKEN: &str = "tok-aircall-2d8e6b4f0a";
/// `base64("canned-api-id:tok-aircall-2d8e6b4f0a")`, as the Basic auth header carries it.
const AIRCALL_BASIC: &str = "Y2FubmVkLWFwaS1pZDp0b2stYWlyY2FsbC0yZDhlNmI0ZjBh";

/// One client call, against whichever canned server the case starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    /// `GET /me`.
    IntercomRead,
    /// `POST /conversations/{id}/reply` (a note).
    IntercomWrite,
    /// `GET /v1/calls/{id}`.
    AircallRead,
    /// `POST /v1/calls/{id}/comments`.
    AircallWrite,
}

impl Op {
    async fn run(self, url: &str, http: HttpSettings) -> Result<(), ApiError> {
        match self {
            Op::IntercomRead => intercom(url, http).me().await.map(drop),
            Op::IntercomWrite => intercom(url, http)
                .add_note("215475827415413", "991267700", "Call answered")
                .await
                .map(drop),
            Op::AircallRead => aircall(url, http).call(780836754).await.map(drop),
            Op::AircallWrite => {
                aircall(url, http)
                    .comment_call(780836754, "Logged to Intercom")
                    .await
            }
        }
    }

    /// A success answer for this call.
    fn ok(self) -> Reply {
        match self {
            Op::IntercomRead => Reply::json(
                200,
                r#"{"type":"admin","id":"991267700","name":"Acme Integration","email":"integration@acme.io","app":{"type":"app","id_code":"ecahpwf5","name":"Acme"}}"#,
            ),
            Op::IntercomWrite => Reply::json(
                200,
                r#"{"type":"conversation","id":"215475827415413","state":"open","created_at":1,"updated_at":2}"#,
            ),
            Op::AircallRead => Reply::json(
                200,
                r#"{"call":{"id":780836754,"direction":"inbound","status":"initial","raw_digits":"+33 7 62 04 35 75"}}"#,
            ),
            Op::AircallWrite => Reply::json(201, ""),
        }
    }

    /// The method every request of this call uses.
    fn method(self) -> &'static str {
        match self {
            Op::IntercomRead | Op::AircallRead => "GET",
            Op::IntercomWrite | Op::AircallWrite => "POST",
        }
    }
}

fn intercom(url: &str, http: HttpSettings) -> ringside_core::intercom::IntercomClient {
    intercom_client(url, INTERCOM_TOKEN, http)
}

fn aircall(url: &str, http: HttpSettings) -> ringside_core::aircall::AircallClient {
    aircall_client(url, AIRCALL_ID, AIRCALL_TOKEN, 6_000, http)
}

/// Three attempts for a read, and a 300 ms timeout.
fn impatient() -> HttpSettings {
    HttpSettings {
        request_timeout: Duration::from_millis(300),
        ..quick_http()
    }
}

fn intercom_error(status: u16, code: &str, message: &str) -> Reply {
    Reply::json(
        status,
        &format!(
            r#"{{"type":"error.list","request_id":"f0dc95f1","errors":[{{"code":"{code}","message":"{message}"}}]}}"#
        ),
    )
}

fn aircall_error(status: u16, error: &str) -> Reply {
    Reply::json(
        status,
        &format!(r#"{{"error":"{error}","troubleshoot":"Check the request"}}"#),
    )
}

/// Asserts that nothing a person could read from the error holds a credential.
fn assert_no_secret(error: &ApiError, case: &str) {
    let shown = format!("{error} {error:?} {}", error.body().unwrap_or_default());
    for secret in [INTERCOM_TOKEN, AIRCALL_TOKEN, AIRCALL_BASIC] {
        assert!(
            !shown.contains(secret),
            "{case}: the error shows a credential: {shown}"
        );
    }
}

type Check = fn(&Result<(), ApiError>) -> bool;

#[tokio::test]
async fn each_failure_maps_to_its_error_and_is_retried_only_when_safe() {
    // (case, call, script, what the caller gets, how many requests the server sees).
    let cases: Vec<(&str, Op, Vec<Reply>, Check, usize)> = vec![
        (
            "a 401 from Intercom is Unauthorized, not retried",
            Op::IntercomRead,
            vec![intercom_error(401, "unauthorized", "Access Token Invalid")],
            |r| matches!(r, Err(ApiError::Unauthorized { body, .. }) if body.contains("Access Token Invalid")),
            1,
        ),
        (
            "a 401 from Aircall is Unauthorized, not retried",
            Op::AircallRead,
            vec![aircall_error(401, "Unauthorized")],
            |r| matches!(r, Err(ApiError::Unauthorized { .. })),
            1,
        ),
        (
            "a 404 is NotFound",
            Op::IntercomRead,
            vec![intercom_error(404, "not_found", "Resource Not Found")],
            |r| matches!(r, Err(ApiError::NotFound { .. })),
            1,
        ),
        (
            "a 404 on a write is NotFound",
            Op::AircallWrite,
            vec![aircall_error(404, "Not found")],
            |r| matches!(r, Err(ApiError::NotFound { .. })),
            1,
        ),
        (
            "a 400 on a write is Rejected, not retried",
            Op::IntercomWrite,
            vec![intercom_error(
                400,
                "parameter_invalid",
                "admin_id is invalid",
            )],
            |r| matches!(r, Err(ApiError::Rejected { status: 400, .. })),
            1,
        ),
        (
            "a passing 500 on a read is retried",
            Op::IntercomRead,
            vec![
                intercom_error(500, "server_error", "Oops"),
                Op::IntercomRead.ok(),
            ],
            |r| r.is_ok(),
            2,
        ),
        (
            "a lasting 500 on a read gives up after the configured attempts",
            Op::AircallRead,
            vec![aircall_error(500, "Internal Server Error")],
            |r| matches!(r, Err(ApiError::Server { status: 500, .. })),
            3,
        ),
        (
            "a 503 on an Intercom write is not retried",
            Op::IntercomWrite,
            vec![
                intercom_error(503, "service_unavailable", "Try later"),
                Op::IntercomWrite.ok(),
            ],
            |r| matches!(r, Err(ApiError::Server { status: 503, .. })),
            1,
        ),
        (
            "a 500 on an Aircall write is not retried",
            Op::AircallWrite,
            vec![
                aircall_error(500, "Internal Server Error"),
                Op::AircallWrite.ok(),
            ],
            |r| matches!(r, Err(ApiError::Server { status: 500, .. })),
            1,
        ),
        (
            "a read that times out is retried, then reported as a Timeout",
            Op::IntercomRead,
            vec![Reply::Hang],
            |r| matches!(r, Err(ApiError::Timeout { .. })),
            3,
        ),
        (
            "an Intercom write that times out is not retried",
            Op::IntercomWrite,
            vec![Reply::Hang, Op::IntercomWrite.ok()],
            |r| matches!(r, Err(ApiError::Timeout { .. })),
            1,
        ),
        (
            "an Aircall write that times out is not retried",
            Op::AircallWrite,
            vec![Reply::Hang, Op::AircallWrite.ok()],
            |r| matches!(r, Err(ApiError::Timeout { .. })),
            1,
        ),
        (
            "a 200 that is not JSON is a Decode error keeping the body",
            Op::IntercomRead,
            vec![Reply::json(200, "<html>maintenance</html>")],
            |r| matches!(r, Err(ApiError::Decode { body, .. }) if body == "<html>maintenance</html>"),
            1,
        ),
        (
            "a 200 of the wrong shape is a Decode error keeping the body",
            Op::AircallRead,
            vec![Reply::json(200, r#"{"call":"780836754"}"#)],
            |r| matches!(r, Err(ApiError::Decode { body, .. }) if body.contains("780836754")),
            1,
        ),
        (
            "a connection dropped during a read is retried",
            Op::AircallRead,
            vec![Reply::Close, Op::AircallRead.ok()],
            |r| r.is_ok(),
            2,
        ),
        (
            "a connection that keeps dropping is a Network error",
            Op::IntercomRead,
            vec![Reply::Close],
            |r| matches!(r, Err(ApiError::Network { connect: false, .. })),
            3,
        ),
        (
            "a connection dropped during a write is a Network error, not retried",
            Op::IntercomWrite,
            vec![Reply::Close, Op::IntercomWrite.ok()],
            |r| matches!(r, Err(ApiError::Network { .. })),
            1,
        ),
    ];
    for (case, op, script, check, expected_requests) in cases {
        let server = CannedServer::start(script).await;
        let result = op.run(server.url(), impatient()).await;
        assert!(check(&result), "{case}: got {result:?}");
        let requests = server.requests();
        assert_eq!(requests.len(), expected_requests, "{case}: {requests:#?}");
        assert!(requests.iter().all(|r| r.method == op.method()), "{case}");
        if let Err(error) = &result {
            assert_no_secret(error, case);
        }
    }
}

#[tokio::test]
async fn an_unreachable_host_is_a_network_error_without_the_credentials() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    for op in [Op::IntercomRead, Op::AircallWrite] {
        let result = op.run(&url, quick_http()).await;
        match &result {
            Err(error @ ApiError::Network { connect: true, .. }) => {
                assert!(error.is_transient());
                assert_no_secret(error, "unreachable");
            }
            other => panic!("{op:?}: expected a connection error, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn an_answer_too_large_to_read_whole_is_refused_in_words() {
    // 9 MiB of conversations, with its length announced, then without (read as it comes).
    let huge = format!(
        r#"{{"type":"admin","id":"1","name":"{}"}}"#,
        "x".repeat(9 << 20)
    );
    let announced = Reply::json(200, &huge);
    let streamed = Reply::Raw(format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{huge}"
    ));
    for reply in [announced, streamed] {
        let server = CannedServer::start(vec![reply]).await;
        let result = intercom(server.url(), quick_http()).me().await;
        match result {
            Err(ApiError::Decode { reason, body, .. }) => {
                assert!(reason.contains("larger than 8 MiB"), "{reason}");
                assert!(body.is_empty());
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_duplicate_contact_gives_back_the_existing_id() {
    let server = CannedServer::start(vec![intercom_error(
        409,
        "conflict",
        "A contact matching those details already exists with id=5da6f18e3d7cf967e4582d05",
    )])
    .await;
    let new = NewContact {
        role: Role::Lead,
        name: None,
        email: Some("jane@acme.io".into()),
        phone: None,
    };
    let upserted = intercom(server.url(), quick_http())
        .create_contact(&new)
        .await
        .unwrap();
    assert_eq!(
        upserted,
        Upserted::Existing("5da6f18e3d7cf967e4582d05".into())
    );
    assert_eq!(server.requests().len(), 1);
    assert!(server.requests()[0].body.contains("jane@acme.io"));

    // A conflict that names no contact stays an error.
    let server = CannedServer::start(vec![intercom_error(409, "conflict", "Conflict")]).await;
    let result = intercom(server.url(), quick_http())
        .create_contact(&new)
        .await;
    assert!(
        matches!(
            result,
            Err(ApiError::Conflict {
                existing_id: None,
                ..
            })
        ),
        "{result:?}"
    );
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A 429 from `op`'s API whose window resets at `reset` (UNIX seconds).
fn too_many(op: Op, reset: u64) -> Reply {
    let (header, body) = match op {
        Op::IntercomRead | Op::IntercomWrite => (
            "X-RateLimit-Reset",
            r#"{"type":"error.list","errors":[{"code":"rate_limit_exceeded","message":"Exceeded rate limit of 167 in 10_seconds"}]}"#,
        ),
        Op::AircallRead | Op::AircallWrite => (
            "X-AircallApi-Reset",
            r#"{"error":"Too many requests","troubleshoot":"Retry after X-AircallApi-Reset"}"#,
        ),
    };
    let remaining = match op {
        Op::IntercomRead | Op::IntercomWrite => "X-RateLimit-Remaining",
        Op::AircallRead | Op::AircallWrite => "X-AircallApi-Remaining",
    };
    Reply::with_headers(
        429,
        &[(header, reset.to_string()), (remaining, "0".to_owned())],
        body,
    )
}

#[tokio::test]
async fn a_429_is_waited_out_until_the_reset_then_sent_again() {
    // A refused request was not processed, so writes retry after a 429 as reads do.
    let mut runs = tokio::task::JoinSet::new();
    for op in [
        Op::IntercomRead,
        Op::IntercomWrite,
        Op::AircallRead,
        Op::AircallWrite,
    ] {
        runs.spawn(async move {
            let reset = unix_now() + 2;
            let server = CannedServer::start(vec![too_many(op, reset), op.ok()]).await;
            let started = Instant::now();
            let result = op.run(server.url(), quick_http()).await;
            (op, reset, result, started.elapsed(), server.requests())
        });
    }
    while let Some(run) = runs.join_next().await {
        let (op, reset, result, took, requests) = run.unwrap();
        assert!(result.is_ok(), "{op:?}: {result:?}");
        assert_eq!(requests.len(), 2, "{op:?}");
        let reset_at = UNIX_EPOCH + Duration::from_secs(reset);
        assert!(
            requests[1].at >= reset_at,
            "{op:?}: sent again before the reset"
        );
        // The reset was at most two seconds away; the client allows one more for clock skew.
        assert!(
            took < Duration::from_millis(4_500),
            "{op:?}: waited {took:?}"
        );
    }
}

#[tokio::test]
async fn a_429_resetting_too_far_ahead_is_reported_at_once() {
    let reset = unix_now() + 600;
    let server = CannedServer::start(vec![too_many(Op::IntercomRead, reset)]).await;
    let started = Instant::now();
    let result = Op::IntercomRead.run(server.url(), quick_http()).await;
    assert!(started.elapsed() < Duration::from_secs(1));
    match result {
        Err(ApiError::RateLimited {
            reset_at: Some(at), ..
        }) => assert_eq!(at, UNIX_EPOCH + Duration::from_secs(reset)),
        other => panic!("expected RateLimited with the reset time, got {other:?}"),
    }
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn the_credentials_are_sent_and_only_in_the_authorization_header() {
    let server = CannedServer::start(vec![Op::IntercomRead.ok()]).await;
    Op::IntercomRead
        .run(server.url(), quick_http())
        .await
        .unwrap();
    let seen = &server.requests()[0];
    assert!(seen
        .headers
        .lines()
        .any(|l| l.eq_ignore_ascii_case(&format!("authorization: Bearer {INTERCOM_TOKEN}"))));
    assert!(seen
        .headers
        .lines()
        .any(|l| l.eq_ignore_ascii_case("intercom-version: 2.16")));
    assert!(!seen.target.contains(INTERCOM_TOKEN));

    let server = CannedServer::start(vec![Op::AircallRead.ok()]).await;
    Op::AircallRead
        .run(server.url(), quick_http())
        .await
        .unwrap();
    let seen = &server.requests()[0];
    assert!(seen
        .headers
        .lines()
        .any(|l| l.eq_ignore_ascii_case(&format!("authorization: Basic {AIRCALL_BASIC}"))));
    assert!(!seen.target.contains(AIRCALL_TOKEN));
}
