//! The scripting commands: `login`, `logout`, `status`, `list`, `show`,
//! `change`, `cancel-scheduled`, `windows`, `completions`, `man`, and for
//! two-person approval `approvals`, `approve`, `reject`, `cancel-request`,
//! `history`.
//!
//! One file per command and a small shared part: the session between
//! commands ([`session`]), output ([`output`]: tables, JSON, prompts) and
//! errors that carry their exit code ([`error`]). The rules, the client, the
//! secret store, the audit log and the texts are the TUI's own (`domain`,
//! `portal`, `secrets`, `audit`, `i18n`); only the medium differs.

mod approvals;
mod cancel;
mod change;
mod docs;
mod error;
mod history;
mod list;
mod login;
mod output;
mod session;
mod show;
mod status;
mod windows;

use std::sync::OnceLock;
use std::time::Instant;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

pub use error::{CommandError, Exit};
pub use output::{Align, Output, Table};

use crate::api::{SubscriptionDto, SubscriptionSummary};
use crate::cli::{Command, ScriptSettings};
use crate::domain::{DEFAULT_TIME_ZONE, Policy};
use crate::i18n::{CliCatalog, cli};
use crate::portal::{PortalClient, PortalError};

/// What every command runs with.
pub struct Ctx {
    pub settings: ScriptSettings,
    pub t: &'static dyn CliCatalog,
    pub out: Output,
    pub json: bool,
    started: Instant,
    policy: OnceLock<Policy>,
}

impl Ctx {
    pub fn new(settings: ScriptSettings, json: bool, out: Output) -> Self {
        Self {
            t: cli(settings.lang),
            settings,
            out,
            json,
            started: Instant::now(),
            policy: OnceLock::new(),
        }
    }

    /// Now, on the business clock when one is pinned (it runs in real time
    /// from the pinned instant), else the system clock.
    pub fn now(&self) -> DateTime<Utc> {
        match self.settings.clock {
            Some(at) => at + chrono::Duration::from_std(self.started.elapsed()).unwrap_or_default(),
            None => Utc::now(),
        }
    }

    /// The portal's zone (the default zone until the policy is known).
    pub fn tz(&self) -> Tz {
        self.policy.get().map_or(DEFAULT_TIME_ZONE, |p| p.time_zone)
    }

    /// Today in the portal's zone.
    pub fn today(&self) -> NaiveDate {
        self.now().with_timezone(&self.tz()).date_naive()
    }

    fn set_policy(&self, p: Policy) {
        let _ = self.policy.set(p);
    }

    /// A message on stderr.
    pub fn note(&self, text: &str) {
        self.out.note(text);
    }
}

/// `json` flag of the command, if it has one.
fn wants_json(command: &Command) -> bool {
    match command {
        Command::Status(a) => a.json,
        Command::List(a) => a.json,
        Command::Show(a) => a.json,
        Command::Change(a) => a.json,
        Command::CancelScheduled(a) => a.json,
        Command::Windows(a) => a.json,
        Command::Approvals(a) => a.json,
        Command::Approve(a) => a.json,
        Command::Reject(a) => a.json,
        Command::CancelRequest(a) => a.json,
        Command::History(a) => a.json,
        _ => false,
    }
}

/// Is this one of the scripting commands (not the TUI, `demo` or `serve`)?
pub fn is_command(command: &Command) -> bool {
    !matches!(command, Command::Demo(_) | Command::Serve(_))
}

/// `completions` and `man`: printed without settings, portal or session.
pub fn run_docs(command: &Command) -> Option<Exit> {
    match command {
        Command::Completions(a) => Some(docs::completions(a.shell)),
        Command::Man => Some(docs::man()),
        _ => None,
    }
}

/// Run a scripting command and report its failure (stderr, and the error
/// envelope on stdout under `--json`). Returns the exit code.
pub async fn run(command: &Command, settings: ScriptSettings) -> Exit {
    let ctx = Ctx::new(settings, wants_json(command), Output::detect());
    let result = match command {
        Command::Login(a) => login::login(&ctx, a).await,
        Command::Logout(_) => login::logout(&ctx).await,
        Command::Status(_) => status::run(&ctx).await,
        Command::List(a) => list::run(&ctx, a).await,
        Command::Show(a) => show::run(&ctx, a).await,
        Command::Change(a) => change::run(&ctx, a).await,
        Command::CancelScheduled(a) => cancel::run(&ctx, a).await,
        Command::Windows(a) => windows::run(&ctx, a).await,
        Command::Approvals(a) => approvals::list(&ctx, a).await,
        Command::Approve(a) => approvals::approve(&ctx, a).await,
        Command::Reject(a) => approvals::reject(&ctx, a).await,
        Command::CancelRequest(a) => approvals::cancel(&ctx, a).await,
        Command::History(a) => history::run(&ctx, a).await,
        Command::Completions(_) | Command::Man | Command::Demo(_) | Command::Serve(_) => {
            Ok(run_docs(command).unwrap_or(Exit::Usage))
        }
    };
    match result {
        Ok(exit) => exit,
        Err(e) => {
            tracing::info!(code = %e.code, exit = e.exit.code(), "command failed");
            ctx.note(&format!("licencias: {}", e.message));
            if ctx.json {
                ctx.out.json(&e.envelope());
            }
            e.exit
        }
    }
}

/// Find SUBSCRIPTION: an id (asked for directly), else an id or a full name
/// in the listing, case-insensitive. Unknown or ambiguous is exit 2.
pub async fn find_subscription(
    ctx: &Ctx,
    client: &PortalClient,
    wanted: &str,
) -> Result<SubscriptionDto, CommandError> {
    let fail = |e: &PortalError| CommandError::portal(ctx.t, e, None, ctx.tz());
    let unknown = || {
        CommandError::new(
            Exit::Usage,
            "unknown_subscription",
            ctx.t.unknown_subscription(wanted),
        )
        .with("subscription", wanted)
    };
    let key = wanted.trim();
    if key.is_empty() {
        return Err(unknown());
    }
    match client.subscription(key).await {
        Ok(dto) => return Ok(dto),
        Err(PortalError::NotFound) => {}
        Err(e) => return Err(fail(&e)),
    }
    let services = client.services().await.map_err(|e| fail(&e))?;
    let needle = key.to_lowercase();
    let mut ids: Vec<String> = services
        .iter()
        .flat_map(|s| s.subscriptions.iter())
        .filter(|s: &&SubscriptionSummary| {
            s.id.to_lowercase() == needle || s.name.to_lowercase() == needle
        })
        .map(|s| s.id.clone())
        .collect();
    ids.sort();
    ids.dedup();
    match ids.as_slice() {
        [] => Err(unknown()),
        [id] => client.subscription(id).await.map_err(|e| fail(&e)),
        _ => Err(CommandError::new(
            Exit::Usage,
            "ambiguous_subscription",
            ctx.t.ambiguous_subscription(wanted, &ids),
        )
        .with("ids", &ids)),
    }
}
