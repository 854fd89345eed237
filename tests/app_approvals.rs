//! Two-person approval driven by keys against the real server (the demo's
//! `fabrikam` tenant): fabrikam-admin sends a change for approval in the
//! TUI, fabrikam-approver decides in a second TUI, and the first client's
//! tracker follows: provisioned after an approval, the reason after a
//! rejection; the requester cannot approve their own request.

mod app_support;

use app_support::*;
use licencias::api::{ChangeRequestStatus, ErrorCode};
use licencias::app::{
    Context, DoneOutcome, Key, KeyCode, RequestKind, ReviewFocus, Screen, WizardStep,
};
use licencias::audit::{AuditLog, AuditStatus};
use licencias::domain::Effective;
use licencias::portal::PortalError;

const PASSWORD: &str = "fabrikam-demo";

/// The second person, in a TUI of their own on the same portal (its
/// client reaches the first app's server through a front).
async fn approver_tui(app: &App) -> App {
    let mut other = App::start_with(true).await;
    if let Some(f) = &other.front {
        f.set_upstream(app.srv.addr());
    }
    other.sign_in_as("fabrikam-approver", PASSWORD).await;
    assert!(other.m.second_person() && other.m.is_approver());
    other
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

/// From the services list: `a`, then open the request `id` and wait for
/// the review computed against the subscription as it is now.
async fn review(app: &mut App, id: &str) {
    assert_eq!(app.m.context(), Context::ServicesApprovals);
    app.key(Key::ch('a'));
    assert_eq!(app.m.context(), Context::Approvals);
    app.until("the requests awaiting approval", |m| {
        m.approvals.loading.is_none() && m.approvals.requests.is_some()
    })
    .await;
    let pos = app
        .m
        .approvals
        .requests
        .as_ref()
        .and_then(|l| l.iter().position(|r| r.id == id))
        .expect("the request is listed");
    for _ in 0..pos {
        app.key(Key::ch('j'));
    }
    app.enter();
    app.until("the review", |m| {
        matches!(m.screen(), Screen::Approvals(a) if a.review.as_ref().is_some_and(|r| r.plan.is_some()))
    })
    .await;
    assert_eq!(app.m.context(), Context::ApprovalReview);
}

/// The decision in flight has answered (and its audit line is written).
async fn decided(app: &mut App) {
    app.until(
        "the decision",
        |m| matches!(m.screen(), Screen::Approvals(a) if a.review.is_none()),
    )
    .await;
    app.settle().await;
}

fn lines_with(app: &App, status: AuditStatus) -> Vec<licencias::audit::AuditRecord> {
    AuditLog::new(&app.audit)
        .read_all()
        .unwrap()
        .into_iter()
        .filter(|l| l.status == status)
        .collect()
}

#[tokio::test]
async fn a_request_approved_by_a_second_person_is_followed_to_provisioned() {
    let mut app = App::start().await;
    app.sign_in_as("fabrikam-admin", PASSWORD).await;
    assert!(app.m.second_person());
    let (id, key) = send_for_approval(&mut app, "fab-bs", "55").await;
    assert_eq!(app.m.context(), Context::WizardTracking);

    // the second person approves in their TUI
    let mut second = approver_tui(&app).await;
    // the status bar counts what awaits approval, read after signing in
    second
        .until("the count of requests awaiting approval", |m| {
            m.awaiting_requests() == 1
        })
        .await;
    review(&mut second, &id).await;
    second.key(Key::ch('y'));
    decided(&mut second).await;
    let approved = lines_with(&second, AuditStatus::Approved);
    assert_eq!(approved.len(), 1);
    assert_eq!(approved[0].change_request_id.as_deref(), Some(id.as_str()));
    assert_eq!(approved[0].user, "fabrikam-approver");

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
    let requested = lines_with(&app, AuditStatus::Requested);
    assert_eq!(requested[0].change_request_id.as_deref(), Some(id.as_str()));
    let succeeded = lines_with(&app, AuditStatus::Succeeded);
    assert_eq!(succeeded[0].change_request_id.as_deref(), Some(id.as_str()));
    second.stop().await;
    app.stop().await;
}

#[tokio::test]
async fn a_self_approval_is_refused_and_a_rejection_reaches_the_requester() {
    let mut app = App::start().await;
    app.sign_in_as("fabrikam-admin", PASSWORD).await;
    let (id, _) = send_for_approval(&mut app, "fab-exo1", "15").await;
    // leave the wizard and the detail: the request is still followed
    app.key(Key::plain(KeyCode::Esc));
    app.key(Key::plain(KeyCode::Esc));
    assert_eq!(app.m.awaiting_requests(), 1);

    // the requester opens their own request: the screen says why it cannot
    // be approved, and `y` sends nothing
    review(&mut app, &id).await;
    let Screen::Approvals(a) = app.m.screen() else {
        unreachable!()
    };
    assert!(app.m.is_own(&a.review.as_ref().unwrap().request));
    app.key(Key::ch('y'));
    assert!(
        !app.m
            .in_flight
            .values()
            .any(|k| matches!(k, RequestKind::Decision(_))),
        "nothing sent"
    );
    // and the portal refuses it all the same
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

    // the second person rejects it with a reason, in their TUI
    let mut second = approver_tui(&app).await;
    review(&mut second, &id).await;
    second.key(Key::ch('n'));
    assert_eq!(second.m.context(), Context::ApprovalReject);
    second.typed("Not in this quarter's budget");
    second.enter();
    decided(&mut second).await;
    let rejected = lines_with(&second, AuditStatus::Rejected);
    assert_eq!(rejected[0].change_request_id.as_deref(), Some(id.as_str()));

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
    assert_eq!(
        app.client.subscription("fab-exo1").await.unwrap().quantity,
        12
    );
    second.stop().await;
    app.stop().await;
}
