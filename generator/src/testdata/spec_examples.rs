//! The JSON a spec's own `example` values describe, per component schema: generated crates
//! test that each decodes into its type and encodes back.

use super::schema::target;
use super::SchemaExample;
use crate::model::Api;
use serde_json::{Map, Value};

/// Recursive schemas stop somewhere.
const MAX_DEPTH: usize = 6;

/// An example for every component schema the model has a type for whose examples describe
/// a value, in name order. Examples that contradict their own schema's type are left out and
/// returned as defects: `(pointer, what)`.
pub fn component_examples(api: &Api, raw: &Value) -> (Vec<SchemaExample>, Vec<(String, String)>) {
    const PREFIX: &str = "/components/schemas/";
    let mut components: Vec<(String, &str, &str)> = api
        .types
        .values()
        .filter_map(|t| {
            let name = t.origin.strip_prefix(PREFIX).filter(|n| !n.contains('/'))?;
            Some((crate::diag::unescape(name), t.origin.as_str(), t.name.as_str()))
        })
        .collect();
    components.sort();
    let mut defects = Vec::new();
    let mut examples = Vec::new();
    for (schema, at, ty) in components {
        let Some(s) = raw.pointer(at) else { continue };
        if let Some(json) = example(s, raw, 0, at, &mut defects) {
            examples.push(SchemaExample { schema, ty: ty.to_string(), json });
        }
    }
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

fn example(schema: &Value, raw: &Value, depth: usize, at: &str, defects: &mut Vec<(String, String)>) -> Option<Value> {
    if depth > MAX_DEPTH {
        return None;
    }
    let obj = schema.as_object()?;
    if let Some(e) = obj.get("example") {
        if !fits(obj, e) {
            let ty = obj.get("type").and_then(Value::as_str).unwrap_or("?");
            defects.push((at.to_string(), format!("the example is not a {ty}")));
            return None;
        }
        return Some(e.clone());
    }
    if obj.contains_key("$ref") {
        let (pointer, found) = target(raw, schema)?;
        return example(found, raw, depth + 1, pointer, defects);
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

    fn examples(schemas: Value) -> (Vec<SchemaExample>, Vec<(String, String)>) {
        let raw = serde_json::json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {},
            "components": {"schemas": schemas}});
        let spec = crate::load::parse(crate::diag::Source::new(None, raw.to_string())).unwrap();
        let api = crate::model(&spec, &Default::default()).unwrap().0;
        component_examples(&api, &spec.raw)
    }

    #[test]
    fn examples_come_from_properties_refs_and_all_of() {
        let (e, defects) = examples(serde_json::json!({
            "A": {"type": "object", "properties": {"id": {"type": "string", "example": "1"}, "b": {"$ref": "#/components/schemas/B"}}},
            "B": {"type": "array", "items": {"type": "integer", "example": 5}},
            "C": {"allOf": [{"$ref": "#/components/schemas/A"}, {"properties": {"c": {"example": true}}}]},
            "D": {"type": "object", "properties": {"x": {"type": "string"}}}
        }));
        let by_name = |n: &str| e.iter().find(|x| x.schema == n).map(|x| &x.json);
        assert_eq!(by_name("A"), Some(&serde_json::json!({"id": "1", "b": [5]})));
        assert_eq!(by_name("C"), Some(&serde_json::json!({"id": "1", "b": [5], "c": true})));
        assert_eq!(by_name("D"), None);
        assert_eq!(e.iter().map(|x| x.ty.as_str()).collect::<Vec<_>>(), ["A", "B", "C"]);
        assert!(defects.is_empty());
        let (e, defects) = examples(serde_json::json!({
            "E": {"type": "object", "properties": {"n": {"type": "integer", "example": "Must be numeric"}, "ok": {"type": "string", "example": "x"}}}
        }));
        assert_eq!(e[0].json, serde_json::json!({"ok": "x"}));
        assert_eq!(
            defects,
            [("/components/schemas/E/properties/n".to_string(), "the example is not a integer".to_string())]
        );
    }
}
