//! The audit log: one JSON line per event of a confirmed change, in
//! `$XDG_DATA_HOME/licencias/audit.jsonl` (mode 0600, append only).
//!
//! Semantics (append, never rewrite): a change gets a line with status
//! `submitted` when the user confirms it (before the request goes out), then
//! one line per outcome: `accepted` (202, with the operation id), `scheduled`
//! (200), `refused`, `conflict`, `error` (the request's fate is unknown or it
//! failed), and for an accepted change, once tracked, `succeeded` or
//! `failed`. All lines of one change share its `idempotency_key`; the last
//! line for a key is the change's final status. Every append is flushed and
//! fsynced before it returns, so the UI says "confirmed" only after the line
//! is on disk.
//!
//! Every line also says where the change was confirmed: `"via": "tui"` or
//! `"via": "cli"` (stamped by the [`AuditLog`] that writes it; older lines
//! without it still read).
//!
//! No secret is ever written here: no token, password or code.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::api::{ChangeRequestDto, EffectiveDto};
use crate::domain::Quantity;
use crate::portal::{ChangeOutcome, PortalError};

/// Where a change was confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// The terminal interface.
    #[default]
    Tui,
    /// A scripting command (`licencias change`).
    Cli,
}

/// What happened to the change, as of this line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditStatus {
    /// Confirmed by the user; the request is about to go out.
    Submitted,
    /// Immediate change accepted by the portal (provisioning).
    Accepted,
    /// Change at renewal recorded by the portal.
    Scheduled,
    /// Provisioning finished: the new quantity is in place.
    Succeeded,
    /// Provisioning failed on the portal.
    Failed,
    /// The portal refused the change by its rules.
    Refused,
    /// The subscription had changed meanwhile (409): nothing was applied.
    Conflict,
    /// The request failed or its answer was lost; see `detail`.
    Error,
    /// Sent for a second person's approval (`change_request_id` set).
    Requested,
    /// This user approved another user's change request.
    Approved,
    /// This user rejected another user's change request (`detail`: the reason).
    Rejected,
    /// This user cancelled their own change request.
    Cancelled,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// When this line was written.
    pub time: DateTime<Utc>,
    /// Portal base URL.
    pub portal: String,
    /// Username who confirmed the change.
    pub user: String,
    /// Subscription id.
    pub subscription: String,
    /// Quantity before the change (as shown in the review step).
    pub from: Quantity,
    /// Requested total.
    pub to: Quantity,
    /// `now` or `renewal`.
    pub effective: EffectiveDto,
    /// Effective date for a change at renewal, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_date: Option<NaiveDate>,
    /// The user's approval reference (ticket), if typed.
    pub approval_reference: Option<String>,
    /// The key sent with every attempt of this change.
    pub idempotency_key: String,
    /// The portal's operation id, once known.
    pub operation_id: Option<String>,
    /// The change request, in a tenant where a second person approves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_request_id: Option<String>,
    /// Status as of this line.
    pub status: AuditStatus,
    /// A short explanation for `refused`, `conflict`, `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The subscription version the change was confirmed against (what a
    /// retry with the same key must send again to be replayed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<u64>,
}

/// One line as written: the record and where it was confirmed.
#[derive(Serialize)]
struct LineOut<'a> {
    #[serde(flatten)]
    record: &'a AuditRecord,
    via: Via,
}

/// One line as read back (`via` is missing on lines older than it).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AuditLine {
    #[serde(flatten)]
    pub record: AuditRecord,
    #[serde(default)]
    pub via: Option<Via>,
}

impl AuditRecord {
    /// The same change with a new status (time set to now).
    pub fn with_status(&self, status: AuditStatus) -> Self {
        Self {
            time: Utc::now(),
            status,
            ..self.clone()
        }
    }

    /// The line of `user`'s decision on a change request: `approved`,
    /// `rejected` (`detail`: the reason) or `cancelled`, carrying the
    /// request id, so the requester's and the approver's logs tell one story.
    /// The TUI and the scripts both write it.
    pub fn decision(
        time: DateTime<Utc>,
        portal: &str,
        user: &str,
        cr: &ChangeRequestDto,
        status: AuditStatus,
        idempotency_key: &str,
    ) -> Self {
        Self {
            time,
            portal: portal.to_string(),
            user: user.to_string(),
            subscription: cr.subscription_id.clone(),
            from: cr.from,
            to: cr.quantity,
            effective: cr.effective,
            effective_date: Some(cr.effective_date),
            approval_reference: cr.approval_reference.clone(),
            idempotency_key: idempotency_key.to_string(),
            operation_id: cr.operation_id.clone(),
            change_request_id: Some(cr.id.clone()),
            status,
            detail: cr.reason.clone(),
            expected_version: None,
        }
    }

    /// The line that records the portal's answer to this change (the
    /// `submitted` line), time set to now: `accepted` with the operation,
    /// `scheduled` with its date, `refused`, `conflict` or `error`.
    pub fn outcome(&self, result: &Result<ChangeOutcome, PortalError>) -> Self {
        let mut line = self.with_status(AuditStatus::Error);
        match result {
            Ok(ChangeOutcome::Accepted(op)) => {
                line.status = AuditStatus::Accepted;
                line.operation_id = Some(op.id.clone());
            }
            Ok(ChangeOutcome::Scheduled(sc)) => {
                line.status = AuditStatus::Scheduled;
                line.effective_date = Some(sc.effective_date);
            }
            Ok(ChangeOutcome::AwaitingApproval(cr)) => {
                line.status = AuditStatus::Requested;
                line.effective_date = Some(cr.effective_date);
                line.change_request_id = Some(cr.id.clone());
            }
            Err(PortalError::Refused(r)) => {
                line.status = AuditStatus::Refused;
                line.detail = Some(r.to_string());
            }
            // One request already awaiting, a role missing: a rule of
            // two-person approval refused it.
            Err(e @ PortalError::Server { code: Some(c), .. }) if c.is_approval() => {
                line.status = AuditStatus::Refused;
                line.detail = Some(format!("{}: {e}", c.as_str()));
            }
            Err(PortalError::VersionConflict(fresh)) => {
                line.status = AuditStatus::Conflict;
                line.detail = Some(format!("version {}", fresh.version));
            }
            Err(e) => {
                line.status = AuditStatus::Error;
                line.detail = Some(e.to_string());
            }
        }
        line
    }
}

/// The audit log could not be written: the UI must not say "confirmed".
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("cannot write the audit log {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot encode an audit record: {0}")]
    Encode(String),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
}

/// The append-only audit log file.
#[derive(Debug, Clone)]
pub struct AuditLog {
    path: PathBuf,
    via: Via,
}

impl AuditLog {
    /// The log at `path`, its lines marked as confirmed in the TUI (see [`Self::via`]).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            via: Via::Tui,
        }
    }

    /// `$XDG_DATA_HOME/licencias/audit.jsonl`.
    pub fn open_default() -> Result<Self, AuditError> {
        Ok(Self::new(crate::config::default_audit_path()?))
    }

    /// The same log, its lines marked `"via": via`.
    pub fn via(mut self, via: Via) -> Self {
        self.via = via;
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Append one line, flushed and fsynced before returning (blocking).
    pub fn append(&self, record: &AuditRecord) -> Result<(), AuditError> {
        let out = LineOut {
            record,
            via: self.via,
        };
        let mut line = serde_json::to_vec(&out).map_err(|e| AuditError::Encode(e.to_string()))?;
        line.push(b'\n');
        let io = |source| AuditError::Io {
            path: self.path.clone(),
            source,
        };
        if let Some(dir) = self.path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut opts = std::fs::OpenOptions::new();
        opts.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&self.path).map_err(io)?;
        // One write: O_APPEND keeps concurrent writers' lines whole.
        f.write_all(&line).map_err(io)?;
        f.flush().map_err(io)?;
        f.sync_data().map_err(io)?;
        Ok(())
    }

    /// [`Self::append`] on a blocking thread (for async callers).
    pub async fn append_async(&self, record: AuditRecord) -> Result<(), AuditError> {
        let log = self.clone();
        match tokio::task::spawn_blocking(move || log.append(&record)).await {
            Ok(r) => r,
            Err(e) => Err(AuditError::Io {
                path: self.path.clone(),
                source: std::io::Error::other(e.to_string()),
            }),
        }
    }

    /// Every record in the file (unreadable lines are skipped).
    pub fn read_all(&self) -> Result<Vec<AuditRecord>, AuditError> {
        Ok(self.read_lines()?.into_iter().map(|l| l.record).collect())
    }

    /// Every line in the file with where it was confirmed (unreadable lines
    /// are skipped).
    pub fn read_lines(&self) -> Result<Vec<AuditLine>, AuditError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(AuditError::Io {
                    path: self.path.clone(),
                    source,
                });
            }
        };
        Ok(text
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect())
    }

    /// The last record of each change (its final status), in first-seen order.
    pub fn final_records(&self) -> Result<Vec<AuditRecord>, AuditError> {
        let mut out: Vec<AuditRecord> = Vec::new();
        for r in self.read_all()? {
            if let Some(existing) = out
                .iter_mut()
                .find(|e| e.idempotency_key == r.idempotency_key)
            {
                *existing = r;
            } else {
                out.push(r);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(key: &str) -> AuditRecord {
        AuditRecord {
            time: Utc::now(),
            portal: "http://127.0.0.1:1".into(),
            user: "demo".into(),
            subscription: "sub-bs".into(),
            from: 10,
            to: 12,
            effective: EffectiveDto::Now,
            effective_date: None,
            approval_reference: Some("TCK-1".into()),
            idempotency_key: key.into(),
            operation_id: None,
            change_request_id: None,
            status: AuditStatus::Submitted,
            detail: None,
            expected_version: Some(3),
        }
    }

    #[test]
    fn lines_say_where_they_were_confirmed_and_old_lines_still_read() {
        let dir = std::env::temp_dir().join(format!("licencias-audit-{}", uuid::Uuid::new_v4()));
        let path = dir.join("audit.jsonl");
        AuditLog::new(&path).append(&record("tui")).unwrap();
        AuditLog::new(&path)
            .via(Via::Cli)
            .append(&record("cli"))
            .unwrap();
        // A line written before `via` and `expected_version` existed.
        let old = r#"{"time":"2026-11-20T10:00:00Z","portal":"http://127.0.0.1:1","user":"demo","subscription":"sub-bs","from":10,"to":12,"effective":"now","approval_reference":null,"idempotency_key":"old","operation_id":null,"status":"submitted"}"#;
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str(old);
        text.push('\n');
        std::fs::write(&path, text).unwrap();
        let lines = AuditLog::new(&path).read_lines().unwrap();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0].via, Some(Via::Tui));
        assert_eq!(lines[1].via, Some(Via::Cli));
        assert_eq!(lines[1].record.expected_version, Some(3));
        assert_eq!(lines[2].via, None);
        assert_eq!(lines[2].record.idempotency_key, "old");
        assert_eq!(lines[2].record.expected_version, None);
        let raw: serde_json::Value = serde_json::from_str(
            std::fs::read_to_string(&path)
                .unwrap()
                .lines()
                .nth(1)
                .unwrap(),
        )
        .unwrap();
        assert_eq!(raw["via"], "cli");
    }

    #[test]
    fn the_outcome_line_follows_the_answer() {
        let sub = record("k");
        let op = crate::api::OperationDto {
            id: "op-9".into(),
            subscription_id: "sub-bs".into(),
            status: crate::domain::OperationStatus::Pending,
            target_quantity: 12,
            submitted_at: Utc::now(),
            completed_at: None,
        };
        let line = sub.outcome(&Ok(ChangeOutcome::Accepted(op)));
        assert_eq!(line.status, AuditStatus::Accepted);
        assert_eq!(line.operation_id.as_deref(), Some("op-9"));
        let line = sub.outcome(&Err(PortalError::Timeout));
        assert_eq!(line.status, AuditStatus::Error);
        assert!(line.detail.is_some());
        let line = sub.outcome(&Err(PortalError::Refused(
            crate::domain::Refusal::Unchanged { quantity: 10 },
        )));
        assert_eq!(line.status, AuditStatus::Refused);
        assert_eq!(line.idempotency_key, "k");
    }

    #[test]
    fn decisions_and_approval_refusals_carry_the_request() {
        let cr: ChangeRequestDto = serde_json::from_value(serde_json::json!({
            "id": "cr-1", "subscription_id": "sub-bs", "subscription_name": "BS",
            "from": 10, "quantity": 4, "effective": "now", "effective_date": "2026-11-22",
            "approval_reference": "TCK-1", "warnings": ["large-reduction"],
            "requested_by": {"username": "rita", "display_name": "Rita"},
            "requested_at": "2026-11-22T15:00:00Z", "expires_at": "2026-11-25T15:00:00Z",
            "status": "rejected", "decided_by": {"username": "anna", "display_name": "Anna"},
            "decided_at": "2026-11-22T16:00:00Z", "reason": "no budget", "operation_id": null
        }))
        .unwrap();
        let line = AuditRecord::decision(
            Utc::now(),
            "http://p",
            "anna",
            &cr,
            AuditStatus::Rejected,
            "k-9",
        );
        assert_eq!(line.change_request_id.as_deref(), Some("cr-1"));
        assert_eq!((line.from, line.to), (10, 4));
        assert_eq!(line.user, "anna");
        assert_eq!(line.detail.as_deref(), Some("no budget"));
        assert_eq!(line.idempotency_key, "k-9");
        let pending = Err(PortalError::Server {
            status: 422,
            code: Some(crate::api::ErrorCode::ApprovalPending),
            message: "a request awaits".into(),
        });
        let line = record("k").outcome(&pending);
        assert_eq!(line.status, AuditStatus::Refused);
        assert!(line.detail.unwrap().starts_with("approval_pending"));
        let internal = Err(PortalError::Server {
            status: 500,
            code: Some(crate::api::ErrorCode::Internal),
            message: "boom".into(),
        });
        assert_eq!(record("k").outcome(&internal).status, AuditStatus::Error);
    }

    #[tokio::test]
    async fn lines_append_and_the_last_one_is_final() {
        let dir = std::env::temp_dir().join(format!("licencias-audit-{}", uuid::Uuid::new_v4()));
        let log = AuditLog::new(dir.join("a").join("audit.jsonl"));
        let a = record("k1");
        log.append(&a).unwrap();
        let mut accepted = a.with_status(AuditStatus::Accepted);
        accepted.operation_id = Some("op-1".into());
        log.append_async(accepted.clone()).await.unwrap();
        log.append(&record("k2")).unwrap();
        log.append(&accepted.with_status(AuditStatus::Succeeded))
            .unwrap();
        let all = log.read_all().unwrap();
        assert_eq!(all.len(), 4);
        let finals = log.final_records().unwrap();
        assert_eq!(finals.len(), 2);
        assert_eq!(finals[0].status, AuditStatus::Succeeded);
        assert_eq!(finals[0].operation_id.as_deref(), Some("op-1"));
        assert_eq!(finals[1].status, AuditStatus::Submitted);
        let text = std::fs::read_to_string(log.path()).unwrap();
        assert_eq!(text.lines().count(), 4);
        let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        for field in [
            "time",
            "portal",
            "user",
            "subscription",
            "from",
            "to",
            "effective",
            "approval_reference",
            "idempotency_key",
            "operation_id",
            "status",
        ] {
            assert!(first.get(field).is_some(), "missing {field}");
        }
        assert_eq!(first["status"], "submitted");
        assert_eq!(first["effective"], "now");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(log.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn an_unwritable_place_is_an_error_not_a_panic() {
        let log = AuditLog::new("/proc/licencias-cannot-write/audit.jsonl");
        assert!(log.append(&record("k")).is_err());
    }
}
