//! The compile-time rules, one function each, in the order of the design (R1–R5). Each function
//! starts with the rule's text; the [`ast`](crate::ast) parser calls the rules about single values
//! as it reads them, the [`endpoint`](crate::endpoint) and [`permission`](crate::permission)
//! pipelines call the rules across keys after parsing. Where the runtime checks the same rule
//! during const evaluation (an endpoint naming a permission class declared elsewhere), both build
//! the message with the same function of `scopegate_core::rules`.

use proc_macro2::{Ident, Span};
use syn::LitStr;
use syn::ext::IdentExt;

use scopegate_core::Method;
use scopegate_core::rules as message;
use scopegate_core::template;

use crate::args::{self, Arg};
use crate::ast::{Access, EndpointAst};
use crate::config::{Config, Gate};
use crate::ctxt::Ctxt;
use crate::suggest::did_you_mean;
use crate::symbol::{ACCESS_FORMS, ACCESS_FORMS_TEXT, PUBLISH_LEVELS};

/// The capacity of a rule message built by the macros (far beyond any real name list).
const MESSAGE: usize = 16 * 1024;

/// **R1** — a mutation (POST PUT PATCH DELETE) that accepts a read-only scope, directly or via its
/// permission class, with no `readonly_exception` on the endpoint nor for that method on the
/// class. The message names the endpoint, method, the read-only scopes and the class, like
/// Sentry's invariant test.
///
/// This function checks scopes written on the endpoint; for a class the runtime's
/// `check_class_endpoint` checks it during const evaluation, with the same message.
pub(crate) fn r1_readonly_on_mutation(cx: &mut Ctxt, config: &Config, fn_name: &str, decl: &EndpointAst) {
    let (Some(Access::Scopes(lits)), Some((method, _))) = (&decl.access, &decl.method) else { return };
    // A blank or malformed `readonly_exception` was reported already (no follow-on error).
    if !method.is_mutation() || decl.given(crate::symbol::READONLY_EXCEPTION) {
        return;
    }
    let readonly: Vec<&LitStr> = lits.iter().filter(|l| config.is_readonly(&l.value())).collect();
    let Some(first) = readonly.first() else { return };
    let names: Vec<String> = readonly.iter().map(|l| l.value()).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let text = message::readonly_on_mutation::<MESSAGE>(fn_name, *method, &names, None);
    cx.error_text(first.span(), text.as_str());
}

/// **R2** — a `readonly_exception` that is empty/blank (see [`r2_note_not_blank`]), or that is not
/// needed (safe method, or no read-only scope): stale notes would hide the real debt.
///
/// This function checks an endpoint's note against its own scopes and method; the class-level
/// notes are checked by [`r2_class_exception_needed`], and an endpoint's note against its class's
/// scopes by the runtime's const evaluation.
pub(crate) fn r2_exception_needed(cx: &mut Ctxt, config: &Config, fn_name: &str, decl: &EndpointAst) {
    let Some(note) = &decl.readonly_exception else { return };
    let method_name = decl.method.as_ref().map_or("?", |(m, _)| m.as_str());
    let subject = ["`readonly_exception` on ", fn_name, " ", method_name];
    let stale = |cx: &mut Ctxt, reason: &[&str]| {
        cx.error_text(note.span(), message::stale_exception::<MESSAGE>(&subject, reason).as_str());
    };
    match (&decl.access, &decl.method) {
        (Some(Access::Unauthenticated(_)), _) => stale(cx, &["the endpoint is unauthenticated"]),
        (Some(Access::Authenticated(_)), _) => {
            stale(cx, &["the endpoint accepts no scope (`authenticated`)"])
        }
        (Some(Access::Superuser(_)), _) => stale(cx, &["the endpoint accepts no scope (`superuser`)"]),
        (Some(Access::Scopes(_) | Access::Permission(_)), Some((method, _))) if !method.is_mutation() => {
            stale(cx, &[method.as_str(), " is not a mutation"]);
        }
        (Some(Access::Scopes(lits)), Some(_)) if !lits.iter().any(|l| config.is_readonly(&l.value())) => {
            stale(cx, &["it accepts no read-only scope"]);
        }
        _ => {}
    }
}

/// **R2** — a justification must say something: a blank `readonly_exception` (or any other note
/// of an endpoint) is an error. Returns the note when it is a non-blank string.
pub(crate) fn r2_note_not_blank(cx: &mut Ctxt, arg: &Arg, example: &str, blank_help: &str) -> Option<LitStr> {
    args::non_blank_str(cx, arg, example, blank_help)
}

/// **R2** for a permission class: its `readonly_exceptions(METHOD = "…")` must justify a mutation
/// that the class maps to at least one read-only scope.
pub(crate) fn r2_class_exception_needed(
    cx: &mut Ctxt,
    key: &Ident,
    method: Method,
    declared: bool,
    readonly: Option<&[LitStr]>,
) -> bool {
    let name = method.as_str();
    let stale = |cx: &mut Ctxt, reason: &[&str]| {
        let text = message::stale_exception::<MESSAGE>(&["readonly exception for ", name], reason);
        cx.error_text(key.span(), text.as_str());
    };
    match readonly {
        _ if !method.is_mutation() => stale(cx, &[name, " is not a mutation"]),
        None if !declared => cx.error(
            key.span(),
            format!("readonly exception for {name}, but the class does not map {name}"),
            format!("add `{name} = [...]` or remove the exception"),
        ),
        None => {}
        Some([]) => stale(cx, &[name, " accepts no read-only scope"]),
        Some(_) => return true,
    }
    false
}

/// **R3** — an unknown scope (suggest the nearest known one), a duplicate scope, an empty
/// `scopes = []`. Returns the list when it is valid.
pub(crate) fn r3_scope_list(cx: &mut Ctxt, config: &Config, arg: &Arg) -> Option<Vec<LitStr>> {
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

/// **R4** — unknown keys (suggest the nearest), duplicate keys: see [`args::known_unique`], which
/// every attribute's parser calls first. This function is R4's check of the method's name.
pub(crate) fn r4_method(cx: &mut Ctxt, arg: &Arg) -> Option<(Method, Ident)> {
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
}

/// **R4** — a malformed path (no leading `/`, unbalanced `{}`, duplicate params, axum 0.7
/// syntax, …; the template rules are `scopegate_core::template::validate`).
pub(crate) fn r4_path(cx: &mut Ctxt, arg: &Arg) -> Option<LitStr> {
    let lit = args::lit_str(cx, arg, "\"/organizations/{organization_id_or_slug}/\"")?;
    match template::validate(&lit.value()) {
        Ok(_) => Some(lit),
        Err(e) => {
            cx.error(lit.span(), e.message, e.help);
            None
        }
    }
}

/// **R4** — a handler's `Path` extractor that cannot match the template: a tuple of another length
/// than the template's parameters, a single value (`Path<String>`) where there are several, or a
/// `Path` of one or more values where there are none. axum would answer every request 500 after
/// the permission check passed. Structs, maps and aliases (`Path<Params>`) are deserialized by name
/// or of any length, and parameters an outer router adds are not in the template: not checked here.
pub(crate) fn r4_path_extractors(cx: &mut Ctxt, path: &LitStr, arguments: &proc_macro2::TokenStream) {
    let template = path.value();
    let params: Vec<&str> = template::params(&template).collect();
    let listed = params.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ");
    for extractor in crate::handler::path_extractors(arguments) {
        let Some(arity) = extractor.arity else { continue };
        if arity == params.len() {
            continue;
        }
        let values = match arity {
            1 => "1 value".to_string(),
            n => format!("{n} values"),
        };
        let has = match params.len() {
            0 => "no parameters".to_string(),
            1 => format!("1 parameter ({listed})"),
            n => format!("{n} parameters ({listed})"),
        };
        let help = match params.as_slice() {
            [] => "remove the `Path` extractor, or declare the parameter in `path`".to_string(),
            [one] => format!("extract it as one value, e.g. `Path({one}): Path<String>`"),
            many => format!(
                "extract them in order as a tuple, e.g. `Path(({})): Path<({})>`, or into a struct with the fields {listed}",
                many.join(", "),
                many.iter().map(|_| "String").collect::<Vec<_>>().join(", "),
            ),
        };
        cx.error_spanned(
            &extractor.ty,
            format!("this `Path` extractor takes {values}, but the path {template:?} has {has}"),
            help,
        );
    }
}

/// **R4** — two access forms: an endpoint declares exactly one of `scopes`, `permission`,
/// `unauthenticated`, `authenticated` and `superuser`. Reports every extra one; returns the first.
pub(crate) fn r4_one_access_form<'a>(cx: &mut Ctxt, args: &[&'a Arg]) -> Option<&'a Arg> {
    let forms: Vec<&Arg> =
        args.iter().copied().filter(|a| ACCESS_FORMS.iter().any(|form| a.key == form)).collect();
    for extra in forms.iter().skip(1) {
        cx.error(
            extra.key.span(),
            format!(
                "`{}` conflicts with `{}`: an endpoint declares exactly one of {ACCESS_FORMS_TEXT}",
                extra.key, forms[0].key
            ),
            format!("remove `{}`", extra.key),
        );
    }
    forms.first().copied()
}

/// **R4** — an unknown publish level.
pub(crate) fn r4_publish(cx: &mut Ctxt, arg: &Arg) -> Option<(usize, Ident)> {
    let ident = args::ident(cx, arg, "public")?;
    let name = ident.to_string();
    match PUBLISH_LEVELS.iter().position(|p| *p == name) {
        Some(i) => Some((i, ident)),
        None => {
            cx.error(
                ident.span(),
                format!("unknown publish level `{name}`.{}", did_you_mean(&name, PUBLISH_LEVELS)),
                "publish is one of private, experimental, public_experimental, public",
            );
            None
        }
    }
}

/// **R4** — an unknown gate.
pub(crate) fn r4_gate(cx: &mut Ctxt, config: &Config, arg: &Arg) -> Option<Ident> {
    let ident = args::ident(cx, arg, "replay")?;
    let name = ident.unraw().to_string();
    if config.gate(&name).is_some() {
        return Some(ident);
    }
    let names: Vec<&str> = config.gates.iter().map(|g| g.name.as_str()).collect();
    cx.error(
        ident.span(),
        format!("unknown gate `{name}`.{}", did_you_mean(&name, names.iter().copied())),
        format!("the gates are: {} (declare more under [gates] in scopegate.toml)", names.join(", ")),
    );
    None
}

/// **R4** — missing `method`/`path`, or no access form at all.
pub(crate) fn r4_required_keys(cx: &mut Ctxt, decl: &EndpointAst) {
    if !decl.given(crate::symbol::METHOD) {
        cx.error(
            Span::call_site(),
            "missing `method`",
            "add `method = GET` (or HEAD, OPTIONS, POST, PUT, PATCH, DELETE)",
        );
    }
    if !decl.given(crate::symbol::PATH) {
        cx.error(
            Span::call_site(),
            "missing `path`",
            "add `path = \"/organizations/{organization_id_or_slug}/\"`",
        );
    }
    if !ACCESS_FORMS.iter().any(|k| decl.given(k)) {
        cx.error(
            Span::call_site(),
            format!("missing access policy: the endpoint declares none of {ACCESS_FORMS_TEXT}"),
            "add `scopes = [\"org:read\"]`, `permission = SomeClass`, `unauthenticated = \"why\"`, \
             `authenticated = \"why\"` or `superuser = \"why\"`",
        );
    }
}

/// **R4** — `publish = public` with no owner.
pub(crate) fn r4_public_needs_owner(cx: &mut Ctxt, fn_name: &str, decl: &EndpointAst) {
    let method_name = decl.method.as_ref().map_or("?", |(m, _)| m.as_str());
    if let Some((level, ident)) = &decl.publish
        && PUBLISH_LEVELS[*level] == "public"
        && !decl.given(crate::symbol::OWNER)
    {
        cx.error(
            ident.span(),
            format!("public endpoint {fn_name} {method_name} needs an `owner`"),
            "add `owner = \"team-name\"` so the published API has someone answerable for it",
        );
    }
}

/// **R4** for a permission class — it must be a unit struct without generics, and map at least
/// one method.
pub(crate) fn r4_class_item(cx: &mut Ctxt, item: &syn::ItemStruct) {
    let help = format!("declare the class as `pub struct {};`", item.ident);
    if !item.generics.params.is_empty() {
        cx.error_spanned(
            &item.generics,
            "`#[scopegate::permission]` applies to a unit struct without generics",
            &help,
        );
    }
    if !matches!(item.fields, syn::Fields::Unit) {
        cx.error_spanned(
            &item.fields,
            "`#[scopegate::permission]` applies to a unit struct: a class holds no data",
            &help,
        );
    }
}

/// **R5** — gate rules: an endpoint whose path lies in a gated area (built in: a `/replays/`
/// segment → `replay`) must carry that gate, or say `gate_exempt = "why"`. This is the bug class
/// of Sentry PR #104955, where one replay endpoint skipped the feature-flag check. A
/// `gate_exempt` outside any gated area, or beside a `gate`, is a stale note.
pub(crate) fn r5_gated_area(cx: &mut Ctxt, config: &Config, fn_name: &str, decl: &EndpointAst) {
    let method_name = decl.method.as_ref().map_or("?", |(m, _)| m.as_str());
    let Some(path) = &decl.path else {
        if let (Some(exempt), Some(_)) = (&decl.gate_exempt, &decl.gate) {
            cx.error(exempt.span(), "`gate_exempt` conflicts with `gate`", "remove one of them");
        }
        return;
    };
    let template = path.value();
    let area_gates: Vec<&Gate> = config.gates.iter().filter(|g| g.covers(&template)).collect();
    let declared = decl.gate.as_ref().map(|g| g.unraw().to_string());
    if let (Some(exempt), Some(gate)) = (&decl.gate_exempt, &decl.gate) {
        cx.error(
            exempt.span(),
            format!("`gate_exempt` conflicts with `gate = {gate}`"),
            "an endpoint is either gated or exempt; remove one of them",
        );
    } else if let Some(exempt) = &decl.gate_exempt {
        if area_gates.is_empty() {
            cx.error(
                exempt.span(),
                format!("`gate_exempt` on {fn_name} {method_name} is not needed: {template:?} lies in no gated area"),
                message::STALE_HELP,
            );
        }
    } else if !decl.given(crate::symbol::GATE_EXEMPT)
        && (decl.gate.is_some() || !decl.given(crate::symbol::GATE))
    {
        // (An invalid `gate` or `gate_exempt` was reported already: no follow-on error.)
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
}
