//! Sign-in, second step: a 6-digit code from the authenticator.

use crate::portal::PortalError;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::{Model, Session};
use crate::i18n::{Catalog, Label};

use super::theme::Theme;
use super::widgets::{centered, code_field_lines, fit, hanging};

pub fn render(model: &Model, t: &dyn Catalog, theme: &Theme, area: Rect, frame: &mut Frame) {
    let Session::MfaVerify(state) = &model.session else {
        return;
    };
    let w = area.width.min(70);
    let inner_w = usize::from(w.saturating_sub(4));
    let mut lines: Vec<Line> = vec![Line::raw(t.label(Label::VerifyIntro)), Line::raw("")];
    lines.extend(code_field_lines(
        &state.code,
        state.request.is_some(),
        t,
        theme,
        inner_w,
    ));
    if let Some(f) = &state.error {
        lines.push(Line::raw(""));
        lines.extend(hanging(
            Vec::new(),
            vec![Span::styled(
                t.failure(f, model.policy.time_zone),
                theme.error(),
            )],
            inner_w,
        ));
    }
    if let Some(n) = state.attempts_left
        && !matches!(
            state.error,
            Some(crate::app::Failure::Portal(
                PortalError::InvalidMfaCode { .. }
            ))
        )
    {
        lines.push(Line::styled(t.attempts_left(n), theme.warn()));
    }
    if let Some((code, secs)) = model.demo_code_hint() {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            format!("{} ({} s)", t.demo_current_code(&code), secs),
            theme.warn(),
        ));
    }
    // A line too wide for the box (a long portal address, a sentence on a
    // narrow terminal) wraps instead of being cut.
    let (lines, _) = fit(lines, inner_w, usize::MAX);
    let rows = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    let rect = centered(area, w, rows.saturating_add(2));
    frame.render_widget(
        Paragraph::new(lines).block(theme.block(format!(" {} ", t.label(Label::VerifyTitle)))),
        rect,
    );
}
