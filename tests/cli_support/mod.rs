//! Shared helpers for the `cli_*` tests: the reference server on
//! 127.0.0.1:0 with an enrolled user (known TOTP secret) and a pinned
//! business clock, and the real binary run in an isolated home.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use licencias::server::{self, RunningServer, ServerConfig, TenantsSource};
use serde_json::Value;

#[path = "../server_support/mod.rs"]
mod server_support;

// Each test crate uses a part of these.
#[allow(unused_imports)]
pub use server_support::{
    ANNA, BOB_SECRET, INSIDE, OUTSIDE, RITA, approval_tenants_json, at, code_now, tenants_json,
};

/// One command's result.
#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    /// stdout as the one JSON document it must be.
    pub fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {self:?}"))
    }

    /// The `error.code` of a `--json` failure.
    pub fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("no error envelope: {self:?}"))
            .to_string()
    }
}

/// A server, a home directory and the clock both sides use.
pub struct Env {
    pub server: Option<RunningServer>,
    pub url: String,
    pub home: PathBuf,
    pub clock: String,
    pub store: String,
}

pub async fn start_tenants(tenants: String, clock: &str, delay: Duration) -> Env {
    let server = server::spawn(ServerConfig {
        tenants: TenantsSource::Json(tenants),
        clock: Some(at(clock)),
        provisioning_delay: delay,
        ..ServerConfig::default()
    })
    .await
    .unwrap();
    let home = std::env::temp_dir().join(format!("licencias-cli-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&home).unwrap();
    Env {
        url: server.base_url(),
        server: Some(server),
        home,
        clock: clock.to_string(),
        store: "file".into(),
    }
}

/// The fixtures of `server_support` (acme: alice not enrolled, bob
/// enrolled), clock pinned at `clock`, provisioning `delay`.
pub async fn start(clock: &str, delay: Duration) -> Env {
    start_tenants(tenants_json(), clock, delay).await
}

pub fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("licencias")
}

/// The isolated environment of a command (no config, state or data of the
/// machine's user; English; no colour).
pub fn isolate(cmd: &mut Command, home: &Path) {
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("LANG", "C")
        .env("NO_COLOR", "1")
        .env_remove("LICENCIAS_PORTAL")
        .env_remove("LICENCIAS_USER")
        .env_remove("LICENCIAS_SECRET_STORE");
}

impl Env {
    /// The command line for `args`: the portal and store in the
    /// environment, the clock after the command name.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(bin());
        isolate(&mut cmd, &self.home);
        cmd.env("LICENCIAS_PORTAL", &self.url)
            .env("LICENCIAS_SECRET_STORE", &self.store)
            .args(args);
        if !matches!(args.first(), Some(&"completions" | &"man")) {
            cmd.args(["--clock", &self.clock]);
        }
        cmd
    }

    /// Run `licencias ARGS` (stdin `input`, else nothing) on a blocking thread.
    pub async fn run_with(&self, args: &[&str], input: Option<&str>) -> Out {
        let mut cmd = self.command(args);
        let input = input.map(str::to_string);
        tokio::task::spawn_blocking(move || {
            cmd.stdin(if input.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
            let mut child = cmd.spawn().unwrap();
            if let Some(text) = input {
                let mut stdin = child.stdin.take().unwrap();
                stdin.write_all(text.as_bytes()).unwrap();
            }
            let out = child.wait_with_output().unwrap();
            Out {
                code: out.status.code().unwrap_or(-1),
                stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            }
        })
        .await
        .unwrap()
    }

    pub async fn run(&self, args: &[&str]) -> Out {
        self.run_with(args, None).await
    }

    /// `licencias login` as bob, password on stdin, the current code.
    pub async fn login_bob(&self) -> Out {
        let code = code_now(BOB_SECRET);
        self.run_with(
            &[
                "login",
                "--user",
                "bob",
                "--password-stdin",
                "--code",
                &code,
            ],
            Some("bob-pw\n"),
        )
        .await
    }

    /// The audit log's lines.
    pub fn audit_lines(&self) -> Vec<Value> {
        let path = self.home.join("data/licencias/audit.jsonl");
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    pub async fn stop(&mut self) {
        if let Some(s) = self.server.take() {
            s.shutdown().await;
        }
    }
}
