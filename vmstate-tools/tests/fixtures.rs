//! `analyze` on every real QEMU 7.2 stream of the fixture set equals the output of QEMU's
//! own analyzer (parsed JSON compared), and `--desc` equals its `-d desc`.

use std::path::PathBuf;

use serde_json::Value;
use vmstate_tools::{analyze, input};

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/data/qemu-7.2")
}

fn streams() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(data_dir().join("streams"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter_map(|n| n.strip_suffix(".mig.gz").map(str::to_owned))
        .collect();
    names.sort();
    assert_eq!(names.len(), 17, "the fixture set has 17 streams");
    names
}

fn oracle(name: &str, kind: &str) -> Value {
    let raw = std::fs::read(data_dir().join(format!("oracle/{name}.{kind}.json.gz"))).unwrap();
    serde_json::from_slice(&input::decompress(raw).unwrap()).unwrap()
}

#[test]
fn analyze_matches_qemus_analyzer_on_every_fixture_stream() {
    for name in streams() {
        let data = input::read_stream(&data_dir().join(format!("streams/{name}.mig.gz"))).unwrap();
        let ours =
            analyze::analyze(&data, Default::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let theirs = oracle(&name, "state");
        if ours != theirs {
            let (o, t) = (ours.as_object().unwrap(), theirs.as_object().unwrap());
            for (k, v) in t {
                assert_eq!(o.get(k), Some(v), "{name}: section {k} differs");
            }
            panic!(
                "{name}: extra sections {:?}",
                o.keys().filter(|k| !t.contains_key(*k)).collect::<Vec<_>>()
            );
        }
    }
}

#[test]
fn desc_matches_qemus_analyzer() {
    for name in streams() {
        let data = input::read_stream(&data_dir().join(format!("streams/{name}.mig.gz"))).unwrap();
        assert_eq!(
            analyze::description(&data).unwrap(),
            oracle(&name, "desc"),
            "{name}"
        );
    }
}
