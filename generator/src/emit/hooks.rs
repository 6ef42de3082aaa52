//! `src/hooks.rs` (the `hooks` feature): the runtime's REST Hooks, and one record source per
//! object type of Keap's deliveries whose records the root spec can fetch: a list filtered by
//! ids where its `filter` documents one (many records per call), else a get by id.

use super::{docs, features, ty};
use crate::model::{Api, Operation, Pagination, ParamIn, Response, Tag, TypeKind, TypeRef};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// Keap's delivery object types, where their records live in REST v2, and the `filter`
/// fields that take a list of ids, in order of preference. A Keap fact, not the spec's: the
/// spec says nothing of hooks. Only sources whose operations the spec has are written. Not
/// `contactGroup` (tags): whether its ids are the tag's or the contact's is undocumented,
/// and fetching the wrong records would go unnoticed.
const OBJECT_TYPES: &[(&str, &str, &[&str])] = &[
    ("affiliate", "/v2/affiliates", &["ids", "affiliate_ids"]),
    ("company", "/v2/companies", &["ids", "company_ids"]),
    ("contact", "/v2/contacts", &["ids", "contact_ids"]),
    ("leadsource", "/v2/leadSources", &["ids"]),
    ("note", "/v2/notes", &["ids"]),
    ("opportunity", "/v2/opportunities", &["ids", "opportunity_ids"]),
    ("order", "/v2/orders", &["ids"]),
    ("product", "/v2/products", &["product_ids", "ids"]),
    ("subscription", "/v2/subscriptions", &["ids"]),
    ("task", "/v2/tasks", &["task_ids", "ids"]),
    ("user", "/v2/users", &["user_ids", "ids"]),
];

/// Ids per call of a list filtered by ids: Keap's largest page is 1,000, but a filter of
/// 1,000 ids makes a URL of about 8 KB, more than some proxies take.
const BATCH: usize = 100;

/// The module: the runtime's hooks re-exported, and `sources`.
pub fn hooks_rs(api: &Api) -> TokenStream {
    let sources = OBJECT_TYPES.iter().filter_map(|(object, path, fields)| source(api, object, path, fields));
    quote! {
        //! REST Hooks: be told about changes instead of polling for them. See the guide's
        //! section "Being told about changes" and [`runtime::hooks`](crate::runtime::hooks).

        pub use crate::runtime::hooks::*;

        /// Where the records of each delivery object type are fetched from, for
        /// [`Changes::fetch`]: one function per object type (`contact()`) whose operations this
        /// crate has, each behind its operation group's feature.
        pub mod sources {
            #(#sources)*
        }
    }
}

/// The functions of `sources` and the feature each needs.
pub fn sources(api: &Api) -> Vec<(String, String)> {
    OBJECT_TYPES
        .iter()
        .filter_map(|(object, path, fields)| {
            let (tag, _) = find(api, path, fields)?;
            Some((heck::ToSnakeCase::to_snake_case(*object), api.feature(&tag.module)))
        })
        .collect()
}

/// How a source fetches: a list filtered by ids (with the filter's field), or a get by id.
enum How<'a> {
    List(&'a Operation, &'a Pagination, &'static str),
    Get(&'a Operation),
}

/// The operation that fetches records at `path`, and its tag.
fn find<'a>(api: &'a Api, path: &str, fields: &[&'static str]) -> Option<(&'a Tag, How<'a>)> {
    let ops = || api.tags.values().flat_map(|t| t.operations.iter().map(move |op| (t, op)));
    // A list whose `filter` documents a field of ids.
    let list = ops().find_map(|(tag, op)| {
        let pages = op.pagination.as_ref()?;
        if op.http_method != "GET" || !op.path.ends_with(path) {
            return None;
        }
        let filter = op.params.iter().find(|p| p.api_name == "filter" && p.location == ParamIn::Query)?;
        let doc = filter.doc.as_deref()?;
        let field = fields.iter().find(|f| doc.contains(&format!("`{f}`")))?;
        items_wire_name(api, op, &pages.items_field)?;
        Some((tag, How::List(op, pages, field)))
    });
    // Else one call per record: `GET {path}/{id}` with a single path parameter.
    list.or_else(|| {
        let (tag, op) =
            ops().find(|(_, op)| by_id(op, path) && matches!(op.response, Response::Json(TypeRef::Named(_))))?;
        Some((tag, How::Get(op)))
    })
}

/// The source of one object type, if the spec has its operations.
fn source(api: &Api, object: &str, path: &str, fields: &[&'static str]) -> Option<TokenStream> {
    let (tag, how) = find(api, path, fields)?;
    let name = format_ident!("{}", heck::ToSnakeCase::to_snake_case(object));
    let gate = features::gate_one(api, &tag.module);
    let feature = api.feature(&tag.module);
    match how {
        How::List(op, pages, field) => {
            let item = ty(&pages.item, false);
            let batch = proc_macro2::Literal::usize_unsuffixed(BATCH);
            let items = items_wire_name(api, op, &pages.items_field)?;
            let (op_id, op_path) = (&op.api_name, &op.path);
            let doc = docs::paragraphs([format!(
                "`{object}` records, {BATCH} per call of `{op_id}` (`GET {op_path}?filter={field}==…`), \
                 following its pages; needs the feature `{feature}`."
            )
            .as_str()]);
            Some(quote! {
                #doc
                #gate
                pub fn #name() -> super::ListByIds<#item> {
                    super::ListByIds::new(#op_id, #object, #op_path, #field, #items).batch_size(#batch)
                }
            })
        }
        How::Get(op) => {
            let Response::Json(record) = &op.response else { return None };
            let record = ty(record, false);
            let param = &op.params.iter().find(|p| p.location == ParamIn::Path)?.api_name;
            let template = op.path.replace(&format!("{{{param}}}"), "{id}");
            let op_id = &op.api_name;
            let doc = docs::paragraphs([format!(
                "`{object}` records, one call of `{op_id}` (`GET {}`) each; needs the feature `{feature}`.",
                op.path
            )
            .as_str()]);
            Some(quote! {
                #doc
                #gate
                pub fn #name() -> super::GetById<#record> {
                    super::GetById::new(#op_id, #object, #template)
                }
            })
        }
    }
}

/// `GET {..}{path}/{param}`: one record by its id.
fn by_id(op: &Operation, path: &str) -> bool {
    let Some((head, last)) = op.path.rsplit_once('/') else { return false };
    op.http_method == "GET"
        && head.ends_with(path)
        && last.starts_with('{')
        && last.ends_with('}')
        && op.params.iter().filter(|p| p.location == ParamIn::Path).count() == 1
}

/// The JSON name of the field with a list's items.
fn items_wire_name(api: &Api, op: &Operation, rust_name: &str) -> Option<String> {
    let Response::Json(TypeRef::Named(page)) = &op.response else { return None };
    let TypeKind::Struct { fields, .. } = &api.types.get(page)?.kind else { return None };
    fields.iter().find(|f| f.name == rust_name).map(|f| f.api_name.clone())
}
