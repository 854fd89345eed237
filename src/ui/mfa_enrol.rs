//! First sign-in: enrol an authenticator. The QR code is drawn beside the
//! text (so it fits 80x24); when it cannot be drawn (too small, ASCII mode)
//! the screen says why and shows the key and the URI instead.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::{EnrolState, Enrolment, Model, Session};
use crate::i18n::{Catalog, Label};

use super::qr::QrImage;
use super::theme::Theme;
use super::widgets::{code_field_lines, hanging, hints_line};

/// Narrowest text column kept beside the QR code.
const MIN_TEXT_COLS: u16 = 30;

/// Draw the enrolment screen in `area`: everything above the status bar
/// (this screen also places the key hints itself, so the code can use that
/// row: at 80x24 it gets 23 rows, enough for a version 6 code).
pub fn render(model: &Model, t: &dyn Catalog, theme: &Theme, area: Rect, frame: &mut Frame) {
    let Session::MfaEnrol(state) = &model.session else {
        return;
    };
    if area.height < 2 || area.width == 0 {
        return;
    }
    let Some(enrolment) = &state.enrolment else {
        let lines = vec![
            Line::styled(t.label(Label::EnrolTitle), theme.title()),
            Line::styled(theme.text(t.label(Label::Loading)), theme.dim()),
        ];
        frame.render_widget(Paragraph::new(lines), area);
        hints(model, t, theme, area, frame);
        return;
    };

    let (text_area, fallback) = place_qr(enrolment, t, theme, area, frame);
    let mut rows = text_rows(
        model,
        state,
        enrolment,
        fallback.as_deref(),
        t,
        theme,
        usize::from(text_area.width),
    );
    // One row is for the key hints.
    let room = usize::from(text_area.height.saturating_sub(1));
    while rows.len() > room {
        match rows.iter().rposition(|(_, optional)| *optional) {
            Some(i) => {
                rows.remove(i);
            }
            None => break,
        }
    }
    let lines: Vec<Line> = rows.into_iter().map(|(l, _)| l).collect();
    frame.render_widget(Paragraph::new(lines), text_area);
    hints(model, t, theme, text_area, frame);
}

/// Draw the QR code at the left of `area` when it fits; the text goes in the
/// returned area, with the reason when the code could not be drawn.
fn place_qr(
    enrolment: &Enrolment,
    t: &dyn Catalog,
    theme: &Theme,
    area: Rect,
    frame: &mut Frame,
) -> (Rect, Option<String>) {
    let qr = QrImage::new(&enrolment.otpauth_uri).ok();
    let fits = !theme.ascii
        && qr
            .as_ref()
            .is_some_and(|q| area.height >= q.rows() && area.width >= q.cols() + 2 + MIN_TEXT_COLS);
    let mut fallback: Option<String> = None;
    let text_area = match &qr {
        Some(q) if fits => {
            q.draw(
                Rect::new(area.x, area.y, q.cols(), q.rows()),
                frame.buffer_mut(),
                theme,
            );
            Rect::new(
                area.x + q.cols() + 2,
                area.y,
                area.width - q.cols() - 2,
                area.height,
            )
        }
        other => {
            fallback = Some(match other {
                _ if theme.ascii => t.label(Label::QrAsciiFallback).to_string(),
                // The status bar takes the last row.
                Some(q) => t.qr_too_small(q.cols() + 2 + MIN_TEXT_COLS, q.rows() + 1),
                None => t.qr_too_small(0, 0),
            });
            area
        }
    };

    (text_area, fallback)
}

/// The text beside the code, each row marked when it may go if space is
/// short.
fn text_rows(
    model: &Model,
    state: &EnrolState,
    enrolment: &Enrolment,
    fallback: Option<&str>,
    t: &dyn Catalog,
    theme: &Theme,
    w: usize,
) -> Vec<(Line<'static>, bool)> {
    let wrap =
        |text: &str, style| hanging(Vec::new(), vec![Span::styled(text.to_string(), style)], w);
    // Rows, with the optional ones marked so they can go when space is short.
    let mut rows: Vec<(Line, bool)> = Vec::new();
    let push =
        |lines: Vec<Line<'static>>, optional: bool, rows: &mut Vec<(Line<'static>, bool)>| {
            rows.extend(lines.into_iter().map(|l| (l, optional)));
        };
    push(
        wrap(t.label(Label::EnrolTitle), theme.title()),
        false,
        &mut rows,
    );
    if let Some(msg) = fallback {
        push(wrap(msg, theme.warn()), false, &mut rows);
    } else if state.error.is_none() {
        // With an error to show, the intro (already read) makes room for it.
        push(
            wrap(t.label(Label::EnrolIntro), theme.normal()),
            false,
            &mut rows,
        );
    }
    push(vec![Line::raw("")], true, &mut rows);
    push(
        vec![
            kv(
                t.label(Label::Issuer),
                enrolment.issuer.as_deref().unwrap_or("-"),
                theme,
            ),
            kv(t.label(Label::Account), &enrolment.account, theme),
        ],
        false,
        &mut rows,
    );
    push(vec![Line::raw("")], true, &mut rows);
    if fallback.is_none() {
        push(
            wrap(t.label(Label::EnrolManual), theme.dim()),
            true,
            &mut rows,
        );
    }
    push(
        hanging(
            vec![Span::styled(
                format!("{}: ", t.label(Label::Secret)),
                theme.label(),
            )],
            vec![Span::styled(enrolment.secret_groups(), theme.key())],
            w,
        ),
        false,
        &mut rows,
    );
    if fallback.is_some() {
        push(
            hanging(
                vec![Span::styled(
                    format!("{}: ", t.label(Label::Uri)),
                    theme.label(),
                )],
                vec![Span::raw(enrolment.otpauth_uri.clone())],
                w,
            ),
            false,
            &mut rows,
        );
    }
    push(vec![Line::raw("")], true, &mut rows);
    let mut code = Vec::new();
    code_lines(model, state, t, theme, w, &mut code);
    push(code, false, &mut rows);

    rows
}

/// The key hints on the last row of `area`.
fn hints(model: &Model, t: &dyn Catalog, theme: &Theme, area: Rect, frame: &mut Frame) {
    let row = Rect::new(area.x, area.y + area.height - 1, area.width, 1);
    frame.render_widget(
        Paragraph::new(hints_line(model, t, theme, usize::from(area.width))),
        row,
    );
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
    lines.extend(code_field_lines(
        &state.code,
        state.request.is_some(),
        t,
        theme,
        width,
    ));
    if let Some((code, secs)) = model.demo_code_hint() {
        lines.extend(hanging(
            Vec::new(),
            vec![Span::styled(
                format!("{} ({} s)", t.demo_current_code(&code), secs),
                theme.warn(),
            )],
            width,
        ));
    }
    if let Some(f) = &state.error {
        lines.extend(hanging(
            Vec::new(),
            vec![Span::styled(
                t.failure(f, model.policy.time_zone),
                theme.error(),
            )],
            width,
        ));
    } else if let Some(n) = state.attempts_left {
        lines.extend(hanging(
            Vec::new(),
            vec![Span::styled(t.attempts_left(n), theme.warn())],
            width,
        ));
    }
}
