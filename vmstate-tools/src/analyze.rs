//! Decodes a whole migration stream into JSON with the structure, keys and value
//! formatting of QEMU's `analyze-migration.py -f` (spec §2.9): sections keyed
//! `"name (section_id)"`, integers as `"0x%0*x"` strings (negative signed values with
//! `" (-N)"` appended), booleans as JSON booleans, unknown types as space-separated hex
//! bytes, arrays as lists, nested structs and subsections as objects.
//!
//! Devices are decoded from the stream's own JSON description (the generic walker);
//! `ram` and `spapr/htab` by their own framing.

use serde_json::{Map, Value};
use vmstate::ram::{self, RamBlock};
use vmstate::stream::{self, Record, StreamReader};
use vmstate::wire::Reader;
use vmstate::{Error, Result};

/// Fields of the JSON description a walker needs.
fn desc_err(msg: impl Into<String>) -> Error {
    Error::invalid(format!("JSON description: {}", msg.into()))
}

/// Two lowercase hex digits per byte after `prefix`, bytes separated by
/// `sep` (the analyzer's buffer and integer spellings; a hot path on large
/// streams, so no `format!`).
fn hex_digits(prefix: &str, b: &[u8], sep: bool) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = Vec::with_capacity(prefix.len() + b.len() * 3 + 24);
    s.extend_from_slice(prefix.as_bytes());
    for (i, &x) in b.iter().enumerate() {
        if sep && i > 0 {
            s.push(b' ');
        }
        s.extend_from_slice(&[HEX[usize::from(x >> 4)], HEX[usize::from(x & 0xf)]]);
    }
    // Only ASCII was pushed after a `&str`.
    String::from_utf8(s).unwrap_or_default()
}

fn hex_bytes(b: &[u8]) -> String {
    hex_digits("", b, true)
}

/// Formats an integer field as the analyzer does.
fn format_int(bytes: &[u8], signed: bool) -> Value {
    if bytes.len() > 8 || bytes.is_empty() {
        // Wider than any integer QEMU has: print the bytes as one unsigned number.
        return Value::String(hex_digits("0x", bytes, false));
    }
    let mut u = 0u64;
    for &b in bytes {
        u = (u << 8) | u64::from(b);
    }
    let bits = bytes.len() * 8;
    let negative = signed && bytes[0] & 0x80 != 0;
    // "0x" and two digits per byte (the hot path of a large stream).
    let mut text = hex_digits("0x", bytes, false);
    if negative {
        let s = if bits == 64 {
            u as i64
        } else {
            (u as i64) - (1i64 << bits)
        };
        use std::fmt::Write;
        let _ = write!(text, " ({s})");
    }
    Value::String(text)
}

fn size_of(field: &Map<String, Value>) -> Result<usize> {
    field
        .get("size")
        .and_then(Value::as_u64)
        .and_then(|s| usize::try_from(s).ok())
        .ok_or_else(|| desc_err("field without a numeric size"))
}

fn read_field(field: &Map<String, Value>, r: &mut Reader<'_>) -> Result<Value> {
    let ty = field
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("unknown");
    let signed = matches!(
        ty,
        "int8"
            | "int16"
            | "int32"
            | "int64"
            | "int32 equal"
            | "int32 le"
            | "int64 equal"
            | "uint8 equal"
            | "uint16 equal"
    );
    let unsigned = matches!(
        ty,
        "uint8" | "uint16" | "uint32" | "uint64" | "uint32 equal"
    );
    Ok(match ty {
        "struct" => {
            let s = field
                .get("struct")
                .and_then(Value::as_object)
                .ok_or_else(|| desc_err("struct field without a description"))?;
            Value::Object(walk_struct(s, r)?)
        }
        "bool" => {
            let b = r.take(size_of(field)?)?;
            Value::Bool(b.first().is_some_and(|&x| x != 0))
        }
        "capability" => {
            let s = r.get_counted_str()?;
            Value::String(String::from_utf8_lossy(s).into_owned())
        }
        "nullptr" => {
            let at = r.offset();
            let b = r.take(size_of(field)?)?;
            if b != b"0" {
                return Err(Error::invalid("null pointer marker is not 0x30").at_offset(at));
            }
            Value::String("nullptr".into())
        }
        _ if signed || unsigned => format_int(r.take(size_of(field)?)?, signed),
        _ => Value::String(hex_bytes(r.take(size_of(field)?)?)),
    })
}

/// Walks one description body (`fields` then the described `subsections`).
pub fn walk_struct(desc: &Map<String, Value>, r: &mut Reader<'_>) -> Result<Map<String, Value>> {
    // A description that cannot be followed fails where the walk stands in the stream.
    walk_struct_at(desc, r).map_err(|e| match e.offset() {
        Some(_) => e,
        None => {
            let at = r.offset();
            e.at_offset(at)
        }
    })
}

fn walk_struct_at(desc: &Map<String, Value>, r: &mut Reader<'_>) -> Result<Map<String, Value>> {
    let mut data = Map::new();
    let fields = match desc.get("fields") {
        Some(Value::Array(f)) => f.as_slice(),
        None => &[],
        Some(_) => return Err(desc_err("`fields` is not an array")),
    };
    for f in fields {
        let f = f
            .as_object()
            .ok_or_else(|| desc_err("field is not an object"))?;
        let name = f
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| desc_err("field without a name"))?;
        let n = match f.get("array_len") {
            Some(v) => v
                .as_u64()
                .ok_or_else(|| desc_err("array_len is not a number"))?,
            None => 1,
        };
        // Elements are read first and merged under the name once: the analyzer's
        // rule is that a repeated name (an array, or an array split in segments)
        // becomes a list.
        let mut values = Vec::with_capacity(usize::try_from(n).unwrap_or(0).min(r.remaining()));
        for _ in 0..n {
            values.push(read_field(f, r).map_err(|e| e.in_field(name.to_owned()))?);
        }
        match data.get_mut(name) {
            None if n > 1 => {
                data.insert(name.to_owned(), Value::Array(values));
            }
            None => {
                if let Some(v) = values.pop() {
                    data.insert(name.to_owned(), v);
                }
            }
            Some(Value::Array(list)) => list.append(&mut values),
            Some(old) => {
                let first = std::mem::take(old);
                values.insert(0, first);
                *old = Value::Array(values);
            }
        }
    }
    if let Some(subs) = desc.get("subsections") {
        let subs = subs
            .as_array()
            .ok_or_else(|| desc_err("`subsections` is not an array"))?;
        for s in subs {
            let s = s
                .as_object()
                .ok_or_else(|| desc_err("subsection is not an object"))?;
            let want = s.get("vmsd_name").and_then(Value::as_str).unwrap_or("");
            let at = r.offset();
            if r.get_u8()? != vmstate::SUBSECTION {
                return Err(Error::invalid(format!("subsection {want} not found")).at_offset(at));
            }
            let name = String::from_utf8_lossy(r.get_counted_str()?).into_owned();
            let _version = r.get_be32()?;
            let v = walk_struct(s, r).map_err(|e| e.in_description(name.clone()))?;
            data.insert(name, Value::Object(v));
        }
    }
    Ok(data)
}

/// What a section decoded to.
enum Section {
    Ram(Vec<RamBlock>),
    Htab,
    Device(Map<String, Value>),
}

/// Options of [`analyze`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Accept streams without section footers.
    pub no_footers: bool,
}

/// Decodes a whole stream (already decompressed) into the analyzer's JSON.
///
/// ```
/// use vmstate::{Context, VmState, stream::StreamWriter};
/// #[derive(Clone, Default, VmState)]
/// #[vmstate(name = "dev", version = 1)]
/// struct Dev { a: i16, on: bool }
/// let mut w = StreamWriter::new("pseries-7.2", 4096);
/// w.full_section("dev", 0, &mut Dev { a: -2, on: true }, &Context::default()).unwrap();
/// let json = vmstate_tools::analyze::analyze(&w.finish(), Default::default()).unwrap();
/// assert_eq!(json.to_string(), r#"{"dev (1)":{"a":"0xfffe (-2)","on":true}}"#);
/// ```
pub fn analyze(data: &[u8], opts: Options) -> Result<Value> {
    analyze_with_layout(data, opts).map(|(v, _)| v)
}

/// [`analyze`], also returning the offset of every top-level record (the EOF record
/// last).
pub fn analyze_with_layout(data: &[u8], opts: Options) -> Result<(Value, Vec<u64>)> {
    let mut layout = Vec::new();
    let mut r = StreamReader::new(data)?;
    r.set_footers(!opts.no_footers);
    let (json, trailer_at) = stream::find_trailer(data)?;
    let desc: Value = serde_json::from_str(json)
        .map_err(|e| desc_err(e.to_string()).at_offset(trailer_at as u64 + 5))?;
    let page_size = desc
        .get("page_size")
        .and_then(Value::as_u64)
        .ok_or_else(|| desc_err("no page_size"))?;
    let devices = desc
        .get("devices")
        .and_then(Value::as_array)
        .ok_or_else(|| desc_err("no devices"))?;
    let lookup = |name: &str, instance: u32| {
        devices.iter().filter_map(Value::as_object).find(|d| {
            d.get("name").and_then(Value::as_str) == Some(name)
                && d.get("instance_id").and_then(Value::as_u64) == Some(u64::from(instance))
        })
    };

    let mut sections: Vec<(String, u32, Section)> = Vec::new();
    let mut current = None;
    loop {
        layout.push(r.offset());
        let rec = r.next_record()?;
        let (h, first) = match rec {
            Record::Eof => break,
            Record::Configuration { .. } => continue,
            Record::Command { cmd, payload } => {
                if cmd != 11 || !payload.is_empty() {
                    return Err(Error::invalid(format!(
                        "unexpected command {cmd} in a stream file"
                    ))
                    .at_offset(r.offset()));
                }
                continue;
            }
            Record::Start(h) | Record::Full(h) => (h, true),
            Record::Part(h) | Record::End(h) => (h, false),
        };
        let key = (h.idstr.as_str(), h.instance_id);
        let section_err =
            |e: Error| e.in_description(format!("{} (instance {})", h.idstr, h.instance_id));
        let pos = sections.iter().position(|(_, id, _)| *id == h.section_id);
        match key {
            ("ram", 0) => {
                if h.version != 4 {
                    return Err(section_err(
                        Error::invalid(format!("unknown RAM version {}", h.version))
                            .at_offset(h.offset),
                    ));
                }
                let idx = match pos {
                    Some(i) => i,
                    None => {
                        sections.push((h.idstr.clone(), h.section_id, Section::Ram(Vec::new())));
                        sections.len() - 1
                    }
                };
                let Section::Ram(blocks) = &mut sections[idx].2 else {
                    unreachable!("ram section")
                };
                ram::read_body(r.body(), page_size, blocks, &mut current, &mut |_| Ok(()))?;
            }
            ("spapr/htab", 0) => {
                if h.version != 1 {
                    return Err(section_err(
                        Error::invalid(format!("unknown HTAB version {}", h.version))
                            .at_offset(h.offset),
                    ));
                }
                ram::skip_htab_body(r.body())?;
                if pos.is_none() {
                    sections.push((h.idstr.clone(), h.section_id, Section::Htab));
                }
            }
            _ => {
                if !first {
                    return Err(section_err(
                        Error::invalid("PART/END record for a device section").at_offset(h.offset),
                    ));
                }
                let d = lookup(key.0, key.1).ok_or_else(|| {
                    section_err(
                        Error::invalid("section has no entry in the stream's JSON description")
                            .at_offset(h.offset),
                    )
                })?;
                let v = walk_struct(d, r.body()).map_err(section_err)?;
                sections.push((h.idstr.clone(), h.section_id, Section::Device(v)));
            }
        }
        r.end_section(h.section_id)?;
    }
    if r.offset() != trailer_at as u64 {
        return Err(Error::invalid(format!(
            "the stream ends at byte {} but its JSON description starts at byte {trailer_at}",
            r.offset()
        ))
        .at_offset(r.offset()));
    }
    let mut out = Map::new();
    for (name, id, s) in sections {
        let v = match s {
            Section::Ram(blocks) => {
                let mut sizes = Map::new();
                for b in blocks {
                    sizes.insert(b.name, Value::String(format!("0x{:016x}", b.used_length)));
                }
                let mut m = Map::new();
                m.insert("section sizes".into(), Value::Object(sizes));
                Value::Object(m)
            }
            Section::Htab => Value::String(String::new()),
            Section::Device(m) => Value::Object(m),
        };
        out.insert(format!("{name} ({id})"), v);
    }
    Ok((Value::Object(out), layout))
}

/// The stream's JSON description, parsed (what `analyze-migration.py -d desc` prints).
pub fn description(data: &[u8]) -> Result<Value> {
    StreamReader::new(data)?;
    let (json, at) = stream::find_trailer(data)?;
    serde_json::from_str(json).map_err(|e| desc_err(e.to_string()).at_offset(at as u64 + 5))
}
