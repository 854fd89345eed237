//! The services table: loading, sorting, filtering, navigation.

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
        SortMode::Name => order.sort_by(|&a, &b| rows[a].key.cmp(&rows[b].key)),
        SortMode::RenewalDate => order.sort_by(|&a, &b| {
            (rows[a].sub.renewal_date, &rows[a].key).cmp(&(rows[b].sub.renewal_date, &rows[b].key))
        }),
        SortMode::WindowClosing => order.sort_by(|&a, &b| {
            (window_key(&rows[a]), &rows[a].key).cmp(&(window_key(&rows[b]), &rows[b].key))
        }),
    }
    s.sorted = order;
    apply_filter(model, keep);
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
