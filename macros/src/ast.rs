//! The attributes' arguments as typed, spanned values. Parsing reports what is wrong with a
//! single value as it reads it (unknown or duplicate keys, values of the wrong shape, and the
//! rules about one value: see [`rules`](crate::rules)); the rules across keys run afterwards, on
//! the parsed declaration.

use proc_macro2::{Ident, TokenStream};
use syn::LitStr;

use scopegate_core::Method;

use crate::args::{self, Arg};
use crate::config::Config;
use crate::ctxt::Ctxt;
use crate::rules;
use crate::symbol::*;

/// How an endpoint decides who may call it.
pub(crate) enum Access {
    /// `scopes = ["org:read", …]`
    Scopes(Vec<LitStr>),
    /// `permission = SomeClass`
    Permission(syn::Path),
    /// `unauthenticated = "why"`
    Unauthenticated(LitStr),
    /// `authenticated = "why"`: any signed-in caller, no scope.
    Authenticated(LitStr),
    /// `superuser = "why"`: active superusers only.
    Superuser(LitStr),
}

/// An `#[endpoint(…)]` declaration; `None` where a value is missing or was reported invalid.
pub(crate) struct EndpointAst {
    /// The keys given (even with an invalid value) or misspelled; see [`args::intended_keys`].
    intended: Vec<&'static str>,
    pub(crate) method: Option<(Method, Ident)>,
    pub(crate) path: Option<LitStr>,
    pub(crate) access: Option<Access>,
    pub(crate) readonly_exception: Option<LitStr>,
    pub(crate) owner: Option<LitStr>,
    /// Index into [`PUBLISH_LEVELS`], and the keyword.
    pub(crate) publish: Option<(usize, Ident)>,
    pub(crate) gate: Option<Ident>,
    pub(crate) gate_exempt: Option<LitStr>,
}

impl EndpointAst {
    /// Parses the arguments of `#[endpoint(…)]`, reporting every mistake to `cx`.
    pub(crate) fn parse(cx: &mut Ctxt, config: &Config, args: TokenStream) -> EndpointAst {
        let all = args::parse_args(cx, args);
        let args = args::known_unique(cx, &all, ENDPOINT_KEYS, "#[scopegate::endpoint]");
        let intended = args::intended_keys(&all, ENDPOINT_KEYS);
        let find = |key: &str| args.iter().copied().find(|a| a.key == key);

        let method = find(METHOD).and_then(|arg| rules::r4_method(cx, arg));
        let path = find(PATH).and_then(|arg| rules::r4_path(cx, arg));
        let access = rules::r4_one_access_form(cx, &args).and_then(|arg| access(cx, config, arg));
        let readonly_exception = find(READONLY_EXCEPTION).and_then(|arg| {
            rules::r2_note_not_blank(
                cx,
                arg,
                "\"why read-only tokens may call this mutation\"",
                "write the justification, or remove `readonly_exception` and the read-only scopes",
            )
        });
        let owner = find(OWNER).and_then(|arg| {
            args::non_blank_str(
                cx,
                arg,
                "\"dashboards\"",
                "name the owning team, e.g. `owner = \"dashboards\"`",
            )
        });
        let publish = find(PUBLISH).and_then(|arg| rules::r4_publish(cx, arg));
        let gate = find(GATE).and_then(|arg| rules::r4_gate(cx, config, arg));
        let gate_exempt = find(GATE_EXEMPT).and_then(|arg| {
            rules::r2_note_not_blank(
                cx,
                arg,
                "\"why this endpoint needs no gate\"",
                "say why the endpoint needs no gate",
            )
        });
        let decl = EndpointAst {
            intended,
            method,
            path,
            access,
            readonly_exception,
            owner,
            publish,
            gate,
            gate_exempt,
        };
        rules::r4_required_keys(cx, &decl);
        decl
    }

    /// Was `key` given, possibly misspelled or with an invalid value? (Checks across keys stay
    /// quiet about a key whose own mistake was reported already.)
    pub(crate) fn given(&self, key: &str) -> bool {
        self.intended.contains(&key)
    }
}

/// The value of the access form `arg` names.
fn access(cx: &mut Ctxt, config: &Config, arg: &Arg) -> Option<Access> {
    Some(match arg.key.to_string().as_str() {
        SCOPES => Access::Scopes(rules::r3_scope_list(cx, config, arg)?),
        PERMISSION => Access::Permission(args::path(cx, arg, "OrganizationPermission")?),
        AUTHENTICATED => Access::Authenticated(rules::r2_note_not_blank(
            cx,
            arg,
            "\"why any signed-in caller may use it\"",
            "say why no scope is needed, e.g. `authenticated = \"every user reads their own profile\"`",
        )?),
        SUPERUSER => Access::Superuser(rules::r2_note_not_blank(
            cx,
            arg,
            "\"why only superusers may use it\"",
            "say why only superusers may call it, e.g. `superuser = \"instance-wide settings\"`",
        )?),
        _ => Access::Unauthenticated(rules::r2_note_not_blank(
            cx,
            arg,
            "\"why no credentials are needed\"",
            "say why the endpoint needs no credentials, e.g. `unauthenticated = \"public health check\"`",
        )?),
    })
}

/// One method of a permission class: its scopes, their read-only subset and the class-level note.
pub(crate) struct ClassEntry {
    pub(crate) method: Method,
    pub(crate) scopes: Vec<LitStr>,
    pub(crate) readonly: Vec<LitStr>,
    pub(crate) exception: Option<LitStr>,
}

/// A `#[permission(GET = [...], …, readonly_exceptions(POST = "…"))]` declaration.
pub(crate) struct ClassAst {
    pub(crate) entries: Vec<ClassEntry>,
}

impl ClassAst {
    /// Parses the arguments of `#[permission(…)]`, reporting every mistake to `cx`.
    pub(crate) fn parse(cx: &mut Ctxt, config: &Config, args: TokenStream) -> ClassAst {
        let mut keys: Vec<&'static str> = Method::NAMES.to_vec();
        keys.push(READONLY_EXCEPTIONS);
        let all = args::parse_args(cx, args);
        let args = args::known_unique(cx, &all, &keys, "#[scopegate::permission]");

        let mut entries: Vec<ClassEntry> = Vec::new();
        let mut exceptions_arg = None;
        for arg in &args {
            let key = arg.key.to_string();
            if key == READONLY_EXCEPTIONS {
                exceptions_arg = Some(*arg);
                continue;
            }
            let Some(method) = Method::parse(&key) else { continue };
            if let Some(scopes) = rules::r3_scope_list(cx, config, arg) {
                let readonly = scopes.iter().filter(|l| config.is_readonly(&l.value())).cloned().collect();
                entries.push(ClassEntry { method, scopes, readonly, exception: None });
            }
        }
        if args.iter().all(|a| a.key == READONLY_EXCEPTIONS) && !cx.has_errors() {
            cx.error(
                proc_macro2::Span::call_site(),
                "the permission class maps no method, so it grants nothing",
                "map methods to scopes, e.g. `GET = [\"org:read\"], POST = [\"org:write\"]`",
            );
        }
        if let Some(arg) = exceptions_arg {
            exceptions(cx, arg, &all, &mut entries);
        }
        ClassAst { entries }
    }
}

/// `readonly_exceptions(POST = "…", …)`: each note goes to its method's entry when R2 allows it.
fn exceptions(cx: &mut Ctxt, arg: &Arg, all: &[Arg], entries: &mut [ClassEntry]) {
    let args::Value::List(group) = &arg.value else {
        cx.error(
            arg.key.span(),
            "`readonly_exceptions` takes a list of `METHOD = \"justification\"`",
            "write `readonly_exceptions(POST = \"why read-only tokens may POST\")`",
        );
        return;
    };
    let nested = args::parse_args(cx, group.stream());
    let nested = args::known_unique(cx, &nested, &Method::NAMES, "readonly_exceptions(...)");
    for ex in nested {
        let name = ex.key.to_string();
        let Some(method) = Method::parse(&name) else { continue };
        let Some(note) = args::lit_str(cx, ex, "\"why read-only tokens may call this\"") else { continue };
        if note.value().trim().is_empty() {
            cx.error(
                note.span(),
                format!("the readonly exception for {name} must not be blank"),
                "write the justification, or remove the exception and the read-only scopes",
            );
            continue;
        }
        let declared = all.iter().any(|a| a.key == name);
        let entry = entries.iter_mut().find(|e| e.method == method);
        let readonly = entry.as_ref().map(|e| e.readonly.as_slice());
        if rules::r2_class_exception_needed(cx, &ex.key, method, declared, readonly)
            && let Some(entry) = entry
        {
            entry.exception = Some(note);
        }
    }
}
