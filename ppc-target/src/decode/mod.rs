//! Instruction word → plain value. A word with reserved bits set, or an opcode outside the
//! subset, is a [`DecodeError`], never a guess (spec §5.3). Bit numbers in comments are
//! IBM's (bit 0 is the most significant).

mod fp;
mod insn;
mod ops;
mod vector_ops;
mod vsx;
mod x31;

use fp::{decode_59, decode_63};
pub use insn::*;
pub use ops::*;
pub use vector_ops::*;
use vsx::{vsx_displacement, vsx_xx3};
use x31::decode_31;

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
        4 if w & 0x3F < 32 && vmx_vx(w).is_some() => vmx_vx(w).expect("checked"),
        4 if matches!(w & 0x3F, 34 | 36..=41 | 46 | 47) => {
            let xo = w & 0x3F;
            let op = match xo {
                34 => VmxOp::MulAddLowH,
                46 => VmxOp::Float(VmxFloat::Madd),
                47 => VmxOp::Float(VmxFloat::Nmsub),
                _ => VmxOp::MulSum {
                    bytes: if xo < 38 { 1 } else { 2 },
                    signed_a: matches!(xo, 37 | 40 | 41),
                    signed_b: matches!(xo, 40 | 41),
                    saturate: matches!(xo, 39 | 41),
                },
            };
            Insn::Vmx {
                op,
                vt: rt(w),
                va: ra(w),
                vb: rb(w),
                vc: ((w >> 6) & 31) as u8,
                rc: false,
            }
        }
        4 if w & 0x3F >= 42 && w & 0x3F <= 44 => {
            let op = [VmxOp::Sel, VmxOp::Perm, VmxOp::Sldoi][(w & 0x3F) as usize - 42];
            // vsldoi's SHB is four bits; QEMU 7.2 ignores the reserved bit above it.
            let vc = ((w >> 6) & 31) as u8;
            let vc = if op == VmxOp::Sldoi { vc & 15 } else { vc };
            Insn::Vmx {
                op,
                vt: rt(w),
                va: ra(w),
                vb: rb(w),
                vc,
                rc: false,
            }
        }
        60 if vsx_xx3(w).is_some() => vsx_xx3(w).expect("checked"),
        4 if w & 0x7FF == 1604 && w & 0x03FF_0000 == 0 => {
            Insn::Vector(Vector::Mtvscr { vrb: rb(w) })
        }
        4 if w & 0x7FF == 1540 && w & 0x001F_F800 == 0 => {
            Insn::Vector(Vector::Mfvscr { vrt: rt(w) })
        }
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
            2 if w & 0x03FF_F01C == 0 => Insn::Sc {
                lev: ((w >> 5) & 0x7F) as u8,
            },
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
        57 | 61 => vsx_displacement(w)?,
        1 => return Err(DecodeError::BadPrefixed),
        _ => return Err(DecodeError::UnknownPrimary(op as u8)),
    })
}

/// The VX- and VC-form VMX operations of the subset (opcode 4, low six bits < 32).
fn vmx_vx(w: u32) -> Option<Insn> {
    use VmxOp::*;
    let (t, a, b) = (rt(w), ra(w), rb(w));
    // Most XOs give the element width in bits 6-7 (b, h, w, d).
    let width = 1 << ((w >> 6) & 3);
    let op = match w & 0x7FF {
        1028 => And,
        1092 => Andc,
        1156 => Or,
        1220 => Xor,
        1284 => Nor,
        0 | 64 | 128 | 192 => Add { bytes: width },
        256 => Add { bytes: 16 },
        1024 | 1088 | 1152 | 1216 => Sub { bytes: width },
        1280 => Sub { bytes: 16 },
        // The reserved bits of the splats (VB of vspltis*, the high bits of UIM) are
        // ignored, as QEMU 7.2 does; the executor takes the element number modulo the
        // element count.
        780 | 844 | 908 => SplatImm { bytes: width },
        524 | 588 | 652 => Splat { bytes: width },
        12 | 76 | 140 => Merge {
            high: true,
            bytes: width,
        },
        268 | 332 | 396 => Merge {
            high: false,
            bytes: width,
        },
        1932 => MergeEvenOdd { odd: false },
        1676 => MergeEvenOdd { odd: true },
        8 | 72 | 264 | 328 | 520 | 584 | 776 | 840 => Mul {
            odd: w & 0x200 == 0,
            signed: w & 0x100 != 0,
            bytes: 1 << ((w >> 6) & 1),
        },
        14 | 78 | 1102 => Pack {
            bytes: if w & 0x7FF == 1102 { 8 } else { width * 2 },
        },
        526 | 590 | 654 | 718 if a == 0 => Unpack {
            low: w & 0x80 != 0,
            bytes: 1 << ((w >> 6) & 1),
        },
        1614 | 1742 if a == 0 => Unpack {
            low: w & 0x80 != 0,
            bytes: 4,
        },
        142 | 206 | 270 | 334 | 398 | 462 | 1230 | 1358 | 1486 => {
            let xo = w & 0x7FF;
            PackSat {
                bytes: match xo {
                    142 | 270 | 398 => 2,
                    206 | 334 | 462 => 4,
                    _ => 8,
                },
                signed_src: !matches!(xo, 142 | 206 | 1230),
                signed_dst: matches!(xo, 398 | 462 | 1486),
            }
        }
        1795 | 1859 | 1923 | 1987 if a == 0 => Popcnt { bytes: width },
        1794 | 1858 | 1922 | 1986 if a == 0 => Clz { bytes: width },
        1538 if a >= 28 => Ctz {
            bytes: 1 << (a - 28),
        },
        1538 if a == 6 || a == 7 => Neg {
            bytes: if a == 6 { 4 } else { 8 },
        },
        1538 if matches!(a, 16 | 17 | 24 | 25 | 26) => ExtendSign {
            from: 1 << (a & 7),
            bytes: if a < 24 { 4 } else { 8 },
        },
        136 | 392 | 648 | 904 => Mul {
            odd: w & 0x200 == 0,
            signed: w & 0x100 != 0,
            bytes: 4,
        },
        137 => MulLowW,
        1538 if a <= 1 => CountLsbb { trailing: a == 1 },
        1549 | 1613 | 1677 | 1805 | 1869 | 1933 => Extract {
            bytes: 1 << ((w >> 6) & 3),
            right: w & 0x100 != 0,
        },
        1292 if a == 0 => Gbbd,
        1356 => Bpermq,
        452 | 708 => ShiftBits {
            right: w & 0x7FF == 708,
        },
        1036 | 1100 => ShiftOctets {
            right: w & 0x40 != 0,
        },
        1928 => SumSws,
        10 => Float(VmxFloat::Add),
        74 => Float(VmxFloat::Sub),
        1034 => Float(VmxFloat::Max),
        1098 => Float(VmxFloat::Min),
        266 if a == 0 => Float(VmxFloat::Re),
        330 if a == 0 => Float(VmxFloat::Rsqrte),
        522 if a == 0 => Float(VmxFloat::RoundNearest),
        586 if a == 0 => Float(VmxFloat::RoundZero),
        650 if a == 0 => Float(VmxFloat::RoundUp),
        714 if a == 0 => Float(VmxFloat::RoundDown),
        778 | 842 => Float(VmxFloat::FromInt {
            signed: w & 0x7FF == 842,
            uim: a,
        }),
        906 | 970 => Float(VmxFloat::ToIntSat {
            signed: w & 0x7FF == 970,
            uim: a,
        }),
        1476 => Elementwise {
            op: ElemOp::ShiftLeft,
            bytes: 8,
        },
        1732 => Elementwise {
            op: ElemOp::ShiftRight,
            bytes: 8,
        },
        // Shifts, rotates, maxima, minima and averages: the XO's bits 6-7 give the
        // element width, the rest the operation (doubleword forms for some).
        x if elem_op(x & !0xC0).is_some_and(|op| {
            x & 0xC0 != 0xC0
                || matches!(
                    op,
                    ElemOp::MaxU
                        | ElemOp::MaxS
                        | ElemOp::MinU
                        | ElemOp::MinS
                        | ElemOp::Rotate
                        | ElemOp::ShiftRightAlg
                )
        }) =>
        {
            Elementwise {
                op: elem_op(x & !0xC0).expect("checked"),
                bytes: width,
            }
        }
        _ => {
            // VC form: a 10-bit XO and Rc (bit 21).
            let op = match w & 0x3FF {
                6 | 70 | 134 | 199 => CmpEq { bytes: width },
                198 => CmpFp { kind: VecCmp::Eq },
                454 => CmpFp { kind: VecCmp::Ge },
                710 => CmpFp { kind: VecCmp::Gt },
                966 => CmpBounds,
                518 | 582 | 646 | 711 => CmpGtU { bytes: width },
                774 | 838 | 902 | 967 => CmpGtS { bytes: width },
                7 | 71 | 135 | 263 | 327 | 391 => CmpNe {
                    bytes: width,
                    zero: w & 0x100 != 0,
                },
                _ => return None,
            };
            return Some(Insn::Vmx {
                op,
                vt: t,
                va: a,
                vb: b,
                vc: 0,
                rc: w & 0x400 != 0,
            });
        }
    };
    Some(Insn::Vmx {
        op,
        vt: t,
        va: a,
        vb: b,
        vc: 0,
        rc: false,
    })
}

/// The element-by-element VMX operation of a VX-form XO with its width bits cleared.
fn elem_op(xo: u32) -> Option<ElemOp> {
    Some(match xo {
        260 => ElemOp::ShiftLeft,
        516 => ElemOp::ShiftRight,
        772 => ElemOp::ShiftRightAlg,
        4 => ElemOp::Rotate,
        2 => ElemOp::MaxU,
        258 => ElemOp::MaxS,
        514 => ElemOp::MinU,
        770 => ElemOp::MinS,
        1026 => ElemOp::AvgU,
        1282 => ElemOp::AvgS,
        512 => ElemOp::AddSatU,
        768 => ElemOp::AddSatS,
        1536 => ElemOp::SubSatU,
        1792 => ElemOp::SubSatS,
        _ => return None,
    })
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
        18 if w & 0x03FF_F801 == 0 => Ok(Insn::System(Sys::Rfid)),
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
