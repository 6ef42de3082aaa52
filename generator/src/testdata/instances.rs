//! Values that follow a spec's own schemas, for the contract test: the generated crate calls
//! every operation with them against a mock server that checks each request against the spec.
//!
//! Built from the model alone: its types give the shape, the [`Constraints`] lowering
//! recorded beside them what the spec asks of each value. Objects are built property by
//! property (never from a whole-object example, which may carry read-only or stale fields);
//! leaves take the spec's example when it satisfies its schema, else a value made from the
//! type, format and bounds. A schema no value can satisfy (an integer with a string enum)
//! gives `None`, and the property is left out.

use crate::model::{Api, BodyKind, Constraints, Field, Operation, ParamIn, Style, TypeKind, TypeRef};
use serde_json::{Map, Number, Value};
use std::collections::BTreeMap;

/// Recursive types stop here; optional properties beyond it are left out. Counted in the
/// spec's levels (properties, items, parts: [`crate::model::Hops`]), so that a type merged
/// from `allOf` parts stops where its schemas do; it decides how deep the samples of
/// recursive types go, so changing it changes generated tests.
const MAX_DEPTH: usize = 8;

/// Sample values for one operation's parameters and body.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct OperationSample {
    /// Rust parameter name → value (form and multipart fields included).
    pub params: BTreeMap<String, Value>,
    /// The JSON body, if the operation takes one and a value could be made.
    pub body: Option<Value>,
    /// Optional properties and parameters left out because no value fits their schema as
    /// written.
    pub left_out: Vec<String>,
    /// Why the operation cannot be called with values the spec allows, if it cannot.
    pub skipped: Option<String>,
}

/// Samples for one operation of the model.
pub fn operation(api: &Api, op: &Operation) -> OperationSample {
    let mut out = OperationSample::default();
    let mut walk = Walk { api, left_out: Vec::new() };
    let fields = |p: &&crate::model::Param| matches!(p.location, ParamIn::Part | ParamIn::Form);
    for p in op.params.iter().filter(|p| !fields(p)) {
        if p.schema.is_none() {
            // A path parameter the spec uses but never declares (Keap v1's `PUT
            // /v1/notes/{noteId}` declares `note`) is a string the generator made up: any
            // text fills the template.
            if p.location == ParamIn::Path
                && matches!(
                    p.ty,
                    crate::model::TypeRef::Prim(
                        crate::model::Prim::String | crate::model::Prim::Id { number: false, .. }
                    )
                )
            {
                out.params.insert(p.name.clone(), Value::String("1".into()));
            }
            continue;
        }
        match walk.value(&param_type(p), &p.constraints, 0) {
            Ok(v) => {
                out.params.insert(p.name.clone(), v);
            }
            Err(_) => walk.left_out.push(format!("parameter `{}`", p.api_name)),
        }
    }
    if op.body_schema.is_some() {
        match &op.body {
            Some(b) if b.kind == BodyKind::Json => out.body = walk.value(&b.ty, &b.constraints, 0).ok(),
            Some(_) => {}
            // Form and multipart bodies are their fields, one parameter each, built as the
            // one object they are on the wire.
            None => {
                let form: Vec<&crate::model::Param> = op.params.iter().filter(fields).collect();
                if let Ok(values) = walk.form(&form) {
                    for (p, v) in form.iter().zip(values) {
                        let Some(v) = v else { continue };
                        // A text field the generator reads as a flag takes a flag.
                        let flag = p.ty == crate::model::TypeRef::Prim(crate::model::Prim::Bool);
                        let v = if flag && v.is_string() { Value::Bool(true) } else { v };
                        out.params.insert(p.name.clone(), v);
                    }
                }
            }
        }
    }
    out.left_out = walk.left_out;
    out.left_out.sort();
    out.left_out.dedup();
    out.skipped = skipped(op, &out);
    out
}

/// The type a parameter's schema describes: a list holds its items' type.
fn param_type(p: &crate::model::Param) -> TypeRef {
    match p.style {
        Style::Csv | Style::Repeat => TypeRef::Vec(Box::new(p.ty.clone())),
        _ => p.ty.clone(),
    }
}

/// Why `op` cannot be called with `sample`: a required parameter (other than a file, which
/// the test makes itself) or a required JSON body has no value.
fn skipped(op: &Operation, sample: &OperationSample) -> Option<String> {
    if let Some(p) = op.params.iter().find(|p| p.required && !sample.params.contains_key(&p.name) && !p.is_file()) {
        return Some(format!("no value satisfies the schema of required parameter `{}`", p.api_name));
    }
    match &op.body {
        Some(b) if b.required && b.kind == BodyKind::Json => {
            sample.body.is_none().then(|| "no value satisfies the request body's schema".into())
        }
        _ => None,
    }
}

/// A value of `ty` satisfying `constraints` (what a JSON Schema validator such as Prism's
/// would accept for the schema they were recorded from).
pub fn instance(api: &Api, ty: &TypeRef, constraints: &Constraints) -> Option<Value> {
    Walk { api, left_out: Vec::new() }.value(ty, constraints, 0).ok()
}

/// Why no value was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum No {
    /// Recursion went deeper than [`MAX_DEPTH`]: no defect of the spec.
    Deep,
    /// No value satisfies the schema as written.
    Fits,
}

/// A walk over the model's types, noting the optional properties no value fits.
struct Walk<'a> {
    api: &'a Api,
    left_out: Vec<String>,
}

impl Walk<'_> {
    /// A value of `ty` satisfying `c`, at `depth` levels of the spec below the start.
    fn value(&mut self, ty: &TypeRef, c: &Constraints, depth: usize) -> Result<Value, No> {
        if depth > MAX_DEPTH {
            return Err(No::Deep);
        }
        let def = match ty {
            TypeRef::Named(n) => self.api.types.get(n),
            _ => None,
        };
        if let (true, Some(def)) = (c.reference, def) {
            // A `$ref`: the type's definition holds the schema's constraints. Aliases end:
            // lowering refuses alias cycles, and a type holding itself in a list is a
            // newtype, whose items add depth.
            let depth = depth + def.constraints.hops.parts;
            return match &def.kind {
                TypeKind::Alias(t) | TypeKind::Newtype(t) => self.value(t, &def.constraints, depth),
                _ => self.value(ty, &def.constraints, depth),
            };
        }
        if let Some((_, part)) = &c.part {
            return self.value(ty, part, depth + part.hops.parts);
        }
        if c.unsatisfiable {
            return Err(No::Fits);
        }
        match (def.map(|d| &d.kind), ty) {
            (Some(TypeKind::Struct { fields, .. }), _) => self.object(fields, depth),
            (Some(TypeKind::Union { variants, .. }), _) => {
                let mut why = No::Fits;
                for v in variants {
                    match self.value(&v.ty, &v.constraints, depth + 1 + v.constraints.hops.parts) {
                        Ok(v) => return Ok(v),
                        Err(No::Deep) => why = No::Deep,
                        Err(No::Fits) => {}
                    }
                }
                Err(why)
            }
            (Some(TypeKind::Alias(t) | TypeKind::Newtype(t)), _) => {
                let own = &def.expect("matched a definition").constraints;
                self.value(t, own, depth)
            }
            (Some(TypeKind::Enum { .. }), _) | (None, TypeRef::Prim(_) | TypeRef::Json | TypeRef::Named(_)) => {
                leaf(c).ok_or(No::Fits)
            }
            (None, TypeRef::Vec(item)) => self.array(c, item, depth),
            // Extra properties only: no property is asked for.
            (None, TypeRef::Map(_)) => Ok(Value::Object(Map::new())),
        }
    }

    /// A list of `min_items` (at least one) items.
    fn array(&mut self, c: &Constraints, item: &TypeRef, depth: usize) -> Result<Value, No> {
        let min = c.min_items.unwrap_or(0);
        let built = c.items.as_ref().map(|i| self.value(item, i, depth + 1 + i.hops.parts));
        let item = match built {
            Some(Ok(item)) => item,
            Some(Err(_)) | None if min == 0 => return Ok(Value::Array(Vec::new())),
            Some(Err(why)) => return Err(why),
            None => return Err(No::Fits),
        };
        let n = min.max(1);
        if c.unique_items && n > 1 {
            return Err(No::Fits);
        }
        Ok(Value::Array(vec![item; n]))
    }

    /// A struct: every required field, and the optional ones a request may carry.
    fn object(&mut self, fields: &[Field], depth: usize) -> Result<Value, No> {
        // A part of an `allOf` beyond the bound cuts the whole value short, as it does when
        // the parts are built one by one.
        if fields.iter().any(|f| f.constraints.hops.parts > 0 && depth + f.constraints.hops.parts > MAX_DEPTH) {
            return Err(No::Deep);
        }
        let mut out = Map::new();
        for f in fields {
            let hops = f.constraints.hops.parts;
            match self.property(&f.api_name, &f.ty, &f.constraints, f.required, depth + 1 + hops) {
                Ok(Some(v)) => {
                    out.insert(f.api_name.clone(), v);
                }
                Ok(None) => {}
                Err(why) => return Err(why),
            }
        }
        Ok(Value::Object(out))
    }

    /// A form or multipart body's fields, as the object they are on the wire.
    fn form(&mut self, params: &[&crate::model::Param]) -> Result<Vec<Option<Value>>, No> {
        params
            .iter()
            .map(|p| {
                self.property(&p.api_name, &param_type(p), &p.constraints, p.required, 1 + p.constraints.hops.parts)
            })
            .collect()
    }

    /// A property's value: `None` when it is left out (read-only, or optional and no value
    /// fits); an error when it is required and none fits.
    fn property(
        &mut self,
        name: &str,
        ty: &TypeRef,
        c: &Constraints,
        required: bool,
        depth: usize,
    ) -> Result<Option<Value>, No> {
        // Read-only properties are what the server sends, not what a request carries.
        if read_only(self.api, ty, c) && !required {
            return Ok(None);
        }
        match self.value(ty, c, depth) {
            Ok(v) => Ok(Some(v)),
            Err(why) if required => Err(why),
            Err(No::Fits) => {
                self.left_out.push(format!("property `{name}`"));
                Ok(None)
            }
            // Recursion cut short is no defect of the spec.
            Err(No::Deep) => Ok(None),
        }
    }
}

/// Whether the schema under any `$ref`s is `readOnly` (a wrapper's own flag counts, not its
/// part's). Bounded by the number of types, as every walk through aliases.
fn read_only(api: &Api, ty: &TypeRef, c: &Constraints) -> bool {
    let (mut ty, mut c) = (ty, c);
    for _ in 0..=api.types.len() {
        if !c.reference {
            return c.read_only;
        }
        let Some(def) = (match ty {
            TypeRef::Named(n) => api.types.get(n),
            _ => None,
        }) else {
            return false;
        };
        c = &def.constraints;
        if let TypeKind::Alias(t) = &def.kind {
            ty = t;
        }
    }
    false
}

/// A scalar: the example when it satisfies the schema, else the default, an enum value or a
/// value made from the type and format.
fn leaf(c: &Constraints) -> Option<Value> {
    let ty = c.json_type.as_deref();
    let candidates = c.example.iter().chain(&c.default).map(|v| coerce(v, ty));
    if let Some(v) = candidates.into_iter().find(|v| satisfies(c, v)) {
        return Some(v);
    }
    if let Some(values) = &c.values {
        return values.iter().find(|v| satisfies(c, v)).cloned();
    }
    let format = c.format.as_deref().unwrap_or("");
    let made = match ty {
        Some("integer") => Value::from(clamp(c, 1.0) as i64),
        Some("number") => Number::from_f64(clamp(c, 1.5)).map_or(Value::from(1), Value::Number),
        Some("boolean") => Value::Bool(true),
        _ => {
            if c.pattern.is_some() {
                // Without the pattern's language there is no telling what matches it.
                return None;
            }
            let text = match format {
                "date-time" => "2024-01-15T10:30:00Z",
                "date" => "2024-01-15",
                "byte" => "a2VhcGdlbg==",
                "email" => "keapgen@example.com",
                "uri" | "url" => "https://example.com/keapgen",
                "uuid" => "6f1c2a4e-8b3d-4c7a-9e2f-1a2b3c4d5e6f",
                "int32" | "int64" => "1",
                _ => "keapgen",
            };
            let min = c.min_length.unwrap_or(0);
            let max = c.max_length.unwrap_or(usize::MAX);
            let mut text: String = text.chars().take(max).collect();
            while text.len() < min {
                text.push('x');
            }
            Value::String(text)
        }
    };
    satisfies(c, &made).then_some(made)
}

/// Keap's examples write ids as numbers for string schemas and numbers as strings; a
/// validator would refuse both, so they are brought to the declared type first.
fn coerce(v: &Value, ty: Option<&str>) -> Value {
    match (ty, v) {
        (Some("string"), Value::Number(n)) => Value::String(n.to_string()),
        (Some("string"), Value::Bool(b)) => Value::String(b.to_string()),
        (Some("integer"), Value::String(t)) => t.trim().parse::<i64>().map_or_else(|_| v.clone(), Value::from),
        (Some("number"), Value::String(t)) => {
            t.trim().parse::<f64>().ok().and_then(Number::from_f64).map_or_else(|| v.clone(), Value::Number)
        }
        _ => v.clone(),
    }
}

/// The number nearest `want` within the schema's bounds.
fn clamp(c: &Constraints, want: f64) -> f64 {
    let mut v = want;
    if let Some(min) = c.minimum {
        v = v.max(if c.exclusive_minimum { min + 1.0 } else { min });
    }
    if let Some(max) = c.maximum {
        v = v.min(if c.exclusive_maximum { max - 1.0 } else { max });
    }
    v
}

/// Whether a scalar satisfies the schema's type, enum, format and bounds.
fn satisfies(c: &Constraints, v: &Value) -> bool {
    if c.values.as_ref().is_some_and(|values| !values.contains(v)) {
        return false;
    }
    let format = c.format.as_deref().unwrap_or("");
    match (c.json_type.as_deref(), v) {
        (Some("integer"), Value::Number(n)) => {
            let Some(i) = n.as_i64() else { return false };
            let fits = match format {
                "int32" => i32::try_from(i).is_ok(),
                _ => true,
            };
            fits && clamp(c, i as f64) == i as f64
        }
        (Some("number"), Value::Number(n)) => n.as_f64().is_some_and(|f| clamp(c, f) == f),
        (Some("boolean"), Value::Bool(_)) => true,
        (Some("string") | None, Value::String(t)) => {
            let len = t.chars().count();
            let min = c.min_length.unwrap_or(0);
            let max = c.max_length.unwrap_or(usize::MAX);
            let formatted = match format {
                "date-time" => is_date_time(t),
                "date" => is_date(t),
                "email" => t.contains('@'),
                _ => true,
            };
            formatted && (min..=max).contains(&len)
        }
        (None, v) => !v.is_null(),
        _ => false,
    }
}

/// `YYYY-MM-DD`.
fn is_date(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && (1..=12).contains(&t[5..7].parse::<u32>().unwrap_or(0))
        && (1..=31).contains(&t[8..10].parse::<u32>().unwrap_or(0))
}

/// RFC 3339: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`.
fn is_date_time(t: &str) -> bool {
    let Some((date, time)) = t.split_once(['T', 't']) else { return false };
    let Some(zone_at) = time.find(['Z', 'z', '+', '-']) else { return false };
    let (clock, zone) = time.split_at(zone_at);
    let clock = clock.split('.').next().unwrap_or("");
    let two = |p: &str, max: u32| {
        p.len() == 2 && p.bytes().all(|c| c.is_ascii_digit()) && p.parse::<u32>().unwrap_or(99) <= max
    };
    let hms: Vec<&str> = clock.split(':').collect();
    let zone_ok = matches!(zone, "Z" | "z")
        || (zone.len() == 6 && zone.as_bytes()[3] == b':' && two(&zone[1..3], 23) && two(&zone[4..6], 59));
    is_date(date) && hms.len() == 3 && two(hms[0], 23) && two(hms[1], 59) && two(hms[2], 60) && zone_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The model of a spec with these component schemas (the one way the tests make one).
    fn components(schemas: Value) -> Api {
        model(&json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {},
            "components": {"schemas": schemas}}))
    }

    /// A value of component `name`, as a `$ref` to it would get.
    fn of(api: &Api, name: &str) -> Option<Value> {
        instance(api, &TypeRef::Named(name.into()), &Constraints::reference(1))
    }

    #[test]
    fn leaves_take_valid_examples_else_made_values() {
        let i = |s: Value| of(&components(json!({"S": s})), "S");
        assert_eq!(i(json!({"type": "string", "example": 1001})), Some(json!("1001")));
        assert_eq!(i(json!({"type": "integer", "example": "12"})), Some(json!(12)));
        assert_eq!(i(json!({"type": "integer", "format": "int32", "example": 99999999999i64})), Some(json!(1)));
        assert_eq!(i(json!({"type": "integer", "minimum": 5, "maximum": 9})), Some(json!(5)));
        assert_eq!(i(json!({"type": "integer", "maximum": 0})), Some(json!(0)));
        assert_eq!(i(json!({"type": "number", "minimum": 2, "exclusiveMinimum": true})), Some(json!(3.0)));
        assert_eq!(i(json!({"type": "number", "enum": [2, 3.5]})), Some(json!(2)));
        assert_eq!(
            i(json!({"type": "string", "format": "date-time", "example": "2022-04-04T17:36:01.000+0000"})),
            Some(json!("2024-01-15T10:30:00Z"))
        );
        assert_eq!(
            i(json!({"type": "string", "format": "date-time", "example": "2022-04-04T17:36:01.5-05:00"})),
            Some(json!("2022-04-04T17:36:01.5-05:00"))
        );
        assert_eq!(i(json!({"type": "string", "format": "date", "example": "2022-13-01"})), Some(json!("2024-01-15")));
        assert_eq!(i(json!({"type": "string", "enum": ["A", "B"], "example": "C"})), Some(json!("A")));
        assert_eq!(i(json!({"type": "string", "maxLength": 3})), Some(json!("kea")));
        assert_eq!(i(json!({"type": "string", "minLength": 10})), Some(json!("keapgenxxx")));
        assert_eq!(i(json!({"type": "string", "default": "d"})), Some(json!("d")));
        // Keap's `remind_time_mins`: no integer is one of these strings, before or after
        // loading rewrote them.
        assert_eq!(i(json!({"type": "integer", "enum": ["FIVE", "TEN"]})), None);
        assert_eq!(i(json!({"type": "integer", "enum": ["5", "10"]})), None);
        assert_eq!(i(json!({"type": "integer", "enum": [5, 10]})), Some(json!(5)));
        assert_eq!(i(json!({"type": "string", "pattern": "^[a-z]+$"})), None);
        assert_eq!(i(json!({"type": "string", "pattern": "^[a-z]+$", "example": "abc"})), Some(json!("abc")));
        assert_eq!(i(json!({"type": "array", "minItems": 2, "items": {"type": "boolean"}})), Some(json!([true, true])));
    }

    #[test]
    fn objects_follow_refs_required_and_read_only() {
        let api = components(json!({
            "Remind": {"type": "integer", "enum": ["FIVE"]},
            "Node": {"type": "object", "properties": {"name": {"type": "string"}, "child": {"$ref": "#/components/schemas/Node"}}},
            "Stamp": {"type": "string", "readOnly": true},
            "Task": {"type": "object", "required": ["title"], "properties": {
                "id": {"type": "string", "readOnly": true},
                "stamp": {"$ref": "#/components/schemas/Stamp"},
                "title": {"type": "string", "example": "Call"},
                "remind": {"$ref": "#/components/schemas/Remind"},
                "tags": {"type": "array", "uniqueItems": true, "items": {"type": "integer", "example": 7}},
                "more": {"allOf": [{"$ref": "#/components/schemas/Node"}, {"properties": {"x": {"type": "boolean"}}}]}
            }},
            // Keap 1.0.20's wrappers: a `$ref` and a bare description.
            "Wrapped": {"allOf": [{"$ref": "#/components/schemas/Task"}, {"description": ""}], "nullable": true},
            "Impossible": {"type": "object", "required": ["remind"], "properties": {"remind": {"$ref": "#/components/schemas/Remind"}}}
        }));
        let task = of(&api, "Task").unwrap();
        assert_eq!(task["title"], json!("Call"));
        assert!(task.get("id").is_none() && task.get("remind").is_none() && task.get("stamp").is_none(), "{task}");
        assert_eq!(task["tags"], json!([7]));
        assert_eq!(task["more"]["x"], json!(true));
        assert_eq!(task["more"]["child"]["name"], json!("keapgen"));
        assert_eq!(of(&api, "Wrapped").unwrap()["title"], json!("Call"));
        assert_eq!(of(&api, "Impossible"), None);
        let mut walk = Walk { api: &api, left_out: Vec::new() };
        walk.value(&TypeRef::Named("Task".into()), &Constraints::reference(1), 0).unwrap();
        assert_eq!(walk.left_out, ["property `remind`"], "recursion cut short in `Node` is no defect");
    }

    #[test]
    fn recursion_stops_at_the_specs_depth() {
        // `more` is merged from two `allOf` parts: its `child` chain is one level shorter.
        let api = components(json!({
            "Node": {"type": "object", "properties": {"child": {"$ref": "#/components/schemas/Node"}, "n": {"type": "integer"}}},
            "Top": {"type": "object", "properties": {
                "plain": {"$ref": "#/components/schemas/Node"},
                "more": {"allOf": [{"$ref": "#/components/schemas/Node"}, {"properties": {"x": {"type": "boolean"}}}]}
            }}
        }));
        let top = of(&api, "Top").unwrap();
        let depth = |mut v: &Value| {
            let mut n = 0;
            while let Some(child) = v.get("child") {
                (v, n) = (child, n + 1);
            }
            n
        };
        assert_eq!((depth(&top["plain"]), depth(&top["more"])), (7, 6), "{top}");
    }

    #[test]
    fn test_data_needs_only_the_model() {
        // A model made by hand, from no spec at all: what a valid value is lives in it.
        use crate::model::{Prim, TypeDef};
        let field = |name: &str, ty: TypeRef, required: bool, constraints: Constraints| Field {
            api_name: name.into(),
            name: name.into(),
            ty,
            required,
            nullable: false,
            boxed: false,
            doc: None,
            deprecated: false,
            constraints,
        };
        let text = |c: Constraints| Constraints { json_type: Some("string".into()), ..c };
        let fields = vec![
            field(
                "id",
                TypeRef::Prim(Prim::String),
                false,
                text(Constraints { read_only: true, ..Default::default() }),
            ),
            field(
                "code",
                TypeRef::Prim(Prim::String),
                false,
                text(Constraints { pattern: Some("^x$".into()), ..Default::default() }),
            ),
            field(
                "name",
                TypeRef::Prim(Prim::String),
                true,
                text(Constraints { max_length: Some(4), ..Default::default() }),
            ),
            field(
                "size",
                TypeRef::Prim(Prim::I64),
                true,
                Constraints {
                    json_type: Some("integer".into()),
                    minimum: Some(10.0),
                    exclusive_minimum: true,
                    ..Default::default()
                },
            ),
        ];
        let kind = TypeKind::Struct { fields, additional: None };
        let def = TypeDef {
            name: "Thing".into(),
            origin: String::new(),
            doc: None,
            kind,
            groups: Default::default(),
            constraints: Constraints::default(),
        };
        let api = Api { types: [("Thing".to_string(), def)].into(), ..Default::default() };
        let mut walk = Walk { api: &api, left_out: Vec::new() };
        let thing = walk.value(&TypeRef::Named("Thing".into()), &Constraints::reference(1), 0);
        assert_eq!(thing, Ok(json!({"name": "keap", "size": 11})));
        assert_eq!(walk.left_out, ["property `code`"]);
    }

    /// The model of a spec given as JSON.
    fn model(raw: &Value) -> Api {
        let spec = crate::load::parse(crate::diag::Source::new(None, raw.to_string())).unwrap();
        crate::model(&spec, &Default::default()).unwrap().0
    }

    #[test]
    fn operations_take_the_models_parameters_and_split_forms() {
        let raw = json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/a/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}, {"$ref": "#/components/parameters/Size"}],
            "patch": {
                "operationId": "patchA",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "example": 9}}],
                "requestBody": {"content": {
                    "text/plain": {"schema": {"type": "string"}},
                    "multipart/form-data": {"schema": {"properties": {"file": {"type": "string", "format": "binary"}, "note": {"type": "string"}}}}
                }},
                "responses": {"204": {"description": "done"}}
            }
        }}, "components": {"parameters": {"Size": {"name": "page_size", "in": "query", "schema": {"type": "integer", "maximum": 1000}}}}});
        let api = model(&raw);
        let op = api.operations().next().unwrap();
        let s = operation(&api, op);
        // The operation's own `id` (a string) overrides the path level's; `page_size` is
        // read where `$ref` points.
        assert_eq!(s.params["id"], json!("9"));
        assert_eq!(s.params["page_size"], json!(1));
        assert_eq!(s.params["note"], json!("keapgen"));
        assert!(s.left_out.is_empty() && s.skipped.is_none());
        assert!(s.body.is_none());
    }

    #[test]
    fn an_undeclared_path_parameter_gets_a_value() {
        // Keap v1's `PUT /v1/notes/{noteId}` declares `note` instead.
        let raw = json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/notes/{noteId}": {"put": {
            "operationId": "updateNote",
            "parameters": [{"name": "note", "in": "path", "required": true, "schema": {"type": "integer"}}],
            "responses": {"204": {"description": "done"}}
        }}}});
        let api = model(&raw);
        let s = operation(&api, api.operations().next().unwrap());
        assert_eq!(s.params.get("note_id"), Some(&json!("1")), "{:?}", s.params);
        assert!(s.skipped.is_none(), "{:?}", s.skipped);
    }

    #[test]
    fn an_operation_no_value_can_call_says_why() {
        let raw = json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/a": {"post": {
            "operationId": "postA",
            "parameters": [{"name": "code", "in": "query", "required": true, "schema": {"type": "string", "pattern": "^[A-Z]{3}$"}}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object"}}}},
            "responses": {"204": {"description": "done"}}
        }}}});
        let api = model(&raw);
        let s = operation(&api, api.operations().next().unwrap());
        assert_eq!(s.left_out, ["parameter `code`"]);
        assert_eq!(s.skipped.as_deref(), Some("no value satisfies the schema of required parameter `code`"));
    }
}
