//! `tui::run`: the terminal, the event loop and the runner.
//!
//! - all pending input is applied before drawing (a burst of keys costs one
//!   frame), and a frame is drawn only when the model is dirty;
//! - a tick reaches `update` once a second only while something moves
//!   (spinner, countdown, toast), else once a minute for the status bar.

use std::io;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Timelike, Utc};
use crossterm::event::Event;
use ratatui::layout::Size;
use tokio::sync::mpsc;

use crate::app::{Clock, DemoInfo, Model, ModelInit, Msg, Prefs, Runner, RunnerConfig, update};
use crate::i18n::Lang;
use crate::portal::{ClientOptions, PortalClient, PortalError};
use crate::secrets::StoreChoice;

use super::input::{InputThread, event_msg};
use super::signals::Signals;
use super::terminal::{Term, setup_terminal};

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
