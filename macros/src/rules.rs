//! The compile-time rules, one function each, named after the rule (R1–R5) they check, each
//! starting with the rule's text. They read parsed values ([`ast`](crate::ast)) and report to a
//! [`Ctxt`]; the [`endpoint`](crate::endpoint) and [`permission`](crate::permission) pipelines
//! call them in order, first the rules about single values (which turn the AST into a checked
//! [`Declaration`]), then the rules across keys. A rule's *test*, where another crate needs the
//! same answer, is a function of `scopegate_core` (`rules::is_policy_debt` for R1/R2,
//! `gate::is_ungated` for R5), and so are the messages the runtime's const evaluation also
//! reports (an endpoint naming a permission class declared elsewhere).

use proc_macro2::{Ident, Span};
use syn::LitStr;
use syn::ext::IdentExt;

use scopegate_core::rules::{self as message, is_policy_debt};
use scopegate_core::{AccessForm, Method, Publish, ScopeMatch, gate, template};

use crate::ast::{AccessArgs, AccessValue, ClassAst, ClassEntry, Declaration, Keyed, ScopeList};
use crate::config::Config;
use crate::ctxt::Ctxt;
use crate::suggest::did_you_mean;
use crate::symbol::{ACCESS_FORMS_TEXT, GATE, GATE_EXEMPT, METHOD, OWNER, PATH, READONLY_EXCEPTION};
use scopegate_core::date::Date;

/// The capacity of a rule message built by the macros (far beyond any real name list).
const MESSAGE: usize = 16 * 1024;

/// **R1** — a mutation (POST PUT PATCH DELETE) that accepts a read-only scope, directly or via its
/// permission class, with no `readonly_exception` on the endpoint nor for that method on the
/// class. The message names the endpoint, method, the read-only scopes and the class, like
/// Sentry's invariant test.
///
/// This function checks scopes written on the endpoint; for a class the runtime's
/// `check_class_endpoint` checks it during const evaluation, with the same message.
pub(crate) fn r1_readonly_on_mutation(cx: &mut Ctxt, config: &Config, fn_name: &str, decl: &Declaration) {
    let (Some(AccessValue::Scopes(list)), Some((method, _))) =
        (decl.access.as_ref().map(|a| &a.value), &decl.method)
    else {
        return;
    };
    let readonly = readonly_scopes(config, list);
    // A blank or malformed `readonly_exception` was reported already (no follow-on error).
    if !is_policy_debt(*method, !readonly.is_empty()) || decl.given(READONLY_EXCEPTION) {
        return;
    }
    let names: Vec<String> = readonly.iter().map(|l| l.value()).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let text = message::readonly_on_mutation::<MESSAGE>(fn_name, *method, list.scope_match, &names, None);
    // Any-of: on the first read-only scope; all-of: on the whole `all(...)`.
    let span = match (list.scope_match, readonly.first()) {
        (ScopeMatch::Any, Some(first)) => first.span(),
        _ => list.span,
    };
    cx.error_text(span, text.as_str());
}

/// The read-only scopes through which credentials holding only read-only scopes meet `list`:
/// the read-only ones of an any-of list; every scope of an `all(...)` whose scopes are all
/// read-only, else none (the test is `ScopeMatch::readonly_suffices`). What R1 reports, R2
/// checks and the record carries as `readonly`.
pub(crate) fn readonly_scopes<'a>(config: &Config, list: &'a ScopeList) -> Vec<&'a LitStr> {
    let readonly: Vec<&LitStr> = list.scopes.iter().filter(|l| config.is_readonly(&l.value())).collect();
    if list.scope_match.readonly_suffices(readonly.len(), list.scopes.len()) { readonly } else { Vec::new() }
}

/// The default planned policy of a requirement with policy debt: the requirement without its
/// read-only scopes (what R1 asks for), matched as any-of (an `all(...)` with debt requires only
/// read-only scopes, so nothing is left of it; an empty plan lets nobody in, which the
/// tightening report then shows as the requests it would break).
pub(crate) fn default_plan(config: &Config, list: &ScopeList) -> ScopeList {
    let scopes = match list.scope_match {
        ScopeMatch::Any => list.scopes.iter().filter(|l| !config.is_readonly(&l.value())).cloned().collect(),
        ScopeMatch::All => Vec::new(),
    };
    ScopeList { scope_match: ScopeMatch::Any, span: list.span, scopes }
}

/// **R2** — a `readonly_exception` that is empty/blank (see [`r2_note_not_blank`]), or that is not
/// needed (safe method, or no read-only scope): stale notes would hide the real debt.
///
/// This function checks an endpoint's note against its own scopes and method; the class-level
/// notes are checked by [`r2_class_exception_needed`], and an endpoint's note against its class's
/// scopes by the runtime's const evaluation.
pub(crate) fn r2_exception_needed(cx: &mut Ctxt, config: &Config, fn_name: &str, decl: &Declaration) {
    let Some(note) = &decl.readonly_exception else { return };
    let subject = ["`readonly_exception` on ", fn_name, " ", decl.method_name()];
    let stale = |cx: &mut Ctxt, reason: &[&str]| {
        cx.error_text(note.span(), message::stale_exception::<MESSAGE>(&subject, reason).as_str());
    };
    let Some(access) = &decl.access else { return };
    match (access.form, &access.value, &decl.method) {
        (AccessForm::Unauthenticated, ..) => stale(cx, &["the endpoint is unauthenticated"]),
        (form, ..) if !form.grants_by_scope() => {
            stale(cx, &["the endpoint accepts no scope (`", form.keyword(), "`)"]);
        }
        (.., Some((method, _))) if !method.is_mutation() => {
            stale(cx, &[method.as_str(), " is not a mutation"])
        }
        // A class's scopes are checked during const evaluation (`check_class_endpoint`).
        (_, AccessValue::Scopes(list), Some((method, _)))
            if !is_policy_debt(*method, !readonly_scopes(config, list).is_empty()) =>
        {
            match list.scope_match {
                ScopeMatch::Any => stale(cx, &["it accepts no read-only scope"]),
                ScopeMatch::All => stale(cx, &["its `all(...)` requires a scope that is not read-only"]),
            }
        }
        _ => {}
    }
}

/// **R2** — a justification must say something: a blank `readonly_exception` (or any other note
/// of an endpoint: an access form's reason, `gate_exempt`, `owner`) is an error. Returns the note
/// when it is not blank.
pub(crate) fn r2_note_not_blank(cx: &mut Ctxt, note: &Keyed<LitStr>, blank_help: &str) -> Option<LitStr> {
    if note.value.value().trim().is_empty() {
        cx.error(note.value.span(), format!("`{}` must not be blank", note.key), blank_help);
        return None;
    }
    Some(note.value.clone())
}

/// **R2** for a permission class: each `readonly_exceptions(METHOD = "…")` must say something and
/// justify a mutation that the class maps to at least one read-only scope. Fills in the note of
/// each entry it justifies.
pub(crate) fn r2_class_exceptions(cx: &mut Ctxt, class: &ClassAst, entries: &mut [ClassEntry]) {
    for (method, note) in &class.exceptions {
        let name = method.as_str();
        if note.value.value().trim().is_empty() {
            cx.error(
                note.value.span(),
                format!("the readonly exception for {name} must not be blank"),
                "write the justification, or remove the exception and the read-only scopes",
            );
            continue;
        }
        let stale = |cx: &mut Ctxt, reason: &[&str]| {
            let text = message::stale_exception::<MESSAGE>(&["readonly exception for ", name], reason);
            cx.error_text(note.key.span(), text.as_str());
        };
        let entry = entries.iter_mut().find(|e| e.method == *method);
        match entry {
            _ if !method.is_mutation() => stale(cx, &[name, " is not a mutation"]),
            None if !class.declared.contains(method) => cx.error(
                note.key.span(),
                format!("readonly exception for {name}, but the class does not map {name}"),
                format!("add `{name} = [...]` or remove the exception"),
            ),
            // The method's list was invalid, and reported.
            None => {}
            Some(entry) if !is_policy_debt(*method, !entry.readonly.is_empty()) => {
                match entry.scopes.scope_match {
                    ScopeMatch::Any => stale(cx, &[name, " accepts no read-only scope"]),
                    ScopeMatch::All => {
                        stale(cx, &[name, "'s `all(...)` requires a scope that is not read-only"])
                    }
                }
            }
            Some(entry) => entry.exception = Some(note.value.clone()),
        }
    }
}

/// **R3** — an unknown scope (suggest the nearest known one), a duplicate scope, an empty
/// `scopes = []` or `all()`, an `all(...)` of one scope (write the plain list), an `all(...)`
/// where one scope implies another. Returns the list when it is valid.
pub(crate) fn r3_scope_list(
    cx: &mut Ctxt,
    config: &Config,
    key: &Ident,
    list: &ScopeList,
) -> Option<ScopeList> {
    let lits = &list.scopes;
    match (list.scope_match, lits.len()) {
        (ScopeMatch::Any, 0) => {
            cx.error(
                list.span,
                format!("`{key} = []` grants access to nobody"),
                "list at least one scope, or declare `unauthenticated = \"why\"`",
            );
            return None;
        }
        (ScopeMatch::All, 0) => {
            cx.error(
                list.span,
                format!("`{key} = all()` requires no scope"),
                "list every scope a caller needs, e.g. `all(\"members:read\", \"administration:write\")`, \
                 or declare `authenticated = \"why\"`",
            );
            return None;
        }
        _ => {}
    }
    let mut ok = true;
    let mut seen: Vec<String> = Vec::new();
    for lit in lits {
        let scope = lit.value();
        if !config.is_known(&scope) {
            ok = false;
            cx.error(
                lit.span(),
                format!(
                    "unknown scope {scope:?}.{}",
                    did_you_mean(&scope, config.scopes.iter().map(String::as_str))
                ),
                known_scopes(config, &scope),
            );
        } else if seen.contains(&scope) {
            ok = false;
            cx.error(lit.span(), format!("duplicate scope {scope:?}"), "list each scope once");
        } else {
            seen.push(scope);
        }
    }
    if list.scope_match == ScopeMatch::All && ok {
        if let [only] = lits.as_slice() {
            cx.error(
                list.span,
                format!("`all(...)` of one scope: {:?} is the whole requirement", only.value()),
                format!("write `{key} = [{:?}]`", only.value()),
            );
            return None;
        }
        for lit in lits {
            let scope = lit.value();
            let by = seen.iter().find(|other| **other != scope && config.implies(other, &scope));
            if let Some(by) = by {
                ok = false;
                cx.error(
                    lit.span(),
                    format!("{by:?} implies {scope:?}: requiring both in `all(...)` is requiring {by:?}"),
                    format!("remove {scope:?}"),
                );
            }
        }
    }
    ok.then(|| list.clone())
}

/// The help of an unknown scope: every known scope, or for a large vocabulary those that share
/// the unknown one's prefix (up to `:` or `.`), so the line stays readable.
fn known_scopes(config: &Config, scope: &str) -> String {
    const LISTED: usize = 40;
    if config.scopes.len() <= LISTED {
        return format!("known scopes: {}", config.scopes.join(", "));
    }
    let prefix = scope.split([':', '.']).next().unwrap_or(scope);
    let near: Vec<&str> = config
        .scopes
        .iter()
        .map(String::as_str)
        .filter(|s| !prefix.is_empty() && s.starts_with(prefix))
        .collect();
    match near.as_slice() {
        [] => format!("the vocabulary has {} scopes; see scopegate.toml", config.scopes.len()),
        near if near.len() <= LISTED => format!("known scopes starting with {prefix:?}: {}", near.join(", ")),
        near => format!(
            "known scopes starting with {prefix:?}: {}, … ({} in all; see scopegate.toml)",
            near[..LISTED].join(", "),
            near.len()
        ),
    }
}

/// **R6** — a sunset is a real date written `YYYY-MM-DD` (`sunset = "…"`, `sunsets(METHOD = "…")`).
/// Returns the date when it is one.
pub(crate) fn r6_sunset_date(cx: &mut Ctxt, note: &Keyed<LitStr>) -> Option<Keyed<LitStr>> {
    let text = note.value.value();
    if Date::parse(&text).is_none() {
        cx.error(
            note.value.span(),
            format!("`{}` takes a date written YYYY-MM-DD, not {text:?}", note.key),
            "write the day the exception ends, e.g. \"2027-01-31\"",
        );
        return None;
    }
    Some(Keyed { key: note.key.clone(), value: note.value.clone() })
}

/// **R6** — tightening belongs to a read-only exception: a `planned_scopes` or a `sunset` plans
/// the removal of the endpoint's `readonly_exception`, so it needs one beside it; and a plan that
/// still lets read-only tokens call the mutation plans nothing (R1 would flag it).
pub(crate) fn r6_plan_and_sunset(cx: &mut Ctxt, config: &Config, fn_name: &str, decl: &Declaration) {
    let method = decl.method_name();
    for key in
        [decl.planned.as_ref().map(|p| &p.key), decl.sunset.as_ref().map(|s| &s.key)].into_iter().flatten()
    {
        if !decl.given(READONLY_EXCEPTION) {
            cx.error(
                key.span(),
                format!("`{key}` on {fn_name} {method} plans the end of a readonly_exception, but the endpoint has none"),
                format!("add the `readonly_exception` it ends, or remove `{key}`"),
            );
        }
    }
    if let (Some(plan), Some((m, _))) = (&decl.planned, &decl.method) {
        plan_lets_no_readonly_in(cx, config, &plan.value, *m, &format!("{fn_name} {method}"));
    }
}

/// **R6** — the plan of a mutation must not accept read-only credentials itself.
fn plan_lets_no_readonly_in(cx: &mut Ctxt, config: &Config, plan: &ScopeList, method: Method, subject: &str) {
    let readonly = readonly_scopes(config, plan);
    if is_policy_debt(method, !readonly.is_empty()) {
        let names: Vec<String> = readonly.iter().map(|l| format!("{:?}", l.value())).collect();
        cx.error(
            readonly.first().map_or(plan.span, |l| l.span()),
            format!(
                "the planned policy of {subject} still lets read-only tokens in ([{}])",
                names.join(", ")
            ),
            "plan the requirement without the read-only scopes: that is what removing the exception means",
        );
    }
}

/// **R6** for a permission class: `planned_scopes(METHOD = …)` and `sunsets(METHOD = …)` each
/// need the method's `readonly_exceptions(METHOD = …)` on the class; a plan must not accept
/// read-only scopes. Fills in each entry's plan (the stated one, else the default for a method
/// with policy debt) and sunset.
pub(crate) fn r6_class_plans(cx: &mut Ctxt, config: &Config, class: &ClassAst, entries: &mut [ClassEntry]) {
    for entry in entries.iter_mut() {
        if is_policy_debt(entry.method, !entry.readonly.is_empty()) {
            entry.planned = Some(default_plan(config, &entry.scopes));
        }
    }
    let needs_exception = |cx: &mut Ctxt, key: &Ident, what: &str, method: Method| {
        let name = method.as_str();
        cx.error(
            key.span(),
            format!(
                "{what} for {name} plans the end of a readonly exception, but the class has none for {name}"
            ),
            format!("add `readonly_exceptions({name} = \"why\")` to the class, or remove the {what}"),
        );
    };
    // A method whose list was invalid has no entry (and its error): no follow-on error.
    let reported = |entries: &[ClassEntry], method: &Method| {
        class.declared.contains(method) && !entries.iter().any(|e| e.method == *method)
    };
    for (method, plan) in &class.plans {
        let Some(list) = r3_scope_list(cx, config, &plan.key, &plan.value) else { continue };
        if reported(entries, method) {
            continue;
        }
        match entries.iter_mut().find(|e| e.method == *method && e.exception.is_some()) {
            Some(entry) => {
                plan_lets_no_readonly_in(
                    cx,
                    config,
                    &list,
                    *method,
                    &format!("{} in the class", method.as_str()),
                );
                entry.planned = Some(list);
            }
            None => needs_exception(cx, &plan.key, "a planned policy", *method),
        }
    }
    for (method, sunset) in &class.sunsets {
        let Some(date) = r6_sunset_date(cx, sunset) else { continue };
        if reported(entries, method) {
            continue;
        }
        match entries.iter_mut().find(|e| e.method == *method && e.exception.is_some()) {
            Some(entry) => entry.sunset = Some(date.value),
            None => needs_exception(cx, &sunset.key, "a sunset", *method),
        }
    }
}

/// **R4** — unknown keys (suggest the nearest), duplicate keys: see
/// [`args::known_unique`](crate::args::known_unique), which every attribute's parser calls first.
/// This function is R4's check of the method's name.
pub(crate) fn r4_method(cx: &mut Ctxt, ident: &Ident) -> Option<(Method, Ident)> {
    let name = ident.to_string();
    match Method::parse(&name) {
        Some(m) => Some((m, ident.clone())),
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
pub(crate) fn r4_path(cx: &mut Ctxt, lit: &LitStr) -> Option<LitStr> {
    match template::validate(&lit.value()) {
        Ok(_) => Some(lit.clone()),
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
pub(crate) fn r4_one_access_form(cx: &mut Ctxt, access: &AccessArgs) -> Option<AccessForm> {
    let (form, first) = access.keys.first()?;
    for (_, extra) in access.keys.iter().skip(1) {
        cx.error(
            extra.span(),
            format!(
                "`{extra}` conflicts with `{first}`: an endpoint declares exactly one of {ACCESS_FORMS_TEXT}"
            ),
            format!("remove `{extra}`"),
        );
    }
    Some(*form)
}

/// **R4** — an unknown publish level.
pub(crate) fn r4_publish(cx: &mut Ctxt, ident: &Ident) -> Option<(Publish, Ident)> {
    let name = ident.to_string();
    match Publish::parse(&name) {
        Some(level) => Some((level, ident.clone())),
        None => {
            cx.error(
                ident.span(),
                format!("unknown publish level `{name}`.{}", did_you_mean(&name, Publish::NAMES)),
                "publish is one of private, experimental, public_experimental, public",
            );
            None
        }
    }
}

/// **R4** — an unknown gate.
pub(crate) fn r4_gate(cx: &mut Ctxt, config: &Config, ident: &Ident) -> Option<Ident> {
    let name = ident.unraw().to_string();
    if config.gate(&name).is_some() {
        return Some(ident.clone());
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
pub(crate) fn r4_required_keys(cx: &mut Ctxt, decl: &Declaration) {
    if !decl.given(METHOD) {
        cx.error(
            Span::call_site(),
            "missing `method`",
            "add `method = GET` (or HEAD, OPTIONS, POST, PUT, PATCH, DELETE)",
        );
    }
    if !decl.given(PATH) {
        cx.error(
            Span::call_site(),
            "missing `path`",
            "add `path = \"/organizations/{organization_id_or_slug}/\"`",
        );
    }
    if !AccessForm::KEYWORDS.iter().any(|k| decl.given(k)) {
        cx.error(
            Span::call_site(),
            format!("missing access policy: the endpoint declares none of {ACCESS_FORMS_TEXT}"),
            "add `scopes = [\"org:read\"]`, `permission = SomeClass`, `unauthenticated = \"why\"`, \
             `authenticated = \"why\"` or `superuser = \"why\"`",
        );
    }
}

/// **R4** — `publish = public` with no owner.
pub(crate) fn r4_public_needs_owner(cx: &mut Ctxt, fn_name: &str, decl: &Declaration) {
    let method_name = decl.method_name();
    if let Some((level, ident)) = &decl.publish
        && level.needs_owner()
        && !decl.given(OWNER)
    {
        cx.error(
            ident.span(),
            format!("public endpoint {fn_name} {method_name} needs an `owner`"),
            "add `owner = \"team-name\"` so the published API has someone answerable for it",
        );
    }
}

/// **R4** for a permission class — it must be a unit struct without generics.
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

/// **R4** for a permission class — it must map at least one method (a misspelled method was
/// reported as an unknown key already).
pub(crate) fn r4_class_maps_a_method(cx: &mut Ctxt, class: &ClassAst) {
    if class.intended.iter().all(|key| Method::parse(key).is_none()) {
        cx.error(
            Span::call_site(),
            "the permission class maps no method, so it grants nothing",
            "map methods to scopes, e.g. `GET = [\"org:read\"], POST = [\"org:write\"]`",
        );
    }
}

/// **R5** — gate rules: an endpoint whose path lies in a gated area (built in: a `/replays/`
/// segment → `replay`) must carry that gate, or say `gate_exempt = "why"`. This is the bug class
/// of Sentry PR #104955, where one replay endpoint skipped the feature-flag check. A
/// `gate_exempt` outside any gated area, or beside a `gate`, is a stale note.
pub(crate) fn r5_gated_area(cx: &mut Ctxt, config: &Config, fn_name: &str, decl: &Declaration) {
    let method_name = decl.method_name();
    let Some(path) = &decl.path else {
        if let (Some(exempt), Some(_)) = (&decl.gate_exempt, &decl.gate) {
            cx.error(exempt.span(), "`gate_exempt` conflicts with `gate`", "remove one of them");
        }
        return;
    };
    let template = path.value();
    let declared = decl.gate.as_ref().map(|g| g.unraw().to_string());
    if let (Some(exempt), Some(gate)) = (&decl.gate_exempt, &decl.gate) {
        cx.error(
            exempt.span(),
            format!("`gate_exempt` conflicts with `gate = {gate}`"),
            "an endpoint is either gated or exempt; remove one of them",
        );
    } else if let Some(exempt) = &decl.gate_exempt {
        if !config.gates.iter().any(|g| g.covers(&template)) {
            cx.error(
                exempt.span(),
                format!("`gate_exempt` on {fn_name} {method_name} is not needed: {template:?} lies in no gated area"),
                message::STALE_HELP,
            );
        }
    } else if !decl.given(GATE_EXEMPT) && (decl.gate.is_some() || !decl.given(GATE)) {
        // (An invalid `gate` or `gate_exempt` was reported already: no follow-on error.)
        for gate in &config.gates {
            if gate::is_ungated(gate.covers(&template), &gate.name, declared.as_deref(), false) {
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
