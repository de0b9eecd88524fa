//! QEMU vmstate families beyond the basic ones: byte buffers sized by another field
//! (`VMSTATE_VBUFFER*`) and variable arrays of codecs whose encoding is shorter than
//! their described size.

mod common;

use common::hex;
use vmstate::wire::{Reader, Writer};
use vmstate::{Context, Elem, ErrorKind, Field, Info, Nullable, VmState};

fn cx() -> Context {
    Context::new("pseries-7.2")
}

/// QEMU's `VMSTATE_VBUFFER_ALLOC_UINT32(buf, S, 1, NULL, size)`, as `spapr_nvram`.
#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "nvram", version = 1, minimum_version = 1)]
struct Nvram {
    size: u32,
    #[vmstate(buffer, varray(count = size, max = 64), since = 1)]
    buf: Vec<u8>,
}

#[test]
fn a_buffer_sized_by_a_field_is_one_buffer_of_that_size() {
    let mut v = Nvram {
        size: 3,
        buf: vec![0xaa, 0xbb, 0xcc],
    };
    let mut out = Vec::new();
    let mut desc = vmstate::json::JsonWriter::new();
    v.save_with_desc(&mut out, &mut desc, &cx()).unwrap();
    assert_eq!(out, hex("00000003 AABBCC"));
    assert_eq!(
        desc.as_str(),
        r#"{"vmsd_name": "nvram", "version": 1, "fields": [{"name": "size", "type": "uint32", "size": 4}, {"name": "buf", "type": "buffer", "size": 3}]}"#
    );
    // -dump-vmstate: QEMU gives a VBUFFER size 0 (its size is the field's value).
    let dump = vmstate::dump_json(Nvram::DESCRIPTION);
    assert!(
        dump.contains(r#"{"field": "buf", "version_id": 1, "field_exists": false, "size": 0"#),
        "{dump}"
    );
    let mut back = Nvram::default();
    back.load(&out, 1, &cx()).unwrap();
    assert_eq!(back, v);
    // A fixed array works as the storage too, up to its length.
    #[derive(Clone, Debug, Default, PartialEq, VmState)]
    #[vmstate(name = "nvram", version = 1)]
    struct Fixed {
        size: u32,
        #[vmstate(buffer, varray(count = size, max = 8))]
        buf: [u8; 8],
    }
    let mut f = Fixed::default();
    f.load(&out, 1, &cx()).unwrap();
    assert_eq!((&f.buf[..3], f.size), (&[0xaa, 0xbb, 0xcc][..], 3));
}

#[test]
fn a_buffer_size_is_bounded_before_anything_is_allocated() {
    // Beyond max: refused by value.
    let err = Nvram::default()
        .load(&hex("00000041"), 1, &cx())
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::OutOfRange { value: 65, .. }),
        "{err:?}"
    );
    assert_eq!(err.path(), "nvram.buf");
    // Within max but past the input: refused, the target unchanged.
    let mut v = Nvram {
        size: 1,
        buf: vec![7],
    };
    let err = v.load(&hex("00000010 0102"), 1, &cx()).unwrap_err();
    assert!(err.is_eof(), "{err:?}");
    assert_eq!(v.buf, [7]);
}

/// A pointer slot as QEMU's `VMSTATE_ARRAY_OF_POINTER` writes a null one: the single
/// byte 0x30, though the slot is described as 4 bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Slot(Option<u32>);

impl Field for Slot {
    const ELEM: Elem = Elem::Leaf(Info {
        name: "slot",
        size: 4,
    });
    const COUNT: usize = 1;
    fn put(&mut self, w: &mut Writer<'_>, _cx: &Context) -> vmstate::Result<()> {
        match self.0 {
            None => w.put_u8(0x30),
            Some(v) => {
                w.put_u8(0x31);
                w.put_be32(v)
            }
        }
        Ok(())
    }
    fn get(&mut self, r: &mut Reader<'_>, _cx: &Context) -> vmstate::Result<()> {
        self.0 = match r.get_u8()? {
            0x30 => None,
            _ => Some(r.get_be32()?),
        };
        Ok(())
    }
}

#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "slots", version = 1)]
struct Slots {
    n: u32,
    #[vmstate(varray(count = n, max = 8))]
    slots: Vec<Slot>,
}

#[test]
fn a_varray_of_codecs_shorter_than_their_described_size_loads() {
    // Four null slots: four bytes, though 4 x 4 are described.
    let bytes = hex("00000004 30303030");
    let mut v = Slots::default();
    v.load(&bytes, 1, &cx()).unwrap();
    assert_eq!(v.slots, [Slot(None); 4]);
    let mut out = Vec::new();
    v.save(&mut out, &cx()).unwrap();
    assert_eq!(out, bytes);
    // Truncated: still an end-of-input error naming the element.
    let err = Slots::default().load(&bytes[..6], 1, &cx()).unwrap_err();
    assert!(err.is_eof(), "{err:?}");
}

/// QEMU's `VMSTATE_ARRAY_OF_POINTER`: a null slot is the byte 0x30, the others their
/// value; the destination's own null slots decide what is read.
#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "ptrs", version = 1)]
struct Pointers {
    fixed: [Nullable<u32>; 3],
    n: u32,
    #[vmstate(varray(count = n, max = 4))]
    more: Vec<Nullable<u16>>,
}

#[test]
fn an_array_of_pointers_writes_qemus_null_marker() {
    let mut p = Pointers {
        fixed: [Nullable(Some(5)), Nullable(None), Nullable(Some(7))],
        n: 2,
        more: vec![Nullable(None), Nullable(Some(9))],
    };
    let bytes = hex("00000005 30 00000007 00000002 30 0009");
    let mut out = Vec::new();
    let mut desc = vmstate::json::JsonWriter::new();
    p.save_with_desc(&mut out, &mut desc, &cx()).unwrap();
    assert_eq!(out, bytes);
    // Described as the pointed-to type, with the first element's written size (QEMU
    // measures it): 4 for `fixed`, 1 for `more`, whose first slot is null.
    assert_eq!(
        desc.as_str(),
        r#"{"vmsd_name": "ptrs", "version": 1, "fields": [{"name": "fixed", "array_len": 3, "type": "uint32", "size": 4}, {"name": "n", "type": "uint32", "size": 4}, {"name": "more", "array_len": 2, "type": "uint16", "size": 1}]}"#
    );
    let mut back = Pointers {
        fixed: [Nullable(Some(0)), Nullable(None), Nullable(Some(0))],
        n: 2,
        more: vec![Nullable(None), Nullable(Some(0))],
    };
    back.load(&bytes, 1, &cx()).unwrap();
    assert_eq!(back, p);
    // A destination whose slot 1 is not null reads a value there: the stream is then
    // short, an error at the element, the destination unchanged.
    let mut other = Pointers {
        fixed: [Nullable(Some(1)); 3],
        ..Pointers::default()
    };
    let before = other.clone();
    assert!(other.load(&bytes, 1, &cx()).is_err());
    assert_eq!(other, before);
    // A null slot where the stream has a value: not the marker.
    let mut nulls = Pointers::default();
    let err = nulls.load(&bytes, 1, &cx()).unwrap_err();
    assert!(err.to_string().contains("0x30"), "{err}");
}

#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "raw", version = 1)]
struct Raw {
    r#type: u8,
}

#[test]
fn a_raw_identifier_is_its_plain_name_on_the_wire() {
    assert_eq!(Raw::DESCRIPTION.fields[0].name, "type");
}

/// QEMU's `VMSTATE_VALIDATE`: a check at its position, no bytes.
#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "ring", version = 1)]
struct Ring {
    size: u32,
    head: u32,
    #[vmstate(validate = Ring::head_in_ring)]
    head_valid: (),
    tail: u32,
}

impl Ring {
    fn head_in_ring(&self, _cx: &Context, _version: u32) -> bool {
        self.head < self.size
    }
}

#[test]
fn a_validate_field_checks_at_its_position_and_has_no_bytes() {
    let mut v = Ring {
        size: 8,
        head: 3,
        tail: 5,
        ..Ring::default()
    };
    let mut out = Vec::new();
    let mut desc = vmstate::json::JsonWriter::new();
    v.save_with_desc(&mut out, &mut desc, &cx()).unwrap();
    assert_eq!(out, hex("00000008 00000003 00000005"));
    assert!(!desc.as_str().contains("head_valid"), "{}", desc.as_str());
    let dump = vmstate::dump_json(Ring::DESCRIPTION);
    assert!(
        dump.contains(
            r#"{"field": "head_valid", "version_id": 0, "field_exists": true, "size": 0"#
        ),
        "{dump}"
    );
    let mut back = Ring::default();
    back.load(&out, 1, &cx()).unwrap();
    assert_eq!(back, v);
    // A head outside the ring fails right after `head` is read, before `tail`, and the
    // destination keeps its state.
    let mut dst = Ring {
        tail: 77,
        ..Ring::default()
    };
    let err = dst
        .load(&hex("00000008 00000009 00000005"), 1, &cx())
        .unwrap_err();
    assert_eq!(err.path(), "ring.head_valid", "{err}");
    assert!(err.to_string().contains("input validation failed"), "{err}");
    assert_eq!(err.offset(), Some(8));
    assert_eq!(dst.tail, 77);
    // Saving an invalid state is refused too.
    v.head = 9;
    assert!(v.save(&mut Vec::new(), &cx()).is_err());
}

/// QEMU's `vmstate_spapr_event_entry`, an element of `VMSTATE_QTAILQ_V`.
#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "spapr_event_log_entry", version = 1, minimum_version = 1)]
struct EventLogEntry {
    summary: u32,
    extended_length: u32,
    #[vmstate(buffer, varray(count = extended_length, max = 4096))]
    extended_log: Vec<u8>,
}

#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "spapr_pending_events", version = 1, minimum_version = 1)]
struct PendingEvents {
    #[vmstate(since = 1)]
    pending_events: vmstate::QTailQ<EventLogEntry, 4>,
}

#[test]
fn a_qtailq_is_marked_elements_then_an_end_marker_described_as_qemu_does() {
    let mut v = PendingEvents::default();
    v.pending_events.push(EventLogEntry {
        summary: 0x8000_0000,
        extended_length: 2,
        extended_log: vec![0xee, 0xff],
    });
    v.pending_events.push(EventLogEntry::default());
    let mut out = Vec::new();
    let mut desc = vmstate::json::JsonWriter::new();
    v.save_with_desc(&mut out, &mut desc, &cx()).unwrap();
    assert_eq!(
        out,
        hex("01 80000000 00000002 EEFF 01 00000000 00000000 00")
    );
    // Each element's description goes into the field's object (QEMU's vmdesc has
    // repeated keys there), then the list's whole size.
    let elem = |n: u32| {
        format!(
            r#""vmsd_name": "spapr_event_log_entry", "version": 1, "fields": [{{"name": "summary", "type": "uint32", "size": 4}}, {{"name": "extended_length", "type": "uint32", "size": 4}}, {{"name": "extended_log", "type": "buffer", "size": {n}}}]"#
        )
    };
    assert_eq!(
        desc.as_str(),
        format!(
            r#"{{"vmsd_name": "spapr_pending_events", "version": 1, "fields": [{{"name": "pending_events", "type": "qtailq", {}, {}, "size": 21}}]}}"#,
            elem(2),
            elem(0)
        )
    );
    let mut back = PendingEvents::default();
    back.load(&out, 1, &cx()).unwrap();
    assert_eq!(back, v);
    // An empty list is its end marker.
    let mut empty = PendingEvents::default();
    let mut out = Vec::new();
    empty.save(&mut out, &cx()).unwrap();
    assert_eq!(out, [0]);
}

#[test]
fn a_qtailq_is_bounded_and_its_markers_checked() {
    // Five elements where four fit: refused at the fifth marker, nothing changed.
    let five = hex("01 00000001 00000000 01 00000002 00000000 01 00000003 00000000 01 00000004 00000000 01 00000005 00000000 00");
    let mut v = PendingEvents::default();
    v.pending_events.push(EventLogEntry::default());
    let before = v.clone();
    let e = v.load(&five, 1, &cx()).unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::LimitExceeded { limit: 4, .. }),
        "{e}"
    );
    assert!(e.to_string().contains("pending_events"), "{e}");
    assert_eq!(v, before, "a refused load changes nothing");
    // A marker other than 0 or 1.
    let e = v.load(&hex("02"), 1, &cx()).unwrap_err();
    assert!(e.to_string().contains("list marker 0x02"), "{e}");
    // A list cut short.
    let e = v.load(&hex("01 00000001"), 1, &cx()).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::UnexpectedEof { .. }), "{e}");
}

/// One member sent as two wire fields under one name (QEMU's `VMSTATE_UINT16_HACK`
/// then the full-width field, as the i8254 PIT's `count_load_time`), and single
/// elements of an array sent as fields of their own: QEMU numbers repeated names
/// `name[k]` in the stream's description.
#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "pit", version = 3, minimum_version = 2)]
struct PitLike {
    #[vmstate(name = "count", test = PitLike::old_stream)]
    count_low: u16,
    #[vmstate(name = "count")]
    count: u32,
    #[vmstate(name = "reg[INDEX]")]
    reg0: u32,
    #[vmstate(name = "reg[INDEX]")]
    reg1: u32,
}

impl PitLike {
    fn old_stream(&self, _cx: &Context, version: u32) -> bool {
        version < 3
    }
}

#[test]
fn repeated_wire_names_are_numbered_in_the_description() {
    let mut v = PitLike {
        count_low: 0,
        count: 0x1234_5678,
        reg0: 1,
        reg1: 2,
    };
    let mut out = Vec::new();
    let mut desc = vmstate::json::JsonWriter::new();
    v.save_with_desc(&mut out, &mut desc, &cx()).unwrap();
    assert_eq!(out, hex("12345678 00000001 00000002"));
    assert_eq!(
        desc.as_str(),
        r#"{"vmsd_name": "pit", "version": 3, "fields": [{"name": "count[1]", "type": "uint32", "size": 4}, {"name": "reg[INDEX][0]", "type": "uint32", "size": 4}, {"name": "reg[INDEX][1]", "type": "uint32", "size": 4}]}"#
    );
    // A version-2 stream carries the narrow copy first.
    let mut back = PitLike::default();
    back.load(&hex("0042 12345678 00000001 00000002"), 2, &cx())
        .unwrap();
    assert_eq!(
        (back.count_low, back.count, back.reg1),
        (0x42, 0x1234_5678, 2)
    );
    let dump = vmstate::dump_json(PitLike::DESCRIPTION);
    assert_eq!(dump.matches(r#""field": "count""#).count(), 2, "{dump}");
}

/// The same, with one member: the narrow field is a view (`place`, `view = u16`) of
/// `count`, as QEMU's `VMSTATE_UINT16_HACK` is of the same member.
#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "pit", version = 3, minimum_version = 2)]
struct PitView {
    #[vmstate(name = "count", place = count, view = u16, test = PitView::old_stream)]
    count_narrow: (),
    count: u32,
}

impl PitView {
    fn old_stream(&self, _cx: &Context, version: u32) -> bool {
        version < 3
    }
}

#[test]
fn a_member_sent_in_another_width_is_a_view_of_it() {
    let mut v = PitView {
        count: 0x0001_2345,
        ..PitView::default()
    };
    let mut out = Vec::new();
    let mut desc = vmstate::json::JsonWriter::new();
    v.save_with_desc(&mut out, &mut desc, &cx()).unwrap();
    assert_eq!(out, hex("00012345"));
    assert_eq!(
        desc.as_str(),
        r#"{"vmsd_name": "pit", "version": 3, "fields": [{"name": "count[1]", "type": "uint32", "size": 4}]}"#
    );
    // A version-2 stream: the narrow field lands in the member, the full one after it.
    let mut back = PitView::default();
    back.load(&hex("0042 12345678"), 2, &cx()).unwrap();
    assert_eq!(back.count, 0x1234_5678);
    // Both are in the schema, numbered as QEMU numbers them.
    let dump = vmstate::dump_json(PitView::DESCRIPTION);
    assert_eq!(dump.matches(r#""field": "count""#).count(), 2, "{dump}");
    // A short stream: an error, the member as it was.
    let before = back.clone();
    assert!(back.load(&hex("0042 1234"), 2, &cx()).is_err());
    assert_eq!(back, before);
}

#[derive(Clone, Debug, PartialEq, VmState)]
#[vmstate(name = "uart", version = 1)]
struct Uart {
    rx: vmstate::Fifo8,
    irq_map: vmstate::BitmapVec,
}

#[test]
fn a_fifo8_is_its_ring_head_and_count_and_a_run_time_bitmap_its_words() {
    let mut u = Uart {
        rx: vmstate::Fifo8::new(3),
        irq_map: vmstate::BitmapVec::new(70),
    };
    u.rx.push(7).unwrap();
    u.irq_map.set(65, true);
    let mut out = Vec::new();
    let mut desc = vmstate::json::JsonWriter::new();
    u.save_with_desc(&mut out, &mut desc, &cx()).unwrap();
    assert_eq!(
        out,
        hex("070000 00000000 00000001 0000000000000000 0000000000000002")
    );
    assert_eq!(
        desc.as_str(),
        r#"{"vmsd_name": "uart", "version": 1, "fields": [{"name": "rx", "type": "struct", "struct": {"vmsd_name": "Fifo8", "version": 1, "fields": [{"name": "data", "type": "buffer", "size": 3}, {"name": "head", "type": "uint32", "size": 4}, {"name": "num", "type": "uint32", "size": 4}]}, "size": 11}, {"name": "irq_map", "type": "bitmap", "size": 16}]}"#
    );
    let fresh = || Uart {
        rx: vmstate::Fifo8::new(3),
        irq_map: vmstate::BitmapVec::new(70),
    };
    let mut back = fresh();
    back.load(&out, 1, &cx()).unwrap();
    assert_eq!(back, u);
    // A hostile head or count is refused, the destination unchanged.
    let mut bad = out.clone();
    bad[4..7].copy_from_slice(&[0, 0, 9]); // head 9 in a ring of 3
    let mut v = fresh();
    let e = v.load(&bad, 1, &cx()).unwrap_err();
    assert!(
        e.to_string().contains("do not fit a ring of 3 bytes"),
        "{e}"
    );
    assert_eq!(v, fresh());
}

/// A struct whose version 2 added a field.
#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "timer/state", version = 2, minimum_version = 1)]
struct TimerState {
    count: u32,
    #[vmstate(since = 2)]
    mode: u8,
}

/// QEMU's `VMSTATE_VSTRUCT(t, S, vmstate_timer, TimerState, 1)`: the nested struct is
/// saved and loaded as its version 1.
#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "board", version = 1)]
struct Board {
    #[vmstate(vstruct = 1)]
    t: TimerState,
    after: u16,
}

#[test]
fn a_vstruct_saves_and_loads_its_struct_at_the_given_version() {
    let mut b = Board {
        t: TimerState { count: 5, mode: 9 },
        after: 0x0102,
    };
    let mut out = Vec::new();
    let mut desc = vmstate::json::JsonWriter::new();
    b.save_with_desc(&mut out, &mut desc, &cx()).unwrap();
    // Version 1 of the struct has no `mode`.
    assert_eq!(out, hex("00000005 0102"));
    assert_eq!(
        desc.as_str(),
        r#"{"vmsd_name": "board", "version": 1, "fields": [{"name": "t", "type": "vstruct", "vmsd_name": "timer/state", "version": 1, "fields": [{"name": "count", "type": "uint32", "size": 4}], "size": 4}, {"name": "after", "type": "uint16", "size": 2}]}"#
    );
    let mut back = Board::default();
    back.load(&out, 1, &cx()).unwrap();
    assert_eq!((back.t.count, back.t.mode, back.after), (5, 0, 0x0102));
}

/// QEMU's `VMSTATE_WITH_TMP`: the stream has a value the device does not keep as such.
#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "nic", version = 1)]
struct Nic {
    mac: u32,
    #[vmstate(skip)]
    has_ufo: bool,
    #[vmstate(with_tmp = NicUfo)]
    tmp: (),
}

#[derive(Clone, Default, VmState)]
#[vmstate(name = "nic-tmp/has_ufo", version = 0, minimum_version = 0)]
struct NicUfo {
    has_ufo: u8,
}

impl vmstate::TmpOf<Nic> for NicUfo {
    fn from_parent(n: &Nic, _cx: &Context) -> vmstate::Result<Self> {
        Ok(NicUfo {
            has_ufo: u8::from(n.has_ufo),
        })
    }
    fn to_parent(self, n: &mut Nic, _cx: &Context) -> vmstate::Result<()> {
        if self.has_ufo > 1 {
            return Err(vmstate::Error::invalid("has_ufo is a boolean"));
        }
        n.has_ufo = self.has_ufo == 1;
        Ok(())
    }
}

#[test]
fn a_with_tmp_field_writes_its_temporary_and_applies_it_on_load() {
    let mut n = Nic {
        mac: 0xabcd,
        has_ufo: true,
        tmp: (),
    };
    let mut out = Vec::new();
    let mut desc = vmstate::json::JsonWriter::new();
    n.save_with_desc(&mut out, &mut desc, &cx()).unwrap();
    assert_eq!(out, hex("0000ABCD 01"));
    assert_eq!(
        desc.as_str(),
        r#"{"vmsd_name": "nic", "version": 1, "fields": [{"name": "mac", "type": "uint32", "size": 4}, {"name": "tmp", "type": "tmp", "vmsd_name": "nic-tmp/has_ufo", "version": 0, "fields": [{"name": "has_ufo", "type": "uint8", "size": 1}], "size": 1}]}"#
    );
    let mut back = Nic::default();
    back.load(&out, 1, &cx()).unwrap();
    assert_eq!(back, n);
    // The temporary's own check refuses a bad value; the device stays as it was.
    let e = back.load(&hex("00000001 07"), 1, &cx()).unwrap_err();
    assert!(e.to_string().contains("has_ufo is a boolean"), "{e}");
    assert_eq!(back, n);
}

/// Parts of one array sent as fields of their own (the i8254 PIT's channels, a
/// device's registers): `VMSTATE_UINT32_SUB_ARRAY(regs, S, 0, 2)`, another field,
/// `VMSTATE_UINT32_SUB_ARRAY(regs, S, 4, 2)`, and one element as `reg[INDEX]`.
#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "regs", version = 1)]
struct Regs {
    #[vmstate(skip)]
    regs: [u32; 8],
    #[vmstate(sub_array(of = regs, start = 0, count = 2))]
    low: (),
    ctrl: u8,
    #[vmstate(sub_array(of = regs, start = 4, count = 2))]
    high: (),
    #[vmstate(name = "regs[INDEX]", sub_array(of = regs, start = 7, count = 1))]
    last: (),
}

#[test]
fn sub_arrays_send_parts_of_one_array_under_its_name() {
    let mut v = Regs {
        regs: [1, 2, 3, 4, 5, 6, 7, 8],
        ctrl: 9,
        ..Regs::default()
    };
    let mut out = Vec::new();
    let mut desc = vmstate::json::JsonWriter::new();
    v.save_with_desc(&mut out, &mut desc, &cx()).unwrap();
    assert_eq!(out, hex("00000001 00000002 09 00000005 00000006 00000008"));
    assert_eq!(
        desc.as_str(),
        r#"{"vmsd_name": "regs", "version": 1, "fields": [{"name": "regs[0]", "array_len": 2, "type": "uint32", "size": 4}, {"name": "ctrl", "type": "uint8", "size": 1}, {"name": "regs[1]", "array_len": 2, "type": "uint32", "size": 4}, {"name": "regs[INDEX]", "type": "uint32", "size": 4}]}"#
    );
    let mut back = Regs::default();
    back.load(&out, 1, &cx()).unwrap();
    assert_eq!(back.regs, [1, 2, 0, 0, 5, 6, 0, 8]);
}

/// A device with host-only state that cannot be cloned (a channel to its backend).
#[derive(VmState)]
#[vmstate(name = "serial", version = 1)]
struct SerialWithBackend {
    lsr: u8,
    n: u8,
    #[vmstate(varray(count = n, max = 4))]
    fifo: [u8; 4],
    #[vmstate(skip)]
    backend: std::sync::mpsc::Sender<u8>,
}

#[test]
fn a_transactional_load_needs_no_clone_of_host_only_fields() {
    let (tx, rx) = std::sync::mpsc::channel();
    let mut s = SerialWithBackend {
        lsr: 0x60,
        n: 1,
        fifo: [7, 0, 0, 0],
        backend: tx,
    };
    // A count beyond the maximum: refused, nothing changed.
    let e = s.load(&hex("21 09"), 1, &cx()).unwrap_err();
    assert!(e.to_string().contains("fifo"), "{e}");
    assert_eq!((s.lsr, s.n, s.fifo), (0x60, 1, [7, 0, 0, 0]));
    // A stream cut inside the array: refused after lsr and n were read, both restored.
    let e = s.load(&hex("21 03 0102"), 1, &cx()).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::UnexpectedEof { .. }), "{e}");
    assert_eq!((s.lsr, s.n, s.fifo), (0x60, 1, [7, 0, 0, 0]));
    s.load(&hex("21 02 0102"), 1, &cx()).unwrap();
    assert_eq!((s.lsr, s.n, &s.fifo[..2]), (0x21, 2, &[1, 2][..]));
    // The host-only part was never touched.
    s.backend.send(5).unwrap();
    assert_eq!(rx.recv().unwrap(), 5);
}

/// QEMU's 16550 `serial` with two of its subsections over its own members (as
/// `serial/tsr` and `serial/recv_fifo_itl` are): no separate struct, `needed` once.
#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(
    name = "serial",
    version = 3,
    minimum_version = 2,
    subsection(name = "serial/tsr", version = 1, needed = Serial16550::tsr_needed),
    subsection(name = "serial/recv_fifo_itl", version = 1, needed = Serial16550::itl_needed)
)]
struct Serial16550 {
    divider: u16,
    lsr: u8,
    #[vmstate(in_subsection = "serial/tsr")]
    tsr_retry: u32,
    #[vmstate(in_subsection = "serial/tsr")]
    thr: u8,
    #[vmstate(in_subsection = "serial/recv_fifo_itl")]
    recv_fifo_itl: u8,
    #[vmstate(skip)]
    itl_default: u8,
}

impl Serial16550 {
    fn tsr_needed(&self, _cx: &Context) -> bool {
        self.tsr_retry != 0
    }
    fn itl_needed(&self, _cx: &Context) -> bool {
        self.recv_fifo_itl != self.itl_default
    }
}

#[test]
fn a_subsection_over_the_structs_own_fields_is_a_subsection_on_the_wire() {
    let mut s = Serial16550 {
        divider: 12,
        lsr: 0x60,
        tsr_retry: 3,
        thr: 0x41,
        recv_fifo_itl: 1,
        itl_default: 1,
    };
    let mut out = Vec::new();
    let mut desc = vmstate::json::JsonWriter::new();
    s.save_with_desc(&mut out, &mut desc, &cx()).unwrap();
    // Fields, then `serial/tsr` (needed), not `serial/recv_fifo_itl` (at its default).
    let mut want = hex("000C 60");
    want.push(5);
    want.push(10);
    want.extend_from_slice(b"serial/tsr");
    want.extend_from_slice(&hex("00000001 00000003 41"));
    assert_eq!(out, want);
    assert_eq!(
        desc.as_str(),
        r#"{"vmsd_name": "serial", "version": 3, "fields": [{"name": "divider", "type": "uint16", "size": 2}, {"name": "lsr", "type": "uint8", "size": 1}], "subsections": [{"vmsd_name": "serial/tsr", "version": 1, "fields": [{"name": "tsr_retry", "type": "uint32", "size": 4}, {"name": "thr", "type": "uint8", "size": 1}]}]}"#
    );
    // Loaded back into the same members; a stream without it leaves them as they are.
    let mut back = Serial16550 {
        itl_default: 1,
        recv_fifo_itl: 1,
        ..Serial16550::default()
    };
    back.load(&out, 3, &cx()).unwrap();
    assert_eq!(back, s);
    let mut back = Serial16550::default();
    back.load(&hex("000C 60"), 3, &cx()).unwrap();
    assert_eq!((back.divider, back.tsr_retry), (12, 0));
    // The description lists both subsections, as -dump-vmstate does.
    let d = Serial16550::DESCRIPTION;
    let names: Vec<&str> = d.subsections.iter().map(|x| x.description.name).collect();
    assert_eq!(names, ["serial/tsr", "serial/recv_fifo_itl"]);
    assert_eq!(d.fields.len(), 2);
    // A subsection version the destination does not know is refused.
    let mut bad = out.clone();
    let at = bad.len() - 9;
    bad[at..at + 4].copy_from_slice(&[0, 0, 0, 2]);
    let e = Serial16550::default().load(&bad, 3, &cx()).unwrap_err();
    assert!(e.to_string().contains("serial/tsr"), "{e}");
}

#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, VmState)]
#[vmstate(name = "range", version = 1)]
struct Range {
    low: u64,
    high: u64,
}

#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "interval", version = 1)]
struct Interval {
    flags: u32,
}

#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "domain", version = 1)]
struct Domain {
    mappings: vmstate::GTree<vmstate::Keyed<Range>, Interval, 3>,
}

#[test]
fn a_gtree_is_its_count_then_marked_key_value_nodes() {
    let mut d = Domain::default();
    d.mappings.insert(
        vmstate::Keyed(Range { low: 1, high: 2 }),
        Interval { flags: 7 },
    );
    let mut out = Vec::new();
    let mut desc = vmstate::json::JsonWriter::new();
    d.save_with_desc(&mut out, &mut desc, &cx()).unwrap();
    assert_eq!(
        out,
        hex("00000001 01 0000000000000001 0000000000000002 00000007 00")
    );
    assert!(
        desc.as_str().starts_with(r#"{"vmsd_name": "domain", "version": 1, "fields": [{"name": "mappings", "type": "gtree", "#),
        "{}",
        desc.as_str()
    );
    let mut back = Domain::default();
    back.load(&out, 1, &cx()).unwrap();
    assert_eq!(back, d);
    // More nodes than announced, fewer, or more than the destination takes: refused.
    let before = back.clone();
    for (bytes, what) in [
        (
            "00000000 01 0000000000000001 0000000000000002 00000007 00",
            "more nodes than the 0",
        ),
        (
            "00000002 01 0000000000000001 0000000000000002 00000007 00",
            "1 nodes where 2",
        ),
        ("00000004 00", "limit"),
    ] {
        let e = back.load(&hex(bytes), 1, &cx()).unwrap_err();
        assert!(
            e.to_string().contains(what) || matches!(e.kind(), ErrorKind::LimitExceeded { .. }),
            "{what}: {e}"
        );
        assert_eq!(back, before);
    }
}

/// The i8254 PIT's channels: `VMSTATE_STRUCT_ARRAY(channels, ...)` and, later,
/// `VMSTATE_UINT8(channels[0].irq_disabled, PITCommonState)`: a member of one array
/// element sent as a field of its own.
#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "pit/channel", version = 2)]
struct PitChannel {
    count: u32,
    #[vmstate(skip)]
    irq_disabled: u8,
}

#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "i8254", version = 3, minimum_version = 2)]
struct Pit {
    channels: [PitChannel; 3],
    #[vmstate(name = "channels[0].irq_disabled", place = channels[0].irq_disabled)]
    irq_disabled: (),
}

#[test]
fn a_member_of_an_array_element_is_a_field_of_its_own() {
    let mut p = Pit::default();
    p.channels[0].count = 0x10;
    p.channels[0].irq_disabled = 1;
    let mut out = Vec::new();
    let mut desc = vmstate::json::JsonWriter::new();
    p.save_with_desc(&mut out, &mut desc, &cx()).unwrap();
    assert_eq!(out, hex("00000010 00000000 00000000 01"));
    assert!(
        desc.as_str()
            .ends_with(r#"{"name": "channels[0].irq_disabled", "type": "uint8", "size": 1}]}"#),
        "{}",
        desc.as_str()
    );
    let mut back = Pit::default();
    back.load(&out, 3, &cx()).unwrap();
    assert_eq!(back, p);
    // A failed load puts the element back.
    let e = back.load(&hex("00000011 00000000"), 3, &cx()).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::UnexpectedEof { .. }), "{e}");
    assert_eq!(back, p);
}
