//! The workspace's test-suite package: integration tests, compile-fail cases, examples
//! and benchmarks that span the `vmstate`, `vmstate-derive` and `ppc-target` crates.
//! It has no API of its own.
#![warn(missing_docs)]

/// The README's code blocks are compiled as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
