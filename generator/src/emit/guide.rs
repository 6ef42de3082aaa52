//! The guide, written once as the README and the crate docs: the README template filled in
//! with examples that call operations this spec really has. The text is in `templates/`:
//! `README.md.tmpl`, and `guide/sections.md` for the sections that depend on the spec; this
//! file picks the operations and fills the holes.

use super::templates::{strip_template_comment, GUIDE_SECTIONS, README_TEMPLATE};
use crate::model::{Api, BodyKind, Cursor, Operation, ParamIn, Prim, TypeKind, TypeRef};
use crate::Options;

/// Section `name` of `templates/guide/sections.md`: the lines after its `<!--@ name: ... -->`
/// line up to the next such line, without the final line break.
fn section(name: &str) -> &'static str {
    let text = GUIDE_SECTIONS;
    let start = text
        .match_indices("<!--@ ")
        .filter(|(i, _)| *i == 0 || text.as_bytes()[i - 1] == b'\n')
        .find(|(i, _)| text[i + 6..].starts_with(name) && text[i + 6 + name.len()..].starts_with(':'))
        .and_then(|(i, _)| text[i..].find('\n').map(|end| i + end + 1))
        .unwrap_or_else(|| panic!("templates/guide/sections.md has no section `{name}`"));
    let end = text[start..].find("\n<!--@ ").map_or(text.len(), |e| start + e);
    text[start..end].trim_end_matches('\n')
}

/// `template` with each `{hole}` named in `holes` replaced by its value, in one pass (a value
/// is never searched for holes); other braces are left as they are.
fn fill(template: &str, holes: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        rest = &rest[open..];
        let hole = rest[1..].find('}').and_then(|close| holes.iter().find(|(name, _)| *name == &rest[1..=close]));
        match hole {
            Some((name, value)) => {
                out.push_str(value);
                rest = &rest[name.len() + 2..];
            }
            None => {
                out.push('{');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// `body` as a doc test that is compiled, not run, inside `async fn example(args)`.
fn hidden(body: &str, args: &str) -> String {
    format!("```rust,no_run\n# async fn example({args}) -> Result<(), Box<dyn std::error::Error>> {{\n{body}\n# Ok(())\n# }}\n```")
}

/// An operation of the spec, with the module of its group.
type Pick<'a> = Option<(&'a str, &'a Operation)>;

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
    let client_arg = format!("client: {krate}::Client");
    let code = |name: &str, holes: &[(&str, &str)]| {
        let mut holes = holes.to_vec();
        holes.push(("crate", &krate));
        hidden(&fill(section(name), &holes), &client_arg)
    };

    let first_get = pick(&|o| o.http_method == "GET" && no_args(o));
    let use_example = first_get
        .map(|(m, o)| {
            format!(
                "    let answer = client.{m}().{}().send().await?;\n    println!(\"{{answer:?}}\");\n",
                o.method_name
            )
        })
        .unwrap_or_default();
    let list_section = list_section(pick(&|o| o.pagination.is_some() && no_args(o)), &code);
    let filter_op = pick(&|o| {
        no_args(o)
            && o.params.iter().any(|p| p.api_name == "filter" && !p.required && p.ty == TypeRef::Prim(Prim::String))
    });
    let filter_section = fill(section("filter"), &[("crate", &krate), ("example", &filter_example(filter_op, &code))]);
    let update_section = match update_example(api, &krate) {
        Some((m, o, body)) => {
            let example = hidden(&body, &client_arg);
            fill(section("update"), &[("m", m), ("op", &o.method_name), ("example", &example)])
        }
        None => "This spec has no partial update with an `update_mask`.".into(),
    };
    let error_section =
        first_get.map(|(m, o)| code("error_code", &[("m", m), ("op", &o.method_name)])).unwrap_or_default();
    let resume_example =
        match pick(&|o| no_args(o) && matches!(o.pagination.as_ref().map(|p| &p.cursor), Some(Cursor::Token { .. }))) {
            Some((m, o)) => {
                let token = match &o.pagination.as_ref().expect("picked for its pagination").cursor {
                    Cursor::Token { param, .. } => param.clone(),
                    Cursor::Offset { offset, .. } => offset.clone(),
                };
                code("resume_code", &[("m", m), ("op", &o.method_name), ("token", &token)])
            }
            None => String::new(),
        };
    let clear_example = clear_example(api, &krate, &code).unwrap_or_default();
    let classify_example =
        first_get.map(|(m, o)| code("classify_code", &[("m", m), ("op", &o.method_name)])).unwrap_or_default();
    let fields_section =
        fields_section(api, &krate, pick(&|o| o.http_method == "GET" && o.params.iter().any(|p| p.exact)), &code);
    // A call whose required arguments are ids or text, at least one an id: the Ids section
    // gives it another record's id, which must not compile.
    let id_call = pick(&|o| {
        let required: Vec<_> = o.params.iter().filter(|p| p.required).collect();
        required.iter().any(|p| p.ty.is_id())
            && required.iter().all(|p| p.ty.is_id() || p.ty == TypeRef::Prim(Prim::String))
            && !o.body.as_ref().is_some_and(|b| b.required)
    });
    let ids_section = ids_section(apis, &krate, id_call, &code);
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
        .replace("{testing_example}", &testing_example(opts, &krate))
}

/// A section's code as a doc test: `code(name, holes)`.
type Code<'a> = dyn Fn(&str, &[(&str, &str)]) -> String + 'a;

/// "Lists": how the pager moves on, and a list read item by item.
fn list_section(list: Pick, code: &Code) -> String {
    let Some((m, o)) = list else { return "This spec has no list that pages.".to_string() };
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
    let example = code("list_code", &[("m", m), ("op", &o.method_name), ("size", &size)]);
    fill(section("list"), &[("how", how), ("example", &example)])
}

/// The filter example: on a list whose filter documents its fields, clauses that use only
/// those (Keap lists them as "- (Type) `name` ..." in the parameter's description); else
/// a filter written out.
fn filter_example(filter_op: Pick, code: &Code) -> String {
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
    match filter_op {
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
            let clauses = lines.join("\n    ");
            code("filter_code", &[("m", m), ("op", &o.method_name), ("clauses", &clauses), ("raw", raw)])
        }
        _ => code("filter_code_plain", &[]),
    }
}

/// Emptying one field of a partial update, when its mask is an enum of field names.
fn clear_example(api: &Api, krate: &str, code: &Code) -> Option<String> {
    let (m, o, _) = update_example(api, krate)?;
    let um = o.update_mask.as_ref()?;
    let mask = o.params.iter().find(|p| p.name == um.param)?;
    let TypeRef::Named(enum_name) = &mask.ty else { return None };
    let TypeKind::Enum { variants, integer: false } = &api.types.get(enum_name)?.kind else { return None };
    let variant = variants.iter().find(|v| !um.unmaskable.contains(&v.api_name))?;
    let TypeRef::Named(body_ty) = &o.body.as_ref()?.ty else { return None };
    let mut args: Vec<String> = o.params.iter().filter(|p| p.required).map(|p| example_arg(&p.ty, krate)).collect();
    let empty = format!("{krate}::types::{body_ty}::default()");
    let call = if o.body.as_ref().is_some_and(|b| b.required) {
        args.push(empty);
        format!("({})", args.join(", "))
    } else {
        format!("({}).body({empty})", args.join(", "))
    };
    Some(code(
        "clear_code",
        &[
            ("wire", &variant.api_name),
            ("method", &o.http_method),
            ("mask", &mask.api_name),
            ("m", m),
            ("op", &o.method_name),
            ("call", &call),
            ("clear", &um.clear_setter),
            ("mask_type", enum_name),
            ("variant", &variant.name),
        ],
    ))
}

/// "Fields": `fields` names the response's fields by an enum; one call that compiles, one
/// typo that does not.
fn fields_section(api: &Api, krate: &str, get: Pick, code: &Code) -> String {
    let Some((m, o)) = get.filter(|(_, o)| {
        o.params.iter().filter(|p| p.required).all(|p| p.ty == TypeRef::Prim(Prim::String) || p.ty.is_id())
    }) else {
        return String::new();
    };
    let Some(p) = o.params.iter().find(|p| p.exact) else { return String::new() };
    let TypeRef::Named(e) = &p.ty else { return String::new() };
    let Some(TypeKind::Enum { variants, .. }) = api.types.get(e).map(|t| &t.kind) else { return String::new() };
    let Some(v) = variants.iter().min_by_key(|v| (v.api_name != "custom_fields", v.api_name.len())) else {
        return String::new();
    };
    let args: Vec<String> = o.params.iter().filter(|p| p.required).map(|p| example_arg(&p.ty, krate)).collect();
    let args = args.join(", ");
    let call = |value: &str| {
        code("fields_code", &[("m", m), ("op", &o.method_name), ("args", &args), ("f", &p.name), ("value", value)])
    };
    let good = call(&format!("{krate}::types::{e}::{}", v.name));
    // The good call's name, one letter off: `custom_field` for `custom_fields`.
    let typo = v.api_name.strip_suffix('s').map_or_else(|| format!("{}s", v.api_name), str::to_string);
    let bad = call(&format!("{typo:?}")).replacen("rust,no_run", "rust,compile_fail", 1);
    fill(section("fields"), &[("f", &p.name), ("e", e), ("good", &good), ("bad", &bad)])
}

/// The pinned crate's "Testing your code" example: the file its `tests/` runs, as it is
/// (other specs' crates may lack the operations it calls).
fn testing_example(opts: &Options, krate: &str) -> String {
    if !opts.example_programs {
        return String::new();
    }
    let file = testing_your_code(krate);
    let code: Vec<&str> = file.lines().skip_while(|l| l.starts_with("//!")).collect();
    format!("{}\n", fill(section("testing"), &[("code", &code.join("\n"))]))
}

/// The guide's test file, for a crate named `krate`.
pub(super) fn testing_your_code(krate: &str) -> String {
    super::templates::TESTING_YOUR_CODE.replace("keap::", &format!("{krate}::"))
}

/// The "Ids" section: what the id types are, how v1's and v2's convert (a doc test that runs),
/// and a call given another record's id, which must not compile. Empty without typed ids.
fn ids_section(apis: &[&Api], krate: &str, id_call: Pick, code: &Code) -> String {
    use heck::ToUpperCamelCase;
    let records = super::ids::records(apis);
    let Some(record) = records.iter().find(|r| **r == "contact").or(records.first()) else {
        return String::new();
    };
    let marker = record.to_upper_camel_case();
    let id = format!("{marker}Id");
    let convert = fill(section("ids_convert"), &[("crate", krate), ("marker", &marker), ("id", &id)]);
    // The call given another record's id where its first id is due.
    let swapped = id_call
        .and_then(|(m, o)| {
            let required: Vec<&crate::model::Param> = o.params.iter().filter(|p| p.required).collect();
            let first = required.iter().position(|p| p.ty.is_id())?;
            let TypeRef::Prim(Prim::Id { record: due, number }) = required[first].ty else { return None };
            let other = records.iter().find(|r| **r != due)?;
            let call =
                |args: Vec<String>| code("ids_call", &[("m", m), ("op", &o.method_name), ("args", &args.join(", "))]);
            let good: Vec<String> = required.iter().map(|p| example_arg(&p.ty, krate)).collect();
            let mut bad = good.clone();
            bad[first] = example_arg(&TypeRef::Prim(Prim::Id { record: other, number }), krate);
            Some(fill(
                section("ids_swapped"),
                &[
                    ("good", &call(good)),
                    ("other_a", article(other)),
                    ("other", &other.replace('_', " ")),
                    ("due_a", article(due)),
                    ("due", &due.replace('_', " ")),
                    ("bad", &call(bad).replacen("rust,no_run", "rust,compile_fail", 1)),
                ],
            ))
        })
        .unwrap_or_default();
    fill(
        section("ids"),
        &[
            ("crate", krate),
            ("id", &id),
            ("marker", &marker),
            ("a", article(record)),
            ("words", &record.replace('_', " ")),
            ("convert", &convert),
            ("swapped", &swapped),
        ],
    )
}

/// The "Custom fields" section: loading the definitions, reading and writing by name (a doc
/// test on the first record type with both helpers), and each type's value and wire form.
/// Empty when no record type has them.
fn custom_fields_section(api: &Api, krate: &str) -> String {
    let Some((m, body, list, id_ty)) = super::custom_fields::guide_target(api) else { return String::new() };
    let id = example_arg(id_ty, krate);
    let words = m.replace('_', " ");
    fill(
        section("custom_fields"),
        &[("m", m), ("crate", krate), ("id", &id), ("body", body), ("list", list), ("words", &words)],
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

/// A partial update with a JSON body whose one string field is set, and the call (a doc
/// test's body).
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
    let mask = op
        .params
        .iter()
        .find(|p| Some(&p.name) == op.update_mask.as_ref().map(|m| &m.param))
        .map_or("update_mask", |p| p.api_name.as_str());
    let code = fill(
        section("update_code"),
        &[
            ("crate", krate),
            ("body", body),
            ("f", &field.name),
            ("m", &tag.module),
            ("op", &op.method_name),
            ("call", &call),
            ("method", &op.http_method),
            ("mask", mask),
            ("wire", &field.api_name),
        ],
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holes_are_filled_once_and_other_braces_kept() {
        let text = fill("{a} {{b}} {:?} {c", &[("a", "{b}"), ("b", "B")]);
        assert_eq!(text, "{b} {B} {:?} {c", "a value is not searched for holes");
    }

    #[test]
    fn a_section_ends_before_the_next() {
        assert!(section("list_code").starts_with("let mut items"));
        assert!(section("list_code").ends_with("page by page"), "{}", section("list_code"));
        assert!(section("list").ends_with("combinators."), "no marker line in it");
    }

    /// A section the code never asks for is text nobody reads; one it asks for and the file
    /// lacks panics at generation.
    #[test]
    fn every_section_is_used_and_every_use_exists() {
        let code = include_str!("guide.rs");
        let names: Vec<&str> =
            GUIDE_SECTIONS.lines().filter_map(|l| l.strip_prefix("<!--@ ")?.split(':').next()).collect();
        assert!(names.len() > 10, "{names:?}");
        for name in &names {
            assert!(code.contains(&format!("\"{name}\"")), "section `{name}` of templates/guide/sections.md is unused");
            assert!(!section(name).is_empty());
        }
        for used in code.split("section(\"").skip(1).chain(code.split("code(\"").skip(1)) {
            let name = used.split('"').next().unwrap_or_default();
            assert!(names.contains(&name), "guide.rs asks for section `{name}`, which sections.md lacks");
        }
    }
}
