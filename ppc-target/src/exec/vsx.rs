//! The VSX scalar floating-point operations: the FPU's arithmetic, fused
//! multiply-adds, compares, moves and conversions on doubleword 0 of any of the 64
//! VSRs, with the FPSCR kept as the FPR instructions keep it.

use super::fp::{double_to_single, single_to_double};
use super::fpscr::{FI, FPRF};
use crate::decode::{FConv, FMove, VsxScalar};
use crate::state::CpuState;

impl CpuState {
    /// Executes a VSX scalar operation; the result goes to doubleword 0 of `xt`,
    /// doubleword 1 is cleared.
    pub(super) fn vsx_scalar(&mut self, op: VsxScalar, xt: u8, xa: u8, xb: u8) {
        let dw0 = |s: &Self, x: u8| (s.vsr(x) >> 64) as u64;
        let (a, b, t) = (dw0(self, xa), dw0(self, xb), dw0(self, xt));
        const SIGN: u64 = 1 << 63;
        let r = match op {
            VsxScalar::Arith { op, single } => {
                let r = self.farith(op, a, b, false);
                self.then_single(r, single)
            }
            // Rounded once, as fmadds (QEMU 7.2 too).
            VsxScalar::Fma { op, m, single } => {
                if m {
                    self.fma(op, a, t, b, single)
                } else {
                    self.fma(op, a, b, t, single)
                }
            }
            VsxScalar::Cmp { ordered } => {
                self.fcmp(xt >> 2, a, b, ordered, true);
                return;
            }
            VsxScalar::Move(m) => match m {
                FMove::Fmr => b,
                FMove::Fneg => b ^ SIGN,
                FMove::Fabs => b & !SIGN,
                FMove::Fnabs => b | SIGN,
                FMove::Fcpsgn => (a & SIGN) | (b & !SIGN),
            },
            // The conversions to integers leave FPRF (an invalid one included, unlike
            // fctiwz/fctidz; QEMU 7.2 does the same); the word result of xscvdpsxws is
            // replicated into both words (POWER9 and QEMU 7.2 do).
            VsxScalar::Conv(c @ (FConv::Fctiwz | FConv::Fctidz)) => {
                let fprf = self.fpu.fpscr & FPRF;
                let r = self.fconv(c, b);
                self.fpu.fpscr = (self.fpu.fpscr & !FPRF) | fprf;
                if c == FConv::Fctiwz {
                    (r & 0xFFFF_FFFF) << 32 | (r & 0xFFFF_FFFF)
                } else {
                    r
                }
            }
            VsxScalar::Conv(c) => self.fconv(c, b),
            VsxScalar::Sqrt { single } => {
                let r = self.fsqrt(b, false);
                self.then_single(r, single)
            }
            VsxScalar::ToSingle => {
                let w = double_to_single(self.fconv(FConv::Frsp, b));
                // FPRF classifies the single-precision result (frsp's, the double
                // one): a single denormal is a denormal here.
                if w & 0x7F80_0000 == 0 && w & 0x007F_FFFF != 0 {
                    let class = if w >> 31 != 0 { 0x18 } else { 0x14 };
                    self.fpu.fpscr = (self.fpu.fpscr & !FPRF) | class << 12;
                }
                u64::from(w) << 32 | u64::from(w)
            }
            // Widening is exact: rounding the widened value to single precision sets
            // the status (FPRF, VXSNAN with the NaN quieted) and changes nothing else.
            VsxScalar::FromSingle => self.fconv(FConv::Frsp, single_to_double((b >> 32) as u32)),
            VsxScalar::ToSingleQuiet => {
                let w = double_to_single(b);
                u64::from(w) << 32 | u64::from(w)
            }
            VsxScalar::FromSingleQuiet => single_to_double((b >> 32) as u32),
            VsxScalar::Estimate { sqrt, single } => {
                let r = self.estimate(b, sqrt, false);
                self.then_single(r, single)
            }
            VsxScalar::MaxMin { max } => {
                let kept = self.fpu.fpscr & (FPRF | FI);
                let r = self.max_min(a, b, max);
                self.fpu.fpscr = (self.fpu.fpscr & !(FPRF | FI)) | kept;
                r
            }
        };
        self.set_vsr(xt, u128::from(r) << 64);
    }

    /// The single-precision arithmetic and square root round the double-precision
    /// result again (QEMU 7.2's `xs{add,sub,mul,div,sqrt}sp`: two roundings, unlike
    /// `fadds` and the fused multiply-adds); FI tells whether either was inexact.
    fn then_single(&mut self, r: u64, single: bool) -> u64 {
        if !single {
            return r;
        }
        let fi = self.fpu.fpscr & FI;
        let r = self.fconv(FConv::Frsp, r);
        self.fpu.fpscr |= fi;
        r
    }
}
