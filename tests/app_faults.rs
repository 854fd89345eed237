//! The app core through a faulty front (between client and the real
//! server): no panic, a clear typed failure, the wizard input intact, one
//! operation for one confirmed change, and an audit log that says what
//! really happened.

mod app_support;

use app_support::{App, Fault};
use licencias::app::{
    Context, DoneOutcome, Failure, Key, LoginReason, Session, WizardError, WizardStep,
};
use licencias::audit::{AuditLog, AuditStatus};
use licencias::domain::Effective;
use licencias::portal::PortalError;

/// Sign in through the front, open sub-bs and prepare "12 now" up to Review
/// with the approval ticked and a reference typed.
async fn ready_to_confirm() -> App {
    let mut app = App::start_with(true).await;
    app.sign_in().await;
    app.open("sub-bs").await;
    app.change(Effective::Now, "12");
    app.enter();
    app.acknowledge_all();
    app.tab();
    app.typed("INC-9");
    app
}

fn posts(app: &App) -> Vec<Option<String>> {
    app.front
        .as_ref()
        .unwrap()
        .seen()
        .into_iter()
        .filter(|s| s.method == "POST" && s.path.contains("/changes"))
        .map(|s| s.idempotency_key)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_after_the_server_accepted_is_retried_with_the_same_key_and_applied_once() {
    let mut app = ready_to_confirm().await;
    // Every attempt of the first confirm reaches the server, and the answer is lost.
    app.front
        .as_ref()
        .unwrap()
        .plan("POST", "/changes", Fault::ResetAfter, 10);
    app.enter();
    app.until("the wizard to come back with an error", |m| {
        m.wizard().is_some_and(|w| w.error.is_some())
    })
    .await;
    let w = app.m.wizard().unwrap();
    assert!(
        matches!(&w.error, Some(WizardError::Failed(f)) if f.is_transient()),
        "{:?}",
        w.error
    );
    assert!(matches!(w.step, WizardStep::Review(_)));
    assert_eq!(w.input.entry.value(), "12");
    assert_eq!(w.input.reference.value(), "INC-9");
    let first = posts(&app);
    assert!(!first.is_empty());
    app.front.as_ref().unwrap().clear_plans();
    // Confirm again: the same key, so the server answers with the same operation.
    assert_eq!(app.m.context(), Context::WizardReview);
    app.enter();
    let DoneOutcome::Applied(op) = app.until_done().await else {
        panic!()
    };
    assert_eq!(op.target_quantity, 12);
    let all = posts(&app);
    assert!(all.len() > first.len());
    assert!(all.iter().all(|k| k.is_some() && *k == all[0]), "{all:?}");
    assert_eq!(app.m.operations.len(), 1);
    app.settle().await;
    let key = all[0].clone().unwrap();
    let statuses = app.audit_statuses(&key);
    assert_eq!(statuses.first(), Some(&AuditStatus::Submitted));
    assert!(statuses.contains(&AuditStatus::Error), "{statuses:?}");
    assert_eq!(statuses.last(), Some(&AuditStatus::Succeeded));
    let finals = AuditLog::new(&app.audit).final_records().unwrap();
    assert_eq!(finals.len(), 1, "one change in the audit log");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_before_the_server_saw_the_change_keeps_the_input_and_sends_nothing() {
    let mut app = ready_to_confirm().await;
    app.front
        .as_ref()
        .unwrap()
        .plan("POST", "/changes", Fault::ResetBefore, 10);
    app.enter();
    app.until("the wizard to come back with an error", |m| {
        m.wizard().is_some_and(|w| w.error.is_some())
    })
    .await;
    let w = app.m.wizard().unwrap();
    assert!(matches!(
        &w.error,
        Some(WizardError::Failed(
            Failure::Portal(PortalError::Network(_)) | Failure::Portal(PortalError::Timeout)
        ))
    ));
    assert_eq!(w.input.entry.value(), "12");
    assert!(app.m.operations.is_empty());
    app.settle().await;
    let records = AuditLog::new(&app.audit).read_all().unwrap();
    assert_eq!(
        records.iter().map(|r| r.status).collect::<Vec<_>>(),
        [AuditStatus::Submitted, AuditStatus::Error]
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_and_server_errors_on_the_listing_are_shown_and_refresh_recovers() {
    let mut app = App::start_with(true).await;
    app.sign_in().await;
    let rows = app.m.services.rows.len();
    assert!(rows > 0);
    app.front
        .as_ref()
        .unwrap()
        .plan("GET", "/services", Fault::Garbage, 10);
    app.key(Key::ch('r'));
    app.until("the refresh to fail", |m| {
        m.services.request.is_none() && m.services.error.is_some()
    })
    .await;
    assert!(matches!(
        app.m.services.error,
        Some(Failure::Portal(PortalError::Decode(_)))
    ));
    assert_eq!(app.m.services.rows.len(), rows, "the last listing stays");
    assert!(!app.m.toasts.is_empty());
    app.front.as_ref().unwrap().clear_plans();
    app.front.as_ref().unwrap().plan(
        "GET",
        "/services",
        Fault::Status {
            status: 503,
            code: "internal",
            retry_after: Some(1),
        },
        1,
    );
    app.key(Key::ch('r'));
    app.until("the refresh to succeed", |m| {
        m.services.request.is_none() && m.services.error.is_none()
    })
    .await;
    assert_eq!(app.m.services.rows.len(), rows);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_refresh_goes_back_to_login_and_the_wizard_survives_it() {
    let mut app = ready_to_confirm().await;
    let front = app.front.as_ref().unwrap();
    front.plan(
        "POST",
        "/auth/refresh",
        Fault::Status {
            status: 401,
            code: "invalid_refresh_token",
            retry_after: None,
        },
        5,
    );
    app.srv.expire_access_tokens();
    app.enter();
    app.until("the session to end", |m| !m.session.is_logged_in())
        .await;
    let Session::LoggedOut(form) = &app.m.session else {
        panic!("{:?}", app.m.session)
    };
    assert_eq!(form.reason, Some(LoginReason::SessionExpired));
    assert_eq!(form.username.value(), "demo");
    assert_eq!(app.m.stack.len(), 3, "services, detail and wizard kept");
    let w = app.m.wizard().unwrap();
    assert_eq!(
        w.error,
        Some(WizardError::Failed(Failure::Portal(
            PortalError::SessionExpired
        )))
    );
    assert!(matches!(w.step, WizardStep::Review(_)));
    assert!(app.m.operations.is_empty(), "nothing was applied");
    app.front.as_ref().unwrap().clear_plans();
    app.sign_in_again().await;
    // Back exactly where the user was, with everything typed.
    assert_eq!(app.m.context(), Context::WizardReview);
    let w = app.m.wizard().unwrap();
    assert_eq!(w.input.entry.value(), "12");
    assert_eq!(w.input.reference.value(), "INC-9");
    app.enter();
    let DoneOutcome::Applied(op) = app.until_done().await else {
        panic!()
    };
    assert_eq!(op.target_quantity, 12);
    assert_eq!(app.m.operations.len(), 1);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_that_cannot_be_written_to_the_audit_log_is_not_sent() {
    // A directory where the audit file should be: every append fails.
    let dir = std::env::temp_dir().join(format!("licencias-audit-dir-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let srv = licencias::server::spawn(licencias::server::ServerConfig {
        clock: Some(app_support::start_instant()),
        ..Default::default()
    })
    .await
    .unwrap();
    let mut app = App::start_full(
        srv,
        true,
        licencias::secrets::SecretStore::memory(),
        None,
        dir.clone(),
    )
    .await;
    app.sign_in().await;
    app.open("sub-bs").await;
    app.change(Effective::Now, "12");
    app.enter();
    app.acknowledge_all();
    app.enter();
    app.until("the wizard to come back", |m| {
        m.wizard().is_some_and(|w| w.error.is_some())
    })
    .await;
    let w = app.m.wizard().unwrap();
    assert!(
        matches!(&w.error, Some(WizardError::Failed(Failure::Audit(_)))),
        "{:?}",
        w.error
    );
    assert_eq!(w.input.entry.value(), "12");
    assert!(matches!(w.step, WizardStep::Review(_)));
    assert_eq!(posts(&app).len(), 0, "nothing reached the portal");
    assert!(app.m.operations.is_empty());
    app.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
