//! Primary opcode 31: the X/XO/XS-form register and indexed-memory instructions.

use super::*;

pub(super) fn decode_31(w: u32) -> Result<Insn, DecodeError> {
    let insn = decode_31_fields(w)?;
    // Bit 31 is Rc only for the record forms; elsewhere it is reserved (stcx. needs it;
    // on the load-and-reserve forms it is the EH hint, which changes nothing here).
    let rc_form = matches!(
        insn,
        Insn::Arith { .. }
            | Insn::Larx { .. }
            | Insn::Logic { .. }
            | Insn::Srawi { .. }
            | Insn::Sradi { .. }
            | Insn::Extswsli { .. }
            | Insn::Stcx { .. }
            | Insn::VsrMove { .. }
            | Insn::Vector(Vector::Lxv { .. } | Vector::Stxv { .. } | Vector::LengthAccess { .. })
    );
    if w & 1 != 0 && !rc_form {
        return Err(DecodeError::Invalid);
    }
    Ok(insn)
}

pub(super) fn decode_31_fields(w: u32) -> Result<Insn, DecodeError> {
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
        307 | 403 if b == 0 => Ok(Insn::VsrMove {
            op: if xo10 == 307 {
                VsrMove::Mfvsrld
            } else {
                VsrMove::Mtvsrws
            },
            xs: t | ((w & 1) << 5) as u8,
            ra: a,
        }),
        435 => Ok(Insn::VsrMove {
            op: VsrMove::Mtvsrdd { rb: b },
            xs: t | ((w & 1) << 5) as u8,
            ra: a,
        }),
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
        // mftb (the 2.01 form): an mfspr of TB or TBU.
        371 => Ok(Insn::Mfspr {
            rt: t,
            spr: ((w >> 16) & 31) as u16 | (((w >> 11) & 31) as u16) << 5,
        }),
        83 if a == 0 && b == 0 => Ok(Insn::System(Sys::Mfmsr { rt: t })),
        146 | 178 if a & 0x1E == 0 && b == 0 => Ok(Insn::System(Sys::Mtmsr {
            rs: t,
            l: a & 1 != 0,
            sf: xo10 == 178,
        })),
        402 if a == 0 => Ok(Insn::System(Sys::Slbmte { rs: t, rb: b })),
        915 if a == 0 => Ok(Insn::System(Sys::Slbmfee { rt: t, rb: b })),
        851 if a == 0 => Ok(Insn::System(Sys::Slbmfev { rt: t, rb: b })),
        434 if t == 0 && a == 0 => Ok(Insn::System(Sys::Slbie { rb: b })),
        498 if a == 0 && b == 0 => Ok(Insn::System(Sys::Slbia)),
        6 | 38 => Ok(Insn::Vector(Vector::Lvs {
            vrt: t,
            ra: a,
            rb: b,
            right: xo10 == 38,
        })),
        103 | 359 => Ok(Insn::Vector(Vector::Lvx {
            vrt: t,
            ra: a,
            rb: b,
        })),
        231 | 487 => Ok(Insn::Vector(Vector::Stvx {
            vrs: t,
            ra: a,
            rb: b,
        })),
        // XX1 forms: bit 31 is TX/SX, the VSR's high bit.
        269 | 301 | 397 | 429 => Ok(Insn::Vector(Vector::LengthAccess {
            x: t | ((w & 1) << 5) as u8,
            ra: a,
            rb: b,
            left: xo10 == 301 || xo10 == 429,
            store: xo10 >= 397,
        })),
        x if vsx_load(x).is_some() => Ok(Insn::Vector(Vector::Lxv {
            xt: t | ((w & 1) << 5) as u8,
            ra: a,
            rb: Some(b),
            disp: 0,
            kind: vsx_load(x).expect("checked"),
        })),
        x if vsx_store(x).is_some() => Ok(Insn::Vector(Vector::Stxv {
            xs: t | ((w & 1) << 5) as u8,
            ra: a,
            rb: Some(b),
            disp: 0,
            kind: vsx_store(x).expect("checked"),
        })),
        _ => Err(bad_ext(31, xo10)),
    }
}

/// The VSX load of an XX1-form XO.
fn vsx_load(xo10: u32) -> Option<VsxMem> {
    use VsxMem::*;
    Some(match xo10 {
        844 => Elements { elem: 8 },
        780 => Elements { elem: 4 },
        812 => Elements { elem: 2 },
        876 => Elements { elem: 1 },
        268 => Elements { elem: 16 },
        332 => Splat { bytes: 8 },
        364 => Splat { bytes: 4 },
        588 => Scalar {
            bytes: 8,
            signed: false,
        },
        12 | 76 => Scalar {
            bytes: 4,
            signed: xo10 == 76,
        },
        813 => Scalar {
            bytes: 2,
            signed: false,
        },
        781 => Scalar {
            bytes: 1,
            signed: false,
        },
        524 => Single,
        _ => return None,
    })
}

/// The VSX store of an XX1-form XO.
fn vsx_store(xo10: u32) -> Option<VsxMem> {
    use VsxMem::*;
    let scalar = |bytes| Scalar {
        bytes,
        signed: false,
    };
    Some(match xo10 {
        972 => Elements { elem: 8 },
        908 => Elements { elem: 4 },
        940 => Elements { elem: 2 },
        1004 => Elements { elem: 1 },
        396 => Elements { elem: 16 },
        716 => scalar(8),
        140 => scalar(4),
        941 => scalar(2),
        909 => scalar(1),
        652 => Single,
        _ => return None,
    })
}
