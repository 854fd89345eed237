//! `licencias cancel-scheduled`: cancel the change scheduled for the
//! renewal, confirmed like `change` (type the scheduled total again, or `--yes`).

use serde::Serialize;

use super::change::confirm;
use super::{CommandError, Ctx, Exit, find_subscription, session};
use crate::api::ScheduledChangeDto;
use crate::cli::CancelScheduledArgs;

/// The `--json` document.
#[derive(Debug, Serialize)]
struct Cancelled<'a> {
    result: &'static str,
    subscription_id: &'a str,
    /// The change that was cancelled.
    scheduled_change: &'a ScheduledChangeDto,
    /// The quantity that applies at the renewal now.
    quantity_at_renewal: crate::domain::Quantity,
}

pub async fn run(ctx: &Ctx, args: &CancelScheduledArgs) -> Result<Exit, CommandError> {
    let signed = session::resume(ctx).await?;
    let policy = signed.policy(ctx).await?;
    let dto = find_subscription(ctx, &signed.client, &args.subscription).await?;
    let Some(sc) = dto.scheduled_change.clone() else {
        return Err(CommandError::new(
            Exit::Usage,
            "no_scheduled_change",
            ctx.t.no_scheduled_change(&dto.id),
        )
        .with("subscription_id", &dto.id));
    };
    confirm(
        ctx,
        args.yes,
        &ctx.t.cancel_prompt(sc.quantity, sc.effective_date),
        sc.quantity,
    )?;
    signed
        .client
        .cancel_scheduled_change(&dto.id)
        .await
        .map_err(|e| CommandError::portal(ctx.t, &e, Some(&dto), policy.time_zone))?;
    if ctx.json {
        ctx.out.json(&Cancelled {
            result: "cancelled",
            subscription_id: &dto.id,
            scheduled_change: &sc,
            quantity_at_renewal: dto.quantity,
        });
    } else {
        ctx.out.result(
            &ctx.t
                .scheduled_cancelled(sc.quantity, sc.effective_date, dto.quantity),
        );
    }
    Ok(Exit::Success)
}
