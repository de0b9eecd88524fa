//! The `ppc-vm` command as a library: inspect QEMU streams through the ppc64 CPU types.
#![warn(missing_docs)]

pub mod crossing;
pub mod demo;
pub mod inspect;
pub mod live;
pub mod migration;
pub mod qemu;
pub mod rewrite;

/// JSON indented by four spaces, as QEMU's analyzer prints it.
pub fn pretty(v: &serde_json::Value) -> String {
    use serde::Serialize;
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(
        &mut out,
        serde_json::ser::PrettyFormatter::with_indent(b"    "),
    );
    match v.serialize(&mut ser) {
        Ok(()) => String::from_utf8_lossy(&out).into_owned(),
        Err(e) => format!("{{\"error\": \"{e}\"}}"),
    }
}
