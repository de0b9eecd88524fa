//! A small assembler for the instructions the built-in guests and the differential tests
//! need, and a writer for static ELF64 big-endian (ELFv2) executables.
//!
//! ```
//! use ppc_target::asm::{Asm, elf_exec};
//! use ppc_target::interp::{Guest, Stop};
//! use ppc_target::models::CpuModel;
//!
//! let mut a = Asm::new();
//! a.li(3, 42);
//! a.li(0, 1); // exit
//! a.sc();
//! let elf = elf_exec(&a.finish(), &[], 0);
//! let mut g = Guest::load_elf(&elf, CpuModel::power9(), "t").unwrap();
//! assert_eq!(g.run(100), Stop::Exit(42));
//! ```

use std::collections::HashMap;

/// Where the generated executables are linked.
pub const TEXT_BASE: u64 = 0x1000_0000;
/// Where their data segment starts.
pub const DATA_BASE: u64 = 0x1010_0000;

/// Encoders for single instruction words.
pub mod enc {
    /// D-form.
    pub fn d(op: u32, rt: u8, ra: u8, imm: u16) -> u32 {
        op << 26 | u32::from(rt) << 21 | u32::from(ra) << 16 | u32::from(imm)
    }
    /// X-form with Rc.
    pub fn x(op: u32, rt: u8, ra: u8, rb: u8, xo: u32, rc: bool) -> u32 {
        op << 26
            | u32::from(rt) << 21
            | u32::from(ra) << 16
            | u32::from(rb) << 11
            | xo << 1
            | u32::from(rc)
    }
    /// XO-form.
    pub fn xo(rt: u8, ra: u8, rb: u8, oe: bool, xo: u32, rc: bool) -> u32 {
        31 << 26
            | u32::from(rt) << 21
            | u32::from(ra) << 16
            | u32::from(rb) << 11
            | u32::from(oe) << 10
            | xo << 1
            | u32::from(rc)
    }
    /// MD-form (rldicl 0, rldicr 1, rldic 2, rldimi 3).
    pub fn md(ra: u8, rs: u8, sh: u8, mbe: u8, kind: u32, rc: bool) -> u32 {
        let sh = u32::from(sh);
        let mbe = u32::from(mbe);
        30 << 26
            | u32::from(rs) << 21
            | u32::from(ra) << 16
            | (sh & 31) << 11
            | (mbe & 31) << 6
            | (mbe >> 5) << 5
            | kind << 2
            | (sh >> 5) << 1
            | u32::from(rc)
    }
    /// M-form (rlwinm 21, rlwimi 20).
    pub fn m(op: u32, ra: u8, rs: u8, sh: u8, mb: u8, me: u8, rc: bool) -> u32 {
        op << 26
            | u32::from(rs) << 21
            | u32::from(ra) << 16
            | u32::from(sh) << 11
            | u32::from(mb) << 6
            | u32::from(me) << 1
            | u32::from(rc)
    }
    /// mtspr / mfspr.
    pub fn spr(rt: u8, spr: u16, mt: bool) -> u32 {
        let n = u32::from(spr);
        31 << 26
            | u32::from(rt) << 21
            | (n & 31) << 16
            | (n >> 5) << 11
            | if mt { 467 } else { 339 } << 1
    }
}

/// A label in an [`Asm`] program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Label(usize);

/// A tiny assembler with labels for branches.
#[derive(Clone, Debug, Default)]
pub struct Asm {
    words: Vec<u32>,
    labels: HashMap<Label, usize>,
    next_label: usize,
    fixups: Vec<(usize, Label, bool)>,
}

impl Asm {
    /// An empty program.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a raw instruction word.
    pub fn word(&mut self, w: u32) -> &mut Self {
        self.words.push(w);
        self
    }

    /// The address the next instruction will have.
    pub fn here(&self) -> u64 {
        TEXT_BASE + 4 * self.words.len() as u64
    }

    /// A new, unplaced label.
    pub fn label(&mut self) -> Label {
        self.next_label += 1;
        Label(self.next_label)
    }

    /// Places `l` at the next instruction.
    pub fn bind(&mut self, l: Label) {
        self.labels.insert(l, self.words.len());
    }

    /// `li rt, imm`.
    pub fn li(&mut self, rt: u8, imm: i16) -> &mut Self {
        self.word(enc::d(14, rt, 0, imm as u16))
    }

    /// Loads any 64-bit constant (up to 5 instructions).
    pub fn li64(&mut self, rt: u8, v: u64) -> &mut Self {
        if let Ok(s) = i16::try_from(v as i64) {
            return self.li(rt, s);
        }
        self.word(enc::d(15, rt, 0, (v >> 48) as u16)); // lis
        self.word(enc::d(24, rt, rt, (v >> 32) as u16)); // ori
        self.word(enc::md(rt, rt, 32, 31, 1, false)); // sldi rt,rt,32
        self.word(enc::d(25, rt, rt, (v >> 16) as u16)); // oris
        self.word(enc::d(24, rt, rt, v as u16)) // ori
    }

    /// `addi rt, ra, imm`.
    pub fn addi(&mut self, rt: u8, ra: u8, imm: i16) -> &mut Self {
        self.word(enc::d(14, rt, ra, imm as u16))
    }

    /// `add rt, ra, rb`.
    pub fn add(&mut self, rt: u8, ra: u8, rb: u8) -> &mut Self {
        self.word(enc::xo(rt, ra, rb, false, 266, false))
    }

    /// `mulld rt, ra, rb`.
    pub fn mulld(&mut self, rt: u8, ra: u8, rb: u8) -> &mut Self {
        self.word(enc::xo(rt, ra, rb, false, 233, false))
    }

    /// `xor ra, rs, rb`.
    pub fn xor(&mut self, ra: u8, rs: u8, rb: u8) -> &mut Self {
        self.word(enc::x(31, rs, ra, rb, 316, false))
    }

    /// `and ra, rs, rb`.
    pub fn and(&mut self, ra: u8, rs: u8, rb: u8) -> &mut Self {
        self.word(enc::x(31, rs, ra, rb, 28, false))
    }

    /// `mr ra, rs`.
    pub fn mr(&mut self, ra: u8, rs: u8) -> &mut Self {
        self.word(enc::x(31, rs, ra, rs, 444, false))
    }

    /// `sldi ra, rs, n`.
    pub fn sldi(&mut self, ra: u8, rs: u8, n: u8) -> &mut Self {
        self.word(enc::md(ra, rs, n, 63 - n, 1, false))
    }

    /// `srdi ra, rs, n`.
    pub fn srdi(&mut self, ra: u8, rs: u8, n: u8) -> &mut Self {
        self.word(enc::md(ra, rs, 64 - n, n, 0, false))
    }

    /// `rotldi ra, rs, n`.
    pub fn rotldi(&mut self, ra: u8, rs: u8, n: u8) -> &mut Self {
        self.word(enc::md(ra, rs, n, 0, 0, false))
    }

    /// `std rs, disp(ra)`.
    pub fn std(&mut self, rs: u8, disp: i16, ra: u8) -> &mut Self {
        self.word(enc::d(62, rs, ra, (disp as u16) & !3))
    }

    /// `ld rt, disp(ra)`.
    pub fn ld(&mut self, rt: u8, disp: i16, ra: u8) -> &mut Self {
        self.word(enc::d(58, rt, ra, (disp as u16) & !3))
    }

    /// `stdx rs, ra, rb`.
    pub fn stdx(&mut self, rs: u8, ra: u8, rb: u8) -> &mut Self {
        self.word(enc::x(31, rs, ra, rb, 149, false))
    }

    /// `ldx rt, ra, rb`.
    pub fn ldx(&mut self, rt: u8, ra: u8, rb: u8) -> &mut Self {
        self.word(enc::x(31, rt, ra, rb, 21, false))
    }

    /// `stb rs, disp(ra)`.
    pub fn stb(&mut self, rs: u8, disp: i16, ra: u8) -> &mut Self {
        self.word(enc::d(38, rs, ra, disp as u16))
    }

    /// `cmpd cr0, ra, rb`.
    pub fn cmpd(&mut self, ra: u8, rb: u8) -> &mut Self {
        self.word(enc::x(31, 1, ra, rb, 0, false))
    }

    /// `cmpdi cr0, ra, imm`.
    pub fn cmpdi(&mut self, ra: u8, imm: i16) -> &mut Self {
        self.word(enc::d(11, 1, ra, imm as u16))
    }

    /// `mtctr rs`.
    pub fn mtctr(&mut self, rs: u8) -> &mut Self {
        self.word(enc::spr(rs, 9, true))
    }

    /// `sc`.
    pub fn sc(&mut self) -> &mut Self {
        self.word(0x4400_0002)
    }

    fn branch(&mut self, base: u32, target: Label, long: bool) -> &mut Self {
        self.fixups.push((self.words.len(), target, long));
        self.word(base)
    }

    /// `b target`.
    pub fn b(&mut self, target: Label) -> &mut Self {
        self.branch(18 << 26, target, true)
    }

    /// `bl target`.
    pub fn bl(&mut self, target: Label) -> &mut Self {
        self.branch(18 << 26 | 1, target, true)
    }

    /// `blr`.
    pub fn blr(&mut self) -> &mut Self {
        self.word(0x4E80_0020)
    }

    /// `bdnz target`.
    pub fn bdnz(&mut self, target: Label) -> &mut Self {
        self.branch(16 << 26 | 16 << 21, target, false)
    }

    /// `bne cr0, target`.
    pub fn bne(&mut self, target: Label) -> &mut Self {
        self.branch(16 << 26 | 4 << 21 | 2 << 16, target, false)
    }

    /// `blt cr0, target`.
    pub fn blt(&mut self, target: Label) -> &mut Self {
        self.branch(16 << 26 | 12 << 21, target, false)
    }

    /// Resolves the labels and returns the instruction words.
    pub fn finish(mut self) -> Vec<u32> {
        for (at, label, long) in std::mem::take(&mut self.fixups) {
            let to = *self
                .labels
                .get(&label)
                .expect("every branch target is bound");
            let disp = (to as i64 - at as i64) * 4;
            self.words[at] |= if long {
                (disp as u32) & 0x03FF_FFFC
            } else {
                (disp as u32) & 0xFFFC
            };
        }
        self.words
    }
}

/// A static ELF64 big-endian ELFv2 executable: `code` at [`TEXT_BASE`] (the entry),
/// `data` at [`DATA_BASE`] followed by `bss` zero bytes.
pub fn elf_exec(code: &[u32], data: &[u8], bss: u64) -> Vec<u8> {
    elf_exec_in(code, data, bss, false)
}

/// [`elf_exec`] for a little-endian (ppc64le) program: the header and the instruction
/// words little-endian; `data` is placed as given.
///
/// ```
/// use ppc_target::asm::{elf_exec_le, Asm};
/// use ppc_target::interp::{Guest, Stop};
/// use ppc_target::models::CpuModel;
/// let mut a = Asm::new();
/// a.li(3, 7).li(0, 1).sc(); // exit(7)
/// let elf = elf_exec_le(&a.finish(), &[], 0);
/// let mut g = Guest::load_elf(&elf, CpuModel::power9(), "le").unwrap();
/// assert_eq!(g.run(100), Stop::Exit(7));
/// ```
pub fn elf_exec_le(code: &[u32], data: &[u8], bss: u64) -> Vec<u8> {
    elf_exec_in(code, data, bss, true)
}

fn elf_exec_in(code: &[u32], data: &[u8], bss: u64, little: bool) -> Vec<u8> {
    // The low `n` bytes of `v` in the file's byte order.
    let put = |out: &mut Vec<u8>, v: u64, n: usize| {
        if little {
            out.extend_from_slice(&v.to_le_bytes()[..n]);
        } else {
            out.extend_from_slice(&v.to_be_bytes()[8 - n..]);
        }
    };
    let mut text = Vec::new();
    for &w in code {
        put(&mut text, u64::from(w), 4);
    }
    let hdr = 64u64;
    let phnum = 2u64;
    let text_off = 0x1000u64;
    let data_off = text_off + (text.len() as u64).div_ceil(0x1000) * 0x1000;
    text.resize((data_off - text_off) as usize, 0);
    let mut out = Vec::new();
    out.extend_from_slice(&[0x7f, b'E', b'L', b'F', 2, if little { 1 } else { 2 }, 1, 0]);
    out.extend_from_slice(&[0; 8]);
    put(&mut out, 2, 2); // ET_EXEC
    put(&mut out, 21, 2); // EM_PPC64
    put(&mut out, 1, 4);
    put(&mut out, TEXT_BASE, 8); // entry
    put(&mut out, hdr, 8); // phoff
    put(&mut out, 0, 8); // shoff
    put(&mut out, 2, 4); // e_flags: ELFv2
    put(&mut out, 64, 2);
    put(&mut out, 56, 2);
    put(&mut out, phnum, 2);
    put(&mut out, 64, 2);
    put(&mut out, 0, 2);
    put(&mut out, 0, 2);
    let ph = |out: &mut Vec<u8>, flags: u64, off: u64, vaddr: u64, filesz: u64, memsz: u64| {
        put(out, 1, 4); // PT_LOAD
        put(out, flags, 4);
        put(out, off, 8);
        put(out, vaddr, 8);
        put(out, vaddr, 8);
        put(out, filesz, 8);
        put(out, memsz, 8);
        put(out, 0x1000, 8);
    };
    ph(
        &mut out,
        5,
        text_off,
        TEXT_BASE,
        text.len() as u64,
        text.len() as u64,
    );
    ph(
        &mut out,
        6,
        data_off,
        DATA_BASE,
        data.len() as u64,
        data.len() as u64 + bss.max(1),
    );
    out.resize(text_off as usize, 0);
    out.extend_from_slice(&text);
    out.extend_from_slice(data);
    out
}
