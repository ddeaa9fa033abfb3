//! `#[scopegate::endpoint(...)]`, as a pipeline: parse the item and the arguments
//! ([`EndpointAst`]: shapes only) → check the rules about single values, which give a checked
//! [`Declaration`] → check the rules across keys ([`crate::rules`]) → expand the declaration, or
//! re-emit the item with every error.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::LitStr;
use syn::ext::IdentExt;

use scopegate_core::{AccessForm, Method};

use crate::args;
use crate::ast::{Access, AccessArgs, AccessValue, Declaration, EndpointAst, Keyed, ScopeList};
use crate::config::Config;
use crate::ctxt::Ctxt;
use crate::expand_config;
use crate::handler::Handler;
use crate::rules;
use crate::symbol::READONLY_EXCEPTION;
use crate::utoipa;

/// `::scopegate::__private::Method::Put`
pub(crate) fn method_tokens(method: Method) -> TokenStream {
    let variant = Ident::new(method.variant(), Span::call_site());
    quote!(::scopegate::__private::Method::#variant)
}

/// The pipeline, against an explicit configuration (used by tests and the fuzz entry point).
pub(crate) fn expand_with(config: &Config, args: TokenStream, item: TokenStream) -> TokenStream {
    let mut cx = Ctxt::new();
    // Parse.
    let mut func = handler(&mut cx, &item);
    // `#[utoipa::path]` below: taken off the handler, completed and emitted on its own.
    let mut utoipa_attrs = func.as_mut().map(Handler::take_utoipa_path).unwrap_or_default().into_iter();
    let utoipa_attr = utoipa_attrs.next();
    for extra in utoipa_attrs {
        cx.error_spanned(
            &extra,
            "a declared handler is one operation: it takes one `#[utoipa::path]`",
            "remove this one, or declare the other operation on a handler of its own",
        );
    }
    let fn_name = func.as_ref().map_or_else(|| "endpoint".into(), |f| f.ident.unraw().to_string());
    let ast = EndpointAst::parse(&mut cx, args);

    // The rules about single values, in the order of the keys.
    let decl = Declaration {
        method: ast.method.as_ref().and_then(|m| rules::r4_method(&mut cx, m)),
        path: ast.path.as_ref().and_then(|p| rules::r4_path(&mut cx, p)),
        access: access(&mut cx, config, &ast.access),
        readonly_exception: ast.readonly_exception.as_ref().and_then(|note| {
            let help = "write the justification, or remove `readonly_exception` and the read-only scopes";
            rules::r2_note_not_blank(&mut cx, note, help)
        }),
        owner: ast.owner.as_ref().and_then(|owner| {
            rules::r2_note_not_blank(&mut cx, owner, "name the owning team, e.g. `owner = \"dashboards\"`")
        }),
        publish: ast.publish.as_ref().and_then(|p| rules::r4_publish(&mut cx, p)),
        gate: ast.gate.as_ref().and_then(|g| rules::r4_gate(&mut cx, config, g)),
        gate_exempt: ast
            .gate_exempt
            .as_ref()
            .and_then(|note| rules::r2_note_not_blank(&mut cx, note, "say why the endpoint needs no gate")),
        planned: ast.planned.as_ref().and_then(|plan| {
            let list = rules::r3_scope_list(&mut cx, config, &plan.key, &plan.value)?;
            Some(Keyed { key: plan.key.clone(), value: list })
        }),
        sunset: ast.sunset.as_ref().and_then(|sunset| rules::r6_sunset_date(&mut cx, sunset)),
        intended: ast.intended,
    };
    rules::r4_required_keys(&mut cx, &decl);

    // The rules across keys.
    rules::r1_readonly_on_mutation(&mut cx, config, &fn_name, &decl);
    rules::r2_exception_needed(&mut cx, config, &fn_name, &decl);
    rules::r4_public_needs_owner(&mut cx, &fn_name, &decl);
    rules::r5_gated_area(&mut cx, config, &fn_name, &decl);
    rules::r6_plan_and_sunset(&mut cx, config, &fn_name, &decl);
    if let (Some(func), Some(path)) = (&func, &decl.path) {
        rules::r4_path_extractors(&mut cx, path, &func.arguments);
    }
    let doc = utoipa_attr.as_ref().and_then(|attr| utoipa::check(&mut cx, attr, &decl));
    // R1, R2 and R4 against a permission class's map run during const evaluation.
    let class_check = class_check_of(&decl, &fn_name);

    match (cx.check(), func) {
        (Ok(()), Some(func)) => {
            // A declaration without errors has every required value.
            let registration =
                registration(config, &func.ident, &decl, class_check).unwrap_or_else(|| quote!({}));
            // The function itself becomes the body of the declaration type (see `declaration`).
            let documented = match (&doc, &decl.method, &decl.path) {
                (Some(doc), Some((method, _)), Some(path)) => utoipa::expand(doc, *method, path, &func),
                _ => TokenStream::new(),
            };
            let declaration = declaration(&func, registration);
            quote!(#declaration #documented)
        }
        (Ok(()), None) => quote!(#item),
        (Err(errors), func) => {
            // Without its `#[utoipa::path]`, which would add errors of its own; what the
            // user's `#[openapi(paths(…))]` names documents nothing.
            let item = match (&utoipa_attr, &func) {
                (Some(_), Some(func)) if func.receiver.is_none() => {
                    let (item, placeholder) = (func.item(), utoipa::placeholder(func));
                    quote!(#item #placeholder)
                }
                (Some(_), Some(func)) => func.item(),
                _ => item,
            };
            // Still check the permission class (it may hold more mistakes, and naming it keeps
            // its `use` from being reported as unused). Inside an `impl` block no `const _` item
            // is allowed.
            let has_receiver = func.is_some_and(|f| f.receiver.is_some());
            let class_check = match class_check {
                Some(items) if !has_receiver => quote!(const _: () = { #items };),
                _ => TokenStream::new(),
            };
            quote!(#item #class_check #errors)
        }
    }
}

/// **R4** — `#[endpoint]` sits on a free function (sync or async).
fn handler(cx: &mut Ctxt, item: &TokenStream) -> Option<Handler> {
    let Ok(func) = syn::parse2::<Handler>(item.clone()) else {
        cx.error_spanned(
            &args::item_head(item),
            "`#[scopegate::endpoint]` applies to a function",
            "put the attribute on the handler `fn` (sync or async)",
        );
        return None;
    };
    if let Some(recv) = &func.receiver {
        cx.error_spanned(
            recv,
            "`#[scopegate::endpoint]` handlers must be free functions, not methods",
            "move the handler out of the `impl` block",
        );
    }
    Some(func)
}

/// The access form (R4: exactly one) and its value: R3 for a scope list, R2 for a justification.
fn access(cx: &mut Ctxt, config: &Config, args: &AccessArgs) -> Option<Access> {
    let form = rules::r4_one_access_form(cx, args)?;
    let value = match (form, args.value.as_ref()?) {
        (AccessForm::Scopes, AccessValue::Scopes(list)) => {
            AccessValue::Scopes(rules::r3_scope_list(cx, config, &args.keys[0].1, list)?)
        }
        (_, AccessValue::Note(why)) => {
            let (form, key) = &args.keys[0];
            let note = Keyed { key: key.clone(), value: why.clone() };
            let help = match form {
                AccessForm::Authenticated => {
                    "say why no scope is needed, e.g. `authenticated = \"every user reads their own profile\"`"
                }
                AccessForm::Superuser => {
                    "say why only superusers may call it, e.g. `superuser = \"instance-wide settings\"`"
                }
                _ => {
                    "say why the endpoint needs no credentials, e.g. `unauthenticated = \"public health check\"`"
                }
            };
            AccessValue::Note(rules::r2_note_not_blank(cx, &note, help)?)
        }
        (_, AccessValue::Class(class)) => AccessValue::Class(class.clone()),
        (_, AccessValue::Scopes(_)) => return None,
    };
    Some(Access { form, value })
}

/// The const-evaluated class check (R1, R2 and R4 against the class's map), when the endpoint
/// names a class.
fn class_check_of(decl: &Declaration, fn_name: &str) -> Option<TokenStream> {
    let Some(Access { value: AccessValue::Class(class), .. }) = &decl.access else { return None };
    let method = decl.method.as_ref().map(|(m, _)| *m);
    // On a safe method the note was reported already (R2); don't report it twice.
    let has_exception = decl.given(READONLY_EXCEPTION) && method.is_some_and(Method::is_mutation);
    Some(class_check(class, method, fn_name, has_exception))
}

/// Items that name the class (`__SCOPEGATE_CLASS`) and, when the method is known, check the
/// endpoint against the class's map during const evaluation (rules R1, R2 and R4 for classes,
/// which may live in other modules or crates). Errors are spanned on the class path.
fn class_check(class: &syn::Path, method: Option<Method>, fn_name: &str, has_exception: bool) -> TokenStream {
    // Span the items from the class path's first token to its last, so rustc underlines the whole
    // path when the trait bound or the const evaluation fails.
    let mut tokens = class.to_token_stream().into_iter();
    let first = tokens.next().map_or_else(Span::call_site, |t| t.span());
    let last = tokens.last().map_or(first, |t| t.span());
    let class_const = quote_spanned! {first=>
        #[allow(dead_code)]
        const __SCOPEGATE_CLASS: &::scopegate::__private::PermissionClass =
            <#class as ::scopegate::__private::Permission>::CLASS;
    };
    let Some(method) = method else { return class_const };
    let method_tokens = method_tokens(method);
    let callee = quote_spanned!(first=> ::scopegate::__private::check_class_endpoint);
    let args = quote_spanned!(last=> (__SCOPEGATE_CLASS, #method_tokens, #fn_name, #has_exception));
    let panic_path = quote_spanned!(first=> ::core::panic!);
    let panic_args = quote_spanned!(last=> ("{}", message.as_str()));
    quote_spanned! {first=>
        #class_const
        const _: () = match #callee #args {
            ::core::option::Option::Some(message) => #panic_path #panic_args,
            ::core::option::Option::None => (),
        };
    }
}

/// `__sg::Some("…")` or `__sg::None`, inside a registration (see [`registration`]).
fn opt_lit(lit: &Option<LitStr>) -> TokenStream {
    match lit {
        Some(l) => quote!(__sg::Some(#l)),
        None => quote!(__sg::None),
    }
}

/// The registration of a checked declaration: `None` when a required value is missing (which the
/// checks reported). Paths go through `use ::scopegate::__private as __sg;`: every handler's
/// expansion is tokens the macro creates and rustc resolves, so they are kept few.
fn registration(
    config: &Config,
    name: &Ident,
    decl: &Declaration,
    class_check: Option<TokenStream>,
) -> Option<TokenStream> {
    let fn_name = name.unraw().to_string();
    let (method, _) = decl.method.as_ref()?;
    let method = Ident::new(method.variant(), Span::call_site());
    let path = decl.path.as_ref()?;
    let access = decl.access.as_ref()?;
    let exception = opt_lit(&decl.readonly_exception);
    let owner = decl.owner.as_ref().map_or_else(|| quote!("unowned"), |o| quote!(#o));
    let publish =
        Ident::new(decl.publish.as_ref().map(|(p, _)| *p).unwrap_or_default().variant(), Span::call_site());
    let gate = match &decl.gate {
        Some(g) => {
            let g = g.unraw().to_string();
            quote!(__sg::Some(#g))
        }
        None => quote!(__sg::None),
    };
    let gate_exempt = opt_lit(&decl.gate_exempt);
    let track = expand_config::track_file(config);
    let line = quote_spanned!(name.span()=> __sg::line!());

    let form = Ident::new(access.form.variant(), Span::call_site());
    // The planned policy: the one stated, else (for scopes with policy debt) the default one. An
    // endpoint naming a class takes the class's unless it states its own.
    let mut planned = decl.planned.as_ref().map(|p| requirement_tokens(&p.value, quote!(__sg)));
    let (class_items, value, readonly) = match &access.value {
        AccessValue::Scopes(list) => {
            let readonly = rules::readonly_scopes(config, list);
            if planned.is_none()
                && decl
                    .method
                    .as_ref()
                    .is_some_and(|(m, _)| scopegate_core::rules::is_policy_debt(*m, !readonly.is_empty()))
            {
                planned = Some(requirement_tokens(&rules::default_plan(config, list), quote!(__sg)));
            }
            (TokenStream::new(), requirement_tokens(list, quote!(__sg)), quote!(&[#(#readonly),*]))
        }
        AccessValue::Class(_) => (class_check.unwrap_or_default(), quote!(__SCOPEGATE_CLASS), quote!(&[])),
        AccessValue::Note(why) => (TokenStream::new(), quote!(#why), quote!(&[])),
    };
    let access_tokens = quote!(__sg::Access::#form(#value));
    let planned = planned.map_or_else(|| quote!(__sg::None), |p| quote!(__sg::Some(#p)));
    let sunset = opt_lit(&decl.sunset.as_ref().map(|s| s.value.clone()));

    // The declaration hangs off a hidden braced struct named like the handler: a braced struct
    // lives only in the type namespace, the function only in the value namespace, so both share
    // the name, `use` imports both, and `routes![path::handler]` reaches the struct through the
    // same path as the function. The struct is marked `Declared` (so `routes!` refuses anything
    // else) and its `TypeId` goes into the record (so `routes!` finds the record).
    Some(quote! {{
        use ::scopegate::__private as __sg;
        #track
        #class_items
        impl __sg::Declared for #name {}
        __sg::inventory::submit! {
            __sg::Endpoint::__declared(
                __sg::Declaration {
                    handler: __sg::concat!(__sg::module_path!(), "::", #fn_name),
                    method: __sg::Method::#method,
                    path: #path,
                    access: #access_tokens,
                    readonly: #readonly,
                    readonly_exception: #exception,
                    owner: #owner,
                    publish: __sg::Publish::#publish,
                    gate: #gate,
                    gate_exempt: #gate_exempt,
                    planned: #planned,
                    sunset: #sunset,
                    source: __sg::Source { file: __sg::file!(), line: #line },
                },
                __sg::TypeId::of::<#name>(),
            )
        }
    }})
}

/// `__sg::Requirement { scopes: &["a", "b"], scope_match: __sg::Any }`: a `scopegate::Requirement`
/// through `private` (the path of `scopegate::__private` where the tokens land). A struct literal:
/// a `const fn` call per handler cost measurably more to compile (`BENCHMARKS.md`).
pub(crate) fn requirement_tokens(list: &ScopeList, private: TokenStream) -> TokenStream {
    let lits = &list.scopes;
    let variant = Ident::new(
        if list.scope_match == scopegate_core::ScopeMatch::All { "All" } else { "Any" },
        Span::call_site(),
    );
    quote!(#private::Requirement { scopes: &[#(#lits),*], scope_match: #private::#variant })
}

/// What `#[endpoint]` leaves under the handler's name (see `scopegate::Checked`): the hidden type
/// that carries the declaration, with the handler's visibility so that `routes![…]` can name it
/// wherever it could name the function; the body as the type's associated function of the same
/// name, behind its proof argument; then the registration (one braced block, the body of a
/// `const _`). All go through one runtime macro: inside an `impl` block (where no struct
/// may appear) rustc's error then names that macro.
fn declaration(func: &Handler, registration: TokenStream) -> TokenStream {
    let vis = &func.vis;
    let name = &func.ident;
    let body = func.body();
    quote! {
        ::scopegate::endpoint_handlers_must_be_free_functions! { #vis #name; #body; #registration }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{compile_errors, mentions, starts_with};
    use proptest::prelude::*;

    fn errors(args: TokenStream, item: TokenStream) -> Vec<String> {
        compile_errors(&expand_with(&Config::sentry(), args, item))
    }

    fn handler() -> TokenStream {
        quote!(
            fn handler() {}
        )
    }

    /// The errors of `#[endpoint(args)] fn handler() {}`.
    fn errs(args: TokenStream) -> Vec<String> {
        errors(args, handler())
    }

    #[test]
    fn valid_endpoint_registers() {
        let out = expand_with(
            &Config::sentry(),
            quote!(
                method = PUT,
                path = "/organizations/{o}/dashboards/{d}/",
                scopes = ["org:read", "org:write"],
                readonly_exception = "creators may edit"
            ),
            quote!(
                async fn update_dashboard() {}
            ),
        )
        .to_string();
        assert!(out.contains("inventory :: submit"), "{out}");
        assert!(!out.contains("compile_error"), "{out}");
        // Only the read-only subset is recorded as read-only.
        assert!(out.contains(r#"& ["org:read"]"#), "{out}");
        assert!(out.contains(r#"Some ("creators may edit")"#), "{out}");
        assert!(out.contains(r#""update_dashboard""#), "{out}");
    }

    #[test]
    fn registration_records_every_declared_value() {
        let out = expand_with(
            &Config::sentry(),
            quote!(
                method = DELETE,
                path = "/projects/{o}/{p}/replays/{r}/",
                scopes = ["event:admin"],
                owner = "replay",
                publish = public_experimental,
                gate = r#replay,
            ),
            quote!(
                pub async fn r#delete_replay() {}
            ),
        );
        assert!(compile_errors(&out).is_empty(), "{out}");
        let text = out.to_string();
        for expected in [
            r#""delete_replay""#,
            "Method :: Delete",
            r#""/projects/{o}/{p}/replays/{r}/""#,
            r#"Access :: Scopes (__sg :: Requirement { scopes : & ["event:admin"] , scope_match : __sg :: Any })"#,
            r#""replay""#,
            "Publish :: PublicExperimental",
            r#"Some ("replay")"#,
        ] {
            assert!(text.contains(expected), "missing {expected} in {text}");
        }
        // No raw-identifier prefix leaks into the registered names (the declaration type keeps it:
        // it is the handler's own identifier).
        let registration = text.split_once("r#delete_replay ;").map_or("", |(_, r)| r);
        assert!(!registration.contains("\"r#"), "{registration}");
        assert!(registration.contains("TypeId :: of :: < r#delete_replay >"), "{registration}");
        assert!(
            text.contains("endpoint_handlers_must_be_free_functions ! { pub r#delete_replay ;"),
            "{text}"
        );
        assert!(registration.contains("Declared for r#delete_replay"), "{registration}");
    }

    #[test]
    fn defaults_are_private_and_unowned() {
        let out = expand_with(
            &Config::sentry(),
            quote!(method = GET, path = "/a/", unauthenticated = "health check"),
            handler(),
        )
        .to_string();
        assert!(out.contains("Publish :: Private"), "{out}");
        assert!(out.contains(r#""unowned""#), "{out}");
        assert!(out.contains(r#"Access :: Unauthenticated ("health check")"#), "{out}");
    }

    #[test]
    fn r1_unjustified_readonly_on_mutation() {
        let errs = errors(
            quote!(method = PUT, path = "/a/", scopes = ["org:read", "org:write"]),
            quote!(
                fn update() {}
            ),
        );
        assert_eq!(
            errs,
            ["update PUT accepts readonly scopes [\"org:read\"]. Remove the readonly scopes or add a \
                 readonly_exception with a justification.\n= help: add `readonly_exception = \"why holders \
                 of read-only scopes may call this\"`, or remove the read-only scopes"]
        );
    }

    #[test]
    fn r1_lists_every_readonly_scope_for_every_mutation() {
        for method in ["POST", "PUT", "PATCH", "DELETE"] {
            let m = Ident::new(method, Span::call_site());
            let errs = errs(quote!(
                method = #m,
                path = "/a/",
                scopes = ["member:read", "org:admin", "event:read"]
            ));
            assert_eq!(errs.len(), 1, "{errs:?}");
            let expected =
                format!("handler {method} accepts readonly scopes [\"member:read\", \"event:read\"]. Remove");
            assert!(errs[0].starts_with(&expected), "{errs:?}");
        }
        for method in ["GET", "HEAD", "OPTIONS"] {
            let m = Ident::new(method, Span::call_site());
            assert_eq!(errs(quote!(method = #m, path = "/a/", scopes = ["org:read"])), Vec::<String>::new());
        }
    }

    #[test]
    fn r2_stale_or_blank_exceptions() {
        let blank = errs(quote!(method = PUT, path = "/a/", scopes = ["org:read"], readonly_exception = " "));
        assert_eq!(blank.len(), 1, "no follow-on R1 error: {blank:?}");
        assert!(blank[0].starts_with("`readonly_exception` must not be blank"), "{blank:?}");

        let get = errs(quote!(method = GET, path = "/a/", scopes = ["org:read"], readonly_exception = "x"));
        assert_eq!(get.len(), 1, "{get:?}");
        assert!(get[0].contains("handler GET is not needed: GET is not a mutation"), "{get:?}");

        let none =
            errs(quote!(method = POST, path = "/a/", scopes = ["org:write"], readonly_exception = "x"));
        assert_eq!(none.len(), 1, "{none:?}");
        assert!(none[0].contains("it accepts no read-only scope"), "{none:?}");

        let unauth =
            errs(quote!(method = POST, path = "/a/", unauthenticated = "y", readonly_exception = "x"));
        assert_eq!(unauth.len(), 1, "{unauth:?}");
        assert!(unauth[0].contains("the endpoint is unauthenticated"), "{unauth:?}");

        let not_str =
            errs(quote!(method = PUT, path = "/a/", scopes = ["org:read"], readonly_exception = why));
        assert_eq!(not_str.len(), 1, "{not_str:?}");
        assert!(not_str[0].starts_with("`readonly_exception` takes a string literal"), "{not_str:?}");
    }

    #[test]
    fn r2_exception_on_a_safe_method_with_a_class_is_reported_once() {
        let out = expand_with(
            &Config::sentry(),
            quote!(method = GET, path = "/a/", permission = C, readonly_exception = "x"),
            handler(),
        );
        let errs = compile_errors(&out);
        assert_eq!(errs.len(), 1, "{errs:?}");
        // The class check still runs, told that there is no exception to judge.
        assert!(mentions(&out, "check_class_endpoint"), "{out}");
        assert!(out.to_string().contains("\"handler\" , false"), "{out}");
    }

    #[test]
    fn r3_scope_lists() {
        let e = errs(quote!(method = GET, path = "/a/", scopes = ["org:raed"]));
        assert_eq!(e.len(), 1);
        assert!(e[0].starts_with(
            "unknown scope \"org:raed\". Did you mean `org:read`?\n= help: known scopes: org:read, "
        ));
        let e = errs(quote!(method = GET, path = "/a/", scopes = ["zzzzzz"]));
        assert!(e[0].starts_with("unknown scope \"zzzzzz\".\n= help:"), "{e:?}");
        let e = errs(quote!(method = GET, path = "/a/", scopes = ["org:read", "org:read", "org:read"]));
        assert_eq!(e.len(), 2, "each repetition is reported: {e:?}");
        assert!(e.iter().all(|m| m.starts_with("duplicate scope \"org:read\"")));
        let e = errs(quote!(method = GET, path = "/a/", scopes = []));
        assert!(e[0].starts_with("`scopes = []` grants access to nobody"), "{e:?}");
        let e = errs(quote!(method = GET, path = "/a/", scopes = ["org:read", 1]));
        assert!(e[0].starts_with("`scopes` takes string literals only"), "{e:?}");
        let e = errs(quote!(method = GET, path = "/a/", scopes = ("org:read")));
        assert!(
            e[0].starts_with(
                "`scopes` takes a list of scope strings: `[...]` (any one of them) or `all(...)`"
            ),
            "{e:?}"
        );
        let e = errs(quote!(method = GET, path = "/a/", scopes = ["org:read",]));
        assert!(e.is_empty(), "a trailing comma is fine: {e:?}");
    }

    #[test]
    fn r4_missing_keys_are_reported_at_once() {
        let e = errs(quote!());
        assert_eq!(e.len(), 3, "{e:?}");
        assert!(e[0].starts_with("missing `method`"));
        assert!(e[1].starts_with("missing `path`"));
        assert!(e[2].starts_with("missing access policy"));
    }

    #[test]
    fn r4_malformed_arguments_cause_no_follow_on_errors() {
        let e = errs(quote!(method GET, path = "/a/", scopes = ["org:read"]));
        assert_eq!(e.len(), 1, "no `missing method`: {e:?}");
        assert!(e[0].starts_with("expected `=` after `method`, found `GET`"), "{e:?}");
    }

    #[test]
    fn r4_misspelled_keys_cause_no_follow_on_errors() {
        let e = errs(quote!(mehtod = GET, pth = "/a/", scope = ["org:read"]));
        assert_eq!(e.len(), 3, "{e:?}");
        assert!(e[0].starts_with("unknown key `mehtod` in #[scopegate::endpoint]. Did you mean `method`?"));
        assert!(e[1].contains("Did you mean `path`?"), "{e:?}");
        assert!(e[2].contains("Did you mean `scopes`?"), "{e:?}");
        let e = errs(quote!(method = GET, path = "/a/", scopes = ["org:read"], ower = "x", publish = public));
        assert_eq!(e.len(), 1, "no `needs an owner` after a misspelled owner: {e:?}");
        let e = errs(quote!(method = GET, path = "/a/", scopes = ["org:read"], colour = 1));
        assert_eq!(e.len(), 1);
        assert!(
            e[0].starts_with(
                "unknown key `colour` in #[scopegate::endpoint].\n= help: the keys are: method, "
            )
        );
    }

    #[test]
    fn r4_duplicate_keys_and_conflicting_access() {
        let e = errs(quote!(method = GET, method = PUT, path = "/a/", scopes = ["org:read"]));
        assert_eq!(e.len(), 1, "the first `method` wins, the second is reported: {e:?}");
        assert!(e[0].starts_with("duplicate key `method`"));
        let e = errs(quote!(
            method = GET,
            path = "/a/",
            scopes = ["org:read"],
            permission = C,
            unauthenticated = "x"
        ));
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e[0].starts_with("`permission` conflicts with `scopes`"), "{e:?}");
        assert!(e[1].starts_with("`unauthenticated` conflicts with `scopes`"), "{e:?}");
    }

    #[test]
    fn r4_values_of_the_wrong_shape() {
        let e = errs(quote!(method = "GET", path = "/a/", scopes = ["org:read"]));
        assert!(
            e[0].starts_with("`method` takes a keyword, not a string literal\n= help: write `method = GET`")
        );
        let e = errs(quote!(method = GET PUT, path = "/a/", scopes = ["org:read"]));
        assert!(e[0].starts_with("`method` takes a single keyword"), "{e:?}");
        let e = errs(quote!(method = get, path = "/a/", scopes = ["org:read"]));
        assert!(e[0].starts_with("unknown method `get`. Did you mean `GET`?"), "{e:?}");
        let e = errs(quote!(method = FETCH, path = "/a/", scopes = ["org:read"]));
        assert!(e[0].starts_with("unknown method `FETCH`.\n"), "no far-fetched suggestion: {e:?}");
        let e = errs(quote!(method = GET, path = "a", scopes = ["org:read"]));
        assert!(e[0].starts_with("path \"a\" must start with `/`"), "{e:?}");
        let e = errs(quote!(method = GET, path = "/a/", permission = 12, owner));
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e[0].starts_with("`permission` takes a type path"), "{e:?}");
        assert!(e[1].starts_with("`owner` needs a value"), "{e:?}");
        let e = errs(quote!(method = GET, path = "/a/", scopes = ["org:read"], publish = internal));
        assert!(e[0].starts_with("unknown publish level `internal`.\n"), "{e:?}");
        let e = errs(quote!(method = GET, path = "/a/", scopes = ["org:read"], gate = profiling));
        assert!(e[0].starts_with("unknown gate `profiling`.\n= help: the gates are: replay"), "{e:?}");
    }

    #[test]
    fn public_endpoints_need_a_non_blank_owner() {
        let e = errs(quote!(method = GET, path = "/a/", scopes = ["org:read"], publish = public));
        assert_eq!(e.len(), 1);
        assert!(e[0].starts_with("public endpoint handler GET needs an `owner`"), "{e:?}");
        let e = errs(quote!(method = GET, path = "/a/", scopes = ["org:read"], publish = public, owner = ""));
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].starts_with("`owner` must not be blank"), "{e:?}");
        for level in ["private", "experimental", "public_experimental"] {
            let level = Ident::new(level, Span::call_site());
            assert!(
                errs(quote!(method = GET, path = "/a/", scopes = ["org:read"], publish = #level)).is_empty()
            );
        }
    }

    #[test]
    fn r5_gate_rules() {
        let replay = quote!(method = GET, path = "/o/{o}/replays/", scopes = ["event:read"]);
        let e = errs(replay.clone());
        assert_eq!(e.len(), 1);
        assert!(e[0].contains("lies in the `replay` area but is not gated by it"), "{e:?}");
        assert!(errs(quote!(#replay, gate = replay)).is_empty());
        assert!(errs(quote!(#replay, gate_exempt = "counts only")).is_empty());
        let e = errs(quote!(#replay, gate_exempt = " "));
        assert_eq!(e.len(), 1, "no follow-on `not gated` error: {e:?}");
        let e = errs(quote!(#replay, gate = replays));
        assert_eq!(e.len(), 1, "no follow-on `not gated` error: {e:?}");
        let e = errs(quote!(#replay, gate = replay, gate_exempt = "x"));
        assert_eq!(e.len(), 1);
        assert!(e[0].starts_with("`gate_exempt` conflicts with `gate = replay`"), "{e:?}");
        let e = errs(quote!(method = GET, path = "/o/", scopes = ["org:read"], gate_exempt = "x"));
        assert!(e[0].contains("lies in no gated area"), "{e:?}");
        // A segment merely containing the area's name is not in the area.
        assert!(errs(quote!(method = GET, path = "/o/replays-count/", scopes = ["org:read"])).is_empty());
        // A gate outside its area is allowed (e.g. a settings page of the gated feature).
        assert!(errs(quote!(method = GET, path = "/o/", scopes = ["org:read"], gate = replay)).is_empty());
    }

    #[test]
    fn all_errors_are_reported_together() {
        let errs = errors(
            quote!(method = PUTT, path = "a", scopes = ["org:reed"], colour = 1, gate = replays),
            quote!(
                fn f() {}
            ),
        );
        assert_eq!(errs.len(), 5, "{errs:?}");
    }

    #[test]
    fn item_is_always_reemitted() {
        let keep = quote!(
            fn keep_me() {}
        );
        let out = expand_with(&Config::sentry(), quote!(nonsense), keep.clone());
        assert!(starts_with(&out, &keep), "{out}");
        let strukt = quote!(
            struct NotAFn;
        );
        let out = expand_with(&Config::sentry(), quote!(method = GET), strukt.clone());
        assert!(starts_with(&out, &strukt), "{out}");
        assert!(compile_errors(&out)[0].starts_with("`#[scopegate::endpoint]` applies to a function"));
    }

    /// The handler is read only as far as the expansion needs it: name, visibility, receiver.
    #[test]
    fn the_handler_is_read_without_its_arguments_types_or_body() {
        let parse = |item: TokenStream| syn::parse2::<Handler>(item);
        for (item, name, receiver) in [
            (
                quote!(
                    pub async fn a() {}
                ),
                "a",
                false,
            ),
            (
                quote!(
                    pub(crate) const async unsafe extern "C" fn b() -> u8 {
                        1
                    }
                ),
                "b",
                false,
            ),
            (
                quote!(
                    fn r#c<F: Fn(u8) -> u8>(f: F) -> impl Sized
                    where
                        F: Copy,
                    {
                        f
                    }
                ),
                "r#c",
                false,
            ),
            (
                quote!(
                    async fn d(Path((o, i)): Path<(String, u64)>, State(s): State<S>) {}
                ),
                "d",
                false,
            ),
            (
                quote!(
                    fn e(self) {}
                ),
                "e",
                true,
            ),
            (
                quote!(
                    fn f(&self, x: u8) {}
                ),
                "f",
                true,
            ),
            (
                quote!(
                    fn g(&'a mut self) {}
                ),
                "g",
                true,
            ),
            (
                quote!(
                    fn h(mut self: Box<Self>) {}
                ),
                "h",
                true,
            ),
            (
                quote!(
                    fn i(selfish: u8) {}
                ),
                "i",
                false,
            ),
        ] {
            let handler = parse(item.clone()).unwrap_or_else(|e| panic!("{item}: {e}"));
            assert_eq!(handler.ident.to_string(), name, "{item}");
            assert_eq!(handler.receiver.is_some(), receiver, "{item}");
        }
        for item in [
            quote!(
                fn a();
            ),
            quote!(
                struct A {}
            ),
            quote!(fn (x) {}),
            quote!(fn a() {}, extra),
            quote!(
                fn a() {}
                fn b() {}
            ),
        ] {
            assert!(parse(item.clone()).is_err(), "{item}");
        }
    }

    #[test]
    fn methods_are_rejected_without_items_invalid_in_impl_blocks() {
        let out = expand_with(
            &Config::sentry(),
            quote!(method = GET, path = "/a/", permission = C),
            quote!(
                fn handler(&self) {}
            ),
        );
        let errs = compile_errors(&out);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(errs[0].starts_with("`#[scopegate::endpoint]` handlers must be free functions"));
        // Inside an `impl` block a `const _` item would add a confusing error.
        assert!(!out.to_string().contains("const _"), "{out}");
    }

    #[test]
    fn class_is_checked_even_when_other_arguments_are_wrong() {
        let out = expand_with(
            &Config::sentry(),
            quote!(method = PUT, path = "no-slash", permission = crate::classes::C),
            handler(),
        );
        assert_eq!(compile_errors(&out).len(), 1, "{out}");
        assert!(mentions(&out, "check_class_endpoint"), "{out}");
        assert!(!mentions(&out, "inventory"), "nothing is registered: {out}");
        // Without a valid method only the class's existence is checked.
        let out =
            expand_with(&Config::sentry(), quote!(method = PUTT, path = "/a/", permission = C), handler());
        assert!(mentions(&out, "Permission") && !mentions(&out, "check_class_endpoint"), "{out}");
    }

    #[test]
    fn code_spanned_on_user_tokens_passes_clippy() {
        // Items spanned on the class path count as user code for clippy, so they must not trip
        // its lints (e.g. `redundant_static_lifetimes` on a `const` of type `&'static _`).
        let items = class_check(&syn::parse_quote!(a::C), Some(Method::Put), "f", false).to_string();
        assert!(!items.contains("'static"), "{items}");
    }

    /// Scopes of the built-in vocabulary, read-only ones first.
    const SCOPES: [&str; 8] = [
        "org:read",
        "member:read",
        "event:read",
        "org:write",
        "org:admin",
        "member:admin",
        "event:write",
        "project:releases",
    ];

    /// In a large vocabulary, the help of an unknown scope lists the scopes that share its
    /// prefix, not all 1,000.
    #[test]
    fn unknown_scope_help_stays_short_in_a_large_vocabulary() {
        let known: Vec<String> =
            (0..500).flat_map(|i| [format!("\"res{i:03}:read\""), format!("\"doc{i:03}.write\"")]).collect();
        let text = format!("[scopes]\nknown = [{}]\n", known.join(", "));
        let config =
            crate::config::parse_config(std::path::Path::new("scopegate.toml"), &text).expect("valid");
        let errs = |args: TokenStream| compile_errors(&expand_with(&config, args, handler()));
        let e = errs(quote!(method = GET, path = "/a/", scopes = ["res01:read"]));
        assert_eq!(e.len(), 1, "{e:?}");
        let (message, help) = e[0].split_once("\n= help: ").expect("a help line");
        assert!(
            message.starts_with("unknown scope \"res01:read\". Did you mean `res001:read`?"),
            "{message}"
        );
        let near: Vec<String> = (10..20).map(|i| format!("res{i:03}:read")).collect();
        assert_eq!(help, format!("known scopes starting with \"res01\": {}", near.join(", ")));
        let e = errs(quote!(method = GET, path = "/a/", scopes = ["res:read"]));
        let help = e[0].split_once("\n= help: ").map(|(_, h)| h).unwrap_or_default();
        assert!(help.starts_with("known scopes starting with \"res\": res000:read, res001:read,"), "{help}");
        assert!(help.ends_with("(500 in all; see scopegate.toml)"), "{help}");
        assert!(help.len() < 1_000, "{help}");
        let e = errs(quote!(method = GET, path = "/a/", scopes = ["zzz"]));
        let help = e[0].split_once("\n= help: ").map(|(_, h)| h).unwrap_or_default();
        assert_eq!(help, "the vocabulary has 1000 scopes; see scopegate.toml");
        // all(...) across the vocabulary checks each scope the same way.
        assert!(
            errs(quote!(method = POST, path = "/a/", scopes = all("res000:read", "doc499.write"))).is_empty()
        );
    }

    proptest! {
        /// R1/R2 for direct scopes, against an independent oracle: an error exactly when a mutation
        /// accepts a read-only scope without a note, or a note is present but not needed.
        #[test]
        fn readonly_rules_match_the_oracle(
            method in 0..7usize,
            picked in proptest::sample::subsequence(SCOPES.to_vec(), 1..=SCOPES.len()),
            note in proptest::bool::ANY,
        ) {
            let name = Method::NAMES[method];
            let mutation = matches!(name, "POST" | "PUT" | "PATCH" | "DELETE");
            let readonly: Vec<&str> = picked.iter().copied().filter(|s| s.ends_with(":read")).collect();
            let m = Ident::new(name, Span::call_site());
            let note_arg = if note { quote!(readonly_exception = "why",) } else { quote!() };
            let out = expand_with(
                &Config::sentry(),
                quote!(method = #m, path = "/a/", scopes = [#(#picked),*], #note_arg),
                handler(),
            );
            let errs = compile_errors(&out);
            let r1 = mutation && !readonly.is_empty() && !note;
            let r2 = note && (!mutation || readonly.is_empty());
            prop_assert_eq!(errs.len(), usize::from(r1) + usize::from(r2), "{:?}", errs);
            if r1 {
                let list = readonly.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>().join(", ");
                let expected = format!("handler {name} accepts readonly scopes [{list}]. ");
                prop_assert!(errs[0].starts_with(&expected), "{:?}", errs);
            }
            prop_assert_eq!(mentions(&out, "inventory"), errs.is_empty());
        }

        /// R1/R2 for `all(...)`: an error exactly when a mutation requires only read-only scopes
        /// without a note, or a note is present but not needed (a safe method, or a write scope in
        /// the requirement). The scopes imply none of each other.
        #[test]
        fn all_of_readonly_rules_match_the_oracle(
            method in 0..7usize,
            picked in proptest::sample::subsequence(
                vec!["org:read", "member:read", "team:write", "event:read", "project:releases", "alerts:write"],
                2..=6,
            ),
            note in proptest::bool::ANY,
        ) {
            let name = Method::NAMES[method];
            let mutation = matches!(name, "POST" | "PUT" | "PATCH" | "DELETE");
            let all_readonly = picked.iter().all(|s| s.ends_with(":read"));
            let m = Ident::new(name, Span::call_site());
            let note_arg = if note { quote!(readonly_exception = "why",) } else { quote!() };
            let out = expand_with(
                &Config::sentry(),
                quote!(method = #m, path = "/a/", scopes = all(#(#picked),*), #note_arg),
                handler(),
            );
            let errs = compile_errors(&out);
            let r1 = mutation && all_readonly && !note;
            let r2 = note && (!mutation || !all_readonly);
            prop_assert_eq!(errs.len(), usize::from(r1) + usize::from(r2), "{:?}", errs);
            if r1 {
                let list = picked.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>().join(", ");
                let expected = format!("handler {name} requires only readonly scopes all({list}): ");
                prop_assert!(errs[0].starts_with(&expected), "{:?}", errs);
            }
            prop_assert_eq!(mentions(&out, "inventory"), errs.is_empty());
            if errs.is_empty() {
                prop_assert!(out.to_string().contains("scope_match : __sg :: All }) ,"), "an all-of requirement is registered as one");
            }
        }
    }
}
