//! The workspace's test-suite package: integration tests, compile-fail cases, examples
//! and benchmarks that span the `vmstate`, `vmstate-derive` and `ppc-target` crates.
//! It has no API of its own.
#![warn(missing_docs)]
