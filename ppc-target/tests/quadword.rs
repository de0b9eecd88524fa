//! `lq`/`stq`/`lqarx`/`stqcx.` and the GPR ↔ VSR moves (ISA 2.07), and their gating:
//! the register-only forms are also in the differential test against qemu-ppc64.

use ppc_target::asm::{elf_exec, enc, Asm, DATA_BASE};
use ppc_target::interp::{Guest, Stop};
use ppc_target::models::CpuModel;

fn run(a: Asm, data: &[u8], model: &str) -> (Guest, Stop) {
    let image = elf_exec(&a.finish(), data, 0x1000);
    let model = CpuModel::by_name(model).expect("known model");
    let mut g = Guest::load_elf(&image, model, "quadword").expect("loadable");
    let stop = g.run(10_000);
    (g, stop)
}

fn exit(a: &mut Asm) {
    a.li64(0, 1).li64(3, 0).word(0x4400_0002); // exit(0)
}

/// lqarx rt, ra, rb / stqcx. rs, ra, rb
fn lqarx(rt: u8, ra: u8, rb: u8) -> u32 {
    enc::x(31, rt, ra, rb, 276, false)
}
fn stqcx(rs: u8, ra: u8, rb: u8) -> u32 {
    enc::x(31, rs, ra, rb, 182, true)
}

#[test]
fn quadword_load_store_and_reservation() {
    let data: Vec<u8> = (0u8..32).collect();
    let mut a = Asm::new();
    a.li64(9, DATA_BASE).li64(10, 0);
    a.word(56 << 26 | 4 << 21 | 9 << 16 | 16); // lq r4, 16(r9)
    a.word(lqarx(6, 9, 10)); // lqarx r6, r9, r10
    a.li64(6, 0x1111_2222_3333_4444)
        .li64(7, 0x5555_6666_7777_8888);
    a.word(stqcx(6, 9, 10)); // succeeds: CR0.EQ
    a.word(0x7D80_0026); // mfcr r12
    a.word(stqcx(4, 9, 10)); // no reservation left: fails
    a.word(0x7DA0_0026); // mfcr r13
    a.word(62 << 26 | 4 << 21 | 9 << 16 | 16 | 2); // stq r4, 16(r9)
    exit(&mut a);
    let (mut g, stop) = run(a, &data, "power9");
    assert!(matches!(stop, Stop::Exit(0)), "{stop:?}");
    assert_eq!(g.cpu.gpr[4], 0x1011_1213_1415_1617);
    assert_eq!(g.cpu.gpr[5], 0x1819_1a1b_1c1d_1e1f);
    assert_eq!(g.cpu.gpr[12] >> 28, 0b0010, "stqcx. with the reservation");
    assert_eq!(g.cpu.gpr[13] >> 28, 0b0000, "stqcx. without one");
    assert_eq!(g.mem.read_u64(DATA_BASE).unwrap(), 0x1111_2222_3333_4444);
    assert_eq!(
        g.mem.read_u64(DATA_BASE + 8).unwrap(),
        0x5555_6666_7777_8888
    );
    assert_eq!(
        g.mem.read_u64(DATA_BASE + 16).unwrap(),
        0x1011_1213_1415_1617
    );
}

#[test]
fn lqarx_is_quadword_aligned_and_odd_pairs_are_illegal() {
    let mut a = Asm::new();
    a.li64(9, DATA_BASE + 8).li64(10, 0);
    a.word(lqarx(6, 9, 10));
    exit(&mut a);
    let (_, stop) = run(a, &[0; 32], "power9");
    assert!(matches!(stop, Stop::Signal { signal: 7, .. }), "{stop:?}");

    for word in [
        56 << 26 | 5 << 21 | 9 << 16,     // lq r5 (odd)
        56 << 26 | 8 << 21 | 8 << 16,     // lq r8, 0(r8): RT = RA
        62 << 26 | 5 << 21 | 9 << 16 | 2, // stq r5 (odd)
        lqarx(7, 9, 10),                  // odd pair
        lqarx(10, 9, 10),                 // RT = RB
    ] {
        let mut a = Asm::new();
        a.li64(9, DATA_BASE).li64(8, DATA_BASE).word(word);
        exit(&mut a);
        let (_, stop) = run(a, &[0; 32], "power9");
        assert!(
            matches!(stop, Stop::Signal { signal: 4, .. }),
            "{word:08x}: {stop:?}"
        );
    }
}

#[test]
fn vsr_moves_reach_fprs_and_vector_registers() {
    let mut a = Asm::new();
    a.li64(3, 0x8000_0000_FFFF_FFFE);
    a.word(31 << 26 | 1 << 21 | 3 << 16 | 179 << 1); // mtvsrd vs1, r3 (FPR 1)
    a.word(31 << 26 | 2 << 21 | 3 << 16 | 211 << 1 | 1); // mtvsrwa vs34, r3 (VR 2)
    a.word(31 << 26 | 2 << 21 | 4 << 16 | 51 << 1 | 1); // mfvsrd r4, vs34
    a.word(31 << 26 | 1 << 21 | 5 << 16 | 115 << 1); // mfvsrwz r5, vs1
    exit(&mut a);
    let (g, stop) = run(a, &[], "power9");
    assert!(matches!(stop, Stop::Exit(0)), "{stop:?}");
    assert_eq!(g.cpu.fpu.fpr[1].0, 0x8000_0000_FFFF_FFFE);
    assert_eq!(g.cpu.gpr[4], 0xFFFF_FFFF_FFFF_FFFE);
    assert_eq!(g.cpu.altivec.vr[2].0 >> 64, 0xFFFF_FFFF_FFFF_FFFE);
    assert_eq!(g.cpu.gpr[5], 0xFFFF_FFFE);
}

#[test]
fn isa_2_07_instructions_are_illegal_on_power7() {
    for word in [
        56 << 26 | 4 << 21 | 9 << 16,            // lq
        31 << 26 | 1 << 21 | 3 << 16 | 179 << 1, // mtvsrd
    ] {
        let mut a = Asm::new();
        a.li64(9, DATA_BASE).word(word);
        exit(&mut a);
        let (_, stop) = run(a, &[0; 32], "power7");
        assert!(
            matches!(stop, Stop::Signal { signal: 4, .. }),
            "{word:08x}: {stop:?}"
        );
        let (_, stop) = run(
            {
                let mut a = Asm::new();
                a.li64(9, DATA_BASE).word(word);
                exit(&mut a);
                a
            },
            &[0; 32],
            "power8",
        );
        assert!(
            matches!(stop, Stop::Exit(0)),
            "{word:08x} on POWER8: {stop:?}"
        );
    }
}
