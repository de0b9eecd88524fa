//! Lowering a decoded block to threaded code: picking each instruction's handler
//! variant and fusing pairs.

use super::*;

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
pub(super) enum Cache {
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

pub(super) fn commutative_arith(op: Arith) -> bool {
    matches!(op, Arith::Add | Arith::Mulld)
}

pub(super) fn commutative_logic(op: Logic) -> bool {
    matches!(op, Logic::And | Logic::Or | Logic::Xor)
}

/// The operations fused in pairs (they never fault and write one GPR).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
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
