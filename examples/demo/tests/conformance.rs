//! The demo's own policy tests, as a service using scopegate writes them: the conformance
//! generator over every registered endpoint, and "no new policy debt" against the committed
//! baseline (like Sentry's invariant test).

use scopegate::Registry;

/// The demo's endpoints register themselves through `inventory`; a test binary only links them in
/// when it references the crate, so every test starts here.
fn registry() -> &'static Registry {
    // `app` mounts every handler, which keeps each handler's registration in the binary.
    let _ = std::hint::black_box(scopegate_demo::routes as fn() -> _);
    Registry::global()
}

#[test]
fn every_demo_endpoint_conforms_to_the_decision_rules() {
    let registry = registry();
    assert!(registry.len() >= 25, "{} endpoints", registry.len());
    let report = scopegate::testing::conformance(registry);
    assert!(report.is_ok(), "{report}");
    scopegate::testing::assert_conformance(registry);
}

#[test]
fn no_new_policy_debt() {
    scopegate::testing::assert_no_new_debt(registry(), include_str!("../../../policy-baseline.json"));
}
