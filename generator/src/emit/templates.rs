//! Everything keapgen takes from `templates/`: the runtime sources (`RUNTIME`), the example
//! programs (`EXAMPLES`) and the manifest and README templates, with the template-comment rule.

/// The runtime sources, copied verbatim into `src/runtime/` but for their unit tests
/// ([`baked`]).
pub const RUNTIME: &[(&str, &str)] = &[
    ("auth.rs", include_str!("../../../templates/src/runtime/auth.rs")),
    ("client.rs", include_str!("../../../templates/src/runtime/client.rs")),
    ("clock.rs", include_str!("../../../templates/src/runtime/clock.rs")),
    ("custom_fields.rs", include_str!("../../../templates/src/runtime/custom_fields.rs")),
    ("download.rs", include_str!("../../../templates/src/runtime/download.rs")),
    ("error.rs", include_str!("../../../templates/src/runtime/error.rs")),
    ("filter.rs", include_str!("../../../templates/src/runtime/filter.rs")),
    ("hook_axum.rs", include_str!("../../../templates/src/runtime/hook_axum.rs")),
    ("hook_fetch.rs", include_str!("../../../templates/src/runtime/hook_fetch.rs")),
    ("hook_upkeep.rs", include_str!("../../../templates/src/runtime/hook_upkeep.rs")),
    ("hooks_receiver.rs", include_str!("../../../templates/src/runtime/hooks_receiver.rs")),
    ("ids.rs", include_str!("../../../templates/src/runtime/ids.rs")),
    ("intercept.rs", include_str!("../../../templates/src/runtime/intercept.rs")),
    ("mock_decode.rs", include_str!("../../../templates/src/runtime/mock_decode.rs")),
    ("mock_expect.rs", include_str!("../../../templates/src/runtime/mock_expect.rs")),
    ("mock_hooks.rs", include_str!("../../../templates/src/runtime/mock_hooks.rs")),
    ("mock_server.rs", include_str!("../../../templates/src/runtime/mock_server.rs")),
    ("mock_wire.rs", include_str!("../../../templates/src/runtime/mock_wire.rs")),
    ("mod.rs", include_str!("../../../templates/src/runtime/mod.rs")),
    ("money.rs", include_str!("../../../templates/src/runtime/money.rs")),
    ("object.rs", include_str!("../../../templates/src/runtime/object.rs")),
    ("options.rs", include_str!("../../../templates/src/runtime/options.rs")),
    ("outcomes.rs", include_str!("../../../templates/src/runtime/outcomes.rs")),
    ("paginate.rs", include_str!("../../../templates/src/runtime/paginate.rs")),
    ("quota.rs", include_str!("../../../templates/src/runtime/quota.rs")),
    ("raw.rs", include_str!("../../../templates/src/runtime/raw.rs")),
    ("redis_hooks.rs", include_str!("../../../templates/src/runtime/redis_hooks.rs")),
    ("redis_link.rs", include_str!("../../../templates/src/runtime/redis_link.rs")),
    ("redis_quota.rs", include_str!("../../../templates/src/runtime/redis_quota.rs")),
    ("redis_tokens.rs", include_str!("../../../templates/src/runtime/redis_tokens.rs")),
    ("request.rs", include_str!("../../../templates/src/runtime/request.rs")),
    ("response.rs", include_str!("../../../templates/src/runtime/response.rs")),
    ("retry.rs", include_str!("../../../templates/src/runtime/retry.rs")),
    ("time.rs", include_str!("../../../templates/src/runtime/time.rs")),
    ("tokens.rs", include_str!("../../../templates/src/runtime/tokens.rs")),
    ("upload.rs", include_str!("../../../templates/src/runtime/upload.rs")),
    ("values.rs", include_str!("../../../templates/src/runtime/values.rs")),
    ("window.rs", include_str!("../../../templates/src/runtime/window.rs")),
];

/// How a runtime file declares its unit tests, the only form allowed: they live in
/// `templates/src/runtime/tests/<file>`, compiled and run in keapgen-runtime alone.
fn test_declaration(file: &str) -> String {
    format!("#[cfg(test)]\n#[path = \"tests/{file}\"]\nmod tests;\n")
}

/// A runtime file as a generated crate gets it: without its test declaration (at the end, with
/// the blank line before it), so the crate neither carries nor compiles the runtime's tests.
pub(super) fn baked(file: &str, text: &str) -> String {
    match text.strip_suffix(&format!("\n{}", test_declaration(file))) {
        Some(rest) => rest.to_owned(),
        None => text.to_owned(),
    }
}

/// Example programs, copied into the pinned crate's `examples/` (they name its operations).
pub const EXAMPLES: &[(&str, &str)] = &[
    ("create_and_tag.rs", include_str!("../../../templates/examples/create_and_tag.rs")),
    ("list_contacts.rs", include_str!("../../../templates/examples/list_contacts.rs")),
    ("oauth2.rs", include_str!("../../../templates/examples/oauth2.rs")),
    ("receive_changes.rs", include_str!("../../../templates/examples/receive_changes.rs")),
    ("v1_and_v2.rs", include_str!("../../../templates/examples/v1_and_v2.rs")),
];

/// The guide's "Testing your code" test, also written as the pinned crate's
/// `tests/testing_your_code.rs`.
pub(super) const TESTING_YOUR_CODE: &str = include_str!("../../../templates/guide/testing_your_code.rs");

/// Offline tests of the example programs with the test kit: the pinned crate's
/// `tests/example_programs.rs`.
pub(super) const EXAMPLE_PROGRAMS_TEST: &str = include_str!("../../../templates/guide/example_programs.rs");

/// The contract test's fixed half, beside each generated crate's `tests/contract*.rs` as
/// `tests/contract/harness.rs` (tested in the runtime crate's `tests/contract_harness.rs`).
pub(super) const CONTRACT_HARNESS: &str = include_str!("../../../templates/contract/harness.rs");

/// The generated `Client`'s own methods, in an `impl Client` (tested in the runtime crate's
/// `tests/client_root.rs`).
pub(super) const CLIENT_METHODS: &str = include_str!("../../../templates/root/client.rs");

/// The runtime crate's own manifest: its dependencies and features become the generated crate's.
pub(super) const RUNTIME_MANIFEST: &str = include_str!("../../../templates/Cargo.toml");
/// The generated crate's `Cargo.toml`, with `{name}`-style holes.
pub(super) const CARGO_TEMPLATE: &str = include_str!("../../../templates/Cargo.toml.tmpl");
/// The guide (README and crate docs), with `{name}`-style holes.
pub(super) const README_TEMPLATE: &str = include_str!("../../../templates/README.md.tmpl");
/// The guide's sections that depend on the spec, with `{name}`-style holes.
pub(super) const GUIDE_SECTIONS: &str = include_str!("../../../templates/guide/sections.md");

/// Drops the template's leading comment lines (they describe the template, not the output).
pub(super) fn strip_template_comment(text: &str) -> &str {
    let mut rest = text;
    while let Some(line_end) = rest.find('\n') {
        let line = &rest[..line_end];
        if line.starts_with("#!") || line.starts_with("<!--!") {
            rest = &rest[line_end + 1..];
        } else {
            break;
        }
    }
    rest
}

#[cfg(test)]
mod tests {
    use super::*;
    use proc_macro2::{TokenStream, TokenTree};

    const RUNTIME_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../templates/src/runtime");

    /// The names of the files (not folders) in `dir`, sorted.
    fn files_in(dir: &str) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap())
            .filter(|e| e.file_type().unwrap().is_file())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn every_runtime_file_is_baked_in() {
        let listed: Vec<&str> = RUNTIME.iter().map(|(name, _)| *name).collect();
        assert_eq!(
            files_in(RUNTIME_DIR),
            listed,
            "list every file of templates/src/runtime in RUNTIME (generator/src/emit/templates.rs)"
        );
    }

    /// Whether `tokens` hold the word `test` or `tests` (`#[cfg(test)]`, `#[test]`, `mod tests`).
    fn names_tests(tokens: TokenStream) -> bool {
        tokens.into_iter().any(|t| match t {
            TokenTree::Ident(id) => id == "test" || id == "tests",
            TokenTree::Group(g) => names_tests(g.stream()),
            _ => false,
        })
    }

    #[test]
    fn runtime_tests_stay_out_of_generated_crates() {
        let mut problems = Vec::new();
        let mut declared = Vec::new();
        for (file, text) in RUNTIME {
            let baked = baked(file, text);
            if baked.len() < text.len() {
                declared.push((*file).to_owned());
            }
            if names_tests(baked.parse().unwrap_or_else(|e| panic!("{file} tokenizes: {e}"))) {
                problems.push(format!("{file}: test code that would be copied into every generated crate"));
            }
        }
        // A file in tests/ that no module declares would never run.
        let on_disk = files_in(&format!("{RUNTIME_DIR}/tests"));
        for orphan in on_disk.iter().filter(|f| !declared.contains(f)) {
            problems.push(format!("tests/{orphan}: no runtime file declares it"));
        }
        assert!(
            problems.is_empty(),
            "a runtime file's unit tests go in templates/src/runtime/tests/<file>, declared at the end of \
             the file as\n{}and nothing else of the file may be test-only (move helpers into the tests file):\n{}",
            test_declaration("<file>"),
            problems.join("\n")
        );
    }

    #[test]
    fn baking_drops_the_test_declaration_and_nothing_else() {
        let text = format!("fn a() {{}}\n\n{}", test_declaration("a.rs"));
        assert_eq!(baked("a.rs", &text), "fn a() {}\n");
        // Another file's declaration, or an inline module, is left for the test above to refuse.
        assert_eq!(baked("b.rs", &text), text);
        let inline = "fn a() {}\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn t() {}\n}\n";
        assert_eq!(baked("a.rs", inline), inline);
        assert!(names_tests(inline.parse().unwrap()));
        assert!(!names_tests("fn a() { let tested = 1; }".parse().unwrap()));
    }
}
