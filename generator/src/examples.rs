//! The JSON a spec's own `example` values describe, per component schema: generated crates
//! test that each decodes into its type and encodes back.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Schema name → example JSON, for every component schema whose examples describe a value.
/// Examples that contradict their own schema's type are left out and listed as defects.
pub fn component_examples(raw: &Value) -> (BTreeMap<String, Value>, Vec<String>) {
    let Some(schemas) = raw.pointer("/components/schemas").and_then(Value::as_object) else {
        return Default::default();
    };
    let mut defects = Vec::new();
    let examples = schemas
        .iter()
        .filter_map(|(name, s)| {
            let at = format!("/components/schemas/{}", crate::diag::escape(name));
            example(s, raw, 0, &at, &mut defects).map(|e| (name.clone(), e))
        })
        .collect();
    defects.sort();
    defects.dedup();
    (examples, defects)
}

/// Whether an example value can be what `type` says (numbers may come as numeric strings).
fn fits(schema: &serde_json::Map<String, Value>, example: &Value) -> bool {
    let numeric = |v: &Value| v.is_number() || v.as_str().is_some_and(|s| s.trim().parse::<f64>().is_ok());
    match schema.get("type").and_then(Value::as_str) {
        Some("integer" | "number") => numeric(example) || example.is_null(),
        Some("array") => example.is_array() || example.is_null(),
        Some("object") => example.is_object() || example.is_null(),
        Some("string") => !example.is_object() && !example.is_array(),
        Some("boolean") => example.is_boolean() || example.is_null(),
        _ => true,
    }
}

fn example(schema: &Value, raw: &Value, depth: usize, at: &str, defects: &mut Vec<String>) -> Option<Value> {
    // Recursive schemas stop somewhere.
    if depth > 6 {
        return None;
    }
    let obj = schema.as_object()?;
    if let Some(e) = obj.get("example") {
        if !fits(obj, e) {
            let ty = obj.get("type").and_then(Value::as_str).unwrap_or("?");
            defects.push(format!("{at}: the example is not a {ty}"));
            return None;
        }
        return Some(e.clone());
    }
    if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
        let pointer = r.strip_prefix('#')?;
        let target = raw.pointer(pointer)?;
        return example(target, raw, depth + 1, pointer, defects);
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(parts) = obj.get(key).and_then(Value::as_array) {
            let examples: Vec<Value> = parts
                .iter()
                .enumerate()
                .filter_map(|(i, p)| example(p, raw, depth + 1, &format!("{at}/{key}/{i}"), defects))
                .collect();
            if key != "allOf" {
                return examples.into_iter().next();
            }
            let mut merged = Map::new();
            for e in examples {
                if let Value::Object(m) = e {
                    merged.extend(m);
                }
            }
            if !merged.is_empty() {
                return Some(Value::Object(merged));
            }
        }
    }
    if let Some(props) = obj.get("properties").and_then(Value::as_object) {
        let fields: Map<String, Value> = props
            .iter()
            .filter_map(|(k, s)| {
                let at = format!("{at}/properties/{}", crate::diag::escape(k));
                example(s, raw, depth + 1, &at, defects).map(|e| (k.clone(), e))
            })
            .collect();
        return (!fields.is_empty()).then_some(Value::Object(fields));
    }
    if let Some(items) = obj.get("items") {
        return example(items, raw, depth + 1, &format!("{at}/items"), defects).map(|e| Value::Array(vec![e]));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_come_from_properties_refs_and_all_of() {
        let raw = serde_json::json!({"components": {"schemas": {
            "A": {"type": "object", "properties": {"id": {"type": "string", "example": "1"}, "b": {"$ref": "#/components/schemas/B"}}},
            "B": {"type": "array", "items": {"type": "integer", "example": 5}},
            "C": {"allOf": [{"$ref": "#/components/schemas/A"}, {"properties": {"c": {"example": true}}}]},
            "D": {"type": "object", "properties": {"x": {"type": "string"}}}
        }}});
        let (e, defects) = component_examples(&raw);
        assert_eq!(e["A"], serde_json::json!({"id": "1", "b": [5]}));
        assert_eq!(e["C"], serde_json::json!({"id": "1", "b": [5], "c": true}));
        assert!(!e.contains_key("D"));
        assert!(defects.is_empty());
        let bad = serde_json::json!({"components": {"schemas": {
            "E": {"type": "object", "properties": {"n": {"type": "integer", "example": "Must be numeric"}, "ok": {"type": "string", "example": "x"}}}
        }}});
        let (e, defects) = component_examples(&bad);
        assert_eq!(e["E"], serde_json::json!({"ok": "x"}));
        assert_eq!(defects, ["/components/schemas/E/properties/n: the example is not a integer"]);
    }
}
