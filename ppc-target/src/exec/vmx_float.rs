//! The VMX floating-point operations: four singles, rounded to nearest, denormal
//! operands and results flushed to zero when VSCR\[NJ\] is set, NaNs propagated as the POWER rules say (the first NaN operand, quieted;
//! the default NaN for an invalid operation); the FPSCR is not involved.

use crate::decode::VmxFloat;
use crate::state::CpuState;

const DEFAULT_NAN: u32 = 0x7FC0_0000;

fn is_nan(x: u32) -> bool {
    x & 0x7FFF_FFFF > 0x7F80_0000
}

/// The first NaN of `ops`, quieted.
fn first_nan(ops: &[u32]) -> Option<u32> {
    ops.iter().find(|&&x| is_nan(x)).map(|&x| x | 0x0040_0000)
}

/// A denormal operand as the signed zero it is in non-Java mode (`nj`).
pub(super) fn flush_operand(x: u32, nj: bool) -> u32 {
    if nj && x & 0x7F80_0000 == 0 {
        x & 0x8000_0000
    } else {
        x
    }
}

impl CpuState {
    /// A VMX floating-point operation on each word of `a`, `b`, `c`.
    pub(super) fn vmx_float(&mut self, op: VmxFloat, a: u128, b: u128, c: u128) -> u128 {
        let nj = self.altivec.vscr.0 & 0x0001_0000 != 0;
        // The single nearest `r` (the exact result rounded to double), flushed to a
        // signed zero in non-Java mode when the result is tiny before rounding.
        let round = |r: f64| -> u32 {
            if nj && r != 0.0 && r.abs() < f64::from(f32::MIN_POSITIVE) {
                if r < 0.0 {
                    0x8000_0000
                } else {
                    0
                }
            } else {
                (r as f32).to_bits()
            }
        };
        // Denormal operands are zeros in non-Java mode.
        let raw = |v: u128, i: usize| (v >> (96 - 32 * i)) as u32;
        let word = |v: u128, i: usize| flush_operand(raw(v, i), nj);
        let f = |x: u32| f64::from(f32::from_bits(x));
        let mut sat = false;
        let mut out = [0u32; 4];
        for (i, o) in out.iter_mut().enumerate() {
            let (x, y, z) = (word(a, i), word(b, i), word(c, i));
            *o = match op {
                VmxFloat::Add | VmxFloat::Sub => first_nan(&[x, y]).unwrap_or_else(|| {
                    let r = if op == VmxFloat::Add {
                        f(x) + f(y)
                    } else {
                        f(x) - f(y)
                    };
                    if r.is_nan() {
                        DEFAULT_NAN
                    } else {
                        round(r)
                    }
                }),
                VmxFloat::Max | VmxFloat::Min => first_nan(&[x, y]).unwrap_or_else(|| {
                    let (p, q) = (f(x), f(y));
                    let pick_x = if p == q {
                        (x >> 31 == 0) == (op == VmxFloat::Max)
                    } else {
                        (p > q) == (op == VmxFloat::Max)
                    };
                    round(if pick_x { p } else { q })
                }),
                // va × vc ± vb: the NaN of va, then vb, then vc.
                VmxFloat::Madd | VmxFloat::Nmsub => first_nan(&[x, y, z]).unwrap_or_else(|| {
                    let addend = if op == VmxFloat::Madd { f(y) } else { -f(y) };
                    let exact = f(x).mul_add(f(z), addend);
                    if exact.is_nan() {
                        return DEFAULT_NAN;
                    }
                    let single = f32::from_bits(x).mul_add(f32::from_bits(z), addend as f32);
                    let r = if nj && exact != 0.0 && exact.abs() < f64::from(f32::MIN_POSITIVE) {
                        if exact < 0.0 {
                            -0.0
                        } else {
                            0.0
                        }
                    } else {
                        single
                    };
                    let r = if op == VmxFloat::Nmsub { -r } else { r };
                    r.to_bits()
                }),
                VmxFloat::Re => first_nan(&[y]).unwrap_or_else(|| round(1.0 / f(y))),
                VmxFloat::Rsqrte => first_nan(&[y]).unwrap_or_else(|| {
                    if f(y) < 0.0 {
                        return DEFAULT_NAN;
                    }
                    // √ rounded to single, then its reciprocal.
                    let root = f32::from_bits(round(f(y).sqrt()));
                    round(1.0 / f64::from(root))
                }),
                VmxFloat::RoundNearest
                | VmxFloat::RoundZero
                | VmxFloat::RoundUp
                | VmxFloat::RoundDown => first_nan(&[y]).unwrap_or_else(|| {
                    let v = f32::from_bits(y);
                    let r = match op {
                        VmxFloat::RoundNearest => v.round_ties_even(),
                        VmxFloat::RoundZero => v.trunc(),
                        VmxFloat::RoundUp => v.ceil(),
                        _ => v.floor(),
                    };
                    r.to_bits()
                }),
                VmxFloat::FromInt { signed, uim } => {
                    // An integer operand: never flushed.
                    let y = raw(b, i);
                    let v = if signed { y as i32 as f32 } else { y as f32 };
                    round(f64::from(v) * 2f64.powi(-i32::from(uim & 31)))
                }
                VmxFloat::ToIntSat { signed, uim } => {
                    if is_nan(y) {
                        0
                    } else {
                        let j = (f(y) * 2f64.powi(i32::from(uim & 31))) as i64;
                        let (lo, hi) = if signed {
                            (i64::from(i32::MIN), i64::from(i32::MAX))
                        } else {
                            (0, i64::from(u32::MAX))
                        };
                        sat |= j < lo || j > hi;
                        j.clamp(lo, hi) as u32
                    }
                }
            };
        }
        if sat {
            self.altivec.vscr.0 |= 1;
        }
        out.iter().fold(0u128, |acc, &x| acc << 32 | u128::from(x))
    }
}
