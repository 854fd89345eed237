//! Two-person approval and change history: `GET /me`, change requests and
//! `GET /subscriptions/{id}/history` (Portal API v1, backwards compatible).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{Quantity, Warning};

use super::{EffectiveDto, OperationDto, ScheduledChangeDto};

/// How a tenant approves changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalMode {
    /// The requester attests that the change was approved (the first behaviour).
    #[default]
    Attest,
    /// Another user of the tenant with the `approver` role approves it.
    SecondPerson,
}

impl ApprovalMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalMode::Attest => "attest",
            ApprovalMode::SecondPerson => "second_person",
        }
    }
}

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// May request changes (`POST /subscriptions/{id}/changes`).
    Requester,
    /// May approve or reject other users' change requests.
    Approver,
}

impl Role {
    /// Every role (a user's default).
    pub const ALL: [Role; 2] = [Role::Requester, Role::Approver];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Requester => "requester",
            Role::Approver => "approver",
        }
    }
}

/// The tenant as `GET /me` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantInfo {
    pub id: String,
    pub name: String,
    pub approval: ApprovalMode,
}

/// `GET /me`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeResponse {
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub tenant: TenantInfo,
}

/// Who did something (`null` on the wire when the portal itself did it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub username: String,
    pub display_name: String,
}

/// The wire name of a review warning, as computed when a change was requested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WarningName {
    DeletesScheduledChange,
    ReplacesScheduledChange,
    /// The new total is at most half the current one.
    LargeReduction,
    LargeIncrease,
    BelowAssigned,
    /// A name this client does not know (a newer server).
    #[serde(other)]
    Unknown,
}

impl WarningName {
    pub fn of(w: &Warning) -> Self {
        match w {
            Warning::DeletesScheduledChange { .. } => WarningName::DeletesScheduledChange,
            Warning::ReplacesScheduledChange { .. } => WarningName::ReplacesScheduledChange,
            Warning::LooksLikeDelta { .. } => WarningName::LargeReduction,
            Warning::LargeIncrease { .. } => WarningName::LargeIncrease,
            Warning::BelowAssigned { .. } => WarningName::BelowAssigned,
        }
    }
}

/// Where a change request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeRequestStatus {
    AwaitingApproval,
    Approved,
    Rejected,
    Cancelled,
    Expired,
    Failed,
}

impl ChangeRequestStatus {
    pub const ALL: [ChangeRequestStatus; 6] = [
        ChangeRequestStatus::AwaitingApproval,
        ChangeRequestStatus::Approved,
        ChangeRequestStatus::Rejected,
        ChangeRequestStatus::Cancelled,
        ChangeRequestStatus::Expired,
        ChangeRequestStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChangeRequestStatus::AwaitingApproval => "awaiting_approval",
            ChangeRequestStatus::Approved => "approved",
            ChangeRequestStatus::Rejected => "rejected",
            ChangeRequestStatus::Cancelled => "cancelled",
            ChangeRequestStatus::Expired => "expired",
            ChangeRequestStatus::Failed => "failed",
        }
    }
}

/// A change waiting for (or decided by) a second person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeRequestDto {
    pub id: String,
    pub subscription_id: String,
    pub subscription_name: String,
    /// The subscription's quantity when the change was requested.
    pub from: Quantity,
    /// The requested new total.
    pub quantity: Quantity,
    pub effective: EffectiveDto,
    /// Today for an immediate change, the renewal date for one at renewal.
    pub effective_date: NaiveDate,
    pub approval_reference: Option<String>,
    pub warnings: Vec<WarningName>,
    pub requested_by: Actor,
    pub requested_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub status: ChangeRequestStatus,
    pub decided_by: Option<Actor>,
    pub decided_at: Option<DateTime<Utc>>,
    /// Why it was rejected or failed.
    pub reason: Option<String>,
    /// The provisioning operation of an approved immediate change.
    pub operation_id: Option<String>,
}

/// `{"change_request": {...}}`: 202 to a change in a `second_person`
/// tenant, 200 to get, reject or cancel one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeRequestAnswer {
    pub change_request: ChangeRequestDto,
}

/// Answer to `POST /change-requests/{id}/approve`: with `operation` (202)
/// for an immediate change, with `scheduled_change` (200) at renewal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApproveAnswer {
    pub change_request: ChangeRequestDto,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<OperationDto>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_change: Option<ScheduledChangeDto>,
}

/// `GET /change-requests` page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeRequestsPage {
    pub change_requests: Vec<ChangeRequestDto>,
    pub next_page_token: Option<String>,
}

/// `POST /change-requests/{id}/reject`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectRequest {
    pub reason: String,
}

/// Longest reason of a rejection, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// What a history event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HistoryKind {
    ChangeRequested,
    ChangeApproved,
    ChangeRejected,
    ChangeCancelled,
    ChangeExpired,
    ChangeFailed,
    OperationAccepted,
    OperationSucceeded,
    OperationFailed,
    ChangeScheduled,
    ScheduledChangeCancelled,
    Renewed,
    SubscriptionExpired,
    /// A kind this client does not know (a newer server).
    #[serde(other)]
    Unknown,
}

/// One event of a subscription's history; fields that do not apply are null.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEvent {
    pub at: DateTime<Utc>,
    pub kind: HistoryKind,
    /// `None` when the portal itself did it (provisioning, renewals, expiry).
    pub actor: Option<Actor>,
    pub from: Option<Quantity>,
    pub to: Option<Quantity>,
    pub effective: Option<EffectiveDto>,
    pub effective_date: Option<NaiveDate>,
    pub approval_reference: Option<String>,
    pub change_request_id: Option<String>,
    pub operation_id: Option<String>,
    pub reason: Option<String>,
}

impl HistoryEvent {
    /// An event with only its instant, kind and actor set.
    pub fn new(at: DateTime<Utc>, kind: HistoryKind, actor: Option<Actor>) -> Self {
        Self {
            at,
            kind,
            actor,
            from: None,
            to: None,
            effective: None,
            effective_date: None,
            approval_reference: None,
            change_request_id: None,
            operation_id: None,
            reason: None,
        }
    }
}

/// `GET /subscriptions/{id}/history` page, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryPage {
    pub events: Vec<HistoryEvent>,
    pub next_page_token: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_on_the_wire() {
        assert_eq!(
            serde_json::to_value(ApprovalMode::SecondPerson).unwrap(),
            json!("second_person")
        );
        assert_eq!(
            serde_json::to_value(WarningName::LargeReduction).unwrap(),
            json!("large-reduction")
        );
        assert_eq!(
            serde_json::to_value(HistoryKind::ScheduledChangeCancelled).unwrap(),
            json!("scheduled_change_cancelled")
        );
        for s in ChangeRequestStatus::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), json!(s.as_str()));
        }
        for r in Role::ALL {
            assert_eq!(serde_json::to_value(r).unwrap(), json!(r.as_str()));
        }
        let k: HistoryKind = serde_json::from_value(json!("brand_new")).unwrap();
        assert_eq!(k, HistoryKind::Unknown);
    }

    #[test]
    fn approve_answer_carries_only_what_happened() {
        let v = serde_json::to_value(HistoryEvent::new(
            "2026-11-25T15:00:00Z".parse().unwrap(),
            HistoryKind::Renewed,
            None,
        ))
        .unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys.len(), 11, "{keys:?}");
        assert!(v["actor"].is_null() && v["reason"].is_null());
    }
}
