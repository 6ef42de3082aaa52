//! The one reader of raw schemas: following local `$ref`s, with a bound, so a cycle of
//! references ends instead of looping.

use serde_json::Value;

/// Longest chain of `$ref`s followed; lowering has already refused cycles, this keeps every
/// walk finite regardless.
pub const MAX_REFS: usize = 8;

/// The schema under any local `$ref`s (itself when it is none, or the chain is too long or
/// leads nowhere).
pub fn deref<'v>(raw: &'v Value, mut v: &'v Value) -> &'v Value {
    for _ in 0..MAX_REFS {
        match target(raw, v) {
            Some((_, t)) => v = t,
            None => break,
        }
    }
    v
}

/// The JSON pointer a local `$ref` names and the schema there, if `v` is one that resolves.
pub fn target<'v, 'p>(raw: &'v Value, v: &'p Value) -> Option<(&'p str, &'v Value)> {
    let pointer = v.get("$ref").and_then(Value::as_str)?.strip_prefix('#')?;
    raw.pointer(pointer).map(|t| (pointer, t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn refs_are_followed_and_cycles_end() {
        let raw = json!({"a": {"$ref": "#/b"}, "b": {"type": "string"}, "c": {"$ref": "#/d"}, "d": {"$ref": "#/c"}});
        assert_eq!(deref(&raw, &raw["a"]), &json!({"type": "string"}));
        assert_eq!(target(&raw, &raw["a"]).map(|(p, _)| p), Some("/b"));
        // A cycle stops after the bound, on one of its members.
        assert!(deref(&raw, &raw["c"]).get("$ref").is_some());
        assert_eq!(deref(&raw, &json!({"$ref": "#/nowhere"})), &json!({"$ref": "#/nowhere"}));
    }
}
