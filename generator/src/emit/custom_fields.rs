//! Custom fields by name, on the handle of each tag whose record type has a model: a Keap
//! convention (`GET /{records}/model` lists a record type's `custom_fields`; its records
//! are read at `GET /{records}/{id}` and changed at `PATCH /{records}/{id}`, each holding a
//! `custom_fields` list). The work is in `runtime::custom_fields`; this writes the glue.

use super::ty_in;
use crate::model::{Api, Operation, Param, ParamIn, Prim, Response, Style, Tag, TypeKind, TypeRef};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// The field every record and model holds its custom fields in.
const LIST: &str = "custom_fields";

/// `custom_fields()`, `reload_custom_fields()` and, where the operations exist,
/// `custom_field_values(id)` and `set_custom_fields(id, values)`; nothing for a tag without
/// a model.
pub(super) fn methods(api: &Api, tag: &Tag, root: &TokenStream) -> TokenStream {
    let Some((model, collection)) = tag.operations.iter().find_map(|o| model_op(api, o)) else {
        return quote!();
    };
    let Some(record) = singular(collection.rsplit('/').next().unwrap_or_default()) else { return quote!() };
    // One cache entry per spec: v1's definitions have numeric ids, v2's text.
    let key = match &api.module {
        Some(m) => format!("{record} ({m})"),
        None => record.clone(),
    };
    let words = record.replace('_', " ");
    let model_method = format_ident!("{}", model.method_name);
    let load_doc = format!(
        " The {words} custom-field definitions (labels, field names, types, options), loaded with \
         [`{m}`](Self::{m}) the first time and kept in the client (and its clones): later calls \
         send nothing. [`CustomFields::write`](crate::runtime::CustomFields::write) makes a \
         `custom_fields` list to send from labels or field names and typed values; \
         [`CustomFields::read`](crate::runtime::CustomFields::read) reads one.",
        m = model.method_name
    );
    let reload_doc = format!(
        " Forgets the cached {words} custom-field definitions, so the next use loads them again \
         (after fields were added, renamed or given new options in Keap)."
    );
    let read = read_method(api, tag, collection, &words, root);
    let write = write_method(api, tag, collection, &words, root);
    quote! {
        #[doc = #load_doc]
        pub async fn custom_fields(&self) -> Result<std::sync::Arc<crate::runtime::CustomFields>, crate::Error> {
            let load = self.#model_method().send();
            self.client.transport().custom_fields(#key, load).await
        }
        #[doc = #reload_doc]
        pub async fn reload_custom_fields(&self) {
            self.client.transport().forget_custom_fields(#key).await;
        }
        #read
        #write
    }
}

/// The operation that reads the model, and the collection path it belongs to
/// (`/rest/v2/contacts`).
fn model_op<'a>(api: &Api, op: &'a Operation) -> Option<(&'a Operation, &'a str)> {
    let collection = op.path.strip_suffix("/model")?;
    let simple = op.http_method == "GET" && !op.params.iter().any(|p| p.required) && op.body.is_none();
    (simple && returns_list(api, &op.response)).then_some((op, collection))
}

/// Whether a JSON response is a struct with a `custom_fields` field.
fn returns_list(api: &Api, response: &Response) -> bool {
    let Response::Json(TypeRef::Named(name)) = response else { return false };
    struct_has_list(api, name)
}

fn struct_has_list(api: &Api, name: &str) -> bool {
    matches!(api.types.get(name).map(|t| &t.kind), Some(TypeKind::Struct { fields, .. })
        if fields.iter().any(|f| f.api_name == LIST && matches!(f.ty, TypeRef::Vec(_))))
}

/// `contacts` → `contact`, `companies` → `company`.
fn singular(segment: &str) -> Option<String> {
    let snake = heck::ToSnakeCase::to_snake_case(segment);
    match snake.strip_suffix("ies") {
        Some(stem) => Some(format!("{stem}y")),
        None => snake.strip_suffix('s').map(str::to_string),
    }
}

/// The one required path parameter of `GET|PATCH {collection}/{id}`.
fn record_op<'a>(tag: &'a Tag, collection: &str, method: &str) -> Option<(&'a Operation, &'a Param)> {
    tag.operations.iter().find_map(|o| {
        let rest = o.path.strip_prefix(collection)?.strip_prefix("/{")?.strip_suffix('}')?;
        let required: Vec<&Param> = o.params.iter().filter(|p| p.required).collect();
        match required.as_slice() {
            [p] if o.http_method == method
                && !rest.contains('/')
                && p.location == ParamIn::Path
                && p.api_name == rest
                && p.style == Style::Single =>
            {
                Some((o, *p))
            }
            _ => None,
        }
    })
}

/// How a read of one record asks for its custom fields (the parameter it has: `fields`
/// with a `custom_fields` value, or v1's free `optional_properties`; nothing when it has
/// neither, and the server's default answer is read), and the answer's list field.
fn read_parts(api: &Api, op: &Operation, root: &TokenStream) -> Option<(TokenStream, proc_macro2::Ident)> {
    let Response::Json(TypeRef::Named(answer)) = &op.response else { return None };
    let Some(TypeKind::Struct { fields, .. }) = api.types.get(answer).map(|t| &t.kind) else { return None };
    let list = format_ident!("{}", fields.iter().find(|f| f.api_name == LIST)?.name);
    let ask = op.params.iter().find_map(|p| {
        let setter = format_ident!("{}", p.name);
        match (&p.ty, p.api_name.as_str()) {
            (TypeRef::Named(e), _) if p.exact => {
                let TypeKind::Enum { variants, .. } = &api.types.get(e)?.kind else { return None };
                let v = variants.iter().find(|v| v.api_name == LIST)?;
                let (e, v) = (ty_in(&TypeRef::Named(e.clone()), false, root), format_ident!("{}", v.name));
                Some(quote!(.#setter([#e::#v])))
            }
            (TypeRef::Prim(Prim::String), "optional_properties" | "fields") => Some(quote!(.#setter([#LIST]))),
            _ => None,
        }
    });
    Some((ask.unwrap_or_default(), list))
}

/// The helper's id argument: the operation's own id type, or text.
fn id_arg(id: &Param, root: &TokenStream) -> Option<TokenStream> {
    match &id.ty {
        TypeRef::Prim(Prim::Id { .. }) => Some(ty_in(&id.ty, false, root)),
        TypeRef::Prim(Prim::String) => Some(quote!(String)),
        _ => None,
    }
}

/// `custom_field_values(id)`: the record read with its custom fields asked for.
fn read_method(api: &Api, tag: &Tag, collection: &str, words: &str, root: &TokenStream) -> TokenStream {
    let Some((op, id)) = record_op(tag, collection, "GET") else { return quote!() };
    let Some(((ask, list), arg_ty)) = read_parts(api, op, root).zip(id_arg(id, root)) else { return quote!() };
    let get = format_ident!("{}", op.method_name);
    let arg = format_ident!("{}", id.name);
    let doc = format!(
        " The custom-field values of one {words}, read by label or field name: sends \
         [`{m}`](Self::{m}) asking for its `custom_fields` (the definitions are loaded once, with \
         [`custom_fields`](Self::custom_fields)).",
        m = op.method_name
    );
    quote! {
        #[doc = #doc]
        pub async fn custom_field_values(&self, #arg: #arg_ty) -> Result<crate::runtime::CustomValues, crate::Error> {
            let fields = self.custom_fields().await?;
            let record = self.#get(#arg) #ask .send().await?;
            fields.read(&record.#list).map_err(crate::Error::CustomField)
        }
    }
}

/// `set_custom_fields(id, values)`: reads the record's custom fields, then a partial update
/// whose body sets only `custom_fields` (so its derived `update_mask`, where the operation
/// has one, names only them) to that list with the named ones changed, since a list sent
/// replaces the record's.
fn write_method(api: &Api, tag: &Tag, collection: &str, words: &str, root: &TokenStream) -> TokenStream {
    let Some((op, id)) = record_op(tag, collection, "PATCH") else { return quote!() };
    let Some((get, _)) = record_op(tag, collection, "GET") else { return quote!() };
    let Some(((ask, read_list), arg_ty)) = read_parts(api, get, root).zip(id_arg(id, root)) else { return quote!() };
    let get = format_ident!("{}", get.method_name);
    let Some(body) = op.body.as_ref().filter(|b| b.kind == crate::model::BodyKind::Json) else { return quote!() };
    let TypeRef::Named(body_name) = &body.ty else { return quote!() };
    let Some(TypeKind::Struct { fields, .. }) = api.types.get(body_name).map(|t| &t.kind) else { return quote!() };
    // The body must be buildable with only `custom_fields` set.
    let list = fields.iter().find(|f| f.api_name == LIST && matches!(f.ty, TypeRef::Vec(_)));
    let Some(list) = list.filter(|_| fields.iter().all(|f| !f.required)) else { return quote!() };
    let field = format_ident!("{}", list.name);
    let body_ty = ty_in(&body.ty, false, root);
    let update = format_ident!("{}", op.method_name);
    let arg = format_ident!("{}", id.name);
    // Asked for, a list left out is an empty one (a record without values); not asked
    // for, it may be a list not sent, and `write_over` refuses it.
    let current_list =
        if ask.is_empty() { quote!(current.#read_list) } else { quote!(Some(current.#read_list.unwrap_or_default())) };
    // v1's number ids are `Copy`.
    let copy = match &id.ty {
        TypeRef::Prim(Prim::Id { number: true, .. }) => quote!(#arg),
        _ => quote!(#arg.clone()),
    };
    let body_arg = if body.required { quote!(, body) } else { quote!() };
    let body_set = if body.required { quote!() } else { quote!(.body(body)) };
    let answer = match &op.response {
        Response::Json(t) => ty_in(t, false, root),
        _ => quote!(()),
    };
    let doc = super::docs::paragraphs([
        format!(
            "Sets custom fields of one {words} by label or field name, each value typed by its \
             field's type (text, number, date, option label, ...): checks every name and value \
             against the definitions first, and sends nothing if one is unknown, ambiguous or of \
             the wrong type."
        )
        .as_str(),
        &format!(
            "A `custom_fields` list sent replaces the record's (Keap's spec: \"any item not listed \
             here will be removed\"), so this reads the record's values first and sends them all, \
             the named ones changed, with [`{m}`](Self::{m}): only `custom_fields` in the body{mask}. \
             Two requests; a change another program makes to this {words}'s other custom fields \
             between them is overwritten with the value read.",
            m = op.method_name,
            mask = if op.update_mask.is_some() { " and in `update_mask`" } else { "" },
        ),
    ]);
    quote! {
        #doc
        pub async fn set_custom_fields<V: Into<crate::runtime::CustomValue>>(
            &self,
            #arg: #arg_ty,
            values: impl IntoIterator<Item = (impl AsRef<str>, V)>,
        ) -> Result<#answer, crate::Error> {
            let fields = self.custom_fields().await?;
            let current = self.#get(#copy) #ask .send().await?;
            let list = fields.write_over(&#current_list, values).map_err(crate::Error::CustomField)?;
            let body = #body_ty {
                #field: Some(list),
                ..Default::default()
            };
            self.#update(#arg #body_arg) #body_set .send().await
        }
    }
}

/// For the guide: the first tag (by guide rank) with both helpers, as (module, the write
/// operation's body type, its list field, the id argument's type).
pub(super) fn guide_target(api: &Api) -> Option<(&str, &str, &str, &TypeRef)> {
    let mut tags: Vec<&Tag> = api.tags.values().collect();
    tags.sort_by_key(|t| t.guide_rank);
    tags.into_iter().find_map(|tag| {
        let (_, collection) = tag.operations.iter().find_map(|o| model_op(api, o))?;
        let (get, _) = record_op(tag, collection, "GET")?;
        let (patch, id) = record_op(tag, collection, "PATCH")?;
        let root = quote!(crate);
        read_parts(api, get, &root)?;
        id_arg(id, &root)?;
        if write_method(api, tag, collection, "", &root).is_empty() {
            return None;
        }
        let TypeRef::Named(body) = &patch.body.as_ref()?.ty else { return None };
        let Some(TypeKind::Struct { fields, .. }) = api.types.get(body).map(|t| &t.kind) else { return None };
        let list = fields.iter().find(|f| f.api_name == LIST)?;
        Some((tag.module.as_str(), body.as_str(), list.name.as_str(), &id.ty))
    })
}
