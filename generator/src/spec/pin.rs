//! The pin (`spec/pin.yaml`): which specs the committed crate is generated from, where to
//! fetch each and the sha256 it must have, and the crate's version.

use super::fetch::write_atomic;
use super::PIN_PATH;
use crate::diag::{Error, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The pinned specs of one crate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pin {
    /// Version of the generated crate; `pull` bumps it when a spec changes.
    #[serde(default = "default_crate_version")]
    pub crate_version: String,
    /// The generated crate's source repository (a `https://` URL), for its manifest: set it
    /// to publish the crate on crates.io.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// The specs, the crate's root first.
    pub specs: Vec<SpecPin>,
}

/// One pinned spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecPin {
    /// What `--spec` calls it, and its umbrella cargo feature (`v2`, `v1`).
    pub name: String,
    /// The module it is generated into (`v1`); none for the first spec, the crate's root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    /// The spec's version (Keap's SDK version `2.0.21`; v1's `info.version`).
    pub version: String,
    /// The day its text was taken, for a spec served without a version history (v1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Upstream URL of that exact text.
    pub url: String,
    /// Hex sha256 of the spec's bytes.
    pub sha256: String,
    /// File name under `spec/` the text is pulled to (git-ignored).
    pub file: String,
    /// Keep the fields its answers carry that its schemas do not declare (Keap's v1).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub keep_unknown_fields: bool,
}

fn default_crate_version() -> String {
    "0.1.0".into()
}

/// What the pin says at its top, kept when `pull` rewrites it.
const PIN_COMMENT: &str =
    "# The Keap specs keapgen generates `generated/keap` from: the first at the crate's root, each\n\
# other in its `module`. `keapgen pull` fetches each `url` (or reads `--from`) into spec/<file>,\n\
# which git ignores, and refuses it unless its sha256 matches. Names pinned for a spec are in\n\
# spec/names.yaml (the root) or spec/names-<name>.yaml.\n";

impl Pin {
    /// Reads the pin from a repository root.
    pub fn load(root: &Path) -> Result<Pin> {
        let path = root.join(PIN_PATH);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Error { file: Some(path.clone()), ..Error::msg(format!("cannot read the pin: {e}")) })?;
        let pin: Pin = serde_yaml::from_str(&text).map_err(|e| Error {
            file: Some(path.clone()),
            line: e.location().map(|l| l.line()),
            ..Error::msg(format!("bad pin: {e}")).hint(
                "it needs `crate_version` and `specs`, each with `name`, `version`, `url`, `sha256` and `file` \
                 (and `module` for all but the first)",
            )
        })?;
        pin.check().map_err(|e| Error { file: Some(path), ..e })?;
        Ok(pin)
    }

    /// The first spec is the crate's root and has no module; every other has one, and no
    /// two share a name, module or file.
    fn check(&self) -> Result<()> {
        if let Some(url) = &self.repository {
            crate::options::check_repository_url(url).map_err(|why| {
                Error::msg(format!("`repository`: {why}")).hint("write it as `https://host/owner/name`")
            })?;
        }
        let Some(first) = self.specs.first() else {
            return Err(Error::msg("the pin names no spec").hint("add one under `specs:`"));
        };
        if first.module.is_some() {
            return Err(Error::msg(format!(
                "the first spec, `{}`, is the crate's root: it has no `module`",
                first.name
            )));
        }
        let ident = |s: &str| {
            s.starts_with(|c: char| c.is_ascii_lowercase())
                && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        };
        for (i, s) in self.specs.iter().enumerate() {
            if !ident(&s.name) {
                return Err(Error::msg(format!("spec name `{}` is not a lower-case identifier", s.name))
                    .hint("it names a cargo feature: use letters, digits and `_`, like `v1`"));
            }
            match (&s.module, i) {
                (None, 0) => {}
                (None, _) => {
                    return Err(Error::msg(format!(
                        "spec `{}` needs a `module`: only the first is at the root",
                        s.name
                    )))
                }
                (Some(m), _) if !ident(m) => {
                    return Err(Error::msg(format!("module `{m}` of spec `{}` is not a lower-case identifier", s.name)))
                }
                _ => {}
            }
            let earlier = &self.specs[..i];
            if let Some(o) = earlier
                .iter()
                .find(|o| o.name == s.name || o.file == s.file || (o.module.is_some() && o.module == s.module))
            {
                return Err(Error::msg(format!("specs `{}` and `{}` share a name, module or file", o.name, s.name)));
            }
        }
        Ok(())
    }

    /// The spec called `name`.
    pub fn spec(&self, name: &str) -> Result<&SpecPin> {
        self.specs.iter().find(|s| s.name == name).ok_or_else(|| {
            let names: Vec<&str> = self.specs.iter().map(|s| s.name.as_str()).collect();
            Error::msg(format!("the pin has no spec `{name}`")).hint(format!("pinned: {}", names.join(", ")))
        })
    }

    /// Writes the pin back, with its explanatory comment.
    pub fn save(&self, root: &Path) -> Result<()> {
        let body = serde_yaml::to_string(self).map_err(|e| Error::msg(format!("cannot write the pin: {e}")))?;
        write_atomic(&root.join(PIN_PATH), format!("{PIN_COMMENT}{body}").as_bytes())
    }

    /// Which spec versions the crate is made of: `2.0.21` for one spec, else each by name.
    pub fn versions(&self) -> String {
        match self.specs.as_slice() {
            [one] => one.version.clone(),
            many => many.iter().map(|s| format!("{} {}", s.name, s.label_version())).collect::<Vec<_>>().join(", "),
        }
    }
}

impl SpecPin {
    /// Where the pulled spec text lives.
    pub fn spec_path(&self, root: &Path) -> PathBuf {
        root.join("spec").join(&self.file)
    }

    /// The names file of this spec: `spec/names.yaml` for the root, else
    /// `spec/names-<name>.yaml`.
    pub fn names_path(&self, root: &Path) -> PathBuf {
        match self.module {
            None => root.join(super::NAMES_PATH),
            Some(_) => root.join("spec").join(format!("names-{}.yaml", self.name)),
        }
    }

    /// The version, with the date for a spec pinned by date.
    pub fn label_version(&self) -> String {
        match &self.date {
            Some(d) => format!("{} ({d})", self.version),
            None => self.version.clone(),
        }
    }
}

/// Hex sha256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Today's date (UTC) as `YYYY-MM-DD`, for a spec pinned by date.
pub fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| (d.as_secs() / 86_400) as i64)
        .unwrap_or(0);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, module: Option<&str>, file: &str) -> SpecPin {
        SpecPin {
            name: name.into(),
            module: module.map(Into::into),
            version: "1".into(),
            date: None,
            url: "u".into(),
            sha256: "s".into(),
            file: file.into(),
            keep_unknown_fields: false,
        }
    }

    #[test]
    fn the_first_spec_is_the_root_and_the_others_have_modules() {
        let ok = Pin {
            crate_version: "0.1.0".into(),
            repository: None,
            specs: vec![spec("v2", None, "a"), spec("v1", Some("v1"), "b")],
        };
        assert!(ok.check().is_ok());
        let root_with_module = Pin { specs: vec![spec("v2", Some("v2"), "a")], ..ok.clone() };
        assert!(root_with_module.check().unwrap_err().to_string().contains("root"));
        let two_roots = Pin { specs: vec![spec("v2", None, "a"), spec("v1", None, "b")], ..ok.clone() };
        assert!(two_roots.check().unwrap_err().to_string().contains("needs a `module`"));
        let same_file = Pin { specs: vec![spec("v2", None, "a"), spec("v1", Some("v1"), "a")], ..ok.clone() };
        assert!(same_file.check().is_err());
        let bad_name = Pin { specs: vec![spec("V 2", None, "a")], ..ok };
        assert!(bad_name.check().is_err());
    }

    #[test]
    fn today_is_a_date() {
        let t = today();
        assert_eq!((t.len(), &t[4..5], &t[7..8]), (10, "-", "-"), "{t}");
        assert!(t.as_str() >= "2024-01-01");
    }
}
