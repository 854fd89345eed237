//! Operation trackers: progress, the final status, audit lines.

use crate::api::OperationDto;
use crate::domain::OperationStatus;

use super::*;

pub(super) fn on_operation(model: &mut Model, op: &OperationDto, fx: &mut Vec<Effect>) {
    let Some(t) = model
        .operations
        .iter_mut()
        .find(|t| t.operation_id == op.id)
    else {
        return;
    };
    model.dirty = true;
    let was_pending = t.status == OperationStatus::Pending;
    t.status = op.status;
    t.completed_at = op.completed_at;
    t.error = None;
    if !was_pending || op.status == OperationStatus::Pending {
        return;
    }
    let t = t.clone();
    let succeeded = op.status == OperationStatus::Succeeded;
    // Only changes confirmed in this session have a key and audit lines.
    if !t.idempotency_key.is_empty() {
        fx.push(Effect::AppendAudit(AuditEntry {
            time: model.now,
            portal: model.portal_url.clone(),
            user: model
                .session
                .info()
                .map(|i| i.user.username.clone())
                .or_else(|| model.data_owner.clone())
                .unwrap_or_default(),
            subscription: t.subscription_id.clone(),
            from: t.from,
            to: t.target_quantity,
            effective: crate::api::EffectiveDto::Now,
            effective_date: None,
            approval_reference: t.approval_reference.clone(),
            idempotency_key: t.idempotency_key.clone(),
            operation_id: Some(t.operation_id.clone()),
            change_request_id: t.change_request_id.clone(),
            status: if succeeded {
                AuditStatus::Succeeded
            } else {
                AuditStatus::Failed
            },
            detail: None,
            expected_version: None,
        }));
    }
    model.toast(
        if succeeded {
            ToastLevel::Success
        } else {
            ToastLevel::Error
        },
        if succeeded {
            ToastMsg::OperationSucceeded {
                subscription_name: t.subscription_name.clone(),
                quantity: t.target_quantity,
            }
        } else {
            ToastMsg::OperationFailed {
                subscription_name: t.subscription_name.clone(),
                target_quantity: t.target_quantity,
            }
        },
    );
    // The wizard that tracks it (wherever it is in the stack) finishes.
    for screen in &mut model.stack {
        if let Screen::Wizard(w) = screen
            && let WizardStep::Tracking {
                plan, operation_id, ..
            } = &w.step
            && *operation_id == op.id
        {
            let plan = plan.clone();
            w.step = if succeeded {
                WizardStep::Done {
                    plan,
                    outcome: DoneOutcome::Applied(op.clone()),
                }
            } else {
                WizardStep::Failed {
                    plan,
                    operation: op.clone(),
                }
            };
        }
    }
    // The subscription changed: update the list and reload any detail shown.
    if let Some(c) = model.subscriptions.get_mut(&t.subscription_id) {
        c.dto.pending_operation = None;
        if succeeded {
            c.dto.quantity = t.target_quantity;
        }
        let dto = c.dto.clone();
        sync_row(model, &dto);
    } else if let Some(row) = model
        .services
        .rows
        .iter_mut()
        .find(|r| r.sub.id == t.subscription_id)
    {
        row.sub.has_pending_operation = false;
        if succeeded {
            row.sub.quantity = t.target_quantity;
        }
    }
    let detail_top = matches!(model.stack.last(), Some(Screen::Detail(d)) if d.subscription_id == t.subscription_id);
    if detail_top && model.session.is_logged_in() {
        load_subscription(model, &t.subscription_id, fx);
    }
}

pub(super) fn on_tracking_failed(model: &mut Model, operation_id: &str, failure: Failure) {
    let Some(t) = model
        .operations
        .iter_mut()
        .find(|t| t.operation_id == operation_id)
    else {
        return;
    };
    model.dirty = true;
    let expired = needs_login(&failure);
    t.error = Some(failure);
    if expired {
        expire_session(model);
    }
}
