//! Term and window arithmetic on calendar dates.
//!
//! Terms are anchored to a day of month and clamp to the month's end without
//! drifting: with anchor 31, Jan 31 -> Feb 28 (29 in a leap year) -> Mar 31.

use chrono::{Datelike, Days, NaiveDate};

use super::{Policy, Quantity, Status, Subscription, Term};

/// `months` calendar months after the month of `from`, on `anchor_day`
/// clamped to the last day of that month. `None` only past chrono's range.
pub fn add_months_anchored(from: NaiveDate, months: u32, anchor_day: u32) -> Option<NaiveDate> {
    let index = i64::from(from.year()) * 12 + i64::from(from.month0()) + i64::from(months);
    let year = i32::try_from(index.div_euclid(12)).ok()?;
    let month = u32::try_from(index.rem_euclid(12)).ok()? + 1;
    let day = anchor_day.clamp(1, 31).min(days_in_month(year, month)?);
    NaiveDate::from_ymd_opt(year, month, day)
}

fn days_in_month(year: i32, month: u32) -> Option<u32> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    u32::try_from(next.signed_duration_since(first).num_days()).ok()
}

/// The renewal date of the term that started on `term_start`.
pub fn renewal_date(term_start: NaiveDate, anchor_day: u32, term: Term) -> Option<NaiveDate> {
    add_months_anchored(term_start, term.months(), anchor_day)
}

/// The first renewal strictly after `date`, for terms anchored as given and
/// starting on `term_start`.
pub fn next_renewal_after(
    date: NaiveDate,
    term_start: NaiveDate,
    anchor_day: u32,
    term: Term,
) -> Option<NaiveDate> {
    let mut renewal = renewal_date(term_start, anchor_day, term)?;
    while renewal <= date {
        renewal = renewal_date(renewal, anchor_day, term)?;
    }
    Some(renewal)
}

/// A decrease window: both dates inclusive, in the portal's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecreaseWindow {
    pub opens: NaiveDate,
    pub closes: NaiveDate,
}

impl DecreaseWindow {
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.opens <= date && date <= self.closes
    }
}

/// The decrease window of the term that starts on `term_start`: the
/// `policy.decrease_window_days` calendar days from that date, which is day 1.
pub fn decrease_window(term_start: NaiveDate, policy: &Policy) -> DecreaseWindow {
    let extra = u64::from(policy.decrease_window_days.max(1) - 1);
    DecreaseWindow {
        opens: term_start,
        closes: term_start
            .checked_add_days(Days::new(extra))
            .unwrap_or(NaiveDate::MAX),
    }
}

/// Where the decrease window stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowStatus {
    /// Open today; `days_left` counts today (1 on the last day).
    Open {
        opens: NaiveDate,
        closes: NaiveDate,
        days_left: u32,
    },
    /// Closed today; the next window is `opens..=closes`.
    Closed { opens: NaiveDate, closes: NaiveDate },
}

impl WindowStatus {
    /// The window shown to users: the current one while open, else the next.
    pub fn window(&self) -> DecreaseWindow {
        match *self {
            WindowStatus::Open { opens, closes, .. } | WindowStatus::Closed { opens, closes } => {
                DecreaseWindow { opens, closes }
            }
        }
    }

    pub fn is_open(&self) -> bool {
        matches!(self, WindowStatus::Open { .. })
    }
}

/// The decrease window of a subscription as of `today` (portal zone), or
/// `None` when the subscription is not active (expired or suspended).
pub fn window_status(
    sub: &Subscription,
    policy: &Policy,
    today: NaiveDate,
) -> Option<WindowStatus> {
    if sub.status != Status::Active {
        return None;
    }
    let current = decrease_window(sub.term_start, policy);
    if current.contains(today) {
        let days_left = current.closes.signed_duration_since(today).num_days() + 1;
        return Some(WindowStatus::Open {
            opens: current.opens,
            closes: current.closes,
            days_left: u32::try_from(days_left).unwrap_or(u32::MAX),
        });
    }
    let next_start = if today < sub.term_start {
        sub.term_start
    } else {
        sub.renewal_date
    };
    let next = decrease_window(next_start, policy);
    Some(WindowStatus::Closed {
        opens: next.opens,
        closes: next.closes,
    })
}

/// What happened to a subscription when the business clock passed renewals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenewalOutcome {
    /// A new term started on `on`; `applied` is a scheduled change that took effect.
    Renewed {
        on: NaiveDate,
        applied: Option<Quantity>,
    },
    /// Auto-renew was off: the subscription expired on `on`.
    Expired { on: NaiveDate },
}

/// Roll the subscription's terms forward to `today` (portal zone), as the
/// portal does at 00:00 on each renewal date. Active subscriptions with
/// auto-renew start a new term and apply any scheduled change; without
/// auto-renew they expire. Suspended and expired subscriptions do not renew.
pub fn advance_terms(sub: &mut Subscription, today: NaiveDate) -> Vec<RenewalOutcome> {
    let mut outcomes = Vec::new();
    while sub.status == Status::Active && sub.renewal_date <= today {
        let on = sub.renewal_date;
        if !sub.auto_renew {
            sub.status = Status::Expired;
            sub.scheduled_change = None;
            outcomes.push(RenewalOutcome::Expired { on });
            break;
        }
        let applied = sub.scheduled_change.take().map(|c| c.quantity);
        if let Some(q) = applied {
            sub.quantity = q;
        }
        sub.term_start = on;
        match renewal_date(on, sub.anchor_day, sub.term) {
            Some(next) => sub.renewal_date = next,
            None => {
                // Past the calendar's range: nothing sensible remains.
                sub.status = Status::Expired;
                outcomes.push(RenewalOutcome::Expired { on });
                break;
            }
        }
        outcomes.push(RenewalOutcome::Renewed { on, applied });
    }
    outcomes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Billing;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn anchored_months_clamp_without_drift() {
        let mut date = d("2026-01-31");
        let mut seen = vec![];
        for _ in 0..4 {
            date = add_months_anchored(date, 1, 31).unwrap();
            seen.push(date);
        }
        assert_eq!(
            seen,
            vec![
                d("2026-02-28"),
                d("2026-03-31"),
                d("2026-04-30"),
                d("2026-05-31")
            ]
        );
        assert_eq!(
            add_months_anchored(d("2028-01-31"), 1, 31),
            Some(d("2028-02-29"))
        );
        assert_eq!(
            add_months_anchored(d("2026-02-28"), 1, 31),
            Some(d("2026-03-31"))
        );
        assert_eq!(
            add_months_anchored(d("2026-12-15"), 1, 15),
            Some(d("2027-01-15"))
        );
        assert_eq!(
            add_months_anchored(d("2024-02-29"), 12, 29),
            Some(d("2025-02-28"))
        );
        assert_eq!(
            add_months_anchored(d("2025-02-28"), 12, 29),
            Some(d("2026-02-28"))
        );
        assert_eq!(
            add_months_anchored(d("2028-02-28"), 0, 29),
            Some(d("2028-02-29"))
        );
        assert_eq!(
            renewal_date(d("2026-11-20"), 20, Term::P3Y),
            Some(d("2029-11-20"))
        );
    }

    #[test]
    fn next_renewal_is_strictly_after() {
        let start = d("2026-01-31");
        assert_eq!(
            next_renewal_after(d("2026-02-27"), start, 31, Term::P1M),
            Some(d("2026-02-28"))
        );
        assert_eq!(
            next_renewal_after(d("2026-02-28"), start, 31, Term::P1M),
            Some(d("2026-03-31"))
        );
        assert_eq!(
            next_renewal_after(d("2026-04-30"), start, 31, Term::P1M),
            Some(d("2026-05-31"))
        );
        assert_eq!(
            next_renewal_after(d("2026-06-01"), start, 31, Term::P1Y),
            Some(d("2027-01-31"))
        );
    }

    #[test]
    fn window_is_six_days_from_the_renewal_day() {
        let w = decrease_window(d("2026-11-20"), &Policy::default());
        assert_eq!(w.opens, d("2026-11-20"));
        assert_eq!(w.closes, d("2026-11-25"));
        assert!(w.contains(d("2026-11-20")));
        assert!(w.contains(d("2026-11-25")));
        assert!(!w.contains(d("2026-11-26")));
        assert!(!w.contains(d("2026-11-19")));
    }

    pub(crate) fn sub(term_start: &str, renewal: &str) -> Subscription {
        Subscription {
            id: "sub".into(),
            name: "Plan".into(),
            quantity: 10,
            min: 1,
            max: 300,
            term: Term::P1M,
            billing: Billing::Monthly,
            term_start: d(term_start),
            anchor_day: d(term_start).day(),
            renewal_date: d(renewal),
            auto_renew: true,
            status: Status::Active,
            assigned: None,
            scheduled_change: None,
            pending_operation: None,
        }
    }

    #[test]
    fn window_status_open_and_closed() {
        let p = Policy::default();
        let s = sub("2026-11-20", "2026-12-20");
        assert_eq!(
            window_status(&s, &p, d("2026-11-20")),
            Some(WindowStatus::Open {
                opens: d("2026-11-20"),
                closes: d("2026-11-25"),
                days_left: 6
            })
        );
        assert_eq!(
            window_status(&s, &p, d("2026-11-25")),
            Some(WindowStatus::Open {
                opens: d("2026-11-20"),
                closes: d("2026-11-25"),
                days_left: 1
            })
        );
        assert_eq!(
            window_status(&s, &p, d("2026-11-26")),
            Some(WindowStatus::Closed {
                opens: d("2026-12-20"),
                closes: d("2026-12-25")
            })
        );
        let mut expired = s.clone();
        expired.status = Status::Expired;
        assert_eq!(window_status(&expired, &p, d("2026-11-21")), None);
    }

    #[test]
    fn advancing_applies_scheduled_change_and_expires() {
        let mut s = sub("2026-10-31", "2026-11-30");
        s.anchor_day = 31;
        s.scheduled_change = Some(crate::domain::ScheduledChange {
            quantity: 8,
            effective_date: d("2026-11-30"),
        });
        let out = advance_terms(&mut s, d("2027-01-01"));
        assert_eq!(
            out,
            vec![
                RenewalOutcome::Renewed {
                    on: d("2026-11-30"),
                    applied: Some(8)
                },
                RenewalOutcome::Renewed {
                    on: d("2026-12-31"),
                    applied: None
                },
            ]
        );
        assert_eq!(s.quantity, 8);
        assert_eq!(s.term_start, d("2026-12-31"));
        assert_eq!(s.renewal_date, d("2027-01-31"));
        assert!(s.scheduled_change.is_none());

        let mut off = sub("2026-10-20", "2026-11-20");
        off.auto_renew = false;
        assert_eq!(advance_terms(&mut off, d("2026-11-19")), vec![]);
        assert_eq!(
            advance_terms(&mut off, d("2026-11-20")),
            vec![RenewalOutcome::Expired {
                on: d("2026-11-20")
            }]
        );
        assert_eq!(off.status, Status::Expired);

        let mut suspended = sub("2026-10-20", "2026-11-20");
        suspended.status = Status::Suspended;
        assert_eq!(advance_terms(&mut suspended, d("2027-11-19")), vec![]);
    }
}
