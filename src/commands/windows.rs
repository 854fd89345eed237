//! `licencias windows`: decrease windows open now or opening within
//! `--within` days, closing soonest first (what a cron job mails the team).

use chrono::NaiveDate;
use serde::Serialize;

use super::list::{Row, rows};
use super::{Align, CommandError, Ctx, Exit, Table, session};
use crate::api::DecreaseWindowDto;
use crate::cli::WindowsArgs;
use crate::domain::Quantity;
use crate::i18n::{CliLabel, Label};

/// One row of `--json`.
#[derive(Debug, Serialize)]
struct Window<'a> {
    id: &'a str,
    name: &'a str,
    service_name: &'a str,
    quantity: Quantity,
    decrease_window: DecreaseWindowDto,
    /// Days until the window closes, today included.
    days_left: i64,
}

/// The windows open on `today` or opening within `within` days, soonest
/// closing first.
fn select<'a>(rows: &[Row<'a>], today: NaiveDate, within: u32) -> Vec<Window<'a>> {
    let horizon = today + chrono::Days::new(u64::from(within));
    let mut out: Vec<Window<'a>> = rows
        .iter()
        .filter_map(|r| {
            let w = r.subscription.decrease_window?;
            let open_now = w.open && w.opens <= today && today <= w.closes;
            let opens_soon = !w.open && today < w.opens && w.opens <= horizon;
            (open_now || opens_soon).then(|| Window {
                id: &r.subscription.id,
                name: &r.subscription.name,
                service_name: r.service_name,
                quantity: r.subscription.quantity,
                decrease_window: w,
                days_left: w.closes.signed_duration_since(today).num_days() + 1,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        (a.decrease_window.closes, a.name, a.id).cmp(&(b.decrease_window.closes, b.name, b.id))
    });
    out
}

pub async fn run(ctx: &Ctx, args: &WindowsArgs) -> Result<Exit, CommandError> {
    let signed = session::resume(ctx).await?;
    signed.policy(ctx).await?;
    let services = signed
        .client
        .services()
        .await
        .map_err(|e| signed.fail(ctx, &e))?;
    let today = ctx.today();
    let all = rows(&services);
    let windows = select(&all, today, args.within);
    if ctx.json {
        ctx.out.json(&windows);
        return Ok(Exit::Success);
    }
    if windows.is_empty() {
        ctx.note(&ctx.t.no_windows(args.within));
        return Ok(Exit::Success);
    }
    let t = ctx.t;
    let table = Table {
        headers: vec![
            t.cli_label(CliLabel::ColId).to_string(),
            t.cli_label(CliLabel::ColName).to_string(),
            t.label(Label::ColService).to_string(),
            t.label(Label::ColQuantity).to_string(),
            t.label(Label::ColWindow).to_string(),
            t.cli_label(CliLabel::ColDaysLeft).to_string(),
        ],
        align: vec![
            Align::Left,
            Align::Left,
            Align::Left,
            Align::Right,
            Align::Left,
            Align::Right,
        ],
        rows: windows
            .iter()
            .map(|w| {
                vec![
                    w.id.to_string(),
                    w.name.to_string(),
                    w.service_name.to_string(),
                    w.quantity.to_string(),
                    t.window_status(&w.decrease_window.status(today)),
                    w.days_left.to_string(),
                ]
            })
            .collect(),
        flexible: 1,
    };
    ctx.out.table(&table);
    Ok(Exit::Success)
}
