//! The slots of QEMU's `VMSTATE_ARRAY_OF_POINTER` (a pointer that may be null), and
//! views: a member sent as a field of another type.

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

/// A wire field's view of a member of another type: `#[vmstate(place = member, view =
/// T)]` on a `()` field sends the member as `T` (QEMU's fields that send one member in
/// another size or form: `VMSTATE_UINT16_HACK` before the full-width field, one buffer
/// sent as 256 or 4096 bytes by test-gated fields). The member itself may be `skip`.
///
/// The integer views narrow and widen as QEMU's `*_as_uint32` infos do (the low bits
/// sent, zero-extended back).
///
/// ```
/// use vmstate::{Context, VmState};
///
/// #[derive(Clone, Debug, Default, PartialEq, VmState)]
/// #[vmstate(name = "pit", version = 3, minimum_version = 2)]
/// struct Pit {
///     /// Versions before 3 sent 16 bits of it.
///     #[vmstate(name = "count", place = count, view = u16, test = Pit::old)]
///     count_v2: (),
///     #[vmstate(since = 3)]
///     count: u32,
/// }
///
/// impl Pit {
///     fn old(&self, _: &Context, version: u32) -> bool {
///         version < 3
///     }
/// }
///
/// let mut p = Pit::default();
/// p.load(&[0x12, 0x34], 2, &Context::default()).unwrap();
/// assert_eq!(p.count, 0x1234);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a view of `{M}`, the member this field sends",
    label = "the type the member is sent as",
    note = "implement `vmstate::View<{M}>` for it (the integer views narrow a wider unsigned member)"
)]
pub trait View<M>: Sized {
    /// The view of the member's value (to send it).
    fn from_member(m: &M) -> Self;
    /// Puts a received view back into the member.
    fn into_member(self, m: &mut M);
}

macro_rules! integer_views {
    ($($narrow:ty => $($wide:ty),*;)*) => {$($(
        impl View<$wide> for $narrow {
            fn from_member(m: &$wide) -> Self {
                *m as $narrow
            }
            fn into_member(self, m: &mut $wide) {
                *m = <$wide>::from(self);
            }
        }
    )*)*};
}

integer_views! {
    u8 => u16, u32, u64;
    u16 => u32, u64;
    u32 => u64;
}
