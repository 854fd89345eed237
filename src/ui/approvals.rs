//! "Approvals": the tenant's change requests awaiting approval, and the
//! review of one (the wizard's review, with the warnings computed again
//! against the subscription as it is now, each to tick), where an approver
//! approves or rejects with a reason and a requester cancels their own.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::api::ChangeRequestDto;
use crate::app::keymap::{self, Context};
use crate::app::{Action, ApprovalReview, ApprovalsState, Model};
use crate::i18n::{Catalog, Label, change_preview};

use super::theme::Theme;
use super::widgets::{checkbox_lines, cut_line, field_line, fit, hanging, titled_frame};

/// Text from the portal, without control characters.
fn clean(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}

pub fn render(
    model: &Model,
    state: &ApprovalsState,
    t: &dyn Catalog,
    theme: &Theme,
    area: Rect,
    frame: &mut Frame,
) {
    let name = match &state.review {
        Some(r) => clean(&r.request.subscription_name),
        None => t.awaiting_count(model.approvals.requests.as_ref().map_or(0, Vec::len)),
    };
    let inner = titled_frame(theme, t.label(Label::ApprovalsTitle), &name, area, frame);
    let (width, height) = (usize::from(inner.width), usize::from(inner.height));
    let lines = match &state.review {
        Some(r) => review_lines(model, r, t, theme, width),
        None => list_lines(model, state, t, theme, width, height),
    };
    let (lines, scroll) = fit(lines, width, height);
    frame.render_widget(Paragraph::new(lines).scroll((scroll, 0)), inner);
}

/// `2 h`, `3 d`: how long ago, or how long until.
fn span_of(t: &dyn Catalog, secs: i64) -> String {
    let secs = u64::try_from(secs.max(0)).unwrap_or(0);
    if secs >= 86_400 {
        format!("{} d", secs / 86_400)
    } else {
        t.duration(secs - secs % 60)
    }
}

/// One request in two lines: what, then who, how long it has waited and
/// until when it may be approved.
fn request_lines(
    model: &Model,
    r: &ChangeRequestDto,
    selected: bool,
    t: &dyn Catalog,
    theme: &Theme,
    width: usize,
) -> [Line<'static>; 2] {
    let pad = theme.pointer().chars().count();
    let mark = if selected {
        theme.pointer().to_string()
    } else {
        " ".repeat(pad)
    };
    let style = if selected {
        theme.selected()
    } else {
        ratatui::style::Style::default()
    };
    let first = Line::from(vec![
        Span::styled(mark, style),
        Span::styled(clean(&r.subscription_name), style),
        Span::raw(format!(
            "  {}  {}: {}",
            change_preview(r.from, r.quantity),
            t.label(Label::ColEffective),
            t.date(r.effective_date)
        )),
    ]);
    let second = Line::styled(
        format!(
            "{}{}: {}  {}: {}  {}: {}",
            " ".repeat(pad + 2),
            t.label(Label::ColRequestedBy),
            clean(&r.requested_by.display_name),
            t.label(Label::ColAge),
            span_of(t, (model.now - r.requested_at).num_seconds()),
            t.label(Label::ColExpires),
            t.date_time(r.expires_at, model.policy.time_zone),
        ),
        theme.dim(),
    );
    [
        cut_line(first, width, theme.ellipsis()),
        cut_line(second, width, theme.ellipsis()),
    ]
}

fn list_lines(
    model: &Model,
    state: &ApprovalsState,
    t: &dyn Catalog,
    theme: &Theme,
    width: usize,
    height: usize,
) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    if let Some(f) = &model.approvals.error {
        lines.push(Line::styled(
            t.failure(f, model.policy.time_zone),
            theme.error(),
        ));
    }
    let Some(list) = &model.approvals.requests else {
        lines.push(Line::styled(
            theme.text(t.label(Label::Loading)).into_owned(),
            theme.dim(),
        ));
        return lines;
    };
    if list.is_empty() {
        lines.push(Line::styled(t.label(Label::NoApprovals), theme.dim()));
        return lines;
    }
    let rows = (height.saturating_sub(lines.len()) / 2).max(1);
    let start = state.selected.saturating_sub(rows - 1);
    for (i, r) in list.iter().enumerate().skip(start).take(rows) {
        lines.extend(request_lines(
            model,
            r,
            i == state.selected,
            t,
            theme,
            width,
        ));
    }
    lines
}

fn review_lines(
    model: &Model,
    r: &ApprovalReview,
    t: &dyn Catalog,
    theme: &Theme,
    width: usize,
) -> Vec<Line<'static>> {
    let tz = model.policy.time_zone;
    let mut lines: Vec<Line<'static>> = Vec::new();
    let cr = &r.request;
    lines.extend(hanging(
        Vec::new(),
        vec![Span::styled(t.request_status(cr, tz), theme.dim())],
        width,
    ));
    lines.push(Line::from(vec![
        Span::styled(
            format!("{}: ", t.label(Label::ColRequestedBy)),
            theme.label(),
        ),
        Span::raw(format!(
            "{}  ({})",
            clean(&cr.requested_by.display_name),
            t.date_time(cr.requested_at, tz)
        )),
    ]));
    if let Some(reference) = &cr.approval_reference {
        lines.push(Line::from(vec![
            Span::styled(
                format!("{}: ", t.label(Label::ApprovalReference)),
                theme.label(),
            ),
            Span::raw(clean(reference)),
        ]));
    }
    lines.push(Line::raw(""));
    match &r.plan {
        None => lines.push(Line::styled(
            theme.text(t.label(Label::CheckingNow)).into_owned(),
            theme.dim(),
        )),
        Some(Err(refusal)) => {
            lines.push(Line::styled(t.label(Label::NoLongerAllowed), theme.error()));
            lines.extend(hanging(
                vec![Span::raw("  ")],
                vec![Span::styled(t.refusal(refusal, tz), theme.error())],
                width,
            ));
        }
        Some(Ok(plan)) => {
            let mut summary = Vec::new();
            super::wizard::summary(model, plan, t, theme, width, &mut summary);
            lines.extend(summary);
            if !plan.warnings.is_empty() {
                lines.push(Line::raw(""));
                lines.push(Line::styled(t.label(Label::ReviewWarnings), theme.warn()));
                for (i, w) in plan.warnings.iter().enumerate() {
                    lines.extend(checkbox_lines(
                        r.acks.get(i).copied().unwrap_or(false),
                        i == r.focus && !r.rejecting,
                        t.warning(w),
                        width,
                        theme,
                    ));
                }
            }
        }
    }
    lines.push(Line::raw(""));
    let key = |action| {
        keymap::key_for(Context::ApprovalReview, action).map_or_else(String::new, |k| k.to_string())
    };
    let note = if model.is_own(cr) {
        Some((t.label(Label::OwnRequest).to_string(), theme.warn()))
    } else if !model.is_approver() {
        Some((t.label(Label::NotApprover).to_string(), theme.warn()))
    } else if r.rejecting {
        None
    } else if r.can_approve() {
        let text = t.approve_ready(&key(Action::Approve), &key(Action::Reject));
        Some((text, theme.ok()))
    } else if matches!(r.plan, Some(Ok(_))) {
        Some((t.label(Label::ApproveDisabled).to_string(), theme.dim()))
    } else {
        None
    };
    if let Some((text, style)) = note {
        lines.extend(hanging(Vec::new(), vec![Span::styled(text, style)], width));
    }
    if r.rejecting {
        let label = t.label(Label::RejectReason);
        lines.push(field_line(
            label,
            label.chars().count(),
            &r.reason,
            r.decision.is_none(),
            width,
            theme,
        ));
    }
    if r.decision.is_some() {
        lines.push(Line::styled(
            theme.text(t.label(Label::Loading)).into_owned(),
            theme.dim(),
        ));
    }
    if let Some(f) = &r.error {
        lines.extend(hanging(
            Vec::new(),
            vec![Span::styled(t.failure(f, tz), theme.error())],
            width,
        ));
    }
    lines
}
