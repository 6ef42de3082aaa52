//! `keapgen diff`: fixture pairs for each kind of change in `tests/diff/<case>/` (with the
//! expected report in `expected.txt`, re-blessed by `KEAPGEN_BLESS=1`), and the real Keap
//! specs from ../shared/keap-specs.

use keapgen::diff::{diff, ChangeKind, Report};
use keapgen::{load, lower::Names};
use std::path::Path;

fn api(path: &Path) -> keapgen::model::Api {
    let spec = load::load_file(path).unwrap_or_else(|e| panic!("{e}"));
    keapgen::model(&spec, &Names::default()).unwrap_or_else(|e| panic!("{e}")).0
}

fn report(old: &Path, new: &Path) -> Report {
    diff(&api(old), &api(new))
}

#[test]
fn fixture_pairs_report_each_kind_of_change() {
    let dir = keapgen_tests::root().join("tests/diff");
    let mut failures = Vec::new();
    let mut cases: Vec<_> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    cases.sort();
    assert!(cases.len() >= 3);
    for case in cases {
        let r = report(&case.join("old.yaml"), &case.join("new.yaml"));
        let text = r.to_text("old.yaml", "new.yaml");
        let expected_path = case.join("expected.txt");
        if keapgen_tests::blessing() {
            std::fs::write(&expected_path, &text).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != text {
            let d = similar::TextDiff::from_lines(expected.as_str(), text.as_str())
                .unified_diff()
                .header("expected", "actual")
                .to_string();
            failures.push(format!("{}:\n{d}", case.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{}\nre-bless with KEAPGEN_BLESS=1 cargo test -p keapgen-tests --test diff",
        failures.join("\n")
    );
}

#[test]
fn classification_of_the_fixture_changes() {
    let dir = keapgen_tests::root().join("tests/diff");
    let ops = report(&dir.join("operations/old.yaml"), &dir.join("operations/new.yaml"));
    assert_eq!(ops.count(ChangeKind::OperationAdded), 1);
    assert_eq!(ops.count(ChangeKind::OperationRemoved), 1);
    assert_eq!(ops.count(ChangeKind::ServerChanged), 1);
    // `listA` moved from /a to /b: the worst kind.
    assert_eq!(ops.moved.len(), 1);
    assert!(ops.moved[0].detail.contains("GET /a") && ops.moved[0].detail.contains("GET /b"));
    assert!(ops.breaking());
    let params = report(&dir.join("parameters/old.yaml"), &dir.join("parameters/new.yaml"));
    let breaking: Vec<_> = params.changes.iter().filter(|c| c.breaking).map(|c| c.kind).collect();
    assert!(
        breaking.contains(&ChangeKind::ParameterRemoved)
            && breaking.contains(&ChangeKind::BodyChanged)
            && breaking.contains(&ChangeKind::ResponseChanged)
    );
    let optional_added = params.changes.iter().find(|c| c.detail.contains("`since`")).unwrap();
    assert!(!optional_added.breaking, "an optional parameter is only a new setter");
    let renamed = params.changes.iter().filter(|c| c.detail.contains("`orderBy`")).collect::<Vec<_>>();
    assert!(renamed.len() == 1 && !renamed[0].breaking, "a wire rename keeps the setter: {renamed:?}");
    let required_added = params.changes.iter().find(|c| c.detail.contains("`tenant`")).unwrap();
    assert!(required_added.breaking, "a required parameter is a new argument");
    let schemas = report(&dir.join("schemas/old.yaml"), &dir.join("schemas/new.yaml"));
    for kind in [
        ChangeKind::PropertyAdded,
        ChangeKind::PropertyRemoved,
        ChangeKind::PropertyChanged,
        ChangeKind::EnumValueAdded,
        ChangeKind::EnumValueRemoved,
        ChangeKind::TypeAdded,
        ChangeKind::TypeRemoved,
        ChangeKind::TypeChanged,
        ChangeKind::UnionVariantAdded,
        ChangeKind::UnionVariantRemoved,
    ] {
        assert!(schemas.count(kind) > 0, "no {kind}");
    }
    // As the compiler sees the generated crate: its structs take literals, so any new field
    // breaks one that names every field; its enums and unions are `#[non_exhaustive]`, so a
    // new value or variant breaks no match.
    let breaking =
        |kind: ChangeKind| schemas.changes.iter().filter(|c| c.kind == kind).map(|c| c.breaking).collect::<Vec<_>>();
    let optional = schemas.changes.iter().find(|c| c.detail.contains("`email`")).unwrap();
    assert!(optional.breaking, "an optional property added breaks an exhaustive literal: {optional:?}");
    assert_eq!(breaking(ChangeKind::EnumValueAdded), [false]);
    assert_eq!(breaking(ChangeKind::UnionVariantAdded), [false]);
    assert_eq!(breaking(ChangeKind::UnionVariantRemoved), [true]);
    let json: serde_json::Value = serde_json::from_str(&schemas.to_json()).unwrap();
    assert_eq!(json["breaking"], true);
    assert_eq!(json["summary"]["enum-value-added"], 1);
}

#[test]
fn keap_2_0_20_to_2_0_21_changes_nothing_a_user_can_see() {
    let specs = keapgen_tests::specs_dir();
    let r = report(&specs.join("keap-v2-2.0.20.yaml"), &specs.join("keap-v2-2.0.21.yaml"));
    assert!(r.changes.is_empty() && r.moved.is_empty(), "{}", r.to_text("2.0.20", "2.0.21"));
}

#[test]
fn keap_2_0_18_to_2_0_21_says_loudly_what_moved() {
    let specs = keapgen_tests::specs_dir();
    let r = report(&specs.join("keap-v2-2.0.18.yaml"), &specs.join("keap-v2-2.0.21.yaml"));
    assert_eq!(r.count(ChangeKind::OperationAdded), 44);
    assert_eq!(r.count(ChangeKind::OperationRemoved), 1);
    let text = r.to_text("2.0.18", "2.0.21");
    for id in ["getFileData", "listPaymentMethods"] {
        assert!(text.contains(&format!("!!   upstream operationId `{id}`")), "{id} not called out:\n{text}");
    }
    // In this crate, `list_payment_methods` silently changes endpoint; `get_file_data` is renamed.
    assert_eq!(r.moved.len(), 1);
    assert!(r.moved[0].target.contains("list_payment_methods"));
    assert!(r.changes.iter().any(|c| c.kind == ChangeKind::OperationRenamed && c.detail.contains("get_file_data_1")));
}

/// Keap 2.0 moved `/rest` from the server URL into the paths: the same URLs, so operations
/// pair up, and only the server change, renames and real moves are reported.
#[test]
fn keap_1_0_20_to_2_0_18_pairs_operations_across_the_server_move() {
    let specs = keapgen_tests::specs_dir();
    let r = report(&specs.join("keap-v2-1.0.20.yaml"), &specs.join("keap-v2-2.0.18.yaml"));
    let text = r.to_text("1.0.20", "2.0.18");
    assert_eq!(r.count(ChangeKind::ServerChanged), 1, "{text}");
    assert_eq!((r.count(ChangeKind::OperationRemoved), r.count(ChangeKind::OperationRenamed)), (38, 17), "{text}");
    assert_eq!(r.moved.len(), 3, "{text}");
    // Endpoints are named as the new spec writes them: what spec/names.yaml keys.
    assert!(r.moved.iter().all(|m| m.detail.contains("`POST /rest/v2/")), "{text}");
}

#[test]
fn a_server_move_alone_changes_no_operation() {
    let dir = keapgen_tests::root().join("tests/diff/servers");
    let r = report(&dir.join("old.yaml"), &dir.join("new.yaml"));
    assert_eq!(r.count(ChangeKind::OperationRemoved) + r.count(ChangeKind::OperationAdded), 0);
    assert_eq!(r.count(ChangeKind::OperationRenamed), 1);
    assert!(r.moved.is_empty());
}
