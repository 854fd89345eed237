//! Whole flows driven by key events through `update` and the real runner,
//! against the real reference server on 127.0.0.1:0 with a pinned business
//! clock. No terminal: the model is inspected directly.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use licencias::api::{ChangeRequest, EffectiveDto};
use licencias::app::{
    Clock, Context, DoneOutcome, Effect, Key, KeyCode, Model, ModelInit, Msg, Prefs, ReviewFocus,
    Runner, RunnerConfig, Screen, Session, TotalOffer, WizardError, WizardStep, update,
};
use licencias::audit::{AuditLog, AuditStatus};
use licencias::domain::{Effective, EntryError, Refusal, Warning};
use licencias::i18n::Lang;
use licencias::portal::{ClientOptions, PortalClient};
use licencias::secrets::{SecretStore, StoreChoice};
use licencias::server::{self, RunningServer, ServerConfig};
use tokio::sync::mpsc;

/// Business clock of the portal in these tests: sub-bs (renewed 2 days ago)
/// has its decrease window open, sub-bb (10 days ago) has it closed.
const START: &str = "2026-11-22T15:00:00Z";

/// Guard against a hung flow only; nothing here asserts on speed.
const GIVE_UP: Duration = Duration::from_secs(60);

struct App {
    m: Model,
    runner: Runner,
    rx: mpsc::UnboundedReceiver<Msg>,
    clock: Clock,
    client: PortalClient,
    srv: RunningServer,
    audit: PathBuf,
}

fn start_instant() -> DateTime<Utc> {
    START.parse().unwrap()
}

impl App {
    async fn start() -> App {
        let srv = server::spawn(ServerConfig {
            clock: Some(start_instant()),
            provisioning_delay: Duration::from_millis(800),
            ..ServerConfig::default()
        })
        .await
        .expect("server starts");
        let url = srv.base_url();
        let clock = Clock::pinned(start_instant());
        let client = PortalClient::new(
            &url,
            ClientOptions {
                backoff_base: Duration::from_millis(20),
                backoff_max: Duration::from_millis(200),
                ..ClientOptions::default()
            },
        )
        .expect("loopback is allowed");
        let audit = std::env::temp_dir().join(format!(
            "licencias-app-flows-{}.jsonl",
            uuid::Uuid::new_v4()
        ));
        let (tx, rx) = mpsc::unbounded_channel();
        let runner = Runner::new(
            RunnerConfig {
                client: client.clone(),
                portal_url: url.clone(),
                secret_store: StoreChoice::Memory,
                store: Some(SecretStore::memory()),
                audit_path: Some(audit.clone()),
                config_path: None,
                clock,
            },
            tx,
        );
        let mut m = Model::new(ModelInit {
            portal_url: url,
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
            client,
            srv,
            audit,
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

    /// Process the runner's messages until `pred` holds.
    async fn until(&mut self, what: &str, pred: impl Fn(&Model) -> bool) {
        loop {
            if pred(&self.m) {
                return;
            }
            match tokio::time::timeout(GIVE_UP, self.rx.recv()).await {
                Ok(Some(msg)) => self.dispatch(msg),
                _ => panic!("gave up waiting for {what}; session {:?}", self.m.session),
            }
        }
    }

    /// Wait for every started request to answer, and apply the answers.
    async fn settle(&mut self) {
        self.runner.flush().await;
        while let Ok(msg) = self.rx.try_recv() {
            self.dispatch(msg);
        }
    }

    /// First login: password, enrolment (code computed from the secret the
    /// model received), services listed.
    async fn sign_in(&mut self) {
        assert_eq!(self.m.context(), Context::Login);
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
        let uri = s.enrolment.as_ref().unwrap().otpauth_uri.clone();
        let totp = totp_rs::Totp::from_url(&uri).expect("a valid otpauth URI");
        let code = totp.generate_current().to_string();
        self.typed(&code);
        self.enter();
        self.until("signed in with the services listed", |m| {
            m.session.is_logged_in() && m.services.loaded_at.is_some()
        })
        .await;
        assert_eq!(self.m.context(), Context::Services);
    }

    /// Filter the list to `id`, open it, wait for the detail.
    async fn open(&mut self, id: &str) {
        self.key(Key::ch('/'));
        self.typed(id);
        self.enter();
        assert_eq!(
            self.m.services.selected_row().map(|r| r.sub.id.as_str()),
            Some(id)
        );
        self.enter();
        let want = id.to_string();
        self.until("the detail", move |m| {
            matches!(m.screen(), Screen::Detail(d) if d.subscription_id == want && d.request.is_none())
                && m.subscription(&want).is_some()
        })
        .await;
        assert_eq!(self.m.context(), Context::Detail);
    }

    fn wizard_step(&self) -> &WizardStep {
        &self.m.wizard().expect("the wizard is open").step
    }

    /// From the detail: `c`, keep "now" or pick renewal, type the total.
    fn change(&mut self, when: Effective, total: &str) {
        self.key(Key::ch('c'));
        assert_eq!(self.m.context(), Context::WizardWhen);
        if when == Effective::AtRenewal {
            self.key(Key::plain(KeyCode::Down));
        }
        self.enter();
        assert_eq!(self.m.context(), Context::WizardTotal);
        self.typed(total);
    }

    /// In Review: tick every warning, then the approval box.
    fn acknowledge_all(&mut self) {
        let WizardStep::Review(r) = self.wizard_step() else {
            panic!("not in review: {:?}", self.wizard_step())
        };
        let first = if r.acks.is_empty() {
            ReviewFocus::Approval
        } else {
            ReviewFocus::Warning(0)
        };
        assert_eq!(r.focus, first);
        for _ in 0..r.acks.len() {
            self.key(Key::ch(' '));
            self.tab();
        }
        self.key(Key::ch(' '));
        let WizardStep::Review(r) = self.wizard_step() else {
            unreachable!()
        };
        assert!(r.can_confirm());
    }

    async fn until_done(&mut self) -> DoneOutcome {
        self.until("the wizard to finish", |m| {
            matches!(
                m.wizard().map(|w| &w.step),
                Some(WizardStep::Done { .. } | WizardStep::Failed { .. })
            )
        })
        .await;
        match self.wizard_step() {
            WizardStep::Done { outcome, .. } => outcome.clone(),
            other => panic!("the change failed: {other:?}"),
        }
    }

    fn audit_statuses(&self, key: &str) -> Vec<AuditStatus> {
        AuditLog::new(&self.audit)
            .read_all()
            .unwrap()
            .into_iter()
            .filter(|r| r.idempotency_key == key)
            .map(|r| r.status)
            .collect()
    }

    async fn stop(mut self) {
        self.settle().await;
        drop(self.runner);
        self.srv.shutdown().await;
        let _ = std::fs::remove_file(&self.audit);
    }
}

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
    assert_eq!(app.m.context(), Context::WizardTotal, "Next refused");
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
