//! Spec prose → rustdoc that cannot misfire: no accidental doctests, no broken intra-doc
//! links, no raw HTML, no bare URLs.

use proc_macro2::TokenStream;
use quote::quote;

/// One `#[doc]` line; a leading space so it prints as `/// text`.
pub fn line_attr(line: &str) -> TokenStream {
    let l = if line.is_empty() { String::new() } else { format!(" {line}") };
    quote!(#[doc = #l])
}

/// Joins paragraphs (skipping empty ones) with blank lines and returns the attributes.
pub fn paragraphs<'a>(parts: impl IntoIterator<Item = &'a str>) -> TokenStream {
    let mut out: Vec<String> = Vec::new();
    for p in parts {
        let ls = lines(p);
        if ls.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(String::new());
        }
        out.extend(ls);
    }
    out.iter().map(|l| line_attr(l)).collect()
}

/// The sanitised lines of a description.
pub fn lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut fence = false;
    // Width of the current list item's marker: its continuation lines are indented by it,
    // so they stay in the item (as the spec's own indentation meant) without becoming code.
    let mut item: Option<usize> = None;
    // Tabs trip clippy; direction overrides are a rustc error in comments.
    let text: String = text
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace('\t', "    ")
        .chars()
        .filter(|c| !matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
        .collect();
    for raw in text.lines() {
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            // Fences become plain text blocks: rustdoc would compile an untagged one.
            out.push(if fence { "```".to_string() } else { "```text".to_string() });
            fence = !fence;
            continue;
        }
        if fence {
            out.push(line.to_string());
            continue;
        }
        if trimmed.is_empty() {
            item = None;
            out.push(String::new());
            continue;
        }
        // Leading indentation would start an indented code block (a doctest).
        let escaped = escape_line(trimmed);
        if let Some(width) = list_marker(trimmed) {
            item = Some(width);
            out.push(escaped);
        } else if let Some(width) = item {
            out.push(format!("{}{escaped}", " ".repeat(width)));
        } else {
            out.push(escaped);
        }
    }
    if fence {
        out.push("```".into());
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    while out.first().is_some_and(|l| l.is_empty()) {
        out.remove(0);
    }
    out
}

/// The width of a list marker starting `line` (`- `, `* `, `+ `, `1. `, `12) `).
/// The column where a list item's text starts (`-   x` is 4), if `line` starts one.
fn list_marker(line: &str) -> Option<usize> {
    let marker = if ["- ", "* ", "+ "].iter().any(|m| line.starts_with(m)) {
        1
    } else {
        let digits = line.chars().take_while(char::is_ascii_digit).count();
        let rest = &line[digits..];
        if digits == 0 || digits >= 10 || !(rest.starts_with(". ") || rest.starts_with(") ")) {
            return None;
        }
        digits + 1
    };
    let spaces = line[marker..].chars().take_while(|c| *c == ' ').count();
    // Five or more spaces make the text an indented code block; then one space counts.
    Some(marker + if spaces > 4 { 1 } else { spaces })
}

/// Escapes markdown that rustdoc would misread, outside `code spans`.
fn escape_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut in_code = false;
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        if c == '`' {
            in_code = !in_code;
            out.push(c);
            rest = &rest[1..];
            continue;
        }
        if !in_code && (rest.starts_with("http://") || rest.starts_with("https://")) {
            let end = rest.find(|c: char| c.is_whitespace() || "<>\"'`)]".contains(c)).unwrap_or(rest.len());
            let url = rest[..end].trim_end_matches(['.', ',', ';', ':', '!', '?']);
            out.push('<');
            out.push_str(url);
            out.push('>');
            rest = &rest[url.len()..];
            continue;
        }
        match c {
            '[' | ']' if !in_code => {
                out.push('\\');
                out.push(c);
            }
            '<' if !in_code => out.push_str("&lt;"),
            '>' if !in_code => out.push_str("&gt;"),
            _ => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    if in_code {
        // An unclosed backtick would swallow the next line's escaping.
        out.push('`');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_is_made_safe() {
        assert_eq!(lines("    indented code\n"), vec!["indented code"]);
        assert_eq!(lines("```\nlet x = 1;\n```"), vec!["```text", "let x = 1;", "```"]);
        assert_eq!(lines("See [docs] <b>here</b>"), vec![r"See \[docs\] &lt;b&gt;here&lt;/b&gt;"]);
        assert_eq!(lines("at https://keap.com/x."), vec!["at <https://keap.com/x>."]);
        assert_eq!(lines("use `a[0] <b>`"), vec!["use `a[0] <b>`"]);
        assert_eq!(lines("\n\ntext\n\n"), vec!["text"]);
        assert_eq!(lines("- item\n  more\nlazy\n\nafter"), vec!["- item", "  more", "  lazy", "", "after"]);
        assert_eq!(lines("10. ten\nnext"), vec!["10. ten", "    next"]);
        assert_eq!(lines("-   wide\nmore"), vec!["-   wide", "    more"]);
        assert_eq!(lines("a\tb \u{202E}x"), vec!["a    b x"]);
    }
}
