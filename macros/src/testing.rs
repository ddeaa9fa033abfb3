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

/// The macros never panic, whatever tokens they are given, and always re-emit the item.
#[cfg(test)]
mod fuzz {
    use proc_macro2::TokenStream;
    use proptest::prelude::*;

    use crate::config::{Config, parse_config};
    use crate::{endpoint, path, permission};

    /// Tokens the macros give meaning to, plus a few they must survive.
    const ATOMS: &[&str] = &[
        "method",
        "path",
        "scopes",
        "permission",
        "unauthenticated",
        "readonly_exception",
        "owner",
        "publish",
        "gate",
        "gate_exempt",
        "readonly_exceptions",
        "GET",
        "HEAD",
        "OPTIONS",
        "POST",
        "PUT",
        "PATCH",
        "DELETE",
        "put",
        "FETCH",
        "public",
        "private",
        "replay",
        "r#replay",
        "self",
        "crate",
        "Class",
        "x",
        "=",
        "=",
        ",",
        ",",
        ",",
        ":",
        "::",
        "#",
        "!",
        ";",
        "-",
        "..",
        "&",
        "'a",
        "\"org:read\"",
        "\"org:write\"",
        "\"member:read\"",
        "\"\"",
        "\" \"",
        "\"/a/{x}/\"",
        "\"/o/replays/\"",
        "\"a/{\"",
        "\"/{x}/{x}/\"",
        "\"why\"",
        "1",
        "1.5",
        "'c'",
        "b\"x\"",
        "\"\\u{1F600}\"",
        "r\"raw\"",
    ];

    /// Random, balanced token soup.
    fn soup() -> impl Strategy<Value = String> {
        let atom = proptest::sample::select(ATOMS).prop_map(str::to_string);
        atom.prop_recursive(3, 48, 8, |inner| {
            (proptest::collection::vec(inner, 0..8), 0..4usize).prop_map(|(items, delim)| {
                let body = items.join(" ");
                match delim {
                    0 => format!("[{body}]"),
                    1 => format!("({body})"),
                    2 => format!("{{{body}}}"),
                    _ => body,
                }
            })
        })
    }

    fn soup_list() -> impl Strategy<Value = TokenStream> {
        proptest::collection::vec(soup(), 0..12)
            .prop_map(|parts| parts.join(" ").parse::<TokenStream>().unwrap_or_default())
    }

    /// Items the attributes may sit on, valid or not.
    const ITEMS: &[&str] = &[
        "fn handler() {}",
        "pub async fn handler(x: u8) -> u8 { x }",
        "fn handler(&self) {}",
        "const fn r#type() {}",
        "pub struct P;",
        "pub struct P(u8);",
        "pub struct P<T> { t: T }",
        "enum E {}",
        "impl X {}",
        "",
        "= , ;",
    ];

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn macros_survive_token_soup(args in soup_list(), item in proptest::sample::select(ITEMS)) {
            let item: TokenStream = item.parse().unwrap_or_default();
            let config = Config::sentry();
            for (out, product) in [
                (endpoint::expand_with(&config, args.clone(), item.clone()), "inventory"),
                (permission::expand_with(&config, args.clone(), item.clone()), "CLASS"),
            ] {
                prop_assert!(super::starts_with(&out, &item), "item not re-emitted: {}", out);
                // Either the declaration was registered, or at least one error explains why not.
                let registered = super::mentions(&out, product);
                let errors = super::compile_errors(&out);
                prop_assert_eq!(registered, errors.is_empty(), "{:?}", errors);
                for e in &errors {
                    prop_assert!(e.contains("\n= help: "), "every error has a help line: {:?}", e);
                }
            }
        }

        #[test]
        fn path_validation_never_panics(path in "\\PC{0,40}", tail in "[/{}*a-z_0-9]{0,30}") {
            for p in [path.clone(), format!("/{tail}"), format!("/{path}")] {
                if let Ok(params) = path::validate(&p) {
                    prop_assert!(p.starts_with('/'));
                    for (i, a) in params.iter().enumerate() {
                        prop_assert!(!params[i + 1..].contains(a), "duplicate {a} accepted in {p}");
                    }
                }
            }
        }

        #[test]
        fn config_parsing_never_panics(text in "\\PC{0,200}", lines in proptest::collection::vec(
            proptest::sample::select(&[
                "[scopes]", "known = [\"a\", \"b\"]", "readonly = [\"a\"]", "implies = { b = [\"a\"] }",
                "[gates.g]", "feature = \"f\"", "areas = [\"x\"]", "bypass = { org_token_scope = \"a\" }",
                "[gates.replay]", "known = []", "x = 1", "[scopes", "\"", "areas = [\"\"]",
            ][..]),
            0..10,
        )) {
            let _ = parse_config(std::path::Path::new("f"), &text);
            match parse_config(std::path::Path::new("f"), &lines.join("\n")) {
                Ok(c) => {
                    for r in &c.readonly {
                        prop_assert!(c.scopes.contains(r));
                    }
                }
                Err(e) => prop_assert!(e.starts_with("f:"), "{}", e),
            }
        }
    }
}
