//! The pin (`spec/pin.yaml`): which spec version the committed crate is generated from,
//! where to fetch it and the sha256 it must have.

use crate::diag::{Error, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Where the pin lives, relative to the repository root.
pub const PIN_PATH: &str = "spec/pin.yaml";

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

/// Reads a spec from a file or an http(s) URL.
pub fn fetch(source: &str) -> Result<Vec<u8>> {
    if source.starts_with("http://") || source.starts_with("https://") {
        let mut response = ureq::get(source).call().map_err(|e| {
            Error::msg(format!("cannot download {source}: {e}"))
                .hint("with no network, pass a local copy: `keapgen pull --from path/to/spec.yaml`")
        })?;
        response
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_vec()
            .map_err(|e| Error::msg(format!("cannot download {source}: {e}")))
    } else {
        std::fs::read(source)
            .map_err(|e| Error { file: Some(source.into()), ..Error::msg(format!("cannot read: {e}")) })
    }
}

/// Puts the pinned spec at its place under `spec/`, from `from` or the pinned URL, and
/// checks its sha256. Returns its path.
pub fn pull(root: &Path, from: Option<&str>) -> Result<PathBuf> {
    let pin = Pin::load(root)?;
    let source = from.unwrap_or(&pin.url);
    let bytes = fetch(source)?;
    let sum = sha256_hex(&bytes);
    if sum != pin.sha256 {
        return Err(Error::msg(format!(
            "{source} has sha256 {sum}, but {PIN_PATH} pins version {} with sha256 {}",
            pin.version, pin.sha256
        ))
        .hint("pass the pinned version's file, or update the pin deliberately"));
    }
    let dest = pin.spec_path(root);
    write_atomic(&dest, &bytes)?;
    Ok(dest)
}

/// The pinned spec's path, pulling it first when it is missing.
pub fn ensure(root: &Path) -> Result<PathBuf> {
    let pin = Pin::load(root)?;
    let path = pin.spec_path(root);
    match std::fs::read(&path) {
        Ok(bytes) if sha256_hex(&bytes) == pin.sha256 => Ok(path),
        Ok(_) => Err(Error { file: Some(path), ..Error::msg("the pulled spec does not match the pin's sha256") }
            .hint("run `keapgen pull` (or `keapgen pull --from FILE`) to replace it")),
        Err(_) => pull(root, None),
    }
}

/// Writes a file through a temporary sibling, so a failed write leaves the old one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    let io = |e: std::io::Error| Error { file: Some(path.to_path_buf()), ..Error::msg(format!("cannot write: {e}")) };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    std::fs::write(&tmp, bytes).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}
