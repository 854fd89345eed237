//! "Servicios": every subscription of every service in one table, with the
//! decrease window, flags, a filter bar and the sort. Only the rows in view
//! are built on each frame, so drawing costs the same for 100 or 10,000.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use crate::app::{Model, ServiceRow, SortMode};
use crate::domain::WindowStatus;
use crate::i18n::{Catalog, Label};

use super::theme::Theme;
use super::widgets::{field_line, truncate};

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
    frame.render_widget(Paragraph::new(Line::from(title)), title_area);

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
    frame.render_widget(Paragraph::new(fl), filter_area);
    let count_w = u16::try_from(count.chars().count()).unwrap_or(0);
    if count_w < area.width {
        frame.render_widget(
            Paragraph::new(Span::styled(count, theme.dim())),
            Rect::new(area.x + area.width - count_w, filter_area.y, count_w, 1),
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
    frame.render_widget(
        Paragraph::new(Span::styled(
            truncate(&foot, usize::from(area.width), theme),
            theme.dim(),
        )),
        foot_area,
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

fn table(model: &Model, t: &dyn Catalog, theme: &Theme, area: Rect, frame: &mut Frame) {
    let area = Rect {
        width: area.width.min(MAX_TABLE_WIDTH),
        ..area
    };
    let s = &model.services;
    let body = usize::from(area.height.saturating_sub(1));
    if s.view.is_empty() {
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
        return;
    }
    let wide = area.width >= WIDE;
    let arrow = theme.sort_arrow();
    let head = |l: Label, sorted: bool| {
        if sorted {
            format!("{} {arrow}", t.label(l))
        } else {
            t.label(l).to_string()
        }
    };
    let mut header = vec![Cell::from("")];
    if wide {
        header.push(Cell::from(t.label(Label::ColService)));
    }
    header.extend([
        Cell::from(head(Label::ColSubscription, s.sort == SortMode::Name)),
        Cell::from(t.label(Label::ColQuantity)),
        Cell::from(t.label(Label::ColTerm)),
        Cell::from(head(Label::ColRenewal, s.sort == SortMode::RenewalDate)),
        Cell::from(head(
            if wide {
                Label::ColWindow
            } else {
                Label::ColWindowShort
            },
            s.sort == SortMode::WindowClosing,
        )),
        Cell::from(format!(
            "{} {}",
            flag_letter(t, Label::FlagScheduled),
            flag_letter(t, Label::FlagPending)
        )),
    ]);

    let range = s.visible(body);
    let first = range.start;
    let mut rows = Vec::with_capacity(range.len());
    let window_label = if wide {
        Label::ColWindow
    } else {
        Label::ColWindowShort
    };
    let mut window_w = t.label(window_label).chars().count() + 2;
    for (i, row) in s.visible_rows(body).enumerate() {
        let selected = first + i == s.selected;
        let (r, w) = build_row(model, row, selected, wide, t, theme);
        window_w = window_w.max(w);
        rows.push(r);
    }
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
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(theme.label()))
        .column_spacing(1);
    frame.render_widget(table, area);
}

fn build_row<'a>(
    model: &Model,
    row: &'a ServiceRow,
    selected: bool,
    wide: bool,
    t: &dyn Catalog,
    theme: &Theme,
) -> (Row<'a>, usize) {
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
    let window_w = window_text.chars().count();
    let pointer = if selected {
        theme.pointer().trim_end()
    } else {
        ""
    };
    let mut cells = vec![Cell::from(pointer)];
    if wide {
        cells.push(Cell::from(row.service_name.as_str()));
    }
    cells.extend([
        Cell::from(sub.name.as_str()),
        Cell::from(Line::from(sub.quantity.to_string()).right_aligned()),
        Cell::from(t.term(sub.term)),
        Cell::from(t.date(sub.renewal_date)),
        Cell::from(Span::styled(
            window_text,
            if selected {
                Style::default()
            } else {
                window_style
            },
        )),
        Cell::from(Span::styled(flags, theme.warn())),
    ]);
    let r = Row::new(cells);
    let r = if selected {
        r.style(theme.selected())
    } else {
        r
    };
    (r, window_w)
}
