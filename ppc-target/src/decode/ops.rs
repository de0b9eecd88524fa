//! The operation kinds an [`Insn`](super::Insn) names: integer, memory, floating-point,
//! system operations, CR logic, branch targets (the vector ones are in
//! [`vector_ops`](super::vector_ops)).

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
    /// `lha` in little-endian mode: a byte-reversed halfword, sign-extended (no
    /// instruction of its own; see [`Mem::in_little_endian`]).
    Lhabr,
    /// `lwa` in little-endian mode: a byte-reversed word, sign-extended.
    Lwabr,
}

impl Mem {
    /// Whether the operation writes memory.
    pub fn is_store(self) -> bool {
        matches!(
            self,
            Mem::Stb | Mem::Sth | Mem::Stw | Mem::Std | Mem::Sthbrx | Mem::Stwbrx | Mem::Stdbrx
        )
    }

    /// The access this operation makes in little-endian mode (MSR\[LE\] = 1): the
    /// byte-reversed twin, as the ISA defines a little-endian access of more than one
    /// byte (and the byte-reversed forms load or store big-endian).
    ///
    /// ```
    /// use ppc_target::decode::Mem;
    /// assert_eq!(Mem::Lwz.in_little_endian(), Mem::Lwbrx);
    /// assert_eq!(Mem::Ldbrx.in_little_endian(), Mem::Ld);
    /// assert_eq!(Mem::Lbz.in_little_endian(), Mem::Lbz);
    /// ```
    pub fn in_little_endian(self) -> Mem {
        match self {
            Mem::Lbz => Mem::Lbz,
            Mem::Stb => Mem::Stb,
            Mem::Lhz => Mem::Lhbrx,
            Mem::Lhbrx => Mem::Lhz,
            Mem::Lha => Mem::Lhabr,
            Mem::Lhabr => Mem::Lha,
            Mem::Lwz => Mem::Lwbrx,
            Mem::Lwbrx => Mem::Lwz,
            Mem::Lwa => Mem::Lwabr,
            Mem::Lwabr => Mem::Lwa,
            Mem::Ld => Mem::Ldbrx,
            Mem::Ldbrx => Mem::Ld,
            Mem::Sth => Mem::Sthbrx,
            Mem::Sthbrx => Mem::Sth,
            Mem::Stw => Mem::Stwbrx,
            Mem::Stwbrx => Mem::Stw,
            Mem::Std => Mem::Stdbrx,
            Mem::Stdbrx => Mem::Std,
        }
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
    /// The ISA 2.06 conversions: to and from unsigned integers, and integers to
    /// single precision (rounded once).
    Fcfids,
    Fcfidu,
    Fcfidus,
    Fctiwu,
    Fctiwuz,
    Fctidu,
    Fctiduz,
    /// Round to an integer in floating-point format (ISA 2.02: `frin` ties away from
    /// zero, `friz`, `frip`, `frim`; `xsrdpic` the FPSCR\[RN\] mode, which alone
    /// sets XX).
    Frin,
    Friz,
    Frip,
    Frim,
    Fric,
}

impl FConv {
    /// Whether the operand is an integer (its bits are never a NaN).
    pub fn from_integer(self) -> bool {
        matches!(
            self,
            FConv::Fcfid | FConv::Fcfids | FConv::Fcfidu | FConv::Fcfidus
        )
    }
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

/// The forms of `mffs` (ISA 3.0 puts them in its reserved FRA field; before POWER9 they
/// are illegal instructions, as in QEMU 7.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FpscrRead {
    /// `mffs`: the whole FPSCR.
    All,
    /// `mffsce`: the whole FPSCR, then the exception enables cleared.
    ClearEnables,
    /// `mffsl`: the control and status fields (enables, NI, RN, FR, FI, FPRF).
    Light,
    /// `mffscrn FRT,FRB`: the control fields, then RN ← FRB's low two bits.
    SetRounding {
        /// FRB.
        frb: u8,
    },
    /// `mffscrni FRT,RM`: the control fields, then RN ← RM.
    SetRoundingImm {
        /// RM.
        rm: u8,
    },
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
    /// `mfvsrld RA,XS` (ISA 3.0): doubleword 1.
    Mfvsrld,
    /// `mtvsrdd XT,RA,RB` (ISA 3.0): (RA|0) ‖ RB.
    Mtvsrdd {
        rb: u8,
    },
    /// `mtvsrws XT,RA` (ISA 3.0): RA's low word in every word.
    Mtvsrws,
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
