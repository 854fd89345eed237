//! `licencias login` and `licencias logout`.

use secrecy::SecretString;

use super::output::read_stdin_line;
use super::session;
use super::{CommandError, Ctx, Exit};
use crate::api::MfaStep;
use crate::cli::LoginArgs;
use crate::i18n::{CliLabel, Label, group_secret};
use crate::portal::PortalClient;
use crate::secrets::StoreKind;

fn input_error(ctx: &Ctx, e: &std::io::Error) -> CommandError {
    if e.kind() == std::io::ErrorKind::Interrupted {
        return CommandError::new(
            Exit::NotConfirmed,
            "cancelled",
            ctx.t.cli_label(CliLabel::Cancelled),
        );
    }
    CommandError::new(
        Exit::Failure,
        "input",
        ctx.t.cannot_read_input(&e.to_string()),
    )
}

/// The username: `--user` (or environment, or config), else asked on a terminal.
fn username(ctx: &Ctx) -> Result<String, CommandError> {
    if let Some(u) = &ctx.settings.username {
        return Ok(u.trim().to_string());
    }
    if !ctx.out.interactive() {
        return Err(CommandError::new(
            Exit::Usage,
            "username_required",
            ctx.t.needs_username(),
        ));
    }
    let u = ctx
        .out
        .ask(ctx.t.cli_label(CliLabel::PromptUsername))
        .map_err(|e| input_error(ctx, &e))?;
    let u = u.trim().to_string();
    if u.is_empty() {
        return Err(CommandError::new(
            Exit::Usage,
            "username_required",
            ctx.t.needs_username(),
        ));
    }
    Ok(u)
}

fn password(ctx: &Ctx, args: &LoginArgs) -> Result<SecretString, CommandError> {
    let line = if args.password_stdin {
        read_stdin_line().map_err(|e| input_error(ctx, &e))?
    } else if ctx.out.interactive() {
        ctx.out
            .ask_hidden(ctx.t.cli_label(CliLabel::PromptPassword))
            .map_err(|e| input_error(ctx, &e))?
    } else {
        return Err(CommandError::new(
            Exit::Usage,
            "password_required",
            ctx.t.needs_password(),
        ));
    };
    if line.is_empty() {
        return Err(CommandError::new(
            Exit::Usage,
            "password_required",
            ctx.t.needs_password(),
        ));
    }
    Ok(SecretString::from(line.as_str()))
}

fn code(ctx: &Ctx, args: &LoginArgs) -> Result<String, CommandError> {
    if let Some(c) = &args.code {
        return Ok(c.trim().to_string());
    }
    if !ctx.out.interactive() {
        return Err(CommandError::new(
            Exit::Usage,
            "code_required",
            ctx.t.needs_code(),
        ));
    }
    ctx.out
        .ask(ctx.t.cli_label(CliLabel::PromptCode))
        .map(|c| c.trim().to_string())
        .map_err(|e| input_error(ctx, &e))
}

/// The enrolment QR code as text: two modules per character row, drawn for
/// a dark terminal (a lit glyph is a light module), as the TUI draws it.
fn enrolment_qr(uri: &str) -> Option<String> {
    use qrcode::render::unicode::Dense1x2;
    let qr = qrcode::QrCode::new(uri.as_bytes()).ok()?;
    Some(
        qr.render::<Dense1x2>()
            .dark_color(Dense1x2::Light)
            .light_color(Dense1x2::Dark)
            .quiet_zone(true)
            .build(),
    )
}

/// The enrolment QR code and the key for manual entry, on stderr.
fn show_enrolment(ctx: &Ctx, uri: &str, secret: &str) {
    ctx.note(ctx.t.label(Label::EnrolTitle));
    ctx.note(ctx.t.label(Label::EnrolIntro));
    if let Some(drawn) = enrolment_qr(uri) {
        ctx.note(&drawn);
    }
    ctx.note(ctx.t.label(Label::EnrolManual));
    ctx.note(&format!(
        "  {}: {}",
        ctx.t.label(Label::Secret),
        group_secret(secret)
    ));
    ctx.note(&format!("  {}: {uri}", ctx.t.label(Label::Uri)));
}

pub async fn login(ctx: &Ctx, args: &LoginArgs) -> Result<Exit, CommandError> {
    let client = session::client(ctx)?;
    let fail = |e: &crate::portal::PortalError| CommandError::portal(ctx.t, e, None, ctx.tz());
    // The zone for "until when" (and for any refusal message).
    session::policy(ctx, &client).await?;
    let username = username(ctx)?;
    let password = password(ctx, args)?;
    let step = client
        .login(&username, &password)
        .await
        .map_err(|e| fail(&e))?;
    drop(password);
    if step.mfa == MfaStep::Enroll {
        if !ctx.out.interactive() {
            return Err(CommandError::new(
                Exit::NotSignedIn,
                "enrolment_needs_terminal",
                ctx.t.enrol_needs_terminal(&username),
            ));
        }
        let enrol = client.enroll(&step.mfa_token).await.map_err(|e| fail(&e))?;
        show_enrolment(ctx, &enrol.otpauth_uri, &enrol.secret);
    }
    let code = code(ctx, args)?;
    let store = session::open_store(ctx).await;
    let signed = client
        .verify(&step.mfa_token, &code)
        .await
        .map_err(|e| fail(&e))?;
    client.save_kept(session::kept(&store, &username)).await;
    if let Some(n) = store.take_notice() {
        ctx.note(&ctx.t.store_notice(&n));
    }
    if store.kind() == StoreKind::Memory {
        ctx.note(&ctx.t.memory_only());
    }
    remember(ctx, &username).await;
    let until = ctx.t.date_time(signed.refresh_expires_at, ctx.tz());
    ctx.out.result(&ctx.t.signed_in(
        &signed.user.display_name,
        &signed.user.username,
        &signed.user.tenant,
        &until,
        store.kind(),
    ));
    Ok(Exit::Success)
}

/// Keep the username in the config file, so the next commands find the session.
async fn remember(ctx: &Ctx, username: &str) {
    let Some(path) = ctx.settings.config_path.clone() else {
        return;
    };
    let user = username.to_string();
    let r =
        tokio::task::spawn_blocking(move || crate::config::Config::remember_username(&path, &user))
            .await;
    match r {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, "cannot remember the username"),
        Err(e) => tracing::warn!(error = %e, "cannot remember the username"),
    }
}

pub async fn logout(ctx: &Ctx) -> Result<Exit, CommandError> {
    let client: PortalClient = session::client(ctx)?;
    let Some(username) = ctx.settings.username.clone() else {
        ctx.note(ctx.t.cli_label(CliLabel::NoSession));
        return Ok(Exit::Success);
    };
    let signed = match session::resume(ctx).await {
        Ok(s) => s,
        Err(e) if e.exit == Exit::NotSignedIn => {
            ctx.note(ctx.t.cli_label(CliLabel::NoSession));
            return Ok(Exit::Success);
        }
        Err(e) => return Err(e),
    };
    let result = signed.client.logout().await;
    {
        let _lock = session::lock(ctx, client.base_url(), &username).await?;
        signed.store.delete(client.base_url(), &username).await;
    }
    result.map_err(|e| signed.fail(ctx, &e))?;
    ctx.out
        .result(&ctx.t.logged_out(&username, client.base_url()));
    Ok(Exit::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text QR, seen on a dark terminal (lit half-blocks are light),
    /// decodes to the exact URI.
    #[test]
    fn the_enrolment_qr_scans_on_a_dark_terminal() {
        let uri =
            "otpauth://totp/licencias:bob?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=licencias";
        let text = enrolment_qr(uri).unwrap();
        let rows: Vec<Vec<char>> = text.lines().map(|l| l.chars().collect()).collect();
        let scale = 4u32;
        let width = rows.iter().map(Vec::len).max().unwrap() as u32;
        let height = rows.len() as u32 * 2;
        let img = image::GrayImage::from_fn(width * scale, height * scale, |x, y| {
            let (col, row) = ((x / scale) as usize, (y / scale) as usize);
            let c = rows[row / 2].get(col).copied().unwrap_or(' ');
            let top = row % 2 == 0;
            let lit = match c {
                '█' => true,
                '▀' => top,
                '▄' => !top,
                _ => false,
            };
            image::Luma([if lit { 255 } else { 0 }])
        });
        let mut prepared = rqrr::PreparedImage::prepare(img);
        let grids = prepared.detect_grids();
        assert_eq!(grids.len(), 1);
        let (_, content) = grids[0].decode().unwrap();
        assert_eq!(content, uri);
    }
}
