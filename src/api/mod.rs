//! Portal API v1 wire types, shared by the client (`portal`) and the reference
//! server (`server`) so the two cannot drift. Kept in step with
//! `assets/openapi.yaml`.

mod approvals;
mod date;
mod error;
mod types;

pub use approvals::*;
pub use error::{ApiError, ErrorCode, ErrorEnvelope};
pub use types::*;

/// Base path of every route.
pub const BASE_PATH: &str = "/api/v1";
/// Header that makes a change request idempotent.
pub const IDEMPOTENCY_KEY_HEADER: &str = "Idempotency-Key";
/// Largest request body the server accepts.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
