//! After a full session at the most verbose log level (login with
//! enrolment, wrong code, listing, token refresh, a change with a fault and
//! its tracking, logout), no secret appears in the log file or the audit
//! log: not the password, the MFA step token, the TOTP secret or codes, nor
//! any access or refresh token.

mod portal_support;

use std::time::Duration;

use licencias::api::{ChangeRequest, EffectiveDto};
use licencias::audit::{AuditLog, AuditRecord, AuditStatus};
use licencias::logging::{self, LogLevel};
use licencias::portal::{self, ChangeOutcome, track_operation};
use licencias::server;
use portal_support::*;
use secrecy::ExposeSecret;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_the_log_or_the_audit_log() {
    let dir = std::env::temp_dir().join(format!("licencias-log-{}", uuid::Uuid::new_v4()));
    let log_path = dir.join("licencias.log");
    let guard = logging::init_file(LogLevel::Trace, &log_path).unwrap();
    assert_eq!(guard.path(), Some(log_path.as_path()));

    let srv = demo_server(Duration::from_secs(1)).await;
    let front = FaultyFront::start(srv.addr()).await;
    let c = client_for(&front.url, test_options());
    let mut secrets: Vec<String> = vec![server::DEMO_PASSWORD.to_string()];
    let mut rotated = c.subscribe_refresh_tokens();

    let login = c
        .login(server::DEMO_USERNAME, &demo_password())
        .await
        .unwrap();
    secrets.push(login.mfa_token.clone());
    tracing::debug!(?login, "login answer");
    let enrol = c.enroll(&login.mfa_token).await.unwrap();
    tracing::debug!(?enrol, "enrol answer");
    secrets.push(enrol.secret.clone());
    let code = portal::demo::totp_code(&enrol.otpauth_uri).unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let failure = c.verify(&login.mfa_token, wrong).await.unwrap_err();
    tracing::warn!(error = %failure, debug = ?failure, "wrong code");
    c.verify(&login.mfa_token, &code).await.unwrap();
    secrets.push(code.clone());
    if let Some(t) = rotated.borrow_and_update().as_ref() {
        secrets.push(t.expose_secret().to_string());
    }

    assert!(!c.services().await.unwrap().is_empty());
    srv.expire_access_tokens();
    let sub = c.subscription("sub-bs").await.unwrap();
    if let Some(t) = rotated.borrow_and_update().as_ref() {
        secrets.push(t.expose_secret().to_string());
    }

    let audit = AuditLog::new(dir.join("audit.jsonl"));
    let req = ChangeRequest {
        quantity: sub.quantity + 1,
        effective: EffectiveDto::Now,
        expected_version: sub.version,
        approval_reference: Some("TCK-9".into()),
    };
    let idempotency_key = uuid::Uuid::new_v4().to_string();
    let submitted = AuditRecord {
        time: chrono::Utc::now(),
        portal: c.base_url().to_string(),
        user: server::DEMO_USERNAME.into(),
        subscription: sub.id.clone(),
        from: sub.quantity,
        to: req.quantity,
        effective: req.effective,
        effective_date: None,
        approval_reference: req.approval_reference.clone(),
        idempotency_key: idempotency_key.clone(),
        operation_id: None,
        change_request_id: None,
        status: AuditStatus::Submitted,
        detail: None,
        expected_version: Some(req.expected_version),
    };
    audit.append(&submitted).unwrap();
    front.plan("POST", "/changes", Fault::ResetAfter, 1);
    let op = match c
        .submit_change("sub-bs", &req, &idempotency_key)
        .await
        .unwrap()
    {
        ChangeOutcome::Accepted(op) => op,
        other => panic!("{other:?}"),
    };
    let mut accepted = submitted.with_status(AuditStatus::Accepted);
    accepted.operation_id = Some(op.id.clone());
    audit.append(&accepted).unwrap();
    let done = track_operation(&c, &op.id, Duration::from_secs(300), |p| {
        tracing::trace!(?p, "progress");
    })
    .await
    .unwrap();
    audit
        .append(&accepted.with_status(AuditStatus::Succeeded))
        .unwrap();
    assert_eq!(done.status, licencias::domain::OperationStatus::Succeeded);

    c.logout().await.unwrap();
    tracing::info!(client = ?c, "client after logout");

    // every bearer token and refresh token that went over the wire
    for seen in front.seen() {
        if let Some(auth) = seen.authorization {
            secrets.push(auth.trim_start_matches("Bearer ").to_string());
        }
        if seen.path.contains("/auth/refresh")
            && let Ok(v) = serde_json::from_slice::<serde_json::Value>(&seen.body)
            && let Some(t) = v["refresh_token"].as_str()
        {
            secrets.push(t.to_string());
        }
    }
    secrets.sort();
    secrets.dedup();
    assert!(secrets.len() >= 6, "{} secrets collected", secrets.len());

    srv.shutdown().await;
    drop(front);
    drop(guard); // flush the log

    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        log.contains("session tokens installed"),
        "the log has content"
    );
    assert!(
        log.contains("retrying portal request"),
        "the fault was logged"
    );
    let audit_text = std::fs::read_to_string(audit.path()).unwrap();
    assert_eq!(audit_text.lines().count(), 3);
    for s in &secrets {
        assert!(s.len() >= 6);
        assert!(!log.contains(s.as_str()), "a secret leaked into the log");
        assert!(
            !audit_text.contains(s.as_str()),
            "a secret leaked into the audit log"
        );
    }
}
