//! Everything that touches the real terminal: the ratatui backend, raw mode
//! and the alternate screen, the panic hook, signals, the input thread, and
//! the event loop that feeds `app::update` and draws with `ui::render`.

pub mod backend;
mod event_loop;
mod input;
mod signals;
mod terminal;

pub use event_loop::{AppError, LaunchOptions, run};
pub use input::convert_key;
pub use terminal::restore_terminal;
