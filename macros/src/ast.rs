//! The attributes' arguments, parsed: each key's value in the shape its key takes (a keyword, a
//! string, a list of strings, a type path), spanned. Parsing reports only what is not
//! well-formed — syntax, unknown or duplicate keys (rule R4, [`args::known_unique`]), a value of
//! the wrong shape. What the values *mean* is checked afterwards by the rules
//! ([`rules`](crate::rules)), in the pipelines of [`endpoint`](crate::endpoint) and
//! [`permission`](crate::permission), which turn an AST into a checked declaration.

use proc_macro2::{Ident, Span, TokenStream};
use syn::LitStr;

use scopegate_core::{AccessForm, Method, Publish, ScopeMatch};

use crate::args::{self, Arg};
use crate::ctxt::Ctxt;
use crate::symbol::*;

/// A value and the key it was written under (messages name the key).
pub(crate) struct Keyed<T> {
    pub(crate) key: Ident,
    pub(crate) value: T,
}

/// A list of scope strings: `["org:read", "org:write"]` (any one) or `all("a", "b")` (every one).
#[derive(Clone)]
pub(crate) struct ScopeList {
    pub(crate) scope_match: ScopeMatch,
    /// The brackets, or `all(…)` whole.
    pub(crate) span: Span,
    pub(crate) scopes: Vec<LitStr>,
}

impl ScopeList {
    fn parse(cx: &mut Ctxt, arg: &Arg) -> Option<ScopeList> {
        let (scope_match, span, scopes) = args::scope_list(cx, arg, "[\"org:read\", \"org:write\"]")?;
        Some(ScopeList { scope_match, span, scopes })
    }
}

/// The value of an access form, in the shape its key takes.
pub(crate) enum AccessValue {
    /// `scopes = [...]` or `scopes = all(...)`
    Scopes(ScopeList),
    /// `permission = SomeClass`
    Class(syn::Path),
    /// `unauthenticated`, `authenticated` or `superuser` `= "why"`
    Note(LitStr),
}

/// The access forms written on an endpoint (it must declare exactly one: rule R4).
pub(crate) struct AccessArgs {
    /// Every access-form key, in the order written.
    pub(crate) keys: Vec<(AccessForm, Ident)>,
    /// The value of the first one (the others are reported as conflicts, not read).
    pub(crate) value: Option<AccessValue>,
}

/// An `#[endpoint(…)]` declaration as written; `None` where a value is missing or malformed.
pub(crate) struct EndpointAst {
    /// The keys given (even with an invalid value) or misspelled; see [`args::intended_keys`].
    pub(crate) intended: Vec<&'static str>,
    pub(crate) method: Option<Ident>,
    pub(crate) path: Option<LitStr>,
    pub(crate) access: AccessArgs,
    pub(crate) readonly_exception: Option<Keyed<LitStr>>,
    pub(crate) owner: Option<Keyed<LitStr>>,
    pub(crate) publish: Option<Ident>,
    pub(crate) gate: Option<Ident>,
    pub(crate) gate_exempt: Option<Keyed<LitStr>>,
    /// `planned_scopes = [...]` or `all(...)`: the policy that replaces the read-only exception.
    pub(crate) planned: Option<Keyed<ScopeList>>,
    /// `sunset = "YYYY-MM-DD"`: when the read-only exception ends.
    pub(crate) sunset: Option<Keyed<LitStr>>,
}

impl EndpointAst {
    /// Parses the arguments of `#[endpoint(…)]`, reporting what is malformed to `cx`.
    pub(crate) fn parse(cx: &mut Ctxt, args: TokenStream) -> EndpointAst {
        let all = args::parse_args(cx, args);
        let args = args::known_unique(cx, &all, ENDPOINT_KEYS, "#[scopegate::endpoint]");
        let intended = args::intended_keys(&all, ENDPOINT_KEYS);
        let find = |key: &str| args.iter().copied().find(|a| a.key == key);
        let note = |cx: &mut Ctxt, key: &str, example: &str| {
            let arg = find(key)?;
            Some(Keyed { key: arg.key.clone(), value: args::lit_str(cx, arg, example)? })
        };

        let method = find(METHOD).and_then(|arg| args::ident(cx, arg, "PUT"));
        let path = find(PATH)
            .and_then(|arg| args::lit_str(cx, arg, "\"/organizations/{organization_id_or_slug}/\""));
        let keys: Vec<(AccessForm, Ident)> = args
            .iter()
            .filter_map(|a| Some((AccessForm::parse(&a.key.to_string())?, a.key.clone())))
            .collect();
        let value = match keys.first() {
            Some((form, key)) => {
                args.iter().find(|a| a.key == *key).and_then(|arg| access_value(cx, *form, arg))
            }
            None => None,
        };
        EndpointAst {
            intended,
            method,
            path,
            access: AccessArgs { keys, value },
            readonly_exception: note(
                cx,
                READONLY_EXCEPTION,
                "\"why read-only tokens may call this mutation\"",
            ),
            owner: note(cx, OWNER, "\"dashboards\""),
            publish: find(PUBLISH).and_then(|arg| args::ident(cx, arg, "public")),
            gate: find(GATE).and_then(|arg| args::ident(cx, arg, "replay")),
            gate_exempt: note(cx, GATE_EXEMPT, "\"why this endpoint needs no gate\""),
            planned: find(PLANNED_SCOPES)
                .and_then(|arg| Some(Keyed { key: arg.key.clone(), value: ScopeList::parse(cx, arg)? })),
            sunset: note(cx, SUNSET, "\"2027-01-31\""),
        }
    }
}

/// The value of the access form `form`, written as `arg`, in the shape the form takes.
fn access_value(cx: &mut Ctxt, form: AccessForm, arg: &Arg) -> Option<AccessValue> {
    Some(match form {
        AccessForm::Scopes => AccessValue::Scopes(ScopeList::parse(cx, arg)?),
        AccessForm::Permission => AccessValue::Class(args::path(cx, arg, "OrganizationPermission")?),
        AccessForm::Unauthenticated => {
            AccessValue::Note(args::lit_str(cx, arg, "\"why no credentials are needed\"")?)
        }
        AccessForm::Authenticated => {
            AccessValue::Note(args::lit_str(cx, arg, "\"why any signed-in caller may use it\"")?)
        }
        AccessForm::Superuser => {
            AccessValue::Note(args::lit_str(cx, arg, "\"why only superusers may use it\"")?)
        }
    })
}

/// A `#[permission(GET = [...], …, readonly_exceptions(POST = "…"))]` declaration as written.
pub(crate) struct ClassAst {
    /// The keys given or misspelled; see [`args::intended_keys`].
    pub(crate) intended: Vec<&'static str>,
    /// `METHOD = [...]` or `METHOD = all(...)`, in the order written (a malformed list is left out).
    pub(crate) methods: Vec<(Method, Keyed<ScopeList>)>,
    /// The methods written, even with a malformed list.
    pub(crate) declared: Vec<Method>,
    /// `readonly_exceptions(METHOD = "…", …)`: each note under its method's key.
    pub(crate) exceptions: Vec<(Method, Keyed<LitStr>)>,
    /// `planned_scopes(METHOD = [...], …)`: each plan under its method's key.
    pub(crate) plans: Vec<(Method, Keyed<ScopeList>)>,
    /// `sunsets(METHOD = "YYYY-MM-DD", …)`: each date under its method's key.
    pub(crate) sunsets: Vec<(Method, Keyed<LitStr>)>,
}

impl ClassAst {
    /// Parses the arguments of `#[permission(…)]`, reporting what is malformed to `cx`.
    pub(crate) fn parse(cx: &mut Ctxt, args: TokenStream) -> ClassAst {
        let mut keys: Vec<&'static str> = Method::NAMES.to_vec();
        keys.extend([READONLY_EXCEPTIONS, PLANNED_SCOPES, SUNSETS]);
        let all = args::parse_args(cx, args);
        let args = args::known_unique(cx, &all, &keys, "#[scopegate::permission]");
        let intended = args::intended_keys(&all, &keys);

        let mut class = ClassAst {
            intended,
            methods: Vec::new(),
            declared: Vec::new(),
            exceptions: Vec::new(),
            plans: Vec::new(),
            sunsets: Vec::new(),
        };
        // Written, even malformed or twice: an exception for it needs no "not mapped" error.
        class.declared = all.iter().filter_map(|a| Method::parse(&a.key.to_string())).collect();
        for arg in &args {
            let Some(method) = Method::parse(&arg.key.to_string()) else { continue };
            if let Some(list) = ScopeList::parse(cx, arg) {
                class.methods.push((method, Keyed { key: arg.key.clone(), value: list }));
            }
        }
        if let Some(arg) = args.iter().find(|a| a.key == READONLY_EXCEPTIONS) {
            let shape = ("\"justification\"", "\"why read-only tokens may POST\"");
            class.exceptions = by_method(cx, arg, shape, |cx, arg, _| {
                args::lit_str(cx, arg, "\"why read-only tokens may call this\"")
            });
        }
        if let Some(arg) = args.iter().find(|a| a.key == PLANNED_SCOPES) {
            let shape = ("[...] or all(...)", "[\"org:write\"]");
            class.plans = by_method(cx, arg, shape, |cx, arg, _| ScopeList::parse(cx, arg));
        }
        if let Some(arg) = args.iter().find(|a| a.key == SUNSETS) {
            let shape = ("\"YYYY-MM-DD\"", "\"2027-01-31\"");
            class.sunsets = by_method(cx, arg, shape, args::lit_str);
        }
        class
    }
}

/// `key(POST = value, …)` (`readonly_exceptions`, `planned_scopes`, `sunsets`): each value, parsed
/// by `value`, under its method's key.
/// `shape` names the value in the message (`"justification"`), `example` is one (the value
/// parser's example too).
fn by_method<T>(
    cx: &mut Ctxt,
    arg: &Arg,
    (shape, example): (&str, &str),
    value: impl Fn(&mut Ctxt, &Arg, &str) -> Option<T>,
) -> Vec<(Method, Keyed<T>)> {
    let args::Value::List(group) = &arg.value else {
        cx.error(
            arg.key.span(),
            format!("`{}` takes a list of `METHOD = {shape}`", arg.key),
            format!("write `{}(POST = {example})`", arg.key),
        );
        return Vec::new();
    };
    let nested = args::parse_args(cx, group.stream());
    let what = format!("{}(...)", arg.key);
    let nested = args::known_unique(cx, &nested, &Method::NAMES, &what);
    nested
        .into_iter()
        .filter_map(|ex| {
            let method = Method::parse(&ex.key.to_string())?;
            let parsed = value(cx, ex, example)?;
            Some((method, Keyed { key: ex.key.clone(), value: parsed }))
        })
        .collect()
}

/// An endpoint declaration after the rules about single values (see
/// [`endpoint::expand_with`](crate::endpoint)): `None` where a value is missing or broke a rule,
/// which was reported. The rules across keys read it; the expansion needs every value.
pub(crate) struct Declaration {
    /// See [`EndpointAst::intended`].
    pub(crate) intended: Vec<&'static str>,
    pub(crate) method: Option<(Method, Ident)>,
    pub(crate) path: Option<LitStr>,
    pub(crate) access: Option<Access>,
    pub(crate) readonly_exception: Option<LitStr>,
    pub(crate) owner: Option<LitStr>,
    pub(crate) publish: Option<(Publish, Ident)>,
    pub(crate) gate: Option<Ident>,
    pub(crate) gate_exempt: Option<LitStr>,
    pub(crate) planned: Option<Keyed<ScopeList>>,
    pub(crate) sunset: Option<Keyed<LitStr>>,
}

impl Declaration {
    /// Was `key` given, possibly misspelled or with an invalid value? (The rules across keys stay
    /// quiet about a key whose own mistake was reported already.)
    pub(crate) fn given(&self, key: &str) -> bool {
        self.intended.contains(&key)
    }

    /// The method's name, or `?` when it is missing or invalid (for messages).
    pub(crate) fn method_name(&self) -> &'static str {
        self.method.as_ref().map_or("?", |(m, _)| m.as_str())
    }
}

/// An endpoint's access form with its checked value.
pub(crate) struct Access {
    pub(crate) form: AccessForm,
    pub(crate) value: AccessValue,
}

/// One method of a permission class after the rules: its scopes, the read-only scopes through
/// which read-only credentials meet them (see [`rules::readonly_scopes`](crate::rules::readonly_scopes)),
/// the class-level note, and the plan and sunset of a method with policy debt.
pub(crate) struct ClassEntry {
    pub(crate) method: Method,
    pub(crate) scopes: ScopeList,
    pub(crate) readonly: Vec<LitStr>,
    pub(crate) exception: Option<LitStr>,
    /// The planned policy: stated with `planned_scopes(METHOD = …)`, else the default (see
    /// [`rules::default_plan`](crate::rules::default_plan)) for a method with policy debt.
    pub(crate) planned: Option<ScopeList>,
    pub(crate) sunset: Option<LitStr>,
}
