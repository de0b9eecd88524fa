//! Helpers shared by ppc-vm's integration tests.
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The `ppc-vm` binary under test.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ppc-vm"))
}

/// Unpacks the gzipped fixture `tests/data/<rel>/<name>.elf.gz` into `dir` (executable).
pub fn unpack(rel: &str, name: &str, dir: &Path) -> PathBuf {
    let gz = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../tests/data/{rel}/{name}.elf.gz"));
    let mut elf = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(gz).unwrap())
        .read_to_end(&mut elf)
        .unwrap();
    let p = dir.join(format!("{name}.elf"));
    std::fs::write(&p, elf).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    p
}
/// The gzipped fixture `tests/data/<rel>`, unpacked.
pub fn gunzip(rel: &str) -> Vec<u8> {
    let gz = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../tests/data/{rel}"));
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(gz).unwrap())
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// Panics, naming the first differing byte with text around it, unless a rewritten
/// stream `out` equals QEMU's `data`.
pub fn assert_same_stream(what: &str, out: &[u8], data: &[u8]) {
    if out == data {
        return;
    }
    let at = out
        .iter()
        .zip(data)
        .position(|(a, b)| a != b)
        .unwrap_or(out.len().min(data.len()));
    let around = |b: &[u8]| {
        String::from_utf8_lossy(&b[at.saturating_sub(60)..(at + 60).min(b.len())]).into_owned()
    };
    panic!(
        "{what}: differs at byte {at} of {} ({} written): {:?} vs {:?}",
        data.len(),
        out.len(),
        around(out),
        around(data),
    );
}

pub mod qemu;
