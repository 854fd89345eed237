//! First sign-in: enrol an authenticator. The QR code is drawn beside the
//! text (so it fits 80x24); when it cannot be drawn (too small, ASCII mode)
//! the screen says why and shows the key and the URI instead.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::{EnrolState, Model, Session};
use crate::i18n::{Catalog, Label};

use super::qr::QrImage;
use super::theme::Theme;
use super::widgets::field_line;

/// Narrowest text column kept beside the QR code.
const MIN_TEXT_COLS: u16 = 30;

pub fn render(model: &Model, t: &dyn Catalog, theme: &Theme, area: Rect, frame: &mut Frame) {
    let Session::MfaEnrol(state) = &model.session else {
        return;
    };
    // No border: at 80x24 the code needs every row (a title line, then the code).
    if area.height == 0 {
        return;
    }
    frame.render_widget(
        Paragraph::new(Line::styled(t.label(Label::EnrolTitle), theme.title())),
        Rect::new(area.x, area.y, area.width, 1),
    );
    let inner = Rect::new(area.x, area.y + 1, area.width, area.height - 1);

    let Some(enrolment) = &state.enrolment else {
        frame.render_widget(
            Paragraph::new(Line::styled(
                theme.text(t.label(Label::Loading)),
                theme.dim(),
            )),
            inner,
        );
        return;
    };

    let qr = QrImage::new(&enrolment.otpauth_uri).ok();
    let fits = qr
        .as_ref()
        .is_some_and(|q| inner.height >= q.rows() && inner.width >= q.cols() + 2 + MIN_TEXT_COLS);
    let mut text_area = inner;
    let mut fallback: Option<String> = None;
    match &qr {
        Some(q) if fits && !theme.ascii => {
            let qr_area = Rect::new(inner.x, inner.y, q.cols(), q.rows());
            q.draw(qr_area, frame.buffer_mut(), theme);
            text_area = Rect::new(
                inner.x + q.cols() + 2,
                inner.y,
                inner.width - q.cols() - 2,
                inner.height,
            );
        }
        _ if theme.ascii => fallback = Some(t.label(Label::QrAsciiFallback).to_string()),
        Some(q) => {
            // Title, status bar and key hints take three rows.
            fallback = Some(t.qr_too_small(q.cols() + 2 + MIN_TEXT_COLS, q.rows() + 3));
        }
        None => fallback = Some(t.qr_too_small(0, 0)),
    }

    let w = usize::from(text_area.width);
    let mut lines: Vec<Line> = Vec::new();
    if let Some(msg) = &fallback {
        lines.push(Line::styled(msg.clone(), theme.warn()));
        lines.push(Line::raw(""));
    } else if state.error.is_none() {
        // With an error to show, the intro (already read) makes room for it.
        lines.push(Line::raw(t.label(Label::EnrolIntro)));
        lines.push(Line::raw(""));
    }
    lines.push(kv(
        t.label(Label::Issuer),
        enrolment.issuer.as_deref().unwrap_or("-"),
        theme,
    ));
    lines.push(kv(t.label(Label::Account), &enrolment.account, theme));
    lines.push(Line::raw(""));
    if fallback.is_none() {
        lines.push(Line::styled(t.label(Label::EnrolManual), theme.dim()));
    }
    lines.push(Line::from(vec![
        Span::styled(format!("{}: ", t.label(Label::Secret)), theme.label()),
        Span::styled(enrolment.secret_groups(), theme.key()),
    ]));
    if fallback.is_some() {
        lines.push(kv(t.label(Label::Uri), &enrolment.otpauth_uri, theme));
    }
    lines.push(Line::raw(""));
    code_lines(model, state, t, theme, w, &mut lines);

    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), text_area);
}

fn kv(k: &str, v: &str, theme: &Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{k}: "), theme.label()),
        Span::raw(v.to_string()),
    ])
}

/// The code field, the demo hint and the error / attempts left.
fn code_lines(
    model: &Model,
    state: &EnrolState,
    t: &dyn Catalog,
    theme: &Theme,
    width: usize,
    lines: &mut Vec<Line<'static>>,
) {
    let label = t.label(Label::Code);
    lines.push(field_line(
        label,
        label.chars().count(),
        &state.code,
        state.request.is_none(),
        width.min(24),
        theme,
    ));
    lines.push(Line::styled(t.label(Label::CodeHint), theme.dim()));
    if state.request.is_some() {
        lines.push(Line::styled(
            theme.text(t.label(Label::Verifying)),
            theme.dim(),
        ));
    }
    if let Some((code, secs)) = model.demo_code_hint() {
        lines.push(Line::styled(
            format!("{} ({} s)", t.demo_current_code(&code), secs),
            theme.warn(),
        ));
    }
    if let Some(f) = &state.error {
        lines.push(Line::styled(
            t.failure(f, model.policy.time_zone),
            theme.error(),
        ));
    } else if let Some(n) = state.attempts_left {
        lines.push(Line::styled(t.attempts_left(n), theme.warn()));
    }
}
