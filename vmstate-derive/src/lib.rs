//! `#[derive(VmState)]`: the proc-macro half of the `vmstate` crate.
//!
//! The pipeline is parse → validated model → cross-field checks → code generation. Every
//! schema mistake is reported as a compile error spanned on the offending attribute; all
//! mistakes of one struct are reported in one compile.
#![warn(missing_docs)]

mod check;
mod ctxt;
mod expand;
mod model;

/// Derives `vmstate::VmState` (and `vmstate::Field`, so the struct can be nested).
///
/// Every attribute, the signature each function attribute expects, and QEMU's
/// `VMSTATE_*` families beside their equivalents are listed in the `vmstate` crate's
/// `attributes` module (`vmstate::attributes`).
#[proc_macro_derive(VmState, attributes(vmstate))]
pub fn derive_vm_state(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::derive(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
