//! The `spec/` folder: the pin, the pinned names and the changelog, and `pull`, which puts
//! the pinned spec in place or, given another version, moves the pin to it.

mod changelog;
mod fetch;
mod names;
mod pin;

pub use changelog::{bump, load_changelog};
pub use fetch::{fetch, latest_url, write_atomic, UPSTREAM_COMMITS};
pub use names::{load_names, parse_names, read_names};
pub use pin::{sha256_hex, today, Pin, SpecPin};

use crate::diag::{Error, Result, Source};
use crate::diff::{diff, Report};
use crate::{load, model};
use std::path::{Path, PathBuf};

/// Where the pin lives, relative to the repository root.
pub const PIN_PATH: &str = "spec/pin.yaml";
/// Where maintainers pin Rust names.
pub const NAMES_PATH: &str = "spec/names.yaml";
/// The crate's changelog, kept with the pin and copied into the crate.
pub const CHANGELOG_PATH: &str = "spec/CHANGELOG.md";

/// What `pull` did with one spec.
pub enum Pulled {
    /// The pinned spec, put in place.
    Same(PathBuf),
    /// A new text of the spec: its pin moved.
    Updated(Box<Update>),
}

/// A moved pin.
pub struct Update {
    /// The spec's pin before.
    pub old: SpecPin,
    /// The spec's pin now.
    pub new: SpecPin,
    /// The crate version now.
    pub crate_version: String,
    /// The changes, when the previous spec was available to compare.
    pub report: Option<Report>,
}

/// Puts the pinned specs in place, or, when `from` holds another text of a spec, moves that
/// spec's pin to it. `name` chooses the spec; it may be left out when `from` is a pinned
/// text or the crate has one spec.
pub fn pull(
    root: &Path,
    name: Option<&str>,
    from: Option<&str>,
    version: Option<&str>,
    url: Option<&str>,
) -> Result<Vec<Pulled>> {
    let pin = Pin::load(root)?;
    let chosen = name.map(|n| pin.spec(n)).transpose()?;
    let Some(from) = from else {
        // Every pinned spec (or the one named) from its pinned URL.
        let mut out = Vec::new();
        for s in pin.specs.iter().filter(|s| chosen.is_none_or(|c| c.name == s.name)) {
            let bytes = fetch(&s.url)?;
            let dest = put_if_pinned(root, s, &bytes)?.ok_or_else(|| {
                Error::msg(format!("{} no longer has the pinned sha256 {}", s.url, s.sha256))
                    .hint("the pinned URL should name one text; pass `--from` to move the pin deliberately")
            })?;
            out.push(Pulled::Same(dest));
        }
        return Ok(out);
    };
    let bytes = fetch(from)?;
    // A pinned text is put in place, whichever spec it is.
    for s in pin.specs.iter().filter(|s| chosen.is_none_or(|c| c.name == s.name)) {
        if let Some(dest) = put_if_pinned(root, s, &bytes)? {
            return Ok(vec![Pulled::Same(dest)]);
        }
    }
    let target = match (chosen, pin.specs.as_slice()) {
        (Some(s), _) => s.clone(),
        (None, [only]) => only.clone(),
        (None, specs) => {
            let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
            return Err(Error::msg(format!("{from} is not the text of any pinned spec, and the pin has several"))
                .hint(format!("say which spec it is a new version of with `--spec` ({})", names.join(", "))));
        }
    };
    let update = move_pin(root, pin, target, from, bytes, version, url)?;
    Ok(vec![Pulled::Updated(Box::new(update))])
}

/// Puts each pinned spec in place from the first file below `dir` that has its sha256, and
/// returns the pinned specs no file there has.
pub fn pull_from_dir(root: &Path, dir: &Path) -> Result<Vec<String>> {
    let pin = Pin::load(root)?;
    let mut files = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    // Bounded: a spec folder is small; a link loop or a huge tree stops here.
    while let Some(d) = todo.pop() {
        if files.len() > 10_000 {
            break;
        }
        let entries = std::fs::read_dir(&d)
            .map_err(|e| Error { file: Some(d.clone()), ..Error::msg(format!("cannot read: {e}")) })?;
        let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() && !p.is_symlink() {
                todo.push(p);
            } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml" || x == "json") {
                files.push(p);
            }
        }
    }
    let mut missing = Vec::new();
    for s in &pin.specs {
        let mut found = false;
        for f in &files {
            let bytes = std::fs::read(f)
                .map_err(|e| Error { file: Some(f.clone()), ..Error::msg(format!("cannot read: {e}")) })?;
            if put_if_pinned(root, s, &bytes)?.is_some() {
                found = true;
                break;
            }
        }
        if !found {
            missing.push(s.name.clone());
        }
    }
    Ok(missing)
}

/// The pinned specs' paths, in the pin's order, pulling any that is missing from its
/// pinned URL first.
pub fn ensure(root: &Path) -> Result<Vec<PathBuf>> {
    let pin = Pin::load(root)?;
    pin.specs.iter().map(|s| ensure_one(root, s)).collect()
}

fn ensure_one(root: &Path, s: &SpecPin) -> Result<PathBuf> {
    let path = s.spec_path(root);
    match std::fs::read(&path) {
        Ok(bytes) if sha256_hex(&bytes) == s.sha256 => Ok(path),
        Ok(_) => Err(Error {
            file: Some(path),
            ..Error::msg(format!("the pulled spec `{}` does not match the pin's sha256", s.name))
        }
        .hint("run `keapgen pull` (or `keapgen pull --from FILE`) to replace it")),
        Err(_) => {
            let bytes = fetch(&s.url)?;
            put_if_pinned(root, s, &bytes)?.ok_or_else(|| {
                Error::msg(format!(
                    "{} has sha256 {}, but {PIN_PATH} pins `{}` version {} with sha256 {}",
                    s.url,
                    sha256_hex(&bytes),
                    s.name,
                    s.version,
                    s.sha256
                ))
                .hint("pass the pinned version's file (`keapgen pull --from FILE` or `--from-dir DIR`), or update the pin deliberately")
            })
        }
    }
}

/// A pinned spec, read and parsed, with its pinned names.
pub struct Loaded {
    /// Its pin.
    pub pin: SpecPin,
    /// The spec.
    pub spec: load::Spec,
    /// The Rust names pinned for it.
    pub names: crate::lower::Names,
}

/// The pinned specs, read and parsed, root first.
pub fn load_pinned(root: &Path) -> Result<(Pin, Vec<Loaded>)> {
    let pin = Pin::load(root)?;
    let mut out = Vec::new();
    for s in &pin.specs {
        let path = ensure_one(root, s)?;
        let spec = load::load_file(&path)?;
        let names = read_names(&s.names_path(root))?;
        out.push(Loaded { pin: s.clone(), spec, names });
    }
    Ok((pin, out))
}

/// Options for generating the pinned crate (`generated/keap`): the pin's versions and crate
/// version and the changelog; `label` names the specs in headers and docs.
pub fn pinned_options(root: &Path, pin: &Pin, label: &str) -> Result<crate::Options> {
    Ok(crate::Options {
        crate_name: "keap".into(),
        crate_version: pin.crate_version.clone(),
        repository: pin.repository.clone(),
        spec_label: label.to_string(),
        runtime: crate::Runtime::Baked,
        names: load_names(root)?,
        changelog: load_changelog(root),
        example_tests: true,
        contract_tests: true,
        example_programs: true,
        guide: true,
        keep_unknown_fields: false,
    })
}

/// The label of the pinned specs: `Keap API 2.0.21` for one, each title and version for
/// several.
pub fn pinned_label(specs: &[Loaded]) -> String {
    specs.iter().map(|l| format!("{} {}", l.spec.doc.info.title, l.pin.label_version())).collect::<Vec<_>>().join(" + ")
}

/// The crate's parts for [`crate::generate_crate`].
pub fn parts(specs: &[Loaded]) -> Vec<crate::Part<'_>> {
    specs.iter().map(|l| l.part(&l.spec)).collect()
}

impl Loaded {
    /// This spec's part of the crate, with `spec` as its text (a fresh parse, in benchmarks).
    pub fn part<'s>(&self, spec: &'s load::Spec) -> crate::Part<'s> {
        crate::Part {
            spec,
            module: self.pin.module.clone(),
            name: self.pin.name.clone(),
            names: self.names.clone(),
            keep_unknown_fields: self.pin.keep_unknown_fields,
        }
    }
}

/// Writes `bytes` to the pinned spec's place when they have its sha256, and returns that
/// place; `None` (nothing written) for any other bytes.
fn put_if_pinned(root: &Path, pin: &SpecPin, bytes: &[u8]) -> Result<Option<PathBuf>> {
    if sha256_hex(bytes) != pin.sha256 {
        return Ok(None);
    }
    let dest = pin.spec_path(root);
    write_atomic(&dest, bytes)?;
    Ok(Some(dest))
}

/// Moves the pin of spec `old` to `bytes`, another text read from `source`: compares it
/// with the previous text when that is still in place, bumps the crate version, writes the
/// spec, the pin and a changelog entry.
fn move_pin(
    root: &Path,
    mut pin: Pin,
    old: SpecPin,
    source: &str,
    bytes: Vec<u8>,
    version: Option<&str>,
    url: Option<&str>,
) -> Result<Update> {
    let is_url = source.starts_with("http://") || source.starts_with("https://");
    let new_url = match (is_url, url) {
        (_, Some(u)) => u.to_string(),
        (true, None) => source.to_string(),
        (false, None) => {
            return Err(Error::msg(format!(
                "{source} is another text of spec `{}` than the pin's, and the pin needs its upstream URL",
                old.name
            ))
            .hint("pass `--url` with the address it was downloaded from (and `--version`)"))
        }
    };
    let text = String::from_utf8(bytes.clone()).map_err(|_| Error::msg(format!("{source} is not UTF-8 text")))?;
    let new_spec = load::parse(Source::new(Some(PathBuf::from(source)), text))?;
    let names = read_names(&old.names_path(root))?;
    let (new_api, _) = model(&new_spec, &names)?;
    // The previous text, if it is still here as pinned, to compare against.
    let dest = old.spec_path(root);
    let old_api = match std::fs::read(&dest) {
        Ok(text) if sha256_hex(&text) == old.sha256 => {
            let old_spec = load::parse(Source::new(Some(dest.clone()), String::from_utf8_lossy(&text).into_owned()))?;
            Some(model(&old_spec, &names)?.0)
        }
        _ => None,
    };
    let report = old_api.as_ref().map(|o| diff(o, &new_api));
    let new = SpecPin {
        version: version.map(str::to_string).unwrap_or_else(|| new_spec.doc.info.version.clone()),
        // A spec pinned by date keeps being pinned by date: the day of this pull.
        date: old.date.as_ref().map(|_| pin::today()),
        url: new_url,
        sha256: sha256_hex(&bytes),
        ..old.clone()
    };
    pin.crate_version = bump(&pin.crate_version, report.as_ref().is_none_or(Report::breaking));
    for s in &mut pin.specs {
        if s.name == new.name {
            *s = new.clone();
        }
    }
    write_atomic(&dest, &bytes)?;
    pin.save(root)?;
    changelog::add_entry(root, &old, &new, &pin.crate_version, report.as_ref())?;
    Ok(Update { old, new, crate_version: pin.crate_version, report })
}
