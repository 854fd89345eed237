//! The subscription detail: loading, cancelling the scheduled change.

use crate::api::SubscriptionDto;
use crate::app::keymap::Action;
use crate::domain::OperationStatus;

use super::*;

pub(super) fn on_subscription(
    model: &mut Model,
    id: RequestId,
    subscription_id: &str,
    result: Result<SubscriptionDto, Failure>,
    fx: &mut Vec<Effect>,
) {
    if approval_subscription(model, id, &result) {
        return;
    }
    if !model.finish(id) {
        return;
    }
    let mut waited = false;
    for screen in &mut model.stack {
        if let Screen::Detail(d) = screen
            && d.request == Some(id)
        {
            d.request = None;
            waited = true;
            d.error = result.as_ref().err().cloned();
        }
    }
    if !waited {
        return;
    }
    model.dirty = true;
    match result {
        Ok(dto) if dto.id == subscription_id => {
            adopt_pending_operation(model, &dto, fx);
            cache(model, dto);
        }
        Ok(_) => {}
        Err(e) if needs_login(&e) => expire_session(model),
        Err(_) => {}
    }
}

/// A pending operation shown in a detail but not tracked here (confirmed in
/// another session, or before a restart): track it too, so the detail and
/// the status bar follow it. It gets no audit lines: this session did not
/// confirm it.
pub(super) fn adopt_pending_operation(
    model: &mut Model,
    dto: &SubscriptionDto,
    fx: &mut Vec<Effect>,
) {
    let Some(p) = &dto.pending_operation else {
        return;
    };
    if p.status != OperationStatus::Pending {
        return;
    }
    let sla_seconds = model.policy.provisioning_sla_seconds;
    if let Some(t) = model.operations.iter_mut().find(|t| t.operation_id == p.id) {
        // Tracking had stopped (gave up, network): the portal still shows it
        // pending, so follow it again.
        if t.status == OperationStatus::Pending && t.error.is_some() {
            t.error = None;
            fx.push(Effect::TrackOperation {
                operation_id: p.id.clone(),
                sla_seconds,
            });
        }
        return;
    }
    model.operations.push(OperationTracker {
        operation_id: p.id.clone(),
        subscription_id: dto.id.clone(),
        subscription_name: dto.name.clone(),
        from: dto.quantity,
        target_quantity: p.target_quantity,
        submitted_at: p.submitted_at,
        status: OperationStatus::Pending,
        completed_at: None,
        error: None,
        idempotency_key: String::new(),
        approval_reference: None,
        change_request_id: None,
    });
    fx.push(Effect::TrackOperation {
        operation_id: p.id.clone(),
        sla_seconds: model.policy.provisioning_sla_seconds,
    });
}

pub(super) fn detail_action(model: &mut Model, action: Action, fx: &mut Vec<Effect>) {
    let Some(Screen::Detail(d)) = model.stack.last_mut() else {
        return;
    };
    let sub_id = d.subscription_id.clone();
    if d.confirm_cancel {
        match action {
            Action::Yes => {
                d.confirm_cancel = false;
                let id = model.request(RequestKind::CancelScheduled(sub_id.clone()));
                if let Some(Screen::Detail(d)) = model.stack.last_mut() {
                    d.cancel_request = Some(id);
                }
                fx.push(Effect::CancelScheduledChange {
                    id,
                    subscription_id: sub_id,
                });
            }
            Action::No => d.confirm_cancel = false,
            _ => {}
        }
        return;
    }
    match action {
        Action::Back => {
            model.stack.pop();
        }
        Action::Refresh => load_subscription(model, &sub_id, fx),
        Action::CancelScheduled => {
            let has = model
                .subscription(&sub_id)
                .is_some_and(|s| s.scheduled_change.is_some());
            if has
                && let Some(Screen::Detail(d)) = model.stack.last_mut()
                && d.cancel_request.is_none()
            {
                d.confirm_cancel = true;
            }
        }
        Action::OpenHistory => open_history(model, &sub_id, fx),
        Action::StartChange => {
            if let Some(sub) = model.subscription(&sub_id).cloned() {
                let mut w = Wizard::new(sub);
                w.second_person = model.second_person();
                model.stack.push(Screen::Wizard(Box::new(w)));
            }
        }
        _ => {}
    }
}

pub(super) fn on_cancelled(
    model: &mut Model,
    id: RequestId,
    subscription_id: &str,
    result: Result<(), Failure>,
    fx: &mut Vec<Effect>,
) {
    model.finish(id);
    let mut waited = false;
    for screen in &mut model.stack {
        if let Screen::Detail(d) = screen
            && d.cancel_request == Some(id)
        {
            d.cancel_request = None;
            waited = true;
        }
    }
    if !waited {
        return;
    }
    model.dirty = true;
    let name = model
        .subscription(subscription_id)
        .map(|s| s.name.clone())
        .unwrap_or_default();
    match result {
        Ok(()) => {
            model.toast(
                ToastLevel::Success,
                ToastMsg::ScheduledChangeCancelled {
                    subscription_name: name,
                },
            );
            load_subscription(model, subscription_id, fx);
        }
        Err(e) if needs_login(&e) => expire_session(model),
        Err(e) => {
            let reload = e == Failure::Portal(PortalError::NoScheduledChange);
            model.toast(ToastLevel::Error, ToastMsg::Failure(e));
            if reload {
                load_subscription(model, subscription_id, fx);
            }
        }
    }
}
