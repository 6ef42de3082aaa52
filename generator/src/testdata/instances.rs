//! Values that follow a spec's own schemas, for the contract test: the generated crate calls
//! every operation with them against a mock server that checks each request against the spec.
//!
//! Objects are built property by property (never from a whole-object example, which may carry
//! read-only or stale fields); leaves take the spec's example when it satisfies its schema,
//! else a value made from the type, format and bounds. A schema no value can satisfy (an
//! integer with a string enum) gives `None`, and the property is left out.

use super::schema::deref as follow;
use crate::model::{BodyKind, Operation, ParamIn};
use serde_json::{Map, Number, Value};
use std::collections::BTreeMap;

/// Recursive schemas stop here; optional properties beyond it are left out.
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

/// Samples for one operation of the model, from the schemas it names in the spec.
pub fn operation(raw: &Value, op: &Operation) -> OperationSample {
    let mut out = OperationSample::default();
    let fields = |p: &&crate::model::Param| matches!(p.location, ParamIn::Part | ParamIn::Form);
    for p in op.params.iter().filter(|p| !fields(p)) {
        let Some(schema) = p.schema.as_deref().and_then(|at| raw.pointer(at)) else {
            // A path parameter the spec uses but never declares (Keap v1's `PUT
            // /v1/notes/{noteId}` declares `note`) is a string the generator made up: any
            // text fills the template.
            if p.schema.is_none()
                && p.location == ParamIn::Path
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
        };
        match build(raw, schema, 0, &mut out.left_out) {
            Ok(v) => {
                out.params.insert(p.name.clone(), v);
            }
            Err(_) => out.left_out.push(format!("parameter `{}`", p.api_name)),
        }
    }
    if let Some(schema) = op.body_schema.as_deref().and_then(|at| raw.pointer(at)) {
        match &op.body {
            Some(b) if b.kind == BodyKind::Json => out.body = build(raw, schema, 0, &mut out.left_out).ok(),
            Some(_) => {}
            // Form and multipart bodies are their fields, one parameter each.
            None => {
                if let Ok(Value::Object(values)) = build(raw, schema, 0, &mut out.left_out) {
                    for (k, v) in values {
                        if let Some(p) = op.params.iter().filter(fields).find(|p| p.api_name == k) {
                            // A text field the generator reads as a flag takes a flag.
                            let flag = p.ty == crate::model::TypeRef::Prim(crate::model::Prim::Bool);
                            let v = if flag && v.is_string() { Value::Bool(true) } else { v };
                            out.params.insert(p.name.clone(), v);
                        }
                    }
                }
            }
        }
    }
    out.left_out.sort();
    out.left_out.dedup();
    out.skipped = skipped(op, &out);
    out
}

/// Why `op` cannot be called with `sample`: a required parameter (other than a file, which
/// the test makes itself) or a required JSON body has no value.
fn skipped(op: &Operation, sample: &OperationSample) -> Option<String> {
    if let Some(p) = op.params.iter().find(|p| p.required && !sample.params.contains_key(&p.name) && !p.is_file()) {
        return Some(format!("no value satisfies the schema of required parameter `{}`", p.api_name));
    }
    match &op.body {
        Some(b) if b.required && b.kind == BodyKind::Json && sample.body.is_none() => {
            Some("no value satisfies the request body's schema".into())
        }
        _ => None,
    }
}

/// A value satisfying `schema` (what a JSON Schema validator such as Prism's would accept).
pub fn instance(raw: &Value, schema: &Value) -> Option<Value> {
    build(raw, schema, 0, &mut Vec::new()).ok()
}

/// Why no value was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum No {
    /// Recursion went deeper than [`MAX_DEPTH`]: no defect of the spec.
    Deep,
    /// No value satisfies the schema as written.
    Fits,
}

/// [`instance`], noting the optional properties no value fits in `left_out`.
fn build(raw: &Value, schema: &Value, depth: usize, left_out: &mut Vec<String>) -> Result<Value, No> {
    if depth > MAX_DEPTH {
        return Err(No::Deep);
    }
    let s = follow(raw, schema).as_object().ok_or(No::Fits)?;
    if let Some(Value::Array(parts)) = s.get("allOf") {
        // Sibling keywords constrain the same value; parts that only annotate (Keap wraps
        // `$ref`s as `allOf: [$ref, {description}]`) constrain nothing.
        let rest: Map<String, Value> =
            s.iter().filter(|(k, _)| *k != "allOf").map(|(k, v)| (k.clone(), v.clone())).collect();
        let rest = Value::Object(rest);
        let mut merged: Option<Map<String, Value>> = None;
        let mut other = None;
        for part in parts.iter().chain([&rest]).filter(|p| constrains(follow(raw, p))) {
            match build(raw, part, depth + 1, left_out)? {
                Value::Object(m) => merged.get_or_insert_with(Map::new).extend(m),
                v => other = Some(v),
            }
        }
        return Ok(merged.map(Value::Object).or(other).unwrap_or_else(|| Value::String("keapgen".into())));
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(Value::Array(parts)) = s.get(key) {
            let mut why = No::Fits;
            for p in parts {
                match build(raw, p, depth + 1, left_out) {
                    Ok(v) => return Ok(v),
                    Err(No::Deep) => why = No::Deep,
                    Err(No::Fits) => {}
                }
            }
            return Err(why);
        }
    }
    let ty = s.get("type").and_then(Value::as_str).or_else(|| {
        if s.contains_key("properties") || s.contains_key("additionalProperties") {
            Some("object")
        } else if s.contains_key("items") {
            Some("array")
        } else {
            None
        }
    });
    if s.contains_key(crate::load::ENUM_AS_WRITTEN) {
        // As written, no value satisfies both the type and the enum.
        return Err(No::Fits);
    }
    match ty {
        Some("object") => object(raw, s, depth, left_out),
        Some("array") => {
            let min = s.get("minItems").and_then(Value::as_u64).unwrap_or(0);
            let item = match s.get("items").map(|i| build(raw, i, depth + 1, left_out)) {
                Some(Ok(item)) => item,
                Some(Err(_)) | None if min == 0 => return Ok(Value::Array(Vec::new())),
                Some(Err(why)) => return Err(why),
                None => return Err(No::Fits),
            };
            let unique = s.get("uniqueItems").and_then(Value::as_bool).unwrap_or(false);
            let n = min.max(1);
            if unique && n > 1 {
                return Err(No::Fits);
            }
            Ok(Value::Array(vec![item; n as usize]))
        }
        _ => leaf(s, ty).ok_or(No::Fits),
    }
}

/// Whether a schema says anything about the value (rather than only describing it).
fn constrains(s: &Value) -> bool {
    const KEYWORDS: &[&str] = &[
        "type",
        "properties",
        "additionalProperties",
        "items",
        "enum",
        "format",
        "allOf",
        "oneOf",
        "anyOf",
        "$ref",
        "required",
        "pattern",
        "minimum",
        "maximum",
        "minLength",
        "maxLength",
    ];
    s.as_object().is_some_and(|o| KEYWORDS.iter().any(|k| o.contains_key(*k)))
}

fn object(raw: &Value, s: &Map<String, Value>, depth: usize, left_out: &mut Vec<String>) -> Result<Value, No> {
    let required: Vec<&str> = s
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut out = Map::new();
    for (name, prop) in s.get("properties").and_then(Value::as_object).into_iter().flatten() {
        let must = required.contains(&name.as_str());
        // Read-only properties are what the server sends, not what a request carries.
        let read_only = follow(raw, prop).get("readOnly").and_then(Value::as_bool).unwrap_or(false);
        if read_only && !must {
            continue;
        }
        match build(raw, prop, depth + 1, left_out) {
            Ok(v) => {
                out.insert(name.clone(), v);
            }
            Err(why) if must => return Err(why),
            Err(No::Fits) => left_out.push(format!("property `{name}`")),
            // Recursion cut short is no defect of the spec.
            Err(No::Deep) => {}
        }
    }
    Ok(Value::Object(out))
}

/// A scalar: the example when it satisfies the schema, else the default, an enum value or a
/// value made from the type and format.
fn leaf(s: &Map<String, Value>, ty: Option<&str>) -> Option<Value> {
    let candidates = s.get("example").into_iter().chain(s.get("default")).map(|v| coerce(v, ty));
    if let Some(v) = candidates.into_iter().find(|v| satisfies(s, ty, v)) {
        return Some(v);
    }
    if let Some(Value::Array(values)) = s.get("enum") {
        return values.iter().find(|v| satisfies(s, ty, v)).cloned();
    }
    let format = s.get("format").and_then(Value::as_str).unwrap_or("");
    let made = match ty {
        Some("integer") => Value::from(clamp(s, 1.0) as i64),
        Some("number") => Number::from_f64(clamp(s, 1.5)).map_or(Value::from(1), Value::Number),
        Some("boolean") => Value::Bool(true),
        _ => {
            if s.contains_key("pattern") {
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
            let min = s.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
            let max = s.get("maxLength").and_then(Value::as_u64).map_or(usize::MAX, |m| m as usize);
            let mut text: String = text.chars().take(max).collect();
            while text.len() < min {
                text.push('x');
            }
            Value::String(text)
        }
    };
    satisfies(s, ty, &made).then_some(made)
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
fn clamp(s: &Map<String, Value>, want: f64) -> f64 {
    let mut v = want;
    if let Some(min) = s.get("minimum").and_then(Value::as_f64) {
        let exclusive = s.get("exclusiveMinimum").and_then(Value::as_bool).unwrap_or(false);
        v = v.max(if exclusive { min + 1.0 } else { min });
    }
    if let Some(max) = s.get("maximum").and_then(Value::as_f64) {
        let exclusive = s.get("exclusiveMaximum").and_then(Value::as_bool).unwrap_or(false);
        v = v.min(if exclusive { max - 1.0 } else { max });
    }
    v
}

/// Whether a scalar satisfies the schema's type, enum, format and bounds.
fn satisfies(s: &Map<String, Value>, ty: Option<&str>, v: &Value) -> bool {
    if let Some(Value::Array(values)) = s.get("enum") {
        if !values.contains(v) {
            return false;
        }
    }
    let format = s.get("format").and_then(Value::as_str).unwrap_or("");
    match (ty, v) {
        (Some("integer"), Value::Number(n)) => {
            let Some(i) = n.as_i64() else { return false };
            let fits = match format {
                "int32" => i32::try_from(i).is_ok(),
                _ => true,
            };
            fits && clamp(s, i as f64) == i as f64
        }
        (Some("number"), Value::Number(n)) => n.as_f64().is_some_and(|f| clamp(s, f) == f),
        (Some("boolean"), Value::Bool(_)) => true,
        (Some("string") | None, Value::String(t)) => {
            let len = t.chars().count() as u64;
            let min = s.get("minLength").and_then(Value::as_u64).unwrap_or(0);
            let max = s.get("maxLength").and_then(Value::as_u64).unwrap_or(u64::MAX);
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

    #[test]
    fn leaves_take_valid_examples_else_made_values() {
        let raw = json!({});
        let i = |s: Value| instance(&raw, &s);
        assert_eq!(i(json!({"type": "string", "example": 1001})), Some(json!("1001")));
        assert_eq!(i(json!({"type": "integer", "example": "12"})), Some(json!(12)));
        assert_eq!(i(json!({"type": "integer", "format": "int32", "example": 99999999999i64})), Some(json!(1)));
        assert_eq!(i(json!({"type": "integer", "minimum": 5, "maximum": 9})), Some(json!(5)));
        assert_eq!(i(json!({"type": "integer", "maximum": 0})), Some(json!(0)));
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
        // Keap's `remind_time_mins`: no integer is one of these strings, before or after
        // loading rewrote them.
        assert_eq!(i(json!({"type": "integer", "enum": ["FIVE", "TEN"]})), None);
        assert_eq!(i(json!({"type": "integer", "enum": [5, 10], "x-keapgen-enum-as-written": ["5", "10"]})), None);
        assert_eq!(i(json!({"type": "string", "pattern": "^[a-z]+$"})), None);
        assert_eq!(i(json!({"type": "string", "pattern": "^[a-z]+$", "example": "abc"})), Some(json!("abc")));
    }

    #[test]
    fn objects_follow_refs_required_and_read_only() {
        let raw = json!({"components": {"schemas": {
            "Remind": {"type": "integer", "enum": ["FIVE"]},
            "Node": {"type": "object", "properties": {"name": {"type": "string"}, "child": {"$ref": "#/components/schemas/Node"}}},
            "Task": {"type": "object", "required": ["title"], "properties": {
                "id": {"type": "string", "readOnly": true},
                "title": {"type": "string", "example": "Call"},
                "remind": {"$ref": "#/components/schemas/Remind"},
                "tags": {"type": "array", "uniqueItems": true, "items": {"type": "integer", "example": 7}},
                "more": {"allOf": [{"$ref": "#/components/schemas/Node"}, {"properties": {"x": {"type": "boolean"}}}]}
            }},
            "Impossible": {"type": "object", "required": ["remind"], "properties": {"remind": {"$ref": "#/components/schemas/Remind"}}}
        }}});
        let task = instance(&raw, &json!({"$ref": "#/components/schemas/Task"})).unwrap();
        assert_eq!(task["title"], json!("Call"));
        assert!(task.get("id").is_none() && task.get("remind").is_none());
        assert_eq!(task["tags"], json!([7]));
        assert_eq!(task["more"]["x"], json!(true));
        assert_eq!(task["more"]["child"]["name"], json!("keapgen"));
        // Keap 1.0.20's wrappers: a `$ref` and a bare description.
        let wrapped = json!({"allOf": [{"$ref": "#/components/schemas/Task"}, {"description": ""}], "nullable": true});
        assert_eq!(instance(&raw, &wrapped).unwrap()["title"], json!("Call"));
        assert_eq!(instance(&raw, &json!({"$ref": "#/components/schemas/Impossible"})), None);
        let mut left_out = Vec::new();
        build(&raw, &json!({"$ref": "#/components/schemas/Task"}), 0, &mut left_out).unwrap();
        assert_eq!(left_out, ["property `remind`"], "recursion cut short in `Node` is no defect");
    }

    /// The model of a spec given as JSON.
    fn model(raw: &Value) -> crate::model::Api {
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
        let s = operation(&raw, op);
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
        let s = operation(&raw, api.operations().next().unwrap());
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
        let s = operation(&raw, api.operations().next().unwrap());
        assert_eq!(s.left_out, ["parameter `code`"]);
        assert_eq!(s.skipped.as_deref(), Some("no value satisfies the schema of required parameter `code`"));
    }
}
