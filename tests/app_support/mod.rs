//! Shared harness for the `app_*` integration tests: the real reference
//! server on 127.0.0.1:0 with a pinned business clock, the real runner, and
//! `update` driven by key events. No terminal: the model is inspected.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use licencias::app::{
    Clock, Context, DoneOutcome, Key, KeyCode, Model, ModelInit, Msg, Prefs, ReviewFocus, Runner,
    RunnerConfig, Screen, Session, WizardStep, update,
};
use licencias::audit::{AuditLog, AuditStatus};
use licencias::domain::Effective;
use licencias::i18n::Lang;
use licencias::portal::{ClientOptions, PortalClient};
use licencias::secrets::{SecretStore, StoreChoice};
use licencias::server::{self, RunningServer, ServerConfig};
use tokio::sync::mpsc;

#[path = "../portal_support/mod.rs"]
mod portal_support;
#[allow(unused_imports)]
pub use portal_support::{Fault, FaultyFront};

/// Business clock of the portal in these tests: sub-bs (renewed 2 days ago)
/// has its decrease window open, sub-bb (10 days ago) has it closed.
pub const START: &str = "2026-11-22T15:00:00Z";

/// Guard against a hung flow only; nothing here asserts on speed.
pub const GIVE_UP: Duration = Duration::from_secs(60);

pub struct App {
    pub m: Model,
    pub runner: Runner,
    pub rx: mpsc::UnboundedReceiver<Msg>,
    pub clock: Clock,
    pub client: PortalClient,
    pub srv: RunningServer,
    pub audit: PathBuf,
    pub front: Option<FaultyFront>,
    /// The otpauth URI received at enrolment, and the last code typed.
    pub otpauth: Option<String>,
    pub last_code: Option<String>,
}

pub fn start_instant() -> DateTime<Utc> {
    START.parse().unwrap()
}

impl App {
    pub async fn start() -> App {
        Self::start_with(false).await
    }

    /// With `front`, the client talks to the server through a faulty front.
    pub async fn start_with(front: bool) -> App {
        let srv = server::spawn(ServerConfig {
            clock: Some(start_instant()),
            provisioning_delay: Duration::from_millis(800),
            ..ServerConfig::default()
        })
        .await
        .expect("server starts");
        Self::start_on(srv, front, SecretStore::memory(), None).await
    }

    /// A new app (as after a restart) on a running server, with a given
    /// secret store and remembered username.
    pub async fn start_on(
        srv: RunningServer,
        front: bool,
        store: SecretStore,
        username: Option<&str>,
    ) -> App {
        let audit = std::env::temp_dir().join(format!(
            "licencias-app-flows-{}.jsonl",
            uuid::Uuid::new_v4()
        ));
        Self::start_full(srv, front, store, username, audit).await
    }

    /// Everything chosen by the test, including the audit log path.
    pub async fn start_full(
        srv: RunningServer,
        front: bool,
        store: SecretStore,
        username: Option<&str>,
        audit: PathBuf,
    ) -> App {
        let url = srv.base_url();
        let front = if front {
            Some(FaultyFront::start(srv.addr()).await)
        } else {
            None
        };
        let url = front.as_ref().map_or(url, |f| f.url.clone());
        let clock = Clock::pinned(start_instant());
        let client = PortalClient::new(
            &url,
            ClientOptions {
                backoff_base: Duration::from_millis(20),
                backoff_max: Duration::from_millis(200),
                request_timeout: Duration::from_secs(5),
                max_retry_after: Duration::from_secs(3),
                ..ClientOptions::default()
            },
        )
        .expect("loopback is allowed");
        let (tx, rx) = mpsc::unbounded_channel();
        let runner = Runner::new(
            RunnerConfig {
                client: client.clone(),
                portal_url: url.clone(),
                secret_store: StoreChoice::Memory,
                store: Some(store),
                audit_path: Some(audit.clone()),
                config_path: None,
                clock,
            },
            tx,
        );
        let mut m = Model::new(ModelInit {
            portal_url: url,
            demo: None,
            username: username.map(str::to_string),
            prefs: Prefs {
                lang: Lang::En,
                ascii: false,
                color: false,
            },
            now: clock.now(),
            key_nonce: uuid::Uuid::new_v4().as_u128(),
        });
        m.clock_offset = clock.offset();
        let mut app = App {
            m,
            runner,
            rx,
            clock,
            client,
            srv,
            audit,
            front,
            otpauth: None,
            last_code: None,
        };
        let now = app.clock.now();
        app.dispatch(Msg::Started { now });
        app
    }

    pub fn dispatch(&mut self, msg: Msg) {
        let fx = update(&mut self.m, msg);
        self.runner.perform_all(fx);
    }

    pub fn key(&mut self, key: Key) {
        let now = self.clock.now();
        self.dispatch(Msg::Key { key, now });
    }
    pub fn enter(&mut self) {
        self.key(Key::plain(KeyCode::Enter));
    }
    pub fn tab(&mut self) {
        self.key(Key::plain(KeyCode::Tab));
    }
    pub fn typed(&mut self, s: &str) {
        for c in s.chars() {
            self.key(Key::ch(c));
        }
    }

    /// Process the runner's messages until `pred` holds.
    pub async fn until(&mut self, what: &str, pred: impl Fn(&Model) -> bool) {
        loop {
            if pred(&self.m) {
                return;
            }
            match tokio::time::timeout(GIVE_UP, self.rx.recv()).await {
                Ok(Some(msg)) => self.dispatch(msg),
                _ => panic!("gave up waiting for {what}; session {:?}", self.m.session),
            }
        }
    }

    /// Wait for every started request to answer, and apply the answers.
    pub async fn settle(&mut self) {
        self.runner.flush().await;
        while let Ok(msg) = self.rx.try_recv() {
            self.dispatch(msg);
        }
    }

    /// First login: password, enrolment (code computed from the secret the
    /// model received), services listed.
    pub async fn sign_in(&mut self) {
        self.sign_in_as(server::DEMO_USERNAME, server::DEMO_PASSWORD)
            .await;
    }

    /// First login of `username` (not enrolled yet), as [`App::sign_in`].
    pub async fn sign_in_as(&mut self, username: &str, password: &str) {
        assert_eq!(self.m.context(), Context::Login);
        self.typed(username);
        self.tab();
        self.typed(password);
        self.enter();
        self.until(
            "the enrolment secret",
            |m| matches!(&m.session, Session::MfaEnrol(s) if s.enrolment.is_some()),
        )
        .await;
        let Session::MfaEnrol(s) = &self.m.session else {
            unreachable!()
        };
        let uri = s.enrolment.as_ref().unwrap().otpauth_uri.clone();
        let totp = totp_rs::Totp::from_url(&uri).expect("a valid otpauth URI");
        let code = totp.generate_current().to_string();
        self.otpauth = Some(uri);
        self.last_code = Some(code.clone());
        self.typed(&code);
        self.enter();
        self.until("signed in with the services listed and GET /me read", |m| {
            m.session.is_logged_in() && m.services.loaded_at.is_some() && m.me.is_some()
        })
        .await;
        assert!(matches!(
            self.m.context(),
            Context::Services | Context::ServicesApprovals
        ));
    }

    /// Sign in again on the login form (enrolled user): password, then a
    /// TOTP code of a later time step than the last one used (the portal
    /// refuses a reused code).
    pub async fn sign_in_again(&mut self) {
        assert_eq!(self.m.context(), Context::Login);
        self.typed(server::DEMO_PASSWORD);
        self.enter();
        self.until(
            "the verification step",
            |m| matches!(&m.session, Session::MfaVerify(s) if s.request.is_none()),
        )
        .await;
        let uri = self.otpauth.clone().expect("enrolled in this test");
        let totp = totp_rs::Totp::from_url(&uri).expect("a valid otpauth URI");
        let code = loop {
            let code = totp.generate_current().to_string();
            if Some(&code) != self.last_code.as_ref() {
                break code;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        };
        self.last_code = Some(code.clone());
        self.typed(&code);
        self.enter();
        self.until("signed in again", |m| m.session.is_logged_in())
            .await;
    }

    /// Filter the list to `id`, open it, wait for the detail.
    pub async fn open(&mut self, id: &str) {
        self.key(Key::ch('/'));
        self.typed(id);
        assert_eq!(
            self.m.services.selected_row().map(|r| r.sub.id.as_str()),
            Some(id)
        );
        // Enter opens the match straight from the filter.
        self.enter();
        let want = id.to_string();
        self.until("the detail", move |m| {
            matches!(m.screen(), Screen::Detail(d) if d.subscription_id == want && d.request.is_none())
                && m.subscription(&want).is_some()
                && m.history(&want).is_some_and(|h| h.request.is_none())
        })
        .await;
        assert_eq!(self.m.context(), Context::Detail);
    }

    pub fn wizard_step(&self) -> &WizardStep {
        &self.m.wizard().expect("the wizard is open").step
    }

    /// From the detail: `c`, keep "now" or pick renewal, type the total.
    pub fn change(&mut self, when: Effective, total: &str) {
        self.key(Key::ch('c'));
        assert_eq!(self.m.context(), Context::WizardWhen);
        if when == Effective::AtRenewal {
            self.key(Key::plain(KeyCode::Down));
        }
        self.enter();
        assert_eq!(self.m.context(), Context::WizardTotal);
        self.typed(total);
    }

    /// In Review: tick every warning, then the approval box.
    pub fn acknowledge_all(&mut self) {
        let WizardStep::Review(r) = self.wizard_step() else {
            panic!("not in review: {:?}", self.wizard_step())
        };
        let first = if r.acks.is_empty() {
            ReviewFocus::Approval
        } else {
            ReviewFocus::Warning(0)
        };
        assert_eq!(r.focus, first);
        for _ in 0..r.acks.len() {
            self.key(Key::ch(' '));
            self.tab();
        }
        self.key(Key::ch(' '));
        let WizardStep::Review(r) = self.wizard_step() else {
            unreachable!()
        };
        assert!(r.can_confirm());
    }

    pub async fn until_done(&mut self) -> DoneOutcome {
        self.until("the wizard to finish", |m| {
            matches!(
                m.wizard().map(|w| &w.step),
                Some(WizardStep::Done { .. } | WizardStep::Failed { .. })
            )
        })
        .await;
        match self.wizard_step() {
            WizardStep::Done { outcome, .. } => outcome.clone(),
            other => panic!("the change failed: {other:?}"),
        }
    }

    pub fn audit_statuses(&self, key: &str) -> Vec<AuditStatus> {
        AuditLog::new(&self.audit)
            .read_all()
            .unwrap()
            .into_iter()
            .filter(|r| r.idempotency_key == key)
            .map(|r| r.status)
            .collect()
    }

    /// Quit the app (the runner stops) and keep the server running.
    pub async fn quit_keep_server(mut self) -> RunningServer {
        self.settle().await;
        drop(self.runner);
        let _ = std::fs::remove_file(&self.audit);
        self.srv
    }

    pub async fn stop(mut self) {
        self.settle().await;
        drop(self.runner);
        self.srv.shutdown().await;
        let _ = std::fs::remove_file(&self.audit);
    }
}
