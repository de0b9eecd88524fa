//! Live migration of a guest with 64 MiB of RAM that keeps dirtying pages, over loopback
//! TCP: total migration time (criterion's measure) and downtime (printed: from stopping
//! the guest on the source to the destination's "resumed" answer).
//!
//! Run: `cargo bench -p ppc-vm --bench migrate`.

#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ppc_target::asm::{elf_exec, Asm, DATA_BASE};
use ppc_target::compat::MachineType;
use ppc_target::interp::{Guest, Stop};
use ppc_target::models::CpuModel;
use ppc_vm::live::{migrate_in, migrate_out, Outcome, SourceOptions};
use ppc_vm::migration::Receiver;

const RAM: u64 = 64 << 20;
const PAGES: u64 = RAM / 4096;

/// Fills 64 MiB with non-zero data, then forever: writes one page of a 4 MiB working set
/// and spins ~4,000 instructions.
fn guest() -> (Guest, u64) {
    let mut a = Asm::new();
    let (base, i, x, n, spin) = (20, 21, 22, 23, 24);
    a.li64(base, DATA_BASE + 0x1000)
        .li(i, 0)
        .li64(x, 0x9E37_79B9_7F4A_7C15)
        .li64(n, RAM / 8);
    let fill = a.label();
    a.bind(fill);
    a.sldi(6, i, 3)
        .stdx(x, base, 6)
        .addi(i, i, 1)
        .cmpd(i, n)
        .blt(fill);
    let fill_steps = 5 + 5 + 5 + (RAM / 8) * 5;
    let outer = a.label();
    let inner = a.label();
    a.li(i, 0);
    a.bind(outer);
    // page = (i * 4099) % 1024 -> address base + page * 4096
    a.li(7, 4099)
        .mulld(8, i, 7)
        .li(7, 1023)
        .and(8, 8, 7)
        .sldi(8, 8, 12)
        .stdx(x, base, 8)
        .addi(i, i, 1);
    a.li(spin, 1000).mtctr(spin);
    a.bind(inner);
    a.add(x, x, i).rotldi(x, x, 1).bdnz(inner);
    a.b(outer);
    let elf = elf_exec(&a.finish(), &[], RAM + 0x2000);
    let mut g = Guest::load_elf(&elf, CpuModel::power9(), "dirty").unwrap();
    assert_eq!(g.run(fill_steps), Stop::StepLimit);
    (g, fill_steps)
}

fn bench(c: &mut Criterion) {
    let machine = MachineType::latest();
    let (template, _) = guest();
    let mut downtimes = Vec::new();
    let mut group = c.benchmark_group("live-migration-64MiB");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(30))
        .throughput(Throughput::Bytes(RAM));
    group.bench_function("loopback", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let mut g = template.clone();
                let listener = TcpListener::bind("127.0.0.1:0").unwrap();
                let addr = listener.local_addr().unwrap();
                let dst = std::thread::spawn(move || {
                    let (conn, _) = listener.accept().unwrap();
                    conn.set_nodelay(true).unwrap();
                    migrate_in(Receiver::new(machine, CpuModel::power9(), None), conn)
                        .map(|(_, a)| a)
                });
                let conn = TcpStream::connect(addr).unwrap();
                conn.set_nodelay(true).unwrap();
                let t = Instant::now();
                let mut printed = 0;
                let outcome = migrate_out(
                    &mut g,
                    machine,
                    conn,
                    SourceOptions::default(),
                    &mut printed,
                    &mut std::io::sink(),
                    &mut |_| {},
                );
                total += t.elapsed();
                let arrival = dst.join().unwrap().unwrap();
                match outcome {
                    Outcome::Migrated {
                        downtime, stats, ..
                    } => downtimes.push((
                        downtime,
                        arrival.downtime,
                        stats.rounds,
                        stats.pages,
                        stats.bytes,
                    )),
                    other => panic!("{other:?}"),
                }
            }
            total
        })
    });
    group.finish();
    downtimes.sort();
    if let Some(&(median, dst, rounds, pages, bytes)) = downtimes.get(downtimes.len() / 2) {
        eprintln!(
            "64 MiB guest ({PAGES} pages): median downtime {:.0} µs (source stop to resumed answer; destination end-of-RAM to resume {:.0} µs), {rounds} rounds, {pages} pages, {bytes} bytes",
            median.as_secs_f64() * 1e6,
            dst.as_secs_f64() * 1e6
        );
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
