//! Floating-point decoding: primary opcodes 59 and 63 (A-form arithmetic, fused
//! multiply-adds, square roots, moves, compares, conversions).

use super::*;

/// The fused multiply-add or square root of an A-form `w` (opcode 59 or 63), if it is one.
pub(super) fn fp_a_form(w: u32, single: bool) -> Option<Result<Insn, DecodeError>> {
    let (t, a, b) = (rt(w), ra(w), rb(w));
    let c = ((w >> 6) & 31) as u8;
    let rc = w & 1 != 0;
    let op = match (w >> 1) & 31 {
        x @ (24 | 26) if a == 0 && c == 0 => {
            return Some(Ok(Insn::Fre {
                frt: t,
                frb: b,
                rc,
                single,
                sqrt: x == 26,
            }))
        }
        22 if a == 0 && c == 0 => {
            return Some(Ok(Insn::Fsqrt {
                frt: t,
                frb: b,
                rc,
                single,
            }))
        }
        22 | 24 | 26 => return Some(Err(DecodeError::Invalid)),
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

/// Primary opcode 59: single-precision arithmetic (`fadds`, `fsubs`, `fmuls`, `fdivs`).
pub(super) fn decode_59(w: u32) -> Result<Insn, DecodeError> {
    if let Some(r) = fp_a_form(w, true) {
        return r;
    }
    let (t, a, b) = (rt(w), ra(w), rb(w));
    // fcfids, fcfidus: X-form, a 10-bit XO.
    if let 846 | 974 = (w >> 1) & 0x3FF {
        if a != 0 {
            return Err(DecodeError::Invalid);
        }
        return Ok(Insn::FConv {
            op: if (w >> 1) & 0x3FF == 846 {
                FConv::Fcfids
            } else {
                FConv::Fcfidus
            },
            frt: t,
            frb: b,
            rc: w & 1 != 0,
        });
    }
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
pub(super) fn decode_63(w: u32) -> Result<Insn, DecodeError> {
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
        974 => return conv(FConv::Fcfidu),
        392 => return conv(FConv::Frin),
        424 => return conv(FConv::Friz),
        456 => return conv(FConv::Frip),
        488 => return conv(FConv::Frim),
        142 => return conv(FConv::Fctiwu),
        143 => return conv(FConv::Fctiwuz),
        942 => return conv(FConv::Fctidu),
        943 => return conv(FConv::Fctiduz),
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
        583 => {
            let op = match (a, b) {
                (0, 0) => FpscrRead::All,
                (1, 0) if !rc => FpscrRead::ClearEnables,
                (24, 0) if !rc => FpscrRead::Light,
                (22, frb) if !rc => FpscrRead::SetRounding { frb },
                (23, rm) if !rc && rm & !3 == 0 => FpscrRead::SetRoundingImm { rm },
                _ => return Err(DecodeError::Invalid),
            };
            Ok(Insn::Mffs { frt: t, rc, op })
        }
        711 => Ok(Insn::Mtfsf {
            flm: ((w >> 17) & 0xFF) as u8,
            frb: b,
            l: w & (1 << 25) != 0,
            w: w & (1 << 16) != 0,
            rc,
        }),
        134 if t & 3 == 0 && a & 0x1E == 0 && b & 1 == 0 => Ok(Insn::Mtfsfi {
            bf: t >> 2,
            u: b >> 1,
            w: a & 1 != 0,
            rc,
        }),
        70 | 38 if a == 0 && b == 0 => Ok(Insn::Mtfsb {
            bt: t,
            set: xo == 38,
            rc,
        }),
        _ => Err(bad_ext(63, xo)),
    }
}
