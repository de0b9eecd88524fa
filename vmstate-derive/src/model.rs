//! syn → model: reads the `#[vmstate(...)]` attributes one at a time into types that only
//! admit legal shapes. Rules that span several attributes or fields live in `check.rs`.

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned as _;
use syn::{ExprPath, Ident, LitInt, LitStr};

use crate::ctxt::Ctxt;

// Attribute keywords.
const VMSTATE: &str = "vmstate";
const NAME: &str = "name";
const VERSION: &str = "version";
const MINIMUM_VERSION: &str = "minimum_version";
const CRATE: &str = "crate";
const PRE_LOAD: &str = "pre_load";
const POST_LOAD: &str = "post_load";
const PRE_SAVE: &str = "pre_save";
const POST_SAVE: &str = "post_save";
const NEEDED: &str = "needed";
const OLD_VERSION: &str = "old_version";
const MINIMUM: &str = "minimum";
const LOAD: &str = "load";
const SINCE: &str = "since";
const TEST: &str = "test";
const IF_COMPAT: &str = "if_compat";
const UNLESS_COMPAT: &str = "unless_compat";
const UNUSED: &str = "unused";
const EQUAL: &str = "equal";
const VALIDATE: &str = "validate";
const POSITIVE_LE: &str = "positive_le";
const BUFFER: &str = "buffer";
const VARRAY: &str = "varray";
const COUNT: &str = "count";
const MAX: &str = "max";
const SUBSECTION: &str = "subsection";
const SKIP: &str = "skip";
const VSTRUCT: &str = "vstruct";
const WITH_TMP: &str = "with_tmp";
const SUB_ARRAY: &str = "sub_array";
const OF: &str = "of";
const START: &str = "start";
const IN_SUBSECTION: &str = "in_subsection";
const TARGET_ULONG: &str = "target_ulong";
const PLACE: &str = "place";
const VIEW: &str = "view";

/// A value with the span of the token it came from.
#[derive(Clone)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

/// An attribute value that may be set once; a second setting is reported at its use.
struct Attr<'c, T> {
    cx: &'c Ctxt,
    name: &'static str,
    value: Option<T>,
}

impl<'c, T> Attr<'c, T> {
    fn none(cx: &'c Ctxt, name: &'static str) -> Self {
        Attr {
            cx,
            name,
            value: None,
        }
    }

    fn set(&mut self, span: Span, value: T) {
        if self.value.is_some() {
            self.cx
                .error_at(span, format!("duplicate vmstate attribute `{}`", self.name));
        } else {
            self.value = Some(value);
        }
    }

    fn get(self) -> Option<T> {
        self.value
    }
}

/// Hooks of a description.
#[derive(Default)]
pub struct Hooks {
    pub pre_load: Option<ExprPath>,
    pub post_load: Option<ExprPath>,
    pub pre_save: Option<ExprPath>,
    pub post_save: Option<ExprPath>,
    /// QEMU's `load_state_old` with its `minimum_version_id_old`.
    pub old_version: Option<(Spanned<u64>, ExprPath)>,
    /// Whether a top-level section is sent at all.
    pub needed: Option<ExprPath>,
}

/// A subsection over fields of the struct itself (declared on the container; its fields
/// carry `in_subsection = "name"`).
pub struct InlineSub {
    pub name: LitStr,
    pub version: Spanned<u64>,
    pub minimum_version: Spanned<u64>,
    pub needed: ExprPath,
}

/// The struct being derived.
pub struct Container<'a> {
    /// Subsections over the struct's own fields.
    pub inline_subs: Vec<InlineSub>,
    pub ident: &'a Ident,
    pub name: Spanned<String>,
    pub version: Spanned<u64>,
    pub minimum_version: Spanned<u64>,
    pub krate: Option<syn::Path>,
    pub hooks: Hooks,
    pub fields: Vec<Field<'a>>,
}

/// A compat-flag gate.
#[derive(Clone)]
pub enum Gate {
    If(LitStr),
    Unless(LitStr),
}

/// What a field is on the wire.
pub enum FieldKind {
    /// A value with a `Field` codec.
    Value,
    /// An `_equal` check.
    Equal,
    /// `int32 le`: 0 <= incoming <= local.
    PositiveLe,
    /// A raw byte buffer (`[u8; N]`, one element).
    Buffer,
    /// Padding: zeros on save, skipped on load; the Rust field is not touched.
    Unused { bytes: Spanned<u64> },
    /// A variable array whose count is another field; with `buffer` too, a byte buffer
    /// of that many bytes (QEMU's `VMSTATE_VBUFFER*`).
    VArray {
        count: Ident,
        max: Spanned<u64>,
        buffer: bool,
    },
    /// A subsection carried by this field's (VmState) type.
    Subsection {
        name: LitStr,
        needed: ExprPath,
        gate: Option<Gate>,
    },
    /// A nested struct saved and loaded as this version of its description (QEMU's
    /// `VMSTATE_VSTRUCT` with its `struct_version_id`).
    VStruct { version: Spanned<u64> },
    /// A temporary wire view of the parent (QEMU's `VMSTATE_WITH_TMP`): the type,
    /// which implements `vmstate::TmpOf<Parent>`.
    Tmp { ty: syn::Path },
    /// Elements `start..start + count` of the array in member `of` (QEMU's
    /// `VMSTATE_*_SUB_ARRAY`, or one element sent as a field of its own), on a `()`
    /// field.
    SubArray {
        of: Ident,
        start: Spanned<u64>,
        count: Spanned<u64>,
    },
    /// A place inside a member (`channels[0].irq_disabled`: a member of an array
    /// element), sent as a field of its own, on a `()` field; with `view = T`, as the
    /// type `T` sees it (`vmstate::View`).
    Place {
        expr: syn::Expr,
        root: Ident,
        view: Option<Box<syn::Type>>,
    },
    /// Not migrated.
    Skip,
    /// A check at this position, no bytes (QEMU's `VMSTATE_VALIDATE`): the load fails
    /// when the function says no.
    Validate { check: ExprPath },
}

/// One field of the struct.
pub struct Field<'a> {
    pub member: &'a Ident,
    pub ty: &'a syn::Type,
    /// Wire name (defaults to the Rust name).
    pub name: Spanned<String>,
    pub since: Option<Spanned<u64>>,
    pub test: Option<ExprPath>,
    pub gate: Option<Gate>,
    pub kind: FieldKind,
    /// The container-declared subsection this field is sent in.
    pub in_sub: Option<LitStr>,
    /// QEMU's `target_ulong`: 8 bytes, or 4 when the context is a 32-bit target
    /// (`vmstate::TARGET_LONG_32`); on `u64`, `[u64; N]` and `unused`.
    pub target_ulong: Option<Span>,
}

impl Field<'_> {
    /// Whether the field produces a wire field (a `FieldDesc`).
    pub fn is_wire_field(&self) -> bool {
        !matches!(self.kind, FieldKind::Subsection { .. } | FieldKind::Skip)
    }
}

/// The member a place starts from: `channels` for `channels[0].irq_disabled`.
fn place_root(e: &syn::Expr) -> Option<Ident> {
    match e {
        syn::Expr::Path(p) if p.qself.is_none() => p.path.get_ident().cloned(),
        syn::Expr::Field(f) => place_root(&f.base),
        syn::Expr::Index(i) if matches!(*i.index, syn::Expr::Lit(_)) => place_root(&i.expr),
        _ => None,
    }
}

fn parse_u64(meta: &ParseNestedMeta<'_>) -> syn::Result<Spanned<u64>> {
    let lit: LitInt = meta.value()?.parse()?;
    Ok(Spanned {
        value: lit.base10_parse::<u64>()?,
        span: lit.span(),
    })
}

fn parse_str(meta: &ParseNestedMeta<'_>) -> syn::Result<LitStr> {
    meta.value()?.parse()
}

fn parse_path(meta: &ParseNestedMeta<'_>) -> syn::Result<ExprPath> {
    meta.value()?.parse()
}

fn key(meta: &ParseNestedMeta<'_>) -> String {
    meta.path
        .get_ident()
        .map(ToString::to_string)
        .unwrap_or_else(|| {
            meta.path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect::<Vec<_>>()
                .join("::")
        })
}

impl<'a> Container<'a> {
    /// Reads the struct; records errors in `cx` and returns `None` when no model can be
    /// built at all.
    pub fn from_ast(cx: &Ctxt, input: &'a syn::DeriveInput) -> Option<Self> {
        let fields = match &input.data {
            syn::Data::Struct(syn::DataStruct {
                fields: syn::Fields::Named(named),
                ..
            }) => &named.named,
            syn::Data::Struct(s) => {
                let span = match &s.fields {
                    syn::Fields::Unnamed(u) => u.span(),
                    _ => input.ident.span(),
                };
                cx.error_at(
                    span,
                    "VmState can only be derived for structs with named fields",
                );
                return None;
            }
            syn::Data::Enum(e) => {
                cx.error_at(
                    e.enum_token.span,
                    "VmState cannot be derived for enums: QEMU's format has no encoding for them",
                );
                return None;
            }
            syn::Data::Union(u) => {
                cx.error_at(u.union_token.span, "VmState cannot be derived for unions");
                return None;
            }
        };
        if !input.generics.params.is_empty() {
            cx.error_spanned_by(
                &input.generics,
                "VmState cannot be derived for generic structs: a description is one static schema",
            );
        }

        let mut name = Attr::none(cx, NAME);
        let mut version = Attr::none(cx, VERSION);
        let mut minimum_version = Attr::none(cx, MINIMUM_VERSION);
        let mut krate = Attr::none(cx, CRATE);
        let mut pre_load = Attr::none(cx, PRE_LOAD);
        let mut post_load = Attr::none(cx, POST_LOAD);
        let mut pre_save = Attr::none(cx, PRE_SAVE);
        let mut post_save = Attr::none(cx, POST_SAVE);
        let mut needed = Attr::none(cx, NEEDED);
        let mut old_version = Attr::none(cx, OLD_VERSION);
        let mut inline_subs: Vec<InlineSub> = Vec::new();

        for attr in input.attrs.iter().filter(|a| a.path().is_ident(VMSTATE)) {
            let res = attr.parse_nested_meta(|meta| {
                let span = meta.path.span();
                match key(&meta).as_str() {
                    NAME => {
                        let s = parse_str(&meta)?;
                        name.set(span, Spanned { value: s.value(), span: s.span() });
                    }
                    VERSION => version.set(span, parse_u64(&meta)?),
                    MINIMUM_VERSION => minimum_version.set(span, parse_u64(&meta)?),
                    CRATE => {
                        // `crate = path` or `crate = "path"`, as serde accepts.
                        let v = meta.value()?;
                        let path = if v.peek(syn::LitStr) {
                            v.parse::<LitStr>()?.parse::<syn::Path>()?
                        } else {
                            v.parse::<syn::Path>()?
                        };
                        krate.set(span, path)
                    }
                    PRE_LOAD => pre_load.set(span, parse_path(&meta)?),
                    POST_LOAD => post_load.set(span, parse_path(&meta)?),
                    PRE_SAVE => pre_save.set(span, parse_path(&meta)?),
                    POST_SAVE => post_save.set(span, parse_path(&meta)?),
                    NEEDED => needed.set(span, parse_path(&meta)?),
                    OLD_VERSION => {
                        let mut min = None;
                        let mut load = None;
                        meta.parse_nested_meta(|m| {
                            match key(&m).as_str() {
                                MINIMUM if min.is_none() => min = Some(parse_u64(&m)?),
                                LOAD if load.is_none() => load = Some(parse_path(&m)?),
                                MINIMUM | LOAD => return Err(m.error(format!("duplicate vmstate attribute `{}`", key(&m)))),
                                other => return Err(m.error(format!("unknown `old_version` key `{other}` (expected `minimum`, `load`)"))),
                            }
                            Ok(())
                        })?;
                        match (min, load) {
                            (Some(min), Some(load)) => old_version.set(span, (min, load)),
                            _ => return Err(meta.error("`old_version` needs both `minimum = N` and `load = path`")),
                        }
                    }
                    SUBSECTION => {
                        let (mut sname, mut sver, mut smin, mut sneeded) = (None, None, None, None);
                        meta.parse_nested_meta(|m| {
                            match key(&m).as_str() {
                                NAME if sname.is_none() => sname = Some(parse_str(&m)?),
                                VERSION if sver.is_none() => sver = Some(parse_u64(&m)?),
                                MINIMUM_VERSION if smin.is_none() => smin = Some(parse_u64(&m)?),
                                NEEDED if sneeded.is_none() => sneeded = Some(parse_path(&m)?),
                                NAME | VERSION | MINIMUM_VERSION | NEEDED => {
                                    return Err(m.error(format!("duplicate vmstate attribute `{}`", key(&m))))
                                }
                                other => {
                                    return Err(m.error(format!(
                                        "unknown `subsection` key `{other}` (expected `name`, `version`, `minimum_version`, `needed`)"
                                    )))
                                }
                            }
                            Ok(())
                        })?;
                        let (Some(name), Some(version), Some(needed)) = (sname, sver, sneeded) else {
                            return Err(meta.error(
                                "a subsection over the struct's own fields needs `name = \"parent/child\"`, `version = N` and `needed = path`",
                            ));
                        };
                        let minimum_version = smin.unwrap_or(Spanned { value: version.value, span: version.span });
                        inline_subs.push(InlineSub { name, version, minimum_version, needed });
                    }
                    other => {
                        return Err(meta.error(format!(
                            "unknown vmstate attribute `{other}` (expected one of `name`, `version`, `minimum_version`, \
                             `pre_load`, `post_load`, `pre_save`, `post_save`, `needed`, `old_version`, `subsection`, `crate`)"
                        )))
                    }
                }
                Ok(())
            });
            if let Err(e) = res {
                cx.syn_error(e);
            }
        }

        let fields = fields
            .iter()
            .filter_map(|f| Field::from_ast(cx, f))
            .collect();
        Some(Container {
            inline_subs,
            ident: &input.ident,
            name: name.get().unwrap_or_else(|| {
                // The name travels on the wire (section idstr, subsection name): a
                // default taken from the Rust name would change with a rename.
                if !cx.has_errors() {
                    cx.error_spanned_by(
                        &input.ident,
                        "missing `#[vmstate(name = \"...\", version = N)]`: the description's name is on the wire",
                    );
                }
                Spanned {
                    value: input.ident.to_string(),
                    span: input.ident.span(),
                }
            }),
            version: version.get().unwrap_or(Spanned {
                value: 0,
                span: Span::call_site(),
            }),
            minimum_version: minimum_version.get().unwrap_or(Spanned {
                value: 0,
                span: Span::call_site(),
            }),
            krate: krate.get(),
            hooks: Hooks {
                pre_load: pre_load.get(),
                post_load: post_load.get(),
                pre_save: pre_save.get(),
                post_save: post_save.get(),
                old_version: old_version.get(),
                needed: needed.get(),
            },
            fields,
        })
    }
}

impl<'a> Field<'a> {
    fn from_ast(cx: &Ctxt, original: &'a syn::Field) -> Option<Self> {
        let member = original.ident.as_ref()?;
        let mut name = Attr::none(cx, NAME);
        let mut since = Attr::none(cx, SINCE);
        let mut test = Attr::none(cx, TEST);
        let mut gate = Attr::none(cx, "if_compat`/`unless_compat");
        let mut in_sub = Attr::none(cx, IN_SUBSECTION);
        let mut target_ulong = Attr::none(cx, TARGET_ULONG);
        let mut view: Attr<'_, syn::Type> = Attr::none(cx, VIEW);
        let mut kind: Attr<'_, (FieldKind, Span)> = Attr::none(cx, "kind");

        let mut set_kind = |span: Span, k: FieldKind| match (kind.value.take(), k) {
            (None, k) => kind.set(span, (k, span)),
            // `buffer` and `varray` together: a buffer whose size is another field.
            (Some((FieldKind::Buffer, s)), FieldKind::VArray { count, max, .. })
            | (Some((FieldKind::VArray { count, max, .. }, s)), FieldKind::Buffer) => {
                kind.value = Some((
                    FieldKind::VArray {
                        count,
                        max,
                        buffer: true,
                    },
                    s,
                ));
            }
            (prev, _) => {
                kind.value = prev;
                cx.error_at(span, "conflicting vmstate field kinds: a field is one of `unused`, `equal`, `positive_le`, `buffer`, `varray`, `subsection`, `vstruct`, `with_tmp`, `sub_array`, `place`, `skip` (only `buffer` and `varray` combine: a buffer sized by another field)");
            }
        };

        for attr in original.attrs.iter().filter(|a| a.path().is_ident(VMSTATE)) {
            let res = attr.parse_nested_meta(|meta| {
                let span = meta.path.span();
                match key(&meta).as_str() {
                    NAME => {
                        let s = parse_str(&meta)?;
                        name.set(span, Spanned { value: s.value(), span: s.span() });
                    }
                    SINCE => since.set(span, parse_u64(&meta)?),
                    TEST => test.set(span, parse_path(&meta)?),
                    IF_COMPAT => gate.set(span, Gate::If(parse_str(&meta)?)),
                    UNLESS_COMPAT => gate.set(span, Gate::Unless(parse_str(&meta)?)),
                    UNUSED => set_kind(span, FieldKind::Unused { bytes: parse_u64(&meta)? }),
                    EQUAL => set_kind(span, FieldKind::Equal),
                    POSITIVE_LE => set_kind(span, FieldKind::PositiveLe),
                    BUFFER => set_kind(span, FieldKind::Buffer),
                    SKIP => set_kind(span, FieldKind::Skip),
                    VSTRUCT => set_kind(span, FieldKind::VStruct { version: parse_u64(&meta)? }),
                    WITH_TMP => set_kind(span, FieldKind::Tmp { ty: meta.value()?.parse()? }),
                    IN_SUBSECTION => in_sub.set(span, parse_str(&meta)?),
                    PLACE => {
                        let expr: syn::Expr = meta.value()?.parse()?;
                        let Some(root) = place_root(&expr) else {
                            return Err(meta.error("`place` is a member path like `channels[0].irq_disabled` (members, fields and constant indices)"));
                        };
                        set_kind(
                            span,
                            FieldKind::Place {
                                expr,
                                root,
                                view: None,
                            },
                        );
                    }
                    VIEW => view.set(span, meta.value()?.parse::<syn::Type>()?),
                    TARGET_ULONG => target_ulong.set(span, span),
                    SUB_ARRAY => {
                        let mut of: Option<Ident> = None;
                        let mut start = None;
                        let mut count = None;
                        meta.parse_nested_meta(|m| {
                            match key(&m).as_str() {
                                OF if of.is_none() => of = Some(m.value()?.parse()?),
                                START if start.is_none() => start = Some(parse_u64(&m)?),
                                COUNT if count.is_none() => count = Some(parse_u64(&m)?),
                                OF | START | COUNT => return Err(m.error(format!("duplicate vmstate attribute `{}`", key(&m)))),
                                other => return Err(m.error(format!("unknown `sub_array` key `{other}` (expected `of`, `start`, `count`)"))),
                            }
                            Ok(())
                        })?;
                        let (Some(of), Some(start), Some(count)) = (of, start, count) else {
                            return Err(meta.error("`sub_array` needs `of = <array member>, start = N, count = N`"));
                        };
                        set_kind(span, FieldKind::SubArray { of, start, count });
                    }
                    VALIDATE => set_kind(span, FieldKind::Validate { check: parse_path(&meta)? }),
                    VARRAY => {
                        let mut count: Option<Ident> = None;
                        let mut max = None;
                        meta.parse_nested_meta(|m| {
                            match key(&m).as_str() {
                                COUNT if count.is_none() => count = Some(m.value()?.parse()?),
                                MAX if max.is_none() => max = Some(parse_u64(&m)?),
                                COUNT | MAX => return Err(m.error(format!("duplicate vmstate attribute `{}`", key(&m)))),
                                other => return Err(m.error(format!("unknown `varray` key `{other}` (expected `count`, `max`)"))),
                            }
                            Ok(())
                        })?;
                        let Some(count) = count else {
                            return Err(meta.error("`varray` needs `count = <field>`: the field holding the element count"));
                        };
                        let Some(max) = max else {
                            return Err(meta.error("`varray` needs `max = N`: the largest count the destination accepts"));
                        };
                        set_kind(span, FieldKind::VArray { count, max, buffer: false });
                    }
                    SUBSECTION => {
                        let mut sname: Option<LitStr> = None;
                        let mut sneeded: Option<ExprPath> = None;
                        let mut sgate: Option<Gate> = None;
                        meta.parse_nested_meta(|m| {
                            match key(&m).as_str() {
                                NAME if sname.is_none() => sname = Some(parse_str(&m)?),
                                NEEDED if sneeded.is_none() => sneeded = Some(parse_path(&m)?),
                                IF_COMPAT if sgate.is_none() => sgate = Some(Gate::If(parse_str(&m)?)),
                                UNLESS_COMPAT if sgate.is_none() => sgate = Some(Gate::Unless(parse_str(&m)?)),
                                NAME | NEEDED | IF_COMPAT | UNLESS_COMPAT => {
                                    return Err(m.error(format!("duplicate vmstate attribute `{}`", key(&m))))
                                }
                                other => {
                                    return Err(m.error(format!(
                                        "unknown `subsection` key `{other}` (expected `name`, `needed`, `if_compat`, `unless_compat`)"
                                    )))
                                }
                            }
                            Ok(())
                        })?;
                        let Some(sname) = sname else {
                            return Err(meta.error("`subsection` needs `name = \"parent/child\"`"));
                        };
                        let Some(sneeded) = sneeded else {
                            return Err(meta.error(
                                "`subsection` needs `needed = path`: a subsection is only sent when needed, so that older destinations can load the stream",
                            ));
                        };
                        set_kind(span, FieldKind::Subsection { name: sname, needed: sneeded, gate: sgate });
                    }
                    other => {
                        return Err(meta.error(format!(
                            "unknown vmstate field attribute `{other}` (expected one of `name`, `since`, `test`, `if_compat`, \
                             `unless_compat`, `unused`, `equal`, `positive_le`, `buffer`, `varray`, `subsection`, `in_subsection`, `target_ulong`, `place`, `view`, `vstruct`, `with_tmp`, `sub_array`, `skip`, `validate`)"
                        )))
                    }
                }
                Ok(())
            });
            if let Err(e) = res {
                cx.syn_error(e);
            }
        }

        let mut kind = kind.get().map_or(FieldKind::Value, |(k, _)| k);
        if let Some(t) = view.get() {
            match &mut kind {
                FieldKind::Place { view, .. } => *view = Some(Box::new(t)),
                _ => cx.error_spanned_by(
                    &t,
                    "`view = T` goes with `place = member`: the type the member is sent as",
                ),
            }
        }
        Some(Field {
            member,
            ty: &original.ty,
            // QEMU names padding `unused` (the stream's description repeats it as `unused[k]`).
            name: name.get().unwrap_or_else(|| {
                let default = if matches!(kind, FieldKind::Unused { .. }) {
                    "unused".to_owned()
                } else if matches!(kind, FieldKind::Tmp { .. }) {
                    // QEMU's `VMSTATE_WITH_TMP` is always named `tmp`.
                    "tmp".to_owned()
                } else if let FieldKind::SubArray { of, .. } = &kind {
                    // QEMU names a sub-array after its array.
                    let m = of.to_string();
                    m.strip_prefix("r#").map_or(m.clone(), str::to_owned)
                } else {
                    // `r#type` is `type` on the wire.
                    let m = member.to_string();
                    m.strip_prefix("r#").map_or(m.clone(), str::to_owned)
                };
                Spanned {
                    value: default,
                    span: member.span(),
                }
            }),
            since: since.get(),
            test: test.get(),
            gate: gate.get(),
            kind,
            in_sub: in_sub.get(),
            target_ulong: target_ulong.get(),
        })
    }
}
