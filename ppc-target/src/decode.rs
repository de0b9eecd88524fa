//! Instruction word → plain value. A word with reserved bits set, or an opcode outside the
//! subset, is a [`DecodeError`], never a guess (spec §5.3). Bit numbers in comments are
//! IBM's (bit 0 is the most significant).

use std::fmt;

use crate::models::IsaLevel;

/// Why a word does not decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// Primary opcode outside the subset.
    UnknownPrimary(u8),
    /// Extended opcode outside the subset.
    UnknownExtended {
        /// Primary opcode.
        primary: u8,
        /// Extended opcode.
        xo: u16,
    },
    /// Reserved bits are set, or an invalid form (e.g. an update load with RA = 0).
    Invalid,
    /// A prefix word whose suffix is not a prefixed instruction of the subset.
    BadPrefixed,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::UnknownPrimary(p) => write!(f, "unknown primary opcode {p}"),
            DecodeError::UnknownExtended { primary, xo } => {
                write!(f, "unknown extended opcode {primary}/{xo}")
            }
            DecodeError::Invalid => f.write_str("invalid instruction form (reserved bits set)"),
            DecodeError::BadPrefixed => f.write_str("unknown prefixed instruction"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Integer XO-form arithmetic operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Arith {
    Add,
    Addc,
    Adde,
    Addme,
    Addze,
    Subf,
    Subfc,
    Subfe,
    Subfme,
    Subfze,
    Neg,
    Mullw,
    Mulld,
    Mulhw,
    Mulhwu,
    Mulhd,
    Mulhdu,
    Divw,
    Divwu,
    Divd,
    Divdu,
    Divwe,
    Divweu,
    Divde,
    Divdeu,
}

/// X-form logical and unary operations (RA ← f(RS, RB)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Logic {
    And,
    Andc,
    Or,
    Orc,
    Nor,
    Xor,
    Eqv,
    Nand,
    Extsb,
    Extsh,
    Extsw,
    Cntlzw,
    Cntlzd,
    Cnttzw,
    Cnttzd,
    Popcntb,
    Popcntw,
    Popcntd,
    Prtyw,
    Prtyd,
    Cmpb,
    Bpermd,
    Slw,
    Srw,
    Sraw,
    Sld,
    Srd,
    Srad,
    Brh,
    Brw,
    Brd,
    Cntlzdm,
    Cnttzdm,
    Pdepd,
    Pextd,
    Cfuged,
    Modsw,
    Moduw,
    Modsd,
    Modud,
}

/// Memory access widths and kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Mem {
    Lbz,
    Lhz,
    Lha,
    Lwz,
    Lwa,
    Ld,
    Stb,
    Sth,
    Stw,
    Std,
    Lhbrx,
    Lwbrx,
    Ldbrx,
    Sthbrx,
    Stwbrx,
    Stdbrx,
}

impl Mem {
    /// Whether the operation writes memory.
    pub fn is_store(self) -> bool {
        matches!(
            self,
            Mem::Stb | Mem::Sth | Mem::Stw | Mem::Std | Mem::Sthbrx | Mem::Stwbrx | Mem::Stdbrx
        )
    }
}

/// Floating-point memory operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum FMem {
    Lfs,
    Lfd,
    Stfs,
    Stfd,
    Lfiwax,
    Lfiwzx,
    Stfiwx,
}

/// Double-precision arithmetic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum FArith {
    Add,
    Sub,
    Mul,
    Div,
}

/// The fused multiply-add forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum FmaOp {
    Madd,
    Msub,
    Nmadd,
    Nmsub,
}

/// The fused multiply-add or square root of an A-form `w` (opcode 59 or 63), if it is one.
fn fp_a_form(w: u32, single: bool) -> Option<Result<Insn, DecodeError>> {
    let (t, a, b) = (rt(w), ra(w), rb(w));
    let c = ((w >> 6) & 31) as u8;
    let rc = w & 1 != 0;
    let op = match (w >> 1) & 31 {
        22 if a == 0 && c == 0 => {
            return Some(Ok(Insn::Fsqrt {
                frt: t,
                frb: b,
                rc,
                single,
            }))
        }
        22 => return Some(Err(DecodeError::Invalid)),
        28 => FmaOp::Msub,
        29 => FmaOp::Madd,
        30 => FmaOp::Nmsub,
        31 => FmaOp::Nmadd,
        _ => return None,
    };
    Some(Ok(Insn::Fma {
        op,
        frt: t,
        fra: a,
        frc: c,
        frb: b,
        rc,
        single,
    }))
}

/// One-operand floating-point conversions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum FConv {
    Frsp,
    Fctiw,
    Fctiwz,
    Fctid,
    Fctidz,
    Fcfid,
}

/// Floating-point register moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum FMove {
    Fmr,
    Fneg,
    Fabs,
    Fnabs,
    Fcpsgn,
}

/// GPR ↔ VSR moves (ISA 2.07).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum VsrMove {
    Mfvsrd,
    Mfvsrwz,
    Mtvsrd,
    Mtvsrwa,
    Mtvsrwz,
}

/// CR logical operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum CrOp {
    And,
    Andc,
    Eqv,
    Nand,
    Nor,
    Or,
    Orc,
    Xor,
}

/// Where a branch goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// Relative to the branch (or absolute when AA is set).
    Direct {
        /// Displacement or absolute address.
        disp: i64,
        /// Absolute.
        aa: bool,
    },
    /// Through LR.
    Lr,
    /// Through CTR.
    Ctr,
    /// Through TAR.
    Tar,
}

/// A decoded instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Insn {
    /// addi/addis (shifted), RA = 0 reads 0.
    Addi {
        rt: u8,
        ra: u8,
        imm: i64,
    },
    /// addic / addic.
    Addic {
        rt: u8,
        ra: u8,
        imm: i64,
        rc: bool,
    },
    Subfic {
        rt: u8,
        ra: u8,
        imm: i64,
    },
    Mulli {
        rt: u8,
        ra: u8,
        imm: i64,
    },
    /// XO-form arithmetic.
    Arith {
        op: Arith,
        rt: u8,
        ra: u8,
        rb: u8,
        oe: bool,
        rc: bool,
    },
    /// X-form logical (RA ← op(RS, RB)).
    Logic {
        op: Logic,
        ra: u8,
        rs: u8,
        rb: u8,
        rc: bool,
    },
    /// ori/oris/xori/xoris/andi./andis. with the immediate already shifted.
    LogicImm {
        op: Logic,
        ra: u8,
        rs: u8,
        imm: u64,
        rc: bool,
    },
    Srawi {
        ra: u8,
        rs: u8,
        sh: u8,
        rc: bool,
    },
    Sradi {
        ra: u8,
        rs: u8,
        sh: u8,
        rc: bool,
    },
    Extswsli {
        ra: u8,
        rs: u8,
        sh: u8,
        rc: bool,
    },
    /// rlwinm / rlwnm (sh from RB when `rb` is Some) / rlwimi.
    Rlw {
        ra: u8,
        rs: u8,
        sh: u8,
        rb: Option<u8>,
        mb: u8,
        me: u8,
        insert: bool,
        rc: bool,
    },
    /// rldicl (0), rldicr (1), rldic (2), rldimi (3), rldcl (8), rldcr (9).
    Rld {
        kind: u8,
        ra: u8,
        rs: u8,
        sh: u8,
        rb: Option<u8>,
        mbe: u8,
        rc: bool,
    },
    /// cmpi/cmpli (imm) or cmp/cmpl (rb): bf, 64-bit when l.
    Cmp {
        bf: u8,
        l: bool,
        ra: u8,
        rb: Option<u8>,
        imm: i64,
        unsigned: bool,
    },
    Cmprb {
        bf: u8,
        l: bool,
        ra: u8,
        rb: u8,
    },
    Cmpeqb {
        bf: u8,
        ra: u8,
        rb: u8,
    },
    Setb {
        rt: u8,
        bfa: u8,
    },
    Mcrxrx {
        bf: u8,
    },
    Isel {
        rt: u8,
        ra: u8,
        rb: u8,
        bc: u8,
    },
    Maddhd {
        rt: u8,
        ra: u8,
        rb: u8,
        rc: u8,
    },
    Maddhdu {
        rt: u8,
        ra: u8,
        rb: u8,
        rc: u8,
    },
    Maddld {
        rt: u8,
        ra: u8,
        rb: u8,
        rc: u8,
    },
    Darn {
        rt: u8,
        l: u8,
    },
    Addpcis {
        rt: u8,
        imm: i64,
    },
    Addex {
        rt: u8,
        ra: u8,
        rb: u8,
    },
    /// setbc (0), setbcr (1), setnbc (2), setnbcr (3).
    Setbc {
        rt: u8,
        bi: u8,
        kind: u8,
    },
    /// A load or store; `rb` Some for indexed forms; `update` writes EA to RA.
    Mem {
        op: Mem,
        rt: u8,
        ra: u8,
        rb: Option<u8>,
        disp: i64,
        update: bool,
    },
    /// lwarx/ldarx/lbarx/lharx (size in bytes).
    Larx {
        size: u8,
        rt: u8,
        ra: u8,
        rb: u8,
    },
    /// stwcx./stdcx./stbcx./sthcx.
    Stcx {
        size: u8,
        rs: u8,
        ra: u8,
        rb: u8,
    },
    /// A prefixed load/store or paddi (8-byte instruction): `pcrel` adds the
    /// instruction's address.
    Prefixed {
        op: Option<Mem>,
        rt: u8,
        ra: u8,
        disp: i64,
        pcrel: bool,
    },
    Branch {
        target: Target,
        bo: u8,
        bi: u8,
        lk: bool,
    },
    CrLogic {
        op: CrOp,
        bt: u8,
        ba: u8,
        bb: u8,
    },
    Mcrf {
        bf: u8,
        bfa: u8,
    },
    Mfspr {
        rt: u8,
        spr: u16,
    },
    Mtspr {
        rs: u8,
        spr: u16,
    },
    Mfcr {
        rt: u8,
        one: Option<u8>,
    },
    Mtcrf {
        rs: u8,
        fxm: u8,
        one: bool,
    },
    Sc,
    Scv,
    /// tw/td/twi/tdi: 64-bit when `dword`.
    Trap {
        to: u8,
        ra: u8,
        rb: Option<u8>,
        imm: i64,
        dword: bool,
    },
    /// Floating-point load or store (`lfs`, `lfd`, `stfs`, `stfd` and indexed/update
    /// forms, `lfiwax`, `lfiwzx`, `stfiwx`).
    FMem {
        op: FMem,
        frt: u8,
        ra: u8,
        rb: Option<u8>,
        disp: i64,
        update: bool,
    },
    /// `fmr`, `fneg`, `fabs`, `fnabs`, `fcpsgn`: bit moves, no FPSCR change.
    FMove {
        op: FMove,
        frt: u8,
        fra: u8,
        frb: u8,
        rc: bool,
    },
    /// `mffs`: FRT ← FPSCR.
    Mffs {
        frt: u8,
        rc: bool,
    },
    /// `fadd`, `fsub`, `fmul`, `fdiv` (primary 63), or with `single` their
    /// single-precision forms `fadds`… (primary 59: the result rounded once to single
    /// precision, held in double format), with FPSCR status.
    FArith {
        op: FArith,
        frt: u8,
        fra: u8,
        frb: u8,
        rc: bool,
        single: bool,
    },
    /// `fcmpu` / `fcmpo` (ordered).
    Fcmp {
        bf: u8,
        fra: u8,
        frb: u8,
        ordered: bool,
    },
    /// `frsp`, `fctiw[z]`, `fctid[z]`, `fcfid`: one-operand conversions with FPSCR status.
    FConv {
        op: FConv,
        frt: u8,
        frb: u8,
        rc: bool,
    },
    /// `fsqrt`, `fsqrts`: FRT ← √FRB.
    Fsqrt {
        frt: u8,
        frb: u8,
        rc: bool,
        single: bool,
    },
    /// `fmadd`, `fmsub`, `fnmadd`, `fnmsub` (and the single forms): FRT ←
    /// ±((FRA × FRC) ± FRB), rounded once.
    Fma {
        op: FmaOp,
        frt: u8,
        fra: u8,
        frc: u8,
        frb: u8,
        rc: bool,
        single: bool,
    },
    /// `fsel`: FRT ← FRA ≥ 0 ? FRC : FRB.
    Fsel {
        frt: u8,
        fra: u8,
        frb: u8,
        frc: u8,
        rc: bool,
    },
    /// `lq` (ISA 2.07 in problem state): RT ← the doubleword at EA, RT+1 ← the one
    /// after it (RT even, RT ≠ RA).
    Lq {
        rt: u8,
        ra: u8,
        disp: i64,
    },
    /// `dcbz`: the 128-byte block holding EA = (RA|0) + RB ← zeros.
    Dcbz {
        ra: u8,
        rb: u8,
    },
    /// `stq`: the doubleword at EA ← RS, the one after it ← RS+1 (RS even).
    Stq {
        rs: u8,
        ra: u8,
        disp: i64,
    },
    /// `mfvsrd`, `mfvsrwz`, `mtvsrd`, `mtvsrwa`, `mtvsrwz`: moves between GPR `ra`
    /// and doubleword 0 of VSR `xs` (0–63: FPRs, then the VRs).
    VsrMove {
        op: VsrMove,
        xs: u8,
        ra: u8,
    },
    /// sync, lwsync, isync, eieio and friends: no effect here.
    Nop,
}

impl Insn {
    /// The ISA level that introduced the instruction (spec §5.3).
    pub fn isa(&self) -> IsaLevel {
        use IsaLevel::*;
        match *self {
            Insn::Logic { op, .. } => match op {
                Logic::Cnttzw
                | Logic::Cnttzd
                | Logic::Modsw
                | Logic::Moduw
                | Logic::Modsd
                | Logic::Modud => V3_0,
                Logic::Popcntw | Logic::Popcntd | Logic::Bpermd => V2_06,
                Logic::Prtyw | Logic::Prtyd | Logic::Cmpb => V2_05,
                Logic::Popcntb => V2_02,
                Logic::Brh
                | Logic::Brw
                | Logic::Brd
                | Logic::Cntlzdm
                | Logic::Cnttzdm
                | Logic::Pdepd
                | Logic::Pextd
                | Logic::Cfuged => V3_1,
                _ => V2_01,
            },
            Insn::Arith {
                op: Arith::Divwe | Arith::Divweu | Arith::Divde | Arith::Divdeu,
                ..
            } => V2_06,
            Insn::Mem {
                op: Mem::Ldbrx | Mem::Stdbrx,
                ..
            } => V2_06,
            Insn::Larx { size: 1 | 2, .. } | Insn::Stcx { size: 1 | 2, .. } => V2_06,
            Insn::Larx { size: 16, .. }
            | Insn::Stcx { size: 16, .. }
            | Insn::Lq { .. }
            | Insn::Stq { .. }
            | Insn::VsrMove { .. } => V2_07,
            Insn::Isel { .. } => V2_06,
            Insn::Branch {
                target: Target::Tar,
                ..
            } => V2_07,
            Insn::Extswsli { .. }
            | Insn::Cmprb { .. }
            | Insn::Cmpeqb { .. }
            | Insn::Setb { .. }
            | Insn::Mcrxrx { .. }
            | Insn::Maddhd { .. }
            | Insn::Maddhdu { .. }
            | Insn::Maddld { .. }
            | Insn::Darn { .. }
            | Insn::Addpcis { .. }
            | Insn::Addex { .. }
            | Insn::Scv => V3_0,
            Insn::Setbc { .. } | Insn::Prefixed { .. } => V3_1,
            Insn::Mfcr { one: Some(_), .. } | Insn::Mtcrf { one: true, .. } => V2_01,
            _ => V2_01,
        }
    }

    /// Bytes the instruction occupies (8 for prefixed ones).
    pub fn len(&self) -> u64 {
        if matches!(self, Insn::Prefixed { .. }) {
            8
        } else {
            4
        }
    }

    /// Whether the instruction is 4 bytes (never empty; for clippy's `len` convention).
    pub fn is_empty(&self) -> bool {
        false
    }
}

#[inline]
fn rt(w: u32) -> u8 {
    ((w >> 21) & 31) as u8
}
#[inline]
fn ra(w: u32) -> u8 {
    ((w >> 16) & 31) as u8
}
#[inline]
fn rb(w: u32) -> u8 {
    ((w >> 11) & 31) as u8
}
#[inline]
fn simm(w: u32) -> i64 {
    i64::from(w as u16 as i16)
}

fn bad_ext(primary: u32, xo: u32) -> DecodeError {
    DecodeError::UnknownExtended {
        primary: primary as u8,
        xo: xo as u16,
    }
}

/// Decodes a 4-byte instruction word. Prefixed instructions (primary opcode 1) need
/// their suffix: use [`decode_prefixed`].
///
/// ```
/// use ppc_target::decode::{decode, Insn, DecodeError};
/// assert_eq!(decode(0x38600001), Ok(Insn::Addi { rt: 3, ra: 0, imm: 1 })); // li r3,1
/// assert_eq!(decode(0x7FE00008).unwrap(), Insn::Trap { to: 31, ra: 0, rb: Some(0), imm: 0, dword: false });
/// assert_eq!(decode(0x00000000), Err(DecodeError::UnknownPrimary(0)));
/// ```
pub fn decode(w: u32) -> Result<Insn, DecodeError> {
    let op = w >> 26;
    Ok(match op {
        2 | 3 => Insn::Trap {
            to: rt(w),
            ra: ra(w),
            rb: None,
            imm: simm(w),
            dword: op == 2,
        },
        4 => match w & 0x3F {
            48 => Insn::Maddhd {
                rt: rt(w),
                ra: ra(w),
                rb: rb(w),
                rc: ((w >> 6) & 31) as u8,
            },
            49 => Insn::Maddhdu {
                rt: rt(w),
                ra: ra(w),
                rb: rb(w),
                rc: ((w >> 6) & 31) as u8,
            },
            51 => Insn::Maddld {
                rt: rt(w),
                ra: ra(w),
                rb: rb(w),
                rc: ((w >> 6) & 31) as u8,
            },
            x => return Err(bad_ext(op, x)),
        },
        7 => Insn::Mulli {
            rt: rt(w),
            ra: ra(w),
            imm: simm(w),
        },
        8 => Insn::Subfic {
            rt: rt(w),
            ra: ra(w),
            imm: simm(w),
        },
        10 | 11 => {
            if w & (1 << 22) != 0 {
                return Err(DecodeError::Invalid);
            }
            let unsigned = op == 10;
            let imm = if unsigned {
                i64::from(w & 0xFFFF)
            } else {
                simm(w)
            };
            Insn::Cmp {
                bf: (rt(w) >> 2) & 7,
                l: rt(w) & 1 != 0,
                ra: ra(w),
                rb: None,
                imm,
                unsigned,
            }
        }
        12 | 13 => Insn::Addic {
            rt: rt(w),
            ra: ra(w),
            imm: simm(w),
            rc: op == 13,
        },
        14 => Insn::Addi {
            rt: rt(w),
            ra: ra(w),
            imm: simm(w),
        },
        15 => Insn::Addi {
            rt: rt(w),
            ra: ra(w),
            imm: simm(w) << 16,
        },
        16 => {
            let bd = i64::from((w & 0xFFFC) as u16 as i16);
            Insn::Branch {
                target: Target::Direct {
                    disp: bd,
                    aa: w & 2 != 0,
                },
                bo: rt(w),
                bi: ra(w),
                lk: w & 1 != 0,
            }
        }
        17 => match w & 3 {
            2 => Insn::Sc,
            1 if (w >> 5) & 0x7F == 0 => Insn::Scv,
            _ => return Err(DecodeError::Invalid),
        },
        18 => {
            let li = ((w & 0x03FF_FFFC) << 6) as i32 >> 6;
            Insn::Branch {
                target: Target::Direct {
                    disp: i64::from(li),
                    aa: w & 2 != 0,
                },
                bo: 20,
                bi: 0,
                lk: w & 1 != 0,
            }
        }
        19 => decode_19(w)?,
        20 | 21 | 23 => Insn::Rlw {
            ra: ra(w),
            rs: rt(w),
            sh: rb(w),
            rb: (op == 23).then(|| rb(w)),
            mb: ((w >> 6) & 31) as u8,
            me: ((w >> 1) & 31) as u8,
            insert: op == 20,
            rc: w & 1 != 0,
        },
        // ori, oris, xori, xoris, andi., andis.: odd opcodes shift the immediate.
        24..=29 => Insn::LogicImm {
            op: [Logic::Or, Logic::Xor, Logic::And][(op as usize - 24) / 2],
            ra: ra(w),
            rs: rt(w),
            imm: u64::from(w & 0xFFFF) << (16 * (op & 1)),
            rc: op >= 28,
        },
        30 => decode_30(w)?,
        31 => decode_31(w)?,
        32..=45 => {
            let (mem, update) = match op {
                32 => (Mem::Lwz, false),
                33 => (Mem::Lwz, true),
                34 => (Mem::Lbz, false),
                35 => (Mem::Lbz, true),
                36 => (Mem::Stw, false),
                37 => (Mem::Stw, true),
                38 => (Mem::Stb, false),
                39 => (Mem::Stb, true),
                40 => (Mem::Lhz, false),
                41 => (Mem::Lhz, true),
                42 => (Mem::Lha, false),
                43 => (Mem::Lha, true),
                44 => (Mem::Sth, false),
                _ => (Mem::Sth, true),
            };
            mem_insn(mem, rt(w), ra(w), None, simm(w), update)?
        }
        48..=55 => {
            let (op, update) = match op {
                48 => (FMem::Lfs, false),
                49 => (FMem::Lfs, true),
                50 => (FMem::Lfd, false),
                51 => (FMem::Lfd, true),
                52 => (FMem::Stfs, false),
                53 => (FMem::Stfs, true),
                54 => (FMem::Stfd, false),
                _ => (FMem::Stfd, true),
            };
            if update && ra(w) == 0 {
                return Err(DecodeError::Invalid);
            }
            Insn::FMem {
                op,
                frt: rt(w),
                ra: ra(w),
                rb: None,
                disp: simm(w),
                update,
            }
        }
        59 => decode_59(w)?,
        63 => decode_63(w)?,
        58 => {
            let disp = simm(w & !3);
            match w & 3 {
                0 => mem_insn(Mem::Ld, rt(w), ra(w), None, disp, false)?,
                1 => mem_insn(Mem::Ld, rt(w), ra(w), None, disp, true)?,
                2 => mem_insn(Mem::Lwa, rt(w), ra(w), None, disp, false)?,
                x => return Err(bad_ext(op, x)),
            }
        }
        56 => {
            // DQ form; QEMU ignores the low four bits (as the displacement's).
            let (t, a) = (rt(w), ra(w));
            if t & 1 != 0 || t == a {
                return Err(DecodeError::Invalid);
            }
            Insn::Lq {
                rt: t,
                ra: a,
                disp: simm(w & !0xF),
            }
        }
        62 => {
            let disp = simm(w & !3);
            match w & 3 {
                0 => mem_insn(Mem::Std, rt(w), ra(w), None, disp, false)?,
                1 => mem_insn(Mem::Std, rt(w), ra(w), None, disp, true)?,
                2 if rt(w) & 1 == 0 => Insn::Stq {
                    rs: rt(w),
                    ra: ra(w),
                    disp,
                },
                2 => return Err(DecodeError::Invalid),
                x => return Err(bad_ext(op, x)),
            }
        }
        1 => return Err(DecodeError::BadPrefixed),
        _ => return Err(DecodeError::UnknownPrimary(op as u8)),
    })
}

/// Primary opcode 59: single-precision arithmetic (`fadds`, `fsubs`, `fmuls`, `fdivs`).
fn decode_59(w: u32) -> Result<Insn, DecodeError> {
    if let Some(r) = fp_a_form(w, true) {
        return r;
    }
    let (t, a, b) = (rt(w), ra(w), rb(w));
    let c = ((w >> 6) & 31) as u8;
    let (op, frb) = match (w >> 1) & 31 {
        18 if c == 0 => (FArith::Div, b),
        20 if c == 0 => (FArith::Sub, b),
        21 if c == 0 => (FArith::Add, b),
        25 if b == 0 => (FArith::Mul, c),
        18 | 20 | 21 | 25 => return Err(DecodeError::Invalid),
        x => return Err(bad_ext(59, x)),
    };
    Ok(Insn::FArith {
        op,
        frt: t,
        fra: a,
        frb,
        rc: w & 1 != 0,
        single: true,
    })
}

/// Primary opcode 63: the floating-point moves and `mffs` of the subset.
fn decode_63(w: u32) -> Result<Insn, DecodeError> {
    if let Some(r) = fp_a_form(w, false) {
        return r;
    }
    let xo = (w >> 1) & 0x3FF;
    let rc = w & 1 != 0;
    let (t, a, b) = (rt(w), ra(w), rb(w));
    let c = ((w >> 6) & 31) as u8;
    // A-form arithmetic: 5-bit XO; the unused register field must be 0.
    match (w >> 1) & 31 {
        18 | 20 | 21 if c == 0 => {
            let op = match (w >> 1) & 31 {
                18 => FArith::Div,
                20 => FArith::Sub,
                _ => FArith::Add,
            };
            return Ok(Insn::FArith {
                op,
                frt: t,
                fra: a,
                frb: b,
                rc,
                single: false,
            });
        }
        25 if b == 0 => {
            return Ok(Insn::FArith {
                op: FArith::Mul,
                frt: t,
                fra: a,
                frb: c,
                rc,
                single: false,
            })
        }
        18 | 20 | 21 | 25 => return Err(DecodeError::Invalid),
        23 => {
            return Ok(Insn::Fsel {
                frt: t,
                fra: a,
                frb: b,
                frc: c,
                rc,
            })
        }
        _ => {}
    }
    let conv = |op| {
        if a != 0 {
            Err(DecodeError::Invalid)
        } else {
            Ok(Insn::FConv {
                op,
                frt: t,
                frb: b,
                rc,
            })
        }
    };
    match xo {
        0 | 32 if t & 3 == 0 && !rc => {
            return Ok(Insn::Fcmp {
                bf: t >> 2,
                fra: a,
                frb: b,
                ordered: xo == 32,
            })
        }
        0 | 32 => return Err(DecodeError::Invalid),
        12 => return conv(FConv::Frsp),
        14 => return conv(FConv::Fctiw),
        15 => return conv(FConv::Fctiwz),
        814 => return conv(FConv::Fctid),
        815 => return conv(FConv::Fctidz),
        846 => return conv(FConv::Fcfid),
        _ => {}
    }
    let mv = |op| {
        if a != 0 {
            Err(DecodeError::Invalid)
        } else {
            Ok(Insn::FMove {
                op,
                frt: t,
                fra: 0,
                frb: b,
                rc,
            })
        }
    };
    match xo {
        72 => mv(FMove::Fmr),
        40 => mv(FMove::Fneg),
        264 => mv(FMove::Fabs),
        136 => mv(FMove::Fnabs),
        8 => Ok(Insn::FMove {
            op: FMove::Fcpsgn,
            frt: t,
            fra: a,
            frb: b,
            rc,
        }),
        583 if a == 0 && b == 0 => Ok(Insn::Mffs { frt: t, rc }),
        _ => Err(bad_ext(63, xo)),
    }
}

/// Update forms need RA ≠ 0 (and ≠ RT for loads): otherwise the form is invalid.
fn mem_insn(
    op: Mem,
    rt: u8,
    ra: u8,
    rb: Option<u8>,
    disp: i64,
    update: bool,
) -> Result<Insn, DecodeError> {
    let is_load = matches!(
        op,
        Mem::Lbz | Mem::Lhz | Mem::Lha | Mem::Lwz | Mem::Lwa | Mem::Ld
    );
    if update && (ra == 0 || (is_load && ra == rt)) {
        return Err(DecodeError::Invalid);
    }
    Ok(Insn::Mem {
        op,
        rt,
        ra,
        rb,
        disp,
        update,
    })
}

fn decode_19(w: u32) -> Result<Insn, DecodeError> {
    let xo = (w >> 1) & 0x3FF;
    if xo & 0x1F == 2 {
        // addpcis (DX-form): d = d0 ‖ d1 ‖ d2.
        let d1 = (w >> 16) & 31;
        let d0 = (w >> 6) & 0x3FF;
        let d2 = w & 1;
        let d = ((d0 << 6) | (d1 << 1) | d2) as u16 as i16;
        return Ok(Insn::Addpcis {
            rt: rt(w),
            imm: i64::from(d) << 16,
        });
    }
    let (bt, ba, bb) = (rt(w), ra(w), rb(w));
    let cr = |op| {
        if w & 1 != 0 {
            Err(DecodeError::Invalid)
        } else {
            Ok(Insn::CrLogic { op, bt, ba, bb })
        }
    };
    match xo {
        0 => {
            if bt & 3 != 0 || ba & 3 != 0 || bb != 0 || w & 1 != 0 {
                return Err(DecodeError::Invalid);
            }
            Ok(Insn::Mcrf {
                bf: bt >> 2,
                bfa: ba >> 2,
            })
        }
        16 | 528 | 560 => {
            if rb(w) & 0x1C != 0 {
                return Err(DecodeError::Invalid);
            }
            let target = match xo {
                16 => Target::Lr,
                528 => Target::Ctr,
                _ => Target::Tar,
            };
            // bcctr with a CTR decrement is an invalid form.
            if xo == 528 && bt & 4 == 0 {
                return Err(DecodeError::Invalid);
            }
            Ok(Insn::Branch {
                target,
                bo: bt,
                bi: ba,
                lk: w & 1 != 0,
            })
        }
        33 => cr(CrOp::Nor),
        129 => cr(CrOp::Andc),
        150 if w & 0x03FF_F801 == 0 => Ok(Insn::Nop), // isync
        193 => cr(CrOp::Xor),
        225 => cr(CrOp::Nand),
        257 => cr(CrOp::And),
        289 => cr(CrOp::Eqv),
        417 => cr(CrOp::Orc),
        449 => cr(CrOp::Or),
        _ => Err(bad_ext(19, xo)),
    }
}

fn decode_30(w: u32) -> Result<Insn, DecodeError> {
    let sh = (((w >> 11) & 31) | ((w >> 1) & 1) << 5) as u8;
    let mbe = (((w >> 6) & 31) | ((w >> 5) & 1) << 5) as u8;
    let rc = w & 1 != 0;
    let kind = ((w >> 2) & 7) as u8;
    if kind <= 3 {
        return Ok(Insn::Rld {
            kind,
            ra: ra(w),
            rs: rt(w),
            sh,
            rb: None,
            mbe,
            rc,
        });
    }
    match (w >> 1) & 0xF {
        8 | 9 => Ok(Insn::Rld {
            kind: ((w >> 1) & 0xF) as u8,
            ra: ra(w),
            rs: rt(w),
            sh: 0,
            rb: Some(rb(w)),
            mbe,
            rc,
        }),
        x => Err(bad_ext(30, x)),
    }
}

fn decode_31(w: u32) -> Result<Insn, DecodeError> {
    let insn = decode_31_fields(w)?;
    // Bit 31 is Rc only for the record forms; elsewhere it is reserved (stcx. needs it).
    let rc_form = matches!(
        insn,
        Insn::Arith { .. }
            | Insn::Logic { .. }
            | Insn::Srawi { .. }
            | Insn::Sradi { .. }
            | Insn::Extswsli { .. }
            | Insn::Stcx { .. }
            | Insn::VsrMove { .. }
    );
    if w & 1 != 0 && !rc_form {
        return Err(DecodeError::Invalid);
    }
    Ok(insn)
}

fn decode_31_fields(w: u32) -> Result<Insn, DecodeError> {
    let xo10 = (w >> 1) & 0x3FF;
    let xo9 = (w >> 1) & 0x1FF;
    let rc = w & 1 != 0;
    let oe = (w >> 10) & 1 != 0;
    let (t, a, b) = (rt(w), ra(w), rb(w));
    // XS-form: sradi (413) and extswsli (445), 9-bit XO in bits 21..29.
    match (w >> 2) & 0x1FF {
        413 => {
            return Ok(Insn::Sradi {
                ra: a,
                rs: t,
                sh: (b | (((w >> 1) & 1) << 5) as u8),
                rc,
            })
        }
        445 => {
            return Ok(Insn::Extswsli {
                ra: a,
                rs: t,
                sh: (b | (((w >> 1) & 1) << 5) as u8),
                rc,
            })
        }
        _ => {}
    }
    if w & 0x3E == 30 {
        // isel (A-form, 5-bit XO 15); bit 31 is reserved.
        if w & 1 != 0 {
            return Err(DecodeError::Invalid);
        }
        return Ok(Insn::Isel {
            rt: t,
            ra: a,
            rb: b,
            bc: ((w >> 6) & 31) as u8,
        });
    }
    let arith = |op| {
        Ok(Insn::Arith {
            op,
            rt: t,
            ra: a,
            rb: b,
            oe,
            rc,
        })
    };
    let arith_no_rb = |op| {
        if b != 0 {
            Err(DecodeError::Invalid)
        } else {
            Ok(Insn::Arith {
                op,
                rt: t,
                ra: a,
                rb: 0,
                oe,
                rc,
            })
        }
    };
    let arith_no_oe = |op| {
        if oe {
            Err(DecodeError::Invalid)
        } else {
            Ok(Insn::Arith {
                op,
                rt: t,
                ra: a,
                rb: b,
                oe,
                rc,
            })
        }
    };
    match xo9 {
        266 => return arith(Arith::Add),
        10 => return arith(Arith::Addc),
        138 => return arith(Arith::Adde),
        234 => return arith_no_rb(Arith::Addme),
        202 => return arith_no_rb(Arith::Addze),
        40 => return arith(Arith::Subf),
        8 => return arith(Arith::Subfc),
        136 => return arith(Arith::Subfe),
        232 => return arith_no_rb(Arith::Subfme),
        200 => return arith_no_rb(Arith::Subfze),
        104 => return arith_no_rb(Arith::Neg),
        235 => return arith(Arith::Mullw),
        233 => return arith(Arith::Mulld),
        75 => return arith_no_oe(Arith::Mulhw),
        11 => return arith_no_oe(Arith::Mulhwu),
        73 => return arith_no_oe(Arith::Mulhd),
        9 => return arith_no_oe(Arith::Mulhdu),
        491 => return arith(Arith::Divw),
        459 => return arith(Arith::Divwu),
        489 => return arith(Arith::Divd),
        457 => return arith(Arith::Divdu),
        427 => return arith(Arith::Divwe),
        395 => return arith(Arith::Divweu),
        425 => return arith(Arith::Divde),
        393 => return arith(Arith::Divdeu),
        _ => {}
    }
    let logic = |op| {
        Ok(Insn::Logic {
            op,
            ra: a,
            rs: t,
            rb: b,
            rc,
        })
    };
    let unary = |op| {
        if b != 0 {
            Err(DecodeError::Invalid)
        } else {
            Ok(Insn::Logic {
                op,
                ra: a,
                rs: t,
                rb: 0,
                rc,
            })
        }
    };
    let unary_norc = |op| {
        if b != 0 || rc {
            Err(DecodeError::Invalid)
        } else {
            Ok(Insn::Logic {
                op,
                ra: a,
                rs: t,
                rb: 0,
                rc,
            })
        }
    };
    let norc = |op| {
        if rc {
            Err(DecodeError::Invalid)
        } else {
            Ok(Insn::Logic {
                op,
                ra: a,
                rs: t,
                rb: b,
                rc,
            })
        }
    };
    // Modulo instructions put RT first: RT ← RA mod RB.
    let modulo = |op| {
        if rc {
            Err(DecodeError::Invalid)
        } else {
            Ok(Insn::Logic {
                op,
                ra: t,
                rs: a,
                rb: b,
                rc,
            })
        }
    };
    let idx = |op, update| mem_insn(op, t, a, Some(b), 0, update);
    match xo10 {
        0 | 32 => {
            if w & (1 << 22) != 0 || rc {
                return Err(DecodeError::Invalid);
            }
            Ok(Insn::Cmp {
                bf: (t >> 2) & 7,
                l: t & 1 != 0,
                ra: a,
                rb: Some(b),
                imm: 0,
                unsigned: xo10 == 32,
            })
        }
        4 | 68 => Ok(Insn::Trap {
            to: t,
            ra: a,
            rb: Some(b),
            imm: 0,
            dword: xo10 == 68,
        }),
        19 => {
            if w & (1 << 20) != 0 {
                let fxm = ((w >> 12) & 0xFF) as u8;
                if fxm.count_ones() != 1 || w & 0x800 != 0 {
                    return Err(DecodeError::Invalid);
                }
                Ok(Insn::Mfcr {
                    rt: t,
                    one: Some(fxm),
                })
            } else if w & 0x000F_F800 != 0 {
                Err(DecodeError::Invalid)
            } else {
                Ok(Insn::Mfcr { rt: t, one: None })
            }
        }
        144 if w & 0x800 != 0 => Err(DecodeError::Invalid),
        144 => Ok(Insn::Mtcrf {
            rs: t,
            fxm: ((w >> 12) & 0xFF) as u8,
            one: w & (1 << 20) != 0,
        }),
        339 | 467 => {
            let spr = ((w >> 16) & 31) as u16 | (((w >> 11) & 31) as u16) << 5;
            Ok(if xo10 == 339 {
                Insn::Mfspr { rt: t, spr }
            } else {
                Insn::Mtspr { rs: t, spr }
            })
        }
        // Reserved fields of the ISA 3.0 / 3.1 X-forms must be zero.
        128 if a & 3 == 0 && b == 0 => Ok(Insn::Setb { rt: t, bfa: a >> 2 }),
        192 if t & 2 == 0 => Ok(Insn::Cmprb {
            bf: (t >> 2) & 7,
            l: t & 1 != 0,
            ra: a,
            rb: b,
        }),
        224 if t & 3 == 0 => Ok(Insn::Cmpeqb {
            bf: (t >> 2) & 7,
            ra: a,
            rb: b,
        }),
        576 if t & 3 == 0 && a == 0 && b == 0 => Ok(Insn::Mcrxrx { bf: (t >> 2) & 7 }),
        755 if a & 0x1C == 0 && b == 0 => Ok(Insn::Darn { rt: t, l: a & 3 }),
        384 | 416 | 448 | 480 if b == 0 => Ok(Insn::Setbc {
            rt: t,
            bi: a,
            kind: ((xo10 - 384) / 32) as u8,
        }),
        128 | 192 | 224 | 576 | 755 | 384 | 416 | 448 | 480 => Err(DecodeError::Invalid),
        170 if (w >> 1) & 0xFF == 170 => Ok(Insn::Addex {
            rt: t,
            ra: a,
            rb: b,
        }),
        28 => logic(Logic::And),
        60 => logic(Logic::Andc),
        444 => logic(Logic::Or),
        412 => logic(Logic::Orc),
        124 => logic(Logic::Nor),
        316 => logic(Logic::Xor),
        284 => logic(Logic::Eqv),
        476 => logic(Logic::Nand),
        954 => unary(Logic::Extsb),
        922 => unary(Logic::Extsh),
        986 => unary(Logic::Extsw),
        26 => unary(Logic::Cntlzw),
        58 => unary(Logic::Cntlzd),
        538 => unary(Logic::Cnttzw),
        570 => unary(Logic::Cnttzd),
        122 => unary_norc(Logic::Popcntb),
        378 => unary_norc(Logic::Popcntw),
        506 => unary_norc(Logic::Popcntd),
        154 => unary_norc(Logic::Prtyw),
        186 => unary_norc(Logic::Prtyd),
        508 => norc(Logic::Cmpb),
        252 => norc(Logic::Bpermd),
        24 => logic(Logic::Slw),
        536 => logic(Logic::Srw),
        792 => logic(Logic::Sraw),
        824 => Ok(Insn::Srawi {
            ra: a,
            rs: t,
            sh: b,
            rc,
        }),
        27 => logic(Logic::Sld),
        539 => logic(Logic::Srd),
        794 => logic(Logic::Srad),
        219 => unary_norc(Logic::Brh),
        155 => unary_norc(Logic::Brw),
        187 => unary_norc(Logic::Brd),
        59 => norc(Logic::Cntlzdm),
        571 => norc(Logic::Cnttzdm),
        156 => norc(Logic::Pdepd),
        188 => norc(Logic::Pextd),
        220 => norc(Logic::Cfuged),
        779 => modulo(Logic::Modsw),
        267 => modulo(Logic::Moduw),
        777 => modulo(Logic::Modsd),
        265 => modulo(Logic::Modud),
        87 => idx(Mem::Lbz, false),
        119 => idx(Mem::Lbz, true),
        279 => idx(Mem::Lhz, false),
        311 => idx(Mem::Lhz, true),
        343 => idx(Mem::Lha, false),
        375 => idx(Mem::Lha, true),
        23 => idx(Mem::Lwz, false),
        55 => idx(Mem::Lwz, true),
        341 => idx(Mem::Lwa, false),
        373 => idx(Mem::Lwa, true),
        21 => idx(Mem::Ld, false),
        53 => idx(Mem::Ld, true),
        215 => idx(Mem::Stb, false),
        247 => idx(Mem::Stb, true),
        407 => idx(Mem::Sth, false),
        439 => idx(Mem::Sth, true),
        151 => idx(Mem::Stw, false),
        183 => idx(Mem::Stw, true),
        149 => idx(Mem::Std, false),
        181 => idx(Mem::Std, true),
        535 | 567 | 599 | 631 | 663 | 695 | 727 | 759 | 855 | 887 | 983 => {
            let (op, update) = match xo10 {
                535 => (FMem::Lfs, false),
                567 => (FMem::Lfs, true),
                599 => (FMem::Lfd, false),
                631 => (FMem::Lfd, true),
                663 => (FMem::Stfs, false),
                695 => (FMem::Stfs, true),
                727 => (FMem::Stfd, false),
                759 => (FMem::Stfd, true),
                855 => (FMem::Lfiwax, false),
                887 => (FMem::Lfiwzx, false),
                _ => (FMem::Stfiwx, false),
            };
            if update && a == 0 {
                return Err(DecodeError::Invalid);
            }
            Ok(Insn::FMem {
                op,
                frt: t,
                ra: a,
                rb: Some(b),
                disp: 0,
                update,
            })
        }
        790 => idx(Mem::Lhbrx, false),
        534 => idx(Mem::Lwbrx, false),
        532 => idx(Mem::Ldbrx, false),
        918 => idx(Mem::Sthbrx, false),
        662 => idx(Mem::Stwbrx, false),
        660 => idx(Mem::Stdbrx, false),
        276 if t & 1 != 0 || t == a || t == b => Err(DecodeError::Invalid),
        182 if t & 1 != 0 => Err(DecodeError::Invalid),
        51 | 115 | 179 | 211 | 243 if b == 0 => Ok(Insn::VsrMove {
            op: match xo10 {
                51 => VsrMove::Mfvsrd,
                115 => VsrMove::Mfvsrwz,
                179 => VsrMove::Mtvsrd,
                211 => VsrMove::Mtvsrwa,
                _ => VsrMove::Mtvsrwz,
            },
            xs: t | ((w & 1) << 5) as u8,
            ra: a,
        }),
        51 | 115 | 179 | 211 | 243 => Err(DecodeError::Invalid),
        20 | 84 | 52 | 116 | 276 => {
            let size = match xo10 {
                20 => 4,
                84 => 8,
                52 => 1,
                276 => 16,
                _ => 2,
            };
            Ok(Insn::Larx {
                size,
                rt: t,
                ra: a,
                rb: b,
            })
        }
        150 | 214 | 694 | 726 | 182 if rc => {
            let size = match xo10 {
                150 => 4,
                214 => 8,
                694 => 1,
                182 => 16,
                _ => 2,
            };
            Ok(Insn::Stcx {
                size,
                rs: t,
                ra: a,
                rb: b,
            })
        }
        // sync, eieio; and the cache hints (dcbst, dcbf, dcbtst, dcbt, icbi): no effect
        // on an interpreter's memory.
        598 | 854 | 54 | 86 | 246 | 278 | 982 => Ok(Insn::Nop),
        1014 => Ok(Insn::Dcbz { ra: a, rb: b }),
        _ => Err(bad_ext(31, xo10)),
    }
}

/// Decodes an 8-byte prefixed instruction (ISA 3.1): `prefix` has primary opcode 1.
///
/// ```
/// use ppc_target::decode::{decode_prefixed, Insn};
/// // pli r3, 0x12345 = paddi r3, 0, 0x12345, 0
/// let i = decode_prefixed(0x0600_0001, 0x3860_2345).unwrap();
/// assert_eq!(i, Insn::Prefixed { op: None, rt: 3, ra: 0, disp: 0x12345, pcrel: false });
/// ```
pub fn decode_prefixed(prefix: u32, suffix: u32) -> Result<Insn, DecodeError> {
    if prefix >> 26 != 1 {
        return Err(DecodeError::BadPrefixed);
    }
    let kind = (prefix >> 24) & 3; // bits 6-7
    let pcrel = prefix & (1 << 20) != 0; // R, bit 11
    let hi = prefix & 0x3FFFF;
    let d34 = ((u64::from(hi) << 16) | u64::from(suffix & 0xFFFF)) as i64;
    let disp = (d34 << 30) >> 30;
    let (t, a) = (rt(suffix), ra(suffix));
    if pcrel && a != 0 {
        return Err(DecodeError::Invalid);
    }
    let op = match (kind, suffix >> 26) {
        (2, 14) => None,
        (2, 32) => Some(Mem::Lwz),
        (2, 34) => Some(Mem::Lbz),
        (2, 40) => Some(Mem::Lhz),
        (2, 42) => Some(Mem::Lha),
        (2, 36) => Some(Mem::Stw),
        (2, 38) => Some(Mem::Stb),
        (2, 44) => Some(Mem::Sth),
        (0, 41) => Some(Mem::Lwa),
        (0, 57) => Some(Mem::Ld),
        (0, 61) => Some(Mem::Std),
        _ => return Err(DecodeError::BadPrefixed),
    };
    Ok(Insn::Prefixed {
        op,
        rt: t,
        ra: a,
        disp,
        pcrel,
    })
}
