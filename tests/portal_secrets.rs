//! The refresh-token stores on this machine: whichever store a forced
//! choice ends up with, it works (round trip across instances for a real
//! keyring) or falls back to memory with one notice; nothing panics.

use licencias::secrets::{SecretStore, StoreChoice, StoreKind, StoreNotice};
use secrecy::{ExposeSecret, SecretString};

async fn check_forced(choice: StoreChoice, wanted: StoreKind) {
    let portal = format!("https://test-{}.invalid", uuid::Uuid::new_v4());
    let user = "secrets-test";
    let store = SecretStore::open(choice).await;
    match store.kind() {
        kind if kind == wanted => {
            assert!(store.take_notice().is_none());
            store
                .save(&portal, user, &SecretString::from("refresh-token-1"))
                .await;
            // a second instance (as after a restart) finds it
            let again = SecretStore::open(choice).await;
            assert_eq!(again.kind(), wanted);
            assert_eq!(
                again
                    .load(&portal, user)
                    .await
                    .map(|t| t.expose_secret().to_string())
                    .as_deref(),
                Some("refresh-token-1")
            );
            // replaced, then deleted (logout)
            again
                .save(&portal, user, &SecretString::from("refresh-token-2"))
                .await;
            assert_eq!(
                store
                    .load(&portal, user)
                    .await
                    .map(|t| t.expose_secret().to_string())
                    .as_deref(),
                Some("refresh-token-2")
            );
            again.delete(&portal, user).await;
            assert!(store.load(&portal, user).await.is_none());
            assert_eq!(store.kind(), wanted, "no degradation on the way");
        }
        StoreKind::Memory => match store.take_notice() {
            Some(StoreNotice::Unavailable { wanted: w, reason }) => {
                assert_eq!(w, wanted);
                assert!(!reason.is_empty());
            }
            other => panic!("memory without a notice: {other:?}"),
        },
        other => panic!("forced {choice} gave {other}"),
    }
}

#[tokio::test]
async fn forced_keyutils_works_or_falls_back_with_a_notice() {
    check_forced(StoreChoice::Keyutils, StoreKind::Keyutils).await;
}

#[tokio::test]
async fn forced_secret_service_works_or_falls_back_with_a_notice() {
    check_forced(StoreChoice::SecretService, StoreKind::SecretService).await;
}

#[tokio::test]
async fn forced_memory_forgets_at_restart() {
    let store = SecretStore::open(StoreChoice::Memory).await;
    assert_eq!(store.kind(), StoreKind::Memory);
    store
        .save("https://m.invalid", "u", &SecretString::from("t"))
        .await;
    let restarted = SecretStore::open(StoreChoice::Memory).await;
    assert!(restarted.load("https://m.invalid", "u").await.is_none());
    assert!(!StoreKind::Memory.persists());
}
