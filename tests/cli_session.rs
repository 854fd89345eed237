//! The scripting commands over real HTTP against the reference server: the
//! session between commands (file and kernel keyring stores), `login`,
//! `logout`, `status`, `list`, `show`, `windows`, `completions`, `man`, and
//! the exit codes 0, 1, 2 and 3.

mod cli_support;

use std::time::Duration;

use cli_support::{INSIDE, OUTSIDE, bin, isolate, start, start_tenants, tenants_json};

const SLOW: Duration = Duration::from_secs(300);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_then_every_read_command_reuses_the_session() {
    let env = start(INSIDE, SLOW).await;
    let out = env.login_bob().await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("Bob Ops (bob)"), "{out:?}");
    assert!(out.stdout.contains("acme"), "{out:?}");

    // status: the API's names, signed in, the store used
    let status = env.run(&["status", "--json"]).await;
    assert_eq!(status.code, 0, "{status:?}");
    let s = status.json();
    let mut keys: Vec<&str> = s.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "portal",
            "secret_store",
            "session_expires_at",
            "signed_in",
            "tenant",
            "user"
        ]
    );
    assert_eq!(s["signed_in"], true);
    assert_eq!(s["user"], "bob");
    assert_eq!(s["tenant"], "acme");
    assert_eq!(s["secret_store"], "file");
    assert_eq!(s["portal"], env.url.as_str());

    // list: summaries with their service, only this tenant's
    let list = env.run(&["list", "--json"]).await;
    assert_eq!(list.code, 0, "{list:?}");
    let rows = list.json();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 7);
    let bs = rows.iter().find(|r| r["id"] == "acme-bs").unwrap();
    assert_eq!(bs["service_id"], "m365");
    assert_eq!(bs["service_name"], "Microsoft 365");
    for field in [
        "name",
        "quantity",
        "term",
        "renewal_date",
        "status",
        "decrease_window",
        "has_scheduled_change",
        "has_pending_operation",
    ] {
        assert!(bs.get(field).is_some(), "missing {field}");
    }
    assert!(rows.iter().all(|r| r["id"] != "globex-bs"));

    // filter (every word) and sort
    let out = env
        .run(&["list", "--json", "--filter", "exchange acme"])
        .await;
    let ids: Vec<String> = out
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, ["acme-exo"]);
    let out = env.run(&["list", "--json", "--sort", "window"]).await;
    let first = out.json()[0]["id"].as_str().unwrap().to_string();
    assert_ne!(
        first, "acme-susp",
        "a subscription without a window sorts last"
    );

    // the human table: aligned, plain, one header line
    let table = env.run(&["list"]).await;
    assert_eq!(table.code, 0, "{table:?}");
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(lines.len(), 8, "{table:?}");
    assert!(lines[0].starts_with("Service"), "{table:?}");
    assert!(
        !table.stdout.contains('\u{1b}'),
        "no escape codes when piped"
    );

    // show: the subscription as the portal gives it, by id or by name
    let show = env.run(&["show", "acme-bs", "--json"]).await;
    assert_eq!(show.code, 0, "{show:?}");
    let dto = show.json();
    assert_eq!(dto["id"], "acme-bs");
    assert_eq!(dto["quantity"], 10);
    assert!(dto.get("version").is_some());
    let by_name = env.run(&["show", "PLAN ACME-E3", "--json"]).await;
    assert_eq!(by_name.json()["id"], "acme-e3");
    let human = env.run(&["show", "acme-bs"]).await;
    assert!(human.stdout.contains("Licences:"), "{human:?}");

    // Spanish where asked
    let es = env.run(&["show", "acme-bs", "--lang", "es"]).await;
    assert!(es.stdout.contains("Licencias:"), "{es:?}");

    // unknown: exit 2, the error envelope on stdout
    let unknown = env.run(&["show", "nope", "--json"]).await;
    assert_eq!(unknown.code, 2, "{unknown:?}");
    assert_eq!(unknown.error_code(), "unknown_subscription");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ambiguous_name_is_exit_2_with_the_ids() {
    let mut tenants: serde_json::Value = serde_json::from_str(&tenants_json()).unwrap();
    tenants["tenants"][0]["services"][1]["subscriptions"][0]["name"] = "Plan acme-bs".into();
    let env = start_tenants(tenants.to_string(), INSIDE, SLOW).await;
    assert_eq!(env.login_bob().await.code, 0);
    let out = env.run(&["show", "plan ACME-bs", "--json"]).await;
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(out.error_code(), "ambiguous_subscription");
    assert_eq!(
        out.json()["error"]["details"]["ids"],
        serde_json::json!(["acme-bs", "acme-exo"])
    );
    // the id itself is never ambiguous
    assert_eq!(env.run(&["show", "acme-exo", "--json"]).await.code, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_session_or_a_portal() {
    let env = start(INSIDE, SLOW).await;
    // no session: exit 3, "run licencias login"
    let out = env.run(&["list", "--json"]).await;
    assert_eq!(out.code, 3, "{out:?}");
    assert_eq!(out.error_code(), "not_signed_in");
    assert!(out.stderr.contains("licencias login"), "{out:?}");
    let status = env.run(&["status", "--json"]).await;
    assert_eq!(status.code, 3, "{status:?}");
    assert_eq!(status.json()["signed_in"], false);

    // no portal anywhere: exit 2, says how to give one
    let mut cmd = std::process::Command::new(bin());
    isolate(&mut cmd, &env.home);
    let out = cmd
        .args(["list"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--portal"), "{err}");
    assert!(err.contains("licencias serve"), "{err}");

    // sign-in failures: exit 3
    let wrong = env
        .run_with(
            &[
                "login",
                "--user",
                "bob",
                "--password-stdin",
                "--code",
                "000000",
            ],
            Some("nope\n"),
        )
        .await;
    assert_eq!(wrong.code, 3, "{wrong:?}");
    let enrol = env
        .run_with(
            &["login", "--user", "alice", "--password-stdin"],
            Some("alice-pw\n"),
        )
        .await;
    assert_eq!(enrol.code, 3, "{enrol:?}");
    assert!(enrol.stderr.contains("terminal"), "{enrol:?}");
    // no password and no terminal: a usage error
    let no_pw = env
        .run(&["login", "--user", "bob", "--code", "123456"])
        .await;
    assert_eq!(no_pw.code, 2, "{no_pw:?}");
    // a bad flag value: clap's usage error
    assert_eq!(env.run(&["list", "--sort", "size"]).await.code, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_ends_the_session_and_a_dead_portal_is_exit_1() {
    let mut env = start(INSIDE, SLOW).await;
    assert_eq!(env.login_bob().await.code, 0);
    let out = env.run(&["logout"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(env.run(&["list"]).await.code, 3);
    // again: nothing to end, still fine
    assert_eq!(env.run(&["logout"]).await.code, 0);

    // a stored session, then the portal goes away: exit 1
    env.clock = INSIDE.into();
    let env2 = start(INSIDE, SLOW).await;
    assert_eq!(env2.login_bob().await.code, 0);
    let mut env2 = env2;
    env2.stop().await;
    let out = env2.run(&["list", "--json"]).await;
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.error_code(), "network_error");
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_commands_at_once_both_succeed_and_the_session_survives() {
    let env = start(INSIDE, SLOW).await;
    assert_eq!(env.login_bob().await.code, 0);
    let (a, b) = tokio::join!(env.run(&["list", "--json"]), env.run(&["list", "--json"]));
    assert_eq!(a.code, 0, "{a:?}");
    assert_eq!(b.code, 0, "{b:?}");
    let third = env.run(&["status", "--json"]).await;
    assert_eq!(third.code, 0, "{third:?}");
    assert_eq!(third.json()["signed_in"], true);
}

/// Does this kernel give the process a keyring it can use?
fn kernel_has_keyrings() -> Result<(), String> {
    let out = std::process::Command::new("keyctl")
        .args(["show", "@u"])
        .output()
        .map_err(|e| format!("keyctl (package keyutils) cannot run: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_and_list_share_the_session_through_the_kernel_keyring() {
    if let Err(reason) = kernel_has_keyrings() {
        eprintln!("skipped: the kernel gives no keyring here ({reason})");
        return;
    }
    for store in ["keyutils", "auto"] {
        let mut env = start(INSIDE, SLOW).await;
        env.store = store.into();
        let login = env.login_bob().await;
        assert_eq!(login.code, 0, "{store}: {login:?}");
        let list = env.run(&["list", "--json"]).await;
        assert_eq!(list.code, 0, "{store}: {list:?}");
        let status = env.run(&["status", "--json"]).await;
        assert_eq!(status.code, 0, "{store}: {status:?}");
        // auto may find a Secret Service on a desktop; here it is the kernel
        if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
            assert_eq!(status.json()["secret_store"], "keyutils", "{store}");
        }
        assert_eq!(env.run(&["logout"]).await.code, 0);
        assert_eq!(env.run(&["list"]).await.code, 3, "{store}: forgotten");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_file_store_is_private_to_the_user() {
    let env = start(INSIDE, SLOW).await;
    assert_eq!(env.login_bob().await.code, 0);
    let dir = env.home.join("state/licencias/tokens");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&files[0]), 0o600);
    }
    // the token rotates at every command: the file changes, the session goes on
    let before = std::fs::read(&files[0]).unwrap();
    assert_eq!(env.run(&["list"]).await.code, 0);
    assert_ne!(std::fs::read(&files[0]).unwrap(), before);
    assert_eq!(env.run(&["list"]).await.code, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn windows_lists_open_and_coming_windows_closing_first() {
    let env = start(INSIDE, SLOW).await;
    assert_eq!(env.login_bob().await.code, 0);
    let out = env.run(&["windows", "--json"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    let rows = out.json();
    let rows = rows.as_array().unwrap();
    // every active acme subscription: window 20..=25 Nov, today 22 Nov
    assert_eq!(rows.len(), 6, "{rows:?}");
    let bs = rows.iter().find(|r| r["id"] == "acme-bs").unwrap();
    let mut keys: Vec<&str> = bs.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "days_left",
            "decrease_window",
            "id",
            "name",
            "quantity",
            "service_name"
        ]
    );
    assert_eq!(bs["days_left"], 4);
    assert_eq!(bs["decrease_window"]["closes"], "2026-11-25");
    assert!(rows.iter().all(|r| r["id"] != "acme-susp"));

    // outside: the next windows open on 20 Dec
    let env = start(OUTSIDE, SLOW).await;
    assert_eq!(env.login_bob().await.code, 0);
    let none = env.run(&["windows", "--json"]).await;
    assert_eq!(none.json(), serde_json::json!([]));
    let human = env.run(&["windows"]).await;
    assert!(human.stderr.contains("within 7 days"), "{human:?}");
    let later = env.run(&["windows", "--within", "30", "--json"]).await;
    let later = later.json();
    let later = later.as_array().unwrap();
    // the annual subscription's next window is a year away
    assert_eq!(later.len(), 5, "{later:?}");
    assert!(later.iter().all(|r| r["id"] != "acme-e3"));
    assert_eq!(later[0]["decrease_window"]["open"], false);
    assert_eq!(later[0]["decrease_window"]["opens"], "2026-12-20");
}

#[test]
fn completions_and_the_man_page() {
    let home = std::env::temp_dir().join(format!("licencias-cli-{}", uuid::Uuid::new_v4()));
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let mut cmd = std::process::Command::new(bin());
        isolate(&mut cmd, &home);
        let out = cmd.args(["completions", shell]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("cancel-scheduled"), "{shell}");
    }
    let mut cmd = std::process::Command::new(bin());
    isolate(&mut cmd, &home);
    let out = cmd.arg("man").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(page.starts_with(".ie") || page.contains(".TH"), "{page}");
    assert!(page.contains("LICENCIAS CHANGE"));
    assert!(page.contains("still pending when"));
    // --help lists the exit codes too
    let mut cmd = std::process::Command::new(bin());
    isolate(&mut cmd, &home);
    let help = cmd.args(["change", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("Exit codes"), "{help}");
    assert!(help.contains("--idempotency-key"), "{help}");
}
