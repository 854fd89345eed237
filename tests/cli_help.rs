//! The real binary's help and usage errors (assert_cmd). Each command runs
//! with an empty XDG environment so no user config is read.

use assert_cmd::Command;

fn licencias(home: &std::path::Path) -> Command {
    let mut cmd = Command::cargo_bin("licencias").unwrap();
    cmd.env_clear()
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    cmd
}

fn home() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("licencias-cli-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn stdout_of(args: &[&str]) -> String {
    let h = home();
    let out = licencias(&h).args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

fn usage_error(args: &[&str], envs: &[(&str, &str)]) -> String {
    let h = home();
    let mut cmd = licencias(&h);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn main_help_lists_every_flag_command_variable_and_file() {
    let help = stdout_of(&["--help"]);
    let demo_login = format!(
        "{} / {}",
        licencias::server::DEMO_USERNAME,
        licencias::server::DEMO_PASSWORD
    );
    for needle in [
        "--portal",
        "--user",
        "--lang",
        "--ascii",
        "--config",
        "--secret-store",
        "--log-level",
        "--signed-in",
        "demo",
        "serve",
        "LICENCIAS_PORTAL",
        "LICENCIAS_USER",
        "LICENCIAS_SECRET_STORE",
        "NO_COLOR",
        "config.toml",
        "licencias.log",
        "audit.jsonl",
        "auto",
        "secret-service",
        "keyutils",
        "memory",
        // The demo's credentials, as the server's demo data has them.
        demo_login.as_str(),
    ] {
        assert!(help.contains(needle), "--help lacks {needle}:\n{help}");
    }
}

#[test]
fn demo_help_lists_its_flags() {
    let help = stdout_of(&["demo", "--help"]);
    for needle in [
        "--clock",
        "--provisioning-delay",
        "--approval-ttl",
        "--scale",
        "--signed-in",
        "[default: 20]",
        "RFC3339",
    ] {
        assert!(help.contains(needle), "demo --help lacks {needle}:\n{help}");
    }
}

#[test]
fn serve_help_lists_its_flags() {
    let help = stdout_of(&["serve", "--help"]);
    for needle in [
        "--listen",
        "--tenants",
        "--clock",
        "--provisioning-delay",
        "--approval-ttl",
        "[default: 259200]",
        "--scale",
        "--state",
        "127.0.0.1:8787",
    ] {
        assert!(
            help.contains(needle),
            "serve --help lacks {needle}:\n{help}"
        );
    }
}

#[test]
fn version_is_printed() {
    assert!(stdout_of(&["--version"]).starts_with("licencias "));
}

#[test]
fn signed_in_is_refused_when_a_portal_is_configured() {
    let e = usage_error(
        &["--portal", "https://portal.example.com", "--signed-in"],
        &[],
    );
    assert!(e.contains("--signed-in"), "{e}");
    let e = usage_error(
        &["--signed-in"],
        &[("LICENCIAS_PORTAL", "https://portal.example.com")],
    );
    assert!(e.contains("--signed-in"), "{e}");
    // in the config file
    let h = home();
    let cfg = h.join("c.toml");
    std::fs::write(&cfg, "portal = \"https://portal.example.com\"\n").unwrap();
    let out = licencias(&h)
        .args(["--config", cfg.to_str().unwrap(), "--signed-in"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    // serve has no such flag
    usage_error(&["serve", "--signed-in"], &[]);
}

#[test]
fn demo_refuses_a_portal_and_bad_values() {
    usage_error(&["--portal", "https://portal.example.com", "demo"], &[]);
    usage_error(&["demo", "--portal", "https://portal.example.com"], &[]);
    usage_error(&["demo", "--clock", "yesterday"], &[]);
    usage_error(&["demo", "--scale", "many"], &[]);
    usage_error(&["demo", "--provisioning-delay", "-3"], &[]);
    usage_error(&["--lang", "fr"], &[]);
    usage_error(&["--secret-store", "vault"], &[]);
    usage_error(&["--log-level", "loud"], &[]);
    usage_error(&["--no-such-flag"], &[]);
    usage_error(&["nope"], &[]);
}

#[test]
fn plain_http_to_a_remote_portal_is_refused() {
    let e = usage_error(&["--portal", "http://portal.example.com"], &[]);
    assert!(e.contains("https://"), "{e}");
    let e = usage_error(&[], &[("LICENCIAS_PORTAL", "http://10.1.2.3:8787")]);
    assert!(e.contains("https://"), "{e}");
    usage_error(&["--portal", "not a url"], &[]);
}

#[test]
fn a_broken_config_file_is_reported_with_its_path() {
    let h = home();
    let cfg = h.join("broken.toml");
    std::fs::write(&cfg, "lang = \"fr\"\n").unwrap();
    let out = licencias(&h)
        .args(["--config", cfg.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("broken.toml") && err.contains("lang"), "{err}");
}
