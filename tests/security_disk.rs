//! The refresh token is never written to disk outside the keyring, checked
//! on the REAL binary (issue 6): `licencias --portal URL --user bob
//! --secret-store memory --log-level trace` runs in a pseudo-terminal
//! (util-linux `script`) with HOME, every XDG directory and TMPDIR pointed at
//! a fresh directory, against the real server through a recording proxy.
//! It signs in with a password and a TOTP code typed as keys, lists the
//! services, has its access token expire and refreshes (so refresh tokens
//! rotate), and quits. Then every file it wrote is searched for every
//! password, code and token that crossed the wire.

mod security_support;
mod server_support;

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use licencias::server::{self, ServerConfig, TenantsSource};
use security_support::{Tape, all_files, proxy, secrets_on_the_wire};

const GIVE_UP: Duration = Duration::from_secs(60);

/// Wait (bounded, to fail a hung test only) until `pred` holds on the tape.
fn wait_tape(tape: &Mutex<Tape>, what: &str, pred: impl Fn(&Tape) -> bool) {
    let start = Instant::now();
    while !pred(&tape.lock().unwrap()) {
        assert!(start.elapsed() < GIVE_UP, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// An exchange whose request line contains `path` and whose answer has `status`.
fn answered(t: &Tape, path: &str, status: &str) -> usize {
    t.exchanges
        .iter()
        .filter(|(req, answer)| {
            req.lines().next().is_some_and(|l| l.contains(path))
                && answer.lines().next().is_some_and(|l| l.contains(status))
        })
        .count()
}

#[test]
fn the_real_binary_writes_no_token_or_password_to_disk() {
    let home = std::env::temp_dir().join(format!("licencias-disk-{}", uuid::Uuid::new_v4()));
    for d in ["c", "s", "d", "cache", "tmp"] {
        std::fs::create_dir_all(home.join(d)).unwrap();
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let tape = Arc::new(Mutex::new(Tape::default()));
    let (srv, url) = rt.block_on(async {
        let srv = server::spawn(ServerConfig {
            tenants: TenantsSource::Json(server_support::tenants_json()),
            ..ServerConfig::default()
        })
        .await
        .unwrap();
        let url = proxy(srv.addr(), Arc::clone(&tape)).await;
        (srv, url)
    });

    let bin = env!("CARGO_BIN_EXE_licencias");
    let h = home.display();
    let shell = format!(
        "stty cols 120 rows 40; HOME={h} XDG_CONFIG_HOME={h}/c XDG_STATE_HOME={h}/s XDG_DATA_HOME={h}/d \
         XDG_CACHE_HOME={h}/cache TMPDIR={h}/tmp LANG=en_US.UTF-8 TERM=xterm-256color \
         {bin} --portal {url} --user bob --secret-store memory --log-level trace"
    );
    let mut child = Command::new("script")
        .args(["-qec", &shell, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("util-linux `script` runs (it provides the pty)");
    let mut keys = child.stdin.take().unwrap();
    let mut out = child.stdout.take().unwrap();
    let screen = Arc::new(Mutex::new(Vec::<u8>::new()));
    let reader = {
        let screen = Arc::clone(&screen);
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = out.read(&mut buf) {
                if n == 0 {
                    break;
                }
                screen.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        })
    };
    let mut send = |s: &str| {
        keys.write_all(s.as_bytes()).unwrap();
        keys.flush().unwrap();
    };

    // The login form: the username is given, the focus is on the password.
    wait_tape(&tape, "the policy", |t| answered(t, "/policy", "200") > 0);
    let start = Instant::now();
    while !String::from_utf8_lossy(&screen.lock().unwrap()).contains("bob") {
        assert!(start.elapsed() < GIVE_UP, "the login form never showed");
        std::thread::sleep(Duration::from_millis(20));
    }
    send("bob-pw\r");
    wait_tape(&tape, "the password", |t| {
        answered(t, "/auth/login", "200") > 0
    });
    let uri = format!(
        "otpauth://totp/licencias:bob?secret={}&issuer=licencias",
        server_support::BOB_SECRET
    );
    let totp = totp_rs::Totp::from_url(uri).unwrap();
    // Let the verify screen take the keys, then type the code.
    std::thread::sleep(Duration::from_millis(300));
    send(&format!("{}\r", totp.generate_current()));
    wait_tape(&tape, "the services", |t| {
        answered(t, "/auth/mfa/verify", "200") > 0 && answered(t, "/services", "200") > 0
    });
    // The access token expires; `r` reloads: the client refreshes (rotation).
    for round in 1..=2 {
        srv.expire_access_tokens();
        std::thread::sleep(Duration::from_millis(200));
        send("r");
        wait_tape(&tape, "a refresh", |t| {
            answered(t, "/auth/refresh", "200") >= round
        });
        wait_tape(&tape, "the reload", |t| {
            answered(t, "/services", "200") > round
        });
    }
    std::thread::sleep(Duration::from_millis(300));
    send("q");
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(start.elapsed() < GIVE_UP, "the app did not quit");
        std::thread::sleep(Duration::from_millis(50));
    };
    drop(keys);
    let _ = reader.join();
    assert!(status.success(), "the app quit cleanly");
    rt.block_on(srv.shutdown());

    let tape = tape.lock().unwrap();
    let secrets = secrets_on_the_wire(&tape);
    let refresh_tokens = tape
        .exchanges
        .iter()
        .filter(|(_, a)| a.contains("\"refresh_token\""))
        .count();
    assert!(
        refresh_tokens >= 3,
        "verify + two refreshes handed out tokens"
    );
    assert!(secrets.iter().any(|s| s == "bob-pw"));

    let mut files = Vec::new();
    all_files(&home, &mut files);
    let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    assert!(
        names.iter().any(|n| n.ends_with(".log")),
        "the session logged at TRACE: {names:?}"
    );
    assert!(
        names.iter().any(|n| n.ends_with("config.toml")),
        "the username was remembered: {names:?}"
    );
    for f in &files {
        let text = String::from_utf8_lossy(&std::fs::read(f).unwrap()).into_owned();
        for s in &secrets {
            assert!(
                !text.contains(s.as_str()),
                "a secret ({} chars) was written to {}",
                s.len(),
                f.display()
            );
        }
    }
    let _ = std::fs::remove_dir_all(&home);
}
