//! `licencias change`: the wizard's flow without the screen. The same rules
//! (`domain::plan` on the subscription as the portal returns it now), the
//! same review facts and warnings (by name), internal approval, a
//! confirmation, one send with an Idempotency-Key, the same audit lines.

use std::time::Duration;

use chrono::{NaiveDate, Utc};
use serde::Serialize;
use tokio::time::Instant;

use super::session::Signed;
use super::{CommandError, Ctx, Exit, find_subscription, session};
use crate::api::{
    ApprovalMode, ChangeRequest, ChangeRequestDto, ChangeRequestStatus, EffectiveDto, ErrorCode,
    OperationDto, ScheduledChangeDto, SubscriptionDto,
};
use crate::audit::{AuditLog, AuditRecord, AuditStatus, Via};
use crate::cli::{ChangeArgs, ChangeAt};
use crate::domain::{
    self, ChangePlan, Effective, OperationStatus, Policy, Quantity, WarningName, parse_total,
};
use crate::i18n::{CliLabel, Label, review_facts};
use crate::portal::{ChangeOutcome, PortalError, track_operation, track_request};

/// The `--json` document of a change.
#[derive(Debug, Serialize)]
struct ChangeResult<'a> {
    result: &'static str,
    subscription_id: &'a str,
    from: Quantity,
    to: Quantity,
    effective: EffectiveDto,
    effective_date: Option<NaiveDate>,
    idempotency_key: &'a str,
    operation: Option<&'a OperationDto>,
    scheduled_change: Option<&'a ScheduledChangeDto>,
    warnings: Vec<&'static str>,
    /// The change request, in a tenant where a second person approves
    /// (absent elsewhere, so the first shape is unchanged).
    #[serde(skip_serializing_if = "Option::is_none")]
    change_request: Option<&'a ChangeRequestDto>,
}

/// What was sent, for the result.
struct Sent<'a> {
    record: &'a AuditRecord,
    warnings: Vec<&'static str>,
}

impl Sent<'_> {
    fn result<'b>(
        &'b self,
        result: &'static str,
        operation: Option<&'b OperationDto>,
        scheduled: Option<&'b ScheduledChangeDto>,
    ) -> ChangeResult<'b> {
        ChangeResult {
            result,
            subscription_id: &self.record.subscription,
            from: self.record.from,
            to: self.record.to,
            effective: self.record.effective,
            effective_date: scheduled
                .map(|s| s.effective_date)
                .or(self.record.effective_date),
            idempotency_key: &self.record.idempotency_key,
            operation,
            scheduled_change: scheduled,
            warnings: self.warnings.clone(),
            change_request: None,
        }
    }
}

impl<'a> ChangeResult<'a> {
    fn with_request(mut self, cr: &'a ChangeRequestDto) -> Self {
        self.change_request = Some(cr);
        self
    }
}

pub(super) fn audit_error(ctx: &Ctx, e: &crate::audit::AuditError) -> CommandError {
    CommandError::new(
        Exit::Failure,
        "audit_log",
        ctx.t.audit_failed(&e.to_string()),
    )
}

pub(super) fn not_confirmed(code: &str, message: String) -> CommandError {
    CommandError::new(Exit::NotConfirmed, code, message)
}

/// The `--accept` names (an unknown name is a usage error).
pub(super) fn accepted_names(
    ctx: &Ctx,
    names: &[String],
) -> Result<Vec<WarningName>, CommandError> {
    let known: Vec<&str> = WarningName::ALL.iter().map(|n| n.as_str()).collect();
    names
        .iter()
        .filter(|n| !n.trim().is_empty())
        .map(|n| {
            n.parse::<WarningName>().map_err(|_| {
                CommandError::new(
                    Exit::Usage,
                    "unknown_warning",
                    ctx.t.unknown_warning(n, &known),
                )
                .with("known", &known)
            })
        })
        .collect()
}

/// Every warning the plan raises must be named in `--accept` (there is no
/// "accept all"), or nothing is sent (exit 5, listing the names missing).
pub(super) fn require_accepted(
    ctx: &Ctx,
    plan: &ChangePlan,
    accept: &[WarningName],
) -> Result<(), CommandError> {
    let mut missing: Vec<&'static str> = plan
        .warnings
        .iter()
        .map(|w| w.name())
        .filter(|n| !accept.contains(n))
        .map(WarningName::as_str)
        .collect();
    missing.dedup();
    if missing.is_empty() {
        return Ok(());
    }
    Err(not_confirmed(
        "warnings_not_accepted",
        ctx.t.warnings_not_accepted(&missing),
    )
    .with("missing", &missing))
}

/// `--yes`, or the user types `expected` again on a terminal.
pub fn confirm(ctx: &Ctx, yes: bool, prompt: &str, expected: Quantity) -> Result<(), CommandError> {
    if yes {
        return Ok(());
    }
    if !ctx.out.interactive() {
        return Err(not_confirmed(
            "confirmation_required",
            ctx.t.confirmation_required(),
        ));
    }
    let typed = ctx.out.ask(prompt).unwrap_or_default();
    if typed.trim() == expected.to_string() {
        Ok(())
    } else {
        Err(not_confirmed(
            "cancelled",
            ctx.t.cli_label(CliLabel::Cancelled).to_string(),
        ))
    }
}

/// The review, on stderr: the facts, then each warning with its name.
pub(super) fn print_review(ctx: &Ctx, dto: &SubscriptionDto, plan: &ChangePlan, tz: chrono_tz::Tz) {
    let t = ctx.t;
    let facts = review_facts(t, plan, tz);
    let width = facts
        .iter()
        .map(|f| t.label(f.label).chars().count())
        .max()
        .unwrap_or(0);
    let mut text = format!(
        "{} - {} ({})\n",
        t.label(Label::ReviewTitle),
        dto.name,
        dto.id
    );
    for f in &facts {
        text.push_str(&format!("  {:>width$}: {}\n", t.label(f.label), f.value));
    }
    if !plan.warnings.is_empty() {
        text.push_str(&format!("{}\n", t.cli_label(CliLabel::Warnings)));
        for w in &plan.warnings {
            text.push_str(&format!("  [{}] {}\n", w.name(), t.warning(w)));
        }
    }
    ctx.note(text.trim_end());
}

/// What `change` holds once the subscription is read: the session, the
/// audit log, the subscription as the portal gives it now, the policy, and
/// the audit line every outcome starts from.
struct Prepared {
    signed: Signed,
    audit: AuditLog,
    dto: SubscriptionDto,
    policy: Policy,
    base: AuditRecord,
    approved: bool,
    /// How the tenant approves changes (`GET /me`).
    mode: ApprovalMode,
}

/// The Idempotency-Key: `--idempotency-key` (an HTTP header value, so
/// visible ASCII only) or a new one.
fn idempotency_key(ctx: &Ctx, args: &ChangeArgs) -> Result<String, CommandError> {
    match args.idempotency_key.as_deref().map(str::trim) {
        Some(k) if k.is_empty() || !k.bytes().all(|b| b.is_ascii_graphic()) => {
            Err(CommandError::new(
                Exit::Usage,
                "invalid_idempotency_key",
                ctx.t.bad_value("--idempotency-key", k),
            ))
        }
        Some(k) => Ok(k.to_string()),
        None => Ok(uuid::Uuid::new_v4().to_string()),
    }
}

/// Open the audit log, resume the session, read the policy and the
/// subscription as the portal returns it right now.
async fn prepare(ctx: &Ctx, args: &ChangeArgs) -> Result<Prepared, CommandError> {
    let reference = args
        .approval_ref
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    let approved = args.approved || reference.is_some();
    let key = idempotency_key(ctx, args)?;
    let audit = AuditLog::open_default()
        .map(|l| l.via(Via::Cli))
        .map_err(|e| audit_error(ctx, &e))?;
    let signed = session::resume(ctx).await?;
    let policy = signed.policy(ctx).await?;
    let mode = approval_mode(ctx, &signed).await?;
    let dto = find_subscription(ctx, &signed.client, &args.subscription).await?;
    let effective = match args.at {
        ChangeAt::Now => Effective::Now,
        ChangeAt::Renewal => Effective::AtRenewal,
    };
    let base = AuditRecord {
        time: Utc::now(),
        portal: signed.client.base_url().to_string(),
        user: signed.username.clone(),
        subscription: dto.id.clone(),
        from: dto.quantity,
        to: dto.quantity,
        effective: effective.into(),
        effective_date: None,
        approval_reference: reference,
        idempotency_key: key,
        operation_id: None,
        status: AuditStatus::Submitted,
        detail: None,
        expected_version: Some(dto.version),
        change_request_id: None,
    };
    Ok(Prepared {
        signed,
        audit,
        dto,
        policy,
        base,
        approved,
        mode,
    })
}

/// The tenant's approval mode; a portal without `GET /me` (older than
/// two-person approval) is in the first mode, the requester attests.
async fn approval_mode(ctx: &Ctx, signed: &Signed) -> Result<ApprovalMode, CommandError> {
    match signed.client.me().await {
        Ok(me) => Ok(me.tenant.approval),
        Err(PortalError::NotFound) => Ok(ApprovalMode::Attest),
        Err(e) => Err(signed.fail(ctx, &e)),
    }
}

/// Internal approval: the requester attests it (`--approved` or a
/// reference), unless a second person approves on the portal.
fn check_approval(ctx: &Ctx, p: &Prepared) -> Result<(), CommandError> {
    if p.approved || p.mode == ApprovalMode::SecondPerson {
        return Ok(());
    }
    Err(not_confirmed(
        "approval_required",
        ctx.t.approval_required(),
    ))
}

pub async fn run(ctx: &Ctx, args: &ChangeArgs) -> Result<Exit, CommandError> {
    let accept = accepted_names(ctx, &args.accept)?;
    let mut p = prepare(ctx, args).await?;
    // A retry of a change already recorded with this key: send the same
    // request again, so the portal replays its first answer.
    if args.idempotency_key.is_some()
        && let Some(first) = first_submission(&p.audit, &p.base)
    {
        return replay(ctx, args, &mut p, first).await;
    }
    let tz = p.policy.time_zone;
    let effective = p.base.effective.into();
    let plan = domain::plan(
        &p.dto.to_domain(),
        &args.total,
        effective,
        &p.policy,
        ctx.now(),
    )
    .map_err(|r| CommandError::refusal(ctx.t, &r, Some(&p.dto), tz))?;
    print_review(ctx, &p.dto, &plan, tz);
    require_accepted(ctx, &plan, &accept)?;
    check_approval(ctx, &p)?;
    confirm(ctx, args.yes, &ctx.t.confirm_prompt(plan.to), plan.to)?;
    let request = ChangeRequest {
        quantity: plan.to,
        effective: plan.effective.into(),
        expected_version: p.dto.version,
        approval_reference: p.base.approval_reference.clone(),
    };
    let record = AuditRecord {
        to: plan.to,
        from: plan.from,
        effective_date: Some(plan.effective_date),
        ..p.base.clone()
    };
    let sent = Sent {
        record: &record,
        warnings: plan.warnings.iter().map(|w| w.name().as_str()).collect(),
    };
    send(ctx, &mut p, &request, &sent, args).await
}

/// The same command again with a key already in the audit log: the same
/// request is sent again (still approved and confirmed), so the portal
/// replays its first answer instead of applying the change twice.
async fn replay(
    ctx: &Ctx,
    args: &ChangeArgs,
    p: &mut Prepared,
    first: AuditRecord,
) -> Result<Exit, CommandError> {
    let key = p.base.idempotency_key.clone();
    let same_change = first.subscription == p.dto.id
        && first.effective == p.base.effective
        && parse_total(&args.total, first.from) == Ok(first.to);
    let Some(version) = first.expected_version.filter(|_| same_change) else {
        return Err(CommandError::new(
            Exit::Refused,
            "idempotency_key_reused",
            ctx.t.key_reused(&key, &first.subscription, first.to),
        ));
    };
    check_approval(ctx, p)?;
    confirm(ctx, args.yes, &ctx.t.confirm_prompt(first.to), first.to)?;
    ctx.note(&ctx.t.replaying(&key));
    let request = ChangeRequest {
        quantity: first.to,
        effective: first.effective,
        expected_version: version,
        approval_reference: first.approval_reference.clone(),
    };
    let record = AuditRecord {
        time: Utc::now(),
        ..first
    };
    let sent = Sent {
        record: &record,
        warnings: Vec::new(),
    };
    send(ctx, p, &request, &sent, args).await
}

fn first_submission(audit: &AuditLog, base: &AuditRecord) -> Option<AuditRecord> {
    audit.read_all().ok()?.into_iter().find(|r| {
        r.status == AuditStatus::Submitted
            && r.idempotency_key == base.idempotency_key
            && r.portal == base.portal
            && r.user == base.user
    })
}

/// Write `submitted`, send once, write the outcome; then report (and follow
/// the operation with `--wait`).
async fn send(
    ctx: &Ctx,
    p: &mut Prepared,
    request: &ChangeRequest,
    sent: &Sent<'_>,
    args: &ChangeArgs,
) -> Result<Exit, CommandError> {
    let Prepared {
        signed,
        audit,
        dto,
        policy,
        ..
    } = p;
    let (dto, policy) = (&*dto, &*policy);
    let record = sent.record;
    // Not recorded, not sent.
    audit
        .append_async(record.clone())
        .await
        .map_err(|e| audit_error(ctx, &e))?;
    let result = signed
        .client
        .submit_change(&dto.id, request, &record.idempotency_key)
        .await;
    if let Err(e) = audit.append_async(record.outcome(&result)).await {
        ctx.note(&ctx.t.audit_failed(&e.to_string()));
    }
    let t = ctx.t;
    let sla = Duration::from_secs(policy.provisioning_sla_seconds);
    let deadline = Instant::now() + Duration::from_secs(args.wait_timeout);
    match result {
        Ok(ChangeOutcome::Scheduled(sc)) => {
            report_scheduled(ctx, sent, &sc, None);
            Ok(Exit::Success)
        }
        Ok(ChangeOutcome::Accepted(op)) if !args.wait => {
            if ctx.json {
                ctx.out.json(&sent.result("accepted", Some(&op), None));
            } else {
                ctx.out.result(&t.accepted(&op.id, sla.as_secs()));
            }
            Ok(Exit::Success)
        }
        Ok(ChangeOutcome::Accepted(op)) => {
            ctx.note(&t.accepted(&op.id, sla.as_secs()));
            let waiting = Waiting {
                sent,
                deadline,
                sla,
                request: None,
                subscription: &dto.id,
                wait_timeout: args.wait_timeout,
            };
            wait_operation(ctx, signed, audit, op, &waiting).await
        }
        Ok(ChangeOutcome::AwaitingApproval(cr)) => {
            let text = crate::i18n::Catalog::request_status(t, &cr, policy.time_zone);
            if !args.wait {
                if ctx.json {
                    let doc = sent
                        .result("awaiting_approval", None, None)
                        .with_request(&cr);
                    ctx.out.json(&doc);
                } else {
                    ctx.out.result(&text);
                }
                return Ok(Exit::Success);
            }
            ctx.note(&text);
            let decided = await_decision(ctx, signed, *cr, deadline).await?;
            let waiting = Waiting {
                sent,
                deadline,
                sla,
                request: Some(&decided),
                subscription: &dto.id,
                wait_timeout: args.wait_timeout,
            };
            after_decision(ctx, signed, audit, &waiting).await
        }
        Err(e) => {
            let err = CommandError::portal(t, &e, Some(dto), policy.time_zone);
            Err(with_open_request(signed, &e, &dto.id, err).await)
        }
    }
}

/// `approval_pending`: the request that awaits, in `details.change_request_id`
/// as the portal gives it (looked up, the client's error keeps no details).
async fn with_open_request(
    signed: &Signed,
    e: &PortalError,
    subscription: &str,
    err: CommandError,
) -> CommandError {
    let PortalError::Server {
        code: Some(ErrorCode::ApprovalPending),
        ..
    } = e
    else {
        return err;
    };
    match signed
        .client
        .change_requests(Some(ChangeRequestStatus::AwaitingApproval))
        .await
    {
        Ok(open) => match open.iter().find(|cr| cr.subscription_id == subscription) {
            Some(cr) => err.with("change_request_id", &cr.id),
            None => err,
        },
        Err(_) => err,
    }
}

/// What waiting for a change needs to report on it.
struct Waiting<'a> {
    sent: &'a Sent<'a>,
    /// When `--wait-timeout` passes (for the decision and the operation).
    deadline: Instant,
    sla: Duration,
    /// The change request, in a tenant where a second person approves.
    request: Option<&'a ChangeRequestDto>,
    subscription: &'a str,
    wait_timeout: u64,
}

/// A change scheduled for the renewal (at once, or once approved).
fn report_scheduled(
    ctx: &Ctx,
    sent: &Sent<'_>,
    sc: &ScheduledChangeDto,
    request: Option<&ChangeRequestDto>,
) {
    if ctx.json {
        let mut doc = sent.result("scheduled", None, Some(sc));
        doc.change_request = request;
        ctx.out.json(&doc);
    } else {
        ctx.out
            .result(&ctx.t.change_scheduled(sc.quantity, sc.effective_date));
    }
}

/// The request is decided (or `--wait-timeout` passed while it awaited):
/// approved goes on like a direct change; rejected, cancelled, expired or
/// failed is exit 7; still awaiting is exit 8.
async fn after_decision(
    ctx: &Ctx,
    signed: &mut Signed,
    audit: &AuditLog,
    w: &Waiting<'_>,
) -> Result<Exit, CommandError> {
    let Some(cr) = w.request else {
        return Ok(Exit::Success);
    };
    let t = ctx.t;
    let (exit, text) = match cr.status {
        ChangeRequestStatus::Approved => {
            if let Some(op_id) = &cr.operation_id {
                let op = signed
                    .client
                    .operation(op_id)
                    .await
                    .map_err(|e| signed.fail(ctx, &e))?;
                ctx.note(&t.accepted(&op.id, w.sla.as_secs()));
                return wait_operation(ctx, signed, audit, op, w).await;
            }
            let sc = ScheduledChangeDto {
                quantity: cr.quantity,
                effective_date: cr.effective_date,
            };
            report_scheduled(ctx, w.sent, &sc, Some(cr));
            return Ok(Exit::Success);
        }
        ChangeRequestStatus::AwaitingApproval => {
            (Exit::StillPending, t.still_awaiting(&cr.id, w.wait_timeout))
        }
        ChangeRequestStatus::Rejected
        | ChangeRequestStatus::Cancelled
        | ChangeRequestStatus::Expired
        | ChangeRequestStatus::Failed => (Exit::OperationFailed, t.request_ended(cr)),
    };
    if ctx.json {
        let doc = w
            .sent
            .result(cr.status.as_str(), None, None)
            .with_request(cr);
        ctx.out.json(&doc);
    } else {
        ctx.out.result(&text);
    }
    Ok(exit)
}

/// Follow an accepted operation until it finishes or the deadline passes,
/// write `succeeded` / `failed`, report.
async fn wait_operation(
    ctx: &Ctx,
    signed: &mut Signed,
    audit: &AuditLog,
    op: OperationDto,
    w: &Waiting<'_>,
) -> Result<Exit, CommandError> {
    let t = ctx.t;
    let record = w.sent.record;
    let timeout = w.deadline.saturating_duration_since(Instant::now());
    let last = follow(ctx, signed, op, timeout, w.sla).await?;
    let (exit, name) = match last.status {
        OperationStatus::Succeeded => (Exit::Success, "succeeded"),
        OperationStatus::Failed => (Exit::OperationFailed, "failed"),
        OperationStatus::Pending => (Exit::StillPending, "pending"),
    };
    if last.status != OperationStatus::Pending {
        let mut line = record.with_status(if exit == Exit::Success {
            AuditStatus::Succeeded
        } else {
            AuditStatus::Failed
        });
        line.operation_id = Some(last.id.clone());
        line.change_request_id = w.request.map(|cr| cr.id.clone());
        if let Err(e) = audit.append_async(line).await {
            ctx.note(&t.audit_failed(&e.to_string()));
        }
    }
    if ctx.json {
        let mut doc = w.sent.result(name, Some(&last), None);
        doc.change_request = w.request;
        ctx.out.json(&doc);
    } else {
        let text = match last.status {
            OperationStatus::Succeeded => t.change_applied(last.target_quantity),
            OperationStatus::Failed => t.operation_failed(&last.id, record.from),
            OperationStatus::Pending => t.still_pending(&last.id, w.wait_timeout, w.subscription),
        };
        ctx.out.result(&text);
    }
    Ok(exit)
}

/// Read the change request again until it is no longer awaiting approval
/// or the deadline passes (the last state read is returned), with the
/// TUI's tracker (`portal::track_request`). The session is freshened first;
/// a refresh while waiting goes through the kept session, under the lock.
async fn await_decision(
    ctx: &Ctx,
    signed: &mut Signed,
    cr: ChangeRequestDto,
    deadline: Instant,
) -> Result<ChangeRequestDto, CommandError> {
    let start = Instant::now();
    let progress = ctx.out.stderr_tty;
    signed.freshen(ctx).await?;
    let result = track_request(&signed.client, &cr.id, Some(deadline), |r| {
        if progress {
            let line = ctx.t.waiting_approval(&r.id, start.elapsed().as_secs());
            eprint!("\r{line}\x1b[K");
        }
    })
    .await;
    if progress {
        eprintln!();
    }
    match result {
        Ok(last) => Ok(last.unwrap_or(cr)),
        Err(e) => Err(signed.fail(ctx, &e)),
    }
}

/// Follow the operation until it is finished or `timeout` passes (the last
/// state read is returned, still pending then). Tracking is the TUI's
/// (`portal::track_operation`); it is restarted around each freshening of
/// the session, so a refresh token is only ever presented under the lock.
async fn follow(
    ctx: &Ctx,
    signed: &mut Signed,
    op: OperationDto,
    timeout: Duration,
    sla: Duration,
) -> Result<OperationDto, CommandError> {
    let start = Instant::now();
    let deadline = start + timeout;
    let mut last = op;
    let progress = ctx.out.stderr_tty;
    while last.status == OperationStatus::Pending {
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        signed.freshen(ctx).await?;
        let until_freshen =
            (signed.access_expires_at() - Utc::now() - chrono::Duration::seconds(60))
                .to_std()
                .unwrap_or(Duration::ZERO)
                .max(Duration::from_secs(1));
        let slice = (deadline - now).min(until_freshen);
        let mut seen: Option<OperationDto> = None;
        let tracked = tokio::time::timeout(
            slice,
            track_operation(&signed.client, &last.id, sla, |p| {
                if let Some(op) = p.operation {
                    seen = Some(op);
                }
                if progress {
                    let line =
                        ctx.t
                            .waiting(&p.operation_id, start.elapsed().as_secs(), sla.as_secs());
                    eprint!("\r{line}\x1b[K");
                }
            }),
        )
        .await;
        if let Some(op) = seen {
            last = op;
        }
        match tracked {
            Ok(Ok(op)) => last = op,
            Ok(Err(PortalError::StillPending { .. })) | Err(_) => {}
            Ok(Err(e)) => {
                if progress {
                    eprintln!();
                }
                return Err(signed.fail(ctx, &e));
            }
        }
    }
    if progress {
        eprintln!();
    }
    Ok(last)
}
