//! `app::run`: the terminal, the event loop and the runner.
//!
//! - crossterm raw mode + alternate screen; restored on quit, on error, on a
//!   panic (a chained panic hook) and on SIGTERM/SIGHUP (an SSH disconnect);
//! - all pending input is applied before drawing (a burst of keys costs one
//!   frame), and a frame is drawn only when the model is dirty;
//! - a tick reaches `update` once a second only while something moves
//!   (spinner, countdown, toast), else once a minute for the status bar.

use std::io::{self, Stdout};
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Timelike, Utc};
use crossterm::event::{Event, KeyEvent, KeyEventKind, KeyModifiers};
use crossterm::{cursor, execute, terminal};
use ratatui::Terminal;
use ratatui::layout::Size;
use tokio::sync::mpsc;

use crate::i18n::Lang;
use crate::portal::{ClientOptions, PortalClient, PortalError};
use crate::secrets::StoreChoice;

use super::backend::TtyBackend;
use super::key::{Key, KeyCode, Mods};
use super::model::{DemoInfo, Model, ModelInit, Prefs};
use super::msg::Msg;
use super::runner::{Clock, Runner, RunnerConfig};
use super::update::update;

/// How `licencias` starts the terminal interface (built by `main`).
#[derive(Debug, Clone)]
pub struct LaunchOptions {
    /// Portal base URL (`https://`, or `http://` on loopback).
    pub portal_url: String,
    /// `Some` when this is the embedded demo portal.
    pub demo: Option<DemoInfo>,
    /// Remembered or given username (pre-filled; its stored session is resumed).
    pub username: Option<String>,
    pub lang: Lang,
    /// `--ascii`.
    pub ascii: bool,
    /// False with `NO_COLOR`.
    pub color: bool,
    pub secret_store: StoreChoice,
    /// Config file for `remember_username` (`None`: not remembered).
    pub config_path: Option<PathBuf>,
    /// Audit log (`None`: the XDG default).
    pub audit_path: Option<PathBuf>,
    /// A client already signed in (`demo --signed-in`); else one is built.
    pub client: Option<PortalClient>,
    /// The portal's business clock at start (the demo's `--clock`).
    pub clock: Option<DateTime<Utc>>,
}

/// Why the interface could not run.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The terminal could not be set up or written.
    #[error("terminal error: {0}")]
    Terminal(#[from] io::Error),
    /// The portal URL is not usable.
    #[error(transparent)]
    Portal(#[from] PortalError),
}

type Term = Terminal<TtyBackend<Stdout>>;

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
struct TerminalGuard;

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

fn setup_terminal() -> Result<(TerminalGuard, Term), AppError> {
    install_panic_hook();
    terminal::enable_raw_mode()?;
    TERMINAL_ACTIVE.store(true, std::sync::atomic::Ordering::SeqCst);
    let guard = TerminalGuard;
    execute!(io::stdout(), terminal::EnterAlternateScreen, cursor::Hide)?;
    let (width, height) = terminal::size()?;
    let term = Terminal::new(TtyBackend::new(io::stdout(), Size { width, height }))?;
    Ok((guard, term))
}

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
fn event_msg(ev: Event, now: DateTime<Utc>) -> Option<Msg> {
    match ev {
        Event::Key(k) => convert_key(&k).map(|key| Msg::Key { key, now }),
        Event::Resize(width, height) => Some(Msg::Resize { width, height }),
        _ => None,
    }
}

/// Run the terminal interface until the user quits (or a signal arrives).
pub async fn run(opts: LaunchOptions) -> Result<(), AppError> {
    let client = match opts.client.clone() {
        Some(c) => c,
        None => PortalClient::new(&opts.portal_url, ClientOptions::default())?,
    };
    let clock = opts.clock.map_or_else(Clock::system, Clock::pinned);
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let mut runner = Runner::new(
        RunnerConfig {
            client,
            portal_url: opts.portal_url.clone(),
            secret_store: opts.secret_store,
            store: None,
            audit_path: opts.audit_path.clone(),
            config_path: opts.config_path.clone(),
            clock,
        },
        tx,
    );
    let mut model = Model::new(ModelInit {
        portal_url: opts.portal_url.clone(),
        demo: opts.demo,
        username: opts.username.clone(),
        prefs: Prefs {
            lang: opts.lang,
            ascii: opts.ascii,
            color: opts.color,
        },
        now: clock.now(),
        key_nonce: uuid::Uuid::new_v4().as_u128(),
    });
    model.clock_offset = clock.offset();

    let (guard, mut term) = setup_terminal()?;
    let result = event_loop(&mut term, &mut model, &mut runner, &mut rx, clock).await;
    drop(term);
    drop(guard);
    // Let a change that is being sent finish and be written to the audit log.
    let _ = tokio::time::timeout(Duration::from_secs(3), runner.flush()).await;
    result
}

#[cfg(unix)]
struct Signals {
    term: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    fn new() -> io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            term: signal(SignalKind::terminate())?,
            hup: signal(SignalKind::hangup())?,
        })
    }
    async fn recv(&mut self) {
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.hup.recv() => {}
        }
    }
}

#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn new() -> io::Result<Self> {
        Ok(Self)
    }
    async fn recv(&mut self) {
        std::future::pending::<()>().await
    }
}

/// Reads terminal events on a plain thread and forwards them; stops when
/// `stop` is set or the receiver is gone. (A blocking reader plus a channel
/// lets the loop drain every pending event with `try_recv` before drawing.)
struct InputThread {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl InputThread {
    fn spawn() -> io::Result<(Self, mpsc::UnboundedReceiver<io::Result<Event>>)> {
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

async fn event_loop(
    term: &mut Term,
    model: &mut Model,
    runner: &mut Runner,
    rx: &mut mpsc::UnboundedReceiver<Msg>,
    clock: Clock,
) -> Result<(), AppError> {
    let mut signals = Signals::new()?;
    let (_input, mut events) = InputThread::spawn()?;
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);

    let apply = |model: &mut Model, runner: &mut Runner, msg: Msg| {
        let fx = update(model, msg);
        runner.perform_all(fx);
    };

    let size = term.size()?;
    apply(
        model,
        runner,
        Msg::Resize {
            width: size.width,
            height: size.height,
        },
    );
    apply(model, runner, Msg::Started { now: clock.now() });
    let mut last_minute = clock.now().minute();
    // Test hook (debug builds only): `LICENCIAS_TEST_PANIC_IN_VIEW=1` makes the
    // first frame panic after drawing, so a pty test can check that the panic
    // hook restores the terminal. Release builds contain no such code.
    #[cfg(debug_assertions)]
    let panic_in_view = std::env::var_os("LICENCIAS_TEST_PANIC_IN_VIEW").is_some_and(|v| v == "1");

    loop {
        if model.quit {
            return Ok(());
        }
        if model.dirty {
            term.draw(|f| {
                crate::ui::render(model, f);
                #[cfg(debug_assertions)]
                if panic_in_view {
                    panic!("test hook: panic in a view");
                }
            })?;
            model.dirty = false;
        }
        tokio::select! {
            ev = events.recv() => {
                let mut next = ev;
                // Apply every event already waiting, then draw once.
                loop {
                    match next {
                        Some(Ok(ev)) => {
                            if let Event::Resize(width, height) = ev {
                                term.backend_mut().set_size(Size { width, height });
                            }
                            if let Some(msg) = event_msg(ev, clock.now()) {
                                apply(model, runner, msg);
                            }
                        }
                        Some(Err(e)) => return Err(AppError::Terminal(e)),
                        None => return Ok(()),
                    }
                    match events.try_recv() {
                        Ok(ev) => next = Some(ev),
                        Err(_) => break,
                    }
                }
            }
            msg = rx.recv() => {
                if let Some(msg) = msg {
                    apply(model, runner, msg);
                }
                while let Ok(msg) = rx.try_recv() {
                    apply(model, runner, msg);
                }
            }
            _ = ticker.tick() => {
                let now = clock.now();
                if model.animating() || now.minute() != last_minute {
                    last_minute = now.minute();
                    apply(model, runner, Msg::Tick { now });
                }
            }
            _ = signals.recv() => {
                tracing::info!("terminated by a signal; restoring the terminal");
                return Ok(());
            }
        }
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
