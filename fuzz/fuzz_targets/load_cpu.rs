//! A cpu section body loaded into `CpuState`: never a panic, and a failed load leaves the
//! destination unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ppc_target::compat::MachineType;
use ppc_target::CpuState;
use vmstate::VmState;

fuzz_target!(|data: &[u8]| {
    let mut cpu = CpuState::default();
    let before = cpu.clone();
    let cx = MachineType::latest().context();
    if cpu.load(data, 5, &cx).is_err() {
        assert!(cpu == before);
    }
});
