//! The services table: loading, sorting, filtering, navigation.

use std::cmp::Ordering;
use std::sync::Arc;

use crate::api::{ServiceDto, SubscriptionDto};
use crate::app::keymap::Action;

use super::*;

pub(super) fn page_size(model: &Model) -> usize {
    usize::from(model.viewport.height.saturating_sub(SERVICES_CHROME_ROWS)).max(1)
}

pub(super) fn clamp_offset(s: &mut ServicesState, page: usize) {
    if s.view.is_empty() {
        s.selected = 0;
        s.offset = 0;
        return;
    }
    s.selected = s.selected.min(s.view.len() - 1);
    s.offset = s.visible(page).start;
}

pub(super) fn load_services(model: &mut Model, fx: &mut Vec<Effect>) {
    if let Some(old) = model.services.request.take() {
        model.finish(old);
    }
    let id = model.request(RequestKind::Services);
    model.services.request = Some(id);
    fx.push(Effect::LoadServices { id });
}

pub(super) fn load_subscription(model: &mut Model, subscription_id: &str, fx: &mut Vec<Effect>) {
    let id = model.request(RequestKind::Subscription(subscription_id.to_string()));
    for screen in &mut model.stack {
        if let Screen::Detail(d) = screen
            && d.subscription_id == subscription_id
            && let Some(old) = d.request.replace(id)
        {
            model.in_flight.remove(&old);
        }
    }
    fx.push(Effect::LoadSubscription {
        id,
        subscription_id: subscription_id.to_string(),
    });
    load_history(model, subscription_id, fx);
}

pub(super) fn on_services(
    model: &mut Model,
    id: RequestId,
    result: Result<Vec<ServiceDto>, Failure>,
    _fx: &mut Vec<Effect>,
) {
    model.finish(id);
    if model.services.request != Some(id) {
        return;
    }
    model.services.request = None;
    model.dirty = true;
    match result {
        Ok(services) => {
            let keep = model.services.selected_row().map(|r| r.sub.id.clone());
            // Drop the old rows first: the old and new listings are never
            // both held, nor the listing twice (the rows take its strings).
            model.services.rows = Vec::new();
            let total = services.iter().map(|s| s.subscriptions.len()).sum();
            let mut rows = Vec::with_capacity(total);
            for s in services {
                let id: Arc<str> = s.id.into();
                let name: Arc<str> = s.name.into();
                for sub in s.subscriptions {
                    rows.push(ServiceRow::new(id.clone(), name.clone(), sub));
                }
            }
            model.services.rows = rows;
            model.services.loaded_at = Some(model.now);
            model.services.error = None;
            resort(model, keep.as_deref());
        }
        Err(e) if needs_login(&e) => expire_session(model),
        Err(e) => {
            if !model.services.rows.is_empty() {
                model.toast(ToastLevel::Error, ToastMsg::Failure(e.clone()));
            }
            model.services.error = Some(e);
        }
    }
}

/// Recompute the table order and filter; keep `keep` selected if shown.
pub(super) fn resort(model: &mut Model, keep: Option<&str>) {
    let s = &mut model.services;
    let mut order: Vec<usize> = (0..s.rows.len()).collect();
    let rows = &s.rows;
    match s.sort {
        SortMode::Name => order.sort_by(|&a, &b| natural_cmp(&rows[a].key, &rows[b].key)),
        SortMode::RenewalDate => order.sort_by(|&a, &b| {
            rows[a]
                .sub
                .renewal_date
                .cmp(&rows[b].sub.renewal_date)
                .then_with(|| natural_cmp(&rows[a].key, &rows[b].key))
        }),
        SortMode::WindowClosing => order.sort_by(|&a, &b| {
            window_key(&rows[a])
                .cmp(&window_key(&rows[b]))
                .then_with(|| natural_cmp(&rows[a].key, &rows[b].key))
        }),
    }
    s.sorted = order;
    apply_filter(model, keep);
}

/// Natural order of two texts: a run of ASCII digits compares by its value
/// (`#2` before `#14`, `7` the same as `007`), everything else by character.
/// Texts that are equal that way (they differ only in leading zeros) fall
/// back to their bytes, so the order is total and `Equal` only for equal
/// texts.
///
/// It works on bytes: digits are ASCII, and UTF-8 keeps code point order
/// and never puts an ASCII byte inside a multi-byte character. The common
/// start is skipped with a plain byte comparison (the keys of a scaled
/// listing share long starts), back to the start of the number it ends in.
pub(crate) fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let common = common_prefix(a, b);
    let start = common
        - a[..common]
            .iter()
            .rev()
            .take_while(|c| c.is_ascii_digit())
            .count();
    natural_from(&a[start..], &b[start..]).then_with(|| a.cmp(b))
}

/// Length of the common start of `a` and `b`, 16 bytes at a time while
/// they agree (a slice comparison, not a loop over bytes).
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + 16 <= n && a[i..i + 16] == b[i..i + 16] {
        i += 16;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

/// [`natural_cmp`] without the tie-break, from a point where both texts
/// start a new run.
fn natural_from(a: &[u8], b: &[u8]) -> Ordering {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i].is_ascii_digit() && b[j].is_ascii_digit() {
            let (na, ea) = digit_run(a, i);
            let (nb, eb) = digit_run(b, j);
            let by_value = na.len().cmp(&nb.len()).then_with(|| na.cmp(nb));
            if by_value != Ordering::Equal {
                return by_value;
            }
            (i, j) = (ea, eb);
        } else {
            // A digit against anything else: the byte order puts the
            // number where its digits sort, as the tie-free rule wants.
            match a[i].cmp(&b[j]) {
                Ordering::Equal => (i, j) = (i + 1, j + 1),
                other => return other,
            }
        }
    }
    (a.len() - i).cmp(&(b.len() - j))
}

/// The digits of the run that starts at `from` without its leading zeros,
/// and the index after the run.
fn digit_run(s: &[u8], from: usize) -> (&[u8], usize) {
    let end = from + s[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let run = &s[from..end];
    let zeros = run.iter().take_while(|&&c| c == b'0').count();
    (&run[zeros..], end)
}

/// Open windows closing soonest first, then closed ones opening soonest,
/// then subscriptions with no window (not active).
pub(super) fn window_key(row: &ServiceRow) -> (u8, chrono::NaiveDate) {
    match row.sub.decrease_window {
        Some(w) if w.open => (0, w.closes),
        Some(w) => (1, w.opens),
        None => (2, row.sub.renewal_date),
    }
}

pub(super) fn apply_filter(model: &mut Model, keep: Option<&str>) {
    let page = page_size(model);
    let s = &mut model.services;
    let needle = s.filter.value().to_lowercase();
    let terms: Vec<&str> = needle.split_whitespace().collect();
    s.view = s
        .sorted
        .iter()
        .copied()
        .filter(|&i| terms.iter().all(|t| s.rows[i].key.contains(t)))
        .collect();
    drop(terms);
    s.filtered_for = needle;
    s.selected = keep
        .and_then(|id| s.view.iter().position(|&i| s.rows[i].sub.id == id))
        .unwrap_or(0);
    if keep.is_none() {
        s.offset = 0;
    }
    clamp_offset(s, page);
}

pub(super) fn refilter(model: &mut Model) {
    model.services.selected = 0;
    model.services.offset = 0;
    let needle = model.services.filter.value().to_lowercase();
    if needle.starts_with(model.services.filtered_for.as_str()) {
        narrow(model, needle);
    } else {
        apply_filter(model, None);
    }
}

/// Typing that extends the filter text can only remove rows (every old term
/// is a substring of a new one): keep the shown rows that still match, in
/// their order, instead of rescanning every row. Measured: ~3.3 ms per key
/// at 10,000 subscriptions before (benches/README.md).
fn narrow(model: &mut Model, needle: String) {
    let page = page_size(model);
    let s = &mut model.services;
    let terms: Vec<&str> = needle.split_whitespace().collect();
    let rows = &s.rows;
    s.view
        .retain(|&i| terms.iter().all(|t| rows[i].key.contains(t)));
    drop(terms);
    s.filtered_for = needle;
    clamp_offset(s, page);
}

pub(super) fn services_action(model: &mut Model, action: Action, fx: &mut Vec<Effect>) {
    let page = page_size(model);
    let s = &mut model.services;
    let last = s.view.len().saturating_sub(1);
    match action {
        Action::Up => s.selected = s.selected.saturating_sub(1),
        Action::Down => s.selected = (s.selected + 1).min(last),
        Action::PageUp => {
            s.selected = s.selected.saturating_sub(page);
            s.offset = s.offset.saturating_sub(page);
        }
        Action::PageDown => {
            s.selected = (s.selected + page).min(last);
            s.offset = (s.offset + page).min(last);
        }
        Action::Top => s.selected = 0,
        Action::Bottom => s.selected = last,
        Action::Filter => s.filter_active = true,
        Action::ClearFilter => {
            s.filter_active = false;
            if !s.filter.is_empty() {
                s.filter.clear();
                let keep = s.selected_row().map(|r| r.sub.id.clone());
                apply_filter(model, keep.as_deref());
            }
            return;
        }
        Action::SortCycle => {
            s.sort = s.sort.next();
            let keep = s.selected_row().map(|r| r.sub.id.clone());
            resort(model, keep.as_deref());
            return;
        }
        Action::Refresh => {
            load_services(model, fx);
            return;
        }
        Action::OpenApprovals => {
            open_approvals(model, fx);
            return;
        }
        Action::Open => {
            // Enter while filtering keeps the filter and opens the selected row.
            s.filter_active = false;
            let Some(row) = s.selected_row() else {
                return;
            };
            let (id, name) = (row.sub.id.clone(), row.sub.name.clone());
            model.stack.push(Screen::Detail(DetailState {
                subscription_id: id.clone(),
                name,
                request: None,
                error: None,
                confirm_cancel: false,
                cancel_request: None,
            }));
            load_subscription(model, &id, fx);
            return;
        }
        Action::Logout => {
            logout(model, fx);
            return;
        }
        Action::Back => {
            model.quit = true;
            fx.push(Effect::Quit);
            return;
        }
        _ => return,
    }
    clamp_offset(s, page);
}

pub(super) fn logout(model: &mut Model, fx: &mut Vec<Effect>) {
    let Session::LoggedIn(info) = &model.session else {
        return;
    };
    let username = info.user.username.clone();
    let id = model.request(RequestKind::Logout);
    fx.push(Effect::Logout {
        id,
        username: username.clone(),
    });
    reset_data(model);
    model.data_owner = None;
    // The demo keeps its authenticator: the demo user signs in again with the hint.
    if model.demo.is_none() {
        model.demo_totp = None;
    }
    let mut form = LoginForm::new(Some(&username));
    form.reason = Some(LoginReason::LoggedOut);
    model.session = Session::LoggedOut(form);
}

/// Keep the listing row in step with a fresh subscription.
pub(super) fn sync_row(model: &mut Model, dto: &SubscriptionDto) {
    if let Some(row) = model.services.rows.iter_mut().find(|r| r.sub.id == dto.id) {
        let summary = dto.summary();
        if row.sub != summary {
            row.sub = summary;
        }
    }
}

pub(super) fn cache(model: &mut Model, dto: SubscriptionDto) {
    sync_row(model, &dto);
    model.subscriptions.insert(
        dto.id.clone(),
        CachedSubscription {
            dto,
            fetched_at: model.now,
        },
    );
}

#[cfg(test)]
mod natural_order_tests {
    use std::cmp::Ordering;

    use proptest::prelude::*;

    use super::natural_cmp;

    /// The rule written the slow, obvious way: split into numbers and
    /// characters, numbers compare by value and sit where digits sort.
    fn reference(a: &str, b: &str) -> Ordering {
        #[derive(PartialEq, Eq, PartialOrd, Ord)]
        enum Token {
            Char(char),
            Num(usize, String),
        }
        fn tokens(s: &str) -> Vec<(u32, Token)> {
            let mut out = Vec::new();
            let mut chars = s.chars().peekable();
            while let Some(c) = chars.next() {
                if c.is_ascii_digit() {
                    let mut run = String::from(c);
                    while let Some(d) = chars.next_if(char::is_ascii_digit) {
                        run.push(d);
                    }
                    let value = run.trim_start_matches('0').to_string();
                    out.push((u32::from('0'), Token::Num(value.len(), value)));
                } else {
                    out.push((u32::from(c), Token::Char(c)));
                }
            }
            out
        }
        tokens(a).cmp(&tokens(b)).then_with(|| a.cmp(b))
    }

    #[test]
    fn numbers_compare_by_value() {
        let mut names = vec![
            "premium #1000",
            "premium #2",
            "premium #14",
            "premium #1",
            "premium",
            "premium #100",
            "premium #10",
            "premium #02",
            "premium #",
            "premium #2a",
            "basic #3",
        ];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            names,
            [
                "basic #3",
                "premium",
                "premium #",
                "premium #1",
                "premium #02",
                "premium #2",
                "premium #2a",
                "premium #10",
                "premium #14",
                "premium #100",
                "premium #1000",
            ]
        );
        // Numbers longer than any integer type.
        assert_eq!(
            natural_cmp("x 99999999999999999999999", "x 100000000000000000000000"),
            Ordering::Less
        );
        // The keys hold NUL between service, name and id.
        assert_eq!(
            natural_cmp("m365\0e3 #9\0sub-9", "m365\0e3 #10\0sub-10"),
            Ordering::Less
        );
        assert_eq!(natural_cmp("día 2", "día 10"), Ordering::Less);
        assert_eq!(natural_cmp("a", "a"), Ordering::Equal);
    }

    fn text() -> impl Strategy<Value = String> {
        "[ab0-9 #ñ\\x00]{0,12}"
    }

    proptest! {
        #[test]
        fn agrees_with_the_rule_written_plainly(a in text(), b in text()) {
            prop_assert_eq!(natural_cmp(&a, &b), reference(&a, &b));
        }

        #[test]
        fn is_a_total_order_consistent_with_equality(
            a in text(), b in text(), c in text(),
        ) {
            prop_assert_eq!(natural_cmp(&a, &b), natural_cmp(&b, &a).reverse());
            prop_assert_eq!(natural_cmp(&a, &b) == Ordering::Equal, a == b);
            if natural_cmp(&a, &b) != Ordering::Greater && natural_cmp(&b, &c) != Ordering::Greater {
                prop_assert_ne!(natural_cmp(&a, &c), Ordering::Greater);
            }
        }

        #[test]
        fn a_shared_start_changes_nothing(
            p in "[ab0-9 #ñ]{0,40}", a in text(), b in text(),
        ) {
            let (pa, pb) = (format!("{p}{a}"), format!("{p}{b}"));
            prop_assert_eq!(natural_cmp(&pa, &pb), reference(&pa, &pb));
        }
    }
}
