//! Every user-visible string, in Spanish and English.
//!
//! The catalogue is typed: fixed texts are variants of [`Label`] (each
//! language matches on all of them, so a missing translation does not
//! compile) and texts with arguments are methods of [`Catalog`] with typed
//! parameters. Views and update code never hold literals; they ask
//! `t(lang)`.

mod cli;
mod en;
mod es;
pub mod vocab;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::domain::{
    Billing, ChangePlan, EntryError, OperationStatus, Quantity, Refusal, Removable, Status, Term,
    Warning, WindowStatus,
};

pub use cli::{CliCatalog, CliLabel, cli};
pub use en::En;
pub use es::Es;
pub use vocab::{Failure, LoginReason, ToastMsg, TotalOffer, WizardError};

/// The language of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, clap::ValueEnum)]
pub enum Lang {
    #[value(name = "es")]
    Es,
    #[default]
    #[value(name = "en")]
    En,
}

/// `--lang` got something other than `es` or `en`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown language {0:?}: use es or en")]
pub struct ParseLangError(pub String);

impl Lang {
    /// Spanish when a `LANG` value starts with `es`, English otherwise.
    pub fn from_locale(value: Option<&str>) -> Lang {
        match value {
            Some(v) if v.trim().to_ascii_lowercase().starts_with("es") => Lang::Es,
            _ => Lang::En,
        }
    }

    /// The `--lang` value: `es` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Es => "es",
            Lang::En => "en",
        }
    }
}

impl std::str::FromStr for Lang {
    type Err = ParseLangError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "es" => Ok(Lang::Es),
            "en" => Ok(Lang::En),
            _ => Err(ParseLangError(s.to_string())),
        }
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// The catalogue of a language.
pub fn t(lang: Lang) -> &'static dyn Catalog {
    match lang {
        Lang::Es => &Es,
        Lang::En => &En,
    }
}

/// Fixed texts: labels, titles, buttons, hints, key descriptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Label {
    // -- general
    AppName,
    Loading,
    Yes,
    No,
    Unknown,
    None,
    On,
    Off,
    HelpTitle,
    HelpFooter,
    KeysTitle,
    // -- status bar
    StatusPortal,
    StatusUser,
    StatusTenant,
    StatusSession,
    StatusKeyring,
    StatusPending,
    NotSignedIn,
    KeyringSecretService,
    KeyringKernel,
    KeyringMemory,
    KeyringFile,
    // -- login
    LoginTitle,
    LoginIntro,
    PortalUrl,
    Username,
    Password,
    SignIn,
    SigningIn,
    DemoBanner,
    DemoExplain,
    // -- MFA
    EnrolTitle,
    EnrolIntro,
    EnrolManual,
    Secret,
    Issuer,
    Account,
    Uri,
    Code,
    CodeHint,
    Verifying,
    VerifyTitle,
    VerifyIntro,
    ClockMayBeOff,
    CodeReused,
    CodeSixDigits,
    QrAsciiFallback,
    // -- services
    ServicesTitle,
    ColService,
    ColSubscription,
    ColQuantity,
    ColTerm,
    ColRenewal,
    ColWindow,
    ColWindowShort,
    ColFlags,
    FlagScheduled,
    FlagPending,
    Filter,
    FilterHint,
    SortedBy,
    SortName,
    SortRenewal,
    SortWindow,
    NoServices,
    NoMatches,
    // -- detail
    ManageSubscription,
    FieldName,
    FieldId,
    FieldQuantity,
    FieldRange,
    FieldTerm,
    FieldBilling,
    FieldTermStart,
    FieldRenewal,
    FieldAutoRenew,
    FieldStatus,
    FieldAssigned,
    FieldWindow,
    FieldScheduled,
    FieldPending,
    CancelScheduledHint,
    /// Review in a `second_person` tenant, instead of the attestation box.
    SecondPersonApproves,
    /// The last button of the wizard in a `second_person` tenant.
    SendForApproval,
    /// Under it, once everything is ticked.
    SendReady,
    /// Title of the tracker of a change request.
    AwaitingTitle,
    /// Title of the approvals screen.
    ApprovalsTitle,
    /// No request awaits approval.
    NoApprovals,
    /// Column headers of the approvals table.
    ColChange,
    ColEffective,
    ColRequestedBy,
    ColAge,
    ColExpires,
    /// Review of one's own request.
    OwnRequest,
    /// Review by a user without the approver role.
    NotApprover,
    /// Reading the subscription as it is now.
    CheckingNow,
    /// The change is no longer allowed now (the refusal follows).
    NoLongerAllowed,
    /// Approve is available once every warning is ticked.
    ApproveDisabled,
    /// Everything ticked.
    /// The reason field of a rejection.
    RejectReason,
    /// Title of the full history screen.
    HistoryTitle,
    /// The detail's section of the last events.
    RecentChanges,
    /// A history with no events.
    NoHistory,
    /// Under the detail's last events: the key opens the rest.
    FullHistoryHint,
    /// Who did an event the portal did by itself.
    ThePortal,
    /// Before an approval reference in the history.
    HistoryReference,
    /// Before a change request id in the history.
    HistoryRequest,
    /// Before a reason in the history.
    HistoryReason,
    CancelScheduledQuestion,
    ChangeHint,
    // -- wizard
    Change,
    StepWhen,
    StepTotal,
    StepReview,
    StepConfirm,
    Next,
    Back,
    Confirm,
    WhenQuestion,
    WhenNow,
    WhenNowExplain,
    TotalLabel,
    TotalExample,
    ReviewTitle,
    ReviewFrom,
    ReviewTo,
    ReviewDelta,
    ReviewEffective,
    ReviewRemovable,
    ReviewWarnings,
    Acknowledge,
    Approval,
    ApprovalReference,
    ApprovalReferenceHint,
    ConfirmDisabled,
    ConfirmReady,
    Submitting,
    TrackTitle,
    TrackElapsed,
    TrackState,
    TrackResult,
    TrackLeaveHint,
    TrackSlaPassed,
    ScheduledDone,
    ChangeFailed,
    // -- keys (help overlay and hints)
    KeyUp,
    KeyDown,
    KeyPageUp,
    KeyPageDown,
    KeyTop,
    KeyBottom,
    KeyOpen,
    KeyBack,
    KeyQuit,
    KeyHelp,
    KeyFilter,
    KeyClearFilter,
    KeySort,
    KeyRefresh,
    KeyChange,
    KeyCancelScheduled,
    KeyNext,
    KeyPrevious,
    KeyConfirm,
    KeyToggle,
    KeySchedule,
    KeyUseTotal,
    KeyNextField,
    KeyPrevField,
    KeySubmit,
    KeyLogout,
    KeyYes,
    KeyNo,
    KeyChoose,
    KeyDismiss,
    KeyHistory,
    KeyApprovals,
    KeyReview,
    KeyApprove,
    KeyReject,
    KeyCancelRequest,
}

/// A catalogue: every text of the interface in one language.
pub trait Catalog: Sync {
    fn lang(&self) -> Lang;

    /// A fixed text.
    fn label(&self, l: Label) -> &'static str;

    /// A calendar date: `25 nov 2026` / `Nov 25, 2026`.
    fn date(&self, d: NaiveDate) -> String;

    /// An instant, shown in the portal's zone: `25 nov 2026 14:03`.
    fn date_time(&self, at: DateTime<Utc>, tz: Tz) -> String {
        let local = at.with_timezone(&tz);
        format!(
            "{} {}",
            self.date(local.date_naive()),
            local.format("%H:%M")
        )
    }

    /// Names the zone dates are counted in: `hora de America/Bogota`.
    fn zone(&self, tz: Tz) -> String;

    /// A short duration: `4 min 05 s`, `1 h 02 min`.
    fn duration(&self, secs: u64) -> String {
        let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
        if h > 0 {
            format!("{h} h {m:02} min")
        } else if m > 0 {
            format!("{m} min {s:02} s")
        } else {
            format!("{s} s")
        }
    }

    // -- domain values
    fn term(&self, term: Term) -> &'static str;
    fn billing(&self, billing: Billing) -> &'static str;
    fn status(&self, status: Status) -> &'static str;
    fn operation_status(&self, status: OperationStatus) -> &'static str;

    /// Decrease window: `open: closes in 3 days` / `closed: next opens Dec 20, 2026`.
    fn window_status(&self, w: &WindowStatus) -> String;
    /// The same, short, for narrow tables: `open, 4 d left` / `opens Dec 20`.
    fn window_status_short(&self, w: &WindowStatus) -> String;
    /// The window's dates, with the zone they are counted in.
    fn window_dates(&self, opens: NaiveDate, closes: NaiveDate, tz: Tz) -> String;

    /// Why a change is refused, in a sentence with its dates and numbers.
    fn refusal(&self, r: &Refusal, tz: Tz) -> String;
    /// Why an entry is not a total (a typed delta names the total meant).
    fn entry_error(&self, e: &EntryError) -> String;
    /// A warning of the review step.
    fn warning(&self, w: &Warning) -> String;
    /// When licences added now can next be removed.
    fn removable(&self, r: &Removable, tz: Tz) -> String;

    // -- status bar
    fn subscriptions_count(&self, n: usize) -> String;
    fn pending_count(&self, n: usize) -> String;
    fn session_left(&self, secs: u64) -> String;

    // -- login
    fn demo_credentials(&self, username: &str, password: &str) -> String;
    fn locked(&self, retry_after_secs: u64) -> String;

    // -- MFA
    fn attempts_left(&self, n: u32) -> String;
    fn demo_current_code(&self, code: &str) -> String;
    fn qr_too_small(&self, need_cols: u16, need_rows: u16) -> String;

    // -- services
    fn filter_matches(&self, shown: usize, total: usize) -> String;

    // -- detail
    fn range(&self, min: Quantity, max: Quantity) -> String;
    fn scheduled_change(&self, quantity: Quantity, date: NaiveDate) -> String;
    fn pending_operation(&self, target: Quantity, status: OperationStatus) -> String;
    fn assigned(&self, assigned: Quantity, total: Quantity) -> String;

    // -- wizard
    /// `You have 10 licences now.`
    fn current_total(&self, quantity: Quantity) -> String;
    /// The "now" option while the window is closed: `increases only until DATE`.
    fn now_increases_only_until(&self, opens: NaiveDate) -> String;
    /// The "at renewal" option.
    fn when_renewal(&self, date: NaiveDate) -> String;
    /// The one-key offer after a refused decrease: `schedule it for DATE`.
    fn schedule_offer(&self, date: NaiveDate) -> String;
    /// The effective date of the plan.
    fn effective(&self, effective: crate::domain::Effective, date: NaiveDate) -> String;
    /// `Step 2 of 4`.
    fn step_of(&self, n: usize, total: usize) -> String;
    /// Elapsed time against the provisioning SLA.
    fn elapsed_of_sla(&self, elapsed_secs: u64, sla_secs: u64) -> String;
    /// Final result of an immediate change.
    fn change_applied(&self, quantity: Quantity) -> String;
    /// Result of a change at renewal.
    fn change_scheduled(&self, quantity: Quantity, date: NaiveDate) -> String;
    /// Where a change request stands, with who decided, why, and until when
    /// it may be approved.
    /// The approval review once every warning is ticked, with the keys
    /// that approve and reject (from the keymap).
    fn approve_ready(&self, approve_key: &str, reject_key: &str) -> String;
    fn request_status(&self, r: &crate::api::ChangeRequestDto, tz: Tz) -> String;
    /// The toast after this user decided a request.
    fn request_decided(
        &self,
        subscription_name: &str,
        status: crate::api::ChangeRequestStatus,
    ) -> String;
    /// Status bar: this session's requests awaiting approval.
    fn awaiting_count(&self, n: usize) -> String;

    /// What a history event did: `requested 50 -> 55, now`.
    fn history_event(&self, e: &crate::api::HistoryEvent) -> String;

    /// A failed portal call, in words (refusals with their dates).
    fn portal_error(&self, e: &crate::portal::PortalError, tz: Tz) -> String;

    /// A failure as the app reports it, in words.
    fn failure(&self, f: &Failure, tz: Tz) -> String;
    /// A toast's text.
    fn toast(&self, m: &ToastMsg, tz: Tz) -> String;
    /// Why the login form is shown again.
    fn login_reason(&self, r: LoginReason) -> &'static str;
    /// The banner of a wizard that came back to a step. `now_quantity` is
    /// the subscription's quantity as just reloaded.
    fn wizard_error(&self, e: &WizardError, now_quantity: Quantity, tz: Tz) -> String;
    /// The key offer under the total field: `use 12` / schedule for DATE.
    fn total_offer(&self, o: &TotalOffer) -> String;

    /// The terminal is smaller than the screen needs.
    fn terminal_too_small(&self, cols: u16, rows: u16) -> String;
}

/// One line of the review of a change: what it is and its value in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewFact {
    pub label: Label,
    pub value: String,
}

/// The review facts of a plan, in order: from, to, difference, effective
/// date and (for an immediate increase) when added licences can next be
/// removed. The wizard's review and `licencias change` both show these.
pub fn review_facts(t: &dyn Catalog, plan: &ChangePlan, tz: Tz) -> Vec<ReviewFact> {
    let fact = |label, value| ReviewFact { label, value };
    let mut facts = vec![
        fact(Label::ReviewFrom, plan.from.to_string()),
        fact(Label::ReviewTo, plan.to.to_string()),
        fact(
            Label::ReviewDelta,
            format!(
                "{:+}   ({})",
                plan.delta,
                change_preview(plan.from, plan.to)
            ),
        ),
        fact(
            Label::ReviewEffective,
            t.effective(plan.effective, plan.effective_date),
        ),
    ];
    if let Some(r) = &plan.removable {
        facts.push(fact(Label::ReviewRemovable, t.removable(r, tz)));
    }
    facts
}

/// A time left, as the status bar shows it: `8 h`, `7 h 59 min`, `45 min`
/// (the same symbols in both languages). Rounded UP to the minute, as a
/// countdown is read: the 8 hours of a session just opened show as `8 h`,
/// never `7 h`, and the last seconds as `1 min`.
pub fn hours_minutes(secs: u64) -> String {
    let minutes = secs.div_ceil(60);
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

/// The live preview under the total field: `10 -> 12 (+2)`.
pub fn change_preview(from: Quantity, to: Quantity) -> String {
    let delta = i64::from(to) - i64::from(from);
    format!("{from} -> {to} ({delta:+})")
}

/// `n` with its thousands grouped by `sep`: `10,006` / `10.006`.
pub fn grouped(n: usize, sep: char) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// A base32 secret in groups of four for manual entry.
pub fn group_secret(secret: &str) -> String {
    let clean: Vec<char> = secret.chars().filter(|c| !c.is_whitespace()).collect();
    clean
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests;
