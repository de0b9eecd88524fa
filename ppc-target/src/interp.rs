//! The run loop (the Linux user personality is in [`crate::linux`], the pseries
//! machine in [`crate::pseries`]). Code is decoded and checked
//! against the ISA level once per block (up to a branch, a page end or 63
//! instructions), lowered to threaded code (see `threaded.rs`: one handler per
//! instruction or fused pair, operands extracted, recent results passed in host
//! registers) and cached by address; a write to a page holding decoded code drops the
//! cache. A run stops after N instructions or on an event, between instructions, so it
//! can be saved and resumed elsewhere.

use std::fmt;

use crate::decode::{decode, decode_prefixed, Insn};
use crate::exec::{Exception, Reservation, MODE_BITS};
use crate::linux::LinuxState;
pub use crate::linux::{STACK_SIZE, STACK_TOP, USER_MSR};
use crate::mem::Memory;
use crate::state::{msr, CpuState};
use crate::threaded;

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
    /// The process sent itself a signal whose default action ends it (`kill`, `tkill`,
    /// `tgkill`; `abort` sends SIGABRT): it ends with status 128 + `signal`. As for
    /// [`Stop::Exit`], the state is the one just before the `sc`.
    Killed(u8),
    /// A pseries guest called RTAS power-off. As for [`Stop::Exit`], the state is the
    /// one just before the `sc 1` (not counted in `steps`).
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
            Stop::Signal { signal, .. } | Stop::Killed(signal) => Some(128 + signal),
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
            Stop::Killed(signal) => write!(f, "killed by signal {signal} (sent by itself)"),
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

/// The input behind a user-mode guest's fd 0 (shared by clones of the guest).
pub type Stdin = std::sync::Arc<std::sync::Mutex<dyn std::io::Read + Send>>;

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
    /// Where a user-mode guest's fd 0 reads from (`None`: an empty stdin). Not migrated:
    /// like a pipe, a destination reads its own. `ppc-vm run` connects the host's.
    pub stdin: Option<Stdin>,
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
            stdin: None,
            machine: None,
            blocks_mode: 0,
        }
    }

    /// The instruction word at `pc` as the CPU fetches it (in its byte order,
    /// MSR\[LE\]).
    pub fn instruction_word(&mut self, pc: u64) -> Result<u32, crate::mem::Fault> {
        let w = self.mem.read_u32(pc)?;
        Ok(if self.cpu.little_endian() {
            w.swap_bytes()
        } else {
            w
        })
    }

    /// Decodes the instruction at `pc` and checks it is allowed on this CPU.
    fn decode_at(&mut self, pc: u64) -> Result<Insn, Exception> {
        let w = self.instruction_word(pc).map_err(Exception::Fault)?;
        let insn = if w >> 26 == 1 {
            let suffix = self.instruction_word(pc + 4).map_err(Exception::Fault)?;
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
        Ok(if self.cpu.little_endian() {
            insn.in_little_endian()
        } else {
            insn
        })
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
                if let Some(Stop::Exit(_) | Stop::Killed(_)) = stop {
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
}
