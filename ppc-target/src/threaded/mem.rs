//! Handlers of the loads and stores (with their cached-translation fast path) and
//! the memory forms that lead fused pairs.

use super::*;

pub(super) const MEM_OPS: [Mem; 18] = [
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
    Mem::Lhabr,
    Mem::Lwabr,
];

/// A load or store form: `K` indexes [`MEM_OPS`], `X` indexed, `U` with update; RA,
/// RB and a store's RS are read from where `SA`, `SB` and `SD` say (see [`src`];
/// `SA` = 3: RA = 0, which reads 0).
pub(super) struct Form<
    const K: usize,
    const X: bool,
    const U: bool,
    const SA: u8,
    const SB: u8,
    const SD: u8,
>;

/// The constants of a [`Form`], to name one with a single type parameter.
pub(super) trait MemForm {
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
pub(super) fn memory<F: MemForm>(m: &mut Guest, ops: &Code, op: &Op, acc: u64, acc2: u64) -> usize {
    match memory_cached::<F>(&mut m.cpu, &mut m.mem, op, acc, acc2) {
        Some((acc, acc2)) => next(m, ops, op, 1, acc, acc2),
        None => memory_slow::<F>(m, ops, op, acc, acc2),
    }
}

/// The access of [`memory`] through the translation cache alone: the new cached
/// values, or `None` (nothing done) when it needs the full path.
#[inline(always)]
pub(super) fn memory_cached<F: MemForm>(
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
pub(super) fn access<B: Bus, F: MemForm>(
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
pub(super) fn memory_pair<F: MemForm, B: Step>(
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
pub(super) fn memory_slow<F: MemForm>(
    m: &mut Guest,
    ops: &Code,
    op: &Op,
    acc: u64,
    acc2: u64,
) -> usize {
    match access_slow::<F>(m, op, acc, acc2) {
        Err(fault) => raise(m, ops, op, Exception::Fault(fault)),
        Ok(_) if MEM_OPS[F::K].is_store() && m.mem.code_written => leave(m, ops, op, 0, op.pc + 4),
        Ok((acc, acc2)) => next(m, ops, op, 1, acc, acc2),
    }
}

/// The access of [`memory_slow`], out of line: its stack frame is gone before the
/// next handler is called, so that call stays a jump.
#[inline(never)]
pub(super) fn access_slow<F: MemForm>(
    m: &mut Guest,
    op: &Op,
    acc: u64,
    acc2: u64,
) -> Result<(u64, u64), crate::mem::Fault> {
    access::<Memory, F>(&mut m.cpu, &mut m.mem, op, acc, acc2)
}

pub(super) fn memory_handler(
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
    pick!(loads 0 1 2 3 4 5 10 11 12 16 17 stores 6 7 8 9 13 14 15)
}

/// [`memory_handler`] for one kind and store data source.
pub(super) fn memory_form<const K: usize, const SD: u8>(
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

/// The memory forms that lead fused pairs ([`Form`] parameters, without update), [`mem_id`] to
/// find one, and the pair handler for a form and a step.
macro_rules! mem_forms {
    ($($id:ident = ($k:literal, $x:literal, $sa:literal, $sb:literal, $sd:literal)),* $(,)?) => {
        #[derive(Clone, Copy)]
        pub(super) enum MemId {
            $($id),*
        }

        pub(super) fn mem_id(kind: Mem, indexed: bool, sa: u8, sb: u8, sd: u8) -> Option<MemId> {
            let k = MEM_OPS.iter().position(|&m| m == kind)?;
            match (k, indexed, sa, sb, sd) {
                $(($k, $x, $sa, $sb, $sd) => Some(MemId::$id),)*
                _ => None,
            }
        }

        pub(super) fn memory_pair_handler(mem: MemId, second: StepId) -> Handler {
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
