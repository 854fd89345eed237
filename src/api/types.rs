use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{
    self, Billing, Effective, OperationStatus, Quantity, Status, Term, WindowStatus,
};

/// Which MFA step follows a correct password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MfaStep {
    /// First login: the user enrols an authenticator first.
    Enroll,
    /// Already enrolled: the user types a code.
    Verify,
}

/// `POST /auth/login`.
#[derive(Clone, Serialize, Deserialize)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRequest")
            .field("username", &self.username)
            .field("password", &"[redacted]")
            .finish()
    }
}

impl Drop for LoginRequest {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.password);
    }
}

/// Answer to a correct password.
#[derive(Clone, Serialize, Deserialize)]
pub struct LoginResponse {
    pub mfa_token: String,
    pub mfa: MfaStep,
    pub expires_in: u64,
}

impl std::fmt::Debug for LoginResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginResponse")
            .field("mfa_token", &"[redacted]")
            .field("mfa", &self.mfa)
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// `POST /auth/mfa/enroll`.
#[derive(Clone, Serialize, Deserialize)]
pub struct EnrollRequest {
    pub mfa_token: String,
}

/// The new TOTP secret, as an otpauth URI and as base32 for manual entry.
#[derive(Clone, Serialize, Deserialize)]
pub struct EnrollResponse {
    pub otpauth_uri: String,
    pub secret: String,
}

impl std::fmt::Debug for EnrollResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EnrollResponse([redacted])")
    }
}

/// `POST /auth/mfa/verify`.
#[derive(Clone, Serialize, Deserialize)]
pub struct VerifyRequest {
    pub mfa_token: String,
    pub code: String,
}

impl Drop for VerifyRequest {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.code);
    }
}

/// The signed-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    pub username: String,
    pub display_name: String,
    /// Tenant id.
    pub tenant: String,
}

/// A token pair (`/auth/mfa/verify` and `/auth/refresh`).
#[derive(Clone, Serialize, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub refresh_token: String,
    pub token_type: String,
    /// Access token lifetime in seconds.
    pub expires_in: u64,
    pub user: UserInfo,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &"[redacted]")
            .field("refresh_token", &"[redacted]")
            .field("expires_in", &self.expires_in)
            .field("user", &self.user)
            .finish()
    }
}

/// `POST /auth/refresh`.
#[derive(Clone, Serialize, Deserialize)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// `GET /policy`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyResponse {
    /// IANA zone name, e.g. `America/Bogota`.
    pub time_zone: String,
    pub decrease_window_days: u32,
    pub provisioning_sla_seconds: u64,
}

impl PolicyResponse {
    pub fn from_policy(p: &domain::Policy) -> Self {
        Self {
            time_zone: p.time_zone.name().to_string(),
            decrease_window_days: p.decrease_window_days,
            provisioning_sla_seconds: p.provisioning_sla_seconds,
        }
    }

    /// `None` when the zone name is unknown or the window is empty.
    pub fn to_policy(&self) -> Option<domain::Policy> {
        let time_zone = self.time_zone.parse().ok()?;
        if self.decrease_window_days == 0 {
            return None;
        }
        Some(domain::Policy {
            time_zone,
            decrease_window_days: self.decrease_window_days,
            provisioning_sla_seconds: self.provisioning_sla_seconds,
        })
    }
}

/// The decrease window as the API shows it: the current one while open,
/// else the next one. Dates are `YYYY-MM-DD` in the portal zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecreaseWindowDto {
    pub open: bool,
    #[serde(with = "super::date")]
    pub opens: NaiveDate,
    #[serde(with = "super::date")]
    pub closes: NaiveDate,
}

impl From<WindowStatus> for DecreaseWindowDto {
    fn from(w: WindowStatus) -> Self {
        let window = w.window();
        Self {
            open: w.is_open(),
            opens: window.opens,
            closes: window.closes,
        }
    }
}

impl DecreaseWindowDto {
    /// The status as of `today` (days left counts today).
    pub fn status(&self, today: NaiveDate) -> WindowStatus {
        if self.open {
            let left = self.closes.signed_duration_since(today).num_days() + 1;
            WindowStatus::Open {
                opens: self.opens,
                closes: self.closes,
                days_left: u32::try_from(left.max(0)).unwrap_or(0),
            }
        } else {
            WindowStatus::Closed {
                opens: self.opens,
                closes: self.closes,
            }
        }
    }
}

/// One row of the services listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionSummary {
    pub id: String,
    pub name: String,
    pub quantity: Quantity,
    pub term: Term,
    #[serde(with = "super::date")]
    pub renewal_date: NaiveDate,
    pub status: Status,
    pub decrease_window: Option<DecreaseWindowDto>,
    pub has_scheduled_change: bool,
    pub has_pending_operation: bool,
}

/// A service (product) with its subscriptions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceDto {
    pub id: String,
    pub name: String,
    pub subscriptions: Vec<SubscriptionSummary>,
}

/// `GET /services` page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServicesPage {
    pub services: Vec<ServiceDto>,
    pub next_page_token: Option<String>,
}

/// A change scheduled for the renewal date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledChangeDto {
    pub quantity: Quantity,
    #[serde(with = "super::date")]
    pub effective_date: NaiveDate,
}

/// The pending operation as embedded in a subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingOperationDto {
    pub id: String,
    pub target_quantity: Quantity,
    pub submitted_at: DateTime<Utc>,
    pub status: OperationStatus,
}

/// `GET /subscriptions/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionDto {
    pub id: String,
    pub service_id: String,
    pub name: String,
    pub quantity: Quantity,
    pub min: Quantity,
    pub max: Quantity,
    pub term: Term,
    pub billing: Billing,
    #[serde(with = "super::date")]
    pub term_start: NaiveDate,
    pub anchor_day: u32,
    #[serde(with = "super::date")]
    pub renewal_date: NaiveDate,
    pub auto_renew: bool,
    pub status: Status,
    pub assigned: Option<Quantity>,
    pub decrease_window: Option<DecreaseWindowDto>,
    pub scheduled_change: Option<ScheduledChangeDto>,
    pub pending_operation: Option<PendingOperationDto>,
    pub version: u64,
}

impl SubscriptionDto {
    /// The snapshot the domain rules work on.
    pub fn to_domain(&self) -> domain::Subscription {
        domain::Subscription {
            id: self.id.clone(),
            name: self.name.clone(),
            quantity: self.quantity,
            min: self.min,
            max: self.max,
            term: self.term,
            billing: self.billing,
            term_start: self.term_start,
            anchor_day: self.anchor_day,
            renewal_date: self.renewal_date,
            auto_renew: self.auto_renew,
            status: self.status,
            assigned: self.assigned,
            scheduled_change: self
                .scheduled_change
                .as_ref()
                .map(|c| domain::ScheduledChange {
                    quantity: c.quantity,
                    effective_date: c.effective_date,
                }),
            pending_operation: self
                .pending_operation
                .as_ref()
                .map(|o| domain::PendingOperation {
                    id: o.id.clone(),
                    target_quantity: o.target_quantity,
                    submitted_at: o.submitted_at,
                    status: o.status,
                }),
        }
    }

    /// The wire form of a domain snapshot, as of `today` (portal zone).
    pub fn from_domain(
        sub: &domain::Subscription,
        service_id: &str,
        version: u64,
        policy: &domain::Policy,
        today: NaiveDate,
    ) -> Self {
        Self {
            id: sub.id.clone(),
            service_id: service_id.to_string(),
            name: sub.name.clone(),
            quantity: sub.quantity,
            min: sub.min,
            max: sub.max,
            term: sub.term,
            billing: sub.billing,
            term_start: sub.term_start,
            anchor_day: sub.anchor_day,
            renewal_date: sub.renewal_date,
            auto_renew: sub.auto_renew,
            status: sub.status,
            assigned: sub.assigned,
            decrease_window: domain::window_status(sub, policy, today).map(Into::into),
            scheduled_change: sub.scheduled_change.as_ref().map(|c| ScheduledChangeDto {
                quantity: c.quantity,
                effective_date: c.effective_date,
            }),
            pending_operation: sub.pending_operation.as_ref().map(|o| PendingOperationDto {
                id: o.id.clone(),
                target_quantity: o.target_quantity,
                submitted_at: o.submitted_at,
                status: o.status,
            }),
            version,
        }
    }

    /// The listing row for this subscription (what [`Self::from_domain`]
    /// then [`Self::summary`] give, without building the whole detail).
    pub fn summary_of(
        sub: &domain::Subscription,
        policy: &domain::Policy,
        today: NaiveDate,
    ) -> SubscriptionSummary {
        SubscriptionSummary {
            id: sub.id.clone(),
            name: sub.name.clone(),
            quantity: sub.quantity,
            term: sub.term,
            renewal_date: sub.renewal_date,
            status: sub.status,
            decrease_window: domain::window_status(sub, policy, today).map(Into::into),
            has_scheduled_change: sub.scheduled_change.is_some(),
            has_pending_operation: sub.pending_operation.is_some(),
        }
    }

    /// The listing row for this subscription.
    pub fn summary(&self) -> SubscriptionSummary {
        SubscriptionSummary {
            id: self.id.clone(),
            name: self.name.clone(),
            quantity: self.quantity,
            term: self.term,
            renewal_date: self.renewal_date,
            status: self.status,
            decrease_window: self.decrease_window,
            has_scheduled_change: self.scheduled_change.is_some(),
            has_pending_operation: self.pending_operation.is_some(),
        }
    }
}

/// When a requested change applies, on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EffectiveDto {
    Now,
    Renewal,
}

impl From<Effective> for EffectiveDto {
    fn from(e: Effective) -> Self {
        match e {
            Effective::Now => EffectiveDto::Now,
            Effective::AtRenewal => EffectiveDto::Renewal,
        }
    }
}

impl From<EffectiveDto> for Effective {
    fn from(e: EffectiveDto) -> Self {
        match e {
            EffectiveDto::Now => Effective::Now,
            EffectiveDto::Renewal => Effective::AtRenewal,
        }
    }
}

/// `POST /subscriptions/{id}/changes` (with an `Idempotency-Key` header).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeRequest {
    pub quantity: Quantity,
    pub effective: EffectiveDto,
    pub expected_version: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_reference: Option<String>,
}

/// A provisioning operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationDto {
    pub id: String,
    pub subscription_id: String,
    pub status: OperationStatus,
    pub target_quantity: Quantity,
    pub submitted_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

/// 202 answer to an immediate change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeAccepted {
    pub operation: OperationDto,
}

/// 200 answer to a change at renewal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeScheduled {
    pub scheduled_change: ScheduledChangeDto,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_not_debug_printed() {
        let r = LoginRequest {
            username: "demo".into(),
            password: "hunter2".into(),
        };
        assert!(!format!("{r:?}").contains("hunter2"));
        let t = TokenResponse {
            access_token: "AAA-secret".into(),
            refresh_token: "RRR-secret".into(),
            token_type: "Bearer".into(),
            expires_in: 900,
            user: UserInfo {
                username: "demo".into(),
                display_name: "Demo".into(),
                tenant: "contoso".into(),
            },
        };
        let s = format!("{t:?}");
        assert!(!s.contains("AAA-secret") && !s.contains("RRR-secret"));
    }

    #[test]
    fn change_request_wire_shape() {
        let json = r#"{"quantity":12,"effective":"renewal","expected_version":3}"#;
        let r: ChangeRequest = serde_json::from_str(json).unwrap();
        assert_eq!(r.effective, EffectiveDto::Renewal);
        assert_eq!(r.approval_reference, None);
        assert!(
            serde_json::from_str::<ChangeRequest>(
                r#"{"quantity":-1,"effective":"now","expected_version":1}"#
            )
            .is_err()
        );
    }
}
