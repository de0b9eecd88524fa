//! The slots of QEMU's `VMSTATE_ARRAY_OF_POINTER`: a pointer that may be null.

use crate::field::{Entry, Field};
use crate::schema::{Elem, Info};
use crate::wire::{Reader, Writer};
use crate::{Context, Error, Result};

/// The byte QEMU writes for a null pointer in an array of pointers
/// (`VMS_NULLPTR_MARKER`).
pub const NULL_MARKER: u8 = 0x30;

/// A slot of QEMU's `VMSTATE_ARRAY_OF_POINTER`: `Some(value)` is the value's own
/// encoding, `None` (a null pointer) the single byte [`NULL_MARKER`]. The slot is
/// described as `T`, with the size it wrote (1 for a null one, as QEMU 7.2 measures
/// it: a compressed array's description gives its first element's). As in QEMU, which slots are null is the destination's own layout:
/// a load reads the marker where its slot is `None` (anything else is an error) and the
/// value where it is `Some`.
///
/// ```
/// use vmstate::{Context, Nullable, VmState};
///
/// #[derive(Clone, Debug, Default, PartialEq, VmState)]
/// #[vmstate(name = "irqs", version = 1)]
/// struct Irqs {
///     lines: [Nullable<u32>; 3],
/// }
///
/// let mut irqs = Irqs { lines: [Nullable(Some(5)), Nullable(None), Nullable(Some(7))] };
/// let mut body = Vec::new();
/// irqs.save(&mut body, &Context::default()).unwrap();
/// assert_eq!(body, [0, 0, 0, 5, 0x30, 0, 0, 0, 7]);
/// let mut back = Irqs { lines: [Nullable(Some(0)), Nullable(None), Nullable(Some(0))] };
/// back.load(&body, 1, &Context::default()).unwrap();
/// assert_eq!(back, irqs);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Nullable<T>(pub Option<T>);

impl<T: Field> Field for Nullable<T> {
    const ELEM: Elem = T::ELEM;
    const COUNT: usize = T::COUNT;

    fn put(&mut self, w: &mut Writer<'_>, cx: &Context) -> Result<()> {
        match &mut self.0 {
            Some(v) => v.put(w, cx),
            None => {
                w.put_u8(NULL_MARKER);
                Ok(())
            }
        }
    }

    fn get(&mut self, r: &mut Reader<'_>, cx: &Context) -> Result<()> {
        match &mut self.0 {
            Some(v) => v.get(r, cx),
            None => match r.get_u8()? {
                NULL_MARKER => Ok(()),
                b => Err(Error::invalid(alloc::format!(
                    "expected the null-pointer marker 0x30 for a null slot, found {b:#04x}"
                ))),
            },
        }
    }

    fn put_described(&mut self, w: &mut Writer<'_>, cx: &Context, entry: &Entry<'_>) -> Result<()> {
        match &mut self.0 {
            Some(v) => v.put_described(w, cx, entry),
            // QEMU records the bytes the element wrote: the marker's one.
            None => {
                if let (Some(d), Elem::Leaf(info)) = (w.desc(), Self::ELEM) {
                    crate::describe_leaves(d, entry, Info { size: 1, ..info }, Self::COUNT);
                }
                w.without_desc(|w| self.put(w, cx))
            }
        }
    }
}
