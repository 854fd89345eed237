//! The HTTP surface: one table of routes, mounted under `/api/v1` and
//! listed by [`mounted_routes`] (checked against `assets/openapi.yaml`).

mod approvals;
mod auth;
mod data;
mod extract;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, post};

use crate::api::{BASE_PATH, ErrorCode, MAX_BODY_BYTES};

use super::errors::Failure;
use super::shared::Shared;

type Route = (&'static str, &'static str, MethodRouter<Arc<Shared>>);

fn table() -> Vec<Route> {
    vec![
        ("POST", "/auth/login", post(auth::login)),
        ("POST", "/auth/mfa/enroll", post(auth::enroll)),
        ("POST", "/auth/mfa/verify", post(auth::verify)),
        ("POST", "/auth/refresh", post(auth::refresh)),
        ("POST", "/auth/logout", post(auth::logout)),
        ("GET", "/policy", get(data::policy)),
        ("GET", "/services", get(data::services)),
        ("GET", "/subscriptions/{id}", get(data::subscription)),
        ("POST", "/subscriptions/{id}/changes", post(data::change)),
        (
            "DELETE",
            "/subscriptions/{id}/scheduled-change",
            delete(data::delete_scheduled),
        ),
        ("GET", "/operations/{id}", get(data::operation)),
        ("GET", "/me", get(approvals::me)),
        ("GET", "/change-requests", get(approvals::list)),
        ("GET", "/change-requests/{id}", get(approvals::get_one)),
        (
            "POST",
            "/change-requests/{id}/approve",
            post(approvals::approve),
        ),
        (
            "POST",
            "/change-requests/{id}/reject",
            post(approvals::reject),
        ),
        (
            "POST",
            "/change-requests/{id}/cancel",
            post(approvals::cancel),
        ),
        (
            "GET",
            "/subscriptions/{id}/history",
            get(approvals::history),
        ),
    ]
}

/// Every `(METHOD, path)` the server mounts, paths relative to `/api/v1`.
pub fn mounted_routes() -> Vec<(&'static str, &'static str)> {
    table().into_iter().map(|(m, p, _)| (m, p)).collect()
}

pub fn router(shared: Arc<Shared>) -> Router {
    let mut router = Router::new();
    for (_, path, handler) in table() {
        router = router.route(&format!("{BASE_PATH}{path}"), handler);
    }
    router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(log_request))
        .with_state(shared)
}

async fn not_found() -> Response {
    Failure::new(ErrorCode::NotFound, "no such route in Portal API v1").into_response()
}

async fn method_not_allowed() -> Response {
    Failure::new(
        ErrorCode::InvalidRequest,
        "method not allowed on this route",
    )
    .with_status(StatusCode::METHOD_NOT_ALLOWED)
    .into_response()
}

/// Method, path and status only: never headers, bodies or query strings.
async fn log_request(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let response = next.run(req).await;
    tracing::debug!(%method, %path, status = response.status().as_u16(), "request");
    response
}
