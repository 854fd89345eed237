//! Reference portal server: Portal API v1 over real HTTP (axum on tokio),
//! with real TOTP, real delays and the same rules as the client (`domain`).
//!
//! Start it in-process with [`spawn`] (tests, the embedded demo) or as
//! `licencias serve` through [`serve`].

mod auth;
mod clock;
mod config;
mod conn;
mod errors;
mod routes;
mod scale;
mod shared;
mod store;
pub mod tenants;
mod unknown;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, TimeDelta, Utc};
use tokio::sync::watch;

pub use config::{DEFAULT_APPROVAL_TTL_SECS, ServeArgs, ServerConfig, TenantsSource, serve};
pub use errors::ServerError;
pub use routes::mounted_routes;
pub use tenants::TenantsError;

use clock::BusinessClock;
use shared::{Persister, Shared};

/// The demo tenant's admin (not enrolled in MFA until first login).
pub const DEMO_USERNAME: &str = "demo";
pub const DEMO_PASSWORD: &str = "licencias-demo";

/// A server serving on a tokio task.
pub struct RunningServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<watch::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl RunningServer {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (no trailing slash, no `/api/v1`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The business clock's current instant.
    pub fn clock(&self) -> DateTime<Utc> {
        self.shared.clock.now()
    }

    /// Move the business clock to `at`; it runs on from there. Time-driven
    /// effects up to `at` (renewals, finished operations) apply on the next request.
    pub fn set_clock(&self, at: DateTime<Utc>) {
        self.shared.clock.set(at);
    }

    /// Make every current access token expired (refresh tokens stay valid),
    /// so tests can exercise the refresh path without waiting 15 minutes.
    pub fn expire_access_tokens(&self) {
        let mut store = self.shared.store.lock().unwrap_or_else(|e| e.into_inner());
        let past = clock::real_now() - TimeDelta::seconds(1);
        for s in store.sessions.values_mut() {
            s.access_expires = past;
        }
    }

    /// Change how many wrong logins one client address may make per minute
    /// before 429 `rate_limited` (default 100).
    pub fn set_login_rate_limit(&self, per_minute: usize) {
        self.shared
            .login_rate_limit
            .store(per_minute.max(1), std::sync::atomic::Ordering::Relaxed);
    }

    /// Stop accepting, finish in-flight requests (at most 5 s), and return.
    pub async fn shutdown(mut self) {
        self.stop_now().await;
    }

    async fn stop_now(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(std::time::Duration::from_secs(5), &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Load the data, bind `config.listen` and serve on a tokio task.
pub async fn spawn(config: ServerConfig) -> Result<RunningServer, ServerError> {
    let clock = BusinessClock::new(config.clock);
    let mut store = config::load_store(&config, clock.now())?;
    let persister = config.state_file.clone().map(Persister::new);
    if let Some(p) = &persister {
        p.write_now(&store)?;
        store.dirty = false;
    }
    let dummy_hash = auth::dummy_hash_like(store.users.values().map(|u| u.password_hash.as_str()));
    let shared = Arc::new(Shared {
        store: Mutex::new(store),
        clock,
        policy: config.policy,
        delay: TimeDelta::from_std(config.provisioning_delay).unwrap_or(TimeDelta::MAX),
        approval_ttl: TimeDelta::from_std(config.approval_ttl).unwrap_or(TimeDelta::MAX),
        persister,
        login_rate_limit: std::sync::atomic::AtomicUsize::new(auth::IP_FAILURE_LIMIT),
        dummy_hash,
    });
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServerError::Bind {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr()?;
    let app = routes::router(Arc::clone(&shared));
    let (stop, stopped) = watch::channel(());
    let timeouts = conn::Timeouts {
        header: config.header_timeout,
        idle: config.idle_timeout,
    };
    let task = tokio::spawn(conn::serve(listener, app, timeouts, stopped));
    tracing::info!(%addr, "portal server listening");
    Ok(RunningServer {
        addr,
        shared,
        stop: Some(stop),
        task: Some(task),
    })
}
