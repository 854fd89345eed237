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
  LICENCIAS_SECRET_STORE  auto | secret-service | keyutils | memory | file
  LANG                    Spanish when it starts with `es` (unless --lang)
  NO_COLOR                no colours

Files:
  config     $XDG_CONFIG_HOME/licencias/config.toml
  log        $XDG_STATE_HOME/licencias/licencias.log
  audit log  $XDG_DATA_HOME/licencias/audit.jsonl

Exit codes of the scripting commands (login, logout, status, list, show, change,
cancel-scheduled, windows):
  0  success
  1  any other failure (network, portal 5xx)
  2  usage or configuration error (bad flag or value, unknown or ambiguous subscription,
     no portal configured)
  3  not signed in, session expired or sign-in failed
  4  refused by the rules (client or portal)
  5  not confirmed (missing --yes, --approved or --accept, or cancelled at the prompt)
  6  version conflict
  7  the operation failed
  8  still pending when --wait-timeout passed";

/// The exit codes, shown under every scripting command's help.
pub const EXIT_CODES_HELP: &str = "\
Exit codes: 0 success; 1 any other failure (network, portal 5xx); 2 usage or configuration
error; 3 not signed in, session expired or sign-in failed; 4 refused by the rules; 5 not
confirmed (--yes, --approved, --accept, or cancelled); 6 version conflict (or a change request
decided or stale meanwhile); 7 the operation failed (or the change request was rejected, cancelled,
expired or failed); 8 still pending when --wait-timeout passed.";

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
    /// Sign in and keep the session in the secret store for the other commands.
    #[command(after_help = EXIT_CODES_HELP)]
    Login(LoginArgs),
    /// End the session on the portal and forget it.
    #[command(after_help = EXIT_CODES_HELP)]
    Logout(LogoutArgs),
    /// Who is signed in, on which portal, until when.
    #[command(after_help = EXIT_CODES_HELP)]
    Status(StatusArgs),
    /// Every subscription of every service.
    #[command(after_help = EXIT_CODES_HELP)]
    List(ListArgs),
    /// One subscription, as the portal returns it now.
    #[command(after_help = EXIT_CODES_HELP)]
    Show(ShowArgs),
    /// Change a subscription's quantity to a new TOTAL, with the same rules and review as the TUI.
    #[command(after_help = EXIT_CODES_HELP)]
    Change(ChangeArgs),
    /// Cancel the change scheduled for the renewal.
    #[command(name = "cancel-scheduled", after_help = EXIT_CODES_HELP)]
    CancelScheduled(CancelScheduledArgs),
    /// Decrease windows open now or opening soon, closing soonest first.
    #[command(after_help = EXIT_CODES_HELP)]
    Windows(WindowsArgs),
    /// Change requests awaiting a second person's approval (two-person tenants).
    #[command(after_help = EXIT_CODES_HELP)]
    Approvals(ApprovalsArgs),
    /// Approve another user's change request, after the same review and warnings as `change`.
    #[command(after_help = EXIT_CODES_HELP)]
    Approve(ApproveArgs),
    /// Reject another user's change request, with the reason.
    #[command(after_help = EXIT_CODES_HELP)]
    Reject(RejectArgs),
    /// Cancel your own change request while it awaits approval.
    #[command(name = "cancel-request", after_help = EXIT_CODES_HELP)]
    CancelRequest(CancelRequestArgs),
    /// A subscription's history, newest first: who changed what, when, on whose approval.
    #[command(after_help = EXIT_CODES_HELP)]
    History(HistoryArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// Print the man page (roff).
    Man,
}

impl Command {
    /// The portal/user flags of a scripting command.
    pub fn connection(&self) -> Option<&ConnArgs> {
        match self {
            Command::Login(a) => Some(&a.conn),
            Command::Logout(a) => Some(&a.conn),
            Command::Status(a) => Some(&a.conn),
            Command::List(a) => Some(&a.conn),
            Command::Show(a) => Some(&a.conn),
            Command::Change(a) => Some(&a.conn),
            Command::CancelScheduled(a) => Some(&a.conn),
            Command::Windows(a) => Some(&a.conn),
            Command::Approvals(a) => Some(&a.conn),
            Command::Approve(a) => Some(&a.conn),
            Command::Reject(a) => Some(&a.conn),
            Command::CancelRequest(a) => Some(&a.conn),
            Command::History(a) => Some(&a.conn),
            Command::Demo(_) | Command::Serve(_) | Command::Completions(_) | Command::Man => None,
        }
    }
}

/// Which portal and user a scripting command works on (also accepted before
/// the command name).
#[derive(Debug, Clone, Default, Args)]
pub struct ConnArgs {
    /// Portal URL (https://; http:// only for 127.0.0.1, ::1 or localhost).
    #[arg(long, value_name = "URL")]
    pub portal: Option<String>,

    /// Username (default: the last one signed in with `licencias login`).
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,

    /// Business clock (RFC 3339) for the rules, when the portal runs on a
    /// pinned clock (`licencias serve --clock`); it then runs in real time.
    #[arg(long, value_name = "RFC3339", value_parser = parse_clock, hide = true)]
    pub clock: Option<DateTime<Utc>>,
}

/// `licencias login`.
#[derive(Debug, Clone, Args)]
pub struct LoginArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
    /// The 6-digit code of the authenticator.
    #[arg(long, value_name = "CODE")]
    pub code: Option<String>,
}

/// `licencias logout`.
#[derive(Debug, Clone, Args)]
pub struct LogoutArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
}

/// `licencias status`.
#[derive(Debug, Clone, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// One JSON document on stdout.
    #[arg(long)]
    pub json: bool,
}

/// The order of `licencias list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ListSort {
    /// Service, then subscription name.
    #[default]
    Name,
    /// Renewal date, soonest first.
    Renewal,
    /// Open decrease windows closing soonest first, then closed ones opening soonest.
    Window,
}

/// `licencias list`.
#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// Only rows whose service, name or id contain every word of TEXT (case-insensitive).
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,
    /// Order of the rows.
    #[arg(long, value_enum, default_value_t = ListSort::Name)]
    pub sort: ListSort,
    /// One JSON document on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `licencias show`.
#[derive(Debug, Clone, Args)]
pub struct ShowArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// Subscription id (`sub-bs`) or full name, case-insensitive.
    pub subscription: String,
    /// One JSON document on stdout.
    #[arg(long)]
    pub json: bool,
}

/// When a change takes effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ChangeAt {
    /// Immediately (after provisioning).
    #[default]
    Now,
    /// On the next renewal date.
    Renewal,
}

/// `licencias change`.
#[derive(Debug, Clone, Args)]
pub struct ChangeArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// Subscription id (`sub-bs`) or full name, case-insensitive.
    pub subscription: String,
    /// The new TOTAL (not a difference: `+2` and `-1` are refused).
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub total: String,
    /// When the change takes effect.
    #[arg(long, value_enum, default_value_t = ChangeAt::Now)]
    pub at: ChangeAt,
    /// The change has internal approval.
    #[arg(long)]
    pub approved: bool,
    /// The approval's reference (a ticket); implies --approved.
    #[arg(long, value_name = "REF")]
    pub approval_ref: Option<String>,
    /// Accept these warnings by name (each warning raised must be named).
    #[arg(long, value_name = "WARNING", value_delimiter = ',')]
    pub accept: Vec<String>,
    /// Confirm without asking.
    #[arg(long)]
    pub yes: bool,
    /// Follow an immediate change until the portal finishes it.
    #[arg(long)]
    pub wait: bool,
    /// How long --wait waits, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    pub wait_timeout: u64,
    /// Send with this Idempotency-Key: running the same command again replays it.
    #[arg(long, value_name = "KEY")]
    pub idempotency_key: Option<String>,
    /// One JSON document on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `licencias cancel-scheduled`.
#[derive(Debug, Clone, Args)]
pub struct CancelScheduledArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// Subscription id (`sub-bs`) or full name, case-insensitive.
    pub subscription: String,
    /// Confirm without asking.
    #[arg(long)]
    pub yes: bool,
    /// One JSON document on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `licencias approvals`.
#[derive(Debug, Clone, Args)]
pub struct ApprovalsArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// One JSON document on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `licencias approve`.
#[derive(Debug, Clone, Args)]
pub struct ApproveArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// Change request id (as `licencias approvals` lists it).
    pub request: String,
    /// Accept these warnings by name (each warning raised now must be named).
    #[arg(long, value_name = "WARNING", value_delimiter = ',')]
    pub accept: Vec<String>,
    /// Confirm without asking.
    #[arg(long)]
    pub yes: bool,
    /// One JSON document on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `licencias reject`.
#[derive(Debug, Clone, Args)]
pub struct RejectArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// Change request id (as `licencias approvals` lists it).
    pub request: String,
    /// Why (1 to 500 characters); the requester sees it.
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
    /// One JSON document on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `licencias cancel-request`.
#[derive(Debug, Clone, Args)]
pub struct CancelRequestArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// Change request id (your own, awaiting approval).
    pub request: String,
    /// One JSON document on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `licencias history`.
#[derive(Debug, Clone, Args)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// Subscription id (`sub-bs`) or full name, case-insensitive.
    pub subscription: String,
    /// One JSON document on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `licencias windows`.
#[derive(Debug, Clone, Args)]
pub struct WindowsArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// Also windows that open within this many days.
    #[arg(long, value_name = "DAYS", default_value_t = 7)]
    pub within: u32,
    /// One JSON document on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `licencias completions`.
#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
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

/// What a scripting command runs with, resolved from flags, environment and file.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptSettings {
    /// The portal, if one is configured (not normalised yet).
    pub portal: Option<String>,
    pub username: Option<String>,
    pub lang: Lang,
    pub color: bool,
    pub secret_store: StoreChoice,
    pub log_level: LogLevel,
    pub config_path: Option<PathBuf>,
    /// The business clock at start, when the portal runs on a pinned one.
    pub clock: Option<DateTime<Utc>>,
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
        let lang = self.lang_with(config, lang_env);
        let ascii = self.common.ascii || config.ascii.unwrap_or(false);
        let secret_store = self.secret_store_with(config);
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
            Some(_) => {
                return Err(
                    usage_error("scripting commands do not start the terminal interface").into(),
                );
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

    fn lang_with(&self, config: &Config, lang_env: Option<&str>) -> Lang {
        self.common
            .lang
            .or_else(|| config.lang.as_deref().and_then(|l| l.parse().ok()))
            .unwrap_or_else(|| Lang::from_locale(lang_env))
    }

    fn secret_store_with(&self, config: &Config) -> StoreChoice {
        self.common
            .secret_store
            .or(config.secret_store)
            .unwrap_or_default()
    }

    /// The settings of a scripting command: flag after the command > flag
    /// before it > environment > file > default. No portal is not an error
    /// here (the command says how to give one).
    pub fn resolve_script_with(
        &self,
        config: &Config,
        config_path: Option<PathBuf>,
        lang_env: Option<&str>,
        no_color: bool,
    ) -> ScriptSettings {
        let conn = self
            .command
            .as_ref()
            .and_then(Command::connection)
            .cloned()
            .unwrap_or_default();
        let non_empty = |v: Option<String>| v.filter(|p| !p.trim().is_empty());
        ScriptSettings {
            portal: non_empty(
                conn.portal
                    .or_else(|| self.portal.clone())
                    .or_else(|| config.portal.clone()),
            ),
            username: non_empty(
                conn.user
                    .or_else(|| self.user.clone())
                    .or_else(|| config.user.clone()),
            ),
            lang: self.lang_with(config, lang_env),
            color: !no_color,
            secret_store: self.secret_store_with(config),
            log_level: self.log_level_with(config),
            config_path,
            clock: conn.clock,
        }
    }

    /// [`Self::resolve_script_with`] reading the config file, `LANG` and `NO_COLOR`.
    pub fn resolve_script(&self) -> Result<ScriptSettings, SettingsError> {
        let path = self.config_path();
        let config = match &path {
            Some(p) => Config::load(p)?,
            None => Config::default(),
        };
        let lang = std::env::var("LANG").ok();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Ok(self.resolve_script_with(&config, path, lang.as_deref(), no_color))
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
    fn script_commands_take_portal_and_user_after_or_before_the_name() {
        let file = Config {
            portal: Some("https://file.example.com".into()),
            user: Some("file-user".into()),
            ..Config::default()
        };
        let resolve = |args: &[&str], config: &Config| {
            parse(args)
                .unwrap()
                .resolve_script_with(config, None, Some("es_CO.UTF-8"), false)
        };
        let s = resolve(&["list"], &file);
        assert_eq!(s.portal.as_deref(), Some("https://file.example.com"));
        assert_eq!(s.username.as_deref(), Some("file-user"));
        assert_eq!(s.lang, Lang::Es);
        let s = resolve(
            &[
                "--portal",
                "https://before.example.com",
                "list",
                "--user",
                "ana",
            ],
            &file,
        );
        assert_eq!(s.portal.as_deref(), Some("https://before.example.com"));
        assert_eq!(s.username.as_deref(), Some("ana"));
        let s = resolve(
            &[
                "--portal",
                "https://before.example.com",
                "show",
                "sub-bs",
                "--portal",
                "https://after.example.com",
            ],
            &file,
        );
        assert_eq!(s.portal.as_deref(), Some("https://after.example.com"));
        assert_eq!(resolve(&["windows"], &Config::default()).portal, None);
        // the TUI resolution refuses them
        assert!(matches!(
            settings(&["list"], &Config::default()),
            Err(SettingsError::Usage(_))
        ));
    }

    #[test]
    fn change_takes_a_signed_total_as_text_and_warning_lists() {
        let cli = parse(&[
            "change",
            "sub-bs",
            "--total",
            "-1",
            "--accept",
            "large-reduction,below-assigned",
        ])
        .unwrap();
        match cli.command {
            Some(Command::Change(c)) => {
                assert_eq!(c.total, "-1");
                assert_eq!(c.accept, vec!["large-reduction", "below-assigned"]);
                assert_eq!(c.wait_timeout, 600);
                assert_eq!(c.at, ChangeAt::Now);
            }
            other => panic!("{other:?}"),
        }
        assert!(parse(&["change", "sub-bs"]).is_err());
        assert!(parse(&["change", "sub-bs", "--total", "3", "--at", "later"]).is_err());
        assert!(parse(&["completions", "tcsh"]).is_err());
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
