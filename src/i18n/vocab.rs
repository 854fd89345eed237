//! The vocabulary of what the interface can say: typed messages that the
//! app builds and the catalogues turn into sentences. The catalogue owns
//! them (decision: a message type belongs to the room that renders it, so
//! `i18n` needs nothing from `app`); `app` re-exports them.

use chrono::NaiveDate;

use crate::domain::{Quantity, Refusal};
use crate::portal::PortalError;

/// Why something failed, typed so the UI can explain it in either language:
/// a portal failure as the client reported it, or one of the few failures
/// that happen here (validation before sending, the secret store, the audit
/// log).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    /// The portal (or the way to it) failed: `PortalError` as is.
    #[error(transparent)]
    Portal(#[from] PortalError),
    /// The TOTP code typed during enrolment does not match the secret here:
    /// most likely the phone's clock is off. Nothing was sent.
    #[error("code does not match the secret (clock?)")]
    CodeDoesNotMatchLocally,
    /// A TOTP code must be 6 digits. Nothing was sent.
    #[error("the code has 6 digits")]
    CodeNotSixDigits,
    /// Sign in was pressed with the username empty. Nothing was sent.
    #[error("username missing")]
    UsernameMissing,
    /// Sign in was pressed with the password empty. Nothing was sent.
    #[error("password missing")]
    PasswordMissing,
    /// The enrolment answer could not be read as an otpauth URI.
    #[error("bad enrolment data")]
    BadEnrolment,
    /// The secret store (keyring) failed.
    #[error("secret store: {0}")]
    SecretStore(String),
    /// Writing the audit log failed.
    #[error("audit log: {0}")]
    Audit(String),
}

impl Failure {
    /// Errors after which the same request may simply be tried again.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Failure::Portal(
                PortalError::Network(_)
                    | PortalError::Timeout
                    | PortalError::RateLimited { .. }
                    | PortalError::Server { .. }
                    | PortalError::Decode(_)
            )
        )
    }
}

/// Why the login form is shown again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginReason {
    /// The session expired (refresh failed): sign in to continue where you were.
    SessionExpired,
    /// The user logged out.
    LoggedOut,
    /// The MFA step expired or was cancelled.
    MfaAbandoned,
}

/// Why the wizard came back to an earlier step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WizardError {
    /// 409: the subscription changed; `previous_quantity` is what the user
    /// saw, `wizard.sub` now holds the fresh state.
    Conflict { previous_quantity: Quantity },
    /// The server refused the change (same reasons as the local rules).
    Refused(Refusal),
    /// Anything else (network, timeout, server error). Confirm again to
    /// retry: the same idempotency key is reused.
    Failed(Failure),
}

/// A one-key offer under the quantity field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TotalOffer {
    /// `+2` typed with 10: use 12.
    UseTotal(Quantity),
    /// A decrease refused outside the window: schedule it for the renewal.
    ScheduleForRenewal { date: NaiveDate },
}

/// A toast's message: typed, turned into words by the i18n catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToastMsg {
    /// A failure with no better place to show it.
    Failure(Failure),
    /// The session expired: sign in again to continue.
    SessionExpired,
    /// The secret store failed; the token is now kept in memory only.
    SecretStoreDegraded,
    OperationSucceeded {
        subscription_name: String,
        quantity: Quantity,
    },
    OperationFailed {
        subscription_name: String,
        target_quantity: Quantity,
    },
    ChangeScheduled {
        subscription_name: String,
        quantity: Quantity,
        date: NaiveDate,
    },
    ScheduledChangeCancelled {
        subscription_name: String,
    },
    ServicesRefreshed {
        count: usize,
    },
    LoggedOut,
    /// This user approved, rejected or cancelled a change request.
    RequestDecided {
        subscription_name: String,
        status: crate::api::ChangeRequestStatus,
    },
    /// A change request was decided otherwise than approved.
    RequestClosed {
        subscription_name: String,
        status: crate::api::ChangeRequestStatus,
        reason: Option<String>,
    },
    /// The audit log could not be written.
    AuditFailed(Failure),
}
