//! The generated crate's root, `src/lib.rs`: the guide as crate docs, the modules, the
//! re-exports and the `Client` with one accessor per tag of the root spec and one per
//! other spec (`client.v1()`); and the module of each other spec (`src/v1/mod.rs`), whose
//! handle has one accessor per tag of that spec.

use super::templates::CLIENT_METHODS;
use super::{docs, features, guide::guide};
use crate::model::Api;
use crate::{Options, Runtime};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

pub fn lib_rs(apis: &[&Api], opts: &Options) -> TokenStream {
    let api = apis[0];
    // The guide, whose code blocks are doc tests. No counts in it: adding an operation
    // should change only the files that own it.
    let crate_doc: TokenStream = guide(apis, opts)
        .lines()
        .map(|l| {
            let l = if l.is_empty() { String::new() } else { format!(" {l}") };
            quote!(#![doc = #l])
        })
        .collect();
    let runtime = match &opts.runtime {
        Runtime::Baked => quote!(
            pub mod runtime;
        ),
        Runtime::Path(_) => quote!(
            pub use keapgen_runtime::runtime;
        ),
    };
    let base_url = &api.base_url;
    let accessors = api.tags.values().map(|t| {
        let m = format_ident!("{}", t.module);
        let h = format_ident!("{}", t.handle);
        let doc = docs::paragraphs([
            format!("Operations tagged `{}`.", t.api_name).as_str(),
            &features::label(api, &[t.module.clone()].into()),
        ]);
        let gate = features::gate_one(api, &t.module);
        quote! {
            #doc
            #gate
            pub fn #m(&self) -> api::#h {
                api::#h { client: self.clone() }
            }
        }
    });
    let methods = client_methods();
    let specs = apis[1..].iter().map(|a| {
        let m = format_ident!("{}", a.module.as_deref().unwrap_or_default());
        let doc = docs::paragraphs([
            format!("The operations of the {} spec, in [`{m}`]: same credentials, base URL, quota, retries and errors as every other call.", a.title).as_str(),
            &format!("Its groups are cargo features, off by default: `{}` turns on all of them.", a.umbrella),
        ]);
        quote! {
            #doc
            pub fn #m(&self) -> #m::Api {
                #m::Api { client: self.clone() }
            }
        }
    });
    let ids = (!super::ids::records(apis).is_empty()).then(|| {
        quote!(
            pub mod ids;
        )
    });
    let spec_mods = apis[1..].iter().map(|a| {
        let m = format_ident!("{}", a.module.as_deref().unwrap_or_default());
        quote!(pub mod #m;)
    });
    quote! {
        #crate_doc
        #![forbid(unsafe_code)]
        #![allow(
            clippy::too_many_arguments,
            reason = "constructors take every required field; some operations take more than seven"
        )]
        #![allow(clippy::large_enum_variant, reason = "oneOf variants are as large as the spec makes them")]
        #![allow(
            clippy::should_implement_trait,
            clippy::new_ret_no_self,
            reason = "method names come from operationIds and parameters (`new`, `add`, `clone`, ...)"
        )]

        pub mod api;
        #[cfg(feature = "hooks")]
        pub mod hooks;
        #ids
        #runtime
        #[cfg(feature = "testing")]
        pub mod testing;
        pub mod types;
        #(#spec_mods)*

        pub use runtime::{
            Amount, Auth, ClientBuilder, Error, Event, FilePart, Filter, MinorUnits, Quota, Response, RetryPolicy, Secret,
            TokenStore, Tokens, Window,
        };

        /// The server the spec names; [`ClientBuilder::base_url`] sends elsewhere.
        pub const DEFAULT_BASE_URL: &str = #base_url;

        /// The API client. Cheap to clone: clones share one connection pool.
        #[derive(Clone, Debug)]
        pub struct Client {
            transport: runtime::Transport,
        }

        impl Client {
            #(#methods)*

            #(#accessors)*

            #(#specs)*
        }

        impl From<runtime::Transport> for Client {
            fn from(transport: runtime::Transport) -> Self {
                Client { transport }
            }
        }
    }
}

/// The items of `templates/root/client.rs`'s `impl Client`: the client's own methods.
fn client_methods() -> Vec<syn::ImplItem> {
    // The file is keapgen's own, compiled by the runtime crate's tests: it always parses.
    let file: syn::File = syn::parse_str(CLIENT_METHODS).expect("templates/root/client.rs is Rust");
    file.items
        .into_iter()
        .flat_map(|item| match item {
            syn::Item::Impl(i) => i.items,
            _ => Vec::new(),
        })
        .collect()
}

/// `src/<module>/mod.rs` of a spec below the crate's root: its docs, its `api` and `types`
/// modules, and the handle `Client::<module>()` returns.
pub fn module_rs(api: &Api) -> TokenStream {
    let m = api.module.as_deref().unwrap_or_default();
    let groups: Vec<String> = api.tags.values().map(|t| format!("`{}`", api.feature(&t.module))).collect();
    let ours = format!(
        "The {} spec: its operations (`client.{m}().<group>()`, see [`Api`]) and its types \
         ([`types`]).\n\nThese calls go through the same [`Client`](crate::Client) as every other: \
         the same credentials, base URL (the spec's paths are under it), quota windows, retries, \
         redirect rule, tracing and [`Error`](crate::Error). Each group is a cargo feature, off by \
         default: {}; `{}` turns on all of them.",
        api.title,
        groups.join(", "),
        api.umbrella
    );
    // The spec's own description, sanitised like all spec prose.
    let theirs = api.description.iter().flat_map(|d| std::iter::once(String::new()).chain(docs::lines(d)));
    let doc: TokenStream = ours
        .lines()
        .map(str::to_string)
        .chain(theirs)
        .map(|l| {
            let l = if l.is_empty() { l } else { format!(" {l}") };
            quote!(#![doc = #l])
        })
        .collect();
    let accessors = api.tags.values().map(|t| {
        let g = format_ident!("{}", t.module);
        let h = format_ident!("{}", t.handle);
        let doc = docs::paragraphs([
            format!("Operations tagged `{}`.", t.api_name).as_str(),
            &features::label(api, &[t.module.clone()].into()),
        ]);
        let gate = features::gate_one(api, &t.module);
        quote! {
            #doc
            #gate
            pub fn #g(&self) -> api::#h {
                api::#h { client: self.client.clone() }
            }
        }
    });
    let handle_doc = docs::line_attr(&format!(
        "The {} operations, by group: get one with [`Client::{m}`](crate::Client::{m}).",
        api.title
    ));
    quote! {
        #doc
        pub mod api;
        pub mod types;

        #handle_doc
        #[derive(Clone, Debug)]
        pub struct Api {
            #[allow(dead_code, reason = "read by the accessors of the groups whose features are on")]
            pub(crate) client: crate::Client,
        }

        impl Api {
            #(#accessors)*
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::naming::ClientMethod;

    /// Accessors keep clear of `ClientMethod`'s names: the file must define exactly those.
    #[test]
    fn the_client_methods_are_the_names_accessors_avoid() {
        let names: Vec<String> = client_methods()
            .iter()
            .filter_map(|item| match item {
                syn::ImplItem::Fn(f) => Some(f.sig.ident.to_string()),
                _ => None,
            })
            .collect();
        assert_eq!(
            names,
            ClientMethod::ALL.map(|m| m.name().to_string()),
            "templates/root/client.rs vs naming::ClientMethod"
        );
    }
}
