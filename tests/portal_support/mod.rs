//! Shared helpers for the `portal_*` integration tests: the real reference
//! server on 127.0.0.1:0, a signed-in `PortalClient`, and a faulty front: a
//! small raw HTTP/1.1 proxy on loopback that forwards to the real server
//! except where a planned fault says otherwise.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use licencias::portal::{ClientOptions, PortalClient, Session};
use licencias::server::{self, RunningServer, ServerConfig};
use secrecy::SecretString;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The demo tenant with a short provisioning delay.
pub async fn demo_server(delay: Duration) -> RunningServer {
    server::spawn(ServerConfig {
        provisioning_delay: delay,
        ..ServerConfig::default()
    })
    .await
    .expect("the demo server starts")
}

/// Fast options for tests: quick backoff, short timeouts.
pub fn test_options() -> ClientOptions {
    ClientOptions {
        connect_timeout: Duration::from_secs(5),
        request_timeout: Duration::from_secs(10),
        max_retries: 3,
        backoff_base: Duration::from_millis(20),
        backoff_max: Duration::from_millis(200),
        max_retry_after: Duration::from_secs(5),
        ..ClientOptions::default()
    }
}

pub fn client_for(url: &str, opts: ClientOptions) -> PortalClient {
    PortalClient::new(url, opts).expect("loopback URL is accepted")
}

pub fn demo_password() -> SecretString {
    SecretString::from(server::DEMO_PASSWORD)
}

/// Sign in as the demo user (login, enrol, verify with a computed code).
pub async fn sign_in(client: &PortalClient) -> Session {
    licencias::portal::demo::sign_in_demo(client, server::DEMO_USERNAME, &demo_password())
        .await
        .expect("demo sign-in")
}

/// What the faulty front does with one matching request.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer this status with an API error envelope (`code`), optional
    /// `Retry-After` header, without asking the server.
    Status {
        status: u16,
        code: &'static str,
        retry_after: Option<u64>,
    },
    /// 200 with a body that is not JSON.
    Garbage,
    /// 200 with valid JSON of the wrong shape.
    WrongShape,
    /// Forward, then answer with the body cut in half.
    Truncated,
    /// Wait this long before forwarding.
    Slow(Duration),
    /// Close the connection without forwarding or answering.
    ResetBefore,
    /// Forward to the server (which acts on it), then close the connection
    /// without answering.
    ResetAfter,
}

/// A planned fault: applies to the next `times` requests whose method and
/// path match (`path_contains` is a substring of the request path).
#[derive(Debug, Clone)]
pub struct Plan {
    pub method: &'static str,
    pub path_contains: &'static str,
    pub fault: Fault,
    pub times: u32,
}

/// A request as seen by the front.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub idempotency_key: Option<String>,
    pub authorization: Option<String>,
    pub body: Vec<u8>,
    /// Was it forwarded to the server?
    pub forwarded: bool,
}

#[derive(Default)]
struct FrontState {
    plans: VecDeque<Plan>,
    seen: Vec<Seen>,
}

/// The faulty front. Drop it to stop accepting.
pub struct FaultyFront {
    pub url: String,
    state: Arc<Mutex<FrontState>>,
    upstream: Arc<Mutex<std::net::SocketAddr>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FaultyFront {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FaultyFront {
    pub async fn start(upstream: std::net::SocketAddr) -> FaultyFront {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(FrontState::default()));
        let upstream = Arc::new(Mutex::new(upstream));
        let st = Arc::clone(&state);
        let up = Arc::clone(&upstream);
        let task = tokio::spawn(async move {
            loop {
                let Ok((conn, _)) = listener.accept().await else {
                    return;
                };
                let st = Arc::clone(&st);
                let up = Arc::clone(&up);
                tokio::spawn(async move {
                    let _ = handle(conn, up, st).await;
                });
            }
        });
        FaultyFront {
            url,
            state,
            upstream,
            task,
        }
    }

    pub fn plan(
        &self,
        method: &'static str,
        path_contains: &'static str,
        fault: Fault,
        times: u32,
    ) {
        self.state.lock().unwrap().plans.push_back(Plan {
            method,
            path_contains,
            fault,
            times,
        });
    }

    /// Point the front at another server (a restarted one).
    pub fn set_upstream(&self, addr: std::net::SocketAddr) {
        *self.upstream.lock().unwrap() = addr;
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }

    pub fn count(&self, method: &str, path_contains: &str) -> usize {
        self.seen()
            .iter()
            .filter(|s| s.method == method && s.path.contains(path_contains))
            .count()
    }

    pub fn clear_plans(&self) {
        self.state.lock().unwrap().plans.clear();
    }
}

fn take_fault(state: &Mutex<FrontState>, method: &str, path: &str) -> Option<Fault> {
    let mut st = state.lock().unwrap();
    let idx = st
        .plans
        .iter()
        .position(|p| p.method == method && path.contains(p.path_contains))?;
    let plan = &mut st.plans[idx];
    let fault = plan.fault.clone();
    plan.times -= 1;
    if plan.times == 0 {
        st.plans.remove(idx);
    }
    Some(fault)
}

/// One HTTP/1.1 message: head (through the blank line) and body.
struct Message {
    head: Vec<u8>,
    body: Vec<u8>,
}

impl Message {
    fn header(&self, name: &str) -> Option<String> {
        let text = String::from_utf8_lossy(&self.head);
        text.lines().skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    }

    fn first_line(&self) -> String {
        String::from_utf8_lossy(&self.head)
            .lines()
            .next()
            .unwrap_or("")
            .to_string()
    }

    fn bytes(&self) -> Vec<u8> {
        let mut v = self.head.clone();
        v.extend_from_slice(&self.body);
        v
    }
}

/// Read one message; `None` on a clean EOF before any byte.
async fn read_message(
    conn: &mut TcpStream,
    buf: &mut Vec<u8>,
    is_response_to_head: bool,
) -> std::io::Result<Option<Message>> {
    loop {
        if let Some(end) = find(buf, b"\r\n\r\n") {
            let head: Vec<u8> = buf.drain(..end + 4).collect();
            let mut m = Message {
                head,
                body: Vec::new(),
            };
            let len: usize = m
                .header("content-length")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let _ = is_response_to_head;
            while buf.len() < len {
                let mut chunk = [0u8; 8192];
                let n = conn.read(&mut chunk).await?;
                if n == 0 {
                    return Err(std::io::Error::other("eof in body"));
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            m.body = buf.drain(..len).collect();
            return Ok(Some(m));
        }
        let mut chunk = [0u8; 8192];
        let n = conn.read(&mut chunk).await?;
        if n == 0 {
            return if buf.is_empty() {
                Ok(None)
            } else {
                Err(std::io::Error::other("eof in head"))
            };
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

async fn forward(upstream: std::net::SocketAddr, req: &Message) -> std::io::Result<Message> {
    let mut up = TcpStream::connect(upstream).await?;
    up.write_all(&req.bytes()).await?;
    let mut buf = Vec::new();
    read_message(&mut up, &mut buf, false)
        .await?
        .ok_or_else(|| std::io::Error::other("upstream closed"))
}

fn synthetic(status: u16, extra_headers: &str, body: &[u8]) -> Vec<u8> {
    let mut v = format!(
        "HTTP/1.1 {status} Fault\r\ncontent-type: application/json\r\ncontent-length: {}\r\n{extra_headers}\r\n",
        body.len()
    )
    .into_bytes();
    v.extend_from_slice(body);
    v
}

async fn handle(
    mut conn: TcpStream,
    upstream: Arc<Mutex<std::net::SocketAddr>>,
    state: Arc<Mutex<FrontState>>,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    while let Some(req) = read_message(&mut conn, &mut buf, false).await? {
        let upstream = *upstream.lock().unwrap();
        let line = req.first_line();
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_string();
        let path = parts.next().unwrap_or("").to_string();
        let fault = take_fault(&state, &method, &path);
        let forwarded = matches!(
            fault,
            None | Some(Fault::Truncated) | Some(Fault::Slow(_)) | Some(Fault::ResetAfter)
        );
        state.lock().unwrap().seen.push(Seen {
            method: method.clone(),
            path: path.clone(),
            idempotency_key: req.header("idempotency-key"),
            authorization: req.header("authorization"),
            body: req.body.clone(),
            forwarded,
        });
        match fault {
            None => {
                let resp = forward(upstream, &req).await?;
                conn.write_all(&resp.bytes()).await?;
            }
            Some(Fault::Status {
                status,
                code,
                retry_after,
            }) => {
                let body = format!(r#"{{"error":{{"code":"{code}","message":"injected fault"}}}}"#);
                let extra = retry_after
                    .map(|s| format!("retry-after: {s}\r\n"))
                    .unwrap_or_default();
                conn.write_all(&synthetic(status, &extra, body.as_bytes()))
                    .await?;
            }
            Some(Fault::Garbage) => {
                conn.write_all(&synthetic(200, "", b"<html>not json{"))
                    .await?;
            }
            Some(Fault::WrongShape) => {
                conn.write_all(&synthetic(200, "", br#"{"unexpected":[1,2,3]}"#))
                    .await?;
            }
            Some(Fault::Truncated) => {
                let resp = forward(upstream, &req).await?;
                let half = resp.body.len() / 2;
                conn.write_all(&resp.head).await?;
                conn.write_all(&resp.body[..half]).await?;
                conn.flush().await?;
                return Ok(()); // close mid-body
            }
            Some(Fault::Slow(d)) => {
                tokio::time::sleep(d).await;
                let resp = forward(upstream, &req).await?;
                conn.write_all(&resp.bytes()).await?;
            }
            Some(Fault::ResetBefore) => return Ok(()),
            Some(Fault::ResetAfter) => {
                let _ = forward(upstream, &req).await?;
                return Ok(());
            }
        }
    }
    Ok(())
}
