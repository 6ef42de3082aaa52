//! The names file (`spec/names.yaml`): Rust names a maintainer pins so that upstream
//! renames need not move them.

use super::NAMES_PATH;
use crate::diag::{Error, Result};
use crate::lower::Names;
use std::path::Path;

/// Reads `spec/names.yaml`, the root spec's (empty when absent).
pub fn load_names(root: &Path) -> Result<Names> {
    read_names(&root.join(NAMES_PATH))
}

/// Reads a names file (empty when absent).
pub fn read_names(path: &Path) -> Result<Names> {
    let path = path.to_path_buf();
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
