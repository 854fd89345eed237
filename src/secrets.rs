//! Where the refresh token lives between runs.
//!
//! At start-up the stores are probed in order with a canary write/read/delete:
//! the Secret Service (D-Bus; persistent), the kernel keyring (keyutils: the
//! session keyring, else the user keyring where the session one cannot be
//! read back, as in containers; see [`kernel`]), then memory only (lost when
//! the program ends). `--secret-store` / `LICENCIAS_SECRET_STORE` forces one;
//! a forced store that does not work falls back to memory with a notice.
//! `file` (a plain file, see [`file`]) is only ever used when asked for.
//!
//! Entries are keyed by portal URL + username (service `licencias:<portal
//! URL>`, user `<username>`). Every keyring call runs in `spawn_blocking`. A
//! store that fails later degrades to memory once, with one notice
//! ([`SecretStore::take_notice`]), and never makes the program fail.
//!
//! Only refresh tokens are stored here; passwords and TOTP codes never are.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use keyring_core::{CredentialStore, Entry, Error as KeyringError};

pub mod file;
#[cfg(target_os = "linux")]
pub mod kernel;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

/// Keyring service name prefix.
const SERVICE_PREFIX: &str = "licencias:";
/// How long a store probe may take (a hung D-Bus must not hang start-up).
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one keyring call may take before the store is given up.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// Which store to use (`--secret-store`, `LICENCIAS_SECRET_STORE`, config).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum StoreChoice {
    /// Probe Secret Service, then keyutils, then memory.
    #[default]
    Auto,
    /// The Secret Service over D-Bus (GNOME Keyring, KWallet...).
    SecretService,
    /// The kernel keyring of the login session.
    Keyutils,
    /// Memory only: sign in again at every start.
    Memory,
    /// A plain file under the XDG state dir (mode 0600): readable by anyone
    /// who can read that file. Never chosen by `auto`.
    File,
}

impl StoreChoice {
    pub fn as_str(self) -> &'static str {
        match self {
            StoreChoice::Auto => "auto",
            StoreChoice::SecretService => "secret-service",
            StoreChoice::Keyutils => "keyutils",
            StoreChoice::Memory => "memory",
            StoreChoice::File => "file",
        }
    }
}

impl std::fmt::Display for StoreChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for StoreChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(StoreChoice::Auto),
            "secret-service" | "secret_service" | "secretservice" => Ok(StoreChoice::SecretService),
            "keyutils" => Ok(StoreChoice::Keyutils),
            "memory" => Ok(StoreChoice::Memory),
            "file" => Ok(StoreChoice::File),
            other => Err(format!(
                "unknown secret store '{other}' (expected auto, secret-service, keyutils, memory or file)"
            )),
        }
    }
}

/// The store in use, for the status bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StoreKind {
    SecretService,
    Keyutils,
    Memory,
    File,
}

impl StoreKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StoreKind::SecretService => "secret-service",
            StoreKind::Keyutils => "keyutils",
            StoreKind::Memory => "memory",
            StoreKind::File => "file",
        }
    }

    /// Does a token survive the end of the program?
    pub fn persists(self) -> bool {
        !matches!(self, StoreKind::Memory)
    }
}

impl std::fmt::Display for StoreKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something the user should be told once about the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreNotice {
    /// The forced store does not work here: memory is used instead.
    Unavailable { wanted: StoreKind, reason: String },
    /// The store worked at start-up and failed later: memory from now on.
    Degraded { from: StoreKind, reason: String },
}

impl std::fmt::Display for StoreNotice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreNotice::Unavailable { wanted, reason } => write!(
                f,
                "the {wanted} secret store is not available ({reason}); the session is kept in memory only"
            ),
            StoreNotice::Degraded { from, reason } => write!(
                f,
                "the {from} secret store failed ({reason}); the session is kept in memory only from now on"
            ),
        }
    }
}

/// A keyring error in words, never quoting secret bytes.
fn describe(e: &KeyringError) -> String {
    match e {
        KeyringError::BadEncoding(_) => "stored value is not UTF-8".into(),
        KeyringError::BadDataFormat(_, _) => "stored value is malformed".into(),
        KeyringError::Ambiguous(items) => format!("{} entries match", items.len()),
        other => other.to_string(),
    }
}

enum Backend {
    Keyring {
        kind: StoreKind,
        store: Arc<CredentialStore>,
    },
    Memory,
}

struct State {
    backend: Backend,
    memory: HashMap<(String, String), SecretString>,
    notice: Option<StoreNotice>,
}

/// The refresh-token store. Cheap to clone; clones share state.
#[derive(Clone)]
pub struct SecretStore {
    state: Arc<Mutex<State>>,
    kind_tx: Arc<watch::Sender<StoreKind>>,
}

impl std::fmt::Debug for SecretStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretStore")
            .field("kind", &self.kind())
            .finish()
    }
}

fn service_name(portal_url: &str) -> String {
    format!("{SERVICE_PREFIX}{}", portal_url.trim_end_matches('/'))
}

/// Make a store of `kind` (blocking; call from `spawn_blocking`).
fn make_store(kind: StoreKind) -> Result<Arc<CredentialStore>, String> {
    match kind {
        #[cfg(target_os = "linux")]
        StoreKind::SecretService => {
            let s: Arc<CredentialStore> =
                zbus_secret_service_keyring_store::Store::new().map_err(|e| describe(&e))?;
            Ok(s)
        }
        #[cfg(target_os = "linux")]
        StoreKind::Keyutils => {
            let s: Arc<CredentialStore> = kernel::KernelStore::open()?;
            Ok(s)
        }
        #[cfg(not(target_os = "linux"))]
        StoreKind::SecretService | StoreKind::Keyutils => {
            Err("not available on this operating system".into())
        }
        StoreKind::File => {
            let dir = file::FileStore::default_dir()
                .ok_or_else(|| "no home directory for the token file".to_string())?;
            let s: Arc<CredentialStore> = file::FileStore::open(&dir)?;
            Ok(s)
        }
        StoreKind::Memory => Err("memory is not a keyring".into()),
    }
}

/// Write, read back and delete a canary entry (blocking).
fn canary(store: &Arc<CredentialStore>) -> Result<(), String> {
    let id = uuid::Uuid::new_v4().to_string();
    let entry = Entry::new_in_store(store, "licencias:canary", &id).map_err(|e| describe(&e))?;
    // Read first: a store that can be written but not searched (keyutils
    // with no session keyring) would otherwise keep a canary it cannot delete.
    match entry.get_password() {
        Err(KeyringError::NoEntry) => {}
        Ok(_) => return Err("the canary existed before it was written".into()),
        Err(e) => return Err(describe(&e)),
    }
    let value = format!("canary-{id}");
    entry.set_password(&value).map_err(|e| describe(&e))?;
    let back = entry.get_password().map_err(|e| describe(&e));
    let deleted = entry.delete_credential().map_err(|e| describe(&e));
    match back {
        Ok(v) if v == value => {}
        Ok(_) => return Err("the canary read back differently".into()),
        Err(e) => return Err(e),
    }
    deleted
}

/// Make and check a store of `kind`, bounded in time.
async fn probe(kind: StoreKind) -> Result<Arc<CredentialStore>, String> {
    let task = tokio::task::spawn_blocking(move || {
        // The kernel store checks its keyring itself when it is made; the
        // file store's directory is made and protected when it opens (a
        // canary there would cost two fsynced writes on every command).
        let store = make_store(kind)?;
        if kind != StoreKind::File {
            canary(&store)?;
        }
        Ok::<_, String>(store)
    });
    match tokio::time::timeout(PROBE_TIMEOUT, task).await {
        Ok(Ok(result)) => result,
        Ok(Err(join)) => Err(format!("the probe failed: {join}")),
        Err(_) => Err("no answer in time".into()),
    }
}

enum Op {
    Load,
    Save(SecretString),
    Delete,
}

impl SecretStore {
    /// Probe and open the store as `choice` says. Never fails: the worst
    /// case is memory only (with a notice when a forced store did not work).
    pub async fn open(choice: StoreChoice) -> Self {
        let order: &[StoreKind] = match choice {
            StoreChoice::Auto => &[StoreKind::SecretService, StoreKind::Keyutils],
            StoreChoice::SecretService => &[StoreKind::SecretService],
            StoreChoice::Keyutils => &[StoreKind::Keyutils],
            StoreChoice::Memory => &[],
            StoreChoice::File => &[StoreKind::File],
        };
        let mut notice = None;
        for &kind in order {
            match probe(kind).await {
                Ok(store) => {
                    tracing::info!(store = %kind, "secret store ready");
                    return Self::with_backend(Backend::Keyring { kind, store }, None);
                }
                Err(reason) => {
                    tracing::info!(store = %kind, %reason, "secret store not available");
                    if choice != StoreChoice::Auto {
                        notice = Some(StoreNotice::Unavailable {
                            wanted: kind,
                            reason,
                        });
                    }
                }
            }
        }
        tracing::info!(store = "memory", "secret store ready");
        Self::with_backend(Backend::Memory, notice)
    }

    /// A memory-only store (tests, `--secret-store memory`).
    pub fn memory() -> Self {
        Self::with_backend(Backend::Memory, None)
    }

    /// A store over an arbitrary keyring-core store (tests).
    pub fn from_keyring_store(kind: StoreKind, store: Arc<CredentialStore>) -> Self {
        Self::with_backend(Backend::Keyring { kind, store }, None)
    }

    fn with_backend(backend: Backend, notice: Option<StoreNotice>) -> Self {
        let kind = match &backend {
            Backend::Keyring { kind, .. } => *kind,
            Backend::Memory => StoreKind::Memory,
        };
        let (kind_tx, _) = watch::channel(kind);
        Self {
            state: Arc::new(Mutex::new(State {
                backend,
                memory: HashMap::new(),
                notice,
            })),
            kind_tx: Arc::new(kind_tx),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The store in use now.
    pub fn kind(&self) -> StoreKind {
        match self.lock().backend {
            Backend::Keyring { kind, .. } => kind,
            Backend::Memory => StoreKind::Memory,
        }
    }

    /// Changes of [`Self::kind`] (a degradation to memory), for the status bar.
    pub fn subscribe_kind(&self) -> watch::Receiver<StoreKind> {
        self.kind_tx.subscribe()
    }

    /// The message to show once (forced store unavailable, or degraded).
    pub fn take_notice(&self) -> Option<StoreNotice> {
        self.lock().notice.take()
    }

    /// The stored refresh token for this portal and user, if any.
    pub async fn load(&self, portal_url: &str, username: &str) -> Option<SecretString> {
        self.run(portal_url, username, Op::Load).await
    }

    /// Keep `token` for this portal and user (replacing any older one).
    pub async fn save(&self, portal_url: &str, username: &str, token: &SecretString) {
        self.run(portal_url, username, Op::Save(token.clone()))
            .await;
    }

    /// Forget the token for this portal and user (logout).
    pub async fn delete(&self, portal_url: &str, username: &str) {
        self.run(portal_url, username, Op::Delete).await;
    }

    async fn run(&self, portal_url: &str, username: &str, op: Op) -> Option<SecretString> {
        let service = service_name(portal_url);
        let user = username.to_string();
        let key = (service.clone(), user.clone());
        let store = match &self.lock().backend {
            Backend::Keyring { kind, store } => Some((*kind, store.clone())),
            Backend::Memory => None,
        };
        let Some((kind, store)) = store else {
            let mut st = self.lock();
            return match op {
                Op::Load => st.memory.get(&key).cloned(),
                Op::Save(token) => {
                    st.memory.insert(key, token);
                    None
                }
                Op::Delete => {
                    st.memory.remove(&key);
                    None
                }
            };
        };
        let op_for_memory = match &op {
            Op::Save(t) => Some(t.clone()),
            _ => None,
        };
        let is_delete = matches!(op, Op::Delete);
        let task = tokio::task::spawn_blocking(move || -> Result<Option<SecretString>, String> {
            let entry = Entry::new_in_store(&store, &service, &user).map_err(|e| describe(&e))?;
            match op {
                Op::Load => match entry.get_password() {
                    Ok(v) => Ok(Some(SecretString::from(v))),
                    Err(KeyringError::NoEntry) => Ok(None),
                    Err(e) => Err(describe(&e)),
                },
                Op::Save(token) => entry
                    .set_password(token.expose_secret())
                    .map(|_| None)
                    .map_err(|e| describe(&e)),
                Op::Delete => match entry.delete_credential() {
                    Ok(()) | Err(KeyringError::NoEntry) => Ok(None),
                    Err(e) => Err(describe(&e)),
                },
            }
        });
        let outcome = match tokio::time::timeout(CALL_TIMEOUT, task).await {
            Ok(Ok(r)) => r,
            Ok(Err(join)) => Err(format!("the keyring call failed: {join}")),
            Err(_) => Err("no answer in time".into()),
        };
        match outcome {
            Ok(v) => v,
            Err(reason) => {
                self.degrade(kind, reason);
                let mut st = self.lock();
                if let Some(t) = op_for_memory {
                    st.memory.insert(key, t);
                } else if is_delete {
                    st.memory.remove(&key);
                }
                None
            }
        }
    }

    fn degrade(&self, from: StoreKind, reason: String) {
        tracing::warn!(store = %from, %reason, "secret store failed; using memory from now on");
        let mut st = self.lock();
        if matches!(st.backend, Backend::Memory) {
            return;
        }
        st.backend = Backend::Memory;
        st.notice = Some(StoreNotice::Degraded { from, reason });
        drop(st);
        self.kind_tx.send_replace(StoreKind::Memory);
    }
}

/// The session lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum SessionLockError {
    #[error("no home directory for the session lock")]
    NoHome,
    #[error("{path}: {source}")]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

/// An exclusive advisory lock on one portal+user's stored session, across
/// processes (released on drop). A refresh token is single use: hold this
/// while loading the stored token, presenting it and storing the rotated
/// one, so two programs never present the same token.
/// The file: `$XDG_STATE_HOME/licencias/sessions/<hash of portal and user>.lock`.
#[derive(Debug)]
pub struct SessionLock {
    _file: std::fs::File,
}

impl SessionLock {
    /// The lock file of a portal and user.
    pub fn path(portal_url: &str, username: &str) -> Option<std::path::PathBuf> {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(service_name(portal_url).as_bytes());
        h.update([0]);
        h.update(username.as_bytes());
        let name = hex::encode(&h.finalize()[..16]);
        Some(
            crate::fsutil::state_dir()?
                .join("sessions")
                .join(format!("{name}.lock")),
        )
    }

    /// Wait for the lock (in a blocking thread).
    pub async fn acquire(portal_url: &str, username: &str) -> Result<Self, SessionLockError> {
        let path = Self::path(portal_url, username).ok_or(SessionLockError::NoHome)?;
        let task = tokio::task::spawn_blocking(move || {
            let io = |source, path: &std::path::Path| SessionLockError::Io {
                path: path.to_path_buf(),
                source,
            };
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| io(e, dir))?;
            }
            let mut opts = std::fs::OpenOptions::new();
            opts.create(true).truncate(false).write(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            let file = opts.open(&path).map_err(|e| io(e, &path))?;
            file.lock().map_err(|e| io(e, &path))?;
            Ok(SessionLock { _file: file })
        });
        match task.await {
            Ok(r) => r,
            Err(e) => Err(SessionLockError::Io {
                path: std::path::PathBuf::new(),
                source: std::io::Error::other(e.to_string()),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keyring_core::api::CredentialStoreApi;

    /// A store whose every entry fails, as a keyring that went away.
    struct Broken;
    impl CredentialStoreApi for Broken {
        fn vendor(&self) -> String {
            "broken".into()
        }
        fn id(&self) -> String {
            "broken".into()
        }
        fn build(
            &self,
            _service: &str,
            _user: &str,
            _modifiers: Option<&HashMap<&str, &str>>,
        ) -> keyring_core::Result<Entry> {
            Err(KeyringError::NoStorageAccess(Box::new(
                std::io::Error::other("the daemon went away"),
            )))
        }
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
    }

    #[tokio::test]
    async fn the_session_lock_is_exclusive_per_portal_and_user() {
        let a = SessionLock::acquire("http://127.0.0.1:1", "lock-test")
            .await
            .unwrap();
        // another portal or user: not blocked
        let other = SessionLock::acquire("http://127.0.0.1:2", "lock-test")
            .await
            .unwrap();
        drop(other);
        let path = SessionLock::path("http://127.0.0.1:1/", "lock-test").unwrap();
        let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        assert!(f.try_lock().is_err(), "held by the first lock");
        drop(a);
        assert!(f.try_lock().is_ok(), "released on drop");
    }

    #[test]
    fn choices_parse_and_print() {
        for c in [
            StoreChoice::Auto,
            StoreChoice::SecretService,
            StoreChoice::Keyutils,
            StoreChoice::Memory,
            StoreChoice::File,
        ] {
            assert_eq!(c.as_str().parse::<StoreChoice>().unwrap(), c);
        }
        assert!("vault".parse::<StoreChoice>().is_err());
    }

    #[tokio::test]
    async fn memory_store_keeps_tokens_per_portal_and_user() {
        let s = SecretStore::memory();
        assert_eq!(s.kind(), StoreKind::Memory);
        assert!(s.load("https://a", "u").await.is_none());
        s.save("https://a", "u", &SecretString::from("t1")).await;
        s.save("https://b", "u", &SecretString::from("t2")).await;
        assert_eq!(
            s.load("https://a/", "u").await.unwrap().expose_secret(),
            "t1"
        );
        assert_eq!(
            s.load("https://b", "u").await.unwrap().expose_secret(),
            "t2"
        );
        assert!(s.load("https://a", "v").await.is_none());
        s.delete("https://a", "u").await;
        assert!(s.load("https://a", "u").await.is_none());
        assert!(s.take_notice().is_none());
    }

    #[tokio::test]
    async fn mock_keyring_store_round_trips() {
        let store: Arc<CredentialStore> = keyring_core::mock::Store::new().unwrap();
        assert!(canary(&store).is_ok());
        let s = SecretStore::from_keyring_store(StoreKind::Keyutils, store);
        s.save("https://a", "u", &SecretString::from("tok")).await;
        assert_eq!(
            s.load("https://a", "u").await.unwrap().expose_secret(),
            "tok"
        );
        s.delete("https://a", "u").await;
        assert!(s.load("https://a", "u").await.is_none());
        assert_eq!(s.kind(), StoreKind::Keyutils);
    }

    #[tokio::test]
    async fn a_failing_store_degrades_to_memory_once() {
        let s = SecretStore::from_keyring_store(StoreKind::SecretService, Arc::new(Broken));
        let mut kinds = s.subscribe_kind();
        s.save("https://a", "u", &SecretString::from("tok")).await;
        assert_eq!(s.kind(), StoreKind::Memory);
        assert!(kinds.has_changed().unwrap());
        assert_eq!(*kinds.borrow_and_update(), StoreKind::Memory);
        // the token was not lost
        assert_eq!(
            s.load("https://a", "u").await.unwrap().expose_secret(),
            "tok"
        );
        let notice = s.take_notice().unwrap();
        assert!(matches!(
            notice,
            StoreNotice::Degraded {
                from: StoreKind::SecretService,
                ..
            }
        ));
        assert!(!notice.to_string().contains("tok\""));
        // one message only
        assert!(s.take_notice().is_none());
    }

    #[tokio::test]
    async fn forced_memory_and_auto_never_fail() {
        let s = SecretStore::open(StoreChoice::Memory).await;
        assert_eq!(s.kind(), StoreKind::Memory);
        assert!(s.take_notice().is_none());
        // Whatever this machine has, auto ends with a working store.
        let s = SecretStore::open(StoreChoice::Auto).await;
        s.save(
            "https://probe.invalid",
            "test-user",
            &SecretString::from("x"),
        )
        .await;
        assert_eq!(
            s.load("https://probe.invalid", "test-user")
                .await
                .map(|t| t.expose_secret().to_string()),
            Some("x".to_string())
        );
        s.delete("https://probe.invalid", "test-user").await;
        assert!(s.load("https://probe.invalid", "test-user").await.is_none());
    }
}
