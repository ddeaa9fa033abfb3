//! The scope vocabulary and the feature-area gates a registry enforces.
//!
//! The data is produced at compile time by the macros from the crate's `scopegate.toml` (or the
//! built-in Sentry vocabulary), so the runtime and the compile-time checks always agree.

/// A scope vocabulary: the known scopes, which of them are read-only, and the hierarchy.
///
/// `implies` is already transitively closed: each entry lists every scope that a token holding the
/// first scope also holds (not including itself).
///
/// ```
/// let vocab = scopegate::Config::sentry().vocabulary();
/// assert!(vocab.is_readonly("org:read"));
/// assert!(vocab.implied_by("org:admin").contains(&"org:write"));
/// ```
#[derive(Debug, PartialEq, Eq)]
pub struct Vocabulary {
    scopes: &'static [&'static str],
    readonly: &'static [&'static str],
    implies: &'static [(&'static str, &'static [&'static str])],
}

impl Vocabulary {
    #[doc(hidden)]
    pub const fn __new(
        scopes: &'static [&'static str],
        readonly: &'static [&'static str],
        implies: &'static [(&'static str, &'static [&'static str])],
    ) -> Self {
        Vocabulary { scopes, readonly, implies }
    }

    /// Every known scope, in declaration order (this order defines the scope bit positions).
    pub const fn scopes(&self) -> &'static [&'static str] {
        self.scopes
    }

    /// The read-only scopes.
    pub const fn readonly(&self) -> &'static [&'static str] {
        self.readonly
    }

    /// The closed hierarchy: `(scope, every scope it implies)`.
    pub const fn implies(&self) -> &'static [(&'static str, &'static [&'static str])] {
        self.implies
    }

    /// Is `scope` part of the vocabulary?
    pub fn contains(&self, scope: &str) -> bool {
        self.scopes.contains(&scope)
    }

    /// Is `scope` read-only?
    pub fn is_readonly(&self, scope: &str) -> bool {
        self.readonly.contains(&scope)
    }

    /// The scopes a token holding `scope` also holds (closed, excluding `scope` itself).
    pub fn implied_by(&self, scope: &str) -> &'static [&'static str] {
        self.implies.iter().find(|(s, _)| *s == scope).map(|(_, i)| *i).unwrap_or(&[])
    }
}

/// Which principals skip a gate's access list (never its feature flag).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bypass {
    /// An active superuser session bypasses the access list.
    pub active_superuser: bool,
    /// An organization token holding this scope bypasses it.
    pub org_token_scope: Option<&'static str>,
    /// An integration holding this scope bypasses it.
    pub integration_scope: Option<&'static str>,
}

/// A feature-area gate, e.g. session replay.
///
/// ```
/// let replay = scopegate::Config::sentry().gate("replay").unwrap();
/// assert_eq!(replay.feature(), "organizations:session-replay");
/// assert!(replay.has_allowlists());
/// assert_eq!(replay.areas(), &["replays"]);
/// ```
#[derive(Debug, PartialEq, Eq)]
pub struct GateDef {
    name: &'static str,
    feature: &'static str,
    allowlists: bool,
    areas: &'static [&'static str],
    bypass: Bypass,
}

impl GateDef {
    #[doc(hidden)]
    pub const fn __new(
        name: &'static str,
        feature: &'static str,
        allowlists: bool,
        areas: &'static [&'static str],
        bypass: Bypass,
    ) -> Self {
        GateDef { name, feature, allowlists, areas, bypass }
    }

    /// The gate's name as written in `gate = name`.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The organization feature flag that turns the area on, e.g. `organizations:session-replay`.
    pub const fn feature(&self) -> &'static str {
        self.feature
    }

    /// Whether the gate has granular per-user / per-team access lists.
    pub const fn has_allowlists(&self) -> bool {
        self.allowlists
    }

    /// Path segments that place an endpoint in this gate's area (`/replays/` → `replays`).
    pub const fn areas(&self) -> &'static [&'static str] {
        self.areas
    }

    /// Which principals skip the access lists.
    pub const fn bypass(&self) -> Bypass {
        self.bypass
    }

    /// Does `path` (a template or a concrete path) lie in this gate's area?
    pub fn covers(&self, path: &str) -> bool {
        scopegate_core::gate::covers(self.areas, path)
    }
}

/// A crate's policy configuration: its scope vocabulary and its gates.
///
/// [`Config::sentry`] is the built-in default; `scopegate::config!()` expands to the calling crate's
/// `scopegate.toml`.
#[derive(Debug, PartialEq, Eq)]
pub struct Config {
    vocabulary: Vocabulary,
    gates: &'static [GateDef],
    organization_param: &'static str,
    organizations: bool,
}

impl Config {
    #[doc(hidden)]
    pub const fn __new(vocabulary: Vocabulary, gates: &'static [GateDef]) -> Self {
        Config { vocabulary, gates, organization_param: "organization_id_or_slug", organizations: true }
    }

    #[doc(hidden)]
    pub const fn __single_tenant(mut self) -> Self {
        self.organizations = false;
        self
    }

    /// `false` for a single-tenant service (`[tenancy] organizations = false`): there is no
    /// organization to target, so the caller's standing (a [`Membership`](crate::Membership) built
    /// with [`Membership::single_tenant`](crate::Membership::single_tenant)) always counts, an
    /// organization token is a service token (its scopes with the hierarchy, no organization
    /// check), and the gates read the service's one state
    /// ([`OrganizationState::single_tenant`](crate::OrganizationState::single_tenant)).
    ///
    /// ```
    /// assert!(scopegate::Config::sentry().has_organizations());
    /// ```
    pub const fn has_organizations(&self) -> bool {
        self.organizations
    }

    #[doc(hidden)]
    pub const fn __with_organization_param(mut self, param: &'static str) -> Self {
        self.organization_param = param;
        self
    }

    /// The path parameter that names the target organization (`[tenancy] organization_param`;
    /// Sentry's `organization_id_or_slug` by default). An endpoint whose template has it is
    /// organization-scoped: a membership counts there only for the organization the request
    /// targets.
    ///
    /// ```
    /// assert_eq!(scopegate::Config::sentry().organization_param(), "organization_id_or_slug");
    /// ```
    pub const fn organization_param(&self) -> &'static str {
        self.organization_param
    }

    /// The built-in configuration: Sentry's scopes, read-only set and hierarchy, and the `replay` gate.
    pub const fn sentry() -> &'static Config {
        &SENTRY
    }

    /// The scope vocabulary.
    pub const fn vocabulary(&self) -> &Vocabulary {
        &self.vocabulary
    }

    /// Every gate.
    pub const fn gates(&self) -> &'static [GateDef] {
        self.gates
    }

    /// The gate called `name`.
    pub fn gate(&self, name: &str) -> Option<&'static GateDef> {
        self.gates.iter().find(|g| g.name == name)
    }
}

static SENTRY: Config = scopegate_macros::__default_config!();
