//! `licencias serve` as a process: the first line of output is the address,
//! the server answers there, and a bad tenants file stops it with the field named.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Kills the server process even when an assertion fails.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn serve_prints_its_address_first_and_answers_there() {
    let mut child = Killed(
        Command::new(env!("CARGO_BIN_EXE_licencias"))
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--clock",
                "2026-11-22T10:00:00-05:00",
                "--provisioning-delay",
                "2",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut first = String::new();
    BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let base = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line: {first:?}"))
        .to_string();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    let policy: serde_json::Value = reqwest::get(format!("{base}/api/v1/policy"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(policy["time_zone"], "America/Bogota");
}

#[test]
fn serve_refuses_a_bad_tenants_file_naming_the_field() {
    let dir = std::env::temp_dir().join(format!("licencias-serve-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("tenants.json");
    std::fs::write(
        &file,
        r#"{"tenants":[{"id":"t","name":"T","users":[],"services":[{"id":"s","name":"S","subscriptions":[
        {"id":"x","name":"X","quantity":10,"min":1,"max":300,"term":"P1M","billing":"weekly",
         "term_start":"-2d","auto_renew":true,"status":"active"}]}]}]}"#,
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_licencias"))
        .args(["serve", "--listen", "127.0.0.1:0", "--tenants"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("tenants[0].services[0].subscriptions[0].billing"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
