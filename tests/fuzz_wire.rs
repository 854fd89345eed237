//! Property-based fuzzing of everything that decodes untrusted input: the
//! quantity entry, every Portal API v1 wire type, and `plan()`.
//!
//! The case count is bounded for CI; run longer by hand with
//! `FUZZ_CASES=200000 cargo test --release --test fuzz_wire`.

use chrono::{DateTime, NaiveDate, Utc};
use licencias::api::{
    ApproveAnswer, ChangeAccepted, ChangeRequest, ChangeRequestAnswer, ChangeRequestsPage,
    ChangeScheduled, EnrollRequest, EnrollResponse, ErrorEnvelope, HistoryPage, LoginRequest,
    LoginResponse, MeResponse, OperationDto, PolicyResponse, RefreshRequest, RejectRequest,
    ServicesPage, SubscriptionDto, TokenResponse, VerifyRequest,
};
use licencias::domain::{
    Billing, Effective, Policy, Refusal, Status, Subscription, Term, advance_terms,
    decrease_window, parse_total, plan,
};
use proptest::prelude::*;
use serde_json::Value;

fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000)
}

/// Arbitrary JSON trees, biased towards the field names the API uses.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "\\PC{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("2026-11-20"),
            Just("2026-02-30"),
            Just("P1M"),
            Just("P1Y"),
            Just("now"),
            Just("renewal"),
            Just("active"),
            Just("pending"),
            Just("2026-11-26T04:30:00Z"),
            Just("enroll"),
            Just("verify"),
            Just("decrease_outside_window"),
            Just("second_person"),
            Just("approver"),
            Just("awaiting_approval"),
            Just("large-increase"),
            Just("change_requested"),
            Just("request_stale"),
        ]
        .prop_map(|s| Value::String(s.to_string())),
    ];
    let keys = prop_oneof![
        Just("id"),
        Just("name"),
        Just("quantity"),
        Just("min"),
        Just("max"),
        Just("term"),
        Just("billing"),
        Just("term_start"),
        Just("renewal_date"),
        Just("status"),
        Just("services"),
        Just("subscriptions"),
        Just("decrease_window"),
        Just("open"),
        Just("opens"),
        Just("closes"),
        Just("effective"),
        Just("expected_version"),
        Just("error"),
        Just("code"),
        Just("message"),
        Just("details"),
        Just("operation"),
        Just("version"),
        Just("user"),
        Just("access_token"),
        Just("mfa"),
        Just("mfa_token"),
        Just("next_page_token"),
        Just("scheduled_change"),
        Just("approval"),
        Just("roles"),
        Just("tenant"),
        Just("change_request"),
        Just("change_requests"),
        Just("requested_by"),
        Just("warnings"),
        Just("events"),
        Just("kind"),
        Just("actor"),
        Just("reason"),
    ];
    leaf.prop_recursive(4, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((keys.clone(), inner), 0..10).prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            }),
        ]
    })
}

fn decode_all(text: &str) {
    let _ = serde_json::from_str::<LoginRequest>(text);
    let _ = serde_json::from_str::<LoginResponse>(text);
    let _ = serde_json::from_str::<EnrollRequest>(text);
    let _ = serde_json::from_str::<EnrollResponse>(text);
    let _ = serde_json::from_str::<VerifyRequest>(text);
    let _ = serde_json::from_str::<TokenResponse>(text);
    let _ = serde_json::from_str::<RefreshRequest>(text);
    let _ = serde_json::from_str::<PolicyResponse>(text).map(|p| p.to_policy());
    let _ = serde_json::from_str::<ServicesPage>(text);
    if let Ok(s) = serde_json::from_str::<SubscriptionDto>(text) {
        let _ = s.to_domain();
        let _ = s.summary();
    }
    let _ = serde_json::from_str::<ChangeRequest>(text);
    let _ = serde_json::from_str::<ChangeAccepted>(text);
    let _ = serde_json::from_str::<ChangeScheduled>(text);
    let _ = serde_json::from_str::<OperationDto>(text);
    let _ = serde_json::from_str::<MeResponse>(text);
    let _ = serde_json::from_str::<ChangeRequestAnswer>(text);
    let _ = serde_json::from_str::<ChangeRequestsPage>(text);
    let _ = serde_json::from_str::<ApproveAnswer>(text);
    let _ = serde_json::from_str::<RejectRequest>(text);
    let _ = serde_json::from_str::<HistoryPage>(text);
    if let Ok(e) = serde_json::from_str::<ErrorEnvelope>(text) {
        let _ = e.error.to_refusal();
        let _ = e.error.retry_after();
        let _ = e.error.attempts_left();
    }
}

fn date(days: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1)
        .and_then(|d| d.checked_add_days(chrono::Days::new(u64::from(days))))
        .unwrap_or_default()
}

prop_compose! {
    fn subscription()(
        quantity in 0u32..1000, min in 0u32..5, max in 0u32..2000,
        term in prop_oneof![Just(Term::P1M), Just(Term::P1Y), Just(Term::P3Y)],
        start in 0u32..2000, anchor in 1u32..=31, auto_renew in any::<bool>(),
        status in prop_oneof![Just(Status::Active), Just(Status::Suspended), Just(Status::Expired)],
        assigned in proptest::option::of(0u32..1000),
    ) -> Subscription {
        let term_start = date(start);
        let renewal_date = licencias::domain::renewal_date(term_start, anchor, term).unwrap_or(term_start);
        Subscription {
            id: "s".into(), name: "n".into(), quantity, min, max, term, billing: Billing::Monthly,
            term_start, anchor_day: anchor, renewal_date, auto_renew, status, assigned,
            scheduled_change: None, pending_operation: None,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn entry_parsing_never_panics(s in "\\PC{0,40}", current in any::<u32>()) {
        let _ = parse_total(&s, current);
    }

    #[test]
    fn wire_decoding_never_panics_on_structured_input(v in json_value()) {
        decode_all(&v.to_string());
    }

    #[test]
    fn wire_decoding_never_panics_on_raw_text(s in "\\PC{0,200}") {
        decode_all(&s);
    }

    #[test]
    fn plan_is_total_and_safe(
        mut sub in subscription(),
        entry in "[ +-]?[0-9]{0,5}",
        now_secs in 1_704_067_200i64..1_900_000_000,
        days in 1u32..12,
        at_renewal in any::<bool>(),
    ) {
        let policy = Policy { decrease_window_days: days, ..Policy::default() };
        let now = DateTime::<Utc>::from_timestamp(now_secs, 0).unwrap_or_default();
        // The portal rolls terms forward before it plans; so does this test.
        let _ = advance_terms(&mut sub, policy.today(now));
        let effective = if at_renewal { Effective::AtRenewal } else { Effective::Now };
        match plan(&sub, &entry, effective, &policy, now) {
            Ok(p) => {
                prop_assert!(p.to >= sub.min && p.to <= sub.max);
                prop_assert_ne!(p.to, p.from);
                prop_assert_eq!(sub.status, Status::Active);
                if p.to < p.from && !at_renewal {
                    prop_assert!(decrease_window(sub.term_start, &policy).contains(policy.today(now)));
                }
                if at_renewal {
                    prop_assert!(sub.auto_renew);
                    prop_assert_eq!(p.effective_date, sub.renewal_date);
                }
            }
            Err(Refusal::DecreaseOutsideWindow { next_window_opens, .. }) => {
                prop_assert!(next_window_opens > policy.today(now));
            }
            Err(_) => {}
        }
    }
}
