//! Tools over QEMU migration streams and vmstate schemas, as a library (the `vmstate`
//! command is a thin CLI over it): [`analyze`] decodes a stream into the JSON of QEMU's
//! analyzer, [`input`] reads plain or gzip-compressed files.
#![warn(missing_docs)]

pub mod analyze;
pub mod check;
pub mod diff;
pub mod input;
pub mod lock;
