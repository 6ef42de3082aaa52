//! The plain model between the spec and the emitted Rust: every name already decided, every
//! `$ref` resolved, nothing left that needs the spec to interpret.

use std::collections::{BTreeMap, BTreeSet};

/// The cargo feature that turns on every operation group and the standalone types (the
/// default).
pub const ALL_FEATURE: &str = "all";
/// The cargo feature of the types of component schemas no operation uses.
pub const STANDALONE_FEATURE: &str = "standalone_types";
/// Names a group (tag module) may not take, since they name other features of the crate or
/// other modules of `types/`: `default`, [`ALL_FEATURE`], [`STANDALONE_FEATURE`], `shared`
/// and `standalone`, and the runtime's own features in snake case (`serde_tokens`, `redis`).
pub const NOT_GROUP_NAMES: &[&str] = &[
    "default",
    ALL_FEATURE,
    STANDALONE_FEATURE,
    "shared",
    "standalone",
    "serde_tokens",
    "redis",
    "hooks",
    "axum",
    "testing",
];

/// Everything a generated crate is made of.
#[derive(Debug, Clone)]
pub struct Api {
    /// `info.title`.
    pub title: String,
    /// `info.description`.
    pub description: Option<String>,
    /// The first server URL: the client's default base URL.
    pub base_url: String,
    /// Where this spec lives in a crate made of several: `None` at the crate's root (the
    /// first spec of the pin), else its module (`v1`), which also prefixes its cargo
    /// features (`v1_hooks`).
    pub module: Option<String>,
    /// The cargo feature that turns on every group of this spec: [`ALL_FEATURE`] in a crate
    /// of one spec; in a crate of several, the spec's name in the pin (`v2`, `v1`), and
    /// `all` turns on every spec.
    pub umbrella: String,
    /// Whether its structs keep the fields their schemas do not declare (in their map of
    /// extra properties).
    pub keeps_unknown_fields: bool,
    /// Types by Rust name.
    pub types: BTreeMap<String, TypeDef>,
    /// Operation groups by module name.
    pub tags: BTreeMap<String, Tag>,
}

/// A group of operations sharing the spec's first tag: one module and one accessor.
#[derive(Debug, Clone)]
pub struct Tag {
    /// The spec's tag.
    pub api_name: String,
    /// Module and accessor name (`contact`).
    pub module: String,
    /// The handle struct (`ContactApi`).
    pub handle: String,
    /// The tag's description.
    pub doc: Option<String>,
    /// Operations in (path, method) order.
    pub operations: Vec<Operation>,
    /// Where the guide's choice of examples puts it (lower first): Keap's likeliest first
    /// calls, from `lower::keap::KEAP`.
    pub guide_rank: usize,
}

/// One HTTP operation.
#[derive(Debug, Clone)]
pub struct Operation {
    /// `operationId` as written (or derived from method and path when absent).
    pub api_name: String,
    /// Method name (`list_contacts`).
    pub method_name: String,
    /// Builder type name (`ListContacts`).
    pub builder: String,
    /// Upper-case HTTP method.
    pub http_method: String,
    /// Path template as in the spec.
    pub path: String,
    /// The template parsed: text, and placeholders filled by path parameters.
    pub path_segments: Vec<PathSegment>,
    /// Summary line.
    pub summary: Option<String>,
    /// Longer description.
    pub description: Option<String>,
    /// Whether the spec marks it deprecated.
    pub deprecated: bool,
    /// Parameters: path ones in template order, then the rest in spec order.
    pub params: Vec<Param>,
    /// The request body, if any.
    pub body: Option<Body>,
    /// What a success returns.
    pub response: Response,
    /// Declared error statuses.
    pub error_statuses: Vec<String>,
    /// How the operation pages, if it does.
    pub pagination: Option<Pagination>,
    /// The `update_mask` parameter of a partial update, derived from the fields the caller
    /// set when left unset.
    pub update_mask: Option<UpdateMask>,
    /// Whether a create can be an upsert, and where its switch goes.
    pub upsert: Option<Upsert>,
    /// A batch write whose answer reports each record's outcome: a failed record fails
    /// the call (`Error::PartlyFailed`).
    pub per_record: bool,
    /// Security schemes it requires that the spec never declares (a defect, warned about;
    /// the client sends its configured credentials anyway).
    pub undeclared_security: Vec<String>,
    /// Path parameters it declares that its path template lacks (a defect, warned about;
    /// left out of the client, but a mock that checks the spec still asks for them).
    pub stray_path_params: Vec<String>,
    /// Where it is in the spec (`/paths/~1rest~1v2~1contacts/get`).
    pub pointer: String,
    /// Where the request body's schema is defined (under any `$ref` to
    /// `components/requestBodies`), for JSON, form and multipart bodies alike.
    pub body_schema: Option<String>,
}

/// A piece of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    /// Text sent as written (braces of placeholders no parameter fills included).
    Literal(String),
    /// A placeholder, filled by the path parameter of this Rust name.
    Param(String),
}

/// How a partial update's `update_mask` is derived.
#[derive(Debug, Clone)]
pub struct UpdateMask {
    /// Rust name of the `update_mask` parameter.
    pub param: String,
    /// Body fields (wire names) the mask's enum does not list: a derived mask leaves them
    /// out, since the server refuses or ignores them.
    pub unmaskable: Vec<String>,
    /// The setter naming fields to clear (put in the mask, sent without a value).
    pub clear_setter: String,
    /// The setter that sends no mask at all, on purpose (Keap then replaces the record).
    pub replace_setter: String,
}

/// Where a create's upsert switch (Keap's `duplicate_option`) goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upsert {
    /// A parameter, by Rust name (v2: in the query).
    Param(String),
    /// A field of the JSON body, by Rust name (v1).
    BodyField(String),
}

/// A list whose pages can be followed.
#[derive(Debug, Clone)]
pub struct Pagination {
    /// How the next page is asked for.
    pub cursor: Cursor,
    /// Rust name of the field with the items.
    pub items_field: String,
    /// Whether that field is a plain `Vec` (required, not nullable).
    pub items_required: bool,
    /// The item type.
    pub item: TypeRef,
}

/// How a list asks for its next page. Parameters and fields are Rust names; whether each is
/// plain or optional comes from the operation's parameters and `*_required` here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    /// `page_token` in, `next_page_token` out (Keap's v2 lists).
    Token {
        /// The `page_token` parameter.
        param: String,
        /// The `next_page_token` field.
        next_field: String,
        /// Whether that field is a plain `String` (required, not nullable).
        next_required: bool,
    },
    /// `offset` and `limit` in, a total `count` and an absolute `next` URL out (Keap's v1
    /// lists): the next page starts after the items received; the list ends once `count`
    /// items have been received, or (without a count) at a short page or a blank `next`, and
    /// always at an empty page.
    Offset {
        /// The integer `offset` parameter.
        offset: String,
        /// The integer `limit` parameter.
        limit: String,
        /// The `next` field, if the page has one; blank ends the list.
        next_field: Option<String>,
        /// Whether that field is a plain `String`.
        next_required: bool,
        /// The integer `count` field (the total number of matches), if the page has one: the
        /// list ends once that many items have been received.
        count_field: Option<String>,
        /// Whether that field is a plain integer.
        count_required: bool,
    },
}

impl Pagination {
    /// The parameter the pager sets itself.
    pub fn cursor_param(&self) -> &str {
        match &self.cursor {
            Cursor::Token { param, .. } => param,
            Cursor::Offset { offset, .. } => offset,
        }
    }
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamIn {
    /// In the path template.
    Path,
    /// In the query string.
    Query,
    /// A request header.
    Header,
    /// A part of a `multipart/form-data` body.
    Part,
    /// A field of an `application/x-www-form-urlencoded` body.
    Form,
}

/// How an array or object parameter is written into the query string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// One value.
    Single,
    /// `a,b,c` (form, explode false).
    Csv,
    /// `k=a&k=b` (form, explode true).
    Repeat,
    /// An object's properties as `prop=value` pairs (form, explode true).
    Flatten,
    /// `k[prop]=value` (deepObject).
    Deep,
    /// The value as JSON text (`content: application/json` parameters).
    Json,
    /// Keap's `filter` query string: a raw string or a `Filter`, which is checked when the
    /// request is built.
    Filter,
}

/// One parameter.
#[derive(Debug, Clone)]
pub struct Param {
    /// The name on the wire.
    pub api_name: String,
    /// Rust name of the argument or setter.
    pub name: String,
    /// Location.
    pub location: ParamIn,
    /// Serialisation.
    pub style: Style,
    /// Value type (element type for `Csv`/`Repeat`, which hold a `Vec`).
    pub ty: TypeRef,
    /// Required parameters are constructor arguments; the rest are setters.
    pub required: bool,
    /// Whether the value has a plain text form (scalars and enums); others travel as JSON.
    pub scalar: bool,
    /// Integer bounds from the spec (`page_size` maximums); setters clamp to them.
    pub bounds: (Option<i64>, Option<i64>),
    /// Whether the setter takes its element type itself rather than anything `Into` it: the
    /// field names of `fields`, so that `"custom_field"` (a typo) does not compile.
    pub exact: bool,
    /// Description.
    pub doc: Option<String>,
    /// Whether the spec marks it deprecated.
    pub deprecated: bool,
    /// Where its schema is defined (under any `$ref` to `components/parameters`), for path,
    /// query and header parameters; form and multipart fields are described by the
    /// operation's `body_schema`.
    pub schema: Option<String>,
    /// What its schema asks of a value: for a list (`Csv`, `Repeat`), the list's, under any
    /// `$ref` (its `ty` is the items' type).
    pub constraints: Constraints,
}

/// How a parameter's value travels: one runtime call each, so emission only maps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// A path segment, as text.
    Path,
    /// A path segment holding a list, comma-joined.
    PathList,
    /// A path segment holding an object, `simple` style (`k,v,k,v`).
    PathSimple,
    /// A path segment holding JSON text.
    PathJson,
    /// `name=value`.
    Query,
    /// `name=a,b`.
    QueryCsv,
    /// `name=a&name=b`.
    QueryRepeat,
    /// `name=<JSON>`.
    QueryJson,
    /// `name=<JSON>` once per item (lists of objects).
    QueryJsonEach,
    /// An object's properties as `prop=value` pairs.
    QueryObject,
    /// An object's properties as `name[prop]=value` pairs.
    QueryDeepObject,
    /// Keap's `filter` grammar (`FilterArg`, checked before sending).
    Filter,
    /// A header, as text.
    Header,
    /// A header with comma-joined values.
    HeaderCsv,
    /// A header holding an object, `simple` style.
    HeaderSimple,
    /// A header holding JSON text.
    HeaderJson,
    /// A multipart text part.
    Part,
    /// One multipart text part per value.
    PartRepeat,
    /// A multipart part holding JSON text.
    PartJson,
    /// A multipart file part.
    PartFile,
    /// One multipart file part per file.
    PartFiles,
    /// A form field.
    Form,
    /// One form field per value.
    FormRepeat,
    /// A form field holding JSON text.
    FormJson,
}

impl Param {
    /// Whether it is a multipart file (the caller passes a `FilePart`).
    pub fn is_file(&self) -> bool {
        self.location == ParamIn::Part && self.ty == TypeRef::Prim(Prim::Binary)
    }

    /// How this parameter travels, from where it goes, its style and its type.
    pub fn encoding(&self) -> Encoding {
        let list = matches!(self.style, Style::Csv | Style::Repeat);
        let file = self.ty == TypeRef::Prim(Prim::Binary);
        match (self.location, self.style) {
            (ParamIn::Path, Style::Json) => Encoding::PathJson,
            (ParamIn::Path, _) if !self.scalar => Encoding::PathSimple,
            (ParamIn::Path, _) if list => Encoding::PathList,
            (ParamIn::Path, _) => Encoding::Path,
            (ParamIn::Query, Style::Filter) => Encoding::Filter,
            (ParamIn::Query, Style::Json) => Encoding::QueryJson,
            (ParamIn::Query, _) if list && !self.scalar => Encoding::QueryJsonEach,
            (ParamIn::Query, Style::Csv) => Encoding::QueryCsv,
            (ParamIn::Query, Style::Repeat) => Encoding::QueryRepeat,
            (ParamIn::Query, Style::Flatten) => Encoding::QueryObject,
            (ParamIn::Query, Style::Deep) => Encoding::QueryDeepObject,
            (ParamIn::Query, _) if !self.scalar => Encoding::QueryJson,
            (ParamIn::Query, _) => Encoding::Query,
            (ParamIn::Header, Style::Json) => Encoding::HeaderJson,
            (ParamIn::Header, _) if !self.scalar => Encoding::HeaderSimple,
            (ParamIn::Header, _) if list => Encoding::HeaderCsv,
            (ParamIn::Header, _) => Encoding::Header,
            (ParamIn::Part, _) if file && list => Encoding::PartFiles,
            (ParamIn::Part, _) if file => Encoding::PartFile,
            (ParamIn::Part, _) if !self.scalar => Encoding::PartJson,
            (ParamIn::Part, _) if list => Encoding::PartRepeat,
            (ParamIn::Part, _) => Encoding::Part,
            (ParamIn::Form, _) if !self.scalar => Encoding::FormJson,
            (ParamIn::Form, _) if list => Encoding::FormRepeat,
            (ParamIn::Form, _) => Encoding::Form,
        }
    }
}

/// A request body.
#[derive(Debug, Clone)]
pub struct Body {
    /// Media type kind.
    pub kind: BodyKind,
    /// The body's type.
    pub ty: TypeRef,
    /// Whether the spec requires it.
    pub required: bool,
    /// Description.
    pub doc: Option<String>,
    /// The media type (`application/json`, `application/merge-patch+json`, ...).
    pub media: String,
    /// What its schema asks of a value.
    pub constraints: Constraints,
}

impl Body {
    /// The `Content-Type` to send when it is not the encoding's own: `+json` types keep
    /// their name on the wire (`application/merge-patch+json` means something).
    pub fn content_type(&self) -> Option<&str> {
        (self.kind == BodyKind::Json && self.media.ends_with("+json")).then_some(self.media.as_str())
    }
}

/// How a body is encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyKind {
    /// `application/json` (and `+json`).
    Json,
    /// `multipart/form-data`: the type is a struct whose fields become parts.
    Multipart,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// Anything else, sent as bytes with this content type.
    Bytes(String),
}

/// What the success response decodes to.
#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    /// No body (204, 202, or a 2xx without content).
    Empty,
    /// JSON into a type.
    Json(TypeRef),
    /// Text (`text/html`, `text/plain`), with its media type (asked for in `Accept`).
    Text(String),
    /// Raw bytes (`application/octet-stream` and other binary types), with its media type.
    Bytes(String),
}

/// A type as used in a field or parameter.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum TypeRef {
    /// A generated type, by Rust name.
    Named(String),
    /// A scalar.
    Prim(Prim),
    /// `Vec<T>`.
    Vec(Box<TypeRef>),
    /// `BTreeMap<String, T>`.
    Map(Box<TypeRef>),
    /// Any JSON.
    Json,
}

impl TypeRef {
    /// Whether this is one record's id ([`Prim::Id`]): taken as itself, never `Into` it.
    pub fn is_id(&self) -> bool {
        matches!(self, TypeRef::Prim(Prim::Id { .. }))
    }
}

/// Scalars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Prim {
    /// `String`.
    String,
    /// `bool`.
    Bool,
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `f32`.
    F32,
    /// `f64`.
    F64,
    /// `runtime::DateTime` (format date-time).
    DateTime,
    /// `runtime::Date` (format date).
    Date,
    /// `runtime::FilePart` in multipart bodies; base64 string elsewhere.
    Binary,
    /// `runtime::Amount`: money in the currency's main unit, exact (a Keap convention).
    Amount,
    /// `runtime::MinorUnits`: money in the currency's smallest unit (cents).
    MinorUnits,
    /// The id of one kind of record (a Keap convention): `runtime::Id<ids::Contact>` as text
    /// (REST v2), `runtime::NumId<ids::Contact>` as a number (REST v1). `record` is its
    /// snake_case name from the conventions.
    Id {
        /// `contact`, `lead_source`.
        record: &'static str,
        /// Whether the wire holds a number.
        number: bool,
    },
}

/// A generated type.
#[derive(Debug, Clone)]
pub struct TypeDef {
    /// Rust name.
    pub name: String,
    /// Where it comes from in the spec (JSON pointer).
    pub origin: String,
    /// Doc text.
    pub doc: Option<String>,
    /// What it is.
    pub kind: TypeKind,
    /// The cargo features that compile it: the operation groups (tag modules) whose
    /// operations reach it, through parameters, bodies, responses, fields, items and
    /// variants, and [`STANDALONE_FEATURE`] for what no operation reaches (and what that
    /// uses). Never empty once lowered.
    pub groups: BTreeSet<String>,
    /// A component schema's constraints, read through every `$ref` to it; an inline type's
    /// are on the field, parameter, body or variant that defines it.
    pub constraints: Constraints,
}

/// The shapes a generated type takes.
#[derive(Debug, Clone)]
pub enum TypeKind {
    /// A struct with named fields.
    Struct {
        /// Fields in spec order.
        fields: Vec<Field>,
        /// Type of extra properties (`additionalProperties`), collected in a map.
        additional: Option<TypeRef>,
    },
    /// An enum with a fallback for values it does not list: `Unknown(String)` for strings,
    /// `Unknown(i64)` for integers.
    Enum {
        /// Known values (for integers, their decimal text).
        variants: Vec<Variant>,
        /// The values are integers (sent as JSON numbers).
        integer: bool,
    },
    /// `oneOf`/`anyOf`: the first variant that decodes wins; `Other(Value)` catches the rest.
    Union {
        /// Alternatives.
        variants: Vec<UnionVariant>,
        /// The property naming the variant, if the spec gives one.
        discriminator: Option<String>,
    },
    /// `pub type Name = ...;`
    Alias(TypeRef),
    /// `pub struct Name(pub ...);`, for a schema that contains itself (`type: array` of itself).
    Newtype(TypeRef),
}

/// A struct field.
#[derive(Debug, Clone)]
pub struct Field {
    /// Name on the wire.
    pub api_name: String,
    /// Rust name.
    pub name: String,
    /// Value type.
    pub ty: TypeRef,
    /// Required and not nullable: a plain `T`; otherwise `Option<T>`.
    pub required: bool,
    /// Whether `null` is a legal value.
    pub nullable: bool,
    /// Boxed to break a cycle.
    pub boxed: bool,
    /// Description.
    pub doc: Option<String>,
    /// Whether the spec marks it deprecated.
    pub deprecated: bool,
    /// What its schema asks of a value.
    pub constraints: Constraints,
}

/// An enum value.
#[derive(Debug, Clone)]
pub struct Variant {
    /// Value on the wire.
    pub api_name: String,
    /// Rust variant name.
    pub name: String,
}

/// A `oneOf` alternative.
#[derive(Debug, Clone)]
pub struct UnionVariant {
    /// Rust variant name.
    pub name: String,
    /// Discriminator values that select it.
    pub tags: Vec<String>,
    /// Its type.
    pub ty: TypeRef,
    /// Boxed to break a cycle.
    pub boxed: bool,
    /// What its schema asks of a value.
    pub constraints: Constraints,
}

/// What a schema asks of a value beyond its Rust type, as the spec writes it: what the
/// generated crate's tests read to build values a validator of the spec accepts (contract
/// samples) and to find the spec's examples, so that they never read the spec themselves.
/// Recorded by lowering where a schema is used; a `$ref` records only that it is one, and
/// its type's [`TypeDef::constraints`] hold the rest.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Constraints {
    /// Where the schema is in the spec (JSON pointer), to say which example is wrong.
    pub at: String,
    /// A `$ref`: the referenced type's definition holds its constraints.
    pub reference: bool,
    /// Levels of the spec between its user and it that the model does not have.
    pub hops: Hops,
    /// The one part of an `allOf`, `oneOf` or `anyOf` that the model takes as the type
    /// (a wrapper annotating a `$ref`), with the part's own constraints.
    pub part: Option<(Combinator, Box<Constraints>)>,
    /// `type`, as written (`string`, `integer`, ...).
    pub json_type: Option<String>,
    /// `format`, as written.
    pub format: Option<String>,
    /// `pattern`.
    pub pattern: Option<String>,
    /// `minimum`.
    pub minimum: Option<f64>,
    /// `exclusiveMinimum` (3.0's flag; loading turns 3.1's number into it).
    pub exclusive_minimum: bool,
    /// `maximum`.
    pub maximum: Option<f64>,
    /// `exclusiveMaximum`.
    pub exclusive_maximum: bool,
    /// `minLength`.
    pub min_length: Option<usize>,
    /// `maxLength`.
    pub max_length: Option<usize>,
    /// An array's `items`.
    pub items: Option<Box<Constraints>>,
    /// `minItems`.
    pub min_items: Option<usize>,
    /// `uniqueItems`.
    pub unique_items: bool,
    /// `enum`, as JSON values.
    pub values: Option<Vec<serde_json::Value>>,
    /// The spec's `example`.
    pub example: Option<serde_json::Value>,
    /// `default`.
    pub default: Option<serde_json::Value>,
    /// `readOnly`: what the server sends, never part of a request.
    pub read_only: bool,
    /// No value satisfies the schema as written (its enum lists values of another type,
    /// which loading rewrote so that the generated type can hold them).
    pub unsatisfiable: bool,
}

/// Levels of the spec the model flattens away above a schema: `allOf` parts merged into a
/// struct or unwrapped, `$ref`s followed. Walks that stop at a depth count them, so that a
/// merged struct is as deep as the schemas it was made of.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hops {
    /// `allOf` (or `oneOf`/`anyOf`) parts.
    pub parts: usize,
    /// `$ref`s.
    pub refs: usize,
}

/// The keyword of a schema made of parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Combinator {
    /// `allOf`: the value satisfies every part.
    AllOf,
    /// `oneOf` or `anyOf`: the value satisfies one of them.
    OneOf,
}

impl Constraints {
    /// A `$ref` reached through `refs` of them.
    pub fn reference(refs: usize) -> Self {
        Constraints { reference: true, hops: Hops { parts: 0, refs }, ..Default::default() }
    }
}

/// The type under any aliases: the one walk through alias chains, bounded by the number
/// of types (a longer chain must repeat one), so an alias cycle ends the walk instead of
/// looping. Lowering reports such cycles as errors; this keeps every walk finite before
/// and after.
pub fn resolve<'t>(types: &'t BTreeMap<String, TypeDef>, ty: &'t TypeRef) -> &'t TypeRef {
    let mut t = ty;
    for _ in 0..=types.len() {
        match t {
            TypeRef::Named(n) => match types.get(n).map(|d| &d.kind) {
                Some(TypeKind::Alias(inner)) => t = inner,
                _ => break,
            },
            _ => break,
        }
    }
    t
}

/// How a struct field is declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldShape {
    /// Required: `T`, missing or `null` decodes as the default.
    Plain,
    /// Required, but its type has no default to fall back on: `Option<T>`, always sent,
    /// and a required argument of `new()`.
    RequiredOption,
    /// Required and nullable: `Option<T>`, always sent (`null` when empty).
    Nullable,
    /// Optional: `Option<T>`, left out when `None`.
    Optional,
}

/// How a field reads what the server really sends: numbers where the spec says string
/// (Keap's own examples send `"id": 1001`), numeric strings where it says integer (`"-2"`),
/// `null` items in lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoder {
    /// A string that may come as a number.
    String,
    /// A number (or integer enum) that may come as a numeric string.
    Number,
    /// A list of strings whose items may come as numbers; `null` items skipped.
    Strings,
    /// A list whose `null` items are skipped.
    List,
    /// Serde's own, with `null` read as the default for a required field.
    Plain,
}

/// The name of a struct's map of extra properties, clear of its own fields.
pub fn extra_field_name(fields: &[Field]) -> String {
    let mut name = "additional_properties".to_string();
    while fields.iter().any(|f| f.name == name) {
        name.push('_');
    }
    name
}

impl Default for Api {
    fn default() -> Self {
        Api {
            title: String::new(),
            description: None,
            base_url: String::new(),
            module: None,
            umbrella: ALL_FEATURE.to_string(),
            keeps_unknown_fields: false,
            types: BTreeMap::new(),
            tags: BTreeMap::new(),
        }
    }
}

impl Api {
    /// Whether a type implements `Default` (structs do unless they have required fields;
    /// integer enums do not, since no number is a neutral default).
    pub fn defaultable(&self, t: &TypeRef) -> bool {
        match self.resolve(t) {
            TypeRef::Named(n) => match self.types.get(n).map(|t| &t.kind) {
                Some(TypeKind::Struct { fields, .. }) => fields.iter().all(|f| !f.required || f.nullable),
                Some(TypeKind::Enum { integer: true, .. }) => false,
                _ => true,
            },
            // No id is made up: a required id the server leaves out is `None`.
            TypeRef::Prim(Prim::Id { .. }) => false,
            _ => true,
        }
    }

    /// How `f` is declared.
    pub fn field_shape(&self, f: &Field) -> FieldShape {
        match (f.required, f.nullable) {
            (true, false) if self.defaultable(&f.ty) => FieldShape::Plain,
            (true, false) => FieldShape::RequiredOption,
            (true, true) => FieldShape::Nullable,
            (false, _) => FieldShape::Optional,
        }
    }

    /// How `f` is decoded, looking through aliases (`type RemindTime = i32;` reads like
    /// `i32`). Boxed fields use serde's own.
    pub fn field_decoder(&self, f: &Field) -> Decoder {
        if f.boxed {
            return Decoder::Plain;
        }
        let int_enum =
            |n: &str| matches!(self.types.get(n).map(|t| &t.kind), Some(TypeKind::Enum { integer: true, .. }));
        match self.resolve(&f.ty) {
            TypeRef::Prim(Prim::String) => Decoder::String,
            // Money reads like any number: exact or refused, `""` and `null` as `None`.
            TypeRef::Prim(Prim::I32 | Prim::I64 | Prim::F32 | Prim::F64 | Prim::Amount | Prim::MinorUnits) => {
                Decoder::Number
            }
            TypeRef::Named(n) if int_enum(n) => Decoder::Number,
            // v1's numbers read like numbers; v2's text ids read text or numbers themselves.
            TypeRef::Prim(Prim::Id { number: true, .. }) => Decoder::Number,
            TypeRef::Vec(item) if **item == TypeRef::Prim(Prim::String) => Decoder::Strings,
            TypeRef::Vec(_) => Decoder::List,
            _ => Decoder::Plain,
        }
    }

    /// The type under any aliases (see [`resolve`]).
    pub fn resolve<'t>(&'t self, ty: &'t TypeRef) -> &'t TypeRef {
        resolve(&self.types, ty)
    }

    /// All operations, in module order.
    pub fn operations(&self) -> impl Iterator<Item = &Operation> {
        self.tags.values().flat_map(|t| t.operations.iter())
    }

    /// The cargo feature of one of this spec's groups (tag modules, or
    /// [`STANDALONE_FEATURE`]): the group itself at the root, `{module}_{group}` below it.
    pub fn feature(&self, group: &str) -> String {
        match &self.module {
            Some(m) => format!("{m}_{group}"),
            None => group.to_string(),
        }
    }

    /// The features of several groups.
    pub fn features(&self, groups: &BTreeSet<String>) -> BTreeSet<String> {
        groups.iter().map(|g| self.feature(g)).collect()
    }
}
