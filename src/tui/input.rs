//! Terminal input: a reader thread for crossterm events and their
//! conversion into the app's terminal-independent `Key` and `Msg`.

use std::io;
use std::time::Duration;

use chrono::{DateTime, Utc};
use crossterm::event::{Event, KeyEvent, KeyEventKind, KeyModifiers};
use tokio::sync::mpsc;

use crate::app::{Key, KeyCode, Mods, Msg};

/// A crossterm key into an app key (`None` for releases and unknown keys).
pub fn convert_key(ev: &KeyEvent) -> Option<Key> {
    if ev.kind == KeyEventKind::Release {
        return None;
    }
    use crossterm::event::KeyCode as C;
    let code = match ev.code {
        C::Char(c) => KeyCode::Char(c),
        C::Enter => KeyCode::Enter,
        C::Esc => KeyCode::Esc,
        C::Tab => KeyCode::Tab,
        C::BackTab => KeyCode::BackTab,
        C::Backspace => KeyCode::Backspace,
        C::Delete => KeyCode::Delete,
        C::Left => KeyCode::Left,
        C::Right => KeyCode::Right,
        C::Up => KeyCode::Up,
        C::Down => KeyCode::Down,
        C::Home => KeyCode::Home,
        C::End => KeyCode::End,
        C::PageUp => KeyCode::PageUp,
        C::PageDown => KeyCode::PageDown,
        C::F(n) => KeyCode::F(n),
        _ => return None,
    };
    let mut mods = Mods::NONE;
    if ev.modifiers.contains(KeyModifiers::CONTROL) {
        mods = mods.union(Mods::CTRL);
    }
    if ev.modifiers.contains(KeyModifiers::ALT) {
        mods = mods.union(Mods::ALT);
    }
    if ev.modifiers.contains(KeyModifiers::SHIFT) {
        mods = mods.union(Mods::SHIFT);
    }
    Some(Key::new(code, mods))
}

/// A terminal event as a message (`None`: nothing to do).
pub(super) fn event_msg(ev: Event, now: DateTime<Utc>) -> Option<Msg> {
    match ev {
        Event::Key(k) => convert_key(&k).map(|key| Msg::Key { key, now }),
        Event::Resize(width, height) => Some(Msg::Resize { width, height }),
        _ => None,
    }
}

/// Reads terminal events on a plain thread and forwards them; stops when
/// `stop` is set or the receiver is gone. (A blocking reader plus a channel
/// lets the loop drain every pending event with `try_recv` before drawing.)
pub(super) struct InputThread {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl InputThread {
    pub(super) fn spawn() -> io::Result<(Self, mpsc::UnboundedReceiver<io::Result<Event>>)> {
        use std::sync::atomic::{AtomicBool, Ordering};
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let (tx, rx) = mpsc::unbounded_channel();
        let flag = stop.clone();
        std::thread::Builder::new()
            .name("licencias-input".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    match crossterm::event::poll(Duration::from_millis(100)) {
                        Ok(false) => continue,
                        Ok(true) => {
                            let ev = crossterm::event::read();
                            let failed = ev.is_err();
                            if tx.send(ev).is_err() || failed {
                                return;
                            }
                        }
                        Err(e) => {
                            let _ = tx.send(Err(e));
                            return;
                        }
                    }
                }
            })?;
        Ok((Self { stop }, rx))
    }
}

impl Drop for InputThread {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode as C, KeyEventState};

    fn ev(code: C, modifiers: KeyModifiers, kind: KeyEventKind) -> KeyEvent {
        KeyEvent {
            code,
            modifiers,
            kind,
            state: KeyEventState::NONE,
        }
    }

    #[test]
    fn crossterm_keys_convert() {
        assert_eq!(
            convert_key(&ev(
                C::Char('c'),
                KeyModifiers::CONTROL,
                KeyEventKind::Press
            )),
            Some(Key::ctrl('c'))
        );
        assert_eq!(
            convert_key(&ev(C::Char('J'), KeyModifiers::SHIFT, KeyEventKind::Press)),
            Some(Key::ch('J'))
        );
        assert_eq!(
            convert_key(&ev(C::BackTab, KeyModifiers::SHIFT, KeyEventKind::Press)),
            Some(Key::plain(KeyCode::BackTab))
        );
        assert_eq!(
            convert_key(&ev(C::Enter, KeyModifiers::NONE, KeyEventKind::Release)),
            None
        );
        assert_eq!(
            convert_key(&ev(C::PageDown, KeyModifiers::NONE, KeyEventKind::Repeat)),
            Some(Key::plain(KeyCode::PageDown))
        );
    }
}
