//! Security checks on secrets (issue 6), after a full scripted session of
//! the app core (`update` + the real runner) at TRACE log level, with HOME,
//! every XDG directory and TMPDIR pointed at a fresh directory:
//! - passwords, TOTP codes, the TOTP secret, the MFA step token and every
//!   access and refresh token never appear in the log file, the audit log,
//!   the config file, any other file written during the session, the Debug
//!   text of any message, effect or model state (what a panic or an
//!   `{:?}` in a log line would print), or any message shown to the user;
//! - the refresh token is never written to disk (memory store: the test
//!   forces it, as CI has no keyring).
//!
//! Every secret is taken from the wire: a recording proxy between the
//! client and the real server keeps each request and answer, so the test
//! knows exactly which passwords, codes and tokens were used.
//!
//! One test per binary: it sets process-wide environment variables and the
//! global tracing subscriber.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use licencias::app::{
    Clock, Context, DoneOutcome, Key, KeyCode, Model, ModelInit, Msg, Prefs, Runner, RunnerConfig,
    Screen, Session, WizardStep, update,
};
use licencias::i18n::{self, Lang};
use licencias::logging::{self, LogLevel};
use licencias::portal::{ClientOptions, PortalClient};
use licencias::secrets::{SecretStore, StoreChoice};
use licencias::server::{self, RunningServer, ServerConfig};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;

const GIVE_UP: Duration = Duration::from_secs(90);

mod security_support;

use security_support::{Driver, Tape, all_files, proxy, secrets_on_the_wire};

// ------------------------------------------------------------ the session

struct App {
    m: Model,
    runner: Runner,
    rx: mpsc::UnboundedReceiver<Msg>,
    clock: Clock,
    /// Debug text of every message, effect and model state.
    debug: String,
    /// Every message shown to the user (failures, toasts, wizard errors),
    /// in both languages, and the screens at stable points.
    shown: String,
    term: Terminal<TestBackend>,
}

/// Keys go through `dispatch`, which records the Debug text of every
/// message, effect and model state on the way.
impl Driver for App {
    fn dispatch(&mut self, msg: Msg) {
        self.debug.push_str(&format!("{msg:?}\n"));
        let fx = update(&mut self.m, msg);
        self.debug.push_str(&format!("{fx:?}\n{:?}\n", self.m));
        self.runner.perform_all(fx);
    }
    fn now(&self) -> chrono::DateTime<Utc> {
        self.clock.now()
    }
}

impl App {
    async fn until(&mut self, what: &str, pred: impl Fn(&Model) -> bool) {
        loop {
            if pred(&self.m) {
                self.snapshot();
                return;
            }
            match tokio::time::timeout(GIVE_UP, self.rx.recv()).await {
                Ok(Some(msg)) => self.dispatch(msg),
                _ => panic!("gave up waiting for {what}"),
            }
        }
    }
    /// What the user sees now: the screen, and every message in words.
    fn snapshot(&mut self) {
        let m = &self.m;
        let _ = self.term.draw(|f| licencias::ui::render(m, f));
        let buf = self.term.backend().buffer().clone();
        let text: String = buf.content().iter().map(|c| c.symbol()).collect();
        self.shown.push_str(&text);
        let tz = m.policy.time_zone;
        for lang in [Lang::En, Lang::Es] {
            let t = i18n::t(lang);
            let mut failures = Vec::new();
            match &m.session {
                Session::LoggedOut(f) => failures.extend(f.error.clone()),
                Session::MfaEnrol(s) => failures.extend(s.error.clone()),
                Session::MfaVerify(s) => failures.extend(s.error.clone()),
                _ => {}
            }
            failures.extend(m.services.error.clone());
            for f in &failures {
                self.shown.push_str(&t.failure(f, tz));
                self.shown.push_str(&format!("{f}\n"));
            }
            for toast in &m.toasts {
                self.shown.push_str(&t.toast(&toast.message, tz));
            }
            if let Some(w) = m.wizard()
                && let Some(e) = &w.error
            {
                self.shown.push_str(&t.wizard_error(e, w.sub.quantity, tz));
            }
        }
    }
}

#[test]
fn no_secret_is_logged_shown_printed_or_written_to_disk() {
    let home = std::env::temp_dir().join(format!("licencias-secrets-{}", uuid::Uuid::new_v4()));
    let dirs = ["config", "data", "state", "cache", "runtime", "tmp"];
    for d in dirs {
        std::fs::create_dir_all(home.join(d)).unwrap();
    }
    // SAFETY: set before any other thread of this test binary exists (one
    // test in this binary; the runtime is built below).
    unsafe {
        std::env::set_var("HOME", &home);
        std::env::set_var("XDG_CONFIG_HOME", home.join("config"));
        std::env::set_var("XDG_DATA_HOME", home.join("data"));
        std::env::set_var("XDG_STATE_HOME", home.join("state"));
        std::env::set_var("XDG_CACHE_HOME", home.join("cache"));
        std::env::set_var("XDG_RUNTIME_DIR", home.join("runtime"));
        std::env::set_var("TMPDIR", home.join("tmp"));
    }
    let guard = logging::init_file(
        LogLevel::Trace,
        &licencias::config::default_log_path().expect("an XDG state dir"),
    )
    .expect("logging to the XDG state dir");
    let log_path = guard.path().map(Path::to_path_buf).expect("a log file");
    assert!(log_path.starts_with(&home), "{}", log_path.display());

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let tape = Arc::new(Mutex::new(Tape::default()));
    let (debug, shown) = rt.block_on(session(Arc::clone(&tape)));
    drop(guard); // flush the log
    std::thread::sleep(Duration::from_millis(200));

    let tape = tape.lock().unwrap();
    let secrets = secrets_on_the_wire(&tape);
    let has = |kind: &str| {
        tape.exchanges
            .iter()
            .any(|(req, answer)| req.contains(kind) || answer.contains(kind))
    };
    assert!(has("\"refresh_token\""), "the session used refresh tokens");
    assert!(has("\"password\""));
    assert!(has("\"code\""));
    assert!(
        secrets.len() >= 10,
        "password, codes, step tokens, TOTP secret and several token pairs: {}",
        secrets.len()
    );
    let totp_secret_like: Vec<&String> = secrets
        .iter()
        .filter(|s| {
            s.starts_with("otpauth://")
                || s.chars()
                    .all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c))
        })
        .collect();

    // Files written during the session: log, audit log, config, anything.
    let mut files = Vec::new();
    all_files(&home, &mut files);
    let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    assert!(files.iter().any(|p| p == &log_path), "{names:?}");
    assert!(
        names.iter().any(|n| n.contains("audit")),
        "the audit log is in the XDG data dir: {names:?}"
    );
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(log.lines().count() > 20, "TRACE logging wrote the session");
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for s in &secrets {
            assert!(
                !text.contains(s.as_str()),
                "a secret ({} chars) is in {}",
                s.len(),
                f.display()
            );
        }
    }
    // What a panic or a `{:?}` would print.
    for s in &secrets {
        assert!(
            !debug.contains(s.as_str()),
            "a secret ({} chars) is in a Debug text",
            s.len()
        );
    }
    // What the user is shown: never a token, password or code (the
    // enrolment screen shows the TOTP secret on purpose, for manual entry).
    for s in secrets.iter().filter(|s| !totp_secret_like.contains(s)) {
        assert!(
            !shown.contains(s.as_str()),
            "a secret ({} chars) is shown",
            s.len()
        );
    }
    let _ = std::fs::remove_dir_all(&home);
}

async fn start(url: &str, config_path: PathBuf) -> App {
    let clock = Clock::system();
    let client = PortalClient::new(
        url,
        ClientOptions {
            backoff_base: Duration::from_millis(20),
            backoff_max: Duration::from_millis(200),
            ..ClientOptions::default()
        },
    )
    .unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    let runner = Runner::new(
        RunnerConfig {
            client,
            portal_url: url.to_string(),
            secret_store: StoreChoice::Memory,
            store: Some(SecretStore::memory()),
            audit_path: None, // the XDG default, inside the test's HOME
            config_path: Some(config_path),
            clock,
        },
        tx,
    );
    let m = Model::new(ModelInit {
        portal_url: url.to_string(),
        demo: None,
        username: None,
        prefs: Prefs {
            lang: Lang::En,
            ascii: false,
            color: false,
        },
        now: clock.now(),
        key_nonce: uuid::Uuid::new_v4().as_u128(),
    });
    let mut app = App {
        m,
        runner,
        rx,
        clock,
        debug: String::new(),
        shown: String::new(),
        term: Terminal::new(TestBackend::new(120, 40)).unwrap(),
    };
    let now = app.clock.now();
    app.dispatch(Msg::Started { now });
    app
}

async fn session(tape: Arc<Mutex<Tape>>) -> (String, String) {
    let srv: RunningServer = server::spawn(ServerConfig {
        provisioning_delay: Duration::from_millis(800),
        ..ServerConfig::default()
    })
    .await
    .unwrap();
    let url = proxy(srv.addr(), tape).await;
    let config_path = licencias::config::default_config_path().unwrap();
    let mut app = start(&url, config_path.clone()).await;

    // A wrong password first.
    app.typed(server::DEMO_USERNAME);
    app.tab();
    app.typed("not-the-password-123");
    app.enter();
    app.until(
        "the wrong-password message",
        |m| matches!(&m.session, Session::LoggedOut(f) if f.error.is_some()),
    )
    .await;
    // The right one: enrolment.
    app.typed(server::DEMO_PASSWORD);
    app.enter();
    app.until(
        "the enrolment secret",
        |m| matches!(&m.session, Session::MfaEnrol(s) if s.enrolment.is_some()),
    )
    .await;
    let Session::MfaEnrol(s) = &app.m.session else {
        unreachable!()
    };
    let uri = s.enrolment.as_ref().unwrap().otpauth_uri.clone();
    let totp = totp_rs::Totp::from_url(&uri).unwrap();
    let code = totp.generate_current().to_string();
    app.typed(&code);
    app.enter();
    app.until("the services list", |m| {
        m.session.is_logged_in() && m.services.loaded_at.is_some()
    })
    .await;

    // The access token expires: refreshed silently while opening a detail.
    srv.expire_access_tokens();
    app.key(Key::ch('/'));
    app.typed("sub-bs");
    app.enter();
    app.enter();
    app.until("the detail", |m| {
        matches!(m.screen(), Screen::Detail(d) if d.request.is_none())
            && m.subscription("sub-bs").is_some()
    })
    .await;

    // A change with an approval reference, tracked to the end.
    app.key(Key::ch('c'));
    app.enter();
    app.typed("12");
    app.enter();
    assert_eq!(app.m.context(), Context::WizardReview);
    let n = match &app.m.wizard().unwrap().step {
        WizardStep::Review(r) => r.acks.len(),
        other => panic!("{other:?}"),
    };
    for _ in 0..n {
        app.key(Key::ch(' '));
        app.tab();
    }
    app.key(Key::ch(' '));
    app.tab();
    app.typed("CHG-9");
    app.enter();
    app.until("the change to be reflected", |m| {
        matches!(
            m.wizard().map(|w| &w.step),
            Some(WizardStep::Done {
                outcome: DoneOutcome::Applied(_),
                ..
            })
        )
    })
    .await;
    srv.expire_access_tokens();
    app.key(Key::plain(KeyCode::Esc));
    app.until(
        "the detail again",
        |m| matches!(m.screen(), Screen::Detail(d) if d.request.is_none()),
    )
    .await;

    // Log out, then sign in again: a wrong code (sent, refused), a good one
    // from the next time step (the enrolment one is spent).
    app.key(Key::plain(KeyCode::Esc));
    assert_eq!(app.m.context(), Context::Services);
    app.key(Key::ch('L'));
    app.until("logged out", |m| {
        matches!(m.session, Session::LoggedOut(_)) && m.in_flight.is_empty()
    })
    .await;
    app.typed(server::DEMO_PASSWORD);
    app.enter();
    app.until("the verify step", |m| {
        matches!(m.session, Session::MfaVerify(_))
    })
    .await;
    let next = u64::try_from(Utc::now().timestamp()).unwrap() + 30;
    let good = totp.generate(next).to_string();
    // A wrong code unlike any number the session prints.
    let wrong = format!(
        "{:06}",
        (good.parse::<u32>().unwrap() + 500_017) % 1_000_000
    );
    app.typed(&wrong);
    app.enter();
    app.until(
        "the wrong-code message",
        |m| matches!(&m.session, Session::MfaVerify(s) if s.error.is_some() && s.request.is_none()),
    )
    .await;
    app.typed(&good);
    app.enter();
    app.until("signed in again", |m| {
        m.session.is_logged_in() && m.services.request.is_none()
    })
    .await;
    app.runner.flush().await;
    while let Ok(msg) = app.rx.try_recv() {
        app.dispatch(msg);
    }
    app.snapshot();
    let out = (
        std::mem::take(&mut app.debug),
        std::mem::take(&mut app.shown),
    );
    drop(app);
    srv.shutdown().await;
    assert!(
        config_path.exists(),
        "the username was remembered in the config file"
    );
    out
}
