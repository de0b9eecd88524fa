//! The decoded instruction (and why a word does not decode).

use super::ops::*;
use super::vector_ops::*;
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
    /// `sc LEV`: LEV 1 is a hypervisor call when made from supervisor state.
    Sc {
        lev: u8,
    },
    Scv,
    /// A supervisor-level instruction (privileged: from problem state it raises a
    /// privileged-instruction program interrupt).
    System(Sys),
    /// A VMX/VSX load, store or VSCR move.
    Vector(Vector),
    /// A VMX register operation.
    Vmx {
        op: VmxOp,
        vt: u8,
        va: u8,
        vb: u8,
        vc: u8,
        rc: bool,
    },
    /// A VSX operation on whole VSRs (0–63).
    Vsx {
        op: VsxOp,
        xt: u8,
        xa: u8,
        xb: u8,
    },
    /// A VSX scalar floating-point operation on doubleword 0 of VSRs (0–63).
    VsxScalar {
        op: VsxScalar,
        xt: u8,
        xa: u8,
        xb: u8,
    },
    /// `mtfsf FLM,FRB` (`l`: the whole FPSCR; `w`: the upper word's fields).
    Mtfsf {
        flm: u8,
        frb: u8,
        l: bool,
        w: bool,
        rc: bool,
    },
    /// `mtfsfi BF,U` (`w`: a field of the upper word).
    Mtfsfi {
        bf: u8,
        u: u8,
        w: bool,
        rc: bool,
    },
    /// `mtfsb0`/`mtfsb1`: clears or sets FPSCR bit `bt`.
    Mtfsb {
        bt: u8,
        set: bool,
        rc: bool,
    },
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
    /// `mffs`: FRT ← FPSCR; the ISA 3.0 forms in its FRA field (`mffsce`, `mffsl`,
    /// `mffscrn`, `mffscrni`) read part of it and may change it.
    Mffs {
        frt: u8,
        rc: bool,
        op: FpscrRead,
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
    /// The estimates `fre`, `fres` (FRT ← 1/FRB) and, with `sqrt`, `frsqrte`, `frsqrtes`
    /// (FRT ← 1/√FRB), computed as QEMU 7.2 does: exactly, then rounded.
    Fre {
        frt: u8,
        frb: u8,
        rc: bool,
        single: bool,
        sqrt: bool,
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
    /// The instruction as it executes in little-endian mode (MSR\[LE\] = 1): the
    /// fixed-point loads and stores become their byte-reversed twins
    /// ([`Mem::in_little_endian`]), so both executors run them without looking at the
    /// MSR; the other accesses (floating-point, vector, atomic, quadword) take the byte
    /// order from the MSR when they execute. Apply after the ISA checks (`ld` becomes
    /// the `ldbrx` access, which is newer).
    pub fn in_little_endian(self) -> Insn {
        match self {
            Insn::Mem {
                op,
                rt,
                ra,
                rb,
                disp,
                update,
            } => Insn::Mem {
                op: op.in_little_endian(),
                rt,
                ra,
                rb,
                disp,
                update,
            },
            Insn::Prefixed {
                op: Some(op),
                rt,
                ra,
                disp,
                pcrel,
            } => Insn::Prefixed {
                op: Some(op.in_little_endian()),
                rt,
                ra,
                disp,
                pcrel,
            },
            other => other,
        }
    }

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
            | Insn::VsrMove {
                op:
                    VsrMove::Mfvsrd
                    | VsrMove::Mfvsrwz
                    | VsrMove::Mtvsrd
                    | VsrMove::Mtvsrwa
                    | VsrMove::Mtvsrwz,
                ..
            } => V2_07,
            Insn::VsrMove { .. } => V3_0,
            Insn::Isel { .. } => V2_06,
            Insn::Mffs { op, .. } if op != FpscrRead::All => V3_0,
            Insn::FConv {
                op: FConv::Frin | FConv::Friz | FConv::Frip | FConv::Frim,
                ..
            } => V2_02,
            Insn::FConv {
                op:
                    FConv::Fcfids
                    | FConv::Fcfidu
                    | FConv::Fcfidus
                    | FConv::Fctiwu
                    | FConv::Fctiwuz
                    | FConv::Fctidu
                    | FConv::Fctiduz,
                ..
            } => V2_06,
            // fre and frsqrtes came with 2.02; fres and frsqrte are older.
            Insn::Fre { single, sqrt, .. } if single == sqrt => V2_02,
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
            Insn::Vector(
                Vector::Lxv { rb: None, .. }
                | Vector::Stxv { rb: None, .. }
                | Vector::LengthAccess { .. },
            ) => V3_0,
            Insn::Vector(Vector::Lxv { kind, .. } | Vector::Stxv { kind, .. }) => kind.isa(),
            Insn::Vmx { op, .. } => op.isa(),
            Insn::Vector(_) => V2_01,
            Insn::Vsx {
                op: VsxOp::Orc | VsxOp::Nand | VsxOp::Eqv,
                ..
            } => V2_07,
            Insn::Vsx {
                op: VsxOp::SpltIb { .. },
                ..
            } => V3_0,
            Insn::Vsx { .. } => V2_06,
            Insn::VsxScalar { op, .. } => op.isa(),
            Insn::Setbc { .. } | Insn::Prefixed { .. } => V3_1,
            Insn::Mfcr { one: Some(_), .. } | Insn::Mtcrf { one: true, .. } => V2_01,
            _ => V2_01,
        }
    }

    /// The MSR facility bit the instruction needs (`None`: always available).
    pub fn facility(&self) -> Option<Facility> {
        match *self {
            Insn::FMem { .. }
            | Insn::FMove { .. }
            | Insn::Mffs { .. }
            | Insn::FArith { .. }
            | Insn::Fcmp { .. }
            | Insn::FConv { .. }
            | Insn::Fsqrt { .. }
            | Insn::Fre { .. }
            | Insn::Fma { .. }
            | Insn::Fsel { .. }
            | Insn::Mtfsf { .. }
            | Insn::Mtfsfi { .. }
            | Insn::Mtfsb { .. } => Some(Facility::Fp),
            Insn::VsrMove {
                op: VsrMove::Mfvsrld | VsrMove::Mtvsrdd { .. } | VsrMove::Mtvsrws,
                xs,
                ..
            } if xs < 32 => Some(Facility::Vsx),
            Insn::VsrMove { xs, .. } if xs < 32 => Some(Facility::Fp),
            Insn::VsrMove { .. } => Some(Facility::Vec),
            // The displacement forms name a VR or a VSR as the VMX or VSX facility
            // does (QEMU 7.2 checks the same).
            Insn::Vector(
                Vector::Lxv {
                    rb: None, xt: x, ..
                }
                | Vector::Stxv {
                    rb: None, xs: x, ..
                },
            ) if x >= 32 => Some(Facility::Vec),
            Insn::Vector(Vector::LengthAccess { x, .. }) if x >= 32 => Some(Facility::Vec),
            Insn::Vector(
                Vector::Lxv { .. } | Vector::Stxv { .. } | Vector::LengthAccess { .. },
            ) => Some(Facility::Vsx),
            Insn::Vector(_) | Insn::Vmx { .. } => Some(Facility::Vec),
            Insn::Vsx { .. } | Insn::VsxScalar { .. } => Some(Facility::Vsx),
            _ => None,
        }
    }

    /// Whether the instruction may change the MSR or leave the block (system mode
    /// re-examines the CPU's state after it).
    pub fn changes_context(&self) -> bool {
        matches!(
            self,
            Insn::Sc { .. } | Insn::Scv | Insn::System(Sys::Mtmsr { .. } | Sys::Rfid)
        )
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
