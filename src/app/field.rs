//! A single-line text field with a cursor. Fields get keys before the keymap
//! and say whether they consumed them. Masked fields (password, TOTP code)
//! are zeroized when cleared, taken or dropped, and never Debug-printed.

use std::fmt;

use secrecy::SecretString;
use zeroize::Zeroize;

use super::key::{Key, KeyCode};

/// What a field accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Any printable character.
    Text,
    /// ASCII digits and spaces only (TOTP codes; spaces so that a pasted
    /// `123 456` works; they are ignored by [`TextField::digits`]).
    Digits,
}

/// A single-line text field. The cursor is a char index (0..=len).
#[derive(Clone)]
pub struct TextField {
    value: String,
    cursor: usize,
    kind: FieldKind,
    masked: bool,
    max_chars: usize,
}

impl TextField {
    /// A plain text field of at most `max_chars` characters.
    pub fn text(max_chars: usize) -> Self {
        Self {
            value: String::new(),
            cursor: 0,
            kind: FieldKind::Text,
            masked: false,
            max_chars,
        }
    }
    /// A masked field (password): shown as bullets, zeroized.
    pub fn masked(max_chars: usize) -> Self {
        let mut f = Self::text(max_chars);
        f.masked = true;
        f
    }
    /// A masked digits-only field for TOTP codes.
    pub fn code() -> Self {
        let mut f = Self::text(7);
        f.kind = FieldKind::Digits;
        f
    }
    /// Starts with `value`, cursor at the end.
    pub fn with_value(mut self, value: &str) -> Self {
        self.set_value(value);
        self
    }

    /// The text (for masked fields, the UI must show [`TextField::mask`] instead).
    pub fn value(&self) -> &str {
        &self.value
    }
    /// Cursor position in chars.
    pub fn cursor(&self) -> usize {
        self.cursor
    }
    pub fn is_masked(&self) -> bool {
        self.masked
    }
    pub fn kind(&self) -> FieldKind {
        self.kind
    }
    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }
    pub fn len_chars(&self) -> usize {
        self.value.chars().count()
    }
    /// What a masked field shows: one bullet per character.
    pub fn mask(&self, bullet: char) -> String {
        std::iter::repeat_n(bullet, self.len_chars()).collect()
    }
    /// The digits typed, without spaces (TOTP codes).
    pub fn digits(&self) -> String {
        self.value.chars().filter(char::is_ascii_digit).collect()
    }

    /// Replaces the text, cursor at the end.
    pub fn set_value(&mut self, value: &str) {
        self.value.zeroize();
        self.value = value.chars().take(self.max_chars).collect();
        self.cursor = self.len_chars();
    }
    /// Empties the field, wiping the old text from memory.
    pub fn clear(&mut self) {
        self.value.zeroize();
        self.value = String::new();
        self.cursor = 0;
    }
    /// Moves the text out as a secret, leaving the field empty.
    pub fn take_secret(&mut self) -> SecretString {
        let s = SecretString::from(self.value.as_str());
        self.clear();
        s
    }

    fn byte_at(&self, char_idx: usize) -> usize {
        self.value
            .char_indices()
            .nth(char_idx)
            .map_or(self.value.len(), |(i, _)| i)
    }

    fn accepts(&self, c: char) -> bool {
        match self.kind {
            FieldKind::Text => !c.is_control(),
            FieldKind::Digits => c.is_ascii_digit() || c == ' ',
        }
    }

    /// Offer a key to the field. Returns true when the field consumed it
    /// (typing, deleting, moving the cursor); Enter, Tab, Esc, Up/Down and
    /// every Ctrl/Alt key except the editing ones are left to the keymap.
    /// A character the field refuses (a letter in a code field) is consumed
    /// and ignored, so it cannot trigger a command by accident.
    pub fn handle(&mut self, key: &Key) -> bool {
        if let Some(c) = key.printable() {
            if self.accepts(c) && self.len_chars() < self.max_chars {
                let at = self.byte_at(self.cursor);
                self.value.insert(at, c);
                self.cursor += 1;
            }
            return true;
        }
        if key.mods.alt() {
            return false;
        }
        if key.mods.ctrl() {
            return match key.code {
                // Ctrl-U: delete to the start of the line.
                KeyCode::Char('u') => {
                    let at = self.byte_at(self.cursor);
                    let rest = self.value.split_off(at);
                    self.value.zeroize();
                    self.value = rest;
                    self.cursor = 0;
                    true
                }
                // Ctrl-A / Ctrl-E: start / end.
                KeyCode::Char('a') => {
                    self.cursor = 0;
                    true
                }
                KeyCode::Char('e') => {
                    self.cursor = self.len_chars();
                    true
                }
                _ => false,
            };
        }
        match key.code {
            KeyCode::Backspace => {
                if self.cursor > 0 {
                    self.cursor -= 1;
                    let at = self.byte_at(self.cursor);
                    self.value.remove(at);
                }
                true
            }
            KeyCode::Delete => {
                if self.cursor < self.len_chars() {
                    let at = self.byte_at(self.cursor);
                    self.value.remove(at);
                }
                true
            }
            KeyCode::Left => {
                self.cursor = self.cursor.saturating_sub(1);
                true
            }
            KeyCode::Right => {
                self.cursor = (self.cursor + 1).min(self.len_chars());
                true
            }
            KeyCode::Home => {
                self.cursor = 0;
                true
            }
            KeyCode::End => {
                self.cursor = self.len_chars();
                true
            }
            _ => false,
        }
    }
}

impl Default for TextField {
    /// An empty plain text field of up to 128 characters.
    fn default() -> Self {
        TextField::text(128)
    }
}

impl Drop for TextField {
    fn drop(&mut self) {
        self.value.zeroize();
    }
}

impl fmt::Debug for TextField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("TextField");
        // Passwords and one-time codes (the only digits-only fields) are
        // never printed: a `{:?}` of the model can end up in a panic or a log.
        if self.masked || matches!(self.kind, FieldKind::Digits) {
            d.field("value", &"[redacted]");
        } else {
            d.field("value", &self.value);
        }
        d.field("cursor", &self.cursor).finish()
    }
}

impl PartialEq for TextField {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value && self.cursor == other.cursor
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::key::Key;
    use secrecy::ExposeSecret;

    fn typed(f: &mut TextField, s: &str) {
        for c in s.chars() {
            assert!(f.handle(&Key::ch(c)));
        }
    }

    #[test]
    fn typing_and_editing() {
        let mut f = TextField::text(10);
        typed(&mut f, "12");
        assert_eq!((f.value(), f.cursor()), ("12", 2));
        assert!(f.handle(&Key::plain(KeyCode::Left)));
        typed(&mut f, "ñ");
        assert_eq!(f.value(), "1ñ2");
        assert!(f.handle(&Key::plain(KeyCode::Backspace)));
        assert_eq!(f.value(), "12");
        assert!(f.handle(&Key::plain(KeyCode::Home)));
        assert!(f.handle(&Key::plain(KeyCode::Delete)));
        assert_eq!(f.value(), "2");
        assert!(f.handle(&Key::plain(KeyCode::End)));
        assert_eq!(f.cursor(), 1);
        assert!(!f.handle(&Key::plain(KeyCode::Enter)));
        assert!(!f.handle(&Key::plain(KeyCode::Tab)));
        assert!(!f.handle(&Key::plain(KeyCode::Esc)));
        assert!(!f.handle(&Key::ctrl('c')));
        assert!(f.handle(&Key::ctrl('u')));
        assert!(f.is_empty());
    }

    #[test]
    fn limits_and_kinds() {
        let mut f = TextField::text(3);
        typed(&mut f, "abcd");
        assert_eq!(f.value(), "abc");
        let mut c = TextField::code();
        typed(&mut c, "12a 34");
        assert_eq!(c.value(), "12 34");
        assert_eq!(c.digits(), "1234");
    }

    #[test]
    fn masked_is_not_printed_and_taken_out() {
        let mut f = TextField::masked(64);
        typed(&mut f, "hunter2");
        assert!(!format!("{f:?}").contains("hunter2"));
        assert_eq!(f.mask('*'), "*******");
        let s = f.take_secret();
        assert_eq!(s.expose_secret(), "hunter2");
        assert!(f.is_empty());
    }
}
