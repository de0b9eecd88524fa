//! `ppc-vm inspect`: decodes every `cpu`, `cpu_common` and `spapr_cpu` section of a QEMU
//! stream through the Rust types of `ppc-target` and prints them with the names, nesting
//! and value formatting of QEMU's analyzer. `verify` re-encodes each section and checks
//! the bytes are identical.

use serde_json::{Map, Value};
use vmstate::json::JsonWriter;
use vmstate::ram;
use vmstate::stream::{self, Record, StreamReader};
use vmstate::wire::Reader;
use vmstate::{Context, Error, Result, VmState};
use vmstate_tools::analyze::walk_struct;

use ppc_target::compat::context_for;
use ppc_target::models::CpuModel;
use ppc_target::state::spr;
use ppc_target::{CpuCommon, CpuState, SpaprCpu};

/// Decodes `body` into a fresh `T`, optionally checks the re-encoding, and formats the
/// values through the type's own description.
pub(crate) fn decode<T: VmState + Clone>(
    mut obj: T,
    r: &mut Reader<'_>,
    version: u32,
    cx: &Context,
    verify: bool,
) -> Result<(T, Value)> {
    let start = r.rest();
    let base = r.offset();
    obj.load_from(r, version, cx)?;
    let original = &start[..start.len() - r.rest().len()];
    let mut bytes = Vec::with_capacity(original.len());
    let mut desc = JsonWriter::new();
    obj.save_with_desc(&mut bytes, &mut desc, cx)?;
    if verify && bytes != original {
        let at = bytes
            .iter()
            .zip(original)
            .position(|(a, b)| a != b)
            .unwrap_or(bytes.len().min(original.len()));
        return Err(Error::invalid(format!(
            "re-encoding differs from the stream ({} bytes vs {}, first difference at body byte {at})",
            bytes.len(),
            original.len()
        ))
        .at_offset(base + at as u64)
        .in_description(T::DESCRIPTION.name));
    }
    let desc: Value =
        serde_json::from_str(desc.as_str()).map_err(|e| Error::invalid(e.to_string()))?;
    let fields = desc
        .as_object()
        .ok_or_else(|| Error::invalid("description is not an object"))?;
    let values = walk_struct(fields, &mut Reader::new(&bytes))?;
    Ok((obj, Value::Object(values)))
}

/// Whether a stream's JSON description comes from a 32-bit build (`qemu-system-ppc`):
/// its `cpu` sections have 4-byte `env.gpr`.
pub fn is_32_bit(devices: &[Value]) -> bool {
    devices.iter().any(|d| {
        d["name"] == "cpu"
            && d["fields"]
                .as_array()
                .is_some_and(|f| f.iter().any(|f| f["name"] == "env.gpr" && f["size"] == 4))
    })
}

/// The context of a stream: its machine type's, on a 32-bit target when it is one.
pub fn stream_context(machine: &str, narrow: bool) -> Context {
    let cx = context_for(machine);
    if narrow {
        cx.with_compat(vmstate::TARGET_LONG_32)
    } else {
        cx
    }
}

/// The model a `cpu` body was written by: its PVR slot, exactly or by family match.
pub(crate) fn source_model(body: &[u8], cx: &Context) -> Result<&'static CpuModel> {
    // unused, gpr (and gprh on a 32-bit target), crf, nip, then spr[287].
    let at = if cx.compat(vmstate::TARGET_LONG_32) {
        4 + 32 * 4 + 32 * 4 + 8 * 4 + 4 + spr::PVR * 4
    } else {
        8 + 32 * 8 + 8 * 4 + 8 + spr::PVR * 8 + 4
    };
    let pvr = body
        .get(at..at + 4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| {
            Error::invalid("cpu section too short to hold the PVR").in_description("cpu")
        })?;
    CpuModel::by_pvr(pvr)
        .or_else(|| {
            ppc_target::models::MODELS
                .iter()
                .find(|m| m.accepts_pvr(pvr))
        })
        .ok_or_else(|| {
            Error::invalid(format!("no CPU model with PVR {pvr:#010x}")).in_description("cpu")
        })
}

/// Decodes the CPU sections of a whole (decompressed) stream.
pub fn inspect(data: &[u8], verify: bool) -> Result<Value> {
    let (json, trailer_at) = stream::find_trailer(data)?;
    let desc: Value =
        serde_json::from_str(json).map_err(|e| Error::invalid(format!("JSON description: {e}")))?;
    let devices = desc
        .get("devices")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let page_size = desc
        .get("page_size")
        .and_then(Value::as_u64)
        .unwrap_or(4096);
    let narrow = is_32_bit(&devices);
    let mut r = StreamReader::new(data)?;
    let mut cx = Context::default();
    let mut out = Map::new();
    let mut blocks = Vec::new();
    let mut current = None;
    loop {
        let (h, first) = match r.next_record()? {
            Record::Eof => break,
            Record::Configuration { machine } => {
                cx = stream_context(&machine, narrow);
                continue;
            }
            Record::Command { .. } => continue,
            Record::Start(h) | Record::Full(h) => (h, true),
            Record::Part(h) | Record::End(h) => (h, false),
        };
        let key = format!("{} ({})", h.idstr, h.section_id);
        let here = |e: Error| e.in_description(format!("{} (instance {})", h.idstr, h.instance_id));
        match h.idstr.as_str() {
            "ram" => ram::read_body(r.body(), page_size, &mut blocks, &mut current, &mut |_| {
                Ok(())
            })?,
            "spapr/htab" => {
                ram::skip_htab_body(r.body())?;
            }
            "cpu" if first => {
                let model = source_model(r.body().rest(), &cx).map_err(here)?;
                let (_, v) =
                    decode(CpuState::new(model), r.body(), h.version, &cx, verify).map_err(here)?;
                out.insert(key, v);
            }
            "cpu_common" if first => {
                let (_, v) =
                    decode(CpuCommon::default(), r.body(), h.version, &cx, verify).map_err(here)?;
                out.insert(key, v);
            }
            "spapr_cpu" if first => {
                let (_, v) =
                    decode(SpaprCpu::default(), r.body(), h.version, &cx, verify).map_err(here)?;
                out.insert(key, v);
            }
            _ => {
                let d = devices
                    .iter()
                    .filter_map(Value::as_object)
                    .find(|d| d["name"] == h.idstr.as_str() && d["instance_id"] == h.instance_id)
                    .ok_or_else(|| {
                        here(Error::invalid(
                            "section has no entry in the stream's JSON description",
                        ))
                    })?;
                walk_struct(d, r.body()).map_err(here)?;
            }
        }
        r.end_section(h.section_id)?;
    }
    if r.offset() != trailer_at as u64 {
        return Err(Error::invalid(
            "the JSON description does not follow the end-of-stream record",
        )
        .at_offset(r.offset()));
    }
    Ok(Value::Object(out))
}
