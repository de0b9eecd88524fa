//! Fixed-point arithmetic and logic: add/subtract with carries and overflow, multiply
//! and divide, the logical and bit-manipulation operations, algebraic shifts.

use crate::decode::{Arith, Logic};
use crate::state::CpuState;

#[inline]
pub(super) fn pext(x: u64, m: u64) -> u64 {
    let (mut r, mut k, mut m) = (0u64, 0, m);
    while m != 0 {
        let b = m.trailing_zeros();
        r |= ((x >> b) & 1) << k;
        k += 1;
        m &= m - 1;
    }
    r
}

#[inline]
pub(super) fn pdep(x: u64, m: u64) -> u64 {
    let (mut r, mut k, mut m) = (0u64, 0, m);
    while m != 0 {
        let b = m.trailing_zeros();
        r |= ((x >> k) & 1) << b;
        k += 1;
        m &= m - 1;
    }
    r
}

impl CpuState {
    /// Adds with carry in, setting CA/CA32 when `carry` and OV/OV32 when `oe`.
    #[inline]
    pub(super) fn add3(&mut self, a: u64, b: u64, c: u64, carry: bool, oe: bool) -> u64 {
        let (r1, c1) = a.overflowing_add(b);
        let (r, c2) = r1.overflowing_add(c);
        if carry {
            let ca32 = ((a & 0xFFFF_FFFF) + (b & 0xFFFF_FFFF) + c) >> 32 != 0;
            self.set_ca(c1 | c2, ca32);
        }
        if oe {
            let ov = ((a ^ r) & (b ^ r)) >> 63 != 0;
            let ov32 = ((a ^ r) & (b ^ r)) >> 31 & 1 != 0;
            self.set_ov(ov, ov32);
        }
        r
    }

    #[inline(always)]
    pub(crate) fn arith(&mut self, op: Arith, a: u64, b: u64, oe: bool) -> u64 {
        let ca = self.ca();
        match op {
            Arith::Add => self.add3(a, b, 0, false, oe),
            Arith::Addc => self.add3(a, b, 0, true, oe),
            Arith::Adde => self.add3(a, b, ca, true, oe),
            Arith::Addme => self.add3(a, u64::MAX, ca, true, oe),
            Arith::Addze => self.add3(a, 0, ca, true, oe),
            Arith::Subf => self.add3(!a, b, 1, false, oe),
            Arith::Subfc => self.add3(!a, b, 1, true, oe),
            Arith::Subfe => self.add3(!a, b, ca, true, oe),
            Arith::Subfme => self.add3(!a, u64::MAX, ca, true, oe),
            Arith::Subfze => self.add3(!a, 0, ca, true, oe),
            Arith::Neg => self.add3(!a, 0, 1, false, oe),
            Arith::Mullw => {
                let p = i64::from(a as i32) * i64::from(b as i32);
                if oe {
                    let ov = p != i64::from(p as i32);
                    self.set_ov(ov, ov);
                }
                p as u64
            }
            Arith::Mulld => {
                let p = i128::from(a as i64) * i128::from(b as i64);
                if oe {
                    let ov = p != i128::from(p as i64);
                    self.set_ov(ov, ov);
                }
                p as u64
            }
            Arith::Mulhw => ((i64::from(a as i32) * i64::from(b as i32)) >> 32) as u32 as u64,
            Arith::Mulhwu => ((u64::from(a as u32) * u64::from(b as u32)) >> 32) as u32 as u64,
            Arith::Mulhd => ((i128::from(a as i64) * i128::from(b as i64)) >> 64) as u64,
            Arith::Mulhdu => ((u128::from(a) * u128::from(b)) >> 64) as u64,
            Arith::Divw
            | Arith::Divwu
            | Arith::Divd
            | Arith::Divdu
            | Arith::Divwe
            | Arith::Divweu
            | Arith::Divde
            | Arith::Divdeu => {
                let (q, ov) = divide(op, a, b);
                if oe {
                    self.set_ov(ov, ov);
                }
                q
            }
        }
    }

    #[inline(always)]
    pub(crate) fn logic(&mut self, op: Logic, s: u64, b: u64) -> u64 {
        match op {
            Logic::And => s & b,
            Logic::Andc => s & !b,
            Logic::Or => s | b,
            Logic::Orc => s | !b,
            Logic::Nor => !(s | b),
            Logic::Xor => s ^ b,
            Logic::Eqv => !(s ^ b),
            Logic::Nand => !(s & b),
            Logic::Extsb => s as i8 as i64 as u64,
            Logic::Extsh => s as i16 as i64 as u64,
            Logic::Extsw => s as i32 as i64 as u64,
            Logic::Cntlzw => u64::from((s as u32).leading_zeros()),
            Logic::Cntlzd => u64::from(s.leading_zeros()),
            Logic::Cnttzw => u64::from((s as u32).trailing_zeros()),
            Logic::Cnttzd => u64::from(s.trailing_zeros()),
            Logic::Popcntb => (0..8).fold(0, |acc, i| {
                acc | u64::from(((s >> (8 * i)) as u8).count_ones()) << (8 * i)
            }),
            Logic::Popcntw => {
                u64::from((s as u32).count_ones())
                    | u64::from(((s >> 32) as u32).count_ones()) << 32
            }
            Logic::Popcntd => u64::from(s.count_ones()),
            Logic::Prtyw => {
                let word = |w: u64| (0..4).fold(0, |acc, i| acc ^ ((w >> (8 * i)) & 1));
                word(s & 0xFFFF_FFFF) | word(s >> 32) << 32
            }
            Logic::Prtyd => (0..8).fold(0, |acc, i| acc ^ ((s >> (8 * i)) & 1)),
            Logic::Cmpb => (0..8).fold(0, |acc, i| {
                let m = 0xFFu64 << (8 * i);
                acc | if s & m == b & m { m } else { 0 }
            }),
            Logic::Bpermd => (0..8).fold(0, |acc, i| {
                let index = (s >> (56 - 8 * i)) & 0xFF;
                let bit = if index < 64 {
                    (b >> (63 - index)) & 1
                } else {
                    0
                };
                acc | bit << (7 - i)
            }),
            Logic::Slw => {
                let n = b & 0x3F;
                if n >= 32 {
                    0
                } else {
                    u64::from((s as u32) << n)
                }
            }
            Logic::Srw => {
                let n = b & 0x3F;
                if n >= 32 {
                    0
                } else {
                    u64::from((s as u32) >> n)
                }
            }
            Logic::Sraw => self.sraw(s, (b & 0x3F) as u32),
            Logic::Sld => {
                let n = b & 0x7F;
                if n >= 64 {
                    0
                } else {
                    s << n
                }
            }
            Logic::Srd => {
                let n = b & 0x7F;
                if n >= 64 {
                    0
                } else {
                    s >> n
                }
            }
            Logic::Srad => self.srad(s, (b & 0x7F) as u32),
            Logic::Brh => {
                let mut r = 0;
                for i in 0..4 {
                    r |= u64::from(((s >> (16 * i)) as u16).swap_bytes()) << (16 * i);
                }
                r
            }
            Logic::Brw => {
                u64::from((s as u32).swap_bytes())
                    | u64::from(((s >> 32) as u32).swap_bytes()) << 32
            }
            Logic::Brd => s.swap_bytes(),
            Logic::Cntlzdm => {
                let n = b.count_ones();
                let x = pext(s, b);
                u64::from(if x == 0 {
                    n
                } else {
                    n - (64 - x.leading_zeros())
                })
            }
            Logic::Cnttzdm => {
                let x = pext(s, b);
                u64::from(if x == 0 {
                    b.count_ones()
                } else {
                    x.trailing_zeros()
                })
            }
            Logic::Pdepd => pdep(s, b),
            Logic::Pextd => pext(s, b),
            Logic::Cfuged => {
                let ones = pext(s, b);
                let zeros = pext(s, !b);
                let n = b.count_ones();
                if n == 64 {
                    ones
                } else {
                    (zeros << n) | ones
                }
            }
            Logic::Modsw => {
                let (x, y) = (s as i32, b as i32);
                if y == 0 || (x == i32::MIN && y == -1) {
                    0
                } else {
                    (x % y) as i64 as u64
                }
            }
            Logic::Moduw => {
                let (x, y) = (s as u32, b as u32);
                if y == 0 {
                    0
                } else {
                    u64::from(x % y)
                }
            }
            Logic::Modsd => {
                let (x, y) = (s as i64, b as i64);
                if y == 0 || (x == i64::MIN && y == -1) {
                    0
                } else {
                    (x % y) as u64
                }
            }
            Logic::Modud => s.checked_rem(b).unwrap_or(0),
        }
    }

    pub(super) fn sraw(&mut self, s: u64, n: u32) -> u64 {
        let w = s as i32;
        let (r, lost) = if n >= 32 {
            (w >> 31, w != 0)
        } else {
            (w >> n, (w as u32) & ((1u32 << n) - 1) != 0)
        };
        let ca = w < 0 && lost;
        self.set_ca(ca, ca);
        r as i64 as u64
    }

    pub(super) fn srad(&mut self, s: u64, n: u32) -> u64 {
        let w = s as i64;
        let (r, lost) = if n >= 64 {
            (w >> 63, w != 0)
        } else {
            (w >> n, (w as u64) & ((1u64 << n) - 1) != 0)
        };
        let ca = w < 0 && lost;
        self.set_ca(ca, ca);
        r as u64
    }
}

/// Quotient and overflow of a divide; division by zero and signed MIN / -1 yield the
/// dividend (truncated to the operation width, zero-extended for word forms) with
/// overflow, as QEMU does (spec §5.3).
pub(super) fn divide(op: Arith, a: u64, b: u64) -> (u64, bool) {
    let q = match op {
        Arith::Divw => (a as i32)
            .checked_div(b as i32)
            .map(|q| u64::from(q as u32)),
        Arith::Divwu => (a as u32).checked_div(b as u32).map(u64::from),
        Arith::Divd => (a as i64).checked_div(b as i64).map(|q| q as u64),
        Arith::Divdu => a.checked_div(b),
        // The quotient sign-extended (QEMU's choice for the undefined high word).
        Arith::Divwe => ((a << 32) as i64)
            .checked_div(i64::from(b as i32))
            .filter(|q| i64::from(*q as i32) == *q)
            .map(|q| q as u64),
        Arith::Divweu => ((a & 0xFFFF_FFFF) << 32)
            .checked_div(b & 0xFFFF_FFFF)
            .filter(|q| *q <= 0xFFFF_FFFF),
        // QEMU 7.2's overflow rules for the doubleword extended divides: |RA| >= |RB|
        // (signed) or RA >= RB (unsigned), which also decides the low 64 bits kept.
        Arith::Divde => {
            let (x, y) = (a as i64, b as i64);
            (y != 0 && x.unsigned_abs() < y.unsigned_abs())
                .then(|| ((i128::from(x) << 64) / i128::from(y)) as u64)
        }
        _ => (b != 0 && a < b).then(|| ((u128::from(a) << 64) / u128::from(b)) as u64),
    };
    match (q, op) {
        (Some(q), _) => (q, false),
        // The dividend for the plain forms (zero-extended word for word forms); 0 for the
        // extended forms, whose dividend does not fit the result.
        (None, Arith::Divw | Arith::Divwu) => (a & 0xFFFF_FFFF, true),
        (None, Arith::Divd | Arith::Divdu) => (a, true),
        (None, _) => (0, true),
    }
}
