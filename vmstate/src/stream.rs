//! QEMU's migration stream framing (spec §2): the file header, the configuration
//! section, section records with their headers and footers, commands, EOF and the JSON
//! description trailer.
//!
//! [`StreamReader`] walks records over an in-memory stream; the caller parses each
//! section body (with a `VmState`, a RAM or HTAB decoder, or a generic walker) from
//! [`StreamReader::body`] and then calls [`StreamReader::end_section`] to check the
//! footer. [`StreamWriter`] writes the same framing and collects the JSON trailer.
//!
//! ```
//! use vmstate::stream::{Record, StreamReader, StreamWriter};
//! use vmstate::{Context, VmState};
//!
//! #[derive(Clone, Debug, Default, PartialEq, VmState)]
//! #[vmstate(name = "timer", version = 2, minimum_version = 1)]
//! struct Timer { ticks: i64 }
//!
//! let cx = Context::new("pseries-7.2");
//! let mut w = StreamWriter::new("pseries-7.2", 4096);
//! w.full_section("timer", 0, &mut Timer { ticks: -1 }, &cx).unwrap();
//! let bytes = w.finish();
//!
//! let mut r = StreamReader::new(&bytes).unwrap();
//! assert!(matches!(r.next_record().unwrap(), Record::Configuration { machine } if machine == "pseries-7.2"));
//! let Record::Full(h) = r.next_record().unwrap() else { panic!() };
//! assert_eq!((h.idstr.as_str(), h.instance_id, h.version), ("timer", 0, 2));
//! assert_eq!(h.section_id, 1, "QEMU takes section id 0 for \"not loaded yet\"");
//! let mut t = Timer::default();
//! t.load_from(r.body(), h.version, &cx).unwrap();
//! r.end_section(h.section_id).unwrap();
//! assert_eq!(t.ticks, -1);
//! assert!(matches!(r.next_record().unwrap(), Record::Eof));
//! assert!(r.trailer().unwrap().unwrap().starts_with(r#"{"page_size": 4096, "devices": [{"name": "timer""#));
//! ```

use alloc::collections::BTreeMap;
use alloc::{borrow::ToOwned, format, string::String, vec::Vec};

use crate::error::{Error, ErrorKind, Result};
use crate::json::JsonWriter;
use crate::wire::{Reader, Writer};
use crate::{Context, VmState};

/// File magic "QEVM".
pub const MAGIC: u32 = 0x5145_564D;
/// File format version.
pub const VERSION: u32 = 3;

/// Record type bytes.
pub mod kind {
    /// End of the section stream.
    pub const EOF: u8 = 0x00;
    /// First chunk of an iterative section.
    pub const START: u8 = 0x01;
    /// Middle chunk of an iterative section.
    pub const PART: u8 = 0x02;
    /// Last chunk of an iterative section.
    pub const END: u8 = 0x03;
    /// A complete (device) section.
    pub const FULL: u8 = 0x04;
    /// A subsection (inside bodies only).
    pub const SUBSECTION: u8 = 0x05;
    /// The JSON description trailer (after EOF).
    pub const VMDESCRIPTION: u8 = 0x06;
    /// The configuration section.
    pub const CONFIGURATION: u8 = 0x07;
    /// A command record.
    pub const COMMAND: u8 = 0x08;
    /// A section footer.
    pub const FOOTER: u8 = 0x7E;
}

/// Largest configuration machine-name length accepted (QEMU allocates whatever arrives).
pub const MAX_MACHINE_NAME: usize = 256;
/// Largest command payload accepted.
pub const MAX_COMMAND_PAYLOAD: usize = 64 * 1024;

/// The header of a START or FULL record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SectionHeader {
    /// Per-stream section id.
    pub section_id: u32,
    /// Section name (`cpu`, `ram`, `spapr/htab`, a device path).
    pub idstr: String,
    /// Instance id.
    pub instance_id: u32,
    /// Version of the section body.
    pub version: u32,
    /// Offset of the record's type byte.
    pub offset: u64,
}

/// One top-level record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Record {
    /// The configuration section (its body is parsed already).
    Configuration {
        /// Machine type name.
        machine: String,
    },
    /// START of an iterative section: the body follows.
    Start(SectionHeader),
    /// PART of an iterative section: the body follows.
    Part(SectionHeader),
    /// END of an iterative section: the body follows.
    End(SectionHeader),
    /// A complete section: the body follows.
    Full(SectionHeader),
    /// A command record (payload read).
    Command {
        /// Command number.
        cmd: u16,
        /// Payload.
        payload: Vec<u8>,
    },
    /// End of the sections.
    Eof,
}

/// Walks the records of an in-memory stream. [`StreamInput`] drives the same reader
/// over a stream that arrives in pieces (a socket).
pub struct StreamReader<'a> {
    r: Reader<'a>,
    footers: bool,
    /// section id -> header, from START/FULL.
    sections: BTreeMap<u32, SectionHeader>,
    eof: bool,
    /// More bytes may follow the input: a look-ahead that runs out is "need more",
    /// not "absent".
    partial: bool,
}

/// What a [`StreamReader`] knows between two records (kept by [`StreamInput`]).
#[derive(Clone, Debug, Default)]
struct ReadState {
    footers: bool,
    sections: BTreeMap<u32, SectionHeader>,
    eof: bool,
}

fn bad(offset: u64, msg: impl Into<alloc::borrow::Cow<'static, str>>) -> Error {
    Error::invalid(msg).at_offset(offset)
}

impl<'a> StreamReader<'a> {
    /// Checks the magic and version; section footers are expected (every current
    /// machine type sends them).
    pub fn new(data: &'a [u8]) -> Result<Self> {
        let mut r = Reader::new(data);
        let magic = r.get_be32()?;
        if magic != MAGIC {
            return Err(bad(0, format!("not a QEMU migration stream: magic {magic:#010x}, expected 0x5145564d (\"QEVM\")")));
        }
        let version = r.get_be32()?;
        if version != VERSION {
            return Err(bad(
                4,
                format!("unsupported stream version {version} (expected 3)"),
            ));
        }
        Ok(StreamReader {
            r,
            footers: true,
            sections: BTreeMap::new(),
            eof: false,
            partial: false,
        })
    }

    /// A reader of `data`, which starts at stream offset `base` after the header.
    fn resume(data: &'a [u8], base: u64, state: ReadState, partial: bool) -> Self {
        StreamReader {
            r: Reader::with_base(data, base),
            footers: state.footers,
            sections: state.sections,
            eof: state.eof,
            partial,
        }
    }

    fn into_state(self) -> ReadState {
        ReadState {
            footers: self.footers,
            sections: self.sections,
            eof: self.eof,
        }
    }

    /// A look-ahead of `n` bytes `at` ahead: `None` when the stream has fewer, and an
    /// end-of-input error when they have not arrived yet.
    fn look(&self, at: usize, n: usize) -> Result<Option<&'a [u8]>> {
        match self.r.peek(at, n) {
            None if self.partial => Err(Error::new(ErrorKind::UnexpectedEof {
                needed: at + n,
                available: self.r.remaining(),
            })
            .at_offset(self.r.offset())),
            p => Ok(p),
        }
    }

    /// Whether section footers are expected (QEMU's `send-section-footer`).
    pub fn set_footers(&mut self, on: bool) {
        self.footers = on;
    }

    /// The reader positioned at the current section body.
    pub fn body(&mut self) -> &mut Reader<'a> {
        &mut self.r
    }

    /// Offset of the next unread byte.
    pub fn offset(&self) -> u64 {
        self.r.offset()
    }

    /// The header a section id was introduced with.
    pub fn section(&self, id: u32) -> Option<&SectionHeader> {
        self.sections.get(&id)
    }

    fn full_header(&mut self, offset: u64) -> Result<SectionHeader> {
        let section_id = self.r.get_be32()?;
        let name = self.r.get_counted_str()?;
        if name.is_empty() {
            return Err(bad(offset, "section header with an empty name"));
        }
        let idstr = String::from_utf8(name.to_vec())
            .map_err(|_| bad(offset, "section name is not UTF-8"))?;
        let instance_id = self.r.get_be32()?;
        let version = self.r.get_be32()?;
        Ok(SectionHeader {
            section_id,
            idstr,
            instance_id,
            version,
            offset,
        })
    }

    /// Reads the next record. For START/PART/END/FULL the body follows: parse it from
    /// [`body`](Self::body), then call [`end_section`](Self::end_section).
    pub fn next_record(&mut self) -> Result<Record> {
        if self.eof {
            return Err(bad(self.r.offset(), "read past the end-of-stream record"));
        }
        let offset = self.r.offset();
        let t = self.r.get_u8()?;
        Ok(match t {
            kind::EOF => {
                self.eof = true;
                Record::Eof
            }
            kind::CONFIGURATION => {
                let len = self.r.get_be32()? as usize;
                if len > MAX_MACHINE_NAME {
                    return Err(Error::new(ErrorKind::LimitExceeded {
                        requested: len as u64,
                        limit: MAX_MACHINE_NAME as u64,
                    })
                    .at_offset(offset + 1)
                    .in_description("configuration"));
                }
                let name = self
                    .r
                    .take(len)
                    .map_err(|e| e.in_field("name").in_description("configuration"))?;
                let machine = String::from_utf8(name.to_vec())
                    .map_err(|_| bad(offset + 5, "configuration: machine name is not UTF-8"))?;
                self.skip_configuration_subsections()?;
                Record::Configuration { machine }
            }
            kind::START | kind::FULL => {
                let h = self.full_header(offset)?;
                self.sections.insert(h.section_id, h.clone());
                if t == kind::START {
                    Record::Start(h)
                } else {
                    Record::Full(h)
                }
            }
            kind::PART | kind::END => {
                let id = self.r.get_be32()?;
                let Some(h) = self.sections.get(&id) else {
                    return Err(bad(
                        offset,
                        format!("section id {id} was never introduced by a START or FULL record"),
                    ));
                };
                let h = SectionHeader {
                    offset,
                    ..h.clone()
                };
                if t == kind::PART {
                    Record::Part(h)
                } else {
                    Record::End(h)
                }
            }
            kind::COMMAND => {
                let cmd = self.r.get_be16()?;
                let len = usize::from(self.r.get_be16()?);
                if len > MAX_COMMAND_PAYLOAD {
                    return Err(bad(offset, "command payload too large"));
                }
                let payload = self.r.take(len)?.to_vec();
                Record::Command { cmd, payload }
            }
            other => return Err(bad(offset, format!("unknown section type {other:#04x}"))),
        })
    }

    /// Skips the optional subsections of the configuration body (target-page-bits,
    /// capabilities, uuid), checking their framing.
    fn skip_configuration_subsections(&mut self) -> Result<()> {
        while let Some(&[kind::SUBSECTION, len]) = self.look(0, 2)? {
            let offset = self.r.offset();
            let Some(name) = self.look(2, usize::from(len))? else {
                break;
            };
            if !name.starts_with(b"configuration/") {
                break;
            }
            let name = String::from_utf8_lossy(name).into_owned();
            self.r.skip(2 + usize::from(len))?;
            let _version = self.r.get_be32()?;
            match name.as_str() {
                "configuration/target-page-bits" => self.r.skip(4)?,
                "configuration/uuid" => self.r.skip(16)?,
                "configuration/capabilities" => {
                    let n = self.r.get_be32()?;
                    if n > 64 {
                        return Err(bad(offset, "configuration: too many capabilities"));
                    }
                    for _ in 0..n {
                        self.r.get_counted_str()?;
                    }
                }
                _ => {
                    return Err(Error::new(ErrorKind::UnknownSubsection(name))
                        .at_offset(offset)
                        .in_description("configuration"))
                }
            }
        }
        Ok(())
    }

    /// Checks the footer of section `id` (when footers are on).
    pub fn end_section(&mut self, id: u32) -> Result<()> {
        if !self.footers {
            return Ok(());
        }
        let offset = self.r.offset();
        let t = self.r.get_u8()?;
        if t != kind::FOOTER {
            return Err(bad(
                offset,
                format!("expected section footer 0x7e for section {id}, found {t:#04x}"),
            ));
        }
        let got = self.r.get_be32()?;
        if got != id {
            return Err(bad(
                offset,
                format!("section footer names section {got}, expected {id}"),
            ));
        }
        Ok(())
    }

    /// After EOF: the JSON description trailer, if present.
    pub fn trailer(&mut self) -> Result<Option<&'a str>> {
        if self.r.remaining() == 0 {
            return Ok(None);
        }
        let offset = self.r.offset();
        let t = self.r.get_u8()?;
        if t != kind::VMDESCRIPTION {
            return Err(bad(
                offset,
                format!("expected the JSON description (0x06) after EOF, found {t:#04x}"),
            ));
        }
        let len = self.r.get_be32()? as usize;
        let json = self.r.take(len)?;
        core::str::from_utf8(json)
            .map(Some)
            .map_err(|_| bad(offset + 5, "JSON description is not UTF-8"))
    }
}

/// A stream that arrives in pieces (from a socket), read record by record with the same
/// [`StreamReader`] as a whole file: [`feed`](Self::feed) bytes, then take every
/// complete record with [`next`](Self::next). A record is parsed from its start each
/// time until it is complete, so its body parser must only change anything once it
/// returns. Only the record being received is buffered, up to a limit.
///
/// ```
/// use vmstate::stream::{Record, StreamInput, StreamWriter};
/// use vmstate::{Context, VmState};
///
/// #[derive(Clone, Debug, Default, PartialEq, VmState)]
/// #[vmstate(name = "timer", version = 2)]
/// struct Timer { ticks: i64 }
///
/// let cx = Context::new("pseries-7.2");
/// let mut w = StreamWriter::new("pseries-7.2", 4096);
/// w.full_section("timer", 0, &mut Timer { ticks: 7 }, &cx).unwrap();
/// let bytes = w.finish();
///
/// let mut input = StreamInput::new(1 << 20);
/// let mut got = None;
/// for piece in bytes.chunks(3) {
///     input.feed(piece).unwrap();
///     while let Some((rec, t)) = input
///         .next(|rec, body| match rec {
///             Record::Full(h) if h.idstr == "timer" => {
///                 let mut t = Timer::default();
///                 t.load_from(body, h.version, &cx)?;
///                 Ok(Some(t))
///             }
///             _ => Ok(None),
///         })
///         .unwrap()
///     {
///         got = got.or(t);
///         if rec == Record::Eof {
///             assert!(input.trailer().unwrap().is_none(), "the trailer is still arriving");
///         }
///     }
/// }
/// assert_eq!(got, Some(Timer { ticks: 7 }));
/// assert!(input.trailer().unwrap().unwrap().starts_with("{\"page_size\": 4096"));
/// ```
#[derive(Debug, Default)]
pub struct StreamInput {
    buf: Vec<u8>,
    /// `buf[..start]` is consumed (dropped in bulk, not per record).
    start: usize,
    /// Stream offset of `buf[start]`.
    base: u64,
    /// `None` until the header was read.
    state: Option<ReadState>,
    limit: usize,
}

impl StreamInput {
    /// An empty input that buffers at most `limit` bytes of one record.
    pub fn new(limit: usize) -> Self {
        StreamInput {
            limit,
            ..Self::default()
        }
    }

    /// Appends received bytes; an error when one record would exceed the limit.
    pub fn feed(&mut self, data: &[u8]) -> Result<()> {
        let pending = self.buf.len() - self.start;
        if pending.saturating_add(data.len()) > self.limit {
            return Err(Error::new(ErrorKind::LimitExceeded {
                requested: (pending + data.len()) as u64,
                limit: self.limit as u64,
            })
            .at_offset(self.base));
        }
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(data);
        Ok(())
    }

    /// Stream offset of the first byte not consumed yet.
    pub fn offset(&self) -> u64 {
        self.base
    }

    /// Stream offset of the end of what was fed.
    pub fn received(&self) -> u64 {
        self.base + (self.buf.len() - self.start) as u64
    }

    /// Whether the header was read (the input is a QEMU stream).
    pub fn started(&self) -> bool {
        self.state.is_some()
    }

    /// Whether the EOF record was read.
    pub fn at_eof(&self) -> bool {
        self.state.as_ref().is_some_and(|s| s.eof)
    }

    /// Whether section footers are expected (on by default).
    pub fn set_footers(&mut self, on: bool) {
        if let Some(s) = &mut self.state {
            s.footers = on;
        }
    }

    fn consume(&mut self, n: usize) {
        self.start += n;
        self.base += n as u64;
    }

    /// The next complete record, after `body` parsed its body (START, PART, END and
    /// FULL records; it gets the record and the reader at the body) and its footer was
    /// checked; `Ok(None)` when more bytes are needed, and after the EOF record (the
    /// JSON description follows: [`trailer`](Self::trailer)). Errors other than
    /// running out of input are final.
    pub fn next<T>(
        &mut self,
        body: impl FnOnce(&Record, &mut Reader<'_>) -> Result<T>,
    ) -> Result<Option<(Record, T)>> {
        let Some(state) = self.state.clone() else {
            match StreamReader::new(&self.buf[self.start..]) {
                Ok(r) => {
                    let n = r.r.consumed();
                    self.state = Some(ReadState {
                        footers: true,
                        ..r.into_state()
                    });
                    self.consume(n);
                    return self.next(body);
                }
                Err(e) if e.is_eof() => return Ok(None),
                Err(e) => return Err(e),
            }
        };
        if state.eof {
            return Ok(None);
        }
        let mut r = StreamReader::resume(&self.buf[self.start..], self.base, state, true);
        let res = (|| -> Result<(Record, T)> {
            let rec = r.next_record()?;
            let id = match &rec {
                Record::Start(h) | Record::Part(h) | Record::End(h) | Record::Full(h) => {
                    Some(h.section_id)
                }
                _ => None,
            };
            let t = body(&rec, &mut r.r)?;
            if let Some(id) = id {
                r.end_section(id)?;
            }
            Ok((rec, t))
        })();
        match res {
            Ok(x) => {
                let n = r.r.consumed();
                self.state = Some(r.into_state());
                self.consume(n);
                Ok(Some(x))
            }
            Err(e) if e.is_eof() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// After the EOF record: the JSON description once it is all in (`Ok(None)`
    /// before). The bytes after it stay in the input ([`rest`](Self::rest)).
    pub fn trailer(&mut self) -> Result<Option<String>> {
        let Some(state) = self.state.clone().filter(|s| s.eof) else {
            return Err(Error::invalid(
                "the JSON description comes after the end-of-stream record",
            )
            .at_offset(self.base));
        };
        let mut r = StreamReader::resume(&self.buf[self.start..], self.base, state, true);
        if r.r.remaining() == 0 {
            return Ok(None);
        }
        match r.trailer() {
            Ok(Some(json)) => {
                let json = json.to_owned();
                let n = r.r.consumed();
                self.consume(n);
                Ok(Some(json))
            }
            Ok(None) => Ok(None),
            Err(e) if e.is_eof() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The bytes fed and not consumed.
    pub fn rest(&self) -> &[u8] {
        &self.buf[self.start..]
    }
}

/// QEMU's configuration check: the destination refuses a stream whose machine type is
/// not its own (QEMU compares only the received name's length, so `pseries` matches
/// `pseries-7.2`).
///
/// ```
/// use vmstate::stream::check_machine;
/// assert!(check_machine("pseries-7.2", "pseries-7.2").is_ok());
/// let e = check_machine("pseries-2.9", "pseries-2.10").unwrap_err();
/// assert_eq!(e.to_string(), "configuration: Machine type received is 'pseries-2.9' and local is 'pseries-2.10'");
/// ```
pub fn check_machine(received: &str, local: &str) -> Result<()> {
    if local.as_bytes().starts_with(received.as_bytes()) {
        return Ok(());
    }
    Err(Error::invalid(format!(
        "Machine type received is '{received}' and local is '{local}'"
    ))
    .in_description("configuration"))
}

/// Finds the JSON description at the end of a whole stream the way QEMU's analyzer does
/// (the last NUL byte, the first `{` after it, `0x06` and the be32 length before it).
/// Returns the JSON text and the offset of its `0x06` byte.
pub fn find_trailer(data: &[u8]) -> Result<(&str, usize)> {
    let window = data.len().saturating_sub(10 * 1024 * 1024);
    let tail = &data[window..];
    let missing = || {
        Error::invalid("no JSON description at the end of the stream (truncated?)")
            .at_offset(data.len() as u64)
    };
    let nul = tail.iter().rposition(|&b| b == 0).ok_or_else(missing)?;
    let brace = tail[nul..]
        .iter()
        .position(|&b| b == b'{')
        .map(|p| window + nul + p)
        .ok_or_else(missing)?;
    if brace < 5 || data[brace - 5] != kind::VMDESCRIPTION {
        return Err(missing());
    }
    let len = u32::from_be_bytes([
        data[brace - 4],
        data[brace - 3],
        data[brace - 2],
        data[brace - 1],
    ]) as usize;
    let json = data.get(brace..brace.saturating_add(len)).ok_or_else(|| {
        Error::invalid("JSON description runs past the end of the stream").at_offset(brace as u64)
    })?;
    let text = core::str::from_utf8(json)
        .map_err(|_| Error::invalid("JSON description is not UTF-8").at_offset(brace as u64))?;
    Ok((text, brace - 5))
}

/// Writes a stream: header, configuration, sections with footers, EOF and the JSON
/// description of every FULL section written.
pub struct StreamWriter {
    out: Vec<u8>,
    desc: JsonWriter,
    next_id: u32,
    ids: BTreeMap<(String, u32), u32>,
}

impl StreamWriter {
    /// Starts a stream for machine type `machine` whose target page size is `page_size`
    /// (header and configuration section).
    pub fn new(machine: &str, page_size: u32) -> Self {
        let mut out = Vec::with_capacity(64 * 1024);
        let mut w = Writer::new(&mut out);
        w.put_be32(MAGIC);
        w.put_be32(VERSION);
        w.put_u8(kind::CONFIGURATION);
        w.put_be32(machine.len() as u32);
        w.put_bytes(machine.as_bytes());
        let mut desc = JsonWriter::new();
        desc.start_object(None);
        desc.int(Some("page_size"), i64::from(page_size));
        desc.start_array(Some("devices"));
        StreamWriter {
            out,
            desc,
            next_id: 1,
            ids: BTreeMap::new(),
        }
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.out.len()
    }

    /// Whether nothing but the header was written (never true: the header is there).
    pub fn is_empty(&self) -> bool {
        self.out.is_empty()
    }

    /// The section id for (idstr, instance), assigned in registration order from 1: a
    /// QEMU destination matches PART and END records by id and takes 0 for a handler
    /// it has not loaded yet, so no section may have id 0.
    pub fn section_id(&mut self, idstr: &str, instance: u32) -> u32 {
        let next = &mut self.next_id;
        *self
            .ids
            .entry((idstr.to_owned(), instance))
            .or_insert_with(|| {
                let id = *next;
                *next += 1;
                id
            })
    }

    /// Gives (idstr, instance) the section id `id` (as another stream numbered it, so a
    /// rewritten stream keeps QEMU's numbering); ids assigned later stay above it.
    pub fn set_section_id(&mut self, idstr: &str, instance: u32, id: u32) {
        self.ids.insert((idstr.to_owned(), instance), id);
        self.next_id = self.next_id.max(id.saturating_add(1));
    }

    fn header(&mut self, t: u8, id: u32, idstr: &str, instance: u32, version: u32) -> Result<()> {
        let mut w = Writer::new(&mut self.out);
        w.put_u8(t);
        w.put_be32(id);
        w.put_counted_str(idstr.as_bytes())?;
        w.put_be32(instance);
        w.put_be32(version);
        Ok(())
    }

    fn footer(&mut self, id: u32) {
        self.out.push(kind::FOOTER);
        self.out.extend_from_slice(&id.to_be_bytes());
    }

    /// Writes a FULL section for a `VmState` object (skipped when its top-level `needed`
    /// is false) and records its JSON description.
    pub fn full_section<T: VmState>(
        &mut self,
        idstr: &str,
        instance: u32,
        obj: &mut T,
        cx: &Context,
    ) -> Result<()> {
        if !obj.section_needed(cx) {
            return Ok(());
        }
        let d = T::DESCRIPTION;
        self.full_section_with(idstr, instance, d.version, d.name, |w| obj.save_body(w, cx))
    }

    /// Writes a FULL section whose body `save` writes (recording its JSON description
    /// through the writer), with the given header version; `name` is used in errors.
    pub fn full_section_with(
        &mut self,
        idstr: &str,
        instance: u32,
        version: u32,
        name: &'static str,
        save: impl FnOnce(&mut Writer<'_>) -> Result<()>,
    ) -> Result<()> {
        let id = self.section_id(idstr, instance);
        let start = self.out.len();
        self.header(kind::FULL, id, idstr, instance, version)?;
        let checkpoint = self.desc.checkpoint();
        self.desc.start_object(None);
        self.desc.str(Some("name"), idstr);
        self.desc.int(Some("instance_id"), i64::from(instance));
        let base = self.out.len() as u64;
        let mut w = Writer::with_desc(&mut self.out, base, Some(&mut self.desc));
        if let Err(e) = save(&mut w) {
            self.out.truncate(start);
            self.desc.rollback(checkpoint);
            return Err(e.in_description(name));
        }
        self.desc.end_object();
        self.footer(id);
        Ok(())
    }

    /// Writes a START/PART/END record whose body `body` writes.
    pub fn iterative(
        &mut self,
        t: u8,
        idstr: &str,
        instance: u32,
        version: u32,
        body: impl FnOnce(&mut Writer<'_>) -> Result<()>,
    ) -> Result<()> {
        let id = self.section_id(idstr, instance);
        if t == kind::START {
            self.header(t, id, idstr, instance, version)?;
        } else {
            self.out.push(t);
            self.out.extend_from_slice(&id.to_be_bytes());
        }
        let base = self.out.len() as u64;
        body(&mut Writer::with_desc(&mut self.out, base, None))?;
        self.footer(id);
        Ok(())
    }

    /// Writes a command record (`QEMU_VM_COMMAND`: be16 command, be16 length, payload),
    /// e.g. `MIG_CMD_OPEN_RETURN_PATH` (1, no payload) or `MIG_CMD_PING` (2, a be32).
    pub fn command(&mut self, cmd: u16, payload: &[u8]) -> Result<()> {
        let len = u16::try_from(payload.len()).map_err(|_| {
            Error::invalid(format!(
                "command {cmd}: payload of {} bytes does not fit its be16 length",
                payload.len()
            ))
        })?;
        self.out.push(kind::COMMAND);
        self.out.extend_from_slice(&cmd.to_be_bytes());
        self.out.extend_from_slice(&len.to_be_bytes());
        self.out.extend_from_slice(payload);
        Ok(())
    }

    /// Takes the bytes written since the last call (to send a stream as it is made).
    pub fn drain(&mut self) -> Vec<u8> {
        core::mem::take(&mut self.out)
    }

    /// Takes the bytes written since the last call and goes on writing into `next`
    /// (cleared; its capacity is kept), so a sender can recycle its buffers.
    pub fn drain_into(&mut self, mut next: Vec<u8>) -> Vec<u8> {
        next.clear();
        core::mem::replace(&mut self.out, next)
    }

    /// Writes EOF and the JSON trailer and returns the stream (what was not drained).
    pub fn finish(mut self) -> Vec<u8> {
        self.desc.end_array();
        self.desc.end_object();
        let json = self.desc.into_string();
        self.out.push(kind::EOF);
        self.out.push(kind::VMDESCRIPTION);
        self.out
            .extend_from_slice(&(json.len() as u32).to_be_bytes());
        self.out.extend_from_slice(json.as_bytes());
        self.out
    }
}
