//! `src/ids.rs`: the record kinds whose ids are typed (a Keap convention, see
//! `Conventions::id_records`), one marker type each, for the whole crate (every spec's ids
//! of one record are one kind, so v1's and v2's convert).

use crate::model::{Api, Prim, TypeKind, TypeRef};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use std::collections::BTreeSet;

/// The records whose ids the crate's specs use, by snake_case name.
pub(super) fn records(apis: &[&Api]) -> BTreeSet<&'static str> {
    fn visit(t: &TypeRef, out: &mut BTreeSet<&'static str>) {
        match t {
            TypeRef::Prim(Prim::Id { record, .. }) => {
                out.insert(record);
            }
            TypeRef::Vec(inner) | TypeRef::Map(inner) => visit(inner, out),
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    for api in apis {
        for t in api.types.values() {
            if let TypeKind::Struct { fields, .. } = &t.kind {
                fields.iter().for_each(|f| visit(&f.ty, &mut out));
            }
        }
        for p in api.operations().flat_map(|o| &o.params) {
            visit(&p.ty, &mut out);
        }
    }
    out
}

/// The module, or `None` when no spec has a typed id.
pub(super) fn ids_rs(apis: &[&Api]) -> Option<TokenStream> {
    let records = records(apis);
    if records.is_empty() {
        return None;
    }
    let items = records.iter().map(|r| {
        let words = r.replace('_', " ");
        let marker = format_ident!("{}", heck::ToUpperCamelCase::to_upper_camel_case(*r));
        let alias = format_ident!("{}Id", marker);
        let a = if r.starts_with(['a', 'e', 'i', 'o', 'u']) { "An" } else { "A" };
        let marker_doc = format!(
            " {a} {words}, as a kind of record: [`{alias}`] (text, REST v2) and [`NumId<{marker}>`](NumId) (a number, REST v1) are its ids. Never a value."
        );
        let alias_doc = format!(
            " {a} {words}'s id as text, the way REST v2 writes it: `{alias}::new(\"101\")`, `{alias}::from(101)`, or `{alias}::from(v1_id)` from a [`NumId<{marker}>`](NumId)."
        );
        quote! {
            #[doc = #marker_doc]
            #[derive(Debug)]
            pub enum #marker {}
            impl Record for #marker {
                const NAME: &'static str = #words;
            }
            #[doc = #alias_doc]
            pub type #alias = Id<#marker>;
        }
    });
    Some(quote! {
        //! Ids that cannot be swapped: each kind of Keap record whose ids the specs name
        //! (`contact_id`, `tag_ids`, the `id` of a `Contact`) has a marker type here, and its
        //! ids are [`Id<Contact>`](Id) (alias `ContactId`: text, as REST v2 writes them) or
        //! [`NumId<Contact>`](NumId) (a number, as REST v1 writes them). A call that takes a
        //! contact id refuses a tag id, a title or a bare number at compile time; make one with
        //! `ContactId::new("101")` or `ContactId::from(101)`. v1's and v2's ids of one record
        //! convert explicitly: `ContactId::from(v1_id)` always, `NumId::<Contact>::try_from(v2_id)`
        //! when the text is a number. Ids the specs do not tie to one record stay text or numbers.

        pub use crate::runtime::{Id, IdError, NumId, Record};

        #(#items)*
    })
}
