//! The VSX maxima/minima, conversions and vector compares on the operands that matter (signalling and
//! quiet NaNs, both zeros, denormals, infinities, integers at and beyond the limits),
//! each from a clean state, against qemu-ppc64: results and FPSCR.
//!
//! They are not in the random differential test: QEMU 7.2 checks their status with the
//! softfloat flags an earlier instruction may have left (an earlier inexact result sets
//! XX and FX again), which is not the instruction's own behaviour. Here each case
//! starts with an exact `fadd` (QEMU resets its flags before it) and an FPSCR of FR and
//! FI alone.
//! Skipped without qemu-ppc64 unless REQUIRE_QEMU is set.

use std::process::Command;

use ppc_target::asm::{elf_exec, Asm, DATA_BASE};
use ppc_target::interp::{Guest, Stop};
use ppc_target::models::CpuModel;

const DOUBLES: [u64; 10] = [
    0x7FF0_0000_0000_0001, // signalling NaN
    0x7FF8_0000_0000_0002, // quiet NaN
    0x0000_0000_0000_0000,
    0x8000_0000_0000_0000,
    0x0000_0000_0000_0001, // denormal
    0xBFF8_0000_0000_0000, // -1.5
    0x43E0_0000_0000_0000, // 2^63
    0xFFF0_0000_0000_0000, // -inf
    0x41F0_0000_0000_0000, // 2^32
    0x4170_0000_1000_0001, // inexact as a single
];
const SINGLES: [u32; 8] = [
    0x7F80_0001,
    0x7FC0_0002,
    0x0000_0000,
    0x8000_0000,
    0x0000_0001,
    0xBFC0_0000,
    0x5F00_0000, // 2^63
    0xFF80_0000,
];
const INTEGERS: [u64; 6] = [
    0x7FFF_FFFF_FFFF_FFFF,
    0xFFFF_FFFF_FFFF_FFFF,
    0x8000_0000_0000_0401,
    0x0020_0000_0000_0001,
    0x0000_0000_0100_0001,
    0x0000_0000_0000_3039,
];

/// The operands (vs35 and vs36 in turn, as 128-bit values): pairs of the doubles,
/// rotations of the singles, pairs of the integers.
fn operands() -> Vec<u128> {
    let mut v = Vec::new();
    for x in DOUBLES {
        for y in DOUBLES {
            v.push(u128::from(x) << 64 | u128::from(y));
        }
    }
    for r in 0..SINGLES.len() {
        let w = |k: usize| u128::from(SINGLES[(r + k) % SINGLES.len()]);
        v.push(w(0) << 96 | w(1) << 64 | w(2) << 32 | w(3));
    }
    for i in 0..INTEGERS.len() {
        v.push(u128::from(INTEGERS[i]) << 64 | u128::from(INTEGERS[(i + 1) % INTEGERS.len()]));
    }
    v
}

#[test]
fn isolated_vsx_operations_match_qemu() {
    let have = Command::new("qemu-ppc64").arg("--version").output().is_ok();
    if !have {
        assert!(
            std::env::var_os("REQUIRE_QEMU").is_none(),
            "qemu-ppc64 is required"
        );
        eprintln!("skipped: qemu-ppc64 not installed");
        return;
    }
    let mtvsrdd = |x: u32, ra: u32, rb: u32| {
        31 << 26 | (x & 31) << 21 | ra << 16 | rb << 11 | 435 << 1 | x >> 5
    };
    // XX3: xsmaxdp, xsmindp, xvmaxdp, xvmindp, xvmaxsp, xvminsp (vs34 ← vs35, vs36).
    let xx3 = [160u32, 168, 224, 232, 192, 200]
        .map(|xo| 60 << 26 | 2 << 21 | 3 << 16 | 4 << 11 | xo << 3 | 7);
    // XX2 conversions (vs34 ← vs36): scalar xscvdpsxds, xscvdpsxws, xscvsxddp,
    // xscvdpsp, xscvspdp; the vector ones.
    let xx2 = [
        344u32, 88, 376, 265, 329, 248, 232, 184, 168, 504, 488, 457, 393, 216, 200, 472, 456, 152,
        136, 408, 392, 440, 424,
    ]
    .map(|xo| 60 << 26 | 2 << 21 | 4 << 11 | xo << 2 | 3);
    // The compares xvcmp{eq,gt,ge}{dp,sp}. (vs34 ← vs35, vs36; CR6 is not compared).
    let cmps = [99u32, 107, 115, 67, 75, 83]
        .map(|xo| 60 << 26 | 2 << 21 | 3 << 16 | 4 << 11 | 1 << 10 | xo << 3 | 7);
    let ops: Vec<u32> = xx3.into_iter().chain(xx2).chain(cmps).collect();
    let operands = operands();
    let mut a = Asm::new();
    let mut cases = Vec::new();
    a.li64(31, DATA_BASE);
    for &op in &ops {
        for (i, &p) in operands.iter().enumerate() {
            let q = operands[(i + 7) % operands.len()];
            a.li64(3, (p >> 64) as u64)
                .li64(4, p as u64)
                .word(mtvsrdd(35, 3, 4));
            a.li64(3, (q >> 64) as u64)
                .li64(4, q as u64)
                .word(mtvsrdd(36, 3, 4));
            // f0 ← 0; fadd f1, f0, f0 (exact: QEMU's flags reset); FPSCR ← FR | FI (to
            // see whether the operation keeps them).
            a.li(3, 0).std(3, 0, 31).word(0xC800_0000 | 31 << 16);
            a.word(0xFC20_002A);
            a.li64(3, 0x6_0000)
                .std(3, 0, 31)
                .word(0xC800_0000 | 31 << 16)
                .word(0xFE00_058E);
            a.word(op);
            a.word(31 << 26 | 2 << 21 | 5 << 16 | 51 << 1 | 1); // mfvsrd r5, vs34
            a.word(31 << 26 | 2 << 21 | 6 << 16 | 307 << 1 | 1); // mfvsrld r6, vs34
            a.word(0xFC00_048E); // mffs f0
                                 // Results to the buffer at r30, which advances.
            a.std(5, 0, 30)
                .std(6, 8, 30)
                .word(0xD800_0000 | 30 << 16 | 16); // stfd f0, 16(r30)
            a.addi(30, 30, 24);
            cases.push((op, p, q));
        }
    }
    let out = DATA_BASE + 64;
    let len = 24 * cases.len() as u64;
    let mut prologue = Asm::new();
    prologue.li64(30, out);
    let mut code = prologue.finish();
    code.extend(a.finish());
    let mut tail = Asm::new();
    tail.li(3, 1).li64(4, out).li64(5, len).li(0, 4).sc();
    tail.li(3, 0).li(0, 1).sc();
    code.extend(tail.finish());
    let elf = elf_exec(&code, &[0; 64], len + 64);
    let mut g = Guest::load_elf(&elf, CpuModel::power9(), "isolated").unwrap();
    assert_eq!(g.run(10_000_000), Stop::Exit(0));
    let path = std::env::temp_dir().join(format!("ppc-isolated-{}.elf", std::process::id()));
    std::fs::write(&path, &elf).unwrap();
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let q = Command::new("qemu-ppc64")
        .args(["-cpu", "power9"])
        .arg(&path)
        .output()
        .unwrap();
    std::fs::remove_file(&path).ok();
    assert_eq!(q.stdout.len(), g.stdout.len());
    let w = |b: &[u8]| -> Vec<u64> {
        b.chunks(8)
            .map(|c| u64::from_be_bytes(c.try_into().unwrap()))
            .collect()
    };
    let mut bad = Vec::new();
    for (k, (ours, theirs)) in g.stdout.chunks(24).zip(q.stdout.chunks(24)).enumerate() {
        if ours != theirs {
            let (op, p, q) = cases[k];
            bad.push(format!(
                "{op:08x} on {p:032x}, {q:032x}: ours {:x?}, qemu {:x?}",
                w(ours),
                w(theirs)
            ));
        }
    }
    assert!(
        bad.is_empty(),
        "{} of {} differ:\n{}",
        bad.len(),
        cases.len(),
        bad[..bad.len().min(20)].join("\n")
    );
}
