//! Snapshots and live migration of a user-mode guest, in QEMU's stream format: the
//! configuration section (machine type), the `ram` section (version 4: block list, then
//! pages in rounds), the per-vCPU `cpu_common`, `cpu` and (pseries ≥ 3.0) `spapr_cpu`
//! sections, EOF and the JSON description. `vmstate analyze` reads what we write.
//!
//! RAM blocks are named `ppc-vm.NAME@0xBASE`, so a destination rebuilds the guest's
//! memory layout from the block list alone.

use std::collections::HashMap;

use ppc_target::compat::{flags, MachineType};
use ppc_target::interp::Guest;
use ppc_target::mem::{Memory, PAGE_SIZE};
use ppc_target::models::CpuModel;
use ppc_target::{CpuCommon, CpuState, SpaprCpu};
use vmstate::ram::{self, RamBlock, RamRecord};
use vmstate::stream::{self, kind, StreamWriter};
use vmstate::wire::{Reader, Writer};
use vmstate::{Context, Error, Result, VmState};

/// The RAM block name of a memory region.
pub fn block_name(name: &str, base: u64) -> String {
    format!("ppc-vm.{name}@{base:#x}")
}

fn parse_block_name(name: &str) -> Option<(&str, u64)> {
    let rest = name.strip_prefix("ppc-vm.")?;
    let (n, base) = rest.rsplit_once('@')?;
    Some((n, u64::from_str_radix(base.strip_prefix("0x")?, 16).ok()?))
}

/// Most pages in one RAM record: bounds what a destination buffers (and re-parses when a
/// record arrives in pieces).
pub const PAGES_PER_RECORD: usize = 64;

/// Counters of what a migration sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// RAM rounds (START, PARTs and END).
    pub rounds: u32,
    /// Pages sent (a page sent twice counts twice).
    pub pages: u64,
    /// Bytes of stream written.
    pub bytes: u64,
}

/// Writes a guest as a QEMU stream, in rounds.
pub struct Sender {
    w: StreamWriter,
    cx: Context,
    machine: &'static MachineType,
    /// What has been sent.
    pub stats: Stats,
}

fn page_bytes(mem: &Memory, region: usize, page: usize) -> &[u8] {
    &mem.region_bytes(region)[page * PAGE_SIZE as usize..(page + 1) * PAGE_SIZE as usize]
}

impl Sender {
    /// Starts a stream for `machine`.
    pub fn new(machine: &'static MachineType) -> Self {
        Sender {
            w: StreamWriter::new(machine.name, PAGE_SIZE as u32),
            cx: machine.context(),
            machine,
            stats: Stats::default(),
        }
    }

    /// Writes `pages` as one or more RAM records of at most [`PAGES_PER_RECORD`] pages:
    /// a START (with the block list) or PARTs, and an END last when `t` is END.
    fn ram(&mut self, t: u8, mem: &Memory, pages: &[(usize, usize)]) -> Result<()> {
        let blocks: Vec<RamBlock> = mem
            .regions()
            .iter()
            .map(|r| RamBlock {
                name: block_name(&r.name, r.base),
                used_length: r.len() as u64,
            })
            .collect();
        let chunks: Vec<&[(usize, usize)]> = if pages.is_empty() {
            vec![&[]]
        } else {
            pages.chunks(PAGES_PER_RECORD).collect()
        };
        let last = chunks.len() - 1;
        for (i, chunk) in chunks.into_iter().enumerate() {
            let kind_now = match t {
                kind::START if i == 0 => kind::START,
                kind::END if i == last => kind::END,
                _ => kind::PART,
            };
            self.w
                .iterative(kind_now, "ram", 0, 4, |w: &mut Writer<'_>| {
                    if kind_now == kind::START {
                        ram::write_mem_size(w, &blocks)?;
                    }
                    let mut prev = None;
                    for &(ri, p) in chunk {
                        let data = page_bytes(mem, ri, p);
                        let cont = prev == Some(ri);
                        let offset = p as u64 * PAGE_SIZE;
                        if data.iter().all(|&b| b == 0) {
                            ram::write_zero(w, &blocks[ri].name, offset, cont)?;
                        } else {
                            ram::write_page(w, &blocks[ri].name, offset, data, cont)?;
                        }
                        prev = Some(ri);
                    }
                    ram::write_eos(w);
                    Ok(())
                })?;
        }
        self.stats.rounds += 1;
        self.stats.pages += pages.len() as u64;
        Ok(())
    }

    /// The first round: the block list and every page. Clears the dirty bitmap.
    pub fn start(&mut self, mem: &mut Memory) -> Result<Vec<u8>> {
        mem.take_dirty();
        let all: Vec<(usize, usize)> = mem
            .regions()
            .iter()
            .enumerate()
            .flat_map(|(ri, r)| (0..r.pages()).map(move |p| (ri, p)))
            .collect();
        self.ram(kind::START, mem, &all)?;
        Ok(self.drain())
    }

    /// A further round with the pages dirtied since the last one; returns the bytes and
    /// how many pages it carried.
    pub fn iterate(&mut self, mem: &mut Memory) -> Result<(Vec<u8>, usize)> {
        let dirty = mem.take_dirty();
        self.ram(kind::PART, mem, &dirty)?;
        Ok((self.drain(), dirty.len()))
    }

    /// Stop-and-copy: the last dirty pages, the CPU sections, EOF and the trailer.
    pub fn complete(mut self, guest: &mut Guest) -> Result<(Vec<u8>, Stats)> {
        let dirty = guest.mem.take_dirty();
        self.ram(kind::END, &guest.mem, &dirty)?;
        let halted = CpuCommon::default();
        self.w
            .full_section("cpu_common", 0, &mut halted.clone(), &self.cx)?;
        self.w.full_section("cpu", 0, &mut guest.cpu, &self.cx)?;
        if !self.machine.compat.contains(&flags::PRE_3_0) {
            self.w
                .full_section("spapr_cpu", 0, &mut SpaprCpu::default(), &self.cx)?;
        }
        let bytes = self.w.finish();
        self.stats.bytes += bytes.len() as u64;
        Ok((bytes, self.stats))
    }

    fn drain(&mut self) -> Vec<u8> {
        let b = self.w.drain();
        self.stats.bytes += b.len() as u64;
        b
    }
}

/// Writes a whole snapshot of `guest` for `machine`.
pub fn snapshot(guest: &mut Guest, machine: &'static MachineType) -> Result<(Vec<u8>, Stats)> {
    let mut s = Sender::new(machine);
    let mut out = s.start(&mut guest.mem)?;
    let (rest, stats) = s.complete(guest)?;
    out.extend_from_slice(&rest);
    Ok((out, stats))
}

/// The destination's side: what it is and what it has received.
pub struct Receiver {
    buf: Vec<u8>,
    /// Absolute stream offset of `buf[0]`.
    base: u64,
    header: bool,
    machine: &'static MachineType,
    cx: Context,
    model: &'static CpuModel,
    compat: Option<u32>,
    allow_other_machine: bool,
    mem: Memory,
    blocks: Vec<RamBlock>,
    sections: HashMap<u32, (String, u32)>,
    cpu: Option<CpuState>,
    eof: bool,
    done: bool,
    /// Stream bytes consumed.
    pub received: u64,
    /// The END record of `ram` arrived (the source stopped the guest).
    pub saw_end: bool,
    /// Most guest RAM the stream may make this destination allocate.
    pub max_ram: u64,
}

/// Default cap on the guest RAM an incoming stream may allocate (1 GiB).
pub const DEFAULT_MAX_RAM: u64 = 1 << 30;

fn err_at(offset: u64, msg: impl Into<String>) -> Error {
    Error::invalid(msg.into()).at_offset(offset)
}

impl Receiver {
    /// A destination CPU of `model` (with `max-cpu-compat` = `compat`) on `machine`.
    pub fn new(
        machine: &'static MachineType,
        model: &'static CpuModel,
        compat: Option<u32>,
    ) -> Self {
        Receiver {
            buf: Vec::new(),
            base: 0,
            header: false,
            machine,
            cx: machine.context(),
            model,
            compat,
            allow_other_machine: false,
            mem: Memory::new(),
            blocks: Vec::new(),
            sections: HashMap::new(),
            cpu: None,
            eof: false,
            done: false,
            received: 0,
            saw_end: false,
            max_ram: DEFAULT_MAX_RAM,
        }
    }

    /// Feeds stream bytes; returns true once the whole stream (trailer included) is in.
    pub fn feed(&mut self, data: &[u8]) -> Result<bool> {
        self.buf.extend_from_slice(data);
        while !self.done {
            match self.parse_one() {
                Ok(n) => {
                    self.buf.drain(..n);
                    self.base += n as u64;
                    self.received = self.base;
                }
                Err(e) if e.is_eof() => return Ok(false),
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }

    /// The stream ended (connection closed or file read): anything missing is an error.
    pub fn finish(self) -> Result<Guest> {
        if !self.done {
            return Err(err_at(
                self.base + self.buf.len() as u64,
                "the stream ends before its end-of-stream record",
            ));
        }
        let cpu = self
            .cpu
            .ok_or_else(|| Error::invalid("the stream carries no cpu section"))?;
        Ok(Guest::from_parts(cpu, self.mem))
    }

    fn ensure_region(&mut self, block: usize, offset: u64) -> Result<()> {
        let b = &self.blocks[block];
        let (name, base) = parse_block_name(&b.name).ok_or_else(|| {
            err_at(
                offset,
                format!("ram: block '{}' is not a ppc-vm block", b.name),
            )
        })?;
        if !self.mem.regions().iter().any(|r| r.base == base) {
            let total: u64 = self.mem.regions().iter().map(|r| r.len() as u64).sum();
            let requested = total.saturating_add(b.used_length);
            if requested > self.max_ram {
                return Err(Error::new(vmstate::ErrorKind::LimitExceeded {
                    requested,
                    limit: self.max_ram,
                })
                .at_offset(offset)
                .in_description("ram"));
            }
            self.mem
                .add_region(name, base, b.used_length)
                .map_err(|e| err_at(offset, format!("ram: {e}")))?;
        }
        Ok(())
    }

    /// Parses one unit (the header, or one record with its body and footer) from the
    /// buffer; returns the bytes consumed. An EOF error means "need more bytes".
    fn parse_one(&mut self) -> Result<usize> {
        let data = std::mem::take(&mut self.buf);
        let r = self.parse_unit(&data);
        self.buf = data;
        r
    }

    fn parse_unit(&mut self, data: &[u8]) -> Result<usize> {
        let mut r = Reader::with_base(data, self.base);
        if !self.header {
            let magic = r.get_be32()?;
            let version = r.get_be32()?;
            if magic != stream::MAGIC || version != stream::VERSION {
                return Err(err_at(
                    self.base,
                    "not a QEMU migration stream (bad magic or version)",
                ));
            }
            self.header = true;
            return Ok(r.consumed());
        }
        if self.eof {
            let at = r.offset();
            if r.get_u8()? != kind::VMDESCRIPTION {
                return Err(err_at(at, "expected the JSON description after EOF"));
            }
            let len = r.get_be32()? as usize;
            if len > 16 << 20 {
                return Err(err_at(at, "JSON description too large"));
            }
            r.take(len)?;
            self.done = true;
            return Ok(r.consumed());
        }
        let at = r.offset();
        match r.get_u8()? {
            kind::EOF => self.eof = true,
            kind::CONFIGURATION => {
                let len = r.get_be32()? as usize;
                if len > stream::MAX_MACHINE_NAME {
                    return Err(err_at(at, "configuration: machine name too long"));
                }
                let name = String::from_utf8_lossy(r.take(len)?).into_owned();
                if !self.allow_other_machine {
                    stream::check_machine(&name, self.machine.name).map_err(|e| e.at_offset(at))?;
                }
            }
            t @ (kind::START | kind::FULL | kind::PART | kind::END) => {
                let id = r.get_be32()?;
                let (idstr, version) = if t == kind::START || t == kind::FULL {
                    let name = String::from_utf8_lossy(r.get_counted_str()?).into_owned();
                    let instance = r.get_be32()?;
                    let version = r.get_be32()?;
                    if instance != 0 {
                        return Err(err_at(
                            at,
                            format!("section {name} instance {instance}: this guest has one vCPU"),
                        ));
                    }
                    (name, version)
                } else {
                    self.sections.get(&id).cloned().ok_or_else(|| {
                        err_at(at, format!("section id {id} was never introduced"))
                    })?
                };
                // Only a complete record (body and footer) changes what we know; a short
                // one is parsed again when more bytes arrive.
                let blocks_before = self.blocks.len();
                let res = self.section(t, &idstr, version, &mut r).and_then(|()| {
                    let at = r.offset();
                    if r.get_u8()? != kind::FOOTER || r.get_be32()? != id {
                        return Err(err_at(
                            at,
                            format!("bad section footer for section {id} ({idstr})"),
                        ));
                    }
                    Ok(())
                });
                if let Err(e) = res {
                    self.blocks.truncate(blocks_before);
                    return Err(e);
                }
                if t == kind::START || t == kind::FULL {
                    self.sections.insert(id, (idstr, version));
                }
            }
            other => return Err(err_at(at, format!("unknown section type {other:#04x}"))),
        }
        Ok(r.consumed())
    }

    fn section(&mut self, t: u8, idstr: &str, version: u32, r: &mut Reader<'_>) -> Result<()> {
        let at = r.offset();
        let in_section = |e: Error| e.in_description(format!("{idstr} (instance 0)"));
        match idstr {
            "ram" => {
                if version != 4 {
                    return Err(in_section(err_at(
                        at,
                        format!("unsupported RAM version {version}"),
                    )));
                }
                let mut blocks = self.blocks.clone();
                let mut pages: Vec<(usize, u64, Option<Vec<u8>>)> = Vec::new();
                ram::read_body(r, PAGE_SIZE, &mut blocks, &mut |p: RamRecord<'_>| {
                    pages.push((p.block, p.offset, p.data.map(<[u8]>::to_vec)));
                    Ok(())
                })?;
                self.blocks = blocks;
                for (block, offset, data) in pages {
                    self.ensure_region(block, at)?;
                    let (_, base) = parse_block_name(&self.blocks[block].name)
                        .expect("checked by ensure_region");
                    let page = data.unwrap_or_else(|| vec![0; PAGE_SIZE as usize]);
                    self.mem
                        .write(base + offset, &page)
                        .map_err(|e| err_at(at, format!("ram: {e}")))?;
                }
                if t == kind::END {
                    self.saw_end = true;
                }
            }
            "cpu_common" => {
                CpuCommon::default()
                    .load_from(r, version, &self.cx)
                    .map_err(in_section)?;
            }
            "spapr_cpu" => {
                SpaprCpu::default()
                    .load_from(r, version, &self.cx)
                    .map_err(in_section)?;
            }
            "cpu" => {
                let mut cpu = CpuState::new(self.model);
                cpu.reset_compat(self.compat)
                    .map_err(|e| in_section(err_at(at, e.to_string())))?;
                cpu.load_from(r, version, &self.cx).map_err(in_section)?;
                self.cpu = Some(cpu);
            }
            other => {
                return Err(in_section(err_at(
                    at,
                    format!("unknown savevm section '{other}' for a ppc-vm guest"),
                )));
            }
        }
        Ok(())
    }
}

/// Restores a guest from a whole snapshot.
pub fn restore(
    data: &[u8],
    machine: &'static MachineType,
    model: &'static CpuModel,
    compat: Option<u32>,
) -> Result<Guest> {
    let mut rx = Receiver::new(machine, model, compat);
    rx.feed(data)?;
    rx.finish()
}
