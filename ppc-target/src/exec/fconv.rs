//! Floating-point conversions with their FPSCR effects: to single precision (`frsp`),
//! between integers and doubles or singles (signed and unsigned, `fcfid*`, `fcti*`),
//! and rounding to an integer in floating-point format (`fri*`).

use super::fp::{fprf, is_snan, quiet, single_to_double};
use crate::decode::FConv;
use crate::state::CpuState;

impl CpuState {
    pub(super) fn fconv(&mut self, op: FConv, b: u64) -> u64 {
        use super::fpscr::*;
        let x = f64::from_bits(b);
        // fcfid reads an integer: its bits are never a NaN.
        let mut set = if is_snan(b) && !op.from_integer() {
            VXSNAN
        } else {
            0
        };
        let mut inexact = false;
        let result = match op {
            FConv::Frsp => {
                let r = if x.is_nan() {
                    let q = b | 0x0008_0000_0000_0000;
                    single_to_double(
                        ((q >> 32) as u32 & 0x8000_0000)
                            | 0x7F80_0000
                            | ((q >> 29) as u32 & 0x7F_FFFF),
                    )
                } else {
                    // One rounding of x to single, as the mode says.
                    let (r, flags) = self.round_single(x, std::cmp::Ordering::Equal, x.is_finite());
                    inexact = flags & XX != 0;
                    set |= flags;
                    r.to_bits()
                };
                self.fpu.fpscr = (self.fpu.fpscr & !FPRF) | fprf(r) << 12;
                r
            }
            FConv::Fcfid | FConv::Fcfids | FConv::Fcfidu | FConv::Fcfidus => {
                // The nearest double and how the exact integer's magnitude compares
                // with it, then one directed rounding to double or single precision.
                let (near, exact) = if matches!(op, FConv::Fcfidu | FConv::Fcfidus) {
                    let near = b as f64;
                    (near, u128::from(b).cmp(&(near as u128)))
                } else {
                    let v = b as i64;
                    let near = v as f64;
                    (near, i128::from(v).abs().cmp(&(near as i128).abs()))
                };
                let r = if matches!(op, FConv::Fcfids | FConv::Fcfidus) {
                    let (r, flags) = self.round_single(near, exact, true);
                    inexact = flags & XX != 0;
                    set |= flags;
                    r
                } else {
                    let (r, dir) = directed(near, exact, self.rounding(), true);
                    inexact = dir.is_ne();
                    if inexact {
                        set |= XX;
                    }
                    r
                };
                // QEMU 7.2 sets FPRF for fcfid only (the ISA for all four).
                if op == FConv::Fcfid {
                    self.fpu.fpscr = (self.fpu.fpscr & !FPRF) | fprf(r.to_bits()) << 12;
                }
                r.to_bits()
            }
            FConv::Frin | FConv::Friz | FConv::Frip | FConv::Frim | FConv::Fric => {
                let r = if x.is_nan() {
                    quiet(b, false)
                } else {
                    let mode = match op {
                        FConv::Fric => self.rounding(),
                        FConv::Friz => Rounding::Zero,
                        FConv::Frip => Rounding::Up,
                        FConv::Frim => Rounding::Down,
                        _ => Rounding::Nearest,
                    };
                    let r = match mode {
                        // frin rounds ties away from zero; xsrdpic to even.
                        Rounding::Nearest if op == FConv::Frin => x.round(),
                        Rounding::Nearest => x.round_ties_even(),
                        Rounding::Zero => x.trunc(),
                        Rounding::Up => x.ceil(),
                        Rounding::Down => x.floor(),
                    };
                    // Only the current-mode form reports an inexact result.
                    if op == FConv::Fric && r != x {
                        inexact = true;
                        set |= XX;
                    }
                    r.to_bits()
                };
                self.fpu.fpscr = (self.fpu.fpscr & !FPRF) | fprf(r) << 12;
                r
            }
            FConv::Fctiwu | FConv::Fctiwuz | FConv::Fctidu | FConv::Fctiduz => {
                let word = matches!(op, FConv::Fctiwu | FConv::Fctiwuz);
                let rounded = match (
                    matches!(op, FConv::Fctiwuz | FConv::Fctiduz),
                    self.rounding(),
                ) {
                    (true, _) | (false, Rounding::Zero) => x.trunc(),
                    (false, Rounding::Nearest) => x.round_ties_even(),
                    (false, Rounding::Up) => x.ceil(),
                    (false, Rounding::Down) => x.floor(),
                };
                let max = if word {
                    f64::from(u32::MAX)
                } else {
                    2f64.powi(64)
                };
                // A NaN or a negative integer gives 0.
                if x.is_nan() || rounded < 0.0 {
                    set |= VXCVI;
                    0
                } else if rounded > max || (!word && rounded >= max) {
                    set |= VXCVI;
                    if word {
                        u64::from(u32::MAX)
                    } else {
                        u64::MAX
                    }
                } else {
                    inexact = rounded != x;
                    if inexact {
                        set |= XX;
                    }
                    if word {
                        u64::from(rounded as u32)
                    } else {
                        rounded as u64
                    }
                }
            }
            FConv::Fctiw | FConv::Fctiwz | FConv::Fctid | FConv::Fctidz => {
                let word = matches!(op, FConv::Fctiw | FConv::Fctiwz);
                let rounded = match (matches!(op, FConv::Fctiwz | FConv::Fctidz), self.rounding()) {
                    (true, _) | (false, Rounding::Zero) => x.trunc(),
                    (false, Rounding::Nearest) => x.round_ties_even(),
                    (false, Rounding::Up) => x.ceil(),
                    (false, Rounding::Down) => x.floor(),
                };
                let (lo, hi) = if word {
                    (f64::from(i32::MIN), f64::from(i32::MAX))
                } else {
                    (-(2f64.powi(63)), 2f64.powi(63))
                };
                if x.is_nan() {
                    set |= VXCVI;
                    if word {
                        0x8000_0000
                    } else {
                        0x8000_0000_0000_0000
                    }
                } else if rounded < lo || rounded > hi || (!word && rounded >= hi) {
                    set |= VXCVI;
                    match (word, x.is_sign_negative()) {
                        (true, true) => 0xFFFF_FFFF_8000_0000,
                        (true, false) => 0x7FFF_FFFF,
                        (false, true) => 0x8000_0000_0000_0000,
                        (false, false) => 0x7FFF_FFFF_FFFF_FFFF,
                    }
                } else {
                    inexact = rounded != x;
                    if inexact {
                        set |= XX;
                    }
                    if word {
                        rounded as i32 as i64 as u64
                    } else {
                        rounded as i64 as u64
                    }
                }
            }
        };
        self.fpu.fpscr = (self.fpu.fpscr & !FI) | if inexact { FI } else { 0 };
        if set & VXCVI != 0 {
            self.fpu.fpscr &= !FR;
        }
        if set & VXCVI != 0 {
            self.invalid_fprf();
        }
        self.fp_raise(set);
        result
    }
}
