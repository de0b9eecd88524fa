//! Guest MIPS on the reference speed programs (bin/loop.elf, bin/memloop.elf: about 1e9
//! instructions each), beside `qemu-ppc64 -cpu power9` (JIT) and `qemu-ppc64
//! -singlestep` on the same binaries when qemu-ppc64 is installed, in one run.
//!
//! Run: `cargo bench -p ppc-target --bench interp` (a few minutes).

#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::io::Read;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ppc_target::interp::{Guest, Stop};
use ppc_target::models::CpuModel;

fn program(name: &str) -> (Vec<u8>, PathBuf) {
    let gz = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../tests/data/ppc-programs/bin/{name}.elf.gz"));
    let mut elf = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(gz).unwrap())
        .read_to_end(&mut elf)
        .unwrap();
    let path = std::env::temp_dir().join(format!("bench-{name}.elf"));
    std::fs::write(&path, &elf).unwrap();
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    (elf, path)
}

fn qemu() -> bool {
    Command::new("qemu-ppc64")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn bench(c: &mut Criterion) {
    for (name, instructions) in [("loop", 1_000_000_011u64), ("memloop", 1_000_000_021)] {
        let (elf, path) = program(name);
        let mut g = c.benchmark_group(name);
        g.sample_size(10)
            .measurement_time(Duration::from_secs(20))
            .throughput(Throughput::Elements(instructions));
        g.bench_function("ppc-target", |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let mut guest = Guest::load_elf(&elf, CpuModel::power9(), name).unwrap();
                    let t = Instant::now();
                    let stop = guest.run(u64::MAX);
                    total += t.elapsed();
                    assert!(matches!(stop, Stop::Exit(_)));
                    assert_eq!(guest.steps, instructions);
                }
                total
            })
        });
        if qemu() {
            for (label, args) in [
                ("qemu-jit", vec!["-cpu", "power9"]),
                ("qemu-singlestep", vec!["-cpu", "power9", "-singlestep"]),
            ] {
                g.bench_function(label, |b| {
                    b.iter_custom(|iters| {
                        let t = Instant::now();
                        for _ in 0..iters {
                            let st = Command::new("qemu-ppc64")
                                .args(&args)
                                .arg(&path)
                                .status()
                                .unwrap();
                            assert!(st.code().is_some());
                        }
                        t.elapsed()
                    })
                });
            }
        } else {
            eprintln!("qemu-ppc64 not installed: only ppc-target measured");
        }
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
