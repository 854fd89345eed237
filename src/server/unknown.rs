//! Wrong logins for usernames that do not exist, counted and locked exactly
//! like a real user's (5 in a row lock the name for 15 minutes), so that the
//! answers do not tell which usernames exist.
//!
//! The map is bounded: at most [`UNKNOWN_NAMES_CAP`] names are remembered.
//! When it is full, names whose lock has ended are forgotten first, then the
//! least recently tried name without a running lock, and only then the least
//! recently tried locked one. It lives in memory only (the state file would
//! otherwise carry whatever names a stranger typed).

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};

use super::auth::{LOCK_SECONDS, MAX_PASSWORD_FAILURES};

/// How many unknown usernames are remembered at most.
pub const UNKNOWN_NAMES_CAP: usize = 10_000;

#[derive(Debug, Clone)]
struct Entry {
    /// Wrong passwords in a row.
    failures: u32,
    /// Real-clock end of a lock.
    locked_until: Option<DateTime<Utc>>,
    /// Last wrong password (for eviction).
    last_seen: DateTime<Utc>,
}

/// Failures per unknown username; see the module docs.
#[derive(Debug)]
pub struct UnknownLogins {
    map: HashMap<String, Entry>,
    cap: usize,
}

impl Default for UnknownLogins {
    fn default() -> Self {
        Self::with_cap(UNKNOWN_NAMES_CAP)
    }
}

impl UnknownLogins {
    pub fn with_cap(cap: usize) -> Self {
        Self {
            map: HashMap::new(),
            cap: cap.max(1),
        }
    }

    /// The end of a running lock on `name`; a lock that has ended is
    /// cleared with its count (as a real user's is).
    pub fn lock_of(&mut self, name: &str, real: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let entry = self.map.get_mut(name)?;
        match entry.locked_until {
            Some(until) if until > real => Some(until),
            Some(_) => {
                entry.locked_until = None;
                entry.failures = 0;
                None
            }
            None => None,
        }
    }

    /// Count a wrong password for `name`; returns the failures in a row.
    /// The fifth locks the name for [`LOCK_SECONDS`].
    pub fn fail(&mut self, name: &str, real: DateTime<Utc>) -> u32 {
        if !self.map.contains_key(name) && self.map.len() >= self.cap {
            self.make_room(real);
        }
        let entry = self.map.entry(name.to_string()).or_insert(Entry {
            failures: 0,
            locked_until: None,
            last_seen: real,
        });
        entry.failures += 1;
        entry.last_seen = real;
        if entry.failures >= MAX_PASSWORD_FAILURES {
            entry.locked_until = Some(real + TimeDelta::seconds(LOCK_SECONDS));
        }
        entry.failures
    }

    fn make_room(&mut self, real: DateTime<Utc>) {
        self.map
            .retain(|_, e| e.locked_until.is_none_or(|until| until > real));
        if self.map.len() < self.cap {
            return;
        }
        let unlocked = self
            .map
            .iter()
            .filter(|(_, e)| e.locked_until.is_none())
            .min_by_key(|(_, e)| e.last_seen);
        let victim = unlocked
            .or_else(|| self.map.iter().min_by_key(|(_, e)| e.last_seen))
            .map(|(name, _)| name.clone());
        if let Some(name) = victim {
            self.map.remove(&name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap()
    }

    #[test]
    fn five_in_a_row_lock_a_name_like_a_real_user() {
        let mut u = UnknownLogins::default();
        for n in 1..=4 {
            assert_eq!(u.fail("ghost", t(n)), u32::try_from(n).unwrap());
            assert_eq!(u.lock_of("ghost", t(n)), None);
        }
        assert_eq!(u.fail("ghost", t(5)), 5);
        let until = t(5) + TimeDelta::seconds(LOCK_SECONDS);
        assert_eq!(u.lock_of("ghost", t(6)), Some(until));
        assert_eq!(u.lock_of("other", t(6)), None);
        // The lock ends and the count starts again.
        assert_eq!(u.lock_of("ghost", until), None);
        assert_eq!(u.fail("ghost", until), 1);
    }

    #[test]
    fn the_map_is_bounded_and_keeps_running_locks_longest() {
        let mut u = UnknownLogins::with_cap(3);
        for n in 1..=5 {
            u.fail("locked", t(n));
        }
        u.fail("a", t(10));
        u.fail("b", t(11));
        assert_eq!(u.map.len(), 3);
        u.fail("c", t(12));
        assert_eq!(u.map.len(), 3);
        assert!(u.lock_of("locked", t(13)).is_some(), "a running lock stays");
        assert!(!u.map.contains_key("a"), "the oldest unlocked name went");
        for i in 0..1000 {
            u.fail(&format!("random-{i}"), t(20 + i / 10));
        }
        assert_eq!(u.map.len(), 3);
        assert!(u.lock_of("locked", t(200)).is_some());
        // Once locks end, they are the first to go.
        let later = t(5) + TimeDelta::seconds(LOCK_SECONDS);
        u.fail("fresh", later);
        assert!(!u.map.contains_key("locked"));
        assert_eq!(u.map.len(), 3);
    }
}
