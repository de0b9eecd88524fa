//! Floating-point execution: arithmetic, fused multiply-adds, square roots, estimates
//! and compares with their exact FPSCR effects (inexact, rounding direction, invalid
//! operations, FPRF), and the FP loads and stores (the conversions are in `fconv`).

use super::fpscr::Rounding;
use crate::decode::{FArith, FMem, FmaOp};
use crate::mem::{Fault, Memory};
use crate::state::CpuState;

impl CpuState {
    /// Double-precision add/sub/mul/div with the FPSCR status QEMU 7.2 computes:
    /// invalid-operation bits, OX/UX/XX/ZX, FI, FPRF, and the FX/VX summaries (all
    /// exceptions disabled: results are always written).
    pub(super) fn farith(&mut self, op: FArith, a: u64, b: u64, single: bool) -> u64 {
        use super::fpscr::*;
        let (x, y) = (f64::from_bits(a), f64::from_bits(b));
        let mut set = 0u64;
        if is_snan(a) || is_snan(b) {
            set |= VXSNAN;
        }
        let result = if x.is_nan() || y.is_nan() {
            // The first NaN operand, quieted.
            let n = if x.is_nan() { a } else { b };
            quiet(n, single)
        } else {
            let invalid = match op {
                FArith::Add => {
                    x.is_infinite()
                        && y.is_infinite()
                        && x.is_sign_negative() != y.is_sign_negative()
                }
                FArith::Sub => {
                    x.is_infinite()
                        && y.is_infinite()
                        && x.is_sign_negative() == y.is_sign_negative()
                }
                FArith::Mul => (x == 0.0 && y.is_infinite()) || (x.is_infinite() && y == 0.0),
                FArith::Div => (x == 0.0 && y == 0.0) || (x.is_infinite() && y.is_infinite()),
            };
            if invalid {
                set |= match op {
                    FArith::Add | FArith::Sub => VXISI,
                    FArith::Mul => VXIMZ,
                    FArith::Div if x == 0.0 => VXZDZ,
                    FArith::Div => VXIDI,
                };
                0x7FF8_0000_0000_0000
            } else {
                let r = match op {
                    FArith::Add => x + y,
                    FArith::Sub => x - y,
                    FArith::Mul => x * y,
                    FArith::Div => x / y,
                };
                if op == FArith::Div && y == 0.0 && x.is_finite() {
                    set |= ZX;
                }
                let finite_in = x.is_finite() && y.is_finite() && !(op == FArith::Div && y == 0.0);
                let dir = if finite_in && r.is_finite() {
                    exact_dir(op, x, y, r)
                } else {
                    std::cmp::Ordering::Equal
                };
                let r = match op {
                    FArith::Add => self.zero_sum(r, dir, x, y),
                    FArith::Sub => self.zero_sum(r, dir, x, -y),
                    _ => r,
                };
                if single {
                    return self.finish_single(r, dir, finite_in, set);
                }
                return self.finish_double(r, dir, finite_in, set);
            }
        };
        self.arith_status(set, result)
    }

    /// `fsqrt`: a NaN propagates (quieted), a negative operand is invalid (VXSQRT).
    pub(super) fn fsqrt(&mut self, b: u64, single: bool) -> u64 {
        use super::fpscr::*;
        use std::cmp::Ordering;
        let x = f64::from_bits(b);
        let mut set = 0;
        if is_snan(b) {
            set |= VXSNAN;
        }
        let result = if x.is_nan() {
            quiet(b, single)
        } else if x < 0.0 {
            set |= VXSQRT;
            0x7FF8_0000_0000_0000
        } else {
            let r = x.sqrt();
            // The exact root against r: x against r², exactly.
            let dir = if !r.is_finite() || x == 0.0 {
                Ordering::Equal
            } else {
                exact_cmp(r, r, x).reverse()
            };
            let finite_in = x.is_finite();
            if single {
                return self.finish_single(r, dir, finite_in, set);
            }
            return self.finish_double(r, dir, finite_in, set);
        };
        self.arith_status(set, result)
    }

    /// `fre[s]` and `frsqrte[s]` as QEMU 7.2 computes them: 1/b (rounded once; a zero
    /// divide gives ±0.5, not ±∞), or √b rounded to double and then 1/√b rounded (FI and
    /// the status of both steps).
    pub(super) fn fre(&mut self, b: u64, single: bool, sqrt: bool) -> u64 {
        use super::fpscr::*;
        const ONE: u64 = 0x3FF0_0000_0000_0000;
        if sqrt {
            let root = self.fsqrt(b, false);
            let fi = self.fpu.fpscr & FI;
            let r = self.farith(FArith::Div, ONE, root, single);
            self.fpu.fpscr |= fi;
            return r;
        }
        let r = self.farith(FArith::Div, ONE, b, single);
        if b << 1 == 0 {
            let half = 0x3FE0_0000_0000_0000 | (b & 1 << 63);
            self.fpu.fpscr = (self.fpu.fpscr & !FPRF) | fprf(half) << 12;
            return half;
        }
        r
    }

    /// The fused multiply-adds: one rounding of ±((a × c) ± b).
    pub(super) fn fma(&mut self, op: FmaOp, a: u64, c: u64, b: u64, single: bool) -> u64 {
        use super::fpscr::*;
        use std::cmp::Ordering;
        let (x, z, y) = (f64::from_bits(a), f64::from_bits(c), f64::from_bits(b));
        let y = if matches!(op, FmaOp::Msub | FmaOp::Nmsub) {
            -y
        } else {
            y
        };
        let negate = matches!(op, FmaOp::Nmadd | FmaOp::Nmsub);
        let mut set = 0;
        if is_snan(a) || is_snan(b) || is_snan(c) {
            set |= VXSNAN;
        }
        // ∞ × 0 is invalid even when FRB is a NaN (which is then the result).
        let infzero = (x.is_infinite() && z == 0.0) || (x == 0.0 && z.is_infinite());
        if infzero {
            set |= VXIMZ;
        }
        let result = if x.is_nan() || y.is_nan() || z.is_nan() {
            // The first NaN of FRA, FRB, FRC, quieted (and not negated).
            let n = if x.is_nan() {
                a
            } else if y.is_nan() {
                b
            } else {
                c
            };
            quiet(n, single)
        } else if infzero {
            0x7FF8_0000_0000_0000
        } else if (x * z).is_infinite()
            && y.is_infinite()
            && (x * z).is_sign_negative() != y.is_sign_negative()
            && x.is_infinite() | z.is_infinite()
        {
            set |= VXISI;
            0x7FF8_0000_0000_0000
        } else {
            let r = x.mul_add(z, y);
            let finite_in = x.is_finite() && y.is_finite() && z.is_finite();
            // The exact a·c + b against r, in exact integer arithmetic.
            let dir = if finite_in && r.is_finite() {
                match fma_residual(x, z, y, r) {
                    Ordering::Equal => Ordering::Equal,
                    // A result that underflowed to zero is below the exact one.
                    _ if r == 0.0 => Ordering::Greater,
                    o if (o == Ordering::Greater) == (r > 0.0) => Ordering::Greater,
                    _ => Ordering::Less,
                }
            } else {
                Ordering::Equal
            };
            let product = if (x.is_sign_negative() != z.is_sign_negative()) && x * z == 0.0 {
                -0.0
            } else {
                x * z
            };
            let r = self.zero_sum(r, dir, product, y);
            let r = if negate { -r } else { r };
            if single {
                return self.finish_single(r, dir, finite_in, set);
            }
            return self.finish_double(r, dir, finite_in, set);
        };
        self.arith_status(set, result)
    }

    /// A double-precision result `r` rounded to nearest (`dir`: the exact magnitude
    /// against |r|), rounded as FPSCR\[RN\] says: overflow, inexact and underflow, then
    /// [`Self::arith_status`].
    fn finish_double(
        &mut self,
        r: f64,
        dir: std::cmp::Ordering,
        finite_in: bool,
        mut set: u64,
    ) -> u64 {
        use super::fpscr::*;
        use std::cmp::Ordering;
        let overflow = finite_in && r.is_infinite();
        // Tininess is judged before rounding (as QEMU does for POWER).
        let m = r.abs();
        let tiny = m < f64::MIN_POSITIVE || (m == f64::MIN_POSITIVE && dir == Ordering::Less);
        let (r, dir) = directed(r, dir, self.rounding(), finite_in);
        if overflow {
            set |= OX | XX;
        } else if finite_in && dir.is_ne() {
            set |= XX;
            if tiny {
                set |= UX;
            }
        }
        self.arith_status(set, r.to_bits())
    }

    /// An exact zero sum's sign: `+0` to nearest, but `-0` rounding down unless both
    /// addends are `+0` (IEEE 754 §6.3); `r` is the host's (nearest) result.
    fn zero_sum(&self, r: f64, dir: std::cmp::Ordering, a: f64, b: f64) -> f64 {
        let both_plus_zero = a == 0.0 && b == 0.0 && a.is_sign_positive() && b.is_sign_positive();
        if r == 0.0 && dir.is_eq() && self.rounding() == Rounding::Down && !both_plus_zero {
            -0.0
        } else {
            r
        }
    }

    /// FPSCR after an arithmetic result: FI, the sticky bits in `set`, FX, VX, FPRF.
    fn arith_status(&mut self, set: u64, result: u64) -> u64 {
        use super::fpscr::*;
        // FI reflects this operation only (a NaN or invalid result is exact); an
        // invalid operation or a division by zero also clears FR (QEMU never sets it).
        if set & XX == 0 {
            self.fpu.fpscr &= !FI;
        } else {
            self.fpu.fpscr |= FI;
        }
        // QEMU clears FR (and FI) for the arithmetic invalid operations and zero
        // divides, not for a signalling NaN alone.
        if set & (VXISI | VXIDI | VXZDZ | VXIMZ | VXSQRT | VXCVI | ZX) != 0 {
            self.fpu.fpscr &= !FR;
        }
        // QEMU sets FX with every exception it records, new or not.
        self.fpu.fpscr |= set;
        if set != 0 {
            self.fpu.fpscr |= FX;
        }
        if self.fpu.fpscr & VX_ALL != 0 {
            self.fpu.fpscr |= VX;
        }
        self.fpu.fpscr = (self.fpu.fpscr & !FPRF) | fprf(result) << 12;
        result
    }

    /// Rounds an exact result once to single precision: `r` is its double-precision
    /// rounding and `dir` how the exact magnitude compares with |r| (see [`exact_dir`]),
    /// which settles the double-rounding midpoints.
    fn finish_single(&mut self, r: f64, dir: std::cmp::Ordering, finite_in: bool, set: u64) -> u64 {
        let (result, flags) = self.round_single(r, dir, finite_in);
        self.arith_status(set | flags, result.to_bits())
    }

    /// [`Self::finish_single`]'s rounding: the single (as a double) and the exception
    /// bits it raises (OX, UX, XX).
    pub(super) fn round_single(
        &self,
        r: f64,
        dir: std::cmp::Ordering,
        finite_in: bool,
    ) -> (f64, u64) {
        let mut set = 0;
        use super::fpscr::*;
        use std::cmp::Ordering;
        let m = r.abs();
        let mode = self.rounding();
        let min = f64::from(f32::MIN_POSITIVE);
        let tiny = m < min || (m == min && dir == Ordering::Less);
        let overflow = finite_in && (r.is_infinite() || (m as f32).is_infinite());
        // The single below or at m, and how the exact magnitude compares with it.
        let below = |m: f64| {
            let s = m as f32;
            if f64::from(s) > m {
                f32::from_bits(s.to_bits() - 1)
            } else {
                s
            }
        };
        let (s, dir) = if !finite_in || m.is_nan() {
            (m as f32, Ordering::Equal)
        } else if mode == Rounding::Nearest {
            let mut s = m as f32;
            if m.is_finite() && dir != Ordering::Equal {
                // Bracket m between adjacent singles lo <= m < hi.
                let lo = below(m);
                let hi = f32::from_bits(lo.to_bits() + 1);
                let ulp = if lo == f32::MAX {
                    2f64.powi(104)
                } else {
                    f64::from(hi) - f64::from(lo)
                };
                if m == f64::from(lo) + ulp / 2.0 {
                    s = if dir == Ordering::Greater { hi } else { lo };
                }
            }
            let d = if f64::from(s) == m {
                dir
            } else {
                m.partial_cmp(&f64::from(s)).unwrap_or(Ordering::Equal)
            };
            (s, d)
        } else {
            let away = mode.away(r.is_sign_negative());
            let lo = if m.is_infinite() { f32::MAX } else { below(m) };
            let vs_lo = if f64::from(lo) == m {
                dir
            } else {
                Ordering::Greater
            };
            match vs_lo {
                Ordering::Equal => (lo, Ordering::Equal),
                Ordering::Greater if away => (f32::from_bits(lo.to_bits() + 1), Ordering::Less),
                Ordering::Greater => (lo, Ordering::Greater),
                Ordering::Less if away => (lo, Ordering::Less),
                Ordering::Less => (f32::from_bits(lo.to_bits() - 1), Ordering::Greater),
            }
        };
        let s = if r.is_sign_negative() { -s } else { s };
        let result = f64::from(s);
        if finite_in {
            if overflow {
                set |= OX | XX;
            } else if dir != Ordering::Equal {
                set |= XX;
                if tiny {
                    set |= UX;
                }
            }
        }
        (result, set)
    }

    /// Sets exception bits the way QEMU does: sticky bits, FX, and the VX summary.
    pub(super) fn fp_raise(&mut self, set: u64) {
        use super::fpscr::*;
        if set != 0 {
            self.fpu.fpscr |= set | FX;
        }
        if self.fpu.fpscr & VX_ALL != 0 {
            self.fpu.fpscr |= VX;
        }
    }

    /// An invalid compare or conversion with VE clear reports "quiet NaN" (C ‖ FU)
    /// in FPRF, as QEMU does.
    pub(super) fn invalid_fprf(&mut self) {
        use super::fpscr::*;
        if self.fpu.fpscr & VE == 0 {
            self.fpu.fpscr = (self.fpu.fpscr & !FPRF) | fprf(0x7FF8_0000_0000_0000) << 12;
        }
    }

    /// `fcmpu`/`fcmpo` (`vsx` false) and `xscmpudp`/`xscmpodp` (`vsx`): the VSX
    /// compares leave FI, and an unordered `xscmpodp` leaves FPRF's class, as QEMU 7.2
    /// does.
    pub(super) fn fcmp(&mut self, bf: u8, a: u64, b: u64, ordered: bool, vsx: bool) {
        use super::fpscr::*;
        let (x, y) = (f64::from_bits(a), f64::from_bits(b));
        let c: u32 = if x.is_nan() || y.is_nan() {
            1
        } else if x < y {
            8
        } else if x > y {
            4
        } else {
            2
        };
        // A comparison is never inexact: FI is cleared, FPCC takes the result.
        let fi = if vsx { 0 } else { FI };
        self.fpu.fpscr = (self.fpu.fpscr & !(0xF << 12) & !fi) | u64::from(c) << 12;
        self.crf[(bf & 7) as usize] = c;
        if c == 1 {
            let snan = is_snan(a) || is_snan(b);
            let mut set = if snan { VXSNAN } else { 0 };
            if ordered {
                set |= VXVC;
                if !vsx {
                    self.invalid_fprf();
                }
            }
            self.fp_raise(set);
        }
    }

    pub(super) fn fp_memory(
        &mut self,
        op: FMem,
        frt: u8,
        ea: u64,
        mem: &mut Memory,
    ) -> Result<(), Fault> {
        let f = (frt & 31) as usize;
        match op {
            FMem::Lfd => {
                let v = u64::from_be_bytes(self.read_data(mem, ea)?);
                self.set_fpr(f, v)
            }
            FMem::Lfs => {
                let w = u32::from_be_bytes(self.read_data(mem, ea)?);
                self.set_fpr(f, single_to_double(w))
            }
            FMem::Lfiwax => {
                let w = i32::from_be_bytes(self.read_data(mem, ea)?);
                self.set_fpr(f, w as i64 as u64)
            }
            FMem::Lfiwzx => {
                let w = u32::from_be_bytes(self.read_data(mem, ea)?);
                self.set_fpr(f, u64::from(w))
            }
            FMem::Stfd => self.write_data(mem, ea, self.fpu.fpr[f].0.to_be_bytes())?,
            FMem::Stfs => {
                let w = double_to_single(self.fpu.fpr[f].0);
                self.write_data(mem, ea, w.to_be_bytes())?
            }
            FMem::Stfiwx => self.write_data(mem, ea, (self.fpu.fpr[f].0 as u32).to_be_bytes())?,
        }
        Ok(())
    }
}

/// `lfs`: the single-precision bit pattern widened to double precision, as the ISA's
/// load conversion specifies (exact; denormals normalized, NaNs keep their payload).
pub(super) fn single_to_double(w: u32) -> u64 {
    let sign = u64::from(w >> 31) << 63;
    let exp = (w >> 23) & 0xFF;
    let frac = u64::from(w & 0x7F_FFFF);
    match exp {
        0xFF => sign | 0x7FF0_0000_0000_0000 | frac << 29,
        0 if frac == 0 => sign,
        0 => {
            // Denormal: normalize.
            let shift = frac.leading_zeros() - 40; // bits to bring the top 1 to bit 23
            let frac = (frac << shift) & 0x7F_FFFF;
            let exp = 1023 - 126 - u64::from(shift);
            sign | exp << 52 | frac << 29
        }
        e => sign | (u64::from(e) + 1023 - 127) << 52 | frac << 29,
    }
}

/// `stfs`: the ISA's store conversion, which truncates (no rounding) and denormalizes
/// values below the single-precision normal range.
pub(super) fn double_to_single(d: u64) -> u32 {
    let sign = ((d >> 63) as u32) << 31;
    let exp = ((d >> 52) & 0x7FF) as i64;
    let frac = d & 0x000F_FFFF_FFFF_FFFF;
    if exp > 896 || exp == 0x7FF {
        // Normal single range, infinities and NaNs: bits 0-1 and 5-34 of the double.
        return sign | (((d >> 62) & 1) as u32) << 30 | ((d >> 29) & 0x3FFF_FFFF) as u32;
    }
    if exp >= 874 {
        // Denormalize: the implicit 1 and the fraction shifted right.
        let mant = (1u64 << 52) | frac;
        let shift = 29 + (897 - exp) as u32;
        return sign | (mant >> shift) as u32;
    }
    sign
}

/// Whether a double is a signaling NaN.
pub(super) fn is_snan(v: u64) -> bool {
    v & 0x7FF8_0000_0000_0000 == 0x7FF0_0000_0000_0000 && v & 0x000F_FFFF_FFFF_FFFF != 0
}

/// The FPRF class code of a double (C ‖ FPCC).
pub(super) fn fprf(bits: u64) -> u64 {
    let v = f64::from_bits(bits);
    let neg = bits >> 63 == 1;
    match v.classify() {
        std::num::FpCategory::Nan => 0x11,
        std::num::FpCategory::Infinite => {
            if neg {
                0x09
            } else {
                0x05
            }
        }
        std::num::FpCategory::Zero => {
            if neg {
                0x12
            } else {
                0x02
            }
        }
        std::num::FpCategory::Subnormal => {
            if neg {
                0x18
            } else {
                0x14
            }
        }
        std::num::FpCategory::Normal => {
            if neg {
                0x08
            } else {
                0x04
            }
        }
    }
}

/// Whether `x * y` differs from `r` as exact real numbers (magnitudes), computed on the
/// integer significands: the residual tricks fail when the residual underflows.
/// How the exact magnitude of `x op y` compares with |r|, its double-precision
/// rounding (finite operands and `r`): from error-free transformations — TwoSum for
/// add/sub, an exact product compare for mul/div.
fn exact_dir(op: FArith, x: f64, y: f64, r: f64) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match op {
        FArith::Add | FArith::Sub => {
            let y2 = if op == FArith::Sub { -y } else { y };
            let bv = r - x;
            let av = r - bv;
            let err = (x - av) + (y2 - bv);
            if err == 0.0 || r == 0.0 {
                Ordering::Equal
            } else if (err > 0.0) == (r > 0.0) {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
        // |x·y| against |r|.
        FArith::Mul => exact_cmp(x, y, r),
        // |x/y| against |r| is |x| against |r·y|.
        FArith::Div => exact_cmp(r, y, x).reverse(),
    }
}

/// A NaN operand as an arithmetic result: quieted, and for a single-precision result
/// with only a single's fraction bits.
pub(super) fn quiet(n: u64, single: bool) -> u64 {
    let q = n | 0x0008_0000_0000_0000;
    if single {
        q & !0x1FFF_FFFF
    } else {
        q
    }
}

/// A finite double as an integer significand and a power of two: |v| = m · 2^e.
fn parts(v: f64) -> (u128, i32) {
    let b = v.abs().to_bits();
    let e = ((b >> 52) & 0x7FF) as i32;
    let m = b & 0x000F_FFFF_FFFF_FFFF;
    if e == 0 {
        (u128::from(m), -1074)
    } else {
        (u128::from(m | 1 << 52), e - 1075)
    }
}

/// The sign of x·y + z − r, exactly (finite operands): each term is an integer times a
/// power of two, summed in a fixed-width big integer that spans the whole double
/// range (products included).
fn fma_residual(x: f64, y: f64, z: f64, r: f64) -> std::cmp::Ordering {
    const LIMBS: usize = 56; // 3,584 bits: 2^-2148 .. 2^1130 plus carries
    fn add(acc: &mut [u64; LIMBS], m: u128, shift: u32) {
        let (limb, bits) = ((shift / 64) as usize, shift % 64);
        // m << bits spans at most three limbs.
        let lo = (m << bits) as u64;
        let mid = ((m << bits) >> 64) as u64;
        let hi = if bits == 0 {
            0
        } else {
            (m >> (128 - bits)) as u64
        };
        let mut carry = 0u128;
        for (k, v) in [lo, mid, hi].into_iter().enumerate() {
            let t = u128::from(acc[limb + k]) + u128::from(v) + carry;
            acc[limb + k] = t as u64;
            carry = t >> 64;
        }
        let mut k = limb + 3;
        while carry != 0 && k < LIMBS {
            let t = u128::from(acc[k]) + carry;
            acc[k] = t as u64;
            carry = t >> 64;
            k += 1;
        }
    }
    let ((mx, ex), (my, ey), (mz, ez), (mr, er)) = (parts(x), parts(y), parts(z), parts(r));
    let terms = [
        (
            mx * my,
            ex + ey,
            x.is_sign_negative() != y.is_sign_negative(),
        ),
        (mz, ez, z.is_sign_negative()),
        (mr, er, !r.is_sign_negative()),
    ];
    let base = -2148;
    let (mut pos, mut neg) = ([0u64; LIMBS], [0u64; LIMBS]);
    for (m, e, negative) in terms {
        if m != 0 {
            let acc = if negative { &mut neg } else { &mut pos };
            add(acc, m, (e - base) as u32);
        }
    }
    pos.iter().rev().cmp(neg.iter().rev())
}

/// Compares |x·y| with |r| exactly (finite operands).
fn exact_cmp(x: f64, y: f64, r: f64) -> std::cmp::Ordering {
    let ((mx, ex), (my, ey), (mr, er)) = (parts(x), parts(y), parts(r));
    let (a, ea) = (mx * my, ex + ey);
    match (a == 0, mr == 0) {
        (true, true) => return std::cmp::Ordering::Equal,
        (true, false) => return std::cmp::Ordering::Less,
        (false, true) => return std::cmp::Ordering::Greater,
        _ => {}
    }
    let (la, lr) = (
        128 - a.leading_zeros() as i32,
        128 - mr.leading_zeros() as i32,
    );
    (ea + la)
        .cmp(&(er + lr))
        .then_with(|| (a << (127 - la)).cmp(&(mr << (127 - lr))))
}
