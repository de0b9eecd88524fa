//! Handlers of the branches (loops back to the block's start run in place) and the
//! LR/CTR moves.

use super::*;

/// `b` (relative or absolute, no link); `LOOP` when it goes to the block's start.
pub(super) fn jump<const LOOP: bool>(m: &mut Guest, ops: &Code, op: &Op, _: u64, _: u64) -> usize {
    if LOOP {
        loop_back::<false>(m, ops, op, 0, || op.pc + 4)
    } else {
        leave(m, ops, op, 0, op.x.imm)
    }
}

/// `bdnz` to a direct target; `LOOP` when it is the block's start.
pub(super) fn decrement_branch_nonzero<const LOOP: bool>(
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
pub(super) fn loop_back<const D: bool>(
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
pub(super) fn branch(m: &mut Guest, ops: &Code, op: &Op, _: u64, _: u64) -> usize {
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

pub(super) fn mflr(m: &mut Guest, ops: &Code, op: &Op, acc: u64, _: u64) -> usize {
    let v = m.cpu.lr;
    m.cpu.gpr[op.x.a()] = v;
    let (acc, acc2) = push(v, acc);
    next(m, ops, op, 1, acc, acc2)
}

pub(super) fn mfctr(m: &mut Guest, ops: &Code, op: &Op, acc: u64, _: u64) -> usize {
    let v = m.cpu.ctr;
    m.cpu.gpr[op.x.a()] = v;
    let (acc, acc2) = push(v, acc);
    next(m, ops, op, 1, acc, acc2)
}

pub(super) fn mtlr(m: &mut Guest, ops: &Code, op: &Op, acc: u64, acc2: u64) -> usize {
    m.cpu.lr = m.cpu.gpr[op.x.a()];
    next(m, ops, op, 1, acc, acc2)
}

pub(super) fn mtctr(m: &mut Guest, ops: &Code, op: &Op, acc: u64, acc2: u64) -> usize {
    m.cpu.ctr = m.cpu.gpr[op.x.a()];
    next(m, ops, op, 1, acc, acc2)
}
