//! English.

use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;

use super::{Catalog, Label, Lang, hours_minutes};
use super::{Failure, LoginReason, ToastMsg, TotalOffer, WizardError};
use crate::api::ErrorCode;
use crate::domain::{
    Billing, Effective, EntryError, OperationStatus, Quantity, Refusal, Removable, Sign, Status,
    Term, Warning, WindowStatus,
};
use crate::portal::PortalError;

/// The English catalogue.
#[derive(Debug, Clone, Copy, Default)]
pub struct En;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

fn licences(n: Quantity) -> String {
    plural(u64::from(n), "licence", "licences")
}

/// Text from the portal, without control characters.
fn clean(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}

/// `50 -> 55` (or the one end known) for a history line.
fn change_of(e: &crate::api::HistoryEvent) -> String {
    match (e.from, e.to) {
        (Some(f), Some(t)) => super::change_preview(f, t),
        (None, Some(t)) => format!("-> {t}"),
        (Some(f), None) => format!("{f} ->"),
        (None, None) => String::new(),
    }
}

impl Catalog for En {
    fn lang(&self) -> Lang {
        Lang::En
    }

    fn label(&self, l: Label) -> &'static str {
        use Label::*;
        match l {
            AppName => "licencias",
            Loading => "Loading…",
            Yes => "yes",
            No => "no",
            Unknown => "not known",
            None => "none",
            On => "on",
            Off => "off",
            HelpTitle => "Keys on this screen",
            HelpFooter => "Esc or ? closes this help",
            KeysTitle => "Keys",
            StatusPortal => "Portal",
            StatusUser => "User",
            StatusTenant => "Tenant",
            StatusSession => "Session",
            StatusKeyring => "Tokens",
            StatusPending => "Pending",
            NotSignedIn => "not signed in",
            KeyringSecretService => "tokens in keyring",
            KeyringKernel => "tokens in kernel keyring",
            KeyringMemory => "tokens in memory",
            KeyringFile => "tokens in a file",
            LoginTitle => "Sign in",
            LoginIntro => "Sign in with the username and password your reseller gave you.",
            PortalUrl => "Portal",
            Username => "Username",
            Password => "Password",
            SignIn => "Sign in",
            SigningIn => "Signing in…",
            DemoBanner => "DEMO PORTAL: built-in test data, no real licences are changed",
            DemoExplain => "This portal runs inside licencias for trying it out.",
            EnrolTitle => "Set up two-step sign-in (first sign-in only)",
            EnrolIntro => {
                "Scan the QR code with Microsoft Authenticator or a similar app, then type the 6-digit code the app shows."
            }
            EnrolManual => "No camera? Add the account by hand with this key:",
            Secret => "Key",
            Issuer => "Issuer",
            Account => "Account",
            Uri => "URI",
            Code => "Code",
            CodeHint => "6 digits from the app",
            Verifying => "Checking the code…",
            VerifyTitle => "Two-step sign-in",
            VerifyIntro => "Type the 6-digit code your authenticator app shows for this account.",
            ClockMayBeOff => {
                "That code does not match this key. Nothing was sent: check that your phone's clock is set automatically, then try the new code."
            }
            CodeReused => {
                "That code has already been used. Wait for the app to show a new one (every 30 seconds) and type it."
            }
            CodeSixDigits => "The code has exactly 6 digits.",
            QrAsciiFallback => {
                "Plain-text mode: the QR code is not drawn. Add the account by hand with the key, or open the URI on a device with an authenticator."
            }
            ServicesTitle => "Services",
            ColService => "Service",
            ColSubscription => "Subscription",
            ColQuantity => "Qty",
            ColTerm => "Term",
            ColRenewal => "Renews",
            ColWindow => "Decrease window",
            ColWindowShort => "Decrease",
            ColFlags => "Flags",
            FlagScheduled => "scheduled",
            FlagPending => "pending",
            Filter => "Filter",
            FilterHint => "type to filter, Enter opens the selected row, Esc clears",
            SortedBy => "Sorted by",
            SortName => "name",
            SortRenewal => "renewal date",
            SortWindow => "window closing soonest",
            NoServices => "This account has no services.",
            NoMatches => "Nothing matches the filter.",
            ManageSubscription => "Manage subscription",
            FieldName => "Name",
            FieldId => "Id",
            FieldQuantity => "Licences",
            FieldRange => "Allowed",
            FieldTerm => "Commitment",
            FieldBilling => "Billing",
            FieldTermStart => "Term started",
            FieldRenewal => "Renews on",
            FieldAutoRenew => "Auto-renew",
            FieldStatus => "Status",
            FieldAssigned => "Assigned",
            FieldWindow => "Decrease window",
            FieldScheduled => "Scheduled change",
            FieldPending => "Change in progress",
            CancelScheduledHint => "cancel the scheduled change",
            SecondPersonApproves => {
                "A second person must approve this change: it is sent as a request, and nothing changes until another user with the approver role approves it."
            }
            SendForApproval => "Send for approval",
            SendReady => "Everything is ticked: Send for approval sends the request.",
            AwaitingTitle => "Following the request",
            ApprovalsTitle => "Approvals",
            NoApprovals => "No change request awaits approval.",
            ColChange => "From -> to",
            ColEffective => "Applies",
            ColRequestedBy => "Requested by",
            ColAge => "Waiting",
            ColExpires => "Expires",
            OwnRequest => {
                "This is your own request: another user with the approver role must approve it. You can cancel it."
            }
            NotApprover => {
                "You do not have the approver role: you can read this request but not decide it."
            }
            CheckingNow => "Checking the subscription as it is now…",
            NoLongerAllowed => "The portal's rules no longer allow this change:",
            ApproveDisabled => "Approve is available once every warning is ticked.",
            RejectReason => "Reason for the rejection (required)",
            HistoryTitle => "History",
            RecentChanges => "Recent changes",
            NoHistory => "No changes recorded yet.",
            FullHistoryHint => "full history",
            ThePortal => "the portal",
            HistoryReference => "reference",
            HistoryRequest => "request",
            HistoryReason => "reason",
            CancelScheduledQuestion => {
                "Cancel the scheduled change? The quantity will then stay as it is at renewal."
            }
            ChangeHint => "change the quantity",
            Change => "Change",
            StepWhen => "When",
            StepTotal => "New total",
            StepReview => "Review",
            StepConfirm => "Confirm",
            Next => "Next",
            Back => "Back",
            Confirm => "Confirm",
            WhenQuestion => "When should the change apply?",
            WhenNow => "Now",
            WhenNowExplain => "Applied right away; it can take up to 5 minutes to show.",
            TotalLabel => "New TOTAL of licences (not the difference)",
            TotalExample => "Example: you have 10 and need 2 more: type 12.",
            ReviewTitle => "Check the change before confirming",
            ReviewFrom => "From",
            ReviewTo => "To",
            ReviewDelta => "Difference",
            ReviewEffective => "Applies",
            ReviewRemovable => "Added licences",
            ReviewWarnings => "Read and tick each one",
            Acknowledge => "Understood",
            Approval => "I have the internal approval for this change",
            ApprovalReference => "Approval reference",
            ApprovalReferenceHint => "ticket number, optional",
            ConfirmDisabled => "Confirm is available once every box is ticked.",
            ConfirmReady => "Everything is ticked: Confirm sends the change.",
            Submitting => "Sending the change…",
            TrackTitle => "Following the change",
            TrackElapsed => "Elapsed",
            TrackState => "State",
            TrackResult => "Result",
            TrackLeaveHint => "You can leave this screen: the status bar keeps following it.",
            TrackSlaPassed => "It is taking longer than usual; still checking.",
            ScheduledDone => "Scheduled",
            ChangeFailed => {
                "The portal reports that the change failed: the quantity did not change. You can start the change again."
            }
            KeyUp => "up",
            KeyDown => "down",
            KeyPageUp => "page up",
            KeyPageDown => "page down",
            KeyTop => "first",
            KeyBottom => "last",
            KeyOpen => "open",
            KeyBack => "back",
            KeyQuit => "quit",
            KeyHelp => "help",
            KeyFilter => "filter",
            KeyClearFilter => "clear filter",
            KeySort => "sort",
            KeyRefresh => "refresh",
            KeyChange => "Change",
            KeyCancelScheduled => "cancel scheduled change",
            KeyNext => "Next",
            KeyPrevious => "previous step",
            KeyConfirm => "Confirm",
            KeyToggle => "tick / untick",
            KeySchedule => "schedule for renewal",
            KeyUseTotal => "use the suggested total",
            KeyNextField => "next field",
            KeyPrevField => "previous field",
            KeySubmit => "submit",
            KeyLogout => "sign out",
            KeyYes => "yes",
            KeyNo => "no",
            KeyChoose => "choose",
            KeyDismiss => "close help",
            KeyHistory => "history",
            KeyApprovals => "approvals",
            KeyReview => "review",
            KeyApprove => "approve",
            KeyReject => "reject",
            KeyCancelRequest => "cancel the request",
        }
    }

    fn date(&self, d: NaiveDate) -> String {
        let m = MONTHS[d.month0() as usize];
        format!("{m} {}, {}", d.day(), d.year())
    }

    fn zone(&self, tz: Tz) -> String {
        format!("{} time", tz.name())
    }

    fn term(&self, term: Term) -> &'static str {
        match term {
            Term::P1M => "1 month",
            Term::P1Y => "1 year",
            Term::P3Y => "3 years",
        }
    }

    fn billing(&self, billing: Billing) -> &'static str {
        match billing {
            Billing::Monthly => "monthly",
            Billing::Annual => "yearly",
        }
    }

    fn status(&self, status: Status) -> &'static str {
        match status {
            Status::Active => "active",
            Status::Suspended => "suspended",
            Status::Expired => "expired",
        }
    }

    fn operation_status(&self, status: OperationStatus) -> &'static str {
        match status {
            OperationStatus::Pending => "in progress",
            OperationStatus::Succeeded => "done",
            OperationStatus::Failed => "failed",
        }
    }

    fn window_status(&self, w: &WindowStatus) -> String {
        match *w {
            WindowStatus::Open { days_left, .. } if days_left <= 1 => {
                "open: closes today".to_string()
            }
            WindowStatus::Open { days_left, .. } => {
                format!("open: closes in {days_left} days")
            }
            WindowStatus::Closed { opens, .. } => {
                format!("closed: next opens {}", self.date(opens))
            }
        }
    }

    fn window_status_short(&self, w: &WindowStatus) -> String {
        match *w {
            WindowStatus::Open { days_left, .. } if days_left <= 1 => "open, last day".to_string(),
            WindowStatus::Open { days_left, .. } => format!("open, {days_left} d left"),
            WindowStatus::Closed { opens, .. } => {
                format!("opens {} {}", MONTHS[opens.month0() as usize], opens.day())
            }
        }
    }

    fn window_dates(&self, opens: NaiveDate, closes: NaiveDate, tz: Tz) -> String {
        format!(
            "{} to {}, both included, {}",
            self.date(opens),
            self.date(closes),
            self.zone(tz)
        )
    }

    fn refusal(&self, r: &Refusal, tz: Tz) -> String {
        match r {
            Refusal::Entry(e) => self.entry_error(e),
            Refusal::Unchanged { quantity } => format!(
                "That is the quantity that would apply anyway ({}). Type a different total.",
                licences(*quantity)
            ),
            Refusal::BelowMinimum { requested, min } => format!(
                "{requested} is below this offer's minimum of {min}. To drop the subscription altogether, contact your reseller."
            ),
            Refusal::AboveMaximum { requested, max } => {
                format!("{requested} is above this offer's maximum of {max}.")
            }
            Refusal::NotActive { status } => format!(
                "This subscription is {}: only active subscriptions can change.",
                self.status(*status)
            ),
            Refusal::OperationInProgress {
                target_quantity, ..
            } => format!(
                "A change to {} is still being applied. Wait until it shows, then try again.",
                licences(*target_quantity)
            ),
            Refusal::DecreaseOutsideWindow {
                window_closed_on,
                next_window_opens,
                next_window_closes,
                renewal_date,
                can_schedule,
            } => {
                let mut s = format!(
                    "Licences can only be removed during the decrease window. The last one closed on {}; the next runs from {} to {} ({}).",
                    self.date(*window_closed_on),
                    self.date(*next_window_opens),
                    self.date(*next_window_closes),
                    self.zone(tz)
                );
                if *can_schedule {
                    s.push_str(&format!(
                        " You can schedule the decrease for the renewal on {}.",
                        self.date(*renewal_date)
                    ));
                } else {
                    s.push_str(" Auto-renew is off, so it cannot be scheduled for the renewal.");
                }
                s
            }
            Refusal::AutoRenewDisabled { renewal_date } => format!(
                "Auto-renew is off: the subscription ends on {} instead of renewing, so nothing can be scheduled for that date.",
                self.date(*renewal_date)
            ),
        }
    }

    fn entry_error(&self, e: &EntryError) -> String {
        match e {
            EntryError::Empty => "Type the new total number of licences.".to_string(),
            EntryError::NotAnInteger => "Use digits only: a whole number such as 12.".to_string(),
            EntryError::TooLarge => "That number is far too large.".to_string(),
            EntryError::Delta {
                sign,
                amount,
                suggested_total,
            } => {
                let typed = match sign {
                    Sign::Plus => format!("+{amount}"),
                    Sign::Minus => format!("-{amount}"),
                };
                match suggested_total {
                    Some(total) => format!(
                        "{typed} is a difference; this field takes the new total: type {total}."
                    ),
                    Option::None => format!(
                        "{typed} is a difference; this field takes the new total, not what to add or remove."
                    ),
                }
            }
        }
    }

    fn warning(&self, w: &Warning) -> String {
        match w {
            Warning::DeletesScheduledChange { scheduled } => format!(
                "Applying now deletes the change scheduled for {} (to {}).",
                self.date(scheduled.effective_date),
                licences(scheduled.quantity)
            ),
            Warning::ReplacesScheduledChange { scheduled } => format!(
                "This replaces the change already scheduled for {} (to {}).",
                self.date(scheduled.effective_date),
                licences(scheduled.quantity)
            ),
            Warning::LooksLikeDelta {
                typed,
                removes,
                total_if_adding,
            } => format!(
                "You typed {typed}: that removes {removes}. If you meant to add {typed}, the total is {total_if_adding}."
            ),
            Warning::LargeIncrease { adding } => {
                format!("You are adding {}.", licences(*adding))
            }
            Warning::BelowAssigned {
                assigned,
                requested,
            } => format!(
                "{assigned} licences are assigned to users but the new total is {requested}: some users will lose theirs."
            ),
        }
    }

    fn removable(&self, r: &Removable, tz: Tz) -> String {
        match *r {
            Removable::UntilWindowCloses { closes } => format!(
                "can be removed again until {} ({}), while this decrease window is open.",
                self.date(closes),
                self.zone(tz)
            ),
            Removable::NextWindow { opens, closes } => format!(
                "are committed until the next decrease window: {} to {} ({}).",
                self.date(opens),
                self.date(closes),
                self.zone(tz)
            ),
        }
    }

    fn subscriptions_count(&self, n: usize) -> String {
        if n == 1 {
            "1 subscription".to_string()
        } else {
            format!("{} subscriptions", super::grouped(n, ','))
        }
    }

    fn pending_count(&self, n: usize) -> String {
        plural(n as u64, "change in progress", "changes in progress")
    }

    fn session_left(&self, secs: u64) -> String {
        format!("session: {}", hours_minutes(secs))
    }

    fn demo_credentials(&self, username: &str, password: &str) -> String {
        format!("Demo sign-in: username {username}, password {password}")
    }

    fn locked(&self, retry_after_secs: u64) -> String {
        format!(
            "Account locked after too many failed attempts. Try again in {}.",
            self.duration(retry_after_secs)
        )
    }

    fn attempts_left(&self, n: u32) -> String {
        match n {
            0 => "Wrong code. No attempts left: sign in again.".to_string(),
            1 => "Wrong code. 1 attempt left.".to_string(),
            n => format!("Wrong code. {n} attempts left."),
        }
    }

    fn demo_current_code(&self, code: &str) -> String {
        format!("Demo only: the current code is {code}")
    }

    fn qr_too_small(&self, need_cols: u16, need_rows: u16) -> String {
        format!(
            "The window is too small to draw the QR code (it needs {need_cols}x{need_rows}). Enlarge it, or add the account by hand with the key below."
        )
    }

    fn filter_matches(&self, shown: usize, total: usize) -> String {
        format!(
            "{} of {}",
            super::grouped(shown, ','),
            super::grouped(total, ',')
        )
    }

    fn range(&self, min: Quantity, max: Quantity) -> String {
        format!("from {min} to {max} licences")
    }

    fn scheduled_change(&self, quantity: Quantity, date: NaiveDate) -> String {
        format!("to {} on {}", licences(quantity), self.date(date))
    }

    fn pending_operation(&self, target: Quantity, status: OperationStatus) -> String {
        format!("to {}: {}", licences(target), self.operation_status(status))
    }

    fn assigned(&self, assigned: Quantity, total: Quantity) -> String {
        if assigned > total {
            format!(
                "{assigned} assigned, {} more than the {}",
                assigned - total,
                licences(total)
            )
        } else {
            format!("{assigned} of {total} licences assigned to users")
        }
    }

    fn current_total(&self, quantity: Quantity) -> String {
        format!("You have {} now.", licences(quantity))
    }

    fn now_increases_only_until(&self, opens: NaiveDate) -> String {
        format!("increases only until {}", self.date(opens))
    }

    fn when_renewal(&self, date: NaiveDate) -> String {
        format!("At the next renewal ({})", self.date(date))
    }

    fn schedule_offer(&self, date: NaiveDate) -> String {
        format!("schedule it for {}", self.date(date))
    }

    fn effective(&self, effective: Effective, date: NaiveDate) -> String {
        match effective {
            Effective::Now => format!("now ({})", self.date(date)),
            Effective::AtRenewal => format!("at the renewal on {}", self.date(date)),
        }
    }

    fn step_of(&self, n: usize, total: usize) -> String {
        format!("Step {n} of {total}")
    }

    fn elapsed_of_sla(&self, elapsed_secs: u64, sla_secs: u64) -> String {
        format!(
            "{} of up to {}",
            self.duration(elapsed_secs),
            self.duration(sla_secs)
        )
    }

    fn change_applied(&self, quantity: Quantity) -> String {
        format!("Done: the portal now shows {}.", licences(quantity))
    }

    fn change_scheduled(&self, quantity: Quantity, date: NaiveDate) -> String {
        format!(
            "Scheduled: the quantity becomes {} at the renewal on {}.",
            licences(quantity),
            self.date(date)
        )
    }

    fn history_event(&self, e: &crate::api::HistoryEvent) -> String {
        use crate::api::HistoryKind::*;
        let change = change_of(e);
        let when = match (e.effective, e.effective_date) {
            (Some(crate::api::EffectiveDto::Renewal), Some(d)) => {
                format!(", at renewal on {}", self.date(d))
            }
            (Some(crate::api::EffectiveDto::Renewal), None) => ", at renewal".to_string(),
            (Some(crate::api::EffectiveDto::Now), _) => ", now".to_string(),
            (None, _) => String::new(),
        };
        match e.kind {
            ChangeRequested => format!("requested {change}{when}"),
            ChangeApproved => format!("approved {change}{when}"),
            ChangeRejected => format!("rejected {change}"),
            ChangeCancelled => format!("cancelled the request {change}"),
            ChangeExpired => format!("request {change} expired unapproved"),
            ChangeFailed => format!("approved request {change} failed"),
            OperationAccepted => format!("provisioning {change} started"),
            OperationSucceeded => match e.to {
                Some(n) => format!("provisioned: now {}", licences(n)),
                None => "provisioned".to_string(),
            },
            OperationFailed => format!("provisioning {change} failed"),
            ChangeScheduled => format!("scheduled {change}{when}"),
            ScheduledChangeCancelled => format!("cancelled the scheduled change {change}"),
            Renewed => format!("renewed {change}"),
            SubscriptionExpired => "subscription expired".to_string(),
            Unknown => "other event".to_string(),
        }
    }

    fn approve_ready(&self, approve_key: &str, reject_key: &str) -> String {
        format!("Everything is ticked: {approve_key} approves, {reject_key} rejects.")
    }

    fn request_status(&self, r: &crate::api::ChangeRequestDto, tz: Tz) -> String {
        use crate::api::ChangeRequestStatus::*;
        let who = r
            .decided_by
            .as_ref()
            .map_or_else(|| "the portal".to_string(), |a| clean(&a.display_name));
        let reason = r.reason.as_deref().map(clean).unwrap_or_default();
        match r.status {
            AwaitingApproval => format!(
                "Request {}: awaiting approval by another user of the tenant with the approver role, until {}. Nothing changes before.",
                r.id,
                self.date_time(r.expires_at, tz)
            ),
            Approved => format!("Request {}: approved by {who}.", r.id),
            Rejected => format!("Request {}: rejected by {who}: {reason}", r.id),
            Cancelled => format!("Request {}: cancelled. Nothing changed.", r.id),
            Expired => format!(
                "Request {}: expired on {} without a decision. Nothing changed.",
                r.id,
                self.date_time(r.expires_at, tz)
            ),
            Failed => format!(
                "Request {}: approved, but the portal could not apply it: {reason}",
                r.id
            ),
        }
    }

    fn request_decided(
        &self,
        subscription_name: &str,
        status: crate::api::ChangeRequestStatus,
    ) -> String {
        use crate::api::ChangeRequestStatus::*;
        let what = match status {
            Approved => "request approved",
            Rejected => "request rejected",
            Cancelled => "request cancelled",
            Expired => "request expired",
            Failed => "request failed",
            AwaitingApproval => "request awaiting approval",
        };
        format!("{}: {what}.", clean(subscription_name))
    }

    fn awaiting_count(&self, n: usize) -> String {
        format!(
            "{} awaiting approval",
            plural(n as u64, "request", "requests")
        )
    }

    fn portal_error(&self, e: &PortalError, tz: Tz) -> String {
        match e {
            PortalError::InvalidCredentials => "Wrong username or password.".to_string(),
            PortalError::Locked { retry_after_secs } => self.locked(*retry_after_secs),
            PortalError::InvalidMfaCode { attempts_left } => match attempts_left {
                Some(n) => self.attempts_left(*n),
                Option::None => "Wrong code.".to_string(),
            },
            PortalError::MfaCodeReused => self.label(Label::CodeReused).to_string(),
            PortalError::MfaTokenInvalid => {
                "The sign-in step took too long. Enter your password again.".to_string()
            }
            PortalError::AlreadyEnrolled => {
                "An authenticator is already set up for this user: sign in again to type its code.".to_string()
            }
            PortalError::NotEnrolled => {
                "No authenticator is set up for this user yet: sign in again to set one up.".to_string()
            }
            PortalError::SessionExpired => "The session has ended. Sign in again to continue where you were.".to_string(),
            PortalError::NotSignedIn => "You are not signed in.".to_string(),
            PortalError::Refused(r) => format!("The portal refused the change. {}", self.refusal(r, tz)),
            PortalError::VersionConflict(fresh) => format!(
                "The subscription changed while you were working (it now has {}). Check the new figures; what you typed is kept.",
                licences(fresh.quantity)
            ),
            PortalError::IdempotencyKeyReused => {
                "The portal saw this request before with different content. Go back to Review and confirm again.".to_string()
            }
            PortalError::RateLimited { retry_after_secs } => format!(
                "The portal is busy. Try again in {}.",
                self.duration(*retry_after_secs)
            ),
            PortalError::NotFound => "Not found: it may have been removed, or it belongs to another account.".to_string(),
            PortalError::NoScheduledChange => "There is no scheduled change any more.".to_string(),
            PortalError::Server { code: Some(code), .. } if code.is_approval() => match code {
                ErrorCode::Forbidden => "Your role in this tenant does not allow that.",
                ErrorCode::SelfApprovalForbidden => "You cannot decide your own change request: another approver of the tenant must.",
                ErrorCode::ApprovalPending => "A change request for this subscription already awaits approval: it must be decided or cancelled first.",
                ErrorCode::RequestStale => "The subscription changed since the change was requested, so the request can no longer be approved: it is now failed.",
                _ => "This change request no longer awaits a decision (it was decided, cancelled or expired meanwhile).",
            }
            .to_string(),
            PortalError::Server { status, .. } => format!(
                "The portal answered with an error (HTTP {status}). Try again in a moment."
            ),
            PortalError::Network(detail) => format!("Cannot reach the portal: {detail}."),
            PortalError::Timeout => "The portal did not answer in time. Try again.".to_string(),
            PortalError::Decode(_) => "The portal's answer could not be read. Try again; if it persists, tell your reseller.".to_string(),
            PortalError::InsecureUrl(url) => format!(
                "{url} uses plain http:// on a remote machine. Use an https:// address."
            ),
            PortalError::InvalidUrl(url) => format!("{url} is not a usable portal address."),
            PortalError::StillPending { .. } => "The change is still being applied; it will show on its own.".to_string(),
        }
    }

    fn failure(&self, f: &Failure, tz: Tz) -> String {
        match f {
            Failure::Portal(e) => self.portal_error(e, tz),
            Failure::CodeNotSixDigits => self.label(Label::CodeSixDigits).to_string(),
            Failure::UsernameMissing => "Type your username first.".to_string(),
            Failure::PasswordMissing => "Type your password first.".to_string(),
            Failure::CodeDoesNotMatchLocally => self.label(Label::ClockMayBeOff).to_string(),
            Failure::BadEnrolment => "The portal sent set-up data that cannot be used. Sign in again; if it persists, tell your reseller.".to_string(),
            Failure::SecretStore(d) => format!("The keyring failed ({d}): the session is kept in memory only and ends when you quit."),
            Failure::Audit(d) => format!("The audit log could not be written ({d}). The change itself was sent."),
        }
    }

    fn toast(&self, m: &ToastMsg, tz: Tz) -> String {
        match m {
            ToastMsg::Failure(f) => self.failure(f, tz),
            ToastMsg::SessionExpired => self.portal_error(&PortalError::SessionExpired, tz),
            ToastMsg::SecretStoreDegraded => {
                "The keyring stopped working: the session is now kept in memory only.".to_string()
            }
            ToastMsg::OperationSucceeded {
                subscription_name,
                quantity,
            } => {
                format!("{subscription_name}: done, now {}.", licences(*quantity))
            }
            ToastMsg::OperationFailed {
                subscription_name,
                target_quantity,
            } => format!(
                "{subscription_name}: the change to {} failed.",
                licences(*target_quantity)
            ),
            ToastMsg::ChangeScheduled {
                subscription_name,
                quantity,
                date,
            } => format!(
                "{subscription_name}: {} scheduled for {}.",
                licences(*quantity),
                self.date(*date)
            ),
            ToastMsg::ScheduledChangeCancelled { subscription_name } => {
                format!("{subscription_name}: scheduled change cancelled.")
            }
            ToastMsg::ServicesRefreshed { count } => {
                format!("Updated: {}.", self.subscriptions_count(*count))
            }
            ToastMsg::LoggedOut => "Signed out.".to_string(),
            ToastMsg::RequestDecided {
                subscription_name,
                status,
            } => self.request_decided(subscription_name, *status),
            ToastMsg::RequestClosed {
                subscription_name,
                status,
                reason,
            } => {
                let what = match status {
                    crate::api::ChangeRequestStatus::Rejected => "request rejected",
                    crate::api::ChangeRequestStatus::Cancelled => "request cancelled",
                    crate::api::ChangeRequestStatus::Expired => "request expired",
                    crate::api::ChangeRequestStatus::Failed => "approved request failed",
                    _ => "request decided",
                };
                match reason {
                    Some(r) => format!("{subscription_name}: {what}: {}", clean(r)),
                    None => format!("{subscription_name}: {what}."),
                }
            }
            ToastMsg::AuditFailed(f) => self.failure(f, tz),
        }
    }

    fn login_reason(&self, r: LoginReason) -> &'static str {
        match r {
            LoginReason::SessionExpired => {
                "Your session ended. Sign in again to continue where you were."
            }
            LoginReason::LoggedOut => "You have signed out.",
            LoginReason::MfaAbandoned => "The two-step sign-in was not finished. Sign in again.",
        }
    }

    fn wizard_error(&self, e: &WizardError, now_quantity: Quantity, tz: Tz) -> String {
        match e {
            WizardError::Conflict { previous_quantity } => format!(
                "The subscription changed meanwhile: it had {previous_quantity} when you started and has {now_quantity} now. Nothing was sent; check the total again."
            ),
            WizardError::Refused(r) => {
                format!("The portal refused the change. {}", self.refusal(r, tz))
            }
            WizardError::Failed(f) => format!(
                "{} What you typed is kept; Confirm again to retry the same request.",
                self.failure(f, tz)
            ),
        }
    }

    fn total_offer(&self, o: &TotalOffer) -> String {
        match o {
            TotalOffer::UseTotal(n) => format!("use {n} as the new total"),
            TotalOffer::ScheduleForRenewal { date } => self.schedule_offer(*date),
        }
    }

    fn terminal_too_small(&self, cols: u16, rows: u16) -> String {
        format!("The terminal is too small: make it at least {cols}x{rows}.")
    }
}
