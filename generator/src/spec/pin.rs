//! The pin (`spec/pin.yaml`): which spec version the committed crate is generated from,
//! where to fetch it and the sha256 it must have.

use super::fetch::write_atomic;
use super::PIN_PATH;
use crate::diag::{Error, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The pinned spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pin {
    /// Keap's SDK version of the spec (`2.0.21`).
    pub version: String,
    /// Upstream URL of that exact version.
    pub url: String,
    /// Hex sha256 of the spec's bytes.
    pub sha256: String,
    /// File name under `spec/` the text is pulled to (git-ignored).
    pub file: String,
    /// Version of the generated crate; `pull` bumps it when the spec changes.
    #[serde(default = "default_crate_version")]
    pub crate_version: String,
}

fn default_crate_version() -> String {
    "0.1.0".into()
}

impl Pin {
    /// Reads the pin from a repository root.
    pub fn load(root: &Path) -> Result<Pin> {
        let path = root.join(PIN_PATH);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Error { file: Some(path.clone()), ..Error::msg(format!("cannot read the pin: {e}")) })?;
        serde_yaml::from_str(&text).map_err(|e| Error {
            file: Some(path),
            line: e.location().map(|l| l.line()),
            ..Error::msg(format!("bad pin: {e}")).hint("it needs `version`, `url`, `sha256` and `file`")
        })
    }

    /// Writes the pin back, keeping its explanatory comment.
    pub fn save(&self, root: &Path) -> Result<()> {
        let body = serde_yaml::to_string(self).map_err(|e| Error::msg(format!("cannot write the pin: {e}")))?;
        let text = format!(
            "# The Keap spec keapgen generates `generated/keap` from. `keapgen pull` fetches `url` (or\n\
             # reads `--from`) into spec/<file>, which git ignores, and refuses it unless its sha256 matches.\n{body}"
        );
        write_atomic(&root.join(PIN_PATH), text.as_bytes())
    }

    /// Where the pulled spec text lives.
    pub fn spec_path(&self, root: &Path) -> PathBuf {
        root.join("spec").join(&self.file)
    }
}

/// Hex sha256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}
