//! Reading a spec: YAML or JSON text → JSON value → 3.1 constructs rewritten to their 3.0
//! equivalents (with warnings for real defects) → `openapiv3::OpenAPI`.

use crate::diag::{escape, Error, Result, Source, Warning};
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::path::Path;

/// A parsed spec with its text (for line numbers).
pub struct Spec {
    /// The typed document.
    pub doc: openapiv3::OpenAPI,
    /// Where schemas are (JSON pointers) that no value satisfies as written: their enum
    /// lists values of another type, rewritten for the typed document. A validator reading
    /// the spec as written (Prism) refuses every value there.
    pub unsatisfiable: BTreeSet<String>,
    /// The text, for turning pointers into lines.
    pub source: Source,
    /// What was odd in the spec and how it was handled.
    pub warnings: Vec<Warning>,
}

/// Reads and parses the spec at `path`.
pub fn load_file(path: &Path) -> Result<Spec> {
    let text = std::fs::read_to_string(path).map_err(|e| Error {
        file: Some(path.to_path_buf()),
        ..Error::msg(format!("cannot read the spec: {e}"))
            .hint("check the path, or run `keapgen pull` to fetch the pinned spec")
    })?;
    parse(Source::new(Some(path.to_path_buf()), text))
}

/// Parses a spec from its text.
pub fn parse(source: Source) -> Result<Spec> {
    let mut raw = to_json(&source)?;
    let mut warnings = Vec::new();
    // `openapi: 3.0` unquoted is a YAML number; its meaning is clear.
    if let Some(n) = raw.get("openapi").filter(|v| v.is_number()).map(|v| v.to_string()) {
        warnings.push(warn("/openapi".into(), format!("the version is a number; reading it as \"{n}\"")));
        raw["openapi"] = Value::String(n);
    }
    check_version(&raw).map_err(|e| e.in_source(&source))?;
    let mut unsatisfiable = BTreeSet::new();
    normalise(&mut raw, &mut warnings, &mut unsatisfiable);
    if let Some((pointer, message)) = deep_schema_defect(&raw) {
        return Err(Error::at(pointer, format!("not a valid OpenAPI document: {message}"))
            .hint("fix the spec at that place; keapgen reads OpenAPI 3.0 and 3.1")
            .in_source(&source));
    }
    // Paths are tracked only to explain a failure: the fast path tracks nothing.
    let doc = match <openapiv3::OpenAPI as serde::Deserialize>::deserialize(&raw) {
        Ok(doc) => doc,
        Err(_) => serde_path_to_error::deserialize(&raw).map_err(|e| {
            let (pointer, message) = narrow(&raw).unwrap_or_else(|| (path_to_pointer(e.path()), e.inner().to_string()));
            Error::at(pointer, format!("not a valid OpenAPI document: {message}"))
                .hint("fix the spec at that place; keapgen reads OpenAPI 3.0 and 3.1")
                .in_source(&source)
        })?,
    };
    for w in &mut warnings {
        w.line = source.line_of(&w.pointer);
    }
    Ok(Spec { doc, unsatisfiable, source, warnings })
}

/// The spec's text as JSON (YAML read into JSON values), as written: what loading starts
/// from, before any rewriting (for tools that edit specs, such as the fuzzer's mutator).
pub fn to_json(source: &Source) -> Result<Value> {
    let text = &source.text;
    if text.trim_start().starts_with('{') {
        return serde_json::from_str(text).map_err(|e| Error {
            file: source.path.clone(),
            line: Some(e.line()),
            ..Error::msg(format!("not valid JSON: {e}"))
        });
    }
    let mut yaml: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| {
        let message = e.to_string();
        let line = duplicate_key_line(text, &message).or(e.location().map(|l| l.line()));
        Error { file: source.path.clone(), line, ..Error::msg(format!("not valid YAML: {message}")) }
    })?;
    yaml.apply_merge().map_err(|e| Error::msg(format!("bad YAML merge key: {e}")).in_source(source))?;
    yaml_to_json(yaml, "").map_err(|e| e.in_source(source))
}

/// serde_yaml reports a duplicate key at its mapping's start; find the repeated key itself:
/// the second line with that key at the indentation where it repeats first.
fn duplicate_key_line(text: &str, message: &str) -> Option<usize> {
    let key = message.split("duplicate entry with key \"").nth(1)?.split('"').next()?;
    let mut seen = std::collections::HashSet::new();
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let bare = trimmed.trim_start_matches("- ");
        let is_key = [format!("{key}:"), format!("'{key}':"), format!("\"{key}\":")]
            .iter()
            .any(|k| bare.starts_with(k.as_str()));
        if is_key && !seen.insert(indent) {
            return Some(n + 1);
        }
    }
    None
}

/// Converts YAML to JSON, turning non-string keys (`200:` unquoted) into strings.
fn yaml_to_json(v: serde_yaml::Value, at: &str) -> Result<Value> {
    use serde_yaml::Value as Y;
    Ok(match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into()
            } else if let Some(u) = n.as_u64() {
                u.into()
            } else {
                serde_json::Number::from_f64(n.as_f64().unwrap_or(0.0)).map_or(Value::Null, Value::Number)
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(
            items.into_iter().enumerate().map(|(i, x)| yaml_to_json(x, &format!("{at}/{i}"))).collect::<Result<_>>()?,
        ),
        Y::Mapping(m) => {
            let mut out = Map::new();
            for (k, x) in m {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    other => return Err(Error::at(at, format!("a mapping key must be a scalar, found {other:?}"))),
                };
                let x = yaml_to_json(x, &format!("{at}/{}", escape(&key)))?;
                out.insert(key, x);
            }
            Value::Object(out)
        }
        Y::Tagged(t) => yaml_to_json(t.value, at)?,
    })
}

fn check_version(raw: &Value) -> Result<()> {
    if raw.get("swagger").is_some() {
        return Err(Error::at("/swagger", "this is a Swagger 2.0 document")
            .hint("convert it to OpenAPI 3 first (keapgen reads OpenAPI 3.0 and 3.1)"));
    }
    match raw.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.0") || v.starts_with("3.1") => Ok(()),
        Some(v) => Err(Error::at("/openapi", format!("unsupported OpenAPI version `{v}`"))
            .hint("keapgen reads OpenAPI 3.0 and 3.1")),
        None => Err(Error::at("", "no `openapi` version field: this does not look like an OpenAPI document")
            .hint("pass an OpenAPI 3.0 or 3.1 spec")),
    }
}

fn path_to_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut p = String::new();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => p.push_str(&format!("/{index}")),
            Segment::Map { key } => p.push_str(&format!("/{}", escape(key))),
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    p
}

/// Finds the innermost node that fails to parse. `openapiv3` reads parameters and schemas
/// through tagged, untagged and flattened enums, where serde loses the path; parsing the
/// parts one by one gets it back.
fn narrow(raw: &Value) -> Option<(String, String)> {
    use openapiv3::{Operation, Parameter, ReferenceOr, RequestBody, Response, SecurityScheme};
    fn each(v: Option<&Value>) -> Vec<(String, &Value)> {
        match v {
            Some(Value::Object(m)) => m.iter().map(|(k, v)| (escape(k), v)).collect(),
            Some(Value::Array(a)) => a.iter().enumerate().map(|(i, v)| (i.to_string(), v)).collect(),
            _ => Vec::new(),
        }
    }
    let first = |items: Vec<Option<(String, String)>>| items.into_iter().flatten().next();
    const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];
    for (path, item) in each(raw.get("paths")) {
        let at = format!("/paths/{path}");
        for (i, p) in each(item.get("parameters")) {
            if let Some(found) = try_at::<ReferenceOr<Parameter>>(p, &format!("{at}/parameters/{i}")) {
                return Some(found);
            }
        }
        for method in METHODS {
            let Some(op) = item.get(*method) else { continue };
            let at = format!("{at}/{method}");
            let mut found: Vec<Option<(String, String)>> = each(op.get("parameters"))
                .into_iter()
                .map(|(i, p)| try_at::<ReferenceOr<Parameter>>(p, &format!("{at}/parameters/{i}")))
                .collect();
            found.extend(
                op.get("requestBody").map(|b| try_at::<ReferenceOr<RequestBody>>(b, &format!("{at}/requestBody"))),
            );
            found.extend(
                each(op.get("responses"))
                    .into_iter()
                    .map(|(c, r)| try_at::<ReferenceOr<Response>>(r, &format!("{at}/responses/{c}"))),
            );
            found.push(try_at::<Operation>(op, &at));
            if let Some(f) = first(found) {
                return Some(f);
            }
        }
    }
    let components = raw.get("components");
    for (name, schema) in each(components.and_then(|c| c.get("schemas"))) {
        if let Some(found) = narrow_schema(schema, &format!("/components/schemas/{name}")) {
            return Some(found);
        }
    }
    type Parse = fn(&Value, &str) -> Option<(String, String)>;
    let kinds: [(&str, Parse); 4] = [
        ("parameters", |v, at| try_at::<ReferenceOr<Parameter>>(v, at)),
        ("requestBodies", |v, at| try_at::<ReferenceOr<RequestBody>>(v, at)),
        ("responses", |v, at| try_at::<ReferenceOr<Response>>(v, at)),
        ("securitySchemes", |v, at| try_at::<ReferenceOr<SecurityScheme>>(v, at)),
    ];
    for (kind, parse) in kinds {
        for (name, v) in each(components.and_then(|c| c.get(kind))) {
            if let Some(found) = parse(v, &format!("/components/{kind}/{name}")) {
                return Some(found);
            }
        }
    }
    None
}

/// The innermost failing schema under `v`, children first.
fn narrow_schema(v: &Value, at: &str) -> Option<(String, String)> {
    if let Value::Object(m) = v {
        for key in ["properties", "patternProperties"] {
            if let Some(Value::Object(props)) = m.get(key) {
                for (name, child) in props {
                    if let Some(found) = narrow_schema(child, &format!("{at}/{key}/{}", escape(name))) {
                        return Some(found);
                    }
                }
            }
        }
        for key in ["items", "additionalProperties", "not"] {
            if let Some(child @ Value::Object(_)) = m.get(key) {
                if let Some(found) = narrow_schema(child, &format!("{at}/{key}")) {
                    return Some(found);
                }
            }
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            if let Some(Value::Array(items)) = m.get(key) {
                for (i, child) in items.iter().enumerate() {
                    if let Some(found) = narrow_schema(child, &format!("{at}/{key}/{i}")) {
                        return Some(found);
                    }
                }
            }
        }
    }
    try_at::<openapiv3::ReferenceOr<openapiv3::Schema>>(v, at)
}

/// Schemas nested deeper than this are checked one level at a time before the typed read.
/// `openapiv3` reads a schema as one variant and then another, reading its children again
/// each time, so a defect under deep nesting would cost time exponential in the depth (a
/// hang found by fuzzing). Shallower defects cost at most 2^DEEP small reads.
const DEEP: usize = 6;

/// The keys under which a schema holds schemas: maps of them, single ones, lists of them.
const SCHEMA_MAPS: [&str; 2] = ["properties", "patternProperties"];
const SCHEMA_ONES: [&str; 4] = ["items", "additionalProperties", "not", "contains"];
const SCHEMA_LISTS: [&str; 4] = ["allOf", "oneOf", "anyOf", "prefixItems"];

/// The schema children of `v` with their pointer suffixes.
fn schema_children(v: &Value) -> Vec<(String, &Value)> {
    let Value::Object(m) = v else { return Vec::new() };
    let mut out = Vec::new();
    for key in SCHEMA_MAPS {
        if let Some(Value::Object(props)) = m.get(key) {
            out.extend(props.iter().map(|(name, child)| (format!("/{key}/{}", escape(name)), child)));
        }
    }
    for key in SCHEMA_ONES {
        // `additionalProperties: true` is a flag, not a schema.
        if let Some(child) = m.get(key).filter(|c| !c.is_boolean()) {
            out.push((format!("/{key}"), child));
        }
    }
    for key in SCHEMA_LISTS {
        if let Some(Value::Array(items)) = m.get(key) {
            out.extend(items.iter().enumerate().map(|(i, child)| (format!("/{key}/{i}"), child)));
        }
    }
    out
}

/// How deeply schemas nest under `v` (1: no schema children). Bounded: JSON and YAML
/// readers refuse documents nested deeper than 128.
fn schema_depth(v: &Value) -> usize {
    1 + schema_children(v).iter().map(|(_, c)| schema_depth(c)).max().unwrap_or(0)
}

/// Where a schema goes wrong, for documents with deeply nested schemas: each schema is read
/// alone with its children left empty, children first, so no read is repeated.
fn deep_schema_defect(raw: &Value) -> Option<(String, String)> {
    fn roots<'a>(v: &'a Value, at: String, out: &mut Vec<(String, &'a Value)>) {
        match v {
            Value::Object(m) => {
                for (k, child) in m {
                    let here = format!("{at}/{}", escape(k));
                    if k == "schema" || at == "/components/schemas" {
                        out.push((here, child));
                    } else {
                        roots(child, here, out);
                    }
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    roots(child, format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
    }
    fn check(v: &Value, at: &str) -> Option<(String, String)> {
        for (suffix, child) in schema_children(v) {
            if let Some(found) = check(child, &format!("{at}{suffix}")) {
                return Some(found);
            }
        }
        let mut shallow = v.clone();
        if let Value::Object(m) = &mut shallow {
            for key in SCHEMA_MAPS {
                if let Some(Value::Object(props)) = m.get_mut(key) {
                    props.values_mut().for_each(|c| *c = Value::Object(Map::new()));
                }
            }
            for key in SCHEMA_ONES {
                if let Some(c) = m.get_mut(key).filter(|c| !c.is_boolean()) {
                    *c = Value::Object(Map::new());
                }
            }
            for key in SCHEMA_LISTS {
                if let Some(Value::Array(items)) = m.get_mut(key) {
                    items.iter_mut().for_each(|c| *c = Value::Object(Map::new()));
                }
            }
        }
        try_at::<openapiv3::ReferenceOr<openapiv3::Schema>>(&shallow, at)
    }
    let mut found = Vec::new();
    roots(raw, String::new(), &mut found);
    found.into_iter().filter(|(_, v)| schema_depth(v) > DEEP).find_map(|(at, v)| check(v, &at))
}

fn try_at<T: serde::de::DeserializeOwned>(v: &Value, at: &str) -> Option<(String, String)> {
    serde_path_to_error::deserialize::<_, T>(v)
        .err()
        .map(|e| (format!("{at}{}", path_to_pointer(e.path())), e.inner().to_string()))
}

/// Rewrites what `openapiv3` (a 3.0 reader) cannot take: 3.1 constructs become their 3.0
/// spelling silently; defects whose meaning is clear are fixed with a warning.
fn normalise(root: &mut Value, warnings: &mut Vec<Warning>, unsatisfiable: &mut BTreeSet<String>) {
    if let Some(obj) = root.as_object_mut() {
        obj.entry("paths").or_insert_with(|| Value::Object(Map::new()));
        obj.remove("webhooks");
    }
    if let Some(schemes) = root.pointer_mut("/components/securitySchemes").and_then(Value::as_object_mut) {
        for (name, scheme) in schemes.iter_mut() {
            let Some(flows) = scheme.get_mut("flows").and_then(Value::as_object_mut) else { continue };
            for (flow, body) in flows.iter_mut() {
                if let Some(b) = body.as_object_mut() {
                    if !b.contains_key("scopes") {
                        b.insert("scopes".into(), Value::Object(Map::new()));
                        warnings.push(warn(
                            format!("/components/securitySchemes/{}/flows/{flow}", escape(name)),
                            "oauth2 flow has no `scopes` map; treating it as empty",
                        ));
                    }
                }
            }
        }
    }
    walk(root, &mut String::new(), warnings, unsatisfiable);
}

fn warn(pointer: String, message: impl Into<String>) -> Warning {
    Warning { pointer, line: None, message: message.into(), file: None }
}

/// Keys whose values are data (examples, defaults), not schemas: never rewritten.
const DATA_KEYS: &[&str] = &["example", "examples", "default", "enum", "const", "x-examples"];

/// Keys whose value is a map from names the spec chose (a property called `const`, a schema
/// called `example`) to objects: the map itself is never a schema and its keys are not
/// keywords.
const MAP_KEYS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "schemas",
    "paths",
    "responses",
    "requestBodies",
    "headers",
    "securitySchemes",
    "content",
    "links",
    "callbacks",
    "encoding",
    "variables",
    "parameters",
];

/// Keys whose value is one schema, where 3.1 also allows `true`/`false`.
const SCHEMA_KEYS: &[&str] = &["items", "not", "additionalProperties", "contains", "propertyNames"];

fn walk(v: &mut Value, at: &mut String, warnings: &mut Vec<Warning>, unsatisfiable: &mut BTreeSet<String>) {
    match v {
        Value::Object(obj) => {
            fix_schema(obj, at, warnings, unsatisfiable);
            for (k, child) in obj.iter_mut() {
                if k.starts_with("x-") || (DATA_KEYS.contains(&k.as_str()) && !child.is_object()) || k == "example" {
                    continue;
                }
                let len = at.len();
                at.push('/');
                at.push_str(&escape(k));
                if SCHEMA_KEYS.contains(&k.as_str()) {
                    bool_schema(child);
                }
                match child {
                    Value::Object(map) if MAP_KEYS.contains(&k.as_str()) => {
                        for (name, item) in map.iter_mut() {
                            let len = at.len();
                            at.push('/');
                            at.push_str(&escape(name));
                            if k == "properties" || k == "patternProperties" || k == "$defs" || k == "schemas" {
                                bool_schema(item);
                            }
                            walk(item, at, warnings, unsatisfiable);
                            at.truncate(len);
                        }
                    }
                    _ => walk(child, at, warnings, unsatisfiable),
                }
                at.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                let len = at.len();
                at.push_str(&format!("/{i}"));
                walk(child, at, warnings, unsatisfiable);
                at.truncate(len);
            }
        }
        _ => {}
    }
}

/// 3.1 boolean schemas: `true` accepts anything (`{}`), `false` nothing (`{not: {}}`).
fn bool_schema(v: &mut Value) {
    if let Value::Bool(b) = *v {
        *v = if b { Value::Object(Map::new()) } else { serde_json::json!({"not": {}}) };
    }
}

/// Fixes one object if it looks like a schema.
fn fix_schema(
    obj: &mut Map<String, Value>,
    at: &str,
    warnings: &mut Vec<Warning>,
    unsatisfiable: &mut BTreeSet<String>,
) {
    // 3.1: `type: [string, "null"]`.
    if let Some(Value::Array(types)) = obj.get("type") {
        let non_null: Vec<Value> = types.iter().filter(|t| t.as_str() != Some("null")).cloned().collect();
        let nullable = non_null.len() != types.len();
        obj.remove("type");
        match non_null.len() {
            0 => {}
            1 => {
                obj.insert("type".into(), non_null[0].clone());
            }
            _ => warnings
                .push(warn(format!("{at}/type"), "several types in one schema; generating an untyped JSON value")),
        }
        if nullable {
            obj.insert("nullable".into(), Value::Bool(true));
        }
    }
    if obj.get("type").and_then(Value::as_str) == Some("null") {
        obj.remove("type");
        obj.insert("nullable".into(), Value::Bool(true));
    }
    // 3.1: `examples: [..]` in a schema (3.0 has a map there, in parameters and media types).
    if let Some(Value::Array(ex)) = obj.get("examples") {
        let first = ex.first().cloned();
        obj.remove("examples");
        if let Some(first) = first {
            obj.entry("example").or_insert(first);
        }
    }
    // 3.1: tuples; read as arrays of any value.
    if obj.remove("prefixItems").is_some() {
        warnings
            .push(warn(format!("{at}/prefixItems"), "tuple schemas (`prefixItems`) are read as arrays of any value"));
        obj.insert("items".into(), Value::Object(Map::new()));
    }
    // `additionalProperties: false` is 3.0 too: undo the boolean-schema rewrite for it.
    if obj.get("additionalProperties") == Some(&serde_json::json!({"not": {}})) {
        obj.insert("additionalProperties".into(), Value::Bool(false));
    }
    // 3.1: `const`.
    if let Some(c) = obj.remove("const") {
        obj.insert("enum".into(), Value::Array(vec![c]));
    }
    // 3.1: numeric exclusive bounds.
    for (ex, bound) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
        if let Some(n) = obj.get(ex).filter(|n| n.is_number()).cloned() {
            obj.insert(bound.into(), n);
            obj.insert(ex.into(), Value::Bool(true));
        }
    }
    // 3.1: content keywords for binary strings.
    if obj.get("type").and_then(Value::as_str) == Some("string") && !obj.contains_key("format") {
        if obj.get("contentEncoding").and_then(Value::as_str) == Some("base64") {
            obj.insert("format".into(), "byte".into());
        } else if obj.get("contentMediaType").and_then(Value::as_str) == Some("application/octet-stream") {
            obj.insert("format".into(), "binary".into());
        }
    }
    // 3.1: `$ref` with siblings; 3.0 ignores siblings, so keep them by wrapping in `allOf`.
    if obj.len() > 1 && obj.get("$ref").and_then(Value::as_str).is_some_and(|r| r.starts_with("#/components/schemas/"))
    {
        let r = obj.remove("$ref").unwrap_or_default();
        let mut inner = Map::new();
        inner.insert("$ref".into(), r);
        obj.insert("allOf".into(), Value::Array(vec![Value::Object(inner)]));
    }
    if fix_enum(obj, at, warnings) {
        unsatisfiable.insert(at.to_string());
    }
}

/// Enum values whose JSON type disagrees with the schema's `type` (Keap's `remind_time_mins`
/// is an integer with string values). Returns whether it rewrote them: then, as written, no
/// value satisfies the schema.
fn fix_enum(obj: &mut Map<String, Value>, at: &str, warnings: &mut Vec<Warning>) -> bool {
    let Some(ty) = obj.get("type").and_then(Value::as_str).map(str::to_owned) else { return false };
    let ty = ty.as_str();
    let Some(Value::Array(values)) = obj.get("enum").cloned() else { return false };
    if ty == "array" {
        // Keap 1.0.20's `update_mask`: the items' values listed on the array. No array
        // equals a string, so as written nothing is valid; the items take the values.
        if values.iter().all(|v| !v.is_array() && !v.is_object()) {
            obj.remove("enum");
            if let Some(Value::Object(items)) = obj.get_mut("items") {
                if !items.contains_key("enum") && !items.contains_key("$ref") {
                    items.insert("enum".into(), Value::Array(values));
                }
            }
            warnings.push(warn(
                format!("{at}/enum"),
                "`array` schema lists its items' values as its own enum; reading them as the items' enum",
            ));
            return true;
        }
        return false;
    }
    let fits = |v: &Value| match ty {
        "integer" => v.is_i64() || v.is_u64() || v.is_null(),
        "number" => v.is_number() || v.is_null(),
        "string" => v.is_string() || v.is_null(),
        "boolean" => v.is_boolean() || v.is_null(),
        _ => true,
    };
    if values.iter().all(fits) {
        return false;
    }
    let converted: Option<Vec<Value>> = values
        .iter()
        .map(|v| match (ty, v) {
            (_, v) if fits(v) => Some(v.clone()),
            ("integer", Value::String(s)) => s.trim().parse::<i64>().ok().map(Value::from),
            ("number", Value::String(s)) => {
                s.trim().parse::<f64>().ok().and_then(serde_json::Number::from_f64).map(Value::Number)
            }
            ("string", Value::Number(n)) => Some(Value::String(n.to_string())),
            ("string", Value::Bool(b)) => Some(Value::String(b.to_string())),
            _ => None,
        })
        .collect();
    let pointer = format!("{at}/enum");
    match converted {
        Some(c) => {
            warnings.push(warn(
                pointer,
                format!("`{ty}` schema lists enum values of another type; reading them as {ty} values"),
            ));
            obj.insert("enum".into(), Value::Array(c));
        }
        None => {
            warnings.push(warn(
                pointer,
                format!("`{ty}` schema lists enum values that are not {ty} values; ignoring the enum"),
            ));
            obj.remove("enum");
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Spec> {
        parse(Source::new(None, text.to_string()))
    }

    #[test]
    fn rewrites_31_constructs() {
        let spec = parse_str(
            "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    A:\n      type: [string, 'null']\n      examples: [x]\n    B:\n      $ref: '#/components/schemas/A'\n      description: d\n    C:\n      type: integer\n      enum: ['5', '10']\n",
        )
        .unwrap();
        let schemas = serde_json::to_value(&spec.doc.components.as_ref().unwrap().schemas).unwrap();
        let a = &schemas["A"];
        assert_eq!(a["type"], "string");
        assert_eq!(a["nullable"], true);
        assert_eq!(a["example"], "x");
        assert_eq!(schemas["B"]["allOf"][0]["$ref"], "#/components/schemas/A");
        assert_eq!(schemas["C"]["enum"], serde_json::json!([5, 10]));
        // As written, no integer is one of C's strings; nothing marks it in the document.
        assert_eq!(spec.unsatisfiable.iter().collect::<Vec<_>>(), ["/components/schemas/C"]);
        assert!(schemas["C"].as_object().unwrap().keys().all(|k| !k.starts_with("x-")), "{}", schemas["C"]);
        assert_eq!(spec.warnings.len(), 1);
        assert_eq!(spec.warnings[0].pointer, "/components/schemas/C/enum");
        assert_eq!(spec.warnings[0].line, Some(14));
    }

    #[test]
    fn bad_yaml_names_the_line() {
        let e = parse_str("openapi: 3.0.0\ninfo: [unclosed\n").err().unwrap();
        assert!(e.line.is_some(), "{e}");
    }

    #[test]
    fn swagger_2_is_refused_with_advice() {
        let e = parse_str("swagger: '2.0'\n").err().unwrap();
        assert!(e.to_string().contains("Convert it to OpenAPI 3"), "{e}");
    }
}
