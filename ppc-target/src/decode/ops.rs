//! The operation kinds an [`Insn`](super::Insn) names: integer, memory, floating-point,
//! vector and system operations, CR logic, branch targets.

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
    /// `lvsl`/`lvsr VRT,RA,RB`: the permute control vector for a shift by EA & 15
    /// (bytes `sh`, `sh`+1, … for `lvsl`; 16 − `sh`, … for `lvsr`). No memory access.
    Lvs {
        /// Target VR.
        vrt: u8,
        /// Base (0 reads 0).
        ra: u8,
        /// Index.
        rb: u8,
        /// `lvsr`.
        right: bool,
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

/// VMX (AltiVec) register operations of the subset (`vt ← f(va, vb, vc)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum VmxOp {
    And,
    Andc,
    Or,
    Xor,
    Nor,
    /// Modulo adds and subtracts of byte, halfword and word elements.
    AddB,
    AddH,
    AddW,
    SubB,
    SubH,
    SubW,
    /// Splat of a sign-extended 5-bit immediate (in `va`).
    SplatImmB,
    SplatImmH,
    SplatImmW,
    /// Splat of element `va` of `vb`.
    SplatB,
    SplatH,
    SplatW,
    /// Merges of the high or low halves' elements.
    MergeHighB,
    MergeHighH,
    MergeHighW,
    MergeLowB,
    MergeLowH,
    MergeLowW,
    /// `vsldoi`: bytes `vc`.. of `va ‖ vb` (`vc` holds the shift).
    Sldoi,
    Perm,
    Sel,
    /// Element compares (the record form sets CR6).
    CmpEqB,
    CmpEqH,
    CmpEqW,
    CmpGtUB,
    CmpGtUH,
    CmpGtUW,
    CmpGtSB,
    CmpGtSH,
    CmpGtSW,
    /// An element-by-element operation on `bytes`-wide elements (1, 2 or 4).
    Elementwise {
        op: ElemOp,
        bytes: u8,
    },
    /// `vmul[eo][us][bh]`: the even (or odd) `bytes`-wide elements multiplied into
    /// double-width products.
    Mul {
        odd: bool,
        signed: bool,
        bytes: u8,
    },
    /// `vpkuhum`, `vpkuwum`: the `bytes`-wide elements of `va ‖ vb` truncated to half.
    Pack {
        bytes: u8,
    },
    /// `vupk[hl]s[bh]`: the high (or low) half of `vb`'s `bytes`-wide elements,
    /// sign-extended to double width.
    Unpack {
        low: bool,
        bytes: u8,
    },
}

/// The element-by-element VMX operations of [`VmxOp::Elementwise`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ElemOp {
    /// `vsl[bhw]`: shift left by the low bits of `vb`'s element.
    ShiftLeft,
    /// `vsr[bhw]`: logical shift right.
    ShiftRight,
    /// `vsra[bhw]`: algebraic shift right.
    ShiftRightAlg,
    /// `vrl[bhw]`: rotate left.
    Rotate,
    /// `vmaxu[bhw]`, `vmaxs[bhw]`.
    MaxU,
    /// Signed maximum.
    MaxS,
    /// `vminu[bhw]`, `vmins[bhw]`.
    MinU,
    /// Signed minimum.
    MinS,
    /// `vavgu[bhw]`: (a + b + 1) / 2 without overflow.
    AvgU,
    /// `vavgs[bhw]`: the signed average, rounded up.
    AvgS,
    /// `vaddu[bhw]s`: unsigned add, saturated (`VSCR[SAT]` set when it saturates).
    AddSatU,
    /// `vadds[bhw]s`: signed add, saturated.
    AddSatS,
    /// `vsubu[bhw]s`: unsigned subtract, saturated.
    SubSatU,
    /// `vsubs[bhw]s`: signed subtract, saturated.
    SubSatS,
}

/// VSX operations on whole VSRs (`xt ← f(xa, xb)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum VsxOp {
    And,
    Andc,
    Or,
    Xor,
    Nor,
    /// `xxpermdi` with its DM field: doubleword `dm >> 1` of `xa`, `dm & 1` of `xb`.
    PermDi {
        dm: u8,
    },
    /// `xxsldwi`: words `shw`.. of `xa ‖ xb`.
    SldWi {
        shw: u8,
    },
    /// `xxmrghw`: words 0 and 1 of `xa` and `xb`, interleaved.
    MergeHighW,
    /// `xxmrglw`: words 2 and 3, interleaved.
    MergeLowW,
    /// `xxspltw`: word `uim` of `xb` in every word.
    SpltW {
        uim: u8,
    },
    /// `xxsel`: the bits of `xb` where `xc` has ones, of `xa` elsewhere.
    Sel {
        xc: u8,
    },
}
