//! The generated crate's `Cargo.toml`: the template filled in, with the runtime's
//! dependencies and features (baked) or a path dependency on the runtime crate.

use super::templates::{strip_template_comment, CARGO_TEMPLATE, RUNTIME_MANIFEST};
use crate::model::Api;
use crate::{Options, Runtime};

/// `Cargo.toml` from the template, with the runtime's dependencies (baked) or a path
/// dependency on the runtime crate (golden fixtures).
pub fn cargo_toml(apis: &[&Api], opts: &Options, header: &str) -> String {
    // The runtime's features are the crate's: as they are (baked), or passed on to it.
    let (deps, features) = match &opts.runtime {
        Runtime::Baked => (
            manifest_section(RUNTIME_MANIFEST, "dependencies").trim().to_string(),
            manifest_section(RUNTIME_MANIFEST, "features").trim().to_string(),
        ),
        Runtime::Path(p) => (
            format!("keapgen-runtime = {{ path = {p:?} }}\nserde = \"1\"\nserde_json = \"1\""),
            runtime_features().map(|f| format!("{f} = [\"keapgen-runtime/{f}\"]")).collect::<Vec<_>>().join("\n"),
        ),
    };
    let deps = format!("{deps}\n\n[features]\n{}{features}", super::features::manifest_entries(apis));
    // The guide's doc tests, example programs and contract test run on tokio; the baked
    // runtime's own unit tests derive (the crate itself never does).
    let mut deps = format!(
        "{deps}\n\n[dev-dependencies]\nserde = {{ version = \"1\", features = [\"derive\"] }}\ntokio = {{ version = \"1\", features = [\"macros\", \"rt-multi-thread\", \"test-util\"] }}"
    );
    if opts.example_programs {
        // Each example needs the groups whose accessors it calls: `.contact()` at the root,
        // `.v1().hooks()` below it.
        for (file, text) in super::templates::EXAMPLES {
            let mut needs: Vec<String> = apis
                .iter()
                .flat_map(|api| api.tags.values().map(move |t| (api, t)))
                .filter(|(api, t)| calls(text, api.module.as_deref(), &t.module, apis))
                .map(|(api, t)| format!("{:?}", api.feature(&t.module)))
                .collect();
            // The hooks' record sources (`sources::contact()`) and the runtime's features.
            for (function, feature) in super::hooks::sources(apis[0]) {
                if text.contains(&format!("sources::{function}()")) && !needs.contains(&format!("{feature:?}")) {
                    needs.push(format!("{feature:?}"));
                }
            }
            for (used, feature) in [("keap::hooks", "hooks"), ("runtime::axum", "axum")] {
                if text.contains(used) {
                    needs.push(format!("{feature:?}"));
                }
            }
            let name = file.trim_end_matches(".rs");
            deps.push_str(&format!("\n\n[[example]]\nname = {name:?}\nrequired-features = [{}]", needs.join(", ")));
        }
    }
    let body = strip_template_comment(CARGO_TEMPLATE)
        .replace("{name}", &opts.crate_name)
        .replace("{version}", &opts.crate_version)
        .replace("{spec}", &opts.spec_label.replace('\\', "\\\\").replace('"', "\\\""))
        .replace("{publish}", &publish(opts.repository.as_deref()))
        .replace("{dependencies}", &deps);
    format!("{header}{body}")
}

/// The manifest's line about publishing: the repository a maintainer set, or a refusal to
/// publish until one is set (a crate on crates.io should say where its source is).
fn publish(repository: Option<&str>) -> String {
    match repository {
        Some(url) => format!("repository = {url:?}"),
        None => {
            "# Set `repository` in spec/pin.yaml (or `keapgen generate --repository URL`) to publish.\npublish = false"
                .to_string()
        }
    }
}

/// Whether an example's text calls the accessor of `group` of the spec at `module`.
fn calls(text: &str, module: Option<&str>, group: &str, apis: &[&Api]) -> bool {
    let call = format!(".{group}()");
    text.match_indices(&call).any(|(at, _)| {
        let before = &text[..at];
        match module {
            Some(m) => before.ends_with(&format!(".{m}()")),
            None => !apis.iter().filter_map(|a| a.module.as_deref()).any(|m| before.ends_with(&format!(".{m}()"))),
        }
    })
}

/// The names of the runtime's cargo features.
fn runtime_features() -> impl Iterator<Item = &'static str> {
    manifest_section(RUNTIME_MANIFEST, "features")
        .lines()
        .filter_map(|l| l.split_once('=').map(|(name, _)| name.trim()))
        .filter(|name| !name.is_empty() && !name.starts_with('#'))
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
    fn a_repository_makes_the_crate_publishable() {
        assert_eq!(
            publish(Some("https://github.com/acme/keap-rs")),
            "repository = \"https://github.com/acme/keap-rs\""
        );
        assert!(publish(None).ends_with("publish = false"));
    }

    #[test]
    fn runtime_dependencies_come_from_the_runtime_manifest() {
        let deps = manifest_section(RUNTIME_MANIFEST, "dependencies");
        assert!(deps.contains("reqwest"), "{deps}");
        assert!(!deps.contains("rt-multi-thread"), "dev-dependencies leaked: {deps}");
    }

    #[test]
    fn no_group_takes_a_runtime_features_name() {
        for f in runtime_features() {
            assert!(crate::model::NOT_GROUP_NAMES.contains(&f.replace('-', "_").as_str()), "{f}");
        }
    }

    #[test]
    fn the_runtime_features_are_the_crates() {
        assert_eq!(runtime_features().collect::<Vec<_>>(), ["serde-tokens", "redis", "hooks", "axum", "testing"]);
        let baked = cargo_toml(&[&Api::default()], &Options::new("keap", "spec"), "");
        assert!(baked.contains("\n[features]\ndefault = [\"all\"]\n"), "{baked}");
        assert!(baked.contains("\n# `Serialize` and `Deserialize` for `Tokens`"), "{baked}");
        assert!(baked.contains("\nserde-tokens = []\n"), "{baked}");
        let path = cargo_toml(
            &[&Api::default()],
            &Options { runtime: Runtime::Path("../rt".into()), ..Options::new("keap", "spec") },
            "",
        );
        assert!(path.contains("\nserde-tokens = [\"keapgen-runtime/serde-tokens\"]\n"), "{path}");
    }
}
