//! Per-call cost of the rules engine and of decoding a large services listing.
//! `cargo bench --bench domain`; criterion reports medians.

use std::hint::black_box;

use chrono::{DateTime, NaiveDate, Utc};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use licencias::api::{DecreaseWindowDto, ServiceDto, ServicesPage, SubscriptionSummary};
use licencias::domain::{
    Billing, Effective, Policy, ScheduledChange, Status, Subscription, Term, parse_total, plan,
};

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap_or_default()
}

fn subscription() -> Subscription {
    Subscription {
        id: "sub-bs".into(),
        name: "Microsoft 365 Business Standard".into(),
        quantity: 10,
        min: 1,
        max: 300,
        term: Term::P1M,
        billing: Billing::Monthly,
        term_start: date("2026-11-20"),
        anchor_day: 20,
        renewal_date: date("2026-12-20"),
        auto_renew: true,
        status: Status::Active,
        assigned: Some(9),
        scheduled_change: Some(ScheduledChange {
            quantity: 8,
            effective_date: date("2026-12-20"),
        }),
        pending_operation: None,
    }
}

fn bench_rules(c: &mut Criterion) {
    let sub = subscription();
    let policy = Policy::default();
    let inside: DateTime<Utc> = "2026-11-22T15:00:00Z".parse().unwrap_or_default();
    let outside: DateTime<Utc> = "2026-11-27T15:00:00Z".parse().unwrap_or_default();

    let mut g = c.benchmark_group("entry");
    for input in ["12", "  0012 ", "+2", "1,000", "99999999999"] {
        g.bench_with_input(
            BenchmarkId::new("parse_total", input.trim()),
            input,
            |b, i| b.iter(|| parse_total(black_box(i), black_box(10))),
        );
    }
    g.finish();

    let mut g = c.benchmark_group("plan");
    g.bench_function("increase_now_with_warnings", |b| {
        b.iter(|| {
            plan(
                black_box(&sub),
                black_box("120"),
                Effective::Now,
                &policy,
                inside,
            )
        })
    });
    g.bench_function("decrease_refused_outside_window", |b| {
        b.iter(|| {
            plan(
                black_box(&sub),
                black_box("2"),
                Effective::Now,
                &policy,
                outside,
            )
        })
    });
    g.bench_function("schedule_at_renewal", |b| {
        b.iter(|| {
            plan(
                black_box(&sub),
                black_box("7"),
                Effective::AtRenewal,
                &policy,
                outside,
            )
        })
    });
    g.finish();
}

fn listing(n: usize) -> String {
    let per_service = 100;
    let services: Vec<ServiceDto> = (0..n.div_ceil(per_service))
        .map(|s| ServiceDto {
            id: format!("svc-{s}"),
            name: format!("Service {s}"),
            subscriptions: (0..per_service.min(n - s * per_service))
                .map(|i| SubscriptionSummary {
                    id: format!("sub-{s}-{i}"),
                    name: format!("Microsoft 365 Business Standard {s}-{i}"),
                    quantity: u32::try_from(i % 300 + 1).unwrap_or(1),
                    term: Term::P1M,
                    renewal_date: date("2026-12-20"),
                    status: Status::Active,
                    decrease_window: Some(DecreaseWindowDto {
                        open: i % 2 == 0,
                        opens: date("2026-11-20"),
                        closes: date("2026-11-25"),
                    }),
                    has_scheduled_change: i % 7 == 0,
                    has_pending_operation: false,
                })
                .collect(),
        })
        .collect();
    serde_json::to_string(&ServicesPage {
        services,
        next_page_token: None,
    })
    .unwrap_or_default()
}

fn bench_decode(c: &mut Criterion) {
    let mut g = c.benchmark_group("decode_services");
    for n in [100usize, 10_000] {
        let json = listing(n);
        g.throughput(Throughput::Bytes(json.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &json, |b, j| {
            b.iter(|| serde_json::from_str::<ServicesPage>(black_box(j)))
        });
    }
    g.finish();
}

criterion_group!(benches, bench_rules, bench_decode);
criterion_main!(benches);
