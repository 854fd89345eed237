//! Calendar dates on the wire, as `YYYY-MM-DD`.
//!
//! The same text chrono's serde writes and reads, produced and parsed by hand
//! for the usual four-digit years: a services listing carries three dates per
//! subscription, and chrono's general-purpose formatter and parser were a
//! measurable part of a 10,000-subscription listing on both sides. Anything
//! that is not plain `YYYY-MM-DD` goes through chrono, so what is accepted
//! does not change.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::de::{self, Visitor};
use serde::{Deserializer, Serializer};

pub fn serialize<S: Serializer>(date: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
    match format(*date) {
        Some(bytes) => match std::str::from_utf8(&bytes) {
            Ok(text) => s.serialize_str(text),
            Err(_) => s.collect_str(date),
        },
        None => s.collect_str(date),
    }
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    d.deserialize_str(DateVisitor)
}

struct DateVisitor;

impl Visitor<'_> for DateVisitor {
    type Value = NaiveDate;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a date as YYYY-MM-DD")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<NaiveDate, E> {
        parse(v).ok_or_else(|| E::invalid_value(de::Unexpected::Str(v), &self))
    }
}

/// `YYYY-MM-DD` for years 0..=9999 (`None`: let chrono write it).
fn format(date: NaiveDate) -> Option<[u8; 10]> {
    let year = u32::try_from(date.year()).ok().filter(|y| *y <= 9999)?;
    let digit = |n: u32| b'0' + (n % 10) as u8;
    let (m, d) = (date.month(), date.day());
    Some([
        digit(year / 1000),
        digit(year / 100),
        digit(year / 10),
        digit(year),
        b'-',
        digit(m / 10),
        digit(m),
        b'-',
        digit(d / 10),
        digit(d),
    ])
}

/// A date from its text: plain `YYYY-MM-DD` by hand, anything else by chrono.
fn parse(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    let plain = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !plain {
        return text.parse().ok();
    }
    let num = |r: std::ops::Range<usize>| {
        b[r].iter()
            .fold(0u32, |acc, c| acc * 10 + u32::from(c - b'0'))
    };
    let year = i32::try_from(num(0..4)).ok()?;
    NaiveDate::from_ymd_opt(year, num(5..7), num(8..10))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Ours(#[serde(with = "super")] NaiveDate);

    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Chrono(NaiveDate);

    proptest! {
        /// Every date is written exactly as chrono writes it, and read back.
        #[test]
        fn written_as_chrono_writes_and_read_back(days in -1_000_000i32..4_000_000) {
            let Some(date) = NaiveDate::from_num_days_from_ce_opt(days) else {
                return Ok(());
            };
            let ours = serde_json::to_string(&Ours(date)).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let theirs = serde_json::to_string(&Chrono(date)).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&ours, &theirs);
            let back: Ours = serde_json::from_str(&ours).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(back.0, date);
        }

        /// Any text is accepted or refused exactly as chrono does.
        #[test]
        fn accepts_what_chrono_accepts(text in "[0-9+ -]{0,12}|[0-9]{4}-[0-9]{2}-[0-9]{2}") {
            let json = serde_json::to_string(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let ours = serde_json::from_str::<Ours>(&json).ok().map(|o| o.0);
            let theirs = serde_json::from_str::<Chrono>(&json).ok().map(|c| c.0);
            prop_assert_eq!(ours, theirs, "{}", text);
        }
    }

    #[test]
    fn impossible_dates_are_refused() {
        for text in ["2026-02-30", "2026-13-01", "2026-00-10", "2026-11-00"] {
            let json = format!("\"{text}\"");
            assert!(serde_json::from_str::<Ours>(&json).is_err(), "{text}");
        }
        let ok: Ours = serde_json::from_str("\"2028-02-29\"").unwrap_or(Ours(NaiveDate::MIN));
        assert_eq!(Some(ok.0), NaiveDate::from_ymd_opt(2028, 2, 29));
    }
}
