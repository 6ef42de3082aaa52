//! The golden-file suite: each folder in `tests/golden/` holds a tiny fixture spec
//! (`spec.yaml` or `spec.json`) and either the crate it generates (`expected/`, a workspace
//! member, so it must compile and pass clippy) or the error it must produce (`error.txt`).
//! A case of several specs adds `spec-<module>.yaml` (or `.json`) for each spec below the
//! crate's root, as the pin does with Keap's v1 beside v2.
//! Warnings, when any, are in `warnings.txt`. A case whose concern includes the guide (the
//! README and crate docs, which change with the operations a spec has) holds an empty file
//! `checks-guide`; the others get a one-paragraph README. `KEAPGEN_BLESS=1` rewrites the expected files.

//!
//! It lives in the generator's own tests, not beside the HTTP tests of `keapgen-tests`,
//! because those depend on golden crates: an output change that breaks an old golden would
//! then keep this suite from compiling, and so from blessing the new one.

use keapgen::{load, output, Options, Runtime};
use std::path::{Path, PathBuf};

/// The repository root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("generator/ has a parent").to_path_buf()
}

/// Whether goldens should be rewritten instead of compared (`KEAPGEN_BLESS=1`).
fn blessing() -> bool {
    std::env::var("KEAPGEN_BLESS").is_ok_and(|v| v == "1")
}

fn cases() -> Vec<PathBuf> {
    let dir = root().join("tests/golden");
    let mut cases: Vec<PathBuf> =
        std::fs::read_dir(&dir).unwrap().filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_dir()).collect();
    cases.sort();
    cases
}

fn names(text: &str) -> keapgen::lower::Names {
    keapgen::spec::parse_names(text).unwrap_or_else(|e| panic!("bad names.yaml: {e}"))
}

fn spec_file(case: &Path) -> PathBuf {
    ["spec.yaml", "spec.json"]
        .iter()
        .map(|f| case.join(f))
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("{} has no spec.yaml or spec.json", case.display()))
}

/// The specs below the crate's root: `spec-<module>.yaml` or `.json`, by module.
fn other_specs(case: &Path) -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(case)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?;
            let module = name
                .strip_prefix("spec-")?
                .strip_suffix(".yaml")
                .or(name.strip_prefix("spec-")?.strip_suffix(".json"))?;
            Some((module.to_string(), p.clone()))
        })
        .collect();
    out.sort();
    out
}

fn options(case: &Path) -> Options {
    let name = case.file_name().unwrap().to_string_lossy().replace('_', "-");
    Options {
        crate_name: format!("golden-{name}"),
        crate_version: "0.0.0".into(),
        spec_label: format!("fixture {name}"),
        // Relative to tests/golden/<case>/expected.
        runtime: Runtime::Path("../../../../templates".into()),
        // A case may pin names as spec/names.yaml does.
        names: std::fs::read_to_string(case.join("names.yaml")).map(|t| names(&t)).unwrap_or_default(),
        changelog: None,
        example_tests: false,
        // Every case's contract test must compile (clippy builds it); `contract` runs in CI.
        contract_tests: true,
        example_programs: false,
        // The guide only where it is the case's concern (a file `checks-guide` says so): it
        // is the same few hundred lines everywhere else.
        guide: case.join("checks-guide").exists(),
        keep_unknown_fields: false,
        repository: None,
    }
}

/// Longest a case may take: a generator that hangs on some input fails the suite instead of
/// stalling CI.
const CASE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// [`generate_case`] on its own thread, under [`CASE_TIMEOUT`].
fn run(case: &Path) -> (Result<keapgen::Files, String>, String) {
    let (tx, rx) = std::sync::mpsc::channel();
    let owned = case.to_path_buf();
    // A thread that never returns is left behind; the test process ends with the suite.
    std::thread::spawn(move || {
        let _ = tx.send(generate_case(&owned));
    });
    match rx.recv_timeout(CASE_TIMEOUT) {
        Ok(result) => result,
        Err(_) => panic!("{}: generation did not finish within {CASE_TIMEOUT:?} (a hang?)", case.display()),
    }
}

/// What generating a case gives: its files, or the error text (paths relative to the case).
fn generate_case(case: &Path) -> (Result<keapgen::Files, String>, String) {
    let spec_path = spec_file(case);
    let relative = |text: String| text.replace(&format!("{}/", case.display()), "");
    let result = load::load_file(&spec_path).and_then(|spec| {
        let others = other_specs(case);
        if others.is_empty() {
            return keapgen::generate(&spec, &options(case));
        }
        let loaded: Vec<(String, load::Spec)> =
            others.into_iter().map(|(m, p)| load::load_file(&p).map(|s| (m, s))).collect::<Result<_, _>>()?;
        let mut parts = vec![keapgen::Part {
            spec: &spec,
            module: None,
            name: "v2".into(),
            names: options(case).names,
            keep_unknown_fields: false,
        }];
        parts.extend(loaded.iter().map(|(m, s)| keapgen::Part {
            spec: s,
            module: Some(m.clone()),
            name: m.clone(),
            names: Default::default(),
            // As the pin has it for Keap's v1.
            keep_unknown_fields: true,
        }));
        keapgen::generate_crate(&parts, &options(case))
    });
    match result {
        Ok(g) => {
            let warnings: String = g.warnings.iter().map(|w| format!("{w}\n")).collect();
            (Ok(g.files), warnings)
        }
        Err(e) => (Err(relative(e.to_string()) + "\n"), String::new()),
    }
}

fn check_text(path: &Path, actual: &str, failures: &mut Vec<String>) {
    if blessing() {
        if actual.is_empty() {
            let _ = std::fs::remove_file(path);
        } else {
            std::fs::write(path, actual).unwrap();
        }
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_default();
    if expected != actual {
        let diff = similar::TextDiff::from_lines(&expected, &actual.to_string())
            .unified_diff()
            .header("expected", "actual")
            .to_string();
        failures.push(format!("{}:\n{diff}", path.display()));
    }
}

#[test]
fn golden_cases() {
    let mut failures = Vec::new();
    let cases = cases();
    assert!(cases.len() >= 10, "the golden suite is missing cases");
    for case in &cases {
        let (result, warnings) = run(case);
        check_text(&case.join("warnings.txt"), &warnings, &mut failures);
        let expected_dir = case.join("expected");
        match result {
            Ok(files) => {
                if blessing() {
                    output::write_tree(&files, &expected_dir).unwrap();
                    let _ = std::fs::remove_file(case.join("error.txt"));
                    continue;
                }
                if case.join("error.txt").exists() {
                    failures.push(format!("{}: expected an error, but generation succeeded", case.display()));
                }
                let diffs = output::diff_tree(&files, &expected_dir);
                if !diffs.is_empty() {
                    failures.push(format!("{}:\n{}", case.display(), diffs.concat()));
                }
            }
            Err(error) => {
                if blessing() && expected_dir.exists() {
                    std::fs::remove_dir_all(&expected_dir).unwrap();
                }
                if expected_dir.exists() {
                    failures.push(format!("{}: generation failed: {error}", case.display()));
                }
                check_text(&case.join("error.txt"), &error, &mut failures);
            }
        }
    }
    failures.extend(unlocked(&cases));
    assert!(
        failures.is_empty(),
        "{}\n{} golden case(s) differ; if the change is intended, run `KEAPGEN_BLESS=1 cargo test -p keapgen --test golden` and review `git diff`",
        failures.join("\n"),
        failures.len()
    );
}

/// Golden crates `Cargo.lock` does not know yet, or still lists after their case became an
/// error: blessing writes the crates, but only the next cargo command updates the lock file,
/// and CI builds with `--locked`.
fn unlocked(cases: &[PathBuf]) -> Vec<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).unwrap_or_default();
    let fix = "run `cargo metadata --format-version 1 >/dev/null` (any cargo command) and commit Cargo.lock";
    let mut out = Vec::new();
    for case in cases {
        let name = options(case).crate_name;
        let locked = lock.contains(&format!("name = \"{name}\"\n"));
        match (case.join("expected").exists(), locked) {
            (true, false) => out.push(format!("{}: Cargo.lock does not list `{name}` yet: {fix}", case.display())),
            (false, true) => out.push(format!("{}: Cargo.lock still lists `{name}`: {fix}", case.display())),
            _ => {}
        }
    }
    out
}

#[test]
fn error_cases_name_a_place() {
    for case in cases() {
        let (result, _) = run(&case);
        if let Err(e) = result {
            if let Err(why) = names_a_place(&e) {
                panic!("{}: {why}: {e}", case.display());
            }
        }
    }
}

/// `spec.yaml:LINE: `, then the JSON pointer where the document has one (`at /...`; a YAML
/// syntax error has only its line). A file name alone is not a place.
fn names_a_place(e: &str) -> Result<(), &'static str> {
    let line = e
        .strip_prefix("spec.")
        .and_then(|r| r.split_once(':'))
        .and_then(|(ext, r)| ["yaml", "json"].contains(&ext).then_some(r))
        .and_then(|r| r.split_once(": "))
        .and_then(|(n, _)| n.parse::<usize>().ok());
    if line.is_none_or(|n| n == 0) {
        return Err("error without a line");
    }
    if !e.contains("not valid YAML") && !e.contains(": at /") {
        return Err("error without a JSON pointer");
    }
    Ok(())
}

#[test]
fn a_place_is_a_line_and_a_pointer() {
    assert_eq!(names_a_place("spec.yaml:3: at /paths/~1a: bad"), Ok(()));
    assert_eq!(names_a_place("spec.json:1: not valid YAML: at line 1"), Ok(()));
    assert!(names_a_place("spec.yaml: bad").is_err(), "no line");
    assert!(names_a_place("spec.yaml:0: at /a: bad").is_err(), "line 0");
    assert!(names_a_place("spec.yaml:3: bad").is_err(), "no pointer");
    assert!(names_a_place("oops: at /a").is_err(), "no file");
}

#[test]
fn both_v1_layouts_give_the_same_code() {
    let golden = root().join("tests/golden");
    let (a, _) = run(&golden.join("two_specs"));
    let (b, _) = run(&golden.join("two_specs_layout"));
    let (a, b) = (a.unwrap(), b.unwrap());
    let v1 = |files: &keapgen::Files| -> Vec<(PathBuf, String)> {
        files
            .iter()
            .filter(|(p, _)| p.starts_with("src/v1"))
            .map(|(p, t)| (p.clone(), t.lines().filter(|l| !l.trim_start().starts_with("/// Spec: `")).collect()))
            .collect()
    };
    assert!(!v1(&a).is_empty());
    assert_eq!(v1(&a), v1(&b));
}
