//! Network faults between `PortalClient` and the real server, injected by a
//! faulty front on loopback: 5xx, 429/503 with Retry-After, garbage and
//! wrong-shape JSON, truncated answers, slow answers past the timeout,
//! connections reset before or after the server acted, expired tokens.
//! The client never panics, returns typed errors, and never applies a
//! change twice.

mod portal_support;

use std::time::Duration;

use licencias::api::{ChangeRequest, EffectiveDto, OperationDto};
use licencias::domain::{OperationStatus, Refusal};
use licencias::portal::{ChangeOutcome, ClientOptions, PortalClient, PortalError, track_operation};
use portal_support::*;

fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

async fn setup(
    opts: ClientOptions,
) -> (licencias::server::RunningServer, FaultyFront, PortalClient) {
    let srv = demo_server(Duration::from_secs(1)).await;
    let front = FaultyFront::start(srv.addr()).await;
    let c = client_for(&front.url, opts);
    sign_in(&c).await;
    (srv, front, c)
}

fn status(status: u16, code: &'static str, retry_after: Option<u64>) -> Fault {
    Fault::Status {
        status,
        code,
        retry_after,
    }
}

async fn increase_now(c: &PortalClient, id: &str, by: u32) -> (ChangeRequest, u32) {
    let sub = c.subscription(id).await.unwrap();
    (
        ChangeRequest {
            quantity: sub.quantity + by,
            effective: EffectiveDto::Now,
            expected_version: sub.version,
            approval_reference: Some("TCK-7".into()),
        },
        sub.quantity,
    )
}

/// The server holds exactly one operation for the subscription: its
/// pending operation is `op`, and any other change is refused because of it.
async fn assert_single_operation(c: &PortalClient, id: &str, op: &OperationDto) {
    let sub = c.subscription(id).await.unwrap();
    assert_eq!(
        sub.pending_operation.as_ref().map(|p| p.id.as_str()),
        Some(op.id.as_str())
    );
    let another = ChangeRequest {
        quantity: op.target_quantity + 1,
        effective: EffectiveDto::Now,
        expected_version: sub.version,
        approval_reference: None,
    };
    match c.submit_change(id, &another, &key()).await.unwrap_err() {
        PortalError::Refused(Refusal::OperationInProgress { operation_id, .. }) => {
            assert_eq!(operation_id, op.id)
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn gets_are_retried_through_500s() {
    let (srv, front, c) = setup(test_options()).await;
    front.plan("GET", "/services", status(500, "internal", None), 2);
    let services = c.services().await.unwrap();
    assert!(!services.is_empty());
    assert_eq!(front.count("GET", "/services"), 3);

    // past the retry budget: a typed server error
    front.plan("GET", "/subscriptions/", status(502, "internal", None), 10);
    match c.subscription("sub-bs").await.unwrap_err() {
        PortalError::Server { status, .. } => assert_eq!(status, 502),
        other => panic!("{other:?}"),
    }
    assert_eq!(front.count("GET", "/subscriptions/"), 4, "1 + max_retries");
    srv.shutdown().await;
}

#[tokio::test]
async fn login_is_never_retried() {
    let srv = demo_server(Duration::from_secs(1)).await;
    let front = FaultyFront::start(srv.addr()).await;
    let c = client_for(&front.url, test_options());
    front.plan("POST", "/auth/login", status(503, "internal", Some(0)), 5);
    let e = c
        .login(licencias::server::DEMO_USERNAME, &demo_password())
        .await
        .unwrap_err();
    assert!(
        matches!(e, PortalError::Server { status: 503, .. }),
        "{e:?}"
    );
    assert_eq!(front.count("POST", "/auth/login"), 1);
    front.clear_plans();
    front.plan(
        "POST",
        "/auth/login",
        status(429, "rate_limited", Some(30)),
        1,
    );
    assert_eq!(
        c.login(licencias::server::DEMO_USERNAME, &demo_password())
            .await
            .unwrap_err(),
        PortalError::RateLimited {
            retry_after_secs: 30
        }
    );
    srv.shutdown().await;
}

#[tokio::test]
async fn retry_after_is_honoured_and_long_waits_are_reported() {
    let (srv, front, c) = setup(test_options()).await;
    front.plan(
        "GET",
        "/subscriptions/",
        status(429, "rate_limited", Some(1)),
        1,
    );
    let started = std::time::Instant::now();
    assert!(c.subscription("sub-bs").await.is_ok());
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "waited the Retry-After"
    );
    assert_eq!(front.count("GET", "/subscriptions/"), 2);

    // longer than max_retry_after: given back to the UI at once
    front.plan(
        "GET",
        "/subscriptions/",
        status(429, "rate_limited", Some(3600)),
        1,
    );
    assert_eq!(
        c.subscription("sub-bs").await.unwrap_err(),
        PortalError::RateLimited {
            retry_after_secs: 3600
        }
    );
    assert_eq!(front.count("GET", "/subscriptions/"), 3);
    srv.shutdown().await;
}

#[tokio::test]
async fn a_change_through_503_with_retry_after_is_applied_once() {
    let (srv, front, c) = setup(test_options()).await;
    let (req, _) = increase_now(&c, "sub-bs", 2).await;
    let k = key();
    front.plan("POST", "/changes", status(503, "internal", Some(1)), 1);
    let op = match c.submit_change("sub-bs", &req, &k).await.unwrap() {
        ChangeOutcome::Accepted(op) => op,
        other => panic!("{other:?}"),
    };
    let posts: Vec<_> = front
        .seen()
        .into_iter()
        .filter(|s| s.method == "POST" && s.path.contains("/changes"))
        .collect();
    assert_eq!(posts.len(), 2);
    assert!(
        posts
            .iter()
            .all(|p| p.idempotency_key.as_deref() == Some(k.as_str()))
    );
    assert_eq!(posts[0].body, posts[1].body, "same body on retry");
    assert_single_operation(&c, "sub-bs", &op).await;
    srv.shutdown().await;
}

#[tokio::test]
async fn a_reset_after_the_server_accepted_never_applies_twice() {
    let (srv, front, c) = setup(test_options()).await;
    let (req, from) = increase_now(&c, "sub-bs", 3).await;
    let k = key();
    front.plan("POST", "/changes", Fault::ResetAfter, 1);
    let op = match c.submit_change("sub-bs", &req, &k).await.unwrap() {
        ChangeOutcome::Accepted(op) => op,
        other => panic!("{other:?}"),
    };
    let posts: Vec<_> = front
        .seen()
        .into_iter()
        .filter(|s| s.method == "POST" && s.path.contains("/changes"))
        .collect();
    assert_eq!(posts.len(), 2, "the lost answer was retried once");
    assert!(posts.iter().all(|p| p.forwarded));
    assert!(
        posts
            .iter()
            .all(|p| p.idempotency_key.as_deref() == Some(k.as_str()))
    );
    assert_single_operation(&c, "sub-bs", &op).await;

    let done = track_operation(&c, &op.id, Duration::from_secs(300), |_| {})
        .await
        .unwrap();
    assert_eq!(done.status, OperationStatus::Succeeded);
    let after = c.subscription("sub-bs").await.unwrap();
    assert_eq!(after.quantity, from + 3, "applied exactly once");
    srv.shutdown().await;
}

#[tokio::test]
async fn resets_and_truncation_without_retries_are_network_errors() {
    let opts = ClientOptions {
        max_retries: 0,
        ..test_options()
    };
    let (srv, front, c) = setup(opts).await;
    let (req, _) = increase_now(&c, "sub-bs", 1).await;
    let k = key();
    front.plan("POST", "/changes", Fault::ResetBefore, 1);
    assert!(matches!(
        c.submit_change("sub-bs", &req, &k).await.unwrap_err(),
        PortalError::Network(_)
    ));
    front.plan("POST", "/changes", Fault::Truncated, 1);
    let e = c.submit_change("sub-bs", &req, &k).await.unwrap_err();
    assert!(matches!(e, PortalError::Network(_)), "{e:?}");
    // the user's retry with the same key gets the first answer
    let op = match c.submit_change("sub-bs", &req, &k).await.unwrap() {
        ChangeOutcome::Accepted(op) => op,
        other => panic!("{other:?}"),
    };
    assert_single_operation(&c, "sub-bs", &op).await;
    srv.shutdown().await;
}

#[tokio::test]
async fn garbage_and_wrong_shapes_are_decode_errors() {
    let opts = ClientOptions {
        max_retries: 1,
        ..test_options()
    };
    let (srv, front, c) = setup(opts).await;
    front.plan("GET", "/subscriptions/", Fault::Garbage, 2);
    assert!(matches!(
        c.subscription("sub-bs").await.unwrap_err(),
        PortalError::Decode(_)
    ));
    front.plan("GET", "/services", Fault::WrongShape, 2);
    assert!(matches!(
        c.services().await.unwrap_err(),
        PortalError::Decode(_)
    ));
    // one bad answer is retried away
    front.plan("GET", "/subscriptions/", Fault::Garbage, 1);
    assert!(c.subscription("sub-bs").await.is_ok());
    // a 202 whose body is garbage: retried with the same key, applied once
    let (req, _) = increase_now(&c, "sub-bs", 1).await;
    front.plan("POST", "/changes", Fault::WrongShape, 1);
    let op = match c.submit_change("sub-bs", &req, &key()).await.unwrap() {
        ChangeOutcome::Accepted(op) => op,
        other => panic!("{other:?}"),
    };
    assert_single_operation(&c, "sub-bs", &op).await;
    srv.shutdown().await;
}

/// A client with `opts` on the same session (resumed from `c`'s refresh
/// token, so signing in is not subject to the short timeouts under test).
async fn twin(front: &FaultyFront, c: &PortalClient, opts: ClientOptions) -> PortalClient {
    let token = c.subscribe_refresh_tokens().borrow().clone().unwrap();
    let twin = client_for(&front.url, opts);
    twin.resume(token).await.unwrap();
    twin
}

#[tokio::test]
async fn slow_answers_time_out() {
    let (srv, front, c) = setup(test_options()).await;
    let impatient = twin(
        &front,
        &c,
        ClientOptions {
            request_timeout: Duration::from_secs(1),
            max_retries: 0,
            ..test_options()
        },
    )
    .await;
    front.plan(
        "GET",
        "/subscriptions/",
        Fault::Slow(Duration::from_secs(4)),
        1,
    );
    assert_eq!(
        impatient.subscription("sub-bs").await.unwrap_err(),
        PortalError::Timeout
    );
    assert!(PortalError::Timeout.is_transient());

    let patient = twin(
        &front,
        &impatient,
        ClientOptions {
            request_timeout: Duration::from_secs(1),
            max_retries: 2,
            ..test_options()
        },
    )
    .await;
    front.plan(
        "GET",
        "/subscriptions/",
        Fault::Slow(Duration::from_secs(4)),
        1,
    );
    assert!(
        patient.subscription("sub-bs").await.is_ok(),
        "retried after the timeout"
    );
    assert!(front.count("GET", "/subscriptions/") >= 3);
    srv.shutdown().await;
}

#[tokio::test]
async fn an_injected_token_expired_is_refreshed_once() {
    let (srv, front, c) = setup(test_options()).await;
    front.plan(
        "GET",
        "/subscriptions/",
        status(401, "token_expired", None),
        1,
    );
    assert!(c.subscription("sub-bs").await.is_ok());
    assert_eq!(front.count("POST", "/auth/refresh"), 1);

    // a portal that keeps saying "expired" after a refresh: no loop
    front.plan(
        "GET",
        "/subscriptions/",
        status(401, "token_expired", None),
        5,
    );
    assert_eq!(
        c.subscription("sub-bs").await.unwrap_err(),
        PortalError::SessionExpired
    );
    assert_eq!(front.count("POST", "/auth/refresh"), 2);
    srv.shutdown().await;
}

#[tokio::test]
async fn tracking_survives_transient_poll_failures() {
    let (srv, front, c) = setup(test_options()).await;
    let (req, _) = increase_now(&c, "sub-bs", 1).await;
    let op = match c.submit_change("sub-bs", &req, &key()).await.unwrap() {
        ChangeOutcome::Accepted(op) => op,
        other => panic!("{other:?}"),
    };
    // every poll's retries fail for a while
    front.plan("GET", "/operations/", status(500, "internal", None), 8);
    let mut errors = 0;
    let done = track_operation(&c, &op.id, Duration::from_secs(300), |p| {
        if p.last_error.is_some() {
            errors += 1;
        }
    })
    .await
    .unwrap();
    assert_eq!(done.status, OperationStatus::Succeeded);
    assert!(errors >= 1, "failed polls were reported");

    // an unknown operation ends tracking with a typed error
    assert_eq!(
        track_operation(&c, "op-does-not-exist", Duration::from_secs(300), |_| {})
            .await
            .unwrap_err(),
        PortalError::NotFound
    );
    srv.shutdown().await;
}

#[tokio::test]
async fn a_server_restart_between_submit_and_poll_loses_nothing() {
    let dir = std::env::temp_dir().join(format!("licencias-restart-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.json");
    let config = || licencias::server::ServerConfig {
        provisioning_delay: Duration::from_secs(2),
        state_file: Some(state.clone()),
        ..licencias::server::ServerConfig::default()
    };
    let first = licencias::server::spawn(config()).await.unwrap();
    let front = FaultyFront::start(first.addr()).await;
    let c = client_for(&front.url, test_options());
    sign_in(&c).await;
    let (req, from) = increase_now(&c, "sub-bs", 4).await;
    let k = key();
    let op = match c.submit_change("sub-bs", &req, &k).await.unwrap() {
        ChangeOutcome::Accepted(op) => op,
        other => panic!("{other:?}"),
    };
    first.shutdown().await;

    // while the portal is down: a typed, transient error
    let down = c.operation(&op.id).await.unwrap_err();
    assert!(down.is_transient(), "{down:?}");

    let second = licencias::server::spawn(config()).await.unwrap();
    front.set_upstream(second.addr());
    // the session, the operation and the idempotency record survived
    match c.submit_change("sub-bs", &req, &k).await.unwrap() {
        ChangeOutcome::Accepted(again) => assert_eq!(again.id, op.id),
        other => panic!("{other:?}"),
    }
    let done = track_operation(&c, &op.id, Duration::from_secs(300), |_| {})
        .await
        .unwrap();
    assert_eq!(done.status, OperationStatus::Succeeded);
    assert_eq!(c.subscription("sub-bs").await.unwrap().quantity, from + 4);
    second.shutdown().await;
}
