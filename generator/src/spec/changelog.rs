//! What a moved pin tells the crate's users: the crate version bump and the entry in the
//! changelog (`spec/CHANGELOG.md`, copied into the crate).

use super::fetch::write_atomic;
use super::{SpecPin, CHANGELOG_PATH};
use crate::diag::Result;
use crate::diff::Report;
use std::path::Path;

const CHANGELOG_TITLE: &str =
    "# Changelog\n\nWritten by `keapgen pull` from the diff of each new Keap spec against the last.\n";

/// Reads `spec/CHANGELOG.md`, if there is one.
pub fn load_changelog(root: &Path) -> Option<String> {
    std::fs::read_to_string(root.join(CHANGELOG_PATH)).ok()
}

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

/// Puts the entry for the pin's move from `old` to `new` at the top of the changelog.
pub(super) fn add_entry(
    root: &Path,
    old: &SpecPin,
    new: &SpecPin,
    crate_version: &str,
    report: Option<&Report>,
) -> Result<()> {
    let entry = changelog_entry(old, new, crate_version, report);
    let old_log = load_changelog(root).unwrap_or_default();
    let body = old_log.strip_prefix(CHANGELOG_TITLE).unwrap_or(&old_log).trim_start();
    write_atomic(&root.join(CHANGELOG_PATH), format!("{CHANGELOG_TITLE}\n{entry}\n{body}").as_bytes())
}

fn changelog_entry(old: &SpecPin, new: &SpecPin, crate_version: &str, report: Option<&Report>) -> String {
    let mut out = format!(
        "## {crate_version} (Keap spec `{}` {})\n\nGenerated from <{}> (sha256 `{}`).\n",
        new.name,
        new.label_version(),
        new.url,
        &new.sha256[..16]
    );
    let Some(report) = report else {
        out.push_str(&format!("\nThe previous spec ({}) was not available to compare with.\n", old.label_version()));
        return out;
    };
    let all: Vec<&crate::diff::Change> = report.moved.iter().chain(&report.changes).collect();
    out.push_str(&format!(
        "\nCompared with {}: {} changes, {} breaking.\n",
        old.label_version(),
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
