//! The whole state of the app. Views read `&Model` only; `update` is the only
//! writer. Screens and the session are enum state machines whose variants
//! carry their own state.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use secrecy::SecretString;

use crate::api::{
    HistoryEvent, MeResponse, OperationDto, ScheduledChangeDto, SubscriptionDto,
    SubscriptionSummary,
};
use crate::domain::{
    ChangePlan, Effective, OperationStatus, Policy, Quantity, Refusal, WindowStatus,
};

use super::field::TextField;
use super::keymap::Context;
use super::msg::{Failure, RequestId, SessionInfo};
pub use crate::i18n::vocab::{LoginReason, ToastMsg, TotalOffer, WizardError};

/// Demo mode: the embedded reference portal. The credentials come from the
/// server's demo data (read by `main`), shown on the login screen and used by
/// `demo --signed-in`.
#[derive(Clone, PartialEq, Eq)]
pub struct DemoInfo {
    /// The demo tenant's admin.
    pub username: String,
    /// Its password (public: the demo data is published).
    pub password: String,
    /// Start already signed in (`licencias demo --signed-in`).
    pub signed_in: bool,
}

impl std::fmt::Debug for DemoInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Public, but a password all the same: never in a `{:?}`.
        f.debug_struct("DemoInfo")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("signed_in", &self.signed_in)
            .finish()
    }
}

/// Which secret store keeps the refresh token (shown in the status bar).
pub use crate::secrets::StoreKind;

/// Display preferences.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prefs {
    pub lang: crate::i18n::Lang,
    /// `--ascii`: no box drawing, no half blocks.
    pub ascii: bool,
    /// False with `NO_COLOR`.
    pub color: bool,
}

/// Terminal size (from `Msg::Resize`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewport {
    pub width: u16,
    pub height: u16,
}

impl Default for Viewport {
    fn default() -> Self {
        Self {
            width: 80,
            height: 24,
        }
    }
}

/// Rows of the screen that are not table rows on the services screen
/// (title, header, filter line, status bar, hints). The ui keeps its layout
/// within this so that paging moves by exactly one screenful.
pub const SERVICES_CHROME_ROWS: u16 = 6;

// ---------------------------------------------------------------- session

/// The session state machine:
/// `LoggedOut -> Password -> MfaEnrol | MfaVerify -> LoggedIn`
/// (plus `Resuming` at start-up while a stored refresh token is tried).
#[derive(Debug)]
pub enum Session {
    /// Start-up: trying the stored refresh token silently.
    Resuming {
        request: RequestId,
        username: String,
    },
    /// The login form.
    LoggedOut(LoginForm),
    /// Username + password sent; waiting for the portal. The password was
    /// moved out of the form (and wiped) when it was sent.
    Password {
        form: LoginForm,
        request: RequestId,
    },
    /// First login: enrol an authenticator.
    MfaEnrol(EnrolState),
    /// Type a code from the authenticator.
    MfaVerify(VerifyState),
    LoggedIn(SessionInfo),
}

impl Session {
    pub fn is_logged_in(&self) -> bool {
        matches!(self, Session::LoggedIn(_))
    }
    pub fn info(&self) -> Option<&SessionInfo> {
        match self {
            Session::LoggedIn(i) => Some(i),
            _ => None,
        }
    }
}

/// Which login field has the focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginFocus {
    Username,
    Password,
}

/// The login form.
#[derive(Debug)]
pub struct LoginForm {
    pub username: TextField,
    /// Masked.
    pub password: TextField,
    pub focus: LoginFocus,
    /// The last failure (wrong credentials, locked, network...).
    pub error: Option<Failure>,
    /// When the account is locked: until when (computed from retry-after).
    pub locked_until: Option<DateTime<Utc>>,
    pub reason: Option<LoginReason>,
}

impl LoginForm {
    pub fn new(username: Option<&str>) -> Self {
        let username = TextField::text(128).with_value(username.unwrap_or(""));
        let focus = if username.is_empty() {
            LoginFocus::Username
        } else {
            LoginFocus::Password
        };
        Self {
            username,
            password: TextField::masked(256),
            focus,
            error: None,
            locked_until: None,
            reason: None,
        }
    }
}

/// The authenticator secret received at enrolment.
pub struct Enrolment {
    /// `otpauth://totp/...`, drawn as a QR code.
    pub otpauth_uri: String,
    /// Base32 secret, for manual entry (show in groups of four).
    pub secret: String,
    pub issuer: Option<String>,
    pub account: String,
    /// Built from the URI; checks codes locally before anything is sent.
    pub totp: totp_rs::Totp,
}

impl Enrolment {
    /// Parse the enrolment answer. `None` when the URI is not a usable TOTP URI.
    pub fn from_answer(otpauth_uri: &str, secret: &str) -> Option<Self> {
        let totp = totp_rs::Totp::from_url_unchecked(otpauth_uri).ok()?;
        Some(Self {
            otpauth_uri: otpauth_uri.to_string(),
            secret: secret.to_string(),
            issuer: totp.issuer().map(str::to_string),
            account: totp.account_name().to_string(),
            totp,
        })
    }
    /// The secret in groups of four (`ABCD EFGH ...`).
    pub fn secret_groups(&self) -> String {
        crate::i18n::group_secret(&self.secret)
    }
    /// Whether `code` is valid at `now` (one step of skew either way).
    pub fn check(&self, code: &str, now: DateTime<Utc>) -> bool {
        self.totp.check(code, unix(now)).is_some()
    }
    /// The current code at `now` (demo hint; tests).
    pub fn code_at(&self, now: DateTime<Utc>) -> String {
        self.totp.generate(unix(now)).to_string()
    }
    /// Seconds until the code changes.
    pub fn seconds_left(&self, now: DateTime<Utc>) -> u64 {
        let t = unix(now);
        self.totp.next_step(t).saturating_sub(t)
    }
}

impl Drop for Enrolment {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.otpauth_uri);
        zeroize::Zeroize::zeroize(&mut self.secret);
    }
}

impl fmt::Debug for Enrolment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Enrolment")
            .field("issuer", &self.issuer)
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

pub(crate) fn unix(now: DateTime<Utc>) -> u64 {
    u64::try_from(now.timestamp()).unwrap_or(0)
}

/// First login: enrol an authenticator, then type its code.
#[derive(Debug)]
pub struct EnrolState {
    pub username: String,
    pub mfa_token: SecretString,
    /// `None` while the enrolment request is in flight.
    pub enrolment: Option<Enrolment>,
    pub code: TextField,
    /// Enrol or verify request in flight.
    pub request: Option<RequestId>,
    /// `CodeDoesNotMatchLocally` (nothing sent), or the portal's failure.
    pub error: Option<Failure>,
    pub attempts_left: Option<u32>,
}

/// Type a code from the authenticator.
#[derive(Debug)]
pub struct VerifyState {
    pub username: String,
    pub mfa_token: SecretString,
    pub code: TextField,
    pub request: Option<RequestId>,
    pub error: Option<Failure>,
    pub attempts_left: Option<u32>,
}

// ---------------------------------------------------------------- screens

/// A screen of the stack (shown while signed in). The bottom is always
/// `Services`; the session going back to login keeps the stack.
#[derive(Debug)]
pub enum Screen {
    Services,
    Detail(DetailState),
    Wizard(Box<Wizard>),
    /// A subscription's full history (`h` from the detail).
    History(HistoryState),
    /// Change requests awaiting approval (`a` from the services list, in a
    /// `second_person` tenant).
    Approvals(ApprovalsState),
}

/// The approvals screen: the tenant's requests awaiting approval
/// ([`Model::approvals`]) and, after Enter, the review of one.
#[derive(Debug, Default)]
pub struct ApprovalsState {
    pub selected: usize,
    pub review: Option<Box<ApprovalReview>>,
}

/// The review of a request by an approver: the same review as the wizard,
/// with the warnings computed again against the subscription as it is now.
#[derive(Debug)]
pub struct ApprovalReview {
    pub request: crate::api::ChangeRequestDto,
    /// Loading the subscription as it is now.
    pub loading: Option<RequestId>,
    /// The plan recomputed now (`None` while loading).
    pub plan: Option<Result<ChangePlan, Refusal>>,
    /// One per warning of the plan.
    pub acks: Vec<bool>,
    /// The warning with the focus.
    pub focus: usize,
    /// `n` pressed: typing the reason of a rejection.
    pub rejecting: bool,
    pub reason: TextField,
    /// Approve, reject or cancel in flight.
    pub decision: Option<RequestId>,
    pub error: Option<Failure>,
}

impl ApprovalReview {
    pub fn new(request: crate::api::ChangeRequestDto) -> Self {
        Self {
            request,
            loading: None,
            plan: None,
            acks: Vec::new(),
            focus: 0,
            rejecting: false,
            reason: TextField::text(crate::api::MAX_REASON_CHARS),
            decision: None,
            error: None,
        }
    }
    /// Every warning ticked and the change still allowed now.
    pub fn can_approve(&self) -> bool {
        matches!(self.plan, Some(Ok(_))) && self.acks.iter().all(|&a| a)
    }
}

/// The tenant's change requests awaiting approval, as last loaded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApprovalsList {
    /// `None` until the first answer.
    pub requests: Option<Vec<crate::api::ChangeRequestDto>>,
    pub loading: Option<RequestId>,
    pub error: Option<Failure>,
}

/// Events of a subscription's history shown in its detail.
pub const DETAIL_HISTORY_EVENTS: usize = 5;

/// The full history of a subscription, newest first.
#[derive(Debug)]
pub struct HistoryState {
    pub subscription_id: String,
    /// The subscription's name, for the title.
    pub name: String,
    /// Index of the first event shown (scrolling).
    pub offset: usize,
}

/// A subscription's history as last loaded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryCache {
    /// Newest first; `None` until the first answer.
    pub events: Option<Vec<HistoryEvent>>,
    /// The whole history (not only the last few events).
    pub full: bool,
    /// Load in flight.
    pub request: Option<RequestId>,
    /// Why the last load failed.
    pub error: Option<Failure>,
}

/// Subscription detail ("Administrar suscripción").
#[derive(Debug)]
pub struct DetailState {
    pub subscription_id: String,
    /// Name from the listing, shown while the detail loads.
    pub name: String,
    /// Load request in flight.
    pub request: Option<RequestId>,
    pub error: Option<Failure>,
    /// `x` pressed: asking "cancel the scheduled change?".
    pub confirm_cancel: bool,
    /// Cancel request in flight.
    pub cancel_request: Option<RequestId>,
}

/// How the services table is sorted (`s` cycles in this order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortMode {
    #[default]
    Name,
    RenewalDate,
    /// Open windows closing soonest first, then closed windows opening soonest.
    WindowClosing,
}

impl SortMode {
    pub fn next(self) -> Self {
        match self {
            SortMode::Name => SortMode::RenewalDate,
            SortMode::RenewalDate => SortMode::WindowClosing,
            SortMode::WindowClosing => SortMode::Name,
        }
    }
}

/// One table row: a subscription with its service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRow {
    /// Shared by every row of the service.
    pub service_id: Arc<str>,
    pub service_name: Arc<str>,
    pub sub: SubscriptionSummary,
    /// Lower-cased `service NUL subscription NUL id`: the order of "sort by
    /// name", and the text the filter searches (a filter term holds no
    /// whitespace, so it cannot match across two fields).
    pub(crate) key: String,
}

impl ServiceRow {
    pub fn new(service_id: Arc<str>, service_name: Arc<str>, sub: SubscriptionSummary) -> Self {
        let mut key = String::with_capacity(service_name.len() + sub.name.len() + sub.id.len() + 2);
        for (i, part) in [&*service_name, sub.name.as_str(), sub.id.as_str()]
            .into_iter()
            .enumerate()
        {
            if i > 0 {
                key.push('\u{0}');
            }
            if part.is_ascii() {
                key.extend(part.bytes().map(|b| char::from(b.to_ascii_lowercase())));
            } else {
                key.push_str(&part.to_lowercase());
            }
        }
        Self {
            service_id,
            service_name,
            sub,
            key,
        }
    }
}

/// The services list and its table state.
#[derive(Debug, Default)]
pub struct ServicesState {
    /// Every subscription of every service, as loaded.
    pub rows: Vec<ServiceRow>,
    /// Indexes into `rows` in sort order (before filtering).
    pub(crate) sorted: Vec<usize>,
    /// Indexes into `rows` after filter and sort: the table shows these.
    pub view: Vec<usize>,
    /// Selected position in `view`.
    pub selected: usize,
    /// First visible position in `view` (see [`ServicesState::visible`]).
    pub offset: usize,
    pub filter: TextField,
    /// The lower-cased filter text `view` was last computed for: typing that
    /// extends it only narrows `view` (no rescan of every row).
    pub(crate) filtered_for: String,
    /// `/` pressed: keys go to the filter field.
    pub filter_active: bool,
    pub sort: SortMode,
    /// Load request in flight (first load or `r`).
    pub request: Option<RequestId>,
    pub loaded_at: Option<DateTime<Utc>>,
    pub error: Option<Failure>,
}

impl ServicesState {
    /// The selected row, if any.
    pub fn selected_row(&self) -> Option<&ServiceRow> {
        self.rows.get(*self.view.get(self.selected)?)
    }
    /// The positions in `view` to draw in a table of `height` rows: starts
    /// at `offset`, moved just enough to keep the selection visible. Views
    /// build rows for this range only.
    pub fn visible(&self, height: usize) -> Range<usize> {
        let len = self.view.len();
        if height == 0 || len == 0 {
            return 0..0;
        }
        let mut start = self.offset.min(len.saturating_sub(1));
        if self.selected < start {
            start = self.selected;
        } else if self.selected >= start + height {
            start = self.selected + 1 - height;
        }
        start..(start + height).min(len)
    }
    /// The rows shown, in order (`view` resolved).
    pub fn visible_rows(&self, height: usize) -> impl Iterator<Item = &ServiceRow> {
        self.view[self.visible(height)]
            .iter()
            .filter_map(|&i| self.rows.get(i))
    }
}

/// A subscription as last loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedSubscription {
    pub dto: SubscriptionDto,
    pub fetched_at: DateTime<Utc>,
}

// ---------------------------------------------------------------- wizard

/// The change wizard ("Cambiar"). `input` holds what the user typed and is
/// never lost on an error; `step` is the state machine
/// `When -> Total -> Review -> Submitting -> Tracking -> Done | Failed`.
#[derive(Debug)]
pub struct Wizard {
    pub subscription_id: String,
    /// The subscription the plan is computed against (replaced by the fresh
    /// one after a 409 conflict).
    pub sub: SubscriptionDto,
    pub input: WizardInput,
    pub step: WizardStep,
    /// The last error (conflict, server refusal, network), shown as a banner
    /// on the step the wizard came back to. Cleared by the next edit.
    pub error: Option<WizardError>,
    /// The tenant wants a second person to approve (`GET /me`): Review
    /// says so instead of asking the user to attest, and sends a request.
    pub second_person: bool,
}

impl Wizard {
    /// A wizard for `sub`, on the When step with "now" preselected.
    pub fn new(sub: SubscriptionDto) -> Self {
        Self {
            subscription_id: sub.id.clone(),
            sub,
            input: WizardInput {
                when: Effective::Now,
                entry: TextField::text(24),
                reference: TextField::text(64),
            },
            step: WizardStep::When,
            error: None,
            second_person: false,
        }
    }

    /// The plan for what is typed now (the live line under the field).
    pub fn plan_at(&self, policy: &Policy, now: DateTime<Utc>) -> Result<ChangePlan, Refusal> {
        crate::domain::plan(
            &self.sub.to_domain(),
            self.input.entry.value(),
            self.input.when,
            policy,
            now,
        )
    }

    /// The one-key offer under the quantity field, when there is one: the
    /// total meant by a typed delta, or scheduling a refused decrease.
    pub fn offer(&self) -> Option<TotalOffer> {
        let WizardStep::Total { plan: Err(refusal) } = &self.step else {
            return None;
        };
        match refusal {
            Refusal::Entry(crate::domain::EntryError::Delta {
                suggested_total: Some(n),
                ..
            }) => Some(TotalOffer::UseTotal(*n)),
            Refusal::DecreaseOutsideWindow {
                can_schedule: true,
                renewal_date,
                ..
            } if self.input.when == Effective::Now => Some(TotalOffer::ScheduleForRenewal {
                date: *renewal_date,
            }),
            _ => None,
        }
    }

    /// Step number (1-based) and count, for the step indicator
    /// (When, New total, Review, Confirm).
    pub fn step_number(&self) -> (usize, usize) {
        let n = match self.step {
            WizardStep::When => 1,
            WizardStep::Total { .. } => 2,
            WizardStep::Review(_) => 3,
            _ => 4,
        };
        (n, 4)
    }
}

/// What the user typed in the wizard.
#[derive(Debug)]
pub struct WizardInput {
    /// Now (preselected) or at the next renewal.
    pub when: Effective,
    /// The new TOTAL.
    pub entry: TextField,
    /// Ticket number of the internal approval (optional).
    pub reference: TextField,
}

/// Which Review item has the focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewFocus {
    /// The acknowledgement checkbox of warning `n`.
    Warning(usize),
    /// "I have internal approval" checkbox.
    Approval,
    /// Approval reference text field.
    Reference,
    /// The Confirm button.
    Confirm,
}

/// A change the user confirmed, with its idempotency key. Reused for every
/// retry of exactly this change; a different change gets a new key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmedChange {
    pub idempotency_key: String,
    pub quantity: Quantity,
    pub effective: Effective,
    pub expected_version: u64,
    pub approval_reference: Option<String>,
}

/// The review step's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewState {
    pub plan: ChangePlan,
    /// One per `plan.warnings`, in order.
    pub acks: Vec<bool>,
    pub approved: bool,
    pub focus: ReviewFocus,
    /// Set at the first Confirm of this change; kept for retries.
    pub confirmed: Option<ConfirmedChange>,
    /// A second person approves: no attestation box, "Send for approval".
    pub second_person: bool,
}

impl ReviewState {
    pub fn new(plan: ChangePlan) -> Self {
        let acks = vec![false; plan.warnings.len()];
        let focus = if acks.is_empty() {
            ReviewFocus::Approval
        } else {
            ReviewFocus::Warning(0)
        };
        Self {
            plan,
            acks,
            approved: false,
            focus,
            confirmed: None,
            second_person: false,
        }
    }
    /// The review for a tenant's approval mode: with `second_person` there
    /// is no attestation box (a second person approves instead).
    pub fn for_mode(plan: ChangePlan, second_person: bool) -> Self {
        let mut r = Self::new(plan);
        r.second_person = second_person;
        if second_person && r.focus == ReviewFocus::Approval {
            r.focus = ReviewFocus::Reference;
        }
        r
    }
    /// Confirm is enabled only when every warning is acknowledged and the
    /// approval checkbox is ticked (no box when a second person approves).
    pub fn can_confirm(&self) -> bool {
        (self.approved || self.second_person) && self.acks.iter().all(|&a| a)
    }
    /// Whether warning `i` is acknowledged.
    pub fn acknowledged(&self, i: usize) -> bool {
        self.acks.get(i).copied().unwrap_or(false)
    }
    /// Every focusable item, in Tab order.
    pub fn focus_order(&self) -> Vec<ReviewFocus> {
        let mut v: Vec<ReviewFocus> = (0..self.acks.len()).map(ReviewFocus::Warning).collect();
        if !self.second_person {
            v.push(ReviewFocus::Approval);
        }
        v.extend([ReviewFocus::Reference, ReviewFocus::Confirm]);
        v
    }
}

/// The wizard's steps; each carries its own state.
#[derive(Debug)]
pub enum WizardStep {
    /// a. Now (preselected) or at the next renewal. The choice is `input.when`.
    When,
    /// b. The new total, with the live plan (or refusal) under the field.
    Total { plan: Result<ChangePlan, Refusal> },
    /// c. Review and acknowledge.
    Review(ReviewState),
    /// d. Sent; waiting for the portal's answer. Keys are ignored but Ctrl-C.
    Submitting {
        review: ReviewState,
        request: RequestId,
    },
    /// Accepted; provisioning tracked in `Model::operations`.
    Tracking {
        plan: ChangePlan,
        operation_id: String,
        idempotency_key: String,
    },
    /// Reflected (immediate) or stored for the renewal.
    Done {
        plan: ChangePlan,
        outcome: DoneOutcome,
    },
    /// Provisioning failed.
    Failed {
        plan: ChangePlan,
        operation: OperationDto,
    },
    /// Sent for a second person's approval: follows the request (its
    /// tracker in [`Model::requests`]) until it is decided; approved
    /// immediate changes go on to `Tracking`.
    AwaitingApproval {
        plan: ChangePlan,
        request_id: String,
    },
}

/// A change request this session sent, followed until it is decided. Lives
/// outside the wizard: the user can leave and the status bar keeps
/// following it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestTracker {
    /// The request as last read.
    pub request: crate::api::ChangeRequestDto,
    /// The change's idempotency key: the provisioning of an approved
    /// request gets audit lines under it.
    pub idempotency_key: String,
    /// Why following it stopped, if it did.
    pub error: Option<Failure>,
}

impl RequestTracker {
    pub fn is_awaiting(&self) -> bool {
        self.request.status == crate::api::ChangeRequestStatus::AwaitingApproval
    }
}

/// How a wizard ended well.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DoneOutcome {
    Applied(OperationDto),
    Scheduled(ScheduledChangeDto),
}

// ---------------------------------------------------------------- operations

/// A confirmed immediate change being tracked until it is reflected. Lives
/// outside the wizard: the user can leave and it keeps running (status bar,
/// services list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationTracker {
    pub operation_id: String,
    pub subscription_id: String,
    pub subscription_name: String,
    pub from: Quantity,
    pub target_quantity: Quantity,
    pub submitted_at: DateTime<Utc>,
    pub status: OperationStatus,
    pub completed_at: Option<DateTime<Utc>>,
    /// Tracking stopped with this failure (the operation may still finish).
    pub error: Option<Failure>,
    /// For the final audit line.
    pub idempotency_key: String,
    pub approval_reference: Option<String>,
    /// The approved change request it provisions, if any (audit lines).
    pub change_request_id: Option<String>,
}

impl OperationTracker {
    pub fn is_pending(&self) -> bool {
        self.status == OperationStatus::Pending && self.error.is_none()
    }
    /// Seconds since submission (at `now`, or at completion).
    pub fn elapsed_secs(&self, now: DateTime<Utc>) -> i64 {
        let end = self.completed_at.unwrap_or(now);
        end.signed_duration_since(self.submitted_at)
            .num_seconds()
            .max(0)
    }
}

// ---------------------------------------------------------------- toasts

/// Toast severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToastLevel {
    Info,
    Success,
    Error,
}

/// A transient message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toast {
    pub id: u64,
    pub level: ToastLevel,
    pub message: ToastMsg,
    pub expires_at: DateTime<Utc>,
}

/// How long toasts stay.
pub const TOAST_SECONDS: i64 = 6;
/// Error toasts stay longer.
pub const ERROR_TOAST_SECONDS: i64 = 10;

// ---------------------------------------------------------------- pending

/// What an in-flight request is for (status bar spinner, debugging).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestKind {
    Policy,
    Resume,
    Login,
    Enroll,
    Verify,
    Services,
    Subscription(String),
    Change(String),
    CancelScheduled(String),
    Logout,
    /// `GET /me` after signing in.
    Me,
    History(String),
    Approvals,
    /// Approve, reject or cancel a change request.
    Decision(String),
}

// ---------------------------------------------------------------- model

/// Everything `licencias` knows. Built with [`Model::new`].
#[derive(Debug)]
pub struct Model {
    /// Last time seen (from `Tick`, keys and results). Views compute
    /// countdowns from it; nothing reads the clock.
    pub now: DateTime<Utc>,
    pub portal_url: String,
    /// `Some` for the embedded demo portal: DEMO banner, password hint,
    /// current TOTP code hint.
    pub demo: Option<DemoInfo>,
    /// The portal's rules (defaults until `GET /policy` answers).
    pub policy: Policy,
    pub session: Session,
    /// Screens while signed in; bottom is `Services`. Kept when the session
    /// goes back to login, restored after signing in again.
    pub stack: Vec<Screen>,
    pub services: ServicesState,
    /// Subscriptions loaded in detail, by id.
    pub subscriptions: HashMap<String, CachedSubscription>,
    /// Who is signed in, their roles and the tenant's approval mode
    /// (`GET /me`); `None` until it answers.
    pub me: Option<MeResponse>,
    /// Subscription histories, by subscription id.
    pub histories: HashMap<String, HistoryCache>,
    /// The tenant's requests awaiting approval (second_person tenants).
    pub approvals: ApprovalsList,
    /// Tracked immediate changes (newest last).
    pub operations: Vec<OperationTracker>,
    /// Change requests sent in this session, followed until decided.
    pub requests: Vec<RequestTracker>,
    pub toasts: Vec<Toast>,
    /// The `?` help overlay.
    pub help: bool,
    pub prefs: Prefs,
    /// `None` until the start-up probe answers.
    pub secret_store: Option<StoreKind>,
    pub viewport: Viewport,
    /// Requests in flight.
    pub in_flight: BTreeMap<RequestId, RequestKind>,
    /// Set by `update` whenever something visible changed; the loop clears it after drawing.
    pub dirty: bool,
    /// Set when the app must exit (`Effect::Quit` is also returned).
    pub quit: bool,
    /// The demo user's authenticator, remembered after enrolment in the demo
    /// only, to show the current code on later verifications.
    pub demo_totp: Option<Enrolment>,
    /// Username whose data the stack and caches hold (kept across a session
    /// expiry; dropped when someone else signs in).
    pub data_owner: Option<String>,
    /// Business time minus real time: TOTP codes and token lifetimes are
    /// real time ([`Model::real_now`]), dates and windows business time.
    /// Zero unless the clock is pinned (set it from `Clock::offset`).
    pub clock_offset: chrono::TimeDelta,
    pub(crate) next_request: u64,
    pub(crate) next_toast: u64,
    pub(crate) key_nonce: u128,
    pub(crate) key_counter: u64,
}

/// What [`Model::new`] needs.
#[derive(Debug, Clone)]
pub struct ModelInit {
    pub portal_url: String,
    pub demo: Option<DemoInfo>,
    /// Remembered or `--user`.
    pub username: Option<String>,
    pub prefs: Prefs,
    pub now: DateTime<Utc>,
    /// Random per run (the runner passes a v4 UUID); idempotency keys are
    /// derived from it so `update` stays pure and keys stay unique.
    pub key_nonce: u128,
}

impl Model {
    pub fn new(init: ModelInit) -> Self {
        Self {
            now: init.now,
            portal_url: init.portal_url,
            demo: init.demo,
            policy: Policy::default(),
            session: Session::LoggedOut(LoginForm::new(init.username.as_deref())),
            stack: vec![Screen::Services],
            services: ServicesState::default(),
            subscriptions: HashMap::new(),
            me: None,
            histories: HashMap::new(),
            approvals: ApprovalsList::default(),
            operations: Vec::new(),
            requests: Vec::new(),
            toasts: Vec::new(),
            help: false,
            prefs: init.prefs,
            secret_store: None,
            viewport: Viewport::default(),
            in_flight: BTreeMap::new(),
            dirty: true,
            quit: false,
            demo_totp: None,
            data_owner: None,
            clock_offset: chrono::TimeDelta::zero(),
            next_request: 1,
            next_toast: 1,
            key_nonce: init.key_nonce,
            key_counter: 0,
        }
    }

    /// The top screen of the stack.
    pub fn screen(&self) -> &Screen {
        self.stack.last().unwrap_or(&Screen::Services)
    }

    /// The wizard, when it is the top screen.
    pub fn wizard(&self) -> Option<&Wizard> {
        match self.stack.last() {
            Some(Screen::Wizard(w)) => Some(w),
            _ => None,
        }
    }

    /// A subscription from the cache.
    pub fn subscription(&self, id: &str) -> Option<&SubscriptionDto> {
        self.subscriptions.get(id).map(|c| &c.dto)
    }

    /// Whether the tenant wants a second person to approve changes.
    pub fn second_person(&self) -> bool {
        self.me
            .as_ref()
            .is_some_and(|m| m.tenant.approval == crate::api::ApprovalMode::SecondPerson)
    }

    /// A subscription's history, as last loaded.
    pub fn history(&self, subscription_id: &str) -> Option<&HistoryCache> {
        self.histories.get(subscription_id)
    }

    /// The tracker of an operation.
    pub fn operation(&self, id: &str) -> Option<&OperationTracker> {
        self.operations.iter().find(|o| o.operation_id == id)
    }

    /// The tracker of the pending operation of a subscription (for flags in
    /// the services list and the detail).
    pub fn pending_operation_for(&self, subscription_id: &str) -> Option<&OperationTracker> {
        self.operations
            .iter()
            .rev()
            .find(|o| o.subscription_id == subscription_id && o.is_pending())
    }

    /// The tracker of a change request sent in this session.
    pub fn request_tracker(&self, id: &str) -> Option<&RequestTracker> {
        self.requests.iter().find(|r| r.request.id == id)
    }

    /// Requests awaiting approval (status bar count): the tenant's when
    /// known, else this session's own.
    pub fn awaiting_requests(&self) -> usize {
        let own = self.requests.iter().filter(|r| r.is_awaiting()).count();
        match &self.approvals.requests {
            Some(all) => all
                .iter()
                .filter(|r| r.status == crate::api::ChangeRequestStatus::AwaitingApproval)
                .filter(|r| {
                    // a request decided since the list was read is not counted
                    self.request_tracker(&r.id).is_none_or(|t| t.is_awaiting())
                })
                .count()
                .max(own),
            None => own,
        }
    }

    /// Whether `request` was made by the signed-in user.
    pub fn is_own(&self, request: &crate::api::ChangeRequestDto) -> bool {
        self.session
            .info()
            .is_some_and(|i| i.user.username == request.requested_by.username)
    }

    /// Whether the signed-in user may approve other users' requests.
    pub fn is_approver(&self) -> bool {
        self.me
            .as_ref()
            .is_some_and(|m| m.roles.contains(&crate::api::Role::Approver))
    }

    /// Operations still being provisioned (status bar count).
    pub fn pending_operations(&self) -> usize {
        self.operations.iter().filter(|o| o.is_pending()).count()
    }

    /// Real (wall-clock) time: for TOTP codes and token lifetimes.
    pub fn real_now(&self) -> DateTime<Utc> {
        self.now
            .checked_sub_signed(self.clock_offset)
            .unwrap_or(self.now)
    }

    /// Today in the portal's time zone.
    pub fn today(&self) -> NaiveDate {
        self.policy.today(self.now)
    }

    /// The decrease window of a listing row today.
    pub fn window_of(&self, row: &SubscriptionSummary) -> Option<WindowStatus> {
        row.decrease_window.map(|w| w.status(self.today()))
    }

    /// Seconds left in the signed-in session (refresh token lifetime).
    pub fn session_secs_left(&self) -> Option<i64> {
        self.session.info().map(|i| {
            i.refresh_expires_at
                .signed_duration_since(self.real_now())
                .num_seconds()
                .max(0)
        })
    }

    /// Demo only: the current TOTP code of the demo user's authenticator and
    /// the seconds it stays valid, while an MFA screen is shown.
    pub fn demo_code_hint(&self) -> Option<(String, u64)> {
        self.demo.as_ref()?;
        let e = match &self.session {
            Session::MfaEnrol(s) => s.enrolment.as_ref(),
            Session::MfaVerify(_) => self.demo_totp.as_ref(),
            _ => None,
        }?;
        let now = self.real_now();
        Some((e.code_at(now), e.seconds_left(now)))
    }

    /// Whether something moves on its own (spinner, countdown, toast), so
    /// the loop ticks and redraws every second.
    pub fn animating(&self) -> bool {
        !self.in_flight.is_empty()
            || !self.toasts.is_empty()
            || self.pending_operations() > 0
            || self.awaiting_requests() > 0
            || matches!(self.session, Session::MfaEnrol(_) | Session::MfaVerify(_))
                && self.demo.is_some()
            || matches!(&self.session, Session::LoggedOut(f) if f.locked_until.is_some())
    }

    /// Where keys are resolved now: the help overlay and the key hints show
    /// `keymap::bindings(model.context())`.
    pub fn context(&self) -> Context {
        if self.help {
            return Context::Help;
        }
        self.screen_context()
    }

    /// The context of the screen itself, ignoring the help overlay: the
    /// overlay lists `keymap::help_rows(model.screen_context())`.
    pub fn screen_context(&self) -> Context {
        match &self.session {
            Session::LoggedOut(_) => return Context::Login,
            Session::Resuming { .. } | Session::Password { .. } => return Context::Busy,
            Session::MfaEnrol(_) => return Context::MfaEnrol,
            Session::MfaVerify(_) => return Context::MfaVerify,
            Session::LoggedIn(_) => {}
        }
        match self.screen() {
            Screen::Services if self.services.filter_active => Context::ServicesFilter,
            Screen::Services if self.second_person() => Context::ServicesApprovals,
            Screen::Services => Context::Services,
            Screen::Detail(d) if d.confirm_cancel => Context::DetailConfirmCancel,
            Screen::Detail(_) => Context::Detail,
            Screen::History(_) => Context::History,
            Screen::Approvals(a) => match &a.review {
                None => Context::Approvals,
                Some(r) if r.rejecting => Context::ApprovalReject,
                Some(_) => Context::ApprovalReview,
            },
            Screen::Wizard(w) => match &w.step {
                WizardStep::When => Context::WizardWhen,
                WizardStep::Total { .. } => match w.offer() {
                    None => Context::WizardTotal,
                    Some(TotalOffer::UseTotal(_)) => Context::WizardTotalUseTotal,
                    Some(TotalOffer::ScheduleForRenewal { .. }) => Context::WizardTotalSchedule,
                },
                WizardStep::Review(_) => Context::WizardReview,
                WizardStep::Submitting { .. } => Context::WizardSubmitting,
                WizardStep::Tracking { .. } => Context::WizardTracking,
                WizardStep::AwaitingApproval { request_id, .. } => {
                    match self.request_tracker(request_id) {
                        Some(r) if !r.is_awaiting() => Context::WizardDone,
                        _ => Context::WizardTracking,
                    }
                }
                WizardStep::Done { .. } | WizardStep::Failed { .. } => Context::WizardDone,
            },
        }
    }

    /// A new request id, registered as in flight.
    pub(crate) fn request(&mut self, kind: RequestKind) -> RequestId {
        let id = RequestId(self.next_request);
        self.next_request += 1;
        self.in_flight.insert(id, kind);
        id
    }

    /// Forget an in-flight request (its answer arrived). Returns whether it
    /// was still in flight.
    pub(crate) fn finish(&mut self, id: RequestId) -> bool {
        self.in_flight.remove(&id).is_some()
    }

    /// A fresh idempotency key: a UUID derived from the per-run nonce and a
    /// counter, so `update` stays pure and keys never repeat within a run.
    pub(crate) fn new_idempotency_key(&mut self) -> String {
        self.key_counter += 1;
        let bits = self.key_nonce ^ u128::from(self.key_counter);
        uuid::Uuid::from_u128(bits).hyphenated().to_string()
    }

    /// Show a toast.
    pub(crate) fn toast(&mut self, level: ToastLevel, message: ToastMsg) {
        let secs = if level == ToastLevel::Error {
            ERROR_TOAST_SECONDS
        } else {
            TOAST_SECONDS
        };
        let id = self.next_toast;
        self.next_toast += 1;
        self.toasts.push(Toast {
            id,
            level,
            message,
            expires_at: self.now + chrono::Duration::seconds(secs),
        });
        // Keep the last few only.
        if self.toasts.len() > 3 {
            self.toasts.remove(0);
        }
    }

    /// Whether the login flow (not the screen stack) is what is shown.
    pub fn shows_login(&self) -> bool {
        !self.session.is_logged_in()
    }
}
