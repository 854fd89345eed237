//! Data routes: policy, services, subscriptions, changes, operations.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::api::{
    self, Actor, ApiError, ApprovalMode, ChangeAccepted, ChangeRequest, ChangeRequestAnswer,
    ChangeRequestDto, ChangeRequestStatus, ChangeScheduled, EffectiveDto, ErrorCode, HistoryEvent,
    HistoryKind, OperationDto, PolicyResponse, Role, ScheduledChangeDto, ServiceDto, ServicesPage,
    WarningName,
};
use crate::domain::{self, ChangePlan, Effective, PendingOperation, ScheduledChange};
use crate::server::errors::Failure;
use crate::server::shared::{Ctx, Shared};
use crate::server::store::{IdemRec, OpRec, RequestRec, Store, UserRec, request_event};
use chrono::{DateTime, Utc};

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
    pub(super) page_size: Option<String>,
    pub(super) page_token: Option<String>,
}

pub(super) fn page_params(q: &PageQuery) -> Result<(usize, usize), Failure> {
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
        .with(|store, ctx| {
            let actor = store.users.get(&who.username).map(UserRec::actor);
            let rec = store
                .sub_of_mut(&who.tenant, &id)
                .ok_or_else(|| Failure::not_found("subscription"))?;
            let Some(dropped) = rec.sub.scheduled_change.take() else {
                return Err(Failure::new(
                    ErrorCode::NoScheduledChange,
                    "nothing is scheduled for the renewal of this subscription",
                ));
            };
            rec.version += 1;
            let mut e = HistoryEvent::new(ctx.now, HistoryKind::ScheduledChangeCancelled, actor);
            e.from = Some(rec.sub.quantity);
            e.to = Some(dropped.quantity);
            e.effective = Some(EffectiveDto::Renewal);
            e.effective_date = Some(dropped.effective_date);
            store.record(&id, e);
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

pub(super) fn idempotency_key(headers: &HeaderMap) -> Result<String, Failure> {
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
    if let Err(f) = require_role(&sh, &who, Role::Requester).await {
        return f.into_response();
    }
    let target = id.clone();
    idempotent(&sh, &who, &headers, &target, body, |store, ctx, bytes| {
        apply_change(store, ctx, &sh, &who, &id, bytes)
    })
    .await
}

/// 403 `forbidden` unless the caller has `role`.
pub(super) async fn require_role(sh: &Shared, who: &Authed, role: Role) -> Result<(), Failure> {
    let has = sh
        .with(|store, _| {
            store
                .users
                .get(&who.username)
                .is_some_and(|u| u.tenant == who.tenant && u.has(role))
        })
        .await;
    if has {
        Ok(())
    } else {
        Err(Failure::new(
            ErrorCode::Forbidden,
            format!("this needs the {} role", role.as_str()),
        )
        .with("role", role))
    }
}

/// Run a write under an Idempotency-Key: the key is required; a key seen
/// before with the same target and body replays the first answer (with
/// `Idempotent-Replayed: true`), with another one is 422
/// `idempotency_key_reused`; keys are scoped to the user.
pub(super) async fn idempotent<F>(
    sh: &Shared,
    who: &Authed,
    headers: &HeaderMap,
    target: &str,
    body: Result<JsonBytes, Failure>,
    apply: F,
) -> Response
where
    F: FnOnce(&mut Store, &Ctx, &[u8]) -> Result<(u16, serde_json::Value), Failure>,
{
    let key = match idempotency_key(headers) {
        Ok(k) => k,
        Err(f) => return f.into_response(),
    };
    let bytes = match body {
        Ok(JsonBytes(b)) => b,
        Err(f) => return f.into_response(),
    };
    let print = fingerprint(target, &bytes);
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
            let (status, body) = match apply(store, ctx, &bytes) {
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

/// A JSON answer for the idempotency record.
pub(super) fn json_answer<T: serde::Serialize>(
    status: StatusCode,
    value: &T,
) -> Result<(u16, serde_json::Value), Failure> {
    serde_json::to_value(value)
        .map(|v| (status.as_u16(), v))
        .map_err(|e| Failure::new(ErrorCode::Internal, e.to_string()))
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
        .sub_of(&who.tenant, id)
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
    let mode = store
        .tenant(&who.tenant)
        .map(|t| t.approval)
        .unwrap_or_default();
    let actor = store
        .users
        .get(&who.username)
        .map(UserRec::actor)
        .ok_or_else(Failure::unauthorized)?;
    if mode == ApprovalMode::SecondPerson {
        if let Some(open) = store.awaiting_request(id) {
            return Err(Failure::new(
                ErrorCode::ApprovalPending,
                "a change request of this subscription is awaiting approval",
            )
            .with("change_request_id", &open.id));
        }
        let request = ChangeRequestDto {
            id: format!("cr-{}", uuid::Uuid::new_v4().simple()),
            subscription_id: id.to_string(),
            subscription_name: rec.sub.name.clone(),
            from: plan.from,
            quantity: plan.to,
            effective: req.effective,
            effective_date: plan.effective_date,
            approval_reference: req.approval_reference.clone(),
            warnings: plan.warnings.iter().map(WarningName::of).collect(),
            requested_by: actor.clone(),
            requested_at: ctx.now,
            expires_at: ctx
                .now
                .checked_add_signed(sh.approval_ttl)
                .unwrap_or(DateTime::<Utc>::MAX_UTC),
            status: ChangeRequestStatus::AwaitingApproval,
            decided_by: None,
            decided_at: None,
            reason: None,
            operation_id: None,
        };
        store.record(
            id,
            request_event(&request, ctx.now, HistoryKind::ChangeRequested, Some(actor)),
        );
        tracing::info!(
            tenant = %who.tenant, user = %who.username, subscription = %id,
            change_request = %request.id, from = plan.from, to = plan.to, ?effective,
            "change requested"
        );
        let answer = ChangeRequestAnswer {
            change_request: request.clone(),
        };
        store.change_requests.insert(
            request.id.clone(),
            RequestRec {
                tenant: who.tenant.clone(),
                request,
            },
        );
        return json_answer(StatusCode::ACCEPTED, &answer);
    }
    let done = execute(
        store,
        ctx,
        &who.tenant,
        &actor,
        id,
        &plan,
        req.approval_reference.clone(),
        None,
    );
    match done {
        Executed::Operation(operation) => {
            json_answer(StatusCode::ACCEPTED, &ChangeAccepted { operation })
        }
        Executed::Scheduled(scheduled_change) => {
            json_answer(StatusCode::OK, &ChangeScheduled { scheduled_change })
        }
    }
}

/// What applying a change did.
pub(super) enum Executed {
    /// An immediate change: provisioning pending.
    Operation(OperationDto),
    /// A change at the renewal date.
    Scheduled(ScheduledChangeDto),
}

/// Apply an allowed change (a direct one or an approved request) and
/// record it in the subscription's history, `actor` acting.
#[allow(clippy::too_many_arguments)]
pub(super) fn execute(
    store: &mut Store,
    ctx: &Ctx,
    tenant: &str,
    actor: &Actor,
    id: &str,
    plan: &ChangePlan,
    approval_reference: Option<String>,
    change_request_id: Option<String>,
) -> Executed {
    let mut events = Vec::new();
    let event = |kind: HistoryKind, effective: Effective| {
        let mut e = HistoryEvent::new(ctx.now, kind, Some(actor.clone()));
        e.from = Some(plan.from);
        e.to = Some(plan.to);
        e.effective = Some(effective.into());
        e.effective_date = Some(plan.effective_date);
        e.approval_reference.clone_from(&approval_reference);
        e.change_request_id.clone_from(&change_request_id);
        e
    };
    let done = match plan.effective {
        Effective::Now => {
            let op = OpRec {
                id: format!("op-{}", uuid::Uuid::new_v4().simple()),
                tenant: tenant.to_string(),
                subscription_id: id.to_string(),
                status: domain::OperationStatus::Pending,
                from_quantity: plan.from,
                target_quantity: plan.to,
                submitted_at: ctx.now,
                completed_at: None,
                submitted_by: actor.username.clone(),
                approval_reference: approval_reference.clone(),
                change_request_id: change_request_id.clone(),
            };
            if let Some(rec) = store.sub_of_mut(tenant, id) {
                rec.version += 1;
                rec.sub.pending_operation = Some(PendingOperation {
                    id: op.id.clone(),
                    target_quantity: op.target_quantity,
                    submitted_at: op.submitted_at,
                    status: op.status,
                });
                // As the real portal does: an immediate change drops the scheduled one.
                if let Some(dropped) = rec.sub.scheduled_change.take() {
                    let mut e = HistoryEvent::new(
                        ctx.now,
                        HistoryKind::ScheduledChangeCancelled,
                        Some(actor.clone()),
                    );
                    e.from = Some(plan.from);
                    e.to = Some(dropped.quantity);
                    e.effective = Some(EffectiveDto::Renewal);
                    e.effective_date = Some(dropped.effective_date);
                    e.change_request_id.clone_from(&change_request_id);
                    e.reason = Some("replaced by an immediate change".to_string());
                    events.push(e);
                }
            }
            let mut e = event(HistoryKind::OperationAccepted, Effective::Now);
            e.operation_id = Some(op.id.clone());
            events.push(e);
            let dto = op.dto();
            store.operations.insert(op.id.clone(), op);
            Executed::Operation(dto)
        }
        Effective::AtRenewal => {
            if let Some(rec) = store.sub_of_mut(tenant, id) {
                rec.version += 1;
                rec.sub.scheduled_change = Some(ScheduledChange {
                    quantity: plan.to,
                    effective_date: plan.effective_date,
                });
            }
            events.push(event(HistoryKind::ChangeScheduled, Effective::AtRenewal));
            Executed::Scheduled(ScheduledChangeDto {
                quantity: plan.to,
                effective_date: plan.effective_date,
            })
        }
    };
    for e in events {
        store.record(id, e);
    }
    tracing::info!(
        tenant = %tenant, user = %actor.username, subscription = %id,
        from = plan.from, to = plan.to, effective = ?plan.effective, "change accepted"
    );
    done
}
