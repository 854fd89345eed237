//! Two-person approval and history routes: `GET /me`, change requests
//! (list, read, approve, reject, cancel) and a subscription's history.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::api::{
    ApiError, ApproveAnswer, ChangeRequestAnswer, ChangeRequestDto, ChangeRequestStatus,
    ChangeRequestsPage, ErrorCode, HistoryKind, HistoryPage, MAX_REASON_CHARS, MeResponse,
    RejectRequest, Role, TenantInfo,
};
use crate::domain;
use crate::server::errors::Failure;
use crate::server::shared::{Ctx, Shared};
use crate::server::store::{Store, request_event};

use super::data::{
    Executed, PageQuery, execute, idempotent, json_answer, page_params, require_role,
};
use super::extract::{Authed, Id, JsonBytes, decode, reply};

pub async fn me(State(sh): State<Arc<Shared>>, who: Authed) -> Response {
    let me = sh
        .with(|store, _| {
            let user = store
                .users
                .get(&who.username)
                .filter(|u| u.tenant == who.tenant)?;
            let tenant = store.tenant(&who.tenant)?;
            Some(MeResponse {
                username: user.username.clone(),
                display_name: user.display_name.clone(),
                roles: user.roles.clone(),
                tenant: TenantInfo {
                    id: tenant.id.clone(),
                    name: tenant.name.clone(),
                    approval: tenant.approval,
                },
            })
        })
        .await;
    match me {
        Some(m) => reply(StatusCode::OK, &m),
        None => Failure::unauthorized().into_response(),
    }
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    page_size: Option<String>,
    page_token: Option<String>,
}

/// `GET /change-requests`: the caller's tenant only, oldest first (so a
/// page token stays valid while new requests arrive).
pub async fn list(
    State(sh): State<Arc<Shared>>,
    who: Authed,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let q = match query {
        Ok(Query(q)) => q,
        Err(e) => {
            return Failure::bad_request(format!("invalid query: {}", e.body_text()))
                .into_response();
        }
    };
    let status = match q.status.as_deref().map(str::trim) {
        None => None,
        Some(s) => match ChangeRequestStatus::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
        {
            Some(x) => Some(x),
            None => {
                let names: Vec<&str> = ChangeRequestStatus::ALL
                    .iter()
                    .map(|x| x.as_str())
                    .collect();
                return Failure::bad_request(format!("status must be one of {}", names.join(", ")))
                    .with("field", "status")
                    .into_response();
            }
        },
    };
    let (size, offset) = match page_params(&PageQuery {
        page_size: q.page_size,
        page_token: q.page_token,
    }) {
        Ok(p) => p,
        Err(f) => return f.into_response(),
    };
    let page = sh
        .with(|store, _| {
            let mut all: Vec<&ChangeRequestDto> = store
                .change_requests
                .values()
                .filter(|r| r.tenant == who.tenant)
                .map(|r| &r.request)
                .filter(|r| status.is_none_or(|s| r.status == s))
                .collect();
            all.sort_by(|a, b| (a.requested_at, &a.id).cmp(&(b.requested_at, &b.id)));
            let end = offset.saturating_add(size);
            ChangeRequestsPage {
                change_requests: all
                    .iter()
                    .skip(offset)
                    .take(size)
                    .map(|r| (*r).clone())
                    .collect(),
                next_page_token: (end < all.len()).then(|| format!("o{end}")),
            }
        })
        .await;
    reply(StatusCode::OK, &page)
}

pub async fn get_one(State(sh): State<Arc<Shared>>, who: Authed, Id(id): Id) -> Response {
    let found = sh
        .with(|store, _| {
            store
                .change_requests
                .get(&id)
                .filter(|r| r.tenant == who.tenant)
                .map(|r| r.request.clone())
        })
        .await;
    match found {
        Some(change_request) => reply(StatusCode::OK, &ChangeRequestAnswer { change_request }),
        None => Failure::not_found("change request").into_response(),
    }
}

/// The caller's request `id`, checked: it exists in the caller's tenant
/// (404), `allowed` says whether this caller may decide it (403), it
/// awaits a decision (409 `request_not_pending`).
fn pending<'a>(
    store: &'a Store,
    who: &Authed,
    id: &str,
    allowed: impl FnOnce(&ChangeRequestDto) -> Result<(), Failure>,
) -> Result<&'a ChangeRequestDto, Failure> {
    let r = store
        .change_requests
        .get(id)
        .filter(|r| r.tenant == who.tenant)
        .map(|r| &r.request)
        .ok_or_else(|| Failure::not_found("change request"))?;
    allowed(r)?;
    if r.status != ChangeRequestStatus::AwaitingApproval {
        return Err(Failure::new(
            ErrorCode::RequestNotPending,
            format!(
                "this change request is {}, not awaiting approval",
                r.status.as_str()
            ),
        )
        .with("status", r.status));
    }
    Ok(r)
}

fn not_self(who: &Authed) -> impl FnOnce(&ChangeRequestDto) -> Result<(), Failure> + '_ {
    move |r| {
        if r.requested_by.username == who.username {
            Err(Failure::new(
                ErrorCode::SelfApprovalForbidden,
                "a change request must be decided by someone other than its requester",
            ))
        } else {
            Ok(())
        }
    }
}

/// A body that may be empty; when present it must be a JSON object.
fn optional_object(bytes: &[u8]) -> Result<(), Failure> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    decode::<serde_json::Map<String, serde_json::Value>>(bytes).map(|_| ())
}

/// Decide request `id`: set its status, who and when, and record the event.
fn decide(
    store: &mut Store,
    ctx: &Ctx,
    who: &Authed,
    id: &str,
    status: ChangeRequestStatus,
    reason: Option<String>,
) -> Result<ChangeRequestDto, Failure> {
    let actor = store.users.get(&who.username).map(|u| u.actor());
    let rec = store
        .change_requests
        .get_mut(id)
        .ok_or_else(|| Failure::not_found("change request"))?;
    let r = &mut rec.request;
    r.status = status;
    r.decided_by.clone_from(&actor);
    r.decided_at = Some(ctx.now);
    r.reason = reason;
    let kind = match status {
        ChangeRequestStatus::Approved => HistoryKind::ChangeApproved,
        ChangeRequestStatus::Rejected => HistoryKind::ChangeRejected,
        ChangeRequestStatus::Cancelled => HistoryKind::ChangeCancelled,
        ChangeRequestStatus::Expired => HistoryKind::ChangeExpired,
        ChangeRequestStatus::Failed | ChangeRequestStatus::AwaitingApproval => {
            HistoryKind::ChangeFailed
        }
    };
    let r = r.clone();
    store.record(&r.subscription_id, request_event(&r, ctx.now, kind, actor));
    tracing::info!(
        tenant = %who.tenant, user = %who.username, change_request = %id,
        status = status.as_str(), "change request decided"
    );
    Ok(r)
}

pub async fn approve(
    State(sh): State<Arc<Shared>>,
    who: Authed,
    Id(id): Id,
    headers: HeaderMap,
    body: Result<JsonBytes, Failure>,
) -> Response {
    if let Err(f) = require_role(&sh, &who, Role::Approver).await {
        return f.into_response();
    }
    let target = format!("approve\u{0}{id}");
    idempotent(&sh, &who, &headers, &target, body, |store, ctx, bytes| {
        optional_object(bytes)?;
        let r = pending(store, &who, &id, not_self(&who))?.clone();
        let Some(rec) = store.sub_of(&who.tenant, &r.subscription_id) else {
            return Err(Failure::not_found("subscription"));
        };
        // Checked again, now: the subscription may have moved on.
        let checked = if rec.sub.quantity == r.from {
            domain::plan_total(
                &rec.sub,
                r.quantity,
                r.effective.into(),
                &sh.policy,
                ctx.now,
            )
            .map_err(|x| Failure::from_api(ApiError::from_refusal(&x, rec.sub.min, rec.sub.max)))
        } else {
            Err(Failure::new(
                ErrorCode::RequestStale,
                format!(
                    "the subscription has {} licences now, not the {} the request was made from",
                    rec.sub.quantity, r.from
                ),
            )
            .with("quantity", rec.sub.quantity)
            .with("from", r.from))
        };
        let plan = match checked {
            Ok(plan) => plan,
            Err(f) => {
                let reason = Some(f.error.message.clone());
                let failed = decide(store, ctx, &who, &id, ChangeRequestStatus::Failed, reason)?;
                return Err(f.with("change_request", failed));
            }
        };
        decide(store, ctx, &who, &id, ChangeRequestStatus::Approved, None)?;
        let actor = store
            .users
            .get(&who.username)
            .map(|u| u.actor())
            .ok_or_else(Failure::unauthorized)?;
        let done = execute(
            store,
            ctx,
            &who.tenant,
            &actor,
            &r.subscription_id,
            &plan,
            r.approval_reference.clone(),
            Some(id.clone()),
        );
        let rec = store
            .change_requests
            .get_mut(&id)
            .ok_or_else(|| Failure::not_found("change request"))?;
        match done {
            Executed::Operation(operation) => {
                rec.request.operation_id = Some(operation.id.clone());
                let answer = ApproveAnswer {
                    change_request: rec.request.clone(),
                    operation: Some(operation),
                    scheduled_change: None,
                };
                json_answer(StatusCode::ACCEPTED, &answer)
            }
            Executed::Scheduled(scheduled_change) => {
                let answer = ApproveAnswer {
                    change_request: rec.request.clone(),
                    operation: None,
                    scheduled_change: Some(scheduled_change),
                };
                json_answer(StatusCode::OK, &answer)
            }
        }
    })
    .await
}

pub async fn reject(
    State(sh): State<Arc<Shared>>,
    who: Authed,
    Id(id): Id,
    headers: HeaderMap,
    body: Result<JsonBytes, Failure>,
) -> Response {
    if let Err(f) = require_role(&sh, &who, Role::Approver).await {
        return f.into_response();
    }
    let target = format!("reject\u{0}{id}");
    idempotent(&sh, &who, &headers, &target, body, |store, ctx, bytes| {
        let req: RejectRequest = decode(bytes)?;
        let reason = req.reason.trim();
        let chars = reason.chars().count();
        if chars == 0 || chars > MAX_REASON_CHARS {
            return Err(Failure::bad_request(format!(
                "reason is required: 1 to {MAX_REASON_CHARS} characters"
            ))
            .with("field", "reason"));
        }
        pending(store, &who, &id, not_self(&who))?;
        let r = decide(
            store,
            ctx,
            &who,
            &id,
            ChangeRequestStatus::Rejected,
            Some(reason.to_string()),
        )?;
        json_answer(StatusCode::OK, &ChangeRequestAnswer { change_request: r })
    })
    .await
}

pub async fn cancel(
    State(sh): State<Arc<Shared>>,
    who: Authed,
    Id(id): Id,
    headers: HeaderMap,
    body: Result<JsonBytes, Failure>,
) -> Response {
    let target = format!("cancel\u{0}{id}");
    idempotent(&sh, &who, &headers, &target, body, |store, ctx, bytes| {
        optional_object(bytes)?;
        pending(store, &who, &id, |r| {
            if r.requested_by.username == who.username {
                Ok(())
            } else {
                Err(Failure::new(
                    ErrorCode::Forbidden,
                    "only the requester can cancel a change request",
                ))
            }
        })?;
        let r = decide(store, ctx, &who, &id, ChangeRequestStatus::Cancelled, None)?;
        json_answer(StatusCode::OK, &ChangeRequestAnswer { change_request: r })
    })
    .await
}

/// `GET /subscriptions/{id}/history`: newest first. A page token `eN`
/// continues with the events older than the N-th oldest, so it stays
/// valid while new events arrive.
pub async fn history(
    State(sh): State<Arc<Shared>>,
    who: Authed,
    Id(id): Id,
    query: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let q = match query {
        Ok(Query(q)) => q,
        Err(e) => {
            return Failure::bad_request(format!("invalid query: {}", e.body_text()))
                .into_response();
        }
    };
    let token = q.page_token.clone();
    let (size, _) = match page_params(&PageQuery {
        page_size: q.page_size,
        page_token: None,
    }) {
        Ok(p) => p,
        Err(f) => return f.into_response(),
    };
    let bad_token = || {
        Failure::bad_request("page_token is not one this server gave").with("field", "page_token")
    };
    let before = match token.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(t) => match t.strip_prefix('e').and_then(|n| n.parse::<usize>().ok()) {
            Some(n) => Some(n),
            None => return bad_token().into_response(),
        },
    };
    let page = sh
        .with(|store, _| {
            store.sub_of(&who.tenant, &id)?;
            let all = store.history.get(&id).map_or(&[][..], Vec::as_slice);
            let end = before.unwrap_or(all.len());
            if end > all.len() {
                return Some(Err(bad_token()));
            }
            let start = end.saturating_sub(size);
            Some(Ok(HistoryPage {
                events: all[start..end].iter().rev().cloned().collect(),
                next_page_token: (start > 0).then(|| format!("e{start}")),
            }))
        })
        .await;
    match page {
        Some(Ok(p)) => reply(StatusCode::OK, &p),
        Some(Err(f)) => f.into_response(),
        None => Failure::not_found("subscription").into_response(),
    }
}
