//! The app core: `Model`, `Msg`, `Action`, `Effect`, the pure `update`, the
//! keymap, terminal-independent `Key`s, and (behind them) the one runner that
//! performs effects. No terminal, no drawing, no server here: `tui` owns the
//! terminal and the event loop, `ui` the views; the message types the
//! catalogue renders come from `i18n::vocab` (re-exported).
//!
//! Data flows one way: key -> keymap -> Action -> `update` -> Effects ->
//! runner -> PortalClient -> Msg -> `update` -> render.

pub mod field;
pub mod key;
pub mod keymap;
pub mod model;
pub mod msg;
pub mod runner;
pub mod update;

pub use field::TextField;
pub use key::{Key, KeyCode, Mods};
pub use keymap::{Action, Binding, Context};
pub use model::*;
pub use msg::*;
pub use runner::{Clock, Runner, RunnerConfig};
pub use update::update;
