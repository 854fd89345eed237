//! Snapshot tests of every screen on ratatui's `TestBackend`, at 80x24 and
//! 120x40, in both languages for some, in ASCII / NO_COLOR mode for some.
//!
//! Models are built only the way the app builds them: `Model::new`, then
//! `update` with keys and with the answer messages carrying the request ids
//! that `update` itself returned in its effects. The clock is pinned, so
//! nothing on screen moves; ids that would differ per run are filtered.

use chrono::{DateTime, NaiveDate, Utc};
use licencias::api::{
    Actor, ApprovalMode, ChangeRequestDto, ChangeRequestStatus, EffectiveDto, HistoryEvent,
    HistoryKind, MeResponse, OperationDto, Role, ScheduledChangeDto, ServiceDto, SubscriptionDto,
    TenantInfo, UserInfo,
};
use licencias::app::{
    ChangeOutcome, DemoInfo, Effect, EnrolAnswer, Key, KeyCode, LoginAnswer, Model, ModelInit, Msg,
    Prefs, RequestId, SessionInfo, StoreKind, update,
};
use licencias::domain::{
    Billing, OperationStatus, PendingOperation, Policy, ScheduledChange, Status, Subscription, Term,
};
use licencias::i18n::Lang;
use licencias::portal::PortalError;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const URI: &str =
    "otpauth://totp/licencias:demo?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=licencias";
const PORTAL: &str = "http://127.0.0.1:7878";

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}
fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// 27 Nov 2026, 10:00 in Bogota.
const NOW: &str = "2026-11-27T15:00:00Z";

/// Drives the model through `update` only.
struct Driver {
    model: Model,
    effects: Vec<Effect>,
}

impl Driver {
    fn new(lang: Lang, ascii: bool, color: bool, demo: bool) -> Self {
        let model = Model::new(ModelInit {
            portal_url: PORTAL.to_string(),
            demo: demo.then_some(DemoInfo {
                username: licencias::server::DEMO_USERNAME.into(),
                password: licencias::server::DEMO_PASSWORD.into(),
                signed_in: false,
            }),
            username: None,
            prefs: Prefs { lang, ascii, color },
            now: at(NOW),
            key_nonce: 7,
        });
        let mut d = Self {
            model,
            effects: Vec::new(),
        };
        d.send(Msg::Started { now: at(NOW) });
        d.send(Msg::SecretStore {
            kind: StoreKind::Memory,
        });
        let id = d.find(|e| match e {
            Effect::LoadPolicy { id } => Some(*id),
            _ => None,
        });
        d.send(Msg::PolicyLoaded {
            id,
            result: Ok(Policy::default()),
        });
        d
    }

    fn send(&mut self, msg: Msg) {
        let fx = update(&mut self.model, msg);
        self.effects.extend(fx);
    }

    /// The id of the latest effect matching `f`.
    fn find(&self, f: impl Fn(&Effect) -> Option<RequestId>) -> RequestId {
        self.effects
            .iter()
            .rev()
            .find_map(f)
            .expect("the expected effect was not returned")
    }

    fn key(&mut self, key: Key) {
        self.send(Msg::Key { key, now: at(NOW) });
    }
    fn code(&mut self, code: KeyCode) {
        self.key(Key::plain(code));
    }
    fn typed(&mut self, s: &str) {
        for c in s.chars() {
            self.key(Key::ch(c));
        }
    }
    fn resize(&mut self, w: u16, h: u16) {
        self.send(Msg::Resize {
            width: w,
            height: h,
        });
    }

    /// Username + password typed and sent.
    fn password(&mut self) -> RequestId {
        self.typed("demo");
        self.code(KeyCode::Tab);
        self.typed("licencias-demo");
        self.code(KeyCode::Enter);
        self.find(|e| match e {
            Effect::Login { id, .. } => Some(*id),
            _ => None,
        })
    }

    fn goto_enrol(&mut self) {
        let id = self.password();
        self.send(Msg::LoginAnswered {
            id,
            result: Ok(LoginAnswer {
                mfa_token: "mfa-token".to_string().into(),
                step: licencias::api::MfaStep::Enroll,
                expires_in: 300,
            }),
        });
        let id = self.find(|e| match e {
            Effect::Enroll { id, .. } => Some(*id),
            _ => None,
        });
        self.send(Msg::Enrolled {
            id,
            result: Ok(EnrolAnswer {
                otpauth_uri: URI.to_string(),
                secret: SECRET.to_string(),
            }),
        });
    }

    fn goto_verify(&mut self) {
        let id = self.password();
        self.send(Msg::LoginAnswered {
            id,
            result: Ok(LoginAnswer {
                mfa_token: "mfa-token".to_string().into(),
                step: licencias::api::MfaStep::Verify,
                expires_in: 300,
            }),
        });
    }

    /// The demo user, as the portal names them.
    fn demo_user() -> UserInfo {
        UserInfo {
            username: "demo".into(),
            display_name: "Demo Admin".into(),
            tenant: "contoso".into(),
        }
    }

    /// Sign in as `user` with a code; returns the services load the app
    /// then asks for (not answered yet).
    fn verified_as(&mut self, user: UserInfo) -> RequestId {
        self.goto_verify();
        self.typed("123456");
        self.code(KeyCode::Enter);
        let id = self.find(|e| match e {
            Effect::Verify { id, .. } => Some(*id),
            _ => None,
        });
        self.send(Msg::Verified {
            id,
            result: Ok(SessionInfo {
                user,
                access_expires_at: at("2026-11-27T15:15:00Z"),
                refresh_expires_at: at("2026-11-28T03:00:00Z"),
            }),
        });
        self.find(|e| match e {
            Effect::LoadServices { id } => Some(*id),
            _ => None,
        })
    }

    fn signed_in(&mut self) {
        let id = self.verified_as(Self::demo_user());
        self.send(Msg::ServicesLoaded {
            id,
            result: Ok(services()),
        });
    }

    /// Open the subscription `sub_id` from the list (moving the selection
    /// with `j`), and answer its load.
    fn open(&mut self, sub_id: &str) {
        for _ in 0..50 {
            let sel = self.model.services.selected_row().map(|r| r.sub.id.clone());
            if sel.as_deref() == Some(sub_id) {
                break;
            }
            self.key(Key::ch('j'));
        }
        self.code(KeyCode::Enter);
        let id = self.find(|e| match e {
            Effect::LoadSubscription { id, .. } => Some(*id),
            _ => None,
        });
        self.send(Msg::SubscriptionLoaded {
            id,
            subscription_id: sub_id.to_string(),
            result: Ok(detail(sub_id)),
        });
    }

    /// Answer `GET /me`: the demo user in a tenant of `approval` mode.
    fn me(&mut self, approval: ApprovalMode) {
        let id = self.find(|e| match e {
            Effect::LoadMe { id } => Some(*id),
            _ => None,
        });
        self.send(Msg::MeLoaded {
            id,
            result: Ok(MeResponse {
                username: "demo".into(),
                display_name: "Demo Admin".into(),
                roles: Role::ALL.to_vec(),
                tenant: TenantInfo {
                    id: "contoso".into(),
                    name: "Contoso".into(),
                    approval,
                },
            }),
        });
    }

    /// Answer the latest history load of `sub_id` with `events`.
    fn answer_history(&mut self, sub_id: &str, events: Vec<HistoryEvent>) {
        let id = self.find(|e| match e {
            Effect::LoadHistory {
                id,
                subscription_id,
                ..
            } if subscription_id == sub_id => Some(*id),
            _ => None,
        });
        self.send(Msg::HistoryLoaded {
            id,
            subscription_id: sub_id.to_string(),
            result: Ok(events),
        });
    }

    fn draw(&self, w: u16, h: u16) -> String {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        terminal
            .draw(|f| licencias::ui::render(&self.model, f))
            .unwrap();
        filter(&terminal.backend().to_string())
    }

    /// Draw at a size (after telling the model about it, as the runner does).
    fn snap(&mut self, w: u16, h: u16) -> String {
        self.resize(w, h);
        self.draw(w, h)
    }
}

/// Remove what changes from run to run (nothing with the pinned clock but
/// idempotency keys and operation ids, which never reach the screen anyway).
fn filter(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_inclusive(' ') {
        if word.starts_with("op-") {
            out.push_str("op-[id] ");
        } else {
            out.push_str(word);
        }
    }
    out
}

fn policy() -> Policy {
    Policy::default()
}

fn domain_subs() -> Vec<(&'static str, &'static str, Subscription)> {
    let base = Subscription {
        id: String::new(),
        name: String::new(),
        quantity: 10,
        min: 1,
        max: 300,
        term: Term::P1M,
        billing: Billing::Monthly,
        term_start: d("2026-11-20"),
        anchor_day: 20,
        renewal_date: d("2026-12-20"),
        auto_renew: true,
        status: Status::Active,
        assigned: Some(9),
        scheduled_change: None,
        pending_operation: None,
    };
    vec![
        (
            "m365",
            "Microsoft 365",
            Subscription {
                id: "sub-bs".into(),
                name: "Microsoft 365 Business Standard".into(),
                ..base.clone()
            },
        ),
        (
            "m365",
            "Microsoft 365",
            Subscription {
                id: "sub-bb".into(),
                name: "Microsoft 365 Business Basic".into(),
                quantity: 25,
                term_start: d("2026-11-24"),
                anchor_day: 24,
                renewal_date: d("2026-12-24"),
                assigned: Some(20),
                ..base.clone()
            },
        ),
        (
            "m365",
            "Microsoft 365",
            Subscription {
                id: "sub-e3".into(),
                name: "Office 365 E3".into(),
                quantity: 50,
                term: Term::P1Y,
                billing: Billing::Annual,
                term_start: d("2026-03-01"),
                anchor_day: 1,
                renewal_date: d("2027-03-01"),
                assigned: None,
                scheduled_change: Some(ScheduledChange {
                    quantity: 40,
                    effective_date: d("2027-03-01"),
                }),
                ..base.clone()
            },
        ),
        (
            "d365",
            "Dynamics 365",
            Subscription {
                id: "sub-sales".into(),
                name: "Dynamics 365 Sales Professional".into(),
                quantity: 5,
                term_start: d("2026-11-26"),
                anchor_day: 26,
                renewal_date: d("2026-12-26"),
                assigned: Some(5),
                pending_operation: Some(PendingOperation {
                    id: "op-77".into(),
                    target_quantity: 7,
                    submitted_at: at("2026-11-27T14:58:30Z"),
                    status: OperationStatus::Pending,
                }),
                ..base.clone()
            },
        ),
        (
            "m365",
            "Microsoft 365",
            Subscription {
                id: "sub-f3".into(),
                name: "Microsoft 365 F3".into(),
                quantity: 100,
                term_start: d("2026-11-25"),
                anchor_day: 25,
                renewal_date: d("2026-12-25"),
                assigned: Some(90),
                scheduled_change: Some(ScheduledChange {
                    quantity: 80,
                    effective_date: d("2026-12-25"),
                }),
                ..base.clone()
            },
        ),
        (
            "d365",
            "Dynamics 365",
            Subscription {
                id: "sub-cs".into(),
                name: "Dynamics 365 Customer Service".into(),
                quantity: 3,
                auto_renew: false,
                term_start: d("2026-11-02"),
                anchor_day: 2,
                renewal_date: d("2026-12-02"),
                assigned: None,
                ..base
            },
        ),
    ]
}

fn detail(id: &str) -> SubscriptionDto {
    let today = policy().today(at(NOW));
    domain_subs()
        .into_iter()
        .find(|(_, _, s)| s.id == id)
        .map(|(svc, _, s)| SubscriptionDto::from_domain(&s, svc, 3, &policy(), today))
        .unwrap()
}

fn services() -> Vec<ServiceDto> {
    let mut out: Vec<ServiceDto> = Vec::new();
    for (svc, svc_name, s) in domain_subs() {
        let row = detail(&s.id).summary();
        match out.iter_mut().find(|x| x.id == svc) {
            Some(x) => x.subscriptions.push(row),
            None => out.push(ServiceDto {
                id: svc.to_string(),
                name: svc_name.to_string(),
                subscriptions: vec![row],
            }),
        }
    }
    out
}

fn snapshots() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("../src/ui/snapshots");
    s.set_prepend_module_to_snapshot(false);
    s
}

macro_rules! snap {
    ($name:expr, $value:expr) => {
        snapshots().bind(|| insta::assert_snapshot!($name, $value))
    };
}

// ------------------------------------------------------------------ login

#[test]
fn login_demo_both_sizes_both_languages() {
    for (lang, tag) in [(Lang::En, "en"), (Lang::Es, "es")] {
        let mut d = Driver::new(lang, false, true, true);
        let s = d.snap(80, 24);
        assert!(s.contains("demo") && s.contains("licencias-demo"), "{s}");
        snap!(format!("login_demo_{tag}_80x24"), s);
        snap!(format!("login_demo_{tag}_120x40"), d.snap(120, 40));
    }
}

#[test]
fn login_wrong_password_and_lockout() {
    let mut d = Driver::new(Lang::En, false, true, false);
    let id = d.password();
    d.send(Msg::LoginAnswered {
        id,
        result: Err(licencias::app::Failure::Portal(
            PortalError::InvalidCredentials,
        )),
    });
    snap!("login_wrong_password_en_80x24", d.snap(80, 24));
    // The password field has the focus again, empty.
    d.typed("x");
    d.code(KeyCode::Enter);
    let id = d.find(|e| match e {
        Effect::Login { id, .. } => Some(*id),
        _ => None,
    });
    d.send(Msg::LoginAnswered {
        id,
        result: Err(licencias::app::Failure::Portal(PortalError::Locked {
            retry_after_secs: 250,
        })),
    });
    let s = d.snap(80, 24);
    assert!(s.contains("4 min 10 s"), "{s}");
    snap!("login_locked_en_80x24", s);
}

#[test]
fn login_password_is_masked() {
    let mut d = Driver::new(Lang::En, false, true, false);
    d.typed("demo");
    d.code(KeyCode::Tab);
    d.typed("hunter2");
    let s = d.draw(80, 24);
    assert!(!s.contains("hunter2"), "{s}");
    assert!(s.contains("•••••••"), "{s}");
}

// ------------------------------------------------------------------ MFA

#[test]
fn mfa_enrol_qr_beside_text() {
    let mut d = Driver::new(Lang::En, false, true, true);
    d.goto_enrol();
    let s = d.snap(80, 24);
    assert!(s.contains("GEZD GNBV GY3T QOJQ"), "{s}");
    assert!(s.contains('▀') || s.contains('▄'), "{s}");
    snap!("mfa_enrol_en_80x24", s);
    snap!("mfa_enrol_en_120x40", d.snap(120, 40));
    let mut d = Driver::new(Lang::Es, false, true, true);
    d.goto_enrol();
    snap!("mfa_enrol_es_80x24", d.snap(80, 24));
}

#[test]
fn mfa_enrol_code_checked_locally_first() {
    let mut d = Driver::new(Lang::En, false, true, true);
    d.goto_enrol();
    // Not the current code of this secret (the demo hint shows it): refused
    // here, with the clock hint, and nothing is sent.
    let hint = d.model.demo_code_hint().unwrap().0;
    let wrong = if hint == "000000" { "111111" } else { "000000" };
    d.typed(wrong);
    d.code(KeyCode::Enter);
    assert!(
        !d.effects.iter().any(|e| matches!(e, Effect::Verify { .. })),
        "a code that does not match must not be sent"
    );
    let s = d.snap(80, 24);
    assert!(s.contains("clock"), "{s}");
    snap!("mfa_enrol_clock_off_en_80x24", s);
}

#[test]
fn mfa_enrol_too_small_and_ascii_fall_back_to_the_secret_and_uri() {
    let mut d = Driver::new(Lang::En, false, true, true);
    d.goto_enrol();
    let s = d.snap(70, 20);
    assert!(s.contains("too small"), "{s}");
    assert!(!s.contains('▀'), "{s}");
    snap!("mfa_enrol_too_small_en_70x20", s);
    let mut d = Driver::new(Lang::En, true, false, true);
    d.goto_enrol();
    let s = d.snap(80, 24);
    assert!(s.contains("otpauth://totp/"), "{s}");
    assert!(
        s.is_ascii() || !s.contains(['▀', '▄', '█', '╭', '─', '│']),
        "{s}"
    );
    snap!("mfa_enrol_ascii_en_80x24", s);
}

#[test]
fn mfa_verify_screen() {
    let mut d = Driver::new(Lang::En, false, true, false);
    d.goto_verify();
    snap!("mfa_verify_en_80x24", d.snap(80, 24));
    snap!("mfa_verify_en_120x40", d.snap(120, 40));
    d.typed("111111");
    d.code(KeyCode::Enter);
    let id = d.find(|e| match e {
        Effect::Verify { id, .. } => Some(*id),
        _ => None,
    });
    d.send(Msg::Verified {
        id,
        result: Err(licencias::app::Failure::Portal(
            PortalError::InvalidMfaCode {
                attempts_left: Some(2),
            },
        )),
    });
    let s = d.snap(120, 40);
    assert!(s.contains("2 attempts left"), "{s}");
    snap!("mfa_verify_wrong_en_120x40", s);
    let mut d = Driver::new(Lang::Es, false, true, false);
    d.goto_verify();
    d.typed("222222");
    d.code(KeyCode::Enter);
    let id = d.find(|e| match e {
        Effect::Verify { id, .. } => Some(*id),
        _ => None,
    });
    d.send(Msg::Verified {
        id,
        result: Err(licencias::app::Failure::Portal(PortalError::MfaCodeReused)),
    });
    snap!("mfa_verify_reused_es_80x24", d.snap(80, 24));
}

// ------------------------------------------------------------------ services

#[test]
fn services_table() {
    for (lang, tag) in [(Lang::En, "en"), (Lang::Es, "es")] {
        let mut d = Driver::new(lang, false, true, false);
        d.signed_in();
        let s = d.snap(80, 24);
        assert!(s.contains("5 "), "{s}");
        snap!(format!("services_{tag}_80x24"), s);
        snap!(format!("services_{tag}_120x40"), d.snap(120, 40));
    }
}

#[test]
fn services_ascii_no_color_filter_and_sort() {
    let mut d = Driver::new(Lang::En, true, false, false);
    d.signed_in();
    d.key(Key::ch('s'));
    d.key(Key::ch('s'));
    let s = d.snap(80, 24);
    assert!(s.is_ascii(), "{s}");
    snap!("services_ascii_sorted_by_window_en_80x24", s);
    d.key(Key::ch('/'));
    d.typed("dyn");
    snap!("services_filter_en_120x40", d.snap(120, 40));
}

#[test]
fn services_help_overlay() {
    let mut d = Driver::new(Lang::Es, false, true, false);
    d.signed_in();
    d.key(Key::ch('?'));
    snap!("services_help_es_80x24", d.snap(80, 24));
    snap!("services_help_es_120x40", d.snap(120, 40));
}

// ------------------------------------------------------------------ detail

#[test]
fn detail_screen() {
    let mut d = Driver::new(Lang::En, false, true, false);
    d.signed_in();
    d.open("sub-e3");
    let s = d.snap(80, 24);
    assert!(s.contains("Manage subscription"), "{s}");
    snap!("detail_scheduled_en_80x24", s);
    snap!("detail_scheduled_en_120x40", d.snap(120, 40));
    d.key(Key::ch('x'));
    snap!("detail_confirm_cancel_en_80x24", d.snap(80, 24));
    let mut d = Driver::new(Lang::Es, false, true, false);
    d.signed_in();
    d.open("sub-sales");
    snap!("detail_pending_es_120x40", d.snap(120, 40));
}

// ------------------------------------------------------------------ history

fn actor(username: &str, display_name: &str) -> Option<Actor> {
    Some(Actor {
        username: username.into(),
        display_name: display_name.into(),
    })
}

/// A story of two requests, newest first: one approved and provisioned,
/// one rejected with its reason, and a change at renewal before them.
fn story() -> Vec<HistoryEvent> {
    let admin = || actor("fabrikam-admin", "Fabrikam Admin");
    let approver = || actor("fabrikam-approver", "Fabrikam Approver");
    let ev = |at_: &str, kind, who: Option<Actor>, from: u32, to: u32| {
        let mut e = HistoryEvent::new(at(at_), kind, who);
        e.from = Some(from);
        e.to = Some(to);
        e
    };
    let mut out = Vec::new();
    out.push(ev(
        "2026-11-27T14:31:00Z",
        HistoryKind::OperationSucceeded,
        None,
        8,
        12,
    ));
    let mut e = ev(
        "2026-11-27T14:30:00Z",
        HistoryKind::OperationAccepted,
        None,
        8,
        12,
    );
    e.operation_id = Some("op-41".into());
    out.push(e);
    let mut e = ev(
        "2026-11-27T14:30:00Z",
        HistoryKind::ChangeApproved,
        approver(),
        8,
        12,
    );
    e.effective = Some(EffectiveDto::Now);
    e.approval_reference = Some("CAB-7".into());
    e.change_request_id = Some("cr-2".into());
    out.push(e);
    let mut e = ev(
        "2026-11-27T13:05:00Z",
        HistoryKind::ChangeRequested,
        admin(),
        8,
        12,
    );
    e.effective = Some(EffectiveDto::Now);
    e.approval_reference = Some("CAB-7".into());
    e.change_request_id = Some("cr-2".into());
    out.push(e);
    let mut e = ev(
        "2026-11-26T16:00:00Z",
        HistoryKind::ChangeRejected,
        approver(),
        8,
        40,
    );
    e.change_request_id = Some("cr-1".into());
    e.reason = Some("Not in this quarter's budget; ask again in January.".into());
    out.push(e);
    let mut e = ev(
        "2026-11-26T15:10:00Z",
        HistoryKind::ChangeRequested,
        admin(),
        8,
        40,
    );
    e.effective = Some(EffectiveDto::Now);
    e.change_request_id = Some("cr-1".into());
    out.push(e);
    let mut e = ev(
        "2026-11-21T15:00:00Z",
        HistoryKind::ChangeScheduled,
        actor("demo", "Demo Admin"),
        8,
        6,
    );
    e.effective = Some(EffectiveDto::Renewal);
    e.effective_date = Some(d("2026-12-20"));
    out.push(e);
    out.push(ev("2026-11-20T15:00:00Z", HistoryKind::Renewed, None, 8, 8));
    out
}

#[test]
fn history_in_the_detail_and_on_its_own_screen() {
    for (lang, tag) in [(Lang::En, "en"), (Lang::Es, "es")] {
        let mut d = Driver::new(lang, false, true, false);
        d.signed_in();
        d.open("sub-bs");
        d.answer_history("sub-bs", story()[..5].to_vec());
        // at 80x24 the last events fit under the fields, never over them
        let s = d.snap(80, 24);
        assert!(s.contains("sub-bs") && s.contains("12"), "{s}");
        snap!(format!("detail_history_{tag}_80x24"), s);
        let s = d.snap(120, 40);
        assert!(s.contains("Fabrikam Admin: "), "all five at 120x40: {s}");
        snap!(format!("detail_history_{tag}_120x40"), s);
        d.key(Key::ch('h'));
        // the five events already read show while the rest loads
        let s = d.snap(80, 24);
        assert!(s.contains("Fabrikam Admin: "), "{s}");
        assert!(!s.contains("Demo Admin"), "{s}");
        d.answer_history("sub-bs", story());
        let s = d.snap(80, 24);
        assert!(s.contains("CAB-7") && s.contains("cr-1"), "{s}");
        snap!(format!("history_{tag}_80x24"), s);
        snap!(format!("history_{tag}_120x40"), d.snap(120, 40));
        d.key(Key::ch('?'));
        snap!(format!("history_help_{tag}_80x24"), d.snap(80, 24));
    }
    // scrolled to the oldest events
    let mut d = Driver::new(Lang::En, false, true, false);
    d.signed_in();
    d.open("sub-bs");
    d.key(Key::ch('h'));
    d.answer_history("sub-bs", story());
    // a short terminal: five events a page, the last page from the fourth
    d.resize(80, 16);
    d.code(KeyCode::End);
    let s = d.draw(80, 16);
    assert!(!s.contains("provisioned") && s.contains("renewed"), "{s}");
    snap!("history_scrolled_en_80x16", s);
    d.key(Key::ch('k'));
    assert!(d.draw(80, 16).contains("approved 8 -> 12"));
    // nothing yet
    let mut d = Driver::new(Lang::Es, false, true, false);
    d.signed_in();
    d.open("sub-bs");
    d.key(Key::ch('h'));
    d.answer_history("sub-bs", Vec::new());
    let s = d.snap(80, 24);
    assert!(s.contains("Todavía no hay cambios registrados."), "{s}");
}

// ------------------------------------------------------------------ wizard

#[test]
fn wizard_when_step_notes_increases_only_while_closed() {
    let mut d = Driver::new(Lang::En, false, true, false);
    d.signed_in();
    d.open("sub-bs");
    d.key(Key::ch('c'));
    let s = d.snap(80, 24);
    assert!(s.contains("increases only until Dec 20, 2026"), "{s}");
    snap!("wizard_when_en_80x24", s);
    snap!("wizard_when_en_120x40", d.snap(120, 40));
    let mut d = Driver::new(Lang::Es, false, true, false);
    d.signed_in();
    d.open("sub-bs");
    d.key(Key::ch('c'));
    snap!("wizard_when_es_80x24", d.snap(80, 24));
}

#[test]
fn wizard_total_live_preview_and_refusals() {
    let mut d = Driver::new(Lang::En, false, true, false);
    d.signed_in();
    d.open("sub-bs");
    d.key(Key::ch('c'));
    d.code(KeyCode::Enter);
    d.typed("12");
    let s = d.snap(80, 24);
    assert!(s.contains("10 -> 12 (+2)"), "{s}");
    snap!("wizard_total_preview_en_80x24", s);
    for _ in 0..2 {
        d.code(KeyCode::Backspace);
    }
    d.typed("+2");
    let s = d.snap(80, 24);
    assert!(s.contains("type 12"), "{s}");
    snap!("wizard_total_delta_en_80x24", s);
    for _ in 0..2 {
        d.code(KeyCode::Backspace);
    }
    d.typed("8");
    let s = d.snap(120, 40);
    assert!(s.contains("schedule it for Dec 20, 2026"), "{s}");
    snap!("wizard_total_decrease_refused_en_120x40", s);
}

/// The request the portal answers for 25 -> 30 on `sub-bb`.
fn request_for_bb(status: ChangeRequestStatus) -> ChangeRequestDto {
    ChangeRequestDto {
        id: "cr-7".into(),
        subscription_id: "sub-bb".into(),
        subscription_name: "Microsoft 365 Business Basic".into(),
        from: 25,
        quantity: 30,
        effective: EffectiveDto::Now,
        effective_date: d("2026-11-27"),
        approval_reference: Some("CAB-7".into()),
        warnings: Vec::new(),
        requested_by: Actor {
            username: "demo".into(),
            display_name: "Demo Admin".into(),
        },
        requested_at: at(NOW),
        expires_at: at("2026-11-30T15:00:00Z"),
        status,
        decided_by: None,
        decided_at: None,
        reason: None,
        operation_id: None,
    }
}

#[test]
fn second_person_review_send_for_approval_and_the_request_tracker() {
    for (lang, tag) in [(Lang::En, "en"), (Lang::Es, "es")] {
        let mut d = Driver::new(lang, false, true, false);
        d.signed_in();
        d.me(ApprovalMode::SecondPerson);
        d.open("sub-bb");
        d.key(Key::ch('c'));
        d.code(KeyCode::Enter);
        d.typed("30");
        d.code(KeyCode::Enter);
        d.typed("CAB-7");
        let s = d.snap(80, 24);
        let (send, second) = match lang {
            Lang::En => ("Send for approval", "A second person must approve"),
            Lang::Es => ("Enviar para aprobación", "Otra persona debe aprobar"),
        };
        assert!(s.contains(send) && s.contains(second), "{s}");
        assert!(!s.contains("[ ]"), "no attestation box: {s}");
        snap!(format!("wizard_review_second_person_{tag}_80x24"), s);
        d.code(KeyCode::Enter);
        let id = d.find(|e| match e {
            Effect::SubmitChange { id, .. } => Some(*id),
            _ => None,
        });
        d.send(Msg::ChangeSubmitted {
            id,
            result: Ok(ChangeOutcome::AwaitingApproval(Box::new(request_for_bb(
                ChangeRequestStatus::AwaitingApproval,
            )))),
        });
        let s = d.snap(80, 24);
        assert!(s.contains("cr-7"), "{s}");
        snap!(format!("wizard_awaiting_{tag}_80x24"), s);
        snap!(format!("wizard_awaiting_{tag}_120x40"), d.snap(120, 40));
        let mut rejected = request_for_bb(ChangeRequestStatus::Rejected);
        rejected.decided_by = Some(Actor {
            username: "fabrikam-approver".into(),
            display_name: "Fabrikam Approver".into(),
        });
        rejected.reason = Some("Not this quarter".into());
        d.send(Msg::RequestProgress {
            request: rejected,
            now: at(NOW),
        });
        let s = d.snap(80, 24);
        assert!(
            s.contains("Not this quarter") && s.contains("Fabrikam Approver"),
            "{s}"
        );
        snap!(format!("wizard_rejected_{tag}_80x24"), s);
    }
}

impl Driver {
    /// Answer the latest load of the requests awaiting approval.
    fn answer_approvals(&mut self, list: Vec<ChangeRequestDto>) {
        let id = self.find(|e| match e {
            Effect::LoadApprovals { id } => Some(*id),
            _ => None,
        });
        self.send(Msg::ApprovalsLoaded {
            id,
            result: Ok(list),
        });
    }
}

/// Two requests awaiting approval: another user's (sub-bb, 25 -> 30) and
/// the demo user's own (sub-bs, 10 -> 4).
fn awaiting() -> Vec<ChangeRequestDto> {
    let mut other = request_for_bb(ChangeRequestStatus::AwaitingApproval);
    other.requested_by = Actor {
        username: "fabrikam-admin".into(),
        display_name: "Fabrikam Admin".into(),
    };
    other.requested_at = at("2026-11-27T12:30:00Z");
    let mut own = request_for_bb(ChangeRequestStatus::AwaitingApproval);
    own.id = "cr-8".into();
    own.subscription_id = "sub-bs".into();
    own.subscription_name = "Microsoft 365 Business Standard".into();
    own.from = 10;
    own.quantity = 4;
    own.approval_reference = None;
    own.requested_at = at("2026-11-27T14:00:00Z");
    vec![other, own]
}

#[test]
fn approvals_list_review_and_reject() {
    for (lang, tag) in [(Lang::En, "en"), (Lang::Es, "es")] {
        let mut d = Driver::new(lang, false, true, false);
        d.signed_in();
        d.me(ApprovalMode::SecondPerson);
        d.answer_approvals(awaiting());
        let s = d.snap(80, 24);
        let hint = match lang {
            Lang::En => "a approvals",
            Lang::Es => "a aprobaciones",
        };
        assert!(s.contains(hint), "the hint in a second_person tenant: {s}");
        assert!(s.contains("2"), "{s}");
        d.key(Key::ch('a'));
        d.answer_approvals(awaiting());
        let s = d.snap(80, 24);
        assert!(
            s.contains("Fabrikam Admin") && s.contains("25 -> 30"),
            "{s}"
        );
        snap!(format!("approvals_{tag}_80x24"), s);
        snap!(format!("approvals_{tag}_120x40"), d.snap(120, 40));
        // another user's request: the review against the subscription now
        d.code(KeyCode::Enter);
        let id = d.find(|e| match e {
            Effect::LoadSubscription { id, .. } => Some(*id),
            _ => None,
        });
        d.send(Msg::SubscriptionLoaded {
            id,
            subscription_id: "sub-bb".into(),
            result: Ok(detail("sub-bb")),
        });
        let s = d.snap(80, 24);
        assert!(s.contains("cr-7") && s.contains("CAB-7"), "{s}");
        snap!(format!("approval_review_{tag}_80x24"), s);
        snap!(format!("approval_review_{tag}_120x40"), d.snap(120, 40));
        d.key(Key::ch('n'));
        d.typed("Not this quarter");
        snap!(format!("approval_reject_{tag}_80x24"), d.snap(80, 24));
        // one's own request: the screen says why it cannot be approved
        d.code(KeyCode::Esc);
        d.code(KeyCode::Esc);
        d.key(Key::ch('j'));
        d.code(KeyCode::Enter);
        let id = d.find(|e| match e {
            Effect::LoadSubscription { id, .. } => Some(*id),
            _ => None,
        });
        d.send(Msg::SubscriptionLoaded {
            id,
            subscription_id: "sub-bs".into(),
            result: Ok(detail("sub-bs")),
        });
        let s = d.snap(80, 24);
        let why = match lang {
            Lang::En => "This is your own request",
            Lang::Es => "Es su propia solicitud",
        };
        assert!(s.contains(why), "{s}");
        snap!(format!("approval_own_{tag}_80x24"), s);
    }
}

#[test]
fn wizard_review_with_warnings_and_confirm() {
    let mut d = Driver::new(Lang::En, false, true, false);
    d.signed_in();
    d.open("sub-bb");
    d.key(Key::ch('c'));
    d.code(KeyCode::Enter);
    d.typed("2");
    d.code(KeyCode::Enter);
    let s = d.snap(80, 24);
    assert!(s.contains("You typed 2: that removes 23"), "{s}");
    snap!("wizard_review_en_80x24", s);
    snap!("wizard_review_en_120x40", d.snap(120, 40));
    let mut d = Driver::new(Lang::Es, false, true, false);
    d.signed_in();
    d.open("sub-bb");
    d.key(Key::ch('c'));
    d.code(KeyCode::Enter);
    d.typed("2");
    d.code(KeyCode::Enter);
    snap!("wizard_review_es_120x40", d.snap(120, 40));
}

#[test]
fn wizard_tracking_and_done() {
    let mut d = Driver::new(Lang::En, false, true, false);
    d.signed_in();
    d.open("sub-bs");
    d.key(Key::ch('c'));
    d.code(KeyCode::Enter);
    d.typed("12");
    d.code(KeyCode::Enter);
    // Tick approval, then Confirm.
    d.key(Key::ch(' '));
    d.code(KeyCode::Enter);
    let id = d.find(|e| match e {
        Effect::SubmitChange { id, .. } => Some(*id),
        _ => None,
    });
    snap!("wizard_submitting_en_80x24", d.snap(80, 24));
    snap!("wizard_submitting_en_120x40", d.snap(120, 40));
    let op = OperationDto {
        id: "op-1".into(),
        subscription_id: "sub-bs".into(),
        status: OperationStatus::Pending,
        target_quantity: 12,
        submitted_at: at("2026-11-27T14:58:00Z"),
        completed_at: None,
    };
    d.send(Msg::ChangeSubmitted {
        id,
        result: Ok(ChangeOutcome::Accepted(op.clone())),
    });
    let s = d.snap(80, 24);
    assert!(s.contains("2 min 00 s of up to 5 min 00 s"), "{s}");
    snap!("wizard_tracking_en_80x24", s);
    snap!("wizard_tracking_en_120x40", d.snap(120, 40));
    d.send(Msg::OperationFinished {
        operation_id: "op-1".into(),
        result: Ok(OperationDto {
            status: OperationStatus::Succeeded,
            completed_at: Some(at("2026-11-27T15:00:00Z")),
            ..op
        }),
        now: at(NOW),
    });
    snap!("wizard_done_en_80x24", d.snap(80, 24));
    snap!("wizard_done_en_120x40", d.snap(120, 40));
}

#[test]
fn wizard_scheduled_result() {
    let mut d = Driver::new(Lang::Es, false, true, false);
    d.signed_in();
    d.open("sub-bs");
    d.key(Key::ch('c'));
    d.code(KeyCode::Down);
    d.code(KeyCode::Enter);
    d.typed("8");
    d.code(KeyCode::Enter);
    // Acknowledge "below the assigned seats", tick approval, Confirm.
    d.key(Key::ch(' '));
    d.code(KeyCode::Tab);
    d.key(Key::ch(' '));
    d.code(KeyCode::Enter);
    let id = d.find(|e| match e {
        Effect::SubmitChange { id, .. } => Some(*id),
        _ => None,
    });
    d.send(Msg::ChangeSubmitted {
        id,
        result: Ok(ChangeOutcome::Scheduled(ScheduledChangeDto {
            quantity: 8,
            effective_date: "2026-12-20".parse().unwrap(),
        })),
    });
    snap!("wizard_scheduled_es_80x24", d.snap(80, 24));
    snap!("wizard_scheduled_es_120x40", d.snap(120, 40));
}

#[test]
fn tiny_terminal_asks_for_room() {
    let d = Driver::new(Lang::En, false, true, false);
    let s = d.draw(30, 8);
    assert!(s.contains("too small"), "{s}");
}

// ------------------------------------------------------------------ every size, NO_COLOR

/// One model per screen, in the given display mode.
fn every_screen(lang: Lang, ascii: bool, color: bool) -> Vec<(&'static str, Driver)> {
    let mut out = Vec::new();
    out.push(("login", Driver::new(lang, ascii, color, true)));
    let mut d = Driver::new(lang, ascii, color, true);
    d.goto_enrol();
    out.push(("enrol", d));
    let mut d = Driver::new(lang, ascii, color, false);
    d.goto_verify();
    out.push(("verify", d));
    let mut d = Driver::new(lang, ascii, color, false);
    d.signed_in();
    out.push(("services", d));
    let mut d = Driver::new(lang, ascii, color, false);
    d.signed_in();
    d.key(Key::ch('?'));
    out.push(("help", d));
    let mut d = Driver::new(lang, ascii, color, false);
    d.signed_in();
    d.open("sub-e3");
    out.push(("detail", d));
    let mut d = Driver::new(lang, ascii, color, false);
    d.signed_in();
    d.open("sub-bs");
    d.answer_history("sub-bs", story()[..5].to_vec());
    d.key(Key::ch('h'));
    d.answer_history("sub-bs", story());
    out.push(("history", d));
    let mut d = Driver::new(lang, ascii, color, false);
    d.signed_in();
    d.open("sub-bb");
    d.key(Key::ch('c'));
    out.push(("when", d));
    let mut d = Driver::new(lang, ascii, color, false);
    d.signed_in();
    d.open("sub-bb");
    d.key(Key::ch('c'));
    d.code(KeyCode::Enter);
    d.typed("2");
    out.push(("total", d));
    let mut d = Driver::new(lang, ascii, color, false);
    d.signed_in();
    d.open("sub-bb");
    d.key(Key::ch('c'));
    d.code(KeyCode::Enter);
    d.typed("2");
    d.code(KeyCode::Enter);
    out.push(("review", d));
    out
}

#[test]
fn every_screen_draws_at_every_size_without_panicking() {
    for (name, mut d) in every_screen(Lang::Es, false, true) {
        for w in (1..=140).step_by(9) {
            for h in (1..=50).step_by(5) {
                d.resize(w, h);
                let s = d.draw(w, h);
                assert_eq!(s.lines().count(), usize::from(h), "{name} at {w}x{h}");
            }
        }
    }
}

#[test]
fn no_color_means_no_colour_anywhere() {
    use ratatui::style::Color;
    for (name, mut d) in every_screen(Lang::En, false, false) {
        for (w, h) in [(80, 24), (120, 40)] {
            d.resize(w, h);
            let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
            terminal
                .draw(|f| licencias::ui::render(&d.model, f))
                .unwrap();
            let buf = terminal.backend().buffer();
            for cell in buf.content() {
                assert_eq!(
                    (cell.fg, cell.bg),
                    (Color::Reset, Color::Reset),
                    "{name} at {w}x{h}: {cell:?}"
                );
            }
        }
    }
}

#[test]
fn ascii_mode_has_no_box_drawing_or_half_blocks() {
    for (name, mut d) in every_screen(Lang::En, true, true) {
        for (w, h) in [(80, 24), (120, 40)] {
            let s = d.snap(w, h);
            for c in s.chars() {
                let box_or_block = ('\u{2500}'..='\u{259F}').contains(&c);
                assert!(!box_or_block, "{name} at {w}x{h}: {c:?}\n{s}");
            }
            // In English nothing else needs more than ASCII either.
            assert!(s.is_ascii(), "{name} at {w}x{h}\n{s}");
        }
    }
}

// ------------------------------------------------------------------ bytes per key

/// `n` subscriptions spread over services of 50 each, like `--scale`.
fn many_services(n: usize) -> Vec<ServiceDto> {
    let template = services();
    let rows: Vec<_> = template
        .iter()
        .flat_map(|s| s.subscriptions.iter().cloned())
        .collect();
    let mut out: Vec<ServiceDto> = Vec::new();
    for i in 0..n {
        let mut row = rows[i % rows.len()].clone();
        row.id = format!("sub-{i:05}");
        row.name = format!("{} #{i:05}", row.name);
        if i % 50 == 0 {
            out.push(ServiceDto {
                id: format!("svc-{}", i / 50),
                name: format!("Service {:03}", i / 50),
                subscriptions: Vec::new(),
            });
        }
        if let Some(last) = out.last_mut() {
            last.subscriptions.push(row);
        }
    }
    out
}

/// A writer whose bytes can be read while the backend owns it.
#[derive(Clone, Default)]
struct Shared(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl std::io::Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Bytes the app's terminal backend writes for the first frame of the
/// services screen (with `n` rows, the cursor on the third) and then for
/// one key.
fn frame_and_key_bytes(n: usize, key: Key) -> (usize, usize) {
    use licencias::tui::backend::TtyBackend;
    use ratatui::layout::{Rect, Size};
    use ratatui::{TerminalOptions, Viewport};
    let mut d = Driver::new(Lang::En, false, true, false);
    let id = d.verified_as(Driver::demo_user());
    d.send(Msg::ServicesLoaded {
        id,
        result: Ok(many_services(n)),
    });
    d.resize(120, 40);
    let out = Shared::default();
    let mut terminal = Terminal::with_options(
        TtyBackend::new(
            out.clone(),
            Size {
                width: 120,
                height: 40,
            },
        ),
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, 120, 40)),
        },
    )
    .unwrap();
    // Move off the first row so that `k` has somewhere to go.
    d.key(Key::ch('j'));
    d.key(Key::ch('j'));
    terminal
        .draw(|f| licencias::ui::render(&d.model, f))
        .unwrap();
    let first = out.0.borrow().len();
    out.0.borrow_mut().clear();
    d.key(key);
    terminal
        .draw(|f| licencias::ui::render(&d.model, f))
        .unwrap();
    let key_bytes = out.0.borrow().len();
    (first, key_bytes)
}

fn bytes_per_key(n: usize, key: Key) -> usize {
    frame_and_key_bytes(n, key).1
}

#[test]
fn the_first_frame_of_a_full_services_screen_fits_in_8_kib() {
    for n in [100, 10_000] {
        let (first, _) = frame_and_key_bytes(n, Key::ch('j'));
        assert!(first <= 8 * 1024, "{first} bytes with {n} rows");
    }
}

#[test]
fn a_navigation_key_writes_at_most_400_bytes_whatever_the_size_of_the_list() {
    for key in [Key::ch('j'), Key::ch('k')] {
        let small = bytes_per_key(100, key);
        let large = bytes_per_key(10_000, key);
        assert!(small <= 400, "{key}: {small} bytes with 100 rows");
        assert!(large <= 400, "{key}: {large} bytes with 10,000 rows");
    }
}

#[test]
fn names_from_the_portal_cannot_inject_terminal_sequences() {
    let mut d = Driver::new(Lang::En, false, true, false);
    let id = d.verified_as(UserInfo {
        username: "demo\u{1b}[2J".into(),
        display_name: "Demo".into(),
        tenant: "contoso\u{7}".into(),
    });
    let mut evil = services();
    evil[0].name = "\u{1b}]0;owned\u{7}Microsoft 365 名前のサービス".into();
    evil[0].subscriptions[0].name = format!("\u{1b}[31m{}\r\nx", "W".repeat(300));
    d.send(Msg::ServicesLoaded {
        id,
        result: Ok(evil),
    });
    for (w, h) in [(80, 24), (120, 40), (41, 11)] {
        let s = d.snap(w, h);
        assert!(!s.contains(['\u{1b}', '\u{7}', '\r']), "{s}");
        assert_eq!(s.lines().count(), usize::from(h));
    }
}

/// Review of `sub-bs` 10 -> 12 confirmed; returns the submit request id.
fn confirmed_increase(lang: Lang) -> (Driver, RequestId) {
    let mut d = Driver::new(lang, false, true, false);
    d.signed_in();
    d.open("sub-bs");
    d.key(Key::ch('c'));
    d.code(KeyCode::Enter);
    d.typed("12");
    d.code(KeyCode::Enter);
    d.key(Key::ch(' '));
    d.code(KeyCode::Tab);
    d.typed("CHG-1234");
    d.code(KeyCode::Enter);
    let id = d.find(|e| match e {
        Effect::SubmitChange { id, .. } => Some(*id),
        _ => None,
    });
    (d, id)
}

#[test]
fn wizard_errors_come_back_with_the_input_intact() {
    // 409: someone changed the subscription meanwhile.
    let (mut d, id) = confirmed_increase(Lang::En);
    let mut fresh = detail("sub-bs");
    fresh.quantity = 11;
    fresh.version = 4;
    d.send(Msg::ChangeSubmitted {
        id,
        result: Err(licencias::app::Failure::Portal(
            PortalError::VersionConflict(Box::new(fresh)),
        )),
    });
    let s = d.snap(80, 24);
    assert!(s.contains("changed meanwhile"), "{s}");
    assert!(s.contains("12"), "{s}");
    snap!("wizard_conflict_en_80x24", s);
    // Network failure: the same request can be confirmed again.
    let (mut d, id) = confirmed_increase(Lang::Es);
    d.send(Msg::ChangeSubmitted {
        id,
        result: Err(licencias::app::Failure::Portal(PortalError::Timeout)),
    });
    let s = d.snap(120, 40);
    assert!(s.contains("CHG-1234"), "{s}");
    snap!("wizard_network_error_es_120x40", s);
}

#[test]
fn wizard_failed_provisioning() {
    let (mut d, id) = confirmed_increase(Lang::En);
    let op = OperationDto {
        id: "op-9".into(),
        subscription_id: "sub-bs".into(),
        status: OperationStatus::Pending,
        target_quantity: 12,
        submitted_at: at("2026-11-27T14:59:00Z"),
        completed_at: None,
    };
    d.send(Msg::ChangeSubmitted {
        id,
        result: Ok(ChangeOutcome::Accepted(op.clone())),
    });
    d.send(Msg::OperationFinished {
        operation_id: "op-9".into(),
        result: Ok(OperationDto {
            status: OperationStatus::Failed,
            completed_at: Some(at(NOW)),
            ..op
        }),
        now: at(NOW),
    });
    let s = d.snap(80, 24);
    assert!(s.contains("failed"), "{s}");
    snap!("wizard_failed_en_80x24", s);
}

#[test]
fn waiting_states() {
    // Signing in.
    let mut d = Driver::new(Lang::En, false, true, false);
    d.password();
    let s = d.snap(80, 24);
    assert!(s.contains("Signing in"), "{s}");
    snap!("login_busy_en_80x24", s);
    // Services loading, then a filter that matches nothing.
    let mut d = Driver::new(Lang::Es, false, true, false);
    let _ = d.verified_as(Driver::demo_user());
    let s = d.snap(80, 24);
    assert!(s.contains("Cargando"), "{s}");
    assert!(
        !s.contains("suscripciones"),
        "the count marker shows only with the data: {s}"
    );
    snap!("services_loading_es_80x24", s);
}

#[test]
fn review_with_every_warning_keeps_confirm_on_screen_at_80x24() {
    let mut d = Driver::new(Lang::Es, false, true, false);
    d.signed_in();
    d.open("sub-f3");
    d.key(Key::ch('c'));
    d.code(KeyCode::Enter);
    d.typed("8");
    d.code(KeyCode::Enter);
    let s = d.snap(80, 24);
    assert!(s.contains("[ Confirmar ]"), "{s}");
    assert!(s.contains("Tengo la aprobación interna"), "{s}");
    snap!("wizard_review_three_warnings_es_80x24", s);
    // Tick everything: the focus moves down and stays visible.
    for _ in 0..3 {
        d.key(Key::ch(' '));
        d.code(KeyCode::Tab);
    }
    d.key(Key::ch(' '));
    let s = d.snap(80, 24);
    assert!(s.contains("[x] Tengo la aprobación interna"), "{s}");
    assert!(s.contains("[ Confirmar ]"), "{s}");
    // Even with an error banner on top, the buttons stay on screen.
    d.code(KeyCode::Enter);
    let id = d.find(|e| match e {
        Effect::SubmitChange { id, .. } => Some(*id),
        _ => None,
    });
    d.send(Msg::ChangeSubmitted {
        id,
        result: Err(licencias::app::Failure::Portal(PortalError::Network(
            "connection reset by peer".into(),
        ))),
    });
    let s = d.snap(80, 24);
    assert!(s.contains("[ Confirmar ]"), "{s}");
    assert!(s.contains("connection reset"), "{s}");
    snap!("wizard_review_error_es_80x24", s);
}

// ------------------------------------------------------------------ polish (issue 10)

/// The frame a bordered screen draws around the main area (all but the
/// hints row and the status bar) is whole: corners, sides, bottom edge.
fn assert_frame_whole(s: &str, what: &str) {
    let rows: Vec<Vec<char>> = s
        .lines()
        .map(|l| l.trim_matches('"').chars().collect())
        .collect();
    let main = &rows[..rows.len() - 2];
    let last = main.len() - 1;
    for (y, row) in main.iter().enumerate() {
        let (first, end) = (row[0], row[row.len() - 1]);
        let want = match y {
            0 => ('╭', '╮'),
            y if y == last => ('╰', '╯'),
            _ => ('│', '│'),
        };
        assert_eq!((first, end), want, "{what}, row {y}\n{s}");
    }
    assert!(
        main[last][1..main[last].len() - 1]
            .iter()
            .all(|&c| c == '─'),
        "{what}, bottom edge\n{s}"
    );
}

#[test]
fn a_toast_never_covers_the_frame_border() {
    for lang in [Lang::En, Lang::Es] {
        let (mut d, id) = confirmed_increase(lang);
        let op = OperationDto {
            id: "op-1".into(),
            subscription_id: "sub-bs".into(),
            status: OperationStatus::Succeeded,
            target_quantity: 12,
            submitted_at: at("2026-11-27T14:58:00Z"),
            completed_at: Some(at("2026-11-27T15:00:00Z")),
        };
        d.send(Msg::ChangeSubmitted {
            id,
            result: Ok(ChangeOutcome::Accepted(op.clone())),
        });
        d.send(Msg::OperationFinished {
            operation_id: "op-1".into(),
            result: Ok(op),
            now: at(NOW),
        });
        assert!(!d.model.toasts.is_empty(), "the change ends with a toast");
        for (w, h) in [(40, 10), (60, 16), (80, 24), (100, 32), (120, 40)] {
            let s = d.snap(w, h);
            assert!(s.contains("12"), "{lang:?} {w}x{h}: toast drawn\n{s}");
            assert_frame_whole(&s, &format!("wizard done {lang:?} {w}x{h}"));
        }
        // Back on the subscription (its own frame), the toast is still up.
        d.code(KeyCode::Esc);
        for (w, h) in [(40, 10), (80, 24), (120, 40)] {
            let s = d.snap(w, h);
            assert_frame_whole(&s, &format!("detail {lang:?} {w}x{h}"));
        }
    }
}

/// A listing like `licencias demo --scale 1000`: one plan name numbered
/// 1 to `n` (no zero padding), plus the demo tenant's own.
fn scaled(n: usize) -> Vec<ServiceDto> {
    let mut out = services();
    let template = out[0].subscriptions[0].clone();
    out.push(ServiceDto {
        id: "svc-scale".into(),
        name: "Generated".into(),
        subscriptions: (1..=n)
            .map(|i| {
                let mut row = template.clone();
                row.id = format!("gen-{i}");
                row.name = format!("Microsoft 365 Business Premium #{i}");
                row
            })
            .collect(),
    });
    out
}

#[test]
fn a_scaled_list_cuts_long_names_with_an_ellipsis_in_natural_order() {
    for (ascii, tag, ell) in [(false, "", "…"), (true, "_ascii", "...")] {
        let mut d = Driver::new(Lang::En, ascii, true, false);
        let id = d.verified_as(Driver::demo_user());
        d.send(Msg::ServicesLoaded {
            id,
            result: Ok(scaled(1000)),
        });
        // Down to #9, #10, #11 ... : the numbers in order, each name cut
        // with an ellipsis in the 80-column table, so #1, #10 and #100 no
        // longer look the same.
        for _ in 0..8 {
            d.key(Key::ch('j'));
        }
        let s = d.snap(80, 24);
        let premium: Vec<&str> = s
            .lines()
            .filter(|l| l.contains("Microsoft 365 Business"))
            .collect();
        assert!(
            premium.iter().all(|l| l.contains(ell)),
            "every generated name is cut\n{s}"
        );
        snap!(format!("services_scaled_cut{tag}_en_80x24"), s);
        // Wide enough, nothing is cut, and the numbers read in order.
        let s = d.snap(150, 40);
        assert!(!s.contains(ell), "{s}");
        let at = |n: &str| s.find(&format!("Premium #{n} ")).unwrap_or(usize::MAX);
        assert!(
            at("1") < at("2") && at("2") < at("9") && at("9") < at("10") && at("10") < at("11"),
            "#1, #2, #9, #10, #11 in that order\n{s}"
        );
        assert!(at("11") < usize::MAX, "{s}");
    }
}

#[test]
fn more_seats_assigned_than_licences_is_said_plainly() {
    for (lang, tag) in [(Lang::En, "en"), (Lang::Es, "es")] {
        let mut d = Driver::new(lang, false, true, false);
        d.signed_in();
        d.open("sub-bs");
        // After a decrease to 8, the portal still counts 9 seats assigned.
        d.key(Key::ch('r'));
        let id = d.find(|e| match e {
            Effect::LoadSubscription { id, .. } => Some(*id),
            _ => None,
        });
        let mut sub = detail("sub-bs");
        sub.quantity = 8;
        sub.assigned = Some(9);
        d.send(Msg::SubscriptionLoaded {
            id,
            subscription_id: "sub-bs".into(),
            result: Ok(sub),
        });
        let s = d.snap(80, 24);
        let want = match lang {
            Lang::En => "9 assigned, 1 more than the 8 licences",
            Lang::Es => "9 asignadas, 1 más que las 8 licencias",
        };
        assert!(s.contains(want), "{s}");
        snap!(format!("detail_over_assigned_{tag}_80x24"), s);
    }
}

#[test]
fn the_filter_hint_stops_before_the_count() {
    let mut d = Driver::new(Lang::Es, false, true, false);
    d.signed_in();
    d.key(Key::ch('/'));
    d.typed("micro");
    let s = d.snap(80, 24);
    let bar = s.lines().nth(1).unwrap_or_default();
    assert!(
        bar.ends_with("Esc … 4 de 6\""),
        "hint cut, a space, the count\n{s}"
    );
    snap!("services_filter_hint_cut_es_80x24", s);
}
