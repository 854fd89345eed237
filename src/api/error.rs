use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::domain::{Quantity, Refusal, Status};

/// Every error code of Portal API v1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    // 400 / 404 / 413 / 415 / 429 / 500
    InvalidRequest,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
    RateLimited,
    Internal,
    // auth
    InvalidCredentials,
    AccountLocked,
    InvalidMfaToken,
    InvalidMfaCode,
    MfaCodeReused,
    AlreadyEnrolled,
    NotEnrolled,
    InvalidRefreshToken,
    Unauthorized,
    TokenExpired,
    // changes
    IdempotencyKeyRequired,
    IdempotencyKeyReused,
    VersionConflict,
    QuantityUnchanged,
    QuantityOutOfRange,
    DecreaseOutsideWindow,
    AutoRenewDisabled,
    SubscriptionNotActive,
    OperationInProgress,
    NoScheduledChange,
    // approvals
    Forbidden,
    SelfApprovalForbidden,
    ApprovalPending,
    RequestStale,
    RequestNotPending,
    /// A code this client does not know (a newer server).
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// The HTTP status the server answers with.
    pub fn http_status(self) -> u16 {
        use ErrorCode::*;
        match self {
            InvalidRequest | IdempotencyKeyRequired => 400,
            InvalidCredentials | InvalidMfaToken | InvalidMfaCode | MfaCodeReused
            | InvalidRefreshToken | Unauthorized | TokenExpired => 401,
            Forbidden | SelfApprovalForbidden => 403,
            NotFound | NoScheduledChange => 404,
            AlreadyEnrolled | NotEnrolled | VersionConflict | RequestStale | RequestNotPending => {
                409
            }
            PayloadTooLarge => 413,
            UnsupportedMediaType => 415,
            IdempotencyKeyReused
            | QuantityUnchanged
            | QuantityOutOfRange
            | DecreaseOutsideWindow
            | AutoRenewDisabled
            | SubscriptionNotActive
            | OperationInProgress
            | ApprovalPending => 422,
            AccountLocked => 423,
            RateLimited => 429,
            Internal | Unknown => 500,
        }
    }

    /// A code of two-person approval (roles, self-approval, one open
    /// request, a stale or already decided request).
    pub fn is_approval(self) -> bool {
        matches!(
            self,
            ErrorCode::Forbidden
                | ErrorCode::SelfApprovalForbidden
                | ErrorCode::ApprovalPending
                | ErrorCode::RequestStale
                | ErrorCode::RequestNotPending
        )
    }

    pub fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            InvalidRequest => "invalid_request",
            NotFound => "not_found",
            PayloadTooLarge => "payload_too_large",
            UnsupportedMediaType => "unsupported_media_type",
            RateLimited => "rate_limited",
            Internal => "internal",
            InvalidCredentials => "invalid_credentials",
            AccountLocked => "account_locked",
            InvalidMfaToken => "invalid_mfa_token",
            InvalidMfaCode => "invalid_mfa_code",
            MfaCodeReused => "mfa_code_reused",
            AlreadyEnrolled => "already_enrolled",
            NotEnrolled => "not_enrolled",
            InvalidRefreshToken => "invalid_refresh_token",
            Unauthorized => "unauthorized",
            TokenExpired => "token_expired",
            IdempotencyKeyRequired => "idempotency_key_required",
            IdempotencyKeyReused => "idempotency_key_reused",
            VersionConflict => "version_conflict",
            QuantityUnchanged => "quantity_unchanged",
            QuantityOutOfRange => "quantity_out_of_range",
            DecreaseOutsideWindow => "decrease_outside_window",
            AutoRenewDisabled => "auto_renew_disabled",
            SubscriptionNotActive => "subscription_not_active",
            OperationInProgress => "operation_in_progress",
            NoScheduledChange => "no_scheduled_change",
            Forbidden => "forbidden",
            SelfApprovalForbidden => "self_approval_forbidden",
            ApprovalPending => "approval_pending",
            RequestStale => "request_stale",
            RequestNotPending => "request_not_pending",
            Unknown => "unknown",
        }
    }
}

/// The body of every error answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default)]
    pub details: Map<String, Value>,
}

/// `{"error": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorEnvelope {
    pub error: ApiError,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            details: Map::new(),
        }
    }

    pub fn with(mut self, key: &str, value: impl Serialize) -> Self {
        self.details.insert(
            key.to_string(),
            serde_json::to_value(value).unwrap_or(Value::Null),
        );
        self
    }

    fn date(&self, key: &str) -> Option<NaiveDate> {
        self.details.get(key)?.as_str()?.parse().ok()
    }

    fn quantity(&self, key: &str) -> Option<Quantity> {
        Quantity::try_from(self.details.get(key)?.as_u64()?).ok()
    }

    /// `details.retry_after` in seconds (423, 429).
    pub fn retry_after(&self) -> Option<u64> {
        self.details.get("retry_after")?.as_u64()
    }

    /// `details.attempts_left` (invalid_mfa_code).
    pub fn attempts_left(&self) -> Option<u32> {
        u32::try_from(self.details.get("attempts_left")?.as_u64()?).ok()
    }

    /// The domain refusal a 422 carries, rebuilt from its code and details,
    /// so the client explains a server refusal exactly as a local one.
    pub fn to_refusal(&self) -> Option<Refusal> {
        Some(match self.code {
            ErrorCode::QuantityUnchanged => Refusal::Unchanged {
                quantity: self.quantity("quantity")?,
            },
            ErrorCode::QuantityOutOfRange => {
                let requested = self.quantity("requested")?;
                let min = self.quantity("min")?;
                let max = self.quantity("max")?;
                if requested < min {
                    Refusal::BelowMinimum { requested, min }
                } else {
                    Refusal::AboveMaximum { requested, max }
                }
            }
            ErrorCode::DecreaseOutsideWindow => Refusal::DecreaseOutsideWindow {
                window_closed_on: self.date("window_closed_on")?,
                next_window_opens: self.date("next_window_opens")?,
                next_window_closes: self.date("next_window_closes")?,
                renewal_date: self.date("renewal_date")?,
                can_schedule: self.details.get("can_schedule")?.as_bool()?,
            },
            ErrorCode::AutoRenewDisabled => Refusal::AutoRenewDisabled {
                renewal_date: self.date("renewal_date")?,
            },
            ErrorCode::SubscriptionNotActive => Refusal::NotActive {
                status: serde_json::from_value::<Status>(self.details.get("status")?.clone())
                    .ok()?,
            },
            ErrorCode::OperationInProgress => Refusal::OperationInProgress {
                operation_id: self.details.get("operation_id")?.as_str()?.to_string(),
                target_quantity: self.quantity("target_quantity")?,
            },
            _ => return None,
        })
    }

    /// The 422 answer for a domain refusal. Entry errors never reach the
    /// server (it receives a number), so they map to `invalid_request`.
    pub fn from_refusal(r: &Refusal, min: Quantity, max: Quantity) -> Self {
        match r {
            Refusal::Entry(e) => ApiError::new(ErrorCode::InvalidRequest, e.to_string()),
            Refusal::Unchanged { quantity } => ApiError::new(
                ErrorCode::QuantityUnchanged,
                format!("the quantity is already {quantity}"),
            )
            .with("quantity", quantity),
            Refusal::BelowMinimum { requested, min: m } => ApiError::new(
                ErrorCode::QuantityOutOfRange,
                format!("{requested} is below the minimum of {m}; cancellations are not done here"),
            )
            .with("requested", requested)
            .with("min", m)
            .with("max", max),
            Refusal::AboveMaximum { requested, max: m } => ApiError::new(
                ErrorCode::QuantityOutOfRange,
                format!("{requested} is above the maximum of {m}"),
            )
            .with("requested", requested)
            .with("min", min)
            .with("max", m),
            Refusal::NotActive { status } => ApiError::new(
                ErrorCode::SubscriptionNotActive,
                "only active subscriptions can change",
            )
            .with("status", status),
            Refusal::OperationInProgress {
                operation_id,
                target_quantity,
            } => ApiError::new(
                ErrorCode::OperationInProgress,
                "a previous change is still being provisioned",
            )
            .with("operation_id", operation_id)
            .with("target_quantity", target_quantity),
            Refusal::DecreaseOutsideWindow {
                window_closed_on,
                next_window_opens,
                next_window_closes,
                renewal_date,
                can_schedule,
            } => ApiError::new(
                ErrorCode::DecreaseOutsideWindow,
                format!(
                    "decreases are only possible inside the decrease window; it closed on {window_closed_on}, the next one is {next_window_opens} to {next_window_closes}"
                ),
            )
            .with("window_closed_on", window_closed_on)
            .with("next_window_opens", next_window_opens)
            .with("next_window_closes", next_window_closes)
            .with("renewal_date", renewal_date)
            .with("can_schedule", can_schedule),
            Refusal::AutoRenewDisabled { renewal_date } => ApiError::new(
                ErrorCode::AutoRenewDisabled,
                "auto-renew is off: a change at renewal cannot be scheduled",
            )
            .with("renewal_date", renewal_date),
        }
    }

    pub fn into_envelope(self) -> ErrorEnvelope {
        ErrorEnvelope { error: self }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Refusal;
    use serde_json::json;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn refusals_roundtrip_through_the_wire() {
        let cases = vec![
            Refusal::Unchanged { quantity: 10 },
            Refusal::BelowMinimum {
                requested: 0,
                min: 1,
            },
            Refusal::AboveMaximum {
                requested: 301,
                max: 300,
            },
            Refusal::NotActive {
                status: Status::Suspended,
            },
            Refusal::OperationInProgress {
                operation_id: "op-1".into(),
                target_quantity: 12,
            },
            Refusal::DecreaseOutsideWindow {
                window_closed_on: d("2026-11-25"),
                next_window_opens: d("2026-12-20"),
                next_window_closes: d("2026-12-25"),
                renewal_date: d("2026-12-20"),
                can_schedule: true,
            },
            Refusal::AutoRenewDisabled {
                renewal_date: d("2026-12-20"),
            },
        ];
        for r in cases {
            let e = ApiError::from_refusal(&r, 1, 300);
            assert_eq!(e.code.http_status(), 422);
            let wire = serde_json::to_string(&e.clone().into_envelope()).unwrap();
            let back: ErrorEnvelope = serde_json::from_str(&wire).unwrap();
            assert_eq!(back.error.to_refusal(), Some(r));
        }
    }

    #[test]
    fn unknown_codes_decode() {
        let e: ErrorEnvelope =
            serde_json::from_str(r#"{"error":{"code":"brand_new","message":"x"}}"#).unwrap();
        assert_eq!(e.error.code, ErrorCode::Unknown);
        assert!(e.error.details.is_empty());
    }

    #[test]
    fn codes_serialize_as_their_names() {
        for code in [
            ErrorCode::DecreaseOutsideWindow,
            ErrorCode::MfaCodeReused,
            ErrorCode::AccountLocked,
            ErrorCode::SelfApprovalForbidden,
            ErrorCode::RequestNotPending,
        ] {
            assert_eq!(serde_json::to_value(code).unwrap(), json!(code.as_str()));
        }
    }
}
