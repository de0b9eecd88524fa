//! Linked lists as QEMU migrates them (`VMSTATE_QTAILQ_V`, `VMSTATE_QLIST_V`): each
//! element is a byte `0x01` followed by the element's body, and a byte `0x00` ends the
//! list. The element is a [`VmState`]; the list is a field of any derived struct.
//!
//! ```
//! use vmstate::{Context, QTailQ, VmState};
//!
//! #[derive(Clone, Debug, Default, PartialEq, VmState)]
//! #[vmstate(name = "event", version = 1)]
//! struct Event { summary: u32 }
//!
//! #[derive(Clone, Debug, Default, PartialEq, VmState)]
//! #[vmstate(name = "events", version = 1)]
//! struct Events { pending: QTailQ<Event, 64> }
//!
//! let cx = Context::default();
//! let mut e = Events::default();
//! e.pending.push(Event { summary: 7 });
//! e.pending.push(Event { summary: 9 });
//! let mut body = Vec::new();
//! e.save(&mut body, &cx).unwrap();
//! assert_eq!(body, [1, 0, 0, 0, 7, 1, 0, 0, 0, 9, 0]);
//! let mut back = Events::default();
//! back.load(&body, 1, &cx).unwrap();
//! assert_eq!(back, e);
//! ```

use alloc::vec::Vec;
use core::ops::{Deref, DerefMut};

use crate::field::{Entry, Field};
use crate::schema::{Elem, Info};
use crate::wire::{Reader, Writer};
use crate::{Context, Error, ErrorKind, Result, VmState};

macro_rules! queue {
    ($(#[$doc:meta])* $name:ident, $info:literal) => {
        $(#[$doc])*
        ///
        /// At most `MAX` elements load (a longer list in a stream is refused before
        /// anything is allocated for the excess); elements load at the element type's
        /// own version, as they were saved. A failed load leaves the list unchanged.
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub struct $name<T, const MAX: usize = 1024>(pub Vec<T>);

        impl<T, const MAX: usize> Default for $name<T, MAX> {
            fn default() -> Self {
                $name(Vec::new())
            }
        }

        impl<T, const MAX: usize> Deref for $name<T, MAX> {
            type Target = Vec<T>;
            fn deref(&self) -> &Vec<T> {
                &self.0
            }
        }

        impl<T, const MAX: usize> DerefMut for $name<T, MAX> {
            fn deref_mut(&mut self) -> &mut Vec<T> {
                &mut self.0
            }
        }

        impl<T: VmState + Field + Default, const MAX: usize> Field for $name<T, MAX> {
            const ELEM: Elem = Elem::Leaf(Info { name: $info, size: 0 });
            const COUNT: usize = 1;

            fn put(&mut self, w: &mut Writer<'_>, cx: &Context) -> Result<()> {
                put_list(&mut self.0, w, cx)
            }

            fn get(&mut self, r: &mut Reader<'_>, cx: &Context) -> Result<()> {
                // The list's allocation is reused (a transactional load keeps its own
                // copy of the old list).
                let mut items = core::mem::take(&mut self.0);
                items.clear();
                get_list::<T>(&mut items, r, cx, MAX)?;
                self.0 = items;
                Ok(())
            }

            fn put_described(
                &mut self,
                w: &mut Writer<'_>,
                cx: &Context,
                entry: &Entry<'_>,
            ) -> Result<()> {
                put_list_described(&mut self.0, w, cx, entry, $info)
            }
        }
    };
}

queue!(
    /// A tail queue (`QTAILQ`), described as type `qtailq`.
    QTailQ,
    "qtailq"
);
queue!(
    /// A list (`QLIST`), in the same framing, described as type `qlist`.
    QList,
    "qlist"
);

fn put_list<T: VmState + Field>(items: &mut [T], w: &mut Writer<'_>, cx: &Context) -> Result<()> {
    // Elements of a fixed encoding (a derived struct of plain values) go in one pass each.
    if let (Some(n), false) = (T::FIXED_SIZE, w.describing()) {
        for item in items.iter() {
            w.put_filled(1 + n, |b| {
                b[0] = 1;
                item.put_fixed(&mut b[1..]);
            });
        }
        w.put_u8(0);
        return Ok(());
    }
    for (i, item) in items.iter_mut().enumerate() {
        w.put_u8(1);
        item.save_body(w, cx).map_err(|e| e.at_index(i))?;
    }
    w.put_u8(0);
    Ok(())
}

/// QEMU writes each element's description (`vmsd_name`, `version`, `fields`, ...) into
/// the field's own object, one after the other, then the bytes of the whole list.
fn put_list_described<T: VmState + Field>(
    items: &mut [T],
    w: &mut Writer<'_>,
    cx: &Context,
    entry: &Entry<'_>,
    info: &str,
) -> Result<()> {
    if let Some(j) = w.desc() {
        j.start_object(None);
        j.str(Some("name"), entry.name);
        j.str(Some("type"), info);
    }
    let start = w.written();
    put_list(items, w, cx)?;
    let size = w.written() - start;
    if let Some(j) = w.desc() {
        j.int(Some("size"), size as i64);
        j.end_object();
    }
    Ok(())
}

fn get_list<T: VmState + Field + Default>(
    items: &mut Vec<T>,
    r: &mut Reader<'_>,
    cx: &Context,
    max: usize,
) -> Result<()> {
    loop {
        let at = r.offset();
        match r.get_u8()? {
            0 => return Ok(()),
            1 => {}
            m => {
                return Err(Error::invalid(alloc::format!(
                    "list marker {m:#04x}: expected 0x01 (an element) or 0x00 (the end)"
                ))
                .at_offset(at))
            }
        }
        if items.len() == max {
            return Err(Error::new(ErrorKind::LimitExceeded {
                requested: max as u64 + 1,
                limit: max as u64,
            })
            .at_offset(at)
            .at_index(max));
        }
        let mut item = T::default();
        let i = items.len();
        match T::FIXED_SIZE {
            Some(n) if T::loads_cleanly(r.rest()) => item.get_fixed(r.take(n)?),
            _ => item
                .load_body(r, T::DESCRIPTION.version, cx)
                .map_err(|e| e.at_index(i))?,
        }
        items.push(item);
    }
}
