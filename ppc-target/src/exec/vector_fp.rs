//! The VSX vector floating-point operations: each doubleword (or each word, as single
//! precision) through the scalar unit, with the FPSCR kept as QEMU 7.2 keeps it for the
//! vector forms: FPRF, FR and FI are left, except that an invalid operation, a
//! conversion's invalid result or a zero divide clears FR and FI; the sticky exception
//! bits of all elements are gathered, and an overflow in one element hides an underflow
//! in another (the status is checked once, overflow first).

use super::fp::{double_to_single, is_snan, quiet, single_to_double};
use super::fpscr::*;
use crate::decode::{FConv, FMove, VecCmp, VecConv, VsxOp};
use crate::state::CpuState;

/// The bits whose raising the vector forms track element by element.
const TRACKED: u64 = OX | UX | ZX | VXISI | VXIDI | VXZDZ | VXIMZ | VXSQRT | VXCVI;

fn dws(v: u128) -> [u64; 2] {
    [(v >> 64) as u64, v as u64]
}

fn from_dws(d: [u64; 2]) -> u128 {
    u128::from(d[0]) << 64 | u128::from(d[1])
}

fn words(v: u128) -> [u32; 4] {
    [
        (v >> 96) as u32,
        (v >> 64) as u32,
        (v >> 32) as u32,
        v as u32,
    ]
}

fn from_words(w: [u32; 4]) -> u128 {
    w.iter().fold(0u128, |acc, &x| acc << 32 | u128::from(x))
}

/// The elements as doubles: the two doublewords, or the four words' singles widened
/// (exactly).
fn lanes(v: u128, single: bool) -> Vec<u64> {
    if single {
        words(v).iter().map(|&w| single_to_double(w)).collect()
    } else {
        dws(v).to_vec()
    }
}

/// A register from its elements (singles narrowed, exactly for single results).
fn unlanes(l: &[u64], single: bool) -> u128 {
    if single {
        from_words([0, 1, 2, 3].map(|i| double_to_single(l[i])))
    } else {
        from_dws([l[0], l[1]])
    }
}

impl CpuState {
    /// A vector floating-point operation on `a`, `b` and the target's old value `t`.
    pub(super) fn vector_fp(&mut self, op: VsxOp, a: u128, b: u128, t: u128) -> u128 {
        let kept = self.fpu.fpscr & (FPRF | FR | FI);
        let prior = self.fpu.fpscr & TRACKED;
        let mut raised = 0u64;
        macro_rules! el {
            ($e:expr) => {{
                self.fpu.fpscr &= !TRACKED;
                let r = $e;
                raised |= self.fpu.fpscr & TRACKED;
                r
            }};
        }
        let r = match op {
            VsxOp::FArith { op, single } => {
                let (x, y) = (lanes(a, single), lanes(b, single));
                let r: Vec<u64> = (0..x.len())
                    .map(|i| el!(self.farith(op, x[i], y[i], single)))
                    .collect();
                unlanes(&r, single)
            }
            VsxOp::Fma { op, m, single } => {
                let (x, y, z) = (lanes(a, single), lanes(b, single), lanes(t, single));
                let r: Vec<u64> = (0..x.len())
                    .map(|i| {
                        if m {
                            el!(self.fma(op, x[i], z[i], y[i], single))
                        } else {
                            el!(self.fma(op, x[i], y[i], z[i], single))
                        }
                    })
                    .collect();
                unlanes(&r, single)
            }
            VsxOp::Sqrt { single } => {
                let r: Vec<u64> = lanes(b, single)
                    .into_iter()
                    .map(|x| el!(self.fsqrt(x, single)))
                    .collect();
                unlanes(&r, single)
            }
            VsxOp::Estimate { sqrt, single } => {
                let r: Vec<u64> = lanes(b, single)
                    .into_iter()
                    .map(|x| el!(self.estimate(x, sqrt, single)))
                    .collect();
                unlanes(&r, single)
            }
            VsxOp::Round { op, single } => {
                let r: Vec<u64> = lanes(b, single)
                    .into_iter()
                    .map(|x| el!(self.fconv(op, x)))
                    .collect();
                unlanes(&r, single)
            }
            VsxOp::MaxMin { max, single } => {
                let (x, y) = (lanes(a, single), lanes(b, single));
                let r: Vec<u64> = (0..x.len())
                    .map(|i| self.max_min(x[i], y[i], max))
                    .collect();
                unlanes(&r, single)
            }
            VsxOp::Move { op, single } => {
                let sign: u128 = if single {
                    0x8000_0000_8000_0000_8000_0000_8000_0000
                } else {
                    0x8000_0000_0000_0000_8000_0000_0000_0000
                };
                match op {
                    FMove::Fabs => b & !sign,
                    FMove::Fnabs => b | sign,
                    FMove::Fneg => b ^ sign,
                    FMove::Fcpsgn => (a & sign) | (b & !sign),
                    FMove::Fmr => b,
                }
            }
            VsxOp::Cmp { kind, single, rc } => {
                let (x, y) = (lanes(a, single), lanes(b, single));
                let mut all = true;
                let mut none = true;
                let hits: Vec<bool> = (0..x.len())
                    .map(|i| {
                        let (p, q) = (f64::from_bits(x[i]), f64::from_bits(y[i]));
                        let hit = if p.is_nan() || q.is_nan() {
                            let mut set = 0;
                            if is_snan(x[i]) || is_snan(y[i]) {
                                set |= VXSNAN;
                            }
                            if kind != VecCmp::Eq {
                                set |= VXVC;
                            }
                            self.fp_raise(set);
                            false
                        } else {
                            match kind {
                                VecCmp::Eq => p == q,
                                VecCmp::Gt => p > q,
                                VecCmp::Ge => p >= q,
                            }
                        };
                        all &= hit;
                        none &= !hit;
                        hit
                    })
                    .collect();
                if rc {
                    self.crf[6] = if all { 8 } else { 0 } | if none { 2 } else { 0 };
                }
                if single {
                    from_words([0, 1, 2, 3].map(|i| if hits[i] { u32::MAX } else { 0 }))
                } else {
                    from_dws([0, 1].map(|i| if hits[i] { u64::MAX } else { 0 }))
                }
            }
            VsxOp::Convert(c) => self.vector_convert(c, b, &mut raised),
            _ => unreachable!("vector floating-point operations only"),
        };
        // Overflow hides underflow; an invalid operation or a zero divide clears FR/FI.
        let ux = if raised & OX != 0 { 0 } else { raised & UX };
        let kept = if raised & (TRACKED & !(OX | UX)) != 0 {
            kept & !(FR | FI)
        } else {
            kept
        };
        self.fpu.fpscr =
            (self.fpu.fpscr & !(FPRF | FR | FI | TRACKED)) | kept | prior | (raised & !UX) | ux;
        r
    }

    /// The conversions of [`vector_fp`](Self::vector_fp), gathering what each element
    /// raises into `raised`.
    fn vector_convert(&mut self, c: VecConv, b: u128, raised: &mut u64) -> u128 {
        let (bw, bd) = (words(b), dws(b));
        let mut conv = |cpu: &mut Self, op: FConv, v: u64| {
            cpu.fpu.fpscr &= !TRACKED;
            let r = cpu.fconv(op, v);
            *raised |= cpu.fpu.fpscr & TRACKED;
            r
        };
        // A word result in both words of its doubleword.
        let twice = |w: u64| (w & 0xFFFF_FFFF) << 32 | (w & 0xFFFF_FFFF);
        match c {
            VecConv::WordsToDouble { signed } => from_dws([0, 2].map(|i| {
                let v = if signed {
                    f64::from(bw[i] as i32)
                } else {
                    f64::from(bw[i])
                };
                v.to_bits()
            })),
            VecConv::WordsToSingle { signed } => from_words(bw.map(|w| {
                let v = if signed {
                    w as i32 as i64 as u64
                } else {
                    u64::from(w)
                };
                double_to_single(conv(self, FConv::Fcfids, v))
            })),
            VecConv::DoublewordsToDouble { signed } => {
                let op = if signed { FConv::Fcfid } else { FConv::Fcfidu };
                from_dws(bd.map(|d| conv(self, op, d)))
            }
            VecConv::DoublewordsToSingle { signed } => {
                let op = if signed {
                    FConv::Fcfids
                } else {
                    FConv::Fcfidus
                };
                from_dws(bd.map(|d| twice(u64::from(double_to_single(conv(self, op, d))))))
            }
            VecConv::SingleToDouble => {
                from_dws([0, 2].map(|i| conv(self, FConv::Frsp, single_to_double(bw[i]))))
            }
            VecConv::DoubleToSingle => {
                let s = bd.map(|d| double_to_single(conv(self, FConv::Frsp, d)));
                from_words([s[0], s[0], s[1], s[1]])
            }
            VecConv::DoubleToInt { signed, words } => {
                let r = self.convert_to_ints(&bd, signed, words, raised);
                from_dws([0, 1].map(|i| if words { twice(r[i]) } else { r[i] }))
            }
            VecConv::SingleToInt {
                signed,
                words: true,
            } => {
                let r = self.convert_to_ints(&bw.map(single_to_double), signed, true, raised);
                from_words([0, 1, 2, 3].map(|i| r[i] as u32))
            }
            VecConv::SingleToInt { signed, .. } => {
                let r = self.convert_to_ints(
                    &[0, 2].map(|i| single_to_double(bw[i])),
                    signed,
                    false,
                    raised,
                );
                from_dws([r[0], r[1]])
            }
        }
    }

    /// The elements (doubles) converted toward zero to integers, as QEMU 7.2's vector
    /// conversions compute them: its exception flags are not reset between elements,
    /// so once an element was invalid, each later one gives the NaN result (0x8000…
    /// or 0) — or, once one was out of range, its own result (a NaN: the largest
    /// integer). The hardware converts each element alone.
    fn convert_to_ints(
        &mut self,
        v: &[u64],
        signed: bool,
        word: bool,
        raised: &mut u64,
    ) -> Vec<u64> {
        let op = match (signed, word) {
            (true, true) => FConv::Fctiwz,
            (false, true) => FConv::Fctiwuz,
            (true, false) => FConv::Fctidz,
            (false, false) => FConv::Fctiduz,
        };
        let (nan_result, largest) = match (signed, word) {
            (true, true) => (0x8000_0000, 0x7FFF_FFFF),
            (true, false) => (0x8000_0000_0000_0000, i64::MAX as u64),
            (false, true) => (0, u64::from(u32::MAX)),
            (false, false) => (0, u64::MAX),
        };
        let (mut invalid, mut out_of_range) = (false, false);
        v.iter()
            .map(|&d| {
                self.fpu.fpscr &= !TRACKED;
                let r = self.fconv(op, d);
                let nan = f64::from_bits(d).is_nan();
                let range = self.fpu.fpscr & VXCVI != 0 && !nan;
                let earlier = invalid;
                invalid |= nan || range;
                out_of_range |= range;
                if earlier {
                    self.fpu.fpscr |= VXCVI;
                }
                *raised |= self.fpu.fpscr & TRACKED;
                match (invalid, out_of_range) {
                    (false, _) => r,
                    (true, false) => nan_result,
                    (true, true) if nan => largest,
                    (true, true) => r,
                }
            })
            .collect()
    }

    /// The VSX estimates as QEMU 7.2 computes them: 1/x or 1/√x, each step rounded
    /// in the given precision; a zero divisor gives ±∞ without ZX (QEMU does not check
    /// it here), so FX is not set and FR not cleared for it.
    pub(super) fn estimate(&mut self, x: u64, sqrt: bool, single: bool) -> u64 {
        const ONE: u64 = 0x3FF0_0000_0000_0000;
        let (fx, zx) = (self.fpu.fpscr & FX, self.fpu.fpscr & ZX);
        let d = if sqrt { self.fsqrt(x, single) } else { x };
        let (fi, fr) = (self.fpu.fpscr & FI, self.fpu.fpscr & FR);
        let r = self.farith(crate::decode::FArith::Div, ONE, d, single);
        if sqrt {
            self.fpu.fpscr |= fi;
        }
        if f64::from_bits(d) == 0.0 {
            self.fpu.fpscr = (self.fpu.fpscr & !(ZX | FX | FR)) | zx | fx | fr;
        }
        r
    }

    /// IEEE 754-2008 maxNum/minNum as QEMU 7.2 computes them: a quiet NaN against a
    /// number gives the number; a signalling NaN (VXSNAN) or two NaNs give the first
    /// NaN, quieted; +0 is above −0.
    pub(super) fn max_min(&mut self, a: u64, b: u64, max: bool) -> u64 {
        let (x, y) = (f64::from_bits(a), f64::from_bits(b));
        if x.is_nan() || y.is_nan() {
            let snan = is_snan(a) || is_snan(b);
            if snan {
                self.fp_raise(VXSNAN);
            }
            if !(snan || x.is_nan() && y.is_nan()) {
                return if x.is_nan() { b } else { a };
            }
            return quiet(if x.is_nan() { a } else { b }, false);
        }
        let pick_a = if x == y {
            // Equal: only zeros of different signs differ.
            (a >> 63 == 0) == max
        } else {
            (x > y) == max
        };
        if pick_a {
            a
        } else {
            b
        }
    }
}
