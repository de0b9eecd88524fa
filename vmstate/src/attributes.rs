//! # Attribute reference of `#[derive(VmState)]`
//!
//! Everything the derive understands, what it means on the wire, the signature each
//! function attribute expects, and QEMU's `VMSTATE_*` macro families beside their
//! equivalent. Every example here compiles and runs as a test. Mistakes are compile
//! errors spanned on the attribute (the `tests/ui` cases of the repository list them).
//!
//! ## Container attributes: `#[vmstate(...)]` on the struct
//!
//! | attribute | meaning |
//! |---|---|
//! | `name = "dev"` | the description's name: the section idstr for a top-level device, `parent/child` for a subsection (1 to 255 bytes) |
//! | `version = N` | the version this struct writes and the highest it loads (QEMU's `version_id`) |
//! | `minimum_version = N` | the lowest version it loads (`minimum_version_id`) |
//! | `old_version(minimum = M, load = path)` | versions `M..minimum_version` are read by a hand-written loader (`minimum_version_id_old` + `load_state_old`) |
//! | `pre_save = path`, `post_save = path`, `pre_load = path`, `post_load = path` | hooks, run in QEMU's order |
//! | `needed = path` | the whole section is only written when this says so (a top-level `needed`, as for `globalstate`) |
//! | `subsection(name = "parent/child", version = N, minimum_version = M, needed = path)` | a subsection over fields of the struct itself: the fields marked `in_subsection = "parent/child"` are its body (sent where its first field is, among the subsections); `minimum_version` defaults to `version` |
//! | `crate = path` | where the runtime crate is when it is renamed or re-exported |
//!
//! Signatures (`E` is any error type convertible to `Box<dyn Error + Send + Sync>`,
//! e.g. `String`):
//!
//! | attribute | function |
//! |---|---|
//! | `pre_save`, `post_save`, `pre_load` | `fn(&mut Self, &Context) -> Result<(), E>` |
//! | `post_load` | `fn(&mut Self, &Context, version: u32) -> Result<(), E>` |
//! | `old_version(load = ...)` | `fn(&mut Self, &mut Reader<'_>, version: u32, &Context) -> Result<(), E>` |
//! | `needed` (container or subsection) | `fn(&Self, &Context) -> bool` |
//! | `test`, `validate` (field) | `fn(&Self, &Context, version: u32) -> bool` |
//!
//! ```
//! use vmstate::wire::Reader;
//! use vmstate::{Context, VmState};
//!
//! #[derive(Clone, Debug, Default, PartialEq, VmState)]
//! #[vmstate(name = "uart", version = 3, minimum_version = 2,
//!           old_version(minimum = 1, load = Uart::load_v1),
//!           pre_save = Uart::pre_save, post_load = Uart::post_load)]
//! struct Uart {
//!     divisor: u16,
//!     #[vmstate(since = 3)]
//!     fifo_level: u8,
//!     #[vmstate(skip)]
//!     saves: u32,
//! }
//!
//! impl Uart {
//!     fn pre_save(&mut self, _cx: &Context) -> Result<(), String> {
//!         self.saves += 1;
//!         Ok(())
//!     }
//!     fn post_load(&mut self, _cx: &Context, _version: u32) -> Result<(), String> {
//!         if self.divisor == 0 { Err("divisor 0".into()) } else { Ok(()) }
//!     }
//!     // Version 1 had the divisor little-endian.
//!     fn load_v1(&mut self, r: &mut Reader<'_>, _version: u32, _cx: &Context) -> vmstate::Result<()> {
//!         let b = r.take(2)?;
//!         self.divisor = u16::from_le_bytes([b[0], b[1]]);
//!         Ok(())
//!     }
//! }
//!
//! let cx = Context::default();
//! let mut u = Uart::default();
//! u.load(&[0x0c, 0x00], 1, &cx).unwrap();          // a version-1 body
//! assert_eq!(u.divisor, 12);
//! assert!(Uart::default().load(&[0, 0, 7], 3, &cx).is_err(), "post_load refuses divisor 0");
//! ```
//!
//! ## Field attributes: `#[vmstate(...)]` on a field
//!
//! | attribute | wire | QEMU |
//! |---|---|---|
//! | (none) | the field's codec (`Field`): integers big-endian, `bool` one byte, `f64` its bits, arrays element by element, nested structs without a header (also behind a `Box`), `Timer`, `Bitmap<N>` | `VMSTATE_UINT32`, `_INT64`, `_BOOL`, `_FLOAT64`, `_UINT8_ARRAY`, `_STRUCT`, `_STRUCT_ARRAY`, `_STRUCT_POINTER`, `_TIMER_PTR`, `_BITMAP` (fixed length) |
//! | `name = "env.gpr"` | the wire name (default: the Rust name, `r#type` as `type`); several fields may share one (QEMU's description numbers them `name[k]`, k = the occurrence in the field list): one member sent twice (`VMSTATE_UINT16_HACK` then the full field), elements of an array sent one by one (`reg[INDEX]`) | the C expression QEMU prints |
//! | `since = N` | present from version `N` on | `VMSTATE_*_V` |
//! | `test = path` | present when the function says so | `VMSTATE_*_TEST` |
//! | `if_compat = "flag"`, `unless_compat = "flag"` | present only when the destination machine type has (or lacks) a compat flag | a `field_exists` test on a compat property |
//! | `unused = N` on a `()` field | `N` zero bytes, skipped on load | `VMSTATE_UNUSED`, `_UNUSED_V`, `_UNUSED_BUFFER` (with `test`) |
//! | `equal` | the local value, which the stream must equal | `VMSTATE_UINT32_EQUAL`, `_INT32_EQUAL`, `_UINT64_EQUAL` (described `int64 equal`, as QEMU) |
//! | `positive_le` | an `i32` the stream must bound: 0 <= incoming <= local | `VMSTATE_INT32_POSITIVE_LE` |
//! | `buffer` on `[u8; N]` | `N` raw bytes, described as one `buffer` | `VMSTATE_BUFFER`, `_BUFFER_V`, `_PARTIAL_BUFFER` |
//! | `varray(count = field, max = N)` | `count` elements of a `[T; M]` (with `N <= M`) or a `Vec<T>`; the count is an earlier `u8`/`u16`/`u32`/`i32` field (or a `skip` one the destination knows) on the wire under the same conditions | `VMSTATE_VARRAY_UINT8/16/32/INT32`, `_VARRAY_*_ALLOC`, `VMSTATE_STRUCT_VARRAY_*` (`_POINTER`, `_ALLOC`) |
//! | `buffer, varray(count = field, max = N)` on `Vec<u8>` or `[u8; M]` | `count` raw bytes, described as one `buffer` of that size (size 0 in `-dump-vmstate`) | `VMSTATE_VBUFFER`, `_VBUFFER_UINT32`, `_VBUFFER_ALLOC_UINT32` |
//! | `subsection(name = "parent/child", needed = path)` on a `VmState` field | after the fields, when `needed` says so: `0x05`, the name, the version, the body; loaded in any order; an unknown one is refused by name | `.subsections` with `.needed` |
//! | `subsection(..., if_compat = ..)`/`unless_compat` | and only for destination machine types with (without) the flag | a `needed` that reads a compat property |
//! | `in_subsection = "parent/child"` | the field is sent in that subsection (declared on the struct) rather than among the fields | a subsection's `.fields` over the parent's own members |
//! | `skip` | not migrated (host-only state) | a member with no `VMSTATE_*` line |
//! | `validate = path` on a `()` field | no bytes: the function (a `test`'s signature) runs at this position; `false` fails the load (and refuses a save) | `VMSTATE_VALIDATE` |
//! | `vstruct = N` on a `VmState` field | the nested struct as version `N` of its description (fields of later versions left out), described `vstruct`; `N` outside its versions is a compile error | `VMSTATE_VSTRUCT`, `_VSTRUCT_V`, `_VSTRUCT_TEST` |
//! | `with_tmp = T` on a `()` field | the fields of `T: TmpOf<Self>`, computed from the parent to save and applied to it after loading; named and described `tmp` | `VMSTATE_WITH_TMP` |
//! | `target_ulong` on a `u64`, `[u64; N]` or `unused = 8` | 8 bytes, or 4 (described `uint32`) when the context has [`TARGET_LONG_32`](crate::TARGET_LONG_32): one field list for a 64- and a 32-bit build; `if_compat = "target-long-32"` adds a field only the 32-bit build compiles in (not a `field_exists` test) | `VMSTATE_UINTTL`, `_UINTTL_ARRAY`, `VMSTATE_UNUSED(sizeof(target_ulong))` |
//! | `place = member[i].field` on a `()` field | the value at that place inside a member (a member of an array element), as a field of its own | `VMSTATE_UINT8(channels[0].irq_disabled, S)` |
//! | `place = member, view = T` on a `()` field | the member sent as `T` ([`View`](crate::View)): one member under several wire fields of other widths or forms | `VMSTATE_UINT16_HACK` before the full field; one buffer sent by two test-gated fields of different sizes (`PCIDevice`'s `config`) |
//! | `sub_array(of = member, start = N, count = M)` on a `()` field | elements `N..N+M` of the array `member` (a `skip` member when it is only sent in parts), named after it; out of range is a compile error | `VMSTATE_*_SUB_ARRAY`, `VMSTATE_UINT32(reg[INDEX])` |
//!
//! ```
//! use vmstate::{Context, Timer, VmState};
//!
//! #[derive(Clone, Debug, Default, PartialEq, VmState)]
//! #[vmstate(name = "nic", version = 2, minimum_version = 1)]
//! struct Nic {
//!     #[vmstate(equal)]
//!     queues: u32,                                   // must match the destination's
//!     #[vmstate(name = "mac")]
//!     #[vmstate(buffer)]
//!     mac_addr: [u8; 6],
//!     #[vmstate(unused = 2)]
//!     removed: (),                                   // a field QEMU dropped
//!     #[vmstate(since = 2)]
//!     mtu: u16,
//!     #[vmstate(test = Nic::has_stats)]
//!     stats: u64,
//!     ring_len: u16,
//!     #[vmstate(varray(count = ring_len, max = 256))]
//!     ring: Vec<u64>,
//!     rom_size: u32,
//!     #[vmstate(buffer, varray(count = rom_size, max = 65536))]
//!     rom: Vec<u8>,
//!     timer: Timer,
//!     #[vmstate(subsection(name = "nic/offload", needed = Nic::offload_needed))]
//!     offload: Offload,
//!     #[vmstate(skip)]
//!     host_fd: i32,
//! }
//!
//! #[derive(Clone, Debug, Default, PartialEq, VmState)]
//! #[vmstate(name = "nic/offload", version = 1, minimum_version = 1)]
//! struct Offload {
//!     flags: u32,
//! }
//!
//! impl Nic {
//!     fn has_stats(&self, _cx: &Context, version: u32) -> bool {
//!         version >= 2 && self.stats != 0
//!     }
//!     fn offload_needed(&self, _cx: &Context) -> bool {
//!         self.offload.flags != 0
//!     }
//! }
//!
//! let cx = Context::new("pc-q35-9.0");
//! let mut nic = Nic { queues: 1, ring_len: 2, ring: vec![7, 8], rom_size: 3, rom: vec![1, 2, 3], ..Nic::default() };
//! let mut body = Vec::new();
//! nic.save(&mut body, &cx).unwrap();
//! let mut back = Nic { queues: 1, ..Nic::default() };
//! back.load(&body, 2, &cx).unwrap();
//! assert_eq!((back.ring, back.rom), (vec![7, 8], vec![1, 2, 3]));
//! // A destination with two queues refuses the stream, and is left as it was.
//! let mut other = Nic { queues: 2, ..Nic::default() };
//! assert!(other.load(&body, 2, &cx).is_err());
//! assert_eq!(other.queues, 2);
//! ```
//!
//! ## Custom codecs
//!
//! A type QEMU encodes its own way (`VMSTATE_SINGLE` with a `VMStateInfo`) implements
//! [`Field`](crate::Field): its JSON type name and size, `put` and `get`. Its encoding may
//! be shorter than the described size (a one-byte null marker, as QEMU's
//! `VMSTATE_ARRAY_OF_POINTER` writes, which [`Nullable`](crate::Nullable) provides), also
//! inside a `varray`.
//!
//! ## QEMU families beside their equivalent
//!
//! | QEMU | here |
//! |---|---|
//! | `VMSTATE_UINT8/16/32/64`, `_INT8..64`, `_BOOL`, `_FLOAT64`, `_UINTTL` (64-bit) | the Rust type |
//! | `*_V`, `*_TEST` | `since = N`, `test = path` |
//! | `*_EQUAL`, `VMSTATE_INT32_POSITIVE_LE` | `equal`, `positive_le` |
//! | `*_ARRAY`, `*_2DARRAY` | `[T; N]`, `[[T; M]; N]` |
//! | `*_SUB_ARRAY`, single elements `reg[INDEX]` | `sub_array(of, start, count)` |
//! | `VMSTATE_VARRAY_*` (`_ALLOC`), `VMSTATE_STRUCT_VARRAY_*` | `varray(count, max)` |
//! | `VMSTATE_BUFFER`, `_PARTIAL_BUFFER`, `_BUFFER_V` | `buffer` |
//! | `VMSTATE_VBUFFER`, `_VBUFFER_UINT32`, `_VBUFFER_ALLOC_UINT32` | `buffer, varray(count, max)` |
//! | `VMSTATE_STRUCT`, `_STRUCT_ARRAY`, `_STRUCT_POINTER` | a derived struct, arrays of it, `Box<T>` |
//! | `VMSTATE_VSTRUCT*` | `vstruct = N` |
//! | `VMSTATE_WITH_TMP` | `with_tmp = T` ([`TmpOf`](crate::TmpOf)) |
//! | `VMSTATE_QTAILQ_V`, `VMSTATE_QLIST_V` | [`QTailQ<T, MAX>`](crate::QTailQ), [`QList<T, MAX>`](crate::QList) |
//! | `VMSTATE_GTREE_DIRECT_KEY_V`, `VMSTATE_GTREE_V` | [`GTree<u64, V, MAX>`](crate::GTree), [`GTree<Keyed<K>, V, MAX>`](crate::Keyed) |
//! | `VMSTATE_BITMAP` (fixed, run-time length) | [`Bitmap<N>`](crate::Bitmap), [`BitmapVec`](crate::BitmapVec) |
//! | `VMSTATE_FIFO8` | [`Fifo8`](crate::Fifo8) |
//! | `VMSTATE_TIMER_PTR` | [`Timer`](crate::Timer) |
//! | `VMSTATE_UNUSED*` | `unused = N` on a `()` field |
//! | `VMSTATE_VALIDATE` | `validate = path` on a `()` field |
//! | `VMSTATE_ARRAY_OF_POINTER` (one-byte `0x30` null marker) | an array (or `varray`) of [`Nullable<T>`](crate::Nullable) |
//! | `VMSTATE_UINT16_HACK`, a member under several fields (`*_TEST` buffers of different sizes) | `place = member, view = T` ([`View`](crate::View)) |
//! | `.subsections`, `.needed` | `subsection(name, needed)` on a field of a derived type, or declared on the struct over its own fields (`in_subsection`) |
//! | `.pre_save`, `.post_save`, `.pre_load`, `.post_load`, `.needed` (top level) | container hooks |
//! | `minimum_version_id_old` + `load_state_old` | `old_version(minimum, load)` |
