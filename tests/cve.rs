//! One regression test per loader CVE pattern of QEMU's history (spec §9), rebuilt with the
//! derive on similar structs: each hostile stream is refused at load, naming the field,
//! and the destination is left unchanged.

use vmstate::ram::{self, RamBlock};
use vmstate::wire::{Reader, Writer};
use vmstate::{Context, ErrorKind, VmState};

fn cx() -> Context {
    Context::default()
}

fn be32(v: u32) -> [u8; 4] {
    v.to_be_bytes()
}

/// Loads `input` into a clone of `dst`, expecting a refusal that leaves it unchanged.
#[track_caller]
fn refused<T: VmState + Clone + PartialEq + std::fmt::Debug>(
    dst: &T,
    input: &[u8],
    path: &str,
) -> vmstate::Error {
    let mut d = dst.clone();
    let e = d
        .load(input, T::DESCRIPTION.version, &cx())
        .expect_err("hostile stream accepted");
    assert_eq!(e.path(), path, "{e}");
    assert!(e.offset().is_some(), "{e}");
    assert_eq!(&d, dst, "the destination changed");
    e
}

// CVE-2013-4148 / 4149 / 4150: virtio-net MAC table and queue counts read from the stream.
#[derive(Clone, Debug, PartialEq, VmState)]
#[vmstate(name = "virtio-net", version = 1)]
struct VirtioNet {
    mac_table_len: i32,
    #[vmstate(varray(count = mac_table_len, max = 64))]
    macs: Vec<[u8; 6]>,
    curr_queues: u16,
    #[vmstate(varray(count = curr_queues, max = 8))]
    queues: [u32; 8],
}

fn net() -> VirtioNet {
    VirtioNet {
        mac_table_len: 0,
        macs: Vec::new(),
        curr_queues: 0,
        queues: [0; 8],
    }
}

#[test]
fn cve_2013_4148_negative_signed_count() {
    let input = [be32(0x8000_0000).to_vec(), vec![0; 64]].concat();
    let e = refused(&net(), &input, "virtio-net.macs");
    assert!(matches!(
        e.kind(),
        ErrorKind::OutOfRange {
            value: -2147483648,
            ..
        }
    ));
}

#[test]
fn cve_2013_4149_count_times_size_wraps() {
    // 0x81000000 entries of 6 bytes: the count is refused before any skip or allocation.
    let input = [be32(0x0100_0000).to_vec(), vec![0; 64]].concat();
    refused(&net(), &input, "virtio-net.macs");
}

#[test]
fn cve_2013_4150_queue_count_beyond_the_allocated_maximum() {
    let input = [be32(0).to_vec(), 9u16.to_be_bytes().to_vec(), vec![0; 64]].concat();
    refused(&net(), &input, "virtio-net.queues");
}

// CVE-2013-4151: the number of virtqueues against a fixed-size array. A maximum larger
// than the storage does not compile (tests/ui/fail/varray/max-above-array.rs), so the
// count is checked against the array's own length.
#[derive(Clone, Debug, PartialEq, VmState)]
#[vmstate(name = "virtio", version = 1)]
struct Virtio {
    num_queues: u32,
    #[vmstate(varray(count = num_queues, max = 16))]
    vq: [u64; 16],
}

#[test]
fn cve_2013_4151_count_beyond_the_array() {
    let input = [be32(17).to_vec(), vec![0; 17 * 8]].concat();
    refused(
        &Virtio {
            num_queues: 0,
            vq: [0; 16],
        },
        &input,
        "virtio.vq",
    );
}

// CVE-2013-4526 / CVE-2014-0182: a count or length the destination already knows is
// checked, never trusted.
#[derive(Clone, Debug, PartialEq, VmState)]
#[vmstate(name = "ahci", version = 1)]
struct Ahci {
    #[vmstate(equal)]
    ports: u32,
    #[vmstate(varray(count = ports, max = 32))]
    port_regs: [u32; 32],
    #[vmstate(equal)]
    config_len: u32,
}

#[test]
fn cve_2013_4526_and_2014_0182_equal_counts() {
    let dst = Ahci {
        ports: 6,
        port_regs: [0; 32],
        config_len: 24,
    };
    let input = [be32(32).to_vec(), vec![0; 32 * 4], be32(24).to_vec()].concat();
    let e = refused(&dst, &input, "ahci.ports");
    assert!(matches!(
        e.kind(),
        ErrorKind::NotEqual {
            expected: 6,
            found: 32
        }
    ));
    let input = [be32(6).to_vec(), vec![0; 6 * 4], be32(4096).to_vec()].concat();
    refused(&dst, &input, "ahci.config_len");
}

// CVE-2013-4527 / 4529: uint8 and uint16 counts against fixed arrays.
#[derive(Clone, Debug, PartialEq, VmState)]
#[vmstate(name = "hpet", version = 1)]
struct Hpet {
    num_timers: u8,
    #[vmstate(varray(count = num_timers, max = 32))]
    timers: [u64; 32],
    log_num: u16,
    #[vmstate(varray(count = log_num, max = 128))]
    log: Vec<u32>,
}

#[test]
fn cve_2013_4527_and_4529_narrow_counts() {
    let dst = Hpet {
        num_timers: 3,
        timers: [0; 32],
        log_num: 0,
        log: Vec::new(),
    };
    refused(
        &dst,
        &[[33].to_vec(), vec![0; 33 * 8]].concat(),
        "hpet.timers",
    );
    refused(
        &dst,
        &[[0].to_vec(), 129u16.to_be_bytes().to_vec(), vec![0; 600]].concat(),
        "hpet.log",
    );
}

// CVE-2013-4531: int32 le must also refuse negatives.
#[derive(Clone, Debug, PartialEq, VmState)]
#[vmstate(name = "arm-cpu", version = 1)]
struct ArmCpu {
    #[vmstate(positive_le)]
    cpreg_count: i32,
}

#[test]
fn cve_2013_4531_negative_int32_le() {
    let e = refused(
        &ArmCpu { cpreg_count: 40 },
        &be32(-1i32 as u32),
        "arm-cpu.cpreg_count",
    );
    assert!(matches!(
        e.kind(),
        ErrorKind::OutOfRange {
            value: -1,
            min: 0,
            max: 40
        }
    ));
    refused(
        &ArmCpu { cpreg_count: 40 },
        &be32(41),
        "arm-cpu.cpreg_count",
    );
}

// CVE-2013-4530, 4532, 4533, 4534, 4537, 4538, 4539, 4540, 6399, 2014-3461, 2017-16845:
// indices and cursors loaded from the stream and used later: validated in post_load,
// which fails the load (the object is restored).
#[derive(Clone, Debug, PartialEq, VmState)]
#[vmstate(name = "fifo-device", version = 1, post_load = FifoDevice::validate)]
struct FifoDevice {
    head: i32,
    fill: i32,
    #[vmstate(buffer)]
    fifo: [u8; 8],
    setup_len: u32,
    setup_index: u32,
    queue_sel: u16,
}

impl FifoDevice {
    fn validate(&mut self, _: &Context, _: u32) -> Result<(), String> {
        let fifo = self.fifo.len() as i32;
        if !(0..fifo).contains(&self.head) || !(0..=fifo).contains(&self.fill) {
            return Err(format!(
                "FIFO head {} / fill {} outside the {fifo}-entry FIFO",
                self.head, self.fill
            ));
        }
        if self.setup_len > 4096 || self.setup_index > self.setup_len {
            return Err(format!(
                "setup index {} beyond length {}",
                self.setup_index, self.setup_len
            ));
        }
        if self.queue_sel >= 64 {
            return Err(format!(
                "selected queue {} beyond 64 queues",
                self.queue_sel
            ));
        }
        Ok(())
    }
}

#[test]
fn index_and_cursor_cves_are_validated_at_load() {
    let dst = FifoDevice {
        head: 0,
        fill: 0,
        fifo: [0; 8],
        setup_len: 0,
        setup_index: 0,
        queue_sel: 0,
    };
    let body = |head: i32, fill: i32, len: u32, index: u32, sel: u16| {
        [
            be32(head as u32).to_vec(),
            be32(fill as u32).to_vec(),
            vec![0; 8],
            be32(len).to_vec(),
            be32(index).to_vec(),
            sel.to_be_bytes().to_vec(),
        ]
        .concat()
    };
    let cases = [
        ("CVE-2013-4530 PL022 FIFO head", body(9, 0, 0, 0, 0)),
        ("CVE-2013-4532 Stellaris ring index", body(-1, 0, 0, 0, 0)),
        ("CVE-2013-4533 PXA2xx fill level", body(0, 17, 0, 0, 0)),
        (
            "CVE-2013-4534 OpenPIC destination count",
            body(0, 1000, 0, 0, 0),
        ),
        (
            "CVE-2013-4537 SSI SD response position",
            body(8, 0, 0, 0, 0),
        ),
        (
            "CVE-2013-4538 SSD0323 cursor",
            body(0x7FFF_FFFF, 0, 0, 0, 0),
        ),
        ("CVE-2013-4539 TSC210x selector", body(0, -5, 0, 0, 0)),
        ("CVE-2013-4540 SCOOP GPIO bits", body(0, 0, 0, 0, 0xFFFF)),
        ("CVE-2013-4541 USB setup length", body(0, 0, 65536, 0, 0)),
        (
            "CVE-2014-3461 USB setup index past length",
            body(0, 0, 8, 9, 0),
        ),
        ("CVE-2013-6399 virtio queue_sel", body(0, 0, 0, 0, 64)),
        ("CVE-2017-16845 PS/2 queue pointer", body(0, 9, 0, 0, 0)),
    ];
    for (cve, input) in cases {
        let mut d = dst.clone();
        let e = d.load(&input, 1, &cx()).expect_err(cve);
        assert!(
            matches!(
                e.kind(),
                ErrorKind::Hook {
                    hook: "post_load",
                    ..
                }
            ),
            "{cve}: {e}"
        );
        assert_eq!(d, dst, "{cve}");
    }
    let mut d = dst.clone();
    d.load(&body(7, 8, 8, 8, 63), 1, &cx())
        .expect("in-range values load");
}

// CVE-2013-4535 / 4536 / 4542: in-flight elements carried as raw host structs. Here an
// element is described field by field, and its scatter-gather count is bounded.
#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "virtqueue-element", version = 1)]
struct Element {
    index: u32,
    in_num: u16,
    #[vmstate(varray(count = in_num, max = 1024))]
    in_addr: Vec<u64>,
}

#[derive(Clone, Debug, PartialEq, VmState)]
#[vmstate(name = "virtio-blk", version = 1)]
struct VirtioBlk {
    n: u8,
    #[vmstate(varray(count = n, max = 4))]
    inflight: Vec<Element>,
}

#[test]
fn cve_2013_4535_4536_4542_raw_elements_are_bounded_field_by_field() {
    let input = [
        vec![1],
        be32(0).to_vec(),
        1025u16.to_be_bytes().to_vec(),
        vec![0; 64],
    ]
    .concat();
    let dst = VirtioBlk {
        n: 0,
        inflight: Vec::new(),
    };
    let mut d = dst.clone();
    let e = d.load(&input, 1, &cx()).unwrap_err();
    assert_eq!(e.path(), "virtio-blk.inflight[0].in_addr");
    assert_eq!(d, dst);
}

// CVE-2014-7840: RAM records with offsets outside their block, unknown blocks, and
// CONTINUE with no previous block.
#[test]
fn cve_2014_7840_ram_offsets_are_checked() {
    let blocks = [RamBlock {
        name: "pc.ram".into(),
        used_length: 8192,
    }];
    let page = [0u8; 4096];
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("outside the block", {
            let mut out = Vec::new();
            let mut w = Writer::new(&mut out);
            ram::write_mem_size(&mut w, &blocks).unwrap();
            ram::write_page(&mut w, "pc.ram", 8192, &page, false).unwrap();
            out
        }),
        ("unknown block", {
            let mut out = Vec::new();
            let mut w = Writer::new(&mut out);
            ram::write_mem_size(&mut w, &blocks).unwrap();
            ram::write_page(&mut w, "nope", 0, &page, false).unwrap();
            out
        }),
        ("continue first", {
            let mut out = Vec::new();
            let mut w = Writer::new(&mut out);
            ram::write_mem_size(&mut w, &blocks).unwrap();
            ram::write_zero(&mut w, "pc.ram", 0, true).unwrap();
            out
        }),
        ("huge offset wraps", {
            let mut out = Vec::new();
            let mut w = Writer::new(&mut out);
            ram::write_mem_size(&mut w, &blocks).unwrap();
            ram::write_zero(&mut w, "pc.ram", !0xFFF, false).unwrap();
            out
        }),
        ("block overruns the announced size", {
            let mut out = Vec::new();
            let mut w = Writer::new(&mut out);
            w.put_be64(4096 | ram::flags::MEM_SIZE);
            w.put_counted_str(b"pc.ram").unwrap();
            w.put_be64(8192);
            out
        }),
    ];
    for (what, input) in cases {
        let mut known = Vec::new();
        let e = ram::read_body(
            &mut Reader::new(&input),
            4096,
            &mut known,
            &mut None,
            &mut |_| Ok(()),
        )
        .expect_err(what);
        assert!(
            e.path().starts_with("ram") && e.offset().is_some(),
            "{what}: {e}"
        );
    }
}
