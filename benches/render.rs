//! Cost of drawing the services screen and of filtering as you type, for
//! 100, 1,000 and 10,000 subscriptions. `cargo bench --bench render`;
//! criterion reports medians (`--quick` while developing).
//!
//! The model is built only through the app's public API, as the runner
//! would: `Model::new`, `Msg::Started` (demo, signed in), the answers to
//! the effects it returns (`Resumed`, `ServicesLoaded`), `Resize` to 120x40.
//! Targets (issue 6): render cost flat in N (only the visible rows are
//! built), filter cost per keystroke linear in N.

use std::hint::black_box;

use chrono::{DateTime, Days, NaiveDate, Utc};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use licencias::api::{DecreaseWindowDto, ServiceDto, SubscriptionSummary, UserInfo};
use licencias::app::{
    DemoInfo, Effect, Key, KeyCode, Model, ModelInit, Msg, Prefs, SessionInfo, update,
};
use licencias::domain::{Status, Term};
use licencias::i18n::Lang;
use licencias::tui::backend::TtyBackend;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Size;

const SIZES: [usize; 3] = [100, 1_000, 10_000];
const WIDTH: u16 = 120;
const HEIGHT: u16 = 40;

fn now() -> DateTime<Utc> {
    "2026-11-22T15:00:00Z".parse().unwrap_or_default()
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default()
}

/// A listing shaped like `licencias demo --scale N`: services of 100
/// subscriptions, six plan names, monthly and annual terms, windows open
/// and closed, some scheduled changes, a few suspended.
fn listing(n: usize) -> Vec<ServiceDto> {
    let plans = [
        "Microsoft 365 E3",
        "Microsoft 365 Business Premium",
        "Exchange Online (Plan 1)",
        "Microsoft Teams Essentials",
        "Power BI Pro",
        "Visio Plan 2",
    ];
    let mut services = Vec::new();
    let mut i = 0usize;
    while i < n {
        let s = services.len() + 1;
        let mut subs = Vec::new();
        while subs.len() < 100 && i < n {
            i += 1;
            let annual = i.is_multiple_of(5);
            let back = if annual { i % 360 } else { i % 28 } as u64;
            let start = today().checked_sub_days(Days::new(back)).unwrap_or(today());
            let renewal = if annual {
                start.checked_add_months(chrono::Months::new(12))
            } else {
                start.checked_add_months(chrono::Months::new(1))
            }
            .unwrap_or(today());
            let open = back < 6;
            let window = DecreaseWindowDto {
                open,
                opens: if open { start } else { renewal },
                closes: (if open { start } else { renewal })
                    .checked_add_days(Days::new(5))
                    .unwrap_or(renewal),
            };
            let suspended = i.is_multiple_of(97);
            subs.push(SubscriptionSummary {
                id: format!("gen-{i:06}"),
                name: format!("{} #{i}", plans[i % plans.len()]),
                quantity: u32::try_from(1 + i % 250).unwrap_or(1),
                term: if annual { Term::P1Y } else { Term::P1M },
                renewal_date: renewal,
                status: if suspended {
                    Status::Suspended
                } else {
                    Status::Active
                },
                decrease_window: (!suspended).then_some(window),
                has_scheduled_change: i.is_multiple_of(11),
                has_pending_operation: false,
            });
        }
        services.push(ServiceDto {
            id: format!("scale-{s:04}"),
            name: format!("Generated service {s}"),
            subscriptions: subs,
        });
    }
    services
}

/// The request id of the first effect `pick` recognises.
fn request_of(
    fx: &[Effect],
    pick: impl Fn(&Effect) -> Option<licencias::app::RequestId>,
) -> licencias::app::RequestId {
    fx.iter().find_map(pick).expect("the effect was returned")
}

/// A signed-in model on the services screen with `n` subscriptions loaded,
/// sized 120x40, built as the runner would build it.
fn model(n: usize) -> Model {
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
            color: true,
        },
        now: now(),
        key_nonce: 7,
    });
    update(
        &mut m,
        Msg::Resize {
            width: WIDTH,
            height: HEIGHT,
        },
    );
    let fx = update(&mut m, Msg::Started { now: now() });
    let resume = request_of(&fx, |e| match e {
        Effect::DemoSignIn { id, .. } => Some(*id),
        _ => None,
    });
    let fx = update(
        &mut m,
        Msg::Resumed {
            id: resume,
            result: Ok(Some(SessionInfo {
                user: UserInfo {
                    username: "demo".into(),
                    display_name: "Demo Admin".into(),
                    tenant: "contoso".into(),
                },
                access_expires_at: now() + chrono::Duration::minutes(15),
                refresh_expires_at: now() + chrono::Duration::hours(8),
            })),
        },
    );
    let load = request_of(&fx, |e| match e {
        Effect::LoadServices { id } => Some(*id),
        _ => None,
    });
    update(
        &mut m,
        Msg::ServicesLoaded {
            id: load,
            result: Ok(listing(n)),
        },
    );
    assert_eq!(m.services.rows.len(), n, "listing loaded");
    m
}

fn key(m: &mut Model, k: Key) {
    let fx = update(m, Msg::Key { key: k, now: now() });
    black_box(fx);
}

fn bench_render(c: &mut Criterion) {
    let mut g = c.benchmark_group("render_services_120x40");
    for n in SIZES {
        let mut m = model(n);
        // Select row 50 (of 100 or more): the window has scrolled and is
        // full (34 rows) for every N. (Paging to the end of a 100-row list
        // would leave one row in view and flatter the small list.)
        for _ in 0..50 {
            key(&mut m, Key::ch('j'));
        }
        assert_eq!(m.services.visible(34).len(), 34);
        let mut term = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("test backend");
        g.bench_with_input(BenchmarkId::from_parameter(n), &m, |b, m| {
            b.iter(|| {
                term.draw(|f| licencias::ui::render(black_box(m), f))
                    .map(|_| ())
            })
        });
    }
    g.finish();

    // One navigation key as the loop handles it: update, then a redraw
    // through the app's own terminal backend (the bytes go to a sink).
    let mut g = c.benchmark_group("key_j_then_render_120x40");
    for n in SIZES {
        let mut m = model(n);
        let size = Size {
            width: WIDTH,
            height: HEIGHT,
        };
        let mut term = Terminal::new(TtyBackend::new(std::io::sink(), size)).expect("backend");
        let mut down = true;
        let mut steps = 0usize;
        g.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| {
                // Walk down 60 rows then back up, so the window scrolls.
                key(&mut m, Key::ch(if down { 'j' } else { 'k' }));
                steps += 1;
                if steps == 60 {
                    steps = 0;
                    down = !down;
                }
                term.draw(|f| licencias::ui::render(&m, f)).map(|_| ())
            })
        });
    }
    g.finish();
}

fn bench_filter(c: &mut Criterion) {
    // Per keystroke: type one character into the filter, then Backspace.
    // Each iteration is two keystrokes over the whole list (Throughput = 2
    // elements); the per-keystroke cost is half the reported time.
    let mut g = c.benchmark_group("filter_keystroke_pair");
    for n in SIZES {
        let mut m = model(n);
        key(&mut m, Key::ch('/'));
        for ch in "premium".chars() {
            key(&mut m, Key::ch(ch));
        }
        g.throughput(Throughput::Elements(2));
        g.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| {
                key(&mut m, Key::ch('#'));
                key(&mut m, Key::plain(KeyCode::Backspace));
            })
        });
        assert!(m.services.view.len() < n, "the filter narrows the list");
    }
    g.finish();

    // Typing a whole word from an empty filter, one key at a time, then
    // clearing it: what a user does; includes the redraw after each key.
    let mut g = c.benchmark_group("filter_type_word_and_render_120x40");
    for n in SIZES {
        let mut m = model(n);
        let mut term = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("test backend");
        key(&mut m, Key::ch('/'));
        let word = "visio";
        g.throughput(Throughput::Elements(2 * word.len() as u64));
        g.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| {
                for ch in word.chars() {
                    key(&mut m, Key::ch(ch));
                    let _ = term.draw(|f| licencias::ui::render(&m, f));
                }
                for _ in word.chars() {
                    key(&mut m, Key::plain(KeyCode::Backspace));
                    let _ = term.draw(|f| licencias::ui::render(&m, f));
                }
            })
        });
    }
    g.finish();
}

fn bench_sort(c: &mut Criterion) {
    // `s` three times: the whole list sorted by renewal date, by window,
    // then by name again (natural order: numbers in names by value, and
    // the tie-break of the other two).
    let mut g = c.benchmark_group("sort_cycle_three_sorts");
    for n in SIZES {
        let mut m = model(n);
        g.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| {
                for _ in 0..3 {
                    key(&mut m, Key::ch('s'));
                }
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench_render, bench_filter, bench_sort);
criterion_main!(benches);
