//! The change wizard: When -> Total -> Review -> Submitting, and the answers.

use crate::api::{ChangeRequest, OperationDto};
use crate::app::keymap::Action;
use crate::domain::{Effective, OperationStatus};

use super::*;

pub(super) fn wizard_mut(model: &mut Model) -> Option<&mut Wizard> {
    match model.stack.last_mut() {
        Some(Screen::Wizard(w)) => Some(w),
        _ => None,
    }
}

pub(super) fn wizard_action(model: &mut Model, action: Action, fx: &mut Vec<Effect>) {
    let now = model.now;
    let policy = model.policy;
    let Some(w) = wizard_mut(model) else {
        return;
    };
    match &mut w.step {
        WizardStep::When => match action {
            Action::ChooseNow => w.input.when = Effective::Now,
            Action::ChooseAtRenewal => w.input.when = Effective::AtRenewal,
            Action::Next => {
                let plan = w.plan_at(&policy, now);
                w.step = WizardStep::Total { plan };
            }
            Action::Back => {
                model.stack.pop();
            }
            _ => {}
        },
        WizardStep::Total { .. } => match action {
            Action::Next => {
                let plan = w.plan_at(&policy, now);
                w.step = match plan {
                    Ok(plan) => WizardStep::Review(ReviewState::for_mode(plan, w.second_person)),
                    Err(r) => WizardStep::Total { plan: Err(r) },
                };
            }
            Action::TakeOffer => match w.offer() {
                Some(TotalOffer::UseTotal(n)) => {
                    w.input.entry.set_value(&n.to_string());
                    w.error = None;
                    let plan = w.plan_at(&policy, now);
                    w.step = WizardStep::Total { plan };
                }
                Some(TotalOffer::ScheduleForRenewal { .. }) => {
                    w.input.when = Effective::AtRenewal;
                    w.error = None;
                    w.step = match w.plan_at(&policy, now) {
                        Ok(plan) => {
                            WizardStep::Review(ReviewState::for_mode(plan, w.second_person))
                        }
                        Err(r) => WizardStep::Total { plan: Err(r) },
                    };
                }
                None => {}
            },
            Action::Back => w.step = WizardStep::When,
            _ => {}
        },
        WizardStep::Review(r) => match action {
            Action::NextField | Action::PrevField => {
                let order = r.focus_order();
                let at = order.iter().position(|f| *f == r.focus).unwrap_or(0);
                let n = order.len();
                let next = if action == Action::NextField {
                    (at + 1) % n
                } else {
                    (at + n - 1) % n
                };
                r.focus = order[next];
            }
            Action::Toggle => match r.focus {
                ReviewFocus::Warning(i) => {
                    if let Some(a) = r.acks.get_mut(i) {
                        *a = !*a;
                    }
                }
                ReviewFocus::Approval => r.approved = !r.approved,
                ReviewFocus::Reference | ReviewFocus::Confirm => {}
            },
            Action::Confirm => {
                if r.can_confirm() {
                    confirm(model, fx);
                } else {
                    // Jump to what still needs the user's attention.
                    r.focus = (0..r.acks.len()).find(|&i| !r.acks[i]).map_or(
                        if r.second_person {
                            ReviewFocus::Reference
                        } else {
                            ReviewFocus::Approval
                        },
                        ReviewFocus::Warning,
                    );
                }
            }
            Action::Back => {
                let plan = w.plan_at(&policy, now);
                w.step = WizardStep::Total { plan };
            }
            _ => {}
        },
        // The request is out: nothing to do but wait (Ctrl-C still quits).
        WizardStep::Submitting { .. } => {}
        WizardStep::Tracking { .. }
        | WizardStep::Done { .. }
        | WizardStep::Failed { .. }
        | WizardStep::AwaitingApproval { .. } => {
            if action == Action::Back {
                close_wizard(model, fx);
            }
        }
    }
}

/// Leave the wizard back to the detail, reloading it.
pub(super) fn close_wizard(model: &mut Model, fx: &mut Vec<Effect>) {
    if let Some(Screen::Wizard(w)) = model.stack.pop() {
        let still_shown = model
            .stack
            .iter()
            .any(|s| matches!(s, Screen::Detail(d) if d.subscription_id == w.subscription_id));
        if still_shown {
            load_subscription(model, &w.subscription_id, fx);
        }
    }
}

/// Send the reviewed change. Only what the Review step shows is sent: the
/// plan is recomputed first and, if anything differs (the day changed, the
/// window closed), the user is shown the new review instead.
pub(super) fn confirm(model: &mut Model, fx: &mut Vec<Effect>) {
    let now = model.now;
    let policy = model.policy;
    let user = model
        .session
        .info()
        .map(|i| i.user.username.clone())
        .unwrap_or_default();
    let portal = model.portal_url.clone();
    let Some(Screen::Wizard(w)) = model.stack.last_mut() else {
        return;
    };
    let replanned = w.plan_at(&policy, now);
    let WizardStep::Review(review) = &mut w.step else {
        return;
    };
    if !review.can_confirm() {
        return;
    }
    match replanned {
        Ok(plan) if plan == review.plan => {}
        Ok(plan) => {
            let mut fresh = ReviewState::for_mode(plan, review.second_person);
            carry_acks(review, &mut fresh);
            w.step = WizardStep::Review(fresh);
            return;
        }
        Err(r) => {
            w.step = WizardStep::Total { plan: Err(r) };
            return;
        }
    }
    let reference = w.input.reference.value().trim().to_string();
    let approval_reference = (!reference.is_empty()).then_some(reference);
    let plan = review.plan.clone();
    let expected_version = w.sub.version;
    let same = review.confirmed.as_ref().is_some_and(|c| {
        c.quantity == plan.to
            && c.effective == plan.effective
            && c.expected_version == expected_version
            && c.approval_reference == approval_reference
    });
    if !same {
        review.confirmed = None;
    }
    let WizardStep::Review(mut review) = std::mem::replace(&mut w.step, WizardStep::When) else {
        return;
    };
    let subscription_id = w.subscription_id.clone();
    let key = match &review.confirmed {
        Some(c) => c.idempotency_key.clone(),
        None => {
            let key = model.new_idempotency_key();
            review.confirmed = Some(ConfirmedChange {
                idempotency_key: key.clone(),
                quantity: plan.to,
                effective: plan.effective,
                expected_version,
                approval_reference: approval_reference.clone(),
            });
            key
        }
    };
    let id = model.request(RequestKind::Change(subscription_id.clone()));
    let request = ChangeRequest {
        quantity: plan.to,
        effective: plan.effective.into(),
        expected_version,
        approval_reference: approval_reference.clone(),
    };
    let audit = AuditEntry {
        time: now,
        portal,
        user,
        subscription: subscription_id.clone(),
        from: plan.from,
        to: plan.to,
        effective: plan.effective.into(),
        effective_date: Some(plan.effective_date),
        approval_reference,
        idempotency_key: key.clone(),
        operation_id: None,
        change_request_id: None,
        status: AuditStatus::Submitted,
        detail: None,
        expected_version: Some(expected_version),
    };
    if let Some(Screen::Wizard(w)) = model.stack.last_mut() {
        w.error = None;
        w.step = WizardStep::Submitting {
            review,
            request: id,
        };
    }
    fx.push(Effect::SubmitChange {
        id,
        subscription_id,
        request,
        idempotency_key: key,
        audit,
    });
}

/// Keep the acknowledgements of warnings that are still the same.
pub(super) fn carry_acks(old: &ReviewState, new: &mut ReviewState) {
    for (i, w) in new.plan.warnings.iter().enumerate() {
        if let Some(j) = old.plan.warnings.iter().position(|o| o == w) {
            new.acks[i] = old.acknowledged(j);
        }
    }
    new.approved = old.approved && old.plan.to == new.plan.to;
}

/// The cached subscription (and its listing row) shows the accepted change
/// as pending; a change made now replaces a scheduled one.
fn mark_pending(model: &mut Model, sub_id: &str, op: &OperationDto, effective: Effective) {
    if let Some(c) = model.subscriptions.get_mut(sub_id) {
        c.dto.pending_operation = Some(crate::api::PendingOperationDto {
            id: op.id.clone(),
            target_quantity: op.target_quantity,
            submitted_at: op.submitted_at,
            status: op.status,
        });
        if effective == Effective::Now {
            c.dto.scheduled_change = None;
        }
        let dto = c.dto.clone();
        sync_row(model, &dto);
    }
}

pub(super) fn on_change_submitted(
    model: &mut Model,
    id: RequestId,
    result: Result<ChangeOutcome, Failure>,
    fx: &mut Vec<Effect>,
) {
    model.finish(id);
    let now = model.now;
    let policy = model.policy;
    let Some(pos) = model.stack.iter().position(|s| {
        matches!(s, Screen::Wizard(w) if matches!(w.step, WizardStep::Submitting { request, .. } if request == id))
    }) else {
        return;
    };
    model.dirty = true;
    let Screen::Wizard(w) = &mut model.stack[pos] else {
        return;
    };
    let WizardStep::Submitting { review, .. } = std::mem::replace(&mut w.step, WizardStep::When)
    else {
        return;
    };
    let key = review
        .confirmed
        .as_ref()
        .map(|c| c.idempotency_key.clone())
        .unwrap_or_default();
    let reference = review
        .confirmed
        .as_ref()
        .and_then(|c| c.approval_reference.clone());
    match result {
        Ok(ChangeOutcome::Accepted(op)) => {
            let sub_name = w.sub.name.clone();
            let sub_id = w.subscription_id.clone();
            let plan = review.plan.clone();
            w.step = WizardStep::Tracking {
                plan: plan.clone(),
                operation_id: op.id.clone(),
                idempotency_key: key.clone(),
            };
            mark_pending(model, &sub_id, &op, plan.effective);
            model.operations.push(OperationTracker {
                operation_id: op.id.clone(),
                subscription_id: sub_id,
                subscription_name: sub_name,
                from: plan.from,
                target_quantity: op.target_quantity,
                submitted_at: op.submitted_at,
                status: OperationStatus::Pending,
                completed_at: None,
                error: None,
                idempotency_key: key,
                approval_reference: reference,
                change_request_id: None,
            });
            if op.status == OperationStatus::Pending {
                fx.push(Effect::TrackOperation {
                    operation_id: op.id.clone(),
                    sla_seconds: policy.provisioning_sla_seconds,
                });
            } else {
                on_operation(model, &op, fx);
            }
        }
        Ok(ChangeOutcome::Scheduled(sc)) => {
            let sub_id = w.subscription_id.clone();
            let name = w.sub.name.clone();
            w.step = WizardStep::Done {
                plan: review.plan,
                outcome: DoneOutcome::Scheduled(sc.clone()),
            };
            if let Some(c) = model.subscriptions.get_mut(&sub_id) {
                c.dto.scheduled_change = Some(sc.clone());
                let dto = c.dto.clone();
                sync_row(model, &dto);
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
        Ok(ChangeOutcome::AwaitingApproval(cr)) => {
            w.step = WizardStep::AwaitingApproval {
                plan: review.plan,
                request_id: cr.id.clone(),
            };
            follow_request(model, *cr, key, fx);
        }
        Err(Failure::Portal(PortalError::VersionConflict(fresh))) => {
            let previous_quantity = w.sub.quantity;
            w.sub = (*fresh).clone();
            w.error = Some(WizardError::Conflict { previous_quantity });
            let plan = w.plan_at(&policy, now);
            w.step = WizardStep::Total { plan };
            cache(model, *fresh);
        }
        Err(Failure::Portal(PortalError::Refused(r))) => {
            w.error = Some(WizardError::Refused(r));
            let plan = w.plan_at(&policy, now);
            w.step = WizardStep::Total { plan };
        }
        Err(e) => {
            let mut review = review;
            if e == Failure::Portal(PortalError::IdempotencyKeyReused) {
                review.confirmed = None;
            }
            let expired = needs_login(&e);
            w.error = Some(WizardError::Failed(e));
            w.step = WizardStep::Review(review);
            if expired {
                expire_session(model);
            }
        }
    }
}
