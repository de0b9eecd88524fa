//! Rules that span several attributes or fields. One function per rule.

use std::collections::HashMap;

use syn::LitStr;

use crate::ctxt::Ctxt;
use crate::model::{Container, FieldKind, Gate};

/// Runs every rule.
pub fn check(cx: &Ctxt, c: &Container<'_>) {
    check_version_range(cx, c);
    check_old_version(cx, c);
    check_name(cx, c);
    check_since(cx, c);
    check_subsections(cx, c);
    check_varrays(cx, c);
    check_types(cx, c);
    check_unused(cx, c);
    check_inline_subsections(cx, c);
    check_target_ulong(cx, c);
    check_kind_combinations(cx, c);
    check_gates(cx, c);
}

// A section header carries the version as be32; anything larger cannot be written.
// Streams older than `minimum_version` are refused, so the range must be non-empty.
fn check_version_range(cx: &Ctxt, c: &Container<'_>) {
    for v in [&c.version, &c.minimum_version] {
        if v.value > u64::from(u32::MAX) {
            cx.error_at(
                v.span,
                "version does not fit the wire's be32 version field (at most 4294967295)",
            );
        }
    }
    if c.minimum_version.value > c.version.value {
        cx.error_at(
            c.minimum_version.span,
            "`minimum_version` exceeds `version`",
        );
    }
}

// QEMU's load_state_old serves versions below minimum_version_id, down to its own minimum.
fn check_old_version(cx: &Ctxt, c: &Container<'_>) {
    if let Some((min, _)) = &c.hooks.old_version {
        if min.value == 0 || min.value >= c.minimum_version.value {
            cx.error_at(
                min.span,
                "`old_version(minimum = ..)` must be at least 1 and below `minimum_version`",
            );
        }
    }
}

// The name travels as a counted string (a section idstr or a subsection name): 1..=255 bytes.
fn check_name(cx: &Ctxt, c: &Container<'_>) {
    let len = c.name.value.len();
    if len == 0 || len > 255 {
        cx.error_at(
            c.name.span,
            "a description name must be 1 to 255 bytes (it travels as a counted string)",
        );
    }
    for f in &c.fields {
        if f.name.value.is_empty() {
            cx.error_at(
                f.name.span,
                "a field's wire name cannot be empty (it names the field in the stream's description and in errors)",
            );
        }
    }
}

// A field that appears in version `since` must exist in the version this struct writes;
// `since = 0` is the default and says nothing, so it is refused as a likely mistake.
fn check_since(cx: &Ctxt, c: &Container<'_>) {
    for f in &c.fields {
        if let Some(since) = &f.since {
            if since.value == 0 {
                cx.error_at(
                    since.span,
                    "`since = 0` is the default; omit it or give the version that added the field",
                );
            } else if since.value > c.version.value {
                cx.error_at(
                    since.span,
                    format!(
                        "`since = {}` exceeds the description's `version = {}`",
                        since.value, c.version.value
                    ),
                );
            }
            if f.test.is_some() {
                cx.error_at(since.span, "`since` has no effect on a field with `test` (the test alone decides, as in QEMU)");
            }
        }
    }
}

// Subsections are found on load by exact name, after a prefix match on the parent's name.
fn check_subsections(cx: &Ctxt, c: &Container<'_>) {
    let mut seen = HashMap::new();
    let mut count = 0;
    let names = c
        .fields
        .iter()
        .filter_map(|f| match &f.kind {
            FieldKind::Subsection { name, .. } => Some(name),
            _ => None,
        })
        .chain(c.inline_subs.iter().map(|s| &s.name));
    for name in names {
        count += 1;
        let n = name.value();
        if !n.starts_with(&c.name.value) || n.len() == c.name.value.len() {
            cx.error_spanned_by(name, format!("subsection name `{n}` must start with the parent's name `{}` (e.g. `{}/child`)", c.name.value, c.name.value));
        }
        if n.len() > 255 {
            cx.error_spanned_by(
                name,
                "a subsection name travels as a counted string: at most 255 bytes",
            );
        }
        if seen.insert(n.clone(), ()).is_some() {
            cx.error_spanned_by(name, format!("duplicate subsection name `{n}`"));
        }
        if count == 65 {
            cx.error_spanned_by(name, "at most 64 subsections per description");
        }
    }
}

// A subsection over the struct's own fields: declared once on the container, named by
// its fields, not empty; its fields are wire fields of the parent's kinds.
fn check_inline_subsections(cx: &Ctxt, c: &Container<'_>) {
    for f in &c.fields {
        let Some(name) = &f.in_sub else { continue };
        if !c.inline_subs.iter().any(|s| s.name.value() == name.value()) {
            cx.error_spanned_by(
                name,
                format!(
                    "no subsection `{}` declared on the struct: add `#[vmstate(subsection(name = \"{}\", version = N, needed = path))]` to it",
                    name.value(),
                    name.value()
                ),
            );
        }
        if matches!(
            f.kind,
            FieldKind::Subsection { .. } | FieldKind::Skip | FieldKind::Tmp { .. }
        ) {
            cx.error_spanned_by(
                name,
                "`in_subsection` takes a migrated field (not a `subsection`, `skip` or `with_tmp` one)",
            );
        }
        if let FieldKind::VArray { count, .. } = &f.kind {
            let same = c
                .fields
                .iter()
                .find(|g| g.member == count)
                .is_some_and(|g| {
                    g.in_sub.as_ref().map(LitStr::value) == Some(name.value())
                        || matches!(g.kind, FieldKind::Skip)
                });
            if !same {
                cx.error_spanned_by(
                    count,
                    "the count of a `varray` in a subsection must be in the same subsection (or `skip`)",
                );
            }
        }
    }
    for s in &c.inline_subs {
        if !c
            .fields
            .iter()
            .any(|f| f.in_sub.as_ref().map(LitStr::value) == Some(s.name.value()))
        {
            cx.error_spanned_by(
                &s.name,
                format!(
                    "subsection `{}` has no fields: mark them `#[vmstate(in_subsection = \"{}\")]`",
                    s.name.value(),
                    s.name.value()
                ),
            );
        }
        if s.version.value > 255 || s.minimum_version.value > s.version.value {
            cx.error_at(
                s.version.span,
                "a subsection's version fits its header byte (at most 255) and is at least its minimum_version",
            );
        }
    }
}

// `target_ulong` changes the width of plain 64-bit values and of padding only.
fn check_target_ulong(cx: &Ctxt, c: &Container<'_>) {
    for f in &c.fields {
        let Some(span) = f.target_ulong else { continue };
        match &f.kind {
            FieldKind::Value => {}
            FieldKind::Unused { bytes } if bytes.value == 8 => {}
            FieldKind::Unused { .. } => cx.error_at(
                span,
                "`target_ulong` padding is `unused = 8` (4 bytes on a 32-bit target)",
            ),
            _ => cx.error_at(
                span,
                "`target_ulong` goes on a `u64` or `[u64; N]` field or on `unused = 8`",
            ),
        }
    }
}

// The count of a variable array is read from an earlier integer field of the same body.
fn check_varrays(cx: &Ctxt, c: &Container<'_>) {
    for (i, f) in c.fields.iter().enumerate() {
        let FieldKind::VArray { count, max, .. } = &f.kind else {
            continue;
        };
        match c.fields.iter().position(|g| g.member == count) {
            None => cx.error_spanned_by(
                count,
                format!("`varray` count field `{count}` does not exist"),
            ),
            Some(j) if j >= i && !matches!(c.fields[j].kind, FieldKind::Skip) => cx
                .error_spanned_by(
                    count,
                    format!(
                    "`varray` count field `{count}` must come before the array: it is loaded first"
                ),
                ),
            Some(j) if j >= i => {}
            Some(j) => {
                let g = &c.fields[j];
                // `u32`, `core::primitive::u32`, ...; other names (an alias) are left to
                // the `CountField` bound, which names the type when it does not fit.
                let is_int = match g.ty {
                    syn::Type::Path(p) if p.qself.is_none() => {
                        let last = p.path.segments.last().map(|s| s.ident.to_string());
                        let known_bad = [
                            "u64", "i64", "i8", "i16", "u128", "i128", "usize", "isize", "bool",
                            "f32", "f64",
                        ];
                        !last.is_some_and(|l| known_bad.contains(&l.as_str()))
                    }
                    _ => false,
                };
                if !is_int {
                    cx.error_spanned_by(
                        count,
                        format!(
                            "`varray` count field `{count}` must be `u8`, `u16`, `u32` or `i32`"
                        ),
                    );
                } else if !matches!(
                    g.kind,
                    FieldKind::Value | FieldKind::Equal | FieldKind::Skip
                ) {
                    cx.error_spanned_by(
                        count,
                        format!("`varray` count field `{count}` must be a plain value"),
                    );
                }
            }
        }
        if max.value == 0 {
            cx.error_at(max.span, "`varray` max must be at least 1");
        }
        // The count must be on the wire whenever the array is: otherwise a load of a
        // version without the count would size the array by the destination's value.
        if let Some(g) = c.fields.iter().find(|g| g.member == count) {
            let since = |f: &crate::model::Field<'_>| f.since.as_ref().map_or(0, |s| s.value);
            let gate = |f: &crate::model::Field<'_>| match &f.gate {
                Some(crate::model::Gate::If(s)) => Some((true, s.value())),
                Some(crate::model::Gate::Unless(s)) => Some((false, s.value())),
                None => None,
            };
            let test = |f: &crate::model::Field<'_>| {
                f.test.as_ref().map(|t| quote::quote!(#t).to_string())
            };
            if !matches!(g.kind, FieldKind::Skip)
                && (since(g) > since(f)
                    || gate(g) != gate(f)
                    || (g.test.is_some() && test(g) != test(f)))
            {
                cx.error_spanned_by(
                    count,
                    format!(
                        "`varray` count field `{count}` has its own `since`, `test` or compat gate: it must be on the wire whenever `{}` is (give both the same conditions)",
                        f.member
                    ),
                );
            }
        }
    }
}

// Zero bytes of padding is a no-op on the wire and almost certainly a mistake.
// Types with no QEMU encoding, named with what to write instead (one clear error
// rather than the trait errors of every generated use).
fn check_types(cx: &Ctxt, c: &Container<'_>) {
    // After an attribute error the field's kind is unknown: say nothing more about it.
    if cx.has_errors() {
        return;
    }
    for f in &c.fields {
        if !matches!(f.kind, FieldKind::Value | FieldKind::Equal) {
            continue;
        }
        let hint = match f.ty {
            syn::Type::Tuple(t) if !t.elems.is_empty() => {
                Some("a tuple has no vmstate encoding: use a nested `#[derive(VmState)]` struct")
            }
            syn::Type::Reference(_) | syn::Type::Ptr(_) => {
                Some("a reference or pointer cannot be migrated: own the value (a `Box<T>` is `T` on the wire)")
            }
            syn::Type::Path(p) if p.qself.is_none() => {
                match p.path.segments.last().map(|s| s.ident.to_string()).as_deref() {
                    Some("Vec") => Some("a `Vec` is a variable array: add `#[vmstate(varray(count = <field>, max = N))]` (or `buffer, varray(...)` for bytes)"),
                    Some("Option") => Some("`Option` has no QEMU encoding: a pointer slot of `VMSTATE_ARRAY_OF_POINTER` is `vmstate::Nullable<T>` (QEMU's one-byte null marker); a value sent only sometimes is a subsection with `needed`"),
                    Some("usize" | "isize") => Some("`usize`/`isize` change width with the host: use `u32`/`u64`/`i32`/`i64`"),
                    Some("f32") => Some("QEMU has no float32 vmstate type: keep the bits in a `u32`"),
                    Some("char") => Some("`char` has no QEMU encoding: use `u8` or `u32`"),
                    Some("u128" | "i128") => Some("QEMU has no 128-bit integer type: use two `u64` fields or `[u8; 16]` with `buffer`"),
                    Some("String") => Some("a `String` is a byte buffer on the wire: use `[u8; N]` with `buffer`, or `Vec<u8>` with `buffer, varray(count = <len field>, max = N)`"),
                    Some("HashMap" | "BTreeMap" | "HashSet" | "BTreeSet" | "VecDeque") => Some("collections have no direct QEMU encoding: migrate a count and a `varray` of entries"),
                    _ => None,
                }
            }
            _ => None,
        };
        if let Some(h) = hint {
            cx.error_spanned_by(f.ty, format!("field `{}`: {h}", f.member));
        }
    }
}

fn check_unused(cx: &Ctxt, c: &Container<'_>) {
    for f in c
        .fields
        .iter()
        .filter(|f| matches!(f.kind, FieldKind::Validate { .. }))
    {
        if !matches!(f.ty, syn::Type::Tuple(t) if t.elems.is_empty()) {
            cx.error_spanned_by(
                f.ty,
                format!(
                    "a `validate` field holds nothing: declare `{}` as `()` (it only runs its check)",
                    f.member
                ),
            );
        }
        if f.test.is_some() || f.since.is_some() {
            cx.error_spanned_by(
                f.member,
                "a `validate` field is its own test: it takes no `test` or `since`",
            );
        }
    }
    for f in &c.fields {
        let FieldKind::Place { root, .. } = &f.kind else {
            continue;
        };
        if !matches!(f.ty, syn::Type::Tuple(t) if t.elems.is_empty()) {
            cx.error_spanned_by(
                f.ty,
                format!("a `place` field holds nothing itself: declare `{}` as `()` (the value is `{root}`'s)", f.member),
            );
        }
        if !c.fields.iter().any(|g| g.member == root) {
            cx.error_spanned_by(root, format!("`place`: no member `{root}` in this struct"));
        }
    }
    for f in &c.fields {
        let FieldKind::SubArray { of, count, .. } = &f.kind else {
            continue;
        };
        if !matches!(f.ty, syn::Type::Tuple(t) if t.elems.is_empty()) {
            cx.error_spanned_by(
                f.ty,
                format!(
                    "a `sub_array` field holds nothing itself: declare `{}` as `()` (the elements are `{of}`'s)",
                    f.member
                ),
            );
        }
        if !c.fields.iter().any(|g| g.member == of) {
            cx.error_spanned_by(of, format!("`sub_array`: no member `{of}` in this struct"));
        }
        if count.value == 0 {
            cx.error_at(count.span, "`sub_array` of zero elements sends nothing");
        }
    }
    for f in c
        .fields
        .iter()
        .filter(|f| matches!(f.kind, FieldKind::Tmp { .. }))
    {
        if !matches!(f.ty, syn::Type::Tuple(t) if t.elems.is_empty()) {
            cx.error_spanned_by(
                f.ty,
                format!(
                    "a `with_tmp` field holds nothing itself: declare `{}` as `()` (its temporary type carries the wire fields)",
                    f.member
                ),
            );
        }
    }
    for f in &c.fields {
        if let FieldKind::Unused { bytes } = &f.kind {
            if bytes.value == 0 {
                cx.error_at(
                    bytes.span,
                    "`unused` of zero bytes: give the wire size of the removed field",
                );
            }
            // The padding replaces a removed field: a real field there would silently
            // never be migrated.
            if !matches!(f.ty, syn::Type::Tuple(t) if t.elems.is_empty()) {
                cx.error_spanned_by(
                    f.ty,
                    format!(
                        "an `unused` field holds nothing: declare `{}` as `()` (a value here would never be migrated; use `skip` for host-only state)",
                        f.member
                    ),
                );
            }
        }
    }
}

// Subsections and skipped fields have no field-level version or test of their own.
fn check_kind_combinations(cx: &Ctxt, c: &Container<'_>) {
    for f in &c.fields {
        if !matches!(f.kind, FieldKind::Subsection { .. } | FieldKind::Skip) {
            continue;
        }
        let what = if matches!(f.kind, FieldKind::Skip) {
            "a skipped field"
        } else {
            "a subsection (use its `needed`)"
        };
        if let Some(since) = &f.since {
            cx.error_at(since.span, format!("`since` does not apply to {what}"));
        }
        if let Some(test) = &f.test {
            cx.error_spanned_by(test, format!("`test` does not apply to {what}"));
        }
        if let Some(Gate::If(g) | Gate::Unless(g)) = &f.gate {
            cx.error_spanned_by(
                g,
                format!("a field-level compat gate does not apply to {what}"),
            );
        }
    }
}

// A compat flag names a machine-type property; an empty one can never be set.
fn check_gates(cx: &Ctxt, c: &Container<'_>) {
    for f in &c.fields {
        let sub_gate = match &f.kind {
            FieldKind::Subsection { gate, .. } => gate.as_ref(),
            _ => None,
        };
        for g in f.gate.iter().chain(sub_gate) {
            let (Gate::If(s) | Gate::Unless(s)) = g;
            if s.value().is_empty() {
                cx.error_spanned_by(s, "compat flag name is empty");
            }
        }
    }
}
