//! `#[scopegate::permission(GET = [...], POST = [...], readonly_exceptions(POST = "..."))]`.

use proc_macro2::TokenStream;
use quote::quote;

use crate::args;
use crate::ast::{ClassAst, ClassEntry};
use crate::config::Config;
use crate::ctxt::Ctxt;
use crate::endpoint::{method_tokens, requirement_tokens};
use crate::expand_config;
use crate::rules;

/// The pipeline: parse the item (a unit struct: R4) and the arguments ([`ClassAst`]: shapes
/// only) → R3 for each method's scope list → R4: the class maps a method → R2 for each
/// class-level note → expand the `Permission` impl, or re-emit the item with every error.
pub(crate) fn expand_with(config: &Config, args: TokenStream, item: TokenStream) -> TokenStream {
    let mut cx = Ctxt::new();
    let strukt = match syn::parse2::<syn::ItemStruct>(item.clone()) {
        Ok(s) => {
            rules::r4_class_item(&mut cx, &s);
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
    let class = ClassAst::parse(&mut cx, args);
    let mut entries: Vec<ClassEntry> = class
        .methods
        .iter()
        .filter_map(|(method, list)| {
            let scopes = rules::r3_scope_list(&mut cx, config, &list.key, &list.value)?;
            let readonly = rules::readonly_scopes(config, &scopes).into_iter().cloned().collect();
            Some(ClassEntry {
                method: *method,
                scopes,
                readonly,
                exception: None,
                planned: None,
                sunset: None,
            })
        })
        .collect();
    rules::r4_class_maps_a_method(&mut cx, &class);
    rules::r2_class_exceptions(&mut cx, &class, &mut entries);
    rules::r6_class_plans(&mut cx, config, &class, &mut entries);
    if let Err(errors) = cx.check() {
        return quote!(#item #errors);
    }
    let Some(strukt) = strukt else { return quote!(#item) };

    let ident = &strukt.ident;
    let name = ident.to_string();
    let methods = entries.iter().map(|e| {
        let m = method_tokens(e.method);
        let requirement = requirement_tokens(&e.scopes, quote!(::scopegate::__private));
        let readonly = &e.readonly;
        let some = |value: Option<TokenStream>| match value {
            Some(v) => quote!(::core::option::Option::Some(#v)),
            None => quote!(::core::option::Option::None),
        };
        let exception = some(e.exception.as_ref().map(|l| quote!(#l)));
        let planned = some(e.planned.as_ref().map(|p| requirement_tokens(p, quote!(::scopegate::__private))));
        let sunset = some(e.sunset.as_ref().map(|l| quote!(#l)));
        quote!(::scopegate::__private::MethodScopes::__new(
            #m, #requirement, &[#(#readonly),*], #exception, #planned, #sunset
        ))
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
                r#"Method :: Get , :: scopegate :: __private :: Requirement { scopes : & ["org:read"] , scope_match : :: scopegate :: __private :: Any } , & ["org:read"] , :: core :: option :: Option :: None"#
            ),
            "{out}"
        );
        assert!(out.contains(r#"Method :: Post , :: scopegate :: __private :: Requirement { scopes : & ["org:read" , "org:write"] , scope_match : :: scopegate :: __private :: Any } , & ["org:read"] , :: core :: option :: Option :: Some ("why")"#), "{out}");
        assert!(out.contains(r#"__new ("P" , :: core :: module_path ! ()"#), "{out}");
        // An all-of method: recorded as one; its read-only scopes are those through which a
        // read-only token meets it (none beside a write scope, all when every one is read-only).
        let out = run(quote!(
            POST = all("member:read", "team:write"),
            PUT = all("member:read", "team:read"),
            readonly_exceptions(PUT = "why")
        ));
        assert!(!out.contains("compile_error"), "{out}");
        assert!(out.contains(r#"Method :: Post , :: scopegate :: __private :: Requirement { scopes : & ["member:read" , "team:write"] , scope_match : :: scopegate :: __private :: All } , & [] ,"#), "{out}");
        assert!(out.contains(r#"Method :: Put , :: scopegate :: __private :: Requirement { scopes : & ["member:read" , "team:read"] , scope_match : :: scopegate :: __private :: All } , & ["member:read" , "team:read"] , :: core :: option :: Option :: Some ("why")"#), "{out}");
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
