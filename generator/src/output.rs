//! Writing a generated tree to disk and comparing one with it.

use crate::diag::{Error, Result};
use crate::emit::Files;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Replaces `dir` with exactly `files`: written to a temporary sibling, then swapped in, so
/// stale files disappear and a failed run leaves the old tree.
pub fn write_tree(files: &Files, dir: &Path) -> Result<()> {
    let io =
        |p: &Path, e: std::io::Error| Error { file: Some(p.to_path_buf()), ..Error::msg(format!("cannot write: {e}")) };
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "out".into());
    let tmp = dir.with_file_name(format!(".{name}.keapgen-new"));
    let old = dir.with_file_name(format!(".{name}.keapgen-old"));
    for stale in [&tmp, &old] {
        if stale.exists() {
            std::fs::remove_dir_all(stale).map_err(|e| io(stale, e))?;
        }
    }
    for (rel, text) in files {
        let path = tmp.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
        }
        std::fs::write(&path, text).map_err(|e| io(&path, e))?;
    }
    if dir.exists() {
        std::fs::rename(dir, &old).map_err(|e| io(dir, e))?;
    }
    std::fs::rename(&tmp, dir).map_err(|e| io(dir, e))?;
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(|e| io(&old, e))?;
    }
    Ok(())
}

/// Unified diffs of every file that differs between `files` and `dir` (missing, extra or
/// changed); empty when they match byte for byte.
pub fn diff_tree(files: &Files, dir: &Path) -> Vec<String> {
    let on_disk = list(dir);
    let expected: BTreeSet<PathBuf> = files.keys().cloned().collect();
    let mut diffs = Vec::new();
    for rel in expected.union(&on_disk) {
        let want = files.get(rel).map(String::as_str).unwrap_or("");
        let have = std::fs::read_to_string(dir.join(rel)).unwrap_or_default();
        if want != have || files.contains_key(rel) != on_disk.contains(rel) {
            let label = rel.display().to_string();
            diffs.push(
                similar::TextDiff::from_lines(have.as_str(), want)
                    .unified_diff()
                    .context_radius(3)
                    .header(&format!("a/{label} (on disk)"), &format!("b/{label} (generated)"))
                    .to_string(),
            );
        }
    }
    diffs
}

/// Relative paths of the files under `dir`.
fn list(dir: &Path) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(rel) = p.strip_prefix(dir) {
                out.insert(rel.to_path_buf());
            }
        }
    }
    out
}
