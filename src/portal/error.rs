//! `PortalError`: everything that can go wrong talking to a portal, typed so
//! the UI can explain it (the i18n catalogue turns each variant into words).
//!
//! Messages never contain a password, a TOTP code or a token: variants carry
//! only codes, numbers, dates and the server's own (secret-free) message.

use crate::api::{self, ApiError, ErrorCode};
use crate::domain::Refusal;

/// A failed portal call.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum PortalError {
    /// Wrong username or password (401 `invalid_credentials`).
    #[error("wrong username or password")]
    InvalidCredentials,
    /// Too many wrong passwords: the account is locked (423 `account_locked`).
    #[error("the account is locked; try again in {retry_after_secs} s")]
    Locked { retry_after_secs: u64 },
    /// The TOTP code was wrong (401 `invalid_mfa_code`).
    #[error("wrong verification code")]
    InvalidMfaCode { attempts_left: Option<u32> },
    /// The TOTP code was already used in its time step (401 `mfa_code_reused`).
    #[error("this verification code was already used; wait for the next one")]
    MfaCodeReused,
    /// The MFA step token expired or is unknown: log in again (401 `invalid_mfa_token`).
    #[error("the sign-in step expired; enter the password again")]
    MfaTokenInvalid,
    /// Enrolment asked for a user who already has an authenticator (409 `already_enrolled`).
    #[error("an authenticator is already enrolled for this user")]
    AlreadyEnrolled,
    /// Verification asked for a user who has not enrolled yet (409 `not_enrolled`).
    #[error("no authenticator is enrolled for this user yet")]
    NotEnrolled,
    /// The session ended and could not be refreshed: back to the login screen.
    #[error("the session expired; sign in again")]
    SessionExpired,
    /// A data call was made with no session at all.
    #[error("not signed in")]
    NotSignedIn,
    /// The portal refused the change by its rules (422), explained as a domain refusal.
    #[error("the portal refused the change: {0}")]
    Refused(Refusal),
    /// `expected_version` was stale (409): carries the fresh subscription.
    #[error("the subscription changed meanwhile; review it again")]
    VersionConflict(Box<api::SubscriptionDto>),
    /// The same Idempotency-Key was sent with another body (422 `idempotency_key_reused`).
    #[error("this change request was already used for a different change")]
    IdempotencyKeyReused,
    /// 429 (after the allowed retries, or with a wait too long to sit out).
    #[error("too many requests; try again in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// 404 `not_found` (also another tenant's ids).
    #[error("not found")]
    NotFound,
    /// `DELETE .../scheduled-change` with nothing scheduled (404 `no_scheduled_change`).
    #[error("there is no scheduled change")]
    NoScheduledChange,
    /// Any other error answer (5xx after retries, 400, 413, unknown codes...).
    #[error("portal error (HTTP {status}): {message}")]
    Server {
        status: u16,
        code: Option<ErrorCode>,
        message: String,
    },
    /// The request did not complete: DNS, connection refused or reset, TLS.
    #[error("network error: {0}")]
    Network(String),
    /// No answer in time (connect or request timeout).
    #[error("the portal did not answer in time")]
    Timeout,
    /// The answer could not be understood.
    #[error("the portal's answer could not be read: {0}")]
    Decode(String),
    /// `http://` for a portal that is not on this machine.
    #[error("refusing plain http:// for a remote portal ({0}); use https://")]
    InsecureUrl(String),
    /// Not a usable portal URL.
    #[error("invalid portal URL: {0}")]
    InvalidUrl(String),
    /// Operation tracking gave up while the operation was still pending.
    #[error("operation {operation_id} is still pending")]
    StillPending { operation_id: String },
}

impl PortalError {
    /// Worth trying again later with the same input (the UI keeps the input
    /// in every case; this only decides whether to offer "retry").
    pub fn is_transient(&self) -> bool {
        match self {
            PortalError::Network(_)
            | PortalError::Timeout
            | PortalError::RateLimited { .. }
            | PortalError::Decode(_) => true,
            PortalError::Server { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// The user must sign in again.
    pub fn needs_login(&self) -> bool {
        matches!(
            self,
            PortalError::SessionExpired | PortalError::NotSignedIn | PortalError::MfaTokenInvalid
        )
    }

    /// Map an error answer. `retry_after` is the `Retry-After` header, if any.
    pub(crate) fn from_answer(
        status: u16,
        error: Option<ApiError>,
        retry_after: Option<u64>,
    ) -> Self {
        let Some(e) = error else {
            return match status {
                404 => PortalError::NotFound,
                429 => PortalError::RateLimited {
                    retry_after_secs: retry_after.unwrap_or(1),
                },
                401 => PortalError::SessionExpired,
                _ => PortalError::Server {
                    status,
                    code: None,
                    message: format!("HTTP {status} without an error body"),
                },
            };
        };
        let wait = e.retry_after().or(retry_after);
        match e.code {
            ErrorCode::InvalidCredentials => PortalError::InvalidCredentials,
            ErrorCode::AccountLocked => PortalError::Locked {
                retry_after_secs: wait.unwrap_or(0),
            },
            ErrorCode::InvalidMfaCode => PortalError::InvalidMfaCode {
                attempts_left: e.attempts_left(),
            },
            ErrorCode::MfaCodeReused => PortalError::MfaCodeReused,
            ErrorCode::InvalidMfaToken => PortalError::MfaTokenInvalid,
            ErrorCode::AlreadyEnrolled => PortalError::AlreadyEnrolled,
            ErrorCode::NotEnrolled => PortalError::NotEnrolled,
            ErrorCode::InvalidRefreshToken | ErrorCode::Unauthorized | ErrorCode::TokenExpired => {
                PortalError::SessionExpired
            }
            ErrorCode::RateLimited => PortalError::RateLimited {
                retry_after_secs: wait.unwrap_or(1),
            },
            ErrorCode::NotFound => PortalError::NotFound,
            ErrorCode::NoScheduledChange => PortalError::NoScheduledChange,
            ErrorCode::IdempotencyKeyReused => PortalError::IdempotencyKeyReused,
            ErrorCode::VersionConflict => match e
                .details
                .get("subscription")
                .cloned()
                .map(serde_json::from_value::<api::SubscriptionDto>)
            {
                Some(Ok(sub)) => PortalError::VersionConflict(Box::new(sub)),
                _ => PortalError::Decode(
                    "version_conflict without a readable details.subscription".into(),
                ),
            },
            ErrorCode::QuantityUnchanged
            | ErrorCode::QuantityOutOfRange
            | ErrorCode::DecreaseOutsideWindow
            | ErrorCode::AutoRenewDisabled
            | ErrorCode::SubscriptionNotActive
            | ErrorCode::OperationInProgress => match e.to_refusal() {
                Some(r) => PortalError::Refused(r),
                None => PortalError::Server {
                    status,
                    code: Some(e.code),
                    message: e.message,
                },
            },
            ErrorCode::InvalidRequest
            | ErrorCode::PayloadTooLarge
            | ErrorCode::UnsupportedMediaType
            | ErrorCode::Internal
            | ErrorCode::IdempotencyKeyRequired
            | ErrorCode::Forbidden
            | ErrorCode::SelfApprovalForbidden
            | ErrorCode::ApprovalPending
            | ErrorCode::RequestStale
            | ErrorCode::RequestNotPending
            | ErrorCode::Unknown => PortalError::Server {
                status,
                code: Some(e.code),
                message: e.message,
            },
        }
    }
}

/// A serde error described without quoting the input (which may hold a token).
pub(crate) fn describe_json_error(e: &serde_json::Error) -> String {
    let kind = match e.classify() {
        serde_json::error::Category::Io => "I/O error",
        serde_json::error::Category::Syntax => "malformed JSON",
        serde_json::error::Category::Data => "unexpected JSON shape",
        serde_json::error::Category::Eof => "truncated JSON",
    };
    format!("{kind} at line {} column {}", e.line(), e.column())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Refusal;

    #[test]
    fn refusals_come_back_as_domain_refusals() {
        let r = Refusal::AutoRenewDisabled {
            renewal_date: "2026-12-20".parse().unwrap(),
        };
        let e = ApiError::from_refusal(&r, 1, 300);
        assert_eq!(
            PortalError::from_answer(422, Some(e), None),
            PortalError::Refused(r)
        );
    }

    #[test]
    fn lock_and_rate_limit_carry_their_wait() {
        let e = ApiError::new(ErrorCode::AccountLocked, "locked").with("retry_after", 900);
        assert_eq!(
            PortalError::from_answer(423, Some(e), None),
            PortalError::Locked {
                retry_after_secs: 900
            }
        );
        assert_eq!(
            PortalError::from_answer(429, None, Some(7)),
            PortalError::RateLimited {
                retry_after_secs: 7
            }
        );
        let e = ApiError::new(ErrorCode::InvalidMfaCode, "no").with("attempts_left", 3);
        assert_eq!(
            PortalError::from_answer(401, Some(e), None),
            PortalError::InvalidMfaCode {
                attempts_left: Some(3)
            }
        );
    }

    #[test]
    fn conflict_without_subscription_is_a_decode_error() {
        let e = ApiError::new(ErrorCode::VersionConflict, "stale");
        assert!(matches!(
            PortalError::from_answer(409, Some(e), None),
            PortalError::Decode(_)
        ));
    }

    #[test]
    fn json_errors_do_not_quote_input() {
        let err = serde_json::from_str::<u64>("\"secret-token-value\"").unwrap_err();
        assert!(err.to_string().contains("secret-token-value"));
        assert!(!describe_json_error(&err).contains("secret-token-value"));
    }
}
