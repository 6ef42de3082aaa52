//! The JSON a spec's own `example` values describe, per component schema: generated crates
//! test that each decodes into its type and encodes back. Read from the model: its types
//! give the shape, their [`Constraints`] the examples.

use super::SchemaExample;
use crate::model::{Api, Combinator, Constraints, TypeKind, TypeRef};
use serde_json::{Map, Value};

/// Recursive types stop somewhere. Counted in the spec's levels (properties, items, parts,
/// `$ref`s: [`crate::model::Hops`]); it decides which examples are found, so changing it
/// changes generated tests.
const MAX_DEPTH: usize = 6;

/// An example for every component schema the model has a type for whose examples describe
/// a value, in name order. Examples that contradict their own schema's type are left out and
/// returned as defects: `(pointer, what)`.
pub fn component_examples(api: &Api) -> (Vec<SchemaExample>, Vec<(String, String)>) {
    const PREFIX: &str = "/components/schemas/";
    let mut components: Vec<(String, &str)> = api
        .types
        .values()
        .filter_map(|t| {
            let name = t.origin.strip_prefix(PREFIX).filter(|n| !n.contains('/'))?;
            Some((crate::diag::unescape(name), t.name.as_str()))
        })
        .collect();
    components.sort();
    let mut walk = Walk { api, defects: Vec::new() };
    let mut examples = Vec::new();
    for (schema, ty) in components {
        // The component itself, as if `$ref`ed: its definition holds its constraints.
        let start = Constraints::reference(0);
        if let Some(json) = walk.example(&TypeRef::Named(ty.to_string()), &start, 0) {
            examples.push(SchemaExample { schema, ty: ty.to_string(), json });
        }
    }
    let mut defects = walk.defects;
    defects.sort();
    defects.dedup();
    (examples, defects)
}

/// Whether an example value can be what `type` says (numbers may come as numeric strings).
fn fits(json_type: Option<&str>, example: &Value) -> bool {
    let numeric = |v: &Value| v.is_number() || v.as_str().is_some_and(|s| s.trim().parse::<f64>().is_ok());
    match json_type {
        Some("integer" | "number") => numeric(example) || example.is_null(),
        Some("array") => example.is_array() || example.is_null(),
        Some("object") => example.is_object() || example.is_null(),
        Some("string") => !example.is_object() && !example.is_array(),
        Some("boolean") => example.is_boolean() || example.is_null(),
        _ => true,
    }
}

/// A walk over the model's types, noting the examples that contradict their schema.
struct Walk<'a> {
    api: &'a Api,
    defects: Vec<(String, String)>,
}

impl Walk<'_> {
    /// The example of `ty` under constraints `c`, at `depth` levels of the spec below the
    /// component: its own, else one made of its parts', properties' or items'.
    fn example(&mut self, ty: &TypeRef, c: &Constraints, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        let def = match ty {
            TypeRef::Named(n) => self.api.types.get(n),
            _ => None,
        };
        let c = match (c.reference, def) {
            // A `$ref`: the type's definition holds the schema's constraints. Aliases end:
            // lowering refuses alias cycles, and a type holding itself in a list is a
            // newtype, whose items add depth.
            (true, Some(def)) => match &def.kind {
                TypeKind::Alias(t) | TypeKind::Newtype(t) => {
                    return self.example(t, &def.constraints, depth + total(&def.constraints));
                }
                _ => &def.constraints,
            },
            _ => c,
        };
        if let Some(e) = &c.example {
            if !fits(c.json_type.as_deref(), e) {
                let ty = c.json_type.as_deref().unwrap_or("?");
                self.defects.push((c.at.clone(), format!("the example is not a {ty}")));
                return None;
            }
            return Some(e.clone());
        }
        if let Some((combinator, part)) = &c.part {
            let found = self.example(ty, part, depth + total(part));
            // The examples of `allOf` parts are merged, and only objects merge.
            return match combinator {
                Combinator::AllOf => found.filter(Value::is_object),
                Combinator::OneOf => found,
            };
        }
        match (def.map(|d| &d.kind), ty) {
            (Some(TypeKind::Struct { fields, .. }), _) => {
                let found: Map<String, Value> = fields
                    .iter()
                    .filter_map(|f| {
                        let e = self.example(&f.ty, &f.constraints, depth + 1 + total(&f.constraints))?;
                        Some((f.api_name.clone(), e))
                    })
                    .collect();
                (!found.is_empty()).then_some(Value::Object(found))
            }
            // Every variant's examples are read (and their defects noted); the first wins.
            (Some(TypeKind::Union { variants, .. }), _) => variants
                .iter()
                .map(|v| self.example(&v.ty, &v.constraints, depth + 1 + total(&v.constraints)))
                .collect::<Vec<_>>()
                .into_iter()
                .flatten()
                .next(),
            (Some(TypeKind::Alias(t) | TypeKind::Newtype(t)), _) => self.example(t, c, depth),
            (None, TypeRef::Vec(item)) => {
                let items = c.items.as_ref()?;
                let e = self.example(item, items, depth + 1 + total(items))?;
                Some(Value::Array(vec![e]))
            }
            _ => None,
        }
    }
}

/// The spec's levels above a schema that the model flattened.
fn total(c: &Constraints) -> usize {
    c.hops.parts + c.hops.refs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn examples(schemas: Value) -> (Vec<SchemaExample>, Vec<(String, String)>) {
        let raw = serde_json::json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {},
            "components": {"schemas": schemas}});
        let spec = crate::load::parse(crate::diag::Source::new(None, raw.to_string())).unwrap();
        let api = crate::model(&spec, &Default::default()).unwrap().0;
        component_examples(&api)
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
        // A wrapper of one part is that part; `allOf` merges only objects' examples.
        let (e, _) = examples(serde_json::json!({
            "S": {"type": "string", "example": "s"},
            "Alias": {"$ref": "#/components/schemas/S"},
            "All": {"allOf": [{"$ref": "#/components/schemas/S"}, {"description": ""}]},
            "One": {"oneOf": [{"$ref": "#/components/schemas/S"}, {"nullable": true}]}
        }));
        let found: Vec<(&str, &serde_json::Value)> = e.iter().map(|x| (x.schema.as_str(), &x.json)).collect();
        assert_eq!(
            found,
            [("Alias", &serde_json::json!("s")), ("One", &serde_json::json!("s")), ("S", &serde_json::json!("s"))]
        );
    }
}
