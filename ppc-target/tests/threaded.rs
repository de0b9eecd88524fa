//! Blocks run as threaded code (handlers that pass the last two results in host
//! registers) must end in exactly the state that executing the same instructions one
//! at a time through `CpuState::execute` reaches. Registers come from a pool of five so
//! that nearly every instruction reads a value a previous one just produced (the
//! cached-operand variants); memory operands use a buffer whose address is computed
//! just before (cached base and index variants); branches, record/overflow forms and
//! update forms cut and reset the cache. Half the cases run in slices of a few
//! instructions, so runs end between the two instructions of fused pairs.

use ppc_target::asm::enc;
use ppc_target::decode::decode;
use ppc_target::exec::{Exception, Reservation};
use ppc_target::interp::{Guest, Stop};
use ppc_target::mem::Memory;
use ppc_target::models::CpuModel;
use ppc_target::CpuState;

const CODE: u64 = 0x1000_0000;
const BUF: u64 = 0x2000_0000;
const BUF_LEN: u64 = 0x1_0000;
const POOL: [u8; 5] = [3, 4, 5, 6, 7];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn reg(&mut self) -> u8 {
        POOL[self.below(POOL.len() as u64) as usize]
    }
}

/// One random instruction (or a short sequence) over the register pool.
fn emit(rng: &mut Rng, out: &mut Vec<u32>) {
    let (t, a, b) = (rng.reg(), rng.reg(), rng.reg());
    let imm = rng.next() as u16;
    match rng.below(16) {
        0 => out.push(enc::d(14, t, if rng.below(4) == 0 { 0 } else { a }, imm)), // addi / li
        1 | 2 => {
            // add subf mulld mullw addc adde subfc neg divd divwu mulhd
            let xo = [266, 40, 233, 235, 10, 138, 8, 104, 489, 459, 73][rng.below(11) as usize];
            out.push(enc::xo(
                t,
                a,
                if xo == 104 { 0 } else { b },
                false,
                xo,
                false,
            ));
        }
        3 | 4 => {
            // and or xor andc nor eqv nand orc sld srd slw srw extsw cntlzd
            let xo = [
                28, 444, 316, 60, 124, 284, 476, 412, 27, 539, 24, 536, 986, 58,
            ][rng.below(14) as usize];
            let b = if xo == 986 || xo == 58 { 0 } else { b };
            out.push(enc::x(31, a, t, b, xo, false));
        }
        5 => out.push(enc::d([24, 25, 26][rng.below(3) as usize], a, t, imm)), // ori oris xori
        6 | 7 => {
            let (sh, mbe) = (rng.below(64) as u8, rng.below(64) as u8);
            out.push(enc::md(t, a, sh, mbe, rng.below(3) as u32, false));
        }
        8 => {
            let (sh, mb, me) = (
                rng.below(32) as u8,
                rng.below(32) as u8,
                rng.below(32) as u8,
            );
            out.push(enc::m(21, t, a, sh, mb, me, false));
        }
        9 => {
            // cmp/cmpl (L = 0 or 1) or cmpi/cmpli, into a random CR field
            let bf = rng.below(8) as u8;
            let l = rng.below(2) as u8;
            match rng.below(4) {
                0 => out.push(enc::x(31, bf << 2 | l, a, b, 0, false)),
                1 => out.push(enc::x(31, bf << 2 | l, a, b, 32, false)),
                2 => out.push(enc::d(11, bf << 2 | l, a, imm)),
                _ => out.push(enc::d(10, bf << 2 | l, a, imm)),
            }
        }
        10 | 11 => {
            // An address computed just before the access: r28 = a & 0x7ff (cached as
            // the index), or r28 = r31 + that (cached as the base).
            out.push(enc::md(28, a, 0, 53, 0, false));
            let base_form = rng.below(2) == 0;
            if base_form {
                out.push(enc::xo(28, 31, 28, false, 266, false));
            }
            let load = rng.below(2) == 0;
            let xo = if load {
                [21, 23, 87, 279, 343, 534][rng.below(6) as usize] // ldx lwzx lbzx lhzx lhax lwbrx
            } else {
                [149, 151, 215, 407, 662][rng.below(5) as usize] // stdx stwx stbx sthx stwbrx
            };
            if base_form {
                let d = [58, 32, 34, 40, 42, 62, 36, 38, 44][rng.below(9) as usize];
                // A multiple of 4 with the low bits clear: also a valid DS field (ld, std).
                let disp = rng.below(0x100) as u16 & !3;
                out.push(enc::d(d, t, 28, disp));
            } else {
                out.push(enc::x(31, t, 31, 28, xo, false));
            }
        }
        12 => {
            // Update forms walking r27 through the buffer: ldu, stdu, lwzu, stwu.
            let d = [59, 62, 33, 37][rng.below(4) as usize];
            let w = if d == 59 {
                enc::d(58, t, 27, 8) | 1 // ldu
            } else if d == 62 {
                enc::d(62, t, 27, 8) | 1 // stdu
            } else {
                enc::d(d, t, 27, 8)
            };
            out.push(w);
        }
        13 => {
            // mtlr/mtctr then mflr/mfctr
            let spr = if rng.below(2) == 0 { 8 } else { 9 };
            out.push(enc::spr(a, spr, true));
            out.push(enc::spr(t, spr, false));
        }
        14 => {
            // Generic-path forms: add. addo srawi mulli
            match rng.below(4) {
                0 => out.push(enc::xo(t, a, b, false, 266, true)),
                1 => out.push(enc::xo(t, a, b, true, 266, false)),
                2 => out.push(enc::x(31, a, t, rng.below(32) as u8, 824, false)),
                _ => out.push(enc::d(7, t, a, imm)),
            }
        }
        _ => {
            // A forward branch over one instruction: unconditional, or on a CR bit.
            if rng.below(2) == 0 {
                out.push(18 << 26 | 8);
            } else {
                let bo = [12, 4][rng.below(2) as usize];
                out.push(16 << 26 | bo << 21 | (rng.below(32) as u32) << 16 | 8);
            }
            out.push(enc::d(14, t, 0, 1));
        }
    }
}

fn machine(code: &[u32], seed: u64) -> (CpuState, Memory) {
    let mut mem = Memory::new();
    mem.add_region("text", CODE, 0x1_0000).unwrap();
    mem.add_region("buf", BUF, BUF_LEN).unwrap();
    let bytes: Vec<u8> = code.iter().flat_map(|w| w.to_be_bytes()).collect();
    mem.write(CODE, &bytes).unwrap();
    let mut cpu = CpuState::new(CpuModel::power9());
    let mut rng = Rng(seed | 1);
    for r in POOL {
        cpu.gpr[r as usize] = rng.next() >> rng.below(64);
    }
    cpu.gpr[31] = BUF;
    cpu.gpr[27] = BUF;
    cpu.nip = CODE;
    (cpu, mem)
}

/// Executes one instruction at a time until the exit system call.
fn reference(mut cpu: CpuState, mut mem: Memory) -> (CpuState, Memory, u64) {
    let mut res = Reservation::default();
    let mut steps = 0;
    loop {
        let pc = cpu.nip;
        let w = mem.read_u32(pc).unwrap();
        let insn = decode(w).unwrap_or_else(|e| panic!("{w:#010x}: {e:?}"));
        steps += 1;
        match cpu.execute(insn, pc, &mut mem, &mut res) {
            Ok(next) => cpu.nip = next,
            Err(Exception::Syscall { .. }) => return (cpu, mem, steps),
            Err(e) => panic!("reference raised {e:?} at {pc:#x}"),
        }
    }
}

/// The first `n` steps of [`reference`] (it must not reach an exception).
fn reference_steps(mut cpu: CpuState, mut mem: Memory, n: u64) -> CpuState {
    let mut res = Reservation::default();
    for _ in 0..n {
        let pc = cpu.nip;
        let insn = decode(mem.read_u32(pc).unwrap()).unwrap();
        match cpu.execute(insn, pc, &mut mem, &mut res) {
            Ok(next) => cpu.nip = next,
            Err(e) => panic!("reference raised {e:?} at {pc:#x}"),
        }
    }
    cpu
}

#[test]
fn threaded_blocks_match_single_instruction_execution() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for case in 0..2_000u64 {
        let mut code = Vec::new();
        while code.len() < 120 {
            emit(&mut rng, &mut code);
        }
        code.push(enc::d(14, 0, 0, 1)); // li r0, 1
        code.push(0x4400_0002); // sc
        let (cpu, mem) = machine(&code, case);
        let (want, want_mem, steps) = reference(cpu.clone(), mem.clone());
        let mut g = Guest::from_parts(cpu, mem);
        // Whole blocks, or (every other case) runs cut at random step counts: a pause
        // mid-block, as for a migration, must not change anything.
        let stop = if case % 2 == 0 {
            g.run(1_000_000)
        } else {
            loop {
                match g.run(1 + rng.below(12)) {
                    Stop::StepLimit => continue,
                    stop => break stop,
                }
            }
        };
        assert!(matches!(stop, Stop::Exit(_)), "case {case}: {stop:?}");
        let got = &g.cpu;
        // The exiting `sc` leaves the state before it and is not counted.
        assert_eq!(g.steps + 1, steps, "case {case}: steps");
        assert_eq!(got.gpr, want.gpr, "case {case}: GPRs");
        assert_eq!(got.crf, want.crf, "case {case}: CR");
        assert_eq!(got.xer, want.xer, "case {case}: XER");
        assert_eq!(
            (got.lr, got.ctr),
            (want.lr, want.ctr),
            "case {case}: LR/CTR"
        );
        let got_buf = g.mem.read_bytes(BUF, BUF_LEN as usize).unwrap();
        let want_buf = want_mem.clone().read_bytes(BUF, BUF_LEN as usize).unwrap();
        let differs = got_buf.iter().zip(&want_buf).position(|(a, b)| a != b);
        assert_eq!(differs, None, "case {case}: first differing buffer byte");
    }
}

/// A loop body of `len` simple instructions over the pool (no branches, no memory).
fn loop_body(rng: &mut Rng, len: usize) -> Vec<u32> {
    let mut body = Vec::new();
    while body.len() < len {
        let before = body.len();
        emit(rng, &mut body);
        // Keep only straight-line register instructions (no branches: the loop's own
        // branch must end the block; no r27/r28 address walks).
        let added: Vec<u32> = body.drain(before..).collect();
        if added.len() == 1 && !matches!(added[0] >> 26, 16 | 18 | 32..=62) {
            body.extend(added);
        }
    }
    body.truncate(len);
    body
}

#[test]
fn blocks_that_branch_to_themselves_loop_in_place_with_exact_step_counts() {
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    for case in 0..300u64 {
        let len = [1, 2, 3, 9, 30, 62][case as usize % 6];
        let iterations = 1 + rng.below(300) as u16;
        let mut code = vec![enc::d(14, 9, 0, iterations), enc::spr(9, 9, true)]; // li r9; mtctr r9
        let body = loop_body(&mut rng, len);
        code.extend(&body);
        let back = (-4 * (body.len() as i32)) as u32 & 0xFFFC;
        if case % 3 == 0 {
            // A counted loop on a CR bit: r10 counts down, bne back (cmpwi in the body).
            code.insert(0, enc::d(14, 10, 0, iterations));
            code.push(enc::d(14, 10, 10, 0xFFFF)); // addi r10, r10, -1
            code.push(enc::d(11, 0, 10, 0)); // cmpwi r10, 0
            let back = (-4 * (body.len() as i32 + 2)) as u32 & 0xFFFC;
            code.push(16 << 26 | 4 << 21 | 2 << 16 | back); // bne back
        } else {
            code.push(16 << 26 | 16 << 21 | back); // bdnz back
        }
        code.push(enc::d(14, 0, 0, 1)); // li r0, 1
        code.push(0x4400_0002); // sc
        let (cpu, mem) = machine(&code, case);
        let (want, _, steps) = reference(cpu.clone(), mem.clone());
        let mut g = Guest::from_parts(cpu, mem);
        let stop = if case % 2 == 0 {
            g.run(u64::MAX)
        } else {
            loop {
                match g.run(1 + rng.below(200)) {
                    Stop::StepLimit => continue,
                    stop => break stop,
                }
            }
        };
        assert!(matches!(stop, Stop::Exit(_)), "case {case}: {stop:?}");
        // The exiting `sc` leaves the state before it and is not counted.
        assert_eq!(g.steps + 1, steps, "case {case}: steps");
        assert_eq!(g.cpu.gpr, want.gpr, "case {case}: GPRs");
        assert_eq!(
            (g.cpu.crf, g.cpu.xer, g.cpu.ctr),
            (want.crf, want.xer, want.ctr)
        );
    }
}

#[test]
fn endless_loops_stop_at_the_exact_step_limit() {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    for case in 0..120u64 {
        let len = [1, 2, 3, 9, 30, 62][case as usize % 6];
        let body = loop_body(&mut rng, len);
        let mut code = body.clone();
        let back = (-4 * (body.len() as i32)) as u32 & 0x03FF_FFFC;
        code.push(18 << 26 | back); // b back
        let (cpu, mem) = machine(&code, case);
        let limit = 1 + rng.below(5_000);
        let want = reference_steps(cpu.clone(), mem.clone(), limit);
        let mut g = Guest::from_parts(cpu, mem);
        if case % 2 == 0 {
            assert!(matches!(g.run(limit), Stop::StepLimit), "case {case}");
        } else {
            while g.steps < limit {
                let n = (1 + rng.below(300)).min(limit - g.steps);
                assert!(matches!(g.run(n), Stop::StepLimit), "case {case}");
            }
        }
        assert_eq!(g.steps, limit, "case {case}: steps");
        assert_eq!(g.cpu.nip, want.nip, "case {case}: nip");
        assert_eq!(g.cpu.gpr, want.gpr, "case {case}: GPRs");
        assert_eq!((g.cpu.crf, g.cpu.xer), (want.crf, want.xer), "case {case}");
    }
}
