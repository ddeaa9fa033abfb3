//! `scopegate::routes![handler, …]`: handlers named by their function paths, each mounted with
//! the declaration `#[endpoint]` attached to it. Both come from one lookup of the name, as a type:
//! the hidden type `#[endpoint]` declares under the handler's name carries the record (its
//! `TypeId`) and the body (its associated function of the same name), so no value of the same name (a local
//! function, a closure, a glob import's shadow) can be mounted under the declaration.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote, quote_spanned};
use syn::Token;
use syn::parse::Parser;
use syn::punctuated::Punctuated;

/// Expands to a `scopegate::axum::Routes` built from each path: `.__declared::<path, _, _>(path::name)`,
/// `name` being the path's last segment (the body keeps the handler's name).
/// Every token of a handler's part carries the span of the handler's path, so a function without
/// `#[scopegate::endpoint]` is reported on its own name.
pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let paths = match Punctuated::<syn::Path, Token![,]>::parse_terminated.parse2(input) {
        Ok(paths) => paths,
        Err(e) => {
            let mut error =
                syn::Error::new(e.span(), format!("{e}: `scopegate::routes!` takes handler function paths"));
            error.combine(syn::Error::new(
                e.span(),
                "help: write `scopegate::routes![list_projects, api::create_project]`",
            ));
            return error.into_compile_error();
        }
    };
    let calls = paths.iter().map(|path| {
        let Some(last) = path.segments.last() else { return quote!() };
        let (span, name) = (last.ident.span(), &last.ident);
        let path = path.to_token_stream();
        quote_spanned!(span=> .__declared::<#path, _, _>(#path::#name))
    });
    quote!(::scopegate::axum::Routes::new() #(#calls)*)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_path_becomes_one_declared_route() {
        let out = expand(quote!(health, api::dashboards::update_dashboard,)).to_string();
        assert_eq!(
            out,
            ":: scopegate :: axum :: Routes :: new () . __declared :: < health , _ , _ > (health :: health) \
             . __declared :: < api :: dashboards :: update_dashboard , _ , _ > (api :: dashboards :: update_dashboard :: update_dashboard)"
        );
        assert_eq!(expand(quote!()).to_string(), ":: scopegate :: axum :: Routes :: new ()");
    }

    #[test]
    fn anything_but_paths_is_an_error() {
        let out = expand(quote!(health; metrics)).to_string();
        assert!(out.contains("compile_error"), "{out}");
        assert!(out.contains("takes handler function paths"), "{out}");
    }
}
