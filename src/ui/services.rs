//! "Servicios": every subscription of every service in one table, with the
//! decrease window, flags, a filter bar and the sort. Only the rows in view
//! are built on each frame, so drawing costs the same for 100 or 10,000.

use std::borrow::Cow;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::{Model, ServiceRow, SortMode};
use crate::domain::WindowStatus;
use crate::i18n::{Catalog, Label};

use super::theme::Theme;
use super::widgets::{draw_line, field_line, put_cut, text_width, truncate};

/// Rows around the table body: title, filter bar, header, footnote (the
/// status bar and the key hints are the other two of the app's six).
const OWN_CHROME: u16 = 4;

/// Width from which the service name gets its own column.
const WIDE: u16 = 110;

pub fn render(model: &Model, t: &dyn Catalog, theme: &Theme, area: Rect, frame: &mut Frame) {
    if area.height < OWN_CHROME + 1 {
        return;
    }
    let s = &model.services;
    let title_area = Rect::new(area.x, area.y, area.width, 1);
    let filter_area = Rect::new(area.x, area.y + 1, area.width, 1);
    let table_area = Rect::new(area.x, area.y + 2, area.width, area.height - OWN_CHROME + 1);
    let foot_area = Rect::new(area.x, area.y + area.height - 1, area.width, 1);

    // -- title: name of the screen, sort, loading / error
    let sort = match s.sort {
        SortMode::Name => Label::SortName,
        SortMode::RenewalDate => Label::SortRenewal,
        SortMode::WindowClosing => Label::SortWindow,
    };
    let mut title = vec![
        Span::styled(t.label(Label::ServicesTitle), theme.title()),
        Span::styled(theme.separator(), theme.dim()),
        Span::styled(format!("{}: ", t.label(Label::SortedBy)), theme.dim()),
        Span::raw(format!("{} {}", t.label(sort), theme.sort_arrow())),
    ];
    if s.request.is_some() {
        title.push(Span::styled(theme.separator(), theme.dim()));
        title.push(Span::styled(
            theme.text(t.label(Label::Loading)),
            theme.dim(),
        ));
    }
    draw_line(
        frame.buffer_mut(),
        title_area,
        &Line::from(title),
        theme.ellipsis(),
    );

    // -- filter bar
    let filter_label = t.label(Label::Filter);
    let count = t.filter_matches(s.view.len(), s.rows.len());
    let fw = usize::from(area.width).saturating_sub(count.chars().count() + 2);
    let mut fl = if s.filter_active || !s.filter.is_empty() {
        field_line(
            &format!("/ {filter_label}"),
            filter_label.chars().count() + 2,
            &s.filter,
            s.filter_active,
            fw.min(50),
            theme,
        )
    } else {
        Line::from(vec![
            Span::styled("/ ", theme.key()),
            Span::styled(t.label(Label::KeyFilter), theme.dim()),
        ])
    };
    if s.filter_active {
        fl.spans.push(Span::styled(
            format!("  {}", t.label(Label::FilterHint)),
            theme.dim(),
        ));
    }
    let count_w = u16::try_from(text_width(&count)).unwrap_or(0);
    // The filter line stops a space before the count (cut with the
    // ellipsis when the hint is longer than that).
    let fl_area = if count_w < area.width {
        Rect {
            width: area.width - count_w - 1,
            ..filter_area
        }
    } else {
        filter_area
    };
    draw_line(frame.buffer_mut(), fl_area, &fl, theme.ellipsis());
    if count_w < area.width {
        draw_line(
            frame.buffer_mut(),
            Rect::new(area.x + area.width - count_w, filter_area.y, count_w, 1),
            &Line::from(Span::styled(count, theme.dim())),
            theme.ellipsis(),
        );
    }

    // -- footnote: zone and flag legend
    let foot = format!(
        "{}{}{} = {}, {} = {}",
        t.zone(model.policy.time_zone),
        theme.separator(),
        flag_letter(t, Label::FlagScheduled),
        t.label(Label::FlagScheduled),
        flag_letter(t, Label::FlagPending),
        t.label(Label::FlagPending)
    );
    draw_line(
        frame.buffer_mut(),
        foot_area,
        &Line::from(Span::styled(
            truncate(&foot, usize::from(area.width), theme),
            theme.dim(),
        )),
        theme.ellipsis(),
    );

    table(model, t, theme, table_area, frame);
}

/// One letter for a flag (the first of its word in the language).
fn flag_letter(t: &dyn Catalog, l: Label) -> String {
    t.label(l)
        .chars()
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default()
}

/// Widest the table gets: on very wide terminals the columns stay close
/// enough to read a row across.
const MAX_TABLE_WIDTH: u16 = 150;

/// No rows to show: say why (loading, nothing there, nothing matches).
fn empty_table(model: &Model, t: &dyn Catalog, theme: &Theme, area: Rect, frame: &mut Frame) {
    let s = &model.services;
    let msg = if s.rows.is_empty() {
        if s.request.is_some() || s.loaded_at.is_none() {
            t.label(Label::Loading)
        } else {
            t.label(Label::NoServices)
        }
    } else {
        t.label(Label::NoMatches)
    };
    let mut lines = vec![Line::raw(""), Line::styled(theme.text(msg), theme.dim())];
    if let Some(f) = &s.error {
        lines.push(Line::styled(
            t.failure(f, model.policy.time_zone),
            theme.error(),
        ));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// The column titles, the sorted one with its arrow.
fn header_texts<'a>(
    model: &Model,
    t: &'a dyn Catalog,
    theme: &Theme,
    wide: bool,
) -> Vec<Cow<'a, str>> {
    let s = &model.services;
    let arrow = theme.sort_arrow();
    let head = |l: Label, sorted: bool| -> Cow<'_, str> {
        if sorted {
            Cow::Owned(format!("{} {arrow}", t.label(l)))
        } else {
            Cow::Borrowed(t.label(l))
        }
    };
    let mut header: Vec<Cow<'_, str>> = vec![Cow::Borrowed("")];
    if wide {
        header.push(Cow::Borrowed(t.label(Label::ColService)));
    }
    header.extend([
        head(Label::ColSubscription, s.sort == SortMode::Name),
        Cow::Borrowed(t.label(Label::ColQuantity)),
        Cow::Borrowed(t.label(Label::ColTerm)),
        head(Label::ColRenewal, s.sort == SortMode::RenewalDate),
        head(
            if wide {
                Label::ColWindow
            } else {
                Label::ColWindowShort
            },
            s.sort == SortMode::WindowClosing,
        ),
        Cow::Owned(format!(
            "{} {}",
            flag_letter(t, Label::FlagScheduled),
            flag_letter(t, Label::FlagPending)
        )),
    ]);
    header
}

fn table(model: &Model, t: &dyn Catalog, theme: &Theme, area: Rect, frame: &mut Frame) {
    let area = Rect {
        width: area.width.min(MAX_TABLE_WIDTH),
        ..area
    };
    let s = &model.services;
    let body = usize::from(area.height.saturating_sub(1));
    if s.view.is_empty() {
        empty_table(model, t, theme, area, frame);
        return;
    }
    let wide = area.width >= WIDE;
    let header = header_texts(model, t, theme, wide);

    let range = s.visible(body);
    let first = range.start;
    let window_label = if wide {
        Label::ColWindow
    } else {
        Label::ColWindowShort
    };
    let mut window_w = t.label(window_label).chars().count() + 2;
    let rows: Vec<RowTexts<'_>> = s
        .visible_rows(body)
        .enumerate()
        .map(|(i, row)| {
            let r = row_texts(model, row, first + i == s.selected, wide, t, theme);
            window_w = window_w.max(r.window.chars().count());
            r
        })
        .collect();
    let window_w = u16::try_from(window_w).unwrap_or(40);
    let mut widths = vec![Constraint::Length(1)];
    if wide {
        widths.push(Constraint::Percentage(18));
    }
    widths.extend([
        Constraint::Min(12),
        Constraint::Length(5),
        Constraint::Length(7),
        Constraint::Length(12),
        Constraint::Length(window_w),
        Constraint::Length(3),
    ]);
    // The columns as ratatui's `Table` lays them out (the layout is cached
    // between frames); the cells are then written straight into the buffer:
    // this table is on screen for every navigation key.
    let columns = Layout::horizontal(widths)
        .flex(Flex::Start)
        .spacing(1)
        .split(Rect::new(0, 0, area.width, 1));
    let buf = frame.buffer_mut();
    let ellipsis = theme.ellipsis();
    // A text wider than its column is cut and ends with the ellipsis.
    let cell = |buf: &mut Buffer, col: usize, y: u16, text: &str, style: Style, right: bool| {
        if let Some(c) = columns.get(col) {
            let x = area.x + c.x;
            let pad = if right {
                u16::try_from(text_width(text)).map_or(0, |w| c.width.saturating_sub(w))
            } else {
                0
            };
            put_cut(buf, x + pad, y, c.width - pad, text, style, ellipsis);
        }
    };
    buf.set_style(
        Rect { height: 1, ..area }.intersection(buf.area),
        theme.label(),
    );
    for (i, h) in header.iter().enumerate() {
        cell(buf, i, area.y, h, Style::default(), false);
    }
    let offset = usize::from(wide);
    for (i, r) in rows.iter().enumerate() {
        let Some(y) = u16::try_from(i + 1).ok().filter(|dy| *dy < area.height) else {
            break;
        };
        let y = area.y + y;
        if r.selected {
            buf.set_style(
                Rect {
                    y,
                    height: 1,
                    ..area
                }
                .intersection(buf.area),
                theme.selected(),
            );
        }
        let plain = Style::default();
        cell(buf, 0, y, r.pointer, plain, false);
        if wide {
            cell(buf, 1, y, r.service, plain, false);
        }
        cell(buf, 1 + offset, y, r.name, plain, false);
        cell(buf, 2 + offset, y, &r.quantity, plain, true);
        cell(buf, 3 + offset, y, r.term, plain, false);
        cell(buf, 4 + offset, y, &r.renewal, plain, false);
        cell(buf, 5 + offset, y, &r.window, r.window_style, false);
        cell(buf, 6 + offset, y, &r.flags, theme.warn(), false);
    }
}

/// The texts of one row of the table, and their styles.
struct RowTexts<'a> {
    selected: bool,
    pointer: &'static str,
    service: &'a str,
    name: &'a str,
    quantity: String,
    term: &'static str,
    renewal: String,
    window: String,
    window_style: Style,
    flags: String,
}

fn row_texts<'a>(
    model: &Model,
    row: &'a ServiceRow,
    selected: bool,
    wide: bool,
    t: &dyn Catalog,
    theme: &Theme,
) -> RowTexts<'a> {
    let sub = &row.sub;
    let window = model.window_of(sub);
    let words = |w: &WindowStatus| {
        if wide {
            t.window_status(w)
        } else {
            t.window_status_short(w)
        }
    };
    let (window_text, window_style) = match &window {
        Some(w @ WindowStatus::Open { days_left, .. }) => (
            words(w),
            if *days_left <= 2 {
                theme.warn()
            } else {
                theme.ok()
            },
        ),
        Some(w @ WindowStatus::Closed { .. }) => (words(w), theme.dim()),
        None => (t.status(sub.status).to_string(), theme.error()),
    };
    let mut flags = String::new();
    if sub.has_scheduled_change {
        flags.push_str(&flag_letter(t, Label::FlagScheduled));
    }
    if sub.has_pending_operation || model.pending_operation_for(&sub.id).is_some() {
        if !flags.is_empty() {
            flags.push(' ');
        }
        flags.push_str(&flag_letter(t, Label::FlagPending));
    }
    RowTexts {
        selected,
        pointer: if selected {
            theme.pointer().trim_end()
        } else {
            ""
        },
        service: &row.service_name,
        name: sub.name.as_str(),
        quantity: sub.quantity.to_string(),
        term: t.term(sub.term),
        renewal: t.date(sub.renewal_date),
        window: window_text,
        window_style: if selected {
            Style::default()
        } else {
            window_style
        },
        flags,
    }
}
