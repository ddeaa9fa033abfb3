//! The records the macros register: endpoints and permission classes.
//!
//! Every value here is `const`-constructible from `&'static` data so that `#[endpoint]` can hand it to
//! `inventory` without running any code at startup.

use std::any::TypeId;
use std::fmt;

pub use scopegate_core::date::Date;
pub use scopegate_core::{AccessForm, Method, Methods, Publish, ScopeMatch};

/// Where a declaration sits in its source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Source {
    /// The file, as `file!()` reports it.
    pub file: &'static str,
    /// The 1-based line of the handler's name.
    pub line: u32,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// The scopes an endpoint (or a permission class's method) requires, and how they are matched:
/// `scopes = ["a", "b"]` accepts any one of them ([`Requirement::any`]), `scopes = all("a", "b")`
/// needs every one ([`Requirement::all`]). The hierarchy applies to the caller's scopes in both.
///
/// ```
/// use scopegate::{Requirement, ScopeMatch};
/// const ATTACH: Requirement = Requirement::all(&["members:read", "administration:write"]);
/// assert_eq!(ATTACH.scope_match(), ScopeMatch::All);
/// assert_eq!(ATTACH.scopes(), &["members:read", "administration:write"]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Requirement {
    // Public for the records `#[endpoint]` writes (a struct literal costs the compiler less than a
    // `const fn` call per handler); read them through the methods.
    #[doc(hidden)]
    pub scopes: &'static [&'static str],
    #[doc(hidden)]
    pub scope_match: ScopeMatch,
}

impl Requirement {
    /// Any one of `scopes` grants access.
    pub const fn any(scopes: &'static [&'static str]) -> Requirement {
        Requirement { scopes, scope_match: ScopeMatch::Any }
    }

    /// Every one of `scopes` is needed.
    pub const fn all(scopes: &'static [&'static str]) -> Requirement {
        Requirement { scopes, scope_match: ScopeMatch::All }
    }

    /// The scopes, as declared.
    pub const fn scopes(self) -> &'static [&'static str] {
        self.scopes
    }

    /// How they are matched.
    pub const fn scope_match(self) -> ScopeMatch {
        self.scope_match
    }
}

/// The scopes a permission class requires for one method.
#[derive(Debug, PartialEq, Eq)]
pub struct MethodScopes {
    method: Method,
    requirement: Requirement,
    readonly: &'static [&'static str],
    readonly_exception: Option<&'static str>,
    planned: Option<Requirement>,
    sunset: Option<&'static str>,
}

impl MethodScopes {
    #[doc(hidden)]
    pub const fn __new(
        method: Method,
        requirement: Requirement,
        readonly: &'static [&'static str],
        readonly_exception: Option<&'static str>,
        planned: Option<Requirement>,
        sunset: Option<&'static str>,
    ) -> Self {
        MethodScopes { method, requirement, readonly, readonly_exception, planned, sunset }
    }

    /// The planned policy of a method with policy debt: `planned_scopes(METHOD = …)` on the class,
    /// else the requirement without its read-only scopes.
    pub const fn planned(&self) -> Option<Requirement> {
        self.planned
    }

    /// `sunsets(METHOD = "YYYY-MM-DD")`: the day the class's read-only exception ends.
    pub fn sunset(&self) -> Option<Date> {
        self.sunset.and_then(Date::parse)
    }

    /// The method this entry is for.
    pub const fn method(&self) -> Method {
        self.method
    }

    /// The scopes and how they are matched.
    pub const fn requirement(&self) -> Requirement {
        self.requirement
    }

    /// The scopes required for the method (any one, or all: see [`requirement`](Self::requirement)).
    pub const fn scopes(&self) -> &'static [&'static str] {
        self.requirement.scopes
    }

    /// The read-only scopes through which read-only credentials meet the requirement, per the
    /// declaring crate's vocabulary: the read-only subset of an any-of list; every scope of an
    /// `all(...)` whose scopes are all read-only, else none (see [`Endpoint::readonly_scopes`]).
    pub const fn readonly_scopes(&self) -> &'static [&'static str] {
        self.readonly
    }

    /// The class-level justification for accepting read-only scopes on this (mutating) method.
    pub const fn readonly_exception(&self) -> Option<&'static str> {
        self.readonly_exception
    }
}

/// A shared per-method scope map declared with `#[scopegate::permission]` (Sentry's `scope_map`).
///
/// A method missing from the map grants nothing.
#[derive(Debug, PartialEq, Eq)]
pub struct PermissionClass {
    name: &'static str,
    module: &'static str,
    methods: &'static [MethodScopes],
}

impl PermissionClass {
    #[doc(hidden)]
    pub const fn __new(name: &'static str, module: &'static str, methods: &'static [MethodScopes]) -> Self {
        PermissionClass { name, module, methods }
    }

    /// The class's type name, e.g. `DashboardsPermission`.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The module that declares the class (`module_path!()`).
    pub const fn module(&self) -> &'static str {
        self.module
    }

    /// Every method entry, in declaration order.
    pub const fn methods(&self) -> &'static [MethodScopes] {
        self.methods
    }

    /// The entry for `method`, if the class maps it.
    pub const fn get(&self, method: Method) -> Option<&'static MethodScopes> {
        let mut i = 0;
        while i < self.methods.len() {
            if self.methods[i].method as usize == method as usize {
                return Some(&self.methods[i]);
            }
            i += 1;
        }
        None
    }
}

/// A type declared with `#[scopegate::permission(...)]`.
///
/// Implemented by the macro; name the type in `#[endpoint(permission = Type)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a scopegate permission class",
    label = "not declared with `#[scopegate::permission(...)]`",
    note = "declare the class with `#[scopegate::permission(GET = [\"org:read\"], ...)] struct {Self};`"
)]
pub trait Permission {
    /// The class's scope map.
    const CLASS: &'static PermissionClass;
}

/// How an endpoint decides who may call it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Access {
    /// `scopes = [...]` (any one of these scopes grants access) or `scopes = all(...)` (every
    /// one is needed).
    Scopes(Requirement),
    /// `permission = Class`: the class's scopes for the endpoint's method.
    Permission(&'static PermissionClass),
    /// `unauthenticated = "why"`: no credentials needed.
    Unauthenticated(&'static str),
    /// `authenticated = "why"`: any signed-in caller, without a scope (Sentry's
    /// `SentryIsAuthenticated`, DRF's `IsAuthenticated`).
    Authenticated(&'static str),
    /// `superuser = "why"`: active superusers only (Sentry's `SuperuserPermission`).
    Superuser(&'static str),
}

impl Access {
    /// The access form, without its value.
    pub const fn form(self) -> AccessForm {
        match self {
            Access::Scopes(_) => AccessForm::Scopes,
            Access::Permission(_) => AccessForm::Permission,
            Access::Unauthenticated(_) => AccessForm::Unauthenticated,
            Access::Authenticated(_) => AccessForm::Authenticated,
            Access::Superuser(_) => AccessForm::Superuser,
        }
    }
}

/// One registered endpoint: everything its `#[scopegate::endpoint]` declared.
///
/// ```
/// # #[scopegate::endpoint(method = GET, path = "/organizations/{org}/", scopes = ["org:read"])]
/// # fn details() {}
/// let registry = scopegate::Registry::global();
/// let e = registry.by_handler(concat!(module_path!(), "::details")).unwrap();
/// assert_eq!(e.path(), "/organizations/{org}/");
/// assert_eq!(e.scopes(), &["org:read"]);
/// assert_eq!(e.scope_match(), Some(scopegate::ScopeMatch::Any));
/// ```
#[derive(Debug, PartialEq, Eq)]
pub struct Endpoint {
    declaration: Declaration,
    /// The hidden type `#[scopegate::endpoint]` declares beside the handler (see [`Declared`]);
    /// `None` for records built at run time.
    carrier: Option<TypeId>,
}

impl Endpoint {
    /// A record that no `#[scopegate::endpoint]` declares (tests, generated APIs): it can be
    /// registered and mounted with `Routes::record`, not named in `routes!`.
    #[doc(hidden)]
    pub const fn __new(declaration: Declaration) -> Self {
        Endpoint { declaration, carrier: None }
    }

    /// What `#[scopegate::endpoint]` registers: the declaration and the [`TypeId`] of the hidden
    /// type that carries it, by which `routes![handler]` finds this record.
    #[doc(hidden)]
    pub const fn __declared(declaration: Declaration, carrier: TypeId) -> Self {
        Endpoint { declaration, carrier: Some(carrier) }
    }

    /// The registered record whose declaration `carrier` carries (see [`Declared`]): looked up in
    /// an index of every `inventory` record, built on first use.
    #[cfg(any(feature = "axum", feature = "utoipa"))]
    pub(crate) fn declared_by(carrier: TypeId) -> Option<&'static Endpoint> {
        use std::collections::HashMap;
        use std::sync::OnceLock;
        static BY_CARRIER: OnceLock<HashMap<TypeId, &'static Endpoint>> = OnceLock::new();
        BY_CARRIER
            .get_or_init(|| inventory::iter::<Endpoint>().filter_map(|e| Some((e.carrier?, e))).collect())
            .get(&carrier)
            .copied()
    }

    /// The hidden type that carries the declaration, for records made by `#[scopegate::endpoint]`.
    #[cfg(feature = "axum")]
    pub(crate) const fn carrier(&self) -> Option<TypeId> {
        self.carrier
    }

    /// The handler's full path, e.g. `my_api::dashboards::update_dashboard`.
    pub const fn handler(&self) -> &'static str {
        self.declaration.handler
    }

    /// The handler's function name (the last segment of [`handler`](Self::handler)).
    pub fn name(&self) -> &'static str {
        self.declaration.handler.rsplit("::").next().unwrap_or(self.declaration.handler)
    }

    /// The declared method.
    pub const fn method(&self) -> Method {
        self.declaration.method
    }

    /// The declared path template, with `{param}` segments.
    pub const fn path(&self) -> &'static str {
        self.declaration.path
    }

    /// How access is decided.
    pub const fn access(&self) -> Access {
        self.declaration.access
    }

    /// The scopes the endpoint requires and how they are matched, written on the endpoint or
    /// its permission class's for this method. `None` for the access forms without scopes
    /// (`unauthenticated`, `authenticated`, `superuser`) and for a class that does not map this
    /// method (which grants nothing).
    pub const fn requirement(&self) -> Option<Requirement> {
        match self.declaration.access {
            Access::Scopes(r) => Some(r),
            Access::Permission(class) => match class.get(self.declaration.method) {
                Some(m) => Some(m.requirement),
                None => None,
            },
            Access::Unauthenticated(_) | Access::Authenticated(_) | Access::Superuser(_) => None,
        }
    }

    /// The scopes that grant access: any one of them, or all of them together (see
    /// [`scope_match`](Self::scope_match)). Empty where [`requirement`](Self::requirement) is `None`.
    pub const fn scopes(&self) -> &'static [&'static str] {
        match self.requirement() {
            Some(r) => r.scopes,
            None => &[],
        }
    }

    /// How [`scopes`](Self::scopes) are matched: `Any` one, or `All`; `None` where there are none.
    pub const fn scope_match(&self) -> Option<ScopeMatch> {
        match self.requirement() {
            Some(r) => Some(r.scope_match),
            None => None,
        }
    }

    /// The read-only scopes through which read-only credentials meet the requirement: the
    /// read-only subset of an any-of list; for `all(...)`, every scope when all are read-only,
    /// else none (a read-only token cannot hold the write scope beside them). Non-empty on a
    /// mutation exactly when the endpoint carries policy debt.
    pub const fn readonly_scopes(&self) -> &'static [&'static str] {
        match self.declaration.access {
            Access::Scopes(_) => self.declaration.readonly,
            Access::Permission(class) => match class.get(self.declaration.method) {
                Some(m) => m.readonly,
                None => &[],
            },
            Access::Unauthenticated(_) | Access::Authenticated(_) | Access::Superuser(_) => &[],
        }
    }

    /// The justification for accepting read-only scopes on a mutation: the endpoint's own note, or
    /// else its permission class's note for this method.
    pub const fn readonly_exception(&self) -> Option<&'static str> {
        if self.declaration.readonly_exception.is_some() {
            return self.declaration.readonly_exception;
        }
        match self.declaration.access {
            Access::Permission(class) => match class.get(self.declaration.method) {
                Some(m) => m.readonly_exception,
                None => None,
            },
            _ => None,
        }
    }

    /// `true` when the endpoint carries policy debt: a mutation that accepts read-only scopes
    /// (justified, or the build would have failed; the test is rule R1's,
    /// `scopegate_core::rules::is_policy_debt`). What the audit counts and the dumps mark.
    pub const fn has_policy_debt(&self) -> bool {
        scopegate_core::rules::is_policy_debt(self.declaration.method, !self.readonly_scopes().is_empty())
    }

    /// The policy that replaces the read-only exception once it is removed (see the guide's
    /// "Paying the debt down"), for an endpoint with policy debt: `planned_scopes = […]` on the
    /// endpoint, else its permission class's plan for the method, else the requirement without its
    /// read-only scopes. `None` for an endpoint without debt.
    ///
    /// ```
    /// #[scopegate::endpoint(
    ///     method = PUT,
    ///     path = "/record-docs/organizations/{org}/dashboards/{id}/",
    ///     scopes = ["org:read", "org:write"],
    ///     readonly_exception = "Members may edit the dashboards they created.",
    ///     sunset = "2027-01-31",
    /// )]
    /// async fn update_dashboard() {}
    ///
    /// let registry = scopegate::Registry::global();
    /// let e = registry.by_handler(concat!(module_path!(), "::update_dashboard")).unwrap();
    /// assert_eq!(e.planned().map(|p| p.scopes()), Some(&["org:write"][..]));
    /// assert_eq!(e.sunset().map(|d| d.to_string()), Some("2027-01-31".to_string()));
    /// ```
    pub const fn planned(&self) -> Option<Requirement> {
        if self.declaration.planned.is_some() {
            return self.declaration.planned;
        }
        match self.declaration.access {
            Access::Permission(class) if self.has_policy_debt() => match class.get(self.declaration.method) {
                Some(m) => m.planned,
                None => None,
            },
            _ => None,
        }
    }

    /// The day the read-only exception ends (`sunset = "YYYY-MM-DD"` beside it, on the endpoint or
    /// for the method on its class): requests that rely on the exception then carry `Deprecation`
    /// and `Sunset` headers, and `audit --strict` fails once it has passed.
    pub fn sunset(&self) -> Option<Date> {
        let text = match (self.declaration.sunset, self.declaration.access) {
            (Some(own), _) => Some(own),
            (None, Access::Permission(class)) if self.has_policy_debt() => {
                class.get(self.declaration.method).and_then(|m| m.sunset)
            }
            _ => None,
        };
        text.and_then(Date::parse)
    }

    /// The permission class, when the endpoint names one.
    pub const fn permission(&self) -> Option<&'static PermissionClass> {
        match self.declaration.access {
            Access::Permission(class) => Some(class),
            _ => None,
        }
    }

    /// The justification of an unauthenticated endpoint.
    pub const fn unauthenticated(&self) -> Option<&'static str> {
        match self.declaration.access {
            Access::Unauthenticated(why) => Some(why),
            _ => None,
        }
    }

    /// The justification of an endpoint open to any signed-in caller without a scope.
    pub const fn authenticated(&self) -> Option<&'static str> {
        match self.declaration.access {
            Access::Authenticated(why) => Some(why),
            _ => None,
        }
    }

    /// The justification of an endpoint reserved to active superusers.
    pub const fn superuser(&self) -> Option<&'static str> {
        match self.declaration.access {
            Access::Superuser(why) => Some(why),
            _ => None,
        }
    }

    /// The endpoint's OpenAPI `security`, meaning what is enforced: alternatives (any one grants
    /// access), each the scopes needed together. One alternative per scope when any one of them
    /// grants access, one holding every scope for `all(...)`, one without a scope for a signed-in
    /// caller (`authenticated`, `superuser`), none for `unauthenticated`.
    ///
    /// ```
    /// # #[scopegate::endpoint(method = GET, path = "/ref/security/{org}/", scopes = ["org:read", "org:write"])]
    /// # fn details() {}
    /// # #[scopegate::endpoint(method = GET, path = "/ref/security/health/", unauthenticated = "probes")]
    /// # fn health() {}
    /// let registry = scopegate::Registry::global();
    /// let details = registry.by_handler(concat!(module_path!(), "::details")).unwrap();
    /// assert_eq!(details.security(), [vec!["org:read"], vec!["org:write"]]);
    /// let health = registry.by_handler(concat!(module_path!(), "::health")).unwrap();
    /// assert!(health.security().is_empty());
    /// ```
    pub fn security(&self) -> Vec<Vec<&'static str>> {
        let (scopes, scope_match) = match self.requirement() {
            Some(r) => (r.scopes, r.scope_match),
            None => (&[][..], ScopeMatch::Any),
        };
        scopegate_core::openapi::security(self.declaration.access.form(), scopes, scope_match)
    }

    /// `true` when the endpoint requires credentials.
    pub const fn requires_credentials(&self) -> bool {
        self.declaration.access.form().needs_credentials()
    }

    /// The team or area that owns the endpoint (`"unowned"` by default).
    pub const fn owner(&self) -> &'static str {
        self.declaration.owner
    }

    /// How widely the endpoint is published.
    pub const fn publish(&self) -> Publish {
        self.declaration.publish
    }

    /// The feature-area gate, e.g. `replay`.
    pub const fn gate(&self) -> Option<&'static str> {
        self.declaration.gate
    }

    /// Why the endpoint lies in a gated area but carries no gate.
    pub const fn gate_exempt(&self) -> Option<&'static str> {
        self.declaration.gate_exempt
    }

    /// Where the handler is declared.
    pub const fn source(&self) -> Source {
        self.declaration.source
    }
}

inventory::collect!(Endpoint);

/// Everything one `#[scopegate::endpoint]` declares, by name: what the macro writes and
/// [`Endpoint::__new`] takes, so that no two values of the same type can be swapped unnoticed.
/// Not a public API.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Declaration {
    pub handler: &'static str,
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    pub readonly: &'static [&'static str],
    pub readonly_exception: Option<&'static str>,
    pub owner: &'static str,
    pub publish: Publish,
    pub gate: Option<&'static str>,
    pub gate_exempt: Option<&'static str>,
    pub planned: Option<Requirement>,
    pub sunset: Option<&'static str>,
    pub source: Source,
}

impl Declaration {
    /// A declaration with what the attribute defaults to for the other keys: no read-only scope,
    /// no note, owner `unowned`, `publish = private`, no gate, no plan, no sunset, an unknown
    /// source. Records built at
    /// run time override what they need: `Declaration { gate: Some("replay"), ..Declaration::new(…) }`.
    pub const fn new(
        handler: &'static str,
        method: Method,
        path: &'static str,
        access: Access,
    ) -> Declaration {
        Declaration {
            handler,
            method,
            path,
            access,
            readonly: &[],
            readonly_exception: None,
            owner: "unowned",
            publish: Publish::Private,
            gate: None,
            gate_exempt: None,
            planned: None,
            sunset: None,
            source: Source { file: "", line: 0 },
        }
    }
}

/// Marks the hidden type `#[scopegate::endpoint]` declares beside a handler, sharing the handler
/// function's name (types and functions live in different namespaces): `scopegate::routes![handler]`
/// names it through the function's own path, so a function without the attribute does not compile
/// there, and finds the handler's record by the type's [`TypeId`], which the record carries.
///
/// A marker rather than a trait with the record as an associated constant: type-checking that
/// constant, read through a projection in each `inventory` static, was the largest cost of the
/// macro's output (`BENCHMARKS.md`, compile time).
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a handler declared with `#[scopegate::endpoint]`",
    label = "not declared with `#[scopegate::endpoint(...)]`",
    note = "`scopegate::routes![…]` mounts functions that carry `#[scopegate::endpoint(method = …, path = …, …)]`"
)]
pub trait Declared {}

#[cfg(all(test, feature = "axum"))]
mod tests {
    use super::*;

    #[crate::endpoint(method = GET, path = "/record-tests/carrier/", unauthenticated = "test")]
    async fn carried() {}

    #[test]
    fn a_declared_handler_is_found_by_its_carrier_and_nothing_else_is() {
        let endpoint = Endpoint::declared_by(TypeId::of::<carried>()).expect("the carrier's record");
        assert_eq!(endpoint.handler(), concat!(module_path!(), "::carried"));
        assert_eq!(endpoint.path(), "/record-tests/carrier/");
        // A type that carries no declaration, and a record built at run time, match nothing.
        assert!(Endpoint::declared_by(TypeId::of::<Endpoint>()).is_none());
        assert_eq!(Endpoint::__new(endpoint.declaration).carrier, None);
        // `routes!` mounts it through the same index.
        let routes: crate::axum::Routes = crate::routes![carried];
        assert_eq!(routes.len(), 1);
    }
}
