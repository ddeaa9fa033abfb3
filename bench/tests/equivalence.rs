//! The benchmarks compare like with like: scopegate, the plain Sentry-style check and casbin decide
//! the same requests the same way.
//!
//! `cargo test --manifest-path bench/Cargo.toml --release`

use std::collections::HashSet;

use scopegate::{AccessRequest, Membership, Method, Principal, UserId};
use scopegate_bench::casbin_ref::Casbin;
use scopegate_bench::endpoints::concrete_path;
use scopegate_bench::plain::{Caller, Outcome};
use scopegate_bench::scenario::{Lcg, MEMBER_ROLE, ORGANIZATION, Scenario};

fn casbin(scenario: &Scenario) -> Casbin {
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    runtime.block_on(Casbin::new(scopegate::Config::sentry(), &scenario.endpoints)).expect("casbin")
}

fn status(outcome: Outcome) -> u16 {
    match outcome {
        Outcome::Allow => 200,
        Outcome::NotFound => 404,
        Outcome::MethodNotAllowed => 405,
        Outcome::Unauthorized => 401,
        Outcome::Forbidden => 403,
    }
}

#[test]
fn the_three_implementations_agree_on_the_sentry_like_scenario() {
    let s = Scenario::sentry_like();
    assert!(s.allow.len() >= 40 && s.deny.len() >= 20, "{} allowed, {} denied", s.allow.len(), s.deny.len());
    let casbin = casbin(&s);
    let (token, role) = s.caller_scopes();
    for (reqs, allowed) in [(&s.allow, true), (&s.deny, false)] {
        for (r, a) in reqs.iter().zip(s.access_requests(reqs)) {
            let decision = s.registry.authorize(&a);
            assert_eq!(decision.status(), if allowed { 200 } else { 403 }, "scopegate {r:?}");
            assert_eq!(casbin.decide(r.method.as_str(), &r.path, token, role), allowed, "casbin {r:?}");
        }
    }
}

/// Random token scopes, every ungated endpoint, unknown paths and anonymous callers: scopegate's
/// status equals the plain check's.
#[test]
fn scopegate_and_the_plain_check_agree_on_random_callers() {
    let s = Scenario::sentry_like();
    let vocabulary = s.registry.config().vocabulary().scopes();
    let role: HashSet<String> = MEMBER_ROLE.iter().map(|x| x.to_string()).collect();
    let membership = Membership {
        organization: ORGANIZATION,
        role_scopes: s.registry.scope_set(MEMBER_ROLE.iter().copied()),
        teams: &[],
    };
    let mut rng = Lcg::new(42);
    let mut statuses = HashSet::new();
    for round in 0..200 {
        let token: Vec<&str> = (0..rng.below(5)).map(|_| vocabulary[rng.below(vocabulary.len())]).collect();
        let anonymous = round % 10 == 0;
        let principal = if anonymous {
            Principal::Anonymous
        } else {
            Principal::user_token(UserId(1), s.registry.scope_set(token.iter().copied()))
        };
        let caller = if anonymous {
            Caller::Anonymous
        } else {
            Caller::UserToken {
                token_scopes: token.iter().map(|x| x.to_string()).collect(),
                role_scopes: role.clone(),
            }
        };
        for (i, e) in s.endpoints.iter().enumerate().filter(|(_, e)| e.gate().is_none()) {
            let mut paths = vec![concrete_path(e.path(), i)];
            // An unregistered sibling and another method on the same path.
            paths.push(format!("{}nope/", paths[0]));
            for (method, path) in
                [(e.method(), &paths[0]), (e.method(), &paths[1]), (Method::Patch, &paths[0])]
            {
                let request = AccessRequest::new(method, path, &principal)
                    .with_membership(&membership)
                    .with_organization(&s.organization);
                let ours = s.registry.authorize(&request).status();
                let plain = status(s.plain.decide(method.as_str(), path, &caller));
                assert_eq!(ours, plain, "{method} {path} with token {token:?} (anonymous: {anonymous})");
                statuses.insert(ours);
            }
        }
    }
    assert_eq!(statuses, HashSet::from([200, 401, 403, 404, 405]), "every outcome is exercised");
}

#[test]
fn the_generated_scenario_is_decided_alike() {
    let s = Scenario::generated(10_000, 64);
    assert_eq!((s.endpoints.len(), s.allow.len(), s.deny.len()), (10_000, 64, 64));
    let (token, role) = s.caller_scopes();
    let casbin = casbin(&s);
    for (reqs, allowed) in [(&s.allow, true), (&s.deny, false)] {
        for (i, (r, a)) in reqs.iter().zip(s.access_requests(reqs)).enumerate() {
            assert_eq!(s.registry.authorize(&a).is_allowed(), allowed, "scopegate {r:?}");
            // casbin takes milliseconds per decision on 24,000 policy lines: check a few.
            if i < 4 {
                assert_eq!(casbin.decide(r.method.as_str(), &r.path, token, role), allowed, "casbin {r:?}");
            }
        }
    }
}

#[test]
fn registry_lookup_agrees_with_matchit_on_the_generated_registry() {
    let s = Scenario::generated(10_000, 1);
    let mut routers: [matchit::Router<usize>; 7] = Default::default();
    for (i, e) in s.endpoints.iter().enumerate() {
        routers[e.method().index()].insert(e.path(), i).expect("unambiguous fixtures");
    }
    let mut rng = Lcg::new(7);
    for i in 0..2_000 {
        let e = s.endpoints[rng.below(s.endpoints.len())];
        let path = concrete_path(e.path(), i);
        let ours = s.registry.lookup(e.method(), &path).expect("routed");
        assert!(std::ptr::eq(ours, e), "{} {path}", e.method());
        let theirs = routers[e.method().index()].at(&path).expect("matchit routes it");
        assert!(std::ptr::eq(s.endpoints[*theirs.value], e));
        assert!(s.registry.lookup(e.method(), &path.replacen("/res", "/nores", 1)).is_none());
    }
}
