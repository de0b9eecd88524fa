//! Instruction words (and prefixed pairs) through the decoder: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for chunk in data.chunks_exact(8) {
        let a = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        let b = u32::from_be_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]);
        let _ = ppc_target::decode::decode(a);
        let _ = ppc_target::decode::decode_prefixed(a, b);
    }
});
