//! `tests/contract.rs`: every operation called through the generated crate against a mock
//! server of the same spec (Prism), which refuses any request the spec does not allow.

use super::{ty_in, Options};
use crate::model::{Api, BodyKind, Operation, Param, ParamIn, Prim, Style, TypeRef};
use crate::samples::OperationSample;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;
use std::collections::BTreeMap;

/// Samples by `(METHOD, path)`.
pub type Samples = BTreeMap<(String, String), OperationSample>;

/// Why an operation cannot be called with values the spec allows, if it cannot.
pub fn left_out(op: &Operation, sample: &OperationSample) -> Option<String> {
    if let Some(p) = op.params.iter().find(|p| p.required && value_of(p, sample).is_none() && !is_file(p)) {
        return Some(format!("no value satisfies the schema of required parameter `{}`", p.api_name));
    }
    match &op.body {
        Some(b) if b.required && b.kind == BodyKind::Json && sample.body.is_none() => {
            Some("no value satisfies the request body's schema".into())
        }
        _ => None,
    }
}

fn location(p: &Param) -> &'static str {
    match p.location {
        ParamIn::Path => "path",
        ParamIn::Query => "query",
        ParamIn::Header => "header",
        ParamIn::Part | ParamIn::Form => "body",
    }
}

fn value_of<'s>(p: &Param, sample: &'s OperationSample) -> Option<&'s Value> {
    sample.params.get(&(location(p).to_string(), p.api_name.clone()))
}

fn is_file(p: &Param) -> bool {
    p.location == ParamIn::Part && p.ty == TypeRef::Prim(Prim::Binary)
}

/// An expression of the parameter's argument type holding `value`.
fn arg(krate: &TokenStream, p: &Param, value: Option<&Value>) -> Option<TokenStream> {
    let list = matches!(p.style, Style::Csv | Style::Repeat);
    if is_file(p) {
        let file = quote!(#krate::runtime::FilePart::new("keapgen.txt", b"keapgen contract test".to_vec()));
        return Some(if list { quote!([#file]) } else { file });
    }
    let value = value?;
    let elem = ty_in(&p.ty, false, krate);
    if list {
        let text = if value.is_array() { value.to_string() } else { Value::Array(vec![value.clone()]).to_string() };
        return Some(quote!(v::<Vec<#elem>>(#text)));
    }
    Some(literal(&p.ty, value).unwrap_or_else(|| {
        let text = value.to_string();
        quote!(v::<#elem>(#text))
    }))
}

/// Plain scalars are written as Rust literals.
fn literal(t: &TypeRef, value: &Value) -> Option<TokenStream> {
    Some(match (t, value) {
        (TypeRef::Prim(Prim::String), Value::String(s)) => quote!(#s),
        (TypeRef::Prim(Prim::Bool), Value::Bool(b)) => quote!(#b),
        (TypeRef::Prim(Prim::I32), Value::Number(n)) => {
            let n = i32::try_from(n.as_i64()?).ok()?;
            quote!(#n)
        }
        (TypeRef::Prim(Prim::I64), Value::Number(n)) => {
            let n = n.as_i64()?;
            quote!(#n)
        }
        _ => return None,
    })
}

/// One call: the builder with every parameter the sample has a value for, sent.
fn call(krate: &TokenStream, module: &str, op: &Operation, sample: &OperationSample) -> Option<TokenStream> {
    let module = format_ident!("{}", module);
    let method = format_ident!("{}", op.method_name);
    let paged = op.pagination.as_ref();
    let mut args: Vec<TokenStream> =
        op.params.iter().filter(|p| p.required).map(|p| arg(krate, p, value_of(p, sample))).collect::<Option<_>>()?;
    let body = op.body.as_ref().and_then(|b| match b.kind {
        BodyKind::Bytes(_) => Some(quote!(b"keapgen contract test".to_vec())),
        _ => {
            let t = ty_in(&b.ty, false, krate);
            let text = sample.body.as_ref()?.to_string();
            Some(quote!(v::<#t>(#text)))
        }
    });
    let mut setters = Vec::new();
    for p in op.params.iter().filter(|p| !p.required) {
        // The derived `update_mask` is what this test checks; the token is the pager's.
        let skip = op.update_mask.as_ref().is_some_and(|m| m.param == p.name)
            || paged.is_some_and(|pg| pg.token_param == p.name);
        if skip {
            continue;
        }
        if let Some(a) = arg(krate, p, value_of(p, sample)) {
            let setter = format_ident!("{}", p.name);
            setters.push(quote!(.#setter(#a)));
        }
    }
    match (&op.body, body) {
        (Some(b), Some(body)) if b.required => args.push(body),
        (Some(b), None) if b.required => return None,
        (Some(_), Some(body)) => setters.push(quote!(.body(#body))),
        _ => {}
    }
    let request = quote!(client.#module().#method(#(#args),*)#(#setters)*);
    Some(if paged.is_some() { quote!(two_pages(#request.pages()).await) } else { quote!(#request.send().await) })
}

pub fn contract_rs(api: &Api, opts: &Options, samples: &Samples) -> TokenStream {
    let krate = format_ident!("{}", opts.crate_name.replace('-', "_"));
    let krate = quote!(#krate);
    let mut calls = Vec::new();
    let mut skipped = Vec::new();
    let mut groups = Vec::new();
    let mut runs = Vec::new();
    let empty = OperationSample::default();
    for tag in api.tags.values() {
        let first = calls.len();
        for op in &tag.operations {
            let sample = samples.get(&(op.http_method.clone(), op.path.clone())).unwrap_or(&empty);
            let (m, path) = (&op.http_method, &op.path);
            match left_out(op, sample)
                .map_or_else(|| call(&krate, &tag.module, op, sample).ok_or_else(String::new), Err)
            {
                Ok(call) => calls.push(quote!(r.check(#m, #path, #call);)),
                Err(why) => {
                    let why = if why.is_empty() { "no value satisfies its schema".to_string() } else { why };
                    skipped.push(quote!((#m, #path, #why),));
                }
            }
        }
        // One function per tag, each future boxed: one function with every call overflows
        // the test thread's stack in debug builds.
        if calls.len() > first {
            let name = format_ident!("{}_operations", tag.module);
            let body = &calls[first..];
            groups.push(quote! {
                async fn #name(client: &Client, r: &mut Report) {
                    #(#body)*
                }
            });
            runs.push(quote!(Box::pin(#name(&client, &mut r)).await;));
        }
    }
    let text = calls.iter().map(ToString::to_string).collect::<String>();
    // Helpers only when used: the file must stay clean under `-D warnings`.
    let v = text.contains("v ::").then(|| {
        quote! {
            /// A value of `T` from JSON the generator made from the spec's schemas.
            fn v<T: serde::de::DeserializeOwned>(json: &str) -> T {
                serde_json::from_str(json).unwrap_or_else(|e| panic!("the generated value {json} does not decode: {e}"))
            }
        }
    });
    let pages = text.contains("two_pages").then(|| {
        quote! {
            use #krate::runtime::{Paginated, Pages};

            /// The first two pages: the second request carries the first page's token.
            async fn two_pages<R: Paginated>(mut pages: Pages<R>) -> Result<(), Error> {
                for _ in 0..2 {
                    match pages.next_page().await {
                        Some(page) => {
                            page?;
                        }
                        None => break,
                    }
                }
                Ok(())
            }
        }
    });
    quote! {
        //! The contract test: every operation of this crate, called with values that follow the
        //! spec, against a Prism mock server of the same spec (`prism mock --dynamic`). Prism
        //! answers 400 or 422 to any request the spec does not allow, and sends random bodies
        //! that follow the response schemas, which must all decode. Lists fetch two pages.
        //! Ignored unless asked for: `.ci/run` starts Prism and runs it with `KEAP_PRISM_URL`.
        #![allow(deprecated)]

        use #krate::{Auth, Client, Error, Quota, RetryPolicy};
        #v
        #pages

        #[derive(Default)]
        struct Report {
            get: [usize; 2],
            other: [usize; 2],
            failures: Vec<String>,
        }

        impl Report {
            fn check<T>(&mut self, method: &str, path: &str, result: Result<T, Error>) {
                let counts = if method == "GET" { &mut self.get } else { &mut self.other };
                counts[0] += 1;
                match result {
                    Ok(_) => counts[1] += 1,
                    Err(Error::Api(e)) => {
                        let why = e.header("sl-violations").unwrap_or(&e.raw);
                        self.failures.push(format!("{method} {path}: HTTP {}: {why}", e.status));
                    }
                    Err(e) => self.failures.push(format!("{method} {path}: {e}")),
                }
            }
        }

        #(#groups)*

        /// Operations no value the spec allows can call, and why.
        const LEFT_OUT: &[(&str, &str, &str)] = &[#(#skipped)*];

        #[tokio::test]
        #[ignore = "needs a Prism mock server of this crate's spec at KEAP_PRISM_URL; `bash .ci/run` starts one"]
        async fn every_operation_against_prism() {
            let url = std::env::var("KEAP_PRISM_URL")
                .expect("set KEAP_PRISM_URL to a running `prism mock --dynamic` of this crate's spec");
            let client = Client::builder()
                .base_url(url)
                .auth(Auth::bearer("prism"))
                .quota(Quota::unlimited())
                .retry(RetryPolicy::none())
                .build()
                .expect("client");
            let mut r = Report::default();
            #(#runs)*
            for (method, path, why) in LEFT_OUT {
                println!("left out: {method} {path}: {why}");
            }
            println!(
                "contract: GET {} called, {} passed; POST/PUT/PATCH/DELETE {} called, {} passed; {} left out",
                r.get[0], r.get[1], r.other[0], r.other[1], LEFT_OUT.len()
            );
            assert!(r.failures.is_empty(), "{} operations failed:\n{}", r.failures.len(), r.failures.join("\n"));
        }
    }
}
