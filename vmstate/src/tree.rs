//! GLib trees as QEMU migrates them (`VMSTATE_GTREE_V`, `VMSTATE_GTREE_DIRECT_KEY_V`):
//! the node count (be32), then per node a byte `0x01`, the key (a direct key as be64,
//! or the key's body) and the value's body, then `0x00`; nodes in key order.
//!
//! ```
//! use vmstate::{Context, GTree, VmState};
//!
//! #[derive(Clone, Debug, Default, PartialEq, VmState)]
//! #[vmstate(name = "mapping", version = 1)]
//! struct Mapping { size: u64 }
//!
//! #[derive(Clone, Debug, Default, PartialEq, VmState)]
//! #[vmstate(name = "iommu", version = 1)]
//! struct Iommu { mappings: GTree<u64, Mapping, 1024> }
//!
//! let cx = Context::default();
//! let mut m = Iommu::default();
//! m.mappings.insert(0x2000, Mapping { size: 0x1000 });
//! m.mappings.insert(0x1000, Mapping { size: 0x800 });
//! let mut body = Vec::new();
//! m.save(&mut body, &cx).unwrap();
//! assert_eq!(&body[..4], &[0, 0, 0, 2]);      // two nodes
//! assert_eq!(body[4], 1);                     // the first, key 0x1000 (key order)
//! assert_eq!(&body[5..13], &0x1000u64.to_be_bytes());
//! let mut back = Iommu::default();
//! back.load(&body, 1, &cx).unwrap();
//! assert_eq!(back, m);
//! ```

use alloc::collections::BTreeMap;
use core::ops::{Deref, DerefMut};

use crate::field::{Entry, Field};
use crate::schema::{Elem, Info};
use crate::wire::{Reader, Writer};
use crate::{Context, Error, ErrorKind, Result, VmState};

/// A tree key: a direct 64-bit key (QEMU's `GTREE_DIRECT_KEY`), or a [`Keyed`] struct.
pub trait GTreeKey: Ord + Sized {
    /// Writes the key.
    fn put_key(&mut self, w: &mut Writer<'_>, cx: &Context) -> Result<()>;
    /// Reads a key (a struct key at its description's version).
    fn get_key(r: &mut Reader<'_>, cx: &Context) -> Result<Self>;
}

impl GTreeKey for u64 {
    fn put_key(&mut self, w: &mut Writer<'_>, _cx: &Context) -> Result<()> {
        w.put_be64(*self);
        Ok(())
    }
    fn get_key(r: &mut Reader<'_>, _cx: &Context) -> Result<Self> {
        r.get_be64()
    }
}

/// A key that is a struct of its own (QEMU's `VMSTATE_GTREE_V` with a key description).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Keyed<K>(pub K);

impl<K: VmState + Default + Ord> GTreeKey for Keyed<K> {
    fn put_key(&mut self, w: &mut Writer<'_>, cx: &Context) -> Result<()> {
        self.0.save_body(w, cx)
    }
    fn get_key(r: &mut Reader<'_>, cx: &Context) -> Result<Self> {
        let mut k = K::default();
        k.load_body(r, K::DESCRIPTION.version, cx)?;
        Ok(Keyed(k))
    }
}

/// A tree of at most `MAX` nodes (a longer one in a stream is refused before the
/// excess is read; the count must match the nodes exactly); described as type `gtree`.
/// A failed load leaves the tree unchanged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GTree<K, V, const MAX: usize = 1024>(pub BTreeMap<K, V>);

impl<K, V, const MAX: usize> Default for GTree<K, V, MAX> {
    fn default() -> Self {
        GTree(BTreeMap::new())
    }
}

impl<K, V, const MAX: usize> Deref for GTree<K, V, MAX> {
    type Target = BTreeMap<K, V>;
    fn deref(&self) -> &BTreeMap<K, V> {
        &self.0
    }
}

impl<K, V, const MAX: usize> DerefMut for GTree<K, V, MAX> {
    fn deref_mut(&mut self) -> &mut BTreeMap<K, V> {
        &mut self.0
    }
}

impl<K: GTreeKey + Clone, V: VmState + Default, const MAX: usize> GTree<K, V, MAX> {
    fn put_nodes(&mut self, w: &mut Writer<'_>, cx: &Context) -> Result<()> {
        let n = u32::try_from(self.0.len())
            .map_err(|_| Error::invalid("gtree: more than 2^32 nodes"))?;
        w.put_be32(n);
        for (i, (k, v)) in self.0.iter_mut().enumerate() {
            w.put_u8(1);
            let mut key = k.clone();
            key.put_key(w, cx).map_err(|e| e.at_index(i))?;
            v.save_body(w, cx).map_err(|e| e.at_index(i))?;
        }
        w.put_u8(0);
        Ok(())
    }
}

impl<K: GTreeKey + Clone, V: VmState + Default, const MAX: usize> Field for GTree<K, V, MAX> {
    const ELEM: Elem = Elem::Leaf(Info {
        name: "gtree",
        size: 0,
    });
    const COUNT: usize = 1;

    fn put(&mut self, w: &mut Writer<'_>, cx: &Context) -> Result<()> {
        self.put_nodes(w, cx)
    }

    fn get(&mut self, r: &mut Reader<'_>, cx: &Context) -> Result<()> {
        let at = r.offset();
        let n = r.get_be32()? as usize;
        if n > MAX {
            return Err(Error::new(ErrorKind::LimitExceeded {
                requested: n as u64,
                limit: MAX as u64,
            })
            .at_offset(at));
        }
        let mut tree = BTreeMap::new();
        let mut count = 0usize;
        loop {
            let m = r.offset();
            match r.get_u8()? {
                0 => break,
                1 => {}
                b => {
                    return Err(Error::invalid(alloc::format!(
                        "gtree marker {b:#04x}: expected 0x01 (a node) or 0x00 (the end)"
                    ))
                    .at_offset(m))
                }
            }
            if count == n {
                return Err(Error::invalid(alloc::format!(
                    "gtree: more nodes than the {n} announced"
                ))
                .at_offset(m));
            }
            let key = K::get_key(r, cx).map_err(|e| e.at_index(count))?;
            let mut v = V::default();
            v.load_body(r, V::DESCRIPTION.version, cx)
                .map_err(|e| e.at_index(count))?;
            tree.insert(key, v);
            count += 1;
        }
        if count != n {
            return Err(Error::invalid(alloc::format!(
                "gtree: {count} nodes where {n} were announced"
            ))
            .at_offset(r.offset()));
        }
        self.0 = tree;
        Ok(())
    }

    fn put_described(&mut self, w: &mut Writer<'_>, cx: &Context, entry: &Entry<'_>) -> Result<()> {
        if let Some(j) = w.desc() {
            j.start_object(None);
            j.str(Some("name"), entry.name);
            j.str(Some("type"), "gtree");
        }
        let start = w.written();
        self.put_nodes(w, cx)?;
        let size = w.written() - start;
        if let Some(j) = w.desc() {
            j.int(Some("size"), size as i64);
            j.end_object();
        }
        Ok(())
    }
}
