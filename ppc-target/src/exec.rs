//! Executes one decoded instruction on the CPU state (spec §5.3–§5.5). Guest exceptions
//! are values ([`Exception`]), never panics.

/// The block `dcbz` clears: the cache line of POWER processors (and the
/// `AT_DCACHEBSIZE` the Linux personality reports).
pub const DCBZ_BLOCK: u64 = 128;

use crate::decode::{
    Arith, CrOp, FArith, FConv, FMem, FMove, FmaOp, Insn, Logic, Mem, Target, VsrMove,
};
use crate::mem::{Fault, Memory};
use crate::models::IsaLevel;
use crate::state::{spr, xer, CpuState};

/// Why execution stopped at an instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exception {
    /// `sc` (or `scv` when `vectored`): the personality handles it; `nip` is past it.
    Syscall {
        /// `scv` rather than `sc`.
        vectored: bool,
    },
    /// A trap instruction whose condition held.
    Trap,
    /// Illegal instruction (undecodable, or newer than the effective ISA level).
    Illegal,
    /// Privileged instruction (a privileged SPR from problem state).
    Privileged,
    /// An unaligned larx/stcx.
    Alignment {
        /// Effective address.
        ea: u64,
    },
    /// A memory access outside guest memory.
    Fault(Fault),
}

/// Reservation of a larx (address and size), not migrated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reservation {
    /// Reserved address, if any.
    pub addr: Option<u64>,
    /// Size of the larx.
    pub size: u8,
}

#[inline]
pub(crate) fn mask64(mb: u32, me: u32) -> u64 {
    let a = u64::MAX >> mb;
    let b = u64::MAX << (63 - me);
    if mb <= me {
        a & b
    } else {
        a | b
    }
}

#[inline]
fn pext(x: u64, m: u64) -> u64 {
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
fn pdep(x: u64, m: u64) -> u64 {
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
    /// EA = (RA|0) + RB for X-forms, (RA|0) + displacement otherwise.
    #[inline]
    fn ea(&self, ra: u8, rb: Option<u8>, disp: i64) -> u64 {
        let base = self.ra0(ra);
        match rb {
            Some(b) => base.wrapping_add(self.gpr[(b & 31) as usize]),
            None => base.wrapping_add(disp as u64),
        }
    }

    /// RT ← the doubleword at `ea`, RT+1 ← the next one (the quadword loads).
    fn load_pair(&mut self, rt: u8, ea: u64, mem: &mut Memory) -> Result<(), Fault> {
        let hi = mem.read_u64(ea)?;
        let lo = mem.read_u64(ea.wrapping_add(8))?;
        self.gpr[(rt & 31) as usize] = hi;
        self.gpr[((rt + 1) & 31) as usize] = lo;
        Ok(())
    }

    /// The quadword at `ea` ← RS ‖ RS+1 (the quadword stores).
    fn store_pair(&self, rs: u8, ea: u64, mem: &mut Memory) -> Result<(), Fault> {
        let mut v = [0u8; 16];
        v[..8].copy_from_slice(&self.gpr[(rs & 31) as usize].to_be_bytes());
        v[8..].copy_from_slice(&self.gpr[((rs + 1) & 31) as usize].to_be_bytes());
        mem.write(ea, &v)
    }

    #[inline]
    fn ra0(&self, ra: u8) -> u64 {
        if ra == 0 {
            0
        } else {
            self.gpr[(ra & 31) as usize]
        }
    }

    #[inline]
    fn isa3(&self) -> bool {
        self.isa >= IsaLevel::V3_0
    }

    #[inline]
    fn so(&self) -> u32 {
        ((self.xer >> 31) & 1) as u32
    }

    #[inline]
    fn ca(&self) -> u64 {
        (self.xer >> 29) & 1
    }

    #[inline]
    fn set_ca(&mut self, ca: bool, ca32: bool) {
        self.xer = (self.xer & !xer::CA) | if ca { xer::CA } else { 0 };
        if self.isa3() {
            self.xer = (self.xer & !xer::CA32) | if ca32 { xer::CA32 } else { 0 };
        }
    }

    #[inline]
    fn set_ov(&mut self, ov: bool, ov32: bool) {
        self.xer = (self.xer & !xer::OV) | if ov { xer::OV | xer::SO } else { 0 };
        if self.isa3() {
            self.xer = (self.xer & !xer::OV32) | if ov32 { xer::OV32 } else { 0 };
        }
    }

    /// CR0 from a result, with XER\[SO\].
    #[inline]
    fn record(&mut self, v: u64) {
        let v = v as i64;
        let c = if v < 0 {
            8
        } else if v > 0 {
            4
        } else {
            2
        };
        self.crf[0] = c | self.so();
    }

    #[inline]
    fn cr_bit(&self, bi: u8) -> bool {
        self.crf[((bi >> 2) & 7) as usize] >> (3 - (bi & 3)) & 1 != 0
    }

    #[inline]
    fn set_cr_bit(&mut self, bi: u8, v: bool) {
        let f = &mut self.crf[((bi >> 2) & 7) as usize];
        let m = 1 << (3 - (bi & 3));
        *f = if v { *f | m } else { *f & !m };
    }

    #[inline(always)]
    pub(crate) fn compare(&mut self, bf: u8, a: u64, b: u64, unsigned: bool) {
        let c = match (unsigned, a == b) {
            (_, true) => 2,
            (true, false) if a < b => 8,
            (false, false) if (a as i64) < (b as i64) => 8,
            _ => 4,
        };
        self.crf[(bf & 7) as usize] = c | self.so();
    }

    /// XER as `mfxer` shows it at the effective ISA level.
    pub fn mfxer(&self) -> u64 {
        let hidden = if self.isa3() {
            0
        } else {
            xer::OV32 | xer::CA32
        };
        self.xer & 0xFFFF_FFFF & !hidden
    }

    /// Adds with carry in, setting CA/CA32 when `carry` and OV/OV32 when `oe`.
    #[inline]
    fn add3(&mut self, a: u64, b: u64, c: u64, carry: bool, oe: bool) -> u64 {
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

    fn sraw(&mut self, s: u64, n: u32) -> u64 {
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

    fn srad(&mut self, s: u64, n: u32) -> u64 {
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

    #[inline(always)]
    pub(crate) fn branch(&mut self, target: Target, bo: u8, bi: u8, lk: bool, cia: u64) -> u64 {
        if bo & 4 == 0 {
            self.ctr = self.ctr.wrapping_sub(1);
        }
        let ctr_ok = bo & 4 != 0 || ((self.ctr != 0) ^ (bo & 2 != 0));
        let cond_ok = bo & 0x10 != 0 || self.cr_bit(bi) == (bo & 8 != 0);
        let dest = match target {
            Target::Direct { disp, aa } => {
                if aa {
                    disp as u64
                } else {
                    cia.wrapping_add(disp as u64)
                }
            }
            Target::Lr => self.lr & !3,
            Target::Ctr => self.ctr & !3,
            Target::Tar => self.spr[spr::TAR] & !3,
        };
        if lk {
            self.lr = cia + 4;
        }
        if ctr_ok && cond_ok {
            dest
        } else {
            cia + 4
        }
    }

    fn spr_access(&self, n: u16) -> Result<(), Exception> {
        match n as usize {
            spr::XER | spr::LR | spr::CTR => Ok(()),
            spr::TAR if self.isa >= IsaLevel::V2_07 => Ok(()),
            _ if n & 0x10 != 0 => Err(Exception::Privileged),
            _ => Err(Exception::Illegal),
        }
    }

    /// Executes `insn` located at `cia` and returns the next instruction address.
    #[inline(always)]
    pub fn execute(
        &mut self,
        insn: Insn,
        cia: u64,
        mem: &mut Memory,
        res: &mut Reservation,
    ) -> Result<u64, Exception> {
        let next = cia + insn.len();
        match insn {
            Insn::Addi { rt, ra, imm } => {
                self.gpr[(rt & 31) as usize] = self.ra0(ra).wrapping_add(imm as u64)
            }
            Insn::Addic { rt, ra, imm, rc } => {
                let r = self.add3(self.gpr[(ra & 31) as usize], imm as u64, 0, true, false);
                self.gpr[(rt & 31) as usize] = r;
                if rc {
                    self.record(r);
                }
            }
            Insn::Subfic { rt, ra, imm } => {
                self.gpr[(rt & 31) as usize] =
                    self.add3(!self.gpr[(ra & 31) as usize], imm as u64, 1, true, false)
            }
            Insn::Mulli { rt, ra, imm } => {
                self.gpr[(rt & 31) as usize] =
                    (self.gpr[(ra & 31) as usize] as i64).wrapping_mul(imm) as u64
            }
            Insn::Arith {
                op,
                rt,
                ra,
                rb,
                oe,
                rc,
            } => {
                let r = self.arith(
                    op,
                    self.gpr[(ra & 31) as usize],
                    self.gpr[(rb & 31) as usize],
                    oe,
                );
                self.gpr[(rt & 31) as usize] = r;
                if rc {
                    self.record(r);
                }
            }
            Insn::Logic { op, ra, rs, rb, rc } => {
                let r = self.logic(
                    op,
                    self.gpr[(rs & 31) as usize],
                    self.gpr[(rb & 31) as usize],
                );
                self.gpr[(ra & 31) as usize] = r;
                if rc {
                    self.record(r);
                }
            }
            Insn::LogicImm {
                op,
                ra,
                rs,
                imm,
                rc,
            } => {
                let r = self.logic(op, self.gpr[(rs & 31) as usize], imm);
                self.gpr[(ra & 31) as usize] = r;
                if rc {
                    self.record(r);
                }
            }
            Insn::Srawi { ra, rs, sh, rc } => {
                let r = self.sraw(self.gpr[(rs & 31) as usize], u32::from(sh));
                self.gpr[(ra & 31) as usize] = r;
                if rc {
                    self.record(r);
                }
            }
            Insn::Sradi { ra, rs, sh, rc } => {
                let r = self.srad(self.gpr[(rs & 31) as usize], u32::from(sh));
                self.gpr[(ra & 31) as usize] = r;
                if rc {
                    self.record(r);
                }
            }
            Insn::Extswsli { ra, rs, sh, rc } => {
                let r = ((self.gpr[(rs & 31) as usize] as i32 as i64) << sh) as u64;
                self.gpr[(ra & 31) as usize] = r;
                if rc {
                    self.record(r);
                }
            }
            Insn::Rlw {
                ra,
                rs,
                sh,
                rb,
                mb,
                me,
                insert,
                rc,
            } => {
                let n = rb.map_or(u32::from(sh), |b| (self.gpr[(b & 31) as usize] & 31) as u32);
                let w = (self.gpr[(rs & 31) as usize] as u32).rotate_left(n);
                let rot = u64::from(w) << 32 | u64::from(w);
                let m = mask64(u32::from(mb) + 32, u32::from(me) + 32);
                let r = if insert {
                    (rot & m) | (self.gpr[(ra & 31) as usize] & !m)
                } else {
                    rot & m
                };
                self.gpr[(ra & 31) as usize] = r;
                if rc {
                    self.record(r);
                }
            }
            Insn::Rld {
                kind,
                ra,
                rs,
                sh,
                rb,
                mbe,
                rc,
            } => {
                let n = rb.map_or(u32::from(sh), |b| (self.gpr[(b & 31) as usize] & 63) as u32);
                let rot = self.gpr[(rs & 31) as usize].rotate_left(n);
                let (mbe, n) = (u32::from(mbe), u32::from(sh));
                let r = match kind {
                    0 | 8 => rot & mask64(mbe, 63),
                    1 | 9 => rot & mask64(0, mbe),
                    2 => rot & mask64(mbe, 63 - n),
                    _ => {
                        let m = mask64(mbe, 63 - n);
                        (rot & m) | (self.gpr[(ra & 31) as usize] & !m)
                    }
                };
                self.gpr[(ra & 31) as usize] = r;
                if rc {
                    self.record(r);
                }
            }
            Insn::Cmp {
                bf,
                l,
                ra,
                rb,
                imm,
                unsigned,
            } => {
                let a = self.gpr[(ra & 31) as usize];
                let b = rb.map_or(imm as u64, |r| self.gpr[(r & 31) as usize]);
                let (a, b) = compare_operands(l, unsigned, a, b);
                self.compare(bf, a, b, unsigned);
            }
            Insn::Cmprb { bf, l, ra, rb } => {
                let c = self.gpr[(ra & 31) as usize] as u8;
                let b = self.gpr[(rb & 31) as usize];
                let range = |lo: u64, hi: u64| (lo as u8) <= c && c <= (hi as u8);
                let hit = range(b, b >> 8) || (l && range(b >> 16, b >> 24));
                self.crf[(bf & 7) as usize] = if hit { 4 } else { 0 };
            }
            Insn::Cmpeqb { bf, ra, rb } => {
                let c = self.gpr[(ra & 31) as usize] as u8;
                let b = self.gpr[(rb & 31) as usize];
                let hit = (0..8).any(|i| (b >> (8 * i)) as u8 == c);
                self.crf[(bf & 7) as usize] = if hit { 4 } else { 0 };
            }
            Insn::Setb { rt, bfa } => {
                let f = self.crf[(bfa & 7) as usize];
                self.gpr[(rt & 31) as usize] = if f & 8 != 0 {
                    u64::MAX
                } else if f & 4 != 0 {
                    1
                } else {
                    0
                };
            }
            Insn::Mcrxrx { bf } => {
                let x = self.xer;
                let bit = |m: u64| u32::from(x & m != 0);
                self.crf[(bf & 7) as usize] =
                    bit(xer::OV) << 3 | bit(xer::OV32) << 2 | bit(xer::CA) << 1 | bit(xer::CA32);
            }
            Insn::Isel { rt, ra, rb, bc } => {
                self.gpr[(rt & 31) as usize] = if self.cr_bit(bc) {
                    self.ra0(ra)
                } else {
                    self.gpr[(rb & 31) as usize]
                };
            }
            Insn::Maddhd { rt, ra, rb, rc } => {
                let p = i128::from(self.gpr[(ra & 31) as usize] as i64)
                    * i128::from(self.gpr[(rb & 31) as usize] as i64)
                    + i128::from(self.gpr[(rc & 31) as usize] as i64);
                self.gpr[(rt & 31) as usize] = (p >> 64) as u64;
            }
            Insn::Maddhdu { rt, ra, rb, rc } => {
                let p = u128::from(self.gpr[(ra & 31) as usize])
                    * u128::from(self.gpr[(rb & 31) as usize])
                    + u128::from(self.gpr[(rc & 31) as usize]);
                self.gpr[(rt & 31) as usize] = (p >> 64) as u64;
            }
            Insn::Maddld { rt, ra, rb, rc } => {
                self.gpr[(rt & 31) as usize] = self.gpr[(ra & 31) as usize]
                    .wrapping_mul(self.gpr[(rb & 31) as usize])
                    .wrapping_add(self.gpr[(rc & 31) as usize]);
            }
            // The failure value, deterministically: migrated runs must agree.
            Insn::Darn { rt, l } => {
                self.gpr[(rt & 31) as usize] = if l == 0 { 0xFFFF_FFFF } else { u64::MAX }
            }
            Insn::Addpcis { rt, imm } => {
                self.gpr[(rt & 31) as usize] = next.wrapping_add(imm as u64)
            }
            Insn::Addex { rt, ra, rb } => {
                let (a, b, c) = (
                    self.gpr[(ra & 31) as usize],
                    self.gpr[(rb & 31) as usize],
                    (self.xer >> 30) & 1,
                );
                let (r1, c1) = a.overflowing_add(b);
                let (r, c2) = r1.overflowing_add(c);
                let c32 = ((a & 0xFFFF_FFFF) + (b & 0xFFFF_FFFF) + c) >> 32 != 0;
                self.xer = (self.xer & !xer::OV) | if c1 | c2 { xer::OV } else { 0 };
                if self.isa3() {
                    self.xer = (self.xer & !xer::OV32) | if c32 { xer::OV32 } else { 0 };
                }
                self.gpr[(rt & 31) as usize] = r;
            }
            Insn::Setbc { rt, bi, kind } => {
                let set = self.cr_bit(bi) ^ (kind & 1 != 0);
                self.gpr[(rt & 31) as usize] = match (set, kind >= 2) {
                    (false, _) => 0,
                    (true, false) => 1,
                    (true, true) => u64::MAX,
                };
            }
            Insn::Mem {
                op,
                rt,
                ra,
                rb,
                disp,
                update,
            } => {
                let ea = self.ea(ra, rb, disp);
                self.memory(op, rt, ea, mem).map_err(Exception::Fault)?;
                if update {
                    self.gpr[(ra & 31) as usize] = ea;
                }
            }
            Insn::Prefixed {
                op,
                rt,
                ra,
                disp,
                pcrel,
            } => {
                let base = if pcrel { cia } else { self.ra0(ra) };
                let ea = base.wrapping_add(disp as u64);
                match op {
                    None => self.gpr[(rt & 31) as usize] = ea,
                    Some(op) => self.memory(op, rt, ea, mem).map_err(Exception::Fault)?,
                }
            }
            Insn::Larx { size, rt, ra, rb } => {
                let ea = self.ea(ra, Some(rb), 0);
                if ea % u64::from(size) != 0 {
                    return Err(Exception::Alignment { ea });
                }
                let v = match size {
                    1 => u64::from(mem.read::<1>(ea).map_err(Exception::Fault)?[0]),
                    2 => u64::from(u16::from_be_bytes(
                        mem.read::<2>(ea).map_err(Exception::Fault)?,
                    )),
                    4 => u64::from(u32::from_be_bytes(
                        mem.read::<4>(ea).map_err(Exception::Fault)?,
                    )),
                    8 => mem.read_u64(ea).map_err(Exception::Fault)?,
                    // lqarx: the pair RT (high), RT+1 (low).
                    _ => {
                        self.load_pair(rt, ea, mem).map_err(Exception::Fault)?;
                        self.gpr[(rt & 31) as usize]
                    }
                };
                self.gpr[(rt & 31) as usize] = v;
                *res = Reservation {
                    addr: Some(ea),
                    size,
                };
                self.reserve_addr = ea;
            }
            Insn::Stcx { size, rs, ra, rb } => {
                let ea = self.ea(ra, Some(rb), 0);
                if ea % u64::from(size) != 0 {
                    return Err(Exception::Alignment { ea });
                }
                let ok = res.addr == Some(ea) && res.size == size;
                if ok && size == 16 {
                    self.store_pair(rs, ea, mem).map_err(Exception::Fault)?;
                } else if ok {
                    let v = self.gpr[(rs & 31) as usize].to_be_bytes();
                    mem.write(ea, &v[8 - size as usize..])
                        .map_err(Exception::Fault)?;
                }
                *res = Reservation::default();
                self.reserve_addr = u64::MAX;
                self.crf[0] = if ok { 2 } else { 0 } | self.so();
            }
            Insn::Lq { rt, ra, disp } => {
                let ea = self.ea(ra, None, disp);
                self.load_pair(rt, ea, mem).map_err(Exception::Fault)?;
            }
            Insn::Dcbz { ra, rb } => {
                let ea = self.ea(ra, Some(rb), 0) & !(DCBZ_BLOCK - 1);
                mem.write(ea, &[0; DCBZ_BLOCK as usize])
                    .map_err(Exception::Fault)?;
            }
            Insn::Stq { rs, ra, disp } => {
                let ea = self.ea(ra, None, disp);
                self.store_pair(rs, ea, mem).map_err(Exception::Fault)?;
            }
            Insn::VsrMove { op, xs, ra } => self.vsr_move(op, xs, ra),
            Insn::Branch { target, bo, bi, lk } => return Ok(self.branch(target, bo, bi, lk, cia)),
            Insn::CrLogic { op, bt, ba, bb } => {
                let (a, b) = (self.cr_bit(ba), self.cr_bit(bb));
                let v = match op {
                    CrOp::And => a & b,
                    CrOp::Andc => a & !b,
                    CrOp::Eqv => a == b,
                    CrOp::Nand => !(a & b),
                    CrOp::Nor => !(a | b),
                    CrOp::Or => a | b,
                    CrOp::Orc => a | !b,
                    CrOp::Xor => a ^ b,
                };
                self.set_cr_bit(bt, v);
            }
            Insn::Mcrf { bf, bfa } => self.crf[(bf & 7) as usize] = self.crf[(bfa & 7) as usize],
            Insn::Mfspr { rt, spr: n } => {
                self.spr_access(n)?;
                self.gpr[(rt & 31) as usize] = match n as usize {
                    spr::XER => self.mfxer(),
                    spr::LR => self.lr,
                    spr::CTR => self.ctr,
                    _ => self.spr[n as usize],
                };
            }
            Insn::Mtspr { rs, spr: n } => {
                self.spr_access(n)?;
                let v = self.gpr[(rs & 31) as usize];
                match n as usize {
                    spr::XER => {
                        let hidden = if self.isa3() {
                            0
                        } else {
                            xer::OV32 | xer::CA32
                        };
                        self.xer = (v & 0xFFFF_FFFF & !hidden) | (self.xer & hidden);
                    }
                    spr::LR => self.lr = v,
                    spr::CTR => self.ctr = v,
                    _ => self.spr[n as usize] = v,
                }
            }
            Insn::Mfcr { rt, one } => {
                let cr = u64::from(self.cr());
                self.gpr[(rt & 31) as usize] = match one {
                    None => cr,
                    Some(fxm) => {
                        let field = fxm.leading_zeros();
                        cr & (0xF << (28 - 4 * field))
                    }
                };
            }
            Insn::Mtcrf { rs, fxm, one } => {
                if !one || fxm.count_ones() == 1 {
                    let v = self.gpr[(rs & 31) as usize] as u32;
                    for i in 0..8 {
                        if fxm & (0x80 >> i) != 0 {
                            self.crf[i] = (v >> (28 - 4 * i)) & 0xF;
                        }
                    }
                }
            }
            Insn::Sc => return Err(Exception::Syscall { vectored: false }),
            Insn::Scv => return Err(Exception::Syscall { vectored: true }),
            Insn::Trap {
                to,
                ra,
                rb,
                imm,
                dword,
            } => {
                let a = self.gpr[(ra & 31) as usize];
                let b = rb.map_or(imm as u64, |r| self.gpr[(r & 31) as usize]);
                let (a, b) = if dword {
                    (a, b)
                } else {
                    (a as i32 as i64 as u64, b as i32 as i64 as u64)
                };
                let (sa, sb) = (a as i64, b as i64);
                let (ua, ub) = if dword {
                    (a, b)
                } else {
                    (a & 0xFFFF_FFFF, b & 0xFFFF_FFFF)
                };
                let hit = (to & 0x10 != 0 && sa < sb)
                    || (to & 0x08 != 0 && sa > sb)
                    || (to & 0x04 != 0 && sa == sb)
                    || (to & 0x02 != 0 && ua < ub)
                    || (to & 0x01 != 0 && ua > ub);
                if hit {
                    return Err(Exception::Trap);
                }
            }
            Insn::FMem {
                op,
                frt,
                ra,
                rb,
                disp,
                update,
            } => {
                let ea = self.ea(ra, rb, disp);
                self.fp_memory(op, frt, ea, mem).map_err(Exception::Fault)?;
                if update {
                    self.gpr[(ra & 31) as usize] = ea;
                }
            }
            Insn::FMove {
                op,
                frt,
                fra,
                frb,
                rc,
            } => {
                let b = self.fpu.fpr[(frb & 31) as usize].0;
                const SIGN: u64 = 1 << 63;
                let v = match op {
                    FMove::Fmr => b,
                    FMove::Fneg => b ^ SIGN,
                    FMove::Fabs => b & !SIGN,
                    FMove::Fnabs => b | SIGN,
                    FMove::Fcpsgn => (self.fpu.fpr[(fra & 31) as usize].0 & SIGN) | (b & !SIGN),
                };
                self.fpu.fpr[(frt & 31) as usize].0 = v;
                if rc {
                    self.record_fp();
                }
            }
            Insn::FArith {
                op,
                frt,
                fra,
                frb,
                rc,
                single,
            } => {
                let (a, b) = (
                    self.fpu.fpr[(fra & 31) as usize].0,
                    self.fpu.fpr[(frb & 31) as usize].0,
                );
                let r = self.farith(op, a, b, single);
                self.fpu.fpr[(frt & 31) as usize].0 = r;
                if rc {
                    self.record_fp();
                }
            }
            Insn::Fcmp {
                bf,
                fra,
                frb,
                ordered,
            } => {
                let (a, b) = (
                    self.fpu.fpr[(fra & 31) as usize].0,
                    self.fpu.fpr[(frb & 31) as usize].0,
                );
                self.fcmp(bf, a, b, ordered);
            }
            Insn::FConv { op, frt, frb, rc } => {
                let r = self.fconv(op, self.fpu.fpr[(frb & 31) as usize].0);
                self.fpu.fpr[(frt & 31) as usize].0 = r;
                if rc {
                    self.record_fp();
                }
            }
            Insn::Fsqrt {
                frt,
                frb,
                rc,
                single,
            } => {
                let b = self.fpu.fpr[(frb & 31) as usize].0;
                let r = self.fsqrt(b, single);
                self.fpu.fpr[(frt & 31) as usize].0 = r;
                if rc {
                    self.record_fp();
                }
            }
            Insn::Fma {
                op,
                frt,
                fra,
                frc,
                frb,
                rc,
                single,
            } => {
                let f = |r: u8| self.fpu.fpr[(r & 31) as usize].0;
                let (a, c, b) = (f(fra), f(frc), f(frb));
                let r = self.fma(op, a, c, b, single);
                self.fpu.fpr[(frt & 31) as usize].0 = r;
                if rc {
                    self.record_fp();
                }
            }
            Insn::Fsel {
                frt,
                fra,
                frb,
                frc,
                rc,
            } => {
                let a = f64::from_bits(self.fpu.fpr[(fra & 31) as usize].0);
                let pick = if a >= 0.0 { frc } else { frb };
                self.fpu.fpr[(frt & 31) as usize].0 = self.fpu.fpr[(pick & 31) as usize].0;
                if rc {
                    self.record_fp();
                }
            }
            Insn::Mffs { frt, rc } => {
                self.fpu.fpr[(frt & 31) as usize].0 = self.fpu.fpscr & 0xFFFF_FFFF;
                if rc {
                    self.record_fp();
                }
            }
            Insn::Nop => {}
        }
        Ok(next)
    }

    /// Double-precision add/sub/mul/div with the FPSCR status QEMU 7.2 computes:
    /// invalid-operation bits, OX/UX/XX/ZX, FI, FPRF, and the FX/VX summaries (all
    /// exceptions disabled: results are always written).
    fn farith(&mut self, op: FArith, a: u64, b: u64, single: bool) -> u64 {
        use fpscr::*;
        let (x, y) = (f64::from_bits(a), f64::from_bits(b));
        let mut set = 0u64;
        if is_snan(a) || is_snan(b) {
            set |= VXSNAN;
        }
        let result = if x.is_nan() || y.is_nan() {
            // The first NaN operand, quieted.
            let n = if x.is_nan() { a } else { b };
            let q = n | 0x0008_0000_0000_0000;
            // A single-precision result keeps only a single's fraction bits.
            if single {
                q & !0x1FFF_FFFF
            } else {
                q
            }
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
                if single {
                    return self.finish_single(r, dir, finite_in, set);
                }
                let inexact = finite_in && (r.is_infinite() || dir.is_ne());
                if finite_in && r.is_infinite() {
                    set |= OX | XX;
                } else if inexact {
                    set |= XX;
                    if r.abs() < f64::MIN_POSITIVE {
                        set |= UX;
                    }
                }
                r.to_bits()
            }
        };
        self.arith_status(set, result)
    }

    /// `fsqrt`: a NaN propagates (quieted), a negative operand is invalid (VXSQRT).
    fn fsqrt(&mut self, b: u64, single: bool) -> u64 {
        use fpscr::*;
        use std::cmp::Ordering;
        let x = f64::from_bits(b);
        let mut set = 0;
        if is_snan(b) {
            set |= VXSNAN;
        }
        let result = if x.is_nan() {
            let q = b | 0x0008_0000_0000_0000;
            if single {
                q & !0x1FFF_FFFF
            } else {
                q
            }
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
            if dir.is_ne() {
                set |= XX;
            }
            r.to_bits()
        };
        self.arith_status(set, result)
    }

    /// The fused multiply-adds: one rounding of ±((a × c) ± b).
    fn fma(&mut self, op: FmaOp, a: u64, c: u64, b: u64, single: bool) -> u64 {
        use fpscr::*;
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
            let q = n | 0x0008_0000_0000_0000;
            if single {
                q & !0x1FFF_FFFF
            } else {
                q
            }
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
            let r = if negate { -r } else { r };
            if single {
                return self.finish_single(r, dir, finite_in, set);
            }
            if finite_in && r.is_infinite() {
                set |= OX | XX;
            } else if dir.is_ne() {
                set |= XX;
                if r.abs() < f64::MIN_POSITIVE {
                    set |= UX;
                }
            }
            r.to_bits()
        };
        self.arith_status(set, result)
    }

    /// FPSCR after an arithmetic result: FI, the sticky bits in `set`, FX, VX, FPRF.
    fn arith_status(&mut self, set: u64, result: u64) -> u64 {
        use fpscr::*;
        // FI reflects this operation only (a NaN or invalid result is exact).
        if set & XX == 0 {
            self.fpu.fpscr &= !FI;
        } else {
            self.fpu.fpscr |= FI;
        }
        let new = set & !self.fpu.fpscr;
        self.fpu.fpscr |= set;
        if new != 0 || set & (XX | OX | UX | ZX) != 0 {
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
    fn finish_single(
        &mut self,
        r: f64,
        dir: std::cmp::Ordering,
        finite_in: bool,
        mut set: u64,
    ) -> u64 {
        use fpscr::*;
        use std::cmp::Ordering;
        let m = r.abs();
        let mut s = m as f32;
        if finite_in && m.is_finite() && dir != Ordering::Equal {
            // Bracket m between adjacent singles lo <= m < hi.
            let lo = if f64::from(s) > m {
                f32::from_bits(s.to_bits() - 1)
            } else {
                s
            };
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
        let s = if r.is_sign_negative() { -s } else { s };
        let result = f64::from(s);
        if finite_in {
            let inexact = dir != Ordering::Equal || result != r;
            if result.is_infinite() {
                set |= OX | XX;
            } else if inexact {
                set |= XX;
                let min = f64::from(f32::MIN_POSITIVE);
                if m < min || (m == min && dir == Ordering::Less) {
                    set |= UX;
                }
            }
        }
        self.arith_status(set, result.to_bits())
    }

    /// Sets exception bits the way QEMU does: sticky bits, FX, and the VX summary.
    fn fp_raise(&mut self, set: u64) {
        use fpscr::*;
        if set != 0 {
            self.fpu.fpscr |= set | FX;
        }
        if self.fpu.fpscr & VX_ALL != 0 {
            self.fpu.fpscr |= VX;
        }
    }

    /// An invalid compare or conversion with VE clear reports "quiet NaN" (C ‖ FU)
    /// in FPRF, as QEMU does.
    fn invalid_fprf(&mut self) {
        use fpscr::*;
        if self.fpu.fpscr & VE == 0 {
            self.fpu.fpscr = (self.fpu.fpscr & !FPRF) | fprf(0x7FF8_0000_0000_0000) << 12;
        }
    }

    fn fcmp(&mut self, bf: u8, a: u64, b: u64, ordered: bool) {
        use fpscr::*;
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
        self.fpu.fpscr = (self.fpu.fpscr & !(0xF << 12) & !FI) | u64::from(c) << 12;
        self.crf[(bf & 7) as usize] = c;
        if c == 1 {
            let snan = is_snan(a) || is_snan(b);
            let mut set = if snan { VXSNAN } else { 0 };
            if ordered {
                set |= VXVC;
                self.invalid_fprf();
            }
            self.fp_raise(set);
        }
    }

    fn fconv(&mut self, op: FConv, b: u64) -> u64 {
        use fpscr::*;
        let x = f64::from_bits(b);
        // fcfid reads an integer: its bits are never a NaN.
        let mut set = if is_snan(b) && op != FConv::Fcfid {
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
                    let s = x as f32;
                    inexact = f64::from(s) != x;
                    if x.is_finite() && s.is_infinite() {
                        set |= OX | XX;
                    } else if inexact {
                        set |= XX;
                        if x.abs() < f64::from(f32::MIN_POSITIVE) {
                            set |= UX;
                        }
                    }
                    f64::from(s).to_bits()
                };
                self.fpu.fpscr = (self.fpu.fpscr & !FPRF) | fprf(r) << 12;
                r
            }
            FConv::Fcfid => {
                let v = b as i64;
                let r = v as f64;
                inexact = r as i128 != i128::from(v);
                if inexact {
                    set |= XX;
                }
                self.fpu.fpscr = (self.fpu.fpscr & !FPRF) | fprf(r.to_bits()) << 12;
                r.to_bits()
            }
            FConv::Fctiw | FConv::Fctiwz | FConv::Fctid | FConv::Fctidz => {
                let word = matches!(op, FConv::Fctiw | FConv::Fctiwz);
                let rounded = if matches!(op, FConv::Fctiwz | FConv::Fctidz) {
                    x.trunc()
                } else {
                    x.round_ties_even()
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
            self.invalid_fprf();
        }
        self.fp_raise(set);
        result
    }

    /// GPR ↔ doubleword 0 of a VSR (the FPR for 0–31, the VR's high half for 32–63).
    fn vsr_move(&mut self, op: VsrMove, xs: u8, ra: u8) {
        let dw0 = |cpu: &Self| -> u64 {
            match xs & 63 {
                x @ 0..32 => cpu.fpu.fpr[x as usize].0,
                x => (cpu.altivec.vr[(x - 32) as usize].0 >> 64) as u64,
            }
        };
        let g = self.gpr[(ra & 31) as usize];
        let v = match op {
            VsrMove::Mfvsrd => {
                self.gpr[(ra & 31) as usize] = dw0(self);
                return;
            }
            VsrMove::Mfvsrwz => {
                self.gpr[(ra & 31) as usize] = dw0(self) & 0xFFFF_FFFF;
                return;
            }
            VsrMove::Mtvsrd => g,
            VsrMove::Mtvsrwa => g as i32 as i64 as u64,
            VsrMove::Mtvsrwz => g & 0xFFFF_FFFF,
        };
        // Doubleword 1 is left as it was (QEMU 7.2).
        match xs & 63 {
            x @ 0..32 => self.fpu.fpr[x as usize].0 = v,
            x => {
                let r = &mut self.altivec.vr[(x - 32) as usize].0;
                *r = (*r & u128::from(u64::MAX)) | u128::from(v) << 64;
            }
        }
    }

    /// CR1 ← FPSCR[FX, FEX, VX, OX] (a floating-point record form).
    fn record_fp(&mut self) {
        self.crf[1] = ((self.fpu.fpscr >> 28) & 0xF) as u32;
    }

    fn fp_memory(&mut self, op: FMem, frt: u8, ea: u64, mem: &mut Memory) -> Result<(), Fault> {
        let f = (frt & 31) as usize;
        match op {
            FMem::Lfd => self.fpu.fpr[f].0 = mem.read_u64(ea)?,
            FMem::Lfs => self.fpu.fpr[f].0 = single_to_double(u32::from_be_bytes(mem.read(ea)?)),
            FMem::Lfiwax => self.fpu.fpr[f].0 = i32::from_be_bytes(mem.read(ea)?) as i64 as u64,
            FMem::Lfiwzx => self.fpu.fpr[f].0 = u64::from(u32::from_be_bytes(mem.read(ea)?)),
            FMem::Stfd => mem.store(ea, self.fpu.fpr[f].0.to_be_bytes())?,
            FMem::Stfs => mem.store(ea, double_to_single(self.fpu.fpr[f].0).to_be_bytes())?,
            FMem::Stfiwx => mem.store(ea, (self.fpu.fpr[f].0 as u32).to_be_bytes())?,
        }
        Ok(())
    }

    #[inline(always)]
    fn memory(&mut self, op: Mem, rt: u8, ea: u64, mem: &mut Memory) -> Result<(), Fault> {
        let r = (rt & 31) as usize;
        if op.is_store() {
            store(op, self.gpr[r], ea, mem)
        } else {
            self.gpr[r] = load(op, ea, mem)?;
            Ok(())
        }
    }
}

/// The operands of cmp/cmpl/cmpi/cmpli: whole doublewords when `l`, else the low words
/// zero- (`unsigned`) or sign-extended.
#[inline(always)]
pub(crate) fn compare_operands(l: bool, unsigned: bool, a: u64, b: u64) -> (u64, u64) {
    match (l, unsigned) {
        (true, _) => (a, b),
        (false, true) => (a & 0xFFFF_FFFF, b & 0xFFFF_FFFF),
        (false, false) => (a as i32 as i64 as u64, b as i32 as i64 as u64),
    }
}

/// Fixed-size guest memory accesses: [`Memory`] itself (faulting), or only its cached
/// translations ([`Cached`], which fails without side effects on a miss).
pub(crate) trait Bus {
    type Error;
    fn rd<const N: usize>(&mut self, ea: u64) -> Result<[u8; N], Self::Error>;
    fn wr<const N: usize>(&mut self, ea: u64, data: [u8; N]) -> Result<(), Self::Error>;
}

impl Bus for Memory {
    type Error = Fault;
    #[inline(always)]
    fn rd<const N: usize>(&mut self, ea: u64) -> Result<[u8; N], Fault> {
        self.read(ea)
    }
    #[inline(always)]
    fn wr<const N: usize>(&mut self, ea: u64, data: [u8; N]) -> Result<(), Fault> {
        self.store(ea, data)
    }
}

/// The accesses the translation cache answers alone; `Err(())` means "take the full
/// path" (a miss, or a store that needs dirty or code tracking), nothing was done.
pub(crate) struct Cached<'a>(pub &'a mut Memory);

impl Bus for Cached<'_> {
    type Error = ();
    #[inline(always)]
    fn rd<const N: usize>(&mut self, ea: u64) -> Result<[u8; N], ()> {
        self.0.read_cached(ea).ok_or(())
    }
    #[inline(always)]
    fn wr<const N: usize>(&mut self, ea: u64, data: [u8; N]) -> Result<(), ()> {
        self.0.store_cached(ea, data).then_some(()).ok_or(())
    }
}

/// The value a load operation reads at `ea` (zero- or sign-extended); stores read 0.
#[inline(always)]
pub(crate) fn load<B: Bus>(op: Mem, ea: u64, bus: &mut B) -> Result<u64, B::Error> {
    Ok(match op {
        Mem::Lbz => u64::from(bus.rd::<1>(ea)?[0]),
        Mem::Lhz => u64::from(u16::from_be_bytes(bus.rd(ea)?)),
        Mem::Lha => i16::from_be_bytes(bus.rd(ea)?) as i64 as u64,
        Mem::Lwz => u64::from(u32::from_be_bytes(bus.rd(ea)?)),
        Mem::Lwa => i32::from_be_bytes(bus.rd(ea)?) as i64 as u64,
        Mem::Ld => u64::from_be_bytes(bus.rd(ea)?),
        Mem::Lhbrx => u64::from(u16::from_le_bytes(bus.rd(ea)?)),
        Mem::Lwbrx => u64::from(u32::from_le_bytes(bus.rd(ea)?)),
        Mem::Ldbrx => u64::from_le_bytes(bus.rd(ea)?),
        _ => 0,
    })
}

/// Writes `v` as a store operation does (loads write nothing).
#[inline(always)]
pub(crate) fn store<B: Bus>(op: Mem, v: u64, ea: u64, bus: &mut B) -> Result<(), B::Error> {
    match op {
        Mem::Stb => bus.wr(ea, [v as u8]),
        Mem::Sth => bus.wr(ea, (v as u16).to_be_bytes()),
        Mem::Stw => bus.wr(ea, (v as u32).to_be_bytes()),
        Mem::Std => bus.wr(ea, v.to_be_bytes()),
        Mem::Sthbrx => bus.wr(ea, (v as u16).to_le_bytes()),
        Mem::Stwbrx => bus.wr(ea, (v as u32).to_le_bytes()),
        Mem::Stdbrx => bus.wr(ea, v.to_le_bytes()),
        _ => Ok(()),
    }
}

/// Quotient and overflow of a divide; division by zero and signed MIN / -1 yield the
/// dividend (truncated to the operation width, zero-extended for word forms) with
/// overflow, as QEMU does (spec §5.3).
fn divide(op: Arith, a: u64, b: u64) -> (u64, bool) {
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

/// `lfs`: the single-precision bit pattern widened to double precision, as the ISA's
/// load conversion specifies (exact; denormals normalized, NaNs keep their payload).
fn single_to_double(w: u32) -> u64 {
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
fn double_to_single(d: u64) -> u32 {
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

/// FPSCR bits (LSB-0).
#[allow(missing_docs)]
pub mod fpscr {
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
}

/// Whether a double is a signaling NaN.
fn is_snan(v: u64) -> bool {
    v & 0x7FF8_0000_0000_0000 == 0x7FF0_0000_0000_0000 && v & 0x000F_FFFF_FFFF_FFFF != 0
}

/// The FPRF class code of a double (C ‖ FPCC).
fn fprf(bits: u64) -> u64 {
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

/// The sign of x·y + z − r, exactly (finite operands): each term is an integer times a
/// power of two, summed in a fixed-width big integer that spans the whole double
/// range (products included).
fn fma_residual(x: f64, y: f64, z: f64, r: f64) -> std::cmp::Ordering {
    const LIMBS: usize = 56; // 3,584 bits: 2^-2148 .. 2^1130 plus carries
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
