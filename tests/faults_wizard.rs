//! The fault suite (issue 6): the APP CORE (`update` + the real runner, no
//! terminal) drives the change wizard against the real reference server on
//! 127.0.0.1:0 through a faulty front on loopback (`tests/portal_support`).
//!
//! For each fault on the confirmed change — 500, 502/503 with Retry-After,
//! 429 with Retry-After, a hang past the timeout, a reset before the answer,
//! a reset after the server accepted, truncated JSON, valid JSON of the
//! wrong shape, an access token expiring mid-wizard (with and without the
//! refresh answer lost), the server restarting with `--state` between
//! submit and poll — every test asserts:
//! - no panic (the test would fail);
//! - the user sees a clear message: a typed `WizardError`/`Failure` that
//!   the i18n catalogue turns into words in both languages;
//! - the wizard input is intact (when, total, reference, ticks);
//! - the server holds exactly one operation for the confirmed change
//!   (counted in the server's own `--state` file), even after the user
//!   confirms again;
//! - the audit log says what really happened (same idempotency key on every
//!   line; accepted with the server's operation id only when it was).
//!
//! No timed assertions: waits are bounded only to fail a hung test.

mod portal_support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use licencias::app::{
    Clock, Context, DoneOutcome, Failure, Key, KeyCode, Model, ModelInit, Msg, Prefs, Runner,
    RunnerConfig, Screen, Session, WizardError, WizardStep, update,
};
use licencias::audit::{AuditLog, AuditRecord, AuditStatus};
use licencias::domain::Effective;
use licencias::i18n::{self, Lang};
use licencias::portal::{ClientOptions, PortalClient};
use licencias::secrets::{SecretStore, StoreChoice};
use licencias::server::{self, RunningServer, ServerConfig};
use portal_support::{Fault, FaultyFront};
use tokio::sync::mpsc;

const START: &str = "2026-11-22T15:00:00Z";
/// Guard against a hung flow only; nothing asserts on speed.
const GIVE_UP: Duration = Duration::from_secs(90);
/// The subscription changed in every test (its window is open at START).
const SUB: &str = "sub-bs";
const REFERENCE: &str = "CHG-4711";

fn start_instant() -> DateTime<Utc> {
    START.parse().unwrap()
}

fn options(request_timeout: Duration) -> ClientOptions {
    ClientOptions {
        connect_timeout: Duration::from_secs(5),
        request_timeout,
        max_retries: 2,
        backoff_base: Duration::from_millis(20),
        backoff_max: Duration::from_millis(200),
        max_retry_after: Duration::from_secs(3),
        ..ClientOptions::default()
    }
}

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("licencias-faults-{name}-{}", uuid::Uuid::new_v4()))
}

async fn start_server(
    listen: std::net::SocketAddr,
    clock: DateTime<Utc>,
    state: &Path,
) -> RunningServer {
    server::spawn(ServerConfig {
        listen,
        clock: Some(clock),
        provisioning_delay: Duration::from_millis(1500),
        state_file: Some(state.to_path_buf()),
        ..ServerConfig::default()
    })
    .await
    .expect("server starts")
}

struct App {
    m: Model,
    runner: Runner,
    rx: mpsc::UnboundedReceiver<Msg>,
    clock: Clock,
    srv: Option<RunningServer>,
    front: FaultyFront,
    audit: PathBuf,
    state: PathBuf,
    /// The demo user's TOTP secret URI (from enrolment), to sign in again.
    otpauth: String,
}

impl App {
    async fn start(request_timeout: Duration) -> App {
        let state = temp("state.json");
        let srv = start_server("127.0.0.1:0".parse().unwrap(), start_instant(), &state).await;
        let front = FaultyFront::start(srv.addr()).await;
        let clock = Clock::pinned(start_instant());
        let client = PortalClient::new(&front.url, options(request_timeout)).unwrap();
        let audit = temp("audit.jsonl");
        let (tx, rx) = mpsc::unbounded_channel();
        let runner = Runner::new(
            RunnerConfig {
                client,
                portal_url: front.url.clone(),
                secret_store: StoreChoice::Memory,
                store: Some(SecretStore::memory()),
                audit_path: Some(audit.clone()),
                config_path: None,
                clock,
            },
            tx,
        );
        let mut m = Model::new(ModelInit {
            portal_url: front.url.clone(),
            demo: None,
            username: None,
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
            srv: Some(srv),
            front,
            audit,
            state,
            otpauth: String::new(),
        };
        let now = app.clock.now();
        app.dispatch(Msg::Started { now });
        app
    }

    fn dispatch(&mut self, msg: Msg) {
        let fx = update(&mut self.m, msg);
        self.runner.perform_all(fx);
    }
    fn key(&mut self, key: Key) {
        let now = self.clock.now();
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

    async fn until(&mut self, what: &str, pred: impl Fn(&Model) -> bool) {
        loop {
            if pred(&self.m) {
                return;
            }
            match tokio::time::timeout(GIVE_UP, self.rx.recv()).await {
                Ok(Some(msg)) => self.dispatch(msg),
                _ => panic!(
                    "gave up waiting for {what}; session {:?}, screen {:?}",
                    self.m.session,
                    self.m.screen()
                ),
            }
        }
    }

    /// First login with enrolment; keeps the otpauth URI to sign in again.
    async fn sign_in(&mut self) {
        self.typed(server::DEMO_USERNAME);
        self.tab();
        self.typed(server::DEMO_PASSWORD);
        self.enter();
        self.until(
            "the enrolment secret",
            |m| matches!(&m.session, Session::MfaEnrol(s) if s.enrolment.is_some()),
        )
        .await;
        let Session::MfaEnrol(s) = &self.m.session else {
            unreachable!()
        };
        self.otpauth = s.enrolment.as_ref().unwrap().otpauth_uri.clone();
        let code = totp_rs::Totp::from_url(&self.otpauth)
            .unwrap()
            .generate_current()
            .to_string();
        self.typed(&code);
        self.enter();
        self.until("the services list", |m| {
            m.session.is_logged_in() && m.services.loaded_at.is_some()
        })
        .await;
    }

    /// Services -> detail of SUB -> wizard: now, total `total`, Review with
    /// every warning and the approval ticked, reference typed; Confirm
    /// focused but not pressed.
    async fn review(&mut self, total: &str) {
        self.key(Key::ch('/'));
        self.typed(SUB);
        self.enter();
        self.enter();
        self.until("the detail", |m| {
            matches!(m.screen(), Screen::Detail(d) if d.request.is_none())
                && m.subscription(SUB).is_some()
        })
        .await;
        self.key(Key::ch('c'));
        self.enter();
        self.typed(total);
        self.enter();
        assert_eq!(self.m.context(), Context::WizardReview);
        let n = match self.step() {
            WizardStep::Review(r) => r.acks.len(),
            other => panic!("{other:?}"),
        };
        for _ in 0..n {
            self.key(Key::ch(' '));
            self.tab();
        }
        self.key(Key::ch(' ')); // approval
        self.tab();
        self.typed(REFERENCE);
        self.tab();
        let WizardStep::Review(r) = self.step() else {
            unreachable!()
        };
        assert!(r.can_confirm());
    }

    fn step(&self) -> &WizardStep {
        &self.m.wizard().expect("the wizard is open").step
    }

    /// Press Confirm and wait for the portal's answer to reach the wizard.
    async fn confirm(&mut self) {
        self.enter();
        assert_eq!(self.m.context(), Context::WizardSubmitting);
        self.until("the answer to the change", |m| {
            !matches!(
                m.wizard().map(|w| &w.step),
                Some(WizardStep::Submitting { .. })
            )
        })
        .await;
    }

    /// The wizard came back to Review with a failure: check the message and
    /// that nothing the user typed or ticked was lost. Returns the failure.
    fn assert_back_in_review_intact(&self, total: u32) -> Failure {
        let w = self.m.wizard().expect("still in the wizard");
        let WizardStep::Review(r) = &w.step else {
            panic!("not back in review: {:?}", w.step)
        };
        assert_eq!(w.input.when, Effective::Now);
        assert_eq!(w.input.entry.value(), total.to_string());
        assert_eq!(w.input.reference.value(), REFERENCE);
        assert!(r.can_confirm(), "ticks kept: {r:?}");
        assert_eq!(r.plan.to, total);
        assert!(
            r.confirmed.is_some(),
            "the idempotency key is kept for the retry"
        );
        let Some(WizardError::Failed(f)) = &w.error else {
            panic!("a typed failure is shown: {:?}", w.error)
        };
        assert_clear_message(&self.m, w.error.as_ref().unwrap(), w.sub.quantity);
        f.clone()
    }

    /// Idempotency key of the change in the wizard.
    fn wizard_key(&self) -> String {
        match self.step() {
            WizardStep::Review(r) | WizardStep::Submitting { review: r, .. } => r
                .confirmed
                .as_ref()
                .expect("confirmed once")
                .idempotency_key
                .clone(),
            WizardStep::Tracking {
                idempotency_key, ..
            } => idempotency_key.clone(),
            other => panic!("no key in {other:?}"),
        }
    }

    async fn until_applied(&mut self) -> licencias::api::OperationDto {
        self.until("the change to be reflected", |m| {
            matches!(
                m.wizard().map(|w| &w.step),
                Some(WizardStep::Done { .. } | WizardStep::Failed { .. })
            )
        })
        .await;
        match self.step() {
            WizardStep::Done {
                outcome: DoneOutcome::Applied(op),
                ..
            } => op.clone(),
            other => panic!("not applied: {other:?}"),
        }
    }

    /// Let every in-flight effect answer.
    async fn settle(&mut self) {
        self.runner.flush().await;
        while let Ok(msg) = self.rx.try_recv() {
            self.dispatch(msg);
        }
    }

    fn audit_lines(&self, key: &str) -> Vec<AuditRecord> {
        AuditLog::new(&self.audit)
            .read_all()
            .unwrap()
            .into_iter()
            .filter(|r| r.idempotency_key == key)
            .collect()
    }

    fn audit_statuses(&self, key: &str) -> Vec<AuditStatus> {
        self.audit_lines(key)
            .into_iter()
            .map(|r| r.status)
            .collect()
    }

    fn server_operations(&self) -> Vec<serde_json::Value> {
        server_operations(&self.state)
    }

    /// Wait (bounded, to fail a hung test only) until the server holds `n`
    /// operations for SUB.
    async fn wait_for_operations(&self, n: usize) {
        let give_up = tokio::time::Instant::now() + GIVE_UP;
        while self.server_operations().len() < n {
            assert!(
                tokio::time::Instant::now() < give_up,
                "the server never got the change"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn stop(mut self) {
        self.front.clear_plans();
        self.settle().await;
        drop(self.runner);
        if let Some(s) = self.srv.take() {
            s.shutdown().await;
        }
        let _ = std::fs::remove_file(&self.audit);
        let _ = std::fs::remove_file(&self.state);
    }
}

/// Operations the server holds for SUB, from its own state file (written
/// before each answer leaves the server).
fn server_operations(state: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(state).expect("the state file exists");
    let v: serde_json::Value = serde_json::from_str(&text).expect("the state file is JSON");
    v["operations"]
        .as_object()
        .map(|m| {
            m.values()
                .filter(|o| o["subscription_id"] == SUB)
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// The message shown for a wizard error is words, in both languages, never
/// the server's raw text or a debug dump.
fn assert_clear_message(m: &Model, e: &WizardError, qty: u32) {
    let tz = m.policy.time_zone;
    let en = i18n::t(Lang::En).wizard_error(e, qty, tz);
    let es = i18n::t(Lang::Es).wizard_error(e, qty, tz);
    for text in [&en, &es] {
        assert!(
            text.chars().filter(|c| c.is_alphabetic()).count() > 10,
            "{text:?}"
        );
        assert!(!text.contains("injected fault"), "raw server text: {text}");
        assert!(
            !text.contains("Failure") && !text.contains('{'),
            "debug text: {text}"
        );
    }
    assert_ne!(en, es, "translated");
}

fn status(status: u16, code: &'static str, retry_after: Option<u64>) -> Fault {
    Fault::Status {
        status,
        code,
        retry_after,
    }
}

/// A fault that outlasts every retry of the change makes the wizard come
/// back to Review with a typed failure and everything intact; confirming
/// again after the network heals applies the change exactly once, with
/// the same idempotency key. `applied_by_fault`: whether the server acted
/// on the faulty attempts (the answer was lost after it accepted).
async fn persistent_fault_then_retry(
    fault: Fault,
    applied_by_fault: bool,
    request_timeout: Duration,
    expect: impl Fn(&Failure) -> bool,
) {
    let mut app = App::start(request_timeout).await;
    app.sign_in().await;
    app.review("13").await;
    // Every attempt (1 + max_retries) meets the fault.
    app.front.plan("POST", "/changes", fault.clone(), 3);
    app.confirm().await;
    let failure = app.assert_back_in_review_intact(13);
    assert!(expect(&failure), "{fault:?} -> {failure:?}");
    assert_eq!(
        app.front.count("POST", "/changes"),
        3,
        "retried with the same key"
    );
    let key = app.wizard_key();
    let keys: Vec<_> = app
        .front
        .seen()
        .into_iter()
        .filter(|s| s.path.contains("/changes"))
        .map(|s| s.idempotency_key)
        .collect();
    assert!(keys.iter().all(|k| k.as_deref() == Some(key.as_str())));
    if applied_by_fault {
        // The held attempts reach the server after the client gave up.
        app.wait_for_operations(1).await;
    }
    assert_eq!(
        app.server_operations().len(),
        usize::from(applied_by_fault),
        "the server acted only on what reached it"
    );
    // The audit log: submitted, then the error; never "accepted".
    assert_eq!(
        app.audit_statuses(&key),
        [AuditStatus::Submitted, AuditStatus::Error]
    );
    let lines = app.audit_lines(&key);
    assert!(lines[1].detail.is_some(), "the error is described");
    assert_eq!(lines[0].approval_reference.as_deref(), Some(REFERENCE));

    // The network heals; the user confirms again: same key, one operation.
    app.front.clear_plans();
    app.confirm().await;
    assert_eq!(app.wizard_key(), key, "the same idempotency key");
    let op = app.until_applied().await;
    assert_eq!(op.target_quantity, 13);
    app.settle().await;
    let ops = app.server_operations();
    assert_eq!(ops.len(), 1, "exactly one operation: {ops:?}");
    assert_eq!(ops[0]["id"], op.id.as_str());
    assert_eq!(ops[0]["approval_reference"], REFERENCE);
    assert_eq!(
        app.audit_statuses(&key),
        [
            AuditStatus::Submitted,
            AuditStatus::Error,
            AuditStatus::Submitted,
            AuditStatus::Accepted,
            AuditStatus::Succeeded
        ]
    );
    let lines = app.audit_lines(&key);
    assert_eq!(lines[3].operation_id.as_deref(), Some(op.id.as_str()));
    assert_eq!(lines[4].operation_id.as_deref(), Some(op.id.as_str()));
    assert_eq!(app.m.operations.len(), 1);
    app.stop().await;
}

/// A fault the client rides out by itself (retry, Retry-After): the change
/// goes through on the first Confirm, once.
async fn transient_fault(fault: Fault, times: u32) {
    let mut app = App::start(Duration::from_secs(20)).await;
    app.sign_in().await;
    app.review("12").await;
    app.front.plan("POST", "/changes", fault.clone(), times);
    app.confirm().await;
    let key = app.wizard_key();
    let op = app.until_applied().await;
    assert_eq!(op.target_quantity, 12);
    let w = app.m.wizard().unwrap();
    assert_eq!(w.input.entry.value(), "12");
    assert_eq!(w.input.reference.value(), REFERENCE);
    assert!(w.error.is_none());
    assert_eq!(
        app.front.count("POST", "/changes"),
        times as usize + 1,
        "{fault:?}: retried with the same key"
    );
    app.settle().await;
    let ops = app.server_operations();
    assert_eq!(ops.len(), 1, "{fault:?}: exactly one operation");
    assert_eq!(ops[0]["id"], op.id.as_str());
    assert_eq!(
        app.audit_statuses(&key),
        [
            AuditStatus::Submitted,
            AuditStatus::Accepted,
            AuditStatus::Succeeded
        ]
    );
    app.stop().await;
}

// ---------------------------------------------------------------- 5xx

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_500_is_retried_and_the_change_applied_once() {
    transient_fault(status(500, "internal", None), 2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn persistent_500s_come_back_to_review_with_the_input_intact() {
    persistent_fault_then_retry(
        status(500, "internal", None),
        false,
        Duration::from_secs(20),
        |f| matches!(f, Failure::Server { status: 500, .. }),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_503_with_retry_after_is_waited_out_and_applied_once() {
    transient_fault(status(503, "unavailable", Some(1)), 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn persistent_502s_come_back_to_review_with_the_input_intact() {
    persistent_fault_then_retry(
        status(502, "bad_gateway", Some(1)),
        false,
        Duration::from_secs(20),
        |f| matches!(f, Failure::Server { status: 502, .. }),
    )
    .await;
}

// ---------------------------------------------------------------- 429

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_with_a_short_retry_after_is_waited_out_and_applied_once() {
    transient_fault(status(429, "rate_limited", Some(1)), 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_with_a_long_retry_after_is_shown_with_the_wait() {
    // Longer than the client sits out by itself: the user is told to wait.
    let mut app = App::start(Duration::from_secs(20)).await;
    app.sign_in().await;
    app.review("13").await;
    app.front.plan(
        "POST",
        "/changes",
        status(429, "rate_limited", Some(120)),
        1,
    );
    app.confirm().await;
    let f = app.assert_back_in_review_intact(13);
    assert_eq!(
        f,
        Failure::RateLimited {
            retry_after_secs: 120
        }
    );
    let e = app.m.wizard().unwrap().error.clone().unwrap();
    let en = i18n::t(Lang::En).wizard_error(&e, 10, app.m.policy.time_zone);
    assert!(
        en.contains('2') || en.contains("120"),
        "the wait is named: {en}"
    );
    assert!(app.server_operations().is_empty());
    let key = app.wizard_key();
    assert_eq!(
        app.audit_statuses(&key),
        [AuditStatus::Submitted, AuditStatus::Error]
    );
    app.front.clear_plans();
    app.confirm().await;
    let op = app.until_applied().await;
    app.settle().await;
    assert_eq!(app.server_operations().len(), 1);
    assert_eq!(app.server_operations()[0]["id"], op.id.as_str());
    app.stop().await;
}

// ---------------------------------------------------------------- hang

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hang_past_the_timeout_never_applies_twice() {
    // Each attempt is held past the client's timeout, then reaches the
    // server anyway: the first one applies, the others replay it.
    persistent_fault_then_retry(
        Fault::Slow(Duration::from_secs(6)),
        true,
        Duration::from_secs(4),
        |f| matches!(f, Failure::Timeout),
    )
    .await;
}

// ---------------------------------------------------------------- resets

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_before_the_answer_is_retried_and_applied_once() {
    transient_fault(Fault::ResetBefore, 2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn persistent_resets_before_the_answer_apply_nothing_until_confirmed_again() {
    persistent_fault_then_retry(Fault::ResetBefore, false, Duration::from_secs(20), |f| {
        matches!(f, Failure::Network(_))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_after_the_server_accepted_is_replayed_not_applied_again() {
    transient_fault(Fault::ResetAfter, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn persistent_resets_after_acceptance_hold_one_operation() {
    persistent_fault_then_retry(Fault::ResetAfter, true, Duration::from_secs(20), |f| {
        matches!(f, Failure::Network(_))
    })
    .await;
}

// ---------------------------------------------------------------- bodies

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_json_after_acceptance_holds_one_operation() {
    persistent_fault_then_retry(Fault::Truncated, true, Duration::from_secs(20), |f| {
        matches!(f, Failure::Network(_) | Failure::Decode(_))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn valid_json_of_the_wrong_shape_is_an_unreadable_answer() {
    persistent_fault_then_retry(Fault::WrongShape, false, Duration::from_secs(20), |f| {
        matches!(f, Failure::Decode(_))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_once_is_retried_and_applied_once() {
    transient_fault(Fault::Garbage, 1).await;
}

// ---------------------------------------------------------------- tokens

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_access_token_expiring_mid_wizard_is_refreshed_and_applied_once() {
    let mut app = App::start(Duration::from_secs(20)).await;
    app.sign_in().await;
    app.review("12").await;
    app.srv.as_ref().unwrap().expire_access_tokens();
    app.confirm().await;
    let key = app.wizard_key();
    let op = app.until_applied().await;
    assert_eq!(app.front.count("POST", "/auth/refresh"), 1);
    assert_eq!(
        app.front.count("POST", "/changes"),
        2,
        "401, then the change"
    );
    app.settle().await;
    assert_eq!(app.server_operations().len(), 1);
    assert_eq!(app.server_operations()[0]["id"], op.id.as_str());
    assert_eq!(
        app.audit_statuses(&key),
        [
            AuditStatus::Submitted,
            AuditStatus::Accepted,
            AuditStatus::Succeeded
        ]
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_lost_mid_wizard_signs_in_again_and_keeps_the_wizard() {
    // The access token expires, and the refresh answer is lost after the
    // server rotated the tokens: the client holds a dead refresh token.
    let mut app = App::start(Duration::from_secs(20)).await;
    app.sign_in().await;
    app.review("13").await;
    app.srv.as_ref().unwrap().expire_access_tokens();
    app.front
        .plan("POST", "/auth/refresh", Fault::ResetAfter, 1);
    app.confirm().await;
    let f = app.assert_back_in_review_intact(13);
    assert!(matches!(f, Failure::Network(_)), "{f:?}");
    assert!(
        app.server_operations().is_empty(),
        "nothing reached the server"
    );
    let key = app.wizard_key();

    // Confirm again: the dead refresh token ends the session; the login
    // form shows, the wizard waits underneath with its input.
    app.enter();
    app.until("the login form", |m| {
        matches!(m.session, Session::LoggedOut(_))
    })
    .await;
    let Session::LoggedOut(form) = &app.m.session else {
        unreachable!()
    };
    assert_eq!(form.username.value(), server::DEMO_USERNAME);
    assert!(form.reason.is_some(), "the reason is shown");
    assert!(
        !i18n::t(Lang::Es)
            .login_reason(form.reason.unwrap())
            .is_empty()
    );
    assert!(app.server_operations().is_empty());

    // Sign in again (password, then a code from the next time step, so it
    // is not refused as reused).
    app.typed(server::DEMO_PASSWORD);
    app.enter();
    app.until("the verify step", |m| {
        matches!(m.session, Session::MfaVerify(_))
    })
    .await;
    let totp = totp_rs::Totp::from_url(&app.otpauth).unwrap();
    let next = u64::try_from(Utc::now().timestamp()).unwrap() + 30;
    app.typed(&totp.generate(next).to_string());
    app.enter();
    app.until("signed in again", |m| m.session.is_logged_in())
        .await;
    assert_eq!(
        app.m.context(),
        Context::WizardReview,
        "back where the user was"
    );
    app.assert_back_in_review_intact(13);
    assert_eq!(app.wizard_key(), key);

    app.confirm().await;
    let op = app.until_applied().await;
    assert_eq!(op.target_quantity, 13);
    app.settle().await;
    let ops = app.server_operations();
    assert_eq!(ops.len(), 1, "{ops:?}");
    let statuses = app.audit_statuses(&key);
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == AuditStatus::Accepted)
            .count(),
        1
    );
    assert_eq!(statuses.last(), Some(&AuditStatus::Succeeded));
    app.stop().await;
}

// ---------------------------------------------------------------- restart

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_restarting_with_its_state_between_submit_and_poll() {
    let mut app = App::start(Duration::from_secs(20)).await;
    app.sign_in().await;
    app.review("12").await;
    app.enter();
    app.until("the change to be accepted", |m| {
        matches!(
            m.wizard().map(|w| &w.step),
            Some(WizardStep::Tracking { .. })
        )
    })
    .await;
    let key = app.wizard_key();
    let WizardStep::Tracking { operation_id, .. } = app.step() else {
        unreachable!()
    };
    let operation_id = operation_id.clone();
    assert_eq!(app.server_operations().len(), 1);

    // Stop the server while the operation is pending; polls now fail.
    let srv = app.srv.take().unwrap();
    let addr = srv.addr();
    let clock = srv.clock();
    srv.shutdown().await;
    let polls_before = app.front.count("GET", "/operations/");
    // Let the tracker meet the dead server at least once.
    let give_up = tokio::time::Instant::now() + GIVE_UP;
    while app.front.count("GET", "/operations/") <= polls_before {
        assert!(
            tokio::time::Instant::now() < give_up,
            "tracking stopped polling"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        matches!(app.step(), WizardStep::Tracking { .. }),
        "a failed poll does not end tracking"
    );

    // The same server comes back on the same address with its state file.
    let srv = start_server(addr, clock, &app.state).await;
    app.srv = Some(srv);
    let op = app.until_applied().await;
    assert_eq!(
        op.id, operation_id,
        "the same operation, known after the restart"
    );
    assert_eq!(op.target_quantity, 12);
    app.settle().await;
    let ops = app.server_operations();
    assert_eq!(ops.len(), 1);
    assert_eq!(ops[0]["status"], "succeeded");
    assert_eq!(
        app.audit_statuses(&key),
        [
            AuditStatus::Submitted,
            AuditStatus::Accepted,
            AuditStatus::Succeeded
        ]
    );
    assert!(
        app.m.session.is_logged_in(),
        "the session survived the restart"
    );
    app.stop().await;
}
