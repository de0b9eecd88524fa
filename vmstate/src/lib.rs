//! Declarative, versioned migration state that speaks QEMU's migration wire format.
//!
//! `#[derive(VmState)]` on a struct yields a saver and a loader for the body of a QEMU
//! vmstate section, byte for byte as QEMU writes it: big-endian fields, per-field
//! `since` versions and existence tests, subsections gated by `needed`, hooks in QEMU's
//! order, unused padding, variable arrays bounded by a declared maximum, nested structs,
//! `_equal` checks, and an old-version loader. Schema mistakes are compile errors. Every
//! attribute, the signature of each hook, and QEMU's `VMSTATE_*` families beside their
//! equivalents: [`attributes`].
//!
//! ```
//! use vmstate::{Context, VmState};
//!
//! #[derive(Clone, Debug, Default, PartialEq, VmState)]
//! #[vmstate(name = "foo", version = 2, minimum_version = 1)]
//! struct Foo {
//!     a: u32,
//!     #[vmstate(since = 2)]
//!     b: bool,
//!     arr: [u8; 3],
//!     #[vmstate(subsection(name = "foo/bar", needed = Foo::bar_needed))]
//!     bar: Bar,
//! }
//!
//! #[derive(Clone, Debug, Default, PartialEq, VmState)]
//! #[vmstate(name = "foo/bar", version = 1, minimum_version = 1)]
//! struct Bar {
//!     c: i64,
//! }
//!
//! impl Foo {
//!     fn bar_needed(&self, _cx: &Context) -> bool {
//!         self.bar.c != 0
//!     }
//! }
//!
//! let cx = Context::default();
//! let mut foo = Foo { a: 0xAAAA_AAAA, b: true, arr: [0x11, 0x22, 0x33], bar: Bar { c: -0x3333_3333_3333_3334 } };
//! let mut body = Vec::new();
//! foo.save(&mut body, &cx).unwrap();
//! assert_eq!(body, [
//!     0xAA, 0xAA, 0xAA, 0xAA, 0x01, 0x11, 0x22, 0x33,              // a, b, arr
//!     0x05, 0x07, b'f', b'o', b'o', b'/', b'b', b'a', b'r',         // subsection "foo/bar"
//!     0x00, 0x00, 0x00, 0x01,                                       // its version
//!     0xCC, 0xCC, 0xCC, 0xCC, 0xCC, 0xCC, 0xCC, 0xCC,               // c
//! ]);
//!
//! // A version-1 stream has no `b`; the loaded object keeps its own value there.
//! let mut dst = Foo { b: true, ..Foo::default() };
//! let v1 = [0, 0, 0, 7, 1, 2, 3];
//! dst.load(&v1, 1, &cx).unwrap();
//! assert_eq!((dst.a, dst.b, dst.arr), (7, true, [1, 2, 3]));
//!
//! // A failed load leaves the destination exactly as it was.
//! let before = dst.clone();
//! assert!(dst.load(&body[..20], 2, &cx).is_err());
//! assert_eq!(dst, before);
//! ```
//!
//! # Bounds and allocation policy
//!
//! Loading never trusts the input: every read is bounds-checked against the input slice,
//! every variable-array count is checked against its declared `max` (and against the
//! bytes actually left in the input) before any storage is touched or allocated, `_equal`
//! fields refuse a value that differs from the destination's, and `int32 le` fields
//! refuse negatives and values above the local one. No load allocates more than the
//! declared maxima allow. Loads through [`VmState::load`] are transactional: after any
//! error the destination is exactly as before.
//!
//! Outside section bodies the same rule holds, each bound a named constant or setting:
//! the configuration's machine name ([`stream::MAX_MACHINE_NAME`]), command payloads
//! ([`stream::MAX_COMMAND_PAYLOAD`]), RAM block lists ([`ram::MAX_BLOCKS`]), page offsets
//! checked against their block, and a destination's total guest RAM (a setting of the
//! receiver that allocates it). Counts are checked against the bytes actually left
//! before anything is allocated for them, with overflow-safe arithmetic.
#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

extern crate alloc;

use alloc::{string::String, vec::Vec};

pub mod attributes;
mod bitmap;
mod context;
mod error;
mod field;
mod fifo;
pub mod json;
mod pointer;
mod queue;
pub mod ram;
pub mod registry;
mod schema;
pub mod stream;
mod tree;
pub mod wire;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use bitmap::BitmapVec;
pub use context::Context;
pub use error::{Error, ErrorKind, Result};
pub use field::{describe_leaves, Bitmap, CountField, Entry, EqualField, Field, Timer, VarStorage};
pub use fifo::Fifo8;
pub use pointer::{Nullable, View, NULL_MARKER};
pub use queue::{QList, QTailQ};
pub use schema::{Count, Description, Elem, FieldDesc, Gate, Info, SubsectionDesc};
pub use tree::{GTree, GTreeKey, Keyed};
pub use vmstate_derive::VmState;

use json::JsonWriter;
use wire::{Reader, Writer};

/// A temporary wire view of a parent `P` (QEMU's `VMSTATE_WITH_TMP`): a `()` field of
/// `P` marked `#[vmstate(with_tmp = T)]` writes `T`'s fields, computed from the parent
/// when saving, and applies them to the parent when loading. For wire fields that are
/// not a member as such (a value split or combined, a changed representation).
///
/// ```
/// use vmstate::{Context, TmpOf, VmState};
///
/// // The device keeps one 64-bit counter; the stream has it as two 32-bit halves.
/// #[derive(Clone, Debug, Default, PartialEq, VmState)]
/// #[vmstate(name = "dev", version = 1)]
/// struct Dev {
///     #[vmstate(skip)]
///     counter: u64,
///     #[vmstate(with_tmp = Halves)]
///     tmp: (),
/// }
///
/// #[derive(Clone, Default, VmState)]
/// #[vmstate(name = "dev/halves", version = 0, minimum_version = 0)]
/// struct Halves { hi: u32, lo: u32 }
///
/// impl TmpOf<Dev> for Halves {
///     fn from_parent(d: &Dev, _cx: &Context) -> vmstate::Result<Self> {
///         Ok(Halves { hi: (d.counter >> 32) as u32, lo: d.counter as u32 })
///     }
///     fn to_parent(self, d: &mut Dev, _cx: &Context) -> vmstate::Result<()> {
///         d.counter = u64::from(self.hi) << 32 | u64::from(self.lo);
///         Ok(())
///     }
/// }
///
/// let cx = Context::default();
/// let mut d = Dev { counter: 0x1_0000_0002, tmp: () };
/// let mut body = Vec::new();
/// d.save(&mut body, &cx).unwrap();
/// assert_eq!(body, [0, 0, 0, 1, 0, 0, 0, 2]);
/// let mut back = Dev::default();
/// back.load(&body, 1, &cx).unwrap();
/// assert_eq!(back.counter, 0x1_0000_0002);
/// ```
pub trait TmpOf<P>: VmState + Default {
    /// The temporary to save, computed from the parent (the tmp description's
    /// `pre_save` in QEMU).
    fn from_parent(parent: &P, cx: &Context) -> Result<Self>;
    /// Applies a loaded temporary to the parent (its `post_load`).
    fn to_parent(self, parent: &mut P, cx: &Context) -> Result<()>;
}

/// The context flag of a 32-bit target (`qemu-system-ppc`, `-arm`, ...): fields marked
/// `#[vmstate(target_ulong)]` are 4 bytes there, 8 elsewhere.
pub const TARGET_LONG_32: &str = "target-long-32";

/// The byte that starts a subsection inside a body (QEMU_VM_SUBSECTION).
pub const SUBSECTION: u8 = 0x05;

/// State with a vmstate description: implemented by `#[derive(VmState)]`.
pub trait VmState: Sized {
    /// The static description (names, types, sizes, versions, subsections).
    const DESCRIPTION: &'static Description;

    /// What a transactional load keeps to undo a failed load. The derive keeps the
    /// members a load writes (the migrated fields, the arrays of `sub_array` views,
    /// subsections through their own backups): host-only `skip` members need no `Clone`
    /// and a load does not touch them. Hooks (`pre_load`, `post_load`, an old-version
    /// loader) and `with_tmp` conversions that change `skip` members should check
    /// before they change anything, as a failed load restores the migrated members
    /// only.
    type Backup;

    /// Takes the backup (see [`VmState::Backup`]).
    fn backup(&self) -> Self::Backup;

    /// Puts a backup back.
    fn restore(&mut self, backup: Self::Backup);

    /// Writes the body: `pre_save`, fields, needed subsections, `post_save`. Records the
    /// stream's JSON description of the body when the writer carries one.
    fn save_body(&mut self, w: &mut Writer<'_>, cx: &Context) -> Result<()>;

    /// Writes the body as `version` of the description has it (fields from later
    /// versions left out, the JSON description saying `version`): QEMU's
    /// `vmstate_save_state_v`, which a `VMSTATE_VSTRUCT` field saves its struct with.
    /// The derive implements it; the default writes the current version.
    fn save_body_at(&mut self, w: &mut Writer<'_>, version: u32, cx: &Context) -> Result<()> {
        let _ = version;
        self.save_body(w, cx)
    }

    /// Reads a body of the given version in place (not transactional): version check (or
    /// the old-version loader), `pre_load`, fields, subsections, `post_load`.
    fn load_body(&mut self, r: &mut Reader<'_>, version: u32, cx: &Context) -> Result<()>;

    /// Whether a top-level section with this description is sent at all.
    fn section_needed(&self, _cx: &Context) -> bool {
        true
    }

    /// Whether [`VmState::load_body`] of `version` from the start of `input` cannot
    /// fail, so a transactional load may skip its backup copy. The derive answers for
    /// bodies that are a fixed sequence of values (see [`Field::FIXED_SIZE`]); `false`
    /// otherwise.
    fn body_loads_cleanly(input: &[u8], version: u32) -> bool {
        let _ = (input, version);
        false
    }

    /// Appends the body (as QEMU writes it after a section header) to `out`.
    fn save(&mut self, out: &mut Vec<u8>, cx: &Context) -> Result<()> {
        self.save_body(&mut Writer::new(out), cx)
            .map_err(|e| e.in_description(Self::DESCRIPTION.name))
    }

    /// Appends the body to `out` and its QEMU JSON description (the object QEMU puts in a
    /// stream's trailer for this section, without `name`/`instance_id`) to `desc`.
    fn save_with_desc(
        &mut self,
        out: &mut Vec<u8>,
        desc: &mut JsonWriter,
        cx: &Context,
    ) -> Result<()> {
        desc.start_object(None);
        let mut w = Writer::with_desc(out, 0, Some(&mut *desc));
        self.save_body(&mut w, cx)
            .map_err(|e| e.in_description(Self::DESCRIPTION.name))?;
        desc.end_object();
        Ok(())
    }

    /// Loads a body of `version` from `input` and returns the bytes consumed. On any error
    /// the object is left exactly as before.
    fn load(&mut self, input: &[u8], version: u32, cx: &Context) -> Result<usize> {
        let mut r = Reader::new(input);
        self.load_from(&mut r, version, cx)?;
        Ok(r.consumed())
    }

    /// Loads a body from a reader, transactionally (see [`VmState::load`]).
    fn load_from(&mut self, r: &mut Reader<'_>, version: u32, cx: &Context) -> Result<()> {
        if Self::body_loads_cleanly(r.rest(), version) {
            return self
                .load_body(r, version, cx)
                .map_err(|e| e.in_description(Self::DESCRIPTION.name));
        }
        load_with_backup(self, r, version, cx)
    }

    /// Loads a body in place without the transactional copy: on error the object may be
    /// partly loaded (QEMU's own behaviour). For destinations that are discarded on error.
    fn load_in_place(&mut self, input: &[u8], version: u32, cx: &Context) -> Result<usize> {
        let mut r = Reader::new(input);
        self.load_body(&mut r, version, cx)
            .map_err(|e| e.in_description(Self::DESCRIPTION.name))?;
        Ok(r.consumed())
    }
}

/// [`VmState::load_from`] through a backup copy (kept out of line, so the path that
/// needs none does not reserve stack for one).
#[inline(never)]
fn load_with_backup<T: VmState>(
    v: &mut T,
    r: &mut Reader<'_>,
    version: u32,
    cx: &Context,
) -> Result<()> {
    let backup = v.backup();
    let start = r.clone();
    match v.load_body(r, version, cx) {
        Ok(()) => Ok(()),
        Err(e) => {
            v.restore(backup);
            *r = start;
            Err(e.in_description(T::DESCRIPTION.name))
        }
    }
}

/// The `-dump-vmstate` style JSON of a description (QEMU's per-device `Description`
/// object), pretty-printing aside.
///
/// ```
/// #[derive(vmstate::VmState)]
/// #[vmstate(name = "timer", version = 2)]
/// struct T { ticks: i64 }
/// let json = vmstate::dump_json(<T as vmstate::VmState>::DESCRIPTION);
/// assert_eq!(json, r#"{"name": "timer", "version_id": 2, "minimum_version_id": 0, "Fields": [{"field": "ticks", "version_id": 0, "field_exists": false, "size": 8, "type": "int64"}]}"#);
/// ```
pub fn dump_json(d: &Description) -> String {
    let mut j = JsonWriter::new();
    json::dump_description(&mut j, None, d);
    j.into_string()
}
