//! The real binary started as a user would: `serve` announces its address
//! first and answers over HTTP; the TUI without a terminal fails cleanly.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn bin() -> std::path::PathBuf {
    assert_cmd::cargo::cargo_bin("licencias")
}

fn temp_home() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("licencias-run-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn isolated(cmd: &mut Command, home: &std::path::Path) {
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env_remove("LICENCIAS_PORTAL")
        .env_remove("LICENCIAS_USER")
        .env_remove("LICENCIAS_SECRET_STORE");
}

struct Child(std::process::Child);
impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn serve_prints_its_address_first_and_answers() {
    let home = temp_home();
    let mut cmd = Command::new(bin());
    isolated(&mut cmd, &home);
    cmd.args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = Child(cmd.spawn().unwrap());
    let stdout = child.0.stdout.take().unwrap();
    let first = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        line
    })
    .await
    .unwrap();
    let url = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line: {first:?}"))
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let client =
        licencias::portal::PortalClient::new(&url, licencias::portal::ClientOptions::default())
            .unwrap();
    let policy = client.policy().await.unwrap();
    assert_eq!(policy.decrease_window_days, 6);
}

#[test]
fn the_tui_without_a_terminal_fails_cleanly() {
    let home = temp_home();
    let mut cmd = Command::new(bin());
    isolated(&mut cmd, &home);
    let out = cmd
        .args(["demo", "--secret-store", "memory"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("licencias:"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    // the log went to the XDG state dir, not to the terminal
    let log = std::fs::read_to_string(home.join("state/licencias/licencias.log")).unwrap();
    assert!(log.contains("embedded demo portal started"), "{log}");
}
