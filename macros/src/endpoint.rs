//! `#[scopegate::endpoint(...)]`: parse → check (rules R1–R5) → register with `inventory`.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::LitStr;
use syn::ext::IdentExt;

use crate::args::{self, Arg};
use crate::config::{self, Config};
use crate::ctxt::Ctxt;
use crate::expand_config;
use crate::path;
use crate::suggest::did_you_mean;

/// The keys `#[endpoint]` accepts.
pub(crate) const KEYS: &[&str] = &[
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
];

/// An HTTP method as the macros know it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Head,
    Options,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub(crate) const NAMES: [&'static str; 7] = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"];
    const ALL: [Method; 7] = [
        Method::Get,
        Method::Head,
        Method::Options,
        Method::Post,
        Method::Put,
        Method::Patch,
        Method::Delete,
    ];

    pub(crate) fn parse(name: &str) -> Option<Method> {
        Method::NAMES.iter().position(|n| *n == name).map(|i| Method::ALL[i])
    }

    pub(crate) fn as_str(self) -> &'static str {
        Method::NAMES[self as usize]
    }

    pub(crate) fn is_mutation(self) -> bool {
        matches!(self, Method::Post | Method::Put | Method::Patch | Method::Delete)
    }

    /// `::scopegate::__private::Method::Put`
    pub(crate) fn tokens(self) -> TokenStream {
        let variant = Ident::new(
            ["Get", "Head", "Options", "Post", "Put", "Patch", "Delete"][self as usize],
            Span::call_site(),
        );
        quote!(::scopegate::__private::Method::#variant)
    }
}

const PUBLISH: [&str; 4] = ["private", "experimental", "public_experimental", "public"];

enum AccessDecl {
    Scopes(Vec<LitStr>),
    Permission(syn::Path),
    Unauthenticated(LitStr),
}

/// Entry point: always re-emits the item, plus either the registration or every error.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    match &*config::load() {
        Ok(config) => expand_with(config, args, item),
        Err(e) => {
            let err = syn::Error::new(
                Span::call_site(),
                crate::ctxt::with_help(e, "fix scopegate.toml beside Cargo.toml"),
            )
            .into_compile_error();
            let track = expand_config::track_broken_file();
            quote!(#item const _: () = { #track }; #err)
        }
    }
}

/// Expansion against an explicit configuration (used by tests and the fuzz entry point).
pub(crate) fn expand_with(config: &Config, args: TokenStream, item: TokenStream) -> TokenStream {
    let mut cx = Ctxt::new();
    let func = match syn::parse2::<syn::ItemFn>(item.clone()) {
        Ok(f) => Some(f),
        Err(_) => {
            cx.error(
                Span::call_site(),
                "`#[scopegate::endpoint]` applies to a function",
                "put the attribute on the handler `fn` (sync or async)",
            );
            None
        }
    };
    if let Some(f) = &func {
        if let Some(recv) = f.sig.receiver() {
            cx.error_spanned(
                recv,
                "`#[scopegate::endpoint]` handlers must be free functions, not methods",
                "move the handler out of the `impl` block",
            );
        }
    }
    let name = func.as_ref().map(|f| f.sig.ident.clone());
    let registration = check(&mut cx, config, args, name.as_ref());
    let registration = if cx.has_errors() { None } else { registration };
    let errors = cx.into_compile_errors();
    match registration {
        Some(reg) => quote!(#item #reg),
        None => quote!(#item #errors),
    }
}

struct Parsed {
    method: Option<(Method, Ident)>,
    path: Option<LitStr>,
    access: Option<(Ident, AccessDecl)>,
    readonly_exception: Option<LitStr>,
    owner: Option<LitStr>,
    publish: Option<(usize, Ident)>,
    gate: Option<Ident>,
    gate_exempt: Option<LitStr>,
}

fn parse(cx: &mut Ctxt, config: &Config, args: TokenStream) -> Parsed {
    let all = args::parse_args(cx, args);
    let args = args::known_unique(cx, &all, KEYS, "#[scopegate::endpoint]");
    let find = |key: &str| args.iter().copied().find(|a| a.key == key);

    let method = find("method").and_then(|arg| {
        let ident = args::ident(cx, arg, "PUT")?;
        let name = ident.to_string();
        match Method::parse(&name) {
            Some(m) => Some((m, ident)),
            None => {
                cx.error(
                    ident.span(),
                    format!("unknown method `{name}`.{}", did_you_mean(&name, Method::NAMES)),
                    "methods are GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE (upper case)",
                );
                None
            }
        }
    });

    let path = find("path").and_then(|arg| {
        let lit = args::lit_str(cx, arg, "\"/organizations/{organization_id_or_slug}/\"")?;
        match path::validate(&lit.value()) {
            Ok(_) => Some(lit),
            Err(e) => {
                cx.error(lit.span(), e.message, e.help);
                None
            }
        }
    });

    // Exactly one of scopes / permission / unauthenticated.
    let access_args: Vec<&Arg> = args
        .iter()
        .copied()
        .filter(|a| a.key == "scopes" || a.key == "permission" || a.key == "unauthenticated")
        .collect();
    for extra in access_args.iter().skip(1) {
        cx.error(
            extra.key.span(),
            format!(
                "`{}` conflicts with `{}`: an endpoint declares exactly one of `scopes`, `permission` and `unauthenticated`",
                extra.key, access_args[0].key
            ),
            format!("remove `{}`", extra.key),
        );
    }
    let access = access_args.first().and_then(|arg| {
        let decl = match arg.key.to_string().as_str() {
            "scopes" => AccessDecl::Scopes(scope_list(cx, config, arg)?),
            "permission" => AccessDecl::Permission(args::path(cx, arg, "OrganizationPermission")?),
            _ => AccessDecl::Unauthenticated(args::non_blank_str(
                cx,
                arg,
                "\"why no credentials are needed\"",
                "say why the endpoint needs no credentials, e.g. `unauthenticated = \"public health check\"`",
            )?),
        };
        Some((arg.key.clone(), decl))
    });

    let readonly_exception = find("readonly_exception").and_then(|arg| {
        args::non_blank_str(
            cx,
            arg,
            "\"why read-only tokens may call this mutation\"",
            "write the justification, or remove `readonly_exception` and the read-only scopes",
        )
    });
    let owner = find("owner").and_then(|arg| {
        args::non_blank_str(cx, arg, "\"dashboards\"", "name the owning team, e.g. `owner = \"dashboards\"`")
    });
    let publish = find("publish").and_then(|arg| {
        let ident = args::ident(cx, arg, "public")?;
        let name = ident.to_string();
        match PUBLISH.iter().position(|p| *p == name) {
            Some(i) => Some((i, ident)),
            None => {
                cx.error(
                    ident.span(),
                    format!("unknown publish level `{name}`.{}", did_you_mean(&name, PUBLISH)),
                    "publish is one of private, experimental, public_experimental, public",
                );
                None
            }
        }
    });
    let gate = find("gate").and_then(|arg| {
        let ident = args::ident(cx, arg, "replay")?;
        let name = ident.unraw().to_string();
        if config.gate(&name).is_some() {
            Some(ident)
        } else {
            let names: Vec<&str> = config.gates.iter().map(|g| g.name.as_str()).collect();
            cx.error(
                ident.span(),
                format!("unknown gate `{name}`.{}", did_you_mean(&name, names.iter().copied())),
                format!("the gates are: {} (declare more under [gates] in scopegate.toml)", names.join(", ")),
            );
            None
        }
    });
    let gate_exempt = find("gate_exempt").and_then(|arg| {
        args::non_blank_str(
            cx,
            arg,
            "\"why this endpoint needs no gate\"",
            "say why the endpoint needs no gate",
        )
    });

    if find("method").is_none() {
        cx.error(
            Span::call_site(),
            "missing `method`",
            "add `method = GET` (or HEAD, OPTIONS, POST, PUT, PATCH, DELETE)",
        );
    }
    if find("path").is_none() {
        cx.error(
            Span::call_site(),
            "missing `path`",
            "add `path = \"/organizations/{organization_id_or_slug}/\"`",
        );
    }
    if access_args.is_empty() {
        cx.error(
            Span::call_site(),
            "missing access policy: the endpoint declares none of `scopes`, `permission` and `unauthenticated`",
            "add `scopes = [\"org:read\"]`, `permission = SomeClass` or `unauthenticated = \"why\"`",
        );
    }

    Parsed { method, path, access, readonly_exception, owner, publish, gate, gate_exempt }
}

/// `scopes = [...]`: non-empty, known, no duplicates (R3).
pub(crate) fn scope_list(cx: &mut Ctxt, config: &Config, arg: &Arg) -> Option<Vec<LitStr>> {
    let (bracket, lits) = args::str_list(cx, arg, "[\"org:read\", \"org:write\"]")?;
    if lits.is_empty() {
        cx.error(
            bracket,
            format!("`{} = []` grants access to nobody", arg.key),
            "list at least one scope, or declare `unauthenticated = \"why\"`",
        );
        return None;
    }
    let mut ok = true;
    let mut seen: Vec<String> = Vec::new();
    for lit in &lits {
        let scope = lit.value();
        if !config.is_known(&scope) {
            ok = false;
            cx.error(
                lit.span(),
                format!(
                    "unknown scope {scope:?}.{}",
                    did_you_mean(&scope, config.scopes.iter().map(String::as_str))
                ),
                format!("known scopes: {}", config.scopes.join(", ")),
            );
        } else if seen.contains(&scope) {
            ok = false;
            cx.error(lit.span(), format!("duplicate scope {scope:?}"), "list each scope once");
        } else {
            seen.push(scope);
        }
    }
    ok.then_some(lits)
}

fn check(cx: &mut Ctxt, config: &Config, args: TokenStream, name: Option<&Ident>) -> Option<TokenStream> {
    let p = parse(cx, config, args);
    let fn_name = name.map(|n| n.unraw().to_string()).unwrap_or_else(|| "endpoint".into());
    let method_name = p.method.as_ref().map_or("?", |(m, _)| m.as_str());

    // R1 / R2 for direct scopes and unauthenticated endpoints.
    match (&p.access, &p.method) {
        (Some((_, AccessDecl::Scopes(lits))), Some((method, _))) => {
            let readonly: Vec<&LitStr> = lits.iter().filter(|l| config.is_readonly(&l.value())).collect();
            let listed = readonly.iter().map(|l| format!("{:?}", l.value())).collect::<Vec<_>>().join(", ");
            if method.is_mutation() && !readonly.is_empty() && p.readonly_exception.is_none() {
                cx.error(
                    readonly[0].span(),
                    format!(
                        "{fn_name} {} accepts readonly scopes [{listed}]. Remove the readonly scopes or add a readonly_exception with a justification.",
                        method.as_str()
                    ),
                    "add `readonly_exception = \"why holders of read-only scopes may call this\"`, or remove the read-only scopes",
                );
            }
            if let Some(note) = &p.readonly_exception {
                if !method.is_mutation() {
                    cx.error(
                        note.span(),
                        format!(
                            "`readonly_exception` on {fn_name} {} is not needed: {} is not a mutation",
                            method.as_str(),
                            method.as_str()
                        ),
                        "remove it; stale notes hide the real policy debt",
                    );
                } else if readonly.is_empty() {
                    cx.error(
                        note.span(),
                        format!("`readonly_exception` on {fn_name} {} is not needed: it accepts no read-only scope", method.as_str()),
                        "remove it; stale notes hide the real policy debt",
                    );
                }
            }
        }
        (Some((_, AccessDecl::Unauthenticated(_))), _) => {
            if let Some(note) = &p.readonly_exception {
                cx.error(
                    note.span(),
                    format!("`readonly_exception` on {fn_name} {method_name} is not needed: the endpoint is unauthenticated"),
                    "remove it",
                );
            }
        }
        (Some((_, AccessDecl::Permission(_))), Some((method, _))) => {
            if let Some(note) = &p.readonly_exception {
                if !method.is_mutation() {
                    cx.error(
                        note.span(),
                        format!(
                            "`readonly_exception` on {fn_name} {} is not needed: {} is not a mutation",
                            method.as_str(),
                            method.as_str()
                        ),
                        "remove it; stale notes hide the real policy debt",
                    );
                }
            }
        }
        _ => {}
    }

    // Publishing.
    if let Some((level, ident)) = &p.publish {
        if PUBLISH[*level] == "public" && p.owner.is_none() {
            cx.error(
                ident.span(),
                format!("public endpoint {fn_name} {method_name} needs an `owner`"),
                "add `owner = \"team-name\"` so the published API has someone answerable for it",
            );
        }
    }

    // R5: gated areas.
    if let Some(path) = &p.path {
        let template = path.value();
        let area_gates: Vec<&config::Gate> = config.gates.iter().filter(|g| g.covers(&template)).collect();
        let declared = p.gate.as_ref().map(|g| g.unraw().to_string());
        if let (Some(exempt), Some(gate)) = (&p.gate_exempt, &p.gate) {
            cx.error(
                exempt.span(),
                format!("`gate_exempt` conflicts with `gate = {gate}`"),
                "an endpoint is either gated or exempt; remove one of them",
            );
        } else if let Some(exempt) = &p.gate_exempt {
            if area_gates.is_empty() {
                cx.error(
                    exempt.span(),
                    format!("`gate_exempt` on {fn_name} {method_name} is not needed: {template:?} lies in no gated area"),
                    "remove it; stale notes hide the real policy debt",
                );
            }
        } else {
            for gate in area_gates {
                if declared.as_deref() != Some(gate.name.as_str()) {
                    cx.error(
                        path.span(),
                        format!(
                            "{fn_name} {method_name} {template:?} lies in the `{}` area but is not gated by it: requests would skip the `{}` feature check",
                            gate.name, gate.feature
                        ),
                        format!("add `gate = {}`, or `gate_exempt = \"why it needs no gate\"`", gate.name),
                    );
                }
            }
        }
    } else if let Some(exempt) = &p.gate_exempt {
        if p.gate.is_some() {
            cx.error(exempt.span(), "`gate_exempt` conflicts with `gate`", "remove one of them");
        }
    }

    let name = name?;
    let (method, _) = p.method?;
    let path = p.path?;
    let (_, access) = p.access?;
    Some(registration(
        config,
        name,
        method,
        &path,
        access,
        &p.readonly_exception,
        &p.owner,
        p.publish.map(|(i, _)| i),
        &p.gate,
        &p.gate_exempt,
    ))
}

fn opt_lit(lit: &Option<LitStr>) -> TokenStream {
    match lit {
        Some(l) => quote!(::core::option::Option::Some(#l)),
        None => quote!(::core::option::Option::None),
    }
}

#[allow(clippy::too_many_arguments)]
fn registration(
    config: &Config,
    name: &Ident,
    method: Method,
    path: &LitStr,
    access: AccessDecl,
    readonly_exception: &Option<LitStr>,
    owner: &Option<LitStr>,
    publish: Option<usize>,
    gate: &Option<Ident>,
    gate_exempt: &Option<LitStr>,
) -> TokenStream {
    let fn_name = name.unraw().to_string();
    let method_tokens = method.tokens();
    let method_str = method.as_str();
    let exception = opt_lit(readonly_exception);
    let has_exception = readonly_exception.is_some();
    let owner = owner.as_ref().map_or_else(|| quote!("unowned"), |o| quote!(#o));
    let publish = Ident::new(
        ["Private", "Experimental", "PublicExperimental", "Public"][publish.unwrap_or(0)],
        Span::call_site(),
    );
    let gate = match gate {
        Some(g) => {
            let g = g.unraw().to_string();
            quote!(::core::option::Option::Some(#g))
        }
        None => quote!(::core::option::Option::None),
    };
    let gate_exempt = opt_lit(gate_exempt);
    let track = expand_config::track_file(config);
    let line = quote_spanned!(name.span()=> ::core::line!());

    let (class_items, access_tokens, readonly) = match access {
        AccessDecl::Scopes(lits) => {
            let readonly: Vec<&LitStr> = lits.iter().filter(|l| config.is_readonly(&l.value())).collect();
            (
                TokenStream::new(),
                quote!(::scopegate::__private::Access::Scopes(&[#(#lits),*])),
                quote!(&[#(#readonly),*]),
            )
        }
        AccessDecl::Permission(class) => {
            // Span the check from the class path's first token to its last, so rustc underlines
            // the whole path when const evaluation fails.
            let mut tokens = class.to_token_stream().into_iter();
            let first = tokens.next().map_or_else(Span::call_site, |t| t.span());
            let last = tokens.last().map_or(first, |t| t.span());
            let callee = quote_spanned!(first=> ::scopegate::__private::check_class_endpoint);
            let args = quote_spanned!(last=> (__SCOPEGATE_CLASS, #method_tokens, #fn_name, #has_exception));
            let panic_path = quote_spanned!(first=> ::core::panic!);
            let panic_args = quote_spanned!(last=> ("{}", message.as_str()));
            let items = quote_spanned! {first=>
                const __SCOPEGATE_CLASS: &'static ::scopegate::__private::PermissionClass =
                    <#class as ::scopegate::__private::Permission>::CLASS;
                const _: () = match #callee #args {
                    ::core::option::Option::Some(message) => #panic_path #panic_args,
                    ::core::option::Option::None => (),
                };
            };
            (items, quote!(::scopegate::__private::Access::Permission(__SCOPEGATE_CLASS)), quote!(&[]))
        }
        AccessDecl::Unauthenticated(why) => {
            (TokenStream::new(), quote!(::scopegate::__private::Access::Unauthenticated(#why)), quote!(&[]))
        }
    };
    let _ = method_str;

    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        const _: () = {
            #track
            #class_items
            ::scopegate::__private::inventory::submit! {
                ::scopegate::__private::Endpoint::__new(
                    ::core::concat!(::core::module_path!(), "::", #fn_name),
                    #method_tokens,
                    #path,
                    #access_tokens,
                    #readonly,
                    #exception,
                    #owner,
                    ::scopegate::__private::Publish::#publish,
                    #gate,
                    #gate_exempt,
                    ::scopegate::__private::Source { file: ::core::file!(), line: #line },
                )
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(args: TokenStream, item: TokenStream) -> Vec<String> {
        let out = expand_with(&Config::sentry(), args, item).to_string();
        out.split("compile_error !")
            .skip(1)
            .map(|s| s.trim_start_matches([' ', '{', '(']).split(" }").next().unwrap_or("").to_string())
            .collect()
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
    }

    #[test]
    fn r1_unjustified_readonly_on_mutation() {
        let errs = errors(
            quote!(method = PUT, path = "/a/", scopes = ["org:read", "org:write"]),
            quote!(
                fn update() {}
            ),
        );
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(errs[0].contains("update PUT accepts readonly scopes [\\\"org:read\\\"]"), "{errs:?}");
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
        let out = expand_with(
            &Config::sentry(),
            quote!(nonsense),
            quote!(
                fn keep_me() {}
            ),
        )
        .to_string();
        assert!(out.starts_with("fn keep_me"), "{out}");
        let out = expand_with(
            &Config::sentry(),
            quote!(method = GET),
            quote!(
                struct NotAFn;
            ),
        )
        .to_string();
        assert!(out.starts_with("struct NotAFn"), "{out}");
    }
}
