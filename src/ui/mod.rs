//! The terminal interface: one file per screen, shared widgets, the theme
//! and the QR drawing. Views are pure functions of the app's `Model`.

pub mod qr;
pub mod theme;
