//! The QR code as drawn on a terminal buffer scans back to the exact otpauth
//! URI: the cells of a `TestBackend` are turned into pixels and decoded with
//! rqrr.

use image::{GrayImage, Luma};
use licencias::ui::qr::QrImage;
use licencias::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::widgets::Paragraph;

const URI: &str =
    "otpauth://totp/licencias:demo?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=licencias";

/// Luminance of a cell colour as a terminal shows it. `Reset` is taken from
/// a dark-background terminal (light text on black), the common case.
fn luma(c: Color, is_fg: bool) -> u8 {
    match c {
        Color::Black => 0,
        Color::White => 255,
        Color::Reset if is_fg => 230,
        Color::Reset => 20,
        _ => 128,
    }
}

/// Every cell becomes two pixel rows (upper and lower half) scaled by `scale`.
fn to_image(buf: &Buffer, scale: u32) -> GrayImage {
    let area = buf.area;
    let (w, h) = (u32::from(area.width), u32::from(area.height) * 2);
    let margin = 8 * scale;
    let mut img = GrayImage::from_pixel(w * scale + 2 * margin, h * scale + 2 * margin, Luma([20]));
    for y in 0..area.height {
        for x in 0..area.width {
            let cell = &buf[(x, y)];
            let fg = luma(cell.fg, true);
            let bg = luma(cell.bg, false);
            let (top, bottom) = match cell.symbol() {
                "█" => (fg, fg),
                "▀" => (fg, bg),
                "▄" => (bg, fg),
                _ => (bg, bg),
            };
            for (half, v) in [(0u32, top), (1, bottom)] {
                for dy in 0..scale {
                    for dx in 0..scale {
                        img.put_pixel(
                            margin + u32::from(x) * scale + dx,
                            margin + (u32::from(y) * 2 + half) * scale + dy,
                            Luma([v]),
                        );
                    }
                }
            }
        }
    }
    img
}

fn draw_and_decode(theme: Theme) -> String {
    let qr = QrImage::new(URI).unwrap();
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal
        .draw(|f| {
            let area = Rect::new(1, 1, qr.cols(), qr.rows());
            assert!(qr.draw(area, f.buffer_mut(), &theme));
            let text = Rect::new(qr.cols() + 3, 1, 80 - qr.cols() - 4, 10);
            f.render_widget(
                Paragraph::new("Scan this code with your authenticator app"),
                text,
            );
        })
        .unwrap();
    let img = to_image(terminal.backend().buffer(), 4);
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "expected one QR code in the buffer");
    let (_meta, content) = grids[0].decode().unwrap();
    content
}

#[test]
fn qr_in_colour_decodes_to_the_exact_uri() {
    let theme = Theme {
        color: true,
        ascii: false,
    };
    assert_eq!(draw_and_decode(theme), URI);
}

#[test]
fn qr_without_colour_decodes_on_a_dark_terminal() {
    let theme = Theme {
        color: false,
        ascii: false,
    };
    assert_eq!(draw_and_decode(theme), URI);
}

#[test]
fn qr_fits_beside_text_at_80x24() {
    let qr = QrImage::new(URI).unwrap();
    assert!(qr.rows() <= 22, "{}", qr.rows());
    assert!(80 - qr.cols() >= 34, "{}", qr.cols());
}
