//! Idle and slow connections over real TCP: a connection that sends half a
//! request header is closed after the header timeout, an idle keep-alive
//! connection after the idle timeout, and a request in progress is never cut.
//! The timeouts are short here (1-3 s) through `ServerConfig`; the bounds
//! asserted are lower bounds (the server must not close early), the upper
//! one only keeps a broken server from hanging the test.

use std::time::Duration;

use licencias::server::{self, RunningServer, ServerConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

/// Longest a test waits for the server to close a connection.
const GIVE_UP: Duration = Duration::from_secs(30);

async fn start(header: Duration, idle: Duration) -> RunningServer {
    server::spawn(ServerConfig {
        header_timeout: header,
        idle_timeout: idle,
        ..ServerConfig::default()
    })
    .await
    .unwrap()
}

/// Read until the server closes the connection; returns what was read.
async fn read_to_close(stream: &mut TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    let read = tokio::time::timeout(GIVE_UP, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(read.is_ok(), "the server never closed the connection");
    out
}

/// Read one whole response (headers and a Content-Length body).
async fn read_response(stream: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(GIVE_UP, stream.read(&mut buf))
            .await
            .expect("no answer")
            .unwrap();
        assert!(n > 0, "closed before a whole answer: {out:?}");
        out.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&out).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if out.len() >= end + 4 + length {
                return text;
            }
        }
    }
}

#[tokio::test]
async fn half_a_request_header_is_closed_after_the_header_timeout() {
    let server = start(Duration::from_secs(1), Duration::from_secs(30)).await;
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    let sent = Instant::now();
    stream
        .write_all(b"GET /api/v1/policy HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .unwrap();
    let got = read_to_close(&mut stream).await;
    assert!(sent.elapsed() >= Duration::from_secs(1));
    assert!(got.is_empty() || String::from_utf8_lossy(&got).contains(" 408 "));
    // The server still answers others.
    let policy = reqwest::get(format!("{}/api/v1/policy", server.base_url()))
        .await
        .unwrap();
    assert_eq!(policy.status(), reqwest::StatusCode::OK);
    server.shutdown().await;
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_after_the_header_timeout() {
    let server = start(Duration::from_secs(1), Duration::from_secs(30)).await;
    let opened = Instant::now();
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    let got = read_to_close(&mut stream).await;
    assert!(opened.elapsed() >= Duration::from_secs(1));
    assert!(got.is_empty(), "{got:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    // The idle timeout is longer than the header one: an idle connection
    // is closed by the idle one.
    let server = start(Duration::from_secs(1), Duration::from_secs(3)).await;
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    for _ in 0..2 {
        stream
            .write_all(b"GET /api/v1/policy HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let answer = read_response(&mut stream).await;
        assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
    }
    let idle_from = Instant::now();
    let got = read_to_close(&mut stream).await;
    assert!(got.is_empty(), "{got:?}");
    assert!(
        idle_from.elapsed() >= Duration::from_secs(3),
        "closed after {:?}, before the idle timeout",
        idle_from.elapsed()
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_request_in_progress_is_not_cut() {
    let server = start(Duration::from_secs(1), Duration::from_secs(1)).await;
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    let body = br#"{"username":"nobody","password":"wrong"}"#;
    let head = format!(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body[..10]).await.unwrap();
    // Longer than both timeouts, with the request started.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    stream.write_all(&body[10..]).await.unwrap();
    let answer = read_response(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 401 "), "{answer}");
    assert!(answer.contains("invalid_credentials"), "{answer}");
    server.shutdown().await;
}

#[tokio::test]
async fn a_slow_but_steady_header_is_not_cut_before_its_timeout() {
    let server = start(Duration::from_secs(3), Duration::from_secs(1)).await;
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    // A first request, then the next header in pieces, longer in total than
    // the idle timeout but within the header one.
    stream
        .write_all(b"GET /api/v1/policy HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    assert!(
        read_response(&mut stream)
            .await
            .starts_with("HTTP/1.1 200 ")
    );
    for piece in [
        &b"GET /api/v1/policy HTTP/1.1\r\n"[..],
        b"Host: x\r\n",
        b"\r\n",
    ] {
        stream.write_all(piece).await.unwrap();
        tokio::time::sleep(Duration::from_millis(700)).await;
    }
    assert!(
        read_response(&mut stream)
            .await
            .starts_with("HTTP/1.1 200 ")
    );
    server.shutdown().await;
}
