//! Executes one decoded instruction on the CPU state (spec §5.3–§5.5). Guest exceptions
//! are values ([`Exception`]), never panics.

/// The block `dcbz` clears: the cache line of POWER processors (and the
/// `AT_DCACHEBSIZE` the Linux personality reports).
pub const DCBZ_BLOCK: u64 = 128;

mod alu;
mod fconv;
mod fp;
pub mod fpscr;
mod mem;
mod system;
mod vector;
mod vector_fp;
mod vmx_float;
mod vsx;

use crate::decode::{CrOp, FMove, Insn, Mem, Target};
use crate::mem::{Fault, Memory};
use crate::models::IsaLevel;
use crate::state::{msr, spr, xer, CpuState};
pub(crate) use mem::{load, store, Bus, Cached};
pub use system::{host_ticks, vector as interrupt, MODE_BITS, TB_FREQ};

/// Why execution stopped at an instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exception {
    /// `sc` (or `scv` when `vectored`): the personality handles it; `nip` is past it.
    Syscall {
        /// `scv` rather than `sc`.
        vectored: bool,
        /// The LEV field (1: a hypervisor call).
        lev: u8,
    },
    /// An instruction whose facility (FP, VMX, VSX) the MSR has disabled.
    Unavailable(crate::decode::Facility),
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

impl CpuState {
    /// EA = (RA|0) + RB for X-forms, (RA|0) + displacement otherwise.
    #[inline]
    fn ea(&self, ra: u8, rb: Option<u8>, disp: i64) -> u64 {
        let base = self.ra0(ra);
        self.mode_ea(match rb {
            Some(b) => base.wrapping_add(self.gpr[(b & 31) as usize]),
            None => base.wrapping_add(disp as u64),
        })
    }

    /// An effective address as the mode makes it: 32-bit mode (MSR\[SF\] = 0) clears
    /// its upper word.
    #[inline]
    pub(crate) fn mode_ea(&self, ea: u64) -> u64 {
        if self.msr & msr::SF != 0 {
            ea
        } else {
            ea & 0xFFFF_FFFF
        }
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
        // 32-bit mode compares the low word.
        let v = if self.msr & msr::SF != 0 {
            v as i64
        } else {
            i64::from(v as i32)
        };
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

    #[inline(always)]
    pub(crate) fn branch(&mut self, target: Target, bo: u8, bi: u8, lk: bool, cia: u64) -> u64 {
        if bo & 4 == 0 {
            self.ctr = self.ctr.wrapping_sub(1);
        }
        let ctr = if self.msr & msr::SF != 0 {
            self.ctr
        } else {
            self.ctr & 0xFFFF_FFFF
        };
        let ctr_ok = bo & 4 != 0 || ((ctr != 0) ^ (bo & 2 != 0));
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
                self.load_and_reserve(size, rt, ea, mem, res)?;
            }
            Insn::Stcx { size, rs, ra, rb } => {
                let ea = self.ea(ra, Some(rb), 0);
                self.store_conditional(size, rs, ea, mem, res)?;
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
                self.spr_access(n, false)?;
                self.gpr[(rt & 31) as usize] = self.read_spr(n as usize);
            }
            Insn::Mtspr { rs, spr: n } => {
                self.spr_access(n, true)?;
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
                    spr::CFAR => self.cfar = v,
                    spr::DEC => {
                        self.dec_at = self.timebase().wrapping_add(v as u32 as i32 as i64 as u64);
                        self.dec_armed = true;
                    }
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
            Insn::Sc { lev } => {
                return Err(Exception::Syscall {
                    vectored: false,
                    lev,
                })
            }
            Insn::Scv => {
                return Err(Exception::Syscall {
                    vectored: true,
                    lev: 0,
                })
            }
            Insn::System(op) => return self.system(op, cia),
            Insn::Vector(op) => self.vector(op, mem).map_err(Exception::Fault)?,
            Insn::Vmx {
                op,
                vt,
                va,
                vb,
                vc,
                rc,
            } => self.vmx(op, vt, va, vb, vc, rc),
            Insn::Vsx { op, xt, xa, xb } => self.vsx_op(op, xt, xa, xb),
            Insn::VsxScalar { op, xt, xa, xb } => self.vsx_scalar(op, xt, xa, xb),
            Insn::Mtfsf { flm, frb, l, w, rc } => {
                self.mtfsf(flm, self.fpu.fpr[(frb & 31) as usize].0, l, w);
                if rc {
                    self.record_fp();
                }
            }
            Insn::Mtfsfi { bf, u, w, rc } => {
                let shift = 4 * (7 - u32::from(bf & 7)) + if w { 32 } else { 0 };
                let flm = if w { 0 } else { 0x80 >> (bf & 7) };
                if w {
                    // Upper-word fields (ISA 3.0's W = 1): only in the 64-bit FPSCR.
                    let m = 0xF << shift;
                    self.fpu.fpscr = (self.fpu.fpscr & !m) | (u64::from(u) << shift);
                } else {
                    self.mtfsf(flm, u64::from(u) << shift, false, false);
                }
                if rc {
                    self.record_fp();
                }
            }
            Insn::Mtfsb { bt, set, rc } => {
                self.mtfsb(bt, set);
                if rc {
                    self.record_fp();
                }
            }
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
                self.fp_result(frt, v, rc);
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
                self.fp_result(frt, r, rc);
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
                self.fcmp(bf, a, b, ordered, false);
            }
            Insn::FConv { op, frt, frb, rc } => {
                let r = self.fconv(op, self.fpu.fpr[(frb & 31) as usize].0);
                self.fp_result(frt, r, rc);
            }
            Insn::Fsqrt {
                frt,
                frb,
                rc,
                single,
            } => {
                let b = self.fpu.fpr[(frb & 31) as usize].0;
                let r = self.fsqrt(b, single);
                self.fp_result(frt, r, rc);
            }
            Insn::Fre {
                frt,
                frb,
                rc,
                single,
                sqrt,
            } => {
                let b = self.fpu.fpr[(frb & 31) as usize].0;
                let r = self.fre(b, single, sqrt);
                self.fp_result(frt, r, rc);
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
                self.fp_result(frt, r, rc);
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
                self.fp_result(frt, self.fpu.fpr[(pick & 31) as usize].0, rc);
            }
            Insn::Mffs { frt, rc, op } => self.mffs(frt, rc, op),
            Insn::Nop => {}
        }
        Ok(next)
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
