//! The architecture, checked: reads every `src/**/*.rs`, finds what each file
//! imports from the crate and which external crates (and clock reads) it
//! uses, and fails, naming the file, the line and the import, when a room
//! imports a room at or above its own layer, uses a crate its room must not,
//! or when two top-level rooms import each other (directly or round a
//! circle). The checker works on `(path, source)` pairs, so its own tests
//! below feed it planted bad imports.
//!
//! Test code counts too: `#[cfg(test)]` modules and `tests.rs` files are
//! checked like the rest (none of them needs an exception today).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The layers, lowest first. Rooms in one layer must not import each other;
/// a room imports only rooms in lower layers. `main` is the binary.
const LAYERS: &[&[&str]] = &[
    &["domain"],
    &["api"],
    &["fsutil"],
    &["secrets"],
    &["portal", "server"],
    &["i18n"],
    &["logging"],
    &["config"],
    &["audit"],
    &["cli"],
    &["app"],
    &["ui"],
    &["tui", "commands"],
    &["main"],
];

/// What a use of an external crate or the clock is called in the rules.
const TOKIO: &str = "tokio";
const REQWEST: &str = "reqwest";
const AXUM: &str = "axum";
const RATATUI: &str = "ratatui";
const CROSSTERM: &str = "crossterm";
const STD_FS: &str = "std::fs";
const CLOCK: &str = "a clock read";

/// External things a room must not use (beyond the layer order).
fn forbidden(room: &str) -> &'static [&'static str] {
    match room {
        "domain" => &[TOKIO, REQWEST, AXUM, RATATUI, CROSSTERM, STD_FS, CLOCK],
        "api" => &[REQWEST, AXUM, TOKIO, RATATUI, CROSSTERM],
        "portal" => &[RATATUI, AXUM, CROSSTERM],
        "server" => &[RATATUI, CROSSTERM],
        "app" => &[RATATUI, CROSSTERM],
        "ui" => &[CROSSTERM, REQWEST, TOKIO, STD_FS],
        // Only the terminal room and the binary touch the real terminal;
        // a scripting command may ask for a line on it (a hidden password,
        // the total typed again) and read its width, but draws no screen.
        "tui" | "main" => &[],
        "commands" => &[RATATUI],
        _ => &[CROSSTERM],
    }
}

/// Lower rooms a room must not import all the same: the core knows no
/// server, and the demo is wired by `main`, not by the terminal room.
fn forbidden_rooms(room: &str) -> &'static [&'static str] {
    match room {
        "app" | "ui" | "tui" | "commands" => &["server"],
        _ => &[],
    }
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Violation {
    file: String,
    line: usize,
    import: String,
    why: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: `{}`: {}",
            self.file, self.line, self.import, self.why
        )
    }
}

/// Something a file uses: a room of this crate or an external thing.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Used {
    Room(String),
    External(&'static str),
}

#[derive(Debug, Clone)]
struct Use {
    line: usize,
    text: String,
    what: Used,
}

/// The room of a file: the entry directly under `src/` (`main` for the binary).
fn room_of(path: &str) -> Option<String> {
    let rest = path.strip_prefix("src/")?;
    let first = rest.split('/').next()?;
    Some(first.strip_suffix(".rs").unwrap_or(first).to_string())
}

fn layer_of(room: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&room))
}

/// The module path of a file (`src/app/update/mod.rs` -> `[app, update]`).
fn module_of(path: &str) -> Vec<String> {
    let rest = path.strip_prefix("src/").unwrap_or(path);
    let rest = rest.strip_suffix(".rs").unwrap_or(rest);
    let mut parts: Vec<String> = rest.split('/').map(str::to_string).collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The source with comments, strings and char literals blanked (newlines
/// kept, so line numbers stay right).
fn code_only(src: &str) -> String {
    let b: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(b[i]));
                    i += 1;
                }
            }
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && !ident_before(&b, i) {
            // Raw string: r"..." or r#"..."#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                match b.get(j) {
                    None => break,
                    Some('"') if (1..=hashes).all(|k| b.get(j + k) == Some(&'#')) => {
                        j += 1 + hashes;
                        break;
                    }
                    Some(_) => j += 1,
                }
            }
            for &ch in &b[i..j.min(b.len())] {
                out.push(blank(ch));
            }
            i = j;
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < b.len() {
                    out.push(blank(b[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' && next == Some('\\') {
            // An escaped char literal: '\n', '\'', '\u{..}'.
            out.push_str("  ");
            i += 2;
            while i < b.len() && b[i] != '\'' {
                out.push(' ');
                i += 1;
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' && b.get(i + 2) == Some(&'\'') {
            out.push_str("   ");
            i += 3;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn ident_before(b: &[char], i: usize) -> bool {
    i > 0 && (b[i - 1].is_alphanumeric() || b[i - 1] == '_')
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Expand a use tree (`a::{b, c::{d, e as f}, self}`) into whole paths.
fn expand_use_tree(tree: &str) -> Vec<String> {
    // `a as b` becomes `a@b`, then every space goes.
    let tree = tree.split_whitespace().collect::<Vec<_>>().join(" ");
    let tree: String = tree.replace(" as ", "@").replace(' ', "");
    let Some(open) = tree.find('{') else {
        let path = tree.split('@').next().unwrap_or(&tree);
        return vec![path.trim_end_matches("::").to_string()];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (k, ch) in inner.char_indices() {
        match ch {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..k]);
                start = k + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| {
            expand_use_tree(p).into_iter().map(move |sub| {
                if sub == "self" {
                    prefix.trim_end_matches("::").to_string()
                } else {
                    format!("{prefix}{sub}")
                }
            })
        })
        .collect()
}

/// What one file uses, with line numbers.
fn uses_of(path: &str, src: &str) -> Vec<Use> {
    let code = code_only(src);
    let line_at = |pos: usize| code[..pos].matches('\n').count() + 1;
    let module = module_of(path);
    let own_crate = if path == "src/main.rs" {
        "licencias"
    } else {
        "crate"
    };
    let mut found = Vec::new();
    let add_path = |found: &mut Vec<Use>, pos: usize, text: &str, inline_depth: usize| {
        let segs: Vec<&str> = text.split("::").collect();
        let what = if segs[0] == own_crate && segs.len() > 1 {
            Some(Used::Room(segs[1].to_string()))
        } else if segs[0] == "super" {
            let ups = segs.iter().take_while(|s| **s == "super").count();
            // Inline modules (`mod tests { .. }`) add a level each.
            let here = module.len() + inline_depth;
            if ups >= here {
                segs.get(ups)
                    .filter(|s| **s != "*")
                    .map(|s| Used::Room((*s).to_string()))
            } else {
                None
            }
        } else {
            let clock = segs.windows(2).any(|w| {
                matches!(w[0], "Utc" | "SystemTime" | "Instant" | "Local") && w[1] == "now"
            });
            match (segs[0], segs.get(1).copied()) {
                ("tokio", _) => Some(Used::External(TOKIO)),
                ("reqwest", _) => Some(Used::External(REQWEST)),
                ("axum", _) => Some(Used::External(AXUM)),
                ("ratatui", _) => Some(Used::External(RATATUI)),
                ("crossterm", _) => Some(Used::External(CROSSTERM)),
                ("std", Some("fs")) => Some(Used::External(STD_FS)),
                _ if clock => Some(Used::External(CLOCK)),
                _ => None,
            }
        };
        if let Some(what) = what {
            found.push(Use {
                line: line_at(pos),
                text: text.to_string(),
                what,
            });
        }
    };

    let chars: Vec<(usize, char)> = code.char_indices().collect();
    // Brace depths at which an inline `mod x {` opened.
    let mut inline_mods: Vec<usize> = Vec::new();
    let mut depth = 0usize;
    let mut k = 0;
    while k < chars.len() {
        let (pos, c) = chars[k];
        if c == '{' {
            depth += 1;
            k += 1;
            continue;
        }
        if c == '}' {
            depth = depth.saturating_sub(1);
            if inline_mods.last() == Some(&depth) {
                inline_mods.pop();
            }
            k += 1;
            continue;
        }
        let at_word = k == 0 || !is_ident(chars[k - 1].1);
        if !at_word || !(is_ident(c)) {
            k += 1;
            continue;
        }
        let rest = &code[pos..];
        if let Some(after) = rest.strip_prefix("mod ") {
            let name_len = after.find(|ch: char| !is_ident(ch)).unwrap_or(after.len());
            if after[name_len..].trim_start().starts_with('{') {
                inline_mods.push(depth);
            }
        }
        if let Some(tree) = rest.strip_prefix("use ") {
            let end = tree.find(';').unwrap_or(tree.len());
            let tree = &tree[..end];
            let tree = tree.trim_start_matches("::");
            for p in expand_use_tree(tree) {
                add_path(&mut found, pos, &p, inline_mods.len());
            }
            // Skip past the statement.
            let skip_to = pos + 4 + end;
            while k < chars.len() && chars[k].0 < skip_to {
                k += 1;
            }
            continue;
        }
        // A path in code: ident(::ident)+.
        let len = rest
            .find(|ch: char| !(is_ident(ch) || ch == ':'))
            .unwrap_or(rest.len());
        let word = rest[..len].trim_end_matches(':');
        if word.contains("::") {
            add_path(&mut found, pos, word, inline_mods.len());
        }
        let skip_to = pos + len.max(1);
        while k < chars.len() && chars[k].0 < skip_to {
            k += 1;
        }
    }
    found
}

/// Check a whole tree of `(path, source)` pairs; every violation, sorted.
fn check(files: &[(String, String)]) -> Vec<Violation> {
    let mut out = BTreeSet::new();
    // room -> room -> first (file, line, import) seen.
    let mut edges: Edges = BTreeMap::new();
    for (path, src) in files {
        let Some(room) = room_of(path) else { continue };
        if room == "lib" {
            continue;
        }
        let Some(layer) = layer_of(&room) else {
            out.insert(Violation {
                file: path.clone(),
                line: 1,
                import: room.clone(),
                why: "this room has no place in the layer table".into(),
            });
            continue;
        };
        for u in uses_of(path, src) {
            match &u.what {
                Used::Room(target) if *target != room => {
                    edges
                        .entry(room.clone())
                        .or_default()
                        .entry(target.clone())
                        .or_insert((path.clone(), u.line, u.text.clone()));
                    match layer_of(target) {
                        Some(_) if forbidden_rooms(&room).contains(&target.as_str()) => {
                            out.insert(Violation {
                                file: path.clone(),
                                line: u.line,
                                import: u.text.clone(),
                                why: format!("{room} must not import {target}"),
                            });
                        }
                        Some(t) if t < layer => {}
                        Some(t) => {
                            let why = if t == layer {
                                format!(
                                    "{room} and {target} share a layer and must not import each other"
                                )
                            } else {
                                format!("{room} may not import {target}, which sits above it")
                            };
                            out.insert(Violation {
                                file: path.clone(),
                                line: u.line,
                                import: u.text.clone(),
                                why,
                            });
                        }
                        None => {}
                    }
                }
                Used::Room(_) => {}
                Used::External(name) => {
                    if forbidden(&room).contains(name) {
                        out.insert(Violation {
                            file: path.clone(),
                            line: u.line,
                            import: u.text.clone(),
                            why: format!("{room} must not use {name}"),
                        });
                    }
                }
            }
        }
    }
    for circle in circles(&edges) {
        let (file, line, import) = edges[&circle[0]][&circle[1]].clone();
        out.insert(Violation {
            file,
            line,
            import,
            why: format!("circle between rooms: {}", circle.join(" -> ")),
        });
    }
    out.into_iter().collect()
}

type Edges = BTreeMap<String, BTreeMap<String, (String, usize, String)>>;

/// One circle per group of rooms that reach each other (a strongly
/// connected component), as the shortest way round from its smallest room
/// and closed (`[a, b, a]`).
fn circles(edges: &Edges) -> Vec<Vec<String>> {
    let reach = |from: &str| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.to_string()];
        while let Some(at) = todo.pop() {
            for next in edges.get(&at).map(|m| m.keys()).into_iter().flatten() {
                if seen.insert(next.clone()) {
                    todo.push(next.clone());
                }
            }
        }
        seen
    };
    let reaches: BTreeMap<&String, BTreeSet<String>> =
        edges.keys().map(|r| (r, reach(r))).collect();
    let mut done = BTreeSet::new();
    let mut out = Vec::new();
    for (start, from_start) in &reaches {
        if done.contains(*start) || !from_start.contains(*start) {
            continue;
        }
        let group: BTreeSet<String> = from_start
            .iter()
            .filter(|r| reaches.get(r).is_some_and(|back| back.contains(*start)))
            .cloned()
            .collect();
        done.extend(group.iter().cloned());
        // Breadth first from `start` back to it, inside the group.
        let mut prev: BTreeMap<String, String> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([(*start).clone()]);
        'search: while let Some(at) = queue.pop_front() {
            for next in edges.get(&at).map(|m| m.keys()).into_iter().flatten() {
                if !group.contains(next) || prev.contains_key(next) {
                    continue;
                }
                prev.insert(next.clone(), at.clone());
                if next == *start {
                    break 'search;
                }
                queue.push_back(next.clone());
            }
        }
        let mut circle = vec![(*start).clone()];
        let mut at = (*start).clone();
        while let Some(p) = prev.get(&at) {
            circle.push(p.clone());
            if p == *start {
                break;
            }
            at = p.clone();
        }
        circle.reverse();
        out.push(circle);
    }
    out
}

fn read_tree(dir: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            read_tree(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            let rel = p
                .strip_prefix(env!("CARGO_MANIFEST_DIR"))
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.push((rel, std::fs::read_to_string(&p).unwrap()));
        }
    }
}

#[test]
fn the_sources_keep_the_layers() {
    let mut files = Vec::new();
    read_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    assert!(files.len() > 50, "the sources were not found");
    let violations = check(&files);
    let report: Vec<String> = violations.iter().map(ToString::to_string).collect();
    assert!(
        violations.is_empty(),
        "imports that break the architecture:\n{}",
        report.join("\n")
    );
}

// ------------------------------------------------------------ the checker itself

fn tree(files: &[(&str, &str)]) -> Vec<(String, String)> {
    files
        .iter()
        .map(|(p, s)| ((*p).to_string(), (*s).to_string()))
        .collect()
}

fn v(file: &str, line: usize, import: &str, why: &str) -> Violation {
    Violation {
        file: file.into(),
        line,
        import: import.into(),
        why: why.into(),
    }
}

#[test]
fn a_planted_bad_import_is_reported_with_its_file_line_and_import() {
    let files = tree(&[
        ("src/domain/mod.rs", "pub mod y;\n"),
        (
            "src/domain/y.rs",
            "//! Rules.\nuse std::collections::HashMap;\nuse tokio::fs;\n",
        ),
        (
            "src/app/x.rs",
            "use crate::domain::Quantity;\n\nuse crate::ui::render;\n",
        ),
        (
            "src/ui/mod.rs",
            "use crate::app::Model;\npub fn render() {}\n",
        ),
    ]);
    assert_eq!(
        check(&files),
        vec![
            v(
                "src/app/x.rs",
                3,
                "crate::ui::render",
                "app may not import ui, which sits above it"
            ),
            v(
                "src/app/x.rs",
                3,
                "crate::ui::render",
                "circle between rooms: app -> ui -> app"
            ),
            v(
                "src/domain/y.rs",
                3,
                "tokio::fs",
                "domain must not use tokio"
            ),
        ]
    );
}

#[test]
fn a_circle_through_three_rooms_is_reported_once() {
    let files = tree(&[
        ("src/config.rs", "use crate::audit::AuditLog;\n"),
        (
            "src/audit.rs",
            "use crate::{\n    cli::Cli,\n    domain,\n};\n",
        ),
        ("src/cli.rs", "fn f() { crate::config::load(); }\n"),
    ]);
    let got = check(&files);
    let circles: Vec<&Violation> = got.iter().filter(|v| v.why.starts_with("circle")).collect();
    assert_eq!(
        circles,
        vec![&v(
            "src/audit.rs",
            1,
            "crate::cli::Cli",
            "circle between rooms: audit -> cli -> config -> audit"
        )]
    );
    // The one upward import of the three (config -> audit) is named too.
    assert!(got.contains(&v(
        "src/config.rs",
        1,
        "crate::audit::AuditLog",
        "config may not import audit, which sits above it"
    )));
}

#[test]
fn paths_in_code_clock_reads_and_super_out_of_the_room_count() {
    let files = tree(&[
        (
            "src/domain/plan.rs",
            "fn f() {\n    let t = chrono::Utc::now();\n    let s = std::fs::read(\"x\");\n}\n",
        ),
        (
            "src/api/mod.rs",
            "mod inner {\n    use super::super::app::Model;\n}\n",
        ),
        ("src/ui/x.rs", "use std::{fs, io};\n"),
        ("src/app/y.rs", "use crate::server::DEMO_USERNAME;\n"),
        ("src/portal/x.rs", "use super::server::Store;\n"),
    ]);
    assert_eq!(
        check(&files),
        vec![
            v(
                "src/api/mod.rs",
                2,
                "super::super::app::Model",
                "api may not import app, which sits above it"
            ),
            v(
                "src/app/y.rs",
                1,
                "crate::server::DEMO_USERNAME",
                "app must not import server"
            ),
            v(
                "src/domain/plan.rs",
                2,
                "chrono::Utc::now",
                "domain must not use a clock read"
            ),
            v(
                "src/domain/plan.rs",
                3,
                "std::fs::read",
                "domain must not use std::fs"
            ),
            v("src/ui/x.rs", 1, "std::fs", "ui must not use std::fs"),
        ]
    );
}

#[test]
fn comments_strings_and_test_modules_inside_the_room_are_fine() {
    let files = tree(&[
        (
            "src/app/x.rs",
            "// use crate::ui::render;\nconst S: &str = \"crate::tui::run\";\nconst R: &str = r#\"tokio::spawn\"#;\n#[cfg(test)]\nmod tests {\n    use super::*;\n    use super::super::model::Model;\n}\n",
        ),
        (
            "src/main.rs",
            "use licencias::{app, tui};\nfn main() { crossterm::terminal::size(); }\n",
        ),
    ]);
    assert_eq!(check(&files), vec![]);
}

#[test]
fn main_importing_through_the_library_name_is_seen() {
    let files = tree(&[
        ("src/ui/x.rs", "use crate::tui::run;\n"),
        ("src/main.rs", "use licencias::{app, tui};\n"),
    ]);
    assert_eq!(
        check(&files),
        vec![v(
            "src/ui/x.rs",
            1,
            "crate::tui::run",
            "ui may not import tui, which sits above it"
        )]
    );
}

// ------------------------------------------------------------ function length

/// Longest a function may be, from its `fn` line to its closing brace.
const MAX_FN_LINES: usize = 120;

/// Functions over `MAX_FN_LINES`: `file:line name (n lines)`. The one
/// exception is a flat translation table: a catalogue function (`src/i18n/`)
/// whose body is a single `match` (after `use` lines).
fn long_functions(files: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (path, src) in files {
        let code = code_only(src);
        let mut from = 0;
        while let Some(found) = code[from..].find("fn ") {
            let at = from + found;
            from = at + 3;
            if at > 0 && code[..at].ends_with(|c: char| is_ident(c)) {
                continue;
            }
            let rest = &code[at + 3..];
            let name: String = rest.chars().take_while(|c| is_ident(*c)).collect();
            // The body starts at the first `{` unless a `;` (a declaration) comes first.
            let (Some(open), semi) = (rest.find('{'), rest.find(';')) else {
                continue;
            };
            if semi.is_some_and(|s| s < open) {
                continue;
            }
            let open = at + 3 + open;
            let mut depth = 0usize;
            let mut close = open;
            for (k, c) in code[open..].char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            close = open + k;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let first = code[..at].matches('\n').count() + 1;
            let last = code[..close].matches('\n').count() + 1;
            let lines = last - first + 1;
            // A table may open with `use Label::*;`.
            let mut body = code[open + 1..close].trim_start();
            while let Some(after) = body.strip_prefix("use ") {
                body = after[after.find(';').map_or(after.len(), |k| k + 1)..].trim_start();
            }
            let table = path.starts_with("src/i18n/") && body.starts_with("match ");
            if lines > MAX_FN_LINES && !table {
                out.push(format!("{path}:{first} {name} ({lines} lines)"));
            }
        }
    }
    out
}

#[test]
fn no_function_is_longer_than_a_screen() {
    let mut files = Vec::new();
    read_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let long = long_functions(&files);
    assert!(
        long.is_empty(),
        "functions over {MAX_FN_LINES} lines:\n{}",
        long.join("\n")
    );
}

#[test]
fn the_length_check_finds_a_long_function_and_spares_a_translation_table() {
    let body = "    let x = 1;\n".repeat(119);
    let arms = "        Label::A => \"a\",\n".repeat(130);
    let files = tree(&[
        (
            "src/app/x.rs",
            &format!("fn short() {{\n}}\n\nfn long() {{\n{body}}}\n"),
        ),
        (
            "src/i18n/en.rs",
            &format!(
                "fn label(l: Label) -> &str {{\n    use Label::*;\n    match l {{\n{arms}    }}\n}}\n"
            ),
        ),
    ]);
    assert_eq!(
        long_functions(&files),
        vec!["src/app/x.rs:4 long (121 lines)".to_string()]
    );
}
