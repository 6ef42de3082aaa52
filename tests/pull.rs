//! `keapgen pull` moving the pin: from the real 2.0.18 spec to 2.0.21 in a scratch copy of
//! the `spec/` folder.

use keapgen::diff::ChangeKind;
use keapgen::spec::{pull, Pin, Pulled, CHANGELOG_PATH};
use std::path::PathBuf;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("keapgen-pull-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("spec")).unwrap();
    dir
}

fn pin_2_0_18(root: &std::path::Path) {
    let specs = keapgen_tests::specs_dir();
    let bytes = std::fs::read(specs.join("keap-v2-2.0.18.yaml")).unwrap();
    let pin = Pin {
        version: "2.0.18".into(),
        url: "https://example.invalid/2.0.18/swagger.yml".into(),
        sha256: keapgen::spec::sha256_hex(&bytes),
        file: "keap-v2.yaml".into(),
        crate_version: "0.3.1".into(),
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
    let Pulled::Updated(u) = pull(&root, Some(new.to_str().unwrap()), Some("2.0.21"), Some(url)).unwrap() else {
        panic!("expected the pin to move")
    };
    let pin = Pin::load(&root).unwrap();
    assert_eq!(pin, u.new);
    assert_eq!((pin.version.as_str(), pin.url.as_str(), pin.crate_version.as_str()), ("2.0.21", url, "0.4.0"));
    assert_eq!(pin.sha256, "dd89bec7ee554034fd3a0d6d502ca0d986a52f0751c8c322f6f7061bbb8d46ac");
    let report = u.report.expect("the previous spec was there to compare");
    assert_eq!(report.count(ChangeKind::OperationAdded), 44);
    let log = std::fs::read_to_string(root.join(CHANGELOG_PATH)).unwrap();
    assert!(log.starts_with("# Changelog"), "{log}");
    assert!(log.contains("## 0.4.0 (Keap spec 2.0.21)") && log.contains("Compared with 2.0.18"), "{log}");
    // Pulling the same version again only puts it in place.
    assert!(matches!(pull(&root, Some(new.to_str().unwrap()), None, None).unwrap(), Pulled::Same(_)));
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn a_local_file_needs_its_upstream_url() {
    let root = scratch("url");
    pin_2_0_18(&root);
    let new = keapgen_tests::specs_dir().join("keap-v2-2.0.21.yaml");
    let e = pull(&root, Some(new.to_str().unwrap()), None, None).err().unwrap();
    assert!(e.to_string().contains("--url"), "{e}");
    assert_eq!(Pin::load(&root).unwrap().version, "2.0.18", "the pin did not move");
    std::fs::remove_dir_all(&root).unwrap();
}
