//! The tenants file: parsing and validation with errors that name the bad
//! field, the built-in demo data and `--scale` generation.

use std::collections::HashSet;

use chrono::{Datelike, Days, NaiveDate};
use serde_json::{Map, Value};

use crate::api::{ApprovalMode, Role};
use crate::domain::{self, Billing, Quantity, ScheduledChange, Status, Subscription, Term};

pub use super::scale::add_generated;

/// The demo data (`assets/demo-tenant.json`), with dates relative to the clock.
pub const DEMO_JSON: &str = include_str!("../../assets/demo-tenant.json");

/// What is wrong with a tenants file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TenantsError {
    #[error("not valid JSON: {0}")]
    Json(String),
    #[error("{path}: {message}")]
    Field { path: String, message: String },
}

fn bad(path: &str, message: impl Into<String>) -> TenantsError {
    TenantsError::Field {
        path: path.to_string(),
        message: message.into(),
    }
}

/// A validated portal, ready for the store.
#[derive(Debug, Clone)]
pub struct Portal {
    pub tenants: Vec<Tenant>,
}

#[derive(Debug, Clone)]
pub struct Tenant {
    pub id: String,
    pub name: String,
    /// `"approval"`: `attest` (default) or `second_person`.
    pub approval: ApprovalMode,
    pub users: Vec<User>,
    pub services: Vec<Service>,
}

#[derive(Debug, Clone)]
pub struct User {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub totp_secret: Option<String>,
    /// `"roles"`: any of `requester`, `approver` (default both).
    pub roles: Vec<Role>,
}

#[derive(Debug, Clone)]
pub struct Service {
    pub id: String,
    pub name: String,
    pub subscriptions: Vec<Subscription>,
}

/// An object being read, with its path for error messages.
struct Obj<'a> {
    map: &'a Map<String, Value>,
    path: String,
}

impl<'a> Obj<'a> {
    fn new(v: &'a Value, path: String, allowed: &[&str]) -> Result<Self, TenantsError> {
        let map = v
            .as_object()
            .ok_or_else(|| bad(&path, format!("expected an object, got {}", kind(v))))?;
        let obj = Self { map, path };
        for key in obj.map.keys() {
            if !allowed.contains(&key.as_str()) {
                let simple = !key.is_empty()
                    && key
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$');
                // An odd key is named in the message, not spliced into the path.
                let (path, name) = if simple {
                    (obj.at(key), String::new())
                } else {
                    (obj.path.clone(), format!(" {key:?}"))
                };
                return Err(bad(
                    &path,
                    format!(
                        "unknown field{name} (expected one of: {})",
                        allowed.join(", ")
                    ),
                ));
            }
        }
        Ok(obj)
    }

    fn at(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    fn opt(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn req(&self, key: &str) -> Result<&'a Value, TenantsError> {
        self.opt(key)
            .ok_or_else(|| bad(&self.at(key), "missing (required)"))
    }

    fn string(&self, key: &str) -> Result<String, TenantsError> {
        let v = self.req(key)?;
        let s = v
            .as_str()
            .ok_or_else(|| bad(&self.at(key), format!("expected a string, got {}", kind(v))))?;
        if s.trim().is_empty() {
            return Err(bad(&self.at(key), "must not be empty"));
        }
        Ok(s.to_string())
    }

    fn id(&self, key: &str) -> Result<String, TenantsError> {
        let s = self.string(key)?;
        check_id(&s, &self.at(key))?;
        Ok(s)
    }

    fn opt_u32(&self, key: &str) -> Result<Option<u32>, TenantsError> {
        match self.opt(key) {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| {
                    bad(
                        &self.at(key),
                        format!("expected a whole number >= 0, got {v}"),
                    )
                }),
        }
    }

    fn u32(&self, key: &str) -> Result<u32, TenantsError> {
        self.opt_u32(key)?
            .ok_or_else(|| bad(&self.at(key), "missing (required)"))
    }

    fn bool(&self, key: &str) -> Result<bool, TenantsError> {
        let v = self.req(key)?;
        v.as_bool()
            .ok_or_else(|| bad(&self.at(key), format!("expected true or false, got {v}")))
    }

    fn array(&self, key: &str) -> Result<&'a Vec<Value>, TenantsError> {
        let v = self.req(key)?;
        v.as_array()
            .ok_or_else(|| bad(&self.at(key), format!("expected an array, got {}", kind(v))))
    }

    fn choice<T: Copy>(&self, key: &str, options: &[(&str, T)]) -> Result<T, TenantsError> {
        let s = self.string(key)?;
        options
            .iter()
            .find(|(name, _)| *name == s)
            .map(|(_, v)| *v)
            .ok_or_else(|| {
                let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
                bad(
                    &self.at(key),
                    format!("expected one of {}, got {s:?}", names.join(", ")),
                )
            })
    }
}

/// An id: 1-64 of `A-Z a-z 0-9 - _ . @`.
pub fn check_id(s: &str, path: &str) -> Result<(), TenantsError> {
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'@'));
    if !ok {
        return Err(bad(
            path,
            format!("{s:?} is not a valid id (1-64 of A-Z a-z 0-9 - _ . @)"),
        ));
    }
    Ok(())
}

/// Text shown to people: not blank.
pub fn check_text(s: &str, path: &str) -> Result<(), TenantsError> {
    if s.trim().is_empty() {
        return Err(bad(path, "must not be empty"));
    }
    Ok(())
}

/// The rules for a user's credentials, wherever the user comes from (a
/// tenants file or a state file); `path` names the user.
pub fn check_user(
    username: &str,
    display_name: &str,
    password_hash: &str,
    totp_secret: Option<&str>,
    path: &str,
) -> Result<(), TenantsError> {
    let at = |key: &str| format!("{path}.{key}");
    check_id(username, &at("username"))?;
    check_text(display_name, &at("display_name"))?;
    match argon2::PasswordHash::new(password_hash) {
        Ok(h) if h.algorithm.as_str().starts_with("argon2") && h.hash.is_some() => {}
        Ok(_) => {
            return Err(bad(
                &at("password_hash"),
                "not an argon2 hash (expected $argon2id$v=19$...)",
            ));
        }
        Err(e) => {
            return Err(bad(
                &at("password_hash"),
                format!("not a PHC hash string: {e}"),
            ));
        }
    }
    if let Some(secret) = totp_secret
        && super::auth::totp_for(secret, username).is_none()
    {
        return Err(bad(
            &at("totp_secret"),
            "not a valid base32 TOTP secret (at least 80 bits)",
        ));
    }
    Ok(())
}

/// A user's roles: each at most once (an empty list is a read-only user).
pub fn check_roles(roles: &[Role], path: &str) -> Result<(), TenantsError> {
    for (i, r) in roles.iter().enumerate() {
        if roles[..i].contains(r) {
            return Err(bad(
                &format!("{path}[{i}]"),
                format!("duplicate role {:?}", r.as_str()),
            ));
        }
    }
    Ok(())
}

/// The rules every subscription obeys, wherever it comes from (a tenants
/// file or a state file); `path` names the subscription.
pub fn check_subscription(s: &Subscription, path: &str) -> Result<(), TenantsError> {
    let at = |key: &str| format!("{path}.{key}");
    check_id(&s.id, &at("id"))?;
    check_text(&s.name, &at("name"))?;
    let (min, max) = (s.min, s.max);
    if min > max {
        return Err(bad(&at("min"), format!("{min} is above max {max}")));
    }
    let quantity = s.quantity;
    if quantity < min || quantity > max {
        return Err(bad(
            &at("quantity"),
            format!("{quantity} is outside min..max ({min}..{max})"),
        ));
    }
    if !(1..=31).contains(&s.anchor_day) {
        return Err(bad(
            &at("anchor_day"),
            format!("{} is not a day of month (1..31)", s.anchor_day),
        ));
    }
    let renewal = domain::renewal_date(s.term_start, s.anchor_day, s.term);
    // At the calendar's end a subscription expires without a next renewal.
    if renewal.is_none() && s.status != Status::Expired {
        return Err(bad(&at("term_start"), "renewal date out of range"));
    }
    if let Some(renewal) = renewal
        && s.renewal_date != renewal
    {
        return Err(bad(
            &at("renewal_date"),
            format!(
                "{} is not the renewal after term_start {} (expected {renewal})",
                s.renewal_date, s.term_start
            ),
        ));
    }
    if let Some(sc) = &s.scheduled_change {
        let q = sc.quantity;
        if q < min || q > max {
            return Err(bad(
                &at("scheduled_change.quantity"),
                format!("{q} is outside min..max ({min}..{max})"),
            ));
        }
        if !s.auto_renew {
            return Err(bad(
                &at("scheduled_change"),
                "a change at renewal needs auto_renew: true",
            ));
        }
        if s.status == Status::Expired {
            return Err(bad(
                &at("scheduled_change"),
                "an expired subscription cannot have a scheduled change",
            ));
        }
        if sc.effective_date != s.renewal_date {
            return Err(bad(
                &at("scheduled_change.effective_date"),
                format!("must be the renewal date {}", s.renewal_date),
            ));
        }
    }
    Ok(())
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// An ISO date (`2026-11-20`) or an offset in days or weeks from `today`
/// (`-2d`, `+10d`, `-1w`, `0d`).
pub fn parse_date(s: &str, today: NaiveDate) -> Option<NaiveDate> {
    let s = s.trim();
    if let Ok(d) = s.parse::<NaiveDate>() {
        return Some(d);
    }
    let (negative, rest) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let unit = rest.chars().last()?;
    let digits = &rest[..rest.len() - unit.len_utf8()];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    let days = match unit {
        'd' => n,
        'w' => n.checked_mul(7)?,
        _ => return None,
    };
    if negative {
        today.checked_sub_days(Days::new(days))
    } else {
        today.checked_add_days(Days::new(days))
    }
}

/// Parse and validate a tenants file. `today` is the business clock's date
/// in the portal zone (for relative dates).
pub fn parse(json: &str, today: NaiveDate) -> Result<Portal, TenantsError> {
    let root: Value = serde_json::from_str(json).map_err(|e| TenantsError::Json(e.to_string()))?;
    // Other top-level keys (comments, a schema link) are ignored.
    let map = root.as_object().ok_or_else(|| {
        bad(
            "tenants",
            format!(
                "the file must be a JSON object with a \"tenants\" array, got {}",
                kind(&root)
            ),
        )
    })?;
    let root = Obj {
        map,
        path: String::new(),
    };
    let list = root.array("tenants")?;
    if list.is_empty() {
        return Err(bad("tenants", "at least one tenant is required"));
    }
    let mut tenants = Vec::with_capacity(list.len());
    let mut tenant_ids = HashSet::new();
    let mut usernames = HashSet::new();
    let mut sub_ids = HashSet::new();
    for (i, t) in list.iter().enumerate() {
        let path = format!("tenants[{i}]");
        let tenant = parse_tenant(t, path.clone(), today)?;
        if !tenant_ids.insert(tenant.id.clone()) {
            return Err(bad(
                &format!("{path}.id"),
                format!("duplicate tenant id {:?}", tenant.id),
            ));
        }
        for (j, u) in tenant.users.iter().enumerate() {
            if !usernames.insert(u.username.clone()) {
                return Err(bad(
                    &format!("{path}.users[{j}].username"),
                    format!(
                        "duplicate username {:?} (usernames are unique across the portal)",
                        u.username
                    ),
                ));
            }
        }
        for (j, s) in tenant.services.iter().enumerate() {
            for (k, sub) in s.subscriptions.iter().enumerate() {
                if !sub_ids.insert(sub.id.clone()) {
                    return Err(bad(
                        &format!("{path}.services[{j}].subscriptions[{k}].id"),
                        format!(
                            "duplicate subscription id {:?} (ids are unique across the portal)",
                            sub.id
                        ),
                    ));
                }
            }
        }
        tenants.push(tenant);
    }
    Ok(Portal { tenants })
}

fn parse_tenant(v: &Value, path: String, today: NaiveDate) -> Result<Tenant, TenantsError> {
    let o = Obj::new(v, path, &["id", "name", "approval", "users", "services"])?;
    let id = o.id("id")?;
    let name = o.string("name")?;
    let approval = match o.opt("approval") {
        None => ApprovalMode::default(),
        Some(_) => o.choice(
            "approval",
            &[
                ("attest", ApprovalMode::Attest),
                ("second_person", ApprovalMode::SecondPerson),
            ],
        )?,
    };
    let mut users = Vec::new();
    for (i, u) in o.array("users")?.iter().enumerate() {
        users.push(parse_user(u, format!("{}[{i}]", o.at("users")))?);
    }
    let mut services = Vec::new();
    let mut service_ids = HashSet::new();
    for (i, s) in o.array("services")?.iter().enumerate() {
        let path = format!("{}[{i}]", o.at("services"));
        let service = parse_service(s, path.clone(), today)?;
        if !service_ids.insert(service.id.clone()) {
            return Err(bad(
                &format!("{path}.id"),
                format!("duplicate service id {:?} in this tenant", service.id),
            ));
        }
        services.push(service);
    }
    Ok(Tenant {
        id,
        name,
        approval,
        users,
        services,
    })
}

fn parse_user(v: &Value, path: String) -> Result<User, TenantsError> {
    let o = Obj::new(
        v,
        path,
        &[
            "username",
            "display_name",
            "password_hash",
            "totp_secret",
            "roles",
        ],
    )?;
    let username = o.id("username")?;
    let display_name = o.string("display_name")?;
    let password_hash = o.string("password_hash")?;
    let totp_secret = match o.opt("totp_secret") {
        None => None,
        Some(v) => Some(
            v.as_str()
                .ok_or_else(|| bad(&o.at("totp_secret"), "expected a base32 string or null"))?
                .to_string(),
        ),
    };
    check_user(
        &username,
        &display_name,
        &password_hash,
        totp_secret.as_deref(),
        &o.path,
    )?;
    let roles = match o.opt("roles") {
        None => Role::ALL.to_vec(),
        Some(_) => {
            let path = o.at("roles");
            let mut roles = Vec::new();
            for (i, r) in o.array("roles")?.iter().enumerate() {
                let at = format!("{path}[{i}]");
                let role = match r.as_str() {
                    Some("requester") => Role::Requester,
                    Some("approver") => Role::Approver,
                    _ => {
                        return Err(bad(
                            &at,
                            format!("expected one of requester, approver, got {r}"),
                        ));
                    }
                };
                roles.push(role);
            }
            check_roles(&roles, &path)?;
            roles
        }
    };
    Ok(User {
        username,
        display_name,
        password_hash,
        totp_secret,
        roles,
    })
}

fn parse_service(v: &Value, path: String, today: NaiveDate) -> Result<Service, TenantsError> {
    let o = Obj::new(v, path, &["id", "name", "subscriptions"])?;
    let id = o.id("id")?;
    let name = o.string("name")?;
    let mut subscriptions = Vec::new();
    for (i, s) in o.array("subscriptions")?.iter().enumerate() {
        subscriptions.push(parse_subscription(
            s,
            format!("{}[{i}]", o.at("subscriptions")),
            today,
        )?);
    }
    Ok(Service {
        id,
        name,
        subscriptions,
    })
}

const SUB_FIELDS: &[&str] = &[
    "id",
    "name",
    "quantity",
    "min",
    "max",
    "term",
    "billing",
    "term_start",
    "anchor_day",
    "auto_renew",
    "status",
    "assigned",
    "scheduled_change",
];

fn parse_subscription(
    v: &Value,
    path: String,
    today: NaiveDate,
) -> Result<Subscription, TenantsError> {
    let o = Obj::new(v, path, SUB_FIELDS)?;
    let id = o.id("id")?;
    let name = o.string("name")?;
    let quantity = o.u32("quantity")?;
    let min = o.u32("min")?;
    let max = o.u32("max")?;
    let term = o.choice(
        "term",
        &[("P1M", Term::P1M), ("P1Y", Term::P1Y), ("P3Y", Term::P3Y)],
    )?;
    let billing = o.choice(
        "billing",
        &[("monthly", Billing::Monthly), ("annual", Billing::Annual)],
    )?;
    let status = o.choice(
        "status",
        &[
            ("active", Status::Active),
            ("suspended", Status::Suspended),
            ("expired", Status::Expired),
        ],
    )?;
    let term_start_text = o.string("term_start")?;
    let term_start = parse_date(&term_start_text, today).ok_or_else(|| {
        bad(
            &o.at("term_start"),
            format!(
                "{term_start_text:?} is neither a date (YYYY-MM-DD) nor an offset from the clock like \"-2d\""
            ),
        )
    })?;
    if term_start > today {
        return Err(bad(
            &o.at("term_start"),
            format!(
                "{term_start} is after the server's clock ({today}): the current term must have started"
            ),
        ));
    }
    let anchor_day = o.opt_u32("anchor_day")?.unwrap_or(term_start.day());
    let auto_renew = o.bool("auto_renew")?;
    let assigned: Option<Quantity> = o.opt_u32("assigned")?;
    // The renewal date follows from the term; a bad anchor day is named by
    // `check_subscription` below.
    let renewal_date = domain::renewal_date(term_start, anchor_day, term).unwrap_or(term_start);
    let scheduled_change = match o.opt("scheduled_change") {
        None => None,
        Some(sc) => {
            let sc = Obj::new(
                sc,
                o.at("scheduled_change"),
                &["quantity", "effective_date"],
            )?;
            let quantity = sc.u32("quantity")?;
            if let Some(d) = sc.opt("effective_date") {
                let text = d.as_str().unwrap_or_default();
                if parse_date(text, today) != Some(renewal_date) {
                    return Err(bad(
                        &sc.at("effective_date"),
                        format!("must be the renewal date {renewal_date} (or be left out)"),
                    ));
                }
            }
            Some(ScheduledChange {
                quantity,
                effective_date: renewal_date,
            })
        }
    };
    let sub = Subscription {
        id,
        name,
        quantity,
        min,
        max,
        term,
        billing,
        term_start,
        anchor_day,
        renewal_date,
        auto_renew,
        status,
        assigned,
        scheduled_change,
        pending_operation: None,
    };
    check_subscription(&sub, &o.path)?;
    Ok(sub)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    const HASH: &str = "$argon2id$v=19$m=8192,t=1,p=1$c2FsdHNhbHRzYWx0$DwmYgbx1u2Mkd1yHhdxT/6pd5kNXQAOWn7c5TPkTHA0";

    fn file(sub: &str) -> String {
        format!(
            r#"{{"tenants":[{{"id":"contoso","name":"Contoso","users":[{{"username":"demo","display_name":"Demo","password_hash":"{HASH}","totp_secret":null}}],
            "services":[{{"id":"m365","name":"Microsoft 365","subscriptions":[{sub}]}}]}}]}}"#
        )
    }

    const SUB: &str = r#"{"id":"sub-bs","name":"BS","quantity":10,"min":1,"max":300,"term":"P1M","billing":"monthly","term_start":"2026-11-20","anchor_day":20,"auto_renew":true,"status":"active","assigned":9,"scheduled_change":{"quantity":8}}"#;

    #[test]
    fn parses_the_documented_example() {
        let p = parse(&file(SUB), d("2026-11-25")).unwrap();
        let s = &p.tenants[0].services[0].subscriptions[0];
        assert_eq!(s.renewal_date, d("2026-12-20"));
        assert_eq!(s.scheduled_change.as_ref().unwrap().quantity, 8);
        assert_eq!(s.assigned, Some(9));
        assert_eq!(p.tenants[0].users[0].totp_secret, None);
    }

    #[test]
    fn errors_name_the_bad_field() {
        let cases = [
            (
                SUB.replace("\"P1M\"", "\"P2M\""),
                "tenants[0].services[0].subscriptions[0].term",
            ),
            (
                SUB.replace("\"2026-11-20\"", "\"yesterday\""),
                "tenants[0].services[0].subscriptions[0].term_start",
            ),
            (
                SUB.replace("\"quantity\":10", "\"quantity\":-1"),
                "tenants[0].services[0].subscriptions[0].quantity",
            ),
            (
                SUB.replace("\"auto_renew\":true", "\"auto_renw\":true"),
                "tenants[0].services[0].subscriptions[0].auto_renw",
            ),
            (
                SUB.replace("\"min\":1", "\"min\":400"),
                "tenants[0].services[0].subscriptions[0].min",
            ),
            (
                SUB.replace("\"anchor_day\":20", "\"anchor_day\":32"),
                "tenants[0].services[0].subscriptions[0].anchor_day",
            ),
            (
                SUB.replace("\"2026-11-20\"", "\"+1d\""),
                "tenants[0].services[0].subscriptions[0].term_start",
            ),
        ];
        for (sub, path) in cases {
            match parse(&file(&sub), d("2026-11-25")) {
                Err(TenantsError::Field { path: p, .. }) => assert_eq!(p, path, "{sub}"),
                other => panic!("{sub}: {other:?}"),
            }
        }
        let two = format!("{SUB},{SUB}");
        let e = parse(&file(&two), d("2026-11-25")).unwrap_err();
        assert!(e.to_string().contains("subscriptions[1].id"), "{e}");
        let e = parse(&file(SUB).replace(HASH, "plaintext"), d("2026-11-25")).unwrap_err();
        assert!(e.to_string().contains("users[0].password_hash"), "{e}");
        assert!(matches!(
            parse("{", d("2026-11-25")),
            Err(TenantsError::Json(_))
        ));
        for root in ["5", "[]", "{}", r#"{"tenant": []}"#] {
            match parse(root, d("2026-11-25")) {
                Err(TenantsError::Field { path, .. }) => assert_eq!(path, "tenants", "{root}"),
                other => panic!("{root}: {other:?}"),
            }
        }
        let odd = file(SUB).replace("\"id\":\"contoso\"", "\"id\":\"contoso\",\"a..b\":1");
        match parse(&odd, d("2026-11-25")) {
            Err(TenantsError::Field { path, message }) => {
                assert_eq!(path, "tenants[0]");
                assert!(message.contains("a..b"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn approval_mode_and_roles_default_and_are_checked() {
        let p = parse(&file(SUB), d("2026-11-25")).unwrap();
        assert_eq!(p.tenants[0].approval, ApprovalMode::Attest);
        assert_eq!(p.tenants[0].users[0].roles, Role::ALL.to_vec());
        let two = file(SUB)
            .replace(
                "\"name\":\"Contoso\"",
                "\"name\":\"Contoso\",\"approval\":\"second_person\"",
            )
            .replace(
                "\"totp_secret\":null",
                "\"totp_secret\":null,\"roles\":[\"approver\"]",
            );
        let p = parse(&two, d("2026-11-25")).unwrap();
        assert_eq!(p.tenants[0].approval, ApprovalMode::SecondPerson);
        assert_eq!(p.tenants[0].users[0].roles, vec![Role::Approver]);
        let cases = [
            (
                two.replace("second_person", "two_person"),
                "tenants[0].approval",
            ),
            (
                two.replace("[\"approver\"]", "[\"approver\",\"approver\"]"),
                "tenants[0].users[0].roles[1]",
            ),
            (
                two.replace("[\"approver\"]", "[\"admin\"]"),
                "tenants[0].users[0].roles[0]",
            ),
            (
                two.replace("[\"approver\"]", "\"approver\""),
                "tenants[0].users[0].roles",
            ),
        ];
        for (json, path) in cases {
            match parse(&json, d("2026-11-25")) {
                Err(TenantsError::Field { path: p, .. }) => assert_eq!(p, path, "{json}"),
                other => panic!("{json}: {other:?}"),
            }
        }
    }

    #[test]
    fn the_demo_second_tenant_approves_by_a_second_person() {
        let today = d("2026-11-25");
        let p = parse(DEMO_JSON, today).unwrap();
        assert_eq!(p.tenants[0].approval, ApprovalMode::Attest);
        let fab = p.tenants.iter().find(|t| t.id == "fabrikam").unwrap();
        assert_eq!(fab.approval, ApprovalMode::SecondPerson);
        let roles = |name: &str| {
            let u = fab.users.iter().find(|u| u.username == name).unwrap();
            assert!(u.totp_secret.is_none(), "{name} enrols on first sign-in");
            u.roles.clone()
        };
        assert_eq!(roles("fabrikam-admin"), Role::ALL.to_vec());
        assert_eq!(roles("fabrikam-approver"), vec![Role::Approver]);
        let growable = fab
            .services
            .iter()
            .flat_map(|s| &s.subscriptions)
            .filter(|s| s.status == Status::Active && s.max - s.quantity >= 50)
            .count();
        assert!(growable >= 4, "{growable}");
    }

    #[test]
    fn relative_dates() {
        let today = d("2026-11-25");
        assert_eq!(parse_date("-2d", today), Some(d("2026-11-23")));
        assert_eq!(parse_date("+10d", today), Some(d("2026-12-05")));
        assert_eq!(parse_date("-1w", today), Some(d("2026-11-18")));
        assert_eq!(parse_date("0d", today), Some(today));
        assert_eq!(parse_date("2026-02-28", today), Some(d("2026-02-28")));
        for bad in [
            "",
            "-",
            "d",
            "-2x",
            "--2d",
            "-2.5d",
            "-99999999999999999999d",
        ] {
            assert_eq!(parse_date(bad, today), None, "{bad}");
        }
    }

    #[test]
    fn the_demo_shows_every_state_whatever_the_day() {
        let policy = domain::Policy::default();
        let mut day = d("2026-01-01");
        while day < d("2027-01-01") {
            let p = parse(DEMO_JSON, day).unwrap();
            let subs: Vec<&Subscription> = p.tenants[0]
                .services
                .iter()
                .flat_map(|s| &s.subscriptions)
                .collect();
            let open = |s: &Subscription| {
                domain::window_status(s, &policy, day).is_some_and(|w| w.is_open())
            };
            let active = |s: &Subscription| s.status == Status::Active;
            let monthly = |s: &Subscription| s.term == Term::P1M;
            assert!(
                subs.iter().any(|s| active(s) && monthly(s) && open(s)),
                "{day}"
            );
            assert!(
                subs.iter().any(|s| active(s) && monthly(s) && !open(s)),
                "{day}"
            );
            assert!(subs.iter().any(|s| s.term == Term::P1Y), "{day}");
            assert!(
                subs.iter()
                    .any(|s| active(s) && !s.auto_renew && s.renewal_date > day),
                "{day}"
            );
            assert!(
                subs.iter()
                    .any(|s| s.scheduled_change.is_some() && s.renewal_date > day),
                "{day}"
            );
            assert!(subs.iter().any(|s| s.status == Status::Suspended), "{day}");
            assert!(subs.iter().any(|s| s.max - s.quantity <= 5), "{day}");
            assert!(subs.iter().any(|s| s.assigned.is_some()), "{day}");
            assert!(
                subs.iter().all(|s| s.renewal_date > day),
                "{day}: nothing renews at load"
            );
            day = day.succ_opt().unwrap();
        }
    }

    #[test]
    fn demo_file_is_valid_and_scale_adds_unique_subscriptions() {
        let today = d("2026-11-25");
        let mut p = parse(DEMO_JSON, today).unwrap();
        assert!(p.tenants.len() >= 2);
        let before: usize = p.tenants[0]
            .services
            .iter()
            .map(|s| s.subscriptions.len())
            .sum();
        add_generated(&mut p, 250, today);
        let after: usize = p.tenants[0]
            .services
            .iter()
            .map(|s| s.subscriptions.len())
            .sum();
        assert_eq!(after, before + 250);
        let mut ids = HashSet::new();
        for s in p
            .tenants
            .iter()
            .flat_map(|t| &t.services)
            .flat_map(|s| &s.subscriptions)
        {
            assert!(ids.insert(s.id.clone()));
            assert!(s.term_start <= today && s.quantity >= s.min && s.quantity <= s.max);
        }
    }
}
