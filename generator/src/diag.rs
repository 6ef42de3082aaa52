//! Errors and warnings that point into the spec: file, JSON pointer and, for YAML, the line.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;

/// A failure the user can act on: where it happened, what is wrong and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The file being read, when there is one.
    pub file: Option<PathBuf>,
    /// JSON pointer into the spec (`/paths/~1rest~1v2~1contacts/get`).
    pub pointer: Option<String>,
    /// 1-based line in the file, when it could be found.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
}

impl Error {
    /// An error with only a message.
    pub fn msg(message: impl Into<String>) -> Self {
        Error { file: None, pointer: None, line: None, message: message.into(), hint: None }
    }

    /// An error at a place in the spec.
    pub fn at(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Error { pointer: Some(pointer.into()), ..Error::msg(message) }
    }

    /// Adds advice on what to do.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Adds the file, and the line when the pointer can be found in `source`.
    pub fn in_source(mut self, source: &Source) -> Self {
        self.file = self.file.or_else(|| source.path.clone());
        if self.line.is_none() {
            if let Some(p) = &self.pointer {
                self.line = source.line_of(p);
            }
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => write!(f, "{}:{line}: ", file.display())?,
            (Some(file), None) => write!(f, "{}: ", file.display())?,
            (None, Some(line)) => write!(f, "line {line}: ",)?,
            (None, None) => {}
        }
        match self.pointer.as_deref() {
            Some("") => f.write_str("at the document root: ")?,
            Some(p) => write!(f, "at {p}: ")?,
            None => {}
        }
        f.write_str(&self.message)?;
        if let Some(h) = &self.hint {
            let mut chars = h.chars();
            let first = chars.next().map(|c| c.to_uppercase().to_string()).unwrap_or_default();
            let sep = if self.message.ends_with('.') { " " } else { ". " };
            write!(f, "{sep}{first}{}.", chars.as_str())?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// Result with the generator's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Something odd in the spec that the generator worked around.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Warning {
    /// JSON pointer into the spec.
    pub pointer: String,
    /// 1-based line, when found.
    pub line: Option<usize>,
    /// What was odd and what the generator did.
    pub message: String,
    /// The spec's file, when a crate is made from several specs.
    pub file: Option<std::path::PathBuf>,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}: ", file.display())?;
        }
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        write!(f, "at {}: {}", self.pointer, self.message)
    }
}

/// The spec's text, kept to turn JSON pointers into line numbers.
#[derive(Debug, Default)]
pub struct Source {
    /// Where the text came from.
    pub path: Option<PathBuf>,
    /// The text itself.
    pub text: String,
    lines: std::sync::OnceLock<HashMap<String, usize>>,
}

impl Source {
    /// Wraps a spec text.
    pub fn new(path: Option<PathBuf>, text: String) -> Self {
        Source { path, text, lines: Default::default() }
    }

    /// The 1-based line of the node at `pointer`, or of its nearest ancestor found.
    /// Only block-style YAML is mapped; JSON gets `None`.
    pub fn line_of(&self, pointer: &str) -> Option<usize> {
        if self.text.trim_start().starts_with('{') {
            return None;
        }
        let map = self.lines.get_or_init(|| yaml_lines(&self.text));
        let mut p = pointer;
        loop {
            if let Some(l) = map.get(p) {
                return Some(*l);
            }
            p = &p[..p.rfind('/')?];
        }
    }
}

/// Escapes one JSON-pointer segment (RFC 6901).
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// A JSON pointer segment as the name it escapes (the inverse of [`escape`]).
pub fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// Maps every node's JSON pointer to its line, in one pass over block-style YAML.
/// Keap writes block style throughout; flow collections map to their first line.
fn yaml_lines(text: &str) -> HashMap<String, usize> {
    enum Seg {
        Key(String),
        Item(usize),
    }
    let mut map = HashMap::new();
    let mut stack: Vec<(usize, Seg)> = Vec::new();
    let mut block_scalar: Option<usize> = None;
    let record = |stack: &Vec<(usize, Seg)>, map: &mut HashMap<String, usize>, line: usize| {
        let mut p = String::new();
        for (_, s) in stack {
            p.push('/');
            match s {
                Seg::Key(k) => p.push_str(&escape(k)),
                Seg::Item(i) => p.push_str(&i.to_string()),
            }
        }
        map.entry(p).or_insert(line);
    };
    for (n, raw) in text.lines().enumerate() {
        let line = n + 1;
        let content = raw.trim_start();
        if content.is_empty() || content.starts_with('#') || raw.starts_with("---") {
            continue;
        }
        let mut indent = raw.len() - content.len();
        if let Some(b) = block_scalar {
            if indent > b {
                continue;
            }
            block_scalar = None;
        }
        let mut rest = content;
        if let Some(after) = rest.strip_prefix("- ").or(if rest == "-" { Some("") } else { None }) {
            while stack.last().is_some_and(|(i, _)| *i > indent) {
                stack.pop();
            }
            let next = match stack.last() {
                Some((i, Seg::Item(k))) if *i == indent => {
                    let k = *k + 1;
                    stack.pop();
                    k
                }
                _ => 0,
            };
            stack.push((indent, Seg::Item(next)));
            record(&stack, &mut map, line);
            rest = after.trim_start();
            indent += 2;
            if rest.is_empty() {
                continue;
            }
        } else {
            while stack.last().is_some_and(|(i, _)| *i >= indent) {
                stack.pop();
            }
        }
        let Some((key, value)) = split_key(rest) else { continue };
        stack.push((indent, Seg::Key(key)));
        record(&stack, &mut map, line);
        let v = value.trim();
        if v.starts_with('|') || v.starts_with('>') {
            block_scalar = Some(indent);
        }
    }
    map
}

/// Splits `key: value` (key possibly quoted); `None` for lines that are not keys.
fn split_key(s: &str) -> Option<(String, &str)> {
    let (key, rest) = if let Some(q) = s.chars().next().filter(|c| *c == '\'' || *c == '"') {
        let end = s[1..].find(q)? + 1;
        (s[1..end].to_string(), &s[end + 1..])
    } else {
        let end = s.find(": ").or_else(|| s.strip_suffix(':').map(|k| k.len()))?;
        if s.starts_with('{') || s.starts_with('[') {
            return None;
        }
        (s[..end].trim_end().to_string(), &s[end..])
    };
    let rest = rest.trim_start().strip_prefix(':')?;
    Some((key, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_lines_of_nested_keys_and_items() {
        let text = "openapi: 3.0.0\npaths:\n  /a/{id}:\n    get:\n      tags:\n      - X\n      parameters:\n      - name: id\n        in: path\n      - name: q\n        description: |\n          text: not a key\n        in: query\n";
        let s = Source::new(None, text.to_string());
        assert_eq!(s.line_of("/paths/~1a~1{id}/get"), Some(4));
        assert_eq!(s.line_of("/paths/~1a~1{id}/get/tags/0"), Some(6));
        assert_eq!(s.line_of("/paths/~1a~1{id}/get/parameters/1/in"), Some(13));
        assert_eq!(s.line_of("/paths/~1a~1{id}/get/parameters/1/missing"), Some(10));
        assert_eq!(s.line_of("/nothing"), None);
    }
}
