//! QEMU's `Fifo8` (`VMSTATE_FIFO8`): a byte ring of a capacity the device configures,
//! migrated as the whole ring, the head index and the count.
//!
//! ```
//! use vmstate::{Context, Fifo8, VmState};
//!
//! #[derive(Clone, Debug, PartialEq, VmState)]
//! #[vmstate(name = "uart", version = 1)]
//! struct Uart { rx: Fifo8 }
//!
//! let cx = Context::default();
//! let mut u = Uart { rx: Fifo8::new(4) };
//! u.rx.push(b'h').unwrap();
//! u.rx.push(b'i').unwrap();
//! assert_eq!(u.rx.pop(), Some(b'h'));
//! let mut body = Vec::new();
//! u.save(&mut body, &cx).unwrap();
//! // The ring (4 bytes), head 1, count 1.
//! assert_eq!(body, [b'h', b'i', 0, 0, 0, 0, 0, 1, 0, 0, 0, 1]);
//! let mut back = Uart { rx: Fifo8::new(4) };
//! back.load(&body, 1, &cx).unwrap();
//! assert_eq!(back.rx.pop(), Some(b'i'));
//! ```

use alloc::vec;
use alloc::vec::Vec;

use crate::{Context, Error, Result, VmState};

/// A byte FIFO of fixed capacity (QEMU's `Fifo8`, description `Fifo8` version 1).
#[derive(Clone, Debug, Default, PartialEq, Eq, VmState)]
#[vmstate(name = "Fifo8", version = 1, minimum_version = 1, crate = crate, post_load = Fifo8::check)]
pub struct Fifo8 {
    /// Bytes of the ring (configuration: not sent).
    #[vmstate(skip)]
    capacity: u32,
    /// The ring.
    #[vmstate(buffer, varray(count = capacity, max = 16777216), since = 1)]
    data: Vec<u8>,
    /// Index of the oldest byte.
    head: u32,
    /// Bytes held.
    num: u32,
}

impl Fifo8 {
    /// An empty FIFO of `capacity` bytes.
    pub fn new(capacity: u32) -> Self {
        Fifo8 {
            capacity,
            data: vec![0; capacity as usize],
            head: 0,
            num: 0,
        }
    }

    /// Bytes held.
    pub fn len(&self) -> usize {
        self.num as usize
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.num == 0
    }

    /// Whether it is full.
    pub fn is_full(&self) -> bool {
        self.num == self.capacity
    }

    /// Appends a byte; `Err` (and nothing changes) when full.
    pub fn push(&mut self, b: u8) -> core::result::Result<(), u8> {
        if self.is_full() {
            return Err(b);
        }
        let at = (self.head + self.num) % self.capacity;
        self.data[at as usize] = b;
        self.num += 1;
        Ok(())
    }

    /// Takes the oldest byte.
    pub fn pop(&mut self) -> Option<u8> {
        if self.num == 0 {
            return None;
        }
        let b = self.data[self.head as usize];
        self.head = (self.head + 1) % self.capacity;
        self.num -= 1;
        Some(b)
    }

    /// A stream's head and count must fit the ring (QEMU trusts them; a hostile stream
    /// would index past it).
    fn check(&mut self, _cx: &Context, _version: u32) -> Result<()> {
        if self.num > self.capacity || (self.capacity > 0 && self.head >= self.capacity) {
            return Err(Error::invalid(alloc::format!(
                "Fifo8: head {} and count {} do not fit a ring of {} bytes",
                self.head,
                self.num,
                self.capacity
            )));
        }
        Ok(())
    }
}
