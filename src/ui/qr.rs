//! The otpauth QR code drawn with Unicode half blocks: each terminal cell
//! holds two modules, one above the other. Dark modules on a light
//! background with a quiet zone of [`QUIET_ZONE`] modules.
//!
//! With colours, the cells get explicit black and white so the code reads the
//! same on dark and light terminals. With `NO_COLOR` no colour is emitted: the
//! light modules are drawn as glyphs in the terminal's own foreground, which
//! gives dark-on-light on the usual light-on-dark terminal. In ASCII mode the
//! QR is not drawn at all (the screen shows the secret and the URI instead).

use qrcode::{EcLevel, QrCode};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;

use super::theme::Theme;

/// Light modules around the code, on every side.
pub const QUIET_ZONE: usize = 2;

/// A QR code as a grid of modules, quiet zone included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrImage {
    /// Modules per side, quiet zone included.
    size: usize,
    /// Row-major, `true` = dark.
    dark: Vec<bool>,
}

/// The text could not be encoded (far too long).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot encode this text as a QR code")]
pub struct QrTooLong;

impl QrImage {
    /// Encode `data` at error correction level L (the smallest code, so that
    /// it fits 24 rows; a screen is not a printed label that gets scratched).
    pub fn new(data: &str) -> Result<Self, QrTooLong> {
        let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::L)
            .map_err(|_| QrTooLong)?;
        let inner = code.width();
        let colors = code.to_colors();
        let size = inner + 2 * QUIET_ZONE;
        let mut dark = vec![false; size * size];
        for y in 0..inner {
            for x in 0..inner {
                if colors[y * inner + x] == qrcode::Color::Dark {
                    dark[(y + QUIET_ZONE) * size + x + QUIET_ZONE] = true;
                }
            }
        }
        Ok(Self { size, dark })
    }

    /// Modules per side, quiet zone included.
    pub fn size(&self) -> usize {
        self.size
    }

    fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.size && y < self.size && self.dark[y * self.size + x]
    }

    /// Terminal columns needed.
    pub fn cols(&self) -> u16 {
        u16::try_from(self.size).unwrap_or(u16::MAX)
    }

    /// Terminal rows needed (two modules per row).
    pub fn rows(&self) -> u16 {
        u16::try_from(self.size.div_ceil(2)).unwrap_or(u16::MAX)
    }

    /// Whether the code fits in `area`.
    pub fn fits(&self, area: Rect) -> bool {
        area.width >= self.cols() && area.height >= self.rows()
    }

    /// Draw at the top-left of `area`. Returns false (and draws nothing)
    /// when it does not fit or the theme is ASCII.
    pub fn draw(&self, area: Rect, buf: &mut Buffer, theme: &Theme) -> bool {
        if theme.ascii || !self.fits(area) {
            return false;
        }
        for row in 0..self.size.div_ceil(2) {
            for x in 0..self.size {
                let top = self.is_dark(x, 2 * row);
                // The row below the last is part of the light border.
                let bottom = self.is_dark(x, 2 * row + 1);
                let pos = (area.x + x as u16, area.y + row as u16);
                let Some(cell) = buf.cell_mut(pos) else {
                    continue;
                };
                if theme.color {
                    // Dark modules in the foreground (black) on white.
                    let symbol = match (top, bottom) {
                        (true, true) => "█",
                        (true, false) => "▀",
                        (false, true) => "▄",
                        (false, false) => " ",
                    };
                    cell.set_symbol(symbol)
                        .set_fg(Color::Black)
                        .set_bg(Color::White);
                } else {
                    // Light modules in the terminal's foreground; dark ones
                    // are the terminal's background.
                    let symbol = match (top, bottom) {
                        (false, false) => "█",
                        (false, true) => "▀",
                        (true, false) => "▄",
                        (true, true) => " ",
                    };
                    cell.set_symbol(symbol)
                        .set_fg(Color::Reset)
                        .set_bg(Color::Reset);
                }
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const URI: &str =
        "otpauth://totp/licencias:demo?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=licencias";

    #[test]
    fn has_a_quiet_zone_and_fits_beside_text_at_80x24() {
        let q = QrImage::new(URI).unwrap();
        for i in 0..q.size() {
            for j in 0..QUIET_ZONE {
                assert!(!q.is_dark(i, j) && !q.is_dark(j, i));
                assert!(!q.is_dark(i, q.size() - 1 - j) && !q.is_dark(q.size() - 1 - j, i));
            }
        }
        // 24 rows minus the status bar and the title: 22 rows; half the width for text.
        assert!(q.rows() <= 22, "{} rows", q.rows());
        assert!(q.cols() <= 45, "{} cols", q.cols());
    }

    #[test]
    fn does_not_draw_when_too_small_or_ascii() {
        let q = QrImage::new(URI).unwrap();
        let area = Rect::new(0, 0, q.cols() - 1, q.rows());
        let mut buf = Buffer::empty(Rect::new(0, 0, 80, 24));
        assert!(!q.draw(area, &mut buf, &Theme::default()));
        let ascii = Theme {
            color: true,
            ascii: true,
        };
        assert!(!q.draw(Rect::new(0, 0, 80, 24), &mut buf, &ascii));
        assert_eq!(buf, Buffer::empty(Rect::new(0, 0, 80, 24)));
    }
}
