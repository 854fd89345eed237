//! Shared helpers for the `security_*` tests: a recording HTTP/1.1 proxy on
//! loopback between the client and the real server, which keeps every
//! request and answer so a test knows exactly which passwords, codes and
//! tokens crossed the wire; a key driver for the app core; and a recursive
//! file lister.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use licencias::app::{Key, KeyCode, Msg};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Default)]
pub struct Tape {
    /// (request head + body, answer head + body) as text.
    pub exchanges: Vec<(String, String)>,
}

async fn read_message(conn: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<Option<Vec<u8>>> {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                let mut chunk = [0u8; 8192];
                let n = conn.read(&mut chunk).await?;
                if n == 0 {
                    return Err(std::io::Error::other("eof in body"));
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Ok(Some(buf.drain(..end + 4 + len).collect()));
        }
        let mut chunk = [0u8; 8192];
        let n = conn.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

pub async fn proxy(upstream: std::net::SocketAddr, tape: Arc<Mutex<Tape>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            let tape = Arc::clone(&tape);
            tokio::spawn(async move {
                let mut buf = Vec::new();
                while let Ok(Some(req)) = read_message(&mut conn, &mut buf).await {
                    let Ok(mut up) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    if up.write_all(&req).await.is_err() {
                        return;
                    }
                    let mut ubuf = Vec::new();
                    let Ok(Some(answer)) = read_message(&mut up, &mut ubuf).await else {
                        return;
                    };
                    tape.lock().unwrap().exchanges.push((
                        String::from_utf8_lossy(&req).into_owned(),
                        String::from_utf8_lossy(&answer).into_owned(),
                    ));
                    if conn.write_all(&answer).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    url
}

/// Every secret that crossed the wire: JSON fields with a secret name in
/// requests and answers, and bearer tokens.
pub fn secrets_on_the_wire(tape: &Tape) -> Vec<String> {
    let mut out = Vec::new();
    for (req, answer) in &tape.exchanges {
        for text in [req, answer] {
            for line in text.lines() {
                if let Some(v) = line
                    .to_ascii_lowercase()
                    .strip_prefix("authorization: bearer ")
                    .map(|_| line["authorization: bearer ".len()..].trim().to_string())
                {
                    out.push(v);
                }
            }
            let body = text.split("\r\n\r\n").nth(1).unwrap_or("");
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(body) {
                for field in [
                    "password",
                    "code",
                    "mfa_token",
                    "secret",
                    "otpauth_uri",
                    "access_token",
                    "refresh_token",
                ] {
                    if let Some(s) = v[field].as_str() {
                        out.push(s.to_string());
                    }
                }
            }
        }
    }
    out.retain(|s| s.len() >= 6);
    out.sort();
    out.dedup();
    out
}

/// Every file under `dir`, recursively.
pub fn all_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            all_files(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Key presses for a harness that owns a model and a runner: implement
/// `dispatch` (apply a message, perform its effects) and `now`.
pub trait Driver {
    fn dispatch(&mut self, msg: Msg);
    fn now(&self) -> DateTime<Utc>;

    fn key(&mut self, key: Key) {
        let now = self.now();
        self.dispatch(Msg::Key { key, now });
    }
    fn enter(&mut self) {
        self.key(Key::plain(KeyCode::Enter));
    }
    fn tab(&mut self) {
        self.key(Key::plain(KeyCode::Tab));
    }
    fn typed(&mut self, s: &str) {
        for c in s.chars() {
            self.key(Key::ch(c));
        }
    }
}
