//! `#[utoipa::path(…)]` under `#[scopegate::endpoint(…)]`: the method and the path are written
//! once, in scopegate's attribute, and completed into utoipa's; what a user writes in utoipa's
//! attribute anyway must agree with the declaration (method, path, `security`), and the keys that
//! would document something other than what is served (`context_path`, `impl_for`) are refused.
//!
//! The expansion (`scopegate::__utoipa_path!`, which needs scopegate's `utoipa` feature):
//! utoipa's attribute, completed, on the handler's signature with an empty body, implementing
//! `utoipa::Path` for a hidden type `__scopegate_utoipa_<handler>`; and `__path_<handler>` — the
//! type `#[derive(OpenApi)]`'s `paths(handler)` names — as an alias of
//! `scopegate::utoipa::__Documented<that type, the declaration type>`, whose one generic impl
//! delegates to utoipa's and writes the operation's `security` and `x-scopegate-*` extensions
//! from the endpoint's registered record (so a permission class's scopes, known only to the
//! compiler's const evaluation, are documented too).

use proc_macro2::{Delimiter, Ident, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{LitStr, Token};

use scopegate_core::{AccessForm, Method, ScopeMatch};

use crate::ast::{AccessValue, Declaration};
use crate::ctxt::Ctxt;
use crate::handler::{Handler, split_top_level};

/// `utoipa::path` or `::utoipa::path`.
pub(crate) fn is_utoipa_path(path: &syn::Path) -> bool {
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    segments == ["utoipa", "path"]
}

/// utoipa's attribute, checked against the declaration: the path of the attribute as written and
/// the arguments scopegate keeps (everything but the method, the path and `security`).
pub(crate) struct UtoipaPath {
    attr_path: syn::Path,
    kept: Vec<TokenStream>,
    /// utoipa's default operation id is the function's name as written, `r#type` for a raw one.
    has_operation_id: bool,
}

/// The methods `#[utoipa::path]` takes as bare keys.
const UTOIPA_METHODS: [&str; 8] = ["get", "post", "put", "delete", "options", "head", "patch", "trace"];

const HELP_METHOD: &str = "remove it: `#[scopegate::endpoint]` writes its `method` into `#[utoipa::path]`";
const HELP_PATH: &str = "remove it: `#[scopegate::endpoint]` writes its `path` into `#[utoipa::path]`";
const HELP_SECURITY: &str =
    "remove it: `#[scopegate::endpoint]` documents the security it enforces in `#[utoipa::path]`";

/// Reads utoipa's arguments, reporting to `cx` each one that disagrees with the declaration.
pub(crate) fn check(cx: &mut Ctxt, attr: &syn::Attribute, decl: &Declaration) -> Option<UtoipaPath> {
    let args = match &attr.meta {
        syn::Meta::Path(_) => TokenStream::new(),
        syn::Meta::List(list) if list.delimiter == syn::MacroDelimiter::Paren(Default::default()) => {
            list.tokens.clone()
        }
        _ => {
            cx.error_spanned(
                attr,
                "`#[utoipa::path]` takes its arguments in parentheses",
                "write `#[utoipa::path(responses(...))]`",
            );
            return None;
        }
    };
    let mut kept = Vec::new();
    let mut has_operation_id = false;
    for arg in split_top_level(args) {
        let tokens: TokenStream = arg.iter().cloned().collect();
        let Some(TokenTree::Ident(key)) = arg.first() else {
            kept.push(tokens);
            continue;
        };
        let name = key.unraw().to_string();
        match name.as_str() {
            m if UTOIPA_METHODS.contains(&m) && arg.len() == 1 => {
                check_methods(cx, decl, &tokens, &[m.into()])
            }
            "method" => {
                let written: Vec<String> = match arg.get(1) {
                    Some(TokenTree::Group(g)) => split_top_level(g.stream())
                        .iter()
                        .map(|m| m.iter().map(ToString::to_string).collect::<String>())
                        .collect(),
                    _ => Vec::new(),
                };
                check_methods(cx, decl, &tokens, &written);
            }
            "path" => check_path(cx, decl, &tokens, &arg[1..]),
            "security" => check_security(cx, decl, &tokens, arg.get(1)),
            "impl_for" => cx.error_spanned(
                &tokens,
                "`impl_for` cannot be used under `#[scopegate::endpoint]`",
                "remove it: `#[scopegate::endpoint]` implements `utoipa::Path` for `__path_<handler>`, \
                 which `#[openapi(paths(handler))]` names",
            ),
            "servers" => cx.error_spanned(
                &tokens,
                "`servers` on an operation would document it at a URL it is not served at",
                "remove it: give the base path once, to `ApiRouter::base_path`, and document it as the \
                 server URL with `scopegate::utoipa::Security::base_path`",
            ),
            "operation_id" => {
                has_operation_id = true;
                kept.push(tokens);
            }
            "context_path" => cx.error_spanned(
                &tokens,
                "`context_path` would document a path the handler is not served at",
                "remove it: give the prefix once, to `ApiRouter::base_path`, and document it as the \
                 server URL with `scopegate::utoipa::Security::base_path`",
            ),
            _ => kept.push(tokens),
        }
    }
    Some(UtoipaPath { attr_path: attr.path().clone(), kept, has_operation_id })
}

/// `get` / `method(get, head)` written in utoipa's attribute: only the declared method agrees.
fn check_methods(cx: &mut Ctxt, decl: &Declaration, tokens: &TokenStream, written: &[String]) {
    let Some((method, _)) = &decl.method else { return };
    let declared = method.as_str().to_ascii_lowercase();
    if written.len() == 1 && written[0] == declared {
        return;
    }
    let written = written.join(", ");
    cx.error_spanned(
        tokens,
        format!(
            "`#[utoipa::path]` documents `{written}`, but the endpoint is declared with `method = {}`",
            method.as_str()
        ),
        HELP_METHOD,
    );
}

/// `path = "…"` written in utoipa's attribute: only the declared path agrees (as written, or as
/// its OpenAPI template, `{*rest}` → `{rest}`).
fn check_path(cx: &mut Ctxt, decl: &Declaration, tokens: &TokenStream, value: &[TokenTree]) {
    let Some(declared) = &decl.path else { return };
    let declared = declared.value();
    let lit = match value {
        [TokenTree::Punct(eq), TokenTree::Literal(lit)] if eq.as_char() == '=' => {
            syn::parse2::<LitStr>(TokenTree::Literal(lit.clone()).into()).ok()
        }
        _ => None,
    };
    match lit {
        Some(lit) if lit.value() == declared || lit.value() == scopegate_core::openapi::path(&declared) => {}
        Some(lit) => cx.error(
            lit.span(),
            format!(
                "`#[utoipa::path]` documents path {:?}, but the endpoint is declared at {declared:?}",
                lit.value()
            ),
            HELP_PATH,
        ),
        None => cx.error_spanned(
            tokens,
            "`#[utoipa::path]`'s `path` must be the declared path, written as a string",
            HELP_PATH,
        ),
    }
}

/// One requirement of utoipa's `security(…)`: `("scheme" = ["a", "b"])`, or `()` (optional).
struct Requirement {
    schemes: Vec<(LitStr, Vec<LitStr>)>,
}

impl syn::parse::Parse for Requirement {
    fn parse(input: syn::parse::ParseStream<'_>) -> syn::Result<Requirement> {
        let content;
        syn::parenthesized!(content in input);
        let pairs = content.parse_terminated(
            |p| {
                let name: LitStr = p.parse()?;
                p.parse::<Token![=]>()?;
                let scopes;
                syn::bracketed!(scopes in p);
                let scopes = scopes.parse_terminated(|s| s.parse::<LitStr>(), Token![,])?;
                Ok((name, scopes.into_iter().collect()))
            },
            Token![,],
        )?;
        Ok(Requirement { schemes: pairs.into_iter().collect() })
    }
}

/// The security the declaration enforces, as `core::openapi::security` defines it; `None` for a
/// permission class (its scopes are known only during const evaluation).
fn enforced(decl: &Declaration) -> Option<Vec<Vec<String>>> {
    let access = decl.access.as_ref()?;
    let (scopes, scope_match): (Vec<String>, ScopeMatch) = match &access.value {
        AccessValue::Scopes(list) => (list.scopes.iter().map(LitStr::value).collect(), list.scope_match),
        AccessValue::Class(_) => return None,
        AccessValue::Note(_) => (Vec::new(), ScopeMatch::Any),
    };
    let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
    let security = scopegate_core::openapi::security(access.form, &scopes, scope_match);
    Some(security.into_iter().map(|r| r.into_iter().map(str::to_string).collect()).collect())
}

/// `security(…)` written in utoipa's attribute: it must say what is enforced (any scheme name;
/// `()`, "no credentials", agrees with `unauthenticated`).
fn check_security(cx: &mut Ctxt, decl: &Declaration, tokens: &TokenStream, value: Option<&TokenTree>) {
    let Some(access) = &decl.access else { return };
    if access.form == AccessForm::Permission {
        cx.error_spanned(
            tokens,
            "`#[utoipa::path]` cannot state the security of an endpoint whose scopes come from a \
             permission class",
            "remove it: `#[scopegate::endpoint]` documents the class's scopes for the method",
        );
        return;
    }
    let Some(enforced) = enforced(decl) else { return };
    let parsed = match value {
        Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => syn::parse::Parser::parse2(
            |input: syn::parse::ParseStream<'_>| {
                input.parse_terminated(|p| p.parse::<Requirement>(), Token![,])
            },
            g.stream(),
        )
        .ok(),
        _ => None,
    };
    let written: Option<Vec<Vec<String>>> = parsed.and_then(|requirements| {
        let mut out = Vec::new();
        for r in requirements {
            match r.schemes.as_slice() {
                // `()`: anyone, with or without credentials.
                [] if enforced.is_empty() => {}
                [(_, scopes)] => out.push(scopes.iter().map(LitStr::value).collect()),
                _ => return None,
            }
        }
        Some(out)
    });
    if written.as_ref().is_some_and(|w| scopegate_core::openapi::same_security(w, &enforced)) {
        return;
    }
    let shown = if enforced.is_empty() {
        "no credentials (`security(())`)".to_string()
    } else {
        let list: Vec<String> = enforced
            .iter()
            .map(|r| {
                let scopes: Vec<String> = r.iter().map(|s| format!("{s:?}")).collect();
                format!("(\"auth_token\" = [{}])", scopes.join(", "))
            })
            .collect();
        format!("`security({})`", list.join(", "))
    };
    cx.error_spanned(
        tokens,
        format!("`#[utoipa::path]`'s `security` disagrees with the declared access, which enforces {shown}"),
        HELP_SECURITY,
    );
}

/// What stands for `__path_<handler>` when the declaration has errors: a type that documents
/// nothing, so that `#[openapi(paths(handler))]` adds no error of its own.
pub(crate) fn placeholder(func: &Handler) -> TokenStream {
    let name = &func.ident;
    let vis = &func.vis;
    let path_type = format_ident!("__path_{}", name.unraw(), span = name.span());
    quote!(::scopegate::__utoipa_path! { placeholder #vis #path_type })
}

/// The items that document the handler (after a successful check): a call of
/// `scopegate::__utoipa_path!` with the completed attribute and the handler's signature.
pub(crate) fn expand(doc: &UtoipaPath, method: Method, path: &LitStr, func: &Handler) -> TokenStream {
    let name = &func.ident;
    let vis = &func.vis;
    let path_type = format_ident!("__path_{}", name.unraw(), span = name.span());
    let target = format_ident!("__scopegate_utoipa_{}", name.unraw(), span = name.span());
    let attr_path = &doc.attr_path;
    let method = Ident::new(&method.as_str().to_ascii_lowercase(), path.span());
    let openapi_path = LitStr::new(&scopegate_core::openapi::path(&path.value()), path.span());
    let mut kept = doc.kept.clone();
    if !doc.has_operation_id && name.to_string().starts_with("r#") {
        let id = LitStr::new(&name.unraw().to_string(), name.span());
        kept.push(quote!(operation_id = #id));
    }
    let signature = func.documented_signature();
    let call = quote_spanned!(attr_path.span()=> ::scopegate::__utoipa_path!);
    quote! {
        #call {
            #vis #name #path_type #target {
                #[#attr_path(impl_for = #target, #method, path = #openapi_path #(, #kept)*)]
                #signature
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use crate::config::Config;
    use crate::endpoint::expand_with;
    use crate::testing::{compile_errors, mentions};

    fn expand(args: TokenStream, utoipa: TokenStream) -> TokenStream {
        expand_with(
            &Config::sentry(),
            args,
            quote!(
                /// Lists the teams.
                #[utoipa::path(#utoipa)]
                #[allow(clippy::unused_async)]
                pub async fn list_teams(Query(q): Query<Filter>) -> Json<Vec<Team>> {
                    todo!()
                }
            ),
        )
    }

    use proc_macro2::TokenStream;

    /// The attribute is completed with the declared method and the OpenAPI path, written once
    /// whatever the user wrote that agrees; the user's other keys are kept as written.
    #[test]
    fn utoipa_attribute_is_completed() {
        let out = expand(
            quote!(method = GET, path = "/organizations/{org}/files/{*rest}", scopes = ["org:read"]),
            quote!(get, path = "/organizations/{org}/files/{rest}", responses((status = 200)), tag = "teams"),
        );
        assert!(compile_errors(&out).is_empty(), "{out}");
        let text = out.to_string();
        let attr = text.split("# [utoipa :: path (").nth(1).expect("the attribute is emitted");
        let attr = attr.split(")]").next().unwrap_or_default();
        assert!(
            attr.starts_with(
                "impl_for = __scopegate_utoipa_list_teams , get , path = \"/organizations/{org}/files/{rest}\" , \
                 responses ((status = 200)) , tag = \"teams\""
            ),
            "{attr}"
        );
        assert_eq!(text.matches(" get ,").count(), 1, "{text}");
        // The documented signature: the docs and the arguments, no body, no return type.
        assert!(text.contains("# [doc = r\" Lists the teams.\"]"), "{text}");
        assert!(text.contains("fn list_teams (Query (q) : Query < Filter >) { }"), "{text}");
        // The path type utoipa's derive names, with the handler's visibility.
        assert!(
            text.contains("__utoipa_path ! { pub list_teams __path_list_teams __scopegate_utoipa_list_teams"),
            "{text}"
        );
        // The handler itself no longer carries utoipa's attribute.
        let handler = text.split("__utoipa_path !").next().unwrap_or_default();
        assert!(!handler.contains("utoipa :: path"), "{handler}");
    }

    #[test]
    fn security_is_compared_as_sets_of_requirements() {
        let ok = |args: TokenStream, utoipa: TokenStream| {
            let out = expand(args, utoipa);
            compile_errors(&out)
        };
        let any = quote!(method = GET, path = "/a/", scopes = ["org:read", "org:write"]);
        let all = quote!(method = POST, path = "/a/", scopes = all("org:write", "member:read"));
        assert!(ok(any.clone(), quote!(security(("x" = ["org:write"]), ("x" = ["org:read"])))).is_empty());
        assert_eq!(ok(any.clone(), quote!(security(("x" = ["org:read", "org:write"])))).len(), 1);
        assert_eq!(ok(any.clone(), quote!(security(("x" = ["org:read"])))).len(), 1);
        assert_eq!(ok(any.clone(), quote!(security(("x" = ["org:read"], "y" = ["org:write"])))).len(), 1);
        assert_eq!(ok(any, quote!(security(garbage))).len(), 1);
        assert!(ok(all.clone(), quote!(security(("x" = ["member:read", "org:write"])))).is_empty());
        assert_eq!(ok(all, quote!(security(("x" = ["member:read"]), ("x" = ["org:write"])))).len(), 1);
        let signed_in = quote!(method = GET, path = "/a/", authenticated = "anyone");
        assert!(ok(signed_in.clone(), quote!(security(("x" = [])))).is_empty());
        assert_eq!(ok(signed_in, quote!(security(()))).len(), 1);
        let open = quote!(method = GET, path = "/a/", unauthenticated = "probes");
        assert!(ok(open.clone(), quote!(security())).is_empty());
        assert!(ok(open.clone(), quote!(security(()))).is_empty());
        assert_eq!(ok(open, quote!(security(("x" = [])))).len(), 1);
    }

    /// On any error the handler is re-emitted without utoipa's attribute (which would add errors
    /// of its own) and nothing is documented.
    #[test]
    fn errors_leave_utoipa_out() {
        let placeholder = "__utoipa_path ! { placeholder pub __path_list_teams }";
        let out = expand(quote!(method = GET, path = "/a/", scopes = ["org:red"]), quote!(responses()));
        assert_eq!(compile_errors(&out).len(), 1, "{out}");
        assert!(!mentions(&out, "utoipa") && out.to_string().contains(placeholder), "{out}");
        let out = expand(quote!(method = GET, path = "/a/", scopes = ["org:read"]), quote!(post));
        assert_eq!(compile_errors(&out).len(), 1, "{out}");
        assert!(out.to_string().contains(placeholder), "{out}");
    }

    /// The documented signature keeps the `where` clause; a raw name gets its operation id
    /// without `r#` (utoipa would take it as written).
    #[test]
    fn where_clauses_and_raw_names() {
        let out = expand_with(
            &Config::sentry(),
            quote!(method = GET, path = "/a/", scopes = ["org:read"]),
            quote!(
                #[utoipa::path(responses())]
                async fn r#type<S>(State(s): State<Repo<S>>) -> impl IntoResponse
                where
                    S: Store + Clone,
                {
                }
            ),
        );
        let text = out.to_string();
        assert!(
            text.contains("fn r#type < S > (State (s) : State < Repo < S >>) where S : Store + Clone , { }"),
            "{text}"
        );
        assert!(text.contains("operation_id = \"type\""), "{text}");
        assert!(text.contains("__path_type __scopegate_utoipa_type"), "{text}");
    }

    #[test]
    fn only_utoipa_path_is_taken() {
        let out = expand_with(
            &Config::sentry(),
            quote!(method = GET, path = "/a/", scopes = ["org:read"]),
            quote!(
                #[path(responses())]
                #[other::path(x)]
                fn a() {}
            ),
        );
        assert!(!mentions(&out, "__utoipa_path"), "{out}");
        assert!(super::is_utoipa_path(&syn::parse_quote!(::utoipa::path)));
        assert!(!super::is_utoipa_path(&syn::parse_quote!(utoipa::path::x)));
    }
}
