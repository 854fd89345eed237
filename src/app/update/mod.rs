//! `update`: the only writer of the [`Model`]. Pure and synchronous: no I/O,
//! no clock reads (messages carry `now`), no randomness (idempotency keys are
//! derived from a per-run nonce). Returns the effects for the runner.

use super::model::*;
use super::msg::*;
use crate::portal::PortalError;

mod approvals;
mod detail;
mod history;
mod keys;
mod operations;
mod requests;
mod services;
mod session;
mod wizard;

use approvals::*;
use detail::*;
use history::*;
use keys::*;
use operations::*;
use requests::*;
use services::*;
use session::*;
use wizard::*;

/// Apply one message; return the effects to perform.
pub fn update(model: &mut Model, msg: Msg) -> Vec<Effect> {
    let mut fx = Vec::new();
    match msg {
        Msg::Started { now } => {
            model.now = now;
            started(model, &mut fx);
        }
        Msg::Key { key, now } => {
            model.now = now;
            // A key that no field and no binding takes changes nothing: no redraw.
            if on_key(model, key, &mut fx) {
                model.dirty = true;
            }
        }
        Msg::Action { action, now } => {
            model.now = now;
            model.dirty = true;
            on_action(model, action, &mut fx);
        }
        Msg::Tick { now } => on_tick(model, now),
        Msg::Resize { width, height } => {
            model.viewport = Viewport { width, height };
            let page = page_size(model);
            clamp_offset(&mut model.services, page);
            model.dirty = true;
        }
        Msg::SecretStore { kind } => {
            model.secret_store = Some(kind);
            model.dirty = true;
        }
        Msg::SecretStoreDegraded { failure } => {
            model.secret_store = Some(StoreKind::Memory);
            tracing_failure("secret store degraded", &failure);
            model.toast(ToastLevel::Error, ToastMsg::SecretStoreDegraded);
            model.dirty = true;
        }
        Msg::PolicyLoaded { id, result } => {
            model.finish(id);
            if let Ok(policy) = result {
                model.policy = policy;
                model.dirty = true;
            }
            // On failure the defaults stay; the server still enforces its rules.
        }
        Msg::Resumed { id, result } => on_resumed(model, id, result, &mut fx),
        Msg::LoginAnswered { id, result } => on_login_answer(model, id, result, &mut fx),
        Msg::Enrolled { id, result } => on_enrolled(model, id, result),
        Msg::Verified { id, result } => on_verified(model, id, result, &mut fx),
        Msg::ServicesLoaded { id, result } => on_services(model, id, result, &mut fx),
        Msg::SubscriptionLoaded {
            id,
            subscription_id,
            result,
        } => on_subscription(model, id, &subscription_id, result, &mut fx),
        Msg::MeLoaded { id, result } => on_me(model, id, result, &mut fx),
        Msg::HistoryLoaded {
            id,
            subscription_id,
            result,
        } => on_history(model, id, &subscription_id, result),
        Msg::ChangeSubmitted { id, result } => on_change_submitted(model, id, result, &mut fx),
        Msg::ScheduledChangeCancelled {
            id,
            subscription_id,
            result,
        } => on_cancelled(model, id, &subscription_id, result, &mut fx),
        Msg::OperationProgress { operation, now } => {
            model.now = now;
            on_operation(model, &operation, &mut fx);
        }
        Msg::OperationFinished {
            operation_id,
            result,
            now,
        } => {
            model.now = now;
            match result {
                Ok(op) => on_operation(model, &op, &mut fx),
                Err(failure) => on_tracking_failed(model, &operation_id, failure),
            }
        }
        Msg::ApprovalsLoaded { id, result } => on_approvals(model, id, result),
        Msg::RequestDecided { id, result } => on_decided(model, id, result, &mut fx),
        Msg::RequestProgress { request, now } => {
            model.now = now;
            on_request(model, request, &mut fx);
        }
        Msg::RequestTrackingStopped {
            request_id,
            failure,
            now,
        } => {
            model.now = now;
            on_request_stopped(model, &request_id, failure);
        }
        Msg::LoggedOut { id } => {
            model.finish(id);
            model.dirty = true;
        }
        Msg::AuditFailed { failure } => {
            model.toast(ToastLevel::Error, ToastMsg::AuditFailed(failure));
            model.dirty = true;
        }
    }
    fx
}

pub(super) fn tracing_failure(what: &str, f: &Failure) {
    tracing::warn!(error = %f, "{what}");
}

#[cfg(test)]
mod tests;
