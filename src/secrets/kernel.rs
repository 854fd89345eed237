//! The kernel keyring (keyutils) as a keyring-core store, working where the
//! persistent keyring is refused.
//!
//! `linux-keyutils-keyring-store` adds every key to the session keyring and
//! then links it to the persistent keyring, failing the whole write when the
//! link is refused (`AccessDenied` in containers and on many jump hosts,
//! although `keyctl add user x y @u` works there). This store picks, once,
//! the first keyring in which a key can be added, found and read back:
//!
//! 1. the session keyring (a login session's own, from pam_keyinit);
//! 2. the user keyring, shared by every process of the user; it lasts while
//!    the user has a process running (in a container, while it runs).
//!
//! The persistent keyring is never used: linking it into the session keyring
//! (what `keyctl get_persistent` does) can make that keyring unsearchable
//! for the processes that follow.
//!
//! Every key gets a timeout: the refresh token's lifetime, renewed at each
//! save, so a stored token never outlives the session it opens.

use std::sync::Arc;

use keyring_core::api::{CredentialApi, CredentialPersistence, CredentialStoreApi};
use keyring_core::{Credential, Entry, Error};
use linux_keyutils::{KeyError, KeyRing, KeyRingIdentifier};

/// Seconds a stored key lives after its last write (the portal's refresh
/// token lifetime, 8 hours).
pub const KEY_TIMEOUT_SECS: usize = 8 * 3600;

/// Which keyring the keys live in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ring {
    Session,
    User,
}

impl Ring {
    fn id(self) -> KeyRingIdentifier {
        match self {
            Ring::Session => KeyRingIdentifier::Session,
            Ring::User => KeyRingIdentifier::User,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Ring::Session => "session",
            Ring::User => "user",
        }
    }
}

fn platform(e: KeyError) -> Error {
    match e {
        KeyError::KeyDoesNotExist | KeyError::KeyRevoked | KeyError::KeyExpired => Error::NoEntry,
        KeyError::AccessDenied => Error::NoStorageAccess(Box::new(e)),
        other => Error::PlatformFailure(Box::new(other)),
    }
}

/// Add, find and read back a key in `ring`, then remove it.
fn works(ring: Ring) -> Result<(), String> {
    let keyring = KeyRing::from_special_id(ring.id(), false)
        .map_err(|e| format!("no {} keyring: {e}", ring.as_str()))?;
    let description = format!("licencias:preflight:{}", uuid::Uuid::new_v4());
    let key = keyring
        .add_key(&description, b"preflight")
        .map_err(|e| format!("cannot add a key to the {} keyring: {e}", ring.as_str()))?;
    let missing = format!("licencias:preflight:{}", uuid::Uuid::new_v4());
    let read = key
        .set_timeout(60)
        .map_err(|e| format!("cannot set a timeout in the {} keyring: {e}", ring.as_str()))
        .and_then(|()| match keyring.search(&missing) {
            Err(KeyError::KeyDoesNotExist) => Ok(()),
            Ok(_) => Err("a key that was never added was found".to_string()),
            Err(e) => Err(format!("cannot search the {} keyring: {e}", ring.as_str())),
        })
        .and_then(|()| {
            keyring
                .search(&description)
                .map_err(|e| format!("cannot search the {} keyring: {e}", ring.as_str()))
        })
        .and_then(|k| {
            k.read_to_vec()
                .map_err(|e| format!("cannot read keys back: {e}"))
        });
    if key.invalidate().is_err() {
        let _ = keyring.unlink_key(key);
    }
    match read {
        Ok(v) if v == b"preflight" => Ok(()),
        Ok(_) => Err("the key read back differently".into()),
        Err(e) => Err(e),
    }
}

/// The kernel keyring store.
#[derive(Debug, Clone)]
pub struct KernelStore {
    ring: Ring,
}

impl KernelStore {
    /// The session keyring if it works, else the user keyring.
    pub fn open() -> Result<Arc<Self>, String> {
        let session = match works(Ring::Session) {
            Ok(()) => {
                return Ok(Arc::new(Self {
                    ring: Ring::Session,
                }));
            }
            Err(e) => e,
        };
        match works(Ring::User) {
            Ok(()) => {
                tracing::info!(reason = %session, "kernel keyring: the session keyring does not work; using the user keyring");
                Ok(Arc::new(Self { ring: Ring::User }))
            }
            Err(user) => Err(format!("{session}; {user}")),
        }
    }

    pub fn ring(&self) -> Ring {
        self.ring
    }
}

impl CredentialStoreApi for KernelStore {
    fn vendor(&self) -> String {
        "licencias kernel keyring".into()
    }

    fn id(&self) -> String {
        format!("keyutils:{}", self.ring.as_str())
    }

    fn build(
        &self,
        service: &str,
        user: &str,
        _modifiers: Option<&std::collections::HashMap<&str, &str>>,
    ) -> keyring_core::Result<Entry> {
        let keyring = KeyRing::from_special_id(self.ring.id(), false).map_err(platform)?;
        Ok(Entry::new_with_credential(Arc::new(KernelCred {
            keyring,
            description: format!("licencias:{user}@{service}"),
            specifiers: (service.to_string(), user.to_string()),
        })))
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn persistence(&self) -> CredentialPersistence {
        CredentialPersistence::UntilLogout
    }
}

/// One key.
#[derive(Debug)]
struct KernelCred {
    keyring: KeyRing,
    description: String,
    specifiers: (String, String),
}

impl CredentialApi for KernelCred {
    fn set_secret(&self, secret: &[u8]) -> keyring_core::Result<()> {
        if secret.is_empty() {
            return Err(Error::Invalid("secret".into(), "cannot be empty".into()));
        }
        let key = self
            .keyring
            .add_key(&self.description, secret)
            .map_err(platform)?;
        key.set_timeout(KEY_TIMEOUT_SECS).map_err(platform)?;
        Ok(())
    }

    fn get_secret(&self) -> keyring_core::Result<Vec<u8>> {
        let key = self.keyring.search(&self.description).map_err(platform)?;
        key.read_to_vec().map_err(platform)
    }

    fn delete_credential(&self) -> keyring_core::Result<()> {
        let key = self.keyring.search(&self.description).map_err(platform)?;
        key.invalidate().map_err(platform)
    }

    fn get_credential(&self) -> keyring_core::Result<Option<Arc<Credential>>> {
        self.keyring.search(&self.description).map_err(platform)?;
        Ok(None)
    }

    fn get_specifiers(&self) -> Option<(String, String)> {
        Some(self.specifiers.clone())
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where the kernel has keyrings (it has here unless a sandbox refuses
    /// them), a token written is read back, then gone once deleted.
    #[test]
    fn a_key_round_trips_in_the_ring_that_works() {
        let store = match KernelStore::open() {
            Ok(s) => s,
            Err(reason) => {
                eprintln!("skipped: no usable kernel keyring here ({reason})");
                return;
            }
        };
        let store: Arc<keyring_core::CredentialStore> = store;
        let user = uuid::Uuid::new_v4().to_string();
        let e = Entry::new_in_store(&store, "licencias:test", &user).unwrap();
        assert!(matches!(e.get_password(), Err(Error::NoEntry)));
        e.set_password("token-1").unwrap();
        e.set_password("token-2").unwrap();
        assert_eq!(e.get_password().unwrap(), "token-2");
        e.delete_credential().unwrap();
        assert!(matches!(e.get_password(), Err(Error::NoEntry)));
    }
}
