//! `plan()`: decide whether a requested change is allowed, and what the user
//! must be told before confirming it.

use chrono::{DateTime, NaiveDate, Utc};

use super::{
    EntryError, Policy, Quantity, ScheduledChange, Status, Subscription, WindowStatus, parse_total,
    window_status,
};

/// When a change takes effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effective {
    /// Immediately (after provisioning).
    Now,
    /// Automatically on the next renewal date.
    AtRenewal,
}

/// Why a change cannot be made. Carries what a UI needs to explain it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The entry is not a valid total (empty, a delta, not an integer...).
    #[error("invalid quantity entry: {0}")]
    Entry(EntryError),
    /// The new total equals the quantity that would apply anyway.
    #[error("the quantity is unchanged")]
    Unchanged { quantity: Quantity },
    /// Below the offer's minimum. 0 would be a cancellation, which this tool does not do.
    #[error("below the minimum")]
    BelowMinimum { requested: Quantity, min: Quantity },
    /// Above the offer's maximum.
    #[error("above the maximum")]
    AboveMaximum { requested: Quantity, max: Quantity },
    /// Only active subscriptions can change.
    #[error("the subscription is not active")]
    NotActive { status: Status },
    /// A previous change is still being provisioned.
    #[error("an operation is still in progress")]
    OperationInProgress {
        operation_id: String,
        target_quantity: Quantity,
    },
    /// An immediate decrease outside the decrease window. The decrease can be
    /// scheduled for the next renewal instead when `can_schedule` is true
    /// (auto-renew is on); the next window is when it can be done immediately.
    #[error("decreases are only possible inside the decrease window")]
    DecreaseOutsideWindow {
        window_closed_on: NaiveDate,
        next_window_opens: NaiveDate,
        next_window_closes: NaiveDate,
        renewal_date: NaiveDate,
        can_schedule: bool,
    },
    /// A change at renewal needs auto-renew: without it the subscription expires.
    #[error("auto-renew is off")]
    AutoRenewDisabled { renewal_date: NaiveDate },
}

/// Something the user must read and acknowledge before confirming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// An immediate change deletes the change scheduled for the renewal.
    DeletesScheduledChange { scheduled: ScheduledChange },
    /// A change at renewal replaces the one already scheduled.
    ReplacesScheduledChange { scheduled: ScheduledChange },
    /// The new total is at most half the current one: perhaps a delta typed
    /// by mistake. `removes` licences go; adding `typed` would be `total_if_adding`.
    LooksLikeDelta {
        typed: Quantity,
        removes: Quantity,
        total_if_adding: Quantity,
    },
    /// The new total is at least twice the current one and at least 10 more.
    LargeIncrease { adding: Quantity },
    /// The new total is below the seats already assigned to users.
    BelowAssigned {
        assigned: Quantity,
        requested: Quantity,
    },
}

/// The stable name of a warning, as scripts name it (`--accept`) and the
/// review shows it next to the sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WarningName {
    DeletesScheduledChange,
    ReplacesScheduledChange,
    LargeReduction,
    LargeIncrease,
    BelowAssigned,
}

impl WarningName {
    /// Every name, in the order the review lists warnings.
    pub const ALL: [WarningName; 5] = [
        WarningName::DeletesScheduledChange,
        WarningName::ReplacesScheduledChange,
        WarningName::LargeReduction,
        WarningName::LargeIncrease,
        WarningName::BelowAssigned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WarningName::DeletesScheduledChange => "deletes-scheduled-change",
            WarningName::ReplacesScheduledChange => "replaces-scheduled-change",
            WarningName::LargeReduction => "large-reduction",
            WarningName::LargeIncrease => "large-increase",
            WarningName::BelowAssigned => "below-assigned",
        }
    }
}

impl std::fmt::Display for WarningName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not one of [`WarningName::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown warning name {0:?}")]
pub struct UnknownWarningName(pub String);

impl std::str::FromStr for WarningName {
    type Err = UnknownWarningName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        WarningName::ALL
            .into_iter()
            .find(|n| n.as_str() == wanted)
            .ok_or_else(|| UnknownWarningName(s.to_string()))
    }
}

impl Warning {
    /// The warning's stable name.
    pub fn name(&self) -> WarningName {
        match self {
            Warning::DeletesScheduledChange { .. } => WarningName::DeletesScheduledChange,
            Warning::ReplacesScheduledChange { .. } => WarningName::ReplacesScheduledChange,
            Warning::LooksLikeDelta { .. } => WarningName::LargeReduction,
            Warning::LargeIncrease { .. } => WarningName::LargeIncrease,
            Warning::BelowAssigned { .. } => WarningName::BelowAssigned,
        }
    }
}

/// When licences added now can next be removed: an increase is a commitment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removable {
    /// The window is open: they can be removed until it closes (inclusive).
    UntilWindowCloses { closes: NaiveDate },
    /// The window is closed: only in the next window.
    NextWindow { opens: NaiveDate, closes: NaiveDate },
}

/// An allowed change, with everything the review step shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangePlan {
    pub from: Quantity,
    pub to: Quantity,
    pub delta: i64,
    pub effective: Effective,
    /// Today for an immediate change, the renewal date otherwise (portal zone).
    pub effective_date: NaiveDate,
    /// For immediate increases: when the added licences can next be removed.
    pub removable: Option<Removable>,
    pub warnings: Vec<Warning>,
}

/// Plan a change from the raw text the user typed (the new TOTAL).
pub fn plan(
    sub: &Subscription,
    entry: &str,
    effective: Effective,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<ChangePlan, Refusal> {
    check_changeable(sub)?;
    let to = parse_total(entry, sub.quantity).map_err(Refusal::Entry)?;
    plan_total(sub, to, effective, policy, now)
}

fn check_changeable(sub: &Subscription) -> Result<(), Refusal> {
    if sub.status != Status::Active {
        return Err(Refusal::NotActive { status: sub.status });
    }
    if let Some(op) = &sub.pending_operation {
        return Err(Refusal::OperationInProgress {
            operation_id: op.id.clone(),
            target_quantity: op.target_quantity,
        });
    }
    Ok(())
}

/// Plan a change to the total `to`. The server calls this with the
/// requested quantity; the client calls [`plan`] as the user types.
pub fn plan_total(
    sub: &Subscription,
    to: Quantity,
    effective: Effective,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<ChangePlan, Refusal> {
    check_changeable(sub)?;
    let today = policy.today(now);
    let from = sub.quantity;

    let base = match effective {
        Effective::Now => from,
        Effective::AtRenewal => {
            if !sub.auto_renew {
                return Err(Refusal::AutoRenewDisabled {
                    renewal_date: sub.renewal_date,
                });
            }
            sub.quantity_at_renewal()
        }
    };
    if to == base {
        return Err(Refusal::Unchanged { quantity: base });
    }
    if to < sub.min {
        return Err(Refusal::BelowMinimum {
            requested: to,
            min: sub.min,
        });
    }
    if to > sub.max {
        return Err(Refusal::AboveMaximum {
            requested: to,
            max: sub.max,
        });
    }

    // Active subscriptions always have a window status.
    let window = window_status(sub, policy, today);
    let mut removable = None;
    if effective == Effective::Now {
        match window {
            Some(WindowStatus::Open { closes, .. }) => {
                if to > from {
                    removable = Some(Removable::UntilWindowCloses { closes });
                }
            }
            Some(WindowStatus::Closed { opens, closes }) => {
                if to < from {
                    let window_closed_on = if today < sub.term_start {
                        // A term that has not started yet: nothing closed; report the day before.
                        sub.term_start.pred_opt().unwrap_or(sub.term_start)
                    } else {
                        super::decrease_window(sub.term_start, policy).closes
                    };
                    return Err(Refusal::DecreaseOutsideWindow {
                        window_closed_on,
                        next_window_opens: opens,
                        next_window_closes: closes,
                        renewal_date: sub.renewal_date,
                        can_schedule: sub.auto_renew,
                    });
                }
                removable = Some(Removable::NextWindow { opens, closes });
            }
            None => return Err(Refusal::NotActive { status: sub.status }),
        }
    }

    let mut warnings = Vec::new();
    if let Some(scheduled) = &sub.scheduled_change {
        warnings.push(match effective {
            Effective::Now => Warning::DeletesScheduledChange {
                scheduled: scheduled.clone(),
            },
            Effective::AtRenewal => Warning::ReplacesScheduledChange {
                scheduled: scheduled.clone(),
            },
        });
    }
    if to < from && u64::from(to) * 2 <= u64::from(from) {
        warnings.push(Warning::LooksLikeDelta {
            typed: to,
            removes: from - to,
            total_if_adding: from.saturating_add(to),
        });
    }
    if to > from && u64::from(to) >= 2 * u64::from(from) && to - from >= 10 {
        warnings.push(Warning::LargeIncrease { adding: to - from });
    }
    if let Some(assigned) = sub.assigned
        && to < assigned
    {
        warnings.push(Warning::BelowAssigned {
            assigned,
            requested: to,
        });
    }

    Ok(ChangePlan {
        from,
        to,
        delta: i64::from(to) - i64::from(from),
        effective,
        effective_date: match effective {
            Effective::Now => today,
            Effective::AtRenewal => sub.renewal_date,
        },
        removable,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warning_names_round_trip_and_unknown_ones_are_refused() {
        for n in WarningName::ALL {
            assert_eq!(n.as_str().parse::<WarningName>().unwrap(), n);
            assert_eq!(n.to_string(), n.as_str());
        }
        assert_eq!(
            " Large-Increase ".parse::<WarningName>().unwrap(),
            WarningName::LargeIncrease
        );
        assert!("all".parse::<WarningName>().is_err());
        assert!("large_increase".parse::<WarningName>().is_err());
    }
    use crate::domain::{Billing, OperationStatus, PendingOperation, Sign, Term};
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }
    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    /// A monthly subscription renewed on 20 Nov 2026: window 20..=25 Nov.
    fn sub() -> Subscription {
        Subscription {
            id: "sub-bs".into(),
            name: "Microsoft 365 Business Standard".into(),
            quantity: 10,
            min: 1,
            max: 300,
            term: Term::P1M,
            billing: Billing::Monthly,
            term_start: d("2026-11-20"),
            anchor_day: 20,
            renewal_date: d("2026-12-20"),
            auto_renew: true,
            status: Status::Active,
            assigned: None,
            scheduled_change: None,
            pending_operation: None,
        }
    }

    const INSIDE: &str = "2026-11-22T15:00:00Z";
    const OUTSIDE: &str = "2026-11-27T15:00:00Z";
    const P: Policy = Policy {
        time_zone: crate::domain::DEFAULT_TIME_ZONE,
        decrease_window_days: 6,
        provisioning_sla_seconds: 300,
    };

    fn refuse(s: &Subscription, entry: &str, eff: Effective, now: &str) -> Refusal {
        match plan(s, entry, eff, &P, at(now)) {
            Err(r) => r,
            Ok(p) => panic!("expected a refusal, got {p:?}"),
        }
    }
    fn allow(s: &Subscription, entry: &str, eff: Effective, now: &str) -> ChangePlan {
        match plan(s, entry, eff, &P, at(now)) {
            Ok(p) => p,
            Err(r) => panic!("expected a plan, got {r:?}"),
        }
    }

    #[test]
    fn increase_now_outside_window_is_a_commitment_until_next_window() {
        let p = allow(&sub(), "12", Effective::Now, OUTSIDE);
        assert_eq!(
            p,
            ChangePlan {
                from: 10,
                to: 12,
                delta: 2,
                effective: Effective::Now,
                effective_date: d("2026-11-27"),
                removable: Some(Removable::NextWindow {
                    opens: d("2026-12-20"),
                    closes: d("2026-12-25")
                }),
                warnings: vec![],
            }
        );
    }

    #[test]
    fn increase_now_inside_window_is_removable_until_it_closes() {
        let p = allow(&sub(), "12", Effective::Now, INSIDE);
        assert_eq!(
            p.removable,
            Some(Removable::UntilWindowCloses {
                closes: d("2026-11-25")
            })
        );
    }

    #[test]
    fn decrease_now_inside_window() {
        let p = allow(&sub(), "9", Effective::Now, INSIDE);
        assert_eq!((p.from, p.to, p.delta), (10, 9, -1));
        assert_eq!(p.removable, None);
        assert!(p.warnings.is_empty());
    }

    #[test]
    fn decrease_now_outside_window_is_refused_with_dates_and_offer() {
        assert_eq!(
            refuse(&sub(), "9", Effective::Now, OUTSIDE),
            Refusal::DecreaseOutsideWindow {
                window_closed_on: d("2026-11-25"),
                next_window_opens: d("2026-12-20"),
                next_window_closes: d("2026-12-25"),
                renewal_date: d("2026-12-20"),
                can_schedule: true,
            }
        );
        let mut s = sub();
        s.auto_renew = false;
        assert!(matches!(
            refuse(&s, "9", Effective::Now, OUTSIDE),
            Refusal::DecreaseOutsideWindow {
                can_schedule: false,
                ..
            }
        ));
    }

    #[test]
    fn window_edges_follow_midnight_in_bogota() {
        // 2026-11-26T04:30Z is 23:30 on 25 Nov in Bogota (UTC-5): still inside.
        assert!(plan(&sub(), "9", Effective::Now, &P, at("2026-11-26T04:30:00Z")).is_ok());
        assert!(plan(&sub(), "9", Effective::Now, &P, at("2026-11-26T04:59:59Z")).is_ok());
        // 05:00Z is midnight on 26 Nov in Bogota: closed.
        assert!(matches!(
            plan(&sub(), "9", Effective::Now, &P, at("2026-11-26T05:00:00Z")),
            Err(Refusal::DecreaseOutsideWindow { .. })
        ));
        // Opening edge: 20 Nov 00:00 Bogota is 05:00Z; one second earlier is 19 Nov.
        let mut s = sub();
        s.term_start = d("2026-10-20");
        s.renewal_date = d("2026-11-20");
        assert!(matches!(
            plan(&s, "9", Effective::Now, &P, at("2026-11-20T04:59:59Z")),
            Err(Refusal::DecreaseOutsideWindow { .. })
        ));
        let mut renewed = sub();
        renewed.quantity = 10;
        assert!(
            plan(
                &renewed,
                "9",
                Effective::Now,
                &P,
                at("2026-11-20T05:00:00Z")
            )
            .is_ok()
        );
    }

    #[test]
    fn window_over_a_leap_day_and_month_end() {
        let mut s = sub();
        s.term_start = d("2028-02-27");
        s.anchor_day = 27;
        s.renewal_date = d("2028-03-27");
        // Window 27 Feb ..= 3 Mar 2028 (29 Feb exists).
        assert!(plan(&s, "9", Effective::Now, &P, at("2028-03-03T12:00:00Z")).is_ok());
        assert!(matches!(
            refuse(&s, "9", Effective::Now, "2028-03-04T12:00:00Z"),
            Refusal::DecreaseOutsideWindow { window_closed_on, .. } if window_closed_on == d("2028-03-03")
        ));
        s.term_start = d("2026-02-27");
        s.renewal_date = d("2026-03-27");
        // Not a leap year: window 27 Feb ..= 4 Mar 2026.
        assert!(plan(&s, "9", Effective::Now, &P, at("2026-03-04T12:00:00Z")).is_ok());
    }

    #[test]
    fn unchanged() {
        assert_eq!(
            refuse(&sub(), "10", Effective::Now, INSIDE),
            Refusal::Unchanged { quantity: 10 }
        );
        let mut s = sub();
        s.scheduled_change = Some(ScheduledChange {
            quantity: 8,
            effective_date: d("2026-12-20"),
        });
        assert_eq!(
            refuse(&s, "8", Effective::AtRenewal, OUTSIDE),
            Refusal::Unchanged { quantity: 8 }
        );
        // Back to the current quantity at renewal is a real change when 8 is scheduled.
        assert!(plan(&s, "10", Effective::AtRenewal, &P, at(OUTSIDE)).is_ok());
    }

    #[test]
    fn range() {
        assert_eq!(
            refuse(&sub(), "0", Effective::Now, INSIDE),
            Refusal::BelowMinimum {
                requested: 0,
                min: 1
            }
        );
        assert_eq!(
            refuse(&sub(), "301", Effective::Now, INSIDE),
            Refusal::AboveMaximum {
                requested: 301,
                max: 300
            }
        );
        assert_eq!(
            refuse(&sub(), "301", Effective::AtRenewal, INSIDE),
            Refusal::AboveMaximum {
                requested: 301,
                max: 300
            }
        );
        assert!(plan(&sub(), "300", Effective::Now, &P, at(INSIDE)).is_ok());
        assert!(plan(&sub(), "1", Effective::Now, &P, at(INSIDE)).is_ok());
    }

    #[test]
    fn not_active_and_in_progress() {
        for status in [Status::Suspended, Status::Expired] {
            let mut s = sub();
            s.status = status;
            assert_eq!(
                refuse(&s, "12", Effective::Now, INSIDE),
                Refusal::NotActive { status }
            );
            assert_eq!(
                refuse(&s, "12", Effective::AtRenewal, INSIDE),
                Refusal::NotActive { status }
            );
        }
        let mut s = sub();
        s.pending_operation = Some(PendingOperation {
            id: "op-1".into(),
            target_quantity: 11,
            submitted_at: at(INSIDE),
            status: OperationStatus::Pending,
        });
        let expected = Refusal::OperationInProgress {
            operation_id: "op-1".into(),
            target_quantity: 11,
        };
        assert_eq!(refuse(&s, "12", Effective::Now, INSIDE), expected);
        assert_eq!(refuse(&s, "12", Effective::AtRenewal, INSIDE), expected);
    }

    #[test]
    fn entry_refusals_pass_through() {
        assert_eq!(
            refuse(&sub(), "+2", Effective::Now, INSIDE),
            Refusal::Entry(EntryError::Delta {
                sign: Sign::Plus,
                amount: 2,
                suggested_total: Some(12)
            })
        );
        assert_eq!(
            refuse(&sub(), "", Effective::Now, INSIDE),
            Refusal::Entry(EntryError::Empty)
        );
        assert_eq!(
            refuse(&sub(), "1,000", Effective::Now, INSIDE),
            Refusal::Entry(EntryError::NotAnInteger)
        );
    }

    #[test]
    fn at_renewal_needs_auto_renew_and_allows_decreases_any_time() {
        let mut s = sub();
        s.auto_renew = false;
        assert_eq!(
            refuse(&s, "12", Effective::AtRenewal, OUTSIDE),
            Refusal::AutoRenewDisabled {
                renewal_date: d("2026-12-20")
            }
        );
        let p = allow(&sub(), "8", Effective::AtRenewal, OUTSIDE);
        assert_eq!(p.effective_date, d("2026-12-20"));
        assert_eq!(p.removable, None);
        let p = allow(&sub(), "14", Effective::AtRenewal, OUTSIDE);
        assert_eq!((p.delta, p.effective_date), (4, d("2026-12-20")));
    }

    #[test]
    fn scheduled_change_warnings() {
        let scheduled = ScheduledChange {
            quantity: 8,
            effective_date: d("2026-12-20"),
        };
        let mut s = sub();
        s.scheduled_change = Some(scheduled.clone());
        let p = allow(&s, "12", Effective::Now, OUTSIDE);
        assert_eq!(
            p.warnings,
            vec![Warning::DeletesScheduledChange {
                scheduled: scheduled.clone()
            }]
        );
        let p = allow(&s, "9", Effective::AtRenewal, OUTSIDE);
        assert_eq!(
            p.warnings,
            vec![Warning::ReplacesScheduledChange { scheduled }]
        );
    }

    #[test]
    fn large_reduction_looks_like_a_delta() {
        let p = allow(&sub(), "2", Effective::Now, INSIDE);
        assert_eq!(
            p.warnings,
            vec![Warning::LooksLikeDelta {
                typed: 2,
                removes: 8,
                total_if_adding: 12
            }]
        );
        // Exactly half still warns; more than half does not.
        assert_eq!(allow(&sub(), "5", Effective::Now, INSIDE).warnings.len(), 1);
        assert!(
            allow(&sub(), "6", Effective::Now, INSIDE)
                .warnings
                .is_empty()
        );
    }

    #[test]
    fn large_increase() {
        let p = allow(&sub(), "120", Effective::Now, INSIDE);
        assert_eq!(p.warnings, vec![Warning::LargeIncrease { adding: 110 }]);
        // Twice but fewer than 10 more: no warning.
        let mut s = sub();
        s.quantity = 3;
        assert!(allow(&s, "9", Effective::Now, INSIDE).warnings.is_empty());
        // At least 10 more but less than twice: no warning.
        assert!(
            allow(&sub(), "19", Effective::Now, INSIDE)
                .warnings
                .is_empty()
        );
        assert_eq!(
            allow(&sub(), "20", Effective::Now, INSIDE).warnings.len(),
            1
        );
    }

    #[test]
    fn below_assigned() {
        let mut s = sub();
        s.assigned = Some(9);
        let p = allow(&s, "8", Effective::Now, INSIDE);
        assert_eq!(
            p.warnings,
            vec![Warning::BelowAssigned {
                assigned: 9,
                requested: 8
            }]
        );
        assert!(allow(&s, "9", Effective::Now, INSIDE).warnings.is_empty());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn never_an_immediate_decrease_outside_the_window(
            start_offset in 0i64..400,
            now_offset in -48i64 * 3600..400 * 86400,
            quantity in 1u32..500,
            entry in 0u32..600,
            days in 1u32..10,
            anchor in 1u32..=31,
        ) {
            let policy = Policy { decrease_window_days: days, ..P };
            let term_start = d("2026-01-01") + chrono::Days::new(start_offset as u64);
            let mut s = sub();
            s.quantity = quantity;
            s.term_start = term_start;
            s.anchor_day = anchor;
            s.renewal_date = crate::domain::renewal_date(term_start, anchor, Term::P1M).unwrap();
            let now = at("2026-01-01T00:00:00Z") + chrono::Duration::seconds(now_offset);
            let today = policy.today(now);
            if let Ok(p) = plan(&s, &entry.to_string(), Effective::Now, &policy, now)
                && p.to < p.from
            {
                let w = crate::domain::decrease_window(term_start, &policy);
                prop_assert!(w.contains(today), "{today} outside {w:?}");
            }
        }

        #[test]
        fn plan_never_panics(entry in "\\PC{0,12}", q in any::<u32>(), min in any::<u32>(), max in any::<u32>()) {
            let mut s = sub();
            s.quantity = q;
            s.min = min;
            s.max = max;
            let _ = plan(&s, &entry, Effective::Now, &P, at(INSIDE));
            let _ = plan(&s, &entry, Effective::AtRenewal, &P, at(OUTSIDE));
        }
    }
}
