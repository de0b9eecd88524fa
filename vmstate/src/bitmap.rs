//! A bitmap whose length the destination's configuration sets (QEMU's `VMSTATE_BITMAP`
//! with a run-time `_field_size`, e.g. an interrupt map of as many bits as the machine
//! has interrupts): the length is not sent, so both sides construct it with theirs.
//!
//! ```
//! use vmstate::{BitmapVec, Context, VmState};
//!
//! #[derive(Clone, Debug, PartialEq, VmState)]
//! #[vmstate(name = "irqs", version = 1)]
//! struct Irqs { map: BitmapVec }
//!
//! let cx = Context::default();
//! let mut src = Irqs { map: BitmapVec::new(100) };
//! src.map.set(3, true);
//! src.map.set(99, true);
//! let mut body = Vec::new();
//! src.save(&mut body, &cx).unwrap();
//! assert_eq!(body.len(), 16); // two 64-bit words
//! let mut dst = Irqs { map: BitmapVec::new(100) };
//! dst.load(&body, 1, &cx).unwrap();
//! assert!(dst.map.get(99) && !dst.map.get(98));
//! // A destination configured with fewer bits reads fewer words: the stream then
//! // does not line up, as in QEMU.
//! ```

use alloc::vec;
use alloc::vec::Vec;

use crate::field::{Entry, Field};
use crate::schema::{Elem, Info};
use crate::wire::{Reader, Writer};
use crate::{Context, Result};

/// A bitmap of a run-time number of bits, sent as that many bits rounded up to 64-bit
/// words (big-endian), described as type `bitmap` of the bytes written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BitmapVec {
    bits: usize,
    words: Vec<u64>,
}

impl BitmapVec {
    /// An all-zero bitmap of `bits` bits.
    pub fn new(bits: usize) -> Self {
        BitmapVec {
            bits,
            words: vec![0; bits.div_ceil(64)],
        }
    }

    /// Its length in bits.
    pub fn len(&self) -> usize {
        self.bits
    }

    /// Whether it has no bits.
    pub fn is_empty(&self) -> bool {
        self.bits == 0
    }

    /// Bit `i` (false when out of range).
    pub fn get(&self, i: usize) -> bool {
        i < self.bits && self.words[i / 64] >> (i % 64) & 1 == 1
    }

    /// Sets bit `i`; out-of-range indices are ignored.
    pub fn set(&mut self, i: usize, value: bool) {
        if i < self.bits {
            let m = 1u64 << (i % 64);
            if value {
                self.words[i / 64] |= m;
            } else {
                self.words[i / 64] &= !m;
            }
        }
    }

    /// Whether any bit is set.
    pub fn any(&self) -> bool {
        self.words.iter().any(|&w| w != 0)
    }
}

impl Field for BitmapVec {
    const ELEM: Elem = Elem::Leaf(Info {
        name: "bitmap",
        size: 0,
    });
    const COUNT: usize = 1;

    fn put(&mut self, w: &mut Writer<'_>, cx: &Context) -> Result<()> {
        u64::put_slice(&mut self.words, w, cx)
    }

    fn get(&mut self, r: &mut Reader<'_>, cx: &Context) -> Result<()> {
        u64::get_slice(&mut self.words, r, cx)
    }

    fn put_described(&mut self, w: &mut Writer<'_>, cx: &Context, entry: &Entry<'_>) -> Result<()> {
        if let Some(d) = w.desc() {
            d.start_object(None);
            d.str(Some("name"), entry.name);
            d.str(Some("type"), "bitmap");
            d.int(Some("size"), (self.words.len() * 8) as i64);
            d.end_object();
        }
        w.without_desc(|w| self.put(w, cx))
    }
}
