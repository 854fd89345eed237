//! A session kept in the secret store and shared by two programs (the TUI
//! and a scripting command, or two windows): each refresh presents the token
//! the other one stored, so the portal's reuse detection (a rotated refresh
//! token presented again ends the whole session) never fires between them.
//! Over real HTTP against the reference portal.

mod portal_support;

use std::time::Duration;

use licencias::portal::{KeptSession, PortalError};
use licencias::secrets::SecretStore;
use licencias::server;
use portal_support::*;

fn kept(store: &SecretStore) -> KeptSession {
    KeptSession {
        store: store.clone(),
        username: server::DEMO_USERNAME.to_string(),
    }
}

#[tokio::test]
async fn two_programs_sharing_a_kept_session_never_present_a_rotated_token() {
    let srv = demo_server(Duration::from_secs(1)).await;
    let url = srv.base_url();
    let store = SecretStore::memory();

    // The TUI signs in and keeps its session in the store.
    let tui = client_for(&url, test_options());
    sign_in(&tui).await;
    tui.save_kept(kept(&store)).await;
    assert!(tui.is_kept());

    // A script resumes from the store: the token the TUI holds in memory is
    // now rotated on the portal.
    let script = client_for(&url, test_options());
    let resumed = script.resume_kept(kept(&store)).await.unwrap();
    assert!(resumed.is_some());

    // The TUI's access token runs out: its refresh presents the script's
    // stored token (not its own rotated one), so the session lives on.
    srv.expire_access_tokens();
    tui.services()
        .await
        .expect("the TUI refreshes from the stored token");

    // And the script, in turn, resumes from what the TUI stored.
    let again = client_for(&url, test_options());
    let resumed = again.resume_kept(kept(&store)).await.unwrap();
    assert!(resumed.is_some(), "the session was not revoked");
    again.services().await.unwrap();
    srv.shutdown().await;
}

#[tokio::test]
async fn without_keeping_the_rotated_token_ends_the_session() {
    // The failure the kept session avoids: the same two programs, but the
    // TUI refreshes with the token it holds in memory.
    let srv = demo_server(Duration::from_secs(1)).await;
    let url = srv.base_url();
    let store = SecretStore::memory();
    let tui = client_for(&url, test_options());
    sign_in(&tui).await;
    tui.save_kept(kept(&store)).await;
    tui.keep_session(None);
    let script = client_for(&url, test_options());
    assert!(script.resume_kept(kept(&store)).await.unwrap().is_some());
    srv.expire_access_tokens();
    assert_eq!(
        tui.services().await.unwrap_err(),
        PortalError::SessionExpired
    );
    // The whole session is gone, the script's side too.
    srv.expire_access_tokens();
    assert_eq!(
        script.services().await.unwrap_err(),
        PortalError::SessionExpired
    );
    srv.shutdown().await;
}

#[tokio::test]
async fn nothing_stored_resumes_nothing_and_a_refused_token_is_forgotten() {
    let srv = demo_server(Duration::from_secs(1)).await;
    let url = srv.base_url();
    let store = SecretStore::memory();
    let client = client_for(&url, test_options());
    assert_eq!(client.resume_kept(kept(&store)).await.unwrap(), None);
    assert!(!client.is_kept());

    let first = client_for(&url, test_options());
    sign_in(&first).await;
    first.save_kept(kept(&store)).await;
    first.logout().await.unwrap();
    assert!(!first.is_kept(), "a logout stops keeping the session");
    let err = client.resume_kept(kept(&store)).await.unwrap_err();
    assert!(err.needs_login(), "{err:?}");
    assert!(
        store.load(&url, server::DEMO_USERNAME).await.is_none(),
        "the refused token is forgotten"
    );
    srv.shutdown().await;
}
