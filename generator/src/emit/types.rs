//! `types/`: one item per component and inline schema, in a module per operation group
//! (`types/contact.rs`), `types/shared.rs` for types several groups use (each gated on
//! those groups' features) and `types/standalone.rs` for schemas no operation uses; all
//! re-exported from `types`, so every type is `crate::types::Name`.

use super::features::{gate, gate_one, label};
use super::{docs, ty};
use crate::model::{
    extra_field_name, Api, Decoder, Field, FieldShape, Prim, TypeDef, TypeKind, TypeRef, STANDALONE_FEATURE,
};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use std::collections::{BTreeMap, BTreeSet};

/// The module of several groups' types.
const SHARED: &str = "shared";
/// The module of the types only [`STANDALONE_FEATURE`] compiles.
const STANDALONE: &str = "standalone";

/// The module of `types/` a type is written in.
fn module_of(t: &TypeDef) -> &str {
    match (t.groups.len(), t.groups.first()) {
        (1, Some(g)) if g == STANDALONE_FEATURE => STANDALONE,
        (1, Some(g)) => g,
        _ => SHARED,
    }
}

/// The modules of `types/` with the types each holds, in name order.
pub fn modules(api: &Api) -> BTreeMap<&str, Vec<&TypeDef>> {
    let mut out: BTreeMap<&str, Vec<&TypeDef>> = BTreeMap::new();
    for t in api.types.values() {
        out.entry(module_of(t)).or_default().push(t);
    }
    out
}

/// `types/mod.rs`: the modules, each gated on its feature, re-exported.
pub fn mod_rs(api: &Api) -> TokenStream {
    let mods = modules(api).into_keys().map(|m| {
        let id = format_ident!("{}", m);
        let gate = match m {
            // Compiled when any of its types is.
            SHARED => gate(
                api,
                &api.types.values().filter(|t| module_of(t) == SHARED).flat_map(|t| t.groups.clone()).collect(),
            ),
            STANDALONE => gate_one(api, STANDALONE_FEATURE),
            group => gate_one(api, group),
        };
        quote!(#gate mod #id; #gate pub use #id::*;)
    });
    quote! {
        //! Types from the spec's schemas: components by their own names, inline schemas
        //! named after the place they appear (`ContactAddress`, `ListContactsResponse`).
        //! Each is compiled with the features of the operation groups that use it; all are
        //! here, as `types::Name`.
        //!
        //! Decoding is tolerant: every optional field is an `Option`, unknown fields are
        //! ignored, enums keep values they do not know in `Unknown`, a missing or `null`
        //! required field decodes as its default, strings accept numbers and numbers accept
        //! numeric strings, and dates in any format are kept as sent.
        #(#mods)*
    }
}

/// One module of `types/`.
pub fn file_rs(api: &Api, module: &str, defs: &[&TypeDef]) -> TokenStream {
    let here: BTreeSet<&str> = defs.iter().map(|t| t.name.as_str()).collect();
    // Types of other modules are named bare, through the re-exports of `types`.
    let elsewhere = defs.iter().flat_map(|t| uses(t)).any(|n| !here.contains(n));
    let import = elsewhere.then(|| {
        quote!(
            use super::*;
        )
    });
    let intro = match module {
        SHARED => "Types several operation groups use; each is compiled with any of their features.".to_string(),
        STANDALONE => {
            format!("Types of component schemas no operation uses (feature `{}`).", api.feature(STANDALONE_FEATURE))
        }
        group => format!("Types only the `{group}` operations use (feature `{}`).", api.feature(group)),
    };
    let items = defs.iter().map(|t| {
        let item = type_def(api, t);
        if module == SHARED {
            gate_each(item, &gate(api, &t.groups))
        } else {
            item
        }
    });
    // A leading space, so it prints as `//! Types ...`.
    let intro = format!(" {intro}");
    quote! {
        #![doc = #intro]
        #import
        #(#items)*
    }
}

/// How many fields or variants a type has: a rough size of its code.
pub fn members(t: &TypeDef) -> usize {
    match &t.kind {
        TypeKind::Struct { fields, .. } => fields.len(),
        TypeKind::Enum { variants, .. } => variants.len(),
        TypeKind::Union { variants, .. } => variants.len(),
        TypeKind::Alias(_) | TypeKind::Newtype(_) => 1,
    }
}

/// The types a type names directly.
fn uses(t: &TypeDef) -> Vec<&str> {
    fn names<'a>(t: &'a TypeRef, out: &mut Vec<&'a str>) {
        match t {
            TypeRef::Named(n) => out.push(n),
            TypeRef::Vec(i) | TypeRef::Map(i) => names(i, out),
            TypeRef::Prim(_) | TypeRef::Json => {}
        }
    }
    let mut out = Vec::new();
    match &t.kind {
        TypeKind::Struct { fields, additional } => {
            fields.iter().for_each(|f| names(&f.ty, &mut out));
            additional.iter().for_each(|a| names(a, &mut out));
        }
        TypeKind::Union { variants, .. } => variants.iter().for_each(|v| names(&v.ty, &mut out)),
        TypeKind::Alias(i) | TypeKind::Newtype(i) => names(i, &mut out),
        TypeKind::Enum { .. } => {}
    }
    out
}

/// Puts `gate` on every item of `items` (a type and its impls).
fn gate_each(items: TokenStream, gate: &TokenStream) -> TokenStream {
    let file: syn::File = match syn::parse2(items.clone()) {
        Ok(f) => f,
        // Emission only writes items; formatting reports anything else.
        Err(_) => return items,
    };
    let gated = file.items.iter().map(|i| quote!(#gate #i));
    quote!(#(#gated)*)
}

fn type_def(api: &Api, t: &TypeDef) -> TokenStream {
    let name = format_ident!("{}", t.name);
    let doc =
        docs::paragraphs([t.doc.as_deref().unwrap_or(""), &format!("Spec: `{}`", t.origin), &label(api, &t.groups)]);
    match &t.kind {
        TypeKind::Alias(target) => {
            let target = ty(target, true);
            quote!(#doc pub type #name = #target;)
        }
        TypeKind::Newtype(target) => {
            let target = ty(target, true);
            quote! {
                #doc
                #[derive(Clone, Debug, Default, PartialEq)]
                pub struct #name(pub #target);
                impl serde::Serialize for #name {
                    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                        self.0.serialize(s)
                    }
                }
                impl<'de> serde::Deserialize<'de> for #name {
                    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                        serde::Deserialize::deserialize(d).map(Self)
                    }
                }
            }
        }
        TypeKind::Enum { variants, integer } => enum_def(doc, &name, variants, *integer),
        TypeKind::Union { variants, discriminator } => union_def(doc, &name, variants, discriminator.as_deref()),
        TypeKind::Struct { fields, additional } => struct_def(api, t, doc, &name, fields, additional.as_ref()),
    }
}

/// A string or integer enum, with `Unknown` for values this version does not list.
fn enum_def(
    doc: TokenStream,
    name: &proc_macro2::Ident,
    variants: &[crate::model::Variant],
    integer: bool,
) -> TokenStream {
    let vs = variants.iter().map(|v| {
        let vname = format_ident!("{}", v.name);
        let text = if v.name.starts_with("Unknown") {
            format!("`{}`, a value the server sends (not [`Self::Unknown`])", v.api_name.replace('`', "'"))
        } else {
            format!("`{}`", v.api_name.replace('`', "'"))
        };
        let vdoc = docs::line_attr(&text);
        quote!(#vdoc #vname,)
    });
    let table = variants.iter().map(|v| {
        let vname = format_ident!("{}", v.name);
        if integer {
            let value = proc_macro2::Literal::i64_unsuffixed(v.api_name.parse().unwrap_or_default());
            quote!((Self::#vname, #value))
        } else {
            let value = &v.api_name;
            quote!((Self::#vname, #value))
        }
    });
    if integer {
        quote! {
            #doc
            #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
            #[non_exhaustive]
            pub enum #name {
                #(#vs)*
                /// A value this version of the crate does not list. Sent back as the
                /// number it holds; the server may refuse it. A later version that lists
                /// it decodes it as its own variant: match the variant, not this.
                Unknown(i64),
            }
            impl #name {
                /// Every value this version knows, with its wire form.
                pub const VALUES: &[(Self, i64)] = &[#(#table),*];
            }
            crate::runtime::int_enum!(#name);
        }
    } else {
        quote! {
            #doc
            #[derive(Clone, Debug, PartialEq, Eq, Hash)]
            #[non_exhaustive]
            pub enum #name {
                #(#vs)*
                /// A value this version of the crate does not list, kept as received.
                /// Sent back verbatim when encoded; the server may refuse it. A later
                /// version that lists it decodes it as its own variant: match the
                /// variant, not this.
                Unknown(String),
            }
            impl #name {
                /// Every value this version knows, with its wire form.
                pub const VALUES: &[(Self, &str)] = &[#(#table),*];
            }
            crate::runtime::string_enum!(#name);
        }
    }
}

/// A `oneOf`/`anyOf`: one variant per member, `Other` for a value matching none.
fn union_def(
    doc: TokenStream,
    name: &proc_macro2::Ident,
    variants: &[crate::model::UnionVariant],
    discriminator: Option<&str>,
) -> TokenStream {
    let vs = variants.iter().map(|v| {
        let vname = format_ident!("{}", v.name);
        let vty = ty(&v.ty, true);
        if v.boxed {
            quote!(#vname(Box<#vty>),)
        } else {
            quote!(#vname(#vty),)
        }
    });
    let wrap = |v: &crate::model::UnionVariant| {
        let vname = format_ident!("{}", v.name);
        if v.boxed {
            quote!(|v| Self::#vname(Box::new(v)))
        } else {
            quote!(Self::#vname)
        }
    };
    // Dispatch on the discriminator, else the first variant that decodes (as serde's
    // `untagged` would); anything else is kept as `Other`.
    let decode = match discriminator {
        Some(prop) => {
            let arms = variants.iter().filter(|v| !v.tags.is_empty()).map(|v| {
                let tags = &v.tags;
                let wrap = wrap(v);
                quote! {
                    Some(#(#tags)|*) => serde_json::from_value(value.clone()).map(#wrap).unwrap_or(Self::Other(value)),
                }
            });
            quote! {
                Ok(match value.get(#prop).and_then(serde_json::Value::as_str) {
                    #(#arms)*
                    _ => Self::Other(value),
                })
            }
        }
        None => {
            let tries = variants.iter().map(|v| {
                let wrap = wrap(v);
                quote! {
                    if let Ok(v) = serde_json::from_value(value.clone()).map(#wrap) {
                        return Ok(v);
                    }
                }
            });
            quote!(#(#tries)* Ok(Self::Other(value)))
        }
    };
    let encode = variants.iter().map(|v| {
        let vname = format_ident!("{}", v.name);
        quote!(Self::#vname(v) => v.serialize(s),)
    });
    quote! {
        #doc
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        pub enum #name {
            #(#vs)*
            /// A value matching none of the variants above, kept as it came. A later
            /// version with more variants may decode it as one of them.
            Other(serde_json::Value),
        }
        impl Default for #name {
            fn default() -> Self {
                Self::Other(serde_json::Value::Null)
            }
        }
        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self {
                    #(#encode)*
                    Self::Other(v) => v.serialize(s),
                }
            }
        }
        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let value = <serde_json::Value as serde::Deserialize>::deserialize(d)?;
                #decode
            }
        }
    }
}

/// A struct with its constructor and serde impls.
fn struct_def(
    api: &Api,
    t: &TypeDef,
    doc: TokenStream,
    name: &proc_macro2::Ident,
    fields: &[Field],
    additional: Option<&TypeRef>,
) -> TokenStream {
    let fs = fields.iter().map(|f| field(api, f));
    let extra_name = format_ident!("{}", extra_field_name(fields));
    let extra = additional.as_ref().map(|t| {
        let t = ty(t, true);
        quote! {
            /// Properties beyond the ones named above.
            pub #extra_name: std::collections::BTreeMap<String, #t>,
        }
    });
    let required: Vec<&Field> = fields.iter().filter(|f| f.required && !f.nullable).collect();
    let default = if required.is_empty() { quote!(Default,) } else { quote!() };
    // Two required fields of one type (two texts, two contact ids) could swap places in
    // a positional `new` and still compile, so such a type is built from named fields:
    // a struct literal when every field is required, else `new({Type}Required { .. })`.
    let arg_types: Vec<String> = required.iter().map(|f| ty(&f.ty, true).to_string()).collect();
    let swappable = arg_types.iter().enumerate().any(|(i, t)| arg_types[..i].contains(t));
    let all_required = fields.iter().all(|f| matches!(api.field_shape(f), FieldShape::Plain)) && additional.is_none();
    let named = swappable.then(|| format!("{}Required", t.name)).filter(|n| !api.types.contains_key(n));
    let ctor = match (&named, all_required) {
        (_, true) if swappable => None,
        (Some(args_name), false) => {
            Some(required_ctor(api, t, fields, &required, args_name, additional.is_some().then_some(&extra_name)))
        }
        _ => (!required.is_empty()).then(|| {
            // An id is taken as itself, so two ids or an id and a title cannot swap.
            let args = required.iter().map(|f| {
                let n = format_ident!("{}", f.name);
                let t = ty(&f.ty, true);
                if f.ty.is_id() {
                    quote!(#n: #t)
                } else {
                    quote!(#n: impl Into<#t>)
                }
            });
            let inits = fields.iter().map(|f| {
                let n = format_ident!("{}", f.name);
                let value = match (f.boxed, f.ty.is_id()) {
                    (true, _) => quote!(Box::new(#n.into())),
                    (false, true) => quote!(#n),
                    (false, false) => quote!(#n.into()),
                };
                match api.field_shape(f) {
                    FieldShape::Plain if f.ty.is_id() && !f.boxed => quote!(#n),
                    FieldShape::Plain => quote!(#n: #value),
                    FieldShape::RequiredOption => quote!(#n: Some(#value)),
                    FieldShape::Nullable | FieldShape::Optional => quote!(#n: None),
                }
            });
            let extra_init = additional.as_ref().map(|_| quote!(#extra_name: Default::default(),));
            quote! {
                impl #name {
                    /// A value with the required fields set and the others empty.
                    pub fn new(#(#args),*) -> Self {
                        Self { #(#inits,)* #extra_init }
                    }
                }
            }
        }),
    };
    let doc = match (swappable, all_required) {
        (true, true) => docs::paragraphs([
            t.doc.as_deref().unwrap_or(""),
            "Built with a struct literal naming every field: several of them share a type, so a \
             positional constructor could swap them.",
            &format!("Spec: `{}`", t.origin),
            &label(api, &t.groups),
        ]),
        _ => doc,
    };
    let serde = struct_serde(api, t, fields, additional.is_some().then_some(&extra_name));
    quote! {
        #doc
        #[derive(Clone, Debug, #default PartialEq)]
        pub struct #name {
            #(#fs)*
            #extra
        }
        #ctor
        #serde
    }
}

/// `new` taking the required fields by name, in a `{Type}Required` struct of their own: for
/// types whose required fields share a type, so none can take another's place.
fn required_ctor(
    api: &Api,
    t: &TypeDef,
    fields: &[Field],
    required: &[&Field],
    args_name: &str,
    extra: Option<&proc_macro2::Ident>,
) -> TokenStream {
    let name = format_ident!("{}", t.name);
    let args = format_ident!("{}", args_name);
    let arg_fields = required.iter().map(|f| {
        let n = format_ident!("{}", f.name);
        let t = ty(&f.ty, true);
        let doc = docs::paragraphs([f.doc.as_deref().unwrap_or("")]);
        quote!(#doc pub #n: #t,)
    });
    let inits = fields.iter().map(|f| {
        let n = format_ident!("{}", f.name);
        let value = if f.boxed { quote!(Box::new(required.#n)) } else { quote!(required.#n) };
        match api.field_shape(f) {
            FieldShape::Plain => quote!(#n: #value),
            FieldShape::RequiredOption => quote!(#n: Some(#value)),
            FieldShape::Nullable | FieldShape::Optional => quote!(#n: None),
        }
    });
    let extra_init = extra.map(|e| quote!(#e: Default::default(),));
    let doc = format!(
        " The required fields of [`{}`], by name: several share a type, so a positional \
         constructor could swap them.",
        t.name
    );
    quote! {
        #[doc = #doc]
        #[derive(Clone, Debug, PartialEq)]
        pub struct #args {
            #(#arg_fields)*
        }
        impl #name {
            /// A value with the required fields set (by name) and the others empty.
            pub fn new(required: #args) -> Self {
                Self { #(#inits,)* #extra_init }
            }
        }
    }
}

/// `Serialize` and `Deserialize` for a struct, written out rather than derived: one line per
/// field, decoding through `runtime::Fields` (which is what makes them cheap to compile).
/// Fields travel in declaration order; optional ones are left out when `None`; extra
/// properties follow the named ones.
fn struct_serde(api: &Api, t: &TypeDef, fields: &[Field], extra: Option<&proc_macro2::Ident>) -> TokenStream {
    let name = format_ident!("{}", t.name);
    let wire = &t.name;
    let decode = fields.iter().map(|f| {
        let n = format_ident!("{}", f.name);
        let key = &f.api_name;
        let with: TokenStream = decoder(api, f).parse().expect("decoder paths are Rust paths");
        quote!(#n: f.get(#key, #with)?,)
    });
    let decode_extra = extra.map(|e| quote!(#e: f.rest()?,));
    let optional = |f: &Field| api.field_shape(f) == FieldShape::Optional;
    let method = if extra.is_some() { format_ident!("serialize_entry") } else { format_ident!("serialize_field") };
    let encode: Vec<TokenStream> = fields
        .iter()
        .map(|f| {
            let n = format_ident!("{}", f.name);
            let key = &f.api_name;
            if optional(f) {
                quote!(if let Some(v) = &self.#n { o.#method(#key, v)?; })
            } else {
                quote!(o.#method(#key, &self.#n)?;)
            }
        })
        .collect();
    let serialize = match extra {
        // With extra properties the object is a map: its size is not known up front.
        Some(e) => quote! {
            use serde::ser::SerializeMap as _;
            let mut o = s.serialize_map(None)?;
            #(#encode)*
            for (k, v) in &self.#e {
                o.serialize_entry(k, v)?;
            }
            o.end()
        },
        None if fields.is_empty() => quote!(serde::ser::SerializeStruct::end(s.serialize_struct(#wire, 0)?)),
        None => {
            // The number of fields sent: the ones always sent, and each optional one set.
            let fixed = fields.iter().filter(|f| !optional(f)).count();
            let fixed = (fixed > 0).then(|| proc_macro2::Literal::usize_unsuffixed(fixed)).map(|n| quote!(#n));
            let counted = fields.iter().filter(|f| optional(f)).map(|f| {
                let n = format_ident!("{}", f.name);
                quote!(usize::from(self.#n.is_some()))
            });
            let len = fixed.into_iter().chain(counted);
            quote! {
                use serde::ser::SerializeStruct as _;
                let mut o = s.serialize_struct(#wire, #(#len)+*)?;
                #(#encode)*
                o.end()
            }
        }
    };
    let read = if fields.is_empty() && extra.is_none() {
        quote!(crate::runtime::Fields::read(d)?;)
    } else {
        quote!(let mut f = crate::runtime::Fields::read(d)?;)
    };
    let value =
        if fields.is_empty() && extra.is_none() { quote!(Self {}) } else { quote!(Self { #(#decode)* #decode_extra }) };
    quote! {
        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                #serialize
            }
        }
        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                #read
                Ok(#value)
            }
        }
    }
}

/// The runtime function that decodes a field: tolerant of what the server really sends
/// (numbers for strings, numeric strings for numbers, `null` items), by its model decoder
/// and whether the field is an `Option`.
fn decoder(api: &Api, f: &Field) -> &'static str {
    let option = api.field_shape(f) != FieldShape::Plain;
    match (api.field_decoder(f), option) {
        (Decoder::String, false) => "crate::runtime::lenient_string",
        (Decoder::String, true) => "crate::runtime::lenient_option_string",
        (Decoder::Number, false) => "crate::runtime::lenient_number",
        (Decoder::Number, true) => "crate::runtime::lenient_option_number",
        (Decoder::Strings, false) => "crate::runtime::lenient_strings",
        (Decoder::Strings, true) => "crate::runtime::lenient_option_strings",
        (Decoder::List, false) => "crate::runtime::lenient_vec",
        (Decoder::List, true) => "crate::runtime::lenient_option_vec",
        (Decoder::Plain, false) => "crate::runtime::null_as_default",
        (Decoder::Plain, true) => "crate::runtime::plain",
    }
}
fn field(api: &Api, f: &Field) -> TokenStream {
    let name = format_ident!("{}", f.name);
    let mut inner = ty(&f.ty, true);
    if f.boxed {
        inner = quote!(Box<#inner>);
    }
    let shape = api.field_shape(f);
    let note = match (&shape, f.deprecated) {
        (FieldShape::RequiredOption, _) => "Required by the spec; `None` only when the server leaves it out.",
        (_, true) => "Deprecated.",
        _ => "",
    };
    let resolved = api.resolve(&f.ty);
    // Integer enums read like numbers: say which numbers.
    let allowed = match resolved {
        TypeRef::Named(n) => match api.types.get(n).map(|t| &t.kind) {
            Some(TypeKind::Enum { variants, integer: true }) => {
                let values: Vec<String> = variants.iter().map(|v| format!("`{}`", v.api_name)).collect();
                format!("Allowed values: {} (as the spec lists them).", values.join(", "))
            }
            _ => String::new(),
        },
        // Money says its unit, since the spec's number does not.
        TypeRef::Prim(Prim::Amount) => "Money in the currency's main unit (dollars for USD), exact: \
            [`Amount`](crate::runtime::Amount)."
            .to_string(),
        TypeRef::Prim(Prim::MinorUnits) => "Money in the currency's smallest unit (cents for USD): \
            [`MinorUnits`](crate::runtime::MinorUnits)."
            .to_string(),
        _ => String::new(),
    };
    let doc = docs::paragraphs([f.doc.as_deref().unwrap_or(""), &allowed, note]);
    match shape {
        FieldShape::Plain => quote!(#doc pub #name: #inner,),
        FieldShape::RequiredOption | FieldShape::Nullable | FieldShape::Optional => {
            quote!(#doc pub #name: Option<#inner>,)
        }
    }
}
