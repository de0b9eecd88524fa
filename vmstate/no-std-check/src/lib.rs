//! `#[derive(VmState)]` in a `no_std` crate, against `vmstate` built without its `std`
//! feature (`no_std` + `alloc`). CI checks it alone, so that feature unification with
//! the rest of the workspace does not switch `std` back on:
//! `cargo check -p vmstate-no-std-check`.
//!
//! ```
//! let body = vmstate_no_std_check::round_trip();
//! // lcr, two slots, padding, divisor, then the subsection: marker, name, version, ns.
//! assert_eq!(body.len(), 4 + 2 * 9 + 1 + 2 + (1 + 1 + 12 + 4) + 4);
//! ```
#![no_std]

extern crate alloc;

use alloc::vec::Vec;
use vmstate::{Context, VmState};

/// A FIFO slot.
#[derive(Clone, Copy, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "slot", version = 1)]
pub struct Slot {
    /// Data.
    pub data: u64,
    /// Valid.
    pub valid: bool,
}

/// Extra state sent only when set.
#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "uart/timeout", version = 1)]
pub struct Timeout {
    /// Nanoseconds.
    pub ns: u32,
}

/// A small device with an array of structs, padding and a subsection.
#[derive(Clone, Debug, Default, PartialEq, VmState)]
#[vmstate(name = "uart", version = 2)]
pub struct Uart {
    /// Line control.
    pub lcr: u32,
    /// FIFO.
    pub fifo: [Slot; 2],
    /// One byte no longer used, zero on the wire.
    #[vmstate(unused = 1)]
    pub pad: (),
    /// Divisor, since version 2.
    #[vmstate(since = 2)]
    pub divisor: u16,
    /// Timeout, when armed.
    #[vmstate(subsection(name = "uart/timeout", needed = Uart::timeout_armed))]
    pub timeout: Timeout,
}

impl Uart {
    fn timeout_armed(&self, _: &Context) -> bool {
        self.timeout.ns != 0
    }
}

/// Saves a UART, loads the body into a fresh one, checks they agree, returns the body.
pub fn round_trip() -> Vec<u8> {
    let cx = Context::default();
    let mut src = Uart {
        lcr: 3,
        fifo: [Slot {
            data: 7,
            valid: true,
        }; 2],
        divisor: 12,
        timeout: Timeout { ns: 500 },
        ..Uart::default()
    };
    let mut body = Vec::new();
    src.save(&mut body, &cx).expect("a consistent UART saves");
    let mut dst = Uart::default();
    dst.load(&body, 2, &cx).expect("its own body loads");
    assert_eq!(dst, src);
    body
}
