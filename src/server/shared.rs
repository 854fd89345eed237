//! What every handler shares: the store behind one `Mutex`, the clocks, the
//! policy, and the state-file writer. The lock is never held across an await.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use crate::domain::Policy;

use super::clock::{BusinessClock, real_now};
use super::store::Store;

/// The instants a request is handled at.
#[derive(Debug, Clone, Copy)]
pub struct Ctx {
    /// Business clock (terms, windows, operations).
    pub now: DateTime<Utc>,
    /// Real clock (tokens, TOTP, lockouts).
    pub real: DateTime<Utc>,
    /// Business date in the portal zone.
    pub today: NaiveDate,
}

pub struct Shared {
    pub store: Mutex<Store>,
    pub clock: BusinessClock,
    pub policy: Policy,
    pub delay: TimeDelta,
    /// How long a change request may await a decision before it expires.
    pub approval_ttl: TimeDelta,
    pub persister: Option<Persister>,
    /// Wrong logins per client address per minute before 429.
    pub login_rate_limit: std::sync::atomic::AtomicUsize,
    /// What an unknown username's password is checked against (see
    /// [`super::auth::dummy_hash_like`]).
    pub dummy_hash: String,
}

impl Shared {
    pub fn ctx(&self) -> Ctx {
        let now = self.clock.now();
        Ctx {
            now,
            real: real_now(),
            today: self.policy.today(now),
        }
    }

    /// Run `f` on the store after applying what time did; persist the
    /// result (when a state file is configured) before returning.
    pub async fn with<R>(&self, f: impl FnOnce(&mut Store, &Ctx) -> R) -> R {
        let (result, snapshot) = {
            let mut store = self.store.lock().unwrap_or_else(|e| e.into_inner());
            let ctx = self.ctx();
            store.advance(ctx.now, self.delay, &self.policy);
            store.prune(ctx.real);
            let result = f(&mut store, &ctx);
            let snapshot = match &self.persister {
                Some(p) if store.dirty => {
                    store.dirty = false;
                    Some(p.snapshot(&store))
                }
                _ => None,
            };
            (result, snapshot)
        };
        if let (Some(p), Some(s)) = (&self.persister, snapshot) {
            p.write(s).await;
        }
        result
    }
}

/// One serialized state, numbered so an older one never overwrites a newer one.
pub struct Snapshot {
    seq: u64,
    bytes: Vec<u8>,
}

/// Writes the state file atomically (temp file, fsync, rename).
pub struct Persister {
    path: PathBuf,
    seq: AtomicU64,
    written: Arc<Mutex<u64>>,
}

impl Persister {
    pub fn new(path: PathBuf) -> Self {
        Self {
            path,
            seq: AtomicU64::new(0),
            written: Arc::new(Mutex::new(0)),
        }
    }

    /// Serialize under the store lock (so snapshots are ordered).
    pub fn snapshot(&self, store: &Store) -> Snapshot {
        let seq = self.seq.fetch_add(1, Ordering::SeqCst) + 1;
        let bytes = serde_json::to_vec(store).unwrap_or_default();
        Snapshot { seq, bytes }
    }

    pub async fn write(&self, snapshot: Snapshot) {
        let path = self.path.clone();
        let written = Arc::clone(&self.written);
        let result = tokio::task::spawn_blocking(move || {
            let mut last = written.lock().unwrap_or_else(|e| e.into_inner());
            if *last >= snapshot.seq || snapshot.bytes.is_empty() {
                return Ok(());
            }
            crate::fsutil::write_atomic(&path, &snapshot.bytes)?;
            *last = snapshot.seq;
            Ok::<(), std::io::Error>(())
        })
        .await;
        match result {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tracing::error!(path = %self.path.display(), error = %e, "cannot write the state file")
            }
            Err(e) => tracing::error!(error = %e, "state writer failed"),
        }
    }

    /// Write synchronously (at start-up).
    pub fn write_now(&self, store: &Store) -> std::io::Result<()> {
        let snapshot = self.snapshot(store);
        let mut last = self.written.lock().unwrap_or_else(|e| e.into_inner());
        crate::fsutil::write_atomic(&self.path, &snapshot.bytes)?;
        *last = snapshot.seq;
        Ok(())
    }
}
