//! No generator function over 150 lines: a long one has been, each time, fixed text in
//! `quote!`/`format!` that belongs in `templates/` as a file, or a match that wants one
//! function per arm.

use std::path::Path;

const MAX_LINES: usize = 150;

/// (file, function, lines) of every `fn` in `dir` longer than `MAX_LINES`, measured from its
/// `fn` line to the closing brace at the same indent (rustfmt's layout).
fn long_functions(dir: &Path, found: &mut Vec<(String, String, usize)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            long_functions(&path, found);
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let code = line.trim_start();
            let indent = line.len() - code.len();
            let code =
                code.trim_start_matches("pub ").trim_start_matches("pub(crate) ").trim_start_matches("pub(super) ");
            let Some(name) = code.strip_prefix("fn ").or_else(|| code.strip_prefix("async fn ")) else { continue };
            if line.ends_with(';') {
                continue;
            }
            let end = lines[i + 1..]
                .iter()
                .position(|l| l.len() > indent && l[..indent].trim().is_empty() && l[indent..].starts_with('}'))
                .map_or(lines.len(), |p| i + 1 + p);
            let length = end - i + 1;
            if length > MAX_LINES {
                let name = name.split(['(', '<']).next().unwrap_or(name).to_string();
                found.push((path.display().to_string(), name, length));
            }
        }
    }
}

#[test]
fn no_generator_function_is_over_150_lines() {
    let mut found = Vec::new();
    long_functions(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut found);
    let list: Vec<String> = found.iter().map(|(f, n, l)| format!("{f}: fn {n}: {l} lines")).collect();
    assert!(list.is_empty(), "split these (fixed text goes in templates/):\n{}", list.join("\n"));
}

#[test]
fn a_long_function_is_found() {
    let dir = std::env::temp_dir().join(format!("keapgen-function-size-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let body = "    let x = 1;\n".repeat(MAX_LINES);
    std::fs::write(dir.join("a.rs"), format!("pub fn long() {{\n{body}}}\n\nfn short() {{\n}}\n")).unwrap();
    let mut found = Vec::new();
    long_functions(&dir, &mut found);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].1.as_str(), found[0].2), ("long", MAX_LINES + 2));
}
