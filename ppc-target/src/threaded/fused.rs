//! Fused pairs: two simple operations, or one and a loop's branch back, in one
//! handler.

use super::*;

pub(super) struct Li;

impl Unary for Li {
    #[inline(always)]
    fn apply(_: u64, op: &Operands) -> u64 {
        op.imm
    }
}

/// One simple operation with its sources fixed (see [`src`]): computes, stores the
/// result, returns it.
pub(super) trait Step {
    fn step(cpu: &mut CpuState, op: &Operands, acc: u64, acc2: u64) -> u64;
}

pub(super) struct UnStep<U, const S: u8>(std::marker::PhantomData<U>);
pub(super) struct BiStep<B, const S1: u8, const S2: u8>(std::marker::PhantomData<B>);

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
pub(super) fn pair_run<A: Step, B: Step>(
    m: &mut Guest,
    ops: &Code,
    op: &Op,
    acc: u64,
    acc2: u64,
) -> usize {
    let cpu = &mut m.cpu;
    let v1 = A::step(cpu, &op.x, acc, acc2);
    let v2 = B::step(cpu, &op.y, v1, acc);
    next(m, ops, op, 2, v2, v1)
}

/// A simple operation and the branch after it back to the block's start, in one
/// dispatch: `bdnz` when `D`, else `b`. `y.imm` is the address after the branch.
pub(super) fn step_loop<A: Step, const D: bool>(
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
        pub(super) enum StepId {
            $($id),*
        }

        pub(super) fn step_id(kind: Kind, s1: u8, s2: u8) -> Option<StepId> {
            match (kind, s1, s2) {
                $((Kind::$kind, $s1, $s2) => Some(StepId::$id),)*
                _ => None,
            }
        }

        pub(super) fn pair_handler(first: StepId, second: StepId) -> Handler {
            steps!(@first first second [$($id: $ty),*] $($id: $ty),*)
        }

        pub(super) fn loop_handler(step: StepId, decrement: bool) -> Handler {
            match (step, decrement) {
                $(
                    (StepId::$id, true) => step_loop::<$ty, true>,
                    (StepId::$id, false) => step_loop::<$ty, false>,
                )*
            }
        }

        pub(super) fn memory_pair_for<F: MemForm>(second: StepId) -> Handler {
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
