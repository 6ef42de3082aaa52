//! The `spec/` folder: the pin, the pinned names and the changelog, and `pull`, which puts
//! the pinned spec in place or, given another version, moves the pin to it.

mod changelog;
mod fetch;
mod names;
mod pin;

pub use changelog::{bump, load_changelog};
pub use fetch::{fetch, latest_url, write_atomic, UPSTREAM_COMMITS};
pub use names::{load_names, parse_names};
pub use pin::{sha256_hex, Pin};

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

/// What `pull` did.
pub enum Pulled {
    /// The pinned spec, put in place.
    Same(PathBuf),
    /// A new spec: the pin moved.
    Updated(Box<Update>),
}

/// A moved pin.
pub struct Update {
    /// The pin before.
    pub old: Pin,
    /// The pin now.
    pub new: Pin,
    /// The changes, when the previous spec was available to compare.
    pub report: Option<Report>,
}

/// Puts the pinned spec in place, or, when `from` holds another version, moves the pin to it.
pub fn pull(root: &Path, from: Option<&str>, version: Option<&str>, url: Option<&str>) -> Result<Pulled> {
    let pin = Pin::load(root)?;
    let source = from.unwrap_or(&pin.url);
    let bytes = fetch(source)?;
    if let Some(dest) = put_if_pinned(root, &pin, &bytes)? {
        return Ok(Pulled::Same(dest));
    }
    let Some(from) = from else {
        return Err(Error::msg(format!("{source} no longer has the pinned sha256 {}", pin.sha256))
            .hint("the pinned URL should name one commit; pass `--from` to move the pin deliberately"));
    };
    move_pin(root, pin, from, bytes, version, url).map(|u| Pulled::Updated(Box::new(u)))
}

/// The pinned spec's path, pulling it from the pinned URL first when it is missing.
pub fn ensure(root: &Path) -> Result<PathBuf> {
    let pin = Pin::load(root)?;
    let path = pin.spec_path(root);
    match std::fs::read(&path) {
        Ok(bytes) if sha256_hex(&bytes) == pin.sha256 => Ok(path),
        Ok(_) => Err(Error { file: Some(path), ..Error::msg("the pulled spec does not match the pin's sha256") }
            .hint("run `keapgen pull` (or `keapgen pull --from FILE`) to replace it")),
        Err(_) => {
            let bytes = fetch(&pin.url)?;
            put_if_pinned(root, &pin, &bytes)?.ok_or_else(|| {
                Error::msg(format!(
                    "{} has sha256 {}, but {PIN_PATH} pins version {} with sha256 {}",
                    pin.url,
                    sha256_hex(&bytes),
                    pin.version,
                    pin.sha256
                ))
                .hint("pass the pinned version's file, or update the pin deliberately")
            })
        }
    }
}

/// Options for generating the pinned crate (`generated/keap`): the pin's version and crate
/// version, the pinned names and the changelog.
pub fn pinned_options(root: &Path, pin: &Pin, title: &str) -> Result<crate::Options> {
    Ok(crate::Options {
        crate_name: "keap".into(),
        crate_version: pin.crate_version.clone(),
        spec_label: format!("{title} {}", pin.version),
        runtime: crate::Runtime::Baked,
        names: load_names(root)?,
        changelog: load_changelog(root),
        example_tests: true,
        contract_tests: true,
        example_programs: true,
    })
}

/// Writes `bytes` to the pinned spec's place when they have the pinned sha256, and returns
/// that place; `None` (nothing written) for any other bytes.
fn put_if_pinned(root: &Path, pin: &Pin, bytes: &[u8]) -> Result<Option<PathBuf>> {
    if sha256_hex(bytes) != pin.sha256 {
        return Ok(None);
    }
    let dest = pin.spec_path(root);
    write_atomic(&dest, bytes)?;
    Ok(Some(dest))
}

/// Moves the pin to `bytes`, another spec version read from `source`: compares it with the
/// previous spec when that is still in place, bumps the crate version, writes the spec, the
/// pin and a changelog entry.
fn move_pin(
    root: &Path,
    pin: Pin,
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
                "{source} is another spec version than the pin, and the pin needs its upstream URL"
            ))
            .hint("pass `--url` with the address it was downloaded from (and `--version`)"))
        }
    };
    let text = String::from_utf8(bytes.clone()).map_err(|_| Error::msg(format!("{source} is not UTF-8 text")))?;
    let new_spec = load::parse(Source::new(Some(PathBuf::from(source)), text))?;
    let names = load_names(root)?;
    let (new_api, _) = model(&new_spec, &names)?;
    // The previous spec, if it is still here as pinned, to compare against.
    let dest = pin.spec_path(root);
    let old_api = match std::fs::read(&dest) {
        Ok(old) if sha256_hex(&old) == pin.sha256 => {
            let old_spec = load::parse(Source::new(Some(dest.clone()), String::from_utf8_lossy(&old).into_owned()))?;
            Some(model(&old_spec, &names)?.0)
        }
        _ => None,
    };
    let report = old_api.as_ref().map(|old| diff(old, &new_api));
    let new = Pin {
        version: version.map(str::to_string).unwrap_or_else(|| new_spec.doc.info.version.clone()),
        url: new_url,
        sha256: sha256_hex(&bytes),
        file: pin.file.clone(),
        crate_version: bump(&pin.crate_version, report.as_ref().is_none_or(Report::breaking)),
    };
    write_atomic(&dest, &bytes)?;
    new.save(root)?;
    changelog::add_entry(root, &pin, &new, report.as_ref())?;
    Ok(Update { old: pin, new, report })
}
