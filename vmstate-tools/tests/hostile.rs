//! Broken streams give one clear error naming the offset (and the section and field
//! where there is one), through the library and through the `vmstate` command (exit 2).

use std::path::PathBuf;
use std::process::Command;

use vmstate_tools::{analyze, input};

fn fixture() -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data/qemu-7.2/streams/p9-prelaunch.mig.gz");
    input::read_stream(&p).unwrap()
}

/// Offsets of every top-level record (the last one is EOF) of a valid stream.
fn boundaries(data: &[u8]) -> Vec<usize> {
    let (_, layout) = analyze::analyze_with_layout(data, Default::default()).unwrap();
    layout.into_iter().map(|o| o as usize).collect()
}

#[track_caller]
fn err(data: &[u8]) -> String {
    match analyze::analyze(data, Default::default()) {
        Ok(_) => panic!("the broken stream was accepted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn truncation_at_every_record_boundary() {
    let data = fixture();
    let cuts = boundaries(&data);
    assert!(cuts.len() > 15, "{} boundaries", cuts.len());
    for &b in &cuts {
        let e = err(&data[..b]);
        assert!(e.contains("at byte"), "cut at {b}: {e}");
        assert!(!e.contains('\n'), "one line: {e}");
    }
}

#[test]
fn wrong_magic_unknown_section_bad_footer_corrupt_trailer() {
    let data = fixture();
    let mut bad = data.clone();
    bad[0] = b'X';
    assert_eq!(
        err(&bad),
        "at byte 0: not a QEMU migration stream: magic 0x5845564d, expected 0x5145564d (\"QEVM\")"
    );

    // Rename the timer section: it has no description any more.
    let at = data.windows(6).position(|w| w == b"\x05timer").unwrap();
    let mut bad = data.clone();
    bad[at + 1..at + 6].copy_from_slice(b"tizer");
    let e = err(&bad);
    assert_eq!(
        e,
        format!(
            "tizer (instance 0): at byte {}: section has no entry in the stream's JSON description",
            at - 5
        )
    );

    // An unknown record type byte where a record starts.
    let b = boundaries(&data)[5];
    let mut bad = data.clone();
    bad[b] = 0x42;
    assert_eq!(err(&bad), format!("at byte {b}: unknown section type 0x42"));

    // A footer naming another section.
    assert_eq!(data[b - 5], 0x7e, "a footer ends at {b}");
    let mut bad = data.clone();
    bad[b - 1] ^= 0x40;
    let e = err(&bad);
    assert!(e.contains("section footer names section"), "{e}");

    // A corrupt JSON trailer.
    let (_, t) = vmstate::stream::find_trailer(&data).unwrap();
    let mut bad = data.clone();
    bad[t + 5 + 1] = b'!';
    let e = err(&bad);
    assert!(
        e.starts_with(&format!("at byte {}: JSON description:", t + 5)),
        "{e}"
    );
}

#[test]
fn the_command_exits_2_with_one_line() {
    let dir = std::env::temp_dir().join(format!("vmstate-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("truncated.mig");
    let data = fixture();
    std::fs::write(&file, &data[..data.len() / 2]).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_vmstate"))
        .arg("analyze")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("vmstate: ") && stderr.contains("at byte"),
        "{stderr}"
    );

    let out = Command::new(env!("CARGO_BIN_EXE_vmstate"))
        .args(["analyze", "--format", "yaml", "x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(env!("CARGO_BIN_EXE_vmstate"))
        .args(["analyze", "/nonexistent/file"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));

    let good = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data/qemu-7.2/streams/p7-prelaunch.mig.gz");
    let out = Command::new(env!("CARGO_BIN_EXE_vmstate"))
        .arg("analyze")
        .arg(&good)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("{\n    \"ram (2)\": {\n        \"section sizes\": {"),
        "QEMU's 4-space layout"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
