//! The compile-time policy, proved on the compiler's own output: every file in `tests/ui/fail/`
//! must fail to build with exactly the diagnostics recorded in its `.stderr`, and every file in
//! `tests/ui/pass/` must build and run.
//!
//! Re-record the expectations after an intended message change with `cargo xtask bless`
//! (`TRYBUILD=overwrite`), then review the diff of the `.stderr` files.

/// One test function, so that trybuild builds the dependencies once for every case.
#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/fail/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}
