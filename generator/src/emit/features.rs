//! Cargo features: one per operation group (tag module), `standalone_types` for schemas no
//! operation uses, `all` for everything (the default). How an item is gated on them, and
//! the sentence that tells readers which feature an item needs.

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

/// What a reader is told about an item that needs any of `features`.
pub fn label(features: &BTreeSet<String>) -> String {
    let names: Vec<String> = features.iter().map(|f| format!("`{f}`")).collect();
    match names.as_slice() {
        [one] => format!("Needs the crate feature {one} (on by default)."),
        _ => format!("Needs one of the crate features {} (all on by default).", names.join(", ")),
    }
}

/// The `[features]` entries of the generated crate's own features, before the runtime's.
pub fn manifest_entries(api: &Api) -> String {
    let groups: Vec<&str> = api.tags.values().map(|t| t.module.as_str()).collect();
    let standalone = api.types.values().any(|t| t.groups.contains(STANDALONE_FEATURE));
    let mut all: Vec<String> = groups.iter().map(|g| format!("{g:?}")).collect();
    if standalone {
        all.push(format!("{STANDALONE_FEATURE:?}"));
    }
    let mut out = format!(
        "default = [{ALL_FEATURE:?}]\n# Every operation group{}.\n{ALL_FEATURE} = [{}]\n",
        if standalone { " and the standalone types" } else { "" },
        all.join(", ")
    );
    out.push_str("# One feature per operation group (tag): its operations and the types they use.\n");
    for g in groups {
        out.push_str(&format!("{g} = []\n"));
    }
    if standalone {
        out.push_str(&format!("# Types of component schemas no operation uses.\n{STANDALONE_FEATURE} = []\n"));
    }
    out
}
