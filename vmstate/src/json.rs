//! A small JSON writer that formats exactly as QEMU's `json-writer.c` does (`", "` between
//! members, `": "` after keys, no other whitespace), so the description appended to a
//! stream is byte-identical to QEMU's. Also builds the `-dump-vmstate` style JSON.

use crate::schema::{Count, Description, Elem};
use alloc::{format, string::String, string::ToString, vec::Vec};

/// Streaming JSON writer with QEMU's separators.
///
/// ```
/// use vmstate::json::JsonWriter;
/// let mut j = JsonWriter::new();
/// j.start_object(None);
/// j.str(Some("name"), "cpu");
/// j.int(Some("version"), 5);
/// j.start_array(Some("fields"));
/// j.end_array();
/// j.end_object();
/// assert_eq!(j.as_str(), r#"{"name": "cpu", "version": 5, "fields": []}"#);
/// ```
#[derive(Clone, Debug, Default)]
pub struct JsonWriter {
    out: String,
    /// One entry per open container: whether it already has a member.
    has_member: Vec<bool>,
}

impl JsonWriter {
    /// An empty writer.
    pub fn new() -> Self {
        Self::default()
    }

    /// A point to return to with [`rollback`](Self::rollback) (e.g. when a section's
    /// save fails after its description was started).
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            len: self.out.len(),
            has_member: self.has_member.clone(),
        }
    }

    /// Drops everything written since `cp`.
    pub fn rollback(&mut self, cp: Checkpoint) {
        self.out.truncate(cp.len);
        self.has_member = cp.has_member;
    }

    /// The text written so far.
    pub fn as_str(&self) -> &str {
        &self.out
    }

    /// The finished text.
    pub fn into_string(self) -> String {
        self.out
    }

    fn member(&mut self, key: Option<&str>) {
        if let Some(has) = self.has_member.last_mut() {
            if *has {
                self.out.push_str(", ");
            }
            *has = true;
        }
        if let Some(k) = key {
            quote(&mut self.out, k);
            self.out.push_str(": ");
        }
    }

    /// Opens an object (`key` is `None` inside arrays and at top level).
    pub fn start_object(&mut self, key: Option<&str>) {
        self.member(key);
        self.out.push('{');
        self.has_member.push(false);
    }

    /// Closes the innermost object.
    pub fn end_object(&mut self) {
        self.has_member.pop();
        self.out.push('}');
    }

    /// Opens an array.
    pub fn start_array(&mut self, key: Option<&str>) {
        self.member(key);
        self.out.push('[');
        self.has_member.push(false);
    }

    /// Closes the innermost array.
    pub fn end_array(&mut self) {
        self.has_member.pop();
        self.out.push(']');
    }

    /// Writes a string member.
    pub fn str(&mut self, key: Option<&str>, value: &str) {
        self.member(key);
        quote(&mut self.out, value);
    }

    /// Writes an integer member.
    pub fn int(&mut self, key: Option<&str>, value: i64) {
        self.member(key);
        self.out.push_str(&value.to_string());
    }

    /// Writes a boolean member.
    pub fn bool(&mut self, key: Option<&str>, value: bool) {
        self.member(key);
        self.out.push_str(if value { "true" } else { "false" });
    }
}

/// A saved position of a [`JsonWriter`].
#[derive(Clone, Debug)]
pub struct Checkpoint {
    len: usize,
    has_member: Vec<bool>,
}

/// Quotes a string as QEMU does: `"` and `\` escaped, control characters and non-ASCII
/// as `\uXXXX` (UTF-16 code units).
fn quote(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04X}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A whole `-dump-vmstate` file: the machine type and one entry per named description
/// (QEMU names them by device class).
///
/// ```
/// #[derive(vmstate::VmState)]
/// #[vmstate(name = "timer", version = 2)]
/// struct T { ticks: i64 }
/// let json = vmstate::json::dump_vmstate("pc-9.0", &[("timer", <T as vmstate::VmState>::DESCRIPTION)]);
/// assert!(json.starts_with(r#"{"vmschkmachine": {"Name": "pc-9.0"}, "timer": {"Name": "timer", "version_id": 2"#));
/// ```
pub fn dump_vmstate(machine: &str, entries: &[(&str, &Description)]) -> String {
    let mut j = JsonWriter::new();
    j.start_object(None);
    j.start_object(Some("vmschkmachine"));
    j.str(Some("Name"), machine);
    j.end_object();
    for (class, d) in entries {
        j.start_object(Some(class));
        j.str(Some("Name"), class);
        j.int(Some("version_id"), i64::from(d.version));
        j.int(Some("minimum_version_id"), i64::from(d.minimum_version));
        dump_description(&mut j, Some("Description"), d);
        j.end_object();
    }
    j.end_object();
    j.into_string()
}

/// Writes a description as QEMU's `-dump-vmstate` does for one device class:
/// `{"name", "version_id", "minimum_version_id", "Fields": [...], "Subsections": [...]}`.
///
/// `size` is the element's wire size (for nested structs: the nested body's fixed size,
/// or 0 when it varies; QEMU prints the C `sizeof` there, which has no Rust equivalent).
pub fn dump_description(j: &mut JsonWriter, key: Option<&str>, d: &Description) {
    j.start_object(key);
    j.str(Some("name"), d.name);
    j.int(Some("version_id"), i64::from(d.version));
    j.int(Some("minimum_version_id"), i64::from(d.minimum_version));
    if !d.fields.is_empty() {
        j.start_array(Some("Fields"));
        // The dump is a 64-bit build's: a field only a 32-bit build compiles in is not
        // there (nor in QEMU's dump of that build).
        for f in d
            .fields
            .iter()
            .filter(|f| !matches!(f.gate, Some(g @ crate::Gate::If(_)) if g.is_build()))
        {
            j.start_object(None);
            j.str(Some("field"), f.name);
            j.int(Some("version_id"), i64::from(f.since));
            j.bool(Some("field_exists"), f.test || f.gate.is_some());
            if let Count::Fixed(n) = f.count {
                if n > 1 {
                    j.int(Some("num"), n as i64);
                }
            }
            j.int(Some("size"), f.elem_size().unwrap_or(0) as i64);
            match f.elem {
                Elem::Struct(nested) => dump_description(j, Some("Description"), nested),
                // An extension: QEMU's dumps carry no type, so its checker cannot see a
                // type change of the same size; ours can when both sides name types.
                Elem::Leaf(info) => j.str(Some("type"), info.name),
            }
            j.end_object();
        }
        j.end_array();
    }
    if !d.subsections.is_empty() {
        j.start_array(Some("Subsections"));
        for s in d.subsections {
            dump_description(j, None, s.description);
        }
        j.end_array();
    }
    j.end_object();
}
