//! The FPSCR: its bits, the moves to it (`mtfsf`, `mtfsfi`, `mtfsb0`/`mtfsb1`), its
//! summaries, and the rounding modes it selects (directed rounding of a result rounded
//! to nearest, from the side of it the exact value lies on).
#![allow(missing_docs)]

use crate::decode::FpscrRead;
use crate::state::CpuState;

pub const FX: u64 = 1 << 31;
pub const FEX: u64 = 1 << 30;
pub const VX: u64 = 1 << 29;
pub const OX: u64 = 1 << 28;
pub const UX: u64 = 1 << 27;
pub const ZX: u64 = 1 << 26;
pub const XX: u64 = 1 << 25;
pub const VXSNAN: u64 = 1 << 24;
pub const VXISI: u64 = 1 << 23;
pub const VXIDI: u64 = 1 << 22;
pub const VXZDZ: u64 = 1 << 21;
pub const VXIMZ: u64 = 1 << 20;
pub const VXVC: u64 = 1 << 19;
pub const FR: u64 = 1 << 18;
pub const FI: u64 = 1 << 17;
pub const FPRF: u64 = 0x1F << 12;
pub const VXSOFT: u64 = 1 << 10;
pub const VXSQRT: u64 = 1 << 9;
pub const VXCVI: u64 = 1 << 8;
pub const VE: u64 = 1 << 7;
pub const VX_ALL: u64 = VXSNAN | VXISI | VXIDI | VXZDZ | VXIMZ | VXVC | VXSOFT | VXSQRT | VXCVI;

impl CpuState {
    /// The rounding mode FPSCR\[RN\] selects.
    pub(super) fn rounding(&self) -> Rounding {
        match self.fpu.fpscr & 3 {
            0 => Rounding::Nearest,
            1 => Rounding::Zero,
            2 => Rounding::Up,
            _ => Rounding::Down,
        }
    }

    /// `mtfsf`: the fields of FPSCR selected by `flm` (of the upper word when `w`; all
    /// of it when `l`) ← those of `v`; FEX and VX then follow the other bits.
    pub(in crate::exec) fn mtfsf(&mut self, flm: u8, v: u64, l: bool, w: bool) {
        let mask = if l {
            u64::MAX
        } else {
            (0..8)
                .filter(|i| flm & (0x80 >> i) != 0)
                .map(|i| 0xFu64 << (4 * (7 - i) + if w { 32 } else { 0 }))
                .fold(0, |a, m| a | m)
        };
        // Bit 52 (LSB-0 11) is reserved: it stays clear (QEMU's FPSCR_MTFS_MASK).
        self.fpu.fpscr = ((self.fpu.fpscr & !mask) | (v & mask)) & !(1 << 11);
        self.fpscr_summaries();
    }

    /// `mffs` and its ISA 3.0 forms ([`FpscrRead`]).
    pub(in crate::exec) fn mffs(&mut self, frt: u8, rc: bool, op: FpscrRead) {
        // DRN (not kept: it reads 0), the enables, NI, RN.
        const CONTROL: u64 = 0xFF;
        let fpscr = self.fpu.fpscr & 0xFFFF_FFFF;
        let (v, rn) = match op {
            FpscrRead::All => (fpscr, None),
            FpscrRead::ClearEnables => {
                self.fpu.fpscr &= !0xF8;
                self.fpscr_summaries();
                (fpscr, None)
            }
            FpscrRead::Light => (fpscr & (CONTROL | FR | FI | FPRF), None),
            FpscrRead::SetRounding { frb } => (
                fpscr & CONTROL,
                Some(self.fpu.fpr[(frb & 31) as usize].0 & 3),
            ),
            FpscrRead::SetRoundingImm { rm } => (fpscr & CONTROL, Some(u64::from(rm & 3))),
        };
        if let Some(rn) = rn {
            self.fpu.fpscr = (self.fpu.fpscr & !3) | rn;
        }
        self.fp_result(frt, v, rc);
    }

    /// `mtfsb0`/`mtfsb1`: the bit alone (QEMU 7.2 sets no FX for it, even for a new
    /// exception bit); FEX and VX then follow the other bits.
    pub(in crate::exec) fn mtfsb(&mut self, bt: u8, set: bool) {
        let bit = 1u64 << (31 - u32::from(bt & 31));
        if set {
            self.fpu.fpscr |= bit;
        } else {
            self.fpu.fpscr &= !bit;
        }
        self.fpscr_summaries();
    }

    /// FPSCR\[VX\] = any invalid-operation bit; FPSCR\[FEX\] = any enabled exception.
    fn fpscr_summaries(&mut self) {
        let f = &mut self.fpu.fpscr;
        *f &= !(VX | FEX);
        if *f & VX_ALL != 0 {
            *f |= VX;
        }
        // VX OX UX ZX XX (bits 29..25) shifted onto their enables VE OE UE ZE XE (7..3).
        if (*f >> 22) & *f & 0xF8 != 0 {
            *f |= FEX;
        }
    }

    /// CR1 ← FPSCR[FX, FEX, VX, OX] (a floating-point record form).
    pub(in crate::exec) fn record_fp(&mut self) {
        self.crf[1] = ((self.fpu.fpscr >> 28) & 0xF) as u32;
    }
}

/// FPSCR\[RN\]'s rounding modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Rounding {
    Nearest,
    Zero,
    Up,
    Down,
}

impl Rounding {
    /// Whether a result of this sign is rounded away from zero (directed modes).
    pub(super) fn away(self, negative: bool) -> bool {
        match self {
            Rounding::Nearest | Rounding::Zero => false,
            Rounding::Up => !negative,
            Rounding::Down => negative,
        }
    }
}

/// A double `r` rounded to nearest from an exact value whose magnitude compares with
/// |r| as `dir`, rounded instead as `mode` says: the result and how the exact magnitude
/// compares with it. An overflow to infinity stays one only when the mode rounds away
/// from zero (else the largest finite double).
pub(super) fn directed(
    r: f64,
    dir: std::cmp::Ordering,
    mode: Rounding,
    finite_in: bool,
) -> (f64, std::cmp::Ordering) {
    use std::cmp::Ordering;
    if mode == Rounding::Nearest || !finite_in || r.is_nan() {
        return (r, dir);
    }
    let away = mode.away(r.is_sign_negative());
    let step = |r: f64, up: bool| {
        let b = r.to_bits();
        f64::from_bits(if up { b + 1 } else { b - 1 })
    };
    if r.is_infinite() {
        return if away {
            (r, Ordering::Less)
        } else {
            (f64::MAX.copysign(r), Ordering::Greater)
        };
    }
    match dir {
        Ordering::Equal => (r, dir),
        Ordering::Greater if away => (step(r, true), Ordering::Less),
        Ordering::Greater => (r, dir),
        Ordering::Less if away => (r, dir),
        Ordering::Less => (step(r, false), Ordering::Greater),
    }
}
