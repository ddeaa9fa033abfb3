//! Procedural macros of [scopegate](https://docs.rs/scopegate). Use them through the `scopegate` crate:
//! `#[scopegate::endpoint(...)]`, `#[scopegate::permission(...)]` and `scopegate::config!()`.
//!
//! This file only converts between `proc_macro` and `proc_macro2`; the logic lives in modules that
//! work on `proc_macro2` types so that it can be unit-tested and fuzzed outside the compiler.

#![warn(missing_docs)]
#![doc(html_root_url = "https://docs.rs/scopegate-macros/0.1.0")]

use proc_macro::TokenStream;

mod args;
mod ast;
mod config;
mod ctxt;
mod endpoint;
mod expand_config;
// The fuzz grammar lives with the fuzz targets (`macros/fuzz`); its fixed-seed corpus also runs
// in `cargo test`.
#[cfg(test)]
#[path = "../fuzz/src/grammar.rs"]
mod fuzz_corpus;
mod handler;
mod permission;
mod routes;
mod rules;
mod suggest;
mod symbol;
#[cfg(test)]
mod testing;
mod utoipa;

/// *(Defined in `scopegate-macros`, used through `scopegate`, whose re-export carries this reference.)*
#[proc_macro_attribute]
pub fn endpoint(args: TokenStream, item: TokenStream) -> TokenStream {
    expand_config::with_crate_config(endpoint::expand_with, args.into(), item.into()).into()
}

/// *(Defined in `scopegate-macros`, used through `scopegate`, whose re-export carries this reference.)*
#[proc_macro_attribute]
pub fn permission(args: TokenStream, item: TokenStream) -> TokenStream {
    expand_config::with_crate_config(permission::expand_with, args.into(), item.into()).into()
}

/// Expands to the calling crate's policy configuration (`&'static scopegate::Config`), read from the
/// `scopegate.toml` beside its `Cargo.toml`, or the built-in Sentry configuration when there is none.
#[proc_macro]
pub fn config(input: TokenStream) -> TokenStream {
    expand_config::expand_crate_config(input.into()).into()
}

/// Handlers named by their function paths, each mounted at the method and path its
/// `#[scopegate::endpoint]` declares. See `scopegate::routes!`.
#[proc_macro]
pub fn routes(input: TokenStream) -> TokenStream {
    routes::expand(input.into()).into()
}

#[doc(hidden)]
#[proc_macro]
pub fn __default_config(input: TokenStream) -> TokenStream {
    expand_config::expand_default_config(input.into()).into()
}
