//! The decoder never panics, and the encodings of spec §5.7 decode as expected.

use ppc_target::decode::{decode, decode_prefixed, Arith, Insn, Logic, Target};

#[test]
fn spec_encoding_vectors() {
    let cases: &[(u32, Insn)] = &[
        (
            0x7FE0_0008,
            Insn::Trap {
                to: 31,
                ra: 0,
                rb: Some(0),
                imm: 0,
                dword: false,
            },
        ),
        (0x4400_0002, Insn::Sc { lev: 0 }),
        (0x4400_0022, Insn::Sc { lev: 1 }),
        (0x4400_0001, Insn::Scv),
        (
            0x6000_0000,
            Insn::LogicImm {
                op: Logic::Or,
                ra: 0,
                rs: 0,
                imm: 0,
                rc: false,
            },
        ),
        (
            0x4E80_0020,
            Insn::Branch {
                target: Target::Lr,
                bo: 20,
                bi: 0,
                lk: false,
            },
        ),
        (
            0x4E80_0420,
            Insn::Branch {
                target: Target::Ctr,
                bo: 20,
                bi: 0,
                lk: false,
            },
        ),
        (
            0x4E80_0460,
            Insn::Branch {
                target: Target::Tar,
                bo: 20,
                bi: 0,
                lk: false,
            },
        ),
        (
            0x3860_0001,
            Insn::Addi {
                rt: 3,
                ra: 0,
                imm: 1,
            },
        ),
        (0x7C08_02A6, Insn::Mfspr { rt: 0, spr: 8 }),
        (0x7C08_03A6, Insn::Mtspr { rs: 0, spr: 8 }),
        (0x7C69_03A6, Insn::Mtspr { rs: 3, spr: 9 }),
        (0x7CA1_02A6, Insn::Mfspr { rt: 5, spr: 1 }),
        (0x7C60_0026, Insn::Mfcr { rt: 3, one: None }),
        (
            0x7C6F_F120,
            Insn::Mtcrf {
                rs: 3,
                fxm: 0xFF,
                one: false,
            },
        ),
        (
            0x7C64_2A14,
            Insn::Arith {
                op: Arith::Add,
                rt: 3,
                ra: 4,
                rb: 5,
                oe: false,
                rc: false,
            },
        ),
        (
            0x7C64_2E15,
            Insn::Arith {
                op: Arith::Add,
                rt: 3,
                ra: 4,
                rb: 5,
                oe: true,
                rc: true,
            },
        ),
        (
            0x7C64_2850,
            Insn::Arith {
                op: Arith::Subf,
                rt: 3,
                ra: 4,
                rb: 5,
                oe: false,
                rc: false,
            },
        ),
        (
            0x7C83_03F4,
            Insn::Logic {
                op: Logic::Popcntd,
                ra: 3,
                rs: 4,
                rb: 0,
                rc: false,
            },
        ),
        (
            0x7C83_0434,
            Insn::Logic {
                op: Logic::Cnttzw,
                ra: 3,
                rs: 4,
                rb: 0,
                rc: false,
            },
        ),
        (
            0x7C64_2E16,
            Insn::Logic {
                op: Logic::Modsw,
                ra: 3,
                rs: 4,
                rb: 5,
                rc: false,
            },
        ),
        (0x7C64_0100, Insn::Setb { rt: 3, bfa: 1 }),
        (
            0x7C83_0176,
            Insn::Logic {
                op: Logic::Brd,
                ra: 3,
                rs: 4,
                rb: 0,
                rc: false,
            },
        ),
    ];
    for (w, want) in cases {
        assert_eq!(decode(*w), Ok(*want), "{w:#010x}");
    }
    assert!(matches!(
        decode(0x5483_043E),
        Ok(Insn::Rlw {
            ra: 3,
            rs: 4,
            sh: 0,
            mb: 16,
            me: 31,
            ..
        })
    ));
    assert!(matches!(
        decode(0x7883_0020),
        Ok(Insn::Rld {
            kind: 0,
            ra: 3,
            rs: 4,
            sh: 0,
            mbe: 32,
            ..
        })
    ));
    assert!(matches!(
        decode(0x106429B0),
        Ok(Insn::Maddhd {
            rt: 3,
            ra: 4,
            rb: 5,
            rc: 6
        })
    ));
    assert!(matches!(decode(0x7C6105E6), Ok(Insn::Darn { rt: 3, l: 1 })));
    assert!(matches!(
        decode(0x7C0429C0),
        Ok(Insn::Cmpeqb {
            bf: 0,
            ra: 4,
            rb: 5
        })
    ));
    // Reserved bits set: a decode error, never a guess.
    assert!(decode(0x7C00_0027).is_err(), "mfcr with Rc");
    assert!(decode(0x7C64_2E17).is_err(), "modsw. has no record form");
    assert!(decode(0x8C64_0000).is_ok(), "lbzu r3,0(r4)");
    assert!(
        decode(0x8C63_0000).is_err(),
        "lbzu r3,0(r3): RA = RT is an invalid form"
    );
    assert!(
        decode(0x8C60_0000).is_err(),
        "lbzu r3,0(r0): RA = 0 is an invalid form"
    );
    assert!(decode(0x7F1C_941F).is_err(), "isel with bit 31 set");
}

#[test]
fn decoding_a_sample_of_all_words_never_panics() {
    let mut w: u32 = 0;
    let mut n = 0u64;
    loop {
        let _ = decode(w);
        let _ = decode_prefixed(0x0400_0000 | (w & 0x03FF_FFFF), w.rotate_left(7));
        n += 1;
        match w.checked_add(4099) {
            Some(x) => w = x,
            None => break,
        }
    }
    assert!(n > 1_000_000);
}

/// Every one of the 2^32 words (run with `cargo test --release -- --ignored`).
#[test]
#[ignore]
fn decoding_all_words_never_panics() {
    let mut ok = 0u64;
    for w in 0..=u32::MAX {
        if decode(w).is_ok() {
            ok += 1;
        }
    }
    eprintln!("{ok} of 2^32 words decode");
}
