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
    /// Where its contents start in the memory's backing store, and their length.
    start: usize,
    len: usize,
    /// One bit per page: written since the last [`Memory::take_dirty`].
    dirty: Vec<u64>,
    /// One bit per page: instructions were decoded from it (a write there invalidates
    /// the interpreter's decoded blocks).
    code: Vec<u64>,
    has_code: bool,
}

impl Region {
    fn new(name: &str, base: u64, len: u64, start: usize) -> Self {
        let pages = len.div_ceil(PAGE_SIZE) as usize;
        Region {
            name: name.to_owned(),
            base,
            start,
            len: pages * PAGE_SIZE as usize,
            dirty: vec![0; pages.div_ceil(64)],
            code: vec![0; pages.div_ceil(64)],
            has_code: false,
        }
    }

    /// Number of pages.
    pub fn pages(&self) -> usize {
        self.len / PAGE_SIZE as usize
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

    /// Whether the page holding byte `off` holds decoded code.
    fn has_code_at(&self, off: usize) -> bool {
        let p = off / PAGE_SIZE as usize;
        self.has_code
            && self
                .code
                .get(p / 64)
                .is_some_and(|c| c >> (p % 64) & 1 != 0)
    }

    /// Length in bytes (whole pages).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the region has no pages.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether page `p` is dirty.
    pub fn is_dirty(&self, p: usize) -> bool {
        self.dirty[p / 64] >> (p % 64) & 1 == 1
    }
}

/// Entries of the translation cache.
const TLB_SIZE: usize = 256;

/// A direct-mapped cache of page translations, so a load or store is a tag compare
/// and a copy. It is derived from the regions and their bitmaps, not state: equal
/// memories may cache differently.
///
/// Entry `i` caches a page whose number is `i` modulo the size. A load hits when
/// `page[i]` is the page of its last byte, a store when `write_page[i]` is: comparing
/// the last byte's page also rules out an access that crosses into the next page, as
/// that page number maps to another entry.
#[derive(Clone)]
struct Tlb {
    /// The guest page numbers (`u64::MAX`: none).
    page: [u64; TLB_SIZE],
    /// `page` where stores may skip dirty tracking (the page is already dirty and
    /// holds no decoded code), else `u64::MAX`.
    write_page: [u64; TLB_SIZE],
    /// Where a page's bytes sit in the backing store, less the page's address
    /// (wrapping): adding an address in the page gives its offset in the backing store.
    addend: [usize; TLB_SIZE],
}

impl Default for Tlb {
    fn default() -> Self {
        Tlb {
            page: [u64::MAX; TLB_SIZE],
            write_page: [u64::MAX; TLB_SIZE],
            addend: [0; TLB_SIZE],
        }
    }
}

impl PartialEq for Tlb {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Tlb {}

impl fmt::Debug for Tlb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Tlb")
    }
}

const PAGE_SHIFT: u32 = PAGE_SIZE.trailing_zeros();

impl Tlb {
    /// Where `n` (at least 1) bytes at `addr` sit in the backing store when a cached
    /// page holds them all.
    #[inline(always)]
    fn hit(&self, addr: u64, n: usize, write: bool) -> Option<usize> {
        let i = (addr >> PAGE_SHIFT) as usize % TLB_SIZE;
        let last = addr.wrapping_add(n as u64 - 1) >> PAGE_SHIFT;
        let tag = if write {
            self.write_page[i]
        } else {
            self.page[i]
        };
        (tag == last).then_some(self.addend[i].wrapping_add(addr as usize))
    }

    /// Caches the page of `addr`, whose byte `addr` is at `host` in a backing store of
    /// `len` bytes. Only a page that lies wholly in the backing store is cached: a hit
    /// is then in bounds without a check (see [`Memory::read_cached`]).
    fn fill(&mut self, addr: u64, host: usize, len: usize, write: bool) {
        let page = addr >> PAGE_SHIFT;
        let in_page = (addr & (PAGE_SIZE - 1)) as usize;
        let Some(start) = host.checked_sub(in_page) else {
            return;
        };
        if start
            .checked_add(PAGE_SIZE as usize)
            .is_none_or(|end| end > len)
        {
            return;
        }
        let i = page as usize % TLB_SIZE;
        self.page[i] = page;
        self.write_page[i] = if write { page } else { u64::MAX };
        self.addend[i] = start.wrapping_sub((page << PAGE_SHIFT) as usize);
    }

    /// Stores to the page of `addr` go through the slow path again.
    fn forbid_writes(&mut self, addr: u64) {
        let page = addr >> PAGE_SHIFT;
        let i = page as usize % TLB_SIZE;
        if self.page[i] == page {
            self.write_page[i] = u64::MAX;
        }
    }

    fn flush(&mut self) {
        self.page.fill(u64::MAX);
        self.write_page.fill(u64::MAX);
    }
}

impl PartialEq for Memory {
    /// Same regions (names, addresses, bitmaps) with the same contents; where the
    /// contents sit in the backing store does not matter.
    fn eq(&self, other: &Self) -> bool {
        self.code_written == other.code_written
            && self.regions.len() == other.regions.len()
            && self
                .regions
                .iter()
                .zip(&other.regions)
                .enumerate()
                .all(|(i, (a, b))| {
                    (&a.name, a.base, a.len, &a.dirty, &a.code, a.has_code)
                        == (&b.name, b.base, b.len, &b.dirty, &b.code, b.has_code)
                        && self.region_bytes(i) == other.region_bytes(i)
                })
    }
}

impl Eq for Memory {}

/// The guest's memory.
#[derive(Clone, Debug, Default)]
pub struct Memory {
    regions: Vec<Region>,
    /// The contents of every region, one after another (so a cached translation is
    /// one offset into one buffer).
    backing: Vec<u8>,
    last: usize,
    tlb: Tlb,
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
            .any(|r| start < r.base + r.len as u64 && r.base < end)
        {
            return Err(format!("region {name} at {base:#x} overlaps another"));
        }
        let region = Region::new(name, start, end - start, self.backing.len());
        if self.backing.is_empty() {
            // Zeroed by the allocator: pages are only touched when written.
            self.backing = vec![0; region.len];
        } else {
            self.backing.resize(self.backing.len() + region.len, 0);
        }
        self.regions.push(region);
        self.regions.sort_by_key(|r| r.base);
        self.tlb.flush();
        Ok(())
    }

    /// The regions, by address.
    pub fn regions(&self) -> &[Region] {
        &self.regions
    }

    /// Mutable access to the regions (restoring a snapshot).
    pub fn regions_mut(&mut self) -> &mut [Region] {
        self.tlb.flush();
        &mut self.regions
    }

    #[inline]
    fn find(&mut self, addr: u64, size: usize) -> Option<(usize, usize)> {
        let r = &self.regions.get(self.last)?;
        let off = addr.wrapping_sub(r.base);
        if off < r.len as u64 && off + size as u64 <= r.len as u64 {
            return Some((self.last, off as usize));
        }
        self.find_slow(addr, size)
    }

    #[cold]
    fn find_slow(&mut self, addr: u64, size: usize) -> Option<(usize, usize)> {
        for (i, r) in self.regions.iter().enumerate() {
            let off = addr.wrapping_sub(r.base);
            if off < r.len as u64 && off + size as u64 <= r.len as u64 {
                self.last = i;
                return Some((i, off as usize));
            }
        }
        None
    }

    /// Reads `N` bytes.
    #[inline(always)]
    pub fn read<const N: usize>(&mut self, addr: u64) -> Result<[u8; N], Fault> {
        let mut b = [0u8; N];
        match self.tlb.hit(addr, N, false) {
            Some(at) => b.copy_from_slice(&self.backing[at..at + N]),
            None => match self.translate(addr, N, false) {
                Ok(at) => b.copy_from_slice(&self.backing[at..at + N]),
                Err(f) => self.copy_out(addr, &mut b).map_err(|_| f)?,
            },
        }
        Ok(b)
    }

    /// Copies bytes out across adjacent regions (an access that straddles two of them,
    /// as the kernel's adjacent mappings allow).
    #[cold]
    fn copy_out(&mut self, addr: u64, out: &mut [u8]) -> Result<(), Fault> {
        let mut pos = 0;
        while pos < out.len() {
            let a = addr.wrapping_add(pos as u64);
            let (i, off) = self.find(a, 1).ok_or(Fault {
                addr: a,
                size: 1,
                write: false,
            })?;
            let r = &self.regions[i];
            let n = (out.len() - pos).min(r.len - off);
            out[pos..pos + n].copy_from_slice(&self.backing[r.start + off..r.start + off + n]);
            pos += n;
        }
        Ok(())
    }

    /// Writes bytes across adjacent regions, marking their pages dirty.
    #[cold]
    fn copy_in(&mut self, addr: u64, data: &[u8]) -> Result<(), Fault> {
        // Check the whole range first: a faulting write changes nothing.
        let mut pos = 0;
        let mut parts = Vec::new();
        while pos < data.len() {
            let a = addr.wrapping_add(pos as u64);
            let (i, off) = self.find(a, 1).ok_or(Fault {
                addr: a,
                size: 1,
                write: true,
            })?;
            let n = (data.len() - pos).min(self.regions[i].len - off);
            parts.push((i, off, pos, n));
            pos += n;
        }
        for (i, off, pos, n) in parts {
            let r = &mut self.regions[i];
            let at = r.start + off;
            self.backing[at..at + n].copy_from_slice(&data[pos..pos + n]);
            self.code_written |= r.mark(off, n);
        }
        Ok(())
    }

    /// Grows the region based at `base` to `len` bytes (rounded up to pages), zero
    /// filled: a heap that grows in place.
    pub fn grow_region(&mut self, base: u64, len: u64) -> Result<(), String> {
        let i = self
            .regions
            .iter()
            .position(|r| r.base == base)
            .ok_or_else(|| format!("no region at {base:#x}"))?;
        let new_len = (len.div_ceil(PAGE_SIZE) * PAGE_SIZE) as usize;
        let old = self.regions[i].len;
        if new_len <= old {
            return Ok(());
        }
        let end = base + new_len as u64;
        if self
            .regions
            .iter()
            .any(|r| r.base != base && r.base < end && base < r.base + r.len as u64)
        {
            return Err(format!(
                "growing the region at {base:#x} would overlap another"
            ));
        }
        let at = self.regions[i].start + old;
        let extra = new_len - old;
        self.backing.splice(at..at, core::iter::repeat_n(0, extra));
        for r in &mut self.regions {
            if r.start >= at && r.base != base {
                r.start += extra;
            }
        }
        let r = &mut self.regions[i];
        r.len = new_len;
        let pages = new_len / PAGE_SIZE as usize;
        r.dirty.resize(pages.div_ceil(64), 0);
        r.code.resize(pages.div_ceil(64), 0);
        for p in old / PAGE_SIZE as usize..pages {
            r.dirty[p / 64] |= 1 << (p % 64);
        }
        self.tlb.flush();
        Ok(())
    }

    /// Where `size` bytes at `addr` sit in the backing store, through the regions;
    /// caches the page for loads (stores cache it once its dirty bit is set).
    #[cold]
    fn translate(&mut self, addr: u64, size: usize, write: bool) -> Result<usize, Fault> {
        let (i, off) = self.find(addr, size).ok_or(Fault {
            addr,
            size: size as u8,
            write,
        })?;
        let at = self.regions[i].start + off;
        if !write {
            self.tlb.fill(addr, at, self.backing.len(), false);
        }
        Ok(at)
    }

    /// Writes bytes, marking their pages dirty.
    #[inline]
    pub fn write(&mut self, addr: u64, data: &[u8]) -> Result<(), Fault> {
        if data.is_empty() {
            return Ok(());
        }
        match self.write_found(addr, data) {
            Ok(_) => Ok(()),
            Err(f) => self.copy_in(addr, data).map_err(|_| f),
        }
    }

    /// [`Memory::write`] of non-empty `data`; returns its region and offset there.
    fn write_found(&mut self, addr: u64, data: &[u8]) -> Result<(usize, usize), Fault> {
        let (i, off) = self.find(addr, data.len()).ok_or(Fault {
            addr,
            size: data.len() as u8,
            write: true,
        })?;
        let r = &mut self.regions[i];
        let at = r.start + off;
        self.backing[at..at + data.len()].copy_from_slice(data);
        self.code_written |= r.mark(off, data.len());
        Ok((i, off))
    }

    /// `N` bytes at `addr` when a cached translation covers them (else `None`, and
    /// nothing changes).
    #[inline(always)]
    pub(crate) fn read_cached<const N: usize>(&self, addr: u64) -> Option<[u8; N]> {
        let at = self.tlb.hit(addr, N, false)?;
        debug_assert!(at + N <= self.backing.len());
        // SAFETY: a hit means the `N` bytes lie in one page that `Tlb::fill` cached
        // (the tag is the page of the last byte, and the entry's index is the page of
        // the first), and `fill` caches only pages wholly inside the backing store,
        // which never shrinks. So `at..at + N` is in bounds. Without the check a load
        // takes a third fewer host instructions (memloop.elf: about 9 per access).
        #[allow(unsafe_code)]
        unsafe {
            Some(self.backing.as_ptr().add(at).cast::<[u8; N]>().read())
        }
    }

    /// Writes `N` bytes when a cached translation allows the store without dirty or
    /// code tracking; `false` (and nothing written) otherwise.
    #[inline(always)]
    pub(crate) fn store_cached<const N: usize>(&mut self, addr: u64, data: [u8; N]) -> bool {
        let Some(at) = self.tlb.hit(addr, N, true) else {
            return false;
        };
        debug_assert!(at + N <= self.backing.len());
        // SAFETY: as in `read_cached`: a hit is in bounds.
        #[allow(unsafe_code)]
        unsafe {
            self.backing
                .as_mut_ptr()
                .add(at)
                .cast::<[u8; N]>()
                .write(data);
        }
        true
    }

    /// Writes `N` bytes (a store instruction), marking their pages dirty.
    #[inline(always)]
    pub fn store<const N: usize>(&mut self, addr: u64, data: [u8; N]) -> Result<(), Fault> {
        if self.store_cached(addr, data) {
            return Ok(());
        }
        self.store_slow(addr, &data)
    }

    #[cold]
    fn store_slow(&mut self, addr: u64, data: &[u8]) -> Result<(), Fault> {
        let (i, off) = match self.write_found(addr, data) {
            Ok(x) => x,
            Err(f) => return self.copy_in(addr, data).map_err(|_| f),
        };
        // Later stores to this page skip dirty tracking until the bitmap is taken,
        // unless the page holds decoded code (they must raise `code_written`).
        let r = &self.regions[i];
        let len = self.backing.len();
        self.tlb.fill(addr, r.start + off, len, !r.has_code_at(off));
        Ok(())
    }

    /// The contents of region `i` (see [`Memory::regions`]).
    pub fn region_bytes(&self, i: usize) -> &[u8] {
        self.regions
            .get(i)
            .map_or(&[][..], |r| &self.backing[r.start..r.start + r.len])
    }

    /// Records that the page holding `addr` contains decoded instructions.
    pub fn mark_code(&mut self, addr: u64) {
        if let Some((i, off)) = self.find(addr, 1) {
            let p = off / PAGE_SIZE as usize;
            let r = &mut self.regions[i];
            r.code[p / 64] |= 1 << (p % 64);
            r.has_code = true;
            self.tlb.forbid_writes(addr);
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
        if let Some((i, off)) = self.find(addr, len) {
            let at = self.regions[i].start + off;
            return Ok(self.backing[at..at + len].to_vec());
        }
        let mut out = vec![0; len];
        self.copy_out(addr, &mut out)?;
        Ok(out)
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
        self.tlb.flush();
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
