//! keapgen: reads Keap's OpenAPI spec and writes a typed, documented Rust client crate.
//!
//! The pipeline is spec → [`load`] (YAML/JSON, 3.1 normalised to 3.0) → [`lower`] (the plain
//! [`model`](mod@model), with every name decided) → [`emit`] (tokens, formatted by prettyplease).
//! [`generate`] runs it and returns the files in memory; the binary writes them.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod diag;
pub mod diff;
pub mod emit;
pub mod load;
pub mod lower;
pub mod model;
pub mod naming;
mod options;
pub mod output;
pub mod spec;
pub mod testdata;

pub use diag::{Error, Result, Warning};
pub use emit::Files;
pub use openapiv3;
pub use options::{Options, Runtime};

/// The generated crate and what was odd in the spec.
pub struct Generated {
    /// Relative path → contents.
    pub files: Files,
    /// Spec oddities worked around, with their places.
    pub warnings: Vec<Warning>,
    /// The model the files were written from.
    pub api: model::Api,
}

/// Lowers a parsed spec to the model, with pinned names.
pub fn model(spec: &load::Spec, names: &lower::Names) -> Result<(model::Api, Vec<Warning>)> {
    let mut warnings = spec.warnings.clone();
    let api = lower::lower(&spec.doc, names, &mut warnings).map_err(|e| e.in_source(&spec.source))?;
    Ok((api, warnings))
}

/// Generates a crate from a parsed spec.
pub fn generate(spec: &load::Spec, opts: &Options) -> Result<Generated> {
    let (api, mut warnings) = model(spec, &opts.names)?;
    let (tests, about_tests) = testdata::build(&api, &spec.raw, opts.example_tests, opts.contract_tests);
    warnings.extend(about_tests);
    for w in &mut warnings {
        if w.line.is_none() {
            w.line = spec.source.line_of(&w.pointer);
        }
    }
    warnings.sort_by(|a, b| (a.line, &a.pointer, &a.message).cmp(&(b.line, &b.pointer, &b.message)));
    warnings.dedup();
    let files = emit::emit(&api, opts, &tests)?;
    Ok(Generated { files, warnings, api })
}
