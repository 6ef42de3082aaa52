//! Everything keapgen takes from `templates/`: the runtime sources (`RUNTIME`), the example
//! programs (`EXAMPLES`) and the manifest and README templates, with the template-comment rule.

/// The runtime sources, copied verbatim into `src/runtime/`.
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

    #[test]
    fn every_runtime_file_is_baked_in() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../templates/src/runtime");
        let mut on_disk: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        on_disk.sort();
        let listed: Vec<&str> = RUNTIME.iter().map(|(name, _)| *name).collect();
        assert_eq!(
            on_disk, listed,
            "list every file of templates/src/runtime in RUNTIME (generator/src/emit/templates.rs)"
        );
    }
}
