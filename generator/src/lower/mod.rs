//! Spec → model: resolves every `$ref`, names every type and operation, and decides how
//! each parameter and body travels. Iterates paths and components in sorted order, so
//! their order in the file never changes the output (`tests/pinned.rs` reverses it). A
//! schema's properties and enum values keep the spec's order: that is the order its readers
//! see, and names that collide after sanitising are numbered in it.
//!
//! This file holds the entry point, the reserved names and the `Lowerer` every step shares;
//! each step has its file: `schemas`, `all_of`, `unions`, `operations`, `keap` (Keap's
//! conventions), `cycles`. Submodules share this file's imports (`use super::*`).

use crate::diag::{escape, unescape, Error, Result, Warning};
use crate::model::*;
use crate::naming::{sanitize, Case, Namespace};
use openapiv3::{
    AdditionalProperties, IntegerFormat, NumberFormat, OpenAPI, Parameter, ParameterSchemaOrContent, PathStyle,
    QueryStyle, ReferenceOr, Schema, SchemaKind, StatusCode, StringFormat, Type, VariantOrUnknownOrEmpty,
};
use std::collections::{BTreeMap, BTreeSet};

mod all_of;
mod constraints;
mod cycles;
mod groups;
mod keap;
mod operations;
mod schemas;
mod unions;

pub use operations::template_params;

use cycles::resolve_cycles;
use keap::{field_id, money, undeclared_date};
use schemas::is_empty;
use unions::union_part;

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

/// Where a spec goes in a crate made of several (the default: a crate of its own).
#[derive(Debug, Clone, Default)]
pub struct Place {
    /// Put before every path of the spec, so that all specs' paths are relative to one base
    /// URL (`/rest` for Keap's v1 spec, whose server ends in `/crm/rest` while v2's ends in
    /// `/crm`).
    pub path_prefix: String,
    /// Names this spec's groups may not take: the crate's other modules and features.
    pub reserved: Vec<String>,
    /// Keep the properties a struct's schema does not declare, in its map of extra
    /// properties: for a spec whose answers carry fields its schemas lack (Keap's v1
    /// `Task` and `Appointment` declare no `id`).
    pub keep_unknown_fields: bool,
}

/// Lowers a parsed spec to the model, as a crate of its own.
pub fn lower(doc: &OpenAPI, names: &Names, warnings: &mut Vec<Warning>) -> Result<Api> {
    lower_at(doc, &BTreeSet::new(), names, &Place::default(), warnings)
}

/// Lowers a parsed spec to the model, for its place in a crate. `unsatisfiable` holds where
/// schemas are that no value satisfies as written (see `load::Spec::unsatisfiable`).
pub fn lower_at(
    doc: &OpenAPI,
    unsatisfiable: &BTreeSet<String>,
    names: &Names,
    place: &Place,
    warnings: &mut Vec<Warning>,
) -> Result<Api> {
    let mut l = Lowerer {
        doc,
        unsatisfiable,
        rebase: None,
        place,
        pinned: names,
        types: BTreeMap::new(),
        names: Namespace::with_reserved(RESERVED_TYPES),
        components: BTreeMap::new(),
        warnings,
        merging: BTreeSet::new(),
        id_paths: BTreeMap::new(),
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
        module: None,
        umbrella: ALL_FEATURE.to_string(),
        keeps_unknown_fields: place.keep_unknown_fields,
        types: std::mem::take(&mut l.types),
        tags,
    };
    resolve_cycles(&mut api)?;
    groups::assign(&mut api);
    Ok(api)
}

/// The server URL with `{variables}` replaced by their defaults.
pub fn server_url(s: &openapiv3::Server) -> String {
    let mut url = s.url.clone();
    for (name, var) in s.variables.iter().flatten() {
        url = url.replace(&format!("{{{name}}}"), &var.default);
    }
    url.trim_end_matches('/').to_string()
}

/// The path of a server URL, without a trailing `/` (`/crm` of `https://api.infusionsoft.com/crm/`;
/// empty for a bare host).
pub fn url_path(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.find('/').map_or(String::new(), |i| rest[i..].trim_end_matches('/').to_string())
}

/// An operation as found in the spec: path, method, the operation, and the path item's
/// parameters followed by its own.
type SpecOp<'d> = (String, &'d str, &'d openapiv3::Operation, Vec<&'d ReferenceOr<Parameter>>);

struct Lowerer<'a> {
    doc: &'a OpenAPI,
    /// Where schemas are that no value satisfies as written.
    unsatisfiable: &'a BTreeSet<String>,
    /// While lowering a schema named somewhere else than where it is defined (a `$ref`ed
    /// request body): that pointer and where it is defined.
    rebase: Option<(String, String)>,
    place: &'a Place,
    pinned: &'a Names,
    types: BTreeMap<String, TypeDef>,
    names: Namespace,
    /// Spec schema name → Rust type name.
    components: BTreeMap<String, String>,
    warnings: &'a mut Vec<Warning>,
    /// Components being merged by `allOf`, to stop cycles.
    merging: BTreeSet<String>,
    /// operationId → its (first) path, for naming `_1` twins after what tells them apart.
    id_paths: BTreeMap<String, String>,
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
    /// The parts and `$ref`s it was gathered through.
    hops: Hops,
}

const SCHEMA_PREFIX: &str = "#/components/schemas/";

impl<'a> Lowerer<'a> {
    fn warn(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.warnings.push(Warning { pointer: pointer.into(), line: None, message: message.into(), file: None });
    }

    /// Records a generated type and returns a reference to it.
    fn define(&mut self, name: String, origin: &str, doc: Option<String>, kind: TypeKind) -> TypeRef {
        self.types.insert(
            name.clone(),
            TypeDef {
                name: name.clone(),
                origin: origin.into(),
                doc,
                kind,
                groups: BTreeSet::new(),
                constraints: Constraints::default(),
            },
        );
        TypeRef::Named(name)
    }

    fn claim(&mut self, hint: &Hint) -> String {
        if hint.claimed {
            hint.name.clone()
        } else {
            self.names.claim(sanitize(&hint.name, Case::Pascal))
        }
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
}

mod indexmap_like {
    /// Properties as `openapiv3` stores them.
    pub type Props = indexmap::IndexMap<String, openapiv3::ReferenceOr<Box<openapiv3::Schema>>>;
}
