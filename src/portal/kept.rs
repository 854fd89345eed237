//! A session kept between programs: its refresh token lives in the secret
//! store, where the TUI and the scripting commands of the same user find it.
//!
//! A refresh token is single use: the portal rotates it at every refresh,
//! and a rotated one presented again ends the whole session (every token of
//! that sign-in). So when another program (a cron job's `licencias list`,
//! a second window) may have refreshed meanwhile, a refresh must present the
//! token that program stored, not the one this client still holds in
//! memory. A kept session does exactly that: every refresh takes the
//! per-user lock across processes ([`SessionLock`]), loads the stored token,
//! presents it, and stores the rotated one before the lock is released.

use secrecy::{ExposeSecret, SecretString};

use super::{PortalClient, PortalError, Session};
use crate::secrets::{SecretStore, SessionLock};

/// Where a session's refresh token is kept: a secret store and the user.
#[derive(Clone)]
pub struct KeptSession {
    pub store: SecretStore,
    pub username: String,
}

impl std::fmt::Debug for KeptSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeptSession")
            .field("store", &self.store.kind())
            .field("username", &self.username)
            .finish()
    }
}

impl KeptSession {
    /// Take the lock across processes; without one (no state directory, a
    /// read-only home), go on unlocked, as a single program would.
    pub(super) async fn lock(&self, portal_url: &str) -> Option<SessionLock> {
        match SessionLock::acquire(portal_url, &self.username).await {
            Ok(lock) => Some(lock),
            Err(e) => {
                tracing::warn!(error = %e, "session lock unavailable; refreshing without it");
                None
            }
        }
    }

    /// The stored refresh token, if any.
    pub(super) async fn load(&self, portal_url: &str) -> Option<SecretString> {
        self.store.load(portal_url, &self.username).await
    }

    /// Store a new refresh token.
    pub(super) async fn save(&self, portal_url: &str, token: &SecretString) {
        self.store.save(portal_url, &self.username, token).await;
    }

    /// Forget the stored token, but only if it is still `presented` (a newer
    /// one, stored by another program after a new sign-in, is kept).
    pub(super) async fn forget_if(&self, portal_url: &str, presented: &SecretString) {
        let same = self
            .load(portal_url)
            .await
            .is_some_and(|s| s.expose_secret() == presented.expose_secret());
        if same {
            self.store.delete(portal_url, &self.username).await;
        }
    }
}

impl PortalClient {
    /// Keep this client's session in `kept` from now on (`None`: stop, as
    /// after a logout): every later refresh presents the stored token and
    /// stores the rotated one, under the lock. See the module notes.
    pub fn keep_session(&self, kept: Option<KeptSession>) {
        *self
            .inner
            .kept
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = kept;
    }

    /// Whether this client's session is kept (see [`Self::keep_session`]).
    pub fn is_kept(&self) -> bool {
        self.kept().is_some()
    }

    pub(super) fn kept(&self) -> Option<KeptSession> {
        self.inner
            .kept
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Sign in silently from the token kept in `kept`, under the lock, and
    /// keep the session there from now on. `Ok(None)`: nothing is stored. A
    /// token the portal refuses is forgotten.
    pub async fn resume_kept(&self, kept: KeptSession) -> Result<Option<Session>, PortalError> {
        let _guard = self.inner.refresh_lock.lock().await;
        let portal = self.base_url().to_string();
        let _lock = kept.lock(&portal).await;
        let Some(token) = kept.load(&portal).await else {
            return Ok(None);
        };
        match self.post_refresh(&token).await {
            Ok(t) => {
                let session = self.install(t);
                if let Some(new) = self.current_refresh() {
                    kept.save(&portal, &new).await;
                }
                self.keep_session(Some(kept));
                Ok(Some(session))
            }
            Err(e) => {
                if e.needs_login() {
                    self.clear_tokens();
                    kept.forget_if(&portal, &token).await;
                }
                Err(e)
            }
        }
    }

    /// Store the current refresh token in `kept` (after a sign-in), under
    /// the lock, and keep the session there from now on.
    pub async fn save_kept(&self, kept: KeptSession) {
        let _guard = self.inner.refresh_lock.lock().await;
        let portal = self.base_url().to_string();
        let _lock = kept.lock(&portal).await;
        if let Some(token) = self.current_refresh() {
            kept.save(&portal, &token).await;
        }
        self.keep_session(Some(kept));
    }

    /// The refresh token this client holds now.
    pub(super) fn current_refresh(&self) -> Option<SecretString> {
        self.lock_tokens().as_ref().map(|t| t.refresh.clone())
    }
}
