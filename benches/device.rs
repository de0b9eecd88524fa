//! Save and load of a device-shaped state (QEMU's 16550 `serial` with its subsections
//! and a queue of pending events: a few scalars, eight small subsections, a QTAILQ of
//! 16 elements, about 200 bytes), beside a hand-written saver and loader of the same
//! bytes (byteorder), in one run.
//!
//! Run: `cargo bench --bench device`.

use std::hint::black_box;

use byteorder::{BigEndian, ByteOrder};
use criterion::{criterion_group, criterion_main, Criterion};
use vmstate::{Context, QTailQ, VmState};

macro_rules! sub {
    ($ty:ident, $name:literal, $($f:ident: $t:ty),*) => {
        #[derive(Clone, Debug, Default, PartialEq, VmState)]
        #[vmstate(name = $name, version = 1)]
        struct $ty { $($f: $t),* }
    };
}

sub!(Lsr, "serial/thr_ipending", thr_ipending: i32);
sub!(Tsr, "serial/tsr", tsr: u8, tsr_retry: u8);
sub!(Recv, "serial/recv_fifo", fifo: [u8; 16], head: u32, num: u32);
sub!(Xmit, "serial/xmit_fifo", fifo: [u8; 16], head: u32, num: u32);
sub!(Fcr, "serial/fifo_timeout_timer", timeout: i64);
sub!(Level, "serial/recv_fifo_itl", itl: u8);
sub!(Poll, "serial/poll_msl", poll_msl: i32, timer: i64);
sub!(Ext, "serial/ext", mcr_ext: u16);

#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "event", version = 1)]
struct Event {
    summary: u32,
    extended: u32,
}

#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "serial", version = 3, minimum_version = 2)]
struct Serial {
    divider: u16,
    rbr: u8,
    ier: u8,
    iir: u8,
    lcr: u8,
    mcr: u8,
    lsr: u8,
    msr: u8,
    scr: u8,
    fcr: u8,
    events: QTailQ<Event, 64>,
    #[vmstate(subsection(name = "serial/thr_ipending", needed = Serial::yes))]
    s1: Lsr,
    #[vmstate(subsection(name = "serial/tsr", needed = Serial::yes))]
    s2: Tsr,
    #[vmstate(subsection(name = "serial/recv_fifo", needed = Serial::yes))]
    s3: Recv,
    #[vmstate(subsection(name = "serial/xmit_fifo", needed = Serial::yes))]
    s4: Xmit,
    #[vmstate(subsection(name = "serial/fifo_timeout_timer", needed = Serial::yes))]
    s5: Fcr,
    #[vmstate(subsection(name = "serial/recv_fifo_itl", needed = Serial::yes))]
    s6: Level,
    #[vmstate(subsection(name = "serial/poll_msl", needed = Serial::yes))]
    s7: Poll,
    #[vmstate(subsection(name = "serial/ext", needed = Serial::yes))]
    s8: Ext,
}

impl Serial {
    fn yes(&self, _cx: &Context) -> bool {
        true
    }
}

fn sample() -> Serial {
    let mut s = Serial {
        divider: 12,
        lsr: 0x60,
        ..Serial::default()
    };
    for i in 0..16 {
        s.events.push(Event {
            summary: i,
            extended: i * 3,
        });
    }
    s.s3.fifo = [7; 16];
    s.s3.num = 3;
    s.s7.timer = 123_456;
    s
}

fn sub_header(out: &mut Vec<u8>, name: &str) {
    out.push(5);
    out.push(name.len() as u8);
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(&1u32.to_be_bytes());
}

/// The same bytes, written by hand.
fn hand_save(s: &Serial, out: &mut Vec<u8>) {
    let mut b2 = [0u8; 2];
    BigEndian::write_u16(&mut b2, s.divider);
    out.extend_from_slice(&b2);
    out.extend_from_slice(&[
        s.rbr, s.ier, s.iir, s.lcr, s.mcr, s.lsr, s.msr, s.scr, s.fcr,
    ]);
    let mut b4 = [0u8; 4];
    for e in s.events.iter() {
        out.push(1);
        BigEndian::write_u32(&mut b4, e.summary);
        out.extend_from_slice(&b4);
        BigEndian::write_u32(&mut b4, e.extended);
        out.extend_from_slice(&b4);
    }
    out.push(0);
    let mut b8 = [0u8; 8];
    sub_header(out, "serial/thr_ipending");
    BigEndian::write_i32(&mut b4, s.s1.thr_ipending);
    out.extend_from_slice(&b4);
    sub_header(out, "serial/tsr");
    out.extend_from_slice(&[s.s2.tsr, s.s2.tsr_retry]);
    for (name, f) in [
        ("serial/recv_fifo", &s.s3),
        (
            "serial/xmit_fifo",
            &Recv {
                fifo: s.s4.fifo,
                head: s.s4.head,
                num: s.s4.num,
            },
        ),
    ] {
        sub_header(out, name);
        out.extend_from_slice(&f.fifo);
        BigEndian::write_u32(&mut b4, f.head);
        out.extend_from_slice(&b4);
        BigEndian::write_u32(&mut b4, f.num);
        out.extend_from_slice(&b4);
    }
    sub_header(out, "serial/fifo_timeout_timer");
    BigEndian::write_i64(&mut b8, s.s5.timeout);
    out.extend_from_slice(&b8);
    sub_header(out, "serial/recv_fifo_itl");
    out.push(s.s6.itl);
    sub_header(out, "serial/poll_msl");
    BigEndian::write_i32(&mut b4, s.s7.poll_msl);
    out.extend_from_slice(&b4);
    BigEndian::write_i64(&mut b8, s.s7.timer);
    out.extend_from_slice(&b8);
    sub_header(out, "serial/ext");
    BigEndian::write_u16(&mut b2, s.s8.mcr_ext);
    out.extend_from_slice(&b2);
}

/// The hand-written loader: fields in order, subsections by name, bounds checked.
fn hand_load(s: &mut Serial, mut b: &[u8]) -> Option<()> {
    fn take<'a>(b: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
        if b.len() < n {
            return None;
        }
        let (h, t) = b.split_at(n);
        *b = t;
        Some(h)
    }
    s.divider = BigEndian::read_u16(take(&mut b, 2)?);
    let r = take(&mut b, 9)?;
    (
        s.rbr, s.ier, s.iir, s.lcr, s.mcr, s.lsr, s.msr, s.scr, s.fcr,
    ) = (r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8]);
    let mut events = Vec::new();
    loop {
        match take(&mut b, 1)?[0] {
            0 => break,
            1 if events.len() < 64 => {
                let e = take(&mut b, 8)?;
                events.push(Event {
                    summary: BigEndian::read_u32(&e[..4]),
                    extended: BigEndian::read_u32(&e[4..]),
                });
            }
            _ => return None,
        }
    }
    s.events.0 = events;
    while let Some(&5) = b.first() {
        let n = usize::from(*b.get(1)?);
        take(&mut b, 2)?;
        let name = take(&mut b, n)?;
        take(&mut b, 4)?;
        match name {
            b"serial/thr_ipending" => s.s1.thr_ipending = BigEndian::read_i32(take(&mut b, 4)?),
            b"serial/tsr" => {
                let t = take(&mut b, 2)?;
                (s.s2.tsr, s.s2.tsr_retry) = (t[0], t[1]);
            }
            b"serial/recv_fifo" | b"serial/xmit_fifo" => {
                let f = take(&mut b, 24)?;
                let (fifo, head, num) = (
                    f[..16].try_into().ok()?,
                    BigEndian::read_u32(&f[16..20]),
                    BigEndian::read_u32(&f[20..]),
                );
                if name == b"serial/recv_fifo" {
                    s.s3 = Recv { fifo, head, num };
                } else {
                    s.s4 = Xmit { fifo, head, num };
                }
            }
            b"serial/fifo_timeout_timer" => s.s5.timeout = BigEndian::read_i64(take(&mut b, 8)?),
            b"serial/recv_fifo_itl" => s.s6.itl = take(&mut b, 1)?[0],
            b"serial/poll_msl" => {
                let t = take(&mut b, 12)?;
                s.s7.poll_msl = BigEndian::read_i32(&t[..4]);
                s.s7.timer = BigEndian::read_i64(&t[4..]);
            }
            b"serial/ext" => s.s8.mcr_ext = BigEndian::read_u16(take(&mut b, 2)?),
            _ => return None,
        }
    }
    Some(())
}

fn bench(c: &mut Criterion) {
    let cx = Context::default();
    let mut s = sample();
    let mut bytes = Vec::new();
    s.save(&mut bytes, &cx).unwrap();
    let mut hand = Vec::new();
    hand_save(&s, &mut hand);
    assert_eq!(bytes, hand, "the hand-written saver writes the same bytes");
    let mut back = Serial::default();
    hand_load(&mut back, &bytes).unwrap();
    assert_eq!(back, s);

    let mut g = c.benchmark_group("device_save");
    let mut out = Vec::with_capacity(bytes.len());
    g.bench_function("vmstate", |b| {
        b.iter(|| {
            out.clear();
            black_box(&mut s).save(&mut out, &cx).unwrap();
            black_box(&out);
        })
    });
    g.bench_function("hand_written", |b| {
        b.iter(|| {
            out.clear();
            hand_save(black_box(&s), &mut out);
            black_box(&out);
        })
    });
    g.finish();
    let mut g = c.benchmark_group("device_load");
    let mut dst = Serial::default();
    g.bench_function("vmstate", |b| {
        b.iter(|| dst.load(black_box(&bytes), 3, &cx).unwrap())
    });
    g.bench_function("vmstate_in_place", |b| {
        b.iter(|| dst.load_in_place(black_box(&bytes), 3, &cx).unwrap())
    });
    g.bench_function("hand_written", |b| {
        b.iter(|| hand_load(&mut dst, black_box(&bytes)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
