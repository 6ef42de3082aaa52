//! `keapgen pull` moving the pin: from the real 2.0.18 spec to 2.0.21 in a scratch copy of
//! the `spec/` folder.

use keapgen::diff::ChangeKind;
use keapgen::spec::{pull, pull_from_dir, Pin, Pulled, SpecPin, CHANGELOG_PATH};
use std::path::PathBuf;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("keapgen-pull-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("spec")).unwrap();
    dir
}

/// A pin of v2 2.0.18 at the root and v1 below it, with v2's text in place.
fn pin_2_0_18(root: &std::path::Path) {
    let specs = keapgen_tests::specs_dir();
    let bytes = std::fs::read(specs.join("keap-v2-2.0.18.yaml")).unwrap();
    let v1 = std::fs::read(specs.join("v1/keap-v1-livedocs-2025-11-05.json")).unwrap();
    let pin = Pin {
        crate_version: "0.3.1".into(),
        repository: None,
        specs: vec![
            SpecPin {
                name: "v2".into(),
                module: None,
                version: "2.0.18".into(),
                date: None,
                url: "https://example.invalid/2.0.18/swagger.yml".into(),
                sha256: keapgen::spec::sha256_hex(&bytes),
                file: "keap-v2.yaml".into(),
                keep_unknown_fields: false,
            },
            SpecPin {
                name: "v1".into(),
                module: Some("v1".into()),
                version: "1.70".into(),
                date: Some("2025-11-05".into()),
                url: "https://example.invalid/v1.json".into(),
                sha256: keapgen::spec::sha256_hex(&v1),
                file: "keap-v1.json".into(),
                keep_unknown_fields: true,
            },
        ],
    };
    pin.save(root).unwrap();
    std::fs::write(root.join("spec/keap-v2.yaml"), bytes).unwrap();
}

#[test]
fn pulling_a_new_version_moves_the_pin_and_reports_the_change() {
    let root = scratch("new");
    pin_2_0_18(&root);
    let new = keapgen_tests::specs_dir().join("keap-v2-2.0.21.yaml");
    let url = "https://raw.githubusercontent.com/infusionsoft/keap-sdk/d5b3dec249360ab81d7aeafb772f9341697b935b/sdks/v2/swagger.yml";
    // With several specs, a new text must say which spec it is for.
    let e = pull(&root, None, Some(new.to_str().unwrap()), Some("2.0.21"), Some(url)).err().unwrap();
    assert!(e.to_string().contains("--spec") || e.hint.as_deref().unwrap_or("").contains("--spec"), "{e}");
    let Some(Pulled::Updated(u)) =
        pull(&root, Some("v2"), Some(new.to_str().unwrap()), Some("2.0.21"), Some(url)).unwrap().pop()
    else {
        panic!("expected the pin to move")
    };
    let pin = Pin::load(&root).unwrap();
    assert_eq!(pin.specs[0], u.new);
    let v2 = &pin.specs[0];
    assert_eq!((v2.version.as_str(), v2.url.as_str(), pin.crate_version.as_str()), ("2.0.21", url, "0.4.0"));
    assert_eq!(v2.sha256, "dd89bec7ee554034fd3a0d6d502ca0d986a52f0751c8c322f6f7061bbb8d46ac");
    assert_eq!(pin.specs[1].version, "1.70", "the other spec's pin did not move");
    let report = u.report.expect("the previous spec was there to compare");
    assert_eq!(report.count(ChangeKind::OperationAdded), 44);
    let log = std::fs::read_to_string(root.join(CHANGELOG_PATH)).unwrap();
    assert!(log.starts_with("# Changelog"), "{log}");
    assert!(log.contains("## 0.4.0 (Keap spec `v2` 2.0.21)") && log.contains("Compared with 2.0.18"), "{log}");
    // Pulling a pinned text again only puts it in place, whichever spec it is.
    assert!(matches!(pull(&root, None, Some(new.to_str().unwrap()), None, None).unwrap()[..], [Pulled::Same(_)]));
    let v1 = keapgen_tests::specs_dir().join("v1/keap-v1-livedocs-2025-11-05.json");
    assert!(matches!(pull(&root, None, Some(v1.to_str().unwrap()), None, None).unwrap()[..], [Pulled::Same(_)]));
    assert!(root.join("spec/keap-v1.json").is_file());
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn a_local_file_needs_its_upstream_url() {
    let root = scratch("url");
    pin_2_0_18(&root);
    let new = keapgen_tests::specs_dir().join("keap-v2-2.0.21.yaml");
    let e = pull(&root, Some("v2"), Some(new.to_str().unwrap()), None, None).err().unwrap();
    assert!(e.to_string().contains("--url") || e.hint.as_deref().unwrap_or("").contains("--url"), "{e}");
    assert_eq!(Pin::load(&root).unwrap().specs[0].version, "2.0.18", "the pin did not move");
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn every_pinned_spec_is_found_in_a_folder_by_its_sha256() {
    let root = scratch("dir");
    pin_2_0_18(&root);
    std::fs::remove_file(root.join("spec/keap-v2.yaml")).unwrap();
    let missing = pull_from_dir(&root, &keapgen_tests::specs_dir()).unwrap();
    assert_eq!(missing, Vec::<String>::new());
    assert!(root.join("spec/keap-v2.yaml").is_file() && root.join("spec/keap-v1.json").is_file());
    // A folder without one of them names it.
    let empty = root.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    assert_eq!(pull_from_dir(&root, &empty).unwrap(), ["v2", "v1"]);
    std::fs::remove_dir_all(&root).unwrap();
}
