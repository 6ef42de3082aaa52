//! `api/`: one module per tag, one method and one request builder per operation.

use super::masks::{clear_setter, update_mask};
use super::pages::paging;
use super::{docs, features, ty_in};
use crate::model::{
    Api, BodyKind, Encoding, Operation, Param, ParamIn, PathSegment, Prim, Response, Style, Tag, TypeRef, Upsert,
};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

pub fn mod_rs(api: &Api) -> TokenStream {
    let mods = api.tags.values().map(|t| {
        let m = format_ident!("{}", t.module);
        let h = format_ident!("{}", t.handle);
        let doc = docs::line_attr(&format!("Operations tagged `{}`.", t.api_name));
        let gate = features::gate_one(api, &t.module);
        quote!(#doc #gate pub mod #m; #gate pub use #m::#h;)
    });
    quote! {
        //! Operations, one module per tag of the spec. Each operation is a method on its
        //! tag's handle (`client.contact().get_contact(id)`) returning a request builder:
        //! set optional parameters, then `.send().await`.
        #(#mods)*
    }
}

pub fn tag_rs(api: &Api, tag: &Tag) -> TokenStream {
    let root = &super::root(api);
    let handle = format_ident!("{}", tag.handle);
    let module_doc: TokenStream = {
        let intro =
            format!("Operations tagged `{}`. {}", tag.api_name, features::label(api, &[tag.module.clone()].into()));
        docs::lines(&intro)
            .into_iter()
            .chain(tag.doc.iter().flat_map(|d| std::iter::once(String::new()).chain(docs::lines(d))))
            .map(|l| {
                let l = if l.is_empty() { l } else { format!(" {l}") };
                quote!(#![doc = #l])
            })
            .collect()
    };
    let (owner, owner_path) = match &api.module {
        Some(m) => (format!("{m}::Api"), format!("crate::{m}::Api")),
        None => ("Client".to_string(), "crate::Client".to_string()),
    };
    let handle_doc = docs::line_attr(&format!(
        "Operations tagged `{}`: get one with [`{owner}::{}`]({owner_path}::{}).",
        tag.api_name, tag.module, tag.module
    ));
    let methods = tag.operations.iter().map(|op| method(op, root));
    let custom_fields = super::custom_fields::methods(api, tag, root);
    let builders = tag.operations.iter().map(|op| builder(tag, op, root));
    quote! {
        #module_doc
        #handle_doc
        #[derive(Clone, Debug)]
        pub struct #handle {
            pub(crate) client: crate::Client,
        }
        impl #handle {
            #(#methods)*
            #custom_fields
        }
        #(#builders)*
    }
}

/// The type a parameter's value is stored as (element type for lists).
pub(super) fn param_elem(p: &Param, root: &TokenStream) -> TokenStream {
    if p.location == ParamIn::Part && p.ty == TypeRef::Prim(Prim::Binary) {
        quote!(crate::runtime::FilePart)
    } else if p.style == Style::Filter {
        quote!(crate::runtime::FilterArg)
    } else {
        ty_in(&p.ty, false, root)
    }
}

fn is_list(p: &Param) -> bool {
    matches!(p.style, Style::Csv | Style::Repeat)
}

/// The builder field's type.
fn param_field_ty(p: &Param, root: &TokenStream) -> TokenStream {
    let elem = param_elem(p, root);
    let t = if is_list(p) { quote!(Vec<#elem>) } else { elem };
    if p.required {
        t
    } else {
        quote!(Option<#t>)
    }
}

/// The argument type a constructor or setter accepts, and the expression storing it.
fn param_arg(p: &Param, root: &TokenStream) -> (TokenStream, TokenStream) {
    let elem = param_elem(p, root);
    let name = format_ident!("{}", p.name);
    if !is_list(p) && p.required && p.ty.is_id() {
        // Required ids are arguments in a row: taken as themselves, so they cannot swap.
        (quote!(#elem), quote!(#name))
    } else if is_list(p) && p.exact {
        (quote!(impl IntoIterator<Item = #elem>), quote!(#name.into_iter().collect()))
    } else if is_list(p) {
        (quote!(impl IntoIterator<Item = impl Into<#elem>>), quote!(#name.into_iter().map(Into::into).collect()))
    } else {
        (quote!(impl Into<#elem>), quote!(#name.into()))
    }
}

fn body_ty(op: &Operation, root: &TokenStream) -> Option<TokenStream> {
    let b = op.body.as_ref()?;
    Some(match &b.kind {
        BodyKind::Bytes(_) => quote!(Vec<u8>),
        _ => ty_in(&b.ty, false, root),
    })
}

fn method(op: &Operation, root: &TokenStream) -> TokenStream {
    let name = format_ident!("{}", op.method_name);
    let builder = format_ident!("{}", op.builder);
    let sends = format!("Sends `{} {}`.", op.http_method, op.path);
    let mut doc_parts = vec![op.summary.as_deref().unwrap_or(""), op.description.as_deref().unwrap_or("")];
    if op.summary.is_none() && op.description.is_none() {
        doc_parts.push(&op.api_name);
    }
    let paged = "A list: `.items()` streams every item of every page, `.pages()` every page.";
    if op.pagination.is_some() {
        doc_parts.push(paged);
    }
    let masked = op.update_mask.as_ref().map(|um| {
        format!(
            "A partial update. Without `update_mask` Keap replaces whole lists (emails, phone numbers, \
             addresses) with what you send, so fields you did not mean to touch can be lost. This \
             method derives `update_mask` from the fields you set; `.{}(...)` adds fields to empty; \
             an explicit `.update_mask(...)` wins. An update that would go out without a mask (nothing \
             set or cleared, or an empty explicit mask) is refused with `Error::InvalidRequest` before \
             anything is sent, unless `.{}()` asks for exactly that.",
            um.clear_setter, um.replace_setter
        )
    });
    let unmaskable = op.update_mask.as_ref().filter(|m| !m.unmaskable.is_empty()).map(|m| {
        let names: Vec<String> = m.unmaskable.iter().map(|f| format!("`{f}`")).collect();
        let them = if names.len() == 1 { "it" } else { "them" };
        format!(
            "The spec's `update_mask` cannot name {}: a derived mask leaves {them} out, so Keap does \
             not change {them}.",
            names.join(", ")
        )
    });
    if let Some(m) = &masked {
        doc_parts.push(m);
    }
    let upsert_in_body;
    match &op.upsert {
        Some(Upsert::Param(p)) => {
            upsert_in_body = format!(
                "With `.{p}(...)` this is an upsert that can remove list items of an existing record: see that \
                 setter."
            );
            doc_parts.push(&upsert_in_body);
        }
        Some(Upsert::BodyField(f)) => {
            upsert_in_body = format!(
                "With `{f}` set in the body this is an upsert: when Keap finds a record that matches, it \
                 updates that record with the values sent instead of creating one. Send only the fields \
                 you mean to change."
            );
            doc_parts.push(&upsert_in_body);
        }
        None => {}
    }
    if let Some(u) = &unmaskable {
        doc_parts.push(u);
    }
    doc_parts.push(&sends);
    let doc = docs::paragraphs(doc_parts);
    let deprecated = op.deprecated.then(|| quote!(#[deprecated = "deprecated in the spec"]));
    let required: Vec<&Param> = op.params.iter().filter(|p| p.required).collect();
    let mut args: Vec<TokenStream> = required
        .iter()
        .map(|p| {
            let n = format_ident!("{}", p.name);
            let (t, _) = param_arg(p, root);
            quote!(#n: #t)
        })
        .collect();
    let mut inits: Vec<TokenStream> = op
        .params
        .iter()
        .map(|p| {
            let n = format_ident!("{}", p.name);
            if p.required && !is_list(p) && p.ty.is_id() {
                quote!(#n)
            } else if p.required {
                let (_, store) = param_arg(p, root);
                quote!(#n: #store)
            } else {
                quote!(#n: None)
            }
        })
        .collect();
    if let (Some(b), Some(t)) = (&op.body, body_ty(op, root)) {
        if b.required {
            args.push(quote!(body: #t));
            inits.push(quote!(body));
        } else {
            inits.push(quote!(body: None));
        }
    }
    if let Some(um) = &op.update_mask {
        let clear = format_ident!("{}", um.clear_setter);
        let replace = format_ident!("{}", um.replace_setter);
        inits.push(quote!(#clear: Vec::new()));
        inits.push(quote!(#replace: false));
    }
    quote! {
        #doc
        #deprecated
        pub fn #name(&self, #(#args),*) -> #builder {
            #builder { client: self.client.clone(), options: Default::default(), #(#inits,)* }
        }
    }
}

fn builder(tag: &Tag, op: &Operation, root: &TokenStream) -> TokenStream {
    let name = format_ident!("{}", op.builder);
    let doc = docs::line_attr(&format!(
        "Request for [`{}::{}`]: set optional parameters, then `send`.",
        tag.handle, op.method_name
    ));
    let mut fields: Vec<TokenStream> = op
        .params
        .iter()
        .map(|p| {
            let n = format_ident!("{}", p.name);
            let t = param_field_ty(p, root);
            quote!(#n: #t)
        })
        .collect();
    let body_t = body_ty(op, root);
    if let (Some(b), Some(t)) = (&op.body, &body_t) {
        fields.push(if b.required { quote!(body: #t) } else { quote!(body: Option<#t>) });
    }
    if let Some(um) = &op.update_mask {
        if let Some(mask) = op.params.iter().find(|p| p.name == um.param) {
            let clear = format_ident!("{}", um.clear_setter);
            let replace = format_ident!("{}", um.replace_setter);
            let elem = param_elem(mask, root);
            fields.push(quote!(#clear: Vec<#elem>));
            fields.push(quote!(#replace: bool));
        }
    }
    let setters = op
        .params
        .iter()
        .filter(|p| !p.required)
        .map(|p| setter(p, op.upsert == Some(Upsert::Param(p.name.clone())), root));
    let clear = clear_setter(op, root);
    let body_setter = match (&op.body, &body_t) {
        (Some(b), Some(t)) if !b.required => {
            let d = docs::paragraphs([b.doc.as_deref().unwrap_or(""), "Sets the request body."]);
            Some(quote! {
                #d
                pub fn body(mut self, body: impl Into<#t>) -> Self {
                    self.body = Some(body.into());
                    self
                }
            })
        }
        _ => None,
    };
    let send = send(op, root);
    let paging = op.pagination.as_ref().map(|pg| paging(op, pg, root));
    quote! {
        #doc
        #[derive(Clone, Debug)]
        #[must_use = "a request does nothing until you `.send().await` it"]
        pub struct #name {
            client: crate::Client,
            options: crate::runtime::RequestOptions,
            #(#fields,)*
        }
        impl #name {
            #(#setters)*
            /// Per-request options: timeout, retries, extra headers and query parameters
            /// ([`RequestOptions`](crate::runtime::RequestOptions)).
            pub fn options(mut self, options: crate::runtime::RequestOptions) -> Self {
                self.options = options;
                self
            }
            #clear
            #body_setter
            #send
        }
        #paging
    }
}

/// What the setter of a create's upsert switch says.
const UPSERT_WARNING: &str = "**Data-loss trap:** this makes the create an upsert. When Keap finds a match, it \
updates that record *without* an `update_mask`: every list field (email addresses, phone numbers, addresses) \
is replaced by what this request sends, and list items not sent are removed. To change some fields of a \
record that may exist, find it first (the list operation with a filter on its email) and change it with the \
update operation, whose `update_mask` is derived from the fields you set.";

fn setter(p: &Param, upsert: bool, root: &TokenStream) -> TokenStream {
    let n = format_ident!("{}", p.name);
    let (t, mut store) = param_arg(p, root);
    // The spec's bounds are the server's: a larger page size would only be refused.
    let literal = |v: i64| match p.ty {
        TypeRef::Prim(Prim::I32) => {
            proc_macro2::Literal::i32_unsuffixed(v.clamp(i32::MIN as i64, i32::MAX as i64) as i32)
        }
        _ => proc_macro2::Literal::i64_unsuffixed(v),
    };
    store = match p.bounds {
        // `clamp` panics when min > max: a spec that says so gets its maximum only.
        (Some(lo), Some(hi)) if lo <= hi => {
            let (lo, hi) = (literal(lo), literal(hi));
            quote!(#store.clamp(#lo, #hi))
        }
        (_, Some(hi)) => {
            let hi = literal(hi);
            quote!(#store.min(#hi))
        }
        (Some(lo), None) => {
            let lo = literal(lo);
            quote!(#store.max(#lo))
        }
        (None, None) => store,
    };
    let place = match p.location {
        ParamIn::Path => "path parameter",
        ParamIn::Query => "query parameter",
        ParamIn::Header => "header",
        ParamIn::Part => "multipart field",
        ParamIn::Form => "form field",
    };
    let deprecated = if p.deprecated { "Deprecated in the spec." } else { "" };
    let upsert = if upsert { UPSERT_WARNING } else { "" };
    let bounds = match p.bounds {
        (Some(lo), Some(hi)) => format!("Kept within {lo}..={hi}, as the spec allows."),
        (None, Some(hi)) => format!("At most {hi}, as the spec allows."),
        (Some(lo), None) => format!("At least {lo}, as the spec allows."),
        (None, None) => String::new(),
    };
    let doc = docs::paragraphs([
        p.doc.as_deref().unwrap_or(""),
        upsert,
        deprecated,
        &bounds,
        &format!("Sets the {place} `{}`.", p.api_name),
    ]);
    quote! {
        #doc
        pub fn #n(mut self, #n: #t) -> Self {
            self.#n = Some(#store);
            self
        }
    }
}

fn send(op: &Operation, root: &TokenStream) -> TokenStream {
    let method = format_ident!("{}", op.http_method);
    let api_name = &op.api_name;
    let template = &op.path;
    let (path_locals, path) = path_expr(op);
    let stmts = op.params.iter().filter(|p| p.location != ParamIn::Path).map(|p| {
        let n = format_ident!("{}", p.name);
        let wire = &p.api_name;
        // Required values are plain fields; the request methods take options.
        let opt = if p.required { quote!(&Some(&self.#n)) } else { quote!(&self.#n) };
        let value = quote!(&self.#n);
        let slice = if p.required { quote!(Some(self.#n.as_slice())) } else { quote!(self.#n.as_deref()) };
        let owned = if p.required { quote!(Some(self.#n)) } else { quote!(self.#n) };
        match p.encoding() {
            Encoding::Filter if p.required => quote!(req.filter(#wire, &Some(self.#n.clone()));),
            Encoding::Filter => quote!(req.filter(#wire, &self.#n);),
            Encoding::QueryJson => quote!(req.query_json(#wire, #opt);),
            Encoding::QueryJsonEach => quote!(req.query_json_each(#wire, #slice);),
            Encoding::QueryCsv => quote!(req.query_csv(#wire, #value);),
            Encoding::QueryRepeat => quote!(req.query_repeat(#wire, #value);),
            Encoding::QueryObject => quote!(req.query_object(#wire, #opt, false);),
            Encoding::QueryDeepObject => quote!(req.query_object(#wire, #opt, true);),
            Encoding::Query => quote!(req.query(#wire, #value);),
            Encoding::HeaderJson => quote!(req.header(#wire, &crate::runtime::json_text(#opt));),
            Encoding::HeaderSimple => quote!(req.header(#wire, &crate::runtime::simple_text(#opt));),
            Encoding::HeaderCsv => quote!(req.header_csv(#wire, #value);),
            Encoding::Header => quote!(req.header(#wire, #value);),
            Encoding::PartFiles => quote!(req.part_files(#wire, #owned);),
            Encoding::PartFile => quote!(req.part_file(#wire, #owned);),
            Encoding::PartJson => quote!(req.part_json(#wire, #opt);),
            Encoding::PartRepeat => quote!(req.part_repeat(#wire, #value);),
            Encoding::Part => quote!(req.part(#wire, #value);),
            Encoding::FormJson => quote!(req.form(#wire, &crate::runtime::json_text(#opt));),
            Encoding::FormRepeat => quote!(req.form_repeat(#wire, #value);),
            Encoding::Form => quote!(req.form(#wire, #value);),
            Encoding::Path | Encoding::PathList | Encoding::PathSimple | Encoding::PathJson => {
                unreachable!("path parameters are filtered out above")
            }
        }
    });
    let mut stmts: Vec<TokenStream> = stmts.collect();
    if let Some(mask) = &op.update_mask {
        if let Some(i) = op.params.iter().filter(|p| p.location != ParamIn::Path).position(|p| p.name == mask.param) {
            if let Some(derived) = update_mask(op) {
                stmts[i] = derived;
            }
        }
    }
    let body = op.body.as_ref().map(|b| {
        let set = match &b.kind {
            BodyKind::Bytes(ct) => quote!(req.bytes(#ct, body);),
            _ => match b.content_type() {
                Some(media) => quote!(req.json(&body); req.content_type(#media);),
                None => quote!(req.json(&body);),
            },
        };
        if b.required {
            quote!(let body = self.body; #set)
        } else {
            quote!(if let Some(body) = self.body { #set })
        }
    });
    let (ret, call) = match &op.response {
        Response::Empty => (quote!(()), quote!(send_empty)),
        Response::Json(t) => (ty_in(t, false, root), quote!(send_json)),
        Response::Text(_) => (quote!(String), quote!(send_text)),
        Response::Bytes(_) => (quote!(Vec<u8>), quote!(send_file)),
    };
    // Servers answer 406 to an `Accept` they cannot serve; JSON is the transport's default.
    let accept = match &op.response {
        Response::Text(m) | Response::Bytes(m) => Some(quote!(req.accept(#m);)),
        _ => None,
    };
    let errors = if op.error_statuses.is_empty() {
        String::new()
    } else {
        format!(" The spec lists error statuses {}.", op.error_statuses.join(", "))
    };
    let partly = if op.per_record {
        " Keap answers each record apart: if any record failed, even in a 2xx answer, the call is \
         [`Error::PartlyFailed`](crate::Error::PartlyFailed), which lists the records that failed and those that \
         took effect."
    } else {
        ""
    };
    let doc = docs::line_attr(&format!(
        "Sends the request. Non-2xx answers are [`Error::Api`](crate::Error::Api).{errors}{partly}"
    ));
    let path_names: Vec<&Param> = op.params.iter().filter(|p| p.location == ParamIn::Path).collect();
    let path_check = (!path_names.is_empty()).then(|| {
        let pairs = path_names.iter().map(|p| {
            let n = format_ident!("{}", p.name);
            let wire = &p.api_name;
            quote!((#wire, #n.as_str()))
        });
        quote!(req.path_params(&[#(#pairs),*]);)
    });
    let declared: Vec<&str> =
        op.params.iter().filter(|p| p.location == ParamIn::Query).map(|p| p.api_name.as_str()).collect();
    let build = quote! {
        #path_locals
        let mut req = crate::runtime::Request::new(crate::runtime::Method::#method, #api_name, #template, #path);
        #path_check
        #(#stmts)*
        #body
        #accept
        req.options(self.options, &[#(#declared),*]);
    };
    let sent = if op.per_record {
        quote!(self.client.transport().#call(req).await.and_then(|r| crate::runtime::per_record(#api_name, r)))
    } else {
        quote!(self.client.transport().#call(req).await)
    };
    // File content can also be read as a stream, never held whole.
    let stream = matches!(op.response, Response::Bytes(_)).then(|| {
        quote! {
            /// Sends the request and streams the file's bytes as they arrive
            /// ([`Download`](crate::runtime::Download)), never holding the whole file.
            pub async fn send_stream(self) -> Result<crate::runtime::Download, crate::Error> {
                #build
                self.client.transport().send_stream(req).await
            }
        }
    });
    quote! {
        #doc
        ///
        /// Await it: `.send().await` is `Result<T, Error>`. Nothing is sent before.
        pub async fn send(self) -> Result<#ret, crate::Error> {
            self.send_with_response().await.map(crate::runtime::Response::into_inner)
        }
        /// Sends the request and keeps the response's status and headers (Keap's
        /// `x-request-id` among them) beside the body: `.send_with_response().await` is
        /// `Result<Response<T>, Error>`.
        pub async fn send_with_response(self) -> Result<crate::runtime::Response<#ret>, crate::Error> {
            #build
            #sent
        }
        #stream
    }
}

/// Locals holding the encoded path parameters, and the path expression using them.
fn path_expr(op: &Operation) -> (TokenStream, TokenStream) {
    let path_params: Vec<&Param> = op.params.iter().filter(|p| p.location == ParamIn::Path).collect();
    if path_params.is_empty() {
        let p = &op.path;
        return (quote!(), quote!(#p.to_owned()));
    }
    let locals = path_params.iter().map(|p| {
        let n = format_ident!("{}", p.name);
        let value = match p.encoding() {
            Encoding::PathJson => quote!(crate::runtime::encode_path(&crate::runtime::json_text(&Some(&self.#n)))),
            Encoding::PathSimple => {
                quote!(crate::runtime::encode_path(&crate::runtime::simple_text(&Some(&self.#n))))
            }
            Encoding::PathList => {
                quote!(self.#n.iter().map(crate::runtime::encode_path).collect::<Vec<_>>().join(","))
            }
            _ => quote!(crate::runtime::encode_path(&self.#n)),
        };
        quote!(let #n = #value;)
    });
    let locals = quote!(#(#locals)*);
    let fmt: String = op
        .path_segments
        .iter()
        .map(|seg| match seg {
            PathSegment::Literal(text) => text.replace('{', "{{").replace('}', "}}"),
            PathSegment::Param(name) => format!("{{{name}}}"),
        })
        .collect();
    (locals, quote!(format!(#fmt)))
}
