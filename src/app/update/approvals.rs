//! The approvals screen: the tenant's requests awaiting approval; the
//! review of one with the warnings computed again against the subscription
//! as it is now; approve, reject with a reason, or cancel one's own.

use crate::api::{ChangeRequestDto, OperationDto, SubscriptionDto};
use crate::app::keymap::Action;
use crate::domain::OperationStatus;

use super::*;

/// `GET /change-requests?status=awaiting_approval`.
pub(super) fn load_approvals(model: &mut Model, fx: &mut Vec<Effect>) {
    let id = model.request(RequestKind::Approvals);
    if let Some(old) = model.approvals.loading.replace(id) {
        model.in_flight.remove(&old);
    }
    fx.push(Effect::LoadApprovals { id });
}

pub(super) fn on_approvals(
    model: &mut Model,
    id: RequestId,
    result: Result<Vec<ChangeRequestDto>, Failure>,
) {
    if !model.finish(id) || model.approvals.loading != Some(id) {
        return;
    }
    model.approvals.loading = None;
    model.dirty = true;
    match result {
        Ok(list) => {
            let len = list.len();
            model.approvals.requests = Some(list);
            model.approvals.error = None;
            for s in &mut model.stack {
                if let Screen::Approvals(a) = s {
                    a.selected = a.selected.min(len.saturating_sub(1));
                }
            }
        }
        Err(e) if needs_login(&e) => expire_session(model),
        Err(e) => model.approvals.error = Some(e),
    }
}

/// `a` from the services list (second_person tenants only).
pub(super) fn open_approvals(model: &mut Model, fx: &mut Vec<Effect>) {
    if !model.second_person() {
        return;
    }
    model
        .stack
        .push(Screen::Approvals(ApprovalsState::default()));
    load_approvals(model, fx);
}

/// The subscription of the request under review, as it is now: recompute
/// the plan (warnings, and whether the rules still allow it). Returns
/// whether the answer was for a review.
pub(super) fn approval_subscription(
    model: &mut Model,
    id: RequestId,
    result: &Result<SubscriptionDto, Failure>,
) -> bool {
    let (policy, now) = (model.policy, model.now);
    let Some(Screen::Approvals(a)) = model.stack.last_mut() else {
        return false;
    };
    let Some(r) = a.review.as_mut().filter(|r| r.loading == Some(id)) else {
        return false;
    };
    model.in_flight.remove(&id);
    r.loading = None;
    model.dirty = true;
    match result {
        Ok(sub) => {
            let plan = crate::domain::plan(
                &sub.to_domain(),
                &r.request.quantity.to_string(),
                r.request.effective.into(),
                &policy,
                now,
            );
            r.acks = match &plan {
                Ok(p) => vec![false; p.warnings.len()],
                Err(_) => Vec::new(),
            };
            r.plan = Some(plan);
            r.error = None;
        }
        Err(e) => r.error = Some(e.clone()),
    }
    true
}

pub(super) fn approvals_action(model: &mut Model, action: Action, fx: &mut Vec<Effect>) {
    let len = model.approvals.requests.as_ref().map_or(0, Vec::len);
    let Some(Screen::Approvals(a)) = model.stack.last_mut() else {
        return;
    };
    if a.review.is_some() {
        review_action(model, action, fx);
        return;
    }
    match action {
        Action::Back => {
            model.stack.pop();
        }
        Action::Refresh => load_approvals(model, fx),
        Action::Down => a.selected = (a.selected + 1).min(len.saturating_sub(1)),
        Action::Up => a.selected = a.selected.saturating_sub(1),
        Action::Open => {
            let Some(request) = model
                .approvals
                .requests
                .as_ref()
                .and_then(|l| l.get(a.selected))
                .cloned()
            else {
                return;
            };
            let sub_id = request.subscription_id.clone();
            let id = model.request(RequestKind::Subscription(sub_id.clone()));
            let mut review = ApprovalReview::new(request);
            review.loading = Some(id);
            if let Some(Screen::Approvals(a)) = model.stack.last_mut() {
                a.review = Some(Box::new(review));
            }
            fx.push(Effect::LoadSubscription {
                id,
                subscription_id: sub_id,
            });
        }
        _ => {}
    }
}

fn review_action(model: &mut Model, action: Action, fx: &mut Vec<Effect>) {
    let own_request = match &model.stack.last() {
        Some(Screen::Approvals(ApprovalsState {
            review: Some(r), ..
        })) => model.is_own(&r.request),
        _ => return,
    };
    let approver = model.is_approver();
    let Some(Screen::Approvals(ApprovalsState {
        review: Some(r), ..
    })) = model.stack.last_mut()
    else {
        return;
    };
    if r.decision.is_some() {
        return;
    }
    match action {
        Action::Back if r.rejecting => r.rejecting = false,
        Action::Back => {
            if let Some(Screen::Approvals(a)) = model.stack.last_mut() {
                a.review = None;
            }
        }
        Action::NextField if !r.acks.is_empty() => r.focus = (r.focus + 1) % r.acks.len(),
        Action::PrevField if !r.acks.is_empty() => {
            r.focus = (r.focus + r.acks.len() - 1) % r.acks.len();
        }
        Action::Toggle => {
            if let Some(a) = r.acks.get_mut(r.focus) {
                *a = !*a;
            }
        }
        Action::Approve if !own_request && approver && r.can_approve() => {
            decide(model, Decision::Approve, fx);
        }
        Action::Reject if !own_request && approver && !r.rejecting => {
            r.rejecting = true;
            r.error = None;
        }
        Action::Reject if r.rejecting => {
            let reason = r.reason.value().trim().to_string();
            if !reason.is_empty() {
                decide(model, Decision::Reject { reason }, fx);
            }
        }
        Action::CancelRequest if own_request => decide(model, Decision::Cancel, fx),
        _ => {}
    }
}

/// Send the decision about the request under review.
fn decide(model: &mut Model, decision: Decision, fx: &mut Vec<Effect>) {
    let key = model.new_idempotency_key();
    let user = model
        .session
        .info()
        .map(|i| i.user.username.clone())
        .unwrap_or_default();
    let portal = model.portal_url.clone();
    let now = model.now;
    let Some(Screen::Approvals(ApprovalsState {
        review: Some(r), ..
    })) = model.stack.last()
    else {
        return;
    };
    let cr = r.request.clone();
    let (status, detail) = match &decision {
        Decision::Approve => (AuditStatus::Approved, None),
        Decision::Reject { reason } => (AuditStatus::Rejected, Some(reason.clone())),
        Decision::Cancel => (AuditStatus::Cancelled, None),
    };
    let audit = AuditEntry {
        detail,
        ..AuditEntry::decision(now, &portal, &user, &cr, status, &key)
    };
    let id = model.request(RequestKind::Decision(cr.id.clone()));
    if let Some(Screen::Approvals(ApprovalsState {
        review: Some(r), ..
    })) = model.stack.last_mut()
    {
        r.decision = Some(id);
        r.error = None;
    }
    fx.push(Effect::DecideRequest {
        id,
        request_id: cr.id,
        decision,
        idempotency_key: key,
        audit,
    });
}

pub(super) fn on_decided(
    model: &mut Model,
    id: RequestId,
    result: Result<(ChangeRequestDto, Option<OperationDto>), Failure>,
    fx: &mut Vec<Effect>,
) {
    if !model.finish(id) {
        return;
    }
    model.dirty = true;
    let review = model.stack.iter_mut().find_map(|s| match s {
        Screen::Approvals(a) => a.review.as_mut().filter(|r| r.decision == Some(id)),
        _ => None,
    });
    match result {
        Ok((cr, op)) => {
            for s in &mut model.stack {
                if let Screen::Approvals(a) = s
                    && a.review.as_ref().is_some_and(|r| r.decision == Some(id))
                {
                    a.review = None;
                }
            }
            // A request of this session (cancelled here) stops being followed.
            if let Some(t) = model.requests.iter_mut().find(|t| t.request.id == cr.id) {
                t.request = cr.clone();
            }
            if let Some(op) = op {
                model.operations.push(OperationTracker {
                    operation_id: op.id.clone(),
                    subscription_id: cr.subscription_id.clone(),
                    subscription_name: cr.subscription_name.clone(),
                    from: cr.from,
                    target_quantity: op.target_quantity,
                    submitted_at: op.submitted_at,
                    status: OperationStatus::Pending,
                    completed_at: None,
                    error: None,
                    idempotency_key: String::new(),
                    approval_reference: cr.approval_reference.clone(),
                    change_request_id: Some(cr.id.clone()),
                });
                fx.push(Effect::TrackOperation {
                    operation_id: op.id,
                    sla_seconds: model.policy.provisioning_sla_seconds,
                });
            }
            model.toast(
                ToastLevel::Success,
                ToastMsg::RequestDecided {
                    subscription_name: cr.subscription_name.clone(),
                    status: cr.status,
                },
            );
            load_approvals(model, fx);
        }
        Err(e) if needs_login(&e) => {
            if let Some(r) = review {
                r.decision = None;
                r.error = Some(e);
            }
            expire_session(model);
        }
        Err(e) => {
            if let Some(r) = review {
                r.decision = None;
                r.error = Some(e);
            }
        }
    }
}
