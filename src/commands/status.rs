//! `licencias status`: who is signed in, on which portal, until when.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::session;
use super::{CommandError, Ctx, Exit};
use crate::i18n::{CliLabel, Label};
use crate::secrets::StoreKind;

/// The `--json` document.
#[derive(Debug, Serialize)]
struct Status {
    portal: String,
    user: Option<String>,
    tenant: Option<String>,
    signed_in: bool,
    session_expires_at: Option<DateTime<Utc>>,
    secret_store: StoreKind,
}

/// Signed in: exit 0. Not signed in (or the portal refused the session):
/// the same document with `signed_in: false`, exit 3.
pub async fn run(ctx: &Ctx) -> Result<Exit, CommandError> {
    let client = session::client(ctx)?;
    let portal = client.base_url().to_string();
    let store = session::open_store(ctx).await;
    let resumed = match session::username(ctx, &client) {
        Ok(user) => session::refresh_stored(ctx, &client, &store, &user).await,
        Err(e) => Err(e),
    };
    let (status, exit) = match resumed {
        Ok(signed) => {
            // The zone for the expiry shown to a person.
            if !ctx.json {
                session::policy(ctx, &client).await?;
            }
            (
                Status {
                    portal,
                    user: Some(signed.user.username.clone()),
                    tenant: Some(signed.user.tenant.clone()),
                    signed_in: true,
                    session_expires_at: Some(signed.refresh_expires_at),
                    secret_store: store.kind(),
                },
                Exit::Success,
            )
        }
        Err(e) if e.exit == Exit::NotSignedIn => {
            ctx.note(&e.message);
            (
                Status {
                    portal,
                    user: ctx.settings.username.clone(),
                    tenant: None,
                    signed_in: false,
                    session_expires_at: None,
                    secret_store: store.kind(),
                },
                Exit::NotSignedIn,
            )
        }
        Err(e) => return Err(e),
    };
    if ctx.json {
        ctx.out.json(&status);
        return Ok(exit);
    }
    let t = ctx.t;
    let none = t.label(Label::None).to_string();
    let yes_no = |b: bool| t.label(if b { Label::Yes } else { Label::No }).to_string();
    let rows = vec![
        vec![
            t.label(Label::StatusPortal).to_string(),
            status.portal.clone(),
        ],
        vec![
            t.label(Label::StatusUser).to_string(),
            status.user.clone().unwrap_or_else(|| none.clone()),
        ],
        vec![
            t.label(Label::StatusTenant).to_string(),
            status.tenant.clone().unwrap_or_else(|| none.clone()),
        ],
        vec![
            t.cli_label(CliLabel::SignedIn).to_string(),
            yes_no(status.signed_in),
        ],
        vec![
            t.cli_label(CliLabel::SessionUntil).to_string(),
            status
                .session_expires_at
                .map_or_else(|| none.clone(), |at| t.date_time(at, ctx.tz())),
        ],
        vec![
            t.cli_label(CliLabel::SecretStore).to_string(),
            status.secret_store.to_string(),
        ],
    ];
    let text = key_values(&rows);
    ctx.out.result(&text);
    Ok(exit)
}

/// `Label: value` lines with the labels aligned.
pub fn key_values(rows: &[Vec<String>]) -> String {
    let width = rows
        .iter()
        .filter_map(|r| r.first())
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for r in rows {
        if let [label, value] = r.as_slice() {
            let pad = width - label.chars().count();
            out.push_str(&format!("{label}:{} {value}\n", " ".repeat(pad)));
        }
    }
    out
}
