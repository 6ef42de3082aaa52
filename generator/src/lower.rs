//! Spec → model: resolves every `$ref`, names every type and operation, and decides how
//! each parameter and body travels. Iterates the spec in sorted order so output never
//! depends on the order of keys in the file.

use crate::diag::{escape, Error, Result, Warning};
use crate::model::*;
use crate::naming::{sanitize, Case, Namespace};
use openapiv3::{
    AdditionalProperties, IntegerFormat, NumberFormat, OpenAPI, Parameter, ParameterSchemaOrContent, PathStyle,
    QueryStyle, ReferenceOr, Schema, SchemaKind, StatusCode, StringFormat, Type, VariantOrUnknownOrEmpty,
};
use std::collections::{BTreeMap, BTreeSet};

/// Names of the prelude and of what generated code uses unqualified: a type or request
/// builder with one of these names would shadow it, so it gets a number instead.
const RESERVED_TYPES: &[&str] = &[
    "AsMut",
    "AsRef",
    "BTreeMap",
    "Box",
    "Clone",
    "Copy",
    "Debug",
    "Default",
    "Deserialize",
    "DoubleEndedIterator",
    "Drop",
    "Eq",
    "Err",
    "ExactSizeIterator",
    "Extend",
    "Fn",
    "FnMut",
    "FnOnce",
    "From",
    "FromIterator",
    "Hash",
    "Into",
    "IntoIterator",
    "Iterator",
    "None",
    "Ok",
    "Option",
    "Ord",
    "PartialEq",
    "PartialOrd",
    "Result",
    "Send",
    "Serialize",
    "Sized",
    "Some",
    "String",
    "Sync",
    "ToOwned",
    "ToString",
    "TryFrom",
    "TryInto",
    "Unpin",
    "Value",
    "Vec",
];

/// Methods of the generated `Client`; a tag with one of these names gets a number.
const RESERVED_ACCESSORS: &[&str] = &crate::naming::ClientMethod::RESERVED;

/// Methods taking `&self` that `x.name()` would not reach: the prelude's `Into::into` and
/// `TryInto::try_into` take `self` by value, so method lookup finds them first.
const SHADOWED_METHODS: &[&str] = &["into", "try_into"];

/// Rust names a maintainer pins (`spec/names.yaml`), so that upstream renames need not
/// move them.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Names {
    /// `"GET /rest/v2/files/{file_id}/data"` → method name (`get_file_data`).
    #[serde(default)]
    pub operations: BTreeMap<String, String>,
    /// Schema name under `components/schemas` → Rust type name.
    #[serde(default)]
    pub types: BTreeMap<String, String>,
}

/// Lowers a parsed spec to the model.
pub fn lower(doc: &OpenAPI, names: &Names, warnings: &mut Vec<Warning>) -> Result<Api> {
    let mut l = Lowerer {
        doc,
        pinned: names,
        types: BTreeMap::new(),
        names: Namespace::with_reserved(RESERVED_TYPES),
        components: BTreeMap::new(),
        warnings,
        merging: BTreeSet::new(),
    };
    let schemas = doc.components.as_ref().map(|c| &c.schemas);
    let sorted: BTreeMap<&String, &ReferenceOr<Schema>> = schemas.into_iter().flatten().collect();
    // Pinned names first, so derived names step around them.
    for (schema, rust) in &names.types {
        if sorted.contains_key(schema) {
            let rust = l.names.claim(sanitize(rust, Case::Pascal));
            l.components.insert(schema.clone(), rust);
        }
    }
    for name in sorted.keys() {
        if !l.components.contains_key(*name) {
            let rust = l.names.claim(sanitize(name, Case::Pascal));
            l.components.insert(name.to_string(), rust);
        }
    }
    for (name, schema) in &sorted {
        l.component(name, schema)?;
    }
    let tags = l.operations()?;
    let mut api = Api {
        title: doc.info.title.clone(),
        description: doc.info.description.clone(),
        base_url: doc.servers.first().map(server_url).unwrap_or_default(),
        types: std::mem::take(&mut l.types),
        tags,
    };
    resolve_cycles(&mut api)?;
    Ok(api)
}

/// The server URL with `{variables}` replaced by their defaults.
fn server_url(s: &openapiv3::Server) -> String {
    let mut url = s.url.clone();
    for (name, var) in s.variables.iter().flatten() {
        url = url.replace(&format!("{{{name}}}"), &var.default);
    }
    url.trim_end_matches('/').to_string()
}

/// An operation as found in the spec: path, method, the operation, and the path item's
/// parameters followed by its own.
type SpecOp<'d> = (String, &'d str, &'d openapiv3::Operation, Vec<&'d ReferenceOr<Parameter>>);

struct Lowerer<'a> {
    doc: &'a OpenAPI,
    pinned: &'a Names,
    types: BTreeMap<String, TypeDef>,
    names: Namespace,
    /// Spec schema name → Rust type name.
    components: BTreeMap<String, String>,
    warnings: &'a mut Vec<Warning>,
    /// Components being merged by `allOf`, to stop cycles.
    merging: BTreeSet<String>,
}

/// The name a schema's type takes if it needs one: already claimed (components) or a base
/// to claim (inline schemas, named after their parent).
#[derive(Clone)]
struct Hint {
    name: String,
    claimed: bool,
}

impl Hint {
    fn inline(name: String) -> Self {
        Hint { name, claimed: false }
    }
    fn child(&self, suffix: &str) -> Self {
        Hint::inline(format!("{}{}", self.name, sanitize(suffix, Case::Pascal)))
    }
}

/// A property gathered for a struct, possibly from several `allOf` parts.
struct Prop<'s> {
    name: String,
    schema: &'s ReferenceOr<Box<Schema>>,
    pointer: String,
}

const SCHEMA_PREFIX: &str = "#/components/schemas/";

impl<'a> Lowerer<'a> {
    fn warn(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.warnings.push(Warning { pointer: pointer.into(), line: None, message: message.into() });
    }

    /// Records a generated type and returns a reference to it.
    fn define(&mut self, name: String, origin: &str, doc: Option<String>, kind: TypeKind) -> TypeRef {
        self.types.insert(name.clone(), TypeDef { name: name.clone(), origin: origin.into(), doc, kind });
        TypeRef::Named(name)
    }

    fn claim(&mut self, hint: &Hint) -> String {
        if hint.claimed {
            hint.name.clone()
        } else {
            self.names.claim(sanitize(&hint.name, Case::Pascal))
        }
    }

    fn component(&mut self, name: &str, schema: &ReferenceOr<Schema>) -> Result<()> {
        let rust = self.components[name].clone();
        let pointer = format!("/components/schemas/{}", escape(name));
        let hint = Hint { name: rust.clone(), claimed: true };
        let ty = self.schema(schema, &hint, &pointer)?;
        if ty == TypeRef::Named(rust.clone()) && !self.types.contains_key(&rust) {
            return Err(Error::at(pointer, format!("schema `{name}` is only a reference to itself"))
                .hint("give it a type or properties"));
        }
        if ty != TypeRef::Named(rust.clone()) {
            let doc = match schema {
                ReferenceOr::Item(s) => s.schema_data.description.clone(),
                ReferenceOr::Reference { .. } => None,
            };
            self.types.insert(rust.clone(), TypeDef { name: rust, origin: pointer, doc, kind: TypeKind::Alias(ty) });
        }
        Ok(())
    }

    /// Resolves `#/components/schemas/X` to X's spec name.
    fn ref_name<'r>(&self, reference: &'r str, pointer: &str) -> Result<&'r str> {
        match reference.strip_prefix(SCHEMA_PREFIX) {
            Some(name) if !name.contains('/') && self.components.contains_key(&unescape(name)) => Ok(name),
            Some(_) => Err(Error::at(pointer, format!("unresolvable $ref `{reference}`: no such schema"))
                .hint("define the schema under components/schemas or fix the reference")),
            None => Err(Error::at(pointer, format!("unsupported $ref `{reference}`"))
                .hint("keapgen resolves references to `#/components/schemas/<name>`; inline or bundle other targets")),
        }
    }

    fn schema(&mut self, s: &ReferenceOr<Schema>, hint: &Hint, pointer: &str) -> Result<TypeRef> {
        match s {
            ReferenceOr::Reference { reference } => {
                let name = unescape(self.ref_name(reference, pointer)?);
                Ok(TypeRef::Named(self.components[&name].clone()))
            }
            ReferenceOr::Item(item) => self.item(item, hint, pointer),
        }
    }

    fn boxed_schema(&mut self, s: &ReferenceOr<Box<Schema>>, hint: &Hint, pointer: &str) -> Result<TypeRef> {
        match s {
            ReferenceOr::Reference { reference } => {
                self.schema(&ReferenceOr::Reference { reference: reference.clone() }, hint, pointer)
            }
            ReferenceOr::Item(item) => self.item(item, hint, pointer),
        }
    }

    fn item(&mut self, s: &Schema, hint: &Hint, pointer: &str) -> Result<TypeRef> {
        let doc = s.schema_data.description.clone();
        Ok(match &s.schema_kind {
            SchemaKind::Type(Type::String(st)) => {
                let values: Vec<String> = st.enumeration.iter().flatten().cloned().collect();
                if !values.is_empty() {
                    self.enumeration(values, hint, pointer, doc)
                } else {
                    match &st.format {
                        VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => TypeRef::Prim(Prim::DateTime),
                        VariantOrUnknownOrEmpty::Item(StringFormat::Date) => TypeRef::Prim(Prim::Date),
                        VariantOrUnknownOrEmpty::Item(StringFormat::Binary) => TypeRef::Prim(Prim::Binary),
                        _ => TypeRef::Prim(Prim::String),
                    }
                }
            }
            // Integers with listed values (Keap's `remind_time_mins`) are enums, so a value the
            // server refuses cannot be written by accident.
            SchemaKind::Type(Type::Integer(it)) if it.enumeration.iter().any(Option::is_some) => {
                let values = it.enumeration.iter().flatten().map(i64::to_string).collect();
                self.enum_of(values, true, hint, pointer, doc)
            }
            SchemaKind::Type(Type::Integer(it)) => match it.format {
                VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => TypeRef::Prim(Prim::I32),
                _ => TypeRef::Prim(Prim::I64),
            },
            SchemaKind::Type(Type::Number(nt)) => match nt.format {
                VariantOrUnknownOrEmpty::Item(NumberFormat::Float) => TypeRef::Prim(Prim::F32),
                _ => TypeRef::Prim(Prim::F64),
            },
            SchemaKind::Type(Type::Boolean(_)) => TypeRef::Prim(Prim::Bool),
            SchemaKind::Type(Type::Array(at)) => TypeRef::Vec(Box::new(match &at.items {
                Some(items) => self.boxed_schema(items, &hint.child("Item"), &format!("{pointer}/items"))?,
                None => TypeRef::Json,
            })),
            SchemaKind::Type(Type::Object(o)) => {
                let props = o
                    .properties
                    .iter()
                    .map(|(k, v)| Prop {
                        name: k.clone(),
                        schema: v,
                        pointer: format!("{pointer}/properties/{}", escape(k)),
                    })
                    .collect();
                self.object(props, &o.required, o.additional_properties.as_ref(), hint, pointer, doc)?
            }
            SchemaKind::AllOf { all_of } => self.all_of(all_of, None, hint, pointer, doc)?,
            SchemaKind::OneOf { one_of } => {
                self.union(one_of, "oneOf", s.schema_data.discriminator.as_ref(), hint, pointer, doc)?
            }
            SchemaKind::AnyOf { any_of } => {
                self.union(any_of, "anyOf", s.schema_data.discriminator.as_ref(), hint, pointer, doc)?
            }
            SchemaKind::Not { .. } => TypeRef::Json,
            SchemaKind::Any(a) => self.any(a, s, hint, pointer, doc)?,
        })
    }

    /// Schemas `openapiv3` could not file under one kind: mixed keywords.
    fn any(
        &mut self,
        a: &openapiv3::AnySchema,
        s: &Schema,
        hint: &Hint,
        pointer: &str,
        doc: Option<String>,
    ) -> Result<TypeRef> {
        let props = || {
            a.properties
                .iter()
                .map(|(k, v)| Prop {
                    name: k.clone(),
                    schema: v,
                    pointer: format!("{pointer}/properties/{}", escape(k)),
                })
                .collect::<Vec<_>>()
        };
        if !a.all_of.is_empty() {
            return self.all_of(&a.all_of, Some((props(), &a.required)), hint, pointer, doc);
        }
        let (parts, key) = if a.one_of.is_empty() { (&a.any_of, "anyOf") } else { (&a.one_of, "oneOf") };
        if !parts.is_empty() {
            if !a.properties.is_empty() {
                self.warn(
                    format!("{pointer}/properties"),
                    format!("properties beside `{key}` are not merged into its variants"),
                );
            }
            return self.union(parts, key, s.schema_data.discriminator.as_ref(), hint, pointer, doc);
        }
        if let Some(t) =
            a.typ.as_deref().filter(|t| !["object", "array", "string", "integer", "number", "boolean"].contains(t))
        {
            if !a.properties.is_empty() {
                self.warn(format!("{pointer}/type"), format!("unknown type `{t}`; reading it as an object"));
            }
        }
        match a.typ.as_deref() {
            _ if !a.properties.is_empty() => {
                self.object(props(), &a.required, a.additional_properties.as_ref(), hint, pointer, doc)
            }
            Some("object") => self.object(Vec::new(), &[], a.additional_properties.as_ref(), hint, pointer, doc),
            Some("array") => Ok(TypeRef::Vec(Box::new(match &a.items {
                Some(items) => self.boxed_schema(items, &hint.child("Item"), &format!("{pointer}/items"))?,
                None => TypeRef::Json,
            }))),
            Some("string") => {
                let values: Vec<String> = a.enumeration.iter().filter_map(|v| v.as_str().map(String::from)).collect();
                Ok(if values.is_empty() {
                    TypeRef::Prim(Prim::String)
                } else {
                    self.enumeration(values, hint, pointer, doc)
                })
            }
            Some("integer") => {
                let values: Vec<String> =
                    a.enumeration.iter().filter_map(|v| v.as_i64().map(|n| n.to_string())).collect();
                Ok(if values.is_empty() {
                    TypeRef::Prim(if a.format.as_deref() == Some("int32") { Prim::I32 } else { Prim::I64 })
                } else {
                    self.enum_of(values, true, hint, pointer, doc)
                })
            }
            Some("number") => Ok(TypeRef::Prim(Prim::F64)),
            Some("boolean") => Ok(TypeRef::Prim(Prim::Bool)),
            Some(other) => {
                self.warn(
                    format!("{pointer}/type"),
                    format!("unknown type `{other}`; generating an untyped JSON value"),
                );
                Ok(TypeRef::Json)
            }
            None => Ok(TypeRef::Json),
        }
    }

    fn enumeration(&mut self, values: Vec<String>, hint: &Hint, pointer: &str, doc: Option<String>) -> TypeRef {
        self.enum_of(values, false, hint, pointer, doc)
    }

    /// An enum type; `integer` when its values are integers (`5`, `10`).
    fn enum_of(
        &mut self,
        values: Vec<String>,
        integer: bool,
        hint: &Hint,
        pointer: &str,
        doc: Option<String>,
    ) -> TypeRef {
        let name = self.claim(hint);
        let mut ns = Namespace::with_reserved(&["Unknown"]);
        let mut seen = BTreeSet::new();
        let variants = values
            .into_iter()
            .filter(|v| seen.insert(v.clone()))
            .map(|v| {
                // A wire value `UNKNOWN` must not read like the fallback for unlisted values.
                let name = match sanitize(&v, Case::Pascal) {
                    n if n == "Unknown" => "UnknownValue".to_string(),
                    n => n,
                };
                Variant { name: ns.claim(name), api_name: v }
            })
            .collect();
        self.define(name, pointer, doc, TypeKind::Enum { variants, integer })
    }

    fn object(
        &mut self,
        props: Vec<Prop<'_>>,
        required: &[String],
        additional: Option<&AdditionalProperties>,
        hint: &Hint,
        pointer: &str,
        doc: Option<String>,
    ) -> Result<TypeRef> {
        let extra = match additional {
            Some(AdditionalProperties::Schema(s)) => {
                Some(self.schema(s, &hint.child("Value"), &format!("{pointer}/additionalProperties"))?)
            }
            Some(AdditionalProperties::Any(true)) => Some(TypeRef::Json),
            Some(AdditionalProperties::Any(false)) => None,
            None if props.is_empty() => Some(TypeRef::Json),
            None => None,
        };
        if props.is_empty() {
            if let Some(extra) = extra {
                return Ok(TypeRef::Map(Box::new(extra)));
            }
        }
        let name = self.claim(hint);
        let parent = Hint::inline(name.clone());
        let mut ns = Namespace::default();
        let mut fields = Vec::with_capacity(props.len());
        for p in props {
            let mut ty = self.boxed_schema(p.schema, &parent.child(&p.name), &p.pointer)?;
            let data = match p.schema {
                ReferenceOr::Item(s) => Some(&s.schema_data),
                ReferenceOr::Reference { .. } => None,
            };
            if let ReferenceOr::Item(s) = p.schema {
                ty = undeclared_date(&p.name, s).map_or(ty, TypeRef::Prim);
            }
            fields.push(Field {
                name: ns.claim(sanitize(&p.name, Case::Snake)),
                required: required.contains(&p.name),
                nullable: data.is_some_and(|d| d.nullable),
                boxed: false,
                doc: data.and_then(|d| d.description.clone()).or_else(|| data.and_then(|d| d.title.clone())),
                deprecated: data.is_some_and(|d| d.deprecated),
                api_name: p.name,
                ty,
            });
        }
        for r in required {
            if !fields.iter().any(|f| &f.api_name == r) {
                self.warn(format!("{pointer}/required"), format!("`{r}` is required but not a property; ignoring it"));
            }
        }
        Ok(self.define(name, pointer, doc, TypeKind::Struct { fields, additional: extra }))
    }

    fn all_of<'s>(
        &mut self,
        parts: &'s [ReferenceOr<Schema>],
        own: Option<(Vec<Prop<'s>>, &'s Vec<String>)>,
        hint: &Hint,
        pointer: &str,
        doc: Option<String>,
    ) -> Result<TypeRef>
    where
        'a: 's,
    {
        let meaningful: Vec<(usize, &ReferenceOr<Schema>)> =
            parts.iter().enumerate().filter(|(_, p)| !is_empty(p)).collect();
        let own_empty = own.as_ref().is_none_or(|(p, _)| p.is_empty());
        // The common wrapper `allOf: [$ref]` (with a description beside it) is its target.
        if meaningful.len() == 1 && own_empty {
            let (i, part) = meaningful[0];
            return self.schema(part, hint, &format!("{pointer}/allOf/{i}"));
        }
        if own_empty && !meaningful.iter().any(|(_, p)| self.object_like(p)) {
            if let Some((i, part)) = meaningful.first() {
                self.warn(
                    format!("{pointer}/allOf"),
                    "`allOf` of non-objects: using the first part's type, the others' constraints are not checked",
                );
                return self.schema(part, hint, &format!("{pointer}/allOf/{i}"));
            }
        }
        let mut props = Vec::new();
        let mut required = Vec::new();
        let mut additional = None;
        for (i, part) in meaningful {
            self.gather(part, &format!("{pointer}/allOf/{i}"), &mut props, &mut required, &mut additional)?;
        }
        if let Some((own_props, own_required)) = own {
            props.extend(own_props);
            required.extend(own_required.iter().cloned());
        }
        // Later parts override earlier ones, as a merged object would.
        let mut seen = BTreeSet::new();
        let mut merged: Vec<Prop> = props.into_iter().rev().filter(|p| seen.insert(p.name.clone())).collect();
        merged.reverse();
        self.object(merged, &required, additional, hint, pointer, doc)
    }

    /// Whether an `allOf` part describes an object (properties to merge).
    fn object_like(&self, part: &ReferenceOr<Schema>) -> bool {
        let mut current = part;
        for _ in 0..32 {
            match current {
                ReferenceOr::Reference { reference } => {
                    let name = reference.strip_prefix(SCHEMA_PREFIX).map(unescape);
                    match name.and_then(|n| self.doc.components.as_ref()?.schemas.get(&n)) {
                        Some(next) => current = next,
                        None => return false,
                    }
                }
                ReferenceOr::Item(s) => {
                    return match &s.schema_kind {
                        SchemaKind::Type(Type::Object(_)) | SchemaKind::AllOf { .. } => true,
                        SchemaKind::Any(a) => {
                            !a.properties.is_empty() || !a.all_of.is_empty() || a.typ.as_deref() == Some("object")
                        }
                        _ => false,
                    }
                }
            }
        }
        false
    }

    /// Collects the properties an `allOf` part contributes.
    fn gather<'s>(
        &mut self,
        part: &'s ReferenceOr<Schema>,
        pointer: &str,
        props: &mut Vec<Prop<'s>>,
        required: &mut Vec<String>,
        additional: &mut Option<&'s AdditionalProperties>,
    ) -> Result<()>
    where
        'a: 's,
    {
        let (schema, at) = match part {
            ReferenceOr::Reference { reference } => {
                let name = unescape(self.ref_name(reference, pointer)?);
                if !self.merging.insert(name.clone()) {
                    return Err(Error::at(pointer, format!("`allOf` cycle through `{name}`"))
                        .hint("a schema cannot include itself; break the cycle with a property"));
                }
                let target = self.doc.components.as_ref().and_then(|c| c.schemas.get(&name));
                let at = format!("/components/schemas/{}", escape(&name));
                let result = match target {
                    Some(t) => self.gather(t, &at, props, required, additional),
                    None => Ok(()),
                };
                self.merging.remove(&name);
                return result;
            }
            ReferenceOr::Item(s) => (s, pointer.to_string()),
        };
        let mut take = |p: &'s indexmap_like::Props, req: &'s [String], ap: Option<&'s AdditionalProperties>| {
            for (k, v) in p {
                props.push(Prop { name: k.clone(), schema: v, pointer: format!("{at}/properties/{}", escape(k)) });
            }
            required.extend(req.iter().cloned());
            if ap.is_some() {
                *additional = ap;
            }
        };
        match &schema.schema_kind {
            SchemaKind::Type(Type::Object(o)) => take(&o.properties, &o.required, o.additional_properties.as_ref()),
            SchemaKind::Any(a) => {
                take(&a.properties, &a.required, a.additional_properties.as_ref());
                for (i, sub) in a.all_of.iter().enumerate() {
                    self.gather(sub, &format!("{at}/allOf/{i}"), props, required, additional)?;
                }
            }
            SchemaKind::AllOf { all_of } => {
                for (i, sub) in all_of.iter().enumerate() {
                    self.gather(sub, &format!("{at}/allOf/{i}"), props, required, additional)?;
                }
            }
            _ => self.warn(&at, "`allOf` part is not an object; its constraints are not merged"),
        }
        Ok(())
    }

    fn union(
        &mut self,
        parts: &[ReferenceOr<Schema>],
        key: &str,
        discriminator: Option<&openapiv3::Discriminator>,
        hint: &Hint,
        pointer: &str,
        doc: Option<String>,
    ) -> Result<TypeRef> {
        let meaningful: Vec<(usize, &ReferenceOr<Schema>)> =
            parts.iter().enumerate().filter(|(_, p)| !is_empty(p)).collect();
        // `oneOf: [X, {type: 'null'}]` is a nullable X.
        if meaningful.len() == 1 && discriminator.is_none() {
            let (i, part) = meaningful[0];
            return self.schema(part, hint, &format!("{pointer}/{key}/{i}"));
        }
        let name = self.claim(hint);
        let parent = Hint::inline(name.clone());
        let mut ns = Namespace::with_reserved(&["Other"]);
        let mut variants = Vec::new();
        for (i, part) in meaningful {
            let at = format!("{pointer}/{key}/{i}");
            let ty = self.schema(part, &parent.child(&format!("Variant{}", i + 1)), &at)?;
            let (vname, spec_name) = match (&ty, part) {
                (TypeRef::Named(n), ReferenceOr::Reference { reference }) => {
                    (n.clone(), reference.strip_prefix(SCHEMA_PREFIX).map(unescape))
                }
                _ => (variant_name(&ty), None),
            };
            let mut tags = Vec::new();
            if let Some(d) = discriminator {
                let reference = match part {
                    ReferenceOr::Reference { reference } => Some(reference.as_str()),
                    ReferenceOr::Item(_) => None,
                };
                tags = d
                    .mapping
                    .iter()
                    .filter(|(_, target)| {
                        Some(target.as_str()) == reference || spec_name.as_deref() == Some(target.as_str())
                    })
                    .map(|(value, _)| value.clone())
                    .collect();
                if tags.is_empty() {
                    tags.extend(spec_name.clone());
                }
                // A value selects the first variant it names.
                tags.retain(|t| !variants.iter().any(|v: &UnionVariant| v.tags.contains(t)));
            }
            variants.push(UnionVariant { name: ns.claim(vname), tags, ty, boxed: false });
        }
        if let Some(d) = discriminator {
            for (value, target) in &d.mapping {
                let named = parts.iter().any(|p| match p {
                    ReferenceOr::Reference { reference } => {
                        reference == target
                            || reference.strip_prefix(SCHEMA_PREFIX).map(unescape).as_deref() == Some(target)
                    }
                    ReferenceOr::Item(_) => false,
                });
                if !named {
                    self.warn(
                        format!("{pointer}/discriminator/mapping/{}", escape(value)),
                        format!("mapping `{value}` names `{target}`, which is none of the `{key}` variants; such values decode as `Other`"),
                    );
                }
            }
        }
        let discriminator = discriminator.map(|d| d.property_name.clone());
        Ok(self.define(name, pointer, doc, TypeKind::Union { variants, discriminator }))
    }

    // ---- operations ----

    fn operations(&mut self) -> Result<BTreeMap<String, Tag>> {
        let doc = self.doc;
        let mut by_tag: BTreeMap<String, Vec<SpecOp>> = BTreeMap::new();
        let sorted: BTreeMap<&String, &ReferenceOr<openapiv3::PathItem>> = doc.paths.paths.iter().collect();
        let mut ids: BTreeMap<&str, String> = BTreeMap::new();
        for (path, item) in sorted {
            let pointer = format!("/paths/{}", escape(path));
            let item = match item {
                ReferenceOr::Item(i) => i,
                ReferenceOr::Reference { .. } => {
                    return Err(
                        Error::at(pointer, "path items by `$ref` are not supported").hint("inline the path item")
                    )
                }
            };
            for (method, op) in item.iter() {
                if let Some(id) = op.operation_id.as_deref() {
                    let at = format!("{pointer}/{method}/operationId");
                    // Keap's 2.0.18 spec has duplicates: keep going, the namer numbers them.
                    if let Some(first) = ids.get(id) {
                        let message =
                            format!("operationId `{id}` is also used at {first}; this one gets a numbered name");
                        self.warn(at, message);
                    } else {
                        ids.insert(id, at);
                    }
                }
                let tag = op.tags.first().cloned().unwrap_or_else(|| "default".into());
                let params = item.parameters.iter().chain(op.parameters.iter()).collect();
                by_tag.entry(tag).or_default().push((path.clone(), method, op, params));
            }
        }
        let mut modules = Namespace::with_reserved(RESERVED_ACCESSORS);
        let mut tags = BTreeMap::new();
        let mut builder_names = BTreeMap::<String, Namespace>::new();
        for (tag, ops) in by_tag {
            let module = modules.claim(sanitize(&tag, Case::Snake));
            // From the module name, so two tags that sanitize alike get distinct handles too.
            let handle = format!("{}Api", sanitize(&module, Case::Pascal));
            let builders = builder_names.entry(module.clone()).or_insert_with(|| {
                let mut reserved = RESERVED_TYPES.to_vec();
                reserved.push(&handle);
                Namespace::with_reserved(&reserved)
            });
            let mut methods = Namespace::with_reserved(SHADOWED_METHODS);
            // Pinned method names are claimed before any derived one.
            let mut forced = BTreeMap::new();
            for (path, method, _, _) in &ops {
                let key = format!("{} {path}", method.to_ascii_uppercase());
                if let Some(name) = self.pinned.operations.get(&key) {
                    let method_name = methods.claim(sanitize(name, Case::Snake));
                    let builder = builders.claim(sanitize(name, Case::Pascal));
                    forced.insert(key, (method_name, builder));
                }
            }
            let mut operations = Vec::new();
            for (path, method, op, params) in ops {
                let key = format!("{} {path}", method.to_ascii_uppercase());
                operations.push(self.operation(
                    &path,
                    method,
                    op,
                    &params,
                    forced.remove(&key),
                    builders,
                    &mut methods,
                )?);
            }
            let doc_text = doc.tags.iter().find(|t| t.name == tag).and_then(|t| t.description.clone());
            tags.insert(module.clone(), Tag { api_name: tag, module, handle, doc: doc_text, operations });
        }
        Ok(tags)
    }

    #[allow(clippy::too_many_arguments, reason = "one call site; the namespaces are the caller's")]
    fn operation(
        &mut self,
        path: &str,
        method: &str,
        op: &openapiv3::Operation,
        params: &[&ReferenceOr<Parameter>],
        forced: Option<(String, String)>,
        builders: &mut Namespace,
        methods: &mut Namespace,
    ) -> Result<Operation> {
        let pointer = format!("/paths/{}/{method}", escape(path));
        let api_name = op.operation_id.clone().unwrap_or_else(|| format!("{method} {path}"));
        let (method_name, builder) = match forced {
            Some(pinned) => pinned,
            None => {
                (methods.claim(sanitize(&api_name, Case::Snake)), builders.claim(sanitize(&api_name, Case::Pascal)))
            }
        };
        let hint = Hint::inline(builder.clone());
        let undeclared_security = self.check_security(op, &pointer);

        // Operation parameters override path-level ones with the same name and location.
        let mut resolved: Vec<(Parameter, String)> = Vec::new();
        for (i, p) in params.iter().enumerate() {
            let at = if i < params.len() - op.parameters.len() {
                format!("/paths/{}/parameters/{i}", escape(path))
            } else {
                format!("{pointer}/parameters/{}", i - (params.len() - op.parameters.len()))
            };
            let p = self.parameter(p, &at)?;
            let key = (p.parameter_data_ref().name.clone(), std::mem::discriminant(&p));
            resolved.retain(|(q, _)| (q.parameter_data_ref().name.clone(), std::mem::discriminant(q)) != key);
            resolved.push((p, at));
        }

        let mut names = Namespace::with_reserved(&["send", "body", "client"]);
        let mut out = Vec::new();
        // Path parameters first, in template order, so constructor arguments read like the URL.
        for segment in template_params(path) {
            let found = resolved
                .iter()
                .position(|(p, _)| matches!(p, Parameter::Path { .. }) && p.parameter_data_ref().name == segment);
            match found {
                Some(i) => {
                    let (p, at) = resolved.remove(i);
                    out.push(self.param(&p, &at, &hint, &mut names)?);
                }
                None => {
                    self.warn(&pointer, format!("path parameter `{segment}` is not declared; taking it as a string"));
                    out.push(Param {
                        name: names.claim(sanitize(&segment, Case::Snake)),
                        api_name: segment,
                        location: ParamIn::Path,
                        style: Style::Single,
                        ty: TypeRef::Prim(Prim::String),
                        required: true,
                        scalar: true,
                        bounds: (None, None),
                        doc: None,
                        deprecated: false,
                    });
                }
            }
        }
        for (p, at) in resolved {
            match p {
                Parameter::Cookie { .. } => {
                    self.warn(at, "cookie parameters are not supported; leaving it out");
                }
                Parameter::Path { .. } => {
                    self.warn(
                        at,
                        format!("path parameter `{}` is not in the path; leaving it out", p.parameter_data_ref().name),
                    );
                }
                _ => out.push(self.param(&p, &at, &hint, &mut names)?),
            }
        }

        let body = match &op.request_body {
            Some(rb) => self.body(rb, &format!("{pointer}/requestBody"), &hint, &mut names, &mut out)?,
            None => None,
        };
        let (response, error_statuses) = self.response(op, &pointer, &hint)?;
        let pagination = self.pagination(&out, &response);
        // A PATCH-style update whose mask can be derived from what the caller set.
        let has_fields = body.as_ref().is_some_and(|b| b.kind == BodyKind::Json)
            || out.iter().any(|p| matches!(p.location, ParamIn::Part | ParamIn::Form));
        // Derived even where the spec requires the mask: a derived mask is always sent (an
        // update that sets nothing is refused), so the requirement holds, and the caller
        // cannot get the mask wrong.
        if let Some(p) = out.iter_mut().find(|p| {
            p.api_name == "update_mask"
                && p.location == ParamIn::Query
                && matches!(p.style, Style::Csv | Style::Repeat)
                && has_fields
        }) {
            p.required = false;
        }
        let clear_setter = names.claim("clear_fields".to_string());
        let replace_setter = names.claim("replace_whole_record".to_string());
        let update_mask = out
            .iter()
            .find(|p| {
                p.api_name == "update_mask"
                    && p.location == ParamIn::Query
                    && matches!(p.style, Style::Csv | Style::Repeat)
            })
            .filter(|_| has_fields)
            .map(|p| {
                // A mask whose values are an enum names only those; other body fields are
                // left out of a derived mask (Keap's users take `title`, masked as `job_title`).
                let allowed = match self.resolve(&p.ty) {
                    TypeRef::Named(n) => match self.types.get(&n).map(|t| &t.kind) {
                        Some(TypeKind::Enum { variants, .. }) => {
                            Some(variants.iter().map(|v| v.api_name.clone()).collect::<Vec<_>>())
                        }
                        _ => None,
                    },
                    _ => None,
                };
                let fields: Vec<String> = match &body {
                    Some(b) => match self.resolve(&b.ty) {
                        TypeRef::Named(n) => match self.types.get(&n).map(|t| &t.kind) {
                            Some(TypeKind::Struct { fields, .. }) => {
                                fields.iter().map(|f| f.api_name.clone()).collect()
                            }
                            _ => Vec::new(),
                        },
                        _ => Vec::new(),
                    },
                    None => out
                        .iter()
                        .filter(|p| matches!(p.location, ParamIn::Part | ParamIn::Form))
                        .map(|p| p.api_name.clone())
                        .collect(),
                };
                let unmaskable = match allowed {
                    Some(allowed) => fields.into_iter().filter(|f| !allowed.contains(f)).collect(),
                    None => Vec::new(),
                };
                UpdateMask { param: p.name.clone(), unmaskable, clear_setter, replace_setter }
            });
        Ok(Operation {
            api_name,
            method_name,
            builder,
            http_method: method.to_ascii_uppercase(),
            path: path.to_string(),
            path_segments: path_segments(path, &out),
            summary: op.summary.clone(),
            description: op.description.clone(),
            deprecated: op.deprecated,
            params: out,
            body,
            response,
            error_statuses,
            pagination,
            update_mask,
            undeclared_security,
        })
    }

    /// A list takes `page_token` and returns `next_page_token` beside exactly one array, or
    /// takes `offset` and `limit` and returns exactly one array (Keap's v1 style). Lists that
    /// return a token but take none do not page.
    fn pagination(&self, params: &[Param], response: &Response) -> Option<Pagination> {
        let query = |name: &str, ok: &dyn Fn(&TypeRef) -> bool| {
            params.iter().find(|p| {
                p.location == ParamIn::Query
                    && p.api_name == name
                    && p.style == Style::Single
                    && ok(&self.resolve(&p.ty))
            })
        };
        let string = |t: &TypeRef| *t == TypeRef::Prim(Prim::String);
        let integer = |t: &TypeRef| matches!(t, TypeRef::Prim(Prim::I32 | Prim::I64));
        let Response::Json(ty) = response else { return None };
        let TypeRef::Named(page) = self.resolve(ty) else { return None };
        let Some(TypeKind::Struct { fields, .. }) = self.types.get(&page).map(|t| &t.kind) else { return None };
        let plain = |f: &Field| f.required && !f.nullable;
        let field = |name: &str| fields.iter().find(|f| f.api_name == name && string(&self.resolve(&f.ty)));
        let cursor = if let (Some(token), Some(next)) = (query("page_token", &string), field("next_page_token")) {
            Cursor::Token { param: token.name.clone(), next_field: next.name.clone(), next_required: plain(next) }
        } else if let (Some(offset), Some(limit)) = (query("offset", &integer), query("limit", &integer)) {
            let next = field("next");
            Cursor::Offset {
                offset: offset.name.clone(),
                limit: limit.name.clone(),
                next_field: next.map(|f| f.name.clone()),
                next_required: next.is_some_and(plain),
            }
        } else {
            return None;
        };
        let mut arrays = fields.iter().filter_map(|f| match self.resolve(&f.ty) {
            TypeRef::Vec(item) if !f.boxed => Some((f, *item)),
            _ => None,
        });
        let (items, item) = arrays.next()?;
        if arrays.next().is_some() {
            return None;
        }
        Some(Pagination { cursor, items_field: items.name.clone(), items_required: plain(items), item })
    }

    fn parameter(&self, p: &ReferenceOr<Parameter>, pointer: &str) -> Result<Parameter> {
        follow(self.doc.components.as_ref().map(|c| &c.parameters), p, "parameters", pointer).cloned()
    }

    fn param(&mut self, p: &Parameter, pointer: &str, hint: &Hint, names: &mut Namespace) -> Result<Param> {
        let data = p.parameter_data_ref();
        let schema = match &data.format {
            ParameterSchemaOrContent::Schema(s) => Some(s.clone()),
            ParameterSchemaOrContent::Content(c) => c.values().next().and_then(|m| m.schema.clone()),
        };
        let ty = match &schema {
            Some(s) => self.schema(s, &hint.child(&data.name), &format!("{pointer}/schema"))?,
            None => TypeRef::Prim(Prim::String),
        };
        let explode = data.explode;
        let json_content = matches!(&data.format,
            ParameterSchemaOrContent::Content(c) if c.keys().any(|m| body_kind(m) == BodyKind::Json));
        let location = match p {
            Parameter::Query { .. } => ParamIn::Query,
            Parameter::Path { style, .. } => {
                if !matches!(style, PathStyle::Simple) {
                    self.warn(pointer, "matrix and label path styles are not supported; sending simple style");
                }
                ParamIn::Path
            }
            Parameter::Header { .. } => ParamIn::Header,
            Parameter::Cookie { .. } => unreachable!("cookie parameters are filtered out before"),
        };
        // Classify by what the type is underneath its aliases.
        let shape = self.resolve(&ty);
        let (style, ty) = match (&shape, p) {
            _ if json_content => (Style::Json, ty),
            (TypeRef::Vec(inner), Parameter::Query { style: QueryStyle::Form, .. }) if explode != Some(false) => {
                (Style::Repeat, (**inner).clone())
            }
            (TypeRef::Vec(inner), Parameter::Query { style, .. }) => {
                if !matches!(style, QueryStyle::Form) {
                    self.warn(pointer, "space- and pipe-delimited arrays are sent comma-separated");
                }
                (Style::Csv, (**inner).clone())
            }
            (TypeRef::Vec(inner), _) => (Style::Csv, (**inner).clone()),
            (_, Parameter::Query { style, .. }) if self.is_object(&shape) => {
                if matches!(style, QueryStyle::DeepObject) {
                    (Style::Deep, ty)
                } else {
                    if explode == Some(false) {
                        self.warn(pointer, "non-exploded object parameters are sent exploded");
                    }
                    (Style::Flatten, ty)
                }
            }
            _ => (Style::Single, ty),
        };
        // Keap's filter grammar gets its builder, checked before sending.
        let style = match (&shape, location) {
            (TypeRef::Prim(Prim::String), ParamIn::Query) if style == Style::Single && data.name == "filter" => {
                Style::Filter
            }
            _ => style,
        };
        let scalar = self.is_scalar(&ty);
        let bounds = match &schema {
            Some(ReferenceOr::Item(Schema { schema_kind: SchemaKind::Type(Type::Integer(it)), .. }))
                if style == Style::Single =>
            {
                (it.minimum, it.maximum)
            }
            _ => (None, None),
        };
        Ok(Param {
            bounds,
            name: names.claim(sanitize(&data.name, Case::Snake)),
            api_name: data.name.clone(),
            location,
            style,
            ty,
            required: data.required || location == ParamIn::Path,
            scalar,
            doc: data.description.clone(),
            deprecated: data.deprecated.unwrap_or(false),
        })
    }

    /// Security schemes an operation requires (its own, else the spec's) that
    /// `components.securitySchemes` never declares: Keap has published such specs. The
    /// client sends the credentials it is configured with either way; a spec-validating
    /// mock refuses the calls.
    fn check_security(&mut self, op: &openapiv3::Operation, pointer: &str) -> Vec<String> {
        let declared = self.doc.components.as_ref().map(|c| &c.security_schemes);
        let mut undeclared = Vec::new();
        let (requirements, at) = match &op.security {
            Some(s) => (s.clone(), format!("{pointer}/security")),
            None => (self.doc.security.clone().unwrap_or_default(), "/security".to_string()),
        };
        for (i, requirement) in requirements.iter().enumerate() {
            for name in requirement.keys() {
                if !declared.is_some_and(|d| d.contains_key(name)) {
                    self.warn(
                        format!("{at}/{i}/{}", escape(name)),
                        format!(
                            "security scheme `{name}` is not declared in `components.securitySchemes`; \
                             the client sends its configured credentials anyway"
                        ),
                    );
                    if !undeclared.contains(name) {
                        undeclared.push(name.clone());
                    }
                }
            }
        }
        undeclared
    }

    /// The type under any aliases.
    fn resolve(&self, ty: &TypeRef) -> TypeRef {
        crate::model::resolve(&self.types, ty).clone()
    }

    /// Whether a type has a plain text form for paths, queries and form fields.
    fn is_scalar(&self, ty: &TypeRef) -> bool {
        match crate::model::resolve(&self.types, ty) {
            TypeRef::Prim(_) | TypeRef::Json => true,
            TypeRef::Named(n) => matches!(self.types.get(n).map(|t| &t.kind), Some(TypeKind::Enum { .. })),
            TypeRef::Vec(inner) => self.is_scalar(inner),
            TypeRef::Map(_) => false,
        }
    }

    /// Whether a type serialises as a JSON object.
    fn is_object(&self, ty: &TypeRef) -> bool {
        match crate::model::resolve(&self.types, ty) {
            TypeRef::Map(_) => true,
            TypeRef::Named(n) => matches!(self.types.get(n).map(|t| &t.kind), Some(TypeKind::Struct { .. })),
            _ => false,
        }
    }

    fn body(
        &mut self,
        rb: &ReferenceOr<openapiv3::RequestBody>,
        pointer: &str,
        hint: &Hint,
        names: &mut Namespace,
        params: &mut Vec<Param>,
    ) -> Result<Option<Body>> {
        let rb = follow(self.doc.components.as_ref().map(|c| &c.request_bodies), rb, "requestBodies", pointer)?.clone();
        let Some((media, mt)) = pick_media(&rb.content) else {
            self.warn(pointer, "request body has no content; sending none");
            return Ok(None);
        };
        let at = format!("{pointer}/content/{}/schema", escape(media));
        let kind = body_kind(media);
        if matches!(kind, BodyKind::Multipart | BodyKind::Form) {
            // Each property becomes a builder argument or setter; binary ones take a file.
            let location = if kind == BodyKind::Multipart { ParamIn::Part } else { ParamIn::Form };
            let ty = match &mt.schema {
                Some(s) => self.schema(s, &hint.child("Body"), &at)?,
                None => TypeRef::Json,
            };
            let Some(TypeDef { kind: TypeKind::Struct { fields, .. }, .. }) = (match &ty {
                TypeRef::Named(n) => self.types.get(n).cloned(),
                _ => None,
            }) else {
                return Err(Error::at(at, format!("a `{media}` body must be an object with properties"))
                    .hint("describe the form fields as properties of an object schema"));
            };
            // The struct stood in for the fields; generated code does not need it.
            if let TypeRef::Named(n) = &ty {
                if !self.components.values().any(|c| c == n) {
                    self.types.remove(n);
                }
            }
            for f in fields {
                let scalar = self.is_scalar(&f.ty);
                params.push(Param {
                    name: names.claim(f.name.clone()),
                    api_name: f.api_name,
                    location,
                    style: if matches!(f.ty, TypeRef::Vec(_)) { Style::Repeat } else { Style::Single },
                    ty: match f.ty {
                        TypeRef::Vec(inner) => *inner,
                        t => t,
                    },
                    required: f.required,
                    scalar,
                    bounds: (None, None),
                    doc: f.doc,
                    deprecated: f.deprecated,
                });
            }
            return Ok(None);
        }
        let ty = match &mt.schema {
            Some(s) => self.schema(s, &hint.child("Body"), &at)?,
            None => TypeRef::Json,
        };
        let media = media.split(';').next().unwrap_or(media).trim().to_string();
        Ok(Some(Body { kind, ty, required: rb.required, doc: rb.description.clone(), media }))
    }

    fn response(&mut self, op: &openapiv3::Operation, pointer: &str, hint: &Hint) -> Result<(Response, Vec<String>)> {
        let mut success = Vec::new();
        let mut errors = Vec::new();
        for (code, r) in &op.responses.responses {
            let (key, ok) = match code {
                StatusCode::Code(c) => (c.to_string(), (200..300).contains(c)),
                StatusCode::Range(r) => (format!("{r}XX"), *r == 2),
            };
            if ok {
                success.push((key, r));
            } else {
                errors.push(key);
            }
        }
        success.sort_by(|a, b| a.0.cmp(&b.0));
        if success.is_empty() {
            if let Some(d) = &op.responses.default {
                success.push(("default".into(), d));
            }
        }
        for (code, r) in success {
            let at = format!("{pointer}/responses/{code}");
            let r = follow(self.doc.components.as_ref().map(|c| &c.responses), r, "responses", &at)?.clone();
            let Some((media, mt)) = pick_media(&r.content) else { continue };
            let response = match body_kind(media) {
                BodyKind::Json => Response::Json(match &mt.schema {
                    Some(s) => {
                        self.schema(s, &hint.child("Response"), &format!("{at}/content/{}/schema", escape(media)))?
                    }
                    None => TypeRef::Json,
                }),
                _ if media.starts_with("text/") => Response::Text(bare_media(media)),
                _ => Response::Bytes(bare_media(media)),
            };
            errors.sort();
            return Ok((response, errors));
        }
        errors.sort();
        Ok((Response::Empty, errors))
    }
}

mod indexmap_like {
    /// Properties as `openapiv3` stores them.
    pub type Props = indexmap::IndexMap<String, openapiv3::ReferenceOr<Box<openapiv3::Schema>>>;
}

/// Follows `$ref`s into `components/<kind>` (also chains of them) to the item.
fn follow<'d, T>(
    map: Option<&'d indexmap::IndexMap<String, ReferenceOr<T>>>,
    first: &'d ReferenceOr<T>,
    kind: &str,
    pointer: &str,
) -> Result<&'d T> {
    let prefix = format!("#/components/{kind}/");
    let mut current = first;
    for _ in 0..32 {
        match current {
            ReferenceOr::Item(t) => return Ok(t),
            ReferenceOr::Reference { reference } => {
                let found = reference.strip_prefix(&prefix).map(unescape).and_then(|n| map?.get(&n));
                current = found.ok_or_else(|| {
                    Error::at(pointer, format!("unresolvable $ref `{reference}`"))
                        .hint(format!("define it under components/{kind}"))
                })?;
            }
        }
    }
    Err(Error::at(pointer, "`$ref` chain does not end (a cycle?)")
        .hint(format!("make one of the components/{kind} entries an object")))
}

/// JSON first, then forms, then whatever comes first.
fn pick_media(content: &indexmap::IndexMap<String, openapiv3::MediaType>) -> Option<(&str, &openapiv3::MediaType)> {
    let rank = |m: &str| match body_kind(m) {
        BodyKind::Json => 0,
        BodyKind::Multipart => 1,
        BodyKind::Form => 2,
        BodyKind::Bytes(_) => 3,
    };
    content.iter().min_by_key(|(m, _)| rank(m)).map(|(m, t)| (m.as_str(), t))
}

pub(crate) fn body_kind(media: &str) -> BodyKind {
    let m = media.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if m == "application/json" || m.ends_with("+json") || m == "*/*" {
        BodyKind::Json
    } else if m == "multipart/form-data" {
        BodyKind::Multipart
    } else if m == "application/x-www-form-urlencoded" {
        BodyKind::Form
    } else {
        BodyKind::Bytes(m)
    }
}

/// Keap leaves `format` off most of its dates (`create_time`, `birth_date`): a plain string
/// named `*_time`, `*_date`, `time` or `date`, whose example (if any) starts with a date, is
/// typed [`Prim::DateTime`] or [`Prim::Date`]. Both keep the text as sent, so a wrong guess
/// costs nothing at decode time.
fn undeclared_date(name: &str, s: &Schema) -> Option<Prim> {
    let SchemaKind::Type(Type::String(st)) = &s.schema_kind else { return None };
    if !matches!(st.format, VariantOrUnknownOrEmpty::Empty) || !st.enumeration.is_empty() || st.pattern.is_some() {
        return None;
    }
    let prim = if name == "time" || name.ends_with("_time") {
        Prim::DateTime
    } else if name == "date" || name.ends_with("_date") {
        Prim::Date
    } else {
        return None;
    };
    let dated = |e: &str| {
        let b = e.as_bytes();
        b.len() >= 10 && b[4] == b'-' && b[7] == b'-' && b[..4].iter().all(u8::is_ascii_digit)
    };
    match &s.schema_data.example {
        Some(serde_json::Value::String(e)) if !dated(e) => None,
        Some(e) if !e.is_string() => None,
        _ => Some(prim),
    }
}

/// A media type without its parameters (`text/html; charset=utf-8` → `text/html`).
fn bare_media(media: &str) -> String {
    media.split(';').next().unwrap_or(media).trim().to_ascii_lowercase()
}

/// A path template as text and placeholders, each placeholder matched to the path
/// parameter with its wire name (one no parameter fills stays text).
fn path_segments(path: &str, params: &[Param]) -> Vec<PathSegment> {
    let mut out = Vec::new();
    let mut rest = path;
    let mut text = String::new();
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| c + open) else { break };
        text.push_str(&rest[..open]);
        let wire = &rest[open + 1..close];
        match params.iter().find(|p| p.location == ParamIn::Path && p.api_name == wire) {
            Some(p) => {
                if !text.is_empty() {
                    out.push(PathSegment::Literal(std::mem::take(&mut text)));
                }
                out.push(PathSegment::Param(p.name.clone()));
            }
            None => text.push_str(&rest[open..=close]),
        }
        rest = &rest[close + 1..];
    }
    text.push_str(rest);
    if !text.is_empty() {
        out.push(PathSegment::Literal(text));
    }
    out
}

/// `{id}` names in a path template, in order.
pub fn template_params(path: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for name in path.split('{').skip(1).filter_map(|s| s.split_once('}').map(|(n, _)| n.to_string())) {
        if !name.is_empty() && !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// Whether a schema says nothing (`{}`, `{description: ...}`, `{nullable: true}`).
fn is_empty(s: &ReferenceOr<Schema>) -> bool {
    matches!(s, ReferenceOr::Item(Schema { schema_kind: SchemaKind::Any(a), .. }) if *a == openapiv3::AnySchema::default())
}

fn unescape(s: &str) -> String {
    s.replace("~1", "/").replace("~0", "~")
}

fn variant_name(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Named(n) => n.clone(),
        TypeRef::Prim(p) => format!("{p:?}"),
        TypeRef::Vec(inner) => format!("{}List", variant_name(inner)),
        TypeRef::Map(inner) => format!("{}Map", variant_name(inner)),
        TypeRef::Json => "Json".into(),
    }
}

/// Whether `ty` names `name`, looking through aliases.
fn mentions(api: &Api, ty: &TypeRef, name: &str, seen: &mut BTreeSet<String>) -> bool {
    match ty {
        TypeRef::Named(n) if n == name => true,
        TypeRef::Named(n) => {
            seen.insert(n.clone())
                && matches!(api.types.get(n).map(|t| &t.kind), Some(TypeKind::Alias(t)) if mentions(api, t, name, seen))
        }
        TypeRef::Vec(inner) | TypeRef::Map(inner) => mentions(api, inner, name, seen),
        TypeRef::Prim(_) | TypeRef::Json => false,
    }
}

/// Boxes fields that would make a type contain itself, and refuses cycles that no value
/// could ever satisfy (every link a required field).
fn resolve_cycles(api: &mut Api) -> Result<()> {
    fn direct(ty: &TypeRef) -> Option<&str> {
        match ty {
            TypeRef::Named(n) => Some(n),
            _ => None,
        }
    }
    let edges: BTreeMap<String, Vec<(String, bool)>> = api
        .types
        .iter()
        .map(|(name, t)| {
            let out = match &t.kind {
                TypeKind::Struct { fields, .. } => fields
                    .iter()
                    .filter_map(|f| direct(&f.ty).map(|n| (n.to_string(), f.required && !f.nullable)))
                    .collect(),
                TypeKind::Union { variants, .. } => {
                    variants.iter().filter_map(|v| direct(&v.ty).map(|n| (n.to_string(), false))).collect()
                }
                TypeKind::Alias(ty) | TypeKind::Newtype(ty) => {
                    direct(ty).map(|n| vec![(n.to_string(), true)]).unwrap_or_default()
                }
                TypeKind::Enum { .. } => Vec::new(),
            };
            (name.clone(), out)
        })
        .collect();
    let reaches = |from: &str, to: &str, required_only: bool| -> bool {
        let mut stack = vec![from.to_string()];
        let mut seen = BTreeSet::new();
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if seen.insert(n.clone()) {
                for (m, req) in edges.get(&n).into_iter().flatten() {
                    if *req || !required_only {
                        stack.push(m.clone());
                    }
                }
            }
        }
        false
    };
    for (name, t) in &api.types {
        for (target, required) in &edges[name] {
            if *required && reaches(target, name, true) {
                if matches!(t.kind, TypeKind::Alias(_) | TypeKind::Newtype(_)) {
                    return Err(Error::at(
                        t.origin.clone(),
                        format!("`{name}` is an alias of itself (via `{target}`)"),
                    )
                    .hint("one schema on the cycle must define a type or properties"));
                }
                return Err(Error::at(
                    t.origin.clone(),
                    format!("`{name}` contains itself through required fields (via `{target}`): no value can be built"),
                )
                .hint("make one field on the cycle optional or nullable"));
            }
        }
    }
    // `pub type A = Vec<A>;` is not Rust: an alias that contains itself becomes a newtype.
    let aliases: Vec<String> = api
        .types
        .iter()
        .filter(
            |(name, t)| matches!(&t.kind, TypeKind::Alias(target) if mentions(api, target, name, &mut BTreeSet::new())),
        )
        .map(|(name, _)| name.clone())
        .collect();
    for name in aliases {
        if let Some(t) = api.types.get_mut(&name) {
            if let TypeKind::Alias(target) = &t.kind {
                t.kind = TypeKind::Newtype(target.clone());
            }
        }
    }
    let boxes: Vec<(String, usize)> = api
        .types
        .iter()
        .flat_map(|(name, t)| match &t.kind {
            TypeKind::Struct { fields, .. } => fields
                .iter()
                .enumerate()
                .filter(|(_, f)| direct(&f.ty).is_some_and(|target| reaches(target, name, false)))
                .map(|(i, _)| (name.clone(), i))
                .collect::<Vec<_>>(),
            TypeKind::Union { variants, .. } => variants
                .iter()
                .enumerate()
                .filter(|(_, v)| direct(&v.ty).is_some_and(|target| reaches(target, name, false)))
                .map(|(i, _)| (name.clone(), i))
                .collect::<Vec<_>>(),
            _ => Vec::new(),
        })
        .collect();
    for (name, i) in boxes {
        match api.types.get_mut(&name).map(|t| &mut t.kind) {
            Some(TypeKind::Struct { fields, .. }) => fields[i].boxed = true,
            Some(TypeKind::Union { variants, .. }) => variants[i].boxed = true,
            _ => {}
        }
    }
    Ok(())
}
