//! What to generate: the options that configure a whole run (crate name and version, spec
//! label, runtime, pinned names, changelog, which tests and examples to write).

/// How the generated crate gets its runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Runtime {
    /// Copied into `src/runtime/` (what users get).
    Baked,
    /// A path dependency on keapgen's runtime crate, relative to the generated crate (the
    /// golden fixtures use this so their expected output stays small).
    Path(String),
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    /// Package name of the generated crate.
    pub crate_name: String,
    /// Its version.
    pub crate_version: String,
    /// Names the spec in file headers and docs (`Keap API 2.0.21`).
    pub spec_label: String,
    /// Where the runtime comes from.
    pub runtime: Runtime,
    /// Rust names pinned by the maintainer.
    pub names: crate::lower::Names,
    /// `CHANGELOG.md` for the crate, if any.
    pub changelog: Option<String>,
    /// Write `tests/examples.rs`: every schema's spec example decodes and encodes back.
    pub example_tests: bool,
    /// Write `tests/contract.rs`: every operation called against a Prism mock server of the
    /// spec (ignored unless `KEAP_PRISM_URL` is given and the test is asked for).
    pub contract_tests: bool,
    /// Copy the example programs (`templates/examples/`): only for the Keap crate, whose
    /// operations they call.
    pub example_programs: bool,
    /// Write the guide into the README and the crate docs. Off, both are one paragraph naming
    /// the crate and its spec: for fixtures whose concern is elsewhere (the golden cases).
    pub guide: bool,
    /// For a crate of one spec: keep the fields a struct's schema does not declare (see
    /// [`crate::lower::Place::keep_unknown_fields`]). A crate of several sets it per spec.
    pub keep_unknown_fields: bool,
    /// The generated crate's source repository (`repository` in its manifest); without
    /// one the crate says `publish = false`.
    pub repository: Option<String>,
}

impl Options {
    /// A crate with the runtime baked in, version 0.1.0, no pinned names, no changelog.
    pub fn new(crate_name: impl Into<String>, spec_label: impl Into<String>) -> Self {
        Options {
            crate_name: crate_name.into(),
            crate_version: "0.1.0".into(),
            spec_label: spec_label.into(),
            runtime: Runtime::Baked,
            names: Default::default(),
            changelog: None,
            example_tests: false,
            contract_tests: false,
            example_programs: false,
            guide: true,
            keep_unknown_fields: false,
            repository: None,
        }
    }
}

/// Checks a repository URL for a manifest: `https://` (or `http://`), a host, and nothing a
/// TOML string or a shell would misread.
pub fn check_repository_url(url: &str) -> Result<(), String> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    match rest {
        None => Err(format!("`{url}` is not an http(s) URL")),
        Some(r) if r.is_empty() || r.starts_with('/') => Err(format!("`{url}` has no host")),
        Some(_) if url.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\\' | '\'')) => {
            Err(format!("`{url}` holds spaces, quotes or control characters"))
        }
        Some(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::check_repository_url;

    #[test]
    fn repository_urls_are_checked() {
        assert!(check_repository_url("https://github.com/acme/keap-rs").is_ok());
        for bad in ["github.com/acme/keap", "https://", "https:///x", "https://a b", "https://x\"y", "ftp://x"] {
            assert!(check_repository_url(bad).is_err(), "{bad}");
        }
    }
}
