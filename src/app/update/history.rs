//! Who the user is (`GET /me`) and a subscription's history: the last few
//! events in its detail, all of them on the history screen (`h`).

use crate::api::{HistoryEvent, MeResponse};
use crate::app::keymap::Action;

use super::*;

/// Ask the portal who is signed in (roles, the tenant's approval mode).
pub(super) fn load_me(model: &mut Model, fx: &mut Vec<Effect>) {
    let id = model.request(RequestKind::Me);
    fx.push(Effect::LoadMe { id });
}

pub(super) fn on_me(
    model: &mut Model,
    id: RequestId,
    result: Result<MeResponse, Failure>,
    fx: &mut Vec<Effect>,
) {
    if !model.finish(id) {
        return;
    }
    model.dirty = true;
    match result {
        Ok(me) => {
            model.me = Some(me);
            if model.second_person() {
                // The status bar counts what awaits approval.
                load_approvals(model, fx);
            }
        }
        Err(e) if needs_login(&e) => expire_session(model),
        // A portal without `GET /me`: the client behaves as in an `attest`
        // tenant, and the portal still enforces its own rules.
        Err(e) => tracing_failure("cannot read GET /me", &e),
    }
}

/// Whether the full history of `subscription_id` is on the stack.
fn history_shown(model: &Model, subscription_id: &str) -> bool {
    model
        .stack
        .iter()
        .any(|s| matches!(s, Screen::History(h) if h.subscription_id == subscription_id))
}

/// (Re)load a subscription's history: all of it while its history screen
/// is open, else the last events the detail shows.
pub(super) fn load_history(model: &mut Model, subscription_id: &str, fx: &mut Vec<Effect>) {
    let limit = if history_shown(model, subscription_id) {
        None
    } else {
        Some(DETAIL_HISTORY_EVENTS)
    };
    let id = model.request(RequestKind::History(subscription_id.to_string()));
    let cache = model
        .histories
        .entry(subscription_id.to_string())
        .or_default();
    if let Some(old) = cache.request.replace(id) {
        model.in_flight.remove(&old);
    }
    fx.push(Effect::LoadHistory {
        id,
        subscription_id: subscription_id.to_string(),
        limit,
    });
}

pub(super) fn on_history(
    model: &mut Model,
    id: RequestId,
    subscription_id: &str,
    result: Result<Vec<HistoryEvent>, Failure>,
) {
    if !model.finish(id) {
        return;
    }
    let full = history_shown(model, subscription_id);
    let Some(cache) = model.histories.get_mut(subscription_id) else {
        return;
    };
    if cache.request != Some(id) {
        return;
    }
    cache.request = None;
    model.dirty = true;
    match result {
        Ok(events) => {
            // A short answer is the whole history, whatever was asked.
            cache.full = full || events.len() < DETAIL_HISTORY_EVENTS;
            cache.events = Some(events);
            cache.error = None;
        }
        Err(e) if needs_login(&e) => {
            cache.error = Some(e);
            expire_session(model);
        }
        Err(e) => cache.error = Some(e),
    }
}

/// `h` in the detail: the full history, loading all of it.
pub(super) fn open_history(model: &mut Model, subscription_id: &str, fx: &mut Vec<Effect>) {
    let name = model
        .subscription(subscription_id)
        .map(|s| s.name.clone())
        .unwrap_or_default();
    model.stack.push(Screen::History(HistoryState {
        subscription_id: subscription_id.to_string(),
        name,
        offset: 0,
    }));
    load_history(model, subscription_id, fx);
}

/// Events per page on the history screen at the current size (two rows
/// an event, most often; the frame and the bars under it take six).
fn history_page(model: &Model) -> usize {
    usize::from(model.viewport.height.saturating_sub(6) / 2).max(1)
}

pub(super) fn history_action(model: &mut Model, action: Action, fx: &mut Vec<Effect>) {
    let page = history_page(model);
    let Some(Screen::History(h)) = model.stack.last() else {
        return;
    };
    let sub_id = h.subscription_id.clone();
    let len = model
        .history(&sub_id)
        .and_then(|c| c.events.as_ref())
        .map_or(0, Vec::len);
    // The last page shows whole: the oldest event never scrolls up alone.
    let last = len.saturating_sub(page);
    let Some(Screen::History(h)) = model.stack.last_mut() else {
        return;
    };
    match action {
        Action::Back => {
            model.stack.pop();
        }
        Action::Refresh => load_history(model, &sub_id, fx),
        Action::Down => h.offset = (h.offset + 1).min(last),
        Action::Up => h.offset = h.offset.saturating_sub(1),
        Action::PageDown => h.offset = (h.offset + page).min(last),
        Action::PageUp => h.offset = h.offset.saturating_sub(page),
        Action::Top => h.offset = 0,
        Action::Bottom => h.offset = last,
        _ => {}
    }
}
