//! The `ppc-vm` command as a library: inspect QEMU streams through the ppc64 CPU types.
#![warn(missing_docs)]

pub mod inspect;
