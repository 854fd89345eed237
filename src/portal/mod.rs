//! `PortalClient`: Portal API v1 over HTTP (reqwest + rustls).
//!
//! - one method per route, using the wire types of [`crate::api`];
//! - connect and per-request timeouts;
//! - retries with exponential backoff and full jitter, only where safe: GETs,
//!   and change POSTs (which always carry an Idempotency-Key, reused for every
//!   retry); `Retry-After` (header or `details.retry_after`) is honoured on
//!   429/503 up to [`ClientOptions::max_retry_after`];
//! - an expired access token is refreshed once, transparently (single flight:
//!   concurrent calls share one refresh), and the request repeated; rotated
//!   refresh tokens are published on a watch channel so the app can persist
//!   them; a refused refresh ends the session with [`PortalError::SessionExpired`];
//! - plain `http://` is refused unless the host is loopback.
//!
//! Tokens are held only in memory, as [`SecretString`]; nothing here logs a
//! token, a password or a code (request bodies are never logged).

mod approvals;
mod error;
mod kept;
mod track;

pub mod demo;

pub use kept::KeptSession;

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode, Url};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::watch;
use zeroize::Zeroizing;

use crate::api::{self, ApiError, ErrorEnvelope};

pub use error::PortalError;
pub use track::{TrackProgress, track_operation, track_request};

/// How long a refresh token lives on the portal (Portal API v1: 8 hours).
/// The verify/refresh answers do not carry it, so the client assumes it.
pub const REFRESH_TOKEN_LIFETIME: Duration = Duration::from_secs(8 * 3600);

/// Services asked for per page when listing (the API's default). A tenant
/// rarely has more products than that, so most listings are one request;
/// a very large one comes in pages of bounded size (memory: at 10,000
/// subscriptions, one 2.6 MB answer held on both sides of the embedded demo
/// at once was a fifth of the process's peak).
const PAGE_SIZE: u32 = 50;
/// Largest answer read from the portal (a listing page of 200 services of
/// 100 subscriptions is about 6 MB).
const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;
/// Upper bound on pages followed, against a portal that loops.
const MAX_PAGES: usize = 10_000;

/// Client tuning. `Default` fits an interactive user on a slow link.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// TCP + TLS connect timeout.
    pub connect_timeout: Duration,
    /// Whole-request timeout (connect, send, answer body).
    pub request_timeout: Duration,
    /// Retries after the first attempt, for requests that are safe to retry.
    pub max_retries: u32,
    /// First backoff step; doubles on every retry (full jitter).
    pub backoff_base: Duration,
    /// Largest backoff step.
    pub backoff_max: Duration,
    /// Longest `Retry-After` the client sits out by itself; a longer wait is
    /// returned as [`PortalError::RateLimited`] for the UI to show.
    pub max_retry_after: Duration,
    /// `User-Agent` header.
    pub user_agent: String,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_retries: 3,
            backoff_base: Duration::from_millis(250),
            backoff_max: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(30),
            user_agent: format!("licencias/{}", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// The signed-in session as the UI sees it (no tokens).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user: api::UserInfo,
    pub access_expires_at: DateTime<Utc>,
    pub refresh_expires_at: DateTime<Utc>,
}

/// Answer to a change request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeOutcome {
    /// 202: an immediate change, now being provisioned.
    Accepted(api::OperationDto),
    /// 200: a change scheduled for the renewal date.
    Scheduled(api::ScheduledChangeDto),
    /// 202 in a `second_person` tenant: nothing applied yet, the change
    /// request awaits a second person's approval.
    AwaitingApproval(Box<api::ChangeRequestDto>),
}

/// A 202 to a change: an operation (applied) or a change request (awaiting
/// approval), told apart by which member the body has.
#[derive(serde::Deserialize)]
struct Change202 {
    #[serde(default)]
    operation: Option<api::OperationDto>,
    #[serde(default)]
    change_request: Option<api::ChangeRequestDto>,
}

struct Tokens {
    access: SecretString,
    refresh: SecretString,
    /// Bumped on every new pair: a 401 seen with generation `g` triggers a
    /// refresh only if the pair is still generation `g` (single flight).
    generation: u64,
    session: Session,
}

struct Inner {
    http: reqwest::Client,
    base_url: String,
    api_url: Url,
    opts: ClientOptions,
    tokens: Mutex<Option<Tokens>>,
    refresh_lock: tokio::sync::Mutex<()>,
    refresh_tx: watch::Sender<Option<SecretString>>,
    generation: AtomicU64,
    /// Where the session is kept between programs, if it is (`kept.rs`).
    kept: Mutex<Option<KeptSession>>,
}

/// A Portal API v1 client. Cheap to clone; clones share the session.
#[derive(Clone)]
pub struct PortalClient {
    inner: std::sync::Arc<Inner>,
}

impl std::fmt::Debug for PortalClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PortalClient")
            .field("base_url", &self.inner.base_url)
            .field("signed_in", &self.is_signed_in())
            .finish()
    }
}

/// What a request needs besides its route.
struct Req<'a> {
    method: Method,
    path: String,
    query: Vec<(&'static str, String)>,
    /// JSON body, zeroized after use (it may hold a password or a code).
    body: Option<Zeroizing<Vec<u8>>>,
    auth: bool,
    idempotency_key: Option<&'a str>,
    retryable: bool,
}

impl<'a> Req<'a> {
    fn new(method: Method, path: impl Into<String>) -> Self {
        let retryable = method == Method::GET;
        Self {
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            auth: true,
            idempotency_key: None,
            retryable,
        }
    }

    fn json(mut self, body: &impl Serialize) -> Result<Self, PortalError> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| PortalError::Decode(format!("cannot encode request: {e}")))?;
        self.body = Some(Zeroizing::new(bytes));
        Ok(self)
    }

    fn anonymous(mut self) -> Self {
        self.auth = false;
        self
    }
}

/// A raw 2xx answer.
struct Answer {
    status: StatusCode,
    body: Zeroizing<Vec<u8>>,
}

/// Is `host` this machine?
fn is_loopback_host(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return ip.is_loopback();
    }
    host.trim_end_matches('.').eq_ignore_ascii_case("localhost")
}

/// `https://user:password@host...` -> `https://***@host...`, so that an
/// address that cannot be parsed is never echoed with its credentials.
fn redact_userinfo(s: &str) -> String {
    let Some(i) = s.find("://") else {
        return s.to_string();
    };
    let rest = &s[i + 3..];
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{}***{}", &s[..i + 3], &rest[at..]),
        None => s.to_string(),
    }
}

/// Check and normalise a portal URL: `https://`, or `http://` on loopback;
/// no credentials, query or fragment; trailing `/` and `/api/v1` removed.
pub fn normalize_base_url(base_url: &str) -> Result<String, PortalError> {
    let trimmed = base_url.trim();
    let url = Url::parse(trimmed)
        .map_err(|e| PortalError::InvalidUrl(format!("{}: {e}", redact_userinfo(trimmed))))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(PortalError::InvalidUrl(
            "credentials must not be written in the URL".into(),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(PortalError::InvalidUrl(format!(
            "{}: no query or fragment allowed",
            url.origin().ascii_serialization()
        )));
    }
    if url.host().is_none() {
        return Err(PortalError::InvalidUrl(format!("{trimmed}: no host")));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback_host(&url) => {}
        "http" => return Err(PortalError::InsecureUrl(trimmed.to_string())),
        other => {
            return Err(PortalError::InvalidUrl(format!(
                "{trimmed}: scheme {other} is not supported"
            )));
        }
    }
    let mut s = url.as_str().trim_end_matches('/').to_string();
    if let Some(stripped) = s.strip_suffix(api::BASE_PATH) {
        s = stripped.trim_end_matches('/').to_string();
    }
    Ok(s)
}

/// The `Retry-After` header in seconds (delta-seconds or an HTTP date).
fn retry_after_header(headers: &reqwest::header::HeaderMap) -> Option<u64> {
    let v = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(secs);
    }
    let when = DateTime::parse_from_rfc2822(v).ok()?.with_timezone(&Utc);
    let secs = (when - Utc::now()).num_seconds().max(0);
    u64::try_from(secs).ok()
}

/// Full-jitter exponential backoff for retry number `attempt` (0-based).
fn backoff(opts: &ClientOptions, attempt: u32) -> Duration {
    use rand::Rng;
    let factor = 1u32.checked_shl(attempt.min(16)).unwrap_or(u32::MAX);
    let cap = opts
        .backoff_base
        .saturating_mul(factor)
        .min(opts.backoff_max);
    let millis = u64::try_from(cap.as_millis()).unwrap_or(u64::MAX);
    if millis == 0 {
        return Duration::ZERO;
    }
    // Full jitter, but never less than a tenth of the step.
    let low = millis / 10;
    Duration::from_millis(rand::rng().random_range(low..=millis))
}

fn transport_error(e: reqwest::Error) -> PortalError {
    if e.is_timeout() {
        return PortalError::Timeout;
    }
    let e = e.without_url();
    let mut msg = if e.is_connect() {
        "could not connect to the portal".to_string()
    } else {
        e.to_string()
    };
    let mut source = std::error::Error::source(&e);
    let mut depth = 0;
    while let Some(s) = source {
        if depth >= 4 {
            break;
        }
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
        depth += 1;
    }
    PortalError::Network(msg)
}

fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, PortalError> {
    serde_json::from_slice(body).map_err(|e| PortalError::Decode(error::describe_json_error(&e)))
}

fn path_segment(id: &str) -> String {
    // Percent-encode everything outside unreserved characters.
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl PortalClient {
    /// A client for the portal at `base_url` (without `/api/v1`). Refuses
    /// `http://` unless the host is loopback (`127.0.0.0/8`, `::1`, `localhost`).
    pub fn new(base_url: &str, opts: ClientOptions) -> Result<Self, PortalError> {
        let base = normalize_base_url(base_url)?;
        let api_url = Url::parse(&format!("{base}{}/", api::BASE_PATH))
            .map_err(|e| PortalError::InvalidUrl(e.to_string()))?;
        let mut builder = reqwest::Client::builder()
            .connect_timeout(opts.connect_timeout)
            .timeout(opts.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(opts.user_agent.clone());
        if api_url.scheme() == "https" {
            builder = builder.https_only(true);
        } else {
            // Plain http is only ever loopback (checked above): no TLS, so
            // no reading and parsing of the system's CA certificates
            // (milliseconds and a megabyte at start).
            builder = builder.tls_certs_only(Vec::<reqwest::Certificate>::new());
        }
        let http = builder
            .build()
            .map_err(|e| PortalError::InvalidUrl(format!("cannot build the HTTP client: {e}")))?;
        let (refresh_tx, _) = watch::channel(None);
        Ok(Self {
            inner: std::sync::Arc::new(Inner {
                http,
                base_url: base,
                api_url,
                opts,
                tokens: Mutex::new(None),
                refresh_lock: tokio::sync::Mutex::new(()),
                refresh_tx,
                generation: AtomicU64::new(0),
                kept: Mutex::new(None),
            }),
        })
    }

    /// The normalised portal URL (no trailing slash, no `/api/v1`).
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The options this client was built with.
    pub fn options(&self) -> &ClientOptions {
        &self.inner.opts
    }

    /// The current session, if signed in.
    pub fn session(&self) -> Option<Session> {
        self.lock_tokens().as_ref().map(|t| t.session.clone())
    }

    pub fn is_signed_in(&self) -> bool {
        self.lock_tokens().is_some()
    }

    /// Rotated refresh tokens: `Some` after every sign-in and refresh (persist
    /// it), `None` after logout or a refused refresh (delete the stored one).
    pub fn subscribe_refresh_tokens(&self) -> watch::Receiver<Option<SecretString>> {
        self.inner.refresh_tx.subscribe()
    }

    // ---- auth ----

    /// `GET /policy` (no token needed).
    pub async fn policy(&self) -> Result<api::PolicyResponse, PortalError> {
        let req = Req::new(Method::GET, "policy").anonymous();
        self.call(&req).await
    }

    /// `POST /auth/login`. Never retried (each attempt counts towards lockout).
    pub async fn login(
        &self,
        username: &str,
        password: &SecretString,
    ) -> Result<api::LoginResponse, PortalError> {
        let body = api::LoginRequest {
            username: username.to_string(),
            password: password.expose_secret().to_string(),
        };
        let req = Req::new(Method::POST, "auth/login")
            .anonymous()
            .json(&body)?;
        drop(body);
        self.call(&req).await
    }

    /// `POST /auth/mfa/enroll`.
    pub async fn enroll(&self, mfa_token: &str) -> Result<api::EnrollResponse, PortalError> {
        let body = api::EnrollRequest {
            mfa_token: mfa_token.to_string(),
        };
        let req = Req::new(Method::POST, "auth/mfa/enroll")
            .anonymous()
            .json(&body)?;
        self.call(&req).await
    }

    /// `POST /auth/mfa/verify`: on success the tokens are kept in memory and
    /// the refresh token published on [`Self::subscribe_refresh_tokens`].
    pub async fn verify(&self, mfa_token: &str, code: &str) -> Result<Session, PortalError> {
        let body = api::VerifyRequest {
            mfa_token: mfa_token.to_string(),
            code: code.to_string(),
        };
        let req = Req::new(Method::POST, "auth/mfa/verify")
            .anonymous()
            .json(&body)?;
        drop(body);
        let tokens: api::TokenResponse = self.call(&req).await?;
        Ok(self.install(tokens))
    }

    /// Start from a stored refresh token (silent sign-in at start-up).
    pub async fn resume(&self, refresh_token: SecretString) -> Result<Session, PortalError> {
        let _guard = self.inner.refresh_lock.lock().await;
        match self.post_refresh(&refresh_token).await {
            Ok(t) => Ok(self.install(t)),
            Err(e) => {
                if e == PortalError::SessionExpired {
                    self.clear_tokens();
                }
                Err(e)
            }
        }
    }

    /// `POST /auth/logout`. The local session ends whatever the portal says.
    /// With an expired access token the session is refreshed first, so the
    /// portal really ends it (its refresh token stops working too).
    pub async fn logout(&self) -> Result<(), PortalError> {
        let current = self
            .lock_tokens()
            .as_ref()
            .map(|t| (t.access.clone(), t.generation));
        let Some((access, generation)) = current else {
            self.clear_tokens();
            return Ok(());
        };
        let req = Req::new(Method::POST, "auth/logout").anonymous();
        let mut result = self.send_once(&req, Some(&access)).await;
        if matches!(result, Err(PortalError::SessionExpired))
            && self.refresh_after(generation).await.is_ok()
            && let Ok((fresh, _)) = self.current_access()
        {
            result = self.send_once(&req, Some(&fresh)).await;
        }
        self.clear_tokens();
        self.keep_session(None);
        match result {
            Ok(_) => Ok(()),
            // The session was already over on the portal's side.
            Err(PortalError::SessionExpired) => Ok(()),
            Err(e) => Err(e),
        }
    }

    // ---- data ----

    /// Every service with its subscriptions (follows every page).
    pub async fn services(&self) -> Result<Vec<api::ServiceDto>, PortalError> {
        let mut all = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut req = Req::new(Method::GET, "services");
            req.query.push(("page_size", PAGE_SIZE.to_string()));
            if let Some(t) = &token {
                req.query.push(("page_token", t.clone()));
            }
            let page: api::ServicesPage = self.call(&req).await?;
            all.extend(page.services);
            match page.next_page_token {
                Some(next) if !next.is_empty() => {
                    if token.as_deref() == Some(next.as_str()) {
                        return Err(PortalError::Decode(
                            "the portal returned the same page token twice".into(),
                        ));
                    }
                    token = Some(next);
                }
                _ => return Ok(merge_services(all)),
            }
        }
        Err(PortalError::Decode(
            "too many pages in the services listing".into(),
        ))
    }

    /// `GET /subscriptions/{id}`.
    pub async fn subscription(&self, id: &str) -> Result<api::SubscriptionDto, PortalError> {
        let req = Req::new(Method::GET, format!("subscriptions/{}", path_segment(id)));
        self.call(&req).await
    }

    /// `POST /subscriptions/{id}/changes` with `Idempotency-Key`. Retried
    /// (same key, same body) on network errors, timeouts and 429/5xx: the
    /// portal replays the first answer, so a change is never applied twice.
    pub async fn submit_change(
        &self,
        id: &str,
        change: &api::ChangeRequest,
        idempotency_key: &str,
    ) -> Result<ChangeOutcome, PortalError> {
        if idempotency_key.trim().is_empty() {
            // What the portal would answer; refused before sending.
            return Err(PortalError::Server {
                status: 400,
                code: Some(api::ErrorCode::IdempotencyKeyRequired),
                message: "a change needs an Idempotency-Key".into(),
            });
        }
        let mut req = Req::new(
            Method::POST,
            format!("subscriptions/{}/changes", path_segment(id)),
        )
        .json(change)?;
        req.idempotency_key = Some(idempotency_key);
        req.retryable = true;
        // Decoding inside the retry loop: an unreadable answer is retried
        // with the same key, and the portal replays its first answer.
        self.send(&req, |answer| {
            if answer.status == StatusCode::ACCEPTED {
                let accepted: Change202 = decode(&answer.body)?;
                match (accepted.operation, accepted.change_request) {
                    (Some(op), _) => Ok(ChangeOutcome::Accepted(op)),
                    (None, Some(cr)) => Ok(ChangeOutcome::AwaitingApproval(Box::new(cr))),
                    (None, None) => Err(PortalError::Decode(
                        "a 202 without an operation or a change request".into(),
                    )),
                }
            } else {
                let scheduled: api::ChangeScheduled = decode(&answer.body)?;
                Ok(ChangeOutcome::Scheduled(scheduled.scheduled_change))
            }
        })
        .await
    }

    /// `DELETE /subscriptions/{id}/scheduled-change`. Not retried.
    pub async fn cancel_scheduled_change(&self, id: &str) -> Result<(), PortalError> {
        let req = Req::new(
            Method::DELETE,
            format!("subscriptions/{}/scheduled-change", path_segment(id)),
        );
        self.send(&req, |_| Ok(())).await
    }

    /// `GET /operations/{id}`.
    pub async fn operation(&self, id: &str) -> Result<api::OperationDto, PortalError> {
        let req = Req::new(Method::GET, format!("operations/{}", path_segment(id)));
        self.call(&req).await
    }

    // ---- machinery ----

    fn lock_tokens(&self) -> std::sync::MutexGuard<'_, Option<Tokens>> {
        self.inner
            .tokens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn install(&self, mut t: api::TokenResponse) -> Session {
        let now = Utc::now();
        let access_life = chrono::Duration::seconds(i64::try_from(t.expires_in).unwrap_or(0));
        let refresh_life = chrono::Duration::from_std(REFRESH_TOKEN_LIFETIME)
            .unwrap_or_else(|_| chrono::Duration::hours(8));
        let session = Session {
            user: t.user.clone(),
            access_expires_at: now + access_life,
            refresh_expires_at: now + refresh_life,
        };
        let access = SecretString::from(std::mem::take(&mut t.access_token));
        let refresh = SecretString::from(std::mem::take(&mut t.refresh_token));
        let generation = self.inner.generation.fetch_add(1, Ordering::SeqCst) + 1;
        *self.lock_tokens() = Some(Tokens {
            access,
            refresh: refresh.clone(),
            generation,
            session: session.clone(),
        });
        self.inner.refresh_tx.send_replace(Some(refresh));
        tracing::info!(user = %session.user.username, tenant = %session.user.tenant, "session tokens installed");
        session
    }

    fn clear_tokens(&self) {
        let had = self.lock_tokens().take().is_some();
        if had {
            tracing::info!("session ended");
        }
        self.inner.refresh_tx.send_replace(None);
    }

    /// `POST /auth/refresh` with `refresh`, no retry (rotation makes a retry
    /// of a lost answer fail anyway). Auth refusals become `SessionExpired`.
    async fn post_refresh(
        &self,
        refresh: &SecretString,
    ) -> Result<api::TokenResponse, PortalError> {
        let body = api::RefreshRequest {
            refresh_token: refresh.expose_secret().to_string(),
        };
        let req = Req::new(Method::POST, "auth/refresh")
            .anonymous()
            .json(&body)?;
        drop(body);
        match self.send_once(&req, None).await {
            Ok(a) => decode(&a.body),
            Err(PortalError::Server { status: 401, .. }) => Err(PortalError::SessionExpired),
            Err(e) => Err(e),
        }
    }

    /// Refresh the pair if it is still generation `seen` (single flight).
    /// A kept session presents the token stored by whichever program
    /// refreshed last, and stores the rotated one, under the lock across
    /// processes (`kept.rs`).
    async fn refresh_after(&self, seen: u64) -> Result<(), PortalError> {
        let _guard = self.inner.refresh_lock.lock().await;
        let current = self
            .lock_tokens()
            .as_ref()
            .map(|t| (t.generation, t.refresh.clone()));
        let Some((generation, mut refresh)) = current else {
            return Err(PortalError::SessionExpired);
        };
        if generation != seen {
            return Ok(()); // someone else refreshed meanwhile
        }
        let kept = self.kept();
        let portal = self.base_url().to_string();
        let _lock = match &kept {
            Some(k) => k.lock(&portal).await,
            None => None,
        };
        if let Some(k) = &kept
            && let Some(stored) = k.load(&portal).await
        {
            refresh = stored;
        }
        tracing::info!("access token expired; refreshing the session");
        match self.post_refresh(&refresh).await {
            Ok(t) => {
                self.install(t);
                if let (Some(k), Some(new)) = (&kept, self.current_refresh()) {
                    k.save(&portal, &new).await;
                }
                Ok(())
            }
            Err(PortalError::SessionExpired) => {
                tracing::warn!("session refresh refused by the portal");
                self.clear_tokens();
                if let Some(k) = &kept {
                    k.forget_if(&portal, &refresh).await;
                }
                Err(PortalError::SessionExpired)
            }
            Err(e) => Err(e),
        }
    }

    fn current_access(&self) -> Result<(SecretString, u64), PortalError> {
        self.lock_tokens()
            .as_ref()
            .map(|t| (t.access.clone(), t.generation))
            .ok_or(PortalError::NotSignedIn)
    }

    async fn call<T: DeserializeOwned>(&self, req: &Req<'_>) -> Result<T, PortalError> {
        self.send(req, |a| decode(&a.body)).await
    }

    /// One request with retries (if `req.retryable`) and one transparent
    /// refresh (if `req.auth`). `finish` turns a 2xx answer into the result;
    /// a decode failure there is retried like a transient error.
    async fn send<T>(
        &self,
        req: &Req<'_>,
        finish: impl Fn(Answer) -> Result<T, PortalError>,
    ) -> Result<T, PortalError> {
        let opts = &self.inner.opts;
        let mut attempt: u32 = 0;
        let mut refreshed = false;
        loop {
            let access = if req.auth {
                Some(self.current_access()?)
            } else {
                None
            };
            let result = self
                .send_raw(req, access.as_ref().map(|(token, _)| token))
                .await;
            let (error, wait) = match result {
                Ok(Exchange::Success(answer)) => match finish(answer) {
                    Ok(v) => return Ok(v),
                    Err(e @ PortalError::Decode(_)) => (e, None),
                    Err(e) => return Err(e),
                },
                Ok(Exchange::Refused(ErrorAnswer {
                    status,
                    error: api_error,
                    retry_after: header_wait,
                })) => {
                    let code = api_error.as_ref().map(|e| e.code);
                    if status == 401
                        && !refreshed
                        && matches!(
                            code,
                            Some(api::ErrorCode::TokenExpired | api::ErrorCode::Unauthorized)
                        )
                        && let Some((_, generation)) = access
                    {
                        refreshed = true;
                        self.refresh_after(generation).await?;
                        continue;
                    }
                    let wait = api_error
                        .as_ref()
                        .and_then(ApiError::retry_after)
                        .or(header_wait);
                    let transient = matches!(status, 429 | 500 | 502 | 503 | 504);
                    let err = PortalError::from_answer(status, api_error, header_wait);
                    if !transient {
                        return Err(err);
                    }
                    (err, wait)
                }
                Err(e) => (e, None),
            };
            if !req.retryable || attempt >= opts.max_retries {
                return Err(error);
            }
            let delay = match wait {
                Some(secs) => {
                    let d = Duration::from_secs(secs);
                    if d > opts.max_retry_after {
                        return Err(error);
                    }
                    d
                }
                None => backoff(opts, attempt),
            };
            tracing::warn!(
                method = %req.method,
                path = %req.path,
                attempt = attempt + 1,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                error = %error,
                "retrying portal request"
            );
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    /// One attempt, no retry, no refresh: 2xx answer or mapped error.
    async fn send_once(
        &self,
        req: &Req<'_>,
        access: Option<&SecretString>,
    ) -> Result<Answer, PortalError> {
        match self.send_raw(req, access).await? {
            Exchange::Success(a) => Ok(a),
            Exchange::Refused(e) => Err(e.into_error()),
        }
    }

    /// One HTTP exchange. The error is a transport (or size) failure; an
    /// error answer from the portal is an `Exchange::Refused`.
    async fn send_raw(
        &self,
        req: &Req<'_>,
        access: Option<&SecretString>,
    ) -> Result<Exchange, PortalError> {
        let mut url = self
            .inner
            .api_url
            .join(&req.path)
            .map_err(|e| PortalError::InvalidUrl(e.to_string()))?;
        if !req.query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in &req.query {
                pairs.append_pair(k, v);
            }
        }
        let mut builder = self
            .inner
            .http
            .request(req.method.clone(), url)
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(token) = access {
            builder = builder.bearer_auth(token.expose_secret());
        }
        if let Some(key) = req.idempotency_key {
            builder = builder.header(api::IDEMPOTENCY_KEY_HEADER, key);
        }
        if let Some(body) = &req.body {
            builder = builder
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                // The body may hold a password, a code or a refresh token:
                // the copy handed to the HTTP stack is zeroized when dropped.
                .body(bytes::Bytes::from_owner(body.clone()));
        }
        tracing::debug!(method = %req.method, path = %req.path, "portal request");
        let mut response = builder.send().await.map_err(transport_error)?;
        let status = response.status();
        let wait = retry_after_header(response.headers());
        // The body is copied chunk by chunk into one buffer sized from
        // Content-Length (zeroized when dropped: it may hold tokens): the
        // HTTP stack's chunks are freed as they are read, so a large listing
        // is held once, not three times.
        let expected = response
            .content_length()
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(0);
        if expected > MAX_RESPONSE_BYTES {
            return Err(PortalError::Decode(format!(
                "the portal's answer is too large ({expected} bytes)"
            )));
        }
        let mut body = Zeroizing::new(Vec::with_capacity(expected.max(1024)));
        while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(PortalError::Decode(format!(
                    "the portal's answer is too large (over {MAX_RESPONSE_BYTES} bytes)"
                )));
            }
            if body.len() + chunk.len() > body.capacity() {
                // Grow by hand: a Vec's own growth would free the old
                // buffer without zeroizing it.
                let want = (body.len() + chunk.len()).max(body.capacity() * 2);
                let mut bigger = Zeroizing::new(Vec::with_capacity(want));
                bigger.extend_from_slice(&body);
                body = bigger;
            }
            body.extend_from_slice(&chunk);
        }
        tracing::debug!(method = %req.method, path = %req.path, status = status.as_u16(), "portal answer");
        if status.is_success() {
            return Ok(Exchange::Success(Answer { status, body }));
        }
        let api_error = serde_json::from_slice::<ErrorEnvelope>(&body)
            .ok()
            .map(|e| e.error);
        Ok(Exchange::Refused(ErrorAnswer {
            status: status.as_u16(),
            error: api_error,
            retry_after: wait,
        }))
    }
}

/// One HTTP exchange that completed.
enum Exchange {
    /// A 2xx answer.
    Success(Answer),
    /// An error answer.
    Refused(ErrorAnswer),
}

/// An error answer as it came.
struct ErrorAnswer {
    status: u16,
    /// The error envelope, when the body was one.
    error: Option<ApiError>,
    /// The Retry-After header, in seconds.
    retry_after: Option<u64>,
}

impl ErrorAnswer {
    fn into_error(self) -> PortalError {
        PortalError::from_answer(self.status, self.error, self.retry_after)
    }
}

/// Pages may split one service's subscriptions: join them, keeping order.
fn merge_services(pages: Vec<api::ServiceDto>) -> Vec<api::ServiceDto> {
    let mut out: Vec<api::ServiceDto> = Vec::with_capacity(pages.len());
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for s in pages {
        if let Some(&i) = index.get(&s.id) {
            out[i].subscriptions.extend(s.subscriptions);
        } else {
            index.insert(s.id.clone(), out.len());
            out.push(s);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_is_refused_unless_loopback() {
        for ok in [
            "http://127.0.0.1:8787",
            "http://127.1.2.3/",
            "http://[::1]:9000",
            "http://localhost:8787/",
            "http://LOCALHOST",
            "https://portal.example.com",
            "https://portal.example.com/prefix/",
        ] {
            assert!(normalize_base_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://portal.example.com",
            "http://10.0.0.1:8787",
            "http://localhost.example.com",
            "http://[::2]",
        ] {
            assert!(
                matches!(normalize_base_url(bad), Err(PortalError::InsecureUrl(_))),
                "{bad}"
            );
        }
        for bad in [
            "ftp://x",
            "not a url",
            "https://user:pw@portal.example.com",
            "https://portal.example.com/?a=b",
        ] {
            assert!(
                matches!(normalize_base_url(bad), Err(PortalError::InvalidUrl(_))),
                "{bad}"
            );
        }
        let err = normalize_base_url("https://user:hunter2@p.example.com").unwrap_err();
        assert!(!err.to_string().contains("hunter2"));
    }

    #[test]
    fn base_url_is_normalised() {
        assert_eq!(
            normalize_base_url("http://127.0.0.1:8787/").unwrap(),
            "http://127.0.0.1:8787"
        );
        assert_eq!(
            normalize_base_url("https://p.example.com/x/api/v1/").unwrap(),
            "https://p.example.com/x"
        );
        let c = PortalClient::new("http://127.0.0.1:1/", ClientOptions::default()).unwrap();
        assert_eq!(c.base_url(), "http://127.0.0.1:1");
        assert_eq!(
            c.inner.api_url.join("services").unwrap().as_str(),
            "http://127.0.0.1:1/api/v1/services"
        );
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let o = ClientOptions {
            backoff_base: Duration::from_millis(100),
            backoff_max: Duration::from_millis(1000),
            ..ClientOptions::default()
        };
        for attempt in 0..40 {
            let d = backoff(&o, attempt);
            assert!(d <= Duration::from_millis(1000));
            let step = (100u64 << attempt.min(16)).min(1000);
            assert!(d >= Duration::from_millis(step / 10), "{attempt} {d:?}");
        }
    }

    #[test]
    fn retry_after_header_forms() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(reqwest::header::RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after_header(&h), Some(7));
        let later = (Utc::now() + chrono::Duration::seconds(120)).to_rfc2822();
        h.insert(reqwest::header::RETRY_AFTER, later.parse().unwrap());
        let secs = retry_after_header(&h).unwrap();
        assert!((100..=120).contains(&secs));
        h.insert(reqwest::header::RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after_header(&h), None);
    }

    #[test]
    fn ids_are_escaped_in_paths() {
        assert_eq!(path_segment("sub-bs_1.x~"), "sub-bs_1.x~");
        assert_eq!(path_segment("../a b"), "..%2Fa%20b");
    }

    #[test]
    fn pages_of_one_service_are_merged() {
        let s = |id: &str, n: usize| api::ServiceDto {
            id: id.into(),
            name: id.into(),
            subscriptions: vec![
                api::SubscriptionSummary {
                    id: "x".into(),
                    name: "x".into(),
                    quantity: 1,
                    term: crate::domain::Term::P1M,
                    renewal_date: "2026-12-01".parse().unwrap(),
                    status: crate::domain::Status::Active,
                    decrease_window: None,
                    has_scheduled_change: false,
                    has_pending_operation: false,
                };
                n
            ],
        };
        let merged = merge_services(vec![s("a", 2), s("b", 1), s("a", 3)]);
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0].subscriptions.len(), 5);
    }

    #[tokio::test]
    async fn data_calls_need_a_session() {
        let c = PortalClient::new("http://127.0.0.1:9", ClientOptions::default()).unwrap();
        assert_eq!(c.services().await.unwrap_err(), PortalError::NotSignedIn);
        assert!(c.logout().await.is_ok());
    }

    #[tokio::test]
    async fn connection_refused_is_a_network_error() {
        // Bind then drop to get a port nobody listens on.
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        drop(l);
        let c = PortalClient::new(
            &format!("http://127.0.0.1:{port}"),
            ClientOptions {
                max_retries: 1,
                backoff_base: Duration::from_millis(1),
                ..ClientOptions::default()
            },
        )
        .unwrap();
        assert!(matches!(c.policy().await, Err(PortalError::Network(_))));
    }
}
