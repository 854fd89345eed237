//! `TtyBackend`: the ratatui backend the terminal interface draws through.
//!
//! ratatui diffs each frame against the previous one and hands the backend
//! only the cells that changed. ratatui's crossterm backend then writes one
//! cursor move for every run of changed cells and spells colours the long way;
//! over a slow SSH link, bytes are latency. This backend writes the same screen
//! with fewer bytes and less work:
//!
//! - it keeps a copy of what the terminal shows (`shadow`), so a short gap of
//!   unchanged cells between two changes on one row is rewritten from that copy
//!   when that is cheaper than a cursor move (`\x1b[12;40H` is 8 bytes; two
//!   spaces are 2);
//! - graphic renditions are combined into one `ESC [ ... m`, the 16 ANSI colours
//!   use their short codes (`31`, `97`, `44`), and a rendition is only written
//!   when it changes (removing attributes picks the shorter of the "off" codes
//!   or a reset);
//! - the cursor's visibility is remembered, so a frame does not hide it again;
//! - the terminal size is cached and updated from resize events, instead of an
//!   `open("/dev/tty")` + `ioctl` per frame;
//! - a frame goes out in one `write` (the output is built in memory).
//!
//! Everything else (raw mode, the alternate screen, input) stays with crossterm.

use std::io::{self, Write};

use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::{Buffer, Cell, CellDiffOption, CellWidth};
use ratatui::layout::{Position, Rect, Size};
use ratatui::style::{Color, Modifier};

/// The rendition (colours and attributes) the terminal is drawing with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pen {
    fg: Color,
    bg: Color,
    underline: Color,
    modifier: Modifier,
}

impl Pen {
    const DEFAULT: Pen = Pen {
        fg: Color::Reset,
        bg: Color::Reset,
        underline: Color::Reset,
        modifier: Modifier::empty(),
    };

    fn of(cell: &Cell) -> Pen {
        Pen {
            fg: cell.fg,
            bg: cell.bg,
            underline: cell.underline_color,
            modifier: cell.modifier,
        }
    }
}

/// Which layer a colour is for (foreground, background, underline).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layer {
    Fg,
    Bg,
    Underline,
}

/// A ratatui backend writing to `W` (the terminal's standard output in the app,
/// a `Vec<u8>` in tests). See the module documentation.
pub struct TtyBackend<W: Write> {
    out: W,
    enc: Encoder,
    /// What the terminal shows (as far as this backend has drawn it).
    shadow: Buffer,
    size: Size,
    cursor_visible: Option<bool>,
    /// Changed positions `(y, x)` of the frame being drawn (reused between
    /// frames).
    changed: Vec<(u16, u16)>,
}

/// The bytes of the frame being built, and the terminal state they leave.
struct Encoder {
    buf: Vec<u8>,
    pen: Pen,
    /// Where the terminal's cursor is (`None`: unknown, e.g. after a write in
    /// the last column, where terminals differ).
    cursor: Option<Position>,
    /// Columns on the screen.
    width: u16,
    /// Scratch space for SGR parameters.
    params: Vec<SgrParam>,
    reset: Vec<SgrParam>,
}

/// A run of at most this many unchanged cells is rewritten rather than
/// jumped over when it costs fewer bytes (longer gaps always move).
const MAX_GAP: u16 = 12;

impl Encoder {
    fn push_num(&mut self, n: u32) {
        let mut digits = [0u8; 10];
        let mut i = digits.len();
        let mut n = n;
        loop {
            i -= 1;
            // `n % 10` is a single digit.
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.buf.extend_from_slice(&digits[i..]);
    }

    fn move_to(&mut self, x: u16, y: u16) {
        self.buf.extend_from_slice(b"\x1b[");
        self.push_num(u32::from(y) + 1);
        self.buf.push(b';');
        self.push_num(u32::from(x) + 1);
        self.buf.push(b'H');
        self.cursor = Some(Position { x, y });
    }

    /// Write the SGR sequence that takes the terminal from `self.pen` to `to`
    /// (the changes, or a reset and the whole of `to`, whichever is shorter).
    fn set_pen(&mut self, to: Pen) {
        if self.pen == to {
            return;
        }
        let mut params = std::mem::take(&mut self.params);
        let mut reset = std::mem::take(&mut self.reset);
        params.clear();
        reset.clear();
        sgr_changes(self.pen, to, &mut params);
        reset.push(SgrParam::Reset);
        sgr_changes(Pen::DEFAULT, to, &mut reset);
        let shorter = if sgr_len(&reset) < sgr_len(&params) {
            &reset
        } else {
            &params
        };
        self.buf.extend_from_slice(b"\x1b[");
        for (i, p) in shorter.iter().enumerate() {
            if i > 0 {
                self.buf.push(b';');
            }
            self.push_param(*p);
        }
        self.buf.push(b'm');
        self.pen = to;
        self.params = params;
        self.reset = reset;
    }

    fn push_param(&mut self, p: SgrParam) {
        match p {
            SgrParam::Reset => self.buf.push(b'0'),
            SgrParam::Code(c) => self.push_num(u32::from(c)),
            SgrParam::Indexed(layer, i) => {
                self.push_num(extended_base(layer));
                self.buf.extend_from_slice(b";5;");
                self.push_num(u32::from(i));
            }
            SgrParam::Rgb(layer, r, g, b) => {
                self.push_num(extended_base(layer));
                self.buf.extend_from_slice(b";2;");
                self.push_num(u32::from(r));
                self.buf.push(b';');
                self.push_num(u32::from(g));
                self.buf.push(b';');
                self.push_num(u32::from(b));
            }
        }
    }

    /// Write `cell` at the cursor (already at `(x, y)`) and advance it.
    fn put(&mut self, x: u16, y: u16, cell: &Cell) {
        self.set_pen(Pen::of(cell));
        let symbol = cell.symbol();
        let width = display_width(symbol);
        if symbol.is_empty() {
            self.buf.push(b' ');
        } else if symbol.contains(char::is_control) {
            // Never pass a control character through to the terminal
            // (ratatui's text widgets drop them already).
            self.buf.push(b'?');
        } else {
            self.buf.extend_from_slice(symbol.as_bytes());
        }
        let next = x.saturating_add(width.max(1));
        // After the last column the cursor's position differs between
        // terminals (pending wrap), and a zero-width symbol may not move it:
        // forget it, so the next write moves explicitly.
        let known = (width > 0 || symbol.is_empty()) && cell.diff_option == CellDiffOption::None;
        self.cursor = (next < self.width && known).then_some(Position { x: next, y });
    }
}

impl<W: Write> TtyBackend<W> {
    /// A backend for a terminal of `size` whose screen is blank (just cleared,
    /// or a new alternate screen).
    pub fn new(out: W, size: Size) -> Self {
        Self {
            out,
            enc: Encoder {
                buf: Vec::with_capacity(16 * 1024),
                pen: Pen::DEFAULT,
                cursor: None,
                width: size.width,
                params: Vec::with_capacity(16),
                reset: Vec::with_capacity(16),
            },
            shadow: Buffer::empty(Rect::new(0, 0, size.width, size.height)),
            size,
            cursor_visible: None,
            changed: Vec::new(),
        }
    }

    /// The terminal was resized (from the resize event): the next frame is
    /// drawn for `size` (ratatui then clears the screen and redraws it all).
    pub fn set_size(&mut self, size: Size) {
        self.size = size;
    }

    /// The writer (tests read what was written).
    pub fn writer(&self) -> &W {
        &self.out
    }

    /// Whether `(x, y)` is the trailing half of a wide character on screen.
    fn covered(&self, x: u16, y: u16) -> bool {
        (1..=2u16).any(|back| {
            x.checked_sub(back)
                .and_then(|lead| self.shadow.cell(Position { x: lead, y }))
                .is_some_and(|c| display_width(c.symbol()) > back)
        })
    }

    /// Bytes needed to rewrite the unchanged cells `from..to` of row `y`;
    /// `None` when they cannot be rewritten safely (a wide character, a cell
    /// ratatui skips) or the gap is long.
    fn gap_cost(&self, from: u16, to: u16, y: u16) -> Option<usize> {
        if to <= from || to - from > MAX_GAP {
            return None;
        }
        let mut pen = self.enc.pen;
        let mut cost = 0;
        let mut params = Vec::new();
        for x in from..to {
            let cell = self.shadow.cell(Position { x, y })?;
            let symbol = cell.symbol();
            if cell.diff_option != CellDiffOption::None
                || display_width(symbol) != 1
                || symbol.contains(char::is_control)
            {
                return None;
            }
            let p = Pen::of(cell);
            if p != pen {
                params.clear();
                sgr_changes(pen, p, &mut params);
                cost += sgr_len(&params) + 3;
                pen = p;
            }
            cost += symbol.len();
        }
        Some(cost)
    }
}

fn move_cost(x: u16, y: u16) -> usize {
    4 + digits(u32::from(y) + 1) + digits(u32::from(x) + 1)
}

/// Display width of a cell's symbol, as ratatui's diff counts it (0 for an
/// empty one).
fn display_width(symbol: &str) -> u16 {
    if symbol.is_empty() || symbol.contains(char::is_control) {
        return 0;
    }
    symbol.cell_width()
}

fn digits(n: u32) -> usize {
    match n {
        0..=9 => 1,
        10..=99 => 2,
        100..=999 => 3,
        1000..=9999 => 4,
        _ => 5,
    }
}

/// One parameter of an SGR sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SgrParam {
    Reset,
    Code(u8),
    Indexed(Layer, u8),
    Rgb(Layer, u8, u8, u8),
}

fn extended_base(layer: Layer) -> u32 {
    match layer {
        Layer::Fg => 38,
        Layer::Bg => 48,
        Layer::Underline => 58,
    }
}

/// Length in bytes of the parameters joined by `;` (without `ESC [` and `m`).
fn sgr_len(params: &[SgrParam]) -> usize {
    let one = |p: &SgrParam| match *p {
        SgrParam::Reset => 1,
        SgrParam::Code(c) => digits(u32::from(c)),
        SgrParam::Indexed(_, i) => 5 + digits(u32::from(i)),
        SgrParam::Rgb(_, r, g, b) => {
            7 + digits(u32::from(r)) + digits(u32::from(g)) + digits(u32::from(b))
        }
    };
    params.iter().map(one).sum::<usize>() + params.len().saturating_sub(1)
}

/// The parameters that take a terminal drawing with `from` to `to`, without
/// a reset.
fn sgr_changes(from: Pen, to: Pen, out: &mut Vec<SgrParam>) {
    let removed = from.modifier - to.modifier;
    let mut add = to.modifier - from.modifier;
    // Each "off" code and what it turns off; 22 and 25 turn off two
    // attributes each: the one that stays is put back.
    for (mask, off) in [
        (Modifier::BOLD | Modifier::DIM, 22),
        (Modifier::ITALIC, 23),
        (Modifier::UNDERLINED, 24),
        (Modifier::SLOW_BLINK | Modifier::RAPID_BLINK, 25),
        (Modifier::REVERSED, 27),
        (Modifier::HIDDEN, 28),
        (Modifier::CROSSED_OUT, 29),
    ] {
        if removed.intersects(mask) {
            out.push(SgrParam::Code(off));
            add |= to.modifier & mask;
        }
    }
    for (m, code) in [
        (Modifier::BOLD, 1),
        (Modifier::DIM, 2),
        (Modifier::ITALIC, 3),
        (Modifier::UNDERLINED, 4),
        (Modifier::SLOW_BLINK, 5),
        (Modifier::RAPID_BLINK, 6),
        (Modifier::REVERSED, 7),
        (Modifier::HIDDEN, 8),
        (Modifier::CROSSED_OUT, 9),
    ] {
        if add.contains(m) {
            out.push(SgrParam::Code(code));
        }
    }
    if from.fg != to.fg {
        out.push(color_param(Layer::Fg, to.fg));
    }
    if from.bg != to.bg {
        out.push(color_param(Layer::Bg, to.bg));
    }
    if from.underline != to.underline {
        out.push(color_param(Layer::Underline, to.underline));
    }
}

/// The shortest parameter for a colour on a layer.
fn color_param(layer: Layer, color: Color) -> SgrParam {
    // The 16 ANSI colours as (normal, bright) index.
    let ansi = match color {
        Color::Reset => {
            return SgrParam::Code(match layer {
                Layer::Fg => 39,
                Layer::Bg => 49,
                Layer::Underline => 59,
            });
        }
        Color::Black => 0,
        Color::Red => 1,
        Color::Green => 2,
        Color::Yellow => 3,
        Color::Blue => 4,
        Color::Magenta => 5,
        Color::Cyan => 6,
        Color::Gray => 7,
        Color::DarkGray => 8,
        Color::LightRed => 9,
        Color::LightGreen => 10,
        Color::LightYellow => 11,
        Color::LightBlue => 12,
        Color::LightMagenta => 13,
        Color::LightCyan => 14,
        Color::White => 15,
        Color::Indexed(i) => return SgrParam::Indexed(layer, i),
        Color::Rgb(r, g, b) => return SgrParam::Rgb(layer, r, g, b),
    };
    match layer {
        // The underline colour has no short codes.
        Layer::Underline => SgrParam::Indexed(layer, ansi),
        Layer::Fg if ansi < 8 => SgrParam::Code(30 + ansi),
        Layer::Fg => SgrParam::Code(90 + ansi - 8),
        Layer::Bg if ansi < 8 => SgrParam::Code(40 + ansi),
        Layer::Bg => SgrParam::Code(100 + ansi - 8),
    }
}

impl<W: Write> Backend for TtyBackend<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        // First bring the copy of the screen up to date, so that the gaps
        // between changes are known as they will be on the terminal.
        let mut changed = std::mem::take(&mut self.changed);
        changed.clear();
        for (x, y, cell) in content {
            let width = display_width(cell.symbol()).max(1);
            let end = x.saturating_add(width);
            for p in x..end {
                // What the new symbol covers: a wide character there loses
                // its other half, which terminals blank with whatever
                // rendition is current; write such cells again, as they
                // should look.
                let was = self
                    .shadow
                    .cell(Position { x: p, y })
                    .map_or(1, |c| display_width(c.symbol()).max(1));
                for q in end.max(p + 1)..p.saturating_add(was) {
                    changed.push((y, q));
                }
                if p > x {
                    // The trailing half of the new wide character.
                    if let Some(c) = self.shadow.cell_mut(Position { x: p, y }) {
                        c.reset();
                    }
                }
            }
            if let Some(c) = self.shadow.cell_mut(Position { x, y }) {
                c.clone_from(cell);
                changed.push((y, x));
            }
        }
        changed.sort_unstable();
        changed.dedup();
        for &(y, x) in &changed {
            if self.covered(x, y) {
                // Part of a wide character already written.
                continue;
            }
            match self.enc.cursor {
                Some(c) if c.y == y && c.x == x => {}
                Some(c) if c.y == y && c.x < x => {
                    let fill = self.gap_cost(c.x, x, y);
                    if fill.is_some_and(|f| f <= move_cost(x, y)) {
                        for gx in c.x..x {
                            if let Some(cell) = self.shadow.cell(Position { x: gx, y }) {
                                self.enc.put(gx, y, cell);
                            }
                        }
                    } else {
                        self.enc.move_to(x, y);
                    }
                }
                _ => self.enc.move_to(x, y),
            }
            if let Some(cell) = self.shadow.cell(Position { x, y }) {
                self.enc.put(x, y, cell);
            }
        }
        self.changed = changed;
        // Leave the terminal's rendition at its default between frames, so
        // nothing written outside a frame (a panic message) inherits colours.
        self.enc.set_pen(Pen::DEFAULT);
        Ok(())
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        if self.cursor_visible != Some(false) {
            self.enc.buf.extend_from_slice(b"\x1b[?25l");
            self.cursor_visible = Some(false);
        }
        Ok(())
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        if self.cursor_visible != Some(true) {
            self.enc.buf.extend_from_slice(b"\x1b[?25h");
            self.cursor_visible = Some(true);
        }
        Ok(())
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        match self.enc.cursor {
            Some(p) => Ok(p),
            None => {
                self.flush()?;
                let (x, y) = crossterm::cursor::position()?;
                Ok(Position { x, y })
            }
        }
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        let p = position.into();
        if self.enc.cursor != Some(p) {
            self.enc.move_to(p.x, p.y);
        }
        Ok(())
    }

    fn clear(&mut self) -> io::Result<()> {
        self.clear_region(ClearType::All)
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        // Erased cells take the current background: erase with the default.
        self.enc.set_pen(Pen::DEFAULT);
        self.enc.width = self.size.width;
        let area = Rect::new(0, 0, self.size.width, self.size.height);
        let cursor = self.enc.cursor;
        let blank_row_from = |shadow: &mut Buffer, y: u16, from: u16, to: u16| {
            for x in from..to {
                if let Some(c) = shadow.cell_mut(Position { x, y }) {
                    c.reset();
                }
            }
        };
        match clear_type {
            ClearType::All => {
                self.enc.buf.extend_from_slice(b"\x1b[2J");
                self.shadow = Buffer::empty(area);
            }
            ClearType::AfterCursor
            | ClearType::BeforeCursor
            | ClearType::CurrentLine
            | ClearType::UntilNewLine => {
                let Some(at) = cursor else {
                    // Unknown cursor: clear everything, the next frame redraws.
                    self.enc.buf.extend_from_slice(b"\x1b[2J");
                    self.shadow = Buffer::empty(area);
                    return Ok(());
                };
                let (code, w, h) = (
                    match clear_type {
                        ClearType::AfterCursor => "\x1b[0J",
                        ClearType::BeforeCursor => "\x1b[1J",
                        ClearType::CurrentLine => "\x1b[2K",
                        _ => "\x1b[0K",
                    },
                    self.shadow.area.width,
                    self.shadow.area.height,
                );
                self.enc.buf.extend_from_slice(code.as_bytes());
                match clear_type {
                    ClearType::AfterCursor => {
                        blank_row_from(&mut self.shadow, at.y, at.x, w);
                        for y in at.y + 1..h {
                            blank_row_from(&mut self.shadow, y, 0, w);
                        }
                    }
                    ClearType::BeforeCursor => {
                        for y in 0..at.y {
                            blank_row_from(&mut self.shadow, y, 0, w);
                        }
                        blank_row_from(&mut self.shadow, at.y, 0, at.x.saturating_add(1));
                    }
                    ClearType::CurrentLine => blank_row_from(&mut self.shadow, at.y, 0, w),
                    _ => blank_row_from(&mut self.shadow, at.y, at.x, w),
                }
            }
        }
        Ok(())
    }

    fn size(&self) -> io::Result<Size> {
        Ok(self.size)
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        let ws = crossterm::terminal::window_size()?;
        Ok(WindowSize {
            columns_rows: Size {
                width: ws.columns,
                height: ws.rows,
            },
            pixels: Size {
                width: ws.width,
                height: ws.height,
            },
        })
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.enc.buf.is_empty() {
            self.out.write_all(&self.enc.buf)?;
            self.enc.buf.clear();
        }
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use ratatui::Terminal;
    use ratatui::style::Style;

    /// A terminal emulator's view of what the backend wrote, cell by cell,
    /// against the buffer ratatui meant to show.
    fn assert_screen_matches(parser: &vt100::Parser, buf: &Buffer) {
        let screen = parser.screen();
        for y in 0..buf.area.height {
            let mut skip = 0u16;
            for x in 0..buf.area.width {
                if skip > 0 {
                    // The trailing half of a wide character.
                    skip -= 1;
                    continue;
                }
                let Some(want) = buf.cell(Position { x, y }) else {
                    continue;
                };
                skip = display_width(want.symbol()).saturating_sub(1);
                let Some(got) = screen.cell(y, x) else {
                    panic!("no cell at {x},{y}");
                };
                let contents = if got.contents().is_empty() {
                    " "
                } else {
                    got.contents()
                };
                let at = format!("at {x},{y}: want {want:?}");
                assert_eq!(contents, want.symbol(), "{at}");
                assert_eq!(got.fgcolor(), vt_color(want.fg), "fg {at}");
                assert_eq!(got.bgcolor(), vt_color(want.bg), "bg {at}");
                let m = want.modifier;
                assert_eq!(got.bold(), m.contains(Modifier::BOLD), "bold {at}");
                assert_eq!(got.dim(), m.contains(Modifier::DIM), "dim {at}");
                assert_eq!(got.italic(), m.contains(Modifier::ITALIC), "italic {at}");
                assert_eq!(
                    got.underline(),
                    m.contains(Modifier::UNDERLINED),
                    "underline {at}"
                );
                assert_eq!(
                    got.inverse(),
                    m.contains(Modifier::REVERSED),
                    "reversed {at}"
                );
            }
        }
    }

    fn vt_color(c: Color) -> vt100::Color {
        match c {
            Color::Reset => vt100::Color::Default,
            Color::Black => vt100::Color::Idx(0),
            Color::Red => vt100::Color::Idx(1),
            Color::Green => vt100::Color::Idx(2),
            Color::Yellow => vt100::Color::Idx(3),
            Color::Blue => vt100::Color::Idx(4),
            Color::Magenta => vt100::Color::Idx(5),
            Color::Cyan => vt100::Color::Idx(6),
            Color::Gray => vt100::Color::Idx(7),
            Color::DarkGray => vt100::Color::Idx(8),
            Color::LightRed => vt100::Color::Idx(9),
            Color::LightGreen => vt100::Color::Idx(10),
            Color::LightYellow => vt100::Color::Idx(11),
            Color::LightBlue => vt100::Color::Idx(12),
            Color::LightMagenta => vt100::Color::Idx(13),
            Color::LightCyan => vt100::Color::Idx(14),
            Color::White => vt100::Color::Idx(15),
            Color::Indexed(i) => vt100::Color::Idx(i),
            Color::Rgb(r, g, b) => vt100::Color::Rgb(r, g, b),
        }
    }

    /// One run of text written into a frame.
    #[derive(Debug, Clone)]
    struct Stroke {
        x: u16,
        y: u16,
        text: String,
        style: Style,
    }

    fn color() -> impl Strategy<Value = Color> {
        prop_oneof![
            Just(Color::Reset),
            Just(Color::Blue),
            Just(Color::DarkGray),
            Just(Color::White),
            Just(Color::Yellow),
            (0u8..=255).prop_map(Color::Indexed),
            (0u8..=255, 0u8..=255, 0u8..=255).prop_map(|(r, g, b)| Color::Rgb(r, g, b)),
        ]
    }

    fn style() -> impl Strategy<Value = Style> {
        (color(), color(), 0u16..32).prop_map(|(fg, bg, bits)| {
            let mut m = Modifier::empty();
            for (i, one) in [
                Modifier::BOLD,
                Modifier::DIM,
                Modifier::ITALIC,
                Modifier::UNDERLINED,
                Modifier::REVERSED,
            ]
            .into_iter()
            .enumerate()
            {
                if bits & (1 << i) != 0 {
                    m |= one;
                }
            }
            // Bold and faint share one "intensity" in the emulator used
            // here (as in ECMA-48); the app never asks for both.
            if m.contains(Modifier::BOLD) {
                m.remove(Modifier::DIM);
            }
            Style::default().fg(fg).bg(bg).add_modifier(m)
        })
    }

    fn stroke(w: u16, h: u16) -> impl Strategy<Value = Stroke> {
        (0..w, 0..h, "[ ab  xé名─]{0,14}", style()).prop_map(|(x, y, text, style)| Stroke {
            x,
            y,
            text,
            style,
        })
    }

    const W: u16 = 24;
    const H: u16 = 6;

    fn frames() -> impl Strategy<Value = Vec<Vec<Stroke>>> {
        prop::collection::vec(prop::collection::vec(stroke(W, H), 0..12), 1..5)
    }

    fn draw(term: &mut Terminal<TtyBackend<Vec<u8>>>, strokes: &[Stroke]) -> Buffer {
        let mut drawn = Buffer::empty(Rect::new(0, 0, 0, 0));
        if let Err(e) = term.draw(|f| {
            for s in strokes {
                let room = usize::from(f.area().width.saturating_sub(s.x));
                f.buffer_mut().set_stringn(s.x, s.y, &s.text, room, s.style);
            }
            // Overlapping strokes add up attributes; keep one intensity.
            for c in &mut f.buffer_mut().content {
                if c.modifier.contains(Modifier::BOLD) {
                    c.modifier.remove(Modifier::DIM);
                }
            }
            // A stroke that starts on the right half of another's wide
            // character leaves a buffer no terminal can show (both halves
            // written); blank the wide character, as a terminal would.
            let buf = f.buffer_mut();
            let w = buf.area.width;
            for y in 0..buf.area.height {
                for x in 0..w.saturating_sub(1) {
                    let wide = buf
                        .cell(Position { x, y })
                        .is_some_and(|c| display_width(c.symbol()) > 1);
                    let trailer_written = buf
                        .cell(Position { x: x + 1, y })
                        .is_some_and(|c| c.symbol() != " ");
                    if wide
                        && trailer_written
                        && let Some(c) = buf.cell_mut(Position { x, y })
                    {
                        c.set_symbol(" ");
                    }
                }
            }
            drawn = f.buffer_mut().clone();
        }) {
            panic!("draw: {e}");
        }
        drawn
    }

    fn new_term(w: u16, h: u16) -> Terminal<TtyBackend<Vec<u8>>> {
        match Terminal::new(TtyBackend::new(
            Vec::new(),
            Size {
                width: w,
                height: h,
            },
        )) {
            Ok(t) => t,
            Err(e) => panic!("terminal: {e}"),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(
            std::env::var("FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(300)
        ))]

        /// Whatever sequence of frames is drawn, a terminal fed the bytes
        /// shows exactly the last frame (text, colours, attributes).
        #[test]
        fn the_terminal_shows_every_frame_exactly(frames in frames()) {
            let mut term = new_term(W, H);
            let mut parser = vt100::Parser::new(H, W, 0);
            let mut seen = 0;
            for strokes in &frames {
                let want = draw(&mut term, strokes);
                let out = term.backend().writer();
                parser.process(&out[seen..]);
                seen = out.len();
                assert_screen_matches(&parser, &want);
            }
        }
    }

    #[test]
    fn a_resize_redraws_the_whole_screen_at_the_new_size() {
        let mut term = new_term(20, 5);
        let mut parser = vt100::Parser::new(5, 20, 0);
        let strokes = vec![Stroke {
            x: 2,
            y: 1,
            text: "hello".into(),
            style: Style::default().fg(Color::Red),
        }];
        let want = draw(&mut term, &strokes);
        parser.process(term.backend().writer());
        assert_screen_matches(&parser, &want);
        let seen = term.backend().writer().len();
        term.backend_mut().set_size(Size {
            width: 30,
            height: 8,
        });
        parser.screen_mut().set_size(8, 30);
        let mut strokes = strokes;
        strokes.push(Stroke {
            x: 25,
            y: 7,
            text: "end".into(),
            style: Style::default().bg(Color::Blue),
        });
        let want = draw(&mut term, &strokes);
        assert_eq!(want.area, Rect::new(0, 0, 30, 8));
        parser.process(&term.backend().writer()[seen..]);
        assert_screen_matches(&parser, &want);
    }

    #[test]
    fn short_gaps_are_rewritten_long_ones_jumped() {
        let mut term = new_term(40, 2);
        let strokes = vec![
            Stroke {
                x: 0,
                y: 0,
                text: "ab  cd".into(),
                style: Style::default(),
            },
            Stroke {
                x: 30,
                y: 0,
                text: "far".into(),
                style: Style::default(),
            },
        ];
        draw(&mut term, &strokes);
        let out = String::from_utf8_lossy(term.backend().writer()).to_string();
        // The two blanks between "ab" and "cd" are written, not jumped over;
        // the 24 before "far" are jumped over with one cursor move.
        assert!(out.contains("ab  cd"), "{out:?}");
        assert!(out.contains("\x1b[1;31Hfar"), "{out:?}");
    }

    #[test]
    fn colours_use_the_short_codes_and_one_sequence() {
        let mut term = new_term(10, 1);
        let strokes = vec![Stroke {
            x: 0,
            y: 0,
            text: "x".into(),
            style: Style::default()
                .fg(Color::White)
                .bg(Color::Blue)
                .add_modifier(Modifier::BOLD),
        }];
        draw(&mut term, &strokes);
        let out = String::from_utf8_lossy(term.backend().writer()).to_string();
        assert!(out.contains("\x1b[1;97;44mx\x1b[0m"), "{out:?}");
    }

    #[test]
    fn the_cursor_is_hidden_once_not_every_frame() {
        let mut term = new_term(10, 1);
        for text in ["a", "b", "c"] {
            draw(
                &mut term,
                &[Stroke {
                    x: 0,
                    y: 0,
                    text: text.into(),
                    style: Style::default(),
                }],
            );
        }
        let out = String::from_utf8_lossy(term.backend().writer()).to_string();
        assert_eq!(out.matches("\x1b[?25l").count(), 1, "{out:?}");
    }

    #[test]
    fn removing_attributes_picks_the_shorter_sequence() {
        let bold_red = Pen {
            modifier: Modifier::BOLD | Modifier::UNDERLINED,
            fg: Color::Red,
            ..Pen::DEFAULT
        };
        let mut enc = Encoder {
            buf: Vec::new(),
            pen: bold_red,
            cursor: None,
            width: 80,
            params: Vec::new(),
            reset: Vec::new(),
        };
        // To plain: a reset (`0`) is shorter than `22;24;39`.
        enc.set_pen(Pen::DEFAULT);
        assert_eq!(enc.buf, b"\x1b[0m");
        // Bold off, colours kept: `22` is shorter than `0;31;44`.
        enc.buf.clear();
        let colours = Pen {
            fg: Color::Red,
            bg: Color::Blue,
            ..Pen::DEFAULT
        };
        enc.pen = Pen {
            modifier: Modifier::BOLD,
            ..colours
        };
        enc.set_pen(colours);
        assert_eq!(enc.buf, b"\x1b[22m");
    }
}
