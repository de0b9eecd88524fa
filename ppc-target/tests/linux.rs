//! The Linux personality's answers that C programs rely on, in both byte orders: the
//! initial stack (argc, argv) as the kernel writes it, `futex` for a process of one
//! thread, and a signal a process sends itself (`abort`).

use ppc_target::asm::{elf_exec, elf_exec_le, Asm, DATA_BASE};
use ppc_target::interp::{Guest, Stop};
use ppc_target::models::CpuModel;

fn run(a: Asm, little: bool) -> Guest {
    let code = a.finish();
    let elf = if little {
        elf_exec_le(&code, &[0; 64], 0x1000)
    } else {
        elf_exec(&code, &[0; 64], 0x1000)
    };
    let mut g = Guest::load_elf_args(&elf, CpuModel::power9(), &["prog", "one", "two"]).unwrap();
    let stop = g.run(10_000);
    g.cpu.gpr[0] = match stop {
        Stop::Exit(s) => u64::from(s),
        Stop::Killed(s) => 1000 + u64::from(s),
        other => panic!("{other:?}"),
    };
    g
}

fn exit_with_r3(a: &mut Asm) {
    a.li(0, 1).sc();
}

#[test]
fn argc_and_argv_in_the_guests_byte_order() {
    for little in [false, true] {
        // exit(argc + strlen-free check: argv[1][0])
        let mut a = Asm::new();
        a.ld(3, 0, 1) // argc
            .ld(4, 16, 1) // argv[1]
            .word(0x88A4_0000) // lbz r5, 0(r4)
            .word(0x7C63_2A14); // add r3, r3, r5
        exit_with_r3(&mut a);
        let g = run(a, little);
        assert_eq!(g.cpu.gpr[0], 3 + u64::from(b'o'), "little-endian: {little}");
    }
}

#[test]
fn futex_wake_finds_no_waiter_and_wait_does_not_block() {
    for little in [false, true] {
        // r10 = DATA_BASE holds 0: wake → 0; wait(val 1, mismatch) → EAGAIN;
        // wait(val 0, timeout) → ETIMEDOUT. exit(wake + 2·eagain + 4·etimedout).
        let mut a = Asm::new();
        a.li64(10, DATA_BASE);
        let futex = |a: &mut Asm, op: i16, val: i16, timeout: u64| {
            a.mr(3, 10)
                .li(4, op)
                .li(5, val)
                .li64(6, timeout)
                .li(0, 221)
                .sc();
        };
        futex(&mut a, 129, 1, 0); // FUTEX_WAKE_PRIVATE
        a.mr(20, 3);
        futex(&mut a, 128, 1, 0); // FUTEX_WAIT_PRIVATE, the word is 0
        a.mr(21, 3);
        futex(&mut a, 128, 0, DATA_BASE + 8); // a timeout (any pointer)
        a.mr(22, 3);
        a.li(3, 0);
        exit_with_r3(&mut a);
        let g = run(a, little);
        assert_eq!(g.cpu.gpr[20], 0);
        assert_eq!(g.cpu.gpr[21], 11, "EAGAIN");
        assert_eq!(g.cpu.gpr[22], 110, "ETIMEDOUT");
    }
}

#[test]
fn a_fatal_signal_to_itself_ends_the_process_at_its_sc() {
    // kill(pid, 0) probes; tgkill(pid, tid, SIGABRT) ends it with 128 + 6, the state
    // left at the `sc` (so a migrated guest ends the same way at the destination).
    let mut a = Asm::new();
    a.li(0, 20).sc().mr(30, 3); // getpid
    a.mr(3, 30).li(4, 0).li(0, 37).sc().mr(31, 3); // kill(pid, 0)
    a.mr(3, 30).mr(4, 30).li(5, 6).li(0, 250).sc(); // tgkill(pid, pid, SIGABRT)
    a.li(3, 9);
    exit_with_r3(&mut a);
    let g = run(a, false);
    assert_eq!(g.cpu.gpr[0], 1006);
    assert_eq!(g.cpu.gpr[31], 0, "kill(pid, 0)");
    let w = g.mem.clone().read_u32(g.cpu.nip).unwrap();
    assert_eq!(w, 0x4400_0002, "stopped at the sc");
    assert_eq!(Stop::Killed(6).status(), Some(134));
}
