//! Flow tests for `update`: feed messages, check the model and the effects.
//! No terminal, no network, no tokio.
//! Compiled only for tests: `mod.rs` declares it under `#[cfg(test)]`.

use chrono::{DateTime, NaiveDate, Utc};
use secrecy::ExposeSecret;

use super::*;
use crate::api::{
    DecreaseWindowDto, EffectiveDto, OperationDto, ScheduledChangeDto, ServiceDto, SubscriptionDto,
    UserInfo,
};
use crate::app::key::{Key, KeyCode};
use crate::app::keymap::{self, Context};
use crate::domain::Effective;
use crate::domain::{
    Billing, EntryError, OperationStatus, Policy, Refusal, Sign, Status, Subscription, Term,
    Warning,
};
use crate::i18n::Lang;

const INSIDE: &str = "2026-11-22T15:00:00Z";
const OUTSIDE: &str = "2026-11-27T15:00:00Z";
const URI: &str =
    "otpauth://totp/Licencias:alice?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Licencias";

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}
fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn init(now: &str, username: Option<&str>, demo: Option<DemoInfo>) -> ModelInit {
    ModelInit {
        portal_url: "https://portal.example".into(),
        demo,
        username: username.map(str::to_string),
        prefs: Prefs {
            lang: Lang::En,
            ascii: false,
            color: true,
        },
        now: at(now),
        key_nonce: 0x1234_5678_9abc_def0_1234_5678_9abc_def0,
    }
}

/// A monthly subscription renewed on 20 Nov 2026: window 20..=25 Nov.
fn domain_sub(id: &str, quantity: u32) -> Subscription {
    Subscription {
        id: id.into(),
        name: format!("Plan {id}"),
        quantity,
        min: 1,
        max: 300,
        term: Term::P1M,
        billing: Billing::Monthly,
        term_start: d("2026-11-20"),
        anchor_day: 20,
        renewal_date: d("2026-12-20"),
        auto_renew: true,
        status: Status::Active,
        assigned: None,
        scheduled_change: None,
        pending_operation: None,
    }
}

fn dto(id: &str, quantity: u32, version: u64, now: &str) -> SubscriptionDto {
    let p = Policy::default();
    SubscriptionDto::from_domain(
        &domain_sub(id, quantity),
        "svc-1",
        version,
        &p,
        p.today(at(now)),
    )
}

fn user() -> SessionInfo {
    SessionInfo {
        user: UserInfo {
            username: "alice".into(),
            display_name: "Alice".into(),
            tenant: "contoso".into(),
        },
        access_expires_at: at("2026-11-22T15:15:00Z"),
        refresh_expires_at: at("2026-11-22T23:00:00Z"),
    }
}

struct T {
    m: Model,
    now: DateTime<Utc>,
}

impl T {
    fn new(now: &str) -> Self {
        Self {
            m: Model::new(init(now, None, None)),
            now: at(now),
        }
    }
    fn send(&mut self, msg: Msg) -> Vec<Effect> {
        update(&mut self.m, msg)
    }
    fn key(&mut self, key: Key) -> Vec<Effect> {
        let now = self.now;
        self.send(Msg::Key { key, now })
    }
    fn ch(&mut self, c: char) -> Vec<Effect> {
        self.key(Key::ch(c))
    }
    fn code(&mut self, c: KeyCode) -> Vec<Effect> {
        self.key(Key::plain(c))
    }
    fn typed(&mut self, s: &str) {
        for c in s.chars() {
            assert!(self.ch(c).is_empty());
        }
    }
    /// Signed in, services loaded with `subs`, as the runner would answer.
    fn signed_in(now: &str, subs: Vec<SubscriptionDto>) -> Self {
        Self::signed_in_with(now, subs, me_attest())
    }
    /// Signed in as `signed_in`, with `me` the answer to `GET /me`.
    fn signed_in_with(now: &str, subs: Vec<SubscriptionDto>, me: crate::api::MeResponse) -> Self {
        let mut t = T::new(now);
        let mut fx = Vec::new();
        logged_in(&mut t.m, user(), &mut fx);
        let id = load_services_id(&fx);
        let me_id = fx
            .iter()
            .find_map(|e| match e {
                Effect::LoadMe { id } => Some(*id),
                _ => None,
            })
            .expect("GET /me after signing in");
        t.send(Msg::MeLoaded {
            id: me_id,
            result: Ok(me),
        });
        let services = vec![ServiceDto {
            id: "svc-1".into(),
            name: "Microsoft 365".into(),
            subscriptions: subs.iter().map(SubscriptionDto::summary).collect(),
        }];
        t.send(Msg::ServicesLoaded {
            id,
            result: Ok(services),
        });
        t
    }
    /// Open the selected row and answer its load with `sub`.
    fn open(&mut self, sub: SubscriptionDto) {
        let fx = self.code(KeyCode::Enter);
        let (id, sid) = fx
            .iter()
            .find_map(|e| match e {
                Effect::LoadSubscription {
                    id,
                    subscription_id,
                } => Some((*id, subscription_id.clone())),
                _ => None,
            })
            .expect("load");
        assert_eq!(sid, sub.id);
        self.send(Msg::SubscriptionLoaded {
            id,
            subscription_id: sid,
            result: Ok(sub),
        });
    }
    fn wizard(&self) -> &Wizard {
        self.m.wizard().expect("wizard on top")
    }
    fn review(&self) -> &ReviewState {
        match &self.wizard().step {
            WizardStep::Review(r) => r,
            s => panic!("not in review: {s:?}"),
        }
    }
    /// Tick every warning and the approval box.
    fn acknowledge_all(&mut self) {
        let n = self.review().acks.len();
        for _ in 0..n {
            self.ch(' ');
            self.code(KeyCode::Tab);
        }
        assert_eq!(self.review().focus, ReviewFocus::Approval);
        self.ch(' ');
        assert!(self.review().can_confirm());
    }
}

/// `GET /me` of alice in an `attest` tenant.
fn me_attest() -> crate::api::MeResponse {
    crate::api::MeResponse {
        username: "alice".into(),
        display_name: "Alice".into(),
        roles: crate::api::Role::ALL.to_vec(),
        tenant: crate::api::TenantInfo {
            id: "contoso".into(),
            name: "Contoso".into(),
            approval: crate::api::ApprovalMode::Attest,
        },
    }
}

fn load_services_id(fx: &[Effect]) -> RequestId {
    fx.iter()
        .find_map(|e| match e {
            Effect::LoadServices { id } => Some(*id),
            _ => None,
        })
        .expect("LoadServices")
}

fn submit(fx: &[Effect]) -> (RequestId, ChangeRequestView) {
    fx.iter()
        .find_map(|e| match e {
            Effect::SubmitChange {
                id,
                request,
                idempotency_key,
                audit,
                ..
            } => Some((
                *id,
                ChangeRequestView {
                    quantity: request.quantity,
                    effective: request.effective,
                    version: request.expected_version,
                    reference: request.approval_reference.clone(),
                    key: idempotency_key.clone(),
                    audit_key: audit.idempotency_key.clone(),
                },
            )),
            _ => None,
        })
        .expect("SubmitChange")
}

#[derive(Debug, PartialEq)]
struct ChangeRequestView {
    quantity: u32,
    effective: EffectiveDto,
    version: u64,
    reference: Option<String>,
    key: String,
    audit_key: String,
}

fn op(id: &str, status: OperationStatus, target: u32) -> OperationDto {
    OperationDto {
        id: id.into(),
        subscription_id: "s1".into(),
        status,
        target_quantity: target,
        submitted_at: at(INSIDE),
        completed_at: (status != OperationStatus::Pending).then(|| at(INSIDE)),
    }
}

// ------------------------------------------------------------------ start

#[test]
fn start_probes_store_loads_policy_and_resumes_a_remembered_user() {
    let mut m = Model::new(init(INSIDE, Some("alice"), None));
    let fx = update(&mut m, Msg::Started { now: at(INSIDE) });
    assert!(matches!(fx[0], Effect::ProbeSecretStore));
    assert!(matches!(fx[1], Effect::LoadPolicy { .. }));
    let Effect::Resume { id, username } = &fx[2] else {
        panic!("{fx:?}")
    };
    assert_eq!(username, "alice");
    assert!(matches!(m.session, Session::Resuming { .. }));
    // No stored token: the login form, username filled, focus on the password.
    update(
        &mut m,
        Msg::Resumed {
            id: *id,
            result: Ok(None),
        },
    );
    let Session::LoggedOut(form) = &m.session else {
        panic!()
    };
    assert_eq!(form.username.value(), "alice");
    assert_eq!(form.focus, LoginFocus::Password);
}

#[test]
fn resume_with_a_stored_token_goes_straight_to_services() {
    let mut m = Model::new(init(INSIDE, Some("alice"), None));
    let fx = update(&mut m, Msg::Started { now: at(INSIDE) });
    let Effect::Resume { id, .. } = &fx[2] else {
        panic!()
    };
    let fx = update(
        &mut m,
        Msg::Resumed {
            id: *id,
            result: Ok(Some(user())),
        },
    );
    assert!(m.session.is_logged_in());
    load_services_id(&fx);
    assert_eq!(m.context(), Context::Services);
}

/// Demo launch options (the real ones come from the server's demo data).
fn demo_info(signed_in: bool) -> DemoInfo {
    DemoInfo {
        username: "demo-admin".into(),
        password: "demo-password".into(),
        signed_in,
    }
}

#[test]
fn demo_signed_in_starts_with_a_demo_sign_in_and_no_resume() {
    let demo = demo_info(true);
    let mut m = Model::new(init(INSIDE, Some("demo"), Some(demo)));
    let fx = update(&mut m, Msg::Started { now: at(INSIDE) });
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::DemoSignIn { username, .. } if username == "demo-admin"))
    );
    assert!(!fx.iter().any(|e| matches!(e, Effect::Resume { .. })));
    let mut m = Model::new(init(INSIDE, Some("demo"), Some(demo_info(false))));
    let fx = update(&mut m, Msg::Started { now: at(INSIDE) });
    assert_eq!(fx.len(), 2, "{fx:?}");
    assert!(matches!(m.session, Session::LoggedOut(_)));
}

// ------------------------------------------------------------------ login + MFA

#[test]
fn empty_login_fields_say_what_is_missing_and_send_nothing() {
    let mut t = T::new(INSIDE);
    assert!(t.code(KeyCode::Enter).is_empty());
    let Session::LoggedOut(form) = &t.m.session else {
        panic!()
    };
    assert_eq!(form.error, Some(Failure::UsernameMissing));
    assert_eq!(form.focus, LoginFocus::Username);
    t.typed("alice");
    assert!(t.code(KeyCode::Enter).is_empty());
    let Session::LoggedOut(form) = &t.m.session else {
        panic!()
    };
    assert_eq!(form.error, Some(Failure::PasswordMissing));
    assert_eq!(form.focus, LoginFocus::Password);
}

#[test]
fn first_login_enrols_checks_the_code_locally_then_verifies() {
    let mut t = T::new(INSIDE);
    t.typed("alice");
    t.code(KeyCode::Tab);
    t.typed("s3cret pw");
    let fx = t.code(KeyCode::Enter);
    let Effect::Login {
        id,
        username,
        password,
    } = &fx[0]
    else {
        panic!("{fx:?}")
    };
    assert_eq!(username, "alice");
    assert_eq!(password.expose_secret(), "s3cret pw");
    let Session::Password { form, .. } = &t.m.session else {
        panic!()
    };
    assert!(form.password.is_empty(), "the password left the form");
    assert_eq!(t.m.context(), Context::Busy);

    let fx = t.send(Msg::LoginAnswered {
        id: *id,
        result: Ok(LoginAnswer {
            mfa_token: "mfa-tok".into(),
            step: crate::api::MfaStep::Enroll,
            expires_in: 300,
        }),
    });
    assert!(matches!(&fx[0], Effect::RememberUsername { username } if username == "alice"));
    let Effect::Enroll { id, mfa_token } = &fx[1] else {
        panic!("{fx:?}")
    };
    assert_eq!(mfa_token.expose_secret(), "mfa-tok");
    // Keys are not typed into the code field while the secret is loading.
    assert!(t.ch('1').is_empty());
    t.send(Msg::Enrolled {
        id: *id,
        result: Ok(EnrolAnswer {
            otpauth_uri: URI.into(),
            secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP".into(),
        }),
    });
    let Session::MfaEnrol(s) = &t.m.session else {
        panic!()
    };
    let e = s.enrolment.as_ref().unwrap();
    assert!(s.code.is_empty());
    assert_eq!(e.account, "alice");
    assert_eq!(e.issuer.as_deref(), Some("Licencias"));
    assert_eq!(e.secret_groups(), "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP");
    let good = e.code_at(t.now);
    let wrong = format!(
        "{:06}",
        (good.parse::<u32>().unwrap() + 500_000) % 1_000_000
    );

    // A code that does not match the secret is not sent.
    t.typed(&wrong);
    assert!(t.code(KeyCode::Enter).is_empty());
    let Session::MfaEnrol(s) = &t.m.session else {
        panic!()
    };
    assert_eq!(s.error, Some(Failure::CodeDoesNotMatchLocally));
    // Too short: not sent either.
    t.typed("123");
    assert!(t.code(KeyCode::Enter).is_empty());
    for _ in 0..3 {
        t.code(KeyCode::Backspace);
    }
    t.typed(&good);
    let fx = t.code(KeyCode::Enter);
    let Effect::Verify { id, code, .. } = &fx[0] else {
        panic!("{fx:?}")
    };
    assert_eq!(code.expose_secret(), good);
    let fx = t.send(Msg::Verified {
        id: *id,
        result: Ok(user()),
    });
    assert!(t.m.session.is_logged_in());
    assert!(matches!(&fx[0], Effect::SaveRefreshToken { username } if username == "alice"));
    load_services_id(&fx);
}

#[test]
fn wrong_password_and_lockout_keep_the_username() {
    let mut t = T::new(INSIDE);
    t.typed("alice");
    t.code(KeyCode::Enter); // moves to the empty password, sends nothing
    t.typed("nope");
    let fx = t.code(KeyCode::Enter);
    let Effect::Login { id, .. } = &fx[0] else {
        panic!()
    };
    t.send(Msg::LoginAnswered {
        id: *id,
        result: Err(Failure::Portal(PortalError::InvalidCredentials)),
    });
    let Session::LoggedOut(f) = &t.m.session else {
        panic!()
    };
    assert_eq!(f.username.value(), "alice");
    assert_eq!(
        f.error,
        Some(Failure::Portal(PortalError::InvalidCredentials))
    );
    assert_eq!(f.focus, LoginFocus::Password);

    t.typed("again");
    let fx = t.code(KeyCode::Enter);
    let Effect::Login { id, .. } = &fx[0] else {
        panic!()
    };
    t.send(Msg::LoginAnswered {
        id: *id,
        result: Err(Failure::Portal(PortalError::Locked {
            retry_after_secs: 60,
        })),
    });
    t.typed("x");
    assert!(t.code(KeyCode::Enter).is_empty(), "locked: nothing sent");
    assert!(t.m.animating(), "the lock countdown ticks");
    t.send(Msg::Tick {
        now: at("2026-11-22T15:01:01Z"),
    });
    t.now = at("2026-11-22T15:01:01Z");
    assert!(matches!(t.code(KeyCode::Enter)[0], Effect::Login { .. }));
}

#[test]
fn verify_errors_show_attempts_and_expired_mfa_goes_back_to_login() {
    let mut t = T::new(INSIDE);
    t.m.session = Session::MfaVerify(VerifyState {
        username: "alice".into(),
        mfa_token: "tok".into(),
        code: crate::app::TextField::code(),
        request: None,
        error: None,
        attempts_left: None,
    });
    t.typed("123 456");
    let fx = t.code(KeyCode::Enter);
    let Effect::Verify { id, code, .. } = &fx[0] else {
        panic!()
    };
    assert_eq!(code.expose_secret(), "123456");
    t.send(Msg::Verified {
        id: *id,
        result: Err(Failure::Portal(PortalError::InvalidMfaCode {
            attempts_left: Some(2),
        })),
    });
    let Session::MfaVerify(s) = &t.m.session else {
        panic!()
    };
    assert_eq!(s.attempts_left, Some(2));
    assert!(s.code.is_empty() && s.request.is_none());
    t.typed("654321");
    let fx = t.code(KeyCode::Enter);
    let Effect::Verify { id, .. } = &fx[0] else {
        panic!()
    };
    t.send(Msg::Verified {
        id: *id,
        result: Err(Failure::Portal(PortalError::MfaTokenInvalid)),
    });
    let Session::LoggedOut(f) = &t.m.session else {
        panic!()
    };
    assert_eq!(f.reason, Some(LoginReason::MfaAbandoned));
    assert_eq!(f.username.value(), "alice");
}

#[test]
fn demo_shows_the_current_code_only_in_the_demo() {
    let mut t = T::new(INSIDE);
    t.m.session = Session::MfaEnrol(EnrolState {
        username: "demo".into(),
        mfa_token: "t".into(),
        enrolment: Enrolment::from_answer(URI, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"),
        code: crate::app::TextField::code(),
        request: None,
        error: None,
        attempts_left: None,
    });
    assert_eq!(t.m.demo_code_hint(), None);
    t.m.demo = Some(demo_info(false));
    let (code, left) = t.m.demo_code_hint().unwrap();
    assert_eq!(code.len(), 6);
    assert!((1..=30).contains(&left));
}

// ------------------------------------------------------------------ services

fn three() -> Vec<SubscriptionDto> {
    let mut a = dto("a", 10, 1, INSIDE);
    a.name = "Zeta".into();
    a.renewal_date = d("2027-01-05");
    a.decrease_window = Some(DecreaseWindowDto {
        open: false,
        opens: d("2027-01-05"),
        closes: d("2027-01-10"),
    });
    let mut b = dto("b", 5, 1, INSIDE);
    b.name = "Alpha".into();
    b.renewal_date = d("2026-12-01");
    b.decrease_window = Some(DecreaseWindowDto {
        open: true,
        opens: d("2026-11-20"),
        closes: d("2026-11-25"),
    });
    let mut c = dto("c", 7, 1, INSIDE);
    c.name = "Mid".into();
    c.renewal_date = d("2026-12-15");
    c.decrease_window = Some(DecreaseWindowDto {
        open: true,
        opens: d("2026-11-18"),
        closes: d("2026-11-23"),
    });
    vec![a, b, c]
}

fn shown(m: &Model) -> Vec<String> {
    m.services
        .view
        .iter()
        .map(|&i| m.services.rows[i].sub.id.clone())
        .collect()
}

#[test]
fn sort_cycles_name_renewal_window_and_keeps_the_selection() {
    let mut t = T::signed_in(INSIDE, three());
    assert_eq!(shown(&t.m), ["b", "c", "a"]);
    t.ch('j');
    assert_eq!(t.m.services.selected_row().unwrap().sub.id, "c");
    t.ch('s');
    assert_eq!(t.m.services.sort, SortMode::RenewalDate);
    assert_eq!(shown(&t.m), ["b", "c", "a"]);
    t.ch('s');
    assert_eq!(t.m.services.sort, SortMode::WindowClosing);
    assert_eq!(shown(&t.m), ["c", "b", "a"], "closing soonest first");
    assert_eq!(t.m.services.selected_row().unwrap().sub.id, "c");
    t.ch('s');
    assert_eq!(t.m.services.sort, SortMode::Name);
}

#[test]
fn sort_by_name_puts_numbers_in_their_order() {
    let subs = ["#1000", "#2", "#10", "#1", "#100", "#14"]
        .iter()
        .map(|n| {
            let mut s = dto(&format!("s{n}"), 5, 1, INSIDE);
            s.name = format!("Microsoft 365 Business Premium {n}");
            s
        })
        .collect();
    let t = T::signed_in(INSIDE, subs);
    assert_eq!(t.m.services.sort, SortMode::Name);
    assert_eq!(
        shown(&t.m),
        ["s#1", "s#2", "s#10", "s#14", "s#100", "s#1000"]
    );
}

#[test]
fn filter_as_you_type_enter_opens_and_escape_clears() {
    let mut t = T::signed_in(INSIDE, three());
    t.ch('/');
    assert_eq!(t.m.context(), Context::ServicesFilter);
    t.typed("MID");
    assert_eq!(shown(&t.m), ["c"]);
    // Keys that would be commands are typed while filtering.
    t.ch('s');
    assert_eq!(t.m.services.sort, SortMode::Name);
    assert!(shown(&t.m).is_empty());
    t.code(KeyCode::Backspace);
    // Enter opens the selected match; the filter stays for the way back.
    let fx = t.code(KeyCode::Enter);
    assert!(
        matches!(&fx[..], [Effect::LoadSubscription { subscription_id, .. }, Effect::LoadHistory { .. }] if subscription_id == "c")
    );
    assert_eq!(t.m.context(), Context::Detail);
    t.ch('q');
    assert_eq!(t.m.context(), Context::Services);
    assert_eq!(shown(&t.m), ["c"], "filter kept");
    t.code(KeyCode::Esc);
    assert_eq!(shown(&t.m).len(), 3);
    assert_eq!(t.m.services.selected_row().unwrap().sub.id, "c");
}

#[test]
fn paging_moves_the_window_and_only_visible_rows_are_listed() {
    let subs: Vec<SubscriptionDto> = (0..100)
        .map(|i| dto(&format!("s{i:03}"), 10, 1, INSIDE))
        .collect();
    let mut t = T::signed_in(INSIDE, subs);
    t.send(Msg::Resize {
        width: 80,
        height: 24,
    });
    let page = 24 - usize::from(SERVICES_CHROME_ROWS);
    t.code(KeyCode::PageDown);
    assert_eq!(t.m.services.selected, page);
    let vis = t.m.services.visible(page);
    assert!(vis.contains(&t.m.services.selected));
    assert_eq!(t.m.services.visible_rows(page).count(), page);
    t.code(KeyCode::End);
    assert_eq!(t.m.services.selected, 99);
    assert_eq!(t.m.services.visible(page).end, 100);
    t.code(KeyCode::Home);
    assert_eq!(t.m.services.visible(page), 0..page);
    t.code(KeyCode::Up);
    assert_eq!(t.m.services.selected, 0);
}

#[test]
fn a_stale_services_answer_is_dropped() {
    let mut t = T::signed_in(INSIDE, three());
    let first = load_services_id(&t.ch('r'));
    let second = load_services_id(&t.ch('r'));
    assert_ne!(first, second);
    t.send(Msg::ServicesLoaded {
        id: first,
        result: Ok(vec![]),
    });
    assert_eq!(t.m.services.rows.len(), 3, "old answer ignored");
    t.send(Msg::ServicesLoaded {
        id: second,
        result: Ok(vec![]),
    });
    assert!(t.m.services.rows.is_empty());
}

#[test]
fn ctrl_c_quits_from_anywhere_and_q_quits_from_the_list() {
    let mut t = T::new(INSIDE);
    t.typed("ab");
    let fx = t.key(Key::ctrl('c'));
    assert!(matches!(fx[..], [Effect::Quit]));
    assert!(t.m.quit);
    let mut t = T::signed_in(INSIDE, three());
    assert!(matches!(t.ch('q')[..], [Effect::Quit]));
}

#[test]
fn help_overlay_toggles_and_swallows_keys() {
    let mut t = T::signed_in(INSIDE, three());
    t.ch('?');
    assert!(t.m.help);
    assert_eq!(t.m.context(), Context::Help);
    assert!(t.ch('j').is_empty());
    assert_eq!(t.m.services.selected, 0);
    t.code(KeyCode::Esc);
    assert!(!t.m.help);
}

// ------------------------------------------------------------------ wizard

fn in_wizard(now: &str, sub: SubscriptionDto) -> T {
    let mut t = T::signed_in(now, vec![sub.clone()]);
    t.open(sub);
    assert_eq!(t.m.context(), Context::Detail);
    t.ch('c');
    assert_eq!(t.m.context(), Context::WizardWhen);
    t
}

#[test]
fn increase_now_review_confirm_track_to_success() {
    let mut t = in_wizard(INSIDE, dto("s1", 10, 3, INSIDE));
    assert_eq!(t.wizard().input.when, Effective::Now, "now is preselected");
    t.code(KeyCode::Enter);
    t.typed("12");
    let WizardStep::Total { plan: Ok(p) } = &t.wizard().step else {
        panic!()
    };
    assert_eq!((p.from, p.to, p.delta), (10, 12, 2));
    t.code(KeyCode::Enter);
    assert_eq!(t.m.context(), Context::WizardReview);
    // Confirm is disabled until the approval box is ticked.
    assert!(t.code(KeyCode::Enter).is_empty());
    assert_eq!(t.review().focus, ReviewFocus::Approval);
    t.ch(' ');
    t.code(KeyCode::Tab);
    t.typed("CHG-42 j");
    assert_eq!(t.wizard().input.reference.value(), "CHG-42 j");
    let fx = t.code(KeyCode::Enter);
    let (id, req) = submit(&fx);
    assert_eq!(req.quantity, 12);
    assert_eq!(req.effective, EffectiveDto::Now);
    assert_eq!(req.version, 3);
    assert_eq!(req.reference.as_deref(), Some("CHG-42 j"));
    assert_eq!(req.key, req.audit_key);
    assert!(uuid::Uuid::parse_str(&req.key).is_ok());
    assert_eq!(t.m.context(), Context::WizardSubmitting);
    assert!(
        t.code(KeyCode::Esc).is_empty(),
        "cannot leave while sending"
    );

    let fx = t.send(Msg::ChangeSubmitted {
        id,
        result: Ok(ChangeOutcome::Accepted(op(
            "op-1",
            OperationStatus::Pending,
            12,
        ))),
    });
    assert!(
        matches!(&fx[..], [Effect::TrackOperation { operation_id, sla_seconds: 300 }] if operation_id == "op-1")
    );
    assert!(matches!(t.wizard().step, WizardStep::Tracking { .. }));
    assert_eq!(t.m.pending_operations(), 1);
    assert!(t.m.services.rows[0].sub.has_pending_operation);

    t.send(Msg::OperationProgress {
        operation: op("op-1", OperationStatus::Pending, 12),
        now: at("2026-11-22T15:00:40Z"),
    });
    assert_eq!(t.m.operation("op-1").unwrap().elapsed_secs(t.m.now), 40);
    let fx = t.send(Msg::OperationFinished {
        operation_id: "op-1".into(),
        result: Ok(op("op-1", OperationStatus::Succeeded, 12)),
        now: at("2026-11-22T15:01:00Z"),
    });
    let Some(Effect::AppendAudit(a)) = fx.first() else {
        panic!("{fx:?}")
    };
    assert_eq!(a.status, AuditStatus::Succeeded);
    assert_eq!(a.idempotency_key, req.key);
    assert_eq!((a.from, a.to), (10, 12));
    assert!(matches!(
        t.wizard().step,
        WizardStep::Done {
            outcome: DoneOutcome::Applied(_),
            ..
        }
    ));
    assert_eq!(t.m.services.rows[0].sub.quantity, 12);
    assert_eq!(t.m.pending_operations(), 0);
    assert!(
        t.m.toasts
            .iter()
            .any(|x| matches!(x.message, ToastMsg::OperationSucceeded { quantity: 12, .. }))
    );
    // Leaving the wizard reloads the detail.
    let fx = t.code(KeyCode::Enter);
    assert!(matches!(
        &fx[..],
        [Effect::LoadSubscription { .. }, Effect::LoadHistory { .. }]
    ));
    assert_eq!(t.m.context(), Context::Detail);
}

#[test]
fn leaving_while_tracking_keeps_the_tracker_running() {
    let mut t = in_wizard(INSIDE, dto("s1", 10, 3, INSIDE));
    t.code(KeyCode::Enter);
    t.typed("11");
    t.code(KeyCode::Enter);
    t.acknowledge_all();
    let (id, _) = submit(&t.code(KeyCode::Enter));
    t.send(Msg::ChangeSubmitted {
        id,
        result: Ok(ChangeOutcome::Accepted(op(
            "op-9",
            OperationStatus::Pending,
            11,
        ))),
    });
    t.code(KeyCode::Esc);
    t.code(KeyCode::Esc);
    assert_eq!(t.m.context(), Context::Services);
    assert!(t.m.pending_operation_for("s1").is_some());
    assert!(t.m.animating());
    t.send(Msg::OperationFinished {
        operation_id: "op-9".into(),
        result: Ok(op("op-9", OperationStatus::Failed, 11)),
        now: at(INSIDE),
    });
    assert!(t.m.pending_operation_for("s1").is_none());
    assert!(t.m.toasts.iter().any(|x| x.level == ToastLevel::Error));
}

#[test]
fn a_delta_is_refused_with_the_total_it_probably_means() {
    let mut t = in_wizard(INSIDE, dto("s1", 10, 1, INSIDE));
    t.code(KeyCode::Enter);
    t.typed("+2");
    let WizardStep::Total { plan } = &t.wizard().step else {
        panic!()
    };
    assert_eq!(
        plan,
        &Err(Refusal::Entry(EntryError::Delta {
            sign: Sign::Plus,
            amount: 2,
            suggested_total: Some(12)
        }))
    );
    assert_eq!(t.wizard().offer(), Some(TotalOffer::UseTotal(12)));
    // Next does nothing while refused.
    t.code(KeyCode::Enter);
    assert_eq!(t.m.context(), Context::WizardTotalUseTotal);
    // The hint for Tab says what Tab does here.
    let tab = keymap::bindings(t.m.context())
        .iter()
        .find(|b| b.key == Key::plain(KeyCode::Tab))
        .unwrap();
    assert_eq!(tab.label, crate::i18n::Label::KeyUseTotal);
    t.code(KeyCode::Tab);
    assert_eq!(t.wizard().input.entry.value(), "12");
    assert_eq!(t.m.context(), Context::WizardTotal);
    assert!(matches!(t.wizard().step, WizardStep::Total { plan: Ok(_) }));
}

#[test]
fn a_decrease_outside_the_window_offers_scheduling_in_one_key() {
    let mut t = in_wizard(OUTSIDE, dto("s1", 10, 4, OUTSIDE));
    t.code(KeyCode::Enter);
    t.typed("8");
    assert_eq!(
        t.wizard().offer(),
        Some(TotalOffer::ScheduleForRenewal {
            date: d("2026-12-20")
        })
    );
    assert_eq!(t.m.context(), Context::WizardTotalSchedule);
    let tab = keymap::bindings(t.m.context())
        .iter()
        .find(|b| b.key == Key::plain(KeyCode::Tab))
        .unwrap();
    assert_eq!(tab.label, crate::i18n::Label::KeySchedule);
    t.code(KeyCode::Tab);
    assert_eq!(t.wizard().input.when, Effective::AtRenewal);
    assert_eq!(t.wizard().input.entry.value(), "8", "entry kept");
    let p = &t.review().plan;
    assert_eq!((p.to, p.effective_date), (8, d("2026-12-20")));
    t.acknowledge_all();
    let (id, req) = submit(&t.code(KeyCode::Enter));
    assert_eq!(req.effective, EffectiveDto::Renewal);
    let sc = ScheduledChangeDto {
        quantity: 8,
        effective_date: d("2026-12-20"),
    };
    t.send(Msg::ChangeSubmitted {
        id,
        result: Ok(ChangeOutcome::Scheduled(sc.clone())),
    });
    assert!(matches!(
        &t.wizard().step,
        WizardStep::Done { outcome: DoneOutcome::Scheduled(s), .. } if *s == sc
    ));
    assert_eq!(t.m.subscription("s1").unwrap().scheduled_change, Some(sc));
    assert!(t.m.services.rows[0].sub.has_scheduled_change);
}

#[test]
fn a_large_reduction_must_be_acknowledged_before_confirm() {
    let mut t = in_wizard(INSIDE, dto("s1", 10, 1, INSIDE));
    t.code(KeyCode::Enter);
    t.typed("2");
    t.code(KeyCode::Enter);
    assert_eq!(
        t.review().plan.warnings,
        vec![Warning::LooksLikeDelta {
            typed: 2,
            removes: 8,
            total_if_adding: 12
        }]
    );
    assert_eq!(t.review().focus, ReviewFocus::Warning(0));
    // Approval alone is not enough.
    t.code(KeyCode::Tab);
    t.ch(' ');
    assert!(t.review().approved);
    assert!(t.code(KeyCode::Enter).is_empty());
    assert_eq!(
        t.review().focus,
        ReviewFocus::Warning(0),
        "sent to the warning"
    );
    t.ch(' ');
    assert!(t.review().can_confirm());
    let (_, req) = submit(&t.code(KeyCode::Enter));
    assert_eq!(req.quantity, 2);
}

#[test]
fn a_conflict_comes_back_with_the_input_and_the_fresh_quantity() {
    let mut t = in_wizard(INSIDE, dto("s1", 10, 1, INSIDE));
    t.code(KeyCode::Enter);
    t.typed("12");
    t.code(KeyCode::Enter);
    t.acknowledge_all();
    t.code(KeyCode::Tab);
    t.typed("T-1");
    let (id, first) = submit(&t.code(KeyCode::Enter));
    let fresh = dto("s1", 11, 2, INSIDE);
    t.send(Msg::ChangeSubmitted {
        id,
        result: Err(Failure::Portal(PortalError::VersionConflict(Box::new(
            fresh,
        )))),
    });
    let w = t.wizard();
    assert_eq!(
        w.error,
        Some(WizardError::Conflict {
            previous_quantity: 10
        })
    );
    assert_eq!(w.input.entry.value(), "12");
    assert_eq!(w.input.reference.value(), "T-1");
    assert_eq!(w.sub.quantity, 11);
    let WizardStep::Total { plan: Ok(p) } = &w.step else {
        panic!("{:?}", w.step)
    };
    assert_eq!((p.from, p.to), (11, 12));
    assert_eq!(t.m.subscription("s1").unwrap().quantity, 11);
    // Going on sends the new version with a new key.
    t.code(KeyCode::Enter);
    t.acknowledge_all();
    let (_, second) = submit(&t.code(KeyCode::Enter));
    assert_eq!(second.version, 2);
    assert_ne!(second.key, first.key);
}

#[test]
fn a_network_error_keeps_everything_and_a_retry_reuses_the_key() {
    let mut t = in_wizard(INSIDE, dto("s1", 10, 1, INSIDE));
    t.code(KeyCode::Enter);
    t.typed("15");
    t.code(KeyCode::Enter);
    t.acknowledge_all();
    let (id, first) = submit(&t.code(KeyCode::Enter));
    t.send(Msg::ChangeSubmitted {
        id,
        result: Err(Failure::Portal(PortalError::Timeout)),
    });
    assert_eq!(
        t.wizard().error,
        Some(WizardError::Failed(Failure::Portal(PortalError::Timeout)))
    );
    assert!(t.review().can_confirm(), "acknowledgements kept");
    let (id2, again) = submit(&t.code(KeyCode::Enter));
    assert_ne!(id, id2);
    assert_eq!(again, first, "same change, same key");
    // A late answer to the first request is stale and ignored.
    t.send(Msg::ChangeSubmitted {
        id,
        result: Ok(ChangeOutcome::Accepted(op(
            "op-x",
            OperationStatus::Pending,
            15,
        ))),
    });
    assert!(matches!(t.wizard().step, WizardStep::Submitting { .. }));
    assert!(t.m.operations.is_empty());
}

#[test]
fn a_server_refusal_returns_to_the_quantity_with_the_reason() {
    let mut t = in_wizard(INSIDE, dto("s1", 10, 1, INSIDE));
    t.code(KeyCode::Enter);
    t.typed("20");
    t.code(KeyCode::Enter);
    t.acknowledge_all();
    let (id, _) = submit(&t.code(KeyCode::Enter));
    let r = Refusal::AboveMaximum {
        requested: 20,
        max: 15,
    };
    t.send(Msg::ChangeSubmitted {
        id,
        result: Err(Failure::Portal(PortalError::Refused(r.clone()))),
    });
    assert_eq!(t.wizard().error, Some(WizardError::Refused(r)));
    assert_eq!(t.wizard().input.entry.value(), "20");
    assert_eq!(t.m.context(), Context::WizardTotal);
    // The next edit clears the banner.
    t.code(KeyCode::Backspace);
    assert_eq!(t.wizard().error, None);
}

#[test]
fn session_expiry_mid_wizard_keeps_the_stack_and_the_key() {
    let mut t = in_wizard(INSIDE, dto("s1", 10, 1, INSIDE));
    t.code(KeyCode::Enter);
    t.typed("13");
    t.code(KeyCode::Enter);
    t.acknowledge_all();
    let (id, first) = submit(&t.code(KeyCode::Enter));
    t.send(Msg::ChangeSubmitted {
        id,
        result: Err(Failure::Portal(PortalError::SessionExpired)),
    });
    let Session::LoggedOut(f) = &t.m.session else {
        panic!()
    };
    assert_eq!(f.reason, Some(LoginReason::SessionExpired));
    assert_eq!(f.username.value(), "alice");
    assert_eq!(t.m.stack.len(), 3, "services, detail, wizard kept");
    // Sign in again (verify answer) -> back in the wizard's review.
    let mut fx = Vec::new();
    logged_in(&mut t.m, user(), &mut fx);
    assert_eq!(t.m.context(), Context::WizardReview);
    assert_eq!(t.wizard().input.entry.value(), "13");
    let (_, again) = submit(&t.code(KeyCode::Enter));
    assert_eq!(again.key, first.key);
}

#[test]
fn another_user_signing_in_does_not_see_the_previous_stack() {
    let mut t = in_wizard(INSIDE, dto("s1", 10, 1, INSIDE));
    expire_session(&mut t.m);
    let mut bob = user();
    bob.user.username = "bob".into();
    let mut fx = Vec::new();
    logged_in(&mut t.m, bob, &mut fx);
    assert_eq!(t.m.stack.len(), 1);
    assert!(t.m.subscriptions.is_empty());
}

#[test]
fn confirm_replans_and_never_sends_what_review_did_not_show() {
    // Reviewed a decrease on the last window day; confirm after midnight (portal zone).
    let mut t = in_wizard("2026-11-26T04:00:00Z", dto("s1", 10, 1, INSIDE));
    t.code(KeyCode::Enter);
    t.typed("9");
    t.code(KeyCode::Enter);
    t.acknowledge_all();
    t.now = at("2026-11-26T05:00:01Z");
    assert!(t.code(KeyCode::Enter).is_empty());
    let WizardStep::Total { plan } = &t.wizard().step else {
        panic!()
    };
    assert!(matches!(plan, Err(Refusal::DecreaseOutsideWindow { .. })));
}

#[test]
fn back_from_review_and_when_keeps_what_was_typed() {
    let mut t = in_wizard(INSIDE, dto("s1", 10, 1, INSIDE));
    t.code(KeyCode::Enter);
    t.typed("14");
    t.code(KeyCode::Enter);
    t.code(KeyCode::Esc);
    assert_eq!(t.m.context(), Context::WizardTotal);
    t.code(KeyCode::Esc);
    assert_eq!(t.m.context(), Context::WizardWhen);
    t.code(KeyCode::Down);
    assert_eq!(t.wizard().input.when, Effective::AtRenewal);
    t.code(KeyCode::Enter);
    assert_eq!(t.wizard().input.entry.value(), "14");
    let WizardStep::Total { plan: Ok(p) } = &t.wizard().step else {
        panic!()
    };
    assert_eq!(p.effective, Effective::AtRenewal);
}

// ------------------------------------------------------------------ detail

#[test]
fn cancel_a_scheduled_change_after_confirmation() {
    let mut sub = dto("s1", 10, 1, OUTSIDE);
    sub.scheduled_change = Some(ScheduledChangeDto {
        quantity: 8,
        effective_date: d("2026-12-20"),
    });
    let mut t = T::signed_in(OUTSIDE, vec![sub.clone()]);
    t.open(sub);
    t.ch('x');
    assert_eq!(t.m.context(), Context::DetailConfirmCancel);
    assert!(t.ch('n').is_empty());
    assert_eq!(t.m.context(), Context::Detail);
    t.ch('x');
    let fx = t.ch('y');
    let Effect::CancelScheduledChange {
        id,
        subscription_id,
    } = &fx[0]
    else {
        panic!("{fx:?}")
    };
    assert_eq!(subscription_id, "s1");
    let fx = t.send(Msg::ScheduledChangeCancelled {
        id: *id,
        subscription_id: "s1".into(),
        result: Ok(()),
    });
    assert!(matches!(
        &fx[..],
        [Effect::LoadSubscription { .. }, Effect::LoadHistory { .. }]
    ));
    assert!(
        t.m.toasts
            .iter()
            .any(|x| matches!(x.message, ToastMsg::ScheduledChangeCancelled { .. }))
    );
}

#[test]
fn x_without_a_scheduled_change_asks_nothing() {
    let sub = dto("s1", 10, 1, OUTSIDE);
    let mut t = T::signed_in(OUTSIDE, vec![sub.clone()]);
    t.open(sub);
    assert!(t.ch('x').is_empty());
    assert_eq!(t.m.context(), Context::Detail);
}

#[test]
fn a_stale_detail_answer_is_dropped() {
    let sub = dto("s1", 10, 1, INSIDE);
    let mut t = T::signed_in(INSIDE, vec![sub.clone()]);
    let fx = t.code(KeyCode::Enter);
    let Effect::LoadSubscription { id: first, .. } = &fx[0] else {
        panic!()
    };
    let fx = t.ch('r');
    let Effect::LoadSubscription { id: second, .. } = &fx[0] else {
        panic!()
    };
    t.send(Msg::SubscriptionLoaded {
        id: *first,
        subscription_id: "s1".into(),
        result: Ok(dto("s1", 99, 9, INSIDE)),
    });
    assert!(t.m.subscription("s1").is_none());
    t.send(Msg::SubscriptionLoaded {
        id: *second,
        subscription_id: "s1".into(),
        result: Ok(sub),
    });
    assert_eq!(t.m.subscription("s1").unwrap().quantity, 10);
}

#[test]
fn session_expiry_while_tracking_rearms_the_tracker_after_login() {
    let mut t = in_wizard(INSIDE, dto("s1", 10, 1, INSIDE));
    t.code(KeyCode::Enter);
    t.typed("11");
    t.code(KeyCode::Enter);
    t.acknowledge_all();
    let (id, _) = submit(&t.code(KeyCode::Enter));
    t.send(Msg::ChangeSubmitted {
        id,
        result: Ok(ChangeOutcome::Accepted(op(
            "op-2",
            OperationStatus::Pending,
            11,
        ))),
    });
    t.send(Msg::OperationFinished {
        operation_id: "op-2".into(),
        result: Err(Failure::Portal(PortalError::SessionExpired)),
        now: at(INSIDE),
    });
    assert!(!t.m.session.is_logged_in());
    let mut fx = Vec::new();
    logged_in(&mut t.m, user(), &mut fx);
    assert!(fx.iter().any(
        |e| matches!(e, Effect::TrackOperation { operation_id, .. } if operation_id == "op-2")
    ));
}

#[test]
fn toasts_expire_on_tick() {
    let mut t = T::signed_in(INSIDE, three());
    t.m.toast(ToastLevel::Info, ToastMsg::LoggedOut);
    assert!(t.m.animating());
    t.m.dirty = false;
    t.send(Msg::Tick {
        now: at("2026-11-22T15:00:30Z"),
    });
    assert!(t.m.toasts.is_empty());
    assert!(t.m.dirty);
    t.m.dirty = false;
    t.send(Msg::Tick {
        now: at("2026-11-22T15:00:31Z"),
    });
    assert!(!t.m.dirty, "nothing moves: no redraw");
}

#[test]
fn logout_clears_the_data_and_deletes_the_token() {
    let mut t = T::signed_in(INSIDE, three());
    let fx = t.ch('L');
    assert!(matches!(&fx[..], [Effect::Logout { username, .. }] if username == "alice"));
    assert!(t.m.services.rows.is_empty());
    let Session::LoggedOut(f) = &t.m.session else {
        panic!()
    };
    assert_eq!(f.reason, Some(LoginReason::LoggedOut));
}

#[test]
fn totp_codes_follow_real_time_when_the_business_clock_is_pinned() {
    let mut t = T::new(INSIDE);
    t.m.clock_offset = chrono::TimeDelta::days(-400);
    t.m.session = Session::MfaEnrol(EnrolState {
        username: "alice".into(),
        mfa_token: "t".into(),
        enrolment: Enrolment::from_answer(URI, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"),
        code: crate::app::TextField::code(),
        request: None,
        error: None,
        attempts_left: None,
    });
    let Session::MfaEnrol(s) = &t.m.session else {
        panic!()
    };
    let real = t.m.real_now();
    assert_eq!(real, at(INSIDE) + chrono::TimeDelta::days(400));
    let code = s.enrolment.as_ref().unwrap().code_at(real);
    t.typed(&code);
    assert!(matches!(
        t.code(KeyCode::Enter)[..],
        [Effect::Verify { .. }]
    ));
}

#[test]
fn a_pending_operation_seen_in_a_detail_is_tracked_without_audit_lines() {
    let mut sub = dto("s1", 10, 1, INSIDE);
    sub.pending_operation = Some(crate::api::PendingOperationDto {
        id: "op-old".into(),
        target_quantity: 14,
        submitted_at: at(INSIDE),
        status: OperationStatus::Pending,
    });
    let mut t = T::signed_in(INSIDE, vec![sub.clone()]);
    let fx = t.code(KeyCode::Enter);
    let Effect::LoadSubscription { id, .. } = &fx[0] else {
        panic!()
    };
    let fx = t.send(Msg::SubscriptionLoaded {
        id: *id,
        subscription_id: "s1".into(),
        result: Ok(sub.clone()),
    });
    assert!(
        matches!(&fx[..], [Effect::TrackOperation { operation_id, .. }] if operation_id == "op-old")
    );
    assert_eq!(t.m.pending_operations(), 1);
    // Loading it again does not track it twice.
    let fx = t.ch('r');
    let Effect::LoadSubscription { id, .. } = &fx[0] else {
        panic!()
    };
    let fx = t.send(Msg::SubscriptionLoaded {
        id: *id,
        subscription_id: "s1".into(),
        result: Ok(sub.clone()),
    });
    assert!(fx.is_empty());
    // Tracking gave up while the portal still shows it pending: a reload follows it again.
    t.send(Msg::OperationFinished {
        operation_id: "op-old".into(),
        result: Err(Failure::Portal(PortalError::StillPending {
            operation_id: "op-old".into(),
        })),
        now: at(INSIDE),
    });
    assert_eq!(t.m.pending_operations(), 0);
    let fx = t.ch('r');
    let Effect::LoadSubscription { id, .. } = &fx[0] else {
        panic!()
    };
    let fx = t.send(Msg::SubscriptionLoaded {
        id: *id,
        subscription_id: "s1".into(),
        result: Ok(sub.clone()),
    });
    assert!(matches!(&fx[..], [Effect::TrackOperation { .. }]), "{fx:?}");
    assert_eq!(t.m.pending_operations(), 1);
    let fx = t.send(Msg::OperationFinished {
        operation_id: "op-old".into(),
        result: Ok(op("op-old", OperationStatus::Succeeded, 14)),
        now: at(INSIDE),
    });
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::AppendAudit(_))),
        "{fx:?}"
    );
    assert_eq!(t.m.pending_operations(), 0);
}

#[test]
fn an_unbound_key_does_not_ask_for_a_redraw() {
    let mut t = T::signed_in(INSIDE, three());
    t.m.dirty = false;
    assert!(t.ch('z').is_empty());
    assert!(!t.m.dirty);
    t.ch('j');
    assert!(t.m.dirty);
}

#[test]
fn a_failed_provisioning_ends_the_wizard_in_failed_with_an_audit_line() {
    let mut t = in_wizard(INSIDE, dto("s1", 10, 1, INSIDE));
    t.code(KeyCode::Enter);
    t.typed("16");
    t.code(KeyCode::Enter);
    t.acknowledge_all();
    let (id, req) = submit(&t.code(KeyCode::Enter));
    t.send(Msg::ChangeSubmitted {
        id,
        result: Ok(ChangeOutcome::Accepted(op(
            "op-f",
            OperationStatus::Pending,
            16,
        ))),
    });
    let fx = t.send(Msg::OperationFinished {
        operation_id: "op-f".into(),
        result: Ok(op("op-f", OperationStatus::Failed, 16)),
        now: at(INSIDE),
    });
    let Some(Effect::AppendAudit(a)) = fx.first() else {
        panic!("{fx:?}")
    };
    assert_eq!(a.status, AuditStatus::Failed);
    assert_eq!(a.idempotency_key, req.key);
    assert!(matches!(t.wizard().step, WizardStep::Failed { .. }));
    assert_eq!(t.m.context(), Context::WizardDone);
    assert_eq!(t.m.services.rows[0].sub.quantity, 10, "nothing changed");
    let fx = t.code(KeyCode::Enter);
    assert!(matches!(
        &fx[..],
        [Effect::LoadSubscription { .. }, Effect::LoadHistory { .. }]
    ));
    assert_eq!(t.m.context(), Context::Detail);
}

fn history_event(at_: &str, kind: crate::api::HistoryKind, to: u32) -> crate::api::HistoryEvent {
    let mut e = crate::api::HistoryEvent::new(at(at_), kind, None);
    e.from = Some(10);
    e.to = Some(to);
    e
}

#[test]
fn me_is_read_after_sign_in_and_the_history_loads_with_the_detail() {
    let mut t = T::signed_in(INSIDE, three());
    assert_eq!(t.m.me, Some(me_attest()));
    let selected = t.m.services.selected_row().unwrap().sub.id.clone();
    // opening the detail asks for the last five events
    let fx = t.code(KeyCode::Enter);
    let load = |fx: &[Effect]| {
        fx.iter()
            .find_map(|e| match e {
                Effect::LoadHistory {
                    id,
                    subscription_id,
                    limit,
                } => Some((*id, subscription_id.clone(), *limit)),
                _ => None,
            })
            .expect("history load")
    };
    let (id, sid, limit) = load(&fx);
    assert_eq!((sid.as_str(), limit), (selected.as_str(), Some(5)));
    let events: Vec<_> = (0..5)
        .map(|i| history_event(INSIDE, crate::api::HistoryKind::ChangeScheduled, 20 - i))
        .collect();
    t.send(Msg::HistoryLoaded {
        id,
        subscription_id: sid.clone(),
        result: Ok(events.clone()),
    });
    let cache = t.m.history(&sid).unwrap();
    assert_eq!(cache.events.as_ref(), Some(&events));
    assert!(!cache.full, "five of maybe more");
    // `h`: the full history, loaded whole
    let fx = t.ch('h');
    assert_eq!(t.m.context(), Context::History);
    let (id, _, limit) = load(&fx);
    assert_eq!(limit, None);
    let all: Vec<_> = (0..12)
        .map(|i| history_event(INSIDE, crate::api::HistoryKind::Renewed, 30 - i))
        .collect();
    // an answer nobody waits for any more is dropped
    t.send(Msg::HistoryLoaded {
        id: RequestId(9_999),
        subscription_id: sid.clone(),
        result: Ok(Vec::new()),
    });
    assert_eq!(t.m.history(&sid).unwrap().events.as_ref(), Some(&events));
    t.send(Msg::HistoryLoaded {
        id,
        subscription_id: sid.clone(),
        result: Ok(all.clone()),
    });
    assert!(t.m.history(&sid).unwrap().full);
    let offset = |m: &Model| match m.screen() {
        Screen::History(h) => h.offset,
        _ => panic!("not on the history"),
    };
    t.ch('j');
    t.ch('j');
    assert_eq!(offset(&t.m), 2);
    t.ch('k');
    assert_eq!(offset(&t.m), 1);
    // 80x24: nine events a page, so the last page starts at the fourth
    t.code(KeyCode::End);
    assert_eq!(offset(&t.m), 3);
    t.ch('j');
    assert_eq!(offset(&t.m), 3, "the oldest stay on a full page");
    t.code(KeyCode::PageUp);
    assert_eq!(offset(&t.m), 0);
    t.code(KeyCode::Home);
    assert_eq!(offset(&t.m), 0);
    // `r` reloads; a failure is kept with the events already shown
    let (id, _, _) = load(&t.ch('r'));
    t.send(Msg::HistoryLoaded {
        id,
        subscription_id: sid.clone(),
        result: Err(Failure::Portal(PortalError::Timeout)),
    });
    let cache = t.m.history(&sid).unwrap();
    assert_eq!(cache.events.as_ref(), Some(&all));
    assert_eq!(cache.error, Some(Failure::Portal(PortalError::Timeout)));
    t.code(KeyCode::Esc);
    assert_eq!(t.m.context(), Context::Detail);
}

#[test]
fn a_portal_without_me_still_works_and_an_expired_session_goes_to_login() {
    let mut t = T::new(INSIDE);
    let mut fx = Vec::new();
    logged_in(&mut t.m, user(), &mut fx);
    let me = |fx: &[Effect]| {
        fx.iter()
            .find_map(|e| match e {
                Effect::LoadMe { id } => Some(*id),
                _ => None,
            })
            .unwrap()
    };
    t.send(Msg::MeLoaded {
        id: me(&fx),
        result: Err(Failure::Portal(PortalError::NotFound)),
    });
    assert!(t.m.me.is_none());
    assert!(t.m.session.is_logged_in());
    let mut fx = Vec::new();
    logged_in(&mut t.m, user(), &mut fx);
    t.send(Msg::MeLoaded {
        id: me(&fx),
        result: Err(Failure::Portal(PortalError::SessionExpired)),
    });
    assert!(!t.m.session.is_logged_in());
}

fn me_second_person() -> crate::api::MeResponse {
    let mut me = me_attest();
    me.tenant.approval = crate::api::ApprovalMode::SecondPerson;
    me
}

/// The request the portal answers for `16` licences on `s1` (was 10).
fn change_request(status: crate::api::ChangeRequestStatus) -> crate::api::ChangeRequestDto {
    crate::api::ChangeRequestDto {
        id: "cr-1".into(),
        subscription_id: "s1".into(),
        subscription_name: "Plan s1".into(),
        from: 10,
        quantity: 16,
        effective: EffectiveDto::Now,
        effective_date: d("2026-11-22"),
        approval_reference: Some("CAB-9".into()),
        warnings: Vec::new(),
        requested_by: crate::api::Actor {
            username: "alice".into(),
            display_name: "Alice".into(),
        },
        requested_at: at(INSIDE),
        expires_at: at("2026-11-25T15:00:00Z"),
        status,
        decided_by: None,
        decided_at: None,
        reason: None,
        operation_id: None,
    }
}

/// Through Review in a `second_person` tenant to the request awaiting approval.
fn requested(t: &mut T) -> String {
    t.code(KeyCode::Enter);
    t.typed("16");
    t.code(KeyCode::Enter);
    let r = t.review();
    assert!(r.second_person);
    assert!(r.can_confirm(), "no attestation box to tick");
    assert!(!r.focus_order().contains(&ReviewFocus::Approval));
    assert_eq!(r.focus, ReviewFocus::Reference);
    t.typed("CAB-9");
    let (id, req) = submit(&t.code(KeyCode::Enter));
    let fx = t.send(Msg::ChangeSubmitted {
        id,
        result: Ok(ChangeOutcome::AwaitingApproval(Box::new(change_request(
            crate::api::ChangeRequestStatus::AwaitingApproval,
        )))),
    });
    assert!(
        matches!(&fx[..], [Effect::TrackRequest { request_id }] if request_id == "cr-1"),
        "{fx:?}"
    );
    assert!(matches!(
        &t.wizard().step,
        WizardStep::AwaitingApproval { request_id, .. } if request_id == "cr-1"
    ));
    assert_eq!(t.m.context(), Context::WizardTracking);
    assert_eq!(t.m.awaiting_requests(), 1);
    req.key
}

#[test]
fn second_person_sends_for_approval_then_follows_it_to_provisioning() {
    let sub = dto("s1", 10, 1, INSIDE);
    let mut t = T::signed_in_with(INSIDE, vec![sub.clone()], me_second_person());
    t.open(sub);
    t.ch('c');
    let key = requested(&mut t);
    // still waiting: nothing changes
    let mut cr = change_request(crate::api::ChangeRequestStatus::AwaitingApproval);
    assert!(
        t.send(Msg::RequestProgress {
            request: cr.clone(),
            now: at(INSIDE),
        })
        .is_empty()
    );
    // approved: provisioning, tracked as a direct change, audited under the change's key
    cr.status = crate::api::ChangeRequestStatus::Approved;
    cr.decided_by = Some(crate::api::Actor {
        username: "bob".into(),
        display_name: "Bob".into(),
    });
    cr.decided_at = Some(at(INSIDE));
    cr.operation_id = Some("op-9".into());
    let fx = t.send(Msg::RequestProgress {
        request: cr,
        now: at(INSIDE),
    });
    assert!(fx.iter().any(
        |e| matches!(e, Effect::TrackOperation { operation_id, .. } if operation_id == "op-9")
    ));
    assert!(matches!(
        &t.wizard().step,
        WizardStep::Tracking { operation_id, .. } if operation_id == "op-9"
    ));
    assert_eq!(t.m.awaiting_requests(), 0);
    let fx = t.send(Msg::OperationFinished {
        operation_id: "op-9".into(),
        result: Ok(op("op-9", OperationStatus::Succeeded, 16)),
        now: at(INSIDE),
    });
    let audit = fx.iter().find_map(|e| match e {
        Effect::AppendAudit(a) => Some(a),
        _ => None,
    });
    assert_eq!(audit.map(|a| a.status), Some(AuditStatus::Succeeded));
    assert_eq!(audit.map(|a| a.idempotency_key.clone()), Some(key));
}

#[test]
fn a_rejected_request_says_why_and_leaving_keeps_following_it() {
    let sub = dto("s1", 10, 1, INSIDE);
    let mut t = T::signed_in_with(INSIDE, vec![sub.clone()], me_second_person());
    t.open(sub);
    t.ch('c');
    requested(&mut t);
    // leave the wizard: the request is still followed (status bar)
    t.code(KeyCode::Esc);
    assert_eq!(t.m.context(), Context::Detail);
    assert_eq!(t.m.awaiting_requests(), 1);
    assert!(t.m.animating());
    let mut cr = change_request(crate::api::ChangeRequestStatus::Rejected);
    cr.reason = Some("no budget".into());
    let fx = t.send(Msg::RequestProgress {
        request: cr,
        now: at(INSIDE),
    });
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::LoadSubscription { .. }))
    );
    assert_eq!(t.m.awaiting_requests(), 0);
    assert!(t.m.toasts.iter().any(|m| matches!(
        &m.message,
        ToastMsg::RequestClosed { status: crate::api::ChangeRequestStatus::Rejected, reason: Some(r), .. } if r == "no budget"
    )));
    assert_eq!(
        t.m.request_tracker("cr-1").map(|r| r.request.status),
        Some(crate::api::ChangeRequestStatus::Rejected)
    );
}

#[test]
fn an_attest_tenant_still_asks_for_the_attestation() {
    let sub = dto("s1", 10, 1, INSIDE);
    let mut t = in_wizard(INSIDE, sub);
    t.code(KeyCode::Enter);
    t.typed("16");
    t.code(KeyCode::Enter);
    let r = t.review();
    assert!(!r.second_person);
    assert!(!r.can_confirm());
    assert!(r.focus_order().contains(&ReviewFocus::Approval));
}

#[test]
fn an_approver_ticks_each_warning_computed_now_before_approving() {
    let sub = dto("s1", 10, 1, INSIDE);
    let mut t = T::signed_in_with(INSIDE, vec![sub.clone()], me_second_person());
    assert_eq!(t.m.context(), Context::ServicesApprovals);
    let fx = t.ch('a');
    let id = fx
        .iter()
        .find_map(|e| match e {
            Effect::LoadApprovals { id } => Some(*id),
            _ => None,
        })
        .expect("the list is loaded");
    // bob asks to go from 10 to 4: a large reduction, computed again now
    let mut cr = change_request(crate::api::ChangeRequestStatus::AwaitingApproval);
    cr.quantity = 4;
    cr.requested_by.username = "bob".into();
    t.send(Msg::ApprovalsLoaded {
        id,
        result: Ok(vec![cr]),
    });
    assert_eq!(t.m.awaiting_requests(), 1);
    let fx = t.code(KeyCode::Enter);
    let id = fx
        .iter()
        .find_map(|e| match e {
            Effect::LoadSubscription { id, .. } => Some(*id),
            _ => None,
        })
        .expect("the subscription as it is now");
    t.send(Msg::SubscriptionLoaded {
        id,
        subscription_id: "s1".into(),
        result: Ok(sub),
    });
    assert_eq!(t.m.context(), Context::ApprovalReview);
    let review = |m: &Model| match m.screen() {
        Screen::Approvals(a) => a.review.as_ref().map(|r| (r.acks.clone(), r.can_approve())),
        _ => None,
    };
    let (acks, ready) = review(&t.m).unwrap();
    assert!(!acks.is_empty(), "the reduction warns");
    assert!(!ready);
    assert!(t.ch('y').is_empty(), "not approvable before every tick");
    for _ in 0..acks.len() {
        t.ch(' ');
        t.code(KeyCode::Tab);
    }
    assert_eq!(review(&t.m).map(|r| r.1), Some(true));
    let fx = t.ch('y');
    let Some(Effect::DecideRequest {
        decision, audit, ..
    }) = fx.first()
    else {
        panic!("{fx:?}")
    };
    assert_eq!(*decision, Decision::Approve);
    assert_eq!(audit.status, AuditStatus::Approved);
    assert_eq!(audit.change_request_id.as_deref(), Some("cr-1"));
}
