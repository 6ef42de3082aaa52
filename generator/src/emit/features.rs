//! Cargo features: one per operation group (tag module), `standalone_types` for schemas no
//! operation uses, `all` for everything (the default). In a crate of several specs the
//! groups below the root are prefixed with their module (`v1_hooks`), each spec has an
//! umbrella feature (`v2`, `v1`), the root's is the default and `all` is every spec. How an
//! item is gated on them, and the sentence that tells readers which feature an item needs.

use crate::model::{Api, ALL_FEATURE, STANDALONE_FEATURE};
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::BTreeSet;

/// `#[cfg(...)]` for an item that needs any of `features`.
pub fn cfg(features: &BTreeSet<String>) -> TokenStream {
    let names = features.iter();
    match features.len() {
        1 => quote!(#[cfg(feature = #(#names)*)]),
        _ => quote!(#[cfg(any(#(feature = #names),*))]),
    }
}

/// `#[cfg(feature = "name")]`.
pub fn cfg_one(feature: &str) -> TokenStream {
    quote!(#[cfg(feature = #feature)])
}

/// What a reader is told about an item of `api` that needs any of `groups`.
pub fn label(api: &Api, groups: &BTreeSet<String>) -> String {
    let names: Vec<String> = api.features(groups).iter().map(|f| format!("`{f}`")).collect();
    let off = |umbrella: &str| format!("off by default; `{umbrella}` turns on every one of this spec's");
    match (names.as_slice(), &api.module) {
        ([one], None) => format!("Needs the crate feature {one} (on by default)."),
        (_, None) => format!("Needs one of the crate features {} (all on by default).", names.join(", ")),
        ([one], Some(_)) => format!("Needs the crate feature {one} ({}).", off(&api.umbrella)),
        (_, Some(_)) => format!("Needs one of the crate features {} ({}).", names.join(", "), off(&api.umbrella)),
    }
}

/// `#[cfg(...)]` for an item of `api` that needs any of `groups`.
pub fn gate(api: &Api, groups: &BTreeSet<String>) -> TokenStream {
    cfg(&api.features(groups))
}

/// `#[cfg(...)]` for an item of `api` that needs `group`.
pub fn gate_one(api: &Api, group: &str) -> TokenStream {
    cfg_one(&api.feature(group))
}

/// The `[features]` entries of the generated crate's own features, before the runtime's:
/// each spec's groups and its umbrella; with several specs, `all` for all of them and the
/// first spec's umbrella as the default.
pub fn manifest_entries(apis: &[&Api]) -> String {
    let mut out = String::new();
    let mut umbrellas = Vec::new();
    for api in apis {
        let groups: Vec<String> = api.tags.values().map(|t| api.feature(&t.module)).collect();
        let standalone = api.types.values().any(|t| t.groups.contains(STANDALONE_FEATURE));
        let mut all: Vec<String> = groups.iter().map(|g| format!("{g:?}")).collect();
        if standalone {
            all.push(format!("{:?}", api.feature(STANDALONE_FEATURE)));
        }
        let spec = match &api.module {
            Some(m) => format!(" of `{m}` ({})", api.title),
            None if apis.len() > 1 => format!(" of the crate's root ({})", api.title),
            None => String::new(),
        };
        out.push_str(&format!(
            "# Every operation group{spec}{}.\n{} = [{}]\n",
            if standalone { " and the standalone types" } else { "" },
            api.umbrella,
            all.join(", ")
        ));
        out.push_str("# One feature per operation group (tag): its operations and the types they use.\n");
        for g in groups {
            out.push_str(&format!("{g} = []\n"));
        }
        if standalone {
            out.push_str(&format!(
                "# Types of component schemas no operation uses.\n{} = []\n",
                api.feature(STANDALONE_FEATURE)
            ));
        }
        umbrellas.push(format!("{:?}", api.umbrella));
    }
    let default = apis.first().map(|a| format!("{:?}", a.umbrella)).unwrap_or_default();
    let mut head = format!("default = [{default}]\n");
    if apis.len() > 1 {
        head.push_str(&format!("# Every spec's operation groups.\n{ALL_FEATURE} = [{}]\n", umbrellas.join(", ")));
    }
    head + &out
}
