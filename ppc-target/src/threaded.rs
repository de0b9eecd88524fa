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

/// Lowers a block's instructions in order, tracking which GPRs (if any) the cached
/// values hold.
#[derive(Default)]
pub(crate) struct Lowering {
    /// The GPRs `acc` and `acc2` hold.
    cached: [Option<u8>; 2],
    /// The address of the block's first instruction.
    start: u64,
    /// Per lowered instruction, its step when it can be fused with a neighbour.
    steps: Vec<Option<StepId>>,
    /// Per lowered instruction, its form when it is an access that can lead a pair.
    mems: Vec<Option<MemId>>,
    /// Per lowered instruction, whether it is a `bdnz` (`Some(true)`) or `b`
    /// (`Some(false)`) back to the block's start (the handler variants that loop in
    /// place).
    loops: Vec<Option<bool>>,
}

/// What a lowered handler leaves cached.
enum Cache {
    /// It returns GPR r's new value as `acc` (the old `acc` becomes `acc2`).
    Produces(u8),
    /// It writes no GPR and passes both values on.
    Keeps,
    /// It may write GPRs it does not return.
    Clobbers,
}

impl Lowering {
    /// Where source GPR `x` is read from: 0 the register file, 1 `acc`, 2 `acc2`.
    fn from(&self, x: u8) -> u8 {
        let x = Some(x & 31);
        if self.cached[0] == x {
            1
        } else if self.cached[1] == x {
            2
        } else {
            0
        }
    }

    /// Where a load or store's base RA is read from: as [`Lowering::from`], or 3 for
    /// RA = 0, which reads 0.
    fn base(&self, ra: u8) -> u8 {
        if ra & 31 == 0 {
            3
        } else {
            self.from(ra)
        }
    }

    /// Where a store's value RS is read from: 1 for `acc`, else 0 (the register file;
    /// `acc2` is not a variant of its own).
    fn data(&self, rs: u8) -> u8 {
        u8::from(self.from(rs) == 1)
    }

    /// Orders the sources of a commutative operation canonically (by where they are
    /// read from), so fewer handler variants cover it.
    fn order(&self, commutative: bool, x: u8, y: u8) -> (u8, u8) {
        if commutative && self.from(y) > self.from(x) {
            (y, x)
        } else {
            (x, y)
        }
    }

    /// The fusable step `insn` lowers to, if any (before the cache moves past it).
    fn step(&self, insn: &Insn) -> Option<StepId> {
        let (kind, s1, s2) = match *insn {
            Insn::Addi { ra: 0, .. } => (Kind::Li, 0, 0),
            Insn::Addi { ra, .. } => (Kind::Addi, self.from(ra), 0),
            Insn::Rld {
                kind: 0..=2,
                rs,
                rb: None,
                rc: false,
                ..
            } => (Kind::RotateMask, self.from(rs), 0),
            Insn::Rlw {
                rs,
                rb: None,
                insert: false,
                rc: false,
                ..
            } => (Kind::RotateWordMask, self.from(rs), 0),
            Insn::Arith {
                op,
                ra,
                rb,
                oe: false,
                rc: false,
                ..
            } => {
                let kind = match op {
                    Arith::Add => Kind::Add,
                    Arith::Subf => Kind::Subf,
                    Arith::Mulld => Kind::Mulld,
                    _ => return None,
                };
                let (x, y) = self.order(commutative_arith(op), ra, rb);
                (kind, self.from(x), self.from(y))
            }
            Insn::Logic {
                op,
                rs,
                rb,
                rc: false,
                ..
            } => {
                let kind = match op {
                    Logic::And => Kind::And,
                    Logic::Or => Kind::Or,
                    Logic::Xor => Kind::Xor,
                    _ => return None,
                };
                let (x, y) = self.order(commutative_logic(op), rs, rb);
                (kind, self.from(x), self.from(y))
            }
            _ => return None,
        };
        step_id(kind, s1, s2)
    }

    /// Fuses consecutive fusable instructions into pairs (two simple operations, a
    /// load or store and a simple operation, or a simple operation and a loop's
    /// branch back): the first slot runs both (one dispatch for two instructions), the
    /// second keeps its operands and its own handler.
    pub(crate) fn fuse(self, ops: &mut Ops) {
        let mut i = 0;
        while i + 1 < self.steps.len() {
            match (self.steps[i], self.mems[i], self.steps[i + 1]) {
                (Some(step), _, _) if self.loops[i + 1].is_some() => {
                    ops[i].run = loop_handler(step, self.loops[i + 1] == Some(true));
                    ops[i].y = Operands {
                        imm: ops[i + 1].pc + 4,
                        ..Operands::NONE
                    };
                    i += 2;
                }
                (Some(first), _, Some(second)) => {
                    ops[i].run = pair_handler(first, second);
                    ops[i].y = ops[i + 1].x;
                    i += 2;
                }
                (None, Some(mem), Some(second)) => {
                    ops[i].run = memory_pair_handler(mem, second);
                    ops[i].y = ops[i + 1].x;
                    i += 2;
                }
                _ => i += 1,
            }
        }
    }

    /// Lowers the `index`th instruction of a block, located at `pc`.
    pub(crate) fn lower(&mut self, insn: &Insn, pc: u64, index: usize) -> Op {
        if index == 0 {
            self.start = pc;
        }
        // Set by `lower_one` for a `bdnz` or `b` back to the block's start.
        self.loops.push(None);
        let step = self.step(insn);
        self.steps.push(step);
        let mem = match *insn {
            Insn::Mem {
                op,
                rt,
                ra,
                rb,
                update: false,
                ..
            } => mem_id(
                op,
                rb.is_some(),
                self.base(ra),
                rb.map_or(0, |b| self.from(b)),
                if op.is_store() { self.data(rt) } else { 0 },
            ),
            _ => None,
        };
        self.mems.push(mem);
        self.lower_one(insn, pc, index)
    }

    fn lower_one(&mut self, insn: &Insn, pc: u64, index: usize) -> Op {
        let op = |run: Handler, a: u8, b: u8, c: u8, d: u8, imm: u64| Op {
            run,
            solo: run,
            pc,
            x: Operands::new(a, b, c, d, 0, imm),
            y: Operands::NONE,
        };
        let rotate = |run: Handler, a: u8, b: u8, sh: u8, mask: u64| Op {
            x: Operands::new(a, b, 0, 0, sh, mask),
            ..op(run, a, b, 0, 0, mask)
        };
        let generic = (op(generic, 0, 0, 0, 0, index as u64), Cache::Clobbers);
        let (op, cache) = match *insn {
            Insn::Addi { rt, ra: 0, imm } => (op(li, rt, 0, 0, 0, imm as u64), Cache::Produces(rt)),
            Insn::Addi { rt, ra, imm } => (
                op(unary::<Addi>(self.from(ra)), rt, ra, 0, 0, imm as u64),
                Cache::Produces(rt),
            ),
            Insn::Arith {
                op: kind,
                rt,
                ra,
                rb,
                oe: false,
                rc: false,
            } => {
                let (ra, rb) = self.order(commutative_arith(kind), ra, rb);
                match arith_handler(kind, self.from(ra), self.from(rb)) {
                    Some(h) => (op(h, rt, ra, rb, 0, 0), Cache::Produces(rt)),
                    None => generic,
                }
            }
            Insn::Logic {
                op: kind,
                ra,
                rs,
                rb,
                rc: false,
            } => {
                let (rs, rb) = self.order(commutative_logic(kind), rs, rb);
                match logic_handler(kind, self.from(rs), self.from(rb)) {
                    Some(h) => (op(h, ra, rs, rb, 0, 0), Cache::Produces(ra)),
                    None => generic,
                }
            }
            Insn::LogicImm {
                op: kind,
                ra,
                rs,
                imm,
                rc: false,
            } => {
                let h = match kind {
                    Logic::Or => unary::<Ori>(self.from(rs)),
                    Logic::Xor => unary::<Xori>(self.from(rs)),
                    _ => return self.finish(generic),
                };
                (op(h, ra, rs, 0, 0, imm), Cache::Produces(ra))
            }
            // rldicl, rldicr, rldic: a rotate and a mask (sldi, srdi, rotldi, clrldi ...).
            Insn::Rld {
                kind: kind @ 0..=2,
                ra,
                rs,
                sh,
                rb: None,
                mbe,
                rc: false,
            } => {
                let (mbe, n) = (u32::from(mbe), u32::from(sh));
                let mask = match kind {
                    0 => mask64(mbe, 63),
                    1 => mask64(0, mbe),
                    _ => mask64(mbe, 63 - n),
                };
                let h = unary::<RotateMask>(self.from(rs));
                (rotate(h, ra, rs, sh, mask), Cache::Produces(ra))
            }
            Insn::Rlw {
                ra,
                rs,
                sh,
                rb: None,
                mb,
                me,
                insert: false,
                rc: false,
            } => {
                let mask = mask64(u32::from(mb) + 32, u32::from(me) + 32);
                let h = unary::<RotateWordMask>(self.from(rs));
                (rotate(h, ra, rs, sh, mask), Cache::Produces(ra))
            }
            Insn::Cmp {
                bf,
                l,
                ra,
                rb,
                imm,
                unsigned,
            } => {
                let h = compare_handler(l, unsigned, rb.is_some(), self.from(ra));
                (op(h, bf, ra, rb.unwrap_or(0), 0, imm as u64), Cache::Keeps)
            }
            Insn::Mem {
                op: kind,
                rt,
                ra,
                rb,
                disp,
                update,
            } => {
                // An update form's RA is never 0 (a decode error) and is written.
                let base = if update { 0 } else { self.base(ra) };
                let index = match rb {
                    Some(b) if !update => self.from(b),
                    _ => 0,
                };
                let h = memory_handler(kind, rb.is_some(), update, base, index, self.data(rt));
                let cache = match (kind.is_store(), update) {
                    (false, false) => Cache::Produces(rt),
                    (true, false) => Cache::Keeps,
                    (true, true) => Cache::Produces(ra),
                    // A load with update writes RT and RA.
                    (false, true) => Cache::Clobbers,
                };
                (op(h, rt, ra, rb.unwrap_or(0), 0, disp as u64), cache)
            }
            Insn::Branch { target, bo, bi, lk } => {
                let (kind, imm) = match target {
                    Target::Direct { disp, aa: false } => (0, pc.wrapping_add(disp as u64)),
                    Target::Direct { disp, aa: true } => (0, disp as u64),
                    Target::Lr => (1, 0),
                    Target::Ctr => (2, 0),
                    Target::Tar => return self.finish(generic),
                };
                let back = kind == 0 && imm == self.start && !lk && matches!(bo, 0x10 | 0x14);
                if back {
                    *self.loops.last_mut().expect("pushed by lower") = Some(bo == 0x10);
                }
                let h: Handler = match (kind, bo, back) {
                    (0, 0x14, false) if !lk => jump::<false>,
                    (0, 0x14, true) if !lk => jump::<true>,
                    (0, 0x10, false) if !lk => decrement_branch_nonzero::<false>,
                    (0, 0x10, true) if !lk => decrement_branch_nonzero::<true>,
                    _ => branch,
                };
                (op(h, bo, bi, kind, u8::from(lk), imm), Cache::Clobbers)
            }
            Insn::Mfspr { rt, spr } if spr as usize == spr::LR => {
                (op(mflr, rt, 0, 0, 0, 0), Cache::Produces(rt))
            }
            Insn::Mfspr { rt, spr } if spr as usize == spr::CTR => {
                (op(mfctr, rt, 0, 0, 0, 0), Cache::Produces(rt))
            }
            Insn::Mtspr { rs, spr } if spr as usize == spr::LR => {
                (op(mtlr, rs, 0, 0, 0, 0), Cache::Keeps)
            }
            Insn::Mtspr { rs, spr } if spr as usize == spr::CTR => {
                (op(mtctr, rs, 0, 0, 0, 0), Cache::Keeps)
            }
            _ => generic,
        };
        self.finish((op, cache))
    }

    fn finish(&mut self, (op, cache): (Op, Cache)) -> Op {
        self.cached = match cache {
            Cache::Produces(x) => {
                let x = x & 31;
                [Some(x), self.cached[0].filter(|&old| old != x)]
            }
            Cache::Keeps => self.cached,
            Cache::Clobbers => [None, None],
        };
        op
    }
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

fn li(m: &mut Guest, ops: &Code, op: &Op, acc: u64, _: u64) -> usize {
    m.cpu.gpr[op.x.a()] = op.x.imm;
    let (acc, acc2) = push(op.x.imm, acc);
    next(m, ops, op, 1, acc, acc2)
}

/// An operation `a ← f(b)` with an immediate, a shift count, or both.
trait Unary {
    fn apply(x: u64, op: &Operands) -> u64;
}

struct Addi;
struct Ori;
struct Xori;
struct RotateMask;
struct RotateWordMask;

impl Unary for Addi {
    #[inline(always)]
    fn apply(x: u64, op: &Operands) -> u64 {
        x.wrapping_add(op.imm)
    }
}

impl Unary for Ori {
    #[inline(always)]
    fn apply(x: u64, op: &Operands) -> u64 {
        x | op.imm
    }
}

impl Unary for Xori {
    #[inline(always)]
    fn apply(x: u64, op: &Operands) -> u64 {
        x ^ op.imm
    }
}

impl Unary for RotateMask {
    #[inline(always)]
    fn apply(x: u64, op: &Operands) -> u64 {
        x.rotate_left(op.sh()) & op.imm
    }
}

impl Unary for RotateWordMask {
    #[inline(always)]
    fn apply(x: u64, op: &Operands) -> u64 {
        let w = (x as u32).rotate_left(op.sh());
        (u64::from(w) << 32 | u64::from(w)) & op.imm
    }
}

/// One instruction of a simple operation ([`Step`]): its result becomes `acc`.
fn single<A: Step>(m: &mut Guest, ops: &Code, op: &Op, acc: u64, acc2: u64) -> usize {
    let v = A::step(&mut m.cpu, &op.x, acc, acc2);
    next(m, ops, op, 1, v, acc)
}

fn unary<U: Unary>(from: u8) -> Handler {
    match from {
        0 => single::<UnStep<U, 0>>,
        1 => single::<UnStep<U, 1>>,
        _ => single::<UnStep<U, 2>>,
    }
}

/// An operation `a ← f(b, c)` that may update XER (carry) through the CPU.
trait Binary {
    fn apply(cpu: &mut CpuState, x: u64, y: u64) -> u64;
}

fn binary<B: Binary>(s1: u8, s2: u8) -> Handler {
    match (s1, s2) {
        (0, 0) => single::<BiStep<B, 0, 0>>,
        (0, 1) => single::<BiStep<B, 0, 1>>,
        (0, _) => single::<BiStep<B, 0, 2>>,
        (1, 0) => single::<BiStep<B, 1, 0>>,
        (1, 1) => single::<BiStep<B, 1, 1>>,
        (1, _) => single::<BiStep<B, 1, 2>>,
        (_, 0) => single::<BiStep<B, 2, 0>>,
        (_, 1) => single::<BiStep<B, 2, 1>>,
        (_, _) => single::<BiStep<B, 2, 2>>,
    }
}

/// One [`Binary`] type per listed operation of `$enum`, applied through `$method`
/// (XO-form arithmetic without OE or Rc; X-form logical without Rc), and the
/// function that picks the handler for an operation, `None` when it is not listed.
macro_rules! binary_ops {
    ($pick:ident, $enum:ident, $method:ident: $($kind:ident)*) => {
        mod $pick {
            $(pub(super) struct $kind;)*
        }
        $(
            impl Binary for $pick::$kind {
                #[inline(always)]
                fn apply(cpu: &mut CpuState, x: u64, y: u64) -> u64 {
                    cpu.$method($enum::$kind, x, y)
                }
            }
        )*
        fn $pick(kind: $enum, s1: u8, s2: u8) -> Option<Handler> {
            match kind {
                $($enum::$kind => Some(binary::<$pick::$kind>(s1, s2)),)*
                _ => None,
            }
        }
    };
}

/// `arith` without overflow recording.
trait ArithNoOe {
    fn arith_plain(&mut self, op: Arith, x: u64, y: u64) -> u64;
}

impl ArithNoOe for CpuState {
    #[inline(always)]
    fn arith_plain(&mut self, op: Arith, x: u64, y: u64) -> u64 {
        self.arith(op, x, y, false)
    }
}

binary_ops!(arith_handler, Arith, arith_plain:
    Add Addc Adde Subf Subfc Subfe Neg Mullw Mulld Mulhd Mulhdu Mulhw Mulhwu
    Divd Divdu Divw Divwu);

binary_ops!(logic_handler, Logic, logic:
    And Andc Or Orc Nor Xor Eqv Nand Extsb Extsh Extsw Cntlzd Cntlzw Cnttzd Cnttzw
    Popcntd Slw Srw Sld Srd);

/// cmp/cmpl/cmpi/cmpli: `L` 64-bit, `U` unsigned, `X` second operand from a register,
/// the first from where `S` says. Keeps the cached values.
fn compare<const L: bool, const U: bool, const X: bool, const S: u8>(
    m: &mut Guest,
    ops: &Code,
    op: &Op,
    acc: u64,
    acc2: u64,
) -> usize {
    let cpu = &mut m.cpu;
    let a = src(S, &cpu.gpr, op.x.b(), acc, acc2);
    let b = if X { cpu.gpr[op.x.c()] } else { op.x.imm };
    let (a, b) = compare_operands(L, U, a, b);
    cpu.compare(op.x.a() as u8, a, b, U);
    next(m, ops, op, 1, acc, acc2)
}

fn compare_handler(l: bool, unsigned: bool, indexed: bool, from: u8) -> Handler {
    macro_rules! pick {
        ($(($l:literal, $u:literal, $x:literal))*) => {
            match (l, unsigned, indexed, from) {
                $(
                    ($l, $u, $x, 0) => compare::<$l, $u, $x, 0>,
                    ($l, $u, $x, 1) => compare::<$l, $u, $x, 1>,
                    ($l, $u, $x, _) => compare::<$l, $u, $x, 2>,
                )*
            }
        };
    }
    pick!((false, false, false)(false, false, true)(
        false, true, false
    )(false, true, true)(true, false, false)(
        true, false, true
    )(true, true, false)(true, true, true))
}

const MEM_OPS: [Mem; 16] = [
    Mem::Lbz,
    Mem::Lhz,
    Mem::Lha,
    Mem::Lwz,
    Mem::Lwa,
    Mem::Ld,
    Mem::Stb,
    Mem::Sth,
    Mem::Stw,
    Mem::Std,
    Mem::Lhbrx,
    Mem::Lwbrx,
    Mem::Ldbrx,
    Mem::Sthbrx,
    Mem::Stwbrx,
    Mem::Stdbrx,
];

/// A load or store form: `K` indexes [`MEM_OPS`], `X` indexed, `U` with update; RA,
/// RB and a store's RS are read from where `SA`, `SB` and `SD` say (see [`src`];
/// `SA` = 3: RA = 0, which reads 0).
struct Form<const K: usize, const X: bool, const U: bool, const SA: u8, const SB: u8, const SD: u8>;

/// The constants of a [`Form`], to name one with a single type parameter.
trait MemForm {
    const K: usize;
    const X: bool;
    const U: bool;
    const SA: u8;
    const SB: u8;
    const SD: u8;
}

impl<const K: usize, const X: bool, const U: bool, const SA: u8, const SB: u8, const SD: u8> MemForm
    for Form<K, X, U, SA, SB, SD>
{
    const K: usize = K;
    const X: bool = X;
    const U: bool = U;
    const SA: u8 = SA;
    const SB: u8 = SB;
    const SD: u8 = SD;
}

/// A load or store of form `F`. A load produces what it loaded; a store keeps the
/// cached values (or produces the new RA with update).
///
/// This is the path through the translation cache; a miss (or a store that needs dirty
/// or code tracking) continues in [`memory_slow`], so this one needs no stack frame.
fn memory<F: MemForm>(m: &mut Guest, ops: &Code, op: &Op, acc: u64, acc2: u64) -> usize {
    match memory_cached::<F>(&mut m.cpu, &mut m.mem, op, acc, acc2) {
        Some((acc, acc2)) => next(m, ops, op, 1, acc, acc2),
        None => memory_slow::<F>(m, ops, op, acc, acc2),
    }
}

/// The access of [`memory`] through the translation cache alone: the new cached
/// values, or `None` (nothing done) when it needs the full path.
#[inline(always)]
fn memory_cached<F: MemForm>(
    cpu: &mut CpuState,
    mem: &mut Memory,
    op: &Op,
    acc: u64,
    acc2: u64,
) -> Option<(u64, u64)> {
    access::<_, F>(cpu, &mut Cached(mem), op, acc, acc2).ok()
}

/// The load or store of `op` over `bus`, and the cached values after it.
#[inline(always)]
fn access<B: Bus, F: MemForm>(
    cpu: &mut CpuState,
    bus: &mut B,
    op: &Op,
    acc: u64,
    acc2: u64,
) -> Result<(u64, u64), B::Error> {
    let kind = MEM_OPS[F::K];
    let g = &cpu.gpr;
    let base = if F::SA == 3 {
        0
    } else {
        src(F::SA, g, op.x.b(), acc, acc2)
    };
    let offset = if F::X {
        src(F::SB, g, op.x.c(), acc, acc2)
    } else {
        op.x.imm
    };
    let ea = base.wrapping_add(offset);
    let loaded = if kind.is_store() {
        store(kind, src(F::SD, g, op.x.a(), acc, acc2), ea, bus)?;
        None
    } else {
        let v = load(kind, ea, bus)?;
        cpu.gpr[op.x.a()] = v;
        Some(v)
    };
    if F::U {
        cpu.gpr[op.x.b()] = ea;
    }
    Ok(match (loaded, F::U) {
        (Some(v), _) => push(v, acc),
        (None, true) => push(ea, acc),
        (None, false) => (acc, acc2),
    })
}

/// A load or store (without update) and the simple operation after it, in one
/// dispatch (on a miss of the translation cache the access takes its full path alone,
/// and the operation runs from its own slot).
fn memory_pair<F: MemForm, B: Step>(
    m: &mut Guest,
    ops: &Code,
    op: &Op,
    acc: u64,
    acc2: u64,
) -> usize {
    let cpu = &mut m.cpu;
    match memory_cached::<F>(cpu, &mut m.mem, op, acc, acc2) {
        Some((acc, acc2)) => {
            let v = B::step(cpu, &op.y, acc, acc2);
            next(m, ops, op, 2, v, acc)
        }
        None => memory_slow::<F>(m, ops, op, acc, acc2),
    }
}

/// [`memory`] through [`Memory`]'s full path: translation, faults, dirty and code
/// tracking (a store into decoded code leaves the block).
#[inline(never)]
fn memory_slow<F: MemForm>(m: &mut Guest, ops: &Code, op: &Op, acc: u64, acc2: u64) -> usize {
    match access_slow::<F>(m, op, acc, acc2) {
        Err(fault) => raise(m, ops, op, Exception::Fault(fault)),
        Ok(_) if MEM_OPS[F::K].is_store() && m.mem.code_written => leave(m, ops, op, 0, op.pc + 4),
        Ok((acc, acc2)) => next(m, ops, op, 1, acc, acc2),
    }
}

/// The access of [`memory_slow`], out of line: its stack frame is gone before the
/// next handler is called, so that call stays a jump.
#[inline(never)]
fn access_slow<F: MemForm>(
    m: &mut Guest,
    op: &Op,
    acc: u64,
    acc2: u64,
) -> Result<(u64, u64), crate::mem::Fault> {
    access::<Memory, F>(&mut m.cpu, &mut m.mem, op, acc, acc2)
}

fn memory_handler(
    kind: Mem,
    indexed: bool,
    update: bool,
    base: u8,
    index: u8,
    data: u8,
) -> Handler {
    let k = MEM_OPS.iter().position(|&m| m == kind);
    macro_rules! pick {
        (loads $($l:literal)* stores $($s:literal)*) => {
            match k {
                $(Some($l) => memory_form::<$l, 0>(indexed, update, base, index),)*
                $(Some($s) if data == 1 => memory_form::<$s, 1>(indexed, update, base, index),)*
                $(Some($s) => memory_form::<$s, 0>(indexed, update, base, index),)*
                _ => unreachable!("MEM_OPS lists every Mem"),
            }
        };
    }
    pick!(loads 0 1 2 3 4 5 10 11 12 stores 6 7 8 9 13 14 15)
}

/// [`memory_handler`] for one kind and store data source.
fn memory_form<const K: usize, const SD: u8>(
    indexed: bool,
    update: bool,
    base: u8,
    index: u8,
) -> Handler {
    match (indexed, update, base, index) {
        (false, true, _, _) => memory::<Form<K, false, true, 0, 0, SD>>,
        (true, true, _, _) => memory::<Form<K, true, true, 0, 0, SD>>,
        (false, false, 0, _) => memory::<Form<K, false, false, 0, 0, SD>>,
        (false, false, 1, _) => memory::<Form<K, false, false, 1, 0, SD>>,
        (false, false, 2, _) => memory::<Form<K, false, false, 2, 0, SD>>,
        (false, false, _, _) => memory::<Form<K, false, false, 3, 0, SD>>,
        (true, false, 0, 0) => memory::<Form<K, true, false, 0, 0, SD>>,
        (true, false, 0, 1) => memory::<Form<K, true, false, 0, 1, SD>>,
        (true, false, 0, _) => memory::<Form<K, true, false, 0, 2, SD>>,
        (true, false, 1, 0) => memory::<Form<K, true, false, 1, 0, SD>>,
        (true, false, 1, 1) => memory::<Form<K, true, false, 1, 1, SD>>,
        (true, false, 1, _) => memory::<Form<K, true, false, 1, 2, SD>>,
        (true, false, 2, 0) => memory::<Form<K, true, false, 2, 0, SD>>,
        (true, false, 2, 1) => memory::<Form<K, true, false, 2, 1, SD>>,
        (true, false, 2, _) => memory::<Form<K, true, false, 2, 2, SD>>,
        (true, false, _, 0) => memory::<Form<K, true, false, 3, 0, SD>>,
        (true, false, _, 1) => memory::<Form<K, true, false, 3, 1, SD>>,
        (true, false, _, _) => memory::<Form<K, true, false, 3, 2, SD>>,
    }
}

/// `b` (relative or absolute, no link); `LOOP` when it goes to the block's start.
fn jump<const LOOP: bool>(m: &mut Guest, ops: &Code, op: &Op, _: u64, _: u64) -> usize {
    if LOOP {
        loop_back::<false>(m, ops, op, 0, || op.pc + 4)
    } else {
        leave(m, ops, op, 0, op.x.imm)
    }
}

/// `bdnz` to a direct target; `LOOP` when it is the block's start.
fn decrement_branch_nonzero<const LOOP: bool>(
    m: &mut Guest,
    ops: &Code,
    op: &Op,
    _: u64,
    _: u64,
) -> usize {
    if LOOP {
        return loop_back::<true>(m, ops, op, 0, || op.pc + 4);
    }
    let cpu = &mut m.cpu;
    cpu.ctr = cpu.ctr.wrapping_sub(1);
    let to = if cpu.ctr == 0 { op.pc + 4 } else { op.x.imm };
    leave(m, ops, op, 0, to)
}

/// The `bdnz` (`D`) or `b` `k` slots after `op`, back to the block's start; `after`
/// gives the address after the branch (where `bdnz` goes when CTR runs out), read
/// only then.
#[inline(always)]
fn loop_back<const D: bool>(
    m: &mut Guest,
    ops: &Code,
    op: &Op,
    k: usize,
    after: impl FnOnce() -> u64,
) -> usize {
    if D {
        let cpu = &mut m.cpu;
        cpu.ctr = cpu.ctr.wrapping_sub(1);
        if cpu.ctr == 0 {
            return leave(m, ops, op, k, after());
        }
    }
    again(m, ops, op, k)
}

/// Any other branch: `a` BO, `b` BI, `c` target kind (direct, LR, CTR), `d` LK.
fn branch(m: &mut Guest, ops: &Code, op: &Op, _: u64, _: u64) -> usize {
    let target = match op.x.c() as u8 {
        0 => Target::Direct {
            disp: op.x.imm as i64,
            aa: true,
        },
        1 => Target::Lr,
        _ => Target::Ctr,
    };
    let to = m
        .cpu
        .branch(target, op.x.a() as u8, op.x.b() as u8, op.x.d() != 0, op.pc);
    branch_exit(m, ops, op, to)
}

fn mflr(m: &mut Guest, ops: &Code, op: &Op, acc: u64, _: u64) -> usize {
    let v = m.cpu.lr;
    m.cpu.gpr[op.x.a()] = v;
    let (acc, acc2) = push(v, acc);
    next(m, ops, op, 1, acc, acc2)
}

fn mfctr(m: &mut Guest, ops: &Code, op: &Op, acc: u64, _: u64) -> usize {
    let v = m.cpu.ctr;
    m.cpu.gpr[op.x.a()] = v;
    let (acc, acc2) = push(v, acc);
    next(m, ops, op, 1, acc, acc2)
}

fn mtlr(m: &mut Guest, ops: &Code, op: &Op, acc: u64, acc2: u64) -> usize {
    m.cpu.lr = m.cpu.gpr[op.x.a()];
    next(m, ops, op, 1, acc, acc2)
}

fn mtctr(m: &mut Guest, ops: &Code, op: &Op, acc: u64, acc2: u64) -> usize {
    m.cpu.ctr = m.cpu.gpr[op.x.a()];
    next(m, ops, op, 1, acc, acc2)
}

fn commutative_arith(op: Arith) -> bool {
    matches!(op, Arith::Add | Arith::Mulld)
}

fn commutative_logic(op: Logic) -> bool {
    matches!(op, Logic::And | Logic::Or | Logic::Xor)
}

/// The operations fused in pairs (they never fault and write one GPR).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Li,
    Addi,
    RotateMask,
    RotateWordMask,
    Add,
    Subf,
    Mulld,
    And,
    Or,
    Xor,
}

struct Li;

impl Unary for Li {
    #[inline(always)]
    fn apply(_: u64, op: &Operands) -> u64 {
        op.imm
    }
}

/// One simple operation with its sources fixed (see [`src`]): computes, stores the
/// result, returns it.
trait Step {
    fn step(cpu: &mut CpuState, op: &Operands, acc: u64, acc2: u64) -> u64;
}

struct UnStep<U, const S: u8>(std::marker::PhantomData<U>);
struct BiStep<B, const S1: u8, const S2: u8>(std::marker::PhantomData<B>);

impl<U: Unary, const S: u8> Step for UnStep<U, S> {
    #[inline(always)]
    fn step(cpu: &mut CpuState, op: &Operands, acc: u64, acc2: u64) -> u64 {
        let v = U::apply(src(S, &cpu.gpr, op.b(), acc, acc2), op);
        cpu.gpr[op.a()] = v;
        v
    }
}

impl<B: Binary, const S1: u8, const S2: u8> Step for BiStep<B, S1, S2> {
    #[inline(always)]
    fn step(cpu: &mut CpuState, op: &Operands, acc: u64, acc2: u64) -> u64 {
        let x = src(S1, &cpu.gpr, op.b(), acc, acc2);
        let y = src(S2, &cpu.gpr, op.c(), acc, acc2);
        let v = B::apply(cpu, x, y);
        cpu.gpr[op.a()] = v;
        v
    }
}

/// Two simple operations in one dispatch: the second sees the first's result as `acc`
/// and the incoming `acc` as `acc2`, as the lowering tracked.
fn pair_run<A: Step, B: Step>(m: &mut Guest, ops: &Code, op: &Op, acc: u64, acc2: u64) -> usize {
    let cpu = &mut m.cpu;
    let v1 = A::step(cpu, &op.x, acc, acc2);
    let v2 = B::step(cpu, &op.y, v1, acc);
    next(m, ops, op, 2, v2, v1)
}

/// A simple operation and the branch after it back to the block's start, in one
/// dispatch: `bdnz` when `D`, else `b`. `y.imm` is the address after the branch.
fn step_loop<A: Step, const D: bool>(
    m: &mut Guest,
    ops: &Code,
    op: &Op,
    acc: u64,
    acc2: u64,
) -> usize {
    A::step(&mut m.cpu, &op.x, acc, acc2);
    loop_back::<D>(m, ops, op, 1, || op.y.imm)
}

/// The fusable steps (kind and sources), [`step_id`] to find one, and the pair handler
/// for every ordered combination of two.
macro_rules! steps {
    ($($id:ident = ($kind:ident, $s1:literal, $s2:literal): $ty:ty),* $(,)?) => {
        #[derive(Clone, Copy)]
        enum StepId {
            $($id),*
        }

        fn step_id(kind: Kind, s1: u8, s2: u8) -> Option<StepId> {
            match (kind, s1, s2) {
                $((Kind::$kind, $s1, $s2) => Some(StepId::$id),)*
                _ => None,
            }
        }

        fn pair_handler(first: StepId, second: StepId) -> Handler {
            steps!(@first first second [$($id: $ty),*] $($id: $ty),*)
        }

        fn loop_handler(step: StepId, decrement: bool) -> Handler {
            match (step, decrement) {
                $(
                    (StepId::$id, true) => step_loop::<$ty, true>,
                    (StepId::$id, false) => step_loop::<$ty, false>,
                )*
            }
        }

        fn memory_pair_for<F: MemForm>(second: StepId) -> Handler {
            match second {
                $(StepId::$id => memory_pair::<F, $ty>,)*
            }
        }
    };
    (@first $f:ident $s:ident $all:tt $($id:ident: $ty:ty),*) => {
        match $f {
            $(StepId::$id => steps!(@second $s $ty, $all),)*
        }
    };
    (@second $s:ident $first:ty, [$($id:ident: $ty:ty),*]) => {
        match $s {
            $(StepId::$id => pair_run::<$first, $ty>,)*
        }
    };
}

steps! {
    Li0 = (Li, 0, 0): UnStep<Li, 0>,
    Addi0 = (Addi, 0, 0): UnStep<Addi, 0>,
    Addi1 = (Addi, 1, 0): UnStep<Addi, 1>,
    Addi2 = (Addi, 2, 0): UnStep<Addi, 2>,
    Rot0 = (RotateMask, 0, 0): UnStep<RotateMask, 0>,
    Rot1 = (RotateMask, 1, 0): UnStep<RotateMask, 1>,
    Rot2 = (RotateMask, 2, 0): UnStep<RotateMask, 2>,
    RotW0 = (RotateWordMask, 0, 0): UnStep<RotateWordMask, 0>,
    RotW1 = (RotateWordMask, 1, 0): UnStep<RotateWordMask, 1>,
    RotW2 = (RotateWordMask, 2, 0): UnStep<RotateWordMask, 2>,
    Add00 = (Add, 0, 0): BiStep<arith_handler::Add, 0, 0>,
    Add10 = (Add, 1, 0): BiStep<arith_handler::Add, 1, 0>,
    Add11 = (Add, 1, 1): BiStep<arith_handler::Add, 1, 1>,
    Add20 = (Add, 2, 0): BiStep<arith_handler::Add, 2, 0>,
    Add21 = (Add, 2, 1): BiStep<arith_handler::Add, 2, 1>,
    Add22 = (Add, 2, 2): BiStep<arith_handler::Add, 2, 2>,
    Mulld00 = (Mulld, 0, 0): BiStep<arith_handler::Mulld, 0, 0>,
    Mulld10 = (Mulld, 1, 0): BiStep<arith_handler::Mulld, 1, 0>,
    Mulld11 = (Mulld, 1, 1): BiStep<arith_handler::Mulld, 1, 1>,
    Mulld20 = (Mulld, 2, 0): BiStep<arith_handler::Mulld, 2, 0>,
    Mulld21 = (Mulld, 2, 1): BiStep<arith_handler::Mulld, 2, 1>,
    Mulld22 = (Mulld, 2, 2): BiStep<arith_handler::Mulld, 2, 2>,
    Subf00 = (Subf, 0, 0): BiStep<arith_handler::Subf, 0, 0>,
    Subf01 = (Subf, 0, 1): BiStep<arith_handler::Subf, 0, 1>,
    Subf02 = (Subf, 0, 2): BiStep<arith_handler::Subf, 0, 2>,
    Subf10 = (Subf, 1, 0): BiStep<arith_handler::Subf, 1, 0>,
    Subf11 = (Subf, 1, 1): BiStep<arith_handler::Subf, 1, 1>,
    Subf12 = (Subf, 1, 2): BiStep<arith_handler::Subf, 1, 2>,
    Subf20 = (Subf, 2, 0): BiStep<arith_handler::Subf, 2, 0>,
    Subf21 = (Subf, 2, 1): BiStep<arith_handler::Subf, 2, 1>,
    Subf22 = (Subf, 2, 2): BiStep<arith_handler::Subf, 2, 2>,
    And00 = (And, 0, 0): BiStep<logic_handler::And, 0, 0>,
    And10 = (And, 1, 0): BiStep<logic_handler::And, 1, 0>,
    And11 = (And, 1, 1): BiStep<logic_handler::And, 1, 1>,
    And20 = (And, 2, 0): BiStep<logic_handler::And, 2, 0>,
    And21 = (And, 2, 1): BiStep<logic_handler::And, 2, 1>,
    And22 = (And, 2, 2): BiStep<logic_handler::And, 2, 2>,
    Or00 = (Or, 0, 0): BiStep<logic_handler::Or, 0, 0>,
    Or10 = (Or, 1, 0): BiStep<logic_handler::Or, 1, 0>,
    Or11 = (Or, 1, 1): BiStep<logic_handler::Or, 1, 1>,
    Or20 = (Or, 2, 0): BiStep<logic_handler::Or, 2, 0>,
    Or21 = (Or, 2, 1): BiStep<logic_handler::Or, 2, 1>,
    Or22 = (Or, 2, 2): BiStep<logic_handler::Or, 2, 2>,
    Xor00 = (Xor, 0, 0): BiStep<logic_handler::Xor, 0, 0>,
    Xor10 = (Xor, 1, 0): BiStep<logic_handler::Xor, 1, 0>,
    Xor11 = (Xor, 1, 1): BiStep<logic_handler::Xor, 1, 1>,
    Xor20 = (Xor, 2, 0): BiStep<logic_handler::Xor, 2, 0>,
    Xor21 = (Xor, 2, 1): BiStep<logic_handler::Xor, 2, 1>,
    Xor22 = (Xor, 2, 2): BiStep<logic_handler::Xor, 2, 2>,
}

/// The memory forms that lead fused pairs ([`Form`] parameters, without update), [`mem_id`] to
/// find one, and the pair handler for a form and a step.
macro_rules! mem_forms {
    ($($id:ident = ($k:literal, $x:literal, $sa:literal, $sb:literal, $sd:literal)),* $(,)?) => {
        #[derive(Clone, Copy)]
        enum MemId {
            $($id),*
        }

        fn mem_id(kind: Mem, indexed: bool, sa: u8, sb: u8, sd: u8) -> Option<MemId> {
            let k = MEM_OPS.iter().position(|&m| m == kind)?;
            match (k, indexed, sa, sb, sd) {
                $(($k, $x, $sa, $sb, $sd) => Some(MemId::$id),)*
                _ => None,
            }
        }

        fn memory_pair_handler(mem: MemId, second: StepId) -> Handler {
            match mem {
                $(MemId::$id => memory_pair_for::<Form<$k, $x, false, $sa, $sb, $sd>>(second),)*
            }
        }
    };
}

// lwz, ld, stw, std: D-form with RA from the register file or the last result, and
// X-form with RA from the register file, the last result or 0 and RB from the register
// file or a cached result; stw and std also with the stored value the last result.
mem_forms! {
    Lwz0 = (3, false, 0, 0, 0),
    Lwz1 = (3, false, 1, 0, 0),
    Lwzx00 = (3, true, 0, 0, 0),
    Lwzx01 = (3, true, 0, 1, 0),
    Lwzx02 = (3, true, 0, 2, 0),
    Lwzx10 = (3, true, 1, 0, 0),
    Lwzx30 = (3, true, 3, 0, 0),
    Lwzx31 = (3, true, 3, 1, 0),
    Ld0 = (5, false, 0, 0, 0),
    Ld1 = (5, false, 1, 0, 0),
    Ldx00 = (5, true, 0, 0, 0),
    Ldx01 = (5, true, 0, 1, 0),
    Ldx02 = (5, true, 0, 2, 0),
    Ldx10 = (5, true, 1, 0, 0),
    Ldx30 = (5, true, 3, 0, 0),
    Ldx31 = (5, true, 3, 1, 0),
    Stw0 = (8, false, 0, 0, 0),
    Stw1 = (8, false, 1, 0, 0),
    Stwx00 = (8, true, 0, 0, 0),
    Stwx01 = (8, true, 0, 1, 0),
    Stwx02 = (8, true, 0, 2, 0),
    Stwx10 = (8, true, 1, 0, 0),
    Stwx30 = (8, true, 3, 0, 0),
    Stwx31 = (8, true, 3, 1, 0),
    Std0 = (9, false, 0, 0, 0),
    Std1 = (9, false, 1, 0, 0),
    Stdx00 = (9, true, 0, 0, 0),
    Stdx01 = (9, true, 0, 1, 0),
    Stdx02 = (9, true, 0, 2, 0),
    Stdx10 = (9, true, 1, 0, 0),
    Stdx30 = (9, true, 3, 0, 0),
    Stdx31 = (9, true, 3, 1, 0),
    Stw0d = (8, false, 0, 0, 1),
    Stwx00d = (8, true, 0, 0, 1),
    Stwx30d = (8, true, 3, 0, 1),
    Std0d = (9, false, 0, 0, 1),
    Stdx00d = (9, true, 0, 0, 1),
    Stdx30d = (9, true, 3, 0, 1),
}
