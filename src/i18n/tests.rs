//! Catalogue tests. Compiled only for tests: `mod.rs` declares this module under `#[cfg(test)]`.

use chrono::NaiveDate;

use super::*;
use crate::domain::{DEFAULT_TIME_ZONE, ScheduledChange, Sign};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[test]
fn lang_from_locale() {
    assert_eq!(Lang::from_locale(Some("es_CO.UTF-8")), Lang::Es);
    assert_eq!(Lang::from_locale(Some("es")), Lang::Es);
    assert_eq!(Lang::from_locale(Some("ES_es")), Lang::Es);
    assert_eq!(Lang::from_locale(Some("en_US.UTF-8")), Lang::En);
    assert_eq!(Lang::from_locale(Some("C.UTF-8")), Lang::En);
    assert_eq!(Lang::from_locale(Some("")), Lang::En);
    assert_eq!(Lang::from_locale(None), Lang::En);
}

#[test]
fn lang_parses_the_flag_values() {
    assert_eq!("es".parse::<Lang>(), Ok(Lang::Es));
    assert_eq!("EN".parse::<Lang>(), Ok(Lang::En));
    assert!("fr".parse::<Lang>().is_err());
    use clap::ValueEnum;
    assert_eq!(Lang::from_str("es", false), Ok(Lang::Es));
    assert_eq!(Lang::from_str("en", false), Ok(Lang::En));
    assert_eq!(t(Lang::Es).lang(), Lang::Es);
    assert_eq!(t(Lang::En).lang(), Lang::En);
}

#[test]
fn dates_per_language() {
    assert_eq!(t(Lang::Es).date(d("2026-11-25")), "25 nov 2026");
    assert_eq!(t(Lang::En).date(d("2026-11-25")), "Nov 25, 2026");
    assert_eq!(t(Lang::Es).date(d("2027-01-03")), "3 ene 2027");
    assert_eq!(t(Lang::En).date(d("2027-01-03")), "Jan 3, 2027");
    let at = "2026-11-26T04:30:00Z".parse().unwrap();
    // 23:30 on the 25th in Bogota: the portal zone decides the day.
    assert_eq!(
        t(Lang::En).date_time(at, DEFAULT_TIME_ZONE),
        "Nov 25, 2026 23:30"
    );
}

#[test]
fn typed_delta_names_the_total_meant() {
    let e = EntryError::Delta {
        sign: Sign::Plus,
        amount: 2,
        suggested_total: Some(12),
    };
    assert!(t(Lang::En).entry_error(&e).contains("type 12"));
    assert!(t(Lang::Es).entry_error(&e).contains("escriba 12"));
    assert!(t(Lang::En).entry_error(&e).starts_with("+2 "));
    let e = EntryError::Delta {
        sign: Sign::Minus,
        amount: 20,
        suggested_total: None,
    };
    assert!(t(Lang::En).entry_error(&e).starts_with("-20 "));
}

#[test]
fn warnings_in_words() {
    let w = Warning::LooksLikeDelta {
        typed: 2,
        removes: 8,
        total_if_adding: 12,
    };
    assert_eq!(
        t(Lang::En).warning(&w),
        "You typed 2: that removes 8. If you meant to add 2, the total is 12."
    );
    assert!(t(Lang::Es).warning(&w).contains("el total es 12"));
    let w = Warning::LargeIncrease { adding: 110 };
    assert_eq!(t(Lang::En).warning(&w), "You are adding 110 licences.");
    assert_eq!(t(Lang::Es).warning(&w), "Está agregando 110 licencias.");
    let w = Warning::DeletesScheduledChange {
        scheduled: ScheduledChange {
            quantity: 8,
            effective_date: d("2026-12-20"),
        },
    };
    assert!(t(Lang::En).warning(&w).contains("Dec 20, 2026"));
    assert!(t(Lang::Es).warning(&w).contains("20 dic 2026"));
}

#[test]
fn window_status_words() {
    let open = WindowStatus::Open {
        opens: d("2026-11-20"),
        closes: d("2026-11-25"),
        days_left: 3,
    };
    assert_eq!(t(Lang::En).window_status(&open), "open: closes in 3 days");
    assert_eq!(
        t(Lang::Es).window_status(&open),
        "abierta: cierra en 3 días"
    );
    let last = WindowStatus::Open {
        opens: d("2026-11-20"),
        closes: d("2026-11-25"),
        days_left: 1,
    };
    assert_eq!(t(Lang::En).window_status(&last), "open: closes today");
    assert_eq!(t(Lang::En).window_status_short(&open), "open, 3 d left");
    assert_eq!(t(Lang::Es).window_status_short(&open), "cierra en 3 d");
    let closed = WindowStatus::Closed {
        opens: d("2026-12-20"),
        closes: d("2026-12-25"),
    };
    assert_eq!(
        t(Lang::En).window_status(&closed),
        "closed: next opens Dec 20, 2026"
    );
    assert_eq!(
        t(Lang::Es).window_status(&closed),
        "cerrada: reabre el 20 dic 2026"
    );
    assert_eq!(t(Lang::En).window_status_short(&closed), "opens Dec 20");
    assert_eq!(t(Lang::Es).window_status_short(&closed), "abre el 20 dic");
}

#[test]
fn refusal_outside_window_names_dates_and_zone() {
    let r = Refusal::DecreaseOutsideWindow {
        window_closed_on: d("2026-11-25"),
        next_window_opens: d("2026-12-20"),
        next_window_closes: d("2026-12-25"),
        renewal_date: d("2026-12-20"),
        can_schedule: true,
    };
    for lang in [Lang::Es, Lang::En] {
        let s = t(lang).refusal(&r, DEFAULT_TIME_ZONE);
        assert!(s.contains("America/Bogota"), "{s}");
        assert!(s.contains(&t(lang).date(d("2026-12-25"))), "{s}");
    }
}

#[test]
fn field_label_says_total_with_the_example() {
    assert!(t(Lang::En).label(Label::TotalLabel).contains("TOTAL"));
    assert!(t(Lang::Es).label(Label::TotalLabel).contains("TOTAL"));
    assert!(
        t(Lang::En)
            .label(Label::TotalExample)
            .contains("you have 10 and need 2 more: type 12")
    );
    assert!(
        t(Lang::Es)
            .label(Label::TotalExample)
            .contains("tiene 10 y necesita 2 más: escriba 12")
    );
}

#[test]
fn wizard_uses_the_portal_words() {
    let es = t(Lang::Es);
    let en = t(Lang::En);
    assert_eq!(es.label(Label::ServicesTitle), "Servicios");
    assert_eq!(
        es.label(Label::ManageSubscription),
        "Administrar suscripción"
    );
    assert_eq!(es.label(Label::Change), "Cambiar");
    assert_eq!(es.label(Label::Next), "Siguiente");
    assert_eq!(es.label(Label::Confirm), "Confirmar");
    assert_eq!(en.label(Label::ServicesTitle), "Services");
    assert_eq!(en.label(Label::ManageSubscription), "Manage subscription");
    assert_eq!(en.label(Label::Change), "Change");
    assert_eq!(en.label(Label::Next), "Next");
    assert_eq!(en.label(Label::Confirm), "Confirm");
}

#[test]
fn helpers() {
    assert_eq!(change_preview(10, 12), "10 -> 12 (+2)");
    assert_eq!(grouped(10_006, ','), "10,006");
    assert_eq!(grouped(999, '.'), "999");
    assert_eq!(grouped(1_234_567, '.'), "1.234.567");
    assert_eq!(
        t(Lang::En).subscriptions_count(10_006),
        "10,006 subscriptions"
    );
    assert_eq!(
        t(Lang::Es).subscriptions_count(10_006),
        "10.006 suscripciones"
    );
    assert_eq!(t(Lang::En).subscriptions_count(1), "1 subscription");
    assert_eq!(change_preview(10, 8), "10 -> 8 (-2)");
    assert_eq!(
        group_secret("JBSWY3DPEHPK3PXPJBSW"),
        "JBSW Y3DP EHPK 3PXP JBSW"
    );
    assert_eq!(group_secret("ABCDEF"), "ABCD EF");
    assert_eq!(t(Lang::En).duration(250), "4 min 10 s");
    assert_eq!(t(Lang::En).duration(3720), "1 h 02 min");
    assert_eq!(t(Lang::En).duration(9), "9 s");
}

#[test]
fn session_time_left_rounds_up_to_the_minute() {
    let (en, es) = (t(Lang::En), t(Lang::Es));
    // Right after sign-in: 8 hours less the second it took.
    assert_eq!(en.session_left(8 * 3600), "session: 8 h");
    assert_eq!(en.session_left(8 * 3600 - 1), "session: 8 h");
    assert_eq!(es.session_left(8 * 3600 - 1), "sesión: 8 h");
    assert_eq!(en.session_left(7 * 3600 + 59 * 60), "session: 7 h 59 min");
    assert_eq!(
        en.session_left(7 * 3600 + 58 * 60 + 1),
        "session: 7 h 59 min"
    );
    assert_eq!(es.session_left(3600 + 60), "sesión: 1 h 1 min");
    assert_eq!(en.session_left(3600), "session: 1 h");
    assert_eq!(en.session_left(3599), "session: 1 h");
    assert_eq!(en.session_left(3540), "session: 59 min");
    assert_eq!(es.session_left(45 * 60), "sesión: 45 min");
    assert_eq!(en.session_left(1), "session: 1 min");
    assert_eq!(en.session_left(0), "session: 0 min");
}

proptest::proptest! {
    /// Never less time than is left, never a minute more than is left.
    #[test]
    fn hours_minutes_is_the_time_left_rounded_up(secs in 0u64..200_000) {
        let shown = hours_minutes(secs);
        let mut minutes = 0u64;
        let mut words = shown.split(' ');
        while let (Some(n), Some(unit)) = (words.next(), words.next()) {
            let n: u64 = n.parse().unwrap();
            match unit {
                "h" => minutes += 60 * n,
                "min" => {
                    proptest::prop_assert!(n < 60 && (n > 0 || minutes == 0));
                    minutes += n;
                }
                other => proptest::prop_assert!(false, "unit {other}"),
            }
        }
        proptest::prop_assert!(minutes * 60 >= secs && minutes * 60 < secs + 60, "{secs}: {shown}");
    }
}

#[test]
fn more_assigned_than_licences_is_said_plainly() {
    let (en, es) = (t(Lang::En), t(Lang::Es));
    assert_eq!(en.assigned(7, 10), "7 of 10 licences assigned to users");
    assert_eq!(en.assigned(8, 8), "8 of 8 licences assigned to users");
    assert_eq!(en.assigned(9, 8), "9 assigned, 1 more than the 8 licences");
    assert_eq!(en.assigned(2, 1), "2 assigned, 1 more than the 1 licence");
    assert_eq!(es.assigned(7, 10), "7 de 10 licencias asignadas a usuarios");
    assert_eq!(es.assigned(9, 8), "9 asignadas, 1 más que las 8 licencias");
    assert_eq!(
        es.assigned(12, 8),
        "12 asignadas, 4 más que las 8 licencias"
    );
    assert_eq!(
        es.assigned(2, 1),
        "2 asignadas, 1 más que la única licencia"
    );
}
