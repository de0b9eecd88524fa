//! `inspect --verify` on the real QEMU 7.2 streams: every cpu, cpu_common and spapr_cpu
//! section decodes through the Rust types, re-encodes byte-identically, and prints
//! exactly what QEMU's analyzer printed.

use std::path::PathBuf;

use serde_json::Value;
use vmstate_tools::input;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/data/qemu-7.2")
}

#[test]
fn every_fixture_stream_round_trips_and_matches_the_oracle() {
    let mut checked = 0;
    for entry in std::fs::read_dir(data_dir().join("streams")).unwrap() {
        let file = entry.unwrap().file_name().into_string().unwrap();
        let name = file.strip_suffix(".mig.gz").unwrap();
        let data = input::read_stream(&data_dir().join("streams").join(&file)).unwrap();
        let result = ppc_vm::inspect::inspect(&data, true);
        let ours = result.unwrap_or_else(|e| panic!("{name}: {e}"));
        let raw =
            std::fs::read(data_dir().join(format!("oracle/{name}.cpu.state.json.gz"))).unwrap();
        let theirs: Value = serde_json::from_slice(&input::decompress(raw).unwrap()).unwrap();
        assert_eq!(ours, theirs, "{name}");
        checked += 1;
    }
    // The 15 streams of qemu-system-ppc64 and the 2 of the 32-bit qemu-system-ppc.
    assert_eq!(checked, 17);
}

/// A stream whose description is made to say the other word size: the `cpu` body is
/// read with the other widths and does not end where its section does, which QEMU
/// refuses at the section footer too (a 32-bit build does not load a 64-bit stream, nor
/// the reverse).
#[test]
fn a_cpu_section_of_the_other_word_size_is_refused() {
    for (name, from, to) in [
        (
            "ppc64-mac99-7400-prelaunch",
            r#""name": "env.gpr", "array_len": 32, "type": "uint64", "size": 8"#,
            r#""name": "env.gpr", "array_len": 32, "type": "uint64", "size": 4"#,
        ),
        (
            "ppc32-mac99-prelaunch",
            r#""name": "env.gpr", "array_len": 32, "type": "uint32", "size": 4"#,
            r#""name": "env.gpr", "array_len": 32, "type": "uint32", "size": 8"#,
        ),
    ] {
        let data = input::read_stream(&data_dir().join(format!("streams/{name}.mig.gz"))).unwrap();
        let (json, at) = vmstate::stream::find_trailer(&data).unwrap();
        assert!(json.contains(from), "{name}");
        let swapped = json.replacen(from, to, 1);
        let mut other = data[..at].to_vec();
        // The trailer record: 0x06, be32 length, the JSON.
        other.push(6);
        other.extend_from_slice(&(swapped.len() as u32).to_be_bytes());
        other.extend_from_slice(swapped.as_bytes());
        let err = ppc_vm::inspect::inspect(&other, true)
            .unwrap_err()
            .to_string();
        assert!(err.contains("cpu"), "{name}: {err}");
    }
}
