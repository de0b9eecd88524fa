//! The schema as plain data: what `#[derive(VmState)]` knows about a description, in
//! QEMU's vocabulary. Save, load, the stream's JSON description, the `-dump-vmstate` JSON
//! and the compatibility checker all read it.

use alloc::format;

/// A leaf codec: QEMU's `VMStateInfo` (its JSON type name and wire size per element).
#[doc(alias = "VMStateInfo")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Info {
    /// The type name used in the stream's JSON description (`uint64`, `int32 equal`, `fpr`).
    pub name: &'static str,
    /// Bytes one element takes on the wire.
    pub size: usize,
}

/// What one element of a field is.
#[derive(Clone, Copy, Debug)]
pub enum Elem {
    /// A leaf value handled by a codec.
    Leaf(Info),
    /// A nested description (QEMU's `VMS_STRUCT`): its body, without a version on the wire.
    Struct(&'static Description),
}

/// How many elements a field has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Count {
    /// A fixed number (1 for a scalar; the flattened length for arrays).
    Fixed(usize),
    /// A variable array whose count is another field of the same description, loaded
    /// earlier (QEMU's `VMS_VARRAY_*`).
    #[doc(alias = "VMS_VARRAY_UINT32")]
    Variable {
        /// Wire name of the count field.
        count_field: &'static str,
        /// Largest count the destination accepts.
        max: usize,
    },
}

/// A machine-type compat flag gate on a field or subsection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gate {
    /// Present only when the flag is on (QEMU: a `field_exists` test on a compat property).
    If(&'static str),
    /// Absent whenever the flag is on (QEMU: `needed` returning false for old machines).
    Unless(&'static str),
}

impl Gate {
    /// Whether the gate is the target's word size ([`TARGET_LONG_32`](crate::TARGET_LONG_32)):
    /// a field QEMU compiles in for one build only, not a `field_exists` test.
    pub const fn is_build(&self) -> bool {
        let flag = match *self {
            Gate::If(f) | Gate::Unless(f) => f,
        };
        crate::__private::str_eq(flag, crate::TARGET_LONG_32)
    }

    /// Whether the gate lets the item through for a context.
    pub fn allows(&self, cx: &crate::Context) -> bool {
        match *self {
            Gate::If(flag) => cx.compat(flag),
            Gate::Unless(flag) => !cx.compat(flag),
        }
    }
}

/// One field of a description.
#[derive(Clone, Copy, Debug)]
pub struct FieldDesc {
    /// Wire name (may differ from the Rust field name).
    pub name: &'static str,
    /// Element codec or nested description.
    pub elem: Elem,
    /// Element count.
    pub count: Count,
    /// First description version that has the field (QEMU's field `version_id`).
    pub since: u32,
    /// Whether an existence predicate decides presence (QEMU's `field_exists`).
    pub test: bool,
    /// A machine-type compat gate.
    pub gate: Option<Gate>,
}

impl FieldDesc {
    /// Whether QEMU's JSON description folds this field's elements into one entry with
    /// `array_len` (no existence test; for structs, recursively, no test and no subsections).
    pub const fn compressible(&self) -> bool {
        let tested_gate = match self.gate {
            Some(g) => !g.is_build(),
            None => false,
        };
        if self.test || tested_gate {
            return false;
        }
        match self.elem {
            Elem::Leaf(_) => true,
            Elem::Struct(d) => d.compressible(),
        }
    }

    /// Wire bytes of one element when that is fixed (leaves and structs without
    /// subsections, tests or variable arrays).
    pub const fn elem_size(&self) -> Option<usize> {
        match self.elem {
            Elem::Leaf(info) => Some(info.size),
            Elem::Struct(d) => d.fixed_size(),
        }
    }
}

/// A subsection of a description.
#[derive(Clone, Copy, Debug)]
pub struct SubsectionDesc {
    /// The subsection's description; its name starts with the parent's.
    pub description: &'static Description,
    /// A machine-type compat gate evaluated before `needed`.
    pub gate: Option<Gate>,
}

/// A description: QEMU's `VMStateDescription`.
#[doc(alias = "VMStateDescription")]
#[derive(Clone, Copy, Debug)]
pub struct Description {
    /// Name (section idstr for top-level state, `parent/child` for subsections).
    pub name: &'static str,
    /// Version written by save and highest version accepted by load.
    pub version: u32,
    /// Lowest version accepted by load.
    pub minimum_version: u32,
    /// Lowest version an old-version loader accepts (0 when there is none).
    pub old_minimum_version: u32,
    /// Fields in wire order.
    pub fields: &'static [FieldDesc],
    /// Subsections in declaration (and save) order.
    pub subsections: &'static [SubsectionDesc],
    /// Whether a top-level `needed` decides if the section is sent at all (it has no
    /// meaning for a struct nested in another: the derive refuses that use).
    pub section_needed: bool,
}

impl Description {
    /// See [`FieldDesc::compressible`].
    pub const fn compressible(&self) -> bool {
        if !self.subsections.is_empty() {
            return false;
        }
        let mut i = 0;
        while i < self.fields.len() {
            if !self.fields[i].compressible() {
                return false;
            }
            i += 1;
        }
        true
    }

    /// The body's wire size when it is the same for every object and context.
    pub const fn fixed_size(&self) -> Option<usize> {
        if !self.subsections.is_empty() {
            return None;
        }
        let mut total = 0;
        let mut i = 0;
        while i < self.fields.len() {
            let f = &self.fields[i];
            if f.test || f.gate.is_some() || f.since > self.minimum_version {
                return None;
            }
            let n = match f.count {
                Count::Fixed(n) => n,
                Count::Variable { .. } => return None,
            };
            match f.elem_size() {
                Some(s) => total += s * n,
                None => return None,
            }
            i += 1;
        }
        Some(total)
    }

    /// Looks a field up by wire name.
    pub fn field(&self, name: &str) -> Option<&'static FieldDesc> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Looks a subsection up by full name.
    pub fn subsection(&self, name: &str) -> Option<&'static SubsectionDesc> {
        self.subsections.iter().find(|s| s.description.name == name)
    }

    /// The name QEMU gives a field in the stream's JSON description: the plain name, or
    /// `name[k]` (k = occurrence ordinal) when the name occurs more than once.
    pub fn json_field_name(&self, index: usize) -> alloc::borrow::Cow<'static, str> {
        let name = self.fields[index].name;
        let total = self.fields.iter().filter(|f| f.name == name).count();
        if total == 1 {
            return name.into();
        }
        let k = self.fields[..index]
            .iter()
            .filter(|f| f.name == name)
            .count();
        format!("{name}[{k}]").into()
    }
}
