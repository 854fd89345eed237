//! Change requests sent in a `second_person` tenant, followed until a
//! second person decides: approved (then provisioned like a direct change,
//! or scheduled for the renewal), rejected, cancelled, expired or failed.

use crate::api::{ChangeRequestDto, ChangeRequestStatus, ScheduledChangeDto};
use crate::domain::OperationStatus;

use super::*;

/// Start following a request this session sent.
pub(super) fn follow_request(
    model: &mut Model,
    request: ChangeRequestDto,
    idempotency_key: String,
    fx: &mut Vec<Effect>,
) {
    let request_id = request.id.clone();
    model.requests.retain(|r| r.request.id != request_id);
    model.requests.push(RequestTracker {
        request,
        idempotency_key,
        error: None,
    });
    fx.push(Effect::TrackRequest { request_id });
}

/// The wizard following `request_id`, if it is open.
fn wizard_for<'a>(model: &'a mut Model, request_id: &str) -> Option<&'a mut Wizard> {
    model.stack.iter_mut().find_map(|s| match s {
        Screen::Wizard(w)
            if matches!(&w.step, WizardStep::AwaitingApproval { request_id: r, .. } if r == request_id) =>
        {
            Some(&mut **w)
        }
        _ => None,
    })
}

pub(super) fn on_request(model: &mut Model, request: ChangeRequestDto, fx: &mut Vec<Effect>) {
    let Some(t) = model
        .requests
        .iter_mut()
        .find(|r| r.request.id == request.id)
    else {
        return;
    };
    model.dirty = true;
    let was_awaiting = t.is_awaiting();
    t.request = request.clone();
    t.error = None;
    let key = t.idempotency_key.clone();
    if !was_awaiting || request.status == ChangeRequestStatus::AwaitingApproval {
        return;
    }
    // A review of it left open (its requester's) is over, and the list of
    // what awaits approval changed.
    for s in &mut model.stack {
        if let Screen::Approvals(a) = s
            && a.review
                .as_ref()
                .is_some_and(|r| r.request.id == request.id)
        {
            a.review = None;
        }
    }
    if model.second_person() {
        load_approvals(model, fx);
    }
    let name = request.subscription_name.clone();
    match (request.status, &request.operation_id) {
        (ChangeRequestStatus::Approved, Some(op_id)) => {
            let submitted_at = request.decided_at.unwrap_or(model.now);
            model.operations.push(OperationTracker {
                operation_id: op_id.clone(),
                subscription_id: request.subscription_id.clone(),
                subscription_name: name,
                from: request.from,
                target_quantity: request.quantity,
                submitted_at,
                status: OperationStatus::Pending,
                completed_at: None,
                error: None,
                idempotency_key: key.clone(),
                approval_reference: request.approval_reference.clone(),
                change_request_id: Some(request.id.clone()),
            });
            fx.push(Effect::TrackOperation {
                operation_id: op_id.clone(),
                sla_seconds: model.policy.provisioning_sla_seconds,
            });
            if let Some(w) = wizard_for(model, &request.id)
                && let WizardStep::AwaitingApproval { plan, .. } = &w.step
            {
                let plan = plan.clone();
                w.step = WizardStep::Tracking {
                    plan,
                    operation_id: op_id.clone(),
                    idempotency_key: key,
                };
            }
        }
        (ChangeRequestStatus::Approved, None) => {
            let sc = ScheduledChangeDto {
                quantity: request.quantity,
                effective_date: request.effective_date,
            };
            if let Some(w) = wizard_for(model, &request.id)
                && let WizardStep::AwaitingApproval { plan, .. } = &w.step
            {
                let plan = plan.clone();
                w.step = WizardStep::Done {
                    plan,
                    outcome: DoneOutcome::Scheduled(sc.clone()),
                };
            }
            model.toast(
                ToastLevel::Success,
                ToastMsg::ChangeScheduled {
                    subscription_name: name,
                    quantity: sc.quantity,
                    date: sc.effective_date,
                },
            );
        }
        (status, _) => model.toast(
            ToastLevel::Error,
            ToastMsg::RequestClosed {
                subscription_name: name,
                status,
                reason: request.reason.clone(),
            },
        ),
    }
    // The subscription shown may have changed (or is about to).
    let sub_id = request.subscription_id.clone();
    if model
        .stack
        .iter()
        .any(|s| matches!(s, Screen::Detail(d) if d.subscription_id == sub_id))
    {
        load_subscription(model, &sub_id, fx);
    }
}

pub(super) fn on_request_stopped(model: &mut Model, request_id: &str, failure: Failure) {
    if needs_login(&failure) {
        expire_session(model);
    }
    if let Some(t) = model
        .requests
        .iter_mut()
        .find(|r| r.request.id == request_id)
    {
        t.error = Some(failure);
        model.dirty = true;
    }
}
