//! Field codecs: how one Rust value travels on the wire (QEMU's `VMStateInfo`).
//!
//! [`Field`] is implemented here for the primitives QEMU uses, for fixed arrays of any
//! field type (nested arrays flatten, as QEMU's 2-D arrays do), for [`Timer`] and
//! [`Bitmap`], and by `#[derive(VmState)]` for nested structs. Implement it on your own
//! type to plug in a codec the crate does not know.

use alloc::{boxed::Box, format, vec, vec::Vec};
use byteorder::{BigEndian, ByteOrder};

use crate::error::{Error, ErrorKind, Result};
use crate::json::JsonWriter;
use crate::schema::{Elem, Info};
use crate::wire::{Reader, Writer};
use crate::Context;

/// Where a value sits in its field, for QEMU's JSON description of a stream.
#[derive(Clone, Copy, Debug)]
pub struct Entry<'a> {
    /// The field's JSON name (`name` or `name[k]`).
    pub name: &'a str,
    /// Total number of elements in the field.
    pub total: usize,
    /// Flattened index of this value's first element.
    pub first: usize,
    /// Whether the field's elements fold into one entry with `array_len`.
    pub compressible: bool,
}

/// A value that can be saved to and loaded from the wire.
///
/// A custom codec (QEMU's `VMStateInfo`) is an implementation on your own type:
///
/// ```
/// use vmstate::{Context, Field, Info, Elem, Result};
/// use vmstate::wire::{Reader, Writer};
///
/// /// A 24-bit big-endian value.
/// #[derive(Clone, Copy, Debug, Default, PartialEq)]
/// struct U24(u32);
///
/// impl Field for U24 {
///     const ELEM: Elem = Elem::Leaf(Info { name: "uint24", size: 3 });
///     const COUNT: usize = 1;
///     fn put(&mut self, w: &mut Writer<'_>, _cx: &Context) -> Result<()> {
///         w.put_bytes(&self.0.to_be_bytes()[1..]);
///         Ok(())
///     }
///     fn get(&mut self, r: &mut Reader<'_>, _cx: &Context) -> Result<()> {
///         let b = r.take(3)?;
///         self.0 = u32::from_be_bytes([0, b[0], b[1], b[2]]);
///         Ok(())
///     }
/// }
///
/// let mut v = [U24(0x010203), U24(0xabcdef)];
/// let mut out = Vec::new();
/// v.put(&mut Writer::new(&mut out), &Context::default()).unwrap();
/// assert_eq!(out, [1, 2, 3, 0xab, 0xcd, 0xef]);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no vmstate encoding",
    label = "this field's type",
    note = "integers, `bool`, `f64`, arrays, `Timer`, `Bitmap<N>`, `Box<T>`, `Nullable<T>`, `QTailQ<T>`, `QList<T>`, `GTree<K, V>`, `Fifo8` and `#[derive(VmState)]` structs have one; for others implement `vmstate::Field`, or use `skip` for host-only state"
)]
pub trait Field: Sized {
    /// What one element is: a leaf codec or a nested description.
    const ELEM: Elem;
    /// Number of elements (1 for a scalar; flattened length for arrays).
    const COUNT: usize;

    /// The bytes every value of the type occupies on the wire when its encoding is
    /// unconditional and cannot fail (primitives, arrays of them, derived structs
    /// without hooks, field tests, compat gates or subsections), so arrays of it are
    /// converted in one pass into reserved space; `None` (the default) otherwise. A
    /// type that sets it implements [`Field::put_fixed`].
    const FIXED_SIZE: Option<usize> = None;

    /// Writes the value's [`Field::FIXED_SIZE`] bytes into `out` (exactly that long);
    /// only called when it is `Some`.
    fn put_fixed(&self, out: &mut [u8]) {
        let _ = out;
    }

    /// Reads the value from its [`Field::FIXED_SIZE`] bytes (exactly that long); only
    /// called when it is `Some`.
    fn get_fixed(&mut self, bytes: &[u8]) {
        let _ = bytes;
    }

    /// Whether reading a value from the start of `rest` cannot fail: `rest` holds its
    /// [`Field::FIXED_SIZE`] bytes and no nested struct in them is followed by a
    /// subsection marker (which QEMU, and [`Field::get`], would try to read). Lets a
    /// transactional load skip its backup copy; `false` unless a type can tell.
    fn loads_cleanly(rest: &[u8]) -> bool {
        let _ = rest;
        false
    }

    /// Whether [`Field::loads_cleanly`] is only a length check: the encoding holds no
    /// nested struct (after which QEMU would peek for a subsection).
    const FLAT: bool = false;

    /// Writes the value.
    fn put(&mut self, w: &mut Writer<'_>, cx: &Context) -> Result<()>;

    /// Reads the value in place.
    fn get(&mut self, r: &mut Reader<'_>, cx: &Context) -> Result<()>;

    /// Writes consecutive values; primitives override this with a bulk conversion.
    fn put_slice(items: &mut [Self], w: &mut Writer<'_>, cx: &Context) -> Result<()> {
        put_each(items, w, cx)
    }

    /// Reads consecutive values; primitives override this with a bulk conversion.
    fn get_slice(items: &mut [Self], r: &mut Reader<'_>, cx: &Context) -> Result<()> {
        get_each(items, r, cx)
    }

    /// Writes the value and, when the writer records one, its part of the stream's JSON
    /// description. The default describes leaf elements; nested structs and arrays of
    /// them override it.
    fn put_described(&mut self, w: &mut Writer<'_>, cx: &Context, entry: &Entry<'_>) -> Result<()> {
        if let (Some(d), Elem::Leaf(info)) = (w.desc(), Self::ELEM) {
            describe_leaves(d, entry, info, Self::COUNT);
        }
        w.without_desc(|w| self.put(w, cx))
    }
}

/// A value behind a pointer is encoded as the value itself, as QEMU's
/// `VMSTATE_STRUCT_POINTER` (a `Box<T>` field of a derived struct is `T` on the wire).
///
/// ```
/// use vmstate::{Context, VmState};
///
/// #[derive(Clone, Debug, Default, PartialEq, VmState)]
/// #[vmstate(name = "ovec", version = 1)]
/// struct OptionVector { bits: u64 }
///
/// #[derive(Clone, Debug, Default, PartialEq, VmState)]
/// #[vmstate(name = "machine", version = 1)]
/// struct Machine { cas: Box<OptionVector> }
///
/// let cx = Context::default();
/// let mut m = Machine { cas: Box::new(OptionVector { bits: 5 }) };
/// let mut body = Vec::new();
/// m.save(&mut body, &cx).unwrap();
/// assert_eq!(body, 5u64.to_be_bytes());
/// let mut back = Machine::default();
/// back.load(&body, 1, &cx).unwrap();
/// assert_eq!(back, m);
/// ```
impl<T: Field> Field for Box<T> {
    const ELEM: Elem = T::ELEM;
    const COUNT: usize = T::COUNT;
    const FIXED_SIZE: Option<usize> = T::FIXED_SIZE;
    const FLAT: bool = T::FLAT;

    fn put_fixed(&self, out: &mut [u8]) {
        (**self).put_fixed(out)
    }

    fn get_fixed(&mut self, bytes: &[u8]) {
        (**self).get_fixed(bytes)
    }

    fn loads_cleanly(rest: &[u8]) -> bool {
        T::loads_cleanly(rest)
    }

    fn put(&mut self, w: &mut Writer<'_>, cx: &Context) -> Result<()> {
        (**self).put(w, cx)
    }

    fn get(&mut self, r: &mut Reader<'_>, cx: &Context) -> Result<()> {
        (**self).get(r, cx)
    }

    fn put_described(&mut self, w: &mut Writer<'_>, cx: &Context, entry: &Entry<'_>) -> Result<()> {
        (**self).put_described(w, cx, entry)
    }
}

/// Writes values one by one (errors name the element's index).
pub(crate) fn put_each<T: Field>(items: &mut [T], w: &mut Writer<'_>, cx: &Context) -> Result<()> {
    for (i, item) in items.iter_mut().enumerate() {
        item.put(w, cx).map_err(|e| e.at_index(i))?;
    }
    Ok(())
}

/// Reads values one by one (errors name the element's index).
pub(crate) fn get_each<T: Field>(items: &mut [T], r: &mut Reader<'_>, cx: &Context) -> Result<()> {
    for (i, item) in items.iter_mut().enumerate() {
        item.get(r, cx).map_err(|e| e.at_index(i))?;
    }
    Ok(())
}

/// Writes JSON description entries for `count` leaf elements starting at `entry.first`.
pub fn describe_leaves(d: &mut JsonWriter, entry: &Entry<'_>, info: Info, count: usize) {
    for j in entry.first..entry.first + count {
        if entry.compressible && j > 0 {
            break;
        }
        d.start_object(None);
        d.str(Some("name"), entry.name);
        if entry.total > 1 {
            if entry.compressible {
                d.int(Some("array_len"), entry.total as i64);
            } else {
                d.int(Some("index"), j as i64);
            }
        }
        d.str(Some("type"), info.name);
        d.int(Some("size"), info.size as i64);
        d.end_object();
    }
}

/// Takes `n` elements of `size` bytes; when the input is short, the error names the first
/// element that cannot be read and its offset.
#[inline]
fn take_elems<'a>(r: &mut Reader<'a>, n: usize, size: usize) -> Result<&'a [u8]> {
    let avail = r.remaining();
    if avail / size < n {
        return Err(short_elems(r.offset(), avail, size));
    }
    r.take(n * size)
}

#[cold]
fn short_elems(start: u64, avail: usize, size: usize) -> Error {
    let idx = avail / size;
    Error::new(ErrorKind::UnexpectedEof {
        needed: size,
        available: avail - idx * size,
    })
    .at_offset(start + (idx * size) as u64)
    .at_index(idx)
}

macro_rules! int_field {
    ($t:ty, $name:literal, $read_into:ident) => {
        impl Field for $t {
            const ELEM: Elem = Elem::Leaf(Info {
                name: $name,
                size: core::mem::size_of::<$t>(),
            });
            const COUNT: usize = 1;
            const FIXED_SIZE: Option<usize> = Some(core::mem::size_of::<$t>());
            #[inline]
            fn put_fixed(&self, out: &mut [u8]) {
                out.copy_from_slice(&self.to_be_bytes());
            }
            #[inline]
            fn get_fixed(&mut self, bytes: &[u8]) {
                if let Ok(b) = bytes.try_into() {
                    *self = <$t>::from_be_bytes(b);
                }
            }
            const FLAT: bool = true;

            #[inline]
            fn loads_cleanly(rest: &[u8]) -> bool {
                rest.len() >= core::mem::size_of::<$t>()
            }
            #[inline]
            fn put(&mut self, w: &mut Writer<'_>, _cx: &Context) -> Result<()> {
                w.put_bytes(&self.to_be_bytes());
                Ok(())
            }
            #[inline]
            fn get(&mut self, r: &mut Reader<'_>, _cx: &Context) -> Result<()> {
                *self = <$t>::from_be_bytes(r.take_array()?);
                Ok(())
            }
            #[inline]
            fn put_slice(items: &mut [Self], w: &mut Writer<'_>, _cx: &Context) -> Result<()> {
                w.put_chunks(items, |v: &$t| v.to_be_bytes());
                Ok(())
            }
            #[inline]
            fn get_slice(items: &mut [Self], r: &mut Reader<'_>, _cx: &Context) -> Result<()> {
                const SIZE: usize = core::mem::size_of::<$t>();
                let bytes = take_elems(r, items.len(), SIZE)?;
                BigEndian::$read_into(bytes, items);
                Ok(())
            }
        }
    };
}

int_field!(u16, "uint16", read_u16_into);
int_field!(u32, "uint32", read_u32_into);
int_field!(u64, "uint64", read_u64_into);
int_field!(i16, "int16", read_i16_into);
int_field!(i32, "int32", read_i32_into);
int_field!(i64, "int64", read_i64_into);

impl Field for u8 {
    const ELEM: Elem = Elem::Leaf(Info {
        name: "uint8",
        size: 1,
    });
    const COUNT: usize = 1;
    const FIXED_SIZE: Option<usize> = Some(1);
    fn put_fixed(&self, out: &mut [u8]) {
        out.copy_from_slice(&[*self]);
    }
    fn get_fixed(&mut self, bytes: &[u8]) {
        if let [b] = bytes {
            *self = *b;
        }
    }
    const FLAT: bool = true;

    fn loads_cleanly(rest: &[u8]) -> bool {
        !rest.is_empty()
    }
    fn put(&mut self, w: &mut Writer<'_>, _cx: &Context) -> Result<()> {
        w.put_u8(*self);
        Ok(())
    }
    fn get(&mut self, r: &mut Reader<'_>, _cx: &Context) -> Result<()> {
        *self = r.get_u8()?;
        Ok(())
    }
    fn put_slice(items: &mut [Self], w: &mut Writer<'_>, _cx: &Context) -> Result<()> {
        w.put_bytes(items);
        Ok(())
    }
    fn get_slice(items: &mut [Self], r: &mut Reader<'_>, _cx: &Context) -> Result<()> {
        items.copy_from_slice(take_elems(r, items.len(), 1)?);
        Ok(())
    }
}

impl Field for i8 {
    const ELEM: Elem = Elem::Leaf(Info {
        name: "int8",
        size: 1,
    });
    const COUNT: usize = 1;
    const FIXED_SIZE: Option<usize> = Some(1);
    fn put_fixed(&self, out: &mut [u8]) {
        out.copy_from_slice(&self.to_be_bytes());
    }
    fn get_fixed(&mut self, bytes: &[u8]) {
        if let [b] = bytes {
            *self = *b as i8;
        }
    }
    const FLAT: bool = true;

    fn loads_cleanly(rest: &[u8]) -> bool {
        !rest.is_empty()
    }
    fn put(&mut self, w: &mut Writer<'_>, _cx: &Context) -> Result<()> {
        w.put_bytes(&self.to_be_bytes());
        Ok(())
    }
    fn get(&mut self, r: &mut Reader<'_>, _cx: &Context) -> Result<()> {
        *self = i8::from_be_bytes(r.take_array()?);
        Ok(())
    }
}

impl Field for bool {
    const ELEM: Elem = Elem::Leaf(Info {
        name: "bool",
        size: 1,
    });
    const COUNT: usize = 1;
    const FIXED_SIZE: Option<usize> = Some(1);
    fn put_fixed(&self, out: &mut [u8]) {
        out.copy_from_slice(&[u8::from(*self)]);
    }
    fn get_fixed(&mut self, bytes: &[u8]) {
        *self = bytes.iter().any(|&b| b != 0);
    }
    const FLAT: bool = true;

    fn loads_cleanly(rest: &[u8]) -> bool {
        !rest.is_empty()
    }
    fn put(&mut self, w: &mut Writer<'_>, _cx: &Context) -> Result<()> {
        w.put_u8(u8::from(*self));
        Ok(())
    }
    /// Any nonzero byte is `true`, as in QEMU.
    fn get(&mut self, r: &mut Reader<'_>, _cx: &Context) -> Result<()> {
        *self = r.get_u8()? != 0;
        Ok(())
    }
}

/// `float64`: the IEEE-754 bit pattern as a big-endian u64.
impl Field for f64 {
    const ELEM: Elem = Elem::Leaf(Info {
        name: "float64",
        size: 8,
    });
    const COUNT: usize = 1;
    const FIXED_SIZE: Option<usize> = Some(8);
    fn put_fixed(&self, out: &mut [u8]) {
        out.copy_from_slice(&self.to_bits().to_be_bytes());
    }
    fn get_fixed(&mut self, bytes: &[u8]) {
        if let Ok(b) = bytes.try_into() {
            *self = f64::from_bits(u64::from_be_bytes(b));
        }
    }
    const FLAT: bool = true;

    fn loads_cleanly(rest: &[u8]) -> bool {
        rest.len() >= 8
    }
    fn put(&mut self, w: &mut Writer<'_>, _cx: &Context) -> Result<()> {
        w.put_be64(self.to_bits());
        Ok(())
    }
    fn get(&mut self, r: &mut Reader<'_>, _cx: &Context) -> Result<()> {
        *self = f64::from_bits(r.get_be64()?);
        Ok(())
    }
}

impl<T: Field, const N: usize> Field for [T; N] {
    const ELEM: Elem = T::ELEM;
    const COUNT: usize = N * T::COUNT;
    const FIXED_SIZE: Option<usize> = match T::FIXED_SIZE {
        Some(size) => Some(size * N),
        None => None,
    };
    #[inline]
    fn put_fixed(&self, out: &mut [u8]) {
        if let Some(size) = T::FIXED_SIZE {
            for (chunk, item) in out.chunks_exact_mut(size).zip(self) {
                item.put_fixed(chunk);
            }
        }
    }
    #[inline]
    fn get_fixed(&mut self, bytes: &[u8]) {
        if let Some(size) = T::FIXED_SIZE {
            for (chunk, item) in bytes.chunks_exact(size).zip(self) {
                item.get_fixed(chunk);
            }
        }
    }
    const FLAT: bool = T::FLAT && matches!(T::ELEM, Elem::Leaf(_));
    fn loads_cleanly(rest: &[u8]) -> bool {
        let Some(size) = T::FIXED_SIZE else {
            return false;
        };
        if rest.len() / size.max(1) < N {
            return false;
        }
        match T::ELEM {
            // Leaves (and arrays of them) can only run short.
            Elem::Leaf(_) => T::loads_cleanly(rest),
            // Every struct element, as `get_slice` reads it, must not be followed by
            // a marker (arrays of arrays: each inner array checks its own).
            Elem::Struct(_) => {
                (T::COUNT != 1 || crate::__private::no_marker_after(rest, N, size))
                    && (T::FLAT || (0..N).all(|i| T::loads_cleanly(&rest[i * size..])))
            }
        }
    }
    #[inline]
    fn put(&mut self, w: &mut Writer<'_>, cx: &Context) -> Result<()> {
        T::put_slice(self, w, cx)
    }
    #[inline]
    fn get(&mut self, r: &mut Reader<'_>, cx: &Context) -> Result<()> {
        T::get_slice(self, r, cx)
    }
    fn put_slice(items: &mut [Self], w: &mut Writer<'_>, cx: &Context) -> Result<()> {
        T::put_slice(items.as_flattened_mut(), w, cx)
    }
    fn get_slice(items: &mut [Self], r: &mut Reader<'_>, cx: &Context) -> Result<()> {
        T::get_slice(items.as_flattened_mut(), r, cx)
    }
    /// Each element describes itself (QEMU's description of a compressed array is its
    /// first element's: a null [`Nullable`](crate::Nullable) slot first gives size 1).
    fn put_described(&mut self, w: &mut Writer<'_>, cx: &Context, entry: &Entry<'_>) -> Result<()> {
        for (i, item) in self.iter_mut().enumerate() {
            let e = Entry {
                first: entry.first + i * T::COUNT,
                ..*entry
            };
            item.put_described(w, cx, &e).map_err(|e| e.at_index(i))?;
        }
        Ok(())
    }
}

/// A QEMU timer: the absolute expiry time in nanoseconds, or not armed.
///
/// On the wire a be64; all ones means "not armed".
///
/// ```
/// use vmstate::{Timer, Field, Context};
/// use vmstate::wire::Writer;
/// let mut out = Vec::new();
/// Timer::disarmed().put(&mut Writer::new(&mut out), &Context::default()).unwrap();
/// assert_eq!(out, [0xff; 8]);
/// ```
#[doc(alias = "VMSTATE_TIMER")]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Timer {
    /// Expiry time in nanoseconds on the timer's clock; `None` when not armed.
    pub expire: Option<u64>,
}

impl Timer {
    /// A timer that is not armed.
    pub const fn disarmed() -> Self {
        Timer { expire: None }
    }

    /// A timer armed to expire at `ns`.
    pub const fn armed(ns: u64) -> Self {
        Timer { expire: Some(ns) }
    }
}

impl Field for Timer {
    const ELEM: Elem = Elem::Leaf(Info {
        name: "timer",
        size: 8,
    });
    const COUNT: usize = 1;
    const FIXED_SIZE: Option<usize> = Some(8);
    fn put_fixed(&self, out: &mut [u8]) {
        out.copy_from_slice(&self.expire.unwrap_or(u64::MAX).to_be_bytes());
    }
    fn get_fixed(&mut self, bytes: &[u8]) {
        if let Ok(b) = bytes.try_into() {
            let v = u64::from_be_bytes(b);
            self.expire = (v != u64::MAX).then_some(v);
        }
    }
    const FLAT: bool = true;

    fn loads_cleanly(rest: &[u8]) -> bool {
        rest.len() >= 8
    }
    fn put(&mut self, w: &mut Writer<'_>, _cx: &Context) -> Result<()> {
        w.put_be64(self.expire.unwrap_or(u64::MAX));
        Ok(())
    }
    fn get(&mut self, r: &mut Reader<'_>, _cx: &Context) -> Result<()> {
        let v = r.get_be64()?;
        self.expire = (v != u64::MAX).then_some(v);
        Ok(())
    }
}

/// A bitmap of `BITS` bits: on the wire ceil(BITS/64) be64 words, bit i in word i/64 at
/// bit position i%64 (LSB = bit 0), as QEMU's `VMSTATE_BITMAP`.
///
/// ```
/// use vmstate::{Bitmap, Field, Context};
/// use vmstate::wire::Writer;
/// let mut b = Bitmap::<70>::new();
/// b.set(0, true);
/// b.set(65, true);
/// let mut out = Vec::new();
/// b.put(&mut Writer::new(&mut out), &Context::default()).unwrap();
/// assert_eq!(out, [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2]);
/// ```
#[doc(alias = "VMSTATE_BITMAP")]
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Bitmap<const BITS: usize> {
    words: Box<[u64]>,
}

impl<const BITS: usize> Bitmap<BITS> {
    const WORDS: usize = BITS.div_ceil(64);

    /// An all-zero bitmap.
    pub fn new() -> Self {
        Bitmap {
            words: vec![0; Self::WORDS].into_boxed_slice(),
        }
    }

    /// Bit `i` (false when out of range).
    pub fn get(&self, i: usize) -> bool {
        i < BITS && self.words[i / 64] >> (i % 64) & 1 == 1
    }

    /// Sets bit `i`; out-of-range indices are ignored.
    pub fn set(&mut self, i: usize, value: bool) {
        if i < BITS {
            let mask = 1u64 << (i % 64);
            if value {
                self.words[i / 64] |= mask;
            } else {
                self.words[i / 64] &= !mask;
            }
        }
    }

    /// The words of the bitmap.
    pub fn words(&self) -> &[u64] {
        &self.words
    }
}

impl<const BITS: usize> Default for Bitmap<BITS> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const BITS: usize> Field for Bitmap<BITS> {
    const ELEM: Elem = Elem::Leaf(Info {
        name: "bitmap",
        size: Self::WORDS * 8,
    });
    const COUNT: usize = 1;
    fn put(&mut self, w: &mut Writer<'_>, cx: &Context) -> Result<()> {
        u64::put_slice(&mut self.words, w, cx)
    }
    fn get(&mut self, r: &mut Reader<'_>, cx: &Context) -> Result<()> {
        u64::get_slice(&mut self.words, r, cx)
    }
}

/// Integer types that can hold a variable array's element count (QEMU's
/// `VMS_VARRAY_UINT8/UINT16/UINT32/INT32`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot hold a variable array's count",
    label = "the `varray` count field",
    note = "QEMU's counts are `u8`, `u16`, `u32` or `i32`"
)]
pub trait CountField: Copy {
    /// The count, widened without loss (an `i32` count may be negative).
    fn to_count(self) -> i64;
}

macro_rules! count_field {
    ($($t:ty),*) => {$(
        impl CountField for $t {
            #[inline]
            fn to_count(self) -> i64 {
                i64::from(self)
            }
        }
    )*};
}
count_field!(u8, u16, u32, i32);

/// Storage of a variable array: a fixed array used up to the count, or a `Vec` resized to
/// it (the count is bounded by the declared maximum before any allocation).
pub trait VarStorage {
    /// Element type.
    type Item: Field;
    /// The most elements it can hold (a fixed array's length; `usize::MAX` for a `Vec`).
    const CAPACITY: usize;
    /// The first `n` elements, for saving; an error when the storage holds fewer.
    fn prefix_mut(&mut self, n: usize) -> Result<&mut [Self::Item]>;
    /// Makes room for exactly `n` elements and returns them, for loading.
    fn prepare(&mut self, n: usize) -> Result<&mut [Self::Item]>;
}

impl<T: Field, const N: usize> VarStorage for [T; N] {
    type Item = T;
    const CAPACITY: usize = N;
    fn prefix_mut(&mut self, n: usize) -> Result<&mut [T]> {
        self.get_mut(..n).ok_or_else(|| {
            Error::new(ErrorKind::InvalidState(
                format!("count {n} exceeds the array's {N} elements").into(),
            ))
        })
    }
    fn prepare(&mut self, n: usize) -> Result<&mut [T]> {
        if n > N {
            return Err(Error::new(ErrorKind::OutOfRange {
                value: n as i64,
                min: 0,
                max: N as i64,
            }));
        }
        Ok(&mut self[..n])
    }
}

impl<T: Field + Default> VarStorage for Vec<T> {
    type Item = T;
    const CAPACITY: usize = usize::MAX;
    fn prefix_mut(&mut self, n: usize) -> Result<&mut [T]> {
        let len = self.len();
        self.get_mut(..n).ok_or_else(|| {
            Error::new(ErrorKind::InvalidState(
                format!("count {n} exceeds the vector's {len} elements").into(),
            ))
        })
    }
    fn prepare(&mut self, n: usize) -> Result<&mut [T]> {
        self.resize_with(n, T::default);
        Ok(&mut self[..])
    }
}

/// Integer types with an `_equal` codec: the stream's value must equal the destination's.
pub trait EqualField: Field + Copy + PartialEq {
    /// The codec's JSON name (`uint32 equal`, ... and `int64 equal` for u64, as QEMU).
    const EQUAL_INFO: Info;
    /// The value widened for error messages.
    fn widen(self) -> u64;
}

macro_rules! equal_field {
    ($($t:ty => $name:literal),*) => {$(
        impl EqualField for $t {
            const EQUAL_INFO: Info = Info { name: $name, size: core::mem::size_of::<$t>() };
            fn widen(self) -> u64 { self as u64 }
        }
    )*};
}
equal_field!(u8 => "uint8 equal", u16 => "uint16 equal", i32 => "int32 equal",
    u32 => "uint32 equal", u64 => "int64 equal");
