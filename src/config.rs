//! Configuration: a TOML file in the XDG config dir, overridden by the
//! environment (`LICENCIAS_PORTAL`, `LICENCIAS_USER`, `LICENCIAS_SECRET_STORE`)
//! and then by flags. File locations follow XDG (`directories` crate):
//!
//! | what | where (Linux defaults) |
//! |---|---|
//! | config | `$XDG_CONFIG_HOME/licencias/config.toml` (`~/.config/licencias/config.toml`) |
//! | log | `$XDG_STATE_HOME/licencias/licencias.log` (`~/.local/state/licencias/`) |
//! | audit log | `$XDG_DATA_HOME/licencias/audit.jsonl` (`~/.local/share/licencias/`) |

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::secrets::StoreChoice;

/// File name of the config file inside the config dir.
pub const CONFIG_FILE_NAME: &str = "config.toml";
/// File name of the log inside the state dir.
pub const LOG_FILE_NAME: &str = "licencias.log";
/// File name of the audit log inside the data dir.
pub const AUDIT_FILE_NAME: &str = "audit.jsonl";

/// A configuration problem, reported before anything starts.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no home directory: cannot find where to keep {0}")]
    NoHome(&'static str),
}

/// The config file. Every key is optional.
///
/// ```toml
/// portal = "https://portal.example.com"
/// user = "admin@example.com"
/// lang = "es"            # es | en
/// ascii = false
/// secret_store = "auto"  # auto | secret-service | keyutils | memory | file
/// log_level = "info"     # error | warn | info | debug | trace
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub portal: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ascii: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_store: Option<StoreChoice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_level: Option<String>,
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "licencias")
}

/// `$XDG_CONFIG_HOME/licencias/config.toml`.
pub fn default_config_path() -> Result<PathBuf, ConfigError> {
    project_dirs()
        .map(|d| d.config_dir().join(CONFIG_FILE_NAME))
        .ok_or(ConfigError::NoHome("the config file"))
}

/// `$XDG_STATE_HOME/licencias` (falls back to the data dir where there is no state dir).
pub fn state_dir() -> Result<PathBuf, ConfigError> {
    crate::fsutil::state_dir().ok_or(ConfigError::NoHome("the log"))
}

/// `$XDG_STATE_HOME/licencias/licencias.log`.
pub fn default_log_path() -> Result<PathBuf, ConfigError> {
    Ok(state_dir()?.join(LOG_FILE_NAME))
}

/// `$XDG_DATA_HOME/licencias/audit.jsonl`.
pub fn default_audit_path() -> Result<PathBuf, ConfigError> {
    project_dirs()
        .map(|d| d.data_dir().join(AUDIT_FILE_NAME))
        .ok_or(ConfigError::NoHome("the audit log"))
}

impl Config {
    /// Read `path`; a missing file is an empty config.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        let config: Config = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        config.validate(path)?;
        Ok(config)
    }

    fn validate(&self, path: &Path) -> Result<(), ConfigError> {
        let bad = |message: String| ConfigError::Parse {
            path: path.to_path_buf(),
            message,
        };
        if let Some(lang) = &self.lang
            && lang.parse::<crate::i18n::Lang>().is_err()
        {
            return Err(bad(format!("lang = {lang:?}: use \"es\" or \"en\"")));
        }
        if let Some(level) = &self.log_level
            && level.parse::<crate::logging::LogLevel>().is_err()
        {
            return Err(bad(format!(
                "log_level = {level:?}: use error, warn, info, debug or trace"
            )));
        }
        if let Some(portal) = &self.portal
            && portal.trim().is_empty()
        {
            return Err(bad("portal is empty".into()));
        }
        Ok(())
    }

    /// Write the config to `path` atomically (temp file, fsync, rename).
    pub fn save(&self, path: &Path) -> Result<(), ConfigError> {
        let text = toml::to_string_pretty(self).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        write_atomic(path, text.as_bytes()).map_err(|source| ConfigError::Write {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Remember the last username in the config at `path`, keeping the rest.
    pub fn remember_username(path: &Path, username: &str) -> Result<(), ConfigError> {
        let mut config = Config::load(path)?;
        if config.user.as_deref() == Some(username) {
            return Ok(());
        }
        config.user = Some(username.to_string());
        config.save(path)
    }
}

pub use crate::fsutil::write_atomic;

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir() -> PathBuf {
        let d = std::env::temp_dir().join(format!("licencias-config-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn missing_file_is_empty_config() {
        let d = temp_dir();
        assert_eq!(
            Config::load(&d.join("none.toml")).unwrap(),
            Config::default()
        );
    }

    #[test]
    fn full_file_parses() {
        let d = temp_dir();
        let p = d.join("c.toml");
        std::fs::write(
            &p,
            "portal = \"https://p.example.com\"\nuser = \"ana\"\nlang = \"es\"\nascii = true\nsecret_store = \"keyutils\"\nlog_level = \"debug\"\n",
        )
        .unwrap();
        let c = Config::load(&p).unwrap();
        assert_eq!(c.portal.as_deref(), Some("https://p.example.com"));
        assert_eq!(c.user.as_deref(), Some("ana"));
        assert_eq!(c.secret_store, Some(StoreChoice::Keyutils));
        assert_eq!(c.ascii, Some(true));
    }

    #[test]
    fn bad_files_name_the_problem() {
        let d = temp_dir();
        let p = d.join("c.toml");
        for (text, needle) in [
            ("lang = \"fr\"\n", "lang"),
            ("colour = true\n", "colour"),
            ("secret_store = \"vault\"\n", "vault"),
            ("log_level = \"loud\"\n", "log_level"),
            ("portal = [\n", ""),
        ] {
            std::fs::write(&p, text).unwrap();
            let e = Config::load(&p).unwrap_err().to_string();
            assert!(e.contains(needle), "{text}: {e}");
            assert!(e.contains("c.toml"), "{e}");
        }
    }

    #[test]
    fn remember_username_keeps_the_rest_and_is_atomic() {
        let d = temp_dir();
        let p = d.join("sub").join("config.toml");
        Config::remember_username(&p, "ana").unwrap();
        assert_eq!(Config::load(&p).unwrap().user.as_deref(), Some("ana"));
        let mut c = Config::load(&p).unwrap();
        c.portal = Some("https://p.example.com".into());
        c.save(&p).unwrap();
        Config::remember_username(&p, "luis").unwrap();
        let c = Config::load(&p).unwrap();
        assert_eq!(c.user.as_deref(), Some("luis"));
        assert_eq!(c.portal.as_deref(), Some("https://p.example.com"));
        // no temp files left behind
        let names: Vec<_> = std::fs::read_dir(p.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&p).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
