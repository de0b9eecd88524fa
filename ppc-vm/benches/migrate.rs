//! Live migration of a guest with 64 MiB of RAM over loopback TCP, beside a plain TCP
//! copy of the same bytes and the guest running alone, in one run:
//! - `tcp-copy`: 64 MiB written to a socket and read into a buffer (the ceiling);
//! - `migrate`: the whole migration (criterion's measure), with the guest running
//!   during pre-copy; printed: the median true downtime (source stop to destination
//!   resume, one clock), the first round's rate (every page, until the destination had
//!   loaded it) against `tcp-copy`, and the guest's speed during pre-copy against
//!   `guest-alone`;
//! - `guest-alone`: the same guest, not migrating (instructions per second).
//!
//! The guest fills its 64 MiB, then forever writes one page of a 16-page working set
//! and computes ~4,000 instructions, so pre-copy converges.
//!
//! Run: `cargo bench -p ppc-vm --bench migrate`.

#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ppc_target::asm::{elf_exec, Asm, DATA_BASE};
use ppc_target::compat::MachineType;
use ppc_target::interp::{Guest, Stop};
use ppc_target::models::CpuModel;
use ppc_vm::live::{migrate_out, receive, DestOptions, Incoming, Outcome, Report, SourceOptions};
use ppc_vm::migration::Receiver;

const RAM: u64 = 64 << 20;
const WORKING_SET_PAGES: i16 = 16;
const ALONE_STEPS: u64 = 20_000_000;

fn guest() -> Guest {
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
    // page = (i * 4099) % WORKING_SET_PAGES -> address base + page * 4096
    a.li(7, 4099)
        .mulld(8, i, 7)
        .li(7, WORKING_SET_PAGES - 1)
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
    g
}

fn tcp_copy(bytes: &[u8]) -> Duration {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let len = bytes.len();
    let reader = std::thread::spawn(move || {
        let (mut c, _) = listener.accept().unwrap();
        let mut into = vec![0u8; len];
        let mut off = 0;
        while off < len {
            let n = c.read(&mut into[off..(off + (1 << 18)).min(len)]).unwrap();
            assert!(n > 0);
            off += n;
        }
        into[len - 1]
    });
    let t = Instant::now();
    let mut c = TcpStream::connect(addr).unwrap();
    for chunk in bytes.chunks(1 << 20) {
        c.write_all(chunk).unwrap();
    }
    reader.join().unwrap();
    t.elapsed()
}

fn migrate(template: &Guest) -> (Report, Duration) {
    let machine = MachineType::latest();
    let mut g = template.clone();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let dst = std::thread::spawn(move || {
        let (conn, _) = listener.accept().unwrap();
        let rx = Receiver::new(machine, CpuModel::power9(), None);
        match receive(rx, conn, &DestOptions::default(), &mut |_| {}) {
            Incoming::Resumed(g, _) => g.steps,
            other => panic!("{other:?}"),
        }
    });
    let t = Instant::now();
    let conn = TcpStream::connect(addr).unwrap();
    let mut printed = 0;
    let outcome = migrate_out(
        &mut g,
        machine,
        conn,
        &SourceOptions::default(),
        &mut printed,
        &mut std::io::sink(),
        &mut |_| {},
    );
    let total = t.elapsed();
    dst.join().unwrap();
    match outcome {
        Outcome::Migrated(r) => (r, total),
        other => panic!("{other:?}"),
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn bench(c: &mut Criterion) {
    let template = guest();
    let ram: Vec<u8> = (0..RAM).map(|i| ((i * 2_654_435_761) >> 7) as u8).collect();
    let mut copies = Vec::new();
    let mut reports = Vec::new();
    let mut alone = Vec::new();
    let mut group = c.benchmark_group("live-migration-64MiB");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20))
        .throughput(Throughput::Bytes(RAM));
    group.bench_function("tcp-copy", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    let d = tcp_copy(&ram);
                    copies.push(RAM as f64 / d.as_secs_f64());
                    d
                })
                .sum()
        })
    });
    group.bench_function("migrate", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    let (r, d) = migrate(&template);
                    reports.push(r);
                    d
                })
                .sum()
        })
    });
    group.bench_function("guest-alone", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    let mut g = template.clone();
                    let t = Instant::now();
                    g.run(ALONE_STEPS);
                    let d = t.elapsed();
                    alone.push(ALONE_STEPS as f64 / d.as_secs_f64());
                    d
                })
                .sum()
        })
    });
    group.finish();

    let copy = median(copies);
    let downtime = median(
        reports
            .iter()
            .map(|r| r.downtime.expect("one host").as_secs_f64() * 1e6)
            .collect(),
    );
    let rate = median(
        reports
            .iter()
            .map(|r| r.first_round.0 as f64 / r.first_round.1.as_secs_f64())
            .collect(),
    );
    let during = median(
        reports
            .iter()
            .map(|r| r.precopy_steps as f64 / r.precopy.as_secs_f64())
            .collect(),
    );
    let alone = median(alone);
    let rounds = median(reports.iter().map(|r| f64::from(r.stats.rounds)).collect());
    eprintln!(
        "64 MiB guest, {} migrations: median true downtime {downtime:.0} µs; {rounds} rounds",
        reports.len()
    );
    eprintln!(
        "first round {:.2} GB/s vs plain TCP copy {:.2} GB/s: {:.2}x",
        rate / 1e9,
        copy / 1e9,
        rate / copy
    );
    eprintln!(
        "guest during pre-copy {:.0} MIPS vs alone {:.0} MIPS: {:.2}x",
        during / 1e6,
        alone / 1e6,
        during / alone
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
