//! Blank lines between items, as a person would write them: prettyplease leaves none
//! between functions, impls or documented items.

/// Line starts that open an item (or its doc comment or attributes).
const ITEM_STARTS: &[&str] = &[
    "///",
    "//",
    "#[",
    "pub ",
    "pub(",
    "fn ",
    "async fn ",
    "impl ",
    "impl<",
    "struct ",
    "enum ",
    "mod ",
    "const ",
    "static ",
    "type ",
    "use ",
    "trait ",
    "macro_rules!",
];

/// `text` with a blank line before each item that follows a finished item at the same
/// indentation: after a closing `}` (or `};`), after a one-line item ending in `;` unless
/// the next is of the same kind (`use` after `use`, `pub mod` after `pub mod`), and after a
/// module's inner doc comment. Lines inside a block are left alone.
pub fn space_items(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut prev: Option<&str> = None;
    for line in text.lines() {
        if let Some(p) = prev {
            if !p.trim().is_empty() && !line.trim().is_empty() && needs_blank(p, line) {
                out.push('\n');
            }
        }
        out.push_str(line);
        out.push('\n');
        prev = Some(line);
    }
    out
}

fn needs_blank(prev: &str, line: &str) -> bool {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let (p, l) = (prev.trim(), line.trim());
    if p.starts_with("//!") {
        return !l.starts_with("//!");
    }
    if indent(prev) != indent(line) || !ITEM_STARTS.iter().any(|s| l.starts_with(s)) {
        return false;
    }
    if p == "}" || p == "};" {
        return true;
    }
    if p.ends_with(';') && ITEM_STARTS[3..].iter().any(|s| p.starts_with(s)) {
        // A run of `use`s or `mod` declarations stays together.
        let kind = |t: &str| t.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
        let same = kind(p) == kind(l) || (p.starts_with("use ") && l.starts_with("use "));
        return !same;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::space_items;

    #[test]
    fn items_get_a_blank_line_and_blocks_stay_dense() {
        let dense = "//! Docs.\nuse a::b;\nuse c::d;\npub mod x;\npub mod y;\n/// A.\npub struct A {\n    /// f.\n    pub f: u8,\n    /// g.\n    pub g: u8,\n}\nimpl A {\n    fn a() {\n        if x {\n            y();\n        }\n        z();\n    }\n    /// b.\n    fn b() {}\n}\npub type T = u8;\n/// U.\npub type U = u8;\n";
        let spaced = "//! Docs.\n\nuse a::b;\nuse c::d;\n\npub mod x;\npub mod y;\n\n/// A.\npub struct A {\n    /// f.\n    pub f: u8,\n    /// g.\n    pub g: u8,\n}\n\nimpl A {\n    fn a() {\n        if x {\n            y();\n        }\n        z();\n    }\n\n    /// b.\n    fn b() {}\n}\n\npub type T = u8;\n\n/// U.\npub type U = u8;\n";
        assert_eq!(space_items(dense), spaced);
        assert_eq!(space_items(spaced), spaced, "spacing twice changes nothing");
    }
}
