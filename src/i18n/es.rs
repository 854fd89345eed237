//! Español.

use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;

use super::{Catalog, Label, Lang, hours_minutes};
use super::{Failure, LoginReason, ToastMsg, TotalOffer, WizardError};
use crate::api::ErrorCode;
use crate::domain::{
    Billing, Effective, EntryError, OperationStatus, Quantity, Refusal, Removable, Sign, Status,
    Term, Warning, WindowStatus,
};
use crate::portal::PortalError;

/// El catálogo en español.
#[derive(Debug, Clone, Copy, Default)]
pub struct Es;

const MONTHS: [&str; 12] = [
    "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic",
];

fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

fn licences(n: Quantity) -> String {
    plural(u64::from(n), "licencia", "licencias")
}

/// Text from the portal, without control characters.
fn clean(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}

/// `50 -> 55` (or the one end known) for a history line.
fn change_of(e: &crate::api::HistoryEvent) -> String {
    match (e.from, e.to) {
        (Some(f), Some(t)) => super::change_preview(f, t),
        (None, Some(t)) => format!("-> {t}"),
        (Some(f), None) => format!("{f} ->"),
        (None, None) => String::new(),
    }
}

impl Catalog for Es {
    fn lang(&self) -> Lang {
        Lang::Es
    }

    fn label(&self, l: Label) -> &'static str {
        use Label::*;
        match l {
            AppName => "licencias",
            Loading => "Cargando…",
            Yes => "sí",
            No => "no",
            Unknown => "no se sabe",
            None => "ninguno",
            On => "activada",
            Off => "desactivada",
            HelpTitle => "Teclas de esta pantalla",
            HelpFooter => "Esc o ? cierra la ayuda",
            KeysTitle => "Teclas",
            StatusPortal => "Portal",
            StatusUser => "Usuario",
            StatusTenant => "Cliente",
            StatusSession => "Sesión",
            StatusKeyring => "Tokens",
            StatusPending => "En curso",
            NotSignedIn => "sin sesión",
            KeyringSecretService => "tokens en llavero",
            KeyringKernel => "tokens en llavero del kernel",
            KeyringMemory => "tokens en memoria",
            KeyringFile => "tokens en un archivo",
            LoginTitle => "Iniciar sesión",
            LoginIntro => "Entre con el usuario y la contraseña que le dio su distribuidor.",
            PortalUrl => "Portal",
            Username => "Usuario",
            Password => "Contraseña",
            SignIn => "Entrar",
            SigningIn => "Entrando…",
            DemoBanner => "PORTAL DE DEMOSTRACIÓN: datos de prueba, ninguna licencia real cambia",
            DemoExplain => "Este portal funciona dentro de licencias para probarlo.",
            EnrolTitle => "Configurar la verificación en dos pasos (solo la primera vez)",
            EnrolIntro => {
                "Escanee el código QR con Microsoft Authenticator u otra aplicación parecida y escriba el código de 6 dígitos que muestre."
            }
            EnrolManual => "¿Sin cámara? Agregue la cuenta a mano con esta clave:",
            Secret => "Clave",
            Issuer => "Emisor",
            Account => "Cuenta",
            Uri => "URI",
            Code => "Código",
            CodeHint => "6 dígitos de la aplicación",
            Verifying => "Comprobando el código…",
            VerifyTitle => "Verificación en dos pasos",
            VerifyIntro => {
                "Escriba el código de 6 dígitos que su aplicación de autenticación muestra para esta cuenta."
            }
            ClockMayBeOff => {
                "Ese código no corresponde a esta clave. No se envió nada: revise que la hora del teléfono sea automática y pruebe con el código nuevo."
            }
            CodeReused => {
                "Ese código ya se usó. Espere a que la aplicación muestre uno nuevo (cada 30 segundos) y escríbalo."
            }
            CodeSixDigits => "El código tiene exactamente 6 dígitos.",
            QrAsciiFallback => {
                "Modo de texto simple: no se dibuja el código QR. Agregue la cuenta a mano con la clave, o abra la URI en un equipo con autenticador."
            }
            ServicesTitle => "Servicios",
            ColService => "Servicio",
            ColSubscription => "Suscripción",
            ColQuantity => "Cant.",
            ColTerm => "Plazo",
            ColRenewal => "Renueva",
            ColWindow => "Ventana de reducción",
            ColWindowShort => "Reducción",
            ColFlags => "Marcas",
            FlagScheduled => "programado",
            FlagPending => "en curso",
            Filter => "Filtro",
            FilterHint => "escriba para filtrar, Enter abre la fila elegida, Esc lo borra",
            SortedBy => "Orden",
            SortName => "nombre",
            SortRenewal => "fecha de renovación",
            SortWindow => "ventana que cierra antes",
            NoServices => "Esta cuenta no tiene servicios.",
            NoMatches => "Nada coincide con el filtro.",
            ManageSubscription => "Administrar suscripción",
            FieldName => "Nombre",
            FieldId => "Id",
            FieldQuantity => "Licencias",
            FieldRange => "Permitido",
            FieldTerm => "Permanencia",
            FieldBilling => "Facturación",
            FieldTermStart => "Inicio del periodo",
            FieldRenewal => "Renueva el",
            FieldAutoRenew => "Renovación automática",
            FieldStatus => "Estado",
            FieldAssigned => "Asignadas",
            FieldWindow => "Ventana de reducción",
            FieldScheduled => "Cambio programado",
            FieldPending => "Cambio en curso",
            CancelScheduledHint => "cancelar el cambio programado",
            SecondPersonApproves => {
                "Otra persona debe aprobar este cambio: se envía como solicitud y nada cambia hasta que otro usuario con el rol de aprobador lo apruebe."
            }
            SendForApproval => "Enviar para aprobación",
            SendReady => "Todo marcado: Enviar para aprobación envía la solicitud.",
            AwaitingTitle => "Siguiendo la solicitud",
            ApprovalsTitle => "Aprobaciones",
            NoApprovals => "Ninguna solicitud de cambio espera aprobación.",
            ColChange => "De -> a",
            ColEffective => "Se aplica",
            ColRequestedBy => "Solicitada por",
            ColAge => "Esperando",
            ColExpires => "Vence",
            OwnRequest => {
                "Es su propia solicitud: otro usuario con el rol de aprobador debe aprobarla. Puede cancelarla."
            }
            NotApprover => {
                "No tiene el rol de aprobador: puede leer esta solicitud pero no decidirla."
            }
            CheckingNow => "Revisando la suscripción tal como está ahora…",
            NoLongerAllowed => "Las reglas del portal ya no permiten este cambio:",
            ApproveDisabled => "Aprobar se habilita cuando todas las advertencias estén marcadas.",
            RejectReason => "Motivo del rechazo (obligatorio)",
            HistoryTitle => "Historial",
            RecentChanges => "Cambios recientes",
            NoHistory => "Todavía no hay cambios registrados.",
            FullHistoryHint => "historial completo",
            ThePortal => "el portal",
            HistoryReference => "referencia",
            HistoryRequest => "solicitud",
            HistoryReason => "motivo",
            CancelScheduledQuestion => {
                "¿Cancelar el cambio programado? La cantidad quedará como está al renovar."
            }
            ChangeHint => "cambiar la cantidad",
            Change => "Cambiar",
            StepWhen => "Cuándo",
            StepTotal => "Nuevo total",
            StepReview => "Revisión",
            StepConfirm => "Confirmar",
            Next => "Siguiente",
            Back => "Atrás",
            Confirm => "Confirmar",
            WhenQuestion => "¿Cuándo debe aplicarse el cambio?",
            WhenNow => "Ahora",
            WhenNowExplain => "Se aplica enseguida; puede tardar hasta 5 minutos en verse.",
            TotalLabel => "Nuevo TOTAL de licencias (no la diferencia)",
            TotalExample => "Ejemplo: tiene 10 y necesita 2 más: escriba 12.",
            ReviewTitle => "Revise el cambio antes de confirmar",
            ReviewFrom => "De",
            ReviewTo => "A",
            ReviewDelta => "Diferencia",
            ReviewEffective => "Se aplica",
            ReviewRemovable => "Licencias agregadas",
            ReviewWarnings => "Lea y marque cada aviso",
            Acknowledge => "Entendido",
            Approval => "Tengo la aprobación interna para este cambio",
            ApprovalReference => "Referencia de aprobación",
            ApprovalReferenceHint => "número de ticket, opcional",
            ConfirmDisabled => "Confirmar se habilita cuando todas las casillas estén marcadas.",
            ConfirmReady => "Todo marcado: Confirmar envía el cambio.",
            Submitting => "Enviando el cambio…",
            TrackTitle => "Seguimiento del cambio",
            TrackElapsed => "Transcurrido",
            TrackState => "Estado",
            TrackResult => "Resultado",
            TrackLeaveHint => "Puede salir de esta pantalla: la barra de estado sigue el cambio.",
            TrackSlaPassed => "Está tardando más de lo habitual; se sigue comprobando.",
            ScheduledDone => "Programado",
            ChangeFailed => {
                "El portal informa que el cambio falló: la cantidad no cambió. Puede iniciar el cambio de nuevo."
            }
            KeyUp => "arriba",
            KeyDown => "abajo",
            KeyPageUp => "página arriba",
            KeyPageDown => "página abajo",
            KeyTop => "primero",
            KeyBottom => "último",
            KeyOpen => "abrir",
            KeyBack => "volver",
            KeyQuit => "salir",
            KeyHelp => "ayuda",
            KeyFilter => "filtrar",
            KeyClearFilter => "borrar filtro",
            KeySort => "ordenar",
            KeyRefresh => "actualizar",
            KeyChange => "Cambiar",
            KeyCancelScheduled => "cancelar cambio programado",
            KeyNext => "Siguiente",
            KeyPrevious => "paso anterior",
            KeyConfirm => "Confirmar",
            KeyToggle => "marcar / desmarcar",
            KeySchedule => "programar para la renovación",
            KeyUseTotal => "usar el total sugerido",
            KeyNextField => "campo siguiente",
            KeyPrevField => "campo anterior",
            KeySubmit => "enviar",
            KeyLogout => "cerrar sesión",
            KeyYes => "sí",
            KeyNo => "no",
            KeyChoose => "elegir",
            KeyDismiss => "cerrar la ayuda",
            KeyHistory => "historial",
            KeyApprovals => "aprobaciones",
            KeyReview => "revisar",
            KeyApprove => "aprobar",
            KeyReject => "rechazar",
            KeyCancelRequest => "cancelar la solicitud",
        }
    }

    fn date(&self, d: NaiveDate) -> String {
        let m = MONTHS[d.month0() as usize];
        format!("{} {m} {}", d.day(), d.year())
    }

    fn zone(&self, tz: Tz) -> String {
        format!("hora de {}", tz.name())
    }

    fn term(&self, term: Term) -> &'static str {
        match term {
            Term::P1M => "1 mes",
            Term::P1Y => "1 año",
            Term::P3Y => "3 años",
        }
    }

    fn billing(&self, billing: Billing) -> &'static str {
        match billing {
            Billing::Monthly => "mensual",
            Billing::Annual => "anual",
        }
    }

    fn status(&self, status: Status) -> &'static str {
        match status {
            Status::Active => "activa",
            Status::Suspended => "suspendida",
            Status::Expired => "vencida",
        }
    }

    fn operation_status(&self, status: OperationStatus) -> &'static str {
        match status {
            OperationStatus::Pending => "en curso",
            OperationStatus::Succeeded => "aplicado",
            OperationStatus::Failed => "fallido",
        }
    }

    fn window_status(&self, w: &WindowStatus) -> String {
        match *w {
            WindowStatus::Open { days_left, .. } if days_left <= 1 => {
                "abierta: cierra hoy".to_string()
            }
            WindowStatus::Open { days_left, .. } => format!("abierta: cierra en {days_left} días"),
            WindowStatus::Closed { opens, .. } => {
                format!("cerrada: reabre el {}", self.date(opens))
            }
        }
    }

    fn window_status_short(&self, w: &WindowStatus) -> String {
        match *w {
            WindowStatus::Open { days_left, .. } if days_left <= 1 => "cierra hoy".to_string(),
            WindowStatus::Open { days_left, .. } => format!("cierra en {days_left} d"),
            WindowStatus::Closed { opens, .. } => {
                format!(
                    "abre el {} {}",
                    opens.day(),
                    MONTHS[opens.month0() as usize]
                )
            }
        }
    }

    fn window_dates(&self, opens: NaiveDate, closes: NaiveDate, tz: Tz) -> String {
        format!(
            "del {} al {}, ambos incluidos, {}",
            self.date(opens),
            self.date(closes),
            self.zone(tz)
        )
    }

    fn refusal(&self, r: &Refusal, tz: Tz) -> String {
        match r {
            Refusal::Entry(e) => self.entry_error(e),
            Refusal::Unchanged { quantity } => format!(
                "Esa es la cantidad que quedaría de todos modos ({}). Escriba otro total.",
                licences(*quantity)
            ),
            Refusal::BelowMinimum { requested, min } => format!(
                "{requested} está por debajo del mínimo de esta oferta, que es {min}. Para dar de baja la suscripción completa, contacte a su distribuidor."
            ),
            Refusal::AboveMaximum { requested, max } => {
                format!("{requested} supera el máximo de esta oferta, que es {max}.")
            }
            Refusal::NotActive { status } => format!(
                "Esta suscripción está {}: solo se pueden cambiar las suscripciones activas.",
                self.status(*status)
            ),
            Refusal::OperationInProgress {
                target_quantity, ..
            } => format!(
                "Todavía se está aplicando un cambio a {}. Espere a que se vea y vuelva a intentarlo.",
                licences(*target_quantity)
            ),
            Refusal::DecreaseOutsideWindow {
                window_closed_on,
                next_window_opens,
                next_window_closes,
                renewal_date,
                can_schedule,
            } => {
                let mut s = format!(
                    "Solo se pueden quitar licencias durante la ventana de reducción. La última cerró el {}; la próxima va del {} al {} ({}).",
                    self.date(*window_closed_on),
                    self.date(*next_window_opens),
                    self.date(*next_window_closes),
                    self.zone(tz)
                );
                if *can_schedule {
                    s.push_str(&format!(
                        " Puede programar la reducción para la renovación del {}.",
                        self.date(*renewal_date)
                    ));
                } else {
                    s.push_str(
                        " La renovación automática está desactivada, así que no se puede programar para la renovación.",
                    );
                }
                s
            }
            Refusal::AutoRenewDisabled { renewal_date } => format!(
                "La renovación automática está desactivada: la suscripción termina el {} en vez de renovarse, así que no se puede programar nada para esa fecha.",
                self.date(*renewal_date)
            ),
        }
    }

    fn entry_error(&self, e: &EntryError) -> String {
        match e {
            EntryError::Empty => "Escriba el nuevo total de licencias.".to_string(),
            EntryError::NotAnInteger => "Use solo dígitos: un número entero como 12.".to_string(),
            EntryError::TooLarge => "Ese número es demasiado grande.".to_string(),
            EntryError::Delta {
                sign,
                amount,
                suggested_total,
            } => {
                let typed = match sign {
                    Sign::Plus => format!("+{amount}"),
                    Sign::Minus => format!("-{amount}"),
                };
                match suggested_total {
                    Some(total) => format!(
                        "{typed} es una diferencia; este campo pide el nuevo total: escriba {total}."
                    ),
                    Option::None => format!(
                        "{typed} es una diferencia; este campo pide el nuevo total, no lo que se agrega o se quita."
                    ),
                }
            }
        }
    }

    fn warning(&self, w: &Warning) -> String {
        match w {
            Warning::DeletesScheduledChange { scheduled } => format!(
                "Aplicarlo ahora elimina el cambio programado para el {} (a {}).",
                self.date(scheduled.effective_date),
                licences(scheduled.quantity)
            ),
            Warning::ReplacesScheduledChange { scheduled } => format!(
                "Esto reemplaza el cambio ya programado para el {} (a {}).",
                self.date(scheduled.effective_date),
                licences(scheduled.quantity)
            ),
            Warning::LooksLikeDelta {
                typed,
                removes,
                total_if_adding,
            } => format!(
                "Escribió {typed}: eso quita {removes}. Si quería agregar {typed}, el total es {total_if_adding}."
            ),
            Warning::LargeIncrease { adding } => format!("Está agregando {}.", licences(*adding)),
            Warning::BelowAssigned {
                assigned,
                requested,
            } => format!(
                "Hay {assigned} licencias asignadas a usuarios y el nuevo total es {requested}: algunos usuarios perderán la suya."
            ),
        }
    }

    fn removable(&self, r: &Removable, tz: Tz) -> String {
        match *r {
            Removable::UntilWindowCloses { closes } => format!(
                "se pueden volver a quitar hasta el {} ({}), mientras esta ventana de reducción siga abierta.",
                self.date(closes),
                self.zone(tz)
            ),
            Removable::NextWindow { opens, closes } => format!(
                "quedan comprometidas hasta la próxima ventana de reducción: del {} al {} ({}).",
                self.date(opens),
                self.date(closes),
                self.zone(tz)
            ),
        }
    }

    fn subscriptions_count(&self, n: usize) -> String {
        if n == 1 {
            "1 suscripción".to_string()
        } else {
            format!("{} suscripciones", super::grouped(n, '.'))
        }
    }

    fn pending_count(&self, n: usize) -> String {
        plural(n as u64, "cambio en curso", "cambios en curso")
    }

    fn session_left(&self, secs: u64) -> String {
        format!("sesión: {}", hours_minutes(secs))
    }

    fn demo_credentials(&self, username: &str, password: &str) -> String {
        format!("Acceso de demostración: usuario {username}, contraseña {password}")
    }

    fn locked(&self, retry_after_secs: u64) -> String {
        format!(
            "Demasiados intentos fallidos: la cuenta está bloqueada. Vuelva a intentarlo en {}.",
            self.duration(retry_after_secs)
        )
    }

    fn attempts_left(&self, n: u32) -> String {
        match n {
            0 => "Código incorrecto. No quedan intentos: inicie sesión de nuevo.".to_string(),
            1 => "Código incorrecto. Queda 1 intento.".to_string(),
            n => format!("Código incorrecto. Quedan {n} intentos."),
        }
    }

    fn demo_current_code(&self, code: &str) -> String {
        format!("Solo en la demostración: el código actual es {code}")
    }

    fn qr_too_small(&self, need_cols: u16, need_rows: u16) -> String {
        format!(
            "La ventana es demasiado pequeña para dibujar el código QR (necesita {need_cols}x{need_rows}). Agrándela, o agregue la cuenta a mano con la clave de abajo."
        )
    }

    fn filter_matches(&self, shown: usize, total: usize) -> String {
        format!(
            "{} de {}",
            super::grouped(shown, '.'),
            super::grouped(total, '.')
        )
    }

    fn range(&self, min: Quantity, max: Quantity) -> String {
        format!("de {min} a {max} licencias")
    }

    fn scheduled_change(&self, quantity: Quantity, date: NaiveDate) -> String {
        format!("a {} el {}", licences(quantity), self.date(date))
    }

    fn pending_operation(&self, target: Quantity, status: OperationStatus) -> String {
        format!("a {}: {}", licences(target), self.operation_status(status))
    }

    fn assigned(&self, assigned: Quantity, total: Quantity) -> String {
        if assigned > total {
            let extra = assigned - total;
            let of = if total == 1 {
                "la única licencia".to_string()
            } else {
                format!("las {}", licences(total))
            };
            format!("{assigned} asignadas, {extra} más que {of}")
        } else {
            format!("{assigned} de {total} licencias asignadas a usuarios")
        }
    }

    fn current_total(&self, quantity: Quantity) -> String {
        format!("Ahora tiene {}.", licences(quantity))
    }

    fn now_increases_only_until(&self, opens: NaiveDate) -> String {
        format!("solo aumentos hasta el {}", self.date(opens))
    }

    fn when_renewal(&self, date: NaiveDate) -> String {
        format!("En la próxima renovación ({})", self.date(date))
    }

    fn schedule_offer(&self, date: NaiveDate) -> String {
        format!("programarlo para el {}", self.date(date))
    }

    fn effective(&self, effective: Effective, date: NaiveDate) -> String {
        match effective {
            Effective::Now => format!("ahora ({})", self.date(date)),
            Effective::AtRenewal => format!("en la renovación del {}", self.date(date)),
        }
    }

    fn step_of(&self, n: usize, total: usize) -> String {
        format!("Paso {n} de {total}")
    }

    fn elapsed_of_sla(&self, elapsed_secs: u64, sla_secs: u64) -> String {
        format!(
            "{} de hasta {}",
            self.duration(elapsed_secs),
            self.duration(sla_secs)
        )
    }

    fn change_applied(&self, quantity: Quantity) -> String {
        format!("Listo: el portal ya muestra {}.", licences(quantity))
    }

    fn change_scheduled(&self, quantity: Quantity, date: NaiveDate) -> String {
        format!(
            "Programado: la cantidad pasa a {} en la renovación del {}.",
            licences(quantity),
            self.date(date)
        )
    }

    fn history_event(&self, e: &crate::api::HistoryEvent) -> String {
        use crate::api::HistoryKind::*;
        let change = change_of(e);
        let when = match (e.effective, e.effective_date) {
            (Some(crate::api::EffectiveDto::Renewal), Some(d)) => {
                format!(", en la renovación del {}", self.date(d))
            }
            (Some(crate::api::EffectiveDto::Renewal), None) => ", en la renovación".to_string(),
            (Some(crate::api::EffectiveDto::Now), _) => ", ahora".to_string(),
            (None, _) => String::new(),
        };
        match e.kind {
            ChangeRequested => format!("solicitó {change}{when}"),
            ChangeApproved => format!("aprobó {change}{when}"),
            ChangeRejected => format!("rechazó {change}"),
            ChangeCancelled => format!("canceló la solicitud {change}"),
            ChangeExpired => format!("la solicitud {change} venció sin aprobar"),
            ChangeFailed => format!("falló la solicitud aprobada {change}"),
            OperationAccepted => format!("empezó el aprovisionamiento {change}"),
            OperationSucceeded => match e.to {
                Some(n) => format!("aprovisionado: ahora {}", licences(n)),
                None => "aprovisionado".to_string(),
            },
            OperationFailed => format!("falló el aprovisionamiento {change}"),
            ChangeScheduled => format!("programó {change}{when}"),
            ScheduledChangeCancelled => format!("canceló el cambio programado {change}"),
            Renewed => format!("renovada {change}"),
            SubscriptionExpired => "la suscripción venció".to_string(),
            Unknown => "otro evento".to_string(),
        }
    }

    fn approve_ready(&self, approve_key: &str, reject_key: &str) -> String {
        format!("Todo marcado: {approve_key} aprueba, {reject_key} rechaza.")
    }

    fn request_status(&self, r: &crate::api::ChangeRequestDto, tz: Tz) -> String {
        use crate::api::ChangeRequestStatus::*;
        let who = r
            .decided_by
            .as_ref()
            .map_or_else(|| "el portal".to_string(), |a| clean(&a.display_name));
        let reason = r.reason.as_deref().map(clean).unwrap_or_default();
        match r.status {
            AwaitingApproval => format!(
                "Solicitud {}: esperando la aprobación de otro usuario del cliente con el rol de aprobador, hasta el {}. Nada cambia antes.",
                r.id,
                self.date_time(r.expires_at, tz)
            ),
            Approved => format!("Solicitud {}: aprobada por {who}.", r.id),
            Rejected => format!("Solicitud {}: rechazada por {who}: {reason}", r.id),
            Cancelled => format!("Solicitud {}: cancelada. Nada cambió.", r.id),
            Expired => format!(
                "Solicitud {}: venció el {} sin decisión. Nada cambió.",
                r.id,
                self.date_time(r.expires_at, tz)
            ),
            Failed => format!(
                "Solicitud {}: aprobada, pero el portal no pudo aplicarla: {reason}",
                r.id
            ),
        }
    }

    fn request_decided(
        &self,
        subscription_name: &str,
        status: crate::api::ChangeRequestStatus,
    ) -> String {
        use crate::api::ChangeRequestStatus::*;
        let what = match status {
            Approved => "solicitud aprobada",
            Rejected => "solicitud rechazada",
            Cancelled => "solicitud cancelada",
            Expired => "solicitud vencida",
            Failed => "solicitud fallida",
            AwaitingApproval => "solicitud esperando aprobación",
        };
        format!("{}: {what}.", clean(subscription_name))
    }

    fn awaiting_count(&self, n: usize) -> String {
        if n == 1 {
            "1 solicitud esperando aprobación".to_string()
        } else {
            format!("{n} solicitudes esperando aprobación")
        }
    }

    fn portal_error(&self, e: &PortalError, tz: Tz) -> String {
        match e {
            PortalError::InvalidCredentials => "Usuario o contraseña incorrectos.".to_string(),
            PortalError::Locked { retry_after_secs } => self.locked(*retry_after_secs),
            PortalError::InvalidMfaCode { attempts_left } => match attempts_left {
                Some(n) => self.attempts_left(*n),
                Option::None => "Código incorrecto.".to_string(),
            },
            PortalError::MfaCodeReused => self.label(Label::CodeReused).to_string(),
            PortalError::MfaTokenInvalid => {
                "El paso de verificación tardó demasiado. Escriba de nuevo su contraseña.".to_string()
            }
            PortalError::AlreadyEnrolled => {
                "Este usuario ya tiene un autenticador configurado: inicie sesión de nuevo y escriba su código.".to_string()
            }
            PortalError::NotEnrolled => {
                "Este usuario aún no tiene autenticador: inicie sesión de nuevo para configurarlo.".to_string()
            }
            PortalError::SessionExpired => "La sesión terminó. Inicie sesión de nuevo para seguir donde estaba.".to_string(),
            PortalError::NotSignedIn => "No ha iniciado sesión.".to_string(),
            PortalError::Refused(r) => format!("El portal rechazó el cambio. {}", self.refusal(r, tz)),
            PortalError::VersionConflict(fresh) => format!(
                "La suscripción cambió mientras trabajaba (ahora tiene {}). Revise las cifras nuevas; lo que escribió se conserva.",
                licences(fresh.quantity)
            ),
            PortalError::IdempotencyKeyReused => {
                "El portal ya recibió esta solicitud con otro contenido. Vuelva a la revisión y confirme de nuevo.".to_string()
            }
            PortalError::RateLimited { retry_after_secs } => format!(
                "El portal está ocupado. Vuelva a intentarlo en {}.",
                self.duration(*retry_after_secs)
            ),
            PortalError::NotFound => "No se encontró: puede que se haya eliminado o que sea de otra cuenta.".to_string(),
            PortalError::NoScheduledChange => "Ya no hay ningún cambio programado.".to_string(),
            PortalError::Server { code: Some(code), .. } if code.is_approval() => match code {
                ErrorCode::Forbidden => "Su rol en este cliente no permite hacer eso.",
                ErrorCode::SelfApprovalForbidden => "No puede decidir su propia solicitud de cambio: debe hacerlo otro aprobador del cliente.",
                ErrorCode::ApprovalPending => "Ya hay una solicitud de cambio pendiente de aprobación para esta suscripción: primero debe decidirse o cancelarse.",
                ErrorCode::RequestStale => "La suscripción cambió desde que se pidió el cambio, así que la solicitud ya no se puede aprobar: ahora figura como fallida.",
                _ => "Esta solicitud de cambio ya no espera una decisión (se decidió, se canceló o venció entretanto).",
            }
            .to_string(),
            PortalError::Server { status, .. } => format!(
                "El portal respondió con un error (HTTP {status}). Vuelva a intentarlo en un momento."
            ),
            PortalError::Network(detail) => format!("No se puede conectar con el portal: {detail}."),
            PortalError::Timeout => "El portal no respondió a tiempo. Vuelva a intentarlo.".to_string(),
            PortalError::Decode(_) => "No se pudo leer la respuesta del portal. Vuelva a intentarlo; si sigue, avise a su distribuidor.".to_string(),
            PortalError::InsecureUrl(url) => format!(
                "{url} usa http:// sin cifrar en un equipo remoto. Use una dirección https://."
            ),
            PortalError::InvalidUrl(url) => format!("{url} no es una dirección de portal válida."),
            PortalError::StillPending { .. } => "El cambio todavía se está aplicando; aparecerá solo.".to_string(),
        }
    }

    fn failure(&self, f: &Failure, tz: Tz) -> String {
        match f {
            Failure::Portal(e) => self.portal_error(e, tz),
            Failure::CodeNotSixDigits => self.label(Label::CodeSixDigits).to_string(),
            Failure::UsernameMissing => "Escriba primero su usuario.".to_string(),
            Failure::PasswordMissing => "Escriba primero su contraseña.".to_string(),
            Failure::CodeDoesNotMatchLocally => self.label(Label::ClockMayBeOff).to_string(),
            Failure::BadEnrolment => "El portal envió datos de configuración que no se pueden usar. Inicie sesión de nuevo; si sigue, avise a su distribuidor.".to_string(),
            Failure::SecretStore(d) => format!("El llavero falló ({d}): la sesión se guarda solo en memoria y termina al salir."),
            Failure::Audit(d) => format!("No se pudo escribir el registro de auditoría ({d}). El cambio sí se envió."),
        }
    }

    fn toast(&self, m: &ToastMsg, tz: Tz) -> String {
        match m {
            ToastMsg::Failure(f) => self.failure(f, tz),
            ToastMsg::SessionExpired => self.portal_error(&PortalError::SessionExpired, tz),
            ToastMsg::SecretStoreDegraded => {
                "El llavero dejó de funcionar: la sesión se guarda ahora solo en memoria."
                    .to_string()
            }
            ToastMsg::OperationSucceeded {
                subscription_name,
                quantity,
            } => {
                format!("{subscription_name}: listo, ahora {}.", licences(*quantity))
            }
            ToastMsg::OperationFailed {
                subscription_name,
                target_quantity,
            } => format!(
                "{subscription_name}: el cambio a {} falló.",
                licences(*target_quantity)
            ),
            ToastMsg::ChangeScheduled {
                subscription_name,
                quantity,
                date,
            } => format!(
                "{subscription_name}: {} programadas para el {}.",
                licences(*quantity),
                self.date(*date)
            ),
            ToastMsg::ScheduledChangeCancelled { subscription_name } => {
                format!("{subscription_name}: cambio programado cancelado.")
            }
            ToastMsg::ServicesRefreshed { count } => {
                format!("Actualizado: {}.", self.subscriptions_count(*count))
            }
            ToastMsg::LoggedOut => "Sesión cerrada.".to_string(),
            ToastMsg::RequestDecided {
                subscription_name,
                status,
            } => self.request_decided(subscription_name, *status),
            ToastMsg::RequestClosed {
                subscription_name,
                status,
                reason,
            } => {
                let what = match status {
                    crate::api::ChangeRequestStatus::Rejected => "solicitud rechazada",
                    crate::api::ChangeRequestStatus::Cancelled => "solicitud cancelada",
                    crate::api::ChangeRequestStatus::Expired => "solicitud vencida",
                    crate::api::ChangeRequestStatus::Failed => "falló la solicitud aprobada",
                    _ => "solicitud decidida",
                };
                match reason {
                    Some(r) => format!("{subscription_name}: {what}: {}", clean(r)),
                    None => format!("{subscription_name}: {what}."),
                }
            }
            ToastMsg::AuditFailed(f) => self.failure(f, tz),
        }
    }

    fn login_reason(&self, r: LoginReason) -> &'static str {
        match r {
            LoginReason::SessionExpired => {
                "Su sesión terminó. Inicie sesión de nuevo para seguir donde estaba."
            }
            LoginReason::LoggedOut => "Cerró la sesión.",
            LoginReason::MfaAbandoned => {
                "La verificación en dos pasos no se terminó. Inicie sesión de nuevo."
            }
        }
    }

    fn wizard_error(&self, e: &WizardError, now_quantity: Quantity, tz: Tz) -> String {
        match e {
            WizardError::Conflict { previous_quantity } => format!(
                "La suscripción cambió mientras tanto: tenía {previous_quantity} cuando empezó y ahora tiene {now_quantity}. No se envió nada; revise el total."
            ),
            WizardError::Refused(r) => {
                format!("El portal rechazó el cambio. {}", self.refusal(r, tz))
            }
            WizardError::Failed(f) => format!(
                "{} Lo que escribió se conserva; pulse Confirmar de nuevo para reintentar la misma solicitud.",
                self.failure(f, tz)
            ),
        }
    }

    fn total_offer(&self, o: &TotalOffer) -> String {
        match o {
            TotalOffer::UseTotal(n) => format!("usar {n} como nuevo total"),
            TotalOffer::ScheduleForRenewal { date } => self.schedule_offer(*date),
        }
    }

    fn terminal_too_small(&self, cols: u16, rows: u16) -> String {
        format!("La terminal es demasiado pequeña: agrándela al menos a {cols}x{rows}.")
    }
}
