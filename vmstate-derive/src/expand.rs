//! model → tokens. No validation here: `check.rs` has run.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned as _;

use crate::check;
use crate::ctxt::Ctxt;
use crate::model::{Container, Field, FieldKind, Gate};

/// Entry point: parse, check, generate.
pub fn derive(input: &syn::DeriveInput) -> syn::Result<TokenStream> {
    let cx = Ctxt::new();
    let model = Container::from_ast(&cx, input);
    if let Some(m) = &model {
        check::check(&cx, m);
    }
    cx.check()?;
    Ok(expand_container(&model.expect("no errors implies a model")))
}

/// A subsection in sending order.
enum SubRef<'f, 'a> {
    /// Carried by a field's own type.
    Field(&'f Field<'a>),
    /// Over the struct's own fields (index into `inline_subs`).
    Inline(usize),
}

/// The const holding an inline subsection's description.
fn inline_const(k: usize) -> syn::Ident {
    quote::format_ident!("__VMSTATE_INLINE_SUBSECTION_{}", k)
}

fn gate_expr(krate: &TokenStream, g: &Gate) -> TokenStream {
    match g {
        Gate::If(s) => quote!(#krate::Gate::If(#s)),
        Gate::Unless(s) => quote!(#krate::Gate::Unless(#s)),
    }
}

fn gate_test(g: &Gate) -> TokenStream {
    match g {
        Gate::If(s) => quote!(__cx.compat(#s)),
        Gate::Unless(s) => quote!(!__cx.compat(#s)),
    }
}

fn expand_container(c: &Container<'_>) -> TokenStream {
    let krate = match &c.krate {
        Some(p) => quote!(#p),
        None => quote!(::vmstate),
    };
    let p = quote!(#krate::__private);
    let ident = c.ident;
    let name = &c.name.value;
    let version = c.version.value as u32;
    let minimum_version = c.minimum_version.value as u32;
    let old_minimum = c
        .hooks
        .old_version
        .as_ref()
        .map_or(0, |(m, _)| m.value as u32);

    let wire: Vec<&Field<'_>> = c
        .fields
        .iter()
        .filter(|f| f.is_wire_field() && f.in_sub.is_none())
        .collect();
    let subs: Vec<&Field<'_>> = c
        .fields
        .iter()
        .filter(|f| matches!(f.kind, FieldKind::Subsection { .. }))
        .collect();
    // Subsections in the order they are sent: field subsections where their field is,
    // a subsection over the struct's own fields where its first field is.
    let mut order: Vec<SubRef<'_, '_>> = Vec::new();
    for f in &c.fields {
        if matches!(f.kind, FieldKind::Subsection { .. }) {
            order.push(SubRef::Field(f));
        } else if let Some(n) = &f.in_sub {
            if let Some(k) = c
                .inline_subs
                .iter()
                .position(|s| s.name.value() == n.value())
            {
                if !order
                    .iter()
                    .any(|o| matches!(o, SubRef::Inline(j) if *j == k))
                {
                    order.push(SubRef::Inline(k));
                }
            }
        }
    }
    let inline_fields = |k: usize| -> Vec<&Field<'_>> {
        let n = c.inline_subs[k].name.value();
        c.fields
            .iter()
            .filter(|f| f.in_sub.as_ref().map(syn::LitStr::value).as_deref() == Some(n.as_str()))
            .collect()
    };
    let inline_consts = (0..c.inline_subs.len())
        .map(|k| {
            let s = &c.inline_subs[k];
            let cname = inline_const(k);
            let sname = &s.name;
            let (v, mv) = (s.version.value as u32, s.minimum_version.value as u32);
            let descs = inline_fields(k)
                .into_iter()
                .map(|f| field_desc(&krate, c, f))
                .collect::<Vec<_>>();
            quote! {
                const #cname: &'static #krate::Description = &#krate::Description {
                    name: #sname,
                    version: #v,
                    minimum_version: #mv,
                    old_minimum_version: 0,
                    fields: &[#(#descs),*],
                    subsections: &[],
                    section_needed: false,
                };
            }
        })
        .collect::<Vec<_>>();

    let field_descs = wire.iter().map(|f| field_desc(&krate, c, f));
    let sub_desc_field = |f: &Field<'_>| {
        let ty = f.ty;
        let FieldKind::Subsection { gate, .. } = &f.kind else {
            unreachable!()
        };
        let gate = match gate {
            Some(g) => {
                let g = gate_expr(&krate, g);
                quote!(::core::option::Option::Some(#g))
            }
            None => quote!(::core::option::Option::None),
        };
        quote_spanned! {ty.span()=>
            #krate::SubsectionDesc { description: <#ty as #krate::VmState>::DESCRIPTION, gate: #gate }
        }
    };
    let sub_descs = order.iter().map(|o| match o {
        SubRef::Field(f) => sub_desc_field(f),
        SubRef::Inline(k) => {
            let cname = inline_const(*k);
            quote!(#krate::SubsectionDesc { description: #cname, gate: ::core::option::Option::None })
        }
    });
    // A fixed array cannot hold more than its length: `max` above it is a mistake.
    let varray_asserts = c.fields.iter().filter_map(|f| {
        let FieldKind::VArray { max, .. } = &f.kind else {
            return None;
        };
        let ty = f.ty;
        let m = max.value as usize;
        let msg = format!(
            "`varray` max = {m} exceeds the capacity of `{}`'s storage (a fixed array holds its length)",
            f.member
        );
        Some(quote_spanned! {max.span=>
            const _: () = {
                if #m > <#ty as #p::VarStorage>::CAPACITY {
                    ::core::panic!(#msg);
                }
            };
        })
    });
    // A VSTRUCT's version must be one its struct's description loads.
    let vstruct_asserts = c.fields.iter().filter_map(|f| {
        let FieldKind::VStruct { version } = &f.kind else {
            return None;
        };
        let ty = f.ty;
        let v = version.value as u32;
        let msg = format!(
            "`vstruct = {v}` on `{}`: not a version its struct's description has (minimum_version..=version)",
            f.member
        );
        Some(quote_spanned! {version.span=>
            const _: () = {
                let __d = <#ty as #krate::VmState>::DESCRIPTION;
                if #v > __d.version || #v < __d.minimum_version {
                    ::core::panic!(#msg);
                }
            };
        })
    });
    // A sub-array lies within its array.
    let sub_array_asserts = c.fields.iter().filter_map(|f| {
        let FieldKind::SubArray { of, start, count } = &f.kind else {
            return None;
        };
        let arr = c.fields.iter().find(|g| g.member == of)?.ty;
        let (st, n) = (start.value as usize, count.value as usize);
        let msg = format!(
            "`sub_array` of `{of}`: elements {st}..{} lie beyond the array",
            st + n
        );
        Some(quote_spanned! {count.span=>
            const _: () = {
                if #st + #n > <#arr as #p::ArrayOf>::LEN {
                    ::core::panic!(#msg);
                }
            };
        })
    });
    let sub_asserts = subs.iter().map(|f| {
        let ty = f.ty;
        let FieldKind::Subsection { name: sname, .. } = &f.kind else {
            unreachable!()
        };
        let msg_name = format!(
            "subsection `{}`: the VmState description of its type has another name",
            sname.value()
        );
        let msg_ver = format!(
            "subsection `{}`: its version does not fit the subsection header (at most 255)",
            sname.value()
        );
        let span = sname.span();
        let name_check = quote_spanned! {span=>
            if !#p::str_eq(<#ty as #krate::VmState>::DESCRIPTION.name, #sname) {
                ::core::panic!(#msg_name);
            }
        };
        let version_check = quote_spanned! {span=>
            if <#ty as #krate::VmState>::DESCRIPTION.version > 255 {
                ::core::panic!(#msg_ver);
            }
        };
        quote_spanned! {span=>
            const _: () = {
                #name_check
                #version_check
            };
        }
    });

    let parent_desc = quote!(Self::DESCRIPTION);
    let save_fields = wire
        .iter()
        .enumerate()
        .map(|(i, f)| save_field(&krate, &parent_desc, i, f));
    let load_fields = wire
        .iter()
        .enumerate()
        .map(|(i, f)| load_field(&krate, &parent_desc, i, f));
    let save_sub_field = |f: &Field<'_>| {
        let member = f.member;
        let FieldKind::Subsection {
            name: sname,
            needed,
            gate,
        } = &f.kind
        else {
            unreachable!()
        };
        let gate = gate.as_ref().map(gate_test).unwrap_or_else(|| quote!(true));
        let needed_call =
            quote_spanned! {needed.span()=> (#p::needed::<Self>(#needed))(self, __cx) };
        quote! {
            if #gate && #needed_call {
                __subs.save(&mut self.#member, #sname, __w, __cx)?;
            }
        }
    };
    let save_sub_inline = |k: usize| {
        let s = &c.inline_subs[k];
        let cname = inline_const(k);
        let desc = quote!(#cname);
        let sname = &s.name;
        let v = s.version.value as u32;
        let needed = &s.needed;
        let needed_call =
            quote_spanned! {needed.span()=> (#p::needed::<Self>(#needed))(self, __cx) };
        let fields = inline_fields(k)
            .into_iter()
            .enumerate()
            .map(|(i, f)| save_field(&krate, &desc, i, f))
            .collect::<Vec<_>>();
        quote! {
            if #needed_call {
                __subs.begin(#sname, #v, __w)?;
                {
                    let __version: u32 = #v;
                    #p::desc_begin_at(__w, #cname, #v);
                    #(#fields)*
                    #p::desc_fields_end(__w);
                }
                __subs.end(__w);
            }
        }
    };
    let save_subs = order.iter().map(|o| match o {
        SubRef::Field(f) => save_sub_field(f),
        SubRef::Inline(k) => save_sub_inline(*k),
    });
    let sub_names = order.iter().map(|o| match o {
        SubRef::Field(f) => {
            let FieldKind::Subsection { name, .. } = &f.kind else {
                unreachable!()
            };
            quote!(#name)
        }
        SubRef::Inline(k) => {
            let n = &c.inline_subs[*k].name;
            quote!(#n)
        }
    });
    let sub_loads = order.iter().enumerate().map(|(i, o)| match o {
        SubRef::Field(f) => {
            let member = f.member;
            quote!(#i => #krate::VmState::load_body(&mut self.#member, __r, __v, __cx),)
        }
        SubRef::Inline(k) => {
            let cname = inline_const(*k);
            let desc = quote!(#cname);
            let fields = inline_fields(*k)
                .into_iter()
                .enumerate()
                .map(|(j, f)| load_field(&krate, &desc, j, f))
                .collect::<Vec<_>>();
            quote! {
                #i => {
                    let __version: u32 = __v;
                    if #p::check_version(#cname, __version, __r)? {
                        return ::core::result::Result::Err(#krate::Error::invalid("no old-version loader"));
                    }
                    #(#fields)*
                    ::core::result::Result::Ok(())
                }
            }
        }
    });

    let hook = |path: &Option<syn::ExprPath>, name: &str, kind: &str| -> TokenStream {
        let Some(path) = path else { return quote!() };
        let adapter = match kind {
            "post_load" => quote_spanned!(path.span()=> #p::post_load_hook::<Self, _>(#path)),
            _ => quote_spanned!(path.span()=> #p::hook::<Self, _>(#path)),
        };
        let args = if kind == "post_load" {
            quote!(self, __cx, __version)
        } else {
            quote!(self, __cx)
        };
        let off = if kind == "post_load" || kind == "pre_load" {
            quote!(__r.offset())
        } else {
            quote!(__w.offset())
        };
        quote! { #p::hook_result(#name, #off, (#adapter)(#args))?; }
    };
    let pre_load = hook(&c.hooks.pre_load, "pre_load", "pre_load");
    let post_load = hook(&c.hooks.post_load, "post_load", "post_load");
    let pre_save = hook(&c.hooks.pre_save, "pre_save", "pre_save");
    let save_all = quote! {
        #p::desc_begin_at(__w, Self::DESCRIPTION, __version);
        #(#save_fields)*
        #p::desc_fields_end(__w);
        let mut __subs = #p::SubsectionsDesc::new();
        #(#save_subs)*
        __subs.finish(__w);
        ::core::result::Result::Ok(())
    };
    // post_save runs even after a failed save once pre_save ran, so the fields go in a
    // closure whose result is held until post_save has run.
    let save_body = match &c.hooks.post_save {
        Some(path) => {
            let adapter = quote_spanned!(path.span()=> #p::hook::<Self, _>(#path));
            quote! {
                let __res: #krate::Result<()> = (|| { #save_all })();
                let __post = #p::hook_result("post_save", __w.offset(), (#adapter)(self, __cx));
                __res?;
                __post
            }
        }
        None => save_all,
    };
    let old_loader = match &c.hooks.old_version {
        Some((_, path)) => {
            let adapter = quote_spanned!(path.span()=> #p::old_loader::<Self, _>(#path));
            quote! {
                let __off = __r.offset();
                return #p::hook_result("old_version load", __off, (#adapter)(self, __r, __version, __cx));
            }
        }
        None => quote! {
            return ::core::result::Result::Err(#krate::Error::invalid("no old-version loader"));
        },
    };
    let section_needed = match &c.hooks.needed {
        Some(path) => {
            let call = quote_spanned!(path.span()=> (#p::needed::<Self>(#path))(self, __cx));
            quote! {
                fn section_needed(&self, __cx: &#krate::Context) -> bool { #call }
            }
        }
        None => quote!(),
    };

    let backup = backup_impl(&krate, c);
    let has_needed = c.hooks.needed.is_some();
    // A nested struct is always sent: a container `needed` of its type would be ignored
    // silently there, so that use is refused.
    let nested_asserts = c.fields.iter().filter_map(|f| {
        if !matches!(f.kind, FieldKind::Value | FieldKind::VStruct { .. }) {
            return None;
        }
        let ty = f.ty;
        let msg = format!(
            "field `{}`: its type has a container `needed`, which only a top-level section has (a nested struct is always sent); use a subsection instead",
            f.member
        );
        Some(quote_spanned! {ty.span()=>
            const _: () = {
                if let #krate::Elem::Struct(__d) = <#ty as #krate::Field>::ELEM {
                    if __d.section_needed {
                        ::core::panic!(#msg);
                    }
                }
            };
        })
    });
    let no_subs = subs.is_empty() && c.inline_subs.is_empty();
    let fixed = fixed_size(&krate, c, &wire, no_subs);
    let clean = if is_plain(c, &wire, no_subs) {
        quote! {
            fn body_loads_cleanly(__input: &[u8], __version: u32) -> bool {
                #p::body_loads_cleanly::<Self>(__input, __version)
            }
        }
    } else {
        quote!()
    };

    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, unused_qualifications, clippy::needless_borrow)]
        const _: () = {
            #(#inline_consts)*
            #(#sub_asserts)*
            #(#varray_asserts)*
            #(#vstruct_asserts)*
            #(#nested_asserts)*
            #(#sub_array_asserts)*

            #[automatically_derived]
            impl #krate::VmState for #ident {
                #backup

                const DESCRIPTION: &'static #krate::Description = &#krate::Description {
                    name: #name,
                    version: #version,
                    minimum_version: #minimum_version,
                    old_minimum_version: #old_minimum,
                    fields: &[#(#field_descs),*],
                    subsections: &[#(#sub_descs),*],
                    section_needed: #has_needed,
                };

                #[allow(unused_variables, unused_mut)]
                #[inline]
                fn save_body(
                    &mut self,
                    __w: &mut #krate::wire::Writer<'_>,
                    __cx: &#krate::Context,
                ) -> #krate::Result<()> {
                    <Self as #krate::VmState>::save_body_at(self, __w, #version, __cx)
                }

                #[allow(unused_variables, unused_mut)]
                #[inline]
                fn save_body_at(
                    &mut self,
                    __w: &mut #krate::wire::Writer<'_>,
                    __version: u32,
                    __cx: &#krate::Context,
                ) -> #krate::Result<()> {
                    #pre_save
                    #save_body
                }

                #[allow(unused_variables, unused_mut)]
                #[inline]
                fn load_body(
                    &mut self,
                    __r: &mut #krate::wire::Reader<'_>,
                    __version: u32,
                    __cx: &#krate::Context,
                ) -> #krate::Result<()> {
                    if #p::check_version(Self::DESCRIPTION, __version, __r)? {
                        #old_loader
                    }
                    #pre_load
                    #(#load_fields)*
                    #p::load_subsections(__r, #name, &[#(#sub_names),*], |__i, __r, __v| match __i {
                        #(#sub_loads)*
                        _ => ::core::result::Result::Ok(()),
                    })?;
                    #post_load
                    ::core::result::Result::Ok(())
                }

                #section_needed
                #clean
            }

            #[automatically_derived]
            impl #krate::Field for #ident {
                const ELEM: #krate::Elem = #krate::Elem::Struct(<Self as #krate::VmState>::DESCRIPTION);
                const COUNT: usize = 1;
                #fixed
                #[inline]
                fn put(&mut self, __w: &mut #krate::wire::Writer<'_>, __cx: &#krate::Context) -> #krate::Result<()> {
                    #krate::VmState::save_body(self, __w, __cx)
                }
                #[inline]
                fn get(&mut self, __r: &mut #krate::wire::Reader<'_>, __cx: &#krate::Context) -> #krate::Result<()> {
                    #krate::VmState::load_body(self, __r, <Self as #krate::VmState>::DESCRIPTION.version, __cx)
                }
                fn put_described(
                    &mut self,
                    __w: &mut #krate::wire::Writer<'_>,
                    __cx: &#krate::Context,
                    __e: &#krate::Entry<'_>,
                ) -> #krate::Result<()> {
                    #p::save_struct_described(self, __w, __cx, __e)
                }
            }
        };
    }
}

/// `VmState::Backup`: the members a load writes (no `Clone` of host-only members).
fn backup_impl(krate: &TokenStream, c: &Container<'_>) -> TokenStream {
    // Members written by a load, each once.
    let mut members: Vec<(&syn::Ident, &syn::Type, bool)> = Vec::new();
    let mut add = |m: &'_ syn::Ident, sub: bool| {
        if !members.iter().any(|(x, _, _)| *x == m) {
            if let Some(f) = c.fields.iter().find(|f| f.member == m) {
                // A member borrowed from `c` lives as long as `c`.
                let f: &Field<'_> = f;
                members.push((f.member, f.ty, sub));
            }
        }
    };
    for f in &c.fields {
        match &f.kind {
            FieldKind::Skip | FieldKind::Unused { .. } | FieldKind::Validate { .. } => {}
            FieldKind::SubArray { of, .. } => add(of, false),
            FieldKind::Place { root, .. } => add(root, false),
            FieldKind::Subsection { .. } => add(f.member, true),
            _ => add(f.member, false),
        }
    }
    let tys = members.iter().map(|(_, ty, sub)| {
        if *sub {
            quote!(<#ty as #krate::VmState>::Backup)
        } else {
            quote!(#ty)
        }
    });
    let takes = members.iter().map(|(m, ty, sub)| {
        if *sub {
            quote!(<#ty as #krate::VmState>::backup(&self.#m))
        } else {
            quote_spanned!(ty.span()=> ::core::clone::Clone::clone(&self.#m))
        }
    });
    let puts = members.iter().enumerate().map(|(i, (m, ty, sub))| {
        let i = syn::Index::from(i);
        if *sub {
            quote!(<#ty as #krate::VmState>::restore(&mut self.#m, __b.#i);)
        } else {
            quote!(self.#m = __b.#i;)
        }
    });
    quote! {
        type Backup = (#(#tys,)*);
        fn backup(&self) -> Self::Backup {
            (#(#takes,)*)
        }
        fn restore(&mut self, __b: Self::Backup) {
            #(#puts)*
        }
    }
}

/// Whether the body is an unconditional sequence of values: no hooks, field tests,
/// compat gates, versioned fields, checks or subsections.
fn is_plain(c: &Container<'_>, wire: &[&Field<'_>], no_subsections: bool) -> bool {
    let h = &c.hooks;
    no_subsections
        && h.pre_save.is_none()
        && h.post_save.is_none()
        && h.pre_load.is_none()
        && h.post_load.is_none()
        && h.old_version.is_none()
        && wire.iter().all(|f| {
            f.since.is_none()
                && f.test.is_none()
                && f.gate.is_none()
                && f.target_ulong.is_none()
                && matches!(f.kind, FieldKind::Value | FieldKind::Unused { .. })
        })
}

/// `FIXED_SIZE`, `put_fixed` and a bulk `put_slice` for a struct whose body is an
/// unconditional sequence of fields (no save hooks, field tests, compat gates,
/// versioned fields or subsections): arrays of it are then converted in one pass into
/// reserved space, like arrays of primitives. Nothing for other structs.
fn fixed_size(
    krate: &TokenStream,
    c: &Container<'_>,
    wire: &[&Field<'_>],
    no_subsections: bool,
) -> TokenStream {
    let p = quote!(#krate::__private);
    let ident = c.ident;
    if !is_plain(c, wire, no_subsections) {
        return quote!();
    }
    let sizes = wire.iter().map(|f| match &f.kind {
        FieldKind::Unused { bytes } => {
            let n = bytes.value as usize;
            quote!(::core::option::Option::Some(#n))
        }
        _ => {
            let ty = f.ty;
            quote_spanned!(ty.span()=> <#ty as #krate::Field>::FIXED_SIZE)
        }
    });
    let puts = fixed_walk(
        krate,
        wire,
        |ty, member| quote_spanned!(ty.span()=> #krate::Field::put_fixed(&self.#member, &mut __out[__o..__o + __n]);),
    );
    let gets = fixed_walk(krate, wire, |ty, member| {
        quote_spanned! {ty.span()=>
            if let ::core::option::Option::Some(__b) = __bytes.get(__o..__o + __n) {
                #krate::Field::get_fixed(&mut self.#member, __b);
            }
        }
    });
    let flats = wire.iter().filter_map(|f| match &f.kind {
        FieldKind::Unused { .. } => None,
        _ => {
            let ty = f.ty;
            Some(quote_spanned!(ty.span()=> #p::flat_leaf::<#ty>()))
        }
    });
    let checks = fixed_walk(krate, wire, |ty, _| {
        quote_spanned! {ty.span()=>
            if !#p::field_loads_cleanly::<#ty>(__rest, __o) {
                return false;
            }
        }
    });
    quote! {
        const FIXED_SIZE: ::core::option::Option<usize> = #p::fixed_sum(&[#(#sizes),*]);

        const FLAT: bool = true #(&& #flats)*;

        #[allow(unused_assignments)]
        fn loads_cleanly(__rest: &[u8]) -> bool {
            if <Self as #krate::Field>::FLAT {
                return __rest.len() >= #p::fixed_len::<Self>();
            }
            let mut __o = 0usize;
            #(#checks)*
            __rest.len() >= __o
        }

        #[inline]
        #[allow(unused_assignments)]
        fn put_fixed(&self, __out: &mut [u8]) {
            let mut __o = 0usize;
            #(#puts)*
        }

        #[inline]
        #[allow(unused_assignments)]
        fn get_fixed(&mut self, __bytes: &[u8]) {
            let mut __o = 0usize;
            #(#gets)*
        }

        #[inline]
        fn put_slice(
            __items: &mut [Self],
            __w: &mut #krate::wire::Writer<'_>,
            __cx: &#krate::Context,
        ) -> #krate::Result<()> {
            const __SIZE: usize = #p::fixed_len::<#ident>();
            #p::put_fixed_slice::<Self, __SIZE>(__items, __w, __cx)
        }

        #[inline]
        fn get_slice(
            __items: &mut [Self],
            __r: &mut #krate::wire::Reader<'_>,
            __cx: &#krate::Context,
        ) -> #krate::Result<()> {
            const __SIZE: usize = #p::fixed_len::<#ident>();
            #p::get_fixed_slice::<Self, __SIZE>(__items, __r, __cx)
        }
    }
}

/// Per wire field of a fixed-size body, in order: `step` (given the field's type and
/// member) with `__o` its offset and `__n` its size, then `__o` moved past it; unused
/// bytes only move `__o`.
fn fixed_walk(
    krate: &TokenStream,
    wire: &[&Field<'_>],
    step: impl Fn(&syn::Type, &syn::Ident) -> TokenStream,
) -> Vec<TokenStream> {
    wire.iter()
        .map(|f| match &f.kind {
            FieldKind::Unused { bytes } => {
                let n = bytes.value as usize;
                quote!(__o += #n;)
            }
            _ => {
                let ty = f.ty;
                let body = step(ty, f.member);
                quote_spanned! {ty.span()=>
                    let __n = #krate::__private::fixed_len::<#ty>();
                    #body
                    __o += __n;
                }
            }
        })
        .collect()
}

fn field_desc(krate: &TokenStream, c: &Container<'_>, f: &Field<'_>) -> TokenStream {
    let p = quote!(#krate::__private);
    let name = &f.name.value;
    let ty = f.ty;
    let since = f.since.as_ref().map_or(0, |s| s.value as u32);
    let test = f.test.is_some() || matches!(f.kind, FieldKind::Validate { .. });
    let gate = match &f.gate {
        Some(g) => {
            let g = gate_expr(krate, g);
            quote!(::core::option::Option::Some(#g))
        }
        None => quote!(::core::option::Option::None),
    };
    let (elem, count) = match &f.kind {
        FieldKind::Tmp { ty: tmp } => (
            quote_spanned!(tmp.span()=> #krate::Elem::Struct(<#tmp as #krate::VmState>::DESCRIPTION)),
            quote!(#krate::Count::Fixed(1)),
        ),
        FieldKind::Place {
            view: Some(view), ..
        } => (
            quote_spanned!(view.span()=> <#view as #krate::Field>::ELEM),
            quote_spanned!(view.span()=> #krate::Count::Fixed(<#view as #krate::Field>::COUNT)),
        ),
        FieldKind::Place { expr, .. } => (
            quote_spanned!(expr.span()=> #p::place_elem(|__s: &mut Self| &mut __s.#expr)),
            quote_spanned!(expr.span()=> #krate::Count::Fixed(#p::place_count(|__s: &mut Self| &mut __s.#expr))),
        ),
        FieldKind::SubArray { of, count, .. } => {
            let arr = c.fields.iter().find(|g| g.member == of).map(|g| g.ty);
            let n = count.value as usize;
            (
                quote_spanned!(of.span()=> <<#arr as #p::ArrayOf>::Item as #krate::Field>::ELEM),
                quote_spanned!(of.span()=> #krate::Count::Fixed(#n * <<#arr as #p::ArrayOf>::Item as #krate::Field>::COUNT)),
            )
        }
        FieldKind::Value | FieldKind::VStruct { .. } => (
            quote_spanned!(ty.span()=> <#ty as #krate::Field>::ELEM),
            quote_spanned!(ty.span()=> #krate::Count::Fixed(<#ty as #krate::Field>::COUNT)),
        ),
        FieldKind::Equal => (
            quote_spanned!(ty.span()=> #p::equal_elem::<#ty>()),
            quote!(#krate::Count::Fixed(1)),
        ),
        FieldKind::PositiveLe => (quote!(#p::INT32_LE), quote!(#krate::Count::Fixed(1))),
        FieldKind::Buffer => (
            quote_spanned!(ty.span()=> <#ty as #p::ByteArray>::BUFFER),
            quote!(#krate::Count::Fixed(1)),
        ),
        FieldKind::Unused { bytes } => {
            let n = bytes.value as usize;
            (
                quote!(#krate::Elem::Leaf(#krate::Info { name: "unused_buffer", size: #n })),
                quote!(#krate::Count::Fixed(1)),
            )
        }
        FieldKind::VArray { count, max, buffer } => {
            let count_name = c
                .fields
                .iter()
                .find(|g| g.member == count)
                .map(|g| g.name.value.clone())
                .unwrap_or_default();
            let max = max.value as usize;
            if *buffer {
                // QEMU describes a VBUFFER with size 0: its size is the count's value.
                (
                    quote_spanned!(ty.span()=> #p::vbuffer_elem::<#ty>()),
                    quote!(#krate::Count::Variable { count_field: #count_name, max: #max }),
                )
            } else {
                (
                    quote_spanned!(ty.span()=> <<#ty as #p::VarStorage>::Item as #krate::Field>::ELEM),
                    quote!(#krate::Count::Variable { count_field: #count_name, max: #max }),
                )
            }
        }
        FieldKind::Validate { .. } => (
            quote!(#krate::Elem::Leaf(#krate::Info { name: "validate", size: 0 })),
            quote!(#krate::Count::Fixed(0)),
        ),
        FieldKind::Subsection { .. } | FieldKind::Skip => unreachable!("not a wire field"),
    };
    quote! {
        #krate::FieldDesc { name: #name, elem: #elem, count: #count, since: #since, test: #test, gate: #gate }
    }
}

/// Existence of a field: compat gate, then the test or the version.
fn exists(krate: &TokenStream, f: &Field<'_>, version: TokenStream) -> TokenStream {
    let gate = f.gate.as_ref().map(gate_test);
    let cond = match (&f.test, &f.since) {
        (Some(test), _) => Some(
            quote_spanned!(test.span()=> (#krate::__private::test::<Self>(#test))(self, __cx, #version)),
        ),
        (None, Some(since)) => {
            let s = since.value as u32;
            Some(quote!(#s <= #version))
        }
        (None, None) => None,
    };
    match (gate, cond) {
        (Some(g), Some(c)) => quote!(#g && #c),
        (Some(g), None) => g,
        (None, Some(c)) => c,
        (None, None) => quote!(true),
    }
}

fn save_field(krate: &TokenStream, desc: &TokenStream, index: usize, f: &Field<'_>) -> TokenStream {
    let p = quote!(#krate::__private);
    let member = f.member;
    let ty = f.ty;
    let cond = exists(krate, f, quote!(__version));
    let body = match &f.kind {
        FieldKind::Value if f.target_ulong.is_some() => quote_spanned! {ty.span()=>
            #p::save_target_ulong(&mut self.#member, #desc, #index, __w, __cx)?;
        },
        FieldKind::Value => quote_spanned! {ty.span()=>
            #p::save_field(&mut self.#member, #desc, #index, __w, __cx)?;
        },
        FieldKind::Equal => quote_spanned! {ty.span()=>
            #p::save_equal(&mut self.#member, #desc, #index, __w, __cx)?;
        },
        FieldKind::PositiveLe => quote_spanned! {ty.span()=>
            #p::save_int32_le(&mut self.#member, #desc, #index, __w);
        },
        FieldKind::Buffer => quote_spanned! {ty.span()=>
            #p::save_buffer(&self.#member, #desc, #index, __w);
        },
        FieldKind::Unused { bytes } => {
            let n = bytes.value as usize;
            if f.target_ulong.is_some() {
                quote!(#p::save_unused(#desc, #index, #p::target_ulong_bytes(__cx), __w);)
            } else {
                quote!(#p::save_unused(#desc, #index, #n, __w);)
            }
        }
        FieldKind::VArray {
            count,
            buffer: true,
            ..
        } => quote_spanned! {ty.span()=>
            #p::save_vbuffer(&mut self.#member, #p::CountField::to_count(self.#count), #desc, #index, __w)?;
        },
        FieldKind::VArray { count, .. } => {
            quote_spanned! {ty.span()=>
                #p::save_varray(&mut self.#member, #p::CountField::to_count(self.#count), #desc, #index, __w, __cx)?;
            }
        }
        FieldKind::Validate { check } => quote_spanned! {check.span()=>
            if !(#p::test::<Self>(#check))(self, __cx, __version) {
                return ::core::result::Result::Err(#p::validation_failed(#desc, #index, "output"));
            }
        },
        FieldKind::VStruct { version } => {
            let v = version.value as u32;
            quote_spanned! {ty.span()=>
                #p::save_vstruct(&mut self.#member, #v, #desc, #index, __w, __cx)?;
            }
        }
        FieldKind::Tmp { ty: tmp } => quote_spanned! {tmp.span()=>
            #p::save_tmp::<Self, #tmp>(self, #desc, #index, __w, __cx)?;
        },
        FieldKind::SubArray { of, start, count } => {
            let (st, n) = (start.value as usize, count.value as usize);
            quote_spanned! {of.span()=>
                #p::save_sub_array(&mut self.#of, #st, #n, #desc, #index, __w, __cx)?;
            }
        }
        FieldKind::Place {
            expr,
            view: Some(view),
            ..
        } => quote_spanned! {view.span()=>
            #p::save_view::<_, #view>(&self.#expr, #desc, #index, __w, __cx)?;
        },
        FieldKind::Place { expr, .. } => quote_spanned! {expr.span()=>
            #p::save_field(&mut self.#expr, #desc, #index, __w, __cx)?;
        },
        FieldKind::Subsection { .. } | FieldKind::Skip => unreachable!("not a wire field"),
    };
    quote! {
        if #cond {
            #body
        }
    }
}

fn load_field(krate: &TokenStream, desc: &TokenStream, index: usize, f: &Field<'_>) -> TokenStream {
    let p = quote!(#krate::__private);
    let member = f.member;
    let ty = f.ty;
    let cond = exists(krate, f, quote!(__version));
    let fd = quote!(&#desc.fields[#index]);
    let body = match &f.kind {
        FieldKind::Value if f.target_ulong.is_some() => quote_spanned! {ty.span()=>
            #p::load_target_ulong(&mut self.#member, #fd, __r, __cx)?;
        },
        FieldKind::Value => quote_spanned! {ty.span()=>
            #p::load_field(&mut self.#member, #fd, __r, __cx)?;
        },
        FieldKind::Equal => quote_spanned! {ty.span()=>
            #p::load_equal(&mut self.#member, #fd, __r, __cx)?;
        },
        FieldKind::PositiveLe => quote_spanned! {ty.span()=>
            #p::load_int32_le(&mut self.#member, #fd, __r)?;
        },
        FieldKind::Buffer => quote_spanned! {ty.span()=>
            #p::load_buffer(&mut self.#member, #fd, __r)?;
        },
        FieldKind::Unused { bytes } => {
            let n = bytes.value as usize;
            if f.target_ulong.is_some() {
                quote!(#p::load_unused(#fd, #p::target_ulong_bytes(__cx), __r)?;)
            } else {
                quote!(#p::load_unused(#fd, #n, __r)?;)
            }
        }
        FieldKind::VArray {
            count,
            buffer: true,
            ..
        } => quote_spanned! {ty.span()=>
            #p::load_vbuffer(&mut self.#member, #p::CountField::to_count(self.#count), #fd, __r)?;
        },
        FieldKind::VArray { count, .. } => quote_spanned! {ty.span()=>
            #p::load_varray(&mut self.#member, #p::CountField::to_count(self.#count), #fd, __r, __cx)?;
        },
        FieldKind::Validate { check } => quote_spanned! {check.span()=>
            if !(#p::test::<Self>(#check))(self, __cx, __version) {
                return ::core::result::Result::Err(#p::validation_failed_at(#fd, __r.offset()));
            }
        },
        FieldKind::VStruct { version } => {
            let v = version.value as u32;
            quote_spanned! {ty.span()=>
                #p::load_vstruct(&mut self.#member, #v, #fd, __r, __cx)?;
            }
        }
        FieldKind::Tmp { ty: tmp } => {
            let v = f.since.as_ref().map_or(0, |s| s.value as u32);
            quote_spanned! {tmp.span()=>
                #p::load_tmp::<Self, #tmp>(self, #v, #fd, __r, __cx)?;
            }
        }
        FieldKind::SubArray { of, start, count } => {
            let (st, n) = (start.value as usize, count.value as usize);
            quote_spanned! {of.span()=>
                #p::load_sub_array(&mut self.#of, #st, #n, #fd, __r, __cx)?;
            }
        }
        FieldKind::Place {
            expr,
            view: Some(view),
            ..
        } => quote_spanned! {view.span()=>
            #p::load_view::<_, #view>(&mut self.#expr, #fd, __r, __cx)?;
        },
        FieldKind::Place { expr, .. } => quote_spanned! {expr.span()=>
            #p::load_field(&mut self.#expr, #fd, __r, __cx)?;
        },
        FieldKind::Subsection { .. } | FieldKind::Skip => unreachable!("not a wire field"),
    };
    quote! {
        if #cond {
            #body
        }
    }
}
