//! The session between commands: the refresh token kept in the secret store
//! (the same [`SecretStore`] as the TUI), resumed silently by every command.
//!
//! A refresh token is single use (the portal rotates it, and presenting a
//! rotated one again may end the whole session), so "load the stored token,
//! refresh, store the new one" runs under an exclusive advisory lock file per
//! portal and user, across processes (`portal::KeptSession`, shared with the
//! TUI): two commands started at once, or a command and an open TUI, take
//! turns and each presents the token the other one stored.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{CommandError, Ctx, Exit};
use crate::domain::Policy;
use crate::portal::{self, ClientOptions, KeptSession, PortalClient, PortalError};
use crate::secrets::{SecretStore, SessionLock};

/// Refresh the access token this long before it expires (long `--wait`s).
const FRESHEN_MARGIN: Duration = Duration::from_secs(60);

/// Take the session lock of a portal and user (see [`SessionLock`]).
pub async fn lock(ctx: &Ctx, portal: &str, username: &str) -> Result<SessionLock, CommandError> {
    SessionLock::acquire(portal, username).await.map_err(|e| {
        CommandError::new(
            Exit::Failure,
            "session_lock",
            ctx.t.session_lock_failed(&e.to_string()),
        )
    })
}

/// A portal client for the configured portal (exit 2 without one).
pub fn client(ctx: &Ctx) -> Result<PortalClient, CommandError> {
    let Some(url) = ctx.settings.portal.as_deref() else {
        return Err(CommandError::new(
            Exit::Usage,
            "no_portal",
            ctx.t.no_portal(),
        ));
    };
    PortalClient::new(url, ClientOptions::default())
        .map_err(|e| CommandError::portal(ctx.t, &e, None, ctx.tz()))
}

/// Open the secret store chosen by the settings, telling its notice once.
pub async fn open_store(ctx: &Ctx) -> SecretStore {
    let store = SecretStore::open(ctx.settings.secret_store).await;
    if let Some(n) = store.take_notice() {
        ctx.note(&ctx.t.store_notice(&n));
    }
    store
}

/// A signed-in session resumed from the store.
pub struct Signed {
    pub client: PortalClient,
    pub store: SecretStore,
    pub username: String,
    pub session: portal::Session,
}

/// The stored session's user: `--user`, else the last one signed in.
pub fn username(ctx: &Ctx, client: &PortalClient) -> Result<String, CommandError> {
    ctx.settings.username.clone().ok_or_else(|| {
        CommandError::new(
            Exit::NotSignedIn,
            "not_signed_in",
            ctx.t.not_signed_in(client.base_url()),
        )
    })
}

/// Resume the stored session (exit 3 when there is none or the portal refuses it).
pub async fn resume(ctx: &Ctx) -> Result<Signed, CommandError> {
    let client = client(ctx)?;
    let username = username(ctx, &client)?;
    let store = open_store(ctx).await;
    let session = refresh_stored(ctx, &client, &store, &username).await?;
    Ok(Signed {
        client,
        store,
        username,
        session,
    })
}

/// Resume the kept session: under the lock across processes, the stored
/// refresh token is presented and the rotated one stored (the TUI does the
/// same, through the same [`PortalClient::resume_kept`]). A refused token is
/// forgotten.
pub async fn refresh_stored(
    ctx: &Ctx,
    client: &PortalClient,
    store: &SecretStore,
    username: &str,
) -> Result<portal::Session, CommandError> {
    let portal = client.base_url().to_string();
    match client.resume_kept(kept(store, username)).await {
        Ok(Some(session)) => Ok(session),
        Ok(None) => Err(CommandError::new(
            Exit::NotSignedIn,
            "not_signed_in",
            ctx.t.not_signed_in(&portal),
        )),
        Err(e) if e.needs_login() => Err(CommandError::new(
            Exit::NotSignedIn,
            "session_expired",
            ctx.t.session_refused(&portal),
        )),
        Err(e) => Err(CommandError::portal(ctx.t, &e, None, ctx.tz())),
    }
}

/// The session of `username`, kept in `store`.
pub fn kept(store: &SecretStore, username: &str) -> KeptSession {
    KeptSession {
        store: store.clone(),
        username: username.to_string(),
    }
}

impl Signed {
    /// Refresh from the stored token when the access token is about to
    /// expire (the in-memory refresh token may have been rotated by another
    /// command meanwhile, so it is never presented by itself).
    pub async fn freshen(&mut self, ctx: &Ctx) -> Result<(), CommandError> {
        let margin = chrono::Duration::from_std(FRESHEN_MARGIN).unwrap_or_default();
        if self.session.access_expires_at - margin > Utc::now() {
            return Ok(());
        }
        self.session = refresh_stored(ctx, &self.client, &self.store, &self.username).await?;
        Ok(())
    }

    /// When the access token needs freshening.
    pub fn access_expires_at(&self) -> DateTime<Utc> {
        self.session.access_expires_at
    }

    /// The portal's policy (`GET /policy`).
    pub async fn policy(&self, ctx: &Ctx) -> Result<Policy, CommandError> {
        policy(ctx, &self.client).await
    }

    /// A portal error in the user's words.
    pub fn fail(&self, ctx: &Ctx, e: &PortalError) -> CommandError {
        CommandError::portal(ctx.t, e, None, ctx.tz())
    }
}

/// `GET /policy`, as the domain's [`Policy`].
pub async fn policy(ctx: &Ctx, client: &PortalClient) -> Result<Policy, CommandError> {
    let answer = client
        .policy()
        .await
        .map_err(|e| CommandError::portal(ctx.t, &e, None, ctx.tz()))?;
    let policy = answer.to_policy().ok_or_else(|| {
        let e = PortalError::Decode(format!("unknown time zone {:?}", answer.time_zone));
        CommandError::portal(ctx.t, &e, None, ctx.tz())
    })?;
    ctx.set_policy(policy);
    Ok(policy)
}
