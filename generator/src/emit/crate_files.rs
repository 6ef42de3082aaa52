//! The crate around the code: `lib.rs`, `Cargo.toml`, `README.md` and the baked runtime.

use super::{docs, Options, Runtime};
use crate::model::{Api, BodyKind, Cursor, Operation, ParamIn, Prim, TypeKind, TypeRef};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// The runtime sources, copied verbatim into `src/runtime/`.
pub const RUNTIME: &[(&str, &str)] = &[
    ("auth.rs", include_str!("../../../templates/src/runtime/auth.rs")),
    ("client.rs", include_str!("../../../templates/src/runtime/client.rs")),
    ("clock.rs", include_str!("../../../templates/src/runtime/clock.rs")),
    ("error.rs", include_str!("../../../templates/src/runtime/error.rs")),
    ("filter.rs", include_str!("../../../templates/src/runtime/filter.rs")),
    ("mod.rs", include_str!("../../../templates/src/runtime/mod.rs")),
    ("paginate.rs", include_str!("../../../templates/src/runtime/paginate.rs")),
    ("quota.rs", include_str!("../../../templates/src/runtime/quota.rs")),
    ("request.rs", include_str!("../../../templates/src/runtime/request.rs")),
    ("response.rs", include_str!("../../../templates/src/runtime/response.rs")),
    ("retry.rs", include_str!("../../../templates/src/runtime/retry.rs")),
    ("time.rs", include_str!("../../../templates/src/runtime/time.rs")),
    ("values.rs", include_str!("../../../templates/src/runtime/values.rs")),
];

/// Example programs, copied into the pinned crate's `examples/` (they name its operations).
pub const EXAMPLES: &[(&str, &str)] = &[
    ("create_and_tag.rs", include_str!("../../../templates/examples/create_and_tag.rs")),
    ("list_contacts.rs", include_str!("../../../templates/examples/list_contacts.rs")),
    ("oauth2.rs", include_str!("../../../templates/examples/oauth2.rs")),
];

const RUNTIME_MANIFEST: &str = include_str!("../../../templates/Cargo.toml");
const CARGO_TEMPLATE: &str = include_str!("../../../templates/Cargo.toml.tmpl");
const README_TEMPLATE: &str = include_str!("../../../templates/README.md.tmpl");

pub fn lib_rs(api: &Api, opts: &Options) -> TokenStream {
    // The guide, whose code blocks are doc tests. No counts in it: adding an operation
    // should change only the files that own it.
    let crate_doc: TokenStream = guide(api, opts)
        .lines()
        .map(|l| {
            let l = if l.is_empty() { String::new() } else { format!(" {l}") };
            quote!(#![doc = #l])
        })
        .collect();
    let runtime = match &opts.runtime {
        Runtime::Baked => quote!(
            pub mod runtime;
        ),
        Runtime::Path(_) => quote!(
            pub use keapgen_runtime::runtime;
        ),
    };
    let base_url = &api.base_url;
    let accessors = api.tags.values().map(|t| {
        let m = format_ident!("{}", t.module);
        let h = format_ident!("{}", t.handle);
        let doc = docs::line_attr(&format!("Operations tagged `{}`.", t.api_name));
        quote! {
            #doc
            pub fn #m(&self) -> api::#h {
                api::#h { client: self.clone() }
            }
        }
    });
    quote! {
        #crate_doc
        #![forbid(unsafe_code)]
        #![allow(
            clippy::too_many_arguments,
            reason = "constructors take every required field; some operations take more than seven"
        )]
        #![allow(clippy::large_enum_variant, reason = "oneOf variants are as large as the spec makes them")]
        #![allow(
            clippy::should_implement_trait,
            clippy::new_ret_no_self,
            reason = "method names come from operationIds and parameters (`new`, `add`, `clone`, ...)"
        )]

        pub mod api;
        #runtime
        pub mod types;

        pub use runtime::{
            Auth, ClientBuilder, Error, Event, FilePart, Filter, Quota, Response, RetryPolicy, Secret, TokenStore, Tokens,
            Window,
        };

        /// The server the spec names; [`ClientBuilder::base_url`] sends elsewhere.
        pub const DEFAULT_BASE_URL: &str = #base_url;

        /// The API client. Cheap to clone: clones share one connection pool.
        #[derive(Clone, Debug)]
        pub struct Client {
            transport: runtime::Transport,
        }

        impl Client {
            /// A client for [`DEFAULT_BASE_URL`] with default settings.
            pub fn new() -> Result<Self, Error> {
                Self::builder().build()
            }

            /// A builder to set the base URL, timeout or HTTP client.
            pub fn builder() -> ClientBuilder<Self> {
                ClientBuilder::new(DEFAULT_BASE_URL)
            }

            /// The transport every operation sends through.
            pub fn transport(&self) -> &runtime::Transport {
                &self.transport
            }

            /// What each quota window (second, minute, day) has left.
            pub fn quota(&self) -> Vec<runtime::Budget> {
                self.transport.quota()
            }

            /// The OAuth2 token pair in use (the newest, saved or not); `None` for other
            /// credentials.
            pub fn tokens(&self) -> Option<Tokens> {
                self.transport.tokens()
            }

            #(#accessors)*
        }

        impl From<runtime::Transport> for Client {
            fn from(transport: runtime::Transport) -> Self {
                Client { transport }
            }
        }
    }
}

/// A test that every schema's example from the spec decodes into its type and encodes back
/// with the same values for every field the type knows.
pub fn examples_rs(opts: &Options, examples: &[crate::testdata::SchemaExample]) -> TokenStream {
    let krate = format_ident!("{}", opts.crate_name.replace('-', "_"));
    let cases = examples.iter().map(|e| {
        let (schema, ty, text) = (&e.schema, format_ident!("{}", e.ty), e.json.to_string());
        quote!((#schema, check::<#krate::types::#ty>, #text),)
    });
    quote! {
        //! Every component schema whose spec examples describe a value: the example decodes
        //! into the generated type, and encodes back with the same values for the fields the
        //! type knows.
        use serde_json::Value;

        fn check<T: serde::de::DeserializeOwned + serde::Serialize>(json: &str) -> Result<(), String> {
            let original: Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
            let decoded: T = serde_json::from_value(original.clone()).map_err(|e| format!("does not decode: {e}"))?;
            let again = serde_json::to_value(&decoded).map_err(|e| format!("does not encode: {e}"))?;
            same(&original, &again, "")
        }

        /// Values present in both agree; numbers sent for strings (ids) count as the same.
        fn same(original: &Value, again: &Value, at: &str) -> Result<(), String> {
            match (original, again) {
                (Value::Object(o), Value::Object(a)) => {
                    a.iter().filter_map(|(k, v)| o.get(k).map(|ov| (k, ov, v))).try_for_each(|(k, ov, v)| same(ov, v, &format!("{at}.{k}")))
                }
                (Value::Array(o), Value::Array(a)) if o.len() == a.len() => {
                    o.iter().zip(a).enumerate().try_for_each(|(i, (ov, v))| same(ov, v, &format!("{at}[{i}]")))
                }
                (Value::Number(o), Value::Number(a)) if (o.as_f64().unwrap_or(0.0) - a.as_f64().unwrap_or(0.0)).abs() <= 1e-6 * o.as_f64().unwrap_or(0.0).abs().max(1.0) => Ok(()),
                (Value::Number(o), Value::String(a)) if o.to_string() == *a => Ok(()),
                (Value::String(o), Value::Number(a)) if o.trim().parse::<f64>().ok() == a.as_f64() => Ok(()),
                (Value::Bool(o), Value::String(a)) if o.to_string() == *a => Ok(()),
                (o, a) if o == a => Ok(()),
                (o, a) => Err(format!("at `{at}`: {o} came back as {a}")),
            }
        }

        type Check = fn(&str) -> Result<(), String>;

        #[test]
        fn every_schema_example_round_trips() {
            let cases: &[(&str, Check, &str)] = &[#(#cases)*];
            let failures: Vec<String> =
                cases.iter().filter_map(|(name, check, json)| check(json).err().map(|e| format!("{name}: {e}"))).collect();
            assert!(failures.is_empty(), "{} of {} examples fail:
{}", failures.len(), cases.len(), failures.join("
"));
        }
    }
}

/// `Cargo.toml` from the template, with the runtime's dependencies (baked) or a path
/// dependency on the runtime crate (golden fixtures).
pub fn cargo_toml(opts: &Options, header: &str) -> String {
    // The runtime's features are the crate's: as they are (baked), or passed on to it.
    let (deps, features) = match &opts.runtime {
        Runtime::Baked => (
            manifest_section(RUNTIME_MANIFEST, "dependencies").trim().to_string(),
            manifest_section(RUNTIME_MANIFEST, "features").trim().to_string(),
        ),
        Runtime::Path(p) => (
            format!(
                "keapgen-runtime = {{ path = {p:?} }}\nserde = {{ version = \"1\", features = [\"derive\"] }}\nserde_json = \"1\""
            ),
            runtime_features()
                .map(|f| format!("{f} = [\"keapgen-runtime/{f}\"]"))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
    };
    let deps = format!("{deps}\n\n[features]\n{features}");
    // The guide's doc tests, example programs and contract test run on tokio.
    let deps = format!(
        "{deps}\n\n[dev-dependencies]\ntokio = {{ version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }}"
    );
    let body = strip_template_comment(CARGO_TEMPLATE)
        .replace("{name}", &opts.crate_name)
        .replace("{version}", &opts.crate_version)
        .replace("{spec}", &opts.spec_label.replace('\\', "\\\\").replace('"', "\\\""))
        .replace("{dependencies}", &deps);
    format!("{header}{body}")
}

/// The names of the runtime's cargo features.
fn runtime_features() -> impl Iterator<Item = &'static str> {
    manifest_section(RUNTIME_MANIFEST, "features")
        .lines()
        .filter_map(|l| l.split_once('=').map(|(name, _)| name.trim()))
        .filter(|name| !name.is_empty() && !name.starts_with('#'))
}

/// The guide: the README and the crate docs. Its code blocks are doc tests; each calls
/// operations this spec really has, or is left out.
pub fn guide(api: &Api, opts: &Options) -> String {
    let krate = opts.crate_name.replace('-', "_");
    let no_args = |o: &Operation| !o.params.iter().any(|p| p.required) && !o.body.as_ref().is_some_and(|b| b.required);
    // Prefer the contact group, then GETs, then short paths: the likeliest first call.
    let pick = |ok: &dyn Fn(&Operation) -> bool| {
        api.tags
            .values()
            .flat_map(|t| t.operations.iter().map(move |o| (t, o)))
            .filter(|(_, o)| ok(o))
            .min_by_key(|(t, o)| (!t.module.starts_with("contact"), o.http_method != "GET", o.path.len()))
            .map(|(t, o)| (t.module.as_str(), o))
    };
    let hidden = |body: &str, args: &str| {
        format!(
            "```rust,no_run\n# async fn example({args}) -> Result<(), Box<dyn std::error::Error>> {{\n{body}# Ok(())\n# }}\n```"
        )
    };
    let client_arg = format!("client: {krate}::Client");

    let first_get = pick(&|o| o.http_method == "GET" && no_args(o));
    let use_example = first_get
        .map(|(m, o)| {
            format!(
                "    let answer = client.{m}().{}().send().await?;\n    println!(\"{{answer:?}}\");\n",
                o.method_name
            )
        })
        .unwrap_or_default();

    let list_section = match pick(&|o| o.pagination.is_some() && no_args(o)) {
        Some((m, o)) => {
            let pg = o.pagination.as_ref().expect("picked for its pagination");
            let size = ["page_size", "limit"]
                .into_iter()
                .find(|n| o.params.iter().any(|p| p.name == *n && !p.required))
                .map(|n| format!(".{n}(100)"))
                .unwrap_or_default();
            let how = match pg.cursor {
                Cursor::Token { .. } => "follow `next_page_token` until the server sends none",
                Cursor::Offset { .. } => "move `offset` past the items received until a page comes back empty or short",
            };
            let code = hidden(
                &format!(
                    "let mut items = client.{m}().{op}(){size}.items();\n\
                     while let Some(item) = items.next_item().await {{\n    println!(\"{{:?}}\", item?);\n}}\n\
                     let every_one = client.{m}().{op}().items().all().await?; // or `.pages()`, page by page\n",
                    op = o.method_name
                ),
                &client_arg,
            );
            format!(
                "Every list streams its items (`.items()`) or pages (`.pages()`): they {how}, one \
                 request per page, each within the quota. Setters keep `page_size` within the spec's \
                 maximum.\n\n{code}\n\n`Items` and `Pages` are also `futures_core::Stream`s, for \
                 `StreamExt` combinators."
            )
        }
        None => "This spec has no list that pages.".to_string(),
    };

    let filter_op = pick(&|o| {
        no_args(o)
            && o.params.iter().any(|p| p.api_name == "filter" && !p.required && p.ty == TypeRef::Prim(Prim::String))
    });
    let filter_calls = filter_op
        .map(|(m, o)| {
            format!(
                "let page = client.{m}().{op}().filter(filter).send().await?;\n\
                 let page = client.{m}().{op}().filter(\"given_name==Mary\").send().await?; // the raw form\n",
                op = o.method_name
            )
        })
        .unwrap_or_else(|| "let text = filter.to_text()?;\n".into());
    let filter_section = format!(
        "Keap's `filter` parameter is one string with its own grammar: `field==value` clauses \
         joined by `;`, `>`, `<`, `>=`, `<=` on numbers and dates, a trailing `*` for a prefix, \
         comma-separated lists. `{krate}::Filter` writes it (the raw string works too) and never \
         alters a value: one the grammar cannot carry fails the request (see below).\n\n{}",
        hidden(
            &format!(
                "let filter = {krate}::Filter::new()\n    \
                 .starts_with(\"email\", \"mary\")            // email==mary*\n    \
                 .ge(\"update_time\", std::time::SystemTime::now()) // ;update_time>=2026-01-01T00:00:00.000Z\n    \
                 .any_of(\"id\", [1, 2, 3]);                 // ;id==1,2,3\n{filter_calls}"
            ),
            &client_arg
        )
    );

    let update_section = match update_example(api, &krate) {
        Some((m, o, code)) => format!(
            "A Keap PATCH without `update_mask` replaces whole lists (email addresses, phone numbers, \
             addresses) with what it is sent. Every update method here derives `update_mask` from the \
             fields you set, so changing a name cannot wipe anything else; an explicit \
             `.update_mask(...)` wins. Each such method's documentation says so \
             (`client.{m}().{}`, for one).\n\n{}",
            o.method_name,
            hidden(&code, &client_arg)
        ),
        None => "This spec has no partial update with an `update_mask`.".into(),
    };

    let error_section = first_get
        .map(|(m, o)| {
            hidden(
                &format!(
                    "match client.{m}().{}().send().await {{\n    \
                     Ok(answer) => println!(\"{{answer:?}}\"),\n    \
                     Err({krate}::Error::Api(e)) if e.status == 404 => println!(\"not found: {{}}\", e.raw),\n    \
                     Err({krate}::Error::QuotaExhausted {{ window, resets_at }}) => {{\n        \
                     println!(\"the {{window}} quota is used up until {{resets_at:?}}\")\n    }}\n    \
                     Err(e) => return Err(e.into()), // its message says what happened and where\n}}\n",
                    o.method_name
                ),
                &client_arg,
            )
        })
        .unwrap_or_default();

    let resume_example =
        match pick(&|o| no_args(o) && matches!(o.pagination.as_ref().map(|p| &p.cursor), Some(Cursor::Token { .. }))) {
            Some((m, o)) => {
                let token = match &o.pagination.as_ref().expect("picked for its pagination").cursor {
                    Cursor::Token { param, .. } => param.clone(),
                    Cursor::Offset { offset, .. } => offset.clone(),
                };
                hidden(
                    &format!(
                        "# let saved: Option<String> = None;\n\
                     let mut list = client.{m}().{op}();\n\
                     if let Some(token) = saved {{\n    \
                     list = list.{token}(token); // resume a crashed export\n\
                     }}\n\
                     let mut items = list.items();\n\
                     while let Some(item) = items.next_item().await {{\n    \
                     match item {{\n        \
                     Ok(item) => println!(\"{{item:?}}\"),\n        \
                     // Save where to resume, then stop (polling again would retry that page).\n        \
                     Err(e) => return Err(format!(\"{{e}}; resume at {{:?}}\", items.page_token()).into()),\n    \
                     }}\n\
                     }}\n",
                        op = o.method_name
                    ),
                    &client_arg,
                )
            }
            None => String::new(),
        };

    let clear_example = update_example(api, &krate)
        .and_then(|(m, o, _)| {
            let um = o.update_mask.as_ref()?;
            let mask = o.params.iter().find(|p| p.name == um.param)?;
            let TypeRef::Named(enum_name) = &mask.ty else { return None };
            let TypeKind::Enum { variants, integer: false } = &api.types.get(enum_name)?.kind else { return None };
            let variant = variants.iter().find(|v| !um.unmaskable.contains(&v.api_name))?;
            let TypeRef::Named(body_ty) = &o.body.as_ref()?.ty else { return None };
            let mut args: Vec<String> = o.params.iter().filter(|p| p.required).map(|_| "\"123\"".to_string()).collect();
            let empty = format!("{krate}::types::{body_ty}::default()");
            let call = if o.body.as_ref().is_some_and(|b| b.required) {
                args.push(empty);
                format!("({})", args.join(", "))
            } else {
                format!("({}).body({empty})", args.join(", "))
            };
            Some(hidden(
                &format!(
                    "// Empties `{wire}`, changes nothing else: {method} ...?{mask_wire}={wire}, no value sent.\n\
                     client\n    \
                     .{m}()\n    \
                     .{op}{call}\n    \
                     .{clear}([{krate}::types::{enum_name}::{variant}])\n    \
                     .send()\n    \
                     .await?;\n",
                    wire = variant.api_name,
                    method = o.http_method,
                    mask_wire = mask.api_name,
                    op = o.method_name,
                    clear = um.clear_setter,
                    variant = variant.name,
                ),
                &client_arg,
            ))
        })
        .unwrap_or_default();

    let classify_example = first_get
        .map(|(m, o)| {
            hidden(
                &format!(
                    "match client.{m}().{op}().send().await {{\n    \
                     Ok(answer) => println!(\"{{answer:?}}\"),\n    \
                     Err(e) if e.is_not_found() => println!(\"gone\"),\n    \
                     Err(e) if e.is_retryable() && !e.maybe_sent() => println!(\"not sent; try later: {{e}}\"),\n    \
                     Err(e) if e.is_auth() => println!(\"check the credentials: {{e}}\"),\n    \
                     Err(e) => println!(\"failed (request id {{:?}}): {{e}}\", e.request_id()),\n\
                     }}\n\
                     let answer = client.{m}().{op}().send_with_response().await?;\n\
                     println!(\"HTTP {{}}, request id {{:?}}\", answer.status(), answer.request_id());\n\
                     let body = answer.into_inner();\n\
                     # let _ = body;\n",
                    op = o.method_name
                ),
                &client_arg,
            )
        })
        .unwrap_or_default();

    strip_template_comment(README_TEMPLATE)
        .replace("{name}", &opts.crate_name)
        .replace("{crate}", &krate)
        .replace("{version}", &opts.crate_version)
        .replace("{spec}", &opts.spec_label)
        .replace("{title}", &api.title)
        .replace("{base_url}", &api.base_url)
        .replace("{use_example}", &use_example)
        .replace("{list_section}", &list_section)
        .replace("{filter_section}", &filter_section)
        .replace("{update_section}", &update_section)
        .replace("{error_section}", &error_section)
        .replace("{resume_example}", &resume_example)
        .replace("{clear_example}", &clear_example)
        .replace("{classify_example}", &classify_example)
        .replace("{filter_wrong}", FILTER_WRONG)
        .replace("{dates_wrong}", DATES_WRONG)
        .replace("{refresh_wrong}", REFRESH_WRONG)
}

const FILTER_WRONG: &str = "**Filters.** `Filter` never alters a value. A clause Keap's grammar cannot \
express (a `;` anywhere, a value ending in `*`, which would match a prefix (use `starts_with`), a value \
starting with `=`, a `,` inside an `any_of` item, an empty `any_of`, a field name with an operator \
character, a `,` in a single value, which would make it a list, a date that does not parse) makes \
`send()` fail with `Error::InvalidRequest` naming the clause, before anything is sent. Raw strings \
are sent as written, unless they look percent-encoded: write operators as they are, since the \
client percent-encodes the query, and text copied encoded from Keap's docs (`%3D%3D`, `%2A`) would \
be encoded twice and match nothing, so it is refused too. Dates in filters are written as Keap's filter docs demand, \
`2026-01-01T00:00:00.000Z`: pass a `SystemTime`, `DateTime` or `Timestamp`, not text.";

const DATES_WRONG: &str = "**Dates.** `DateTime` keeps the server's text, so it has no `<`: the same \
instant can be written many ways (`17:00:00Z`, `18:00:00+01:00`), and text order would lie. \
Compare `.parse()` results, which order by instant. A `DateTime` made from a `SystemTime` or a \
`Timestamp` is written `2026-01-01T00:00:00.000Z` (UTC, exactly three fraction digits; anything \
below a millisecond is dropped).";

const REFRESH_WRONG: &str = "**Refresh.** A token endpoint that cannot be reached, times out, or answers \
5xx, 408 or 429 is retried within `RetryPolicy`; after that the request fails with `Error::Auth` of \
kind `AuthErrorKind::Unavailable`, the tokens unchanged, and the next request tries again. A refused \
refresh (400 `invalid_grant` or `invalid_request`, 401) is kind `Refused`. When an attempt may have \
reached Keap but its answer was lost, Keap may have rotated the refresh token already; if the retry \
is then refused, the kind is `ProbablyRotated` and the message says so. `e.needs_reauthorization()` \
is true for those two: only then send the user through authorization again. A token store that fails \
to save a new pair (after retries) fails the request that refreshed with kind `Store`; the new pair \
stays in use, and `client.tokens()` returns it to save elsewhere.";

/// A partial update with a JSON body whose one string field is set, and the call.
fn update_example<'a>(api: &'a Api, krate: &str) -> Option<(&'a str, &'a Operation, String)> {
    let (tag, op, body, field) = api
        .tags
        .values()
        .flat_map(|t| t.operations.iter().map(move |o| (t, o)))
        .filter(|(_, o)| o.update_mask.is_some())
        .filter(|(_, o)| o.params.iter().filter(|p| p.required).all(|p| p.location == ParamIn::Path && p.scalar))
        .filter_map(|(t, o)| {
            let b = o.body.as_ref().filter(|b| b.kind == BodyKind::Json)?;
            let TypeRef::Named(n) = &b.ty else { return None };
            let TypeKind::Struct { fields, .. } = &api.types.get(n)?.kind else { return None };
            if !api.defaultable(&b.ty) {
                return None;
            }
            let unmaskable = &o.update_mask.as_ref()?.unmaskable;
            let field = fields
                .iter()
                .filter(|f| !f.required && f.ty == TypeRef::Prim(Prim::String) && !unmaskable.contains(&f.api_name))
                .min_by_key(|f| (f.api_name != "given_name", f.api_name.len()))?;
            Some((t, o, n, field))
        })
        .min_by_key(|(t, o, _, _)| (!t.module.starts_with("contact"), o.path.len()))?;
    let args: Vec<String> = op
        .params
        .iter()
        .filter(|p| p.required)
        .map(|p| match p.ty {
            TypeRef::Prim(Prim::String) => "\"123\"".to_string(),
            _ => "123".to_string(),
        })
        .collect();
    let required_body = op.body.as_ref().is_some_and(|b| b.required);
    let call = match (required_body, args.is_empty()) {
        (true, true) => "(change)".to_string(),
        (true, false) => format!("({}, change)", args.join(", ")),
        (false, _) => format!("({}).body(change)", args.join(", ")),
    };
    let code = format!(
        "let change = {krate}::types::{body} {{ {f}: Some(\"Ada\".into()), ..Default::default() }};\n\
         client.{m}().{op}{call}.send().await?; // {method} ...?{mask}={wire}\n",
        f = field.name,
        m = tag.module,
        op = op.method_name,
        method = op.http_method,
        mask = op
            .params
            .iter()
            .find(|p| Some(&p.name) == op.update_mask.as_ref().map(|m| &m.param))
            .map_or("update_mask", |p| p.api_name.as_str()),
        wire = field.api_name,
    );
    Some((tag.module.as_str(), op, code))
}

/// The guide as a README: code blocks without their set-up lines.
pub fn readme(api: &Api, opts: &Options) -> String {
    let mut out = String::new();
    let mut in_rust = false;
    for line in guide(api, opts).lines() {
        if line.starts_with("```") {
            in_rust = line.starts_with("```rust");
            out.push_str(if in_rust { "```rust" } else { line });
            out.push('\n');
            continue;
        }
        if in_rust && (line.starts_with("# ") || line == "#") {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    format!("<!-- @generated by keapgen from {}. Do not edit. -->\n{out}", opts.spec_label)
}

/// Drops the template's leading comment lines (they describe the template, not the output).
fn strip_template_comment(text: &str) -> &str {
    let mut rest = text;
    while let Some(line_end) = rest.find('\n') {
        let line = &rest[..line_end];
        if line.starts_with("#!") || line.starts_with("<!--!") {
            rest = &rest[line_end + 1..];
        } else {
            break;
        }
    }
    rest
}

/// The body of `[section]` in a manifest.
fn manifest_section<'a>(manifest: &'a str, section: &str) -> &'a str {
    let head = format!("[{section}]\n");
    let Some(start) = manifest.find(&head).map(|i| i + head.len()) else { return "" };
    let rest = &manifest[start..];
    let end = rest.find("\n[").map(|i| i + 1).unwrap_or(rest.len());
    &rest[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_runtime_file_is_baked_in() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../templates/src/runtime");
        let mut on_disk: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        on_disk.sort();
        let listed: Vec<&str> = RUNTIME.iter().map(|(name, _)| *name).collect();
        assert_eq!(on_disk, listed, "list every file of templates/src/runtime in RUNTIME");
    }

    #[test]
    fn runtime_dependencies_come_from_the_runtime_manifest() {
        let deps = manifest_section(RUNTIME_MANIFEST, "dependencies");
        assert!(deps.contains("reqwest"), "{deps}");
        assert!(!deps.contains("rt-multi-thread"), "dev-dependencies leaked: {deps}");
    }

    #[test]
    fn the_runtime_features_are_the_crates() {
        assert_eq!(runtime_features().collect::<Vec<_>>(), ["serde-tokens"]);
        let baked = cargo_toml(&Options::new("keap", "spec"), "");
        assert!(baked.contains("\n[features]\n# `Serialize` and `Deserialize` for `Tokens`"), "{baked}");
        assert!(baked.contains("\nserde-tokens = []\n"), "{baked}");
        let path = cargo_toml(&Options { runtime: Runtime::Path("../rt".into()), ..Options::new("keap", "spec") }, "");
        assert!(path.contains("\n[features]\nserde-tokens = [\"keapgen-runtime/serde-tokens\"]\n"), "{path}");
    }
}
