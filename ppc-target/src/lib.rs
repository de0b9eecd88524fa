//! The ppc64 CPU as QEMU migrates it: state, CPU models, compat rules and an interpreter.
//!
//! This crate is being built on top of the `vmstate` crate; see the workspace README.
#![warn(missing_docs)]
