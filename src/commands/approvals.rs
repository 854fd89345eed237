//! Two-person approval from a script: `approvals` (what awaits a decision),
//! `approve` (the same review, warnings and confirmation as `change`, on the
//! subscription as it is now), `reject` (with the reason) and
//! `cancel-request` (the requester's own). Every decision goes out once with
//! an Idempotency-Key and is written to the audit log with the request id.

use serde::Serialize;

use super::change::{accepted_names, audit_error, confirm, print_review, require_accepted};
use super::session::{self, Signed};
use super::{Align, CommandError, Ctx, Exit, Table};
use crate::api::{
    ChangeRequestDto, ChangeRequestStatus, MAX_REASON_CHARS, OperationDto, ScheduledChangeDto,
};
use crate::audit::{AuditLog, AuditRecord, AuditStatus, Via};
use crate::cli::{ApprovalsArgs, ApproveArgs, CancelRequestArgs, RejectArgs};
use crate::domain;
use crate::i18n::CliLabel;

/// The `--json` document of `approve`.
#[derive(Debug, Serialize)]
struct Approved<'a> {
    /// `accepted` (an immediate change, being provisioned) or `scheduled`.
    result: &'static str,
    change_request: &'a ChangeRequestDto,
    operation: Option<&'a OperationDto>,
    scheduled_change: Option<&'a ScheduledChangeDto>,
    /// The warnings accepted, as computed now.
    warnings: Vec<&'static str>,
}

/// The `--json` document of `reject` and `cancel-request`.
#[derive(Debug, Serialize)]
struct Decided<'a> {
    /// `rejected` or `cancelled`.
    result: &'static str,
    change_request: &'a ChangeRequestDto,
}

fn audit_log(ctx: &Ctx) -> Result<AuditLog, CommandError> {
    AuditLog::open_default()
        .map(|l| l.via(Via::Cli))
        .map_err(|e| audit_error(ctx, &e))
}

/// Write the decision line (the decision is taken: a failed write is said,
/// not fatal).
async fn record(
    ctx: &Ctx,
    audit: &AuditLog,
    signed: &Signed,
    cr: &ChangeRequestDto,
    status: AuditStatus,
    key: &str,
) {
    let line = AuditRecord::decision(
        chrono::Utc::now(),
        signed.client.base_url(),
        &signed.username,
        cr,
        status,
        key,
    );
    if let Err(e) = audit.append_async(line).await {
        ctx.note(&ctx.t.audit_failed(&e.to_string()));
    }
}

/// Age of a request, in seconds (never negative).
fn age_secs(ctx: &Ctx, cr: &ChangeRequestDto) -> u64 {
    u64::try_from((ctx.now() - cr.requested_at).num_seconds()).unwrap_or(0)
}

/// `licencias approvals`: the requests awaiting approval in the tenant.
pub async fn list(ctx: &Ctx, _args: &ApprovalsArgs) -> Result<Exit, CommandError> {
    let signed = session::resume(ctx).await?;
    if !ctx.json {
        signed.policy(ctx).await?;
    }
    let requests = signed
        .client
        .change_requests(Some(ChangeRequestStatus::AwaitingApproval))
        .await
        .map_err(|e| signed.fail(ctx, &e))?;
    if ctx.json {
        ctx.out.json(&requests);
        return Ok(Exit::Success);
    }
    if requests.is_empty() {
        ctx.note(&ctx.t.no_requests());
        return Ok(Exit::Success);
    }
    let t = ctx.t;
    let tz = ctx.tz();
    let mut own = false;
    let rows = requests
        .iter()
        .map(|cr| {
            let mine = cr.requested_by.username == signed.username;
            own |= mine;
            vec![
                format!("{}{}", cr.id, if mine { " *" } else { "" }),
                cr.subscription_name.clone(),
                format!("{} -> {}", cr.from, cr.quantity),
                t.date(cr.effective_date),
                cr.requested_by.display_name.clone(),
                t.duration(age_secs(ctx, cr)),
                t.date_time(cr.expires_at, tz),
            ]
        })
        .collect();
    let label = |l: CliLabel| t.cli_label(l).to_string();
    ctx.out.table(&Table {
        headers: vec![
            label(CliLabel::ColRequest),
            label(CliLabel::ColSubscription),
            label(CliLabel::ColChange),
            label(CliLabel::ColEffective),
            label(CliLabel::ColRequestedBy),
            label(CliLabel::ColAge),
            label(CliLabel::ColExpires),
        ],
        align: vec![
            Align::Left,
            Align::Left,
            Align::Right,
            Align::Left,
            Align::Left,
            Align::Right,
            Align::Left,
        ],
        rows,
        flexible: 1,
    });
    if own {
        ctx.note(&t.own_requests_note());
    }
    Ok(Exit::Success)
}

/// `licencias approve ID`: the request is read again and planned against
/// the subscription as it is now (`domain::plan`, like `change`); nothing is
/// sent when the rules refuse, the subscription moved, a warning is not
/// accepted by name, or the approval is not confirmed.
pub async fn approve(ctx: &Ctx, args: &ApproveArgs) -> Result<Exit, CommandError> {
    let accept = accepted_names(ctx, &args.accept)?;
    let audit = audit_log(ctx)?;
    let signed = session::resume(ctx).await?;
    let policy = signed.policy(ctx).await?;
    let tz = policy.time_zone;
    let t = ctx.t;
    let cr = signed
        .client
        .change_request(args.request.trim())
        .await
        .map_err(|e| signed.fail(ctx, &e))?;
    if cr.status != ChangeRequestStatus::AwaitingApproval {
        return Err(CommandError::new(
            Exit::Conflict,
            "request_not_pending",
            t.not_awaiting(&cr.id, cr.status),
        )
        .with("status", cr.status));
    }
    if cr.requested_by.username == signed.username {
        return Err(CommandError::new(
            Exit::Refused,
            "self_approval_forbidden",
            t.own_request(&cr.id),
        ));
    }
    let dto = signed
        .client
        .subscription(&cr.subscription_id)
        .await
        .map_err(|e| signed.fail(ctx, &e))?;
    if dto.quantity != cr.from {
        return Err(CommandError::new(
            Exit::Conflict,
            "request_stale",
            t.request_stale(&cr.id, cr.from, dto.quantity),
        )
        .with("subscription", &dto));
    }
    let plan = domain::plan(
        &dto.to_domain(),
        &cr.quantity.to_string(),
        cr.effective.into(),
        &policy,
        ctx.now(),
    )
    .map_err(|r| CommandError::refusal(t, &r, Some(&dto), tz))?;
    ctx.note(&t.request_summary(&cr, age_secs(ctx, &cr), &t.date_time(cr.expires_at, tz)));
    print_review(ctx, &dto, &plan, tz);
    require_accepted(ctx, &plan, &accept)?;
    confirm(ctx, args.yes, &t.confirm_prompt(plan.to), plan.to)?;
    let key = uuid::Uuid::new_v4().to_string();
    let answer = signed
        .client
        .approve(&cr.id, &key)
        .await
        .map_err(|e| CommandError::portal(t, &e, Some(&dto), tz))?;
    record(
        ctx,
        &audit,
        &signed,
        &answer.change_request,
        AuditStatus::Approved,
        &key,
    )
    .await;
    let warnings = plan.warnings.iter().map(|w| w.name().as_str()).collect();
    let sla = policy.provisioning_sla_seconds;
    if ctx.json {
        ctx.out.json(&Approved {
            result: if answer.operation.is_some() {
                "accepted"
            } else {
                "scheduled"
            },
            change_request: &answer.change_request,
            operation: answer.operation.as_ref(),
            scheduled_change: answer.scheduled_change.as_ref(),
            warnings,
        });
        return Ok(Exit::Success);
    }
    let mut text = t.request_approved(&answer.change_request.id);
    if let Some(op) = &answer.operation {
        text = format!("{text} {}", t.accepted(&op.id, sla));
    } else if let Some(sc) = &answer.scheduled_change {
        text = format!(
            "{text} {}",
            t.change_scheduled(sc.quantity, sc.effective_date)
        );
    }
    ctx.out.result(&text);
    Ok(Exit::Success)
}

/// `licencias reject ID --reason TEXT`.
pub async fn reject(ctx: &Ctx, args: &RejectArgs) -> Result<Exit, CommandError> {
    let reason = args.reason.trim();
    let chars = reason.chars().count();
    if chars == 0 || chars > MAX_REASON_CHARS {
        return Err(CommandError::new(
            Exit::Usage,
            "invalid_reason",
            ctx.t.bad_reason(MAX_REASON_CHARS),
        )
        .with("max", MAX_REASON_CHARS));
    }
    let audit = audit_log(ctx)?;
    let signed = session::resume(ctx).await?;
    let key = uuid::Uuid::new_v4().to_string();
    let cr = signed
        .client
        .reject(args.request.trim(), reason, &key)
        .await
        .map_err(|e| signed.fail(ctx, &e))?;
    record(ctx, &audit, &signed, &cr, AuditStatus::Rejected, &key).await;
    report(ctx, "rejected", &cr, &ctx.t.request_rejected(&cr.id));
    Ok(Exit::Success)
}

/// `licencias cancel-request ID`: the requester withdraws their own request.
pub async fn cancel(ctx: &Ctx, args: &CancelRequestArgs) -> Result<Exit, CommandError> {
    let audit = audit_log(ctx)?;
    let signed = session::resume(ctx).await?;
    let key = uuid::Uuid::new_v4().to_string();
    let cr = signed
        .client
        .cancel_request(args.request.trim(), &key)
        .await
        .map_err(|e| signed.fail(ctx, &e))?;
    record(ctx, &audit, &signed, &cr, AuditStatus::Cancelled, &key).await;
    report(ctx, "cancelled", &cr, &ctx.t.request_cancelled(&cr.id));
    Ok(Exit::Success)
}

/// A rejection or a cancellation: the document, or the sentence.
fn report(ctx: &Ctx, result: &'static str, cr: &ChangeRequestDto, text: &str) {
    if ctx.json {
        ctx.out.json(&Decided {
            result,
            change_request: cr,
        });
    } else {
        ctx.out.result(text);
    }
}
