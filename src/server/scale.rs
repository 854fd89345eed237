//! `--scale N`: generated subscriptions for performance work.

use std::collections::HashSet;

use chrono::{Datelike, Days, NaiveDate};

use crate::domain::{self, Billing, ScheduledChange, Status, Subscription, Term};

use super::tenants::{Portal, Service};

/// Add `n` generated subscriptions to the first tenant, spread over services
/// of up to 100 subscriptions, with varied (deterministic) states.
pub fn add_generated(portal: &mut Portal, n: u32, today: NaiveDate) {
    let taken_subs: HashSet<String> = portal
        .tenants
        .iter()
        .flat_map(|t| &t.services)
        .flat_map(|s| &s.subscriptions)
        .map(|s| s.id.clone())
        .collect();
    let Some(tenant) = portal.tenants.first_mut() else {
        return;
    };
    let taken: HashSet<String> = tenant.services.iter().map(|s| s.id.clone()).collect();
    let plans = [
        "Microsoft 365 E3",
        "Microsoft 365 Business Premium",
        "Exchange Online (Plan 1)",
        "Microsoft Teams Essentials",
        "Power BI Pro",
        "Visio Plan 2",
    ];
    let mut service_no = 0u32;
    let mut i = 0u32;
    while i < n {
        service_no += 1;
        let mut id = format!("scale-{service_no:04}");
        while taken.contains(&id) {
            id.push('x');
        }
        let mut service = Service {
            id,
            name: format!("Generated service {service_no}"),
            subscriptions: Vec::new(),
        };
        for _ in 0..100 {
            if i >= n {
                break;
            }
            i += 1;
            let mut sub = generated(i, plans[(i as usize) % plans.len()], today);
            while taken_subs.contains(&sub.id) {
                sub.id.push('x');
            }
            service.subscriptions.push(sub);
        }
        tenant.services.push(service);
    }
}

fn generated(i: u32, plan: &str, today: NaiveDate) -> Subscription {
    let annual = i.is_multiple_of(5);
    let term = if annual { Term::P1Y } else { Term::P1M };
    let back = u64::from(if annual { i % 360 } else { i % 28 });
    let term_start = today.checked_sub_days(Days::new(back)).unwrap_or(today);
    let anchor_day = term_start.day();
    let renewal_date = domain::renewal_date(term_start, anchor_day, term).unwrap_or(today);
    let quantity = 1 + i % 250;
    let auto_renew = !i.is_multiple_of(7);
    Subscription {
        id: format!("gen-{i:06}"),
        name: format!("{plan} #{i}"),
        quantity,
        min: 1,
        max: 300,
        term,
        billing: if annual {
            Billing::Annual
        } else {
            Billing::Monthly
        },
        term_start,
        anchor_day,
        renewal_date,
        auto_renew,
        status: if i.is_multiple_of(53) {
            Status::Suspended
        } else {
            Status::Active
        },
        assigned: i
            .is_multiple_of(3)
            .then_some(quantity.saturating_sub(i % 4)),
        scheduled_change: (auto_renew && i.is_multiple_of(11)).then_some(ScheduledChange {
            quantity: quantity + 1,
            effective_date: renewal_date,
        }),
        pending_operation: None,
    }
}
