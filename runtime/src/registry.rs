//! The registry of every endpoint declared with `#[scopegate::endpoint]`, collected via `inventory`.

use std::fmt;
use std::sync::OnceLock;
use std::sync::atomic::AtomicU64;

use crate::config::Config;
use crate::gates::MAX_GATES;
use crate::record::{AccessForm, Endpoint, Method, ScopeMatch};
use crate::router::{Conflict, Params, Router};
use crate::scopes::{ScopeSet, ScopeTable, Window};
use crate::shadow::ShadowLog;

/// A problem found while building a [`Registry`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegistryError {
    /// Two endpoints declare the same method and path.
    Duplicate {
        /// The method both declare.
        method: Method,
        /// The first endpoint's path.
        path: String,
        /// `handler (file:line)` of the first endpoint.
        first: String,
        /// `handler (file:line)` of the second endpoint.
        second: String,
    },
    /// Two path templates the router cannot tell apart (e.g. `/a/{x}/` and `/a/{y}/`).
    Ambiguous {
        /// The method both declare.
        method: Method,
        /// `handler (file:line)` of the endpoint(s) it conflicts with, and the router's explanation.
        detail: String,
        /// `handler (file:line)` of the endpoint that could not be added.
        handler: String,
    },
    /// An endpoint uses a scope the registry's vocabulary does not know.
    UnknownScope {
        /// The scope.
        scope: String,
        /// `handler (file:line)`.
        handler: String,
    },
    /// An endpoint requires `all(...)` of no scope (a record built by other means than the macro,
    /// which refuses it): it would grant every signed-in caller.
    EmptyRequirement {
        /// `handler (file:line)`.
        handler: String,
    },
    /// An endpoint names a gate the registry's configuration does not define.
    UnknownGate {
        /// The gate.
        gate: String,
        /// `handler (file:line)`.
        handler: String,
    },
    /// An endpoint lies in a gated area without the gate or a `gate_exempt` note.
    Ungated {
        /// The gate whose area the path lies in.
        gate: String,
        /// `handler (file:line)`.
        handler: String,
    },
    /// An endpoint's path template breaks the rules `#[endpoint]` enforces (a record built by
    /// other means than the macro).
    InvalidPath {
        /// What is wrong with it.
        detail: String,
        /// `handler (file:line)`.
        handler: String,
    },
    /// The configuration exceeds what the engine supports (more than 1,024 scopes or 64 gates).
    Unsupported {
        /// What is too large.
        detail: String,
    },
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegistryError::Duplicate { method, path, first, second } => {
                write!(f, "{method} {path} is declared twice: by {first} and by {second}")
            }
            RegistryError::Ambiguous { method, detail, handler } => {
                write!(f, "{method} route of {handler} conflicts with another endpoint: {detail}")
            }
            RegistryError::UnknownScope { scope, handler } => write!(
                f,
                "{handler} accepts scope {scope:?}, which the registry's vocabulary does not know \
                 (a crate with its own scopegate.toml builds its registry with `scopegate::registry!()`)"
            ),
            RegistryError::EmptyRequirement { handler } => {
                write!(f, "{handler} requires all of no scope, which would let every signed-in caller in")
            }
            RegistryError::UnknownGate { gate, handler } => {
                write!(f, "{handler} names gate `{gate}`, which the registry's configuration does not define")
            }
            RegistryError::Ungated { gate, handler } => write!(
                f,
                "{handler} lies in the `{gate}` area but is not gated by it; add `gate = {gate}` or `gate_exempt = \"why\"`"
            ),
            RegistryError::InvalidPath { detail, handler } => {
                write!(f, "{handler} has an invalid path: {detail}")
            }
            RegistryError::Unsupported { detail } => write!(f, "unsupported configuration: {detail}"),
        }
    }
}

impl std::error::Error for RegistryError {}

/// Refuses to go on with an invalid registry: a misconfigured service must not start.
#[track_caller]
pub(crate) fn invalid(errors: &[RegistryError]) -> ! {
    let lines: Vec<String> = errors.iter().map(|e| format!("  - {e}")).collect();
    panic!("scopegate registry is invalid:\n{}", lines.join("\n"))
}

/// What a registry needs to know of one path template, computed once per distinct path.
#[derive(Default)]
struct PathFacts {
    path: &'static str,
    /// Why the template is invalid, if it is.
    invalid: Option<String>,
    /// Bit `g`: gate `g` of the configuration covers the path.
    covered: u64,
    /// The template has the configuration's organization parameter.
    organization_scoped: bool,
}

impl PathFacts {
    fn of(config: &Config, path: &'static str) -> PathFacts {
        let covered = config
            .gates()
            .iter()
            .take(MAX_GATES)
            .enumerate()
            .filter(|(_, g)| g.covers(path))
            .fold(0, |mask, (g, _)| mask | 1 << g);
        PathFacts {
            path,
            invalid: scopegate_core::template::check(path).err().map(|e| e.message),
            covered,
            organization_scoped: scopegate_core::template::params(path)
                .any(|p| p == config.organization_param()),
        }
    }
}

fn describe(e: &Endpoint) -> String {
    format!("{} ({})", e.handler(), e.source())
}

/// What the engine precomputes for one endpoint: everything a decision reads of it, in one cache
/// line (a decision then touches one line of the registry per endpoint, which matters once the
/// endpoints outgrow the first-level cache).
#[derive(Debug, Clone, Copy)]
#[repr(align(64))]
pub(crate) struct EndpointPolicy {
    /// The endpoint's record (what an allowed decision returns).
    pub(crate) endpoint: &'static Endpoint,
    /// Who may call the endpoint.
    pub(crate) form: AccessForm,
    /// Any one of the required scopes grants access, or all of them together.
    pub(crate) scope_match: ScopeMatch,
    /// The requirement spans more than 128 bits: its sets are in `Registry::wide`, not in the
    /// window (`at`, `required`, `required_up` are unused).
    pub(crate) wide: bool,
    /// The template names the organization (the configuration's organization parameter).
    pub(crate) organization_scoped: bool,
    /// The endpoint has a planned policy (in `Registry::plans`), evaluated on allowed requests.
    pub(crate) planned: bool,
    /// The word where the window of `required` and `required_up` starts.
    pub(crate) at: u8,
    /// The required scopes (any one, or all), as a window from word `at`.
    pub(crate) required: u128,
    /// Any-of: the scopes whose closure meets `required`: a token without any of them is refused
    /// in one intersection (see `ScopeTable::implying`). All-of: the scopes that imply a required
    /// scope other than themselves (`ScopeTable::strictly_implying`): a token lacking a required
    /// scope and holding none of them is refused in one intersection; empty when there are none
    /// or they do not fit the requirement's window (then each missing scope is looked up).
    pub(crate) required_up: u128,
    /// The same, as declared (what a `missing_scope` denial lists).
    pub(crate) scopes: &'static [&'static str],
    /// Index of the endpoint's gate in `config.gates()`.
    pub(crate) gate: Option<u8>,
}

impl EndpointPolicy {
    /// The policy of `endpoint` requiring `required` (closed upwards: `required_up`), with the
    /// sets that do not fit one window returned beside it, for `Registry::wide`.
    fn new(
        endpoint: &'static Endpoint,
        scope_match: ScopeMatch,
        required: ScopeSet,
        required_up: ScopeSet,
        organization_scoped: bool,
        gate: Option<u8>,
    ) -> (EndpointPolicy, Option<WideRequirement>) {
        let mut policy = EndpointPolicy {
            endpoint,
            form: endpoint.access().form(),
            scope_match,
            wide: true,
            organization_scoped,
            planned: false,
            at: 0,
            required: 0,
            required_up: 0,
            scopes: endpoint.scopes(),
            gate,
        };
        let window = |set: ScopeSet| set.window_start().and_then(|at| u8::try_from(at).ok());
        let mut required_up = required_up;
        let mut window_at = window(required | required_up);
        // All-of's up-set is a shortcut, not the answer: when it widens a requirement that fits a
        // window beyond one, drop it rather than decide out of line.
        if scope_match == ScopeMatch::All
            && window_at.is_none()
            && let Some(at) = window(required)
        {
            window_at = Some(at);
            required_up = ScopeSet::EMPTY;
        }
        match window_at {
            Some(at) => {
                policy.wide = false;
                policy.at = at;
                policy.required = required.window(usize::from(at));
                policy.required_up = required_up.window(usize::from(at));
                (policy, None)
            }
            None => (policy, Some(WideRequirement { required, required_up })),
        }
    }

    /// `required` as a window (for a policy that is not wide), read where it is used.
    #[inline(always)]
    pub(crate) fn required(&self) -> PolicyWindow<'_> {
        PolicyWindow { policy: self, up: false }
    }

    /// `required_up` as a window (for a policy that is not wide), read where it is used.
    #[inline(always)]
    pub(crate) fn required_up(&self) -> PolicyWindow<'_> {
        PolicyWindow { policy: self, up: true }
    }
}

/// One of a policy's windows, read from the policy where the decision uses it rather than
/// copied out first: a decision touches `required_up` only for tokens that lack every required
/// scope themselves, and values loaded early were spilled to the stack (measured with
/// callgrind: `BENCHMARKS.md`, "Any API, second pass").
#[derive(Clone, Copy)]
pub(crate) struct PolicyWindow<'a> {
    policy: &'a EndpointPolicy,
    up: bool,
}

impl PolicyWindow<'_> {
    #[inline(always)]
    fn window(self) -> Window {
        let bits = if self.up { self.policy.required_up } else { self.policy.required };
        Window { at: usize::from(self.policy.at), bits }
    }
}

impl crate::scopes::Mask for PolicyWindow<'_> {
    #[inline(always)]
    fn is_empty(self) -> bool {
        self.window().bits == 0
    }

    #[inline(always)]
    fn meets(self, held: &ScopeSet) -> bool {
        self.window().meets(held)
    }

    #[inline(always)]
    fn meets_both(self, a: &ScopeSet, b: &ScopeSet) -> bool {
        self.window().meets_both(a, b)
    }

    #[inline(always)]
    fn within(self, held: &ScopeSet) -> bool {
        self.window().within(held)
    }

    #[inline]
    fn shared(self, held: &ScopeSet) -> impl Iterator<Item = usize> {
        self.window().shared(held)
    }

    #[inline]
    fn missing(self, held: &ScopeSet) -> impl Iterator<Item = usize> {
        self.window().missing(held)
    }

    #[inline(always)]
    fn all_missing(self, held: &ScopeSet, test: impl FnMut(usize) -> bool) -> bool {
        self.window().all_missing(held, test)
    }

    #[inline(always)]
    fn any_shared(self, held: &ScopeSet, test: impl FnMut(usize) -> bool) -> bool {
        self.window().any_shared(held, test)
    }
}

/// The planned policy of an endpoint with policy debt (see `shadow`): its requirement compiled
/// like the real one, and how many allowed requests it would have denied.
#[derive(Debug)]
pub(crate) struct Plan {
    /// The endpoint's index.
    pub(crate) index: usize,
    pub(crate) policy: EndpointPolicy,
    pub(crate) wide: Option<WideRequirement>,
    pub(crate) would_break: AtomicU64,
}

/// The requirement of an endpoint whose scopes span more than one window (see
/// [`EndpointPolicy::wide`]), kept whole.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WideRequirement {
    pub(crate) required: ScopeSet,
    pub(crate) required_up: ScopeSet,
}

/// What the engine precomputes for one gate: its bypass scopes as masks (empty: no bypass).
#[derive(Debug, Clone, Copy)]
pub(crate) struct GatePolicy {
    pub(crate) org_token_bypass: ScopeSet,
    pub(crate) integration_bypass: ScopeSet,
}

/// Every registered endpoint, sorted by path then method, validated, and indexed for lookup and
/// for the allocation-free [`authorize`](Registry::authorize) decision.
pub struct Registry {
    config: &'static Config,
    endpoints: Vec<&'static Endpoint>,
    pub(crate) policies: Vec<EndpointPolicy>,
    /// The requirements of the wide policies (see [`EndpointPolicy::wide`]), by endpoint index
    /// (sorted).
    pub(crate) wide: Vec<(usize, WideRequirement)>,
    /// The planned policies, by endpoint index (sorted; see [`EndpointPolicy::planned`]).
    pub(crate) plans: Vec<Plan>,
    /// The requests the plans would have denied, on their way to a sink.
    pub(crate) shadow: ShadowLog,
    pub(crate) gates: Vec<GatePolicy>,
    pub(crate) scopes: ScopeTable,
    pub(crate) router: Router,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry").field("endpoints", &self.endpoints.len()).finish_non_exhaustive()
    }
}

static GLOBAL: OnceLock<Result<Registry, Vec<RegistryError>>> = OnceLock::new();

impl Registry {
    /// The registry of every endpoint linked into this binary, with the built-in configuration;
    /// built once, on first use.
    ///
    /// # Panics
    /// When the declarations conflict (see [`Registry::try_global`]), like axum panics on
    /// overlapping routes: a misconfigured service must not start.
    pub fn global() -> &'static Registry {
        match Registry::try_global() {
            Ok(r) => r,
            Err(errors) => invalid(errors),
        }
    }

    /// Like [`Registry::global`], returning the validation errors instead of panicking.
    pub fn try_global() -> Result<&'static Registry, &'static [RegistryError]> {
        GLOBAL
            .get_or_init(|| Registry::from_endpoints(Config::sentry(), inventory::iter::<Endpoint>()))
            .as_ref()
            .map_err(|e| e.as_slice())
    }

    /// Builds a registry from `inventory` with an explicit configuration (e.g. `scopegate::config!()`).
    pub fn with_config(config: &'static Config) -> Result<Registry, Vec<RegistryError>> {
        Registry::from_endpoints(config, inventory::iter::<Endpoint>())
    }

    /// Builds a registry from any set of endpoints (for tests and generated registries).
    pub fn from_endpoints<I>(config: &'static Config, endpoints: I) -> Result<Registry, Vec<RegistryError>>
    where
        I: IntoIterator<Item = &'static Endpoint>,
    {
        let mut endpoints: Vec<&'static Endpoint> = endpoints.into_iter().collect();
        // (path, method, handler) is a total order on distinct records: unstable is deterministic.
        endpoints.sort_unstable_by(|a, b| {
            (a.path(), a.method(), a.handler()).cmp(&(b.path(), b.method(), b.handler()))
        });
        let mut errors = Vec::new();
        for pair in endpoints.windows(2) {
            if pair[0].path() == pair[1].path() && pair[0].method() == pair[1].method() {
                errors.push(RegistryError::Duplicate {
                    method: pair[0].method(),
                    path: pair[0].path().to_string(),
                    first: describe(pair[0]),
                    second: describe(pair[1]),
                });
            }
        }
        let vocab = config.vocabulary();
        let scopes = match ScopeTable::new(vocab) {
            Ok(table) => Some(table),
            Err(detail) => {
                errors.push(RegistryError::Unsupported { detail });
                None
            }
        };
        if config.gates().len() > MAX_GATES {
            errors.push(RegistryError::Unsupported {
                detail: format!(
                    "the configuration defines {} gates; scopegate supports at most {MAX_GATES}",
                    config.gates().len()
                ),
            });
        }
        // One pass: what depends on the path alone is computed once per path (sorted by path, the
        // methods of one route are neighbours), the rest per endpoint.
        let mut facts = PathFacts::default();
        let mut policies = Vec::with_capacity(endpoints.len());
        let mut wide = Vec::new();
        let mut plans = Vec::new();
        for (i, e) in endpoints.iter().enumerate() {
            if i == 0 || facts.path != e.path() {
                facts = PathFacts::of(config, e.path());
            }
            // The macros validate templates; records built by other means are checked here.
            if let Some(detail) = &facts.invalid {
                errors.push(RegistryError::InvalidPath { detail: detail.clone(), handler: describe(e) });
            }
            // The scopes of a requirement as a set, each unknown one an error (once per endpoint:
            // a plan repeats most of the requirement's scopes).
            let parse = |names: &[&'static str], errors: &mut Vec<RegistryError>| {
                let mut set = ScopeSet::EMPTY;
                for scope in names {
                    let known = match scopes.as_ref() {
                        Some(table) => table.index(scope).inspect(|&bit| set = set.with(bit)).is_some(),
                        // No table (the configuration error is reported): the names still are checked.
                        None => vocab.contains(scope),
                    };
                    let unknown =
                        RegistryError::UnknownScope { scope: scope.to_string(), handler: describe(e) };
                    if !known && !errors.contains(&unknown) {
                        errors.push(unknown);
                    }
                }
                set
            };
            let accepted = parse(e.scopes(), &mut errors);
            let gate = match e.gate() {
                Some(name) => match config.gates().iter().position(|d| d.name() == name) {
                    Some(i) => u8::try_from(i).ok(),
                    None => {
                        errors.push(RegistryError::UnknownGate {
                            gate: name.to_string(),
                            handler: describe(e),
                        });
                        None
                    }
                },
                None => None,
            };
            // R5 for records the macros did not check (built at run time, or for another
            // configuration).
            for (g, def) in config.gates().iter().enumerate() {
                let covered = facts.covered & (1 << g) != 0;
                if scopegate_core::gate::is_ungated(covered, def.name(), e.gate(), e.gate_exempt().is_some())
                {
                    errors
                        .push(RegistryError::Ungated { gate: def.name().to_string(), handler: describe(e) });
                }
            }
            if e.scope_match() == Some(ScopeMatch::All) && e.scopes().is_empty() {
                errors.push(RegistryError::EmptyRequirement { handler: describe(e) });
            }
            // Any-of: a token must hold a scope whose closure meets the accepted ones. All-of: a
            // token lacking a required scope must hold one that implies it (then decided scope by
            // scope, `ScopeTable::closure_covers`).
            let implying = |set: ScopeSet, scope_match: ScopeMatch| match (scope_match, scopes.as_ref()) {
                (ScopeMatch::Any, Some(table)) => table.implying(set),
                (ScopeMatch::All, Some(table)) => table.strictly_implying(set),
                (_, None) => ScopeSet::EMPTY,
            };
            let scope_match = e.scope_match().unwrap_or_default();
            let up = implying(accepted, scope_match);
            let organization_scoped = config.has_organizations() && facts.organization_scoped;
            let (mut policy, whole) =
                EndpointPolicy::new(e, scope_match, accepted, up, organization_scoped, gate);
            // The planned policy, evaluated beside the real one (see `shadow`).
            if let Some(plan) = e.planned() {
                if plan.scope_match() == ScopeMatch::All && plan.scopes().is_empty() {
                    errors.push(RegistryError::EmptyRequirement { handler: describe(e) });
                }
                let planned = parse(plan.scopes(), &mut errors);
                let up = implying(planned, plan.scope_match());
                let (plan_policy, plan_wide) =
                    EndpointPolicy::new(e, plan.scope_match(), planned, up, organization_scoped, None);
                policy.planned = true;
                plans.push(Plan {
                    index: i,
                    policy: plan_policy,
                    wide: plan_wide,
                    would_break: AtomicU64::new(0),
                });
            }
            policies.push(policy);
            if let Some(whole) = whole {
                wide.push((i, whole));
            }
        }
        // The router refuses what axum's router (matchit) refuses to mount, across methods: axum
        // keeps one route per template whatever the method, so `GET /a/{x}/` and `PUT /a/{y}/`
        // cannot both be mounted (a property test compares the answers with matchit's).
        let mut router = Router::new();
        if errors.is_empty() {
            let mut previous = None;
            for (i, e) in endpoints.iter().enumerate() {
                let inserted = match previous {
                    // Another method of the route just inserted: no walk.
                    Some(route) => router.add_method(route, e.method(), e.path(), index_u32(i)),
                    None => router.insert(e.method(), e.path(), index_u32(i)),
                };
                let conflict = match inserted {
                    Ok(route) => {
                        previous = Some(route);
                        continue;
                    }
                    Err(conflict) => conflict,
                };
                let other = |i: u32| endpoints.get(i as usize).copied();
                let detail = match conflict {
                    Conflict::SameRoute(o) => {
                        other(o).map(|o| format!("its route is the same as that of {}", describe(o)))
                    }
                    Conflict::SameShape(o) => other(o).map(|o| {
                        format!(
                            "{} declares `{}`, the same route with other parameter names; axum's router \
                             cannot mount both (give the parameters the same names)",
                            describe(o),
                            o.path()
                        )
                    }),
                    Conflict::ParamBesideCatchAll(o) => other(o).map(|o| {
                        format!(
                            "{} declares `{}`: a `{{param}}` and a `{{*catch_all}}` at the same position, \
                             which axum's router cannot mount together",
                            describe(o),
                            o.path()
                        )
                    }),
                };
                errors.push(RegistryError::Ambiguous {
                    method: e.method(),
                    detail: detail.unwrap_or_else(|| "another endpoint has the same route".to_string()),
                    handler: describe(e),
                });
            }
        }
        router.compress();
        let Some(scopes) = scopes.filter(|_| errors.is_empty()) else { return Err(errors) };
        let gates = config
            .gates()
            .iter()
            .map(|g| {
                let bypass = g.bypass();
                GatePolicy {
                    org_token_bypass: scopes.parse(bypass.org_token_scope),
                    integration_bypass: scopes.parse(bypass.integration_scope),
                }
            })
            .collect();
        let shadow = ShadowLog::new();
        Ok(Registry { config, endpoints, policies, wide, plans, shadow, gates, scopes, router })
    }

    /// The configuration (vocabulary and gates) the registry enforces.
    pub fn config(&self) -> &'static Config {
        self.config
    }

    /// Every endpoint, sorted by path then method.
    pub fn endpoints(&self) -> &[&'static Endpoint] {
        &self.endpoints
    }

    /// Iterates over every endpoint, sorted by path then method.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &'static Endpoint> + '_ {
        self.endpoints.iter().copied()
    }

    /// How many endpoints are registered.
    pub fn len(&self) -> usize {
        self.endpoints.len()
    }

    /// `true` when no endpoint is registered.
    pub fn is_empty(&self) -> bool {
        self.endpoints.is_empty()
    }

    /// The endpoint whose handler is `handler` (its full path, e.g. `my_api::dashboards::update`).
    pub fn by_handler(&self, handler: &str) -> Option<&'static Endpoint> {
        self.endpoints.iter().copied().find(|e| e.handler() == handler)
    }

    /// The endpoint that serves `method` on the concrete request `path` (e.g. `/organizations/acme/`).
    ///
    /// Routing follows axum's router (`matchit`): literal segments win over `{param}`s, which win
    /// over a trailing `{*catch_all}`. Allocates nothing.
    pub fn lookup(&self, method: Method, path: &str) -> Option<&'static Endpoint> {
        self.router.find(method, path).and_then(|i| self.endpoints.get(i as usize).copied())
    }

    /// Like [`lookup`](Self::lookup), with the path's `{param}` values and the endpoint's
    /// scopes as a set.
    pub fn route<'p>(&self, method: Method, path: &'p str) -> Option<Route<'p>> {
        let i = self.router.find(method, path)? as usize;
        Some(Route { endpoint: self.endpoints.get(i)?, accepted: self.required_set(i), path })
    }

    /// The required scopes of the endpoint at `i`, as a set.
    fn required_set(&self, i: usize) -> ScopeSet {
        match self.policies.get(i) {
            Some(policy) if !policy.wide => ScopeSet::from_window(usize::from(policy.at), policy.required),
            Some(_) => self.wide_requirement(i).map_or(ScopeSet::EMPTY, |w| w.required),
            None => ScopeSet::EMPTY,
        }
    }

    /// The planned policy of the endpoint at `i`, if it has one.
    pub(crate) fn plan(&self, i: usize) -> Option<&Plan> {
        let at = self.plans.binary_search_by_key(&i, |plan| plan.index).ok()?;
        self.plans.get(at)
    }

    /// The whole requirement of the wide policy at `i`.
    pub(crate) fn wide_requirement(&self, i: usize) -> Option<&WideRequirement> {
        let at = self.wide.binary_search_by_key(&i, |(index, _)| *index).ok()?;
        self.wide.get(at).map(|(_, w)| w)
    }

    /// The template of the endpoints declared on the concrete `path`, whatever their methods.
    #[cfg(feature = "axum")]
    pub(crate) fn template_at(&self, path: &str) -> Option<&'static str> {
        let index = match self.router.resolve(Method::Get, path) {
            crate::router::RouteMatch::Endpoint(i) => i,
            crate::router::RouteMatch::OtherMethods(allow) => {
                allow.iter().find_map(|m| self.router.find(m, path))?
            }
            crate::router::RouteMatch::Nothing => return None,
        };
        self.endpoints().get(index as usize).map(|e| e.path())
    }

    /// The index of `endpoint` in [`endpoints`](Self::endpoints) (compared by identity).
    pub(crate) fn position(&self, endpoint: &Endpoint) -> Option<usize> {
        // (method, path) is unique within a registry: the id of the declaration, if it is this one.
        let i = self.endpoint_id(endpoint.method(), endpoint.path())?.index();
        self.endpoints.get(i).is_some_and(|e| std::ptr::eq(*e, endpoint)).then_some(i)
    }

    /// `true` when `endpoint`'s template names the target organization (the configuration's
    /// [organization parameter](Config::organization_param)): there a membership counts only for
    /// the organization the request targets, and a request without one is never granted through
    /// a membership.
    pub fn is_organization_scoped(&self, endpoint: &Endpoint) -> bool {
        self.position(endpoint).is_some_and(|i| self.policies[i].organization_scoped)
    }

    /// The scopes `endpoint` requires, as a set: any one of them grants access, or all of them
    /// together (see [`Endpoint::scope_match`]). Empty for an endpoint of another registry.
    pub fn accepted_scopes(&self, endpoint: &Endpoint) -> ScopeSet {
        self.position(endpoint).map_or(ScopeSet::EMPTY, |i| self.required_set(i))
    }

    /// Parses scope names (untrusted strings, e.g. a token's stored scope list) into a set of this
    /// registry's vocabulary; unknown names are ignored. Not expanded by the hierarchy.
    ///
    /// ```
    /// let registry = scopegate::Registry::global();
    /// let set = registry.scope_set(["org:write", "org:writ", ""]);
    /// assert_eq!(registry.scope_names(set).collect::<Vec<_>>(), ["org:write"]);
    /// ```
    pub fn scope_set<'a>(&self, names: impl IntoIterator<Item = &'a str>) -> ScopeSet {
        self.scopes.parse(names)
    }

    /// The names of the scopes in `set`, in vocabulary order (bits beyond the vocabulary are skipped).
    pub fn scope_names(&self, set: ScopeSet) -> impl Iterator<Item = &'static str> + '_ {
        set.indices().filter_map(|i| self.scopes.name(i))
    }

    /// `set` closed under the vocabulary's hierarchy (what a token holding `set` holds).
    ///
    /// ```
    /// let registry = scopegate::Registry::global();
    /// let admin = registry.closure(registry.scope_set(["org:admin"]));
    /// assert_eq!(
    ///     registry.scope_names(admin).collect::<Vec<_>>(),
    ///     ["org:read", "org:write", "org:admin", "org:integrations"]
    /// );
    /// ```
    pub fn closure(&self, set: ScopeSet) -> ScopeSet {
        self.scopes.closure(set)
    }

    /// Every scope of the vocabulary.
    pub fn all_scopes(&self) -> ScopeSet {
        *self.scopes.all()
    }
}

fn index_u32(i: usize) -> u32 {
    // A registry holds far fewer than 2^32 endpoints; saturate rather than wrap.
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// A request routed to an endpoint: see [`Registry::route`].
#[derive(Clone, Copy, Debug)]
pub struct Route<'p> {
    endpoint: &'static Endpoint,
    accepted: ScopeSet,
    path: &'p str,
}

impl<'p> Route<'p> {
    /// The endpoint serving the request.
    pub fn endpoint(&self) -> &'static Endpoint {
        self.endpoint
    }

    /// The scopes the endpoint requires (any one, or all: see [`Endpoint::scope_match`]).
    pub fn accepted_scopes(&self) -> ScopeSet {
        self.accepted
    }

    /// The `{param}` values, in template order.
    pub fn params(&self) -> Params<'p> {
        Params::new(self.endpoint.path(), self.path)
    }

    /// The value of the parameter `name`.
    pub fn param(&self, name: &str) -> Option<&'p str> {
        self.params().find(|(n, _)| *n == name).map(|(_, v)| v)
    }
}

/// A base path as `ApiRouter::base_path` and `utoipa::Security::base_path` take it: `None` for
/// none (`""`, `"/"`).
///
/// # Panics
/// When `base` is not literal, does not start with `/` or ends with `/` (a misconfigured service
/// must not start, as axum panics on overlapping routes).
#[cfg_attr(not(any(feature = "axum", feature = "utoipa")), allow(dead_code))]
#[track_caller]
pub(crate) fn base_path(base: &str) -> Option<String> {
    if base.is_empty() || base == "/" {
        return None;
    }
    let valid = base.starts_with('/')
        && !base.ends_with('/')
        && !base.contains(['{', '}', '*', '?', '#'])
        && !base.contains("//");
    assert!(
        valid,
        "scopegate: base path {base:?} must be literal, start with `/` and not end with `/` (e.g. \"/api/0\")"
    );
    Some(base.to_string())
}
