//! Test data for the generated crate's own tests, built from the model: the values each
//! operation's contract test sends (`tests/contract.rs`), the JSON each component schema's
//! examples describe (`tests/examples.rs`), and every warning about either.
//!
//! Built from the model alone, as typify checks and writes values through its type space:
//! the types give the shape, and what a valid value of each schema is (bounds, formats,
//! patterns, `readOnly`, the spec's own examples) is in the [`Constraints`](crate::model::Constraints)
//! lowering recorded beside them. Nothing here reads the spec.

mod instances;
mod spec_examples;

pub use instances::{instance, OperationSample};

use crate::diag::Warning;
use crate::model::{Api, Operation};
use serde_json::Value;
use std::collections::BTreeMap;

/// What the generated tests are made of.
#[derive(Debug, Default, Clone)]
pub struct TestData {
    /// Component schemas whose examples describe a value, in the spec's name order.
    pub examples: Vec<SchemaExample>,
    /// Values for each operation's parameters and body, by the operation's pointer (builder
    /// names repeat across modules).
    pub samples: BTreeMap<String, OperationSample>,
}

/// The JSON a component schema's examples describe.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaExample {
    /// The schema's name in the spec.
    pub schema: String,
    /// The Rust type generated for it.
    pub ty: String,
    /// The example.
    pub json: Value,
}

impl TestData {
    /// The sample for `op` (empty when none was built).
    pub fn sample(&self, op: &Operation) -> &OperationSample {
        static EMPTY: std::sync::OnceLock<OperationSample> = std::sync::OnceLock::new();
        self.samples.get(&op.pointer).unwrap_or_else(|| EMPTY.get_or_init(OperationSample::default))
    }
}

/// Builds what the options ask for: examples when `examples`, samples when `samples`.
/// Warnings carry pointers; lines are the caller's to add.
pub fn build(api: &Api, examples: bool, samples: bool) -> (TestData, Vec<Warning>) {
    let mut data = TestData::default();
    let mut warnings = Vec::new();
    if examples {
        let (found, defects) = spec_examples::component_examples(api);
        data.examples = found;
        warnings.extend(defects.into_iter().map(|(pointer, what)| Warning {
            pointer,
            line: None,
            message: format!("{what}; left out of the example tests"),
            file: None,
        }));
    }
    if samples {
        for op in api.operations() {
            let sample = instances::operation(api, op);
            if let Some(why) = &sample.skipped {
                warnings.push(Warning {
                    pointer: op.pointer.clone(),
                    line: None,
                    message: format!("{why}; the operation is left out of the contract test"),
                    file: None,
                });
            }
            data.samples.insert(op.pointer.clone(), sample);
        }
    }
    (data, warnings)
}
