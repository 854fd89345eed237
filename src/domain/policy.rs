use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

/// The portal's time zone unless a portal says otherwise.
pub const DEFAULT_TIME_ZONE: Tz = chrono_tz::America::Bogota;

/// The portal-wide rules that are configuration rather than code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Calendar dates (windows, renewals) are counted in this zone.
    pub time_zone: Tz,
    /// Length of the decrease window in calendar days; the renewal day is day 1.
    pub decrease_window_days: u32,
    /// How long a confirmed change may take to be reflected, in seconds.
    pub provisioning_sla_seconds: u64,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            time_zone: DEFAULT_TIME_ZONE,
            decrease_window_days: 6,
            provisioning_sla_seconds: 300,
        }
    }
}

impl Policy {
    /// The calendar date that `now` falls on in the portal's time zone.
    pub fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        now.with_timezone(&self.time_zone).date_naive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_is_counted_in_the_portal_zone() {
        let p = Policy::default();
        let now: DateTime<Utc> = "2026-11-26T04:30:00Z".parse().unwrap();
        assert_eq!(p.today(now), NaiveDate::from_ymd_opt(2026, 11, 25).unwrap());
        let now: DateTime<Utc> = "2026-11-26T05:00:00Z".parse().unwrap();
        assert_eq!(p.today(now), NaiveDate::from_ymd_opt(2026, 11, 26).unwrap());
    }
}
