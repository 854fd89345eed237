//! The terminal interface: one file per screen, shared widgets, the theme
//! and the QR drawing. Views are pure functions of the app's `Model`: they
//! read it, never change it, do no I/O and read no clock (`model.now` is the
//! time for every countdown).

pub mod approvals;
pub mod detail;
pub mod history;
pub mod login;
pub mod mfa_enrol;
pub mod mfa_verify;
pub mod qr;
pub mod services;
pub mod theme;
pub mod widgets;
pub mod wizard;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::{Model, Screen, Session};
use crate::i18n::{self, Label};

use theme::Theme;

/// Below this size the screens cannot be read; a message asks for more room.
pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 10;

/// The theme the model's preferences ask for.
pub fn theme_of(model: &Model) -> Theme {
    Theme {
        color: model.prefs.color,
        ascii: model.prefs.ascii,
    }
}

/// Draw the whole interface for `model`.
pub fn render(model: &Model, frame: &mut Frame) {
    let theme = theme_of(model);
    let t = i18n::t(model.prefs.lang);
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        frame.render_widget(
            Paragraph::new(t.terminal_too_small(MIN_WIDTH, MIN_HEIGHT))
                .style(theme.warn())
                .wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    let main = Rect::new(area.x, area.y, area.width, area.height - 2);
    let hints = Rect::new(area.x, area.y + area.height - 2, area.width, 1);
    let status = Rect::new(area.x, area.y + area.height - 1, area.width, 1);

    if model.shows_login() {
        match &model.session {
            Session::Resuming { .. } => {
                let r = widgets::centered(main, 30, 1);
                frame.render_widget(
                    Paragraph::new(Line::styled(
                        theme.text(t.label(Label::Loading)),
                        theme.dim(),
                    )),
                    r,
                );
            }
            Session::LoggedOut(_) | Session::Password { .. } => {
                login::render(model, t, &theme, main, frame);
            }
            Session::MfaEnrol(_) => {
                // The enrolment screen places the key hints itself.
                let area = Rect::new(main.x, main.y, main.width, main.height + 1);
                mfa_enrol::render(model, t, &theme, area, frame);
            }
            Session::MfaVerify(_) => mfa_verify::render(model, t, &theme, main, frame),
            Session::LoggedIn(_) => {}
        }
    } else {
        match model.screen() {
            Screen::Services => services::render(model, t, &theme, main, frame),
            Screen::Detail(d) => detail::render(model, d, t, &theme, main, frame),
            Screen::Wizard(w) => wizard::render(model, w, t, &theme, main, frame),
            Screen::History(h) => history::render(model, h, t, &theme, main, frame),
            Screen::Approvals(a) => approvals::render(model, a, t, &theme, main, frame),
        }
    }

    let enrol = model.shows_login() && matches!(model.session, Session::MfaEnrol(_));
    if !enrol {
        let line = widgets::hints_line(model, t, &theme, usize::from(area.width));
        widgets::draw_line(frame.buffer_mut(), hints, &line, theme.ellipsis());
    }
    widgets::status_bar(model, t, &theme, status, frame);
    widgets::toasts(model, t, &theme, main, frame);
    if model.help {
        widgets::help_overlay(model.screen_context(), t, &theme, main, frame);
    }
}
