//! Property test of filter-as-you-type on the services list: after any
//! sequence of keys (typing, Backspace, cursor moves, Delete, Esc, `/`, sort
//! cycles), the rows shown are exactly the rows whose service, name or id
//! contain every typed word (case-insensitive), in the current sort order.
//! Guards the incremental narrowing in `app::update` (typing that extends
//! the filter narrows the shown rows instead of rescanning all of them).
//!
//! `FUZZ_CASES` raises the case count, as in the other fuzz tests.

use chrono::{DateTime, NaiveDate, Utc};
use licencias::api::{DecreaseWindowDto, ServiceDto, SubscriptionSummary, UserInfo};
use licencias::app::{
    DemoInfo, Effect, Key, KeyCode, Model, ModelInit, Msg, Prefs, SessionInfo, update,
};
use licencias::domain::{Status, Term};
use licencias::i18n::Lang;
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400)
}

fn now() -> DateTime<Utc> {
    "2026-11-22T15:00:00Z".parse().unwrap()
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 1 + d % 28).unwrap()
}

/// A listing from short words over a small alphabet, so filters match some
/// rows and not others.
fn listing(names: &[(usize, String)]) -> Vec<ServiceDto> {
    let mut services: Vec<ServiceDto> = (0..3)
        .map(|s| ServiceDto {
            id: format!("svc-{s}"),
            name: ["Ab Cd", "Bc De", "Xa"][s].to_string(),
            subscriptions: Vec::new(),
        })
        .collect();
    for (i, (s, name)) in names.iter().enumerate() {
        let d = u32::try_from(i).unwrap();
        services[*s % 3].subscriptions.push(SubscriptionSummary {
            id: format!("id-{i}"),
            name: name.clone(),
            quantity: 1 + d,
            term: Term::P1M,
            renewal_date: day(d * 7),
            status: Status::Active,
            decrease_window: Some(DecreaseWindowDto {
                open: i % 2 == 0,
                opens: day(d * 3),
                closes: day(d * 3 + 5),
            }),
            has_scheduled_change: false,
            has_pending_operation: false,
        });
    }
    services
}

fn model(services: Vec<ServiceDto>) -> Model {
    let mut m = Model::new(ModelInit {
        portal_url: "http://127.0.0.1:8787".into(),
        demo: Some(DemoInfo {
            username: licencias::server::DEMO_USERNAME.into(),
            password: licencias::server::DEMO_PASSWORD.into(),
            signed_in: true,
        }),
        username: None,
        prefs: Prefs {
            lang: Lang::En,
            ascii: false,
            color: false,
        },
        now: now(),
        key_nonce: 1,
    });
    update(
        &mut m,
        Msg::Resize {
            width: 120,
            height: 40,
        },
    );
    let fx = update(&mut m, Msg::Started { now: now() });
    let id = fx
        .iter()
        .find_map(|e| match e {
            Effect::DemoSignIn { id, .. } => Some(*id),
            _ => None,
        })
        .unwrap();
    let fx = update(
        &mut m,
        Msg::Resumed {
            id,
            result: Ok(Some(SessionInfo {
                user: UserInfo {
                    username: "demo".into(),
                    display_name: "Demo".into(),
                    tenant: "contoso".into(),
                },
                access_expires_at: now() + chrono::Duration::minutes(15),
                refresh_expires_at: now() + chrono::Duration::hours(8),
            })),
        },
    );
    let id = fx
        .iter()
        .find_map(|e| match e {
            Effect::LoadServices { id } => Some(*id),
            _ => None,
        })
        .unwrap();
    update(
        &mut m,
        Msg::ServicesLoaded {
            id,
            result: Ok(services),
        },
    );
    m
}

#[derive(Debug, Clone)]
enum K {
    Char(char),
    Backspace,
    Delete,
    Left,
    Right,
    Home,
    End,
    Esc,
    Slash,
    Sort,
}

fn key() -> impl Strategy<Value = K> {
    prop_oneof![
        6 => prop::sample::select(vec!['a', 'b', 'c', 'd', 'e', 'x', ' ', 'A', '-', '1', '2'])
            .prop_map(K::Char),
        2 => Just(K::Backspace),
        1 => Just(K::Delete),
        1 => Just(K::Left),
        1 => Just(K::Right),
        1 => Just(K::Home),
        1 => Just(K::End),
        1 => Just(K::Esc),
        2 => Just(K::Slash),
        1 => Just(K::Sort),
    ]
}

fn press(m: &mut Model, k: &K) {
    let key = match k {
        K::Char(c) => Key::ch(*c),
        K::Backspace => Key::plain(KeyCode::Backspace),
        K::Delete => Key::plain(KeyCode::Delete),
        K::Left => Key::plain(KeyCode::Left),
        K::Right => Key::plain(KeyCode::Right),
        K::Home => Key::plain(KeyCode::Home),
        K::End => Key::plain(KeyCode::End),
        K::Esc => Key::plain(KeyCode::Esc),
        K::Slash => Key::ch('/'),
        K::Sort => Key::ch('s'),
    };
    let fx = update(m, Msg::Key { key, now: now() });
    assert!(
        fx.iter().all(|e| !matches!(e, Effect::Quit)),
        "no key here quits"
    );
}

/// The rows that must be shown for the model's filter, in the order of
/// `order` (the unfiltered view of a twin model with the same sort).
fn expected(m: &Model, order: &[usize]) -> Vec<usize> {
    let needle = m.services.filter.value().to_lowercase();
    let terms: Vec<&str> = needle.split_whitespace().collect();
    order
        .iter()
        .copied()
        .filter(|&i| {
            let r = &m.services.rows[i];
            let hay = format!("{} {} {}", r.service_name, r.sub.name, r.sub.id).to_lowercase();
            terms.iter().all(|t| hay.contains(t))
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn the_filter_shows_exactly_the_matching_rows(
        names in prop::collection::vec((0usize..3, "[abcdeAB12 -]{1,12}"), 0..40),
        keys in prop::collection::vec(key(), 0..40),
    ) {
        let services = listing(&names);
        let mut m = model(services.clone());
        // A twin with no filter, only the same sort presses: its view is
        // the full list in the current sort order.
        let mut twin = model(services);
        prop_assert_eq!(m.services.view.len(), names.len());
        for k in &keys {
            // `s` sorts only while the filter does not take the keys.
            let sorts = matches!(k, K::Sort) && !m.services.filter_active;
            press(&mut m, k);
            if sorts {
                press(&mut twin, &K::Sort);
            }
            prop_assert_eq!(m.services.sort, twin.services.sort);
            let want = expected(&m, &twin.services.view);
            prop_assert_eq!(&m.services.view, &want, "filter {:?}", m.services.filter.value());
            prop_assert!(m.services.selected <= m.services.view.len().saturating_sub(1));
        }
    }
}
