//! `PortalClient`'s approval and history calls against the real reference
//! server on 127.0.0.1:0 (the built-in demo: `fabrikam` needs a second
//! person, `contoso` does not): `me`, a change that becomes a change request,
//! listing and reading requests, approve (idempotent), reject, cancel,
//! self-approval refused, and the history, paged.

mod portal_support;

use std::time::Duration;

use licencias::api::{
    ApprovalMode, ChangeRequest, ChangeRequestStatus, EffectiveDto, ErrorCode, HistoryKind, Role,
};
use licencias::domain::OperationStatus;
use licencias::portal::{ChangeOutcome, PortalClient, PortalError, track_operation};
use portal_support::*;
use secrecy::SecretString;

const FABRIKAM_PASSWORD: &str = "fabrikam-demo";

fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

async fn fabrikam(url: &str, username: &str) -> PortalClient {
    let c = client_for(url, test_options());
    licencias::portal::demo::sign_in_demo(&c, username, &SecretString::from(FABRIKAM_PASSWORD))
        .await
        .unwrap();
    c
}

/// Ask for `to` licences on `sub` now; the answer must be a change request.
async fn request(c: &PortalClient, sub: &str, to: u32) -> licencias::api::ChangeRequestDto {
    let s = c.subscription(sub).await.unwrap();
    let req = ChangeRequest {
        quantity: to,
        effective: EffectiveDto::Now,
        expected_version: s.version,
        approval_reference: Some("CAB-12".into()),
    };
    match c.submit_change(sub, &req, &key()).await.unwrap() {
        ChangeOutcome::AwaitingApproval(cr) => *cr,
        other => panic!("{other:?}"),
    }
}

fn code_of(e: &PortalError) -> Option<ErrorCode> {
    match e {
        PortalError::Server { code, .. } => *code,
        _ => None,
    }
}

#[tokio::test]
async fn me_tells_the_tenant_mode_and_the_roles() {
    let srv = demo_server(Duration::from_millis(200)).await;
    let url = srv.base_url();
    let admin = fabrikam(&url, "fabrikam-admin").await;
    let me = admin.me().await.unwrap();
    assert_eq!(me.username, "fabrikam-admin");
    assert_eq!(me.tenant.id, "fabrikam");
    assert_eq!(me.tenant.approval, ApprovalMode::SecondPerson);
    assert_eq!(me.roles, Role::ALL.to_vec());
    let approver = fabrikam(&url, "fabrikam-approver").await;
    assert_eq!(approver.me().await.unwrap().roles, vec![Role::Approver]);

    let demo = client_for(&url, test_options());
    sign_in(&demo).await;
    assert_eq!(
        demo.me().await.unwrap().tenant.approval,
        ApprovalMode::Attest
    );
    let nobody = client_for(&url, test_options());
    assert_eq!(nobody.me().await.unwrap_err(), PortalError::NotSignedIn);
    srv.shutdown().await;
}

#[tokio::test]
async fn a_request_is_approved_by_a_second_person_then_provisioned() {
    let srv = demo_server(Duration::from_millis(200)).await;
    let url = srv.base_url();
    let admin = fabrikam(&url, "fabrikam-admin").await;
    let approver = fabrikam(&url, "fabrikam-approver").await;

    let before = admin.subscription("fab-bs").await.unwrap();
    let cr = request(&admin, "fab-bs", before.quantity + 5).await;
    assert_eq!(cr.status, ChangeRequestStatus::AwaitingApproval);
    assert_eq!(cr.from, before.quantity);
    assert_eq!(cr.quantity, before.quantity + 5);
    assert_eq!(cr.requested_by.username, "fabrikam-admin");
    assert_eq!(cr.approval_reference.as_deref(), Some("CAB-12"));
    assert!(cr.expires_at > cr.requested_at);
    // nothing applied yet
    assert_eq!(
        admin.subscription("fab-bs").await.unwrap().quantity,
        before.quantity
    );

    // both users see it, in the listing (filtered or not) and by id
    let awaiting = approver
        .change_requests(Some(ChangeRequestStatus::AwaitingApproval))
        .await
        .unwrap();
    assert_eq!(awaiting, vec![cr.clone()]);
    assert_eq!(admin.change_requests(None).await.unwrap(), vec![cr.clone()]);
    assert!(
        admin
            .change_requests(Some(ChangeRequestStatus::Approved))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(approver.change_request(&cr.id).await.unwrap(), cr);
    assert_eq!(
        approver.change_request("cr-nope").await.unwrap_err(),
        PortalError::NotFound
    );

    // the requester cannot approve it
    let own = admin.approve(&cr.id, &key()).await.unwrap_err();
    assert_eq!(
        code_of(&own),
        Some(ErrorCode::SelfApprovalForbidden),
        "{own:?}"
    );
    // an empty key is refused before sending
    let nokey = approver.approve(&cr.id, " ").await.unwrap_err();
    assert_eq!(code_of(&nokey), Some(ErrorCode::IdempotencyKeyRequired));

    // the second person approves: the change is applied as a direct one
    let k = key();
    let approved = approver.approve(&cr.id, &k).await.unwrap();
    assert_eq!(
        approved.change_request.status,
        ChangeRequestStatus::Approved
    );
    assert_eq!(
        approved
            .change_request
            .decided_by
            .as_ref()
            .unwrap()
            .username,
        "fabrikam-approver"
    );
    let op = approved.operation.clone().unwrap();
    assert!(approved.scheduled_change.is_none());
    assert_eq!(
        approved.change_request.operation_id.as_deref(),
        Some(op.id.as_str())
    );
    // the same key again: the first answer, not a second decision
    assert_eq!(approver.approve(&cr.id, &k).await.unwrap(), approved);
    // a new key: the request is no longer pending
    let again = approver.approve(&cr.id, &key()).await.unwrap_err();
    assert_eq!(code_of(&again), Some(ErrorCode::RequestNotPending));

    // the requester follows it to the end
    let done = track_operation(&admin, &op.id, Duration::from_secs(30), |_| {})
        .await
        .unwrap();
    assert_eq!(done.status, OperationStatus::Succeeded);
    assert_eq!(
        admin.subscription("fab-bs").await.unwrap().quantity,
        before.quantity + 5
    );
    assert_eq!(
        admin.change_request(&cr.id).await.unwrap().status,
        ChangeRequestStatus::Approved
    );

    // the history tells the story, newest first
    let history = admin.history("fab-bs", None).await.unwrap();
    let kinds: Vec<HistoryKind> = history.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        vec![
            HistoryKind::OperationSucceeded,
            HistoryKind::OperationAccepted,
            HistoryKind::ChangeApproved,
            HistoryKind::ChangeRequested,
        ]
    );
    assert!(history.windows(2).all(|w| w[0].at >= w[1].at));
    let requested = &history[3];
    assert_eq!(requested.change_request_id.as_deref(), Some(cr.id.as_str()));
    assert_eq!(requested.actor.as_ref().unwrap().username, "fabrikam-admin");
    assert_eq!(requested.approval_reference.as_deref(), Some("CAB-12"));
    assert_eq!(
        history[2].actor.as_ref().unwrap().username,
        "fabrikam-approver"
    );
    assert!(history[0].actor.is_none(), "the portal itself provisioned");
    // a limit reads only what is asked for
    assert_eq!(
        approver.history("fab-bs", Some(2)).await.unwrap(),
        history[..2].to_vec()
    );
    srv.shutdown().await;
}

#[tokio::test]
async fn rejected_and_cancelled_requests_say_who_and_why() {
    let srv = demo_server(Duration::from_millis(200)).await;
    let url = srv.base_url();
    let admin = fabrikam(&url, "fabrikam-admin").await;
    let approver = fabrikam(&url, "fabrikam-approver").await;

    let cr = request(&admin, "fab-exo1", 15).await;
    // one open request per subscription
    let s = admin.subscription("fab-exo1").await.unwrap();
    let second = admin
        .submit_change(
            "fab-exo1",
            &ChangeRequest {
                quantity: 16,
                effective: EffectiveDto::Now,
                expected_version: s.version,
                approval_reference: None,
            },
            &key(),
        )
        .await
        .unwrap_err();
    assert_eq!(code_of(&second), Some(ErrorCode::ApprovalPending));

    // a reason is required
    let empty = approver.reject(&cr.id, "", &key()).await.unwrap_err();
    assert!(
        matches!(empty, PortalError::Server { status: 400, .. }),
        "{empty:?}"
    );
    // the requester may not reject their own request
    let own = admin.reject(&cr.id, "no", &key()).await.unwrap_err();
    assert_eq!(
        code_of(&own),
        Some(ErrorCode::SelfApprovalForbidden),
        "{own:?}"
    );
    let rejected = approver
        .reject(&cr.id, "Not in this quarter's budget", &key())
        .await
        .unwrap();
    assert_eq!(rejected.status, ChangeRequestStatus::Rejected);
    assert_eq!(
        rejected.reason.as_deref(),
        Some("Not in this quarter's budget")
    );
    assert_eq!(
        rejected.decided_by.as_ref().unwrap().username,
        "fabrikam-approver"
    );
    let late = admin.cancel_request(&cr.id, &key()).await.unwrap_err();
    assert_eq!(code_of(&late), Some(ErrorCode::RequestNotPending));
    assert_eq!(admin.subscription("fab-exo1").await.unwrap().quantity, 12);

    // the requester cancels a new one
    let cr2 = request(&admin, "fab-exo1", 14).await;
    let cancelled = admin.cancel_request(&cr2.id, &key()).await.unwrap();
    assert_eq!(cancelled.status, ChangeRequestStatus::Cancelled);
    assert!(
        admin
            .change_requests(Some(ChangeRequestStatus::AwaitingApproval))
            .await
            .unwrap()
            .is_empty()
    );
    let all = approver.change_requests(None).await.unwrap();
    assert_eq!(all.len(), 2);

    let kinds: Vec<HistoryKind> = admin
        .history("fab-exo1", None)
        .await
        .unwrap()
        .iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        vec![
            HistoryKind::ChangeCancelled,
            HistoryKind::ChangeRequested,
            HistoryKind::ChangeRejected,
            HistoryKind::ChangeRequested,
        ]
    );
    srv.shutdown().await;
}

#[tokio::test]
async fn an_attest_tenant_changes_directly_and_its_history_is_paged() {
    let srv = demo_server(Duration::from_millis(200)).await;
    let c = client_for(&srv.base_url(), test_options());
    sign_in(&c).await;
    // 60 changes at renewal: more events than one page of 50
    let base = c.subscription("sub-e3").await.unwrap().quantity;
    for i in 1..=60u32 {
        let s = c.subscription("sub-e3").await.unwrap();
        let req = ChangeRequest {
            quantity: base + i,
            effective: EffectiveDto::Renewal,
            expected_version: s.version,
            approval_reference: None,
        };
        match c.submit_change("sub-e3", &req, &key()).await.unwrap() {
            ChangeOutcome::Scheduled(sc) => assert_eq!(sc.quantity, base + i),
            other => panic!("{other:?}"),
        }
    }
    let all = c.history("sub-e3", None).await.unwrap();
    let scheduled: Vec<u32> = all
        .iter()
        .filter(|e| e.kind == HistoryKind::ChangeScheduled)
        .filter_map(|e| e.to)
        .collect();
    assert_eq!(scheduled.len(), 60, "every page was read");
    assert_eq!(scheduled.first(), Some(&(base + 60)), "newest first");
    assert_eq!(scheduled.last(), Some(&(base + 1)));
    assert!(all.windows(2).all(|w| w[0].at >= w[1].at));
    // a limit over one page follows pages and stops there
    let some = c.history("sub-e3", Some(55)).await.unwrap();
    assert_eq!(some, all[..55].to_vec());
    srv.shutdown().await;
}
