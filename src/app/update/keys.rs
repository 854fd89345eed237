//! Key routing (Ctrl-C, then the focused text field, then the keymap) and ticks.

use crate::app::key::Key;
use crate::app::keymap::{self, Action, Context};
use chrono::{DateTime, Utc};

use super::*;

/// Route a key: Ctrl-C, then the focused text field, then the keymap.
/// Returns whether anything took it.
pub(super) fn on_key(model: &mut Model, key: Key, fx: &mut Vec<Effect>) -> bool {
    if key.is_quit() {
        on_action(model, Action::Quit, fx);
        return true;
    }
    if !model.help && offer_to_field(model, &key) {
        return true;
    }
    let ctx = model.context();
    match keymap::resolve(ctx, &key) {
        Some(action) => {
            on_action(model, action, fx);
            true
        }
        None => false,
    }
}

/// Give the key to the focused text field. Returns true when consumed.
pub(super) fn offer_to_field(model: &mut Model, key: &Key) -> bool {
    let now = model.now;
    let policy = model.policy;
    match &mut model.session {
        Session::LoggedOut(form) => {
            let field = match form.focus {
                LoginFocus::Username => &mut form.username,
                LoginFocus::Password => &mut form.password,
            };
            return field.handle(key);
        }
        Session::MfaEnrol(s) => {
            return s.enrolment.is_some() && s.request.is_none() && s.code.handle(key);
        }
        Session::MfaVerify(s) => return s.request.is_none() && s.code.handle(key),
        Session::Resuming { .. } | Session::Password { .. } => return false,
        Session::LoggedIn(_) => {}
    }
    match model.stack.last_mut() {
        Some(Screen::Services) if model.services.filter_active => {
            if model.services.filter.handle(key) {
                refilter(model);
                return true;
            }
            false
        }
        Some(Screen::Wizard(w)) => match &mut w.step {
            WizardStep::Total { .. } => {
                if w.input.entry.handle(key) {
                    w.error = None;
                    let plan = w.plan_at(&policy, now);
                    w.step = WizardStep::Total { plan };
                    return true;
                }
                false
            }
            WizardStep::Review(r) if r.focus == ReviewFocus::Reference => {
                w.input.reference.handle(key)
            }
            _ => false,
        },
        Some(Screen::Approvals(ApprovalsState {
            review: Some(r), ..
        })) if r.rejecting && r.decision.is_none() => r.reason.handle(key),
        _ => false,
    }
}

pub(super) fn on_action(model: &mut Model, action: Action, fx: &mut Vec<Effect>) {
    match action {
        Action::Quit => {
            model.quit = true;
            fx.push(Effect::Quit);
            return;
        }
        Action::Help => {
            model.help = !model.help;
            return;
        }
        Action::Dismiss => {
            model.help = false;
            return;
        }
        _ => {}
    }
    match model.context() {
        Context::Login => login_action(model, action, fx),
        Context::MfaEnrol | Context::MfaVerify => mfa_action(model, action, fx),
        Context::Busy | Context::Help => {}
        Context::Services | Context::ServicesApprovals | Context::ServicesFilter => {
            services_action(model, action, fx)
        }
        Context::Detail | Context::DetailConfirmCancel => detail_action(model, action, fx),
        Context::History => history_action(model, action, fx),
        Context::Approvals | Context::ApprovalReview | Context::ApprovalReject => {
            approvals_action(model, action, fx)
        }
        Context::WizardWhen
        | Context::WizardTotal
        | Context::WizardTotalUseTotal
        | Context::WizardTotalSchedule
        | Context::WizardReview
        | Context::WizardSubmitting
        | Context::WizardTracking
        | Context::WizardDone => wizard_action(model, action, fx),
    }
}

pub(super) fn on_tick(model: &mut Model, now: DateTime<Utc>) {
    let before = model.now;
    model.now = now;
    let toasts = model.toasts.len();
    model.toasts.retain(|t| t.expires_at > now);
    if let Session::LoggedOut(form) = &mut model.session
        && form.locked_until.is_some_and(|t| t <= now)
    {
        form.locked_until = None;
        model.dirty = true;
    }
    // Redraw when something moves, or when the shown minute changes (status bar).
    if model.toasts.len() != toasts
        || model.animating()
        || before.timestamp() / 60 != now.timestamp() / 60
    {
        model.dirty = true;
    }
}
