//! `PortalClient` against the real reference server on 127.0.0.1:0 (demo
//! tenant): login with enrolment, listing, changes now and at renewal,
//! refusals, conflicts, token refresh, resume, logout.

mod portal_support;

use std::time::Duration;

use licencias::api::{ChangeRequest, EffectiveDto};
use licencias::domain::{OperationStatus, Refusal};
use licencias::portal::{self, ChangeOutcome, PortalError, TrackProgress, track_operation};
use licencias::server;
use portal_support::*;
use secrecy::{ExposeSecret, SecretString};

fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[tokio::test]
async fn full_login_with_enrolment_then_listing() {
    let srv = demo_server(Duration::from_secs(1)).await;
    let c = client_for(&srv.base_url(), test_options());

    // policy needs no token
    let policy = c.policy().await.unwrap();
    assert_eq!(policy.decrease_window_days, 6);
    assert!(policy.to_policy().is_some());

    // wrong password
    let bad = c
        .login(server::DEMO_USERNAME, &SecretString::from("nope"))
        .await
        .unwrap_err();
    assert_eq!(bad, PortalError::InvalidCredentials);

    // first login: enrolment
    let login = c
        .login(server::DEMO_USERNAME, &demo_password())
        .await
        .unwrap();
    assert_eq!(login.mfa, licencias::api::MfaStep::Enroll);
    let enrol = c.enroll(&login.mfa_token).await.unwrap();
    assert!(enrol.otpauth_uri.starts_with("otpauth://totp/"));
    assert!(enrol.otpauth_uri.contains(&enrol.secret));

    // a wrong code says how many attempts are left
    let code = portal::demo::totp_code(&enrol.otpauth_uri).unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    match c.verify(&login.mfa_token, wrong).await.unwrap_err() {
        PortalError::InvalidMfaCode { attempts_left } => assert!(attempts_left.is_some()),
        other => panic!("{other:?}"),
    }

    let mut tokens = c.subscribe_refresh_tokens();
    let session = c.verify(&login.mfa_token, &code).await.unwrap();
    assert_eq!(session.user.username, "demo");
    assert!(session.access_expires_at > chrono::Utc::now());
    assert!(session.refresh_expires_at > session.access_expires_at);
    assert!(c.is_signed_in());
    assert!(tokens.has_changed().unwrap());
    assert!(tokens.borrow_and_update().is_some());

    // the same code again, on a new login: refused as reused
    let again = c
        .login(server::DEMO_USERNAME, &demo_password())
        .await
        .unwrap();
    assert_eq!(again.mfa, licencias::api::MfaStep::Verify);
    assert_eq!(
        c.verify(&again.mfa_token, &code).await.unwrap_err(),
        PortalError::MfaCodeReused
    );
    // and enrolling twice is refused
    assert_eq!(
        c.enroll(&again.mfa_token).await.unwrap_err(),
        PortalError::AlreadyEnrolled
    );

    // listing: every service, every subscription
    let services = c.services().await.unwrap();
    assert!(services.len() >= 2);
    let all: Vec<_> = services.iter().flat_map(|s| &s.subscriptions).collect();
    assert!(all.iter().any(|s| s.id == "sub-bs"));
    let sub = c.subscription("sub-bs").await.unwrap();
    assert_eq!(sub.id, "sub-bs");
    assert_eq!(
        c.subscription("no-such-sub").await.unwrap_err(),
        PortalError::NotFound
    );
    srv.shutdown().await;
}

#[tokio::test]
async fn large_listing_is_followed_across_pages() {
    let srv = server::spawn(server::ServerConfig {
        scale: 450,
        ..server::ServerConfig::default()
    })
    .await
    .unwrap();
    let c = client_for(&srv.base_url(), test_options());
    sign_in(&c).await;
    let services = c.services().await.unwrap();
    let count: usize = services.iter().map(|s| s.subscriptions.len()).sum();
    assert!(count >= 450, "{count}");
    let mut ids: Vec<_> = services
        .iter()
        .flat_map(|s| s.subscriptions.iter().map(|x| x.id.clone()))
        .collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "no subscription twice");
    srv.shutdown().await;
}

#[tokio::test]
async fn change_now_is_tracked_to_success() {
    let srv = demo_server(Duration::from_secs(2)).await;
    let c = client_for(&srv.base_url(), test_options());
    sign_in(&c).await;
    let sub = c.subscription("sub-bs").await.unwrap();
    let req = ChangeRequest {
        quantity: sub.quantity + 2,
        effective: EffectiveDto::Now,
        expected_version: sub.version,
        approval_reference: Some("TCK-42".into()),
    };
    let k = key();
    let op = match c.submit_change("sub-bs", &req, &k).await.unwrap() {
        ChangeOutcome::Accepted(op) => op,
        other => panic!("{other:?}"),
    };
    assert_eq!(op.status, OperationStatus::Pending);
    assert_eq!(op.target_quantity, sub.quantity + 2);

    // the same key and body replays the first answer
    match c.submit_change("sub-bs", &req, &k).await.unwrap() {
        ChangeOutcome::Accepted(again) => assert_eq!(again.id, op.id),
        other => panic!("{other:?}"),
    }
    // the same key with another body is refused
    let other = ChangeRequest {
        quantity: sub.quantity + 3,
        ..req.clone()
    };
    assert_eq!(
        c.submit_change("sub-bs", &other, &k).await.unwrap_err(),
        PortalError::IdempotencyKeyReused
    );

    let mut reports: Vec<TrackProgress> = Vec::new();
    let done = track_operation(&c, &op.id, Duration::from_secs(300), |p| reports.push(p))
        .await
        .unwrap();
    assert_eq!(done.status, OperationStatus::Succeeded);
    assert!(done.completed_at.is_some());
    assert!(!reports.is_empty());
    let last = reports.last().unwrap();
    assert_eq!(
        last.operation.as_ref().unwrap().status,
        OperationStatus::Succeeded
    );
    assert_eq!(last.sla, Duration::from_secs(300));
    assert!(reports.windows(2).all(|w| w[0].elapsed <= w[1].elapsed));

    let after = c.subscription("sub-bs").await.unwrap();
    assert_eq!(after.quantity, sub.quantity + 2);
    assert!(after.pending_operation.is_none());
    assert!(after.version > sub.version);
    srv.shutdown().await;
}

#[tokio::test]
async fn change_at_renewal_is_scheduled_and_can_be_cancelled() {
    let srv = demo_server(Duration::from_secs(1)).await;
    let c = client_for(&srv.base_url(), test_options());
    sign_in(&c).await;
    let sub = c.subscription("sub-e3").await.unwrap();
    let req = ChangeRequest {
        quantity: sub.quantity - 5,
        effective: EffectiveDto::Renewal,
        expected_version: sub.version,
        approval_reference: None,
    };
    match c.submit_change("sub-e3", &req, &key()).await.unwrap() {
        ChangeOutcome::Scheduled(s) => {
            assert_eq!(s.quantity, sub.quantity - 5);
            assert_eq!(s.effective_date, sub.renewal_date);
        }
        other => panic!("{other:?}"),
    }
    let after = c.subscription("sub-e3").await.unwrap();
    assert_eq!(
        after.quantity, sub.quantity,
        "nothing changes before renewal"
    );
    assert_eq!(
        after.scheduled_change.as_ref().unwrap().quantity,
        sub.quantity - 5
    );

    c.cancel_scheduled_change("sub-e3").await.unwrap();
    assert!(
        c.subscription("sub-e3")
            .await
            .unwrap()
            .scheduled_change
            .is_none()
    );
    assert_eq!(
        c.cancel_scheduled_change("sub-e3").await.unwrap_err(),
        PortalError::NoScheduledChange
    );
    srv.shutdown().await;
}

#[tokio::test]
async fn a_decrease_outside_the_window_is_refused_with_its_dates() {
    let srv = demo_server(Duration::from_secs(1)).await;
    let c = client_for(&srv.base_url(), test_options());
    sign_in(&c).await;
    let sub = c.subscription("sub-bb").await.unwrap();
    let window = sub.decrease_window.unwrap();
    assert!(
        !window.open,
        "sub-bb is outside its window in the demo data"
    );
    let req = ChangeRequest {
        quantity: sub.quantity - 5,
        effective: EffectiveDto::Now,
        expected_version: sub.version,
        approval_reference: None,
    };
    match c.submit_change("sub-bb", &req, &key()).await.unwrap_err() {
        PortalError::Refused(Refusal::DecreaseOutsideWindow {
            next_window_opens,
            next_window_closes,
            renewal_date,
            can_schedule,
            window_closed_on,
        }) => {
            assert_eq!(next_window_opens, window.opens);
            assert_eq!(next_window_closes, window.closes);
            assert_eq!(renewal_date, sub.renewal_date);
            assert!(can_schedule);
            assert!(window_closed_on < next_window_opens);
        }
        other => panic!("{other:?}"),
    }
    // nothing changed
    assert_eq!(c.subscription("sub-bb").await.unwrap().version, sub.version);
    srv.shutdown().await;
}

#[tokio::test]
async fn a_stale_version_brings_back_the_fresh_subscription() {
    let srv = demo_server(Duration::from_secs(60)).await;
    let c = client_for(&srv.base_url(), test_options());
    sign_in(&c).await;
    let sub = c.subscription("sub-e3").await.unwrap();
    // someone else schedules a change meanwhile
    let first = ChangeRequest {
        quantity: sub.quantity + 1,
        effective: EffectiveDto::Renewal,
        expected_version: sub.version,
        approval_reference: None,
    };
    c.submit_change("sub-e3", &first, &key()).await.unwrap();
    // our wizard still holds the old version
    let ours = ChangeRequest {
        quantity: sub.quantity + 10,
        effective: EffectiveDto::Now,
        expected_version: sub.version,
        approval_reference: None,
    };
    match c.submit_change("sub-e3", &ours, &key()).await.unwrap_err() {
        PortalError::VersionConflict(fresh) => {
            assert_eq!(fresh.id, "sub-e3");
            assert!(fresh.version > sub.version);
            assert_eq!(fresh.scheduled_change.unwrap().quantity, sub.quantity + 1);
        }
        other => panic!("{other:?}"),
    }
    srv.shutdown().await;
}

#[tokio::test]
async fn an_expired_access_token_is_refreshed_transparently() {
    let srv = demo_server(Duration::from_secs(1)).await;
    let c = client_for(&srv.base_url(), test_options());
    sign_in(&c).await;
    let mut tokens = c.subscribe_refresh_tokens();
    let before = tokens
        .borrow_and_update()
        .as_ref()
        .map(|t| t.expose_secret().to_string())
        .unwrap();

    srv.expire_access_tokens();
    // mid-wizard: the change goes through after a silent refresh
    let sub = c.subscription("sub-bs").await.unwrap();
    assert!(tokens.has_changed().unwrap(), "the refresh token rotated");
    let after = tokens
        .borrow_and_update()
        .as_ref()
        .map(|t| t.expose_secret().to_string())
        .unwrap();
    assert_ne!(before, after);

    srv.expire_access_tokens();
    let req = ChangeRequest {
        quantity: sub.quantity + 1,
        effective: EffectiveDto::Now,
        expected_version: sub.version,
        approval_reference: None,
    };
    assert!(matches!(
        c.submit_change("sub-bs", &req, &key()).await.unwrap(),
        ChangeOutcome::Accepted(_)
    ));
    srv.shutdown().await;
}

#[tokio::test]
async fn concurrent_calls_share_one_refresh() {
    let srv = demo_server(Duration::from_secs(1)).await;
    let front = FaultyFront::start(srv.addr()).await;
    let c = client_for(&front.url, test_options());
    sign_in(&c).await;
    srv.expire_access_tokens();
    let calls: Vec<_> = (0..6)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.subscription("sub-bs").await })
        })
        .collect();
    for call in calls {
        assert!(call.await.unwrap().is_ok());
    }
    assert_eq!(front.count("POST", "/auth/refresh"), 1);
    srv.shutdown().await;
}

#[tokio::test]
async fn a_refused_refresh_ends_the_session() {
    let srv = demo_server(Duration::from_secs(1)).await;
    let a = client_for(&srv.base_url(), test_options());
    sign_in(&a).await;
    let mut tokens = a.subscribe_refresh_tokens();
    let stored = tokens.borrow_and_update().clone().unwrap();

    // another process resumes with the same refresh token: it rotates, so
    // the first client's copy is dead
    let b = client_for(&srv.base_url(), test_options());
    let resumed = b.resume(stored.clone()).await.unwrap();
    assert_eq!(resumed.user.username, "demo");
    assert!(b.services().await.is_ok());

    srv.expire_access_tokens();
    assert_eq!(a.services().await.unwrap_err(), PortalError::SessionExpired);
    assert!(!a.is_signed_in());
    assert!(tokens.has_changed().unwrap());
    assert!(
        tokens.borrow_and_update().is_none(),
        "told to forget the token"
    );
    assert!(PortalError::SessionExpired.needs_login());

    // resuming with a used token fails the same way
    let c = client_for(&srv.base_url(), test_options());
    assert_eq!(
        c.resume(stored).await.unwrap_err(),
        PortalError::SessionExpired
    );
    srv.shutdown().await;
}

#[tokio::test]
async fn logout_ends_the_session_on_both_sides() {
    let srv = demo_server(Duration::from_secs(1)).await;
    let c = client_for(&srv.base_url(), test_options());
    sign_in(&c).await;
    let stored = c.subscribe_refresh_tokens().borrow().clone().unwrap();
    c.logout().await.unwrap();
    assert!(!c.is_signed_in());
    assert!(c.subscribe_refresh_tokens().borrow().is_none());
    assert_eq!(c.services().await.unwrap_err(), PortalError::NotSignedIn);
    let other = client_for(&srv.base_url(), test_options());
    assert_eq!(
        other.resume(stored).await.unwrap_err(),
        PortalError::SessionExpired
    );
    srv.shutdown().await;
}

#[tokio::test]
async fn plain_http_to_a_remote_portal_is_refused() {
    for url in ["http://portal.example.com", "http://192.168.1.10:8787"] {
        assert!(matches!(
            portal::PortalClient::new(url, test_options()),
            Err(PortalError::InsecureUrl(_))
        ));
    }
    assert!(portal::PortalClient::new("https://portal.example.com", test_options()).is_ok());
}

#[tokio::test]
async fn logout_with_an_expired_access_token_still_ends_the_portal_session() {
    let srv = demo_server(Duration::from_secs(1)).await;
    let front = FaultyFront::start(srv.addr()).await;
    let c = client_for(&front.url, test_options());
    sign_in(&c).await;
    let old = c.subscribe_refresh_tokens().borrow().clone().unwrap();
    // a portal that refuses logout with an expired access token
    front.plan(
        "POST",
        "/auth/logout",
        Fault::Status {
            status: 401,
            code: "token_expired",
            retry_after: None,
        },
        1,
    );
    c.logout().await.unwrap();
    assert!(!c.is_signed_in());
    // refused once (expired), refreshed, then ended for real
    assert_eq!(front.count("POST", "/auth/logout"), 2);
    assert_eq!(front.count("POST", "/auth/refresh"), 1);
    // neither the old nor (by the second logout) the new pair works
    let other = client_for(&srv.base_url(), test_options());
    assert_eq!(
        other.resume(old).await.unwrap_err(),
        PortalError::SessionExpired
    );
    srv.shutdown().await;
}
