//! "Cambiar": the change wizard. Steps: When -> New total -> Review ->
//! Confirm (sending, then the tracker and the result). The step indicator and
//! the buttons use the portal's words (Siguiente, Confirmar).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::{DoneOutcome, Model, ReviewFocus, ReviewState, Wizard, WizardStep};
use crate::domain::{ChangePlan, Effective, EntryError, Refusal, WindowStatus};
use crate::i18n::{Catalog, Label, change_preview, review_facts};

use super::theme::Theme;
use super::widgets::{
    button, checkbox_lines, field_line, fit, hanging, progress_bar, step_indicator, titled_frame,
};

pub fn render(
    model: &Model,
    wizard: &Wizard,
    t: &dyn Catalog,
    theme: &Theme,
    area: Rect,
    frame: &mut Frame,
) {
    let inner = titled_frame(theme, t.label(Label::Change), &wizard.sub.name, area, frame);
    let width = usize::from(inner.width);

    // The indicator counts from 0; the model's step number from 1.
    let step = wizard.step_number().0.saturating_sub(1);
    let mut lines: Vec<Line> = vec![step_indicator(step, t, theme), Line::raw("")];
    if let Some(e) = &wizard.error {
        lines.push(Line::styled(
            t.wizard_error(e, wizard.sub.quantity, model.policy.time_zone),
            theme.error(),
        ));
        lines.push(Line::raw(""));
    }
    match &wizard.step {
        WizardStep::When => when(model, wizard, t, theme, &mut lines),
        WizardStep::Total { plan } => total(model, wizard, plan, t, theme, width, &mut lines),
        WizardStep::Review(review) => {
            review_lines(model, wizard, review, false, t, theme, width, &mut lines);
        }
        WizardStep::Submitting { review, .. } => {
            review_lines(model, wizard, review, true, t, theme, width, &mut lines);
            lines.push(Line::raw(""));
            lines.push(Line::styled(
                format!(
                    "{} {}",
                    theme.spinner(u64::try_from(model.now.timestamp()).unwrap_or(0)),
                    theme.text(t.label(Label::Submitting))
                ),
                theme.warn(),
            ));
        }
        WizardStep::Tracking {
            plan, operation_id, ..
        } => tracking(model, plan, operation_id, t, theme, width, &mut lines),
        WizardStep::Done { plan, outcome } => {
            summary(model, plan, t, theme, width, &mut lines);
            lines.push(Line::raw(""));
            let text = match outcome {
                DoneOutcome::Applied(op) => t.change_applied(op.target_quantity),
                DoneOutcome::Scheduled(sc) => t.change_scheduled(sc.quantity, sc.effective_date),
            };
            lines.push(Line::styled(text, theme.ok()));
        }
        WizardStep::AwaitingApproval { plan, request_id } => {
            awaiting(model, plan, request_id, t, theme, width, &mut lines);
        }
        WizardStep::Failed { plan, operation } => {
            summary(model, plan, t, theme, width, &mut lines);
            lines.push(Line::raw(""));
            lines.push(Line::from(vec![
                Span::styled(format!("{}: ", t.label(Label::TrackResult)), theme.label()),
                Span::styled(t.operation_status(operation.status), theme.error()),
            ]));
            lines.push(Line::styled(t.label(Label::ChangeFailed), theme.error()));
        }
    }
    let (lines, scroll) = fit(lines, width, usize::from(inner.height));
    frame.render_widget(Paragraph::new(lines).scroll((scroll, 0)), inner);
}

/// a. Now (preselected) or at the next renewal.
fn when(model: &Model, wizard: &Wizard, t: &dyn Catalog, theme: &Theme, lines: &mut Vec<Line>) {
    let now = wizard.input.when == Effective::Now;
    lines.push(Line::styled(t.label(Label::WhenQuestion), theme.label()));
    lines.push(Line::raw(""));
    let option = |on: bool, text: String| {
        let style = if on { theme.selected() } else { theme.normal() };
        Line::from(vec![
            Span::styled(if on { theme.pointer() } else { "  " }, style),
            Span::styled(format!("{} {text}", theme.radio(on)), style),
        ])
    };
    lines.push(option(now, format!("1  {}", t.label(Label::WhenNow))));
    lines.push(Line::styled(
        format!("        {}", t.label(Label::WhenNowExplain)),
        theme.dim(),
    ));
    let window = wizard.sub.decrease_window.map(|w| w.status(model.today()));
    if let Some(WindowStatus::Closed { opens, .. }) = window {
        lines.push(Line::styled(
            format!("        {}", t.now_increases_only_until(opens)),
            theme.warn(),
        ));
    }
    lines.push(Line::raw(""));
    lines.push(option(
        !now,
        format!("2  {}", t.when_renewal(wizard.sub.renewal_date)),
    ));
    if !wizard.sub.auto_renew {
        lines.push(Line::styled(
            format!(
                "        {}",
                t.refusal(
                    &Refusal::AutoRenewDisabled {
                        renewal_date: wizard.sub.renewal_date
                    },
                    model.policy.time_zone
                )
            ),
            theme.warn(),
        ));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(vec![
        button(t.label(Label::Back), true, false, theme),
        Span::raw("  "),
        button(t.label(Label::Next), true, true, theme),
    ]));
}

/// b. The new TOTAL, with the live preview or the refusal as the user types.
fn total(
    model: &Model,
    wizard: &Wizard,
    plan: &Result<ChangePlan, Refusal>,
    t: &dyn Catalog,
    theme: &Theme,
    width: usize,
    lines: &mut Vec<Line>,
) {
    let when = wizard.input.when;
    let date = match when {
        Effective::Now => model.today(),
        Effective::AtRenewal => wizard.sub.renewal_date,
    };
    lines.push(Line::from(vec![
        Span::raw(t.current_total(wizard.sub.quantity)),
        Span::styled(
            format!(
                "  {}: {}",
                t.label(Label::ReviewEffective),
                t.effective(when, date)
            ),
            theme.dim(),
        ),
    ]));
    lines.push(Line::raw(""));
    lines.push(Line::styled(t.label(Label::TotalLabel), theme.label()));
    lines.push(Line::styled(t.label(Label::TotalExample), theme.dim()));
    let label = t.label(Label::StepTotal);
    lines.push(field_line(
        label,
        label.chars().count(),
        &wizard.input.entry,
        true,
        width.min(40),
        theme,
    ));
    match plan {
        Ok(p) => {
            lines.push(Line::styled(
                format!("  {}", change_preview(p.from, p.to)),
                theme.ok(),
            ));
            // Warnings show as soon as they apply; Review asks to tick them.
            for w in &p.warnings {
                lines.extend(hanging(
                    vec![Span::raw("  ")],
                    vec![Span::styled(t.warning(w), theme.warn())],
                    width,
                ));
            }
        }
        Err(Refusal::Entry(EntryError::Empty)) => lines.push(Line::styled(
            format!("  {}", t.entry_error(&EntryError::Empty)),
            theme.dim(),
        )),
        Err(r) => lines.extend(hanging(
            vec![Span::raw("  ")],
            vec![Span::styled(
                t.refusal(r, model.policy.time_zone),
                theme.error(),
            )],
            width,
        )),
    }
    if let Some(offer) = wizard.offer() {
        let key = crate::app::keymap::TAKE_OFFER_KEY.to_string();
        lines.push(Line::from(vec![
            Span::raw("  "),
            Span::styled(key, theme.key()),
            Span::raw(": "),
            Span::styled(t.total_offer(&offer), theme.warn()),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(vec![
        button(t.label(Label::Back), true, false, theme),
        Span::raw("  "),
        button(t.label(Label::Next), plan.is_ok(), plan.is_ok(), theme),
    ]));
}

/// From -> to, difference, effective date and when added licences can go.
pub(super) fn summary(
    model: &Model,
    plan: &ChangePlan,
    t: &dyn Catalog,
    theme: &Theme,
    width: usize,
    lines: &mut Vec<Line>,
) {
    let tz = model.policy.time_zone;
    let lw = [
        Label::ReviewFrom,
        Label::ReviewTo,
        Label::ReviewDelta,
        Label::ReviewEffective,
        Label::ReviewRemovable,
    ]
    .iter()
    .map(|l| t.label(*l).chars().count())
    .max()
    .unwrap_or(8);
    for fact in review_facts(t, plan, tz) {
        let label = Span::styled(format!("{:>lw$}: ", t.label(fact.label)), theme.label());
        match fact.label {
            Label::ReviewTo => lines.push(Line::from(vec![
                label,
                Span::styled(fact.value, theme.title()),
            ])),
            Label::ReviewRemovable => {
                lines.extend(hanging(vec![label], vec![Span::raw(fact.value)], width));
            }
            _ => lines.push(Line::from(vec![label, Span::raw(fact.value)])),
        }
    }
}

/// c. Review: the summary, each warning with its box, the approval box and
/// reference, and Confirm (disabled until everything is ticked).
#[allow(clippy::too_many_arguments)]
fn review_lines(
    model: &Model,
    wizard: &Wizard,
    review: &ReviewState,
    sending: bool,
    t: &dyn Catalog,
    theme: &Theme,
    width: usize,
    lines: &mut Vec<Line>,
) {
    lines.push(Line::styled(t.label(Label::ReviewTitle), theme.label()));
    summary(model, &review.plan, t, theme, width, lines);
    lines.push(Line::raw(""));
    let focus = |f: ReviewFocus| !sending && review.focus == f;
    if !review.plan.warnings.is_empty() {
        lines.push(Line::styled(t.label(Label::ReviewWarnings), theme.warn()));
        for (i, w) in review.plan.warnings.iter().enumerate() {
            lines.extend(checkbox_lines(
                review.acknowledged(i),
                focus(ReviewFocus::Warning(i)),
                t.warning(w),
                width,
                theme,
            ));
        }
    }
    if review.second_person {
        lines.extend(hanging(
            Vec::new(),
            vec![Span::styled(
                t.label(Label::SecondPersonApproves),
                theme.warn(),
            )],
            width,
        ));
    } else {
        lines.extend(checkbox_lines(
            review.approved,
            focus(ReviewFocus::Approval),
            t.label(Label::Approval).to_string(),
            width,
            theme,
        ));
    }
    let label = t.label(Label::ApprovalReference);
    let mut reference = field_line(
        label,
        label.chars().count() + 4,
        &wizard.input.reference,
        focus(ReviewFocus::Reference),
        width.min(60),
        theme,
    );
    reference.spans.push(Span::styled(
        format!("  ({})", t.label(Label::ApprovalReferenceHint)),
        theme.dim(),
    ));
    lines.push(reference);
    lines.push(Line::raw(""));
    let ready = review.can_confirm();
    lines.push(Line::from(vec![
        Span::raw("    "),
        button(t.label(Label::Back), !sending, false, theme),
        Span::raw("  "),
        button(
            t.label(if review.second_person {
                Label::SendForApproval
            } else {
                Label::Confirm
            }),
            ready && !sending,
            focus(ReviewFocus::Confirm),
            theme,
        ),
    ]));
    lines.extend(hanging(
        vec![Span::raw("    ")],
        vec![Span::styled(
            t.label(if ready && review.second_person {
                Label::SendReady
            } else if ready {
                Label::ConfirmReady
            } else {
                Label::ConfirmDisabled
            }),
            if ready { theme.ok() } else { theme.dim() },
        )],
        width,
    ));
}

/// d'. A change request: where it stands (awaiting until when, or who
/// decided and why); once approved the tracker below takes over.
fn awaiting(
    model: &Model,
    plan: &ChangePlan,
    request_id: &str,
    t: &dyn Catalog,
    theme: &Theme,
    width: usize,
    lines: &mut Vec<Line>,
) {
    lines.push(Line::styled(t.label(Label::AwaitingTitle), theme.label()));
    summary(model, plan, t, theme, width, lines);
    lines.push(Line::raw(""));
    let Some(r) = model.request_tracker(request_id) else {
        lines.push(Line::styled(
            theme.text(t.label(Label::Loading)),
            theme.dim(),
        ));
        return;
    };
    let style = match r.request.status {
        crate::api::ChangeRequestStatus::AwaitingApproval => theme.warn(),
        crate::api::ChangeRequestStatus::Approved => theme.ok(),
        _ => theme.error(),
    };
    lines.extend(hanging(
        Vec::new(),
        vec![Span::styled(
            t.request_status(&r.request, model.policy.time_zone),
            style,
        )],
        width,
    ));
    if let Some(f) = &r.error {
        lines.push(Line::styled(
            t.failure(f, model.policy.time_zone),
            theme.error(),
        ));
    }
    if r.is_awaiting() {
        lines.push(Line::raw(""));
        lines.push(Line::styled(t.label(Label::TrackLeaveHint), theme.dim()));
    }
}

/// d. The tracker: elapsed time against the provisioning SLA, the state and
/// the result.
fn tracking(
    model: &Model,
    plan: &ChangePlan,
    operation_id: &str,
    t: &dyn Catalog,
    theme: &Theme,
    width: usize,
    lines: &mut Vec<Line>,
) {
    lines.push(Line::styled(t.label(Label::TrackTitle), theme.label()));
    summary(model, plan, t, theme, width, lines);
    lines.push(Line::raw(""));
    let sla = model.policy.provisioning_sla_seconds;
    let Some(op) = model.operation(operation_id) else {
        lines.push(Line::styled(
            theme.text(t.label(Label::Loading)),
            theme.dim(),
        ));
        return;
    };
    let elapsed = u64::try_from(op.elapsed_secs(model.now)).unwrap_or(0);
    lines.push(Line::from(vec![
        Span::styled(format!("{}: ", t.label(Label::TrackElapsed)), theme.label()),
        Span::raw(format!(
            "{} {}",
            progress_bar(elapsed as f64 / sla.max(1) as f64, 20, theme),
            t.elapsed_of_sla(elapsed, sla)
        )),
    ]));
    let state_style = match op.status {
        crate::domain::OperationStatus::Pending => theme.warn(),
        crate::domain::OperationStatus::Succeeded => theme.ok(),
        crate::domain::OperationStatus::Failed => theme.error(),
    };
    lines.push(Line::from(vec![
        Span::styled(format!("{}: ", t.label(Label::TrackState)), theme.label()),
        Span::styled(t.operation_status(op.status).to_string(), state_style),
    ]));
    if let Some(f) = &op.error {
        lines.push(Line::styled(
            t.failure(f, model.policy.time_zone),
            theme.error(),
        ));
    } else if op.is_pending() && elapsed > sla {
        lines.push(Line::styled(t.label(Label::TrackSlaPassed), theme.warn()));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(t.label(Label::TrackLeaveHint), theme.dim()));
}
