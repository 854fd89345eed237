//! Credentials: argon2 passwords, RFC 6238 TOTP, random tokens stored hashed.

use argon2::{Argon2, PasswordHash, PasswordVerifier};
use sha2::{Digest, Sha256};
use totp_rs::{Builder, Secret, Totp};

/// Issuer written in the otpauth URI.
pub const TOTP_ISSUER: &str = "licencias";
/// Wrong passwords in a row before the account locks.
pub const MAX_PASSWORD_FAILURES: u32 = 5;
/// How long a lock lasts, in seconds.
pub const LOCK_SECONDS: i64 = 15 * 60;
/// Default number of wrong logins (any username) allowed per client address
/// in [`IP_WINDOW_SECONDS`] before answering 429 `rate_limited`.
pub const IP_FAILURE_LIMIT: usize = 100;
pub const IP_WINDOW_SECONDS: i64 = 60;
/// Wrong codes allowed per `mfa_token`.
pub const MAX_MFA_ATTEMPTS: u32 = 5;
/// Lifetime of an `mfa_token`, in seconds.
pub const MFA_TOKEN_SECONDS: i64 = 5 * 60;
/// Lifetime of an access token, in seconds.
pub const ACCESS_SECONDS: i64 = 15 * 60;
/// Lifetime of a refresh token, in seconds.
pub const REFRESH_SECONDS: i64 = 8 * 60 * 60;

/// Verified against when the username is unknown and the portal has no
/// users to copy the cost from: strong parameters (m=65536,t=3,p=4).
/// No password is known to match here.
const DUMMY_HASH: &str = "$argon2id$v=19$m=65536,t=3,p=4$+dvajKluYjogo81jcMTisA$b1MTz6YV76iO9AvKJaxTlt7CXXhug6IEPFgkSxccapY";

/// The hash an unknown username's password is checked against: one of the
/// users' own hashes, with the cost (algorithm, version, m/t/p, output
/// length) that most users have, so an unknown name costs what a wrong
/// password costs. The outcome of that check is thrown away (see
/// [`burn_password_check`]), so matching it grants nothing. Without usable
/// user hashes, [`DUMMY_HASH`].
pub fn dummy_hash_like<'a>(hashes: impl IntoIterator<Item = &'a str>) -> String {
    let mut by_cost: std::collections::BTreeMap<String, (usize, &str)> = Default::default();
    for phc in hashes {
        let Ok(h) = PasswordHash::new(phc) else {
            continue;
        };
        let cost = format!(
            "{}|{:?}|{}|{}",
            h.algorithm,
            h.version,
            h.params,
            h.hash.map_or(0, |o| o.len())
        );
        by_cost.entry(cost).or_insert((0, phc)).0 += 1;
    }
    by_cost
        .into_values()
        .max_by_key(|(count, _)| *count)
        .map_or_else(|| DUMMY_HASH.to_string(), |(_, phc)| phc.to_string())
}

/// Check a password against a PHC string (CPU-heavy: call from `spawn_blocking`).
pub fn verify_password(password: &[u8], phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(hash) => Argon2::default().verify_password(password, &hash).is_ok(),
        Err(_) => false,
    }
}

/// Spend the same work as a real check, for unknown usernames; always a
/// failure, whatever the outcome.
pub fn burn_password_check(password: &[u8], dummy_hash: &str) -> bool {
    let _ = verify_password(password, dummy_hash);
    false
}

/// A new random token: 256 bits, hex, with a short prefix naming its kind.
pub fn new_token(prefix: &str) -> String {
    let bytes: [u8; 32] = rand::random();
    format!("{prefix}_{}", hex::encode(bytes))
}

/// How tokens are stored: SHA-256, hex.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The TOTP for a base32 secret: SHA-1, 6 digits, 30 s, skew 1. Spaces,
/// dashes, padding and lower case are accepted in the secret. Secrets we
/// create are 160 bits; a loaded secret shorter than RFC 4226's 128 bits
/// (some authenticator examples use 80) still works.
pub fn totp_for(secret_base32: &str, account: &str) -> Option<Totp> {
    let normalized: String = secret_base32
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '=')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let bytes = Secret::try_from_base32(&normalized).ok()?;
    if bytes.as_bytes().len() < 10 {
        return None;
    }
    let builder = Builder::new()
        .with_secret(bytes)
        .with_digits(6)
        .with_step_duration(30)
        .with_skew(1)
        .with_issuer(Some(TOTP_ISSUER))
        .with_account_name(account.replace(':', "_"));
    match builder.clone().build() {
        Ok(t) => Some(t),
        Err(_) => Some(builder.build_noncompliant()),
    }
}

/// A new random secret (160 bits) as base32, with its otpauth URI.
pub fn new_totp_secret(account: &str) -> Option<(String, String)> {
    let secret = Secret::generate().to_base32();
    let uri = totp_for(&secret, account)?.to_url().ok()?;
    Some((secret, uri))
}

/// The time step a code matches at `unix_seconds` (real time), if any.
pub fn check_code(totp: &Totp, code: &str, unix_seconds: u64) -> Option<u64> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    totp.check(code, unix_seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let a = new_token("at");
        let b = new_token("at");
        assert_ne!(a, b);
        assert!(a.len() >= 3 + 64);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }

    #[test]
    fn totp_secret_matches_the_uri_and_codes_check() {
        let (secret, uri) = new_totp_secret("demo").unwrap();
        assert!(uri.starts_with("otpauth://totp/licencias:demo?"), "{uri}");
        assert!(uri.contains(&format!("secret={secret}")));
        assert!(uri.contains("issuer=licencias"));
        let t = totp_for(&secret, "demo").unwrap();
        let now = 1_800_000_000u64;
        let code = t.generate(now).to_string();
        assert_eq!(check_code(&t, &code, now), Some(now / 30));
        assert_eq!(check_code(&t, &code, now + 30), Some(now / 30));
        assert_eq!(check_code(&t, &code, now + 90), None);
        assert_eq!(check_code(&t, "12345", now), None);
        assert_eq!(check_code(&t, "+12345", now), None);
    }

    #[test]
    fn loaded_secrets_are_read_leniently_but_not_blindly() {
        let now = 1_800_000_000u64;
        let short = totp_for("JBSWY3DPEHPK3PXP", "bob").unwrap();
        let spaced = totp_for("jbsw y3dp ehpk 3pxp", "bob").unwrap();
        assert_eq!(
            short.generate(now).to_string(),
            spaced.generate(now).to_string()
        );
        assert!(totp_for("", "bob").is_none());
        assert!(
            totp_for("JBSWY3DP", "bob").is_none(),
            "40 bits is too short"
        );
        assert!(totp_for("not base32!", "bob").is_none());
    }

    #[test]
    fn dummy_hash_parses() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }

    #[test]
    fn the_dummy_hash_has_the_cost_most_users_have() {
        let cheap_a = "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0$DwmYgbx1u2Mkd1yHhdxT/6pd5kNXQAOWn7c5TPkTHA0";
        let cheap_b = "$argon2id$v=19$m=1024,t=1,p=1$b3RoZXJzYWx0c2FsdA$DwmYgbx1u2Mkd1yHhdxT/6pd5kNXQAOWn7c5TPkTHA0";
        let strong = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0$DwmYgbx1u2Mkd1yHhdxT/6pd5kNXQAOWn7c5TPkTHA0";
        let d = dummy_hash_like([strong, cheap_a, "not a hash", cheap_b]);
        assert!(d.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"), "{d}");
        assert_eq!(dummy_hash_like([strong]), strong);
        assert_eq!(dummy_hash_like([]), DUMMY_HASH);
        assert_eq!(dummy_hash_like(["garbage"]), DUMMY_HASH);
        assert!(!burn_password_check(b"anything", &d));
    }
}
