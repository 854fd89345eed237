use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// A licence count. `u32` is far above any offer's maximum and cannot go negative.
pub type Quantity = u32;

/// Commitment term of a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Term {
    #[serde(rename = "P1M")]
    P1M,
    #[serde(rename = "P1Y")]
    P1Y,
    #[serde(rename = "P3Y")]
    P3Y,
}

impl Term {
    /// Length of the term in calendar months.
    pub fn months(self) -> u32 {
        match self {
            Term::P1M => 1,
            Term::P1Y => 12,
            Term::P3Y => 36,
        }
    }

    /// The ISO 8601 duration as the API writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Term::P1M => "P1M",
            Term::P1Y => "P1Y",
            Term::P3Y => "P3Y",
        }
    }
}

/// How often the subscription is invoiced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Billing {
    Monthly,
    Annual,
}

/// Lifecycle state of a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Active,
    Suspended,
    Expired,
}

/// State of a provisioning operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OperationStatus {
    Pending,
    Succeeded,
    Failed,
}

/// A change that the portal applies by itself on the renewal date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledChange {
    pub quantity: Quantity,
    pub effective_date: NaiveDate,
}

/// An immediate change that was accepted but is not reflected yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingOperation {
    pub id: String,
    pub target_quantity: Quantity,
    pub submitted_at: DateTime<Utc>,
    pub status: OperationStatus,
}

/// Snapshot of one subscription, as the rules need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub id: String,
    pub name: String,
    pub quantity: Quantity,
    pub min: Quantity,
    pub max: Quantity,
    pub term: Term,
    pub billing: Billing,
    /// First day of the current term (a renewal date, or the purchase date).
    pub term_start: NaiveDate,
    /// Day of month the terms are anchored to (1..=31).
    pub anchor_day: u32,
    /// Date the current term ends and the next one starts.
    pub renewal_date: NaiveDate,
    pub auto_renew: bool,
    pub status: Status,
    /// Seats assigned to users, when the portal knows it.
    pub assigned: Option<Quantity>,
    pub scheduled_change: Option<ScheduledChange>,
    pub pending_operation: Option<PendingOperation>,
}

impl Subscription {
    /// The quantity that will apply once the current term renews.
    pub fn quantity_at_renewal(&self) -> Quantity {
        self.scheduled_change
            .as_ref()
            .map_or(self.quantity, |c| c.quantity)
    }
}
