//! How the server is configured: [`ServerConfig`] for in-process use and
//! [`ServeArgs`] for `licencias serve`.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::domain::Policy;

use super::errors::ServerError;
use super::store::Store;
use super::tenants::{self, DEMO_JSON};

/// Where tenants, users and subscriptions come from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TenantsSource {
    /// `assets/demo-tenant.json`, built in.
    #[default]
    Demo,
    /// A tenants file.
    File(PathBuf),
    /// Tenants JSON given directly (tests).
    Json(String),
}

/// Default `--approval-ttl`: 72 hours.
pub const DEFAULT_APPROVAL_TTL_SECS: u64 = 259_200;

/// Everything [`super::spawn`] needs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    pub tenants: TenantsSource,
    /// Business clock at start (then it runs in real time); `None` = now.
    pub clock: Option<DateTime<Utc>>,
    /// How long an immediate change stays pending.
    pub provisioning_delay: Duration,
    /// How long a change request may await a decision (business clock)
    /// before it expires.
    pub approval_ttl: Duration,
    /// Generated subscriptions added to the first (demo) tenant.
    pub scale: u32,
    /// Persist the state here (atomic writes) and load it at start.
    pub state_file: Option<PathBuf>,
    pub policy: Policy,
    /// Close a connection that has not sent a complete request header
    /// within this time (from its opening, or from the first byte of its
    /// next request); nginx's `client_header_timeout`, 60 s.
    pub header_timeout: Duration,
    /// Close a keep-alive connection idle between requests for longer than
    /// this; nginx's `keepalive_timeout`, 75 s.
    pub idle_timeout: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            tenants: TenantsSource::Demo,
            clock: None,
            provisioning_delay: Duration::from_secs(300),
            approval_ttl: Duration::from_secs(DEFAULT_APPROVAL_TTL_SECS),
            scale: 0,
            state_file: None,
            policy: Policy::default(),
            header_timeout: Duration::from_secs(60),
            idle_timeout: Duration::from_secs(75),
        }
    }
}

/// Build the store: from the state file when it exists, else from tenants.
pub(super) fn load_store(config: &ServerConfig, now: DateTime<Utc>) -> Result<Store, ServerError> {
    if let Some(path) = &config.state_file
        && path.exists()
    {
        let bytes = std::fs::read(path).map_err(|e| ServerError::State {
            path: path.clone(),
            message: e.to_string(),
        })?;
        let mut store = Store::from_json(&bytes).map_err(|message| ServerError::State {
            path: path.clone(),
            message,
        })?;
        // Checked whole before anything is used: a bad value stops the start.
        store.validate().map_err(|e| ServerError::State {
            path: path.clone(),
            message: e.to_string(),
        })?;
        store.advance(now, chrono::TimeDelta::zero(), &config.policy);
        tracing::info!(path = %path.display(), "state loaded");
        return Ok(store);
    }
    let today = config.policy.today(now);
    let (origin, json) = match &config.tenants {
        TenantsSource::Demo => ("built-in demo data".to_string(), DEMO_JSON.to_string()),
        TenantsSource::Json(s) => ("tenants JSON".to_string(), s.clone()),
        TenantsSource::File(p) => (
            p.display().to_string(),
            std::fs::read_to_string(p).map_err(|source| ServerError::TenantsRead {
                path: p.clone(),
                source,
            })?,
        ),
    };
    let mut portal =
        tenants::parse(&json, today).map_err(|source| ServerError::Tenants { origin, source })?;
    super::scale::add_generated(&mut portal, config.scale, today);
    Ok(Store::from_portal(portal, now, &config.policy))
}

fn parse_clock(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| format!("expected an RFC 3339 instant like 2026-11-25T14:30:00-05:00 ({e})"))
}

/// `licencias serve`: run the reference portal server.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8787")]
    pub listen: SocketAddr,
    /// Tenants file (JSON); without it the built-in demo data is used.
    #[arg(long, value_name = "FILE")]
    pub tenants: Option<PathBuf>,
    /// Business clock at start (RFC 3339); it then runs on in real time.
    /// Moves terms, windows, renewals and operations; never TOTP or tokens.
    #[arg(long, value_name = "RFC3339", value_parser = parse_clock)]
    pub clock: Option<DateTime<Utc>>,
    /// Seconds an immediate change stays pending before it is reflected.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub provisioning_delay: u64,
    /// Seconds a change request may await approval before it expires
    /// (business clock, like renewals).
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_APPROVAL_TTL_SECS)]
    pub approval_ttl: u64,
    /// Add N generated subscriptions to the demo tenant.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub scale: u32,
    /// Persist the state to this JSON file after every change and load it at start.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Seconds a connection may take to send a complete request header.
    #[arg(long, value_name = "SECONDS", default_value_t = 60, hide = true)]
    pub header_timeout: u64,
    /// Seconds a keep-alive connection may sit idle between requests.
    #[arg(long, value_name = "SECONDS", default_value_t = 75, hide = true)]
    pub idle_timeout: u64,
}

impl ServeArgs {
    pub fn to_config(&self) -> ServerConfig {
        ServerConfig {
            listen: self.listen,
            tenants: self
                .tenants
                .clone()
                .map_or(TenantsSource::Demo, TenantsSource::File),
            clock: self.clock,
            provisioning_delay: Duration::from_secs(self.provisioning_delay),
            approval_ttl: Duration::from_secs(self.approval_ttl),
            scale: self.scale,
            state_file: self.state.clone(),
            policy: Policy::default(),
            header_timeout: Duration::from_secs(self.header_timeout),
            idle_timeout: Duration::from_secs(self.idle_timeout),
        }
    }
}

/// Run the server until Ctrl-C or SIGTERM. The first line on stdout is
/// `listening on http://ADDR`.
pub async fn serve(args: ServeArgs) -> Result<(), ServerError> {
    #[cfg(target_os = "linux")]
    match super::conn::raise_open_file_limit() {
        Ok((before, after)) => tracing::info!(before, after, "open-file soft limit"),
        Err(e) => tracing::warn!(error = %e, "cannot raise the open-file soft limit"),
    }
    let server = super::spawn(args.to_config()).await?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {}", server.base_url())?;
        out.flush()?;
    }
    wait_for_signal().await;
    tracing::info!("shutting down");
    server.shutdown().await;
    Ok(())
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        serve: ServeArgs,
    }

    #[test]
    fn serve_flags_parse_with_defaults() {
        let cli = Cli::try_parse_from(["x"]).unwrap();
        assert_eq!(cli.serve.listen.to_string(), "127.0.0.1:8787");
        assert_eq!(cli.serve.provisioning_delay, 300);
        assert_eq!(
            cli.serve.to_config().approval_ttl,
            Duration::from_secs(259_200)
        );
        let cli = Cli::try_parse_from([
            "x",
            "--listen",
            "127.0.0.1:0",
            "--clock",
            "2026-11-25T23:30:00-05:00",
            "--provisioning-delay",
            "2",
            "--scale",
            "10",
            "--tenants",
            "t.json",
            "--state",
            "s.json",
            "--approval-ttl",
            "60",
        ])
        .unwrap();
        let c = cli.serve.to_config();
        assert_eq!(c.approval_ttl, Duration::from_secs(60));
        assert_eq!(c.clock, Some("2026-11-26T04:30:00Z".parse().unwrap()));
        assert_eq!(c.provisioning_delay, Duration::from_secs(2));
        assert_eq!(c.tenants, TenantsSource::File("t.json".into()));
        assert_eq!(c.header_timeout, Duration::from_secs(60));
        assert_eq!(c.idle_timeout, Duration::from_secs(75));
        let cli =
            Cli::try_parse_from(["x", "--header-timeout", "2", "--idle-timeout", "3"]).unwrap();
        let c = cli.serve.to_config();
        assert_eq!(c.header_timeout, Duration::from_secs(2));
        assert_eq!(c.idle_timeout, Duration::from_secs(3));
        assert!(Cli::try_parse_from(["x", "--clock", "tomorrow"]).is_err());
    }
}
