//! `licencias list`: every subscription of every service.

use serde::Serialize;

use super::session;
use super::{Align, CommandError, Ctx, Exit, Table};
use crate::api::{ServiceDto, SubscriptionSummary};
use crate::cli::{ListArgs, ListSort};
use crate::i18n::{CliLabel, Label};

/// One row of `--json`: the API's summary with its service.
#[derive(Debug, Serialize)]
pub struct Row<'a> {
    pub service_id: &'a str,
    pub service_name: &'a str,
    #[serde(flatten)]
    pub subscription: &'a SubscriptionSummary,
}

/// Every row, in the listing's order.
pub fn rows(services: &[ServiceDto]) -> Vec<Row<'_>> {
    services
        .iter()
        .flat_map(|s| {
            s.subscriptions.iter().map(move |sub| Row {
                service_id: &s.id,
                service_name: &s.name,
                subscription: sub,
            })
        })
        .collect()
}

/// The text a filter looks in: service name, subscription name and id, lower case.
fn haystack(r: &Row<'_>) -> String {
    format!(
        "{} {} {}",
        r.service_name, r.subscription.name, r.subscription.id
    )
    .to_lowercase()
}

/// Keep the rows that contain every word of `filter`, then sort.
fn select<'a>(mut rows: Vec<Row<'a>>, filter: Option<&str>, sort: ListSort) -> Vec<Row<'a>> {
    if let Some(f) = filter {
        let needle = f.to_lowercase();
        let words: Vec<&str> = needle.split_whitespace().collect();
        rows.retain(|r| {
            let hay = haystack(r);
            words.iter().all(|w| hay.contains(w))
        });
    }
    let name_key = |r: &Row<'_>| {
        (
            r.service_name.to_lowercase(),
            r.subscription.name.to_lowercase(),
        )
    };
    match sort {
        ListSort::Name => rows.sort_by_cached_key(|r| (name_key(r), r.subscription.id.clone())),
        ListSort::Renewal => {
            rows.sort_by_cached_key(|r| (r.subscription.renewal_date, name_key(r)))
        }
        ListSort::Window => rows.sort_by_cached_key(|r| {
            let w = match r.subscription.decrease_window {
                Some(w) if w.open => (0, w.closes),
                Some(w) => (1, w.opens),
                None => (2, r.subscription.renewal_date),
            };
            (w, name_key(r))
        }),
    }
    rows
}

pub async fn run(ctx: &Ctx, args: &ListArgs) -> Result<Exit, CommandError> {
    let signed = session::resume(ctx).await?;
    if !ctx.json {
        signed.policy(ctx).await?;
    }
    let services = signed
        .client
        .services()
        .await
        .map_err(|e| signed.fail(ctx, &e))?;
    let rows = select(rows(&services), args.filter.as_deref(), args.sort);
    if ctx.json {
        ctx.out.json(&rows);
        return Ok(Exit::Success);
    }
    let t = ctx.t;
    if rows.is_empty() {
        let empty = if args.filter.is_some() {
            Label::NoMatches
        } else {
            Label::NoServices
        };
        ctx.note(t.label(empty));
        return Ok(Exit::Success);
    }
    let today = ctx.today();
    let table = Table {
        headers: vec![
            t.label(Label::ColService).to_string(),
            t.label(Label::ColSubscription).to_string(),
            t.cli_label(CliLabel::ColId).to_string(),
            t.label(Label::ColQuantity).to_string(),
            t.label(Label::ColRenewal).to_string(),
            t.label(Label::ColWindowShort).to_string(),
            t.label(Label::ColFlags).to_string(),
        ],
        align: vec![
            Align::Left,
            Align::Left,
            Align::Left,
            Align::Right,
            Align::Left,
            Align::Left,
            Align::Left,
        ],
        rows: rows
            .iter()
            .map(|r| {
                let s = r.subscription;
                let mut flags = Vec::new();
                if s.has_scheduled_change {
                    flags.push(t.label(Label::FlagScheduled));
                }
                if s.has_pending_operation {
                    flags.push(t.label(Label::FlagPending));
                }
                vec![
                    r.service_name.to_string(),
                    s.name.clone(),
                    s.id.clone(),
                    s.quantity.to_string(),
                    t.date(s.renewal_date),
                    s.decrease_window.map_or_else(
                        || t.status(s.status).to_string(),
                        |w| t.window_status_short(&w.status(today)),
                    ),
                    flags.join(", "),
                ]
            })
            .collect(),
        flexible: 1,
    };
    ctx.out.table(&table);
    Ok(Exit::Success)
}
