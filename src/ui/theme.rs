//! Colours, borders and symbols. `color: false` (NO_COLOR) uses no colour at
//! all, only bold / reversed / underlined; `ascii: true` (--ascii) draws
//! borders with `+ - |` and never uses half blocks or other box drawing.

use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::border;
use ratatui::widgets::{Block, Borders};

/// Display preferences that decide how things are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    /// False with `NO_COLOR`: modifiers only.
    pub color: bool,
    /// `--ascii`: plain ASCII borders and symbols, no half blocks.
    pub ascii: bool,
}

impl Default for Theme {
    fn default() -> Self {
        Self {
            color: true,
            ascii: false,
        }
    }
}

/// Borders drawn with ASCII only.
pub const ASCII_BORDER: border::Set<'static> = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

impl Theme {
    pub fn border_set(&self) -> border::Set<'static> {
        if self.ascii {
            ASCII_BORDER
        } else {
            border::ROUNDED
        }
    }

    /// A screen title for a bordered block: ` What — Name ` (an ASCII dash
    /// in ASCII mode).
    pub fn screen_title(&self, what: &str, name: &str) -> String {
        let dash = if self.ascii { "-" } else { "\u{2014}" };
        format!(" {what} {dash} {name} ")
    }

    /// A bordered block with an optional title.
    pub fn block<'a>(&self, title: impl Into<ratatui::text::Line<'a>>) -> Block<'a> {
        Block::default()
            .borders(Borders::ALL)
            .border_set(self.border_set())
            .border_style(self.border())
            .padding(ratatui::widgets::Padding::horizontal(1))
            .title(title.into().style(self.title()))
    }

    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::default().fg(c)
        } else {
            Style::default()
        }
    }

    pub fn normal(&self) -> Style {
        Style::default()
    }
    pub fn border(&self) -> Style {
        self.fg(Color::DarkGray)
    }
    pub fn title(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    /// Field labels and column headers.
    pub fn label(&self) -> Style {
        self.fg(Color::Gray).add_modifier(Modifier::BOLD)
    }
    /// Secondary text (hints, units).
    pub fn dim(&self) -> Style {
        if self.color {
            Style::default().fg(Color::DarkGray)
        } else {
            Style::default()
        }
    }
    /// Key names in hints.
    pub fn key(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }
    pub fn ok(&self) -> Style {
        self.fg(Color::Green)
    }
    pub fn warn(&self) -> Style {
        self.fg(Color::Yellow)
    }
    pub fn error(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }
    /// The selected row or focused item.
    pub fn selected(&self) -> Style {
        if self.color {
            Style::default()
                .bg(Color::Blue)
                .fg(Color::White)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::default().add_modifier(Modifier::REVERSED)
        }
    }
    /// A focused text field.
    pub fn focused(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::UNDERLINED)
    }
    /// A disabled button.
    pub fn disabled(&self) -> Style {
        if self.color {
            Style::default().fg(Color::DarkGray)
        } else {
            Style::default().add_modifier(Modifier::DIM | Modifier::CROSSED_OUT)
        }
    }
    /// A button that can be pressed.
    pub fn button(&self) -> Style {
        if self.color {
            Style::default()
                .bg(Color::Green)
                .fg(Color::Black)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::default().add_modifier(Modifier::BOLD | Modifier::REVERSED)
        }
    }
    /// The loud DEMO banner.
    pub fn banner(&self) -> Style {
        if self.color {
            Style::default()
                .bg(Color::Magenta)
                .fg(Color::White)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::default().add_modifier(Modifier::BOLD | Modifier::REVERSED)
        }
    }
    /// The status bar.
    pub fn status_bar(&self) -> Style {
        if self.color {
            Style::default().bg(Color::DarkGray).fg(Color::White)
        } else {
            Style::default().add_modifier(Modifier::REVERSED)
        }
    }

    /// `text` as drawn: in ASCII mode the ellipsis becomes `...`.
    pub fn text<'a>(&self, text: &'a str) -> std::borrow::Cow<'a, str> {
        if self.ascii && text.contains('…') {
            std::borrow::Cow::Owned(text.replace('…', "..."))
        } else {
            std::borrow::Cow::Borrowed(text)
        }
    }

    // ---- symbols
    pub fn checkbox(&self, checked: bool) -> &'static str {
        if checked { "[x]" } else { "[ ]" }
    }
    pub fn radio(&self, on: bool) -> &'static str {
        if on { "(*)" } else { "( )" }
    }
    /// Marks the selected row.
    pub fn pointer(&self) -> &'static str {
        if self.ascii { "> " } else { "▶ " }
    }
    pub fn ellipsis(&self) -> &'static str {
        if self.ascii { "..." } else { "…" }
    }
    pub fn sort_arrow(&self) -> &'static str {
        if self.ascii { "v" } else { "▼" }
    }
    pub fn separator(&self) -> &'static str {
        if self.ascii { " | " } else { " │ " }
    }
    /// Password bullet.
    pub fn bullet(&self) -> char {
        if self.ascii { '*' } else { '•' }
    }
    /// Spinner frame for a second count.
    pub fn spinner(&self, tick: u64) -> &'static str {
        const UNI: [&str; 4] = ["◐", "◓", "◑", "◒"];
        const ASC: [&str; 4] = ["|", "/", "-", "\\"];
        let i = (tick % 4) as usize;
        if self.ascii { ASC[i] } else { UNI[i] }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_borders_are_ascii() {
        let t = Theme {
            color: true,
            ascii: true,
        };
        let s = t.border_set();
        for part in [
            s.top_left,
            s.top_right,
            s.bottom_left,
            s.bottom_right,
            s.vertical_left,
            s.vertical_right,
            s.horizontal_top,
            s.horizontal_bottom,
        ] {
            assert!(part.is_ascii(), "{part}");
        }
        assert!(t.pointer().is_ascii() && t.ellipsis().is_ascii() && t.bullet().is_ascii());
    }

    #[test]
    fn no_color_styles_have_no_colour() {
        let t = Theme {
            color: false,
            ascii: false,
        };
        for s in [
            t.border(),
            t.title(),
            t.label(),
            t.dim(),
            t.key(),
            t.ok(),
            t.warn(),
            t.error(),
            t.selected(),
            t.focused(),
            t.disabled(),
            t.button(),
            t.banner(),
            t.status_bar(),
        ] {
            assert_eq!((s.fg, s.bg), (None, None), "{s:?}");
        }
    }
}
