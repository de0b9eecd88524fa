//! The VSX scalar floating-point operations: the FPU's arithmetic, fused
//! multiply-adds, compares, moves and conversions on doubleword 0 of any of the 64
//! VSRs, with the FPSCR kept as the FPR instructions keep it.

use super::fp::{double_to_single, single_to_double};
use super::fpscr::{FI, FPRF, FR, OX, UX};
use crate::decode::{FArith, FConv, FMove, VecConv, VsxOp, VsxScalar};
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

    /// A vector floating-point operation ([`VsxOp::FArith`], [`VsxOp::Fma`],
    /// [`VsxOp::Convert`]) on `a`, `b` and the target's old value `t`: each element
    /// through the scalar unit, the exception bits gathered; FPRF, FR and FI stay as
    /// they were (the vector forms do not set them).
    pub(super) fn vector_fp(&mut self, op: VsxOp, a: u128, b: u128, t: u128) -> u128 {
        let mut kept = self.fpu.fpscr & (FPRF | FR | FI);
        // An invalid operation (a NaN from no NaN) or a zero divide clears FR and FI,
        // as in the scalar forms.
        let mut invalid = |inputs: &[u64], r: u64, zero_divide: bool| {
            let nan = |v: u64| f64::from_bits(v).is_nan();
            if (nan(r) && !inputs.iter().any(|&v| nan(v))) || zero_divide {
                kept &= !(FR | FI);
            }
        };
        let zdiv = |op: FArith, x: u64, y: u64| {
            let (x, y) = (f64::from_bits(x), f64::from_bits(y));
            op == FArith::Div && y == 0.0 && x.is_finite() && x != 0.0
        };
        let dws = |v: u128| [(v >> 64) as u64, v as u64];
        let words = |v: u128| {
            [
                (v >> 96) as u32,
                (v >> 64) as u32,
                (v >> 32) as u32,
                v as u32,
            ]
        };
        let from_dws = |d: [u64; 2]| u128::from(d[0]) << 64 | u128::from(d[1]);
        let from_words = |w: [u32; 4]| w.iter().fold(0u128, |acc, &x| acc << 32 | u128::from(x));
        // A word's single as a double, and back (exact both ways for a single result).
        let wide = |w: u32| single_to_double(w);
        // QEMU 7.2 checks the elements' status once, overflow before underflow: an
        // overflow in one element hides an underflow in another.
        let prior = self.fpu.fpscr & (OX | UX);
        let mut raised = 0u64;
        macro_rules! el {
            ($e:expr) => {{
                self.fpu.fpscr &= !(OX | UX);
                let r = $e;
                raised |= self.fpu.fpscr & (OX | UX);
                r
            }};
        }
        let r = match op {
            VsxOp::FArith { op, single: false } => {
                let (a, b) = (dws(a), dws(b));
                from_dws([0, 1].map(|i| {
                    let r = el!(self.farith(op, a[i], b[i], false));
                    invalid(&[a[i], b[i]], r, zdiv(op, a[i], b[i]));
                    r
                }))
            }
            VsxOp::FArith { op, single: true } => {
                let (a, b) = (words(a), words(b));
                from_words([0, 1, 2, 3].map(|i| {
                    let (x, y) = (wide(a[i]), wide(b[i]));
                    let r = el!(self.farith(op, x, y, true));
                    invalid(&[x, y], r, zdiv(op, x, y));
                    double_to_single(r)
                }))
            }
            VsxOp::Fma {
                op,
                m,
                single: false,
            } => {
                let (a, b, t) = (dws(a), dws(b), dws(t));
                from_dws([0, 1].map(|i| {
                    let r = if m {
                        el!(self.fma(op, a[i], t[i], b[i], false))
                    } else {
                        el!(self.fma(op, a[i], b[i], t[i], false))
                    };
                    invalid(&[a[i], b[i], t[i]], r, false);
                    r
                }))
            }
            VsxOp::Fma {
                op,
                m,
                single: true,
            } => {
                let (a, b, t) = (words(a), words(b), words(t));
                from_words([0, 1, 2, 3].map(|i| {
                    let (x, y, z) = (wide(a[i]), wide(b[i]), wide(t[i]));
                    let r = if m {
                        el!(self.fma(op, x, z, y, true))
                    } else {
                        el!(self.fma(op, x, y, z, true))
                    };
                    invalid(&[x, y, z], r, false);
                    double_to_single(r)
                }))
            }
            VsxOp::Convert(c) => {
                let (bw, bd) = (words(b), dws(b));
                match c {
                    VecConv::WordsToDouble { signed } => from_dws([0, 2].map(|i| {
                        let v = if signed {
                            bw[i] as i32 as f64
                        } else {
                            f64::from(bw[i])
                        };
                        v.to_bits()
                    })),
                    VecConv::WordsToSingle { signed } => from_words(bw.map(|w| {
                        let v = if signed {
                            w as i32 as i64
                        } else {
                            i64::from(w)
                        };
                        let d = el!(self.fconv(FConv::Fcfid, v as u64));
                        double_to_single(el!(self.fconv(FConv::Frsp, d)))
                    })),
                    VecConv::DoublewordsToDouble { signed } => from_dws(bd.map(|d| {
                        if signed {
                            el!(self.fconv(FConv::Fcfid, d))
                        } else {
                            el!(self.fcfidu(d))
                        }
                    })),
                    VecConv::SingleToDouble => {
                        from_dws([0, 2].map(|i| el!(self.fconv(FConv::Frsp, wide(bw[i])))))
                    }
                    VecConv::DoubleToSingle => {
                        let s = bd.map(|d| double_to_single(el!(self.fconv(FConv::Frsp, d))));
                        from_words([s[0], s[0], s[1], s[1]])
                    }
                }
            }
            _ => unreachable!("vector floating-point operations only"),
        };
        let ux = if raised & OX != 0 { 0 } else { raised & UX };
        self.fpu.fpscr =
            (self.fpu.fpscr & !(FPRF | FR | FI | OX | UX)) | kept | prior | (raised & OX) | ux;
        r
    }

    /// An unsigned doubleword to double precision, rounded per FPSCR\[RN\] (XX when
    /// inexact).
    fn fcfidu(&mut self, d: u64) -> u64 {
        if d >> 63 == 0 {
            return self.fconv(FConv::Fcfid, d);
        }
        // Halve with the lost bit kept sticky: rounding the half once, then doubling,
        // rounds the whole once (no overflow is possible).
        let half = self.fconv(FConv::Fcfid, (d >> 1) | (d & 1));
        (f64::from_bits(half) * 2.0).to_bits()
    }
}
