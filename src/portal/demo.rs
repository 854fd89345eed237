//! Signing in to the embedded demo portal without typing, the honest way:
//! over HTTP, with a TOTP code computed from the secret the enrolment gave.
//! Used by `licencias demo --signed-in` (benchmarks) and by tests.

use secrecy::SecretString;

use super::{PortalClient, PortalError, Session};
use crate::api::MfaStep;

/// The current TOTP code for an otpauth URI (RFC 6238 parameters from the URI).
pub fn totp_code(otpauth_uri: &str) -> Result<String, PortalError> {
    let totp = totp_rs::Totp::from_url(otpauth_uri)
        .map_err(|e| PortalError::Decode(format!("unusable otpauth URI: {e}")))?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| PortalError::Decode("the system clock is before 1970".into()))?
        .as_secs();
    Ok(totp.generate(now).to_string())
}

/// Log in as `username`, enrol a new authenticator (the user must not be
/// enrolled yet, as in a fresh demo portal), and verify with a code computed
/// from the enrolment answer. On success the client holds the session.
pub async fn sign_in_demo(
    client: &PortalClient,
    username: &str,
    password: &SecretString,
) -> Result<Session, PortalError> {
    let login = client.login(username, password).await?;
    if login.mfa != MfaStep::Enroll {
        // The secret is unknown to us: only a fresh demo user can be signed in.
        return Err(PortalError::AlreadyEnrolled);
    }
    let enrol = client.enroll(&login.mfa_token).await?;
    let code = zeroize::Zeroizing::new(totp_code(&enrol.otpauth_uri)?);
    client.verify(&login.mfa_token, &code).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_come_from_the_uri() {
        let uri = "otpauth://totp/Licencias:demo?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Licencias";
        let code = totp_code(uri).unwrap();
        assert_eq!(code.len(), 6);
        assert!(code.bytes().all(|b| b.is_ascii_digit()));
        assert!(totp_code("otpauth://totp/x?secret=!!").is_err());
    }
}
