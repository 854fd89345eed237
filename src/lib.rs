//! `licencias`: change cloud-licence seat counts safely from a terminal.
//!
//! The modules are rooms in layers, lowest first: `domain` (the rules),
//! `api` (the wire contract), `fsutil` and `secrets`, `portal` (the client)
//! and `server` (the reference portal), `i18n` (catalogues and the message
//! vocabulary), `logging`, `config`, `audit`, `cli`, `app` (the pure core and
//! the runner), `ui` (views), `tui` (the real terminal and the event loop).
//! A room imports only rooms below it; `tests/architecture.rs` checks it.
//! The README's "Architecture" section has the table.

pub mod api;
pub mod app;
pub mod audit;
pub mod cli;
pub mod commands;
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
