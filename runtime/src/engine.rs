//! The enforcement engine: [`Registry::authorize`], the fail-closed decision of one request.

use crate::decision::{AccessRequest, Decision, Denial, Reason};
use crate::gates::{OrganizationState, UnknownGate};
use crate::principal::{Membership, OrganizationId, Principal, TeamId, UserCredential, UserId};
use crate::record::{AccessForm, Endpoint, Method, ScopeMatch};
use crate::registry::{EndpointPolicy, Registry};
use crate::router::RouteMatch;
use crate::scopes::{Mask, ScopeSet};

/// A registered endpoint's position in its [`Registry`], from [`Registry::endpoint_id`]; lets a
/// caller that already routed the request skip the path lookup ([`Registry::authorize_endpoint`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EndpointId(u32);

impl EndpointId {
    /// The position in [`Registry::endpoints`].
    pub(crate) fn index(self) -> usize {
        self.0 as usize
    }
}

impl Registry {
    /// Decides one request, fail-closed, in the order of the design:
    ///
    /// 1. no endpoint is declared on `path` → 404 `endpoint_not_found`; endpoints are, but none for
    ///    `method` → 405 `method_not_allowed` with the declared methods (`HEAD` is decided as `GET`
    ///    where only `GET` is declared, as axum serves it);
    /// 2. the endpoint needs credentials and the principal is anonymous → 401 `no_credentials`;
    /// 3. an organization token or integration outside its own organization → 403
    ///    `wrong_organization`; a user (session or user token, not an active superuser) without a
    ///    membership that counts for the request (see [`Registry::effective_scopes_at`]) → 403
    ///    `no_membership`; the effective scopes (see [`Principal`]) share no scope with the
    ///    endpoint's `scopes = [...]`, or lack one of its `scopes = all(...)` → 403
    ///    `missing_scope`. An `authenticated` endpoint skips the intersection (any
    ///    signed-in principal passes); a `superuser` endpoint passes only an active superuser (else
    ///    403 `superuser_required`);
    /// 4. the endpoint's gate has its feature flag off for the organization, or there is no
    ///    organization → 404 `feature_disabled`;
    /// 5. a gate with allowlists, in granular mode: an active superuser, an organization token or an
    ///    integration holding the gate's bypass scope pass; a non-member → 403 `not_a_member`; an
    ///    empty allowlist → 403 `empty_allowlist`; a member neither on the user allowlist nor in an
    ///    allowed team → 403 `not_on_allowlist`;
    ///
    /// else the request is allowed. The decision allocates nothing and takes no lock; each denial
    /// emits one `tracing` event (target `scopegate`, `debug` for 404 `endpoint_not_found`, 405 and 401,
    /// `info` otherwise) with the fields `status`, `reason`, `method`, `path`, `handler`, `principal`,
    /// `organization` and `gate`.
    ///
    /// ```
    /// use scopegate::{AccessRequest, Membership, Method, OrganizationId, Principal, Registry, UserId};
    ///
    /// #[scopegate::endpoint(method = PUT, path = "/organizations/{org}/settings/", scopes = ["org:write", "org:admin"])]
    /// async fn update_settings() {}
    ///
    /// let registry = Registry::global();
    /// let member = Membership {
    ///     organization: OrganizationId(1),
    ///     role_scopes: registry.scope_set(["org:read", "org:write"]),
    ///     teams: &[],
    /// };
    /// // A session uses the member's role scopes.
    /// let alice = Principal::session(UserId(1));
    /// let request = AccessRequest::new(Method::Put, "/organizations/acme/settings/", &alice)
    ///     .with_membership(&member);
    /// assert!(registry.authorize(&request).is_allowed());
    ///
    /// // A user token holding only org:read is limited to it, whatever the role.
    /// let token = Principal::user_token(UserId(1), registry.scope_set(["org:read"]));
    /// let request = AccessRequest { principal: &token, ..request };
    /// let denial = *registry.authorize(&request).denial().unwrap();
    /// assert_eq!((denial.status, denial.reason.code()), (403, "missing_scope"));
    /// assert_eq!(
    ///     denial.to_json(),
    ///     r#"{"status":403,"error":"missing_scope","detail":"Your credentials hold none of the scopes this endpoint accepts.","accepted_scopes":["org:write","org:admin"],"scope_match":"any"}"#
    /// );
    ///
    /// let nobody = Principal::Anonymous;
    /// let request = AccessRequest::new(Method::Put, "/organizations/acme/settings/", &nobody);
    /// assert_eq!(registry.authorize(&request).status(), 401);
    /// let request = AccessRequest::new(Method::Get, "/organizations/acme/settings/", &nobody);
    /// let denial = *registry.authorize(&request).denial().unwrap();
    /// assert_eq!((denial.status, denial.reason.code()), (405, "method_not_allowed"));
    /// assert_eq!(denial.to_json(), r#"{"status":405,"error":"method_not_allowed","detail":"The resource does not support this method.","allow":["PUT"]}"#);
    /// let request = AccessRequest::new(Method::Get, "/organizations/acme/nothing/", &nobody);
    /// assert_eq!(registry.authorize(&request).code(), "endpoint_not_found");
    /// ```
    pub fn authorize(&self, request: &AccessRequest<'_>) -> Decision {
        match self.router.resolve(request.method, request.path) {
            RouteMatch::Endpoint(index) => self.decide(index as usize, request),
            RouteMatch::OtherMethods(allow) => self.deny(request, None, Reason::MethodNotAllowed { allow }),
            RouteMatch::Nothing => self.deny(request, None, Reason::EndpointNotFound),
        }
    }

    /// Decides a request for an endpoint the caller has already routed, skipping step 1's path
    /// lookup: for a web framework whose router matched the route (the axum layer uses it with
    /// the `MatchedPath` axum found). `request.method` and `request.path` then only label the
    /// tracing event. An id of another registry is answered 404 `endpoint_not_found`.
    ///
    /// ```
    /// use scopegate::{AccessRequest, Method, Principal, Registry};
    ///
    /// #[scopegate::endpoint(method = GET, path = "/status/{component}/", unauthenticated = "public status page")]
    /// async fn component_status() {}
    ///
    /// let registry = Registry::global();
    /// let id = registry.endpoint_id(Method::Get, "/status/{component}/").unwrap();
    /// let anonymous = Principal::Anonymous;
    /// let request = AccessRequest::new(Method::Get, "/status/api/", &anonymous);
    /// assert!(registry.authorize_endpoint(id, &request).is_allowed());
    /// ```
    pub fn authorize_endpoint(&self, id: EndpointId, request: &AccessRequest<'_>) -> Decision {
        self.decide(id.index(), request)
    }

    /// The id of the endpoint declared with exactly this method and path template (no routing:
    /// `{param}` segments must match the declaration's names).
    pub fn endpoint_id(&self, method: Method, template: &str) -> Option<EndpointId> {
        let is_it = |e: &&'static Endpoint| e.path() == template && e.method() == method;
        let routed = self.router.find(method, template).map(|i| i as usize);
        let index = routed
            .filter(|&i| self.endpoints().get(i).is_some_and(is_it))
            // A registry built from unchecked records may hold templates the router cannot
            // reach by their own text; look those up one by one.
            .or_else(|| self.endpoints().iter().position(is_it))?;
        Some(EndpointId(u32::try_from(index).ok()?))
    }

    /// The endpoint an id stands for (`None` for an id of another, larger registry).
    pub fn endpoint(&self, id: EndpointId) -> Option<&'static Endpoint> {
        self.endpoints().get(id.index()).copied()
    }

    /// Steps 2 to 5 for the endpoint at `index`.
    fn decide(&self, index: usize, request: &AccessRequest<'_>) -> Decision {
        let Some(policy) = self.policies.get(index) else {
            return self.deny(request, None, Reason::EndpointNotFound);
        };
        let endpoint = policy.endpoint;
        let target = request.organization.map(|o| o.id());
        let tenants = self.config().has_organizations();
        let member = self.counted_membership(request, policy.organization_scoped);

        if policy.form.needs_credentials() && request.principal.is_anonymous() {
            return self.deny(request, Some(endpoint), Reason::NoCredentials);
        }
        match policy.form {
            AccessForm::Unauthenticated | AccessForm::Authenticated => {}
            AccessForm::Superuser => {
                if !matches!(request.principal, Principal::User { active_superuser: true, .. }) {
                    return self.deny(request, Some(endpoint), Reason::SuperuserRequired);
                }
            }
            AccessForm::Scopes | AccessForm::Permission => {
                let granted = if policy.wide {
                    self.grants_wide(request, policy, self.wide_requirement(index))
                } else {
                    self.grants(Standing { principal: request.principal, member, target, tenants }, policy)
                };
                match granted {
                    Ok(true) => {}
                    Ok(false) => {
                        let reason =
                            Reason::MissingScope { accepted: policy.scopes, scope_match: policy.scope_match };
                        return self.deny(request, Some(endpoint), reason);
                    }
                    Err(no) => return self.deny(request, Some(endpoint), no.into()),
                }
            }
        }

        if let Some(gate) = policy.gate
            && let Err(reason) = self.check_gate(usize::from(gate), request, member)
        {
            return self.deny(request, Some(endpoint), reason);
        }
        if policy.planned {
            self.shadow_evaluate(index, request);
        }
        Decision::Allow(endpoint)
    }

    /// An allowed request to an endpoint with a planned policy: evaluates the plan, and records
    /// the request when the plan would deny it (see [`shadow`](crate::shadow)). Out of line: only
    /// endpoints with policy debt have a plan.
    #[cold]
    #[inline(never)]
    fn shadow_evaluate(&self, index: usize, request: &AccessRequest<'_>) {
        let Some(plan) = self.plan(index) else { return };
        if !self.plan_grants(plan, request) {
            plan.would_break.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            self.shadow.record(index, request.principal, request.organization.map(|o| o.id()));
        }
    }

    /// Does the planned policy grant the request step 3?
    fn plan_grants(&self, plan: &crate::registry::Plan, request: &AccessRequest<'_>) -> bool {
        let policy = &plan.policy;
        let granted = match &plan.wide {
            Some(wide) => self.grants_wide(request, policy, Some(wide)),
            None => self.grants(self.standing(request, policy.organization_scoped), policy),
        };
        granted == Ok(true)
    }

    /// `true` when `request`, which the endpoint's current policy allows, relies on its read-only
    /// exception: the endpoint's planned policy would deny it. What the axum layer answers with
    /// `Deprecation` and `Sunset` headers on an endpoint with a `sunset`. `false` for an endpoint
    /// without a plan (or of another registry).
    pub fn relies_on_exception(&self, endpoint: &Endpoint, request: &AccessRequest<'_>) -> bool {
        let Some(plan) = self.position(endpoint).and_then(|i| self.plan(i)) else { return false };
        !self.plan_grants(plan, request)
    }

    /// The standing step 3 reads, from the request.
    fn standing<'a>(&self, request: &AccessRequest<'a>, organization_scoped: bool) -> Standing<'a> {
        Standing {
            principal: request.principal,
            member: self.counted_membership(request, organization_scoped),
            target: request.organization.map(|o| o.id()),
            tenants: self.config().has_organizations(),
        }
    }

    /// The scopes the request's principal holds in the target organization, by the rules of
    /// [`Principal`]: what step 3 of [`authorize`](Self::authorize) intersects with the endpoint's
    /// scopes, for handlers that make finer, object-level checks. Empty for an anonymous caller and
    /// for an organization token or integration outside its organization. The request's method and
    /// path are not used.
    ///
    /// ```
    /// use scopegate::{AccessRequest, Membership, Method, OrganizationId, Principal, Registry, UserId};
    /// let registry = Registry::global();
    /// let member = Membership {
    ///     organization: OrganizationId(1),
    ///     role_scopes: registry.scope_set(["org:read", "project:read", "project:write"]),
    ///     teams: &[],
    /// };
    /// let token = Principal::user_token(UserId(1), registry.scope_set(["project:admin"]));
    /// let request = AccessRequest::new(Method::Get, "/", &token).with_membership(&member);
    /// let held = registry.effective_scopes(&request);
    /// assert_eq!(registry.scope_names(held).collect::<Vec<_>>(), ["project:read", "project:write"]);
    /// ```
    pub fn effective_scopes(&self, request: &AccessRequest<'_>) -> ScopeSet {
        self.effective_scopes_with(request, false)
    }

    /// [`effective_scopes`](Self::effective_scopes) on `endpoint`, whose tenancy decides whether a
    /// membership counts without a target organization (see [`Registry::is_organization_scoped`]):
    /// exactly what step 3 of the decision for that endpoint intersects.
    pub fn effective_scopes_at(&self, endpoint: &Endpoint, request: &AccessRequest<'_>) -> ScopeSet {
        self.effective_scopes_with(request, self.is_organization_scoped(endpoint))
    }

    fn effective_scopes_with(&self, request: &AccessRequest<'_>, organization_scoped: bool) -> ScopeSet {
        self.effective(self.standing(request, organization_scoped)).unwrap_or(ScopeSet::EMPTY)
    }

    /// The request's membership, if it counts: a membership of another organization than the
    /// target counts as none; on an organization-scoped endpoint, so does any membership when the
    /// request names no organization (a resolver that forgot the organization grants nothing);
    /// without organizations (a single-tenant configuration) the caller's standing always counts.
    fn counted_membership<'a>(
        &self,
        request: &AccessRequest<'a>,
        organization_scoped: bool,
    ) -> Option<&'a Membership<'a>> {
        let target = request.organization.map(|o| o.id());
        let tenants = self.config().has_organizations();
        request.membership.filter(|m| match target {
            _ if !tenants => true,
            Some(t) => t == m.organization,
            None => !organization_scoped,
        })
    }

    /// Step 3 for an endpoint that requires scopes: do the effective scopes (see
    /// [`effective`](Self::effective)) meet the requirement (any-of: share a scope with it;
    /// all-of: hold all of it)? `Err` for a caller who holds none by standing: an organization
    /// token outside its organization, a user without a membership that counts. Decided without
    /// computing them: the hierarchy is followed from the few required scopes back to the held
    /// ones. It restates the rules of `effective` on the hot path (sharing one function
    /// measurably slowed the allowed decision); the test
    /// `grants_is_effective_scopes_meeting_the_requirement` holds them equal.
    #[inline]
    fn grants(&self, standing: Standing<'_>, policy: &EndpointPolicy) -> Result<bool, NoStanding> {
        match policy.scope_match {
            ScopeMatch::Any => self.grants_any(standing, policy.required(), policy.required_up()),
            ScopeMatch::All => self.grants_all(standing, policy.required(), policy.required_up()),
        }
    }

    /// [`grants`](Self::grants) for a requirement kept whole (a large vocabulary's scopes more
    /// than 128 bits apart): out of line, as few endpoints have one, and from the request (so that
    /// the common path keeps its standing in registers).
    #[cold]
    #[inline(never)]
    fn grants_wide(
        &self,
        request: &AccessRequest<'_>,
        policy: &EndpointPolicy,
        wide: Option<&crate::registry::WideRequirement>,
    ) -> Result<bool, NoStanding> {
        // A wide policy always has its sets (the registry stores both together); fail closed.
        let Some(wide) = wide else { return Ok(false) };
        let standing = self.standing(request, policy.organization_scoped);
        match policy.scope_match {
            ScopeMatch::Any => self.grants_any(standing, &wide.required, &wide.required_up),
            ScopeMatch::All => self.grants_all(standing, &wide.required, &wide.required_up),
        }
    }

    /// Any-of: `effective ∩ accepted ≠ ∅`; `accepted_up` is every scope whose closure meets
    /// `accepted`.
    #[inline(always)]
    fn grants_any(
        &self,
        standing: Standing<'_>,
        accepted: impl Mask,
        accepted_up: impl Mask,
    ) -> Result<bool, NoStanding> {
        Ok(match standing.principal {
            Principal::Anonymous => false,
            Principal::User { active_superuser: true, .. } => accepted.meets(self.scopes.all()),
            Principal::User { credential, .. } => match (credential, standing.member) {
                // No standing here: no scope at all. Say so, rather than list scopes the
                // credentials may well hold.
                (_, None) => return Err(NoStanding::NoMembership),
                (UserCredential::Session, Some(m)) => accepted.meets(&m.role_scopes),
                // closure(token) ∩ role ∩ accepted ≠ ∅: impossible unless the token holds a scope
                // whose closure meets `accepted` (one intersection refuses most tokens).
                (UserCredential::Token { scopes }, Some(m)) => {
                    accepted.meets_both(&m.role_scopes, scopes)
                        || (accepted_up.meets(scopes)
                            && self.closure_meets_shared(scopes, accepted, &m.role_scopes))
                }
            },
            Principal::OrgToken { organization, scopes }
            | Principal::Integration { organization, scopes } => {
                standing.own(*organization)?;
                // closure(scopes) ∩ accepted ≠ ∅, exactly.
                accepted_up.meets(scopes)
            }
        })
    }

    /// `closure(held) ∩ accepted ∩ role ≠ ∅` for a token that holds none of `accepted ∩ role`
    /// itself: some scope of `accepted ∩ role` is implied by one the token holds. Out of line: a
    /// token usually holds an accepted scope directly.
    #[inline(never)]
    fn closure_meets_shared(&self, held: &ScopeSet, accepted: impl Mask, role: &ScopeSet) -> bool {
        accepted.any_shared(role, |i| self.scopes.closure_holds(held, i))
    }

    /// All-of: `effective ⊇ required`; `implying`: the scopes that imply a required scope other
    /// than themselves (or empty: unknown).
    #[inline(always)]
    fn grants_all(
        &self,
        standing: Standing<'_>,
        required: impl Mask,
        implying: impl Mask,
    ) -> Result<bool, NoStanding> {
        Ok(match standing.principal {
            Principal::Anonymous => false,
            Principal::User { active_superuser: true, .. } => required.within(self.scopes.all()),
            Principal::User { credential, .. } => match (credential, standing.member) {
                (_, None) => return Err(NoStanding::NoMembership),
                (UserCredential::Session, Some(m)) => required.within(&m.role_scopes),
                // closure(token) ∩ role ⊇ required: the role holds all of it, and so does the
                // token's closure.
                (UserCredential::Token { scopes }, Some(m)) => {
                    required.within(&m.role_scopes) && self.scopes.closure_covers(scopes, required, implying)
                }
            },
            Principal::OrgToken { organization, scopes }
            | Principal::Integration { organization, scopes } => {
                standing.own(*organization)?;
                self.scopes.closure_covers(scopes, required, implying)
            }
        })
    }

    /// Step 3's effective scopes, or `WrongOrganization`. Without organizations (`tenants` false)
    /// an organization token is a service token: no organization to be outside of.
    fn effective(&self, standing: Standing<'_>) -> Result<ScopeSet, NoStanding> {
        Ok(match standing.principal {
            Principal::Anonymous => ScopeSet::EMPTY,
            Principal::User { active_superuser: true, .. } => *self.scopes.all(),
            Principal::User { credential, .. } => match (credential, standing.member) {
                (_, None) => ScopeSet::EMPTY,
                (UserCredential::Session, Some(m)) => m.role_scopes,
                (UserCredential::Token { scopes }, Some(m)) => {
                    self.scopes.closure(*scopes).intersection(m.role_scopes)
                }
            },
            Principal::OrgToken { organization, scopes }
            | Principal::Integration { organization, scopes } => {
                standing.own(*organization)?;
                self.scopes.closure(*scopes)
            }
        })
    }

    /// A gate rollout preview: among `users` — the members who used the gate's area recently,
    /// with their teams — those the gate would refuse if the organization's state were
    /// `proposed` (granular mode turned on, an allowlist shrunk), each with the reason. Members
    /// are judged as signed-in users (sessions): a superuser or a token that bypasses the gate
    /// is not a member losing access.
    ///
    /// ```
    /// use scopegate::{OrganizationId, OrganizationState, Registry, TeamId, UserId};
    /// let registry = Registry::global();
    /// let proposed = OrganizationState::builder(registry.config(), OrganizationId(1))
    ///     .feature("organizations:session-replay", true)
    ///     .granular("replay", true)
    ///     .allow_users("replay", [UserId(1)])
    ///     .allow_teams("replay", [TeamId(10)])
    ///     .build();
    /// let used: [(UserId, &[TeamId]); 3] = [(UserId(1), &[]), (UserId(2), &[TeamId(10)]), (UserId(3), &[TeamId(11)])];
    /// let losing = registry.gate_preview("replay", &proposed, used).unwrap();
    /// assert_eq!(losing.iter().map(|(u, r)| (*u, r.code())).collect::<Vec<_>>(), [(UserId(3), "not_on_allowlist")]);
    /// ```
    pub fn gate_preview<'t>(
        &self,
        gate: &str,
        proposed: &OrganizationState,
        users: impl IntoIterator<Item = (UserId, &'t [TeamId])>,
    ) -> Result<Vec<(UserId, Reason)>, UnknownGate> {
        let index = self
            .config()
            .gates()
            .iter()
            .position(|g| g.name() == gate)
            .ok_or_else(|| UnknownGate(gate.to_string()))?;
        let mut losing = Vec::new();
        for (user, teams) in users {
            let principal = Principal::session(user);
            let member = Membership { organization: proposed.id(), role_scopes: ScopeSet::EMPTY, teams };
            let request = AccessRequest::new(Method::Get, "", &principal)
                .with_membership(&member)
                .with_organization(proposed);
            if let Err(reason) = self.check_gate(index, &request, Some(&member)) {
                losing.push((user, reason));
            }
        }
        Ok(losing)
    }

    /// Steps 4 and 5: the gate's feature flag, then its allowlists. Kept out of line: most
    /// endpoints have no gate, and inlined it made every decision save more registers.
    #[inline(never)]
    fn check_gate(
        &self,
        gate: usize,
        request: &AccessRequest<'_>,
        member: Option<&Membership<'_>>,
    ) -> Result<(), Reason> {
        let gates = self.config().gates();
        let (Some(def), Some(policy)) = (gates.get(gate), self.gates.get(gate)) else {
            // The registry only compiles gates it knows; fail closed regardless.
            return Err(Reason::FeatureDisabled { gate: "", feature: "" });
        };
        let disabled = Reason::FeatureDisabled { gate: def.name(), feature: def.feature() };
        let Some(org) = request.organization else { return Err(disabled) };
        let view = org.view(gates, gate);
        if !view.feature {
            return Err(disabled);
        }
        if !def.has_allowlists() || !view.granular {
            return Ok(());
        }
        let bypass = def.bypass();
        // A token bypasses only in its own organization (any, without organizations).
        let own =
            |organization: OrganizationId| organization == org.id() || !self.config().has_organizations();
        let bypassed = match request.principal {
            Principal::User { active_superuser, .. } => *active_superuser && bypass.active_superuser,
            Principal::OrgToken { organization, scopes } => {
                own(*organization) && self.scopes.closure_meets(scopes, &policy.org_token_bypass)
            }
            Principal::Integration { organization, scopes } => {
                own(*organization) && self.scopes.closure_meets(scopes, &policy.integration_bypass)
            }
            Principal::Anonymous => false,
        };
        if bypassed {
            return Ok(());
        }
        let (Principal::User { id, .. }, Some(member)) = (*request.principal, member) else {
            return Err(Reason::NotAMember { gate: def.name() });
        };
        if view.users.is_empty() && view.teams.is_empty() {
            return Err(Reason::EmptyAllowlist { gate: def.name() });
        }
        if view.users.binary_search(&id).is_ok()
            || member.teams.iter().any(|team| view.teams.binary_search(team).is_ok())
        {
            return Ok(());
        }
        Err(Reason::NotOnAllowlist { gate: def.name() })
    }

    /// Builds the denial and emits its tracing event. The event is emitted out of line, and only
    /// when some subscriber may want it: with none (or its levels off), a denial costs two level
    /// comparisons. Inlined, the denial is built in the caller's return slot rather than passed
    /// and copied through memory (that copy stalled on store forwarding: most of a denial's time).
    #[inline(always)]
    fn deny(
        &self,
        request: &AccessRequest<'_>,
        endpoint: Option<&'static Endpoint>,
        reason: Reason,
    ) -> Decision {
        // Built where it is returned, then traced from there.
        let decision = Decision::Deny(Denial::new(reason, endpoint));
        // `info` is the least verbose level a denial is logged at: below it, no event is wanted.
        if tracing::Level::INFO <= tracing::level_filters::STATIC_MAX_LEVEL
            && tracing::Level::INFO <= tracing::level_filters::LevelFilter::current()
            && let Decision::Deny(denial) = &decision
        {
            trace_denial(request, denial);
        }
        decision
    }
}

/// Who asks, as step 3 reads it: the principal, the membership that counts for the request (see
/// `counted_membership`), the target organization and whether the configuration has
/// organizations at all.
/// Why a caller holds no scope at all on the request (step 3's denials other than a missing
/// scope): a value without data, so that step 3's answer fits a register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NoStanding {
    /// A user without a membership that counts.
    NoMembership,
    /// An organization token or integration outside its organization.
    WrongOrganization,
}

impl From<NoStanding> for Reason {
    fn from(no: NoStanding) -> Reason {
        match no {
            NoStanding::NoMembership => Reason::NoMembership,
            NoStanding::WrongOrganization => Reason::WrongOrganization,
        }
    }
}

#[derive(Clone, Copy)]
struct Standing<'a> {
    principal: &'a Principal,
    member: Option<&'a Membership<'a>>,
    target: Option<OrganizationId>,
    tenants: bool,
}

impl Standing<'_> {
    /// An organization token or integration counts only inside its own organization; without
    /// organizations (`tenants` false) it is a service token, with no organization to be outside of.
    #[inline(always)]
    fn own(&self, organization: OrganizationId) -> Result<(), NoStanding> {
        if self.tenants && self.target != Some(organization) {
            return Err(NoStanding::WrongOrganization);
        }
        Ok(())
    }
}

/// The tracing event of a denial: one event, at `debug` for what scanners and anonymous probes
/// cause all day, else `info` (the level of a `tracing` event must be a constant, hence the two
/// expansions), with the fields `status`, `reason`, `method`, `path`, `handler`, `principal`,
/// `organization` and `gate`, computed only when the event is enabled.
#[cold]
#[inline(never)]
fn trace_denial(request: &AccessRequest<'_>, denial: &Denial) {
    let reason = denial.reason;
    macro_rules! denied {
        ($level:expr) => {
            tracing::event!(
                target: "scopegate",
                $level,
                status = denial.status,
                reason = reason.code(),
                method = request.method.as_str(),
                path = request.path,
                handler = denial.endpoint.map(Endpoint::handler),
                principal = request.principal.kind(),
                organization = request.organization.map(|o| o.id().0),
                gate = reason.gate(),
                "request denied"
            )
        };
    }
    match reason {
        Reason::EndpointNotFound | Reason::MethodNotAllowed { .. } | Reason::NoCredentials => {
            denied!(tracing::Level::DEBUG)
        }
        _ => denied!(tracing::Level::INFO),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::principal::UserId;
    use crate::registry::EndpointPolicy;
    use crate::scopes::Window;
    use crate::{Config, Registry};
    use proptest::prelude::*;

    /// A few scopes of the vocabulary, as tokens hold and endpoints require.
    fn sparse(all: ScopeSet) -> impl Strategy<Value = ScopeSet> {
        let n = all.len();
        prop::collection::vec(0..n, 0..5).prop_map(|indices| indices.into_iter().collect())
    }

    proptest! {
        /// The decision's shortcut (`grants`, on the hot path) and the statement of who holds what
        /// (`effective`, behind `effective_scopes`) are two readings of the same rules: they may
        /// not drift apart, for any principal, membership, target and requirement, any-of or
        /// all-of, kept as a window or whole.
        #[test]
        fn grants_is_effective_scopes_meeting_the_requirement(
            kind in 0..6u8,
            (held, required, role_dense) in (sparse(*Registry::from_endpoints(Config::sentry(), Vec::new()).expect("empty").scopes.all()),
                sparse(*Registry::from_endpoints(Config::sentry(), Vec::new()).expect("empty").scopes.all()),
                any::<[u64; 16]>()),
            role_from_required in any::<bool>(),
            all_of in any::<bool>(),
            whole in any::<bool>(),
            member_of in prop::option::of(1..3u128),
            principal_org in 1..3u128,
            target in prop::option::of(1..3u128),
            tenants in any::<bool>(),
        ) {
            let registry = Registry::from_endpoints(Config::sentry(), Vec::new()).expect("an empty registry");
            let all = *registry.scopes.all();
            // A role that holds the requirement (and more), or a random one.
            let role = if role_from_required { required | held } else { ScopeSet::from_words(role_dense) & all };
            let principal = match kind {
                0 => Principal::Anonymous,
                1 => Principal::session(UserId(1)),
                2 => Principal::user_token(UserId(1), held),
                3 => Principal::active_superuser(UserId(1)),
                4 => Principal::org_token(OrganizationId(principal_org), held),
                _ => Principal::integration(OrganizationId(principal_org), held),
            };
            let membership = member_of.map(|o| Membership { organization: OrganizationId(o), role_scopes: role, teams: &[] });
            let standing = Standing {
                principal: &principal,
                member: membership.as_ref(),
                target: target.map(OrganizationId),
                tenants,
            };
            // A registry refuses an empty `all()` (`RegistryError::EmptyRequirement`).
            prop_assume!(!(all_of && required.is_empty()));
            // As the registry compiles them: any-of's up-set, all-of's strict one.
            let up = if all_of {
                registry.scopes.strictly_implying(required)
            } else {
                registry.scopes.implying(required)
            };
            let at = (required | up).window_start().expect("a vocabulary of 27 scopes fits one window");
            let (window, window_up) = (Window { at, bits: required.window(at) }, Window { at, bits: up.window(at) });
            let granted = match (all_of, whole) {
                (false, false) => registry.grants_any(standing, window, window_up),
                (false, true) => registry.grants_any(standing, &required, &up),
                (true, false) => registry.grants_all(standing, window, window_up),
                (true, true) => registry.grants_all(standing, &required, &up),
            };
            let effective = registry.effective(standing);
            // `grants` names a user without standing (`NoMembership`), to whom `effective` gives
            // no scope; exactly those users.
            let no_standing = matches!(principal, Principal::User { active_superuser: false, .. })
                && membership.is_none();
            prop_assert_eq!(granted == Err(NoStanding::NoMembership), no_standing);
            let granted = granted.or_else(|r| if r == NoStanding::NoMembership { Ok(false) } else { Err(r) });
            let expected = effective.map(|e| if all_of { e.is_superset(required) } else { e.contains_any(required) });
            prop_assert_eq!(granted, expected);
        }
    }

    #[test]
    fn a_policy_keeps_its_requirement_in_one_cache_line() {
        assert_eq!(std::mem::size_of::<EndpointPolicy>(), 64);
    }
}
