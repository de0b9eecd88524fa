//! Guest memory: a few contiguous regions (ELF segments, the stack), big-endian
//! accessors, and a dirty bitmap per 4 KiB page for live migration (the RAM section
//! sends only pages marked dirty since the last round).

use std::fmt;

/// Guest page size (the ppc64 target page).
pub const PAGE_SIZE: u64 = 4096;

/// A memory access outside every region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fault {
    /// The address.
    pub addr: u64,
    /// Access size in bytes.
    pub size: u8,
    /// Whether it was a write.
    pub write: bool,
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = if self.write { "write" } else { "read" };
        write!(
            f,
            "{}-byte {what} at {:#x} outside guest memory",
            self.size, self.addr
        )
    }
}

/// One contiguous region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Region {
    /// Name (the RAM block id on the wire).
    pub name: String,
    /// Guest address of the first byte (page aligned).
    pub base: u64,
    /// Contents.
    pub bytes: Vec<u8>,
    /// One bit per page: written since the last [`Memory::take_dirty`].
    dirty: Vec<u64>,
    /// One bit per page: instructions were decoded from it (a write there invalidates
    /// the interpreter's decoded blocks).
    code: Vec<u64>,
    has_code: bool,
}

impl Region {
    fn new(name: &str, base: u64, len: u64) -> Self {
        let pages = len.div_ceil(PAGE_SIZE) as usize;
        Region {
            name: name.to_owned(),
            base,
            bytes: vec![0; pages * PAGE_SIZE as usize],
            dirty: vec![0; pages.div_ceil(64)],
            code: vec![0; pages.div_ceil(64)],
            has_code: false,
        }
    }

    /// Number of pages.
    pub fn pages(&self) -> usize {
        self.bytes.len() / PAGE_SIZE as usize
    }

    /// Marks written pages dirty; returns whether one of them holds decoded code.
    #[inline]
    fn mark(&mut self, off: usize, len: usize) -> bool {
        let first = off / PAGE_SIZE as usize;
        let last = (off + len - 1) / PAGE_SIZE as usize;
        let mut code = false;
        for p in first..=last {
            self.dirty[p / 64] |= 1 << (p % 64);
            code |= self.has_code && self.code[p / 64] >> (p % 64) & 1 != 0;
        }
        code
    }

    /// Whether page `p` is dirty.
    pub fn is_dirty(&self, p: usize) -> bool {
        self.dirty[p / 64] >> (p % 64) & 1 == 1
    }
}

/// The guest's memory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Memory {
    regions: Vec<Region>,
    last: usize,
    /// A write hit a page that holds decoded code since the flag was last cleared.
    pub code_written: bool,
}

impl Memory {
    /// No memory.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a zero-filled region covering `[base, base + len)`, rounded out to pages.
    /// Overlapping an existing region is an error.
    pub fn add_region(&mut self, name: &str, base: u64, len: u64) -> Result<(), String> {
        let start = base & !(PAGE_SIZE - 1);
        let end = base
            .checked_add(len)
            .ok_or("region wraps around")?
            .div_ceil(PAGE_SIZE)
            * PAGE_SIZE;
        if self
            .regions
            .iter()
            .any(|r| start < r.base + r.bytes.len() as u64 && r.base < end)
        {
            return Err(format!("region {name} at {base:#x} overlaps another"));
        }
        self.regions.push(Region::new(name, start, end - start));
        self.regions.sort_by_key(|r| r.base);
        Ok(())
    }

    /// The regions, by address.
    pub fn regions(&self) -> &[Region] {
        &self.regions
    }

    /// Mutable access to the regions (restoring a snapshot).
    pub fn regions_mut(&mut self) -> &mut [Region] {
        &mut self.regions
    }

    #[inline]
    fn find(&mut self, addr: u64, size: usize) -> Option<(usize, usize)> {
        let r = &self.regions.get(self.last)?;
        let off = addr.wrapping_sub(r.base);
        if off < r.bytes.len() as u64 && off + size as u64 <= r.bytes.len() as u64 {
            return Some((self.last, off as usize));
        }
        self.find_slow(addr, size)
    }

    #[cold]
    fn find_slow(&mut self, addr: u64, size: usize) -> Option<(usize, usize)> {
        for (i, r) in self.regions.iter().enumerate() {
            let off = addr.wrapping_sub(r.base);
            if off < r.bytes.len() as u64 && off + size as u64 <= r.bytes.len() as u64 {
                self.last = i;
                return Some((i, off as usize));
            }
        }
        None
    }

    /// Reads `N` bytes.
    #[inline]
    pub fn read<const N: usize>(&mut self, addr: u64) -> Result<[u8; N], Fault> {
        let (i, off) = self.find(addr, N).ok_or(Fault {
            addr,
            size: N as u8,
            write: false,
        })?;
        let mut b = [0u8; N];
        b.copy_from_slice(&self.regions[i].bytes[off..off + N]);
        Ok(b)
    }

    /// Writes bytes, marking their pages dirty.
    #[inline]
    pub fn write(&mut self, addr: u64, data: &[u8]) -> Result<(), Fault> {
        if data.is_empty() {
            return Ok(());
        }
        let (i, off) = self.find(addr, data.len()).ok_or(Fault {
            addr,
            size: data.len() as u8,
            write: true,
        })?;
        let r = &mut self.regions[i];
        r.bytes[off..off + data.len()].copy_from_slice(data);
        self.code_written |= r.mark(off, data.len());
        Ok(())
    }

    /// Writes `N` bytes (a store instruction), marking their pages dirty.
    #[inline]
    pub fn store<const N: usize>(&mut self, addr: u64, data: [u8; N]) -> Result<(), Fault> {
        let (i, off) = self.find(addr, N).ok_or(Fault {
            addr,
            size: N as u8,
            write: true,
        })?;
        let r = &mut self.regions[i];
        r.bytes[off..off + N].copy_from_slice(&data);
        self.code_written |= r.mark(off, N);
        Ok(())
    }

    /// Records that the page holding `addr` contains decoded instructions.
    pub fn mark_code(&mut self, addr: u64) {
        if let Some((i, off)) = self.find(addr, 1) {
            let p = off / PAGE_SIZE as usize;
            let r = &mut self.regions[i];
            r.code[p / 64] |= 1 << (p % 64);
            r.has_code = true;
        }
    }

    /// Whether code pages were written since the last call (and clears the flag).
    #[inline]
    pub fn take_code_written(&mut self) -> bool {
        std::mem::take(&mut self.code_written)
    }

    /// Reads a big-endian u32 (instruction fetch).
    #[inline]
    pub fn read_u32(&mut self, addr: u64) -> Result<u32, Fault> {
        self.read::<4>(addr).map(u32::from_be_bytes)
    }

    /// Reads a big-endian u64.
    #[inline]
    pub fn read_u64(&mut self, addr: u64) -> Result<u64, Fault> {
        self.read::<8>(addr).map(u64::from_be_bytes)
    }

    /// Copies a byte range out (for `write` syscalls).
    pub fn read_bytes(&mut self, addr: u64, len: usize) -> Result<Vec<u8>, Fault> {
        let (i, off) = self.find(addr, len).ok_or(Fault {
            addr,
            size: 0,
            write: false,
        })?;
        Ok(self.regions[i].bytes[off..off + len].to_vec())
    }

    /// Marks every page of every region dirty (the first migration round sends all).
    pub fn mark_all_dirty(&mut self) {
        for r in &mut self.regions {
            let pages = r.pages();
            for p in 0..pages {
                r.dirty[p / 64] |= 1 << (p % 64);
            }
        }
    }

    /// The dirty pages as (region index, page index), clearing the bitmap.
    pub fn take_dirty(&mut self) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for (ri, r) in self.regions.iter_mut().enumerate() {
            for (wi, word) in r.dirty.iter_mut().enumerate() {
                let mut bits = std::mem::take(word);
                while bits != 0 {
                    let b = bits.trailing_zeros() as usize;
                    out.push((ri, wi * 64 + b));
                    bits &= bits - 1;
                }
            }
        }
        out
    }

    /// Number of dirty pages.
    pub fn dirty_count(&self) -> usize {
        self.regions
            .iter()
            .map(|r| {
                r.dirty
                    .iter()
                    .map(|w| w.count_ones() as usize)
                    .sum::<usize>()
            })
            .sum()
    }
}
