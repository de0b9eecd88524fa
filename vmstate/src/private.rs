//! Helpers called by the code `#[derive(VmState)]` generates. Not a public API: names
//! and signatures may change in any release.

use alloc::{borrow::ToOwned, boxed::Box, format, string::String};

pub use crate::field::{CountField, EqualField, VarStorage};
pub use core::result::Result as StdResult;
pub use core::{concat, panic, stringify};

use crate::error::{Error, ErrorKind, Result};
use crate::field::{describe_leaves, get_each, put_each, Entry, Field};
use crate::schema::{Count, Description, Elem, FieldDesc, Info};
use crate::wire::{Reader, Writer};
use crate::{Context, VmState, SUBSECTION};

/// Byte-wise string equality usable in constants.
pub const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

// Hook signature adapters: a wrong signature is a type error spanned on the path.

/// `pre_load` / `pre_save` / `post_save`.
#[inline]
/// The fixed wire size of a struct from its fields' (`None` when one is not fixed).
pub const fn fixed_sum(sizes: &[Option<usize>]) -> Option<usize> {
    let mut total = 0;
    let mut i = 0;
    while i < sizes.len() {
        match sizes[i] {
            Some(n) => total += n,
            None => return None,
        }
        i += 1;
    }
    Some(total)
}

/// Whether a struct field of type `T` keeps the struct [`Field::FLAT`]: a flat leaf
/// encoding (a nested struct is followed by a subsection peek).
pub const fn flat_leaf<T: Field>() -> bool {
    T::FLAT && matches!(T::ELEM, Elem::Leaf(_))
}

/// Whether field type `T` read at offset `at` of `rest` cannot fail: its own check, and
/// for a single nested struct no subsection marker right after it (its body's
/// subsection peek).
#[inline]
pub fn field_loads_cleanly<T: Field>(rest: &[u8], at: usize) -> bool {
    let Some(rest) = rest.get(at..) else {
        return false;
    };
    T::loads_cleanly(rest)
        && !(matches!(T::ELEM, Elem::Struct(_))
            && T::COUNT == 1
            && rest.get(fixed_len::<T>()) == Some(&SUBSECTION))
}

/// A top-level body of the struct's own `version`: see [`VmState::body_loads_cleanly`].
#[inline]
pub fn body_loads_cleanly<T: Field + VmState>(input: &[u8], version: u32) -> bool {
    version == T::DESCRIPTION.version
        && T::FIXED_SIZE.is_some()
        && T::loads_cleanly(input)
        && input.get(fixed_len::<T>()) != Some(&SUBSECTION)
}

/// Whether none of `n` elements of `size` bytes at the start of `rest` is followed by
/// a subsection marker (the byte after the last may be past the end).
#[inline]
pub fn no_marker_after(rest: &[u8], n: usize, size: usize) -> bool {
    if size == 0 {
        return true;
    }
    let mut at = size;
    for _ in 0..n {
        match rest.get(at) {
            Some(&SUBSECTION) => return false,
            Some(_) => at += size,
            None => return true,
        }
    }
    true
}

/// `put_slice` of a struct with a fixed wire size `N`: one pass into reserved space
/// (element by element while recording the JSON description).
#[inline]
pub fn put_fixed_slice<T: Field, const N: usize>(
    items: &mut [T],
    w: &mut Writer<'_>,
    cx: &Context,
) -> Result<()> {
    if T::FIXED_SIZE == Some(N) && !w.describing() {
        w.put_chunks(items, |v: &T| {
            let mut b = [0u8; N];
            v.put_fixed(&mut b);
            b
        });
        return Ok(());
    }
    put_each(items, w, cx)
}

/// `get_slice` of a struct with a fixed wire size `N`: one pass when every element is
/// there and none is followed by a subsection marker (QEMU peeks for subsections after
/// each struct element, so such input goes element by element, as does a short one: its
/// error names the element and field it stops in).
#[inline]
pub fn get_fixed_slice<T: Field, const N: usize>(
    items: &mut [T],
    r: &mut Reader<'_>,
    cx: &Context,
) -> Result<()> {
    if T::FIXED_SIZE == Some(N) && N > 0 {
        let rest = r.rest();
        let total = items.len() * N;
        if rest.len() >= total && no_marker_after(rest, items.len(), N) {
            let bytes = r.take(total)?;
            for (item, b) in items.iter_mut().zip(bytes.chunks_exact(N)) {
                item.get_fixed(b);
            }
            return Ok(());
        }
    }
    get_each(items, r, cx)
}

/// The fixed size of `T` (0 when it has none; only used when it has one).
pub const fn fixed_len<T: Field>() -> usize {
    match T::FIXED_SIZE {
        Some(n) => n,
        None => 0,
    }
}

pub fn hook<T, E>(
    f: fn(&mut T, &Context) -> StdResult<(), E>,
) -> fn(&mut T, &Context) -> StdResult<(), E> {
    f
}
/// `post_load`.
#[inline]
pub fn post_load_hook<T, E>(
    f: fn(&mut T, &Context, u32) -> StdResult<(), E>,
) -> fn(&mut T, &Context, u32) -> StdResult<(), E> {
    f
}
/// The old-version loader.
#[inline]
pub fn old_loader<T, E>(
    f: fn(&mut T, &mut Reader<'_>, u32, &Context) -> StdResult<(), E>,
) -> fn(&mut T, &mut Reader<'_>, u32, &Context) -> StdResult<(), E> {
    f
}
/// `needed`.
#[inline]
pub fn needed<T>(f: fn(&T, &Context) -> bool) -> fn(&T, &Context) -> bool {
    f
}
/// A field's `test`.
#[inline]
pub fn test<T>(f: fn(&T, &Context, u32) -> bool) -> fn(&T, &Context, u32) -> bool {
    f
}

/// Runs a hook result through the error conversion.
#[inline]
pub fn hook_result<E>(hook: &'static str, offset: u64, r: StdResult<(), E>) -> Result<()>
where
    E: Into<Box<dyn core::error::Error + Send + Sync>>,
{
    r.map_err(|e| Error::hook(hook, e).at_offset(offset))
}

/// Checks the incoming version against the description's range. Returns `Ok(true)` when
/// the old-version loader must take the body.
#[inline]
pub fn check_version(d: &Description, version: u32, r: &Reader<'_>) -> Result<bool> {
    if version > d.version {
        return Err(Error::new(ErrorKind::VersionTooNew {
            found: version,
            max: d.version,
        })
        .at_offset(r.offset()));
    }
    if version < d.minimum_version {
        if d.old_minimum_version != 0 && version >= d.old_minimum_version {
            return Ok(true);
        }
        return Err(Error::new(ErrorKind::VersionTooOld {
            found: version,
            min: d.minimum_version,
        })
        .at_offset(r.offset()));
    }
    Ok(false)
}

/// Opens the JSON description of a body: `"vmsd_name": ..., "version": ..., "fields": [`.
#[inline]
pub fn desc_begin(w: &mut Writer<'_>, d: &Description) {
    if let Some(j) = w.desc() {
        j.str(Some("vmsd_name"), d.name);
        j.int(Some("version"), i64::from(d.version));
        j.start_array(Some("fields"));
    }
}

/// [`desc_begin`] for a body saved as `version` (a `VMSTATE_VSTRUCT` field's struct).
#[inline]
pub fn desc_begin_at(w: &mut Writer<'_>, d: &Description, version: u32) {
    if let Some(j) = w.desc() {
        j.str(Some("vmsd_name"), d.name);
        j.int(Some("version"), i64::from(version));
        j.start_array(Some("fields"));
    }
}

/// Saves a `VMSTATE_VSTRUCT` field: the struct as `version` of its description, described
/// as type `vstruct` with the struct's description keys in the field's own object.
pub fn save_vstruct<T: VmState>(
    v: &mut T,
    version: u32,
    d: &'static Description,
    index: usize,
    w: &mut Writer<'_>,
    cx: &Context,
) -> Result<()> {
    let in_field = |e: Error| e.in_field(d.fields[index].name);
    if !w.describing() {
        return v.save_body_at(w, version, cx).map_err(in_field);
    }
    let name = d.json_field_name(index);
    if let Some(j) = w.desc() {
        j.start_object(None);
        j.str(Some("name"), &name);
        j.str(Some("type"), "vstruct");
    }
    let start = w.written();
    v.save_body_at(w, version, cx).map_err(in_field)?;
    let size = w.written() - start;
    if let Some(j) = w.desc() {
        j.int(Some("size"), size as i64);
        j.end_object();
    }
    Ok(())
}

/// Loads a `VMSTATE_VSTRUCT` field: the struct's body as `version` of its description.
pub fn load_vstruct<T: VmState>(
    v: &mut T,
    version: u32,
    fd: &FieldDesc,
    r: &mut Reader<'_>,
    cx: &Context,
) -> Result<()> {
    v.load_body(r, version, cx).map_err(|e| e.in_field(fd.name))
}

/// Saves a `VMSTATE_WITH_TMP` field: the temporary view of the parent, described as
/// type `tmp` with its description keys in the field's own object.
pub fn save_tmp<P, T: crate::TmpOf<P>>(
    parent: &P,
    d: &'static Description,
    index: usize,
    w: &mut Writer<'_>,
    cx: &Context,
) -> Result<()> {
    let in_field = |e: Error| e.in_field(d.fields[index].name);
    let mut tmp = T::from_parent(parent, cx).map_err(in_field)?;
    let name = d.json_field_name(index);
    if let Some(j) = w.desc() {
        j.start_object(None);
        j.str(Some("name"), &name);
        j.str(Some("type"), "tmp");
    }
    let start = w.written();
    tmp.save_body(w, cx).map_err(in_field)?;
    let size = w.written() - start;
    if let Some(j) = w.desc() {
        j.int(Some("size"), size as i64);
        j.end_object();
    }
    Ok(())
}

/// Loads a `VMSTATE_WITH_TMP` field: the temporary (as the field's version, as QEMU
/// does), then applied to the parent.
pub fn load_tmp<P, T: crate::TmpOf<P>>(
    parent: &mut P,
    version: u32,
    fd: &FieldDesc,
    r: &mut Reader<'_>,
    cx: &Context,
) -> Result<()> {
    let mut tmp = T::default();
    tmp.load_body(r, version, cx)
        .and_then(|()| tmp.to_parent(parent, cx))
        .map_err(|e| e.in_field(fd.name))
}

/// Closes the field list of a body's JSON description.
#[inline]
pub fn desc_fields_end(w: &mut Writer<'_>) {
    if let Some(j) = w.desc() {
        j.end_array();
    }
}

/// Saves one field (fixed count), recording its JSON description when asked.
#[inline(always)]
pub fn save_field<T: Field>(
    v: &mut T,
    d: &'static Description,
    index: usize,
    w: &mut Writer<'_>,
    cx: &Context,
) -> Result<()> {
    if w.describing() {
        return save_field_described(v, d, index, w, cx);
    }
    match v.put(w, cx) {
        Ok(()) => Ok(()),
        Err(e) => Err(e.in_field(d.fields[index].name)),
    }
}

#[inline(never)]
fn save_field_described<T: Field>(
    v: &mut T,
    d: &'static Description,
    index: usize,
    w: &mut Writer<'_>,
    cx: &Context,
) -> Result<()> {
    let f = &d.fields[index];
    let name = d.json_field_name(index);
    let entry = Entry {
        name: &name,
        total: T::COUNT,
        first: 0,
        compressible: f.compressible(),
    };
    v.put_described(w, cx, &entry)
        .map_err(|e| e.in_field(f.name))
}

/// Saves a `place` field with `view = T`: the member as `T` sees it.
#[inline]
pub fn save_view<M, T: crate::View<M> + Field>(
    m: &M,
    d: &'static Description,
    index: usize,
    w: &mut Writer<'_>,
    cx: &Context,
) -> Result<()> {
    let mut v = T::from_member(m);
    save_field(&mut v, d, index, w, cx)
}

/// Loads a `place` field with `view = T`: the view from the member, read, written back.
#[inline]
pub fn load_view<M, T: crate::View<M> + Field>(
    m: &mut M,
    f: &'static FieldDesc,
    r: &mut Reader<'_>,
    cx: &Context,
) -> Result<()> {
    let mut v = T::from_member(m);
    load_field(&mut v, f, r, cx)?;
    v.into_member(m);
    Ok(())
}

/// Loads one field (fixed count).
#[inline(always)]
pub fn load_field<T: Field>(
    v: &mut T,
    f: &'static FieldDesc,
    r: &mut Reader<'_>,
    cx: &Context,
) -> Result<()> {
    v.get(r, cx).map_err(|e| e.in_field(f.name))
}

fn varray_max(f: &FieldDesc) -> usize {
    match f.count {
        Count::Variable { max, .. } | Count::Fixed(max) => max,
    }
}

/// Checks a variable array's count against 0..=max.
#[inline]
fn varray_count(f: &FieldDesc, count: i64, offset: u64, saving: bool) -> Result<usize> {
    let max = varray_max(f);
    match usize::try_from(count) {
        Ok(n) if n <= max => Ok(n),
        _ if saving => Err(Error::new(ErrorKind::InvalidState(
            format!("count {count} is outside 0..={max}").into(),
        ))
        .at_offset(offset)),
        _ => Err(Error::new(ErrorKind::OutOfRange {
            value: count,
            min: 0,
            max: max as i64,
        })
        .at_offset(offset)),
    }
}

/// Saves a variable array of `count` elements.
pub fn save_varray<S: VarStorage>(
    storage: &mut S,
    count: i64,
    d: &'static Description,
    index: usize,
    w: &mut Writer<'_>,
    cx: &Context,
) -> Result<()> {
    let f = &d.fields[index];
    let offset = w.offset();
    let count = varray_count(f, count, offset, true).map_err(|e| e.in_field(f.name))?;
    let items = storage
        .prefix_mut(count)
        .map_err(|e| e.at_offset(offset).in_field(f.name))?;
    let r = if w.describing() {
        let name = d.json_field_name(index);
        let total = count * S::Item::COUNT;
        let compressible = f.compressible();
        let mut res = Ok(());
        for (i, item) in items.iter_mut().enumerate() {
            let e = Entry {
                name: &name,
                total,
                first: i * S::Item::COUNT,
                compressible,
            };
            if let Err(e) = item.put_described(w, cx, &e) {
                res = Err(e.at_index(i));
                break;
            }
        }
        res
    } else {
        S::Item::put_slice(items, w, cx)
    };
    r.map_err(|e| e.in_field(f.name))
}

/// A fixed array's length and elements, for the fields that send part of one
/// (`VMSTATE_*_SUB_ARRAY`, single elements).
pub trait ArrayOf {
    /// Element type.
    type Item: Field;
    /// Number of elements.
    const LEN: usize;
    /// The elements.
    fn elems(&mut self) -> &mut [Self::Item];
}

impl<T: Field, const N: usize> ArrayOf for [T; N] {
    type Item = T;
    const LEN: usize = N;
    fn elems(&mut self) -> &mut [T] {
        self
    }
}

/// Saves elements `start..start + count` of an array (a `sub_array` field).
pub fn save_sub_array<A: ArrayOf>(
    array: &mut A,
    start: usize,
    count: usize,
    d: &'static Description,
    index: usize,
    w: &mut Writer<'_>,
    cx: &Context,
) -> Result<()> {
    let f = &d.fields[index];
    let items = &mut array.elems()[start..start + count];
    let r = if w.describing() {
        let name = d.json_field_name(index);
        let total = count * A::Item::COUNT;
        let compressible = f.compressible();
        let mut res = Ok(());
        for (i, item) in items.iter_mut().enumerate() {
            let e = Entry {
                name: &name,
                total,
                first: i * A::Item::COUNT,
                compressible,
            };
            if let Err(e) = item.put_described(w, cx, &e) {
                res = Err(e.at_index(i));
                break;
            }
        }
        res
    } else {
        A::Item::put_slice(items, w, cx)
    };
    r.map_err(|e| e.in_field(f.name))
}

/// Loads elements `start..start + count` of an array (a `sub_array` field).
pub fn load_sub_array<A: ArrayOf>(
    array: &mut A,
    start: usize,
    count: usize,
    f: &'static FieldDesc,
    r: &mut Reader<'_>,
    cx: &Context,
) -> Result<()> {
    A::Item::get_slice(&mut array.elems()[start..start + count], r, cx)
        .map_err(|e| e.in_field(f.name))
}

/// Loads a variable array whose count was read earlier.
pub fn load_varray<S: VarStorage>(
    storage: &mut S,
    count: i64,
    f: &'static FieldDesc,
    r: &mut Reader<'_>,
    cx: &Context,
) -> Result<()> {
    let mut run = |r: &mut Reader<'_>| -> Result<()> {
        let offset = r.offset();
        let count = varray_count(f, count, offset, false)?;
        // Refuse before allocating when the input cannot hold that many elements (only
        // for an encoding of known size: a codec may write less than its described
        // size, e.g. a one-byte null marker; `max` bounds the rest).
        if let Some(size) = S::Item::FIXED_SIZE {
            let needed = count.saturating_mul(size);
            if needed > r.remaining() {
                return Err(Error::new(ErrorKind::UnexpectedEof {
                    needed,
                    available: r.remaining(),
                })
                .at_offset(offset));
            }
        }
        let items = storage.prepare(count).map_err(|e| e.at_offset(offset))?;
        S::Item::get_slice(items, r, cx)
    };
    run(r).map_err(|e| e.in_field(f.name))
}

/// The element of a byte buffer sized by another field (`VMSTATE_VBUFFER*`): QEMU
/// describes it with size 0 in `-dump-vmstate`.
pub const fn vbuffer_elem<S: VarStorage<Item = u8>>() -> Elem {
    Elem::Leaf(Info {
        name: "buffer",
        size: 0,
    })
}

/// Saves a byte buffer of `count` bytes (`VMSTATE_VBUFFER*`): one `buffer` of that size
/// in the JSON description.
pub fn save_vbuffer<S: VarStorage<Item = u8>>(
    storage: &mut S,
    count: i64,
    d: &'static Description,
    index: usize,
    w: &mut Writer<'_>,
) -> Result<()> {
    let f = &d.fields[index];
    let offset = w.offset();
    let count = varray_count(f, count, offset, true).map_err(|e| e.in_field(f.name))?;
    let bytes = storage
        .prefix_mut(count)
        .map_err(|e| e.at_offset(offset).in_field(f.name))?;
    describe_buffer(d, index, count, w);
    w.put_bytes(bytes);
    Ok(())
}

/// Loads a byte buffer whose size was read earlier (checked against its maximum and the
/// input before anything is allocated).
pub fn load_vbuffer<S: VarStorage<Item = u8>>(
    storage: &mut S,
    count: i64,
    f: &'static FieldDesc,
    r: &mut Reader<'_>,
) -> Result<()> {
    let mut run = |r: &mut Reader<'_>| -> Result<()> {
        let offset = r.offset();
        let count = varray_count(f, count, offset, false)?;
        let src = r.take(count)?;
        storage
            .prepare(count)
            .map_err(|e| e.at_offset(offset))?
            .copy_from_slice(src);
        Ok(())
    };
    run(r).map_err(|e| e.in_field(f.name))
}

/// A `validate` field said no while saving (QEMU aborts there; we refuse the save).
#[cold]
pub fn validation_failed(d: &'static Description, index: usize, what: &str) -> Error {
    Error::new(ErrorKind::InvalidState(
        format!("{what} state validation failed").into(),
    ))
    .in_field(d.fields[index].name)
}

/// A `validate` field said no while loading ("Input validation failed" in QEMU).
#[cold]
pub fn validation_failed_at(f: &'static FieldDesc, offset: u64) -> Error {
    Error::invalid("input validation failed")
        .at_offset(offset)
        .in_field(f.name)
}

/// Saves `n` unused (zero) bytes.
#[inline]
pub fn save_unused(d: &'static Description, index: usize, n: usize, w: &mut Writer<'_>) {
    if let Some(j) = w.desc.as_deref_mut() {
        let name = d.json_field_name(index);
        let entry = Entry {
            name: &name,
            total: 1,
            first: 0,
            compressible: true,
        };
        describe_leaves(
            j,
            &entry,
            Info {
                name: "unused_buffer",
                size: n,
            },
            1,
        );
    }
    w.put_zeros(n);
}

/// Skips `n` unused bytes.
#[inline]
pub fn load_unused(f: &'static FieldDesc, n: usize, r: &mut Reader<'_>) -> Result<()> {
    r.skip(n).map_err(|e| e.in_field(f.name))
}

/// The bytes of a `target_ulong` in this context: 4 on a 32-bit target, else 8.
#[inline]
pub fn target_ulong_bytes(cx: &Context) -> usize {
    if cx.compat(crate::TARGET_LONG_32) {
        4
    } else {
        8
    }
}

/// `u64` values that are QEMU `target_ulong`s.
pub trait TargetUlong: Field {
    /// The values.
    fn words(&mut self) -> &mut [u64];
}

impl TargetUlong for u64 {
    fn words(&mut self) -> &mut [u64] {
        core::slice::from_mut(self)
    }
}

impl<const N: usize> TargetUlong for [u64; N] {
    fn words(&mut self) -> &mut [u64] {
        self
    }
}

/// Saves a `target_ulong` field: as `u64`s, or on a 32-bit target as `uint32`s (the
/// low words: a 32-bit target's values fit; all ones stays all ones).
pub fn save_target_ulong<T: TargetUlong>(
    v: &mut T,
    d: &'static Description,
    index: usize,
    w: &mut Writer<'_>,
    cx: &Context,
) -> Result<()> {
    if !cx.compat(crate::TARGET_LONG_32) {
        return save_field(v, d, index, w, cx);
    }
    let words = v.words();
    if let Some(j) = w.desc.as_deref_mut() {
        let name = d.json_field_name(index);
        let entry = Entry {
            name: &name,
            total: words.len(),
            first: 0,
            compressible: d.fields[index].compressible(),
        };
        describe_leaves(
            j,
            &entry,
            Info {
                name: "uint32",
                size: 4,
            },
            words.len(),
        );
    }
    for x in words.iter() {
        w.put_be32(*x as u32);
    }
    Ok(())
}

/// Loads a `target_ulong` field (4-byte values on a 32-bit target, zero-extended).
pub fn load_target_ulong<T: TargetUlong>(
    v: &mut T,
    f: &'static FieldDesc,
    r: &mut Reader<'_>,
    cx: &Context,
) -> Result<()> {
    if !cx.compat(crate::TARGET_LONG_32) {
        return load_field(v, f, r, cx);
    }
    for x in v.words().iter_mut() {
        *x = u64::from(r.get_be32().map_err(|e| e.in_field(f.name))?);
    }
    Ok(())
}

/// The JSON description entry of a byte buffer of `size` bytes: one `buffer` leaf.
fn describe_buffer(d: &'static Description, index: usize, size: usize, w: &mut Writer<'_>) {
    if let Some(j) = w.desc.as_deref_mut() {
        let name = d.json_field_name(index);
        let entry = Entry {
            name: &name,
            total: 1,
            first: 0,
            compressible: d.fields[index].compressible(),
        };
        describe_leaves(
            j,
            &entry,
            Info {
                name: "buffer",
                size,
            },
            1,
        );
    }
}

/// Saves a fixed byte buffer (`VMSTATE_BUFFER`).
#[inline]
pub fn save_buffer<const N: usize>(
    v: &[u8; N],
    d: &'static Description,
    index: usize,
    w: &mut Writer<'_>,
) {
    describe_buffer(d, index, N, w);
    w.put_bytes(v);
}

/// Loads a fixed byte buffer.
#[inline]
pub fn load_buffer<const N: usize>(
    v: &mut [u8; N],
    f: &'static FieldDesc,
    r: &mut Reader<'_>,
) -> Result<()> {
    v.copy_from_slice(r.take(N).map_err(|e| e.in_field(f.name))?);
    Ok(())
}

/// Fixed byte arrays, for `buffer` fields.
pub trait ByteArray {
    /// The buffer's element descriptor.
    const BUFFER: Elem;
}

impl<const N: usize> ByteArray for [u8; N] {
    const BUFFER: Elem = Elem::Leaf(Info {
        name: "buffer",
        size: N,
    });
}

/// Saves an `_equal` field (the local value).
#[inline]
pub fn save_equal<T: EqualField>(
    v: &mut T,
    d: &'static Description,
    index: usize,
    w: &mut Writer<'_>,
    cx: &Context,
) -> Result<()> {
    if let Some(j) = w.desc.as_deref_mut() {
        let name = d.json_field_name(index);
        let entry = Entry {
            name: &name,
            total: 1,
            first: 0,
            compressible: d.fields[index].compressible(),
        };
        describe_leaves(j, &entry, T::EQUAL_INFO, 1);
    }
    v.put(w, cx).map_err(|e| e.in_field(d.fields[index].name))
}

/// Loads an `_equal` field: the stream's value must equal the destination's.
#[inline]
pub fn load_equal<T: EqualField>(
    v: &mut T,
    f: &'static FieldDesc,
    r: &mut Reader<'_>,
    cx: &Context,
) -> Result<()> {
    let offset = r.offset();
    let mut incoming = *v;
    incoming.get(r, cx).map_err(|e| e.in_field(f.name))?;
    if incoming != *v {
        return Err(Error::new(ErrorKind::NotEqual {
            expected: v.widen(),
            found: incoming.widen(),
        })
        .at_offset(offset)
        .in_field(f.name));
    }
    Ok(())
}

/// The element of a `place` field: that of the place's type (the function is only there
/// to name the type; it is never called).
pub const fn place_elem<S, T: Field>(_: fn(&mut S) -> &mut T) -> Elem {
    T::ELEM
}

/// The element count of a `place` field.
pub const fn place_count<S, T: Field>(_: fn(&mut S) -> &mut T) -> usize {
    T::COUNT
}

/// Elem descriptor of an `_equal` field.
pub const fn equal_elem<T: EqualField>() -> Elem {
    Elem::Leaf(T::EQUAL_INFO)
}

/// Elem descriptor of an `int32 le` field.
pub const INT32_LE: Elem = Elem::Leaf(Info {
    name: "int32 le",
    size: 4,
});

/// Saves an `int32 le` field.
#[inline]
pub fn save_int32_le(v: &mut i32, d: &'static Description, index: usize, w: &mut Writer<'_>) {
    if let Some(j) = w.desc.as_deref_mut() {
        let name = d.json_field_name(index);
        let entry = Entry {
            name: &name,
            total: 1,
            first: 0,
            compressible: d.fields[index].compressible(),
        };
        describe_leaves(
            j,
            &entry,
            Info {
                name: "int32 le",
                size: 4,
            },
            1,
        );
    }
    w.put_be32(*v as u32);
}

/// Loads an `int32 le` field: 0 <= incoming <= the destination's value, then stored.
#[inline]
pub fn load_int32_le(v: &mut i32, f: &'static FieldDesc, r: &mut Reader<'_>) -> Result<()> {
    let offset = r.offset();
    let incoming = r.get_be32().map_err(|e| e.in_field(f.name))? as i32;
    if incoming < 0 || incoming > *v {
        return Err(Error::new(ErrorKind::OutOfRange {
            value: i64::from(incoming),
            min: 0,
            max: i64::from(*v),
        })
        .at_offset(offset)
        .in_field(f.name));
    }
    *v = incoming;
    Ok(())
}

/// Saves a nested struct element with its JSON description entry.
pub fn save_struct_described<T: VmState>(
    v: &mut T,
    w: &mut Writer<'_>,
    cx: &Context,
    entry: &Entry<'_>,
) -> Result<()> {
    if !w.describing() || (entry.compressible && entry.first > 0) {
        return w.without_desc(|w| v.save_body(w, cx));
    }
    if let Some(j) = w.desc() {
        j.start_object(None);
        j.str(Some("name"), entry.name);
        if entry.total > 1 {
            if entry.compressible {
                j.int(Some("array_len"), entry.total as i64);
            } else {
                j.int(Some("index"), entry.first as i64);
            }
        }
        j.str(Some("type"), "struct");
        j.start_object(Some("struct"));
    }
    let start = w.written();
    v.save_body(w, cx)?;
    let size = w.written() - start;
    if let Some(j) = w.desc() {
        j.end_object();
        j.int(Some("size"), size as i64);
        j.end_object();
    }
    Ok(())
}

/// Tracks whether the `"subsections": [` array of a JSON description is open.
#[derive(Default)]
pub struct SubsectionsDesc {
    open: bool,
}

impl SubsectionsDesc {
    /// Nothing opened yet.
    pub const fn new() -> Self {
        SubsectionsDesc { open: false }
    }

    /// Saves one subsection: header, then its body.
    pub fn save<T: VmState>(
        &mut self,
        v: &mut T,
        name: &'static str,
        w: &mut Writer<'_>,
        cx: &Context,
    ) -> Result<()> {
        if let Some(j) = w.desc() {
            if !self.open {
                j.start_array(Some("subsections"));
                self.open = true;
            }
            j.start_object(None);
        }
        w.put_u8(crate::SUBSECTION);
        w.put_counted_str(name.as_bytes())?;
        w.put_be32(T::DESCRIPTION.version);
        v.save_body(w, cx).map_err(|e| e.in_description(name))?;
        if let Some(j) = w.desc() {
            j.end_object();
        }
        Ok(())
    }

    /// Starts a subsection over the parent's own fields: its header (and its JSON
    /// object); the fields follow, then [`SubsectionsDesc::end`].
    pub fn begin(&mut self, name: &'static str, version: u32, w: &mut Writer<'_>) -> Result<()> {
        if let Some(j) = w.desc() {
            if !self.open {
                j.start_array(Some("subsections"));
                self.open = true;
            }
            j.start_object(None);
        }
        w.put_u8(crate::SUBSECTION);
        w.put_counted_str(name.as_bytes())?;
        w.put_be32(version);
        Ok(())
    }

    /// Ends a subsection started with [`SubsectionsDesc::begin`].
    pub fn end(&mut self, w: &mut Writer<'_>) {
        if let Some(j) = w.desc() {
            j.end_object();
        }
    }

    /// Closes the array if it was opened.
    #[inline]
    pub fn finish(self, w: &mut Writer<'_>) {
        if self.open {
            if let Some(j) = w.desc() {
                j.end_array();
            }
        }
    }
}

/// The subsection loop after a body's fields (QEMU's `vmstate_subsection_load`): peeks
/// for `0x05`, a name with the parent's prefix, looks it up among `names` (refusing an
/// unknown or repeated one) and hands the index and the truncated-to-8-bit version to
/// `load`.
#[inline(always)]
pub fn load_subsections(
    r: &mut Reader<'_>,
    parent: &'static str,
    names: &[&'static str],
    load: impl FnMut(usize, &mut Reader<'_>, u32) -> Result<()>,
) -> Result<()> {
    // Most bodies (every element of a struct array) are not followed by a subsection.
    if r.peek(0, 1) != Some(&[crate::SUBSECTION]) {
        return Ok(());
    }
    load_subsections_slow(r, parent, names, load)
}

#[inline(never)]
fn load_subsections_slow(
    r: &mut Reader<'_>,
    parent: &'static str,
    names: &[&'static str],
    mut load: impl FnMut(usize, &mut Reader<'_>, u32) -> Result<()>,
) -> Result<()> {
    let mut seen = 0u64;
    // Subsections usually arrive in declaration order: the next one is tried first.
    let mut next = 0usize;
    loop {
        let Some(&[crate::SUBSECTION, len]) = r.peek(0, 2) else {
            return Ok(());
        };
        let len = usize::from(len);
        if len < parent.len() + 1 {
            return Ok(());
        }
        let Some(name) = r.peek(2, len) else {
            return Ok(());
        };
        if !name.starts_with(parent.as_bytes()) {
            return Ok(());
        }
        let offset = r.offset();
        let found = match names.get(next) {
            Some(n) if n.as_bytes() == name => Some(next),
            _ => names.iter().position(|n| n.as_bytes() == name),
        };
        let Some(idx) = found else {
            let name = String::from_utf8_lossy(name).into_owned();
            return Err(Error::new(ErrorKind::UnknownSubsection(name)).at_offset(offset));
        };
        next = idx + 1;
        if seen & (1 << idx) != 0 {
            return Err(
                Error::new(ErrorKind::DuplicateSubsection(names[idx].to_owned())).at_offset(offset),
            );
        }
        seen |= 1 << idx;
        r.skip(2 + len)?;
        // QEMU keeps the subsection version in a u8.
        let version = r.get_be32()? & 0xff;
        load(idx, r, version).map_err(|e| e.in_description(names[idx]))?;
    }
}
