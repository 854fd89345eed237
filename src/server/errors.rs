//! Errors: start-up failures ([`ServerError`]) and HTTP answers in the API's
//! error envelope ([`Failure`]).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::api::{ApiError, ErrorCode};

/// Why the server could not start (or `serve` stopped).
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read the tenants file {path}: {source}")]
    TenantsRead {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid tenants data ({origin}): {source}")]
    Tenants {
        origin: String,
        #[source]
        source: super::tenants::TenantsError,
    },
    #[error("invalid state file {path}: {message}")]
    State {
        path: std::path::PathBuf,
        message: String,
    },
    #[error("server I/O error: {0}")]
    Io(#[from] std::io::Error),
}

/// An error answer: status plus `{"error": {"code", "message", "details"}}`.
#[derive(Debug, Clone)]
pub struct Failure {
    pub status: StatusCode,
    pub error: ApiError,
}

impl Failure {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::from_api(ApiError::new(code, message))
    }

    pub fn from_api(error: ApiError) -> Self {
        let status = StatusCode::from_u16(error.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        Self { status, error }
    }

    pub fn with(mut self, key: &str, value: impl Serialize) -> Self {
        self.error = self.error.with(key, value);
        self
    }

    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidRequest, message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    pub fn unauthorized() -> Self {
        Self::new(
            ErrorCode::Unauthorized,
            "a valid access token is required (Authorization: Bearer ...)",
        )
    }

    /// The JSON body, as stored for idempotent replays.
    pub fn body(&self) -> serde_json::Value {
        serde_json::to_value(self.error.clone().into_envelope()).unwrap_or_default()
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let retry_after = self.error.retry_after();
        let bearer = matches!(
            self.error.code,
            ErrorCode::Unauthorized | ErrorCode::TokenExpired
        );
        let mut response = (self.status, axum::Json(self.error.into_envelope())).into_response();
        let headers = response.headers_mut();
        if let Some(secs) = retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            headers.insert(header::RETRY_AFTER, v);
        }
        if bearer {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_follows_the_code() {
        assert_eq!(
            Failure::new(ErrorCode::AccountLocked, "x").status,
            StatusCode::LOCKED
        );
        assert_eq!(Failure::bad_request("x").status, StatusCode::BAD_REQUEST);
        let f = Failure::new(ErrorCode::AccountLocked, "x").with("retry_after", 60);
        let r = f.into_response();
        assert_eq!(r.headers()[header::RETRY_AFTER], "60");
    }
}
