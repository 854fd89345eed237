//! The business clock: real time shifted by an offset that tests and demos
//! can pin. It moves business dates only (terms, windows, renewals,
//! operation timestamps); TOTP checks and token lifetimes use [`real_now`].

use std::sync::Mutex;

use chrono::{DateTime, TimeDelta, Utc};

/// Real time, for security decisions (tokens, TOTP, lockouts).
pub fn real_now() -> DateTime<Utc> {
    Utc::now()
}

/// Business time = real time + offset. Starts at a pinned instant (or now)
/// and then runs on in real time.
#[derive(Debug)]
pub struct BusinessClock {
    offset: Mutex<TimeDelta>,
}

impl BusinessClock {
    /// A clock that reads `start` now and runs on from there; `None` is real time.
    pub fn new(start: Option<DateTime<Utc>>) -> Self {
        let clock = Self {
            offset: Mutex::new(TimeDelta::zero()),
        };
        if let Some(start) = start {
            clock.set(start);
        }
        clock
    }

    /// The current business instant.
    pub fn now(&self) -> DateTime<Utc> {
        let offset = *self.offset.lock().unwrap_or_else(|e| e.into_inner());
        let real = real_now();
        real.checked_add_signed(offset).unwrap_or(real)
    }

    /// Move the clock so that it reads `at` now; it keeps running from there.
    pub fn set(&self, at: DateTime<Utc>) {
        let offset = at.signed_duration_since(real_now());
        *self.offset.lock().unwrap_or_else(|e| e.into_inner()) = offset;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinned_clock_reads_the_pinned_instant_and_runs_on() {
        let start: DateTime<Utc> = "2026-11-25T04:59:59Z".parse().unwrap();
        let c = BusinessClock::new(Some(start));
        let now = c.now();
        assert!(now >= start && now < start + TimeDelta::seconds(60));
        let later: DateTime<Utc> = "2027-01-01T00:00:00Z".parse().unwrap();
        c.set(later);
        assert!(c.now() >= later && c.now() < later + TimeDelta::seconds(60));
    }

    #[test]
    fn unpinned_clock_is_real_time() {
        let c = BusinessClock::new(None);
        let d = c
            .now()
            .signed_duration_since(real_now())
            .num_seconds()
            .abs();
        assert!(d < 60);
    }
}
