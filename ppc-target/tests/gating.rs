//! An instruction the CPU model does not have is an illegal instruction (SIGILL in user
//! mode), as on the hardware and in QEMU: the VMX operations need AltiVec (not in
//! POWER5+), the VSX ones VSX (not in the 970), `fre` and `frsqrtes` ISA 2.02 (not in the
//! 970, which has `fres` and `frsqrte`). Their results are compared with qemu-ppc64 in
//! the differential test. The newer instructions follow their ISA level: 2.06 (POWER7),
//! 2.07 (POWER8), 3.0 (POWER9).

use ppc_target::asm::{elf_exec, Asm};
use ppc_target::interp::{Guest, Stop};
use ppc_target::models::CpuModel;

fn stop_of(word: u32, model: &str) -> Stop {
    let mut a = Asm::new();
    a.word(word);
    a.li64(0, 1).li64(3, 0).word(0x4400_0002); // exit(0)
    let image = elf_exec(&a.finish(), &[], 0x1000);
    let model = CpuModel::by_name(model).expect("known model");
    let mut g = Guest::load_elf(&image, model, "gating").expect("loadable");
    g.run(1_000)
}

/// Runs `word` on each model: it completes where `legal`, else it is SIGILL.
fn legal_on(word: u32, name: &str, models: &[(&str, bool)]) {
    for &(model, legal) in models {
        let stop = stop_of(word, model);
        if legal {
            assert_eq!(stop, Stop::Exit(0), "{name} on {model}");
        } else {
            assert!(
                matches!(stop, Stop::Signal { signal: 4, .. }),
                "{name} on {model} must be illegal: {stop:?}"
            );
        }
    }
}

#[test]
fn vector_and_estimate_instructions_follow_the_model() {
    let vand = 4 << 26 | 1 << 21 | 2 << 16 | 3 << 11 | 1028;
    let vcmpequb_dot = 4 << 26 | 1 << 21 | 2 << 16 | 3 << 11 | 1 << 10 | 6;
    let vperm = 4 << 26 | 1 << 21 | 2 << 16 | 3 << 11 | 4 << 6 | 43;
    let xxlor = 60 << 26 | 1 << 21 | 2 << 16 | 3 << 11 | 146 << 3 | 7;
    let xxpermdi = 60 << 26 | 1 << 21 | 2 << 16 | 3 << 11 | (2 << 5 | 10) << 3;
    let fre = 63 << 26 | 1 << 21 | 2 << 11 | 24 << 1;
    let fres = 59 << 26 | 1 << 21 | 2 << 11 | 24 << 1;
    let frsqrte = 63 << 26 | 1 << 21 | 2 << 11 | 26 << 1;
    let frsqrtes = 59 << 26 | 1 << 21 | 2 << 11 | 26 << 1;
    // (instruction, name, on POWER5+, on the 970, on POWER7)
    let table = [
        (vand, "vand", false, true, true),
        (vcmpequb_dot, "vcmpequb.", false, true, true),
        (vperm, "vperm", false, true, true),
        (xxlor, "xxlor", false, false, true),
        (xxpermdi, "xxpermdi", false, false, true),
        (fre, "fre", true, false, true),
        (fres, "fres", true, true, true),
        (frsqrte, "frsqrte", true, true, true),
        (frsqrtes, "frsqrtes", true, false, true),
    ];
    for (word, name, p5, g5, p7) in table {
        legal_on(
            word,
            name,
            &[
                ("power5p_v2.1", p5),
                ("970fx_v3.1", g5),
                ("power7_v2.3", p7),
            ],
        );
    }
}

#[test]
fn reserved_fields_as_qemu_treats_them() {
    // A nonzero FRA makes fre an invalid form (SIGILL in QEMU 7.2); vsldoi's bit above
    // SHB and vspltisb's VB are ignored (QEMU runs them).
    let fre_with_fra = 63 << 26 | 1 << 21 | 5 << 16 | 2 << 11 | 24 << 1;
    let stop = stop_of(fre_with_fra, "power9_v2.0");
    assert!(matches!(stop, Stop::Signal { signal: 4, .. }), "{stop:?}");
    for word in [
        4 << 26 | 1 << 21 | 2 << 16 | 3 << 11 | 16 << 6 | 44,
        4 << 26 | 1 << 21 | 2 << 16 | 3 << 11 | 780,
    ] {
        assert_eq!(stop_of(word, "power9_v2.0"), Stop::Exit(0), "{word:08x}");
    }
}

#[test]
fn isa_levels_of_the_newer_vector_and_conversion_instructions() {
    let vx = |xo: u32| 4 << 26 | 1 << 21 | 2 << 16 | 3 << 11 | xo;
    let xx3 = |xo: u32| 60 << 26 | 1 << 21 | 2 << 16 | 3 << 11 | xo << 3;
    let vaddudm = vx(192);
    let vpopcntd = 4 << 26 | 1 << 21 | 3 << 11 | 1987;
    let vmuluwm = vx(137);
    let xxlorc = xx3(170);
    let lxsiwzx = 31 << 26 | 1 << 21 | 1 << 11 | 12 << 1; // lxsiwzx vs1, 0, r1
    let vcmpneb = vx(7);
    let xxspltib = 60 << 26 | 1 << 21 | 7 << 11 | 360 << 1;
    let mtvsrdd = 31 << 26 | 1 << 21 | 3 << 16 | 4 << 11 | 435 << 1;
    let lxv = 61 << 26 | 1 << 21 | 1 << 16 | 1; // lxv vs1, 0(r1)
    let mffscrni = 63 << 26 | 1 << 21 | 23 << 16 | 1 << 11 | 583 << 1;
    let fcfids = 59 << 26 | 1 << 21 | 2 << 11 | 846 << 1;
    let xvadddp = xx3(96);
    // (instruction, name, on the 970, on POWER7, on POWER8, on POWER9)
    let table = [
        (vaddudm, "vaddudm", false, false, true, true),
        (vpopcntd, "vpopcntd", false, false, true, true),
        (vmuluwm, "vmuluwm", false, false, true, true),
        (xxlorc, "xxlorc", false, false, true, true),
        (lxsiwzx, "lxsiwzx", false, false, true, true),
        (vcmpneb, "vcmpneb", false, false, false, true),
        (xxspltib, "xxspltib", false, false, false, true),
        (mtvsrdd, "mtvsrdd", false, false, false, true),
        (lxv, "lxv", false, false, false, true),
        // In mffs's reserved field: illegal before ISA 3.0, as in QEMU 7.2.
        (mffscrni, "mffscrni", false, false, false, true),
        (fcfids, "fcfids", false, true, true, true),
        (xvadddp, "xvadddp", false, true, true, true),
    ];
    for (word, name, g5, p7, p8, p9) in table {
        legal_on(
            word,
            name,
            &[
                ("970fx_v3.1", g5),
                ("power7_v2.3", p7),
                ("power8_v2.0", p8),
                ("power9_v2.0", p9),
            ],
        );
    }
}
