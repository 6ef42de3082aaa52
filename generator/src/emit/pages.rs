//! A list operation's `pages()` and `items()`: how its builder follows the cursor.

use super::ty_in;
use crate::model::{Cursor, Operation, Pagination, Prim, Response, TypeRef};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// Streams of pages and items for a list operation.
pub(super) fn paging(op: &Operation, pg: &Pagination, root: &TokenStream) -> TokenStream {
    let name = format_ident!("{}", op.builder);
    let Response::Json(page_ty) = &op.response else { return quote!() };
    let page = ty_in(page_ty, false, root);
    let item = ty_in(&pg.item, false, root);
    let items = format_ident!("{}", pg.items_field);
    let param = |n: &str| op.params.iter().find(|p| p.name == n);
    let text = |field: &str, plain: bool| {
        let f = format_ident!("{}", field);
        if plain {
            quote!(Some(page.#f.as_str()))
        } else {
            quote!(page.#f.as_deref())
        }
    };
    let (follows, next_request, cursor) = match &pg.cursor {
        Cursor::Token { param: token, next_field, next_required } => {
            let plain = param(token).is_some_and(|p| p.required);
            let t = format_ident!("{}", token);
            let set = if plain { quote!(token) } else { quote!(Some(token)) };
            let next = text(next_field, *next_required);
            let cursor = if plain { quote!(Some(self.#t.clone())) } else { quote!(self.#t.clone()) };
            (
                "following `next_page_token` until the server sends none",
                quote! {
                    let token = crate::runtime::next_token(#next)?;
                    Some(Self { #t: #set, ..self.clone() })
                },
                cursor,
            )
        }
        Cursor::Offset { offset, limit, next_field, next_required, count_field, count_required } => {
            // As i64, whatever the parameters' width.
            let wide = |n: &str| {
                let p = param(n);
                let f = format_ident!("{}", n);
                let v = if p.is_some_and(|p| p.required) { quote!(Some(self.#f)) } else { quote!(self.#f) };
                if p.is_some_and(|p| p.ty == TypeRef::Prim(Prim::I32)) {
                    quote!(#v.map(i64::from))
                } else {
                    v
                }
            };
            let (sent, per_page) = (wide(offset), wide(limit));
            let o = format_ident!("{}", offset);
            let narrow = if param(offset).is_some_and(|p| p.ty == TypeRef::Prim(Prim::I32)) {
                quote!(i32::try_from(at).ok()?)
            } else {
                quote!(at)
            };
            let set = if param(offset).is_some_and(|p| p.required) { narrow } else { quote!(Some(#narrow)) };
            let next = next_field.as_ref().map_or(quote!(None), |f| text(f, *next_required));
            let total = count_field.as_ref().map_or(quote!(None), |f| {
                let c = format_ident!("{}", f);
                let v = if *count_required { quote!(Some(page.#c)) } else { quote!(page.#c) };
                quote!(#v.map(i64::from))
            });
            let received = if pg.items_required {
                quote!(page.#items.len())
            } else {
                quote!(page.#items.as_ref().map_or(0, Vec::len))
            };
            (
                if count_field.is_some() {
                    "moving `offset` past the items received (never following the `next` link) until the page's \
                     `count` of matches has been received or a page comes back empty"
                } else {
                    "moving `offset` past the items received (never following the `next` link) until a page \
                     comes back empty or short"
                },
                quote! {
                    let at = crate::runtime::next_offset(#sent, #per_page, #received, #next, #total)?;
                    Some(Self { #o: #set, ..self.clone() })
                },
                quote!(#sent.map(|o| o.to_string())),
            )
        }
    };
    let pages_doc = format!(" Every page, {follows}; one request per page, each within the client's quota.");
    let api_name = &op.api_name;
    let take = if pg.items_required { quote!(page.#items) } else { quote!(page.#items.unwrap_or_default()) };
    quote! {
        impl #name {
            #[doc = #pages_doc]
            pub fn pages(self) -> crate::runtime::Pages<Self> {
                crate::runtime::Pages::new(self)
            }
            /// Every item of every page, in order.
            pub fn items(self) -> crate::runtime::Items<Self> {
                crate::runtime::Items::new(self)
            }
        }
        impl crate::runtime::Paginated for #name {
            type Page = #page;
            type Item = #item;
            const OPERATION: &'static str = #api_name;
            fn next_request(&self, page: &Self::Page) -> Option<Self> {
                #next_request
            }
            fn cursor(&self) -> Option<String> {
                #cursor
            }
            fn fetch(self) -> impl std::future::Future<Output = Result<Self::Page, crate::Error>> + Send + 'static {
                self.send()
            }
            fn into_items(page: Self::Page) -> Vec<Self::Item> {
                #take
            }
        }
    }
}
