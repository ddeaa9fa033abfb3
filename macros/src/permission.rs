//! `#[scopegate::permission(GET = [...], POST = [...], readonly_exceptions(POST = "..."))]`.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::LitStr;

use crate::args::{self, Value};
use crate::config::{self, Config};
use crate::ctxt::Ctxt;
use crate::endpoint::{Method, scope_list};
use crate::expand_config;

const EXCEPTIONS: &str = "readonly_exceptions";

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    expand_loaded(&config::load(), args, item)
}

/// Expansion against the result of loading the crate's configuration; a broken `scopegate.toml`
/// gives one error naming its file and line, and the item unchanged.
pub(crate) fn expand_loaded(
    loaded: &Result<Config, config::ConfigError>,
    args: TokenStream,
    item: TokenStream,
) -> TokenStream {
    match loaded {
        Ok(config) => expand_with(config, args, item),
        Err(e) => expand_config::broken_config_item(e, item),
    }
}

struct Entry {
    method: Method,
    scopes: Vec<LitStr>,
    readonly: Vec<LitStr>,
    exception: Option<LitStr>,
}

pub(crate) fn expand_with(config: &Config, args: TokenStream, item: TokenStream) -> TokenStream {
    let mut cx = Ctxt::new();
    let strukt = match syn::parse2::<syn::ItemStruct>(item.clone()) {
        Ok(s) => {
            let help = format!("declare the class as `pub struct {};`", s.ident);
            if !s.generics.params.is_empty() {
                cx.error_spanned(
                    &s.generics,
                    "`#[scopegate::permission]` applies to a unit struct without generics",
                    &help,
                );
            }
            if !matches!(s.fields, syn::Fields::Unit) {
                cx.error_spanned(
                    &s.fields,
                    "`#[scopegate::permission]` applies to a unit struct: a class holds no data",
                    &help,
                );
            }
            Some(s)
        }
        Err(_) => {
            cx.error_spanned(
                &args::item_head(&item),
                "`#[scopegate::permission]` applies to a unit struct",
                "declare the class as `pub struct MyPermission;`",
            );
            None
        }
    };

    let mut keys: Vec<&'static str> = Method::NAMES.to_vec();
    keys.push(EXCEPTIONS);
    let all = args::parse_args(&mut cx, args);
    let args = args::known_unique(&mut cx, &all, &keys, "#[scopegate::permission]");

    let mut entries: Vec<Entry> = Vec::new();
    let mut exceptions_arg = None;
    for arg in &args {
        let key = arg.key.to_string();
        if key == EXCEPTIONS {
            exceptions_arg = Some(*arg);
            continue;
        }
        let Some(method) = Method::parse(&key) else { continue };
        if let Some(scopes) = scope_list(&mut cx, config, arg) {
            let readonly = scopes.iter().filter(|l| config.is_readonly(&l.value())).cloned().collect();
            entries.push(Entry { method, scopes, readonly, exception: None });
        }
    }
    if args.iter().all(|a| a.key == EXCEPTIONS) && !cx.has_errors() {
        cx.error(
            Span::call_site(),
            "the permission class maps no method, so it grants nothing",
            "map methods to scopes, e.g. `GET = [\"org:read\"], POST = [\"org:write\"]`",
        );
    }

    if let Some(arg) = exceptions_arg {
        match &arg.value {
            Value::List(group) => {
                let nested = args::parse_args(&mut cx, group.stream());
                let nested = args::known_unique(&mut cx, &nested, &Method::NAMES, "readonly_exceptions(...)");
                for ex in nested {
                    let name = ex.key.to_string();
                    let Some(method) = Method::parse(&name) else { continue };
                    let Some(note) = args::lit_str(&mut cx, ex, "\"why read-only tokens may call this\"")
                    else {
                        continue;
                    };
                    if note.value().trim().is_empty() {
                        cx.error(
                            note.span(),
                            format!("the readonly exception for {name} must not be blank"),
                            "write the justification, or remove the exception and the read-only scopes",
                        );
                        continue;
                    }
                    let declared = all.iter().any(|a| a.key == name);
                    match entries.iter_mut().find(|e| e.method == method) {
                        _ if !method.is_mutation() => cx.error(
                            ex.key.span(),
                            format!("readonly exception for {name} is not needed: {name} is not a mutation"),
                            "remove it; stale notes hide the real policy debt",
                        ),
                        None if !declared => cx.error(
                            ex.key.span(),
                            format!("readonly exception for {name}, but the class does not map {name}"),
                            format!("add `{name} = [...]` or remove the exception"),
                        ),
                        None => {}
                        Some(e) if e.readonly.is_empty() => cx.error(
                            ex.key.span(),
                            format!("readonly exception for {name} is not needed: {name} accepts no read-only scope"),
                            "remove it; stale notes hide the real policy debt",
                        ),
                        Some(e) => e.exception = Some(note),
                    }
                }
            }
            _ => cx.error(
                arg.key.span(),
                "`readonly_exceptions` takes a list of `METHOD = \"justification\"`",
                "write `readonly_exceptions(POST = \"why read-only tokens may POST\")`",
            ),
        }
    }

    let Some(strukt) = strukt else {
        let errors = cx.into_compile_errors();
        return quote!(#item #errors);
    };
    if cx.has_errors() {
        let errors = cx.into_compile_errors();
        return quote!(#item #errors);
    }

    let ident = &strukt.ident;
    let name = ident.to_string();
    let methods = entries.iter().map(|e| {
        let m = e.method.tokens();
        let scopes = &e.scopes;
        let readonly = &e.readonly;
        let exception = match &e.exception {
            Some(l) => quote!(::core::option::Option::Some(#l)),
            None => quote!(::core::option::Option::None),
        };
        quote!(::scopegate::__private::MethodScopes::__new(#m, &[#(#scopes),*], &[#(#readonly),*], #exception))
    });
    let track = expand_config::track_file(config);
    quote! {
        #item
        impl ::scopegate::__private::Permission for #ident {
            const CLASS: &'static ::scopegate::__private::PermissionClass =
                &::scopegate::__private::PermissionClass::__new(#name, ::core::module_path!(), &[#(#methods),*]);
        }
        const _: () = { #track };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{compile_errors, mentions, starts_with};

    fn run(args: TokenStream) -> String {
        expand_with(
            &Config::sentry(),
            args,
            quote!(
                pub struct P;
            ),
        )
        .to_string()
    }

    fn errs(args: TokenStream) -> Vec<String> {
        compile_errors(&expand_with(
            &Config::sentry(),
            args,
            quote!(
                pub struct P;
            ),
        ))
    }

    #[test]
    fn class_expands() {
        let out = run(quote!(
            GET = ["org:read"],
            POST = ["org:read", "org:write"],
            readonly_exceptions(POST = "why")
        ));
        assert!(out.contains("impl :: scopegate :: __private :: Permission for P"), "{out}");
        assert!(!out.contains("compile_error"), "{out}");
        // Each method's read-only subset and exception are recorded.
        assert!(
            out.contains(
                r#"Method :: Get , & ["org:read"] , & ["org:read"] , :: core :: option :: Option :: None"#
            ),
            "{out}"
        );
        assert!(out.contains(r#"Method :: Post , & ["org:read" , "org:write"] , & ["org:read"] , :: core :: option :: Option :: Some ("why")"#), "{out}");
        assert!(out.contains(r#"__new ("P" , :: core :: module_path ! ()"#), "{out}");
    }

    #[test]
    fn stale_and_unknown_exceptions_are_errors() {
        let e = errs(quote!(
            GET = ["org:read"],
            POST = ["org:write"],
            readonly_exceptions(GET = "x", POST = "y", PUT = "z")
        ));
        assert_eq!(e.len(), 3, "{e:?}");
        assert!(e[0].starts_with("readonly exception for GET is not needed: GET is not a mutation"), "{e:?}");
        assert!(
            e[1].starts_with("readonly exception for POST is not needed: POST accepts no read-only scope")
        );
        assert!(e[2].starts_with("readonly exception for PUT, but the class does not map PUT"), "{e:?}");
    }

    #[test]
    fn exceptions_must_be_well_formed() {
        let e = errs(quote!(POST = ["org:read"], readonly_exceptions(POST = "  ")));
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].starts_with("the readonly exception for POST must not be blank"), "{e:?}");
        let e = errs(quote!(POST = ["org:read"], readonly_exceptions = "x"));
        assert!(
            e[0].starts_with("`readonly_exceptions` takes a list of `METHOD = \"justification\"`"),
            "{e:?}"
        );
        let e = errs(quote!(POST = ["org:read"], readonly_exceptions(POST = x, FETCH = "y", POST = "z")));
        assert_eq!(e.len(), 3, "{e:?}");
        assert!(e[0].starts_with("unknown key `FETCH` in readonly_exceptions(...)"), "{e:?}");
        assert!(e[1].starts_with("duplicate key `POST` in readonly_exceptions(...)"), "{e:?}");
        assert!(e[2].starts_with("`POST` takes a string literal"), "{e:?}");
        // An exception for a method whose scope list was wrong adds no follow-on error.
        let e = errs(quote!(POST = ["org:raed"], readonly_exceptions(POST = "x")));
        assert_eq!(e.len(), 1, "{e:?}");
        let e = errs(quote!(GET = ["org:read"], POST["org:read"], readonly_exceptions(POST = "x")));
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].starts_with("expected `=` after `POST`"), "{e:?}");
    }

    #[test]
    fn keys_are_methods_and_exceptions() {
        let e = errs(quote!(
            GET = ["org:read"],
            get = ["org:read"],
            GET = ["org:write"],
            readonly_exception(POST = "x")
        ));
        assert_eq!(e.len(), 3, "{e:?}");
        assert!(
            e[0].starts_with("unknown key `get` in #[scopegate::permission]. Did you mean `GET`?"),
            "{e:?}"
        );
        assert!(e[1].starts_with("duplicate key `GET`"), "{e:?}");
        assert!(e[2].contains("Did you mean `readonly_exceptions`?"), "{e:?}");
    }

    #[test]
    fn empty_class_is_an_error() {
        assert!(run(quote!()).contains("maps no method"));
        let e = errs(quote!(readonly_exceptions(POST = "x")));
        assert!(e.iter().any(|m| m.starts_with("the permission class maps no method")), "{e:?}");
    }

    #[test]
    fn only_unit_structs_without_generics() {
        for item in [
            quote!(
                pub struct P(u8);
            ),
            quote!(
                pub struct P {
                    x: u8,
                }
            ),
            quote!(
                pub struct P<T>;
            ),
            quote!(
                pub enum P {}
            ),
            quote!(
                fn p() {}
            ),
            quote!(garbage tokens),
        ] {
            let out = expand_with(&Config::sentry(), quote!(GET = ["org:read"]), item.clone());
            assert!(starts_with(&out, &item), "the item is re-emitted: {out}");
            let e = compile_errors(&out);
            assert_eq!(e.len(), 1, "{item}: {e:?}");
            assert!(e[0].starts_with("`#[scopegate::permission]` applies to a unit struct"), "{e:?}");
            assert!(!mentions(&out, "impl"), "no impl for an invalid class: {out}");
        }
    }
}
