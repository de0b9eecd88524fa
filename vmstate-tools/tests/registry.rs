//! Streams written through the library's registry: `analyze` reads them, they load back
//! with identical device bytes, and loads refuse what does not fit.

use vmstate::ram::RamSection;
use vmstate::registry::{LoadOptions, Registry};
use vmstate::{Context, Timer, VmState};

#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "serial", version = 3, minimum_version = 2)]
struct Serial {
    divider: u16,
    #[vmstate(since = 3)]
    scr: u8,
    n: u8,
    #[vmstate(varray(count = n, max = 16))]
    fifo: [u8; 16],
    timer: Timer,
}

#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "rtc", version = 1)]
struct Rtc {
    offset: i64,
}

fn vm(serial: &mut Serial, rtc: &mut Rtc, ram: &mut RamSection, cx: &Context) -> Vec<u8> {
    let mut reg = Registry::new();
    reg.iterative("ram", 0, ram);
    reg.device("serial", 0, serial);
    reg.device("rtc", 0, rtc);
    reg.save(cx, 4096).unwrap()
}

#[test]
fn a_registry_stream_analyzes_and_round_trips() {
    let cx = Context::new("pc-q35-9.0");
    let mut fifo = [0; 16];
    fifo[..2].copy_from_slice(&[7, 7]);
    let mut serial = Serial {
        divider: 12,
        scr: 0x55,
        n: 2,
        fifo,
        timer: Timer::armed(5),
    };
    let mut rtc = Rtc { offset: -3 };
    let mut ram = RamSection::new(4096);
    ram.add_block("pc.ram", 64 * 4096);
    ram.block_mut(0)[4096 * 10 + 3] = 9;
    let stream = vm(&mut serial, &mut rtc, &mut ram, &cx);

    let v = vmstate_tools::analyze::analyze(&stream, Default::default()).unwrap();
    assert_eq!(v["serial (2)"]["divider"], "0x000c");
    assert_eq!(v["rtc (3)"]["offset"], "0xfffffffffffffffd (-3)");
    assert_eq!(
        v["ram (1)"]["section sizes"]["pc.ram"],
        "0x0000000000040000"
    );

    let (mut s2, mut r2, mut ram2) = (Serial::default(), Rtc::default(), RamSection::new(4096));
    ram2.add_block("pc.ram", 64 * 4096);
    let mut reg = Registry::new();
    reg.iterative("ram", 0, &mut ram2);
    reg.device("serial", 0, &mut s2);
    reg.device("rtc", 0, &mut r2);
    reg.load(&stream, &cx, LoadOptions::default()).unwrap();
    drop(reg);
    assert_eq!((&s2, &r2), (&serial, &rtc));
    assert_eq!(ram2.block_mut(0)[4096 * 10 + 3], 9);
    // Saving the loaded VM gives the same device sections byte for byte.
    let again = vm(&mut s2, &mut r2, &mut ram2, &cx);
    let dev = |s: &[u8]| {
        let at = s.windows(7).position(|w| w == b"\x06serial").unwrap() - 5;
        s[at..s.len()].to_vec()
    };
    assert_eq!(dev(&again), dev(&stream));
}

#[test]
fn registry_loads_refuse_what_does_not_fit() {
    let cx = Context::new("pc-q35-9.0");
    let mut serial = Serial::default();
    let mut rtc = Rtc::default();
    let mut ram = RamSection::new(4096);
    ram.add_block("pc.ram", 4096);
    let stream = vm(&mut serial, &mut rtc, &mut ram, &cx);

    // Another machine type.
    let mut reg = Registry::new();
    let mut s = Serial::default();
    reg.device("serial", 0, &mut s);
    let e = reg
        .load(&stream, &Context::new("pc-q35-8.0"), LoadOptions::default())
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("Machine type received is 'pc-q35-9.0'"),
        "{e}"
    );

    // An unknown section (no ram registered).
    let e = reg.load(&stream, &cx, LoadOptions::default()).unwrap_err();
    assert!(
        e.to_string().starts_with("ram (instance 0): at byte"),
        "{e}"
    );

    // A version above the local one.
    #[derive(Clone, Debug, Default, PartialEq, VmState)]
    #[vmstate(name = "serial", version = 2, minimum_version = 2)]
    struct OldSerial {
        divider: u16,
        n: u8,
        #[vmstate(varray(count = n, max = 16))]
        fifo: [u8; 16],
        timer: Timer,
    }
    let (mut old, mut rtc2, mut ram2) =
        (OldSerial::default(), Rtc::default(), RamSection::new(4096));
    ram2.add_block("pc.ram", 4096);
    let mut reg = Registry::new();
    reg.iterative("ram", 0, &mut ram2);
    reg.device("serial", 0, &mut old);
    reg.device("rtc", 0, &mut rtc2);
    let e = reg.load(&stream, &cx, LoadOptions::default()).unwrap_err();
    assert!(
        e.to_string()
            .contains("incoming version 3 is too new (local version 2)"),
        "{e}"
    );
}
