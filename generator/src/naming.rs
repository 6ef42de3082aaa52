//! Every Rust name the generator writes is decided here, by one function and one collision rule.

use heck::{ToSnakeCase, ToUpperCamelCase};
use std::collections::BTreeSet;

/// The two cases Rust items use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// Functions, fields, modules.
    Snake,
    /// Types and variants.
    Pascal,
}

/// Keywords that cannot be identifiers (strict and reserved, 2021 edition), plus names that
/// would shadow what generated code relies on.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate", "do", "dyn", "else",
    "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro", "match", "mod",
    "move", "mut", "override", "priv", "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait",
    "true", "try", "type", "typeof", "union", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Turns any spec name into a Rust identifier in `case`: invalid characters become word
/// breaks, a leading digit gets a prefix, keywords get a trailing `_`. Never empty.
pub fn sanitize(name: &str, case: Case) -> String {
    // Word breaks for characters heck keeps (`+`, `.` ...) and a marker for leading `-`/`+`;
    // accented Latin letters lose their accents rather than vanish.
    let mut cleaned: String = name
        .chars()
        .flat_map(|c| {
            let folded = fold_accent(c);
            let keep = |c: char| if c.is_ascii_alphanumeric() { c } else { ' ' };
            folded.map_or_else(|| vec![keep(c)], |s| s.chars().map(keep).collect())
        })
        .collect();
    if let Some(sign) = name.trim_start().chars().next().filter(|c| *c == '-' || *c == '+') {
        cleaned = format!("{} {cleaned}", if sign == '-' { "minus" } else { "plus" });
    }
    let mut out = match case {
        Case::Snake => cleaned.to_snake_case(),
        Case::Pascal => cleaned.to_upper_camel_case(),
    };
    if out.is_empty() {
        out = match case {
            Case::Snake => "value".into(),
            Case::Pascal => "Empty".into(),
        };
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out = match case {
            Case::Snake => format!("n{out}"),
            Case::Pascal => format!("V{out}"),
        };
    }
    if KEYWORDS.contains(&out.as_str()) {
        out.push('_');
    }
    out
}

/// The unaccented spelling of a Latin-1 or Latin Extended-A letter.
fn fold_accent(c: char) -> Option<&'static str> {
    const FROM: &str = "ÀÁÂÃÄÅàáâãäåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÕÖØòóôõöøÙÚÛÜùúûüÝýÿ";
    const TO: [&str; 55] = [
        "A", "A", "A", "A", "A", "A", "a", "a", "a", "a", "a", "a", "C", "c", "E", "E", "E", "E", "e", "e", "e", "e",
        "I", "I", "I", "I", "i", "i", "i", "i", "N", "n", "O", "O", "O", "O", "O", "O", "o", "o", "o", "o", "o", "o",
        "U", "U", "U", "U", "u", "u", "u", "u", "Y", "y", "y",
    ];
    match c {
        'ß' => Some("ss"),
        'Æ' => Some("Ae"),
        'æ' => Some("ae"),
        _ => FROM.chars().position(|f| f == c).map(|i| TO[i]),
    }
}

/// The methods of the generated `Client` besides its tag accessors. `lib.rs` writes each by
/// matching on it, and lowering reserves every [`name`](Self::name), so no tag takes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientMethod {
    /// `Client::new()`, with default settings.
    New,
    /// `Client::builder()`.
    Builder,
    /// `client.transport()`, what every operation sends through.
    Transport,
    /// `client.quota()`, what each quota window has left.
    Quota,
    /// `client.tokens()`, the OAuth2 token pair in use.
    Tokens,
    /// `client.raw(method, path)`, a call the spec does not have.
    Raw,
}

impl ClientMethod {
    /// Every method, in the order `lib.rs` writes them.
    pub const ALL: [ClientMethod; 6] = [
        ClientMethod::New,
        ClientMethod::Builder,
        ClientMethod::Transport,
        ClientMethod::Quota,
        ClientMethod::Tokens,
        ClientMethod::Raw,
    ];

    /// The method's Rust name.
    pub const fn name(self) -> &'static str {
        match self {
            ClientMethod::New => "new",
            ClientMethod::Builder => "builder",
            ClientMethod::Transport => "transport",
            ClientMethod::Quota => "quota",
            ClientMethod::Tokens => "tokens",
            ClientMethod::Raw => "raw",
        }
    }

    /// What a tag's accessor on `Client` cannot be called: the client's own methods, the
    /// methods its traits and the prelude give it (`From::from`, `Clone::clone`, `Debug::fmt`;
    /// `Into::into` and `TryInto::try_into` take `self`, so method lookup finds them before a
    /// `&self` accessor), and `api`, the module of the handles.
    pub const RESERVED: [&'static str; Self::ALL.len() + OTHER_CLIENT_NAMES.len()] = {
        let mut out = [""; Self::ALL.len() + OTHER_CLIENT_NAMES.len()];
        let mut i = 0;
        while i < out.len() {
            out[i] = if i < Self::ALL.len() { Self::ALL[i].name() } else { OTHER_CLIENT_NAMES[i - Self::ALL.len()] };
            i += 1;
        }
        out
    };
}

/// What `Client` answers to besides its own methods: its traits' and the prelude's methods, and
/// `api` (see [`ClientMethod::RESERVED`]).
const OTHER_CLIENT_NAMES: [&str; 6] = ["from", "clone", "fmt", "into", "try_into", "api"];

/// Resolves collisions in one namespace by a fixed rule: the first claimant keeps the name,
/// later ones get `2`, `3`, ... (`_2` in snake case). Callers claim in sorted spec order so
/// the result does not depend on file order.
#[derive(Debug, Default, Clone)]
pub struct Namespace {
    taken: BTreeSet<String>,
}

impl Namespace {
    /// A namespace with some names already taken.
    pub fn with_reserved(names: &[&str]) -> Self {
        Namespace { taken: names.iter().map(|s| s.to_string()).collect() }
    }

    /// Claims `base` or the first free numbered form of it.
    pub fn claim(&mut self, base: String) -> String {
        if self.taken.insert(base.clone()) {
            return base;
        }
        let sep = if base.contains(|c: char| c.is_ascii_uppercase()) { "" } else { "_" };
        let base = base.trim_end_matches('_');
        (2..).map(|n| format!("{base}{sep}{n}")).find(|cand| self.taken.insert(cand.clone())).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitizes_odd_names() {
        assert_eq!(sanitize("type", Case::Snake), "type_");
        assert_eq!(sanitize("self", Case::Pascal), "Self_");
        assert_eq!(sanitize("listContacts", Case::Snake), "list_contacts");
        assert_eq!(sanitize("getFileData_1", Case::Snake), "get_file_data_1");
        assert_eq!(sanitize("contacts:applyTags", Case::Pascal), "ContactsApplyTags");
        assert_eq!(sanitize("5", Case::Pascal), "V5");
        assert_eq!(sanitize("2fa", Case::Snake), "n2fa");
        assert_eq!(sanitize("", Case::Pascal), "Empty");
        assert_eq!(sanitize("-1", Case::Pascal), "Minus1");
        assert_eq!(sanitize("SOCIAL_ACCOUNT_TYPE_UNSPECIFIED", Case::Pascal), "SocialAccountTypeUnspecified");
        assert_eq!(sanitize("e-mail address", Case::Snake), "e_mail_address");
        assert_eq!(sanitize("Ünïcode", Case::Snake), "unicode");
        assert_eq!(sanitize("Straße", Case::Pascal), "Strasse");
    }

    #[test]
    fn collisions_get_numbers_in_claim_order() {
        let mut ns = Namespace::with_reserved(&["Unknown"]);
        assert_eq!(ns.claim("Email".into()), "Email");
        assert_eq!(ns.claim("Email".into()), "Email2");
        assert_eq!(ns.claim("Unknown".into()), "Unknown2");
        let mut snake = Namespace::default();
        assert_eq!(snake.claim("type_".into()), "type_");
        assert_eq!(snake.claim("type_".into()), "type_2");
    }

    #[test]
    fn client_methods_are_listed_in_order_with_distinct_names() {
        // `lib.rs` writes and lowering reserves exactly `ALL`, so a variant left out of it is
        // neither a method nor reserved; declaration order keeps the output stable.
        assert!(ClientMethod::ALL.iter().enumerate().all(|(i, m)| *m as usize == i));
        let names: BTreeSet<&str> = ClientMethod::ALL.iter().map(|m| m.name()).collect();
        assert_eq!(names.len(), ClientMethod::ALL.len());
    }
}
