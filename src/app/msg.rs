//! Messages into `update`, actions from keys, and effects out of it. All plain
//! data: the runner turns effects into I/O and I/O results into messages.

use chrono::{DateTime, Utc};
use secrecy::SecretString;

use crate::api::{
    ChangeRequest, ChangeRequestDto, HistoryEvent, MeResponse, MfaStep, OperationDto,
    ScheduledChangeDto, ServiceDto, SubscriptionDto, UserInfo,
};
use crate::domain::Policy;

use super::key::Key;
use crate::secrets::StoreKind;

/// Identifies one request. A result is applied only while its id is still the
/// one its destination waits for (latest wins); stale results are dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RequestId(pub u64);

pub use crate::i18n::vocab::Failure;

/// The portal's answer to username + password.
#[derive(Debug, Clone)]
pub struct LoginAnswer {
    pub mfa_token: SecretString,
    pub step: MfaStep,
    pub expires_in: u64,
}

/// The enrolment answer: the TOTP secret.
#[derive(Clone)]
pub struct EnrolAnswer {
    pub otpauth_uri: String,
    /// Base32.
    pub secret: String,
}

impl std::fmt::Debug for EnrolAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EnrolAnswer([redacted])")
    }
}

impl Drop for EnrolAnswer {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.otpauth_uri);
        zeroize::Zeroize::zeroize(&mut self.secret);
    }
}

/// A signed-in session (tokens stay inside the portal client).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    pub user: UserInfo,
    pub access_expires_at: DateTime<Utc>,
    pub refresh_expires_at: DateTime<Utc>,
}

/// What the portal did with a confirmed change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeOutcome {
    /// Immediate change accepted: provisioning runs (track it).
    Accepted(OperationDto),
    /// Change stored for the renewal date.
    Scheduled(ScheduledChangeDto),
    /// A second person must approve: the change request, nothing applied yet.
    AwaitingApproval(Box<ChangeRequestDto>),
}

/// Everything that can happen to the model.
#[derive(Debug, Clone)]
pub enum Msg {
    /// First message: emits the start-up effects.
    Started { now: DateTime<Utc> },
    /// A key press (resolved through text fields and the keymap).
    Key { key: Key, now: DateTime<Utc> },
    /// An action, as if from a key (tests, scripted input).
    Action {
        action: super::Action,
        now: DateTime<Utc>,
    },
    /// Time passes: spinners, countdowns, toasts.
    Tick { now: DateTime<Utc> },
    /// The terminal was resized.
    Resize { width: u16, height: u16 },

    /// The active secret store (after the start-up probe).
    SecretStore { kind: StoreKind },
    /// The secret store failed and the app fell back to memory.
    SecretStoreDegraded { failure: Failure },
    PolicyLoaded {
        id: RequestId,
        result: Result<Policy, Failure>,
    },
    /// Start-up silent refresh with a stored refresh token. `Ok(None)`: no token stored.
    Resumed {
        id: RequestId,
        result: Result<Option<SessionInfo>, Failure>,
    },
    LoginAnswered {
        id: RequestId,
        result: Result<LoginAnswer, Failure>,
    },
    Enrolled {
        id: RequestId,
        result: Result<EnrolAnswer, Failure>,
    },
    Verified {
        id: RequestId,
        result: Result<SessionInfo, Failure>,
    },
    ServicesLoaded {
        id: RequestId,
        result: Result<Vec<ServiceDto>, Failure>,
    },
    SubscriptionLoaded {
        id: RequestId,
        subscription_id: String,
        result: Result<SubscriptionDto, Failure>,
    },
    /// `GET /me` answered.
    MeLoaded {
        id: RequestId,
        result: Result<MeResponse, Failure>,
    },
    /// A subscription's history (newest first).
    HistoryLoaded {
        id: RequestId,
        subscription_id: String,
        result: Result<Vec<HistoryEvent>, Failure>,
    },
    /// Answer to a confirmed change (the audit line is already written).
    ChangeSubmitted {
        id: RequestId,
        result: Result<ChangeOutcome, Failure>,
    },
    ScheduledChangeCancelled {
        id: RequestId,
        subscription_id: String,
        result: Result<(), Failure>,
    },
    /// A poll of a tracked operation (still pending or finished).
    OperationProgress {
        operation: OperationDto,
        now: DateTime<Utc>,
    },
    /// Tracking ended: the final operation, or why tracking stopped.
    OperationFinished {
        operation_id: String,
        result: Result<OperationDto, Failure>,
        now: DateTime<Utc>,
    },
    /// The tenant's requests awaiting approval.
    ApprovalsLoaded {
        id: RequestId,
        result: Result<Vec<ChangeRequestDto>, Failure>,
    },
    /// Answer to approve, reject or cancel (with the operation of an
    /// approved immediate change).
    RequestDecided {
        id: RequestId,
        result: Result<(ChangeRequestDto, Option<OperationDto>), Failure>,
    },
    /// A followed change request, as read now (sent on every change of status).
    RequestProgress {
        request: ChangeRequestDto,
        now: DateTime<Utc>,
    },
    /// Following a change request stopped (a failure that will not pass).
    RequestTrackingStopped {
        request_id: String,
        failure: Failure,
        now: DateTime<Utc>,
    },
    /// Logout done (or failed: the local session is gone either way).
    LoggedOut { id: RequestId },
    /// An audit append failed (the change itself went through).
    AuditFailed { failure: Failure },
}

/// What an approver (or the requester) decides about a change request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject {
        reason: String,
    },
    /// The requester withdraws their own request.
    Cancel,
}

/// One audit line (`crate::audit::AuditRecord`, plain data); the runner
/// appends it with `audit::AuditLog`, flushed before the UI says "confirmed".
pub use crate::audit::{AuditRecord as AuditEntry, AuditStatus};

/// Work for the runner. Plain data; no closures, no handles.
#[derive(Debug, Clone)]
pub enum Effect {
    /// Probe the secret stores and report [`Msg::SecretStore`].
    ProbeSecretStore,
    LoadPolicy {
        id: RequestId,
    },
    /// Load the stored refresh token for `username` and refresh silently.
    Resume {
        id: RequestId,
        username: String,
    },
    /// Demo only (`--signed-in`): sign in as the demo user without typing.
    DemoSignIn {
        id: RequestId,
        username: String,
        password: SecretString,
    },
    Login {
        id: RequestId,
        username: String,
        password: SecretString,
    },
    Enroll {
        id: RequestId,
        mfa_token: SecretString,
    },
    Verify {
        id: RequestId,
        mfa_token: SecretString,
        code: SecretString,
    },
    LoadServices {
        id: RequestId,
    },
    LoadSubscription {
        id: RequestId,
        subscription_id: String,
    },
    /// `GET /me`: the user's roles and the tenant's approval mode.
    LoadMe {
        id: RequestId,
    },
    /// A subscription's history, newest first: the last `limit` events, or
    /// all of them.
    LoadHistory {
        id: RequestId,
        subscription_id: String,
        limit: Option<usize>,
    },
    /// Send a change the user saw in Review and confirmed. The runner appends
    /// `audit` (status `submitted`) before sending, and the outcome line
    /// (`accepted`, `scheduled`, `refused`, `conflict`, `error`) before it
    /// reports [`Msg::ChangeSubmitted`]. If the first line cannot be written
    /// the change is not sent (`Failure::Audit`).
    SubmitChange {
        id: RequestId,
        subscription_id: String,
        request: ChangeRequest,
        idempotency_key: String,
        audit: AuditEntry,
    },
    /// Poll the operation until it finishes; progress as [`Msg::OperationProgress`].
    TrackOperation {
        operation_id: String,
        sla_seconds: u64,
    },
    CancelScheduledChange {
        id: RequestId,
        subscription_id: String,
    },
    /// `GET /change-requests?status=awaiting_approval`.
    LoadApprovals {
        id: RequestId,
    },
    /// Approve, reject (with `reason`) or cancel a change request; on
    /// success the runner appends `audit` (approved, rejected, cancelled).
    DecideRequest {
        id: RequestId,
        request_id: String,
        decision: Decision,
        idempotency_key: String,
        audit: AuditEntry,
    },
    /// Follow a change request until it is decided; every change of its
    /// status as [`Msg::RequestProgress`].
    TrackRequest {
        request_id: String,
    },
    /// Log out at the portal and delete the stored refresh token.
    Logout {
        id: RequestId,
        username: String,
    },
    /// Keep the (rotating) refresh token in the secret store for `username`.
    SaveRefreshToken {
        username: String,
    },
    AppendAudit(AuditEntry),
    /// Remember the username in the config file.
    RememberUsername {
        username: String,
    },
    Quit,
}
