//! `licencias history SUBSCRIPTION`: who changed what, when, and on whose
//! approval, newest first, as the portal records it.

use super::{Align, CommandError, Ctx, Exit, Table, find_subscription, session};
use crate::cli::HistoryArgs;
use crate::i18n::CliLabel;

pub async fn run(ctx: &Ctx, args: &HistoryArgs) -> Result<Exit, CommandError> {
    let signed = session::resume(ctx).await?;
    if !ctx.json {
        signed.policy(ctx).await?;
    }
    let dto = find_subscription(ctx, &signed.client, &args.subscription).await?;
    let events = signed
        .client
        .history(&dto.id, None)
        .await
        .map_err(|e| signed.fail(ctx, &e))?;
    if ctx.json {
        ctx.out.json(&events);
        return Ok(Exit::Success);
    }
    if events.is_empty() {
        ctx.note(&ctx.t.no_history(&dto.id));
        return Ok(Exit::Success);
    }
    let t = ctx.t;
    let tz = ctx.tz();
    let opt = |v: Option<&str>| v.unwrap_or("").to_string();
    let rows = events
        .iter()
        .map(|e| {
            let change = match (e.from, e.to) {
                (Some(from), Some(to)) => format!("{from} -> {to}"),
                (None, Some(to)) => to.to_string(),
                (Some(from), None) => from.to_string(),
                (None, None) => String::new(),
            };
            vec![
                t.date_time(e.at, tz),
                t.history_kind(e.kind).to_string(),
                e.actor.as_ref().map_or_else(
                    || t.cli_label(CliLabel::ThePortal).to_string(),
                    |a| a.display_name.clone(),
                ),
                change,
                e.effective_date.map(|d| t.date(d)).unwrap_or_default(),
                opt(e.approval_reference.as_deref()),
                opt(e.change_request_id.as_deref()),
                opt(e.reason.as_deref()),
            ]
        })
        .collect();
    let label = |l: CliLabel| t.cli_label(l).to_string();
    ctx.out.table(&Table {
        headers: vec![
            label(CliLabel::ColWhen),
            label(CliLabel::ColEvent),
            label(CliLabel::ColBy),
            label(CliLabel::ColChange),
            label(CliLabel::ColEffective),
            label(CliLabel::ColReference),
            label(CliLabel::ColRequest),
            label(CliLabel::ColReason),
        ],
        align: vec![
            Align::Left,
            Align::Left,
            Align::Left,
            Align::Right,
            Align::Left,
            Align::Left,
            Align::Left,
            Align::Left,
        ],
        rows,
        flexible: 7,
    });
    Ok(Exit::Success)
}
