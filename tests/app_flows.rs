//! Whole flows driven by key events through `update` and the real runner,
//! against the real reference server on 127.0.0.1:0 with a pinned business
//! clock. No terminal: the model is inspected directly.

mod app_support;

use app_support::App;
use licencias::api::{ChangeRequest, EffectiveDto};
use licencias::app::{
    Context, DoneOutcome, Effect, Key, Msg, ReviewFocus, Screen, TotalOffer, WizardError,
    WizardStep, update,
};
use licencias::audit::{AuditLog, AuditStatus};
use licencias::domain::{Effective, EntryError, Refusal, Warning};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_login_then_increase_now_and_track_it_to_success() {
    let mut app = App::start().await;
    app.sign_in().await;
    app.open("sub-bs").await;
    assert_eq!(app.m.subscription("sub-bs").unwrap().quantity, 10);
    app.change(Effective::Now, "12");
    let WizardStep::Total { plan: Ok(p) } = app.wizard_step() else {
        panic!("{:?}", app.wizard_step())
    };
    assert_eq!((p.from, p.to, p.delta), (10, 12, 2));
    app.enter();
    assert_eq!(app.m.context(), Context::WizardReview);
    // Not confirmable yet: Enter only moves to the approval box; nothing is sent.
    app.enter();
    assert!(app.m.in_flight.is_empty());
    app.acknowledge_all();
    app.tab();
    app.typed("CHG-1001");
    app.enter();
    assert_eq!(app.m.context(), Context::WizardSubmitting);
    app.until("the change to be accepted", |m| {
        matches!(
            m.wizard().map(|w| &w.step),
            Some(WizardStep::Tracking { .. } | WizardStep::Done { .. })
        )
    })
    .await;
    let DoneOutcome::Applied(op) = app.until_done().await else {
        panic!("not applied")
    };
    assert_eq!(op.target_quantity, 12);
    // Leave the wizard: the detail reloads with the new quantity.
    app.enter();
    app.until("the detail to show 12", |m| {
        matches!(m.screen(), Screen::Detail(d) if d.request.is_none())
            && m.subscription("sub-bs").is_some_and(|s| s.quantity == 12)
    })
    .await;
    app.settle().await;
    assert_eq!(app.m.operations.len(), 1);
    let key = app.m.operations[0].idempotency_key.clone();
    assert_eq!(
        app.audit_statuses(&key),
        [
            AuditStatus::Submitted,
            AuditStatus::Accepted,
            AuditStatus::Succeeded
        ]
    );
    let records = AuditLog::new(&app.audit).read_all().unwrap();
    assert_eq!(records[0].approval_reference.as_deref(), Some("CHG-1001"));
    assert_eq!((records[0].from, records[0].to), (10, 12));
    assert_eq!(records[1].operation_id.as_deref(), Some(op.id.as_str()));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plus_two_is_refused_with_the_total_it_means_and_nothing_is_sent() {
    let mut app = App::start().await;
    app.sign_in().await;
    app.open("sub-bs").await;
    app.change(Effective::Now, "+2");
    let WizardStep::Total { plan: Err(r) } = app.wizard_step() else {
        panic!("{:?}", app.wizard_step())
    };
    assert!(matches!(
        r,
        Refusal::Entry(EntryError::Delta {
            suggested_total: Some(12),
            ..
        })
    ));
    assert_eq!(
        app.m.wizard().unwrap().offer(),
        Some(TotalOffer::UseTotal(12))
    );
    app.enter();
    assert_eq!(
        app.m.context(),
        Context::WizardTotalUseTotal,
        "Next refused"
    );
    assert!(app.m.in_flight.is_empty(), "nothing sent");
    // One key takes the suggestion.
    app.tab();
    assert_eq!(app.m.wizard().unwrap().input.entry.value(), "12");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decrease_outside_the_window_is_scheduled_for_the_renewal_in_one_key() {
    let mut app = App::start().await;
    app.sign_in().await;
    app.open("sub-bb").await;
    let renewal = app.m.subscription("sub-bb").unwrap().renewal_date;
    app.change(Effective::Now, "20");
    let Some(TotalOffer::ScheduleForRenewal { date }) = app.m.wizard().unwrap().offer() else {
        panic!("{:?}", app.wizard_step())
    };
    assert_eq!(date, renewal);
    app.tab();
    assert_eq!(app.m.context(), Context::WizardReview);
    assert_eq!(app.m.wizard().unwrap().input.when, Effective::AtRenewal);
    app.acknowledge_all();
    app.enter();
    let DoneOutcome::Scheduled(sc) = app.until_done().await else {
        panic!("not scheduled")
    };
    assert_eq!((sc.quantity, sc.effective_date), (20, renewal));
    app.enter();
    app.until("the detail with the scheduled change", |m| {
        matches!(m.screen(), Screen::Detail(d) if d.request.is_none())
            && m.subscription("sub-bb")
                .and_then(|s| s.scheduled_change.as_ref())
                .is_some_and(|c| c.quantity == 20)
    })
    .await;
    assert_eq!(app.m.subscription("sub-bb").unwrap().quantity, 25);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decrease_inside_the_window_warns_about_a_large_reduction() {
    let mut app = App::start().await;
    app.sign_in().await;
    app.open("sub-bs").await;
    app.change(Effective::Now, "4");
    app.enter();
    let WizardStep::Review(r) = app.wizard_step() else {
        panic!("{:?}", app.wizard_step())
    };
    assert!(r.plan.warnings.iter().any(|w| matches!(
        w,
        Warning::LooksLikeDelta {
            typed: 4,
            removes: 6,
            total_if_adding: 14
        }
    )));
    // Approval alone does not enable Confirm.
    let n = r.acks.len();
    for _ in 0..n {
        app.tab();
    }
    app.key(Key::ch(' '));
    app.enter();
    assert!(
        app.m.in_flight.is_empty(),
        "warnings not acknowledged: nothing sent"
    );
    let WizardStep::Review(r) = app.wizard_step() else {
        unreachable!()
    };
    assert_eq!(r.focus, ReviewFocus::Warning(0));
    for _ in 0..n {
        app.key(Key::ch(' '));
        app.tab();
    }
    app.enter();
    let DoneOutcome::Applied(op) = app.until_done().await else {
        panic!()
    };
    assert_eq!(op.target_quantity, 4);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_a_scheduled_change_after_confirming() {
    let mut app = App::start().await;
    app.sign_in().await;
    app.open("sub-bp").await;
    assert!(
        app.m
            .subscription("sub-bp")
            .unwrap()
            .scheduled_change
            .is_some()
    );
    app.key(Key::ch('x'));
    assert_eq!(app.m.context(), Context::DetailConfirmCancel);
    app.key(Key::ch('n'));
    assert!(app.m.in_flight.is_empty());
    app.key(Key::ch('x'));
    app.key(Key::ch('y'));
    app.until("the detail without the scheduled change", |m| {
        matches!(m.screen(), Screen::Detail(d) if d.request.is_none() && d.cancel_request.is_none())
            && m.subscription("sub-bp")
                .is_some_and(|s| s.scheduled_change.is_none())
    })
    .await;
    assert!(
        !app.m
            .services
            .rows
            .iter()
            .find(|r| r.sub.id == "sub-bp")
            .unwrap()
            .sub
            .has_scheduled_change
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflict_during_confirm_keeps_the_input_and_shows_the_fresh_state() {
    let mut app = App::start().await;
    app.sign_in().await;
    app.open("sub-bs").await;
    let seen = app.m.subscription("sub-bs").unwrap().clone();
    app.change(Effective::Now, "12");
    app.enter();
    app.acknowledge_all();
    app.tab();
    app.typed("T-77");
    // Meanwhile someone schedules a change on the same subscription.
    app.client
        .submit_change(
            "sub-bs",
            &ChangeRequest {
                quantity: 14,
                effective: EffectiveDto::Renewal,
                expected_version: seen.version,
                approval_reference: None,
            },
            &uuid::Uuid::new_v4().to_string(),
        )
        .await
        .expect("the other change is scheduled");
    app.enter();
    app.until("the wizard to come back", |m| {
        m.wizard().is_some_and(|w| w.error.is_some())
    })
    .await;
    let w = app.m.wizard().unwrap();
    assert_eq!(
        w.error,
        Some(WizardError::Conflict {
            previous_quantity: 10
        })
    );
    assert_eq!(w.input.entry.value(), "12");
    assert_eq!(w.input.reference.value(), "T-77");
    assert!(w.sub.version > seen.version);
    assert_eq!(
        w.sub.scheduled_change.as_ref().map(|c| c.quantity),
        Some(14)
    );
    assert_eq!(app.m.context(), Context::WizardTotal);
    // Review again: now it warns that the scheduled change will be deleted.
    app.enter();
    let WizardStep::Review(r) = app.wizard_step() else {
        panic!()
    };
    assert!(matches!(
        r.plan.warnings[..],
        [Warning::DeletesScheduledChange { .. }]
    ));
    app.acknowledge_all();
    app.enter();
    let DoneOutcome::Applied(op) = app.until_done().await else {
        panic!()
    };
    assert_eq!(op.target_quantity, 12);
    app.settle().await;
    let records = AuditLog::new(&app.audit).read_all().unwrap();
    assert!(records.iter().any(|r| r.status == AuditStatus::Conflict));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_access_token_expiring_mid_wizard_is_refreshed_and_the_change_goes_through() {
    let mut app = App::start().await;
    app.sign_in().await;
    app.open("sub-bs").await;
    app.change(Effective::Now, "11");
    app.enter();
    app.acknowledge_all();
    app.srv.expire_access_tokens();
    app.enter();
    let DoneOutcome::Applied(op) = app.until_done().await else {
        panic!()
    };
    assert_eq!(op.target_quantity, 11);
    assert!(app.m.session.is_logged_in());
    // Exactly one operation for the confirmed change.
    assert_eq!(app.m.operations.len(), 1);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn effects_are_plain_data_and_quit_ends_the_loop() {
    let mut app = App::start().await;
    let now = app.clock.now();
    let fx = update(
        &mut app.m,
        Msg::Key {
            key: Key::ctrl('c'),
            now,
        },
    );
    assert!(matches!(fx[..], [Effect::Quit]));
    assert!(app.m.quit);
    app.stop().await;
}
