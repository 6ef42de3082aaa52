//! The generated crate's root, `src/lib.rs`: the guide as crate docs, the modules, the
//! re-exports and the `Client` with one accessor per tag.

use super::{docs, features, guide::guide};
use crate::model::Api;
use crate::naming::ClientMethod;
use crate::{Options, Runtime};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

pub fn lib_rs(api: &Api, opts: &Options) -> TokenStream {
    // The guide, whose code blocks are doc tests. No counts in it: adding an operation
    // should change only the files that own it.
    let crate_doc: TokenStream = guide(api, opts)
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
            &format!("Needs the crate feature `{}` (on by default).", t.module),
        ]);
        let gate = features::cfg_one(&t.module);
        quote! {
            #doc
            #gate
            pub fn #m(&self) -> api::#h {
                api::#h { client: self.clone() }
            }
        }
    });
    let methods = ClientMethod::ALL.map(|m| {
        let name = format_ident!("{}", m.name());
        match m {
            ClientMethod::New => {
                let builder = format_ident!("{}", ClientMethod::Builder.name());
                quote! {
                    /// A client for [`DEFAULT_BASE_URL`] with default settings.
                    pub fn #name() -> Result<Self, Error> {
                        Self::#builder().build()
                    }
                }
            }
            ClientMethod::Builder => quote! {
                /// A builder to set the base URL, timeout or HTTP client.
                pub fn #name() -> ClientBuilder<Self> {
                    ClientBuilder::new(DEFAULT_BASE_URL)
                }
            },
            ClientMethod::Transport => quote! {
                /// The transport every operation sends through.
                pub fn #name(&self) -> &runtime::Transport {
                    &self.transport
                }
            },
            ClientMethod::Quota => quote! {
                /// What each quota window (second, minute, day) has left, as the quota store
                /// sees it (with a shared store, the whole fleet's). Fails only when a shared
                /// store cannot be reached.
                pub async fn #name(&self) -> Result<Vec<runtime::Budget>, Error> {
                    self.transport.quota().await
                }
            },
            ClientMethod::Tokens => quote! {
                /// The OAuth2 token pair in use (the newest, saved or not); `None` for other
                /// credentials.
                pub fn #name(&self) -> Option<Tokens> {
                    self.transport.tokens()
                }
            },
        }
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
        #runtime
        pub mod types;

        pub use runtime::{
            Auth, ClientBuilder, Error, Event, FilePart, Filter, Quota, Response, RetryPolicy, Secret, TokenStore, Tokens,
            Window,
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
        }

        impl From<runtime::Transport> for Client {
            fn from(transport: runtime::Transport) -> Self {
                Client { transport }
            }
        }
    }
}
