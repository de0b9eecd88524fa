//! QEMU's own vmstate unit-test vectors (spec: qemu-test-vectors.md), rebuilt with the
//! derive: every save must match QEMU's bytes exactly and every load must accept or refuse
//! as QEMU does.

mod common;
use common::hex;
use vmstate::{Context, VmState};

fn cx() -> Context {
    Context::default()
}

#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "simple/primitive", version = 1, minimum_version = 1)]
struct Primitives {
    b_1: bool,
    b_2: bool,
    u8_1: u8,
    u16_1: u16,
    u32_1: u32,
    u64_1: u64,
    i8_1: i8,
    i8_2: i8,
    i16_1: i16,
    i16_2: i16,
    i32_1: i32,
    i32_2: i32,
    i64_1: i64,
    i64_2: i64,
}

const PRIMITIVES: &str = "0100820200000111700000000000b8f47c41bf0200fe0000011170fffeee900000000000b8f47cffffffffff470b8400";

fn primitives() -> Primitives {
    Primitives {
        b_1: true,
        b_2: false,
        u8_1: 130,
        u16_1: 512,
        u32_1: 70000,
        u64_1: 12121212,
        i8_1: 65,
        i8_2: -65,
        i16_1: 512,
        i16_2: -512,
        i32_1: 70000,
        i32_2: -70000,
        i64_1: 12121212,
        i64_2: -12121212,
    }
}

#[test]
fn case1_primitives_save_and_load() {
    let mut out = Vec::new();
    primitives().save(&mut out, &cx()).unwrap();
    out.push(0); // the test's terminator
    assert_eq!(out, hex(PRIMITIVES));

    let mut dst = Primitives::default();
    let used = dst.load(&hex(PRIMITIVES), 1, &cx()).unwrap();
    assert_eq!(used, 47, "the terminator stays unread");
    assert_eq!(dst, primitives());
}

/// QEMU's truncation protocol: empty, N-2, N/2 from the start, N/2 from the middle.
fn truncations(full: &[u8]) -> Vec<Vec<u8>> {
    let n = full.len();
    vec![
        Vec::new(),
        full[..n - 2].to_vec(),
        full[..n / 2].to_vec(),
        full[n / 2..].to_vec(),
    ]
}

#[test]
fn case2_truncated_primitives_are_refused() {
    for input in truncations(&hex(PRIMITIVES)) {
        let mut dst = Primitives::default();
        let err = dst.load(&input, 1, &cx()).unwrap_err();
        assert!(err.is_eof(), "{err}");
        assert_eq!(dst, Primitives::default(), "destination untouched");
    }
}

#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "simple/array", version = 1, minimum_version = 1)]
struct U16Array {
    u16_1: [u16; 3],
}

#[test]
fn case3_and_4_u16_array() {
    let mut out = Vec::new();
    U16Array {
        u16_1: [0x42, 0x43, 0x44],
    }
    .save(&mut out, &cx())
    .unwrap();
    out.push(0);
    assert_eq!(out, hex("00420043004400"));
    let mut dst = U16Array::default();
    dst.load(&out, 1, &cx()).unwrap();
    assert_eq!(dst.u16_1, [0x42, 0x43, 0x44]);
    for input in truncations(&out) {
        let mut dst = U16Array::default();
        assert!(dst.load(&input, 1, &cx()).is_err());
        assert_eq!(dst, U16Array::default());
    }
    // (d) "430044": one element 0x4300 and then the input runs out, at element 2.
    let err = U16Array::default()
        .load(&hex("430044"), 1, &cx())
        .unwrap_err();
    assert_eq!(err.path(), "simple/array.u16_1[1]");
    assert_eq!(err.offset(), Some(2));
}

#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "test/versioned", version = 2, minimum_version = 1)]
struct Versioned {
    a: u32,
    #[vmstate(since = 2)]
    b: u32,
    c: u32,
    d: u64,
    #[vmstate(since = 2)]
    e: u32,
    #[vmstate(since = 2)]
    f: u64,
    #[vmstate(skip)]
    skip_c_e: bool,
}

const V2: &str = "0000000a000000140000001e000000000000002800000032000000000000003c00";

#[test]
fn case5_version2_stream() {
    let mut dst = Versioned::default();
    dst.load(&hex(V2), 2, &cx()).unwrap();
    assert_eq!(
        (dst.a, dst.b, dst.c, dst.d, dst.e, dst.f),
        (10, 20, 30, 40, 50, 60)
    );
}

#[test]
fn version1_stream_keeps_later_fields() {
    // Same description, version-1 stream: b, e, f absent and keep the target's values.
    let mut dst = Versioned {
        b: 2,
        e: 5,
        f: 6,
        ..Versioned::default()
    };
    dst.load(&hex("0000000a0000001e0000000000000028"), 1, &cx())
        .unwrap();
    assert_eq!(
        (dst.a, dst.b, dst.c, dst.d, dst.e, dst.f),
        (10, 2, 30, 40, 5, 6)
    );
}

#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "test/skip", version = 2, minimum_version = 1)]
struct Skip {
    a: u32,
    b: u32,
    #[vmstate(test = Skip::t)]
    c: u32,
    d: u64,
    #[vmstate(test = Skip::t)]
    e: u32,
    #[vmstate(since = 2)]
    f: u64,
    #[vmstate(skip)]
    skip_c_e: bool,
}

impl Skip {
    fn t(&self, _cx: &Context, _version: u32) -> bool {
        !self.skip_c_e
    }
}

#[test]
fn case6_test_true_on_load() {
    let mut dst = Skip::default();
    dst.load(&hex(V2), 2, &cx()).unwrap();
    assert_eq!(
        (dst.a, dst.b, dst.c, dst.d, dst.e, dst.f),
        (10, 20, 30, 40, 50, 60)
    );
}

#[test]
fn case7_test_false_on_load() {
    let mut dst = Skip {
        skip_c_e: true,
        c: 300,
        e: 500,
        ..Skip::default()
    };
    let input = hex("0000000a000000140000000000000028000000000000003c00");
    assert_eq!(dst.load(&input, 2, &cx()).unwrap(), 24);
    assert_eq!(
        (dst.a, dst.b, dst.c, dst.d, dst.e, dst.f),
        (10, 20, 300, 40, 500, 60)
    );
    assert!(dst.skip_c_e);
}

#[test]
fn case8_test_true_on_save() {
    let mut src = Skip {
        a: 1,
        b: 2,
        c: 3,
        d: 4,
        e: 5,
        f: 6,
        skip_c_e: false,
    };
    let mut out = Vec::new();
    src.save(&mut out, &cx()).unwrap();
    assert_eq!(
        out,
        hex("0000000100000002000000030000000000000004000000050000000000000006")
    );
    // And with the test false, c and e are not written.
    src.skip_c_e = true;
    out.clear();
    src.save(&mut out, &cx()).unwrap();
    assert_eq!(
        out,
        hex("00000001000000020000000000000004 0000000000000006")
    );
}

#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "test/tst", version = 1, minimum_version = 1)]
struct Tst {
    i: i32,
}

#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "test/arps", version = 1, minimum_version = 1)]
struct ArrayOfStructs {
    ar: [Tst; 4],
}

#[test]
fn case9_array_of_structs() {
    let mut src = ArrayOfStructs {
        ar: [Tst { i: 0 }, Tst { i: 1 }, Tst { i: 2 }, Tst { i: 3 }],
    };
    let mut out = Vec::new();
    src.save(&mut out, &cx()).unwrap();
    out.push(0);
    assert_eq!(out, hex("0000000000000001000000020000000300"));
    let mut dst = ArrayOfStructs::default();
    dst.load(&out, 1, &cx()).unwrap();
    assert_eq!(dst, src);
}

/// Case 15 (VMSTATE_WITH_TMP): a value derived in pre_save travels in place of a field
/// and is applied back by post_load. Here the derived value is a wire-only field.
#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "test/with_tmp", version = 1, pre_save = WithTmp::pre_save, post_load = WithTmp::post_load)]
struct WithTmp {
    a: u32,
    d: u64,
    /// Wire-only: b - a.
    diff: i64,
    f: u64,
    #[vmstate(skip)]
    b: u32,
}

impl WithTmp {
    fn pre_save(&mut self, _cx: &Context) -> Result<(), String> {
        self.diff = i64::from(self.b) - i64::from(self.a);
        Ok(())
    }
    fn post_load(&mut self, _cx: &Context, _version: u32) -> Result<(), String> {
        self.b = u32::try_from(i64::from(self.a) + self.diff).map_err(|e| e.to_string())?;
        Ok(())
    }
}

#[test]
fn case15_value_through_hooks() {
    let mut src = WithTmp {
        a: 2,
        b: 4,
        d: 1,
        f: 8,
        diff: 0,
    };
    let mut out = Vec::new();
    src.save(&mut out, &cx()).unwrap();
    out.push(0);
    assert_eq!(
        out,
        hex("0000000200000000000000010000000000000002000000000000000800")
    );
    let mut dst = WithTmp::default();
    dst.load(&out, 1, &cx()).unwrap();
    assert_eq!((dst.a, dst.b, dst.d, dst.f), (2, 4, 1, 8));
}
