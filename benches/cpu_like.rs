//! Save and load of a struct shaped like QEMU's ppc64 `cpu` section (scalars, `[u64; 32]`,
//! `[u32; 8]`, `[u64; 1024]`, `[[u64; 2]; 32]`, 64 two-field structs: about 10.6 KB),
//! side by side with hand-written byteorder code, a hand-written bulk `to_be_bytes` loop,
//! bincode 2 (big-endian, fixed-width integers), serde with bincode 1, and a memcpy of the
//! same byte count.
//!
//! Run: `cargo bench --bench cpu_like` (add `RUSTFLAGS="-C target-cpu=x86-64-v3"` for the
//! vectorized comparison).

use std::hint::black_box;

use byteorder::{BigEndian, ByteOrder};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde::{Deserialize, Serialize};
use serde_big_array::BigArray;
use vmstate::{Context, VmState};

#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    VmState,
    Serialize,
    Deserialize,
    bincode::Encode,
    bincode::Decode,
)]
#[vmstate(name = "slbe", version = 1)]
struct Slbe {
    esid: u64,
    vsid: u64,
}

#[derive(
    Clone, Debug, PartialEq, VmState, Serialize, Deserialize, bincode::Encode, bincode::Decode,
)]
#[vmstate(name = "cpu", version = 5, minimum_version = 5)]
struct CpuLike {
    gpr: [u64; 32],
    crf: [u32; 8],
    nip: u64,
    #[serde(with = "BigArray")]
    spr: [u64; 1024],
    spe_acc: u64,
    reserve_addr: u64,
    msr: u64,
    hflags: u64,
    #[serde(with = "BigArray")]
    vsr: [[u64; 2]; 32],
    fpscr: u64,
    #[serde(with = "BigArray")]
    vsrl: [u64; 64],
    #[serde(with = "BigArray")]
    slb: [Slbe; 64],
    vscr: u32,
    compat_pvr: u32,
}

impl CpuLike {
    fn sample() -> Self {
        let mut c = CpuLike {
            gpr: [0; 32],
            crf: [0; 8],
            nip: 0x4006f4,
            spr: [0; 1024],
            spe_acc: 0,
            reserve_addr: u64::MAX,
            msr: 0x8000000002802000,
            hflags: 0,
            vsr: [[0; 2]; 32],
            fpscr: 0x4001,
            vsrl: [0; 64],
            slb: [Slbe::default(); 64],
            vscr: 0x10001,
            compat_pvr: 0x0f000004,
        };
        for (i, g) in c.gpr.iter_mut().enumerate() {
            *g = (0x0101010101010101 * i as u64) ^ 0xA5A5000000005A5A;
        }
        for (i, s) in c.spr.iter_mut().enumerate() {
            *s = (i as u64).wrapping_mul(0x9E3779B97F4A7C15);
        }
        for (i, v) in c.vsr.iter_mut().enumerate() {
            *v = [0x3FF0000000000000 + i as u64, 0xC0DE000000000000 | i as u64];
        }
        for (i, c) in c.crf.iter_mut().enumerate() {
            *c = i as u32 + 1;
        }
        for (i, s) in c.slb.iter_mut().enumerate() {
            *s = Slbe {
                esid: i as u64,
                vsid: !(i as u64),
            };
        }
        c
    }

    fn size() -> usize {
        32 * 8 + 8 * 4 + 8 + 1024 * 8 + 4 * 8 + 32 * 16 + 8 + 64 * 8 + 64 * 16 + 4 + 4
    }
}

/// Hand-written per-field byteorder code into a caller's buffer.
mod per_field {
    use super::*;

    struct Out<'a>(&'a mut [u8], usize);
    impl Out<'_> {
        fn u32(&mut self, v: u32) {
            BigEndian::write_u32(&mut self.0[self.1..], v);
            self.1 += 4;
        }
        fn u64(&mut self, v: u64) {
            BigEndian::write_u64(&mut self.0[self.1..], v);
            self.1 += 8;
        }
    }

    struct In<'a>(&'a [u8], usize);
    impl In<'_> {
        fn u32(&mut self) -> u32 {
            self.1 += 4;
            BigEndian::read_u32(&self.0[self.1 - 4..])
        }
        fn u64(&mut self) -> u64 {
            self.1 += 8;
            BigEndian::read_u64(&self.0[self.1 - 8..])
        }
    }

    pub fn save(c: &CpuLike, b: &mut [u8]) -> usize {
        let mut w = Out(b, 0);
        c.gpr.iter().for_each(|&v| w.u64(v));
        c.crf.iter().for_each(|&v| w.u32(v));
        w.u64(c.nip);
        c.spr.iter().for_each(|&v| w.u64(v));
        for v in [c.spe_acc, c.reserve_addr, c.msr, c.hflags] {
            w.u64(v);
        }
        c.vsr.iter().for_each(|v| {
            w.u64(v[0]);
            w.u64(v[1]);
        });
        w.u64(c.fpscr);
        c.vsrl.iter().for_each(|&v| w.u64(v));
        c.slb.iter().for_each(|s| {
            w.u64(s.esid);
            w.u64(s.vsid);
        });
        w.u32(c.vscr);
        w.u32(c.compat_pvr);
        w.1
    }

    pub fn load(c: &mut CpuLike, b: &[u8]) {
        let mut r = In(b, 0);
        c.gpr.iter_mut().for_each(|v| *v = r.u64());
        c.crf.iter_mut().for_each(|v| *v = r.u32());
        c.nip = r.u64();
        c.spr.iter_mut().for_each(|v| *v = r.u64());
        c.spe_acc = r.u64();
        c.reserve_addr = r.u64();
        c.msr = r.u64();
        c.hflags = r.u64();
        c.vsr.iter_mut().for_each(|v| *v = [r.u64(), r.u64()]);
        c.fpscr = r.u64();
        c.vsrl.iter_mut().for_each(|v| *v = r.u64());
        c.slb.iter_mut().for_each(|s| {
            *s = Slbe {
                esid: r.u64(),
                vsid: r.u64(),
            }
        });
        c.vscr = r.u32();
        c.compat_pvr = r.u32();
    }
}

/// Hand-written bulk `to_be_bytes` / `from_be_bytes` loops into a caller's buffer.
mod bulk {
    use super::*;

    fn put64(b: &mut [u8], o: &mut usize, vs: &[u64]) {
        let dst = &mut b[*o..*o + vs.len() * 8];
        for (d, v) in dst.chunks_exact_mut(8).zip(vs) {
            d.copy_from_slice(&v.to_be_bytes());
        }
        *o += vs.len() * 8;
    }

    fn get64(b: &[u8], o: &mut usize, vs: &mut [u64]) {
        let src = &b[*o..*o + vs.len() * 8];
        for (s, v) in src.chunks_exact(8).zip(vs.iter_mut()) {
            *v = u64::from_be_bytes(s.try_into().unwrap());
        }
        *o += vs.len() * 8;
    }

    pub fn save(c: &CpuLike, b: &mut [u8]) -> usize {
        let mut o = 0;
        put64(b, &mut o, &c.gpr);
        for (d, v) in b[o..o + 32].chunks_exact_mut(4).zip(&c.crf) {
            d.copy_from_slice(&v.to_be_bytes());
        }
        o += 32;
        put64(b, &mut o, &[c.nip]);
        put64(b, &mut o, &c.spr);
        put64(b, &mut o, &[c.spe_acc, c.reserve_addr, c.msr, c.hflags]);
        put64(b, &mut o, c.vsr.as_flattened());
        put64(b, &mut o, &[c.fpscr]);
        put64(b, &mut o, &c.vsrl);
        for s in &c.slb {
            put64(b, &mut o, &[s.esid, s.vsid]);
        }
        b[o..o + 4].copy_from_slice(&c.vscr.to_be_bytes());
        b[o + 4..o + 8].copy_from_slice(&c.compat_pvr.to_be_bytes());
        o + 8
    }

    pub fn load(c: &mut CpuLike, b: &[u8]) {
        let mut o = 0;
        get64(b, &mut o, &mut c.gpr);
        for (s, v) in b[o..o + 32].chunks_exact(4).zip(c.crf.iter_mut()) {
            *v = u32::from_be_bytes(s.try_into().unwrap());
        }
        o += 32;
        let mut one = [0u64; 4];
        get64(b, &mut o, &mut one[..1]);
        c.nip = one[0];
        get64(b, &mut o, &mut c.spr);
        get64(b, &mut o, &mut one);
        [c.spe_acc, c.reserve_addr, c.msr, c.hflags] = one;
        get64(b, &mut o, c.vsr.as_flattened_mut());
        get64(b, &mut o, &mut one[..1]);
        c.fpscr = one[0];
        get64(b, &mut o, &mut c.vsrl);
        for s in &mut c.slb {
            let mut p = [0u64; 2];
            get64(b, &mut o, &mut p);
            [s.esid, s.vsid] = p;
        }
        c.vscr = u32::from_be_bytes(b[o..o + 4].try_into().unwrap());
        c.compat_pvr = u32::from_be_bytes(b[o + 4..o + 8].try_into().unwrap());
    }
}

fn bench(crit: &mut Criterion) {
    let cx = Context::default();
    let mut cpu = CpuLike::sample();
    let size = CpuLike::size();
    let mut wire = Vec::with_capacity(size);
    cpu.save(&mut wire, &cx).unwrap();
    assert_eq!(wire.len(), size);

    // Every alternative produces the same bytes (bincode's, the same count).
    let mut buf = vec![0u8; size];
    assert_eq!(per_field::save(&cpu, &mut buf), size);
    assert_eq!(buf, wire);
    assert_eq!(bulk::save(&cpu, &mut buf), size);
    assert_eq!(buf, wire);
    let bc2 = bincode::config::standard()
        .with_big_endian()
        .with_fixed_int_encoding();
    assert_eq!(
        bincode::encode_into_slice(&cpu, &mut buf, bc2).unwrap(),
        size
    );
    assert_eq!(buf, wire);
    use bincode1::Options;
    let bc1 = bincode1::DefaultOptions::new()
        .with_big_endian()
        .with_fixint_encoding();
    assert_eq!(bc1.serialize(&cpu).unwrap(), wire);

    let mut g = crit.benchmark_group("save");
    g.throughput(Throughput::Bytes(size as u64));
    g.bench_function("vmstate", |b| {
        let mut out = Vec::with_capacity(size);
        b.iter(|| {
            out.clear();
            black_box(&mut cpu).save(&mut out, &cx).unwrap();
            black_box(&out);
        })
    });
    g.bench_function("per_field_byteorder", |b| {
        b.iter(|| black_box(per_field::save(black_box(&cpu), &mut buf)))
    });
    g.bench_function("bulk_to_be_bytes", |b| {
        b.iter(|| black_box(bulk::save(black_box(&cpu), &mut buf)))
    });
    g.bench_function("bincode2", |b| {
        b.iter(|| black_box(bincode::encode_into_slice(black_box(&cpu), &mut buf, bc2).unwrap()))
    });
    g.bench_function("serde_bincode1", |b| {
        let mut out = Vec::with_capacity(size);
        b.iter(|| {
            out.clear();
            bc1.serialize_into(&mut out, black_box(&cpu)).unwrap();
            black_box(&out);
        })
    });
    g.bench_function("memcpy", |b| {
        b.iter(|| {
            buf.copy_from_slice(black_box(&wire));
            black_box(&buf);
        })
    });
    g.finish();

    let mut g = crit.benchmark_group("load");
    g.throughput(Throughput::Bytes(size as u64));
    let mut dst = CpuLike::sample();
    g.bench_function("vmstate", |b| {
        b.iter(|| black_box(&mut dst).load(black_box(&wire), 5, &cx).unwrap())
    });
    g.bench_function("vmstate_in_place", |b| {
        b.iter(|| {
            black_box(&mut dst)
                .load_in_place(black_box(&wire), 5, &cx)
                .unwrap()
        })
    });
    g.bench_function("per_field_byteorder", |b| {
        b.iter(|| per_field::load(black_box(&mut dst), black_box(&wire)))
    });
    g.bench_function("bulk_from_be_bytes", |b| {
        b.iter(|| bulk::load(black_box(&mut dst), black_box(&wire)))
    });
    g.bench_function("bincode2", |b| {
        b.iter(|| {
            let (v, _): (CpuLike, usize) =
                bincode::decode_from_slice(black_box(&wire), bc2).unwrap();
            black_box(v)
        })
    });
    g.bench_function("serde_bincode1", |b| {
        b.iter(|| {
            let v: CpuLike = bc1.deserialize(black_box(&wire)).unwrap();
            black_box(v)
        })
    });
    g.bench_function("memcpy", |b| {
        b.iter(|| {
            buf.copy_from_slice(black_box(&wire));
            black_box(&buf);
        })
    });
    g.finish();
    assert_eq!(dst, cpu);
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
