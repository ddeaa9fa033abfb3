//! Slow and idle clients over a raw socket: `scopegate-demo serve --header-timeout 1s
//! --body-timeout 1s` closes a connection whose headers stop half-way, answers 408 to a request
//! body that stalls and closes its connection, and closes a kept-alive connection that sends no
//! next request — each within a second of its timeout. A client that is slow but keeps within the
//! timeouts is served. (Before, with `axum::serve`'s defaults, all three were still open after
//! 45 s.)

#![allow(clippy::unwrap_used)]
#![cfg(unix)]

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::Server;
use common::stores::TempDir;
use scopegate_demo::admin;
use scopegate_demo::store::SqliteStore;

const TIMEOUT: Duration = Duration::from_secs(1);
/// How much later than its timeout a connection may close.
const SLACK: Duration = Duration::from_secs(1);

fn connect(server: &Server) -> TcpStream {
    let authority = server.base.trim_start_matches("http://").split('/').next().unwrap();
    let stream = TcpStream::connect(authority).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream
}

/// Reads until the server closes the connection: what it sent, and how long after `since`.
fn until_closed(stream: &mut TcpStream, since: Instant) -> (String, Duration) {
    let mut received = Vec::new();
    let mut buf = [0; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => received.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
            Err(e) => panic!("the connection is still open after {:?}: {e}", since.elapsed()),
        }
    }
    (String::from_utf8_lossy(&received).into_owned(), since.elapsed())
}

/// Reads one whole response whose body has `Content-Length`.
fn response(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let mut buf = [0; 4096];
    loop {
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "closed mid-response: {}", String::from_utf8_lossy(&received));
        received.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&received).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length: usize = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap())
                })
                .unwrap_or(0);
            if received.len() >= end + 4 + length {
                return text;
            }
        }
    }
}

#[track_caller]
fn closed_in_time(what: &str, took: Duration) {
    assert!(took >= TIMEOUT - Duration::from_millis(50), "{what}: closed after {took:?}, before the timeout");
    assert!(took <= TIMEOUT + SLACK, "{what}: closed after {took:?}, {TIMEOUT:?} + {SLACK:?} at most");
}

#[test]
fn slow_and_idle_connections_are_closed_after_their_timeouts() {
    let dir = TempDir::new("slow");
    let db = dir.0.join("demo.sqlite3");
    let owner = {
        let store = SqliteStore::open(&db).unwrap();
        format!("Session {}", admin::create_session(&store, "owner", false).unwrap().as_str())
    };
    let timeout = format!("{}ms", TIMEOUT.as_millis());
    let server = Server::start_with(&db, &["--header-timeout", &timeout, "--body-timeout", &timeout]);
    let mut figures = Vec::new();

    // Headers that stop half-way.
    let mut half = connect(&server);
    let sent = Instant::now();
    half.write_all(b"GET /api/0/ HTTP/1.1\r\nHost: demo\r\nX-Slow: ").unwrap();
    let (_, took) = until_closed(&mut half, sent);
    closed_in_time("half-sent headers", took);
    figures.push(("half-sent headers", took));

    // Headers dribbled a byte at a time, each in time for any per-read timeout: the whole head
    // is bounded, not the gap between bytes.
    let mut dribble = connect(&server);
    let sent = Instant::now();
    for byte in b"GET /api/0/ HTTP/1.1\r\nHost: demo\r\n".iter().cycle().take(200) {
        if dribble.write_all(&[*byte]).is_err() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
        if sent.elapsed() > TIMEOUT + SLACK {
            break;
        }
    }
    let (_, took) = until_closed(&mut dribble, sent);
    closed_in_time("dribbled headers", took);

    // A body that stalls after a few bytes: 408, then closed.
    let mut stalled = connect(&server);
    let head = format!(
        "POST /api/0/organizations/acme/dashboards/ HTTP/1.1\r\nHost: demo\r\nAuthorization: {owner}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"title\": \"sl"
    );
    stalled.write_all(head.as_bytes()).unwrap();
    let sent = Instant::now();
    let (answer, took) = until_closed(&mut stalled, sent);
    assert!(answer.starts_with("HTTP/1.1 408"), "a stalled body: {answer}");
    assert!(answer.contains("request_timeout"), "{answer}");
    closed_in_time("stalled body", took);
    figures.push(("stalled body", took));

    // A kept-alive connection that sends no second request.
    let mut idle = connect(&server);
    idle.write_all(b"GET /api/0/ HTTP/1.1\r\nHost: demo\r\n\r\n").unwrap();
    let first = response(&mut idle);
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");
    let answered = Instant::now();
    let (_, took) = until_closed(&mut idle, answered);
    closed_in_time("idle keep-alive", took);
    figures.push(("idle keep-alive", took));

    // Slow but within the timeouts: a body in two parts, 600 ms apart (1.2 s in all), and a
    // second request on the same connection 600 ms after the first answer.
    let mut patient = connect(&server);
    let body = r#"{"title": "Patient client"}"#;
    let head = format!(
        "POST /api/0/organizations/acme/dashboards/ HTTP/1.1\r\nHost: demo\r\nAuthorization: {owner}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    patient.write_all(head.as_bytes()).unwrap();
    for part in [&body[..10], &body[10..]] {
        std::thread::sleep(Duration::from_millis(600));
        patient.write_all(part.as_bytes()).unwrap();
    }
    let created = response(&mut patient);
    assert!(created.starts_with("HTTP/1.1 201"), "{created}");
    std::thread::sleep(Duration::from_millis(600));
    patient.write_all(b"GET /api/0/ HTTP/1.1\r\nHost: demo\r\n\r\n").unwrap();
    assert!(response(&mut patient).starts_with("HTTP/1.1 200"));

    eprintln!("timeouts of {TIMEOUT:?}: connections closed after {figures:?}");
}
