//! Operation tracking: poll `GET /operations/{id}` with backoff until the
//! operation succeeded or failed, reporting progress (elapsed vs. the SLA).

use std::time::Duration;

use tokio::time::Instant;

use super::{PortalClient, PortalError};
use crate::api;
use crate::domain::OperationStatus;

/// First pause between polls.
const FIRST_POLL: Duration = Duration::from_millis(500);
/// Longest pause between polls.
const MAX_POLL: Duration = Duration::from_secs(10);

/// One progress report, sent after every poll.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackProgress {
    pub operation_id: String,
    /// Time since tracking started.
    pub elapsed: Duration,
    /// The provisioning SLA (from `GET /policy`).
    pub sla: Duration,
    /// The latest state read, if any poll succeeded yet.
    pub operation: Option<api::OperationDto>,
    /// The error of the latest poll, if it failed (tracking goes on).
    pub last_error: Option<PortalError>,
    /// Polls made so far.
    pub polls: u32,
}

impl TrackProgress {
    /// Past the SLA and still not finished.
    pub fn overdue(&self) -> bool {
        self.elapsed > self.sla
    }
}

/// The pause before poll number `n` (0-based): 0.5 s, then x1.5 up to 10 s,
/// never longer than a tenth of the SLA (and never under 100 ms).
pub(crate) fn poll_interval(n: u32, sla: Duration) -> Duration {
    let mut d = FIRST_POLL;
    for _ in 0..n.min(20) {
        d = d.mul_f64(1.5);
    }
    let cap = MAX_POLL.min(sla / 10).max(Duration::from_millis(100));
    d.min(cap)
}

/// Poll until the operation is `succeeded` or `failed` and return it.
///
/// Transient errors (network, timeout, 5xx, 429, garbage) are reported in
/// [`TrackProgress::last_error`] and polling goes on; errors that cannot get
/// better (session expired, not found) end tracking. Tracking gives up with
/// [`PortalError::StillPending`] at three times the SLA (at least one minute
/// later than the SLA); the operation itself is unaffected and the caller may
/// track it again. Drop the future to stop tracking early.
pub async fn track_operation(
    client: &PortalClient,
    op_id: &str,
    sla: Duration,
    mut progress: impl FnMut(TrackProgress),
) -> Result<api::OperationDto, PortalError> {
    let start = Instant::now();
    let give_up = sla.saturating_mul(3).max(sla + Duration::from_secs(60));
    let mut last: Option<api::OperationDto> = None;
    let mut polls: u32 = 0;
    loop {
        let result = client.operation(op_id).await;
        polls = polls.saturating_add(1);
        let last_error = match result {
            Ok(op) => {
                let done = op.status != OperationStatus::Pending;
                last = Some(op.clone());
                progress(TrackProgress {
                    operation_id: op_id.to_string(),
                    elapsed: start.elapsed(),
                    sla,
                    operation: Some(op.clone()),
                    last_error: None,
                    polls,
                });
                if done {
                    tracing::info!(operation = %op_id, status = ?op.status, "operation finished");
                    return Ok(op);
                }
                None
            }
            Err(e) if e.is_transient() => Some(e),
            Err(e) => {
                tracing::warn!(operation = %op_id, error = %e, "operation tracking stopped");
                return Err(e);
            }
        };
        if let Some(e) = &last_error {
            tracing::warn!(operation = %op_id, error = %e, "operation poll failed; will retry");
            progress(TrackProgress {
                operation_id: op_id.to_string(),
                elapsed: start.elapsed(),
                sla,
                operation: last.clone(),
                last_error: last_error.clone(),
                polls,
            });
        }
        if start.elapsed() >= give_up {
            return Err(PortalError::StillPending {
                operation_id: op_id.to_string(),
            });
        }
        let mut wait = poll_interval(polls.saturating_sub(1), sla);
        if let Some(PortalError::RateLimited { retry_after_secs }) = &last_error {
            wait = wait.max(Duration::from_secs(*retry_after_secs));
        }
        tokio::time::sleep(wait).await;
    }
}

/// Follow change request `id` until it is no longer awaiting approval, or
/// until `deadline` passes. Returns the last state read (`None`: none was
/// read before the deadline); `progress` sees every state read. Transient
/// failures are retried with the same backoff as [`track_operation`]; any
/// other ends it. The TUI's tracker and `licencias change --wait` both
/// follow requests with this.
pub async fn track_request(
    client: &PortalClient,
    id: &str,
    deadline: Option<Instant>,
    mut progress: impl FnMut(&api::ChangeRequestDto),
) -> Result<Option<api::ChangeRequestDto>, PortalError> {
    let mut last: Option<api::ChangeRequestDto> = None;
    let mut pause = FIRST_POLL;
    loop {
        if last
            .as_ref()
            .is_some_and(|r| r.status != api::ChangeRequestStatus::AwaitingApproval)
        {
            return Ok(last);
        }
        let now = Instant::now();
        let wait = match deadline {
            Some(d) if now >= d => return Ok(last),
            Some(d) => pause.min(d - now),
            None => pause,
        };
        tokio::time::sleep(wait).await;
        pause = pause.mul_f64(1.5).min(MAX_POLL);
        match client.change_request(id).await {
            Ok(fresh) => {
                progress(&fresh);
                last = Some(fresh);
            }
            Err(e) if e.is_transient() => {
                tracing::warn!(request = %id, error = %e, "change request poll failed; will retry");
            }
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polls_back_off_and_stay_capped() {
        let sla = Duration::from_secs(300);
        assert_eq!(poll_interval(0, sla), Duration::from_millis(500));
        assert!(poll_interval(1, sla) > poll_interval(0, sla));
        assert_eq!(poll_interval(50, sla), Duration::from_secs(10));
        // a short SLA polls more often
        assert_eq!(
            poll_interval(50, Duration::from_secs(5)),
            Duration::from_millis(500)
        );
        assert_eq!(
            poll_interval(50, Duration::from_millis(10)),
            Duration::from_millis(100)
        );
    }

    #[test]
    fn overdue_compares_with_the_sla() {
        let p = TrackProgress {
            operation_id: "op".into(),
            elapsed: Duration::from_secs(301),
            sla: Duration::from_secs(300),
            operation: None,
            last_error: None,
            polls: 1,
        };
        assert!(p.overdue());
    }
}
