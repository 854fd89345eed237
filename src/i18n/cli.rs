//! The texts of the scripting commands (`licencias login`, `list`, `change`,
//! ...), in Spanish and English. Typed like the rest of the catalogue: every
//! message is a method with typed arguments, implemented for both languages,
//! so a missing translation does not compile. Texts the TUI already has
//! (labels, refusals, warnings, portal errors) come from [`super::Catalog`].

use chrono::NaiveDate;

use super::{Catalog, En, Es, Lang};
use crate::api::{ChangeRequestDto, ChangeRequestStatus, HistoryKind};
use crate::domain::Quantity;
use crate::secrets::{StoreKind, StoreNotice};

/// The scripting catalogue of a language.
pub fn cli(lang: Lang) -> &'static dyn CliCatalog {
    match lang {
        Lang::Es => &Es,
        Lang::En => &En,
    }
}

/// Fixed texts of the scripting commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CliLabel {
    ColId,
    ColName,
    ColDaysLeft,
    SignedIn,
    SessionUntil,
    SecretStore,
    PromptUsername,
    PromptPassword,
    PromptCode,
    Cancelled,
    NoSession,
    Warnings,
    ColRequest,
    ColSubscription,
    ColChange,
    ColEffective,
    ColRequestedBy,
    ColAge,
    ColExpires,
    ColWhen,
    ColEvent,
    ColBy,
    ColReference,
    ColReason,
    /// Who did it when the portal itself did (renewals, provisioning).
    ThePortal,
}

/// Every text of the scripting commands in one language.
pub trait CliCatalog: Catalog {
    fn cli_label(&self, l: CliLabel) -> &'static str;

    /// No portal configured anywhere.
    fn no_portal(&self) -> String;
    /// No stored session (or no user known): sign in first.
    fn not_signed_in(&self, portal: &str) -> String;
    /// The portal refused the stored session.
    fn session_refused(&self, portal: &str) -> String;
    /// Nothing matches SUBSCRIPTION.
    fn unknown_subscription(&self, wanted: &str) -> String;
    /// Several subscriptions have that name.
    fn ambiguous_subscription(&self, wanted: &str, ids: &[String]) -> String;
    /// `--accept` named something that is not a warning name.
    fn unknown_warning(&self, name: &str, known: &[&str]) -> String;
    /// The session lock file could not be taken.
    fn session_lock_failed(&self, detail: &str) -> String;
    /// `--within` or another value out of its range.
    fn bad_value(&self, flag: &str, value: &str) -> String;

    // -- login
    fn needs_username(&self) -> String;
    fn needs_password(&self) -> String;
    fn needs_code(&self) -> String;
    fn enrol_needs_terminal(&self, username: &str) -> String;
    fn cannot_read_input(&self, detail: &str) -> String;
    /// Signed in: who, for which tenant, until when, where the session is kept.
    fn signed_in(
        &self,
        display_name: &str,
        username: &str,
        tenant: &str,
        until: &str,
        store: StoreKind,
    ) -> String;
    /// The session could not be stored where the next command finds it.
    fn memory_only(&self) -> String;
    fn store_notice(&self, n: &StoreNotice) -> String;
    fn logged_out(&self, username: &str, portal: &str) -> String;

    // -- change
    fn warnings_not_accepted(&self, missing: &[&str]) -> String;
    fn approval_required(&self) -> String;
    fn confirmation_required(&self) -> String;
    /// Ask to type the new total again.
    fn confirm_prompt(&self, to: Quantity) -> String;
    fn accepted(&self, operation_id: &str, sla_secs: u64) -> String;
    fn waiting(&self, operation_id: &str, elapsed_secs: u64, sla_secs: u64) -> String;
    fn operation_failed(&self, operation_id: &str, quantity: Quantity) -> String;
    fn still_pending(&self, operation_id: &str, waited_secs: u64, subscription: &str) -> String;
    /// A retry with a key already in the audit log.
    fn replaying(&self, key: &str) -> String;
    /// The key was recorded for another change.
    fn key_reused(&self, key: &str, subscription: &str, to: Quantity) -> String;
    fn audit_failed(&self, detail: &str) -> String;

    // -- cancel-scheduled
    fn no_scheduled_change(&self, subscription: &str) -> String;
    fn cancel_prompt(&self, quantity: Quantity, date: NaiveDate) -> String;
    fn scheduled_cancelled(&self, quantity: Quantity, date: NaiveDate, stays: Quantity) -> String;

    // -- windows
    fn no_windows(&self, within_days: u32) -> String;

    // -- two-person approval
    fn request_status(&self, s: ChangeRequestStatus) -> &'static str;
    /// `change --wait`: the request still awaits a decision.
    fn waiting_approval(&self, request_id: &str, elapsed_secs: u64) -> String;
    /// `--wait-timeout` passed while the request awaited a decision.
    fn still_awaiting(&self, request_id: &str, waited_secs: u64) -> String;
    /// The request was rejected, cancelled, expired or failed: nothing changed.
    fn request_ended(&self, cr: &ChangeRequestDto) -> String;
    /// `approvals`: none awaits.
    fn no_requests(&self) -> String;
    /// `approvals`: the rows marked as the user's own.
    fn own_requests_note(&self) -> String;
    /// `approve`/`reject` of the user's own request.
    fn own_request(&self, request_id: &str) -> String;
    /// A decision on a request that no longer awaits one.
    fn not_awaiting(&self, request_id: &str, s: ChangeRequestStatus) -> String;
    /// `approve`: the subscription changed since the request.
    fn request_stale(&self, request_id: &str, from: Quantity, now: Quantity) -> String;
    /// `approve`: who asked, when, until when, with which reference.
    fn request_summary(&self, cr: &ChangeRequestDto, age_secs: u64, expires: &str) -> String;
    fn request_approved(&self, request_id: &str) -> String;
    fn request_rejected(&self, request_id: &str) -> String;
    fn request_cancelled(&self, request_id: &str) -> String;
    /// `reject --reason` empty or too long.
    fn bad_reason(&self, max_chars: usize) -> String;
    /// `history`: a kind of event, in a few words.
    fn history_kind(&self, k: HistoryKind) -> &'static str;
    fn no_history(&self, subscription: &str) -> String;
}

fn join(items: &[&str]) -> String {
    items.join(", ")
}

impl CliCatalog for En {
    fn cli_label(&self, l: CliLabel) -> &'static str {
        use CliLabel::*;
        match l {
            ColId => "Id",
            ColName => "Name",
            ColDaysLeft => "Days left",
            SignedIn => "Signed in",
            SessionUntil => "Session until",
            SecretStore => "Secret store",
            PromptUsername => "Username: ",
            PromptPassword => "Password: ",
            PromptCode => "6-digit code: ",
            Cancelled => "Cancelled: nothing was sent.",
            NoSession => "No session to end.",
            Warnings => "Warnings (accept each one by name with --accept):",
            ColRequest => "Request",
            ColSubscription => "Subscription",
            ColChange => "Change",
            ColEffective => "Effective",
            ColRequestedBy => "Requested by",
            ColAge => "Age",
            ColExpires => "Expires",
            ColWhen => "When",
            ColEvent => "Event",
            ColBy => "By",
            ColReference => "Reference",
            ColReason => "Reason",
            ThePortal => "the portal",
        }
    }

    fn no_portal(&self) -> String {
        "No portal configured: give one with --portal URL, LICENCIAS_PORTAL or `portal` in the config file. To try the commands, run `licencias serve` in another terminal, then use --portal http://127.0.0.1:8787.".into()
    }

    fn not_signed_in(&self, portal: &str) -> String {
        format!("Not signed in to {portal}: run `licencias login`.")
    }

    fn session_refused(&self, portal: &str) -> String {
        format!("The session on {portal} has ended: run `licencias login`.")
    }

    fn unknown_subscription(&self, wanted: &str) -> String {
        format!("No subscription has the id or name {wanted:?}.")
    }

    fn ambiguous_subscription(&self, wanted: &str, ids: &[String]) -> String {
        format!(
            "Several subscriptions are called {wanted:?}: use one of these ids: {}.",
            ids.join(", ")
        )
    }

    fn unknown_warning(&self, name: &str, known: &[&str]) -> String {
        format!(
            "{name:?} is not a warning name. The names are: {}.",
            join(known)
        )
    }

    fn bad_value(&self, flag: &str, value: &str) -> String {
        format!("{value:?} is not a valid value for {flag}.")
    }

    fn session_lock_failed(&self, detail: &str) -> String {
        format!("Cannot lock the stored session ({detail}).")
    }

    fn needs_username(&self) -> String {
        "No username: give --user NAME (or LICENCIAS_USER, or `user` in the config file).".into()
    }

    fn needs_password(&self) -> String {
        "No password: without a terminal, pass --password-stdin and write the password as the first line of standard input.".into()
    }

    fn needs_code(&self) -> String {
        "No verification code: without a terminal, pass --code with the 6-digit code of the authenticator.".into()
    }

    fn enrol_needs_terminal(&self, username: &str) -> String {
        format!(
            "{username} has not set up two-step verification yet. That can only be done on a terminal: run `licencias login` interactively (or use the terminal interface) once."
        )
    }

    fn cannot_read_input(&self, detail: &str) -> String {
        format!("Cannot read the input: {detail}.")
    }

    fn signed_in(
        &self,
        display_name: &str,
        username: &str,
        tenant: &str,
        until: &str,
        store: StoreKind,
    ) -> String {
        format!(
            "Signed in as {display_name} ({username}) for {tenant} until {until}; the session is kept in the {store} store."
        )
    }

    fn memory_only(&self) -> String {
        "No secret store works here, so the session was not kept: the next command will not find it. Use --secret-store keyutils inside a login session, or --secret-store file (see the README for what it risks).".into()
    }

    fn store_notice(&self, n: &StoreNotice) -> String {
        match n {
            StoreNotice::Unavailable { wanted, reason } => format!(
                "The {wanted} secret store does not work here ({reason}); the session is kept in memory only."
            ),
            StoreNotice::Degraded { from, reason } => format!(
                "The {from} secret store failed ({reason}); the session is kept in memory only."
            ),
        }
    }

    fn logged_out(&self, username: &str, portal: &str) -> String {
        format!("Signed out: the session of {username} on {portal} has ended and is forgotten.")
    }

    fn warnings_not_accepted(&self, missing: &[&str]) -> String {
        format!(
            "Not sent: read the warnings above and accept each one by name with --accept {}.",
            missing.join(",")
        )
    }

    fn approval_required(&self) -> String {
        "Not sent: the change needs internal approval: pass --approved, or --approval-ref REF with the ticket or approval reference.".into()
    }

    fn confirmation_required(&self) -> String {
        "Not sent: there is no terminal to confirm on; pass --yes to confirm.".into()
    }

    fn confirm_prompt(&self, to: Quantity) -> String {
        format!("To confirm, type the new total ({to}) again: ")
    }

    fn accepted(&self, operation_id: &str, sla_secs: u64) -> String {
        format!(
            "Accepted: operation {operation_id}. The portal applies it within {}.",
            self.duration(sla_secs)
        )
    }

    fn waiting(&self, operation_id: &str, elapsed_secs: u64, sla_secs: u64) -> String {
        format!(
            "Operation {operation_id}: pending, {}",
            self.elapsed_of_sla(elapsed_secs, sla_secs)
        )
    }

    fn operation_failed(&self, operation_id: &str, quantity: Quantity) -> String {
        format!("Operation {operation_id} failed on the portal: the quantity is still {quantity}.")
    }

    fn still_pending(&self, operation_id: &str, waited_secs: u64, subscription: &str) -> String {
        format!(
            "Operation {operation_id} is still pending after {}; it goes on on the portal. Check it later with `licencias show {subscription}`.",
            self.duration(waited_secs)
        )
    }

    fn replaying(&self, key: &str) -> String {
        format!(
            "The audit log already has this change with idempotency key {key}: sending the same request again (the portal answers as the first time)."
        )
    }

    fn key_reused(&self, key: &str, subscription: &str, to: Quantity) -> String {
        format!(
            "Not sent: idempotency key {key} was used for another change ({subscription} to {to}). Use a new key for a new change."
        )
    }

    fn audit_failed(&self, detail: &str) -> String {
        format!("Not sent: the audit log cannot be written ({detail}).")
    }

    fn no_scheduled_change(&self, subscription: &str) -> String {
        format!("{subscription} has no scheduled change.")
    }

    fn cancel_prompt(&self, quantity: Quantity, date: NaiveDate) -> String {
        format!(
            "To cancel the change to {quantity} scheduled for {}, type {quantity}: ",
            self.date(date)
        )
    }

    fn scheduled_cancelled(&self, quantity: Quantity, date: NaiveDate, stays: Quantity) -> String {
        format!(
            "Cancelled the change to {quantity} scheduled for {}: the quantity stays {stays} at the renewal.",
            self.date(date)
        )
    }

    fn no_windows(&self, within_days: u32) -> String {
        format!("No decrease window is open now or opens within {within_days} days.")
    }

    fn request_status(&self, s: ChangeRequestStatus) -> &'static str {
        match s {
            ChangeRequestStatus::AwaitingApproval => "awaiting approval",
            ChangeRequestStatus::Approved => "approved",
            ChangeRequestStatus::Rejected => "rejected",
            ChangeRequestStatus::Cancelled => "cancelled",
            ChangeRequestStatus::Expired => "expired",
            ChangeRequestStatus::Failed => "failed",
        }
    }

    fn waiting_approval(&self, request_id: &str, elapsed_secs: u64) -> String {
        format!(
            "Request {request_id}: awaiting approval ({})",
            self.duration(elapsed_secs)
        )
    }

    fn still_awaiting(&self, request_id: &str, waited_secs: u64) -> String {
        format!(
            "Request {request_id} still awaits approval after {}; nothing has changed yet. Check it later with `licencias approvals`.",
            self.duration(waited_secs)
        )
    }

    fn request_ended(&self, cr: &ChangeRequestDto) -> String {
        let who = cr
            .decided_by
            .as_ref()
            .map_or_else(String::new, |a| format!(" by {}", a.display_name));
        let why = cr
            .reason
            .as_deref()
            .map_or_else(String::new, |r| format!(": {r}"));
        let id = &cr.id;
        match cr.status {
            ChangeRequestStatus::Expired => {
                format!("Request {id} expired without a decision: nothing was changed.")
            }
            ChangeRequestStatus::Failed => format!(
                "Request {id} could not be applied when approved{who}{why}. Nothing was changed."
            ),
            s => format!(
                "Request {id} was {}{who}{why}. Nothing was changed.",
                CliCatalog::request_status(self, s)
            ),
        }
    }

    fn no_requests(&self) -> String {
        "No change request awaits approval.".into()
    }

    fn own_requests_note(&self) -> String {
        "* your own request: another approver of the tenant must approve it; you may cancel it with `licencias cancel-request ID`.".into()
    }

    fn own_request(&self, request_id: &str) -> String {
        format!(
            "Request {request_id} is yours: another approver of the tenant must decide it. You may cancel it with `licencias cancel-request {request_id}`."
        )
    }

    fn not_awaiting(&self, request_id: &str, s: ChangeRequestStatus) -> String {
        format!(
            "Request {request_id} is {}: it no longer awaits a decision.",
            CliCatalog::request_status(self, s)
        )
    }

    fn request_stale(&self, request_id: &str, from: Quantity, now: Quantity) -> String {
        format!(
            "Not sent: the subscription has {now} licences now, not the {from} request {request_id} was made from, so it can no longer be approved. Reject it with `licencias reject {request_id} --reason TEXT` and ask for a new change."
        )
    }

    fn request_summary(&self, cr: &ChangeRequestDto, age_secs: u64, expires: &str) -> String {
        let reference = cr
            .approval_reference
            .as_deref()
            .map_or_else(String::new, |r| format!(", reference {r}"));
        format!(
            "Request {} by {} ({}), {} ago{reference}; it expires {expires}.",
            cr.id,
            cr.requested_by.display_name,
            cr.requested_by.username,
            self.duration(age_secs)
        )
    }

    fn request_approved(&self, request_id: &str) -> String {
        format!("Approved request {request_id}.")
    }

    fn request_rejected(&self, request_id: &str) -> String {
        format!("Rejected request {request_id}: nothing changes.")
    }

    fn request_cancelled(&self, request_id: &str) -> String {
        format!("Cancelled request {request_id}: nothing changes.")
    }

    fn bad_reason(&self, max_chars: usize) -> String {
        format!("--reason must be 1 to {max_chars} characters.")
    }

    fn history_kind(&self, k: HistoryKind) -> &'static str {
        match k {
            HistoryKind::ChangeRequested => "change requested",
            HistoryKind::ChangeApproved => "change approved",
            HistoryKind::ChangeRejected => "change rejected",
            HistoryKind::ChangeCancelled => "request cancelled",
            HistoryKind::ChangeExpired => "request expired",
            HistoryKind::ChangeFailed => "request failed",
            HistoryKind::OperationAccepted => "operation accepted",
            HistoryKind::OperationSucceeded => "operation succeeded",
            HistoryKind::OperationFailed => "operation failed",
            HistoryKind::ChangeScheduled => "change scheduled",
            HistoryKind::ScheduledChangeCancelled => "scheduled change cancelled",
            HistoryKind::Renewed => "renewed",
            HistoryKind::SubscriptionExpired => "subscription expired",
            HistoryKind::Unknown => "other event",
        }
    }

    fn no_history(&self, subscription: &str) -> String {
        format!("{subscription} has no history yet.")
    }
}

impl CliCatalog for Es {
    fn cli_label(&self, l: CliLabel) -> &'static str {
        use CliLabel::*;
        match l {
            ColId => "Id",
            ColName => "Nombre",
            ColDaysLeft => "Días",
            SignedIn => "Sesión iniciada",
            SessionUntil => "Sesión hasta",
            SecretStore => "Almacén de tokens",
            PromptUsername => "Usuario: ",
            PromptPassword => "Contraseña: ",
            PromptCode => "Código de 6 dígitos: ",
            Cancelled => "Cancelado: no se envió nada.",
            NoSession => "No hay sesión que cerrar.",
            Warnings => "Avisos (acepte cada uno por su nombre con --accept):",
            ColRequest => "Solicitud",
            ColSubscription => "Suscripción",
            ColChange => "Cambio",
            ColEffective => "Vigencia",
            ColRequestedBy => "Solicitada por",
            ColAge => "Antigüedad",
            ColExpires => "Vence",
            ColWhen => "Cuándo",
            ColEvent => "Evento",
            ColBy => "Por",
            ColReference => "Referencia",
            ColReason => "Motivo",
            ThePortal => "el portal",
        }
    }

    fn no_portal(&self) -> String {
        "No hay portal configurado: indíquelo con --portal URL, LICENCIAS_PORTAL o `portal` en el archivo de configuración. Para probar los comandos, ejecute `licencias serve` en otra terminal y use --portal http://127.0.0.1:8787.".into()
    }

    fn not_signed_in(&self, portal: &str) -> String {
        format!("No hay sesión en {portal}: ejecute `licencias login`.")
    }

    fn session_refused(&self, portal: &str) -> String {
        format!("La sesión en {portal} terminó: ejecute `licencias login`.")
    }

    fn unknown_subscription(&self, wanted: &str) -> String {
        format!("Ninguna suscripción tiene el id o el nombre {wanted:?}.")
    }

    fn ambiguous_subscription(&self, wanted: &str, ids: &[String]) -> String {
        format!(
            "Varias suscripciones se llaman {wanted:?}: use uno de estos ids: {}.",
            ids.join(", ")
        )
    }

    fn unknown_warning(&self, name: &str, known: &[&str]) -> String {
        format!(
            "{name:?} no es el nombre de un aviso. Los nombres son: {}.",
            join(known)
        )
    }

    fn bad_value(&self, flag: &str, value: &str) -> String {
        format!("{value:?} no es un valor válido para {flag}.")
    }

    fn session_lock_failed(&self, detail: &str) -> String {
        format!("No se pudo bloquear la sesión guardada ({detail}).")
    }

    fn needs_username(&self) -> String {
        "Falta el usuario: indíquelo con --user NOMBRE (o LICENCIAS_USER, o `user` en el archivo de configuración).".into()
    }

    fn needs_password(&self) -> String {
        "Falta la contraseña: sin terminal, use --password-stdin y escriba la contraseña en la primera línea de la entrada estándar.".into()
    }

    fn needs_code(&self) -> String {
        "Falta el código de verificación: sin terminal, use --code con el código de 6 dígitos del autenticador.".into()
    }

    fn enrol_needs_terminal(&self, username: &str) -> String {
        format!(
            "{username} todavía no configuró la verificación en dos pasos. Eso solo se puede hacer en una terminal: ejecute `licencias login` de forma interactiva (o use la interfaz de terminal) una vez."
        )
    }

    fn cannot_read_input(&self, detail: &str) -> String {
        format!("No se pudo leer la entrada: {detail}.")
    }

    fn signed_in(
        &self,
        display_name: &str,
        username: &str,
        tenant: &str,
        until: &str,
        store: StoreKind,
    ) -> String {
        format!(
            "Sesión iniciada como {display_name} ({username}) para {tenant} hasta el {until}; la sesión se guarda en el almacén {store}."
        )
    }

    fn memory_only(&self) -> String {
        "Aquí no funciona ningún almacén de secretos, así que la sesión no se guardó: el próximo comando no la encontrará. Use --secret-store keyutils dentro de una sesión de inicio, o --secret-store file (el README explica el riesgo).".into()
    }

    fn store_notice(&self, n: &StoreNotice) -> String {
        match n {
            StoreNotice::Unavailable { wanted, reason } => format!(
                "El almacén de secretos {wanted} no funciona aquí ({reason}); la sesión se guarda solo en memoria."
            ),
            StoreNotice::Degraded { from, reason } => format!(
                "El almacén de secretos {from} falló ({reason}); la sesión se guarda solo en memoria."
            ),
        }
    }

    fn logged_out(&self, username: &str, portal: &str) -> String {
        format!("Sesión cerrada: la sesión de {username} en {portal} terminó y se olvidó.")
    }

    fn warnings_not_accepted(&self, missing: &[&str]) -> String {
        format!(
            "No se envió: lea los avisos de arriba y acepte cada uno por su nombre con --accept {}.",
            missing.join(",")
        )
    }

    fn approval_required(&self) -> String {
        "No se envió: el cambio necesita aprobación interna: use --approved, o --approval-ref REF con el ticket o la referencia de la aprobación.".into()
    }

    fn confirmation_required(&self) -> String {
        "No se envió: no hay terminal donde confirmar; use --yes para confirmar.".into()
    }

    fn confirm_prompt(&self, to: Quantity) -> String {
        format!("Para confirmar, escriba otra vez el nuevo total ({to}): ")
    }

    fn accepted(&self, operation_id: &str, sla_secs: u64) -> String {
        format!(
            "Aceptado: operación {operation_id}. El portal lo aplica en un máximo de {}.",
            self.duration(sla_secs)
        )
    }

    fn waiting(&self, operation_id: &str, elapsed_secs: u64, sla_secs: u64) -> String {
        format!(
            "Operación {operation_id}: en curso, {}",
            self.elapsed_of_sla(elapsed_secs, sla_secs)
        )
    }

    fn operation_failed(&self, operation_id: &str, quantity: Quantity) -> String {
        format!("La operación {operation_id} falló en el portal: la cantidad sigue en {quantity}.")
    }

    fn still_pending(&self, operation_id: &str, waited_secs: u64, subscription: &str) -> String {
        format!(
            "La operación {operation_id} sigue en curso después de {}; continúa en el portal. Consúltela más tarde con `licencias show {subscription}`.",
            self.duration(waited_secs)
        )
    }

    fn replaying(&self, key: &str) -> String {
        format!(
            "El registro de auditoría ya tiene este cambio con la clave de idempotencia {key}: se envía otra vez la misma solicitud (el portal responde como la primera vez)."
        )
    }

    fn key_reused(&self, key: &str, subscription: &str, to: Quantity) -> String {
        format!(
            "No se envió: la clave de idempotencia {key} se usó para otro cambio ({subscription} a {to}). Use una clave nueva para un cambio nuevo."
        )
    }

    fn audit_failed(&self, detail: &str) -> String {
        format!("No se envió: no se puede escribir el registro de auditoría ({detail}).")
    }

    fn no_scheduled_change(&self, subscription: &str) -> String {
        format!("{subscription} no tiene un cambio programado.")
    }

    fn cancel_prompt(&self, quantity: Quantity, date: NaiveDate) -> String {
        format!(
            "Para cancelar el cambio a {quantity} programado para el {}, escriba {quantity}: ",
            self.date(date)
        )
    }

    fn scheduled_cancelled(&self, quantity: Quantity, date: NaiveDate, stays: Quantity) -> String {
        format!(
            "Se canceló el cambio a {quantity} programado para el {}: la cantidad sigue en {stays} al renovar.",
            self.date(date)
        )
    }

    fn no_windows(&self, within_days: u32) -> String {
        format!(
            "Ninguna ventana de reducción está abierta ni se abre en los próximos {within_days} días."
        )
    }

    fn request_status(&self, s: ChangeRequestStatus) -> &'static str {
        match s {
            ChangeRequestStatus::AwaitingApproval => "pendiente de aprobación",
            ChangeRequestStatus::Approved => "aprobada",
            ChangeRequestStatus::Rejected => "rechazada",
            ChangeRequestStatus::Cancelled => "cancelada",
            ChangeRequestStatus::Expired => "vencida",
            ChangeRequestStatus::Failed => "fallida",
        }
    }

    fn waiting_approval(&self, request_id: &str, elapsed_secs: u64) -> String {
        format!(
            "Solicitud {request_id}: pendiente de aprobación ({})",
            self.duration(elapsed_secs)
        )
    }

    fn still_awaiting(&self, request_id: &str, waited_secs: u64) -> String {
        format!(
            "La solicitud {request_id} sigue pendiente de aprobación después de {}; todavía no cambió nada. Consúltela más tarde con `licencias approvals`.",
            self.duration(waited_secs)
        )
    }

    fn request_ended(&self, cr: &ChangeRequestDto) -> String {
        let who = cr
            .decided_by
            .as_ref()
            .map_or_else(String::new, |a| format!(" por {}", a.display_name));
        let why = cr
            .reason
            .as_deref()
            .map_or_else(String::new, |r| format!(": {r}"));
        let id = &cr.id;
        match cr.status {
            ChangeRequestStatus::Expired => {
                format!("La solicitud {id} venció sin una decisión: no se cambió nada.")
            }
            ChangeRequestStatus::Failed => format!(
                "La solicitud {id} no se pudo aplicar al aprobarla{who}{why}. No se cambió nada."
            ),
            s => format!(
                "La solicitud {id} fue {}{who}{why}. No se cambió nada.",
                CliCatalog::request_status(self, s)
            ),
        }
    }

    fn no_requests(&self) -> String {
        "Ninguna solicitud de cambio está pendiente de aprobación.".into()
    }

    fn own_requests_note(&self) -> String {
        "* solicitud propia: otro aprobador del cliente debe aprobarla; puede cancelarla con `licencias cancel-request ID`.".into()
    }

    fn own_request(&self, request_id: &str) -> String {
        format!(
            "La solicitud {request_id} es suya: otro aprobador del cliente debe decidirla. Puede cancelarla con `licencias cancel-request {request_id}`."
        )
    }

    fn not_awaiting(&self, request_id: &str, s: ChangeRequestStatus) -> String {
        format!(
            "La solicitud {request_id} está {}: ya no espera una decisión.",
            CliCatalog::request_status(self, s)
        )
    }

    fn request_stale(&self, request_id: &str, from: Quantity, now: Quantity) -> String {
        format!(
            "No se envió: la suscripción tiene ahora {now} licencias, no las {from} de las que partió la solicitud {request_id}, así que ya no se puede aprobar. Rechácela con `licencias reject {request_id} --reason TEXTO` y pida un cambio nuevo."
        )
    }

    fn request_summary(&self, cr: &ChangeRequestDto, age_secs: u64, expires: &str) -> String {
        let reference = cr
            .approval_reference
            .as_deref()
            .map_or_else(String::new, |r| format!(", referencia {r}"));
        format!(
            "Solicitud {} de {} ({}), hace {}{reference}; vence el {expires}.",
            cr.id,
            cr.requested_by.display_name,
            cr.requested_by.username,
            self.duration(age_secs)
        )
    }

    fn request_approved(&self, request_id: &str) -> String {
        format!("Solicitud {request_id} aprobada.")
    }

    fn request_rejected(&self, request_id: &str) -> String {
        format!("Solicitud {request_id} rechazada: no cambia nada.")
    }

    fn request_cancelled(&self, request_id: &str) -> String {
        format!("Solicitud {request_id} cancelada: no cambia nada.")
    }

    fn bad_reason(&self, max_chars: usize) -> String {
        format!("--reason debe tener de 1 a {max_chars} caracteres.")
    }

    fn history_kind(&self, k: HistoryKind) -> &'static str {
        match k {
            HistoryKind::ChangeRequested => "cambio solicitado",
            HistoryKind::ChangeApproved => "cambio aprobado",
            HistoryKind::ChangeRejected => "cambio rechazado",
            HistoryKind::ChangeCancelled => "solicitud cancelada",
            HistoryKind::ChangeExpired => "solicitud vencida",
            HistoryKind::ChangeFailed => "solicitud fallida",
            HistoryKind::OperationAccepted => "operación aceptada",
            HistoryKind::OperationSucceeded => "operación completada",
            HistoryKind::OperationFailed => "operación fallida",
            HistoryKind::ChangeScheduled => "cambio programado",
            HistoryKind::ScheduledChangeCancelled => "cambio programado cancelado",
            HistoryKind::Renewed => "renovada",
            HistoryKind::SubscriptionExpired => "suscripción vencida",
            HistoryKind::Unknown => "otro evento",
        }
    }

    fn no_history(&self, subscription: &str) -> String {
        format!("{subscription} todavía no tiene historial.")
    }
}
