//! `licencias completions SHELL` and `licencias man`.

use std::io::Write;

use clap::CommandFactory;

use super::Exit;
use crate::cli::Cli;

/// A completion script for `shell` on stdout.
pub fn completions(shell: clap_complete::Shell) -> Exit {
    let mut cmd = Cli::command();
    let mut out = std::io::stdout().lock();
    clap_complete::generate(shell, &mut cmd, "licencias", &mut out);
    let _ = out.flush();
    Exit::Success
}

/// The man page: the program's page (with the exit codes), then every
/// command with its synopsis and flags.
pub fn man() -> Exit {
    let mut page = Vec::new();
    match render_man(&mut page) {
        Ok(()) => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(&page);
            let _ = out.flush();
            Exit::Success
        }
        Err(e) => {
            eprintln!("licencias: {e}");
            Exit::Failure
        }
    }
}

/// Render the whole man page into `w`.
pub fn render_man(w: &mut dyn Write) -> std::io::Result<()> {
    let cmd = Cli::command();
    clap_mangen::Man::new(cmd.clone()).render(w)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("licencias {}", sub.get_name());
        writeln!(w, ".SH \"{}\"", name.to_uppercase())?;
        let sub = sub.clone().bin_name(name);
        let man = clap_mangen::Man::new(sub);
        man.render_description_section(w)?;
        man.render_synopsis_section(w)?;
        man.render_options_section(w)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_man_page_has_every_command_flag_and_exit_code() {
        let mut page = Vec::new();
        render_man(&mut page).unwrap();
        let text = String::from_utf8(page).unwrap();
        for command in [
            "LOGIN",
            "LOGOUT",
            "STATUS",
            "LIST",
            "SHOW",
            "CHANGE",
            "CANCEL-SCHEDULED",
            "WINDOWS",
            "COMPLETIONS",
        ] {
            assert!(text.contains(&format!("LICENCIAS {command}")), "{command}");
        }
        for flag in [
            "wait\\-timeout",
            "idempotency\\-key",
            "approval\\-ref",
            "password\\-stdin",
            "within",
        ] {
            assert!(text.contains(flag), "{flag}");
        }
        assert!(text.contains("still pending when"), "exit codes");
    }
}
