//! The app core: `Model`, `Msg`, `Action`, `Effect`, the pure `update`, the
//! keymap, and (behind them) the one runner that performs effects.
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
