//! `generated/keap` must be exactly what the generator writes for the pinned spec, and
//! generation must be deterministic; what a spec change touches, and what the generated docs
//! read like.

use keapgen::{load, spec, Options};

fn generate_pinned() -> keapgen::Files {
    let root = keapgen_tests::root();
    let (pin, specs) = spec::load_pinned(&root).unwrap_or_else(|e| {
        panic!("{e}\n(pull the specs first: cargo run -p keapgen -- pull --from-dir ../shared/keap-specs)")
    });
    let opts = spec::pinned_options(&root, &pin, &spec::pinned_label(&specs)).unwrap();
    keapgen::generate_crate(&spec::parts(&specs), &opts).unwrap().files
}

#[test]
fn generated_crate_is_up_to_date() {
    let files = generate_pinned();
    keapgen_tests::assert_tree(
        &files,
        &keapgen_tests::root().join("generated/keap"),
        "run `cargo run -p keapgen -- generate` and commit the result",
    );
}

#[test]
fn every_generated_doc_line_starts_with_a_space() {
    // `//!Types` reads badly in source; rustdoc does not mind, so only this test would see it.
    let files = generate_pinned();
    let mut bare = Vec::new();
    for (path, text) in files.iter().filter(|(p, _)| p.extension().is_some_and(|e| e == "rs")) {
        for (n, line) in text.lines().enumerate() {
            let doc = line.trim_start();
            let rest = doc.strip_prefix("//!").or_else(|| doc.strip_prefix("///").filter(|r| !r.starts_with('/')));
            if rest.is_some_and(|r| !r.is_empty() && !r.starts_with(' ')) {
                bare.push(format!("{}:{}: {line}", path.display(), n + 1));
            }
        }
    }
    assert!(bare.is_empty(), "doc lines without a space after the marker:\n{}", bare.join("\n"));
}

/// `keapgen diff` calls a new enum value or union variant "not breaking": true only while
/// no match outside the crate can be exhaustive.
#[test]
fn every_enum_of_values_is_non_exhaustive() {
    let files = generate_pinned();
    let (mut enums, mut open) = (0, Vec::new());
    // The spec's types; the runtime's own enums change with keapgen, not with Keap.
    let spec_types = |p: &std::path::Path| p.to_string_lossy().contains("types") && !p.starts_with("src/runtime");
    for (path, text) in files.iter().filter(|(p, _)| spec_types(p)) {
        let lines: Vec<&str> = text.lines().collect();
        for (n, line) in lines.iter().enumerate() {
            // Id markers (`pub enum Contact {}`) have no values.
            if !line.trim_start().starts_with("pub enum ") || line.ends_with("{}") {
                continue;
            }
            enums += 1;
            let attrs = lines[..n].iter().rev().take_while(|l| l.trim_start().starts_with("#["));
            if !attrs.clone().any(|l| l.trim() == "#[non_exhaustive]") {
                open.push(format!("{}:{}: {line}", path.display(), n + 1));
            }
        }
    }
    assert!(enums > 100, "only {enums} enums found");
    assert!(open.is_empty(), "enums a new value would break:\n{}", open.join("\n"));
}

#[test]
fn generation_is_deterministic() {
    assert_eq!(generate_pinned(), generate_pinned());
}

/// The spec with the keys of every map the generator reads in sorted order written in
/// reverse: paths, schemas, parameters, responses, request bodies, security schemes.
fn reordered(text: &str) -> String {
    use serde_yaml::{Mapping, Value};
    fn reverse(map: &mut Value) {
        if let Value::Mapping(m) = map {
            let entries: Vec<(Value, Value)> = std::mem::take(m).into_iter().collect();
            *m = entries.into_iter().rev().collect::<Mapping>();
        }
    }
    let mut doc: Value = serde_yaml::from_str(text).unwrap();
    if let Some(paths) = doc.get_mut("paths") {
        reverse(paths);
    }
    for part in ["schemas", "parameters", "responses", "requestBodies", "securitySchemes"] {
        if let Some(map) = doc.get_mut("components").and_then(|c| c.get_mut(part)) {
            reverse(map);
        }
    }
    serde_yaml::to_string(&doc).unwrap()
}

#[test]
fn the_order_of_paths_and_components_in_the_file_does_not_matter() {
    // What `lower` promises: sorted iteration of the spec's maps. (A schema's properties and
    // enum values keep the spec's order, which is the order its readers see.)
    let text = std::fs::read_to_string(keapgen_tests::root().join("spec/keap-v2.yaml")).unwrap();
    let again = reordered(&text);
    assert_ne!(text.find("/v2/"), again.find("/v2/"), "the reordering moved something");
    let gen = |text: String| {
        let spec = load::parse(keapgen::diag::Source::new(None, text)).unwrap();
        keapgen::generate(&spec, &Options::new("keap", "Keap API")).unwrap().files
    };
    let (one, other) = (gen(text), gen(again));
    let differ: Vec<String> =
        one.iter().filter(|(p, t)| other.get(*p) != Some(*t)).map(|(p, _)| p.display().to_string()).collect();
    assert!(differ.is_empty(), "the key order of the file changed {differ:?}");
}

#[test]
fn every_shared_spec_generates() {
    let dir = keapgen_tests::specs_dir();
    let mut specs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "json"))
        .collect();
    specs.sort();
    assert!(specs.len() >= 4, "expected the four Keap specs in {}", dir.display());
    for path in specs {
        let spec = load::load_file(&path).unwrap_or_else(|e| panic!("{e}"));
        let opts = Options::new("keap", "Keap API x");
        let generated = keapgen::generate(&spec, &opts).unwrap_or_else(|e| panic!("{e}"));
        let ops = generated.api.operations().count();
        let declared = spec.doc.paths.iter().map(|(_, item)| match item {
            keapgen::openapiv3::ReferenceOr::Item(i) => i.iter().count(),
            keapgen::openapiv3::ReferenceOr::Reference { .. } => 0,
        });
        assert_eq!(ops, declared.sum::<usize>(), "{}: every operation becomes a method", path.display());
    }
}

#[test]
fn regenerating_2_0_20_as_2_0_21_changes_only_docs_and_version_lines() {
    let specs = keapgen_tests::specs_dir();
    let gen = |v: &str| {
        let spec = load::load_file(&specs.join(format!("keap-v2-{v}.yaml"))).unwrap();
        let opts = Options::new("keap", format!("Keap API {v}"));
        keapgen::generate(&spec, &opts).unwrap().files
    };
    let (old, new) = (gen("2.0.20"), gen("2.0.21"));
    assert_eq!(old.keys().collect::<Vec<_>>(), new.keys().collect::<Vec<_>>(), "no file added or removed");
    let mut changed = Vec::new();
    for (path, text) in &old {
        let diff = similar::TextDiff::from_lines(text.as_str(), new[path].as_str());
        for c in diff.iter_all_changes().filter(|c| c.tag() != similar::ChangeTag::Equal) {
            let line = c.value().trim();
            let doc = line.starts_with("///") || line.starts_with("//!");
            let version = line.contains("2.0.20") || line.contains("2.0.21");
            assert!(doc || version, "{}: a change that is not documentation: {line}", path.display());
        }
        if diff.ratio() < 1.0 {
            changed.push(path.display().to_string());
        }
    }
    // Doc changes land in the modules of the groups whose types they describe.
    assert_eq!(changed, ["Cargo.toml", "README.md", "src/lib.rs", "src/types/email.rs", "src/types/orders.rs"]);
}

#[test]
fn adding_an_operation_changes_only_the_files_that_own_it() {
    let base = "openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths:\n  /a:\n    get: {tags: [A], operationId: getA, responses: {'204': {description: OK}}}\n  /b:\n    get: {tags: [B], operationId: getB, responses: {'204': {description: OK}}}\n";
    let added = format!("{base}  /b/{{id}}:\n    put:\n      tags: [B]\n      operationId: putB\n      parameters: [{{name: id, in: path, required: true, schema: {{type: string}}}}]\n      responses: {{'204': {{description: OK}}}}\n");
    let gen = |text: &str| {
        let spec = load::parse(keapgen::diag::Source::new(None, text.to_string())).unwrap();
        let opts = Options::new("t", "T 1");
        keapgen::generate(&spec, &opts).unwrap().files
    };
    let (old, new) = (gen(base), gen(&added));
    let changed: Vec<String> =
        new.iter().filter(|(p, t)| old.get(*p) != Some(*t)).map(|(p, _)| p.display().to_string()).collect();
    // The operation's group: its method and its expectation for the test kit.
    assert_eq!(changed, ["src/api/b.rs", "src/testing/b.rs"]);
}

/// The pinned crate's operation docs, file by file.
fn api_docs() -> Vec<(String, String)> {
    let files = generate_pinned();
    files
        .iter()
        .filter(|(p, _)| p.starts_with("src/api"))
        .map(|(p, text)| {
            let docs: String =
                text.lines().filter(|l| l.trim_start().starts_with("///")).map(|l| format!("{l}\n")).collect();
            (p.display().to_string(), docs)
        })
        .collect()
}

#[test]
fn spec_html_reads_as_markdown_in_method_docs() {
    for (path, docs) in api_docs() {
        for bad in ["&lt;", "&gt;", "&amp;", "<br", "<span", "<p>"] {
            assert!(
                !docs.contains(bad),
                "{path}: `{bad}` in docs:\n{}",
                docs.lines().find(|l| l.contains(bad)).unwrap()
            );
        }
    }
}

#[test]
fn keaps_pre_encoded_filter_examples_are_annotated_and_shown_as_written() {
    let mut annotated = 0;
    for (path, docs) in api_docs() {
        if docs.contains("%3D%3D") {
            assert!(
                docs.contains("This client encodes the query itself"),
                "{path}: encoded operators without the note"
            );
            annotated += 1;
        }
        assert!(
            !docs.contains("`filter=") || !docs.lines().any(|l| l.contains("`filter=") && l.contains("%3D")),
            "{path}: an example still encoded"
        );
    }
    assert!(annotated >= 10, "Keap's filter docs are in many groups: {annotated}");
}

#[test]
fn upserts_and_partial_updates_say_what_they_do_to_lists() {
    let docs: String = api_docs().into_iter().map(|(_, d)| d).collect();
    assert!(docs.contains("**Data-loss trap:** this makes the create an upsert"), "duplicate_option warns");
    assert_eq!(
        docs.matches("derives `update_mask` from the fields you set; `.clear_fields(...)` adds fields to empty")
            .count(),
        60,
        "every partial update of the pinned spec derives its mask"
    );
}
