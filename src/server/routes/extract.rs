//! Extractors and helpers that answer in the API's error envelope.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::DateTime;
use chrono::Utc;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::api::ErrorCode;
use crate::server::auth::token_hash;
use crate::server::errors::Failure;
use crate::server::shared::Shared;
use crate::server::store::Store;

/// The signed-in caller of a data route.
#[derive(Debug, Clone)]
pub struct Authed {
    pub tenant: String,
    pub username: String,
}

/// The bearer token of a request, if any.
pub fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = token.trim();
    (!token.is_empty()).then(|| token.to_string())
}

/// The session id for an access token; expired tokens answer `token_expired`.
pub fn authenticate(
    store: &Store,
    token: &str,
    real: DateTime<Utc>,
    allow_expired: bool,
) -> Result<(String, Authed), Failure> {
    let hash = token_hash(token);
    let (sid, session) = store
        .sessions
        .iter()
        .find(|(_, s)| s.access_hash == hash)
        .ok_or_else(Failure::unauthorized)?;
    if session.access_expires <= real && !allow_expired {
        return Err(Failure::new(
            ErrorCode::TokenExpired,
            "the access token has expired; refresh it (POST /auth/refresh)",
        ));
    }
    Ok((
        sid.clone(),
        Authed {
            tenant: session.tenant.clone(),
            username: session.username.clone(),
        },
    ))
}

impl FromRequestParts<Arc<Shared>> for Authed {
    type Rejection = Failure;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<Shared>,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers).ok_or_else(Failure::unauthorized)?;
        let store = state.store.lock().unwrap_or_else(|e| e.into_inner());
        authenticate(&store, &token, state.ctx().real, false).map(|(_, a)| a)
    }
}

/// The `{id}` of a route, with a 400 in the envelope if it cannot be read.
pub struct Id(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<String>::from_request_parts(parts, state).await {
            Ok(Path(id)) => Ok(Id(id)),
            Err(e) => Err(Failure::bad_request(format!(
                "invalid path: {}",
                e.body_text()
            ))),
        }
    }
}

/// Whether a `Content-Type` value names JSON (`application/json`, with any
/// parameters such as `charset`, in any letter case).
fn is_json(content_type: &HeaderValue) -> bool {
    content_type
        .to_str()
        .ok()
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

/// A POST carries JSON or nothing: a declared `Content-Type` other than
/// `application/json`, or a body without one, is 415 `unsupported_media_type`.
pub fn require_json(headers: &HeaderMap) -> Result<(), Failure> {
    let has_body = headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0");
    let refused = match headers.get(header::CONTENT_TYPE) {
        Some(v) => !is_json(v),
        None => has_body,
    };
    if refused {
        return Err(Failure::new(
            ErrorCode::UnsupportedMediaType,
            "the request body must be JSON (Content-Type: application/json)",
        ));
    }
    Ok(())
}

/// A POST body that declares itself JSON (see [`require_json`]), read
/// whole; the 64 KiB limit answers 413 `payload_too_large`. Extracted after
/// the token, so a caller without one learns only that (401).
pub struct JsonBytes(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for JsonBytes {
    type Rejection = Failure;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        require_json(req.headers())?;
        body_bytes(Bytes::from_request(req, state).await).map(JsonBytes)
    }
}

/// The body as bytes; the 64 KiB limit answers 413 `payload_too_large`.
fn body_bytes(body: Result<Bytes, BytesRejection>) -> Result<Bytes, Failure> {
    body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Failure::new(
                ErrorCode::PayloadTooLarge,
                format!(
                    "the request body is larger than {} KiB",
                    crate::api::MAX_BODY_BYTES / 1024
                ),
            )
        } else {
            Failure::bad_request(format!("cannot read the request body: {}", e.body_text()))
        }
    })
}

/// Decode a JSON body; any problem is a 400 `invalid_request` naming it.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Failure> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Failure::bad_request("a JSON body is required"));
    }
    serde_json::from_slice(bytes)
        .map_err(|e| Failure::bad_request(format!("invalid JSON body: {e}")))
}

/// Read and decode a JSON body.
pub fn json_body<T: DeserializeOwned>(body: Result<JsonBytes, Failure>) -> Result<T, Failure> {
    decode(&body?.0)
}

/// A JSON answer.
pub fn reply<T: Serialize>(status: StatusCode, value: &T) -> Response {
    (status, axum::Json(value)).into_response()
}

/// [`reply`] for a large body whose size is roughly known: the JSON is
/// written into a buffer of `size_hint` bytes instead of one that doubles
/// (and is copied) a dozen times on the way to megabytes.
pub fn reply_sized<T: Serialize>(status: StatusCode, value: &T, size_hint: usize) -> Response {
    let mut body = Vec::with_capacity(size_hint);
    match serde_json::to_writer(&mut body, value) {
        Ok(()) => (
            status,
            [(
                axum::http::header::CONTENT_TYPE,
                axum::http::HeaderValue::from_static("application/json"),
            )],
            body,
        )
            .into_response(),
        Err(_) => reply(status, value),
    }
}
