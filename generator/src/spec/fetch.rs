//! Spec bytes in and out: reading a spec from a file or URL, asking upstream for its newest
//! one, and writing files so that a failed write leaves the old one.

use crate::diag::{Error, Result};
use std::path::Path;

/// Where upstream keeps the v2 spec.
pub const UPSTREAM_COMMITS: &str =
    "https://api.github.com/repos/infusionsoft/keap-sdk/commits?path=sdks/v2/swagger.yml&per_page=1";

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
