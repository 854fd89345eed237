//! Raw mode and the alternate screen, restored on quit, on error and on a
//! panic (a chained panic hook that runs before the previous one prints).

use std::io::{self, Stdout};

use crossterm::{cursor, execute, terminal};
use ratatui::Terminal;
use ratatui::layout::Size;

use super::backend::TtyBackend;

/// The terminal the interface draws on.
pub(super) type Term = Terminal<TtyBackend<Stdout>>;

/// Whether the terminal is in raw mode + alternate screen (set up by us).
static TERMINAL_ACTIVE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Leave raw mode and the alternate screen; show the cursor. Runs once per
/// setup: a second call (the guard after the panic hook) writes nothing, so
/// it cannot move the cursor back over a panic message.
pub fn restore_terminal() {
    if !TERMINAL_ACTIVE.swap(false, std::sync::atomic::Ordering::SeqCst) {
        return;
    }
    let _ = terminal::disable_raw_mode();
    let _ = execute!(io::stdout(), terminal::LeaveAlternateScreen, cursor::Show);
}

/// Restores the terminal when dropped (quit, error, early return).
pub(super) struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// Chain a panic hook that restores the terminal before the previous hook
/// prints the panic, so the message is readable and the shell usable.
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous(info);
    }));
}

pub(super) fn setup_terminal() -> io::Result<(TerminalGuard, Term)> {
    install_panic_hook();
    terminal::enable_raw_mode()?;
    TERMINAL_ACTIVE.store(true, std::sync::atomic::Ordering::SeqCst);
    let guard = TerminalGuard;
    execute!(io::stdout(), terminal::EnterAlternateScreen, cursor::Hide)?;
    let (width, height) = terminal::size()?;
    let term = Terminal::new(TtyBackend::new(io::stdout(), Size { width, height }))?;
    Ok((guard, term))
}
