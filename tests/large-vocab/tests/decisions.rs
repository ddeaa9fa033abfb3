//! Decisions over a vocabulary of 1,000 scopes: the conformance generator's cases for every
//! endpoint (each required scope missing in turn, the hierarchy, every kind of credentials), and
//! hand-picked tokens on requirements near each other and 999 bits apart.

use scopegate::{AccessRequest, Membership, Method, OrganizationId, Principal, ScopeMatch, UserId};
use scopegate_test_large_vocab::{RESOURCES, registry};

#[test]
fn the_vocabulary_holds_a_thousand_scopes() {
    let vocabulary = registry().config().vocabulary();
    assert_eq!(vocabulary.scopes().len(), 2 * RESOURCES);
    assert_eq!(registry().all_scopes().len(), 1000);
    assert_eq!(
        registry().scope_names(registry().scope_set(["res499:write"])).collect::<Vec<_>>(),
        ["res499:write"]
    );
    let closed = registry().closure(registry().scope_set(["res499:write"]));
    assert_eq!(
        registry().scope_names(closed).collect::<Vec<_>>(),
        ["res000:read", "res499:read", "res499:write"]
    );
}

#[test]
fn conformance() {
    scopegate::testing::assert_conformance(registry());
}

fn decide(method: Method, path: &str, token: &[&str]) -> u16 {
    let r = registry();
    // Single-tenant? No: the default tenancy, with a member whose role holds every scope.
    let member = Membership { organization: OrganizationId(1), role_scopes: r.all_scopes(), teams: &[] };
    let principal = Principal::user_token(UserId(1), r.scope_set(token.iter().copied()));
    r.authorize(&AccessRequest::new(method, path, &principal).with_membership(&member)).status()
}

#[test]
fn requirements_far_apart_are_enforced() {
    let r = registry();
    let far = r.lookup(Method::Post, "/far/").expect("declared");
    assert_eq!(far.scope_match(), Some(ScopeMatch::All));
    assert_eq!(decide(Method::Post, "/far/", &["res000:write", "res499:read"]), 200);
    assert_eq!(decide(Method::Post, "/far/", &["res000:write", "res499:write"]), 200);
    // res499:write implies res499:read and res000:read, not res000:write.
    assert_eq!(decide(Method::Post, "/far/", &["res499:write"]), 403);
    assert_eq!(decide(Method::Post, "/far/", &["res000:write"]), 403);
    assert_eq!(decide(Method::Get, "/far/", &["res499:write"]), 200);
    assert_eq!(decide(Method::Get, "/far/", &["res499:read"]), 200);
    assert_eq!(decide(Method::Get, "/far/", &["res000:write"]), 200);
    assert_eq!(decide(Method::Get, "/far/", &["res000:read", "res498:write"]), 403);
    // The same in the middle of the vocabulary, and through a class.
    assert_eq!(decide(Method::Post, "/resources/7/links/", &["res250:read", "res251:write"]), 200);
    assert_eq!(decide(Method::Post, "/resources/7/links/", &["res250:write", "res251:write"]), 200);
    assert_eq!(decide(Method::Post, "/resources/7/links/", &["res251:write"]), 403);
    assert_eq!(decide(Method::Delete, "/archive/7/", &["res300:write", "res498:write"]), 200);
    assert_eq!(decide(Method::Delete, "/archive/7/", &["res300:write"]), 403);
    assert_eq!(decide(Method::Get, "/resources/7/", &["res001:write"]), 200);
    assert_eq!(decide(Method::Get, "/resources/7/", &["res002:write"]), 403);
}
