//! Decisions and registry builds over vocabularies of a chosen size (128 and 1,024 scopes), with
//! any-of and all-of requirements: `r{i}:read` and `r{i}:write` per resource `i`, `write ⊇ read`.
//!
//! Each endpoint requires two scopes of neighbouring resources (as real requirements do: one
//! resource's read and write, or two related resources), so a 1,024-scope vocabulary keeps its
//! requirements in one 128-bit window of the engine; [`Spread::Far`] puts them 1,000 bits apart
//! instead, the engine's whole-set fallback.

use scopegate::{
    Access, AccessRequest, Config, Endpoint, EndpointId, Membership, Method, OrganizationId,
    OrganizationState, Principal, Publish, Registry, Requirement, Source, UserId, Vocabulary,
};

/// How far apart an endpoint's two scopes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spread {
    /// Neighbouring resources (one window of the engine).
    Near,
    /// The first resources and the last (kept whole by the engine).
    Far,
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// A configuration of `scopes` scopes (`scopes / 2` resources), no gates.
pub fn config(scopes: usize) -> &'static Config {
    let resources = scopes / 2;
    let names: Vec<&'static str> =
        (0..resources).flat_map(|i| [leak(format!("r{i}:read")), leak(format!("r{i}:write"))]).collect();
    let names: &'static [&'static str] = names.leak();
    let readonly: Vec<&'static str> = names.iter().copied().step_by(2).collect();
    let implies: Vec<(&'static str, &'static [&'static str])> =
        (0..resources).map(|i| (names[2 * i + 1], &names[2 * i..2 * i + 1])).collect();
    Box::leak(Box::new(Config::__new(Vocabulary::__new(names, readonly.leak(), implies.leak()), &[])))
}

/// The two scopes endpoint `k` of a vocabulary of `resources` resources requires.
fn pair(k: usize, resources: usize, spread: Spread) -> (usize, usize) {
    match spread {
        Spread::Near => {
            let i = (k * 7919) % (resources - 1);
            (i, i + 1)
        }
        Spread::Far => (k % 4, resources - 1 - k % 4),
    }
}

/// `count` endpoints (GET and PUT on `count / 2` templates) over a vocabulary of `scopes`
/// scopes: any-of `[r{i}:write, r{j}:write]` or all-of `all(r{i}:read, r{j}:write)`.
pub fn endpoints(count: usize, scopes: usize, all: bool, spread: Spread) -> Vec<&'static Endpoint> {
    let resources = scopes / 2;
    (0..count)
        .map(|k| {
            let (i, j) = pair(k, resources, spread);
            let required: &'static [&'static str] = if all {
                vec![leak(format!("r{i}:read")), leak(format!("r{j}:write"))].leak()
            } else {
                vec![leak(format!("r{i}:write")), leak(format!("r{j}:write"))].leak()
            };
            let requirement = if all { Requirement::all(required) } else { Requirement::any(required) };
            let method = if k % 2 == 0 { Method::Get } else { Method::Put };
            let path =
                leak(format!("/api/0/organizations/{{organization_id_or_slug}}/res{}/{{item_id}}/", k / 2));
            &*Box::leak(Box::new(Endpoint::__new(scopegate::__private::Declaration {
                owner: "bench",
                publish: Publish::Private,
                source: Source { file: "vocabulary.rs", line: 1 },
                ..scopegate::__private::Declaration::new(
                    leak(format!("vocabulary::e{k}")),
                    method,
                    path,
                    Access::Scopes(requirement),
                )
            })))
        })
        .collect()
}

/// One request to decide: the endpoint's id, its path and the caller (a user token).
#[derive(Debug)]
pub struct Call {
    /// The routed endpoint.
    pub id: EndpointId,
    /// A concrete path of it.
    pub path: String,
    /// The method.
    pub method: Method,
    /// The caller.
    pub principal: Principal,
}

/// A registry of `count` endpoints over `scopes` scopes, and for each endpoint an allowed and a
/// denied call by a user token (the member's role holds every scope).
#[derive(Debug)]
pub struct VocabularyScenario {
    /// The registry.
    pub registry: &'static Registry,
    /// The caller's membership.
    pub membership: Membership<'static>,
    /// The target organization (every path names it).
    pub organization: OrganizationState,
    /// Calls the token's scopes grant: the requirement's scopes (any-of: one of them, through the
    /// hierarchy for half of them).
    pub allow: Vec<Call>,
    /// Calls they do not: another resource's scope (any-of), one of the two required (all-of).
    pub deny: Vec<Call>,
}

impl VocabularyScenario {
    /// The scenario; panics if the fixtures do not form a registry (a bug here).
    pub fn new(count: usize, scopes: usize, all: bool, spread: Spread) -> VocabularyScenario {
        let endpoints = endpoints(count, scopes, all, spread);
        let registry: &'static Registry =
            match Registry::from_endpoints(config(scopes), endpoints.iter().copied()) {
                Ok(r) => Box::leak(Box::new(r)),
                Err(e) => panic!("vocabulary fixtures do not form a registry: {e:?}"),
            };
        let membership =
            Membership { organization: OrganizationId(1), role_scopes: registry.all_scopes(), teams: &[] };
        let resources = scopes / 2;
        let call = |k: usize, e: &Endpoint, names: &[String]| Call {
            id: registry.endpoint_id(e.method(), e.path()).expect("registered"),
            path: e
                .path()
                .replace("{organization_id_or_slug}", "acme")
                .replace("{item_id}", &(1000 + k).to_string()),
            method: e.method(),
            principal: Principal::user_token(UserId(7), registry.scope_set(names.iter().map(String::as_str))),
        };
        let (mut allow, mut deny) = (Vec::new(), Vec::new());
        for (k, e) in endpoints.iter().enumerate() {
            let (i, j) = pair(k, resources, spread);
            let other = (j + 2) % resources;
            let (granted, refused): (Vec<String>, Vec<String>) = if all {
                (vec![format!("r{i}:read"), format!("r{j}:write")], vec![format!("r{j}:write")])
            } else if k % 4 < 2 {
                (vec![format!("r{i}:write")], vec![format!("r{other}:write")])
            } else {
                (vec![format!("r{j}:write"), format!("r{other}:read")], vec![format!("r{i}:read")])
            };
            allow.push(call(k, e, &granted));
            deny.push(call(k, e, &refused));
        }
        let organization = OrganizationState::builder(registry.config(), OrganizationId(1)).build();
        VocabularyScenario { registry, membership, organization, allow, deny }
    }

    /// scopegate's requests for `calls`.
    pub fn requests<'a>(&'a self, calls: &'a [Call]) -> Vec<(EndpointId, AccessRequest<'a>)> {
        calls
            .iter()
            .map(|c| {
                let request = AccessRequest::new(c.method, &c.path, &c.principal)
                    .with_membership(&self.membership)
                    .with_organization(&self.organization);
                (c.id, request)
            })
            .collect()
    }
}
