//! Shared pieces: status bar, key hints, toasts, help overlay, step
//! indicator, text fields, layout helpers. All pure: they read the model and
//! draw into the frame's buffer.

use std::borrow::Cow;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Margin, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget, Wrap};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::app::keymap::{self, Context};
use crate::app::{Action, Model, Screen, StoreKind, TextField, ToastLevel};
use crate::i18n::{Catalog, Label};

use super::theme::Theme;

/// A `w` x `h` rectangle centred in `area` (clipped to it).
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// Write `text` from `(x, y)` with `style` patched over the cells, in at
/// most `max` columns; returns the column after the text. What ratatui's
/// `Span` does (control characters dropped, a wide character that does not
/// fit left out), without segmenting ASCII text into graphemes: this is the
/// hot path of every frame.
pub fn put_str(buf: &mut Buffer, x: u16, y: u16, max: u16, text: &str, style: Style) -> u16 {
    let end = x.saturating_add(max).min(buf.area.right());
    if y < buf.area.top() || y >= buf.area.bottom() || x >= end {
        return x;
    }
    if !text.is_ascii() {
        let (next, _) = buf.set_stringn(x, y, text, usize::from(end - x), style);
        return next;
    }
    let mut cx = x;
    for b in text.bytes() {
        if b.is_ascii_control() {
            continue;
        }
        if cx >= end {
            break;
        }
        if let Some(cell) = buf.cell_mut((cx, y)) {
            cell.set_char(char::from(b)).set_style(style);
        }
        cx += 1;
    }
    cx
}

/// Columns `text` takes on screen (control characters none: they are
/// never drawn).
pub fn text_width(text: &str) -> usize {
    if text.is_ascii() {
        text.bytes().filter(|b| !b.is_ascii_control()).count()
    } else {
        text.split(char::is_control)
            .map(UnicodeWidthStr::width)
            .sum()
    }
}

/// Draw `line` in the first row of `area`, as rendering the `Line` widget
/// there would (its style over the row, then its spans, aligned), through
/// [`put_str`]. A left-aligned line too wide for the row is cut and ends
/// with `ellipsis`.
pub fn draw_line(buf: &mut Buffer, area: Rect, line: &Line, ellipsis: &str) {
    let area = area.intersection(buf.area);
    if area.is_empty() {
        return;
    }
    let area = Rect { height: 1, ..area };
    let line_width: usize = line.spans.iter().map(|s| text_width(&s.content)).sum();
    if line_width == 0 {
        return;
    }
    let indent = match line.alignment {
        Some(Alignment::Center) => usize::from(area.width).saturating_sub(line_width) / 2,
        Some(Alignment::Right) => usize::from(area.width).saturating_sub(line_width),
        Some(Alignment::Left) | None => 0,
    };
    if line_width > usize::from(area.width) && indent == 0 && line.alignment.is_some() {
        // Cut on the left (centre or right alignment): rare, let ratatui do it.
        line.render(area, buf);
        return;
    }
    buf.set_style(area, line.style);
    let mut x = area
        .x
        .saturating_add(u16::try_from(indent).unwrap_or(u16::MAX));
    if line_width > usize::from(area.width) {
        draw_cut_spans(buf, area, x, line, ellipsis);
        return;
    }
    for span in &line.spans {
        if x >= area.right() {
            break;
        }
        x = put_str(buf, x, area.y, area.right() - x, &span.content, span.style);
    }
}

/// The spans of a line wider than `area`, from `x`: whole while they fit
/// before the room the ellipsis needs, then the start of the span that does
/// not fit and the ellipsis in its style.
fn draw_cut_spans(buf: &mut Buffer, area: Rect, mut x: u16, line: &Line, ellipsis: &str) {
    let width = usize::from(area.right().saturating_sub(x));
    let ell_w = text_width(ellipsis);
    let mut room = width.saturating_sub(ell_w);
    for span in &line.spans {
        let w = text_width(&span.content);
        if w <= room {
            x = put_str(buf, x, area.y, area.right() - x, &span.content, span.style);
            room -= w;
            continue;
        }
        let start = cut_prefix(&span.content, room);
        x = put_str(buf, x, area.y, area.right() - x, &start, span.style);
        let ell = cut_prefix(ellipsis, usize::from(area.right().saturating_sub(x)));
        put_str(buf, x, area.y, area.right() - x, &ell, span.style);
        return;
    }
}

/// Columns a character takes on screen (control characters none: they are
/// never drawn).
fn char_width(c: char) -> usize {
    if c.is_control() {
        0
    } else {
        UnicodeWidthChar::width(c).unwrap_or(0)
    }
}

/// Byte length of the longest start of `s` that takes at most `room`
/// columns (control characters take none: they are never drawn). A wide
/// character that does not fit whole is left out whole (never split).
fn prefix_len(s: &str, room: usize) -> usize {
    if s.is_ascii() {
        let mut used = 0usize;
        for (i, b) in s.bytes().enumerate() {
            if !b.is_ascii_control() {
                if used == room {
                    return i;
                }
                used += 1;
            }
        }
        return s.len();
    }
    let mut used = 0usize;
    let mut end = s.len();
    for (i, c) in s.char_indices() {
        let w = char_width(c);
        if used + w > room {
            end = i;
            break;
        }
        used += w;
    }
    // Measured as a whole string, a sequence can take more than its chars
    // one by one (emoji with a variation selector): drop from the end.
    while text_width(&s[..end]) > room {
        end = s[..end].char_indices().next_back().map_or(0, |(i, _)| i);
    }
    end
}

/// The longest start of `s` that takes at most `room` columns, control
/// characters left out.
fn cut_prefix(s: &str, room: usize) -> String {
    s[..prefix_len(s, room)]
        .chars()
        .filter(|c| !c.is_control())
        .collect()
}

/// `s` cut to at most `width` columns, ending with `ellipsis` (`…`, or `...`
/// in ASCII mode) when it is cut; borrowed, with no work beyond measuring
/// it, when it fits. Too narrow even for the whole ellipsis, it gets as much
/// of the ellipsis as fits.
pub fn fit_width<'a>(s: &'a str, width: usize, ellipsis: &str) -> Cow<'a, str> {
    if text_width(s) <= width {
        return Cow::Borrowed(s);
    }
    let ell_w = text_width(ellipsis);
    if width < ell_w {
        return Cow::Owned(cut_prefix(ellipsis, width));
    }
    let mut out = cut_prefix(s, width - ell_w);
    out.push_str(ellipsis);
    Cow::Owned(out)
}

/// `line` cut to `width` columns, ending with `ellipsis` in the style of
/// the span it cuts, for a line drawn by a `Paragraph` with no wrapping.
pub fn cut_line(line: Line<'static>, width: usize, ellipsis: &str) -> Line<'static> {
    if line.width() <= width {
        return line;
    }
    let ell_w = text_width(ellipsis);
    let mut room = width.saturating_sub(ell_w);
    let mut spans = Vec::with_capacity(line.spans.len());
    for span in line.spans {
        let w = text_width(&span.content);
        if w <= room {
            room -= w;
            spans.push(span);
            continue;
        }
        let mut start = cut_prefix(&span.content, room);
        start.push_str(&cut_prefix(ellipsis, width.min(ell_w)));
        spans.push(Span::styled(start, span.style));
        break;
    }
    Line { spans, ..line }
}

/// [`fit_width`] with the theme's ellipsis, owned.
pub fn truncate(s: &str, width: usize, theme: &Theme) -> String {
    fit_width(s, width, theme.ellipsis()).into_owned()
}

/// [`put_str`] for a column of `max` cells: a text too wide for it is cut
/// and ends with `ellipsis`. Draws from slices of `text`: nothing is
/// allocated, this is on every row of every frame.
pub fn put_cut(
    buf: &mut Buffer,
    x: u16,
    y: u16,
    max: u16,
    text: &str,
    style: Style,
    ellipsis: &str,
) -> u16 {
    let width = usize::from(max);
    if text_width(text) <= width {
        return put_str(buf, x, y, max, text, style);
    }
    let ell_w = text_width(ellipsis);
    if width < ell_w {
        return put_str(
            buf,
            x,
            y,
            max,
            &ellipsis[..prefix_len(ellipsis, width)],
            style,
        );
    }
    let start = &text[..prefix_len(text, width - ell_w)];
    let next = put_str(buf, x, y, max, start, style);
    put_str(buf, next, y, max - (next - x), ellipsis, style)
}

/// The title of a bordered screen, ` What — name `, that fits on the top
/// border of an `area_width`-wide block: the name is cut (with the
/// ellipsis) first, the whole title only when even the name's first
/// character would not fit.
/// Draw a screen's frame titled "what — name" (the name cut to fit) over
/// `area`, and return the area inside it.
pub fn titled_frame(theme: &Theme, what: &str, name: &str, area: Rect, frame: &mut Frame) -> Rect {
    let block = theme.block(screen_title(theme, what, name, area.width));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}

pub fn screen_title(theme: &Theme, what: &str, name: &str, area_width: u16) -> String {
    let room = usize::from(area_width.saturating_sub(2));
    let fixed = text_width(&theme.screen_title(what, ""));
    let ell_w = text_width(theme.ellipsis());
    if fixed + ell_w.max(1) <= room {
        let name = fit_width(name, room - fixed, theme.ellipsis());
        return theme.screen_title(what, &name);
    }
    truncate(&theme.screen_title(what, name), room, theme)
}

/// One-line key hints of a context: `Enter open  / filter  ? help`. Keys
/// that do nothing right now (no offer to take, nothing scheduled to
/// cancel) are not hinted; the offer's hint says what it does. Hints that
/// do not fit in `width` are left out whole (the help overlay has all).
pub fn hints_line(model: &Model, t: &dyn Catalog, theme: &Theme, width: usize) -> Line<'static> {
    let ctx = model.context();
    let mut spans = Vec::new();
    let mut used = 0usize;
    for b in keymap::hints(ctx) {
        let label = match b.action {
            Action::TakeOffer => match model.wizard().and_then(|w| w.offer()) {
                Some(offer) => t.total_offer(&offer),
                None => continue,
            },
            Action::CancelScheduled if !has_scheduled_change(model) => continue,
            Action::Approve | Action::Reject | Action::CancelRequest | Action::Toggle
                if !review_offers(model, b.action) =>
            {
                continue;
            }
            Action::Confirm if sends_for_approval(model) => {
                t.label(Label::SendForApproval).to_string()
            }
            _ => t.label(b.label).to_string(),
        };
        let key = b.key.to_string();
        let label = format!(" {label}");
        let sep = if spans.is_empty() { 0 } else { 2 };
        let w = sep + key.chars().count() + label.chars().count();
        if used + w > width {
            continue;
        }
        if sep > 0 {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(key, theme.key()));
        spans.push(Span::styled(label, theme.dim()));
        used += w;
    }
    Line::from(spans)
}

/// Whether the approval review on screen offers `action` now.
fn review_offers(model: &Model, action: Action) -> bool {
    let Screen::Approvals(crate::app::ApprovalsState {
        review: Some(r), ..
    }) = model.screen()
    else {
        // The wizard's Toggle, and every other screen's keys.
        return true;
    };
    let own = model.is_own(&r.request);
    let decides = !own && model.is_approver();
    match action {
        Action::Approve => decides && r.can_approve(),
        Action::Reject => decides || r.rejecting,
        Action::CancelRequest => own,
        Action::Toggle => !r.acks.is_empty(),
        _ => true,
    }
}

/// Whether the wizard on screen sends a request for approval.
fn sends_for_approval(model: &Model) -> bool {
    model.wizard().is_some_and(|w| w.second_person)
}

/// Whether the detail on screen shows a scheduled change.
fn has_scheduled_change(model: &Model) -> bool {
    match model.screen() {
        Screen::Detail(d) => model
            .subscription(&d.subscription_id)
            .is_some_and(|s| s.scheduled_change.is_some()),
        _ => false,
    }
}

/// The keys bound to `action` in `ctx` that are plain characters, as
/// `y/s`, for prompts written in sentences.
pub fn char_keys(ctx: Context, action: Action) -> String {
    keymap::bindings(ctx)
        .iter()
        .filter(|b| b.action == action)
        .filter(|b| matches!(b.key.code, crate::app::KeyCode::Char(_)))
        .map(|b| b.key.to_string())
        .collect::<Vec<_>>()
        .join("/")
}

fn keyring_label(kind: StoreKind) -> Label {
    match kind {
        StoreKind::SecretService => Label::KeyringSecretService,
        StoreKind::Keyutils => Label::KeyringKernel,
        StoreKind::Memory => Label::KeyringMemory,
        StoreKind::File => Label::KeyringFile,
    }
}

/// The portal address without the scheme, for the status bar.
fn short_portal(url: &str) -> &str {
    url.split_once("://").map_or(url, |(_, rest)| rest)
}

/// The status bar: portal, user@tenant, session time left, where the tokens
/// are kept, changes in progress; and, right-aligned and only once the list
/// is loaded, the number of subscriptions (the marker the benchmarks wait
/// for). When the bar is too narrow, whole parts are left out, the least
/// important first: portal, token store, session, user.
pub fn status_bar(model: &Model, t: &dyn Catalog, theme: &Theme, area: Rect, frame: &mut Frame) {
    if area.height == 0 {
        return;
    }
    let sep = theme.separator();
    // (text, priority: lower is dropped first), in display order.
    let mut parts: Vec<(String, u8)> = vec![(short_portal(&model.portal_url).to_string(), 0)];
    match model.session.info() {
        Some(info) => {
            parts.push((format!("{}@{}", info.user.username, info.user.tenant), 3));
            if let Some(secs) = model.session_secs_left() {
                parts.push((t.session_left(u64::try_from(secs).unwrap_or(0)), 2));
            }
        }
        None => parts.push((t.label(Label::NotSignedIn).to_string(), 3)),
    }
    if let Some(kind) = model.secret_store {
        parts.push((t.label(keyring_label(kind)).to_string(), 1));
    }
    let pending = model.pending_operations();
    if pending > 0 {
        parts.push((
            format!(
                "{} {}",
                theme.spinner(u64::try_from(model.now.timestamp()).unwrap_or(0)),
                t.pending_count(pending)
            ),
            4,
        ));
    }
    let awaiting = model.awaiting_requests();
    if awaiting > 0 {
        parts.push((t.awaiting_count(awaiting), 4));
    }
    let right = if model.services.loaded_at.is_some() && model.session.is_logged_in() {
        t.subscriptions_count(model.services.rows.len())
    } else {
        String::new()
    };
    let width = usize::from(area.width);
    let right_w = text_width(&right);
    let room = width.saturating_sub(right_w + 1);
    let joined_w = |parts: &[(String, u8)]| -> usize {
        parts.iter().map(|(s, _)| text_width(s)).sum::<usize>()
            + text_width(sep) * parts.len().saturating_sub(1)
    };
    while parts.len() > 1 && joined_w(&parts) > room {
        let lowest = parts
            .iter()
            .enumerate()
            .min_by_key(|(_, (_, p))| *p)
            .map_or(0, |(i, _)| i);
        parts.remove(lowest);
    }
    let left = parts
        .iter()
        .map(|(s, _)| s.as_str())
        .collect::<Vec<_>>()
        .join(sep);
    let left = truncate(&left, room, theme);
    let pad = width.saturating_sub(text_width(&left) + right_w);
    let line = Line::from(vec![
        Span::raw(left),
        Span::raw(" ".repeat(pad)),
        Span::raw(right),
    ]);
    let buf = frame.buffer_mut();
    buf.set_style(area.intersection(buf.area), theme.status_bar());
    draw_line(buf, area, &line, theme.ellipsis());
}

/// Toasts, newest at the bottom, in the bottom-right corner of `area`,
/// inside the frame a screen draws around `area` (one cell in from every
/// edge), so they never cover its border.
pub fn toasts(model: &Model, t: &dyn Catalog, theme: &Theme, area: Rect, frame: &mut Frame) {
    let area = area.inner(Margin::new(1, 1));
    if model.toasts.is_empty() || area.height < 3 {
        return;
    }
    let width = area.width.min(60).max(area.width.min(30));
    let inner_w = usize::from(width.saturating_sub(4)).max(1);
    // Bottom-right, newest lowest, so titles and step indicators stay visible.
    let mut bottom = area.y + area.height;
    for toast in model.toasts.iter().rev().take(3) {
        let text = t.toast(&toast.message, model.policy.time_zone);
        let lines = wrapped_height(&text, inner_w);
        let h = (lines + 2).min(6);
        if bottom < area.y + h {
            break;
        }
        bottom -= h;
        let rect = Rect::new(area.x + area.width - width, bottom, width, h);
        let style = match toast.level {
            ToastLevel::Info => theme.normal(),
            ToastLevel::Success => theme.ok(),
            ToastLevel::Error => theme.error(),
        };
        frame.render_widget(Clear, rect);
        frame.render_widget(
            Paragraph::new(text)
                .style(style)
                .wrap(Wrap { trim: true })
                .block(theme.block("").border_style(style)),
            rect,
        );
    }
}

/// Rows `text` takes when wrapped at `width` (word wrap, approximate).
pub fn wrapped_height(text: &str, width: usize) -> u16 {
    let width = width.max(1);
    let mut rows = 0usize;
    for para in text.split('\n') {
        let mut col = 0usize;
        let mut lines = 1usize;
        for word in para.split_whitespace() {
            let w = word.chars().count();
            if col == 0 {
                col = w;
                lines += w.saturating_sub(1) / width;
                col = if w > width { w % width } else { col };
            } else if col + 1 + w <= width {
                col += 1 + w;
            } else {
                lines += 1 + w.saturating_sub(1) / width;
                col = if w > width { w % width } else { w };
            }
        }
        rows += lines;
    }
    u16::try_from(rows).unwrap_or(u16::MAX)
}

/// The help overlay: every key of the screen under it, from the keymap.
pub fn help_overlay(ctx: Context, t: &dyn Catalog, theme: &Theme, area: Rect, frame: &mut Frame) {
    let rows = keymap::help_rows(ctx);
    let key_col = rows
        .iter()
        .map(|(keys, _)| {
            keys.iter()
                .map(|k| k.to_string().chars().count())
                .sum::<usize>()
                + 2 * keys.len().saturating_sub(1)
        })
        .max()
        .unwrap_or(4);
    let mut lines: Vec<Line> = rows
        .iter()
        .map(|(keys, label)| {
            let keys = keys
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            Line::from(vec![
                Span::styled(format!("{keys:>key_col$}"), theme.key()),
                Span::raw("  "),
                Span::raw(t.label(*label)),
            ])
        })
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled(t.label(Label::HelpFooter), theme.dim()));
    // Too wide for the screen, a row is cut with an ellipsis.
    let room = usize::from(area.width.saturating_sub(4));
    let lines: Vec<Line> = lines
        .into_iter()
        .map(|l| cut_line(l, room, theme.ellipsis()))
        .collect();
    let text_w = lines.iter().map(Line::width).max().unwrap_or(20);
    let w = u16::try_from(text_w + 4).unwrap_or(u16::MAX);
    let h = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let rect = centered(area, w, h);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(theme.block(format!(" {} ", t.label(Label::HelpTitle)))),
        rect,
    );
}

/// The wizard's step indicator: `1 When > 2 New total > [3 Review] > 4 Confirm`.
pub fn step_indicator(current: usize, t: &dyn Catalog, theme: &Theme) -> Line<'static> {
    let steps = [
        Label::StepWhen,
        Label::StepTotal,
        Label::StepReview,
        Label::StepConfirm,
    ];
    let arrow = if theme.ascii { " > " } else { " › " };
    let mut spans = vec![Span::styled(
        format!("{}  ", t.step_of(current + 1, steps.len())),
        theme.dim(),
    )];
    for (i, l) in steps.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(arrow, theme.dim()));
        }
        let text = format!("{} {}", i + 1, t.label(*l));
        if i == current {
            spans.push(Span::styled(format!("[{text}]"), theme.selected()));
        } else if i < current {
            spans.push(Span::styled(text, theme.ok()));
        } else {
            spans.push(Span::styled(text, theme.dim()));
        }
    }
    Line::from(spans)
}

/// The 6-digit code field of the MFA screens, its hint, and "verifying"
/// while the code is being checked (`busy`).
pub fn code_field_lines(
    code: &TextField,
    busy: bool,
    t: &dyn Catalog,
    theme: &Theme,
    width: usize,
) -> Vec<Line<'static>> {
    let label = t.label(Label::Code);
    let mut lines = vec![
        field_line(
            label,
            label.chars().count(),
            code,
            !busy,
            width.min(24),
            theme,
        ),
        Line::styled(t.label(Label::CodeHint), theme.dim()),
    ];
    if busy {
        lines.push(Line::styled(
            theme.text(t.label(Label::Verifying)),
            theme.dim(),
        ));
    }
    lines
}

/// A text field on one line: `Label: value_` with the cursor shown as a
/// reversed cell when focused. Long values scroll to keep the cursor visible.
pub fn field_line(
    label: &str,
    label_width: usize,
    field: &TextField,
    focused: bool,
    width: usize,
    theme: &Theme,
) -> Line<'static> {
    let shown: Vec<char> = if field.is_masked() {
        field.mask(theme.bullet()).chars().collect()
    } else {
        field.value().chars().collect()
    };
    let room = width.saturating_sub(label_width + 3).max(4);
    let cursor = field.cursor().min(shown.len());
    let start = (cursor + 1).saturating_sub(room);
    let visible: String = shown.iter().skip(start).take(room).collect();
    let mut spans = vec![Span::styled(
        format!("{label:>label_width$}: "),
        if focused { theme.key() } else { theme.label() },
    )];
    let field_style = if focused {
        theme.focused()
    } else {
        theme.normal()
    };
    if focused {
        let rel = cursor - start;
        let before: String = visible.chars().take(rel).collect();
        let at: String = visible.chars().nth(rel).map_or(" ".into(), String::from);
        let after: String = visible.chars().skip(rel + 1).collect();
        spans.push(Span::styled(before, field_style));
        spans.push(Span::styled(
            at,
            field_style.add_modifier(ratatui::style::Modifier::REVERSED),
        ));
        spans.push(Span::styled(after, field_style));
    } else {
        let text = if visible.is_empty() {
            "_".repeat(room.min(8))
        } else {
            visible
        };
        spans.push(Span::styled(text, field_style));
    }
    Line::from(spans)
}

/// A checkbox: `[x] text`, wrapped under its text.
pub fn checkbox_lines(
    checked: bool,
    focused: bool,
    text: String,
    width: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let style = if focused {
        theme.selected()
    } else {
        Style::default()
    };
    hanging(
        vec![Span::styled(
            format!(
                "{}{} ",
                if focused { theme.pointer() } else { "  " },
                theme.checkbox(checked)
            ),
            style,
        )],
        vec![Span::styled(text, style)],
        width,
    )
}

/// A button: `[ Confirm ]`, drawn disabled when it cannot be pressed.
pub fn button(text: &str, enabled: bool, focused: bool, theme: &Theme) -> Span<'static> {
    let style = if !enabled {
        theme.disabled()
    } else if focused {
        theme.button()
    } else {
        theme.label()
    };
    Span::styled(format!("[ {text} ]"), style)
}

/// A progress bar of `width` cells for `ratio` in 0..=1.
pub fn progress_bar(ratio: f64, width: usize, theme: &Theme) -> String {
    let ratio = if ratio.is_finite() {
        ratio.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let full = ((width as f64) * ratio).round() as usize;
    let (on, off) = if theme.ascii {
        ('#', '.')
    } else {
        ('█', '░')
    };
    let mut s = String::with_capacity(width + 2);
    s.push('[');
    s.extend(std::iter::repeat_n(on, full.min(width)));
    s.extend(std::iter::repeat_n(off, width.saturating_sub(full)));
    s.push(']');
    s
}

/// Word-wrap `body` after `prefix` into lines of `width` columns, with the
/// continuation lines indented to the width of the prefix (a hanging
/// indent), keeping each span's style.
pub fn hanging(
    prefix: Vec<Span<'static>>,
    body: Vec<Span<'static>>,
    width: usize,
) -> Vec<Line<'static>> {
    let indent: usize = prefix.iter().map(|s| s.content.chars().count()).sum();
    let width = width.max(indent + 8);
    let room = width - indent;
    let mut lines: Vec<Line<'static>> = Vec::new();
    let mut cur: Vec<Span<'static>> = prefix;
    let mut col = indent;
    let mut line_has_word = false;
    for span in body {
        let style = span.style;
        for word in span.content.split_whitespace() {
            let mut word: Vec<char> = word.chars().collect();
            loop {
                let w = word.len();
                let sep = usize::from(line_has_word);
                if line_has_word && col + sep + w > width {
                    lines.push(Line::from(std::mem::take(&mut cur)));
                    cur.push(Span::raw(" ".repeat(indent)));
                    col = indent;
                    line_has_word = false;
                    continue;
                }
                if line_has_word {
                    cur.push(Span::styled(" ", style));
                    col += 1;
                }
                // A word longer than a whole line (a URI) is cut into pieces.
                let take = w.min(room);
                let rest = word.split_off(take);
                cur.push(Span::styled(word.iter().collect::<String>(), style));
                col += take;
                line_has_word = true;
                if rest.is_empty() {
                    break;
                }
                word = rest;
                lines.push(Line::from(std::mem::take(&mut cur)));
                cur.push(Span::raw(" ".repeat(indent)));
                col = indent;
                line_has_word = false;
            }
        }
    }
    lines.push(Line::from(cur));
    lines
}

/// Make `lines` fit `height` rows of `width` columns: wrap the long ones
/// (keeping their indentation), drop blank lines (never the first two),
/// then scroll so that the end (the buttons and the hint under them) stays
/// visible.
pub fn fit(lines: Vec<Line<'static>>, width: usize, height: usize) -> (Vec<Line<'static>>, u16) {
    let mut out: Vec<Line<'static>> = Vec::with_capacity(lines.len());
    for line in lines {
        if line.width() <= width {
            out.push(line);
            continue;
        }
        let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
        let indent = text.len() - text.trim_start().len();
        out.extend(hanging(
            vec![Span::raw(" ".repeat(indent))],
            line.spans,
            width,
        ));
    }
    while out.len() > height {
        match out.iter().skip(2).rposition(|l| l.width() == 0) {
            Some(i) => {
                out.remove(i + 2);
            }
            None => break,
        }
    }
    let over = out.len().saturating_sub(height);
    (out, u16::try_from(over).unwrap_or(u16::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_and_wrapping() {
        let th = Theme::default();
        assert_eq!(truncate("abcdef", 10, &th), "abcdef");
        assert_eq!(truncate("abcdef", 4, &th), "abc…");
        let ascii = Theme {
            color: true,
            ascii: true,
        };
        assert_eq!(truncate("abcdef", 5, &ascii), "ab...");
        assert_eq!(wrapped_height("one two three", 7), 2);
        assert_eq!(wrapped_height("one\ntwo", 20), 2);
    }

    #[test]
    fn a_cut_text_ends_with_the_ellipsis() {
        let name = "Microsoft 365 Business Premium #1000";
        assert_eq!(fit_width(name, 40, "…"), name);
        assert!(matches!(fit_width(name, 40, "…"), Cow::Borrowed(_)));
        assert_eq!(fit_width(name, 31, "…"), "Microsoft 365 Business Premium…");
        assert_eq!(
            fit_width(name, 31, "..."),
            "Microsoft 365 Business Premi..."
        );
        // Exactly as wide as the column: not cut.
        assert_eq!(fit_width("abc", 3, "…"), "abc");
        assert_eq!(fit_width("abcd", 3, "…"), "ab…");
        // Too narrow for the ellipsis itself: as much of it as fits.
        assert_eq!(fit_width("abcdef", 2, "..."), "..");
        assert_eq!(fit_width("abcdef", 0, "…"), "");
        // Control characters are never kept.
        assert_eq!(fit_width("a\u{1b}bcdef", 4, "…"), "abc…");
    }

    #[test]
    fn a_wide_character_is_never_split() {
        // Each ideograph takes two columns.
        assert_eq!(text_width("日本語テキスト"), 14);
        assert_eq!(fit_width("日本語テキスト", 6, "…"), "日本…");
        assert_eq!(fit_width("日本語テキスト", 7, "…"), "日本語…");
        assert_eq!(fit_width("日本語テキスト", 7, "..."), "日本...");
        assert_eq!(fit_width("ab日本", 4, "…"), "ab…");
        assert_eq!(fit_width("Señor Ñandú über", 8, "…"), "Señor Ñ…");
    }

    #[test]
    fn a_line_too_wide_for_its_row_ends_with_the_ellipsis() {
        let row10 = Rect::new(0, 0, 10, 1);
        let mut buf = Buffer::empty(row10);
        let line = Line::from(vec![Span::raw("Services"), Span::raw(" · sorted")]);
        draw_line(&mut buf, row10, &line, "…");
        let row: String = (0..10).map(|x| buf[(x, 0)].symbol().to_string()).collect();
        assert_eq!(row, "Services …");
        let mut buf = Buffer::empty(row10);
        draw_line(&mut buf, row10, &line, "...");
        let row: String = (0..10).map(|x| buf[(x, 0)].symbol().to_string()).collect();
        assert_eq!(row, "Service...");
        // A line that fits is drawn whole, with no ellipsis.
        let row17 = Rect::new(0, 0, 17, 1);
        let mut buf = Buffer::empty(row17);
        draw_line(&mut buf, row17, &line, "…");
        let row: String = (0..17).map(|x| buf[(x, 0)].symbol().to_string()).collect();
        assert_eq!(row, "Services · sorted");
    }

    #[test]
    fn a_paragraph_line_is_cut_with_the_ellipsis_in_its_span_style() {
        let line = Line::from(vec![
            Span::styled("Ctrl-C", Style::new().bold()),
            Span::raw("  "),
            Span::raw("quit from anywhere"),
        ]);
        let cut = cut_line(line.clone(), 14, "…");
        assert_eq!(cut.to_string(), "Ctrl-C  quit …");
        assert_eq!(cut.width(), 14);
        assert_eq!(cut.spans.len(), 3);
        let cut = cut_line(line.clone(), 6, "...");
        assert_eq!(cut.to_string(), "Ctr...");
        assert_eq!(cut.spans[0].style, Style::new().bold());
        assert_eq!(cut_line(line.clone(), 26, "…"), line);
    }

    proptest::proptest! {
        #[test]
        // (No combining mark here: after a control character it is a
        // grapheme of its own, drawn by neither, or joined to the character
        // before once `fit_width` has dropped the control character.)
        fn put_cut_draws_what_fit_width_gives(
            s in "[a-zA-Z0-9 #ñü日本語\\u{1b}]{0,40}",
            width in 0u16..45,
            ascii in proptest::bool::ANY,
        ) {
            let ell = if ascii { "..." } else { "…" };
            let area = Rect::new(0, 0, 50, 1);
            let (mut a, mut b) = (Buffer::empty(area), Buffer::empty(area));
            put_cut(&mut a, 2, 0, width, &s, Style::default(), ell);
            put_str(&mut b, 2, 0, width, &fit_width(&s, usize::from(width), ell), Style::default());
            proptest::prop_assert_eq!(a, b);
        }

        #[test]
        fn fit_width_fits_and_keeps_a_prefix(
            s in "[a-zA-Z0-9 #ñü日本語\u{1b}\u{301}]{0,40}",
            width in 0usize..45,
            ascii in proptest::bool::ANY,
        ) {
            let ell = if ascii { "..." } else { "…" };
            let out = fit_width(&s, width, ell);
            proptest::prop_assert!(text_width(&out) <= width);
            if text_width(&s) <= width {
                proptest::prop_assert_eq!(out.as_ref(), s.as_str());
            } else if width >= text_width(ell) {
                let kept = out.strip_suffix(ell);
                proptest::prop_assert!(kept.is_some());
                let kept = kept.unwrap_or_default();
                let clean: String = s.chars().filter(|c| !c.is_control()).collect();
                proptest::prop_assert!(clean.starts_with(kept));
                // Nothing more would have fitted: the next character is
                // wider than what is left (it is never split).
                let next = clean[kept.len()..].chars().next();
                if let Some(c) = next {
                    proptest::prop_assert!(
                        text_width(kept) + char_width(c) + text_width(ell) > width
                    );
                }
            }
        }
    }

    #[test]
    fn centered_rect_fits() {
        let r = centered(Rect::new(0, 0, 80, 24), 40, 10);
        assert_eq!(r, Rect::new(20, 7, 40, 10));
        let r = centered(Rect::new(0, 0, 30, 5), 40, 10);
        assert_eq!(r, Rect::new(0, 0, 30, 5));
    }

    #[test]
    fn hanging_indent() {
        let lines = hanging(
            vec![Span::raw("ab: ")],
            vec![Span::raw("one two three four")],
            12,
        );
        let text: Vec<String> = lines.iter().map(ToString::to_string).collect();
        assert_eq!(text, vec!["ab: one two", "    three", "    four"]);
        let lines = hanging(vec![Span::raw("u: ")], vec![Span::raw("abcdefghijkl")], 8);
        let text: Vec<String> = lines.iter().map(ToString::to_string).collect();
        assert_eq!(text, vec!["u: abcdefgh", "   ijkl"]);
    }

    #[test]
    fn progress() {
        let th = Theme {
            color: false,
            ascii: true,
        };
        assert_eq!(progress_bar(0.5, 4, &th), "[##..]");
        assert_eq!(progress_bar(2.0, 2, &th), "[##]");
        assert_eq!(progress_bar(f64::NAN, 2, &th), "[..]");
    }
}
