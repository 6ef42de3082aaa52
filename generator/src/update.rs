//! Keeping up with Keap: pulling a new spec version moves the pin, reports what changed
//! against the previous one, bumps the crate version and writes a changelog entry.

use crate::diag::{Error, Result, Source};
use crate::diff::{diff, Report};
use crate::lower::Names;
use crate::pin::{fetch, sha256_hex, write_atomic, Pin};
use crate::{load, model};
use std::path::{Path, PathBuf};

/// Where maintainers pin Rust names.
pub const NAMES_PATH: &str = "spec/names.yaml";
/// The crate's changelog, kept with the pin and copied into the crate.
pub const CHANGELOG_PATH: &str = "spec/CHANGELOG.md";
/// Where upstream keeps the v2 spec.
pub const UPSTREAM_COMMITS: &str =
    "https://api.github.com/repos/infusionsoft/keap-sdk/commits?path=sdks/v2/swagger.yml&per_page=1";

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

/// Reads `spec/names.yaml` (empty when absent).
pub fn load_names(root: &Path) -> Result<Names> {
    let path = root.join(NAMES_PATH);
    let Ok(text) = std::fs::read_to_string(&path) else { return Ok(Names::default()) };
    parse_names(&text).map_err(|e| Error { file: Some(path), ..e })
}

/// Parses a names file.
pub fn parse_names(text: &str) -> Result<Names> {
    serde_yaml::from_str(text).map_err(|e| Error {
        line: e.location().map(|l| l.line()),
        ..Error::msg(format!("bad names file: {e}"))
            .hint("it has `operations:` (\"METHOD /path\": method_name) and `types:` (SchemaName: RustName)")
    })
}

/// Reads `spec/CHANGELOG.md`, if there is one.
pub fn load_changelog(root: &Path) -> Option<String> {
    std::fs::read_to_string(root.join(CHANGELOG_PATH)).ok()
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

/// The raw URL of upstream's newest v2 spec, asked of GitHub's API.
pub fn latest_url() -> Result<String> {
    let hint =
        "with no network, download the spec elsewhere and pass it: `keapgen pull --from FILE --url URL --version V`";
    let body = fetch(UPSTREAM_COMMITS)
        .map_err(|e| Error::msg(format!("cannot ask upstream for its newest spec: {}", e.message)).hint(hint))?;
    let commits: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| Error::msg(format!("upstream answered something unexpected: {e}")).hint(hint))?;
    let sha = commits
        .pointer("/0/sha")
        .and_then(|s| s.as_str())
        .ok_or_else(|| Error::msg("upstream lists no commit of the spec").hint(hint))?;
    Ok(format!("https://raw.githubusercontent.com/infusionsoft/keap-sdk/{sha}/sdks/v2/swagger.yml"))
}

/// Puts the pinned spec in place, or, when `from` holds another version, moves the pin to it.
pub fn pull(root: &Path, from: Option<&str>, version: Option<&str>, url: Option<&str>) -> Result<Pulled> {
    let pin = Pin::load(root)?;
    let source = from.unwrap_or(&pin.url);
    let bytes = fetch(source)?;
    let sum = sha256_hex(&bytes);
    let dest = pin.spec_path(root);
    if sum == pin.sha256 {
        write_atomic(&dest, &bytes)?;
        return Ok(Pulled::Same(dest));
    }
    if from.is_none() {
        return Err(Error::msg(format!("{source} no longer has the pinned sha256 {}", pin.sha256))
            .hint("the pinned URL should name one commit; pass `--from` to move the pin deliberately"));
    }
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
        sha256: sum,
        file: pin.file.clone(),
        crate_version: bump(&pin.crate_version, report.as_ref().is_none_or(Report::breaking)),
    };
    write_atomic(&dest, &bytes)?;
    new.save(root)?;
    let entry = changelog_entry(&pin, &new, report.as_ref());
    let old_log = load_changelog(root).unwrap_or_default();
    let body = old_log.strip_prefix(CHANGELOG_TITLE).unwrap_or(&old_log).trim_start();
    write_atomic(&root.join(CHANGELOG_PATH), format!("{CHANGELOG_TITLE}\n{entry}\n{body}").as_bytes())?;
    Ok(Pulled::Updated(Box::new(Update { old: pin, new, report })))
}

const CHANGELOG_TITLE: &str =
    "# Changelog\n\nWritten by `keapgen pull` from the diff of each new Keap spec against the last.\n";

/// A semver bump: breaking changes move the minor version while below 1.0, else the major.
pub fn bump(version: &str, breaking: bool) -> String {
    let mut parts = version.split('+').next().unwrap_or("0.1.0").split('.').map(|p| p.parse::<u64>().unwrap_or(0));
    let (major, minor, patch) = (parts.next().unwrap_or(0), parts.next().unwrap_or(1), parts.next().unwrap_or(0));
    match (breaking, major) {
        (true, 0) => format!("0.{}.0", minor + 1),
        (true, m) => format!("{}.0.0", m + 1),
        (false, _) => format!("{major}.{minor}.{}", patch + 1),
    }
}

fn changelog_entry(old: &Pin, new: &Pin, report: Option<&Report>) -> String {
    let mut out = format!(
        "## {} (Keap spec {})\n\nGenerated from <{}> (sha256 `{}`).\n",
        new.crate_version,
        new.version,
        new.url,
        &new.sha256[..16]
    );
    let Some(report) = report else {
        out.push_str(&format!("\nThe previous spec ({}) was not available to compare with.\n", old.version));
        return out;
    };
    let all: Vec<&crate::diff::Change> = report.moved.iter().chain(&report.changes).collect();
    out.push_str(&format!(
        "\nCompared with {}: {} changes, {} breaking.\n",
        old.version,
        all.len(),
        all.iter().filter(|c| c.breaking).count()
    ));
    for (title, breaking) in [("Breaking", true), ("Other changes", false)] {
        let items: Vec<&&crate::diff::Change> = all.iter().filter(|c| c.breaking == breaking).collect();
        if items.is_empty() {
            continue;
        }
        out.push_str(&format!("\n### {title}\n\n"));
        for c in items {
            out.push_str(&format!("- {}: {} ({})\n", c.target, c.detail, c.kind));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_bump_by_what_changed() {
        assert_eq!(bump("0.1.0", true), "0.2.0");
        assert_eq!(bump("0.1.3", false), "0.1.4");
        assert_eq!(bump("1.2.3", true), "2.0.0");
    }
}
