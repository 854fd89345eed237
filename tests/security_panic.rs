//! The terminal is restored after a panic in a view, and after SIGTERM /
//! SIGHUP (an SSH disconnect), checked on a real pseudo-terminal (issue 6).
//!
//! The real binary (a debug build: the panic hook
//! `LICENCIAS_TEST_PANIC_IN_VIEW=1` exists only with debug assertions, see
//! `tui::event_loop`) runs under util-linux `script`, which gives it a pty.
//! In the same pty, after the binary exits, `stty -a` reports the line
//! discipline: raw mode must be off (`icanon`, `echo`). The output must leave
//! the alternate screen and show the cursor BEFORE the panic message, so
//! the message is readable on the normal screen.

use std::path::PathBuf;
use std::process::Command;

fn temp_home() -> PathBuf {
    let home = std::env::temp_dir().join(format!("licencias-pty-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&home).unwrap();
    home
}

/// Run `shell` in a 120x40 pty (util-linux `script`); returns the raw bytes
/// the pty showed.
fn in_pty(shell: &str) -> Vec<u8> {
    let out = Command::new("script")
        .args([
            "-qec",
            &format!("stty cols 120 rows 40; {shell}"),
            "/dev/null",
        ])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("util-linux `script` runs (it provides the pty for this test)");
    out.stdout
}

fn positions(hay: &[u8], needle: &[u8]) -> Vec<usize> {
    hay.windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect()
}

fn env_prefix(home: &std::path::Path) -> String {
    format!(
        "HOME={h} XDG_CONFIG_HOME={h}/c XDG_STATE_HOME={h}/s XDG_DATA_HOME={h}/d LANG=en_US.UTF-8 RUST_BACKTRACE=0",
        h = home.display()
    )
}

/// After the binary: its exit code and the pty's modes.
const AFTER: &str = "printf '\\nEXIT=%s\\n' $?; stty -a";

fn exit_code(out: &str) -> Option<i32> {
    out.split("EXIT=")
        .nth(1)?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Raw mode is off: canonical input and echo are back.
fn assert_cooked(out: &str) {
    let modes = out.rsplit("speed ").next().unwrap_or("");
    let words: Vec<&str> = modes.split_whitespace().collect();
    for flag in ["icanon", "echo", "isig", "icrnl", "opost"] {
        assert!(
            words.contains(&flag),
            "`{flag}` is off after the app exited: raw mode left on\n{modes}"
        );
    }
}

#[test]
fn a_panic_in_a_view_restores_the_terminal_and_the_message_is_readable() {
    let home = temp_home();
    let bin = env!("CARGO_BIN_EXE_licencias");
    let raw = in_pty(&format!(
        "{} LICENCIAS_TEST_PANIC_IN_VIEW=1 {bin} demo --secret-store memory; {AFTER}",
        env_prefix(&home)
    ));
    let text = String::from_utf8_lossy(&raw);
    assert_eq!(exit_code(&text), Some(101), "a panic exit\n{text}");
    let entered = positions(&raw, b"\x1b[?1049h");
    let left = positions(&raw, b"\x1b[?1049l");
    let shown = positions(&raw, b"\x1b[?25h");
    let message = positions(&raw, b"test hook: panic in a view");
    assert!(!entered.is_empty(), "the app entered the alternate screen");
    assert!(!message.is_empty(), "the panic message is printed\n{text}");
    let first_left = *left.first().expect("the alternate screen is left");
    let first_shown = *shown.first().expect("the cursor is shown again");
    assert!(
        first_left > entered[0] && first_left < message[0],
        "the alternate screen is left before the message is printed"
    );
    assert!(
        first_shown < message[0],
        "the cursor is shown before the message"
    );
    assert_cooked(&text);
    let _ = std::fs::remove_dir_all(&home);
}

#[test]
fn without_the_test_hook_nothing_panics() {
    // The same command without the variable starts and is stopped by
    // SIGTERM: the hook is not reachable by accident.
    let home = temp_home();
    let bin = env!("CARGO_BIN_EXE_licencias");
    let raw = in_pty(&format!(
        "{} LICENCIAS_TEST_PANIC_IN_VIEW=0 timeout --foreground -s TERM 4 {bin} demo --signed-in --secret-store memory; {AFTER}",
        env_prefix(&home)
    ));
    let text = String::from_utf8_lossy(&raw);
    assert!(
        !positions(&raw, b"\x1b[?1049h").is_empty(),
        "the app started\n{text}"
    );
    assert!(!text.contains("panic"), "{text}");
    assert_cooked(&text);
    let _ = std::fs::remove_dir_all(&home);
}

#[test]
fn sigterm_and_sighup_restore_the_terminal() {
    for signal in ["TERM", "HUP"] {
        let home = temp_home();
        let bin = env!("CARGO_BIN_EXE_licencias");
        let raw = in_pty(&format!(
            "{} timeout --foreground -s {signal} 4 {bin} demo --signed-in --secret-store memory; {AFTER}",
            env_prefix(&home)
        ));
        let text = String::from_utf8_lossy(&raw);
        let entered = positions(&raw, b"\x1b[?1049h");
        let left = positions(&raw, b"\x1b[?1049l");
        assert!(!entered.is_empty(), "SIG{signal}: the app started\n{text}");
        assert!(
            left.last() > entered.last(),
            "SIG{signal}: the alternate screen is left"
        );
        assert!(
            positions(&raw, b"\x1b[?25h").last() > entered.last(),
            "SIG{signal}: the cursor is shown"
        );
        assert_cooked(&text);
        let _ = std::fs::remove_dir_all(&home);
    }
}
