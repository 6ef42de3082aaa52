//! What changed between two specs, as a user of the generated crate sees it: each change is
//! classified breaking or not, and the worst kind (an operationId that now names another
//! endpoint: code still compiles but calls something else) is called out first.

use crate::lower::url_path;
use crate::model::{Api, Operation, Param, Prim, Response, TypeKind, TypeRef};
use heck::ToUpperCamelCase;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// The kinds of change, named on the wire (`--format json`) and in reports as kebab-case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    /// `operation-added`
    OperationAdded,
    /// `operation-removed`
    OperationRemoved,
    /// `operation-renamed`
    OperationRenamed,
    /// `operation-id-moved`
    OperationIdMoved,
    /// `operation-id-reassigned`
    OperationIdReassigned,
    /// `parameter-added`
    ParameterAdded,
    /// `parameter-removed`
    ParameterRemoved,
    /// `parameter-changed`
    ParameterChanged,
    /// `body-changed`
    BodyChanged,
    /// `response-changed`
    ResponseChanged,
    /// `type-added`
    TypeAdded,
    /// `type-removed`
    TypeRemoved,
    /// `type-changed`
    TypeChanged,
    /// `property-added`
    PropertyAdded,
    /// `property-removed`
    PropertyRemoved,
    /// `property-changed`
    PropertyChanged,
    /// `enum-value-added`
    EnumValueAdded,
    /// `enum-value-removed`
    EnumValueRemoved,
    /// `union-variant-added`
    UnionVariantAdded,
    /// `union-variant-removed`
    UnionVariantRemoved,
    /// `server-changed`
    ServerChanged,
}

impl ChangeKind {
    /// The kind's name in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::OperationAdded => "operation-added",
            ChangeKind::OperationRemoved => "operation-removed",
            ChangeKind::OperationRenamed => "operation-renamed",
            ChangeKind::OperationIdMoved => "operation-id-moved",
            ChangeKind::OperationIdReassigned => "operation-id-reassigned",
            ChangeKind::ParameterAdded => "parameter-added",
            ChangeKind::ParameterRemoved => "parameter-removed",
            ChangeKind::ParameterChanged => "parameter-changed",
            ChangeKind::BodyChanged => "body-changed",
            ChangeKind::ResponseChanged => "response-changed",
            ChangeKind::TypeAdded => "type-added",
            ChangeKind::TypeRemoved => "type-removed",
            ChangeKind::TypeChanged => "type-changed",
            ChangeKind::PropertyAdded => "property-added",
            ChangeKind::PropertyRemoved => "property-removed",
            ChangeKind::PropertyChanged => "property-changed",
            ChangeKind::EnumValueAdded => "enum-value-added",
            ChangeKind::EnumValueRemoved => "enum-value-removed",
            ChangeKind::UnionVariantAdded => "union-variant-added",
            ChangeKind::UnionVariantRemoved => "union-variant-removed",
            ChangeKind::ServerChanged => "server-changed",
        }
    }
}

impl std::fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

// Reports sort changes by the kind's name, as they always have.
impl PartialOrd for ChangeKind {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ChangeKind {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Serialize for ChangeKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One change.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Change {
    /// Whether code using the old generated crate may stop compiling or change behaviour.
    pub breaking: bool,
    /// What kind of change (`operation-added`, `parameter-removed`, ...).
    pub kind: ChangeKind,
    /// What it is about (`GET /rest/v2/contacts`, `type Contact`).
    pub target: String,
    /// The change itself.
    pub detail: String,
    /// What a maintainer can do (an entry for `spec/names.yaml`), if anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
}

/// Every change between two specs.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// operationIds that name a different endpoint than before: the silent breaks.
    pub moved: Vec<Change>,
    /// All other changes, sorted.
    pub changes: Vec<Change>,
}

impl Report {
    /// Whether anything breaks a user of the generated crate.
    pub fn breaking(&self) -> bool {
        !self.moved.is_empty() || self.changes.iter().any(|c| c.breaking)
    }

    /// Number of changes of a kind.
    pub fn count(&self, kind: ChangeKind) -> usize {
        self.changes.iter().chain(&self.moved).filter(|c| c.kind == kind).count()
    }

    /// The report as JSON.
    pub fn to_json(&self) -> String {
        let summary = |r: &Report| {
            let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
            for c in r.changes.iter().chain(&r.moved) {
                *kinds.entry(c.kind.as_str()).or_default() += 1;
            }
            kinds
        };
        let value = serde_json::json!({
            "breaking": self.breaking(),
            "summary": summary(self),
            "moved": self.moved,
            "changes": self.changes,
        });
        serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
    }

    /// The report for people: a summary, the moved operationIds loudly, then the rest.
    pub fn to_text(&self, old: &str, new: &str) -> String {
        let mut out = String::new();
        let breaking = self.changes.iter().filter(|c| c.breaking).count() + self.moved.len();
        let _ = writeln!(
            out,
            "Changes from {old} to {new}: {} ({breaking} breaking)",
            self.changes.len() + self.moved.len()
        );
        let kinds = [
            (ChangeKind::OperationAdded, "operations added"),
            (ChangeKind::OperationRemoved, "operations removed"),
            (ChangeKind::OperationRenamed, "operations renamed"),
            (ChangeKind::OperationIdMoved, "methods that now call another endpoint"),
            (ChangeKind::OperationIdReassigned, "operationIds upstream moved to other endpoints"),
            (ChangeKind::ParameterAdded, "parameters added"),
            (ChangeKind::ParameterRemoved, "parameters removed"),
            (ChangeKind::ParameterChanged, "parameters changed"),
            (ChangeKind::BodyChanged, "request bodies changed"),
            (ChangeKind::ResponseChanged, "responses changed"),
            (ChangeKind::TypeAdded, "types added"),
            (ChangeKind::TypeRemoved, "types removed"),
            (ChangeKind::TypeChanged, "types changed (kind or alias target)"),
            (ChangeKind::PropertyAdded, "properties added"),
            (ChangeKind::PropertyRemoved, "properties removed"),
            (ChangeKind::PropertyChanged, "properties changed"),
            (ChangeKind::EnumValueAdded, "enum values added"),
            (ChangeKind::EnumValueRemoved, "enum values removed"),
            (ChangeKind::UnionVariantAdded, "union variants added"),
            (ChangeKind::UnionVariantRemoved, "union variants removed"),
            (ChangeKind::ServerChanged, "servers changed"),
        ];
        for (kind, label) in kinds {
            let n = self.count(kind);
            if n > 0 {
                let _ = writeln!(out, "  {n:>4} {label}");
            }
        }
        let reassigned: Vec<&Change> =
            self.changes.iter().filter(|c| c.kind == ChangeKind::OperationIdReassigned).collect();
        if !reassigned.is_empty() || !self.moved.is_empty() {
            let _ = writeln!(out, "\n!! OPERATION IDS THAT NOW NAME ANOTHER ENDPOINT");
            for c in reassigned {
                let _ = writeln!(out, "!!   upstream {}: {}", c.target, c.detail);
            }
            if self.moved.is_empty() {
                let _ = writeln!(
                    out,
                    "!!   in this crate every method still calls the endpoint it called (renames are listed below)"
                );
            }
            for c in &self.moved {
                let _ = writeln!(out, "!!   {} still compiles but now calls another endpoint: {}", c.target, c.detail);
                if let Some(s) = &c.suggestion {
                    let _ = writeln!(out, "!!     spec/names.yaml: {s}");
                }
            }
        }
        for (title, breaking) in [("Breaking", true), ("Not breaking", false)] {
            let items: Vec<&Change> = self
                .changes
                .iter()
                .filter(|c| c.breaking == breaking && c.kind != ChangeKind::OperationIdReassigned)
                .collect();
            if items.is_empty() {
                continue;
            }
            let _ = writeln!(out, "\n{title}:");
            for c in items {
                let _ = writeln!(out, "  [{}] {}: {}", c.kind.as_str(), c.target, c.detail);
                if let Some(s) = &c.suggestion {
                    let _ = writeln!(out, "      suggestion: {s}");
                }
            }
        }
        out
    }
}

fn change(breaking: bool, kind: ChangeKind, target: impl Into<String>, detail: impl Into<String>) -> Change {
    Change { breaking, kind, target: target.into(), detail: detail.into(), suggestion: None }
}

/// Compares two lowered specs.
pub fn diff(old: &Api, new: &Api) -> Report {
    let mut report = Report::default();
    let c = &mut report.changes;
    if old.base_url != new.base_url {
        c.push(change(
            true,
            ChangeKind::ServerChanged,
            "servers",
            format!("default base URL `{}` → `{}`", old.base_url, new.base_url),
        ));
    }
    // Operations are matched by their path as written, or by the URL they send to with the
    // default base URL, whichever pairs more of them: a spec that moves part of its server
    // URL into its paths (Keap's `.../crm/rest` + `/v2/x` → `.../crm` + `/rest/v2/x`) keeps
    // its operations, and one that changes its server alone (`/v1` → `/v2`) keeps them too.
    let ops = |api: &Api, prefix: &str| -> BTreeMap<(String, String), (String, Operation)> {
        api.tags
            .values()
            .flat_map(|t| {
                t.operations.iter().map(move |o| {
                    ((o.http_method.clone(), format!("{prefix}{}", o.path)), (t.module.clone(), o.clone()))
                })
            })
            .collect()
    };
    let (old_base, new_base) = (url_path(&old.base_url), url_path(&new.base_url));
    let paired = |a: &BTreeMap<(String, String), (String, Operation)>,
                  b: &BTreeMap<(String, String), (String, Operation)>| {
        a.keys().filter(|k| b.contains_key(*k)).count()
    };
    let (as_written, as_sent) = ((ops(old, ""), ops(new, "")), (ops(old, &old_base), ops(new, &new_base)));
    let by_url = paired(&as_sent.0, &as_sent.1) > paired(&as_written.0, &as_written.1);
    let (old_ops, new_ops) = if by_url { as_sent } else { as_written };
    // Endpoints are named as the new spec writes its paths (what `names.yaml` keys).
    let endpoint = |k: &(String, String)| {
        let path = if by_url { k.1.strip_prefix(new_base.as_str()).unwrap_or(&k.1) } else { &k.1 };
        format!("{} {path}", k.0)
    };
    let call = |(module, o): &(String, Operation)| format!("{module}().{}()", o.method_name);
    for (key, (module, o)) in &old_ops {
        match new_ops.get(key) {
            None => c.push(change(
                true,
                ChangeKind::OperationRemoved,
                endpoint(key),
                format!("`{}` (`{}`) is gone", o.api_name, call(&(module.clone(), o.clone()))),
            )),
            Some((new_module, n)) => {
                if o.method_name != n.method_name || module != new_module {
                    let mut ch = change(
                        true,
                        ChangeKind::OperationRenamed,
                        endpoint(key),
                        format!(
                            "operationId `{}` → `{}`: `{}` is now `{}`",
                            o.api_name,
                            n.api_name,
                            call(&(module.clone(), o.clone())),
                            call(&(new_module.clone(), n.clone()))
                        ),
                    );
                    ch.suggestion = Some(format!("operations: {{ \"{}\": {} }}", endpoint(key), o.method_name));
                    c.push(ch);
                }
                diff_operation(&endpoint(key), o, n, c);
            }
        }
    }
    for (key, entry) in &new_ops {
        if !old_ops.contains_key(key) {
            c.push(change(
                false,
                ChangeKind::OperationAdded,
                endpoint(key),
                format!("`{}` (`{}`)", entry.1.api_name, call(entry)),
            ));
        }
    }
    // The silent break: a method that now sends to another endpoint.
    let by_call = |m: &BTreeMap<(String, String), (String, Operation)>| -> BTreeMap<String, (String, String)> {
        m.iter().map(|(k, entry)| (call(entry), k.clone())).collect()
    };
    let (old_calls, new_calls) = (by_call(&old_ops), by_call(&new_ops));
    for (name, old_key) in &old_calls {
        if let Some(new_key) = new_calls.get(name) {
            if new_key != old_key {
                let method = name.split("().").nth(1).unwrap_or(name).trim_end_matches("()");
                let mut ch = change(
                    true,
                    ChangeKind::OperationIdMoved,
                    format!("`{name}`"),
                    format!("sent `{}`, now sends `{}`", endpoint(old_key), endpoint(new_key)),
                );
                ch.suggestion = Some(format!(
                    "operations: {{ \"{}\": {method} }} keeps `{method}` on the endpoint it called (the other one gets a numbered name)",
                    endpoint(old_key)
                ));
                report.moved.push(ch);
            }
        }
    }
    // Upstream reassigned operationIds; what it means for this crate is in the entries above.
    let ids = |m: &BTreeMap<(String, String), (String, Operation)>| -> BTreeMap<String, BTreeSet<String>> {
        let mut ids: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (k, (_, o)) in m {
            ids.entry(o.api_name.clone()).or_default().insert(endpoint(k));
        }
        ids
    };
    let (old_ids, new_ids) = (ids(&old_ops), ids(&new_ops));
    for (id, before) in &old_ids {
        match new_ids.get(id) {
            Some(after) if after != before => {
                let list = |s: &BTreeSet<String>| s.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ");
                report.changes.push(change(
                    false,
                    ChangeKind::OperationIdReassigned,
                    format!("operationId `{id}`"),
                    format!("named {}; now names {}", list(before), list(after)),
                ));
            }
            _ => {}
        }
    }
    let c = &mut report.changes;
    diff_types(old, new, c);
    c.sort();
    report.moved.sort();
    report
}

fn diff_operation(target: &str, o: &Operation, n: &Operation, c: &mut Vec<Change>) {
    // Keyed by the Rust name (the setter or argument code uses), so a parameter Keap renames
    // on the wire (`orderBy` → `order_by`) is one change to the requests, not a removal.
    let params =
        |op: &Operation| -> BTreeMap<String, Param> { op.params.iter().map(|p| (p.name.clone(), p.clone())).collect() };
    let wire = |p: &Param| (format!("{:?}", p.location).to_lowercase(), p.api_name.clone());
    let (op_, np) = (params(o), params(n));
    for (name, p) in &op_ {
        let key = wire(p);
        match np.get(name) {
            None => {
                c.push(change(true, ChangeKind::ParameterRemoved, target, format!("{} parameter `{}`", key.0, key.1)))
            }
            Some(q) => {
                let (pt, qt) = (param_type(p), param_type(q));
                if pt != qt {
                    c.push(change(
                        true,
                        ChangeKind::ParameterChanged,
                        target,
                        format!("{} parameter `{}`: type `{pt}` → `{qt}`", key.0, key.1),
                    ));
                }
                // Same Rust type, another wire form: code compiles, requests change.
                if pt == qt && p.encoding() != q.encoding() {
                    c.push(change(
                        false,
                        ChangeKind::ParameterChanged,
                        target,
                        format!(
                            "{} parameter `{}`: sent as {:?} → {:?} (same Rust type, other wire form)",
                            key.0,
                            key.1,
                            p.encoding(),
                            q.encoding()
                        ),
                    ));
                }
                let to = wire(q);
                if pt == qt && to != key {
                    c.push(change(
                        false,
                        ChangeKind::ParameterChanged,
                        target,
                        format!(
                            "{} parameter `{}` → {} parameter `{}` (same Rust name `{name}` and type; requests change)",
                            key.0, key.1, to.0, to.1
                        ),
                    ));
                }
                if p.required != q.required {
                    let what = if q.required { "optional → required" } else { "required → optional" };
                    c.push(change(
                        true,
                        ChangeKind::ParameterChanged,
                        target,
                        format!("{} parameter `{}`: {what}", key.0, key.1),
                    ));
                }
            }
        }
    }
    for (name, q) in &np {
        if !op_.contains_key(name) {
            let key = wire(q);
            let detail = format!("{} parameter `{}`{}", key.0, key.1, if q.required { " (required)" } else { "" });
            c.push(change(q.required, ChangeKind::ParameterAdded, target, detail));
        }
    }
    let body = |op: &Operation| op.body.as_ref().map(|b| (b.ty.to_string(), b.required));
    if body(o) != body(n) {
        let show = |b: Option<(String, bool)>| {
            b.map_or("none".to_string(), |(t, r)| if r { t } else { format!("optional {t}") })
        };
        c.push(change(
            true,
            ChangeKind::BodyChanged,
            target,
            format!("request body `{}` → `{}`", show(body(o)), show(body(n))),
        ));
    }
    if o.response != n.response {
        c.push(change(
            true,
            ChangeKind::ResponseChanged,
            target,
            format!("response `{}` → `{}`", response(&o.response), response(&n.response)),
        ));
    }
}

fn param_type(p: &Param) -> String {
    match p.style {
        crate::model::Style::Csv | crate::model::Style::Repeat => format!("Vec<{}>", p.ty),
        _ => p.ty.to_string(),
    }
}

fn response(r: &Response) -> String {
    match r {
        Response::Empty => "()".into(),
        Response::Json(t) => t.to_string(),
        Response::Text(_) => "String".into(),
        Response::Bytes(_) => "Vec<u8>".into(),
    }
}

fn diff_types(old: &Api, new: &Api, c: &mut Vec<Change>) {
    for (name, t) in &old.types {
        let target = format!("type {name}");
        let Some(n) = new.types.get(name) else {
            c.push(change(true, ChangeKind::TypeRemoved, target, format!("from `{}`", t.origin)));
            continue;
        };
        match (&t.kind, &n.kind) {
            (TypeKind::Struct { fields: of, .. }, TypeKind::Struct { fields: nf, .. }) => {
                let by_name = |fs: &[crate::model::Field]| -> BTreeMap<String, crate::model::Field> {
                    fs.iter().map(|f| (f.api_name.clone(), f.clone())).collect()
                };
                let (o, nn) = (by_name(of), by_name(nf));
                for (p, f) in &o {
                    match nn.get(p) {
                        None => c.push(change(true, ChangeKind::PropertyRemoved, &target, format!("`{p}`"))),
                        Some(g) => {
                            if f.ty != g.ty {
                                c.push(change(
                                    true,
                                    ChangeKind::PropertyChanged,
                                    &target,
                                    format!("`{p}`: type `{}` → `{}`", f.ty, g.ty),
                                ));
                            }
                            if f.required != g.required {
                                let what = if g.required { "optional → required" } else { "required → optional" };
                                c.push(change(true, ChangeKind::PropertyChanged, &target, format!("`{p}`: {what}")));
                            }
                        }
                    }
                }
                // Breaking even when optional: the struct's fields are public and it is not
                // `#[non_exhaustive]` (literals with `..Default::default()` must keep working),
                // so a literal that names every field no longer compiles.
                for (p, g) in &nn {
                    if !o.contains_key(p) {
                        let why = if g.required { " (required)" } else { " (a literal naming every field needs it)" };
                        c.push(change(true, ChangeKind::PropertyAdded, &target, format!("`{p}`: `{}`{why}", g.ty)));
                    }
                }
            }
            (TypeKind::Enum { variants: ov, .. }, TypeKind::Enum { variants: nv, .. }) => {
                let set = |v: &[crate::model::Variant]| v.iter().map(|x| x.api_name.clone()).collect::<BTreeSet<_>>();
                let (o, nn) = (set(ov), set(nv));
                for v in o.difference(&nn) {
                    c.push(change(true, ChangeKind::EnumValueRemoved, &target, format!("`{v}`")));
                }
                // Not breaking: generated enums are `#[non_exhaustive]`, so every match has a
                // `_` arm already. What changes is where the value decodes.
                for v in nn.difference(&o) {
                    c.push(change(
                        false,
                        ChangeKind::EnumValueAdded,
                        &target,
                        format!("`{v}` (decoded as its own variant now, no longer as `Unknown`)"),
                    ));
                }
            }
            (TypeKind::Union { variants: ov, .. }, TypeKind::Union { variants: nv, .. }) => {
                let set = |v: &[crate::model::UnionVariant]| v.iter().map(|x| x.name.clone()).collect::<BTreeSet<_>>();
                let (o, nn) = (set(ov), set(nv));
                for v in o.difference(&nn) {
                    c.push(change(true, ChangeKind::UnionVariantRemoved, &target, format!("`{v}`")));
                }
                // `#[non_exhaustive]` too; values that matched no variant (`Other`), or one
                // listed earlier, may decode as the new one.
                for v in nn.difference(&o) {
                    c.push(change(
                        false,
                        ChangeKind::UnionVariantAdded,
                        &target,
                        format!("`{v}` (values may decode as it that decoded as `Other` or another variant)"),
                    ));
                }
            }
            (a, b) if kind_name(a) != kind_name(b) => {
                let an = |k: &str| {
                    if k.starts_with(['a', 'e', 'i', 'o', 'u']) {
                        format!("an {k}")
                    } else {
                        format!("a {k}")
                    }
                };
                c.push(change(
                    true,
                    ChangeKind::TypeChanged,
                    &target,
                    format!("was {}, now {}", an(kind_name(a)), an(kind_name(b))),
                ))
            }
            (TypeKind::Alias(a), TypeKind::Alias(b)) if a != b => {
                c.push(change(true, ChangeKind::TypeChanged, &target, format!("alias of `{a}` → `{b}`")))
            }
            _ => {}
        }
    }
    for (name, n) in &new.types {
        if !old.types.contains_key(name) {
            c.push(change(false, ChangeKind::TypeAdded, format!("type {name}"), format!("from `{}`", n.origin)));
        }
    }
}

fn kind_name(k: &TypeKind) -> &'static str {
    match k {
        TypeKind::Struct { .. } => "struct",
        TypeKind::Enum { .. } => "enum",
        TypeKind::Union { .. } => "union",
        TypeKind::Alias(_) => "alias",
        TypeKind::Newtype(_) => "newtype",
    }
}

impl std::fmt::Display for TypeRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TypeRef::Named(n) => f.write_str(n),
            // Ids read as the crate writes them, so a change of record or of number/text shows.
            TypeRef::Prim(Prim::Id { record, number: false }) => write!(f, "{}Id", record.to_upper_camel_case()),
            TypeRef::Prim(Prim::Id { record, number: true }) => write!(f, "NumId<{}>", record.to_upper_camel_case()),
            TypeRef::Prim(p) => write!(f, "{}", format!("{p:?}").to_lowercase()),
            TypeRef::Vec(inner) => write!(f, "Vec<{inner}>"),
            TypeRef::Map(inner) => write!(f, "Map<{inner}>"),
            TypeRef::Json => f.write_str("Json"),
        }
    }
}
