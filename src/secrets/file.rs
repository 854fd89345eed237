//! `--secret-store file`: the refresh token in a plain file, for hosts with
//! no keyring at all (like gh's insecure storage). Never chosen by `auto`.
//!
//! One file per portal and user under `$XDG_STATE_HOME/licencias/tokens/`
//! (directory mode 0700, files 0600, written atomically). Anyone who can
//! read the file (root, a backup, a copied home directory) holds the session
//! until it expires or `licencias logout` ends it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use keyring_core::api::{CredentialApi, CredentialPersistence, CredentialStoreApi};
use keyring_core::{Credential, Entry, Error};
use sha2::{Digest, Sha256};

/// The file store in `dir`.
#[derive(Debug, Clone)]
pub struct FileStore {
    dir: PathBuf,
}

fn io(e: std::io::Error) -> Error {
    match e.kind() {
        std::io::ErrorKind::NotFound => Error::NoEntry,
        std::io::ErrorKind::PermissionDenied => Error::NoStorageAccess(Box::new(e)),
        _ => Error::PlatformFailure(Box::new(e)),
    }
}

impl FileStore {
    /// The store in `dir`, created (mode 0700) if needed.
    pub fn open(dir: &Path) -> Result<Arc<Self>, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| format!("cannot protect {}: {e}", dir.display()))?;
        }
        // Can files be made here (a read-only home)? No fsync: nothing is kept.
        let probe = dir.join(format!(".probe-{}", uuid::Uuid::new_v4().simple()));
        std::fs::File::create(&probe)
            .map_err(|e| format!("cannot write in {}: {e}", dir.display()))?;
        let _ = std::fs::remove_file(&probe);
        Ok(Arc::new(Self {
            dir: dir.to_path_buf(),
        }))
    }

    /// `$XDG_STATE_HOME/licencias/tokens`.
    pub fn default_dir() -> Option<PathBuf> {
        crate::fsutil::state_dir().map(|d| d.join("tokens"))
    }
}

impl CredentialStoreApi for FileStore {
    fn vendor(&self) -> String {
        "licencias file".into()
    }

    fn id(&self) -> String {
        format!("file:{}", self.dir.display())
    }

    fn build(
        &self,
        service: &str,
        user: &str,
        _modifiers: Option<&std::collections::HashMap<&str, &str>>,
    ) -> keyring_core::Result<Entry> {
        let mut h = Sha256::new();
        h.update(service.as_bytes());
        h.update([0]);
        h.update(user.as_bytes());
        let name = hex::encode(&h.finalize()[..16]);
        Ok(Entry::new_with_credential(Arc::new(FileCred {
            path: self.dir.join(name),
            specifiers: (service.to_string(), user.to_string()),
        })))
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn persistence(&self) -> CredentialPersistence {
        CredentialPersistence::UntilDelete
    }
}

#[derive(Debug)]
struct FileCred {
    path: PathBuf,
    specifiers: (String, String),
}

impl CredentialApi for FileCred {
    fn set_secret(&self, secret: &[u8]) -> keyring_core::Result<()> {
        crate::fsutil::write_atomic(&self.path, secret).map_err(io)
    }

    fn get_secret(&self) -> keyring_core::Result<Vec<u8>> {
        std::fs::read(&self.path).map_err(io)
    }

    fn delete_credential(&self) -> keyring_core::Result<()> {
        std::fs::remove_file(&self.path).map_err(io)
    }

    fn get_credential(&self) -> keyring_core::Result<Option<Arc<Credential>>> {
        if self.path.exists() {
            Ok(None)
        } else {
            Err(Error::NoEntry)
        }
    }

    fn get_specifiers(&self) -> Option<(String, String)> {
        Some(self.specifiers.clone())
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
