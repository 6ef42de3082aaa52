//! What each schema asks of a value beyond its type (bounds, formats, patterns, `readOnly`,
//! the spec's example), recorded in the model for the generated crate's tests, which then
//! never read the spec themselves.

use super::*;
use serde_json::Value;

/// Longest chain of `$ref`s followed from one schema to another; lowering refuses cycles
/// of them, this keeps every walk finite regardless.
pub(super) const MAX_REFS: usize = 32;

impl<'a> Lowerer<'a> {
    /// The constraints of a schema used at `pointer`: a `$ref` records only that it is one.
    pub(super) fn constraints(&self, s: &ReferenceOr<Schema>, pointer: &str) -> Constraints {
        match s {
            ReferenceOr::Reference { .. } => Constraints::reference(1),
            ReferenceOr::Item(item) => self.node(item, pointer),
        }
    }

    /// [`Self::constraints`] of a property or items schema.
    pub(super) fn boxed_constraints(&self, s: &ReferenceOr<Box<Schema>>, pointer: &str) -> Constraints {
        match s {
            ReferenceOr::Reference { .. } => Constraints::reference(1),
            ReferenceOr::Item(item) => self.node(item, pointer),
        }
    }

    /// The constraints under any `$ref`s (`ty` is their type), from the definitions of the
    /// components they name: for a user whose type is not the schema's own (a list parameter
    /// holds its items' type). Bounded by the number of types, as every walk through aliases.
    pub(super) fn under_refs(&self, ty: &TypeRef, mut c: Constraints) -> Constraints {
        let mut ty = ty.clone();
        for _ in 0..=self.types.len() {
            let TypeRef::Named(n) = &ty else { break };
            let Some(def) = self.types.get(n).filter(|_| c.reference) else { break };
            let refs = c.hops.refs + def.constraints.hops.refs;
            c = Constraints { hops: Hops { refs, ..c.hops }, ..def.constraints.clone() };
            if let TypeKind::Alias(target) = &def.kind {
                ty = target.clone();
            }
        }
        c
    }

    /// The schema under any `$ref`s to `components/schemas`, where it is and how many were
    /// followed: the one walk through chains of them.
    pub(super) fn target<'s>(&'s self, s: &'s ReferenceOr<Schema>, pointer: &str) -> Option<(&'s Schema, String, usize)>
    where
        'a: 's,
    {
        let mut current = s;
        let mut at = pointer.to_string();
        for refs in 0..MAX_REFS {
            match current {
                ReferenceOr::Item(item) => return Some((item, at, refs)),
                ReferenceOr::Reference { reference } => {
                    let name = unescape(reference.strip_prefix(SCHEMA_PREFIX)?);
                    current = self.doc.components.as_ref()?.schemas.get(&name)?;
                    at = format!("/components/schemas/{}", escape(&name));
                }
            }
        }
        None
    }

    /// The constraints a schema states itself (with those of its items and of the one part
    /// the model takes for it, if any).
    fn node(&self, s: &Schema, pointer: &str) -> Constraints {
        let at = self.spec_pointer(pointer);
        let data = &s.schema_data;
        let mut c = Constraints {
            unsatisfiable: self.unsatisfiable.contains(&at),
            example: data.example.clone(),
            default: data.default.clone(),
            read_only: data.read_only,
            at,
            ..Default::default()
        };
        match &s.schema_kind {
            SchemaKind::Type(Type::String(st)) => {
                c.json_type = Some("string".into());
                c.format = format_name(json(&st.format));
                c.pattern = st.pattern.clone();
                (c.min_length, c.max_length) = (st.min_length, st.max_length);
                c.values = values(json(&st.enumeration), st.enumeration.is_empty());
            }
            SchemaKind::Type(Type::Number(nt)) => {
                c.json_type = Some("number".into());
                c.format = format_name(json(&nt.format));
                (c.minimum, c.exclusive_minimum) = (nt.minimum, nt.exclusive_minimum);
                (c.maximum, c.exclusive_maximum) = (nt.maximum, nt.exclusive_maximum);
                let written = nt.enumeration.iter().map(|v| v.map_or(Value::Null, number));
                c.values = (!nt.enumeration.is_empty()).then(|| written.collect());
            }
            SchemaKind::Type(Type::Integer(it)) => {
                c.json_type = Some("integer".into());
                c.format = format_name(json(&it.format));
                (c.minimum, c.exclusive_minimum) = (it.minimum.map(|m| m as f64), it.exclusive_minimum);
                (c.maximum, c.exclusive_maximum) = (it.maximum.map(|m| m as f64), it.exclusive_maximum);
                c.values = values(json(&it.enumeration), it.enumeration.is_empty());
            }
            SchemaKind::Type(Type::Boolean(bt)) => {
                c.json_type = Some("boolean".into());
                c.values = values(json(&bt.enumeration), bt.enumeration.is_empty());
            }
            SchemaKind::Type(Type::Array(at)) => {
                c.json_type = Some("array".into());
                c.items = at.items.as_ref().map(|i| Box::new(self.boxed_constraints(i, &format!("{pointer}/items"))));
                (c.min_items, c.unique_items) = (at.min_items, at.unique_items);
            }
            SchemaKind::Type(Type::Object(_)) => c.json_type = Some("object".into()),
            SchemaKind::AllOf { all_of } => c.part = self.part_constraints(all_of, "allOf", None, pointer),
            SchemaKind::OneOf { one_of } => {
                c.part = self.part_constraints(one_of, "oneOf", data.discriminator.as_ref(), pointer)
            }
            SchemaKind::AnyOf { any_of } => {
                c.part = self.part_constraints(any_of, "anyOf", data.discriminator.as_ref(), pointer)
            }
            SchemaKind::Not { .. } => {}
            SchemaKind::Any(a) => self.any_constraints(&mut c, a, s, pointer),
        }
        c
    }

    /// What a schema of mixed keywords states.
    fn any_constraints(&self, c: &mut Constraints, a: &openapiv3::AnySchema, s: &Schema, pointer: &str) {
        c.json_type = a.typ.clone();
        c.format = a.format.clone();
        c.pattern = a.pattern.clone();
        (c.minimum, c.exclusive_minimum) = (a.minimum, a.exclusive_minimum.unwrap_or(false));
        (c.maximum, c.exclusive_maximum) = (a.maximum, a.exclusive_maximum.unwrap_or(false));
        (c.min_length, c.max_length) = (a.min_length, a.max_length);
        c.items = a.items.as_ref().map(|i| Box::new(self.boxed_constraints(i, &format!("{pointer}/items"))));
        (c.min_items, c.unique_items) = (a.min_items, a.unique_items.unwrap_or(false));
        c.values = (!a.enumeration.is_empty()).then(|| a.enumeration.clone());
        c.part = if !a.all_of.is_empty() {
            // Its own properties make a struct of all parts, not a wrapper of one.
            if a.properties.is_empty() {
                self.part_constraints(&a.all_of, "allOf", None, pointer)
            } else {
                None
            }
        } else if !a.one_of.is_empty() {
            self.part_constraints(&a.one_of, "oneOf", s.schema_data.discriminator.as_ref(), pointer)
        } else if !a.any_of.is_empty() {
            self.part_constraints(&a.any_of, "anyOf", s.schema_data.discriminator.as_ref(), pointer)
        } else {
            None
        };
    }

    /// The constraints of the one part of `key` the model takes as the type, if it takes one.
    fn part_constraints(
        &self,
        parts: &[ReferenceOr<Schema>],
        key: &str,
        discriminator: Option<&openapiv3::Discriminator>,
        pointer: &str,
    ) -> Option<(Combinator, Box<Constraints>)> {
        let (combinator, (i, part)) = match key {
            "allOf" => (Combinator::AllOf, self.all_of_part(parts, true)?),
            _ => (Combinator::OneOf, union_part(parts, discriminator)?),
        };
        let mut c = self.constraints(part, &format!("{pointer}/{key}/{i}"));
        c.hops.parts += 1;
        Some((combinator, Box::new(c)))
    }

    /// A pointer lowering uses for a schema, as the place the spec defines it: schemas of
    /// `$ref`ed request bodies are lowered where the operation names them.
    pub(super) fn spec_pointer(&self, pointer: &str) -> String {
        match &self.rebase {
            Some((used, defined)) if pointer.starts_with(used.as_str()) => {
                format!("{defined}{}", &pointer[used.len()..])
            }
            _ => pointer.to_string(),
        }
    }
}

/// The name of a `format` as written (`VariantOrUnknownOrEmpty` serialises to it).
fn format_name(v: Value) -> Option<String> {
    v.as_str().map(String::from)
}

/// `enum` values as JSON, if any are listed.
fn values(v: Value, empty: bool) -> Option<Vec<Value>> {
    match v {
        Value::Array(values) if !empty => Some(values),
        _ => None,
    }
}

/// A number as the spec most likely wrote it: the typed document keeps `number` enums as
/// floats, and `5` in a spec is an integer in JSON.
fn number(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() < 9e15 {
        Value::from(f as i64)
    } else {
        serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
    }
}

/// What `openapiv3` keeps of a keyword, as JSON (formats serialise to their names).
fn json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use crate::model::{Api, Constraints, TypeKind};
    use serde_json::json;

    fn model(spec: serde_json::Value) -> Api {
        let spec = crate::load::parse(crate::diag::Source::new(None, spec.to_string())).unwrap();
        crate::model(&spec, &Default::default()).unwrap().0
    }

    #[test]
    fn constraints_are_recorded_where_schemas_are_used() {
        let api = model(json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/a": {"post": {
                "operationId": "postA",
                "parameters": [
                    {"name": "code", "in": "query", "schema": {"type": "string", "pattern": "^[A-Z]+$", "minLength": 2}},
                    {"name": "ids", "in": "query", "schema": {"$ref": "#/components/schemas/Ids"}}
                ],
                "requestBody": {"$ref": "#/components/requestBodies/Form"},
                "responses": {"204": {"description": "done"}}
            }}},
            "components": {
                "schemas": {
                    "Ids": {"type": "array", "minItems": 1, "items": {"type": "integer", "maximum": 9}},
                    "Task": {"type": "object", "example": {"id": "1"}, "properties": {
                        "id": {"type": "string", "readOnly": true},
                        "ids": {"$ref": "#/components/schemas/Ids"}
                    }}
                },
                "requestBodies": {"Form": {"content": {"multipart/form-data": {"schema": {"properties": {
                    "remind": {"type": "integer", "enum": ["FIVE"]}
                }}}}}}
            }
        }));
        let task = &api.types["Task"];
        assert_eq!(task.constraints.example, Some(json!({"id": "1"})));
        let TypeKind::Struct { fields, .. } = &task.kind else { panic!("{:?}", task.kind) };
        assert!(fields[0].constraints.read_only);
        assert_eq!(fields[1].constraints, Constraints::reference(1), "a `$ref` is its type's");
        let ids = &api.types["Ids"].constraints;
        assert_eq!((ids.min_items, ids.items.as_ref().and_then(|i| i.maximum)), (Some(1), Some(9.0)));

        let op = api.operations().next().unwrap();
        let param = |name: &str| &op.params.iter().find(|p| p.api_name == name).unwrap().constraints;
        assert_eq!(param("code").pattern.as_deref(), Some("^[A-Z]+$"));
        assert_eq!(param("code").min_length, Some(2));
        // A list parameter's type is its items'; its constraints are the list's, under `$ref`.
        assert_eq!(param("ids").min_items, Some(1));
        // Loading rewrote the enum so that a type can hold it; as written, nothing fits. The
        // body is lowered where the operation names it, and found where it is defined.
        let remind = param("remind");
        assert!(remind.unsatisfiable, "{remind:?}");
        assert_eq!(remind.at, "/components/requestBodies/Form/content/multipart~1form-data/schema/properties/remind");
    }
}
