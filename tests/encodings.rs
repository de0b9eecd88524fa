//! Every field encoding against hand-checked bytes (qemu-migration-format.md §3, §4 and
//! Appendix B), loaded back, and the refusals each codec owes.

mod common;
use common::hex;
use vmstate::wire::{Reader, Writer};
use vmstate::{Bitmap, Context, Elem, ErrorKind, Field, Info, Timer, VmState};

fn cx() -> Context {
    Context::default()
}

fn save<T: VmState>(v: &mut T) -> Vec<u8> {
    let mut out = Vec::new();
    v.save(&mut out, &cx()).unwrap();
    out
}

/// Appendix B: vmsd "foo" v2 (min 1), a: uint32, b: bool (version 2), arr: 3 x uint8,
/// subsection "foo/bar" v1 with c: int64, saved as section id 5 instance 0.
#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "foo", version = 2, minimum_version = 1)]
struct Foo {
    a: u32,
    #[vmstate(since = 2)]
    b: bool,
    arr: [u8; 3],
    #[vmstate(subsection(name = "foo/bar", needed = Foo::bar_needed))]
    bar: Bar,
}

#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "foo/bar", version = 1, minimum_version = 1)]
struct Bar {
    c: i64,
}

impl Foo {
    fn bar_needed(&self, _cx: &Context) -> bool {
        true
    }
}

#[test]
fn appendix_b_worked_example() {
    let mut foo = Foo {
        a: 0xAAAA_AAAA,
        b: true,
        arr: [0x11, 0x22, 0x33],
        bar: Bar {
            c: 0xCCCC_CCCC_CCCC_CCCCu64 as i64,
        },
    };
    // Frame the body as QEMU does: FULL header, body, footer.
    let mut record = hex("04 00000005 03 666f6f 00000000");
    record.extend_from_slice(&(<Foo as VmState>::DESCRIPTION.version).to_be_bytes());
    foo.save(&mut record, &cx()).unwrap();
    record.extend_from_slice(&hex("7E 00000005"));
    let expected = hex("04 00000005 03666F6F 00000000 00000002 AAAAAAAA 01 112233
         05 07 666F6F2F626172 00000001 CCCCCCCCCCCCCCCC 7E00000005");
    assert_eq!(record, expected);

    let mut dst = Foo::default();
    let body = &expected[17..expected.len() - 5];
    assert_eq!(dst.load(body, 2, &cx()).unwrap(), body.len());
    assert_eq!(dst, foo);

    // A version-1 stream omits b.
    let mut dst = Foo::default();
    dst.load(&hex("AAAAAAAA 112233"), 1, &cx()).unwrap();
    assert_eq!(
        (dst.a, dst.b, dst.arr),
        (0xAAAA_AAAA, false, [0x11, 0x22, 0x33])
    );
}

#[test]
fn appendix_b_destination_without_the_subsection_refuses_it() {
    #[derive(Clone, Debug, Default, PartialEq, VmState)]
    #[vmstate(name = "foo", version = 2, minimum_version = 1)]
    struct OldFoo {
        a: u32,
        #[vmstate(since = 2)]
        b: bool,
        arr: [u8; 3],
    }
    let body = hex("AAAAAAAA 01 112233 05 07 666F6F2F626172 00000001 CCCCCCCCCCCCCCCC");
    let mut dst = OldFoo::default();
    let err = dst.load(&body, 2, &cx()).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::UnknownSubsection(n) if n == "foo/bar"),
        "{err}"
    );
    assert_eq!(err.offset(), Some(8));
    assert_eq!(
        err.to_string(),
        "foo: at byte 8: subsection 'foo/bar' does not exist in this description"
    );
    assert_eq!(dst, OldFoo::default());
}

#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "floats", version = 1)]
struct Floats {
    x: f64,
    y: [f64; 2],
}

#[test]
fn float64_is_the_bit_pattern() {
    let mut v = Floats {
        x: 1.5,
        y: [-2.0, f64::INFINITY],
    };
    let out = save(&mut v);
    assert_eq!(
        out,
        hex("3FF8000000000000 C000000000000000 7FF0000000000000")
    );
    let mut dst = Floats::default();
    dst.load(&out, 1, &cx()).unwrap();
    assert_eq!(dst, v);
}

#[derive(Clone, Debug, PartialEq, VmState)]
#[vmstate(name = "geometry", version = 1)]
struct Geometry {
    #[vmstate(equal)]
    u8e: u8,
    #[vmstate(equal)]
    u16e: u16,
    #[vmstate(equal)]
    i32e: i32,
    #[vmstate(equal)]
    u32e: u32,
    #[vmstate(equal)]
    u64e: u64,
    #[vmstate(positive_le)]
    used: i32,
}

fn geometry() -> Geometry {
    Geometry {
        u8e: 1,
        u16e: 0x0203,
        i32e: -1,
        u32e: 0x04050607,
        u64e: 8,
        used: 10,
    }
}

#[test]
fn equal_fields_write_the_local_value_and_check_on_load() {
    let bytes = hex("01 0203 FFFFFFFF 04050607 0000000000000008 0000000A");
    assert_eq!(save(&mut geometry()), bytes);
    let mut dst = geometry();
    dst.load(&bytes, 1, &cx()).unwrap();
    assert_eq!(dst, geometry());

    // A different value is refused, naming the field; the destination is unchanged.
    let mut bad = bytes.clone();
    bad[3..7].copy_from_slice(&hex("00000001"));
    let err = dst.load(&bad, 1, &cx()).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::NotEqual { expected, found: 1 } if expected == &u64::MAX),
        "{err:?}"
    );
    assert_eq!(err.path(), "geometry.i32e");
    assert_eq!(err.offset(), Some(3));
    assert_eq!(dst, geometry());
}

#[test]
fn int32_le_is_a_bound_not_a_byte_order() {
    let ok = hex("01 0203 FFFFFFFF 04050607 0000000000000008 00000007");
    let mut dst = geometry();
    dst.load(&ok, 1, &cx()).unwrap();
    assert_eq!(dst.used, 7);
    for (tail, value) in [("0000000B", 11), ("FFFFFFFF", -1), ("80000000", i32::MIN)] {
        let mut bad = ok.clone();
        bad[19..23].copy_from_slice(&hex(tail));
        let mut dst = geometry();
        let err = dst.load(&bad, 1, &cx()).unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::OutOfRange { value: v, min: 0, max: 10 } if *v == i64::from(value)),
            "{err:?}"
        );
        assert_eq!(dst, geometry());
    }
}

#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "timers", version = 1)]
struct Timers {
    armed: Timer,
    idle: Timer,
    many: [Timer; 2],
}

#[test]
fn timers_are_be64_with_all_ones_for_disarmed() {
    let mut v = Timers {
        armed: Timer::armed(0x1234),
        idle: Timer::disarmed(),
        many: [Timer::armed(1), Timer::disarmed()],
    };
    let out = save(&mut v);
    assert_eq!(
        out,
        hex("0000000000001234 FFFFFFFFFFFFFFFF 0000000000000001 FFFFFFFFFFFFFFFF")
    );
    let mut dst = Timers {
        idle: Timer::armed(5),
        ..Timers::default()
    };
    dst.load(&out, 1, &cx()).unwrap();
    assert_eq!(dst, v);
}

#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "bits", version = 1)]
struct Bits {
    map: Bitmap<130>,
}

#[test]
fn bitmaps_are_be64_words_lsb_first() {
    let mut v = Bits::default();
    for i in [0, 63, 64, 129] {
        v.map.set(i, true);
    }
    let out = save(&mut v);
    assert_eq!(
        out,
        hex("8000000000000001 0000000000000001 0000000000000002")
    );
    let mut dst = Bits::default();
    dst.load(&out, 1, &cx()).unwrap();
    assert!(
        dst.map.get(0) && dst.map.get(63) && dst.map.get(64) && dst.map.get(129) && !dst.map.get(1)
    );
}

#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "padded", version = 1)]
struct Padded {
    a: u16,
    #[vmstate(unused = 3)]
    _gone: (),
    #[vmstate(buffer)]
    mac: [u8; 6],
    #[vmstate(unused = 1)]
    _gone_bool: (),
}

#[test]
fn unused_is_zeros_on_save_and_skipped_on_load() {
    let mut v = Padded {
        a: 0x0102,
        mac: [0xde, 0xad, 0xbe, 0xef, 0, 1],
        ..Padded::default()
    };
    let out = save(&mut v);
    assert_eq!(out, hex("0102 000000 deadbeef0001 00"));
    let mut dst = Padded::default();
    dst.load(&hex("0102 A5A5A5 deadbeef0001 FF"), 1, &cx())
        .unwrap();
    assert_eq!(dst, v);
}

#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "arrays", version = 1)]
struct Arrays {
    words: [u32; 3],
    pairs: [[u64; 2]; 2],
    flags: [bool; 2],
    signed: [i16; 2],
    bytes: [i8; 2],
}

#[test]
fn fixed_arrays_of_any_type() {
    let mut v = Arrays {
        words: [1, 2, 3],
        pairs: [[4, 5], [6, 7]],
        flags: [true, false],
        signed: [-1, 2],
        bytes: [-2, 3],
    };
    let out = save(&mut v);
    assert_eq!(
        out,
        hex("00000001 00000002 00000003
             0000000000000004 0000000000000005 0000000000000006 0000000000000007
             01 00 FFFF 0002 FE 03")
    );
    let mut dst = Arrays::default();
    dst.load(&out, 1, &cx()).unwrap();
    assert_eq!(dst, v);
}

#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "entry", version = 1)]
struct Entry {
    addr: u64,
    len: u16,
}

#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "table", version = 1)]
struct Table {
    n8: u8,
    #[vmstate(varray(count = n8, max = 4))]
    by_u8: [u16; 4],
    n16: u16,
    #[vmstate(varray(count = n16, max = 8))]
    by_u16: Vec<Entry>,
    n32: u32,
    #[vmstate(varray(count = n32, max = 3))]
    by_u32: [u8; 3],
    ni32: i32,
    #[vmstate(varray(count = ni32, max = 2))]
    by_i32: Vec<u32>,
    nested: Entry,
}

fn table() -> Table {
    Table {
        n8: 2,
        by_u8: [0x1111, 0x2222, 0x9999, 0x9999],
        n16: 1,
        by_u16: vec![Entry {
            addr: 0xA,
            len: 0xB,
        }],
        n32: 0,
        by_u32: [7, 7, 7],
        ni32: 2,
        by_i32: vec![5, 6],
        nested: Entry { addr: 1, len: 2 },
    }
}

const TABLE: &str = "02 1111 2222 0001 000000000000000A 000B 00000000 00000002 00000005 00000006 0000000000000001 0002";

#[test]
fn variable_arrays_take_their_count_from_an_earlier_field() {
    assert_eq!(save(&mut table()), hex(TABLE));
    let mut dst = Table::default();
    dst.load(&hex(TABLE), 1, &cx()).unwrap();
    assert_eq!(dst.by_u8[..2], [0x1111, 0x2222]);
    assert_eq!(dst.by_u16, table().by_u16);
    assert_eq!(dst.by_i32, vec![5, 6]);
    assert_eq!(dst.nested, table().nested);
}

#[test]
fn variable_array_counts_are_bounded_before_use() {
    // count = max + 1 for each count width, a negative i32, and 0x7fffffff / 0xffffffff.
    let cases: &[(&str, &str, i64)] = &[
        ("05", "table.by_u8", 5),
        ("02 1111 2222 0009", "table.by_u16", 9),
        ("02 1111 2222 0000 00000004", "table.by_u32", 4),
        ("02 1111 2222 0000 00000000 FFFFFFFF", "table.by_i32", -1),
        (
            "02 1111 2222 0000 00000000 7FFFFFFF",
            "table.by_i32",
            0x7fff_ffff,
        ),
        ("02 1111 2222 0000 FFFFFFFF", "table.by_u32", 0xffff_ffff),
    ];
    for (input, path, value) in cases {
        let mut dst = table();
        let err = dst.load(&hex(input), 1, &cx()).unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::OutOfRange { value: v, .. } if *v == *value),
            "{input}: {err:?}"
        );
        assert_eq!(&err.path(), path, "{err}");
        assert_eq!(dst, table(), "destination untouched");
    }
}

#[test]
fn saving_a_count_beyond_the_storage_is_an_error_not_a_panic() {
    let mut v = table();
    v.n8 = 5;
    let err = v.save(&mut Vec::new(), &cx()).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::InvalidState(_)), "{err:?}");
    assert_eq!(err.path(), "table.by_u8");
    let mut v = table();
    v.ni32 = -3;
    let err = v.save(&mut Vec::new(), &cx()).unwrap_err();
    assert_eq!(err.path(), "table.by_i32");
}

#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "ring", version = 1)]
struct Ring {
    head: u32,
    slots: [Entry; 3],
    grid: [[Entry; 2]; 2],
}

#[test]
fn nested_structs_and_arrays_of_structs_have_no_header() {
    let mut v = Ring {
        head: 1,
        ..Ring::default()
    };
    for (i, s) in v.slots.iter_mut().enumerate() {
        s.addr = i as u64;
        s.len = 0x10 + i as u16;
    }
    v.grid[1][0].len = 0xFFFF;
    let out = save(&mut v);
    assert_eq!(out.len(), 4 + 3 * 10 + 4 * 10);
    assert_eq!(&out[..14], &hex("00000001 0000000000000000 0010")[..]);
    assert_eq!(&out[54..64], &hex("0000000000000000 FFFF")[..]);
    let mut dst = Ring::default();
    dst.load(&out, 1, &cx()).unwrap();
    assert_eq!(dst, v);
    // A truncated element names its index path.
    let err = Ring::default().load(&out[..40], 1, &cx()).unwrap_err();
    assert_eq!(
        err.path(),
        "ring.grid[0].addr",
        "nested arrays index by flattened element, as QEMU's 2-D arrays"
    );
}

/// A codec the crate does not know: a 16-byte SLB entry (esid, vsid), as QEMU's `slbe`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Slbe {
    esid: u64,
    vsid: u64,
}

impl Field for Slbe {
    const ELEM: Elem = Elem::Leaf(Info {
        name: "slbe",
        size: 16,
    });
    const COUNT: usize = 1;
    fn put(&mut self, w: &mut Writer<'_>, _cx: &Context) -> vmstate::Result<()> {
        w.put_be64(self.esid);
        w.put_be64(self.vsid);
        Ok(())
    }
    fn get(&mut self, r: &mut Reader<'_>, _cx: &Context) -> vmstate::Result<()> {
        self.esid = r.get_be64()?;
        self.vsid = r.get_be64()?;
        Ok(())
    }
}

#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "mmu", version = 1)]
struct Mmu {
    #[vmstate(name = "env.slb")]
    slb: [Slbe; 2],
}

#[test]
fn custom_codecs_plug_in_through_field() {
    let mut v = Mmu {
        slb: [
            Slbe {
                esid: 0xc000000008000000,
                vsid: 0x123456400,
            },
            Slbe::default(),
        ],
    };
    let out = save(&mut v);
    assert_eq!(
        out,
        hex("C000000008000000 0000000123456400 00000000000000000000000000000000")
    );
    let mut dst = Mmu::default();
    dst.load(&out, 1, &cx()).unwrap();
    assert_eq!(dst, v);
    let d = <Mmu as VmState>::DESCRIPTION;
    assert_eq!(d.fields[0].name, "env.slb");
    assert!(matches!(
        d.fields[0].elem,
        Elem::Leaf(Info {
            name: "slbe",
            size: 16
        })
    ));
}

/// `Entry` with a save hook: the same wire format, always element by element.
#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "entry", version = 1, pre_save = Self::noop)]
struct HookedEntry {
    addr: u64,
    len: u16,
}

impl HookedEntry {
    fn noop(&mut self, _: &Context) -> Result<(), std::convert::Infallible> {
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "spaced", version = 1)]
struct Spaced {
    a: u16,
    #[vmstate(unused = 3)]
    _gap: (),
    b: [u32; 2],
    on: bool,
}

#[test]
fn fixed_size_structs_convert_in_bulk_with_the_same_bytes() {
    assert_eq!(<Entry as Field>::FIXED_SIZE, Some(10));
    assert_eq!(<[Entry; 3] as Field>::FIXED_SIZE, Some(30));
    assert_eq!(<Spaced as Field>::FIXED_SIZE, Some(2 + 3 + 8 + 1));
    assert_eq!(<HookedEntry as Field>::FIXED_SIZE, None);
    assert_eq!(<Ring as Field>::FIXED_SIZE, Some(4 + 30 + 40));

    let mut plain: [Entry; 4] = Default::default();
    let mut hooked: [HookedEntry; 4] = Default::default();
    for i in 0..4 {
        plain[i] = Entry {
            addr: 0x0102_0304_0506_0708 << i,
            len: 0xA0B0 + i as u16,
        };
        hooked[i] = HookedEntry {
            addr: plain[i].addr,
            len: plain[i].len,
        };
    }
    let (mut a, mut b) = (Vec::new(), Vec::new());
    plain.put(&mut Writer::new(&mut a), &cx()).unwrap();
    hooked.put(&mut Writer::new(&mut b), &cx()).unwrap();
    assert_eq!(a, b);
    assert_eq!(&a[..10], &hex("0102030405060708 A0B0")[..]);
    let mut back: [Entry; 4] = Default::default();
    back.get(&mut Reader::new(&a), &cx()).unwrap();
    assert_eq!(back, plain);

    let mut p = [Spaced {
        a: 0x1234,
        _gap: (),
        b: [5, 0xFFFF_FFFF],
        on: true,
    }; 2];
    let mut out = Vec::new();
    p.put(&mut Writer::new(&mut out), &cx()).unwrap();
    assert_eq!(
        out,
        [&hex("1234 000000 00000005 FFFFFFFF 01")[..]; 2].concat()
    );
    // Unused bytes are skipped on load, any nonzero byte is `true`.
    out[2] = 0xEE;
    out[13] = 7;
    let mut q = [Spaced::default(); 2];
    q.get(&mut Reader::new(&out), &cx()).unwrap();
    assert_eq!(q, p);
}

#[test]
fn a_subsection_marker_after_a_struct_element_is_read_as_qemu_does() {
    let mut v = Ring::default();
    let mut out = save(&mut v);
    // The second slot starts like a subsection of `entry` (QEMU peeks for one after
    // every struct element): the load must look it up and refuse it by name.
    out[14..24].copy_from_slice(b"\x05\x07entry/z\x00");
    let err = Ring::default().load(&out, 1, &cx()).unwrap_err();
    assert!(err.to_string().contains("entry/z"), "{err}");
    // A marker whose name lacks the prefix is the next element's data.
    out[14..24].copy_from_slice(b"\x05\x07other/z\x00");
    let mut dst = Ring::default();
    dst.load(&out, 1, &cx()).unwrap();
    assert_eq!(dst.slots[1].addr, u64::from_be_bytes(*b"\x05\x07other/"));
}
