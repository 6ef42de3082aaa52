//! A partial update's `update_mask`: derived from the fields the caller set (or cleared),
//! the `clear_fields` setter, and the one named way to send no mask.

use super::docs;
use super::ops::param_elem;
use crate::model::{Operation, ParamIn, Style};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// Sends the caller's `update_mask`, or one naming exactly the fields they set, with the
/// fields to clear.
pub(super) fn update_mask(op: &Operation) -> Option<TokenStream> {
    let um = op.update_mask.as_ref()?;
    let mask = op.params.iter().find(|p| p.name == um.param)?;
    let unmaskable = &um.unmaskable;
    let n = format_ident!("{}", mask.name);
    let clear = format_ident!("{}", um.clear_setter);
    let wire = &mask.api_name;
    let csv = mask.style == Style::Csv;
    let set = match &op.body {
        Some(b) if b.required => quote!(crate::runtime::set_fields(&self.body, &[#(#unmaskable),*])),
        Some(_) => quote! {
            self.body.as_ref().map(|b| crate::runtime::set_fields(b, &[#(#unmaskable),*])).unwrap_or_default()
        },
        None => {
            let fields = op
                .params
                .iter()
                .filter(|p| matches!(p.location, ParamIn::Part | ParamIn::Form) && !unmaskable.contains(&p.api_name))
                .map(|p| {
                    let f = format_ident!("{}", p.name);
                    let w = &p.api_name;
                    if p.required {
                        quote!((#w, true))
                    } else {
                        quote!((#w, self.#f.is_some()))
                    }
                });
            quote! {
                [#(#fields),*].into_iter().filter(|(_, set)| *set).map(|(name, _)| name.to_owned()).collect()
            }
        }
    };
    let replace = format_ident!("{}", um.replace_setter);
    Some(quote!(req.update_mask(#wire, #csv, self.#n.as_deref(), #set, &self.#clear, self.#replace);))
}

/// The setter naming fields to empty in a partial update.
pub(super) fn clear_setter(op: &Operation, root: &TokenStream) -> Option<TokenStream> {
    let um = op.update_mask.as_ref()?;
    let mask = op.params.iter().find(|p| p.name == um.param)?;
    let clear = format_ident!("{}", um.clear_setter);
    let elem = param_elem(mask, root);
    let doc = docs::paragraphs([
        "Fields to empty: each is put in the `update_mask` but sent without a value, so Keap clears it \
         (`None` in the body only means \"leave it as it is\"). A field both set in the body and named \
         here is refused before sending. Works with a derived and with an explicit mask.",
    ]);
    let replace = format_ident!("{}", um.replace_setter);
    let replace_doc = docs::paragraphs([
        "Sends no `update_mask` at all, on purpose: Keap then replaces the whole record with the body, \
         emptying list fields (email addresses, phone numbers, addresses) it does not carry. Without this, \
         an update that would go out without a mask (nothing set, or an explicit empty mask) is refused.",
    ]);
    Some(quote! {
        #doc
        pub fn #clear(mut self, fields: impl IntoIterator<Item = impl Into<#elem>>) -> Self {
            self.#clear.extend(fields.into_iter().map(Into::into));
            self
        }
        #replace_doc
        pub fn #replace(mut self) -> Self {
            self.#replace = true;
            self
        }
    })
}
