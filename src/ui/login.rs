//! Login: portal address, DEMO banner, username, masked password, errors.

use crate::portal::PortalError;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::{Failure, LoginFocus, LoginForm, Model, Session};
use crate::i18n::{Catalog, Label};

use super::theme::Theme;
use super::widgets::{button, centered, field_line, fit, hanging};

/// Draw the login form (also while the password is being checked).
pub fn render(model: &Model, t: &dyn Catalog, theme: &Theme, area: Rect, frame: &mut Frame) {
    let (form, busy) = match &model.session {
        Session::LoggedOut(form) => (form, false),
        Session::Password { form, .. } => (form, true),
        _ => return,
    };
    let w = area.width.min(76);
    let inner_w = usize::from(w.saturating_sub(4));
    let mut lines: Vec<Line> = Vec::new();

    if model.demo.is_some() {
        let banner = format!(" {} ", t.label(Label::DemoBanner));
        lines.push(Line::styled(format!("{banner:^inner_w$}"), theme.banner()));
        lines.push(Line::raw(""));
    }
    lines.push(Line::from(vec![
        Span::styled(format!("{}: ", t.label(Label::PortalUrl)), theme.label()),
        Span::raw(model.portal_url.clone()),
    ]));
    lines.push(Line::raw(""));
    let (intro, style) = match form.reason {
        Some(reason) => (t.login_reason(reason), theme.warn()),
        None => (t.label(Label::LoginIntro), theme.dim()),
    };
    lines.extend(hanging(
        Vec::new(),
        vec![Span::styled(intro, style)],
        inner_w,
    ));
    lines.push(Line::raw(""));

    let lw = t
        .label(Label::Username)
        .chars()
        .count()
        .max(t.label(Label::Password).chars().count());
    lines.push(field_line(
        t.label(Label::Username),
        lw,
        &form.username,
        !busy && form.focus == LoginFocus::Username,
        inner_w,
        theme,
    ));
    lines.push(field_line(
        t.label(Label::Password),
        lw,
        &form.password,
        !busy && form.focus == LoginFocus::Password,
        inner_w,
        theme,
    ));
    lines.push(Line::raw(""));
    if busy {
        lines.push(Line::styled(
            theme.text(t.label(Label::SigningIn)),
            theme.dim(),
        ));
    } else {
        lines.push(Line::from(vec![
            Span::raw(" ".repeat(lw + 2)),
            button(t.label(Label::SignIn), true, true, theme),
        ]));
    }
    if let Some(msg) = error_text(model, form, t) {
        lines.push(Line::raw(""));
        lines.extend(hanging(
            Vec::new(),
            vec![Span::styled(msg, theme.error())],
            inner_w,
        ));
    }
    if let Some(demo) = &model.demo {
        lines.push(Line::raw(""));
        lines.extend(hanging(
            Vec::new(),
            vec![Span::styled(
                t.demo_credentials(&demo.username, &demo.password),
                theme.warn(),
            )],
            inner_w,
        ));
    }

    // A line too wide for the box (a long portal address, a sentence on a
    // narrow terminal) wraps instead of being cut.
    let (lines, _) = fit(lines, inner_w, usize::MAX);
    let rows = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    let rect = centered(area, w, rows.saturating_add(2));
    frame.render_widget(
        Paragraph::new(lines).block(theme.block(format!(" {} ", t.label(Label::LoginTitle)))),
        rect,
    );
}

/// The error under the form; a lockout shows the time left, counted from
/// the model's clock.
fn error_text(model: &Model, form: &LoginForm, t: &dyn Catalog) -> Option<String> {
    if let Some(until) = form.locked_until {
        let left = until.signed_duration_since(model.now).num_seconds();
        if left > 0 {
            return Some(t.locked(u64::try_from(left).unwrap_or(0)));
        }
    }
    match &form.error {
        Some(Failure::Portal(PortalError::Locked { .. })) if form.locked_until.is_some() => None,
        Some(f) => Some(t.failure(f, model.policy.time_zone)),
        None => None,
    }
}
