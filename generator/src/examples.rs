//! The JSON a spec's own `example` values describe, per component schema: generated crates
//! test that each decodes into its type and encodes back.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Schema name → example JSON, for every component schema whose examples describe a value.
pub fn component_examples(raw: &Value) -> BTreeMap<String, Value> {
    let Some(schemas) = raw.pointer("/components/schemas").and_then(Value::as_object) else { return BTreeMap::new() };
    schemas.iter().filter_map(|(name, s)| example(s, raw, 0).map(|e| (name.clone(), e))).collect()
}

fn example(schema: &Value, raw: &Value, depth: usize) -> Option<Value> {
    // Recursive schemas stop somewhere.
    if depth > 6 {
        return None;
    }
    let obj = schema.as_object()?;
    if let Some(e) = obj.get("example") {
        return Some(e.clone());
    }
    if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
        let target = raw.pointer(r.strip_prefix('#')?)?;
        return example(target, raw, depth + 1);
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(parts) = obj.get(key).and_then(Value::as_array) {
            let examples: Vec<Value> = parts.iter().filter_map(|p| example(p, raw, depth + 1)).collect();
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
        let fields: Map<String, Value> =
            props.iter().filter_map(|(k, s)| example(s, raw, depth + 1).map(|e| (k.clone(), e))).collect();
        return (!fields.is_empty()).then_some(Value::Object(fields));
    }
    if let Some(items) = obj.get("items") {
        return example(items, raw, depth + 1).map(|e| Value::Array(vec![e]));
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
        let e = component_examples(&raw);
        assert_eq!(e["A"], serde_json::json!({"id": "1", "b": [5]}));
        assert_eq!(e["C"], serde_json::json!({"id": "1", "b": [5], "c": true}));
        assert!(!e.contains_key("D"));
    }
}
