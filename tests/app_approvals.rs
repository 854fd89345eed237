//! Two-person approval driven by keys against the real server (the demo's
//! `fabrikam` tenant): fabrikam-admin sends a change for approval in the
//! TUI, fabrikam-approver decides in a second client, and the first
//! client's tracker follows: provisioned after an approval, the reason after
//! a rejection; the requester approving their own request is refused.

mod app_support;

use app_support::*;
use licencias::api::{ChangeRequestStatus, ErrorCode};
use licencias::app::{Context, DoneOutcome, Key, ReviewFocus, Screen, WizardStep};
use licencias::audit::AuditStatus;
use licencias::domain::Effective;
use licencias::portal::{PortalClient, PortalError};
use secrecy::SecretString;

const PASSWORD: &str = "fabrikam-demo";

/// The second person, in a client of their own.
async fn approver(app: &App) -> PortalClient {
    let c = PortalClient::new(&app.srv.base_url(), Default::default()).unwrap();
    licencias::portal::demo::sign_in_demo(&c, "fabrikam-approver", &SecretString::from(PASSWORD))
        .await
        .unwrap();
    c
}

/// From the detail of `sub`: change it now to `total`, with a reference,
/// and send it for approval; returns the request id and the change's key.
async fn send_for_approval(app: &mut App, sub: &str, total: &str) -> (String, String) {
    app.open(sub).await;
    app.change(Effective::Now, total);
    app.enter();
    let WizardStep::Review(r) = app.wizard_step() else {
        panic!("not in review: {:?}", app.wizard_step())
    };
    assert!(r.second_person, "the review says a second person approves");
    assert!(r.acks.is_empty());
    assert_eq!(r.focus, ReviewFocus::Reference);
    assert!(r.can_confirm(), "nothing to attest");
    app.typed("CAB-12");
    app.enter();
    app.until("the request to be sent", |m| {
        matches!(
            m.wizard().map(|w| &w.step),
            Some(WizardStep::AwaitingApproval { .. })
        )
    })
    .await;
    let Some(WizardStep::AwaitingApproval { request_id, .. }) = app.m.wizard().map(|w| &w.step)
    else {
        unreachable!()
    };
    let id = request_id.clone();
    let t = app.m.request_tracker(&id).expect("followed");
    assert_eq!(t.request.status, ChangeRequestStatus::AwaitingApproval);
    assert_eq!(t.request.approval_reference.as_deref(), Some("CAB-12"));
    assert_eq!(app.m.awaiting_requests(), 1);
    let key = t.idempotency_key.clone();
    (id, key)
}

#[tokio::test]
async fn a_request_approved_by_a_second_person_is_followed_to_provisioned() {
    let mut app = App::start().await;
    app.sign_in_as("fabrikam-admin", PASSWORD).await;
    assert!(app.m.second_person());
    let (id, key) = send_for_approval(&mut app, "fab-bs", "55").await;
    assert_eq!(app.m.context(), Context::WizardTracking);

    // the requester may not approve it
    let own = app.client.approve(&id, "self-approval").await.unwrap_err();
    assert!(
        matches!(
            own,
            PortalError::Server {
                status: 403,
                code: Some(ErrorCode::SelfApprovalForbidden),
                ..
            }
        ),
        "{own:?}"
    );

    let second = approver(&app).await;
    let approved = second.approve(&id, "approve-1").await.unwrap();
    assert_eq!(
        approved.change_request.status,
        ChangeRequestStatus::Approved
    );

    // the first client's tracker: approved, provisioning, provisioned
    match app.until_done().await {
        DoneOutcome::Applied(op) => assert_eq!(op.target_quantity, 55),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        app.client.subscription("fab-bs").await.unwrap().quantity,
        55
    );
    assert_eq!(app.m.awaiting_requests(), 0);
    // the requester's audit log tells its side of the story
    app.settle().await;
    assert_eq!(
        app.audit_statuses(&key),
        vec![
            AuditStatus::Submitted,
            AuditStatus::Requested,
            AuditStatus::Succeeded
        ]
    );
    let lines = licencias::audit::AuditLog::new(&app.audit)
        .read_all()
        .unwrap();
    let requested = lines
        .iter()
        .find(|l| l.status == AuditStatus::Requested)
        .unwrap();
    assert_eq!(requested.change_request_id.as_deref(), Some(id.as_str()));
    app.stop().await;
}

#[tokio::test]
async fn a_rejection_reaches_the_requester_with_its_reason() {
    let mut app = App::start().await;
    app.sign_in_as("fabrikam-admin", PASSWORD).await;
    let (id, _) = send_for_approval(&mut app, "fab-exo1", "15").await;
    // leave the wizard: the request is still followed
    app.key(Key::plain(licencias::app::KeyCode::Esc));
    assert!(matches!(app.m.screen(), Screen::Detail(_)));
    let second = approver(&app).await;
    second
        .reject(&id, "Not in this quarter's budget", "reject-1")
        .await
        .unwrap();
    let want = id.clone();
    app.until("the rejection", move |m| {
        m.request_tracker(&want)
            .is_some_and(|t| t.request.status == ChangeRequestStatus::Rejected)
    })
    .await;
    let t = app.m.request_tracker(&id).unwrap();
    assert_eq!(
        t.request.reason.as_deref(),
        Some("Not in this quarter's budget")
    );
    assert_eq!(
        t.request.decided_by.as_ref().map(|a| a.username.as_str()),
        Some("fabrikam-approver")
    );
    assert_eq!(app.m.awaiting_requests(), 0);
    assert_eq!(
        app.client.subscription("fab-exo1").await.unwrap().quantity,
        12
    );
    app.stop().await;
}
