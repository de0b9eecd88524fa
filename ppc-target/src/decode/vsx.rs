//! The VSX instructions: opcode 60's XX2/XX3/XX4 forms (logical, permute and the
//! scalar floating-point operations) and the loads and stores with a displacement.

use super::*;

/// The XX3-form VSX operations of the subset (opcode 60).
pub(super) fn vsx_xx3(w: u32) -> Option<Insn> {
    let xt = rt(w) | ((w & 1) << 5) as u8;
    let xa = ra(w) | (((w >> 2) & 1) << 5) as u8;
    let xb = rb(w) | (((w >> 1) & 1) << 5) as u8;
    if (w >> 4) & 3 == 3 {
        // XX4 form: xxsel, XC in bits 6-10 with its high bit in bit 3.
        let xc = ((w >> 6) & 31) as u8 | (((w >> 3) & 1) << 5) as u8;
        return Some(Insn::Vsx {
            op: VsxOp::Sel { xc },
            xt,
            xa,
            xb,
        });
    }
    if (w >> 2) & 0x1FF == 164 {
        // XX2 form: xxspltw XT,XB,UIM (bits 18-20 reserved).
        return ((w >> 18) & 7 == 0).then_some(Insn::Vsx {
            op: VsxOp::SpltW {
                uim: ((w >> 16) & 3) as u8,
            },
            xt,
            xa: 0,
            xb,
        });
    }
    if let Some(op) = scalar(w) {
        return Some(Insn::VsxScalar { op, xt, xa, xb });
    }
    if (w >> 1) & 0x3FF == 360 && (w >> 19) & 3 == 0 {
        return Some(Insn::Vsx {
            op: VsxOp::SpltIb {
                imm: (w >> 11) as u8,
            },
            xt,
            xa: 0,
            xb: 0,
        });
    }
    if let Some(op) = vector_fp(w) {
        return Some(Insn::Vsx { op, xt, xa, xb });
    }
    let op = match (w >> 3) & 0xFF {
        18 => VsxOp::MergeHighW,
        50 => VsxOp::MergeLowW,
        x if x & 0x9F == 2 => VsxOp::SldWi {
            shw: ((x >> 5) & 3) as u8,
        },
        130 => VsxOp::And,
        138 => VsxOp::Andc,
        146 => VsxOp::Or,
        154 => VsxOp::Xor,
        162 => VsxOp::Nor,
        170 => VsxOp::Orc,
        178 => VsxOp::Nand,
        186 => VsxOp::Eqv,
        x if x & 0x9F == 10 => VsxOp::PermDi {
            dm: ((x >> 5) & 3) as u8,
        },
        _ => return None,
    };
    Some(Insn::Vsx { op, xt, xa, xb })
}

/// The ISA 3.0 VSX loads and stores with a displacement: `lxsd`/`lxssp` (opcode 57,
/// DS-form, into VSR 32 + VRT), `stxsd`/`stxssp`, `lxv`/`stxv` (opcode 61; DQ-form
/// with TX/SX in bit 28).
pub(super) fn vsx_displacement(w: u32) -> Result<Insn, DecodeError> {
    let op = w >> 26;
    let (t, a) = (rt(w), ra(w));
    let scalar = |bytes| VsxMem::Scalar {
        bytes,
        signed: false,
    };
    let (store, xt, disp, kind) = match (op, w & 3) {
        (57, 2) => (false, t + 32, simm(w & !3), scalar(8)),
        (57, 3) => (false, t + 32, simm(w & !3), VsxMem::Single),
        (61, 2) => (true, t + 32, simm(w & !3), scalar(8)),
        (61, 3) => (true, t + 32, simm(w & !3), VsxMem::Single),
        (61, 1) => (
            w & 4 != 0,
            t | (((w >> 3) & 1) << 5) as u8,
            simm(w & !0xF),
            VsxMem::Elements { elem: 16 },
        ),
        (op, x) => return Err(bad_ext(op, x)),
    };
    Ok(Insn::Vector(if store {
        Vector::Stxv {
            xs: xt,
            ra: a,
            rb: None,
            disp,
            kind,
        }
    } else {
        Vector::Lxv {
            xt,
            ra: a,
            rb: None,
            disp,
            kind,
        }
    }))
}

/// The scalar floating-point operation of an XX2- or XX3-form word (opcode 60).
fn scalar(w: u32) -> Option<VsxScalar> {
    use VsxScalar::*;
    // XX2 forms: a 9-bit XO in bits 21-29, RA reserved.
    if ra(w) == 0 {
        let op = match (w >> 2) & 0x1FF {
            345 => Some(Move(FMove::Fabs)),
            361 => Some(Move(FMove::Fnabs)),
            377 => Some(Move(FMove::Fneg)),
            281 => Some(Conv(FConv::Frsp)),
            344 => Some(Conv(FConv::Fctidz)),
            88 => Some(Conv(FConv::Fctiwz)),
            376 => Some(Conv(FConv::Fcfid)),
            90 | 74 | 26 | 10 => Some(Estimate {
                sqrt: (w >> 2) & 0x1FF < 80 && (w >> 2) & 0x1FF != 26,
                single: (w >> 2) & 0x1FF < 32,
            }),
            73 => Some(Conv(FConv::Frin)),
            89 => Some(Conv(FConv::Friz)),
            105 => Some(Conv(FConv::Frip)),
            121 => Some(Conv(FConv::Frim)),
            107 => Some(Conv(FConv::Fric)),
            75 => Some(Sqrt { single: false }),
            11 => Some(Sqrt { single: true }),
            265 => Some(ToSingle),
            329 => Some(FromSingle),
            267 => Some(ToSingleQuiet),
            331 => Some(FromSingleQuiet),
            _ => None,
        };
        if op.is_some() {
            return op;
        }
    }
    let xo = (w >> 3) & 0xFF;
    let arith = [FArith::Add, FArith::Sub, FArith::Mul, FArith::Div];
    let fma = [FmaOp::Madd, FmaOp::Msub, FmaOp::Nmadd, FmaOp::Nmsub];
    Some(match xo {
        // xs{add,sub,mul,div}sp 0, 8, 16, 24; dp 32, 40, 48, 56.
        0 | 8 | 16 | 24 | 32 | 40 | 48 | 56 => Arith {
            op: arith[(xo as usize >> 3) & 3],
            single: xo < 32,
        },
        // xsmadd{a,m}sp 1, 9; xsmsub 17, 25; dp +32; the negative forms +128.
        x if x & 0x47 == 1 => Fma {
            op: fma[((x >> 4) & 1 | (x >> 6) & 2) as usize],
            m: x & 8 != 0,
            single: x & 0x20 == 0,
        },
        35 | 43 if w & 1 == 0 && (w >> 21) & 3 == 0 => Cmp { ordered: xo == 43 },
        176 => Move(FMove::Fcpsgn),
        160 | 168 => MaxMin { max: xo == 160 },
        _ => return None,
    })
}

/// The vector floating-point operation of an XX2- or XX3-form word (opcode 60).
fn vector_fp(w: u32) -> Option<VsxOp> {
    if ra(w) == 0 {
        let conv = match (w >> 2) & 0x1FF {
            248 | 232 => Some(VecConv::WordsToDouble {
                signed: (w >> 2) & 0x1FF == 248,
            }),
            184 | 168 => Some(VecConv::WordsToSingle {
                signed: (w >> 2) & 0x1FF == 184,
            }),
            504 | 488 => Some(VecConv::DoublewordsToDouble {
                signed: (w >> 2) & 0x1FF == 504,
            }),
            457 => Some(VecConv::SingleToDouble),
            393 => Some(VecConv::DoubleToSingle),
            216 | 200 | 472 | 456 => Some(VecConv::DoubleToInt {
                signed: (w >> 6) & 1 == 1,
                words: (w >> 2) & 0x1FF < 256,
            }),
            152 | 136 | 408 | 392 => Some(VecConv::SingleToInt {
                signed: (w >> 6) & 1 == 1,
                words: (w >> 2) & 0x1FF < 256,
            }),
            440 | 424 => Some(VecConv::DoublewordsToSingle {
                signed: (w >> 2) & 0x1FF == 440,
            }),
            _ => None,
        };
        if let Some(c) = conv {
            return Some(VsxOp::Convert(c));
        }
        let xo = (w >> 2) & 0x1FF;
        let op = match xo {
            473 | 409 => Some(VsxOp::Move {
                op: FMove::Fabs,
                single: xo == 409,
            }),
            489 | 425 => Some(VsxOp::Move {
                op: FMove::Fnabs,
                single: xo == 425,
            }),
            505 | 441 => Some(VsxOp::Move {
                op: FMove::Fneg,
                single: xo == 441,
            }),
            203 | 139 => Some(VsxOp::Sqrt { single: xo == 139 }),
            218 | 154 | 202 | 138 => Some(VsxOp::Estimate {
                sqrt: xo == 202 || xo == 138,
                single: xo < 200,
            }),
            201 | 137 => Some(round(FConv::Frin, xo == 137)),
            217 | 153 => Some(round(FConv::Friz, xo == 153)),
            233 | 169 => Some(round(FConv::Frip, xo == 169)),
            249 | 185 => Some(round(FConv::Frim, xo == 185)),
            235 | 171 => Some(round(FConv::Fric, xo == 171)),
            _ => None,
        };
        if op.is_some() {
            return op;
        }
    }
    // XX3 compares: a 7-bit XO and Rc (bit 21).
    let cmp = match (w >> 3) & 0x7F {
        99 => Some((VecCmp::Eq, false)),
        107 => Some((VecCmp::Gt, false)),
        115 => Some((VecCmp::Ge, false)),
        67 => Some((VecCmp::Eq, true)),
        75 => Some((VecCmp::Gt, true)),
        83 => Some((VecCmp::Ge, true)),
        _ => None,
    };
    if let Some((kind, single)) = cmp {
        return Some(VsxOp::Cmp {
            kind,
            single,
            rc: (w >> 10) & 1 != 0,
        });
    }
    let xo = (w >> 3) & 0xFF;
    let arith = [FArith::Add, FArith::Sub, FArith::Mul, FArith::Div];
    let fma = [FmaOp::Madd, FmaOp::Msub, FmaOp::Nmadd, FmaOp::Nmsub];
    Some(match xo {
        // xv{add,sub,mul,div}sp 64, 72, 80, 88; dp 96, 104, 112, 120.
        64..=127 if xo & 7 == 0 => VsxOp::FArith {
            op: arith[(xo as usize >> 3) & 3],
            single: xo < 96,
        },
        224 | 232 | 192 | 200 => VsxOp::MaxMin {
            max: xo & 8 == 0,
            single: xo < 224,
        },
        240 | 208 => VsxOp::Move {
            op: FMove::Fcpsgn,
            single: xo == 208,
        },
        // xvmadd{a,m}sp 65, 73; xvmsub 81, 89; dp +32; the negative forms +128.
        x if x & 0x47 == 0x41 => VsxOp::Fma {
            op: fma[((x >> 4) & 1 | (x >> 6) & 2) as usize],
            m: x & 8 != 0,
            single: x & 0x20 == 0,
        },
        _ => return None,
    })
}

fn round(op: FConv, single: bool) -> VsxOp {
    VsxOp::Round { op, single }
}
