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
fn every_64_bit_fixture_stream_round_trips_and_matches_the_oracle() {
    let mut checked = 0;
    for entry in std::fs::read_dir(data_dir().join("streams")).unwrap() {
        let file = entry.unwrap().file_name().into_string().unwrap();
        let name = file.strip_suffix(".mig.gz").unwrap();
        let data = input::read_stream(&data_dir().join("streams").join(&file)).unwrap();
        let result = ppc_vm::inspect::inspect(&data, true);
        if name.starts_with("ppc32-") {
            let err = result.unwrap_err().to_string();
            assert!(err.contains("32-bit"), "{name}: {err}");
            continue;
        }
        let ours = result.unwrap_or_else(|e| panic!("{name}: {e}"));
        let raw =
            std::fs::read(data_dir().join(format!("oracle/{name}.cpu.state.json.gz"))).unwrap();
        let theirs: Value = serde_json::from_slice(&input::decompress(raw).unwrap()).unwrap();
        assert_eq!(ours, theirs, "{name}");
        checked += 1;
    }
    assert_eq!(checked, 15);
}
