//! Helpers for the unit tests: read the diagnostics out of an expansion.

use proc_macro2::{TokenStream, TokenTree};

/// The messages of every `compile_error!` in `tokens`, in order (searched recursively).
pub(crate) fn compile_errors(tokens: &TokenStream) -> Vec<String> {
    let mut out = Vec::new();
    let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
    for (i, tt) in trees.iter().enumerate() {
        match tt {
            TokenTree::Ident(ident) if ident == "compile_error" => {
                if let (Some(TokenTree::Punct(bang)), Some(TokenTree::Group(args))) =
                    (trees.get(i + 1), trees.get(i + 2))
                    && bang.as_char() == '!'
                    && let Ok(lit) = syn::parse2::<syn::LitStr>(args.stream())
                {
                    out.push(lit.value());
                }
            }
            TokenTree::Group(g) => out.extend(compile_errors(&g.stream())),
            _ => {}
        }
    }
    out
}

/// Does `tokens` contain the identifier `name` anywhere?
pub(crate) fn mentions(tokens: &TokenStream, name: &str) -> bool {
    tokens.clone().into_iter().any(|tt| match tt {
        TokenTree::Ident(ident) => ident == name,
        TokenTree::Group(g) => mentions(&g.stream(), name),
        _ => false,
    })
}

/// Does `haystack` start with the tokens of `needle` (compared as text)?
pub(crate) fn starts_with(haystack: &TokenStream, needle: &TokenStream) -> bool {
    haystack.to_string().starts_with(&needle.to_string())
}
