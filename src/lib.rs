//! `licencias`: change cloud-licence seat counts safely from a terminal.
//!
//! See `README.md` and `../shared/design/architecture.md` for the layout.

pub mod api;
pub mod app;
pub mod audit;
pub mod cli;
pub mod config;
pub mod domain;
pub mod fsutil;
pub mod i18n;
pub mod logging;
pub mod portal;
pub mod secrets;
pub mod server;
pub mod tui;
pub mod ui;
