//! Rewriting a QEMU stream: every record is kept as QEMU wrote it (bytes, section ids
//! and JSON description entries), and chosen sections are replaced by typed encodings,
//! e.g. a `cpu` section loaded into [`CpuState`] (with the model taken from the stream),
//! changed, and saved back.
//!
//! ```no_run
//! # fn main() -> vmstate::Result<()> {
//! let data = std::fs::read("p9-regs-vof-run.mig").unwrap();
//! let mut s = ppc_vm::rewrite::Rewrite::new(&data)?;
//! let mut cpu = s.cpu(0)?;
//! cpu.gpr[10] = 0x1234;
//! s.replace("cpu", 0, &mut cpu)?;
//! std::fs::write("changed.mig", s.finish()).unwrap();
//! # Ok(())
//! # }
//! ```

use std::collections::BTreeMap;
use std::ops::Range;

use serde_json::{Map, Value};
use vmstate::ram;
use vmstate::stream::{self, kind, Record, SectionHeader, StreamReader, StreamWriter};
use vmstate::wire::Reader;
use vmstate::{Context, Error, Result, VmState};
use vmstate_tools::analyze::walk_struct;

use ppc_target::CpuState;

use crate::inspect::{is_32_bit, source_model, stream_context};

/// A complete (FULL) section of the stream.
#[derive(Clone, Debug)]
pub struct Section {
    /// Its header (id, name, instance, version, offset).
    pub header: SectionHeader,
    /// The whole record's bytes in the stream.
    pub record: Range<usize>,
    /// The body's bytes in the stream.
    pub body: Range<usize>,
    /// Its entry in the JSON description (text range in [`Rewrite::json`]).
    entry: Option<Range<usize>>,
}

/// A whole stream, split into records, with replacements.
pub struct Rewrite<'a> {
    data: &'a [u8],
    machine: String,
    cx: Context,
    page_size: u32,
    sections: Vec<Section>,
    /// Offset of the JSON description record (0x06).
    trailer_at: usize,
    json: String,
    /// Record index -> (new record bytes, new description entry text).
    replaced: BTreeMap<usize, (Vec<u8>, String)>,
}

/// The top-level objects of the `devices` array of a JSON description, as text ranges.
fn device_entries(json: &str) -> Result<Vec<(Range<usize>, String, u64)>> {
    let b = json.as_bytes();
    let start = json
        .find("\"devices\"")
        .and_then(|i| json[i..].find('[').map(|j| i + j + 1))
        .ok_or_else(|| Error::invalid("JSON description without \"devices\""))?;
    let (mut depth, mut in_str, mut esc, mut from) = (0usize, false, false, 0);
    let mut out = Vec::new();
    for (i, &c) in b.iter().enumerate().skip(start) {
        if in_str {
            match (esc, c) {
                (true, _) => esc = false,
                (false, b'\\') => esc = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            b'"' => in_str = true,
            b'{' => {
                if depth == 0 {
                    from = i;
                }
                depth += 1;
            }
            b'}' => {
                depth = depth
                    .checked_sub(1)
                    .ok_or_else(|| Error::invalid("unbalanced JSON description"))?;
                if depth == 0 {
                    let v: Value = serde_json::from_str(&json[from..=i])
                        .map_err(|e| Error::invalid(format!("JSON description: {e}")))?;
                    let name = v["name"].as_str().unwrap_or_default().to_owned();
                    out.push((from..i + 1, name, v["instance_id"].as_u64().unwrap_or(0)));
                }
            }
            b']' if depth == 0 => return Ok(out),
            _ => {}
        }
    }
    Err(Error::invalid(
        "unterminated \"devices\" array in the JSON description",
    ))
}

impl<'a> Rewrite<'a> {
    /// Splits a whole (decompressed) stream; every section body is walked (RAM and
    /// HTAB by their formats, devices by the stream's own JSON description), so a
    /// stream that does not parse is refused here.
    pub fn new(data: &'a [u8]) -> Result<Self> {
        let (json, trailer_at) = stream::find_trailer(data)?;
        let desc: Value = serde_json::from_str(json)
            .map_err(|e| Error::invalid(format!("JSON description: {e}")))?;
        let page_size = desc
            .get("page_size")
            .and_then(Value::as_u64)
            .unwrap_or(4096);
        let entries = device_entries(json)?;
        let mut used = vec![false; entries.len()];
        let mut r = StreamReader::new(data)?;
        let mut machine = String::new();
        let mut blocks = Vec::new();
        let mut current = None;
        let mut sections = Vec::new();
        loop {
            let start = r.offset() as usize;
            let (h, full) = match r.next_record()? {
                Record::Eof => break,
                Record::Configuration { machine: m } => {
                    machine = m;
                    continue;
                }
                Record::Command { .. } => continue,
                Record::Full(h) => (h, true),
                Record::Start(h) | Record::Part(h) | Record::End(h) => (h, false),
            };
            let here =
                |e: Error| e.in_description(format!("{} (instance {})", h.idstr, h.instance_id));
            let body_start = r.offset() as usize;
            let mut entry = None;
            match h.idstr.as_str() {
                "ram" if !full => {
                    ram::read_body(r.body(), page_size, &mut blocks, &mut current, &mut |_| {
                        Ok(())
                    })?
                }
                "spapr/htab" if !full => {
                    ram::skip_htab_body(r.body())?;
                }
                _ => {
                    let i = entries
                        .iter()
                        .enumerate()
                        .position(|(i, (_, n, inst))| {
                            !used[i] && n == &h.idstr && *inst == u64::from(h.instance_id)
                        })
                        .ok_or_else(|| {
                            here(Error::invalid(
                                "section has no entry in the stream's JSON description",
                            ))
                        })?;
                    used[i] = true;
                    let d: Map<String, Value> = serde_json::from_str(&json[entries[i].0.clone()])
                        .map_err(|e| here(Error::invalid(e.to_string())))?;
                    walk_struct(&d, r.body()).map_err(here)?;
                    entry = Some(entries[i].0.clone());
                }
            }
            let body_end = r.offset() as usize;
            r.end_section(h.section_id)?;
            if full {
                sections.push(Section {
                    header: h,
                    record: start..r.offset() as usize,
                    body: body_start..body_end,
                    entry,
                });
            }
        }
        if r.offset() != trailer_at as u64 {
            return Err(Error::invalid(
                "the JSON description does not follow the end-of-stream record",
            )
            .at_offset(r.offset()));
        }
        let devices = desc
            .get("devices")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        Ok(Rewrite {
            data,
            cx: stream_context(&machine, is_32_bit(&devices)),
            machine,
            page_size: page_size as u32,
            sections,
            trailer_at,
            json: json.to_owned(),
            replaced: BTreeMap::new(),
        })
    }

    /// The machine type of the configuration section.
    pub fn machine(&self) -> &str {
        &self.machine
    }

    /// The complete (FULL) sections, in stream order.
    pub fn sections(&self) -> &[Section] {
        &self.sections
    }

    fn find(&self, idstr: &str, instance: u32) -> Result<usize> {
        self.sections
            .iter()
            .position(|s| s.header.idstr == idstr && s.header.instance_id == instance)
            .ok_or_else(|| {
                Error::invalid(format!(
                    "the stream has no section {idstr} instance {instance}"
                ))
            })
    }

    /// Loads section (idstr, instance) into `obj` (at the section's version).
    pub fn load<T: VmState + Clone>(&self, idstr: &str, instance: u32, obj: &mut T) -> Result<()> {
        let s = &self.sections[self.find(idstr, instance)?];
        let mut r = Reader::with_base(&self.data[s.body.clone()], s.body.start as u64);
        obj.load_from(&mut r, s.header.version, &self.cx)
            .map_err(|e| e.in_description(format!("{idstr} (instance {instance})")))?;
        if r.remaining() != 0 {
            return Err(Error::invalid(format!(
                "{idstr}: {} bytes of the body left over",
                r.remaining()
            ))
            .at_offset(r.offset()));
        }
        Ok(())
    }

    /// The `cpu` section of vCPU `instance`, with the model taken from the stream (its
    /// PVR, exactly or by family).
    pub fn cpu(&self, instance: u32) -> Result<CpuState> {
        let s = &self.sections[self.find("cpu", instance)?];
        let model = source_model(&self.data[s.body.clone()], &self.cx)
            .map_err(|e| e.in_description(format!("cpu (instance {instance})")))?;
        let mut cpu = CpuState::new(model);
        self.load("cpu", instance, &mut cpu)?;
        Ok(cpu)
    }

    /// Replaces section (idstr, instance) with `obj`'s encoding for the stream's machine
    /// type: same section id, and a JSON description entry of its own.
    pub fn replace<T: VmState>(&mut self, idstr: &str, instance: u32, obj: &mut T) -> Result<()> {
        let i = self.find(idstr, instance)?;
        let id = self.sections[i].header.section_id;
        let mut w = StreamWriter::new(&self.machine, self.page_size);
        w.set_section_id(idstr, instance, id);
        let head = w.len();
        w.full_section(idstr, instance, obj, &self.cx)?;
        let one = w.finish();
        let (json, at) = stream::find_trailer(&one)?;
        let entries = device_entries(json)?;
        let entry = entries
            .first()
            .map(|(r, _, _)| json[r.clone()].to_owned())
            .ok_or_else(|| Error::invalid(format!("{idstr} was not written (not needed)")))?;
        // The record: from after the configuration to before EOF.
        let record = one[head..at - 1].to_vec();
        if one[at - 1] != kind::EOF {
            return Err(Error::invalid("a written section does not end before EOF"));
        }
        self.replaced.insert(i, (record, entry));
        Ok(())
    }

    /// The rewritten stream.
    pub fn finish(self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.len());
        let mut json = String::with_capacity(self.json.len());
        let (mut at, mut jat) = (0, 0);
        for (i, (record, entry)) in &self.replaced {
            let s = &self.sections[*i];
            out.extend_from_slice(&self.data[at..s.record.start]);
            out.extend_from_slice(record);
            at = s.record.end;
            if let Some(e) = &s.entry {
                json.push_str(&self.json[jat..e.start]);
                json.push_str(entry);
                jat = e.end;
            }
        }
        out.extend_from_slice(&self.data[at..self.trailer_at]);
        json.push_str(&self.json[jat..]);
        out.push(kind::VMDESCRIPTION);
        out.extend_from_slice(&(json.len() as u32).to_be_bytes());
        out.extend_from_slice(json.as_bytes());
        out
    }
}
