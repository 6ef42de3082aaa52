//! What the fuzz targets share: running the whole generator on a text, the seed specs, and a
//! structure-aware mutator that turns fuzzer bytes into edits of a real spec (drop, retype
//! and rename keys, dangling and cyclic `$ref`s, odd names, huge and empty values).

use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Runs the whole generator (parse, lower, emit with example and contract tests) on `text`.
/// `Err` is a clean refusal; a panic or a hang is a finding.
pub fn generate(text: &str) -> Result<keapgen::Files, keapgen::Error> {
    let spec = keapgen::load::parse(keapgen::diag::Source::new(Some(PathBuf::from("fuzz.yaml")), text.to_owned()))?;
    let mut opts = keapgen::Options::new("fuzzed", "a fuzzed spec");
    opts.example_tests = true;
    opts.contract_tests = true;
    let generated = keapgen::generate(&spec, &opts)?;
    Ok(generated.files)
}

/// Checks what a refusal must be: a message that says something.
pub fn check(result: &Result<keapgen::Files, keapgen::Error>) {
    if let Err(e) = result {
        assert!(!e.to_string().trim().is_empty(), "an error without a message");
    }
}

/// The specs mutants are made from: the golden fixtures, then the real Keap specs
/// (`$KEAPGEN_SPECS` or `../shared/keap-specs`), as JSON, read once.
pub fn seeds() -> &'static [(String, Value)] {
    static SEEDS: OnceLock<Vec<(String, Value)>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files: Vec<PathBuf> = Vec::new();
        let golden = root.join("tests/golden");
        let mut cases: Vec<_> = std::fs::read_dir(&golden).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
        cases.sort();
        for case in cases {
            for name in ["spec.yaml", "spec.json"] {
                if case.join(name).exists() {
                    files.push(case.join(name));
                }
            }
        }
        let specs = std::env::var_os("KEAPGEN_SPECS").map(PathBuf::from).unwrap_or(root.join("../shared/keap-specs"));
        let mut real: Vec<_> = std::fs::read_dir(&specs).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
        real.retain(|p: &PathBuf| p.extension().is_some_and(|e| e == "yaml" || e == "json"));
        real.sort();
        files.extend(real);
        files
            .into_iter()
            .filter_map(|path| {
                let text = std::fs::read_to_string(&path).ok()?;
                let source = keapgen::diag::Source::new(Some(path.clone()), text);
                // Only specs that load are seeds; each as written (parsing a mutant rewrites it).
                let json = keapgen::load::to_json(&source).ok()?;
                keapgen::load::parse(source).ok()?;
                Some((path.display().to_string(), json))
            })
            .collect()
    })
}

/// Picks a seed by `selector`: the small fixtures fifteen times out of sixteen (a real Keap
/// spec takes a few hundred milliseconds to generate).
pub fn pick(selector: u8) -> Option<&'static (String, Value)> {
    let seeds = seeds();
    let real = seeds.iter().filter(|(name, _)| name.contains("keap-specs")).count();
    let fixtures = seeds.len() - real;
    if selector % 16 == 15 && real > 0 {
        seeds.get(fixtures + usize::from(selector / 16) % real)
    } else if fixtures > 0 {
        seeds.get(usize::from(selector) % fixtures)
    } else {
        seeds.first()
    }
}

/// Names that break naive code generators: Rust keywords, collisions after case
/// conversion, nothing at all, digits first, spaces and symbols, non-ASCII.
const ODD_NAMES: &[&str] = &[
    "", "type", "self", "Self", "super", "crate", "r#type", "_", "__", "1st", "a b", "a-b", "A_B", "aB", "ab", "$ref",
    "#", "/", "~", "é", "😀", "default", "new", "builder", "Client", "Error", "Result", "Option", "runtime", "types",
    "api", "mod", "fn", "async", "await", "dyn", "impl", "enum", "match", "None", "Some", "Unknown", "VALUES", "as_str",
];

/// Values of odd shape and content.
fn odd_value(arg: u8) -> Value {
    match arg % 16 {
        0 => Value::Null,
        1 => json!(true),
        2 => json!(-1),
        3 => json!(1.5),
        4 => json!(u64::MAX),
        5 => json!(""),
        6 => json!([]),
        7 => json!({}),
        8 => json!("x".repeat(20_000)),
        9 => json!(1e308),
        10 => {
            // A wide object: many properties, each a small schema.
            let wide: Map<String, Value> = (0..2_000).map(|i| (format!("p{i}"), json!({"type": "string"}))).collect();
            json!({"type": "object", "properties": wide})
        }
        11 => {
            // Deep nesting, below serde_json's recursion limit.
            let mut v = json!({"type": "string"});
            for _ in 0..100 {
                v = json!({"type": "array", "items": v});
            }
            v
        }
        12 => json!({"type": ["string", "null", "integer"]}),
        13 => json!({"allOf": [{"$ref": "#/components/schemas"}], "oneOf": []}),
        14 => json!({"enum": [null, "", 1, "1", true, "a b", "A_B", "a-b"]}),
        _ => json!(ODD_NAMES[usize::from(arg) % ODD_NAMES.len()]),
    }
}

/// Every node's JSON pointer, parents before children, at most `limit` of them.
fn pointers(value: &Value, limit: usize) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut i = 0;
    while i < out.len() && out.len() < limit {
        let here = out[i].clone();
        if let Some(node) = value.pointer(&here) {
            match node {
                Value::Object(map) => {
                    for k in map.keys() {
                        out.push(format!("{here}/{}", k.replace('~', "~0").replace('/', "~1")));
                    }
                }
                Value::Array(items) => out.extend((0..items.len()).map(|n| format!("{here}/{n}"))),
                _ => {}
            }
        }
        i += 1;
    }
    out.truncate(limit);
    out
}

fn parent_and_key(pointer: &str) -> Option<(&str, String)> {
    let (parent, key) = pointer.rsplit_once('/')?;
    Some((parent, key.replace("~1", "/").replace("~0", "~")))
}

/// Applies the edits `ops` describes (four bytes each: kind, node high, node low, argument)
/// to a copy of `seed`; at most 16 edits.
pub fn mutate(seed: &Value, ops: &[u8]) -> Value {
    let mut doc = seed.clone();
    for op in ops.chunks_exact(4).take(16) {
        let nodes = pointers(&doc, 50_000);
        let index = usize::from(u16::from_be_bytes([op[1], op[2]]));
        let target = nodes[index % nodes.len()].clone();
        let arg = op[3];
        match op[0] % 9 {
            // Drop the key or item.
            0 => {
                if let Some((parent, key)) = parent_and_key(&target) {
                    match doc.pointer_mut(parent) {
                        Some(Value::Object(map)) => {
                            map.remove(&key);
                        }
                        Some(Value::Array(items)) => {
                            if let Ok(n) = key.parse::<usize>() {
                                if n < items.len() {
                                    items.remove(n);
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
            // Another type, or an odd value.
            1 | 8 => {
                if let Some(node) = doc.pointer_mut(&target) {
                    *node = odd_value(arg);
                }
            }
            // Rename the key.
            2 => {
                if let Some((parent, key)) = parent_and_key(&target) {
                    if let Some(Value::Object(map)) = doc.pointer_mut(parent) {
                        if let Some(v) = map.remove(&key) {
                            map.insert(ODD_NAMES[usize::from(arg) % ODD_NAMES.len()].to_owned(), v);
                        }
                    }
                }
            }
            // A `$ref` to nothing.
            3 => {
                if let Some(node) = doc.pointer_mut(&target) {
                    *node = json!({"$ref": format!("#/components/schemas/Missing{arg}")});
                }
            }
            // A `$ref` to itself or an ancestor.
            4 => {
                let mut to = target.as_str();
                for _ in 0..arg % 4 {
                    to = to.rsplit_once('/').map_or("", |(p, _)| p);
                }
                let reference = json!({"$ref": format!("#{to}")});
                if let Some(node) = doc.pointer_mut(&target) {
                    *node = reference;
                }
            }
            // Empty.
            5 => {
                if let Some(node) = doc.pointer_mut(&target) {
                    *node = match node {
                        Value::Object(_) => json!({}),
                        Value::Array(_) => json!([]),
                        Value::String(_) => json!(""),
                        _ => Value::Null,
                    };
                }
            }
            // A copy of another node (schemas where parameters belong, and so on).
            6 => {
                let from = nodes[usize::from(arg) * 97 % nodes.len()].clone();
                if let Some(copy) = doc.pointer(&from).cloned() {
                    if let Some(node) = doc.pointer_mut(&target) {
                        *node = copy;
                    }
                }
            }
            // A key added beside the node.
            _ => {
                if let Some(Value::Object(map)) = doc.pointer_mut(&target) {
                    map.insert(ODD_NAMES[usize::from(arg) % ODD_NAMES.len()].to_owned(), odd_value(arg / 3));
                }
            }
        }
    }
    doc
}

/// One structure-aware case: the seed `data[0]` picks, mutated by the rest, as JSON text.
pub fn mutant(data: &[u8]) -> Option<String> {
    let (&selector, ops) = data.split_first()?;
    let (_, seed) = pick(selector)?;
    Some(mutate(seed, ops).to_string())
}
