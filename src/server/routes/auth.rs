//! `/auth/*`: password, MFA enrolment and verification, refresh, logout.

use std::sync::Arc;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, TimeDelta, Utc};
use std::net::{IpAddr, SocketAddr};
use zeroize::Zeroizing;

use crate::api::{
    EnrollRequest, EnrollResponse, ErrorCode, LoginRequest, LoginResponse, MfaStep, RefreshRequest,
    TokenResponse, UserInfo, VerifyRequest,
};
use crate::server::auth::{
    ACCESS_SECONDS, IP_WINDOW_SECONDS, LOCK_SECONDS, MAX_MFA_ATTEMPTS, MAX_PASSWORD_FAILURES,
    MFA_TOKEN_SECONDS, REFRESH_SECONDS, burn_password_check, check_code, new_token,
    new_totp_secret, token_hash, totp_for, verify_password,
};
use crate::server::errors::Failure;
use crate::server::shared::Shared;
use crate::server::store::{Challenge, RotatedRefresh, SessionRec, Store};

use super::extract::{JsonBytes, authenticate, bearer, json_body, reply, require_json};

fn locked(until: DateTime<Utc>, real: DateTime<Utc>) -> Failure {
    let secs = (until - real).num_seconds().max(1);
    Failure::new(
        ErrorCode::AccountLocked,
        format!(
            "too many wrong passwords: the account is locked for {} more minute(s)",
            (secs + 59) / 60
        ),
    )
    .with("retry_after", secs)
}

fn invalid_credentials() -> Failure {
    Failure::new(ErrorCode::InvalidCredentials, "wrong username or password")
}

fn invalid_mfa_token() -> Failure {
    Failure::new(
        ErrorCode::InvalidMfaToken,
        "the sign-in step is unknown or has expired: log in again",
    )
}

pub async fn login(
    State(sh): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Result<JsonBytes, Failure>,
) -> Response {
    match login_inner(&sh, peer.ip(), body).await {
        Ok(r) => reply(StatusCode::OK, &r),
        Err(f) => f.into_response(),
    }
}

fn rate_limited(
    store: &Store,
    ip: IpAddr,
    real: DateTime<Utc>,
    limit: usize,
) -> Result<(), Failure> {
    let Some(times) = store.login_failures.get(&ip) else {
        return Ok(());
    };
    if times.len() < limit {
        return Ok(());
    }
    let oldest = times.front().copied().unwrap_or(real);
    let secs = (oldest + TimeDelta::seconds(IP_WINDOW_SECONDS) - real)
        .num_seconds()
        .max(1);
    Err(Failure::new(
        ErrorCode::RateLimited,
        "too many failed sign-ins from this address: wait and try again",
    )
    .with("retry_after", secs))
}

/// A wrong login for a username that does not exist: counted and locked
/// as [`login_inner`] does for a real user, and the state is written as it
/// is for one (the same work, so the same time).
fn unknown_user_failed(
    store: &mut Store,
    username: &str,
    real: DateTime<Utc>,
) -> Result<LoginResponse, Failure> {
    if let Some(until) = store.unknown_logins.lock_of(username, real) {
        return Err(locked(until, real));
    }
    store.dirty = true;
    let failures = store.unknown_logins.fail(username, real);
    tracing::warn!(failures, "wrong login for an unknown username");
    Err(invalid_credentials())
}

async fn login_inner(
    sh: &Shared,
    ip: IpAddr,
    body: Result<JsonBytes, Failure>,
) -> Result<LoginResponse, Failure> {
    let req: LoginRequest = json_body(body)?;
    let username = req.username.trim().to_string();
    let limit = sh
        .login_rate_limit
        .load(std::sync::atomic::Ordering::Relaxed);
    let hash = sh
        .with(|store, ctx| {
            rate_limited(store, ip, ctx.real, limit)?;
            match store.users.get_mut(&username) {
                // An unknown name is locked exactly like a real user.
                None => match store.unknown_logins.lock_of(&username, ctx.real) {
                    Some(until) => Err(locked(until, ctx.real)),
                    None => Ok(None),
                },
                Some(u) => match u.locked_until {
                    Some(until) if until > ctx.real => Err(locked(until, ctx.real)),
                    Some(_) => {
                        u.locked_until = None;
                        u.failures = 0;
                        store.dirty = true;
                        Ok(Some(u.password_hash.clone()))
                    }
                    None => Ok(Some(u.password_hash.clone())),
                },
            }
        })
        .await?;
    let password = Zeroizing::new(req.password.clone().into_bytes());
    let dummy = sh.dummy_hash.clone();
    let ok = tokio::task::spawn_blocking(move || match hash {
        Some(h) => verify_password(&password, &h),
        None => burn_password_check(&password, &dummy),
    })
    .await
    .unwrap_or(false);
    sh.with(|store, ctx| {
        if !ok {
            store
                .login_failures
                .entry(ip)
                .or_default()
                .push_back(ctx.real);
        }
        let Some(user) = store.users.get_mut(&username) else {
            return unknown_user_failed(store, &username, ctx.real);
        };
        if let Some(until) = user.locked_until
            && until > ctx.real
        {
            return Err(locked(until, ctx.real));
        }
        store.dirty = true;
        if !ok {
            user.failures += 1;
            tracing::warn!(username = %username, failures = user.failures, "wrong password");
            if user.failures >= MAX_PASSWORD_FAILURES {
                user.locked_until = Some(ctx.real + TimeDelta::seconds(LOCK_SECONDS));
                tracing::warn!(username = %username, "account locked");
            }
            return Err(invalid_credentials());
        }
        user.failures = 0;
        let mfa = if user.totp_secret.is_some() {
            MfaStep::Verify
        } else {
            MfaStep::Enroll
        };
        let token = new_token("mfa");
        store.challenges.insert(
            token_hash(&token),
            Challenge {
                username: username.clone(),
                expires: ctx.real + TimeDelta::seconds(MFA_TOKEN_SECONDS),
                attempts_left: MAX_MFA_ATTEMPTS,
                enrolling_secret: None,
            },
        );
        tracing::info!(username = %username, ?mfa, "password accepted");
        Ok(LoginResponse {
            mfa_token: token,
            mfa,
            expires_in: u64::try_from(MFA_TOKEN_SECONDS).unwrap_or(300),
        })
    })
    .await
}

pub async fn enroll(State(sh): State<Arc<Shared>>, body: Result<JsonBytes, Failure>) -> Response {
    let req: EnrollRequest = match json_body(body) {
        Ok(r) => r,
        Err(f) => return f.into_response(),
    };
    let result = sh
        .with(|store, ctx| {
            let ch = store
                .challenges
                .get_mut(&token_hash(&req.mfa_token))
                .filter(|c| c.expires > ctx.real)
                .ok_or_else(invalid_mfa_token)?;
            let user = store
                .users
                .get(&ch.username)
                .ok_or_else(invalid_mfa_token)?;
            if user.totp_secret.is_some() {
                return Err(Failure::new(
                    ErrorCode::AlreadyEnrolled,
                    "this user already has an authenticator: verify a code instead",
                ));
            }
            // A retried enrol gets the same secret back.
            let (secret, uri) = match &ch.enrolling_secret {
                Some(s) => {
                    let uri = totp_for(s, &user.username).and_then(|t| t.to_url().ok());
                    (s.clone(), uri)
                }
                None => match new_totp_secret(&user.username) {
                    Some((s, u)) => (s, Some(u)),
                    None => (String::new(), None),
                },
            };
            let uri = uri
                .ok_or_else(|| Failure::new(ErrorCode::Internal, "cannot create a TOTP secret"))?;
            ch.enrolling_secret = Some(secret.clone());
            tracing::info!(username = %user.username, "MFA enrolment started");
            Ok(EnrollResponse {
                otpauth_uri: uri,
                secret,
            })
        })
        .await;
    match result {
        Ok(r) => reply(StatusCode::OK, &r),
        Err(f) => f.into_response(),
    }
}

/// A new token pair for `username`, in token family `family` (a new
/// sign-in starts a family; a refresh continues its own).
fn new_session(
    store: &mut Store,
    username: &str,
    family: String,
    real: DateTime<Utc>,
) -> Option<TokenResponse> {
    let user = store.users.get(username)?;
    let access = new_token("lat");
    let refresh = new_token("lrt");
    let info = UserInfo {
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        tenant: user.tenant.clone(),
    };
    store.sessions.insert(
        uuid::Uuid::new_v4().to_string(),
        SessionRec {
            tenant: user.tenant.clone(),
            username: user.username.clone(),
            access_hash: token_hash(&access),
            access_expires: real + TimeDelta::seconds(ACCESS_SECONDS),
            refresh_hash: token_hash(&refresh),
            refresh_expires: real + TimeDelta::seconds(REFRESH_SECONDS),
            family,
        },
    );
    store.dirty = true;
    Some(TokenResponse {
        access_token: access,
        refresh_token: refresh,
        token_type: "Bearer".into(),
        expires_in: u64::try_from(ACCESS_SECONDS).unwrap_or(900),
        user: info,
    })
}

pub async fn verify(State(sh): State<Arc<Shared>>, body: Result<JsonBytes, Failure>) -> Response {
    let req: VerifyRequest = match json_body(body) {
        Ok(r) => r,
        Err(f) => return f.into_response(),
    };
    let result = sh
        .with(|store, ctx| {
            let key = token_hash(&req.mfa_token);
            let ch = store
                .challenges
                .get_mut(&key)
                .filter(|c| c.expires > ctx.real)
                .ok_or_else(invalid_mfa_token)?;
            let user = store.users.get_mut(&ch.username).ok_or_else(invalid_mfa_token)?;
            let enrolling = user.totp_secret.is_none();
            let secret = match (&user.totp_secret, &ch.enrolling_secret) {
                (Some(s), _) | (None, Some(s)) => s.clone(),
                (None, None) => {
                    return Err(Failure::new(
                        ErrorCode::NotEnrolled,
                        "no authenticator yet: enrol first (POST /auth/mfa/enroll)",
                    ));
                }
            };
            let totp = totp_for(&secret, &user.username)
                .ok_or_else(|| Failure::new(ErrorCode::Internal, "unusable TOTP secret"))?;
            let unix = u64::try_from(ctx.real.timestamp()).unwrap_or(0);
            match check_code(&totp, &req.code, unix) {
                None => {
                    ch.attempts_left = ch.attempts_left.saturating_sub(1);
                    let left = ch.attempts_left;
                    tracing::warn!(username = %user.username, attempts_left = left, "wrong MFA code");
                    if left == 0 {
                        store.challenges.remove(&key);
                    }
                    Err(Failure::new(
                        ErrorCode::InvalidMfaCode,
                        if left == 0 {
                            "wrong code; no attempts left: log in again".to_string()
                        } else {
                            format!("wrong code; {left} attempt(s) left")
                        },
                    )
                    .with("attempts_left", left))
                }
                Some(step) if user.last_totp_step.is_some_and(|last| step <= last) => {
                    Err(Failure::new(
                        ErrorCode::MfaCodeReused,
                        "this code was already used: wait for the next one",
                    ))
                }
                Some(step) => {
                    user.last_totp_step = Some(step);
                    if enrolling {
                        user.totp_secret = Some(secret);
                    }
                    let username = user.username.clone();
                    store.challenges.remove(&key);
                    tracing::info!(username = %username, enrolled = enrolling, "signed in");
                    new_session(store, &username, uuid::Uuid::new_v4().to_string(), ctx.real)
                        .ok_or_else(|| Failure::new(ErrorCode::Internal, "user vanished"))
                }
            }
        })
        .await;
    match result {
        Ok(r) => reply(StatusCode::OK, &r),
        Err(f) => f.into_response(),
    }
}

pub async fn refresh(State(sh): State<Arc<Shared>>, body: Result<JsonBytes, Failure>) -> Response {
    let req: RefreshRequest = match json_body(body) {
        Ok(r) => r,
        Err(f) => return f.into_response(),
    };
    let result = sh
        .with(|store, ctx| {
            let hash = token_hash(&req.refresh_token);
            let invalid = || {
                Failure::new(
                    ErrorCode::InvalidRefreshToken,
                    "the refresh token is unknown, used or expired: log in again",
                )
            };
            if let Some(family) = store.rotated_refresh.get(&hash).map(|r| r.family.clone()) {
                // Reuse of a rotated token: someone else holds a copy.
                // Revoke the whole family (OAuth 2.0 Security BCP, 4.14.2).
                let ended = store.revoke_family(&family);
                tracing::warn!(
                    sessions = ended,
                    "rotated refresh token presented again: session revoked"
                );
                return Err(invalid());
            }
            let (sid, session) = store
                .sessions
                .iter()
                .find(|(_, s)| s.refresh_hash == hash && s.refresh_expires > ctx.real)
                .map(|(k, s)| (k.clone(), s.clone()))
                .ok_or_else(invalid)?;
            store.sessions.remove(&sid);
            store.rotated_refresh.insert(
                hash,
                RotatedRefresh {
                    family: session.family.clone(),
                },
            );
            let tokens = new_session(store, &session.username, session.family, ctx.real)
                .ok_or_else(invalid)?;
            tracing::info!(username = %session.username, "tokens refreshed");
            Ok::<TokenResponse, Failure>(tokens)
        })
        .await;
    match result {
        Ok(r) => reply(StatusCode::OK, &r),
        Err(f) => f.into_response(),
    }
}

pub async fn logout(State(sh): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let Some(token) = bearer(&headers) else {
        return Failure::unauthorized().into_response();
    };
    if let Err(f) = require_json(&headers) {
        return f.into_response();
    }
    let result = sh
        .with(|store, ctx| {
            let (sid, who) = authenticate(store, &token, ctx.real, true)?;
            store.sessions.remove(&sid);
            store.dirty = true;
            tracing::info!(username = %who.username, "signed out");
            Ok::<(), Failure>(())
        })
        .await;
    match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(f) => f.into_response(),
    }
}
