//! Errors that carry their exit code (like gh's `cmdutil` errors), and the
//! exit codes every scripting command shares.

use chrono_tz::Tz;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::api::{ApiError, ErrorCode, SubscriptionDto};
use crate::domain::Refusal;
use crate::i18n::CliCatalog;
use crate::portal::PortalError;

/// The exit codes, the same for every command (README, `--help`, man page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: success.
    Success,
    /// 1: any other failure (network, portal 5xx).
    Failure,
    /// 2: usage or configuration error.
    Usage,
    /// 3: not signed in, session expired or sign-in failed.
    NotSignedIn,
    /// 4: refused by the rules (client or portal).
    Refused,
    /// 5: not confirmed.
    NotConfirmed,
    /// 6: version conflict.
    Conflict,
    /// 7: the operation failed.
    OperationFailed,
    /// 8: still pending when `--wait-timeout` passed.
    StillPending,
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Failure => 1,
            Exit::Usage => 2,
            Exit::NotSignedIn => 3,
            Exit::Refused => 4,
            Exit::NotConfirmed => 5,
            Exit::Conflict => 6,
            Exit::OperationFailed => 7,
            Exit::StillPending => 8,
        }
    }
}

/// A command that did not succeed: its exit code and, for `--json`, the
/// API's error envelope (`{"error": {"code", "message", "details"}}`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct CommandError {
    pub exit: Exit,
    pub code: String,
    /// In the user's language.
    pub message: String,
    pub details: Map<String, Value>,
}

/// `{"error": {...}}` as printed.
#[derive(Serialize)]
pub struct Envelope<'a> {
    error: Body<'a>,
}

#[derive(Serialize)]
struct Body<'a> {
    code: &'a str,
    message: &'a str,
    details: &'a Map<String, Value>,
}

impl CommandError {
    pub fn new(exit: Exit, code: &str, message: impl Into<String>) -> Self {
        Self {
            exit,
            code: code.to_string(),
            message: message.into(),
            details: Map::new(),
        }
    }

    /// Add one detail (a value that cannot be encoded becomes `null`).
    pub fn with(mut self, key: &str, value: impl Serialize) -> Self {
        self.details.insert(
            key.to_string(),
            serde_json::to_value(value).unwrap_or(Value::Null),
        );
        self
    }

    pub fn envelope(&self) -> Envelope<'_> {
        Envelope {
            error: Body {
                code: &self.code,
                message: &self.message,
                details: &self.details,
            },
        }
    }

    /// A refusal by the rules (exit 4), with the portal's code and details.
    /// `sub` gives the range for `quantity_out_of_range`.
    pub fn refusal(t: &dyn CliCatalog, r: &Refusal, sub: Option<&SubscriptionDto>, tz: Tz) -> Self {
        if let Refusal::Entry(e) = r {
            let mut err = Self::new(Exit::Refused, "not_a_total", t.entry_error(e));
            if let crate::domain::EntryError::Delta {
                suggested_total: Some(total),
                ..
            } = e
            {
                err = err.with("suggested_total", total);
            }
            return err;
        }
        let (min, max) = sub.map_or((0, 0), |s| (s.min, s.max));
        let api = ApiError::from_refusal(r, min, max);
        let mut details = api.details;
        if sub.is_none() {
            // Only the bound the refusal names is known.
            match r {
                Refusal::BelowMinimum { .. } => details.remove("max"),
                Refusal::AboveMaximum { .. } => details.remove("min"),
                _ => None,
            };
        }
        Self {
            exit: Exit::Refused,
            code: api.code.as_str().to_string(),
            message: t.refusal(r, tz),
            details,
        }
    }

    /// A failed portal call, in the catalogue's words, with its exit code.
    pub fn portal(
        t: &dyn CliCatalog,
        e: &PortalError,
        sub: Option<&SubscriptionDto>,
        tz: Tz,
    ) -> Self {
        if let PortalError::Refused(r) = e {
            return Self::refusal(t, r, sub, tz);
        }
        let (exit, code) = match e {
            PortalError::InvalidCredentials => (Exit::NotSignedIn, "invalid_credentials"),
            PortalError::Locked { .. } => (Exit::NotSignedIn, "account_locked"),
            PortalError::InvalidMfaCode { .. } => (Exit::NotSignedIn, "invalid_mfa_code"),
            PortalError::MfaCodeReused => (Exit::NotSignedIn, "mfa_code_reused"),
            PortalError::MfaTokenInvalid => (Exit::NotSignedIn, "invalid_mfa_token"),
            PortalError::AlreadyEnrolled => (Exit::NotSignedIn, "already_enrolled"),
            PortalError::NotEnrolled => (Exit::NotSignedIn, "not_enrolled"),
            PortalError::SessionExpired => (Exit::NotSignedIn, "session_expired"),
            PortalError::NotSignedIn => (Exit::NotSignedIn, "not_signed_in"),
            PortalError::Refused(_) => (Exit::Refused, "refused"),
            PortalError::VersionConflict(_) => (Exit::Conflict, "version_conflict"),
            PortalError::IdempotencyKeyReused => (Exit::Refused, "idempotency_key_reused"),
            PortalError::RateLimited { .. } => (Exit::Failure, "rate_limited"),
            PortalError::NotFound => (Exit::Usage, "not_found"),
            PortalError::NoScheduledChange => (Exit::Usage, "no_scheduled_change"),
            PortalError::Server { code, status, .. } => {
                let exit = match code {
                    Some(c) if c.http_status() == 422 => Exit::Refused,
                    Some(c) if c.http_status() == 401 => Exit::NotSignedIn,
                    // Two-person approval: a role or self-approval refused
                    // is a rule; a request decided or stale meanwhile is a
                    // conflict with the state now.
                    Some(c) if c.http_status() == 403 => Exit::Refused,
                    Some(c) if c.http_status() == 409 => Exit::Conflict,
                    // A request the portal could not accept as written: a
                    // bad value given on the command line (an overlong key).
                    _ if *status == 400 => Exit::Usage,
                    _ => Exit::Failure,
                };
                let code = code.map_or("portal_error", ErrorCode::as_str);
                return Self::new(exit, code, t.portal_error(e, tz)).with("status", status);
            }
            PortalError::Network(_) => (Exit::Failure, "network_error"),
            PortalError::Timeout => (Exit::Failure, "timeout"),
            PortalError::Decode(_) => (Exit::Failure, "bad_answer"),
            PortalError::InsecureUrl(_) => (Exit::Usage, "insecure_url"),
            PortalError::InvalidUrl(_) => (Exit::Usage, "invalid_url"),
            PortalError::StillPending { .. } => (Exit::StillPending, "still_pending"),
        };
        let err = Self::new(exit, code, t.portal_error(e, tz));
        match e {
            PortalError::Locked { retry_after_secs }
            | PortalError::RateLimited { retry_after_secs } => {
                err.with("retry_after", retry_after_secs)
            }
            PortalError::InvalidMfaCode {
                attempts_left: Some(n),
            } => err.with("attempts_left", n),
            PortalError::VersionConflict(fresh) => err.with("subscription", fresh),
            PortalError::StillPending { operation_id } => err.with("operation_id", operation_id),
            _ => err,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{DEFAULT_TIME_ZONE, EntryError, Sign};
    use crate::i18n::{Lang, cli};

    #[test]
    fn exit_codes_are_the_contract() {
        let all = [
            Exit::Success,
            Exit::Failure,
            Exit::Usage,
            Exit::NotSignedIn,
            Exit::Refused,
            Exit::NotConfirmed,
            Exit::Conflict,
            Exit::OperationFailed,
            Exit::StillPending,
        ];
        let codes: Vec<u8> = all.iter().map(|e| e.code()).collect();
        assert_eq!(codes, vec![0, 1, 2, 3, 4, 5, 6, 7, 8]);
    }

    #[test]
    fn a_typed_delta_is_not_a_total_with_the_total_meant() {
        let r = Refusal::Entry(EntryError::Delta {
            sign: Sign::Plus,
            amount: 2,
            suggested_total: Some(12),
        });
        let e = CommandError::refusal(cli(Lang::En), &r, None, DEFAULT_TIME_ZONE);
        assert_eq!(e.exit, Exit::Refused);
        assert_eq!(e.code, "not_a_total");
        assert_eq!(e.details["suggested_total"], 12);
        assert!(e.message.contains("12"), "{}", e.message);
        let json = serde_json::to_value(e.envelope()).unwrap();
        assert_eq!(json["error"]["code"], "not_a_total");
    }

    fn approval(status: u16, code: ErrorCode) -> PortalError {
        PortalError::Server {
            status,
            code: Some(code),
            message: "x".into(),
        }
    }

    #[test]
    fn portal_errors_map_to_their_exit_codes() {
        let t = cli(Lang::Es);
        let tz = DEFAULT_TIME_ZONE;
        let cases = [
            (PortalError::SessionExpired, 3),
            (
                PortalError::InvalidMfaCode {
                    attempts_left: Some(2),
                },
                3,
            ),
            (PortalError::Refused(Refusal::Unchanged { quantity: 3 }), 4),
            (PortalError::IdempotencyKeyReused, 4),
            (PortalError::NotFound, 2),
            (PortalError::Timeout, 1),
            (
                PortalError::Server {
                    status: 503,
                    code: None,
                    message: "x".into(),
                },
                1,
            ),
            (PortalError::InsecureUrl("http://x".into()), 2),
            (approval(403, ErrorCode::SelfApprovalForbidden), 4),
            (approval(403, ErrorCode::Forbidden), 4),
            (approval(422, ErrorCode::ApprovalPending), 4),
            (approval(409, ErrorCode::RequestStale), 6),
            (approval(409, ErrorCode::RequestNotPending), 6),
        ];
        for (e, code) in cases {
            assert_eq!(
                CommandError::portal(t, &e, None, tz).exit.code(),
                code,
                "{e:?}"
            );
        }
        let refused = CommandError::portal(
            t,
            &PortalError::Refused(Refusal::Unchanged { quantity: 3 }),
            None,
            tz,
        );
        assert_eq!(refused.code, "quantity_unchanged");
        let own = CommandError::portal(
            cli(Lang::En),
            &approval(403, ErrorCode::SelfApprovalForbidden),
            None,
            tz,
        );
        assert_eq!(own.code, "self_approval_forbidden");
        assert!(own.message.contains("another approver"), "{}", own.message);
    }
}
