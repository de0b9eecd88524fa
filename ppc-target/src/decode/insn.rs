//! The decoded instruction and its operation enums.

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

/// Supervisor-level instructions (Book III).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sys {
    /// `mfmsr RT`.
    Mfmsr {
        /// Target GPR.
        rt: u8,
    },
    /// `mtmsr RS,L` (`sf` false: the low word only) and `mtmsrd RS,L` (`sf` true);
    /// L = 1 moves only EE and RI.
    Mtmsr {
        /// Source GPR.
        rs: u8,
        /// The L field.
        l: bool,
        /// `mtmsrd` rather than `mtmsr`.
        sf: bool,
    },
    /// `rfid`: MSR ← SRR1, NIA ← SRR0.
    Rfid,
    /// `slbmte RS,RB`: SLB entry `RB[52:63]` ← (ESID from RB, VSID from RS).
    Slbmte {
        /// VSID and flags.
        rs: u8,
        /// ESID, valid bit and index.
        rb: u8,
    },
    /// `slbmfee RT,RB`: the ESID doubleword of entry `RB[52:63]`.
    Slbmfee {
        /// Target GPR.
        rt: u8,
        /// Index.
        rb: u8,
    },
    /// `slbmfev RT,RB`: the VSID doubleword of entry `RB[52:63]`.
    Slbmfev {
        /// Target GPR.
        rt: u8,
        /// Index.
        rb: u8,
    },
    /// `slbie RB`: invalidates the entry matching the ESID in RB.
    Slbie {
        /// ESID.
        rb: u8,
    },
    /// `slbia`: invalidates every entry but 0.
    Slbia,
}

/// The VMX/VSX memory accesses and VSCR moves of the subset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Vector {
    /// `lvx`/`lvxl VRT,RA,RB`: the aligned quadword (EA & !15).
    Lvx {
        /// Target VR.
        vrt: u8,
        /// Base (0 reads 0).
        ra: u8,
        /// Index.
        rb: u8,
    },
    /// `stvx`/`stvxl VRS,RA,RB`.
    Stvx {
        /// Source VR.
        vrs: u8,
        /// Base (0 reads 0).
        ra: u8,
        /// Index.
        rb: u8,
    },
    /// `lxvd2x`/`lxvw4x XT,RA,RB` (`words`: four words rather than two doublewords;
    /// the same bytes on a big-endian access).
    Lxv {
        /// Target VSR (0–63).
        xt: u8,
        /// Base (0 reads 0).
        ra: u8,
        /// Index.
        rb: u8,
        /// `lxvw4x`.
        words: bool,
    },
    /// `stxvd2x`/`stxvw4x XS,RA,RB`.
    Stxv {
        /// Source VSR (0–63).
        xs: u8,
        /// Base (0 reads 0).
        ra: u8,
        /// Index.
        rb: u8,
        /// `stxvw4x`.
        words: bool,
    },
    /// `mtvscr VRB`: VSCR ← the low word of VRB.
    Mtvscr {
        /// Source VR.
        vrb: u8,
    },
    /// `mfvscr VRT`: VRT ← VSCR in its low word, zeros elsewhere.
    Mfvscr {
        /// Target VR.
        vrt: u8,
    },
}

/// The facility an instruction needs enabled in the MSR (else a facility-unavailable
/// interrupt in system mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Facility {
    /// MSR\[FP\].
    Fp,
    /// MSR\[VEC\].
    Vec,
    /// MSR\[VSX\].
    Vsx,
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
            Insn::Vector(Vector::Lxv { .. } | Vector::Stxv { .. }) => V2_06,
            Insn::Vector(_) => V2_01,
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
            | Insn::Fma { .. }
            | Insn::Fsel { .. }
            | Insn::Mtfsf { .. }
            | Insn::Mtfsfi { .. }
            | Insn::Mtfsb { .. } => Some(Facility::Fp),
            Insn::VsrMove { xs, .. } if xs < 32 => Some(Facility::Fp),
            Insn::VsrMove { .. } => Some(Facility::Vec),
            Insn::Vector(Vector::Lxv { .. } | Vector::Stxv { .. }) => Some(Facility::Vsx),
            Insn::Vector(_) => Some(Facility::Vec),
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
