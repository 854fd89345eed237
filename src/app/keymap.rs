//! One keymap: (context + key) -> Action, with a label id per binding. The
//! help overlay and the key hints are generated from these tables, so they
//! can never drift from the real bindings. Focused text fields get keys
//! first (see `update`); the keymap sees only what they did not consume.

use crate::i18n::Label;

use super::key::{Key, KeyCode, Mods};

/// Plain, bindable commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Ctrl-C: quit from anywhere.
    Quit,
    /// q / Esc: back one screen (quit from the services list with `q`).
    Back,
    /// `?` (F1 everywhere): toggle the help overlay.
    Help,
    /// Close the help overlay / dismiss toasts.
    Dismiss,

    // -- forms
    NextField,
    PrevField,
    /// Enter on login / MFA: send.
    Submit,

    // -- lists
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    /// Enter: open the selected subscription.
    Open,
    /// `/`: type to filter.
    Filter,
    /// Esc while filtering: clear the filter.
    ClearFilter,
    /// `s`: cycle the sort.
    SortCycle,
    /// `r`: reload.
    Refresh,
    /// `L`: log out.
    Logout,

    // -- detail
    /// `c`: start the change wizard.
    StartChange,
    /// `x`: cancel the scheduled change (asks first).
    CancelScheduled,
    /// `h`: the subscription's full history.
    OpenHistory,
    /// `a`: the requests awaiting approval.
    OpenApprovals,
    /// `y` in an approval review: approve.
    Approve,
    /// `n` in an approval review: reject (asks the reason).
    Reject,
    /// `c` in an approval review of one's own request: cancel it.
    CancelRequest,
    /// `y` / Enter in a confirmation.
    Yes,
    /// `n` / Esc in a confirmation.
    No,

    // -- wizard
    /// When step: choose "now".
    ChooseNow,
    /// When step: choose "at the next renewal".
    ChooseAtRenewal,
    /// Enter: next step.
    Next,
    /// Tab on the quantity step: take the offer under the field (use the
    /// suggested total, or schedule a refused decrease for the renewal).
    TakeOffer,
    /// Space: toggle the focused checkbox.
    Toggle,
    /// Enter on Confirm: send the reviewed change.
    Confirm,
}

/// Where keys are being resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Context {
    Login,
    MfaEnrol,
    MfaVerify,
    /// Waiting on a sign-in answer (only global keys).
    Busy,
    Services,
    /// The services list in a `second_person` tenant (`a`: approvals).
    ServicesApprovals,
    ServicesFilter,
    Detail,
    DetailConfirmCancel,
    /// A subscription's full history.
    History,
    /// The requests awaiting approval.
    Approvals,
    /// The review of one request.
    ApprovalReview,
    /// Typing the reason of a rejection.
    ApprovalReject,
    WizardWhen,
    /// The quantity step with no offer under the field.
    WizardTotal,
    /// The quantity step offering the total a typed delta means (`+2` -> 12).
    WizardTotalUseTotal,
    /// The quantity step offering to schedule a refused decrease.
    WizardTotalSchedule,
    WizardReview,
    WizardSubmitting,
    WizardTracking,
    WizardDone,
    Help,
}

/// One binding: a key, its action and the label id of its description.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding {
    pub key: Key,
    pub action: Action,
    pub label: Label,
    /// Shown in the one-line key hints (the help overlay shows all).
    pub hint: bool,
}

const fn b(key: Key, action: Action, label: Label, hint: bool) -> Binding {
    Binding {
        key,
        action,
        label,
        hint,
    }
}

const fn k(code: KeyCode) -> Key {
    Key::plain(code)
}

const CTRL_C: Binding = b(
    Key::new(KeyCode::Char('c'), Mods::CTRL),
    Action::Quit,
    Label::KeyQuit,
    false,
);
const F1: Binding = b(k(KeyCode::F(1)), Action::Help, Label::KeyHelp, false);
const HELP: Binding = b(Key::ch('?'), Action::Help, Label::KeyHelp, true);

const LOGIN: &[Binding] = &[
    b(k(KeyCode::Enter), Action::Submit, Label::KeySubmit, true),
    b(
        k(KeyCode::Tab),
        Action::NextField,
        Label::KeyNextField,
        true,
    ),
    b(
        k(KeyCode::BackTab),
        Action::PrevField,
        Label::KeyPrevField,
        true,
    ),
    b(
        k(KeyCode::Down),
        Action::NextField,
        Label::KeyNextField,
        false,
    ),
    b(
        k(KeyCode::Up),
        Action::PrevField,
        Label::KeyPrevField,
        false,
    ),
    F1,
    CTRL_C,
];

const MFA: &[Binding] = &[
    b(k(KeyCode::Enter), Action::Submit, Label::KeySubmit, true),
    b(k(KeyCode::Esc), Action::Back, Label::KeyBack, true),
    F1,
    CTRL_C,
];

const BUSY: &[Binding] = &[F1, CTRL_C];

/// The services list's bindings, with `$extra` before the sign-out and
/// help keys (one table, so the two services contexts cannot drift).
macro_rules! services_bindings {
    ($($extra:expr),* $(,)?) => {
        &[
            b(k(KeyCode::Enter), Action::Open, Label::KeyOpen, true),
            b(Key::ch('/'), Action::Filter, Label::KeyFilter, true),
            b(Key::ch('s'), Action::SortCycle, Label::KeySort, true),
            b(Key::ch('r'), Action::Refresh, Label::KeyRefresh, true),
            b(Key::ch('j'), Action::Down, Label::KeyDown, false),
            b(k(KeyCode::Down), Action::Down, Label::KeyDown, false),
            b(Key::ch('k'), Action::Up, Label::KeyUp, false),
            b(k(KeyCode::Up), Action::Up, Label::KeyUp, false),
            b(
                k(KeyCode::PageDown),
                Action::PageDown,
                Label::KeyPageDown,
                false,
            ),
            b(k(KeyCode::PageUp), Action::PageUp, Label::KeyPageUp, false),
            b(k(KeyCode::Home), Action::Top, Label::KeyTop, false),
            b(k(KeyCode::End), Action::Bottom, Label::KeyBottom, false),
            b(
                k(KeyCode::Esc),
                Action::ClearFilter,
                Label::KeyClearFilter,
                false,
            ),
            $($extra,)*
            b(Key::ch('L'), Action::Logout, Label::KeyLogout, false),
            HELP,
            F1,
            b(Key::ch('q'), Action::Back, Label::KeyQuit, true),
            CTRL_C,
        ]
    };
}

const SERVICES: &[Binding] = services_bindings!();

/// The services list in a `second_person` tenant: `a` opens the approvals.
const SERVICES_APPROVALS: &[Binding] = services_bindings!(b(
    Key::ch('a'),
    Action::OpenApprovals,
    Label::KeyApprovals,
    true,
));

const SERVICES_FILTER: &[Binding] = &[
    b(k(KeyCode::Enter), Action::Open, Label::KeyOpen, true),
    b(
        k(KeyCode::Esc),
        Action::ClearFilter,
        Label::KeyClearFilter,
        true,
    ),
    b(k(KeyCode::Down), Action::Down, Label::KeyDown, false),
    b(k(KeyCode::Up), Action::Up, Label::KeyUp, false),
    b(
        k(KeyCode::PageDown),
        Action::PageDown,
        Label::KeyPageDown,
        false,
    ),
    b(k(KeyCode::PageUp), Action::PageUp, Label::KeyPageUp, false),
    F1,
    CTRL_C,
];

const DETAIL: &[Binding] = &[
    b(Key::ch('c'), Action::StartChange, Label::KeyChange, true),
    b(
        Key::ch('x'),
        Action::CancelScheduled,
        Label::KeyCancelScheduled,
        true,
    ),
    b(Key::ch('h'), Action::OpenHistory, Label::KeyHistory, true),
    b(Key::ch('r'), Action::Refresh, Label::KeyRefresh, true),
    HELP,
    F1,
    b(Key::ch('q'), Action::Back, Label::KeyBack, true),
    b(k(KeyCode::Esc), Action::Back, Label::KeyBack, false),
    CTRL_C,
];

const HISTORY: &[Binding] = &[
    b(Key::ch('j'), Action::Down, Label::KeyDown, false),
    b(k(KeyCode::Down), Action::Down, Label::KeyDown, false),
    b(Key::ch('k'), Action::Up, Label::KeyUp, false),
    b(k(KeyCode::Up), Action::Up, Label::KeyUp, false),
    b(
        k(KeyCode::PageDown),
        Action::PageDown,
        Label::KeyPageDown,
        true,
    ),
    b(k(KeyCode::PageUp), Action::PageUp, Label::KeyPageUp, false),
    b(k(KeyCode::Home), Action::Top, Label::KeyTop, false),
    b(k(KeyCode::End), Action::Bottom, Label::KeyBottom, false),
    b(Key::ch('r'), Action::Refresh, Label::KeyRefresh, true),
    HELP,
    F1,
    b(Key::ch('q'), Action::Back, Label::KeyBack, true),
    b(k(KeyCode::Esc), Action::Back, Label::KeyBack, false),
    CTRL_C,
];

const APPROVALS: &[Binding] = &[
    b(k(KeyCode::Enter), Action::Open, Label::KeyReview, true),
    b(Key::ch('j'), Action::Down, Label::KeyDown, false),
    b(k(KeyCode::Down), Action::Down, Label::KeyDown, false),
    b(Key::ch('k'), Action::Up, Label::KeyUp, false),
    b(k(KeyCode::Up), Action::Up, Label::KeyUp, false),
    b(Key::ch('r'), Action::Refresh, Label::KeyRefresh, true),
    HELP,
    F1,
    b(Key::ch('q'), Action::Back, Label::KeyBack, true),
    b(k(KeyCode::Esc), Action::Back, Label::KeyBack, false),
    CTRL_C,
];

const APPROVAL_REVIEW: &[Binding] = &[
    b(Key::ch('y'), Action::Approve, Label::KeyApprove, true),
    b(Key::ch('n'), Action::Reject, Label::KeyReject, true),
    b(
        Key::ch('c'),
        Action::CancelRequest,
        Label::KeyCancelRequest,
        true,
    ),
    b(Key::ch(' '), Action::Toggle, Label::KeyToggle, true),
    b(
        k(KeyCode::Tab),
        Action::NextField,
        Label::KeyNextField,
        false,
    ),
    b(
        k(KeyCode::Down),
        Action::NextField,
        Label::KeyNextField,
        false,
    ),
    b(
        k(KeyCode::Up),
        Action::PrevField,
        Label::KeyPrevField,
        false,
    ),
    HELP,
    F1,
    b(k(KeyCode::Esc), Action::Back, Label::KeyBack, true),
    b(Key::ch('q'), Action::Back, Label::KeyBack, false),
    CTRL_C,
];

/// The reason field takes printable keys.
const APPROVAL_REJECT: &[Binding] = &[
    b(k(KeyCode::Enter), Action::Reject, Label::KeyReject, true),
    F1,
    b(k(KeyCode::Esc), Action::Back, Label::KeyBack, true),
    CTRL_C,
];

const DETAIL_CONFIRM_CANCEL: &[Binding] = &[
    b(Key::ch('y'), Action::Yes, Label::KeyYes, true),
    b(Key::ch('s'), Action::Yes, Label::KeyYes, false),
    b(k(KeyCode::Enter), Action::Yes, Label::KeyYes, false),
    b(Key::ch('n'), Action::No, Label::KeyNo, true),
    b(k(KeyCode::Esc), Action::No, Label::KeyNo, false),
    b(Key::ch('q'), Action::No, Label::KeyNo, false),
    CTRL_C,
];

const WIZARD_WHEN: &[Binding] = &[
    b(k(KeyCode::Enter), Action::Next, Label::KeyNext, true),
    b(k(KeyCode::Up), Action::ChooseNow, Label::KeyChoose, true),
    b(
        k(KeyCode::Down),
        Action::ChooseAtRenewal,
        Label::KeyChoose,
        false,
    ),
    b(Key::ch('k'), Action::ChooseNow, Label::KeyChoose, false),
    b(
        Key::ch('j'),
        Action::ChooseAtRenewal,
        Label::KeyChoose,
        false,
    ),
    b(Key::ch('1'), Action::ChooseNow, Label::KeyChoose, false),
    b(
        Key::ch('2'),
        Action::ChooseAtRenewal,
        Label::KeyChoose,
        false,
    ),
    HELP,
    F1,
    b(k(KeyCode::Esc), Action::Back, Label::KeyBack, true),
    b(Key::ch('q'), Action::Back, Label::KeyBack, false),
    CTRL_C,
];

/// The quantity field has the focus: printable keys are typed into it.
const WIZARD_TOTAL: &[Binding] = &[
    b(k(KeyCode::Enter), Action::Next, Label::KeyNext, true),
    F1,
    b(k(KeyCode::Esc), Action::Back, Label::KeyPrevious, true),
    CTRL_C,
];

/// The key that takes the one-key offer under the quantity field.
pub const TAKE_OFFER_KEY: Key = k(KeyCode::Tab);

const WIZARD_TOTAL_USE_TOTAL: &[Binding] = &[
    b(k(KeyCode::Enter), Action::Next, Label::KeyNext, true),
    b(TAKE_OFFER_KEY, Action::TakeOffer, Label::KeyUseTotal, true),
    F1,
    b(k(KeyCode::Esc), Action::Back, Label::KeyPrevious, true),
    CTRL_C,
];

const WIZARD_TOTAL_SCHEDULE: &[Binding] = &[
    b(k(KeyCode::Enter), Action::Next, Label::KeyNext, true),
    b(TAKE_OFFER_KEY, Action::TakeOffer, Label::KeySchedule, true),
    F1,
    b(k(KeyCode::Esc), Action::Back, Label::KeyPrevious, true),
    CTRL_C,
];

/// The reference field types printable keys when it has the focus.
const WIZARD_REVIEW: &[Binding] = &[
    b(k(KeyCode::Enter), Action::Confirm, Label::KeyConfirm, true),
    b(Key::ch(' '), Action::Toggle, Label::KeyToggle, true),
    b(
        k(KeyCode::Tab),
        Action::NextField,
        Label::KeyNextField,
        true,
    ),
    b(
        k(KeyCode::BackTab),
        Action::PrevField,
        Label::KeyPrevField,
        false,
    ),
    b(
        k(KeyCode::Down),
        Action::NextField,
        Label::KeyNextField,
        false,
    ),
    b(
        k(KeyCode::Up),
        Action::PrevField,
        Label::KeyPrevField,
        false,
    ),
    b(Key::ch('j'), Action::NextField, Label::KeyNextField, false),
    b(Key::ch('k'), Action::PrevField, Label::KeyPrevField, false),
    HELP,
    F1,
    b(k(KeyCode::Esc), Action::Back, Label::KeyPrevious, true),
    CTRL_C,
];

const WIZARD_SUBMITTING: &[Binding] = &[F1, CTRL_C];

const WIZARD_TRACKING: &[Binding] = &[
    b(k(KeyCode::Esc), Action::Back, Label::KeyBack, true),
    b(Key::ch('q'), Action::Back, Label::KeyBack, false),
    b(k(KeyCode::Enter), Action::Back, Label::KeyBack, false),
    HELP,
    F1,
    CTRL_C,
];

const WIZARD_DONE: &[Binding] = &[
    b(k(KeyCode::Enter), Action::Back, Label::KeyBack, true),
    b(k(KeyCode::Esc), Action::Back, Label::KeyBack, false),
    b(Key::ch('q'), Action::Back, Label::KeyBack, false),
    HELP,
    F1,
    CTRL_C,
];

const HELP_OVERLAY: &[Binding] = &[
    b(k(KeyCode::Esc), Action::Dismiss, Label::KeyDismiss, true),
    b(Key::ch('?'), Action::Dismiss, Label::KeyDismiss, false),
    b(Key::ch('q'), Action::Dismiss, Label::KeyDismiss, false),
    b(k(KeyCode::F(1)), Action::Dismiss, Label::KeyDismiss, false),
    b(k(KeyCode::Enter), Action::Dismiss, Label::KeyDismiss, false),
    CTRL_C,
];

/// Every binding of a context, in display order.
pub fn bindings(ctx: Context) -> &'static [Binding] {
    match ctx {
        Context::Login => LOGIN,
        Context::MfaEnrol | Context::MfaVerify => MFA,
        Context::Busy => BUSY,
        Context::Services => SERVICES,
        Context::ServicesApprovals => SERVICES_APPROVALS,
        Context::ServicesFilter => SERVICES_FILTER,
        Context::Detail => DETAIL,
        Context::DetailConfirmCancel => DETAIL_CONFIRM_CANCEL,
        Context::History => HISTORY,
        Context::Approvals => APPROVALS,
        Context::ApprovalReview => APPROVAL_REVIEW,
        Context::ApprovalReject => APPROVAL_REJECT,
        Context::WizardWhen => WIZARD_WHEN,
        Context::WizardTotal => WIZARD_TOTAL,
        Context::WizardTotalUseTotal => WIZARD_TOTAL_USE_TOTAL,
        Context::WizardTotalSchedule => WIZARD_TOTAL_SCHEDULE,
        Context::WizardReview => WIZARD_REVIEW,
        Context::WizardSubmitting => WIZARD_SUBMITTING,
        Context::WizardTracking => WIZARD_TRACKING,
        Context::WizardDone => WIZARD_DONE,
        Context::Help => HELP_OVERLAY,
    }
}

/// The action bound to `key` in `ctx`.
pub fn resolve(ctx: Context, key: &Key) -> Option<Action> {
    bindings(ctx)
        .iter()
        .find(|b| b.key == *key)
        .map(|b| b.action)
}

/// The first key bound to `action` in `ctx` (for a hint written inside a
/// view, such as the key that cancels a scheduled change).
pub fn key_for(ctx: Context, action: Action) -> Option<Key> {
    bindings(ctx)
        .iter()
        .find(|b| b.action == action)
        .map(|b| b.key)
}

/// The bindings for the one-line hints: one per label, marked `hint`.
pub fn hints(ctx: Context) -> impl Iterator<Item = &'static Binding> {
    bindings(ctx).iter().filter(|b| b.hint)
}

/// For the help overlay: each label once, with every key bound to it
/// (`j, Down`), in display order.
pub fn help_rows(ctx: Context) -> Vec<(Vec<Key>, Label)> {
    let mut rows: Vec<(Vec<Key>, Label)> = Vec::new();
    for b in bindings(ctx) {
        match rows.iter_mut().find(|(_, l)| *l == b.label) {
            Some((keys, _)) => keys.push(b.key),
            None => rows.push((vec![b.key], b.label)),
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Context; 22] = [
        Context::Login,
        Context::MfaEnrol,
        Context::MfaVerify,
        Context::Busy,
        Context::Services,
        Context::ServicesApprovals,
        Context::ServicesFilter,
        Context::Detail,
        Context::DetailConfirmCancel,
        Context::History,
        Context::Approvals,
        Context::ApprovalReview,
        Context::ApprovalReject,
        Context::WizardWhen,
        Context::WizardTotal,
        Context::WizardTotalUseTotal,
        Context::WizardTotalSchedule,
        Context::WizardReview,
        Context::WizardSubmitting,
        Context::WizardTracking,
        Context::WizardDone,
        Context::Help,
    ];

    #[test]
    fn key_for_finds_the_first_binding_of_an_action() {
        assert_eq!(
            key_for(Context::Detail, Action::CancelScheduled),
            Some(Key::ch('x'))
        );
        assert_eq!(key_for(Context::Services, Action::Back), Some(Key::ch('q')));
        assert_eq!(key_for(Context::Login, Action::CancelScheduled), None);
    }

    #[test]
    fn ctrl_c_quits_everywhere_and_keys_are_unique() {
        for ctx in ALL {
            assert_eq!(resolve(ctx, &Key::ctrl('c')), Some(Action::Quit), "{ctx:?}");
            let keys: Vec<Key> = bindings(ctx).iter().map(|b| b.key).collect();
            for (i, k) in keys.iter().enumerate() {
                assert!(!keys[i + 1..].contains(k), "{ctx:?}: {k} bound twice");
            }
        }
    }

    #[test]
    fn issue_keys_on_services_and_detail() {
        use Action::*;
        let s = Context::Services;
        for (key, action) in [
            (Key::ch('/'), Filter),
            (Key::ch('s'), SortCycle),
            (Key::ch('r'), Refresh),
            (Key::plain(KeyCode::Enter), Open),
            (Key::ch('j'), Down),
            (Key::ch('k'), Up),
            (Key::plain(KeyCode::Down), Down),
            (Key::plain(KeyCode::Up), Up),
            (Key::plain(KeyCode::PageDown), PageDown),
            (Key::plain(KeyCode::PageUp), PageUp),
            (Key::plain(KeyCode::Home), Top),
            (Key::plain(KeyCode::End), Bottom),
            (Key::ch('?'), Help),
            (Key::ch('q'), Back),
        ] {
            assert_eq!(resolve(s, &key), Some(action), "{key}");
        }
        let d = Context::Detail;
        assert_eq!(resolve(d, &Key::ch('c')), Some(StartChange));
        assert_eq!(resolve(d, &Key::ch('x')), Some(CancelScheduled));
        assert_eq!(resolve(d, &Key::ch('h')), Some(OpenHistory));
        let h = Context::History;
        assert_eq!(resolve(h, &Key::ch('j')), Some(Down));
        assert_eq!(resolve(h, &Key::plain(KeyCode::PageUp)), Some(PageUp));
        assert_eq!(resolve(h, &Key::plain(KeyCode::Esc)), Some(Back));
        assert_eq!(resolve(d, &Key::ch('q')), Some(Back));
        assert_eq!(resolve(d, &Key::plain(KeyCode::Esc)), Some(Back));
        assert_eq!(
            resolve(Context::Login, &Key::plain(KeyCode::Tab)),
            Some(NextField)
        );
        assert_eq!(
            resolve(Context::Login, &Key::plain(KeyCode::BackTab)),
            Some(PrevField)
        );
    }

    #[test]
    fn help_rows_group_keys_by_label() {
        let rows = help_rows(Context::Services);
        let down = rows.iter().find(|(_, l)| *l == Label::KeyDown).unwrap();
        assert_eq!(down.0, vec![Key::ch('j'), Key::plain(KeyCode::Down)]);
        assert!(hints(Context::Services).count() >= 5);
    }
}
