//! The run loop and a Linux user-mode personality (static ELF64 big-endian loading,
//! the initial stack, `exit`, `exit_group`, `write`). Code is decoded and checked
//! against the ISA level once per block (up to a branch, a page end or 63
//! instructions), lowered to threaded code (see `threaded.rs`: one handler per
//! instruction or fused pair, operands extracted, recent results passed in host
//! registers) and cached by address; a write to a page holding decoded code drops the
//! cache. A run stops after N instructions or on an event, between instructions, so it
//! can be saved and resumed elsewhere.

use std::fmt;

use crate::decode::{decode, decode_prefixed, Insn};
use crate::exec::{Exception, Reservation, MODE_BITS};
use crate::linux::{LinuxState, Outcome};
use crate::mem::{Fault, Memory};
use crate::models::CpuModel;
use crate::state::{msr, CpuState};
use crate::threaded;

/// Where the stack is placed (QEMU's linux-user layout puts it just below here).
pub const STACK_TOP: u64 = 0x40_0080_1000;
/// Stack size.
pub const STACK_SIZE: u64 = 8 << 20;
/// The user-mode MSR QEMU's linux-user shows for every model (SF, HV, VEC/VSX, EE, PR,
/// FP, ME, IR, DR, RI, ...), as in the reference traces.
pub const USER_MSR: u64 = 0x9000_0001_0280_6900;

/// Why a run stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// `exit`/`exit_group` with this status. The state is the one just before the
    /// exiting `sc` (`nip` names it and it is not counted in `steps`), so a guest saved
    /// here and resumed elsewhere exits there with the same status.
    Exit(u8),
    /// The step limit was reached; `nip` names the next instruction.
    StepLimit,
    /// A guest exception the personality does not handle (`nip` = the instruction).
    Signal {
        /// The Linux signal number (4 SIGILL, 5 SIGTRAP, 7 SIGBUS, 11 SIGSEGV; in
        /// system mode 7 for an access outside RAM).
        signal: u8,
        /// What happened.
        exception: Exception,
    },
    /// A pseries guest called RTAS power-off (`nip` is past the `sc 1`).
    PowerOff,
    /// The only vCPU of a pseries guest stopped itself (RTAS stop-self).
    Halted,
    /// The guest entered a mode ppc-vm does not run (the reason).
    Unsupported(&'static str),
}

impl Stop {
    /// The process exit status a shell would see (128 + signal for a fatal signal).
    pub fn status(&self) -> Option<u8> {
        match *self {
            Stop::Exit(s) => Some(s),
            Stop::Signal { signal, .. } => Some(128 + signal),
            Stop::PowerOff => Some(0),
            Stop::StepLimit | Stop::Halted | Stop::Unsupported(_) => None,
        }
    }
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stop::Exit(s) => write!(f, "exited with status {s}"),
            Stop::StepLimit => f.write_str("stopped at the step limit"),
            Stop::PowerOff => f.write_str("powered off"),
            Stop::Halted => f.write_str("halted (the only vCPU stopped itself)"),
            Stop::Unsupported(why) => write!(f, "stopped: {why}"),
            Stop::Signal { signal, exception } => {
                let what = match exception {
                    Exception::Illegal => "illegal instruction".to_owned(),
                    Exception::Privileged => "privileged instruction".to_owned(),
                    Exception::Trap => "trap".to_owned(),
                    Exception::Alignment { ea } => format!("unaligned atomic access at {ea:#x}"),
                    Exception::Fault(fault) => fault.to_string(),
                    Exception::Syscall { .. } => "system call".to_owned(),
                    Exception::Unavailable(f) => format!("{f:?} unavailable"),
                };
                write!(f, "killed by signal {signal} ({what})")
            }
        }
    }
}

/// What the auxiliary vector tells about the executable.
struct Aux {
    phdr: u64,
    phnum: u64,
    entry: u64,
}

/// An ELF that cannot run here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError(pub String);

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LoadError {}

const BLOCKS: usize = 1 << 12;
const MAX_BLOCK: usize = threaded::OPS - 1;

/// Instructions a self-looping block may run in passes after its first, per dispatch
/// from [`Guest::run`]: bounds the handler recursion (about one frame per
/// instruction) in unoptimized builds, where tail calls stay calls.
const LOOP_STEPS_PER_RUN: u64 = 1024;

/// The block-cache slot of an address.
fn slot_of(pc: u64) -> usize {
    ((pc >> 2) as usize) & (BLOCKS - 1)
}

/// A run of decoded instructions starting at `pc`, ending with a control transfer (or
/// before an instruction that does not decode or is not allowed at the ISA level).
#[derive(Clone)]
struct Block {
    pc: u64,
    code: threaded::Code,
}

/// A user-mode guest: CPU, memory, and what the personality collected.
#[derive(Clone)]
pub struct Guest {
    /// CPU state (the migrated part).
    pub cpu: CpuState,
    /// Guest memory.
    pub mem: Memory,
    /// The load reservation (not migrated).
    pub reservation: Reservation,
    /// Bytes written to fd 1.
    pub stdout: Vec<u8>,
    /// Bytes written to fd 2.
    pub stderr: Vec<u8>,
    /// Instructions executed so far.
    pub steps: u64,
    blocks: Vec<Option<Box<Block>>>,
    /// The ISA level the cached blocks were checked against.
    blocks_isa: crate::models::IsaLevel,
    /// How the last run of a block ended.
    pub(crate) exit: threaded::Exit,
    /// The Linux personality's state (program break, ...).
    pub linux: LinuxState,
    /// Log every system call to `stderr` (`--strace`; not migrated).
    pub strace: bool,
    /// The pseries machine of a system-mode guest (`None`: Linux user mode).
    pub machine: Option<Box<crate::pseries::Spapr>>,
    /// The MSR mode bits the cached blocks were decoded under.
    blocks_mode: u64,
}

impl fmt::Debug for Guest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Guest")
            .field("cpu", &self.cpu.nip)
            .field("steps", &self.steps)
            .finish()
    }
}

impl Guest {
    /// A guest with `cpu` and `mem` (e.g. restored from a snapshot).
    pub fn from_parts(cpu: CpuState, mem: Memory) -> Self {
        let isa = cpu.isa;
        Guest {
            cpu,
            mem,
            reservation: Reservation::default(),
            stdout: Vec::new(),
            stderr: Vec::new(),
            steps: 0,
            blocks: (0..BLOCKS).map(|_| None).collect(),
            blocks_isa: isa,
            exit: threaded::Exit::default(),
            linux: LinuxState::default(),
            strace: false,
            machine: None,
            blocks_mode: 0,
        }
    }

    /// Loads a static ELF64 big-endian executable (ELFv1 or ELFv2) for `model` and sets
    /// up registers and the stack as Linux (and QEMU's linux-user) do.
    pub fn load_elf(
        image: &[u8],
        model: &'static CpuModel,
        argv0: &str,
    ) -> Result<Self, LoadError> {
        Self::load_elf_args(image, model, &[argv0])
    }

    /// [`Guest::load_elf`] with the whole argument vector (`argv[0]` first).
    pub fn load_elf_args(
        image: &[u8],
        model: &'static CpuModel,
        argv: &[&str],
    ) -> Result<Self, LoadError> {
        let argv0 = argv.first().copied().unwrap_or("");
        use elf::endian::BigEndian;
        let file = elf::ElfBytes::<BigEndian>::minimal_parse(image)
            .map_err(|e| LoadError(format!("not an ELF64 big-endian file: {e}")))?;
        let hdr = &file.ehdr;
        if hdr.class != elf::file::Class::ELF64 || hdr.e_machine != elf::abi::EM_PPC64 {
            return Err(LoadError("not a ppc64 ELF64 file".into()));
        }
        if hdr.e_type != elf::abi::ET_EXEC {
            return Err(LoadError(
                "only static executables (ET_EXEC) are supported".into(),
            ));
        }
        let mut mem = Memory::new();
        let segments = file
            .segments()
            .ok_or_else(|| LoadError("no program headers".into()))?;
        for (i, ph) in segments
            .iter()
            .filter(|p| p.p_type == elf::abi::PT_LOAD)
            .enumerate()
        {
            if ph.p_memsz > 1 << 30 || ph.p_filesz > ph.p_memsz {
                return Err(LoadError("unreasonable segment size".into()));
            }
            mem.add_region(&format!("seg{i}"), ph.p_vaddr, ph.p_memsz)
                .map_err(LoadError)?;
            let data = file
                .segment_data(&ph)
                .map_err(|e| LoadError(format!("segment {i}: {e}")))?;
            mem.write(ph.p_vaddr, data)
                .map_err(|e| LoadError(e.to_string()))?;
        }
        mem.add_region("stack", STACK_TOP - STACK_SIZE, STACK_SIZE)
            .map_err(LoadError)?;
        let heap = mem
            .regions()
            .iter()
            .filter(|r| r.name.starts_with("seg"))
            .map(|r| r.base + r.len() as u64)
            .max()
            .unwrap_or(0);
        let phdr = segments
            .iter()
            .find(|p| p.p_type == elf::abi::PT_LOAD && p.p_offset == 0)
            .map_or(0, |p| p.p_vaddr + hdr.e_phoff);
        let phnum = u64::from(hdr.e_phnum);

        let mut cpu = CpuState::new(model);
        cpu.msr = USER_MSR;
        let entry = hdr.e_entry;
        if hdr.e_flags & 3 == 2 {
            cpu.nip = entry;
            cpu.gpr[12] = entry;
        } else {
            // ELFv1: the entry is a function descriptor {code, TOC, env}.
            cpu.nip = mem
                .read_u64(entry)
                .map_err(|e| LoadError(format!("entry descriptor: {e}")))?;
            cpu.gpr[2] = mem
                .read_u64(entry + 8)
                .map_err(|e| LoadError(format!("entry descriptor: {e}")))?;
        }
        let mut g = Guest::from_parts(cpu, mem);
        g.linux.brk_start = heap;
        g.linux.brk = heap;
        g.linux.brk_mapped = heap;
        // `/proc/self/exe` is absolute (glibc checks): the caller sets the real path
        // with `set_exe`; until then a relative argv[0] is taken from the root.
        if argv0.starts_with('/') {
            g.set_exe(argv0);
        } else {
            g.set_exe(&format!("/{argv0}"));
        }
        let aux = Aux { phdr, phnum, entry };
        g.cpu.gpr[1] = g
            .setup_stack(argv, &aux)
            .map_err(|e| LoadError(e.to_string()))?;
        Ok(g)
    }

    /// The initial stack as Linux builds it: argc, argv, an empty environment and the
    /// auxiliary vector, with the strings and `AT_RANDOM`'s 16 bytes above; returns r1.
    fn setup_stack(&mut self, argv: &[&str], aux: &Aux) -> Result<u64, Fault> {
        let strings: usize = argv.iter().map(|a| a.len() + 1).sum();
        if strings > 128 << 10 {
            return Err(Fault {
                addr: STACK_TOP,
                size: 0,
                write: true,
            });
        }
        let name = (STACK_TOP - 0x200 - strings as u64) & !15;
        let mut at = name;
        let mut ptrs = Vec::new();
        for a in argv {
            self.mem.write(at, a.as_bytes())?;
            self.mem.write(at + a.len() as u64, &[0])?;
            ptrs.push(at);
            at += a.len() as u64 + 1;
        }
        let platform = (at + 16) & !15;
        let plat = self
            .cpu
            .model
            .name
            .split('_')
            .next()
            .unwrap_or("power9")
            .as_bytes()
            .to_vec();
        self.mem.write(platform, &plat)?;
        self.mem.write(platform + plat.len() as u64, &[0])?;
        let random = name - 32;
        let bytes = self.random_bytes(16);
        self.mem.write(random, &bytes)?;
        let f = self.cpu.model.facilities;
        let (hwcap, hwcap2) = crate::linux::hwcaps(self.cpu.isa, f.fpu, f.isel);
        let auxv: [(u64, u64); 19] = [
            (3, aux.phdr),  // AT_PHDR
            (4, 56),        // AT_PHENT
            (5, aux.phnum), // AT_PHNUM
            (6, 4096),      // AT_PAGESZ
            (7, 0),         // AT_BASE
            (8, 0),         // AT_FLAGS
            (9, aux.entry), // AT_ENTRY
            (11, 0),        // AT_UID
            (12, 0),        // AT_EUID
            (13, 0),        // AT_GID
            (14, 0),        // AT_EGID
            (15, platform), // AT_PLATFORM
            (16, hwcap),    // AT_HWCAP
            (17, 100),      // AT_CLKTCK
            (19, 128),      // AT_DCACHEBSIZE
            (20, 128),      // AT_ICACHEBSIZE
            (23, 0),        // AT_SECURE
            (25, random),   // AT_RANDOM
            (26, hwcap2),   // AT_HWCAP2
        ];
        let mut words = vec![ptrs.len() as u64];
        words.extend_from_slice(&ptrs);
        words.extend_from_slice(&[0, 0]); // argv's NULL, an empty environment
        for (k, v) in auxv {
            words.extend_from_slice(&[k, v]);
        }
        words.extend_from_slice(&[31, name, 0, 0]); // AT_EXECFN, AT_NULL
        let sp = (random - 8 * words.len() as u64 - 64) & !15;
        for (i, w) in words.iter().enumerate() {
            self.mem.write(sp + 8 * i as u64, &w.to_be_bytes())?;
        }
        Ok(sp)
    }

    /// Decodes the instruction at `pc` and checks it is allowed on this CPU.
    fn decode_at(&mut self, pc: u64) -> Result<Insn, Exception> {
        let w = self.mem.read_u32(pc).map_err(Exception::Fault)?;
        let insn = if w >> 26 == 1 {
            let suffix = self.mem.read_u32(pc + 4).map_err(Exception::Fault)?;
            decode_prefixed(w, suffix)
        } else {
            decode(w)
        }
        .map_err(|_| Exception::Illegal)?;
        if insn.isa() > self.cpu.isa
            || (matches!(insn, Insn::Isel { .. }) && !self.cpu.model.facilities.isel)
        {
            return Err(Exception::Illegal);
        }
        if let Some(f) = insn.facility() {
            use crate::decode::Facility;
            let have = self.cpu.model.facilities;
            let (bit, present) = match f {
                Facility::Fp => (msr::FP, have.fpu),
                Facility::Vec => (msr::VEC, have.vmx),
                Facility::Vsx => (msr::VSX, have.vsx),
            };
            if !present {
                return Err(Exception::Illegal);
            }
            if self.cpu.msr & bit == 0 {
                return Err(Exception::Unavailable(f));
            }
        }
        Ok(insn)
    }

    /// Builds the block at `pc`; an error when its first instruction cannot run.
    fn build_block(&mut self, pc: u64) -> Result<Block, Exception> {
        let mut insns = Vec::new();
        let mut at = pc;
        while insns.len() < MAX_BLOCK {
            let insn = match self.decode_at(at) {
                Ok(i) => i,
                Err(e) if insns.is_empty() => return Err(e),
                Err(_) => break,
            };
            self.mem.mark_code(at);
            insns.push(insn);
            at += insn.len();
            let ends =
                matches!(insn, Insn::Branch { .. } | Insn::Trap { .. }) || insn.changes_context();
            if ends || at % crate::mem::PAGE_SIZE == 0 {
                break;
            }
        }
        let mut at = pc;
        let mut lowering = threaded::Lowering::default();
        let mut ops = [threaded::Op::end(0); threaded::OPS];
        for (i, insn) in insns.iter().enumerate() {
            ops[i] = lowering.lower(insn, at, i);
            at += insn.len();
        }
        ops[insns.len()..].fill(threaded::Op::end(at));
        lowering.fuse(&mut ops);
        Ok(Block {
            pc,
            code: threaded::Code { ops, insns },
        })
    }

    fn flush_blocks(&mut self) {
        self.blocks.iter_mut().for_each(|b| *b = None);
        self.blocks_isa = self.cpu.isa;
        self.blocks_mode = self.cpu.msr & MODE_BITS;
    }

    /// One instruction through the reference executor, in 32-bit mode (MSR\[SF\] = 0):
    /// effective addresses, the next instruction address and CR0 as the mode makes
    /// them.
    fn step_narrow(&mut self) -> Option<Stop> {
        let pc = self.cpu.nip;
        let insn = match self.decode_at(pc) {
            Ok(i) => i,
            Err(e) => {
                self.steps += 1;
                return self.exception(e, pc);
            }
        };
        self.steps += 1;
        match self
            .cpu
            .execute(insn, pc, &mut self.mem, &mut self.reservation)
        {
            Ok(next) => {
                self.cpu.nip = self.cpu.mode_ea(next);
                None
            }
            Err(e) => self.exception(e, pc),
        }
    }

    /// Executes one instruction; `Some` when the guest exited or died.
    pub fn step(&mut self) -> Option<Stop> {
        match self.run(1) {
            Stop::StepLimit => None,
            stop => Some(stop),
        }
    }

    /// Runs until the guest stops or `max_steps` more instructions ran (then `nip`
    /// names the next instruction: the migration point).
    pub fn run(&mut self, max_steps: u64) -> Stop {
        let mut left = max_steps;
        if self.blocks_isa != self.cpu.isa {
            self.flush_blocks();
        }
        while left > 0 {
            if self.mem.take_code_written() || self.cpu.msr & MODE_BITS != self.blocks_mode {
                self.flush_blocks();
            }
            if self.machine.is_some() {
                if let Some(stop) = self.system_check() {
                    return stop;
                }
                if self.cpu.msr & msr::SF == 0 {
                    left -= 1;
                    if let Some(stop) = self.step_narrow() {
                        return stop;
                    }
                    continue;
                }
            }
            let pc = self.cpu.nip;
            let slot = slot_of(pc);
            if self.blocks[slot].as_ref().is_none_or(|b| b.pc != pc) {
                match self.build_block(pc) {
                    Ok(b) => self.blocks[slot] = Some(Box::new(b)),
                    Err(e) => {
                        self.steps += 1;
                        return self.exception(e, pc).unwrap_or(Stop::StepLimit);
                    }
                }
            }
            // The block leaves the cache for the time of its run (the handlers get
            // the guest and the block separately).
            let mut block = self.blocks[slot].take().expect("block just built");
            let count = block.code.insns.len();
            // A run cut short by the step limit puts a terminator after the first `n`
            // for the time of the run (and runs the last of them alone if it starts a
            // fused pair).
            let n = count.min(usize::try_from(left).unwrap_or(usize::MAX));
            let ops = &mut block.code.ops;
            let cut = (n < count).then(|| {
                let pc = ops[n].pc;
                ops[n - 1].toggle_pair();
                (n, std::mem::replace(&mut ops[n], threaded::Op::end(pc)))
            });
            // A block that branches back to itself runs again in place, up to
            // LOOP_STEPS_PER_RUN instructions, while the step budget has room for
            // whole passes.
            let granted = if n == count {
                let budget = (left - count as u64).min(LOOP_STEPS_PER_RUN);
                (budget / count as u64) as u32
            } else {
                0
            };
            self.exit = threaded::Exit {
                loops_left: granted,
                ..threaded::Exit::default()
            };
            let (ran, left_block) = threaded::run(self, &block.code);
            let looped = u64::from(granted - self.exit.loops_left) * count as u64;
            let ops = &mut block.code.ops;
            if let Some((n, op)) = cut {
                ops[n] = op;
                ops[n - 1].toggle_pair();
            }
            let done = ran as u64 + looped;
            let mut fault = None;
            let at = if !left_block {
                ops[ran].pc
            } else if let Some(e) = self.exit.exception.take() {
                let at = ops[ran - 1].pc;
                fault = Some((e, at));
                at
            } else {
                self.exit.next
            };
            self.blocks[slot] = Some(block);
            self.steps += done;
            left -= done;
            self.cpu.nip = at;
            if let Some((e, at)) = fault {
                if let Some(stop) = self.exception(e, at) {
                    return stop;
                }
            }
        }
        Stop::StepLimit
    }

    /// Handles an exception raised by the instruction at `pc`.
    fn exception(&mut self, e: Exception, pc: u64) -> Option<Stop> {
        self.cpu.nip = pc;
        if self.machine.is_some() {
            return self.system_exception(e, pc);
        }
        match e {
            Exception::Syscall { vectored, .. } => {
                self.cpu.nip = pc + 4;
                let stop = self.syscall(vectored);
                if let Some(Stop::Exit(_)) = stop {
                    // Exiting changes nothing else: rewind to the `sc`.
                    self.cpu.nip = pc;
                    self.steps -= 1;
                }
                stop
            }
            e => {
                let signal = match e {
                    Exception::Trap => 5,
                    Exception::Alignment { .. } => 7,
                    Exception::Fault(_) => 11,
                    _ => 4,
                };
                Some(Stop::Signal {
                    signal,
                    exception: e,
                })
            }
        }
    }

    /// A system call (r0 = number, r3..r8 = arguments) through the Linux personality.
    fn syscall(&mut self, vectored: bool) -> Option<Stop> {
        let g = &self.cpu.gpr;
        let args = [g[3], g[4], g[5], g[6], g[7], g[8]];
        let result = match self.linux_syscall(g[0], args) {
            Outcome::Exit(status) => return Some(Stop::Exit(status)),
            Outcome::Return(r) => r,
        };
        let so = &mut self.cpu.crf[0];
        match (result, vectored) {
            (Ok(v), false) => {
                self.cpu.gpr[3] = v;
                *so &= !1;
            }
            (Err(e), false) => {
                self.cpu.gpr[3] = e;
                *so |= 1;
            }
            (Ok(v), true) => self.cpu.gpr[3] = v,
            (Err(e), true) => self.cpu.gpr[3] = e.wrapping_neg(),
        }
        None
    }
}
