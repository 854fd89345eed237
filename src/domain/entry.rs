//! Parsing what the user types in the quantity field: always the new TOTAL.

use super::Quantity;

/// Sign of a delta typed by mistake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sign {
    Plus,
    Minus,
}

/// Why a quantity entry is not a valid new total.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    /// Nothing typed (or only spaces).
    #[error("no quantity entered")]
    Empty,
    /// A signed number: the user typed a difference instead of the total.
    /// `suggested_total` is the total they probably mean, when it exists
    /// (it does not for `-20` with 10 licences, or on overflow).
    #[error("a difference was typed instead of the new total")]
    Delta {
        sign: Sign,
        amount: Quantity,
        suggested_total: Option<Quantity>,
    },
    /// Anything that is not a plain run of ASCII digits.
    #[error("not a whole number")]
    NotAnInteger,
    /// Digits only, but more than a quantity can hold.
    #[error("number too large")]
    TooLarge,
}

/// Parse the new total typed by the user. Surrounding white space and leading
/// zeros are accepted; only ASCII digits are. `current` is used to suggest the
/// total meant when a delta (`+2`, `-1`) was typed.
pub fn parse_total(input: &str, current: Quantity) -> Result<Quantity, EntryError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(EntryError::Empty);
    }
    let (sign, digits) = match s.as_bytes()[0] {
        b'+' => (Some(Sign::Plus), s[1..].trim_start()),
        b'-' => (Some(Sign::Minus), s[1..].trim_start()),
        _ => (None, s),
    };
    let value = parse_digits(digits)?;
    match sign {
        None => Ok(value),
        Some(sign) => {
            let suggested_total = match sign {
                Sign::Plus => current.checked_add(value),
                Sign::Minus => current.checked_sub(value),
            };
            Err(EntryError::Delta {
                sign,
                amount: value,
                suggested_total,
            })
        }
    }
}

fn parse_digits(s: &str) -> Result<Quantity, EntryError> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(EntryError::NotAnInteger);
    }
    let mut value: Quantity = 0;
    for b in s.bytes() {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(Quantity::from(b - b'0')))
            .ok_or(EntryError::TooLarge)?;
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn plain_totals() {
        assert_eq!(parse_total("12", 10), Ok(12));
        assert_eq!(parse_total("  12 ", 10), Ok(12));
        assert_eq!(parse_total("\t0012\n", 10), Ok(12));
        assert_eq!(parse_total("0", 10), Ok(0));
        assert_eq!(parse_total("4294967295", 10), Ok(u32::MAX));
    }

    #[test]
    fn empty() {
        assert_eq!(parse_total("", 10), Err(EntryError::Empty));
        assert_eq!(parse_total("   ", 10), Err(EntryError::Empty));
    }

    #[test]
    fn deltas_suggest_the_total() {
        assert_eq!(
            parse_total("+2", 10),
            Err(EntryError::Delta {
                sign: Sign::Plus,
                amount: 2,
                suggested_total: Some(12)
            })
        );
        assert_eq!(
            parse_total("-1", 10),
            Err(EntryError::Delta {
                sign: Sign::Minus,
                amount: 1,
                suggested_total: Some(9)
            })
        );
        assert_eq!(
            parse_total("- 20", 10),
            Err(EntryError::Delta {
                sign: Sign::Minus,
                amount: 20,
                suggested_total: None
            })
        );
        assert_eq!(
            parse_total("+1", u32::MAX),
            Err(EntryError::Delta {
                sign: Sign::Plus,
                amount: 1,
                suggested_total: None
            })
        );
        assert_eq!(parse_total("+", 10), Err(EntryError::NotAnInteger));
        assert_eq!(parse_total("+x", 10), Err(EntryError::NotAnInteger));
    }

    #[test]
    fn not_integers() {
        for s in [
            "12.0", "1,000", "1e3", "doce", "１２", "12a", "0x10", "1 2", "١٢", "12.", "½",
        ] {
            assert_eq!(parse_total(s, 10), Err(EntryError::NotAnInteger), "{s}");
        }
    }

    #[test]
    fn too_large_does_not_wrap() {
        assert_eq!(parse_total("4294967296", 10), Err(EntryError::TooLarge));
        assert_eq!(
            parse_total("99999999999999999999999999", 10),
            Err(EntryError::TooLarge)
        );
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC*", current in any::<u32>()) {
            let _ = parse_total(&s, current);
        }

        #[test]
        fn roundtrips_any_total(n in any::<u32>(), zeros in 0usize..4, pad in " {0,3}") {
            let s = format!("{pad}{}{n}{pad}", "0".repeat(zeros));
            prop_assert_eq!(parse_total(&s, 10), Ok(n));
        }
    }
}
