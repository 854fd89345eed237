//! A subscription's history, newest first: when, who, what, the approval
//! reference, the change request and the reason. The detail shows the last
//! few events with [`recent_lines`]; `h` opens the whole of it here.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::api::HistoryEvent;
use crate::app::{HistoryState, Model};
use crate::i18n::{Catalog, Label};

use super::theme::Theme;
use super::widgets::{cut_line, hanging, titled_frame};

/// Text from the portal, without control characters.
fn clean(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}

/// Who did it: the user's display name, or the portal itself.
fn who(e: &HistoryEvent, t: &dyn Catalog) -> String {
    match &e.actor {
        Some(a) => clean(&a.display_name),
        None => t.label(Label::ThePortal).to_string(),
    }
}

/// `25 nov 2026 14:03  Fabrikam Admin: requested 50 -> 55 (+5), now`.
fn headline(model: &Model, e: &HistoryEvent, t: &dyn Catalog, theme: &Theme) -> Vec<Span<'static>> {
    vec![
        Span::styled(
            format!("{}  ", t.date_time(e.at, model.policy.time_zone)),
            theme.dim(),
        ),
        Span::styled(format!("{}: ", who(e, t)), theme.label()),
        Span::raw(t.history_event(e)),
    ]
}

/// `reference CAB-7 · request cr-1 · reason: ...`, when any is known.
fn extras(e: &HistoryEvent, t: &dyn Catalog, theme: &Theme) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(r) = &e.approval_reference {
        parts.push(format!("{} {}", t.label(Label::HistoryReference), clean(r)));
    }
    if let Some(id) = &e.change_request_id {
        parts.push(format!("{} {}", t.label(Label::HistoryRequest), clean(id)));
    }
    if let Some(r) = &e.reason {
        parts.push(format!("{}: {}", t.label(Label::HistoryReason), clean(r)));
    }
    let sep = if theme.ascii { " | " } else { " · " };
    (!parts.is_empty()).then(|| parts.join(sep))
}

/// The last events for the detail: one line each, cut to `width`, at most
/// `rows` lines (the section title included). Empty until loaded.
pub fn recent_lines(
    model: &Model,
    subscription_id: &str,
    key: &str,
    t: &dyn Catalog,
    theme: &Theme,
    width: usize,
    rows: usize,
) -> Vec<Line<'static>> {
    let Some(events) = model
        .history(subscription_id)
        .and_then(|c| c.events.as_ref())
    else {
        return Vec::new();
    };
    if rows == 0 {
        return Vec::new();
    }
    let mut out = vec![Line::from(vec![
        Span::styled(
            format!("{}  ", t.label(Label::RecentChanges)),
            theme.label(),
        ),
        Span::styled(key.to_string(), theme.key()),
        Span::styled(format!(" {}", t.label(Label::FullHistoryHint)), theme.dim()),
    ])];
    if events.is_empty() {
        out.push(Line::styled(t.label(Label::NoHistory), theme.dim()));
    }
    for e in events.iter().take(crate::app::DETAIL_HISTORY_EVENTS) {
        out.push(cut_line(
            Line::from(headline(model, e, t, theme)),
            width,
            theme.ellipsis(),
        ));
    }
    out.truncate(rows);
    out
}

pub fn render(
    model: &Model,
    state: &HistoryState,
    t: &dyn Catalog,
    theme: &Theme,
    area: Rect,
    frame: &mut Frame,
) {
    let inner = titled_frame(
        theme,
        t.label(Label::HistoryTitle),
        &state.name,
        area,
        frame,
    );
    let width = usize::from(inner.width);
    let height = usize::from(inner.height);
    let cache = model.history(&state.subscription_id);
    let mut lines: Vec<Line<'static>> = Vec::new();
    if let Some(f) = cache.and_then(|c| c.error.as_ref()) {
        lines.extend(hanging(
            Vec::new(),
            vec![Span::styled(
                t.failure(f, model.policy.time_zone),
                theme.error(),
            )],
            width,
        ));
    }
    match cache.and_then(|c| c.events.as_ref()) {
        None => lines.push(Line::styled(
            theme.text(t.label(Label::Loading)).into_owned(),
            theme.dim(),
        )),
        Some(events) if events.is_empty() => {
            lines.push(Line::styled(t.label(Label::NoHistory), theme.dim()));
        }
        Some(events) => {
            for e in events.iter().skip(state.offset) {
                if lines.len() >= height {
                    break;
                }
                lines.extend(hanging(Vec::new(), headline(model, e, t, theme), width));
                if let Some(x) = extras(e, t, theme) {
                    lines.extend(hanging(
                        vec![Span::raw("    ")],
                        vec![Span::styled(x, theme.dim())],
                        width,
                    ));
                }
            }
        }
    }
    lines.truncate(height);
    frame.render_widget(Paragraph::new(lines), inner);
}
