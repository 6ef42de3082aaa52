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
pub use options::{check_repository_url, Options, Runtime};

/// The generated crate and what was odd in the spec.
pub struct Generated {
    /// Relative path → contents.
    pub files: Files,
    /// Spec oddities worked around, with their places.
    pub warnings: Vec<Warning>,
    /// The model of the crate's root spec.
    pub api: model::Api,
    /// The models of the specs below the root (`keap::v1`), in the crate's order.
    pub others: Vec<model::Api>,
}

/// One spec of a crate made of several.
pub struct Part<'s> {
    /// The parsed spec.
    pub spec: &'s load::Spec,
    /// `None` for the crate's root (the first part), else the module it goes in (`v1`).
    pub module: Option<String>,
    /// Its umbrella cargo feature (`v2`, `v1`), which turns on all its groups.
    pub name: String,
    /// Rust names pinned for it.
    pub names: lower::Names,
    /// Keep fields its schemas do not declare (see [`lower::Place::keep_unknown_fields`]).
    pub keep_unknown_fields: bool,
}

/// Lowers a parsed spec to the model, with pinned names.
pub fn model(spec: &load::Spec, names: &lower::Names) -> Result<(model::Api, Vec<Warning>)> {
    model_at(spec, names, &lower::Place::default())
}

/// Lowers a parsed spec to the model for its place in a crate.
fn model_at(spec: &load::Spec, names: &lower::Names, place: &lower::Place) -> Result<(model::Api, Vec<Warning>)> {
    let mut warnings = spec.warnings.clone();
    let api = lower::lower_at(&spec.doc, &spec.unsatisfiable, names, place, &mut warnings)
        .map_err(|e| e.in_source(&spec.source))?;
    Ok((api, warnings))
}

/// Generates a crate from a parsed spec.
pub fn generate(spec: &load::Spec, opts: &Options) -> Result<Generated> {
    let part = Part {
        spec,
        module: None,
        name: model::ALL_FEATURE.to_string(),
        names: opts.names.clone(),
        keep_unknown_fields: opts.keep_unknown_fields,
    };
    generate_crate(&[part], opts)
}

/// Generates one crate from several specs: the first at the crate's root, each other in its
/// module, all sent through one `Client` with one base URL (the first spec's server). The
/// paths of the others are put under that base URL: a spec whose server is
/// `https://host/crm/rest` beside a root of `https://host/crm` gets `/rest` before its paths.
/// `opts.names` is unused here: each part has its own.
pub fn generate_crate(parts: &[Part], opts: &Options) -> Result<Generated> {
    let Some(root) = parts.first() else { return Err(Error::msg("a crate needs at least one spec")) };
    if root.module.is_some() || parts[1..].iter().any(|p| p.module.is_none()) {
        return Err(Error::msg("the first spec of a crate is its root (no module); every other has a module"));
    }
    let several = parts.len() > 1;
    let base = root.spec.doc.servers.first().map(lower::server_url).unwrap_or_default();
    // Names the root's groups may not take: the other specs' accessors and features.
    let reserved: Vec<String> = parts
        .iter()
        .flat_map(|p| p.module.iter().cloned().chain(several.then(|| p.name.clone())))
        .chain(several.then(|| model::ALL_FEATURE.to_string()))
        .collect();
    let mut apis = Vec::new();
    let mut warnings = Vec::new();
    for part in parts {
        let prefix = match &part.module {
            None => String::new(),
            Some(_) => path_prefix(&base, part.spec)?,
        };
        let place = lower::Place {
            path_prefix: prefix,
            reserved: if part.module.is_none() { reserved.clone() } else { Vec::new() },
            keep_unknown_fields: part.keep_unknown_fields,
        };
        let (mut api, mut found) = model_at(part.spec, &part.names, &place)?;
        api.module = part.module.clone();
        if several {
            api.umbrella = part.name.clone();
        }
        let (tests, about_tests) = testdata::build(&api, opts.example_tests, opts.contract_tests);
        found.extend(about_tests);
        for w in &mut found {
            if w.line.is_none() {
                w.line = part.spec.source.line_of(&w.pointer);
            }
            if several {
                w.file = part.spec.source.path.clone();
            }
        }
        found.sort_by(|a, b| (a.line, &a.pointer, &a.message).cmp(&(b.line, &b.pointer, &b.message)));
        found.dedup();
        warnings.extend(found);
        apis.push((api, tests));
    }
    let emitted: Vec<emit::Part> = apis.iter().map(|(api, tests)| emit::Part { api, tests }).collect();
    let files = emit::emit(&emitted, opts)?;
    let mut apis = apis.into_iter().map(|(api, _)| api);
    let api = apis.next().unwrap_or_default();
    Ok(Generated { files, warnings, api, others: apis.collect() })
}

/// What a spec below the root puts before its paths so that they are under the root's base
/// URL: the part of its server's path past the base's (`/crm/rest` past `/crm` is `/rest`).
/// Hosts are not compared: Keap serves every API version on each of its hosts.
fn path_prefix(base: &str, spec: &load::Spec) -> Result<String> {
    let server = spec.doc.servers.first().map(lower::server_url).unwrap_or_default();
    let (base_path, server_path) = (lower::url_path(base), lower::url_path(&server));
    match server_path.strip_prefix(&base_path) {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => Ok(rest.to_string()),
        _ => Err(Error {
            file: spec.source.path.clone(),
            ..Error::at(
                "/servers/0/url",
                format!(
                    "its server `{server}` is not below the crate's base URL `{base}`, so its paths cannot be \
                     sent through one client"
                ),
            )
        }
        .hint("give the spec a server whose path starts with the base URL's path")),
    }
}
