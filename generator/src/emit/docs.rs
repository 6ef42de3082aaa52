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

/// What Keap's filter docs say, restated for this client: their examples are shown
/// percent-encoded, and a user who copies them would have them encoded twice.
const PRE_ENCODED_NOTE: &str = "**With this client:** Keap's text shows the filter operators percent-encoded \
(`%3D%3D` for `==`), as they travel on the wire. This client encodes the query itself, so write `==`, `!=`, \
`<`, `>`, `;` and `*` as they are (or build the filter with `Filter`); text that is already encoded would be \
encoded again and match nothing. The examples here are shown as you write them.";

/// The sanitised lines of a description.
pub fn lines(text: &str) -> Vec<String> {
    let (text, pre_encoded) = decode_encoded_examples(&html_to_markdown(text));
    let mut out = sanitised(&text);
    if pre_encoded {
        out.push(String::new());
        out.push(PRE_ENCODED_NOTE.to_string());
    }
    out
}

/// Spec prose may carry HTML (`<br/>`, `<span style=...>`, `<p>`): turned into Markdown a
/// reader sees as meant, in source and hover as well as in rendered docs.
fn html_to_markdown(text: &str) -> String {
    // Code spans are shown as written.
    let pieces: Vec<String> =
        text.split('`').enumerate().map(|(i, p)| if i % 2 == 1 { p.to_string() } else { html_piece(p) }).collect();
    pieces.join("`")
}

fn html_piece(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        let tag_end = after.find('>').filter(|e| {
            let inner = &after[1..*e];
            inner.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/')
                && !inner.contains(['<', '\n'])
                && !inner.starts_with("http")
        });
        let Some(end) = tag_end else {
            out.push('<');
            rest = &after[1..];
            continue;
        };
        let inner = after[1..end].trim_end_matches('/').trim();
        let closing = inner.starts_with('/');
        let name = inner.trim_start_matches('/').split_whitespace().next().unwrap_or("").to_ascii_lowercase();
        out.push_str(match (name.as_str(), closing) {
            ("br", _) => "\n",
            ("p" | "div" | "ul" | "ol" | "h1" | "h2" | "h3" | "h4" | "table" | "tr", _) => "\n\n",
            ("li", false) => "\n- ",
            ("b" | "strong", _) => "**",
            ("i" | "em", _) => "*",
            ("code", _) => "`",
            ("td" | "th", false) => " ",
            // Presentation only: keep the text.
            ("span" | "font" | "a" | "u" | "small" | "sup" | "sub" | "hr" | "h5" | "h6" | "thead" | "tbody", _) => "",
            // Not HTML (`<contact_id>`): text, escaped later.
            _ => {
                out.push('<');
                rest = &after[1..];
                continue;
            }
        });
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    for (entity, c) in [("&nbsp;", " "), ("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&amp;", "&")]
    {
        out = out.replace(entity, c);
    }
    out
}

/// Decodes percent-encoded filter examples in code spans (`filter=id%3D%3D1` becomes
/// `filter=id==1`); says whether the text had any.
fn decode_encoded_examples(text: &str) -> (String, bool) {
    const ENCODED: [&str; 6] = ["%3D", "%3C", "%3E", "%3B", "%2A", "%21"];
    let upper = text.to_ascii_uppercase();
    if !ENCODED.iter().any(|e| upper.contains(e)) {
        return (text.to_string(), false);
    }
    let mut out = String::with_capacity(text.len());
    let mut found = false;
    for (i, piece) in text.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        let in_code = i % 2 == 1;
        let encoded = ENCODED.iter().any(|e| piece.to_ascii_uppercase().contains(e));
        found |= encoded;
        // An example names a field before its encoded operator; a bare `%3D%3D` explains the
        // wire form and stays.
        let example = in_code && encoded && piece.starts_with(|c: char| c.is_ascii_alphabetic());
        if example {
            out.push_str(&percent_decode(piece));
        } else {
            out.push_str(piece);
        }
    }
    (out, found)
}

/// Decodes `%XX` escapes of ASCII characters; anything else stays.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            if let Some(b) = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok()) {
                if b.is_ascii() && !b.is_ascii_control() {
                    out.push(b as char);
                    i += 3;
                    continue;
                }
            }
        }
        let c = s[i..].chars().next().unwrap_or_default();
        out.push(c);
        i += c.len_utf8().max(1);
    }
    out
}

fn sanitised(text: &str) -> Vec<String> {
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
            if out.last().is_none_or(|l: &String| !l.is_empty()) {
                out.push(String::new());
            }
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
            // Only what would open a tag needs escaping; `a < b` reads as written.
            '<' if !in_code && rest[1..].starts_with(|c: char| c.is_ascii_alphabetic() || "/!?".contains(c)) => {
                out.push_str("\\<")
            }
            // `>` starts a quote only at the start of a line.
            '>' if !in_code && out.is_empty() => out.push_str("\\>"),
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
        assert_eq!(lines("See [docs] <b>here</b>"), vec![r"See \[docs\] **here**"]);
        assert_eq!(lines("if a < b and <id> > 2"), vec![r"if a < b and \<id> > 2"]);
        assert_eq!(lines("> 5 items"), vec![r"\> 5 items"]);
        assert_eq!(lines("at https://keap.com/x."), vec!["at <https://keap.com/x>."]);
        assert_eq!(lines("use `a[0] <b>`"), vec!["use `a[0] <b>`"]);
        assert_eq!(lines("\n\ntext\n\n"), vec!["text"]);
        assert_eq!(lines("- item\n  more\nlazy\n\nafter"), vec!["- item", "  more", "  lazy", "", "after"]);
        assert_eq!(lines("10. ten\nnext"), vec!["10. ten", "    next"]);
        assert_eq!(lines("-   wide\nmore"), vec!["-   wide", "    more"]);
        assert_eq!(lines("a\tb \u{202E}x"), vec!["a    b x"]);
    }

    #[test]
    fn html_in_prose_becomes_markdown() {
        assert_eq!(
            lines("Lists saved searches<br/><span style='color:red'>Deprecated as of v2</span>"),
            vec!["Lists saved searches", "Deprecated as of v2"]
        );
        assert_eq!(lines("<h1>Sale</h1><p>20% off &amp; more</p>"), vec!["Sale", "", "20% off & more"]);
        assert_eq!(lines("a<br>b<br />c"), vec!["a", "b", "c"]);
        for l in lines("x<br/>y <span>z</span> &lt;br/&gt;") {
            assert!(!l.contains("&lt;") && !l.contains("<span"), "{l}");
        }
    }

    #[test]
    fn pre_encoded_filter_examples_are_shown_as_written_with_a_note() {
        let doc = "Operators must be URL-encoded (`==` → `%3D%3D`).\n- `filter=contact_id%3D%3D123`\n- `filter=title%3D%3DFollow%2A%3Bid%3C%3D100`";
        let out = lines(doc);
        assert_eq!(out[0], "Operators must be URL-encoded (`==` → `%3D%3D`).");
        assert_eq!(out[1], "- `filter=contact_id==123`");
        assert_eq!(out[2], "- `filter=title==Follow*;id<=100`");
        assert!(out.last().unwrap().contains("encodes the query itself"), "{out:?}");
        assert!(!lines("`filter=id==1`").concat().contains("With this client"));
        // Odd escapes never panic.
        assert_eq!(percent_decode("%3D%é%4"), "=%é%4");
    }
}
