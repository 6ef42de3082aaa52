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
    let check_stray_path = text.contains("check_stray_path").then(|| {
        quote! {
            /// Like `check`, but Prism's 422 passes when all it asks for is path parameters
            /// the spec declares and the path lacks: any other complaint still fails.
            fn check_stray_path<T>(
                &mut self,
                method: &'static str,
                path: &'static str,
                names: &[&str],
                result: Result<T, Error>,
            ) {
                let only_stray = |raw: &str| {
                    let body: serde_json::Value = serde_json::from_str(raw).unwrap_or_default();
                    let found = body["validation"].as_array().cloned().unwrap_or_default();
                    !found.is_empty()
                        && found.iter().all(|v| {
                            let message = v["message"].as_str().unwrap_or_default();
                            v["location"][0] == "path" && names.iter().any(|n| message.ends_with(&format!("'{n}'")))
                        })
                };
                match result {
                    Err(Error::Api(e)) if e.status == 422 && only_stray(&e.raw) => {
                        if self.dynamic {
                            self.calls.push((method, path));
                        }
                    }
                    other => self.check(method, path, other),
                }
            }
        }
    });
    let check_unauthorized = text.contains("check_unauthorized").then(|| {
        quote! {
            /// Like `check`, but a 401 passes: the operation requires a security scheme the
            /// spec never declares, which a spec-validating mock refuses.
            fn check_unauthorized<T>(&mut self, method: &'static str, path: &'static str, result: Result<T, Error>) {
                match result {
                    Err(Error::Api(e)) if e.status == 401 => {
                        if self.dynamic {
                            self.calls.push((method, path));
                        }
                    }
                    other => self.check(method, path, other),
                }
            }
        }
    });
    Some(quote! {
        //! The contract test: every operation of this crate, called with values that follow the
        //! spec, against a Prism mock server of the same spec (`prism mock --dynamic`). Prism
        //! answers 400 or 422 to any request the spec does not allow, and sends random bodies
        //! that follow the response schemas, then with the spec's examples: all must decode.
        //! Lists fetch two pages.
        //! Ignored unless asked for: `.ci/run` starts Prism and runs it with `KEAP_PRISM_URL`.
        //! Calls every group, so it is compiled with all of them (the feature named below).
        #![cfg(feature = #umbrella)]
        #![allow(deprecated)]

        use #krate::{Auth, Client, Error, Quota, RetryPolicy};
        #v
        #pages

        /// What every call did, over both passes.
        #[derive(Default)]
        struct Report {
            /// Whether this pass asks Prism for random bodies.
            dynamic: bool,
            /// Every call of the first pass: (method, path).
            calls: Vec<(&'static str, &'static str)>,
            /// (method, path, what went wrong), from either pass.
            failures: Vec<(&'static str, &'static str, String)>,
            /// Calls whose random body Prism itself could not make (recursive schemas).
            unmockable: Vec<(&'static str, &'static str)>,
        }

        impl Report {
            fn check<T>(&mut self, method: &'static str, path: &'static str, result: Result<T, Error>) {
                let pass = if self.dynamic { "random body" } else { "example body" };
                if self.dynamic {
                    self.calls.push((method, path));
                }
                match result {
                    Ok(_) => {}
                    // The answer decoded whole; Prism's random per-record statuses say some
                    // records failed, and the client reports that as it must.
                    Err(Error::PartlyFailed(_)) => {}
                    // Prism's own failure, not the request's: its faker overflows on some
                    // recursive schemas. The example-body pass still checks the call.
                    Err(Error::Api(e)) if self.dynamic && e.status == 500 && e.raw.contains("prism/errors#UNKNOWN") => {
                        self.unmockable.push((method, path));
                    }
                    Err(Error::Api(e)) => {
                        let why = e.header("sl-violations").unwrap_or(&e.raw).to_string();
                        self.failures.push((method, path, format!("{pass}: HTTP {}: {why}", e.status)));
                    }
                    Err(e) => self.failures.push((method, path, format!("{pass}: {e}"))),
                }
            }

            #check_unauthorized

            #check_stray_path

            /// (called, passed) for GET, then for the other methods.
            fn counts(&self) -> [(usize, usize); 2] {
                let failed = |m: &str, p: &str| self.failures.iter().any(|(fm, fp, _)| (*fm, *fp) == (m, p));
                let count = |get: bool| {
                    let calls = self.calls.iter().filter(|(m, _)| (*m == "GET") == get);
                    let called = calls.clone().count();
                    (called, called - calls.filter(|(m, p)| failed(m, p)).count())
                };
                [count(true), count(false)]
            }
        }

        #(#groups)*

        async fn every_operation(client: &Client, r: &mut Report) {
            #(#runs)*
        }

        /// Operations no value the spec allows can call, and why.
        const LEFT_OUT: &[(&str, &str, &str)] = &[#(#skipped)*];

        /// Operations called with less than the test would send, for the spec's sake.
        const TOLERATED: &[(&str, &str, &str)] = &[#(#tolerated)*];

        fn client(url: &str, prefer: &str) -> Client {
            // Prism reads `Prefer: dynamic=false` as "answer with the spec's examples".
            let mut headers = #krate::runtime::reqwest::header::HeaderMap::new();
            headers.insert("prefer", prefer.parse().expect("header"));
            let http = #krate::runtime::reqwest::Client::builder().default_headers(headers).build().expect("http client");
            Client::builder()
                .base_url(url)
                .http_client(http)
                .auth(Auth::bearer("prism"))
                .quota(Quota::unlimited())
                .retry(RetryPolicy::none())
                .build()
                .expect("client")
        }

        #[tokio::test]
        #[ignore = "needs a Prism mock server of this crate's spec at KEAP_PRISM_URL; `bash .ci/run` starts one"]
        async fn every_operation_against_prism() {
            let url = std::env::var("KEAP_PRISM_URL")
                .expect("set KEAP_PRISM_URL to a running `prism mock --dynamic` of this crate's spec");
            // Twice: random bodies that follow the response schemas, then the spec's examples.
            let mut r = Report { dynamic: true, ..Report::default() };
            Box::pin(every_operation(&client(&url, "dynamic=true"), &mut r)).await;
            r.dynamic = false;
            Box::pin(every_operation(&client(&url, "dynamic=false"), &mut r)).await;
            for (method, path, why) in LEFT_OUT {
                println!("left out: {method} {path}: {why}");
            }
            for (method, path, why) in TOLERATED {
                println!("tolerated: {method} {path}: {why}");
            }
            for (method, path) in &r.unmockable {
                println!("tolerated: {method} {path}: Prism could not make a random body (recursive schema); checked with the example body");
            }
            let [(get, get_ok), (other, other_ok)] = r.counts();
            println!(
                "contract: GET {get} called, {get_ok} passed; POST/PUT/PATCH/DELETE {other} called, {other_ok} passed; {} left out; {} tolerated (spec defects, Prism limits)",
                LEFT_OUT.len(),
                TOLERATED.len() + r.unmockable.len()
            );
            let failures: Vec<String> = r.failures.iter().map(|(m, p, why)| format!("{m} {p}: {why}")).collect();
            assert!(failures.is_empty(), "{} calls failed:\n{}", failures.len(), failures.join("\n"));
        }
    })
}
