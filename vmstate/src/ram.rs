//! The RAM section (`ram`, version 4, spec §2.10) and the pseries `spapr/htab` section
//! (spec §2.11): decoding with every offset checked against its block, and encoding.
//!
//! ```
//! use vmstate::ram::{self, RamBlock, RamRecord};
//! use vmstate::wire::{Reader, Writer};
//!
//! let blocks = [RamBlock { name: "pc.ram".into(), used_length: 8192 }];
//! let page = [0xabu8; 4096];
//! let mut out = Vec::new();
//! let mut w = Writer::new(&mut out);
//! ram::write_mem_size(&mut w, &blocks).unwrap();
//! ram::write_page(&mut w, &blocks[0].name, 0, &page, false).unwrap();
//! ram::write_zero(&mut w, &blocks[0].name, 4096, true).unwrap();
//! ram::write_eos(&mut w);
//!
//! let mut known = Vec::new();
//! let mut pages = Vec::new();
//! ram::read_body(&mut Reader::new(&out), 4096, &mut known, &mut None, &mut |rec: RamRecord<'_>| {
//!     pages.push((rec.block, rec.offset, rec.data.map(|d| d[0])));
//!     Ok(())
//! }).unwrap();
//! assert_eq!(known, blocks);
//! assert_eq!(pages, [(0, 0, Some(0xab)), (0, 4096, None)]);
//! ```

use crate::error::{Error, ErrorKind, Result};
use crate::wire::{Reader, Writer};
use alloc::{borrow::ToOwned, format, string::String, vec, vec::Vec};

/// RAM record flags (the low bits of each record's first be64).
pub mod flags {
    /// Obsolete full page (rejected).
    pub const FULL: u64 = 0x01;
    /// A page filled with one byte.
    pub const ZERO: u64 = 0x02;
    /// The block list (START body).
    pub const MEM_SIZE: u64 = 0x04;
    /// A raw page.
    pub const PAGE: u64 = 0x08;
    /// End of this section body.
    pub const EOS: u64 = 0x10;
    /// Same block as the previous record.
    pub const CONTINUE: u64 = 0x20;
    /// XBZRLE-compressed page.
    pub const XBZRLE: u64 = 0x40;
    /// RDMA hook (rejected).
    pub const HOOK: u64 = 0x80;
    /// zlib-compressed page (removed in QEMU 9.1).
    pub const COMPRESS_PAGE: u64 = 0x100;
    /// Multifd sync point.
    pub const MULTIFD_FLUSH: u64 = 0x200;
}

/// Largest number of RAM blocks accepted in a block list.
pub const MAX_BLOCKS: usize = 4096;

/// A RAM block as the block list describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RamBlock {
    /// Block id (`ppc_spapr.ram`).
    pub name: String,
    /// Bytes in use.
    pub used_length: u64,
}

/// One page record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RamRecord<'a> {
    /// Index of the block in the block list.
    pub block: usize,
    /// Byte offset inside the block.
    pub offset: u64,
    /// The page, or `None` for a page filled with `fill`.
    pub data: Option<&'a [u8]>,
    /// Fill byte of a ZERO record.
    pub fill: u8,
}

fn ram_err(offset: u64, msg: impl Into<alloc::borrow::Cow<'static, str>>) -> Error {
    Error::invalid(msg).at_offset(offset).in_description("ram")
}

/// Reads one RAM section body (START, PART or END) up to and including EOS. The START
/// body's block list is appended to `blocks`; every page is handed to `page`, after
/// checking that its block exists and the page lies inside it (CVE-2014-7840).
///
/// `current` is the block the last page named: a page with the CONTINUE flag is in it.
/// QEMU keeps it across the records of a stream (its sender continues the block of the
/// previous record), so a reader passes the same value from record to record.
pub fn read_body<'a>(
    r: &mut Reader<'a>,
    page_size: u64,
    blocks: &mut Vec<RamBlock>,
    current: &mut Option<usize>,
    page: &mut dyn FnMut(RamRecord<'a>) -> Result<()>,
) -> Result<()> {
    if !page_size.is_power_of_two() || page_size < 1024 {
        return Err(ram_err(
            r.offset(),
            format!("invalid target page size {page_size}"),
        ));
    }
    loop {
        let at = r.offset();
        let word = r.get_be64().map_err(|e| e.in_description("ram"))?;
        let mut fl = word & (page_size - 1);
        let addr = word & !(page_size - 1);
        if fl & flags::MEM_SIZE != 0 {
            read_block_list(r, addr, blocks)?;
            fl &= !flags::MEM_SIZE;
        }
        if fl & (flags::ZERO | flags::PAGE) != 0 {
            let block = if fl & flags::CONTINUE != 0 {
                current.ok_or_else(|| ram_err(at, "CONTINUE record with no previous block"))?
            } else {
                let id_at = r.offset();
                let name = r.get_counted_str().map_err(|e| e.in_description("ram"))?;
                blocks
                    .iter()
                    .position(|b| b.name.as_bytes() == name)
                    .ok_or_else(|| {
                        ram_err(
                            id_at,
                            format!("unknown RAM block '{}'", String::from_utf8_lossy(name)),
                        )
                    })?
            };
            *current = Some(block);
            let len = blocks[block].used_length;
            if addr.checked_add(page_size).is_none_or(|end| end > len) {
                return Err(ram_err(
                    at,
                    format!(
                        "page at {addr:#x} lies outside block '{}' ({len:#x} bytes)",
                        blocks[block].name
                    ),
                ));
            }
            let (data, fill) = if fl & flags::ZERO != 0 {
                (None, r.get_u8().map_err(|e| e.in_description("ram"))?)
            } else {
                (
                    Some(
                        r.take(page_size as usize)
                            .map_err(|e| e.in_description("ram"))?,
                    ),
                    0,
                )
            };
            page(RamRecord {
                block,
                offset: addr,
                data,
                fill,
            })?;
            fl &= !(flags::ZERO | flags::PAGE | flags::CONTINUE);
        }
        if fl & flags::MULTIFD_FLUSH != 0 {
            fl &= !flags::MULTIFD_FLUSH;
        }
        if fl & flags::EOS != 0 {
            if fl & !flags::EOS != 0 {
                return Err(ram_err(at, format!("unknown RAM flags {fl:#x}")));
            }
            return Ok(());
        }
        if fl != 0 {
            let what = match fl {
                f if f & flags::XBZRLE != 0 => "XBZRLE pages are not supported",
                f if f & flags::HOOK != 0 => "RAM hook records only exist in RDMA streams",
                f if f & flags::COMPRESS_PAGE != 0 => "compressed pages are not supported",
                f if f & flags::FULL != 0 => "obsolete FULL page records are not supported",
                _ => "unknown RAM flags",
            };
            return Err(ram_err(at, format!("{what} (flags {fl:#x})")));
        }
    }
}

fn read_block_list(r: &mut Reader<'_>, total: u64, blocks: &mut Vec<RamBlock>) -> Result<()> {
    let mut left = total;
    while left > 0 {
        let at = r.offset();
        if blocks.len() >= MAX_BLOCKS {
            return Err(Error::new(ErrorKind::LimitExceeded {
                requested: blocks.len() as u64 + 1,
                limit: MAX_BLOCKS as u64,
            })
            .at_offset(at)
            .in_description("ram"));
        }
        let name = r.get_counted_str().map_err(|e| e.in_description("ram"))?;
        let name = String::from_utf8(name.to_vec())
            .map_err(|_| ram_err(at, "RAM block name is not UTF-8"))?;
        let used_length = r.get_be64().map_err(|e| e.in_description("ram"))?;
        left = left
            .checked_sub(used_length)
            .ok_or_else(|| ram_err(at, format!("block '{name}' ({used_length:#x} bytes) overruns the announced RAM size {total:#x}")))?;
        if blocks.iter().any(|b| b.name == name) {
            return Err(ram_err(at, format!("RAM block '{name}' listed twice")));
        }
        blocks.push(RamBlock { name, used_length });
    }
    Ok(())
}

/// Writes the MEM_SIZE record and the block list (the first record of a START body).
pub fn write_mem_size(w: &mut Writer<'_>, blocks: &[RamBlock]) -> Result<()> {
    let total: u64 = blocks.iter().map(|b| b.used_length).sum();
    w.put_be64(total | flags::MEM_SIZE);
    for b in blocks {
        w.put_counted_str(b.name.as_bytes())?;
        w.put_be64(b.used_length);
    }
    Ok(())
}

/// Writes a PAGE record; `cont` omits the block id (same block as the previous record).
pub fn write_page(
    w: &mut Writer<'_>,
    block: &str,
    offset: u64,
    data: &[u8],
    cont: bool,
) -> Result<()> {
    w.put_be64(offset | flags::PAGE | if cont { flags::CONTINUE } else { 0 });
    if !cont {
        w.put_counted_str(block.as_bytes())?;
    }
    w.put_bytes(data);
    Ok(())
}

/// Writes a ZERO record (a page of zeros).
pub fn write_zero(w: &mut Writer<'_>, block: &str, offset: u64, cont: bool) -> Result<()> {
    w.put_be64(offset | flags::ZERO | if cont { flags::CONTINUE } else { 0 });
    if !cont {
        w.put_counted_str(block.as_bytes())?;
    }
    w.put_u8(0);
    Ok(())
}

/// Writes the EOS record that ends a RAM body.
pub fn write_eos(w: &mut Writer<'_>) {
    w.put_be64(flags::EOS);
}

/// Reads (and discards) one `spapr/htab` section body: a be32 header; a non-zero header
/// ends the body (START: the HPT shift, or all ones for no HPT); a zero header is
/// followed by chunks `be32 index, be16 n_valid, be16 n_invalid, n_valid × 16 bytes`
/// up to an all-zero chunk header. Returns the number of valid HPTEs seen.
pub fn skip_htab_body(r: &mut Reader<'_>) -> Result<u64> {
    let header = r.get_be32().map_err(|e| e.in_description("spapr/htab"))?;
    if header != 0 {
        return Ok(0);
    }
    let mut valid = 0u64;
    loop {
        let index = r.get_be32().map_err(|e| e.in_description("spapr/htab"))?;
        let n_valid = r.get_be16().map_err(|e| e.in_description("spapr/htab"))?;
        let n_invalid = r.get_be16().map_err(|e| e.in_description("spapr/htab"))?;
        if index == 0 && n_valid == 0 && n_invalid == 0 {
            return Ok(valid);
        }
        r.skip(usize::from(n_valid) * 16)
            .map_err(|e| e.in_description("spapr/htab"))?;
        valid += u64::from(n_valid);
    }
}

/// Guest RAM as an iterative section: blocks of bytes with a dirty bitmap per page that
/// the emulator sets ([`RamSection::mark_dirty`]); the first round sends every page, later
/// rounds only the dirty ones. On load, pages land in the matching blocks.
#[derive(Clone, Debug)]
pub struct RamSection {
    page_size: u64,
    blocks: Vec<(RamBlock, Vec<u8>, Vec<u64>)>,
    /// (block, page) cursor of the current round.
    cursor: (usize, usize),
    /// Blocks known from the stream (load side).
    known: Vec<RamBlock>,
    /// The block the last page record named (load side).
    current: Option<usize>,
}

impl RamSection {
    /// No blocks yet; `page_size` is the target page size.
    pub fn new(page_size: u64) -> Self {
        RamSection {
            page_size,
            blocks: Vec::new(),
            cursor: (0, 0),
            known: Vec::new(),
            current: None,
        }
    }

    /// Adds a zero-filled block of `len` bytes (rounded up to pages), all pages dirty.
    pub fn add_block(&mut self, name: &str, len: u64) {
        let pages = len.div_ceil(self.page_size) as usize;
        let bytes = vec![0u8; pages * self.page_size as usize];
        let dirty = vec![u64::MAX; pages.div_ceil(64)];
        self.blocks.push((
            RamBlock {
                name: name.to_owned(),
                used_length: bytes.len() as u64,
            },
            bytes,
            dirty,
        ));
    }

    /// The bytes of block `i`.
    pub fn block_mut(&mut self, i: usize) -> &mut [u8] {
        &mut self.blocks[i].1
    }

    /// Marks the page holding byte `offset` of block `i` dirty.
    pub fn mark_dirty(&mut self, i: usize, offset: u64) {
        let p = (offset / self.page_size) as usize;
        self.blocks[i].2[p / 64] |= 1 << (p % 64);
    }

    fn is_dirty(&self, b: usize, p: usize) -> bool {
        self.blocks[b].2[p / 64] >> (p % 64) & 1 == 1
    }

    /// Writes dirty pages from the cursor on until `budget` bytes were written (or all).
    fn send(&mut self, w: &mut Writer<'_>, budget: usize) -> Result<()> {
        let start = w.written();
        let mut prev = None;
        while self.cursor.0 < self.blocks.len() {
            let (b, p) = self.cursor;
            let pages = self.blocks[b].1.len() / self.page_size as usize;
            if p >= pages {
                self.cursor = (b + 1, 0);
                continue;
            }
            if self.is_dirty(b, p) {
                if w.written() - start >= budget {
                    break;
                }
                self.blocks[b].2[p / 64] &= !(1 << (p % 64));
                let ps = self.page_size as usize;
                let data = &self.blocks[b].1[p * ps..(p + 1) * ps];
                let name = self.blocks[b].0.name.clone();
                let cont = prev == Some(b);
                if data.iter().all(|&x| x == 0) {
                    write_zero(w, &name, (p * ps) as u64, cont)?;
                } else {
                    write_page(w, &name, (p * ps) as u64, data, cont)?;
                }
                prev = Some(b);
            }
            self.cursor = (b, p + 1);
        }
        if self.cursor.0 >= self.blocks.len() {
            self.cursor = (0, 0);
        }
        write_eos(w);
        Ok(())
    }
}

impl crate::registry::Iterative for RamSection {
    fn version(&self) -> u32 {
        4
    }
    fn save_setup(&mut self, w: &mut Writer<'_>) -> Result<()> {
        let list: Vec<RamBlock> = self.blocks.iter().map(|b| b.0.clone()).collect();
        write_mem_size(w, &list)?;
        write_eos(w);
        Ok(())
    }
    fn save_iterate(&mut self, w: &mut Writer<'_>, budget: usize) -> Result<u64> {
        self.send(w, budget)?;
        Ok(self.remaining())
    }
    fn remaining(&self) -> u64 {
        self.blocks
            .iter()
            .map(|b| b.2.iter().map(|x| u64::from(x.count_ones())).sum::<u64>())
            .sum()
    }
    fn save_complete(&mut self, w: &mut Writer<'_>) -> Result<()> {
        self.cursor = (0, 0);
        self.send(w, usize::MAX)
    }
    fn load(&mut self, r: &mut Reader<'_>, _record: u8, _version: u32) -> Result<()> {
        let mut known = core::mem::take(&mut self.known);
        let mut pages = Vec::new();
        let mut current = self.current;
        let res = read_body(
            r,
            self.page_size,
            &mut known,
            &mut current,
            &mut |p: RamRecord<'_>| {
                pages.push((p.block, p.offset, p.data.map(<[u8]>::to_vec)));
                Ok(())
            },
        );
        self.known = known;
        res?;
        self.current = current;
        for (block, offset, data) in pages {
            let name = &self.known[block].name;
            let Some(local) = self.blocks.iter_mut().find(|b| &b.0.name == name) else {
                return Err(
                    Error::invalid(format!("RAM block '{name}' does not exist here"))
                        .in_description("ram"),
                );
            };
            if local.0.used_length != self.known[block].used_length {
                return Err(
                    Error::invalid(format!("RAM block '{name}' has another size here"))
                        .in_description("ram"),
                );
            }
            let at = offset as usize;
            let ps = self.page_size as usize;
            match data {
                Some(d) => local.1[at..at + ps].copy_from_slice(&d),
                None => local.1[at..at + ps].fill(0),
            }
        }
        Ok(())
    }
}
