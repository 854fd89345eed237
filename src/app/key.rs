//! Terminal-independent key events. `tui::input` converts crossterm events
//! into these, so `update` and its tests never touch a terminal type.

use std::fmt;

/// A key without modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyCode {
    Char(char),
    Enter,
    Esc,
    Tab,
    /// Shift-Tab.
    BackTab,
    Backspace,
    Delete,
    Left,
    Right,
    Up,
    Down,
    Home,
    End,
    PageUp,
    PageDown,
    /// Function key F1..F12.
    F(u8),
}

/// Modifier keys, as a small bit set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Mods(u8);

impl Mods {
    pub const NONE: Mods = Mods(0);
    pub const CTRL: Mods = Mods(1);
    pub const ALT: Mods = Mods(2);
    pub const SHIFT: Mods = Mods(4);

    pub const fn union(self, other: Mods) -> Mods {
        Mods(self.0 | other.0)
    }
    pub const fn contains(self, other: Mods) -> bool {
        self.0 & other.0 == other.0
    }
    pub const fn ctrl(self) -> bool {
        self.contains(Mods::CTRL)
    }
    pub const fn alt(self) -> bool {
        self.contains(Mods::ALT)
    }
    pub const fn shift(self) -> bool {
        self.contains(Mods::SHIFT)
    }
}

/// One key press. Build with [`Key::new`] (normalises Shift on characters:
/// `J` is `Char('J')` with no modifier, Shift-Tab is `BackTab`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: Mods,
}

impl Key {
    pub const fn new(code: KeyCode, mods: Mods) -> Key {
        match code {
            // The character already says whether Shift was held.
            KeyCode::Char(_) => Key {
                code,
                mods: Mods(mods.0 & !Mods::SHIFT.0),
            },
            KeyCode::Tab if mods.shift() => Key {
                code: KeyCode::BackTab,
                mods: Mods(mods.0 & !Mods::SHIFT.0),
            },
            KeyCode::BackTab => Key {
                code,
                mods: Mods(mods.0 & !Mods::SHIFT.0),
            },
            _ => Key { code, mods },
        }
    }
    /// A key with no modifier.
    pub const fn plain(code: KeyCode) -> Key {
        Key::new(code, Mods::NONE)
    }
    /// A printable character with no modifier.
    pub const fn ch(c: char) -> Key {
        Key::plain(KeyCode::Char(c))
    }
    /// Ctrl + a character (`Key::ctrl('c')`).
    pub const fn ctrl(c: char) -> Key {
        Key::new(KeyCode::Char(c), Mods::CTRL)
    }

    /// Whether this is Ctrl-C, which quits from anywhere.
    pub fn is_quit(&self) -> bool {
        self.mods.ctrl() && matches!(self.code, KeyCode::Char('c') | KeyCode::Char('C'))
    }

    /// The printable character typed, when there is no Ctrl/Alt.
    pub fn printable(&self) -> Option<char> {
        match self.code {
            KeyCode::Char(c) if !self.mods.ctrl() && !self.mods.alt() && !c.is_control() => Some(c),
            _ => None,
        }
    }
}

/// How a key is written in the help overlay and hints (`Ctrl-C`, `Shift-Tab`,
/// `PgDn`, `j`). Key names are the same in both languages.
impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.ctrl() {
            f.write_str("Ctrl-")?;
        }
        if self.mods.alt() {
            f.write_str("Alt-")?;
        }
        if self.mods.shift() {
            f.write_str("Shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) if self.mods.ctrl() => write!(f, "{}", c.to_ascii_uppercase()),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::Delete => f.write_str("Del"),
            KeyCode::Left => f.write_str("Left"),
            KeyCode::Right => f.write_str("Right"),
            KeyCode::Up => f.write_str("Up"),
            KeyCode::Down => f.write_str("Down"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::F(n) => write!(f, "F{n}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shift_is_normalised() {
        assert_eq!(Key::new(KeyCode::Char('J'), Mods::SHIFT), Key::ch('J'));
        assert_eq!(
            Key::new(KeyCode::Tab, Mods::SHIFT),
            Key::plain(KeyCode::BackTab)
        );
        assert_eq!(
            Key::new(KeyCode::BackTab, Mods::SHIFT),
            Key::plain(KeyCode::BackTab)
        );
    }

    #[test]
    fn labels() {
        assert_eq!(Key::ctrl('c').to_string(), "Ctrl-C");
        assert_eq!(Key::plain(KeyCode::BackTab).to_string(), "Shift-Tab");
        assert_eq!(Key::plain(KeyCode::PageDown).to_string(), "PgDn");
        assert_eq!(Key::ch('/').to_string(), "/");
        assert_eq!(Key::ch(' ').to_string(), "Space");
    }

    #[test]
    fn quit_and_printable() {
        assert!(Key::ctrl('c').is_quit());
        assert!(!Key::ch('c').is_quit());
        assert_eq!(Key::ch('x').printable(), Some('x'));
        assert_eq!(Key::ctrl('x').printable(), None);
        assert_eq!(Key::plain(KeyCode::Enter).printable(), None);
    }
}
