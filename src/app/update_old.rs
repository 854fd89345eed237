//! `update`: the only writer of the [`Model`]. Pure and synchronous: no I/O,
//! no clock reads (messages carry `now`), no randomness (idempotency keys are
//! derived from a per-run nonce). Returns the effects for the runner.

use chrono::{DateTime, Utc};

use crate::api::{ChangeRequest, MfaStep, OperationDto, ServiceDto, SubscriptionDto};
use crate::domain::{Effective, OperationStatus};

use super::key::Key;
use super::keymap::{self, Action, Context};
use super::model::*;
use super::msg::*;

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

fn tracing_failure(what: &str, f: &Failure) {
    tracing::warn!(error = %f, "{what}");
}

// ------------------------------------------------------------------ start-up

fn started(model: &mut Model, fx: &mut Vec<Effect>) {
    model.dirty = true;
    fx.push(Effect::ProbeSecretStore);
    let id = model.request(RequestKind::Policy);
    fx.push(Effect::LoadPolicy { id });
    if model.demo.is_some_and(|d| d.signed_in) {
        let id = model.request(RequestKind::Resume);
        model.session = Session::Resuming {
            request: id,
            username: crate_demo_username(),
        };
        fx.push(Effect::DemoSignIn { id });
        return;
    }
    // The embedded demo portal is new on every run: no stored session to resume.
    if model.demo.is_some() {
        return;
    }
    if let Session::LoggedOut(form) = &model.session
        && !form.username.is_empty()
    {
        let username = form.username.value().to_string();
        let id = model.request(RequestKind::Resume);
        model.session = Session::Resuming {
            request: id,
            username: username.clone(),
        };
        fx.push(Effect::Resume { id, username });
    }
}

fn crate_demo_username() -> String {
    "demo".to_string()
}

fn on_resumed(
    model: &mut Model,
    id: RequestId,
    result: Result<Option<SessionInfo>, Failure>,
    fx: &mut Vec<Effect>,
) {
    model.finish(id);
    let Session::Resuming { request, username } = &model.session else {
        return;
    };
    if *request != id {
        return;
    }
    let username = username.clone();
    model.dirty = true;
    match result {
        Ok(Some(info)) => logged_in(model, info, fx),
        Ok(None) | Err(Failure::SessionExpired) | Err(Failure::NotSignedIn) => {
            model.session = Session::LoggedOut(LoginForm::new(Some(&username)));
        }
        Err(e) => {
            let mut form = LoginForm::new(Some(&username));
            form.error = Some(e);
            model.session = Session::LoggedOut(form);
        }
    }
}

// ------------------------------------------------------------------ keys

/// Route a key: Ctrl-C, then the focused text field, then the keymap.
/// Returns whether anything took it.
fn on_key(model: &mut Model, key: Key, fx: &mut Vec<Effect>) -> bool {
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
fn offer_to_field(model: &mut Model, key: &Key) -> bool {
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
        _ => false,
    }
}

fn on_action(model: &mut Model, action: Action, fx: &mut Vec<Effect>) {
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
        Context::Services | Context::ServicesFilter => services_action(model, action, fx),
        Context::Detail | Context::DetailConfirmCancel => detail_action(model, action, fx),
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

fn on_tick(model: &mut Model, now: DateTime<Utc>) {
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

// ------------------------------------------------------------------ login

fn login_action(model: &mut Model, action: Action, fx: &mut Vec<Effect>) {
    let now = model.now;
    let Session::LoggedOut(form) = &mut model.session else {
        return;
    };
    match action {
        Action::NextField | Action::PrevField => {
            form.focus = match form.focus {
                LoginFocus::Username => LoginFocus::Password,
                LoginFocus::Password => LoginFocus::Username,
            };
        }
        Action::Submit => {
            if form.locked_until.is_some_and(|t| t > now) {
                return;
            }
            if form.username.value().trim().is_empty() {
                form.focus = LoginFocus::Username;
                return;
            }
            if form.password.is_empty() {
                form.focus = LoginFocus::Password;
                return;
            }
            let username = form.username.value().trim().to_string();
            let password = form.password.take_secret();
            form.error = None;
            form.locked_until = None;
            let Session::LoggedOut(form) =
                std::mem::replace(&mut model.session, Session::LoggedOut(LoginForm::new(None)))
            else {
                return;
            };
            let id = model.request(RequestKind::Login);
            model.session = Session::Password { form, request: id };
            fx.push(Effect::Login {
                id,
                username,
                password,
            });
        }
        _ => {}
    }
}

fn on_login_answer(
    model: &mut Model,
    id: RequestId,
    result: Result<LoginAnswer, Failure>,
    fx: &mut Vec<Effect>,
) {
    model.finish(id);
    let Session::Password { request, .. } = &model.session else {
        return;
    };
    if *request != id {
        return;
    }
    model.dirty = true;
    let Session::Password { mut form, .. } =
        std::mem::replace(&mut model.session, Session::LoggedOut(LoginForm::new(None)))
    else {
        return;
    };
    let username = form.username.value().trim().to_string();
    match result {
        Ok(answer) => {
            if model.demo.is_none() {
                fx.push(Effect::RememberUsername {
                    username: username.clone(),
                });
            }
            match answer.step {
                MfaStep::Enroll => {
                    let id = model.request(RequestKind::Enroll);
                    fx.push(Effect::Enroll {
                        id,
                        mfa_token: answer.mfa_token.clone(),
                    });
                    model.session = Session::MfaEnrol(EnrolState {
                        username,
                        mfa_token: answer.mfa_token,
                        enrolment: None,
                        code: super::field::TextField::code(),
                        request: Some(id),
                        error: None,
                        attempts_left: None,
                    });
                }
                MfaStep::Verify => {
                    model.session = Session::MfaVerify(VerifyState {
                        username,
                        mfa_token: answer.mfa_token,
                        code: super::field::TextField::code(),
                        request: None,
                        error: None,
                        attempts_left: None,
                    });
                }
            }
        }
        Err(e) => {
            if let Failure::Locked { retry_after_secs } = e {
                form.locked_until = Some(
                    model.now
                        + chrono::Duration::seconds(i64::try_from(retry_after_secs).unwrap_or(0)),
                );
            }
            form.error = Some(e);
            form.focus = LoginFocus::Password;
            model.session = Session::LoggedOut(form);
        }
    }
}

/// Back to the login form (MFA abandoned or its token expired).
fn back_to_login(model: &mut Model, username: &str, reason: LoginReason, error: Option<Failure>) {
    let mut form = LoginForm::new(Some(username));
    form.reason = Some(reason);
    if let Some(Failure::Locked { retry_after_secs }) = &error {
        form.locked_until = Some(
            model.now + chrono::Duration::seconds(i64::try_from(*retry_after_secs).unwrap_or(0)),
        );
    }
    form.error = error;
    model.session = Session::LoggedOut(form);
}

fn mfa_action(model: &mut Model, action: Action, fx: &mut Vec<Effect>) {
    // TOTP codes follow the wall clock, not the business clock.
    let now = model.real_now();
    match action {
        Action::Back => {
            let username = match &model.session {
                Session::MfaEnrol(s) => s.username.clone(),
                Session::MfaVerify(s) => s.username.clone(),
                _ => return,
            };
            back_to_login(model, &username, LoginReason::MfaAbandoned, None);
        }
        Action::Submit => {
            enum Next {
                Nothing,
                Enrol(secrecy::SecretString),
                Verify(secrecy::SecretString, secrecy::SecretString),
            }
            let next = match &mut model.session {
                Session::MfaEnrol(s) if s.request.is_none() => match &s.enrolment {
                    // The enrolment request failed: Enter asks again.
                    None => {
                        s.error = None;
                        Next::Enrol(s.mfa_token.clone())
                    }
                    Some(enrolment) => {
                        let code = s.code.digits();
                        if code.len() != 6 {
                            s.error = Some(Failure::CodeNotSixDigits);
                            Next::Nothing
                        } else if !enrolment.check(&code, now) {
                            // Nothing is sent: a wrong code would burn an attempt.
                            s.error = Some(Failure::CodeDoesNotMatchLocally);
                            s.code.clear();
                            Next::Nothing
                        } else {
                            s.error = None;
                            let code = secrecy::SecretString::from(code);
                            s.code.clear();
                            Next::Verify(s.mfa_token.clone(), code)
                        }
                    }
                },
                Session::MfaVerify(s) if s.request.is_none() => {
                    if s.code.digits().len() != 6 {
                        s.error = Some(Failure::CodeNotSixDigits);
                        Next::Nothing
                    } else {
                        s.error = None;
                        let code = secrecy::SecretString::from(s.code.digits());
                        s.code.clear();
                        Next::Verify(s.mfa_token.clone(), code)
                    }
                }
                _ => Next::Nothing,
            };
            match next {
                Next::Nothing => {}
                Next::Enrol(mfa_token) => {
                    let id = model.request(RequestKind::Enroll);
                    if let Session::MfaEnrol(s) = &mut model.session {
                        s.request = Some(id);
                    }
                    fx.push(Effect::Enroll { id, mfa_token });
                }
                Next::Verify(mfa_token, code) => {
                    let id = model.request(RequestKind::Verify);
                    match &mut model.session {
                        Session::MfaEnrol(s) => s.request = Some(id),
                        Session::MfaVerify(s) => s.request = Some(id),
                        _ => {}
                    }
                    fx.push(Effect::Verify {
                        id,
                        mfa_token,
                        code,
                    });
                }
            }
        }
        _ => {}
    }
}

fn on_enrolled(model: &mut Model, id: RequestId, result: Result<EnrolAnswer, Failure>) {
    model.finish(id);
    let Session::MfaEnrol(s) = &mut model.session else {
        return;
    };
    if s.request != Some(id) {
        return;
    }
    model.dirty = true;
    s.request = None;
    match result {
        Ok(answer) => match Enrolment::from_answer(&answer.otpauth_uri, &answer.secret) {
            Some(e) => {
                s.enrolment = Some(e);
                s.error = None;
            }
            None => s.error = Some(Failure::BadEnrolment),
        },
        Err(e @ (Failure::MfaTokenInvalid | Failure::Locked { .. })) => {
            let username = s.username.clone();
            back_to_login(model, &username, LoginReason::MfaAbandoned, Some(e));
        }
        Err(e) => s.error = Some(e),
    }
}

fn on_verified(
    model: &mut Model,
    id: RequestId,
    result: Result<SessionInfo, Failure>,
    fx: &mut Vec<Effect>,
) {
    model.finish(id);
    let (request, username) = match &model.session {
        Session::MfaEnrol(s) => (s.request, s.username.clone()),
        Session::MfaVerify(s) => (s.request, s.username.clone()),
        _ => return,
    };
    if request != Some(id) {
        return;
    }
    model.dirty = true;
    match result {
        Ok(info) => {
            let previous = std::mem::replace(&mut model.session, Session::LoggedIn(info.clone()));
            if model.demo.is_some()
                && let Session::MfaEnrol(mut s) = previous
            {
                model.demo_totp = s.enrolment.take();
            }
            if model.demo.is_none() {
                fx.push(Effect::SaveRefreshToken {
                    username: info.user.username.clone(),
                });
            }
            logged_in(model, info, fx);
        }
        Err(e @ (Failure::MfaTokenInvalid | Failure::Locked { .. })) => {
            back_to_login(model, &username, LoginReason::MfaAbandoned, Some(e));
        }
        Err(e) => {
            let (error, attempts, code) = match &mut model.session {
                Session::MfaEnrol(s) => (&mut s.error, &mut s.attempts_left, &mut s.request),
                Session::MfaVerify(s) => (&mut s.error, &mut s.attempts_left, &mut s.request),
                _ => return,
            };
            *code = None;
            if let Failure::InvalidMfaCode { attempts_left } = &e {
                *attempts = *attempts_left;
            }
            *error = Some(e);
        }
    }
}

/// Signed in: restore the screens the user was on (same user) or start fresh.
fn logged_in(model: &mut Model, info: SessionInfo, fx: &mut Vec<Effect>) {
    let user = info.user.username.clone();
    model.session = Session::LoggedIn(info);
    model.dirty = true;
    if model.data_owner.as_deref() != Some(user.as_str()) {
        reset_data(model);
        model.data_owner = Some(user);
    }
    if model.stack.is_empty() {
        model.stack.push(Screen::Services);
    }
    load_services(model, fx);
    // Reload what the top screen shows; re-arm trackers stopped by the expiry.
    if let Some(Screen::Detail(d)) = model.stack.last() {
        let sub = d.subscription_id.clone();
        load_subscription(model, &sub, fx);
    }
    let sla = model.policy.provisioning_sla_seconds;
    for t in &mut model.operations {
        if t.status == OperationStatus::Pending
            && matches!(
                t.error,
                Some(Failure::SessionExpired | Failure::NotSignedIn)
            )
        {
            t.error = None;
            fx.push(Effect::TrackOperation {
                operation_id: t.operation_id.clone(),
                sla_seconds: sla,
            });
        }
    }
}

fn reset_data(model: &mut Model) {
    model.stack = vec![Screen::Services];
    model.services = ServicesState::default();
    model.subscriptions.clear();
    model.operations.clear();
}

/// The session ended (refresh failed): back to login, keeping the stack.
fn expire_session(model: &mut Model) {
    let Session::LoggedIn(info) = &model.session else {
        return;
    };
    let username = info.user.username.clone();
    back_to_login(model, &username, LoginReason::SessionExpired, None);
    model.help = false;
    model.dirty = true;
}

fn needs_login(f: &Failure) -> bool {
    matches!(f, Failure::SessionExpired | Failure::NotSignedIn)
}

// ------------------------------------------------------------------ services

fn page_size(model: &Model) -> usize {
    usize::from(model.viewport.height.saturating_sub(SERVICES_CHROME_ROWS)).max(1)
}

fn clamp_offset(s: &mut ServicesState, page: usize) {
    if s.view.is_empty() {
        s.selected = 0;
        s.offset = 0;
        return;
    }
    s.selected = s.selected.min(s.view.len() - 1);
    s.offset = s.visible(page).start;
}

fn load_services(model: &mut Model, fx: &mut Vec<Effect>) {
    if let Some(old) = model.services.request.take() {
        model.finish(old);
    }
    let id = model.request(RequestKind::Services);
    model.services.request = Some(id);
    fx.push(Effect::LoadServices { id });
}

fn load_subscription(model: &mut Model, subscription_id: &str, fx: &mut Vec<Effect>) {
    let id = model.request(RequestKind::Subscription(subscription_id.to_string()));
    for screen in &mut model.stack {
        if let Screen::Detail(d) = screen
            && d.subscription_id == subscription_id
            && let Some(old) = d.request.replace(id)
        {
            model.in_flight.remove(&old);
        }
    }
    fx.push(Effect::LoadSubscription {
        id,
        subscription_id: subscription_id.to_string(),
    });
}

fn on_services(
    model: &mut Model,
    id: RequestId,
    result: Result<Vec<ServiceDto>, Failure>,
    _fx: &mut Vec<Effect>,
) {
    model.finish(id);
    if model.services.request != Some(id) {
        return;
    }
    model.services.request = None;
    model.dirty = true;
    match result {
        Ok(services) => {
            let keep = model.services.selected_row().map(|r| r.sub.id.clone());
            let mut rows = Vec::new();
            for s in &services {
                for sub in &s.subscriptions {
                    rows.push(ServiceRow::new(&s.id, &s.name, sub.clone()));
                }
            }
            model.services.rows = rows;
            model.services.loaded_at = Some(model.now);
            model.services.error = None;
            resort(model, keep.as_deref());
        }
        Err(e) if needs_login(&e) => expire_session(model),
        Err(e) => {
            if !model.services.rows.is_empty() {
                model.toast(ToastLevel::Error, ToastMsg::Failure(e.clone()));
            }
            model.services.error = Some(e);
        }
    }
}

/// Recompute the table order and filter; keep `keep` selected if shown.
fn resort(model: &mut Model, keep: Option<&str>) {
    let s = &mut model.services;
    let mut order: Vec<usize> = (0..s.rows.len()).collect();
    let rows = &s.rows;
    match s.sort {
        SortMode::Name => order.sort_by(|&a, &b| rows[a].sort_name.cmp(&rows[b].sort_name)),
        SortMode::RenewalDate => order.sort_by(|&a, &b| {
            (rows[a].sub.renewal_date, &rows[a].sort_name)
                .cmp(&(rows[b].sub.renewal_date, &rows[b].sort_name))
        }),
        SortMode::WindowClosing => order.sort_by(|&a, &b| {
            (window_key(&rows[a]), &rows[a].sort_name)
                .cmp(&(window_key(&rows[b]), &rows[b].sort_name))
        }),
    }
    s.sorted = order;
    apply_filter(model, keep);
}

/// Open windows closing soonest first, then closed ones opening soonest,
/// then subscriptions with no window (not active).
fn window_key(row: &ServiceRow) -> (u8, chrono::NaiveDate) {
    match row.sub.decrease_window {
        Some(w) if w.open => (0, w.closes),
        Some(w) => (1, w.opens),
        None => (2, row.sub.renewal_date),
    }
}

fn apply_filter(model: &mut Model, keep: Option<&str>) {
    let page = page_size(model);
    let s = &mut model.services;
    let needle = s.filter.value().to_lowercase();
    let terms: Vec<&str> = needle.split_whitespace().collect();
    s.view = s
        .sorted
        .iter()
        .copied()
        .filter(|&i| terms.iter().all(|t| s.rows[i].haystack.contains(t)))
        .collect();
    s.selected = keep
        .and_then(|id| s.view.iter().position(|&i| s.rows[i].sub.id == id))
        .unwrap_or(0);
    if keep.is_none() {
        s.offset = 0;
    }
    clamp_offset(s, page);
}

fn refilter(model: &mut Model) {
    model.services.selected = 0;
    model.services.offset = 0;
    apply_filter(model, None);
}

fn services_action(model: &mut Model, action: Action, fx: &mut Vec<Effect>) {
    let page = page_size(model);
    let s = &mut model.services;
    let last = s.view.len().saturating_sub(1);
    match action {
        Action::Up => s.selected = s.selected.saturating_sub(1),
        Action::Down => s.selected = (s.selected + 1).min(last),
        Action::PageUp => {
            s.selected = s.selected.saturating_sub(page);
            s.offset = s.offset.saturating_sub(page);
        }
        Action::PageDown => {
            s.selected = (s.selected + page).min(last);
            s.offset = (s.offset + page).min(last);
        }
        Action::Top => s.selected = 0,
        Action::Bottom => s.selected = last,
        Action::Filter => s.filter_active = true,
        Action::EndFilter => s.filter_active = false,
        Action::ClearFilter => {
            s.filter_active = false;
            if !s.filter.is_empty() {
                s.filter.clear();
                let keep = s.selected_row().map(|r| r.sub.id.clone());
                apply_filter(model, keep.as_deref());
            }
            return;
        }
        Action::SortCycle => {
            s.sort = s.sort.next();
            let keep = s.selected_row().map(|r| r.sub.id.clone());
            resort(model, keep.as_deref());
            return;
        }
        Action::Refresh => {
            load_services(model, fx);
            return;
        }
        Action::Open => {
            let Some(row) = s.selected_row() else {
                return;
            };
            let (id, name) = (row.sub.id.clone(), row.sub.name.clone());
            s.filter_active = false;
            model.stack.push(Screen::Detail(DetailState {
                subscription_id: id.clone(),
                name,
                request: None,
                error: None,
                confirm_cancel: false,
                cancel_request: None,
            }));
            load_subscription(model, &id, fx);
            return;
        }
        Action::Logout => {
            logout(model, fx);
            return;
        }
        Action::Back => {
            model.quit = true;
            fx.push(Effect::Quit);
            return;
        }
        _ => return,
    }
    clamp_offset(s, page);
}

fn logout(model: &mut Model, fx: &mut Vec<Effect>) {
    let Session::LoggedIn(info) = &model.session else {
        return;
    };
    let username = info.user.username.clone();
    let id = model.request(RequestKind::Logout);
    fx.push(Effect::Logout {
        id,
        username: username.clone(),
    });
    reset_data(model);
    model.data_owner = None;
    // The demo keeps its authenticator: the demo user signs in again with the hint.
    if model.demo.is_none() {
        model.demo_totp = None;
    }
    let mut form = LoginForm::new(Some(&username));
    form.reason = Some(LoginReason::LoggedOut);
    model.session = Session::LoggedOut(form);
}

/// Keep the listing row in step with a fresh subscription.
fn sync_row(model: &mut Model, dto: &SubscriptionDto) {
    if let Some(row) = model.services.rows.iter_mut().find(|r| r.sub.id == dto.id) {
        let summary = dto.summary();
        if row.sub != summary {
            row.sub = summary;
        }
    }
}

fn cache(model: &mut Model, dto: SubscriptionDto) {
    sync_row(model, &dto);
    model.subscriptions.insert(
        dto.id.clone(),
        CachedSubscription {
            dto,
            fetched_at: model.now,
        },
    );
}

// ------------------------------------------------------------------ detail

fn on_subscription(
    model: &mut Model,
    id: RequestId,
    subscription_id: &str,
    result: Result<SubscriptionDto, Failure>,
    fx: &mut Vec<Effect>,
) {
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
fn adopt_pending_operation(model: &mut Model, dto: &SubscriptionDto, fx: &mut Vec<Effect>) {
    let Some(p) = &dto.pending_operation else {
        return;
    };
    if p.status != OperationStatus::Pending || model.operation(&p.id).is_some() {
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
    });
    fx.push(Effect::TrackOperation {
        operation_id: p.id.clone(),
        sla_seconds: model.policy.provisioning_sla_seconds,
    });
}

fn detail_action(model: &mut Model, action: Action, fx: &mut Vec<Effect>) {
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
        Action::StartChange => {
            if let Some(sub) = model.subscription(&sub_id).cloned() {
                model.stack.push(Screen::Wizard(Box::new(Wizard::new(sub))));
            }
        }
        _ => {}
    }
}

fn on_cancelled(
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
            let reload = e == Failure::NoScheduledChange;
            model.toast(ToastLevel::Error, ToastMsg::Failure(e));
            if reload {
                load_subscription(model, subscription_id, fx);
            }
        }
    }
}

// ------------------------------------------------------------------ wizard

fn wizard_mut(model: &mut Model) -> Option<&mut Wizard> {
    match model.stack.last_mut() {
        Some(Screen::Wizard(w)) => Some(w),
        _ => None,
    }
}

fn wizard_action(model: &mut Model, action: Action, fx: &mut Vec<Effect>) {
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
                    Ok(plan) => WizardStep::Review(ReviewState::new(plan)),
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
                        Ok(plan) => WizardStep::Review(ReviewState::new(plan)),
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
                    r.focus = (0..r.acks.len())
                        .find(|&i| !r.acks[i])
                        .map_or(ReviewFocus::Approval, ReviewFocus::Warning);
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
        WizardStep::Tracking { .. } | WizardStep::Done { .. } | WizardStep::Failed { .. } => {
            if action == Action::Back {
                close_wizard(model, fx);
            }
        }
    }
}

/// Leave the wizard back to the detail, reloading it.
fn close_wizard(model: &mut Model, fx: &mut Vec<Effect>) {
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
fn confirm(model: &mut Model, fx: &mut Vec<Effect>) {
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
            let mut fresh = ReviewState::new(plan);
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
        status: AuditStatus::Submitted,
        detail: None,
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
fn carry_acks(old: &ReviewState, new: &mut ReviewState) {
    for (i, w) in new.plan.warnings.iter().enumerate() {
        if let Some(j) = old.plan.warnings.iter().position(|o| o == w) {
            new.acks[i] = old.acknowledged(j);
        }
    }
    new.approved = old.approved && old.plan.to == new.plan.to;
}

fn on_change_submitted(
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
            if let Some(c) = model.subscriptions.get_mut(&sub_id) {
                c.dto.pending_operation = Some(crate::api::PendingOperationDto {
                    id: op.id.clone(),
                    target_quantity: op.target_quantity,
                    submitted_at: op.submitted_at,
                    status: op.status,
                });
                if plan.effective == Effective::Now {
                    c.dto.scheduled_change = None;
                }
                let dto = c.dto.clone();
                sync_row(model, &dto);
            }
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
        Err(Failure::VersionConflict { fresh }) => {
            let previous_quantity = w.sub.quantity;
            w.sub = (*fresh).clone();
            w.error = Some(WizardError::Conflict { previous_quantity });
            let plan = w.plan_at(&policy, now);
            w.step = WizardStep::Total { plan };
            cache(model, *fresh);
        }
        Err(Failure::Refused(r)) => {
            w.error = Some(WizardError::Refused(r));
            let plan = w.plan_at(&policy, now);
            w.step = WizardStep::Total { plan };
        }
        Err(e) => {
            let mut review = review;
            if e == Failure::IdempotencyKeyReused {
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

// ------------------------------------------------------------------ operations

fn on_operation(model: &mut Model, op: &OperationDto, fx: &mut Vec<Effect>) {
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
            status: if succeeded {
                AuditStatus::Succeeded
            } else {
                AuditStatus::Failed
            },
            detail: None,
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

fn on_tracking_failed(model: &mut Model, operation_id: &str, failure: Failure) {
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

#[cfg(test)]
#[path = "update_tests.rs"]
mod tests;
