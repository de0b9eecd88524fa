//! Handlers of the fixed-point operations and compares.

use super::*;

pub(super) fn li(m: &mut Guest, ops: &Code, op: &Op, acc: u64, _: u64) -> usize {
    m.cpu.gpr[op.x.a()] = op.x.imm;
    let (acc, acc2) = push(op.x.imm, acc);
    next(m, ops, op, 1, acc, acc2)
}

/// An operation `a ← f(b)` with an immediate, a shift count, or both.
pub(super) trait Unary {
    fn apply(x: u64, op: &Operands) -> u64;
}

pub(super) struct Addi;
pub(super) struct Ori;
pub(super) struct Xori;
pub(super) struct RotateMask;
pub(super) struct RotateWordMask;

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
pub(super) fn single<A: Step>(m: &mut Guest, ops: &Code, op: &Op, acc: u64, acc2: u64) -> usize {
    let v = A::step(&mut m.cpu, &op.x, acc, acc2);
    next(m, ops, op, 1, v, acc)
}

pub(super) fn unary<U: Unary>(from: u8) -> Handler {
    match from {
        0 => single::<UnStep<U, 0>>,
        1 => single::<UnStep<U, 1>>,
        _ => single::<UnStep<U, 2>>,
    }
}

/// An operation `a ← f(b, c)` that may update XER (carry) through the CPU.
pub(super) trait Binary {
    fn apply(cpu: &mut CpuState, x: u64, y: u64) -> u64;
}

pub(super) fn binary<B: Binary>(s1: u8, s2: u8) -> Handler {
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
        pub(super) mod $pick {
            $(pub(in crate::threaded) struct $kind;)*
        }
        $(
            impl Binary for $pick::$kind {
                #[inline(always)]
                fn apply(cpu: &mut CpuState, x: u64, y: u64) -> u64 {
                    cpu.$method($enum::$kind, x, y)
                }
            }
        )*
        pub(super) fn $pick(kind: $enum, s1: u8, s2: u8) -> Option<Handler> {
            match kind {
                $($enum::$kind => Some(binary::<$pick::$kind>(s1, s2)),)*
                _ => None,
            }
        }
    };
}

/// `arith` without overflow recording.
pub(super) trait ArithNoOe {
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
pub(super) fn compare<const L: bool, const U: bool, const X: bool, const S: u8>(
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

pub(super) fn compare_handler(l: bool, unsigned: bool, indexed: bool, from: u8) -> Handler {
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
