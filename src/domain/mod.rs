//! Pure business rules: no I/O, no clock reads. `now` and the [`Policy`] are
//! always parameters, so the reference server and the client apply exactly the
//! same rules and every edge can be tested as a plain function call.

mod entry;
mod plan;
mod policy;
mod renewal;
mod subscription;

pub use entry::{EntryError, Sign, parse_total};
pub use plan::{
    ChangePlan, Effective, Refusal, Removable, UnknownWarningName, Warning, WarningName, plan,
    plan_total,
};
pub use policy::{DEFAULT_TIME_ZONE, Policy};
pub use renewal::{
    DecreaseWindow, RenewalOutcome, WindowStatus, add_months_anchored, advance_terms,
    decrease_window, next_renewal_after, renewal_date, window_status,
};
pub use subscription::{
    Billing, OperationStatus, PendingOperation, Quantity, ScheduledChange, Status, Subscription,
    Term,
};
