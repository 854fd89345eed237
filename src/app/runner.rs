//! The runner: the only place in the app that awaits. It performs each
//! [`Effect`] on a tokio task with the portal client, the secret store, the
//! audit log and the config, and sends the result back as a [`Msg`] over a
//! channel. It never touches the model.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;
use tokio::sync::{OnceCell, mpsc};
use tokio::task::JoinHandle;

use crate::audit::{AuditLog, AuditStatus, Via};
use crate::portal::{self, KeptSession, PortalClient, PortalError};
use crate::secrets::{SecretStore, StoreChoice, StoreNotice};

use super::msg::*;

/// The clock of the app: the system clock, or a business clock that reads a
/// pinned instant at start and then runs in real time (the demo's `--clock`,
/// tests against a server with a pinned clock). Business dates (windows,
/// plans) use [`Clock::now`]; TOTP codes and token lifetimes use real time
/// (`Model::real_now`, from [`Clock::offset`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct Clock {
    offset: chrono::TimeDelta,
}

impl Clock {
    pub fn system() -> Self {
        Self::default()
    }
    /// Reads `start` now, then runs in real time.
    pub fn pinned(start: DateTime<Utc>) -> Self {
        Self {
            offset: start.signed_duration_since(Utc::now()),
        }
    }
    /// Business time.
    pub fn now(&self) -> DateTime<Utc> {
        let real = Utc::now();
        real.checked_add_signed(self.offset).unwrap_or(real)
    }
    /// Business time minus real time.
    pub fn offset(&self) -> chrono::TimeDelta {
        self.offset
    }
}

/// What the runner needs.
#[derive(Clone)]
pub struct RunnerConfig {
    pub client: PortalClient,
    /// The portal URL the model shows and the store keys tokens under.
    pub portal_url: String,
    pub secret_store: StoreChoice,
    /// A store opened already (tests); otherwise probed on first use.
    pub store: Option<SecretStore>,
    /// `None`: the XDG default.
    pub audit_path: Option<PathBuf>,
    /// `None`: the username is not remembered.
    pub config_path: Option<PathBuf>,
    pub clock: Clock,
}

struct Shared {
    client: PortalClient,
    portal_url: String,
    choice: StoreChoice,
    store: OnceCell<SecretStore>,
    audit: Option<AuditLog>,
    audit_error: Option<String>,
    config_path: Option<PathBuf>,
    clock: Clock,
    tx: mpsc::UnboundedSender<Msg>,
    /// The user whose rotated refresh tokens are kept in the store
    /// (`None`: not persisted, e.g. the demo).
    persist_user: Mutex<Option<String>>,
}

impl Shared {
    async fn store(&self) -> &SecretStore {
        self.store
            .get_or_init(|| SecretStore::open(self.choice))
            .await
    }
    fn send(&self, msg: Msg) {
        // The loop is gone only when the app is quitting.
        let _ = self.tx.send(msg);
    }
    fn set_persist_user(&self, user: Option<String>) {
        *self
            .persist_user
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = user;
    }
    fn persist_user(&self) -> Option<String> {
        self.persist_user
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

/// Performs effects; results come back on the channel given to [`Runner::new`].
pub struct Runner {
    shared: Arc<Shared>,
    /// The runtime effects run on (the one `new` was called in), whatever
    /// thread `perform` is called from.
    rt: tokio::runtime::Handle,
    /// One-shot effect tasks.
    tasks: Vec<JoinHandle<()>>,
    /// Tasks that live as long as the runner (token keeper, store watcher).
    background: Vec<JoinHandle<()>>,
    tracking: HashMap<String, JoinHandle<()>>,
}

impl Runner {
    /// Must be called inside a tokio runtime. Starts the task that keeps
    /// rotated refresh tokens in the secret store.
    pub fn new(config: RunnerConfig, tx: mpsc::UnboundedSender<Msg>) -> Self {
        let (audit, audit_error) = match config.audit_path {
            Some(p) => (Some(AuditLog::new(p).via(Via::Tui)), None),
            None => match AuditLog::open_default() {
                Ok(a) => (Some(a.via(Via::Tui)), None),
                Err(e) => (None, Some(e.to_string())),
            },
        };
        let store = OnceCell::new();
        if let Some(s) = config.store {
            let _ = store.set(s);
        }
        let shared = Arc::new(Shared {
            client: config.client,
            portal_url: config.portal_url,
            choice: config.secret_store,
            store,
            audit,
            audit_error,
            config_path: config.config_path,
            clock: config.clock,
            tx,
            persist_user: Mutex::new(None),
        });
        let rt = tokio::runtime::Handle::current();
        Self {
            shared: shared.clone(),
            tasks: Vec::new(),
            background: vec![rt.spawn(keep_refresh_tokens(shared))],
            tracking: HashMap::new(),
            rt,
        }
    }

    /// The clock results are stamped with.
    pub fn now(&self) -> DateTime<Utc> {
        self.shared.clock.now()
    }

    /// Perform every effect (each on its own task; never blocks).
    pub fn perform_all(&mut self, effects: Vec<Effect>) {
        for e in effects {
            self.perform(e);
        }
    }

    /// Perform one effect on a task.
    pub fn perform(&mut self, effect: Effect) {
        self.tasks.retain(|t| !t.is_finished());
        self.tracking.retain(|_, t| !t.is_finished());
        let sh = self.shared.clone();
        match effect {
            Effect::Quit => {}
            Effect::ProbeSecretStore => self.background.push(self.rt.spawn(watch_store(sh))),
            Effect::TrackOperation {
                operation_id,
                sla_seconds,
            } => {
                if self.tracking.contains_key(&operation_id) {
                    return;
                }
                let id = operation_id.clone();
                let task = self.rt.spawn(async move {
                    let tx = sh.tx.clone();
                    let clock = sh.clock;
                    let result = portal::track_operation(
                        &sh.client,
                        &id,
                        Duration::from_secs(sla_seconds),
                        move |p| {
                            if let Some(operation) = p.operation {
                                let _ = tx.send(Msg::OperationProgress {
                                    operation,
                                    now: clock.now(),
                                });
                            }
                        },
                    )
                    .await;
                    sh.send(Msg::OperationFinished {
                        operation_id: id,
                        result: result.map_err(Failure::from),
                        now: sh.clock.now(),
                    });
                });
                self.tracking.insert(operation_id, task);
            }
            Effect::TrackRequest { request_id } => {
                let key = format!("request:{request_id}");
                if self.tracking.contains_key(&key) {
                    return;
                }
                let task = self.rt.spawn(follow_request(sh, request_id));
                self.tracking.insert(key, task);
            }
            other => self.tasks.push(self.rt.spawn(perform(sh, other))),
        }
    }
}

impl Runner {
    /// Wait until every one-shot effect started so far has finished (its
    /// message is on the channel). Tracking and background tasks are not
    /// waited for. For tests and an orderly quit.
    pub async fn flush(&mut self) {
        for t in self.tasks.drain(..) {
            let _ = t.await;
        }
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        for t in self.tasks.drain(..).chain(self.background.drain(..)) {
            t.abort();
        }
        for (_, t) in self.tracking.drain() {
            t.abort();
        }
    }
}

/// Save every rotated refresh token for the signed-in user; delete it when
/// the portal ends the session.
async fn keep_refresh_tokens(sh: Arc<Shared>) {
    let mut rx = sh.client.subscribe_refresh_tokens();
    while rx.changed().await.is_ok() {
        let token = rx.borrow_and_update().clone();
        // A kept session is saved by the client itself, under the lock.
        if sh.client.is_kept() {
            continue;
        }
        let Some(user) = sh.persist_user() else {
            continue;
        };
        let store = sh.store().await;
        match token {
            Some(t) => store.save(&sh.portal_url, &user, &t).await,
            None => store.delete(&sh.portal_url, &user).await,
        }
        report_store_notice(&sh, store);
    }
}

fn report_store_notice(sh: &Shared, store: &SecretStore) {
    if let Some(notice) = store.take_notice() {
        let reason = match &notice {
            StoreNotice::Unavailable { reason, .. } | StoreNotice::Degraded { reason, .. } => {
                reason.clone()
            }
        };
        sh.send(Msg::SecretStoreDegraded {
            failure: Failure::SecretStore(reason),
        });
    }
}

fn session_info(s: portal::Session) -> SessionInfo {
    SessionInfo {
        user: s.user,
        access_expires_at: s.access_expires_at,
        refresh_expires_at: s.refresh_expires_at,
    }
}

async fn perform(sh: Arc<Shared>, effect: Effect) {
    match effect {
        Effect::Resume { .. }
        | Effect::DemoSignIn { .. }
        | Effect::Login { .. }
        | Effect::Enroll { .. }
        | Effect::Verify { .. }
        | Effect::Logout { .. }
        | Effect::SaveRefreshToken { .. }
        | Effect::RememberUsername { .. } => perform_session(&sh, effect).await,
        Effect::LoadPolicy { .. }
        | Effect::LoadServices { .. }
        | Effect::LoadSubscription { .. }
        | Effect::LoadMe { .. }
        | Effect::LoadApprovals { .. }
        | Effect::DecideRequest { .. }
        | Effect::LoadHistory { .. }
        | Effect::SubmitChange { .. }
        | Effect::CancelScheduledChange { .. }
        | Effect::AppendAudit(_) => perform_data(&sh, effect).await,
        Effect::ProbeSecretStore
        | Effect::TrackOperation { .. }
        | Effect::TrackRequest { .. }
        | Effect::Quit => {}
    }
}

/// Signing in and out, and what is kept of a session.
async fn perform_session(sh: &Arc<Shared>, effect: Effect) {
    let c = &sh.client;
    match effect {
        Effect::Resume { id, username } => {
            let result = resume(sh, &username).await;
            sh.send(Msg::Resumed { id, result });
        }
        Effect::DemoSignIn {
            id,
            username,
            password,
        } => {
            // `demo --signed-in`: sign in as the demo user (the honest way:
            // login, enrol, verify with a computed code) unless the client
            // given to the app is signed in already. The first frame is
            // drawn meanwhile.
            let result = match c.session() {
                Some(s) => Ok(Some(session_info(s))),
                None => crate::portal::demo::sign_in_demo(c, &username, &password)
                    .await
                    .map(|s| Some(session_info(s)))
                    .map_err(Failure::from),
            };
            sh.send(Msg::Resumed { id, result });
        }
        Effect::Login {
            id,
            username,
            password,
        } => {
            let result = c
                .login(&username, &password)
                .await
                .map(|r| LoginAnswer {
                    mfa_token: r.mfa_token.as_str().into(),
                    step: r.mfa,
                    expires_in: r.expires_in,
                })
                .map_err(Failure::from);
            drop(password);
            sh.send(Msg::LoginAnswered { id, result });
        }
        Effect::Enroll { id, mfa_token } => {
            let result = c
                .enroll(mfa_token.expose_secret())
                .await
                .map(|r| EnrolAnswer {
                    otpauth_uri: r.otpauth_uri.clone(),
                    secret: r.secret.clone(),
                })
                .map_err(Failure::from);
            sh.send(Msg::Enrolled { id, result });
        }
        Effect::Verify {
            id,
            mfa_token,
            code,
        } => {
            let result = c
                .verify(mfa_token.expose_secret(), code.expose_secret())
                .await
                .map(session_info)
                .map_err(Failure::from);
            sh.send(Msg::Verified { id, result });
        }
        Effect::Logout { id, username } => {
            sh.set_persist_user(None);
            if let Err(e) = c.logout().await {
                tracing::info!(error = %e, "logout at the portal failed; the local session is gone");
            }
            sh.store().await.delete(&sh.portal_url, &username).await;
            sh.send(Msg::LoggedOut { id });
        }
        Effect::SaveRefreshToken { username } => {
            sh.set_persist_user(Some(username.clone()));
            let store = sh.store().await;
            let kept = KeptSession {
                store: store.clone(),
                username,
            };
            c.save_kept(kept).await;
            report_store_notice(sh, store);
        }
        Effect::RememberUsername { username } => {
            if let Some(path) = sh.config_path.clone() {
                let r = tokio::task::spawn_blocking(move || {
                    crate::config::Config::remember_username(&path, &username)
                })
                .await;
                match r {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => tracing::warn!(error = %e, "cannot remember the username"),
                    Err(e) => tracing::warn!(error = %e, "cannot remember the username"),
                }
            }
        }
        // The others are routed by `perform`.
        _ => {}
    }
}

/// Reading and changing the portal's data, and the audit log.
async fn perform_data(sh: &Arc<Shared>, effect: Effect) {
    let c = &sh.client;
    match effect {
        Effect::LoadPolicy { id } => {
            let result = c.policy().await.map_err(Failure::from).and_then(|p| {
                p.to_policy()
                    .ok_or_else(|| Failure::Portal(PortalError::Decode("unusable policy".into())))
            });
            sh.send(Msg::PolicyLoaded { id, result });
        }
        Effect::LoadServices { id } => {
            let result = c.services().await.map_err(Failure::from);
            sh.send(Msg::ServicesLoaded { id, result });
        }
        Effect::LoadSubscription {
            id,
            subscription_id,
        } => {
            let result = c
                .subscription(&subscription_id)
                .await
                .map_err(Failure::from);
            sh.send(Msg::SubscriptionLoaded {
                id,
                subscription_id,
                result,
            });
        }
        Effect::LoadApprovals { id } => {
            let result = c
                .change_requests(Some(crate::api::ChangeRequestStatus::AwaitingApproval))
                .await
                .map_err(Failure::from);
            sh.send(Msg::ApprovalsLoaded { id, result });
        }
        Effect::DecideRequest {
            id,
            request_id,
            decision,
            idempotency_key,
            audit,
        } => {
            let result = decide_request(sh, &request_id, &decision, &idempotency_key, audit).await;
            sh.send(Msg::RequestDecided { id, result });
        }
        Effect::LoadMe { id } => {
            let result = c.me().await.map_err(Failure::from);
            sh.send(Msg::MeLoaded { id, result });
        }
        Effect::LoadHistory {
            id,
            subscription_id,
            limit,
        } => {
            let result = c
                .history(&subscription_id, limit)
                .await
                .map_err(Failure::from);
            sh.send(Msg::HistoryLoaded {
                id,
                subscription_id,
                result,
            });
        }
        Effect::SubmitChange {
            id,
            subscription_id,
            request,
            idempotency_key,
            audit,
        } => {
            let result =
                submit_change(sh, &subscription_id, &request, &idempotency_key, audit).await;
            sh.send(Msg::ChangeSubmitted { id, result });
        }
        Effect::CancelScheduledChange {
            id,
            subscription_id,
        } => {
            let result = c
                .cancel_scheduled_change(&subscription_id)
                .await
                .map_err(Failure::from);
            sh.send(Msg::ScheduledChangeCancelled {
                id,
                subscription_id,
                result,
            });
        }
        Effect::AppendAudit(mut record) => {
            // Audit lines carry the wall-clock time they were written.
            record.time = Utc::now();
            if let Err(f) = append_audit(sh, record).await {
                sh.send(Msg::AuditFailed { failure: f });
            }
        }
        // The others are routed by `perform`.
        _ => {}
    }
}

/// Report the store in use, then every change of it (degradation).
async fn watch_store(sh: Arc<Shared>) {
    let store = sh.store().await;
    sh.send(Msg::SecretStore { kind: store.kind() });
    report_store_notice(&sh, store);
    let mut kinds = store.subscribe_kind();
    while kinds.changed().await.is_ok() {
        let kind = *kinds.borrow_and_update();
        sh.send(Msg::SecretStore { kind });
        report_store_notice(&sh, store);
    }
}

async fn resume(sh: &Shared, username: &str) -> Result<Option<SessionInfo>, Failure> {
    if let Some(s) = sh.client.session() {
        return Ok(Some(session_info(s)));
    }
    let store = sh.store().await;
    // Under the session lock: the stored token, presented and rotated; the
    // session stays kept in the store (see `portal::KeptSession`).
    let kept = KeptSession {
        store: store.clone(),
        username: username.to_string(),
    };
    let result = sh.client.resume_kept(kept).await;
    report_store_notice(sh, store);
    match result {
        Ok(session) => {
            if session.is_some() {
                sh.set_persist_user(Some(username.to_string()));
            }
            Ok(session.map(session_info))
        }
        Err(e) => Err(Failure::from(e)),
    }
}

async fn append_audit(sh: &Shared, record: AuditEntry) -> Result<(), Failure> {
    let Some(log) = &sh.audit else {
        return Err(Failure::Audit(
            sh.audit_error
                .clone()
                .unwrap_or_else(|| "no audit log".into()),
        ));
    };
    log.append_async(record)
        .await
        .map_err(|e| Failure::Audit(e.to_string()))
}

/// Approve, reject or cancel; on success append the audit line (with the
/// request id and, for an approval, the operation) before reporting.
async fn decide_request(
    sh: &Shared,
    request_id: &str,
    decision: &Decision,
    key: &str,
    audit: AuditEntry,
) -> Result<
    (
        crate::api::ChangeRequestDto,
        Option<crate::api::OperationDto>,
    ),
    Failure,
> {
    let c = &sh.client;
    let answer = match decision {
        Decision::Approve => c
            .approve(request_id, key)
            .await
            .map(|a| (a.change_request, a.operation)),
        Decision::Reject { reason } => c.reject(request_id, reason, key).await.map(|cr| (cr, None)),
        Decision::Cancel => c.cancel_request(request_id, key).await.map(|cr| (cr, None)),
    }
    .map_err(Failure::from)?;
    let mut line = audit;
    line.time = Utc::now();
    line.operation_id = answer.1.as_ref().map(|op| op.id.clone());
    if let Err(f) = append_audit(sh, line).await {
        sh.send(Msg::AuditFailed { failure: f });
    }
    Ok(answer)
}

/// Read a change request until it is decided, reporting every change of
/// its status. Transient failures are sat out; others stop following it.
async fn follow_request(sh: Arc<Shared>, request_id: String) {
    let mut last: Option<crate::api::ChangeRequestStatus> = None;
    let result = portal::track_request(&sh.client, &request_id, None, |request| {
        if last != Some(request.status) {
            last = Some(request.status);
            sh.send(Msg::RequestProgress {
                request: request.clone(),
                now: sh.clock.now(),
            });
        }
    })
    .await;
    if let Err(e) = result {
        sh.send(Msg::RequestTrackingStopped {
            request_id,
            failure: Failure::from(e),
            now: sh.clock.now(),
        });
    }
}

/// Write `submitted`, send, write the outcome; only then report.
async fn submit_change(
    sh: &Shared,
    subscription_id: &str,
    request: &crate::api::ChangeRequest,
    idempotency_key: &str,
    audit: AuditEntry,
) -> Result<ChangeOutcome, Failure> {
    // Audit lines carry the wall-clock time they were written.
    let mut record = audit;
    record.time = Utc::now();
    record.status = AuditStatus::Submitted;
    // Not recorded, not sent.
    append_audit(sh, record.clone()).await?;
    let result = sh
        .client
        .submit_change(subscription_id, request, idempotency_key)
        .await;
    let line = record.outcome(&result);
    if let Err(f) = append_audit(sh, line).await {
        sh.send(Msg::AuditFailed { failure: f });
    }
    match result {
        Ok(portal::ChangeOutcome::Accepted(op)) => Ok(ChangeOutcome::Accepted(op)),
        Ok(portal::ChangeOutcome::Scheduled(sc)) => Ok(ChangeOutcome::Scheduled(sc)),
        Ok(portal::ChangeOutcome::AwaitingApproval(cr)) => Ok(ChangeOutcome::AwaitingApproval(cr)),
        Err(e) => Err(Failure::from(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portal_errors_are_wrapped_and_transient_ones_say_so() {
        let f = Failure::from(PortalError::Timeout);
        assert_eq!(f, Failure::Portal(PortalError::Timeout));
        assert!(f.is_transient());
        assert!(!Failure::from(PortalError::InvalidCredentials).is_transient());
        assert!(!Failure::Audit("disk full".into()).is_transient());
    }

    #[test]
    fn a_pinned_clock_starts_at_its_instant() {
        let start: DateTime<Utc> = "2026-11-22T15:00:00Z".parse().unwrap();
        let c = Clock::pinned(start);
        let now = c.now();
        assert!(now >= start && now < start + chrono::Duration::seconds(5));
    }
}
