//! The generated crate's `tests/examples.rs`: every schema example of the spec decodes into
//! its type and encodes back.

use crate::model::Api;
use crate::Options;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// A test that every schema's example from the spec decodes into its type and encodes back
/// with the same values for every field the type knows.
pub fn examples_rs(api: &Api, opts: &Options, examples: &[crate::testdata::SchemaExample]) -> TokenStream {
    let krate = format_ident!("{}", opts.crate_name.replace('-', "_"));
    let scope = match &api.module {
        Some(m) => {
            let m = format_ident!("{}", m);
            quote!(#krate::#m)
        }
        None => quote!(#krate),
    };
    let umbrella = &api.umbrella;
    let cases = examples.iter().map(|e| {
        let (schema, ty, text) = (&e.schema, format_ident!("{}", e.ty), e.json.to_string());
        quote!((#schema, check::<#scope::types::#ty>, #text),)
    });
    quote! {
        //! Every component schema whose spec examples describe a value: the example decodes
        //! into the generated type, and encodes back with the same values for the fields the
        //! type knows.
        #![cfg(feature = #umbrella)]
        use serde_json::Value;

        fn check<T: serde::de::DeserializeOwned + serde::Serialize>(json: &str) -> Result<(), String> {
            let original: Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
            let decoded: T = serde_json::from_value(original.clone()).map_err(|e| format!("does not decode: {e}"))?;
            let again = serde_json::to_value(&decoded).map_err(|e| format!("does not encode: {e}"))?;
            same(&original, &again, "")
        }

        /// Values present in both agree; numbers sent for strings (ids) count as the same.
        fn same(original: &Value, again: &Value, at: &str) -> Result<(), String> {
            match (original, again) {
                (Value::Object(o), Value::Object(a)) => {
                    a.iter().filter_map(|(k, v)| o.get(k).map(|ov| (k, ov, v))).try_for_each(|(k, ov, v)| same(ov, v, &format!("{at}.{k}")))
                }
                (Value::Array(o), Value::Array(a)) if o.len() == a.len() => {
                    o.iter().zip(a).enumerate().try_for_each(|(i, (ov, v))| same(ov, v, &format!("{at}[{i}]")))
                }
                (Value::Number(o), Value::Number(a)) if (o.as_f64().unwrap_or(0.0) - a.as_f64().unwrap_or(0.0)).abs() <= 1e-6 * o.as_f64().unwrap_or(0.0).abs().max(1.0) => Ok(()),
                (Value::Number(o), Value::String(a)) if o.to_string() == *a => Ok(()),
                (Value::String(o), Value::Number(a)) if o.trim().parse::<f64>().ok() == a.as_f64() => Ok(()),
                (Value::Bool(o), Value::String(a)) if o.to_string() == *a => Ok(()),
                (o, a) if o == a => Ok(()),
                (o, a) => Err(format!("at `{at}`: {o} came back as {a}")),
            }
        }

        type Check = fn(&str) -> Result<(), String>;

        #[test]
        fn every_schema_example_round_trips() {
            let cases: &[(&str, Check, &str)] = &[#(#cases)*];
            let failures: Vec<String> =
                cases.iter().filter_map(|(name, check, json)| check(json).err().map(|e| format!("{name}: {e}"))).collect();
            assert!(failures.is_empty(), "{} of {} examples fail:
{}", failures.len(), cases.len(), failures.join("
"));
        }
    }
}
