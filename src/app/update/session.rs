//! Start-up, login, MFA (enrolment with the local code check, verify), session expiry and logout.

use crate::api::MfaStep;
use crate::app::keymap::Action;
use crate::domain::OperationStatus;

use super::*;

pub(super) fn started(model: &mut Model, fx: &mut Vec<Effect>) {
    model.dirty = true;
    fx.push(Effect::ProbeSecretStore);
    let id = model.request(RequestKind::Policy);
    fx.push(Effect::LoadPolicy { id });
    if let Some(demo) = model.demo.as_ref().filter(|d| d.signed_in) {
        let username = demo.username.clone();
        let password = secrecy::SecretString::from(demo.password.as_str());
        let id = model.request(RequestKind::Resume);
        model.session = Session::Resuming {
            request: id,
            username: username.clone(),
        };
        fx.push(Effect::DemoSignIn {
            id,
            username,
            password,
        });
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

pub(super) fn on_resumed(
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
        Ok(None)
        | Err(Failure::Portal(PortalError::SessionExpired))
        | Err(Failure::Portal(PortalError::NotSignedIn)) => {
            model.session = Session::LoggedOut(LoginForm::new(Some(&username)));
        }
        Err(e) => {
            let mut form = LoginForm::new(Some(&username));
            form.error = Some(e);
            model.session = Session::LoggedOut(form);
        }
    }
}

// ------------------------------------------------------------------ login

pub(super) fn login_action(model: &mut Model, action: Action, fx: &mut Vec<Effect>) {
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
                form.error = Some(Failure::UsernameMissing);
                return;
            }
            if form.password.is_empty() {
                form.focus = LoginFocus::Password;
                form.error = Some(Failure::PasswordMissing);
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

pub(super) fn on_login_answer(
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
                        code: crate::app::field::TextField::code(),
                        request: Some(id),
                        error: None,
                        attempts_left: None,
                    });
                }
                MfaStep::Verify => {
                    model.session = Session::MfaVerify(VerifyState {
                        username,
                        mfa_token: answer.mfa_token,
                        code: crate::app::field::TextField::code(),
                        request: None,
                        error: None,
                        attempts_left: None,
                    });
                }
            }
        }
        Err(e) => {
            if let Failure::Portal(PortalError::Locked { retry_after_secs }) = e {
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
pub(super) fn back_to_login(
    model: &mut Model,
    username: &str,
    reason: LoginReason,
    error: Option<Failure>,
) {
    let mut form = LoginForm::new(Some(username));
    form.reason = Some(reason);
    if let Some(Failure::Portal(PortalError::Locked { retry_after_secs })) = &error {
        form.locked_until = Some(
            model.now + chrono::Duration::seconds(i64::try_from(*retry_after_secs).unwrap_or(0)),
        );
    }
    form.error = error;
    model.session = Session::LoggedOut(form);
}

pub(super) fn mfa_action(model: &mut Model, action: Action, fx: &mut Vec<Effect>) {
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

pub(super) fn on_enrolled(model: &mut Model, id: RequestId, result: Result<EnrolAnswer, Failure>) {
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
        Err(
            e @ (Failure::Portal(PortalError::MfaTokenInvalid)
            | Failure::Portal(PortalError::Locked { .. })),
        ) => {
            let username = s.username.clone();
            back_to_login(model, &username, LoginReason::MfaAbandoned, Some(e));
        }
        Err(e) => s.error = Some(e),
    }
}

pub(super) fn on_verified(
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
        Err(
            e @ (Failure::Portal(PortalError::MfaTokenInvalid)
            | Failure::Portal(PortalError::Locked { .. })),
        ) => {
            back_to_login(model, &username, LoginReason::MfaAbandoned, Some(e));
        }
        Err(e) => {
            let (error, attempts, code) = match &mut model.session {
                Session::MfaEnrol(s) => (&mut s.error, &mut s.attempts_left, &mut s.request),
                Session::MfaVerify(s) => (&mut s.error, &mut s.attempts_left, &mut s.request),
                _ => return,
            };
            *code = None;
            if let Failure::Portal(PortalError::InvalidMfaCode { attempts_left }) = &e {
                *attempts = *attempts_left;
            }
            *error = Some(e);
        }
    }
}

/// Signed in: restore the screens the user was on (same user) or start fresh.
pub(super) fn logged_in(model: &mut Model, info: SessionInfo, fx: &mut Vec<Effect>) {
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
    load_me(model, fx);
    // Reload what the top screen shows; re-arm trackers stopped by the expiry.
    if let Some(Screen::Detail(d)) = model.stack.last() {
        let sub = d.subscription_id.clone();
        load_subscription(model, &sub, fx);
    }
    for r in &mut model.requests {
        if r.is_awaiting() && r.error.as_ref().is_some_and(needs_login) {
            r.error = None;
            fx.push(Effect::TrackRequest {
                request_id: r.request.id.clone(),
            });
        }
    }
    let sla = model.policy.provisioning_sla_seconds;
    for t in &mut model.operations {
        if t.status == OperationStatus::Pending
            && matches!(
                t.error,
                Some(
                    Failure::Portal(PortalError::SessionExpired)
                        | Failure::Portal(PortalError::NotSignedIn)
                )
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

pub(super) fn reset_data(model: &mut Model) {
    model.stack = vec![Screen::Services];
    model.services = ServicesState::default();
    model.subscriptions.clear();
    model.operations.clear();
    model.me = None;
    model.histories.clear();
    model.requests.clear();
    model.approvals = ApprovalsList::default();
}

/// The session ended (refresh failed): back to login, keeping the stack.
pub(super) fn expire_session(model: &mut Model) {
    let Session::LoggedIn(info) = &model.session else {
        return;
    };
    let username = info.user.username.clone();
    back_to_login(model, &username, LoginReason::SessionExpired, None);
    model.help = false;
    model.dirty = true;
}

pub(super) fn needs_login(f: &Failure) -> bool {
    matches!(
        f,
        Failure::Portal(PortalError::SessionExpired) | Failure::Portal(PortalError::NotSignedIn)
    )
}
