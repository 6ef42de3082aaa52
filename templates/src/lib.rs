//! keapgen's runtime as a crate of its own, so it is compiled and tested like any other
//! code. The generator copies `src/runtime/` verbatim into every generated crate; the
//! golden-file fixtures depend on this crate instead, to keep their expected output small.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod runtime;
