//! Property-based fuzzing of the tenants-file loader (`--tenants FILE`):
//! `server::tenants::parse` (validation with errors naming the bad field),
//! `parse_date` (ISO dates and `-2d` offsets), `add_generated` (`--scale`),
//! and the whole load as `licencias serve` does it (parse, roll terms
//! forward to the clock, serve) through `server::spawn`.
//!
//! cargo-fuzz needs a nightly toolchain, which this project does not use;
//! proptest with a bounded case count runs in CI instead. Run longer by
//! hand with `FUZZ_CASES=200000 cargo test --release --test fuzz_tenants`.
//! proptest keeps any failing input in `tests/fuzz_tenants.proptest-regressions`
//! (commit it: it is replayed first on every run).

use chrono::{Datelike, Days, NaiveDate};
use licencias::server::tenants::{self, DEMO_JSON, TenantsError};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000)
}

/// The whole-load cases bind a port and start a server each: fewer of them.
fn server_cases() -> u32 {
    (cases() / 40).max(16)
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
}

fn demo() -> Value {
    serde_json::from_str(DEMO_JSON).unwrap()
}

/// A valid argon2 PHC string (what the demo file holds); the loader checks
/// the format only, it never verifies a password here.
const HASH: &str = "$argon2id$v=19$m=8192,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$9sTbSlTio3Biev89thdrlKKiCaYsjjYVJxGAL3swxpQ";

/// Arbitrary JSON, biased towards the loader's field names and values.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (0u64..400).prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "\\PC{0,16}".prop_map(Value::String),
        date_text().prop_map(Value::String),
        prop_oneof![
            Just("P1M"),
            Just("P1Y"),
            Just("P3Y"),
            Just("P2M"),
            Just("monthly"),
            Just("annual"),
            Just("active"),
            Just("suspended"),
            Just("expired"),
            Just(HASH),
            Just("$argon2id$v=19$"),
            Just("$pbkdf2-sha256$i=1$c2FsdA$aGFzaA"),
            Just("JBSWY3DPEHPK3PXP"),
            Just("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"),
            Just("not base32!"),
            Just(""),
            Just("   "),
        ]
        .prop_map(|s| Value::String(s.to_string())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((field_name(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop_oneof![
            Just("tenants"),
            Just("id"),
            Just("name"),
            Just("users"),
            Just("username"),
            Just("display_name"),
            Just("password_hash"),
            Just("totp_secret"),
            Just("services"),
            Just("subscriptions"),
            Just("quantity"),
            Just("min"),
            Just("max"),
            Just("term"),
            Just("billing"),
            Just("term_start"),
            Just("anchor_day"),
            Just("auto_renew"),
            Just("status"),
            Just("assigned"),
            Just("scheduled_change"),
            Just("effective_date"),
            Just("approval"),
            Just("roles"),
        ]
        .prop_map(str::to_string),
        "[a-z_]{1,10}",
    ]
}

/// Dates as people write them in the file, valid or not.
fn date_text() -> impl Strategy<Value = String> {
    prop_oneof![
        (
            -4000i64..4000,
            prop_oneof![Just('d'), Just('w'), Just('m'), Just('x')]
        )
            .prop_map(|(n, u)| if n >= 0 {
                format!("+{n}{u}")
            } else {
                format!("{n}{u}")
            }),
        (0u32..10000, 0u32..14, 0u32..33).prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
        Just("-99999999999999999999d".to_string()),
        Just("-18446744073709551615d".to_string()),
        Just("-2635249153387078802w".to_string()),
        Just("+262143-12-31".to_string()),
        Just("-0262143-01-01".to_string()),
        Just("0d".to_string()),
        Just("-d".to_string()),
        Just("-".to_string()),
        Just("d".to_string()),
        Just("-2é".to_string()),
        Just("2026-02-29".to_string()),
        Just("2028-02-29".to_string()),
        "\\PC{0,8}",
    ]
}

/// Every path (as a list of keys / indexes) to a node of `v`.
fn paths(v: &Value, here: &mut Vec<PathStep>, out: &mut Vec<Vec<PathStep>>) {
    out.push(here.clone());
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                here.push(PathStep::Key(k.clone()));
                paths(child, here, out);
                here.pop();
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                here.push(PathStep::Index(i));
                paths(child, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

#[derive(Debug, Clone)]
enum PathStep {
    Key(String),
    Index(usize),
}

fn node_mut<'a>(v: &'a mut Value, path: &[PathStep]) -> Option<&'a mut Value> {
    let mut cur = v;
    for step in path {
        cur = match (step, cur) {
            (PathStep::Key(k), Value::Object(m)) => m.get_mut(k)?,
            (PathStep::Index(i), Value::Array(a)) => a.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

#[derive(Debug, Clone)]
enum Mutation {
    /// Replace the node with another value.
    Replace(Value),
    /// Remove the node from its parent (a key or an array element).
    Remove,
    /// Add a key to the node (if an object) or an element (if an array).
    Add(String, Value),
    /// Duplicate an element of the array that holds the node.
    Duplicate,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => json_value().prop_map(Mutation::Replace),
        2 => Just(Mutation::Remove),
        1 => (field_name(), json_value()).prop_map(|(k, v)| Mutation::Add(k, v)),
        1 => Just(Mutation::Duplicate),
    ]
}

fn apply(doc: &mut Value, path: &[PathStep], m: Mutation) {
    match m {
        Mutation::Replace(v) => {
            if let Some(n) = node_mut(doc, path) {
                *n = v;
            }
        }
        Mutation::Add(k, v) => match node_mut(doc, path) {
            Some(Value::Object(map)) => {
                map.insert(k, v);
            }
            Some(Value::Array(a)) => a.push(v),
            _ => {}
        },
        Mutation::Remove | Mutation::Duplicate => {
            let Some((last, parent)) = path.split_last() else {
                return;
            };
            let Some(parent) = node_mut(doc, parent) else {
                return;
            };
            match (last, parent, m) {
                (PathStep::Key(k), Value::Object(map), Mutation::Remove) => {
                    map.remove(k);
                }
                (PathStep::Index(i), Value::Array(a), Mutation::Remove) if *i < a.len() => {
                    a.remove(*i);
                }
                (PathStep::Index(i), Value::Array(a), Mutation::Duplicate) if *i < a.len() => {
                    let copy = a[*i].clone();
                    a.push(copy);
                }
                _ => {}
            }
        }
    }
}

/// What every error must be: a JSON error, or a field error naming a
/// non-empty path that starts where the file starts, with a message.
fn check_error(e: &TenantsError) {
    match e {
        TenantsError::Json(m) => assert!(!m.is_empty()),
        TenantsError::Field { path, message } => {
            assert!(!path.is_empty(), "an error names its field: {e}");
            assert!(
                path.starts_with("tenants"),
                "paths start at the root field: {path}"
            );
            assert!(!message.is_empty());
            assert!(!path.contains(".."), "well-formed path: {path}");
        }
    }
    // Display never panics and says something.
    assert!(!e.to_string().is_empty());
}

/// What every accepted portal must satisfy.
fn check_portal(p: &tenants::Portal, today: NaiveDate) {
    assert!(!p.tenants.is_empty());
    let mut subs = std::collections::HashSet::new();
    let mut users = std::collections::HashSet::new();
    for t in &p.tenants {
        for u in &t.users {
            assert!(users.insert(u.username.clone()), "usernames unique");
            assert!(u.password_hash.starts_with("$argon2"));
            let mut roles = u.roles.clone();
            roles.sort();
            roles.dedup();
            assert_eq!(roles.len(), u.roles.len(), "each role at most once");
        }
        for s in &t.services {
            for sub in &s.subscriptions {
                assert!(subs.insert(sub.id.clone()), "subscription ids unique");
                assert!(sub.min <= sub.quantity && sub.quantity <= sub.max);
                assert!(
                    sub.term_start <= today,
                    "a term never starts after the clock"
                );
                assert!(sub.renewal_date > sub.term_start);
                assert!((1..=31).contains(&sub.anchor_day));
                if let Some(sc) = &sub.scheduled_change {
                    assert!(sub.auto_renew);
                    assert!(sub.min <= sc.quantity && sc.quantity <= sub.max);
                    assert_eq!(sc.effective_date, sub.renewal_date);
                }
            }
        }
    }
}

/// One subscription object built from arbitrary field values.
#[derive(Debug, Clone)]
struct SubSpec {
    quantity: u32,
    min: u32,
    max: u32,
    term: &'static str,
    term_start: String,
    anchor_day: Option<u32>,
    auto_renew: bool,
    status: &'static str,
    assigned: Option<u32>,
    scheduled: Option<u32>,
}

fn sub_spec() -> impl Strategy<Value = SubSpec> {
    (
        (0u32..500, 0u32..50, 0u32..600),
        prop_oneof![Just("P1M"), Just("P1Y"), Just("P3Y")],
        prop_oneof![
            4 => (0i64..1200).prop_map(|n| format!("-{n}d")),
            1 => date_text(),
            1 => (1990i32..2027, 1u32..13, 1u32..32).prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
        ],
        prop::option::of(0u32..40),
        any::<bool>(),
        prop_oneof![Just("active"), Just("suspended"), Just("expired")],
        prop::option::of(0u32..600),
        prop::option::of(0u32..600),
    )
        .prop_map(
            |((quantity, min, max), term, term_start, anchor_day, auto_renew, status, assigned, scheduled)| {
                SubSpec {
                    quantity,
                    min,
                    max,
                    term,
                    term_start,
                    anchor_day,
                    auto_renew,
                    status,
                    assigned,
                    scheduled,
                }
            },
        )
}

fn file_of(subs: &[SubSpec]) -> Value {
    let subs: Vec<Value> = subs
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut o = json!({
                "id": format!("sub-{i}"),
                "name": format!("Subscription {i}"),
                "quantity": s.quantity,
                "min": s.min,
                "max": s.max,
                "term": s.term,
                "billing": if s.term == "P1M" { "monthly" } else { "annual" },
                "term_start": s.term_start,
                "auto_renew": s.auto_renew,
                "status": s.status,
            });
            if let Some(a) = s.anchor_day {
                o["anchor_day"] = json!(a);
            }
            if let Some(a) = s.assigned {
                o["assigned"] = json!(a);
            }
            if let Some(q) = s.scheduled {
                o["scheduled_change"] = json!({ "quantity": q });
            }
            o
        })
        .collect();
    json!({
        "tenants": [{
            "id": "t1",
            "name": "Tenant One",
            "users": [{ "username": "u1", "display_name": "User One",
                        "password_hash": HASH, "totp_secret": null }],
            "services": [{ "id": "s1", "name": "Service One", "subscriptions": subs }]
        }]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// Any text at all: a result, never a panic.
    #[test]
    fn any_text_is_answered(s in "\\PC{0,200}") {
        if let Err(e) = tenants::parse(&s, today()) {
            check_error(&e);
        }
    }

    /// Any JSON tree at all.
    #[test]
    fn any_json_is_answered(v in json_value()) {
        match tenants::parse(&v.to_string(), today()) {
            Ok(p) => check_portal(&p, today()),
            Err(e) => check_error(&e),
        }
    }

    /// The demo file with one to three random edits anywhere in it.
    #[test]
    fn the_demo_file_mutated_is_answered(
        picks in prop::collection::vec((any::<prop::sample::Index>(), mutation()), 1..4),
        day in 0u64..3000,
    ) {
        let today = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + Days::new(day);
        let mut doc = demo();
        for (pick, m) in picks {
            let mut all = Vec::new();
            paths(&doc, &mut Vec::new(), &mut all);
            let path = all[pick.index(all.len())].clone();
            apply(&mut doc, &path, m);
        }
        match tenants::parse(&doc.to_string(), today) {
            Ok(p) => check_portal(&p, today),
            Err(e) => check_error(&e),
        }
    }

    /// Well-formed files with arbitrary numbers and dates: accepted ones
    /// satisfy every rule; refused ones name a field of a subscription.
    #[test]
    fn subscription_fields_are_validated(subs in prop::collection::vec(sub_spec(), 1..6)) {
        let doc = file_of(&subs);
        match tenants::parse(&doc.to_string(), today()) {
            Ok(p) => {
                check_portal(&p, today());
                let got = &p.tenants[0].services[0].subscriptions;
                prop_assert_eq!(got.len(), subs.len());
                for (g, s) in got.iter().zip(&subs) {
                    prop_assert_eq!(g.quantity, s.quantity);
                    prop_assert_eq!(g.assigned, s.assigned);
                    prop_assert_eq!(g.scheduled_change.as_ref().map(|c| c.quantity), s.scheduled);
                }
            }
            Err(e) => {
                check_error(&e);
                let TenantsError::Field { path, .. } = &e else {
                    panic!("a well-formed JSON file gets a field error: {e}");
                };
                prop_assert!(
                    path.starts_with("tenants[0].services[0].subscriptions["),
                    "the error points into a subscription: {}", path
                );
            }
        }
    }

    /// `parse_date`: never panics; offsets are exact.
    #[test]
    fn dates_and_offsets(s in date_text(), n in 0u64..100_000, today_off in 0u64..200_000) {
        let today = NaiveDate::from_ymd_opt(1800, 1, 1).unwrap() + Days::new(today_off);
        let _ = tenants::parse_date(&s, today);
        prop_assert_eq!(tenants::parse_date(&format!("-{n}d"), today), today.checked_sub_days(Days::new(n)));
        prop_assert_eq!(tenants::parse_date(&format!("+{n}d"), today), today.checked_add_days(Days::new(n)));
        prop_assert_eq!(
            tenants::parse_date(&format!("-{n}w"), today),
            n.checked_mul(7).and_then(|d| today.checked_sub_days(Days::new(d)))
        );
        let iso = today.format("%Y-%m-%d").to_string();
        prop_assert_eq!(tenants::parse_date(&iso, NaiveDate::MIN), Some(today));
    }

    /// `--scale N`: generated subscriptions join the first tenant with ids
    /// that collide with nothing, and the result passes the same checks.
    #[test]
    fn scale_generation(n in 0u32..700, day in 0u64..4000) {
        let today = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + Days::new(day);
        let mut p = tenants::parse(DEMO_JSON, today).unwrap();
        let before: usize = p.tenants[0].services.iter().map(|s| s.subscriptions.len()).sum();
        tenants::add_generated(&mut p, n, today);
        let after: usize = p.tenants[0].services.iter().map(|s| s.subscriptions.len()).sum();
        prop_assert_eq!(after, before + n as usize);
        check_portal(&p, today);
        let ids: std::collections::HashSet<_> = p.tenants[0].services.iter().map(|s| &s.id).collect();
        prop_assert_eq!(ids.len(), p.tenants[0].services.len(), "service ids unique");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(server_cases()))]

    /// The whole load as `licencias serve --tenants FILE --clock ...` does
    /// it: parse, roll old terms forward to the clock, bind, serve the
    /// policy. Never a panic or a hang; a bad file is a typed error.
    #[test]
    fn the_server_loads_or_refuses(
        subs in prop::collection::vec(sub_spec(), 1..5),
        day in 0u64..3000,
    ) {
        let clock = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + Days::new(day);
        let doc = file_of(&subs).to_string();
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let config = licencias::server::ServerConfig {
                tenants: licencias::server::TenantsSource::Json(doc),
                clock: clock.and_hms_opt(12, 0, 0).map(|t| t.and_utc()),
                ..licencias::server::ServerConfig::default()
            };
            let load = tokio::time::timeout(std::time::Duration::from_secs(30), licencias::server::spawn(config))
                .await
                .expect("the load finishes");
            match load {
                Ok(srv) => {
                    let url = format!("{}/api/v1/policy", srv.base_url());
                    let body = reqwest::get(&url).await.unwrap().text().await.unwrap();
                    assert!(body.contains("time_zone"), "{body}");
                    srv.shutdown().await;
                }
                Err(e) => assert!(!e.to_string().is_empty()),
            }
        });
        let _ = clock.day();
    }
}
