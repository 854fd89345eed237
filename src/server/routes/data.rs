//! Data routes: policy, services, subscriptions, changes, operations.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::api::{
    self, ApiError, ChangeAccepted, ChangeRequest, ChangeScheduled, ErrorCode, PolicyResponse,
    ScheduledChangeDto, ServiceDto, ServicesPage,
};
use crate::domain::{self, Effective, PendingOperation, ScheduledChange};
use crate::server::errors::Failure;
use crate::server::shared::{Ctx, Shared};
use crate::server::store::{IdemRec, OpRec, Store};

use super::extract::{Authed, Id, JsonBytes, decode, reply, reply_sized};

/// Default and largest `page_size` of `GET /services`.
pub const DEFAULT_PAGE_SIZE: usize = 50;
pub const MAX_PAGE_SIZE: usize = 200;
/// Longest accepted Idempotency-Key and approval reference.
const MAX_KEY_LEN: usize = 255;
const MAX_APPROVAL_LEN: usize = 200;

pub async fn policy(State(sh): State<Arc<Shared>>) -> Response {
    reply(StatusCode::OK, &PolicyResponse::from_policy(&sh.policy))
}

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    page_size: Option<String>,
    page_token: Option<String>,
}

fn page_params(q: &PageQuery) -> Result<(usize, usize), Failure> {
    // An empty `page_size=` is a bad value like any other, not the default.
    let size = match q.page_size.as_deref().map(str::trim) {
        None => DEFAULT_PAGE_SIZE,
        Some(s) => match s.parse::<usize>() {
            Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => n,
            _ => {
                return Err(Failure::bad_request(format!(
                    "page_size must be a whole number from 1 to {MAX_PAGE_SIZE}"
                ))
                .with("field", "page_size"));
            }
        },
    };
    let offset = match q.page_token.as_deref().map(str::trim) {
        None | Some("") => 0,
        Some(t) => t
            .strip_prefix("o")
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| {
                Failure::bad_request("page_token is not one this server gave")
                    .with("field", "page_token")
            })?,
    };
    Ok((size, offset))
}

pub async fn services(
    State(sh): State<Arc<Shared>>,
    who: Authed,
    query: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let (size, offset) = match query
        .map_err(|e| Failure::bad_request(format!("invalid query: {}", e.body_text())))
        .and_then(|Query(q)| page_params(&q))
    {
        Ok(p) => p,
        Err(f) => return f.into_response(),
    };
    let page = sh
        .with(|store, ctx| {
            let tenant = store.tenant(&who.tenant)?;
            let all = &tenant.services;
            let services = all
                .iter()
                .skip(offset)
                .take(size)
                .map(|s| ServiceDto {
                    id: s.id.clone(),
                    name: s.name.clone(),
                    subscriptions: s
                        .subscriptions
                        .iter()
                        .filter_map(|id| store.sub_of(&who.tenant, id))
                        .map(|r| api::SubscriptionDto::summary_of(&r.sub, &sh.policy, ctx.today))
                        .collect(),
                })
                .collect();
            let end = offset.saturating_add(size);
            Some(ServicesPage {
                services,
                next_page_token: (end < all.len()).then(|| format!("o{end}")),
            })
        })
        .await;
    match page {
        Some(p) => {
            // About 260 bytes of JSON per subscription.
            let subs: usize = p.services.iter().map(|s| s.subscriptions.len() + 1).sum();
            reply_sized(StatusCode::OK, &p, subs * 300)
        }
        None => Failure::unauthorized().into_response(),
    }
}

pub async fn subscription(State(sh): State<Arc<Shared>>, who: Authed, Id(id): Id) -> Response {
    let dto = sh
        .with(|store, ctx| {
            store
                .sub_of(&who.tenant, &id)
                .map(|r| r.dto(&sh.policy, ctx.today))
        })
        .await;
    match dto {
        Some(d) => reply(StatusCode::OK, &d),
        None => Failure::not_found("subscription").into_response(),
    }
}

pub async fn operation(State(sh): State<Arc<Shared>>, who: Authed, Id(id): Id) -> Response {
    let dto = sh
        .with(|store, _| {
            store
                .operations
                .get(&id)
                .filter(|op| op.tenant == who.tenant)
                .map(OpRec::dto)
        })
        .await;
    match dto {
        Some(d) => reply(StatusCode::OK, &d),
        None => Failure::not_found("operation").into_response(),
    }
}

pub async fn delete_scheduled(State(sh): State<Arc<Shared>>, who: Authed, Id(id): Id) -> Response {
    let result = sh
        .with(|store, _| {
            let rec = store
                .sub_of_mut(&who.tenant, &id)
                .ok_or_else(|| Failure::not_found("subscription"))?;
            if rec.sub.scheduled_change.take().is_none() {
                return Err(Failure::new(
                    ErrorCode::NoScheduledChange,
                    "nothing is scheduled for the renewal of this subscription",
                ));
            }
            rec.version += 1;
            store.dirty = true;
            tracing::info!(tenant = %who.tenant, user = %who.username, subscription = %id, "scheduled change deleted");
            Ok(())
        })
        .await;
    match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(f) => f.into_response(),
    }
}

/// What identifies "the same request" for an Idempotency-Key: the target
/// and the body (as canonical JSON when it parses, else the raw bytes).
fn fingerprint(id: &str, body: &[u8]) -> String {
    let canonical = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(v) => v.to_string().into_bytes(),
        Err(_) => body.to_vec(),
    };
    let mut h = Sha256::new();
    h.update(id.as_bytes());
    h.update([0]);
    h.update(&canonical);
    hex::encode(h.finalize())
}

fn idempotency_key(headers: &HeaderMap) -> Result<String, Failure> {
    let missing = || {
        Failure::new(
            ErrorCode::IdempotencyKeyRequired,
            format!(
                "the {} header is required on changes",
                api::IDEMPOTENCY_KEY_HEADER
            ),
        )
    };
    let value = headers
        .get(api::IDEMPOTENCY_KEY_HEADER)
        .ok_or_else(missing)?;
    let key = value
        .to_str()
        .map_err(|_| Failure::bad_request("the Idempotency-Key must be printable ASCII"))?
        .trim();
    if key.is_empty() {
        return Err(missing());
    }
    if key.len() > MAX_KEY_LEN {
        return Err(Failure::bad_request(format!(
            "the Idempotency-Key is longer than {MAX_KEY_LEN} characters"
        )));
    }
    Ok(key.to_string())
}

pub async fn change(
    State(sh): State<Arc<Shared>>,
    who: Authed,
    Id(id): Id,
    headers: HeaderMap,
    body: Result<JsonBytes, Failure>,
) -> Response {
    let key = match idempotency_key(&headers) {
        Ok(k) => k,
        Err(f) => return f.into_response(),
    };
    let bytes = match body {
        Ok(JsonBytes(b)) => b,
        Err(f) => return f.into_response(),
    };
    let print = fingerprint(&id, &bytes);
    let (status, body, replayed) = sh
        .with(|store, ctx| {
            let scope = format!("{}\u{0}{}\u{0}{key}", who.tenant, who.username);
            if let Some(first) = store.idempotency.get(&scope) {
                if first.fingerprint == print {
                    return (first.status, first.body.clone(), true);
                }
                let f = Failure::new(
                    ErrorCode::IdempotencyKeyReused,
                    "this Idempotency-Key was already used for a different request",
                );
                return (f.status.as_u16(), f.body(), false);
            }
            let (status, body) = match apply_change(store, ctx, &sh, &who, &id, &bytes) {
                Ok(ok) => ok,
                Err(f) => (f.status.as_u16(), f.body()),
            };
            store.idempotency.insert(
                scope,
                IdemRec {
                    fingerprint: print,
                    status,
                    body: body.clone(),
                    created_at: ctx.real,
                },
            );
            store.dirty = true;
            (status, body, false)
        })
        .await;
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, axum::Json(body)).into_response();
    if replayed {
        response
            .headers_mut()
            .insert("Idempotent-Replayed", HeaderValue::from_static("true"));
    }
    response
}

fn apply_change(
    store: &mut Store,
    ctx: &Ctx,
    sh: &Shared,
    who: &Authed,
    id: &str,
    bytes: &[u8],
) -> Result<(u16, serde_json::Value), Failure> {
    let req: ChangeRequest = decode(bytes)?;
    if let Some(r) = &req.approval_reference
        && r.chars().count() > MAX_APPROVAL_LEN
    {
        return Err(Failure::bad_request(format!(
            "approval_reference is longer than {MAX_APPROVAL_LEN} characters"
        ))
        .with("field", "approval_reference"));
    }
    let rec = store
        .subs
        .get_mut(id)
        .filter(|r| r.tenant == who.tenant)
        .ok_or_else(|| Failure::not_found("subscription"))?;
    if req.expected_version != rec.version {
        return Err(Failure::new(
            ErrorCode::VersionConflict,
            format!(
                "the subscription changed since it was read (version {} expected, now {})",
                req.expected_version, rec.version
            ),
        )
        .with("subscription", rec.dto(&sh.policy, ctx.today)));
    }
    let effective: Effective = req.effective.into();
    let plan = domain::plan_total(&rec.sub, req.quantity, effective, &sh.policy, ctx.now)
        .map_err(|r| Failure::from_api(ApiError::from_refusal(&r, rec.sub.min, rec.sub.max)))?;
    rec.version += 1;
    let value = match effective {
        Effective::Now => {
            let op = OpRec {
                id: format!("op-{}", uuid::Uuid::new_v4().simple()),
                tenant: who.tenant.clone(),
                subscription_id: id.to_string(),
                status: domain::OperationStatus::Pending,
                from_quantity: plan.from,
                target_quantity: plan.to,
                submitted_at: ctx.now,
                completed_at: None,
                submitted_by: who.username.clone(),
                approval_reference: req.approval_reference.clone(),
            };
            rec.sub.pending_operation = Some(PendingOperation {
                id: op.id.clone(),
                target_quantity: op.target_quantity,
                submitted_at: op.submitted_at,
                status: op.status,
            });
            // As the real portal does: an immediate change drops the scheduled one.
            rec.sub.scheduled_change = None;
            let answer = ChangeAccepted {
                operation: op.dto(),
            };
            store.operations.insert(op.id.clone(), op);
            (StatusCode::ACCEPTED, serde_json::to_value(answer))
        }
        Effective::AtRenewal => {
            rec.sub.scheduled_change = Some(ScheduledChange {
                quantity: plan.to,
                effective_date: plan.effective_date,
            });
            let answer = ChangeScheduled {
                scheduled_change: ScheduledChangeDto {
                    quantity: plan.to,
                    effective_date: plan.effective_date,
                },
            };
            (StatusCode::OK, serde_json::to_value(answer))
        }
    };
    tracing::info!(
        tenant = %who.tenant, user = %who.username, subscription = %id,
        from = plan.from, to = plan.to, ?effective, "change accepted"
    );
    let (status, body) = value;
    let body = body.map_err(|e| Failure::new(ErrorCode::Internal, e.to_string()))?;
    Ok((status.as_u16(), body))
}
