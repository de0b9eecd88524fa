//! Whole-stream save and load through a registry of sections, as QEMU's savevm does:
//! device sections (any `VmState`) saved FULL, iterative sections (RAM) saved in rounds,
//! and a load that dispatches by idstr and instance id.
//!
//! ```
//! use vmstate::registry::{Registry, LoadOptions};
//! use vmstate::ram::RamSection;
//! use vmstate::{Context, VmState};
//!
//! #[derive(Clone, Debug, Default, PartialEq, VmState)]
//! #[vmstate(name = "uart", version = 2, minimum_version = 1)]
//! struct Uart { lcr: u8, divisor: u16 }
//!
//! let cx = Context::new("pc-q35-9.0");
//! let mut uart = Uart { lcr: 3, divisor: 12 };
//! let mut ram = RamSection::new(4096);
//! ram.add_block("pc.ram", 4 * 4096);
//! ram.block_mut(0)[5000] = 0xab;
//! let mut reg = Registry::new();
//! reg.iterative("ram", 0, &mut ram);
//! reg.device("uart", 0, &mut uart);
//! let stream = reg.save(&cx, 4096).unwrap();
//!
//! let (mut uart2, mut ram2) = (Uart::default(), RamSection::new(4096));
//! ram2.add_block("pc.ram", 4 * 4096);
//! let mut reg2 = Registry::new();
//! reg2.iterative("ram", 0, &mut ram2);
//! reg2.device("uart", 0, &mut uart2);
//! reg2.load(&stream, &cx, LoadOptions::default()).unwrap();
//! drop(reg2);
//! assert_eq!(uart2, Uart { lcr: 3, divisor: 12 });
//! assert_eq!(ram2.block_mut(0)[5000], 0xab);
//! ```

use crate::error::{Error, ErrorKind, Result};
use crate::stream::{check_machine, kind, Record, StreamReader, StreamWriter};
use crate::wire::{Reader, Writer};
use crate::{Context, Description, VmState};
use alloc::{borrow::ToOwned, format, string::String, vec::Vec};

/// A device section: what a registry needs of a `VmState` (implemented for every
/// `VmState`; loads are transactional).
pub trait Section {
    /// The section's description.
    fn description(&self) -> &'static Description;
    /// Whether the section is sent at all.
    fn needed(&self, cx: &Context) -> bool;
    /// Writes the body.
    fn save_body(&mut self, w: &mut Writer<'_>, cx: &Context) -> Result<()>;
    /// Reads a body of `version`; on error the object is unchanged.
    fn load_body(&mut self, r: &mut Reader<'_>, version: u32, cx: &Context) -> Result<()>;
}

impl<T: VmState> Section for T {
    fn description(&self) -> &'static Description {
        T::DESCRIPTION
    }
    fn needed(&self, cx: &Context) -> bool {
        self.section_needed(cx)
    }
    fn save_body(&mut self, w: &mut Writer<'_>, cx: &Context) -> Result<()> {
        VmState::save_body(self, w, cx)
    }
    fn load_body(&mut self, r: &mut Reader<'_>, version: u32, cx: &Context) -> Result<()> {
        self.load_from(r, version, cx)
    }
}

/// An iterative section (QEMU's RAM, block dirty bitmaps, ...): saved in rounds while
/// the guest runs.
pub trait Iterative {
    /// Version written in the START header and the highest accepted.
    fn version(&self) -> u32;
    /// The START body.
    fn save_setup(&mut self, w: &mut Writer<'_>) -> Result<()>;
    /// One PART body, writing about `budget` bytes at most; returns the work left
    /// afterwards (0 when converged).
    fn save_iterate(&mut self, w: &mut Writer<'_>, budget: usize) -> Result<u64>;
    /// Work left (e.g. dirty pages), for the caller to decide when to stop.
    fn remaining(&self) -> u64;
    /// The END body: everything left.
    fn save_complete(&mut self, w: &mut Writer<'_>) -> Result<()>;
    /// Reads one START/PART/END body (`record` is the record type byte).
    fn load(&mut self, r: &mut Reader<'_>, record: u8, version: u32) -> Result<()>;
}

enum Obj<'a> {
    Device(&'a mut dyn Section),
    Iterative(&'a mut dyn Iterative),
}

struct Entry<'a> {
    idstr: String,
    instance: u32,
    obj: Obj<'a>,
}

/// Options of [`Registry::load`].
#[derive(Clone, Copy, Debug, Default)]
pub struct LoadOptions {
    /// Accept a stream written for another machine type.
    pub allow_other_machine: bool,
}

/// The sections of a VM, in registration (and save) order.
#[derive(Default)]
pub struct Registry<'a> {
    entries: Vec<Entry<'a>>,
}

impl<'a> Registry<'a> {
    /// No sections.
    pub fn new() -> Self {
        Registry {
            entries: Vec::new(),
        }
    }

    /// Registers a device section.
    pub fn device(&mut self, idstr: &str, instance: u32, obj: &'a mut dyn Section) {
        self.entries.push(Entry {
            idstr: idstr.to_owned(),
            instance,
            obj: Obj::Device(obj),
        });
    }

    /// Registers an iterative section.
    pub fn iterative(&mut self, idstr: &str, instance: u32, obj: &'a mut dyn Iterative) {
        self.entries.push(Entry {
            idstr: idstr.to_owned(),
            instance,
            obj: Obj::Iterative(obj),
        });
    }

    /// Saves a whole stream in one go (iterative sections: setup, rounds of `budget`
    /// bytes until nothing is left, complete), for the machine type of `cx`.
    pub fn save(&mut self, cx: &Context, page_size: u32) -> Result<Vec<u8>> {
        let mut w = StreamWriter::new(cx.machine(), page_size);
        for e in &mut self.entries {
            if let Obj::Iterative(it) = &mut e.obj {
                let v = it.version();
                w.iterative(kind::START, &e.idstr, e.instance, v, |w| it.save_setup(w))?;
                let mut rounds = 0;
                while it.remaining() > 0 && rounds < 64 {
                    w.iterative(kind::PART, &e.idstr, e.instance, v, |w| {
                        it.save_iterate(w, 1 << 20).map(|_| ())
                    })?;
                    rounds += 1;
                }
                w.iterative(kind::END, &e.idstr, e.instance, v, |w| it.save_complete(w))?;
            }
        }
        for e in &mut self.entries {
            if let Obj::Device(d) = &mut e.obj {
                if d.needed(cx) {
                    let desc = d.description();
                    w.full_section_with(&e.idstr, e.instance, desc.version, desc.name, |w| {
                        d.save_body(w, cx)
                    })?;
                }
            }
        }
        Ok(w.finish())
    }

    /// Loads a whole stream: the machine type must be `cx`'s (unless allowed), every
    /// section must be registered (by idstr and instance) with a version it accepts,
    /// footers must match. Sections load in stream order, each transactionally; an error
    /// stops the load there (as QEMU's does).
    pub fn load(&mut self, data: &[u8], cx: &Context, opts: LoadOptions) -> Result<()> {
        let mut r = StreamReader::new(data)?;
        loop {
            let rec = r.next_record()?;
            let (h, t) = match rec {
                Record::Eof => break,
                Record::Configuration { machine } => {
                    if !opts.allow_other_machine {
                        check_machine(&machine, cx.machine())?;
                    }
                    continue;
                }
                Record::Command { cmd, .. } => {
                    return Err(Error::invalid(format!(
                        "command {cmd} is not supported in a stream file"
                    ))
                    .at_offset(r.offset()))
                }
                Record::Start(h) => (h, kind::START),
                Record::Part(h) => (h, kind::PART),
                Record::End(h) => (h, kind::END),
                Record::Full(h) => (h, kind::FULL),
            };
            let here =
                |e: Error| e.in_description(format!("{} (instance {})", h.idstr, h.instance_id));
            let entry = self
                .entries
                .iter_mut()
                .find(|e| e.idstr == h.idstr && e.instance == h.instance_id)
                .ok_or_else(|| {
                    here(Error::invalid("unknown savevm section or instance").at_offset(h.offset))
                })?;
            match (&mut entry.obj, t) {
                (Obj::Device(d), kind::FULL) => {
                    not_newer(h.version, d.description().version, h.offset).map_err(here)?;
                    d.load_body(r.body(), h.version, cx).map_err(here)?;
                }
                (Obj::Iterative(it), kind::START | kind::PART | kind::END) => {
                    not_newer(h.version, it.version(), h.offset).map_err(here)?;
                    it.load(r.body(), t, h.version).map_err(here)?;
                }
                _ => {
                    return Err(here(
                        Error::invalid("record type does not fit the registered section")
                            .at_offset(h.offset),
                    ))
                }
            }
            r.end_section(h.section_id)?;
        }
        r.trailer()?;
        Ok(())
    }
}

/// A section's incoming version against the newest this side loads.
fn not_newer(found: u32, max: u32, offset: u64) -> Result<()> {
    if found > max {
        return Err(Error::new(ErrorKind::VersionTooNew { found, max }).at_offset(offset));
    }
    Ok(())
}
