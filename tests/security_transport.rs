//! Security checks on transport (issue 6): the client refuses plain HTTP to
//! a remote portal, wherever the address comes from (library, flag,
//! environment, config file), never follows a redirect (so an https portal
//! cannot send it to plain http), and never echoes credentials written in a
//! URL back in an error message.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use licencias::i18n::{self, Lang};
use licencias::portal::{ClientOptions, PortalClient, PortalError};

fn new(url: &str) -> Result<PortalClient, PortalError> {
    PortalClient::new(url, ClientOptions::default())
}

#[test]
fn plain_http_to_any_remote_host_is_refused() {
    for url in [
        "http://portal.example.com",
        "http://portal.example.com:8787/api/v1",
        "HTTP://PORTAL.EXAMPLE.COM/",
        "http://10.0.0.5:8787",
        "http://192.168.1.10",
        "http://8.8.8.8",
        "http://[2001:db8::1]:8787",
        "http://[::ffff:8.8.8.8]",
        // Names that only look like loopback.
        "http://127.0.0.1.nip.io",
        "http://localhost.example.com",
        "http://localhost-portal",
        "  http://portal.example.com  ",
    ] {
        match new(url) {
            Err(PortalError::InsecureUrl(_)) => {}
            other => panic!("{url}: expected InsecureUrl, got {:?}", other.map(|_| ())),
        }
    }
}

#[test]
fn loopback_http_and_any_https_are_accepted() {
    for url in [
        "http://127.0.0.1:8787",
        "http://127.0.0.1:8787/api/v1/",
        "http://[::1]:8787",
        "http://localhost:8787",
        "http://LOCALHOST:8787",
        "https://portal.example.com",
        "https://10.0.0.5:8443/api/v1",
    ] {
        assert!(new(url).is_ok(), "{url} should be accepted");
    }
}

#[test]
fn other_schemes_are_refused() {
    for url in [
        "ftp://portal.example.com",
        "file:///etc/passwd",
        "ws://127.0.0.1:8787",
        "portal.example.com",
        "",
    ] {
        assert!(
            matches!(
                new(url),
                Err(PortalError::InvalidUrl(_) | PortalError::InsecureUrl(_))
            ),
            "{url}"
        );
    }
}

#[test]
fn the_refusal_is_explained_in_both_languages() {
    let Err(e) = new("http://portal.example.com") else {
        panic!("accepted")
    };
    for lang in [Lang::En, Lang::Es] {
        let text = i18n::t(lang).portal_error(&e, chrono_tz::America::Bogota);
        assert!(text.contains("https://"), "{lang:?}: {text}");
        assert!(text.contains("portal.example.com"), "{lang:?}: {text}");
    }
}

#[test]
fn credentials_in_a_url_are_refused_and_never_echoed() {
    let secret = "S3cr3t-Pw-4711";
    for url in [
        format!("https://admin:{secret}@portal.example.com"),
        format!("http://admin:{secret}@127.0.0.1:8787"),
        format!("https://admin:{secret}@portal.example.com/api/v1?x=1"),
        // Not even a parseable URL.
        format!("https://admin:{secret}@portal example.com"),
        format!("https://admin:{secret}@[::1"),
    ] {
        let e = match new(&url) {
            Err(e) => e,
            Ok(_) => panic!("{url} accepted"),
        };
        let shown = [
            e.to_string(),
            format!("{e:?}"),
            i18n::t(Lang::En).portal_error(&e, chrono_tz::UTC),
            i18n::t(Lang::Es).portal_error(&e, chrono_tz::UTC),
        ];
        for s in shown {
            assert!(!s.contains(secret), "the password is echoed: {s}");
        }
    }
}

/// A loopback "portal" that answers every request with a redirect to a
/// second listener; the second must never be contacted.
#[tokio::test]
async fn redirects_are_never_followed() {
    let target = TcpListener::bind("127.0.0.1:0").unwrap();
    target.set_nonblocking(true).unwrap();
    let target_addr = target.local_addr().unwrap();
    let portal = TcpListener::bind("127.0.0.1:0").unwrap();
    let portal_addr = portal.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        // Answer a few connections (the client may retry), then stop.
        portal
            .set_nonblocking(false)
            .and_then(|()| {
                for conn in portal.incoming().take(4) {
                    let mut c = conn?;
                    c.set_read_timeout(Some(Duration::from_secs(2)))?;
                    let mut buf = [0u8; 4096];
                    let _ = c.read(&mut buf)?;
                    let answer = format!(
                        "HTTP/1.1 302 Found\r\nlocation: http://{target_addr}/api/v1/policy\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                    );
                    c.write_all(answer.as_bytes())?;
                }
                Ok::<(), std::io::Error>(())
            })
            .ok();
    });
    let client = PortalClient::new(
        &format!("http://{portal_addr}"),
        ClientOptions {
            max_retries: 0,
            request_timeout: Duration::from_secs(5),
            ..ClientOptions::default()
        },
    )
    .unwrap();
    let result = client.policy().await;
    assert!(result.is_err(), "a redirect is not an answer: {result:?}");
    drop(client);
    // Nobody came to the redirect target.
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        matches!(target.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "the client followed the redirect"
    );
    // Unblock the portal thread if it still waits for connections.
    for _ in 0..4 {
        let _ = std::net::TcpStream::connect(portal_addr);
    }
    let _ = server.join();
}

/// The binary refuses a remote http:// portal from the config file too,
/// before anything is sent.
#[test]
fn the_binary_refuses_plain_http_from_the_config_file() {
    let home = std::env::temp_dir().join(format!("licencias-sec-{}", uuid::Uuid::new_v4()));
    let config = home.join("config.toml");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(&config, "portal = \"http://portal.example.com\"\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_licencias"))
        .args(["--config", config.to_str().unwrap()])
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join("c"))
        .env("XDG_STATE_HOME", home.join("s"))
        .env("XDG_DATA_HOME", home.join("d"))
        .env_remove("LICENCIAS_PORTAL")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "a usage error");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("https://"), "{err}");
    let _ = std::fs::remove_dir_all(&home);
}
