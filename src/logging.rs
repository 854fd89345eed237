//! Logging with `tracing`: to a file in the XDG state dir while the TUI runs
//! (never to the terminal), to stderr for `licencias serve`.
//!
//! Secrets never reach the log, by three layers:
//! 1. the types that hold them (`SecretString`, the wire types of `api`)
//!    redact themselves in `Debug`, and nothing formats a request body;
//! 2. fields whose name says "secret" (`password`, `token`, `code`,
//!    `secret`, `authorization`...) are written as `[redacted]` whatever
//!    their value;
//! 3. every line is scanned before it is written: `Bearer ...`, JSON
//!    members such as `"password": "..."` and `secret=` query parameters are
//!    redacted.
//!
//! Chatty transport crates (hyper, h2, rustls, reqwest) are capped at `warn`
//! so that no header ever gets traced.

use std::borrow::Cow;
use std::io::Write;
use std::path::{Path, PathBuf};

use tracing_subscriber::EnvFilter;
use tracing_subscriber::field::MakeExt;
use tracing_subscriber::fmt::MakeWriter;

/// `--log-level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogLevel {
    Error,
    Warn,
    #[default]
    Info,
    Debug,
    Trace,
}

impl LogLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
            LogLevel::Trace => "trace",
        }
    }
}

impl std::fmt::Display for LogLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for LogLevel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "error" => Ok(LogLevel::Error),
            "warn" | "warning" => Ok(LogLevel::Warn),
            "info" => Ok(LogLevel::Info),
            "debug" => Ok(LogLevel::Debug),
            "trace" => Ok(LogLevel::Trace),
            other => Err(format!("unknown log level '{other}'")),
        }
    }
}

/// Logging could not start.
#[derive(Debug, thiserror::Error)]
pub enum LoggingError {
    #[error("cannot open the log file {path}: {source}")]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("logging was already set up")]
    AlreadyInitialised,
}

/// Keep it alive until the program ends: dropping it flushes the log.
pub struct LogGuard {
    _worker: Option<tracing_appender::non_blocking::WorkerGuard>,
    path: Option<PathBuf>,
}

impl LogGuard {
    /// The log file, when logging to a file.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }
}

/// Field names whose values are never written.
const SECRET_FIELD_WORDS: &[&str] = &[
    "password",
    "passwd",
    "token",
    "secret",
    "code",
    "otp",
    "authorization",
    "cookie",
    "credential",
];

/// Is a field with this name secret? (`mfa_token`, `refresh_token`,
/// `totp_code`, `password`... but not `status_code`-like counters.)
pub fn is_secret_field(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    if matches!(n.as_str(), "status_code" | "error_code" | "code_len") {
        return false;
    }
    SECRET_FIELD_WORDS.iter().any(|w| n.contains(w))
}

const JSON_SECRET_KEYS: &[&str] = &[
    "password",
    "access_token",
    "refresh_token",
    "mfa_token",
    "token",
    "code",
    "secret",
    "otpauth_uri",
];

/// Redact secret-looking parts of one log text. Returns the input unchanged
/// (borrowed) when nothing matched.
pub fn redact_text(input: &str) -> Cow<'_, str> {
    let mut out: Cow<'_, str> = Cow::Borrowed(input);
    // `Bearer <token>`
    if contains_ci(&out, "bearer ") {
        out = Cow::Owned(redact_after(&out, "bearer ", |c| {
            c.is_ascii_alphanumeric() || "-._~+/=".contains(c)
        }));
    }
    // `secret=...` (otpauth URIs, query strings)
    if contains_ci(&out, "secret=") {
        out = Cow::Owned(redact_after(&out, "secret=", |c| {
            c != '&' && c != '"' && !c.is_whitespace()
        }));
    }
    // JSON members: "key": "value" (also inside Debug-escaped strings)
    for key in JSON_SECRET_KEYS {
        let needle = format!("\"{key}");
        if out.contains(&needle) {
            out = Cow::Owned(redact_json_member(&out, &needle));
        }
    }
    out
}

fn contains_ci(haystack: &str, needle: &str) -> bool {
    haystack.to_ascii_lowercase().contains(needle)
}

/// Replace the run of `keep(c)` characters after every (case-insensitive)
/// `marker` with `[redacted]`.
fn redact_after(input: &str, marker: &str, keep: impl Fn(char) -> bool) -> String {
    let lower = input.to_ascii_lowercase();
    let mut out = String::with_capacity(input.len());
    let mut pos = 0;
    while let Some(found) = lower[pos..].find(marker) {
        let start = pos + found + marker.len();
        out.push_str(&input[pos..start]);
        let rest = &input[start..];
        let len: usize = rest
            .chars()
            .take_while(|c| keep(*c))
            .map(char::len_utf8)
            .sum();
        if len > 0 && !rest[..len].starts_with("[redacted]") {
            out.push_str("[redacted]");
        } else {
            out.push_str(&rest[..len]);
        }
        pos = start + len;
    }
    out.push_str(&input[pos..]);
    out
}

/// `"key" : "value"` -> `"key" : "[redacted]"` (also escaped-quote forms
/// inside Debug strings: `\"key\": \"value\"`). `needle` is `"key`.
fn redact_json_member(input: &str, needle: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut pos = 0;
    while let Some(found) = input[pos..].find(needle) {
        let after_key = pos + found + needle.len();
        out.push_str(&input[pos..after_key]);
        let rest = &input[after_key..];
        let bytes = rest.as_bytes();
        let mut i = 0;
        // closing quote of the key, maybe escaped
        if i < bytes.len() && bytes[i] == b'\\' {
            i += 1;
        }
        if i < bytes.len() && bytes[i] == b'"' {
            i += 1;
            while i < bytes.len() && bytes[i] == b' ' {
                i += 1;
            }
            if i < bytes.len() && bytes[i] == b':' {
                i += 1;
                while i < bytes.len() && bytes[i] == b' ' {
                    i += 1;
                }
                if i < bytes.len() && bytes[i] == b'\\' {
                    i += 1;
                }
                if i < bytes.len() && bytes[i] == b'"' {
                    i += 1;
                    let value_start = i;
                    while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\\' {
                        i += 1;
                    }
                    out.push_str(&rest[..value_start]);
                    if i > value_start {
                        out.push_str("[redacted]");
                    }
                    pos = after_key + i;
                    continue;
                }
            }
        }
        pos = after_key;
    }
    out.push_str(&input[pos..]);
    out
}

/// A writer that redacts every chunk (the fmt layer writes one event per call).
pub struct RedactingWriter<W: Write>(pub W);

impl<W: Write> Write for RedactingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0.write_all(redact_text(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// [`MakeWriter`] wrapper producing [`RedactingWriter`]s.
#[derive(Clone)]
pub struct RedactingMakeWriter<M>(pub M);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for RedactingMakeWriter<M> {
    type Writer = RedactingWriter<M::Writer>;
    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter(self.0.make_writer())
    }
}

fn filter(level: LogLevel) -> EnvFilter {
    let quiet = [
        "hyper",
        "hyper_util",
        "h2",
        "rustls",
        "reqwest",
        "zbus",
        "tower",
        "tower_http",
        "mio",
        "tokio_util",
        "want",
    ];
    let mut directives = level.as_str().to_string();
    for target in quiet {
        directives.push_str(&format!(",{target}=warn"));
    }
    EnvFilter::new(directives)
}

type FieldFormatter = tracing_subscriber::field::delimited::Delimited<
    &'static str,
    tracing_subscriber::fmt::format::FieldFn<
        fn(
            &mut tracing_subscriber::fmt::format::Writer<'_>,
            &tracing::field::Field,
            &dyn std::fmt::Debug,
        ) -> std::fmt::Result,
    >,
>;

fn format_field(
    w: &mut tracing_subscriber::fmt::format::Writer<'_>,
    field: &tracing::field::Field,
    value: &dyn std::fmt::Debug,
) -> std::fmt::Result {
    let name = field.name();
    if name == "message" {
        write!(w, "{value:?}")
    } else if is_secret_field(name) {
        write!(w, "{name}=[redacted]")
    } else {
        write!(w, "{name}={value:?}")
    }
}

/// The redacting field formatter used by every subscriber built here.
pub fn field_formatter() -> FieldFormatter {
    let f: fn(
        &mut tracing_subscriber::fmt::format::Writer<'_>,
        &tracing::field::Field,
        &dyn std::fmt::Debug,
    ) -> std::fmt::Result = format_field;
    tracing_subscriber::fmt::format::debug_fn(f).delimited(" ")
}

/// Open (append, mode 0600) the log file at `path`, creating its directory.
fn open_log(path: &Path) -> Result<std::fs::File, LoggingError> {
    let err = |source| LoggingError::Open {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path).map_err(err)
}

/// Log to the file at `path` (appending).
pub fn init_file(level: LogLevel, path: &Path) -> Result<LogGuard, LoggingError> {
    let file = open_log(path)?;
    // At most 1,024 lines wait for the writer thread (32 KiB); the default
    // of 128,000 preallocates 4 MiB, a fifth of the client's memory budget.
    // Lines beyond that are dropped rather than blocking the interface.
    let (writer, worker) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(1024)
        .lossy(true)
        .finish(file);
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter(level))
        .with_ansi(false)
        .with_target(true)
        .fmt_fields(field_formatter())
        .with_writer(RedactingMakeWriter(writer))
        .finish();
    tracing::subscriber::set_global_default(subscriber)
        .map_err(|_| LoggingError::AlreadyInitialised)?;
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "licencias started");
    Ok(LogGuard {
        _worker: Some(worker),
        path: Some(path.to_path_buf()),
    })
}

/// Log to stderr (`licencias serve`).
pub fn init_stderr(level: LogLevel) -> Result<LogGuard, LoggingError> {
    use std::io::IsTerminal;
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter(level))
        .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
        .fmt_fields(field_formatter())
        .with_writer(RedactingMakeWriter(std::io::stderr))
        .finish();
    tracing::subscriber::set_global_default(subscriber)
        .map_err(|_| LoggingError::AlreadyInitialised)?;
    Ok(LogGuard {
        _worker: None,
        path: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    impl<'a> MakeWriter<'a> for Buf {
        type Writer = Buf;
        fn make_writer(&'a self) -> Buf {
            self.clone()
        }
    }

    fn capture(f: impl FnOnce()) -> String {
        let buf = Buf::default();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(filter(LogLevel::Trace))
            .with_ansi(false)
            .fmt_fields(field_formatter())
            .with_writer(RedactingMakeWriter(buf.clone()))
            .finish();
        tracing::subscriber::with_default(subscriber, f);
        String::from_utf8(buf.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn secret_fields_are_redacted_by_name() {
        let out = capture(|| {
            tracing::info!(
                password = "hunter2",
                refresh_token = "rt-SECRET-1",
                mfa_token = %"mfa-SECRET-2",
                totp_code = 123456,
                user = "ana",
                "signing in"
            );
        });
        assert!(out.contains("signing in"), "{out}");
        assert!(out.contains("user=\"ana\""), "{out}");
        for s in ["hunter2", "rt-SECRET-1", "mfa-SECRET-2", "123456"] {
            assert!(!out.contains(s), "{s} leaked: {out}");
        }
    }

    #[test]
    fn secret_text_in_messages_is_redacted() {
        let out = capture(|| {
            tracing::warn!(
                "sent Authorization: Bearer abc.DEF-123 with body {}",
                r#"{"username":"ana","password":"hunter2","code": "654321"}"#
            );
            tracing::warn!(
                "uri otpauth://totp/L:ana?secret=JBSWY3DPEHPK3PXP&issuer=L and {:?}",
                r#"{"refresh_token":"rt-XYZ"}"#
            );
        });
        for s in [
            "abc.DEF-123",
            "hunter2",
            "654321",
            "JBSWY3DPEHPK3PXP",
            "rt-XYZ",
        ] {
            assert!(!out.contains(s), "{s} leaked: {out}");
        }
        assert!(out.contains("\"username\":\"ana\""), "{out}");
        assert!(out.contains("issuer=L"), "{out}");
    }

    #[test]
    fn secret_types_redact_themselves() {
        let secret = secrecy::SecretString::from("tok-SECRET");
        let out = capture(|| tracing::info!(value = ?secret, "holding"));
        assert!(!out.contains("tok-SECRET"), "{out}");
    }

    #[test]
    fn plain_text_is_untouched() {
        assert!(matches!(redact_text("GET /services 200"), Cow::Borrowed(_)));
        assert_eq!(redact_text("Bearer [redacted]"), "Bearer [redacted]");
    }

    #[test]
    fn field_names() {
        for n in [
            "password",
            "access_token",
            "Authorization",
            "totp_code",
            "secret",
        ] {
            assert!(is_secret_field(n), "{n}");
        }
        for n in ["user", "status", "path", "status_code", "attempt"] {
            assert!(!is_secret_field(n), "{n}");
        }
    }

    #[test]
    fn levels_parse() {
        assert_eq!("DEBUG".parse::<LogLevel>().unwrap(), LogLevel::Debug);
        assert!("loud".parse::<LogLevel>().is_err());
    }
}
