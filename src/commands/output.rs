//! Where a command writes: the result on stdout (a table in the user's
//! language, or exactly one JSON document), messages and progress on stderr.
//! Tables are plain text (no colour, no box drawing) and fit the terminal's
//! width when stdout is a terminal.

use std::io::{BufRead, IsTerminal, Write};

use serde::Serialize;
use zeroize::Zeroizing;

/// Widest a column is cut to when the table does not fit.
const MIN_COLUMN: usize = 8;

/// The standard streams of this run.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub stdout_tty: bool,
    pub stderr_tty: bool,
    pub stdin_tty: bool,
}

/// How a column's cells line up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A table: a header row and rows of cells, one column may shrink.
#[derive(Debug, Clone)]
pub struct Table {
    pub headers: Vec<String>,
    pub align: Vec<Align>,
    pub rows: Vec<Vec<String>>,
    /// The column cut first (with `…`) when the table is wider than the terminal.
    pub flexible: usize,
}

fn width_of(s: &str) -> usize {
    s.chars().count()
}

fn cut(s: &str, width: usize) -> String {
    if width_of(s) <= width {
        return s.to_string();
    }
    let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

impl Table {
    /// Narrow the columns until the table fits `max`, one cell at a time
    /// from the widest of the flexible column and the columns of words
    /// (left-aligned, some cell with a space; the flexible one first on a
    /// tie), never below [`MIN_COLUMN`]. Numbers and identifiers (a single word per cell) are
    /// never cut: a table that still does not fit wraps in the terminal.
    fn fit(&self, widths: &mut [usize], max: usize) {
        let columns = widths.len();
        let words: Vec<bool> = (0..columns)
            .map(|i| {
                self.align.get(i).copied().unwrap_or(Align::Left) == Align::Left
                    && self
                        .rows
                        .iter()
                        .any(|r| r.get(i).is_some_and(|c| c.trim().contains(' ')))
            })
            .collect();
        let total = |w: &[usize]| w.iter().sum::<usize>() + 2 * columns.saturating_sub(1);
        while total(widths) > max {
            let pick = (0..columns)
                .filter(|&i| (i == self.flexible || words[i]) && widths[i] > MIN_COLUMN)
                .max_by_key(|&i| (widths[i], i == self.flexible, std::cmp::Reverse(i)));
            match pick {
                Some(i) => widths[i] -= 1,
                None => break,
            }
        }
    }

    /// The table as lines, `max_width` wide at most when given.
    pub fn render(&self, max_width: Option<usize>) -> String {
        let columns = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| width_of(h)).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(columns) {
                widths[i] = widths[i].max(width_of(cell));
            }
        }
        if let Some(max) = max_width {
            self.fit(&mut widths, max);
        }
        let mut out = String::new();
        let mut line = |cells: &[String]| {
            let mut text = String::new();
            for (i, width) in widths.iter().enumerate() {
                let cell = cut(cells.get(i).map_or("", String::as_str), *width);
                let pad = width - width_of(&cell);
                let last = i + 1 == columns;
                if i > 0 {
                    text.push_str("  ");
                }
                match self.align.get(i).copied().unwrap_or(Align::Left) {
                    Align::Right => {
                        text.push_str(&" ".repeat(pad));
                        text.push_str(&cell);
                    }
                    Align::Left => {
                        text.push_str(&cell);
                        if !last {
                            text.push_str(&" ".repeat(pad));
                        }
                    }
                }
            }
            out.push_str(text.trim_end());
            out.push('\n');
        };
        line(&self.headers);
        for row in &self.rows {
            line(row);
        }
        out
    }
}

impl Output {
    pub fn detect() -> Self {
        Self {
            stdout_tty: std::io::stdout().is_terminal(),
            stderr_tty: std::io::stderr().is_terminal(),
            stdin_tty: std::io::stdin().is_terminal(),
        }
    }

    /// Can the user be asked something?
    pub fn interactive(&self) -> bool {
        self.stdin_tty && self.stderr_tty
    }

    /// The width tables must fit: the terminal's, only when stdout is one.
    pub fn table_width(&self) -> Option<usize> {
        if !self.stdout_tty {
            return None;
        }
        crossterm::terminal::size()
            .ok()
            .map(|(cols, _)| usize::from(cols))
            .filter(|c| *c > 0)
    }

    /// The result, on stdout (a closed pipe is not an error worth a message).
    pub fn result(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        if !text.ends_with('\n') {
            let _ = out.write_all(b"\n");
        }
        let _ = out.flush();
    }

    /// Exactly one JSON document on stdout.
    pub fn json<T: Serialize + ?Sized>(&self, value: &T) {
        let mut out = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
        if serde_json::to_writer(&mut out, value).is_ok() {
            let _ = out.write_all(b"\n");
        }
        let _ = out.flush();
    }

    /// A table on stdout.
    pub fn table(&self, table: &Table) {
        self.result(&table.render(self.table_width()));
    }

    /// A message on stderr.
    pub fn note(&self, text: &str) {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{text}");
        let _ = err.flush();
    }

    /// Ask on stderr, read one line from stdin (without its line end).
    pub fn ask(&self, prompt: &str) -> std::io::Result<String> {
        {
            let mut err = std::io::stderr().lock();
            write!(err, "{prompt}")?;
            err.flush()?;
        }
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }

    /// Ask without echoing what is typed (a password).
    pub fn ask_hidden(&self, prompt: &str) -> std::io::Result<Zeroizing<String>> {
        {
            let mut err = std::io::stderr().lock();
            write!(err, "{prompt}")?;
            err.flush()?;
        }
        let line = read_hidden_line()?;
        self.note("");
        Ok(line)
    }
}

/// Read the first line of stdin (`--password-stdin`).
pub fn read_stdin_line() -> std::io::Result<Zeroizing<String>> {
    let mut line = Zeroizing::new(String::new());
    std::io::stdin().lock().read_line(&mut line)?;
    let end = line.trim_end_matches(['\r', '\n']).len();
    line.truncate(end);
    Ok(line)
}

/// One line from the terminal with echo off (raw mode, so nothing typed is
/// shown); Ctrl-C or Ctrl-D cancels.
fn read_hidden_line() -> std::io::Result<Zeroizing<String>> {
    use crossterm::event::{Event, KeyCode, KeyEventKind, KeyModifiers, read};
    crossterm::terminal::enable_raw_mode()?;
    let mut line = Zeroizing::new(String::new());
    let result = loop {
        match read() {
            Ok(Event::Key(k)) if k.kind != KeyEventKind::Release => match k.code {
                KeyCode::Enter => break Ok(()),
                KeyCode::Backspace => {
                    line.pop();
                }
                KeyCode::Char('c' | 'd') if k.modifiers.contains(KeyModifiers::CONTROL) => {
                    break Err(std::io::Error::new(
                        std::io::ErrorKind::Interrupted,
                        "cancelled",
                    ));
                }
                KeyCode::Char(c) => line.push(c),
                _ => {}
            },
            Ok(_) => {}
            Err(e) => break Err(e),
        }
    };
    let restored = crossterm::terminal::disable_raw_mode();
    result?;
    restored?;
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wide_table_fits_the_terminal_cutting_words_not_ids_or_numbers() {
        let t = Table {
            headers: vec![
                "Service".into(),
                "Subscription".into(),
                "Id".into(),
                "Qty".into(),
                "Window".into(),
            ],
            align: vec![
                Align::Left,
                Align::Left,
                Align::Left,
                Align::Right,
                Align::Left,
            ],
            rows: vec![vec![
                "Microsoft 365 Apps".into(),
                "Microsoft 365 Business Premium #1000".into(),
                "sub-gen-01000".into(),
                "298".into(),
                "closes in 4 days".into(),
            ]],
            flexible: 1,
        };
        let text = t.render(Some(60));
        for line in text.lines() {
            assert!(width_of(line) <= 60, "{line:?} is {} wide", width_of(line));
        }
        assert!(
            text.contains("sub-gen-01000") && text.contains("298"),
            "{text}"
        );
        // Too narrow for what must stay whole: ids and numbers are kept.
        let text = t.render(Some(20));
        assert!(
            text.contains("sub-gen-01000") && text.contains("298"),
            "{text}"
        );
    }

    fn table() -> Table {
        Table {
            headers: vec!["Name".into(), "Qty".into()],
            align: vec![Align::Left, Align::Right],
            rows: vec![
                vec!["Microsoft 365 Business Standard".into(), "10".into()],
                vec!["F3".into(), "298".into()],
            ],
            flexible: 0,
        }
    }

    #[test]
    fn columns_line_up_and_numbers_align_right() {
        let text = table().render(None);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "Name                             Qty");
        assert_eq!(lines[1], "Microsoft 365 Business Standard   10");
        assert_eq!(lines[2], "F3                               298");
    }

    #[test]
    fn a_narrow_terminal_cuts_the_flexible_column() {
        let text = table().render(Some(20));
        for l in text.lines() {
            assert!(l.chars().count() <= 20, "{l:?}");
        }
        assert!(text.contains('…'));
        assert!(text.contains("298"));
    }
}
