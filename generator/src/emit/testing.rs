//! `src/testing/` (the `testing` feature): the per-operation half of the test kit. The
//! fixed half (the mock server, matching, answers, pages, quota, tokens, hooks) is the
//! runtime's `mock_*.rs`; here each operation gets what only the model knows: its typed
//! parameters and how to read them off a request, its body and response types, and for a
//! listing how a page is built. Each tag's module is behind its group's feature.

use super::{docs, features, root, ty_in};
use crate::model::{Api, BodyKind, Cursor, Encoding, Operation, Param, Response, Style, Tag, TypeKind, TypeRef};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// `src/testing/mod.rs`: the runtime's kit re-exported, `MockKeap::client`, and one module
/// per tag (for a spec below the root, in its module: `testing::v1::contact`).
pub fn mod_rs(apis: &[&Api], baked: bool) -> TokenStream {
    let tag_mods = |api: &Api| -> Vec<TokenStream> {
        api.tags
            .values()
            .map(|t| {
                let m = format_ident!("{}", t.module);
                let gate = features::gate_one(api, &t.module);
                let doc = docs::line_attr(&format!("Expectations of the operations tagged `{}`.", t.api_name));
                quote!(#doc #gate pub mod #m;)
            })
            .collect()
    };
    let mods = apis.iter().map(|api| {
        let mods = tag_mods(api);
        match &api.module {
            None => quote!(#(#mods)*),
            Some(m) => {
                let m = format_ident!("{}", m);
                let doc = docs::line_attr(&format!("Expectations of {}'s operations, one module per tag.", api.title));
                quote!(#doc pub mod #m { #(#mods)* })
            }
        }
    });
    // One of this crate's own operations names the three items (the likeliest group first,
    // as the guide picks them), so the example is true for every spec.
    let ranked: Vec<&Tag> =
        super::guide::ranked_tags(apis[0]).into_iter().filter(|t| !t.operations.is_empty()).collect();
    // `client()` is the generated `Client`'s, so it is written here: an inherent method where
    // the runtime is baked in, a trait where the mock is another crate's (the golden fixtures).
    let client_fn = if baked {
        quote! {
            impl MockKeap {
                /// A client pointed at the mock, with its API key (Keap's default quota and
                /// retries, as in production). To change anything, start from
                /// [`builder`](MockKeap::builder).
                ///
                /// # Panics
                /// Never for the mock's own URL; the `expect` guards a builder error that cannot
                /// happen.
                pub fn client(&self) -> crate::Client {
                    self.builder().build().expect("a client for the mock's URL builds")
                }
            }
        }
    } else {
        quote! {
            /// `MockKeap::client`, a trait since the mock is the runtime crate's type.
            pub trait MockClient {
                /// A client pointed at the mock, with its API key (Keap's default quota and
                /// retries, as in production).
                fn client(&self) -> crate::Client;
            }

            impl MockClient for MockKeap {
                fn client(&self) -> crate::Client {
                    self.builder().build().expect("a client for the mock's URL builds")
                }
            }
        }
    };
    let mut doc = vec![
        "The test kit (the `testing` feature): a Keap on 127.0.0.1 for your tests, with".to_owned(),
        "typed expectations of every operation. See the guide's section \"Testing your".to_owned(),
        "code\" and [`runtime::testing`](crate::runtime::testing).".to_owned(),
    ];
    if let Some(t) = ranked.first() {
        let (m, op) = (&t.module, &t.operations[0]);
        doc.extend([
            String::new(),
            format!("Each operation has a function returning its expectation (`testing::{m}::{}()`),", op.method_name),
            format!("a type naming it for the mock (`testing::{m}::{}`) and, where it has", op.builder),
            format!(
                "parameters the mock reads, their struct, each field optional (`testing::{m}::{}Params`).",
                op.builder
            ),
        ]);
    }
    let doc = doc.iter().map(|l| if l.is_empty() { String::new() } else { format!(" {l}") });
    quote! {
        #(#![doc = #doc])*

        pub use crate::runtime::testing::*;

        #client_fn

        #(#mods)*
    }
}

/// `src/testing/{tag}.rs`: each operation's expectation function, its type and its
/// parameters.
pub fn tag_rs(api: &Api, tag: &Tag) -> TokenStream {
    let root = root(api);
    let ops = tag.operations.iter().map(|op| operation(api, tag, op, &root));
    let intro = format!(
        "Expectations of the operations tagged `{}`, for [`MockKeap::expect`](crate::testing::MockKeap::expect). {}",
        tag.api_name,
        features::label(api, &[tag.module.clone()].into())
    );
    // Written here, so not escaped as spec text is.
    let module_doc = format!(" {intro}");
    quote! {
        #![doc = #module_doc]
        use crate::runtime::testing::{Expect, Incoming, Media, Operation};
        #(#ops)*
    }
}

/// How a parameter is read back, or `None` for those left to `Call::raw` (form and
/// multipart fields, objects spread over the query or a path segment).
fn reader(p: &Param) -> Option<&'static str> {
    Some(match p.encoding() {
        Encoding::Path => "path",
        Encoding::PathList => "path_list",
        Encoding::Query | Encoding::Filter => "query",
        Encoding::QueryCsv => "query_csv",
        Encoding::QueryRepeat => "query_repeat",
        Encoding::QueryJson => "query_json",
        Encoding::QueryJsonEach => "query_json_each",
        Encoding::Header => "header",
        Encoding::HeaderCsv => "header_csv",
        Encoding::HeaderJson => "header_json",
        _ => return None,
    })
}

fn operation(api: &Api, tag: &Tag, op: &Operation, root: &TokenStream) -> TokenStream {
    let name = format_ident!("{}", op.builder);
    let params_name = format_ident!("{}Params", op.builder);
    let func = format_ident!("{}", op.method_name);
    let (id, method, path) = (&op.api_name, &op.http_method, &op.path);
    let link = format!("{}::api::{}::{}::{}", root, tag.module, tag.handle, op.method_name).replace(' ', "");
    let func_doc = format!(
        "An expectation of [`{}::{}`]({link}): `{method} {path}`. Hand it to \
         [`MockKeap::expect`](crate::testing::MockKeap::expect).",
        tag.handle, op.method_name
    );
    let func_doc = docs::line_attr(&func_doc);
    let type_doc = docs::line_attr(&format!("`{id}` as the mock sees it: the type of its expectations and calls."));

    let read: Vec<(&Param, &'static str)> = op.params.iter().filter_map(|p| Some((p, reader(p)?))).collect();
    let (params_ty, params_def, params_fn, match_fn) = if read.is_empty() {
        (quote!(()), quote!(), quote!(Ok(())), quote!(true))
    } else {
        let fields = read.iter().map(|(p, _)| {
            let n = format_ident!("{}", p.name);
            let elem = if p.style == Style::Filter { quote!(String) } else { ty_in(&p.ty, false, root) };
            let t = if matches!(p.style, Style::Csv | Style::Repeat) { quote!(Vec<#elem>) } else { elem };
            let doc = docs::line_attr(&format!("`{}`", p.api_name));
            quote!(#doc pub #n: Option<#t>,)
        });
        let reads = read.iter().map(|(p, how)| {
            let n = format_ident!("{}", p.name);
            let how = format_ident!("{}", how);
            let wire = &p.api_name;
            quote!(#n: request.#how(#wire)?,)
        });
        let checks = read.iter().map(|(p, _)| {
            let n = format_ident!("{}", p.name);
            quote!(crate::runtime::testing::same(&expected.#n, &got.#n))
        });
        let doc = docs::line_attr(&format!(
            "The parameters of [`{}`]({link}), each optional: an expectation checks those it sets.",
            op.method_name
        ));
        (
            quote!(#params_name),
            quote! {
                #doc
                #[derive(Clone, Debug, Default, PartialEq)]
                pub struct #params_name { #(#fields)* }
            },
            quote!(Ok(#params_name { #(#reads)* })),
            quote!(#(#checks)&&*),
        )
    };
    let body = match &op.body {
        Some(b) if b.kind == BodyKind::Json => ty_in(&b.ty, false, root),
        _ => quote!(crate::runtime::testing::NoBody),
    };
    let (response, media) = match &op.response {
        Response::Json(t) => (ty_in(t, false, root), quote!(Media::Json)),
        Response::Empty => (quote!(()), quote!(Media::Empty)),
        Response::Text(m) => (quote!(String), quote!(Media::Text(#m))),
        Response::Bytes(m) => (quote!(Vec<u8>), quote!(Media::Bytes(#m))),
    };
    let listing = listing(api, op, root);
    let unused = if read.is_empty() { quote!(_request) } else { quote!(request) };
    let (e, g) = if read.is_empty() { (quote!(_expected), quote!(_got)) } else { (quote!(expected), quote!(got)) };
    quote! {
        #func_doc
        pub fn #func() -> Expect<#name> {
            Expect::new()
        }
        #type_doc
        #[derive(Debug)]
        pub struct #name;
        #params_def
        impl Operation for #name {
            const ID: &'static str = #id;
            const METHOD: &'static str = #method;
            const PATH: &'static str = #path;
            const MEDIA: Media = #media;
            type Params = #params_ty;
            type Body = #body;
            type Response = #response;
            fn params(#unused: &Incoming<'_>) -> Result<Self::Params, String> {
                #params_fn
            }
            fn params_match(#e: &Self::Params, #g: &Self::Params) -> bool {
                #match_fn
            }
        }
        #listing
    }
}

/// `Listing` for an operation that pages, when its page type can be built from items, the
/// next cursor and the total (every other field optional).
fn listing(api: &Api, op: &Operation, root: &TokenStream) -> TokenStream {
    let (Some(pg), Response::Json(TypeRef::Named(page_name))) = (&op.pagination, &op.response) else {
        return quote!();
    };
    let Some(TypeKind::Struct { fields, additional }) = api.types.get(page_name).map(|t| &t.kind) else {
        return quote!();
    };
    let name = format_ident!("{}", op.builder);
    let page = ty_in(&TypeRef::Named(page_name.clone()), false, root);
    let item = ty_in(&pg.item, false, root);
    let wire = |rust: &str| op.params.iter().find(|p| p.name == rust).map(|p| p.api_name.clone());
    let (paging, next_field, count_field) = match &pg.cursor {
        Cursor::Token { param, next_field, .. } => {
            let Some(param) = wire(param) else { return quote!() };
            (quote!(crate::runtime::testing::Paging::Token { param: #param }), Some(next_field), None)
        }
        Cursor::Offset { offset, next_field, count_field, .. } => {
            let Some(offset) = wire(offset) else { return quote!() };
            (
                quote!(crate::runtime::testing::Paging::Offset { offset: #offset }),
                next_field.as_ref(),
                count_field.as_ref(),
            )
        }
    };
    let mut inits = Vec::new();
    let (mut uses_next, mut uses_total) = (false, false);
    for f in fields {
        let n = format_ident!("{}", f.name);
        let plain = f.required && !f.nullable;
        let value = if f.name == pg.items_field {
            if plain {
                quote!(items)
            } else {
                quote!(Some(items))
            }
        } else if Some(&f.name) == next_field {
            uses_next = true;
            if plain {
                quote!(next.unwrap_or_default())
            } else {
                quote!(next)
            }
        } else if Some(&f.name) == count_field {
            uses_total = true;
            if plain {
                quote!(total.try_into().unwrap_or_default())
            } else {
                quote!(total.try_into().ok())
            }
        } else if plain {
            // A required field the mock cannot fill: no pages for this listing.
            return quote!();
        } else {
            quote!(None)
        };
        // Field init shorthand where the value is the variable of that name (clippy's
        // `redundant_field_names`).
        if value.to_string() == f.name {
            inits.push(quote!(#n,));
        } else {
            inits.push(quote!(#n: #value,));
        }
    }
    if additional.is_some() {
        let extra = format_ident!("{}", crate::model::extra_field_name(fields));
        inits.push(quote!(#extra: Default::default(),));
    }
    let total = if uses_total { quote!(total) } else { quote!(_total) };
    let next = if uses_next { quote!(next) } else { quote!(_next) };
    quote! {
        impl crate::runtime::testing::Listing for #name {
            type Item = #item;
            const PAGING: crate::runtime::testing::Paging = #paging;
            fn page(items: Vec<Self::Item>, #next: Option<String>, #total: usize) -> Self::Response {
                #page { #(#inits)* }
            }
        }
    }
}
