//! The guide, written once as the README and the crate docs: the README template filled in
//! with examples that call operations this spec really has.

use super::templates::{strip_template_comment, README_TEMPLATE};
use crate::model::{Api, BodyKind, Cursor, Operation, ParamIn, Prim, TypeKind, TypeRef};
use crate::Options;

/// The guide: the README and the crate docs. Its code blocks are doc tests; each calls
/// operations this spec really has, or is left out.
pub fn guide(apis: &[&Api], opts: &Options) -> String {
    let api = apis[0];
    let krate = opts.crate_name.replace('-', "_");
    let no_args = |o: &Operation| !o.params.iter().any(|p| p.required) && !o.body.as_ref().is_some_and(|b| b.required);
    // Keap's likeliest first calls (`Tag::guide_rank`), then GETs, then short paths.
    let pick = |ok: &dyn Fn(&Operation) -> bool| {
        api.tags
            .values()
            .flat_map(|t| t.operations.iter().map(move |o| (t, o)))
            .filter(|(_, o)| ok(o))
            .min_by_key(|(t, o)| (t.guide_rank, o.http_method != "GET", o.path.len()))
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
                Cursor::Offset { count_field: Some(_), .. } => {
                    "move `offset` past the items received until the page's `count` of matches has been received"
                }
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
    // The example's clauses use only fields its operation documents (Keap lists them as
    // "- (Type) `name` ..." in the parameter's description).
    let documented: Vec<(String, String)> = filter_op
        .and_then(|(_, o)| o.params.iter().find(|p| p.api_name == "filter")?.doc.clone())
        .map(|doc| filter_fields(&doc))
        .unwrap_or_default();
    let clause = |want: &dyn Fn(&str, &str) -> bool| documented.iter().find(|(n, line)| want(n, line));
    // (code, what it writes), joined by `;` in the comments.
    let mut clauses: Vec<(String, String)> = Vec::new();
    if let Some((n, _)) = clause(&|_, line| line.contains("wildcard")) {
        clauses.push((format!(".starts_with(\"{n}\", \"mary\")"), format!("{n}==mary*")));
    }
    if let Some((n, _)) = clause(&|n, _| n.ends_with("_time")) {
        let code = format!(".eq(\"{n}\", std::time::SystemTime::now())");
        clauses.push((code, format!("{n}==2026-01-01T00:00:00.000Z")));
    }
    if let Some((n, _)) = clause(&|_, line| line.contains("Set[")) {
        clauses.push((format!(".any_of(\"{n}\", [1, 2, 3])"), format!("{n}==1,2,3")));
    }
    let filter_calls = match filter_op {
        Some((m, o)) if !clauses.is_empty() => {
            let raw = documented.first().map(|(n, _)| n.as_str()).unwrap_or("given_name");
            let last = clauses.len() - 1;
            let lines: Vec<String> = clauses
                .iter()
                .enumerate()
                .map(|(i, (code, text))| {
                    let (end, joined) = (if i == last { ";" } else { "" }, if i == 0 { "" } else { ";" });
                    format!("{code}{end} // {joined}{text}")
                })
                .collect();
            format!(
                "let filter = {krate}::Filter::new()\n    {}\n\
                 let page = client.{m}().{op}().filter(filter).send().await?;\n\
                 let page = client.{m}().{op}().filter(\"{raw}==Mary\").send().await?; // the raw form\n",
                lines.join("\n    "),
                op = o.method_name
            )
        }
        _ => format!(
            "let filter = {krate}::Filter::new().starts_with(\"name\", \"mary\").any_of(\"id\", [1, 2, 3]);\n\
             let text = filter.to_text()?; // name==mary*;id==1,2,3\n"
        ),
    };
    let filter_section = format!(
        "Keap's `filter` parameter is one string with its own grammar: `field==value` clauses \
         joined by `;`, `>`, `<`, `>=`, `<=` on numbers and dates, a trailing `*` for a prefix, \
         comma-separated lists. Each list operation's documentation names the fields its filter \
         takes. `{krate}::Filter` writes it (the raw string works too) and never alters a value: \
         one the grammar cannot carry fails the request (see below).\n\n{}",
        hidden(&filter_calls, &client_arg)
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
                     // Save where to resume, then stop.\n        \
                     Err(e) => return Err(format!(\"{{e}}; resume at {{:?}}\", items.resume()).into()),\n    \
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
            let mut args: Vec<String> =
                o.params.iter().filter(|p| p.required).map(|p| example_arg(&p.ty, &krate)).collect();
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

    // `fields` names the response's fields by an enum: one call that compiles, one typo that
    // does not.
    let fields_section = pick(&|o| o.http_method == "GET" && o.params.iter().any(|p| p.exact))
        .filter(|(_, o)| {
            o.params.iter().filter(|p| p.required).all(|p| p.ty == TypeRef::Prim(Prim::String) || p.ty.is_id())
        })
        .and_then(|(m, o)| {
            let p = o.params.iter().find(|p| p.exact)?;
            let TypeRef::Named(e) = &p.ty else { return None };
            let TypeKind::Enum { variants, .. } = &api.types.get(e)?.kind else { return None };
            let v = variants.iter().min_by_key(|v| (v.api_name != "custom_fields", v.api_name.len()))?;
            let args: Vec<String> =
                o.params.iter().filter(|p| p.required).map(|p| example_arg(&p.ty, &krate)).collect();
            let args = args.join(", ");
            let call = |value: &str| {
                format!("client.{m}().{op}({args}).{f}([{value}]).send().await?;\n", op = o.method_name, f = p.name)
            };
            let good = hidden(&call(&format!("{krate}::types::{e}::{}", v.name)), &client_arg);
            // The good call's name, one letter off: `custom_field` for `custom_fields`.
            let typo = v.api_name.strip_suffix('s').map_or_else(|| format!("{}s", v.api_name), str::to_string);
            let bad = hidden(&call(&format!("{typo:?}")), &client_arg).replacen("rust,no_run", "rust,compile_fail", 1);
            Some(format!(
                "`.{f}(...)` asks for fields the server leaves out unless named; it takes the \
                 response's field names as an enum (`{e}`), so a misspelt name does not compile. A \
                 name this crate does not list goes in as `{e}::from(\"name\")`, written out.\n\n{good}\n\n{bad}",
                f = p.name
            ))
        })
        .unwrap_or_default();
    // A call whose required arguments are ids or text, at least one an id: the Ids section
    // gives it another record's id, which must not compile.
    let id_call = pick(&|o| {
        let required: Vec<_> = o.params.iter().filter(|p| p.required).collect();
        required.iter().any(|p| p.ty.is_id())
            && required.iter().all(|p| p.ty.is_id() || p.ty == TypeRef::Prim(Prim::String))
            && !o.body.as_ref().is_some_and(|b| b.required)
    });
    let ids_section = ids_section(apis, &krate, id_call, &hidden, &client_arg);
    let custom_fields_section = custom_fields_section(api, &krate);
    let features_section = features_section(apis, opts);
    let specs_section: String = apis[1..].iter().map(|a| spec_section(api, a, opts)).collect();

    strip_template_comment(README_TEMPLATE)
        .replace("{name}", &opts.crate_name)
        .replace("{crate}", &krate)
        .replace("{version}", &opts.crate_version)
        .replace("{spec}", &opts.spec_label)
        .replace("{title}", &api.title)
        .replace("{base_url}", &api.base_url)
        .replace("{features_section}", &features_section)
        .replace("{specs_section}", &specs_section)
        .replace("{use_example}", &use_example)
        .replace("{list_section}", &list_section)
        .replace("{fields_section}", &fields_section)
        .replace("{ids_section}", &ids_section)
        .replace("{custom_fields_section}", &custom_fields_section)
        .replace("{filter_section}", &filter_section)
        .replace("{update_section}", &update_section)
        .replace("{error_section}", &error_section)
        .replace("{resume_example}", &resume_example)
        .replace("{clear_example}", &clear_example)
        .replace("{classify_example}", &classify_example)
        .replace("{filter_wrong}", FILTER_WRONG)
        .replace("{dates_wrong}", DATES_WRONG)
        .replace("{refresh_wrong}", REFRESH_WRONG)
        .replace("{testing_example}", &testing_example(opts, &krate))
}

/// The pinned crate's "Testing your code" example: the file its `tests/` runs, as it is
/// (other specs' crates may lack the operations it calls).
fn testing_example(opts: &Options, krate: &str) -> String {
    if !opts.example_programs {
        return String::new();
    }
    let file = testing_your_code(krate);
    let code: Vec<&str> = file.lines().skip_while(|l| l.starts_with("//!")).collect();
    format!(
        "\nA sync that meets a 429 and a 500 in a three-page listing, tested in full. This is the \
         crate's `tests/testing_your_code.rs`, run by `cargo test --features testing`:\n\n\
         ```rust,ignore\n{}\n```\n",
        code.join("\n")
    )
}

/// The guide's test file, for a crate named `krate`.
pub(super) fn testing_your_code(krate: &str) -> String {
    super::templates::TESTING_YOUR_CODE.replace("keap::", &format!("{krate}::"))
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

/// The "Ids" section: what the id types are, how v1's and v2's convert (a doc test that runs),
/// and a call given another record's id, which must not compile. Empty without typed ids.
fn ids_section(
    apis: &[&Api],
    krate: &str,
    id_call: Option<(&str, &Operation)>,
    hidden: &dyn Fn(&str, &str) -> String,
    client_arg: &str,
) -> String {
    use heck::ToUpperCamelCase;
    let records = super::ids::records(apis);
    let Some(record) = records.iter().find(|r| **r == "contact").or(records.first()) else {
        return String::new();
    };
    let marker = record.to_upper_camel_case();
    let id = format!("{marker}Id");
    let convert = format!(
        "```rust\n# fn example() -> Result<(), {krate}::ids::IdError> {{\n\
         use {krate}::ids::{{{marker}, {id}, NumId}};\n\
         let v2 = {id}::new(\"101\"); // REST v2: text\n\
         let v1: NumId<{marker}> = NumId::try_from(&v2)?; // REST v1: a number\n\
         assert_eq!(v1.get(), 101);\n\
         assert_eq!({id}::from(v1), v2);\n\
         assert!(v2 == \"101\");\n\
         assert!(NumId::<{marker}>::try_from(&{id}::new(\"abc\")).is_err());\n\
         # Ok(())\n# }}\n```"
    );
    // The call given another record's id where its first id is due.
    let swapped = id_call
        .and_then(|(m, o)| {
            let required: Vec<&crate::model::Param> = o.params.iter().filter(|p| p.required).collect();
            let first = required.iter().position(|p| p.ty.is_id())?;
            let TypeRef::Prim(Prim::Id { record: due, number }) = required[first].ty else { return None };
            let other = records.iter().find(|r| **r != due)?;
            let call = |args: Vec<String>| {
                format!("client.{m}().{op}({}).send().await?;\n", args.join(", "), op = o.method_name)
            };
            let good: Vec<String> = required.iter().map(|p| example_arg(&p.ty, krate)).collect();
            let mut bad = good.clone();
            bad[first] = example_arg(&TypeRef::Prim(Prim::Id { record: other, number }), krate);
            Some(format!(
                "{}\n\nGiven {} {}'s id where {} {}'s is due, the same call does not compile:\n\n{}",
                hidden(&call(good), client_arg),
                article(other),
                other.replace('_', " "),
                article(due),
                due.replace('_', " "),
                hidden(&call(bad), client_arg).replacen("rust,no_run", "rust,compile_fail", 1)
            ))
        })
        .unwrap_or_default();
    format!(
        "## Ids\n\n\
         Each kind of record whose ids the specs name has its own id type in `{krate}::ids`: \
         `{id}` is `Id<{marker}>`, text, as REST v2 writes ids; `NumId<{marker}>` is a number, as \
         REST v1 writes them. Parameters, bodies and responses use them, so another record's id, \
         a title or a bare number cannot go where {a} {words}'s id is due: it does not compile. \
         Types whose required fields share a type (two texts, two ids) are built from named \
         fields, `new(TypeRequired {{ .. }})` or a struct literal, so those cannot swap either.\n\n\
         Make an id from text (`{id}::new(\"101\")`) or a number (`{id}::from(101)`); read it with \
         `as_str()` or `Display`; compare it with text (`id == \"101\"`). Decoding takes a number or \
         text for any id, and refuses anything else naming the record. v1's and v2's ids of one \
         record convert explicitly: `{id}::from(v1_id)` always, `NumId::<{marker}>::try_from(&v2_id)` \
         when the text is a number (else `IdError`). A REST Hook delivers v1's numbers; a v2 call \
         takes them as `{id}::from(n)`. Ids the specs do not tie to one record stay text or \
         numbers.\n\n{convert}\n\n{swapped}",
        a = article(record),
        words = record.replace('_', " "),
    )
}

/// The "Custom fields" section: loading the definitions, reading and writing by name (a doc
/// test on the first record type with both helpers), and each type's value and wire form.
/// Empty when no record type has them.
fn custom_fields_section(api: &Api, krate: &str) -> String {
    let Some((m, body, list, id_ty)) = super::custom_fields::guide_target(api) else { return String::new() };
    let id = example_arg(id_ty, krate);
    let words = m.replace('_', " ");
    format!(
        "## Custom fields\n\n\
         Keap keeps each account's own data in custom fields, and its API names them by id. Here \
         they are named as users know them, by label (`Favorite color`) or field name \
         (`favoriteColor`), and each value is typed by its field's type. \
         `client.{m}().custom_fields()` loads a record type's definitions (labels, field names, \
         types, options) with one request and keeps them in the client and its clones: later \
         calls send nothing. `reload_custom_fields()` forgets them, after fields are added, renamed \
         or given options in Keap. A name that is unknown or that two fields share, a value of \
         the wrong type, an option that is not one: each is `Error::CustomField` (its \
         `kind()` says which), before anything is sent.\n\n\
         ```rust,no_run\n\
         # async fn example(client: {krate}::Client) -> Result<(), Box<dyn std::error::Error>> {{\n\
         use {krate}::runtime::{{CustomValue, Date}};\n\
         // Reads ask for `custom_fields` themselves: Keap leaves them out unless asked.\n\
         let values = client.{m}().custom_field_values({id}).await?;\n\
         if let Some(color) = values.get(\"Favorite color\")? {{\n    \
         println!(\"{{:?}}\", color.as_text());\n\
         }}\n\
         // Writes check every name and value first; the other fields keep their values.\n\
         client\n    \
         .{m}()\n    \
         .set_custom_fields(\n        \
         {id},\n        \
         [\n            \
         (\"Favorite color\", CustomValue::from(\"Blue\")), // a dropdown: an option's label\n            \
         (\"renewal\", Date::from(\"2027-01-31\").into()),   // by field name\n            \
         (\"Seats\", CustomValue::from(12)),\n        \
         ],\n    \
         )\n    \
         .await?;\n\
         // Any body's `custom_fields`, from names and values:\n\
         let fields = client.{m}().custom_fields().await?;\n\
         let body = {krate}::types::{body} {{\n    \
         {list}: Some(fields.write([(\"Seats\", 3)])?),\n    \
         ..Default::default()\n\
         }};\n\
         # let _ = body;\n\
         # Ok(())\n\
         # }}\n\
         ```\n\n\
         `set_custom_fields` reads the {words}'s values first and sends the whole list with yours \
         changed, since Keap's spec says a `custom_fields` list sent replaces the record's: two \
         requests, and a change made elsewhere to another custom field in between is overwritten \
         with the value read. To write several records, build the list with \
         `fields.write_over(&record.{list}, changes)` from records you have read with their \
         custom fields.\n\n\
         Keap does not document what `content` holds for each type; this crate writes what its \
         filter docs and public integrations use, and reads each form listed. A value that fits \
         none fails `get` for that field (kind `Unreadable`, naming the value), never reads as \
         nothing; `values.raw()` shows everything as sent. `get` on a record read without its \
         custom fields fails too (kind `NotSent`).\n\n\
         | Keap type | value | sent as | also read |\n\
         |---|---|---|---|\n\
         | `TEXT`, `TEXT_AREA`, `EMAIL`, `PHONE_NUMBER`, `WEBSITE`, `NAME`, `STATE`, `SOCIAL_SECURITY_NUMBER`, `DRILLDOWN` | `CustomValue::Text` (from `&str`, `String`) | a string | numbers, as text |\n\
         | `WHOLE_NUMBER`, `YEAR`, `MONTH`, `DAY_OF_WEEK` | `Whole` (from `i64`, `i32`) | a number | `4.0`, `\"4\"` |\n\
         | `DECIMAL_NUMBER`, `CURRENCY`, `PERCENT` | `Decimal` (an exact `Amount`; a `Whole` too) | a number (refused if a JSON number cannot carry it exactly) | numeric text |\n\
         | `DATE` | `Date` (`YYYY-MM-DD`, checked) | `\"2027-01-31\"` | the text as sent |\n\
         | `DATE_TIME` | `DateTime` (from `SystemTime`; text must parse) | `\"2027-01-31T09:00:00.000Z\"` | the text as sent |\n\
         | `YES_NO` | `YesNo` (from `bool`) | `1` or `0` | `true`/`false`, `\"Yes\"`/`\"No\"`, `\"1\"`/`\"0\"` |\n\
         | `DROPDOWN`, `RADIO` | an option's label (text or `Choice`; an id where no label matches) | the label | an option's id, as its label |\n\
         | `LIST_BOX` | `CustomValue::choices([..])`, labels (one holding a `,` is refused) | the labels joined by `,` | a list, or text joined by `,`, each part an option |\n\
         | `USER` | `Whole`, the user's id | a number | numeric text |\n\
         | `USER_LIST_BOX` | `Users(vec![..])`, ids | the ids joined by `,` | a list, or text joined by `,` |\n\
         | any other | `Raw(serde_json::Value)` | as given | as sent |\n\
         \n\
         `null` and `\"\"` read as no value (`None`); `CustomValue::Empty` empties a field of any \
         type (sent as `null`)."
    )
}

/// "a" or "an" before a record's name.
fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// The fields a filter parameter's description lists, with each one's line: Keap writes
/// them as "- (Type) `name` ...".
fn filter_fields(doc: &str) -> Vec<(String, String)> {
    doc.lines()
        .filter_map(|line| {
            let rest = line.trim_start().strip_prefix("- (")?;
            let (_, rest) = rest.split_once(')')?;
            let name = rest.trim_start().strip_prefix('`')?.split('`').next()?;
            let plain = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            plain.then(|| (name.to_string(), line.to_string()))
        })
        .collect()
}

/// A value for a required argument of type `ty` in the guide's code: ids are named as ids.
fn example_arg(ty: &TypeRef, krate: &str) -> String {
    match ty {
        TypeRef::Prim(Prim::String) => "\"123\"".to_string(),
        TypeRef::Prim(Prim::Id { record, number: false }) => {
            format!("{krate}::ids::{}Id::new(\"123\")", heck::ToUpperCamelCase::to_upper_camel_case(*record))
        }
        TypeRef::Prim(Prim::Id { record, number: true }) => {
            format!(
                "{krate}::ids::NumId::<{krate}::ids::{}>::new(123)",
                heck::ToUpperCamelCase::to_upper_camel_case(*record)
            )
        }
        _ => "123".to_string(),
    }
}

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
        .min_by_key(|(t, o, _, _)| (t.guide_rank, o.path.len()))?;
    let args: Vec<String> = op.params.iter().filter(|p| p.required).map(|p| example_arg(&p.ty, krate)).collect();
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
pub fn readme(apis: &[&Api], opts: &Options) -> String {
    let mut out = String::new();
    let mut in_rust = false;
    for line in guide(apis, opts).lines() {
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

/// The spec's groups, Keap's likeliest first (`Tag::guide_rank`, then by module): the order
/// in which the docs pick groups to name.
pub(super) fn ranked_tags(api: &Api) -> Vec<&crate::model::Tag> {
    let mut ranked: Vec<_> = api.tags.values().collect();
    ranked.sort_by_key(|t| (t.guide_rank, &t.module));
    ranked
}

/// "Compile only what you use": the groups as cargo features, with two of this spec's.
fn features_section(apis: &[&Api], opts: &Options) -> String {
    let krate = opts.crate_name.replace('-', "_");
    let api = apis[0];
    // Two groups, Keap's likeliest first.
    let ranked = ranked_tags(api);
    let picked: Vec<&str> = ranked.iter().take(2).map(|t| t.module.as_str()).collect();
    let Some(first) = picked.first() else { return String::new() };
    let list: Vec<String> = picked.iter().map(|p| format!("{p:?}")).collect();
    let standalone = if api.types.values().any(|t| t.groups.contains(crate::model::STANDALONE_FEATURE)) {
        format!("; `{}` for the types of schemas no operation uses", crate::model::STANDALONE_FEATURE)
    } else {
        String::new()
    };
    format!(
        "## Compile only what you use\n\n\
         Each operation group (a tag of the spec, a module of `{krate}::api`) is a cargo feature, and all \
         are on by default. An application that needs only some of them compiles only those operations \
         and the types they use:\n\n\
         ```toml\n[dependencies]\n{name} = {{ path = \"generated/{name}\", default-features = false, features = [{list}] }}\n```\n\n\
         The features: one per group, named like its module and its `Client` accessor (`{first}` for \
         `client.{first}()`){standalone}; `{all}` for every one of them (the default){others}. Every type stays at \
         `{krate}::types::Name`, and its docs say which features compile it. Each group alone, no group \
         and all of them compile without warnings. Five features are the runtime's, off by default: \
         `serde-tokens` (`Serialize` and `Deserialize` for `Tokens`), `redis` (a quota and OAuth2 \
         tokens shared by several processes, see \"Running several workers\"), `hooks` (REST Hooks, see \
         \"Being told about changes\"), `axum` (the hook receiver as an axum route) and `testing` (a \
         mock Keap for your tests, see \"Testing your code\").",
        name = opts.crate_name,
        list = list.join(", "),
        all = api.umbrella,
        others = if apis.len() > 1 {
            let specs: Vec<String> = apis[1..]
                .iter()
                .map(|a| format!("`{}` for every group of `{}::{}` (off by default)", a.umbrella, krate, a.module.as_deref().unwrap_or_default()))
                .collect();
            format!("; {}; `{}` for every spec", specs.join(", "), crate::model::ALL_FEATURE)
        } else {
            String::new()
        },
    )
}

/// The section of a spec below the crate's root (`keap::v1`): what lives only there, how to
/// reach it, its features, and that it shares the client (and so the quota) with the root.
fn spec_section(root: &Api, api: &Api, opts: &Options) -> String {
    let krate = opts.crate_name.replace('-', "_");
    let m = api.module.as_deref().unwrap_or_default();
    let only_here: Vec<String> = api
        .tags
        .values()
        .filter(|t| !root.tags.contains_key(&t.module))
        .map(|t| format!("`{}` ({})", t.module, t.api_name))
        .collect();
    let only = if only_here.is_empty() {
        String::new()
    } else {
        format!(" Groups with no namesake at the crate's root: {}.", only_here.join(", "))
    };
    let groups: Vec<String> = api.tags.values().map(|t| format!("`{}`", api.feature(&t.module))).collect();
    // A call to show: a GET without arguments, of a group only this spec has (REST Hooks
    // rank first among those, by `Tag::guide_rank`).
    let no_args = |o: &Operation| !o.params.iter().any(|p| p.required) && !o.body.as_ref().is_some_and(|b| b.required);
    let pick = api
        .tags
        .values()
        .flat_map(|t| t.operations.iter().map(move |o| (t, o)))
        .filter(|(_, o)| o.http_method == "GET" && no_args(o) && !o.deprecated)
        .min_by_key(|(t, o)| (root.tags.contains_key(&t.module), t.guide_rank, o.pagination.is_none(), o.path.len()));
    let example = pick
        .map(|(t, o)| {
            let feature = api.feature(&t.module);
            let call = if o.pagination.is_some() {
                format!(
                    "let mut items = client.{m}().{g}().{op}().items();\n\
                     while let Some(item) = items.next_item().await {{\n    println!(\"{{:?}}\", item?);\n}}\n",
                    g = t.module,
                    op = o.method_name
                )
            } else {
                format!(
                    "let answer = client.{m}().{g}().{op}().send().await?;\nprintln!(\"{{answer:?}}\");\n",
                    g = t.module,
                    op = o.method_name
                )
            };
            format!(
                "\n\n```toml\n[dependencies]\n{name} = {{ path = \"generated/{name}\", features = [\"{feature}\"] }}\n```\n\n\
                 ```rust,no_run\n# #[cfg(feature = \"{feature}\")]\n\
                 # async fn example(client: {krate}::Client) -> Result<(), Box<dyn std::error::Error>> {{\n\
                 // The same client (and key, and quota) as every other call.\n{call}# Ok(())\n# }}\n```",
                name = opts.crate_name,
            )
        })
        .unwrap_or_default();
    let offset_lists =
        api.operations().any(|o| matches!(o.pagination.as_ref().map(|p| &p.cursor), Some(Cursor::Offset { .. })));
    let lists = if offset_lists {
        "\n\nIts lists that take `limit` and `offset` stream like the others, with `.items()` and \
         `.pages()`: each next page asks for the offset after the items received, on this client's base \
         URL. The absolute `next` link in a page is never followed (it names a host, and credentials go \
         only to the base URL); a page's `count` is the total number of matches, and the listing ends \
         once that many items have been received, or at an empty page."
    } else {
        ""
    };
    let kept = if api.keeps_unknown_fields {
        " Its answers carry fields its schemas do not declare (Keap's v1 `Appointment` and `Task` \
         declare no `id`): each struct keeps them, as sent, in its `additional_properties` map."
    } else {
        ""
    };
    let values = format!(
        "\n\nIts values as they really are: dates keep the text sent (`2021-10-14T00:22:57.000+0000`, \
         an offset without a colon, or a date alone) and `.parse()` reads them; an error answer is \
         `Error::Api` whatever body the spec declares, and a body of `{{\"message\": ...}}` fills \
         `body.message`; a request body carries only the fields you set (and those the spec \
         requires): a field left `None` is not sent.{kept} Operations the spec marks deprecated are \
         `#[deprecated]`."
    );
    format!(
        "## {title}: `{krate}::{m}`\n\n\
         The operations of the {title} spec are under `client.{m}()`, one handle per group \
         (`client.{m}().<group>()`), and its types under `{krate}::{m}::types`, so no name collides \
         with the crate's root: the module has the same shape as the crate (`api`, `types`, a handle), \
         so rustdoc shows it as one more module, and `client.{m}()` says at every call site which API \
         a call goes to.{only} These calls share everything with the rest of the client: \
         credentials, base URL (its paths are under the same base URL as the root's), retries, the \
         redirect rule, tracing and `Error`, and the quota: a call here takes from the same windows as \
         every other call (Keap counts per key or app, not per API version), with `LocalQuota` and \
         `RedisQuota` alike.\n\n\
         Each group is a cargo feature, off by default so the root's build does not pay for them: \
         {groups}; `{umbrella}` turns on all of them.{example}{lists}{values}\n\n",
        title = api.title,
        groups = groups.join(", "),
        umbrella = api.umbrella,
    )
}
