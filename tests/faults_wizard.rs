//! The fault suite (issue 6): the APP CORE (`update` + the real runner, no
//! terminal) drives the change wizard against the real reference server on
//! 127.0.0.1:0 through a faulty front on loopback (`tests/app_support`,
//! which includes `tests/portal_support`).
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

mod app_support;

use licencias::portal::PortalError;
use std::path::{Path, PathBuf};
use std::time::Duration;

use app_support::{App, Fault, FaultyFront, GIVE_UP, start_instant};
use chrono::{DateTime, Utc};
use licencias::api::OperationDto;
use licencias::app::{Context, DoneOutcome, Failure, Model, Session, WizardError, WizardStep};
use licencias::audit::{AuditLog, AuditRecord, AuditStatus};
use licencias::domain::Effective;
use licencias::i18n::{self, Lang};
use licencias::secrets::SecretStore;
use licencias::server::{self, RunningServer, ServerConfig};

/// The subscription changed in every test (its window is open at START).
const SUB: &str = "sub-bs";
const REFERENCE: &str = "CHG-4711";
/// Attempts the client makes for one confirmed change (1 + its default
/// `max_retries`, as `app_support` configures it).
const ATTEMPTS: u32 = 4;

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

/// The app (`tests/app_support`: `update` + the real runner) behind a faulty
/// front, and the server's `--state` file where its operations are counted.
struct Case {
    app: App,
    state: PathBuf,
}

impl Case {
    /// Signed in, on the Review step of "SUB now -> `total`" with every
    /// warning and the approval ticked and a reference typed; Confirm
    /// focused but not pressed.
    async fn in_review(total: &str) -> Case {
        let state = temp("state.json");
        let srv = start_server("127.0.0.1:0".parse().unwrap(), start_instant(), &state).await;
        let app =
            App::start_full(srv, true, SecretStore::memory(), None, temp("audit.jsonl")).await;
        let mut c = Case { app, state };
        c.app.sign_in().await;
        c.app.open(SUB).await;
        c.app.change(Effective::Now, total);
        c.app.enter();
        assert_eq!(c.app.m.context(), Context::WizardReview);
        c.app.acknowledge_all();
        c.app.tab();
        c.app.typed(REFERENCE);
        c.app.tab();
        c
    }

    fn front(&self) -> &FaultyFront {
        self.app
            .front
            .as_ref()
            .expect("started with a faulty front")
    }

    fn step(&self) -> &WizardStep {
        self.app.wizard_step()
    }

    /// Press Confirm and wait for the portal's answer to reach the wizard.
    async fn confirm(&mut self) {
        self.app.enter();
        assert_eq!(self.app.m.context(), Context::WizardSubmitting);
        self.app
            .until("the answer to the change", |m| {
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
        let w = self.app.m.wizard().expect("still in the wizard");
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
        let Some(e @ WizardError::Failed(f)) = &w.error else {
            panic!("a typed failure is shown: {:?}", w.error)
        };
        assert_clear_message(&self.app.m, e, w.sub.quantity);
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

    async fn until_applied(&mut self) -> OperationDto {
        match self.app.until_done().await {
            DoneOutcome::Applied(op) => op,
            other => panic!("not applied: {other:?}"),
        }
    }

    fn audit_lines(&self, key: &str) -> Vec<AuditRecord> {
        AuditLog::new(&self.app.audit)
            .read_all()
            .unwrap()
            .into_iter()
            .filter(|r| r.idempotency_key == key)
            .collect()
    }

    /// Operations the server holds for SUB, from its own state file
    /// (written before each answer leaves the server).
    fn server_operations(&self) -> Vec<serde_json::Value> {
        let text = std::fs::read_to_string(&self.state).expect("the state file exists");
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

    /// After the change is reflected: exactly one operation on the server,
    /// the one the app tracked, with the user's reference.
    async fn assert_one_operation(&mut self, op: &OperationDto, case: &str) {
        self.app.settle().await;
        let ops = self.server_operations();
        assert_eq!(ops.len(), 1, "{case}: exactly one operation: {ops:?}");
        assert_eq!(ops[0]["id"], op.id.as_str(), "{case}");
        assert_eq!(ops[0]["approval_reference"], REFERENCE, "{case}");
        assert_eq!(self.app.m.operations.len(), 1, "{case}");
    }

    async fn stop(self) {
        if let Some(f) = &self.app.front {
            f.clear_plans();
        }
        self.app.stop().await;
        let _ = std::fs::remove_file(&self.state);
    }
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

/// What the failure shown must be, for a case.
type Expect = fn(&Failure) -> bool;

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
async fn persistent_fault_then_retry(fault: Fault, applied_by_fault: bool, expect: Expect) {
    let case = format!("{fault:?}");
    let mut c = Case::in_review("13").await;
    c.front().plan("POST", "/changes", fault, ATTEMPTS);
    c.confirm().await;
    let failure = c.assert_back_in_review_intact(13);
    assert!(expect(&failure), "{case} -> {failure:?}");
    assert_eq!(
        c.front().count("POST", "/changes"),
        ATTEMPTS as usize,
        "{case}: retried"
    );
    let key = c.wizard_key();
    let keys: Vec<_> = c
        .front()
        .seen()
        .into_iter()
        .filter(|s| s.path.contains("/changes"))
        .map(|s| s.idempotency_key)
        .collect();
    assert!(
        keys.iter().all(|k| k.as_deref() == Some(key.as_str())),
        "{case}: every attempt carries the same idempotency key"
    );
    if applied_by_fault {
        // Held attempts may reach the server after the client gave up.
        c.wait_for_operations(1).await;
    }
    assert_eq!(
        c.server_operations().len(),
        usize::from(applied_by_fault),
        "{case}: the server acted only on what reached it"
    );
    // The audit log: submitted, then the error; never "accepted".
    assert_eq!(
        c.app.audit_statuses(&key),
        [AuditStatus::Submitted, AuditStatus::Error],
        "{case}"
    );
    let lines = c.audit_lines(&key);
    assert!(lines[1].detail.is_some(), "{case}: the error is described");
    assert_eq!(lines[0].approval_reference.as_deref(), Some(REFERENCE));

    // The network heals; the user confirms again: same key, one operation.
    c.front().clear_plans();
    c.confirm().await;
    assert_eq!(c.wizard_key(), key, "{case}: the same idempotency key");
    let op = c.until_applied().await;
    assert_eq!(op.target_quantity, 13);
    c.assert_one_operation(&op, &case).await;
    assert_eq!(
        c.app.audit_statuses(&key),
        [
            AuditStatus::Submitted,
            AuditStatus::Error,
            AuditStatus::Submitted,
            AuditStatus::Accepted,
            AuditStatus::Succeeded
        ],
        "{case}"
    );
    let lines = c.audit_lines(&key);
    assert_eq!(lines[3].operation_id.as_deref(), Some(op.id.as_str()));
    assert_eq!(lines[4].operation_id.as_deref(), Some(op.id.as_str()));
    c.stop().await;
}

/// A fault the client rides out by itself (retry, Retry-After): the change
/// goes through on the first Confirm, once.
async fn transient_fault(fault: Fault, times: u32) {
    let case = format!("{fault:?} x{times}");
    let mut c = Case::in_review("12").await;
    c.front().plan("POST", "/changes", fault, times);
    c.confirm().await;
    let key = c.wizard_key();
    let op = c.until_applied().await;
    assert_eq!(op.target_quantity, 12);
    let w = c.app.m.wizard().unwrap();
    assert_eq!(w.input.entry.value(), "12");
    assert_eq!(w.input.reference.value(), REFERENCE);
    assert!(w.error.is_none(), "{case}");
    assert_eq!(
        c.front().count("POST", "/changes"),
        times as usize + 1,
        "{case}: retried with the same key"
    );
    c.assert_one_operation(&op, &case).await;
    assert_eq!(
        c.app.audit_statuses(&key),
        [
            AuditStatus::Submitted,
            AuditStatus::Accepted,
            AuditStatus::Succeeded
        ],
        "{case}"
    );
    c.stop().await;
}

// ---------------------------------------------------------------- cases

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_faults_are_ridden_out_and_the_change_applied_once() {
    for (fault, times) in [
        (status(500, "internal", None), 2),
        (status(503, "unavailable", Some(1)), 1),
        (status(429, "rate_limited", Some(1)), 1),
        (Fault::ResetBefore, 2),
        (Fault::ResetAfter, 1),
        (Fault::Garbage, 1),
    ] {
        transient_fault(fault, times).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_outlasting_the_retries_keep_the_input_and_apply_once_when_confirmed_again() {
    let cases: [(Fault, bool, Expect); 6] = [
        (status(500, "internal", None), false, |f| {
            matches!(f, Failure::Portal(PortalError::Server { status: 500, .. }))
        }),
        (status(502, "bad_gateway", Some(1)), false, |f| {
            matches!(f, Failure::Portal(PortalError::Server { status: 502, .. }))
        }),
        (Fault::ResetBefore, false, |f| {
            matches!(f, Failure::Portal(PortalError::Network(_)))
        }),
        // The server accepted; every answer was lost.
        (Fault::ResetAfter, true, |f| {
            matches!(f, Failure::Portal(PortalError::Network(_)))
        }),
        (Fault::Truncated, true, |f| {
            matches!(
                f,
                Failure::Portal(PortalError::Network(_)) | Failure::Portal(PortalError::Decode(_))
            )
        }),
        (Fault::WrongShape, false, |f| {
            matches!(f, Failure::Portal(PortalError::Decode(_)))
        }),
    ];
    for (fault, applied, expect) in cases {
        persistent_fault_then_retry(fault, applied, expect).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hang_past_the_timeout_never_applies_twice() {
    // Each attempt is held past the client's timeout (5 s), then reaches the
    // server anyway: the first one applies, the others replay it.
    persistent_fault_then_retry(Fault::Slow(Duration::from_secs(7)), true, |f| {
        matches!(f, Failure::Portal(PortalError::Timeout))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_with_a_long_retry_after_is_shown_with_the_wait() {
    // Longer than the client sits out by itself: the user is told to wait.
    let mut c = Case::in_review("13").await;
    c.front().plan(
        "POST",
        "/changes",
        status(429, "rate_limited", Some(120)),
        1,
    );
    c.confirm().await;
    let f = c.assert_back_in_review_intact(13);
    assert_eq!(
        f,
        Failure::Portal(PortalError::RateLimited {
            retry_after_secs: 120
        })
    );
    let e = c.app.m.wizard().unwrap().error.clone().unwrap();
    let en = i18n::t(Lang::En).wizard_error(&e, 10, c.app.m.policy.time_zone);
    assert!(
        en.contains('2') || en.contains("120"),
        "the wait is named: {en}"
    );
    assert!(c.server_operations().is_empty());
    let key = c.wizard_key();
    assert_eq!(
        c.app.audit_statuses(&key),
        [AuditStatus::Submitted, AuditStatus::Error]
    );
    c.front().clear_plans();
    c.confirm().await;
    let op = c.until_applied().await;
    c.assert_one_operation(&op, "429 long").await;
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_access_token_expiring_mid_wizard_is_refreshed_and_applied_once() {
    let mut c = Case::in_review("12").await;
    c.app.srv.expire_access_tokens();
    c.confirm().await;
    let key = c.wizard_key();
    let op = c.until_applied().await;
    assert_eq!(c.front().count("POST", "/auth/refresh"), 1);
    assert_eq!(
        c.front().count("POST", "/changes"),
        2,
        "401, then the change"
    );
    c.assert_one_operation(&op, "token expiry").await;
    assert_eq!(
        c.app.audit_statuses(&key),
        [
            AuditStatus::Submitted,
            AuditStatus::Accepted,
            AuditStatus::Succeeded
        ]
    );
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_lost_mid_wizard_signs_in_again_and_keeps_the_wizard() {
    // The access token expires, and the refresh answer is lost after the
    // server rotated the tokens: the client holds a dead refresh token.
    let mut c = Case::in_review("13").await;
    c.app.srv.expire_access_tokens();
    c.front()
        .plan("POST", "/auth/refresh", Fault::ResetAfter, 1);
    c.confirm().await;
    let f = c.assert_back_in_review_intact(13);
    assert!(
        matches!(f, Failure::Portal(PortalError::Network(_))),
        "{f:?}"
    );
    assert!(
        c.server_operations().is_empty(),
        "nothing reached the server"
    );
    let key = c.wizard_key();

    // Confirm again: the dead refresh token ends the session; the login
    // form shows, the wizard waits underneath with its input.
    c.app.enter();
    c.app
        .until("the login form", |m| {
            matches!(m.session, Session::LoggedOut(_))
        })
        .await;
    let Session::LoggedOut(form) = &c.app.m.session else {
        unreachable!()
    };
    assert_eq!(form.username.value(), server::DEMO_USERNAME);
    let reason = form.reason.expect("the reason is shown");
    assert!(!i18n::t(Lang::Es).login_reason(reason).is_empty());
    assert!(c.server_operations().is_empty());

    c.app.sign_in_again().await;
    assert_eq!(
        c.app.m.context(),
        Context::WizardReview,
        "back where the user was"
    );
    c.assert_back_in_review_intact(13);
    assert_eq!(c.wizard_key(), key);

    c.confirm().await;
    let op = c.until_applied().await;
    assert_eq!(op.target_quantity, 13);
    c.assert_one_operation(&op, "session lost").await;
    let statuses = c.app.audit_statuses(&key);
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == AuditStatus::Accepted)
            .count(),
        1
    );
    assert_eq!(statuses.last(), Some(&AuditStatus::Succeeded));
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_restarting_with_its_state_between_submit_and_poll() {
    let mut c = Case::in_review("12").await;
    c.app.enter();
    c.app
        .until("the change to be accepted", |m| {
            matches!(
                m.wizard().map(|w| &w.step),
                Some(WizardStep::Tracking { .. })
            )
        })
        .await;
    let key = c.wizard_key();
    let WizardStep::Tracking { operation_id, .. } = c.step() else {
        unreachable!()
    };
    let operation_id = operation_id.clone();
    assert_eq!(c.server_operations().len(), 1);

    // Stop the server while the operation is pending; polls now fail.
    let addr = c.app.srv.addr();
    let clock = c.app.srv.clock();
    let stand_in = server::spawn(ServerConfig::default()).await.unwrap();
    std::mem::replace(&mut c.app.srv, stand_in).shutdown().await;
    let polls_before = c.front().count("GET", "/operations/");
    let give_up = tokio::time::Instant::now() + GIVE_UP;
    while c.front().count("GET", "/operations/") <= polls_before {
        assert!(
            tokio::time::Instant::now() < give_up,
            "tracking stopped polling"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        matches!(c.step(), WizardStep::Tracking { .. }),
        "a failed poll does not end tracking"
    );

    // The same server comes back on the same address with its state file.
    let back = start_server(addr, clock, &c.state).await;
    std::mem::replace(&mut c.app.srv, back).shutdown().await;
    let op = c.until_applied().await;
    assert_eq!(
        op.id, operation_id,
        "the same operation, known after the restart"
    );
    assert_eq!(op.target_quantity, 12);
    c.assert_one_operation(&op, "restart").await;
    assert_eq!(c.server_operations()[0]["status"], "succeeded");
    assert_eq!(
        c.app.audit_statuses(&key),
        [
            AuditStatus::Submitted,
            AuditStatus::Accepted,
            AuditStatus::Succeeded
        ]
    );
    assert!(
        c.app.m.session.is_logged_in(),
        "the session survived the restart"
    );
    c.stop().await;
}
