//! Snapshots and live migration of a user-mode guest, in QEMU's stream format: the
//! configuration section (machine type), the `ram` section (version 4: block list, then
//! pages in rounds), the per-vCPU `cpu_common`, `cpu` and (pseries ≥ 3.0) `spapr_cpu`,
//! the Linux personality's `ppc-vm/linux`
//! sections, EOF and the JSON description. `vmstate analyze` reads what we write.
//!
//! RAM blocks are named `ppc-vm.NAME@0xBASE`, so a destination rebuilds the guest's
//! memory layout from the block list alone.

use std::path::Path;

use crate::live::proto::{CMD_OPEN_RETURN_PATH, CMD_PING};
use ppc_target::compat::{flags, MachineType};
use ppc_target::interp::Guest;
use ppc_target::linux::LinuxState;
use ppc_target::mem::{Memory, PAGE_SIZE};
use ppc_target::models::CpuModel;
use ppc_target::pseries::carry::{Device, Htab, Section};
use ppc_target::pseries::devices::Timers;
use ppc_target::pseries::machine::RAM_BLOCK;
use ppc_target::pseries::spapr::take_htab_record;
use ppc_target::pseries::Spapr;
use ppc_target::{CpuCommon, CpuState, SpaprCpu};
use vmstate::ram::{self, RamBlock, RamRecord};
use vmstate::stream::{self, kind, Record, StreamInput, StreamWriter};
use vmstate::wire::{Reader, Writer};
use vmstate::{Context, Error, Result, VmState};

/// The RAM block name of a memory region: a pseries guest's RAM is QEMU's own block.
pub fn block_name(name: &str, base: u64) -> String {
    if name == RAM_BLOCK && base == 0 {
        return name.to_owned();
    }
    format!("ppc-vm.{name}@{base:#x}")
}

fn parse_block_name(name: &str) -> Option<(&str, u64)> {
    if name == RAM_BLOCK {
        return Some((RAM_BLOCK, 0));
    }
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
    /// RAM rounds: the first (every page), the pre-copy rounds after it, and the last
    /// one sent with the guest stopped.
    pub rounds: u32,
    /// Pages sent with their data (a page sent twice counts twice).
    pub pages: u64,
    /// Pages sent as zero pages (one byte each).
    pub zero_pages: u64,
    /// Bytes of stream written.
    pub bytes: u64,
}

/// Writes a guest as a QEMU stream, in rounds: the first round sends every page, each
/// later one the pages written since the previous round was taken. A round is encoded
/// a few pages at a time ([`Sender::encode`]), so a live source can run the guest in
/// between; a page written after it was encoded is dirty again and goes in a later
/// round.
pub struct Sender {
    w: StreamWriter,
    cx: Context,
    machine: &'static MachineType,
    /// The block list last announced (a record announces it again when the guest's
    /// memory grew: a new mapping, a larger heap).
    blocks: Vec<RamBlock>,
    /// The current round's pages (region base, page index), and how many of them are
    /// encoded.
    round: Vec<(u64, usize)>,
    next: usize,
    started: bool,
    /// What has been sent.
    pub stats: Stats,
}

fn page_bytes(mem: &Memory, region: usize, page: usize) -> &[u8] {
    &mem.region_bytes(region)[page * PAGE_SIZE as usize..(page + 1) * PAGE_SIZE as usize]
}

fn is_zero(page: &[u8]) -> bool {
    page.chunks_exact(64)
        .all(|c| c.iter().fold(0u8, |a, &b| a | b) == 0)
}

impl Sender {
    /// Starts a stream for `machine` (header and configuration section).
    pub fn new(machine: &'static MachineType) -> Self {
        Sender {
            w: StreamWriter::new(machine.name, PAGE_SIZE as u32),
            cx: machine.context(),
            machine,
            blocks: Vec::new(),
            round: Vec::new(),
            next: 0,
            started: false,
            stats: Stats::default(),
        }
    }

    /// Writes a command record (e.g. `MIG_CMD_OPEN_RETURN_PATH`, `MIG_CMD_PING`).
    pub fn command(&mut self, cmd: u16, payload: &[u8]) -> Result<()> {
        self.w.command(cmd, payload)
    }

    /// Takes the next round's pages: every page for the first round, then the pages
    /// written since the last round was taken (the dirty bitmap is cleared). Returns
    /// how many pages the round holds.
    pub fn take_round(&mut self, mem: &mut Memory) -> usize {
        let dirty = mem.take_dirty();
        let regions = mem.regions();
        self.round = if self.started {
            dirty
                .into_iter()
                .map(|(ri, p)| (regions[ri].base, p))
                .collect()
        } else {
            regions
                .iter()
                .flat_map(|r| (0..r.pages()).map(move |p| (r.base, p)))
                .collect()
        };
        self.next = 0;
        self.stats.rounds += 1;
        self.round.len()
    }

    /// Pages of the current round not encoded yet.
    pub fn pending(&self) -> usize {
        self.round.len() - self.next
    }

    /// Encodes up to `max_pages` more pages of the current round as RAM records of at
    /// most [`PAGES_PER_RECORD`] pages (the stream's first record is the START with the
    /// block list, even for no pages; the others are PARTs).
    pub fn encode(&mut self, mem: &Memory, max_pages: usize) -> Result<()> {
        let end = self.next + max_pages.min(self.pending());
        if !self.started {
            self.started = true;
            let first = (self.next + PAGES_PER_RECORD).min(end);
            self.record(kind::START, mem, self.next, first)?;
            self.next = first;
        }
        while self.next < end {
            let to = (self.next + PAGES_PER_RECORD).min(end);
            self.record(kind::PART, mem, self.next, to)?;
            self.next = to;
        }
        Ok(())
    }

    /// Writes the round's pages `[from, to)` as one record of kind `t`; the START, and
    /// any record after the guest's memory grew, begins with the current block list.
    fn record(&mut self, t: u8, mem: &Memory, from: usize, to: usize) -> Result<()> {
        // Regions are only added or grown: the count and lengths tell a change.
        let regions = mem.regions();
        let changed = regions.len() != self.blocks.len()
            || regions
                .iter()
                .zip(&self.blocks)
                .any(|(r, b)| r.len() as u64 != b.used_length);
        if changed {
            self.blocks = regions
                .iter()
                .map(|r| RamBlock {
                    name: block_name(&r.name, r.base),
                    used_length: r.len() as u64,
                })
                .collect();
        }
        let announce = t == kind::START || changed;
        let (blocks, pages) = (&self.blocks, &self.round[from..to]);
        let (mut data_pages, mut zero_pages) = (0, 0);
        self.w.iterative(t, "ram", 0, 4, |w: &mut Writer<'_>| {
            if announce {
                ram::write_mem_size(w, blocks)?;
            }
            let mut prev = None;
            for &(base, p) in pages {
                let ri = regions
                    .binary_search_by_key(&base, |r| r.base)
                    .map_err(|_| Error::invalid(format!("no memory region at {base:#x}")))?;
                let data = page_bytes(mem, ri, p);
                let cont = prev == Some(ri);
                let offset = p as u64 * PAGE_SIZE;
                if is_zero(data) {
                    ram::write_zero(w, &blocks[ri].name, offset, cont)?;
                    zero_pages += 1;
                } else {
                    ram::write_page(w, &blocks[ri].name, offset, data, cont)?;
                    data_pages += 1;
                }
                prev = Some(ri);
            }
            ram::write_eos(w);
            Ok(())
        })?;
        self.stats.pages += data_pages;
        self.stats.zero_pages += zero_pages;
        Ok(())
    }

    /// The bytes encoded since the last call.
    pub fn drain(&mut self) -> Vec<u8> {
        self.drain_into(Vec::new())
    }

    /// The bytes encoded since the last call; encoding goes on into `next` (a buffer
    /// to recycle: its capacity is kept).
    pub fn drain_into(&mut self, next: Vec<u8>) -> Vec<u8> {
        let b = self.w.drain_into(next);
        self.stats.bytes += b.len() as u64;
        b
    }

    /// Stop-and-copy, with the guest stopped: the pages written since the last round
    /// (and whatever of that round was not encoded yet), the END record, the CPU
    /// sections, EOF and the JSON description. Returns the bytes not drained yet.
    pub fn complete(mut self, guest: &mut Guest) -> Result<(Vec<u8>, Stats)> {
        let mut rest = self.round.split_off(self.next);
        self.take_round(&mut guest.mem);
        rest.append(&mut self.round);
        rest.sort_unstable();
        rest.dedup();
        self.round = rest;
        self.next = 0;
        let n = self.round.len();
        // Everything but the last record's pages (a START comes first if nothing was
        // sent yet), then the END.
        self.encode(&guest.mem, n - n.min(PAGES_PER_RECORD))?;
        self.record(kind::END, &guest.mem, self.next, n)?;
        self.next = n;
        let tb = guest.cpu.timebase();
        match guest.machine.as_deref_mut() {
            Some(m) if !m.sections.is_empty() => {
                // A guest that came from QEMU: its page table and devices as they came,
                // the clocks moved on to now.
                let n = m.htab.records.len();
                for (i, (t, body)) in m.htab.records.iter().enumerate() {
                    let t = match i {
                        0 => kind::START,
                        _ if i + 1 == n => kind::END,
                        _ => *t,
                    };
                    self.w
                        .iterative(t, "spapr/htab", 0, 1, |w: &mut Writer<'_>| {
                            w.put_bytes(body);
                            Ok(())
                        })?;
                }
                for sec in &mut m.sections {
                    match &mut sec.device {
                        Device::Cpu => {
                            self.w
                                .full_section("cpu", sec.instance, &mut guest.cpu, &self.cx)?;
                            continue;
                        }
                        Device::Timers(t) => t.cpu_clock_offset = timebase_ns(tb),
                        Device::Spapr(s) => {
                            s.tb.guest_timebase = tb;
                            s.tb.time_of_the_day_ns = wall_clock_ns();
                        }
                        _ => {}
                    }
                    sec.device
                        .save(&mut self.w, &sec.idstr, sec.instance, &self.cx)?;
                }
            }
            machine => {
                if machine.is_some() {
                    // QEMU's virtual clock, from which a TCG guest's time base runs on.
                    let mut timers = Timers {
                        cpu_clock_offset: timebase_ns(tb),
                        ..Timers::default()
                    };
                    self.w.full_section("timer", 0, &mut timers, &self.cx)?;
                }
                let halted = CpuCommon::default();
                self.w
                    .full_section("cpu_common", 0, &mut halted.clone(), &self.cx)?;
                self.w.full_section("cpu", 0, &mut guest.cpu, &self.cx)?;
                if !self.machine.compat.contains(&flags::PRE_3_0) {
                    self.w
                        .full_section("spapr_cpu", 0, &mut SpaprCpu::default(), &self.cx)?;
                }
                // The Linux personality's kernel-side state (program break, ...).
                if machine.is_none() {
                    self.w
                        .full_section("ppc-vm/linux", 0, &mut guest.linux, &self.cx)?;
                }
            }
        }
        let bytes = self.w.finish();
        self.stats.bytes += bytes.len() as u64;
        Ok((bytes, self.stats))
    }
}

fn wall_clock_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64)
}

/// QEMU's virtual-clock nanoseconds as time-base ticks (512 MHz).
fn ns_timebase(ns: i64) -> u64 {
    (i128::from(ns.max(0)) * i128::from(ppc_target::exec::TB_FREQ) / 1_000_000_000) as u64
}

/// Time-base ticks (512 MHz) as nanoseconds of QEMU's virtual clock.
fn timebase_ns(tb: u64) -> i64 {
    (u128::from(tb) * 1_000_000_000 / u128::from(ppc_target::exec::TB_FREQ)) as i64
}

/// Writes a whole snapshot of `guest` for `machine`.
pub fn snapshot(guest: &mut Guest, machine: &'static MachineType) -> Result<(Vec<u8>, Stats)> {
    Sender::new(machine).complete(guest)
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, synced,
/// then renamed over `path`. A failure leaves no partial file and any older file at
/// `path` intact.
pub fn save_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name"))?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        // The rename itself is durable once the directory is synced.
        if let Ok(d) = std::fs::File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The destination's side: what it is and what it has received. The stream is read
/// with [`StreamInput`], record by record as its bytes arrive (from a socket or a
/// whole file alike).
pub struct Receiver {
    input: StreamInput,
    machine: &'static MachineType,
    cx: Context,
    model: &'static CpuModel,
    compat: Option<u32>,
    mem: Memory,
    blocks: Vec<RamBlock>,
    cpu: Option<CpuState>,
    linux: Option<LinuxState>,
    /// A pseries machine's sections, in stream order.
    sections: Vec<Section>,
    htab: Htab,
    /// The RAM block the last page named (QEMU's CONTINUE flag goes across records).
    current_block: Option<usize>,
    done: bool,
    /// Stream bytes consumed.
    pub received: u64,
    /// The END record of `ram` arrived (the source stopped the guest).
    pub saw_end: bool,
    /// Most guest RAM the stream may make this destination allocate.
    pub max_ram: u64,
    /// The source opened the return path (`MIG_CMD_OPEN_RETURN_PATH`).
    pub return_path: bool,
    /// PING values received and not answered yet (see [`Receiver::take_pings`]).
    pings: Vec<u32>,
    /// Pages received (data and zero pages).
    pub pages: u64,
}

/// Default cap on the guest RAM an incoming stream may allocate (1 GiB).
pub const DEFAULT_MAX_RAM: u64 = 1 << 30;

/// Most bytes of one record a destination buffers while it arrives.
pub const MAX_RECORD: usize = 256 << 20;

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
            input: StreamInput::new(MAX_RECORD),
            machine,
            cx: machine.context(),
            model,
            compat,
            mem: Memory::new(),
            blocks: Vec::new(),
            cpu: None,
            linux: None,
            sections: Vec::new(),
            htab: Htab::default(),
            current_block: None,
            done: false,
            received: 0,
            saw_end: false,
            max_ram: DEFAULT_MAX_RAM,
            return_path: false,
            pings: Vec::new(),
            pages: 0,
        }
    }

    /// The PING values received since the last call, in order: each is answered with a
    /// PONG once everything before it is loaded, which is now.
    pub fn take_pings(&mut self) -> Vec<u32> {
        std::mem::take(&mut self.pings)
    }

    /// Whether the stream's header was accepted (it is a QEMU stream).
    pub fn started(&self) -> bool {
        self.input.started()
    }

    /// What is missing when the stream ends here (`None` when it is complete).
    pub fn finish_error(&self) -> Option<String> {
        (!self.done).then(|| self.incomplete().to_string())
    }

    fn incomplete(&self) -> Error {
        err_at(
            self.input.received(),
            "the stream ends before its end-of-stream record",
        )
    }

    /// Whether the whole stream (trailer included) is in.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Bytes fed after the stream's end (what the source sent after it).
    pub fn take_rest(&mut self) -> Vec<u8> {
        if self.done {
            self.input.rest().to_vec()
        } else {
            Vec::new()
        }
    }

    /// Feeds stream bytes; returns true once the whole stream (trailer included) is in.
    pub fn feed(&mut self, data: &[u8]) -> Result<bool> {
        self.input.feed(data)?;
        let mut input = std::mem::take(&mut self.input);
        let r = self.drain(&mut input);
        self.received = input.offset();
        self.input = input;
        r
    }

    fn drain(&mut self, input: &mut StreamInput) -> Result<bool> {
        while !self.done {
            if input.at_eof() {
                match input.trailer()? {
                    Some(json) if json.len() > 16 << 20 => {
                        return Err(err_at(input.offset(), "JSON description too large"))
                    }
                    Some(_) => self.done = true,
                    None => return Ok(false),
                }
                continue;
            }
            if input.next(|rec, r| self.record(rec, r))?.is_none() {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The stream ended (connection closed or file read): anything missing is an error.
    pub fn finish(mut self) -> Result<Guest> {
        self.take_guest()
    }

    /// Once the stream is complete: the guest it carries.
    pub fn take_guest(&mut self) -> Result<Guest> {
        if !self.done {
            return Err(self.incomplete());
        }
        let cpu = self
            .cpu
            .take()
            .ok_or_else(|| Error::invalid("the stream carries no cpu section"))?;
        let mut g = Guest::from_parts(cpu, std::mem::take(&mut self.mem));
        if let Some(l) = self.linux.take() {
            g.linux = l;
        }
        if self.blocks.iter().any(|b| b.name == RAM_BLOCK) {
            // A pseries guest: the time base runs on from QEMU's virtual clock.
            let sections = std::mem::take(&mut self.sections);
            for s in &sections {
                if let Device::Timers(t) = &s.device {
                    g.cpu.set_timebase(ns_timebase(t.cpu_clock_offset));
                }
            }
            g.machine = Some(Box::new(Spapr {
                sections,
                htab: std::mem::take(&mut self.htab),
                ..Spapr::default()
            }));
        }
        Ok(g)
    }

    /// Takes a block list a record announced (the START's, or a later one after the
    /// source's memory grew): known blocks may only grow, new ones are allocated, and
    /// the total stays within [`Receiver::max_ram`].
    fn reconcile(&mut self, blocks: Vec<RamBlock>, offset: u64) -> Result<()> {
        let total: u64 = blocks
            .iter()
            .map(|b| b.used_length)
            .fold(0, u64::saturating_add);
        if total > self.max_ram {
            return Err(Error::new(vmstate::ErrorKind::LimitExceeded {
                requested: total,
                limit: self.max_ram,
            })
            .at_offset(offset)
            .in_description("ram"));
        }
        for old in &self.blocks {
            match blocks.iter().find(|b| b.name == old.name) {
                None => {
                    return Err(err_at(
                        offset,
                        format!("ram: block '{}' is no longer listed", old.name),
                    ))
                }
                Some(b) if b.used_length < old.used_length => {
                    return Err(err_at(offset, format!("ram: block '{}' shrank", old.name)))
                }
                Some(_) => {}
            }
        }
        let mut plan = Vec::new();
        for b in &blocks {
            let (name, base) = parse_block_name(&b.name).ok_or_else(|| {
                err_at(
                    offset,
                    format!("ram: block '{}' is not a ppc-vm block", b.name),
                )
            })?;
            let old = self.blocks.iter().find(|o| o.name == b.name);
            plan.push((
                name.to_owned(),
                base,
                b.used_length,
                old.map(|o| o.used_length),
            ));
        }
        for (name, base, len, old) in plan {
            match old {
                None => self.mem.add_region(&name, base, len),
                Some(o) if o < len => self.mem.grow_region(base, len),
                Some(_) => Ok(()),
            }
            .map_err(|e| err_at(offset, format!("ram: {e}")))?;
        }
        self.blocks = blocks;
        Ok(())
    }

    /// One record: the body parsed from `r` (the footer is checked after). Nothing
    /// changes unless the record is complete.
    fn record(&mut self, rec: &Record, r: &mut Reader<'_>) -> Result<()> {
        let (h, t) = match rec {
            Record::Eof => return Ok(()),
            Record::Configuration { machine } => {
                return stream::check_machine(machine, self.machine.name)
                    .map_err(|e| e.at_offset(r.offset()));
            }
            Record::Command { cmd, payload } => {
                return match (*cmd, payload.len()) {
                    (CMD_OPEN_RETURN_PATH, 0) => {
                        self.return_path = true;
                        Ok(())
                    }
                    (CMD_PING, 4) => {
                        self.pings.push(u32::from_be_bytes([
                            payload[0], payload[1], payload[2], payload[3],
                        ]));
                        Ok(())
                    }
                    (cmd, len) => Err(err_at(
                        r.offset(),
                        format!("unsupported command {cmd} (payload of {len} bytes)"),
                    )),
                };
            }
            Record::Start(h) => (h, kind::START),
            Record::Full(h) => (h, kind::FULL),
            Record::Part(h) => (h, kind::PART),
            Record::End(h) => (h, kind::END),
        };
        if h.instance_id != 0 && matches!(h.idstr.as_str(), "cpu" | "cpu_common" | "ram") {
            return Err(err_at(
                h.offset,
                format!(
                    "section {} instance {}: this guest has one vCPU",
                    h.idstr, h.instance_id
                ),
            ));
        }
        self.section(t, &h.idstr, h.instance_id, h.version, r)
    }

    fn section(
        &mut self,
        t: u8,
        idstr: &str,
        instance: u32,
        version: u32,
        r: &mut Reader<'_>,
    ) -> Result<()> {
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
                // A record that starts with a block list announces the whole list.
                let announces = r
                    .peek(0, 8)
                    .is_some_and(|w| w[7] & ram::flags::MEM_SIZE as u8 != 0);
                let mut blocks = if announces {
                    Vec::new()
                } else {
                    self.blocks.clone()
                };
                let mut pages: Vec<(usize, u64, Option<&[u8]>)> = Vec::new();
                let mut current = self.current_block;
                ram::read_body(
                    r,
                    PAGE_SIZE,
                    &mut blocks,
                    &mut current,
                    &mut |p: RamRecord<'_>| {
                        pages.push((p.block, p.offset, p.data));
                        Ok(())
                    },
                )?;
                // Nothing is applied before the whole record (footer included) is in.
                if r.peek(0, 5).is_none() {
                    r.take(5)?;
                }
                if announces {
                    self.reconcile(blocks, at)?;
                }
                self.current_block = current;
                let zero = [0u8; PAGE_SIZE as usize];
                for (block, offset, data) in pages {
                    let (_, base) =
                        parse_block_name(&self.blocks[block].name).expect("checked when allocated");
                    self.mem
                        .write(base + offset, data.unwrap_or(&zero))
                        .map_err(|e| err_at(at, format!("ram: {e}")))?;
                    self.pages += 1;
                }
                if t == kind::END {
                    self.saw_end = true;
                }
            }
            "spapr/htab" => {
                let body = take_htab_record(r, t == kind::START).map_err(in_section)?;
                if r.peek(0, 5).is_none() {
                    r.take(5)?;
                }
                let bytes: usize = self.htab.records.iter().map(|(_, b)| b.len()).sum();
                if bytes + body.len() > MAX_RECORD {
                    return Err(in_section(err_at(
                        at,
                        "the hash page table exceeds 256 MiB",
                    )));
                }
                self.htab.records.push((t, body.to_vec()));
            }
            "ppc-vm/linux" => {
                let mut linux = LinuxState::default();
                linux.load_from(r, version, &self.cx).map_err(in_section)?;
                self.linux = Some(linux);
            }
            "cpu" => {
                let mut cpu = CpuState::new(self.model);
                cpu.reset_compat(self.compat)
                    .map_err(|e| in_section(err_at(at, e.to_string())))?;
                cpu.load_from(r, version, &self.cx).map_err(in_section)?;
                self.cpu = Some(cpu);
                self.sections.push(Section {
                    idstr: idstr.to_owned(),
                    instance,
                    device: Device::Cpu,
                });
            }
            other => match Device::load(other, version, r, &self.cx) {
                Some(device) => {
                    let device = device
                        .map_err(|e| e.in_description(format!("{other} (instance {instance})")))?;
                    self.sections.push(Section {
                        idstr: other.to_owned(),
                        instance,
                        device,
                    });
                }
                None => {
                    return Err(in_section(err_at(
                        at,
                        format!("unknown savevm section '{other}' for a ppc-vm guest"),
                    )))
                }
            },
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
    rx.input = StreamInput::new(data.len());
    rx.feed(data)?;
    rx.finish()
}
