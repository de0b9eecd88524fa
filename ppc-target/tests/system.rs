//! System mode on the CPU alone: what the ISA says about MSR writes and interrupts.

use ppc_target::asm::{elf_exec, enc, Asm};
use ppc_target::interp::{Guest, Stop};
use ppc_target::models::CpuModel;
use ppc_target::state::{msr, spr};

const RFID: u32 = 0x4C00_0024;
const MFMSR_R4: u32 = 0x7C80_00A6;

/// A pseries guest whose code at the kernel entry (0x400000) is `a`.
fn guest(a: Asm) -> Guest {
    let elf = elf_exec(&a.finish(), &[], 0);
    Guest::boot_pseries(&elf, CpuModel::by_name("power9").unwrap(), 64 << 20).unwrap()
}

#[test]
fn setting_problem_state_turns_relocation_and_interrupts_on() {
    // rfid to PR = 1: EE, IR and DR come on with it, and ppc-vm stops rather than run
    // with translation it does not model.
    let mut a = Asm::new();
    a.li(3, 0x4000)
        .word(enc::spr(3, spr::SRR1 as u16, true))
        .li(3, 0x100)
        .word(enc::spr(3, spr::SRR0 as u16, true))
        .word(RFID);
    let mut g = guest(a);
    let stop = g.run(1000);
    assert!(matches!(stop, Stop::Unsupported(_)), "{stop}");
    let on = msr::PR | msr::EE | msr::IR | msr::DR;
    assert_eq!(g.cpu.msr & on, on);
    assert_eq!(g.cpu.nip, 0x100);
}

#[test]
fn supervisor_instructions_run_in_supervisor_state_and_are_privileged_in_user_mode() {
    // In a pseries guest (MSR = 0 at entry: supervisor, 32-bit) mfmsr reads the MSR.
    let mut a = Asm::new();
    a.li(4, -1).word(MFMSR_R4);
    let mut g = guest(a);
    g.run(2);
    assert_eq!(g.cpu.gpr[4], 0);
    // In a Linux user-mode guest (MSR[PR] = 1) it is a privileged instruction: SIGILL.
    let mut a = Asm::new();
    a.word(MFMSR_R4);
    let elf = elf_exec(&a.finish(), &[], 0);
    let mut u = Guest::load_elf(&elf, CpuModel::by_name("power9").unwrap(), "t").unwrap();
    let stop = u.run(10);
    assert_eq!(stop.status(), Some(128 + 4), "{stop}");
}

#[test]
fn a_program_interrupt_saves_the_state_and_enters_the_vector_in_64_bit_mode() {
    // An illegal word in 32-bit mode: SRR0 = its address, SRR1 = the MSR with the
    // illegal-instruction reason, then the vector 0x700 with MSR[SF] set.
    let mut a = Asm::new();
    a.li(3, 1).word(0);
    let mut g = guest(a);
    g.run(2);
    assert_eq!(g.cpu.nip, 0x700);
    assert_eq!(g.cpu.spr[spr::SRR0], 0x40_0004);
    assert_eq!(g.cpu.spr[spr::SRR1], 1 << 19);
    assert_eq!(g.cpu.msr, msr::SF);
}

#[test]
fn the_console_reads_what_the_host_typed() {
    // H_GET_TERM_CHAR on the vty: up to 16 bytes, big-endian in r5 and r6, the count in
    // r4; an unknown terminal is a parameter error.
    let mut a = Asm::new();
    a.li(3, 0x54)
        .li64(4, 0x7100_0001)
        .word(0x4400_0022) // sc 1
        .mr(20, 3)
        .mr(21, 4)
        .mr(22, 5)
        .li(3, 0x54)
        .li(4, 7)
        .word(0x4400_0022)
        .mr(23, 3);
    let mut g = guest(a);
    g.machine.as_mut().unwrap().input.extend(b"hi!");
    g.run(40);
    assert_eq!(g.cpu.gpr[20], 0, "H_SUCCESS");
    assert_eq!(g.cpu.gpr[21], 3);
    assert_eq!(g.cpu.gpr[22], u64::from_be_bytes(*b"hi!\0\0\0\0\0"));
    assert_eq!(g.cpu.gpr[23], -4i64 as u64, "H_PARAMETER");
}

#[test]
fn power_off_leaves_the_guest_at_its_call_so_a_resumed_copy_powers_off_too() {
    // RTAS power-off(0, 0) through H_RTAS with the argument block at 0x1000.
    let mut a = Asm::new();
    a.li(9, 0x1000).li(3, 0x2003).word(0x9069_0000); // stw r3,0(r9)
    a.li(3, 2).word(0x9069_0004).li(3, 1).word(0x9069_0008);
    a.li(3, 0)
        .word(0x9069_000c)
        .word(0x9069_0010)
        .word(0x9069_0014);
    a.li(3, 0).word(0x6063_f000).mr(4, 9).word(0x4400_0022); // ori r3,r3,0xf000; sc 1
    let mut g = guest(a);
    assert_eq!(g.run(1000), Stop::PowerOff);
    let at = g.cpu.nip;
    assert_eq!(g.mem.read_u32(at).unwrap(), 0x4400_0022, "at the sc 1");
    assert_eq!(g.cpu.gpr[3], 0xf000, "r3 still names H_RTAS");
    let steps = g.steps;
    let mut copy = g.clone();
    assert_eq!(copy.run(1000), Stop::PowerOff);
    assert_eq!((copy.cpu.nip, copy.steps), (at, steps));
}
