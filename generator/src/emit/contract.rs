//! `tests/contract.rs`: every operation called through the generated crate against a mock
//! server of the same spec (Prism), which refuses any request the spec does not allow.

use super::ty_in;
use crate::model::{Api, BodyKind, Operation, Param, Prim, Style, TypeRef};
use crate::testdata::{OperationSample, TestData};
use crate::Options;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

fn value_of<'s>(p: &Param, sample: &'s OperationSample) -> Option<&'s Value> {
    sample.params.get(&p.name)
}

/// An expression of the parameter's argument type holding `value`.
fn arg(krate: &TokenStream, scope: &TokenStream, p: &Param, value: Option<&Value>) -> Option<TokenStream> {
    let list = matches!(p.style, Style::Csv | Style::Repeat);
    if p.is_file() {
        let file = quote!(#krate::runtime::FilePart::new("keapgen.txt", b"keapgen contract test".to_vec()));
        return Some(if list { quote!([#file]) } else { file });
    }
    let value = value?;
    let elem = ty_in(&p.ty, false, scope);
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

/// One call: the builder with every parameter the sample has a value for, sent; and what
/// had to give way to the spec, if anything.
fn call(
    krate: &TokenStream,
    scope: &TokenStream,
    accessor: &TokenStream,
    module: &str,
    op: &Operation,
    sample: &OperationSample,
) -> Option<(TokenStream, Option<String>)> {
    let module = format_ident!("{}", module);
    let method = format_ident!("{}", op.method_name);
    let paged = op.pagination.as_ref();
    let mut args: Vec<TokenStream> = op
        .params
        .iter()
        .filter(|p| p.required)
        .map(|p| arg(krate, scope, p, value_of(p, sample)))
        .collect::<Option<_>>()?;
    let body = op.body.as_ref().and_then(|b| match b.kind {
        BodyKind::Bytes(_) => Some(quote!(b"keapgen contract test".to_vec())),
        _ => {
            let t = ty_in(&b.ty, false, scope);
            let text = sample.body.as_ref()?.to_string();
            Some(quote!(v::<#t>(#text)))
        }
    });
    let mut setters = Vec::new();
    let mut tolerated = None;
    for p in op.params.iter().filter(|p| !p.required) {
        // The derived `update_mask` is what this test checks, unless the spec admits no mask
        // at all: then it is left off the wire on purpose.
        if op.update_mask.as_ref().is_some_and(|m| m.param == p.name) {
            if let (None, Some(um)) = (value_of(p, sample), &op.update_mask) {
                let setter = format_ident!("{}", um.replace_setter);
                setters.push(quote!(.#setter()));
                tolerated = Some(format!("no `{}` fits its schema as written; sent without one", p.api_name));
            }
            continue;
        }
        // The pager sets its own cursor.
        if paged.is_some_and(|pg| pg.cursor_param() == p.name) {
            continue;
        }
        if let Some(a) = arg(krate, scope, p, value_of(p, sample)) {
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
    // The mask's own absence is said above.
    let mask = op.update_mask.as_ref().and_then(|m| op.params.iter().find(|p| p.name == m.param));
    let left_out: Vec<&str> = sample
        .left_out
        .iter()
        .filter(|l| mask.is_none_or(|p| **l != format!("parameter `{}`", p.api_name)))
        .map(String::as_str)
        .collect();
    if !left_out.is_empty() {
        let what = format!("no value fits {} as written; left out", left_out.join(", "));
        tolerated = Some(tolerated.map_or(what.clone(), |t| format!("{t}; {what}")));
    }
    let request = quote!(client #accessor .#module().#method(#(#args),*)#(#setters)*);
    let call = if paged.is_some() { quote!(two_pages(#request.pages()).await) } else { quote!(#request.send().await) };
    Some((call, tolerated))
}

/// The test, unless no operation can be called (each left-out one is a generator warning).
pub fn contract_rs(api: &Api, opts: &Options, data: &TestData) -> Option<TokenStream> {
    let krate = format_ident!("{}", opts.crate_name.replace('-', "_"));
    let krate = quote!(#krate);
    // A spec below the crate's root has its types in its module and its groups behind
    // `client.<module>()`.
    let (scope, accessor) = match &api.module {
        Some(m) => {
            let m = format_ident!("{}", m);
            (quote!(#krate::#m), quote!(.#m()))
        }
        None => (krate.clone(), quote!()),
    };
    let umbrella = &api.umbrella;
    let mut calls = Vec::new();
    let mut skipped = Vec::new();
    let mut tolerated = Vec::new();
    let mut groups = Vec::new();
    let mut runs = Vec::new();
    for tag in api.tags.values() {
        let first = calls.len();
        for op in &tag.operations {
            let sample = data.sample(op);
            let (m, path) = (&op.http_method, &op.path);
            match sample
                .skipped
                .clone()
                .map_or_else(|| call(&krate, &scope, &accessor, &tag.module, op, sample).ok_or_else(String::new), Err)
            {
                Ok((call, note)) if !op.undeclared_security.is_empty() => {
                    // A mock that checks the spec refuses credentials for a scheme it never
                    // declares: the 401 is the spec's defect, not the client's.
                    calls.push(quote!(r.check_unauthorized(#m, #path, #call);));
                    let names: Vec<String> = op.undeclared_security.iter().map(|n| format!("`{n}`")).collect();
                    let defect = format!(
                        "requires security scheme {} that the spec never declares; a 401 from the mock is accepted",
                        names.join(", ")
                    );
                    let note = note.map_or(defect.clone(), |n| format!("{n}; {defect}"));
                    tolerated.push(quote!((#m, #path, #note),));
                }
                Ok((call, note)) if !op.stray_path_params.is_empty() => {
                    // Prism asks for a declared path parameter however the path is written;
                    // the client rightly leaves out one its path has no place for.
                    let names = &op.stray_path_params;
                    calls.push(quote!(r.check_stray_path(#m, #path, &[#(#names),*], #call);));
                    let list: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
                    let defect = format!(
                        "declares path parameter {} that its path lacks; a 422 from the mock asking only for it is accepted",
                        list.join(", ")
                    );
                    let note = note.map_or(defect.clone(), |n| format!("{n}; {defect}"));
                    tolerated.push(quote!((#m, #path, #note),));
                }
                Ok((call, note)) => {
                    calls.push(quote!(r.check(#m, #path, #call);));
                    if let Some(note) = note {
                        tolerated.push(quote!((#m, #path, #note),));
                    }
                }
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
            runs.push(quote!(Box::pin(#name(client, r)).await;));
        }
    }
    if calls.is_empty() {
        return None;
    }
    Some(quote! {
        //! The contract test: every operation of this crate, called with values that follow the
        //! spec, against a Prism mock server of the same spec (`prism mock --dynamic`). Prism
        //! answers 400 or 422 to any request the spec does not allow, and sends random bodies
        //! that follow the response schemas, then with the spec's examples: all must decode.
        //! Lists fetch two pages. What a result must be is in `contract/harness.rs`.
        //! Ignored unless asked for: `.ci/run` starts Prism and runs it with `KEAP_PRISM_URL`.
        //! Calls every group, so it is compiled with all of them (the feature named below).
        #![cfg(feature = #umbrella)]
        #![allow(deprecated)]

        #[path = "contract/harness.rs"]
        mod harness;

        // The harness reaches the crate through this import.
        use #krate::runtime;
        use #krate::Client;
        use harness::*;

        #(#groups)*

        async fn every_operation(client: &Client, r: &mut Report) {
            #(#runs)*
        }

        /// Operations no value the spec allows can call, and why.
        const LEFT_OUT: &[(&str, &str, &str)] = &[#(#skipped)*];

        /// Operations called with less than the test would send, for the spec's sake.
        const TOLERATED: &[(&str, &str, &str)] = &[#(#tolerated)*];

        #[tokio::test]
        #[ignore = "needs a Prism mock server of this crate's spec at KEAP_PRISM_URL; `bash .ci/run` starts one"]
        async fn every_operation_against_prism() {
            let url = prism_url();
            // Twice: random bodies that follow the response schemas, then the spec's examples.
            let mut r = Report::new();
            Box::pin(every_operation(&client(&url, true), &mut r)).await;
            r.dynamic = false;
            Box::pin(every_operation(&client(&url, false), &mut r)).await;
            r.finish(LEFT_OUT, TOLERATED);
        }
    })
}
