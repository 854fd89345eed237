//! "Administrar suscripción": every field of a subscription in plain words,
//! the decrease window with its dates, the scheduled change (`x` cancels it
//! after a confirmation), the change in progress and the assigned seats.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use crate::api::SubscriptionDto;
use crate::app::keymap;
use crate::app::{Action, Context, DetailState, Model};
use crate::domain::WindowStatus;
use crate::i18n::{Catalog, Label};

use super::theme::Theme;
use super::widgets::{centered, char_keys, fit, hanging, progress_bar, titled_frame};

pub fn render(
    model: &Model,
    state: &DetailState,
    t: &dyn Catalog,
    theme: &Theme,
    area: Rect,
    frame: &mut Frame,
) {
    let inner = titled_frame(
        theme,
        t.label(Label::ManageSubscription),
        &state.name,
        area,
        frame,
    );

    let mut lines: Vec<Line> = Vec::new();
    match model.subscription(&state.subscription_id) {
        None => {
            lines.push(Line::styled(
                theme.text(t.label(Label::Loading)),
                theme.dim(),
            ));
        }
        Some(dto) => fields(
            model,
            state,
            dto,
            t,
            theme,
            usize::from(inner.width),
            &mut lines,
        ),
    }
    if let Some(f) = &state.error {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            t.failure(f, model.policy.time_zone),
            theme.error(),
        ));
    }
    if state.cancel_request.is_some() {
        lines.push(Line::styled(
            theme.text(t.label(Label::Loading)),
            theme.dim(),
        ));
    }
    let (width, height) = (usize::from(inner.width), usize::from(inner.height));
    let (mut lines, scroll) = fit(lines, width, height);
    // The last events go in the rows the fields leave free (never pushing
    // the fields off the top); `h` shows them all.
    let free = height.saturating_sub(lines.len());
    if free >= 3
        && let Some(key) = keymap::key_for(Context::Detail, Action::OpenHistory)
    {
        lines.push(Line::raw(""));
        lines.extend(super::history::recent_lines(
            model,
            &state.subscription_id,
            &key.to_string(),
            t,
            theme,
            width,
            free - 1,
        ));
    }
    frame.render_widget(Paragraph::new(lines).scroll((scroll, 0)), inner);
    if state.confirm_cancel {
        confirm_cancel(t, theme, area, frame);
    }
}

/// The question before cancelling the scheduled change, as a dialog over
/// the detail so it is never cut off.
fn confirm_cancel(t: &dyn Catalog, theme: &Theme, area: Rect, frame: &mut Frame) {
    let w = area.width.min(64);
    let inner_w = usize::from(w.saturating_sub(4));
    let mut lines = hanging(
        Vec::new(),
        vec![Span::styled(
            t.label(Label::CancelScheduledQuestion),
            theme.warn(),
        )],
        inner_w,
    );
    lines.push(Line::raw(""));
    lines.push(Line::from(vec![
        Span::styled(
            char_keys(Context::DetailConfirmCancel, Action::Yes),
            theme.key(),
        ),
        Span::raw(format!(" {}   ", t.label(Label::KeyYes))),
        Span::styled(
            char_keys(Context::DetailConfirmCancel, Action::No),
            theme.key(),
        ),
        Span::raw(format!(" {}", t.label(Label::KeyNo))),
    ]));
    let h = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let rect = centered(area, w, h);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(theme.block(format!(" {} ", t.label(Label::FieldScheduled)))),
        rect,
    );
}

/// The labels of the detail rows, in order (their width aligns the values).
const FIELD_LABELS: [Label; 14] = [
    Label::FieldName,
    Label::FieldQuantity,
    Label::FieldRange,
    Label::FieldTerm,
    Label::FieldBilling,
    Label::FieldTermStart,
    Label::FieldRenewal,
    Label::FieldAutoRenew,
    Label::FieldStatus,
    Label::FieldAssigned,
    Label::FieldWindow,
    Label::FieldScheduled,
    Label::FieldPending,
    Label::FieldId,
];

/// `label: value` rows with the values aligned and wrapped under themselves.
struct Rows<'a> {
    t: &'a dyn Catalog,
    theme: &'a Theme,
    width: usize,
    /// Width of the longest label.
    lw: usize,
}

impl Rows<'_> {
    fn kv(&self, lines: &mut Vec<Line<'static>>, l: Label, v: Vec<Span<'static>>) {
        let lw = self.lw;
        lines.extend(hanging(
            vec![Span::styled(
                format!("{:>lw$}: ", self.t.label(l)),
                self.theme.label(),
            )],
            v,
            self.width,
        ));
    }

    /// Blank space under the labels, for a second line of a value.
    fn indent(&self) -> String {
        " ".repeat(self.lw + 2)
    }

    fn text(&self, l: Label) -> Vec<Span<'static>> {
        vec![Span::raw(self.t.label(l).to_string())]
    }
}

fn fields(
    model: &Model,
    state: &DetailState,
    dto: &SubscriptionDto,
    t: &dyn Catalog,
    theme: &Theme,
    width: usize,
    lines: &mut Vec<Line<'static>>,
) {
    let lw = FIELD_LABELS
        .iter()
        .map(|l| t.label(*l).chars().count())
        .max()
        .unwrap_or(10);
    let rows = Rows {
        t,
        theme,
        width,
        lw,
    };
    plain_fields(&rows, dto, lines);
    window_field(&rows, model, dto, lines);
    scheduled_field(&rows, state, dto, lines);
    pending_field(&rows, model, dto, lines);
    rows.kv(
        lines,
        Label::FieldId,
        vec![Span::styled(dto.id.clone(), theme.dim())],
    );
}

/// Name to assigned seats: one value each.
fn plain_fields(rows: &Rows<'_>, dto: &SubscriptionDto, lines: &mut Vec<Line<'static>>) {
    let (t, theme) = (rows.t, rows.theme);
    let raw = |s: String| vec![Span::raw(s)];
    rows.kv(lines, Label::FieldName, raw(dto.name.clone()));
    rows.kv(
        lines,
        Label::FieldQuantity,
        vec![Span::styled(dto.quantity.to_string(), theme.title())],
    );
    rows.kv(lines, Label::FieldRange, raw(t.range(dto.min, dto.max)));
    rows.kv(lines, Label::FieldTerm, raw(t.term(dto.term).to_string()));
    rows.kv(
        lines,
        Label::FieldBilling,
        raw(t.billing(dto.billing).to_string()),
    );
    rows.kv(lines, Label::FieldTermStart, raw(t.date(dto.term_start)));
    rows.kv(lines, Label::FieldRenewal, raw(t.date(dto.renewal_date)));
    let auto_renew = if dto.auto_renew {
        Label::On
    } else {
        Label::Off
    };
    rows.kv(lines, Label::FieldAutoRenew, rows.text(auto_renew));
    rows.kv(
        lines,
        Label::FieldStatus,
        raw(t.status(dto.status).to_string()),
    );
    let assigned = match dto.assigned {
        Some(a) => raw(t.assigned(a, dto.quantity)),
        None => rows.text(Label::Unknown),
    };
    rows.kv(lines, Label::FieldAssigned, assigned);
}

/// Decrease window: status (coloured) and its dates with the zone.
fn window_field(
    rows: &Rows<'_>,
    model: &Model,
    dto: &SubscriptionDto,
    lines: &mut Vec<Line<'static>>,
) {
    let (t, theme) = (rows.t, rows.theme);
    let window = dto.decrease_window.map(|w| w.status(model.today()));
    let wv = match &window {
        Some(w) => {
            let style = match w {
                WindowStatus::Open { days_left, .. } if *days_left <= 2 => theme.warn(),
                WindowStatus::Open { .. } => theme.ok(),
                WindowStatus::Closed { .. } => theme.dim(),
            };
            vec![Span::styled(t.window_status(w), style)]
        }
        None => rows.text(Label::None),
    };
    rows.kv(lines, Label::FieldWindow, wv);
    if let Some(w) = &window {
        let dates = w.window();
        lines.extend(hanging(
            vec![Span::raw(rows.indent())],
            vec![Span::styled(
                t.window_dates(dates.opens, dates.closes, model.policy.time_zone),
                theme.dim(),
            )],
            rows.width,
        ));
    }
}

/// Scheduled change, with the key that cancels it (from the keymap).
fn scheduled_field(
    rows: &Rows<'_>,
    state: &DetailState,
    dto: &SubscriptionDto,
    lines: &mut Vec<Line<'static>>,
) {
    let (t, theme) = (rows.t, rows.theme);
    let sv = match &dto.scheduled_change {
        Some(c) => {
            vec![Span::styled(
                t.scheduled_change(c.quantity, c.effective_date),
                theme.warn(),
            )]
        }
        None => rows.text(Label::None),
    };
    rows.kv(lines, Label::FieldScheduled, sv);
    let cancel_key = keymap::key_for(Context::Detail, Action::CancelScheduled);
    if let Some(key) = cancel_key
        && dto.scheduled_change.is_some()
        && !state.confirm_cancel
    {
        lines.push(Line::from(vec![
            Span::raw(rows.indent()),
            Span::styled(key.to_string(), theme.key()),
            Span::styled(
                format!(" {}", t.label(Label::CancelScheduledHint)),
                theme.dim(),
            ),
        ]));
    }
}

/// The change in progress: the app's tracker when there is one, else the
/// portal's view of it.
fn pending_field(
    rows: &Rows<'_>,
    model: &Model,
    dto: &SubscriptionDto,
    lines: &mut Vec<Line<'static>>,
) {
    let (t, theme) = (rows.t, rows.theme);
    let sla = model.policy.provisioning_sla_seconds;
    let mut progress: Option<String> = None;
    let pv = if let Some(op) = model.pending_operation_for(&dto.id) {
        let elapsed = u64::try_from(op.elapsed_secs(model.now)).unwrap_or(0);
        progress = Some(format!(
            "{} {}",
            progress_bar(elapsed as f64 / sla.max(1) as f64, 10, theme),
            t.elapsed_of_sla(elapsed, sla)
        ));
        vec![Span::styled(
            t.pending_operation(op.target_quantity, op.status),
            theme.warn(),
        )]
    } else if let Some(op) = &dto.pending_operation {
        let elapsed = u64::try_from(
            model
                .now
                .signed_duration_since(op.submitted_at)
                .num_seconds()
                .max(0),
        )
        .unwrap_or(0);
        progress = Some(t.elapsed_of_sla(elapsed, sla));
        vec![Span::styled(
            t.pending_operation(op.target_quantity, op.status),
            theme.warn(),
        )]
    } else {
        rows.text(Label::None)
    };
    rows.kv(lines, Label::FieldPending, pv);
    if let Some(p) = progress {
        lines.push(Line::from(vec![Span::raw(rows.indent()), Span::raw(p)]));
    }
}
