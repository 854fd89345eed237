//! The portal's state: tenants, users, subscriptions, operations, sessions
//! and idempotency records. One `Store` lives behind a `Mutex`; nothing here
//! awaits. Time-driven effects are applied by [`Store::advance`] before any
//! read, so every request sees what happened before its instant.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::api::{
    Actor, ApprovalMode, ChangeRequestDto, ChangeRequestStatus, EffectiveDto, HistoryEvent,
    HistoryKind, OperationDto, Role, SubscriptionDto,
};
use crate::domain::{self, OperationStatus, Policy, RenewalOutcome, Subscription};

use super::tenants::{self, Portal, TenantsError};

/// Format marker of the state file.
const STATE_FORMAT: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TenantRec {
    pub id: String,
    pub name: String,
    /// Absent in state files written before approvals: `attest`.
    #[serde(default)]
    pub approval: ApprovalMode,
    pub services: Vec<ServiceRec>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServiceRec {
    pub id: String,
    pub name: String,
    pub subscriptions: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserRec {
    pub tenant: String,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    /// Base32; `None` until the user enrols.
    pub totp_secret: Option<String>,
    /// Last TOTP time step accepted (a code is never accepted twice).
    pub last_totp_step: Option<u64>,
    /// Wrong passwords in a row.
    pub failures: u32,
    /// Real-clock end of a lock.
    pub locked_until: Option<DateTime<Utc>>,
    /// Absent in state files written before approvals: every role.
    #[serde(default = "all_roles")]
    pub roles: Vec<Role>,
}

fn all_roles() -> Vec<Role> {
    Role::ALL.to_vec()
}

impl UserRec {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn actor(&self) -> Actor {
        Actor {
            username: self.username.clone(),
            display_name: self.display_name.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SubRec {
    pub tenant: String,
    pub service_id: String,
    pub version: u64,
    #[serde(with = "sub_serde")]
    pub sub: Subscription,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OpRec {
    pub id: String,
    pub tenant: String,
    pub subscription_id: String,
    pub status: OperationStatus,
    pub from_quantity: u32,
    pub target_quantity: u32,
    pub submitted_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub submitted_by: String,
    pub approval_reference: Option<String>,
    /// The change request this operation carries out, if approved by a second person.
    #[serde(default)]
    pub change_request_id: Option<String>,
}

impl OpRec {
    pub fn dto(&self) -> OperationDto {
        OperationDto {
            id: self.id.clone(),
            subscription_id: self.subscription_id.clone(),
            status: self.status,
            target_quantity: self.target_quantity,
            submitted_at: self.submitted_at,
            completed_at: self.completed_at,
        }
    }
}

/// A change request of a `second_person` tenant.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RequestRec {
    pub tenant: String,
    pub request: ChangeRequestDto,
}

/// The first answer given for an Idempotency-Key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdemRec {
    pub fingerprint: String,
    pub status: u16,
    pub body: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

/// A signed-in session; tokens are stored as SHA-256 hashes only.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionRec {
    pub tenant: String,
    pub username: String,
    pub access_hash: String,
    pub access_expires: DateTime<Utc>,
    pub refresh_hash: String,
    pub refresh_expires: DateTime<Utc>,
    /// The sign-in this session descends from (one id for every pair
    /// rotated out of it). Empty in state files written before token
    /// families existed; [`Store::from_json`] fills it with the session id.
    #[serde(default)]
    pub family: String,
}

/// A refresh token that was rotated out: presenting it again means it
/// leaked, and the whole family it belongs to is revoked.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RotatedRefresh {
    pub family: String,
}

/// A password accepted, MFA pending (not persisted: short-lived).
#[derive(Debug, Clone)]
pub struct Challenge {
    pub username: String,
    pub expires: DateTime<Utc>,
    pub attempts_left: u32,
    /// Secret handed out by enrol, confirmed by the first good code.
    pub enrolling_secret: Option<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Store {
    pub format: u32,
    pub tenants: Vec<TenantRec>,
    pub users: BTreeMap<String, UserRec>,
    pub subs: HashMap<String, SubRec>,
    pub operations: HashMap<String, OpRec>,
    pub idempotency: HashMap<String, IdemRec>,
    pub sessions: HashMap<String, SessionRec>,
    /// Refresh tokens already rotated (by SHA-256 hash), kept while their
    /// family has a live session, for reuse detection.
    #[serde(default)]
    pub rotated_refresh: HashMap<String, RotatedRefresh>,
    /// Change requests by id (absent in state files written before approvals).
    #[serde(default)]
    pub change_requests: HashMap<String, RequestRec>,
    /// Each subscription's events, oldest first (sorted by `at`).
    #[serde(default)]
    pub history: HashMap<String, Vec<HistoryEvent>>,
    #[serde(skip)]
    pub challenges: HashMap<String, Challenge>,
    /// Wrong logins for usernames that do not exist (bounded, in memory).
    #[serde(skip)]
    pub unknown_logins: super::unknown::UnknownLogins,
    /// Recent wrong logins per client address (real clock), for rate limiting.
    #[serde(skip)]
    pub login_failures: HashMap<std::net::IpAddr, std::collections::VecDeque<DateTime<Utc>>>,
    /// Set by every mutation; cleared when a snapshot is taken.
    #[serde(skip)]
    pub dirty: bool,
}

impl Store {
    /// A store from validated tenants; terms already past are rolled forward.
    pub fn from_portal(portal: Portal, now: DateTime<Utc>, policy: &Policy) -> Self {
        let mut store = Store {
            format: STATE_FORMAT,
            ..Store::default()
        };
        // Sized once: growing the map would move every (large) record at
        // each doubling.
        store.subs.reserve(
            portal
                .tenants
                .iter()
                .flat_map(|t| &t.services)
                .map(|s| s.subscriptions.len())
                .sum(),
        );
        for t in portal.tenants {
            let mut services = Vec::new();
            for s in t.services {
                let ids = s.subscriptions.iter().map(|x| x.id.clone()).collect();
                for sub in s.subscriptions {
                    store.subs.insert(
                        sub.id.clone(),
                        SubRec {
                            tenant: t.id.clone(),
                            service_id: s.id.clone(),
                            version: 1,
                            sub,
                        },
                    );
                }
                services.push(ServiceRec {
                    id: s.id,
                    name: s.name,
                    subscriptions: ids,
                });
            }
            for u in t.users {
                store.users.insert(
                    u.username.clone(),
                    UserRec {
                        tenant: t.id.clone(),
                        username: u.username,
                        display_name: u.display_name,
                        password_hash: u.password_hash,
                        totp_secret: u.totp_secret,
                        last_totp_step: None,
                        failures: 0,
                        locked_until: None,
                        roles: u.roles,
                    },
                );
            }
            store.tenants.push(TenantRec {
                id: t.id,
                name: t.name,
                approval: t.approval,
                services,
            });
        }
        store.advance(now, TimeDelta::zero(), policy);
        store.dirty = true;
        store
    }

    /// Load a state file's JSON.
    pub fn from_json(bytes: &[u8]) -> Result<Self, String> {
        let mut store: Store = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        if store.format != STATE_FORMAT {
            return Err(format!(
                "unsupported format {} (expected {STATE_FORMAT})",
                store.format
            ));
        }
        // Sessions from before token families: each is a family of its own.
        for (sid, session) in &mut store.sessions {
            if session.family.is_empty() {
                session.family.clone_from(sid);
            }
        }
        Ok(store)
    }

    /// Check a loaded state file with the tenants file's rules
    /// ([`tenants::check_subscription`], [`tenants::check_user`]) and that
    /// every reference points at something that exists. The first problem
    /// is returned with its path in the file, e.g.
    /// `subs["sub-bs"].sub.quantity: 400 is outside min..max (1..300)`.
    pub fn validate(&self) -> Result<(), TenantsError> {
        let bad = |path: String, message: String| TenantsError::Field { path, message };
        let (tenant_ids, listed) = self.validate_tenants()?;
        for (key, u) in &self.users {
            let path = format!("users[{key:?}]");
            if *key != u.username {
                return Err(bad(
                    format!("{path}.username"),
                    format!("{:?} differs from its key", u.username),
                ));
            }
            if !tenant_ids.contains(u.tenant.as_str()) {
                return Err(bad(
                    format!("{path}.tenant"),
                    format!("unknown tenant {:?}", u.tenant),
                ));
            }
            tenants::check_user(
                &u.username,
                &u.display_name,
                &u.password_hash,
                u.totp_secret.as_deref(),
                &path,
            )?;
            tenants::check_roles(&u.roles, &format!("{path}.roles"))?;
        }
        for (key, rec) in &self.subs {
            let path = format!("subs[{key:?}]");
            if *key != rec.sub.id {
                return Err(bad(
                    format!("{path}.sub.id"),
                    format!("{:?} differs from its key", rec.sub.id),
                ));
            }
            // Listed services were matched against `rec` above.
            if !listed.contains(key.as_str()) {
                return Err(bad(
                    format!("{path}.service_id"),
                    format!(
                        "service {:?} of tenant {:?} does not list this subscription",
                        rec.service_id, rec.tenant
                    ),
                ));
            }
            tenants::check_subscription(&rec.sub, &format!("{path}.sub"))?;
            if let Some(p) = &rec.sub.pending_operation
                && self
                    .operations
                    .get(&p.id)
                    .is_none_or(|op| op.subscription_id != *key)
            {
                return Err(bad(
                    format!("{path}.sub.pending_operation.id"),
                    format!("unknown operation {:?} for this subscription", p.id),
                ));
            }
        }
        for (key, op) in &self.operations {
            let path = format!("operations[{key:?}]");
            if *key != op.id {
                return Err(bad(
                    format!("{path}.id"),
                    format!("{:?} differs from its key", op.id),
                ));
            }
            if self.sub_of(&op.tenant, &op.subscription_id).is_none() {
                return Err(bad(
                    format!("{path}.subscription_id"),
                    format!(
                        "unknown subscription {:?} of tenant {:?}",
                        op.subscription_id, op.tenant
                    ),
                ));
            }
        }
        for (key, r) in &self.change_requests {
            let path = format!("change_requests[{key:?}]");
            if *key != r.request.id {
                return Err(bad(
                    format!("{path}.request.id"),
                    format!("{:?} differs from its key", r.request.id),
                ));
            }
            if self.sub_of(&r.tenant, &r.request.subscription_id).is_none() {
                return Err(bad(
                    format!("{path}.request.subscription_id"),
                    format!(
                        "unknown subscription {:?} of tenant {:?}",
                        r.request.subscription_id, r.tenant
                    ),
                ));
            }
        }
        for key in self.history.keys() {
            if !self.subs.contains_key(key) {
                return Err(bad(
                    format!("history[{key:?}]"),
                    "unknown subscription".to_string(),
                ));
            }
        }
        for (key, session) in &self.sessions {
            if self
                .users
                .get(&session.username)
                .is_none_or(|u| u.tenant != session.tenant)
            {
                return Err(bad(
                    format!("sessions[{key:?}].username"),
                    format!(
                        "unknown user {:?} of tenant {:?}",
                        session.username, session.tenant
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Tenants and services of [`Store::validate`]: returns the tenant ids
    /// and the subscriptions the services list.
    fn validate_tenants(&self) -> Result<(HashSet<&str>, HashSet<&str>), TenantsError> {
        let bad = |path: String, message: String| TenantsError::Field { path, message };
        let mut tenant_ids = HashSet::new();
        // Subscriptions listed by a service (each at most once).
        let mut listed: HashSet<&str> = HashSet::with_capacity(self.subs.len());
        for (i, t) in self.tenants.iter().enumerate() {
            let path = format!("tenants[{i}]");
            tenants::check_id(&t.id, &format!("{path}.id"))?;
            tenants::check_text(&t.name, &format!("{path}.name"))?;
            if !tenant_ids.insert(t.id.as_str()) {
                return Err(bad(
                    format!("{path}.id"),
                    format!("duplicate tenant id {:?}", t.id),
                ));
            }
            let mut service_ids = HashSet::new();
            for (j, svc) in t.services.iter().enumerate() {
                let path = format!("{path}.services[{j}]");
                tenants::check_id(&svc.id, &format!("{path}.id"))?;
                tenants::check_text(&svc.name, &format!("{path}.name"))?;
                if !service_ids.insert(svc.id.as_str()) {
                    return Err(bad(
                        format!("{path}.id"),
                        format!("duplicate service id {:?} in this tenant", svc.id),
                    ));
                }
                for (k, id) in svc.subscriptions.iter().enumerate() {
                    let rec = self.subs.get(id);
                    if rec.is_none_or(|r| r.tenant != t.id || r.service_id != svc.id)
                        || !listed.insert(id.as_str())
                    {
                        return Err(bad(
                            format!("{path}.subscriptions[{k}]"),
                            format!(
                                "{id:?} is not a subscription of this service in \"subs\" (or is listed twice)"
                            ),
                        ));
                    }
                }
            }
        }
        Ok((tenant_ids, listed))
    }

    /// Revoke every session of a token family and forget its rotated
    /// refresh tokens. Returns how many sessions ended.
    pub fn revoke_family(&mut self, family: &str) -> usize {
        let before = self.sessions.len();
        self.sessions.retain(|_, s| s.family != family);
        self.rotated_refresh.retain(|_, r| r.family != family);
        self.dirty = true;
        before - self.sessions.len()
    }

    /// Apply what time did up to `now` (business clock): operations older
    /// than `delay` finish, change requests past their `expires_at` expire,
    /// renewals roll terms; each is recorded in the subscription's history.
    /// Returns whether anything changed.
    pub fn advance(&mut self, now: DateTime<Utc>, delay: TimeDelta, policy: &Policy) -> bool {
        let mut events: Vec<(String, HistoryEvent)> = Vec::new();
        for op in self.operations.values_mut() {
            if op.status != OperationStatus::Pending {
                continue;
            }
            let due = op
                .submitted_at
                .checked_add_signed(delay)
                .unwrap_or(DateTime::<Utc>::MAX_UTC);
            if now < due {
                continue;
            }
            op.completed_at = Some(due);
            op.status = OperationStatus::Failed;
            if let Some(rec) = self.subs.get_mut(&op.subscription_id) {
                let s = &mut rec.sub;
                if s.status == domain::Status::Active
                    && (s.min..=s.max).contains(&op.target_quantity)
                {
                    s.quantity = op.target_quantity;
                    op.status = OperationStatus::Succeeded;
                }
                if s.pending_operation.as_ref().is_some_and(|p| p.id == op.id) {
                    s.pending_operation = None;
                }
                rec.version += 1;
            }
            let (kind, reason) = if op.status == OperationStatus::Succeeded {
                (HistoryKind::OperationSucceeded, None)
            } else {
                (
                    HistoryKind::OperationFailed,
                    Some(
                        "the subscription could not take the quantity when provisioning finished"
                            .to_string(),
                    ),
                )
            };
            let mut e = HistoryEvent::new(due, kind, None);
            e.from = Some(op.from_quantity);
            e.to = Some(op.target_quantity);
            e.effective = Some(EffectiveDto::Now);
            e.effective_date = Some(policy.today(due));
            e.approval_reference.clone_from(&op.approval_reference);
            e.change_request_id.clone_from(&op.change_request_id);
            e.operation_id = Some(op.id.clone());
            e.reason = reason;
            events.push((op.subscription_id.clone(), e));
        }
        for r in self.change_requests.values_mut() {
            let cr = &mut r.request;
            if cr.status == ChangeRequestStatus::AwaitingApproval && cr.expires_at <= now {
                cr.status = ChangeRequestStatus::Expired;
                cr.decided_at = Some(cr.expires_at);
                events.push((
                    cr.subscription_id.clone(),
                    request_event(cr, cr.expires_at, HistoryKind::ChangeExpired, None),
                ));
            }
        }
        let today = policy.today(now);
        for rec in self.subs.values_mut() {
            if rec.sub.status != domain::Status::Active || rec.sub.renewal_date > today {
                continue;
            }
            let mut from = rec.sub.quantity;
            let outcomes = domain::advance_terms(&mut rec.sub, today);
            if outcomes.is_empty() {
                continue;
            }
            rec.version += 1;
            for outcome in outcomes {
                let (on, kind, to) = match outcome {
                    RenewalOutcome::Renewed { on, applied } => {
                        (on, HistoryKind::Renewed, applied.unwrap_or(from))
                    }
                    RenewalOutcome::Expired { on } => (on, HistoryKind::SubscriptionExpired, from),
                };
                let mut e = HistoryEvent::new(day_start(policy, on, now), kind, None);
                e.from = Some(from);
                e.to = Some(to);
                e.effective_date = Some(on);
                events.push((rec.sub.id.clone(), e));
                from = to;
            }
        }
        let changed = !events.is_empty();
        for (sub, e) in events {
            self.record(&sub, e);
        }
        if changed {
            self.dirty = true;
        }
        changed
    }

    /// Add an event to a subscription's history, in order of `at`.
    pub fn record(&mut self, subscription_id: &str, event: HistoryEvent) {
        let list = self.history.entry(subscription_id.to_string()).or_default();
        let at = list.partition_point(|e| e.at <= event.at);
        list.insert(at, event);
        self.dirty = true;
    }

    /// The request of this subscription awaiting approval, if any.
    pub fn awaiting_request(&self, subscription_id: &str) -> Option<&ChangeRequestDto> {
        self.change_requests.values().map(|r| &r.request).find(|r| {
            r.subscription_id == subscription_id
                && r.status == ChangeRequestStatus::AwaitingApproval
        })
    }

    /// A subscription of `tenant` (another tenant's ids are not found).
    pub fn sub_of(&self, tenant: &str, id: &str) -> Option<&SubRec> {
        self.subs.get(id).filter(|r| r.tenant == tenant)
    }

    pub fn sub_of_mut(&mut self, tenant: &str, id: &str) -> Option<&mut SubRec> {
        self.subs.get_mut(id).filter(|r| r.tenant == tenant)
    }

    pub fn tenant(&self, id: &str) -> Option<&TenantRec> {
        self.tenants.iter().find(|t| t.id == id)
    }

    /// Forget sessions, challenges and idempotency records past their life.
    pub fn prune(&mut self, real_now: DateTime<Utc>) {
        let before = (
            self.sessions.len(),
            self.idempotency.len(),
            self.rotated_refresh.len(),
        );
        self.sessions.retain(|_, s| s.refresh_expires > real_now);
        if !self.rotated_refresh.is_empty() {
            // A rotated token is remembered as long as its family lives.
            let live: std::collections::HashSet<&str> =
                self.sessions.values().map(|s| s.family.as_str()).collect();
            self.rotated_refresh
                .retain(|_, r| live.contains(r.family.as_str()));
        }
        self.challenges.retain(|_, c| c.expires > real_now);
        let window_start = real_now - TimeDelta::seconds(super::auth::IP_WINDOW_SECONDS);
        self.login_failures.retain(|_, times| {
            while times.front().is_some_and(|t| *t <= window_start) {
                times.pop_front();
            }
            !times.is_empty()
        });
        let keep_from = real_now - TimeDelta::hours(24);
        self.idempotency.retain(|_, r| r.created_at > keep_from);
        if before
            != (
                self.sessions.len(),
                self.idempotency.len(),
                self.rotated_refresh.len(),
            )
        {
            self.dirty = true;
        }
    }
}

/// 00:00 of `day` in the portal zone (`fallback` if that instant does not exist).
fn day_start(policy: &Policy, day: NaiveDate, fallback: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::TimeZone;
    day.and_hms_opt(0, 0, 0)
        .and_then(|t| policy.time_zone.from_local_datetime(&t).earliest())
        .map_or(fallback, |t| t.with_timezone(&Utc))
}

/// An event about a change request, carrying its facts.
pub fn request_event(
    cr: &ChangeRequestDto,
    at: DateTime<Utc>,
    kind: HistoryKind,
    actor: Option<Actor>,
) -> HistoryEvent {
    let mut e = HistoryEvent::new(at, kind, actor);
    e.from = Some(cr.from);
    e.to = Some(cr.quantity);
    e.effective = Some(cr.effective);
    e.effective_date = Some(cr.effective_date);
    e.approval_reference.clone_from(&cr.approval_reference);
    e.change_request_id = Some(cr.id.clone());
    e.operation_id.clone_from(&cr.operation_id);
    e.reason.clone_from(&cr.reason);
    e
}

impl SubRec {
    pub fn dto(&self, policy: &Policy, today: NaiveDate) -> SubscriptionDto {
        SubscriptionDto::from_domain(&self.sub, &self.service_id, self.version, policy, today)
    }
}

/// Serde for `domain::Subscription` (which has no serde of its own).
mod sub_serde {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::domain::{
        Billing, PendingOperation, Quantity, ScheduledChange, Status, Subscription, Term,
    };

    #[derive(Serialize, Deserialize)]
    struct Mirror {
        id: String,
        name: String,
        quantity: Quantity,
        min: Quantity,
        max: Quantity,
        term: Term,
        billing: Billing,
        term_start: NaiveDate,
        anchor_day: u32,
        renewal_date: NaiveDate,
        auto_renew: bool,
        status: Status,
        assigned: Option<Quantity>,
        scheduled_change: Option<ScheduledChange>,
        pending_operation: Option<PendingOperation>,
    }

    pub fn serialize<S: Serializer>(s: &Subscription, ser: S) -> Result<S::Ok, S::Error> {
        Mirror {
            id: s.id.clone(),
            name: s.name.clone(),
            quantity: s.quantity,
            min: s.min,
            max: s.max,
            term: s.term,
            billing: s.billing,
            term_start: s.term_start,
            anchor_day: s.anchor_day,
            renewal_date: s.renewal_date,
            auto_renew: s.auto_renew,
            status: s.status,
            assigned: s.assigned,
            scheduled_change: s.scheduled_change.clone(),
            pending_operation: s.pending_operation.clone(),
        }
        .serialize(ser)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(de: D) -> Result<Subscription, D::Error> {
        let m = Mirror::deserialize(de)?;
        Ok(Subscription {
            id: m.id,
            name: m.name,
            quantity: m.quantity,
            min: m.min,
            max: m.max,
            term: m.term,
            billing: m.billing,
            term_start: m.term_start,
            anchor_day: m.anchor_day,
            renewal_date: m.renewal_date,
            auto_renew: m.auto_renew,
            status: m.status,
            assigned: m.assigned,
            scheduled_change: m.scheduled_change,
            pending_operation: m.pending_operation,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::tenants;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn loads_demo_and_round_trips_through_json() {
        let policy = Policy::default();
        let now = at("2026-11-25T15:00:00Z");
        let portal = tenants::parse(tenants::DEMO_JSON, policy.today(now)).unwrap();
        let store = Store::from_portal(portal, now, &policy);
        let json = serde_json::to_vec(&store).unwrap();
        let back = Store::from_json(&json).unwrap();
        assert_eq!(back.subs.len(), store.subs.len());
        assert_eq!(back.subs["sub-bs"].sub, store.subs["sub-bs"].sub);
        assert!(back.users["demo"].totp_secret.is_none());
    }

    #[test]
    fn states_the_server_writes_are_valid_and_bad_values_are_named() {
        let policy = Policy::default();
        let now = at("2026-11-25T15:00:00Z");
        let today = policy.today(now);
        let mut portal = tenants::parse(tenants::DEMO_JSON, today).unwrap();
        tenants::add_generated(&mut portal, 300, today);
        let mut store = Store::from_portal(portal, now, &policy);
        store.validate().unwrap();
        // Two years of renewals later (scheduled changes applied, terms
        // rolled, subscriptions without auto-renew expired): still valid.
        store.advance(at("2028-11-25T15:00:00Z"), TimeDelta::zero(), &policy);
        store.validate().unwrap();
        let json = serde_json::to_vec(&store).unwrap();
        Store::from_json(&json).unwrap().validate().unwrap();

        let fault = |f: &dyn Fn(&mut Store)| {
            let mut s = Store::from_json(&json).unwrap();
            f(&mut s);
            match s.validate() {
                Err(TenantsError::Field { path, .. }) => path,
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(
            fault(&|s| s.subs.get_mut("sub-bs").unwrap().sub.quantity = 100_000),
            "subs[\"sub-bs\"].sub.quantity"
        );
        assert_eq!(
            fault(&|s| s.subs.get_mut("sub-bs").unwrap().sub.min = 400),
            "subs[\"sub-bs\"].sub.min"
        );
        assert_eq!(
            fault(&|s| s.subs.get_mut("sub-bs").unwrap().sub.anchor_day = 0),
            "subs[\"sub-bs\"].sub.anchor_day"
        );
        assert_eq!(
            fault(&|s| {
                let r = s.subs.get_mut("sub-bs").unwrap();
                r.sub.renewal_date = r.sub.term_start;
            }),
            "subs[\"sub-bs\"].sub.renewal_date"
        );
        assert_eq!(
            fault(&|s| s.tenants[0].services[0]
                .subscriptions
                .insert(0, "nope".into())),
            "tenants[0].services[0].subscriptions[0]"
        );
        assert_eq!(
            fault(&|s| {
                for svc in &mut s.tenants[0].services {
                    svc.subscriptions.retain(|id| id != "sub-bs");
                }
            }),
            "subs[\"sub-bs\"].service_id"
        );
        assert_eq!(
            fault(&|s| s.users.get_mut("demo").unwrap().password_hash = "plain".into()),
            "users[\"demo\"].password_hash"
        );
        assert_eq!(
            fault(&|s| s.users.get_mut("demo").unwrap().tenant = "nobody".into()),
            "users[\"demo\"].tenant"
        );
    }

    #[test]
    fn state_files_from_before_token_families_still_load() {
        let policy = Policy::default();
        let now = at("2026-11-25T15:00:00Z");
        let portal = tenants::parse(tenants::DEMO_JSON, policy.today(now)).unwrap();
        let store = Store::from_portal(portal, now, &policy);
        let mut json = serde_json::to_value(&store).unwrap();
        let old = json.as_object_mut().unwrap();
        old.remove("rotated_refresh");
        old["sessions"] = serde_json::json!({"s-1": {
            "tenant": "contoso", "username": "demo",
            "access_hash": "a", "access_expires": "2026-11-25T15:15:00Z",
            "refresh_hash": "r", "refresh_expires": "2026-11-25T23:00:00Z"
        }});
        let back = Store::from_json(&serde_json::to_vec(&json).unwrap()).unwrap();
        assert_eq!(back.sessions["s-1"].family, "s-1");
        assert!(back.rotated_refresh.is_empty());
    }

    #[test]
    fn state_files_from_before_approvals_load_as_attest_with_every_role() {
        let policy = Policy::default();
        let now = at("2026-11-25T15:00:00Z");
        let portal = tenants::parse(tenants::DEMO_JSON, policy.today(now)).unwrap();
        let store = Store::from_portal(portal, now, &policy);
        let mut json = serde_json::to_value(&store).unwrap();
        let old = json.as_object_mut().unwrap();
        old.remove("change_requests");
        old.remove("history");
        for t in old["tenants"].as_array_mut().unwrap() {
            t.as_object_mut().unwrap().remove("approval");
        }
        for u in old["users"].as_object_mut().unwrap().values_mut() {
            u.as_object_mut().unwrap().remove("roles");
        }
        let back = Store::from_json(&serde_json::to_vec(&json).unwrap()).unwrap();
        back.validate().unwrap();
        assert!(
            back.tenants
                .iter()
                .all(|t| t.approval == ApprovalMode::Attest)
        );
        assert!(back.users.values().all(|u| u.roles == Role::ALL.to_vec()));
        assert!(back.change_requests.is_empty() && back.history.is_empty());
        // And what this version writes comes back as written.
        let again = Store::from_json(&serde_json::to_vec(&store).unwrap()).unwrap();
        let fab = again.tenant("fabrikam").unwrap();
        assert_eq!(fab.approval, ApprovalMode::SecondPerson);
        assert_eq!(again.users["fabrikam-approver"].roles, vec![Role::Approver]);
    }

    #[test]
    fn old_terms_roll_forward_on_load_and_renewals_bump_versions() {
        let policy = Policy::default();
        let now = at("2026-11-25T15:00:00Z");
        let json = tenants::DEMO_JSON.replace("\"-12d\"", "\"2026-09-13\"");
        let portal = tenants::parse(&json, policy.today(now)).unwrap();
        let mut store = Store::from_portal(portal, now, &policy);
        let bp = &store.subs["sub-bp"];
        assert_eq!(
            bp.sub.term_start,
            "2026-11-13".parse::<NaiveDate>().unwrap()
        );
        assert_eq!(
            bp.sub.quantity, 8,
            "the scheduled change applied at the first renewal"
        );
        assert!(bp.sub.scheduled_change.is_none());
        let v = store.subs["sub-bs"].version;
        let renewal = store.subs["sub-bs"].sub.renewal_date;
        // 00:00 in Bogota on the renewal date is 05:00Z.
        let just_before = renewal.and_hms_opt(4, 59, 59).unwrap().and_utc();
        store.advance(just_before, TimeDelta::zero(), &policy);
        assert_eq!(store.subs["sub-bs"].version, v);
        store.advance(
            just_before + TimeDelta::seconds(1),
            TimeDelta::zero(),
            &policy,
        );
        assert_eq!(store.subs["sub-bs"].version, v + 1);
        assert_eq!(store.subs["sub-bs"].sub.term_start, renewal);
    }
}
