//! Version skew, subsections, hooks, machine-type contexts and transactional loads.

mod common;
use common::hex;
use std::sync::Mutex;
use vmstate::{Context, ErrorKind, VmState};

fn cx() -> Context {
    Context::default()
}

// ---------------------------------------------------------------------------------
// A device in two releases: v1, and v3 that added a field (since 2), a subsection and
// an old-version loader for v1 streams that predate `minimum_version`.

#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "uart", version = 1, minimum_version = 1)]
struct UartV1 {
    divisor: u16,
    lcr: u8,
}

#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "uart", version = 3, minimum_version = 2, old_version(minimum = 1, load = UartV3::load_v1))]
struct UartV3 {
    divisor: u16,
    lcr: u8,
    #[vmstate(since = 3)]
    fifo_level: u8,
    #[vmstate(subsection(name = "uart/fifo", needed = UartV3::fifo_needed))]
    fifo: Fifo,
    #[vmstate(skip)]
    loaded_from_v1: bool,
}

#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "uart/fifo", version = 1, minimum_version = 1)]
struct Fifo {
    data: [u8; 4],
    #[vmstate(subsection(name = "uart/fifo/timeout", needed = Fifo::timeout_needed))]
    timeout: Timeout,
}

#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "uart/fifo/timeout", version = 2, minimum_version = 1)]
struct Timeout {
    ns: u64,
}

impl UartV3 {
    fn fifo_needed(&self, _cx: &Context) -> bool {
        self.fifo.data != [0; 4]
    }
    fn load_v1(
        &mut self,
        r: &mut vmstate::wire::Reader<'_>,
        _version: u32,
        _cx: &Context,
    ) -> Result<(), String> {
        self.divisor = r.get_be16().map_err(|e| e.to_string())?;
        self.lcr = r.get_u8().map_err(|e| e.to_string())?;
        self.loaded_from_v1 = true;
        Ok(())
    }
}

impl Fifo {
    fn timeout_needed(&self, _cx: &Context) -> bool {
        self.timeout.ns != 0
    }
}

#[test]
fn old_stream_into_newer_struct_goes_through_the_old_loader() {
    let mut v1 = UartV1 {
        divisor: 12,
        lcr: 3,
    };
    let mut body = Vec::new();
    v1.save(&mut body, &cx()).unwrap();
    let mut dst = UartV3 {
        fifo_level: 9,
        ..UartV3::default()
    };
    dst.load(&body, 1, &cx()).unwrap();
    assert_eq!(
        (dst.divisor, dst.lcr, dst.fifo_level, dst.loaded_from_v1),
        (12, 3, 9, true)
    );
}

#[test]
fn a_version_2_stream_lacks_later_fields_which_keep_their_values() {
    let mut dst = UartV3 {
        fifo_level: 9,
        ..UartV3::default()
    };
    dst.load(&hex("000C 03"), 2, &cx()).unwrap();
    assert_eq!(
        (dst.divisor, dst.lcr, dst.fifo_level, dst.loaded_from_v1),
        (12, 3, 9, false)
    );
}

#[test]
fn versions_outside_the_range_are_refused_by_name() {
    let mut dst = UartV3::default();
    let err = dst.load(&hex("000C 03 00"), 4, &cx()).unwrap_err();
    assert!(matches!(
        err.kind(),
        ErrorKind::VersionTooNew { found: 4, max: 3 }
    ));
    assert_eq!(
        err.to_string(),
        "uart: at byte 0: incoming version 4 is too new (local version 3)"
    );
    let err = dst.load(&hex("000C 03 00"), 0, &cx()).unwrap_err();
    assert!(matches!(
        err.kind(),
        ErrorKind::VersionTooOld { found: 0, min: 2 }
    ));
    // Without an old-version loader, below the minimum is refused.
    let err = UartV1::default()
        .load(&hex("000C 03"), 0, &cx())
        .unwrap_err();
    assert!(matches!(
        err.kind(),
        ErrorKind::VersionTooOld { found: 0, min: 1 }
    ));
}

fn busy_uart() -> UartV3 {
    UartV3 {
        divisor: 1,
        lcr: 2,
        fifo_level: 3,
        fifo: Fifo {
            data: [4, 5, 6, 7],
            timeout: Timeout { ns: 8 },
        },
        loaded_from_v1: false,
    }
}

const BUSY: &str = "0001 02 03
    05 09 756172742F6669666F 00000001 04050607
      05 11 756172742F6669666F2F74696D656F7574 00000002 0000000000000008";

#[test]
fn subsections_nest_and_are_saved_only_when_needed() {
    let mut out = Vec::new();
    busy_uart().save(&mut out, &cx()).unwrap();
    assert_eq!(out, hex(BUSY));
    let mut dst = UartV3::default();
    dst.load(&out, 3, &cx()).unwrap();
    assert_eq!(dst, busy_uart());

    let mut quiet = UartV3 {
        divisor: 1,
        lcr: 2,
        fifo_level: 3,
        ..UartV3::default()
    };
    out.clear();
    quiet.save(&mut out, &cx()).unwrap();
    assert_eq!(out, hex("0001 02 03"));
}

#[test]
fn an_absent_subsection_leaves_the_targets_value() {
    let mut dst = busy_uart();
    dst.load(&hex("0009 08 07"), 3, &cx()).unwrap();
    assert_eq!((dst.divisor, dst.lcr, dst.fifo_level), (9, 8, 7));
    assert_eq!(dst.fifo, busy_uart().fifo);
}

#[test]
fn subsections_load_in_any_order() {
    #[derive(Clone, Debug, Default, PartialEq, VmState)]
    #[vmstate(name = "dev", version = 1)]
    struct Dev {
        x: u8,
        #[vmstate(subsection(name = "dev/a", needed = Dev::yes))]
        a: A,
        #[vmstate(subsection(name = "dev/b", needed = Dev::yes))]
        b: B,
    }
    #[derive(Clone, Debug, Default, PartialEq, VmState)]
    #[vmstate(name = "dev/a", version = 1)]
    struct A {
        v: u8,
    }
    #[derive(Clone, Debug, Default, PartialEq, VmState)]
    #[vmstate(name = "dev/b", version = 1)]
    struct B {
        v: u8,
    }
    impl Dev {
        fn yes(&self, _: &Context) -> bool {
            true
        }
    }
    let swapped = hex("01 0505 6465762F62 00000001 BB 0505 6465762F61 00000001 AA");
    let mut dst = Dev::default();
    dst.load(&swapped, 1, &cx()).unwrap();
    assert_eq!((dst.x, dst.a.v, dst.b.v), (1, 0xAA, 0xBB));

    // The same subsection twice is refused.
    let twice = hex("01 0505 6465762F61 00000001 AA 0505 6465762F61 00000001 AB");
    let mut dst = Dev::default();
    let err = dst.load(&twice, 1, &cx()).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::DuplicateSubsection(n) if n == "dev/a"),
        "{err}"
    );
    assert_eq!(dst, Dev::default());

    // A name without the parent's prefix is left for the enclosing level, unread.
    let foreign = hex("01 0505 6F7468657200 00000001");
    let mut dst = Dev::default();
    assert_eq!(dst.load(&foreign, 1, &cx()).unwrap(), 1);
}

#[test]
fn an_unknown_subsection_is_refused_by_name_and_nothing_changes() {
    let input = hex("0001 02 03 05 09 756172742F7A7A7A7A 00000001 04050607");
    let mut dst = busy_uart();
    let err = dst.load(&input, 3, &cx()).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::UnknownSubsection(n) if n == "uart/zzzz"),
        "{err}"
    );
    assert_eq!(err.offset(), Some(4));
    assert_eq!(dst, busy_uart());
}

#[test]
fn subsection_errors_name_the_subsection_path() {
    // Timeout subsection cut short: the path is the innermost subsection and its field.
    let full = hex(BUSY);
    let mut dst = UartV3::default();
    let err = dst.load(&full[..full.len() - 3], 3, &cx()).unwrap_err();
    assert_eq!(err.path(), "uart/fifo/timeout.ns");
    assert_eq!(err.offset(), Some(full.len() as u64 - 8));
    assert_eq!(dst, UartV3::default());
    // A subsection version above its description's is refused.
    let mut bad = full.clone();
    bad[45] = 3; // uart/fifo/timeout version 2 -> 3
    let err = UartV3::default().load(&bad, 3, &cx()).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::VersionTooNew { found: 3, max: 2 }),
        "{err:?}"
    );
    assert_eq!(err.path(), "uart/fifo/timeout");
}

// ---------------------------------------------------------------------------------
// Hooks run in QEMU's order and their errors keep their context.

static LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn log(s: &str) {
    LOG.lock().unwrap().push(s.to_owned());
}

fn take_log() -> Vec<String> {
    std::mem::take(&mut *LOG.lock().unwrap())
}

#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "hooked", version = 1, pre_load = Hooked::pre_load, post_load = Hooked::post_load,
          pre_save = Hooked::pre_save, post_save = Hooked::post_save)]
struct Hooked {
    #[vmstate(test = Hooked::field_test)]
    a: u32,
    #[vmstate(subsection(name = "hooked/sub", needed = Hooked::needed))]
    sub: HookedSub,
    #[vmstate(skip)]
    fail: Option<&'static str>,
}

#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "hooked/sub", version = 1, pre_load = HookedSub::pre_load, post_load = HookedSub::post_load,
          pre_save = HookedSub::pre_save, post_save = HookedSub::post_save)]
struct HookedSub {
    b: u32,
    #[vmstate(skip)]
    fail: bool,
}

impl Hooked {
    fn check(&self, hook: &str) -> Result<(), String> {
        log(hook);
        match self.fail {
            Some(h) if h == hook => Err(format!("{hook} refused")),
            _ => Ok(()),
        }
    }
    fn pre_load(&mut self, _: &Context) -> Result<(), String> {
        self.check("pre_load")
    }
    fn post_load(&mut self, _: &Context, version: u32) -> Result<(), String> {
        assert_eq!(version, 1);
        self.check("post_load")
    }
    fn pre_save(&mut self, _: &Context) -> Result<(), String> {
        self.check("pre_save")
    }
    fn post_save(&mut self, _: &Context) -> Result<(), String> {
        self.check("post_save")
    }
    fn field_test(&self, _: &Context, _: u32) -> bool {
        log("test");
        true
    }
    fn needed(&self, _: &Context) -> bool {
        log("needed");
        true
    }
}

impl HookedSub {
    fn pre_load(&mut self, _: &Context) -> Result<(), String> {
        log("sub.pre_load");
        Ok(())
    }
    fn post_load(&mut self, _: &Context, _: u32) -> Result<(), String> {
        log("sub.post_load");
        Ok(())
    }
    fn pre_save(&mut self, _: &Context) -> Result<(), String> {
        log("sub.pre_save");
        Ok(())
    }
    fn post_save(&mut self, _: &Context) -> Result<(), String> {
        log("sub.post_save");
        if self.fail {
            return Err("sub post_save".into());
        }
        Ok(())
    }
}

// One test so the shared log is not interleaved with other tests.
#[test]
fn hooks_run_in_qemus_order_and_fail_cleanly() {
    take_log();
    let mut v = Hooked {
        a: 7,
        sub: HookedSub { b: 8, fail: false },
        fail: None,
    };
    let mut out = Vec::new();
    v.save(&mut out, &cx()).unwrap();
    assert_eq!(
        take_log(),
        [
            "pre_save",
            "test",
            "needed",
            "sub.pre_save",
            "sub.post_save",
            "post_save"
        ]
    );

    let mut dst = Hooked::default();
    dst.load(&out, 1, &cx()).unwrap();
    assert_eq!(
        take_log(),
        [
            "pre_load",
            "test",
            "sub.pre_load",
            "sub.post_load",
            "post_load"
        ]
    );
    assert_eq!((dst.a, dst.sub.b), (7, 8));

    // A failing post_load: the error names the hook, its message and the offset, and the
    // destination is exactly as before.
    let mut dst = Hooked {
        a: 1,
        fail: Some("post_load"),
        ..Hooked::default()
    };
    let before = dst.clone();
    let err = dst.load(&out, 1, &cx()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "hooked: at byte {}: post_load failed: post_load refused",
            out.len()
        )
    );
    assert_eq!(
        std::error::Error::source(&err).unwrap().to_string(),
        "post_load refused"
    );
    assert_eq!(dst, before);
    take_log();

    // A failing pre_save: nothing else runs, not even post_save.
    v.fail = Some("pre_save");
    assert!(v.save(&mut Vec::new(), &cx()).is_err());
    assert_eq!(take_log(), ["pre_save"]);

    // A failure after pre_save: post_save still runs, and the first error is reported.
    v.fail = None;
    v.sub.fail = true;
    let err = v.save(&mut Vec::new(), &cx()).unwrap_err();
    assert_eq!(err.path(), "hooked/sub");
    assert_eq!(
        take_log(),
        [
            "pre_save",
            "test",
            "needed",
            "sub.pre_save",
            "sub.post_save",
            "post_save"
        ]
    );
}

// ---------------------------------------------------------------------------------
// The machine-type context: the backward-migration decision declared once.

#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "cpu", version = 5, minimum_version = 5)]
struct MiniCpu {
    pc: u64,
    #[vmstate(if_compat = "pre-2.8-migration")]
    mig_msr_mask: u64,
    #[vmstate(subsection(name = "cpu/compat", needed = MiniCpu::compat_needed, unless_compat = "pre-2.10-migration"))]
    compat: Compat,
}

#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "cpu/compat", version = 1, minimum_version = 1)]
struct Compat {
    compat_pvr: u32,
}

impl MiniCpu {
    fn compat_needed(&self, _: &Context) -> bool {
        self.compat.compat_pvr != 0
    }
}

fn pseries(v: &'static str) -> Context {
    let cx = Context::new(v);
    match v {
        "pseries-2.7" => cx
            .with_compat("pre-2.8-migration")
            .with_compat("pre-2.10-migration"),
        "pseries-2.9" => cx.with_compat("pre-2.10-migration"),
        _ => cx,
    }
}

#[test]
fn a_new_source_writes_what_an_older_machine_type_accepts() {
    let mut cpu = MiniCpu {
        pc: 0x100,
        mig_msr_mask: 0xff,
        compat: Compat {
            compat_pvr: 0x0f000004,
        },
    };

    let mut new = Vec::new();
    cpu.save(&mut new, &pseries("pseries-7.2")).unwrap();
    assert_eq!(
        new,
        hex("0000000000000100 050A6370752F636F6D706174 00000001 0F000004")
    );

    let mut old = Vec::new();
    cpu.save(&mut old, &pseries("pseries-2.9")).unwrap();
    assert_eq!(
        old,
        hex("0000000000000100"),
        "pre-2.10 machines never get cpu/compat"
    );

    let mut oldest = Vec::new();
    cpu.save(&mut oldest, &pseries("pseries-2.7")).unwrap();
    assert_eq!(oldest, hex("0000000000000100 00000000000000FF"));

    // An older destination (its description has no cpu/compat at all) loads the
    // pseries-2.9 stream but refuses the pseries-7.2 one.
    #[derive(Clone, Debug, Default, PartialEq, VmState)]
    #[vmstate(name = "cpu", version = 5, minimum_version = 5)]
    struct OldCpu {
        pc: u64,
    }
    let mut dst = OldCpu::default();
    dst.load(&old, 5, &Context::new("pseries-2.9")).unwrap();
    assert_eq!(dst.pc, 0x100);
    let err = OldCpu::default()
        .load(&new, 5, &Context::new("pseries-7.2"))
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::UnknownSubsection(n) if n == "cpu/compat"));

    // Loading evaluates the gates with the destination's context.
    let mut dst = MiniCpu::default();
    dst.load(&oldest, 5, &pseries("pseries-2.7")).unwrap();
    assert_eq!(dst.mig_msr_mask, 0xff);
    // The schema records the decision, so it can be checked without running anything.
    let d = <MiniCpu as VmState>::DESCRIPTION;
    assert_eq!(
        d.subsections[0].gate,
        Some(vmstate::Gate::Unless("pre-2.10-migration"))
    );
    assert!(!d.subsections[0]
        .gate
        .unwrap()
        .allows(&pseries("pseries-2.9")));
    assert!(d.subsections[0]
        .gate
        .unwrap()
        .allows(&pseries("pseries-7.2")));
}

#[test]
fn a_failed_load_leaves_every_field_and_subsection_as_before() {
    let mut dst = busy_uart();
    let before = dst.clone();
    let full = hex(BUSY);
    for cut in 0..full.len() {
        let r = dst.load(&full[..cut], 3, &cx());
        // Cuts that end exactly between the fields and a subsection are valid shorter
        // bodies (the subsection is simply absent); every other cut fails.
        match r {
            Ok(_) => dst = before.clone(),
            Err(e) => {
                assert!(e.is_eof(), "cut {cut}: {e}");
                assert_eq!(dst, before, "cut {cut}");
            }
        }
    }
}

// A body that is a fixed sequence of values loads transactionally without a backup
// copy when it can tell the load cannot fail. Its twin below has the same wire format
// but hooks, so it always takes the backup path element by element: the two must agree
// on every input, and a failed load must leave the target as it was.

#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "cell", version = 1)]
struct Cell {
    a: u32,
    b: u8,
}

#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "grid", version = 2)]
struct Grid {
    head: u16,
    one: Cell,
    #[vmstate(unused = 2)]
    _pad: (),
    cells: [[Cell; 2]; 3],
    tail: u64,
}

fn nothing<T>(_: &mut T, _: &Context) -> Result<(), std::convert::Infallible> {
    Ok(())
}

#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "cell", version = 1, pre_save = nothing)]
struct HookedCell {
    a: u32,
    b: u8,
}

#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "grid", version = 2, pre_save = nothing)]
struct HookedGrid {
    head: u16,
    one: HookedCell,
    #[vmstate(unused = 2)]
    _pad: (),
    cells: [[HookedCell; 2]; 3],
    tail: u64,
}

fn sample_grid() -> Grid {
    let mut g = Grid {
        head: 0xA1A2,
        one: Cell { a: 7, b: 8 },
        tail: 0x0102_0304_0506_0708,
        ..Grid::default()
    };
    for (i, c) in g.cells.as_flattened_mut().iter_mut().enumerate() {
        *c = Cell {
            a: 0x1000 + i as u32,
            b: i as u8,
        };
    }
    g
}

/// Loads `input` into a fresh pair of targets; both agree, and a failure leaves both
/// untouched.
fn load_both(input: &[u8]) {
    let mut plain = Grid {
        head: 0x5555,
        ..Grid::default()
    };
    let mut hooked = HookedGrid {
        head: 0x5555,
        ..HookedGrid::default()
    };
    let (before_p, before_h) = (plain.clone(), hooked.clone());
    let p = plain.load(input, 2, &cx());
    let h = hooked.load(input, 2, &cx());
    match (p, h) {
        (Ok(n), Ok(m)) => {
            assert_eq!(n, m, "consumed");
            let (mut a, mut b) = (Vec::new(), Vec::new());
            plain.save(&mut a, &cx()).unwrap();
            hooked.save(&mut b, &cx()).unwrap();
            assert_eq!(a, b, "loaded values");
        }
        (Err(e), Err(f)) => {
            assert_eq!(e.to_string(), f.to_string());
            assert_eq!(plain, before_p, "a failed load changed the target");
            assert_eq!(hooked, before_h);
        }
        (p, h) => panic!("paths disagree on {input:02x?}: {p:?} vs {h:?}"),
    }
}

#[test]
fn fixed_bodies_load_transactionally_without_a_backup_and_agree_with_the_general_path() {
    assert!(<Grid as VmState>::body_loads_cleanly(
        &{
            let mut v = Vec::new();
            sample_grid().save(&mut v, &cx()).unwrap();
            v
        },
        2
    ));
    assert!(!<HookedGrid as VmState>::body_loads_cleanly(&[0; 64], 2));
    let mut base = Vec::new();
    sample_grid().save(&mut base, &cx()).unwrap();
    assert_eq!(base.len(), 2 + 5 + 2 + 30 + 8);
    // Every truncation.
    for cut in 0..=base.len() {
        load_both(&base[..cut]);
    }
    // A subsection header (of the nested struct, of the body, of neither) at every
    // offset, and after the end.
    for marker in [&b"\x05\x06cell/z"[..], b"\x05\x06grid/z", b"\x05\x06other!"] {
        for at in 0..=base.len() {
            let mut input = base.clone();
            input.truncate(at);
            input.extend_from_slice(marker);
            input.extend_from_slice(&base[at.min(base.len())..]);
            load_both(&input);
            let mut input = base.clone();
            for (i, &b) in marker.iter().enumerate() {
                if let Some(x) = input.get_mut(at + i) {
                    *x = b;
                }
            }
            load_both(&input);
        }
    }
}
