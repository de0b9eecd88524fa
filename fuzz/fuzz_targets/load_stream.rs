//! A whole stream restored as a ppc-vm guest: never a panic; a failed restore is an error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ppc_target::compat::MachineType;
use ppc_target::models::CpuModel;

fuzz_target!(|data: &[u8]| {
    let _ = ppc_vm::migration::restore(data, MachineType::latest(), CpuModel::power9(), None);
});
