//! The diagnostic of a crate that depends on scopegate without its `utoipa` feature and puts
//! `#[utoipa::path]` under `#[scopegate::endpoint]` (this crate enables no scopegate feature; the
//! UI tests of `scopegate-tests` run with it). Re-record with `TRYBUILD=overwrite`.

#[test]
fn ui() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}
