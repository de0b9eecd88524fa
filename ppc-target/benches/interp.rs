//! Guest MIPS on the reference speed programs (bin/loop.elf, bin/memloop.elf: about 1e9
//! instructions each), beside `qemu-ppc64 -cpu power9` (JIT) and `qemu-ppc64
//! -singlestep` on the same binaries when qemu-ppc64 is installed, in one run.
//!
//! The `c_work` and `c_work_le` groups run a gcc-built glibc program (about 8e6
//! instructions), big- and little-endian builds, whole, the same way.
//!
//! The `system` group runs one loop (about 4e8 instructions) three ways: as a Linux
//! user-mode program, as a pseries guest in system mode (`Guest::boot_pseries`), and
//! under `qemu-system-ppc64 -M pseries,x-vof=on` TCG (the whole process; its start-up
//! and power-off take about 0.1 s of it) when installed.
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
    program_in("ppc-programs", name)
}

fn program_in(dir: &str, name: &str) -> (Vec<u8>, PathBuf) {
    let gz = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../tests/data/{dir}/bin/{name}.elf.gz"));
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
    installed("qemu-ppc64")
}

fn installed(qemu: &str) -> bool {
    Command::new(qemu)
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

/// The loop of the `system` group: `ITERS` passes of five instructions.
const ITERS: u64 = 80_000_000;

/// The loop's code after a prologue: `user` exits through Linux, otherwise the guest
/// turns on 64-bit mode first and powers off through RTAS at the end.
fn looping(user: bool) -> Vec<u8> {
    use ppc_target::asm::{elf_exec, Asm};
    let mut a = Asm::new();
    if !user {
        a.li(4, 1).sldi(4, 4, 63).word(0x7c80_0164); // mtmsrd r4
    }
    a.li64(5, ITERS).mtctr(5).li(3, 0).li(6, 7);
    let top = a.label();
    a.bind(top);
    a.addi(3, 3, 1)
        .xor(6, 6, 3)
        .mulld(7, 6, 3)
        .add(8, 8, 7)
        .bdnz(top);
    if user {
        a.li(0, 1).li(3, 0).sc();
    } else {
        // RTAS power-off: the argument block at 0x1000 (token, 2 args, 1 result).
        a.li(9, 0x1000).li(3, 0x2003).word(0x9069_0000); // stw r3,0(r9)
        a.li(3, 2).word(0x9069_0004).li(3, 1).word(0x9069_0008);
        a.li(3, 0)
            .word(0x9069_000c)
            .word(0x9069_0010)
            .word(0x9069_0014);
        a.li(3, 0).word(0x6063_f000).mr(4, 9).word(0x4400_0022); // ori r3,r3,0xf000; sc 1
    }
    elf_exec(&a.finish(), &[], 0)
}

fn system(c: &mut Criterion) {
    let mut g = c.benchmark_group("system");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(20))
        .throughput(Throughput::Elements(5 * ITERS));
    let user = looping(true);
    let sys = looping(false);
    g.bench_function("ppc-target-user", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let mut guest = Guest::load_elf(&user, CpuModel::power9(), "loop").unwrap();
                let t = Instant::now();
                assert!(matches!(guest.run(u64::MAX), Stop::Exit(_)));
                total += t.elapsed();
            }
            total
        })
    });
    g.bench_function("ppc-target-system", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let mut guest = Guest::boot_pseries(&sys, CpuModel::power9(), 256 << 20).unwrap();
                let t = Instant::now();
                assert_eq!(guest.run(u64::MAX), Stop::PowerOff);
                total += t.elapsed();
            }
            total
        })
    });
    let have = Command::new("qemu-system-ppc64")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if have {
        let path = std::env::temp_dir().join("bench-system-loop.elf");
        std::fs::write(&path, &sys).unwrap();
        g.bench_function("qemu-system-tcg", |b| {
            b.iter_custom(|iters| {
                let t = Instant::now();
                for _ in 0..iters {
                    let st = Command::new("qemu-system-ppc64")
                        .args(["-M", "pseries-7.2,x-vof=on", "-cpu", "POWER9", "-m", "256"])
                        .args(["-nographic", "-nodefaults", "-kernel"])
                        .arg(&path)
                        .stderr(std::process::Stdio::null())
                        .status()
                        .unwrap();
                    assert!(st.success());
                }
                t.elapsed()
            })
        });
    } else {
        eprintln!("qemu-system-ppc64 not installed: only ppc-target measured");
    }
    g.finish();
}

/// A gcc-built static glibc program (`tests/data/c-programs/src/work.c`: a sieve, qsort
/// of strings, floating-point sums), whole runs, beside qemu-user in one run: the
/// big-endian build (`c_work`, qemu-ppc64) and the little-endian one (`c_work_le`,
/// qemu-ppc64le).
fn c_program(c: &mut Criterion) {
    for (name, qemu, group) in [
        ("work", "qemu-ppc64", "c_work"),
        ("work-le", "qemu-ppc64le", "c_work_le"),
    ] {
        let (elf, path) = program_in("c-programs", name);
        let steps = {
            let mut g = Guest::load_elf(&elf, CpuModel::power9(), "work").unwrap();
            assert!(matches!(g.run(u64::MAX), Stop::Exit(_)));
            g.steps
        };
        let mut g = c.benchmark_group(group);
        g.sample_size(10)
            .measurement_time(Duration::from_secs(10))
            .throughput(Throughput::Elements(steps));
        g.bench_function("ppc-target", |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let mut guest = Guest::load_elf(&elf, CpuModel::power9(), "work").unwrap();
                    let t = Instant::now();
                    assert!(matches!(guest.run(u64::MAX), Stop::Exit(_)));
                    total += t.elapsed();
                }
                total
            })
        });
        if installed(qemu) {
            for (label, args) in [
                ("qemu-jit", vec!["-cpu", "power9"]),
                ("qemu-singlestep", vec!["-cpu", "power9", "-singlestep"]),
            ] {
                g.bench_function(label, |b| {
                    b.iter_custom(|iters| {
                        let t = Instant::now();
                        for _ in 0..iters {
                            let out = Command::new(qemu).args(&args).arg(&path).output().unwrap();
                            assert!(out.status.code().is_some());
                        }
                        t.elapsed()
                    })
                });
            }
        }
        g.finish();
    }
}

criterion_group!(benches, bench, system, c_program);
criterion_main!(benches);
