//! `licencias show`: one subscription, as the portal returns it now.

use super::status::key_values;
use super::{CommandError, Ctx, Exit, find_subscription, session};
use crate::cli::ShowArgs;
use crate::i18n::Label;

pub async fn run(ctx: &Ctx, args: &ShowArgs) -> Result<Exit, CommandError> {
    let signed = session::resume(ctx).await?;
    if !ctx.json {
        signed.policy(ctx).await?;
    }
    let dto = find_subscription(ctx, &signed.client, &args.subscription).await?;
    if ctx.json {
        ctx.out.json(&dto);
        return Ok(Exit::Success);
    }
    let t = ctx.t;
    let tz = ctx.tz();
    let today = ctx.today();
    let kv = |l: Label, v: String| vec![t.label(l).to_string(), v];
    let mut rows = vec![
        kv(Label::FieldName, dto.name.clone()),
        kv(Label::FieldId, dto.id.clone()),
        kv(Label::FieldQuantity, dto.quantity.to_string()),
        kv(Label::FieldRange, t.range(dto.min, dto.max)),
        kv(Label::FieldTerm, t.term(dto.term).to_string()),
        kv(Label::FieldBilling, t.billing(dto.billing).to_string()),
        kv(Label::FieldTermStart, t.date(dto.term_start)),
        kv(Label::FieldRenewal, t.date(dto.renewal_date)),
        kv(
            Label::FieldAutoRenew,
            t.label(if dto.auto_renew {
                Label::On
            } else {
                Label::Off
            })
            .to_string(),
        ),
        kv(Label::FieldStatus, t.status(dto.status).to_string()),
    ];
    if let Some(a) = dto.assigned {
        rows.push(kv(Label::FieldAssigned, t.assigned(a, dto.quantity)));
    }
    if let Some(w) = dto.decrease_window {
        let status = w.status(today);
        rows.push(kv(
            Label::FieldWindow,
            format!(
                "{} ({})",
                t.window_status(&status),
                t.window_dates(w.opens, w.closes, tz)
            ),
        ));
    }
    if let Some(sc) = &dto.scheduled_change {
        rows.push(kv(
            Label::FieldScheduled,
            t.scheduled_change(sc.quantity, sc.effective_date),
        ));
    }
    if let Some(op) = &dto.pending_operation {
        rows.push(kv(
            Label::FieldPending,
            format!(
                "{} ({})",
                t.pending_operation(op.target_quantity, op.status),
                op.id
            ),
        ));
    }
    ctx.out.result(&key_values(&rows));
    Ok(Exit::Success)
}
