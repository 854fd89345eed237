//! Sessions across restarts: the refresh token kept in the secret store
//! brings a restarted app straight to the services list; logging out
//! removes it.

mod app_support;

use app_support::App;
use licencias::app::{Context, Key, LoginReason, Session};
use licencias::secrets::SecretStore;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_inside_the_session_resumes_silently_and_logout_forgets_it() {
    let store = SecretStore::memory();
    let srv = licencias::server::spawn(licencias::server::ServerConfig {
        clock: Some(app_support::start_instant()),
        ..Default::default()
    })
    .await
    .unwrap();
    let mut app = App::start_on(srv, false, store.clone(), None).await;
    app.sign_in().await;
    app.settle().await;
    let url = app.srv.base_url();
    assert!(
        store.load(&url, "demo").await.is_some(),
        "the refresh token is kept after signing in"
    );
    let srv = app.quit_keep_server().await;

    // Restart with the remembered username: no password, no code.
    let mut app = App::start_on(srv, false, store.clone(), Some("demo")).await;
    assert!(matches!(app.m.session, Session::Resuming { .. }));
    app.until("the silent resume", |m| {
        m.session.is_logged_in() && m.services.loaded_at.is_some()
    })
    .await;
    assert_eq!(app.m.context(), Context::Services);
    assert_eq!(
        app.m.session.info().map(|i| i.user.username.as_str()),
        Some("demo")
    );

    // Sign out: the stored token goes.
    app.key(Key::ch('L'));
    app.settle().await;
    let Session::LoggedOut(form) = &app.m.session else {
        panic!("{:?}", app.m.session)
    };
    assert_eq!(form.reason, Some(LoginReason::LoggedOut));
    assert!(store.load(&url, "demo").await.is_none());
    let srv = app.quit_keep_server().await;

    // A restart now shows the login form, username filled in.
    let mut app = App::start_on(srv, false, store, Some("demo")).await;
    app.until("the login form", |m| {
        matches!(m.session, Session::LoggedOut(_))
    })
    .await;
    let Session::LoggedOut(form) = &app.m.session else {
        unreachable!()
    };
    assert_eq!(form.username.value(), "demo");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_signed_in_signs_in_through_the_runner_after_the_first_frame() {
    use licencias::app::{
        Clock, DemoInfo, Model, ModelInit, Msg, Prefs, Runner, RunnerConfig, update,
    };
    use licencias::portal::{ClientOptions, PortalClient};
    use licencias::secrets::StoreChoice;

    let srv = licencias::server::spawn(licencias::server::ServerConfig::default())
        .await
        .unwrap();
    let url = srv.base_url();
    let client = PortalClient::new(&url, ClientOptions::default()).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let audit = std::env::temp_dir().join(format!("licencias-demo-{}.jsonl", uuid::Uuid::new_v4()));
    let mut runner = Runner::new(
        RunnerConfig {
            client,
            portal_url: url.clone(),
            secret_store: StoreChoice::Memory,
            store: Some(SecretStore::memory()),
            audit_path: Some(audit),
            config_path: None,
            clock: Clock::system(),
        },
        tx,
    );
    let mut m = Model::new(ModelInit {
        portal_url: url,
        demo: Some(DemoInfo {
            username: licencias::server::DEMO_USERNAME.into(),
            password: licencias::server::DEMO_PASSWORD.into(),
            signed_in: true,
        }),
        username: None,
        prefs: Prefs {
            lang: licencias::i18n::Lang::Es,
            ascii: false,
            color: true,
        },
        now: chrono::Utc::now(),
        key_nonce: 1,
    });
    let fx = update(
        &mut m,
        Msg::Started {
            now: chrono::Utc::now(),
        },
    );
    // Nothing blocks before the first frame: the model is drawable now.
    assert!(matches!(m.session, Session::Resuming { .. }));
    runner.perform_all(fx);
    while !(m.session.is_logged_in() && m.services.loaded_at.is_some()) {
        let msg = tokio::time::timeout(std::time::Duration::from_secs(60), rx.recv())
            .await
            .expect("the demo signs in")
            .expect("the runner is alive");
        let fx = update(&mut m, msg);
        runner.perform_all(fx);
    }
    assert_eq!(m.context(), Context::Services);
    assert!(!m.services.rows.is_empty());
    drop(runner);
    srv.shutdown().await;
}
