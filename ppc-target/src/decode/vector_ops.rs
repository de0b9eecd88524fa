//! The vector operation kinds an [`Insn`](super::Insn) names: the VMX and VSX memory
//! accesses, the VMX integer and floating-point operations, the VSX whole-register,
//! scalar and vector floating-point operations.

use super::ops::{FArith, FConv, FMove, FmaOp};
use crate::models::IsaLevel;

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
    /// A VSX load (`kind` says which): X-form with `rb` (`lxvd2x`, `lxsdx`, ...), or
    /// DS/DQ-form with `disp` (`lxsd`, `lxssp`, `lxv`).
    Lxv {
        /// Target VSR (0–63).
        xt: u8,
        /// Base (0 reads 0).
        ra: u8,
        /// Index (X-form).
        rb: Option<u8>,
        /// Displacement (DS/DQ-form).
        disp: i64,
        /// What is loaded, and how.
        kind: VsxMem,
    },
    /// `lxvl`/`lxvll XT,RA,RB` (ISA 3.0), and with `store` `stxvl`/`stxvll`: the number of
    /// bytes in RB's top byte (16 at most) at EA = (RA|0), the rest of the VSR zero. In
    /// little-endian mode `lxvl` fills from the right end; the `left` forms always from
    /// the left.
    LengthAccess {
        /// The VSR (0–63).
        x: u8,
        /// Base (0 reads 0).
        ra: u8,
        /// The length's register.
        rb: u8,
        /// `lxvll`/`stxvll`.
        left: bool,
        /// A store.
        store: bool,
    },
    /// A VSX store (`stxvd2x`, `stxsdx`, `stxsd`, `stxv`, ...).
    Stxv {
        /// Source VSR (0–63).
        xs: u8,
        /// Base (0 reads 0).
        ra: u8,
        /// Index (X-form).
        rb: Option<u8>,
        /// Displacement (DS/DQ-form).
        disp: i64,
        /// What is stored, and how.
        kind: VsxMem,
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

/// The VSX scalar floating-point operations ([`Insn::VsxScalar`](super::Insn)): the
/// FPU's operations on doubleword 0 of any VSR; a result clears doubleword 1 (as
/// QEMU 7.2 does; the ISA leaves it undefined).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VsxScalar {
    /// `xs{add,sub,mul,div}{dp,sp}`: `xt ← xa op xb`.
    Arith {
        /// The operation.
        op: FArith,
        /// Rounded to single precision (the `sp` forms, ISA 2.07).
        single: bool,
    },
    /// `xs[n]m{add,sub}{a,m}{dp,sp}`: the A forms `xt ← xa × xb ± xt`, the M forms
    /// `xt ← xa × xt ± xb`.
    Fma {
        /// The operation.
        op: FmaOp,
        /// The M form.
        m: bool,
        /// Rounded to single precision.
        single: bool,
    },
    /// `xscmpudp`/`xscmpodp BF,XA,XB` (BF in `xt`).
    Cmp {
        /// `xscmpodp`.
        ordered: bool,
    },
    /// `xsabsdp`, `xsnabsdp`, `xsnegdp`, `xscpsgndp` (the sign of `xa`).
    Move(FMove),
    /// `xsrsp` (`Frsp`), `xscvdpsxds` (`Fctidz`), `xscvdpsxws` (`Fctiwz`),
    /// `xscvsxddp` (`Fcfid`): as the FPR instructions compute them.
    Conv(FConv),
    /// `xssqrtdp`, `xssqrtsp`.
    Sqrt {
        /// Rounded to single precision.
        single: bool,
    },
    /// `xscvdpsp`: rounded to single precision, in word 0 (and, as POWER9 and QEMU
    /// do, word 1).
    ToSingle,
    /// `xscvspdp`: the single-precision value in word 0, widened.
    FromSingle,
    /// `xscvdpspn`: the single-precision format of the value, no status, in words 0
    /// and 1.
    ToSingleQuiet,
    /// `xscvspdpn`: word 0 widened, no status.
    FromSingleQuiet,
    /// `xsredp`, `xsrsqrtedp`, `xsresp`, `xsrsqrtesp`: the reciprocal (square root)
    /// estimates, computed exactly as QEMU 7.2 does (1/x, 1/√x; the `sp` forms rounded
    /// again to single precision).
    Estimate {
        /// The reciprocal square root.
        sqrt: bool,
        /// The single-precision form.
        single: bool,
    },
    /// `xsmaxdp`, `xsmindp` (IEEE 754-2008 maxNum/minNum; FPRF and FI left).
    MaxMin {
        /// The maximum.
        max: bool,
    },
}

impl VsxScalar {
    /// The ISA level that introduced the operation.
    pub fn isa(self) -> IsaLevel {
        match self {
            VsxScalar::Estimate { single: true, .. } => IsaLevel::V2_07,
            VsxScalar::Arith { single: true, .. }
            | VsxScalar::Fma { single: true, .. }
            | VsxScalar::Sqrt { single: true }
            | VsxScalar::Conv(FConv::Frsp)
            | VsxScalar::ToSingleQuiet
            | VsxScalar::FromSingleQuiet => IsaLevel::V2_07,
            _ => IsaLevel::V2_06,
        }
    }
}

/// The access of a VSX load or store ([`Vector::Lxv`], [`Vector::Stxv`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VsxMem {
    /// The 16 bytes as `elem`-byte elements in order, each in the current byte order:
    /// `lxvd2x` 8, `lxvw4x` 4, `lxvh8x` 2, `lxvb16x` 1, `lxvx`/`lxv` 16 (a
    /// little-endian access reverses the whole quadword).
    Elements {
        /// Element size in bytes.
        elem: u8,
    },
    /// One `bytes`-wide element loaded into every element (`lxvdsx` 8, `lxvwsx` 4).
    Splat {
        /// Element size in bytes.
        bytes: u8,
    },
    /// Doubleword 0 ↔ an integer of `bytes` in memory, zero- or sign-extended on a load
    /// (`lxsdx`/`lxsd` 8, `lxsiwzx`/`lxsiwax` 4, `lxsihzx` 2, `lxsibzx` 1); a store
    /// writes the low `bytes` of doubleword 0. A load leaves doubleword 1 as it was in
    /// the X-forms and clears it in the displacement forms (QEMU 7.2; the ISA leaves
    /// it undefined).
    Scalar {
        /// Width in memory.
        bytes: u8,
        /// Sign-extended (`lxsiwax`).
        signed: bool,
    },
    /// Doubleword 0 ↔ a single-precision value in memory (`lxsspx`/`lxssp`,
    /// `stxsspx`/`stxssp`), converted as `lfs`/`stfs` do.
    Single,
}

impl VsxMem {
    /// The ISA level of the X-form access (the DS/DQ forms are all ISA 3.0).
    pub fn isa(self) -> IsaLevel {
        match self {
            VsxMem::Elements { elem: 8 | 4 }
            | VsxMem::Splat { bytes: 8 }
            | VsxMem::Scalar { bytes: 8, .. } => IsaLevel::V2_06,
            VsxMem::Scalar { bytes: 4, .. } | VsxMem::Single => IsaLevel::V2_07,
            _ => IsaLevel::V3_0,
        }
    }
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
    /// Modulo add and subtract of `bytes`-wide elements (1, 2, 4, 8 or 16: `vaddcuq`
    /// aside, the quadword `vadduqm`/`vsubuqm`).
    Add {
        bytes: u8,
    },
    Sub {
        bytes: u8,
    },
    /// Splat of a sign-extended 5-bit immediate (in `va`).
    SplatImm {
        bytes: u8,
    },
    /// Splat of element `va` of `vb`.
    Splat {
        bytes: u8,
    },
    /// Merges of the high (or low) halves' elements.
    Merge {
        high: bool,
        bytes: u8,
    },
    /// `vmrgew`/`vmrgow`: the even (or odd) words of `va` and `vb`, interleaved.
    MergeEvenOdd {
        odd: bool,
    },
    /// `vsldoi`: bytes `vc`.. of `va ‖ vb` (`vc` holds the shift).
    Sldoi,
    Perm,
    Sel,
    /// Element compares (the record form sets CR6): equal, unsigned and signed
    /// greater than, not equal (`ne`; `zero` also where either element is zero).
    CmpEq {
        bytes: u8,
    },
    CmpGtU {
        bytes: u8,
    },
    CmpGtS {
        bytes: u8,
    },
    CmpNe {
        bytes: u8,
        zero: bool,
    },
    /// `vpopcnt[bhwd]`: bits set in each element of `vb`.
    Popcnt {
        bytes: u8,
    },
    /// `vclz[bhwd]`: leading zeros of each element of `vb`.
    Clz {
        bytes: u8,
    },
    /// `vctz[bhwd]`: trailing zeros of each element of `vb`.
    Ctz {
        bytes: u8,
    },
    /// `vmuluwm` (ISA 2.07): the low words of the word products.
    MulLowW,
    /// `vnegw`/`vnegd` (ISA 3.0): each element negated.
    Neg {
        bytes: u8,
    },
    /// `vexts[bh]2[wd]`, `vextsw2d` (ISA 3.0): the low `from` bytes of each `bytes`-wide
    /// element of `vb`, sign-extended.
    ExtendSign {
        from: u8,
        bytes: u8,
    },
    /// The VA-form multiply-sums: `vmsumubm`, `vmsummbm`, `vmsumuhm`, `vmsumuhs`,
    /// `vmsumshm`, `vmsumshs` (each word: the products of its `bytes`-wide elements
    /// plus `vc`'s word), and `vmladduhm` (halfwords: `va × vb + vc`, modulo).
    MulSum {
        /// Element width of the products (1 or 2).
        bytes: u8,
        /// `va`'s elements signed.
        signed_a: bool,
        /// `vb`'s elements signed.
        signed_b: bool,
        /// Saturated (`VSCR[SAT]`), else modulo.
        saturate: bool,
    },
    /// `vmladduhm`.
    MulAddLowH,
    /// The VMX floating-point operations on four singles ([`VmxFloat`]).
    Float(VmxFloat),
    /// `vcmp{eq,ge,gt}fp[.]`: all ones where the compare holds.
    CmpFp {
        kind: VecCmp,
    },
    /// `vcmpbfp[.]`: the bounds compare (bit 0: not `a ≤ b`, bit 1: not `a ≥ −b`;
    /// `.` sets CR6 bit 2 when every element is within its bounds).
    CmpBounds,
    /// `vgbbd`: the 8×8 bit matrix of each doubleword of `vb` transposed.
    Gbbd,
    /// `vbpermq`: 16 bits of `va` selected by the bytes of `vb`, into bits 48–63.
    Bpermq,
    /// `vsl`/`vsr`: the whole register shifted by the low 3 bits of `vb`'s last byte.
    ShiftBits {
        right: bool,
    },
    /// `vslo`/`vsro`: the whole register shifted by bytes (bits 121–124 of `vb`).
    ShiftOctets {
        right: bool,
    },
    /// `vclzlsbb`/`vctzlsbb RT,VRB` (ISA 3.0): leading (trailing) bytes of `vb` whose
    /// least significant bit is 0, into GPR `vt`.
    CountLsbb {
        trailing: bool,
    },
    /// `vextu[bhw][lr]x RT,RA,VRB` (ISA 3.0): the `bytes`-wide element at byte index
    /// RA (`va`; from the right end for the `r` forms), zero-extended into GPR `vt`.
    Extract {
        bytes: u8,
        right: bool,
    },
    /// `vsumsws`: the saturated sum of `va`'s words and `vb`'s word 3, in word 3.
    SumSws,
    /// An element-by-element operation on `bytes`-wide elements (1, 2, 4 or 8).
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
    /// `vpkuhum`, `vpkuwum`, `vpkudum`: the `bytes`-wide elements of `va ‖ vb`
    /// truncated to half.
    Pack {
        bytes: u8,
    },
    /// The saturating packs `vpk{u,s}{h,w,d}{u,s}s`: the `bytes`-wide elements of
    /// `va ‖ vb` (signed or not) clamped to half width (signed or not), `VSCR[SAT]`
    /// when one saturates.
    PackSat {
        bytes: u8,
        signed_src: bool,
        signed_dst: bool,
    },
    /// `vupk[hl]s[bhw]`: the high (or low) half of `vb`'s `bytes`-wide elements,
    /// sign-extended to double width.
    Unpack {
        low: bool,
        bytes: u8,
    },
}

impl VmxOp {
    /// The ISA level that introduced the operation: the doubleword and quadword
    /// element forms and the bit gathers are ISA 2.07 (POWER8), the not-equal
    /// compares, trailing-zero counts and GPR extracts ISA 3.0 (POWER9).
    pub fn isa(self) -> IsaLevel {
        use VmxOp::*;
        match self {
            CmpNe { .. }
            | Ctz { .. }
            | CountLsbb { .. }
            | Extract { .. }
            | Neg { .. }
            | ExtendSign { .. } => IsaLevel::V3_0,
            MulLowW | Mul { bytes: 4, .. } => IsaLevel::V2_07,
            Add { bytes: 8 | 16 }
            | Sub { bytes: 8 | 16 }
            | CmpEq { bytes: 8 }
            | CmpGtU { bytes: 8 }
            | CmpGtS { bytes: 8 }
            | Elementwise { bytes: 8, .. }
            | Pack { bytes: 8 }
            | PackSat { bytes: 8, .. }
            | Unpack { bytes: 4, .. }
            | Popcnt { .. }
            | Clz { .. }
            | Gbbd
            | Bpermq
            | MergeEvenOdd { .. } => IsaLevel::V2_07,
            _ => IsaLevel::V2_01,
        }
    }
}

/// The VMX floating-point operations ([`VmxOp::Float`]): single precision, rounded to
/// nearest; with VSCR\[NJ\] set denormal operands and results are zeros; the FPSCR is
/// not involved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VmxFloat {
    /// `vaddfp`, `vsubfp`.
    Add,
    /// `vsubfp`.
    Sub,
    /// `vmaxfp`, `vminfp` (a NaN operand gives a NaN).
    Max,
    /// `vminfp`.
    Min,
    /// `vmaddfp` (`va × vc + vb`), `vnmsubfp` (`−(va × vc − vb)`), rounded once.
    Madd,
    /// `vnmsubfp`.
    Nmsub,
    /// `vrefp`, `vrsqrtefp`: 1/x and 1/√x as QEMU 7.2 computes them.
    Re,
    /// `vrsqrtefp`.
    Rsqrte,
    /// `vrfin` (to even), `vrfiz`, `vrfip`, `vrfim`.
    RoundNearest,
    /// `vrfiz`.
    RoundZero,
    /// `vrfip`.
    RoundUp,
    /// `vrfim`.
    RoundDown,
    /// `vcfux`/`vcfsx`: integers divided by 2^`uim`.
    FromInt {
        /// Signed integers.
        signed: bool,
        /// The scale.
        uim: u8,
    },
    /// `vctuxs`/`vctsxs`: times 2^`uim`, toward zero, saturated (`VSCR[SAT]`).
    ToIntSat {
        /// Signed integers.
        signed: bool,
        /// The scale.
        uim: u8,
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
    /// `xxlorc`, `xxlnand`, `xxleqv` (ISA 2.07).
    Orc,
    Nand,
    Eqv,
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
    /// `xxspltib` (ISA 3.0): the immediate in every byte.
    SpltIb {
        imm: u8,
    },
    /// `xv{add,sub,mul,div}{dp,sp}`: element by element (doublewords, or words as
    /// single precision), the exception bits of all elements gathered; FPRF, FR and
    /// FI are left (QEMU 7.2).
    FArith {
        op: FArith,
        single: bool,
    },
    /// `xv[n]m{add,sub}{a,m}{dp,sp}`: the A forms `xt ← xa × xb ± xt`, the M forms
    /// `xt ← xa × xt ± xb`, element by element.
    Fma {
        op: FmaOp,
        m: bool,
        single: bool,
    },
    /// The vector conversions.
    Convert(VecConv),
    /// `xvmax{dp,sp}`, `xvmin{dp,sp}` (IEEE 754-2008 maxNum/minNum).
    MaxMin {
        max: bool,
        single: bool,
    },
    /// `xvabs`, `xvnabs`, `xvneg`, `xvcpsgn` (`dp`, `sp`): sign-bit operations.
    Move {
        op: FMove,
        single: bool,
    },
    /// `xvsqrt{dp,sp}`.
    Sqrt {
        single: bool,
    },
    /// `xvrdpi[zpmc]`, `xvrspi[zpmc]`: round to an integer (`op` is the `fri*` or
    /// `Fric` conversion).
    Round {
        op: FConv,
        single: bool,
    },
    /// `xvre{dp,sp}`, `xvrsqrte{dp,sp}`: the estimates as QEMU 7.2 computes them
    /// (1/x, 1/√x, each step rounded in the element's precision).
    Estimate {
        sqrt: bool,
        single: bool,
    },
    /// `xvcmp{eq,gt,ge}{dp,sp}[.]`: all ones where the compare holds (`.` sets CR6).
    Cmp {
        kind: VecCmp,
        single: bool,
        rc: bool,
    },
}

/// The vector floating-point compares ([`VsxOp::Cmp`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VecCmp {
    /// `xa == xb`.
    Eq,
    /// `xa > xb`.
    Gt,
    /// `xa >= xb`.
    Ge,
}

/// The VSX vector conversions ([`VsxOp::Convert`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VecConv {
    /// `xvcvsxwdp`/`xvcvuxwdp`: words 0 and 2 (signed or not) to doubles.
    WordsToDouble {
        /// Signed integers.
        signed: bool,
    },
    /// `xvcvsxwsp`/`xvcvuxwsp`: each word to single precision.
    WordsToSingle {
        /// Signed integers.
        signed: bool,
    },
    /// `xvcvsxddp`/`xvcvuxddp`: each doubleword to double precision.
    DoublewordsToDouble {
        /// Signed integers.
        signed: bool,
    },
    /// `xvcvspdp`: the singles in words 0 and 2 to doubles.
    SingleToDouble,
    /// `xvcvdpsp`: each double to a single in words 0 and 2.
    DoubleToSingle,
    /// `xvcvdp{s,u}x{ws,ds}`: each double to an integer (toward zero): a word
    /// (replicated in its doubleword) or a doubleword.
    DoubleToInt {
        /// Signed integers.
        signed: bool,
        /// Words rather than doublewords.
        words: bool,
    },
    /// `xvcvsp{s,u}xws` (each word), `xvcvsp{s,u}xds` (words 0 and 2 to doublewords).
    SingleToInt {
        /// Signed integers.
        signed: bool,
        /// Words rather than doublewords.
        words: bool,
    },
    /// `xvcv{s,u}xdsp`: each doubleword to a single (replicated in its doubleword).
    DoublewordsToSingle {
        /// Signed integers.
        signed: bool,
    },
}
