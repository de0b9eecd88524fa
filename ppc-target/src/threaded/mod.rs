//! Threaded code: a decoded block lowered to one handler per instruction with its
//! operands extracted (register numbers, immediates, precomputed masks and branch
//! targets). Each handler ends by jumping to the next one (a call in tail position,
//! which the optimizer turns into a jump: no handler keeps a stack frame across it),
//! so every handler has its own indirect jump for the host's predictor to learn and no
//! call/return pair is paid per instruction. A block ends with a sentinel that
//! returns; the depth is bounded by the block length (times the passes a self-looping
//! block may make, see [`Exit::loops_left`]) even where the tail call is not optimized
//! (debug builds).
//!
//! A handler gets the [`Guest`] (CPU, memory and run state at fixed offsets from one
//! pointer), the block's [`Code`] and a pointer to its own slot, one cache line that
//! holds its operands; it continues with the slot after it (see [`ahead`]).
//!
//! Two consecutive simple operations, a common load/store and the simple operation
//! after it, or a simple operation and a loop's branch back to the block's start, are
//! fused into one handler (one dispatch for two instructions; the first slot carries
//! both instructions' operands); the second slot keeps its own handler, for runs cut
//! between the two.
//!
//! The two most recent results travel between handlers in host registers (`acc`, the
//! last one, and `acc2`, the one before): the lowering knows which GPRs they hold and
//! picks the handler variant that reads a source (an operand, a base or index
//! register, a stored value) from there instead of reloading a GPR just stored, which
//! would put a store-to-load forwarding delay on the dependency chain.
//!
//! The common fixed-point, load/store, compare and branch forms get their own handlers;
//! each calls the same [`CpuState`] helpers as [`CpuState::execute`] with the operation
//! fixed at compile time, so both paths share one definition of every instruction.
//! Everything else (record and overflow forms, floating point, atomics, system calls)
//! goes through a handler that calls `execute` itself.

use crate::decode::{Arith, Insn, Logic, Mem, Target};
use crate::exec::{compare_operands, load, mask64, store, Bus, Cached, Exception};
use crate::interp::Guest;
use crate::mem::Memory;
use crate::state::{spr, CpuState};

mod alu;
mod branch;
mod fused;
mod lower;
mod mem;

use alu::*;
use branch::*;
use fused::*;
pub(crate) use lower::Lowering;
use lower::*;
use mem::*;

/// Where a run of a block ended, filled in by the handlers (kept in the [`Guest`], so
/// a handler reaches it, the CPU and the memory at fixed offsets from one pointer).
#[derive(Clone, Debug, Default)]
pub(crate) struct Exit {
    /// Whether an instruction left the block for [`Exit::next`].
    pub left: bool,
    /// How many more times a branch back to the block's start may run the block again
    /// without leaving it (each time is the block's whole length in instructions; the
    /// caller sizes it to its step budget and bounds it, as the recursion is only a
    /// loop where the optimizer turns tail calls into jumps).
    pub loops_left: u32,
    /// The next instruction address when `left`.
    pub next: u64,
    /// The exception raised by the instruction that ran last.
    pub exception: Option<Exception>,
}

/// A lowered block: its handlers and operands, and its decoded instructions (for the
/// generic handler).
#[derive(Clone)]
pub(crate) struct Code {
    pub ops: Ops,
    pub insns: Vec<Insn>,
}

/// Runs the instruction in slot `op` of a block's `Code` and those after it: `acc` and
/// `acc2` are the cached values (see [`Lowering`]). Returns how many instructions of
/// the block ran, counted from its first slot (a self-looping block's earlier passes
/// are counted by [`Exit::loops_left`]); the
/// one that ran last left the block when it set [`Exit::next`] or
/// [`Exit::exception`] (a branch, an exception, or a store into a page holding
/// decoded code), else the block ran to its end.
pub(crate) type Handler = fn(&mut Guest, &Code, &Op, u64, u64) -> usize;

/// Slots of a block: up to `OPS - 1` instructions, then terminators.
pub(crate) const OPS: usize = 64;

/// A block's lowered instructions; every slot after the last instruction holds a
/// terminator (so a handler may always step to the slot after its own, see
/// [`ahead`]).
pub(crate) type Ops = [Op; OPS];

/// One lowered instruction: its handler and operands, and for the first of a fused
/// pair the second's operands too (so the pair reads one slot). A cache line each.
#[derive(Clone, Copy)]
#[repr(align(64))]
pub(crate) struct Op {
    run: Handler,
    /// The handler of this instruction alone, when `run` is a pair's.
    solo: Handler,
    /// The instruction's address.
    pub pc: u64,
    /// The operands.
    x: Operands,
    /// The next instruction's operands, when `run` is a pair's.
    y: Operands,
}

/// An instruction's extracted operands: four 5-bit fields (GPR numbers, BO, BI, a
/// CR field) and a rotate's shift count packed in one word, so a handler reads them
/// all with one load (a load per field fills the host's load queue on memory-heavy
/// loops), and an immediate.
#[derive(Clone, Copy)]
struct Operands {
    /// `a | b << 5 | c << 10 | d << 15 | sh << 20`.
    regs: u32,
    imm: u64,
}

impl Operands {
    const NONE: Operands = Operands { regs: 0, imm: 0 };

    fn new(a: u8, b: u8, c: u8, d: u8, sh: u8, imm: u64) -> Operands {
        let f = |x: u8| u32::from(x & 31);
        Operands {
            regs: f(a) | f(b) << 5 | f(c) << 10 | f(d) << 15 | u32::from(sh & 63) << 20,
            imm,
        }
    }

    #[inline(always)]
    fn a(&self) -> usize {
        (self.regs & 31) as usize
    }

    #[inline(always)]
    fn b(&self) -> usize {
        (self.regs >> 5 & 31) as usize
    }

    #[inline(always)]
    fn c(&self) -> usize {
        (self.regs >> 10 & 31) as usize
    }

    #[inline(always)]
    fn d(&self) -> usize {
        (self.regs >> 15 & 31) as usize
    }

    #[inline(always)]
    fn sh(&self) -> u32 {
        self.regs >> 20 & 63
    }
}

impl Op {
    /// For the first of a fused pair, swaps the pair handler with the instruction's own
    /// (a run cut between the two); a second call restores the pair.
    pub(crate) fn toggle_pair(&mut self) {
        std::mem::swap(&mut self.run, &mut self.solo);
    }

    /// The block terminator: ends a run.
    pub(crate) fn end(pc: u64) -> Op {
        Op {
            run: end,
            solo: end,
            pc,
            x: Operands::NONE,
            y: Operands::NONE,
        }
    }
}

/// Runs `ops` from the first until a terminator; returns how many ran and whether
/// the last one left the block.
pub(crate) fn run(m: &mut Guest, ops: &Code) -> (usize, bool) {
    let ran = first(m, ops);
    (ran, m.exit.exception.is_some() || m.exit.left)
}

/// Continues with the handler `k` slots after `op`.
#[inline(always)]
fn next(m: &mut Guest, ops: &Code, op: &Op, k: usize, acc: u64, acc2: u64) -> usize {
    let op = ahead(ops, op, k);
    (op.run)(m, ops, op, acc, acc2)
}

/// Starts (again) with the block's first handler; nothing is cached.
#[inline(always)]
fn first(m: &mut Guest, ops: &Code) -> usize {
    let op = &ops.ops[0];
    (op.run)(m, ops, op, 0, 0)
}

/// The terminator: ends a run; returns how many instructions ran.
fn end(_: &mut Guest, ops: &Code, op: &Op, _: u64, _: u64) -> usize {
    index(ops, op)
}

/// The slot `k` after `op` (`k` is 1, or 2 after a fused pair).
///
/// Handlers only step forward over the instructions they ran, and a block holds at
/// most `OPS - 1` instructions followed by terminators, which never step: so from an
/// instruction's slot, `k` more is still a slot of the same block.
#[inline(always)]
fn ahead<'a>(ops: &'a Code, op: &'a Op, k: usize) -> &'a Op {
    debug_assert!(index(ops, op) + k < OPS);
    // The pointer is derived from the whole array (not from `op`, whose reference
    // covers one slot), at `op`'s offset in it; the compiler folds this to `op` + k.
    let offset = std::ptr::from_ref(op) as usize - ops.ops.as_ptr() as usize;
    // SAFETY: `op` is a slot of `ops.ops` (handlers are only called with one), so
    // `offset` is a multiple of the slot size inside the array, and the slot `k`
    // after it is one too (above). Walking a pointer instead of an index takes four
    // host instructions off every dispatch (an index needs a mask for the compiler
    // to drop the bounds check, and a scale) and frees a register.
    #[allow(unsafe_code)]
    unsafe {
        &*ops.ops.as_ptr().byte_add(offset).add(k)
    }
}

/// The slot number of `op` in `ops` (how many instructions come before it).
#[inline(always)]
fn index(ops: &Code, op: &Op) -> usize {
    (std::ptr::from_ref(op) as usize - ops.ops.as_ptr() as usize) / std::mem::size_of::<Op>()
}

/// Leaves the block after the instruction `k` slots after `op` (0: `op` itself),
/// continuing at `to`; returns how many instructions ran.
#[inline(always)]
fn leave(m: &mut Guest, ops: &Code, op: &Op, k: usize, to: u64) -> usize {
    m.exit.next = to;
    m.exit.left = true;
    index(ops, op) + k + 1
}

/// The branch `op` goes to `to`: back to the block's own start while
/// [`Exit::loops_left`] allows (a loop runs without leaving the block), else out.
#[inline(always)]
fn branch_exit(m: &mut Guest, ops: &Code, op: &Op, to: u64) -> usize {
    if to == ops.ops[0].pc {
        again(m, ops, op, 0)
    } else {
        leave(m, ops, op, 0, to)
    }
}

/// The branch `k` slots after `op` goes back to the block's start: runs the block
/// again while [`Exit::loops_left`] allows, else leaves it for the start.
#[inline(always)]
fn again(m: &mut Guest, ops: &Code, op: &Op, k: usize) -> usize {
    if m.exit.loops_left == 0 {
        return leave(m, ops, op, k, ops.ops[0].pc);
    }
    m.exit.loops_left -= 1;
    first(m, ops)
}

/// Leaves the block: the instruction `op` raised `e`.
#[inline(always)]
fn raise(m: &mut Guest, ops: &Code, op: &Op, e: Exception) -> usize {
    m.exit.exception = Some(e);
    index(ops, op) + 1
}

/// A source operand: GPR `x` (`S` = 0), or the cached `acc` (1) or `acc2` (2).
#[inline(always)]
fn src(s: u8, g: &[u64; 32], x: usize, acc: u64, acc2: u64) -> u64 {
    match s {
        1 => acc,
        2 => acc2,
        _ => g[x],
    }
}

/// The new cached pair after a handler produced `v`.
#[inline(always)]
fn push(v: u64, acc: u64) -> (u64, u64) {
    (v, acc)
}

/// Any instruction, through [`CpuState::execute`].
fn generic(m: &mut Guest, ops: &Code, op: &Op, acc: u64, acc2: u64) -> usize {
    if execute(m, ops, op) {
        next(m, ops, op, 1, acc, acc2)
    } else {
        index(ops, op) + 1
    }
}

/// The instruction of `op` through [`CpuState::execute`]: whether the run goes on
/// with the next slot (else the exit is recorded). Out of line and with nothing
/// returned through memory, so [`generic`] has no stack frame and its call of the
/// next handler stays a jump.
#[inline(never)]
fn execute(m: &mut Guest, ops: &Code, op: &Op) -> bool {
    let insn = ops.insns[op.x.imm as usize];
    match m.cpu.execute(insn, op.pc, &mut m.mem, &mut m.reservation) {
        Ok(to) if to == op.pc + insn.len() && !m.mem.code_written => true,
        Ok(to) => {
            m.exit.next = to;
            m.exit.left = true;
            false
        }
        Err(e) => {
            m.exit.exception = Some(e);
            false
        }
    }
}
