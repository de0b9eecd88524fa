//! The pseries machine's migrated devices, as QEMU 7.2 saves them: each a derived
//! [`VmState`](vmstate::VmState) that loads QEMU's section bytes and saves them back
//! byte-identically, with QEMU's JSON description and `-dump-vmstate` entry (see
//! [`devices`]).

pub mod devices;
pub mod hcall;
pub mod machine;

pub use machine::Spapr;
pub mod carry;
pub mod spapr;
