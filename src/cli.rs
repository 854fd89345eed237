//! The command line (clap derive) and how it combines with the environment
//! and the config file into the settings the program runs with.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::{Args, CommandFactory, Parser, Subcommand};

use crate::config::{Config, ConfigError};
use crate::i18n::Lang;
use crate::logging::LogLevel;
use crate::secrets::StoreChoice;

/// Default provisioning delay of the embedded demo portal, in seconds.
pub const DEMO_PROVISIONING_DELAY_SECS: u64 = 20;

const AFTER_HELP: &str = "\
With no portal configured (no --portal, no LICENCIAS_PORTAL, no `portal` in the config file),
licencias starts the embedded demo portal on 127.0.0.1 and connects to it over HTTP.
Demo login: demo / licencias-demo.

Environment:
  LICENCIAS_PORTAL        portal URL (https://, or http:// on loopback only)
  LICENCIAS_USER          username to propose at login
  LICENCIAS_SECRET_STORE  auto | secret-service | keyutils | memory
  LANG                    Spanish when it starts with `es` (unless --lang)
  NO_COLOR                no colours

Files:
  config     $XDG_CONFIG_HOME/licencias/config.toml
  log        $XDG_STATE_HOME/licencias/licencias.log
  audit log  $XDG_DATA_HOME/licencias/audit.jsonl";

/// Change cloud-licence seat counts safely from a terminal.
#[derive(Debug, Parser)]
#[command(
    name = "licencias",
    version,
    about = "Change Microsoft 365 licence quantities on the reseller portal, from a terminal",
    after_help = AFTER_HELP
)]
pub struct Cli {
    /// Portal URL (https://; http:// only for 127.0.0.1, ::1 or localhost).
    #[arg(long, value_name = "URL", env = "LICENCIAS_PORTAL")]
    pub portal: Option<String>,

    /// Username to propose on the login screen.
    #[arg(long, value_name = "NAME", env = "LICENCIAS_USER")]
    pub user: Option<String>,

    /// Start the embedded demo already signed in as the demo user (only
    /// when no portal is configured).
    #[arg(long)]
    pub signed_in: bool,

    #[command(flatten)]
    pub common: CommonArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options shared by every subcommand.
#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// Interface language (default: Spanish when LANG starts with `es`).
    #[arg(long, value_enum, global = true)]
    pub lang: Option<Lang>,

    /// No box-drawing or half-block characters (the QR code falls back to the secret).
    #[arg(long, global = true)]
    pub ascii: bool,

    /// Config file [default: $XDG_CONFIG_HOME/licencias/config.toml].
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,

    /// Where to keep the session between runs [default: auto].
    #[arg(
        long,
        value_enum,
        value_name = "STORE",
        env = "LICENCIAS_SECRET_STORE",
        global = true
    )]
    pub secret_store: Option<StoreChoice>,

    /// Log detail (the log goes to a file, never to the terminal) [default: info].
    #[arg(long, value_enum, value_name = "LEVEL", global = true)]
    pub log_level: Option<LogLevel>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run against the embedded demo portal (in-process, on 127.0.0.1, over real HTTP).
    Demo(DemoArgs),
    /// Run the reference portal server (Portal API v1).
    Serve(crate::server::ServeArgs),
}

/// `licencias demo`.
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Business clock of the demo portal at start (RFC 3339); it then runs in real time.
    #[arg(long, value_name = "RFC3339", value_parser = parse_clock)]
    pub clock: Option<DateTime<Utc>>,

    /// Seconds an immediate change stays pending before it is reflected.
    #[arg(long, value_name = "S", default_value_t = DEMO_PROVISIONING_DELAY_SECS)]
    pub provisioning_delay: u64,

    /// Seconds a change request may await approval before it expires.
    #[arg(long, value_name = "SECONDS", default_value_t = crate::server::DEFAULT_APPROVAL_TTL_SECS)]
    pub approval_ttl: u64,

    /// Add N generated subscriptions to the demo tenant.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub scale: u32,

    /// Start already signed in as the demo user, on the services screen.
    #[arg(long)]
    pub signed_in: bool,
}

impl Default for DemoArgs {
    fn default() -> Self {
        Self {
            clock: None,
            provisioning_delay: DEMO_PROVISIONING_DELAY_SECS,
            approval_ttl: crate::server::DEFAULT_APPROVAL_TTL_SECS,
            scale: 0,
            signed_in: false,
        }
    }
}

fn parse_clock(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| format!("expected an RFC 3339 instant like 2026-11-25T14:30:00-05:00 ({e})"))
}

/// Which portal the TUI talks to.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// A configured portal.
    Remote { url: String },
    /// The embedded demo portal.
    Demo(DemoOptions),
}

/// The embedded demo's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoOptions {
    pub clock: Option<DateTime<Utc>>,
    pub provisioning_delay: std::time::Duration,
    pub approval_ttl: std::time::Duration,
    pub scale: u32,
    pub signed_in: bool,
}

/// Everything the TUI launch needs, resolved from flags, environment and file.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub target: Target,
    pub username: Option<String>,
    pub lang: Lang,
    pub ascii: bool,
    pub color: bool,
    pub secret_store: StoreChoice,
    pub log_level: LogLevel,
    /// The config file in use (written by `remember_username`).
    pub config_path: Option<PathBuf>,
}

/// Why the settings could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// A usage error, reported like clap's own (exit code 2).
    #[error(transparent)]
    Usage(#[from] clap::Error),
    #[error(transparent)]
    Config(#[from] ConfigError),
}

fn usage_error(message: &str) -> clap::Error {
    Cli::command().error(clap::error::ErrorKind::ArgumentConflict, message)
}

impl Cli {
    /// The config file: `--config`, else the XDG default (if a home exists).
    pub fn config_path(&self) -> Option<PathBuf> {
        self.common
            .config
            .clone()
            .or_else(|| crate::config::default_config_path().ok())
    }

    /// The log level before the config file is read (for early logging).
    pub fn log_level_with(&self, config: &Config) -> LogLevel {
        self.common
            .log_level
            .or_else(|| config.log_level.as_deref().and_then(|l| l.parse().ok()))
            .unwrap_or_default()
    }

    /// Combine flags (and the environment, through clap) with the config
    /// file: flag > environment > file > default. `LANG` is read through
    /// `lang_env` and `NO_COLOR` through `no_color` (so tests can pass them).
    pub fn resolve_with(
        &self,
        config: &Config,
        config_path: Option<PathBuf>,
        lang_env: Option<&str>,
        no_color: bool,
    ) -> Result<Settings, SettingsError> {
        let lang = self
            .common
            .lang
            .or_else(|| config.lang.as_deref().and_then(|l| l.parse().ok()))
            .unwrap_or_else(|| Lang::from_locale(lang_env));
        let ascii = self.common.ascii || config.ascii.unwrap_or(false);
        let secret_store = self
            .common
            .secret_store
            .or(config.secret_store)
            .unwrap_or_default();
        let log_level = self.log_level_with(config);
        let configured_portal = self
            .portal
            .clone()
            .or_else(|| config.portal.clone())
            .filter(|p| !p.trim().is_empty());
        let target = match &self.command {
            Some(Command::Demo(d)) => {
                if self.portal.is_some() {
                    return Err(usage_error(
                        "--portal cannot be used with `demo`: the demo always runs on the embedded portal",
                    )
                    .into());
                }
                Target::Demo(DemoOptions {
                    clock: d.clock,
                    provisioning_delay: std::time::Duration::from_secs(d.provisioning_delay),
                    approval_ttl: std::time::Duration::from_secs(d.approval_ttl),
                    scale: d.scale,
                    // `licencias --signed-in demo` means `demo --signed-in`.
                    signed_in: d.signed_in || self.signed_in,
                })
            }
            Some(Command::Serve(_)) => {
                return Err(usage_error("`serve` does not start the terminal interface").into());
            }
            None => match configured_portal {
                Some(url) => {
                    if self.signed_in {
                        return Err(usage_error(
                            "--signed-in is only for the embedded demo portal, and a portal is configured (--portal, LICENCIAS_PORTAL or the config file)",
                        )
                        .into());
                    }
                    Target::Remote { url }
                }
                None => {
                    let d = DemoArgs::default();
                    Target::Demo(DemoOptions {
                        clock: d.clock,
                        provisioning_delay: std::time::Duration::from_secs(d.provisioning_delay),
                        approval_ttl: std::time::Duration::from_secs(d.approval_ttl),
                        scale: d.scale,
                        signed_in: self.signed_in,
                    })
                }
            },
        };
        let username = self
            .user
            .clone()
            .or_else(|| config.user.clone())
            .filter(|u| !u.trim().is_empty());
        Ok(Settings {
            target,
            username,
            lang,
            ascii,
            color: !no_color,
            secret_store,
            log_level,
            config_path,
        })
    }

    /// [`Self::resolve_with`] reading the config file, `LANG` and `NO_COLOR`.
    pub fn resolve(&self) -> Result<Settings, SettingsError> {
        let path = self.config_path();
        let config = match &path {
            Some(p) => Config::load(p)?,
            None => Config::default(),
        };
        let lang = std::env::var("LANG").ok();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        self.resolve_with(&config, path, lang.as_deref(), no_color)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parse as the binary does, but without reading `LICENCIAS_*` from the
    /// environment, so these tests do not depend on the shell they run in.
    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        use clap::FromArgMatches;
        let mut v = vec!["licencias"];
        v.extend_from_slice(args);
        let cmd = Cli::command().mut_args(|a| a.env(clap::builder::Resettable::Reset));
        Cli::from_arg_matches(&cmd.try_get_matches_from(v)?)
    }

    fn settings(args: &[&str], config: &Config) -> Result<Settings, SettingsError> {
        parse(args)
            .map_err(SettingsError::from)?
            .resolve_with(config, None, None, false)
    }

    #[test]
    fn clap_definition_is_valid() {
        Cli::command().debug_assert();
    }

    #[test]
    fn no_portal_anywhere_means_demo_with_twenty_seconds() {
        let s = settings(&[], &Config::default()).unwrap();
        match s.target {
            Target::Demo(d) => {
                assert_eq!(d.provisioning_delay, std::time::Duration::from_secs(20));
                assert!(!d.signed_in);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(s.secret_store, StoreChoice::Auto);
        assert_eq!(s.lang, Lang::En);
    }

    #[test]
    fn flags_override_the_file() {
        let file = Config {
            portal: Some("https://file.example.com".into()),
            user: Some("file-user".into()),
            lang: Some("es".into()),
            ascii: Some(true),
            secret_store: Some(StoreChoice::Keyutils),
            log_level: Some("debug".into()),
        };
        let s = settings(&[], &file).unwrap();
        assert_eq!(
            s.target,
            Target::Remote {
                url: "https://file.example.com".into()
            }
        );
        assert_eq!(s.username.as_deref(), Some("file-user"));
        assert_eq!(s.lang, Lang::Es);
        assert!(s.ascii);
        assert_eq!(s.secret_store, StoreChoice::Keyutils);
        assert_eq!(s.log_level, LogLevel::Debug);
        let s = settings(
            &[
                "--portal",
                "https://flag.example.com",
                "--user",
                "flag-user",
                "--lang",
                "en",
                "--secret-store",
                "memory",
                "--log-level",
                "warn",
            ],
            &file,
        )
        .unwrap();
        assert_eq!(
            s.target,
            Target::Remote {
                url: "https://flag.example.com".into()
            }
        );
        assert_eq!(s.username.as_deref(), Some("flag-user"));
        assert_eq!(s.lang, Lang::En);
        assert_eq!(s.secret_store, StoreChoice::Memory);
        assert_eq!(s.log_level, LogLevel::Warn);
    }

    #[test]
    fn demo_subcommand_options() {
        let s = settings(
            &[
                "demo",
                "--clock",
                "2026-11-25T10:00:00-05:00",
                "--provisioning-delay",
                "3",
                "--approval-ttl",
                "90",
                "--scale",
                "100",
                "--signed-in",
                "--lang",
                "es",
            ],
            &Config::default(),
        )
        .unwrap();
        match s.target {
            Target::Demo(d) => {
                assert_eq!(d.provisioning_delay, std::time::Duration::from_secs(3));
                assert_eq!(d.approval_ttl, std::time::Duration::from_secs(90));
                assert_eq!(d.scale, 100);
                assert!(d.signed_in);
                assert_eq!(d.clock.unwrap().to_rfc3339(), "2026-11-25T15:00:00+00:00");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(s.lang, Lang::Es);
        // a configured portal does not stop the explicit demo
        let file = Config {
            portal: Some("https://file.example.com".into()),
            ..Config::default()
        };
        assert!(matches!(
            settings(&["demo", "--signed-in"], &file).unwrap().target,
            Target::Demo(_)
        ));
    }

    #[test]
    fn signed_in_is_refused_when_a_portal_is_configured() {
        let e = settings(
            &["--portal", "https://p.example.com", "--signed-in"],
            &Config::default(),
        )
        .unwrap_err();
        match e {
            SettingsError::Usage(e) => assert_eq!(e.exit_code(), 2),
            other => panic!("{other:?}"),
        }
        let file = Config {
            portal: Some("https://file.example.com".into()),
            ..Config::default()
        };
        assert!(matches!(
            settings(&["--signed-in"], &file),
            Err(SettingsError::Usage(_))
        ));
        assert!(matches!(
            settings(
                &["--portal", "https://p.example.com", "demo"],
                &Config::default()
            ),
            Err(SettingsError::Usage(_))
        ));
        // default demo accepts it
        assert!(settings(&["--signed-in"], &Config::default()).is_ok());
        // serve has no such flag
        assert!(parse(&["serve", "--signed-in"]).is_err());
        assert!(parse(&["demo", "--portal", "https://p.example.com"]).is_err());
    }

    #[test]
    fn bad_values_are_usage_errors() {
        for args in [
            &["--lang", "fr"][..],
            &["--secret-store", "vault"],
            &["--log-level", "loud"],
            &["demo", "--clock", "yesterday"],
            &["demo", "--scale", "-1"],
            &["demo", "--provisioning-delay", "soon"],
        ] {
            let e = parse(args).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{args:?}");
        }
    }
}
