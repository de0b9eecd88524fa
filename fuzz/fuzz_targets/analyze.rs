//! The stream analyzer on arbitrary bytes: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = vmstate_tools::analyze::analyze(data, Default::default());
});
