//! Batch answers that report per record: Keap answers 2xx to "apply this tag to these
//! contacts" (and to adding contacts to a sequence, deleting emails) with a map of each
//! record's id to its own outcome, some of which are failures. A 2xx must not hide them:
//! any record that failed makes the call an [`Error::PartlyFailed`] that lists them all.

use super::error::{Error, PartialFailure};
use super::response::Response;
use serde::Serialize;

/// Whether a per-record status means the record is as asked.
fn succeeded(status: &str) -> bool {
    let s = status.trim().to_ascii_uppercase();
    s == "SUCCESS" || s == "OK" || s == "DUPLICATE" || s.starts_with("ALREADY_")
}

/// Checks a batch answer whose body is (or holds, as properties) maps of record id to
/// status: every record succeeded, or the call fails with [`Error::PartlyFailed`].
/// Generated code calls it on the operations that answer this way.
pub fn per_record<T: Serialize>(operation: &'static str, response: Response<T>) -> Result<Response<T>, Error> {
    let Ok(value) = serde_json::to_value(response.body()) else { return Ok(response) };
    let mut failure = PartialFailure {
        operation,
        status: response.status(),
        request_id: response.request_id().map(str::to_owned),
        failed: Vec::new(),
        succeeded: Vec::new(),
    };
    let mut read = |map: &serde_json::Map<String, serde_json::Value>| {
        for (id, status) in map {
            let status = status.as_str().map_or_else(|| status.to_string(), str::to_owned);
            if succeeded(&status) {
                failure.succeeded.push((id.clone(), status));
            } else {
                failure.failed.push((id.clone(), status));
            }
        }
    };
    let is_outcomes = |map: &serde_json::Map<String, serde_json::Value>| map.values().all(serde_json::Value::is_string);
    match &value {
        serde_json::Value::Object(map) if is_outcomes(map) => read(map),
        serde_json::Value::Object(map) => {
            for inner in map.values() {
                if let serde_json::Value::Object(inner) = inner {
                    if is_outcomes(inner) {
                        read(inner);
                    }
                }
            }
        }
        _ => {}
    }
    if failure.failed.is_empty() {
        return Ok(response);
    }
    tracing::warn!(operation, failed = failure.failed.len(), "keap: a batch call answered 2xx with failed records");
    Err(Error::PartlyFailed(Box::new(failure)))
}

#[cfg(test)]
#[path = "tests/outcomes.rs"]
mod tests;
