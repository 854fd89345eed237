//! `licencias` binary: parse the command line, set up logging, then run the
//! reference server (`serve`) or the terminal interface (on a configured
//! portal, or on the embedded demo portal started in-process).

use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use licencias::cli::{Cli, Command, DemoOptions, Settings, SettingsError, Target};
use licencias::{app, commands, config, logging, portal, server, tui};

fn main() -> ExitCode {
    tune_allocator();
    let cli = Cli::parse();
    // `completions` and `man` need no runtime, settings or portal.
    if let Some(exit) = cli.command.as_ref().and_then(commands::run_docs) {
        return ExitCode::from(exit.code());
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("licencias: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = match cli.command {
        Some(Command::Serve(args)) => {
            let level = cli.common.log_level.unwrap_or_default();
            runtime.block_on(run_serve(args, level))
        }
        Some(ref c) if commands::is_command(c) => runtime.block_on(run_command(&cli)),
        _ => runtime.block_on(run_tui(cli)),
    };
    // Do not wait for blocking keyring calls that may hang on a dead D-Bus.
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    code
}

/// glibc's allocator, set for a long-lived process with a handful of threads
/// (measured on the embedded demo with 10,000 subscriptions: 2.5 MB less at
/// the peak): two arenas instead of one per thread, and large buffers (a
/// listing's JSON) always in their own mappings, returned to the system when
/// freed, instead of a threshold that rises after the first one.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_allocator() {
    // SAFETY: mallopt only sets allocator parameters; it is called first
    // thing in main, before any other thread exists or allocates.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_allocator() {}

async fn run_serve(args: server::ServeArgs, level: logging::LogLevel) -> ExitCode {
    let _guard = match logging::init_stderr(level) {
        Ok(g) => Some(g),
        Err(e) => {
            eprintln!("licencias serve: logging disabled: {e}");
            None
        }
    };
    match server::serve(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("licencias serve: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A scripting command: settings, logging to the file, then the command.
async fn run_command(cli: &Cli) -> ExitCode {
    let Some(command) = cli.command.as_ref() else {
        return ExitCode::from(commands::Exit::Usage.code());
    };
    let mut settings = match cli.resolve_script() {
        Ok(s) => s,
        Err(SettingsError::Usage(e)) => e.exit(),
        Err(SettingsError::Config(e)) => {
            eprintln!("licencias: {e}");
            return ExitCode::from(commands::Exit::Usage.code());
        }
    };
    // The normalised URL everywhere (the secret store keys on it); a bad or
    // plain-http remote one is left for the command to refuse in words.
    if let Some(url) = settings.portal.as_mut()
        && let Ok(normalised) = portal::normalize_base_url(url)
    {
        *url = normalised;
    }
    let _log = match init_file_log(settings.log_level) {
        Ok(g) => Some(g),
        Err(e) => {
            tracing::debug!(error = %e, "logging disabled");
            None
        }
    };
    ExitCode::from(commands::run(command, settings).await.code())
}

/// Log to the default file: `$XDG_STATE_HOME/licencias/licencias.log`.
fn init_file_log(level: logging::LogLevel) -> Result<logging::LogGuard, String> {
    let path = config::default_log_path().map_err(|e| e.to_string())?;
    logging::init_file(level, &path).map_err(|e| e.to_string())
}

async fn run_tui(cli: Cli) -> ExitCode {
    let mut settings = match cli.resolve() {
        Ok(s) => s,
        Err(SettingsError::Usage(e)) => e.exit(),
        Err(SettingsError::Config(e)) => {
            eprintln!("licencias: {e}");
            return ExitCode::from(2);
        }
    };
    // Refuse a bad or plain-http remote URL before anything starts, and use
    // the normalised form everywhere (the secret store keys on it).
    if let Target::Remote { url } = &mut settings.target {
        match portal::normalize_base_url(url) {
            Ok(normalised) => *url = normalised,
            Err(e) => Cli::command()
                .error(clap::error::ErrorKind::ValueValidation, e.to_string())
                .exit(),
        }
    }
    let _log = match init_file_log(settings.log_level) {
        Ok(g) => Some(g),
        Err(e) => {
            eprintln!("licencias: logging disabled: {e}");
            None
        }
    };
    match launch(settings).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!(%message, "licencias stopped with an error");
            eprintln!("licencias: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Start the embedded demo portal when asked, then run the terminal interface.
async fn launch(settings: Settings) -> Result<(), String> {
    let (server, demo) = match &settings.target {
        Target::Demo(d) => {
            let server = start_demo(d).await?;
            (Some(server), Some(d.clone()))
        }
        Target::Remote { .. } => (None, None),
    };
    let portal_url = match (&settings.target, &server) {
        (Target::Remote { url }, _) => url.clone(),
        (Target::Demo(_), Some(s)) => s.base_url(),
        (Target::Demo(_), None) => return Err("the demo portal did not start".into()),
    };
    // `--signed-in` is honoured by the app's runner after the first frame,
    // so the screen is never blank while the demo user signs in.
    let result = run_app(&settings, portal_url, demo).await;
    if let Some(s) = server {
        s.shutdown().await;
    }
    result
}

async fn start_demo(d: &DemoOptions) -> Result<server::RunningServer, String> {
    let config = server::ServerConfig {
        clock: d.clock,
        provisioning_delay: d.provisioning_delay,
        approval_ttl: d.approval_ttl,
        scale: d.scale,
        ..server::ServerConfig::default()
    };
    let s = server::spawn(config)
        .await
        .map_err(|e| format!("cannot start the demo portal: {e}"))?;
    tracing::info!(url = %s.base_url(), "embedded demo portal started");
    Ok(s)
}

async fn run_app(
    settings: &Settings,
    portal_url: String,
    demo: Option<DemoOptions>,
) -> Result<(), String> {
    let opts = tui::LaunchOptions {
        portal_url,
        demo: demo.as_ref().map(|d| app::DemoInfo {
            username: server::DEMO_USERNAME.to_string(),
            password: server::DEMO_PASSWORD.to_string(),
            signed_in: d.signed_in,
        }),
        username: settings.username.clone(),
        lang: settings.lang,
        ascii: settings.ascii,
        color: settings.color,
        secret_store: settings.secret_store,
        config_path: settings.config_path.clone(),
        audit_path: None,
        client: None,
        clock: demo.as_ref().and_then(|d| d.clock),
    };
    tui::run(opts).await.map_err(|e| e.to_string())
}
