//! Two-person approval and change history on the client side: `GET /me`,
//! the change-request routes and `GET /subscriptions/{id}/history`.
//!
//! Decisions (approve, reject, cancel) carry an `Idempotency-Key` and are
//! retried with the same key like a change: the portal replays its first
//! answer, so a decision is never taken twice.

use reqwest::Method;

use super::{MAX_PAGES, PAGE_SIZE, PortalClient, PortalError, Req, path_segment};
use crate::api::{self, ChangeRequestStatus};

/// Events asked for per history page.
const HISTORY_PAGE_SIZE: u32 = 50;

/// Refuse an empty key before sending (what the portal would answer).
fn require_key(idempotency_key: &str) -> Result<(), PortalError> {
    if idempotency_key.trim().is_empty() {
        return Err(PortalError::Server {
            status: 400,
            code: Some(api::ErrorCode::IdempotencyKeyRequired),
            message: "a decision needs an Idempotency-Key".into(),
        });
    }
    Ok(())
}

/// Follow `next_page_token`s, refusing a portal that loops.
fn next_token(
    current: &Option<String>,
    next: Option<String>,
) -> Result<Option<String>, PortalError> {
    match next {
        Some(next) if !next.is_empty() => {
            if current.as_deref() == Some(next.as_str()) {
                return Err(PortalError::Decode(
                    "the portal returned the same page token twice".into(),
                ));
            }
            Ok(Some(next))
        }
        _ => Ok(None),
    }
}

impl PortalClient {
    /// `GET /me`: who is signed in, their roles and the tenant's approval mode.
    pub async fn me(&self) -> Result<api::MeResponse, PortalError> {
        let req = Req::new(Method::GET, "me");
        self.call(&req).await
    }

    /// `GET /change-requests` (the caller's tenant), every page; only those
    /// with `status` when given.
    pub async fn change_requests(
        &self,
        status: Option<ChangeRequestStatus>,
    ) -> Result<Vec<api::ChangeRequestDto>, PortalError> {
        let mut all = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut req = Req::new(Method::GET, "change-requests");
            if let Some(s) = status {
                req.query.push(("status", s.as_str().to_string()));
            }
            req.query.push(("page_size", PAGE_SIZE.to_string()));
            if let Some(t) = &token {
                req.query.push(("page_token", t.clone()));
            }
            let page: api::ChangeRequestsPage = self.call(&req).await?;
            all.extend(page.change_requests);
            match next_token(&token, page.next_page_token)? {
                Some(next) => token = Some(next),
                None => return Ok(all),
            }
        }
        Err(PortalError::Decode(
            "too many pages in the change requests listing".into(),
        ))
    }

    /// `GET /change-requests/{id}`.
    pub async fn change_request(&self, id: &str) -> Result<api::ChangeRequestDto, PortalError> {
        let req = Req::new(Method::GET, format!("change-requests/{}", path_segment(id)));
        let answer: api::ChangeRequestAnswer = self.call(&req).await?;
        Ok(answer.change_request)
    }

    /// `POST /change-requests/{id}/approve`: the request as approved, with
    /// the operation (immediate change) or the scheduled change (at renewal).
    pub async fn approve(
        &self,
        id: &str,
        idempotency_key: &str,
    ) -> Result<api::ApproveAnswer, PortalError> {
        require_key(idempotency_key)?;
        let mut req = Req::new(
            Method::POST,
            format!("change-requests/{}/approve", path_segment(id)),
        );
        req.idempotency_key = Some(idempotency_key);
        req.retryable = true;
        self.call(&req).await
    }

    /// `POST /change-requests/{id}/reject` with the reason (1 to 500 characters).
    pub async fn reject(
        &self,
        id: &str,
        reason: &str,
        idempotency_key: &str,
    ) -> Result<api::ChangeRequestDto, PortalError> {
        require_key(idempotency_key)?;
        let body = api::RejectRequest {
            reason: reason.to_string(),
        };
        let mut req = Req::new(
            Method::POST,
            format!("change-requests/{}/reject", path_segment(id)),
        )
        .json(&body)?;
        req.idempotency_key = Some(idempotency_key);
        req.retryable = true;
        let answer: api::ChangeRequestAnswer = self.call(&req).await?;
        Ok(answer.change_request)
    }

    /// `POST /change-requests/{id}/cancel` (the requester's own request).
    pub async fn cancel_request(
        &self,
        id: &str,
        idempotency_key: &str,
    ) -> Result<api::ChangeRequestDto, PortalError> {
        require_key(idempotency_key)?;
        let mut req = Req::new(
            Method::POST,
            format!("change-requests/{}/cancel", path_segment(id)),
        );
        req.idempotency_key = Some(idempotency_key);
        req.retryable = true;
        let answer: api::ChangeRequestAnswer = self.call(&req).await?;
        Ok(answer.change_request)
    }

    /// `GET /subscriptions/{id}/history`, newest first: pages are followed
    /// until `limit` events are read (`None`: the whole history).
    pub async fn history(
        &self,
        id: &str,
        limit: Option<usize>,
    ) -> Result<Vec<api::HistoryEvent>, PortalError> {
        let mut all = Vec::new();
        let mut token: Option<String> = None;
        let page_size = limit
            .and_then(|n| u32::try_from(n).ok())
            .map_or(HISTORY_PAGE_SIZE, |n| n.clamp(1, HISTORY_PAGE_SIZE));
        for _ in 0..MAX_PAGES {
            let mut req = Req::new(
                Method::GET,
                format!("subscriptions/{}/history", path_segment(id)),
            );
            req.query.push(("page_size", page_size.to_string()));
            if let Some(t) = &token {
                req.query.push(("page_token", t.clone()));
            }
            let page: api::HistoryPage = self.call(&req).await?;
            all.extend(page.events);
            if let Some(n) = limit
                && all.len() >= n
            {
                all.truncate(n);
                return Ok(all);
            }
            match next_token(&token, page.next_page_token)? {
                Some(next) => token = Some(next),
                None => return Ok(all),
            }
        }
        Err(PortalError::Decode("too many pages in the history".into()))
    }
}
