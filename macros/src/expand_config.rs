//! `scopegate::config!()`: the crate's configuration as a `&'static scopegate::Config`.

use proc_macro2::{Span, TokenStream};
use quote::quote;

use crate::config::{self, Config, Gate};

fn opt_str(s: &Option<String>) -> TokenStream {
    match s {
        Some(s) => quote!(::core::option::Option::Some(#s)),
        None => quote!(::core::option::Option::None),
    }
}

fn gate_tokens(g: &Gate) -> TokenStream {
    let Gate { name, feature, allowlists, areas, bypass } = g;
    let superuser = bypass.active_superuser;
    let org = opt_str(&bypass.org_token_scope);
    let integration = opt_str(&bypass.integration_scope);
    quote! {
        ::scopegate::__private::GateDef::__new(
            #name, #feature, #allowlists, &[#(#areas),*],
            ::scopegate::__private::Bypass {
                active_superuser: #superuser,
                org_token_scope: #org,
                integration_scope: #integration,
            },
        )
    }
}

/// An expression of type `scopegate::Config` (not a reference).
pub(crate) fn config_value(c: &Config) -> TokenStream {
    let scopes = &c.scopes;
    let readonly = &c.readonly;
    let implies = c.implies.iter().map(|(s, i)| quote!((#s, &[#(#i),*])));
    let gates = c.gates.iter().map(gate_tokens);
    quote! {
        ::scopegate::__private::Config::__new(
            ::scopegate::__private::Vocabulary::__new(&[#(#scopes),*], &[#(#readonly),*], &[#(#implies),*]),
            &[#(#gates),*],
        )
    }
}

/// `const _: &[u8] = include_bytes!("…/scopegate.toml");` so that editing the file rebuilds the crate.
pub(crate) fn track_file(c: &Config) -> TokenStream {
    match c.file.as_ref().and_then(|f| f.to_str()) {
        Some(path) => quote!(
            const _: &[u8] = ::core::include_bytes!(#path);
        ),
        None => TokenStream::new(),
    }
}

/// Tracks the crate's `scopegate.toml` when it exists but cannot be parsed (so fixing it rebuilds).
pub(crate) fn track_broken_file() -> TokenStream {
    let Some(dir) = std::env::var_os("CARGO_MANIFEST_DIR") else { return TokenStream::new() };
    let file = std::path::PathBuf::from(dir).join("scopegate.toml");
    match file.to_str() {
        Some(path) if file.exists() => quote!(
            const _: &[u8] = ::core::include_bytes!(#path);
        ),
        _ => TokenStream::new(),
    }
}

pub(crate) fn expand_crate_config(input: TokenStream) -> TokenStream {
    if !input.is_empty() {
        return syn::Error::new_spanned(input, "`scopegate::config!()` takes no arguments")
            .into_compile_error();
    }
    match &*config::load() {
        Ok(c) => {
            let value = config_value(c);
            let track = track_file(c);
            quote!({
                #track
                const __SCOPEGATE_CONFIG: ::scopegate::__private::Config = #value;
                &__SCOPEGATE_CONFIG
            })
        }
        Err(e) => {
            let track = track_broken_file();
            let msg = crate::ctxt::with_help(
                e,
                "fix scopegate.toml; its format is described in the scopegate crate docs",
            );
            let err = syn::Error::new(Span::call_site(), msg).into_compile_error();
            quote!({ #track #err ::scopegate::Config::sentry() })
        }
    }
}

pub(crate) fn expand_default_config(input: TokenStream) -> TokenStream {
    if !input.is_empty() {
        return syn::Error::new_spanned(input, "takes no arguments").into_compile_error();
    }
    config_value(&Config::sentry())
}
