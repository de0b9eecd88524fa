//! Saves a small device with `#[derive(VmState)]`, prints the bytes QEMU would put in
//! its section body and the JSON description QEMU appends to a stream, then loads the
//! bytes back, an older stream, and a corrupt one.
//!
//! Run: `cargo run --example device`

use vmstate::json::JsonWriter;
use vmstate::{Context, Timer, VmState};

/// A serial port as a VMM might migrate it.
#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "serial", version = 3, minimum_version = 2, post_load = Serial::post_load)]
struct Serial {
    divider: u16,
    rbr: u8,
    ier: u8,
    lcr: u8,
    #[vmstate(since = 3)]
    scr: u8,
    #[vmstate(unused = 1)]
    _removed_thr_ipending: (),
    fifo_len: u8,
    #[vmstate(varray(count = fifo_len, max = 16))]
    fifo: [u8; 16],
    timeout: Timer,
    #[vmstate(subsection(name = "serial/poll", needed = Serial::poll_needed))]
    poll: Poll,
}

#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "serial/poll", version = 1, minimum_version = 1)]
struct Poll {
    poll_msl: i32,
    modem_status_poll: Timer,
}

impl Serial {
    fn poll_needed(&self, _cx: &Context) -> bool {
        self.poll.poll_msl >= 0
    }

    fn post_load(&mut self, _cx: &Context, _version: u32) -> Result<(), String> {
        if self.divider == 0 {
            return Err("divider 0 would stop the clock".into());
        }
        Ok(())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn main() -> Result<(), vmstate::Error> {
    let cx = Context::new("pc-q35-9.0");
    let mut dev = Serial {
        divider: 12,
        ier: 0x0f,
        lcr: 0x03,
        scr: 0x55,
        fifo_len: 3,
        fifo: *b"abc\0\0\0\0\0\0\0\0\0\0\0\0\0",
        timeout: Timer::armed(1_000_000),
        poll: Poll {
            poll_msl: 1,
            modem_status_poll: Timer::disarmed(),
        },
        ..Serial::default()
    };

    let mut body = Vec::new();
    let mut desc = JsonWriter::new();
    dev.save_with_desc(&mut body, &mut desc, &cx)?;
    println!("section body ({} bytes):\n  {}", body.len(), hex(&body));
    println!("JSON description:\n  {}", desc.as_str());

    let mut restored = Serial::default();
    restored.load(&body, 3, &cx)?;
    assert_eq!(restored, dev);
    println!("loaded back: identical");

    // A version-2 source had no `scr`: the destination keeps its own.
    let mut v2 = body.clone();
    v2.remove(5);
    let mut older = Serial {
        scr: 0xaa,
        ..Serial::default()
    };
    older.load(&v2, 2, &cx)?;
    println!(
        "version-2 stream loaded: scr kept at {:#x}, divider {}",
        older.scr, older.divider
    );

    // A hostile stream: a FIFO count of 200 against a 16-byte FIFO.
    let mut hostile = body.clone();
    hostile[7] = 200;
    let before = restored.clone();
    let err = restored.load(&hostile, 3, &cx).unwrap_err();
    assert_eq!(restored, before);
    println!("hostile stream refused: {err}");
    Ok(())
}
